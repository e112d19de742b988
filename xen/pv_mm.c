// SPDX-License-Identifier: MIT
/*
 * Xen PV memory: page tables kept through the PV MMU interface.
 *
 * A PV guest's page tables are read-only to it: entries change only through
 * HYPERVISOR_mmu_update (batched) and HYPERVISOR_update_va_mapping, which
 * Xen validates, and a frame becomes a page table only while it is mapped
 * read-only. The builder maps just the image and its bootstrap area; at boot
 * pv_mm_map_ram() maps every pseudo-physical frame at its identity address
 * (pfn * 4096), like the native direct map. New tables come from the frames
 * right after the bootstrap area (a bump allocator): each is filled while
 * still writable, made read-only, then linked. arch_mmu_init() then applies
 * W^X to the image and the bootstrap area, and guard pages are unmapped with
 * update_va_mapping. Superpages are not used (PV guests rarely get them).
 */
#include <ember/arch.h>
#include <ember/errno.h>
#include <ember/page_alloc.h>
#include <ember/string.h>
#include <ember/xen/pv.h>

#define PTE_P	  (1ull << 0)
#define PTE_W	  (1ull << 1)
#define PTE_U	  (1ull << 2) /* a PV kernel runs in ring 3 */
#define PTE_A	  (1ull << 5)
#define PTE_D	  (1ull << 6)
#define PTE_NX	  (1ull << 63)
#define PTE_ADDR  0x000ffffffffff000ull
#define PTE_TABLE (PTE_P | PTE_W | PTE_U | PTE_A)
#define PERM_RW	  (PTE_P | PTE_W | PTE_U | PTE_A | PTE_D | PTE_NX)
#define PERM_RX	  (PTE_P | PTE_U | PTE_A)
#define PERM_RO	  (PTE_P | PTE_U | PTE_A | PTE_NX)
#define BATCH	  128

extern char _stext[], _etext[], _srodata[], _erodata[], _sdata[], _edata[];
extern char _sksyms[], _eksyms[], boot_stack_guard[];

static unsigned long bump_start, bump_next; /* pfns of tables we created */
static uintptr_t builder_end;		    /* end of the builder's (read/write/execute) map */
static mmu_update_t batch[BATCH];
static unsigned nbatch;

static int flush(void)
{
	unsigned done = 0;
	int err = nbatch ? (int)HYPERVISOR_mmu_update(batch, nbatch, &done, DOMID_SELF) : 0;
	nbatch = 0;
	return err;
}

/* Queues "entry @idx of the table at @table := @val". */
static int queue(const uint64_t *table, unsigned idx, uint64_t val)
{
	batch[nbatch].ptr =
		(((uint64_t)pv_virt_to_mfn(table) << PAGE_SHIFT) + idx * 8) | MMU_NORMAL_PT_UPDATE;
	batch[nbatch].val = val;
	return ++nbatch == BATCH ? flush() : 0;
}

static unsigned index_at(uintptr_t va, unsigned level)
{
	return (va >> (12 + 9 * level)) & 511;
}

static uint64_t *table_va(uint64_t entry)
{
	return (uint64_t *)(pv_mfn_to_pfn((entry & PTE_ADDR) >> PAGE_SHIFT) << PAGE_SHIFT);
}

static uint64_t leaf(unsigned long pfn, uint64_t perm)
{
	return ((uint64_t)pv_pfn_to_mfn(pfn) << PAGE_SHIFT) | perm;
}

/* Takes the next bootstrap-adjacent frame, zeroed, for a new table. */
static uint64_t *table_alloc(void)
{
	if (bump_next >= pv_start_info->nr_pages)
		return NULL;
	uint64_t *t = (uint64_t *)(bump_next++ << PAGE_SHIFT);
	memset(t, 0, PAGE_SIZE);
	return t;
}

/* Makes the filled table @t read-only and links it as entry @idx of @parent. */
static int table_link(uint64_t *parent, unsigned idx, uint64_t *t)
{
	int err = flush();
	err = err
		      ?: (int)HYPERVISOR_update_va_mapping(
				 (uintptr_t)t, leaf((uintptr_t)t >> PAGE_SHIFT, PERM_RO),
				 UVMF_INVLPG);
	err = err ?: queue(parent, idx, leaf((uintptr_t)t >> PAGE_SHIFT, PTE_TABLE));
	return err ?: flush();
}

/* The table under entry @idx of @parent, created empty if absent. */
static uint64_t *table_below(uint64_t *parent, unsigned idx)
{
	if (parent[idx] & PTE_P)
		return table_va(parent[idx]);
	uint64_t *t = table_alloc();
	return t && !table_link(parent, idx, t) ? t : NULL;
}

/* The L2 table covering @va (creating L3/L2 as needed). */
static uint64_t *l2_for(uintptr_t va)
{
	uint64_t *l4 = (uint64_t *)pv_start_info->pt_base;
	uint64_t *l3 = table_below(l4, index_at(va, 3));
	return l3 ? table_below(l3, index_at(va, 2)) : NULL;
}

