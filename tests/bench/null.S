/* SPDX-License-Identifier: MIT */
/*
 * The null guest: a PVH image that exits through isa-debug-exit at its first
 * instructions. Booting it measures what QEMU itself costs, the floor that
 * Ember's launch-to-exit time is compared with (tests/bench/run).
 */
	.section .note.Xen, "a", @note
	.balign 4
	.long 4, 4, 18		/* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.long _start

	.text
	.code32
	.globl _start
_start:
	movw $0xf4, %dx
	movl $1, %eax		/* Ember status 0 (written as status + 1) */
	outl %eax, %dx
1:	hlt
	jmp 1b
