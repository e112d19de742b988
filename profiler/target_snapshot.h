/* SPDX-License-Identifier: MIT */
/* The snapshot target (target_snapshot.c): registers + pages held in memory. */
#ifndef EMBERPROF_TARGET_SNAPSHOT_H
#define EMBERPROF_TARGET_SNAPSHOT_H

#include "prof.h"

struct prof_snapshot;

/* A snapshot with @regs and no memory yet; NULL when out of memory. */
struct prof_snapshot *prof_snapshot_new(const struct prof_regs *regs);
/* Adds one 4 KiB page of guest memory at @va (page-aligned). 0 or -errno. */
int prof_snapshot_add_page(struct prof_snapshot *s, uint64_t va, const void *data);
/* Marks the guest gone (pause, get_regs and read_mem then fail with ESRCH). */
void prof_snapshot_set_alive(struct prof_snapshot *s, bool alive);
/* The snapshot as a target; ops->close frees it. */
struct prof_target prof_snapshot_target(struct prof_snapshot *s);

#endif
