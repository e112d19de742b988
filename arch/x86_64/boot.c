// SPDX-License-Identifier: MIT
/*
 * First C code: entry.S calls arch_boot() in long mode on the boot stack with
 * the boot page tables. It sets up the CPU and hands over to the kernel.
 */
#include <ember/arch.h>
#include <ember/kernel.h>

extern uint64_t boot_info_pa;

__noreturn void arch_boot(void);
__noreturn void arch_boot(void)
{
	arch_cpu_init();
	kernel_main((void *)(uintptr_t)boot_info_pa);
}
