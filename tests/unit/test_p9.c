// SPDX-License-Identifier: MIT
/*
 * Host tests for the 9P2000.L codec (9pfs/p9_msg.c), client
 * (9pfs/p9_client.c) and the "9p" filesystem type (9pfs/p9_vfs.c).
 *
 * Codec: exact bytes of encoded messages (checked against the layouts of the
 * 9P2000.L specification written out by hand), buffer overflow and
 * over-long strings; every decoder on good replies, on Rlerror, and on each
 * structural fault (size field, tag, type, truncation at every byte,
 * trailing bytes, counts past the message, walk qids beyond the names
 * asked, bad errno values, directory entries with '/' or NUL or a name
 * over NAME_MAX).
 *
 * Client: driven through a scripted transport (struct script below): each
 * test says how the "server" answers each message type, and may corrupt a
 * reply or fail the transport. Checked: msize negotiation, the walk's fid
 * discipline (partial walks, more than 16 names, failures mid-way), reads
 * and writes split at msize and iounit, short reads at end of file, zero
 * writes, that no failure of any kind leaks a fid, and that a reply the
 * transport claims is longer than the buffer posted is refused unread.
 *
 * Filesystem type: mounted over the same transport and called through its
 * vfs_fs_ops (p9fs_fstype()), as kernel/vfs.c would: getdents records are
 * walked by d_reclen as a reader does (a name too long for the 16-bit
 * d_reclen once forged records), empty link targets, sizes struct stat
 * cannot hold, the mount option parser.
 *
 * The kernel dependencies (wait queues, printk, vfs_mount_at) are stubbed.
 * <ember/vfs.h> defines the Linux struct timespec, so this file includes no
 * host header that defines it too (<stdlib.h>): malloc and free come from
 * <ember/heap.h>, which declares the C library's prototypes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <ember/errno.h>
#include <ember/heap.h>
#include <ember/p9_client.h>
#include <ember/p9_msg.h>
#include <ember/p9fs.h>
#include <ember/printk.h>
#include <ember/sched.h>
#include <ember/vfs.h>

/* ---- kernel stubs ---- */

void waitq_init(struct waitq *wq)
{
	(void)wq;
}
int waitq_wait(struct waitq *wq, uint64_t deadline_ns)
{
	(void)wq;
	(void)deadline_ns;
	fail_msg("the client waited for a tag in a single-threaded test");
	return 0;
}
int waitq_wake_one(struct waitq *wq)
{
	(void)wq;
	return 0;
}
int printk(const char *fmt, ...)
{
	(void)fmt;
	return 0;
}
unsigned long printk_loglevel;

/*
 * Under ASan, fill every new allocation (not only its first 4 KiB): bytes
 * the client never wrote then hold 0xbe, not a zero that would stop a
 * runaway memchr() before it reaches the red zone.
 */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "max_malloc_fill_size=1048576";
}

/* ---- little-endian message building ---- */

struct msg {
	uint8_t b[70000];
	uint32_t n;
};

static void m_le(struct msg *m, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		m->b[m->n++] = (uint8_t)(v >> (8 * i));
}
static void m_str(struct msg *m, const char *s)
{
	size_t n = strlen(s);
	m_le(m, n, 2);
	memcpy(m->b + m->n, s, n);
	m->n += (uint32_t)n;
}
static void m_qid(struct msg *m, uint8_t type, uint64_t path)
{
	m_le(m, type, 1);
	m_le(m, 7, 4);
	m_le(m, path, 8);
}
static void m_begin(struct msg *m, uint8_t type, uint16_t tag)
{
	m->n = 0;
	m_le(m, 0, 4);
	m_le(m, type, 1);
	m_le(m, tag, 2);
}
static void m_end(struct msg *m)
{
	for (unsigned i = 0; i < 4; i++)
		m->b[i] = (uint8_t)(m->n >> (8 * i));
}

/* An exact-size heap copy so ASan sees any read past the end. */
static uint8_t *exact(const struct msg *m)
{
	uint8_t *p = malloc(m->n ? m->n : 1);
	memcpy(p, m->b, m->n);
	return p;
}

/* ---- encoders ---- */

static void test_enc_version_bytes(void **state)
{
	(void)state;
	uint8_t buf[64];
	int n = p9_enc_version(buf, sizeof(buf), 8192, "9P2000.L");
	static const uint8_t want[] = { 21, 0, 0,   0,	 100, 0xff, 0xff, 0,   0x20, 0,	 0,
					8,  0, '9', 'P', '2', '0',  '0',  '0', '.',  'L' };
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
}

static void test_enc_walk_bytes(void **state)
{
	(void)state;
	uint8_t buf[64];
	const char *names[] = { "a", "bc" };
	int n = p9_enc_walk(buf, sizeof(buf), 3, 1, 2, 2, names);
	static const uint8_t want[] = { 24, 0, 0, 0, 110, 3, 0, 1,   0, 0, 0,	2,
					0,  0, 0, 2, 0,	  1, 0, 'a', 2, 0, 'b', 'c' };
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(p9_enc_walk(buf, sizeof(buf), 3, 1, 2, 17, names), -E2BIG);
}

static void test_enc_write_head_counts_payload(void **state)
{
	(void)state;
	uint8_t buf[32];
	assert_int_equal(p9_enc_write_head(buf, sizeof(buf), 1, 5, 0x100000000ull, 1000), 23);
	assert_int_equal(p9_msg_size(buf), 1023);
	assert_int_equal(buf[4], P9_TWRITE);
}

