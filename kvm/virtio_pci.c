// SPDX-License-Identifier: MIT
/*
 * Virtio 1.x PCI transport: the glue between the pure virtqueues of
 * kvm/virtq.c and PCI, interrupts and threads (see kvm/virtio.h, whose
 * failure policy this implements).
 *
 * The device's structures are found through vendor capabilities in config
 * space (common, notify, ISR, device config), each a window into a memory
 * BAR that must lie inside it. Queues are one contiguous allocation:
 * descriptor table, available ring, then the used ring on its own page.
 * Interrupts are MSI-X, one vector per queue, so the handler needs no ISR
 * read. Everything that touches a queue runs with interrupts off (the boot
 * CPU is the only one).
 */
#include <ember/arch.h>
#include <ember/errno.h>
#include <ember/heap.h>
#include <ember/page_alloc.h>
#include <ember/printk.h>
#include <ember/string.h>
#include <ember/time.h>
#include <arch/trap.h>
#include <arch/x86.h>
#include "kvm.h"
#include "virtio.h"

/* struct virtio_pci_common_cfg offsets */
#define C_DFSELECT	     0x00
#define C_DF		     0x04
#define C_GFSELECT	     0x08
#define C_GF		     0x0c
#define C_MSIX		     0x10
#define C_NUMQ		     0x12
#define C_STATUS	     0x14
#define C_Q_SELECT	     0x16
#define C_Q_SIZE	     0x18
#define C_Q_MSIX	     0x1a
#define C_Q_ENABLE	     0x1c
#define C_Q_NOFF	     0x1e
#define C_Q_DESC	     0x20
#define C_Q_AVAIL	     0x28
#define C_Q_USED	     0x30
#define C_LEN		     0x38 /* struct virtio_pci_common_cfg */
#define VIRTIO_MSI_NO_VECTOR 0xffff

#define S_ACK	      1
#define S_DRIVER      2
#define S_DRIVER_OK   4
#define S_FEATURES_OK 8
#define S_FAILED      128

#define R8(p, o)  (*(volatile uint8_t *)((p) + (o)))
#define R16(p, o) (*(volatile uint16_t *)((p) + (o)))
#define R32(p, o) (*(volatile uint32_t *)((p) + (o)))
#define W64(p, o, v)                                               \
	do {                                                       \
		R32(p, o) = (uint32_t)(v);                         \
		R32(p, (o) + 4) = (uint32_t)((uint64_t)(v) >> 32); \
	} while (0)

/* ---- interrupt vectors ---- */

#define VEC_DEVICE_FIRST 0x40
#define VEC_DEVICE_LAST	 0xdf

static struct {
	void (*fn)(void *);
	void *arg;
} vec_handlers[VEC_DEVICE_LAST - VEC_DEVICE_FIRST + 1];
static unsigned vec_next;

static void device_irq(struct trap_frame *f)
{
	unsigned i = (unsigned)f->vector - VEC_DEVICE_FIRST;
	kvm_apic_eoi();
	if (i < ARRAY_SIZE(vec_handlers) && vec_handlers[i].fn)
		vec_handlers[i].fn(vec_handlers[i].arg);
}

uint8_t kvm_irq_alloc(void (*handler)(void *arg), void *arg)
{
	if (vec_next >= ARRAY_SIZE(vec_handlers))
		return 0;
	unsigned i = vec_next++;
	vec_handlers[i].fn = handler;
	vec_handlers[i].arg = arg;
	arch_irq_set_handler(VEC_DEVICE_FIRST + i, device_irq);
	return (uint8_t)(VEC_DEVICE_FIRST + i);
}

/* Stops calling a vector's handler (its owner is going away); the vector is not reused. */
static void kvm_irq_release(uint8_t vector)
{
	vec_handlers[vector - VEC_DEVICE_FIRST].fn = NULL;
}

/* ---- device ---- */

