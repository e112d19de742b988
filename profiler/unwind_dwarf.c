// SPDX-License-Identifier: MIT
/*
 * DWARF CFI unwinding with elfutils' libdwfl, through custom thread
 * callbacks (Dwfl_Thread_Callbacks): the "process" is the guest, its one
 * "thread" is the vCPU being sampled, its registers are the sample's and its
 * memory is read through the target. One Dwfl, the symbolizer's, is attached
 * once and reused for every sample: per-sample set-up is what makes naive
 * DWARF unwinders slow. Each sample only swaps in its registers.
 *
 * Only RIP, RSP and RBP are known at a sample, which is what the CFI of
 * compiled code needs (the CFA is RSP- or RBP-based). Assembly without CFI
 * (the thread trampoline, the entry) ends the walk, which is where Ember's
 * stacks end anyway.
 */
#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <stdlib.h>

#include "prof.h"

#define X86_64_DWARF_RBP 6 /* then RSP as 7 */

struct prof_dwarf {
	Dwfl *dwfl;
	const struct prof_target *target;
	const struct prof_regs *regs;
	struct prof_stack *out;
	bool read_failed;
};

static pid_t next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	(void)dwfl;
	(void)arg;
	if (*thread_argp)
		return 0; /* one thread: the vCPU being sampled */
	*thread_argp = (void *)1;
	return 1;
}

static bool get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_argp)
{
	(void)dwfl;
	(void)arg;
	*thread_argp = (void *)1;
	return tid == 1;
}

static bool memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	struct prof_dwarf *d = arg;
	(void)dwfl;
	uint64_t word;
	if (d->target->ops->read_mem(d->target->priv, d->regs, addr, &word, 8) != 8) {
		d->read_failed = true;
		return false;
	}
	*result = word;
	return true;
}

/* The callbacks need the per-sample state; libdwfl passes dwfl_arg only to
 * some of them, so the sampler keeps it here (emberprof is single-threaded). */
static struct prof_dwarf *current;

static bool set_registers(Dwfl_Thread *thread, void *thread_arg)
{
	(void)thread_arg;
	Dwarf_Word regs[2] = { current->regs->rbp, current->regs->rsp };
	if (!dwfl_thread_state_registers(thread, X86_64_DWARF_RBP, 2, regs))
		return false;
	dwfl_thread_state_register_pc(thread, current->regs->rip);
	return true;
}

static const Dwfl_Thread_Callbacks callbacks = {
	.next_thread = next_thread,
	.get_thread = get_thread,
	.memory_read = memory_read,
	.set_initial_registers = set_registers,
};

int prof_dwarf_open(struct prof_symbols *syms, struct prof_dwarf **out)
{
	struct prof_dwarf *d = calloc(1, sizeof(*d));
	if (!d)
		return prof_fail(ENOMEM, "out of memory");
	d->dwfl = prof_symbols_dwfl(syms);
	if (!dwfl_attach_state(d->dwfl, NULL, 1, &callbacks, d)) {
		free(d);
		return prof_fail(EINVAL, "cannot set up DWARF unwinding: %s", dwfl_errmsg(-1));
	}
	*out = d;
	return 0;
}

static int on_frame(Dwfl_Frame *frame, void *arg)
{
	struct prof_dwarf *d = arg;
	Dwarf_Addr pc;
	bool activation;
	if (!dwfl_frame_pc(frame, &pc, &activation))
		return DWARF_CB_ABORT;
	if (d->out->nframes == PROF_MAX_FRAMES) {
		d->out->flags |= PROF_STACK_TRUNCATED;
		return DWARF_CB_ABORT;
	}
	d->out->pcs[d->out->nframes++] = pc;
	return pc ? DWARF_CB_OK : DWARF_CB_ABORT;
}

void prof_unwind_dwarf(struct prof_dwarf *d, const struct prof_target *t,
		       const struct prof_regs *regs, struct prof_stack *out)
{
	out->nframes = 0;
	out->flags = 0;
	d->target = t;
	d->regs = regs;
	d->out = out;
	d->read_failed = false;
	current = d;
	dwfl_getthread_frames(d->dwfl, 1, on_frame, d);
	if (out->nframes == 0)
		out->pcs[out->nframes++] = regs->rip; /* no CFI at all here */
	if (d->read_failed)
		out->flags |= PROF_STACK_UNMAPPED;
}

void prof_dwarf_close(struct prof_dwarf *d)
{
	free(d); /* NULL is fine; the Dwfl belongs to the symbolizer */
}
