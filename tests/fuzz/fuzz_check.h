/* SPDX-License-Identifier: MIT */
/* CHECK(): an invariant the fuzzed code must keep; a violation aborts, so libFuzzer saves the input. */
#ifndef EMBER_FUZZ_CHECK_H
#define EMBER_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond)                                                                          \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, \
				#cond);                                                      \
			abort();                                                             \
		}                                                                            \
	} while (0)

#endif
