/* SPDX-License-Identifier: MIT */
/*
 * Guest virtual -> physical translation for x86-64 guests (xlate.c), shared
 * by the targets that read guest memory frame by frame (Xen, QEMU): the
 * 4-level page walk, over a callback that reads one page-table entry, and a
 * small translation cache for the targets whose entry reads are dear.
 *
 * "Physical" is whatever the page-table entries hold: guest-physical frames
 * for HVM/PVH and QEMU guests, machine frames for Xen PV guests. The walk
 * never interprets them beyond passing them back to the callback.
 */
#ifndef EMBERPROF_XLATE_H
#define EMBERPROF_XLATE_H

#include <stdbool.h>
#include <stdint.h>

#define PROF_PAGE	 4096ull
#define PROF_PTE_ADDR	 0x000ffffffffff000ull /* address bits of an entry (and of CR3) */
#define PROF_XLATE_SLOTS 1024		       /* power of two */

/*
 * Reads the 8-byte page-table entry at physical address @pa (8-aligned) into
 * *@pte. Returns 0, or -EFAULT when @pa is not guest memory.
 */
typedef int prof_read_pte_fn(void *arg, uint64_t pa, uint64_t *pte);

/*
 * Translates @va through the 4-level tables rooted at @root (the physical
 * address of the top table; bits outside PROF_PTE_ADDR, such as a PCID, are
 * ignored). 0 with *@pa and *@span (bytes mapped contiguously from @va on: up
 * to the end of its 4 KiB, 2 MiB or 1 GiB page), or -EFAULT for a
 * non-canonical @va, a not-present entry or an entry @read cannot read.
 * Reads at most four entries; permissions are not checked (we only read).
 */
int prof_x86_walk(uint64_t root, uint64_t va, prof_read_pte_fn *read, void *arg, uint64_t *pa,
		  uint64_t *span);

/*
 * Translations, each keyed on (page-table root, virtual page), so two vCPUs
 * with different address spaces never see each other's, and valid for one
 * epoch: prof_xlate_flush() starts a new one, forgetting every translation
 * in O(1). A target flushes whenever the guest may have run (at pause), so
 * no translation outlives the page tables it was read from. When two keys
 * share a slot the newer wins (a miss costs one walk, never a wrong answer).
 */
struct prof_xlate_cache {
	uint64_t epoch;
	struct prof_xlate_entry {
		uint64_t root, vpage, frame, epoch;
	} e[PROF_XLATE_SLOTS];
};

/* Empties @c (no translation is valid until inserted). */
void prof_xlate_init(struct prof_xlate_cache *c);
/* Forgets every translation in @c. */
void prof_xlate_flush(struct prof_xlate_cache *c);
/* Whether (@root, @vpage) is cached this epoch; if so its frame in *@frame. */
bool prof_xlate_lookup(const struct prof_xlate_cache *c, uint64_t root, uint64_t vpage,
		       uint64_t *frame);
/* Caches @vpage -> @frame under @root for this epoch. */
void prof_xlate_insert(struct prof_xlate_cache *c, uint64_t root, uint64_t vpage, uint64_t frame);

#endif
