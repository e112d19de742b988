// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for the "9p" filesystem type, 9pfs/p9_vfs.c, with the
 * real client and codec under it and the hostile server of p9_server.c
 * behind them. The filesystem is called through its vfs_fs_ops as
 * kernel/vfs.c calls it (paths of normalized components, never "." or
 * "..", at least one component where the VFS guarantees one), without the
 * VFS itself: links come back as -VFS_ESYMLINK and are checked, not
 * followed.
 *
 * Input: [options][n] then n 7-byte calls [op][a][b][c][d][e][f], then the
 * reply script. options 0 mounts with NULL, 1 with "", 2..127 with
 * "msize=<options * 1024>", 128..255 with the next (options - 128) % 24
 * input bytes as the raw option string.
 *
 * Invariants: the option parser agrees with an independent reading of the
 * string; every call returns 0, a count, -VFS_ESYMLINK or a negative errno
 * in 1..4095; a reported link lies in the path and has a non-empty,
 * NUL-terminated target shorter than PATH_MAX; a stat has no negative size;
 * getdents output, walked record by record by d_reclen as a reader would,
 * ends exactly at the returned length and holds only whole records with
 * valid names (the check that catches a truncated d_reclen); readlink and
 * read never return more than asked; the client holds the root fid plus one
 * per open file, and no tag. At the end every file is closed, the share is
 * unmounted and LeakSanitizer sees anything left behind.
 *
 * <ember/vfs.h> defines struct timespec, so this file includes no host
 * header that does (<stdlib.h>): the kernel's heap and string headers
 * declare the C library's functions, and P9_CHECK reports failures.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ember/errno.h>
#include <ember/heap.h>
#include <ember/p9_client.h>
#include <ember/p9fs.h>
#include <ember/string.h>
#include <ember/vfs.h>

#include "p9_server.h"

#define CALL_SIZE 7 /* op and six argument bytes a[0..5] */
#define MAX_FILES 6
#define MAX_COMPS 4

static const char *const names[] = { "d0", "d1", "f0", "f1", "l0", "l1", "x", "dx" };
static const char *const targets[] = { "f0", "/d0/f1", "../l0", "d1/../f0", "" };
static const int open_flags[] = {
	O_RDONLY,
	O_RDWR,
	O_WRONLY | O_CREAT | O_TRUNC,
	O_RDWR | O_CREAT | O_EXCL,
	O_RDONLY | O_DIRECTORY,
	O_RDONLY | O_NOFOLLOW,
	O_RDWR | O_CREAT | O_DIRECTORY,
	O_WRONLY | O_APPEND,
};

struct state {
	struct p9srv srv;
	const struct vfs_fs_ops *ops;
	struct vfs_mount m;
	struct vfs_file *files[MAX_FILES];
	unsigned nfiles;
	struct vfs_symlink *link;
};

static struct state st;

/* kernel/vfs.c's lookup, which p9fs_stats() uses. */
struct vfs_mount *vfs_mount_at(const char *path)
{
	return !strcmp(path, st.m.path) ? &st.m : NULL;
}

/* ---- options ---- */

/* An independent reading of "msize=N": 1 and *@v if it is one, else 0. */
static int options_oracle(const char *o, uint32_t *v)
{
	*v = 0;
	if (!o || !*o)
		return 1;
	if (strncmp(o, "msize=", 6) || !o[6])
		return 0;
	uint64_t n = 0;
	for (const char *p = o + 6; *p; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		n = n * 10 + (uint64_t)(*p - '0');
		if (n > UINT32_MAX)
			return 0;
	}
	*v = (uint32_t)n;
	return n >= P9_MIN_MSIZE;
}

static void check_options(const char *o)
{
	uint32_t msize = 12345, want;
	int err = p9fs_parse_options(o, &msize);
	int ok = options_oracle(o, &want);
	P9_CHECK(err == 0 || err == -EINVAL);
	P9_CHECK((err == 0) == ok);
	if (!err)
		P9_CHECK(msize == want);
}

/* Writes the option string the input asks for into @buf (24 + 1 bytes); returns it or NULL. */
static const char *options_of(const uint8_t **p, const uint8_t *end, char *buf)
{
	uint8_t sel = *(*p)++;
	if (sel == 0)
		return NULL;
	if (sel == 1)
		return "";
	if (sel < 128) {
		uint32_t v = (uint32_t)sel * 1024, len = 0;
		char digits[12];
		do
			digits[len++] = (char)('0' + v % 10);
		while (v /= 10);
		memcpy(buf, "msize=", 6);
		for (uint32_t i = 0; i < len; i++)
			buf[6 + i] = digits[len - 1 - i];
		buf[6 + len] = '\0';
		return buf;
	}
	size_t n = MIN((size_t)(sel - 128) % 24, (size_t)(end - *p));
	memcpy(buf, *p, n);
	buf[n] = '\0';
	*p += n;
	return buf;
}

