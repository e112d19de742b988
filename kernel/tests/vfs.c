// SPDX-License-Identifier: MIT
/*
 * VFS suite: file and mount lifetimes when one thread closes or unmounts
 * while another is inside a call, and the cost of path calls; all on
 * "gatefs", a filesystem type this file registers.
 *
 * Every gatefs operation passes a gate. When the test arms it, the next
 * operation to arrive (after gate.skip others) parks on a wait queue with a
 * ticket until the test releases that ticket, so the test interleaves
 * threads exactly, with no sleeps and no timing: a worker starts a call,
 * the test sees it parked inside the filesystem, closes the fd or unmounts
 * from under it, then lets it go on; several parked calls can be let go in
 * any order.
 *
 * Use after close is caught by the filesystem itself. Its files and mounts
 * are records in static arrays (never freed, so reading one is always
 * safe); close and unmount poison them. An operation takes its record
 * before it parks (the vfs_file may be gone when it wakes) and counts a
 * "use after close" if the record was poisoned meanwhile; the tests also
 * check that close and unmount came only after the call inside returned.
 *
 * The gatefs namespace: the root and names starting with 'd' are
 * directories, names starting with 'f' are files, "ln" is a symbolic link
 * to gate.link_target, anything else does not exist. Regular files have
 * 100 bytes.
 */
#include <ember/errno.h>
#include <ember/heap.h>
#include <ember/sched.h>
#include <ember/string.h>
#include <ember/test.h>
#include <ember/vfs.h>

#define GATE_LIVE 0x6a7e0a11u
#define GATE_DEAD 0xdead0a11u
#define FILE_SIZE 100
#define TICKETS	  4

struct gate_rec {
	uint32_t magic;
	bool used;
	unsigned closes; /* close or unmount */
};

static struct gate_rec files[8], mnts[4];

static struct {
	struct waitq wq;
	bool armed;		/* an operation will park */
	unsigned skip;		/* operations let through before that one */
	unsigned tickets;	/* operations parked so far; the i-th has ticket i */
	bool released[TICKETS]; /* ticket i may go on */
	unsigned parked;	/* operations parked now */
	unsigned after_close;	/* operations that woke to a poisoned record */
	const char *link_target;
	struct gate_rec *last_file; /* what the last open opened */
	bool sample_heap;
	struct heap_stats heap_in_op; /* sampled by a path operation */
} gate = { .wq = WAITQ_INIT(gate.wq) };

static void gate_arm(unsigned skip)
{
	gate.armed = true;
	gate.skip = skip;
}

static void gate_release(unsigned ticket)
{
	gate.released[ticket] = true;
	waitq_wake_all(&gate.wq);
}

/* Parks the calling operation if it is the one the gate is armed for. */
static void gate_pass(void)
{
	if (!gate.armed)
		return;
	if (gate.skip) {
		gate.skip--;
		return;
	}
	gate.armed = false;
	unsigned me = gate.tickets++ % TICKETS;
	gate.parked++;
	while (!gate.released[me])
		waitq_wait(&gate.wq, 0);
	gate.parked--;
}

/* Passes the gate with @rec taken before: -EIO if it was poisoned meanwhile. */
static int gate_pass_with(struct gate_rec *rec)
{
	gate_pass();
	if (rec->magic == GATE_LIVE)
		return 0;
	gate.after_close++;
	return -EIO;
}

static struct gate_rec *rec_new(struct gate_rec *recs, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (!recs[i].used) {
			recs[i] = (struct gate_rec){ GATE_LIVE, true, 0 };
			return &recs[i];
		}
	}
	return NULL;
}

static void rec_poison(struct gate_rec *rec)
{
	rec->magic = GATE_DEAD;
	rec->closes++;
}

/* ---- files ---- */

static ssize_t gf_read(struct vfs_file *f, void *buf, size_t len, off_t off __unused)
{
	int err = gate_pass_with(f->priv);
	if (err)
		return err;
	memset(buf, 'g', len);
	return (ssize_t)len;
}

static ssize_t gf_write(struct vfs_file *f, const void *buf __unused, size_t len,
			off_t off __unused)
{
	int err = gate_pass_with(f->priv);
	return err ? err : (ssize_t)len;
}

static void fill_stat(struct stat *st, bool dir)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = dir ? S_IFDIR | 0755 : S_IFREG | 0644;
	st->st_size = dir ? 0 : FILE_SIZE;
	st->st_nlink = 1;
}

