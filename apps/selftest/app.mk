# SPDX-License-Identifier: MIT
app-y += apps/selftest/main.c
app-y += $(sort $(wildcard kernel/tests/*.c))
