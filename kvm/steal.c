// SPDX-License-Identifier: MIT
/*
 * plat_steal_ns() on the kvm platform: KVM's steal-time record.
 *
 * When CPUID's KVM leaves (signature "KVMKVMKVM" at 0x40000000, as kvmclock
 * in kvm/time.c finds them) advertise KVM_FEATURE_STEAL_TIME, the first call
 * enables MSR_KVM_STEAL_TIME with the physical address of `record` (RAM is
 * mapped virtual == physical), and KVM keeps `steal` there: the ns this vCPU
 * waited, runnable, for a host CPU. QEMU TCG has no such leaves (and no way
 * to say when its own thread was descheduled): the call says -ENODEV. What
 * KVM does not count: time the whole VM was stopped (a gdbstub pause) is not
 * steal to KVM, though the TSC runs on through it.
 *
 * The record is hypervisor-written memory: `version` is odd while KVM writes
 * it, so a read is kept only when version was even and unchanged around it
 * (bounded retries), and a total that goes back is final (-EIO).
 * Layout and protocol: Linux Documentation/virt/kvm/x86/msr.rst.
 */
#include <ember/compiler.h>
#include <ember/errno.h>
#include <ember/platform.h>
#include <arch/x86.h>

#define MSR_KVM_STEAL_TIME     0x4b564d03
#define KVM_MSR_ENABLED	       1ull
#define KVM_FEATURE_STEAL_TIME (1u << 5)
#define STEAL_TRIES	       64

struct kvm_steal_time {
	uint64_t steal;
	uint32_t version;
	uint32_t flags;
	uint8_t preempted;
	uint8_t pad8[3];
	uint32_t pad32[11];
};
_Static_assert(sizeof(struct kvm_steal_time) == 64, "KVM's steal-time record is 64 bytes");

static struct kvm_steal_time record __aligned(64);
static int state = 1; /* 1 until the first call, then 0, -ENODEV or -EIO */
static uint64_t last;

static bool kvm_has_steal_time(void)
{
	uint32_t r[4];
	cpuid(0x40000000, 0, r);
	if (r[1] != 0x4b4d564b || r[2] != 0x564b4d56 || r[3] != 0x4d) /* "KVMKVMKVM" */
		return false;
	cpuid(0x40000001, 0, r);
	return r[0] & KVM_FEATURE_STEAL_TIME;
}

static int kvm_steal_start(void)
{
	if (!kvm_has_steal_time())
		return -ENODEV;
	wrmsr(MSR_KVM_STEAL_TIME, (uintptr_t)&record | KVM_MSR_ENABLED);
	return 0;
}

/* One consistent read of the record: 0, or -EAGAIN while KVM updates it. */
static int steal_snapshot(uint64_t *steal)
{
	const volatile struct kvm_steal_time *r = &record;
	uint32_t version = r->version;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	*steal = r->steal;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return (version & 1) || version != r->version ? -EAGAIN : 0;
}

int plat_steal_ns(uint64_t *ns)
{
	uint64_t steal;
	if (state > 0)
		state = kvm_steal_start();
	if (state)
		return state;
	for (unsigned i = 0; i < STEAL_TRIES; i++) {
		if (steal_snapshot(&steal)) {
			cpu_relax();
			continue;
		}
		if (steal < last)
			return state = -EIO;
		*ns = last = steal;
		return 0;
	}
	return -EAGAIN;
}
