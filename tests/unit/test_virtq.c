// SPDX-License-Identifier: MIT
/*
 * Host tests for the split virtqueues (kvm/virtq.c) and the PCI capability
 * walk (kvm/pci_cap.c), the real code, against a simulated hostile device.
 *
 * The device (struct sim) reads chains the way a virtio device does (the
 * avail ring, then the descriptor table) and hands them back by writing used
 * entries and used.idx. The driver reads device memory only through
 * virtq_load16()/virtq_load32(); this file's definitions replace the weak
 * ones and call sim.after_load after each load, so a test can rewrite the
 * ring between two reads as a device on another CPU could.
 *
 * Checked: lengths beyond the posted buffers are clamped; a used id that is
 * out of range, in the middle of a chain, free, or already handed back
 * breaks the queue, and then every outstanding chain ends with -EIO and
 * nothing more is added; used.idx is read once per collect, and a jump of
 * more than the queue size (forwards or backwards) breaks the queue; the
 * shared descriptor table and avail ring are never read back (the device
 * may scribble on them); sizes; indexes that wrap. Capabilities: lists that
 * loop, point into the header or run past config space; virtio windows
 * outside their BAR.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <ember/errno.h>
#include "pci.h"
#include "virtq.h"

#define QSIZE 8

/* ---- the simulated device ---- */

struct sim {
	struct virtq q;
	struct virtq_slot slots[VIRTQ_SIZE_MAX];
	void *mem;
	uint16_t avail_seen; /* avail entries the device has taken */
	uint16_t used_idx;   /* the device's own used index */
	void (*after_load)(struct sim *s, const volatile void *p);
	unsigned idx_loads;
};

static struct sim *sim;

uint16_t virtq_load16(const volatile uint16_t *p)
{
	uint16_t v = *p;
	if (p == &sim->q.used->idx)
		sim->idx_loads++;
	if (sim->after_load)
		sim->after_load(sim, p);
	return v;
}

uint32_t virtq_load32(const volatile uint32_t *p)
{
	uint32_t v = *p;
	if (sim->after_load)
		sim->after_load(sim, p);
	return v;
}

static int sim_setup_size(void **state, uint16_t size)
{
	struct sim *s = calloc(1, sizeof(*s));
	s->mem = aligned_alloc(VIRTQ_ALIGN, virtq_mem_bytes(size));
	memset(s->mem, 0, virtq_mem_bytes(size));
	virtq_init(&s->q, size, s->mem, s->slots);
	sim = s;
	*state = s;
	return 0;
}

static int sim_setup(void **state)
{
	return sim_setup_size(state, QSIZE);
}

static int sim_teardown(void **state)
{
	struct sim *s = *state;
	free(s->mem);
	free(s);
	sim = NULL;
	return 0;
}

/* The device takes the next posted chain: its head and its writable bytes. */
static uint16_t dev_take(struct sim *s, uint32_t *in_len)
{
	assert_int_not_equal(s->avail_seen, s->q.avail->idx);
	uint16_t head = s->q.avail->ring[s->avail_seen++ & (s->q.size - 1)];
	uint32_t in = 0;
	for (uint16_t i = head, n = 0;; i = s->q.desc[i].next, n++) {
		assert_true(i < s->q.size && n < s->q.size);
		if (s->q.desc[i].flags & VRING_DESC_F_WRITE)
			in += s->q.desc[i].len;
		if (!(s->q.desc[i].flags & VRING_DESC_F_NEXT))
			break;
	}
	if (in_len)
		*in_len = in;
	return head;
}

/* The device writes one used entry, then publishes it. */
static void dev_use(struct sim *s, uint32_t id, uint32_t len)
{
	volatile struct vring_used_elem *e = &s->q.used->ring[s->used_idx & (s->q.size - 1)];
	e->id = id;
	e->len = len;
	s->used_idx++;
	s->q.used->idx = s->used_idx;
}

/* ---- requests (the cookies) ---- */

struct req {
	uint8_t out[16], in[64];
	int ends; /* times its completion ran */
	int err;
	uint32_t len;
};

static void on_done(void *cookie, int err, uint32_t len)
{
	struct req *r = cookie;
	r->ends++;
	r->err = err;
	r->len = len;
}

