// SPDX-License-Identifier: MIT
/*
 * Suite "fs": the POSIX semantics of the VFS over 9p, case by case, on the
 * share tests/guest/test_fs.py prepares:
 *   /host/hello.txt        "hello from the host\n"
 *   /host/pattern.bin      3 MiB + 17 bytes, byte i = (i * 7 + (i >> 11)) & 0xff
 *   /host/dir/nested/deep.txt "deep\n"
 *   /host/link-to-hello    symlink to hello.txt;  /host/linkdir -> dir
 *   /guest/                empty: everything the guest makes goes here, and
 *                          the host checks it after the run
 * Each case checks exact return values (byte counts, negative errnos), and
 * the last one that no 9p fid leaked.
 */
#include <ember/errno.h>
#include <ember/format.h>
#include <ember/heap.h>
#include <ember/sched.h>
#include <ember/string.h>
#include <ember/test.h>
#include <ember/vfs.h>
#include "fs_util.h"

#define PATTERN_SIZE ((3u << 20) + 17)

static uint8_t pattern_byte(uint64_t i)
{
	return (uint8_t)(i * 7 + (i >> 11));
}

TEST(fs, host_file_reads_back)
{
	char buf[64];
	EXPECT_EQ(fs_read_file("/host/hello.txt", buf, sizeof(buf)), 20);
	EXPECT_TRUE(!memcmp(buf, "hello from the host\n", 20));
	struct stat st;
	ASSERT_EQ(vfs_stat("/host/hello.txt", &st), 0);
	EXPECT_EQ(st.st_size, 20);
	EXPECT_TRUE(S_ISREG(st.st_mode));
	EXPECT_EQ(fs_read_file("/host/dir/nested/deep.txt", buf, sizeof(buf)), 5);
}

TEST(fs, large_host_file_reads_whole_and_in_pieces)
{
	uint8_t *buf = malloc(PATTERN_SIZE + 100);
	ASSERT_NOT_NULL(buf);
	int fd = vfs_open("/host/pattern.bin", O_RDONLY, 0);
	EXPECT_GE(fd, 3);
	/* one read larger than msize: split by the client, returned whole */
	EXPECT_EQ(vfs_read(fd, buf, PATTERN_SIZE + 100), PATTERN_SIZE);
	unsigned bad = 0;
	for (uint32_t i = 0; i < PATTERN_SIZE; i++)
		bad += buf[i] != pattern_byte(i);
	EXPECT_EQ(bad, 0);
	EXPECT_EQ(vfs_read(fd, buf, 10), 0); /* end of file */
	/* pread at odd offsets never comes back short (a Unikraft bug) */
	static const uint32_t offs[] = { 0, 1, 4095, 4096, 65537, 1u << 20, PATTERN_SIZE - 1 };
	for (unsigned k = 0; k < ARRAY_SIZE(offs); k++) {
		uint32_t want = MIN(100000u, PATTERN_SIZE - offs[k]);
		EXPECT_EQ(vfs_pread(fd, buf, 100000, offs[k]), want);
		EXPECT_EQ(buf[0], pattern_byte(offs[k]));
		EXPECT_EQ(buf[want - 1], pattern_byte(offs[k] + want - 1));
	}
	EXPECT_EQ(vfs_pread(fd, buf, 10, PATTERN_SIZE + 5), 0);
	EXPECT_EQ(vfs_pread(fd, buf, 10, -1), -EINVAL);
	EXPECT_EQ(vfs_close(fd), 0);
	free(buf);
}

TEST(fs, create_write_read)
{
	ASSERT_EQ(vfs_mkdir("/guest/basic", 0755), 0);
	int fd = vfs_open("/guest/basic/made-by-guest.txt", O_CREAT | O_WRONLY | O_EXCL, 0644);
	ASSERT_GE(fd, 3);
	EXPECT_EQ(vfs_write(fd, "written by ember\n", 17), 17);
	EXPECT_EQ(vfs_read(fd, (char[4]){ 0 }, 4), -EBADF); /* write-only */
	struct stat st;
	EXPECT_EQ(vfs_fstat(fd, &st), 0);
	EXPECT_EQ(st.st_size, 17);
	EXPECT_EQ(st.st_mode & 0777, 0644);
	EXPECT_EQ(vfs_close(fd), 0);
	EXPECT_EQ(vfs_close(fd), -EBADF);
	char buf[32];
	EXPECT_EQ(fs_read_file("/guest/basic/made-by-guest.txt", buf, sizeof(buf)), 17);
	EXPECT_TRUE(!memcmp(buf, "written by ember\n", 17));
	fd = vfs_open("/guest/basic/made-by-guest.txt", O_RDONLY, 0);
	EXPECT_EQ(vfs_write(fd, "x", 1), -EBADF); /* read-only */
	vfs_close(fd);
}

