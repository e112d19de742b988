// SPDX-License-Identifier: MIT
/*
 * Xen time: the pvclock in vcpu_info[0].time of the shared info page as the
 * clock, a one-shot timer through VCPUOP_set_singleshot_timer, delivered as
 * VIRQ_TIMER on an event channel. Xen's periodic tick is switched off, so an
 * idle guest is woken only when something is due.
 */
#include <ember/errno.h>
#include <ember/platform.h>
#include <ember/sched.h>
#include <ember/time.h>
#include <ember/xen/xen.h>
#include <arch/x86.h>

static uint64_t origin_ns; /* Xen system time at plat_time_init() */
static uint64_t last_ns;
static evtchn_port_t timer_port;

/* Xen system time in ns, from the pvclock formula. */
static uint64_t pvclock_ns(void)
{
	volatile struct vcpu_time_info *t = &xen_shared_info->vcpu_info[0].time;
	uint32_t version, mul;
	uint64_t tsc, stamp, system;
	int8_t shift;
	do {
		version = t->version;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		stamp = t->tsc_timestamp;
		system = t->system_time;
		mul = t->tsc_to_system_mul;
		shift = t->tsc_shift;
		tsc = rdtsc();
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while ((version & 1) || version != t->version);
	uint64_t delta = tsc - stamp;
	delta = shift >= 0 ? delta << shift : delta >> -shift;
	return system + (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

static void timer_event(evtchn_port_t port __unused, void *data __unused)
{
	sched_timer_interrupt();
}

int plat_time_init(void)
{
	xen_shared_info = xen_map_shared_info();
	if (!xen_shared_info)
		return -ENOMEM;
	int err = evtchn_init();
	if (err)
		return err;
	origin_ns = pvclock_ns();
	HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
	return evtchn_bind_virq(VIRQ_TIMER, timer_event, NULL, &timer_port);
}

uint64_t plat_monotonic_ns(void)
{
	uint64_t now = pvclock_ns() - origin_ns;
	if (now < last_ns) /* pvclock updates may step back a little */
		now = last_ns;
	last_ns = now;
	return now;
}

uint64_t plat_cycles_hz(const char **source)
{
	volatile struct vcpu_time_info *t = &xen_shared_info->vcpu_info[0].time;
	uint32_t mul = t->tsc_to_system_mul;
	int8_t shift = t->tsc_shift;
	*source = "pvclock";
	if (!mul)
		return 0;
	unsigned __int128 denom = shift >= 0 ? (unsigned __int128)mul << shift : mul >> -shift;
	return (uint64_t)(((unsigned __int128)NSEC_PER_SEC << 32) / denom);
}

void plat_timer_arm(uint64_t deadline_ns)
{
	if (!deadline_ns) {
		HYPERVISOR_vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL);
		return;
	}
	struct vcpu_set_singleshot_timer t = { .timeout_abs_ns = deadline_ns + origin_ns };
	HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &t);
}
