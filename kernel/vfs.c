// SPDX-License-Identifier: MIT
/*
 * The VFS (see <ember/vfs.h>): the fd table, the current directory, the
 * mount table, and path resolution.
 *
 * A call turns its path into a normalized absolute one (cwd prepended, "."
 * and ".." folded, repeated slashes dropped), picks the mount with the
 * longest matching prefix and hands the filesystem the remaining
 * components. When the filesystem meets a symbolic link it reports where;
 * the VFS splices the target in, normalizes again and retries, at most
 * VFS_MAX_SYMLINKS times (-ELOOP after that). Files are reference counted
 * (dup shares one), and a mount cannot go while files on it are open.
 *
 * Threads are cooperative, and the fd table and mount table are only
 * changed between blocking calls, so they need no lock; a file's position
 * is read and written around the filesystem call that may block, as with
 * any POSIX fd shared between threads.
 */
#include <ember/compiler.h>
#include <ember/errno.h>
#include <ember/heap.h>
#include <ember/param.h>
#include <ember/printk.h>
#include <ember/platform.h>
#include <ember/string.h>
#include <ember/vfs.h>

#define VFS_MAX_MOUNTS 16
#define VFS_UMASK      022

static struct vfs_file *fds[VFS_MAX_FDS];
static struct vfs_mount *mounts[VFS_MAX_MOUNTS];
static char cwd[PATH_MAX] = "/";

/* ---- the console: fds 0, 1, 2 ---- */

static ssize_t console_read(struct vfs_file *f __unused, void *buf __unused, size_t len __unused,
			    off_t off __unused)
{
	return 0; /* no input: end of file */
}

static ssize_t console_write(struct vfs_file *f __unused, const void *buf, size_t len,
			     off_t off __unused)
{
	plat_console_write(buf, len);
	return (ssize_t)len;
}

static int console_stat(struct vfs_file *f __unused, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFCHR | 0620;
	st->st_rdev = (5u << 8) | 1; /* like /dev/console */
	st->st_blksize = 1024;
	return 0;
}

static const struct vfs_file_ops console_ops = {
	.read = console_read,
	.write = console_write,
	.stat = console_stat,
};

static struct vfs_file console_files[3] = {
	{ &console_ops, NULL, O_RDONLY, 1, 0, NULL },
	{ &console_ops, NULL, O_WRONLY, 1, 0, NULL },
	{ &console_ops, NULL, O_WRONLY, 1, 0, NULL },
};

static void console_fds_init(void)
{
	for (int i = 0; i < 3; i++)
		if (!fds[i])
			fds[i] = &console_files[i];
}

/* ---- fds ---- */

static struct vfs_file *fd_get(int fd)
{
	console_fds_init();
	return fd >= 0 && fd < VFS_MAX_FDS ? fds[fd] : NULL;
}

static int fd_install(struct vfs_file *f)
{
	console_fds_init();
	for (int fd = 0; fd < VFS_MAX_FDS; fd++) {
		if (!fds[fd]) {
			fds[fd] = f;
			return fd;
		}
	}
	return -EMFILE;
}

static void file_put(struct vfs_file *f)
{
	if (--f->refs)
		return;
	if (f->ops->close)
		f->ops->close(f);
	if (f->mnt)
		f->mnt->open_files--;
	if (f < console_files || f >= console_files + 3)
		free(f);
}

/* ---- path normalization ---- */

/*
 * Appends the components of @path to the normalized absolute path in @out
 * (length *@len), folding "." and "..".
 */
static int path_append(char *out, size_t *len, const char *path)
{
	const char *p = path;
	while (*p) {
		while (*p == '/')
			p++;
		const char *end = p;
		while (*end && *end != '/')
			end++;
		size_t n = (size_t)(end - p);
		if (n > NAME_MAX)
			return -ENAMETOOLONG;
		if (n == 0 || (n == 1 && p[0] == '.')) {
			/* nothing */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			while (*len > 1 && out[*len - 1] != '/')
				(*len)--;
			if (*len > 1)
				(*len)--; /* the slash, unless it is the root */
		} else {
			if (*len + 1 + n >= PATH_MAX)
				return -ENAMETOOLONG;
			if (*len > 1)
				out[(*len)++] = '/';
			memcpy(out + *len, p, n);
			*len += n;
		}
		p = end;
	}
	out[*len] = '\0';
	return 0;
}

