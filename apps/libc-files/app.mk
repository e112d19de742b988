# SPDX-License-Identifier: MIT
# libc-files: file mappings and vectored I/O through musl (tests/guest/test_libc_files.py).
app-features += libc
app-y += apps/libc-files/main.c
app-features += 9pfs
