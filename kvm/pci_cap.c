// SPDX-License-Identifier: MIT
/*
 * PCI capabilities, the pure part (see kvm/pci.h): the capability list walk
 * and the decoding of virtio's vendor capabilities, over a copy of config
 * space read once (pci_config_read()), so a host test can feed them any
 * bytes.
 *
 * Config space comes from the device. The list walk never leaves the 256
 * bytes, never visits an offset twice (a list that loops ends where it
 * loops) and never takes more than PCI_CAP_MAX steps; a capability whose
 * body would run past the end of config space is not returned. A virtio
 * window is believed only after virtio_cap_check() has put it inside the
 * BAR it names.
 */
#include <ember/errno.h>
#include "pci.h"

#define PCI_STATUS	0x06
#define PCI_CAP_PTR	0x34
#define PCI_STATUS_CAPS 0x10
#define PCI_CAP_FIRST	0x40 /* capabilities live after the standard header */

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

unsigned pci_cap_list(const uint8_t cfg[PCI_CONFIG_SIZE], uint8_t id, unsigned body_len,
		      uint8_t *offs, unsigned max)
{
	if (!(cfg[PCI_STATUS] & PCI_STATUS_CAPS))
		return 0;
	uint64_t seen = 0; /* one bit per dword of the capability area */
	unsigned n = 0, off = cfg[PCI_CAP_PTR];
	for (unsigned steps = 0; steps < PCI_CAP_MAX && n < max; steps++) {
		off &= 0xfc; /* the low two bits are reserved */
		if (off < PCI_CAP_FIRST)
			break; /* 0 ends the list; the header is no capability */
		uint64_t bit = 1ull << ((off - PCI_CAP_FIRST) / 4);
		if (seen & bit)
			break; /* the list loops */
		seen |= bit;
		if (cfg[off] == id && off + body_len <= PCI_CONFIG_SIZE)
			offs[n++] = (uint8_t)off;
		off = cfg[off + 1];
	}
	return n;
}

int virtio_cap_decode(const uint8_t cfg[PCI_CONFIG_SIZE], unsigned off, struct virtio_cap *cap)
{
	if (off < PCI_CAP_FIRST || off + VIRTIO_CAP_LEN > PCI_CONFIG_SIZE)
		return -EINVAL;
	const uint8_t *c = cfg + off;
	*cap = (struct virtio_cap){
		.type = c[3], .bar = c[4], .offset = le32(c + 8), .length = le32(c + 12)
	};
	unsigned need = cap->type == VIRTIO_CAP_NOTIFY ? VIRTIO_CAP_NOTIFY_LEN : VIRTIO_CAP_LEN;
	if (c[2] < need || off + need > PCI_CONFIG_SIZE || cap->bar > 5)
		return -EINVAL;
	if (cap->type == VIRTIO_CAP_NOTIFY)
		cap->notify_mult = le32(c + 16);
	return 0;
}

int virtio_cap_check(const struct virtio_cap *cap, uint64_t bar_size, uint32_t min_len)
{
	if (cap->length < min_len)
		return -EINVAL;
	if ((uint64_t)cap->offset + cap->length > bar_size)
		return -ERANGE;
	return 0;
}