/* Maps the window @cap describes into *@win, if it lies inside its BAR. */
static int map_window(struct virtio_dev *dev, const struct virtio_cap *cap, uint32_t min_len,
		      volatile uint8_t **win)
{
	uint64_t size = 0;
	uintptr_t base = pci_map_bar(&dev->pci, cap->bar, &size);
	if (!base)
		return -ENODEV;
	int err = virtio_cap_check(cap, size, min_len);
	if (err) {
		printk("virtio: %02x.%x: capability type %u (BAR%u +%#x, %u bytes) does not fit "
		       "its BAR of %llu bytes; ignored\n",
		       dev->pci.slot, dev->pci.func, cap->type, cap->bar, cap->offset, cap->length,
		       (unsigned long long)size);
		return err;
	}
	*win = (volatile uint8_t *)(base + cap->offset);
	return 0;
}

/* Finds the first usable capability of each kind. */
static void find_windows(struct virtio_dev *dev)
{
	uint8_t cfg[PCI_CONFIG_SIZE], offs[PCI_CAP_MAX];
	pci_config_read(&dev->pci, cfg);
	unsigned n = pci_cap_list(cfg, PCI_CAP_VENDOR, VIRTIO_CAP_LEN, offs, PCI_CAP_MAX);
	for (unsigned i = 0; i < n; i++) {
		struct virtio_cap cap;
		if (virtio_cap_decode(cfg, offs[i], &cap))
			continue;
		volatile uint8_t **win = cap.type == VIRTIO_CAP_COMMON	 ? &dev->common
					 : cap.type == VIRTIO_CAP_NOTIFY ? &dev->notify_base
					 : cap.type == VIRTIO_CAP_ISR	 ? &dev->isr
					 : cap.type == VIRTIO_CAP_DEVICE ? &dev->device_cfg
									 : NULL;
		uint32_t min_len = cap.type == VIRTIO_CAP_COMMON   ? C_LEN
				   : cap.type == VIRTIO_CAP_NOTIFY ? 2
				   : cap.type == VIRTIO_CAP_ISR	   ? 1
								   : 0;
		if (!win || *win || map_window(dev, &cap, min_len, win))
			continue; /* the first usable one of each kind is the preferred one */
		if (cap.type == VIRTIO_CAP_NOTIFY) {
			dev->notify_len = cap.length;
			dev->notify_mult = cap.notify_mult;
		} else if (cap.type == VIRTIO_CAP_DEVICE) {
			dev->device_cfg_len = cap.length;
		}
	}
}

/* Resets the device: writes status 0 and waits until it reads back 0. */
static int reset(struct virtio_dev *dev)
{
	R8(dev->common, C_STATUS) = 0;
	uint64_t deadline = time_now_ns() + VIRTIO_RESET_TIMEOUT_NS;
	uint8_t status;
	while ((status = R8(dev->common, C_STATUS)) != 0) {
		if (time_now_ns() > deadline) {
			printk("virtio: %02x.%x: device still reads status %#x 1 s after a reset\n",
			       dev->pci.slot, dev->pci.func, status);
			return -ETIMEDOUT;
		}
		cpu_relax();
	}
	return 0;
}

int virtio_pci_probe(struct virtio_dev *dev, const struct pci_dev *pci)
{
	memset(dev, 0, sizeof(*dev));
	dev->pci = *pci;
	find_windows(dev);
	if (!dev->common || !dev->notify_base || !dev->device_cfg) {
		printk("virtio: %02x.%x: not a virtio 1.x device (capabilities missing)\n",
		       pci->slot, pci->func);
		return -ENODEV;
	}
	int err = reset(dev);
	if (err)
		return err;
	R8(dev->common, C_STATUS) = S_ACK | S_DRIVER;
	return 0;
}

uint64_t virtio_negotiate(struct virtio_dev *dev, uint64_t wanted)
{
	uint64_t offered = 0;
	for (uint32_t half = 0; half < 2; half++) {
		R32(dev->common, C_DFSELECT) = half;
		offered |= (uint64_t)R32(dev->common, C_DF) << (32 * half);
	}
	uint64_t accepted = offered & wanted;
	if (!(accepted & (1ull << VIRTIO_F_VERSION_1)))
		return 0;
	for (uint32_t half = 0; half < 2; half++) {
		R32(dev->common, C_GFSELECT) = half;
		R32(dev->common, C_GF) = (uint32_t)(accepted >> (32 * half));
	}
	R8(dev->common, C_STATUS) |= S_FEATURES_OK;
	if (!(R8(dev->common, C_STATUS) & S_FEATURES_OK))
		return 0;
	return accepted;
}