/* Normalizes @path against the current directory into @out. */
static int path_normalize(const char *path, char *out)
{
	size_t len = 1;
	out[0] = '/';
	out[1] = '\0';
	if (!path)
		return -EFAULT;
	if (!*path)
		return -ENOENT;
	if (strnlen(path, PATH_MAX) >= PATH_MAX)
		return -ENAMETOOLONG;
	if (path[0] != '/') {
		int err = path_append(out, &len, cwd);
		if (err)
			return err;
	}
	return path_append(out, &len, path);
}

/* ---- resolution ---- */

struct resolved {
	char abs[PATH_MAX];   /* normalized absolute path */
	char split[PATH_MAX]; /* the same, NUL-separated, behind p.comp */
	struct vfs_mount *m;
	struct vfs_path p;
};

/* The mount owning @abs: the longest mount path that is a prefix at a component boundary. */
static struct vfs_mount *mount_of(const char *abs)
{
	struct vfs_mount *best = NULL;
	size_t best_len = 0;
	for (unsigned i = 0; i < VFS_MAX_MOUNTS; i++) {
		struct vfs_mount *m = mounts[i];
		if (!m)
			continue;
		size_t n = strlen(m->path);
		bool match = n == 1 || (!strncmp(abs, m->path, n) && (abs[n] == '/' || !abs[n]));
		if (match && (!best || n > best_len)) {
			best = m;
			best_len = n;
		}
	}
	return best;
}

/* Splits r->abs into the components below its mount. */
static int split(struct resolved *r)
{
	r->m = mount_of(r->abs);
	if (!r->m)
		return -ENOENT; /* nothing mounted there (not even "/") */
	memcpy(r->split, r->abs, PATH_MAX);
	char *p = r->split + (r->m->depth ? strlen(r->m->path) : 0);
	r->p.n = 0;
	while (*p) {
		while (*p == '/')
			*p++ = '\0';
		if (!*p)
			break;
		if (r->p.n == VFS_MAX_DEPTH)
			return -ENAMETOOLONG;
		r->p.comp[r->p.n++] = p;
		while (*p && *p != '/')
			p++;
	}
	return 0;
}

static int resolve(struct resolved *r, const char *path)
{
	int err = path_normalize(path, r->abs);
	if (err)
		return err;
	size_t n = strlen(path);
	r->p.must_be_dir = n && path[n - 1] == '/';
	return split(r);
}

/*
 * Replaces the link at component @link->at of @r by its target and
 * resolves again. A relative target is taken from the link's directory.
 */
static int splice_link(struct resolved *r, const struct vfs_symlink *link)
{
	char *buf = malloc(PATH_MAX);
	if (!buf)
		return -ENOMEM;
	size_t len = 1;
	buf[0] = '/';
	buf[1] = '\0';
	int err = 0;
	if (link->target[0] != '/') {
		err = path_append(buf, &len, r->m->path);
		for (unsigned i = 0; !err && i < link->at; i++)
			err = path_append(buf, &len, r->p.comp[i]);
	}
	err = err ?: path_append(buf, &len, link->target);
	for (unsigned i = link->at + 1; !err && i < r->p.n; i++)
		err = path_append(buf, &len, r->p.comp[i]);
	if (!err) {
		memcpy(r->abs, buf, len + 1);
		err = split(r);
	}
	free(buf);
	return err;
}

/*
 * After a filesystem call returned @err: 1 to retry once a symlink was
 * spliced into @r, 0 when @err is the answer (in *@err), at most
 * VFS_MAX_SYMLINKS hops.
 */
static bool follow_link(struct resolved *r, const struct vfs_symlink *link, unsigned *hops,
			int *err)
{
	if (*err != -VFS_ESYMLINK)
		return false;
	if (++*hops > VFS_MAX_SYMLINKS) {
		*err = -ELOOP;
		return false;
	}
	*err = splice_link(r, link);
	return *err == 0;
}

