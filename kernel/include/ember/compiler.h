/* SPDX-License-Identifier: MIT */
/* Small compiler helpers shared by kernel, platform and host-tested code. */
#ifndef EMBER_COMPILER_H
#define EMBER_COMPILER_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define ARRAY_SIZE(a)		      (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)		      (((x) + ((a)-1)) & ~((__typeof__(x))(a)-1))
#define ALIGN_DOWN(x, a)	      ((x) & ~((__typeof__(x))(a)-1))
#define IS_ALIGNED(x, a)	      (((x) & ((__typeof__(x))(a)-1)) == 0)
#define MIN(a, b)		      ((a) < (b) ? (a) : (b))
#define MAX(a, b)		      ((a) > (b) ? (a) : (b))
#define container_of(p, type, member) ((type *)((char *)(p)-offsetof(type, member)))
#define likely(x)		      __builtin_expect(!!(x), 1)
#define unlikely(x)		      __builtin_expect(!!(x), 0)
#define __unused		      __attribute__((unused))
#define __used			      __attribute__((used))
#define __noreturn		      __attribute__((noreturn))
#define __aligned(n)		      __attribute__((aligned(n)))
#define __section(s)		      __attribute__((section(s)))
#define __printf(a, b)		      __attribute__((format(printf, a, b)))
#define barrier()		      __asm__ volatile("" ::: "memory")
#define READ_ONCE(x)		      (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v)	      (*(volatile __typeof__(x) *)&(x) = (v))

#endif
