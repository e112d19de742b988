/* SPDX-License-Identifier: MIT */
/* Kernel entry and the facts boot leaves behind. */
#ifndef EMBER_KERNEL_H
#define EMBER_KERNEL_H

#include <ember/boot_times.h>
#include <ember/compiler.h>

#define EMBER_VERSION "0.1"

/*
 * The portable kernel entry, called by the arch code on the boot stack with
 * interrupts disabled and the CPU set up (arch_cpu_init()). @boot_info is the
 * platform's boot information as the loader passed it.
 */
__noreturn void kernel_main(void *boot_info);

/* The application's entry point (apps/<app>/). Its return value ends the guest. */
int main(int argc, char **argv);

/*
 * Runs the application with the command line's arguments (and "env."
 * parameters) and returns its status. Chosen at link time: kernel-API apps
 * get kernel/app_start.c (main(argc, argv)); C library apps
 * (app-features += libc) get libc-glue/start.c, which gives musl the start
 * a process would have.
 */
struct cmdline;
int app_start(const struct cmdline *cl);

#endif
