/* SPDX-License-Identifier: MIT */
/*
 * The hypercall page. Xen writes one 32-byte stub per hypercall into it:
 * for PV because the ELF note XEN_ELFNOTE_HYPERCALL_PAGE names it, for PVH
 * when xen_pvh_hypercall_init() writes its address to Xen's MSR. It lives in
 * .text (executable, and read-only to the guest: Xen fills it through
 * guest-physical memory).
 */
	.section .text.hypercall_page, "ax"
	.balign 4096
	.globl hypercall_page
	.type hypercall_page, @object
hypercall_page:
	.fill 4096, 1, 0xcc	/* int3 until Xen fills it */
	.size hypercall_page, 4096
