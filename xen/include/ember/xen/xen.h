/* SPDX-License-Identifier: MIT */
/*
 * The Xen platform's internal interface: what the PV and PVH flavours each
 * provide (pv_*.c, pvh_*.c) and the core services built on top of them
 * (events.c, gnttab.c, xenstore.c, console.c, time.c), shared by both.
 */
#ifndef EMBER_XEN_XEN_H
#define EMBER_XEN_XEN_H

#include <ember/xen/hypercall.h>
#include <xen/io/console.h>
#include <xen/io/xs_wire.h>

/* ---- provided by the flavour (pv_boot.c / pvh_boot.c) --------------------- */

struct xen_boot_info {
	struct xencons_interface *console; /* PV console ring */
	evtchn_port_t console_port;
	struct xenstore_domain_interface *store; /* xenstore ring */
	evtchn_port_t store_port;
};
extern struct xen_boot_info xen_boot;

/*
 * First Xen call of the boot: makes hypercalls work and fills xen_boot.
 * Called from plat_console_init() with nothing else set up. Never fails:
 * a flavour that cannot find its console leaves xen_boot.console NULL.
 */
void xen_early_init(void);

/* Maps the shared info page and returns it (NULL on failure). */
struct shared_info *xen_map_shared_info(void);

/*
 * Maps @nframes grant-table frames contiguously and returns their address,
 * or NULL. Called once, after the page allocator and page tables exist.
 */
void *xen_map_grant_frames(unsigned nframes);

/* Arranges for event upcalls to reach xen_evtchn_upcall(). 0 or -errno. */
int xen_upcall_init(void);

/* ---- shared services --------------------------------------------------- */

extern struct shared_info *xen_shared_info;

/* events.c: event channels, 2-level ABI. Handlers run in interrupt context. */
typedef void (*evtchn_handler_fn)(evtchn_port_t port, void *data);

/* Dispatches pending events to their handlers (the upcall entry calls it). */
void xen_evtchn_upcall(void);

int evtchn_init(void);
/* Sets @fn as @port's handler and unmasks it; -EINVAL for a bad port, -EBUSY if bound. */
int evtchn_bind(evtchn_port_t port, evtchn_handler_fn fn, void *data);
/* Masks @port and forgets its handler. */
void evtchn_unbind(evtchn_port_t port);
int evtchn_bind_virq(uint32_t virq, evtchn_handler_fn fn, void *data, evtchn_port_t *port);
int evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port);
int evtchn_bind_interdomain(domid_t remote, evtchn_port_t remote_port, evtchn_port_t *port);
int evtchn_send(evtchn_port_t port);
int evtchn_close(evtchn_port_t port);
void evtchn_mask(evtchn_port_t port);
void evtchn_unmask(evtchn_port_t port);

struct evtchn_stats {
	uint64_t upcalls;   /* times the upcall ran */
	uint64_t delivered; /* events handed to a handler */
	uint64_t unbound;   /* events on ports with no handler (masked again) */
};
void evtchn_get_stats(struct evtchn_stats *out);

/* For diagnostics: @port's pending and mask bits, and vCPU 0's upcall flags. */
struct evtchn_port_state {
	bool pending, masked, upcall_pending, upcall_masked;
};
void evtchn_get_port_state(evtchn_port_t port, struct evtchn_port_state *out);

/* console.c: sends what the console buffered so far, if the ring is up. */
void xen_console_flush(void);

/* time.c */
int xen_time_init(void);

/* shutdown.c: watches control/shutdown; xl shutdown/reboot end the guest. */
int xen_shutdown_watch_init(void);

#endif
