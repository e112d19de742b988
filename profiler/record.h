/* SPDX-License-Identifier: MIT */
/* The sampling loop of `emberprof record` (record.c). */
#ifndef EMBERPROF_RECORD_H
#define EMBERPROF_RECORD_H

#include "prof.h"

enum prof_unwind_mode {
	PROF_UNWIND_FP,	   /* frame pointers: the fast path */
	PROF_UNWIND_DWARF, /* DWARF CFI through libdwfl */
	PROF_UNWIND_AUTO,  /* DWARF, and frame pointers where it finds no frames */
};

struct prof_record_opts {
	enum prof_unwind_mode unwind;
	double hz;		    /* samples per second asked for */
	double seconds;		    /* how long to record */
	const char *out;	    /* profile file */
	bool quiet;		    /* no progress line */
	bool bare;		    /* only pause, read registers, unpause: the cost floor */
	uint64_t max_samples;	    /* stop after this many samples (0: only the duration counts) */
	struct prof_phases *phases; /* if set, filled with the time spent per phase */
	/* Live consumers (emberprof top): each sample, and once a second. */
	void (*on_sample)(const struct prof_sample *s, void *arg);
	void (*on_second)(const struct prof_summary *sum, void *arg);
	void *arg;
};

/* Where sampling time goes, summed over the run (monotonic ns). */
struct prof_phases {
	uint64_t pause, regs, walk, unpause; /* walk includes naming the thread */
};

/*
 * Samples @t into @o->out until @o->seconds pass, the guest exits (not an
 * error: the profile is closed normally) or SIGINT. Fills @sum. 0 or -errno
 * with a reason.
 */
int prof_record(struct prof_target *t, struct prof_symbols *syms, const char *target_desc,
		const char *elf, const struct prof_record_opts *o, struct prof_summary *sum);

#endif
