// SPDX-License-Identifier: MIT
/*
 * Xen 9pfs frontend, data path (see xen/9pfront.h and <xen/io/9pfs.h>).
 *
 * The shared page holds two byte rings' indexes. A request is written whole
 * into "out" (the encoded T-message, then a Twrite's payload) behind
 * out_prod; the backend's replies arrive in "in", each a whole 9P message
 * whose header gives its size and tag. The event handler takes complete
 * replies off "in", copies each into the buffers of the request with that
 * tag (the first bytes to in[0], the rest to in[1], as the client split
 * them) and wakes its thread. The backend answers in any order.
 *
 * The indexes come from another domain: a reply whose size is below a
 * header or beyond the ring, or more bytes than the ring holds, can never
 * be resynchronized in a byte stream, so the channel is declared broken and
 * every request fails with -EIO. A reply for a tag nobody waits for is
 * dropped and counted.
 *
 * Stalls. A request still unanswered after P9FRONT_STALL_NS (or a writer
 * still waiting for room) is looked at again, and again after twice as
 * long: the state of the rings and of the event channel is logged, the "in"
 * ring is scanned as an event would have it, and the backend is notified
 * once more. A lost notification, on either side, then costs seconds
 * instead of a hang, and the log says which side stopped (seen: a backend
 * in a dom0 out of memory leaves "out" unconsumed).
 */
#include <ember/arch.h>
#include <ember/errno.h>
#include <ember/printk.h>
#include <ember/string.h>
#include <ember/time.h>
#include "9pfront.h"

#define P9FRONT_STALL_NS (2 * NSEC_PER_SEC)

struct pending {
	struct list_node link;
	struct p9_req *req;
	bool done;
	int err;
	struct waitq wq;
};

static uint8_t *ring_in(struct p9front *f)
{
	return f->data;
}

static uint8_t *ring_out(struct p9front *f)
{
	return f->data + f->ring_size;
}

static void finish(struct pending *p, int err)
{
	list_remove(&p->link);
	p->err = err;
	p->done = true;
	waitq_wake_one(&p->wq);
}

void p9front_fail_all(struct p9front *f)
{
	unsigned long flags = arch_irq_save();
	f->connected = false;
	while (!list_empty(&f->pending))
		finish(list_entry(f->pending.next, struct pending, link),
		       f->broken ? -EIO : -ENOTCONN);
	waitq_wake_all(&f->space);
	arch_irq_restore(flags);
}

static struct pending *find_tag(struct p9front *f, uint16_t tag)
{
	list_for_each(it, &f->pending)
	{
		struct pending *p = list_entry(it, struct pending, link);
		if (p->req->tag == tag)
			return p;
	}
	return NULL;
}

/* Copies @size bytes from "in" at *@masked_cons into @req's buffers, skipping any excess. */
static int copy_reply(struct p9front *f, struct p9_req *req, uint32_t size, RING_IDX *masked_cons)
{
	uint32_t left = size;
	for (unsigned i = 0; i < req->nin && left; i++) {
		uint32_t n = MIN(left, req->in[i].len);
		xen_9pfs_read_packet(req->in[i].base, ring_in(f), n, 0, masked_cons, f->ring_size);
		left -= n;
	}
	*masked_cons = xen_9pfs_mask(*masked_cons + left, f->ring_size);
	req->received = size - left;
	return left ? -EMSGSIZE : 0;
}

/* Takes every complete reply off "in". Interrupts are off. */
static void collect_replies(struct p9front *f)
{
	for (;;) {
		RING_IDX cons = f->intf->in_cons, prod = READ_ONCE(f->intf->in_prod);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		RING_IDX queued = xen_9pfs_queued(prod, cons, f->ring_size);
		if (prod - cons > f->ring_size) {
			printk("9pfront: %s: backend moved in_prod past the ring\n", f->tag);
			f->broken = true;
		}
		if (f->broken || queued < P9_HDR_SIZE)
			break;
		uint8_t hdr[P9_HDR_SIZE];
		RING_IDX masked = xen_9pfs_mask(cons, f->ring_size);
		xen_9pfs_read_packet(hdr, ring_in(f), sizeof(hdr), 0, &masked, f->ring_size);
		uint32_t size = p9_msg_size(hdr);
		if (size < P9_HDR_SIZE || size > f->ring_size) {
			printk("9pfront: %s: reply of %u bytes cannot be framed\n", f->tag, size);
			f->broken = true;
			break;
		}
		if (queued < size)
			break; /* the rest is still coming */
		struct pending *p = find_tag(f, (uint16_t)(hdr[5] | hdr[6] << 8));
		masked = xen_9pfs_mask(cons, f->ring_size);
		if (p) {
			int err = copy_reply(f, p->req, size, &masked);
			finish(p, err);
		} else {
			f->dropped++;
		}
		f->replies++;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		f->intf->in_cons = cons + size;
	}
	if (f->broken)
		p9front_fail_all(f);
}