void virtio_start(struct virtio_dev *dev)
{
	R8(dev->common, C_STATUS) |= S_DRIVER_OK;
}

void virtio_fail(struct virtio_dev *dev)
{
	R8(dev->common, C_STATUS) |= S_FAILED;
}

void virtio_setup_failed(struct virtio_dev *dev, const char *driver, int err)
{
	printk("%s: %02x.%x: setup failed (%d)\n", driver, dev->pci.slot, dev->pci.func, err);
	if (dev->common)
		virtio_fail(dev);
}

/*
 * The failure policy (kvm/virtio.h): once per device, say why, reset it,
 * mark it FAILED and end every outstanding chain of its queues with -EIO.
 */
static void device_fail(struct virtio_dev *dev, const struct virtio_queue *q, bool by_device)
{
	if (dev->failed)
		return;
	dev->failed = true;
	if (by_device)
		printk("virtio: %02x.%x: queue %u: %s (%u); device failed, requests end with "
		       "-EIO\n",
		       dev->pci.slot, dev->pci.func, q->index, q->vq.error, q->vq.error_value);
	else
		printk("virtio: %02x.%x: queue %u: %s; device failed, requests end with -EIO\n",
		       dev->pci.slot, dev->pci.func, q->index, q->vq.error);
	reset(dev); /* stops it using our memory; a device that will not reset is logged */
	R8(dev->common, C_STATUS) = S_FAILED;
	for (unsigned i = 0; i < VIRTIO_MAX_QUEUES; i++) {
		struct virtio_queue *each = dev->queues[i];
		if (!each)
			continue;
		virtq_break(&each->vq, "the device failed", 0);
		virtq_fail_all(&each->vq, each->done);
		waitq_wake_all(&each->space);
	}
}

void virtio_queue_break(struct virtio_queue *q, const char *why)
{
	virtq_break(&q->vq, why, 0); /* a no-op if the device broke it first */
	device_fail(q->dev, q, false);
}

/* ---- queues ---- */

static void queue_irq(void *arg)
{
	struct virtio_queue *q = arg;
	q->interrupts++;
	virtio_queue_collect(q);
}

/* Selects queue @index and chooses its size. */
static int queue_size(struct virtio_dev *dev, uint16_t index, uint16_t max_size, uint16_t *size)
{
	volatile uint8_t *c = dev->common;
	R16(c, C_Q_SELECT) = index;
	uint16_t offered = R16(c, C_Q_SIZE);
	int err = virtq_pick_size(offered, max_size, size);
	if (err)
		printk("virtio: %02x.%x: queue %u: size %u refused (not a power of two of at most "
		       "%u)\n",
		       dev->pci.slot, dev->pci.func, index, offered, VIRTQ_SIZE_MAX);
	return err;
}

/* The queue's notify address, if it lies inside the notify window. */
static int queue_notify(struct virtio_dev *dev, struct virtio_queue *q)
{
	uint16_t off = R16(dev->common, C_Q_NOFF);
	uint64_t at = (uint64_t)off * dev->notify_mult;
	if (at + sizeof(uint16_t) > dev->notify_len) {
		printk("virtio: %02x.%x: queue %u: notify offset %u x %u is past the %u-byte "
		       "window\n",
		       dev->pci.slot, dev->pci.func, q->index, off, dev->notify_mult,
		       dev->notify_len);
		return -ERANGE;
	}
	q->notify = (volatile uint16_t *)(dev->notify_base + at);
	return 0;
}

static int queue_alloc(struct virtio_queue *q, uint16_t size)
{
	size_t total = virtq_mem_bytes(size);
	unsigned order = page_order_for(total);
	uint8_t *mem = page_alloc(order);
	struct virtq_slot *slots = calloc(size, sizeof(*slots));
	if (!mem || !slots) {
		if (mem)
			page_free(mem, order);
		free(slots);
		return -ENOMEM;
	}
	memset(mem, 0, total);
	virtq_init(&q->vq, size, mem, slots);
	return 0;
}

