/* SPDX-License-Identifier: MIT */
/*
 * Which vCPUs a sample reads (vcpus.c): the policy that keeps one unreadable
 * vCPU from ending a recording. A guest may have more vCPUs than it runs (Xen
 * `maxvcpus` above `vcpus`: the rest were never brought up, and reading them
 * fails), and a vCPU may go offline and come back. A vCPU whose registers
 * cannot be read is skipped, and looked at again after a back-off that
 * doubles from one tick up to PROF_VCPU_REPROBE_MAX ticks; one good read makes
 * it readable again. Every (tick, vCPU) not sampled is counted as skipped,
 * so samples + skipped = ticks x vCPUs.
 *
 * Pure state, no I/O: record.c asks prof_vcpus_due() before reading a vCPU
 * and tells prof_vcpus_report() how the read went. Ticks are counted by the
 * caller from 0, one per sample taken.
 */
#ifndef EMBERPROF_VCPUS_H
#define EMBERPROF_VCPUS_H

#include <stdbool.h>
#include <stdint.h>

#define PROF_VCPU_REPROBE_MAX 256 /* ticks between probes of an unreadable vCPU, at most */

struct prof_vcpu {
	uint64_t skipped;    /* ticks this vCPU was not sampled */
	uint64_t next_probe; /* the first tick it is read again */
	uint32_t backoff;    /* ticks between probes now; 0 while it is readable */
	int err;	     /* errno of its last failed read; 0 if none yet */
	bool reported;	     /* the caller has said it is unreadable (once per run) */
};

struct prof_vcpus {
	unsigned nr;
	uint64_t skipped; /* the sum over all vCPUs */
	struct prof_vcpu *v;
};

/* Sets up @s for @nr vCPUs, all readable. 0, or -ENOMEM with a reason. */
int prof_vcpus_init(struct prof_vcpus *s, unsigned nr);
void prof_vcpus_free(struct prof_vcpus *s);

/*
 * Whether tick @tick reads vCPU @vcpu (< @s->nr). false: it is being backed
 * off, and this tick is counted as skipped for it.
 */
bool prof_vcpus_due(struct prof_vcpus *s, unsigned vcpu, uint64_t tick);

/*
 * How the read of @vcpu in tick @tick went: @err 0, or a negative errno (the
 * tick is counted as skipped and the back-off grows). Returns true the first
 * time in the run that @vcpu fails, when the caller should say so once.
 */
bool prof_vcpus_report(struct prof_vcpus *s, unsigned vcpu, uint64_t tick, int err);

#endif
