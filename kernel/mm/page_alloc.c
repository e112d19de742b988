// SPDX-License-Identifier: MIT
/*
 * Binary buddy allocator (see <ember/page_alloc.h>).
 *
 * Each zone keeps one bit per page, set when the page heads a free block. A
 * free block starts with struct free_block (its list link and its order), so
 * the bitmap costs 1/32768 of the memory and is cheap to clear at boot: the
 * header is only trusted where the bit says the block is free. Free blocks are
 * linked into one list per order.
 *
 * Memory is touched only when it is handed out: a zone starts as one
 * untouched "fresh" range [fresh_pfn, end) that page_alloc() carves from when
 * the free lists cannot serve a request, and a block freed right below
 * fresh_pfn goes back to it. Boot therefore costs O(1) writes per zone, not
 * one per block of RAM (each first touch of a guest page is expensive under
 * nested virtualization).
 * Invariants: a free block of order k starts at a pfn that is a multiple of
 * 2^k and lies wholly inside one zone; two free buddies of the same order
 * never coexist (page_free merges them).
 */
#include <ember/page_alloc.h>
#include <ember/errno.h>
#include <ember/list.h>

struct zone {
	uintptr_t base_pfn;
	size_t npages;
	uint64_t *free_head; /* bit i: page base_pfn+i heads a free block */
	uintptr_t fresh_pfn; /* [fresh_pfn, base_pfn+npages) never handed out */
};

struct free_block {
	struct list_node link;
	unsigned order;
};

static struct zone zones[PAGE_ZONES_MAX];
static unsigned nzones;
static struct list_node free_lists[PAGE_ORDERS];
static size_t free_pages, total_pages;

static struct zone *zone_of(uintptr_t pfn)
{
	for (unsigned i = 0; i < nzones; i++)
		if (pfn >= zones[i].base_pfn && pfn < zones[i].base_pfn + zones[i].npages)
			return &zones[i];
	return NULL;
}

static struct free_block *block_at(uintptr_t pfn)
{
	return (struct free_block *)(pfn << PAGE_SHIFT);
}

static bool is_free_head(const struct zone *z, uintptr_t pfn)
{
	uintptr_t i = pfn - z->base_pfn;
	return z->free_head[i / 64] & (1ull << (i % 64));
}

static void set_free_head(struct zone *z, uintptr_t pfn, bool on)
{
	uintptr_t i = pfn - z->base_pfn;
	if (on)
		z->free_head[i / 64] |= 1ull << (i % 64);
	else
		z->free_head[i / 64] &= ~(1ull << (i % 64));
}

/* Order of the free block headed by @pfn, or -1 if @pfn heads none. */
static int free_order(const struct zone *z, uintptr_t pfn)
{
	return is_free_head(z, pfn) ? (int)block_at(pfn)->order : -1;
}

static void push_free(struct zone *z, uintptr_t pfn, unsigned order)
{
	set_free_head(z, pfn, true);
	block_at(pfn)->order = order;
	list_push_back(&free_lists[order], &block_at(pfn)->link);
}

static void pop_free(struct zone *z, uintptr_t pfn)
{
	set_free_head(z, pfn, false);
	list_remove(&block_at(pfn)->link);
}

static void init_lists_once(void)
{
	if (free_lists[0].next)
		return;
	for (unsigned i = 0; i < PAGE_ORDERS; i++)
		list_init(&free_lists[i]);
}

void page_alloc_reset(void)
{
	nzones = 0;
	free_pages = total_pages = 0;
	for (unsigned i = 0; i < PAGE_ORDERS; i++)
		list_init(&free_lists[i]);
}

int page_alloc_add_region(uintptr_t base, size_t size)
{
	init_lists_once();
	if (!IS_ALIGNED(base, PAGE_SIZE) || !IS_ALIGNED(size, PAGE_SIZE))
		return -EINVAL;
	size_t npages = size >> PAGE_SHIFT;
	size_t words = (npages + 63) / 64;
	size_t meta_pages = ALIGN_UP(words * 8, PAGE_SIZE) >> PAGE_SHIFT;
	if (npages <= meta_pages)
		return -EINVAL;
	if (nzones == PAGE_ZONES_MAX)
		return -E2BIG;

	struct zone *z = &zones[nzones++];
	z->free_head = (uint64_t *)base;
	z->base_pfn = (base >> PAGE_SHIFT) + meta_pages;
	z->npages = npages - meta_pages;
	for (size_t i = 0; i < words; i++)
		z->free_head[i] = 0;
	z->fresh_pfn = z->base_pfn;
	free_pages += z->npages;
	total_pages += z->npages;
	return 0;
}

