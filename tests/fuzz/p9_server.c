// SPDX-License-Identifier: MIT
/*
 * The hostile 9P2000.L server of the 9P fuzz harnesses (the reply script's
 * layout is in p9_server.h).
 *
 * A reply is built whole in one buffer (header, body and any payload), then
 * damaged, then scattered over the request's in[] buffers as a device would:
 * an honest transport returns -EMSGSIZE when it does not fit, a lying one
 * copies what fits and reports more. Directory entries and link targets are
 * made from patterns, so an input of a few bytes can ask for a 65535-byte
 * name or a 4096-byte target. Nothing here trusts the client either: the
 * T-message's size and tag are checked, and every field read from it is
 * bounded by the bytes the client gave.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ember/compiler.h>
#include <ember/errno.h>
#include <ember/p9_msg.h>
#include <ember/printk.h>
#include <ember/sched.h>

#include "p9_server.h"

#define REPLY_MAX  (1u << 18) /* room for an Rread or Rreaddir of any msize the harnesses use */
#define KEEP_MAX   8192u      /* the largest reply kept for a replay */
#define TARGET_MAX 4095u      /* PATH_MAX - 1: the longest link target the VFS takes */

/*
 * ASan fills every new allocation (not only its first 4 KiB): bytes the
 * client never wrote then hold 0xbe, not a zero that would stop a runaway
 * memchr() before it reaches the red zone.
 */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "max_malloc_fill_size=1048576";
}

/* ---- kernel stubs ---- */

unsigned long printk_loglevel;
static bool verbose;

int printk(const char *fmt, ...)
{
	if (!verbose)
		return 0;
	va_list ap;
	va_start(ap, fmt);
	int n = vfprintf(stderr, fmt, ap);
	va_end(ap);
	return n;
}

void waitq_init(struct waitq *wq)
{
	(void)wq;
}

int waitq_wait(struct waitq *wq, uint64_t deadline_ns)
{
	(void)wq;
	(void)deadline_ns;
	p9srv_fail(__FILE__, __LINE__, "a single-threaded client waited (for a tag?)");
}

int waitq_wake_one(struct waitq *wq)
{
	(void)wq;
	return 0;
}

void p9srv_fail(const char *file, int line, const char *cond)
{
	fprintf(stderr, "%s:%d: invariant failed: %s\n", file, line, cond);
	abort();
}

/* ---- building a reply ---- */

struct out {
	uint8_t *b;
	uint32_t n;
};

static void put(struct out *o, uint64_t v, unsigned bytes)
{
	P9_CHECK(o->n + bytes <= REPLY_MAX);
	for (unsigned i = 0; i < bytes; i++)
		o->b[o->n++] = (uint8_t)(v >> (8 * i));
}

static void put_qid(struct out *o, uint8_t type, uint64_t path)
{
	put(o, type, 1);
	put(o, 0, 4);
	put(o, path, 8);
}

/* Fills @len bytes at @p with its first @have bytes repeated (doubling memcpys: fast under ASan). */
static void repeat(uint8_t *p, uint32_t have, uint32_t len)
{
	while (have && have < len) {
		uint32_t n = MIN(have, len - have);
		memcpy(p + have, p, n);
		have += n;
	}
}

/* A string of @len bytes: the @tl bytes at @text, repeated. */
static void put_pattern(struct out *o, const char *text, uint32_t tl, uint32_t len)
{
	P9_CHECK(o->n + 2 + len <= REPLY_MAX && (tl || !len));
	put(o, len, 2);
	memcpy(o->b + o->n, text, MIN(tl, len));
	repeat(o->b + o->n, MIN(tl, len), len);
	o->n += len;
}

static void put_cstr(struct out *o, const char *s)
{
	put_pattern(o, s, (uint32_t)strlen(s), (uint32_t)strlen(s));
}

static void set_size(struct out *o)
{
	if (o->n >= 4)
		for (unsigned i = 0; i < 4; i++)
			o->b[i] = (uint8_t)(o->n >> (8 * i));
}

