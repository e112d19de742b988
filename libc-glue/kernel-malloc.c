// SPDX-License-Identifier: MIT
/*
 * app-features += kernel-malloc: musl's malloc interface on the kernel's
 * heap (libc-glue/heap_export.c) instead of musl's mallocng over mmap.
 * Compiled with the application, so the static link takes these over
 * musl's own (musl supports replacing malloc at static link time when all
 * of malloc, calloc, realloc and free are replaced). Built for the
 * allocator measurement in tests/bench/libc.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

void *__ember_heap_malloc(size_t size);
void *__ember_heap_calloc(size_t n, size_t size);
void *__ember_heap_realloc(void *p, size_t size);
void __ember_heap_free(void *p);
void *__ember_heap_aligned_alloc(size_t align, size_t size);
size_t __ember_heap_usable_size(void *p);

static void *or_enomem(void *p)
{
	if (!p)
		errno = ENOMEM;
	return p;
}

void *malloc(size_t size)
{
	return or_enomem(__ember_heap_malloc(size));
}

void *calloc(size_t n, size_t size)
{
	return or_enomem(__ember_heap_calloc(n, size));
}

void *realloc(void *p, size_t size)
{
	return or_enomem(__ember_heap_realloc(p, size));
}

void free(void *p)
{
	__ember_heap_free(p);
}

void *aligned_alloc(size_t align, size_t size)
{
	return or_enomem(__ember_heap_aligned_alloc(align, size));
}

int posix_memalign(void **out, size_t align, size_t size)
{
	if (align < sizeof(void *) || (align & (align - 1)))
		return EINVAL;
	void *p = __ember_heap_aligned_alloc(align, size);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

void *memalign(size_t align, size_t size)
{
	return aligned_alloc(align, size);
}

size_t malloc_usable_size(void *p)
{
	return p ? __ember_heap_usable_size(p) : 0;
}
