/* SPDX-License-Identifier: MIT */
/* The sampling loop of `emberprof record` (record.c). */
#ifndef EMBERPROF_RECORD_H
#define EMBERPROF_RECORD_H

#include "prof.h"

struct prof_record_opts {
	double hz;	 /* samples per second asked for */
	double seconds;	 /* how long to record */
	const char *out; /* profile file */
	bool quiet;	 /* no progress line */
};

/*
 * Samples @t into @o->out until @o->seconds pass, the guest exits (not an
 * error: the profile is closed normally) or SIGINT. Fills @sum. 0 or -errno
 * with a reason.
 */
int prof_record(struct prof_target *t, struct prof_symbols *syms, const char *target_desc,
		const char *elf, const struct prof_record_opts *o, struct prof_summary *sum);

#endif
