// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for path resolution in kernel/vfs.c: normalization,
 * "..", the current directory, mount prefixes, symlink splicing with
 * VFS_MAX_SYMLINKS hops, the PATH_MAX, NAME_MAX and VFS_MAX_DEPTH limits,
 * mount and umount, on "fuzzfs", a fake filesystem whose links come from the
 * input.
 *
 * Input: lines, each one call (an unknown or short line is skipped):
 *   M<path>  mount fuzzfs        U<path>  umount         C<path>  chdir
 *   S<path>  stat                s<path>  lstat          F<path>  statfs
 *   O<f><path>  open (f: bit 0 O_NOFOLLOW, bit 1 O_DIRECTORY), then close
 *   R<from>\t<to>  rename        L<d><target>  the target of link "l<d>"
 * In paths and targets the bytes 0x01 N C stand for 16*N copies of C, so
 * short inputs reach PATH_MAX. "/" is mounted before the first line.
 *
 * The fuzzfs namespace, the same in every mount: "l0".."l9" are links,
 * names starting with 'f' are files, with 'x' are missing, with '!' are
 * links a hostile filesystem reports at a position outside the path ("!<d>"
 * d past its end, else 3: -EIO), anything else is a directory.
 *
 * Checked on every call: each component fuzzfs is handed is a name (not
 * empty, ".", ".." or longer than NAME_MAX, no '/'), at most VFS_MAX_DEPTH
 * of them, and the mount's path with them is shorter than PATH_MAX; after
 * the call no mount is pinned and no file is open. A reference resolver,
 * written from the rules in kernel/vfs.c's header comment on lists of
 * components rather than strings, predicts each call's result, how many
 * times fuzzfs was called, the mount and components of the last call, the
 * mount statfs answers for and the current directory after chdir.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <ember/errno.h>
#include <ember/vfs.h>

/* Not <stdlib.h>: it defines struct timespec, which <ember/vfs.h> does too. */
_Noreturn void abort(void);

#define CHECK(cond)                                                                          \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, \
				#cond);                                                      \
			abort();                                                             \
		}                                                                            \
	} while (0)

#define MAX_MOUNTS   16 /* VFS_MAX_MOUNTS in kernel/vfs.c */
#define MAX_STRING   (PATH_MAX + 256)
#define MAX_LINES    16
#define WALK_LINK    1 /* fs_walk(): a link to follow at *at */
#define WALK_HOSTILE 2 /* a '!' link: reported outside the path */

/* What kernel/vfs.c takes from the kernel. */
void plat_console_write(const char *buf, size_t len)
{
	(void)buf;
	(void)len;
}

int printk(const char *fmt, ...)
{
	(void)fmt;
	return 0;
}

struct comp {
	const char *s;
	size_t len;
};

static char targets[10][PATH_MAX]; /* of l0..l9 */

/* ---- the filesystem model, shared by fuzzfs and the reference ---- */

static char classify(struct comp c)
{
	if (c.len == 2 && c.s[0] == 'l' && c.s[1] >= '0' && c.s[1] <= '9')
		return 'l';
	return strchr("xf!", c.s[0]) ? c.s[0] : 'd';
}

/*
 * Walks @n components: 0 with the type of the last in *@type ('d', 'f',
 * 'l' for a link not followed), -ENOENT, -ENOTDIR, or WALK_LINK /
 * WALK_HOSTILE for a link at *@at (on the way, or last when @follow).
 */
static int fs_walk(const struct comp *c, unsigned n, bool follow, unsigned *at, char *type)
{
	*type = 'd';
	for (unsigned i = 0; i < n; i++) {
		if (*type != 'd')
			return -ENOTDIR;
		char k = classify(c[i]);
		if (k == 'x')
			return -ENOENT;
		if ((k == 'l' || k == '!') && (follow || i + 1 < n)) {
			*at = i;
			return k == 'l' ? WALK_LINK : WALK_HOSTILE;
		}
		*type = k == '!' ? 'l' : k;
	}
	return 0;
}

/* ---- fuzzfs ---- */

static struct comp fs_comps[2][VFS_MAX_DEPTH];
static char seen[2][2 * PATH_MAX]; /* "mount:comps" of the last call (and its second path) */
static unsigned fs_calls, next_mount_id;

/* "mount:comp/comp", how both sides write down a call. */
static void seen_put(char *out, const char *mount, const struct comp *c, unsigned n)
{
	size_t len = strlen(mount);
	memcpy(out, mount, len);
	out[len++] = ':';
	for (unsigned i = 0; i < n; i++) {
		if (i)
			out[len++] = '/';
		memcpy(out + len, c[i].s, c[i].len);
		len += c[i].len;
	}
	out[len] = '\0';
}

