/* SPDX-License-Identifier: MIT */
/* The "9p" VFS filesystem type (9pfs/p9_vfs.c): what it exposes besides vfs_mount(). */
#ifndef EMBER_P9FS_H
#define EMBER_P9FS_H

#include <ember/p9_client.h>

/* The client counters of the 9p mount at @mountpoint (tests check fids with it). */
int p9fs_stats(const char *mountpoint, struct p9_client_stats *out);

/*
 * Parses a 9p mount's option string: NULL or "" (*@msize = 0: the
 * transport's maximum) or "msize=N" with N decimal, 4096 <= N < 2^32.
 * Anything else is -EINVAL. Pure (fuzzed by tests/fuzz/fuzz_p9_vfs.c).
 */
int p9fs_parse_options(const char *options, uint32_t *msize);

struct vfs_fs_ops;
/* The "9p" filesystem type, for host tests that drive it without the VFS. */
const struct vfs_fs_ops *p9fs_fstype(void);

#endif
