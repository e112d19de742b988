// SPDX-License-Identifier: MIT
/*
 * The 9P2000.L client (contract in <ember/p9_client.h>).
 *
 * Every call follows one pattern: take a request slot (a tag plus small
 * T/R buffers), encode, send through the transport, decode, give the slot
 * back. Slots are cached, tags come from a bitmap and fids from a bitmap
 * that grows on demand; none of these touch the network, and the scheduler
 * is cooperative, so the allocators need no lock. A caller that finds every
 * tag busy sleeps on a wait queue until one is freed.
 *
 * Fid discipline: a fid is marked used before the message that creates it is
 * sent and released on every path where the server did not end up holding
 * it (an error reply, a partial walk, a transport failure before the reply).
 * Clunk releases it unconditionally, as 9P specifies.
 */
#include <ember/compiler.h>
#include <ember/errno.h>
#include <ember/heap.h>
#include <ember/p9_client.h>
#include <ember/printk.h>
#include <ember/sched.h>
#include <ember/string.h>

#define P9_MAX_TAGS	 64u
#define P9_SLOT_BUF	 8192u /* the largest non-data message: a 16-name walk, a 4 KiB symlink */
#define P9_SLOT_CACHE	 8u
#define P9_MAX_FIDS	 (1u << 20)
#define P9_DEFAULT_MSIZE (512u * 1024)

struct p9_slot {
	struct p9_slot *next;
	uint16_t tag;
	uint8_t tbuf[P9_SLOT_BUF];
	uint8_t rbuf[P9_SLOT_BUF];
};

struct p9_client {
	struct p9_transport *t;
	uint32_t msize;
	uint32_t root_fid;
	uint64_t tags_used; /* bit i: tag i busy */
	struct waitq tag_wait;
	struct p9_slot *free_slots;
	unsigned nfree_slots;
	uint64_t *fid_map; /* bit per fid */
	uint32_t fid_words, fids_used, fid_hint;
	uint64_t requests, protocol_errors, transport_errors;
};

/* ---- fids ---- */

static int fid_alloc(struct p9_client *c, uint32_t *fid)
{
	for (uint32_t n = 0; n < c->fid_words; n++) {
		uint32_t w = (c->fid_hint + n) % c->fid_words;
		if (c->fid_map[w] != ~0ull) {
			unsigned bit = (unsigned)__builtin_ctzll(~c->fid_map[w]);
			c->fid_map[w] |= 1ull << bit;
			c->fid_hint = w;
			c->fids_used++;
			*fid = w * 64 + bit;
			return 0;
		}
	}
	uint32_t words = c->fid_words ? c->fid_words * 2 : 4;
	if (words * 64 > P9_MAX_FIDS)
		return -ENFILE;
	uint64_t *map = realloc(c->fid_map, words * sizeof(*map));
	if (!map)
		return -ENOMEM;
	memset(map + c->fid_words, 0, (words - c->fid_words) * sizeof(*map));
	c->fid_hint = c->fid_words;
	c->fid_map = map;
	c->fid_words = words;
	return fid_alloc(c, fid);
}

static void fid_release(struct p9_client *c, uint32_t fid)
{
	uint32_t w = fid / 64;
	uint64_t bit = 1ull << (fid % 64);
	if (w >= c->fid_words || !(c->fid_map[w] & bit)) {
		printk("9p: %s: releasing fid %u that is not in use\n", c->t->tag, fid);
		return;
	}
	c->fid_map[w] &= ~bit;
	c->fids_used--;
}

/* ---- request slots and tags ---- */

static struct p9_slot *slot_get(struct p9_client *c)
{
	while (c->tags_used == ~0ull)
		waitq_wait(&c->tag_wait, 0);
	struct p9_slot *s = c->free_slots;
	if (s) {
		c->free_slots = s->next;
		c->nfree_slots--;
	} else if (!(s = malloc(sizeof(*s)))) {
		return NULL;
	}
	s->tag = (uint16_t)__builtin_ctzll(~c->tags_used);
	c->tags_used |= 1ull << s->tag;
	return s;
}

static void slot_put(struct p9_client *c, struct p9_slot *s)
{
	c->tags_used &= ~(1ull << s->tag);
	waitq_wake_one(&c->tag_wait);
	if (c->nfree_slots < P9_SLOT_CACHE) {
		s->next = c->free_slots;
		c->free_slots = s;
		c->nfree_slots++;
	} else {
		free(s);
	}
}

static uint32_t slot_cap(const struct p9_client *c)
{
	return MIN(c->msize, P9_SLOT_BUF);
}