/* Checks what fuzzfs was handed and records it as path @which. */
static const struct comp *record(struct vfs_mount *m, const struct vfs_path *p, unsigned which)
{
	size_t mlen = strnlen(m->path, PATH_MAX);
	CHECK(p->n <= VFS_MAX_DEPTH);
	CHECK(m->path[0] == '/' && mlen < PATH_MAX);
	size_t abs = mlen == 1 ? 0 : mlen;
	for (unsigned i = 0; i < p->n; i++) {
		size_t k = strlen(p->comp[i]);
		CHECK(k >= 1 && k <= NAME_MAX && !memchr(p->comp[i], '/', k));
		CHECK(strcmp(p->comp[i], ".") && strcmp(p->comp[i], ".."));
		fs_comps[which][i] = (struct comp){ p->comp[i], k };
		abs += 1 + k;
	}
	CHECK(abs < PATH_MAX);
	seen_put(seen[which], m->path, fs_comps[which], p->n);
	return fs_comps[which];
}

/* Fills @link for the link at component @at of a path of @n components. */
static int report(int w, const struct comp *c, unsigned n, unsigned at, unsigned which,
		  struct vfs_symlink *link)
{
	link->which = which;
	/* a hostile link is reported at the path's length or past it ("!<digit>": that far) */
	link->at = w == WALK_HOSTILE ? n + (c[at].len > 1 && c[at].s[1] <= '9' && c[at].s[1] >= '0'
						    ? (unsigned)(c[at].s[1] - '0')
						    : 3)
				     : at;
	const char *t = w == WALK_HOSTILE ? "x" : targets[c[at].s[1] - '0'];
	memcpy(link->target, t, strlen(t) + 1);
	return -VFS_ESYMLINK;
}

/* A walk of @p as fuzzfs answers it. */
static int fz_walk(struct vfs_mount *m, const struct vfs_path *p, unsigned upto, bool follow,
		   unsigned which, struct vfs_symlink *link, char *type)
{
	const struct comp *c = record(m, p, which);
	unsigned at;
	int w = fs_walk(c, upto, follow, &at, type);
	return w > 0 ? report(w, c, p->n, at, which, link) : w;
}

static ssize_t fz_read(struct vfs_file *f, void *buf, size_t len, off_t off)
{
	(void)f;
	(void)buf;
	(void)off;
	return (ssize_t)len;
}

static int fz_fstat(struct vfs_file *f, struct stat *st)
{
	(void)f;
	memset(st, 0, sizeof(*st));
	return 0;
}

static const struct vfs_file_ops fz_file_ops = { .read = fz_read, .stat = fz_fstat };

static int fz_mount(struct vfs_mount *m, const char *source, const char *options)
{
	(void)source;
	(void)options;
	m->priv = (void *)(uintptr_t)next_mount_id++;
	return 0;
}

static void fz_unmount(struct vfs_mount *m)
{
	m->priv = NULL;
}

static int fz_open(struct vfs_mount *m, const struct vfs_path *p, int flags, mode_t mode,
		   struct vfs_file *f, struct vfs_symlink *link)
{
	char type;
	(void)mode;
	fs_calls++;
	int err = fz_walk(m, p, p->n, !(flags & O_NOFOLLOW), 0, link, &type);
	if (!err && type == 'l')
		err = -ELOOP;
	if (!err && type != 'd' && (flags & O_DIRECTORY))
		err = -ENOTDIR;
	f->ops = &fz_file_ops;
	return err;
}

static int fz_stat(struct vfs_mount *m, const struct vfs_path *p, bool follow, struct stat *st,
		   struct vfs_symlink *link)
{
	char type;
	fs_calls++;
	int err = fz_walk(m, p, p->n, follow, 0, link, &type);
	memset(st, 0, sizeof(*st));
	st->st_mode = type == 'd' ? S_IFDIR : type == 'f' ? S_IFREG : S_IFLNK;
	return err;
}

/* Walks @from (not following its last link), then the parent of @to. */
static int fz_rename(struct vfs_mount *m, const struct vfs_path *from, const struct vfs_path *to,
		     struct vfs_symlink *link)
{
	char type;
	fs_calls++;
	seen[1][0] = '\0';
	int err = fz_walk(m, from, from->n, false, 0, link, &type);
	err = err ?: fz_walk(m, to, to->n - 1, true, 1, link, &type);
	return !err && type != 'd' ? -ENOTDIR : err;
}