static int gf_stat(struct vfs_file *f, struct stat *st)
{
	bool dir = f->ops->getdents != NULL;
	int err = gate_pass_with(f->priv);
	if (!err)
		fill_stat(st, dir);
	return err;
}

static int gf_truncate(struct vfs_file *f, off_t length __unused)
{
	return gate_pass_with(f->priv);
}

static int gf_sync(struct vfs_file *f)
{
	return gate_pass_with(f->priv);
}

static int gf_setattr(struct vfs_file *f, const struct vfs_attr *a __unused)
{
	return gate_pass_with(f->priv);
}

static ssize_t gf_getdents(struct vfs_file *f, void *buf __unused, size_t len __unused)
{
	return gate_pass_with(f->priv); /* 0: the end of an empty directory */
}

static void gf_close(struct vfs_file *f)
{
	rec_poison(f->priv);
}

static const struct vfs_file_ops gate_file_ops = {
	.read = gf_read,
	.write = gf_write,
	.stat = gf_stat,
	.truncate = gf_truncate,
	.sync = gf_sync,
	.setattr = gf_setattr,
	.close = gf_close,
};

static const struct vfs_file_ops gate_dir_ops = {
	.stat = gf_stat,
	.sync = gf_sync,
	.setattr = gf_setattr,
	.getdents = gf_getdents,
	.close = gf_close,
};

/* ---- the filesystem ---- */

/* Looks @p up in the gatefs namespace: 0 (with *@dir), -ENOENT, -ENOTDIR or a link. */
static int lookup(const struct vfs_path *p, bool follow, struct vfs_symlink *link, bool *dir)
{
	*dir = true;
	for (unsigned i = 0; i < p->n; i++) {
		const char *name = p->comp[i];
		if (!*dir)
			return -ENOTDIR;
		if (!strcmp(name, "ln") && (follow || i + 1 < p->n)) {
			link->at = i;
			memcpy(link->target, gate.link_target, strlen(gate.link_target) + 1);
			return -VFS_ESYMLINK;
		}
		if (name[0] != 'd' && name[0] != 'f' && strcmp(name, "ln"))
			return -ENOENT;
		*dir = name[0] == 'd';
	}
	return 0;
}

static int gate_mount(struct vfs_mount *m, const char *source __unused,
		      const char *options __unused)
{
	struct gate_rec *rec = rec_new(mnts, ARRAY_SIZE(mnts));
	if (!rec)
		return -ENOMEM;
	m->priv = rec;
	gate_pass();
	return 0;
}

static void gate_unmount(struct vfs_mount *m)
{
	rec_poison(m->priv);
}

static int gate_open(struct vfs_mount *m, const struct vfs_path *p, int flags, mode_t mode __unused,
		     struct vfs_file *f, struct vfs_symlink *link)
{
	bool dir;
	int err = gate_pass_with(m->priv);
	err = err ?: lookup(p, !(flags & O_NOFOLLOW), link, &dir);
	if (!err && !dir && (flags & O_DIRECTORY))
		err = -ENOTDIR;
	struct gate_rec *rec = err ? NULL : rec_new(files, ARRAY_SIZE(files));
	if (err || !rec)
		return err ?: -ENFILE;
	f->priv = rec;
	f->ops = dir ? &gate_dir_ops : &gate_file_ops;
	gate.last_file = rec;
	return 0;
}

static int gate_stat(struct vfs_mount *m, const struct vfs_path *p, bool follow, struct stat *st,
		     struct vfs_symlink *link)
{
	if (gate.sample_heap)
		heap_get_stats(&gate.heap_in_op);
	bool dir;
	int err = gate_pass_with(m->priv);
	err = err ?: lookup(p, follow, link, &dir);
	if (!err)
		fill_stat(st, dir);
	return err;
}

static const struct vfs_fs_ops gatefs_ops = {
	.name = "gatefs",
	.mount = gate_mount,
	.unmount = gate_unmount,
	.open = gate_open,
	.stat = gate_stat,
};
VFS_FSTYPE(gatefs, gatefs_ops);

/* ---- helpers ---- */