/* A request of one readable and one writable buffer (@in_len bytes). */
static int post(struct sim *s, struct req *r, uint32_t in_len)
{
	struct virtq_buf bufs[2] = { { r->out, sizeof(r->out), false }, { r->in, in_len, true } };
	return virtq_add(&s->q, bufs, 2, r);
}

static void assert_broken_and_failed(struct sim *s, struct req *pending, unsigned n)
{
	assert_true(s->q.broken);
	assert_non_null(s->q.error);
	assert_int_equal(virtq_fail_all(&s->q, on_done), n);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(pending[i].ends, 1);
		assert_int_equal(pending[i].err, -EIO);
	}
	struct req late = { 0 };
	assert_int_equal(post(s, &late, 8), -EIO);
	assert_int_equal(virtq_collect(&s->q, on_done), -EIO);
	assert_int_equal(late.ends, 0);
}

/* ---- virtqueue: the good path ---- */

static void test_roundtrip_out_of_order(void **state)
{
	struct sim *s = *state;
	struct req r[3] = { 0 };
	uint16_t head[3];
	uint32_t in;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(post(s, &r[i], 10 + i), 0);
		head[i] = dev_take(s, &in);
		assert_int_equal(in, 10 + i);
	}
	assert_int_equal(s->q.num_free, QSIZE - 6);
	dev_use(s, head[2], 12);
	dev_use(s, head[0], 3);
	assert_int_equal(virtq_collect(&s->q, on_done), 2);
	assert_int_equal(r[2].ends, 1);
	assert_int_equal(r[2].len, 12);
	assert_int_equal(r[0].ends, 1);
	assert_int_equal(r[0].len, 3);
	assert_int_equal(r[1].ends, 0);
	dev_use(s, head[1], 0);
	assert_int_equal(virtq_collect(&s->q, on_done), 1);
	assert_int_equal(r[1].ends, 1);
	assert_int_equal(r[1].err, 0);
	assert_int_equal(s->q.num_free, QSIZE);
	assert_int_equal(virtq_collect(&s->q, on_done), 0);
	assert_false(s->q.broken);
}

/* 16-bit indexes wrap many times; every chain comes back once. */
static void test_indexes_wrap(void **state)
{
	struct sim *s = *state;
	for (unsigned round = 0; round < 70000; round++) {
		struct req r[2] = { 0 };
		assert_int_equal(post(s, &r[0], 1), 0);
		assert_int_equal(post(s, &r[1], 2), 0);
		uint16_t a = dev_take(s, NULL), b = dev_take(s, NULL);
		dev_use(s, b, 2);
		dev_use(s, a, 1);
		if (virtq_collect(&s->q, on_done) != 2 || r[0].ends != 1 || r[1].ends != 1 ||
		    r[0].len != 1 || r[1].len != 2)
			fail_msg("round %u", round);
	}
	assert_int_equal(s->q.num_free, QSIZE);
	assert_false(s->q.broken);
}

static void test_add_refused(void **state)
{
	struct sim *s = *state;
	struct req r = { 0 };
	struct virtq_buf bufs[QSIZE + 1];
	for (unsigned i = 0; i < ARRAY_SIZE(bufs); i++)
		bufs[i] = (struct virtq_buf){ r.in, 1, true };
	assert_int_equal(virtq_add(&s->q, bufs, 0, &r), -EINVAL);
	assert_int_equal(virtq_add(&s->q, bufs, QSIZE + 1, &r), -EINVAL);
	assert_int_equal(virtq_add(&s->q, bufs, 1, NULL), -EINVAL);
	struct virtq_buf backwards[2] = { { r.in, 4, true }, { r.out, 4, false } };
	assert_int_equal(virtq_add(&s->q, backwards, 2, &r), -EINVAL);
	struct virtq_buf huge[2] = { { r.in, UINT32_MAX, true }, { r.in, 2, true } };
	assert_int_equal(virtq_add(&s->q, huge, 2, &r), -EINVAL);
	assert_int_equal(s->q.num_free, QSIZE);
	assert_int_equal(virtq_add(&s->q, bufs, QSIZE, &r), 0);
	struct req r2 = { 0 };
	assert_int_equal(post(s, &r2, 1), -ENOSPC);
	dev_use(s, dev_take(s, NULL), QSIZE);
	assert_int_equal(virtq_collect(&s->q, on_done), 1);
	assert_int_equal(post(s, &r2, 1), 0);
}