/* Field @off of the T-message (out[0]), 0 past its end. */
static uint64_t tget(const struct p9_req *req, uint32_t off, unsigned bytes)
{
	const uint8_t *t = req->out[0].base;
	uint64_t v = 0;
	for (unsigned i = 0; i < bytes && off + i < req->out[0].len; i++)
		v |= (uint64_t)t[off + i] << (8 * i);
	return v;
}

static uint8_t qtype_of(const uint8_t *name, uint32_t len)
{
	if (len && name[0] == 'd')
		return P9_QTDIR;
	return len && name[0] == 'l' ? P9_QTSYMLINK : 0;
}

/* Rwalk: by default every name, typed by its first letter. */
static void walk_reply(const struct p9_req *req, const uint8_t *a, struct out *o)
{
	unsigned nwname = (unsigned)tget(req, 15, 2), nwqid;
	if (a[1] & 0x80)
		nwqid = nwname + 1 + (a[1] & 3); /* more than asked */
	else
		nwqid = nwname - a[0] % (nwname + 1);
	put(o, nwqid, 2);
	uint32_t at = 17;
	for (unsigned i = 0; i < nwqid; i++) {
		uint32_t len = (uint32_t)tget(req, at, 2);
		uint8_t type = 0;
		if (i < nwname && at + 2 + len <= req->out[0].len)
			type = qtype_of((const uint8_t *)req->out[0].base + at + 2, len);
		at += 2 + len;
		if (i + 1 == nwqid)
			type ^= a[2];
		put_qid(o, type, 100 + i + ((uint64_t)a[3] << 8));
	}
}

/* The name of directory entry @i: @a[1] picks an odd one for entry @a[2]. */
static void dirent_name(const uint8_t *a, uint64_t i, struct out *o)
{
	static const char *const plain[] = { ".", "..", "d0", "f0", "l0", "file name", "d1" };
	if (i % 8 != a[2] % 8 || !a[1]) {
		const char *n = plain[i % ARRAY_SIZE(plain)];
		put_cstr(o, n);
		return;
	}
	switch (a[1] % 8) {
	case 1: put_pattern(o, "n", 1, 255); break;
	case 2: put_pattern(o, "n", 1, 256); break;
	case 3: put_pattern(o, "\x18\x01\x08xforged", 10, 65535); break;
	case 4: put_cstr(o, ""); break;
	case 5: put_cstr(o, "a/b"); break;
	case 6: put_pattern(o, "a\0b", 3, 3); break;
	case 7: put_pattern(o, "x", 1, 1u + a[3]); break;
	default: put_cstr(o, ".."); break;
	}
}

/* Rreaddir: entries from the requested offset while they fit the count. */
static void readdir_reply(const struct p9_req *req, const uint8_t *a, struct out *o)
{
	uint64_t off = tget(req, 11, 8);
	uint32_t count = (uint32_t)tget(req, 19, 4);
	unsigned k = a[0] ? a[0] % 9 : 3;
	uint32_t count_at = o->n;
	put(o, 0, 4);
	for (unsigned i = 0; i < k && off + i < 64; i++) {
		uint32_t start = o->n;
		uint64_t next = a[4] == 1 ? 0 : a[4] == 2 ? UINT64_MAX - i : off + i + 1;
		put_qid(o, (uint8_t)(i % 3 == 0 ? P9_QTDIR : 0), 1000 + off + i);
		put(o, next, 8);
		put(o, (off + i) % 3 == 0 ? 4 : 8, 1);
		dirent_name(a, off + i, o);
		if (o->n - count_at - 4 > count) {
			o->n = start; /* a real server stops at the count */
			break;
		}
	}
	uint32_t n = o->n - count_at - 4;
	for (unsigned i = 0; i < 4; i++)
		o->b[count_at + i] = (uint8_t)(n >> (8 * i));
}

