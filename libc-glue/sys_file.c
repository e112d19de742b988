// SPDX-License-Identifier: MIT
/*
 * File system calls on the kernel's VFS (kernel/vfs.c), which already
 * speaks Linux's flags, struct stat and errno values; fds 0-2 are the
 * console. The *at calls take AT_FDCWD or an absolute path: the VFS keeps
 * one working directory and no per-directory-fd lookups (a relative path
 * against another directory fd is -ENOSYS, logged, until the VFS grows it).
 */
#include <ember/errno.h>
#include <ember/printk.h>
#include <ember/syscall.h>
#include <ember/vfs.h>

#define AT_FDCWD	    (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR	    0x200
#define AT_EMPTY_PATH	    0x1000
#define TIOCGWINSZ	    0x5413
#define FIONBIO		    0x5421
#define FIONREAD	    0x541b

struct iovec {
	void *base;
	size_t len;
};

/* A path for an *at call: @dirfd must be AT_FDCWD unless @path is absolute. */
static int at_path(int dirfd, const char *path)
{
	if (!path)
		return -EFAULT;
	if (path[0] == '/' || dirfd == AT_FDCWD)
		return 0;
	printk("libc: a path relative to directory fd %d is not supported: -ENOSYS\n", dirfd);
	return -ENOSYS;
}

SYSCALL3(read, int, fd, void *, buf, size_t, len)
{
	return vfs_read(fd, buf, len);
}

SYSCALL3(write, int, fd, const void *, buf, size_t, len)
{
	return vfs_write(fd, buf, len);
}

SYSCALL4(pread64, int, fd, void *, buf, size_t, len, off_t, off)
{
	return vfs_pread(fd, buf, len, off);
}

SYSCALL4(pwrite64, int, fd, const void *, buf, size_t, len, off_t, off)
{
	return vfs_pwrite(fd, buf, len, off);
}

/* readv/writev: one call per buffer; a short transfer ends the vector. */
static long vector_io(int fd, const struct iovec *iov, int n, bool write)
{
	if (n < 0 || n > 1024)
		return -EINVAL;
	long done = 0;
	for (int i = 0; i < n; i++) {
		if (!iov[i].len)
			continue;
		ssize_t r = write ? vfs_write(fd, iov[i].base, iov[i].len)
				  : vfs_read(fd, iov[i].base, iov[i].len);
		if (r < 0)
			return done ? done : r;
		done += r;
		if ((size_t)r < iov[i].len)
			break;
	}
	return done;
}

SYSCALL3(readv, int, fd, const struct iovec *, iov, int, n)
{
	return vector_io(fd, iov, n, false);
}

SYSCALL3(writev, int, fd, const struct iovec *, iov, int, n)
{
	return vector_io(fd, iov, n, true);
}

SYSCALL3(open, const char *, path, int, flags, mode_t, mode)
{
	return vfs_open(path, flags, mode);
}

SYSCALL4(openat, int, dirfd, const char *, path, int, flags, mode_t, mode)
{
	int err = at_path(dirfd, path);
	return err ?: vfs_open(path, flags, mode);
}

SYSCALL1(close, int, fd)
{
	return vfs_close(fd);
}

SYSCALL3(lseek, int, fd, off_t, off, int, whence)
{
	return vfs_lseek(fd, off, whence);
}

SYSCALL2(fstat, int, fd, struct stat *, st)
{
	return vfs_fstat(fd, st);
}

SYSCALL2(stat, const char *, path, struct stat *, st)
{
	return vfs_stat(path, st);
}

SYSCALL2(lstat, const char *, path, struct stat *, st)
{
	return vfs_lstat(path, st);
}

SYSCALL4(newfstatat, int, dirfd, const char *, path, struct stat *, st, int, flags)
{
	if ((flags & AT_EMPTY_PATH) && path && !path[0])
		return vfs_fstat(dirfd, st);
	int err = at_path(dirfd, path);
	if (err)
		return err;
	return flags & AT_SYMLINK_NOFOLLOW ? vfs_lstat(path, st) : vfs_stat(path, st);
}

SYSCALL3(getdents64, int, fd, void *, buf, size_t, len)
{
	return vfs_getdents64(fd, buf, len);
}

SYSCALL3(ioctl, int, fd, unsigned long, req, void *, arg)
{
	struct stat st;
	int err = vfs_fstat(fd, &st);
	if (err)
		return err;
	switch (req) {
	case TIOCGWINSZ: /* not a terminal: stdio buffers fully, as into a pipe */ return -ENOTTY;
	case FIONBIO: return arg ? 0 : -EFAULT;
	default: break;
	}
	return -ENOTTY;
}
