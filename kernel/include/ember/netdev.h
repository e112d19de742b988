/* SPDX-License-Identifier: MIT */
/*
 * Network devices: what a NIC driver (kvm/virtio_net.c, xen/netfront*.c)
 * gives the network stack (kernel/net/), and what it gets back.
 *
 * A driver finds its device in its EMBER_DEVICE_INIT() function, fills a
 * struct netdev (MAC, MTU, ops) and registers it. The stack starts later
 * (a late device init, after every driver's): it brings lwIP up, calls each
 * device's open(), which posts receive buffers and enables the device, and
 * from then on runs the device from the net thread.
 *
 * Frames are lwIP pbufs, so nothing is copied between driver and stack:
 * a receive buffer is a pbuf from netdev_rx_alloc() whose payload the
 * device writes, a transmitted frame is the stack's own pbuf chain, which
 * the driver holds (pbuf_ref) until the device is done with it.
 *
 * Contexts. An interrupt handler never calls into the stack: it records
 * what the device finished in the driver's own structures and calls
 * netdev_kick(). The net thread then calls the driver's poll(), which hands
 * received frames to netdev_input() and frees finished transmissions.
 * xmit() runs in thread context (the net thread, or a thread inside a
 * socket call), never concurrently with poll() (kernel code is not
 * preempted: kernel/sched.c).
 *
 * The driver owns the failure policy of its transport (9pfront's and
 * virtio's rules): a device that breaks its ring is given up on, its link
 * goes down (netdev_set_link()), and xmit() then fails with -EIO.
 */
#ifndef EMBER_NETDEV_H
#define EMBER_NETDEV_H

#include <ember/compiler.h>

struct pbuf;
struct netdev;

#define NETDEV_NAME_MAX	 16
#define NETDEV_FRAME_MAX 1518 /* Ethernet with a VLAN tag, no FCS */

struct netdev_ops {
	/* Posts receive buffers and enables the device (net thread, once). */
	int (*open)(struct netdev *d);
	/* Queues the frame @p (a pbuf chain); 0, -ENOBUFS (ring full) or -EIO. */
	int (*xmit)(struct netdev *d, struct pbuf *p);
	/* Net thread: what the device finished since the last call (see above). */
	void (*poll)(struct netdev *d);
};

/* Counters the driver keeps (the stack reports them). */
struct netdev_stats {
	uint64_t rx_frames, rx_bytes, rx_dropped, rx_errors;
	uint64_t tx_frames, tx_bytes, tx_dropped, tx_errors;
};

struct netdev {
	char name[NETDEV_NAME_MAX]; /* what the driver calls it: "virtio-net 00:03.0" */
	uint8_t mac[6];
	uint16_t mtu;
	/* An IPv4 address the platform gave ("10.0.0.2" or "10.0.0.2/24": Xen's
	 * vif ip=), used when no net.ip= parameter says otherwise; or "". */
	char platform_ip[48];
	const struct netdev_ops *ops;
	struct netdev_stats stats;
	/* The stack's, not the driver's. */
	unsigned index; /* ethN: registration order */
	bool link_up;
	bool work;   /* poll() is due (set by netdev_kick) */
	void *stack; /* lwIP's struct netif */
	struct netdev *next;
};

/* Adds @d (filled in) to the devices the stack will open. Thread context. */
void netdev_register(struct netdev *d);

/* Interrupt-safe: @d has finished work; its poll() runs soon in the net thread. */
void netdev_kick(struct netdev *d);

/* A receive buffer of NETDEV_RX_BYTES bytes in one piece; NULL when memory is short. */
#define NETDEV_RX_BYTES 1536
struct pbuf *netdev_rx_alloc(void);

/*
 * From poll(): the frame in @p (its length set to what the device wrote,
 * already bounded by the driver to what it posted) goes up the stack,
 * which owns it from here.
 */
void netdev_input(struct netdev *d, struct pbuf *p);

/* From poll() or open(): a buffer or finished frame the driver no longer needs. */
void netdev_free(struct pbuf *p);

/* The link went up or down (the device said so, or the driver gave up on it). */
void netdev_set_link(struct netdev *d, bool up);

#endif
