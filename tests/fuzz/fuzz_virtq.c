// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for the split virtqueues, kvm/virtq.c (the real code),
 * with the input scripting a hostile device.
 *
 * Input: one byte choosing the queue size (1 << (byte % 6): 1 to 32), then
 * 8-byte steps {op, x, y (le16), v (le32)}:
 *   0 ADD      the driver posts a chain of 1 + x % 4 buffers, the first
 *              (x >> 2) % (n + 1) readable, the rest writable of y bytes each
 *   1 TAKE     the device takes the next posted head from the avail ring
 *   2 USE      the device hands back taken head number x with length v
 *   3 RAW      the device writes used entry {id y, len v} and (x & 1)
 *              publishes it
 *   4 IDX      the device sets used.idx to its own index + (int16_t)y
 *   5 COLLECT  the driver collects
 *   6 ARM      after the driver's (x % 8 + 1)-th next load of device memory,
 *              the device writes v into used.idx (y % 3 == 0), or the id or
 *              len of used entry y >> 2 (1, 2): a rewrite between two reads
 *   7 SCRIBBLE the device rewrites descriptor x (addr, len v, flags and next
 *              y) or, with x & 0x80, avail.idx (y)
 *   8 FAIL     the driver fails the queue
 * At the end the driver fails the queue. Checked after every step: each
 * chain ends at most once, with at most the bytes it posted, and -EIO only
 * when failed; while the queue is not broken every descriptor is free or in
 * exactly one outstanding chain; a broken queue adds and collects nothing.
 * At the end every chain posted has ended exactly once. ASan/UBSan see any
 * access outside the rings, the records or the requests.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ember/errno.h>
#include "virtq.h"

#include "fuzz_check.h"

#define MAX_REQS 520
#define STEP	 8

struct req {
	bool posted;
	int ends, err;
	uint32_t in_len, len;
	uint16_t ndesc;
	uint8_t buf[4];
};

static struct {
	struct virtq q;
	struct virtq_slot slots[32];
	uint8_t *mem;
	struct req reqs[MAX_REQS];
	unsigned nreqs;
	uint16_t taken[32], ntaken, avail_seen, used_idx;
	bool failing;
	/* ARM */
	int arm_loads;
	unsigned arm_target;
	uint32_t arm_value;
} s;

static void device_rewrite(void)
{
	if (s.arm_loads <= 0 || --s.arm_loads)
		return;
	unsigned slot = (s.arm_target >> 2) & (s.q.size - 1u);
	switch (s.arm_target % 3) {
	case 0: s.q.used->idx = (uint16_t)s.arm_value; break;
	case 1: s.q.used->ring[slot].id = s.arm_value; break;
	default: s.q.used->ring[slot].len = s.arm_value; break;
	}
}

uint16_t virtq_load16(const volatile uint16_t *p)
{
	uint16_t v = *p;
	device_rewrite();
	return v;
}

uint32_t virtq_load32(const volatile uint32_t *p)
{
	uint32_t v = *p;
	device_rewrite();
	return v;
}

static void on_done(void *cookie, int err, uint32_t len)
{
	struct req *r = cookie;
	CHECK(r >= s.reqs && r < s.reqs + s.nreqs && r->posted);
	CHECK(r->ends == 0);
	CHECK(len <= r->in_len);
	CHECK(err == 0 || (err == -EIO && s.failing && len == 0));
	r->ends++;
	r->err = err;
	r->len = len;
}

static void op_add(uint8_t x, uint16_t y)
{
	if (s.nreqs == MAX_REQS)
		return;
	struct req *r = &s.reqs[s.nreqs];
	unsigned n = 1 + x % 4u, readable = (x >> 2) % (n + 1);
	struct virtq_buf bufs[4];
	uint32_t in = 0;
	for (unsigned k = 0; k < n; k++) {
		bool w = k >= readable;
		bufs[k] = (struct virtq_buf){ r->buf, w ? y : 4, w };
		in += w ? y : 0;
	}
	int err = virtq_add(&s.q, bufs, n, r);
	if (s.q.broken) {
		CHECK(err == -EIO);
		return;
	}
	CHECK(err == 0 || (err == -ENOSPC && s.q.num_free < n) || (err == -EINVAL && n > s.q.size));
	if (err)
		return;
	s.nreqs++;
	*r = (struct req){ .posted = true, .in_len = in, .ndesc = (uint16_t)n };
}

