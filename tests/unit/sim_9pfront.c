// SPDX-License-Identifier: MIT
/*
 * The simulated world of sim_9pfront.h: kernel services for xen/9pfront.c
 * on the host, and the backend on the rings' other side.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ember/errno.h>
#include "sim_9pfront.h"

struct sim sim;
uint64_t sim_now_ns;
int host_irq_depth;

/* ---- kernel services --------------------------------------------------------- */

uint64_t plat_monotonic_ns(void)
{
	return sim_now_ns;
}

int printk(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(sim.last_printk, sizeof(sim.last_printk), fmt, ap);
	va_end(ap);
	sim.printks++;
	return n;
}

void waitq_init(struct waitq *wq)
{
	list_init(&wq->waiters);
}

int waitq_wake_one(struct waitq *wq)
{
	(void)wq;
	return 0;
}

int waitq_wake_all(struct waitq *wq)
{
	(void)wq;
	return 0;
}

/* Runs the backend and delivers its event; a wait with no progress ends at @deadline. */
int waitq_wait(struct waitq *wq, uint64_t deadline_ns)
{
	(void)wq;
	if (host_irq_depth == 0)
		abort(); /* 9pfront waits with interrupts off, as waitq_wait() requires */
	if (sim_backend_step()) {
		p9front_event(sim.f.port, &sim.f);
		return 0;
	}
	if (deadline_ns > sim_now_ns)
		sim_now_ns = deadline_ns;
	return -ETIMEDOUT;
}

int evtchn_send(evtchn_port_t port)
{
	(void)port;
	sim.notifications++;
	return 0;
}

void evtchn_get_port_state(evtchn_port_t port, struct evtchn_port_state *out)
{
	(void)port;
	*out = (struct evtchn_port_state){ 0 };
}

/* The handshake half is not under test. */
int p9front_connect(struct p9_transport *t)
{
	(void)t;
	return 0;
}

void p9front_disconnect(struct p9_transport *t)
{
	(void)t;
}

/* The hostile part: the frontend's reads of the backend's indexes, counted and answered. */
uint32_t xring_load_peer(const uint32_t *idx)
{
	struct xen_9pfs_data_intf *intf = sim.f.intf;
	uint32_t v = __atomic_load_n(idx, __ATOMIC_ACQUIRE);
	if (idx == &intf->out_cons) {
		sim.loads_out_cons++;
		if (sim.rewrite_out_cons) /* moved right after the frontend looked */
			intf->out_cons = sim.out_cons_value;
	} else if (idx == &intf->in_prod) {
		sim.loads_in_prod++;
		if (sim.rewrite_in_prod)
			intf->in_prod = sim.in_prod_value;
	}
	return v;
}

/* ---- the backend --------------------------------------------------------------- */

static void ring_copy_out(const uint8_t *ring, uint32_t size, uint32_t at, void *to, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		((uint8_t *)to)[i] = ring[(at + i) & (size - 1)];
}

static void ring_copy_in(uint8_t *ring, uint32_t size, uint32_t at, const void *from, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		ring[(at + i) & (size - 1)] = ((const uint8_t *)from)[i];
}

/* Answers one request of @size bytes (already copied to @msg); false if "in" has no room. */
static bool answer(const uint8_t *msg, uint32_t size)
{
	uint32_t rsize = (uint32_t)((int64_t)size + sim.reply_extra);
	uint32_t ring = sim.f.ring_size;
	uint32_t used = sim.be_in_prod - sim.f.intf->in_cons;
	if (rsize <= ring && used + rsize > ring)
		return false; /* waits for room, as QEMU's backend does */
	uint32_t claim = sim.claim_size ? sim.claim_size : rsize;
	uint8_t hdr[P9_HDR_SIZE] = { (uint8_t)claim, (uint8_t)(claim >> 8), (uint8_t)(claim >> 16),
				     (uint8_t)(claim >> 24), (uint8_t)(msg[4] + 1) };
	uint16_t tag = (uint16_t)((msg[5] | msg[6] << 8) + sim.tag_delta);
	hdr[5] = (uint8_t)tag;
	hdr[6] = (uint8_t)(tag >> 8);
	ring_copy_in(sim.in_buf, ring, sim.be_in_prod, hdr, sizeof(hdr));
	uint32_t body = rsize > P9_HDR_SIZE ? MIN(rsize - P9_HDR_SIZE, ring - P9_HDR_SIZE) : 0;
	for (uint32_t i = 0; i < body; i++) {
		uint8_t b = i + P9_HDR_SIZE < size ? msg[P9_HDR_SIZE + i] : 0xee;
		ring_copy_in(sim.in_buf, ring, sim.be_in_prod + P9_HDR_SIZE + i, &b, 1);
	}
	sim.be_in_prod += rsize;
	return true;
}

