# SPDX-License-Identifier: MIT
# Shared by every x86_64 platform:
arch-y += arch/x86_64/switch.S
arch-y += arch/x86_64/context.c
arch-y += arch/x86_64/random.c
arch-y += arch/x86_64/probe.S
arch-y += arch/x86_64/boot.c
arch-y += arch/x86_64/traps.c
arch-y += arch/x86_64/pvh.c
# Only where the kernel owns the CPU (kvm, xen-pvh); Xen PV brings its own
# entry, trap stubs, descriptor set-up and page-table code (xen/pv_*).
ifeq ($(x86-native),y)
arch-y += arch/x86_64/entry.S
arch-y += arch/x86_64/trap_entry.S
arch-y += arch/x86_64/cpu.c
arch-y += arch/x86_64/mmu.c
endif
