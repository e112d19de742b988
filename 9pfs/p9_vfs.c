// SPDX-License-Identifier: MIT
/*
 * The "9p" filesystem type: VFS calls mapped onto the 9P2000.L client.
 *
 * Mounting attaches to a share found by tag (vfs_mount("share", "/", "9p",
 * "msize=N")). Every path call walks from the root fid in one Twalk per 16
 * components, does its work on the walked fid (or its parent directory's)
 * and clunks it; an open file keeps its own fid until close. A walk that
 * stops at a symlink reads the link's target and hands it to the VFS to
 * splice (-VFS_ESYMLINK), so links are followed the same way on every path.
 *
 * Creation is walk-then-create: an open with O_CREAT first walks to the
 * name and opens what exists (refusing it under O_EXCL), and only a missing
 * last component leads to Tlcreate in the parent, which the server does
 * with O_CREAT and the caller's O_EXCL, so a racing creator is handled by
 * the host. O_APPEND is done by the VFS (it writes at the size it reads),
 * so it is not passed on.
 *
 * The server is not trusted. A malformed directory entry (a name that is
 * empty, longer than NAME_MAX, or holds '/' or NUL: the codec refuses it)
 * ends the listing with -EPROTO: getdents returns the records before it,
 * and the next call, which asks again from the last good entry's offset,
 * fails. Skipping the entry instead would show a listing the server did not
 * send, and the offsets after a forged entry mean nothing. Each record's
 * length is computed wide and checked against d_reclen's 16 bits before it
 * is written. An empty link target, and attributes that struct stat would
 * hold as negative numbers, are refused too.
 */
#include <ember/compiler.h>
#include <ember/errno.h>
#include <ember/heap.h>
#include <ember/p9_client.h>
#include <ember/p9fs.h>
#include <ember/printk.h>
#include <ember/string.h>
#include <ember/vfs.h>

/* An Rreaddir entry with a NAME_MAX name: qid, offset, type, name. */
#define DIRENT_MIN_ASK (P9_QID_SIZE + 8 + 1 + 2 + NAME_MAX)

struct p9fs {
	struct p9_client *c;
	struct p9_qid root_qid;
	uint64_t dev;
};

struct p9file {
	uint32_t fid;
	uint32_t iounit;
	struct p9fs *fs;
};

static struct p9fs *fs_of(struct vfs_mount *m)
{
	return m->priv;
}

/* The Linux open flags the server sees (9P2000.L uses Linux's values). */
static uint32_t server_flags(int flags)
{
	return (uint32_t)(flags & (O_ACCMODE | O_TRUNC | O_EXCL | O_DIRECTORY | O_CREAT));
}

/* ---- walking ---- */

/* Reads the target of the link at component @at of @p into @link. */
static int read_link(struct p9fs *fs, const struct vfs_path *p, unsigned at, unsigned which,
		     struct vfs_symlink *link)
{
	uint32_t fid;
	int err = p9_walk(fs->c, p9_root_fid(fs->c), at + 1, p->comp, &fid, NULL, NULL);
	if (err)
		return err;
	err = p9_readlink(fs->c, fid, link->target, sizeof(link->target));
	p9_clunk(fs->c, fid);
	if (err == 0)
		err = -ENOENT; /* an empty target names nothing (symlink(2) refuses to make one) */
	if (err < 0)
		return err;
	link->at = at;
	link->which = which;
	return -VFS_ESYMLINK;
}

struct walk_result {
	uint32_t fid;
	struct p9_qid qid;
	unsigned walked; /* components found, on failure */
};

/*
 * Walks the first @upto components of @p to a new fid. A symlink on the way
 * (or as the last component, when @follow) comes back as -VFS_ESYMLINK.
 */
