// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for the 9P2000.L client, 9pfs/p9_client.c, driven
 * through the hostile server of p9_server.c (its reply script is the tail
 * of the input).
 *
 * Input: [msize][n] then n 7-byte calls [op][a][b][c][d][e][f], then the reply
 * script. msize 0 asks for the transport's maximum (P9SRV_MAX_MSIZE), else
 * msize * 512. Each call picks a fid the harness holds (the root or one a
 * walk returned), names from a table, lengths and offsets from its bytes;
 * op 19 closes the session and opens a new one.
 *
 * Invariants after every call: results are a count or 0 on success and a
 * negative errno in 1..4095 on failure; a read, a readdir or a write never
 * reports more than asked; readdir data decodes into valid names; a link
 * target is NUL-terminated inside the buffer; a partial walk reports at
 * most the names asked; the client holds exactly the root fid plus the fids
 * the harness owns, and no tag. Buffers handed to the client are exact-size
 * heap blocks (ASan sees any write past them); at the end the session is
 * closed and LeakSanitizer sees anything left behind.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ember/compiler.h>
#include <ember/errno.h>
#include <ember/p9_client.h>

#include "fuzz_check.h"
#include "p9_server.h"

#define CALL_SIZE 7 /* op and six argument bytes a[0..5] */
#define MAX_FIDS  16
#define MAX_NAMES 40

static const char *const names[] = { "d0", "d1", "f0", "f1", "l0", "l1", "x y", ".hidden" };

struct state {
	struct p9srv srv;
	struct p9_client *c;
	uint32_t msize;
	uint32_t fids[MAX_FIDS];
	unsigned nfids;
};

static void check_err(long r)
{
	CHECK(r >= -(long)P9_MAX_ERRNO);
}

static void check_books(const struct state *st)
{
	struct p9_client_stats cs;
	p9_client_get_stats(st->c, &cs);
	CHECK(cs.fids_in_use == 1 + st->nfids);
	CHECK(cs.tags_in_use == 0);
	CHECK(cs.msize >= P9_MIN_MSIZE && cs.msize <= st->srv.t.max_msize);
}

/* A fid to use: the root or one the harness holds. */
static uint32_t pick_fid(const struct state *st, uint8_t sel)
{
	unsigned i = sel % (st->nfids + 1);
	return i ? st->fids[i - 1] : p9_root_fid(st->c);
}

/* Takes a held fid out of the books (for clunk and remove); false if none. */
static bool drop_fid(struct state *st, uint8_t sel, uint32_t *fid)
{
	if (!st->nfids)
		return false;
	unsigned i = sel % st->nfids;
	*fid = st->fids[i];
	st->fids[i] = st->fids[--st->nfids];
	return true;
}

static void do_walk(struct state *st, const uint8_t *a)
{
	unsigned n = a[0] % (MAX_NAMES + 1);
	const char *path[MAX_NAMES];
	for (unsigned i = 0; i < n; i++)
		path[i] = names[(a[1] + i * (a[2] | 1u)) % ARRAY_SIZE(names)];
	struct p9_qid *qids = malloc((n ? n : 1) * sizeof(*qids));
	uint32_t fid = 0;
	unsigned walked = 999;
	int err =
		p9_walk(st->c, pick_fid(st, a[3]), n, path, &fid, a[4] & 1 ? NULL : qids, &walked);
	check_err(err);
	CHECK(walked <= n);
	if (!err) {
		CHECK(walked == n);
		if (st->nfids < MAX_FIDS)
			st->fids[st->nfids++] = fid;
		else
			p9_clunk(st->c, fid);
	}
	free(qids);
}

static void do_read(struct state *st, const uint8_t *a, bool dir)
{
	uint32_t len = (uint32_t)(a[0] | a[1] << 8) + (a[4] & 1 ? 4096 : 0);
	uint8_t *buf = malloc(len ? len : 1);
	uint64_t off = (uint64_t)a[2] << (a[4] >> 1) % 57;
	ssize_t got = dir ? p9_readdir(st->c, pick_fid(st, a[3]), off, buf, len)
			  : p9_read(st->c, pick_fid(st, a[3]), off, buf, len, a[5] << 4);
	check_err(got);
	CHECK(got <= (ssize_t)len);
	if (dir && got > 0) {
		uint32_t pos = 0;
		struct p9_dirent d;
		int rc;
		while ((rc = p9_dirent_next(buf, (uint32_t)got, &pos, &d)) == 1) {
			CHECK(d.name.len >= 1 && d.name.len <= P9_NAME_MAX);
			CHECK(!memchr(d.name.s, '/', d.name.len) &&
			      !memchr(d.name.s, 0, d.name.len));
			CHECK(pos <= (uint32_t)got);
		}
		CHECK(rc == 0 || rc == -EPROTO);
	}
	free(buf);
}