static void test_pick_size(void **state)
{
	(void)state;
	uint16_t size = 0;
	assert_int_equal(virtq_pick_size(256, 128, &size), 0);
	assert_int_equal(size, 128);
	assert_int_equal(virtq_pick_size(64, 128, &size), 0);
	assert_int_equal(size, 64);
	assert_int_equal(virtq_pick_size(1, 128, &size), 0);
	assert_int_equal(size, 1);
	assert_int_equal(virtq_pick_size(32768, 32768, &size), 0);
	assert_int_equal(size, 32768);
	static const uint16_t bad[] = { 0, 3, 96, 100, 129, 0xffff, 0xfffe };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		size = 7;
		if (virtq_pick_size(bad[i], 128, &size) != -ENODEV || size != 7)
			fail_msg("device size %u accepted", bad[i]);
	}
	assert_int_equal(virtq_pick_size(128, 0, &size), -EINVAL);
	assert_int_equal(virtq_pick_size(128, 100, &size), -EINVAL);
}

static void test_largest_queue(void **state)
{
	struct sim *s = *state;
	assert_int_equal(s->q.size, VIRTQ_SIZE_MAX);
	struct req r = { 0 };
	assert_int_equal(post(s, &r, 5), 0);
	uint16_t head = dev_take(s, NULL);
	dev_use(s, head, 5);
	assert_int_equal(virtq_collect(&s->q, on_done), 1);
	assert_int_equal(r.len, 5);
	/* The used ring's last byte (avail_event) lies inside the allocation. */
	uint8_t *end = (uint8_t *)s->mem + virtq_mem_bytes(VIRTQ_SIZE_MAX);
	assert_true((uint8_t *)&s->q.used->ring[VIRTQ_SIZE_MAX] + 2 <= end);
}

static int sim_setup_max(void **state)
{
	return sim_setup_size(state, VIRTQ_SIZE_MAX);
}

/* ---- virtqueue: a hostile device ---- */

/* A used length beyond the posted writable bytes is cut to them. */
static void test_len_clamped(void **state)
{
	struct sim *s = *state;
	struct req r[3] = { 0 };
	uint16_t head[3];
	for (int i = 0; i < 3; i++) {
		assert_int_equal(post(s, &r[i], 32), 0);
		head[i] = dev_take(s, NULL);
	}
	dev_use(s, head[0], 33);
	dev_use(s, head[1], UINT32_MAX);
	dev_use(s, head[2], 32);
	assert_int_equal(virtq_collect(&s->q, on_done), 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(r[i].ends, 1);
		assert_int_equal(r[i].len, 32);
	}
	assert_int_equal(s->q.clamped, 2);
	assert_false(s->q.broken);
}

/* A chain with no writable buffer: any length is cut to 0. */
static void test_len_clamped_no_in(void **state)
{
	struct sim *s = *state;
	struct req r = { 0 };
	struct virtq_buf out = { r.out, sizeof(r.out), false };
	assert_int_equal(virtq_add(&s->q, &out, 1, &r), 0);
	dev_use(s, dev_take(s, NULL), sizeof(r.out));
	assert_int_equal(virtq_collect(&s->q, on_done), 1);
	assert_int_equal(r.len, 0);
}

static void test_id_out_of_range(void **state)
{
	struct sim *s = *state;
	struct req r[2] = { 0 };
	assert_int_equal(post(s, &r[0], 8), 0);
	assert_int_equal(post(s, &r[1], 8), 0);
	dev_take(s, NULL);
	dev_take(s, NULL);
	dev_use(s, QSIZE, 8);
	assert_int_equal(virtq_collect(&s->q, on_done), -EIO);
	assert_int_equal(s->q.error_value, QSIZE);
	assert_broken_and_failed(s, r, 2);
}

static void test_id_huge(void **state)
{
	struct sim *s = *state;
	struct req r = { 0 };
	assert_int_equal(post(s, &r, 8), 0);
	dev_take(s, NULL);
	dev_use(s, 0x80000000u, 8);
	assert_int_equal(virtq_collect(&s->q, on_done), -EIO);
	assert_broken_and_failed(s, &r, 1);
}

