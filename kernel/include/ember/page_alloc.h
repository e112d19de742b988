/* SPDX-License-Identifier: MIT */
/*
 * The page-frame allocator: a binary buddy allocator over the RAM regions of
 * the memory map. Blocks are 2^order pages, aligned to their own size.
 * Memory is reached at virtual == physical addresses, so "frames" are
 * returned as pointers. Not interrupt-safe: call from thread context only
 * (Ember's scheduler is cooperative, so no lock is needed there).
 */
#ifndef EMBER_PAGE_ALLOC_H
#define EMBER_PAGE_ALLOC_H

#include <ember/compiler.h>

#define PAGE_SHIFT     12
#define PAGE_SIZE      (1ul << PAGE_SHIFT)
#define PAGE_ORDERS    20 /* orders 0..19: up to 2 GiB per block */
#define PAGE_ZONES_MAX 8

/*
 * Adds the page-aligned RAM range [@base, @base+@size) to the allocator. Its
 * first pages hold the allocator's per-page state (1 byte per page).
 * Returns 0, -EINVAL for a misaligned or too small range, -E2BIG when all
 * PAGE_ZONES_MAX zones are in use.
 */
int page_alloc_add_region(uintptr_t base, size_t size);

/* Returns 2^@order contiguous pages aligned to their size, or NULL. */
void *page_alloc(unsigned order);

/*
 * Frees a block obtained from page_alloc(@order). Returns 0, or -EINVAL if
 * @p is not the start of an allocated block of exactly that order (a double
 * free, a wrong order, an interior, foreign or misaligned pointer); the
 * allocator's state is left untouched then.
 */
int page_free(void *p, unsigned order);

/*
 * @n contiguous pages (not rounded up to a power of two: the rest of the
 * block is freed at once), aligned to the largest power of two <= @n, or
 * NULL. Freed only by page_free_run() with the same @n, which returns 0 or
 * -EINVAL (then nothing is freed) when @p, @n do not name such a run (a
 * shorter @n whose pieces are a prefix of the run's is not detected).
 */
void *page_alloc_run(size_t n);
int page_free_run(void *p, size_t n);

/* True if the page at @p is inside the allocator and currently free. */
bool page_is_free(const void *p);

/* Smallest order whose block holds @bytes (PAGE_ORDERS if none does). */
unsigned page_order_for(size_t bytes);

/* Free pages in all zones, and pages under management. */
size_t page_alloc_free_pages(void);
size_t page_alloc_total_pages(void);

/* Forgets every zone (host tests only: they rebuild the allocator). */
void page_alloc_reset(void);

#endif