/* Rreadlink: @a[0] picks the target. */
static void readlink_reply(const uint8_t *a, struct out *o)
{
	static const char *const targets[] = { "d0/f0", "/d0",		 "..",
					       "",	"../../../d1",	 "l0",
					       "/",	"d0//f0/",	 "f0",
					       "../l1", "/d1/../d0/./f1" };
	switch (a[0]) {
	case 200: put_pattern(o, "t/", 2, TARGET_MAX); break;
	case 201: put_pattern(o, "t", 1, TARGET_MAX + 1); break;
	case 202: put_pattern(o, "a\0b", 3, 3); break;
	case 203: put_pattern(o, "d0/", 3, (uint32_t)(a[1] | a[2] << 8)); break;
	default: {
		const char *t = targets[a[0] % ARRAY_SIZE(targets)];
		put_cstr(o, t);
	}
	}
}

/* Rgetattr: a regular file by default; @a picks the mode and a size up to 2^64 - 1. */
static void getattr_reply(const uint8_t *a, struct out *o)
{
	static const uint32_t modes[] = { 0100644, 040755, 0120777, 0xffffffff };
	uint64_t size = (uint64_t)(a[1] | a[2] << 8 | a[3] << 16 | (uint32_t)a[4] << 24)
			<< (a[5] & 63);
	put(o, a[0] & 0x80 ? 0 : P9_GETATTR_BASIC, 8);
	put_qid(o, a[0] & 4 ? P9_QTDIR : 0, 7);
	put(o, modes[a[0] % 4], 4);
	put(o, 0, 8); /* uid, gid */
	put(o, 1, 8); /* nlink */
	put(o, 0, 8); /* rdev */
	put(o, size, 8);
	put(o, a[0] & 8 ? UINT64_MAX : 4096, 8); /* blksize */
	put(o, size / 512, 8);
	for (int i = 0; i < 10; i++)
		put(o, a[0] & 16 ? UINT64_MAX : (uint64_t)i, 8); /* times, gen, data_version */
}

static void statfs_reply(const uint8_t *a, struct out *o)
{
	put(o, 0x01021997, 4);
	put(o, (uint32_t)a[0] << (a[1] % 32), 4); /* bsize */
	for (int i = 0; i < 6; i++)
		put(o, (uint64_t)a[2 + i % 4] << (8 * i), 8);
	put(o, a[1] ? a[1] : 255, 4); /* namelen */
}

/* @count bytes of the file's contents. */
static void data_reply(uint32_t count, uint64_t off, struct out *o)
{
	put(o, count, 4);
	P9_CHECK(o->n + count <= REPLY_MAX);
	uint8_t *p = o->b + o->n;
	for (uint32_t i = 0; i < MIN(count, 256u); i++)
		p[i] = (uint8_t)(off + i);
	repeat(p, MIN(count, 256u), count);
	o->n += count;
}

/* A share of @n of @count (all of it for 0). */
static uint32_t part(uint32_t count, uint8_t n)
{
	return n ? (uint32_t)((uint64_t)count * n >> 8) : count;
}

/* The body of a well-formed reply to @type. */
static void good_body(const struct p9_req *req, uint8_t type, const uint8_t *a, struct out *o)
{
	static const char *const versions[] = { P9_VERSION, "9P2000.u", "9P2000", "9P2000.LL" };
	switch (type) {
	case P9_TVERSION: {
		uint32_t msize = (uint32_t)(a[0] | a[1] << 8 | a[2] << 16 | (uint32_t)a[3] << 24);
		put(o, msize ? msize : tget(req, 7, 4), 4);
		put_cstr(o, versions[a[4] % 4]);
		break;
	}
	case P9_TATTACH: put_qid(o, P9_QTDIR ^ a[0], 1); break;
	case P9_TWALK: walk_reply(req, a, o); break;
	case P9_TLOPEN:
	case P9_TLCREATE:
		put_qid(o, a[0], 5);
		put(o, (uint32_t)(a[1] | a[2] << 8 | a[3] << 16), 4); /* iounit */
		break;
	case P9_TREAD:
		data_reply(part((uint32_t)tget(req, 19, 4), a[0]), tget(req, 11, 8), o);
		break;
	case P9_TWRITE: put(o, part((uint32_t)tget(req, 19, 4), a[0]), 4); break;
	case P9_TREADDIR: readdir_reply(req, a, o); break;
	case P9_TGETATTR: getattr_reply(a, o); break;
	case P9_TSTATFS: statfs_reply(a, o); break;
	case P9_TREADLINK: readlink_reply(a, o); break;
	case P9_TMKDIR: put_qid(o, P9_QTDIR ^ a[0], 9); break;
	case P9_TSYMLINK: put_qid(o, P9_QTSYMLINK ^ a[0], 9); break;
	default: break; /* the empty replies */
	}
}

