// SPDX-License-Identifier: MIT
/*
 * workload-nofp: apps/workload compiled with -fomit-frame-pointer (see
 * app.mk), so its functions have no frame-pointer chain and only DWARF CFI
 * unwinding (emberprof --unwind dwarf) can attribute its samples.
 */
#include "../workload/main.c"
