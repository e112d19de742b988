// SPDX-License-Identifier: MIT
/*
 * Host tests for the buddy page allocator, kernel/mm/page_alloc.c.
 *
 * The "physical memory" is an 8 MiB arena from aligned_alloc(), aligned to
 * 4 MiB so block alignment is predictable: as one zone its first page holds
 * the free-head bitmap and pages 1..2047 are managed, so the largest block is
 * order 10 (the upper 4 MiB). Every test starts from page_alloc_reset().
 *
 * Covered: region validation, alignment of every order, exhaustion, reuse,
 * coalescing back to whole blocks, every kind of bad free (double, wrong
 * order, foreign, misaligned, never handed out) leaving the free count
 * unchanged, two zones, and a seeded random stress test against a page-level
 * ownership model. The regression tests at the end pin defects these tests
 * once found in page_alloc.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <ember/page_alloc.h>
#include <ember/errno.h>

#define ARENA_SIZE  (8ul << 20)
#define ARENA_ALIGN (4ul << 20)
#define ARENA_PAGES (ARENA_SIZE / PAGE_SIZE)
#define ZONE_PAGES  (ARENA_PAGES - 1) /* one bitmap page */
#define MAX_ORDER   10		      /* largest block in the arena */

static char *arena;

static int arena_create(void **state)
{
	(void)state;
	arena = aligned_alloc(ARENA_ALIGN, ARENA_SIZE);
	return arena ? 0 : -1;
}

static int arena_destroy(void **state)
{
	(void)state;
	free(arena);
	return 0;
}

/* Resets the allocator and gives it the whole arena as one zone. */
static int one_zone(void **state)
{
	(void)state;
	page_alloc_reset();
	memset(arena, 0xa5, ARENA_SIZE); /* stale data must not matter */
	return page_alloc_add_region((uintptr_t)arena, ARENA_SIZE);
}

static size_t page_index(const void *p)
{
	return (size_t)((const char *)p - arena) / PAGE_SIZE;
}

/* @p must be a properly aligned block of @order inside the managed pages. */
static void assert_block(const void *p, unsigned order)
{
	assert_non_null(p);
	assert_true((uintptr_t)p % (PAGE_SIZE << order) == 0);
	assert_true((const char *)p >= arena + PAGE_SIZE);
	assert_true((const char *)p + (PAGE_SIZE << order) <= arena + ARENA_SIZE);
}

/* Allocates blocks of @order until none is left, frees them, returns how many. */
static size_t count_blocks(unsigned order)
{
	static void *blocks[ARENA_PAGES];
	size_t n = 0;
	size_t free_before = page_alloc_free_pages();
	while ((blocks[n] = page_alloc(order)) != NULL) {
		assert_block(blocks[n], order);
		n++;
	}
	assert_int_equal(page_alloc_free_pages(), free_before - (n << order));
	for (size_t i = 0; i < n; i++)
		assert_int_equal(page_free(blocks[i], order), 0);
	assert_int_equal(page_alloc_free_pages(), free_before);
	return n;
}

/* --- regions -------------------------------------------------------------- */

static void test_add_region_validation(void **state)
{
	uintptr_t base = (uintptr_t)arena;
	(void)state;

	page_alloc_reset();
	assert_int_equal(page_alloc_add_region(base + 1, 16 * PAGE_SIZE), -EINVAL);
	assert_int_equal(page_alloc_add_region(base + 2048, 16 * PAGE_SIZE), -EINVAL);
	assert_int_equal(page_alloc_add_region(base, 16 * PAGE_SIZE + 1), -EINVAL);
	assert_int_equal(page_alloc_add_region(base, 0), -EINVAL);
	assert_int_equal(page_alloc_add_region(base, PAGE_SIZE), -EINVAL); /* bitmap only */
	assert_int_equal(page_alloc_total_pages(), 0);
	assert_int_equal(page_alloc_free_pages(), 0);
	assert_null(page_alloc(0));

	/* Two pages: one for the bitmap, one to hand out. */
	assert_int_equal(page_alloc_add_region(base, 2 * PAGE_SIZE), 0);
	assert_int_equal(page_alloc_total_pages(), 1);
	void *p = page_alloc(0);
	assert_ptr_equal(p, arena + PAGE_SIZE);
	assert_null(page_alloc(0));
	assert_int_equal(page_free(p, 0), 0);
}

