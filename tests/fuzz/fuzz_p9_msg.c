// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for the 9P2000.L reply decoders, 9pfs/p9_msg.c.
 *
 * Input: [request type][names asked][max count, 2 bytes] then the bytes a
 * server sent, copied to an exact-size heap buffer so ASan reports any read
 * past them. The same bytes go through p9_dec_reply() (the reply to the
 * chosen request), p9_dec_data_head() (as an Rread/Rreaddir head, with the
 * whole input as the received length) and the Rreaddir entry walker.
 * Invariants: results are 0, -EPROTO or an errno in 1..4095; decoded strings
 * lie inside the message; a walk never returns more qids than names asked;
 * a data count never exceeds what was asked or what arrived; directory
 * names are non-empty and hold no '/' or NUL; the walker always advances.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ember/errno.h>
#include <ember/p9_msg.h>

#include "fuzz_check.h"

static const uint8_t *msg_begin, *msg_end;

static void check_str(struct p9_str s)
{
	if (s.len)
		CHECK((const uint8_t *)s.s >= msg_begin && (const uint8_t *)s.s + s.len <= msg_end);
}

static void check_err(int err)
{
	CHECK(err <= 0 && err >= -(int)P9_MAX_ERRNO);
}

static void fuzz_reply(const uint8_t *p, uint32_t len, uint8_t ttype, unsigned nwname)
{
	union p9_reply r;
	int err =
		p9_dec_reply(p, len, ttype, (uint16_t)(len > 6 ? p[5] | p[6] << 8 : 0), nwname, &r);
	check_err(err);
	if (err)
		return;
	CHECK(p9_msg_size(p) == len);
	if (ttype == P9_TWALK)
		CHECK(r.walk.nwqid <= nwname && r.walk.nwqid <= P9_MAXWELEM);
	if (ttype == P9_TVERSION)
		check_str(r.version.version);
	if (ttype == P9_TREADLINK) {
		check_str(r.target);
		CHECK(!r.target.len || !memchr(r.target.s, '\0', r.target.len));
	}
}

static void fuzz_data(const uint8_t *p, uint32_t len, uint8_t ttype, uint32_t max)
{
	if (len < P9_DATA_HDR_SIZE)
		return;
	uint32_t count = 0xdeadbeef;
	int err = p9_dec_data_head(p, len, ttype, (uint16_t)(p[5] | p[6] << 8), max, &count);
	check_err(err);
	if (!err)
		CHECK(count <= max && count == len - P9_DATA_HDR_SIZE);
	else
		CHECK(count == 0xdeadbeef);
}

static void fuzz_dirents(const uint8_t *p, uint32_t len)
{
	uint32_t pos = 0;
	struct p9_dirent d;
	int rc;
	while ((rc = p9_dirent_next(p, len, &pos, &d)) == 1) {
		CHECK(pos <= len);
		CHECK(d.name.len > 0);
		check_str(d.name);
		CHECK(!memchr(d.name.s, '/', d.name.len) && !memchr(d.name.s, '\0', d.name.len));
	}
	CHECK(rc == 0 || rc == -EPROTO);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 4)
		return 0;
	uint8_t ttype = data[0];
	unsigned nwname = data[1] % 20;
	uint32_t max = (uint32_t)(data[2] | data[3] << 8);
	uint32_t len = (uint32_t)(size - 4);
	uint8_t *p = malloc(len ? len : 1);
	memcpy(p, data + 4, len);
	msg_begin = p;
	msg_end = p + len;

	fuzz_reply(p, len, ttype, nwname);
	fuzz_data(p, len, ttype & 1 ? P9_TREADDIR : P9_TREAD, max);
	fuzz_dirents(p, len);
	free(p);
	return 0;
}
