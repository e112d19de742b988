// SPDX-License-Identifier: MIT
/*
 * libc-files: file system calls that programs use beyond read and write,
 * checked from an ordinary POSIX C program (it builds and runs unchanged on
 * Linux: `cc main.c && ./a.out DIR`). Each part prints one line, "ok NAME"
 * or "FAIL NAME: why"; the exit status is the number of failed parts. The
 * files it leaves in DIR are checked by the host (tests/guest/test_libc_files.py).
 *   map-private  a private mapping shows the file, page-rounded with zeros;
 *                writes to it stay in memory (the file is unchanged)
 *   map-shared   writes to a shared mapping reach the file at msync and at
 *                munmap, up to the file's end, also after the fd is closed
 *   map-exit     a shared mapping left mapped is written back at exit
 *                (the host reads shared-exit.bin afterwards)
 *   map-errors   the errors Linux gives: a write-only fd, a shared writable
 *                mapping of a read-only fd, an unaligned offset, a pipe
 *   vectors      preadv/pwritev at offsets, the file position untouched
 *   times        utimensat sets a file's times, UTIME_NOW and UTIME_OMIT, and
 *                refuses a malformed time; futimens sets an open file's; the
 *                host checks the times set last
 * Usage: libc-files DIR
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static int failures;
static char path_buf[4096];

static const char *path(const char *dir, const char *name)
{
	snprintf(path_buf, sizeof(path_buf), "%s/%s", dir, name);
	return path_buf;
}

static int report(const char *name, const char *why)
{
	if (why) {
		printf("FAIL %s: %s (errno %d)\n", name, why, errno);
		failures++;
	} else {
		printf("ok %s\n", name);
	}
	fflush(stdout);
	return why != NULL;
}

/* A file of @len bytes, byte i = (i * 7 + seed) & 0xff, written in one call. */
static int make_file(const char *p, size_t len, int seed)
{
	int fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0644);
	unsigned char *buf = malloc(len);
	if (fd < 0 || !buf)
		return free(buf), fd < 0 ? -1 : (close(fd), -1);
	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)(i * 7 + seed);
	ssize_t n = write(fd, buf, len);
	free(buf);
	if (n != (ssize_t)len)
		return close(fd), -1;
	return fd;
}

static const char *check_private(const char *dir)
{
	size_t len = 10000; /* not a page multiple: the tail of the last page is zero */
	int fd = make_file(path(dir, "private.bin"), len, 3);
	if (fd < 0)
		return "create";
	unsigned char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED)
		return "mmap";
	for (size_t i = 0; i < len; i++)
		if (m[i] != (unsigned char)(i * 7 + 3))
			return "contents differ from the file";
	for (size_t i = len; i < 12288; i++)
		if (m[i])
			return "the last page is not zero past the file's end";
	memset(m, 0xee, len);
	if (munmap(m, len))
		return "munmap";
	unsigned char c;
	if (pread(fd, &c, 1, 5) != 1 || c != (unsigned char)(5 * 7 + 3))
		return "a private mapping's write reached the file";
	/* an offset: the second page on */
	m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 4096);
	if (m == MAP_FAILED || m[0] != (unsigned char)(4096 * 7 + 3))
		return "mapping at an offset";
	munmap(m, 4096);
	close(fd);
	return NULL;
}

static const char *check_shared(const char *dir)
{
	size_t len = 3 * 4096 + 100;
	int fd = make_file(path(dir, "shared.bin"), len, 1);
	if (fd < 0)
		return "create";
	char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return "mmap";
	memcpy(m + 10, "synced", 6);
	if (msync(m, 4096, MS_SYNC))
		return "msync";
	char buf[8] = { 0 };
	if (pread(fd, buf, 6, 10) != 6 || memcmp(buf, "synced", 6))
		return "msync did not write the page back";
	close(fd); /* the mapping keeps the file */
	memcpy(m + 2 * 4096, "unmapped", 8);
	memset(m + len, 'X', 50); /* past the end of the file: never written */
	if (munmap(m, len))
		return "munmap";
	fd = open(path(dir, "shared.bin"), O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) || st.st_size != (off_t)len)
		return "the file's size changed";
	if (pread(fd, buf, 8, 2 * 4096) != 8 || memcmp(buf, "unmapped", 8))
		return "munmap did not write the mapping back";
	close(fd);
	return NULL;
}

