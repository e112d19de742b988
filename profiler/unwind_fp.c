// SPDX-License-Identifier: MIT
/*
 * Frame-pointer unwinding of a guest stack, through a target's read_mem.
 *
 * With frame pointers every frame starts with [saved rbp][return address],
 * and the saved rbp points at the caller's frame, higher on the stack. The
 * guest's memory is hostile input: the walk is bounded (PROF_MAX_FRAMES),
 * each frame must lie above the previous one (which also stops loops), frame
 * pointers must be aligned, and an unreadable frame ends the walk. What was
 * found so far is kept, with a flag saying why the walk stopped early.
 * Known limit: a sample taken in a function's prologue or epilogue (before
 * "mov %rsp,%rbp" or after "pop %rbp") misses that function's caller; the
 * DWARF unwinder does not.
 */
#include "prof.h"

static void push(struct prof_stack *out, uint64_t pc)
{
	if (out->nframes < PROF_MAX_FRAMES)
		out->pcs[out->nframes++] = pc;
	else
		out->flags |= PROF_STACK_TRUNCATED;
}

void prof_unwind_fp(const struct prof_target *t, const struct prof_regs *regs,
		    struct prof_stack *out)
{
	uint64_t fp = regs->rbp, floor = regs->rsp;
	out->nframes = 0;
	out->flags = 0;
	push(out, regs->rip);
	while (fp) {
		uint64_t frame[2]; /* saved rbp, return address */
		if ((fp & 7) || fp < floor) {
			out->flags |= PROF_STACK_TRUNCATED; /* not a plausible frame */
			return;
		}
		if (t->ops->read_mem(t->priv, regs, fp, frame, sizeof(frame)) != sizeof(frame)) {
			out->flags |= PROF_STACK_UNMAPPED;
			return;
		}
		if (frame[1] == 0)
			return; /* the outermost frame: Ember's threads end the chain so */
		if (out->nframes == PROF_MAX_FRAMES) {
			out->flags |= PROF_STACK_TRUNCATED;
			return;
		}
		push(out, frame[1]);
		if (frame[0] && frame[0] <= fp) {
			out->flags |= PROF_STACK_TRUNCATED; /* a loop, or the chain goes down */
			return;
		}
		floor = fp + sizeof(frame);
		fp = frame[0];
	}
}
