// SPDX-License-Identifier: MIT
/*
 * Host tests for kernel/vfs.c: path resolution, fds and mounts, on "treefs",
 * a fake filesystem type whose namespace is a table of nodes per mount
 * (directories, files, symlinks, and a few that misbehave as a hostile
 * filesystem would).
 *
 * treefs records the mount and components of the last path it was handed
 * ("/mnt:a/b"), so a test states exactly what the VFS asked for: how a path
 * was normalized, which mount owns it, what a symlink splice produced. The
 * limits are probed at their edges (PATH_MAX, NAME_MAX, VFS_MAX_DEPTH,
 * VFS_MAX_SYMLINKS hops). After every test all mounts must unmount, so a
 * call that kept its pin on a mount (or a file open) fails the test.
 *
 * The harness provides what kernel/vfs.c takes from the kernel: the console
 * write, printk, and the table of filesystem types (the linker's
 * __fstypes_start/__fstypes_end, renamed with -D in unit.mk).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <ember/errno.h>
#include <ember/heap.h>
#include <ember/vfs.h>

/* ---- what the kernel provides ---- */

static char console[64];
static size_t console_len;

void plat_console_write(const char *buf, size_t len)
{
	size_t n = len < sizeof(console) - console_len ? len : sizeof(console) - console_len;
	memcpy(console + console_len, buf, n);
	console_len += n;
}

int printk(const char *fmt, ...)
{
	(void)fmt;
	return 0;
}

/* ---- treefs ---- */

/*
 * Node types: 'd' directory, 'f' file (size 42), 'z' file whose size is
 * negative, 'l' symlink to target; hostile: 'A' a link reported at a
 * position past the path, 'N' a link whose target fills the buffer with no
 * NUL, 'W' a link reported in a third path of a two-path call.
 */
struct node {
	const char *path;
	char type;
	const char *target;
};

struct tree {
	const char *name;
	const struct node *nodes;
	bool permissive; /* a name not in nodes is a directory, not missing */
	long f_type;	 /* statfs answers it */
};

#define MAX_NODES 64

static struct node dyn_nodes[MAX_NODES]; /* for trees a test builds */
static char seen[PATH_MAX + 64];	 /* "mount:comps" of the last path handed over */
static bool seen_dir;			 /* its must_be_dir */
static unsigned closes;

static const struct node *find(const struct tree *t, const char *path)
{
	for (const struct node *n = t->nodes; n && n->path; n++)
		if (!strcmp(n->path, path))
			return n;
	return NULL;
}

static void record(struct vfs_mount *m, const struct vfs_path *p)
{
	size_t len = (size_t)snprintf(seen, sizeof(seen), "%s:", m->path);
	for (unsigned i = 0; i < p->n; i++)
		len += (size_t)snprintf(seen + len, sizeof(seen) - len, "%s%s", i ? "/" : "",
					p->comp[i]);
	seen_dir = p->must_be_dir;
}

static int report_link(const struct node *n, unsigned at, unsigned which, struct vfs_symlink *link)
{
	link->at = n->type == 'A' ? at + 5 : at;
	link->which = n->type == 'W' ? 7 : which;
	if (n->type == 'N')
		memset(link->target, 'a', sizeof(link->target));
	else
		snprintf(link->target, sizeof(link->target), "%s", n->target);
	return -VFS_ESYMLINK;
}

/*
 * Walks the first @upto components of @p: 0 with the type of the last (the
 * root is 'd'), -ENOENT, -ENOTDIR, or a link to follow (always on the way,
 * the last one when @follow).
 */
static int walk(struct vfs_mount *m, const struct vfs_path *p, unsigned upto, bool follow,
		unsigned which, struct vfs_symlink *link, char *type)
{
	static const struct node any_dir = { "", 'd', NULL };
	const struct tree *t = m->priv;
	char path[PATH_MAX] = "";
	size_t len = 0;
	*type = 'd';
	for (unsigned i = 0; i < upto; i++) {
		if (*type != 'd')
			return -ENOTDIR;
		len += (size_t)snprintf(path + len, sizeof(path) - len, "%s%s", i ? "/" : "",
					p->comp[i]);
		const struct node *n = find(t, path);
		if (!n && t->permissive)
			n = &any_dir;
		if (!n)
			return -ENOENT;
		*type = n->type;
		if (strchr("lANW", n->type) && (follow || i + 1 < upto))
			return report_link(n, i, which, link);
	}
	return 0;
}

static void fill_stat(struct stat *st, char type)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = type == 'd'		   ? S_IFDIR | 0755
		      : type == 'f' || type == 'z' ? S_IFREG | 0644
						   : S_IFLNK | 0777;
	st->st_size = type == 'f' ? 42 : type == 'z' ? -1 : 0;
}

