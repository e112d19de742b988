/* SPDX-License-Identifier: MIT */
/* Fatal errors: print a reason and a backtrace, then end the guest. */
#ifndef EMBER_PANIC_H
#define EMBER_PANIC_H

#include <ember/compiler.h>

/* Prints "ember: PANIC: <message>", a backtrace, and exits EMBER_EXIT_PANIC. */
__noreturn void panic(const char *fmt, ...) __printf(1, 2);

/* Prints "ember: <message>" and exits with @status, without a backtrace. */
__noreturn void fatal(int status, const char *fmt, ...) __printf(2, 3);

#define BUG_ON(cond)                                                           \
	do {                                                                   \
		if (unlikely(cond))                                            \
			panic("%s:%d: BUG_ON(%s)", __FILE__, __LINE__, #cond); \
	} while (0)

/*
 * Prints a symbolized frame-pointer backtrace: @pc first (an exact address,
 * e.g. a faulting instruction; 0 for none), then the return addresses of the
 * frame chain starting at frame @fp. Repeated frames are folded.
 */
void backtrace_print(uintptr_t pc, uintptr_t fp);

#endif
