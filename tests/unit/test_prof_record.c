// SPDX-License-Identifier: MIT
/*
 * Host tests of `emberprof record`'s handling of vCPUs it cannot read: the
 * skip policy itself (profiler/vcpus.c) and the real sampling loop
 * (profiler/record.c) on a fake target whose vCPUs fail as scripted, writing
 * a real profile file (profiler/prof_file.c) that is read back.
 *
 * The guest here is the fixture ELF (tests/unit/data/prof_fixture.c): the
 * fake target serves its build-id at the address the ELF says, so the
 * recording's build-id check passes; every other read faults (one-frame
 * stacks, no thread names), which the loop takes in its stride.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "prof.h"
#include "record.h"
#include "vcpus.h"

/* ---- the skip policy ------------------------------------------------------------------ */

static void test_backoff_doubles_to_the_cap(void **state)
{
	(void)state;
	struct prof_vcpus s;
	uint64_t probes[16], nprobes = 0, ticks = 2000;
	assert_int_equal(prof_vcpus_init(&s, 2), 0);
	for (uint64_t tick = 0; tick < ticks; tick++) {
		assert_true(prof_vcpus_due(&s, 0, tick)); /* the readable one, every tick */
		prof_vcpus_report(&s, 0, tick, 0);
		if (!prof_vcpus_due(&s, 1, tick))
			continue;
		bool first = prof_vcpus_report(&s, 1, tick, -ENODATA);
		assert_int_equal(first, nprobes == 0); /* said once per run */
		if (nprobes < 16)
			probes[nprobes] = tick;
		nprobes++;
	}
	/* Probed at 0, 1, 3, 7, ... 255, then every PROF_VCPU_REPROBE_MAX ticks. */
	for (unsigned i = 0; i <= 8; i++)
		assert_int_equal(probes[i], (1u << i) - 1);
	assert_int_equal(probes[9], 255 + PROF_VCPU_REPROBE_MAX);
	assert_int_equal(probes[10], 255 + 2 * PROF_VCPU_REPROBE_MAX);
	assert_int_equal(nprobes, 9 + (ticks - 1 - 255) / PROF_VCPU_REPROBE_MAX);
	assert_int_equal(s.v[1].skipped, ticks); /* never sampled */
	assert_int_equal(s.v[0].skipped, 0);
	assert_int_equal(s.skipped, ticks);
	assert_int_equal(s.v[1].err, ENODATA);
	prof_vcpus_free(&s);
}

static void test_a_vcpu_that_comes_up(void **state)
{
	(void)state;
	struct prof_vcpus s;
	assert_int_equal(prof_vcpus_init(&s, 1), 0);
	uint64_t tick = 0, read = 0;
	for (int fails = 0; fails < 4; tick++) /* due at 0, 1, 3, 7 */
		if (prof_vcpus_due(&s, 0, tick))
			prof_vcpus_report(&s, 0, tick, -EIO), fails++;
	assert_int_equal(tick, 8);
	for (; tick < 15; tick++)
		assert_false(prof_vcpus_due(&s, 0, tick));
	assert_true(prof_vcpus_due(&s, 0, tick));
	assert_false(prof_vcpus_report(&s, 0, tick, 0)); /* readable again */
	for (tick++; tick < 100; tick++, read++) {
		assert_true(prof_vcpus_due(&s, 0, tick));
		prof_vcpus_report(&s, 0, tick, 0);
	}
	assert_int_equal(s.skipped, 4 + 11); /* 4 failed reads; backed off at 2, 4-6, 8-14 */
	/* Failing again starts the back-off afresh, and says nothing new. */
	assert_false(prof_vcpus_report(&s, 0, tick, -EIO));
	assert_false(prof_vcpus_due(&s, 0, tick));
	assert_true(prof_vcpus_due(&s, 0, tick + 1));
	prof_vcpus_free(&s);
}

/* ---- the sampling loop ------------------------------------------------------------------ */

struct fake {
	int nr_vcpus;
	int pauses, unpauses;
	int fail_vcpu0_after; /* pauses; 0: never */
	int vcpu1_up_after;   /* calls of get_regs(1) that fail first; -1: always fail */
	int vcpu1_calls;
	uint64_t id_addr;
	const uint8_t *id;
	size_t id_len;
};

static int f_pause(void *t)
{
	((struct fake *)t)->pauses++;
	return 0;
}