/* The id of a chain's second descriptor is no chain. */
static void test_id_middle_of_chain(void **state)
{
	struct sim *s = *state;
	struct req r = { 0 };
	assert_int_equal(post(s, &r, 8), 0);
	uint16_t head = dev_take(s, NULL);
	dev_use(s, s->q.desc[head].next, 8);
	assert_int_equal(virtq_collect(&s->q, on_done), -EIO);
	assert_int_equal(r.ends, 0);
	assert_broken_and_failed(s, &r, 1);
}

static void test_id_free_descriptor(void **state)
{
	struct sim *s = *state;
	struct req r = { 0 };
	assert_int_equal(post(s, &r, 8), 0); /* descriptors 0 and 1 */
	dev_take(s, NULL);
	dev_use(s, 5, 8);
	assert_int_equal(virtq_collect(&s->q, on_done), -EIO);
	assert_broken_and_failed(s, &r, 1);
}

/* A chain handed back twice: the second time breaks the queue, the first stands. */
static void test_id_completed_twice(void **state)
{
	struct sim *s = *state;
	struct req a = { 0 }, b = { 0 };
	assert_int_equal(post(s, &a, 8), 0);
	assert_int_equal(post(s, &b, 8), 0);
	uint16_t ha = dev_take(s, NULL);
	dev_take(s, NULL);
	dev_use(s, ha, 4);
	dev_use(s, ha, 8);
	assert_int_equal(virtq_collect(&s->q, on_done), -EIO);
	assert_int_equal(a.ends, 1);
	assert_int_equal(a.err, 0);
	assert_int_equal(a.len, 4);
	assert_int_equal(s->q.error_value, ha);
	assert_broken_and_failed(s, &b, 1);
	assert_int_equal(a.ends, 1);
}

/* The same, in two collects: the chain's descriptors were reused meanwhile. */
static void test_id_completed_twice_after_reuse(void **state)
{
	struct sim *s = *state;
	struct req a = { 0 }, b = { 0 };
	assert_int_equal(post(s, &a, 8), 0);
	uint16_t ha = dev_take(s, NULL);
	dev_use(s, ha, 8);
	assert_int_equal(virtq_collect(&s->q, on_done), 1);
	assert_int_equal(post(s, &b, 16), 0);
	uint16_t hb = dev_take(s, NULL);
	assert_int_equal(hb, ha); /* the free list gives the chain back first */
	dev_use(s, ha, 16);	  /* a stale repeat of a's completion, or b's: they look alike */
	assert_int_equal(virtq_collect(&s->q, on_done), 1);
	assert_int_equal(b.ends, 1);
	dev_use(s, ha, 16); /* now surely a repeat */
	assert_int_equal(virtq_collect(&s->q, on_done), -EIO);
	assert_int_equal(a.ends, 1);
	assert_int_equal(b.ends, 1);
}

static void test_idx_jump(void **state)
{
	struct sim *s = *state;
	struct req r[2] = { 0 };
	assert_int_equal(post(s, &r[0], 8), 0);
	assert_int_equal(post(s, &r[1], 8), 0);
	dev_use(s, dev_take(s, NULL), 8);
	s->q.used->idx = (uint16_t)(1 + QSIZE); /* QSIZE + 1 new entries */
	assert_int_equal(virtq_collect(&s->q, on_done), -EIO);
	assert_int_equal(s->q.error_value, QSIZE + 1);
	assert_int_equal(r[0].ends, 0); /* nothing is taken from a ring that cannot be believed */
	assert_broken_and_failed(s, r, 2);
}

/* Exactly the queue size of new entries is the most a device can return. */
static void test_idx_full_ring(void **state)
{
	struct sim *s = *state;
	struct req r[QSIZE] = { 0 };
	struct virtq_buf buf;
	uint16_t head[QSIZE];
	for (int i = 0; i < QSIZE; i++) {
		buf = (struct virtq_buf){ r[i].in, 4, true };
		assert_int_equal(virtq_add(&s->q, &buf, 1, &r[i]), 0);
		head[i] = dev_take(s, NULL);
	}
	for (int i = QSIZE - 1; i >= 0; i--)
		dev_use(s, head[i], 4);
	assert_int_equal(virtq_collect(&s->q, on_done), QSIZE);
	for (int i = 0; i < QSIZE; i++)
		assert_int_equal(r[i].ends, 1);
	assert_false(s->q.broken);
}

