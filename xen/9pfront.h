/* SPDX-License-Identifier: MIT */
/*
 * Xen 9pfs frontend, shared between its two halves:
 *   xen/9pfront_xenbus.c  finding the devices, the xenbus handshake, and
 *                         watching the backend go away;
 *   xen/9pfront.c         the data path: requests into the "out" ring,
 *                         replies out of the "in" ring, routed by tag.
 * One ring per device (the protocol allows more; one vCPU needs one).
 */
#ifndef XEN_9PFRONT_H
#define XEN_9PFRONT_H

#include <ember/list.h>
#include <ember/p9_msg.h>
#include <ember/p9_transport.h>
#include <ember/sched.h>
#include <ember/string.h> /* io/9pfs.h inlines use memcpy */
#include <ember/xen/xenstore.h>
#include <ember/xen/xring.h>
#include <ember/xen/xen.h>
#include <xen/io/9pfs.h>

#define P9FRONT_TAG_MAX	 64
#define P9FRONT_PATH_MAX 96
/* 2^7 pages: 256 KiB per direction, the largest msize Ember asks for. */
#define P9FRONT_MAX_ORDER 7

struct p9front {
	struct p9_transport t;
	char tag[P9FRONT_TAG_MAX];
	char node[P9FRONT_PATH_MAX];	/* device/9pfs/<id> */
	char backend[P9FRONT_PATH_MAX]; /* its backend's directory */
	domid_t backend_id;
	/* the ring, set up by the handshake and released if it fails */
	struct xen_9pfs_data_intf *intf;
	uint8_t *data; /* "in" half, then "out" half */
	unsigned order;
	RING_IDX ring_size;   /* bytes per direction */
	struct xring in, out; /* the only copies of our indexes we trust */
	grant_ref_t
		refs[1u << P9FRONT_MAX_ORDER]; /* the data pages' grants (not the shared copy) */
	grant_ref_t intf_ref;
	evtchn_port_t port;
	bool connected, broken;
	bool gone;		  /* the backend closed after we connected: for good */
	bool watching;		  /* backend_watch is registered */
	struct list_node pending; /* requests awaiting their reply */
	struct waitq space;	  /* writers waiting for room in "out" */
	struct xs_watch backend_watch;
	struct mutex connect_lock; /* held by whoever runs the handshake */
	uint64_t requests, replies, dropped, stalls;
};

/* A request awaiting its reply, on p9front.pending (9pfront.c). */
struct pending {
	struct list_node link;
	struct p9_req *req;
	bool done;
	int err;
	struct waitq wq;
};

/* 9pfront.c */
extern const struct p9_transport_ops p9front_ops;
/* The event channel handler: collects replies, wakes writers. */
void p9front_event(evtchn_port_t port, void *data);
/* Fails every pending and future request with -ENOTCONN. */
void p9front_fail_all(struct p9front *f);
/*
 * 9pfront_xenbus.c: the handshake, started in the background when the
 * device is found; connect waits for it (and retries a failed one).
 */
int p9front_connect(struct p9_transport *t);
void p9front_disconnect(struct p9_transport *t);

#endif
