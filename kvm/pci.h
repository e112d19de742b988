/* SPDX-License-Identifier: MIT */
/*
 * PCI on the kvm platform: configuration space through the legacy 0xcf8
 * ports, bus 0 only (QEMU's pc and q35 machines put plugged devices there),
 * memory BARs assigned by us when the firmware left them unassigned (qboot
 * does not assign them), and MSI-X vectors routed to the boot CPU's APIC.
 *
 * The device is not trusted: capabilities are walked over a copy of config
 * space read once (pci_config_read(), then the pure kvm/pci_cap.c), and
 * every window into a BAR (a virtio structure, the MSI-X table) is checked
 * against the BAR's size before it is used.
 */
#ifndef KVM_PCI_H
#define KVM_PCI_H

#include <ember/compiler.h>
#include <stdbool.h>
#include <stdint.h>

struct pci_dev {
	uint8_t bus, slot, func;
	uint16_t vendor, device;
};

#define PCI_CAP_MSIX   0x11
#define PCI_CAP_VENDOR 0x09

#define PCI_CONFIG_SIZE 256 /* the conventional config space */
#define PCI_CAP_MAX	48  /* capabilities that fit in it: (256 - 0x40) / 4 */

uint32_t pci_read32(const struct pci_dev *d, unsigned off);
uint16_t pci_read16(const struct pci_dev *d, unsigned off);
uint8_t pci_read8(const struct pci_dev *d, unsigned off);
void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v);
void pci_write16(const struct pci_dev *d, unsigned off, uint16_t v);

/*
 * Calls @fn for every function on bus 0 with vendor @vendor whose device id
 * is in [@dev_lo, @dev_hi]; stops early if @fn returns nonzero.
 */
int pci_for_each(uint16_t vendor, uint16_t dev_lo, uint16_t dev_hi,
		 int (*fn)(const struct pci_dev *d, void *arg), void *arg);

/* Copies @d's conventional config space into @cfg (64 dword reads). */
void pci_config_read(const struct pci_dev *d, uint8_t cfg[PCI_CONFIG_SIZE]);

/*
 * Pure (kvm/pci_cap.c). Stores in @offs (room for @max) the config-space
 * offsets of the capabilities with id @id, in list order, whose first
 * @body_len bytes fit in config space; returns how many. The walk stops at
 * the end of the list, at an offset inside the header, at an offset seen
 * before (a loop) and after PCI_CAP_MAX steps.
 */
unsigned pci_cap_list(const uint8_t cfg[PCI_CONFIG_SIZE], uint8_t id, unsigned body_len,
		      uint8_t *offs, unsigned max);

/* Config-space offset of the first capability @id (at least @body_len bytes), or 0. */
unsigned pci_find_cap(const struct pci_dev *d, uint8_t id, unsigned body_len);

/*
 * Maps memory BAR @bar (assigning it an address first if it has none),
 * enables memory decoding and bus mastering; returns its address, with its
 * size in *@size, or 0 (an I/O BAR, a 64-bit BAR in the last slot, a size
 * of 0 or above PCI_BAR_SIZE_MAX, no room to assign it).
 */
uintptr_t pci_map_bar(const struct pci_dev *d, unsigned bar, uint64_t *size);
#define PCI_BAR_SIZE_MAX (256ull << 20)

/*
 * Enables MSI-X on @d with table entry @entry delivering vector @vector to
 * the boot CPU (other entries stay masked). 0 or a negative errno.
 */
int pci_msix_route(const struct pci_dev *d, unsigned entry, uint8_t vector);

/* ---- virtio's vendor capabilities (virtio 1.x, 4.1.4), pure (kvm/pci_cap.c) ---- */

#define VIRTIO_CAP_COMMON     1
#define VIRTIO_CAP_NOTIFY     2
#define VIRTIO_CAP_ISR	      3
#define VIRTIO_CAP_DEVICE     4
#define VIRTIO_CAP_LEN	      16 /* struct virtio_pci_cap */
#define VIRTIO_CAP_NOTIFY_LEN 20 /* struct virtio_pci_notify_cap */

/* A window into a BAR, as one capability describes it. */
struct virtio_cap {
	uint8_t type, bar;
	uint32_t offset, length;
	uint32_t notify_mult; /* VIRTIO_CAP_NOTIFY only */
};

/*
 * Decodes the virtio capability at @off of @cfg into @cap. 0, or -EINVAL
 * when it does not fit in config space, its cap_len is too short for its
 * type, or it names a BAR above 5.
 */
int virtio_cap_decode(const uint8_t cfg[PCI_CONFIG_SIZE], unsigned off, struct virtio_cap *cap);

/*
 * Checks that @cap is at least @min_len bytes and lies inside a BAR of
 * @bar_size bytes: 0, -EINVAL (too short) or -ERANGE (past the BAR).
 */
int virtio_cap_check(const struct virtio_cap *cap, uint64_t bar_size, uint32_t min_len);

#endif
