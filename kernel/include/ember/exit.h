/* SPDX-License-Identifier: MIT */
/*
 * Guest exit statuses. The application's own return value (0..99) passes
 * through unchanged; the kernel's failures have codes of their own so the host
 * can tell them apart. On QEMU the status leaves through isa-debug-exit (QEMU
 * exits with 2*status+3, which scripts/ember_qemu.py decodes); on Xen it
 * becomes the SCHEDOP_shutdown reason. Keep scripts/ember_qemu.py in step.
 */
#ifndef EMBER_EXIT_H
#define EMBER_EXIT_H

#include <ember/compiler.h>

enum ember_exit {
	EMBER_EXIT_OK = 0,
	EMBER_EXIT_APP_MAX = 99,     /* app statuses above this are clamped to it */
	EMBER_EXIT_PANIC = 100,	     /* kernel panic or failed kernel assertion */
	EMBER_EXIT_EXCEPTION = 101,  /* unexpected CPU exception */
	EMBER_EXIT_BAD_PARAM = 102,  /* unknown or malformed kernel parameter */
	EMBER_EXIT_BAD_MEMMAP = 103, /* missing, empty or unusable memory map */
	EMBER_EXIT_NO_MEMORY = 104,  /* not enough memory to start the app */
	EMBER_EXIT_BAD_BOOT = 105,   /* boot information missing or corrupt */
	EMBER_EXIT_SIGNAL = 106,     /* a C library application killed by a signal (abort, ...) */
};

/* Ends the guest with @status after printing the exit summary. */
__noreturn void kernel_exit(int status);

#endif