static void do_write(struct state *st, const uint8_t *a)
{
	uint32_t len = (uint32_t)(a[0] | a[1] << 8) + (a[4] & 1 ? 4096 : 0);
	uint8_t *buf = calloc(1, len ? len : 1);
	ssize_t put = p9_write(st->c, pick_fid(st, a[3]), a[2], buf, len, a[5] << 4);
	check_err(put);
	CHECK(put <= (ssize_t)len && (put != 0 || len == 0));
	free(buf);
}

static void do_readlink(struct state *st, const uint8_t *a)
{
	size_t size = a[0] & 1 ? 4096 : 1u + a[1];
	char *buf = malloc(size);
	int n = p9_readlink(st->c, pick_fid(st, a[3]), buf, size);
	check_err(n);
	if (n >= 0) {
		CHECK((size_t)n < size && buf[n] == '\0' && strlen(buf) == (size_t)n);
	}
	free(buf);
}

static void do_session(struct state *st)
{
	for (unsigned i = 0; i < st->nfids; i++)
		p9_clunk(st->c, st->fids[i]);
	st->nfids = 0;
	p9_client_close(st->c);
	st->c = NULL;
	CHECK(!st->srv.connected && !st->srv.t.in_use);
	struct p9_qid root;
	int err = p9_client_open(&st->srv.t, "", st->msize, &st->c, &root);
	check_err(err);
	if (err)
		st->c = NULL;
}

/* The metadata calls: one message each, any result. */
static void do_meta(struct state *st, uint8_t op, const uint8_t *a)
{
	struct p9_client *c = st->c;
	uint32_t fid = pick_fid(st, a[3]), fid2 = pick_fid(st, a[4]);
	const char *name = names[a[1] % ARRAY_SIZE(names)];
	const char *other = names[a[2] % ARRAY_SIZE(names)];
	struct p9_qid qid;
	uint32_t iounit;
	struct p9_attr attr;
	struct p9_statfs sfs;
	struct p9_setattr sa = { .valid = a[0], .mode = 0644, .size = a[2] };
	int err = 0;
	switch (op) {
	case 1: err = p9_lopen(c, fid, a[0] & 3, &qid, &iounit); break;
	case 2: err = p9_lcreate(c, fid, name, 0102, 0644, 0, &qid, &iounit); break;
	case 7: err = p9_getattr(c, fid, P9_GETATTR_BASIC, &attr); break;
	case 8: err = p9_setattr(c, fid, &sa); break;
	case 10: err = p9_mkdir(c, fid, name, 0755, 0, a[0] & 1 ? NULL : &qid); break;
	case 11: err = p9_unlinkat(c, fid, name, a[0] & 1 ? P9_AT_REMOVEDIR : 0); break;
	case 12: err = p9_renameat(c, fid, name, fid2, other); break;
	case 13: err = p9_fsync(c, fid, a[0] & 1); break;
	case 14: err = p9_statfs(c, fid, &sfs); break;
	case 15: err = p9_symlink(c, fid, name, other, 0, &qid); break;
	case 17: err = p9_link(c, fid, fid2, name); break;
	default: break;
	}
	check_err(err);
	CHECK(err <= 0);
}

static void do_call(struct state *st, const uint8_t *call)
{
	uint8_t op = call[0] % 20;
	const uint8_t *a = call + 1;
	uint32_t fid;
	switch (op) {
	case 0: do_walk(st, a); break;
	case 3: do_read(st, a, false); break;
	case 4: do_write(st, a); break;
	case 5:
	case 6:
		if (drop_fid(st, a[0], &fid))
			check_err(op == 5 ? p9_clunk(st->c, fid) : p9_remove(st->c, fid));
		break;
	case 9: do_read(st, a, true); break;
	case 16: do_readlink(st, a); break;
	case 18: {
		uint8_t clone[CALL_SIZE - 1] = { 0, 0, 0, a[3] };
		do_walk(st, clone);
		break;
	}
	case 19: do_session(st); break;
	default: do_meta(st, op, a); break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	static struct state st;
	memset(&st, 0, sizeof(st));
	unsigned ncalls = data[1];
	size_t calls_len = MIN((size_t)ncalls * CALL_SIZE, size - 2);
	const uint8_t *calls = data + 2, *script = calls + calls_len;
	st.msize = data[0] * 512u;
	p9srv_init(&st.srv, "fuzz", P9SRV_MAX_MSIZE, script, size - 2 - calls_len);
	struct p9_qid root;
	int err = p9_client_open(&st.srv.t, "", st.msize, &st.c, &root);
	check_err(err);
	if (err) {
		CHECK(!st.srv.connected && !st.srv.t.in_use);
		return 0;
	}
	if (st.msize)
		CHECK(p9_msize(st.c) <= st.msize);
	for (size_t at = 0; at + CALL_SIZE <= calls_len && st.c; at += CALL_SIZE) {
		do_call(&st, calls + at);
		if (st.c)
			check_books(&st);
	}
	if (st.c) {
		for (unsigned i = 0; i < st.nfids; i++)
			p9_clunk(st.c, st.fids[i]);
		p9_client_close(st.c);
	}
	CHECK(!st.srv.connected && !st.srv.t.in_use);
	return 0;
}