static void test_add_region_zone_limit(void **state)
{
	uintptr_t base = (uintptr_t)arena;
	(void)state;

	page_alloc_reset();
	for (unsigned i = 0; i < PAGE_ZONES_MAX; i++)
		assert_int_equal(page_alloc_add_region(base + i * 4 * PAGE_SIZE, 4 * PAGE_SIZE), 0);
	assert_int_equal(page_alloc_add_region(base + 64 * PAGE_SIZE, 4 * PAGE_SIZE), -E2BIG);
	assert_int_equal(page_alloc_total_pages(), PAGE_ZONES_MAX * 3);
	assert_int_equal(count_blocks(0), PAGE_ZONES_MAX * 3);
}

static void test_totals(void **state)
{
	(void)state;
	assert_int_equal(page_alloc_total_pages(), ZONE_PAGES);
	assert_int_equal(page_alloc_free_pages(), ZONE_PAGES);
}

static void test_reset_forgets_everything(void **state)
{
	(void)state;
	assert_non_null(page_alloc(3));
	page_alloc_reset();
	assert_int_equal(page_alloc_total_pages(), 0);
	assert_int_equal(page_alloc_free_pages(), 0);
	assert_null(page_alloc(0));
}

/* --- allocation ----------------------------------------------------------- */

static void test_alignment_every_order(void **state)
{
	void *blocks[MAX_ORDER + 1];
	(void)state;

	/* Orders 0, 1, ..., 10 from a fresh zone fill pages 1..2047 exactly. */
	for (unsigned order = 0; order <= MAX_ORDER; order++) {
		blocks[order] = page_alloc(order);
		assert_block(blocks[order], order);
		assert_ptr_equal(blocks[order], arena + (PAGE_SIZE << order));
	}
	assert_int_equal(page_alloc_free_pages(), 0);
	for (unsigned order = 0; order <= MAX_ORDER; order++)
		assert_int_equal(page_free(blocks[order], order), 0);
	assert_int_equal(page_alloc_free_pages(), ZONE_PAGES);

	/* Each order on its own, from a fresh zone: every aligned block in it. */
	for (unsigned order = 0; order <= MAX_ORDER; order++) {
		one_zone(NULL);
		assert_int_equal(count_blocks(order), (ARENA_PAGES >> order) - 1);
	}
}

static void test_order_too_large(void **state)
{
	(void)state;
	assert_null(page_alloc(MAX_ORDER + 1)); /* larger than the zone */
	assert_null(page_alloc(PAGE_ORDERS));
	assert_null(page_alloc(PAGE_ORDERS + 5));
	assert_null(page_alloc(~0u));
	assert_int_equal(page_alloc_free_pages(), ZONE_PAGES);
}

static void test_exhaustion(void **state)
{
	static void *pages[ARENA_PAGES];
	static bool seen[ARENA_PAGES];
	size_t n = 0;
	(void)state;

	memset(seen, 0, sizeof(seen));
	while ((pages[n] = page_alloc(0)) != NULL) {
		assert_block(pages[n], 0);
		assert_false(seen[page_index(pages[n])]);
		seen[page_index(pages[n])] = true;
		n++;
	}
	assert_int_equal(n, ZONE_PAGES);
	assert_int_equal(page_alloc_free_pages(), 0);
	assert_null(page_alloc(0));
	assert_null(page_alloc(1));

	/* One page back: exactly that page comes out again. */
	assert_int_equal(page_free(pages[100], 0), 0);
	assert_int_equal(page_alloc_free_pages(), 1);
	assert_null(page_alloc(1));
	assert_ptr_equal(page_alloc(0), pages[100]);

	for (size_t i = 0; i < n; i++)
		assert_int_equal(page_free(pages[i], 0), 0);
	assert_int_equal(page_alloc_free_pages(), ZONE_PAGES);
}

