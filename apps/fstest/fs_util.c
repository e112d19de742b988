// SPDX-License-Identifier: MIT
/* Helpers shared by the fstest suites (see fs_util.h). */
#include <ember/errno.h>
#include <ember/heap.h>
#include <ember/p9fs.h>
#include <ember/string.h>
#include <ember/vfs.h>
#include "fs_util.h"

int fs_write_file(const char *path, const void *data, size_t len)
{
	int fd = vfs_open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (fd < 0)
		return fd;
	ssize_t n = vfs_write(fd, data, len);
	int err = vfs_close(fd);
	if (n < 0)
		return (int)n;
	return (size_t)n != len ? -EIO : err;
}

ssize_t fs_read_file(const char *path, void *buf, size_t cap)
{
	int fd = vfs_open(path, O_RDONLY, 0);
	if (fd < 0)
		return fd;
	ssize_t n = vfs_read(fd, buf, cap);
	vfs_close(fd);
	return n;
}

/*
 * Calls @fn on every entry of @path until it returns nonzero. Returns the
 * number of entries seen (with @fn NULL), whether @fn stopped the walk
 * (otherwise), or a negative errno.
 */
static long for_each_entry(const char *path, size_t bufsize, int (*fn)(const char *, void *),
			   void *arg)
{
	int fd = vfs_open(path, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return fd;
	char *buf = malloc(bufsize);
	long count = 0, n = -ENOMEM;
	bool stop = false;
	while (buf && !stop && (n = vfs_getdents64(fd, buf, bufsize)) > 0) {
		for (long off = 0; off < n && !stop;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
			count++;
			stop = fn && fn(d->d_name, arg);
			off += d->d_reclen;
		}
	}
	free(buf);
	vfs_close(fd);
	if (n < 0)
		return n;
	return fn ? stop : count;
}

long fs_count_entries(const char *path, size_t bufsize)
{
	return for_each_entry(path, bufsize, NULL, NULL);
}

static int is_name(const char *name, void *arg)
{
	return !strcmp(name, arg);
}

int fs_dir_has(const char *path, const char *name)
{
	return for_each_entry(path, 4096, is_name, (void *)name) == 1;
}

unsigned fs_fids_in_use(void)
{
	struct p9_client_stats s;
	return p9fs_stats("/", &s) ? 0 : s.fids_in_use;
}

uint32_t fs_crc32(uint32_t crc, const void *data, size_t len)
{
	static uint32_t table[8][256];
	if (!table[0][1]) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;
			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			table[0][i] = c;
		}
		for (uint32_t i = 0; i < 256; i++)
			for (int t = 1; t < 8; t++)
				table[t][i] =
					(table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xff];
	}
	const uint8_t *p = data;
	crc = ~crc;
	/* slicing-by-8 */
	while (len >= 8) {
		uint32_t a = crc ^ (uint32_t)(p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24);
		crc = table[7][a & 0xff] ^ table[6][(a >> 8) & 0xff] ^ table[5][(a >> 16) & 0xff] ^
		      table[4][a >> 24] ^ table[3][p[4]] ^ table[2][p[5]] ^ table[1][p[6]] ^
		      table[0][p[7]];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}
