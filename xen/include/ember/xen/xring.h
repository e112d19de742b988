/* SPDX-License-Identifier: MIT */
/*
 * One direction of a byte ring shared with another domain: the xenstore
 * request and response rings, the console's output ring, the 9pfs "in" and
 * "out" rings. The layouts differ (<xen/io/xs_wire.h>, console.h, 9pfs.h);
 * the rule for each is the same, and lives here once:
 *
 *   - Our own index (the producer of a ring we write, the consumer of one we
 *     read) is kept privately in @own. The copy in shared memory is only
 *     ever written, never read back: the peer could have changed it.
 *   - The peer's index is read exactly once per operation, by
 *     xring_space()/xring_avail(), through xring_load_peer() (a load plus
 *     an acquire fence), and checked: a ring never holds more than @size
 *     bytes, so a peer index outside [own - size, own] (a ring we write) or
 *     [own, own + size] (a ring we read) is a broken peer, -EPROTO.
 *   - Copies in and out are computed from @own and a length the caller has
 *     checked against that one reading; no peer value decides where bytes
 *     go, so a peer rewriting its index between two calls cannot move a
 *     copy outside the ring.
 *
 * The indexes are free-running 32-bit counters (as every Xen byte ring's),
 * the size a power of two. Callers serialize their own side (a lock or
 * interrupts off); nothing here blocks, so a host test drives it directly.
 */
#ifndef EMBER_XEN_XRING_H
#define EMBER_XEN_XRING_H

#include <ember/types.h>

struct xring {
	uint8_t *buf;
	uint32_t size;		  /* bytes, a power of two */
	const uint32_t *peer_idx; /* written by the peer: read once per call */
	uint32_t *shared_own_idx; /* where @own is published */
	uint32_t own;		  /* our index: the only copy we trust */
};

/*
 * Sets up @r over @buf (@size bytes, a power of two). @own_start is our
 * index's starting value (0 for a new ring; a ring that was in use before,
 * as the console's, passes what it last published).
 */
void xring_init(struct xring *r, void *buf, uint32_t size, const uint32_t *peer_idx,
		uint32_t *shared_own_idx, uint32_t own_start);

/*
 * A ring we write: sets *@free to the bytes that may be written now.
 * Returns 0, or -EPROTO when the peer's consumer index is impossible.
 */
int xring_space(struct xring *r, uint32_t *free);

/*
 * A ring we read: sets *@queued to the bytes waiting. Returns 0, or -EPROTO
 * when the peer's producer index is impossible.
 */
int xring_avail(struct xring *r, uint32_t *queued);

/*
 * Copies @len bytes into the ring at our producer index and advances it,
 * unpublished. The caller checked @len against xring_space().
 */
void xring_put(struct xring *r, const void *data, uint32_t len);

/*
 * Copies @len bytes from @offset past our consumer index, without consuming.
 * The caller checked @offset + @len against xring_avail().
 */
void xring_peek(const struct xring *r, uint32_t offset, void *data, uint32_t len);

/* Advances our consumer index by @len (checked against xring_avail()), unpublished. */
void xring_skip(struct xring *r, uint32_t len);

/*
 * Publishes our index to the peer: a release fence (every byte we wrote, or
 * read, is done first), then the store.
 */
void xring_publish(struct xring *r);

/*
 * Reads the peer's index: one load, then an acquire fence so that nothing
 * after it is read before it. The host tests replace it (it is weak) with a
 * peer that rewrites the index after every read.
 */
uint32_t xring_load_peer(const uint32_t *idx);

#endif