static int f_unpause(void *t)
{
	((struct fake *)t)->unpauses++;
	return 0;
}

static int f_nr_vcpus(void *t)
{
	return ((struct fake *)t)->nr_vcpus;
}

static int f_get_regs(void *t, int vcpu, struct prof_regs *regs)
{
	struct fake *f = t;
	*regs = (struct prof_regs){ .rip = 0x401000 + (uint64_t)vcpu, .kernel_mode = true };
	if (vcpu == 0 && f->fail_vcpu0_after && f->pauses > f->fail_vcpu0_after)
		return prof_fail(EIO, "vCPU 0 broke");
	if (vcpu == 1 && (f->vcpu1_up_after < 0 || f->vcpu1_calls++ < f->vcpu1_up_after))
		return prof_fail(ENODATA, "vCPU 1 of the fake is not up");
	return 0;
}

static ssize_t f_read_mem(void *t, const struct prof_regs *regs, uint64_t va, void *buf, size_t len)
{
	struct fake *f = t;
	(void)regs;
	if (va != f->id_addr || len != f->id_len)
		return -EFAULT;
	memcpy(buf, f->id, len);
	return (ssize_t)len;
}

static bool f_alive(void *t)
{
	(void)t;
	return true;
}

static void f_close(void *t)
{
	(void)t;
}

static const struct prof_target_ops fake_ops = {
	.name = "fake",
	.pause = f_pause,
	.unpause = f_unpause,
	.nr_vcpus = f_nr_vcpus,
	.get_regs = f_get_regs,
	.read_mem = f_read_mem,
	.alive = f_alive,
	.close = f_close,
};

struct run {
	struct prof_summary sum;
	int err;
	uint64_t per_vcpu[2];
	char path[64];
};

static void on_sample(const struct prof_sample *s, void *arg)
{
	struct run *r = arg;
	assert_true(s->vcpu < 2);
	r->per_vcpu[s->vcpu]++;
}

/* Records @f for @samples samples at a high rate into a temporary file. */
static void record(struct fake *f, uint64_t samples, struct run *r)
{
	struct prof_symbols *syms;
	assert_int_equal(prof_symbols_open(PROF_FIXTURE_ELF, &syms), 0);
	prof_symbols_build_id(syms, &f->id, &f->id_len);
	f->id_addr = prof_symbols_build_id_addr(syms);
	assert_true(f->id_len > 0 && f->id_addr);
	memset(r, 0, sizeof(*r));
	snprintf(r->path, sizeof(r->path), "/tmp/test_prof_record.%d.prof", (int)getpid());
	struct prof_record_opts o = { .unwind = PROF_UNWIND_FP,
				      .hz = 20000,
				      .seconds = 600, /* the sample budget ends it */
				      .out = r->path,
				      .quiet = true,
				      .max_samples = samples,
				      .on_sample = on_sample,
				      .arg = r };
	struct prof_target t = { &fake_ops, f };
	r->err = prof_record(&t, syms, "fake", PROF_FIXTURE_ELF, &o, &r->sum);
	prof_symbols_close(syms);
}

/* The summary in the file, and its samples per vCPU. */
static void read_back(struct run *r, struct prof_summary *sum, uint64_t per_vcpu[2])
{
	struct prof_reader *rd;
	struct prof_file_header h;
	static struct prof_sample s;
	int n;
	assert_int_equal(prof_reader_open(r->path, &rd, &h), 0);
	per_vcpu[0] = per_vcpu[1] = 0;
	while ((n = prof_reader_next(rd, &s)) == 1)
		per_vcpu[s.vcpu < 2 ? s.vcpu : 0]++;
	assert_int_equal(n, 0);
	*sum = *prof_reader_summary(rd);
	prof_reader_close(rd);
	unlink(r->path);
}