TEST(fs, o_creat_and_o_excl)
{
	/* O_CREAT on an existing file opens it and keeps its bytes */
	ASSERT_EQ(fs_write_file("/guest/basic/excl", "1234", 4), 0);
	int fd = vfs_open("/guest/basic/excl", O_CREAT | O_RDWR, 0600);
	EXPECT_GE(fd, 3);
	struct stat st;
	EXPECT_EQ(vfs_fstat(fd, &st), 0);
	EXPECT_EQ(st.st_size, 4);
	vfs_close(fd);
	EXPECT_EQ(vfs_open("/guest/basic/excl", O_CREAT | O_EXCL | O_RDWR, 0600), -EEXIST);
	EXPECT_EQ(vfs_open("/guest/basic/missing", O_RDONLY, 0), -ENOENT);
	EXPECT_EQ(vfs_open("/guest/no-such-dir/f", O_CREAT | O_RDWR, 0600), -ENOENT);
	EXPECT_EQ(vfs_open("/guest/basic/excl/f", O_CREAT | O_RDWR, 0600), -ENOTDIR);
}

TEST(fs, o_trunc)
{
	ASSERT_EQ(fs_write_file("/guest/basic/trunc", "0123456789", 10), 0);
	int fd = vfs_open("/guest/basic/trunc", O_WRONLY | O_TRUNC, 0);
	ASSERT_GE(fd, 3);
	struct stat st;
	EXPECT_EQ(vfs_fstat(fd, &st), 0);
	EXPECT_EQ(st.st_size, 0);
	EXPECT_EQ(vfs_write(fd, "ab", 2), 2);
	vfs_close(fd);
	EXPECT_EQ(vfs_stat("/guest/basic/trunc", &st), 0);
	EXPECT_EQ(st.st_size, 2);
}

TEST(fs, o_append)
{
	ASSERT_EQ(fs_write_file("/guest/basic/append", "12", 2), 0);
	int fd = vfs_open("/guest/basic/append", O_WRONLY | O_APPEND, 0);
	ASSERT_GE(fd, 3);
	EXPECT_EQ(vfs_write(fd, "34", 2), 2);
	EXPECT_EQ(vfs_lseek(fd, 0, SEEK_SET), 0);
	EXPECT_EQ(vfs_write(fd, "56", 2), 2); /* still at the end */
	EXPECT_EQ(vfs_lseek(fd, 0, SEEK_CUR), 6);
	vfs_close(fd);
	char buf[16];
	EXPECT_EQ(fs_read_file("/guest/basic/append", buf, sizeof(buf)), 6);
	EXPECT_TRUE(!memcmp(buf, "123456", 6));
}

TEST(fs, o_directory_and_directories)
{
	EXPECT_EQ(vfs_open("/host/hello.txt", O_RDONLY | O_DIRECTORY, 0), -ENOTDIR);
	EXPECT_EQ(vfs_open("/host/dir", O_WRONLY, 0), -EISDIR);
	EXPECT_EQ(vfs_open("/host/dir", O_RDWR, 0), -EISDIR);
	EXPECT_EQ(vfs_open("/host/hello.txt/", O_RDONLY, 0), -ENOTDIR);
	EXPECT_EQ(vfs_open("/guest/basic/newdir", O_CREAT | O_DIRECTORY | O_RDONLY, 0755), -EINVAL);
	int fd = vfs_open("/host/dir", O_RDONLY | O_DIRECTORY, 0);
	ASSERT_GE(fd, 3);
	char buf[8];
	EXPECT_EQ(vfs_read(fd, buf, sizeof(buf)), -EISDIR);
	struct stat st;
	EXPECT_EQ(vfs_fstat(fd, &st), 0);
	EXPECT_TRUE(S_ISDIR(st.st_mode));
	EXPECT_EQ(vfs_fsync(fd), 0);
	vfs_close(fd);
	EXPECT_EQ(vfs_getdents64(1, buf, sizeof(buf)), -ENOTDIR);
}

