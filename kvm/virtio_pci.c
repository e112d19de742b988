// SPDX-License-Identifier: MIT
/*
 * Virtio 1.x PCI transport and split virtqueues (see kvm/virtio.h).
 *
 * The device's structures are found through vendor capabilities in config
 * space (common, notify, ISR, device config), each a window into a memory
 * BAR. Queues are one contiguous allocation: descriptor table, available
 * ring, then the used ring on its own page. Interrupts are MSI-X, one vector
 * per queue, so the handler needs no ISR read.
 */
#include <ember/arch.h>
#include <ember/errno.h>
#include <ember/heap.h>
#include <ember/page_alloc.h>
#include <ember/printk.h>
#include <ember/string.h>
#include <arch/trap.h>
#include "kvm.h"
#include "virtio.h"

/* virtio_pci_cap.cfg_type */
#define CFG_COMMON 1
#define CFG_NOTIFY 2
#define CFG_ISR	   3
#define CFG_DEVICE 4

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

/* ---- device ---- */

static volatile uint8_t *cap_window(const struct pci_dev *pci, unsigned cap)
{
	uint8_t bar = pci_read8(pci, cap + 4);
	uint32_t off = pci_read32(pci, cap + 8);
	if (bar > 5)
		return NULL;
	uintptr_t base = pci_map_bar(pci, bar);
	return base ? (volatile uint8_t *)(base + off) : NULL;
}

