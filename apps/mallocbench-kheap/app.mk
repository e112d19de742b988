# SPDX-License-Identifier: MIT
# mallocbench-kheap: the same program on the kernel's heap behind musl's
# malloc interface (libc-glue/kernel-malloc.c), for the comparison.
app-features += libc kernel-malloc
app-y += apps/mallocbench/main.c
