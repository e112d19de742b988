/* SPDX-License-Identifier: MIT */
/*
 * Host stand-in for <arch/irq.h> (found first on the include path of the
 * host harnesses that compile kernel code which masks interrupts, such as
 * tests/unit/test_9pfront.c): a flag, so the harness can check that code
 * runs with "interrupts off" where it must.
 */
#ifndef ARCH_IRQ_H
#define ARCH_IRQ_H

#include <stdbool.h>

extern int host_irq_depth;

static inline unsigned long arch_irq_save(void)
{
	return (unsigned long)host_irq_depth++;
}

static inline void arch_irq_restore(unsigned long flags)
{
	host_irq_depth = (int)flags;
}

static inline void arch_irq_enable(void)
{
	host_irq_depth = 0;
}

static inline void arch_irq_disable(void)
{
	host_irq_depth = 1;
}

static inline bool arch_irq_enabled(void)
{
	return host_irq_depth == 0;
}

#endif
