// SPDX-License-Identifier: MIT
/*
 * File system calls on the kernel's VFS (kernel/vfs.c), which already
 * speaks Linux's flags, struct stat and errno values; fds 0-2 are the
 * console. The *at calls take AT_FDCWD or an absolute path: the VFS keeps
 * one working directory and no per-directory-fd lookups (a relative path
 * against another directory fd is -ENOSYS, logged, until the VFS grows it).
 */
#include <ember/errno.h>
#include <ember/heap.h>
#include <ember/printk.h>
#include <ember/string.h>
#include <ember/syscall.h>
#include <ember/vfs.h>

#define AT_FDCWD	    (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR	    0x200
#define AT_EMPTY_PATH	    0x1000
#define TIOCGWINSZ	    0x5413
#define FIONBIO		    0x5421
#define FIONREAD	    0x541b

long sys_newfstatat(long, long, long, long, long, long);

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

/*
 * readv/writev (@at < 0: at the file position) and preadv/pwritev (at @at):
 * one call per buffer; a short transfer ends the vector.
 */
static long vector_io(int fd, const struct iovec *iov, int n, bool write, off_t at)
{
	if (n < 0 || n > 1024)
		return -EINVAL;
	long done = 0;
	for (int i = 0; i < n; i++) {
		if (!iov[i].len)
			continue;
		void *b = iov[i].base;
		size_t len = iov[i].len;
		ssize_t r;
		if (at < 0)
			r = write ? vfs_write(fd, b, len) : vfs_read(fd, b, len);
		else
			r = write ? vfs_pwrite(fd, b, len, at + done)
				  : vfs_pread(fd, b, len, at + done);
		if (r < 0)
			return done ? done : r;
		done += r;
		if ((size_t)r < len)
			break;
	}
	return done;
}

SYSCALL3(readv, int, fd, const struct iovec *, iov, int, n)
{
	return vector_io(fd, iov, n, false, -1);
}

SYSCALL3(writev, int, fd, const struct iovec *, iov, int, n)
{
	return vector_io(fd, iov, n, true, -1);
}

/* The offset comes in two halves; on a 64-bit kernel the low one is all of it, as on Linux. */
SYSCALL5(preadv, int, fd, const struct iovec *, iov, int, n, long, pos_lo, long, pos_hi)
{
	(void)pos_hi;
	return pos_lo < 0 ? -EINVAL : vector_io(fd, iov, n, false, pos_lo);
}

SYSCALL5(pwritev, int, fd, const struct iovec *, iov, int, n, long, pos_lo, long, pos_hi)
{
	(void)pos_hi;
	return pos_lo < 0 ? -EINVAL : vector_io(fd, iov, n, true, pos_lo);
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

/* ---- descriptors ---- */

#define F_DUPFD		0
#define F_GETFD		1
#define F_SETFD		2
#define F_GETFL		3
#define F_SETFL		4
#define F_GETLK		5
#define F_SETLK		6
#define F_SETLKW	7
#define F_DUPFD_CLOEXEC 1030
#define FD_CLOEXEC	1
#define F_UNLCK		2

struct flock {
	short l_type, l_whence;
	off_t l_start, l_len;
	int l_pid;
};

/* close-on-exec, per fd: kept only to be reported (there is no exec). */
static uint8_t cloexec[VFS_MAX_FDS];

static void set_cloexec(long fd, bool on)
{
	if (fd >= 0 && fd < VFS_MAX_FDS)
		cloexec[fd] = on;
}

SYSCALL1(dup, int, fd)
{
	long r = vfs_dup(fd);
	set_cloexec(r, false);
	return r;
}

SYSCALL2(dup2, int, fd, int, newfd)
{
	if (fd == newfd)
		return vfs_get_flags(fd) < 0 ? -EBADF : newfd;
	long r = vfs_dup2(fd, newfd);
	set_cloexec(r, false);
	return r;
}

SYSCALL3(dup3, int, fd, int, newfd, int, flags)
{
	if (fd == newfd || (flags & ~O_CLOEXEC))
		return -EINVAL;
	long r = vfs_dup2(fd, newfd);
	set_cloexec(r, flags & O_CLOEXEC);
	return r;
}

/*
 * Record locks as in a single process: a process never conflicts with its
 * own locks, so every lock is granted and F_GETLK always finds none.
 */
SYSCALL3(fcntl, int, fd, int, cmd, long, arg)
{
	int flags = vfs_get_flags(fd);
	if (flags < 0)
		return flags;
	long r;
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		r = vfs_dup_from(fd, (int)arg);
		set_cloexec(r, cmd == F_DUPFD_CLOEXEC);
		return r;
	case F_GETFD: return fd < VFS_MAX_FDS && cloexec[fd] ? FD_CLOEXEC : 0;
	case F_SETFD: set_cloexec(fd, arg & FD_CLOEXEC); return 0;
	case F_GETFL: return flags;
	case F_SETFL: return vfs_set_flags(fd, (int)arg);
	case F_GETLK: ((struct flock *)arg)->l_type = F_UNLCK; return 0;
	case F_SETLK:
	case F_SETLKW: return 0;
	default: return -EINVAL;
	}
}