/* Maps the pfns of one 2 MiB chunk starting at @pfn0 that are not mapped yet. */
static int map_chunk(unsigned long pfn0, unsigned long end)
{
	uint64_t *l2 = l2_for(pfn0 << PAGE_SHIFT);
	if (!l2)
		return -ENOMEM;
	unsigned idx = index_at(pfn0 << PAGE_SHIFT, 1);
	if (l2[idx] & PTE_P) { /* a builder table: fill its holes */
		uint64_t *l1 = table_va(l2[idx]);
		for (unsigned long pfn = pfn0; pfn < end; pfn++)
			if (pfn && !(l1[pfn & 511] & PTE_P)) {
				int err = queue(l1, pfn & 511, leaf(pfn, PERM_RW));
				if (err)
					return err;
			}
		return flush();
	}
	uint64_t *l1 = table_alloc();
	if (!l1)
		return -ENOMEM;
	for (unsigned long pfn = pfn0; pfn < end; pfn++)
		l1[pfn & 511] = pfn ? leaf(pfn, PERM_RW) : 0; /* page 0 stays unmapped */
	return table_link(l2, idx, l1);
}

unsigned long pv_mm_map_ram(void)
{
	const start_info_t *si = pv_start_info;
	/* Bootstrap area: ... page tables, then one stack page (xen.h layout). */
	bump_start = bump_next = ((si->pt_base >> PAGE_SHIFT) + si->nr_pt_frames + 1);
	/* The builder maps [0, a 4 MiB boundary at least 512 KiB past its stack). */
	builder_end = ALIGN_UP((bump_start << PAGE_SHIFT) + (512 << 10), 4ul << 20);
	for (unsigned long pfn = 0; pfn < si->nr_pages; pfn = ALIGN_DOWN(pfn, 512) + 512) {
		unsigned long end = MIN(ALIGN_DOWN(pfn, 512) + 512, si->nr_pages);
		if (map_chunk(pfn, end))
			return 0;
	}
	return bump_next;
}

int pv_map_machine_page(void *va, unsigned long mfn)
{
	return (int)HYPERVISOR_update_va_mapping(
		(uintptr_t)va, ((uint64_t)mfn << PAGE_SHIFT) | PERM_RW, UVMF_INVLPG);
}

/* ---- <ember/arch.h> MMU calls, PV edition ------------------------------------- */

static bool is_page_table(unsigned long pfn)
{
	unsigned long pt0 = pv_start_info->pt_base >> PAGE_SHIFT;
	return (pfn >= pt0 && pfn < pt0 + pv_start_info->nr_pt_frames) ||
	       (pfn >= bump_start && pfn < bump_next);
}

static int protect(uintptr_t start, uintptr_t end, uint64_t perm)
{
	for (uintptr_t va = ALIGN_DOWN(start, PAGE_SIZE); va < end; va += PAGE_SIZE) {
		unsigned long pfn = va >> PAGE_SHIFT;
		if (is_page_table(pfn))
			continue;
		uint64_t *l2 = l2_for(va);
		if (!l2 || !(l2[index_at(va, 1)] & PTE_P))
			return -ENOMEM;
		int err = queue(table_va(l2[index_at(va, 1)]), index_at(va, 0), leaf(pfn, perm));
		if (err)
			return err;
	}
	return flush();
}

int arch_mmu_init(const struct memmap *ram __unused)
{
	/* The builder mapped everything below builder_end read/write/execute. */
	int err = arch_mmu_set_guard(0); /* catch NULL dereferences */
	err = err ?: protect(PAGE_SIZE, (uintptr_t)_stext, PERM_RW);
	err = err ?: protect((uintptr_t)_stext, (uintptr_t)_etext, PERM_RX);
	err = err ?: protect((uintptr_t)_srodata, (uintptr_t)_erodata, PERM_RO);
	err = err ?: protect((uintptr_t)_sdata, (uintptr_t)_edata, PERM_RW);
	err = err ?: protect((uintptr_t)_sksyms, (uintptr_t)_eksyms, PERM_RO);
	err = err ?: protect((uintptr_t)_eksyms, builder_end, PERM_RW); /* tables skipped */
	err = err ?: arch_mmu_set_guard((uintptr_t)boot_stack_guard);
	return err;
}

int arch_mmu_set_guard(uintptr_t page)
{
	return (int)HYPERVISOR_update_va_mapping(ALIGN_DOWN(page, PAGE_SIZE), 0, UVMF_INVLPG);
}

int arch_mmu_clear_guard(uintptr_t page)
{
	page = ALIGN_DOWN(page, PAGE_SIZE);
	return (int)HYPERVISOR_update_va_mapping(page, leaf(page >> PAGE_SHIFT, PERM_RW),
						 UVMF_INVLPG);
}

int arch_mmu_map_mmio(uintptr_t phys __unused, size_t size __unused)
{
	return -ENOSYS; /* a PV guest has no device memory of its own */
}
