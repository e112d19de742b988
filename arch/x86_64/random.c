// SPDX-License-Identifier: MIT
/*
 * The CPU's random-number instructions and feature bits for the C library:
 * RDSEED (true entropy) preferred, then RDRAND, each retried a few times as
 * Intel advises; arch_random_u64() says false when the CPU has neither (as
 * QEMU's default qemu64 model) and the caller must seed from elsewhere.
 */
#include <ember/arch.h>
#include <arch/x86.h>

#define CPUID1_ECX_RDRAND (1u << 30)
#define CPUID7_EBX_RDSEED (1u << 18)
#define RETRIES		  10

static int have; /* 0 unknown, 1 none, 2 rdrand, 3 rdseed */

static void probe(void)
{
	uint32_t r[4];
	cpuid(0, 0, r);
	unsigned max = r[0];
	cpuid(1, 0, r);
	have = (r[2] & CPUID1_ECX_RDRAND) ? 2 : 1;
	if (max >= 7) {
		cpuid(7, 0, r);
		if (r[1] & CPUID7_EBX_RDSEED)
			have = 3;
	}
}

bool arch_random_u64(uint64_t *out)
{
	if (!have)
		probe();
	for (int i = 0; i < RETRIES && have > 1; i++) {
		bool ok;
		if (have == 3)
			__asm__ volatile("rdseed %0; setc %1" : "=r"(*out), "=qm"(ok));
		else
			__asm__ volatile("rdrand %0; setc %1" : "=r"(*out), "=qm"(ok));
		if (ok)
			return true;
	}
	return false;
}

unsigned long arch_hwcap(void)
{
	uint32_t r[4];
	cpuid(1, 0, r);
	return r[3]; /* CPUID.1:EDX, what Linux reports as AT_HWCAP on x86 */
}