static void test_enc_overflow(void **state)
{
	(void)state;
	uint8_t buf[300];
	char name[256];
	memset(name, 'x', 255);
	name[255] = '\0';
	for (uint32_t cap = 0; cap < 7 + 4 + 2 + 255 + 12; cap++)
		assert_int_equal(p9_enc_lcreate(buf, cap, 1, 1, name, 0, 0644, 0), -EMSGSIZE);
	assert_int_equal(p9_enc_lcreate(buf, sizeof(buf), 1, 1, name, 0, 0644, 0),
			 7 + 4 + 2 + 255 + 12);

	char *huge = malloc(70000);
	memset(huge, 'y', 69999);
	huge[69999] = '\0';
	uint8_t *big = malloc(80000);
	assert_int_equal(p9_enc_mkdir(big, 80000, 1, 1, huge, 0755, 0), -ENAMETOOLONG);
	free(big);
	free(huge);
}

/* ---- decoders ---- */

static void test_dec_attach_and_errors(void **state)
{
	(void)state;
	struct msg m;
	union p9_reply r;
	m_begin(&m, P9_RATTACH, 5);
	m_qid(&m, P9_QTDIR, 42);
	m_end(&m);
	uint8_t *p = exact(&m);
	assert_int_equal(p9_dec_reply(p, m.n, P9_TATTACH, 5, 0, &r), 0);
	assert_int_equal(r.qid.type, P9_QTDIR);
	assert_int_equal(r.qid.path, 42);
	/* wrong tag, wrong request type, size field off by one either way */
	assert_int_equal(p9_dec_reply(p, m.n, P9_TATTACH, 6, 0, &r), -EPROTO);
	assert_int_equal(p9_dec_reply(p, m.n, P9_TMKDIR - 2, 5, 0, &r), -EPROTO);
	p[0]++;
	assert_int_equal(p9_dec_reply(p, m.n, P9_TATTACH, 5, 0, &r), -EPROTO);
	p[0] -= 2;
	assert_int_equal(p9_dec_reply(p, m.n, P9_TATTACH, 5, 0, &r), -EPROTO);
	free(p);

	/* every truncation (with the size field telling the truth) */
	for (uint32_t len = 0; len < m.n; len++) {
		struct msg t = m;
		t.n = len;
		if (len >= 4)
			m_end(&t);
		uint8_t *q = exact(&t);
		assert_int_equal(p9_dec_reply(q, len, P9_TATTACH, 5, 0, &r), -EPROTO);
		free(q);
	}
	/* one byte too many */
	m_le(&m, 0, 1);
	m_end(&m);
	p = exact(&m);
	assert_int_equal(p9_dec_reply(p, m.n, P9_TATTACH, 5, 0, &r), -EPROTO);
	free(p);
}

static void test_dec_lerror(void **state)
{
	(void)state;
	static const struct {
		uint32_t ecode;
		int want;
	} cases[] = { { 2, -ENOENT }, { 13, -EACCES },	 { 28, -ENOSPC },	 { 4095, -4095 },
		      { 0, -EPROTO }, { 4096, -EPROTO }, { 0xffffffff, -EPROTO } };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct msg m;
		union p9_reply r;
		m_begin(&m, P9_RLERROR, 1);
		m_le(&m, cases[i].ecode, 4);
		m_end(&m);
		uint8_t *p = exact(&m);
		assert_int_equal(p9_dec_reply(p, m.n, P9_TWALK, 1, 1, &r), cases[i].want);
		/* The same error answers a read, through the split path. */
		uint32_t count = 99;
		assert_int_equal(p9_dec_data_head(p, m.n, P9_TREAD, 1, 100, &count), cases[i].want);
		assert_int_equal(count, 99);
		free(p);
	}
}

static void test_dec_walk_bounds(void **state)
{
	(void)state;
	struct msg m;
	union p9_reply r;
	m_begin(&m, P9_RWALK, 1);
	m_le(&m, 2, 2);
	m_qid(&m, P9_QTDIR, 1);
	m_qid(&m, 0, 2);
	m_end(&m);
	uint8_t *p = exact(&m);
	assert_int_equal(p9_dec_reply(p, m.n, P9_TWALK, 1, 2, &r), 0);
	assert_int_equal(r.walk.nwqid, 2);
	assert_int_equal(r.walk.wqid[1].path, 2);
	/* more qids than names asked for */
	assert_int_equal(p9_dec_reply(p, m.n, P9_TWALK, 1, 1, &r), -EPROTO);
	free(p);

	/* a count of 17 qids, even when asked for more names, and with the bytes there */
	m_begin(&m, P9_RWALK, 1);
	m_le(&m, 17, 2);
	for (int i = 0; i < 17; i++)
		m_qid(&m, 0, (uint64_t)i);
	m_end(&m);
	p = exact(&m);
	assert_int_equal(p9_dec_reply(p, m.n, P9_TWALK, 1, 100, &r), -EPROTO);
	free(p);
}

