/* SPDX-License-Identifier: MIT */
/*
 * Split virtqueues (virtio 1.x, section 2.7), the pure part: laying out the
 * rings, building descriptor chains and collecting the chains the device
 * hands back. No interrupts, no waiting, no PCI: kvm/virtio_pci.c wraps this
 * with the queue's MSI-X vector, wait queues and notifications, and a host
 * test drives it against a simulated device (tests/unit/test_virtq.c,
 * tests/fuzz/fuzz_virtq.c).
 *
 * The device is hostile. What it writes (the used ring: its index, and an id
 * and a length per entry) is read once, into locals, through
 * virtq_load16()/virtq_load32(), and checked before anything believes it:
 *
 *   - used.idx may run at most @size entries ahead of the last one taken;
 *   - an entry's id must be the head of a chain that is outstanding (not out
 *     of range, not the middle of a chain, not a free descriptor, not a
 *     chain already handed back);
 *   - an entry's length is clamped to the device-writable bytes the chain
 *     posted (counted in @clamped), so a reply never seems longer than the
 *     buffers it arrived in.
 * A fault breaks the queue for good (virtq_break(): @error says why): it
 * collects nothing more, adds nothing more (-EIO), and the caller ends every
 * outstanding chain with virtq_fail_all(), which hands each cookie back with
 * -EIO. Nothing the device writes is an index into driver memory except a
 * checked id.
 *
 * The driver keeps its own copy of everything it wrote (the descriptor
 * links in @slots, the avail index): the rings are shared memory, and the
 * device could rewrite them too, so they are written and never read back.
 *
 * Locking: the caller serializes every call on one queue (the kvm platform
 * takes interrupts off; the host tests are single-threaded).
 */
#ifndef KVM_VIRTQ_H
#define KVM_VIRTQ_H

#include <ember/compiler.h>

#define VIRTQ_SIZE_MAX 32768u /* the largest split queue (virtio 1.x, 2.7) */
#define VIRTQ_ALIGN    4096u  /* each ring part starts on its own page */

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};
#define VRING_DESC_F_NEXT  1
#define VRING_DESC_F_WRITE 2

struct vring_avail {
	uint16_t flags, idx;
	uint16_t ring[]; /* [size], then used_event */
};

struct vring_used_elem {
	uint32_t id, len;
};

struct vring_used {
	uint16_t flags, idx;
	struct vring_used_elem ring[]; /* [size], then avail_event */
};

/* The driver's record of one descriptor (never shared with the device). */
struct virtq_slot {
	void *cookie;	 /* the head of an outstanding chain: its cookie; else NULL */
	uint32_t in_len; /* head: device-writable bytes the chain posted */
	uint16_t ndesc;	 /* head: descriptors in the chain */
	uint16_t next;	 /* the next descriptor of the chain, or of the free list */
};

struct virtq {
	uint16_t size;			    /* a power of two, at most VIRTQ_SIZE_MAX */
	uint16_t num_free;		    /* descriptors on the free list */
	uint16_t free_head;		    /* first free descriptor */
	uint16_t last_used;		    /* used entries taken so far (free-running) */
	uint16_t avail_idx;		    /* avail entries published so far (free-running) */
	struct vring_desc *desc;	    /* shared: written by us only */
	volatile struct vring_avail *avail; /* shared: written by us only */
	volatile struct vring_used *used;   /* shared: written by the device */
	struct virtq_slot *slots;	    /* [size], private */
	bool broken;			    /* set once, never cleared */
	const char *error;		    /* why it broke */
	uint32_t error_value;		    /* the value that broke it */
	uint64_t completed, clamped;	    /* chains handed back; lengths cut */
};

/* A buffer of a chain: device-readable (out) or device-writable (in). */
struct virtq_buf {
	const void *addr;
	uint32_t len;
	bool device_writes;
};

/*
 * Called once for every chain that ends: @err 0 with the bytes the device
 * wrote (at most what the chain posted), or -EIO from virtq_fail_all(). It
 * must not call back into the queue's collect or fail_all.
 */
typedef void (*virtq_done_fn)(void *cookie, int err, uint32_t len);

/*
 * Chooses the size of a queue whose device offers at most @device_max
 * entries, capped at @limit (a power of two). 0 with *@size set; -ENODEV
 * for a device maximum that is 0, not a power of two or above
 * VIRTQ_SIZE_MAX; -EINVAL for a bad @limit.
 */
int virtq_pick_size(uint16_t device_max, uint16_t limit, uint16_t *size);

/* Bytes of ring memory a queue of @size entries needs (VIRTQ_ALIGN-aligned). */
size_t virtq_mem_bytes(uint16_t size);

/*
 * Lays out a queue of @size entries (from virtq_pick_size()) in @mem
 * (virtq_mem_bytes(@size) zeroed bytes, VIRTQ_ALIGN-aligned) with @slots
 * (@size entries) as its private records; every descriptor starts free.
 */
void virtq_init(struct virtq *q, uint16_t size, void *mem, struct virtq_slot *slots);

/*
 * Adds a chain of @n buffers, device-readable ones first, and publishes it
 * in the avail ring (the caller then notifies the device). Returns 0;
 * -EINVAL for @n of 0 or above the queue size, a NULL @cookie, or a
 * readable buffer after a writable one; -ENOSPC while fewer than @n
 * descriptors are free; -EIO once the queue is broken.
 */
int virtq_add(struct virtq *q, const struct virtq_buf *bufs, unsigned n, void *cookie);

/*
 * Takes the entries the device added to the used ring since the last call
 * (used.idx is read once) and calls @done for each. Returns how many chains
 * ended, or -EIO if the queue is broken (already, or by what it found: the
 * entries before the fault were still handed back; call virtq_fail_all()).
 */
int virtq_collect(struct virtq *q, virtq_done_fn done);

/*
 * Marks @q broken because of @why (a constant string) and @value, unless it
 * already is (the first reason stays). Returns true if this call broke it.
 */
bool virtq_break(struct virtq *q, const char *why, uint32_t value);

/*
 * Ends every outstanding chain of @q with @done(cookie, -EIO, 0) and
 * returns how many; breaks @q first if it was not broken. Their
 * descriptors are never reused (the device may still hold them until it is
 * reset).
 */
unsigned virtq_fail_all(struct virtq *q, virtq_done_fn done);

/*
 * Loads of device-written memory: one volatile load each. Weak, so that the
 * host tests can put a device between two loads that rewrites the ring.
 */
uint16_t virtq_load16(const volatile uint16_t *p);
uint32_t virtq_load32(const volatile uint32_t *p);

#endif