/* Heap state of one call: two resolved paths and a link. */
struct call {
	struct resolved a, b;
	struct vfs_symlink link;
	unsigned hops;
};

static struct call *call_begin(const char *path, int *err)
{
	struct call *c = malloc(sizeof(*c));
	if (!c) {
		*err = -ENOMEM;
		return NULL;
	}
	c->hops = 0;
	*err = resolve(&c->a, path);
	if (*err) {
		free(c);
		return NULL;
	}
	return c;
}

static int call_end(struct call *c, int err)
{
	free(c);
	return err;
}

/* ---- open and fd calls ---- */

int vfs_open(const char *path, int flags, mode_t mode)
{
	int err;
	struct call *c = call_begin(path, &err);
	if (!c)
		return err;
	struct vfs_file *f = calloc(1, sizeof(*f));
	if (!f)
		return call_end(c, -ENOMEM);
	if (c->a.p.must_be_dir)
		flags |= O_DIRECTORY;
	do {
		memset(f, 0, sizeof(*f));
		err = c->a.m->ops->open(c->a.m, &c->a.p, flags, mode & ~VFS_UMASK & 07777, f,
					&c->link);
	} while (follow_link(&c->a, &c->link, &c->hops, &err));
	if (err) {
		free(f);
		return call_end(c, err);
	}
	f->mnt = c->a.m;
	f->flags = flags;
	f->refs = 1;
	f->mnt->open_files++;
	int fd = fd_install(f);
	if (fd < 0)
		file_put(f);
	return call_end(c, fd);
}

int vfs_close(int fd)
{
	struct vfs_file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	fds[fd] = NULL;
	file_put(f);
	return 0;
}

int vfs_dup(int fd)
{
	struct vfs_file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	int nfd = fd_install(f);
	if (nfd >= 0)
		f->refs++;
	return nfd;
}

static int readable(const struct vfs_file *f)
{
	if ((f->flags & O_ACCMODE) == O_WRONLY)
		return -EBADF;
	return f->ops->read ? 0 : -EISDIR;
}

static int writable(const struct vfs_file *f)
{
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	return f->ops->write ? 0 : -EISDIR;
}

ssize_t vfs_pread(int fd, void *buf, size_t len, off_t offset)
{
	struct vfs_file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	int err = readable(f);
	if (err)
		return err;
	if (offset < 0)
		return -EINVAL;
	return f->ops->read(f, buf, len, offset);
}

ssize_t vfs_read(int fd, void *buf, size_t len)
{
	struct vfs_file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	int err = readable(f);
	if (err)
		return err;
	f->refs++;
	ssize_t n = f->ops->read(f, buf, len, f->pos);
	if (n > 0)
		f->pos += n;
	file_put(f);
	return n;
}

/* Where a write lands: the end of the file for O_APPEND, else @offset. */
static int write_offset(struct vfs_file *f, off_t *offset)
{
	if (!(f->flags & O_APPEND) || !f->ops->stat)
		return 0;
	struct stat st;
	int err = f->ops->stat(f, &st);
	if (!err)
		*offset = st.st_size;
	return err;
}

static ssize_t do_write(struct vfs_file *f, const void *buf, size_t len, off_t offset,
			bool move_pos)
{
	int err = writable(f);
	if (err)
		return err;
	if (offset < 0)
		return -EINVAL;
	f->refs++;
	err = write_offset(f, &offset);
	ssize_t n = err ? err : f->ops->write(f, buf, len, offset);
	if (n > 0 && move_pos)
		f->pos = offset + n;
	file_put(f);
	return n;
}

ssize_t vfs_pwrite(int fd, const void *buf, size_t len, off_t offset)
{
	struct vfs_file *f = fd_get(fd);
	return f ? do_write(f, buf, len, offset, false) : -EBADF;
}

ssize_t vfs_write(int fd, const void *buf, size_t len)
{
	struct vfs_file *f = fd_get(fd);
	return f ? do_write(f, buf, len, f->pos, true) : -EBADF;
}