TEST(fs, lseek_and_holes)
{
	int fd = vfs_open("/guest/basic/seek", O_CREAT | O_RDWR | O_TRUNC, 0644);
	ASSERT_GE(fd, 3);
	EXPECT_EQ(vfs_write(fd, "abcdef", 6), 6);
	EXPECT_EQ(vfs_lseek(fd, 2, SEEK_SET), 2);
	char buf[16] = { 0 };
	EXPECT_EQ(vfs_read(fd, buf, 2), 2);
	EXPECT_TRUE(!memcmp(buf, "cd", 2));
	EXPECT_EQ(vfs_lseek(fd, -1, SEEK_CUR), 3);
	EXPECT_EQ(vfs_lseek(fd, -2, SEEK_END), 4);
	EXPECT_EQ(vfs_lseek(fd, -7, SEEK_END), -EINVAL);
	EXPECT_EQ(vfs_lseek(fd, 0, 42), -EINVAL);
	/* writing past the end leaves a hole that reads as zeros */
	EXPECT_EQ(vfs_lseek(fd, 10, SEEK_SET), 10);
	EXPECT_EQ(vfs_write(fd, "Z", 1), 1);
	EXPECT_EQ(vfs_pread(fd, buf, sizeof(buf), 0), 11);
	EXPECT_TRUE(!memcmp(buf, "abcdef\0\0\0\0Z", 11));
	EXPECT_EQ(vfs_lseek(1, 0, SEEK_SET), -ESPIPE);
	vfs_close(fd);
}

TEST(fs, pread_pwrite_leave_the_position)
{
	int fd = vfs_open("/guest/basic/ppos", O_CREAT | O_RDWR | O_TRUNC, 0644);
	ASSERT_GE(fd, 3);
	EXPECT_EQ(vfs_write(fd, "0123456789", 10), 10);
	EXPECT_EQ(vfs_pwrite(fd, "AB", 2, 3), 2);
	EXPECT_EQ(vfs_lseek(fd, 0, SEEK_CUR), 10);
	char buf[4];
	EXPECT_EQ(vfs_pread(fd, buf, 4, 2), 4);
	EXPECT_TRUE(!memcmp(buf, "2AB5", 4));
	EXPECT_EQ(vfs_lseek(fd, 0, SEEK_CUR), 10);
	vfs_close(fd);
}

TEST(fs, symlinks_stat_lstat_readlink)
{
	struct stat st, lst;
	EXPECT_EQ(vfs_stat("/host/link-to-hello", &st), 0);
	EXPECT_TRUE(S_ISREG(st.st_mode));
	EXPECT_EQ(st.st_size, 20);
	EXPECT_EQ(vfs_lstat("/host/link-to-hello", &lst), 0);
	EXPECT_TRUE(S_ISLNK(lst.st_mode));
	char buf[64];
	EXPECT_EQ(vfs_readlink("/host/link-to-hello", buf, sizeof(buf)), 9);
	EXPECT_TRUE(!memcmp(buf, "hello.txt", 9));
	EXPECT_EQ(vfs_readlink("/host/link-to-hello", buf, 4), 4); /* cut, no NUL */
	EXPECT_EQ(vfs_readlink("/host/hello.txt", buf, sizeof(buf)), -EINVAL);
	/* through a link to a directory, and a file read through a link */
	EXPECT_EQ(fs_read_file("/host/linkdir/nested/deep.txt", buf, sizeof(buf)), 5);
	EXPECT_EQ(fs_read_file("/host/link-to-hello", buf, sizeof(buf)), 20);
	/* made by the guest: relative, absolute, dangling, a loop */
	EXPECT_EQ(vfs_symlink("made-by-guest.txt", "/guest/basic/rel-link"), 0);
	EXPECT_EQ(fs_read_file("/guest/basic/rel-link", buf, sizeof(buf)), 17);
	EXPECT_EQ(vfs_symlink("/host/dir", "/guest/basic/abs-link"), 0);
	EXPECT_EQ(fs_read_file("/guest/basic/abs-link/nested/deep.txt", buf, sizeof(buf)), 5);
	EXPECT_EQ(vfs_symlink("nowhere", "/guest/basic/dangling"), 0);
	EXPECT_EQ(vfs_stat("/guest/basic/dangling", &st), -ENOENT);
	EXPECT_EQ(vfs_lstat("/guest/basic/dangling", &st), 0);
	EXPECT_EQ(vfs_symlink("loop-b", "/guest/basic/loop-a"), 0);
	EXPECT_EQ(vfs_symlink("loop-a", "/guest/basic/loop-b"), 0);
	EXPECT_EQ(vfs_stat("/guest/basic/loop-a", &st), -ELOOP);
	EXPECT_EQ(vfs_open("/guest/basic/rel-link", O_RDONLY | O_NOFOLLOW, 0), -ELOOP);
	EXPECT_EQ(vfs_symlink("x", "/guest/basic/rel-link"), -EEXIST);
}

