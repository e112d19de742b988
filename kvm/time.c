// SPDX-License-Identifier: MIT
/*
 * kvm platform time: the TSC as the clock, the local APIC as the one-shot
 * timer.
 *
 * Frequency. With kvmclock (KVM's pvclock) the TSC rate comes from the
 * hypervisor at once. Otherwise (TCG) it is measured against the 8254 PIT,
 * lazily: plat_time_init() only starts PIT channel 2 and notes the TSC; the
 * first caller that needs the rate (a timer, a clock read, the exit summary)
 * finishes the measurement, waiting until at least CAL_MIN_NS have passed.
 * Boot therefore never waits for calibration; the first sleep may, once.
 *
 * Timer. TSC-deadline mode when the CPU has it, else the APIC timer in
 * one-shot mode, whose rate is measured in the same PIT window.
 */
#include <ember/arch.h>
#include <ember/errno.h>
#include <ember/platform.h>
#include <ember/sched.h>
#include <ember/time.h>
#include <arch/trap.h>
#include <arch/x86.h>
#include <xen/xen.h>

#define PIT_HZ			 1193182ull
#define CAL_MIN_NS		 (5 * NSEC_PER_MSEC)
#define APIC_BASE		 0xfee00000ul
#define APIC_EOI		 0x0b0
#define APIC_SVR		 0x0f0
#define APIC_LVT_TIMER		 0x320
#define APIC_TIMER_INIT		 0x380
#define APIC_TIMER_CUR		 0x390
#define APIC_TIMER_DIV		 0x3e0
#define LVT_MASKED		 (1u << 16)
#define LVT_TSC_DEADLINE	 (2u << 17)
#define MSR_TSC_DEADLINE	 0x6e0
#define MSR_KVM_SYSTEM_TIME_NEW	 0x4b564d01
#define KVM_FEATURE_CLOCKSOURCE2 (1u << 3)
#define CPUID1_ECX_TSC_DEADLINE	 (1u << 24)

static struct {
	uint64_t tsc0; /* TSC at plat_time_init(): monotonic time 0 */
	uint64_t tsc_hz;
	uint64_t ns_mult; /* ns = (cycles * ns_mult) >> 32 */
	uint64_t apic_hz;
	bool calibrated, tsc_deadline;
	const char *source;
	/* PIT window */
	uint64_t cal_tsc;
	uint32_t cal_apic;
	uint16_t cal_pit;
} clk;

static struct vcpu_time_info kvmclock __attribute__((aligned(64)));

static inline uint32_t apic_read(unsigned reg)
{
	return *(volatile uint32_t *)(APIC_BASE + reg);
}

static inline void apic_write(unsigned reg, uint32_t v)
{
	*(volatile uint32_t *)(APIC_BASE + reg) = v;
}

static uint16_t pit2_read(void)
{
	outb(0x43, 0x80); /* latch channel 2 */
	uint8_t lo = inb(0x42);
	return (uint16_t)(lo | inb(0x42) << 8);
}

static bool pit2_wrapped(void)
{
	return inb(0x61) & 0x20; /* OUT2 high: the count reached zero */
}

/*
 * Takes one (PIT count, TSC, APIC count) sample. The TSC is read on both sides
 * of the PIT read and the tightest of a few tries is kept, so a slow port
 * access (or, under TCG, code translation) does not skew the pairing.
 */
static void cal_sample(uint16_t *pit, uint64_t *tsc, uint32_t *apic)
{
	uint64_t best = ~0ull;
	for (int i = 0; i < 4; i++) {
		uint64_t t0 = rdtsc();
		uint16_t p = pit2_read();
		uint32_t a = apic_read(APIC_TIMER_CUR);
		uint64_t t1 = rdtsc();
		if (t1 - t0 < best) {
			best = t1 - t0;
			*pit = p;
			*tsc = t0 + (t1 - t0) / 2;
			*apic = a;
		}
	}
}

static void pit2_start(void)
{
	outb(0x61, (inb(0x61) & ~0x02) | 0x01); /* gate on, speaker off */
	outb(0x43, 0xb0);			/* channel 2, lo/hi byte, mode 0 */
	outb(0x42, 0xff);
	outb(0x42, 0xff);
	cal_sample(&clk.cal_pit, &clk.cal_tsc, &clk.cal_apic);
}

static void set_rate(uint64_t hz, const char *source)
{
	clk.tsc_hz = hz;
	clk.ns_mult = (uint64_t)(((unsigned __int128)NSEC_PER_SEC << 32) / hz);
	clk.source = source;
	clk.calibrated = true;
}