off_t vfs_lseek(int fd, off_t offset, int whence)
{
	struct vfs_file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	if (f->ops == &console_ops)
		return -ESPIPE;
	off_t base;
	if (whence == SEEK_SET) {
		base = 0;
	} else if (whence == SEEK_CUR) {
		base = f->pos;
	} else if (whence == SEEK_END) {
		struct stat st;
		int err = f->ops->stat(f, &st);
		if (err)
			return err;
		base = st.st_size;
	} else {
		return -EINVAL;
	}
	if ((offset > 0 && base > INT64_MAX - offset) || base + offset < 0)
		return -EINVAL;
	/* A directory's position is a cookie: only a rewind is meaningful. */
	if (f->ops->getdents && (whence != SEEK_SET || offset != 0))
		return -EINVAL;
	f->pos = base + offset;
	return f->pos;
}

int vfs_fstat(int fd, struct stat *st)
{
	struct vfs_file *f = fd_get(fd);
	return f ? f->ops->stat(f, st) : -EBADF;
}

ssize_t vfs_getdents64(int fd, void *buf, size_t len)
{
	struct vfs_file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	return f->ops->getdents ? f->ops->getdents(f, buf, len) : -ENOTDIR;
}

int vfs_ftruncate(int fd, off_t length)
{
	struct vfs_file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	if (length < 0)
		return -EINVAL;
	if ((f->flags & O_ACCMODE) == O_RDONLY || !f->ops->truncate)
		return f->ops->getdents ? -EISDIR : -EINVAL;
	return f->ops->truncate(f, length);
}

int vfs_fsync(int fd)
{
	struct vfs_file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	return f->ops->sync ? f->ops->sync(f) : 0;
}

int vfs_fchmod(int fd, mode_t mode)
{
	struct vfs_file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	return f->ops->chmod ? f->ops->chmod(f, mode & 07777) : -EPERM;
}

/* ---- path calls ---- */

static int stat_path(const char *path, bool follow, struct stat *st)
{
	int err;
	struct call *c = call_begin(path, &err);
	if (!c)
		return err;
	do {
		err = c->a.m->ops->stat(c->a.m, &c->a.p, follow || c->a.p.must_be_dir, st,
					&c->link);
	} while (follow_link(&c->a, &c->link, &c->hops, &err));
	if (!err && c->a.p.must_be_dir && !S_ISDIR(st->st_mode))
		err = -ENOTDIR;
	return call_end(c, err);
}

int vfs_stat(const char *path, struct stat *st)
{
	return stat_path(path, true, st);
}

int vfs_lstat(const char *path, struct stat *st)
{
	return stat_path(path, false, st);
}

int vfs_mkdir(const char *path, mode_t mode)
{
	int err;
	struct call *c = call_begin(path, &err);
	if (!c)
		return err;
	do {
		err = c->a.p.n ? c->a.m->ops->mkdir(c->a.m, &c->a.p, mode & ~VFS_UMASK & 07777,
						    &c->link)
			       : -EEXIST;
	} while (follow_link(&c->a, &c->link, &c->hops, &err));
	return call_end(c, err);
}

static int remove_path(const char *path, bool dir)
{
	int err;
	struct call *c = call_begin(path, &err);
	if (!c)
		return err;
	do {
		if (!c->a.p.n)
			err = -EBUSY; /* a mount's root */
		else if (c->a.p.must_be_dir && !dir)
			err = -ENOTDIR;
		else
			err = c->a.m->ops->unlink(c->a.m, &c->a.p, dir, &c->link);
	} while (follow_link(&c->a, &c->link, &c->hops, &err));
	return call_end(c, err);
}

int vfs_rmdir(const char *path)
{
	return remove_path(path, true);
}

int vfs_unlink(const char *path)
{
	return remove_path(path, false);
}

/* Resolves @path as the second path of a two-path call into c->b. */
static int second_path(struct call *c, const char *path)
{
	int err = resolve(&c->b, path);
	if (!err && c->b.m != c->a.m)
		err = -EXDEV;
	return err;
}

/* Follows a link in whichever of the two paths it was found. */
static bool follow_link2(struct call *c, int *err)
{
	return follow_link(c->link.which ? &c->b : &c->a, &c->link, &c->hops, err) &&
	       c->a.m == c->b.m;
}