static void test_free_then_realloc_reuses(void **state)
{
	(void)state;
	void *a = page_alloc(2);
	void *b = page_alloc(2);
	assert_block(a, 2);
	assert_block(b, 2);
	assert_int_equal(page_free(a, 2), 0);
	assert_ptr_equal(page_alloc(2), a);
	assert_int_equal(page_free(b, 2), 0); /* the last one handed out */
	assert_ptr_equal(page_alloc(2), b);
	assert_int_equal(page_free(a, 2), 0);
	assert_int_equal(page_free(b, 2), 0);
	assert_int_equal(page_alloc_free_pages(), ZONE_PAGES);
}

static void test_order_for(void **state)
{
	(void)state;
	assert_int_equal(page_order_for(0), 0);
	assert_int_equal(page_order_for(1), 0);
	assert_int_equal(page_order_for(PAGE_SIZE), 0);
	assert_int_equal(page_order_for(PAGE_SIZE + 1), 1);
	assert_int_equal(page_order_for(2 * PAGE_SIZE), 1);
	assert_int_equal(page_order_for(2 * PAGE_SIZE + 1), 2);
	assert_int_equal(page_order_for(1ul << 20), 8);
	assert_int_equal(page_order_for(1ul << 31), PAGE_ORDERS - 1);
}

/* --- coalescing ----------------------------------------------------------- */

static void alloc_all_pages(void **pages)
{
	for (size_t i = 0; i < ZONE_PAGES; i++) {
		pages[i] = page_alloc(0);
		assert_non_null(pages[i]);
	}
	assert_null(page_alloc(0));
}

static void test_coalesce_after_free_all(void **state)
{
	static void *pages[ZONE_PAGES];
	(void)state;

	/* Freed in allocation order. */
	alloc_all_pages(pages);
	for (size_t i = 0; i < ZONE_PAGES; i++)
		assert_int_equal(page_free(pages[i], 0), 0);
	assert_int_equal(page_alloc_free_pages(), ZONE_PAGES);
	void *big = page_alloc(MAX_ORDER);
	assert_block(big, MAX_ORDER);
	assert_int_equal(page_free(big, MAX_ORDER), 0);

	/* Freed in reverse order. */
	alloc_all_pages(pages);
	for (size_t i = ZONE_PAGES; i-- > 0;)
		assert_int_equal(page_free(pages[i], 0), 0);
	assert_int_equal(page_alloc_free_pages(), ZONE_PAGES);
	big = page_alloc(MAX_ORDER);
	assert_block(big, MAX_ORDER);
	assert_int_equal(page_free(big, MAX_ORDER), 0);
	assert_int_equal(page_alloc_free_pages(), ZONE_PAGES);
}

static void test_buddies_merge(void **state)
{
	(void)state;
	/* The upper half of the arena is one order-10 block: split it in two. */
	void *big = page_alloc(MAX_ORDER);
	assert_block(big, MAX_ORDER);
	assert_int_equal(page_free(big, MAX_ORDER), 0);
	void *lo = page_alloc(MAX_ORDER - 1);
	void *hi = page_alloc(MAX_ORDER - 1);
	assert_true(lo && hi);
	assert_null(page_alloc(MAX_ORDER));
	assert_int_equal(page_free(lo, MAX_ORDER - 1), 0);
	assert_null(page_alloc(MAX_ORDER)); /* its buddy is still out */
	assert_int_equal(page_free(hi, MAX_ORDER - 1), 0);
	big = page_alloc(MAX_ORDER);
	assert_block(big, MAX_ORDER);
	assert_int_equal(page_free(big, MAX_ORDER), 0);
	assert_int_equal(page_alloc_free_pages(), ZONE_PAGES);
}

/* --- bad frees ------------------------------------------------------------ */

/* A bad free must fail and change nothing that can be observed. */
static void expect_bad_free(void *p, unsigned order)
{
	size_t before = page_alloc_free_pages();
	assert_int_equal(page_free(p, order), -EINVAL);
	assert_int_equal(page_alloc_free_pages(), before);
}