static int count_named(const char *dir, const char *const *names, unsigned n, size_t bufsize)
{
	int found = 0;
	for (unsigned i = 0; i < n; i++)
		found += fs_dir_has(dir, names[i]);
	(void)bufsize;
	return found;
}

TEST(fs, readdir)
{
	static const char *const names[] = { "one", "two", "three",
					     "a-much-longer-name-than-most" };
	ASSERT_EQ(vfs_mkdir("/guest/rd", 0755), 0);
	for (unsigned i = 0; i < ARRAY_SIZE(names); i++) {
		char path[64] = "/guest/rd/";
		memcpy(path + 10, names[i], strlen(names[i]) + 1);
		ASSERT_EQ(fs_write_file(path, "x", 1), 0);
	}
	EXPECT_EQ(fs_count_entries("/guest/rd", 4096), 6); /* with . and .. */
	EXPECT_EQ(count_named("/guest/rd", names, 4, 4096), 4);
	/* a buffer that holds one record at a time resumes where it stopped */
	EXPECT_EQ(fs_count_entries("/guest/rd", 64), 6);
	int fd = vfs_open("/guest/rd", O_RDONLY, 0);
	char tiny[16];
	EXPECT_EQ(vfs_getdents64(fd, tiny, sizeof(tiny)), -EINVAL);
	/* rewind */
	char buf[512];
	ssize_t first = vfs_getdents64(fd, buf, sizeof(buf));
	EXPECT_GT(first, 0);
	EXPECT_EQ(vfs_getdents64(fd, buf, sizeof(buf)), 0);
	EXPECT_EQ(vfs_lseek(fd, 0, SEEK_SET), 0);
	EXPECT_EQ(vfs_getdents64(fd, buf, sizeof(buf)), first);
	EXPECT_EQ(vfs_lseek(fd, 5, SEEK_SET), -EINVAL);
	vfs_close(fd);
}

TEST(fs, mkdir_rmdir_unlink)
{
	struct stat st;
	ASSERT_EQ(vfs_mkdir("/guest/tree", 0700), 0);
	EXPECT_EQ(vfs_stat("/guest/tree", &st), 0);
	EXPECT_TRUE(S_ISDIR(st.st_mode));
	EXPECT_EQ(st.st_mode & 0777, 0700);
	EXPECT_EQ(vfs_mkdir("/guest/tree", 0700), -EEXIST);
	EXPECT_EQ(vfs_mkdir("/guest/no/such", 0700), -ENOENT);
	ASSERT_EQ(fs_write_file("/guest/tree/file", "f", 1), 0);
	EXPECT_EQ(vfs_rmdir("/guest/tree"), -ENOTEMPTY);
	EXPECT_EQ(vfs_rmdir("/guest/tree/file"), -ENOTDIR);
	EXPECT_EQ(vfs_unlink("/guest/tree"), -EISDIR);
	EXPECT_EQ(vfs_unlink("/guest/tree/file"), 0);
	EXPECT_EQ(vfs_unlink("/guest/tree/file"), -ENOENT);
	EXPECT_EQ(vfs_open("/guest/tree/file", O_RDONLY, 0), -ENOENT);
	EXPECT_EQ(vfs_rmdir("/guest/tree/"), 0);
	EXPECT_EQ(vfs_stat("/guest/tree", &st), -ENOENT);
	EXPECT_EQ(vfs_rmdir("/"), -EBUSY);
}

