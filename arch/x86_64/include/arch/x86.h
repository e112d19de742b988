/* SPDX-License-Identifier: MIT */
/*
 * x86 instruction wrappers used by arch/x86_64 and the x86 platforms
 * (kvm/, xen/). Kernel core code never includes this: it talks to the CPU
 * through <ember/arch.h>.
 */
#ifndef ARCH_X86_H
#define ARCH_X86_H

#include <stdint.h>

#define CR0_WP	       (1ul << 16)
#define CR0_MP	       (1ul << 1)
#define CR0_EM	       (1ul << 2)
#define CR0_TS	       (1ul << 3)
#define CR4_OSFXSR     (1ul << 9)
#define CR4_OSXMMEXCPT (1ul << 10)
#define RFLAGS_TF      (1ul << 8)
#define RFLAGS_IF      (1ul << 9)
#define RFLAGS_DF      (1ul << 10)
#define RFLAGS_NT      (1ul << 14)
#define RFLAGS_AC      (1ul << 18)

#define MSR_EFER      0xc0000080u
#define MSR_STAR      0xc0000081u
#define MSR_LSTAR     0xc0000082u
#define MSR_FMASK     0xc0000084u
#define EFER_SCE      (1ul << 0)
#define MSR_APIC_BASE 0x1bu
#define MSR_FS_BASE   0xc0000100u

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

#define DEFINE_CR_ACCESSORS(n)                                             \
	static inline unsigned long read_cr##n(void)                       \
	{                                                                  \
		unsigned long v;                                           \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));          \
		return v;                                                  \
	}                                                                  \
	static inline void write_cr##n(unsigned long v)                    \
	{                                                                  \
		__asm__ volatile("mov %0, %%cr" #n : : "r"(v) : "memory"); \
	}
DEFINE_CR_ACCESSORS(0)
DEFINE_CR_ACCESSORS(2)
DEFINE_CR_ACCESSORS(3)
DEFINE_CR_ACCESSORS(4)

static inline void invlpg(uintptr_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause");
}

#endif