static void test_idx_backwards(void **state)
{
	struct sim *s = *state;
	struct req r[2] = { 0 };
	assert_int_equal(post(s, &r[0], 8), 0);
	assert_int_equal(post(s, &r[1], 8), 0);
	dev_use(s, dev_take(s, NULL), 8);
	assert_int_equal(virtq_collect(&s->q, on_done), 1);
	s->q.used->idx = 0; /* one entry taken back */
	assert_int_equal(virtq_collect(&s->q, on_done), -EIO);
	assert_broken_and_failed(s, &r[1], 1);
	assert_int_equal(r[0].ends, 1);
	assert_int_equal(r[0].err, 0);
}

/* After the driver reads used.idx, the device moves it far ahead. */
static void jump_idx_after_read(struct sim *s, const volatile void *p)
{
	if (p == &s->q.used->idx)
		s->q.used->idx = (uint16_t)(s->used_idx + 3 * QSIZE);
}

static void test_idx_read_once(void **state)
{
	struct sim *s = *state;
	struct req r[2] = { 0 };
	assert_int_equal(post(s, &r[0], 8), 0);
	assert_int_equal(post(s, &r[1], 8), 0);
	dev_use(s, dev_take(s, NULL), 8);
	s->after_load = jump_idx_after_read;
	/* This collect believes the index it read: one entry, no fault. */
	assert_int_equal(virtq_collect(&s->q, on_done), 1);
	assert_int_equal(s->idx_loads, 1);
	assert_false(s->q.broken);
	assert_int_equal(r[0].ends, 1);
	assert_int_equal(r[0].len, 8);
	/* The next one reads the jump. */
	assert_int_equal(virtq_collect(&s->q, on_done), -EIO);
	assert_broken_and_failed(s, &r[1], 1);
}

/* After each load of an entry's field, the device rewrites the whole entry. */
static void scribble_entry_after_read(struct sim *s, const volatile void *p)
{
	volatile struct vring_used_elem *e = &s->q.used->ring[0];
	if (p == &e->id || p == &e->len) {
		e->id = 0xdeadbeef;
		e->len = 0xffffffff;
	}
}

static void test_entry_read_once(void **state)
{
	struct sim *s = *state;
	struct req r = { 0 };
	assert_int_equal(post(s, &r, 20), 0);
	dev_use(s, dev_take(s, NULL), 6);
	s->after_load = scribble_entry_after_read;
	/* The id was read before the rewrite; the rewritten length is clamped. */
	assert_int_equal(virtq_collect(&s->q, on_done), 1);
	assert_int_equal(r.ends, 1);
	assert_true(r.len <= 20);
	assert_int_equal(s->q.num_free, QSIZE);
}

/*
 * The device scribbles on the shared descriptor table (loops, links out of
 * range, flags) before handing the chain back: the driver frees the chain
 * by its own records and every descriptor is usable again.
 */
static void test_desc_table_scribbled(void **state)
{
	struct sim *s = *state;
	struct req r[2] = { 0 };
	assert_int_equal(post(s, &r[0], 8), 0);
	assert_int_equal(post(s, &r[1], 8), 0);
	uint16_t a = dev_take(s, NULL), b = dev_take(s, NULL);
	for (unsigned i = 0; i < QSIZE; i++) {
		s->q.desc[i].next = (uint16_t)(i % 2 ? 0xffff : i);
		s->q.desc[i].flags = VRING_DESC_F_NEXT | VRING_DESC_F_WRITE;
		s->q.desc[i].len = UINT32_MAX;
	}
	dev_use(s, a, 8);
	dev_use(s, b, 8);
	assert_int_equal(virtq_collect(&s->q, on_done), 2);
	assert_int_equal(r[0].len, 8);
	assert_int_equal(s->q.num_free, QSIZE);
	/* All eight descriptors can be posted again, in one chain and in singles. */
	struct req big = { 0 };
	struct virtq_buf bufs[QSIZE];
	for (unsigned i = 0; i < QSIZE; i++)
		bufs[i] = (struct virtq_buf){ big.in + i, 1, true };
	assert_int_equal(virtq_add(&s->q, bufs, QSIZE, &big), 0);
	uint32_t in;
	uint16_t head = dev_take(s, &in);
	assert_int_equal(in, QSIZE);
	dev_use(s, head, QSIZE);
	assert_int_equal(virtq_collect(&s->q, on_done), 1);
	assert_int_equal(big.len, QSIZE);
	assert_int_equal(s->q.num_free, QSIZE);
}