/* ---- checks ---- */

static void check_result(long r, const struct vfs_path *p, const struct vfs_path *q)
{
	if (r == -VFS_ESYMLINK) {
		const struct vfs_path *in = st.link->which ? q : p;
		P9_CHECK(st.link->which <= 1 && in);
		P9_CHECK(st.link->at < in->n);
		size_t len = strnlen(st.link->target, PATH_MAX);
		P9_CHECK(len > 0 && len < PATH_MAX);
		return;
	}
	P9_CHECK(r >= -(long)P9_MAX_ERRNO);
}

static void check_books(void)
{
	struct p9_client_stats cs;
	P9_CHECK(p9fs_stats(st.m.path, &cs) == 0);
	P9_CHECK(cs.fids_in_use == 1 + st.nfiles);
	P9_CHECK(cs.tags_in_use == 0);
}

/* Walks getdents output as a reader does, by d_reclen. */
static void check_records(const uint8_t *buf, ssize_t n, size_t len)
{
	const size_t head = offsetof(struct linux_dirent64, d_name);
	P9_CHECK(n <= (ssize_t)len);
	ssize_t at = 0;
	while (at < n) {
		struct linux_dirent64 e;
		P9_CHECK((size_t)(n - at) >= head);
		memcpy(&e, buf + at, head);
		P9_CHECK(e.d_reclen > head && e.d_reclen % 8 == 0 && e.d_reclen <= n - at);
		const char *name = (const char *)buf + at + head;
		size_t nl = strnlen(name, e.d_reclen - head);
		P9_CHECK(nl >= 1 && nl <= NAME_MAX && nl < e.d_reclen - head);
		P9_CHECK(!memchr(name, '/', nl));
		at += e.d_reclen;
	}
	P9_CHECK(at == n);
}

/* ---- calls ---- */

/* A path of @min.. components, picked by two bytes. */
static void path_of(struct vfs_path *p, uint8_t nsel, uint8_t bits, unsigned min)
{
	p->n = min + nsel % (MAX_COMPS + 1 - min);
	p->must_be_dir = false;
	for (unsigned i = 0; i < p->n; i++)
		p->comp[i] = names[(bits >> (2 * i) ^ nsel >> 3 ^ i) % ARRAY_SIZE(names)];
}

static void do_open(const uint8_t *a)
{
	struct vfs_path p;
	path_of(&p, a[0], a[1], 0);
	if (st.nfiles == MAX_FILES)
		return;
	struct vfs_file *f = calloc(1, sizeof(*f));
	int flags = open_flags[a[2] % ARRAY_SIZE(open_flags)];
	f->mnt = &st.m;
	f->flags = flags;
	f->refs = 1;
	int err = st.ops->open(&st.m, &p, flags, 0644, f, st.link);
	check_result(err, &p, NULL);
	if (err) {
		free(f);
		return;
	}
	P9_CHECK(f->ops && f->ops->close && f->ops->stat);
	st.files[st.nfiles++] = f;
}

static void do_getdents(struct vfs_file *f, const uint8_t *a)
{
	if (!f->ops->getdents)
		return;
	size_t len = 1 + (size_t)(a[2] | a[3] << 8) + (a[4] & 1 ? 4096 : 0);
	uint8_t *buf = malloc(len);
	for (unsigned i = 0; i <= (a[4] >> 1) % 4; i++) {
		ssize_t n = f->ops->getdents(f, buf, len);
		check_result(n, NULL, NULL);
		if (n <= 0)
			break;
		check_records(buf, n, len);
	}
	free(buf);
}

/* The calls on an open file: @a[0] picks it. */
static void do_file(uint8_t op, const uint8_t *a)
{
	if (!st.nfiles)
		return;
	unsigned i = a[0] % st.nfiles;
	struct vfs_file *f = st.files[i];
	size_t len = (size_t)(a[2] | a[3] << 8);
	off_t off = (off_t)a[4] << (a[5] % 40);
	struct stat sb;
	long r = 0;
	uint8_t *buf;
	switch (op) {
	case 10:
	case 11:
		if (op == 10 ? !f->ops->read : !f->ops->write)
			return;
		buf = calloc(1, len ? len : 1);
		r = op == 10 ? f->ops->read(f, buf, len, off) : f->ops->write(f, buf, len, off);
		P9_CHECK(r <= (long)len);
		free(buf);
		break;
	case 12: r = f->ops->stat(f, &sb); break;
	case 13: r = f->ops->truncate ? f->ops->truncate(f, off) : 0; break;
	case 14:
		r = f->ops->setattr ? f->ops->setattr(f, &(struct vfs_attr){ .what = VFS_SET_MODE,
									     .mode = 0600 })
				    : 0;
		break;
	case 15: r = f->ops->sync ? f->ops->sync(f) : 0; break;
	case 16: do_getdents(f, a); break;
	default:
		f->ops->close(f);
		free(f);
		st.files[i] = st.files[--st.nfiles];
		break;
	}
	if (op == 12 && !r)
		P9_CHECK(sb.st_size >= 0 && sb.st_blocks >= 0 && sb.st_blksize >= 0);
	check_result(r, NULL, NULL);
}

