// SPDX-License-Identifier: MIT
/*
 * The VFS (see <ember/vfs.h>): the fd table, the current directory, the
 * mount table, and path resolution.
 *
 * Paths. A call turns its path into a normalized absolute one (cwd
 * prepended, "." and ".." folded, repeated slashes dropped), picks the mount
 * with the longest matching prefix and hands the filesystem the remaining
 * components, split in place in the same buffer. When the filesystem meets
 * a symbolic link it reports where; the VFS puts the rest of the path behind
 * the link's target (the two together must be shorter than PATH_MAX),
 * appends that to the link's directory (or to "/" for an absolute target),
 * normalizing again, and retries, at most VFS_MAX_SYMLINKS times (-ELOOP
 * after that). An empty target is -ENOENT. A filesystem is not trusted to
 * report a link inside the path: a position outside it is -EIO.
 *
 * Cost. The state of one path call (a PATH_MAX buffer, VFS_MAX_DEPTH
 * component pointers and a link target, about 12 KiB) is too big for a
 * thread's stack (16 KiB stacks are allowed, and the 9P client runs below
 * the call), so it comes from a cache of call states: a call allocates only
 * when more calls are in progress at once than there are cached states
 * (VFS_CALL_CACHE are kept), never in the steady state of one thread.
 *
 * Lifetimes, one rule: whatever a call uses across a filesystem call that
 * may block, it holds a reference to.
 *  - Files are reference counted. Each fd holds one reference (dup shares
 *    the file); fd_get() takes another, which the caller drops with fd_put()
 *    when its file operation is over, so a close() from another thread while
 *    that operation waits on the server only unhooks the fd, and the file is
 *    closed when its last reference goes.
 *  - A mount counts its open files and the path calls inside it: a call pins
 *    the mount its path resolved into and moves the pin when a link leads
 *    into another. umount() fails with -EBUSY while either count is not
 *    zero, as Linux's does, rather than wait: a waiting umount could wait
 *    forever on a call blocked on the very server being unmounted, and the
 *    caller knows best whether to retry. A mount whose type's mount op is
 *    still running holds its slot (a second mount at that place is -EBUSY,
 *    and the mount above cannot go) but owns no paths yet.
 *
 * Threads are cooperative, and the fd table, the mount table and the call
 * cache are only changed between blocking calls, so they need no lock; a
 * file's position is read and written around the filesystem call that may
 * block, as with any POSIX fd shared between threads.
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
#define VFS_CALL_CACHE 4

static struct vfs_file *fds[VFS_MAX_FDS];
static struct vfs_mount *mounts[VFS_MAX_MOUNTS];
static char cwd[PATH_MAX]; /* "" until the first chdir: "/" (in .bss, not 4 KiB of .data) */

static const char *cwd_path(void)
{
	return cwd[0] ? cwd : "/";
}

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
	{ &console_ops, NULL, O_RDONLY, 0, 0, NULL, 0 },
	{ &console_ops, NULL, O_WRONLY, 0, 0, NULL, 0 },
	{ &console_ops, NULL, O_WRONLY, 0, 0, NULL, 0 },
};

/* Puts the console on whichever of fds 0, 1 and 2 is free. */
static void console_fds_init(void)
{
	for (int i = 0; i < 3; i++) {
		if (!fds[i]) {
			fds[i] = &console_files[i];
			console_files[i].refs++;
		}
	}
}

/* ---- files and fds ---- */

/* Drops a reference to @f; the last one closes it (which may block). */
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

/* The file open as @fd, with a reference the caller drops with fd_put(); NULL if none. */
static struct vfs_file *fd_get(int fd)
{
	console_fds_init();
	struct vfs_file *f = fd >= 0 && fd < VFS_MAX_FDS ? fds[fd] : NULL;
	if (f)
		f->refs++;
	return f;
}

static void fd_put(struct vfs_file *f)
{
	file_put(f);
}

/* Gives a reference to @f to the lowest free fd and returns it; -EMFILE keeps it the caller's. */
static int fd_install_from(struct vfs_file *f, int min)
{
	console_fds_init();
	for (int fd = min; fd < VFS_MAX_FDS; fd++) {
		if (!fds[fd]) {
			fds[fd] = f;
			return fd;
		}
	}
	return -EMFILE;
}

static int fd_install(struct vfs_file *f)
{
	return fd_install_from(f, 0);
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

/* Normalizes @path against the current directory into @out (PATH_MAX bytes). */
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
		int err = path_append(out, &len, cwd_path());
		if (err)
			return err;
	}
	return path_append(out, &len, path);
}

