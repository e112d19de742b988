# SPDX-License-Identifier: MIT
app-y += apps/selftest/main.c
app-y += $(sort $(wildcard kernel/tests/*.c))
# Keep test cases in source order within each suite.
$(foreach f,$(wildcard kernel/tests/*.c),$(eval CFLAGS-$(f) += -fno-toplevel-reorder))