static int fz_statfs(struct vfs_mount *m, struct statfs *st)
{
	memset(st, 0, sizeof(*st));
	st->f_type = (long)(uintptr_t)m->priv;
	return 0;
}

static const struct vfs_fs_ops fuzzfs_ops = {
	.name = "fuzzfs",
	.mount = fz_mount,
	.unmount = fz_unmount,
	.open = fz_open,
	.stat = fz_stat,
	.rename = fz_rename,
	.statfs = fz_statfs,
};

/* The filesystem types kernel/vfs.c sees: [vfs_test_fstypes, vfs_test_fstypes_end). */
const struct vfs_fs_ops *const vfs_test_fstypes[1] = { &fuzzfs_ops };
__asm__(".globl vfs_test_fstypes_end\n\t.set vfs_test_fstypes_end, vfs_test_fstypes + 8");

/* ---- the reference resolver ---- */

/* A normalized absolute path as components; len is the length of its string ("/" is 1). */
struct rpath {
	unsigned n;
	size_t len;
	struct comp c[PATH_MAX / 2 + 1];
};

/* A resolved path: the mount that owns it and where its components below the mount start. */
struct rres {
	struct rpath p;
	int mnt;
	unsigned below;
	bool must_be_dir;
};

static struct {
	char path[PATH_MAX];
	unsigned n; /* components */
	long id;
} ref_mounts[MAX_MOUNTS];
static unsigned ref_nmounts;
static char ref_cwd[PATH_MAX];
static struct rpath scratch;

/* Appends one name, if the path stays shorter than PATH_MAX. */
static int ref_push(struct rpath *p, struct comp c)
{
	if (p->len + 1 + c.len >= PATH_MAX)
		return -ENAMETOOLONG;
	p->len += c.len + (p->n ? 1 : 0);
	p->c[p->n++] = c;
	return 0;
}

/* Appends the components of @s, by the rules: NAME_MAX, "." and "..", shorter than PATH_MAX. */
static int ref_append(struct rpath *p, const char *s)
{
	for (size_t i = 0, j, k; s[i]; i = j) {
		while (s[i] == '/')
			i++;
		for (j = i; s[j] && s[j] != '/'; j++)
			;
		k = j - i;
		if (k > NAME_MAX)
			return -ENAMETOOLONG;
		if (k == 2 && s[i] == '.' && s[i + 1] == '.' && p->n) {
			p->n--;
			p->len -= p->c[p->n].len + (p->n ? 1 : 0);
		} else if (k && !(k == 1 && s[i] == '.') &&
			   !(k == 2 && s[i] == '.' && s[i + 1] == '.')) {
			int err = ref_push(p, (struct comp){ s + i, k });
			if (err)
				return err;
		}
	}
	return 0;
}

static void ref_join(const struct comp *c, unsigned n, char *out)
{
	size_t len = 0;
	out[len++] = '/';
	for (unsigned i = 0; i < n; i++) {
		if (i)
			out[len++] = '/';
		memcpy(out + len, c[i].s, c[i].len);
		len += c[i].len;
	}
	out[len] = '\0';
}

static int ref_normalize(const char *path, struct rpath *p)
{
	p->n = 0;
	p->len = 1;
	if (!*path)
		return -ENOENT;
	if (strnlen(path, PATH_MAX) >= PATH_MAX)
		return -ENAMETOOLONG;
	int err = path[0] == '/' ? 0 : ref_append(p, ref_cwd);
	return err ? err : ref_append(p, path);
}

/* Does mount @m's path start @p? */
static bool ref_mount_prefix(unsigned m, const struct rpath *p)
{
	const char *s = ref_mounts[m].path + 1;
	if (ref_mounts[m].n > p->n)
		return false;
	for (unsigned i = 0; i < ref_mounts[m].n; i++) {
		if (strncmp(s, p->c[i].s, p->c[i].len) || (s[p->c[i].len] && s[p->c[i].len] != '/'))
			return false;
		s += p->c[i].len + 1;
	}
	return true;
}

/* The longest mount whose path starts r->p; its components below it within VFS_MAX_DEPTH. */
static int ref_split(struct rres *r)
{
	r->mnt = -1;
	for (unsigned m = 0; m < ref_nmounts; m++)
		if (ref_mount_prefix(m, &r->p) && (r->mnt < 0 || ref_mounts[m].n > r->below))
			r->below = ref_mounts[r->mnt = (int)m].n;
	if (r->mnt < 0)
		return -ENOENT;
	return r->p.n - r->below > VFS_MAX_DEPTH ? -ENAMETOOLONG : 0;
}