static int walk(struct p9fs *fs, const struct vfs_path *p, unsigned upto, bool follow,
		unsigned which, struct walk_result *w, struct vfs_symlink *link)
{
	struct p9_qid *qids = upto ? malloc(upto * sizeof(*qids)) : NULL;
	if (upto && !qids)
		return -ENOMEM;
	w->walked = 0;
	int err = p9_walk(fs->c, p9_root_fid(fs->c), upto, p->comp, &w->fid, qids, &w->walked);
	struct p9_qid last = w->walked ? qids[w->walked - 1] : fs->root_qid;
	free(qids);
	if (err) {
		if (w->walked && (last.type & P9_QTSYMLINK))
			return read_link(fs, p, w->walked - 1, which, link);
		if (w->walked && !(last.type & P9_QTDIR))
			return -ENOTDIR;
		return err == -ENOENT || w->walked < upto ? (err == -ELOOP ? -ENOENT : err) : err;
	}
	w->qid = last;
	if (follow && upto && (last.type & P9_QTSYMLINK)) {
		p9_clunk(fs->c, w->fid);
		return read_link(fs, p, upto - 1, which, link);
	}
	return 0;
}

/* Walks to the parent directory of @p's last component. */
static int walk_parent(struct p9fs *fs, const struct vfs_path *p, unsigned which,
		       struct walk_result *w, struct vfs_symlink *link)
{
	if (!p->n)
		return -EINVAL; /* the root has no parent (the VFS never asks) */
	int err = walk(fs, p, p->n - 1, true, which, w, link);
	if (!err && !(w->qid.type & P9_QTDIR)) {
		p9_clunk(fs->c, w->fid);
		err = -ENOTDIR;
	}
	return err;
}

static const char *last_name(const struct vfs_path *p)
{
	return p->comp[p->n - 1];
}

/* ---- attributes ---- */

static void attr_to_stat(const struct p9fs *fs, const struct p9_attr *a, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = fs->dev;
	st->st_ino = a->qid.path;
	st->st_nlink = a->nlink;
	st->st_mode = a->mode;
	st->st_uid = a->uid;
	st->st_gid = a->gid;
	st->st_rdev = a->rdev;
	st->st_size = (int64_t)a->size;
	st->st_blksize = (int64_t)a->blksize;
	st->st_blocks = (int64_t)a->blocks;
	st->st_atim = (struct timespec){ (long)a->atime_sec, (long)a->atime_nsec };
	st->st_mtim = (struct timespec){ (long)a->mtime_sec, (long)a->mtime_nsec };
	st->st_ctim = (struct timespec){ (long)a->ctime_sec, (long)a->ctime_nsec };
}

static int fid_stat(struct p9fs *fs, uint32_t fid, struct stat *st)
{
	struct p9_attr a;
	int err = p9_getattr(fs->c, fid, P9_GETATTR_BASIC, &a);
	/* struct stat holds these signed: the VFS would compute with a negative size */
	if (!err && (a.size > INT64_MAX || a.blksize > INT64_MAX || a.blocks > INT64_MAX))
		err = -EPROTO;
	if (!err)
		attr_to_stat(fs, &a, st);
	return err;
}

/* One time of @a into @sa: @now_bit alone is the server's now, with @set_bit the value. */
static void time_to_setattr(const struct timespec *t, uint32_t now_bit, uint32_t set_bit,
			    uint64_t *sec, uint64_t *nsec, uint32_t *valid)
{
	*valid |= now_bit;
	if (t->tv_nsec == UTIME_NOW)
		return;
	*valid |= set_bit;
	*sec = (uint64_t)t->tv_sec;
	*nsec = (uint64_t)t->tv_nsec;
}

static int fid_setattr(struct p9fs *fs, uint32_t fid, const struct vfs_attr *a)
{
	struct p9_setattr sa = { 0 };
	if (a->what & VFS_SET_MODE) {
		sa.valid |= P9_SETATTR_MODE;
		sa.mode = a->mode;
	}
	if (a->what & VFS_SET_SIZE) {
		sa.valid |= P9_SETATTR_SIZE;
		sa.size = (uint64_t)a->size;
	}
	if (a->what & VFS_SET_ATIME)
		time_to_setattr(&a->atime, P9_SETATTR_ATIME, P9_SETATTR_ATIME_SET, &sa.atime_sec,
				&sa.atime_nsec, &sa.valid);
	if (a->what & VFS_SET_MTIME)
		time_to_setattr(&a->mtime, P9_SETATTR_MTIME, P9_SETATTR_MTIME_SET, &sa.mtime_sec,
				&sa.mtime_nsec, &sa.valid);
	return p9_setattr(fs->c, fid, &sa);
}

