// SPDX-License-Identifier: MIT
/*
 * The kernel's heap (kernel/mm/heap.c) for applications that choose it
 * behind musl's malloc interface (app-features += kernel-malloc: the
 * application side is libc-glue/kernel-malloc.c). Each entry counts as a
 * system call (sched_kernel_depth), since the heap is kernel code that an
 * application thread must not be preempted in; a preemption that came due
 * meanwhile is taken on the way out. musl's mallocng over mmap is what
 * applications get by default (the measurement behind that: tests/bench/libc,
 * docs/PERFORMANCE.md).
 */
#include <ember/heap.h>
#include <ember/sched.h>

static void heap_enter(void)
{
	sched_kernel_depth++;
}

static void heap_leave(void)
{
	sched_kernel_depth--;
	sched_syscall_exit();
}

void *__ember_heap_malloc(size_t size)
{
	heap_enter();
	void *p = malloc(size);
	heap_leave();
	return p;
}

void *__ember_heap_calloc(size_t n, size_t size)
{
	heap_enter();
	void *p = calloc(n, size);
	heap_leave();
	return p;
}

void *__ember_heap_realloc(void *old, size_t size)
{
	heap_enter();
	void *p = realloc(old, size);
	heap_leave();
	return p;
}

void __ember_heap_free(void *p)
{
	heap_enter();
	free(p);
	heap_leave();
}

void *__ember_heap_aligned_alloc(size_t align, size_t size)
{
	heap_enter();
	void *p = aligned_alloc(align, size);
	heap_leave();
	return p;
}

size_t __ember_heap_usable_size(void *p)
{
	heap_enter();
	size_t n = malloc_usable_size(p);
	heap_leave();
	return n;
}
