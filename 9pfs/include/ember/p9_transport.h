/* SPDX-License-Identifier: MIT */
/*
 * How 9P messages travel: the transport interface under 9pfs/p9_client.c.
 *
 * A transport moves whole messages. Each request is a scatter list out (the
 * encoded T-message, and for Twrite the caller's payload) and a scatter list
 * in (a reply buffer, and for Tread/Treaddir the caller's destination), so
 * virtio can DMA straight into the caller's memory and ring transports can
 * copy once. request() blocks the calling thread until the reply has arrived
 * (or the transport failed), so several threads may each have one request in
 * flight; the transport queues them when its ring is full. The client owns
 * tags; the transport only routes replies by the tag in their header.
 *
 * Implementations: kvm/virtio_9p.c (virtio-9p over virtio-pci) and
 * xen/9pfront*.c (the ring of <xen/io/9pfs.h>); tests use their own. Each
 * platform registers the shares it finds with p9_transport_register() while
 * its devices start, and mounts look them up by tag.
 */
#ifndef EMBER_P9_TRANSPORT_H
#define EMBER_P9_TRANSPORT_H

#include <stdbool.h>
#include <stdint.h>

struct p9_iov {
	void *base;
	uint32_t len;
};

#define P9_REQ_MAX_IOV 2

struct p9_req {
	struct p9_iov out[P9_REQ_MAX_IOV];
	unsigned nout;
	struct p9_iov in[P9_REQ_MAX_IOV];
	unsigned nin;
	uint16_t tag;	   /* the tag in out[0]'s header */
	uint32_t received; /* set by the transport: bytes of reply written into in[] */
};

struct p9_transport;

struct p9_transport_ops {
	/* Brings the channel up (idempotent); 0 or a negative errno. */
	int (*connect)(struct p9_transport *t);
	/*
	 * Sends @req and waits for its reply. 0 once the reply is in @req->in
	 * (not yet validated: that is the codec's job), -EMSGSIZE if a reply
	 * did not fit in[], -ENOTCONN/-EIO when the channel is gone.
	 */
	int (*request)(struct p9_transport *t, struct p9_req *req);
	/*
	 * Ends the client session. A transport MAY keep the channel up for the
	 * next connect (virtio and the Xen ring do: the next Tversion starts a
	 * new session on the server).
	 */
	void (*disconnect)(struct p9_transport *t);
};

struct p9_transport {
	const struct p9_transport_ops *ops;
	const char *tag;	   /* the share's mount tag */
	const char *kind;	   /* "virtio-9p", "xen-9pfs", ... for messages */
	uint32_t max_msize;	   /* largest message the channel can carry */
	bool in_use;		   /* a client session owns it (one at a time, as on Linux) */
	struct p9_transport *next; /* registry link */
};

/* Makes @t findable by its tag. */
void p9_transport_register(struct p9_transport *t);
/* The transport of the share tagged @tag, or NULL. */
struct p9_transport *p9_transport_find(const char *tag);
/* The first registered transport (for "the" share), or NULL. */
struct p9_transport *p9_transport_first(void);

#endif