/* A fresh gate and gatefs at "/" (whatever an earlier failed case left is unmounted). */
static int setup(void)
{
	static const char *const old[] = { "/da", "/db", "/dm", "/" };
	for (unsigned i = 0; i < ARRAY_SIZE(old); i++)
		vfs_umount(old[i]);
	gate.armed = false;
	gate.tickets = 0;
	memset(gate.released, 0, sizeof(gate.released));
	gate.after_close = 0;
	gate.link_target = "/d";
	gate.last_file = NULL;
	gate.sample_heap = false;
	memset(files, 0, sizeof(files));
	memset(mnts, 0, sizeof(mnts));
	return vfs_mount("", "/", "gatefs", NULL);
}

enum op {
	READ,
	WRITE,
	PREAD,
	PWRITE,
	LSEEK_END,
	FSTAT,
	GETDENTS,
	FTRUNCATE,
	FSYNC,
	FCHMOD,
	STAT,
	OPEN,
	MOUNT
};

struct job {
	enum op op;
	int fd;
	const char *path;
	long result;
	unsigned ticket; /* where it parked */
};

static long fd_op(enum op op, int fd)
{
	char buf[8] = "written";
	struct stat st;
	switch (op) {
	case READ: return vfs_read(fd, buf, sizeof(buf));
	case WRITE: return vfs_write(fd, buf, sizeof(buf));
	case PREAD: return vfs_pread(fd, buf, sizeof(buf), 10);
	case PWRITE: return vfs_pwrite(fd, buf, sizeof(buf), 10);
	case LSEEK_END: return vfs_lseek(fd, 0, SEEK_END);
	case FSTAT: return vfs_fstat(fd, &st);
	case GETDENTS: return vfs_getdents64(fd, buf, sizeof(buf));
	case FTRUNCATE: return vfs_ftruncate(fd, 5);
	case FSYNC: return vfs_fsync(fd);
	case FCHMOD: return vfs_fchmod(fd, 0600);
	default: return -ENOSYS;
	}
}

static int run_job(void *arg)
{
	struct job *j = arg;
	struct stat st;
	if (j->op == STAT)
		j->result = vfs_stat(j->path, &st);
	else if (j->op == OPEN)
		j->result = vfs_open(j->path, O_RDONLY, 0);
	else if (j->op == MOUNT)
		j->result = vfs_mount("", j->path, "gatefs", NULL);
	else
		j->result = fd_op(j->op, j->fd);
	return 0;
}

/* Starts @j in a thread, parked in gatefs after @skip operations; NULL if it never parked. */
static struct thread *start_parked(struct job *j, unsigned skip)
{
	unsigned before = gate.parked;
	gate_arm(skip);
	j->ticket = gate.tickets;
	struct thread *t = thread_create("vfs-job", run_job, j, 0);
	for (int i = 0; t && i < 100 && gate.parked == before; i++)
		thread_yield(); /* it runs until it parks */
	if (t && gate.parked == before) {
		thread_join(t, NULL);
		return NULL;
	}
	return t;
}

/* Lets @j go on and waits for its thread @t to end. */
static void finish(struct thread *t, struct job *j)
{
	gate_release(j->ticket);
	thread_join(t, NULL);
}

/* ---- close during a call ---- */

/* Closes the fd @op is parked in; the file must close only after @op returned @want. */
static void close_during(enum op op, long want)
{
	bool dir = op == GETDENTS;
	ASSERT_EQ(setup(), 0);
	int fd = vfs_open(dir ? "/d" : "/f", dir ? O_RDONLY : O_RDWR, 0);
	ASSERT_GE(fd, 3);
	struct gate_rec *rec = gate.last_file;
	struct job j = { op, fd, NULL, -1, 0 };
	struct thread *t = start_parked(&j, 0);
	ASSERT_NOT_NULL(t);
	EXPECT_EQ(vfs_close(fd), 0);
	EXPECT_EQ(rec->closes, 0);	    /* the call inside holds the file */
	EXPECT_EQ(vfs_umount("/"), -EBUSY); /* and so its mount */
	struct stat st;
	EXPECT_EQ(vfs_fstat(fd, &st), -EBADF); /* but the fd is gone */
	finish(t, &j);
	EXPECT_EQ(j.result, want);
	EXPECT_EQ(gate.after_close, 0);
	EXPECT_EQ(rec->closes, 1);
	EXPECT_EQ(vfs_umount("/"), 0);
}

TEST(vfs, close_during_read)
{
	close_during(READ, 8);
}

