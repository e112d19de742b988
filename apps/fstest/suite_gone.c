// SPDX-License-Identifier: MIT
/*
 * Suite "gone": the share goes away under the guest. The guest creates
 * /ready and holds a file open; the host (tests/guest/test_fs.py, or a dom0
 * hook on Xen) sees /ready and deletes the whole exported directory. Once
 * the directory itself is gone, every call fails with a clear errno (the
 * host's ENOENT), the open file stays readable (the host keeps the unlinked
 * inode), closing works, and no fid leaks.
 */
#include <ember/errno.h>
#include <ember/printk.h>
#include <ember/sched.h>
#include <ember/string.h>
#include <ember/test.h>
#include <ember/time.h>
#include <ember/vfs.h>
#include "fs_util.h"

#define GONE_TIMEOUT_NS (120ull * 1000000000)

/*
 * Whether the exported directory itself is gone, not just /ready: the host
 * deletes the files first, and a guest that went on as soon as /ready
 * vanished could still create files in the directory before it was removed.
 * A removed directory has no links left (the backend still holds it open).
 */
static bool share_root_removed(void)
{
	struct stat st;
	int err = vfs_stat("/", &st);
	return err == -ENOENT || (err == 0 && st.st_nlink == 0);
}

TEST(gone, share_removed_under_the_guest)
{
	int fd = vfs_open("/host/hello.txt", O_RDONLY, 0);
	ASSERT_GE(fd, 3);
	ASSERT_EQ(fs_write_file("/ready", "1", 1), 0);
	printk("fstest: waiting for the share to go\n");
	struct stat st;
	uint64_t deadline = time_now_ns() + GONE_TIMEOUT_NS;
	while (!share_root_removed() && time_now_ns() < deadline)
		thread_sleep_ns(20 * 1000000);
	ASSERT_TRUE(share_root_removed());
	ASSERT_EQ(vfs_stat("/ready", &st), -ENOENT);
	printk("fstest: the share is gone\n");

	char buf[32];
	EXPECT_EQ(vfs_pread(fd, buf, sizeof(buf), 0), 20); /* the open file survives */
	EXPECT_EQ(vfs_open("/host/hello.txt", O_RDONLY, 0), -ENOENT);
	EXPECT_EQ(vfs_open("/new", O_CREAT | O_WRONLY, 0644), -ENOENT);
	EXPECT_EQ(vfs_mkdir("/newdir", 0755), -ENOENT);
	EXPECT_EQ(vfs_stat("/host", &st), -ENOENT);
	EXPECT_LT(fs_count_entries("/", 4096), 3); /* nothing but . and .., or an error */
	EXPECT_EQ(vfs_close(fd), 0);
	EXPECT_EQ(fs_fids_in_use(), 1);
}