/* maxvcpus = 2, vcpus = 1: vCPU 1 never answers; the recording goes on. */
static void test_recording_skips_a_vcpu_that_is_not_up(void **state)
{
	(void)state;
	struct fake f = { .nr_vcpus = 2, .vcpu1_up_after = -1 };
	struct run r;
	record(&f, 300, &r);
	assert_int_equal(r.err, 0);
	assert_int_equal(r.sum.samples, 300);
	assert_int_equal(r.sum.errors, 0);
	assert_int_equal(r.sum.skipped, 300); /* one per tick: vCPU 1 in each */
	assert_int_equal(r.per_vcpu[0], 300);
	assert_int_equal(r.per_vcpu[1], 0);
	assert_int_equal(f.pauses, 301); /* the checks before sampling, then 300 ticks */
	assert_int_equal(f.unpauses, f.pauses);
	assert_true(f.vcpu1_calls < 20); /* backed off, not asked every tick */
	struct prof_summary sum;
	uint64_t per_vcpu[2];
	read_back(&r, &sum, per_vcpu);
	assert_int_equal(sum.samples, 300);
	assert_int_equal(sum.skipped, 300);
	assert_int_equal(per_vcpu[0], 300);
}

static void test_a_vcpu_coming_up_is_sampled(void **state)
{
	(void)state;
	struct fake f = { .nr_vcpus = 2, .vcpu1_up_after = 3 };
	struct run r;
	record(&f, 200, &r);
	assert_int_equal(r.err, 0);
	uint64_t ticks = (uint64_t)f.pauses - 1;
	assert_int_equal(r.sum.samples + r.sum.skipped, 2 * ticks);
	assert_int_equal(r.sum.skipped, 3 + 4); /* failed at ticks 0, 1, 3; backed off 2, 4-6 */
	assert_true(r.per_vcpu[1] > 0);
	assert_int_equal(r.per_vcpu[0] + r.per_vcpu[1], r.sum.samples);
	struct prof_summary sum;
	uint64_t per_vcpu[2];
	read_back(&r, &sum, per_vcpu);
	assert_int_equal(sum.skipped, 7);
	assert_int_equal(per_vcpu[1], r.per_vcpu[1]);
}

/* No vCPU readable in a tick of a live guest: an error, as before (with what was recorded). */
static void test_no_readable_vcpu_ends_the_recording(void **state)
{
	(void)state;
	struct fake f = { .nr_vcpus = 2, .vcpu1_up_after = -1, .fail_vcpu0_after = 11 };
	struct run r;
	record(&f, 300, &r);
	assert_int_equal(r.err, -EIO);
	assert_string_equal(prof_error(), "vCPU 0 broke");
	assert_int_equal(r.sum.samples, 10);
	assert_int_equal(r.sum.errors, 1);
	assert_int_equal(f.unpauses, f.pauses);
	struct prof_summary sum;
	uint64_t per_vcpu[2];
	read_back(&r, &sum, per_vcpu);
	assert_int_equal(sum.samples, 10);
	assert_int_equal(sum.errors, 1);
}

/* A version 1 profile (before `skipped`) still reads, with skipped 0. */
static void test_version_1_profiles_still_read(void **state)
{
	(void)state;
	char path[64];
	snprintf(path, sizeof(path), "/tmp/test_prof_record.v1.%d.prof", (int)getpid());
	struct prof_file_header h = { .target = "old", .period_ns = 1000 };
	uint32_t head[2] = { 1, sizeof(h) }, rec[2] = { 2, 48 };
	uint64_t summary[6] = { 0, 1, 2, 3, 4, 5 };
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite("EMBERPRF", 1, 8, f), 8);
	assert_int_equal(fwrite(head, 4, 2, f), 2);
	assert_int_equal(fwrite(&h, sizeof(h), 1, f), 1);
	assert_int_equal(fwrite(rec, 4, 2, f), 2);
	assert_int_equal(fwrite(summary, 8, 6, f), 6);
	assert_int_equal(fclose(f), 0);
	struct prof_reader *rd;
	struct prof_sample *s = malloc(sizeof(*s));
	assert_non_null(s);
	assert_int_equal(prof_reader_open(path, &rd, &h), 0);
	assert_int_equal(prof_reader_next(rd, s), 0);
	assert_int_equal(prof_reader_summary(rd)->errors, 4);
	assert_int_equal(prof_reader_summary(rd)->elapsed_ns, 5);
	assert_int_equal(prof_reader_summary(rd)->skipped, 0);
	prof_reader_close(rd);
	free(s);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff_doubles_to_the_cap),
		cmocka_unit_test(test_a_vcpu_that_comes_up),
		cmocka_unit_test(test_recording_skips_a_vcpu_that_is_not_up),
		cmocka_unit_test(test_a_vcpu_coming_up_is_sampled),
		cmocka_unit_test(test_no_readable_vcpu_ends_the_recording),
		cmocka_unit_test(test_version_1_profiles_still_read),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