/* ---- resolution ---- */

/* One path of a call: normalized, then split in place into the components below its mount. */
struct resolved {
	char buf[PATH_MAX];
	struct vfs_mount *m; /* pinned (m->calls) while set */
	struct vfs_path p;
};

/* The state of one path call; two-path calls (rename, link) use two. */
struct call {
	struct resolved r;
	struct vfs_symlink link;
	unsigned hops;
	struct call *next; /* in call_cache */
};

static struct call *call_cache;
static unsigned call_cached;

/* The live mount owning @abs: the longest mount path that is a prefix at a component boundary. */
static struct vfs_mount *mount_of(const char *abs)
{
	struct vfs_mount *best = NULL;
	size_t best_len = 0;
	for (unsigned i = 0; i < VFS_MAX_MOUNTS; i++) {
		struct vfs_mount *m = mounts[i];
		if (!m || !m->live)
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

/* Moves @r's pin from its mount to @m (none when NULL). */
static void pin_mount(struct resolved *r, struct vfs_mount *m)
{
	if (r->m)
		r->m->calls--;
	r->m = m;
	if (m)
		m->calls++;
}

/* Picks the mount of the normalized path in r->buf and splits the rest into r->p. */
static int split(struct resolved *r)
{
	pin_mount(r, mount_of(r->buf));
	if (!r->m)
		return -ENOENT; /* nothing mounted there (not even "/") */
	char *p = r->buf + strlen(r->m->path);
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

/*
 * Joins the mount's path and the first @upto components back into the
 * absolute path they make, at the start of r->buf (the components after
 * them are lost). Returns its length.
 */
static size_t rejoin(struct resolved *r, unsigned upto)
{
	char *end = upto ? (char *)r->p.comp[upto - 1] + strlen(r->p.comp[upto - 1])
			 : r->buf + strlen(r->m->path);
	for (char *q = r->buf; q < end; q++)
		if (!*q)
			*q = '/';
	*end = '\0';
	return (size_t)(end - r->buf);
}

static int resolve(struct resolved *r, const char *path)
{
	int err = path_normalize(path, r->buf);
	if (err)
		return err;
	size_t n = strlen(path);
	r->p.must_be_dir = n && path[n - 1] == '/';
	return split(r);
}

/*
 * Replaces the link at component @link->at of @r by its target and
 * resolves again: the components after the link go behind the target, in
 * @link->target, and that is appended to the link's directory (or to "/").
 */
static int splice_link(struct resolved *r, struct vfs_symlink *link)
{
	if (link->at >= r->p.n)
		return -EIO; /* the filesystem reported a link outside the path */
	size_t t = strnlen(link->target, PATH_MAX);
	if (t == PATH_MAX)
		return -ENAMETOOLONG;
	if (t == 0)
		return -ENOENT;
	for (unsigned i = link->at + 1; i < r->p.n; i++) {
		size_t k = strlen(r->p.comp[i]);
		if (t + 1 + k >= PATH_MAX)
			return -ENAMETOOLONG;
		link->target[t++] = '/';
		memcpy(link->target + t, r->p.comp[i], k);
		t += k;
	}
	link->target[t] = '\0';
	size_t len = 1;
	if (link->target[0] == '/')
		r->buf[1] = '\0'; /* r->buf[0] is always the root's slash */
	else
		len = rejoin(r, link->at);
	int err = path_append(r->buf, &len, link->target);
	return err ?: split(r);
}

/*
 * After a filesystem call on @r returned *@err: true to retry once the
 * symlink in c->link was spliced into @r, false when *@err is the answer,
 * at most VFS_MAX_SYMLINKS hops per call.
 */
static bool follow_link(struct call *c, struct resolved *r, int *err)
{
	if (*err != -VFS_ESYMLINK)
		return false;
	if (++c->hops > VFS_MAX_SYMLINKS) {
		*err = -ELOOP;
		return false;
	}
	*err = splice_link(r, &c->link);
	return *err == 0;
}

/* A call state from the cache, or a new one; NULL when out of memory. */
static struct call *call_get(void)
{
	struct call *c = call_cache;
	if (c) {
		call_cache = c->next;
		call_cached--;
	} else {
		c = malloc(sizeof(*c));
		if (!c)
			return NULL;
	}
	c->r.m = NULL;
	c->hops = 0;
	return c;
}

/* Unpins the call's mount and returns its state to the cache. */
static void call_put(struct call *c)
{
	pin_mount(&c->r, NULL);
	if (call_cached == VFS_CALL_CACHE) {
		free(c);
		return;
	}
	c->next = call_cache;
	call_cache = c;
	call_cached++;
}

/* Starts a call on @path, resolved into c->r with its mount pinned; NULL and *@err on failure. */
static struct call *call_begin(const char *path, int *err)
{
	struct call *c = call_get();
	if (!c) {
		*err = -ENOMEM;
		return NULL;
	}
	*err = resolve(&c->r, path);
	if (*err) {
		call_put(c);
		return NULL;
	}
	return c;
}

static int call_end(struct call *c, int err)
{
	call_put(c);
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
	if (c->r.p.must_be_dir)
		flags |= O_DIRECTORY;
	do {
		memset(f, 0, sizeof(*f));
		err = c->r.m->ops->open(c->r.m, &c->r.p, flags, mode & ~VFS_UMASK & 07777, f,
					&c->link);
	} while (follow_link(c, &c->r, &err));
	if (err) {
		free(f);
		return call_end(c, err);
	}
	f->mnt = c->r.m;
	f->flags = flags;
	f->refs = 1; /* the fd's */
	f->mnt->open_files++;
	int fd = fd_install(f);
	if (fd < 0)
		file_put(f);
	return call_end(c, fd);
}

int vfs_open_file(const struct vfs_file_ops *ops, void *priv, int flags)
{
	struct vfs_file *f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->ops = ops;
	f->priv = priv;
	f->flags = flags;
	f->refs = 1; /* the fd's */
	int fd = fd_install(f);
	if (fd < 0)
		free(f); /* not installed: nothing was opened, so no close */
	return fd;
}

int vfs_close(int fd)
{
	struct vfs_file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	fds[fd] = NULL;
	file_put(f); /* the fd's reference: calls still inside @f hold theirs */
	fd_put(f);
	return 0;
}

int vfs_dup_from(int fd, int min)
{
	if (min < 0 || min >= VFS_MAX_FDS)
		return -EINVAL;
	struct vfs_file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	int nfd = fd_install_from(f, min);
	if (nfd >= 0)
		f->refs++; /* the new fd's */
	fd_put(f);
	return nfd;
}

int vfs_dup(int fd)
{
	return vfs_dup_from(fd, 0);
}

int vfs_dup2(int fd, int newfd)
{
	if (newfd < 0 || newfd >= VFS_MAX_FDS)
		return -EBADF;
	struct vfs_file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	struct vfs_file *old = fds[newfd];
	if (old != f) {
		f->refs++; /* newfd's */
		fds[newfd] = f;
		/* as close(newfd): may block, after newfd already points at f */
		if (old)
			file_put(old);
	}
	fd_put(f);
	return newfd;
}

int vfs_get_flags(int fd)
{
	struct vfs_file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	int flags = f->flags;
	fd_put(f);
	return flags;
}

int vfs_set_flags(int fd, int flags)
{
	struct vfs_file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	/* As Linux's F_SETFL: only the status flags change, not the access mode. */
	f->flags = (f->flags & ~(O_APPEND | O_NONBLOCK)) | (flags & (O_APPEND | O_NONBLOCK));
	fd_put(f);
	return 0;
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

ssize_t vfs_file_pread(struct vfs_file *f, void *buf, size_t len, off_t offset)
{
	int err = readable(f);
	if (!err && offset < 0)
		err = -EINVAL;
	return err ? err : f->ops->read(f, buf, len, offset);
}

ssize_t vfs_pread(int fd, void *buf, size_t len, off_t offset)
{
	struct vfs_file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	ssize_t n = vfs_file_pread(f, buf, len, offset);
	fd_put(f);
	return n;
}

ssize_t vfs_read(int fd, void *buf, size_t len)
{
	struct vfs_file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	int err = readable(f);
	ssize_t n = err ? err : f->ops->read(f, buf, len, f->pos);
	if (n > 0)
		f->pos += n;
	fd_put(f);
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

/* Caller holds a reference to @f. */
static ssize_t do_write(struct vfs_file *f, const void *buf, size_t len, off_t offset,
			bool move_pos)
{
	int err = writable(f);
	if (!err && offset < 0)
		err = -EINVAL;
	err = err ?: write_offset(f, &offset);
	ssize_t n = err ? err : f->ops->write(f, buf, len, offset);
	if (n > 0 && move_pos)
		f->pos = offset + n;
	return n;
}

ssize_t vfs_file_pwrite(struct vfs_file *f, const void *buf, size_t len, off_t offset)
{
	int err = writable(f);
	if (!err && offset < 0)
		err = -EINVAL;
	return err ? err : f->ops->write(f, buf, len, offset);
}

ssize_t vfs_pwrite(int fd, const void *buf, size_t len, off_t offset)
{
	struct vfs_file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	ssize_t n = do_write(f, buf, len, offset, false);
	fd_put(f);
	return n;
}

ssize_t vfs_write(int fd, const void *buf, size_t len)
{
	struct vfs_file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	ssize_t n = do_write(f, buf, len, f->pos, true);
	fd_put(f);
	return n;
}

/* Caller holds a reference to @f. */
static off_t file_seek(struct vfs_file *f, off_t offset, int whence)
{
	if (f->ops == &console_ops)
		return -ESPIPE;
	/* A directory's position is a cookie: only a rewind is meaningful. */
	if (f->ops->getdents && (whence != SEEK_SET || offset != 0))
		return -EINVAL;
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
	if (base < 0)
		return -EIO; /* a negative size from the filesystem */
	if ((offset > 0 && base > INT64_MAX - offset) || base + offset < 0)
		return -EINVAL;
	f->pos = base + offset;
	return f->pos;
}

off_t vfs_lseek(int fd, off_t offset, int whence)
{
	struct vfs_file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	off_t pos = file_seek(f, offset, whence);
	fd_put(f);
	return pos;
}

struct vfs_file *vfs_file_hold(int fd)
{
	return fd_get(fd);
}

void vfs_file_release(struct vfs_file *f)
{
	file_put(f);
}

int vfs_file_stat(struct vfs_file *f, struct stat *st)
{
	return f->ops->stat ? f->ops->stat(f, st) : -EBADF;
}

int vfs_fstat(int fd, struct stat *st)
{
	struct vfs_file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	int err = f->ops->stat(f, st);
	fd_put(f);
	return err;
}

ssize_t vfs_getdents64(int fd, void *buf, size_t len)
{
	struct vfs_file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	ssize_t n = f->ops->getdents ? f->ops->getdents(f, buf, len) : -ENOTDIR;
	fd_put(f);
	return n;
}

int vfs_ftruncate(int fd, off_t length)
{
	struct vfs_file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	int err;
	if (length < 0)
		err = -EINVAL;
	else if ((f->flags & O_ACCMODE) == O_RDONLY || !f->ops->truncate)
		err = f->ops->getdents ? -EISDIR : -EINVAL;
	else
		err = f->ops->truncate(f, length);
	fd_put(f);
	return err;
}

int vfs_fsync(int fd)
{
	struct vfs_file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	int err = f->ops->sync ? f->ops->sync(f) : 0;
	fd_put(f);
	return err;
}

/* fchmod and futimens: @a on the open file @fd (nothing to set: only @fd is checked). */
static int fd_setattr(int fd, const struct vfs_attr *a)
{
	struct vfs_file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	int err = !a->what ? 0 : f->ops->setattr ? f->ops->setattr(f, a) : -EPERM;
	fd_put(f);
	return err;
}

int vfs_fchmod(int fd, mode_t mode)
{
	return fd_setattr(fd, &(struct vfs_attr){ .what = VFS_SET_MODE, .mode = mode & 07777 });
}

/* ---- path calls ---- */

/* Stats c->r, following links (the last one too when @follow or the path ends in '/'). */
static int stat_call(struct call *c, bool follow, struct stat *st)
{
	int err;
	do {
		err = c->r.m->ops->stat(c->r.m, &c->r.p, follow || c->r.p.must_be_dir, st,
					&c->link);
	} while (follow_link(c, &c->r, &err));
	if (!err && c->r.p.must_be_dir && !S_ISDIR(st->st_mode))
		err = -ENOTDIR;
	return err;
}

static int stat_path(const char *path, bool follow, struct stat *st)
{
	int err;
	struct call *c = call_begin(path, &err);
	return c ? call_end(c, stat_call(c, follow, st)) : err;
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
		err = c->r.p.n ? c->r.m->ops->mkdir(c->r.m, &c->r.p, mode & ~VFS_UMASK & 07777,
						    &c->link)
			       : -EEXIST;
	} while (follow_link(c, &c->r, &err));
	return call_end(c, err);
}

static int remove_path(const char *path, bool dir)
{
	int err;
	struct call *c = call_begin(path, &err);
	if (!c)
		return err;
	do {
		if (!c->r.p.n)
			err = -EBUSY; /* a mount's root */
		else if (c->r.p.must_be_dir && !dir)
			err = -ENOTDIR;
		else
			err = c->r.m->ops->unlink(c->r.m, &c->r.p, dir, &c->link);
	} while (follow_link(c, &c->r, &err));
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

/*
 * After a two-path call returned *@err: follows a link in whichever path
 * it was found (a's link says which); false when *@err is the answer,
 * -EXDEV when the link led the paths into two mounts.
 */
static bool follow_link2(struct call *a, struct call *b, int *err)
{
	if (*err == -VFS_ESYMLINK && a->link.which > 1) {
		*err = -EIO; /* neither path */
		return false;
	}
	if (!follow_link(a, a->link.which ? &b->r : &a->r, err))
		return false;
	if (a->r.m != b->r.m) {
		*err = -EXDEV;
		return false;
	}
	return true;
}

/*
 * A call on two paths of one mount (rename, link), following links found in
 * either: 0 or -errno from the filesystem, -EXDEV when the paths (or what a
 * link leads to) lie in two mounts.
 */
static int two_paths(const char *from, const char *to, bool rename)
{
	int err;
	struct call *a = call_begin(from, &err);
	if (!a)
		return err;
	struct call *b = call_begin(to, &err);
	if (!b)
		return call_end(a, err);
	err = a->r.m != b->r.m ? -EXDEV : 0;
	while (!err) {
		struct vfs_mount *m = a->r.m;
		if (!b->r.p.n || (rename && !a->r.p.n)) {
			err = rename ? -EBUSY : -EEXIST; /* a mount's root */
			break;
		}
		a->link.which = 0;
		err = rename ? m->ops->rename(m, &a->r.p, &b->r.p, &a->link)
			     : m->ops->link(m, &a->r.p, &b->r.p, &a->link);
		if (!follow_link2(a, b, &err))
			break;
	}
	call_put(b);
	return call_end(a, err);
}

int vfs_rename(const char *oldpath, const char *newpath)
{
	return two_paths(oldpath, newpath, true);
}

int vfs_link(const char *oldpath, const char *newpath)
{
	return two_paths(oldpath, newpath, false);
}

static int setattr_path(const char *path, const struct vfs_attr *a, bool follow)
{
	int err;
	struct call *c = call_begin(path, &err);
	if (!c)
		return err;
	do {
		err = c->r.m->ops->setattr(c->r.m, &c->r.p, follow, a, &c->link);
	} while (follow_link(c, &c->r, &err));
	return call_end(c, err);
}

int vfs_chmod(const char *path, mode_t mode)
{
	return setattr_path(path, &(struct vfs_attr){ .what = VFS_SET_MODE, .mode = mode & 07777 },
			    true);
}

int vfs_truncate(const char *path, off_t length)
{
	return length < 0 ? -EINVAL
			  : setattr_path(path,
					 &(struct vfs_attr){ .what = VFS_SET_SIZE, .size = length },
					 true);
}

/* One of utimensat's times into @a (@bit: VFS_SET_ATIME or _MTIME); -EINVAL if malformed. */
static int utime_one(const struct timespec *t, unsigned bit, struct timespec *to, unsigned *what)
{
	if (t && t->tv_nsec == UTIME_OMIT)
		return 0;
	if (t && t->tv_nsec != UTIME_NOW && (t->tv_nsec < 0 || t->tv_nsec >= 1000000000))
		return -EINVAL;
	*to = t ? *t : (struct timespec){ .tv_nsec = UTIME_NOW };
	*what |= bit;
	return 0;
}

static int utimens_attr(const struct timespec times[2], struct vfs_attr *a)
{
	*a = (struct vfs_attr){ 0 };
	int err = utime_one(times ? &times[0] : NULL, VFS_SET_ATIME, &a->atime, &a->what);
	return err ?: utime_one(times ? &times[1] : NULL, VFS_SET_MTIME, &a->mtime, &a->what);
}

int vfs_utimens(const char *path, const struct timespec times[2], bool follow)
{
	struct vfs_attr a;
	int err = utimens_attr(times, &a);
	if (err)
		return err;
	if (!a.what) { /* both UTIME_OMIT: only the path is checked */
		struct stat st;
		return follow ? vfs_stat(path, &st) : vfs_lstat(path, &st);
	}
	return setattr_path(path, &a, follow);
}

int vfs_futimens(int fd, const struct timespec times[2])
{
	struct vfs_attr a;
	int err = utimens_attr(times, &a);
	return err ?: fd_setattr(fd, &a);
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
		err = c->r.p.n ? c->r.m->ops->symlink(c->r.m, target, &c->r.p, &c->link) : -EEXIST;
	} while (follow_link(c, &c->r, &err));
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
		err = c->r.m->ops->readlink(c->r.m, &c->r.p, buf, size, &c->link);
	} while (follow_link(c, &c->r, &err));
	return call_end(c, err);
}

/* The filesystem of the mount that @path, links followed, lies in. */
int vfs_statfs(const char *path, struct statfs *st)
{
	struct stat s;
	int err;
	struct call *c = call_begin(path, &err);
	if (!c)
		return err;
	err = stat_call(c, true, &s);
	if (!err)
		err = c->r.m->ops->statfs ? c->r.m->ops->statfs(c->r.m, st) : -ENOSYS;
	return call_end(c, err);
}

int vfs_chdir(const char *path)
{
	struct stat st;
	int err;
	struct call *c = call_begin(path, &err);
	if (!c)
		return err;
	err = stat_call(c, true, &st);
	if (!err && !S_ISDIR(st.st_mode))
		err = -ENOTDIR;
	if (!err) {
		size_t len = rejoin(&c->r, c->r.p.n);
		memcpy(cwd, c->r.buf, len + 1);
	}
	return call_end(c, err);
}

ssize_t vfs_getcwd(char *buf, size_t size)
{
	const char *path = cwd_path();
	size_t n = strlen(path);
	if (n + 1 > size)
		return -ERANGE;
	memcpy(buf, path, n + 1);
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

/* Normalizes @target into @abs and checks it is "/" or a directory. */
static int mount_target(const char *target, char *abs)
{
	int err = path_normalize(target, abs);
	if (err || !strcmp(abs, "/"))
		return err;
	struct stat st;
	err = vfs_stat(abs, &st);
	return !err && !S_ISDIR(st.st_mode) ? -ENOTDIR : err;
}

/* A free slot for a mount at @abs, or -EBUSY (something is mounted or mounting there, or no slot). */
static int mount_slot(const char *abs)
{
	int free_slot = -EBUSY;
	for (int i = 0; i < VFS_MAX_MOUNTS; i++) {
		if (mounts[i] && !strcmp(mounts[i]->path, abs))
			return -EBUSY;
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
	int err = mount_target(target, m->path);
	int slot = err ? err : mount_slot(m->path);
	if (slot < 0) {
		free(m);
		return slot;
	}
	for (const char *p = m->path; p[1]; p++)
		m->depth += *p == '/';
	m->ops = ops;
	mounts[slot] = m; /* holds the slot while the mount op runs; m->live stays false */
	err = ops->mount(m, source, options);
	if (err) {
		mounts[slot] = NULL;
		free(m);
		return err;
	}
	m->live = true;
	return 0;
}

/* The slot of the live mount whose root is exactly @path, or -EINVAL (or the path's error). */
static int mount_find(const char *path)
{
	struct call *c = call_get(); /* for its buffer */
	if (!c)
		return -ENOMEM;
	int err = path_normalize(path, c->r.buf);
	int found = -EINVAL;
	for (int i = 0; !err && i < VFS_MAX_MOUNTS; i++)
		if (mounts[i] && mounts[i]->live && !strcmp(mounts[i]->path, c->r.buf))
			found = i;
	call_put(c);
	return err ? err : found;
}

int vfs_umount(const char *target)
{
	int found = mount_find(target);
	if (found < 0)
		return found;
	struct vfs_mount *m = mounts[found];
	if (m->open_files || m->calls)
		return -EBUSY;
	size_t n = strlen(m->path);
	for (int i = 0; i < VFS_MAX_MOUNTS; i++) {
		const char *other = mounts[i] ? mounts[i]->path : NULL;
		if (i != found && other &&
		    (n == 1 || (!strncmp(other, m->path, n) && other[n] == '/')))
			return -EBUSY; /* another mount lies below it (or is being mounted there) */
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
	int slot = mount_find(path);
	return slot >= 0 ? mounts[slot] : NULL;
}
