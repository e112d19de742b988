# SPDX-License-Identifier: MIT
# libc-threads: pthreads, TLS and futex stress through musl (tests/guest/test_libc.py).
app-features += libc
app-y += apps/libc-threads/main.c
