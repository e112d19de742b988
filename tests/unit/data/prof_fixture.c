// SPDX-License-Identifier: MIT
/*
 * A tiny static, non-PIE executable whose symbols the profiler's symbol
 * tests look up (tests/unit/test_prof_unwind.c). Built with -g by unit.mk;
 * never run.
 */
static inline __attribute__((always_inline)) int fixture_inlined(int x)
{
	return x * 3 + 1;
}

__attribute__((noinline)) int fixture_leaf(int x)
{
	return fixture_inlined(x) ^ 0x55;
}

__attribute__((noinline)) int fixture_caller(int x)
{
	return fixture_leaf(x) + 7;
}

void fixture_entry(void)
{
	for (;;)
		__asm__ volatile("" : : "r"(fixture_caller(1)));
}
