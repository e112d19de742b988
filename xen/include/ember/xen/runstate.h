/* SPDX-License-Identifier: MIT */
/*
 * Reading a vCPU's runstate area (struct vcpu_runstate_info, Xen's
 * public/vcpu.h), the memory Xen fills after VCPUOP_register_runstate_memory_area
 * with how long the vCPU has spent running, runnable, blocked and offline.
 * Pure code, unit-tested on the host (tests/unit/test_runstate.c); the
 * registration is in xen/runstate.c.
 *
 * The area is written by the hypervisor at any time the vCPU is not running,
 * so it is untrusted: a snapshot is taken with Xen's update protocol
 * (state_entry_time read before and after, XEN_RUNSTATE_UPDATE set while Xen
 * writes, a bounded number of retries) and then checked (a known state, the
 * times summing to no more than the entry time, steal never going back).
 */
#ifndef EMBER_XEN_RUNSTATE_H
#define EMBER_XEN_RUNSTATE_H

#include <ember/compiler.h>
#include <ember/errno.h>
#include <xen/xen.h>
#include <xen/vcpu.h>

/* Snapshot attempts before runstate_read_steal() gives up with -EAGAIN. */
#define RUNSTATE_TRIES 64

struct runstate_reader {
	const volatile struct vcpu_runstate_info *area;
	uint64_t last; /* the steal time last returned */
	int broken;    /* 0, or -EIO once the area was found inconsistent */
};

/*
 * Stores in *@ns the vCPU's steal time, time[RUNSTATE_runnable] +
 * time[RUNSTATE_offline] in ns, from a consistent snapshot of @r->area.
 * Returns 0; -EAGAIN when every one of RUNSTATE_TRIES snapshots saw an
 * update in progress; -EIO when the snapshot is impossible (state above
 * RUNSTATE_offline, times that overflow or sum past state_entry_time, steal
 * below a value returned before), and from then on. *@ns is written only on
 * success. Never blocks; the caller owns @r (no locking inside).
 */
int runstate_read_steal(struct runstate_reader *r, uint64_t *ns);

#endif
