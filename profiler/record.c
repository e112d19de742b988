// SPDX-License-Identifier: MIT
/*
 * `emberprof record`: the sampling loop. Each tick pauses the guest, reads
 * every vCPU's registers, walks its stack, names the Ember thread it runs
 * (through the kernel's ember_debug_info, see kernel/include/ember/prof_abi.h)
 * and unpauses, then sleeps until the next deadline. Deadlines are jittered
 * (each interval uniform in [0.5, 1.5) periods, from a fixed-seed generator)
 * so a guest whose work repeats at the sampling period is not sampled at the
 * same phase every time; the mean rate is the one asked for. A tick that
 * starts a whole period late counts as a missed deadline. Before sampling, the ELF's
 * build-id is compared with the one in guest memory, so addresses are never
 * symbolized against the wrong image.
 *
 * A vCPU whose registers cannot be read (one the guest never brought up, or
 * took offline) is skipped and looked at again now and then (vcpus.h), with
 * a one-line note the first time; the recording goes on with the others.
 * Only a tick in which no vCPU at all could be read ends it: the guest has
 * gone (a normal end) or something is wrong (an error).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "debug_info.h"
#include "prof.h"
#include "record.h"
#include "vcpus.h"

static volatile sig_atomic_t interrupted;
static bool dwarf_falls_back; /* --unwind auto */

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

static uint64_t now_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int check_build_id(struct prof_target *t, struct prof_symbols *syms,
			  const struct prof_regs *regs)
{
	const uint8_t *id;
	size_t len;
	uint8_t guest[20];
	prof_symbols_build_id(syms, &id, &len);
	uint64_t addr = prof_symbols_build_id_addr(syms);
	if (!len || !addr || len > sizeof(guest))
		return 0; /* nothing to compare: accept, as perf does */
	if (t->ops->read_mem(t->priv, regs, addr, guest, len) != (ssize_t)len)
		return prof_fail(EFAULT, "cannot read the guest's build-id at %#llx",
				 (unsigned long long)addr);
	if (memcmp(guest, id, len))
		return prof_fail(EINVAL,
				 "the ELF does not match the running guest (build-id differs)");
	return 0;
}

static void unwind(struct prof_target *t, struct prof_dwarf *dwarf, const struct prof_regs *regs,
		   struct prof_stack *st)
{
	if (!dwarf) {
		prof_unwind_fp(t, regs, st);
		return;
	}
	prof_unwind_dwarf(dwarf, t, regs, st);
	if (st->nframes < 2 && st->flags == 0 && dwarf_falls_back)
		prof_unwind_fp(t, regs, st);
}

/* Adds the time since *@mark to *@phase and moves the mark. */
static void lap(uint64_t *phase, uint64_t *mark)
{
	uint64_t now = now_ns(CLOCK_MONOTONIC);
	*phase += now - *mark;
	*mark = now;
}

/* What one tick works with, besides the target. */
struct tick_ctx {
	struct prof_dwarf *dwarf;
	const struct ember_debug_info *info; /* NULL: threads are not named */
	struct prof_writer *w;
	const struct prof_record_opts *o;
	struct prof_vcpus vcpus;
	struct prof_phases ph;
	uint64_t tick; /* ticks taken so far */
};

/* Samples the vCPU of @regs (read at @time_ns) into the profile. 0 or -errno. */
static int sample_vcpu(struct prof_target *t, struct tick_ctx *c, int vcpu,
		       const struct prof_regs *regs, uint64_t time_ns, struct prof_summary *sum)
{
	struct prof_sample s = { .time_ns = time_ns, .vcpu = (uint16_t)vcpu };
	sum->samples++;
	if (c->o->bare)
		return 0;
	unwind(t, c->dwarf, regs, &s.stack);
	prof_debug_info_thread(t, c->info, regs, &s);
	s.flags |= s.stack.flags;
	sum->truncated += !!(s.flags & PROF_STACK_TRUNCATED);
	sum->unmapped += !!(s.flags & PROF_STACK_UNMAPPED);
	if (c->o->on_sample)
		c->o->on_sample(&s, c->o->arg);
	return c->w ? prof_writer_sample(c->w, &s) : 0;
}

