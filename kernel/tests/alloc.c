// SPDX-License-Identifier: MIT
/*
 * Allocator suite: the page allocator and the heap as the running kernel
 * uses them (real RAM, real page tables). The host unit tests cover the
 * bookkeeping in detail; these check the pieces work together in the guest.
 */
#include <ember/heap.h>
#include <ember/page_alloc.h>
#include <ember/string.h>
#include <ember/test.h>

TEST(alloc, pages_are_aligned_and_writable)
{
	size_t before = page_alloc_free_pages();
	for (unsigned order = 0; order < 8; order++) {
		char *p = page_alloc(order);
		ASSERT_NOT_NULL(p);
		EXPECT_TRUE(IS_ALIGNED((uintptr_t)p, PAGE_SIZE << order));
		memset(p, 0xa5, PAGE_SIZE << order);
		EXPECT_EQ((unsigned char)p[(PAGE_SIZE << order) - 1], 0xa5);
		EXPECT_EQ(page_free(p, order), 0);
	}
	EXPECT_EQ(page_alloc_free_pages(), before);
}

TEST(alloc, page_double_free_is_refused)
{
	void *p = page_alloc(0);
	ASSERT_NOT_NULL(p);
	EXPECT_EQ(page_free(p, 0), 0);
	size_t free_now = page_alloc_free_pages();
	EXPECT_EQ(page_free(p, 0), -22);
	EXPECT_EQ(page_alloc_free_pages(), free_now);
}

TEST(alloc, malloc_sizes_and_alignment)
{
	struct heap_stats before, after;
	heap_get_stats(&before);
	void *ptrs[64];
	for (unsigned i = 0; i < 64; i++) {
		size_t size = (size_t)1 << (i % 18);
		ptrs[i] = malloc(size);
		ASSERT_NOT_NULL(ptrs[i]);
		EXPECT_TRUE(IS_ALIGNED((uintptr_t)ptrs[i], HEAP_ALIGN));
		EXPECT_GE(malloc_usable_size(ptrs[i]), size);
		memset(ptrs[i], (int)i, size);
	}
	for (unsigned i = 0; i < 64; i++) {
		size_t size = (size_t)1 << (i % 18);
		EXPECT_EQ(((unsigned char *)ptrs[i])[size - 1], i);
		free(ptrs[i]);
	}
	heap_get_stats(&after);
	EXPECT_EQ(after.live_blocks, before.live_blocks);
	EXPECT_EQ(after.live_bytes, before.live_bytes);
}

TEST(alloc, calloc_zeroes_and_checks_overflow)
{
	unsigned char *p = calloc(100, 41);
	ASSERT_NOT_NULL(p);
	for (unsigned i = 0; i < 4100; i++)
		if (p[i])
			EXPECT_EQ(p[i], 0);
	free(p);
	EXPECT_NULL(calloc((size_t)1 << 40, (size_t)1 << 40));
}

TEST(alloc, realloc_keeps_contents)
{
	char *p = malloc(10);
	ASSERT_NOT_NULL(p);
	memcpy(p, "ember-heap", 10);
	p = realloc(p, 100000);
	ASSERT_NOT_NULL(p);
	EXPECT_EQ(memcmp(p, "ember-heap", 10), 0);
	p = realloc(p, 3);
	ASSERT_NOT_NULL(p);
	EXPECT_EQ(memcmp(p, "emb", 3), 0);
	free(p);
}

TEST(alloc, aligned_allocations)
{
	for (size_t align = 32; align <= 65536; align <<= 1) {
		void *p = aligned_alloc(align, 100);
		ASSERT_NOT_NULL(p);
		EXPECT_TRUE(IS_ALIGNED((uintptr_t)p, align));
		memset(p, 1, 100);
		free(p);
	}
	EXPECT_NULL(aligned_alloc(48, 10));
	void *q;
	EXPECT_EQ(posix_memalign(&q, 3, 10), 22);
}

TEST(alloc, double_free_is_detected)
{
	struct heap_stats before, after;
	char *p = malloc(40);
	ASSERT_NOT_NULL(p);
	free(p);
	heap_get_stats(&before);
	heap_set_errors_fatal(false);
	free(p);
	heap_set_errors_fatal(true);
	heap_get_stats(&after);
	EXPECT_EQ(after.errors, before.errors + 1);
}

TEST(alloc, overflow_is_detected_in_debug_builds)
{
	struct heap_stats before, after;
	char *p = malloc(24);
	ASSERT_NOT_NULL(p);
	p[24] = 'X'; /* one byte past the end: inside the red zone */
	heap_get_stats(&before);
	heap_set_errors_fatal(false);
	free(p);
	heap_set_errors_fatal(true);
	heap_get_stats(&after);
	EXPECT_EQ(after.errors, before.errors + (CONFIG_DEBUG ? 1 : 0));
}

TEST(alloc, many_small_blocks_return_their_pages)
{
	enum { N = 4000 };
	void **v = malloc(N * sizeof(void *));
	ASSERT_NOT_NULL(v);
	size_t free_before = page_alloc_free_pages();
	for (unsigned i = 0; i < N; i++) {
		v[i] = malloc(100);
		ASSERT_NOT_NULL(v[i]);
	}
	EXPECT_LT(page_alloc_free_pages(), free_before);
	for (unsigned i = 0; i < N; i++)
		free(v[i]);
	/* Each class may keep one partial slab; 4000 blocks need far more. */
	EXPECT_GE(page_alloc_free_pages() + 4, free_before);
	free(v);
}