/* The device rewrites avail.idx: the driver publishes from its own count. */
static void test_avail_scribbled(void **state)
{
	struct sim *s = *state;
	struct req r[2] = { 0 };
	assert_int_equal(post(s, &r[0], 8), 0);
	s->q.avail->idx = 0x7777;
	s->q.avail->ring[1] = 0x5555;
	assert_int_equal(post(s, &r[1], 8), 0);
	assert_int_equal(s->q.avail->idx, 2);
	uint16_t a = dev_take(s, NULL), b = dev_take(s, NULL);
	assert_true(a < QSIZE && b < QSIZE && a != b);
	dev_use(s, a, 1);
	dev_use(s, b, 2);
	assert_int_equal(virtq_collect(&s->q, on_done), 2);
	assert_int_equal(r[0].len, 1);
	assert_int_equal(r[1].len, 2);
}

/* Failing a queue that nobody broke breaks it first (its chains are never reused). */
static void test_fail_all_breaks(void **state)
{
	struct sim *s = *state;
	struct req r = { 0 };
	assert_int_equal(post(s, &r, 8), 0);
	assert_true(virtq_break(&s->q, "test", 7));
	assert_false(virtq_break(&s->q, "again", 8));
	assert_string_equal(s->q.error, "test");
	assert_int_equal(s->q.error_value, 7);
	assert_broken_and_failed(s, &r, 1);
	assert_int_equal(virtq_fail_all(&s->q, on_done), 0);
}

static void test_fail_all_unbroken(void **state)
{
	struct sim *s = *state;
	struct req r = { 0 };
	assert_int_equal(post(s, &r, 8), 0);
	assert_int_equal(virtq_fail_all(&s->q, on_done), 1);
	assert_true(s->q.broken);
	assert_int_equal(r.err, -EIO);
	assert_int_equal(post(s, &r, 8), -EIO);
}

/* ---- capabilities ---- */

struct cfg {
	uint8_t b[PCI_CONFIG_SIZE];
};

static void cfg_init(struct cfg *c, uint8_t first)
{
	memset(c, 0, sizeof(*c));
	c->b[0x06] = 0x10; /* status: capability list */
	c->b[0x34] = first;
}

static void cfg_cap(struct cfg *c, unsigned off, uint8_t id, uint8_t next)
{
	c->b[off] = id;
	c->b[off + 1] = next;
}

static unsigned caps(const struct cfg *c, uint8_t id, unsigned body, uint8_t *offs)
{
	return pci_cap_list(c->b, id, body, offs, PCI_CAP_MAX);
}

static void test_cap_list(void **state)
{
	(void)state;
	struct cfg c;
	uint8_t offs[PCI_CAP_MAX];
	cfg_init(&c, 0x40);
	cfg_cap(&c, 0x40, PCI_CAP_VENDOR, 0x50);
	cfg_cap(&c, 0x50, PCI_CAP_MSIX, 0x60);
	cfg_cap(&c, 0x60, PCI_CAP_VENDOR, 0x00);
	assert_int_equal(caps(&c, PCI_CAP_VENDOR, 16, offs), 2);
	assert_int_equal(offs[0], 0x40);
	assert_int_equal(offs[1], 0x60);
	assert_int_equal(caps(&c, PCI_CAP_MSIX, 12, offs), 1);
	assert_int_equal(offs[0], 0x50);
	assert_int_equal(caps(&c, 0x05, 2, offs), 0);
	/* @max bounds what is stored. */
	assert_int_equal(pci_cap_list(c.b, PCI_CAP_VENDOR, 16, offs, 1), 1);
	/* No capability list in the status register: none. */
	c.b[0x06] = 0;
	assert_int_equal(caps(&c, PCI_CAP_VENDOR, 16, offs), 0);
}

