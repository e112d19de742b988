/* SPDX-License-Identifier: MIT */
/*
 * fsbench: one filesystem workload, compiled twice: into an Ember guest
 * (ember_main.c, over the VFS) and into a static Linux program
 * (linux_main.c, over syscalls) that a Linux guest runs as its /init. The
 * same code then measures both guests over the same 9p backend
 * (tests/bench/fs). The few calls it needs are the fsb_* below.
 */
#ifndef FSBENCH_H
#define FSBENCH_H

#include <stddef.h>
#include <stdint.h>

#define FSB_RDONLY	       0
#define FSB_WRONLY_CREAT_TRUNC 1

int fsb_open(const char *path, int how);
long fsb_read(int fd, void *buf, size_t len);
long fsb_write(int fd, const void *buf, size_t len);
int fsb_fsync(int fd);
int fsb_close(int fd);
int fsb_mkdir(const char *path);
/* stat(2); returns 0 or a negative value */
int fsb_stat(const char *path, uint64_t *size);
uint64_t fsb_now_ns(void);
void fsb_print(const char *line);

/* Rates in tenths (no floating point in the Ember kernel): 123 is 12.3. */
struct fsb_result {
	uint64_t write_mbps10, read_mbps10, create_per_s10, stat_per_s10;
	int errors;
};

/* Runs the workload under @dir (which must exist and be writable). */
void fsb_run(const char *dir, unsigned seq_mib, unsigned small_files, struct fsb_result *r);
/* "fsbench: write_MBps=... read_MBps=... create_per_s=... stat_per_s=... errors=N" */
void fsb_report(const char *who, const struct fsb_result *r);

#endif
