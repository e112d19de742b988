// SPDX-License-Identifier: MIT
/* Cycle <-> nanosecond conversion on top of the platform's calibration. */
#include <ember/time.h>

uint64_t time_cycles_to_ns(uint64_t cycles)
{
	const char *source;
	uint64_t hz = plat_cycles_hz(&source);
	if (!hz)
		return 0;
	return (uint64_t)((unsigned __int128)cycles * NSEC_PER_SEC / hz);
}