/* A list that loops back is walked once; the walk ends. */
static void test_cap_list_loops(void **state)
{
	(void)state;
	struct cfg c;
	uint8_t offs[PCI_CAP_MAX];
	cfg_init(&c, 0x40);
	cfg_cap(&c, 0x40, PCI_CAP_VENDOR, 0x50);
	cfg_cap(&c, 0x50, PCI_CAP_VENDOR, 0x40);
	assert_int_equal(caps(&c, PCI_CAP_VENDOR, 16, offs), 2);
	cfg_cap(&c, 0x50, PCI_CAP_VENDOR, 0x50); /* a capability that is its own next */
	assert_int_equal(caps(&c, PCI_CAP_VENDOR, 16, offs), 2);
	cfg_cap(&c, 0x50, PCI_CAP_VENDOR, 0x43); /* back to 0x40, with reserved bits */
	assert_int_equal(caps(&c, PCI_CAP_VENDOR, 16, offs), 2);
}

/* Every dword a capability: the longest list there can be, walked whole. */
static void test_cap_list_longest(void **state)
{
	(void)state;
	struct cfg c;
	uint8_t offs[PCI_CAP_MAX];
	cfg_init(&c, 0x40);
	for (unsigned off = 0x40; off < PCI_CONFIG_SIZE; off += 4)
		cfg_cap(&c, off, PCI_CAP_VENDOR,
			(uint8_t)(off + 4 < PCI_CONFIG_SIZE ? off + 4 : 0x40));
	assert_int_equal(caps(&c, PCI_CAP_VENDOR, 2, offs), PCI_CAP_MAX);
	assert_int_equal(offs[PCI_CAP_MAX - 1], 0xfc);
	/* Bodies of 16 bytes fit only up to 0xf0. */
	assert_int_equal(caps(&c, PCI_CAP_VENDOR, 16, offs), (0xf0 - 0x40) / 4 + 1);
}