/* ---- the transport ---- */

static uint8_t reply[REPLY_MAX], last[KEEP_MAX];
static uint32_t nlast;

/* The next @n script bytes into @dst, zeros past the end; returns how many were there. */
static size_t take(struct p9srv *s, uint8_t *dst, size_t n)
{
	size_t have = MIN(n, s->len - s->pos);
	memcpy(dst, s->script + s->pos, have);
	memset(dst + have, 0, n - have);
	s->pos += have;
	return have;
}

/* How the transport reports what it delivered. */
struct delivery {
	bool lies;	/* copy what fits, claim it all arrived */
	int64_t adjust; /* added to the reported length */
};

static void damage(uint8_t kind, uint8_t x, uint8_t ttype, struct out *o, struct delivery *dv)
{
	if (o->n < P9_HDR_SIZE && kind % 12 != 11)
		return; /* a raw reply too short to damage */
	switch (kind % 12) {
	case 1: o->b[5] ^= x | 1; break; /* a foreign tag */
	case 2: o->b[4] = x; break;
	case 3:
		o->n -= MIN(o->n, 1u + x % o->n);
		set_size(o);
		break;
	case 4: o->n -= MIN(o->n, 1u + x % o->n); break;
	case 5:
		for (unsigned i = 0; i <= x; i++)
			put(o, 0xaa, 1);
		set_size(o);
		break;
	case 6: {
		uint32_t size = (uint32_t)(o->b[0] | o->b[1] << 8 | o->b[2] << 16 |
					   (uint32_t)o->b[3] << 24);
		size = x ? size + (uint32_t)(int8_t)x : UINT32_MAX;
		for (unsigned i = 0; i < 4; i++)
			o->b[i] = (uint8_t)(size >> (8 * i));
		break;
	}
	case 7:
		dv->lies = true;
		dv->adjust = x % 64;
		break;
	case 8: /* a count past what was asked, with the bytes there */
		if (o->n >= 11 &&
		    (ttype == P9_TREAD || ttype == P9_TREADDIR || ttype == P9_TWRITE)) {
			uint32_t c = (uint32_t)(o->b[7] | o->b[8] << 8 | o->b[9] << 16 |
						(uint32_t)o->b[10] << 24) +
				     1 + x;
			for (unsigned i = 0; i < 4; i++)
				o->b[7 + i] = (uint8_t)(c >> (8 * i));
			if (ttype != P9_TWRITE)
				for (unsigned i = 0; i <= x; i++)
					put(o, 'c', 1);
			set_size(o);
		}
		break;
	case 9: dv->adjust = -(int64_t)(1 + x % o->n); break;
	case 10: o->b[5] = o->b[6] = ttype == P9_TVERSION ? 0 : 0xff; break;
	case 11:
		memcpy(o->b, last, nlast);
		o->n = nlast;
		break;
	default: break;
	}
}

