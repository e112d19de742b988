/* SPDX-License-Identifier: MIT */
/* Helpers shared by the fstest suites. */
#ifndef FSTEST_FS_UTIL_H
#define FSTEST_FS_UTIL_H

#include <ember/types.h>

/* Creates (or truncates) @path with @len bytes of @data; 0 or a negative errno. */
int fs_write_file(const char *path, const void *data, size_t len);
/* Reads up to @cap bytes of @path into @buf; the byte count or a negative errno. */
ssize_t fs_read_file(const char *path, void *buf, size_t cap);
/* The number of entries in directory @path (with . and ..), or a negative errno. */
long fs_count_entries(const char *path, size_t bufsize);
/* True if directory @path lists @name. */
int fs_dir_has(const char *path, const char *name);
/* 9p fids in use on the root mount. */
unsigned fs_fids_in_use(void);
/* CRC-32 (zlib's) of @len bytes, continuing from @crc (0 to start). */
uint32_t fs_crc32(uint32_t crc, const void *data, size_t len);

#endif
