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
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "prof.h"
#include "record.h"
#include <ember/prof_abi.h>

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

/* Finds ember_debug_info in the guest; false when the guest has none. */
static bool load_debug_info(struct prof_target *t, struct prof_symbols *syms,
			    const struct prof_regs *regs, struct ember_debug_info *info)
{
	uint64_t addr = prof_symbols_address(syms, "ember_debug_info");
	return addr &&
	       t->ops->read_mem(t->priv, regs, addr, info, sizeof(*info)) ==
		       (ssize_t)sizeof(*info) &&
	       info->magic == EMBER_DEBUG_MAGIC && info->version >= EMBER_DEBUG_VERSION &&
	       info->name_size >= 2 && info->name_size <= 256;
}

static void name_thread(struct prof_target *t, const struct ember_debug_info *info,
			const struct prof_regs *regs, struct prof_sample *s)
{
	uint64_t cur = 0;
	char name[256];
	s->thread[0] = '\0';
	if (!info || t->ops->read_mem(t->priv, regs, info->current_addr, &cur, 8) != 8 || !cur)
		return;
	if (cur == info->idle_thread)
		s->flags |= PROF_STACK_IDLE;
	if (t->ops->read_mem(t->priv, regs, cur + info->name_offset, name, info->name_size) !=
	    (ssize_t)info->name_size)
		return;
	size_t n = 0;
	while (n + 1 < PROF_THREAD_NAME && n < info->name_size && name[n] >= 0x20 && name[n] < 0x7f)
		n++;
	if (n < info->name_size && name[n] != '\0')
		return; /* not a NUL-terminated printable name: hostile or torn */
	memcpy(s->thread, name, n);
	s->thread[n] = '\0';
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

/* One tick: every vCPU of the paused guest into the profile. */
/* Adds the time since *@mark to *@phase and moves the mark. */
static void lap(uint64_t *phase, uint64_t *mark)
{
	uint64_t now = now_ns(CLOCK_MONOTONIC);
	*phase += now - *mark;
	*mark = now;
}

static int sample_once(struct prof_target *t, struct prof_dwarf *dwarf,
		       const struct ember_debug_info *info, struct prof_writer *w, uint64_t time_ns,
		       const struct prof_record_opts *o, struct prof_phases *ph,
		       struct prof_summary *sum)
{
	uint64_t mark = now_ns(CLOCK_MONOTONIC);
	int err = t->ops->pause(t->priv);
	if (err)
		return err;
	lap(&ph->pause, &mark);
	int n = t->ops->nr_vcpus(t->priv);
	for (int v = 0; v < n && !err; v++) {
		struct prof_regs regs;
		struct prof_sample s = { .time_ns = time_ns, .vcpu = (uint16_t)v };
		err = t->ops->get_regs(t->priv, v, &regs);
		lap(&ph->regs, &mark);
		if (err)
			break;
		sum->samples++;
		if (o->bare)
			continue;
		unwind(t, dwarf, &regs, &s.stack);
		name_thread(t, info, &regs, &s);
		s.flags |= s.stack.flags;
		sum->truncated += !!(s.flags & PROF_STACK_TRUNCATED);
		sum->unmapped += !!(s.flags & PROF_STACK_UNMAPPED);
		if (o->on_sample)
			o->on_sample(&s, o->arg);
		err = w ? prof_writer_sample(w, &s) : 0;
		lap(&ph->walk, &mark);
	}
	int err2 = t->ops->unpause(t->priv);
	lap(&ph->unpause, &mark);
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

int prof_record(struct prof_target *t, struct prof_symbols *syms, const char *target_desc,
		const char *elf, const struct prof_record_opts *o, struct prof_summary *sum)
{
	struct prof_regs regs;
	struct ember_debug_info info;
	struct prof_file_header h = { .period_ns = (uint64_t)(1e9 / o->hz),
				      .start_ns = now_ns(CLOCK_REALTIME) };
	memset(sum, 0, sizeof(*sum));
	snprintf(h.target, sizeof(h.target), "%s", target_desc);
	snprintf(h.elf, sizeof(h.elf), "%s", elf);
	const uint8_t *id;
	size_t idlen;
	prof_symbols_build_id(syms, &id, &idlen);
	h.build_id_len = (uint8_t)(idlen <= sizeof(h.build_id) ? idlen : 0);
	if (h.build_id_len)
		memcpy(h.build_id, id, idlen);

	int err = t->ops->pause(t->priv);
	err = err ?: t->ops->get_regs(t->priv, 0, &regs);
	err = err ?: check_build_id(t, syms, &regs);
	bool named = !err && load_debug_info(t, syms, &regs, &info);
	int err2 = t->ops->unpause(t->priv);
	err = err ?: err2;
	struct prof_dwarf *dwarf = NULL;
	if (!err && o->unwind != PROF_UNWIND_FP)
		err = prof_dwarf_open(syms, &dwarf);
	dwarf_falls_back = o->unwind == PROF_UNWIND_AUTO;
	struct prof_writer *w = NULL;
	if (o->out)
		err = err ?: prof_writer_open(o->out, &h, &w);
	if (err) {
		prof_dwarf_close(dwarf);
		return err;
	}

	signal(SIGINT, on_sigint);
	uint64_t start = now_ns(CLOCK_MONOTONIC), next = start, last_report = start;
	uint64_t rng = 0x9e3779b97f4a7c15ull, last_alive = start;
	struct prof_phases phases = { 0 };
	uint64_t end = start + (uint64_t)(o->seconds * 1e9);
	while (!interrupted && next < end && (!o->max_samples || sum->samples < o->max_samples)) {
		uint64_t now = now_ns(CLOCK_MONOTONIC);
		if (now < next) { /* never sleep for a past deadline: ~0.4 ms in dom0 here */
			sleep_until(next);
			now = now_ns(CLOCK_MONOTONIC);
		}
		if (now >= next + h.period_ns) { /* a whole period late: skip the lost ticks */
			uint64_t lost = (now - next) / h.period_ns;
			sum->missed_deadlines += lost;
			next += lost * h.period_ns;
		}
		err = sample_once(t, dwarf, named ? &info : NULL, w, now - start, o, &phases, sum);
		if (err) {
			if (!t->ops->alive(t->priv))
				err = 0,
				fprintf(stderr, "\nemberprof: the guest exited; stopping\n");
			else
				sum->errors++;
			break;
		}
		next += jittered(h.period_ns, &rng);
		if (now - last_alive >= 200000000ull) { /* a guest that shut down ends it */
			last_alive = now;
			if (!t->ops->alive(t->priv)) {
				fprintf(stderr,
					"%semberprof: the guest stopped running; stopping\n",
					o->quiet ? "" : "\n");
				break;
			}
		}
		if (now - last_report >= 1000000000ull) {
			if (o->on_second)
				o->on_second(sum, o->arg);
			else if (!o->quiet)
				fprintf(stderr, "\remberprof: %llu samples, %llu missed deadlines",
					(unsigned long long)sum->samples,
					(unsigned long long)sum->missed_deadlines);
			last_report = now;
		}
	}
	sum->elapsed_ns = now_ns(CLOCK_MONOTONIC) - start;
	if (o->phases)
		*o->phases = phases;
	prof_dwarf_close(dwarf);
	int cerr = w ? prof_writer_close(w, sum) : 0;
	return err ?: cerr;
}
