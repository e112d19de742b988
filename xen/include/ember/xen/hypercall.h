/* SPDX-License-Identifier: MIT */
/*
 * Xen hypercalls for x86_64 guests (PV and PVH alike): a call into the
 * hypercall page (xen/hypercall_page.S), which Xen fills with the right
 * instruction sequence for the guest type. Arguments go in rdi, rsi, rdx,
 * r10, r8; the result (0 or a negative Xen errno) comes back in rax.
 * All ABI types come from Xen's public headers.
 */
#ifndef EMBER_XEN_HYPERCALL_H
#define EMBER_XEN_HYPERCALL_H

#include <ember/compiler.h>
#include <xen/xen.h>
#include <xen/sched.h>
#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/memory.h>
#include <xen/vcpu.h>
#include <xen/version.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/callback.h>

extern char hypercall_page[4096];

#define HYPERCALL_ENTRY(op) (hypercall_page + (op)*32)

static inline long xen_hypercall5(unsigned op, unsigned long a1, unsigned long a2, unsigned long a3,
				  unsigned long a4, unsigned long a5)
{
	long ret;
	register unsigned long r10 __asm__("r10") = a4;
	register unsigned long r8 __asm__("r8") = a5;
	__asm__ volatile("call *%[entry]"
			 : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
			 : [entry] "r"(HYPERCALL_ENTRY(op))
			 : "rcx", "r11", "memory");
	return ret;
}

#define xen_hypercall(op, a1, a2, a3, a4, a5)                                             \
	xen_hypercall5(op, (unsigned long)(a1), (unsigned long)(a2), (unsigned long)(a3), \
		       (unsigned long)(a4), (unsigned long)(a5))

static inline long HYPERVISOR_sched_op(int cmd, void *arg)
{
	return xen_hypercall(__HYPERVISOR_sched_op, cmd, arg, 0, 0, 0);
}

static inline long HYPERVISOR_event_channel_op(int cmd, void *arg)
{
	return xen_hypercall(__HYPERVISOR_event_channel_op, cmd, arg, 0, 0, 0);
}

static inline long HYPERVISOR_grant_table_op(unsigned cmd, void *uop, unsigned count)
{
	return xen_hypercall(__HYPERVISOR_grant_table_op, cmd, uop, count, 0, 0);
}

static inline long HYPERVISOR_memory_op(unsigned cmd, void *arg)
{
	return xen_hypercall(__HYPERVISOR_memory_op, cmd, arg, 0, 0, 0);
}

static inline long HYPERVISOR_hvm_op(int op, void *arg)
{
	return xen_hypercall(__HYPERVISOR_hvm_op, op, arg, 0, 0, 0);
}

static inline long HYPERVISOR_vcpu_op(int cmd, unsigned vcpu, void *arg)
{
	return xen_hypercall(__HYPERVISOR_vcpu_op, cmd, vcpu, arg, 0, 0);
}

static inline long HYPERVISOR_xen_version(int cmd, void *arg)
{
	return xen_hypercall(__HYPERVISOR_xen_version, cmd, arg, 0, 0, 0);
}

static inline long HYPERVISOR_console_io(int cmd, unsigned count, const char *buf)
{
	return xen_hypercall(__HYPERVISOR_console_io, cmd, count, buf, 0, 0);
}

static inline long HYPERVISOR_callback_op(int cmd, const void *arg)
{
	return xen_hypercall(__HYPERVISOR_callback_op, cmd, arg, 0, 0, 0);
}

/* PV only. */
static inline long HYPERVISOR_mmu_update(mmu_update_t *req, unsigned count, unsigned *done,
					 domid_t dom)
{
	return xen_hypercall(__HYPERVISOR_mmu_update, req, count, done, dom, 0);
}

static inline long HYPERVISOR_mmuext_op(struct mmuext_op *op, unsigned count, unsigned *done,
					domid_t dom)
{
	return xen_hypercall(__HYPERVISOR_mmuext_op, op, count, done, dom, 0);
}

static inline long HYPERVISOR_update_va_mapping(unsigned long va, uint64_t pte, unsigned long flags)
{
	return xen_hypercall(__HYPERVISOR_update_va_mapping, va, pte, flags, 0, 0);
}

static inline long HYPERVISOR_set_trap_table(const struct trap_info *table)
{
	return xen_hypercall(__HYPERVISOR_set_trap_table, table, 0, 0, 0, 0);
}

static inline long HYPERVISOR_stack_switch(unsigned long ss, unsigned long sp)
{
	return xen_hypercall(__HYPERVISOR_stack_switch, ss, sp, 0, 0, 0);
}

static inline long HYPERVISOR_fpu_taskswitch(int set)
{
	return xen_hypercall(__HYPERVISOR_fpu_taskswitch, set, 0, 0, 0, 0);
}

static inline long HYPERVISOR_set_segment_base(unsigned which, unsigned long base)
{
	return xen_hypercall(__HYPERVISOR_set_segment_base, which, base, 0, 0, 0);
}

/* Xen's errno values are Linux's, so -EINVAL etc. compare directly. */

#endif
