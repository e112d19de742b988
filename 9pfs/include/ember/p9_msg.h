/* SPDX-License-Identifier: MIT */
/*
 * The 9P2000.L message codec: pure functions, no allocation, no I/O.
 *
 * Encoders write one T-message into a caller's buffer and return its size
 * (or -EMSGSIZE when it does not fit, -ENAMETOOLONG for a string over 65535
 * bytes). Decoders validate an R-message completely before anything is
 * returned: the size field must equal the bytes received, the type must
 * answer the request (or be Rlerror), the tag must match, every string and
 * count must lie inside the message, and nothing may follow the last field.
 * A malformed reply is -EPROTO; an Rlerror is returned as -ecode, with ecodes
 * outside 1..4095 turned into -EPROTO too. Strings in decoded replies point
 * into the message (length-counted, not NUL-terminated).
 *
 * Rread and Rreaddir are split by transports so the payload lands directly
 * in the caller's buffer: the first P9_DATA_HDR_SIZE bytes (size, type, tag,
 * count) go to a small header buffer and are checked by p9_dec_data_head().
 *
 * Bounds a server cannot exceed: a data count is at most what was asked, a
 * walk returns at most one qid per name sent (and never more than 16), a
 * directory entry's name is 1..P9_NAME_MAX bytes without '/' or NUL. A
 * 9P2000.L server exports a Linux filesystem, whose names are at most 255
 * bytes; a longer one is not a name but a forgery (it could not be given
 * back to the server in a walk either), so it is -EPROTO like any other
 * malformed entry. Link targets hold no NUL; their length is checked against
 * the caller's buffer by the client (p9_readlink).
 *
 * Used by 9pfs/p9_client.c in the guest and compiled as-is into the host
 * unit tests and the libFuzzer harness (tests/fuzz/fuzz_p9_msg.c).
 */
#ifndef EMBER_P9_MSG_H
#define EMBER_P9_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define P9_VERSION	 "9P2000.L"
#define P9_HDR_SIZE	 7u  /* size[4] type[1] tag[2] */
#define P9_DATA_HDR_SIZE 11u /* Rread/Rreaddir: header + count[4] */
#define P9_TWRITE_HDR	 23u /* header + fid[4] offset[8] count[4] */
#define P9_QID_SIZE	 13u
#define P9_NOTAG	 0xffffu
#define P9_NOFID	 0xffffffffu
#define P9_MAXWELEM	 16u
#define P9_MIN_MSIZE	 4096u
#define P9_MAX_ERRNO	 4095u
#define P9_NAME_MAX	 255u /* the longest directory entry name: Linux's NAME_MAX */

enum p9_type {
	P9_TLERROR = 6,
	P9_RLERROR,
	P9_TSTATFS = 8,
	P9_RSTATFS,
	P9_TLOPEN = 12,
	P9_RLOPEN,
	P9_TLCREATE = 14,
	P9_RLCREATE,
	P9_TSYMLINK = 16,
	P9_RSYMLINK,
	P9_TREADLINK = 22,
	P9_RREADLINK,
	P9_TGETATTR = 24,
	P9_RGETATTR,
	P9_TSETATTR = 26,
	P9_RSETATTR,
	P9_TREADDIR = 40,
	P9_RREADDIR,
	P9_TFSYNC = 50,
	P9_RFSYNC,
	P9_TLINK = 70,
	P9_RLINK,
	P9_TMKDIR = 72,
	P9_RMKDIR,
	P9_TRENAMEAT = 74,
	P9_RRENAMEAT,
	P9_TUNLINKAT = 76,
	P9_RUNLINKAT,
	P9_TVERSION = 100,
	P9_RVERSION,
	P9_TATTACH = 104,
	P9_RATTACH,
	P9_TFLUSH = 108,
	P9_RFLUSH,
	P9_TWALK = 110,
	P9_RWALK,
	P9_TREAD = 116,
	P9_RREAD,
	P9_TWRITE = 118,
	P9_RWRITE,
	P9_TCLUNK = 120,
	P9_RCLUNK,
	P9_TREMOVE = 122,
	P9_RREMOVE,
};

/* qid.type bits */
#define P9_QTDIR     0x80
#define P9_QTSYMLINK 0x02

/* Tgetattr request_mask / Rgetattr valid bits */
#define P9_GETATTR_MODE	 0x00000001ull
#define P9_GETATTR_BASIC 0x000007ffull

/* Tsetattr valid bits */
#define P9_SETATTR_MODE	     0x00000001u
#define P9_SETATTR_UID	     0x00000002u
#define P9_SETATTR_GID	     0x00000004u
#define P9_SETATTR_SIZE	     0x00000008u
#define P9_SETATTR_ATIME     0x00000010u
#define P9_SETATTR_MTIME     0x00000020u
#define P9_SETATTR_CTIME     0x00000040u
#define P9_SETATTR_ATIME_SET 0x00000080u
#define P9_SETATTR_MTIME_SET 0x00000100u

/* Tunlinkat flags */
#define P9_AT_REMOVEDIR 0x200

struct p9_qid {
	uint8_t type;
	uint32_t version;
	uint64_t path;
};

/* A length-counted string inside a message. */
struct p9_str {
	const char *s;
	uint16_t len;
};

struct p9_attr {
	uint64_t valid;
	struct p9_qid qid;
	uint32_t mode, uid, gid;
	uint64_t nlink, rdev, size, blksize, blocks;
	uint64_t atime_sec, atime_nsec, mtime_sec, mtime_nsec, ctime_sec, ctime_nsec;
	uint64_t btime_sec, btime_nsec, gen, data_version;
};

struct p9_setattr {
	uint32_t valid, mode, uid, gid;
	uint64_t size, atime_sec, atime_nsec, mtime_sec, mtime_nsec;
};