static void test_dec_version_and_readlink(void **state)
{
	(void)state;
	struct msg m;
	union p9_reply r;
	m_begin(&m, P9_RVERSION, P9_NOTAG);
	m_le(&m, 65536, 4);
	m_str(&m, "9P2000.L");
	m_end(&m);
	uint8_t *p = exact(&m);
	assert_int_equal(p9_dec_reply(p, m.n, P9_TVERSION, P9_NOTAG, 0, &r), 0);
	assert_int_equal(r.version.msize, 65536);
	assert_int_equal(r.version.version.len, 8);
	assert_memory_equal(r.version.version.s, "9P2000.L", 8);
	free(p);

	/* a string length past the end */
	m_begin(&m, P9_RREADLINK, 1);
	m_le(&m, 10, 2);
	m_le(&m, 'a', 1);
	m_end(&m);
	p = exact(&m);
	assert_int_equal(p9_dec_reply(p, m.n, P9_TREADLINK, 1, 0, &r), -EPROTO);
	free(p);
	/* an embedded NUL in a link target */
	m_begin(&m, P9_RREADLINK, 1);
	m_le(&m, 3, 2);
	memcpy(m.b + m.n, "a\0b", 3);
	m.n += 3;
	m_end(&m);
	p = exact(&m);
	assert_int_equal(p9_dec_reply(p, m.n, P9_TREADLINK, 1, 0, &r), -EPROTO);
	free(p);
}

static void test_dec_data_head(void **state)
{
	(void)state;
	struct msg m;
	uint32_t count = 0;
	m_begin(&m, P9_RREAD, 9);
	m_le(&m, 100, 4);
	m.n = 4; /* size = 111 */
	m_le(&m, 111, 0);
	m.b[0] = 111;
	m.n = 11;
	assert_int_equal(p9_dec_data_head(m.b, 111, P9_TREAD, 9, 100, &count), 0);
	assert_int_equal(count, 100);
	assert_int_equal(p9_dec_data_head(m.b, 111, P9_TREAD, 9, 99, &count), -EPROTO);
	assert_int_equal(p9_dec_data_head(m.b, 110, P9_TREAD, 9, 100, &count), -EPROTO);
	assert_int_equal(p9_dec_data_head(m.b, 111, P9_TREADDIR, 9, 100, &count), -EPROTO);
	assert_int_equal(p9_dec_data_head(m.b, 111, P9_TWALK, 9, 100, &count), -EPROTO);
	/* count disagreeing with size */
	m.b[7] = 99;
	assert_int_equal(p9_dec_data_head(m.b, 111, P9_TREAD, 9, 100, &count), -EPROTO);
	/* size below the header */
	m.b[0] = 5;
	assert_int_equal(p9_dec_data_head(m.b, 5, P9_TREAD, 9, 100, &count), -EPROTO);
}

static void test_dirents(void **state)
{
	(void)state;
	struct msg m = { .n = 0 };
	const char *names[] = { ".", "..", "a file", "\xc3\xa9t\xc3\xa9" };
	for (unsigned i = 0; i < 4; i++) {
		m_qid(&m, i < 2 ? P9_QTDIR : 0, i);
		m_le(&m, i + 1, 8);
		m_le(&m, i < 2 ? 4 : 8, 1);
		m_str(&m, names[i]);
	}
	uint8_t *p = exact(&m);
	uint32_t pos = 0;
	struct p9_dirent d;
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(p9_dirent_next(p, m.n, &pos, &d), 1);
		assert_int_equal(d.name.len, strlen(names[i]));
		assert_memory_equal(d.name.s, names[i], d.name.len);
		assert_int_equal(d.offset, i + 1);
	}
	assert_int_equal(p9_dirent_next(p, m.n, &pos, &d), 0);
	/* every truncation of the last entry */
	for (uint32_t len = m.n - 1; len > m.n - 24; len--) {
		uint8_t *q = malloc(len);
		memcpy(q, p, len);
		pos = 0;
		int rc;
		while ((rc = p9_dirent_next(q, len, &pos, &d)) == 1)
			;
		assert_int_equal(rc, -EPROTO);
		free(q);
	}
	free(p);

	static const char *bad[] = { "a/b", "", "x\0y" };
	for (unsigned i = 0; i < 3; i++) {
		struct msg b = { .n = 0 };
		m_qid(&b, 0, 1);
		m_le(&b, 1, 8);
		m_le(&b, 8, 1);
		size_t n = i == 2 ? 3 : strlen(bad[i]);
		m_le(&b, n, 2);
		memcpy(b.b + b.n, bad[i], n);
		b.n += (uint32_t)n;
		p = exact(&b);
		pos = 0;
		assert_int_equal(p9_dirent_next(p, b.n, &pos, &d), -EPROTO);
		free(p);
	}
}

/* ---- the client over a scripted transport ---- */

/* F_OVERCLAIM: the transport reports the whole reply received though it did not fit. */
enum fault {
	F_NONE,
	F_TRUNCATE,
	F_BAD_TAG,
	F_LERROR,
	F_TRANSPORT,
	F_EXTRA_BYTE,
	F_HUGE_COUNT,
	F_OVERCLAIM
};

/* A directory entry the script serves: entry i has offset i + 1. */
struct sdirent {
	const char *name;
	uint32_t len;
};

struct script {
	struct p9_transport t;
	uint32_t server_msize;
	const char *server_version;
	uint8_t fault_type; /* the T-message type whose reply is damaged */
	enum fault fault;
	unsigned fault_skip; /* how many such messages pass before the fault */
	unsigned walk_stop;  /* names the next walks get through in all (UINT32_MAX: all) */
	uint64_t file_size;  /* what reads see */
	uint32_t write_max;  /* the most a Twrite accepts */
	uint32_t iounit;
	uint8_t walk_qtype;	 /* the qid type of every name walked */
	const char *link_target; /* what Treadlink answers (NULL: "target") */
	const struct sdirent *dir;
	unsigned ndir;
	unsigned counts[256];
	uint32_t max_read_count, max_write_count;
	bool connected;
};

static int s_connect(struct p9_transport *t)
{
	((struct script *)t)->connected = true;
	return 0;
}

