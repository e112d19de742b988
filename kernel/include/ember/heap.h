/* SPDX-License-Identifier: MIT */
/*
 * The kernel heap: the C allocation functions, backed by the page allocator.
 *
 * Small requests come from size-class slabs, large ones (over 8 KiB) straight
 * from page_alloc(). Every block carries a 16-byte header, so free() knows the
 * block's size and kind and can recognise a double free or a pointer it never
 * returned. Debug builds (CONFIG_DEBUG=1) add a red zone after each block,
 * checked on free/realloc to catch overflows, and poison freed memory.
 * Detected corruption is reported through heap_corruption(), which the kernel
 * implements as a panic (tests may arm an expectation instead).
 *
 * Precondition for every call: thread context, never an interrupt handler.
 */
#ifndef EMBER_HEAP_H
#define EMBER_HEAP_H

#include <ember/compiler.h>

#define HEAP_ALIGN 16

void *malloc(size_t size);
void *calloc(size_t nmemb, size_t size);
void *realloc(void *ptr, size_t size);
void free(void *ptr);
/* @align must be a power of two; returns NULL otherwise or when out of memory. */
void *aligned_alloc(size_t align, size_t size);
int posix_memalign(void **out, size_t align, size_t size);
/* Bytes usable at @ptr (at least what was asked for). */
size_t malloc_usable_size(void *ptr);

struct heap_stats {
	size_t live_blocks; /* allocations not yet freed */
	size_t live_bytes;  /* bytes asked for by those allocations */
	size_t slab_pages;  /* pages held by slabs */
	size_t large_pages; /* pages held by large allocations */
	size_t errors;	    /* corruption reports so far */
};
void heap_get_stats(struct heap_stats *out);

/*
 * Called by the heap when it finds corruption: @what is a short description
 * ("double free", "overflow past end of block", "invalid pointer"). Provided
 * by the kernel (panic.c) or by a host test. If it returns, the heap leaves
 * the block alone (leaks it) rather than corrupt its own state.
 */
void heap_corruption(const char *what, const void *ptr);

/*
 * Makes heap_corruption() report and return instead of panicking (@fatal
 * false), so tests can provoke corruption on purpose. Kernel only.
 */
void heap_set_errors_fatal(bool fatal);

#endif
