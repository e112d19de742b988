// SPDX-License-Identifier: MIT
/*
 * mallocbench: what the C library's allocator costs an Ember program, for
 * the allocator choice (tests/bench/libc, docs/PERFORMANCE.md). The same
 * source is built twice: apps/mallocbench with musl's mallocng over mmap
 * (what applications get) and apps/mallocbench-kheap with the kernel's heap
 * behind the same interface (app-features += kernel-malloc).
 *
 * Each phase replaces a random live block with a new one of a random size
 * (a fixed xorshift sequence, so both builds do exactly the same work),
 * touching each new block's first and last byte:
 *   small    8-512 bytes, 4,096 live, 200,000 replacements
 *   medium   4-64 KiB, 256 live, 20,000 replacements
 *   large    128 KiB-1 MiB, 16 live, 2,000 replacements
 *   threads  4 threads, each the small phase on its own blocks, 50,000 each
 * Per phase: TSC ticks per replacement (instructions under -icount
 * shift=0) and the pages the phase held at its end, all live blocks still
 * allocated (sysinfo's free RAM before and after, in 4-KiB pages: the
 * allocator's footprint, overhead included). The Linux comparison guest
 * runs the same source linked statically with glibc.
 *   mallocbench
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>

struct phase {
	const char *name;
	size_t min, max;
	unsigned live;
	unsigned long replacements;
};

static const struct phase phases[] = {
	{ "small", 8, 512, 4096, 200000 },
	{ "medium", 4096, 65536, 256, 20000 },
	{ "large", 131072, 1048576, 16, 2000 },
};
#define THREADS		    4
#define THREAD_REPLACEMENTS 50000

static inline uint64_t tsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi)::"memory");
	return (uint64_t)hi << 32 | lo;
}

static uint64_t next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static long free_pages(void)
{
	struct sysinfo si;
	return sysinfo(&si) ? -1 : (long)(si.freeram * si.mem_unit / 4096);
}

static void *new_block(const struct phase *p, uint64_t *seed)
{
	size_t size = p->min + next(seed) % (p->max - p->min + 1);
	unsigned char *b = malloc(size);
	if (!b) {
		fprintf(stderr, "mallocbench: out of memory at %zu bytes\n", size);
		exit(1);
	}
	b[0] = 1;
	b[size - 1] = 2;
	return b;
}

/* Replaces blocks of @slots; returns 0 or exits on failure. */
static void churn(const struct phase *p, void **slots, unsigned long n, uint64_t seed)
{
	for (unsigned i = 0; i < p->live; i++)
		slots[i] = new_block(p, &seed);
	for (unsigned long i = 0; i < n; i++) {
		unsigned at = (unsigned)(next(&seed) % p->live);
		free(slots[at]);
		slots[at] = new_block(p, &seed);
	}
}

static void release(void **slots, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		free(slots[i]);
}

static void report(const char *name, uint64_t ticks, unsigned long n, long before, long after)
{
	printf("mallocbench: %s ticks_per_op=%.1f pages_held=%ld\n", name,
	       (double)ticks / (double)n, before - after);
}

struct worker {
	pthread_t t;
	void *slots[4096];
	uint64_t seed;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	churn(&phases[0], w->slots, THREAD_REPLACEMENTS, w->seed);
	return NULL;
}

static void threads_phase(void)
{
	static struct worker w[THREADS];
	long before = free_pages();
	uint64_t t0 = tsc();
	for (int i = 0; i < THREADS; i++) {
		w[i].seed = 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1);
		if (pthread_create(&w[i].t, NULL, worker_main, &w[i])) {
			fprintf(stderr, "mallocbench: pthread_create failed\n");
			exit(1);
		}
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(w[i].t, NULL);
	uint64_t t1 = tsc();
	report("threads", t1 - t0, THREADS * (unsigned long)THREAD_REPLACEMENTS, before,
	       free_pages());
	for (int i = 0; i < THREADS; i++)
		release(w[i].slots, phases[0].live);
}

int main(void)
{
	static void *slots[4096];
	for (size_t i = 0; i < sizeof(phases) / sizeof(phases[0]); i++) {
		const struct phase *p = &phases[i];
		long before = free_pages();
		uint64_t t0 = tsc();
		churn(p, slots, p->replacements, 88172645463325252ull + i);
		uint64_t t1 = tsc();
		report(p->name, t1 - t0, p->replacements + p->live, before, free_pages());
		release(slots, p->live);
	}
	threads_phase();
	printf("mallocbench: done\n");
	return 0;
}
