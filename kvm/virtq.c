// SPDX-License-Identifier: MIT
/*
 * Split virtqueues, the pure part (see kvm/virtq.h): descriptor chains out,
 * checked used entries back.
 *
 * Invariants, kept by every function here:
 *   - a descriptor is either on the free list (linked by slots[].next from
 *     free_head, num_free of them) or in exactly one outstanding chain;
 *   - slots[h].cookie is non-NULL exactly when h heads an outstanding chain,
 *     whose ndesc descriptors are linked by slots[].next;
 *   - the device's used entries are trusted only after these checks, and the
 *     shared descriptor table and avail ring are never read back.
 */
#include <ember/errno.h>
#include "virtq.h"

__attribute__((weak)) uint16_t virtq_load16(const volatile uint16_t *p)
{
	return *p;
}

__attribute__((weak)) uint32_t virtq_load32(const volatile uint32_t *p)
{
	return *p;
}

static bool is_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

int virtq_pick_size(uint16_t device_max, uint16_t limit, uint16_t *size)
{
	if (!is_pow2(limit))
		return -EINVAL;
	if (!is_pow2(device_max) || device_max > VIRTQ_SIZE_MAX)
		return -ENODEV;
	*size = MIN(device_max, limit);
	return 0;
}

static size_t desc_bytes(uint16_t size)
{
	return sizeof(struct vring_desc) * size;
}

static size_t avail_bytes(uint16_t size)
{
	return sizeof(struct vring_avail) + sizeof(uint16_t) * (size + 1u);
}

size_t virtq_mem_bytes(uint16_t size)
{
	size_t used = sizeof(struct vring_used) + sizeof(struct vring_used_elem) * size + 2;
	return ALIGN_UP(desc_bytes(size) + avail_bytes(size), VIRTQ_ALIGN) +
	       ALIGN_UP(used, VIRTQ_ALIGN);
}

void virtq_init(struct virtq *q, uint16_t size, void *mem, struct virtq_slot *slots)
{
	uint8_t *m = mem;
	*q = (struct virtq){ .size = size, .num_free = size, .slots = slots };
	q->desc = (struct vring_desc *)m;
	q->avail = (volatile struct vring_avail *)(m + desc_bytes(size));
	q->used = (volatile struct vring_used *)(m + ALIGN_UP(desc_bytes(size) + avail_bytes(size),
							      VIRTQ_ALIGN));
	for (uint16_t i = 0; i < size; i++)
		slots[i] = (struct virtq_slot){ .next = (uint16_t)((i + 1u) & (size - 1u)) };
}

/* Checks a chain's shape; returns its device-writable bytes, or -1. */
static int64_t chain_in_len(const struct virtq_buf *bufs, unsigned n)
{
	int64_t in = 0;
	for (unsigned k = 0; k < n; k++) {
		if (!bufs[k].device_writes && in)
			return -1; /* readable after writable */
		if (bufs[k].device_writes)
			in += bufs[k].len;
	}
	return in > UINT32_MAX ? -1 : in;
}

int virtq_add(struct virtq *q, const struct virtq_buf *bufs, unsigned n, void *cookie)
{
	if (q->broken)
		return -EIO;
	int64_t in = chain_in_len(bufs, n);
	if (n == 0 || n > q->size || !cookie || in < 0)
		return -EINVAL;
	if (q->num_free < n)
		return -ENOSPC;
	uint16_t head = q->free_head, i = head;
	for (unsigned k = 0; k < n; k++) {
		struct vring_desc *d = &q->desc[i];
		uint16_t next = q->slots[i].next;
		d->addr = (uintptr_t)bufs[k].addr;
		d->len = bufs[k].len;
		d->flags = (uint16_t)((bufs[k].device_writes ? VRING_DESC_F_WRITE : 0) |
				      (k + 1 < n ? VRING_DESC_F_NEXT : 0));
		d->next = k + 1 < n ? next : 0;
		if (k + 1 < n)
			i = next;
	}
	q->free_head = q->slots[i].next;
	q->num_free = (uint16_t)(q->num_free - n);
	q->slots[head].cookie = cookie;
	q->slots[head].in_len = (uint32_t)in;
	q->slots[head].ndesc = (uint16_t)n;
	q->avail->ring[q->avail_idx & (q->size - 1)] = head;
	q->avail_idx++;
	__atomic_thread_fence(__ATOMIC_RELEASE); /* the chain before the index */
	q->avail->idx = q->avail_idx;
	return 0;
}

bool virtq_break(struct virtq *q, const char *why, uint32_t value)
{
	if (q->broken)
		return false;
	q->broken = true;
	q->error = why;
	q->error_value = value;
	return true;
}

/* Hands back the chain headed by @id with @len, or breaks the queue. */
static int complete(struct virtq *q, uint32_t id, uint32_t len, virtq_done_fn done)
{
	if (id >= q->size) {
		virtq_break(q, "used ring names a descriptor out of range", id);
		return -EIO;
	}
	struct virtq_slot *head = &q->slots[id];
	void *cookie = head->cookie;
	if (!cookie) {
		virtq_break(q, "used ring names a descriptor that heads no outstanding chain", id);
		return -EIO;
	}
	if (len > head->in_len) {
		len = head->in_len;
		q->clamped++;
	}
	uint16_t tail = (uint16_t)id;
	for (uint16_t k = 1; k < head->ndesc; k++)
		tail = q->slots[tail].next;
	q->slots[tail].next = q->free_head;
	q->free_head = (uint16_t)id;
	q->num_free = (uint16_t)(q->num_free + head->ndesc);
	head->cookie = NULL;
	q->completed++;
	done(cookie, 0, len);
	return 0;
}

int virtq_collect(struct virtq *q, virtq_done_fn done)
{
	if (q->broken)
		return -EIO;
	uint16_t idx = virtq_load16(&q->used->idx);
	uint16_t fresh = (uint16_t)(idx - q->last_used);
	if (fresh > q->size) {
		virtq_break(q, "used.idx ran more than the queue size ahead", fresh);
		return -EIO;
	}
	__atomic_thread_fence(__ATOMIC_ACQUIRE); /* the index before the entries */
	for (uint16_t k = 0; k < fresh; k++) {
		volatile struct vring_used_elem *e = &q->used->ring[q->last_used & (q->size - 1)];
		uint32_t id = virtq_load32(&e->id), len = virtq_load32(&e->len);
		if (complete(q, id, len, done))
			return -EIO;
		q->last_used++;
	}
	return fresh;
}

unsigned virtq_fail_all(struct virtq *q, virtq_done_fn done)
{
	unsigned n = 0;
	virtq_break(q, "the driver failed the queue", 0); /* its chains are never reused */
	for (uint16_t i = 0; i < q->size; i++) {
		void *cookie = q->slots[i].cookie;
		if (!cookie)
			continue;
		q->slots[i].cookie = NULL;
		done(cookie, -EIO, 0);
		n++;
	}
	return n;
}