/* Puts [pfn, end) on the free lists as the largest naturally aligned blocks. */
static void free_range(struct zone *z, uintptr_t pfn, uintptr_t end)
{
	while (pfn < end) {
		unsigned order = PAGE_ORDERS - 1;
		while (order && (!IS_ALIGNED(pfn, 1ul << order) || pfn + (1ul << order) > end))
			order--;
		push_free(z, pfn, order);
		pfn += 1ul << order;
	}
}

/* Takes an aligned block from some zone's fresh range; 0 if none fits. */
static uintptr_t carve_fresh(unsigned order)
{
	for (unsigned i = 0; i < nzones; i++) {
		struct zone *z = &zones[i];
		uintptr_t start = ALIGN_UP(z->fresh_pfn, 1ul << order);
		if (start + (1ul << order) > z->base_pfn + z->npages)
			continue;
		free_range(z, z->fresh_pfn, start); /* the alignment gap */
		z->fresh_pfn = start + (1ul << order);
		return start;
	}
	return 0;
}

void *page_alloc(unsigned order)
{
	unsigned k = order;
	if (order >= PAGE_ORDERS)
		return NULL;
	while (k < PAGE_ORDERS && list_empty(&free_lists[k]))
		k++;
	if (k >= PAGE_ORDERS) {
		uintptr_t pfn = carve_fresh(order);
		if (!pfn)
			return NULL;
		free_pages -= 1ul << order;
		return (void *)(pfn << PAGE_SHIFT);
	}

	uintptr_t pfn = (uintptr_t)free_lists[k].next >> PAGE_SHIFT; /* link is first */
	struct zone *z = zone_of(pfn);
	pop_free(z, pfn);
	while (k > order) {
		k--;
		push_free(z, pfn + (1ul << k), k);
	}
	free_pages -= 1ul << order;
	return (void *)(pfn << PAGE_SHIFT);
}

/* True if any page of the block [pfn, pfn+2^order) is already free. */
static bool block_overlaps_free(struct zone *z, uintptr_t pfn, unsigned order)
{
	if (is_free_head(z, pfn))
		return true;
	/* A free block containing ours starts at an aligned pfn below it. */
	for (unsigned k = order + 1; k < PAGE_ORDERS; k++) {
		uintptr_t head = pfn & ~((1ul << k) - 1);
		if (head < z->base_pfn)
			break;
		int o = free_order(z, head);
		if (o >= 0 && head + (1ul << o) > pfn)
			return true;
	}
	/* A free block inside ours (the caller passed the wrong order). */
	if (CONFIG_DEBUG)
		for (uintptr_t i = 1; i < (1ul << order); i++)
			if (is_free_head(z, pfn + i))
				return true;
	return false;
}

int page_free(void *p, unsigned order)
{
	uintptr_t pfn = (uintptr_t)p >> PAGE_SHIFT;
	struct zone *z = zone_of(pfn);
	if (order >= PAGE_ORDERS || !z || !IS_ALIGNED((uintptr_t)p, PAGE_SIZE << order) ||
	    pfn + (1ul << order) > z->fresh_pfn || block_overlaps_free(z, pfn, order))
		return -EINVAL;

	free_pages += 1ul << order;
	while (order + 1 < PAGE_ORDERS) {
		uintptr_t buddy = pfn ^ (1ul << order);
		if (buddy < z->base_pfn || buddy >= z->base_pfn + z->npages ||
		    free_order(z, buddy) != (int)order)
			break;
		pop_free(z, buddy);
		pfn &= ~(1ul << order);
		order++;
	}
	if (pfn + (1ul << order) == z->fresh_pfn)
		z->fresh_pfn = pfn; /* back to the untouched range */
	else
		push_free(z, pfn, order);
	return 0;
}

unsigned page_order_for(size_t bytes)
{
	unsigned order = 0;
	while ((PAGE_SIZE << order) < bytes)
		order++;
	return order;
}

size_t page_alloc_free_pages(void)
{
	return free_pages;
}

size_t page_alloc_total_pages(void)
{
	return total_pages;
}