/* ---- open files ---- */

static struct p9file *pf(struct vfs_file *f)
{
	return f->priv;
}

static ssize_t file_read(struct vfs_file *f, void *buf, size_t len, off_t off)
{
	return p9_read(pf(f)->fs->c, pf(f)->fid, (uint64_t)off, buf, len, pf(f)->iounit);
}

static ssize_t file_write(struct vfs_file *f, const void *buf, size_t len, off_t off)
{
	return p9_write(pf(f)->fs->c, pf(f)->fid, (uint64_t)off, buf, len, pf(f)->iounit);
}

static int file_stat(struct vfs_file *f, struct stat *st)
{
	return fid_stat(pf(f)->fs, pf(f)->fid, st);
}

static int file_truncate(struct vfs_file *f, off_t len)
{
	return fid_setattr(pf(f)->fs, pf(f)->fid,
			   &(struct vfs_attr){ .what = VFS_SET_SIZE, .size = len });
}

static int file_setattr(struct vfs_file *f, const struct vfs_attr *a)
{
	return fid_setattr(pf(f)->fs, pf(f)->fid, a);
}

static int file_sync(struct vfs_file *f)
{
	return p9_fsync(pf(f)->fs->c, pf(f)->fid, 0);
}

static void file_close(struct vfs_file *f)
{
	p9_clunk(pf(f)->fs->c, pf(f)->fid);
	free(f->priv);
}

/*
 * Writes @d as a linux_dirent64 record at @buf + @out (of @len bytes).
 * Returns the record's length, 0 when it does not fit, or -EPROTO when its
 * length would not fit d_reclen (impossible for a NAME_MAX name, and so
 * checked rather than truncated: a reader steps from record to record by
 * d_reclen). @buf need not be aligned.
 */
static ssize_t put_dirent(void *buf, size_t len, size_t out, const struct p9_dirent *d)
{
	const size_t head = offsetof(struct linux_dirent64, d_name);
	size_t reclen = ALIGN_UP(head + (size_t)d->name.len + 1, (size_t)8);
	if (d->name.len > NAME_MAX || reclen > UINT16_MAX)
		return -EPROTO;
	if (reclen > len - out)
		return 0;
	struct linux_dirent64 e = {
		.d_ino = d->qid.path,
		.d_off = (int64_t)d->offset,
		.d_reclen = (uint16_t)reclen,
		.d_type = d->type,
	};
	char *rec = (char *)buf + out;
	memcpy(rec, &e, head);
	memcpy(rec + head, d->name.s, d->name.len);
	memset(rec + head + d->name.len, 0, reclen - head - d->name.len);
	return (ssize_t)reclen;
}

/* Converts Rreaddir entries into linux_dirent64 records, as many as fit. */
static ssize_t dir_getdents(struct vfs_file *f, void *buf, size_t len)
{
	struct p9fs *fs = pf(f)->fs;
	/* Ask for at least one record of any name, so a small @buf is -EINVAL, not the end. */
	uint32_t want = (uint32_t)MIN(MAX(len, (size_t)DIRENT_MIN_ASK), (size_t)p9_msize(fs->c));
	uint8_t *raw = malloc(want);
	if (!raw)
		return -ENOMEM;
	ssize_t got = p9_readdir(fs->c, pf(f)->fid, (uint64_t)f->pos, raw, want);
	size_t out = 0;
	uint32_t pos = 0;
	struct p9_dirent d;
	int rc = 0;
	while (got > 0 && (rc = p9_dirent_next(raw, (uint32_t)got, &pos, &d)) == 1) {
		ssize_t n = put_dirent(buf, len, out, &d);
		if (n <= 0) {
			rc = (int)n;
			break; /* 0: the rest comes with the next call, from f->pos */
		}
		f->pos = (off_t)d.offset;
		out += (size_t)n;
	}
	free(raw);
	if (got < 0)
		return got;
	if (rc < 0 && !out)
		return rc;
	if (got > 0 && !out)
		return -EINVAL; /* @buf cannot hold even one record */
	return (ssize_t)out;
}