static void s_disconnect(struct p9_transport *t)
{
	((struct script *)t)->connected = false;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* The reply a well-behaved server gives to the T-message @t. */
static void answer(struct script *s, const uint8_t *t, const struct p9_req *req, struct msg *m,
		   const uint8_t **data, uint32_t *ndata)
{
	uint8_t type = t[4];
	uint16_t tag = (uint16_t)(t[5] | t[6] << 8);
	static uint8_t filler[1 << 20];
	*data = NULL;
	*ndata = 0;
	m_begin(m, type + 1, tag);
	switch (type) {
	case P9_TVERSION:
		m_le(m, s->server_msize, 4);
		m_str(m, s->server_version);
		break;
	case P9_TATTACH:
	case P9_TMKDIR: m_qid(m, P9_QTDIR, 1); break;
	case P9_TWALK: {
		unsigned n = t[15] | t[16] << 8, got = MIN(n, s->walk_stop);
		m_le(m, got, 2);
		for (unsigned i = 0; i < got; i++)
			m_qid(m, s->walk_qtype, 100 + i);
		if (s->walk_stop != UINT32_MAX)
			s->walk_stop -= got;
		break;
	}
	case P9_TLOPEN:
	case P9_TLCREATE:
		m_qid(m, 0, 5);
		m_le(m, s->iounit, 4);
		break;
	case P9_TREAD: {
		uint64_t off = get64(t + 11);
		uint32_t count = get32(t + 19);
		uint64_t left = off < s->file_size ? s->file_size - off : 0;
		uint32_t n = (uint32_t)MIN((uint64_t)count, left);
		s->max_read_count = MAX(s->max_read_count, count);
		for (uint32_t i = 0; i < n; i++)
			filler[i] = (uint8_t)(off + i);
		m_le(m, n, 4);
		*data = filler;
		*ndata = n;
		break;
	}
	case P9_TWRITE: {
		uint32_t count = get32(t + 19);
		assert_int_equal(req->out[1].len, count);
		s->max_write_count = MAX(s->max_write_count, count);
		m_le(m, MIN(count, s->write_max), 4);
		break;
	}
	case P9_TREADLINK: m_str(m, s->link_target ? s->link_target : "target"); break;
	case P9_TGETATTR:
		m_le(m, P9_GETATTR_BASIC, 8);
		m_qid(m, s->walk_qtype, 5);
		m_le(m, 0100644, 4);
		m_le(m, 0, 8); /* uid, gid */
		m_le(m, 1, 8); /* nlink */
		m_le(m, 0, 8); /* rdev */
		m_le(m, s->file_size, 8);
		m_le(m, 4096, 8); /* blksize */
		m_le(m, (s->file_size + 511) / 512, 8);
		for (int i = 0; i < 10; i++)
			m_le(m, 0, 8); /* times, gen, data_version */
		break;
	case P9_TREADDIR: {
		static struct msg d;
		d.n = 0;
		for (uint64_t i = get64(t + 11); i < s->ndir; i++) {
			const struct sdirent *e = &s->dir[i];
			if (d.n + 24 + e->len > get32(t + 19))
				break;
			m_qid(&d, 0, 1000 + i);
			m_le(&d, i + 1, 8);
			m_le(&d, 8, 1);
			m_le(&d, e->len, 2);
			memcpy(d.b + d.n, e->name, e->len);
			d.n += e->len;
		}
		m_le(m, d.n, 4);
		*data = d.b;
		*ndata = d.n;
		break;
	}
	default: break; /* clunk and the other empty replies */
	}
	m_end(m);
	if (*ndata) {
		uint32_t size = m->n + *ndata;
		for (unsigned i = 0; i < 4; i++)
			m->b[i] = (uint8_t)(size >> (8 * i));
	}
}

static void damage(struct script *s, struct msg *m, uint32_t *ndata)
{
	switch (s->fault) {
	case F_TRUNCATE: m->n -= 1; break;
	case F_BAD_TAG: m->b[5] ^= 1; break;
	case F_LERROR:
		m->b[4] = P9_RLERROR;
		m->n = 7;
		m_le(m, ENOSPC, 4);
		m_end(m);
		*ndata = 0;
		break;
	case F_EXTRA_BYTE:
		m_le(m, 0, 1);
		m_end(m);
		break;
	case F_HUGE_COUNT: m->b[7] = 0xff, m->b[8] = 0xff, m->b[9] = 0xff, m->b[10] = 0x7f; break;
	default: break;
	}
}

/*
 * Scatters @m then @data into req->in, as a device would. One that @lies
 * reports the whole reply as received when it did not fit (as a virtio
 * device may in used.len).
 */
static int deliver(struct p9_req *req, const struct msg *m, const uint8_t *data, uint32_t ndata,
		   bool lies)
{
	uint32_t total = m->n + ndata, done = 0;
	for (unsigned i = 0; i < req->nin && done < total; i++) {
		uint32_t n = MIN(req->in[i].len, total - done);
		for (uint32_t k = 0; k < n; k++, done++) {
			uint32_t at = done;
			((uint8_t *)req->in[i].base)[k] = at < m->n ? m->b[at] : data[at - m->n];
		}
	}
	if (done < total && !lies)
		return -EMSGSIZE;
	req->received = total;
	return 0;
}

static int s_request(struct p9_transport *t, struct p9_req *req)
{
	struct script *s = (struct script *)t;
	assert_true(s->connected);
	/* gather the T-message (header part only: payloads stay in out[1]) */
	const uint8_t *tm = req->out[0].base;
	assert_true(req->out[0].len >= 7);
	uint8_t type = tm[4];
	assert_int_equal(get32(tm), req->out[0].len + (req->nout > 1 ? req->out[1].len : 0));
	s->counts[type]++;
	static struct msg m;
	const uint8_t *data;
	uint32_t ndata;
	answer(s, tm, req, &m, &data, &ndata);
	bool lies = false;
	if (type == s->fault_type && s->fault != F_NONE) {
		if (s->fault_skip) {
			s->fault_skip--;
		} else {
			if (s->fault == F_TRANSPORT)
				return -ENOTCONN;
			lies = s->fault == F_OVERCLAIM;
			damage(s, &m, &ndata);
		}
	}
	return deliver(req, &m, data, ndata, lies);
}

static const struct p9_transport_ops script_ops = { s_connect, s_request, s_disconnect };

/* A well-behaved server; keeps s->t.next (a registered script stays registered). */
static void script_init(struct script *s)
{
	struct p9_transport *next = s->t.next;
	memset(s, 0, sizeof(*s));
	s->t.next = next;
	s->t.ops = &script_ops;
	s->t.tag = "test";
	s->t.kind = "script";
	s->t.max_msize = 65536;
	s->server_msize = 65536;
	s->server_version = "9P2000.L";
	s->walk_stop = UINT32_MAX;
	s->file_size = 1 << 20;
	s->write_max = UINT32_MAX;
}

static struct script *script_new(void)
{
	struct script *s = calloc(1, sizeof(*s));
	script_init(s);
	return s;
}

static struct p9_client *mount(struct script *s)
{
	struct p9_client *c = NULL;
	struct p9_qid q;
	assert_int_equal(p9_client_open(&s->t, "", 0, &c, &q), 0);
	assert_int_equal(q.type, P9_QTDIR);
	assert_int_equal(p9_fids_in_use(c), 1);
	return c;
}

static void test_client_version(void **state)
{
	(void)state;
	struct script *s = script_new();
	struct p9_client *c;
	s->server_msize = 8192;
	c = mount(s);
	assert_int_equal(p9_msize(c), 8192);
	p9_client_close(c);
	assert_false(s->connected);

	s->server_version = "9P2000.u";
	assert_int_equal(p9_client_open(&s->t, "", 0, &c, NULL), -EOPNOTSUPP);
	s->server_version = "9P2000.L";
	s->server_msize = 1 << 20; /* more than asked for */
	assert_int_equal(p9_client_open(&s->t, "", 0, &c, NULL), -EPROTO);
	s->server_msize = 100; /* too small to be useful */
	assert_int_equal(p9_client_open(&s->t, "", 0, &c, NULL), -EPROTO);
	s->server_msize = 65536;
	s->fault_type = P9_TATTACH;
	s->fault = F_LERROR;
	assert_int_equal(p9_client_open(&s->t, "", 0, &c, NULL), -ENOSPC);
	assert_false(s->connected);
	free(s);
}

static const char *const many[] = { "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k",
				    "l", "m", "n", "o", "p", "q", "r", "s", "t", "u", "v",
				    "w", "x", "y", "z", "0", "1", "2", "3", "4", "5", "6" };

static void test_client_walk_fids(void **state)
{
	(void)state;
	struct script *s = script_new();
	struct p9_client *c = mount(s);
	uint32_t fid;
	struct p9_qid q[40];
	unsigned walked;

	/* a clone, 1 name, 33 names (three messages) */
	for (unsigned n = 0; n <= 33; n += 16) {
		unsigned before = s->counts[P9_TWALK];
		assert_int_equal(p9_walk(c, p9_root_fid(c), n, many, &fid, q, &walked), 0);
		assert_int_equal(s->counts[P9_TWALK] - before, n ? (n + 15) / 16 : 1);
		assert_int_equal(p9_fids_in_use(c), 2);
		assert_int_equal(p9_clunk(c, fid), 0);
		assert_int_equal(p9_fids_in_use(c), 1);
	}
	/* partial walks: in the first message and in a later one */
	for (unsigned stop = 0; stop < 33; stop += 5) {
		s->walk_stop = stop;
		unsigned clunks = s->counts[P9_TCLUNK];
		assert_int_equal(p9_walk(c, p9_root_fid(c), 33, many, &fid, q, &walked), -ENOENT);
		assert_int_equal(walked, stop);
		assert_int_equal(p9_fids_in_use(c), 1);
		/* a fid the server holds (from a complete first step) is clunked */
		assert_int_equal(s->counts[P9_TCLUNK] - clunks, stop >= 16 ? 1 : 0);
		s->walk_stop = UINT32_MAX;
	}
	/* every kind of damaged reply, on the first and on a later step */
	for (enum fault f = F_TRUNCATE; f <= F_EXTRA_BYTE; f++) {
		for (unsigned skip = 0; skip < 2; skip++) {
			s->fault_type = P9_TWALK;
			s->fault = f;
			s->fault_skip = skip;
			int err = p9_walk(c, p9_root_fid(c), 20, many, &fid, q, &walked);
			assert_true(err == -EPROTO || err == -ENOSPC || err == -ENOTCONN);
			assert_int_equal(p9_fids_in_use(c), 1);
			s->fault = F_NONE;
		}
	}
	struct p9_client_stats st;
	p9_client_get_stats(c, &st);
	assert_true(st.protocol_errors >= 6);
	assert_int_equal(st.tags_in_use, 0);
	p9_client_close(c);
	free(s);
}

static void test_client_read_chunks(void **state)
{
	(void)state;
	struct script *s = script_new();
	s->server_msize = 8192;
	s->file_size = 100000;
	struct p9_client *c = mount(s);
	uint8_t *buf = malloc(200000);

	/* split at msize - 11 and stops at end of file */
	assert_int_equal(p9_read(c, 1, 0, buf, 200000, 0), 100000);
	assert_int_equal(s->max_read_count, 8192 - 11);
	for (uint32_t i = 0; i < 100000; i++)
		assert_int_equal(buf[i], (uint8_t)i);
	/* split at a smaller iounit */
	s->max_read_count = 0;
	assert_int_equal(p9_read(c, 1, 99000, buf, 5000, 512), 1000);
	assert_int_equal(s->max_read_count, 512);
	assert_int_equal(buf[0], (uint8_t)99000);
	/* at and past the end */
	assert_int_equal(p9_read(c, 1, 100000, buf, 10, 0), 0);
	assert_int_equal(p9_read(c, 1, 1ull << 40, buf, 10, 0), 0);

	/* damaged replies: a count larger than asked, an error, a transport failure */
	static const enum fault faults[] = { F_HUGE_COUNT, F_LERROR, F_TRANSPORT, F_TRUNCATE };
	static const int want[] = { -EPROTO, -ENOSPC, -ENOTCONN, -EPROTO };
	for (unsigned i = 0; i < 4; i++) {
		s->fault_type = P9_TREAD;
		s->fault = faults[i];
		s->fault_skip = 0;
		assert_int_equal(p9_read(c, 1, 0, buf, 100, 0), want[i]);
		/* after one good chunk, the bytes read so far are returned */
		s->fault_skip = 1;
		assert_int_equal(p9_read(c, 1, 0, buf, 20000, 0), 8192 - 11);
	}
	s->fault = F_NONE;
	assert_int_equal(p9_fids_in_use(c), 1);
	free(buf);
	p9_client_close(c);
	free(s);
}

static void test_client_write_chunks(void **state)
{
	(void)state;
	struct script *s = script_new();
	s->server_msize = 8192;
	struct p9_client *c = mount(s);
	uint8_t *buf = calloc(1, 50000);

	assert_int_equal(p9_write(c, 1, 0, buf, 50000, 0), 50000);
	assert_int_equal(s->max_write_count, 8192 - 23);
	/* a server taking fewer bytes than sent: the client continues */
	s->write_max = 1000;
	unsigned before = s->counts[P9_TWRITE];
	assert_int_equal(p9_write(c, 1, 0, buf, 5000, 0), 5000);
	assert_int_equal(s->counts[P9_TWRITE] - before, 5);
	/* a server taking nothing: -EIO, not a loop */
	s->write_max = 0;
	assert_int_equal(p9_write(c, 1, 0, buf, 5000, 0), -EIO);
	s->write_max = UINT32_MAX;
	/* a count larger than sent is a protocol error */
	s->fault_type = P9_TWRITE;
	s->fault = F_HUGE_COUNT;
	assert_int_equal(p9_write(c, 1, 0, buf, 10, 0), -EPROTO);
	s->fault = F_LERROR;
	assert_int_equal(p9_write(c, 1, 0, buf, 10, 0), -ENOSPC);
	s->fault = F_NONE;
	free(buf);
	p9_client_close(c);
	free(s);
}

static void test_client_clunk_always_releases(void **state)
{
	(void)state;
	struct script *s = script_new();
	struct p9_client *c = mount(s);
	uint32_t fid;
	static const enum fault faults[] = { F_LERROR, F_TRANSPORT, F_TRUNCATE, F_BAD_TAG };
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(p9_walk(c, p9_root_fid(c), 1, many, &fid, NULL, NULL), 0);
		s->fault_type = P9_TCLUNK;
		s->fault = faults[i];
		assert_true(p9_clunk(c, fid) < 0);
		assert_int_equal(p9_fids_in_use(c), 1);
		s->fault = F_NONE;
	}
	/* many fids: the map grows, and every one comes back */
	uint32_t fids[1000];
	for (unsigned i = 0; i < 1000; i++)
		assert_int_equal(p9_walk(c, p9_root_fid(c), 0, NULL, &fids[i], NULL, NULL), 0);
	assert_int_equal(p9_fids_in_use(c), 1001);
	for (unsigned i = 0; i < 1000; i++)
		assert_int_equal(p9_clunk(c, fids[i]), 0);
	assert_int_equal(p9_fids_in_use(c), 1);
	p9_client_close(c);
	free(s);
}

