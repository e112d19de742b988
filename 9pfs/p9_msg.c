// SPDX-License-Identifier: MIT
/*
 * 9P2000.L codec (see <ember/p9_msg.h> for the contract).
 *
 * A writer and a reader over one flat buffer carry a sticky error flag, so
 * each message is a straight list of fields and is checked once at the end:
 * no field is read past the message and no half-written message is sent.
 * All integers are little-endian, as 9P defines them; the byte-wise helpers
 * make the code independent of the host's endianness and alignment.
 */
#include <ember/errno.h>
#include <ember/p9_msg.h>
#include <ember/string.h>

/* ---- writer ---- */

struct p9_writer {
	uint8_t *buf;
	uint32_t cap, len;
	int err;
};

static uint8_t *w_room(struct p9_writer *w, uint32_t n)
{
	if (w->err || n > w->cap - w->len) {
		if (!w->err)
			w->err = -EMSGSIZE;
		return NULL;
	}
	uint8_t *p = w->buf + w->len;
	w->len += n;
	return p;
}

static void put_le(struct p9_writer *w, uint64_t v, unsigned bytes)
{
	uint8_t *p = w_room(w, bytes);
	for (unsigned i = 0; p && i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u8(struct p9_writer *w, uint8_t v)
{
	put_le(w, v, 1);
}
static void put_u16(struct p9_writer *w, uint16_t v)
{
	put_le(w, v, 2);
}
static void put_u32(struct p9_writer *w, uint32_t v)
{
	put_le(w, v, 4);
}
static void put_u64(struct p9_writer *w, uint64_t v)
{
	put_le(w, v, 8);
}

static void put_str(struct p9_writer *w, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n > UINT16_MAX) {
		if (!w->err)
			w->err = -ENAMETOOLONG;
		return;
	}
	put_u16(w, (uint16_t)n);
	uint8_t *p = w_room(w, (uint32_t)n);
	if (p && n)
		memcpy(p, s, n);
}

static struct p9_writer w_begin(uint8_t *buf, uint32_t cap, uint8_t type, uint16_t tag)
{
	struct p9_writer w = { buf, cap, 0, 0 };
	put_u32(&w, 0); /* size, filled in by w_end() */
	put_u8(&w, type);
	put_u16(&w, tag);
	return w;
}

/* Ends a message whose size field counts @extra payload bytes sent separately. */
static int w_end_extra(struct p9_writer *w, uint32_t extra)
{
	if (w->err)
		return w->err;
	if (extra > UINT32_MAX - w->len)
		return -EMSGSIZE;
	uint32_t size = w->len + extra;
	for (unsigned i = 0; i < 4; i++)
		w->buf[i] = (uint8_t)(size >> (8 * i));
	return (int)w->len;
}

static int w_end(struct p9_writer *w)
{
	return w_end_extra(w, 0);
}

/* ---- encoders ---- */

int p9_enc_version(uint8_t *buf, uint32_t cap, uint32_t msize, const char *version)
{
	struct p9_writer w = w_begin(buf, cap, P9_TVERSION, P9_NOTAG);
	put_u32(&w, msize);
	put_str(&w, version);
	return w_end(&w);
}

int p9_enc_attach(uint8_t *buf, uint32_t cap, uint16_t tag, uint32_t fid, uint32_t afid,
		  const char *uname, const char *aname, uint32_t n_uname)
{
	struct p9_writer w = w_begin(buf, cap, P9_TATTACH, tag);
	put_u32(&w, fid);
	put_u32(&w, afid);
	put_str(&w, uname);
	put_str(&w, aname);
	put_u32(&w, n_uname);
	return w_end(&w);
}

int p9_enc_walk(uint8_t *buf, uint32_t cap, uint16_t tag, uint32_t fid, uint32_t newfid,
		unsigned nwname, const char *const *wnames)
{
	if (nwname > P9_MAXWELEM)
		return -E2BIG;
	struct p9_writer w = w_begin(buf, cap, P9_TWALK, tag);
	put_u32(&w, fid);
	put_u32(&w, newfid);
	put_u16(&w, (uint16_t)nwname);
	for (unsigned i = 0; i < nwname; i++)
		put_str(&w, wnames[i]);
	return w_end(&w);
}

static int enc_fid_u32(uint8_t *buf, uint32_t cap, uint8_t type, uint16_t tag, uint32_t fid,
		       uint32_t v)
{
	struct p9_writer w = w_begin(buf, cap, type, tag);
	put_u32(&w, fid);
	put_u32(&w, v);
	return w_end(&w);
}

static int enc_fid(uint8_t *buf, uint32_t cap, uint8_t type, uint16_t tag, uint32_t fid)
{
	struct p9_writer w = w_begin(buf, cap, type, tag);
	put_u32(&w, fid);
	return w_end(&w);
}

int p9_enc_lopen(uint8_t *buf, uint32_t cap, uint16_t tag, uint32_t fid, uint32_t flags)
{
	return enc_fid_u32(buf, cap, P9_TLOPEN, tag, fid, flags);
}

int p9_enc_lcreate(uint8_t *buf, uint32_t cap, uint16_t tag, uint32_t fid, const char *name,
		   uint32_t flags, uint32_t mode, uint32_t gid)
{
	struct p9_writer w = w_begin(buf, cap, P9_TLCREATE, tag);
	put_u32(&w, fid);
	put_str(&w, name);
	put_u32(&w, flags);
	put_u32(&w, mode);
	put_u32(&w, gid);
	return w_end(&w);
}

static int enc_io(uint8_t *buf, uint32_t cap, uint8_t type, uint16_t tag, uint32_t fid,
		  uint64_t offset, uint32_t count, uint32_t extra)
{
	struct p9_writer w = w_begin(buf, cap, type, tag);
	put_u32(&w, fid);
	put_u64(&w, offset);
	put_u32(&w, count);
	return w_end_extra(&w, extra);
}

int p9_enc_read(uint8_t *buf, uint32_t cap, uint16_t tag, uint32_t fid, uint64_t offset,
		uint32_t count)
{
	return enc_io(buf, cap, P9_TREAD, tag, fid, offset, count, 0);
}

int p9_enc_write_head(uint8_t *buf, uint32_t cap, uint16_t tag, uint32_t fid, uint64_t offset,
		      uint32_t count)
{
	return enc_io(buf, cap, P9_TWRITE, tag, fid, offset, count, count);
}

int p9_enc_readdir(uint8_t *buf, uint32_t cap, uint16_t tag, uint32_t fid, uint64_t offset,
		   uint32_t count)
{
	return enc_io(buf, cap, P9_TREADDIR, tag, fid, offset, count, 0);
}

int p9_enc_clunk(uint8_t *buf, uint32_t cap, uint16_t tag, uint32_t fid)
{
	return enc_fid(buf, cap, P9_TCLUNK, tag, fid);
}

int p9_enc_remove(uint8_t *buf, uint32_t cap, uint16_t tag, uint32_t fid)
{
	return enc_fid(buf, cap, P9_TREMOVE, tag, fid);
}

int p9_enc_statfs(uint8_t *buf, uint32_t cap, uint16_t tag, uint32_t fid)
{
	return enc_fid(buf, cap, P9_TSTATFS, tag, fid);
}

int p9_enc_readlink(uint8_t *buf, uint32_t cap, uint16_t tag, uint32_t fid)
{
	return enc_fid(buf, cap, P9_TREADLINK, tag, fid);
}

int p9_enc_fsync(uint8_t *buf, uint32_t cap, uint16_t tag, uint32_t fid, uint32_t datasync)
{
	return enc_fid_u32(buf, cap, P9_TFSYNC, tag, fid, datasync);
}

int p9_enc_getattr(uint8_t *buf, uint32_t cap, uint16_t tag, uint32_t fid, uint64_t mask)
{
	struct p9_writer w = w_begin(buf, cap, P9_TGETATTR, tag);
	put_u32(&w, fid);
	put_u64(&w, mask);
	return w_end(&w);
}

int p9_enc_setattr(uint8_t *buf, uint32_t cap, uint16_t tag, uint32_t fid,
		   const struct p9_setattr *sa)
{
	struct p9_writer w = w_begin(buf, cap, P9_TSETATTR, tag);
	put_u32(&w, fid);
	put_u32(&w, sa->valid);
	put_u32(&w, sa->mode);
	put_u32(&w, sa->uid);
	put_u32(&w, sa->gid);
	put_u64(&w, sa->size);
	put_u64(&w, sa->atime_sec);
	put_u64(&w, sa->atime_nsec);
	put_u64(&w, sa->mtime_sec);
	put_u64(&w, sa->mtime_nsec);
	return w_end(&w);
}

int p9_enc_mkdir(uint8_t *buf, uint32_t cap, uint16_t tag, uint32_t dfid, const char *name,
		 uint32_t mode, uint32_t gid)
{
	struct p9_writer w = w_begin(buf, cap, P9_TMKDIR, tag);
	put_u32(&w, dfid);
	put_str(&w, name);
	put_u32(&w, mode);
	put_u32(&w, gid);
	return w_end(&w);
}

int p9_enc_unlinkat(uint8_t *buf, uint32_t cap, uint16_t tag, uint32_t dfid, const char *name,
		    uint32_t flags)
{
	struct p9_writer w = w_begin(buf, cap, P9_TUNLINKAT, tag);
	put_u32(&w, dfid);
	put_str(&w, name);
	put_u32(&w, flags);
	return w_end(&w);
}

int p9_enc_renameat(uint8_t *buf, uint32_t cap, uint16_t tag, uint32_t olddfid, const char *oldname,
		    uint32_t newdfid, const char *newname)
{
	struct p9_writer w = w_begin(buf, cap, P9_TRENAMEAT, tag);
	put_u32(&w, olddfid);
	put_str(&w, oldname);
	put_u32(&w, newdfid);
	put_str(&w, newname);
	return w_end(&w);
}

int p9_enc_symlink(uint8_t *buf, uint32_t cap, uint16_t tag, uint32_t dfid, const char *name,
		   const char *target, uint32_t gid)
{
	struct p9_writer w = w_begin(buf, cap, P9_TSYMLINK, tag);
	put_u32(&w, dfid);
	put_str(&w, name);
	put_str(&w, target);
	put_u32(&w, gid);
	return w_end(&w);
}

int p9_enc_link(uint8_t *buf, uint32_t cap, uint16_t tag, uint32_t dfid, uint32_t fid,
		const char *name)
{
	struct p9_writer w = w_begin(buf, cap, P9_TLINK, tag);
	put_u32(&w, dfid);
	put_u32(&w, fid);
	put_str(&w, name);
	return w_end(&w);
}

int p9_enc_flush(uint8_t *buf, uint32_t cap, uint16_t tag, uint16_t oldtag)
{
	struct p9_writer w = w_begin(buf, cap, P9_TFLUSH, tag);
	put_u16(&w, oldtag);
	return w_end(&w);
}

/* ---- reader ---- */

struct p9_reader {
	const uint8_t *buf;
	uint32_t len, pos;
	bool bad;
};

static const uint8_t *r_take(struct p9_reader *r, uint32_t n)
{
	if (r->bad || n > r->len - r->pos) {
		r->bad = true;
		return NULL;
	}
	const uint8_t *p = r->buf + r->pos;
	r->pos += n;
	return p;
}

static uint64_t get_le(struct p9_reader *r, unsigned bytes)
{
	const uint8_t *p = r_take(r, bytes);
	uint64_t v = 0;
	for (unsigned i = 0; p && i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static uint8_t get_u8(struct p9_reader *r)
{
	return (uint8_t)get_le(r, 1);
}
static uint16_t get_u16(struct p9_reader *r)
{
	return (uint16_t)get_le(r, 2);
}
static uint32_t get_u32(struct p9_reader *r)
{
	return (uint32_t)get_le(r, 4);
}
static uint64_t get_u64(struct p9_reader *r)
{
	return get_le(r, 8);
}

static struct p9_str get_str(struct p9_reader *r)
{
	struct p9_str s = { "", 0 };
	uint16_t n = get_u16(r);
	const uint8_t *p = r_take(r, n);
	if (p) {
		s.s = (const char *)p;
		s.len = n;
	}
	return s;
}

static struct p9_qid get_qid(struct p9_reader *r)
{
	struct p9_qid q;
	q.type = get_u8(r);
	q.version = get_u32(r);
	q.path = get_u64(r);
	return q;
}

uint32_t p9_msg_size(const uint8_t *msg)
{
	return (uint32_t)msg[0] | (uint32_t)msg[1] << 8 | (uint32_t)msg[2] << 16 |
	       (uint32_t)msg[3] << 24;
}

/* Rlerror's ecode as a negative errno; nonsense codes are a protocol error. */
static int lerror(uint32_t ecode)
{
	return ecode >= 1 && ecode <= P9_MAX_ERRNO ? -(int)ecode : -EPROTO;
}

static void dec_attr(struct p9_reader *r, struct p9_attr *a)
{
	a->valid = get_u64(r);
	a->qid = get_qid(r);
	a->mode = get_u32(r);
	a->uid = get_u32(r);
	a->gid = get_u32(r);
	a->nlink = get_u64(r);
	a->rdev = get_u64(r);
	a->size = get_u64(r);
	a->blksize = get_u64(r);
	a->blocks = get_u64(r);
	a->atime_sec = get_u64(r);
	a->atime_nsec = get_u64(r);
	a->mtime_sec = get_u64(r);
	a->mtime_nsec = get_u64(r);
	a->ctime_sec = get_u64(r);
	a->ctime_nsec = get_u64(r);
	a->btime_sec = get_u64(r);
	a->btime_nsec = get_u64(r);
	a->gen = get_u64(r);
	a->data_version = get_u64(r);
}

static void dec_statfs(struct p9_reader *r, struct p9_statfs *s)
{
	s->type = get_u32(r);
	s->bsize = get_u32(r);
	s->blocks = get_u64(r);
	s->bfree = get_u64(r);
	s->bavail = get_u64(r);
	s->files = get_u64(r);
	s->ffree = get_u64(r);
	s->fsid = get_u64(r);
	s->namelen = get_u32(r);
}

static void dec_walk(struct p9_reader *r, unsigned nwname, union p9_reply *out)
{
	uint16_t n = get_u16(r);
	if (n > nwname || n > P9_MAXWELEM) {
		r->bad = true;
		return;
	}
	out->walk.nwqid = n;
	for (unsigned i = 0; i < n; i++)
		out->walk.wqid[i] = get_qid(r);
}

static bool has_nul(struct p9_str s)
{
	return s.len && memchr(s.s, '\0', s.len) != NULL;
}

/* The body of a successful reply to @ttype. */
static void dec_body(struct p9_reader *r, uint8_t ttype, unsigned nwname, union p9_reply *out)
{
	switch (ttype) {
	case P9_TVERSION:
		out->version.msize = get_u32(r);
		out->version.version = get_str(r);
		break;
	case P9_TATTACH:
	case P9_TMKDIR:
	case P9_TSYMLINK: out->qid = get_qid(r); break;
	case P9_TWALK: dec_walk(r, nwname, out); break;
	case P9_TLOPEN:
	case P9_TLCREATE:
		out->open.qid = get_qid(r);
		out->open.iounit = get_u32(r);
		break;
	case P9_TWRITE: out->count = get_u32(r); break;
	case P9_TGETATTR: dec_attr(r, &out->attr); break;
	case P9_TSTATFS: dec_statfs(r, &out->statfs); break;
	case P9_TREADLINK:
		out->target = get_str(r);
		r->bad = r->bad || has_nul(out->target);
		break;
	case P9_TSETATTR:
	case P9_TFSYNC:
	case P9_TLINK:
	case P9_TRENAMEAT:
	case P9_TUNLINKAT:
	case P9_TFLUSH:
	case P9_TCLUNK:
	case P9_TREMOVE: break; /* empty replies */
	default:
		r->bad = true; /* Rread/Rreaddir use p9_dec_data_head() */
		break;
	}
}

int p9_dec_reply(const uint8_t *msg, uint32_t len, uint8_t ttype, uint16_t tag, unsigned nwname,
		 union p9_reply *out)
{
	struct p9_reader r = { msg, len, 0, false };
	uint32_t size = get_u32(&r);
	uint8_t type = get_u8(&r);
	uint16_t rtag = get_u16(&r);

	if (r.bad || size != len || rtag != tag)
		return -EPROTO;
	if (type == P9_RLERROR) {
		uint32_t ecode = get_u32(&r);
		return r.bad || r.pos != len ? -EPROTO : lerror(ecode);
	}
	if (type != ttype + 1)
		return -EPROTO;
	memset(out, 0, sizeof(*out));
	dec_body(&r, ttype, nwname, out);
	return r.bad || r.pos != len ? -EPROTO : 0;
}

int p9_dec_data_head(const uint8_t head[P9_DATA_HDR_SIZE], uint32_t received, uint8_t ttype,
		     uint16_t tag, uint32_t max_count, uint32_t *count)
{
	struct p9_reader r = { head, P9_DATA_HDR_SIZE, 0, false };
	uint32_t size = get_u32(&r);
	uint8_t type = get_u8(&r);
	uint16_t rtag = get_u16(&r);
	uint32_t n = get_u32(&r);

	if ((ttype != P9_TREAD && ttype != P9_TREADDIR) || received < P9_DATA_HDR_SIZE ||
	    size != received || rtag != tag)
		return -EPROTO;
	if (type == P9_RLERROR)
		return size == P9_DATA_HDR_SIZE ? lerror(n) : -EPROTO;
	if (type != ttype + 1 || n > max_count || size < P9_DATA_HDR_SIZE ||
	    size - P9_DATA_HDR_SIZE != n)
		return -EPROTO;
	*count = n;
	return 0;
}

int p9_dirent_next(const uint8_t *data, uint32_t len, uint32_t *pos, struct p9_dirent *d)
{
	if (*pos >= len)
		return 0;
	struct p9_reader r = { data, len, *pos, false };
	d->qid = get_qid(&r);
	d->offset = get_u64(&r);
	d->type = get_u8(&r);
	d->name = get_str(&r);
	if (r.bad || d->name.len == 0 || d->name.len > P9_NAME_MAX || has_nul(d->name) ||
	    memchr(d->name.s, '/', d->name.len))
		return -EPROTO;
	*pos = r.pos;
	return 1;
}