static int ref_resolve(const char *path, struct rres *r)
{
	size_t n = strlen(path);
	r->must_be_dir = n && path[n - 1] == '/';
	int err = ref_normalize(path, &r->p);
	return err ? err : ref_split(r);
}

/*
 * The link at component @at below the mount: the target and the rest
 * (shorter than PATH_MAX together) appended to the link's directory or "/".
 */
static int ref_splice(struct rres *r, unsigned at)
{
	unsigned i = r->below + at;
	const char *t = targets[r->p.c[i].s[1] - '0'];
	size_t raw = strlen(t);
	if (!raw)
		return -ENOENT;
	for (unsigned k = i + 1; k < r->p.n; k++)
		raw += 1 + r->p.c[k].len;
	if (raw >= PATH_MAX)
		return -ENAMETOOLONG;
	struct rpath *q = &scratch;
	q->n = 0;
	q->len = 1;
	int err = 0;
	for (unsigned k = 0; t[0] != '/' && k < i; k++)
		err = err ? err : ref_push(q, r->p.c[k]); /* the link's directory */
	err = err ? err : ref_append(q, t);
	for (unsigned k = i + 1; k < r->p.n; k++)
		err = err ? err : ref_push(q, r->p.c[k]);
	if (err)
		return err;
	r->p.n = q->n;
	r->p.len = q->len;
	memcpy(r->p.c, q->c, q->n * sizeof(q->c[0]));
	return ref_split(r);
}

/* One hop: false to stop with *@err, true once a link was spliced into @r. */
static bool ref_follow(struct rres *r, int w, unsigned at, unsigned *hops, int *err)
{
	*err = w;
	if (w <= 0)
		return false;
	if (++*hops > VFS_MAX_SYMLINKS) {
		*err = -ELOOP;
		return false;
	}
	*err = w == WALK_HOSTILE ? -EIO : ref_splice(r, at);
	return *err == 0;
}

/* ---- predictions of each call ---- */

static char ref_seen[2][2 * PATH_MAX];

/* One fuzzfs call on @r (as path @which): what fuzzfs will record. */
static const struct comp *ref_note(const struct rres *r, unsigned which)
{
	seen_put(ref_seen[which], ref_mounts[r->mnt].path, r->p.c + r->below, r->p.n - r->below);
	return r->p.c + r->below;
}

/* A one-path call: walks @r until no link is left; *@calls counts fuzzfs calls. */
static int ref_walk(struct rres *r, bool follow, unsigned *calls, char *type)
{
	unsigned hops = 0, at;
	int err;
	do {
		(*calls)++;
		err = fs_walk(ref_note(r, 0), r->p.n - r->below, follow, &at, type);
	} while (ref_follow(r, err, at, &hops, &err));
	return err;
}

/* stat: the last link followed when @follow or the path ends in '/'. */
static int ref_stat(const char *path, bool follow, struct rres *r, unsigned *calls, char *type)
{
	int err = ref_resolve(path, r);
	err = err ? err : ref_walk(r, follow || r->must_be_dir, calls, type);
	return !err && r->must_be_dir && *type != 'd' ? -ENOTDIR : err;
}

static int ref_open(const char *path, int flags, unsigned *calls)
{
	static struct rres r;
	char type;
	int err = ref_resolve(path, &r);
	if (!err && r.must_be_dir)
		flags |= O_DIRECTORY;
	err = err ? err : ref_walk(&r, !(flags & O_NOFOLLOW), calls, &type);
	if (!err && type == 'l')
		err = -ELOOP;
	if (!err && type != 'd' && (flags & O_DIRECTORY))
		err = -ENOTDIR;
	return err;
}

/* rename: both paths in one mount, links in either followed (one count of hops). */
static int ref_rename(const char *from, const char *to, unsigned *calls)
{
	static struct rres a, b;
	int err = ref_resolve(from, &a);
	err = err ? err : ref_resolve(to, &b);
	if (!err && a.mnt != b.mnt)
		err = -EXDEV;
	for (unsigned hops = 0, at; !err;) {
		if (b.p.n == b.below || a.p.n == a.below)
			return -EBUSY; /* a mount's root */
		(*calls)++;
		ref_seen[1][0] = '\0';
		char type;
		struct rres *in = &a;
		int w = fs_walk(ref_note(&a, 0), a.p.n - a.below, false, &at, &type);
		if (!w) {
			in = &b;
			w = fs_walk(ref_note(&b, 1), b.p.n - b.below - 1, true, &at, &type);
			if (!w)
				return type != 'd' ? -ENOTDIR : 0;
		}
		if (!ref_follow(in, w, at, &hops, &err))
			return err;
		if (a.mnt != b.mnt)
			err = -EXDEV;
	}
	return err;
}