TEST(fs, rename)
{
	ASSERT_EQ(vfs_mkdir("/guest/mv", 0755), 0);
	ASSERT_EQ(vfs_mkdir("/guest/mv/sub", 0755), 0);
	ASSERT_EQ(fs_write_file("/guest/mv/a", "AAA", 3), 0);
	ASSERT_EQ(fs_write_file("/guest/mv/b", "B", 1), 0);
	/* over an existing file */
	EXPECT_EQ(vfs_rename("/guest/mv/a", "/guest/mv/b"), 0);
	struct stat st;
	EXPECT_EQ(vfs_stat("/guest/mv/a", &st), -ENOENT);
	EXPECT_EQ(vfs_stat("/guest/mv/b", &st), 0);
	EXPECT_EQ(st.st_size, 3);
	/* into another directory, and a directory itself */
	EXPECT_EQ(vfs_rename("/guest/mv/b", "/guest/mv/sub/c"), 0);
	EXPECT_EQ(vfs_rename("/guest/mv/sub", "/guest/mv/renamed"), 0);
	char buf[8];
	EXPECT_EQ(fs_read_file("/guest/mv/renamed/c", buf, sizeof(buf)), 3);
	EXPECT_EQ(vfs_rename("/guest/mv/missing", "/guest/mv/x"), -ENOENT);
	EXPECT_EQ(vfs_rename("/guest/mv/renamed", "/guest/mv/renamed/c/inside"), -ENOTDIR);
}

TEST(fs, ftruncate_and_truncate)
{
	int fd = vfs_open("/guest/basic/size", O_CREAT | O_RDWR | O_TRUNC, 0644);
	ASSERT_GE(fd, 3);
	EXPECT_EQ(vfs_write(fd, "0123456789", 10), 10);
	EXPECT_EQ(vfs_ftruncate(fd, 4), 0);
	struct stat st;
	EXPECT_EQ(vfs_fstat(fd, &st), 0);
	EXPECT_EQ(st.st_size, 4);
	EXPECT_EQ(vfs_ftruncate(fd, 8), 0);
	char buf[16];
	EXPECT_EQ(vfs_pread(fd, buf, sizeof(buf), 0), 8);
	EXPECT_TRUE(!memcmp(buf, "0123\0\0\0\0", 8));
	EXPECT_EQ(vfs_ftruncate(fd, -1), -EINVAL);
	vfs_close(fd);
	fd = vfs_open("/guest/basic/size", O_RDONLY, 0);
	EXPECT_EQ(vfs_ftruncate(fd, 0), -EINVAL);
	vfs_close(fd);
	EXPECT_EQ(vfs_truncate("/guest/basic/size", 1), 0);
	EXPECT_EQ(vfs_stat("/guest/basic/size", &st), 0);
	EXPECT_EQ(st.st_size, 1);
	EXPECT_EQ(vfs_truncate("/guest", 0), -EISDIR);
}

TEST(fs, fsync)
{
	int fd = vfs_open("/guest/basic/sync", O_CREAT | O_WRONLY | O_TRUNC, 0644);
	ASSERT_GE(fd, 3);
	EXPECT_EQ(vfs_write(fd, "durable", 7), 7);
	EXPECT_EQ(vfs_fsync(fd), 0);
	vfs_close(fd);
	EXPECT_EQ(vfs_fsync(fd), -EBADF);
}

TEST(fs, chmod)
{
	struct stat st;
	ASSERT_EQ(fs_write_file("/guest/basic/mode", "m", 1), 0);
	EXPECT_EQ(vfs_chmod("/guest/basic/mode", 0600), 0);
	EXPECT_EQ(vfs_stat("/guest/basic/mode", &st), 0);
	EXPECT_EQ(st.st_mode & 07777, 0600);
	EXPECT_TRUE(S_ISREG(st.st_mode));
	int fd = vfs_open("/guest/basic/mode", O_RDONLY, 0);
	EXPECT_EQ(vfs_fchmod(fd, 0751), 0);
	EXPECT_EQ(vfs_fstat(fd, &st), 0);
	EXPECT_EQ(st.st_mode & 07777, 0751);
	vfs_close(fd);
	EXPECT_EQ(vfs_chmod("/guest/basic/nothing", 0600), -ENOENT);
	/* through a symlink: the target changes */
	EXPECT_EQ(vfs_symlink("mode", "/guest/basic/mode-link"), 0);
	EXPECT_EQ(vfs_chmod("/guest/basic/mode-link", 0640), 0);
	EXPECT_EQ(vfs_stat("/guest/basic/mode", &st), 0);
	EXPECT_EQ(st.st_mode & 07777, 0640);
}

