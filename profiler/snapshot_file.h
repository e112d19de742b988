/* SPDX-License-Identifier: MIT */
/*
 * Snapshot files (snapshot_file.c): one sample of a guest frozen on disk,
 * registers + the guest pages an unwinder reads + which ELF they belong to,
 * for offline unwinder tests (tests/snapshots/) and fuzzing. Written by
 * ember-snapcap (snapcap.c) from a live guest.
 *
 * Layout (little-endian, no padding):
 *   "EMBERSNP", u32 version (1), u32 flags (bit 0: kernel_mode),
 *   u64 rip, rsp, rbp, cr3,
 *   u8 build_id_len (<= 20), u8 build_id[20], u8 elf_len (1..255),
 *   char elf[elf_len] (relative path, no NUL), u32 npages (<= PROF_SNAP_MAX_PAGES),
 *   npages x {u64 va (page-aligned, strictly increasing), u8 data[4096]},
 *   and nothing after.
 */
#ifndef EMBERPROF_SNAPSHOT_FILE_H
#define EMBERPROF_SNAPSHOT_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "prof.h"
#include "target_snapshot.h"

#define PROF_SNAP_MAGIC	    "EMBERSNP"
#define PROF_SNAP_VERSION   1
#define PROF_SNAP_PAGE	    4096u
#define PROF_SNAP_MAX_PAGES 4096u /* 16 MiB: far more than any stack walk reads */
#define PROF_SNAP_ELF_MAX   255u

/* Everything in a snapshot file except its pages. */
struct prof_snap_info {
	struct prof_regs regs;
	uint8_t build_id[20];
	uint8_t build_id_len;
	char elf[PROF_SNAP_ELF_MAX + 1]; /* NUL-terminated, relative */
	uint32_t npages;
};

struct prof_snap_page {
	uint64_t va;
	const uint8_t *data; /* PROF_SNAP_PAGE bytes */
};

/*
 * Writes @info (its npages is ignored) and @pages (sorted by va, distinct,
 * page-aligned) to @path. 0, or -errno with a reason.
 */
int prof_snap_write(const char *path, const struct prof_snap_info *info,
		    const struct prof_snap_page *pages, size_t npages);

/*
 * Decodes a whole snapshot file held in @buf: fills @info and, when @out is
 * not NULL, a new in-memory snapshot with the registers and every page. 0, or
 * -errno with a reason (-EINVAL for anything malformed).
 */
int prof_snap_parse(const void *buf, size_t len, struct prof_snap_info *info,
		    struct prof_snapshot **out);

/* prof_snap_parse() on the file at @path. */
int prof_snap_read(const char *path, struct prof_snap_info *info, struct prof_snapshot **out);

#endif