TEST(vfs, close_during_write)
{
	close_during(WRITE, 8);
}

TEST(vfs, close_during_pread)
{
	close_during(PREAD, 8);
}

TEST(vfs, close_during_pwrite)
{
	close_during(PWRITE, 8);
}

TEST(vfs, close_during_lseek_end)
{
	close_during(LSEEK_END, FILE_SIZE);
}

TEST(vfs, close_during_fstat)
{
	close_during(FSTAT, 0);
}

TEST(vfs, close_during_getdents)
{
	close_during(GETDENTS, 0);
}

TEST(vfs, close_during_ftruncate)
{
	close_during(FTRUNCATE, 0);
}

TEST(vfs, close_during_fsync)
{
	close_during(FSYNC, 0);
}

TEST(vfs, close_during_fchmod)
{
	close_during(FCHMOD, 0);
}

TEST(vfs, a_dup_keeps_the_file_open)
{
	ASSERT_EQ(setup(), 0);
	int fd = vfs_open("/f", O_RDWR, 0);
	ASSERT_GE(fd, 3);
	struct gate_rec *rec = gate.last_file;
	int fd2 = vfs_dup(fd);
	EXPECT_GT(fd2, fd);
	EXPECT_EQ(vfs_close(fd), 0);
	EXPECT_EQ(rec->closes, 0);
	EXPECT_EQ(vfs_lseek(fd2, 0, SEEK_END), FILE_SIZE);
	EXPECT_EQ(vfs_close(fd2), 0);
	EXPECT_EQ(rec->closes, 1);
	EXPECT_EQ(vfs_umount("/"), 0);
}

/* The call keeps the file it started on, not the fd number: a new file on that fd is untouched. */
TEST(vfs, an_fd_reused_during_a_call)
{
	ASSERT_EQ(setup(), 0);
	int fd = vfs_open("/f1", O_RDWR, 0);
	ASSERT_GE(fd, 3);
	struct job j = { LSEEK_END, fd, NULL, -1, 0 };
	struct thread *t = start_parked(&j, 0);
	ASSERT_NOT_NULL(t);
	EXPECT_EQ(vfs_close(fd), 0);
	EXPECT_EQ(vfs_open("/f2", O_RDWR, 0), fd);
	finish(t, &j);
	EXPECT_EQ(j.result, FILE_SIZE);
	EXPECT_EQ(vfs_lseek(fd, 0, SEEK_CUR), 0);
	EXPECT_EQ(gate.after_close, 0);
	EXPECT_EQ(vfs_close(fd), 0);
	EXPECT_EQ(vfs_umount("/"), 0);
}

/* ---- umount during a call ---- */

static void umount_during_walk(enum op op, const char *path)
{
	ASSERT_EQ(setup(), 0);
	ASSERT_EQ(vfs_mount("", "/dm", "gatefs", NULL), 0);
	struct gate_rec *rec = &mnts[1];
	struct job j = { op, -1, path, -1, 0 };
	struct thread *t = start_parked(&j, 0);
	ASSERT_NOT_NULL(t);
	EXPECT_EQ(vfs_umount("/dm"), -EBUSY);
	EXPECT_EQ(rec->closes, 0);
	finish(t, &j);
	EXPECT_EQ(gate.after_close, 0);
	if (op == OPEN) {
		EXPECT_GE(j.result, 3);
		EXPECT_EQ(vfs_umount("/dm"), -EBUSY); /* the file is open */
		EXPECT_EQ(vfs_close((int)j.result), 0);
	} else {
		EXPECT_EQ(j.result, 0);
	}
	EXPECT_EQ(vfs_umount("/dm"), 0);
	EXPECT_EQ(rec->closes, 1);
	EXPECT_EQ(vfs_umount("/"), 0);
}

TEST(vfs, umount_during_a_stat_walk_is_busy)
{
	umount_during_walk(STAT, "/dm/d1/f");
}

TEST(vfs, umount_during_an_open_walk_is_busy)
{
	umount_during_walk(OPEN, "/dm/d1/f");
}

