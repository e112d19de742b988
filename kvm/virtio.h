/* SPDX-License-Identifier: MIT */
/*
 * Virtio 1.x over PCI (the "modern" interface) and split virtqueues, for the
 * kvm platform's drivers (virtio_9p.c now, virtio-net later).
 *
 * A driver finds its device with virtio_pci_probe(), negotiates features,
 * sets up its queues with virtio_queue_init() and says DRIVER_OK with
 * virtio_start(). Each queue interrupts through its own MSI-X vector; the
 * handler collects finished chains and calls the driver's completion
 * callback with the cookie the chain was added with, in interrupt context.
 * Buffers are guest-physical: the kvm platform maps RAM 1:1, so a pointer
 * is its own DMA address.
 */
#ifndef KVM_VIRTIO_H
#define KVM_VIRTIO_H

#include <ember/sched.h>
#include <stdbool.h>
#include <stdint.h>
#include "pci.h"

#define VIRTIO_PCI_VENDOR      0x1af4
#define VIRTIO_PCI_MODERN_BASE 0x1040 /* + device type */
#define VIRTIO_F_VERSION_1     32
#define VIRTIO_F_RING_INDIRECT 28
#define VIRTIO_DEVICE_ID_9P    9

struct virtio_dev {
	struct pci_dev pci;
	volatile uint8_t *common, *isr, *device_cfg, *notify_base;
	uint32_t notify_mult;
};

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};
#define VRING_DESC_F_NEXT  1
#define VRING_DESC_F_WRITE 2

struct virtq;
typedef void (*virtq_done_fn)(struct virtq *q, void *cookie, uint32_t len);

struct virtq {
	struct virtio_dev *dev;
	uint16_t index, size, num_free, free_head, last_used;
	struct vring_desc *desc;
	volatile uint16_t *avail; /* flags, idx, ring[size] */
	volatile uint8_t *used;	  /* flags, idx, {id, len}[size] */
	volatile uint16_t *notify;
	void **cookies;
	virtq_done_fn done;
	struct waitq space; /* threads waiting for free descriptors */
	uint64_t notifies, interrupts;
};

/* A buffer of a chain: device-readable (out) or device-writable (in). */
struct virtq_buf {
	const void *addr;
	uint32_t len;
	bool device_writes;
};

/*
 * Locates the capabilities of the virtio device @pci and resets it to
 * ACKNOWLEDGE|DRIVER. 0 or a negative errno.
 */
int virtio_pci_probe(struct virtio_dev *dev, const struct pci_dev *pci);
/* Offers @wanted (which must include VIRTIO_F_VERSION_1); returns the accepted set or 0. */
uint64_t virtio_negotiate(struct virtio_dev *dev, uint64_t wanted);
/*
 * Sets up queue @index with at most @max_size entries and its own MSI-X
 * vector (table entry @index + 1); @done runs for every finished chain.
 */
int virtio_queue_init(struct virtio_dev *dev, struct virtq *q, uint16_t index, uint16_t max_size,
		      virtq_done_fn done);
void virtio_start(struct virtio_dev *dev);
/* Marks the device FAILED (after a setup error). */
void virtio_fail(struct virtio_dev *dev);

/*
 * Adds a chain of @n buffers, device-readable ones first, and notifies the
 * device. Blocks while the queue has fewer than @n free descriptors.
 * Thread context; takes the queue's interrupts off while it works.
 */
int virtq_add(struct virtq *q, const struct virtq_buf *bufs, unsigned n, void *cookie);
/* Collects finished chains (from the MSI-X handler, or by polling). */
void virtq_collect(struct virtq *q);

/* The next free interrupt vector for a device (0x40 upwards), with its handler. */
uint8_t kvm_irq_alloc(void (*handler)(void *arg), void *arg);

#endif
