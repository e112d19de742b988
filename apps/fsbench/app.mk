# SPDX-License-Identifier: MIT
# fsbench: the filesystem benchmark (tests/bench/fs); workload.c is shared
# with the Linux guest's static /init (tests/bench/linux-guest).
app-features += 9pfs
app-y += apps/fsbench/ember_main.c
app-y += apps/fsbench/workload.c