static ssize_t tf_read(struct vfs_file *f, void *buf, size_t len, off_t off)
{
	(void)f;
	(void)off;
	memset(buf, 'x', len);
	return (ssize_t)len;
}

static ssize_t tf_write(struct vfs_file *f, const void *buf, size_t len, off_t off)
{
	(void)f;
	(void)buf;
	(void)off;
	return (ssize_t)len;
}

static int tf_fstat(struct vfs_file *f, struct stat *st)
{
	fill_stat(st, (char)(uintptr_t)f->priv);
	return 0;
}

static ssize_t tf_getdents(struct vfs_file *f, void *buf, size_t len)
{
	(void)f;
	(void)buf;
	(void)len;
	return 0;
}

static void tf_close(struct vfs_file *f)
{
	(void)f;
	closes++;
}

static const struct vfs_file_ops file_ops = {
	.read = tf_read, .write = tf_write, .stat = tf_fstat, .close = tf_close
};
static const struct vfs_file_ops dir_ops = { .stat = tf_fstat,
					     .getdents = tf_getdents,
					     .close = tf_close };

static const struct node root_nodes[] = {
	{ "d", 'd', NULL },	      { "d/f", 'f', NULL },
	{ "d/sub", 'd', NULL },	      { "d/rel", 'l', "f" },
	{ "d/abs", 'l', "/d/f" },     { "d/up", 'l', "../d" },
	{ "d/loop", 'l', "loop" },    { "d/empty", 'l', "" },
	{ "d/tomnt", 'l', "/mnt/x" }, { "d/dotdot", 'l', "sub/.." },
	{ "rl", 'l', "d" },	      { "mnt", 'd', NULL },
	{ "file", 'f', NULL },	      { "neg", 'z', NULL },
	{ "badat", 'A', "d" },	      { "nonul", 'N', NULL },
	{ "badwhich", 'W', "d" },     { NULL, 0, NULL },
};

static const struct node mnt_nodes[] = {
	{ "x", 'd', NULL },  { "x/y", 'f', NULL }, { "back", 'l', "/d" },
	{ "lnk", 'l', "x" }, { "sub", 'd', NULL }, { NULL, 0, NULL },
};

static const struct tree trees[] = {
	{ "root", root_nodes, false, 1 },
	{ "mnt", mnt_nodes, false, 2 },
	{ "any", NULL, true, 3 },
	{ "dyn", dyn_nodes, true, 4 },
};

static int tf_mount(struct vfs_mount *m, const char *source, const char *options)
{
	(void)options;
	for (size_t i = 0; i < sizeof(trees) / sizeof(trees[0]); i++) {
		if (!strcmp(trees[i].name, source)) {
			m->priv = (void *)&trees[i];
			return 0;
		}
	}
	return -ENODEV;
}

static void tf_unmount(struct vfs_mount *m)
{
	m->priv = NULL;
}

static int tf_open(struct vfs_mount *m, const struct vfs_path *p, int flags, mode_t mode,
		   struct vfs_file *f, struct vfs_symlink *link)
{
	char type;
	(void)mode;
	record(m, p);
	int err = walk(m, p, p->n, !(flags & O_NOFOLLOW), 0, link, &type);
	if (!err && type != 'd' && (flags & O_DIRECTORY))
		err = -ENOTDIR;
	if (!err && type == 'l')
		err = -ELOOP;
	if (err)
		return err;
	f->ops = type == 'd' ? &dir_ops : &file_ops;
	f->priv = (void *)(uintptr_t)type;
	return 0;
}

static int tf_stat(struct vfs_mount *m, const struct vfs_path *p, bool follow, struct stat *st,
		   struct vfs_symlink *link)
{
	char type;
	record(m, p);
	int err = walk(m, p, p->n, follow, 0, link, &type);
	if (!err)
		fill_stat(st, type);
	return err;
}

static int tf_parent(struct vfs_mount *m, const struct vfs_path *p, unsigned which,
		     struct vfs_symlink *link)
{
	char type;
	int err = walk(m, p, p->n - 1, true, which, link, &type);
	return !err && type != 'd' ? -ENOTDIR : err;
}

static int tf_mkdir(struct vfs_mount *m, const struct vfs_path *p, mode_t mode,
		    struct vfs_symlink *link)
{
	(void)mode;
	record(m, p);
	return tf_parent(m, p, 0, link);
}

static int tf_unlink(struct vfs_mount *m, const struct vfs_path *p, bool dir,
		     struct vfs_symlink *link)
{
	(void)dir;
	record(m, p);
	return tf_parent(m, p, 0, link);
}

static char seen2[PATH_MAX + 64]; /* the second path of rename and link */

