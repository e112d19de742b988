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

/*
 * long __ember_syscallN(a1, ..., aN, n), N = 0..5, and
 * long __ember_syscall6(n, a1, ..., a6): musl's __syscallN (patch 0001).
 * The C arguments a1..aN are already in the registers the handler takes
 * them in; the number comes in the next one (for 6, first: no register is
 * left after a6) and moves to %rax, where syscall_enosys finds it. Then, in
 * syscall_dispatch: bound it, count the call in sched_kernel_depth (the
 * scheduler never preempts the kernel's code), call syscall_fns[n] on an
 * aligned stack, and take a preemption that came due meanwhile
 * (sched_syscall_exit() in <ember/sched.h>). getppid() is 17 instructions
 * from its caller and back (-icount, apps/nullcall).
 */
	.globl __ember_syscall0, __ember_syscall1, __ember_syscall2
	.globl __ember_syscall3, __ember_syscall4, __ember_syscall5, __ember_syscall6
	.type __ember_syscall1, @function
__ember_syscall1:
	movq %rsi, %rax
	jmp syscall_dispatch
	.size __ember_syscall1, . - __ember_syscall1
	.type __ember_syscall2, @function
__ember_syscall2:
	movq %rdx, %rax
	jmp syscall_dispatch
	.size __ember_syscall2, . - __ember_syscall2
	.type __ember_syscall3, @function
__ember_syscall3:
	movq %rcx, %rax
	jmp syscall_dispatch
	.size __ember_syscall3, . - __ember_syscall3
	.type __ember_syscall4, @function
__ember_syscall4:
	movq %r8, %rax
	jmp syscall_dispatch
	.size __ember_syscall4, . - __ember_syscall4
	.type __ember_syscall5, @function
__ember_syscall5:
	movq %r9, %rax
	jmp syscall_dispatch
	.size __ember_syscall5, . - __ember_syscall5
	.type __ember_syscall6, @function
__ember_syscall6:
	movq %rdi, %rax
	movq %rsi, %rdi
	movq %rdx, %rsi
	movq %rcx, %rdx
	movq %r8, %rcx
	movq %r9, %r8
	movq 8(%rsp), %r9
	jmp syscall_dispatch
	.size __ember_syscall6, . - __ember_syscall6

	.type __ember_syscall0, @function
__ember_syscall0:
	movq %rdi, %rax
	/* falls through; the size ends here so that profiles and backtraces
	 * name the dispatch syscall_dispatch whichever entry came in */
	.size __ember_syscall0, . - __ember_syscall0
	.type syscall_dispatch, @function
syscall_dispatch:
	cmpq $SYSCALL_COUNT, %rax
	jae 2f
	subq $8, %rsp			/* entered with %rsp = 8 mod 16 */
	incl sched_kernel_depth(%rip)
	call *syscall_fns(, %rax, 8)
	decl sched_kernel_depth(%rip)
	addq $8, %rsp
	cmpb $0, sched_resched(%rip)
	jne 1f
	ret
1:	pushq %rax			/* a preemption came due: the result waits */
	call sched_syscall_exit_slow
	popq %rax
	ret
2:	movq %rax, %rdi			/* beyond the table */
	jmp syscall_unimplemented
	.size syscall_dispatch, . - syscall_dispatch

/* The slot of a number without an implementation: the number is in %rax. */
	.globl syscall_enosys
	.type syscall_enosys, @function
syscall_enosys:
	movq %rax, %rdi
	jmp syscall_unimplemented
	.size syscall_enosys, . - syscall_enosys

/*
 * The `syscall` instruction's entry (arch_syscall_entry_set(), from
 * start.c; KVM and PVH only): application code that bypasses musl. The CPU
 * left the return address in rcx and the caller's rflags in r11 and stayed
 * in ring 0 on the caller's stack (ember-cc compiles with -mno-red-zone, so
 * nothing lives below %rsp). The call itself has the instruction's
 * convention, as __ember_syscall_raw does; the return is a jump (sysret
 * would drop to ring 3), with rflags restored first, as sysret would.
 */
	.globl __ember_syscall_insn
	.type __ember_syscall_insn, @function
__ember_syscall_insn:
	pushq %rcx
	pushq %r11
	call __ember_syscall_raw
	popfq
	ret
	.size __ember_syscall_insn, . - __ember_syscall_insn

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