static void test_dirent_name_max(void **state)
{
	(void)state;
	/* 255 bytes is a name; 256 and 65535 are not, whatever they hold */
	static const uint32_t lens[] = { 1, 255, 256, 65535 };
	for (unsigned i = 0; i < 4; i++) {
		struct msg *m = calloc(1, sizeof(*m));
		m_qid(m, 0, 1);
		m_le(m, 1, 8);
		m_le(m, 8, 1);
		m_le(m, lens[i], 2);
		memset(m->b + m->n, 'n', lens[i]);
		m->n += lens[i];
		uint8_t *p = exact(m);
		uint32_t pos = 0;
		struct p9_dirent d;
		int rc = p9_dirent_next(p, m->n, &pos, &d);
		if (lens[i] <= P9_NAME_MAX) {
			assert_int_equal(rc, 1);
			assert_int_equal(d.name.len, lens[i]);
			assert_int_equal(pos, m->n);
		} else {
			assert_int_equal(rc, -EPROTO);
			assert_int_equal(pos, 0);
		}
		free(p);
		free(m);
	}
}

static void test_dec_data_head_short(void **state)
{
	(void)state;
	/* fewer than 11 bytes received: refused, whatever the head buffer holds */
	struct msg m;
	m_begin(&m, P9_RLERROR, 1);
	m_le(&m, ENOENT, 4);
	m_end(&m);
	uint32_t count = 7;
	for (uint32_t got = 0; got < P9_DATA_HDR_SIZE; got++) {
		m.b[0] = (uint8_t)got; /* the size field agrees with what arrived */
		assert_int_equal(p9_dec_data_head(m.b, got, P9_TREAD, 1, 100, &count), -EPROTO);
	}
	assert_int_equal(count, 7);
}