static void do_readlink(const struct vfs_path *p, const uint8_t *a)
{
	size_t size = a[3] & 1 ? PATH_MAX : 1u + a[4];
	char *buf = malloc(size);
	int n = st.ops->readlink(&st.m, p, buf, size, st.link);
	check_result(n, p, NULL);
	P9_CHECK(n <= (int)size);
	free(buf);
}

/* The path calls: @a[0..1] pick the path, @a[2..3] the second one. */
static void do_path(uint8_t op, const uint8_t *a)
{
	struct vfs_path p, q;
	struct stat sb;
	struct statfs sfs;
	path_of(&p, a[0], a[1], op == 1 || op == 6 || op == 9 ? 0 : 1);
	path_of(&q, a[2], a[3], 1);
	long r = 0;
	switch (op) {
	case 1:
		r = st.ops->stat(&st.m, &p, a[4] & 1, &sb, st.link);
		if (!r)
			P9_CHECK(sb.st_size >= 0 && sb.st_blocks >= 0 && sb.st_blksize >= 0);
		break;
	case 2: r = st.ops->mkdir(&st.m, &p, 0755, st.link); break;
	case 3: r = st.ops->unlink(&st.m, &p, a[4] & 1, st.link); break;
	case 4: r = st.ops->rename(&st.m, &p, &q, st.link); break;
	case 5: {
		struct vfs_attr at = { .what = 1 + a[4] % 15u,
				       .mode = 0600,
				       .size = (off_t)a[5],
				       .atime = { .tv_nsec = a[4] & 16 ? UTIME_NOW : 5 },
				       .mtime = { .tv_sec = a[5], .tv_nsec = 7 } };
		r = st.ops->setattr(&st.m, &p, a[4] & 1, &at, st.link);
		break;
	}
	case 6: do_readlink(&p, a); return;
	case 7: r = st.ops->symlink(&st.m, targets[a[4] % ARRAY_SIZE(targets)], &p, st.link); break;
	case 8: r = st.ops->link(&st.m, &p, &q, st.link); break;
	default: r = st.ops->statfs(&st.m, &sfs); break;
	}
	check_result(r, &p, &q);
}

static void do_call(const uint8_t *call)
{
	uint8_t op = call[0] % 18;
	if (op == 0)
		do_open(call + 1);
	else if (op < 10)
		do_path(op, call + 1);
	else
		do_file(op, call + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	const uint8_t *p = data, *end = data + size;
	char obuf[32];
	const char *opts = options_of(&p, end, obuf);
	check_options(opts);
	if (p == end)
		return 0;
	size_t ncalls = *p++;
	size_t calls_len = MIN(ncalls * CALL_SIZE, (size_t)(end - p));
	const uint8_t *calls = p;

	memset(&st.m, 0, sizeof(st.m));
	memcpy(st.m.path, "/mnt", 5);
	st.ops = p9fs_fstype();
	st.m.ops = st.ops;
	st.nfiles = 0;
	p9srv_init(&st.srv, "fuzz", P9SRV_MAX_MSIZE, calls + calls_len,
		   (size_t)(end - calls - calls_len));
	static bool registered;
	if (!registered) {
		p9_transport_register(&st.srv.t);
		registered = true;
	}
	int err = st.ops->mount(&st.m, "fuzz", opts);
	check_result(err, NULL, NULL);
	if (err) {
		P9_CHECK(!st.srv.connected && !st.srv.t.in_use);
		return 0;
	}
	st.link = malloc(sizeof(*st.link));
	for (size_t at = 0; at + CALL_SIZE <= calls_len; at += CALL_SIZE) {
		do_call(calls + at);
		check_books();
	}
	while (st.nfiles) {
		struct vfs_file *f = st.files[--st.nfiles];
		f->ops->close(f);
		free(f);
	}
	check_books();
	st.ops->unmount(&st.m);
	P9_CHECK(!st.srv.connected && !st.srv.t.in_use);
	free(st.link);
	return 0;
}
