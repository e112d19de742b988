// SPDX-License-Identifier: MIT
/*
 * virtio-net (virtio 1.x, 5.1) for the network stack (<ember/netdev.h>):
 * one receive and one transmit queue, the MAC and link status from config
 * space, no offloads (the stack computes and checks every checksum, so
 * nothing depends on what the host fills in).
 *
 * Frames are the stack's pbufs, never copied. Every receive descriptor is
 * one NETDEV_RX_BYTES buffer (the 12-byte virtio_net_hdr and a whole
 * frame: without VIRTIO_NET_F_MRG_RXBUF the device puts each frame in one
 * buffer); a transmit chain is a shared all-zero header, then the frame's
 * pbufs, referenced until the device hands them back (lwIP does not
 * rewrite a segment still referenced: tcp_output_segment_busy()).
 *
 * Interrupts only record: the queue handlers (kvm/virtio_pci.c, interrupt
 * context) put each finished chain's pbuf and length in the queue's done
 * ring and kick the net thread, whose poll() hands received frames up,
 * posts a new buffer for each, and frees transmitted ones. A receive queue
 * always holds every buffer memory allows: a refill that fails is retried
 * at the next poll, so a flood larger than the ring costs dropped frames
 * (the device's), never a stuck queue.
 *
 * The device is not trusted: lengths are clamped by kvm/virtq.c to what
 * was posted, a frame shorter than the header plus an Ethernet header is
 * counted and dropped, and a queue fault fails the device for good
 * (kvm/virtio.h): the link goes down and xmit() returns -EIO.
 */
#include <ember/arch.h>
#include <ember/device.h>
#include <ember/errno.h>
#include <ember/format.h>
#include <ember/heap.h>
#include <ember/netdev.h>
#include <ember/printk.h>
#include <ember/string.h>
#include <ember/time.h>
#include <lwip/pbuf.h>
#include "kvm.h"
#include "virtio.h"

#define VIRTIO_DEVICE_ID_NET 1
#define VIRTIO_NET_F_MTU     3
#define VIRTIO_NET_F_MAC     5
#define VIRTIO_NET_F_STATUS  16
#define VIRTIO_NET_S_LINK_UP 1
#define VNET_HDR_BYTES	     12 /* struct virtio_net_hdr with num_buffers (VERSION_1) */
#define VNET_RXQ	     0
#define VNET_TXQ	     1
#define VNET_QUEUE_SIZE	     256
#define VNET_TX_SEGS_MAX     16 /* pbufs per frame before it is flattened */
#define VNET_POLL_BUDGET     64 /* frames up the stack per poll, then the timers run */
#define VNET_LINK_CHECK_NS   NSEC_PER_SEC

/* config space (5.1.4) */
#define CFG_MAC	   0
#define CFG_STATUS 6
#define CFG_MTU	   10

struct vnet;

/* One outstanding chain: the cookie a queue hands back. */
struct vnet_slot {
	struct vnet *v;
	struct pbuf *p;
	struct vnet_slot *next_free;
	int err;
	uint32_t len;
};

/* A queue's chains: the slots, and those its interrupt handed back for poll(). */
struct vnet_queue {
	struct virtio_queue q;
	struct vnet_slot slots[VNET_QUEUE_SIZE];
	struct vnet_slot *free;
	struct vnet_slot *done[VNET_QUEUE_SIZE];
	unsigned done_head, done_tail; /* free-running; never more than a queue apart */
	unsigned outstanding;
};

struct vnet {
	struct netdev nd;
	struct virtio_dev dev;
	struct vnet_queue rx, tx;
	uint64_t features, next_link_check;
	uint64_t rx_refill_failures;
};

static const uint8_t zero_hdr[VNET_HDR_BYTES];

static void slots_init(struct vnet *v, struct vnet_queue *vq)
{
	vq->free = NULL;
	for (unsigned i = VNET_QUEUE_SIZE; i-- > 0;) {
		vq->slots[i] = (struct vnet_slot){ .v = v, .next_free = vq->free };
		vq->free = &vq->slots[i];
	}
}

/* Interrupt context (or the thread failing the device): record, kick. */
static void chain_done(struct vnet_queue *vq, struct vnet_slot *s, int err, uint32_t len)
{
	s->err = err;
	s->len = len;
	vq->done[vq->done_tail++ % VNET_QUEUE_SIZE] = s;
	netdev_kick(&s->v->nd);
}

