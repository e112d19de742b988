/* SPDX-License-Identifier: MIT */
/* The "9p" VFS filesystem type (9pfs/p9_vfs.c): what it exposes besides vfs_mount(). */
#ifndef EMBER_P9FS_H
#define EMBER_P9FS_H

#include <ember/p9_client.h>

/* The client counters of the 9p mount at @mountpoint (tests check fids with it). */
int p9fs_stats(const char *mountpoint, struct p9_client_stats *out);

#endif
