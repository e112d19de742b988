/* SPDX-License-Identifier: MIT */
/*
 * What an outside observer (emberprof, a debugger) may read in a running
 * Ember guest to name the thread a vCPU is running. The kernel exports one
 * `ember_debug_info` object; the profiler finds it through the image's
 * symbol table and reads it from guest memory. Its layout is an ABI shared by
 * guest and host code: fixed-size fields only, append new fields, bump the
 * version.
 */
#ifndef EMBER_PROF_ABI_H
#define EMBER_PROF_ABI_H

#include <stdint.h>

#define EMBER_DEBUG_MAGIC   0x524d4245u /* "EBMR" little-endian: 'E','B','M','R' */
#define EMBER_DEBUG_VERSION 1

struct ember_debug_info {
	uint32_t magic;
	uint32_t version;
	uint64_t current_addr; /* address of the scheduler's `struct thread *current` */
	uint64_t idle_thread;  /* address of the idle thread's struct thread */
	uint32_t name_offset;  /* offset of the NUL-terminated name in struct thread */
	uint32_t name_size;    /* its size in bytes */
};

#endif
