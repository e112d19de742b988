/* SPDX-License-Identifier: MIT */
/* An empty in-image symbol table for the first link pass (see GNUmakefile). */
	.section .ksyms, "a"
	.balign 8
	.globl ksyms_count, ksyms_table, ksyms_names
ksyms_count:	.quad 0
ksyms_table:
ksyms_names:	.byte 0
