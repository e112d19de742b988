# SPDX-License-Identifier: MIT
# mallocbench: the C library's allocator measured (musl's mallocng over mmap).
app-features += libc
app-y += apps/mallocbench/main.c
