/* SPDX-License-Identifier: MIT */
/*
 * PCI on the kvm platform: configuration space through the legacy 0xcf8
 * ports, bus 0 only (QEMU's pc and q35 machines put plugged devices there),
 * memory BARs assigned by us when the firmware left them unassigned (qboot
 * does not assign them), and MSI-X vectors routed to the boot CPU's APIC.
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

/* Config-space offset of the next capability @id after @from (0: from the start), or 0. */
unsigned pci_find_cap(const struct pci_dev *d, uint8_t id, unsigned from);

/*
 * Maps memory BAR @bar (assigning it an address first if it has none),
 * enables memory decoding and bus mastering; returns its address or 0.
 */
uintptr_t pci_map_bar(const struct pci_dev *d, unsigned bar);

/*
 * Enables MSI-X on @d with table entry @entry delivering vector @vector to
 * the boot CPU (other entries stay masked). 0 or a negative errno.
 */
int pci_msix_route(const struct pci_dev *d, unsigned entry, uint8_t vector);

#endif
