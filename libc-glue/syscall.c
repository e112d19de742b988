// SPDX-License-Identifier: MIT
/*
 * The one way from musl into the kernel (see <ember/syscall.h>): a bounds
 * check and a call through the generated table, counted in
 * sched_kernel_depth so the scheduler never preempts the kernel's code. A
 * number without an implementation returns -ENOSYS and is logged once by
 * name, so a missing system call shows up in the console the first time a
 * program needs it, never as a crash.
 */
#include <ember/arch.h>
#include <ember/errno.h>
#include <ember/printk.h>
#include <ember/sched.h>
#include <ember/syscall.h>

#define LOGGED_WORDS 8 /* bits for numbers 0..511; later ones are logged every time */

static uint64_t logged[LOGGED_WORDS];

static long unimplemented(unsigned long n)
{
	const char *name = n < syscall_count && syscall_table[n].name ? syscall_table[n].name
								      : "(no such number)";
	bool first = true;
	if (n < 64 * LOGGED_WORDS) {
		unsigned long flags = arch_irq_save();
		first = !(logged[n / 64] & (1ull << (n % 64)));
		logged[n / 64] |= 1ull << (n % 64);
		arch_irq_restore(flags);
	}
	if (first)
		printk("libc: system call %lu (%s) is not implemented: -ENOSYS\n", n, name);
	return -ENOSYS;
}

long __ember_syscall6(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
	sched_kernel_depth++; /* kernel code from here: never preempted */
	long r = (unsigned long)n < syscall_count && syscall_table[n].fn
			 ? syscall_table[n].fn(a1, a2, a3, a4, a5, a6)
			 : unimplemented((unsigned long)n);
	sched_kernel_depth--;
	return r;
}
