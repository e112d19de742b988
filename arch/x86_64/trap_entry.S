/* SPDX-License-Identifier: MIT */
/*
 * Interrupt and exception entry. One stub per vector pushes a dummy error
 * code where the CPU pushes none, then the vector number, and jumps to
 * trap_common, which saves the general registers into a struct trap_frame
 * (arch/trap.h) and calls trap_dispatch(frame). Handlers may edit the frame
 * (the probe fixups do); iretq resumes from it.
 */
#include <arch/asm.inc>

	.section .text
	.balign 16
	.type trap_common, @function
trap_common:
	TRAP_SAVE_REGS
	TRAP_CALL_DISPATCH
	TRAP_RESTORE_REGS
	iretq
	.size trap_common, . - trap_common

	.macro trap_stub vec
	.balign 16
trap_stub_\vec:
	.if (\vec == 8) || (\vec >= 10 && \vec <= 14) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	.else
	pushq $0
	.endif
	pushq $\vec
	jmp trap_common
	.endm

	.altmacro
	.set vec, 0
	.rept 256
	trap_stub %vec
	.set vec, vec + 1
	.endr

	.macro stub_addr vec
	.quad trap_stub_\vec
	.endm

	.section .rodata
	.balign 8
	.globl trap_stubs
trap_stubs:
	.set vec, 0
	.rept 256
	stub_addr %vec
	.set vec, vec + 1
	.endr