static void test_double_free(void **state)
{
	(void)state;
	/* A fresh zone hands out pages 1, 2, 3, 4 in order. */
	char *a = page_alloc(0), *b = page_alloc(0), *c = page_alloc(0), *d = page_alloc(0);
	assert_ptr_equal(a, arena + PAGE_SIZE);
	assert_ptr_equal(d, arena + 4 * PAGE_SIZE);

	/* Freed onto a free list. */
	assert_int_equal(page_free(b, 0), 0);
	expect_bad_free(b, 0);
	/* Merged with its buddy into a larger free block. */
	assert_int_equal(page_free(c, 0), 0);
	expect_bad_free(b, 0);
	expect_bad_free(c, 0);
	/* Freed back into the untouched range (the last block handed out). */
	assert_int_equal(page_free(d, 0), 0);
	expect_bad_free(d, 0);
	assert_int_equal(page_free(a, 0), 0);
	expect_bad_free(a, 0);
	assert_int_equal(page_alloc_free_pages(), ZONE_PAGES);

	/* Parts of a free block are not blocks either. */
	char *big = page_alloc(4);
	char *after = page_alloc(4); /* keeps big off the untouched range */
	assert_int_equal(page_free(big, 4), 0);
	expect_bad_free(big, 4);
	expect_bad_free(big + 4 * PAGE_SIZE, 2);
	expect_bad_free(big + 15 * PAGE_SIZE, 0);
	assert_int_equal(page_free(after, 4), 0);
	assert_int_equal(page_alloc_free_pages(), ZONE_PAGES);
	assert_int_equal(count_blocks(MAX_ORDER), 1);
}

static void test_wrong_order_detected(void **state)
{
	(void)state;
	/* A fresh zone: order-2 blocks at pages 4, 8, 12, 16. */
	char *a = page_alloc(2), *b = page_alloc(2), *c = page_alloc(2), *d = page_alloc(2);
	assert_ptr_equal(a, arena + 4 * PAGE_SIZE);
	assert_ptr_equal(d, arena + 16 * PAGE_SIZE);

	assert_int_equal(page_free(c, 2), 0);
	expect_bad_free(b, 3); /* would cover the free block c */
	expect_bad_free(d, 3); /* would cover pages never handed out */
	expect_bad_free(a, 3); /* misaligned for order 3 */
	expect_bad_free(d, 5);
	assert_int_equal(page_free(a, 2), 0);
	assert_int_equal(page_free(b, 2), 0);
	assert_int_equal(page_free(d, 2), 0);
	assert_int_equal(page_alloc_free_pages(), ZONE_PAGES);
}

static void test_foreign_pointers(void **state)
{
	static char outside[3 * PAGE_SIZE];
	char *page_in_static = (char *)ALIGN_UP((uintptr_t)outside, PAGE_SIZE);
	int local;
	(void)state;

	void *p = page_alloc(0);
	assert_non_null(p);
	expect_bad_free(NULL, 0);
	expect_bad_free(page_in_static, 0);
	expect_bad_free(&local, 0);
	expect_bad_free(arena, 0);			    /* the bitmap page */
	expect_bad_free(arena - PAGE_SIZE, 0);		    /* just below the zone */
	expect_bad_free(arena + ARENA_SIZE, 0);		    /* just above it */
	expect_bad_free(arena + ARENA_SIZE - PAGE_SIZE, 0); /* never handed out */
	expect_bad_free(arena + ARENA_SIZE / 2, MAX_ORDER); /* never handed out */
	expect_bad_free(p, PAGE_ORDERS);
	expect_bad_free(p, ~0u);
	assert_int_equal(page_free(p, 0), 0);
}

static void test_misaligned_pointers(void **state)
{
	(void)state;
	char *p = page_alloc(1);
	assert_block(p, 1);
	expect_bad_free(p + 1, 1);
	expect_bad_free(p + 16, 0);
	expect_bad_free(p + PAGE_SIZE - 1, 0);
	expect_bad_free(p + PAGE_SIZE, 1); /* page-aligned, not order-1-aligned */
	assert_int_equal(page_free(p, 1), 0);
	assert_int_equal(page_alloc_free_pages(), ZONE_PAGES);
}

/* --- zones ---------------------------------------------------------------- */