TEST(fs, hard_links)
{
	ASSERT_EQ(fs_write_file("/guest/basic/orig", "shared", 6), 0);
	EXPECT_EQ(vfs_link("/guest/basic/orig", "/guest/basic/hard"), 0);
	struct stat a, b;
	EXPECT_EQ(vfs_stat("/guest/basic/orig", &a), 0);
	EXPECT_EQ(vfs_stat("/guest/basic/hard", &b), 0);
	EXPECT_EQ(a.st_ino, b.st_ino);
	EXPECT_EQ(a.st_nlink, 2);
	EXPECT_EQ(vfs_unlink("/guest/basic/orig"), 0);
	char buf[8];
	EXPECT_EQ(fs_read_file("/guest/basic/hard", buf, sizeof(buf)), 6);
	EXPECT_EQ(vfs_link("/guest/basic/hard", "/guest/basic/hard"), -EEXIST);
	EXPECT_EQ(vfs_link("/guest/basic", "/guest/dirlink"), -EPERM);
}

TEST(fs, paths_and_cwd)
{
	char buf[PATH_MAX];
	EXPECT_EQ(vfs_getcwd(buf, sizeof(buf)), 1);
	EXPECT_STREQ(buf, "/");
	EXPECT_EQ(vfs_chdir("/host/dir"), 0);
	EXPECT_EQ(vfs_getcwd(buf, sizeof(buf)), 9);
	EXPECT_STREQ(buf, "/host/dir");
	EXPECT_EQ(fs_read_file("nested/deep.txt", buf, sizeof(buf)), 5);
	EXPECT_EQ(fs_read_file("./nested/../nested/./deep.txt", buf, sizeof(buf)), 5);
	EXPECT_EQ(fs_read_file("../hello.txt", buf, sizeof(buf)), 20);
	EXPECT_EQ(fs_read_file("../../../../host//hello.txt", buf, sizeof(buf)), 20);
	EXPECT_EQ(vfs_chdir("/host/hello.txt"), -ENOTDIR);
	EXPECT_EQ(vfs_chdir("/nowhere"), -ENOENT);
	EXPECT_EQ(vfs_getcwd(buf, 3), -ERANGE);
	EXPECT_EQ(vfs_chdir("/"), 0);
	EXPECT_EQ(vfs_open("", O_RDONLY, 0), -ENOENT);
	EXPECT_EQ(vfs_stat("/host/hello.txt/x", (struct stat *)buf), -ENOTDIR);
}

TEST(fs, name_limits_and_bad_fds)
{
	char name[300] = "/guest/";
	memset(name + 7, 'n', 256);
	name[7 + 256] = '\0';
	EXPECT_EQ(vfs_open(name, O_CREAT | O_RDWR, 0644), -ENAMETOOLONG);
	char *long_path = malloc(PATH_MAX + 10);
	memset(long_path, 'a', PATH_MAX + 9);
	for (int i = 0; i < PATH_MAX + 9; i += 100)
		long_path[i] = '/';
	long_path[PATH_MAX + 9] = '\0';
	EXPECT_EQ(vfs_stat(long_path, (struct stat *)name), -ENAMETOOLONG);
	free(long_path);
	EXPECT_EQ(vfs_read(-1, name, 1), -EBADF);
	EXPECT_EQ(vfs_write(VFS_MAX_FDS, name, 1), -EBADF);
	EXPECT_EQ(vfs_close(77), -EBADF);
	EXPECT_EQ(vfs_mount("nosuchtag", "/guest", "9p", NULL), -ENODEV);
	EXPECT_EQ(vfs_mount("share", "/guest", "nofs", NULL), -ENODEV);
	EXPECT_EQ(vfs_umount("/guest"), -EINVAL);
}

