// SPDX-License-Identifier: MIT
/*
 * Memory-map bookkeeping (see <ember/memmap.h>). Regions are kept as a small
 * array; every operation is O(n^2) at worst with n <= MEMMAP_MAX, which is
 * cheaper than anything cleverer at boot.
 */
#include <ember/memmap.h>
#include <ember/errno.h>

#define PAGE 4096ull

int memmap_add(struct memmap *m, uint64_t base, uint64_t size)
{
	if (base + size < base)
		size = ~0ull - base; /* clip at the top of the address space */
	if (!size)
		return 0;
	if (m->count == MEMMAP_MAX)
		return -E2BIG;
	m->ram[m->count++] = (struct mem_region){ base, size };
	return 0;
}

int memmap_add_fixed(struct memmap *m, uint64_t base, uint64_t size)
{
	if (m->nfixed == MEMMAP_FIXED_MAX)
		return -E2BIG;
	m->fixed[m->nfixed++] = (struct mem_region){ base, size };
	return 0;
}

static void memmap_sort(struct memmap *m)
{
	for (unsigned i = 1; i < m->count; i++) {
		struct mem_region r = m->ram[i];
		unsigned j = i;
		for (; j > 0 && m->ram[j - 1].base > r.base; j--)
			m->ram[j] = m->ram[j - 1];
		m->ram[j] = r;
	}
}

/* Last byte of a region, saturating (a region may run to the top of memory). */
static uint64_t region_last(const struct mem_region *r)
{
	return r->base + r->size - 1 < r->base ? ~0ull : r->base + r->size - 1;
}

void memmap_normalize(struct memmap *m)
{
	unsigned out = 0;
	memmap_sort(m);
	/* Merge overlapping or adjacent byte ranges first, then trim to pages. */
	for (unsigned i = 0; i < m->count; i++) {
		if (!m->ram[i].size)
			continue;
		uint64_t last = region_last(&m->ram[i]);
		struct mem_region *prev = out ? &m->ram[out - 1] : NULL;
		if (prev && m->ram[i].base <= region_last(prev) + 1 && region_last(prev) != ~0ull) {
			if (last > region_last(prev))
				prev->size = last - prev->base + 1;
			continue;
		}
		if (prev && region_last(prev) == ~0ull)
			continue; /* already covers everything above */
		m->ram[out++] = m->ram[i];
	}
	m->count = out;
	out = 0;
	for (unsigned i = 0; i < m->count; i++) {
		uint64_t last = region_last(&m->ram[i]);
		if (m->ram[i].base > ~0ull - (PAGE - 1))
			continue; /* starts in the last page: no whole page */
		uint64_t start = ALIGN_UP(m->ram[i].base, PAGE);
		uint64_t end_excl = last == ~0ull ? ~0ull - (PAGE - 1) : ALIGN_DOWN(last + 1, PAGE);
		if (end_excl > start)
			m->ram[out++] = (struct mem_region){ start, end_excl - start };
	}
	m->count = out;
}

int memmap_reserve(struct memmap *m, uint64_t base, uint64_t size)
{
	if (!size)
		return 0;
	uint64_t rstart = ALIGN_DOWN(base, PAGE);
	uint64_t rlast = base + size - 1 < base ? ~0ull : base + size - 1;
	/* Exclusive end rounded up to a page; the top page saturates to ~0. */
	uint64_t rend = rlast >= ~0ull - (PAGE - 1) ? ~0ull : ALIGN_UP(rlast + 1, PAGE);
	for (unsigned i = 0; i < m->count; i++) {
		struct mem_region *r = &m->ram[i];
		uint64_t start = r->base, end = region_last(r) == ~0ull ? ~0ull : r->base + r->size;
		if (rend <= start || rstart >= end)
			continue;
		if (rstart > start && rend < end) {
			/* The hole splits the region in two. */
			if (m->count == MEMMAP_MAX)
				return -E2BIG;
			for (unsigned j = m->count; j > i + 1; j--)
				m->ram[j] = m->ram[j - 1];
			m->count++;
			m->ram[i + 1] = (struct mem_region){ rend, end - rend };
			r->size = rstart - start;
			i++;
		} else if (rstart > start) {
			r->size = rstart - start;
		} else if (rend < end) {
			r->base = rend;
			r->size = end - rend;
		} else {
			r->size = 0;
		}
	}
	memmap_normalize(m);
	return 0;
}

uint64_t memmap_total(const struct memmap *m)
{
	uint64_t total = 0;
	for (unsigned i = 0; i < m->count; i++)
		total += m->ram[i].size;
	return total;
}
