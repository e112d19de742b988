// SPDX-License-Identifier: MIT
/*
 * emberprof's error reasons: the last failure's one-line reason lives in a
 * static buffer (the profiler is single-threaded), so any layer can fail with
 * "return prof_fail(EIO, ...)" and main() prints prof_error() once.
 */
#include <stdarg.h>
#include <stdio.h>

#include "prof.h"

static char last_reason[512];

int prof_fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_reason, sizeof(last_reason), fmt, ap);
	va_end(ap);
	return err > 0 ? -err : err;
}

const char *prof_error(void)
{
	return last_reason;
}
