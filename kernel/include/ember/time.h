/* SPDX-License-Identifier: MIT */
/* Kernel time: monotonic nanoseconds from the platform clock. */
#ifndef EMBER_TIME_H
#define EMBER_TIME_H

#include <ember/compiler.h>
#include <ember/platform.h>

#define NSEC_PER_USEC 1000ull
#define NSEC_PER_MSEC 1000000ull
#define NSEC_PER_SEC  1000000000ull

static inline uint64_t time_now_ns(void)
{
	return plat_monotonic_ns();
}

/* Converts cycles of arch_cycles() to nanoseconds (uses the calibrated rate). */
uint64_t time_cycles_to_ns(uint64_t cycles);

#endif