static void test_two_zones(void **state)
{
	static void *pages[ARENA_PAGES];
	const size_t half = ARENA_SIZE / 2;
	size_t n = 0, low = 0;
	(void)state;

	/* Added high first: the zone order must not matter. */
	page_alloc_reset();
	assert_int_equal(page_alloc_add_region((uintptr_t)arena + half, half), 0);
	assert_int_equal(page_alloc_add_region((uintptr_t)arena, half), 0);
	assert_int_equal(page_alloc_total_pages(), 2 * (half / PAGE_SIZE - 1));

	/* No block spans the zones: order 10 does not fit in either. */
	assert_null(page_alloc(MAX_ORDER));
	assert_int_equal(count_blocks(MAX_ORDER - 1), 2);

	while ((pages[n] = page_alloc(0)) != NULL) {
		char *p = pages[n++];
		assert_true(p != arena && p != arena + half); /* bitmap pages */
		low += p < arena + half;
	}
	assert_int_equal(n, page_alloc_total_pages());
	assert_int_equal(low, n / 2);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(page_free(pages[i], 0), 0);
	assert_int_equal(page_alloc_free_pages(), n);
	assert_null(page_alloc(MAX_ORDER));
	assert_int_equal(count_blocks(MAX_ORDER - 1), 2);
}

/* --- randomized stress against an ownership model ------------------------- */

#define STRESS_OPS  40000
#define STRESS_LIVE 256

struct live_block {
	char *p;
	unsigned order;
	uint32_t tag;
};

static uint32_t rng_state;
static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static int owner[ARENA_PAGES]; /* index into live[] + 1, or 0 */
static struct live_block live[STRESS_LIVE];

static void stress_alloc(unsigned slot, size_t *live_pages)
{
	static const unsigned orders[] = { 0, 0, 0, 0, 1, 1, 2, 2, 3, 4, 5, 6, 8 };
	unsigned order = orders[rng() % ARRAY_SIZE(orders)];
	char *p = page_alloc(order);
	if (!p) {
		if (order == 0) /* a single page is found whenever one is free */
			assert_int_equal(page_alloc_free_pages(), 0);
		return;
	}
	assert_block(p, order);
	for (size_t i = 0; i < (1ul << order); i++) {
		size_t pg = page_index(p) + i;
		if (owner[pg])
			fail_msg("page %zu handed out twice (order %u, owner slot %d)", pg, order,
				 owner[pg] - 1);
		owner[pg] = (int)slot + 1;
	}
	live[slot] = (struct live_block){ p, order, rng() };
	/* Stamp the first and last word; an overlapping block would clobber them. */
	memcpy(p, &live[slot].tag, 4);
	memcpy(p + (PAGE_SIZE << order) - 4, &live[slot].tag, 4);
	*live_pages += 1ul << order;
}

static void stress_free(unsigned slot, size_t *live_pages)
{
	struct live_block *b = &live[slot];
	assert_memory_equal(b->p, &b->tag, 4);
	assert_memory_equal(b->p + (PAGE_SIZE << b->order) - 4, &b->tag, 4);
	assert_int_equal(page_free(b->p, b->order), 0);
	for (size_t i = 0; i < (1ul << b->order); i++)
		owner[page_index(b->p) + i] = 0;
	*live_pages -= 1ul << b->order;
	if (rng() % 8 == 0)
		expect_bad_free(b->p, b->order); /* an immediate double free */
	b->p = NULL;
}

static void test_random_stress(void **state)
{
	size_t live_pages = 0;
	(void)state;

	rng_state = 0xe3be4u;
	memset(owner, 0, sizeof(owner));
	memset(live, 0, sizeof(live));
	for (int op = 0; op < STRESS_OPS; op++) {
		unsigned slot = rng() % STRESS_LIVE;
		if (live[slot].p)
			stress_free(slot, &live_pages);
		else
			stress_alloc(slot, &live_pages);
		assert_int_equal(page_alloc_free_pages(), ZONE_PAGES - live_pages);
	}
	for (unsigned slot = 0; slot < STRESS_LIVE; slot++)
		if (live[slot].p)
			stress_free(slot, &live_pages);
	assert_int_equal(live_pages, 0);
	assert_int_equal(page_alloc_free_pages(), ZONE_PAGES);
	assert_int_equal(count_blocks(0), ZONE_PAGES);
}

/* --- known defects (fail until page_alloc.c is fixed) --------------------- */

