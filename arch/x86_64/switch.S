/* SPDX-License-Identifier: MIT */
/*
 * Thread stack switch (cooperative: called only through arch_context_switch()
 * in context.c, which switches the thread pointer and extended state, with
 * interrupts off). Only what the SysV ABI makes callee-saved is kept: the six
 * callee-saved registers, MXCSR and the x87 control word. The stack pointer
 * is the whole context.
 *
 * Saved frame, from the saved stack pointer up:
 *   +0 mxcsr, +4 x87 cw, +8 r15, r14, r13, r12, rbx, rbp, +56 return address
 */
	.section .text
	.globl arch_stack_switch
	.type arch_stack_switch, @function
arch_stack_switch:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	subq $8, %rsp
	stmxcsr (%rsp)
	fnstcw 4(%rsp)
	movq %rsp, (%rdi)
	movq (%rsi), %rsp
	ldmxcsr (%rsp)
	fldcw 4(%rsp)
	addq $8, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
	.size arch_stack_switch, . - arch_stack_switch

/* First code of every thread: rbx = entry, r12 = argument. */
	.type thread_trampoline, @function
thread_trampoline:
	movq %r12, %rdi
	xorl %ebp, %ebp
	call *%rbx
	ud2
	.size thread_trampoline, . - thread_trampoline

	/* void arch_context_init(ctx, stack_top, entry, arg) */
	.globl arch_context_init
	.type arch_context_init, @function
arch_context_init:
	andq $-16, %rsi
	leaq -80(%rsi), %rax
	movl $0x1f80, (%rax)		/* default MXCSR */
	movl $0x037f, 4(%rax)		/* default x87 control word */
	movq $0, 8(%rax)		/* r15 */
	movq $0, 16(%rax)		/* r14 */
	movq $0, 24(%rax)		/* r13 */
	movq %rcx, 32(%rax)		/* r12 = arg */
	movq %rdx, 40(%rax)		/* rbx = entry */
	movq $0, 48(%rax)		/* rbp: end of the frame chain */
	leaq thread_trampoline(%rip), %rdx
	movq %rdx, 56(%rax)
	movq $0, 64(%rax)
	movq $0, 72(%rax)
	movq %rax, (%rdi)
	ret
	.size arch_context_init, . - arch_context_init