/* ---- one round trip ---- */

/*
 * Sends @req and waits. A reply the transport says is longer than the
 * buffers posted for it is refused here, before any decoder reads it: the
 * codec trusts req->received as the number of bytes it may read.
 */
static int transport_call(struct p9_client *c, struct p9_req *req)
{
	c->requests++;
	int err = c->t->ops->request(c->t, req);
	if (err) {
		c->transport_errors++;
		return err;
	}
	uint64_t posted = 0;
	for (unsigned i = 0; i < req->nin; i++)
		posted += req->in[i].len;
	if (req->received > posted) {
		c->protocol_errors++;
		printk("9p: %s: %s says %u reply bytes arrived in %llu posted\n", c->t->tag,
		       c->t->kind, req->received, (unsigned long long)posted);
		return -EPROTO;
	}
	return 0;
}

static int note_reply(struct p9_client *c, int err, uint8_t ttype)
{
	if (err == -EPROTO) {
		c->protocol_errors++;
		printk("9p: %s: malformed reply to message type %u\n", c->t->tag, ttype);
	}
	return err;
}

/* Sends the @tlen-byte message in @s->tbuf and decodes the reply into @out. */
static int rpc(struct p9_client *c, struct p9_slot *s, int tlen, uint8_t ttype, unsigned nwname,
	       union p9_reply *out)
{
	if (tlen < 0)
		return tlen;
	struct p9_req req = {
		.out = { { s->tbuf, (uint32_t)tlen } },
		.nout = 1,
		.in = { { s->rbuf, slot_cap(c) } },
		.nin = 1,
		/* The tag the message carries: the slot's, or P9_NOTAG for Tversion. */
		.tag = (uint16_t)(s->tbuf[5] | s->tbuf[6] << 8),
	};
	int err = transport_call(c, &req);
	if (err)
		return err;
	return note_reply(c, p9_dec_reply(s->rbuf, req.received, ttype, req.tag, nwname, out),
			  ttype);
}

/*
 * Runs a request whose encoder is the expression @enc (it sees `s`, `cap`),
 * decoding into the union `r` that the caller declares.
 */
#define P9_RPC(c, ttype, nwname, r, enc)                                   \
	({                                                                 \
		struct p9_slot *s = slot_get(c);                           \
		int __err = -ENOMEM;                                       \
		if (s) {                                                   \
			uint32_t cap = slot_cap(c);                        \
			(void)cap;                                         \
			__err = rpc(c, s, (enc), (ttype), (nwname), &(r)); \
			slot_put(c, s);                                    \
		}                                                          \
		__err;                                                     \
	})

/* ---- session ---- */

/* Sends Tversion from @s and checks the version string while it is still in @s->rbuf. */
static int version_ok(struct p9_client *c, struct p9_slot *s, uint32_t want, union p9_reply *r)
{
	int err = rpc(c, s, p9_enc_version(s->tbuf, slot_cap(c), want, P9_VERSION), P9_TVERSION, 0,
		      r);
	if (!err && (r->version.version.len != sizeof(P9_VERSION) - 1 ||
		     memcmp(r->version.version.s, P9_VERSION, sizeof(P9_VERSION) - 1))) {
		printk("9p: %s: server does not speak " P9_VERSION "\n", c->t->tag);
		err = -EOPNOTSUPP;
	}
	return err;
}

static int negotiate(struct p9_client *c, uint32_t want)
{
	union p9_reply r;
	struct p9_slot *s = slot_get(c);
	if (!s)
		return -ENOMEM;
	int err = version_ok(c, s, want, &r);
	slot_put(c, s);
	if (err)
		return err;
	if (r.version.msize < P9_MIN_MSIZE || r.version.msize > want) {
		printk("9p: %s: server offered msize %u (asked for %u)\n", c->t->tag,
		       r.version.msize, want);
		return -EPROTO;
	}
	c->msize = r.version.msize;
	return 0;
}

static int attach(struct p9_client *c, const char *aname, struct p9_qid *qid)
{
	union p9_reply r;
	uint32_t fid;
	int err = fid_alloc(c, &fid);
	if (err)
		return err;
	err = P9_RPC(c, P9_TATTACH, 0, r,
		     p9_enc_attach(s->tbuf, cap, s->tag, fid, P9_NOFID, "root", aname, 0));
	if (err) {
		fid_release(c, fid);
		return err;
	}
	c->root_fid = fid;
	if (qid)
		*qid = r.qid;
	return 0;
}