static int tf_two(struct vfs_mount *m, const struct vfs_path *from, const struct vfs_path *to,
		  struct vfs_symlink *link)
{
	char type;
	record(m, to);
	memcpy(seen2, seen, sizeof(seen));
	record(m, from);
	int err = walk(m, from, from->n, false, 0, link, &type);
	return err ? err : tf_parent(m, to, 1, link);
}

static int tf_setattr(struct vfs_mount *m, const struct vfs_path *p, bool follow,
		      const struct vfs_attr *a, struct vfs_symlink *link)
{
	char type;
	(void)a;
	record(m, p);
	return walk(m, p, p->n, follow, 0, link, &type);
}

static int tf_readlink(struct vfs_mount *m, const struct vfs_path *p, char *buf, size_t size,
		       struct vfs_symlink *link)
{
	char type;
	record(m, p);
	int err = walk(m, p, p->n, false, 0, link, &type);
	if (err)
		return err;
	char path[PATH_MAX];
	size_t len = 0;
	for (unsigned i = 0; i < p->n; i++)
		len += (size_t)snprintf(path + len, sizeof(path) - len, "%s%s", i ? "/" : "",
					p->comp[i]);
	const struct node *n = find(m->priv, path);
	if (!n || n->type != 'l')
		return -EINVAL;
	size_t t = strlen(n->target);
	memcpy(buf, n->target, t < size ? t : size);
	return (int)(t < size ? t : size);
}

static int tf_symlink(struct vfs_mount *m, const char *target, const struct vfs_path *p,
		      struct vfs_symlink *link)
{
	(void)target;
	record(m, p);
	return tf_parent(m, p, 0, link);
}

static int tf_statfs(struct vfs_mount *m, struct statfs *st)
{
	memset(st, 0, sizeof(*st));
	st->f_type = ((const struct tree *)m->priv)->f_type;
	return 0;
}

static const struct vfs_fs_ops treefs_ops = {
	.name = "treefs",
	.mount = tf_mount,
	.unmount = tf_unmount,
	.open = tf_open,
	.stat = tf_stat,
	.mkdir = tf_mkdir,
	.unlink = tf_unlink,
	.rename = tf_two,
	.setattr = tf_setattr,
	.readlink = tf_readlink,
	.symlink = tf_symlink,
	.link = tf_two,
	.statfs = tf_statfs,
};

/* The filesystem types kernel/vfs.c sees: [vfs_test_fstypes, vfs_test_fstypes_end). */
const struct vfs_fs_ops *const vfs_test_fstypes[1] = { &treefs_ops };
__asm__(".globl vfs_test_fstypes_end\n\t.set vfs_test_fstypes_end, vfs_test_fstypes + 8");

/* ---- helpers ---- */

static const char *mounted[20];
static unsigned nmounted;

static void mount_ok(const char *tree, const char *at)
{
	assert_int_equal(vfs_mount(tree, at, "treefs", NULL), 0);
	mounted[nmounted++] = at;
}

/* Everything a test left is closed and unmounted; then it must have left nothing. */
static int teardown(void **state)
{
	(void)state;
	int left_open = 0;
	for (int fd = 3; fd < VFS_MAX_FDS; fd++)
		left_open += vfs_close(fd) == 0;
	if (nmounted)
		vfs_chdir("/");
	int busy = 0;
	while (nmounted) {
		const char *at = mounted[--nmounted];
		struct vfs_mount *m = vfs_mount_at(at);
		busy += !m || m->calls != 0 || vfs_umount(at) != 0;
	}
	memset(dyn_nodes, 0, sizeof(dyn_nodes));
	assert_int_equal(left_open, 0);
	assert_int_equal(busy, 0); /* a pin or an open file leaked */
	return 0;
}

static int stat_type(const char *path, bool follow)
{
	struct stat st;
	int err = follow ? vfs_stat(path, &st) : vfs_lstat(path, &st);
	return err ? err : (int)(st.st_mode & S_IFMT);
}

/* @path stats to @type (an S_IF* or -errno) and treefs was handed @want. */
#define assert_stat(path, type, want)                            \
	do {                                                     \
		const char *want_ = (want);                      \
		seen[0] = '\0';                                  \
		assert_int_equal(stat_type(path, true), (type)); \
		if (want_)                                       \
			assert_string_equal(seen, want_);        \
	} while (0)

/* A path "/ccc/ccc/..." of exactly @len bytes, components at most @comp bytes. */
static char *make_path(char *buf, size_t len, size_t comp, char c)
{
	size_t i = 0;
	while (i < len) {
		buf[i++] = '/';
		size_t n = len - i < comp ? len - i : comp;
		if (len - i - n == 1)
			n--; /* no component of nothing at the end */
		memset(buf + i, c, n);
		i += n;
	}
	buf[len] = '\0';
	return buf;
}

/* ---- normalization and mounts ---- */

