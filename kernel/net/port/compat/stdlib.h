/* SPDX-License-Identifier: MIT */
/* For lwIP's sources only (kernel/net/net.mk): malloc and free are the kernel heap's. */
#include <ember/heap.h>

/* netif_find() reads an interface number: decimal digits, nothing else. */
static inline int atoi(const char *s)
{
	int n = 0;
	while (*s >= '0' && *s <= '9' && n < 100000)
		n = n * 10 + (*s++ - '0');
	return n;
}
