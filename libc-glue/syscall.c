// SPDX-License-Identifier: MIT
/*
 * What the system-call entries (libc-glue/arch/<arch>/entry.S, the one way
 * from musl into the kernel, see <ember/syscall.h>) cannot do in a few
 * instructions: a number without an implementation returns -ENOSYS and is
 * logged once by name, so a missing system call shows up in the console
 * the first time a program needs it, never as a crash.
 */
#include <ember/arch.h>
#include <ember/errno.h>
#include <ember/printk.h>
#include <ember/syscall.h>

#define LOGGED_WORDS 8 /* bits for numbers 0..511; later ones are logged every time */

static uint64_t logged[LOGGED_WORDS];

static const char *syscall_name(unsigned long n)
{
	if (n >= syscall_count || syscall_name_offset[n] == SYSCALL_NO_NAME)
		return "no such number";
	return syscall_name_text + syscall_name_offset[n];
}

long syscall_unimplemented(unsigned long n)
{
	bool first = true;
	if (n < 64 * LOGGED_WORDS) {
		unsigned long flags = arch_irq_save();
		first = !(logged[n / 64] & (1ull << (n % 64)));
		logged[n / 64] |= 1ull << (n % 64);
		arch_irq_restore(flags);
	}
	if (first)
		printk("libc: system call %ld (%s) is not implemented: -ENOSYS\n", (long)n,
		       syscall_name(n));
	return -ENOSYS;
}