/* Ends the PIT window (waiting until it spans CAL_MIN_NS) and sets the rates. */
static void pit_calibrate_finish(void)
{
	uint64_t min_ticks = PIT_HZ * CAL_MIN_NS / NSEC_PER_SEC;
	uint16_t pit;
	uint64_t tsc;
	uint32_t apic;
	for (;;) {
		if (pit2_wrapped()) { /* window over 55 ms: start a fresh one */
			pit2_start();
			continue;
		}
		cal_sample(&pit, &tsc, &apic);
		if ((uint16_t)(clk.cal_pit - pit) >= min_ticks && !pit2_wrapped())
			break;
		cpu_relax();
	}
	uint64_t ticks = (uint16_t)(clk.cal_pit - pit);
	uint64_t cycles = tsc - clk.cal_tsc;
	clk.apic_hz = (uint64_t)(clk.cal_apic - apic) * PIT_HZ / ticks;
	set_rate(cycles * PIT_HZ / ticks, "pit");
}

static inline uint64_t calibrated_mult(void)
{
	if (unlikely(!clk.calibrated))
		pit_calibrate_finish();
	return clk.ns_mult;
}

static bool kvmclock_start(void)
{
	uint32_t r[4];
	cpuid(0x40000000, 0, r);
	if (r[1] != 0x4b4d564b || r[2] != 0x564b4d56 || r[3] != 0x4d) /* "KVMKVMKVM" */
		return false;
	cpuid(0x40000001, 0, r);
	if (!(r[0] & KVM_FEATURE_CLOCKSOURCE2))
		return false;
	wrmsr(MSR_KVM_SYSTEM_TIME_NEW, (uintptr_t)&kvmclock | 1);
	uint32_t mul = READ_ONCE(kvmclock.tsc_to_system_mul);
	int8_t shift = READ_ONCE(kvmclock.tsc_shift);
	if (!mul)
		return false;
	/* ns = ((tsc << shift) * mul) >> 32  =>  hz = 1e9 * 2^32 / (mul << shift) */
	unsigned __int128 denom = shift >= 0 ? (unsigned __int128)mul << shift : mul >> -shift;
	set_rate((uint64_t)(((unsigned __int128)NSEC_PER_SEC << 32) / denom), "kvmclock");
	return true;
}

void kvm_apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

static void apic_timer_irq(struct trap_frame *f __unused)
{
	kvm_apic_eoi();
	sched_timer_interrupt();
}

static void apic_start(void)
{
	uint32_t r[4];
	cpuid(1, 0, r);
	clk.tsc_deadline = r[2] & CPUID1_ECX_TSC_DEADLINE;
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1u << 11));
	apic_write(APIC_SVR, 0x100 | VEC_SPURIOUS);
	apic_write(APIC_TIMER_DIV, 0xb); /* divide by 1 */
	apic_write(APIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	apic_write(APIC_TIMER_INIT, 0xffffffffu); /* free-running for calibration */
	arch_irq_set_handler(VEC_TIMER, apic_timer_irq);
}

int plat_time_init(void)
{
	int err = arch_mmu_map_mmio(APIC_BASE, 4096);
	if (err)
		return err;
	apic_start();
	clk.tsc0 = rdtsc();
	if (!kvmclock_start() || !clk.tsc_deadline)
		pit2_start();
	return 0;
}

uint64_t plat_monotonic_ns(void)
{
	uint64_t mult = calibrated_mult();
	return (uint64_t)(((unsigned __int128)(rdtsc() - clk.tsc0) * mult) >> 32);
}

uint64_t plat_cycles_hz(const char **source)
{
	calibrated_mult();
	*source = clk.source;
	return clk.tsc_hz;
}

void plat_timer_arm(uint64_t deadline_ns)
{
	calibrated_mult();
	if (clk.apic_hz == 0 && !clk.tsc_deadline)
		pit_calibrate_finish(); /* kvmclock gave the TSC rate, not the APIC's */
	if (!deadline_ns) {
		apic_write(APIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
		return;
	}
	uint64_t now = plat_monotonic_ns();
	uint64_t delta = deadline_ns > now ? deadline_ns - now : 0;
	if (clk.tsc_deadline) {
		apic_write(APIC_LVT_TIMER, LVT_TSC_DEADLINE | VEC_TIMER);
		uint64_t cycles = (uint64_t)((unsigned __int128)delta * clk.tsc_hz / NSEC_PER_SEC);
		wrmsr(MSR_TSC_DEADLINE, rdtsc() + cycles + 1);
		return;
	}
	uint64_t count = (uint64_t)((unsigned __int128)delta * clk.apic_hz / NSEC_PER_SEC);
	apic_write(APIC_LVT_TIMER, VEC_TIMER); /* one-shot, unmasked */
	apic_write(APIC_TIMER_INIT, (uint32_t)MIN(MAX(count, 1ull), 0xffffffffull));
}