static const struct vfs_file_ops file_ops = {
	.read = file_read,
	.write = file_write,
	.stat = file_stat,
	.truncate = file_truncate,
	.sync = file_sync,
	.setattr = file_setattr,
	.close = file_close,
};

static const struct vfs_file_ops dir_ops = {
	.stat = file_stat,
	.sync = file_sync,
	.setattr = file_setattr,
	.getdents = dir_getdents,
	.close = file_close,
};

static int attach_file(struct p9fs *fs, struct vfs_file *f, uint32_t fid, uint32_t iounit, bool dir)
{
	struct p9file *p = malloc(sizeof(*p));
	if (!p) {
		p9_clunk(fs->c, fid);
		return -ENOMEM;
	}
	*p = (struct p9file){ fid, iounit, fs };
	f->priv = p;
	f->ops = dir ? &dir_ops : &file_ops;
	return 0;
}

/* Opens what the walk found. */
static int open_existing(struct p9fs *fs, struct walk_result *w, int flags, struct vfs_file *f)
{
	bool dir = w->qid.type & P9_QTDIR;
	int err = 0;
	if ((flags & O_CREAT) && (flags & O_EXCL))
		err = -EEXIST;
	else if (w->qid.type & P9_QTSYMLINK)
		err = -ELOOP; /* O_NOFOLLOW */
	else if (dir && (flags & O_ACCMODE) != O_RDONLY)
		err = -EISDIR;
	else if (!dir && (flags & O_DIRECTORY))
		err = -ENOTDIR;
	uint32_t iounit = 0;
	if (!err)
		err = p9_lopen(fs->c, w->fid,
			       server_flags(flags & ~(O_CREAT | O_EXCL | (dir ? O_TRUNC : 0))),
			       NULL, &iounit);
	if (err) {
		p9_clunk(fs->c, w->fid);
		return err;
	}
	return attach_file(fs, f, w->fid, iounit, dir);
}

static int create_file(struct p9fs *fs, const struct vfs_path *p, int flags, mode_t mode,
		       struct vfs_file *f, struct vfs_symlink *link)
{
	struct walk_result w;
	if (flags & O_DIRECTORY)
		return -EINVAL; /* as Linux: O_CREAT|O_DIRECTORY never makes a directory */
	int err = walk_parent(fs, p, 0, &w, link);
	if (err)
		return err;
	uint32_t iounit = 0;
	err = p9_lcreate(fs->c, w.fid, last_name(p), server_flags(flags), S_IFREG | mode, 0, NULL,
			 &iounit);
	if (err) {
		p9_clunk(fs->c, w.fid);
		return err;
	}
	return attach_file(fs, f, w.fid, iounit, false);
}

static int p9fs_open(struct vfs_mount *m, const struct vfs_path *p, int flags, mode_t mode,
		     struct vfs_file *f, struct vfs_symlink *link)
{
	struct p9fs *fs = fs_of(m);
	struct walk_result w;
	int err = walk(fs, p, p->n, !(flags & O_NOFOLLOW), 0, &w, link);
	if (!err)
		return open_existing(fs, &w, flags, f);
	if (err == -ENOENT && (flags & O_CREAT) && p->n && w.walked == p->n - 1)
		return create_file(fs, p, flags, mode, f, link);
	return err;
}

/* ---- path calls ---- */

static int p9fs_stat(struct vfs_mount *m, const struct vfs_path *p, bool follow, struct stat *st,
		     struct vfs_symlink *link)
{
	struct p9fs *fs = fs_of(m);
	struct walk_result w;
	int err = walk(fs, p, p->n, follow, 0, &w, link);
	if (err)
		return err;
	err = fid_stat(fs, w.fid, st);
	p9_clunk(fs->c, w.fid);
	return err;
}

/* What a call does in the parent directory of its path's last component. */
struct in_parent {
	int (*op)(struct p9fs *fs, uint32_t dfid, const char *name, const struct in_parent *a);
	mode_t mode;
	uint32_t flags;
	const char *target;
};