int virtio_pci_probe(struct virtio_dev *dev, const struct pci_dev *pci)
{
	memset(dev, 0, sizeof(*dev));
	dev->pci = *pci;
	for (unsigned cap = pci_find_cap(pci, PCI_CAP_VENDOR, 0); cap;
	     cap = pci_find_cap(pci, PCI_CAP_VENDOR, cap)) {
		uint8_t type = pci_read8(pci, cap + 3);
		volatile uint8_t **slot = type == CFG_COMMON   ? &dev->common
					  : type == CFG_NOTIFY ? &dev->notify_base
					  : type == CFG_ISR    ? &dev->isr
					  : type == CFG_DEVICE ? &dev->device_cfg
							       : NULL;
		if (!slot || *slot)
			continue; /* the first of each kind is the preferred one */
		*slot = cap_window(pci, cap);
		if (type == CFG_NOTIFY)
			dev->notify_mult = pci_read32(pci, cap + 16);
	}
	if (!dev->common || !dev->notify_base || !dev->device_cfg) {
		printk("virtio: %02x.%x: not a virtio 1.x device (capabilities missing)\n",
		       pci->slot, pci->func);
		return -ENODEV;
	}
	R8(dev->common, C_STATUS) = 0; /* reset */
	while (R8(dev->common, C_STATUS))
		;
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

/* ---- queues ---- */

static void queue_irq(void *arg)
{
	struct virtq *q = arg;
	q->interrupts++;
	virtq_collect(q);
}

int virtio_queue_init(struct virtio_dev *dev, struct virtq *q, uint16_t index, uint16_t max_size,
		      virtq_done_fn done)
{
	volatile uint8_t *c = dev->common;
	uint8_t vector = kvm_irq_alloc(queue_irq, q);
	uint16_t entry = (uint16_t)(index + 1); /* MSI-X entry 0 would be for config changes */
	if (!vector)
		return -EBUSY;
	int err = pci_msix_route(&dev->pci, entry, vector);
	if (err)
		return err;
	R16(c, C_MSIX) = VIRTIO_MSI_NO_VECTOR;
	R16(c, C_Q_SELECT) = index;
	uint16_t size = R16(c, C_Q_SIZE);
	if (!size)
		return -ENODEV;
	while (size > max_size)
		size /= 2; /* sizes are powers of two */
	size_t desc_bytes = 16ul * size, avail_bytes = 6 + 2ul * size;
	size_t ring_bytes = ALIGN_UP(desc_bytes + avail_bytes, PAGE_SIZE);
	size_t total = ring_bytes + ALIGN_UP(6 + 8ul * size, PAGE_SIZE);
	unsigned order = page_order_for(total);
	uint8_t *mem = page_alloc(order);
	q->cookies = calloc(size, sizeof(void *));
	if (!mem || !q->cookies) {
		if (mem)
			page_free(mem, order);
		free(q->cookies);
		return -ENOMEM;
	}
	memset(mem, 0, total);
	q->dev = dev;
	q->index = index;
	q->size = size;
	q->desc = (struct vring_desc *)mem;
	q->avail = (volatile uint16_t *)(mem + desc_bytes);
	q->used = mem + ring_bytes;
	q->done = done;
	q->num_free = size;
	q->free_head = 0;
	for (uint16_t i = 0; i < size; i++)
		q->desc[i].next = (uint16_t)(i + 1);
	waitq_init(&q->space);

	R16(c, C_Q_SIZE) = size;
	W64(c, C_Q_DESC, (uintptr_t)q->desc);
	W64(c, C_Q_AVAIL, (uintptr_t)q->avail);
	W64(c, C_Q_USED, (uintptr_t)q->used);
	R16(c, C_Q_MSIX) = entry;
	if (R16(c, C_Q_MSIX) != entry)
		return -EIO; /* the device could not take the vector */
	q->notify = (volatile uint16_t *)(dev->notify_base + R16(c, C_Q_NOFF) * dev->notify_mult);
	R16(c, C_Q_ENABLE) = 1;
	return 0;
}

int virtq_add(struct virtq *q, const struct virtq_buf *bufs, unsigned n, void *cookie)
{
	if (n == 0 || n > q->size)
		return -EINVAL;
	unsigned long flags = arch_irq_save();
	while (q->num_free < n)
		waitq_wait(&q->space, 0);
	uint16_t head = q->free_head, i = head, last = head;
	for (unsigned k = 0; k < n; k++) {
		struct vring_desc *d = &q->desc[i];
		d->addr = (uintptr_t)bufs[k].addr;
		d->len = bufs[k].len;
		d->flags = (uint16_t)((bufs[k].device_writes ? VRING_DESC_F_WRITE : 0) |
				      (k + 1 < n ? VRING_DESC_F_NEXT : 0));
		last = i;
		i = d->next;
	}
	q->free_head = q->desc[last].next;
	q->num_free = (uint16_t)(q->num_free - n);
	q->cookies[head] = cookie;
	uint16_t idx = q->avail[1];
	q->avail[2 + (idx & (q->size - 1))] = head;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	q->avail[1] = (uint16_t)(idx + 1);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	*q->notify = q->index;
	q->notifies++;
	arch_irq_restore(flags);
	return 0;
}

void virtq_collect(struct virtq *q)
{
	unsigned long flags = arch_irq_save();
	volatile uint16_t *used_idx = (volatile uint16_t *)(q->used + 2);
	while (q->last_used != *used_idx) {
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		volatile uint8_t *e = q->used + 4 + 8ul * (q->last_used & (q->size - 1));
		uint32_t id = *(volatile uint32_t *)e, len = *(volatile uint32_t *)(e + 4);
		q->last_used++;
		if (id >= q->size || !q->cookies[id]) {
			printk("virtio: queue %u: device returned bad descriptor %u\n", q->index,
			       id);
			continue;
		}
		void *cookie = q->cookies[id];
		q->cookies[id] = NULL;
		/* Return the chain to the free list. */
		uint16_t i = (uint16_t)id, n = 1;
		while (q->desc[i].flags & VRING_DESC_F_NEXT) {
			i = q->desc[i].next;
			n++;
		}
		q->desc[i].next = q->free_head;
		q->free_head = (uint16_t)id;
		q->num_free = (uint16_t)(q->num_free + n);
		q->done(q, cookie, len);
	}
	waitq_wake_all(&q->space);
	arch_irq_restore(flags);
}
