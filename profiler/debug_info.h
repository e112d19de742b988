/* SPDX-License-Identifier: MIT */
/*
 * The guest's `ember_debug_info` (kernel/include/ember/prof_abi.h) and the
 * thread names it leads to (debug_info.c). Everything here is read from
 * guest memory, which is hostile input: any value may be anything.
 */
#ifndef EMBERPROF_DEBUG_INFO_H
#define EMBERPROF_DEBUG_INFO_H

#include <ember/prof_abi.h>

#include "prof.h"

#define PROF_DEBUG_NAME_MAX 256 /* the largest name_size accepted */

/*
 * Reads the ember_debug_info at guest address @addr, as the vCPU of @regs
 * sees it, into @info. true when it was readable and is one we understand:
 * the magic, a version >= EMBER_DEBUG_VERSION (the layout only grows), and
 * 2 <= name_size <= PROF_DEBUG_NAME_MAX. false (the guest's threads stay
 * unnamed) otherwise, including @addr 0 (an image without it).
 */
bool prof_debug_info_load(const struct prof_target *t, const struct prof_regs *regs, uint64_t addr,
			  struct ember_debug_info *info);

/*
 * Names the thread running on the vCPU of @regs: sets @s->thread ("" when
 * it cannot be known) and PROF_STACK_IDLE in @s->flags when that thread is
 * the idle thread. @info: from prof_debug_info_load(), or NULL (no names).
 * A name is taken only when it is printable ASCII ended by a NUL within
 * name_size bytes (anything else is hostile or torn); one longer than
 * PROF_THREAD_NAME - 1 is cut there.
 */
void prof_debug_info_thread(const struct prof_target *t, const struct ember_debug_info *info,
			    const struct prof_regs *regs, struct prof_sample *s);

#endif
