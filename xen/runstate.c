// SPDX-License-Identifier: MIT
/*
 * plat_steal_ns() on Xen, PV and PVH alike: vCPU 0's runstate area.
 *
 * The first call asks Xen to set XEN_RUNSTATE_UPDATE while it writes guest
 * copies (VMASST_TYPE_runstate_update_flag; a refusal only weakens the
 * snapshot check, see xen/runstate_read.c) and registers `area`, by virtual
 * address as x86 requires, with VCPUOP_register_runstate_memory_area. Xen
 * writes it at every context switch of the vCPU, so later calls are memory
 * reads. Steal is time[RUNSTATE_runnable] (ready, another vCPU had the pCPU)
 * plus time[RUNSTATE_offline] (not runnable but not blocked: paused by the
 * toolstack or a profiler in dom0, or held inside Xen); RUNSTATE_blocked is
 * the guest's own choice (SCHEDOP_block in plat_idle_wait()) and is not steal.
 *
 * Invariants: `reader.area` is set only after Xen accepted the area; a
 * refused registration is final (-ENODEV), as is an inconsistent record
 * (-EIO, kept by the reader). Ember runs on vCPU 0 only.
 */
#include <ember/errno.h>
#include <ember/platform.h>
#include <ember/xen/runstate.h>
#include <ember/xen/xen.h>

/* 48 bytes; the alignment keeps it inside one page, which HVM copies need. */
static struct vcpu_runstate_info area __aligned(64);
static struct runstate_reader reader;
static int setup_result = 1; /* 1 until the first call, then 0 or -ENODEV */

static int runstate_register(void)
{
	struct vcpu_register_runstate_memory_area reg = { .addr.v = &area };
	xen_hypercall(__HYPERVISOR_vm_assist, VMASST_CMD_enable, VMASST_TYPE_runstate_update_flag,
		      0, 0, 0);
	if (HYPERVISOR_vcpu_op(VCPUOP_register_runstate_memory_area, 0, &reg))
		return -ENODEV;
	reader.area = &area;
	return 0;
}

int plat_steal_ns(uint64_t *ns)
{
	if (setup_result > 0)
		setup_result = runstate_register();
	if (setup_result)
		return setup_result;
	return runstate_read_steal(&reader, ns);
}