/* ---- paths ---- */

SYSCALL1(unlink, const char *, path)
{
	return vfs_unlink(path);
}

SYSCALL3(unlinkat, int, dirfd, const char *, path, int, flags)
{
	int err = at_path(dirfd, path);
	if (err)
		return err;
	return flags & AT_REMOVEDIR ? vfs_rmdir(path) : vfs_unlink(path);
}

SYSCALL2(mkdir, const char *, path, mode_t, mode)
{
	return vfs_mkdir(path, mode);
}

SYSCALL3(mkdirat, int, dirfd, const char *, path, mode_t, mode)
{
	int err = at_path(dirfd, path);
	return err ?: vfs_mkdir(path, mode);
}

SYSCALL1(rmdir, const char *, path)
{
	return vfs_rmdir(path);
}

SYSCALL2(rename, const char *, from, const char *, to)
{
	return vfs_rename(from, to);
}

SYSCALL4(renameat, int, fromfd, const char *, from, int, tofd, const char *, to)
{
	int err = at_path(fromfd, from) ?: at_path(tofd, to);
	return err ?: vfs_rename(from, to);
}

SYSCALL5(renameat2, int, fromfd, const char *, from, int, tofd, const char *, to, unsigned, flags)
{
	if (flags)
		return -EINVAL; /* RENAME_NOREPLACE and friends: not through 9P's renameat */
	int err = at_path(fromfd, from) ?: at_path(tofd, to);
	return err ?: vfs_rename(from, to);
}

SYSCALL2(link, const char *, from, const char *, to)
{
	return vfs_link(from, to);
}

SYSCALL5(linkat, int, fromfd, const char *, from, int, tofd, const char *, to, int, flags)
{
	(void)flags;
	int err = at_path(fromfd, from) ?: at_path(tofd, to);
	return err ?: vfs_link(from, to);
}

SYSCALL2(symlink, const char *, target, const char *, path)
{
	return vfs_symlink(target, path);
}

SYSCALL3(symlinkat, const char *, target, int, dirfd, const char *, path)
{
	int err = at_path(dirfd, path);
	return err ?: vfs_symlink(target, path);
}

SYSCALL3(readlink, const char *, path, char *, buf, size_t, size)
{
	return vfs_readlink(path, buf, size);
}

SYSCALL4(readlinkat, int, dirfd, const char *, path, char *, buf, size_t, size)
{
	int err = at_path(dirfd, path);
	return err ?: vfs_readlink(path, buf, size);
}

SYSCALL2(chmod, const char *, path, mode_t, mode)
{
	return vfs_chmod(path, mode);
}

SYSCALL2(fchmod, int, fd, mode_t, mode)
{
	return vfs_fchmod(fd, mode);
}

SYSCALL3(fchmodat, int, dirfd, const char *, path, mode_t, mode)
{
	int err = at_path(dirfd, path);
	return err ?: vfs_chmod(path, mode);
}

/* access: root may do anything to a file that exists (X needs an x bit somewhere, as Linux). */
static long access_path(const char *path, int mode)
{
	struct stat st;
	int err = vfs_stat(path, &st);
	if (err)
		return err;
	if ((mode & 1) && !S_ISDIR(st.st_mode) && !(st.st_mode & 0111))
		return -EACCES;
	return 0;
}

SYSCALL2(access, const char *, path, int, mode)
{
	return access_path(path, mode);
}

SYSCALL3(faccessat, int, dirfd, const char *, path, int, mode)
{
	int err = at_path(dirfd, path);
	return err ?: access_path(path, mode);
}

SYSCALL4(faccessat2, int, dirfd, const char *, path, int, mode, int, flags)
{
	(void)flags;
	int err = at_path(dirfd, path);
	return err ?: access_path(path, mode);
}

SYSCALL2(truncate, const char *, path, off_t, len)
{
	return vfs_truncate(path, len);
}

SYSCALL2(ftruncate, int, fd, off_t, len)
{
	return vfs_ftruncate(fd, len);
}

SYSCALL1(fsync, int, fd)
{
	return vfs_fsync(fd);
}

SYSCALL1(fdatasync, int, fd)
{
	return vfs_fsync(fd);
}

