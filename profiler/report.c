// SPDX-License-Identifier: MIT
/*
 * The text report, after `perf report --children`: one row per function
 * (frame name) with its self samples (stacks where it is the leaf) and total
 * samples (stacks where it appears at all, once per stack however deep the
 * recursion), each with its percent of all samples; sorted by self, then
 * name. Then, for the @top hottest by self, who called them: the parent of
 * the leaf in each stack, with counts and percent of that function's self.
 * "[truncated]", "[idle]" and the like are ordinary names here.
 *
 * Functions are found by binary search in the sorted array of distinct
 * names (interned: equal strings are equal pointers), so the report never
 * depends on pointer values.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "prof.h"

struct func {
	const char *name;
	uint64_t self, total;
	size_t last_stack; /* stack number + 1 that last counted total */
};

/* One (function, caller) pair: a leaf among the top and its parent. */
struct call {
	size_t func; /* rank in the sorted table */
	const char *caller;
	uint64_t count;
};

struct report {
	struct func *funcs;
	size_t nr_funcs, cap;
	struct call *calls;
	size_t nr_calls;
	size_t stack_no;
	unsigned top;
	size_t *rank; /* name index -> rank in the sorted table */
	bool nomem;
};

static int cmp_name(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;

	return x == y ? 0 : strcmp(x, y);
}

static int cmp_func_name(const void *key, const void *f)
{
	const char *name = key;
	const struct func *fn = f;

	return name == fn->name ? 0 : strcmp(name, fn->name);
}

static size_t func_index(const struct report *r, const char *name)
{
	const struct func *f =
		bsearch(name, r->funcs, r->nr_funcs, sizeof(*r->funcs), cmp_func_name);

	return (size_t)(f - r->funcs);
}

/* Pass 1: every frame name, unsorted, into funcs[].name. */
static void collect_names(const struct prof_named_stack *stack, void *arg)
{
	struct report *r = arg;

	if (r->nomem)
		return;
	if (r->nr_funcs + stack->nframes > r->cap) {
		size_t cap = r->cap * 2 + stack->nframes + 64;
		struct func *funcs = realloc(r->funcs, cap * sizeof(*funcs));

		if (!funcs) {
			r->nomem = true;
			return;
		}
		r->funcs = funcs;
		r->cap = cap;
	}
	for (unsigned i = 0; i < stack->nframes; i++)
		r->funcs[r->nr_funcs++] = (struct func){ .name = stack->frames[i] };
}

/* Sorts and deduplicates the names gathered by collect_names(). */
static void unique_names(struct report *r)
{
	size_t n = 0;

	if (!r->nr_funcs)
		return;
	/* struct func starts with the name: sort by it. */
	qsort(r->funcs, r->nr_funcs, sizeof(*r->funcs), cmp_name);
	for (size_t i = 0; i < r->nr_funcs; i++)
		if (!n || r->funcs[n - 1].name != r->funcs[i].name)
			r->funcs[n++] = r->funcs[i];
	r->nr_funcs = n;
}

/* Pass 2: self and total. */
static void count_stack(const struct prof_named_stack *stack, void *arg)
{
	struct report *r = arg;

	r->stack_no++;
	for (unsigned i = 0; i < stack->nframes; i++) {
		struct func *f = &r->funcs[func_index(r, stack->frames[i])];

		if (f->last_stack != r->stack_no) {
			f->last_stack = r->stack_no;
			f->total += stack->count;
		}
		if (i == stack->nframes - 1)
			f->self += stack->count;
	}
}

