// SPDX-License-Identifier: MIT
/*
 * fsbench for Ember: mounts the share tagged by the first argument (default
 * "share") at / and times the mount (first after boot, then again with the
 * channel up: Tversion to root fid attached), then runs the shared workload
 * (workload.c) over the VFS.
 *
 *   fsbench [TAG [SEQ_MIB [SMALL_FILES]]]      defaults: share 64 1000
 */
#include <ember/errno.h>
#include <ember/kernel.h>
#include <ember/printk.h>
#include <ember/string.h>
#include <ember/time.h>
#include <ember/vfs.h>
#include "fsbench.h"

int fsb_open(const char *path, int how)
{
	return vfs_open(path, how == FSB_RDONLY ? O_RDONLY : O_WRONLY | O_CREAT | O_TRUNC, 0644);
}

long fsb_read(int fd, void *buf, size_t len)
{
	return vfs_read(fd, buf, len);
}

long fsb_write(int fd, const void *buf, size_t len)
{
	return vfs_write(fd, buf, len);
}

int fsb_fsync(int fd)
{
	return vfs_fsync(fd);
}

int fsb_close(int fd)
{
	return vfs_close(fd);
}

int fsb_mkdir(const char *path)
{
	return vfs_mkdir(path, 0755);
}

int fsb_stat(const char *path, uint64_t *size)
{
	struct stat st;
	int err = vfs_stat(path, &st);
	*size = (uint64_t)st.st_size;
	return err;
}

uint64_t fsb_now_ns(void)
{
	return time_now_ns();
}

void fsb_print(const char *line)
{
	printk("%s", line);
}

static unsigned arg_uint(int argc, char **argv, int i, unsigned dflt)
{
	unsigned v = 0;
	if (argc <= i)
		return dflt;
	for (const char *p = argv[i]; *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (unsigned)(*p - '0');
	return v ? v : dflt;
}

/* Times one mount of @tag at /; 0 or the error (printed). */
static int timed_mount(const char *tag, uint64_t *us)
{
	uint64_t t0 = time_now_ns();
	/* msize 256 KiB, as the Linux guest is given (tests/bench/fs) */
	int err = vfs_mount(tag, "/", "9p", "msize=262144");
	*us = (time_now_ns() - t0) / 1000;
	if (err)
		printk("fsbench: cannot mount share '%s' (%d)\n", tag, err);
	return err;
}

int main(int argc, char **argv)
{
	const char *tag = argc > 1 ? argv[1] : "share";
	uint64_t first_us, us;
	/*
	 * The first mount may wait for the transport's handshake, which starts
	 * at boot (on Xen it cannot finish before the backend answers); the
	 * second finds the channel up, as Linux's mount(2) does: that one is
	 * "the mount" the benchmarks compare.
	 */
	int err = timed_mount(tag, &first_us);
	err = err ?: vfs_umount("/");
	err = err ?: timed_mount(tag, &us);
	if (err)
		return 1;
	printk("fsbench: first_mount_us=%lu mount_us=%lu\n", (unsigned long)first_us,
	       (unsigned long)us);
	struct fsb_result r;
	fsb_run("", arg_uint(argc, argv, 2, 64), arg_uint(argc, argv, 3, 1000), &r);
	fsb_report("ember", &r);
	return r.errors ? 1 : 0;
}