int p9_client_open(struct p9_transport *t, const char *aname, uint32_t msize,
		   struct p9_client **out, struct p9_qid *root_qid)
{
	if (t->in_use)
		return -EBUSY; /* one session per channel: tags and fids are per session */
	struct p9_client *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	t->in_use = true;
	c->t = t;
	c->msize = P9_MIN_MSIZE; /* until Rversion says more */
	waitq_init(&c->tag_wait);
	uint32_t want = msize ? msize : P9_DEFAULT_MSIZE;
	int err = t->ops->connect(t);
	/* after connect: a transport may learn its limit there (a Xen ring's order) */
	if (t->max_msize && want > t->max_msize)
		want = t->max_msize;
	if (!err)
		err = negotiate(c, want);
	if (!err)
		err = attach(c, aname ? aname : "", root_qid);
	if (err) {
		p9_client_close(c);
		return err;
	}
	*out = c;
	return 0;
}

void p9_client_close(struct p9_client *c)
{
	if (!c)
		return;
	if (c->fid_map && c->fids_used)
		p9_clunk(c, c->root_fid);
	c->t->ops->disconnect(c->t);
	c->t->in_use = false;
	while (c->free_slots) {
		struct p9_slot *s = c->free_slots;
		c->free_slots = s->next;
		free(s);
	}
	free(c->fid_map);
	free(c);
}

uint32_t p9_root_fid(const struct p9_client *c)
{
	return c->root_fid;
}

uint32_t p9_msize(const struct p9_client *c)
{
	return c->msize;
}

uint32_t p9_fids_in_use(const struct p9_client *c)
{
	return c->fids_used;
}

void p9_client_get_stats(const struct p9_client *c, struct p9_client_stats *out)
{
	*out = (struct p9_client_stats){
		.requests = c->requests,
		.protocol_errors = c->protocol_errors,
		.transport_errors = c->transport_errors,
		.fids_in_use = c->fids_used,
		.tags_in_use = (uint32_t)__builtin_popcountll(c->tags_used),
		.msize = c->msize,
	};
}

/* ---- walk ---- */

/* One Twalk of at most 16 names; *@got is how many the server walked. */
static int walk_step(struct p9_client *c, uint32_t fid, uint32_t newfid, unsigned n,
		     const char *const *names, struct p9_qid *qids, unsigned *got)
{
	union p9_reply r;
	int err =
		P9_RPC(c, P9_TWALK, n, r, p9_enc_walk(s->tbuf, cap, s->tag, fid, newfid, n, names));
	*got = 0;
	if (err)
		return err;
	*got = r.walk.nwqid;
	if (qids)
		memcpy(qids, r.walk.wqid, r.walk.nwqid * sizeof(*qids));
	return r.walk.nwqid == n ? 0 : -ENOENT;
}

int p9_walk(struct p9_client *c, uint32_t fid, unsigned n, const char *const *names,
	    uint32_t *newfid, struct p9_qid *qids, unsigned *walked)
{
	uint32_t nf;
	unsigned done = 0, got;
	int err = fid_alloc(c, &nf);
	if (err)
		return err;
	/* The first step creates the new fid; later ones move it along. */
	unsigned step = MIN(n, P9_MAXWELEM);
	err = walk_step(c, fid, nf, step, names, qids, &got);
	done = got;
	while (!err && done < n) {
		step = MIN(n - done, P9_MAXWELEM);
		err = walk_step(c, nf, nf, step, names + done, qids ? qids + done : NULL, &got);
		done += got;
		if (err) {
			/* A failed later step leaves nf where it was: the server still holds it. */
			p9_clunk(c, nf);
			nf = P9_NOFID;
		}
	}
	if (walked)
		*walked = done;
	if (err) {
		if (nf != P9_NOFID)
			fid_release(c, nf);
		return err;
	}
	*newfid = nf;
	return 0;
}

/* ---- open, create, clunk ---- */

static void open_result(const union p9_reply *r, struct p9_qid *qid, uint32_t *iounit)
{
	if (qid)
		*qid = r->open.qid;
	if (iounit)
		*iounit = r->open.iounit;
}

int p9_lopen(struct p9_client *c, uint32_t fid, uint32_t flags, struct p9_qid *qid,
	     uint32_t *iounit)
{
	union p9_reply r;
	int err = P9_RPC(c, P9_TLOPEN, 0, r, p9_enc_lopen(s->tbuf, cap, s->tag, fid, flags));
	if (!err)
		open_result(&r, qid, iounit);
	return err;
}