static void test_normalization(void **state)
{
	static const struct {
		const char *path, *seen;
	} cases[] = {
		{ "/", "/:" },
		{ "//a///b", "/:a/b" },
		{ "/a/./b/../c", "/:a/c" },
		{ "/a/b/../../..", "/:" },
		{ "/../a", "/:a" },
		{ "/a/.../b", "/:a/.../b" },
		{ "/a/..b/.c", "/:a/..b/.c" },
		{ "a/b", "/:a/b" },
	};
	(void)state;
	mount_ok("any", "/");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_stat(cases[i].path, S_IFDIR, cases[i].seen);
	assert_false(seen_dir);
	assert_stat("/a/", S_IFDIR, "/:a");
	assert_true(seen_dir);
	assert_int_equal(vfs_chdir("/x/y"), 0);
	assert_stat("a", S_IFDIR, "/:x/y/a");
	assert_stat("..", S_IFDIR, "/:x");
	assert_stat("../../..", S_IFDIR, "/:");
	assert_stat(".", S_IFDIR, "/:x/y");
	assert_stat("/abs", S_IFDIR, "/:abs");
}

static void test_empty_null_and_nothing_mounted(void **state)
{
	struct stat st;
	(void)state;
	assert_int_equal(vfs_stat("/a", &st), -ENOENT); /* nothing mounted, not even "/" */
	mount_ok("root", "/");
	assert_int_equal(vfs_stat("", &st), -ENOENT);
	assert_int_equal(vfs_stat(NULL, &st), -EFAULT);
	assert_int_equal(vfs_open(NULL, O_RDONLY, 0), -EFAULT);
	assert_stat("/nowhere", -ENOENT, "/:nowhere");
	assert_stat("/file/x", -ENOTDIR, NULL);
	assert_stat("/file/", -ENOTDIR, NULL);
	assert_int_equal(vfs_open("/file/", O_RDONLY, 0), -ENOTDIR);
	assert_int_equal(vfs_open("/d/f", O_RDONLY | O_DIRECTORY, 0), -ENOTDIR);
}

static void test_longest_mount_prefix_owns_a_path(void **state)
{
	static const struct {
		const char *path, *seen;
	} cases[] = {
		{ "/mnt/x", "/mnt:x" },
		{ "/mntx/y", "/:mntx/y" },
		{ "/mnt", "/mnt:" },
		{ "/mnt/", "/mnt:" },
		{ "/m", "/:m" },
		{ "/mnt/sub/z", "/mnt/sub:z" },
		{ "/mnt/subx", "/mnt:subx" },
		{ "/mnt/sub/..", "/mnt:" },
		{ "/mnt/../mnt/sub", "/mnt/sub:" },
	};
	(void)state;
	mount_ok("any", "/");
	mount_ok("any", "/mnt");
	mount_ok("any", "/mnt/sub");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_stat(cases[i].path, S_IFDIR, cases[i].seen);
	assert_int_equal(vfs_umount("/mnt"), -EBUSY); /* /mnt/sub lies below */
	assert_int_equal(vfs_umount("/"), -EBUSY);
}

static void test_path_limits(void **state)
{
	static char path[PATH_MAX + 600], want[2 * PATH_MAX];
	(void)state;
	mount_ok("any", "/");
	/* the longest path: PATH_MAX - 1 bytes */
	make_path(path, PATH_MAX - 1, NAME_MAX, 'a');
	snprintf(want, sizeof(want), "/:%s", path + 1);
	assert_stat(path, S_IFDIR, want);
	make_path(path, PATH_MAX, NAME_MAX, 'a');
	assert_stat(path, -ENAMETOOLONG, NULL);
	/* a long spelling of a short path is still too long */
	for (size_t i = 0; i < PATH_MAX; i += 2)
		memcpy(path + i, "/.", 2);
	path[PATH_MAX] = '\0';
	assert_stat(path, -ENAMETOOLONG, NULL);
	path[PATH_MAX - 2] = '\0';
	assert_stat(path, S_IFDIR, "/:");
	/* names: NAME_MAX bytes, even when ".." would fold them away */
	make_path(path, 1 + NAME_MAX, NAME_MAX + 1, 'n');
	assert_stat(path, S_IFDIR, NULL);
	make_path(path, 1 + NAME_MAX + 1, NAME_MAX + 1, 'n');
	assert_stat(path, -ENAMETOOLONG, NULL);
	strcat(path, "/..");
	assert_stat(path, -ENAMETOOLONG, NULL);
	/* depth: VFS_MAX_DEPTH components below the mount */
	make_path(path, 2 * VFS_MAX_DEPTH, 1, 'a');
	assert_stat(path, S_IFDIR, NULL);
	make_path(path, 2 * (VFS_MAX_DEPTH + 1), 1, 'a');
	assert_stat(path, -ENAMETOOLONG, NULL);
	/* the current directory counts towards PATH_MAX */
	make_path(path, 3000, NAME_MAX, 'c');
	assert_int_equal(vfs_chdir(path), 0);
	make_path(path, 1095, NAME_MAX, 'r');
	assert_stat(path + 1, S_IFDIR, NULL); /* 3000 + 1095 */
	make_path(path, 1096, NAME_MAX, 'r');
	assert_stat(path + 1, -ENAMETOOLONG, NULL);
}

