/* SPDX-License-Identifier: MIT */
/*
 * The physical memory map: which ranges are usable RAM. The platform fills it
 * from its boot information (hvm_start_info, Xen start_info); the kernel then
 * carves out what is already in use (the image, boot structures, page 0) and
 * hands the rest to the page allocator. Pure code, unit-tested on the host.
 */
#ifndef EMBER_MEMMAP_H
#define EMBER_MEMMAP_H

#include <ember/compiler.h>

#define MEMMAP_MAX	 32
#define MEMMAP_FIXED_MAX 8

struct mem_region {
	uint64_t base;
	uint64_t size;
};

struct memmap {
	unsigned count;
	struct mem_region ram[MEMMAP_MAX];
	/* Pages the platform uses in place (console and xenstore rings):
	 * mapped read/write like RAM, never given to the allocator. */
	unsigned nfixed;
	struct mem_region fixed[MEMMAP_FIXED_MAX];
};

/* Adds the RAM range [base, base+size); -E2BIG when the map is full. */
int memmap_add(struct memmap *m, uint64_t base, uint64_t size);

/* Adds a fixed (mapped, never allocated) range; -E2BIG when full. */
int memmap_add_fixed(struct memmap *m, uint64_t base, uint64_t size);

/*
 * Sorts the regions, merges overlapping or adjacent ones and trims each to
 * whole pages. Empty regions disappear.
 */
void memmap_normalize(struct memmap *m);

/* Removes [base, base+size) from the RAM ranges (splitting as needed). */
int memmap_reserve(struct memmap *m, uint64_t base, uint64_t size);

/* Total bytes of RAM in the map. */
uint64_t memmap_total(const struct memmap *m);

#endif
