// SPDX-License-Identifier: MIT
/*
 * nullcall: what one system call costs a C program, timed with the TSC
 * around a loop of getppid() (musl's and glibc's both make the system call:
 * nothing caches it). The same source is the Ember app and, linked
 * statically with glibc, the program the Linux comparison guest runs
 * (tests/bench/libc). Under QEMU's -icount shift=0 the guest's TSC counts
 * 1 per instruction, so the figure is instructions per call; under plain
 * TCG it is emulated cycles. An empty out-of-line call in the same loop is
 * the baseline: what the loop itself costs.
 *   nullcall [CALLS]   (default 1000000)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline uint64_t tsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi)::"memory");
	return (uint64_t)hi << 32 | lo;
}

__attribute__((noinline)) static int empty(void)
{
	__asm__ volatile("" ::: "memory");
	return 0;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	if (n <= 0)
		return 2;
	long sink = 0;
	for (int i = 0; i < 1000; i++) /* warm up: translations, caches */
		sink += getppid();
	uint64_t t0 = tsc();
	for (long i = 0; i < n; i++)
		sink += getppid();
	uint64_t t1 = tsc();
	for (long i = 0; i < n; i++)
		sink += empty();
	uint64_t t2 = tsc();
	printf("nullcall: calls=%ld getppid_tsc=%.2f empty_tsc=%.2f sink=%ld\n", n,
	       (double)(t1 - t0) / (double)n, (double)(t2 - t1) / (double)n, sink);
	return 0;
}