static void test_client_reply_longer_than_posted(void **state)
{
	(void)state;
	struct script *s = script_new();
	struct p9_client *c = mount(s);
	uint32_t fid;
	char *target = malloc(9001), out[64];
	memset(target, 'x', 9000);
	target[9000] = '\0';
	s->link_target = target;
	assert_int_equal(p9_walk(c, p9_root_fid(c), 1, many, &fid, NULL, NULL), 0);
	/* a 9 KiB Rreadlink does not fit the 8 KiB reply buffer: an honest transport says so */
	assert_int_equal(p9_readlink(c, fid, out, sizeof(out)), -EMSGSIZE);
	/* one that claims it arrived anyway: refused before the decoder reads past the buffer */
	s->fault_type = P9_TREADLINK;
	s->fault = F_OVERCLAIM;
	assert_int_equal(p9_readlink(c, fid, out, sizeof(out)), -EPROTO);
	struct p9_client_stats st;
	p9_client_get_stats(c, &st);
	assert_int_equal(st.protocol_errors, 1);
	s->fault = F_NONE;
	assert_int_equal(p9_clunk(c, fid), 0);
	p9_client_close(c);
	free(target);
	free(s);
}

/* ---- the filesystem type ---- */

/* The script behind share "vfs", reset for each test (the registry keeps it: never freed). */
static struct script *vfs_script(void)
{
	static struct script *s;
	if (!s) {
		s = script_new();
		s->t.tag = "vfs";
		p9_transport_register(&s->t);
	}
	script_init(s);
	s->t.tag = "vfs";
	return s;
}

