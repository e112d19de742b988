# SPDX-License-Identifier: MIT
# libc-crash: how C library programs end and fail (tests/guest/test_libc.py).
app-features += libc
app-y += apps/libc-crash/main.c
