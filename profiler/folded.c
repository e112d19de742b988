// SPDX-License-Identifier: MIT
/*
 * Brendan Gregg's folded stacks: one line per distinct stack, frames root
 * first joined by ';', then a space and the sample count:
 *
 *	main_thread;app_main;memcpy 42
 *
 * The format has no escapes, so a ';' or a line break inside a name becomes
 * '_' (names may hold spaces: readers split the count at the last one). The
 * lines come in prof_stacks_foreach()'s sorted order, so the output is
 * deterministic.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "prof.h"

static void put_frame(const char *name, FILE *out)
{
	for (const char *p = name; *p; p++)
		putc(*p == ';' || *p == '\n' || *p == '\r' ? '_' : *p, out);
}

static void write_line(const struct prof_named_stack *stack, void *arg)
{
	FILE *out = arg;

	if (ferror(out))
		return; /* already failed: prof_write_folded() reports it */
	for (unsigned i = 0; i < stack->nframes; i++) {
		if (i)
			putc(';', out);
		put_frame(stack->frames[i], out);
	}
	fprintf(out, " %" PRIu64 "\n", stack->count);
}

int prof_write_folded(const struct prof_stacks *set, FILE *out)
{
	errno = 0;
	prof_stacks_foreach(set, write_line, out);
	if (fflush(out) || ferror(out))
		return prof_fail(EIO, "writing folded stacks: %s", strerror(errno ? errno : EIO));
	return 0;
}