/* ---- symlinks ---- */

static void test_symlinks(void **state)
{
	(void)state;
	mount_ok("root", "/");
	mount_ok("mnt", "/mnt");
	assert_stat("/d/rel", S_IFREG, "/:d/f");
	assert_int_equal(stat_type("/d/rel", false), S_IFLNK);
	assert_string_equal(seen, "/:d/rel");
	assert_stat("/d/abs", S_IFREG, "/:d/f");
	assert_stat("/d/up/f", S_IFREG, "/:d/f");
	assert_stat("/d/rel/..", S_IFDIR, "/:d"); /* lexical: the link is never looked at */
	assert_stat("/d/dotdot", S_IFDIR, "/:d");
	assert_stat("/rl/f", S_IFREG, "/:d/f"); /* relative, from the root */
	assert_stat("/d/abs/x", -ENOTDIR, NULL);
	assert_stat("/d/loop", -ELOOP, NULL);
	assert_stat("/d/empty", -ENOENT, NULL);
	/* across mounts, both ways; relative from a mount's root */
	assert_stat("/d/tomnt/y", S_IFREG, "/mnt:x/y");
	assert_stat("/mnt/back/f", S_IFREG, "/:d/f");
	assert_stat("/mnt/lnk/y", S_IFREG, "/mnt:x/y");
	/* open follows the last link unless O_NOFOLLOW */
	assert_int_equal(vfs_open("/d/rel", O_RDONLY | O_NOFOLLOW, 0), -ELOOP);
	int fd = vfs_open("/d/rel", O_RDONLY, 0);
	assert_true(fd >= 3);
	assert_int_equal(vfs_close(fd), 0);
	char buf[8];
	assert_int_equal(vfs_readlink("/d/rel", buf, sizeof(buf)), 1);
	assert_int_equal(buf[0], 'f');
	assert_int_equal(vfs_readlink("/d/up/rel", buf, sizeof(buf)), 1);
	assert_string_equal(seen, "/:d/rel");
}

static void test_hostile_links(void **state)
{
	(void)state;
	mount_ok("root", "/");
	assert_stat("/badat", -EIO, NULL);			   /* a position past the path */
	assert_stat("/nonul", -ENAMETOOLONG, NULL);		   /* a target with no end */
	assert_int_equal(vfs_rename("/d/f", "/badwhich/x"), -EIO); /* in neither path */
}

static void test_symlink_hops(void **state)
{
	static char names[42][8], targets[42][8];
	(void)state;
	for (int i = 0; i <= VFS_MAX_SYMLINKS; i++) {
		snprintf(names[i], sizeof(names[i]), "l%d", i);
		snprintf(targets[i], sizeof(targets[i]), "l%d", i + 1);
		dyn_nodes[i] = (struct node){ names[i], 'l', targets[i] };
	}
	dyn_nodes[VFS_MAX_SYMLINKS].target = "/end";
	mount_ok("dyn", "/");
	assert_stat("/l1", S_IFDIR, "/:end"); /* VFS_MAX_SYMLINKS hops */
	assert_stat("/l0", -ELOOP, NULL);
}

/*
 * A link's target and the rest of the path after it must be shorter than
 * PATH_MAX together, however short they normalize to; and what they
 * normalize to, with the link's directory before a relative target, too.
 */
static void test_link_target_and_rest(void **state)
{
	static char target[PATH_MAX], rel[PATH_MAX], path[PATH_MAX], want[2 * PATH_MAX];
	(void)state;
	make_path(target, 2900, NAME_MAX, 't');
	for (int i = 0; i < 200; i++)
		strcat(target, "/a/.."); /* 3900 bytes that normalize to 2900 */
	make_path(rel, 3900, NAME_MAX, 'r');
	dyn_nodes[0] = (struct node){ "big", 'l', target };
	dyn_nodes[1] = (struct node){ "dd/rel", 'l', rel + 1 };
	mount_ok("dyn", "/");
	snprintf(path, sizeof(path), "/big/%0194d", 0);
	snprintf(want, sizeof(want), "/:%.2899s/%0194d", target + 1, 0);
	assert_stat(path, S_IFDIR, want); /* 3900 + 1 + 194 */
	snprintf(path, sizeof(path), "/big/%0195d", 0);
	assert_stat(path, -ENAMETOOLONG, NULL);
	snprintf(path, sizeof(path), "/dd/rel/%0191d", 0);
	snprintf(want, sizeof(want), "/:dd/%s/%0191d", rel + 1, 0);
	assert_stat(path, S_IFDIR, want); /* "/dd/" + 3899 + 1 + 191 */
	snprintf(path, sizeof(path), "/dd/rel/%0192d", 0);
	assert_stat(path, -ENAMETOOLONG, NULL);
}