int p9_lcreate(struct p9_client *c, uint32_t fid, const char *name, uint32_t flags, uint32_t mode,
	       uint32_t gid, struct p9_qid *qid, uint32_t *iounit)
{
	union p9_reply r;
	int err = P9_RPC(c, P9_TLCREATE, 0, r,
			 p9_enc_lcreate(s->tbuf, cap, s->tag, fid, name, flags, mode, gid));
	if (!err)
		open_result(&r, qid, iounit);
	return err;
}

int p9_clunk(struct p9_client *c, uint32_t fid)
{
	union p9_reply r;
	int err = P9_RPC(c, P9_TCLUNK, 0, r, p9_enc_clunk(s->tbuf, cap, s->tag, fid));
	fid_release(c, fid);
	return err;
}

int p9_remove(struct p9_client *c, uint32_t fid)
{
	union p9_reply r;
	int err = P9_RPC(c, P9_TREMOVE, 0, r, p9_enc_remove(s->tbuf, cap, s->tag, fid));
	fid_release(c, fid); /* Tremove clunks the fid whatever the outcome */
	return err;
}

/* ---- data ---- */

/* The payload one message may carry: msize less the header, capped by iounit. */
static uint32_t chunk_max(const struct p9_client *c, uint32_t hdr, uint32_t iounit)
{
	uint32_t n = c->msize - hdr;
	return iounit && iounit < n ? iounit : n;
}

/* One Tread or Treaddir of @count bytes into @buf; returns the bytes received. */
static ssize_t read_chunk(struct p9_client *c, uint8_t ttype, uint32_t fid, uint64_t offset,
			  void *buf, uint32_t count)
{
	struct p9_slot *s = slot_get(c);
	if (!s)
		return -ENOMEM;
	int tlen = ttype == P9_TREAD
			   ? p9_enc_read(s->tbuf, slot_cap(c), s->tag, fid, offset, count)
			   : p9_enc_readdir(s->tbuf, slot_cap(c), s->tag, fid, offset, count);
	struct p9_req req = {
		.out = { { s->tbuf, (uint32_t)tlen } },
		.nout = 1,
		.in = { { s->rbuf, P9_DATA_HDR_SIZE }, { buf, count } },
		.nin = 2,
		.tag = s->tag,
	};
	uint32_t got = 0;
	int err = tlen < 0 ? tlen : transport_call(c, &req);
	if (!err)
		err = note_reply(
			c, p9_dec_data_head(s->rbuf, req.received, ttype, s->tag, count, &got),
			ttype);
	slot_put(c, s);
	return err ? err : (ssize_t)got;
}

ssize_t p9_read(struct p9_client *c, uint32_t fid, uint64_t offset, void *buf, size_t len,
		uint32_t iounit)
{
	uint32_t max = chunk_max(c, P9_DATA_HDR_SIZE, iounit);
	size_t done = 0;
	while (done < len) {
		uint32_t want = (uint32_t)MIN(len - done, max);
		ssize_t got =
			read_chunk(c, P9_TREAD, fid, offset + done, (uint8_t *)buf + done, want);
		if (got < 0)
			return done ? (ssize_t)done : got;
		done += (size_t)got;
		if ((uint32_t)got < want)
			break; /* end of file */
	}
	return (ssize_t)done;
}

static ssize_t write_chunk(struct p9_client *c, uint32_t fid, uint64_t offset, const void *buf,
			   uint32_t count)
{
	struct p9_slot *s = slot_get(c);
	if (!s)
		return -ENOMEM;
	int tlen = p9_enc_write_head(s->tbuf, slot_cap(c), s->tag, fid, offset, count);
	struct p9_req req = {
		.out = { { s->tbuf, (uint32_t)tlen }, { (void *)buf, count } },
		.nout = 2,
		.in = { { s->rbuf, slot_cap(c) } },
		.nin = 1,
		.tag = s->tag,
	};
	union p9_reply r;
	int err = tlen < 0 ? tlen : transport_call(c, &req);
	if (!err)
		err = note_reply(c, p9_dec_reply(s->rbuf, req.received, P9_TWRITE, s->tag, 0, &r),
				 P9_TWRITE);
	if (!err && r.count > count)
		err = note_reply(c, -EPROTO, P9_TWRITE);
	slot_put(c, s);
	return err ? err : (ssize_t)r.count;
}

