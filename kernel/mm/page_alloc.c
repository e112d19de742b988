// SPDX-License-Identifier: MIT
/*
 * Binary buddy allocator (see <ember/page_alloc.h>).
 *
 * State. Each zone keeps one state byte per page: PAGE_FREE|order for the
 * head page of a free block, PAGE_USED|order for the head of an allocated
 * block, 0 for any other page. The exact head byte lets page_free() refuse a
 * double free, a wrong order or an interior pointer. Free blocks are linked
 * (through their first bytes) into one list per order.
 *
 * Laziness. Memory is touched only when it is handed out: a zone starts as
 * one untouched "fresh" range [fresh_pfn, end) whose state bytes are not even
 * initialised. page_alloc() carves from it when the free lists cannot serve
 * a request (clearing the state bytes of what it carves), and a free block
 * that ends at fresh_pfn, after merging with its buddies, is given back to
 * it, together with any free blocks that then end there. Boot therefore
 * costs O(1) writes per zone whatever the RAM size, and freeing everything
 * restores the zone exactly.
 *
 * Invariants: a block of order k starts at a pfn that is a multiple of 2^k
 * and lies inside [base_pfn, fresh_pfn) of one zone; two free buddies of the
 * same order never coexist; no free block ends at fresh_pfn.
 */
#include <ember/page_alloc.h>
#include <ember/errno.h>
#include <ember/list.h>
#include <ember/string.h>

#define PAGE_FREE	0x80
#define PAGE_USED	0x40
#define PAGE_ORDER_MASK 0x3f

struct zone {
	uintptr_t base_pfn;
	uintptr_t end_pfn;
	uintptr_t fresh_pfn; /* [fresh_pfn, end_pfn) never handed out */
	uint8_t *state;	     /* state[pfn - base_pfn], valid below fresh_pfn */
};

static struct zone zones[PAGE_ZONES_MAX];
static unsigned nzones;
static struct list_node free_lists[PAGE_ORDERS];
static size_t free_pages, total_pages;

static struct zone *zone_of(uintptr_t pfn)
{
	for (unsigned i = 0; i < nzones; i++)
		if (pfn >= zones[i].base_pfn && pfn < zones[i].end_pfn)
			return &zones[i];
	return NULL;
}

static uint8_t *state_of(struct zone *z, uintptr_t pfn)
{
	return &z->state[pfn - z->base_pfn];
}

static struct list_node *link_of(uintptr_t pfn)
{
	return (struct list_node *)(pfn << PAGE_SHIFT);
}

/* Order of the free block headed by @pfn, or -1 if @pfn heads none. */
static int free_order(struct zone *z, uintptr_t pfn)
{
	if (pfn < z->base_pfn || pfn >= z->fresh_pfn)
		return -1;
	uint8_t s = *state_of(z, pfn);
	return (s & PAGE_FREE) ? (int)(s & PAGE_ORDER_MASK) : -1;
}

static void push_free(struct zone *z, uintptr_t pfn, unsigned order)
{
	*state_of(z, pfn) = (uint8_t)(PAGE_FREE | order);
	list_push_back(&free_lists[order], link_of(pfn));
}

static void pop_free(struct zone *z, uintptr_t pfn)
{
	*state_of(z, pfn) = 0;
	list_remove(link_of(pfn));
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
	size_t meta_pages = ALIGN_UP(npages, PAGE_SIZE) >> PAGE_SHIFT;
	if (npages <= meta_pages)
		return -EINVAL;
	if (nzones == PAGE_ZONES_MAX)
		return -E2BIG;

	struct zone *z = &zones[nzones++];
	z->state = (uint8_t *)base;
	z->base_pfn = (base >> PAGE_SHIFT) + meta_pages;
	z->end_pfn = (base >> PAGE_SHIFT) + npages;
	z->fresh_pfn = z->base_pfn;
	free_pages += z->end_pfn - z->base_pfn;
	total_pages += z->end_pfn - z->base_pfn;
	return 0;
}

/*
 * Returns the free block [pfn, pfn+2^order) to the zone: merges it with free
 * buddies, then either gives it back to the fresh range (with every free
 * block that then ends at the fresh range) or puts it on its free list.
 */
static void release(struct zone *z, uintptr_t pfn, unsigned order)
{
	while (order + 1 < PAGE_ORDERS) {
		uintptr_t buddy = pfn ^ (1ul << order);
		if (free_order(z, buddy) != (int)order)
			break;
		pop_free(z, buddy);
		pfn &= ~(1ul << order);
		order++;
	}
	if (pfn + (1ul << order) != z->fresh_pfn) {
		push_free(z, pfn, order);
		return;
	}
	z->fresh_pfn = pfn;
	for (bool absorbed = true; absorbed;) {
		absorbed = false;
		for (unsigned k = 0; k < PAGE_ORDERS && (1ul << k) <= z->fresh_pfn - z->base_pfn;
		     k++) {
			uintptr_t head = z->fresh_pfn - (1ul << k);
			if (IS_ALIGNED(head, 1ul << k) && free_order(z, head) == (int)k) {
				pop_free(z, head);
				z->fresh_pfn = head;
				absorbed = true;
				break;
			}
		}
	}
}

