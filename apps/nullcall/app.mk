# SPDX-License-Identifier: MIT
# nullcall: the null system call's cost through musl (tests/bench/libc).
app-features += libc
app-y += apps/nullcall/main.c