static void queue_free(struct virtio_queue *q)
{
	page_free((void *)q->vq.desc, page_order_for(virtq_mem_bytes(q->vq.size)));
	free(q->vq.slots);
}

/* Gives the selected queue MSI-X table entry @index + 1 and its own vector. */
static int queue_route(struct virtio_dev *dev, struct virtio_queue *q)
{
	volatile uint8_t *c = dev->common;
	uint16_t entry = (uint16_t)(q->index + 1); /* entry 0 would be for config changes */
	uint8_t vector = kvm_irq_alloc(queue_irq, q);
	if (!vector)
		return -EBUSY;
	int err = pci_msix_route(&dev->pci, entry, vector);
	R16(c, C_Q_MSIX) = entry;
	if (!err && R16(c, C_Q_MSIX) != entry)
		err = -EIO; /* the device could not take the vector */
	if (err)
		kvm_irq_release(vector);
	return err;
}

int virtio_queue_init(struct virtio_dev *dev, struct virtio_queue *q, uint16_t index,
		      uint16_t max_size, virtq_done_fn done)
{
	volatile uint8_t *c = dev->common;
	uint16_t size;
	if (index >= VIRTIO_MAX_QUEUES || dev->queues[index])
		return -EINVAL;
	memset(q, 0, sizeof(*q));
	q->dev = dev;
	q->index = index;
	q->done = done;
	waitq_init(&q->space);
	R16(c, C_MSIX) = VIRTIO_MSI_NO_VECTOR;
	int err = queue_size(dev, index, max_size, &size);
	err = err ?: queue_notify(dev, q);
	err = err ?: queue_alloc(q, size);
	if (err)
		return err;
	err = queue_route(dev, q);
	if (err) {
		queue_free(q);
		return err;
	}
	R16(c, C_Q_SIZE) = size;
	W64(c, C_Q_DESC, (uintptr_t)q->vq.desc);
	W64(c, C_Q_AVAIL, (uintptr_t)q->vq.avail);
	W64(c, C_Q_USED, (uintptr_t)q->vq.used);
	dev->queues[index] = q;
	R16(c, C_Q_ENABLE) = 1;
	return 0;
}

static void notify_device(struct virtio_queue *q)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* the avail index before the notify */
	*q->notify = q->index;
	q->notifies++;
}

int virtio_queue_add(struct virtio_queue *q, const struct virtq_buf *bufs, unsigned n, void *cookie,
		     uint64_t deadline_ns)
{
	bool late = false;
	for (;;) {
		if (q->dev->failed)
			return -EIO;
		int err = virtq_add(&q->vq, bufs, n, cookie);
		if (!err)
			notify_device(q);
		if (err != -ENOSPC)
			return err;
		if (late)
			return -ETIMEDOUT;
		late = waitq_wait(&q->space, deadline_ns) == -ETIMEDOUT;
	}
}

void virtio_queue_collect(struct virtio_queue *q)
{
	if (q->dev->failed)
		return;
	if (virtq_collect(&q->vq, q->done) < 0)
		device_fail(q->dev, q, true);
	if (q->vq.clamped && !q->clamp_logged) {
		q->clamp_logged = true;
		printk("virtio: %02x.%x: queue %u: device reported more bytes than were posted "
		       "(clamped)\n",
		       q->dev->pci.slot, q->dev->pci.func, q->index);
	}
	waitq_wake_all(&q->space);
}

int virtio_pci_for_each(uint16_t transitional_id, uint16_t type,
			int (*probe)(const struct pci_dev *pci, void *arg), void *arg)
{
	uint16_t modern = (uint16_t)(VIRTIO_PCI_MODERN_BASE + type);
	int err = pci_for_each(VIRTIO_PCI_VENDOR, transitional_id, transitional_id, probe, arg);
	return err ?: pci_for_each(VIRTIO_PCI_VENDOR, modern, modern, probe, arg);
}