/* Pointers into the header end the walk; reserved low bits are ignored. */
static void test_cap_list_bad_pointers(void **state)
{
	(void)state;
	struct cfg c;
	uint8_t offs[PCI_CAP_MAX];
	cfg_init(&c, 0x10);
	assert_int_equal(caps(&c, 0x00, 2, offs), 0);
	cfg_init(&c, 0x3f);
	assert_int_equal(caps(&c, 0x00, 2, offs), 0);
	cfg_init(&c, 0x43);
	cfg_cap(&c, 0x40, PCI_CAP_VENDOR, 0x08);
	c.b[0x08] = PCI_CAP_VENDOR; /* a "capability" in the header is never reached */
	assert_int_equal(caps(&c, PCI_CAP_VENDOR, 16, offs), 1);
	assert_int_equal(offs[0], 0x40);
	/* The last dword holds a capability whose body runs past config space. */
	cfg_init(&c, 0xfc);
	cfg_cap(&c, 0xfc, PCI_CAP_VENDOR, 0);
	assert_int_equal(caps(&c, PCI_CAP_VENDOR, 16, offs), 0);
	assert_int_equal(caps(&c, PCI_CAP_VENDOR, 4, offs), 1);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void virtio_cap(struct cfg *c, unsigned off, uint8_t len, uint8_t type, uint8_t bar,
		       uint32_t offset, uint32_t length)
{
	cfg_cap(c, off, PCI_CAP_VENDOR, 0);
	c->b[off + 2] = len;
	c->b[off + 3] = type;
	c->b[off + 4] = bar;
	put_le32(c->b + off + 8, offset);
	put_le32(c->b + off + 12, length);
}

static void test_virtio_cap_decode(void **state)
{
	(void)state;
	struct cfg c;
	struct virtio_cap cap;
	cfg_init(&c, 0x40);
	virtio_cap(&c, 0x40, 16, VIRTIO_CAP_COMMON, 4, 0x1000, 0x38);
	assert_int_equal(virtio_cap_decode(c.b, 0x40, &cap), 0);
	assert_int_equal(cap.type, VIRTIO_CAP_COMMON);
	assert_int_equal(cap.bar, 4);
	assert_int_equal(cap.offset, 0x1000);
	assert_int_equal(cap.length, 0x38);
	virtio_cap(&c, 0x40, 20, VIRTIO_CAP_NOTIFY, 4, 0x3000, 0x1000);
	put_le32(c.b + 0x40 + 16, 4);
	assert_int_equal(virtio_cap_decode(c.b, 0x40, &cap), 0);
	assert_int_equal(cap.notify_mult, 4);
	/* Too short for its type, a BAR that does not exist, past config space. */
	virtio_cap(&c, 0x40, 16, VIRTIO_CAP_NOTIFY, 4, 0x3000, 0x1000);
	assert_int_equal(virtio_cap_decode(c.b, 0x40, &cap), -EINVAL);
	virtio_cap(&c, 0x40, 15, VIRTIO_CAP_COMMON, 4, 0, 0x38);
	assert_int_equal(virtio_cap_decode(c.b, 0x40, &cap), -EINVAL);
	virtio_cap(&c, 0x40, 16, VIRTIO_CAP_COMMON, 6, 0, 0x38);
	assert_int_equal(virtio_cap_decode(c.b, 0x40, &cap), -EINVAL);
	virtio_cap(&c, 0xf0, 20, VIRTIO_CAP_NOTIFY, 0, 0, 2);
	assert_int_equal(virtio_cap_decode(c.b, 0xf0, &cap), -EINVAL); /* 0xf0 + 20 > 256 */
	c.b[0xf0 + 3] = VIRTIO_CAP_DEVICE;			       /* 16 bytes fit exactly */
	assert_int_equal(virtio_cap_decode(c.b, 0xf0, &cap), 0);
	assert_int_equal(virtio_cap_decode(c.b, 0xf4, &cap), -EINVAL);
	assert_int_equal(virtio_cap_decode(c.b, 0x20, &cap), -EINVAL);
}

static void test_virtio_cap_inside_bar(void **state)
{
	(void)state;
	struct virtio_cap cap = { .type = VIRTIO_CAP_COMMON, .offset = 0x1000, .length = 0x38 };
	assert_int_equal(virtio_cap_check(&cap, 0x4000, 0x38), 0);
	assert_int_equal(virtio_cap_check(&cap, 0x1038, 0x38), 0);
	assert_int_equal(virtio_cap_check(&cap, 0x1037, 0x38), -ERANGE);
	assert_int_equal(virtio_cap_check(&cap, 0, 0x38), -ERANGE);
	assert_int_equal(virtio_cap_check(&cap, 0x4000, 0x39), -EINVAL);
	/* offset + length wraps in 32 bits. */
	cap.offset = 0xfffffff0u;
	cap.length = 0x20;
	assert_int_equal(virtio_cap_check(&cap, 0x4000, 0), -ERANGE);
	assert_int_equal(virtio_cap_check(&cap, 0x100000010ull, 0), 0);
}

#define SIM_TEST(fn) cmocka_unit_test_setup_teardown(fn, sim_setup, sim_teardown)

/* An argument picks the tests to run by name (a glob: test_idx_*). */
int main(int argc, char **argv)
{
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	const struct CMUnitTest tests[] = {
		SIM_TEST(test_roundtrip_out_of_order),
		SIM_TEST(test_indexes_wrap),
		SIM_TEST(test_add_refused),
		cmocka_unit_test(test_pick_size),
		cmocka_unit_test_setup_teardown(test_largest_queue, sim_setup_max, sim_teardown),
		SIM_TEST(test_len_clamped),
		SIM_TEST(test_len_clamped_no_in),
		SIM_TEST(test_id_out_of_range),
		SIM_TEST(test_id_huge),
		SIM_TEST(test_id_middle_of_chain),
		SIM_TEST(test_id_free_descriptor),
		SIM_TEST(test_id_completed_twice),
		SIM_TEST(test_id_completed_twice_after_reuse),
		SIM_TEST(test_idx_jump),
		SIM_TEST(test_idx_full_ring),
		SIM_TEST(test_idx_backwards),
		SIM_TEST(test_idx_read_once),
		SIM_TEST(test_entry_read_once),
		SIM_TEST(test_desc_table_scribbled),
		SIM_TEST(test_avail_scribbled),
		SIM_TEST(test_fail_all_breaks),
		SIM_TEST(test_fail_all_unbroken),
		cmocka_unit_test(test_cap_list),
		cmocka_unit_test(test_cap_list_loops),
		cmocka_unit_test(test_cap_list_longest),
		cmocka_unit_test(test_cap_list_bad_pointers),
		cmocka_unit_test(test_virtio_cap_decode),
		cmocka_unit_test(test_virtio_cap_inside_bar),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