/*
 * A call on two paths of one mount (rename, link), following links found in
 * either: 0 or -errno from the filesystem, -EXDEV when the paths (or what a
 * link leads to) lie in two mounts.
 */
static int two_paths(const char *from, const char *to, bool rename)
{
	int err;
	struct call *c = call_begin(from, &err);
	if (!c)
		return err;
	err = second_path(c, to);
	while (!err) {
		struct vfs_mount *m = c->a.m;
		if (!c->b.p.n || (rename && !c->a.p.n)) {
			err = rename ? -EBUSY : -EEXIST; /* a mount's root */
			break;
		}
		c->link.which = 0;
		err = rename ? m->ops->rename(m, &c->a.p, &c->b.p, &c->link)
			     : m->ops->link(m, &c->a.p, &c->b.p, &c->link);
		if (!follow_link2(c, &err))
			break;
	}
	if (!err && c->a.m != c->b.m)
		err = -EXDEV; /* a link led into another mount */
	return call_end(c, err);
}

int vfs_rename(const char *oldpath, const char *newpath)
{
	return two_paths(oldpath, newpath, true);
}

int vfs_link(const char *oldpath, const char *newpath)
{
	return two_paths(oldpath, newpath, false);
}

static int setattr_path(const char *path, int what, mode_t mode, off_t size)
{
	int err;
	struct call *c = call_begin(path, &err);
	if (!c)
		return err;
	do {
		err = c->a.m->ops->setattr(c->a.m, &c->a.p, true, what, mode, size, &c->link);
	} while (follow_link(&c->a, &c->link, &c->hops, &err));
	return call_end(c, err);
}

int vfs_chmod(const char *path, mode_t mode)
{
	return setattr_path(path, VFS_SET_MODE, mode & 07777, 0);
}

int vfs_truncate(const char *path, off_t length)
{
	return length < 0 ? -EINVAL : setattr_path(path, VFS_SET_SIZE, 0, length);
}

int vfs_symlink(const char *target, const char *linkpath)
{
	if (!target)
		return -EFAULT;
	if (!*target)
		return -ENOENT;
	if (strnlen(target, PATH_MAX) >= PATH_MAX)
		return -ENAMETOOLONG;
	int err;
	struct call *c = call_begin(linkpath, &err);
	if (!c)
		return err;
	do {
		err = c->a.p.n ? c->a.m->ops->symlink(c->a.m, target, &c->a.p, &c->link) : -EEXIST;
	} while (follow_link(&c->a, &c->link, &c->hops, &err));
	return call_end(c, err);
}

ssize_t vfs_readlink(const char *path, char *buf, size_t size)
{
	int err;
	if (!size)
		return -EINVAL;
	struct call *c = call_begin(path, &err);
	if (!c)
		return err;
	do {
		err = c->a.m->ops->readlink(c->a.m, &c->a.p, buf, size, &c->link);
	} while (follow_link(&c->a, &c->link, &c->hops, &err));
	return call_end(c, err);
}

int vfs_statfs(const char *path, struct statfs *st)
{
	struct stat s;
	int err = vfs_stat(path, &s);
	if (err)
		return err;
	char *abs = malloc(PATH_MAX);
	if (!abs)
		return -ENOMEM;
	err = path_normalize(path, abs);
	struct vfs_mount *m = err ? NULL : mount_of(abs);
	free(abs);
	if (err)
		return err;
	return m->ops->statfs ? m->ops->statfs(m, st) : -ENOSYS;
}

int vfs_chdir(const char *path)
{
	struct stat st;
	int err;
	struct call *c = call_begin(path, &err);
	if (!c)
		return err;
	do {
		err = c->a.m->ops->stat(c->a.m, &c->a.p, true, &st, &c->link);
	} while (follow_link(&c->a, &c->link, &c->hops, &err));
	if (!err && !S_ISDIR(st.st_mode))
		err = -ENOTDIR;
	if (!err)
		memcpy(cwd, c->a.abs, strlen(c->a.abs) + 1);
	return call_end(c, err);
}

