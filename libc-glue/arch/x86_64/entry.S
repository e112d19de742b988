/* SPDX-License-Identifier: MIT */
/*
 * Entries for musl's assembly (libc-glue/musl/patches/0002-*): the places
 * that used the `syscall` instruction call these instead, with the Linux
 * system-call convention (number in rax; arguments in rdi, rsi, rdx, r10,
 * r8, r9; result in rax). Like the instruction, they preserve every
 * register but rax, rcx and r11, so the patched code needs no other change.
 * They run on the caller's stack, whatever its alignment.
 */
	.section .text

/* long __ember_syscall_raw(void): dispatch through __ember_syscall6. */
	.globl __ember_syscall_raw
	.type __ember_syscall_raw, @function
__ember_syscall_raw:
	pushq %rbp
	movq %rsp, %rbp
	pushq %rdi
	pushq %rsi
	pushq %rdx
	pushq %r10
	pushq %r8
	pushq %r9
	andq $-16, %rsp
	subq $8, %rsp
	pushq %r9			/* a6, the seventh C argument */
	movq %r8, %r9			/* a5 */
	movq %r10, %r8			/* a4 */
	movq %rdx, %rcx			/* a3 */
	movq %rsi, %rdx			/* a2 */
	movq %rdi, %rsi			/* a1 */
	movq %rax, %rdi			/* n */
	call __ember_syscall6
	leaq -48(%rbp), %rsp
	popq %r9
	popq %r8
	popq %r10
	popq %rdx
	popq %rsi
	popq %rdi
	popq %rbp
	ret
	.size __ember_syscall_raw, . - __ember_syscall_raw

/*
 * long __ember_clone_raw(void): clone(flags=rdi, stack=rsi, ptid=rdx,
 * ctid=r10, tls=r8). Saves every register into a struct libc_regs on the
 * stack (layout in libc-glue/sys_thread.c) and calls libc_clone(regs): the
 * child starts from a copy of it at the return address, on the new stack,
 * with rax = 0; the parent gets the child's id or -errno.
 */
	.globl __ember_clone_raw
	.type __ember_clone_raw, @function
__ember_clone_raw:
	pushq %rbp
	movq %rsp, %rbp
	pushq %rax			/* -8: rax ... (see struct libc_regs) */
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15			/* -112 */
	movq %rsp, %rdi
	andq $-16, %rsp
	call libc_clone
	leaq -112(%rbp), %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	addq $8, %rsp			/* rax: the result stays */
	popq %rbp
	ret
	.size __ember_clone_raw, . - __ember_clone_raw

/*
 * void libc_regs_resume(const struct libc_regs *r, uintptr_t rip,
 * uintptr_t rsp): the child's first instructions: every register from @r
 * but rax = 0, the stack @rsp, then a jump to @rip.
 */
	.globl libc_regs_resume
	.type libc_regs_resume, @function
libc_regs_resume:
	movq %rdx, %rsp
	pushq %rsi			/* the jump target, taken by ret below */
	movq 0(%rdi), %r15
	movq 8(%rdi), %r14
	movq 16(%rdi), %r13
	movq 24(%rdi), %r12
	movq 32(%rdi), %r11
	movq 40(%rdi), %r10
	movq 48(%rdi), %r9
	movq 56(%rdi), %r8
	movq 72(%rdi), %rsi
	movq 80(%rdi), %rdx
	movq 88(%rdi), %rcx
	movq 96(%rdi), %rbx
	movq 112(%rdi), %rbp
	movq 64(%rdi), %rdi
	xorl %eax, %eax
	ret
	.size libc_regs_resume, . - libc_regs_resume

	.section .note.GNU-stack, "", @progbits
