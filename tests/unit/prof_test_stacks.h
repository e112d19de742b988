/* SPDX-License-Identifier: MIT */
/* Shared by the profiler output tests: building stack sets from folded text. Include after <cmocka.h>. */
#ifndef EMBER_PROF_TEST_STACKS_H
#define EMBER_PROF_TEST_STACKS_H

#include <string.h>

#include "prof.h"

/* Adds the ';'-separated stack @folded (root first) with @count samples. */
static void add(struct prof_stacks *set, const char *folded, uint64_t count)
{
	char buf[1024], *save, *tok;
	const char *frames[64];
	unsigned n = 0;

	assert_true(strlen(folded) < sizeof(buf));
	strcpy(buf, folded);
	for (tok = strtok_r(buf, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		assert_true(n < 64);
		frames[n++] = tok;
	}
	assert_int_equal(prof_stacks_add(set, frames, n, count), 0);
}

#endif
