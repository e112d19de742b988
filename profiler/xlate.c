// SPDX-License-Identifier: MIT
/*
 * x86-64 address translation for the targets (interface and rules in
 * xlate.h). The page tables are guest memory, so hostile input: the walk
 * reads at most four entries, each through the caller's bounds-checked
 * callback, and a malformed entry (not present, or pointing outside guest
 * memory) is -EFAULT. No state: the cache below is the caller's.
 */
#include <errno.h>
#include <string.h>

#include "xlate.h"

#define PTE_P  1ull
#define PTE_PS (1ull << 7)

int prof_x86_walk(uint64_t root, uint64_t va, prof_read_pte_fn *read, void *arg, uint64_t *pa,
		  uint64_t *span)
{
	uint64_t table = root & PROF_PTE_ADDR;

	if ((uint64_t)((int64_t)(va << 16) >> 16) != va)
		return -EFAULT; /* not canonical */
	for (int shift = 39; shift >= 12; shift -= 9) {
		uint64_t e;
		if (read(arg, table + ((va >> shift) & 511) * 8, &e) || !(e & PTE_P))
			return -EFAULT;
		/* A leaf: a 4 KiB entry, or PS in a PDPT (1 GiB) or PD (2 MiB) entry. */
		if (shift == 12 || ((shift == 30 || shift == 21) && (e & PTE_PS))) {
			uint64_t mask = (1ull << shift) - 1;
			*pa = ((e & PROF_PTE_ADDR) & ~mask) | (va & mask);
			*span = mask + 1 - (va & mask);
			return 0;
		}
		table = e & PROF_PTE_ADDR;
	}
	return -EFAULT; /* not reached */
}

static unsigned xlate_slot(uint64_t root, uint64_t vpage)
{
	uint64_t key = (vpage ^ (root >> 12) * 0xff51afd7ed558ccdull) * 0x9e3779b97f4a7c15ull;
	return (unsigned)(key >> 40) & (PROF_XLATE_SLOTS - 1);
}

void prof_xlate_init(struct prof_xlate_cache *c)
{
	memset(c, 0, sizeof(*c));
	c->epoch = 1; /* entries of epoch 0 (all of them now) are empty */
}

void prof_xlate_flush(struct prof_xlate_cache *c)
{
	c->epoch++;
}

bool prof_xlate_lookup(const struct prof_xlate_cache *c, uint64_t root, uint64_t vpage,
		       uint64_t *frame)
{
	const struct prof_xlate_entry *e = &c->e[xlate_slot(root, vpage)];
	if (e->epoch != c->epoch || e->root != root || e->vpage != vpage)
		return false;
	*frame = e->frame;
	return true;
}

void prof_xlate_insert(struct prof_xlate_cache *c, uint64_t root, uint64_t vpage, uint64_t frame)
{
	c->e[xlate_slot(root, vpage)] = (struct prof_xlate_entry){ root, vpage, frame, c->epoch };
}