/* Builds the reply to @req from one script record (and, for raw bytes, what follows it). */
static int build(struct p9srv *s, const struct p9_req *req, struct out *o, struct delivery *dv)
{
	static const int failures[] = { -ENOTCONN, -EIO, -EMSGSIZE, -ETIMEDOUT };
	uint8_t rec[P9SRV_RECORD];
	take(s, rec, sizeof(rec));
	const uint8_t *a = rec + 2;
	uint8_t ttype = (uint8_t)tget(req, 4, 1);
	o->n = 0;
	if (rec[0] == 2)
		return failures[a[0] % 4];
	if (rec[0] == 3) {
		o->n = (uint32_t)take(s, o->b, MIN((size_t)(a[0] | a[1] << 8), (size_t)REPLY_MAX));
	} else {
		put(o, 0, 4);
		put(o, rec[0] == 1 ? P9_RLERROR : ttype + 1, 1);
		put(o, tget(req, 5, 2), 2);
		if (rec[0] == 1)
			put(o, (uint32_t)(a[0] | a[1] << 8), 4);
		else
			good_body(req, ttype, a, o);
		set_size(o);
	}
	damage(rec[1], a[5], ttype, o, dv);
	return 0;
}

/* Scatters the reply over req->in as a device would (a lying one claims more). */
static int deliver(struct p9_req *req, const struct out *o, const struct delivery *dv)
{
	uint64_t posted = 0;
	for (unsigned i = 0; i < req->nin; i++)
		posted += req->in[i].len;
	if (o->n > posted && !dv->lies)
		return -EMSGSIZE;
	uint32_t done = 0;
	for (unsigned i = 0; i < req->nin && done < o->n; i++) {
		uint32_t n = MIN(req->in[i].len, o->n - done);
		memcpy(req->in[i].base, o->b + done, n);
		done += n;
	}
	int64_t received = (int64_t)o->n + dv->adjust;
	req->received = (uint32_t)(received < 0 ? 0 : received);
	return 0;
}

/* What the client sends must be well-formed whatever the server did before. */
static void check_request(const struct p9srv *s, const struct p9_req *req)
{
	P9_CHECK(s->connected);
	P9_CHECK(req->nout >= 1 && req->nout <= P9_REQ_MAX_IOV);
	P9_CHECK(req->nin >= 1 && req->nin <= P9_REQ_MAX_IOV);
	P9_CHECK(req->out[0].len >= P9_HDR_SIZE);
	uint64_t sent = 0;
	for (unsigned i = 0; i < req->nout; i++)
		sent += req->out[i].len;
	P9_CHECK(tget(req, 0, 4) == sent);
	P9_CHECK(tget(req, 5, 2) == req->tag);
	uint8_t type = (uint8_t)tget(req, 4, 1);
	P9_CHECK(type % 2 == 0 && type != P9_TLERROR);
	P9_CHECK((type == P9_TVERSION) == (req->tag == P9_NOTAG));
}

static int srv_request(struct p9_transport *t, struct p9_req *req)
{
	struct p9srv *s = (struct p9srv *)t;
	check_request(s, req);
	s->requests++;
	struct out o = { reply, 0 };
	struct delivery dv = { false, 0 };
	int err = build(s, req, &o, &dv);
	if (err)
		return err;
	err = deliver(req, &o, &dv);
	nlast = o.n <= KEEP_MAX ? o.n : 0;
	memcpy(last, o.b, nlast);
	return err;
}

static int srv_connect(struct p9_transport *t)
{
	((struct p9srv *)t)->connected = true;
	return 0;
}

static void srv_disconnect(struct p9_transport *t)
{
	struct p9srv *s = (struct p9srv *)t;
	P9_CHECK(s->connected);
	s->connected = false;
}

static const struct p9_transport_ops srv_ops = { srv_connect, srv_request, srv_disconnect };

void p9srv_init(struct p9srv *s, const char *tag, uint32_t max_msize, const uint8_t *script,
		size_t len)
{
	struct p9_transport *next = s->t.next; /* a registered server stays registered */
	memset(s, 0, sizeof(*s));
	s->t = (struct p9_transport){ &srv_ops, tag, "fuzz", max_msize, false, next };
	s->script = script;
	s->len = len;
	nlast = 0;
	verbose = getenv("P9SRV_VERBOSE") != NULL;
}
