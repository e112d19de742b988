/* SPDX-License-Identifier: MIT */
/*
 * lwIP's compiler and platform glue for Ember (lwIP's include/lwip/arch.h
 * asks for it): the kernel's freestanding headers instead of a C library,
 * printk for diagnostics, panic for lwIP's internal assertions (programming
 * errors, never input: lwIP checks what arrives from the wire without
 * asserting), the kernel's random numbers, and byte swaps as builtins.
 */
#ifndef EMBER_LWIP_ARCH_CC_H
#define EMBER_LWIP_ARCH_CC_H

#include <ember/compiler.h>
#include <ember/errno.h>
#include <ember/panic.h>
#include <ember/printk.h>
#include <ember/types.h>

/* No C library: limits from the compiler, ssize_t from <ember/types.h>. */
#define LWIP_NO_LIMITS_H   1
#define INT_MAX		   __INT_MAX__
#define SSIZE_MAX	   __LONG_MAX__
#define LWIP_NO_UNISTD_H   1
#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_CTYPE_H	   1
#define X8_F		   "02x"
#define U16_F		   "hu"
#define S16_F		   "hd"
#define X16_F		   "hx"
#define U32_F		   "u"
#define S32_F		   "d"
#define X32_F		   "x"
#define SZT_F		   "zu"

#define BYTE_ORDER    LITTLE_ENDIAN
#define lwip_htons(x) __builtin_bswap16(x)
#define lwip_htonl(x) __builtin_bswap32(x)

#define LWIP_PLATFORM_DIAG(x) \
	do {                  \
		printk x;     \
	} while (0)
#define LWIP_PLATFORM_ASSERT(x) \
	panic("lwIP: assertion \"%s\" failed (%s:%d)", x, __FILE__, __LINE__)

/* 32 random bits (TCP initial sequence numbers, ports, DHCP xids): kernel/net/net.c. */
uint32_t net_random32(void);
#define LWIP_RAND() net_random32()

#endif
