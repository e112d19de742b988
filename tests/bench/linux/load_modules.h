/* SPDX-License-Identifier: MIT */
/*
 * For the Linux comparison guest's inits (apps/fsbench/linux_main.c,
 * tests/bench/linux/run_prog.c): loads the kernel modules listed in
 * /modules.order, in that order, saying which failed (as @who).
 */
#ifndef LINUX_LOAD_MODULES_H
#define LINUX_LOAD_MODULES_H

void linux_load_modules(const char *who);

#endif