/* Walks to @p's parent, runs @a->op there on the last name, clunks the walk. */
static int in_parent(struct vfs_mount *m, const struct vfs_path *p, struct vfs_symlink *link,
		     const struct in_parent *a)
{
	struct p9fs *fs = fs_of(m);
	struct walk_result w;
	int err = walk_parent(fs, p, 0, &w, link);
	if (err)
		return err;
	err = a->op(fs, w.fid, last_name(p), a);
	p9_clunk(fs->c, w.fid);
	return err;
}

static int op_mkdir(struct p9fs *fs, uint32_t dfid, const char *name, const struct in_parent *a)
{
	return p9_mkdir(fs->c, dfid, name, a->mode, 0, NULL);
}

static int op_unlink(struct p9fs *fs, uint32_t dfid, const char *name, const struct in_parent *a)
{
	return p9_unlinkat(fs->c, dfid, name, a->flags);
}

static int op_symlink(struct p9fs *fs, uint32_t dfid, const char *name, const struct in_parent *a)
{
	return p9_symlink(fs->c, dfid, name, a->target, 0, NULL);
}

static int p9fs_mkdir(struct vfs_mount *m, const struct vfs_path *p, mode_t mode,
		      struct vfs_symlink *link)
{
	return in_parent(m, p, link, &(struct in_parent){ .op = op_mkdir, .mode = mode });
}

static int p9fs_unlink(struct vfs_mount *m, const struct vfs_path *p, bool dir,
		       struct vfs_symlink *link)
{
	return in_parent(
		m, p, link,
		&(struct in_parent){ .op = op_unlink, .flags = dir ? P9_AT_REMOVEDIR : 0 });
}

static int p9fs_rename(struct vfs_mount *m, const struct vfs_path *from, const struct vfs_path *to,
		       struct vfs_symlink *link)
{
	struct p9fs *fs = fs_of(m);
	struct walk_result a, b;
	int err = walk_parent(fs, from, 0, &a, link);
	if (err)
		return err;
	err = walk_parent(fs, to, 1, &b, link);
	if (!err) {
		err = p9_renameat(fs->c, a.fid, last_name(from), b.fid, last_name(to));
		p9_clunk(fs->c, b.fid);
	}
	p9_clunk(fs->c, a.fid);
	return err;
}

static int p9fs_setattr(struct vfs_mount *m, const struct vfs_path *p, bool follow,
			const struct vfs_attr *a, struct vfs_symlink *link)
{
	struct p9fs *fs = fs_of(m);
	struct walk_result w;
	int err = walk(fs, p, p->n, follow, 0, &w, link);
	if (err)
		return err;
	if ((a->what & VFS_SET_SIZE) && (w.qid.type & P9_QTDIR))
		err = -EISDIR;
	else
		err = fid_setattr(fs, w.fid, a);
	p9_clunk(fs->c, w.fid);
	return err;
}

static int p9fs_readlink(struct vfs_mount *m, const struct vfs_path *p, char *buf, size_t size,
			 struct vfs_symlink *link)
{
	struct p9fs *fs = fs_of(m);
	struct walk_result w;
	int err = walk(fs, p, p->n, false, 0, &w, link);
	if (err)
		return err;
	char *target = NULL;
	if (!(w.qid.type & P9_QTSYMLINK))
		err = -EINVAL;
	else if (!(target = malloc(PATH_MAX)))
		err = -ENOMEM;
	else
		err = p9_readlink(fs->c, w.fid, target, PATH_MAX);
	p9_clunk(fs->c, w.fid);
	if (err >= 0 && target) {
		/* POSIX readlink: no NUL, silently cut to @size. */
		err = (int)MIN((size_t)err, size);
		memcpy(buf, target, (size_t)err);
	}
	free(target);
	return err;
}

static int p9fs_symlink(struct vfs_mount *m, const char *target, const struct vfs_path *p,
			struct vfs_symlink *link)
{
	return in_parent(m, p, link, &(struct in_parent){ .op = op_symlink, .target = target });
}