/* Two walks inside one mount, let go in the reverse order: the mount goes only after both. */
TEST(vfs, two_walks_finish_out_of_order)
{
	ASSERT_EQ(setup(), 0);
	ASSERT_EQ(vfs_mount("", "/dm", "gatefs", NULL), 0);
	struct job a = { STAT, -1, "/dm/d1/f", -1, 0 }, b = { OPEN, -1, "/dm/d2/f", -1, 0 };
	struct thread *ta = start_parked(&a, 0);
	ASSERT_NOT_NULL(ta);
	struct thread *tb = start_parked(&b, 0);
	ASSERT_NOT_NULL(tb);
	EXPECT_EQ(gate.parked, 2);
	EXPECT_EQ(vfs_umount("/dm"), -EBUSY);
	finish(tb, &b);
	EXPECT_GE(b.result, 3);
	EXPECT_EQ(vfs_umount("/dm"), -EBUSY);
	EXPECT_EQ(vfs_close((int)b.result), 0);
	EXPECT_EQ(vfs_umount("/dm"), -EBUSY); /* a is still inside */
	finish(ta, &a);
	EXPECT_EQ(a.result, 0);
	EXPECT_EQ(gate.after_close, 0);
	EXPECT_EQ(vfs_umount("/dm"), 0);
	EXPECT_EQ(vfs_umount("/"), 0);
}

/* A link from one mount into another moves the call's pin: the first can go, the second not. */
TEST(vfs, a_link_moves_the_walk_into_another_mount)
{
	ASSERT_EQ(setup(), 0);
	ASSERT_EQ(vfs_mount("", "/da", "gatefs", NULL), 0);
	ASSERT_EQ(vfs_mount("", "/db", "gatefs", NULL), 0);
	gate.link_target = "/db/d2";
	struct job j = { STAT, -1, "/da/ln/f", -1, 0 };
	struct thread *t = start_parked(&j, 1); /* parks after the hop, in /db */
	ASSERT_NOT_NULL(t);
	EXPECT_EQ(vfs_umount("/db"), -EBUSY);
	EXPECT_EQ(vfs_umount("/da"), 0);
	finish(t, &j);
	EXPECT_EQ(j.result, 0);
	EXPECT_EQ(gate.after_close, 0);
	EXPECT_EQ(vfs_umount("/db"), 0);
	EXPECT_EQ(vfs_umount("/"), 0);
}

TEST(vfs, a_second_mount_while_the_first_is_mounting_is_busy)
{
	ASSERT_EQ(setup(), 0);
	struct job j = { MOUNT, -1, "/dm", -1, 0 };
	struct thread *t = start_parked(&j, 1); /* parks in the mount op, after the stat of /dm */
	ASSERT_NOT_NULL(t);
	EXPECT_EQ(vfs_mount("", "/dm", "gatefs", NULL), -EBUSY);
	EXPECT_NULL(vfs_mount_at("/dm"));
	EXPECT_EQ(vfs_umount("/dm"), -EINVAL); /* not mounted yet */
	EXPECT_EQ(vfs_umount("/"), -EBUSY);    /* a mount is being made below it */
	finish(t, &j);
	EXPECT_EQ(j.result, 0);
	EXPECT_NOT_NULL(vfs_mount_at("/dm"));
	EXPECT_EQ(vfs_umount("/dm"), 0);
	EXPECT_EQ(vfs_umount("/"), 0);
}

/* ---- cost ---- */

/* A path call allocates nothing once a call state is cached: nginx opens and stats per request. */
TEST(vfs, path_calls_do_not_allocate)
{
	ASSERT_EQ(setup(), 0);
	ASSERT_EQ(vfs_mount("", "/dm", "gatefs", NULL), 0);
	gate.link_target = "/dm/d2";
	struct stat st;
	EXPECT_EQ(vfs_stat("/d1/f", &st), 0); /* warms the cache */
	static const char *const paths[] = { "/d1/d2/f", "d1/../d3/./f", "/ln/f", "/dm/ln/ln/f" };
	for (unsigned i = 0; i < ARRAY_SIZE(paths); i++) {
		struct heap_stats before;
		heap_get_stats(&before);
		gate.sample_heap = true;
		EXPECT_EQ(vfs_stat(paths[i], &st), 0);
		gate.sample_heap = false;
		EXPECT_EQ(gate.heap_in_op.live_blocks, before.live_blocks);
		EXPECT_EQ(gate.heap_in_op.large_pages, before.large_pages);
	}
	EXPECT_EQ(vfs_umount("/dm"), 0);
	EXPECT_EQ(vfs_umount("/"), 0);
}
