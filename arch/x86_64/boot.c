// SPDX-License-Identifier: MIT
/*
 * First C code: the entry (arch/x86_64/entry.S, or xen/pv_entry.S for Xen
 * PV) calls arch_boot() in long mode on the boot stack, having recorded the
 * TSC in boot_tsc and the boot information's address in boot_info_pa. It sets
 * up the CPU and hands over to the kernel.
 */
#include <ember/arch.h>
#include <ember/kernel.h>
#include <arch/x86.h>

extern uint64_t boot_info_pa, boot_tsc;

__noreturn void arch_boot(void);
__noreturn void arch_boot(void)
{
	arch_cpu_init();
	kernel_main((void *)(uintptr_t)boot_info_pa);
}

uint64_t arch_cycles(void)
{
	return rdtsc();
}

uint64_t arch_boot_cycles(void)
{
	return boot_tsc;
}
