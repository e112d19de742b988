/* SPDX-License-Identifier: MIT */
/*
 * Xen PV entry: the ELF notes Xen's domain builder reads, the 64-bit entry
 * point, and the exception and event entry stubs.
 *
 * The builder maps the image at its link addresses (virt_base 0), builds
 * page tables (read-only to us) and enters _start_pv in 64-bit mode with RSI
 * = the start_info page and a stack of its own. We move to our boot stack and
 * call arch_boot() as the native entry does.
 *
 * Exceptions and event callbacks arrive on the current stack with RCX and
 * R11 pushed on top of the usual frame (a 64-bit PV kernel runs in ring 3 and
 * Xen uses them for its own return path). The stubs pop them, build the same
 * struct trap_frame as arch/x86_64/trap_entry.S and call trap_dispatch().
 * Returning goes through HYPERVISOR_iret, which also restores the event mask
 * from the saved RFLAGS.IF.
 */
#include <xen/elfnote.h>
#include <xen/xen.h>
#include <arch/asm.inc>

#define VEC_XEN_UPCALL 0xf3
#define VEC_XEN_FAILSAFE 0xf4

	.macro elfnote type, desc:vararg
	.pushsection .note.ember, "a"
	.balign 4
	.long 2f - 1f, 4f - 3f, \type
1:	.asciz "Xen"
2:	.balign 4
3:	\desc
4:	.balign 4
	.popsection
	.endm

	elfnote XEN_ELFNOTE_GUEST_OS, .asciz "Ember"
	elfnote XEN_ELFNOTE_GUEST_VERSION, .asciz "0.1"
	elfnote XEN_ELFNOTE_XEN_VERSION, .asciz "xen-3.0"
	elfnote XEN_ELFNOTE_VIRT_BASE, .quad 0
	elfnote XEN_ELFNOTE_PADDR_OFFSET, .quad 0
	elfnote XEN_ELFNOTE_ENTRY, .quad _start_pv
	elfnote XEN_ELFNOTE_HYPERCALL_PAGE, .quad hypercall_page
	elfnote XEN_ELFNOTE_FEATURES, .asciz "!writable_page_tables"
	elfnote XEN_ELFNOTE_LOADER, .asciz "generic"

	.section .text.boot, "ax"
	.globl _start, _start_pv
	.type _start_pv, @function
_start:
_start_pv:
	cld
	rdtsc
	shlq $32, %rdx
	orq %rdx, %rax
	movq %rax, boot_tsc(%rip)
	movq %rsi, boot_info_pa(%rip)
	leaq boot_stack_top(%rip), %rsp
	xorl %ebp, %ebp
	call arch_boot
	ud2
	.size _start_pv, . - _start_pv

	.section .text
	.balign 16
	.type pv_trap_common, @function
pv_trap_common:
	TRAP_SAVE_REGS
	TRAP_CALL_DISPATCH
	TRAP_RESTORE_REGS
	/*
	 * HYPERVISOR_iret takes a struct iret_context (rax, r11, rcx, flags,
	 * rip, cs, rflags, rsp, ss). The frame below us is rip..ss; we push
	 * flags (0: not returning from syscall) and the hypercall page's iret
	 * stub pushes rcx, r11 and rax itself. It is jumped to, never returns.
	 */
	pushq $0
	jmp hypercall_page + __HYPERVISOR_iret * 32
	.size pv_trap_common, . - pv_trap_common

	.macro pv_trap vec, has_error
	.globl pv_trap_\vec
	.type pv_trap_\vec, @function
pv_trap_\vec:
	popq %rcx
	popq %r11
	.if \has_error == 0
	pushq $0
	.endif
	pushq $\vec
	jmp pv_trap_common
	.size pv_trap_\vec, . - pv_trap_\vec
	.endm

	pv_trap 0, 0
	pv_trap 1, 0
	pv_trap 2, 0
	pv_trap 3, 0
	pv_trap 4, 0
	pv_trap 5, 0
	pv_trap 6, 0
	pv_trap 7, 0
	pv_trap 8, 1
	pv_trap 9, 0
	pv_trap 10, 1
	pv_trap 11, 1
	pv_trap 12, 1
	pv_trap 13, 1
	pv_trap 14, 1
	pv_trap 16, 0
	pv_trap 17, 1
	pv_trap 18, 0
	pv_trap 19, 0

	/* Event channel upcall: no error code. */
	.globl pv_hypervisor_callback
	.type pv_hypervisor_callback, @function
pv_hypervisor_callback:
	popq %rcx
	popq %r11
	pushq $0
	pushq $VEC_XEN_UPCALL
	jmp pv_trap_common
	.size pv_hypervisor_callback, . - pv_hypervisor_callback

	/* Xen could not load our segment registers on return: fatal. */
	.globl pv_failsafe_callback
	.type pv_failsafe_callback, @function
pv_failsafe_callback:
	popq %rcx
	popq %r11
	addq $32, %rsp		/* ds, es, fs, gs */
	pushq $0
	pushq $VEC_XEN_FAILSAFE
	jmp pv_trap_common
	.size pv_failsafe_callback, . - pv_failsafe_callback

	BOOT_VARIABLES
