// SPDX-License-Identifier: MIT
/*
 * Turning raw samples into named stacks: the thread at the root (as
 * "[thread NAME]", so it cannot be mistaken for a function), then the
 * frames from outermost to innermost, each address expanded into its inline
 * chain. Walks that stopped early keep a visible marker right below the
 * thread, where the missing outer frames would be: "[truncated]" or
 * "[unmapped]". The idle thread's samples are rooted at "[idle]". Addresses
 * no symbol covers are shown in hex.
 */
#include <errno.h>
#include <stdio.h>

#include "prof.h"
#include "resolve.h"

#define MAX_NAMES  (PROF_MAX_FRAMES * 4 + 3)
#define MAX_INLINE 8

int prof_resolve(struct prof_symbols *syms, const struct prof_sample *s, struct prof_stacks *set)
{
	const char *names[MAX_NAMES];
	unsigned n = 0;
	char buf[32];
	char root[PROF_THREAD_NAME + 16];
	if (s->flags & PROF_STACK_IDLE)
		snprintf(root, sizeof(root), "[idle]");
	else if (s->thread[0])
		snprintf(root, sizeof(root), "[thread %s]", s->thread);
	else
		snprintf(root, sizeof(root), "[unknown thread]");
	names[n++] = prof_stacks_intern(set, root);
	if (s->flags & PROF_STACK_TRUNCATED)
		names[n++] = prof_stacks_intern(set, "[truncated]");
	if (s->flags & PROF_STACK_UNMAPPED)
		names[n++] = prof_stacks_intern(set, "[unmapped]");
	for (unsigned i = s->stack.nframes; i-- > 0 && n < MAX_NAMES;) {
		const char *chain[MAX_INLINE];
		int k = syms ? prof_symbols_lookup(syms, s->stack.pcs[i], i > 0, chain, MAX_INLINE)
			     : 0;
		if (k == 0) {
			snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)s->stack.pcs[i]);
			chain[k++] = buf;
		}
		while (k-- > 0 && n < MAX_NAMES) /* the chain is innermost first */
			names[n++] = prof_stacks_intern(set, chain[k]);
	}
	for (unsigned i = 0; i < n; i++)
		if (!names[i])
			return prof_fail(ENOMEM, "out of memory");
	return prof_stacks_add(set, names, n, 1);
}