/* ---- two paths, cwd ---- */

static void test_rename_and_link(void **state)
{
	(void)state;
	mount_ok("root", "/");
	mount_ok("mnt", "/mnt");
	assert_int_equal(vfs_rename("/d/f", "/d/g"), 0);
	assert_string_equal(seen, "/:d/f");
	assert_string_equal(seen2, "/:d/g");
	assert_int_equal(vfs_rename("/d/f", "/d/up/g"), 0); /* a link in the second path */
	assert_string_equal(seen2, "/:d/g");
	assert_int_equal(vfs_link("/rl/f", "/d/h"), 0); /* and in the first */
	assert_string_equal(seen, "/:d/f");
	assert_int_equal(vfs_rename("/d/f", "/mnt/x/g"), -EXDEV);
	assert_int_equal(vfs_rename("/d/f", "/d/tomnt/g"), -EXDEV); /* a link into another mount */
	assert_int_equal(vfs_rename("/mnt", "/mnt/x/z"), -EBUSY);   /* a mount's root */
	assert_int_equal(vfs_rename("/mnt/x/y", "/mnt"), -EBUSY);
	assert_int_equal(vfs_link("/mnt/x/y", "/mnt"), -EEXIST);
	assert_int_equal(vfs_rename("/d/f", "/nowhere/g"), -ENOENT);
	assert_int_equal(vfs_rename("", "/d/g"), -ENOENT);
	assert_int_equal(vfs_rename("/d/f", ""), -ENOENT);
}

static void test_chdir_and_getcwd(void **state)
{
	char buf[16];
	(void)state;
	mount_ok("root", "/");
	mount_ok("mnt", "/mnt");
	assert_int_equal(vfs_chdir("/d/up"), 0);
	assert_int_equal(vfs_getcwd(buf, sizeof(buf)), 2);
	assert_string_equal(buf, "/d"); /* the link resolved */
	assert_stat("f", S_IFREG, "/:d/f");
	assert_int_equal(vfs_chdir("/d/f"), -ENOTDIR);
	assert_int_equal(vfs_chdir("/nowhere"), -ENOENT);
	assert_int_equal(vfs_chdir("f/"), -ENOTDIR);
	assert_int_equal(vfs_getcwd(buf, sizeof(buf)), 2);
	assert_int_equal(vfs_chdir("../mnt/x"), 0);
	assert_int_equal(vfs_getcwd(buf, 6), -ERANGE);
	assert_int_equal(vfs_getcwd(buf, 7), 6);
	assert_string_equal(buf, "/mnt/x");
	assert_stat("y", S_IFREG, "/mnt:x/y");
	assert_int_equal(vfs_chdir("/mnt"), 0);
	assert_int_equal(vfs_getcwd(buf, sizeof(buf)), 4);
	assert_int_equal(vfs_chdir("/"), 0);
	assert_int_equal(vfs_getcwd(buf, sizeof(buf)), 1);
}

/* ---- fds ---- */

