// SPDX-License-Identifier: MIT
/*
 * x86_64 page tables: one address space, virtual == physical.
 *
 * RAM is mapped with 2 MiB pages where alignment allows and 4 KiB pages
 * elsewhere; a 2 MiB page is split into 4 KiB ones on demand when part of it
 * needs other permissions (the image, page 0, a stack guard). Leaf entries
 * carry the permissions; intermediate entries are always present+writable and
 * executable so the leaf decides. CR0.WP makes read-only pages read-only for
 * the kernel too, and EFER.NXE (set at entry) enables no-execute.
 */
#include <ember/arch.h>
#include <ember/errno.h>
#include <ember/page_alloc.h>
#include <ember/string.h>
#include <arch/x86.h>

#define PTE_P	   (1ull << 0)
#define PTE_W	   (1ull << 1)
#define PTE_PWT	   (1ull << 3)
#define PTE_PCD	   (1ull << 4)
#define PTE_PS	   (1ull << 7)
#define PTE_NX	   (1ull << 63)
#define PTE_ADDR   0x000ffffffffff000ull
#define PTE_TABLE  (PTE_P | PTE_W)
#define LARGE_SIZE (1ull << 21)

#define PERM_RW	  (PTE_P | PTE_W | PTE_NX)
#define PERM_RX	  (PTE_P)
#define PERM_RO	  (PTE_P | PTE_NX)
#define PERM_MMIO (PTE_P | PTE_W | PTE_NX | PTE_PCD | PTE_PWT)

extern char _stext[], _etext[], _srodata[], _erodata[], _sdata[], _edata[];
extern char _sksyms[], _eksyms[], boot_stack_guard[];

static uint64_t *pml4;

static uint64_t *table_alloc(void)
{
	uint64_t *t = page_alloc(0);
	if (t)
		memset(t, 0, PAGE_SIZE);
	return t;
}

static unsigned index_at(uint64_t va, unsigned level)
{
	return (va >> (12 + 9 * level)) & 511;
}

/* Returns the next-level table under @e, creating or splitting it. */
static uint64_t *table_below(uint64_t *e, unsigned level)
{
	if ((*e & PTE_P) && !(*e & PTE_PS))
		return (uint64_t *)(uintptr_t)(*e & PTE_ADDR);
	uint64_t *t = table_alloc();
	if (!t)
		return NULL;
	if (*e & PTE_PS) { /* split a large page, keeping its permissions */
		uint64_t base = *e & PTE_ADDR, flags = *e & ~PTE_ADDR & ~PTE_PS;
		uint64_t step = 1ull << (12 + 9 * (level - 1));
		for (unsigned i = 0; i < 512; i++)
			t[i] = (base + i * step) | flags | (level > 1 ? PTE_PS : 0);
	}
	*e = (uintptr_t)t | PTE_TABLE;
	return t;
}

/* Entry for @va at @level (0: 4 KiB, 1: 2 MiB), building tables as needed. */
static uint64_t *entry_for(uint64_t va, unsigned level)
{
	uint64_t *t = pml4;
	for (unsigned l = 3; l > level; l--) {
		t = table_below(&t[index_at(va, l)], l);
		if (!t)
			return NULL;
	}
	return &t[index_at(va, level)];
}

/* Maps [va, end) with entries of @level (0: 4 KiB, 1: 2 MiB) up to the end of
 * one table, walking the tree once. Returns the address where it stopped. */
static uint64_t map_run(uint64_t va, uint64_t end, uint64_t perm, unsigned level)
{
	uint64_t *e = entry_for(va, level);
	uint64_t step = level ? LARGE_SIZE : PAGE_SIZE;
	if (!e)
		return 0;
	for (unsigned i = index_at(va, level); i < 512 && va + step <= end; i++, va += step) {
		if (level && (*e & PTE_P) && !(*e & PTE_PS))
			break; /* already split into 4 KiB pages: keep that table */
		*e++ = va | perm | (level ? PTE_PS : 0);
	}
	return va;
}

static int map_range(uint64_t start, uint64_t end, uint64_t perm)
{
	end = ALIGN_UP(end, PAGE_SIZE);
	for (uint64_t va = ALIGN_DOWN(start, PAGE_SIZE); va < end;) {
		bool large = IS_ALIGNED(va, LARGE_SIZE) && va + LARGE_SIZE <= end;
		uint64_t next = map_run(va, large ? ALIGN_DOWN(end, LARGE_SIZE) : end, perm, large);
		if (large && next == va) /* a split 2 MiB page: map it by 4 KiB */
			next = map_run(va, va + LARGE_SIZE, perm, 0);
		if (!next)
			return -ENOMEM;
		va = next;
	}
	return 0;
}

static int set_page(uintptr_t page, uint64_t value)
{
	uint64_t *e = entry_for(page, 0);
	if (!e)
		return -ENOMEM;
	*e = value;
	invlpg(page);
	return 0;
}

int arch_mmu_set_guard(uintptr_t page)
{
	return set_page(ALIGN_DOWN(page, PAGE_SIZE), 0);
}

int arch_mmu_clear_guard(uintptr_t page)
{
	page = ALIGN_DOWN(page, PAGE_SIZE);
	return set_page(page, page | PERM_RW);
}

int arch_mmu_map_mmio(uintptr_t phys, size_t size)
{
	int err = map_range(phys, phys + size, PERM_MMIO);
	write_cr3(read_cr3()); /* flush: the range may have been mapped before */
	return err;
}

static int map_image(void)
{
	int err = map_range((uintptr_t)_stext, (uintptr_t)_etext, PERM_RX);
	err = err ?: map_range((uintptr_t)_srodata, (uintptr_t)_erodata, PERM_RO);
	err = err ?: map_range((uintptr_t)_sdata, (uintptr_t)_edata, PERM_RW);
	err = err ?: map_range((uintptr_t)_sksyms, (uintptr_t)_eksyms, PERM_RO);
	return err;
}

int arch_mmu_init(const struct memmap *ram)
{
	pml4 = table_alloc();
	if (!pml4)
		return -ENOMEM;
	for (unsigned i = 0; i < ram->count; i++) {
		const struct mem_region *r = &ram->ram[i];
		if (map_range(r->base, r->base + r->size, PERM_RW))
			return -ENOMEM;
	}
	for (unsigned i = 0; i < ram->nfixed; i++) {
		const struct mem_region *r = &ram->fixed[i];
		if (map_range(r->base, r->base + r->size, PERM_RW))
			return -ENOMEM;
	}
	int err = map_image();
	err = err ?: set_page(0, 0); /* catch NULL dereferences */
	err = err ?: set_page((uintptr_t)boot_stack_guard, 0);
	if (err)
		return err;
	write_cr3((uintptr_t)pml4);
	write_cr0(read_cr0() | CR0_WP);
	return 0;
}
