// SPDX-License-Identifier: MIT
/*
 * workload: a guest whose time split between functions is known by
 * construction, to check the profiler against. Each round calls
 * workload_a, workload_b and workload_c with 5, 3 and 2 units of the same
 * compute kernel (50/30/20 by iteration count), and measures the cycles each
 * really took with the TSC; every 5 seconds and at exit it prints its own
 * accounting so far, which a profile of it must match. It yields after every
 * round, so `xl shutdown` (a xenstore watch handled in another thread) ends
 * it early:
 *
 *   workload: a=50.0% b=30.0% c=20.0% over N rounds (M cycles)
 *
 *   workload [SECONDS [UNIT]]   run for SECONDS (default 5); UNIT iterations
 *                               per unit of work (default 200000: long enough
 *                               that the TSC reads around each call cost
 *                               nothing, even where Xen emulates rdtsc)
 */
#include <ember/arch.h>
#include <ember/param.h>
#include <ember/printk.h>
#include <ember/sched.h>
#include <ember/time.h>

static volatile uint64_t sink;

/*
 * The compute kernel: an xorshift chain the compiler cannot shorten. The
 * volatile local gives it a stack frame: GCC 12 drops the frame pointer of a
 * leaf function without locals even under -mno-omit-leaf-frame-pointer, and a
 * frame-pointer walk from such a leaf skips its caller (DWARF unwinding does
 * not need the frame).
 */
static __attribute__((noinline)) uint64_t spin(uint64_t iterations, uint64_t x)
{
	volatile uint64_t frame_anchor = iterations;
	for (uint64_t i = 0; i < frame_anchor; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		__asm__ volatile("" : "+r"(x));
	}
	return x;
}

__attribute__((noinline)) void workload_a(uint64_t n)
{
	sink = spin(5 * n, sink | 1);
}

__attribute__((noinline)) void workload_b(uint64_t n)
{
	sink = spin(3 * n, sink | 1);
}

__attribute__((noinline)) void workload_c(uint64_t n)
{
	sink = spin(2 * n, sink | 1);
}

static unsigned long arg_or(int argc, char **argv, int i, unsigned long def)
{
	unsigned long v;
	return argc > i && !param_parse_uint(argv[i], &v) && v ? v : def;
}

/* Prints @part as a percentage of @whole with one decimal. */
static void print_share(const char *name, uint64_t part, uint64_t whole)
{
	uint64_t permille = whole ? (part * 1000 + whole / 2) / whole : 0;
	printk(" %s=%lu.%lu%%", name, (unsigned long)(permille / 10),
	       (unsigned long)(permille % 10));
}

static void print_accounting(const uint64_t cycles[3], uint64_t rounds)
{
	uint64_t total = cycles[0] + cycles[1] + cycles[2];
	printk("workload:");
	print_share("a", cycles[0], total);
	print_share("b", cycles[1], total);
	print_share("c", cycles[2], total);
	printk(" over %lu rounds (%lu cycles)\n", (unsigned long)rounds, (unsigned long)total);
}

int main(int argc, char **argv)
{
	uint64_t seconds = arg_or(argc, argv, 1, 5), unit = arg_or(argc, argv, 2, 200000);
	uint64_t cycles[3] = { 0 }, rounds = 0;
	void (*const work[3])(uint64_t) = { workload_a, workload_b, workload_c };
	uint64_t now = time_now_ns(), end = now + seconds * NSEC_PER_SEC;
	uint64_t next_report = now + 5 * NSEC_PER_SEC;

	printk("workload: running %lu s\n", (unsigned long)seconds);
	while ((now = time_now_ns()) < end) {
		if (now >= next_report) {
			print_accounting(cycles, rounds);
			next_report += 5 * NSEC_PER_SEC;
		}
		for (int i = 0; i < 3; i++) {
			uint64_t c0 = arch_cycles();
			work[i](unit);
			cycles[i] += arch_cycles() - c0;
		}
		rounds++;
		/* Let the platform's threads run (xl shutdown is a xenstore watch). */
		thread_yield();
	}
	print_accounting(cycles, rounds);
	return 0;
}
