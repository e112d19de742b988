# SPDX-License-Identifier: MIT
# The Xen platform: PLAT=xen-pv or PLAT=xen-pvh. Core services are shared;
# each flavour adds its own boot and memory files (pv_*, pvh_*).
plat-y += xen/hypercall_page.S
plat-y += xen/console.c
plat-y += xen/events.c
plat-y += xen/time.c
plat-y += xen/runstate_read.c
plat-y += xen/runstate.c
plat-y += xen/wallclock.c
plat-y += xen/gnttab.c
plat-y += xen/xring.c
plat-y += xen/xs_msg.c
plat-y += xen/xenstore.c
plat-y += xen/xenbus.c
plat-y += xen/shutdown.c
# Linked only into apps with app-features += 9pfs (GNUmakefile).
plat-9pfs-y += xen/9pfront.c
plat-9pfs-y += xen/9pfront_xenbus.c
plat-y += xen/platform.c
plat-cppflags += -Ixen/include

ifeq ($(PLAT),xen-pvh)
plat-y += xen/pvh_boot.c
x86-native := y
endif
ifeq ($(PLAT),xen-pv)
plat-y += xen/pv_entry.S
plat-y += xen/pv_cpu.c
plat-y += xen/pv_boot.c
plat-y += xen/pv_start_info.c
plat-y += xen/pv_mm.c
plat-cppflags += -Ixen/include/pv
x86-native := n
endif
