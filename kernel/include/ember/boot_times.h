/* SPDX-License-Identifier: MIT */
/*
 * Boot timings: cycle counter values at the first instruction, at each boot
 * step and at main() (printed at loglevel 2 when the guest exits). main()'s
 * is taken by app_start(), just before the application's main runs: after
 * musl's start for a C library app (libc-glue/start.c), so "boot to main" is
 * to the program's own first line in both kinds of app.
 */
#ifndef EMBER_BOOT_TIMES_H
#define EMBER_BOOT_TIMES_H

#include <ember/types.h>

/* Cycle counter values at the first instruction, boot steps, and main(). */
#define BOOT_STEPS_MAX 8
struct boot_step {
	const char *name;
	uint64_t cycles;
};
struct boot_times {
	uint64_t entry_cycles;
	uint64_t main_cycles;
	unsigned nsteps;
	struct boot_step steps[BOOT_STEPS_MAX];
};
extern struct boot_times boot_times;

#endif