struct p9_statfs {
	uint32_t type, bsize;
	uint64_t blocks, bfree, bavail, files, ffree, fsid;
	uint32_t namelen;
};

struct p9_dirent {
	struct p9_qid qid;
	uint64_t offset;
	uint8_t type;
	struct p9_str name;
};

/* A decoded reply; which member is valid follows from the request type. */
union p9_reply {
	struct {
		uint32_t msize;
		struct p9_str version;
	} version;
	struct p9_qid qid; /* Rattach, Rmkdir, Rsymlink */
	struct {
		uint16_t nwqid;
		struct p9_qid wqid[P9_MAXWELEM];
	} walk;
	struct {
		struct p9_qid qid;
		uint32_t iounit;
	} open;		/* Rlopen, Rlcreate */
	uint32_t count; /* Rwrite */
	struct p9_attr attr;
	struct p9_statfs statfs;
	struct p9_str target; /* Rreadlink */
};

/* ---- encoders: return the message size, -EMSGSIZE or -ENAMETOOLONG ---- */

int p9_enc_version(uint8_t *buf, uint32_t cap, uint32_t msize, const char *version);
int p9_enc_attach(uint8_t *buf, uint32_t cap, uint16_t tag, uint32_t fid, uint32_t afid,
		  const char *uname, const char *aname, uint32_t n_uname);
int p9_enc_walk(uint8_t *buf, uint32_t cap, uint16_t tag, uint32_t fid, uint32_t newfid,
		unsigned nwname, const char *const *wnames);
int p9_enc_lopen(uint8_t *buf, uint32_t cap, uint16_t tag, uint32_t fid, uint32_t flags);
int p9_enc_lcreate(uint8_t *buf, uint32_t cap, uint16_t tag, uint32_t fid, const char *name,
		   uint32_t flags, uint32_t mode, uint32_t gid);
int p9_enc_read(uint8_t *buf, uint32_t cap, uint16_t tag, uint32_t fid, uint64_t offset,
		uint32_t count);
/* Twrite without its payload: the size field counts the @count bytes that follow. */
int p9_enc_write_head(uint8_t *buf, uint32_t cap, uint16_t tag, uint32_t fid, uint64_t offset,
		      uint32_t count);
int p9_enc_clunk(uint8_t *buf, uint32_t cap, uint16_t tag, uint32_t fid);
int p9_enc_remove(uint8_t *buf, uint32_t cap, uint16_t tag, uint32_t fid);
int p9_enc_getattr(uint8_t *buf, uint32_t cap, uint16_t tag, uint32_t fid, uint64_t mask);
int p9_enc_setattr(uint8_t *buf, uint32_t cap, uint16_t tag, uint32_t fid,
		   const struct p9_setattr *sa);
int p9_enc_readdir(uint8_t *buf, uint32_t cap, uint16_t tag, uint32_t fid, uint64_t offset,
		   uint32_t count);
int p9_enc_mkdir(uint8_t *buf, uint32_t cap, uint16_t tag, uint32_t dfid, const char *name,
		 uint32_t mode, uint32_t gid);
int p9_enc_unlinkat(uint8_t *buf, uint32_t cap, uint16_t tag, uint32_t dfid, const char *name,
		    uint32_t flags);
int p9_enc_renameat(uint8_t *buf, uint32_t cap, uint16_t tag, uint32_t olddfid, const char *oldname,
		    uint32_t newdfid, const char *newname);
int p9_enc_fsync(uint8_t *buf, uint32_t cap, uint16_t tag, uint32_t fid, uint32_t datasync);
int p9_enc_statfs(uint8_t *buf, uint32_t cap, uint16_t tag, uint32_t fid);
int p9_enc_symlink(uint8_t *buf, uint32_t cap, uint16_t tag, uint32_t dfid, const char *name,
		   const char *target, uint32_t gid);
int p9_enc_readlink(uint8_t *buf, uint32_t cap, uint16_t tag, uint32_t fid);
int p9_enc_link(uint8_t *buf, uint32_t cap, uint16_t tag, uint32_t dfid, uint32_t fid,
		const char *name);
int p9_enc_flush(uint8_t *buf, uint32_t cap, uint16_t tag, uint16_t oldtag);

/* ---- decoders ---- */

/* The request type a message answers is @ttype + 1; RLERROR is always accepted. */
int p9_dec_reply(const uint8_t *msg, uint32_t len, uint8_t ttype, uint16_t tag, unsigned nwname,
		 union p9_reply *out);

/*
 * Checks the head of an Rread/Rreaddir (@ttype is TREAD or TREADDIR) whose
 * @received bytes were split: the first P9_DATA_HDR_SIZE in @head, the
 * payload elsewhere. An Rlerror arrives whole in @head (it is 11 bytes too).
 * On success *@count is the payload length, at most @max_count. Fewer than
 * P9_DATA_HDR_SIZE bytes received is -EPROTO, whatever @head holds.
 */
int p9_dec_data_head(const uint8_t head[P9_DATA_HDR_SIZE], uint32_t received, uint8_t ttype,
		     uint16_t tag, uint32_t max_count, uint32_t *count);

/*
 * Steps through Rreaddir data: decodes the entry at *@pos into @d and
 * advances *@pos. Returns 1 for an entry, 0 at the end, -EPROTO for a
 * truncated entry or a name that is empty, longer than P9_NAME_MAX or holds
 * '/' or NUL (*@pos then stays at that entry).
 */
int p9_dirent_next(const uint8_t *data, uint32_t len, uint32_t *pos, struct p9_dirent *d);

/* The size field of a message's first 4 bytes (for ring transports). */
uint32_t p9_msg_size(const uint8_t *msg);

#endif
