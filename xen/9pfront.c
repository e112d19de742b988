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
 * The indexes come from another domain and are handled by <ember/xen/xring.h>:
 * our own (out_prod, in_cons) are kept privately, the backend's (out_cons,
 * in_prod) read once per operation and bounded. A reply whose size is below
 * a header or beyond the ring, or a backend index outside the ring, can
 * never be resynchronized in a byte stream, so the channel is declared
 * broken and every request fails with -EIO. A reply for a tag nobody waits
 * for is dropped and counted.
 *
 * Notifications. We notify the backend after publishing a request, and
 * after consuming replies while other requests are still unanswered: QEMU's
 * backend, finding too little room in "in" for a reply, waits for our next
 * event before it writes it, so a frontend that only notified on requests
 * deadlocked whenever replies filled "in" (several large reads in flight)
 * until its next request. With nothing else pending no reply can be
 * waiting, and the next request notifies anyway (an event per reply
 * there halved sequential reads in the rig: 256 MiB in 176 s, 88 s without).
 *
 * Failure policy (as xen/xenstore.c's): a request has a deadline
 * (P9FRONT_REQUEST_TIMEOUT_NS, waiting for room and for the reply
 * together); a request that misses it fails with -ETIMEDOUT and breaks the
 * channel, since its tag may still be answered later, into a reused tag. A
 * broken channel stays broken. As a logged safety net, a wait longer than
 * P9FRONT_STALL_NS (doubling) logs the rings and the event channel, rescans
 * "in" and notifies the backend again; the Xen tests fail on any such line.
 */
#include <ember/arch.h>
#include <ember/errno.h>
#include <ember/printk.h>
#include <ember/string.h>
#include <ember/time.h>
#include "9pfront.h"

#define P9FRONT_STALL_NS	   (2 * NSEC_PER_SEC)
#define P9FRONT_REQUEST_TIMEOUT_NS (60 * NSEC_PER_SEC)

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

/* Declares the channel broken for good (once, with @why) and fails every request. */
static void break_channel(struct p9front *f, const char *why, uint32_t value)
{
	if (!f->broken)
		printk("9pfront: %s: channel broken: %s (%u); every request now fails with -EIO\n",
		       f->tag, why, value);
	f->broken = true;
	p9front_fail_all(f);
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

/* Copies the @size-byte reply at the head of "in" into @req's buffers, clamped to them. */
static int copy_reply(struct p9front *f, struct p9_req *req, uint32_t size)
{
	uint32_t done = 0;
	for (unsigned i = 0; i < req->nin && done < size; i++) {
		uint32_t n = MIN(size - done, req->in[i].len);
		xring_peek(&f->in, done, req->in[i].base, n);
		done += n;
	}
	req->received = done;
	return done < size ? -EMSGSIZE : 0;
}

/* Takes every complete reply off "in". Interrupts are off. */
static void collect_replies(struct p9front *f)
{
	bool consumed = false;
	while (!f->broken) {
		uint32_t queued, size;
		uint8_t hdr[P9_HDR_SIZE];
		if (xring_avail(&f->in, &queued)) {
			break_channel(f, "backend moved in_prod past the ring, by", queued);
			break;
		}
		if (queued < P9_HDR_SIZE)
			break;
		xring_peek(&f->in, 0, hdr, sizeof(hdr));
		size = p9_msg_size(hdr);
		if (size < P9_HDR_SIZE || size > f->in.size) {
			break_channel(f, "a reply that cannot be framed, of bytes", size);
			break;
		}
		if (queued < size)
			break; /* the rest is still coming */
		struct pending *p = find_tag(f, (uint16_t)(hdr[5] | hdr[6] << 8));
		if (p)
			finish(p, copy_reply(f, p->req, size));
		else
			f->dropped++;
		f->replies++;
		xring_skip(&f->in, size);
		consumed = true;
	}
	if (consumed && !f->broken) {
		xring_publish(&f->in);
		if (!list_empty(&f->pending)) /* a reply may be waiting for room */
			evtchn_send(f->port);
	}
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

/* A wait passed its patience: log, rescan, renotify. Interrupts are off. */
static void recover_stall(struct p9front *f, const char *what, uint64_t waited_ns)
{
	struct evtchn_port_state e;
	evtchn_get_port_state(f->port, &e);
	f->stalls++;
	printk("9pfront: %s: %s stalled for %u s: in %u/%u out %u/%u (prod/cons), port %u "
	       "pending %d masked %d, upcall pending %d masked %d\n",
	       f->tag, what, (unsigned)(waited_ns / NSEC_PER_SEC), READ_ONCE(f->intf->in_prod),
	       f->in.own, f->out.own, READ_ONCE(f->intf->out_cons), f->port, e.pending, e.masked,
	       e.upcall_pending, e.upcall_masked);
	uint64_t replies = f->replies;
	collect_replies(f);
	if (f->replies != replies) /* an event we never got: a defect on our side */
		printk("9pfront: %s: %u replies had arrived without an event\n", f->tag,
		       (unsigned)(f->replies - replies));
	waitq_wake_all(&f->space);
	evtchn_send(f->port);
}

/*
 * Waits on @wq until woken, *@patience passes (then recover_stall(), and
 * *@patience doubles, up to a minute) or @deadline passes (-ETIMEDOUT).
 * Interrupts are off.
 */
static int wait_or_recover(struct p9front *f, struct waitq *wq, const char *what,
			   uint64_t *patience, uint64_t deadline)
{
	uint64_t start = time_now_ns();
	if (start >= deadline)
		return -ETIMEDOUT;
	if (waitq_wait(wq, MIN(start + *patience, deadline)) == -ETIMEDOUT &&
	    time_now_ns() < deadline && f->intf) {
		recover_stall(f, what, *patience);
		*patience = MIN(*patience * 2, 64 * NSEC_PER_SEC);
	}
	return 0;
}

static int channel_error(const struct p9front *f)
{
	return f->broken ? -EIO : !f->connected ? -ENOTCONN : 0;
}

/* Waits until "out" has room for @size bytes. Interrupts are off. */
static int wait_for_space(struct p9front *f, uint32_t size, uint64_t deadline)
{
	uint64_t patience = P9FRONT_STALL_NS;
	for (;;) {
		uint32_t free;
		int err = channel_error(f);
		if (err)
			return err;
		if (xring_space(&f->out, &free)) {
			break_channel(f, "backend moved out_cons past out_prod", f->out.own);
			return -EIO;
		}
		if (free >= size)
			return 0;
		if (wait_or_recover(f, &f->space, "waiting for ring space", &patience, deadline)) {
			break_channel(f, "backend consumed no request for seconds",
				      (unsigned)(P9FRONT_REQUEST_TIMEOUT_NS / NSEC_PER_SEC));
			return -ETIMEDOUT;
		}
	}
}

/* Waits for @p's reply. Interrupts are off. */
static int wait_for_reply(struct p9front *f, struct pending *p, uint64_t deadline)
{
	uint64_t patience = P9FRONT_STALL_NS;
	while (!p->done) {
		if (wait_or_recover(f, &p->wq, "waiting for a reply", &patience, deadline)) {
			list_remove(&p->link);
			break_channel(f, "no reply for seconds to tag", p->req->tag);
			return -ETIMEDOUT;
		}
	}
	return p->err;
}

static int p9front_request(struct p9_transport *t, struct p9_req *req)
{
	struct p9front *f = container_of(t, struct p9front, t);
	uint64_t size = 0;
	for (unsigned i = 0; i < req->nout; i++)
		size += req->out[i].len;
	struct pending p = { .req = req };
	waitq_init(&p.wq);

	unsigned long flags = arch_irq_save();
	uint64_t deadline = time_now_ns() + P9FRONT_REQUEST_TIMEOUT_NS;
	int err = channel_error(f);
	if (!err && size > f->out.size)
		err = -EMSGSIZE;
	err = err ?: wait_for_space(f, (uint32_t)size, deadline);
	if (!err) {
		for (unsigned i = 0; i < req->nout; i++)
			xring_put(&f->out, req->out[i].base, req->out[i].len);
		list_push_back(&f->pending, &p.link);
		xring_publish(&f->out);
		f->requests++;
		evtchn_send(f->port);
		err = wait_for_reply(f, &p, deadline);
	}
	arch_irq_restore(flags);
	return err;
}

const struct p9_transport_ops p9front_ops = {
	.connect = p9front_connect,
	.request = p9front_request,
	.disconnect = p9front_disconnect,
};
