// SPDX-License-Identifier: MIT
/*
 * The simulated xenstored of sim_xenstored.h, and the platform pieces the
 * real xen/xenstore.c calls (event channels, printk, xen_boot).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ember/errno.h>
#include <ember/string.h>
#include <ember/sched.h>
#include "sim_xenstored.h"

struct sim_xsd sim_xsd;
struct xen_boot_info xen_boot;
int sim_printks;
char sim_last_printk[256];

int printk(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(sim_last_printk, sizeof(sim_last_printk), fmt, ap);
	va_end(ap);
	sim_printks++;
	return n;
}

int evtchn_bind(evtchn_port_t port, evtchn_handler_fn fn, void *data)
{
	(void)port;
	sim_xsd.handler = fn;
	sim_xsd.handler_data = data;
	return 0;
}

int evtchn_send(evtchn_port_t port)
{
	(void)port;
	sim_xsd.notifications++;
	sim_xsd_run();
	return 0;
}

uint32_t xring_load_peer(const uint32_t *idx)
{
	uint32_t v = __atomic_load_n(idx, __ATOMIC_ACQUIRE);
	if (idx == &sim_xsd.page.req_cons)
		sim_xsd.loads_req_cons++;
	else if (idx == &sim_xsd.page.rsp_prod)
		sim_xsd.loads_rsp_prod++;
	return v;
}

void sim_xsd_setup(void)
{
	memset(&sim_xsd, 0, sizeof(sim_xsd));
	sim_xsd.type_override = -1;
	sim_xsd.len_override = -1;
	xen_boot.store = &sim_xsd.page;
	xen_boot.store_port = 3;
}

static void rsp_put(const void *data, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		sim_xsd.page.rsp[MASK_XENSTORE_IDX(sim_xsd.rsp_prod + i)] = ((const char *)data)[i];
	sim_xsd.rsp_prod += n;
}

static bool rsp_room(uint32_t n)
{
	return XENSTORE_RING_SIZE - (sim_xsd.rsp_prod - sim_xsd.page.rsp_cons) >= n;
}

/* Writes one message; false (nothing written) when the ring lacks room. */
static bool send_msg(uint32_t type, uint32_t req_id, const char *body, uint32_t len)
{
	if (!rsp_room(sizeof(struct xsd_sockmsg) + len))
		return false;
	struct xsd_sockmsg h = { .type = type, .req_id = req_id, .len = len };
	if (sim_xsd.type_override >= 0 && type != XS_WATCH_EVENT)
		h.type = (uint32_t)sim_xsd.type_override;
	if (sim_xsd.len_override >= 0)
		h.len = (uint32_t)sim_xsd.len_override;
	rsp_put(&h, sizeof(h));
	rsp_put(body, len);
	return true;
}

/* The honest answer to @h (payload @p); false when it did not fit. */
static bool answer(const struct xsd_sockmsg *h, const char *p)
{
	uint32_t id = h->req_id + (uint32_t)sim_xsd.req_id_delta;
	char buf[XENSTORE_PAYLOAD_MAX];
	uint32_t n;
	if (h->type == XS_READ && !strncmp(p, "missing", 7))
		return send_msg(XS_ERROR, id, "ENOENT", 7);
	if (h->type == XS_READ)
		n = (uint32_t)snprintf(buf, sizeof(buf), "v:%s", p);
	else if (h->type == XS_DIRECTORY)
		n = 9, memcpy(buf, "a\0bb\0ccc", 9);
	else if (h->type == XS_TRANSACTION_START)
		n = 2, memcpy(buf, "7", 2);
	else
		n = 3, memcpy(buf, "OK", 3);
	if (!send_msg(h->type, id, buf, n))
		return false;
	for (unsigned i = 0; h->type == XS_WATCH && i <= sim_xsd.extra_events; i++)
		send_msg(XS_WATCH_EVENT, 0, p, h->len); /* path\0token\0, as the watch sent */
	return true;
}

void sim_xsd_run(void)
{
	struct xenstore_domain_interface *pg = &sim_xsd.page;
	bool moved = false;
	while (!sim_xsd.stopped) {
		struct xsd_sockmsg h;
		uint32_t queued = pg->req_prod - sim_xsd.req_cons;
		if (queued < sizeof(h) || queued > XENSTORE_RING_SIZE)
			break;
		for (uint32_t i = 0; i < sizeof(h); i++)
			((char *)&h)[i] = pg->req[MASK_XENSTORE_IDX(sim_xsd.req_cons + i)];
		if (h.len > XENSTORE_PAYLOAD_MAX || queued < sizeof(h) + h.len)
			break;
		char p[XENSTORE_PAYLOAD_MAX + 1];
		for (uint32_t i = 0; i < h.len; i++)
			p[i] = pg->req[MASK_XENSTORE_IDX(sim_xsd.req_cons + sizeof(h) + i)];
		p[h.len] = '\0';
		if (!sim_xsd.silent && !answer(&h, p))
			break; /* no room: the rest when the client has read some */
		sim_xsd.req_cons += (uint32_t)sizeof(h) + h.len;
		sim_xsd.requests++;
		moved = true;
	}
	bool jumped = sim_xsd.req_cons_jump || sim_xsd.rsp_prod_jump;
	pg->req_cons = sim_xsd.req_cons + sim_xsd.req_cons_jump;
	pg->rsp_prod = sim_xsd.rsp_prod + sim_xsd.rsp_prod_jump;
	if ((moved || jumped) && sim_xsd.handler)
		sim_xsd.handler(xen_boot.store_port, sim_xsd.handler_data);
}

void sim_xsd_end_reader(void)
{
	sim_xsd.rsp_prod_jump = 0x80000000u; /* impossible: the reader stops with -EPROTO */
	sim_xsd.page.rsp_prod = sim_xsd.rsp_prod + sim_xsd.rsp_prod_jump;
	if (sim_xsd.handler)
		sim_xsd.handler(xen_boot.store_port, sim_xsd.handler_data);
	for (unsigned i = 0; i < 4; i++)
		thread_yield();
}
