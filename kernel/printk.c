// SPDX-License-Identifier: MIT
/* printk(): the formatter (kernel/lib/format.c) feeding the platform console. */
#include <ember/printk.h>
#include <ember/format.h>
#include <ember/param.h>
#include <ember/platform.h>

unsigned long printk_loglevel = LOG_INFO;
EMBER_PARAM_UINT(loglevel, "loglevel", &printk_loglevel, "0 quiet, 1 info (default), 2 debug");

static void console_sink(void *ctx __unused, const char *s, size_t n)
{
	plat_console_write(s, n);
}

int vprintk(const char *fmt, va_list ap)
{
	return fmt_vformat(console_sink, NULL, fmt, ap);
}

int printk(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}
