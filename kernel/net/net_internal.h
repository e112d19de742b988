/* SPDX-License-Identifier: MIT */
/* What the files of kernel/net/ share among themselves. */
#ifndef KERNEL_NET_INTERNAL_H
#define KERNEL_NET_INTERNAL_H

#include <ember/net.h>

/* Addresses for every opened device, then the bounded wait for DHCP (net_config.c). */
void net_config_all(void);

#endif
