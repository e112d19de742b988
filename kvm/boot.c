// SPDX-License-Identifier: MIT
/* kvm platform boot information: the PVH start info QEMU's loader passes. */
#include <ember/platform.h>
#include <arch/pvh.h>
#include "kvm.h"

int plat_boot_info(void *boot_info, struct memmap *ram, char *cmdline, size_t cmdline_size)
{
	kvm_pic_disable(); /* mask the legacy PICs before interrupts are enabled */
	return pvh_parse_start_info(boot_info, ram, cmdline, cmdline_size);
}
