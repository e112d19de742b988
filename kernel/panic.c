// SPDX-License-Identifier: MIT
/* Fatal errors, backtraces and the kernel's exit path. */
#include <ember/arch.h>
#include <ember/exit.h>
#include <ember/heap.h>
#include <ember/kernel.h>
#include <ember/ksyms.h>
#include <ember/panic.h>
#include <ember/platform.h>
#include <ember/printk.h>
#include <ember/sched.h>
#include <ember/time.h>

#define BACKTRACE_MAX_DEPTH 32	 /* distinct frames printed */
#define BACKTRACE_MAX_WALK  4096 /* frames followed (recursion)  */

static bool heap_errors_fatal = true;
static bool exiting;

static void print_frame(int depth, uintptr_t pc, bool is_return_address)
{
	uintptr_t off;
	/* A return address may lie just past a noreturn call's function. */
	const char *name = ksyms_lookup(pc - is_return_address, &off);
	if (name)
		printk("    #%-2d %016lx %s+0x%lx\n", depth, pc, name, off + is_return_address);
	else
		printk("    #%-2d %016lx ?\n", depth, pc);
}

void backtrace_print(uintptr_t pc, uintptr_t fp)
{
	uintptr_t prev = 0;
	unsigned repeats = 0;
	int depth = 0;

	printk("  backtrace:\n");
	if (pc)
		print_frame(depth++, pc, false);
	for (int walked = 0; walked < BACKTRACE_MAX_WALK; walked++) {
		uintptr_t next;
		/* Only follow frames that lie on a known stack, towards its top. */
		if (!sched_on_some_stack(fp, 16) || !arch_frame_next(fp, &pc, &next))
			break;
		if (pc == prev) {
			repeats++;
		} else {
			if (repeats)
				printk("    ... the frame above %u more times\n", repeats);
			repeats = 0;
			if (depth == BACKTRACE_MAX_DEPTH) {
				printk("    [truncated at %d frames]\n", depth);
				return;
			}
			print_frame(depth++, pc, true);
			prev = pc;
		}
		if (next && next <= fp) {
			printk("    [frame chain loops or goes down: stopped]\n");
			return;
		}
		fp = next;
	}
	if (repeats)
		printk("    ... the frame above %u more times\n", repeats);
}

__noreturn void panic(const char *fmt, ...)
{
	va_list ap;
	arch_irq_disable();
	printk("\nember: PANIC in thread '%s': ", sched_current_name());
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
	printk("\n");
	backtrace_print(0, (uintptr_t)__builtin_frame_address(0));
	kernel_exit(EMBER_EXIT_PANIC);
}

__noreturn void fatal(int status, const char *fmt, ...)
{
	va_list ap;
	printk("ember: ");
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
	printk("\n");
	kernel_exit(status);
}

void heap_set_errors_fatal(bool fatal_errors)
{
	heap_errors_fatal = fatal_errors;
}

void heap_corruption(const char *what, const void *ptr)
{
	if (!heap_errors_fatal) {
		printk("# heap: %s at %p (tolerated for a test)\n", what, ptr);
		return;
	}
	panic("heap: %s at %p", what, ptr);
}

/* Prints "N.N us" for @ns. */
static void print_us(uint64_t ns)
{
	printk("%lu.%lu us", (unsigned long)(ns / 1000), (unsigned long)(ns % 1000 / 100));
}

static void print_boot_steps(void)
{
	uint64_t prev = boot_times.entry_cycles;
	for (unsigned i = 0; i < boot_times.nsteps; i++) {
		printk("ember: boot step %-24s ", boot_times.steps[i].name);
		print_us(time_cycles_to_ns(boot_times.steps[i].cycles - prev));
		printk("\n");
		prev = boot_times.steps[i].cycles;
	}
}

/*
 * "ember: exit status N" at loglevel 1; at loglevel 2 also the boot timings.
 * Those need the cycle rate, which may cost a calibration wait on some
 * platforms, so the default exit does not ask for it.
 */
static void print_exit_summary(int status)
{
	printk("ember: exit status %d", status);
	if (printk_loglevel >= LOG_DEBUG) {
		const char *source;
		uint64_t hz = plat_cycles_hz(&source);
		if (boot_times.main_cycles) {
			printk("; boot to main ");
			print_us(time_cycles_to_ns(boot_times.main_cycles -
						   boot_times.entry_cycles));
		}
		printk("; cycles %lu.%02lu GHz (%s)", (unsigned long)(hz / 1000000000),
		       (unsigned long)(hz % 1000000000 / 10000000), source);
	}
	printk("\n");
	if (printk_loglevel >= LOG_DEBUG)
		print_boot_steps();
}

__noreturn void kernel_exit(int status)
{
	arch_irq_disable();
	if (!exiting && printk_loglevel >= LOG_INFO) {
		exiting = true; /* a fault while summarizing must not loop */
		print_exit_summary(status);
	}
	plat_exit(status);
}
