/* SPDX-License-Identifier: MIT */
/*
 * Kernel console output. printk() always prints; pr_info()/pr_debug() print
 * only at or above the `loglevel=` kernel parameter (0 quiet, 1 info: the
 * default, 2 debug). Output goes straight to the platform console: callable
 * from any context, including exception handlers.
 */
#ifndef EMBER_PRINTK_H
#define EMBER_PRINTK_H

#include <stdarg.h>
#include <ember/compiler.h>

enum { LOG_QUIET = 0, LOG_INFO = 1, LOG_DEBUG = 2 };
extern unsigned long printk_loglevel;

int printk(const char *fmt, ...) __printf(1, 2);
int vprintk(const char *fmt, va_list ap);

#define pr_info(...)                             \
	do {                                     \
		if (printk_loglevel >= LOG_INFO) \
			printk(__VA_ARGS__);     \
	} while (0)
#define pr_debug(...)                             \
	do {                                      \
		if (printk_loglevel >= LOG_DEBUG) \
			printk(__VA_ARGS__);      \
	} while (0)

#endif
