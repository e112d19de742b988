/* SPDX-License-Identifier: MIT */
/*
 * Virtio 1.x over PCI (the "modern" interface), for the kvm platform's
 * drivers (virtio_9p.c now, virtio-net later). The split virtqueues
 * themselves are kvm/virtq.h (pure, host-tested); this is their glue to
 * PCI, interrupts and threads.
 *
 * A driver finds its device with virtio_pci_probe(), negotiates features,
 * sets up its queues with virtio_queue_init() and says DRIVER_OK with
 * virtio_start(). Each queue interrupts through its own MSI-X vector; the
 * handler collects finished chains and calls the driver's completion
 * callback with the cookie the chain was added with, in interrupt context.
 * Buffers are guest-physical: the kvm platform maps RAM 1:1, so a pointer
 * is its own DMA address.
 *
 * Failure policy. The device is not trusted: its capabilities must lie
 * inside their BARs, its queue sizes must be powers of two, its reset must
 * complete within VIRTIO_RESET_TIMEOUT_NS, and its used rings are checked
 * entry by entry (kvm/virtq.h). A device that breaks a queue, or that a
 * driver gives up on (virtio_queue_break(), e.g. a request past its
 * deadline), is failed for good: one line says why, the device is reset
 * (so it stops using our memory) and marked FAILED, every outstanding chain
 * of every queue ends with -EIO, and every later virtio_queue_add() fails
 * with -EIO. Nothing is retried or re-initialized.
 */
#ifndef KVM_VIRTIO_H
#define KVM_VIRTIO_H

#include <ember/sched.h>
#include <stdbool.h>
#include <stdint.h>
#include "pci.h"
#include "virtq.h"

#define VIRTIO_PCI_VENDOR	0x1af4
#define VIRTIO_PCI_MODERN_BASE	0x1040 /* + device type */
#define VIRTIO_F_VERSION_1	32
#define VIRTIO_F_RING_INDIRECT	28
#define VIRTIO_DEVICE_ID_9P	9
#define VIRTIO_MAX_QUEUES	4
#define VIRTIO_RESET_TIMEOUT_NS (1000ull * 1000 * 1000)

struct virtio_queue;

struct virtio_dev {
	struct pci_dev pci;
	volatile uint8_t *common, *isr, *device_cfg, *notify_base;
	uint32_t device_cfg_len, notify_len, notify_mult;
	bool failed; /* given up on: see the failure policy above */
	struct virtio_queue *queues[VIRTIO_MAX_QUEUES];
};

struct virtio_queue {
	struct virtq vq;
	struct virtio_dev *dev;
	uint16_t index;
	volatile uint16_t *notify;
	virtq_done_fn done;
	struct waitq space; /* threads waiting for free descriptors */
	uint64_t notifies, interrupts;
	bool clamp_logged; /* the device's first over-long length was reported */
};

/*
 * Locates the capabilities of the virtio device @pci (each checked against
 * its BAR) and resets it to ACKNOWLEDGE|DRIVER. 0 or a negative errno:
 * -ENODEV (not a usable virtio 1.x device), -ETIMEDOUT (the reset did not
 * complete).
 */
int virtio_pci_probe(struct virtio_dev *dev, const struct pci_dev *pci);
/* Offers @wanted (which must include VIRTIO_F_VERSION_1); returns the accepted set or 0. */
uint64_t virtio_negotiate(struct virtio_dev *dev, uint64_t wanted);
/*
 * Sets up queue @index (below VIRTIO_MAX_QUEUES) with at most @max_size (a
 * power of two) entries and its own MSI-X vector (table entry @index + 1);
 * @done runs for every chain that ends, in interrupt context or in the
 * thread that failed the device. 0 or a negative errno.
 */
int virtio_queue_init(struct virtio_dev *dev, struct virtio_queue *q, uint16_t index,
		      uint16_t max_size, virtq_done_fn done);
void virtio_start(struct virtio_dev *dev);
/* Marks the device FAILED (after a setup error). */
void virtio_fail(struct virtio_dev *dev);
/*
 * A driver's setup of @dev (begun with virtio_pci_probe()) failed with
 * @err: says so, naming @driver and the slot, and marks the device FAILED
 * if its registers were found. The driver then frees what it allocated.
 */
void virtio_setup_failed(struct virtio_dev *dev, const char *driver, int err);

/*
 * Adds a chain of @n buffers, device-readable ones first, and notifies the
 * device. Blocks while the queue has fewer than @n free descriptors, until
 * monotonic time @deadline_ns (0: none). Returns 0, -EINVAL (see
 * virtq_add()), -ETIMEDOUT, or -EIO once the device has failed. Thread
 * context; call with interrupts off (the queue's lock), and keep them off
 * until the chain's cookie is no longer referenced, or a completion may run
 * before the caller waits for it.
 */
int virtio_queue_add(struct virtio_queue *q, const struct virtq_buf *bufs, unsigned n, void *cookie,
		     uint64_t deadline_ns);
/* Collects finished chains (from the MSI-X handler, or by polling). Interrupts off. */
void virtio_queue_collect(struct virtio_queue *q);
/*
 * Gives up on @q's device because of @why (a constant string): the failure
 * policy above. Idempotent. Interrupts off.
 */
void virtio_queue_break(struct virtio_queue *q, const char *why);

/*
 * Calls @probe for every virtio device of @type (5.x of the spec), the
 * transitional ones (their own PCI id, @transitional_id) first, then the
 * modern-only ones (0x1040 + @type). As pci_for_each().
 */
int virtio_pci_for_each(uint16_t transitional_id, uint16_t type,
			int (*probe)(const struct pci_dev *pci, void *arg), void *arg);

/* The next free interrupt vector for a device (0x40 upwards), with its handler. */
uint8_t kvm_irq_alloc(void (*handler)(void *arg), void *arg);

#endif
