// SPDX-License-Identifier: MIT
/*
 * Suite "hosterr": errors that come from the host's filesystem reach the
 * caller as the right errno, and nothing leaks. Run by test_fs.py with QEMU
 * as an unprivileged user and /small a 2 MiB tmpfs; the host made
 *   /host/secret        mode 000           -> EACCES
 *   /host/locked/       mode 0555, a file "inside" -> EACCES to create, delete
 */
#include <ember/errno.h>
#include <ember/heap.h>
#include <ember/string.h>
#include <ember/test.h>
#include <ember/vfs.h>
#include "fs_util.h"

TEST(hosterr, enospc)
{
	int fd = vfs_open("/small/fill", O_CREAT | O_WRONLY | O_TRUNC, 0644);
	ASSERT_GE(fd, 3);
	size_t len = 256 * 1024;
	uint8_t *buf = malloc(len);
	ASSERT_NOT_NULL(buf);
	memset(buf, 0xab, len);
	ssize_t n = 0;
	size_t total = 0;
	for (int i = 0; i < 64 && (n = vfs_write(fd, buf, len)) == (ssize_t)len; i++)
		total += len;
	/* a short write, then the error itself */
	if (n > 0) {
		total += (size_t)n;
		n = vfs_write(fd, buf, len);
	}
	EXPECT_EQ(n, -ENOSPC);
	EXPECT_LE(total, 2u << 20);
	EXPECT_GT(total, 0);
	EXPECT_EQ(vfs_close(fd), 0);
	EXPECT_EQ(vfs_unlink("/small/fill"), 0);
	/* space is back */
	EXPECT_EQ(fs_write_file("/small/after", buf, len), 0);
	free(buf);
	EXPECT_EQ(fs_fids_in_use(), 1);
}

TEST(hosterr, eacces)
{
	EXPECT_EQ(vfs_open("/host/secret", O_RDONLY, 0), -EACCES);
	EXPECT_EQ(vfs_open("/host/secret", O_WRONLY | O_TRUNC, 0), -EACCES);
	EXPECT_EQ(vfs_open("/host/locked/new", O_CREAT | O_WRONLY, 0644), -EACCES);
	EXPECT_EQ(vfs_mkdir("/host/locked/newdir", 0755), -EACCES);
	EXPECT_EQ(vfs_unlink("/host/locked/inside"), -EACCES);
	EXPECT_EQ(vfs_rename("/host/locked/inside", "/host/moved"), -EACCES);
	char buf[8];
	EXPECT_EQ(fs_read_file("/host/locked/inside", buf, sizeof(buf)), 6);
	EXPECT_EQ(fs_fids_in_use(), 1);
}
