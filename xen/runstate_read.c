// SPDX-License-Identifier: MIT
/*
 * Runstate snapshots and their checks (see <ember/xen/runstate.h>). Pure;
 * host-tested against a writer that follows Xen's protocol and one that
 * does not.
 *
 * Protocol (Xen's public/vcpu.h, VMASST_TYPE_runstate_update_flag): Xen sets
 * XEN_RUNSTATE_UPDATE in state_entry_time, writes the record, then writes
 * state_entry_time again without the flag. A snapshot is consistent when
 * state_entry_time was the same, flag clear, before and after the other
 * fields were read. Without the flag (a Xen that refused the vm_assist) the
 * second read still catches an update that changed the entry time.
 */
#include <ember/xen/runstate.h>
#include <arch/x86.h>

static void read_fence(void)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
}

/* One attempt: 0 and a copy in @s, or -EAGAIN when an update was seen. */
static int runstate_snapshot(const volatile struct vcpu_runstate_info *a,
			     struct vcpu_runstate_info *s)
{
	uint64_t entry = a->state_entry_time;
	read_fence();
	s->state = a->state;
	for (unsigned i = 0; i < ARRAY_SIZE(s->time); i++)
		s->time[i] = a->time[i];
	read_fence();
	if ((entry & XEN_RUNSTATE_UPDATE) || a->state_entry_time != entry)
		return -EAGAIN;
	s->state_entry_time = entry;
	return 0;
}

/* The steal time of a consistent snapshot, or -EIO when it is impossible. */
static int runstate_check(const struct vcpu_runstate_info *s, uint64_t *steal)
{
	uint64_t sum = 0;
	if (s->state < RUNSTATE_running || s->state > RUNSTATE_offline)
		return -EIO;
	/* Xen adds each interval to one time[] and moves state_entry_time by
	 * it, from a vCPU created at or after system time 0. */
	for (unsigned i = 0; i < ARRAY_SIZE(s->time); i++)
		if (__builtin_add_overflow(sum, s->time[i], &sum))
			return -EIO;
	if (sum > s->state_entry_time)
		return -EIO;
	*steal = s->time[RUNSTATE_runnable] + s->time[RUNSTATE_offline];
	return 0;
}

int runstate_read_steal(struct runstate_reader *r, uint64_t *ns)
{
	struct vcpu_runstate_info s;
	uint64_t steal;
	if (r->broken)
		return r->broken;
	for (unsigned i = 0; i < RUNSTATE_TRIES; i++) {
		if (runstate_snapshot(r->area, &s)) {
			cpu_relax();
			continue;
		}
		if (runstate_check(&s, &steal) || steal < r->last) {
			r->broken = -EIO;
			return r->broken;
		}
		r->last = steal;
		*ns = steal;
		return 0;
	}
	return -EAGAIN;
}
