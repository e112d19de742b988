/* SPDX-License-Identifier: MIT */
/*
 * PVH entry for x86_64 (QEMU's PVH loader and Xen PVH use the same contract):
 * 32-bit protected mode, paging off, no stack, EBX = physical address of the
 * struct hvm_start_info. We record the TSC (the boot-time origin), build
 * identity page tables with 2 MiB pages for the first GiB (image, boot
 * information: PVH loaders put them low) and the fourth GiB (device and Xen
 * special pages such as the PVH console ring at 0xfeff_f000), enter long mode
 * and call arch_boot() on the boot stack. arch_mmu_init() later replaces these
 * tables with the final W^X ones; an access elsewhere before that faults and
 * is reported through the IDT.
 */
#include <xen/elfnote.h>
#include <arch/asm.inc>

#define CR0_PE (1 << 0)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)
#define PTE_P 0x1
#define PTE_W 0x2
#define PTE_PS 0x80

	.section .note.ember, "a"
	.balign 4
	.long 4, 4, XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.long _start32

	.section .text.boot, "ax"
	.code32
	.globl _start, _start32
	.type _start32, @function
_start:
_start32:
	cli
	cld
	rdtsc
	movl %eax, boot_tsc
	movl %edx, boot_tsc + 4
	movl %ebx, boot_info_pa
	movl $0, boot_info_pa + 4
	movl $boot_stack_top, %esp

	/* Zero the PML4 and PDPT (the directories are fully written below). */
	movl $boot_pml4, %edi
	xorl %eax, %eax
	movl $(2 * 1024), %ecx
	rep stosl

	movl $boot_pdpt + (PTE_P | PTE_W), boot_pml4
	movl $boot_pd + (PTE_P | PTE_W), boot_pdpt
	movl $boot_pd_top + (PTE_P | PTE_W), boot_pdpt + 3 * 8

	/* 512 x 2 MiB identity pages for GiB 0, then for GiB 3. */
	movl $boot_pd, %edi
	movl $(PTE_P | PTE_W | PTE_PS), %eax
	call fill_pd
	movl $boot_pd_top, %edi
	movl $(0xc0000000 | PTE_P | PTE_W | PTE_PS), %eax
	call fill_pd

	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $MSR_EFER, %ecx
	rdmsr
	orl $(EFER_LME | EFER_NXE), %eax
	wrmsr
	movl %cr0, %eax
	orl $(CR0_PG | CR0_PE), %eax
	movl %eax, %cr0
	lgdt boot_gdt_desc
	ljmp $0x08, $_start64
	.size _start32, . - _start32

/* Fills the page directory at EDI with 512 2 MiB entries starting at EAX. */
fill_pd:
	movl $512, %ecx
1:	movl %eax, (%edi)
	movl $0, 4(%edi)
	addl $0x200000, %eax
	addl $8, %edi
	loop 1b
	ret

	.code64
	.type _start64, @function
_start64:
	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	movq $boot_stack_top, %rsp
	xorl %ebp, %ebp
	call arch_boot
	ud2
	.size _start64, . - _start64

	.section .rodata
	.balign 16
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
boot_gdt_end:
boot_gdt_desc:
	.word boot_gdt_end - boot_gdt - 1
	.quad boot_gdt

	BOOT_VARIABLES

	.section .bss
	.balign 4096
boot_pml4:	.skip 4096
boot_pdpt:	.skip 4096
boot_pd:	.skip 4096
boot_pd_top:	.skip 4096