static int p9fs_link(struct vfs_mount *m, const struct vfs_path *from, const struct vfs_path *to,
		     struct vfs_symlink *link)
{
	struct p9fs *fs = fs_of(m);
	struct walk_result a, b;
	int err = walk(fs, from, from->n, false, 0, &a, link);
	if (err)
		return err;
	if (a.qid.type & P9_QTDIR)
		err = -EPERM; /* no hard links to directories */
	else
		err = walk_parent(fs, to, 1, &b, link);
	if (!err) {
		err = p9_link(fs->c, b.fid, a.fid, last_name(to));
		p9_clunk(fs->c, b.fid);
	}
	p9_clunk(fs->c, a.fid);
	return err;
}

static int p9fs_statfs(struct vfs_mount *m, struct statfs *st)
{
	struct p9fs *fs = fs_of(m);
	struct p9_statfs s;
	int err = p9_statfs(fs->c, p9_root_fid(fs->c), &s);
	if (err)
		return err;
	memset(st, 0, sizeof(*st));
	st->f_type = 0x01021997; /* V9FS_MAGIC */
	st->f_bsize = s.bsize;
	st->f_frsize = s.bsize;
	st->f_blocks = s.blocks;
	st->f_bfree = s.bfree;
	st->f_bavail = s.bavail;
	st->f_files = s.files;
	st->f_ffree = s.ffree;
	st->f_fsid.val[0] = (int)s.fsid;
	st->f_fsid.val[1] = (int)(s.fsid >> 32);
	st->f_namelen = s.namelen;
	return 0;
}

/* ---- mount ---- */

/* "msize=N" is the one option (contract in <ember/p9fs.h>). */
int p9fs_parse_options(const char *options, uint32_t *msize)
{
	*msize = 0;
	if (!options || !*options)
		return 0;
	if (strncmp(options, "msize=", 6))
		return -EINVAL;
	uint64_t v = 0;
	for (const char *p = options + 6; *p; p++) {
		if (*p < '0' || *p > '9' || v > UINT32_MAX / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v < P9_MIN_MSIZE || v > UINT32_MAX)
		return -EINVAL;
	*msize = (uint32_t)v;
	return 0;
}

static int p9fs_mount(struct vfs_mount *m, const char *source, const char *options)
{
	static uint64_t next_dev = 0x900;
	struct p9_transport *t =
		source && *source ? p9_transport_find(source) : p9_transport_first();
	uint32_t msize;
	if (!t) {
		printk("9p: no share tagged '%s'\n", source ? source : "");
		return -ENODEV;
	}
	int err = p9fs_parse_options(options, &msize);
	if (err)
		return err;
	struct p9fs *fs = calloc(1, sizeof(*fs));
	if (!fs)
		return -ENOMEM;
	err = p9_client_open(t, "", msize, &fs->c, &fs->root_qid);
	if (err) {
		printk("9p: cannot attach share '%s' over %s (error %d)\n", t->tag, t->kind, err);
		free(fs);
		return err;
	}
	fs->dev = next_dev++;
	m->priv = fs;
	pr_info("9p: mounted share '%s' (%s, msize %u) at %s\n", t->tag, t->kind, p9_msize(fs->c),
		m->path);
	return 0;
}

static void p9fs_unmount(struct vfs_mount *m)
{
	struct p9fs *fs = fs_of(m);
	p9_client_close(fs->c);
	free(fs);
}

static const struct vfs_fs_ops p9fs_ops = {
	.name = "9p",
	.mount = p9fs_mount,
	.unmount = p9fs_unmount,
	.open = p9fs_open,
	.stat = p9fs_stat,
	.mkdir = p9fs_mkdir,
	.unlink = p9fs_unlink,
	.rename = p9fs_rename,
	.setattr = p9fs_setattr,
	.readlink = p9fs_readlink,
	.symlink = p9fs_symlink,
	.link = p9fs_link,
	.statfs = p9fs_statfs,
};
VFS_FSTYPE(p9fs, p9fs_ops);

const struct vfs_fs_ops *p9fs_fstype(void)
{
	return &p9fs_ops;
}

int p9fs_stats(const char *mountpoint, struct p9_client_stats *out)
{
	struct vfs_mount *m = vfs_mount_at(mountpoint);
	if (!m || m->ops != &p9fs_ops)
		return -EINVAL;
	p9_client_get_stats(fs_of(m)->c, out);
	return 0;
}