void p9front_event(evtchn_port_t port __unused, void *data)
{
	struct p9front *f = data;
	unsigned long flags = arch_irq_save();
	if (f->intf) {
		collect_replies(f);
		waitq_wake_all(&f->space);
	}
	arch_irq_restore(flags);
}

/* A wait passed P9FRONT_STALL_NS: log, rescan, renotify. Interrupts are off. */
static void recover_stall(struct p9front *f, const char *what, uint64_t waited_ns)
{
	struct evtchn_port_state e;
	evtchn_get_port_state(f->port, &e);
	printk("9pfront: %s: %s stalled for %u s: in %u/%u out %u/%u (prod/cons), port %u "
	       "pending %d masked %d, upcall pending %d masked %d\n",
	       f->tag, what, (unsigned)(waited_ns / NSEC_PER_SEC), f->intf->in_prod,
	       f->intf->in_cons, f->intf->out_prod, f->intf->out_cons, f->port, e.pending, e.masked,
	       e.upcall_pending, e.upcall_masked);
	collect_replies(f);
	waitq_wake_all(&f->space);
	evtchn_send(f->port);
}

/*
 * waitq_wait() with the stall check; interrupts are off. *@patience starts
 * at P9FRONT_STALL_NS and doubles after each stall (up to a minute), so a
 * backend that stopped for good is logged a dozen times, not every 2 s.
 */
static void wait_or_recover(struct p9front *f, struct waitq *wq, const char *what,
			    uint64_t *patience)
{
	if (waitq_wait(wq, time_now_ns() + *patience) == -ETIMEDOUT && f->intf) {
		recover_stall(f, what, *patience);
		*patience = MIN(*patience * 2, 64 * NSEC_PER_SEC);
	}
}

static uint32_t out_free(struct p9front *f)
{
	RING_IDX prod = f->intf->out_prod, cons = READ_ONCE(f->intf->out_cons);
	return f->ring_size - xen_9pfs_queued(prod, cons, f->ring_size);
}

static int p9front_request(struct p9_transport *t, struct p9_req *req)
{
	struct p9front *f = container_of(t, struct p9front, t);
	uint64_t size = 0;
	for (unsigned i = 0; i < req->nout; i++)
		size += req->out[i].len;
	if (size > f->ring_size)
		return -EMSGSIZE;
	struct pending p = { .req = req };
	waitq_init(&p.wq);

	unsigned long flags = arch_irq_save();
	uint64_t patience = P9FRONT_STALL_NS;
	while (f->connected && !f->broken && out_free(f) < size)
		wait_or_recover(f, &f->space, "waiting for ring space", &patience);
	if (!f->connected || f->broken) {
		arch_irq_restore(flags);
		return f->broken ? -EIO : -ENOTCONN;
	}
	RING_IDX prod = f->intf->out_prod;
	RING_IDX masked = xen_9pfs_mask(prod, f->ring_size);
	RING_IDX masked_cons = xen_9pfs_mask(f->intf->out_cons, f->ring_size);
	for (unsigned i = 0; i < req->nout; i++)
		xen_9pfs_write_packet(ring_out(f), req->out[i].base, req->out[i].len, &masked,
				      masked_cons, f->ring_size);
	list_push_back(&f->pending, &p.link);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	f->intf->out_prod = prod + (RING_IDX)size;
	f->requests++;
	evtchn_send(f->port);
	patience = P9FRONT_STALL_NS;
	while (!p.done)
		wait_or_recover(f, &p.wq, "waiting for a reply", &patience);
	arch_irq_restore(flags);
	return p.err;
}

const struct p9_transport_ops p9front_ops = {
	.connect = p9front_connect,
	.request = p9front_request,
	.disconnect = p9front_disconnect,
};
