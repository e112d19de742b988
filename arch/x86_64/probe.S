/* SPDX-License-Identifier: MIT */
/*
 * Fault-tolerant probes (see <ember/arch.h>). Read and write probes list
 * their faulting instructions in .ember_extable: traps.c resumes a fault
 * there at the fixup with RAX = -EFAULT. The exec probe calls into the target
 * with a resume point armed; an instruction-fetch fault at the target unwinds
 * to it. Used by the page-permission tests.
 */
#define EFAULT 14

	.macro extable insn, fixup
	.pushsection .ember_extable, "a"
	.balign 8
	.quad \insn, \fixup
	.popsection
	.endm

	.section .text
	.globl arch_probe_read
	.type arch_probe_read, @function
arch_probe_read:
	movq %rsi, probe_fault_info(%rip)
	xorl %eax, %eax
1:	movb (%rdi), %cl
2:	movq $0, probe_fault_info(%rip)
	ret
	.size arch_probe_read, . - arch_probe_read
	extable 1b, 2b

	.globl arch_probe_write
	.type arch_probe_write, @function
arch_probe_write:
	movq %rsi, probe_fault_info(%rip)
	xorl %eax, %eax
3:	movb (%rdi), %cl
4:	movb %cl, (%rdi)
5:	movq $0, probe_fault_info(%rip)
	ret
	.size arch_probe_write, . - arch_probe_write
	extable 3b, 5b
	extable 4b, 5b

	.globl arch_probe_exec
	.type arch_probe_exec, @function
arch_probe_exec:
	pushq %rbp
	movq %rsp, %rbp
	movq %rsi, probe_fault_info(%rip)
	movq %rsp, probe_exec_rsp(%rip)
	leaq 6f(%rip), %rax
	movq %rax, probe_exec_resume(%rip)
	xorl %eax, %eax
	call *%rdi
	xorl %eax, %eax
6:	movq $0, probe_exec_resume(%rip)
	movq $0, probe_fault_info(%rip)
	popq %rbp
	ret
	.size arch_probe_exec, . - arch_probe_exec

	.section .data
	.balign 8
	.globl probe_fault_info, probe_exec_rsp, probe_exec_resume
probe_fault_info:	.quad 0
probe_exec_rsp:		.quad 0
probe_exec_resume:	.quad 0
