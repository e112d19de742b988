# SPDX-License-Identifier: MIT
app-y += apps/workload-nofp/main.c
CFLAGS-apps/workload-nofp/main.c += -fomit-frame-pointer -momit-leaf-frame-pointer
