// SPDX-License-Identifier: MIT
/*
 * The vCPU skip policy (rules in vcpus.h). Invariants: a readable vCPU has
 * backoff 0 and is due every tick; an unreadable one has 1 <= backoff <=
 * PROF_VCPU_REPROBE_MAX and is due again at next_probe; s->skipped is the
 * sum of the per-vCPU counts.
 */
#include <errno.h>
#include <stdlib.h>

#include "prof.h"
#include "vcpus.h"

int prof_vcpus_init(struct prof_vcpus *s, unsigned nr)
{
	s->nr = nr;
	s->skipped = 0;
	s->v = calloc(nr ? nr : 1, sizeof(*s->v));
	return s->v ? 0 : prof_fail(ENOMEM, "out of memory for %u vCPUs", nr);
}

void prof_vcpus_free(struct prof_vcpus *s)
{
	free(s->v);
	s->v = NULL;
	s->nr = 0;
}

static void skip(struct prof_vcpus *s, struct prof_vcpu *v)
{
	v->skipped++;
	s->skipped++;
}

bool prof_vcpus_due(struct prof_vcpus *s, unsigned vcpu, uint64_t tick)
{
	struct prof_vcpu *v = &s->v[vcpu];
	if (!v->backoff || tick >= v->next_probe)
		return true;
	skip(s, v);
	return false;
}

bool prof_vcpus_report(struct prof_vcpus *s, unsigned vcpu, uint64_t tick, int err)
{
	struct prof_vcpu *v = &s->v[vcpu];
	if (!err) {
		v->backoff = 0;
		return false;
	}
	skip(s, v);
	v->err = err < 0 ? -err : err;
	if (!v->backoff)
		v->backoff = 1;
	else if (v->backoff < PROF_VCPU_REPROBE_MAX)
		v->backoff *= 2;
	v->next_probe = tick + v->backoff;
	bool first = !v->reported;
	v->reported = true;
	return first;
}
