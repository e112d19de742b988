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
 * xenconsoled cannot hang the guest; output is then dropped).
 */
#include <ember/platform.h>
#include <ember/xen/xen.h>

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

/* Copies what fits of @buf into the ring; returns the number of bytes taken. */
static size_t ring_put(struct xencons_interface *r, const char *buf, size_t len)
{
	XENCONS_RING_IDX cons = READ_ONCE(r->out_cons), prod = r->out_prod;
	size_t n = 0;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	while (n < len && prod - cons < sizeof(r->out))
		r->out[MASK_XENCONS_IDX(prod++, r->out)] = buf[n++];
	__atomic_thread_fence(__ATOMIC_RELEASE);
	r->out_prod = prod;
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