bool sim_backend_step(void)
{
	struct xen_9pfs_data_intf *intf = sim.f.intf;
	uint32_t ring = sim.f.ring_size;
	bool moved = false;
	while (sim.mode != SIM_NO_CONSUME) {
		uint32_t prod = intf->out_prod, queued = prod - sim.be_out_cons;
		uint8_t hdr[P9_HDR_SIZE];
		if (queued < P9_HDR_SIZE || queued > ring)
			break;
		ring_copy_out(sim.out_buf, ring, sim.be_out_cons, hdr, sizeof(hdr));
		uint32_t size = p9_msg_size(hdr);
		if (size < P9_HDR_SIZE || size > queued)
			break;
		uint8_t *msg = malloc(size);
		ring_copy_out(sim.out_buf, ring, sim.be_out_cons, msg, size);
		bool ok = sim.mode == SIM_SILENT || answer(msg, size);
		free(msg);
		if (!ok)
			break;
		sim.be_out_cons += size;
		moved = true;
	}
	intf->out_cons = sim.be_out_cons;
	intf->in_prod = sim.be_in_prod;
	return moved;
}

/* ---- set-up and requests --------------------------------------------------------- */

void sim_setup(unsigned order)
{
	memset(&sim, 0, sizeof(sim));
	sim_now_ns = 1000;
	struct p9front *f = &sim.f;
	f->intf = calloc(1, sizeof(*f->intf) + sizeof(grant_ref_t) * (1u << order));
	f->order = order;
	f->ring_size = (RING_IDX)XEN_FLEX_RING_SIZE(order);
	sim.in_buf = calloc(1, f->ring_size);
	sim.out_buf = calloc(1, f->ring_size);
	xring_init(&f->in, sim.in_buf, f->ring_size, &f->intf->in_prod, &f->intf->in_cons, 0);
	xring_init(&f->out, sim.out_buf, f->ring_size, &f->intf->out_cons, &f->intf->out_prod, 0);
	snprintf(f->tag, sizeof(f->tag), "sim");
	f->port = 7;
	f->connected = true;
	f->t = (struct p9_transport){ .ops = &p9front_ops, .tag = f->tag, .kind = "sim" };
	list_init(&f->pending);
	waitq_init(&f->space);
}

void sim_teardown(void)
{
	free(sim.f.intf);
	free(sim.in_buf);
	free(sim.out_buf);
	memset(&sim, 0, sizeof(sim));
}

static uint8_t pattern(uint32_t i, uint16_t tag)
{
	return (uint8_t)(i * 7 + tag);
}

int sim_request(uint8_t type, uint16_t tag, uint32_t body_len, uint32_t in_len, uint32_t *received,
		bool check)
{
	uint32_t size = P9_HDR_SIZE + body_len;
	uint8_t *out = malloc(size);
	uint8_t *in = malloc(in_len ? in_len : 1);
	out[0] = (uint8_t)size;
	out[1] = (uint8_t)(size >> 8);
	out[2] = (uint8_t)(size >> 16);
	out[3] = (uint8_t)(size >> 24);
	out[4] = type;
	out[5] = (uint8_t)tag;
	out[6] = (uint8_t)(tag >> 8);
	for (uint32_t i = 0; i < body_len; i++)
		out[P9_HDR_SIZE + i] = pattern(i, tag);
	struct p9_req req = { .nout = 1, .nin = 1, .tag = tag };
	req.out[0] = (struct p9_iov){ out, size };
	req.in[0] = (struct p9_iov){ in, in_len };
	int err = sim.f.t.ops->request(&sim.f.t, &req);
	if (received)
		*received = req.received;
	if (!err && check) {
		bool good = req.received == size && in[4] == (uint8_t)(type + 1) &&
			    (in[5] | in[6] << 8) == tag;
		for (uint32_t i = 0; good && i < body_len; i++)
			good = in[P9_HDR_SIZE + i] == pattern(i, tag);
		if (!good)
			err = -EPROTO; /* not the echo that was sent */
	}
	free(out);
	free(in);
	return err;
}
