// SPDX-License-Identifier: MIT
/*
 * Byte rings shared with another domain (see <ember/xen/xring.h> for the
 * rule). Pure code: no threads, no hypercalls, compiled for the host by
 * tests/unit/test_xring.c and tests/fuzz/fuzz_xring.c.
 */
#include <ember/compiler.h>
#include <ember/errno.h>
#include <ember/string.h>
#include <ember/xen/xring.h>

__attribute__((weak)) uint32_t xring_load_peer(const uint32_t *idx)
{
	uint32_t v = READ_ONCE(*idx);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return v;
}

void xring_init(struct xring *r, void *buf, uint32_t size, const uint32_t *peer_idx,
		uint32_t *shared_own_idx, uint32_t own_start)
{
	*r = (struct xring){ .buf = buf,
			     .size = size,
			     .peer_idx = peer_idx,
			     .shared_own_idx = shared_own_idx,
			     .own = own_start };
}

int xring_space(struct xring *r, uint32_t *free)
{
	uint32_t used = r->own - xring_load_peer(r->peer_idx);
	if (used > r->size)
		return -EPROTO; /* consumed more than was produced */
	*free = r->size - used;
	return 0;
}

int xring_avail(struct xring *r, uint32_t *queued)
{
	uint32_t n = xring_load_peer(r->peer_idx) - r->own;
	if (n > r->size)
		return -EPROTO; /* produced more than the ring holds */
	*queued = n;
	return 0;
}

/* The two pieces of [@start, @start + @len) in a ring of @size bytes. */
static uint32_t first_piece(const struct xring *r, uint32_t start, uint32_t len)
{
	uint32_t at = start & (r->size - 1);
	return MIN(len, r->size - at);
}

void xring_put(struct xring *r, const void *data, uint32_t len)
{
	len = MIN(len, r->size);
	uint32_t n = first_piece(r, r->own, len);
	memcpy(r->buf + (r->own & (r->size - 1)), data, n);
	memcpy(r->buf, (const uint8_t *)data + n, len - n);
	r->own += len;
}

void xring_peek(const struct xring *r, uint32_t offset, void *data, uint32_t len)
{
	len = MIN(len, r->size);
	uint32_t start = r->own + offset;
	uint32_t n = first_piece(r, start, len);
	memcpy(data, r->buf + (start & (r->size - 1)), n);
	memcpy((uint8_t *)data + n, r->buf, len - n);
}

void xring_skip(struct xring *r, uint32_t len)
{
	r->own += len;
}

void xring_publish(struct xring *r)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	WRITE_ONCE(*r->shared_own_idx, r->own);
}
