// SPDX-License-Identifier: MIT
/*
 * PCI configuration space, BAR mapping and MSI-X routing (see kvm/pci.h).
 *
 * BARs: SeaBIOS assigns them, qboot (the fast firmware Ember's QEMU runner
 * prefers) does not. An unassigned 32- or 64-bit memory BAR gets the next
 * naturally aligned address from a window at 0xe0000000, inside the PCI hole
 * below 4 GiB of both pc and q35 for guests of up to 3.5 GiB.
 */
#include <ember/arch.h>
#include <ember/errno.h>
#include <ember/printk.h>
#include <arch/x86.h>
#include "pci.h"

#define PCI_ADDR_PORT	0xcf8
#define PCI_DATA_PORT	0xcfc
#define PCI_COMMAND	0x04
#define PCI_STATUS	0x06
#define PCI_BAR0	0x10
#define PCI_CAP_PTR	0x34
#define PCI_CMD_MEM	0x2
#define PCI_CMD_MASTER	0x4
#define PCI_STATUS_CAPS 0x10

#define BAR_WINDOW_BASE 0xe0000000ul
#define BAR_WINDOW_END	0xfe000000ul
#define MSI_ADDR	0xfee00000u
#define MSIX_CAP_LEN	12

static uintptr_t bar_next = BAR_WINDOW_BASE;

static void select(const struct pci_dev *d, unsigned off)
{
	outl(PCI_ADDR_PORT, 0x80000000u | (uint32_t)d->bus << 16 | (uint32_t)d->slot << 11 |
				    (uint32_t)d->func << 8 | (off & 0xfc));
}

uint32_t pci_read32(const struct pci_dev *d, unsigned off)
{
	select(d, off);
	return inl(PCI_DATA_PORT);
}

uint16_t pci_read16(const struct pci_dev *d, unsigned off)
{
	return (uint16_t)(pci_read32(d, off) >> (8 * (off & 2)));
}

uint8_t pci_read8(const struct pci_dev *d, unsigned off)
{
	return (uint8_t)(pci_read32(d, off) >> (8 * (off & 3)));
}

void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v)
{
	select(d, off);
	outl(PCI_DATA_PORT, v);
}

void pci_write16(const struct pci_dev *d, unsigned off, uint16_t v)
{
	uint32_t old = pci_read32(d, off & ~3u);
	unsigned shift = 8 * (off & 2);
	pci_write32(d, off & ~3u, (old & ~(0xffffu << shift)) | (uint32_t)v << shift);
}

int pci_for_each(uint16_t vendor, uint16_t dev_lo, uint16_t dev_hi,
		 int (*fn)(const struct pci_dev *d, void *arg), void *arg)
{
	for (unsigned slot = 0; slot < 32; slot++) {
		for (unsigned func = 0; func < 8; func++) {
			struct pci_dev d = { 0, (uint8_t)slot, (uint8_t)func, 0, 0 };
			uint32_t id = pci_read32(&d, 0);
			if ((id & 0xffff) == 0xffff) {
				if (func == 0)
					break; /* no device in this slot */
				continue;
			}
			d.vendor = (uint16_t)id;
			d.device = (uint16_t)(id >> 16);
			if (d.vendor == vendor && d.device >= dev_lo && d.device <= dev_hi) {
				int r = fn(&d, arg);
				if (r)
					return r;
			}
			if (func == 0 && !(pci_read8(&d, 0x0e) & 0x80))
				break; /* single-function device */
		}
	}
	return 0;
}

void pci_config_read(const struct pci_dev *d, uint8_t cfg[PCI_CONFIG_SIZE])
{
	for (unsigned off = 0; off < PCI_CONFIG_SIZE; off += 4) {
		uint32_t v = pci_read32(d, off);
		for (unsigned i = 0; i < 4; i++)
			cfg[off + i] = (uint8_t)(v >> (8 * i));
	}
}

unsigned pci_find_cap(const struct pci_dev *d, uint8_t id, unsigned body_len)
{
	uint8_t cfg[PCI_CONFIG_SIZE], off;
	pci_config_read(d, cfg);
	return pci_cap_list(cfg, id, body_len, &off, 1) ? off : 0;
}

