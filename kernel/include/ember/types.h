/* SPDX-License-Identifier: MIT */
/*
 * The POSIX scalar types the VFS and the 9P client use. They are the same
 * types as glibc's and musl's on x86_64 (so host unit tests, which also see
 * <sys/types.h>, get identical redefinitions).
 */
#ifndef EMBER_TYPES_H
#define EMBER_TYPES_H

#include <stddef.h>
#include <stdint.h>

typedef long ssize_t;
typedef long off_t;
typedef unsigned int mode_t;

#endif
