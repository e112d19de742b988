// SPDX-License-Identifier: MIT
/*
 * plat_wallclock_ns() on Xen (PV and PVH): shared_info's wall clock, the
 * Unix time at Xen system time 0, versioned like vcpu_time_info (an odd or
 * changed version means Xen was writing it: read again, a bounded number of
 * times), plus the current system time (the monotonic clock).
 */
#include <ember/platform.h>
#include <ember/time.h>
#include <ember/xen/xen.h>

#define WALLCLOCK_RETRIES 16
#define YEAR_2000_S	  946684800ull
#define YEAR_2400_S	  13569465600ull

uint64_t plat_wallclock_ns(void)
{
	const struct shared_info *si = xen_shared_info;
	if (!si)
		return 0;
	for (int i = 0; i < WALLCLOCK_RETRIES; i++) {
		uint32_t v = READ_ONCE(si->wc_version);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		uint64_t sec = READ_ONCE(si->wc_sec) | (uint64_t)READ_ONCE(si->xen_wc_sec_hi) << 32;
		uint32_t nsec = READ_ONCE(si->wc_nsec);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if ((v & 1) || v != READ_ONCE(si->wc_version))
			continue;
		uint64_t now = sec * NSEC_PER_SEC + nsec + plat_monotonic_ns();
		return nsec < NSEC_PER_SEC && now / NSEC_PER_SEC >= YEAR_2000_S &&
				       now / NSEC_PER_SEC < YEAR_2400_S
			       ? now
			       : 0;
	}
	return 0;
}