/* Notes the first failure of @vcpu (its reason is prof_error()'s). */
static void say_skipped(const struct tick_ctx *c, int vcpu)
{
	fprintf(stderr,
		"%semberprof: skipping vCPU %d (%s); looking again every %d samples at most\n",
		c->o->quiet ? "" : "\n", vcpu, prof_error(), PROF_VCPU_REPROBE_MAX);
}

/*
 * One tick: every readable vCPU of the paused guest into the profile. An
 * unreadable vCPU is skipped; -errno when none could be read, or on a write
 * error.
 */
static int sample_once(struct prof_target *t, struct tick_ctx *c, uint64_t time_ns,
		       struct prof_summary *sum)
{
	uint64_t mark = now_ns(CLOCK_MONOTONIC);
	int err = t->ops->pause(t->priv), read = 0, failed = 0;
	if (err)
		return err;
	lap(&c->ph.pause, &mark);
	int n = t->ops->nr_vcpus(t->priv);
	for (int v = 0; v < n && (unsigned)v < c->vcpus.nr && !err; v++) {
		struct prof_regs regs;
		if (!prof_vcpus_due(&c->vcpus, (unsigned)v, c->tick))
			continue;
		int rerr = t->ops->get_regs(t->priv, v, &regs);
		lap(&c->ph.regs, &mark);
		if (prof_vcpus_report(&c->vcpus, (unsigned)v, c->tick, rerr))
			say_skipped(c, v);
		if (rerr) {
			failed = rerr;
			continue;
		}
		read++;
		err = sample_vcpu(t, c, v, &regs, time_ns, sum);
		lap(&c->ph.walk, &mark);
	}
	c->tick++;
	sum->skipped = c->vcpus.skipped;
	if (!err && !read && failed)
		err = failed; /* no vCPU could be read: the guest is gone, or broken */
	int err2 = t->ops->unpause(t->priv);
	lap(&c->ph.unpause, &mark);
	return err ?: err2;
}

/* The next interval: @period scaled by a uniform factor in [0.5, 1.5). */
static uint64_t jittered(uint64_t period, uint64_t *rng)
{
	*rng ^= *rng << 13;
	*rng ^= *rng >> 7;
	*rng ^= *rng << 17;
	return period / 2 + (uint64_t)(((unsigned __int128)(*rng >> 11) * period) >> 53);
}

static void sleep_until(uint64_t deadline)
{
	struct timespec ts = { (time_t)(deadline / 1000000000ull),
			       (long)(deadline % 1000000000ull) };
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR && !interrupted)
		;
}

static void fill_header(struct prof_file_header *h, struct prof_symbols *syms,
			const char *target_desc, const char *elf, const struct prof_record_opts *o)
{
	const uint8_t *id;
	size_t idlen;
	*h = (struct prof_file_header){ .period_ns = (uint64_t)(1e9 / o->hz),
					.start_ns = now_ns(CLOCK_REALTIME) };
	snprintf(h->target, sizeof(h->target), "%s", target_desc);
	snprintf(h->elf, sizeof(h->elf), "%s", elf);
	prof_symbols_build_id(syms, &id, &idlen);
	h->build_id_len = (uint8_t)(idlen <= sizeof(h->build_id) ? idlen : 0);
	if (h->build_id_len)
		memcpy(h->build_id, id, idlen);
}

/*
 * Before the first tick: the build-id and ember_debug_info, read through
 * vCPU 0 (the one every guest runs), then the unwinder, the profile file and
 * the vCPU table. 0, or -errno with everything set up released.
 */
