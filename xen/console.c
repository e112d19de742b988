// SPDX-License-Identifier: MIT
/*
 * Xen PV console: the console ring (struct xencons_interface) shared with
 * xenconsoled in dom0, found through start_info (PV) or HVM parameters
 * (PVH). Output is copied into the ring and the console event channel is
 * notified. domU writes through HYPERVISOR_console_io are refused by release
 * builds of Xen, so they are only a fallback when there is no ring, and PVH
 * guests also mirror early output to port 0xe9 (shown by `xl dmesg` with
 * guest_loglvl=all) until the ring is known.
 *
 * A full ring is waited out by yielding to Xen (bounded, so a dead
 * xenconsoled cannot hang the guest; output is then dropped). The ring's
 * indexes follow <ember/xen/xring.h>: ours kept privately, xenconsoled's
 * read once per write and bounded; a broken one drops output.
 */
#include <ember/platform.h>
#include <ember/xen/xen.h>
#include <ember/xen/xring.h>

#define RING_WAIT_YIELDS 100000

void plat_console_init(void)
{
	xen_early_init();
}

static void ring_notify(void)
{
	struct evtchn_send send = { .port = xen_boot.console_port };
	HYPERVISOR_event_channel_op(EVTCHNOP_send, &send);
}

static struct xring out;
static struct xencons_interface *out_page; /* the page @out was set up for */

/* Copies what fits of @buf into the ring; returns the number of bytes taken. */
static size_t ring_put(struct xencons_interface *r, const char *buf, size_t len)
{
	if (out_page != r) { /* our producer index starts where the ring's is now */
		xring_init(&out, r->out, sizeof(r->out), &r->out_cons, &r->out_prod,
			   READ_ONCE(r->out_prod));
		out_page = r;
	}
	uint32_t free;
	if (xring_space(&out, &free))
		return len; /* xenconsoled broke the indexes: output is dropped */
	uint32_t n = (uint32_t)MIN(len, (size_t)free);
	xring_put(&out, buf, n);
	xring_publish(&out);
	return n;
}

static void ring_write(struct xencons_interface *r, const char *buf, size_t len)
{
	unsigned yields = 0;
	while (len) {
		size_t n = ring_put(r, buf, len);
		buf += n;
		len -= n;
		ring_notify();
		if (len && n == 0) {
			if (++yields > RING_WAIT_YIELDS)
				return; /* nobody drains the ring: drop the rest */
			HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		}
	}
}

void plat_console_write(const char *buf, size_t len)
{
	if (xen_boot.console) {
		ring_write(xen_boot.console, buf, len);
		return;
	}
	HYPERVISOR_console_io(CONSOLEIO_write, (unsigned)len, buf);
}

void xen_console_flush(void)
{
	if (xen_boot.console)
		ring_notify();
}