/* Takes an aligned block of @order from some zone's fresh range; 0 if none fits. */
static uintptr_t carve_fresh(unsigned order)
{
	for (unsigned i = 0; i < nzones; i++) {
		struct zone *z = &zones[i];
		uintptr_t start = ALIGN_UP(z->fresh_pfn, 1ul << order);
		if (start + (1ul << order) > z->end_pfn)
			continue;
		uintptr_t gap = z->fresh_pfn;
		memset(state_of(z, gap), 0, start + (1ul << order) - gap);
		z->fresh_pfn = start + (1ul << order);
		/* The alignment gap becomes free blocks, merged like any other. */
		while (gap < start) {
			unsigned k = 0;
			while (IS_ALIGNED(gap, 2ul << k) && gap + (2ul << k) <= start)
				k++;
			release(z, gap, k);
			gap += 1ul << k;
		}
		return start;
	}
	return 0;
}

void *page_alloc(unsigned order)
{
	if (order >= PAGE_ORDERS)
		return NULL;
	unsigned k = order;
	while (k < PAGE_ORDERS && list_empty(&free_lists[k]))
		k++;
	uintptr_t pfn;
	struct zone *z;
	if (k < PAGE_ORDERS) {
		pfn = (uintptr_t)free_lists[k].next >> PAGE_SHIFT;
		z = zone_of(pfn);
		pop_free(z, pfn);
		while (k > order) {
			k--;
			push_free(z, pfn + (1ul << k), k);
		}
	} else {
		if (!(pfn = carve_fresh(order)))
			return NULL;
		z = zone_of(pfn);
	}
	*state_of(z, pfn) = (uint8_t)(PAGE_USED | order);
	free_pages -= 1ul << order;
	return (void *)(pfn << PAGE_SHIFT);
}

/*
 * Runs of n pages: the block of the smallest order holding them is cut into
 * aligned blocks, in one fixed way: [0, n) as the powers of two of n's bits,
 * largest first (each piece then starts at a multiple of its size), and the
 * tail [n, 2^order) as the largest aligned blocks from its start, which are
 * freed at once. page_free_run() frees [0, n) piece by piece, the same way.
 */
void *page_alloc_run(size_t n)
{
	unsigned order = page_order_for(n << PAGE_SHIFT);
	void *p = n ? page_alloc(order) : NULL;
	if (!p || n == 1ul << order)
		return p;
	uintptr_t pfn = (uintptr_t)p >> PAGE_SHIFT, off = 0;
	struct zone *z = zone_of(pfn);
	for (unsigned k = order; k-- > 0;)
		if (n & (1ul << k)) {
			*state_of(z, pfn + off) = (uint8_t)(PAGE_USED | k);
			off += 1ul << k;
		}
	while (off < 1ul << order) {
		unsigned k = (unsigned)__builtin_ctzl(off);
		*state_of(z, pfn + off) = (uint8_t)(PAGE_USED | k);
		page_free((void *)((pfn + off) << PAGE_SHIFT), k);
		off += 1ul << k;
	}
	return p;
}

int page_free_run(void *p, size_t n)
{
	uintptr_t pfn = (uintptr_t)p >> PAGE_SHIFT, off = 0;
	struct zone *z = zone_of(pfn);
	if (!n || !z || !IS_ALIGNED((uintptr_t)p, PAGE_SIZE))
		return -EINVAL;
	/* Check every piece before freeing any, so a bad call changes nothing. */
	for (unsigned k = PAGE_ORDERS; k-- > 0;)
		if (n & (1ul << k)) {
			if (pfn + off >= z->fresh_pfn ||
			    *state_of(z, pfn + off) != (uint8_t)(PAGE_USED | k))
				return -EINVAL;
			off += 1ul << k;
		}
	off = 0;
	for (unsigned k = PAGE_ORDERS; k-- > 0;)
		if (n & (1ul << k)) {
			page_free((void *)((pfn + off) << PAGE_SHIFT), k);
			off += 1ul << k;
		}
	return 0;
}

int page_free(void *p, unsigned order)
{
	uintptr_t pfn = (uintptr_t)p >> PAGE_SHIFT;
	struct zone *z = zone_of(pfn);
	if (order >= PAGE_ORDERS || !z || !IS_ALIGNED((uintptr_t)p, PAGE_SIZE) ||
	    pfn >= z->fresh_pfn || *state_of(z, pfn) != (PAGE_USED | order))
		return -EINVAL;
	*state_of(z, pfn) = 0;
	free_pages += 1ul << order;
	release(z, pfn, order);
	return 0;
}

bool page_is_free(const void *p)
{
	uintptr_t pfn = (uintptr_t)p >> PAGE_SHIFT;
	struct zone *z = zone_of(pfn);
	if (!z)
		return false;
	if (pfn >= z->fresh_pfn)
		return true;
	for (unsigned k = 0; k < PAGE_ORDERS; k++) {
		uintptr_t head = pfn & ~((1ul << k) - 1);
		int o = free_order(z, head);
		if (o >= 0 && head + (1ul << o) > pfn)
			return true;
	}
	return false;
}

unsigned page_order_for(size_t bytes)
{
	unsigned order = 0;
	while (order < PAGE_ORDERS && (PAGE_SIZE << order) < bytes)
		order++;
	return order; /* PAGE_ORDERS when too large: page_alloc() refuses it */
}

size_t page_alloc_free_pages(void)
{
	return free_pages;
}

size_t page_alloc_total_pages(void)
{
	return total_pages;
}