static void test_fds(void **state)
{
	char buf[8];
	struct stat st;
	(void)state;
	mount_ok("root", "/");
	assert_int_equal(vfs_read(-1, buf, 1), -EBADF);
	assert_int_equal(vfs_write(VFS_MAX_FDS, buf, 1), -EBADF);
	assert_int_equal(vfs_close(77), -EBADF);
	assert_int_equal(vfs_fstat(5, &st), -EBADF);
	assert_int_equal(vfs_lseek(3, 0, SEEK_SET), -EBADF);
	assert_int_equal(vfs_dup(-3), -EBADF);
	/* the console */
	console_len = 0;
	assert_int_equal(vfs_write(1, "hi", 2), 2);
	assert_int_equal(console_len, 2);
	assert_memory_equal(console, "hi", 2);
	assert_int_equal(vfs_read(0, buf, 1), 0);
	assert_int_equal(vfs_fstat(2, &st), 0);
	assert_int_equal(st.st_mode & S_IFMT, S_IFCHR);
	assert_int_equal(vfs_lseek(1, 0, SEEK_SET), -ESPIPE);
	/* access modes and file kinds */
	int fd = vfs_open("/d/f", O_RDONLY, 0);
	assert_int_equal(fd, 3);
	assert_int_equal(vfs_write(fd, "x", 1), -EBADF);
	assert_int_equal(vfs_read(fd, buf, sizeof(buf)), sizeof(buf));
	assert_int_equal(vfs_pread(fd, buf, 1, -1), -EINVAL);
	assert_int_equal(vfs_getdents64(fd, buf, sizeof(buf)), -ENOTDIR);
	assert_int_equal(vfs_ftruncate(fd, 0), -EINVAL);
	int dir = vfs_open("/d", O_RDONLY, 0);
	assert_int_equal(dir, 4);
	assert_int_equal(vfs_read(dir, buf, 1), -EISDIR);
	assert_int_equal(vfs_ftruncate(dir, 0), -EISDIR);
	assert_int_equal(vfs_fsync(dir), 0);
	assert_int_equal(vfs_fchmod(dir, 0), -EPERM);
	assert_int_equal(vfs_getdents64(dir, buf, sizeof(buf)), 0);
	assert_int_equal(vfs_close(dir), 0);
	/* dup shares the file: it closes with the last fd */
	unsigned before = closes;
	int fd2 = vfs_dup(fd);
	assert_int_equal(fd2, 4);
	assert_int_equal(vfs_close(fd), 0);
	assert_int_equal(closes, before);
	assert_int_equal(vfs_read(fd2, buf, 1), 1);
	assert_int_equal(vfs_close(fd2), 0);
	assert_int_equal(closes, before + 1);
	assert_int_equal(vfs_close(fd2), -EBADF);
}

static void test_fd_table_full(void **state)
{
	(void)state;
	mount_ok("root", "/");
	for (int fd = 3; fd < VFS_MAX_FDS; fd++)
		assert_int_equal(vfs_open("/d/f", O_RDONLY, 0), fd);
	unsigned before = closes;
	assert_int_equal(vfs_open("/d/f", O_RDONLY, 0), -EMFILE);
	assert_int_equal(closes, before + 1); /* the file that found no fd was closed */
	assert_int_equal(vfs_dup(3), -EMFILE);
	assert_int_equal(vfs_close(500), 0);
	assert_int_equal(vfs_dup(3), 500);
	for (int fd = 3; fd < VFS_MAX_FDS; fd++)
		assert_int_equal(vfs_close(fd), 0);
}

