// SPDX-License-Identifier: MIT
/*
 * Clocks and sleeps. CLOCK_MONOTONIC (and BOOTTIME, MONOTONIC_RAW, the
 * coarse ones) is the kernel's clock (time_now_ns(): ns since boot). The
 * CPU-time clocks count time since boot too: one process on one vCPU, and
 * per-thread accounting is not kept. CLOCK_REALTIME is the monotonic clock
 * plus the offset to the platform's wall clock (plat_wallclock_ns(): Xen's
 * shared_info, the CMOS RTC) taken once at first use, so it never jumps.
 */
#include <ember/errno.h>
#include <ember/platform.h>
#include <ember/printk.h>
#include <ember/sched.h>
#include <ember/syscall.h>
#include <ember/time.h>
#include <ember/vfs.h> /* struct timespec */

#include "libc_glue.h"

#define CLOCK_REALTIME		 0
#define CLOCK_MONOTONIC		 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID	 3
#define CLOCK_MONOTONIC_RAW	 4
#define CLOCK_REALTIME_COARSE	 5
#define CLOCK_MONOTONIC_COARSE	 6
#define CLOCK_BOOTTIME		 7
#define TIMER_ABSTIME		 1

struct timeval {
	long tv_sec, tv_usec;
};

uint64_t libc_realtime_offset_ns(void)
{
	static uint64_t offset;
	static bool known;
	if (!known) {
		uint64_t wall = plat_wallclock_ns(), mono = time_now_ns();
		offset = wall > mono ? wall - mono : 0;
		known = true;
		if (!wall)
			printk("libc: the platform has no wall clock: CLOCK_REALTIME counts from "
			       "1970\n");
	}
	return offset;
}

static int clock_ns(int clock, uint64_t *ns)
{
	switch (clock) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE: *ns = time_now_ns() + libc_realtime_offset_ns(); return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID: *ns = time_now_ns(); return 0;
	default: return -EINVAL;
	}
}

SYSCALL2(clock_gettime, int, clock, struct timespec *, ts)
{
	uint64_t ns;
	int err = clock_ns(clock, &ns);
	if (err)
		return err;
	ts->tv_sec = (long)(ns / NSEC_PER_SEC);
	ts->tv_nsec = (long)(ns % NSEC_PER_SEC);
	return 0;
}

SYSCALL2(clock_getres, int, clock, struct timespec *, ts)
{
	uint64_t ns;
	int err = clock_ns(clock, &ns);
	if (!err && ts)
		*ts = (struct timespec){ 0, 1 };
	return err;
}

SYSCALL2(gettimeofday, struct timeval *, tv, void *, tz)
{
	(void)tz;
	if (tv) {
		uint64_t ns = time_now_ns() + libc_realtime_offset_ns();
		tv->tv_sec = (long)(ns / NSEC_PER_SEC);
		tv->tv_usec = (long)(ns % NSEC_PER_SEC / 1000);
	}
	return 0;
}

static int timespec_ns(const struct timespec *ts, uint64_t *ns)
{
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= (long)NSEC_PER_SEC)
		return -EINVAL;
	*ns = (uint64_t)ts->tv_sec * NSEC_PER_SEC + (uint64_t)ts->tv_nsec;
	return 0;
}

/* Sleeps until the monotonic time @deadline. */
static void sleep_until(uint64_t deadline)
{
	uint64_t now = time_now_ns();
	if (deadline > now)
		thread_sleep_ns(deadline - now);
}

SYSCALL2(nanosleep, const struct timespec *, req, struct timespec *, rem)
{
	uint64_t ns;
	int err = timespec_ns(req, &ns);
	if (err)
		return err;
	thread_sleep_ns(ns);
	if (rem)
		*rem = (struct timespec){ 0, 0 };
	return 0;
}

SYSCALL4(clock_nanosleep, int, clock, int, flags, const struct timespec *, req, struct timespec *,
	 rem)
{
	uint64_t ns, now;
	int err = timespec_ns(req, &ns) ?: clock_ns(clock, &now);
	if (err)
		return err;
	if (clock == CLOCK_THREAD_CPUTIME_ID)
		return -EINVAL;
	uint64_t mono = time_now_ns();
	sleep_until(flags & TIMER_ABSTIME ? (ns > now ? mono + (ns - now) : mono) : mono + ns);
	if (rem && !(flags & TIMER_ABSTIME))
		*rem = (struct timespec){ 0, 0 };
	return 0;
}