static int prepare(struct prof_target *t, struct prof_symbols *syms,
		   const struct prof_file_header *h, struct ember_debug_info *info,
		   struct tick_ctx *c)
{
	struct prof_regs regs;
	int err = t->ops->pause(t->priv);
	err = err ?: t->ops->get_regs(t->priv, 0, &regs);
	err = err ?: check_build_id(t, syms, &regs);
	bool named =
		!err && prof_debug_info_load(t, &regs,
					     prof_symbols_address(syms, "ember_debug_info"), info);
	int err2 = t->ops->unpause(t->priv);
	err = err ?: err2;
	c->info = named ? info : NULL;
	int nr = err ? 0 : t->ops->nr_vcpus(t->priv);
	err = err ?: prof_vcpus_init(&c->vcpus, nr > 0 ? (unsigned)nr : 0);
	if (!err && c->o->unwind != PROF_UNWIND_FP)
		err = prof_dwarf_open(syms, &c->dwarf);
	dwarf_falls_back = c->o->unwind == PROF_UNWIND_AUTO;
	if (!err && c->o->out)
		err = prof_writer_open(c->o->out, h, &c->w); /* last: nothing to undo after it */
	if (err) {
		prof_dwarf_close(c->dwarf);
		prof_vcpus_free(&c->vcpus);
	}
	return err;
}

/* Whether to stop after a tick at @now (the guest is gone); says why. */
static bool guest_stopped(struct prof_target *t, const struct prof_record_opts *o, uint64_t now,
			  uint64_t *last_alive)
{
	if (now - *last_alive < 200000000ull)
		return false;
	*last_alive = now;
	if (t->ops->alive(t->priv))
		return false;
	fprintf(stderr, "%semberprof: the guest stopped running; stopping\n", o->quiet ? "" : "\n");
	return true;
}

static void progress(const struct prof_record_opts *o, const struct prof_summary *sum)
{
	if (o->on_second)
		o->on_second(sum, o->arg);
	else if (!o->quiet)
		fprintf(stderr, "\remberprof: %llu samples, %llu missed deadlines",
			(unsigned long long)sum->samples,
			(unsigned long long)sum->missed_deadlines);
}

/* The ticks, until the time or sample budget is spent, SIGINT or the guest ends. */
static int run(struct prof_target *t, struct tick_ctx *c, uint64_t period, struct prof_summary *sum)
{
	const struct prof_record_opts *o = c->o;
	uint64_t start = now_ns(CLOCK_MONOTONIC), next = start, last_report = start;
	uint64_t rng = 0x9e3779b97f4a7c15ull, last_alive = start;
	uint64_t end = start + (uint64_t)(o->seconds * 1e9);
	int err = 0;
	signal(SIGINT, on_sigint);
	while (!interrupted && next < end && (!o->max_samples || sum->samples < o->max_samples)) {
		uint64_t now = now_ns(CLOCK_MONOTONIC);
		if (now < next) { /* never sleep for a past deadline: ~0.4 ms in dom0 here */
			sleep_until(next);
			now = now_ns(CLOCK_MONOTONIC);
		}
		if (now >= next + period) { /* a whole period late: skip the lost ticks */
			uint64_t lost = (now - next) / period;
			sum->missed_deadlines += lost;
			next += lost * period;
		}
		err = sample_once(t, c, now - start, sum);
		if (err) {
			if (!t->ops->alive(t->priv))
				err = 0,
				fprintf(stderr, "\nemberprof: the guest exited; stopping\n");
			else
				sum->errors++;
			break;
		}
		next += jittered(period, &rng);
		if (guest_stopped(t, o, now, &last_alive))
			break;
		if (now - last_report >= 1000000000ull) {
			progress(o, sum);
			last_report = now;
		}
	}
	sum->elapsed_ns = now_ns(CLOCK_MONOTONIC) - start;
	return err;
}

int prof_record(struct prof_target *t, struct prof_symbols *syms, const char *target_desc,
		const char *elf, const struct prof_record_opts *o, struct prof_summary *sum)
{
	struct ember_debug_info info;
	struct prof_file_header h;
	struct tick_ctx c = { .o = o };
	memset(sum, 0, sizeof(*sum));
	fill_header(&h, syms, target_desc, elf, o);
	int err = prepare(t, syms, &h, &info, &c);
	if (err)
		return err;
	err = run(t, &c, h.period_ns, sum);
	if (o->phases)
		*o->phases = c.ph;
	prof_dwarf_close(c.dwarf);
	prof_vcpus_free(&c.vcpus);
	int cerr = c.w ? prof_writer_close(c.w, sum) : 0;
	return err ?: cerr;
}
