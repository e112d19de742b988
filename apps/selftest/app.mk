# SPDX-License-Identifier: MIT
app-y += apps/selftest/main.c
app-y += $(sort $(wildcard kernel/tests/*.c))
# Keep test cases in source order within each suite.
$(foreach f,$(wildcard kernel/tests/*.c),$(eval CFLAGS-$(f) += -fno-toplevel-reorder))
# Platform suites (xen/tests/ on Xen).
app-y += $(sort $(wildcard $(PLAT_DIR)/tests/*.c))
$(foreach f,$(wildcard $(PLAT_DIR)/tests/*.c),$(eval CFLAGS-$(f) += -fno-toplevel-reorder))
