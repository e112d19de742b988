# SPDX-License-Identifier: MIT
# hello-libc: the smallest C library application (musl through libc-glue).
app-features += libc
app-y += apps/hello-libc/main.c