ssize_t p9_write(struct p9_client *c, uint32_t fid, uint64_t offset, const void *buf, size_t len,
		 uint32_t iounit)
{
	uint32_t max = chunk_max(c, P9_TWRITE_HDR, iounit);
	size_t done = 0;
	while (done < len) {
		uint32_t want = (uint32_t)MIN(len - done, max);
		ssize_t put = write_chunk(c, fid, offset + done, (const uint8_t *)buf + done, want);
		if (put < 0)
			return done ? (ssize_t)done : put;
		if (put == 0)
			return done ? (ssize_t)done : -EIO; /* the server accepted nothing */
		done += (size_t)put;
	}
	return (ssize_t)done;
}

ssize_t p9_readdir(struct p9_client *c, uint32_t fid, uint64_t offset, void *buf, uint32_t len)
{
	return read_chunk(c, P9_TREADDIR, fid, offset, buf,
			  MIN(len, chunk_max(c, P9_DATA_HDR_SIZE, 0)));
}

/* ---- metadata ---- */

int p9_getattr(struct p9_client *c, uint32_t fid, uint64_t mask, struct p9_attr *attr)
{
	union p9_reply r;
	int err = P9_RPC(c, P9_TGETATTR, 0, r, p9_enc_getattr(s->tbuf, cap, s->tag, fid, mask));
	if (!err)
		*attr = r.attr;
	return err;
}

int p9_setattr(struct p9_client *c, uint32_t fid, const struct p9_setattr *sa)
{
	union p9_reply r;
	return P9_RPC(c, P9_TSETATTR, 0, r, p9_enc_setattr(s->tbuf, cap, s->tag, fid, sa));
}

int p9_mkdir(struct p9_client *c, uint32_t dfid, const char *name, uint32_t mode, uint32_t gid,
	     struct p9_qid *qid)
{
	union p9_reply r;
	int err = P9_RPC(c, P9_TMKDIR, 0, r,
			 p9_enc_mkdir(s->tbuf, cap, s->tag, dfid, name, mode, gid));
	if (!err && qid)
		*qid = r.qid;
	return err;
}

int p9_unlinkat(struct p9_client *c, uint32_t dfid, const char *name, uint32_t flags)
{
	union p9_reply r;
	return P9_RPC(c, P9_TUNLINKAT, 0, r,
		      p9_enc_unlinkat(s->tbuf, cap, s->tag, dfid, name, flags));
}

int p9_renameat(struct p9_client *c, uint32_t olddfid, const char *oldname, uint32_t newdfid,
		const char *newname)
{
	union p9_reply r;
	return P9_RPC(c, P9_TRENAMEAT, 0, r,
		      p9_enc_renameat(s->tbuf, cap, s->tag, olddfid, oldname, newdfid, newname));
}

int p9_fsync(struct p9_client *c, uint32_t fid, uint32_t datasync)
{
	union p9_reply r;
	return P9_RPC(c, P9_TFSYNC, 0, r, p9_enc_fsync(s->tbuf, cap, s->tag, fid, datasync));
}

int p9_statfs(struct p9_client *c, uint32_t fid, struct p9_statfs *st)
{
	union p9_reply r;
	int err = P9_RPC(c, P9_TSTATFS, 0, r, p9_enc_statfs(s->tbuf, cap, s->tag, fid));
	if (!err)
		*st = r.statfs;
	return err;
}

int p9_symlink(struct p9_client *c, uint32_t dfid, const char *name, const char *target,
	       uint32_t gid, struct p9_qid *qid)
{
	union p9_reply r;
	int err = P9_RPC(c, P9_TSYMLINK, 0, r,
			 p9_enc_symlink(s->tbuf, cap, s->tag, dfid, name, target, gid));
	if (!err && qid)
		*qid = r.qid;
	return err;
}

int p9_readlink(struct p9_client *c, uint32_t fid, char *buf, size_t size)
{
	struct p9_slot *s = slot_get(c);
	if (!s)
		return -ENOMEM;
	union p9_reply r;
	int err =
		rpc(c, s, p9_enc_readlink(s->tbuf, slot_cap(c), s->tag, fid), P9_TREADLINK, 0, &r);
	if (!err && r.target.len >= size)
		err = -ENAMETOOLONG;
	if (!err) {
		memcpy(buf, r.target.s, r.target.len);
		buf[r.target.len] = '\0';
		err = r.target.len;
	}
	slot_put(c, s);
	return err;
}

int p9_link(struct p9_client *c, uint32_t dfid, uint32_t fid, const char *name)
{
	union p9_reply r;
	return P9_RPC(c, P9_TLINK, 0, r, p9_enc_link(s->tbuf, cap, s->tag, dfid, fid, name));
}