static const char *check_exit(const char *dir)
{
	int fd = make_file(path(dir, "shared-exit.bin"), 4096, 0);
	if (fd < 0)
		return "create";
	char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return "mmap";
	close(fd);
	memcpy(m, "written at exit", 15); /* left mapped: exit() writes it back */
	return NULL;
}

static const char *check_errors(const char *dir)
{
	int wr = open(path(dir, "private.bin"), O_WRONLY);
	int rd = open(path(dir, "private.bin"), O_RDONLY);
	if (wr < 0 || rd < 0)
		return "open";
	if (mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, wr, 0) != MAP_FAILED || errno != EACCES)
		return "a write-only fd maps";
	if (mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, rd, 0) != MAP_FAILED ||
	    errno != EACCES)
		return "a shared writable mapping of a read-only fd";
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, rd, 0);
	if (p == MAP_FAILED)
		return "a private writable mapping of a read-only fd (Linux allows it)";
	munmap(p, 4096);
	if (mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, rd, 100) != MAP_FAILED || errno != EINVAL)
		return "an unaligned offset";
	if (mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 999, 0) != MAP_FAILED || errno != EBADF)
		return "a closed fd";
	int pfd[2];
	if (pipe(pfd) || mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, pfd[0], 0) != MAP_FAILED ||
	    errno != ENODEV)
		return "a pipe maps";
	close(pfd[0]), close(pfd[1]), close(wr), close(rd);
	return NULL;
}

static const char *check_vectors(const char *dir)
{
	int fd = open(path(dir, "vectors.txt"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return "open";
	struct iovec out[3] = { { "alpha ", 6 }, { "", 0 }, { "beta\n", 5 } };
	if (pwritev(fd, out, 3, 100) != 11)
		return "pwritev";
	if (lseek(fd, 0, SEEK_CUR) != 0)
		return "pwritev moved the file position";
	char a[4], b[16] = { 0 };
	struct iovec in[2] = { { a, sizeof(a) }, { b, sizeof(b) } };
	ssize_t n = preadv(fd, in, 2, 100);
	if (n != 11 || memcmp(a, "alph", 4) || strcmp(b, "a beta\n"))
		return "preadv";
	if (preadv(fd, in, 2, 5000) != 0)
		return "preadv past the end is not 0";
	close(fd);
	return NULL;
}

static const char *check_times(const char *dir)
{
	const char *p = path(dir, "times.txt");
	int fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return "create";
	close(fd);
	struct timespec t[2] = { { 1000000000, 0 }, { 1234567890, 500000000 } };
	struct stat st;
	if (utimensat(AT_FDCWD, p, t, 0) || stat(p, &st))
		return "utimensat";
	if (st.st_atim.tv_sec != 1000000000 || st.st_mtim.tv_sec != 1234567890)
		return "the times did not change";
	struct timespec omit_now[2] = { { 0, UTIME_OMIT }, { 0, UTIME_NOW } };
	if (utimensat(AT_FDCWD, p, omit_now, 0) || stat(p, &st))
		return "UTIME_OMIT/UTIME_NOW";
	if (st.st_atim.tv_sec != 1000000000 || st.st_mtim.tv_sec < 1600000000)
		return "UTIME_OMIT changed a time or UTIME_NOW did not set now";
	struct timespec bad[2] = { { 0, 2000000000 }, { 0, 0 } };
	if (utimensat(AT_FDCWD, p, bad, 0) == 0 || errno != EINVAL)
		return "a malformed time was taken";
	struct timespec f[2] = { { 1500000000, 0 }, { 1600000000, 250000000 } };
	fd = open(p, O_RDONLY);
	if (fd < 0 || futimens(fd, f) || fstat(fd, &st))
		return "futimens";
	close(fd);
	if (st.st_atim.tv_sec != 1500000000 || st.st_mtim.tv_sec != 1600000000 ||
	    st.st_mtim.tv_nsec != 250000000)
		return "futimens did not set the times";
	if (futimens(fd, f) == 0 || errno != EBADF)
		return "futimens of a closed fd";
	if (utimensat(AT_FDCWD, p, t, 0)) /* left for the host to check */
		return "utimensat again";
	return NULL;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";
	report("map-private", check_private(dir));
	report("map-shared", check_shared(dir));
	report("map-errors", check_errors(dir));
	report("vectors", check_vectors(dir));
	report("times", check_times(dir));
	report("map-exit", check_exit(dir));
	printf("libc-files: %d failed\n", failures);
	return failures;
}