static void rx_chain_done(void *cookie, int err, uint32_t len)
{
	struct vnet_slot *s = cookie;
	chain_done(&s->v->rx, s, err, len);
}

static void tx_chain_done(void *cookie, int err, uint32_t len)
{
	struct vnet_slot *s = cookie;
	chain_done(&s->v->tx, s, err, len);
}

/* The next chain poll() should finish, or NULL. */
static struct vnet_slot *done_take(struct vnet_queue *vq)
{
	unsigned long flags = arch_irq_save();
	struct vnet_slot *s = NULL;
	if (vq->done_head != vq->done_tail)
		s = vq->done[vq->done_head++ % VNET_QUEUE_SIZE];
	arch_irq_restore(flags);
	return s;
}

static void slot_release(struct vnet_queue *vq, struct vnet_slot *s)
{
	s->p = NULL;
	s->next_free = vq->free;
	vq->free = s;
	vq->outstanding--;
}

/* Posts @n buffers as one chain for @p; interrupts off. 0, -ENOBUFS or -EIO. */
static int chain_add(struct vnet_queue *vq, const struct virtq_buf *bufs, unsigned n,
		     struct pbuf *p)
{
	if (vq->q.dev->failed)
		return -EIO;
	if (!vq->free || vq->q.vq.num_free < n)
		return -ENOBUFS;
	struct vnet_slot *s = vq->free;
	vq->free = s->next_free;
	s->p = p;
	vq->outstanding++;
	int err = virtio_queue_add(&vq->q, bufs, n, s, 0);
	if (err) {
		slot_release(vq, s);
		return err == -EIO ? -EIO : -ENOBUFS;
	}
	return 0;
}

/* ---- receive ---- */

/* Keeps the receive queue full; interrupts off. */
static void rx_refill(struct vnet *v)
{
	while (v->rx.free && !v->dev.failed) {
		struct pbuf *p = netdev_rx_alloc();
		if (!p) {
			v->rx_refill_failures++; /* memory is short: the next poll tries again */
			return;
		}
		struct virtq_buf buf = { p->payload, NETDEV_RX_BYTES, true };
		if (chain_add(&v->rx, &buf, 1, p)) {
			netdev_free(p);
			return;
		}
	}
}

static void rx_one(struct vnet *v, struct vnet_slot *s)
{
	struct pbuf *p = s->p;
	uint32_t len = s->len; /* at most NETDEV_RX_BYTES: kvm/virtq.c clamped it */
	int err = s->err;
	unsigned long flags = arch_irq_save();
	slot_release(&v->rx, s);
	arch_irq_restore(flags);
	if (err || len < VNET_HDR_BYTES + 14) {
		if (!err)
			v->nd.stats.rx_errors++;
		netdev_free(p);
		return;
	}
	pbuf_realloc(p, (u16_t)len);
	pbuf_remove_header(p, VNET_HDR_BYTES);
	netdev_input(&v->nd, p);
}

/* ---- transmit ---- */

static int vnet_xmit(struct netdev *d, struct pbuf *p)
{
	struct vnet *v = container_of(d, struct vnet, nd);
	struct virtq_buf bufs[1 + VNET_TX_SEGS_MAX];
	unsigned n = 0;
	struct pbuf *frame = p;
	if (pbuf_clen(p) > VNET_TX_SEGS_MAX) {
		frame = pbuf_clone(PBUF_RAW, PBUF_RAM, p); /* flattened: one segment */
		if (!frame)
			return -ENOBUFS;
	} else {
		pbuf_ref(p);
	}
	bufs[n++] = (struct virtq_buf){ zero_hdr, VNET_HDR_BYTES, false };
	for (struct pbuf *q = frame; q; q = q->next)
		if (q->len)
			bufs[n++] = (struct virtq_buf){ q->payload, q->len, false };
	unsigned long flags = arch_irq_save();
	int err = chain_add(&v->tx, bufs, n, frame);
	arch_irq_restore(flags);
	if (err)
		pbuf_free(frame);
	return err;
}

/* ---- the net thread's side ---- */

static void link_check(struct vnet *v)
{
	bool up = !v->dev.failed;
	if (up && (v->features & (1ull << VIRTIO_NET_F_STATUS)))
		up = *(volatile uint16_t *)(v->dev.device_cfg + CFG_STATUS) & VIRTIO_NET_S_LINK_UP;
	if (up != v->nd.link_up) {
		printk("net: %s: link %s\n", v->nd.name,
		       v->dev.failed ? "down (device failed)"
		       : up	     ? "up"
				     : "down");
		netdev_set_link(&v->nd, up);
	}
}

