/* SPDX-License-Identifier: MIT */
/* For lwIP's sources only (kernel/net/net.mk): <string.h> is the kernel's. */
#include <ember/string.h>
