// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for the Xen 9pfs data path: the real xen/9pfront.c and
 * xen/xring.c, driven through the simulated backend of
 * tests/unit/sim_9pfront.c, whose every move comes from the input.
 *
 * The input is a script of 6-byte steps: an opcode and five argument bytes.
 * Steps make requests (body and reply-buffer sizes from the arguments) or
 * make the backend hostile: move out_cons or in_prod anywhere (also right
 * after the frontend's next read), write raw bytes into "in" and publish
 * them, change what the next replies claim, their tags and sizes, or stop
 * answering or consuming. Each ring half and each reply buffer is an exact
 * heap block, so ASan reports any copy outside them.
 *
 * Invariants: a request returns 0 or one of the documented errors; a
 * request that succeeded received no more than it posted; once the channel
 * is broken every request fails with -EIO; the frontend's published indexes
 * never move backwards, and no pending request is left behind.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <ember/errno.h>

#include "../unit/sim_9pfront.h"
#include "fuzz_check.h"

enum op { OP_REQUEST, OP_OUT_CONS, OP_IN_PROD, OP_RAW_REPLY, OP_REPLIES, OP_MODE, OP_COUNT };

static uint32_t arg32(const uint8_t *a)
{
	return (uint32_t)a[1] | (uint32_t)a[2] << 8 | (uint32_t)a[3] << 16 | (uint32_t)a[4] << 24;
}

static void request(const uint8_t *a)
{
	uint32_t ring = sim.f.ring_size;
	uint32_t body = (a[0] | a[1] << 8) % (ring + 16);
	uint32_t in_len = (a[2] | a[3] << 8) % (ring + 16);
	bool broken = sim.f.broken;
	uint32_t out_prod = sim.f.intf->out_prod, in_cons = sim.f.intf->in_cons, got = 0;
	int err = sim_request(100, (uint16_t)a[4], body, in_len, &got, false);
	CHECK(err == 0 || err == -EIO || err == -ETIMEDOUT || err == -EMSGSIZE || err == -ENOTCONN);
	CHECK(got <= in_len);
	if (broken)
		CHECK(err == -EIO);
	CHECK(sim.f.intf->out_prod - out_prod <= ring); /* one request, never more than the ring */
	CHECK(sim.f.intf->out_prod == sim.f.out.own);	/* published what it wrote */
	CHECK(sim.f.broken || sim.f.intf->in_cons == sim.f.in.own);
	(void)in_cons;
	CHECK(list_empty(&sim.f.pending));
}

/* Raw bytes into "in" at the backend's producer index, then published. */
static void raw_reply(const uint8_t *a, const uint8_t **data, size_t *left)
{
	size_t n = MIN((size_t)(a[0] | a[1] << 8), *left);
	for (size_t i = 0; i < n; i++)
		sim.in_buf[(sim.be_in_prod + i) & (sim.f.ring_size - 1)] = (*data)[i];
	*data += n;
	*left -= n;
	sim.be_in_prod += (uint32_t)n;
	sim.f.intf->in_prod = sim.be_in_prod;
	p9front_event(sim.f.port, &sim.f);
}

static void step(const uint8_t *s, const uint8_t **data, size_t *left)
{
	const uint8_t *a = s + 1;
	switch (s[0] % OP_COUNT) {
	case OP_REQUEST: request(a); break;
	case OP_OUT_CONS: /* a[0] & 1: only after the frontend's next read */
		sim.rewrite_out_cons = a[0] & 1;
		sim.out_cons_value = sim.f.out.own + arg32(a);
		if (!sim.rewrite_out_cons)
			sim.f.intf->out_cons = sim.be_out_cons = sim.out_cons_value;
		break;
	case OP_IN_PROD:
		sim.rewrite_in_prod = a[0] & 1;
		sim.in_prod_value = sim.f.in.own + arg32(a);
		if (!sim.rewrite_in_prod)
			sim.f.intf->in_prod = sim.be_in_prod = sim.in_prod_value;
		break;
	case OP_RAW_REPLY: raw_reply(a, data, left); break;
	case OP_REPLIES:
		sim.claim_size = a[0] & 1 ? arg32(a) : 0;
		sim.reply_extra = (int8_t)a[1];
		sim.tag_delta = a[2] & 3;
		break;
	case OP_MODE: sim.mode = (enum sim_reply)(a[0] % 3); break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sim_setup(size && data[0] & 1 ? 1 : 0);
	if (size)
		data++, size--;
	while (size >= 6) {
		const uint8_t *s = data;
		data += 6;
		size -= 6;
		step(s, &data, &size);
	}
	sim_teardown();
	return 0;
}