static int ref_mount(const char *target, unsigned *calls)
{
	static struct rres r, s;
	static char abs[PATH_MAX];
	int err = ref_normalize(target, &r.p);
	if (err)
		return err;
	ref_join(r.p.c, r.p.n, abs);
	char type;
	if (r.p.n && (err = ref_stat(abs, true, &s, calls, &type)) == 0 && type != 'd')
		err = -ENOTDIR;
	for (unsigned m = 0; !err && m < ref_nmounts; m++)
		if (!strcmp(ref_mounts[m].path, abs))
			err = -EBUSY;
	if (err || ref_nmounts == MAX_MOUNTS)
		return err ? err : -EBUSY;
	memcpy(ref_mounts[ref_nmounts].path, abs, strlen(abs) + 1);
	ref_mounts[ref_nmounts].n = r.p.n;
	ref_mounts[ref_nmounts++].id = next_mount_id; /* what fz_mount will hand out */
	return 0;
}

static int ref_umount(const char *target)
{
	static struct rpath p;
	static char abs[PATH_MAX];
	int err = ref_normalize(target, &p);
	if (err)
		return err;
	ref_join(p.c, p.n, abs);
	unsigned m = 0;
	while (m < ref_nmounts && strcmp(ref_mounts[m].path, abs))
		m++;
	if (m == ref_nmounts)
		return -EINVAL;
	size_t n = strlen(abs);
	for (unsigned o = 0; o < ref_nmounts; o++)
		if (o != m && (n == 1 || (!strncmp(ref_mounts[o].path, abs, n) &&
					  ref_mounts[o].path[n] == '/')))
			return -EBUSY; /* a mount below it */
	ref_mounts[m] = ref_mounts[--ref_nmounts];
	return 0;
}

static int ref_chdir(const char *path, unsigned *calls)
{
	static struct rres r;
	static char cwd[PATH_MAX];
	char type;
	int err = ref_stat(path, true, &r, calls, &type);
	if (!err && type != 'd')
		err = -ENOTDIR;
	if (!err) {
		ref_join(r.p.c, r.p.n, cwd);
		memcpy(ref_cwd, cwd, strlen(cwd) + 1);
	}
	return err;
}

/* ---- the calls ---- */

static char arg1[MAX_STRING], arg2[MAX_STRING];

/* Copies @n bytes of @s into @out, expanding 0x01 N C into 16*N copies of C. */
static void expand(const uint8_t *s, size_t n, char *out)
{
	size_t len = 0;
	for (size_t i = 0; i < n && len < MAX_STRING - 1; i++) {
		if (s[i] == 1 && i + 2 < n) {
			for (size_t k = (size_t)s[i + 1] * 16; k-- && len < MAX_STRING - 1;)
				out[len++] = (char)s[i + 2];
			i += 2;
		} else {
			out[len++] = (char)s[i];
		}
	}
	out[len] = '\0';
}

static int type_mode(char type)
{
	return type == 'd' ? S_IFDIR : type == 'f' ? S_IFREG : S_IFLNK;
}

static void check_stat(bool follow)
{
	static struct rres r;
	struct stat st;
	unsigned calls = 0;
	char type = 0;
	int want = ref_stat(arg1, follow, &r, &calls, &type);
	int got = follow ? vfs_stat(arg1, &st) : vfs_lstat(arg1, &st);
	CHECK(got == want);
	CHECK(fs_calls == calls);
	CHECK(!got ? (int)(st.st_mode & S_IFMT) == type_mode(type) : true);
}

static void check_statfs(void)
{
	static struct rres r;
	struct statfs st;
	unsigned calls = 0;
	char type;
	int want = ref_stat(arg1, true, &r, &calls, &type);
	int got = vfs_statfs(arg1, &st);
	CHECK(got == want);
	CHECK(fs_calls == calls);
	CHECK(!got ? st.f_type == ref_mounts[r.mnt].id : true);
}