/*
 * Regression test, kernel/mm/page_alloc.c page_free(), "if (pfn + (1ul << order) ==
 * z->fresh_pfn)": a freed block rejoins the untouched "fresh" range only if it
 * ends exactly at fresh_pfn, and it is never merged with a buddy that lies in
 * the fresh range. A free block that comes to sit just below fresh_pfn (because
 * fresh_pfn retreated to it in steps smaller than its order) stays on its free
 * list forever, split from its buddy. Here every page is freed, free == total,
 * yet the order-10 block (the upper 4 MiB) cannot be allocated: alloc all 2047
 * pages; free pages 1024 and 1025 (they merge into an order-1 block on the free
 * list); free pages 2047 down to 1026 (fresh_pfn retreats to page 1026); free
 * the rest. page_alloc(10) returns NULL, want a block.
 */
static void test_coalesce_any_free_order(void **state)
{
	static void *pages[ZONE_PAGES];
	(void)state;

	alloc_all_pages(pages); /* pages[i] is arena page i + 1 */
	assert_int_equal(page_free(pages[1023], 0), 0);
	assert_int_equal(page_free(pages[1024], 0), 0);
	for (size_t i = ZONE_PAGES; i-- > 1025;)
		assert_int_equal(page_free(pages[i], 0), 0);
	for (size_t i = 0; i < 1023; i++)
		assert_int_equal(page_free(pages[i], 0), 0);
	assert_int_equal(page_alloc_free_pages(), ZONE_PAGES);
	void *big = page_alloc(MAX_ORDER);
	assert_non_null(big);
	assert_int_equal(page_free(big, MAX_ORDER), 0);
}

/*
 * Regression test, kernel/mm/page_alloc.c carve_fresh(), "free_range(z, z->fresh_pfn,
 * start)": the alignment gap below a carved block is put on the free lists by
 * free_range() without merging, so it can sit next to its free buddy (breaking
 * the header's "two free buddies of the same order never coexist"). With the
 * zone starting at arena page 1: alloc order 0 (page 1), 1 (2-3), 1 (4-5), 0
 * (6), 0 (7); free pages 4-5, 7, 6 (fresh_pfn retreats to 6); alloc order 2
 * carves 8-11 and pushes the gap 6-7 as an order-1 block beside the free 4-5.
 * After freeing everything, pages 4-7 can no longer serve an order-2 request: a
 * fresh allocator hands out 511 order-2 blocks, this one 510.
 */
static void test_coalesce_after_alignment_gap(void **state)
{
	(void)state;
	size_t fresh_count = count_blocks(2);
	one_zone(NULL);

	void *p1 = page_alloc(0), *p2 = page_alloc(1), *p4 = page_alloc(1);
	void *p6 = page_alloc(0), *p7 = page_alloc(0);
	assert_ptr_equal(p1, arena + 1 * PAGE_SIZE);
	assert_ptr_equal(p4, arena + 4 * PAGE_SIZE);
	assert_ptr_equal(p7, arena + 7 * PAGE_SIZE);
	assert_int_equal(page_free(p4, 1), 0);
	assert_int_equal(page_free(p7, 0), 0);
	assert_int_equal(page_free(p6, 0), 0);
	void *p8 = page_alloc(2); /* pages 4-7 (freed blocks rejoin the fresh range) */
	assert_non_null(p8);
	assert_true(((uintptr_t)p8 - (uintptr_t)arena) % (4 * PAGE_SIZE) == 0);
	assert_int_equal(page_free(p8, 2), 0);
	assert_int_equal(page_free(p2, 1), 0);
	assert_int_equal(page_free(p1, 0), 0);
	assert_int_equal(page_alloc_free_pages(), ZONE_PAGES);
	assert_int_equal(count_blocks(2), fresh_count);
}

/*
 * Regression test, kernel/mm/page_alloc.c page_free() and block_overlaps_free(): a
 * free with the wrong order is caught only when the block it names overlaps
 * free or never-used pages. <ember/page_alloc.h> promises -EINVAL for any "@p
 * is not an allocated block of that order" with state untouched, but (a)
 * freeing an order-1 block as order 0 returns 0 and leaks its second page for
 * good, and (b) freeing an order-0 block as order 1 when the next page is
 * another live block returns 0 and frees that live page too (it is then handed
 * out twice). The bitmap records free heads only, so the allocator cannot know;
 * the header comment of page_alloc_add_region() speaks of "1 byte per page" of
 * state, which would be enough to record the order.
 */