static void op_take(void)
{
	if (s.avail_seen == s.q.avail->idx || s.ntaken == 32)
		return;
	s.taken[s.ntaken++] = s.q.avail->ring[s.avail_seen++ & (s.q.size - 1u)];
}

static void dev_use(uint32_t id, uint32_t len, bool publish)
{
	volatile struct vring_used_elem *e = &s.q.used->ring[s.used_idx & (s.q.size - 1u)];
	e->id = id;
	e->len = len;
	if (publish)
		s.q.used->idx = ++s.used_idx;
}

static void op_use(uint8_t x, uint32_t v)
{
	if (!s.ntaken)
		return;
	unsigned i = x % s.ntaken;
	uint16_t head = s.taken[i];
	s.taken[i] = s.taken[--s.ntaken];
	dev_use(head, v, true);
}

static void op_collect(void)
{
	bool was = s.q.broken;
	int n = virtq_collect(&s.q, on_done);
	CHECK(n >= -EIO);
	CHECK((n == -EIO) == s.q.broken);
	CHECK(!was || n == -EIO);
}

static void op_scribble(uint8_t x, uint16_t y, uint32_t v)
{
	if (x & 0x80) {
		s.q.avail->idx = y;
		return;
	}
	struct vring_desc *d = &s.q.desc[x & (s.q.size - 1u)];
	*d = (struct vring_desc){ .addr = v, .len = v, .flags = y, .next = y };
}

static void fail_all(void)
{
	s.failing = true;
	virtq_fail_all(&s.q, on_done);
	s.failing = false;
	CHECK(s.q.broken);
}

/* Every descriptor is free or in one outstanding chain. */
static void check_accounting(void)
{
	if (s.q.broken)
		return;
	unsigned held = 0, outstanding = 0, heads = 0;
	for (unsigned i = 0; i < s.nreqs; i++)
		if (s.reqs[i].ends == 0) {
			held += s.reqs[i].ndesc;
			outstanding++;
		}
	for (unsigned i = 0; i < s.q.size; i++)
		heads += s.slots[i].cookie != NULL;
	CHECK(held + s.q.num_free == s.q.size);
	CHECK(heads == outstanding);
}

static void step(const uint8_t *p)
{
	uint8_t op = p[0] % 9, x = p[1];
	uint16_t y = (uint16_t)(p[2] | p[3] << 8);
	uint32_t v =
		(uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
	switch (op) {
	case 0: op_add(x, y); break;
	case 1: op_take(); break;
	case 2: op_use(x, v); break;
	case 3: dev_use(y, v, x & 1); break;
	case 4: s.q.used->idx = (uint16_t)(s.used_idx + (int16_t)y); break;
	case 5: op_collect(); break;
	case 6:
		s.arm_loads = x % 8 + 1;
		s.arm_target = y;
		s.arm_value = v;
		break;
	case 7: op_scribble(x, y, v); break;
	default: fail_all(); break;
	}
	check_accounting();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	memset(&s, 0, sizeof(s));
	uint16_t qsize = (uint16_t)(1u << (data[0] % 6));
	size_t bytes = virtq_mem_bytes(qsize);
	s.mem = aligned_alloc(VIRTQ_ALIGN, bytes);
	memset(s.mem, 0, bytes);
	virtq_init(&s.q, qsize, s.mem, s.slots);
	for (size_t off = 1; off + STEP <= size; off += STEP)
		step(data + off);
	s.arm_loads = 0;
	fail_all();
	for (unsigned i = 0; i < s.nreqs; i++)
		CHECK(s.reqs[i].ends == 1);
	free(s.mem);
	return 0;
}