static int cmp_self(const void *a, const void *b)
{
	const struct func *x = a, *y = b;

	if (x->self != y->self)
		return x->self < y->self ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* Pass 3: (leaf, caller) pairs for the leaves ranked among the top. */
static void collect_calls(const struct prof_named_stack *stack, void *arg)
{
	struct report *r = arg;
	const char *leaf = stack->frames[stack->nframes - 1];
	size_t rank = r->rank[func_index(r, leaf)];

	if (rank >= r->top)
		return;
	r->calls[r->nr_calls++] = (struct call){
		.func = rank,
		.caller = stack->nframes > 1 ? stack->frames[stack->nframes - 2] : NULL,
		.count = stack->count,
	};
}

static int cmp_call_name(const struct call *x, const struct call *y)
{
	if (x->caller == y->caller)
		return 0;
	if (!x->caller || !y->caller)
		return x->caller ? 1 : -1; /* "no caller" first */
	return strcmp(x->caller, y->caller);
}

/* By function rank, then caller count descending, then caller name. */
static int cmp_calls(const void *a, const void *b)
{
	const struct call *x = a, *y = b;

	if (x->func != y->func)
		return x->func < y->func ? -1 : 1;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return cmp_call_name(x, y);
}

static double percent(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* Names are printed as they are, but control characters would break rows. */
static void put_name(const char *name, FILE *out)
{
	for (const char *p = name; *p; p++)
		putc((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p, out);
	putc('\n', out);
}

/* Merges the calls of each (function, caller) pair in place: calls sorted by caller. */
static size_t merge_calls(struct call *calls, size_t n)
{
	size_t m = 0;

	for (size_t i = 0; i < n; i++) {
		if (m && calls[m - 1].func == calls[i].func &&
		    !cmp_call_name(&calls[m - 1], &calls[i]))
			calls[m - 1].count += calls[i].count;
		else
			calls[m++] = calls[i];
	}
	return m;
}

static int cmp_call_func_name(const void *a, const void *b)
{
	const struct call *x = a, *y = b;

	if (x->func != y->func)
		return x->func < y->func ? -1 : 1;
	return cmp_call_name(x, y);
}

static int nomem(struct report *r)
{
	free(r->funcs);
	free(r->calls);
	free(r->rank);
	return prof_fail(ENOMEM, "out of memory for the report");
}

int prof_write_report(const struct prof_stacks *set, FILE *out, unsigned top)
{
	struct report r = { .top = top };
	uint64_t total = prof_stacks_total(set);
	size_t nr_stacks = 0;

	prof_stacks_foreach(set, collect_names, &r);
	if (r.nomem)
		return nomem(&r);
	unique_names(&r);
	prof_stacks_foreach(set, count_stack, &r);
	nr_stacks = r.stack_no;

	/* rank[] maps the name-sorted index to the position by self. */
	struct func *byname = malloc((r.nr_funcs + 1) * sizeof(*byname));

	r.rank = malloc((r.nr_funcs + 1) * sizeof(*r.rank));
	r.calls = malloc((nr_stacks + 1) * sizeof(*r.calls));
	if (!byname || !r.rank || !r.calls) {
		free(byname);
		return nomem(&r);
	}
	if (r.nr_funcs)
		memcpy(byname, r.funcs, r.nr_funcs * sizeof(*byname));
	for (size_t i = 0; i < r.nr_funcs; i++)
		byname[i].last_stack = i; /* remember the name index */
	qsort(byname, r.nr_funcs, sizeof(*byname), cmp_self);
	for (size_t i = 0; i < r.nr_funcs; i++)
		r.rank[byname[i].last_stack] = i;

	errno = 0;
	fprintf(out, "# %" PRIu64 " samples in %zu distinct stacks, %zu functions\n", total,
		nr_stacks, r.nr_funcs);
	fprintf(out, "#\n# %10s %7s %10s %7s  %s\n", "Self", "", "Total", "", "Function");
	for (size_t i = 0; i < r.nr_funcs; i++) {
		const struct func *f = &byname[i];

		fprintf(out, "  %10" PRIu64 " %6.1f%% %10" PRIu64 " %6.1f%%  ", f->self,
			percent(f->self, total), f->total, percent(f->total, total));
		put_name(f->name, out);
	}

	/* Callers of the top functions (those with self samples). */
	unsigned shown = 0;

	while (shown < top && shown < r.nr_funcs && byname[shown].self)
		shown++;
	r.top = shown;
	if (shown) {
		prof_stacks_foreach(set, collect_calls, &r);
		qsort(r.calls, r.nr_calls, sizeof(*r.calls), cmp_call_func_name);
		r.nr_calls = merge_calls(r.calls, r.nr_calls);
		qsort(r.calls, r.nr_calls, sizeof(*r.calls), cmp_calls);

		fprintf(out, "\n# Callers of the %u hottest functions (by self samples)\n", shown);
		size_t c = 0;

		for (unsigned i = 0; i < shown; i++) {
			const struct func *f = &byname[i];

			fprintf(out, "\n%" PRIu64 " %.1f%%  ", f->self, percent(f->self, total));
			put_name(f->name, out);
			for (; c < r.nr_calls && r.calls[c].func == i; c++) {
				fprintf(out, "  %10" PRIu64 " %6.1f%%  ", r.calls[c].count,
					percent(r.calls[c].count, f->self));
				put_name(r.calls[c].caller ? r.calls[c].caller : "[no caller]",
					 out);
			}
		}
	}

	free(byname);
	free(r.funcs);
	free(r.calls);
	free(r.rank);
	if (fflush(out) || ferror(out))
		return prof_fail(EIO, "writing the report: %s", strerror(errno ? errno : EIO));
	return 0;
}