SYSCALL2(getcwd, char *, buf, size_t, size)
{
	return vfs_getcwd(buf, size);
}

SYSCALL1(chdir, const char *, path)
{
	return vfs_chdir(path);
}

static mode_t umask_value = 022;

SYSCALL1(umask, mode_t, mask)
{
	mode_t old = umask_value;
	umask_value = mask & 0777;
	return old;
}

SYSCALL2(statfs, const char *, path, struct statfs *, st)
{
	return vfs_statfs(path, st);
}

SYSCALL3(chown, const char *, path, int, uid, int, gid)
{
	(void)uid, (void)gid;
	struct stat st;
	return vfs_stat(path, &st); /* one user: ownership does not change */
}

SYSCALL3(fchown, int, fd, int, uid, int, gid)
{
	(void)uid, (void)gid;
	struct stat st;
	return vfs_fstat(fd, &st);
}

/*
 * utimensat through the filesystem's setattr (9P Tsetattr with the times,
 * or "now" for the server to take); futimens (a NULL path) through the open
 * file's.
 */
SYSCALL4(utimensat, int, dirfd, const char *, path, const struct timespec *, times, int, flags)
{
	if (flags & ~AT_SYMLINK_NOFOLLOW)
		return -EINVAL;
	if (!path)
		return vfs_futimens(dirfd, times);
	int err = at_path(dirfd, path);
	return err ?: vfs_utimens(path, times, !(flags & AT_SYMLINK_NOFOLLOW));
}

/*
 * sendfile through a bounce buffer: @in's offset (or *@off) advances as
 * read() would; when @out takes less than was read, the rest was read from
 * @in all the same (its offset is not wound back).
 */
#define SENDFILE_CHUNK 16384

static long sendfile_copy(int out, int in, off_t *off, size_t count, char *buf)
{
	size_t done = 0;
	while (done < count) {
		size_t n = count - done < SENDFILE_CHUNK ? count - done : SENDFILE_CHUNK;
		ssize_t r = off ? vfs_pread(in, buf, n, *off) : vfs_read(in, buf, n);
		if (r <= 0) {
			if (r < 0 && !done)
				return r;
			break;
		}
		ssize_t w = vfs_write(out, buf, (size_t)r);
		if (w < 0)
			return done ? (long)done : w;
		if (off)
			*off += w;
		done += (size_t)w;
		if (w < r)
			break;
	}
	return (long)done;
}

SYSCALL4(sendfile, int, out, int, in, off_t *, off, size_t, count)
{
	char *buf = malloc(SENDFILE_CHUNK);
	if (!buf)
		return -ENOMEM;
	long r = sendfile_copy(out, in, off, count, buf);
	free(buf);
	return r;
}

/* ---- statx: the same facts as fstatat, in Linux's struct statx ---- */

#define STATX_BASIC_STATS 0x7ffu

struct statx_time {
	int64_t sec;
	uint32_t nsec;
	int32_t reserved;
};

struct statx {
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, spare0;
	uint64_t ino, size, blocks, attributes_mask;
	struct statx_time atime, btime, ctime, mtime;
	uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
	uint64_t mnt_id;
	uint32_t dio_mem_align, dio_offset_align;
	uint64_t spare3[12];
};
_Static_assert(sizeof(struct statx) == 256, "struct statx is Linux's");

static struct statx_time statx_time(struct timespec t)
{
	return (struct statx_time){ t.tv_sec, (uint32_t)t.tv_nsec, 0 };
}

SYSCALL5(statx, int, dirfd, const char *, path, int, flags, unsigned, mask, struct statx *, out)
{
	(void)mask;
	struct stat st;
	long err = sys_newfstatat(dirfd, (long)path, (long)&st, flags, 0, 0);
	if (err)
		return err;
	memset(out, 0, sizeof(*out));
	out->mask = STATX_BASIC_STATS;
	out->blksize = (uint32_t)st.st_blksize;
	out->nlink = (uint32_t)st.st_nlink;
	out->uid = st.st_uid;
	out->gid = st.st_gid;
	out->mode = (uint16_t)st.st_mode;
	out->ino = st.st_ino;
	out->size = (uint64_t)st.st_size;
	out->blocks = (uint64_t)st.st_blocks;
	out->atime = statx_time(st.st_atim);
	out->mtime = statx_time(st.st_mtim);
	out->ctime = statx_time(st.st_ctim);
	out->rdev_major = (uint32_t)(st.st_rdev >> 8) & 0xfff;
	out->rdev_minor = (uint32_t)(st.st_rdev & 0xff);
	out->dev_major = (uint32_t)(st.st_dev >> 8) & 0xfff;
	out->dev_minor = (uint32_t)(st.st_dev & 0xff);
	return 0;
}
