/* SPDX-License-Identifier: MIT */
/*
 * The VFS: file descriptors, paths, mounts; the POSIX file API apps call
 * (and, later, the libc syscall shim). Every call returns 0 or a byte count
 * on success and a negative errno on failure; flag values, struct stat and
 * struct linux_dirent64 are Linux x86_64's, so musl can use them unchanged.
 *
 * Paths are resolved lexically: "." and ".." are folded before any
 * filesystem sees the path, as Plan 9 does (so "a/link/.." is "a", whatever
 * "link" points to). Symbolic links are followed by the VFS, up to
 * VFS_MAX_SYMLINKS per call. Each mount is a filesystem type instance at a
 * path; the longest mounted prefix owns a path. fds 0, 1 and 2 are the
 * console.
 *
 * Threads may share fds and paths freely: a call holds a reference to the
 * file or mount it works in for as long as it may block, so a close() from
 * another thread waits for nothing and frees nothing under it (the file is
 * closed when the last call inside it returns), and umount() of a mount a
 * call is inside fails with -EBUSY.
 */
#ifndef EMBER_VFS_H
#define EMBER_VFS_H

#include <ember/compiler.h>
#include <ember/types.h>
#include <stdbool.h>

#define O_ACCMODE   00000003
#define O_RDONLY    00000000
#define O_WRONLY    00000001
#define O_RDWR	    00000002
#define O_CREAT	    00000100
#define O_EXCL	    00000200
#define O_NOCTTY    00000400
#define O_TRUNC	    00001000
#define O_APPEND    00002000
#define O_NONBLOCK  00004000
#define O_DIRECTORY 00200000
#define O_NOFOLLOW  00400000
#define O_CLOEXEC   02000000

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

#define S_IFMT	   0170000
#define S_IFSOCK   0140000
#define S_IFLNK	   0120000
#define S_IFREG	   0100000
#define S_IFBLK	   0060000
#define S_IFDIR	   0040000
#define S_IFCHR	   0020000
#define S_IFIFO	   0010000
#define S_ISDIR(m) (((m)&S_IFMT) == S_IFDIR)
#define S_ISREG(m) (((m)&S_IFMT) == S_IFREG)
#define S_ISLNK(m) (((m)&S_IFMT) == S_IFLNK)

#define DT_UNKNOWN 0
#define DT_DIR	   4
#define DT_REG	   8
#define DT_LNK	   10

#define PATH_MAX	 4096
#define NAME_MAX	 255
#define VFS_MAX_FDS	 1024
#define VFS_MAX_DEPTH	 512 /* components in a path */
#define VFS_MAX_SYMLINKS 40

struct timespec {
	long tv_sec;
	long tv_nsec;
};

/* Linux x86_64 struct stat. */
struct stat {
	uint64_t st_dev, st_ino, st_nlink;
	uint32_t st_mode, st_uid, st_gid;
	int __pad0;
	uint64_t st_rdev;
	int64_t st_size, st_blksize, st_blocks;
	struct timespec st_atim, st_mtim, st_ctim;
	long __reserved[3];
};

struct statfs {
	long f_type, f_bsize;
	uint64_t f_blocks, f_bfree, f_bavail, f_files, f_ffree;
	struct {
		int val[2];
	} f_fsid;
	long f_namelen, f_frsize, f_flags, f_spare[4];
};

/* getdents64 records. */
struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	uint16_t d_reclen;
	uint8_t d_type;
	char d_name[];
};

/* ---- the API ---- */

int vfs_open(const char *path, int flags, mode_t mode);
/* Frees @fd; the file closes once no dup of it is open and no call is inside it. */
int vfs_close(int fd);
ssize_t vfs_read(int fd, void *buf, size_t len);
ssize_t vfs_write(int fd, const void *buf, size_t len);
ssize_t vfs_pread(int fd, void *buf, size_t len, off_t offset);
ssize_t vfs_pwrite(int fd, const void *buf, size_t len, off_t offset);
off_t vfs_lseek(int fd, off_t offset, int whence);
int vfs_fstat(int fd, struct stat *st);
int vfs_stat(const char *path, struct stat *st);
int vfs_lstat(const char *path, struct stat *st);
ssize_t vfs_getdents64(int fd, void *buf, size_t len);
int vfs_mkdir(const char *path, mode_t mode);
int vfs_rmdir(const char *path);
int vfs_unlink(const char *path);
int vfs_rename(const char *oldpath, const char *newpath);
int vfs_ftruncate(int fd, off_t length);
int vfs_truncate(const char *path, off_t length);
int vfs_fsync(int fd);
int vfs_chmod(const char *path, mode_t mode);
int vfs_fchmod(int fd, mode_t mode);
/*
 * utimensat: @times[0] the access time, [1] the modification time, each a
 * time, UTIME_NOW or UTIME_OMIT; NULL sets both to now. @follow: whether a
 * final symlink is followed (it is not for AT_SYMLINK_NOFOLLOW).
 */