/* Size of a memory BAR, probed by writing all ones (decoding is off meanwhile). */
static uint64_t bar_size(const struct pci_dev *d, unsigned reg, bool is64)
{
	uint32_t lo = pci_read32(d, reg), hi = is64 ? pci_read32(d, reg + 4) : 0;
	pci_write32(d, reg, 0xffffffffu);
	uint64_t mask = pci_read32(d, reg) & ~0xfull;
	if (is64) {
		pci_write32(d, reg + 4, 0xffffffffu);
		mask |= (uint64_t)pci_read32(d, reg + 4) << 32;
		pci_write32(d, reg + 4, hi);
	} else {
		mask |= 0xffffffff00000000ull;
	}
	pci_write32(d, reg, lo);
	return mask ? ~mask + 1 : 0;
}

uintptr_t pci_map_bar(const struct pci_dev *d, unsigned bar, uint64_t *size_out)
{
	unsigned reg = PCI_BAR0 + 4 * bar;
	uint32_t lo = pci_read32(d, reg);
	if (bar > 5 || (lo & 1))
		return 0; /* an I/O BAR */
	bool is64 = ((lo >> 1) & 3) == 2;
	if (is64 && bar == 5)
		return 0; /* its upper half would be past the BARs */
	uint64_t addr = (lo & ~0xfull) | (is64 ? (uint64_t)pci_read32(d, reg + 4) << 32 : 0);
	uint16_t cmd = pci_read16(d, PCI_COMMAND);
	pci_write16(d, PCI_COMMAND, cmd & (uint16_t)~PCI_CMD_MEM);
	uint64_t size = bar_size(d, reg, is64);
	if (!size || size > PCI_BAR_SIZE_MAX || (size & (size - 1)) || addr + size < addr) {
		printk("pci: %02x.%x: BAR%u of %llu bytes at %#llx refused\n", d->slot, d->func,
		       bar, (unsigned long long)size, (unsigned long long)addr);
		pci_write16(d, PCI_COMMAND, cmd);
		return 0;
	}
	if (!addr) {
		addr = ALIGN_UP(bar_next, size < 4096 ? 4096 : size);
		if (addr + size > BAR_WINDOW_END) {
			printk("pci: %02x.%x: no room for BAR%u (%lu bytes)\n", d->slot, d->func,
			       bar, (unsigned long)size);
			return 0;
		}
		bar_next = addr + size;
		pci_write32(d, reg, (uint32_t)addr);
		if (is64)
			pci_write32(d, reg + 4, (uint32_t)(addr >> 32));
	}
	pci_write16(d, PCI_COMMAND, cmd | PCI_CMD_MEM | PCI_CMD_MASTER);
	if (arch_mmu_map_mmio((uintptr_t)addr, ALIGN_UP(size, 4096)))
		return 0;
	*size_out = size;
	return (uintptr_t)addr;
}

int pci_msix_route(const struct pci_dev *d, unsigned entry, uint8_t vector)
{
	unsigned cap = pci_find_cap(d, PCI_CAP_MSIX, MSIX_CAP_LEN);
	if (!cap)
		return -ENODEV;
	uint16_t ctrl = pci_read16(d, cap + 2);
	if (entry > (ctrl & 0x7ffu))
		return -EINVAL;
	uint32_t table = pci_read32(d, cap + 4);
	uint64_t size = 0;
	uintptr_t base = pci_map_bar(d, table & 7, &size);
	if (!base)
		return -ENODEV;
	if ((table & ~7u) + 16ull * ((ctrl & 0x7ffu) + 1) > size) {
		printk("pci: %02x.%x: MSI-X table at %#x past its BAR of %llu bytes\n", d->slot,
		       d->func, table & ~7u, (unsigned long long)size);
		return -ERANGE;
	}
	volatile uint32_t *e = (volatile uint32_t *)(base + (table & ~7u) + 16 * entry);
	e[0] = MSI_ADDR; /* destination: APIC id 0, the boot CPU */
	e[1] = 0;
	e[2] = vector;							  /* fixed delivery, edge */
	e[3] = 0;							  /* unmasked */
	pci_write16(d, cap + 2, (uint16_t)((ctrl | 0x8000u) & ~0x4000u)); /* enable, unmask all */
	return 0;
}
