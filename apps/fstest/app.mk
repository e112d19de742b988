# SPDX-License-Identifier: MIT
# fstest: the in-guest filesystem suites, run against a 9p share the host
# prepared (tests/guest/test_fs.py, tests/xen/): POSIX semantics, odd names,
# 10,000 files, 256 MB integrity, the share going away.
app-features += 9pfs
app-y += apps/fstest/main.c
app-y += apps/fstest/fs_util.c
app-y += $(sort $(wildcard apps/fstest/suite_*.c))
$(foreach f,$(wildcard apps/fstest/suite_*.c),$(eval CFLAGS-$(f) += -fno-toplevel-reorder))