ssize_t vfs_getcwd(char *buf, size_t size)
{
	size_t n = strlen(cwd);
	if (n + 1 > size)
		return -ERANGE;
	memcpy(buf, cwd, n + 1);
	return (ssize_t)n;
}

/* ---- mounts ---- */

extern const struct vfs_fs_ops *const __fstypes_start[], *const __fstypes_end[];

static const struct vfs_fs_ops *fstype(const char *name)
{
	for (const struct vfs_fs_ops *const *t = __fstypes_start; t < __fstypes_end; t++)
		if (!strcmp((*t)->name, name))
			return *t;
	return NULL;
}

static int mount_slot(const char *abs)
{
	int free_slot = -EBUSY;
	for (int i = 0; i < VFS_MAX_MOUNTS; i++) {
		if (mounts[i] && !strcmp(mounts[i]->path, abs))
			return -EBUSY; /* something is mounted there already */
		if (!mounts[i] && free_slot < 0)
			free_slot = i;
	}
	return free_slot;
}

int vfs_mount(const char *source, const char *target, const char *type, const char *options)
{
	const struct vfs_fs_ops *ops = type ? fstype(type) : NULL;
	if (!ops)
		return -ENODEV;
	struct vfs_mount *m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	int err = path_normalize(target, m->path);
	if (!err && strcmp(m->path, "/")) {
		struct stat st;
		err = vfs_stat(m->path, &st);
		if (!err && !S_ISDIR(st.st_mode))
			err = -ENOTDIR;
	}
	int slot = err ? err : mount_slot(m->path);
	if (slot < 0) {
		free(m);
		return slot;
	}
	for (const char *p = m->path; p[1]; p++)
		m->depth += *p == '/';
	m->ops = ops;
	err = ops->mount(m, source, options);
	if (err) {
		free(m);
		return err;
	}
	mounts[slot] = m;
	return 0;
}

int vfs_umount(const char *target)
{
	char *abs = malloc(PATH_MAX);
	if (!abs)
		return -ENOMEM;
	int err = path_normalize(target, abs);
	int found = -EINVAL;
	for (int i = 0; !err && i < VFS_MAX_MOUNTS; i++)
		if (mounts[i] && !strcmp(mounts[i]->path, abs))
			found = i;
	free(abs);
	if (err)
		return err;
	if (found < 0)
		return found;
	struct vfs_mount *m = mounts[found];
	if (m->open_files)
		return -EBUSY;
	size_t n = strlen(m->path);
	for (int i = 0; i < VFS_MAX_MOUNTS; i++) {
		const char *other = mounts[i] ? mounts[i]->path : NULL;
		if (i != found && other &&
		    (n == 1 || (!strncmp(other, m->path, n) && other[n] == '/')))
			return -EBUSY; /* another mount lies below it */
	}
	mounts[found] = NULL;
	m->ops->unmount(m);
	free(m);
	return 0;
}

static const char *root_param;
EMBER_PARAM_STRING(root, "root", &root_param,
		   "root filesystem as TYPE:SOURCE, e.g. 9p:share (the 9p share tagged share)");

int vfs_mount_root(void)
{
	if (!root_param || !*root_param)
		return 0;
	const char *colon = strchr(root_param, ':');
	char type[16];
	size_t n = colon ? (size_t)(colon - root_param) : 0;
	if (!colon || n == 0 || n >= sizeof(type)) {
		printk("vfs: root=%s: expected TYPE:SOURCE, e.g. root=9p:share\n", root_param);
		return -EINVAL;
	}
	memcpy(type, root_param, n);
	type[n] = '\0';
	int err = vfs_mount(colon + 1, "/", type, NULL);
	if (err)
		printk("vfs: cannot mount root=%s (error %d)\n", root_param, err);
	return err ? err : 1;
}

struct vfs_mount *vfs_mount_at(const char *path)
{
	char *abs = malloc(PATH_MAX);
	struct vfs_mount *found = NULL;
	if (abs && !path_normalize(path, abs))
		for (int i = 0; i < VFS_MAX_MOUNTS; i++)
			if (mounts[i] && !strcmp(mounts[i]->path, abs))
				found = mounts[i];
	free(abs);
	return found;
}