static struct vfs_mount vfs_mnt;

struct vfs_mount *vfs_mount_at(const char *path)
{
	return !strcmp(path, vfs_mnt.path) ? &vfs_mnt : NULL;
}

static const struct vfs_fs_ops *vfs_mount9(void)
{
	const struct vfs_fs_ops *ops = p9fs_fstype();
	memset(&vfs_mnt, 0, sizeof(vfs_mnt));
	strcpy(vfs_mnt.path, "/mnt");
	vfs_mnt.ops = ops; /* as kernel/vfs.c sets it before calling mount */
	assert_int_equal(ops->mount(&vfs_mnt, "vfs", NULL), 0);
	return ops;
}

static uint32_t vfs_fids(void)
{
	struct p9_client_stats st;
	assert_int_equal(p9fs_stats("/mnt", &st), 0);
	return st.fids_in_use;
}

/*
 * Checks @n bytes of getdents records as a reader that steps by d_reclen
 * does: each record holds its NUL-terminated name, and the names are
 * @names[0..], in order. Returns how many records there were.
 */
static unsigned walk_records(const uint8_t *buf, ssize_t n, const char *const *names)
{
	const size_t head = offsetof(struct linux_dirent64, d_name);
	unsigned k = 0;
	for (ssize_t at = 0; at < n; k++) {
		struct linux_dirent64 e;
		assert_true((size_t)(n - at) >= head);
		memcpy(&e, buf + at, head);
		assert_true(e.d_reclen >= head + 1 && e.d_reclen <= n - at);
		assert_int_equal(e.d_reclen % 8, 0);
		const char *name = (const char *)buf + at + head;
		size_t len = strnlen(name, e.d_reclen - head);
		assert_true(len < e.d_reclen - head);
		assert_non_null(names[k]);
		assert_int_equal(len, strlen(names[k]));
		assert_memory_equal(name, names[k], len);
		at += e.d_reclen;
	}
	return k;
}

static void test_vfs_getdents_name_max(void **state)
{
	(void)state;
	struct script *s = vfs_script();
	s->server_msize = s->t.max_msize = 1 << 17; /* room for a 64 KiB name */
	char *name255 = malloc(255), *huge = malloc(65535);
	memset(name255, 'n', 255);
	memset(huge, 'x', 65535);
	/* 65535 bytes: ALIGN_UP(19 + 65535 + 1, 8) = 65560, 24 in 16 bits */
	const struct sdirent dir[] = { { "a", 1 }, { name255, 255 }, { huge, 65535 }, { "z", 1 } };
	s->dir = dir;
	s->ndir = 4;
	const struct vfs_fs_ops *ops = vfs_mount9();
	struct vfs_path root = { .n = 0 };
	struct vfs_file f = { 0 };
	struct vfs_symlink *link = malloc(sizeof(*link));
	assert_int_equal(ops->open(&vfs_mnt, &root, O_RDONLY | O_DIRECTORY, 0, &f, link), 0);
	assert_int_equal(vfs_fids(), 2);

	size_t len = 200000;
	uint8_t *buf = malloc(len);
	char want255[256];
	memcpy(want255, name255, 255);
	want255[255] = '\0';
	const char *const names[] = { "a", want255, NULL };
	ssize_t n = f.ops->getdents(&f, buf, len);
	/* the records before the bad entry, each whole; then the listing stops there */
	assert_int_equal(n, 24 + 280);
	assert_int_equal(walk_records(buf, n, names), 2);
	assert_int_equal(f.pos, 2);
	assert_int_equal(f.ops->getdents(&f, buf, len), -EPROTO);
	assert_int_equal(f.ops->getdents(&f, buf, len), -EPROTO);
	assert_int_equal(f.pos, 2);

	f.ops->close(&f);
	assert_int_equal(vfs_fids(), 1);
	ops->unmount(&vfs_mnt);
	free(buf);
	free(link);
	free(huge);
	free(name255);
}