static void test_lseek(void **state)
{
	(void)state;
	mount_ok("root", "/");
	int fd = vfs_open("/d/f", O_RDWR, 0);
	assert_true(fd >= 3);
	assert_int_equal(vfs_lseek(fd, 0, SEEK_END), 42);
	assert_int_equal(vfs_lseek(fd, -2, SEEK_CUR), 40);
	assert_int_equal(vfs_lseek(fd, -41, SEEK_CUR), -EINVAL);
	assert_int_equal(vfs_lseek(fd, INT64_MAX, SEEK_END), -EINVAL);
	assert_int_equal(vfs_lseek(fd, 0, 9), -EINVAL);
	assert_int_equal(vfs_write(fd, "abc", 3), 3);
	assert_int_equal(vfs_lseek(fd, 0, SEEK_CUR), 43);
	assert_int_equal(vfs_pwrite(fd, "abc", 3, 0), 3);
	assert_int_equal(vfs_lseek(fd, 0, SEEK_CUR), 43); /* pwrite leaves the position */
	assert_int_equal(vfs_close(fd), 0);
	fd = vfs_open("/neg", O_RDONLY, 0);
	assert_int_equal(vfs_lseek(fd, 0, SEEK_END), -EIO); /* a negative size from the fs */
	assert_int_equal(vfs_close(fd), 0);
	fd = vfs_open("/d", O_RDONLY, 0);
	assert_int_equal(vfs_lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(vfs_lseek(fd, 1, SEEK_SET), -EINVAL); /* a directory can only rewind */
	assert_int_equal(vfs_lseek(fd, 0, SEEK_END), -EINVAL);
	assert_int_equal(vfs_close(fd), 0);
}

/* ---- mounts ---- */

static void test_mount_and_umount(void **state)
{
	(void)state;
	assert_int_equal(vfs_mount("root", "/", "nofs", NULL), -ENODEV);
	assert_int_equal(vfs_mount("root", "/", NULL, NULL), -ENODEV);
	mount_ok("root", "/");
	assert_int_equal(vfs_mount("root", "/", "treefs", NULL), -EBUSY);
	assert_int_equal(vfs_mount("mnt", "/file", "treefs", NULL), -ENOTDIR);
	assert_int_equal(vfs_mount("mnt", "/nowhere", "treefs", NULL), -ENOENT);
	assert_int_equal(vfs_mount("nosuch", "/mnt", "treefs", NULL), -ENODEV); /* from the type */
	mount_ok("mnt", "/mnt/"); /* the slot was freed */
	assert_non_null(vfs_mount_at("/mnt"));
	assert_non_null(vfs_mount_at("/d/../mnt/"));
	assert_null(vfs_mount_at("/mnt/x"));
	assert_int_equal(vfs_umount("/nowhere"), -EINVAL);
	assert_int_equal(vfs_umount("/mnt/x"), -EINVAL);
	assert_int_equal(vfs_umount(""), -ENOENT);
	assert_int_equal(vfs_umount("/"), -EBUSY); /* /mnt lies below */
	int fd = vfs_open("/mnt/x/y", O_RDONLY, 0);
	assert_true(fd >= 3);
	assert_int_equal(vfs_umount("/mnt"), -EBUSY); /* a file is open */
	assert_int_equal(vfs_close(fd), 0);
	assert_int_equal(vfs_umount("/mnt"), 0);
	nmounted--;
	assert_stat("/mnt/x", -ENOENT, "/:mnt/x"); /* the root's again */
}

static void test_mount_slots(void **state)
{
	static char at[16][8];
	(void)state;
	mount_ok("any", "/");
	for (int i = 0; i < 15; i++) {
		snprintf(at[i], sizeof(at[i]), "/m%d", i);
		mount_ok("any", at[i]);
	}
	assert_int_equal(vfs_mount("any", "/m99", "treefs", NULL), -EBUSY);
}

static void test_statfs_follows_links(void **state)
{
	struct statfs st;
	(void)state;
	mount_ok("root", "/");
	mount_ok("mnt", "/mnt");
	assert_int_equal(vfs_statfs("/d", &st), 0);
	assert_int_equal(st.f_type, 1);
	assert_int_equal(vfs_statfs("/d/tomnt", &st), 0);
	assert_int_equal(st.f_type, 2);
	assert_int_equal(vfs_statfs("/nowhere", &st), -ENOENT);
}

/* The path calls besides open and stat hand over the same components and follow links. */
static void test_other_path_calls(void **state)
{
	char buf[4];
	(void)state;
	mount_ok("root", "/");
	mount_ok("mnt", "/mnt");
	assert_int_equal(vfs_mkdir("/d/up/new", 0755), 0);
	assert_string_equal(seen, "/:d/new");
	assert_int_equal(vfs_mkdir("/mnt", 0755), -EEXIST); /* a mount's root */
	assert_int_equal(vfs_unlink("/d/up/f"), 0);
	assert_string_equal(seen, "/:d/f");
	assert_int_equal(vfs_unlink("/d/f/"), -ENOTDIR);
	assert_int_equal(vfs_rmdir("/mnt"), -EBUSY);
	assert_int_equal(vfs_rmdir("/d/sub"), 0);
	assert_int_equal(vfs_chmod("/d/rel", 0600), 0);
	assert_string_equal(seen, "/:d/f");
	assert_int_equal(vfs_truncate("/d/abs", 0), 0);
	assert_string_equal(seen, "/:d/f");
	assert_int_equal(vfs_truncate("/d/f", -1), -EINVAL);
	assert_int_equal(vfs_symlink("x", "/d/tomnt/s"), 0);
	assert_string_equal(seen, "/mnt:x/s");
	assert_int_equal(vfs_symlink("", "/d/s"), -ENOENT);
	assert_int_equal(vfs_symlink(NULL, "/d/s"), -EFAULT);
	assert_int_equal(vfs_symlink("x", "/mnt"), -EEXIST);
	assert_int_equal(vfs_readlink("/d/rel", buf, 0), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_normalization, teardown),
		cmocka_unit_test_teardown(test_empty_null_and_nothing_mounted, teardown),
		cmocka_unit_test_teardown(test_longest_mount_prefix_owns_a_path, teardown),
		cmocka_unit_test_teardown(test_path_limits, teardown),
		cmocka_unit_test_teardown(test_symlinks, teardown),
		cmocka_unit_test_teardown(test_hostile_links, teardown),
		cmocka_unit_test_teardown(test_symlink_hops, teardown),
		cmocka_unit_test_teardown(test_link_target_and_rest, teardown),
		cmocka_unit_test_teardown(test_rename_and_link, teardown),
		cmocka_unit_test_teardown(test_chdir_and_getcwd, teardown),
		cmocka_unit_test_teardown(test_fds, teardown),
		cmocka_unit_test_teardown(test_fd_table_full, teardown),
		cmocka_unit_test_teardown(test_lseek, teardown),
		cmocka_unit_test_teardown(test_mount_and_umount, teardown),
		cmocka_unit_test_teardown(test_mount_slots, teardown),
		cmocka_unit_test_teardown(test_statfs_follows_links, teardown),
		cmocka_unit_test_teardown(test_other_path_calls, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
