// SPDX-License-Identifier: MIT
/*
 * workload: a guest whose time split between functions is known by
 * construction, to check the profiler against. Each round calls
 * workload_a, workload_b and workload_c with 5, 3 and 2 units of the same
 * compute kernel (50/30/20 by iteration count), and measures the cycles each
 * really took with the TSC; every 5 seconds and at exit it prints its own
 * accounting so far, which a profile of it must match. It yields after every
 * round, so `xl shutdown` (a xenstore watch handled in another thread) ends
 * it early.
 *
 * Steal. The TSC runs on while the hypervisor keeps the vCPU from running
 * (under Xen, every sample pauses the domain from dom0 for ~0.5 ms of nested
 * TCG time; a busy host deschedules it), and that time lands in whichever
 * function was running, so the raw shares drift with the length of the
 * pauses. The platform's steal time (plat_steal_ns(): Xen's runstate area,
 * KVM's steal-time MSR) is read around every call too, and a second line
 * gives the shares of the time actually run, with the ms behind them. What
 * no layer reports still counts: under QEMU TCG there is no steal clock (the
 * gdbstub stops the TSC with the CPU, but QEMU descheduled by a busy host
 * does not), and the workload says so:
 *
 *   workload: a=50.0% b=30.0% c=20.0% over N rounds (M cycles)
 *   workload: steal-corrected a=50.0% b=30.0% c=20.0% (ran A/B/C ms, S of T ms stolen)
 *   workload: steal time not available (REASON, -ERRNO)
 *
 *   workload [SECONDS [UNIT]]   run for SECONDS (default 5); UNIT iterations
 *                               per unit of work (default 200000: long enough
 *                               that the TSC reads around each call cost
 *                               little, even where Xen emulates rdtsc; a PV
 *                               guest in the nested rig has ~5% of its
 *                               samples in rdtsc, most between the calls)
 *
 * Invariant: steal is counted only inside the cycle window of its call (TSC
 * read first and last), so no call loses more than it measured.
 */
#include <ember/arch.h>
#include <ember/errno.h>
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

/* What the workload has measured so far. */
struct accounting {
	uint64_t cycles[3];   /* arch_cycles() across each function's calls */
	uint64_t steal_ns[3]; /* plat_steal_ns() across the same calls */
	uint64_t rounds;
	int steal_err; /* 0 while every steal read worked, else the first error */
};

static void (*const work[3])(uint64_t) = { workload_a, workload_b, workload_c };

/* Steal time now, or 0 once a read failed (acc->steal_err says why). */
static uint64_t steal_read(struct accounting *acc)
{
	uint64_t ns = 0;
	if (!acc->steal_err)
		acc->steal_err = plat_steal_ns(&ns);
	return ns;
}

static void run_round(struct accounting *acc, uint64_t unit)
{
	for (int i = 0; i < 3; i++) {
		uint64_t c0 = arch_cycles();
		uint64_t s0 = steal_read(acc);
		work[i](unit);
		uint64_t s1 = steal_read(acc);
		acc->cycles[i] += arch_cycles() - c0;
		acc->steal_ns[i] += s1 - s0; /* meaningless once steal_err is set */
	}
	acc->rounds++;
}

/* Prints @part as a percentage of @whole with one decimal. */
static void print_share(const char *name, uint64_t part, uint64_t whole)
{
	uint64_t permille = whole ? (part * 1000 + whole / 2) / whole : 0;
	printk(" %s=%lu.%lu%%", name, (unsigned long)(permille / 10),
	       (unsigned long)(permille % 10));
}

static void print_shares(const uint64_t part[3], uint64_t total)
{
	print_share("a", part[0], total);
	print_share("b", part[1], total);
	print_share("c", part[2], total);
}

static const char *steal_reason(int err)
{
	switch (err) {
	case -ENODEV: return "this platform offers none";
	case -EAGAIN: return "the record kept changing";
	case -EIO: return "the record is inconsistent";
	default: return "unexpected error";
	}
}

/* The shares of the time each function actually ran: its cycles less steal. */
static void print_corrected(const struct accounting *acc)
{
	uint64_t ran[3], measured = 0, stolen = 0, total = 0;
	if (acc->steal_err) {
		printk("workload: steal time not available (%s, %d)\n",
		       steal_reason(acc->steal_err), acc->steal_err);
		return;
	}
	for (int i = 0; i < 3; i++) {
		uint64_t ns = time_cycles_to_ns(acc->cycles[i]);
		ran[i] = ns > acc->steal_ns[i] ? ns - acc->steal_ns[i] : 0;
		measured += ns;
		stolen += acc->steal_ns[i];
		total += ran[i];
	}
	printk("workload: steal-corrected");
	print_shares(ran, total);
	printk(" (ran %lu/%lu/%lu ms, %lu of %lu ms stolen)\n",
	       (unsigned long)(ran[0] / NSEC_PER_MSEC), (unsigned long)(ran[1] / NSEC_PER_MSEC),
	       (unsigned long)(ran[2] / NSEC_PER_MSEC), (unsigned long)(stolen / NSEC_PER_MSEC),
	       (unsigned long)(measured / NSEC_PER_MSEC));
}

static void print_accounting(const struct accounting *acc)
{
	uint64_t total = acc->cycles[0] + acc->cycles[1] + acc->cycles[2];
	printk("workload:");
	print_shares(acc->cycles, total);
	printk(" over %lu rounds (%lu cycles)\n", (unsigned long)acc->rounds, (unsigned long)total);
	print_corrected(acc);
}

int main(int argc, char **argv)
{
	uint64_t seconds = arg_or(argc, argv, 1, 5), unit = arg_or(argc, argv, 2, 200000);
	struct accounting acc = { 0 };
	uint64_t now = time_now_ns(), end = now + seconds * NSEC_PER_SEC;
	uint64_t next_report = now + 5 * NSEC_PER_SEC;

	steal_read(&acc); /* the first call sets the steal clock up: not inside a call */
	printk("workload: running %lu s, steal time %s\n", (unsigned long)seconds,
	       acc.steal_err ? "not available" : "available");
	while ((now = time_now_ns()) < end) {
		if (now >= next_report) {
			print_accounting(&acc);
			next_report += 5 * NSEC_PER_SEC;
		}
		run_round(&acc, unit);
		/* Let the platform's threads run (xl shutdown is a xenstore watch). */
		thread_yield();
	}
	print_accounting(&acc);
	return 0;
}