static void test_vfs_link_targets(void **state)
{
	(void)state;
	struct script *s = vfs_script();
	s->walk_qtype = P9_QTSYMLINK;
	const struct vfs_fs_ops *ops = vfs_mount9();
	struct vfs_path p = { .n = 1, .comp = { "l" } };
	struct vfs_symlink *link = malloc(sizeof(*link));
	struct stat st;
	char *target = malloc(PATH_MAX + 1), buf[8];

	s->link_target = "../t";
	assert_int_equal(ops->stat(&vfs_mnt, &p, true, &st, link), -VFS_ESYMLINK);
	assert_int_equal(link->at, 0);
	assert_string_equal(link->target, "../t");
	/* an empty target is not followed (it would mean the link's own directory) */
	s->link_target = "";
	assert_int_equal(ops->stat(&vfs_mnt, &p, true, &st, link), -ENOENT);
	assert_int_equal(ops->readlink(&vfs_mnt, &p, buf, sizeof(buf), link), 0);
	/* PATH_MAX - 1 bytes is the longest target */
	memset(target, 't', PATH_MAX);
	target[PATH_MAX - 1] = '\0';
	s->link_target = target;
	assert_int_equal(ops->stat(&vfs_mnt, &p, true, &st, link), -VFS_ESYMLINK);
	assert_int_equal(strlen(link->target), PATH_MAX - 1);
	target[PATH_MAX - 1] = 't';
	target[PATH_MAX] = '\0';
	assert_int_equal(ops->stat(&vfs_mnt, &p, true, &st, link), -ENAMETOOLONG);
	assert_int_equal(ops->readlink(&vfs_mnt, &p, buf, sizeof(buf), link), -ENAMETOOLONG);
	assert_int_equal(vfs_fids(), 1);
	ops->unmount(&vfs_mnt);
	free(target);
	free(link);
}

static void test_vfs_stat_sizes(void **state)
{
	(void)state;
	struct script *s = vfs_script();
	const struct vfs_fs_ops *ops = vfs_mount9();
	struct vfs_path p = { .n = 1, .comp = { "f" } };
	struct vfs_symlink *link = malloc(sizeof(*link));
	struct stat st;
	s->file_size = INT64_MAX;
	assert_int_equal(ops->stat(&vfs_mnt, &p, true, &st, link), 0);
	assert_true(st.st_size == INT64_MAX);
	/* a size struct stat would hold as negative */
	s->file_size = (uint64_t)INT64_MAX + 1;
	assert_int_equal(ops->stat(&vfs_mnt, &p, true, &st, link), -EPROTO);
	assert_int_equal(vfs_fids(), 1);
	ops->unmount(&vfs_mnt);
	free(link);
}

static void test_vfs_mount_options(void **state)
{
	(void)state;
	static const struct {
		const char *opts;
		int err;
		uint32_t msize;
	} cases[] = {
		{ NULL, 0, 0 },
		{ "", 0, 0 },
		{ "msize=4096", 0, 4096 },
		{ "msize=4294967295", 0, 4294967295u },
		{ "msize=0004096", 0, 4096 },
		{ "msize=4095", -EINVAL, 0 },
		{ "msize=4294967296", -EINVAL, 0 },
		{ "msize=99999999999999999999999", -EINVAL, 0 },
		{ "msize=", -EINVAL, 0 },
		{ "msize=8k", -EINVAL, 0 },
		{ "msize=-8192", -EINVAL, 0 },
		{ "msize=8192,trans=virtio", -EINVAL, 0 },
		{ "trans=virtio", -EINVAL, 0 },
		{ "msize", -EINVAL, 0 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint32_t msize = 12345;
		assert_int_equal(p9fs_parse_options(cases[i].opts, &msize), cases[i].err);
		if (!cases[i].err)
			assert_int_equal(msize, cases[i].msize);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enc_version_bytes),
		cmocka_unit_test(test_enc_walk_bytes),
		cmocka_unit_test(test_enc_write_head_counts_payload),
		cmocka_unit_test(test_enc_overflow),
		cmocka_unit_test(test_dec_attach_and_errors),
		cmocka_unit_test(test_dec_lerror),
		cmocka_unit_test(test_dec_walk_bounds),
		cmocka_unit_test(test_dec_version_and_readlink),
		cmocka_unit_test(test_dec_data_head),
		cmocka_unit_test(test_dirents),
		cmocka_unit_test(test_client_version),
		cmocka_unit_test(test_client_walk_fids),
		cmocka_unit_test(test_client_read_chunks),
		cmocka_unit_test(test_client_write_chunks),
		cmocka_unit_test(test_client_clunk_always_releases),
		cmocka_unit_test(test_dirent_name_max),
		cmocka_unit_test(test_dec_data_head_short),
		cmocka_unit_test(test_client_reply_longer_than_posted),
		cmocka_unit_test(test_vfs_getdents_name_max),
		cmocka_unit_test(test_vfs_link_targets),
		cmocka_unit_test(test_vfs_stat_sizes),
		cmocka_unit_test(test_vfs_mount_options),
	};
	return cmocka_run_group_tests_name("p9", tests, NULL, NULL);
}
