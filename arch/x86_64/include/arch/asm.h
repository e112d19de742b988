/* SPDX-License-Identifier: MIT */
/*
 * Assembler macros shared by the x86_64 entry paths: the native ones
 * (arch/x86_64/entry.S, trap_entry.S) and Xen PV's (xen/pv_entry.S), so
 * both build the same struct trap_frame (arch/trap.h) and the same boot
 * variables. Include from .S files only.
 */
#ifndef ARCH_ASM_H
#define ARCH_ASM_H
#ifdef __ASSEMBLY__

/* Pushes the general registers below the vector and error code. */
.macro TRAP_SAVE_REGS
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	cld
.endm

/*
 * Calls trap_dispatch(frame) with a frame record (interrupted rbp and rip)
 * on top, so backtraces continue into the interrupted code.
 */
.macro TRAP_CALL_DISPATCH
	movq %rsp, %rdi
	pushq 136(%rsp)		/* frame->rip */
	pushq 72(%rsp)		/* frame->rbp (rsp moved by 8) */
	movq %rsp, %rbp
	call trap_dispatch
	addq $16, %rsp
.endm

/* Restores the general registers and drops the vector and error code. */
.macro TRAP_RESTORE_REGS
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp
.endm

/* What every entry leaves for arch_boot(): the TSC at the first instruction,
 * the boot information's address, and a boot stack over a guard page. */
.macro BOOT_VARIABLES
	.pushsection .data
	.balign 8
	.globl boot_tsc, boot_info_pa
boot_tsc:	.quad 0
boot_info_pa:	.quad 0
	.popsection
	.pushsection .bss
	.balign 4096
	.globl boot_stack_guard, boot_stack_top
boot_stack_guard:	.skip 4096
boot_stack:		.skip 16384
boot_stack_top:
	.popsection
.endm

#endif
#endif
