/* SPDX-License-Identifier: MIT */
/* The register frame trap_entry.S builds for every exception and interrupt. */
#ifndef ARCH_TRAP_H
#define ARCH_TRAP_H

#include <stdint.h>

struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

#define VEC_DE		 0
#define VEC_NMI		 2
#define VEC_BP		 3
#define VEC_UD		 6
#define VEC_DF		 8
#define VEC_GP		 13
#define VEC_PF		 14
#define VEC_MC		 18
#define VEC_PIC_BASE	 0x20 /* legacy 8259 remapped here, all masked */
#define VEC_TIMER	 0xf0
#define VEC_XEN_UPCALL	 0xf3 /* Xen event upcall (PVH vector, PV callback) */
#define VEC_XEN_FAILSAFE 0xf4 /* Xen PV failsafe callback */
#define VEC_SPURIOUS	 0xff

/* Prints the registers and a symbolized backtrace of @f. */
void trap_dump(const struct trap_frame *f);

/* Dispatches a trap; called by the entry stubs with the frame they built. */
void trap_dispatch(struct trap_frame *f);

/*
 * The faulting address of the current page fault (CR2; for Xen PV, the copy
 * Xen keeps in vcpu_info) and the page-table root, for reports. Provided
 * by arch/x86_64/cpu.c or xen/pv_cpu.c.
 */
uintptr_t trap_fault_address(void);
uintptr_t trap_page_table_base(void);

#endif