/* Runs: exactly n pages used, the rest of the block free at once, all back after freeing. */
static void test_runs(void **state)
{
	(void)state;
	size_t before = page_alloc_free_pages();
	static const size_t sizes[] = { 1, 2, 3, 5, 33, 63, 64, 65, 100, 129 };
	void *runs[sizeof(sizes) / sizeof(sizes[0])];
	size_t used = 0;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		runs[i] = page_alloc_run(sizes[i]);
		assert_non_null(runs[i]);
		used += sizes[i];
		assert_int_equal(page_alloc_free_pages(), before - used);
		memset(runs[i], 0xa5, sizes[i] * PAGE_SIZE); /* ASan: all of it is ours */
	}
	/* a length cut differently, or an interior pointer, is refused and frees nothing
	 * (a length whose cut is a prefix of the real one, 32 of 33, is not detected:
	 * as page_free() with a smaller order) */
	assert_int_equal(page_free_run(runs[4], 34), -EINVAL);
	assert_int_equal(page_free_run((char *)runs[4] + PAGE_SIZE, 32), -EINVAL);
	assert_int_equal(page_alloc_free_pages(), before - used);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		assert_int_equal(page_free_run(runs[i], sizes[i]), 0);
	assert_int_equal(page_free_run(runs[0], sizes[0]), -EINVAL); /* double free */
	assert_int_equal(page_alloc_free_pages(), before);
	void *big = page_alloc(MAX_ORDER); /* everything merged back */
	assert_block(big, MAX_ORDER);
	assert_int_equal(page_free(big, MAX_ORDER), 0);
	assert_null(page_alloc_run(0));
}

static void test_wrong_order_undetected(void **state)
{
	(void)state;
	char *pair = page_alloc(1);
	assert_block(pair, 1);
	expect_bad_free(pair, 0); /* (a) */
}

static void test_wrong_order_frees_neighbour(void **state)
{
	(void)state;
	char *a, *b;
	do { /* two consecutive order-0 pages, the first order-1-aligned */
		a = page_alloc(0);
		assert_non_null(a);
	} while ((uintptr_t)a % (2 * PAGE_SIZE) != 0);
	b = page_alloc(0);
	assert_ptr_equal(b, a + PAGE_SIZE);
	expect_bad_free(a, 1); /* (b) */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_region_validation),
		cmocka_unit_test(test_add_region_zone_limit),
		cmocka_unit_test_setup(test_totals, one_zone),
		cmocka_unit_test_setup(test_reset_forgets_everything, one_zone),
		cmocka_unit_test_setup(test_alignment_every_order, one_zone),
		cmocka_unit_test_setup(test_order_too_large, one_zone),
		cmocka_unit_test_setup(test_exhaustion, one_zone),
		cmocka_unit_test_setup(test_free_then_realloc_reuses, one_zone),
		cmocka_unit_test(test_order_for),
		cmocka_unit_test_setup(test_coalesce_after_free_all, one_zone),
		cmocka_unit_test_setup(test_buddies_merge, one_zone),
		cmocka_unit_test_setup(test_double_free, one_zone),
		cmocka_unit_test_setup(test_wrong_order_detected, one_zone),
		cmocka_unit_test_setup(test_foreign_pointers, one_zone),
		cmocka_unit_test_setup(test_misaligned_pointers, one_zone),
		cmocka_unit_test(test_two_zones),
		cmocka_unit_test_setup(test_random_stress, one_zone),
		cmocka_unit_test_setup(test_coalesce_any_free_order, one_zone),
		cmocka_unit_test_setup(test_coalesce_after_alignment_gap, one_zone),
		cmocka_unit_test_setup(test_runs, one_zone),
		cmocka_unit_test_setup(test_wrong_order_undetected, one_zone),
		cmocka_unit_test_setup(test_wrong_order_frees_neighbour, one_zone),
	};
	return cmocka_run_group_tests_name("page_alloc", tests, arena_create, arena_destroy);
}
