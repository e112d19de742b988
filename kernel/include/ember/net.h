/* SPDX-License-Identifier: MIT */
/*
 * The network stack's kernel API (apps with app-features += net). The
 * stack starts by itself before main() (kernel/net/net.c); what follows is
 * for looking at it.
 */
#ifndef EMBER_NET_H
#define EMBER_NET_H

#include <ember/netdev.h>

/* The NICs the stack runs, in the order they were found (eth0 first). */
struct netdev *net_devices(void);

/*
 * Prints each interface's counters (the driver's frames, bytes, drops,
 * errors) and the stack's drops by protocol with their reasons (bad
 * checksums, bad lengths, ...), one line each.
 */
void net_report(void);

#endif