int vfs_utimens(const char *path, const struct timespec times[2], bool follow);
/* futimens: the same for the open file @fd. */
int vfs_futimens(int fd, const struct timespec times[2]);
int vfs_symlink(const char *target, const char *linkpath);
ssize_t vfs_readlink(const char *path, char *buf, size_t size);
int vfs_link(const char *oldpath, const char *newpath);
int vfs_statfs(const char *path, struct statfs *st);
int vfs_chdir(const char *path);
/* Copies the current directory into @buf; returns its length. */
ssize_t vfs_getcwd(char *buf, size_t size);
/*
 * A file that is no filesystem's (a pipe end, later a socket): @ops on
 * @priv, installed on the lowest free fd. Returns the fd, -ENOMEM or
 * -EMFILE (then @ops->close is not called: the caller still owns @priv).
 */
struct vfs_file_ops;
int vfs_open_file(const struct vfs_file_ops *ops, void *priv, int flags);
int vfs_dup(int fd);
/* The lowest free fd >= @min made to refer to @fd's file (fcntl F_DUPFD). */
int vfs_dup_from(int fd, int min);
/* @newfd made to refer to @fd's file, closing what it referred to (dup2). */
int vfs_dup2(int fd, int newfd);
/* The open file's flags (O_ACCMODE, O_APPEND, O_NONBLOCK...) / set its status flags. */
int vfs_get_flags(int fd);
int vfs_set_flags(int fd, int flags);

/*
 * An open file held apart from the fd table (a file mapping's): a
 * reference that keeps the file open after its fd is closed, until
 * vfs_file_release(). vfs_file_hold() returns NULL when @fd is not open.
 * The I/O is pread/pwrite's, at the offset given even for O_APPEND files.
 */
struct vfs_file;
struct vfs_file *vfs_file_hold(int fd);
void vfs_file_release(struct vfs_file *f);
ssize_t vfs_file_pread(struct vfs_file *f, void *buf, size_t len, off_t offset);
ssize_t vfs_file_pwrite(struct vfs_file *f, const void *buf, size_t len, off_t offset);
int vfs_file_stat(struct vfs_file *f, struct stat *st);

/* ---- readiness: one mechanism for poll, select and epoll ---- */

#define POLLIN	   0x001
#define POLLPRI	   0x002
#define POLLOUT	   0x004
#define POLLERR	   0x008
#define POLLHUP	   0x010
#define POLLNVAL   0x020
#define POLLRDNORM 0x040
#define POLLWRNORM 0x100
#define POLLRDHUP  0x2000

/* The POLL* bits of the open file @f now. */
unsigned vfs_file_poll(struct vfs_file *f);
/*
 * @f's readiness may have changed (NULL: some file's): counts the change
 * and wakes every thread in vfs_poll_wait(). Interrupt-safe.
 */
void vfs_poll_notify(struct vfs_file *f);
/*
 * Calls @scan(@arg) until it returns nonzero, then returns that; or 0 when
 * @timeout_ns passes (< 0: never; 0: one scan). @scan runs with interrupts
 * off, so no notification is lost between it and the sleep after it.
 */
int vfs_poll_wait(int (*scan)(void *arg), void *arg, int64_t timeout_ns);

/* ---- mounts ---- */

/*
 * Mounts a filesystem of type @fstype ("9p") at @target, an existing
 * directory or "/" (the root, which starts empty). @source names what to
 * mount (a 9p share's tag); @options is the type's option string or NULL.
 */
int vfs_mount(const char *source, const char *target, const char *fstype, const char *options);
/*
 * Unmounts the filesystem mounted at exactly @target. Returns 0; -EINVAL
 * when nothing is mounted there; -EBUSY while a file on it is open, a call
 * is inside it (a path walk waiting on its server, say) or another mount
 * lies below it. It never waits: the caller may retry.
 */
int vfs_umount(const char *target);
/* The mount whose root is exactly @path, or NULL. */
struct vfs_mount *vfs_mount_at(const char *path);

/* ---- for filesystem types ---- */

struct vfs_mount;
struct vfs_file;

/* A path inside one mount: components relative to the mount's root. */
struct vfs_path {
	unsigned n;
	const char *comp[VFS_MAX_DEPTH];
	bool must_be_dir; /* the path ended in '/' */
};

/*
 * A filesystem that meets a symbolic link while resolving a path returns
 * -VFS_ESYMLINK and fills this: the link's position in the path and its
 * target. Intermediate links are always reported; the last component's only
 * when the call follows it.
 */