static void check_open(int flags)
{
	unsigned calls = 0;
	int want = ref_open(arg1, flags, &calls);
	int fd = vfs_open(arg1, flags, 0);
	CHECK(fd == want || (!want && fd >= 3));
	CHECK(fs_calls == calls);
	if (fd >= 0)
		CHECK(vfs_close(fd) == 0);
}

static void check_chdir(void)
{
	static char cwd[PATH_MAX];
	unsigned calls = 0;
	int want = ref_chdir(arg1, &calls);
	CHECK(vfs_chdir(arg1) == want);
	CHECK(fs_calls == calls);
	CHECK(vfs_getcwd(cwd, sizeof(cwd)) == (ssize_t)strlen(ref_cwd));
	CHECK(!strcmp(cwd, ref_cwd));
}

static void check_mount(void)
{
	unsigned calls = 0;
	int want = ref_mount(arg1, &calls); /* first: it notes the id fz_mount hands out */
	CHECK(vfs_mount("", arg1, "fuzzfs", NULL) == want);
	CHECK(fs_calls == calls);
}

/* Runs one input line. */
static void run_line(const uint8_t *s, size_t n)
{
	unsigned calls = 0;
	const uint8_t *tab;
	fs_calls = 0;
	seen[0][0] = seen[1][0] = ref_seen[0][0] = ref_seen[1][0] = '\0';
	if (n < 2)
		return;
	switch (s[0]) {
	case 'L':
		if (s[1] >= '0' && s[1] <= '9') {
			expand(s + 2, n - 2, arg1);
			snprintf(targets[s[1] - '0'], PATH_MAX, "%s", arg1);
		}
		return;
	case 'O':
		expand(s + 2, n - 2, arg1);
		check_open((s[1] & 1 ? O_NOFOLLOW : 0) | (s[1] & 2 ? O_DIRECTORY : 0));
		break;
	case 'R':
		tab = memchr(s, '\t', n);
		if (!tab)
			return;
		expand(s + 1, (size_t)(tab - s) - 1, arg1);
		expand(tab + 1, n - (size_t)(tab - s) - 1, arg2);
		CHECK(vfs_rename(arg1, arg2) == ref_rename(arg1, arg2, &calls));
		CHECK(fs_calls == calls);
		break;
	default:
		expand(s + 1, n - 1, arg1);
		if (s[0] == 'S' || s[0] == 's')
			check_stat(s[0] == 'S');
		else if (s[0] == 'F')
			check_statfs();
		else if (s[0] == 'C')
			check_chdir();
		else if (s[0] == 'M')
			check_mount();
		else if (s[0] == 'U')
			CHECK(vfs_umount(arg1) == ref_umount(arg1));
		else
			return;
	}
	/* the last call fuzzfs saw is the one predicted */
	CHECK(!strcmp(seen[0], ref_seen[0]) && !strcmp(seen[1], ref_seen[1]));
	for (unsigned m = 0; m < ref_nmounts; m++) {
		struct vfs_mount *vm = vfs_mount_at(ref_mounts[m].path);
		CHECK(vm && vm->calls == 0 && vm->open_files == 0);
	}
}

/* Back to "/" as the cwd and nothing mounted. */
static void reset(void)
{
	bool root = false;
	for (unsigned m = 0; m < ref_nmounts; m++)
		root |= ref_mounts[m].n == 0;
	if (!root)
		CHECK(vfs_mount("", "/", "fuzzfs", NULL) == 0 &&
		      ref_mount("/", &(unsigned){ 0 }) == 0);
	CHECK(vfs_chdir("/") == 0);
	while (ref_nmounts) {
		unsigned deepest = 0;
		for (unsigned m = 1; m < ref_nmounts; m++)
			if (ref_mounts[m].n > ref_mounts[deepest].n)
				deepest = m;
		CHECK(vfs_umount(ref_mounts[deepest].path) == 0);
		ref_mounts[deepest] = ref_mounts[--ref_nmounts];
	}
	memset(targets, 0, sizeof(targets));
	memcpy(ref_cwd, "/", 2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	memcpy(ref_cwd, "/", 2);
	CHECK(ref_mount("/", &(unsigned){ 0 }) == 0 && vfs_mount("", "/", "fuzzfs", NULL) == 0);
	const uint8_t *end = data + size;
	for (unsigned lines = 0; data < end && lines < MAX_LINES; lines++) {
		const uint8_t *nl = memchr(data, '\n', (size_t)(end - data));
		size_t n = nl ? (size_t)(nl - data) : (size_t)(end - data);
		run_line(data, n);
		data += n + (nl != NULL);
	}
	reset();
	return 0;
}
