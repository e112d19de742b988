/* SPDX-License-Identifier: MIT */
/*
 * printf-style formatting, independent of any output device, so that the
 * console, snprintf and the host unit tests share one implementation.
 *
 * Supported: %d %i %u %x %X %o %c %s %p %%, flags "-0+ #", width and
 * precision (numbers or '*'), length modifiers hh h l ll z t j.
 * Floating point is not supported (the kernel has no FPU state).
 * An unknown conversion is printed verbatim, so bad format strings are
 * visible rather than silently dropped.
 */
#ifndef EMBER_FORMAT_H
#define EMBER_FORMAT_H

#include <stdarg.h>
#include <stddef.h>
#include <ember/compiler.h>

/* Receives formatted output in pieces; @ctx is the caller's cookie. */
typedef void (*fmt_sink_fn)(void *ctx, const char *s, size_t len);

/* Formats @fmt with @ap into @sink. Returns the number of characters emitted. */
int fmt_vformat(fmt_sink_fn sink, void *ctx, const char *fmt, va_list ap);

/*
 * C99 snprintf semantics: writes at most @size bytes including the NUL
 * (nothing if @size is 0) and returns the length the full output would have.
 */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

#endif
