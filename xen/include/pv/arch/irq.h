/* SPDX-License-Identifier: MIT */
/*
 * Interrupt-flag helpers for Xen PV (replaces arch/x86_64's irq.h for
 * PLAT=xen-pv). A PV kernel runs in ring 3 and cannot use cli/sti: its
 * "interrupt flag" is the event upcall mask in its vcpu_info. Enabling
 * checks for events that arrived while masked and has Xen deliver them.
 */
#ifndef ARCH_IRQ_H
#define ARCH_IRQ_H

#include <xen/xen.h>

#define PV_IRQ_ENABLED (1ul << 9) /* the IF bit, as flags values carry it */

/* vcpu_info[0] in shared info once mapped; a masked stand-in before. */
extern struct vcpu_info *xen_vcpu;

/* Makes Xen deliver pending events now (any hypercall returning does). */
void xen_force_event_delivery(void);

static inline void arch_irq_disable(void)
{
	xen_vcpu->evtchn_upcall_mask = 1;
	__asm__ volatile("" ::: "memory");
}

static inline void arch_irq_enable(void)
{
	__asm__ volatile("" ::: "memory");
	xen_vcpu->evtchn_upcall_mask = 0;
	__asm__ volatile("" ::: "memory");
	if (xen_vcpu->evtchn_upcall_pending)
		xen_force_event_delivery();
}

static inline unsigned long arch_irq_save(void)
{
	unsigned long flags = xen_vcpu->evtchn_upcall_mask ? 0 : PV_IRQ_ENABLED;
	arch_irq_disable();
	return flags;
}

static inline void arch_irq_restore(unsigned long flags)
{
	if (flags & PV_IRQ_ENABLED)
		arch_irq_enable();
}

static inline bool arch_irq_enabled(void)
{
	return !xen_vcpu->evtchn_upcall_mask;
}

#endif