TEST(fs, console_fds)
{
	EXPECT_EQ(vfs_write(1, "fstest: console write\n", 22), 22);
	char c;
	EXPECT_EQ(vfs_read(0, &c, 1), 0);
	int fd = vfs_dup(1);
	EXPECT_GE(fd, 3);
	EXPECT_EQ(vfs_write(fd, "fstest: dup write\n", 18), 18);
	EXPECT_EQ(vfs_close(fd), 0);
	EXPECT_EQ(vfs_write(1, "", 0), 0);
}

#define WORKERS	      6
#define WORKER_CHUNK  4096
#define WORKER_CHUNKS 64

/* One of several threads with requests in flight at once: writes, then reads back, its own file. */
static int worker(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;
	char path[64];
	uint8_t buf[WORKER_CHUNK];
	snprintf(path, sizeof(path), "/guest/basic/worker-%u", id);
	int fd = vfs_open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
	if (fd < 0)
		return 1;
	int bad = 0;
	for (unsigned c = 0; c < WORKER_CHUNKS; c++) {
		memset(buf, (int)(id * 16 + c), sizeof(buf));
		bad += vfs_pwrite(fd, buf, sizeof(buf), (off_t)c * WORKER_CHUNK) != WORKER_CHUNK;
		thread_yield();
	}
	for (unsigned c = 0; c < WORKER_CHUNKS; c++) {
		bad += vfs_pread(fd, buf, sizeof(buf), (off_t)c * WORKER_CHUNK) != WORKER_CHUNK;
		bad += buf[0] != (uint8_t)(id * 16 + c) || buf[WORKER_CHUNK - 1] != buf[0];
	}
	bad += vfs_close(fd) != 0;
	return bad;
}

TEST(fs, concurrent_threads)
{
	struct thread *t[WORKERS];
	for (unsigned i = 0; i < WORKERS; i++) {
		t[i] = thread_create("fs-worker", worker, (void *)(uintptr_t)i, 0);
		ASSERT_NOT_NULL(t[i]);
	}
	for (unsigned i = 0; i < WORKERS; i++) {
		int status = -1;
		EXPECT_EQ(thread_join(t[i], &status), 0);
		EXPECT_EQ(status, 0);
	}
}

TEST(fs, statfs)
{
	struct statfs st;
	EXPECT_EQ(vfs_statfs("/", &st), 0);
	EXPECT_EQ(st.f_type, 0x01021997); /* V9FS_MAGIC */
	EXPECT_GT(st.f_bsize, 0);
	EXPECT_GT(st.f_blocks, 0);
	EXPECT_EQ(vfs_statfs("/nowhere", &st), -ENOENT);
}

TEST(fs, many_open_files_then_no_fid_leaks)
{
	unsigned before = fs_fids_in_use();
	int fds[200];
	for (int i = 0; i < 200; i++) {
		fds[i] = vfs_open("/host/hello.txt", O_RDONLY, 0);
		ASSERT_GE(fds[i], 3);
	}
	EXPECT_EQ(fs_fids_in_use(), before + 200);
	for (int i = 0; i < 200; i++)
		EXPECT_EQ(vfs_close(fds[i]), 0);
	EXPECT_EQ(fs_fids_in_use(), before);
	/* with nothing open, only the root fid is held */
	EXPECT_EQ(before, 1);
}

TEST(fs, umount_and_mount_again)
{
	/* one session per share, as on Linux: a second mount is refused */
	EXPECT_EQ(vfs_mount("share", "/guest", "9p", NULL), -EBUSY);
	int fd = vfs_open("/host/hello.txt", O_RDONLY, 0);
	EXPECT_EQ(vfs_umount("/"), -EBUSY); /* a file is open */
	EXPECT_EQ(vfs_close(fd), 0);
	EXPECT_EQ(vfs_umount("/"), 0);
	struct stat st;
	EXPECT_EQ(vfs_stat("/host/hello.txt", &st), -ENOENT);
	EXPECT_EQ(vfs_mount("share", "/", "9p", NULL), 0); /* for the suites that follow */
	char buf[32];
	EXPECT_EQ(fs_read_file("/host/hello.txt", buf, sizeof(buf)), 20);
	EXPECT_EQ(vfs_mount("share", "/", "9p", "msize=12"), -EBUSY);
	EXPECT_EQ(fs_fids_in_use(), 1);
}