#define VFS_ESYMLINK 1000
struct vfs_symlink {
	unsigned which; /* the path it is in: 0, or 1 for the second path of rename/link */
	unsigned at;
	char target[PATH_MAX];
};

struct vfs_attr;
struct vfs_file_ops {
	ssize_t (*read)(struct vfs_file *f, void *buf, size_t len, off_t offset);
	ssize_t (*write)(struct vfs_file *f, const void *buf, size_t len, off_t offset);
	int (*stat)(struct vfs_file *f, struct stat *st);
	int (*truncate)(struct vfs_file *f, off_t length);
	int (*sync)(struct vfs_file *f);
	/* fchmod and futimens: the @a->what fields of the open file. */
	int (*setattr)(struct vfs_file *f, const struct vfs_attr *a);
	/*
	 * Readiness: the POLL* bits true now (NULL: always readable and
	 * writable, as regular files and the console are). A file whose
	 * readiness changes calls vfs_poll_notify().
	 */
	unsigned (*poll)(struct vfs_file *f);
	/* Fills @buf with records from the position cookie f->pos, advancing it. */
	ssize_t (*getdents)(struct vfs_file *f, void *buf, size_t len);
	void (*close)(struct vfs_file *f);
};

struct vfs_file {
	const struct vfs_file_ops *ops;
	struct vfs_mount *mnt;
	int flags;
	unsigned refs;
	off_t pos;
	void *priv;
	uint32_t poll_changes; /* vfs_poll_notify() calls so far (edge-triggered epoll) */
};

struct vfs_fs_ops {
	const char *name;
	int (*mount)(struct vfs_mount *m, const char *source, const char *options);
	void (*unmount)(struct vfs_mount *m);
	/* The last component is followed if it is a symlink, unless @flags has O_NOFOLLOW. */
	int (*open)(struct vfs_mount *m, const struct vfs_path *p, int flags, mode_t mode,
		    struct vfs_file *f, struct vfs_symlink *link);
	int (*stat)(struct vfs_mount *m, const struct vfs_path *p, bool follow, struct stat *st,
		    struct vfs_symlink *link);
	int (*mkdir)(struct vfs_mount *m, const struct vfs_path *p, mode_t mode,
		     struct vfs_symlink *link);
	int (*unlink)(struct vfs_mount *m, const struct vfs_path *p, bool dir,
		      struct vfs_symlink *link);
	int (*rename)(struct vfs_mount *m, const struct vfs_path *from, const struct vfs_path *to,
		      struct vfs_symlink *link);
	int (*setattr)(struct vfs_mount *m, const struct vfs_path *p, bool follow,
		       const struct vfs_attr *a, struct vfs_symlink *link);
	int (*readlink)(struct vfs_mount *m, const struct vfs_path *p, char *buf, size_t size,
			struct vfs_symlink *link);
	int (*symlink)(struct vfs_mount *m, const char *target, const struct vfs_path *p,
		       struct vfs_symlink *link);
	int (*link)(struct vfs_mount *m, const struct vfs_path *from, const struct vfs_path *to,
		    struct vfs_symlink *link);
	int (*statfs)(struct vfs_mount *m, struct statfs *st);
};

/* What a setattr changes: the @what bits say which of the fields count. */
struct vfs_attr {
	unsigned what;
	mode_t mode;
	off_t size;
	struct timespec atime, mtime; /* tv_nsec UTIME_NOW: the server's current time */
};
#define VFS_SET_MODE  1
#define VFS_SET_SIZE  2
#define VFS_SET_ATIME 4
#define VFS_SET_MTIME 8
#define UTIME_NOW     ((1l << 30) - 1l)
#define UTIME_OMIT    ((1l << 30) - 2l)

struct vfs_mount {
	const struct vfs_fs_ops *ops;
	char path[PATH_MAX]; /* normalized, "/" or "/a/b" */
	unsigned depth;	     /* components in path */
	unsigned open_files;
	unsigned calls; /* VFS calls inside it now: it cannot be unmounted under them */
	bool live;	/* false until the type's mount op has returned: owns no paths yet */
	void *priv;
};

/* Declares a filesystem type; the VFS finds it by name at mount time. */
#define VFS_FSTYPE(ident, ops)                                                     \
	static const struct vfs_fs_ops *const __fstype_##ident __used __aligned(8) \
		__section(".ember_fstypes") = &(ops)

/*
 * Mounts the root filesystem the kernel parameter root=TYPE:SOURCE names
 * (for example root=9p:share), if any. Called once before main(). Returns
 * 1 when it mounted the root, 0 when none was asked for, or a negative errno.
 */
int vfs_mount_root(void);

#endif
