/* SPDX-License-Identifier: MIT */
/*
 * The 9P2000.L client: one session (version + attach) over one transport.
 *
 * Each call encodes one or more T-messages with the codec, sends them over
 * the transport and returns the decoded result: 0 or a byte count on
 * success, a negative errno on failure (the server's Rlerror code, -EPROTO
 * for a malformed reply, the transport's error when the share is gone).
 *
 * Fids are owned here: calls that create one (attach, walk, the clone in
 * p9_open) return it only on success and release it on every failure path;
 * p9_clunk always releases it, even when the server or the transport fails.
 * p9_fids_in_use() lets tests prove that nothing leaks. Tags are allocated
 * per request, so several threads may call into one client at once; a
 * caller blocks when all tags are busy.
 *
 * Reads and writes are split into messages of at most msize (and the
 * iounit the server gave at open); the payload moves between the caller's
 * buffer and the transport without a copy in the client.
 */
#ifndef EMBER_P9_CLIENT_H
#define EMBER_P9_CLIENT_H

#include <ember/p9_msg.h>
#include <ember/p9_transport.h>
#include <ember/types.h>

struct p9_client;

struct p9_client_stats {
	uint64_t requests, protocol_errors, transport_errors;
	uint32_t fids_in_use, tags_in_use, msize;
};

/*
 * Connects @t, negotiates the message size (at most @msize, 0 for the
 * transport's maximum) and attaches @aname as the root fid. -EBUSY if
 * another session has the transport.
 */
int p9_client_open(struct p9_transport *t, const char *aname, uint32_t msize,
		   struct p9_client **out, struct p9_qid *root_qid);
/* Clunks the root fid and disconnects. */
void p9_client_close(struct p9_client *c);

uint32_t p9_root_fid(const struct p9_client *c);
uint32_t p9_msize(const struct p9_client *c);
uint32_t p9_fids_in_use(const struct p9_client *c);
void p9_client_get_stats(const struct p9_client *c, struct p9_client_stats *out);

/*
 * Walks @n names from @fid into a new fid (n == 0 clones @fid). Any number
 * of names: they go 16 per message. On success *@newfid is the new fid and
 * @qids (if not NULL, room for @n) the names' qids. If the walk stops
 * early, *@walked (if not NULL) says how many names it got through (their
 * qids are in @qids) and the call returns -ENOENT, leaving no fid behind.
 */
int p9_walk(struct p9_client *c, uint32_t fid, unsigned n, const char *const *names,
	    uint32_t *newfid, struct p9_qid *qids, unsigned *walked);
int p9_lopen(struct p9_client *c, uint32_t fid, uint32_t flags, struct p9_qid *qid,
	     uint32_t *iounit);
/* Creates @name in the directory @fid, which then stands for the new, open file. */
int p9_lcreate(struct p9_client *c, uint32_t fid, const char *name, uint32_t flags, uint32_t mode,
	       uint32_t gid, struct p9_qid *qid, uint32_t *iounit);
/* Reads up to @len bytes at @offset; fewer only at end of file. */
ssize_t p9_read(struct p9_client *c, uint32_t fid, uint64_t offset, void *buf, size_t len,
		uint32_t iounit);
ssize_t p9_write(struct p9_client *c, uint32_t fid, uint64_t offset, const void *buf, size_t len,
		 uint32_t iounit);
int p9_clunk(struct p9_client *c, uint32_t fid);
int p9_remove(struct p9_client *c, uint32_t fid);
int p9_getattr(struct p9_client *c, uint32_t fid, uint64_t mask, struct p9_attr *attr);
int p9_setattr(struct p9_client *c, uint32_t fid, const struct p9_setattr *sa);
/* Raw Rreaddir data (walk it with p9_dirent_next); returns its length, 0 at the end. */
ssize_t p9_readdir(struct p9_client *c, uint32_t fid, uint64_t offset, void *buf, uint32_t len);
int p9_mkdir(struct p9_client *c, uint32_t dfid, const char *name, uint32_t mode, uint32_t gid,
	     struct p9_qid *qid);
int p9_unlinkat(struct p9_client *c, uint32_t dfid, const char *name, uint32_t flags);
int p9_renameat(struct p9_client *c, uint32_t olddfid, const char *oldname, uint32_t newdfid,
		const char *newname);
int p9_fsync(struct p9_client *c, uint32_t fid, uint32_t datasync);
int p9_statfs(struct p9_client *c, uint32_t fid, struct p9_statfs *st);
int p9_symlink(struct p9_client *c, uint32_t dfid, const char *name, const char *target,
	       uint32_t gid, struct p9_qid *qid);
/* Copies the link target, NUL-terminated, into @buf; returns its length or -ENAMETOOLONG. */
int p9_readlink(struct p9_client *c, uint32_t fid, char *buf, size_t size);
int p9_link(struct p9_client *c, uint32_t dfid, uint32_t fid, const char *name);

#endif
