// SPDX-License-Identifier: MIT
/*
 * Xen PV CPU set-up: the trap table and the event/failsafe callbacks (a PV
 * kernel has no IDT, GDT or TSS of its own: Xen provides flat segments).
 * The trap table marks every exception as an "interrupt gate" (events masked
 * on entry); int3 may also be raised on purpose. There is no IST: a thread
 * that overflows into its guard page makes Xen crash the domain, which xl
 * reports as a crash.
 */
#include <ember/arch.h>
#include <ember/errno.h>
#include <ember/panic.h>
#include <ember/printk.h>
#include <ember/xen/xen.h>
#include <arch/trap.h>

#define PV_TRAP(vec)                                                 \
	{                                                            \
		vec, 4, FLAT_KERNEL_CS, (unsigned long)pv_trap_##vec \
	}
#define PV_TRAP_DPL3(vec)                                                \
	{                                                                \
		vec, 4 | 3, FLAT_KERNEL_CS, (unsigned long)pv_trap_##vec \
	}

#define DECLARE_TRAP(vec) extern char pv_trap_##vec[]
DECLARE_TRAP(0);
DECLARE_TRAP(1);
DECLARE_TRAP(2);
DECLARE_TRAP(3);
DECLARE_TRAP(4);
DECLARE_TRAP(5);
DECLARE_TRAP(6);
DECLARE_TRAP(7);
DECLARE_TRAP(8);
DECLARE_TRAP(9);
DECLARE_TRAP(10);
DECLARE_TRAP(11);
DECLARE_TRAP(12);
DECLARE_TRAP(13);
DECLARE_TRAP(14);
DECLARE_TRAP(16);
DECLARE_TRAP(17);
DECLARE_TRAP(18);
DECLARE_TRAP(19);
extern char pv_hypervisor_callback[], pv_failsafe_callback[];
extern uint64_t boot_info_pa; /* the start_info page (xen/pv_entry.S) */

static const struct trap_info trap_table[] = {
	PV_TRAP(0),  PV_TRAP(1),  PV_TRAP(2),  PV_TRAP_DPL3(3), PV_TRAP_DPL3(4),
	PV_TRAP(5),  PV_TRAP(6),  PV_TRAP(7),  PV_TRAP(8),	PV_TRAP(9),
	PV_TRAP(10), PV_TRAP(11), PV_TRAP(12), PV_TRAP(13),	PV_TRAP(14),
	PV_TRAP(16), PV_TRAP(17), PV_TRAP(18), PV_TRAP(19),	{ 0, 0, 0, 0 },
};

static struct vcpu_info boot_vcpu_info = { .evtchn_upcall_mask = 1 };
struct vcpu_info *xen_vcpu = &boot_vcpu_info;

void xen_force_event_delivery(void)
{
	HYPERVISOR_xen_version(XENVER_version, NULL);
}

static void failsafe(struct trap_frame *f)
{
	printk("\nember: Xen failsafe callback (bad segment on return)\n");
	trap_dump(f);
	panic("failsafe callback");
}

static int register_callback(unsigned type, void *address)
{
	struct callback_register cb = {
		.type = (uint16_t)type,
		.flags = CALLBACKF_mask_events,
		.address = (unsigned long)address,
	};
	return (int)HYPERVISOR_callback_op(CALLBACKOP_register, &cb);
}

void arch_cpu_init(void)
{
	HYPERVISOR_set_trap_table(trap_table);
	register_callback(CALLBACKTYPE_event, pv_hypervisor_callback);
	register_callback(CALLBACKTYPE_failsafe, pv_failsafe_callback);
	arch_irq_set_handler(VEC_XEN_FAILSAFE, failsafe);
	__asm__ volatile("fninit");
}

uintptr_t trap_fault_address(void)
{
	return xen_vcpu->arch.cr2;
}

uintptr_t trap_page_table_base(void)
{
	const start_info_t *si = (const start_info_t *)(uintptr_t)boot_info_pa;
	return si->pt_base; /* virtual address of the L4 table */
}

__noreturn void arch_triple_fault(void)
{
	/* A PV guest cannot reset its CPU: an exception with no handler makes
	 * Xen crash the domain, the nearest equivalent. */
	HYPERVISOR_set_trap_table(NULL); /* NULL clears the whole table */
	__asm__ volatile("int3");
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
}

/*
 * PV: the guest kernel runs in ring 3 and Xen takes its `syscall` as a
 * hypercall (number in rax): application code there must call musl.
 */
int arch_syscall_entry_set(void (*entry)(void) __unused)
{
	return -ENOTSUP;
}

/* PV: the guest cannot write the FS-base MSR; Xen loads it. */
void arch_write_tls_base(uintptr_t base)
{
	HYPERVISOR_set_segment_base(SEGBASE_FS, base);
}