static void vnet_poll(struct netdev *d)
{
	struct vnet *v = container_of(d, struct vnet, nd);
	struct vnet_slot *s;
	while ((s = done_take(&v->tx))) {
		struct pbuf *p = s->p;
		if (s->err)
			v->nd.stats.tx_errors++;
		unsigned long flags = arch_irq_save();
		slot_release(&v->tx, s);
		arch_irq_restore(flags);
		pbuf_free(p);
	}
	unsigned budget = VNET_POLL_BUDGET;
	while (budget && (s = done_take(&v->rx))) {
		rx_one(v, s);
		budget--;
	}
	unsigned long flags = arch_irq_save();
	rx_refill(v);
	if (!budget || v->rx.done_head != v->rx.done_tail || !v->rx.outstanding)
		netdev_kick(d); /* more to do (or nothing posted yet): come back */
	arch_irq_restore(flags);
	uint64_t now = time_now_ns();
	if (now >= v->next_link_check || v->dev.failed) {
		v->next_link_check = now + VNET_LINK_CHECK_NS;
		link_check(v);
	}
}

static int vnet_open(struct netdev *d)
{
	struct vnet *v = container_of(d, struct vnet, nd);
	virtio_start(&v->dev);
	unsigned long flags = arch_irq_save();
	rx_refill(v);
	arch_irq_restore(flags);
	if (!v->rx.outstanding)
		return -ENOMEM;
	link_check(v);
	return 0;
}

static const struct netdev_ops vnet_ops = {
	.open = vnet_open,
	.xmit = vnet_xmit,
	.poll = vnet_poll,
};

/* ---- probe ---- */

static void read_config(struct vnet *v)
{
	volatile uint8_t *cfg = v->dev.device_cfg;
	uint32_t room = v->dev.device_cfg_len;
	v->nd.mtu = 1500;
	if ((v->features & (1ull << VIRTIO_NET_F_MAC)) && room >= CFG_MAC + 6)
		for (unsigned i = 0; i < 6; i++)
			v->nd.mac[i] = cfg[CFG_MAC + i];
	else /* no MAC offered: a random local unicast one */
		for (unsigned i = 0; i < 6; i++)
			v->nd.mac[i] = (uint8_t)(arch_cycles() >> (i * 3));
	v->nd.mac[0] = (uint8_t)((v->nd.mac[0] & ~1u) |
				 (v->features & (1ull << VIRTIO_NET_F_MAC) ? 0 : 2));
	if ((v->features & (1ull << VIRTIO_NET_F_MTU)) && room >= CFG_MTU + 2) {
		uint16_t mtu = *(volatile uint16_t *)(cfg + CFG_MTU);
		if (mtu >= 576 && mtu < 1500)
			v->nd.mtu = mtu; /* larger frames would not fit one receive buffer */
	}
}

static int vnet_setup(struct vnet *v, const struct pci_dev *pci)
{
	int err = virtio_pci_probe(&v->dev, pci);
	if (err)
		return err;
	uint64_t want = 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_NET_F_MAC |
			1ull << VIRTIO_NET_F_STATUS | 1ull << VIRTIO_NET_F_MTU;
	v->features = virtio_negotiate(&v->dev, want);
	if (!v->features)
		return -ENODEV;
	slots_init(v, &v->rx);
	slots_init(v, &v->tx);
	err = virtio_queue_init(&v->dev, &v->rx.q, VNET_RXQ, VNET_QUEUE_SIZE, rx_chain_done);
	return err
		       ?: virtio_queue_init(&v->dev, &v->tx.q, VNET_TXQ, VNET_QUEUE_SIZE,
					    tx_chain_done);
}

static int vnet_probe(const struct pci_dev *pci, void *arg __unused)
{
	struct vnet *v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	int err = vnet_setup(v, pci);
	if (err) {
		virtio_setup_failed(&v->dev, "virtio-net", err);
		free(v);  /* nothing was posted: no queue holds our memory */
		return 0; /* keep looking for other devices */
	}
	read_config(v);
	snprintf(v->nd.name, sizeof(v->nd.name), "virtio-net %02x.%x", pci->slot, pci->func);
	v->nd.ops = &vnet_ops;
	netdev_register(&v->nd);
	return 0;
}

static int virtio_net_init(void)
{
	return virtio_pci_for_each(0x1000, VIRTIO_DEVICE_ID_NET, vnet_probe, NULL);
}
EMBER_DEVICE_INIT(virtio_net_init);
