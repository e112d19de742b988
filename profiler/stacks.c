// SPDX-License-Identifier: MIT
/*
 * The set of named stacks every output is written from.
 *
 * Two open-addressing hash tables (linear probing, power-of-two sizes, kept
 * at most half full): one interns frame names (each distinct string is copied
 * once, so names compare by pointer), the other maps a stack -- an array of
 * interned pointers -- to its entry, whose count accumulates duplicates.
 * Entries live in an array in insertion order; prof_stacks_foreach() sorts a
 * parallel array of entry pointers (preallocated by prof_stacks_add(), so
 * iterating never allocates) by frame names, which makes every output
 * independent of pointer values and insertion order.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "prof.h"

struct entry {
	struct prof_named_stack stack; /* frames are interned; owned (the array) */
	uint64_t hash;
};

struct prof_stacks {
	/* Interned names: NULL slots are free. */
	char **names;
	size_t names_cap, nr_names;

	/* Stack map: slots hold entry index + 1 (0 = free). */
	size_t *slots;
	size_t slots_cap;

	struct entry *entries;
	struct entry **order; /* scratch for foreach, same capacity as entries */
	size_t nr_entries, entries_cap;

	uint64_t total;
};

/* FNV-1a over a string. */
static uint64_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

/* Mixes interned pointers (a run-local value: only used for lookup). */
static uint64_t hash_frames(const char *const *frames, unsigned n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n;

	for (unsigned i = 0; i < n; i++) {
		h ^= (uint64_t)(uintptr_t)frames[i];
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	return h;
}

struct prof_stacks *prof_stacks_new(void)
{
	struct prof_stacks *set = calloc(1, sizeof(*set));

	if (!set) {
		prof_fail(ENOMEM, "out of memory for the stack set");
		return NULL;
	}
	return set;
}

static int grow_names(struct prof_stacks *set)
{
	size_t cap = set->names_cap ? set->names_cap * 2 : 64;
	char **names = calloc(cap, sizeof(*names));

	if (!names)
		return -ENOMEM;
	for (size_t i = 0; i < set->names_cap; i++) {
		char *s = set->names[i];

		if (!s)
			continue;
		size_t j = hash_str(s) & (cap - 1);

		while (names[j])
			j = (j + 1) & (cap - 1);
		names[j] = s;
	}
	free(set->names);
	set->names = names;
	set->names_cap = cap;
	return 0;
}

const char *prof_stacks_intern(struct prof_stacks *set, const char *name)
{
	if ((set->nr_names + 1) * 2 > set->names_cap && grow_names(set)) {
		prof_fail(ENOMEM, "out of memory interning a frame name");
		return NULL;
	}

	size_t mask = set->names_cap - 1;
	size_t i = hash_str(name) & mask;

	for (; set->names[i]; i = (i + 1) & mask)
		if (!strcmp(set->names[i], name))
			return set->names[i];

	char *copy = strdup(name);

	if (!copy) {
		prof_fail(ENOMEM, "out of memory interning a frame name");
		return NULL;
	}
	set->names[i] = copy;
	set->nr_names++;
	return copy;
}

static int grow_slots(struct prof_stacks *set)
{
	size_t cap = set->slots_cap ? set->slots_cap * 2 : 64;
	size_t *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t e = 0; e < set->nr_entries; e++) {
		size_t j = set->entries[e].hash & (cap - 1);

		while (slots[j])
			j = (j + 1) & (cap - 1);
		slots[j] = e + 1;
	}
	free(set->slots);
	set->slots = slots;
	set->slots_cap = cap;
	return 0;
}

static int grow_entries(struct prof_stacks *set)
{
	size_t cap = set->entries_cap ? set->entries_cap * 2 : 64;
	struct entry *entries = realloc(set->entries, cap * sizeof(*entries));

	if (!entries)
		return -ENOMEM;
	set->entries = entries;

	struct entry **order = realloc(set->order, cap * sizeof(*order));

	if (!order)
		return -ENOMEM; /* entries grew: harmless, the old capacity stays */
	set->order = order;
	set->entries_cap = cap;
	return 0;
}

int prof_stacks_add(struct prof_stacks *set, const char *const *frames, unsigned n, uint64_t count)
{
	if (n == 0)
		return prof_fail(EINVAL, "a stack without frames");
	if (count == 0)
		return 0;

	const char **interned = malloc(n * sizeof(*interned));

	if (!interned)
		return prof_fail(ENOMEM, "out of memory adding a stack");
	for (unsigned i = 0; i < n; i++) {
		interned[i] = prof_stacks_intern(set, frames[i]);
		if (!interned[i]) {
			free(interned);
			return -ENOMEM;
		}
	}

	uint64_t h = hash_frames(interned, n);

	if ((set->nr_entries + 1) * 2 > set->slots_cap && grow_slots(set))
		goto nomem;

	size_t mask = set->slots_cap - 1;
	size_t i = h & mask;

	for (; set->slots[i]; i = (i + 1) & mask) {
		struct entry *e = &set->entries[set->slots[i] - 1];

		if (e->hash == h && e->stack.nframes == n &&
		    !memcmp(e->stack.frames, interned, n * sizeof(*interned))) {
			e->stack.count += count;
			set->total += count;
			free(interned);
			return 0;
		}
	}

	if (set->nr_entries == set->entries_cap && grow_entries(set))
		goto nomem;

	struct entry *e = &set->entries[set->nr_entries];

	e->stack.frames = interned;
	e->stack.nframes = n;
	e->stack.count = count;
	e->hash = h;
	set->slots[i] = ++set->nr_entries;
	set->total += count;
	return 0;

nomem:
	free(interned);
	return prof_fail(ENOMEM, "out of memory adding a stack");
}

uint64_t prof_stacks_total(const struct prof_stacks *set)
{
	return set->total;
}

/* Lexicographic by frame names, root first; a prefix sorts before its extensions. */
static int cmp_entries(const void *a, const void *b)
{
	const struct prof_named_stack *x = &(*(struct entry *const *)a)->stack;
	const struct prof_named_stack *y = &(*(struct entry *const *)b)->stack;
	unsigned n = x->nframes < y->nframes ? x->nframes : y->nframes;

	for (unsigned i = 0; i < n; i++) {
		if (x->frames[i] == y->frames[i])
			continue;
		return strcmp(x->frames[i], y->frames[i]);
	}
	return (x->nframes > y->nframes) - (x->nframes < y->nframes);
}

void prof_stacks_foreach(const struct prof_stacks *set,
			 void (*fn)(const struct prof_named_stack *stack, void *arg), void *arg)
{
	/*
	 * Sorting fills set->order (preallocated); the order is a total one
	 * (distinct stacks differ somewhere), so nested calls see the same.
	 */
	for (size_t i = 0; i < set->nr_entries; i++)
		set->order[i] = &set->entries[i];
	if (set->nr_entries > 1)
		qsort(set->order, set->nr_entries, sizeof(*set->order), cmp_entries);
	for (size_t i = 0; i < set->nr_entries; i++)
		fn(&set->order[i]->stack, arg);
}

void prof_stacks_free(struct prof_stacks *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->names_cap; i++)
		free(set->names[i]);
	for (size_t e = 0; e < set->nr_entries; e++)
		free(set->entries[e].stack.frames);
	free(set->names);
	free(set->slots);
	free(set->entries);
	free(set->order);
	free(set);
}

/* ---- distinct names (for writers that number their frames) ---------------- */

struct names_acc {
	const char **v;
	size_t nr, cap;
	bool nomem;
};

static int cmp_name(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;

	return x == y ? 0 : strcmp(x, y);
}

static void collect_names(const struct prof_named_stack *stack, void *arg)
{
	struct names_acc *n = arg;

	if (n->nomem)
		return;
	if (stack->nframes > n->cap - n->nr) {
		size_t cap = n->cap * 2 + stack->nframes + 64;
		const char **v = realloc(n->v, cap * sizeof(*v));

		if (!v) {
			n->nomem = true;
			return;
		}
		n->v = v;
		n->cap = cap;
	}
	memcpy(n->v + n->nr, stack->frames, stack->nframes * sizeof(*n->v));
	n->nr += stack->nframes;
}

int prof_stacks_names(const struct prof_stacks *set, struct prof_names *out)
{
	struct names_acc acc = { 0 };

	prof_stacks_foreach(set, collect_names, &acc);
	if (acc.nomem) {
		free(acc.v);
		return prof_fail(ENOMEM, "out of memory collecting frame names");
	}
	if (acc.nr)
		qsort(acc.v, acc.nr, sizeof(*acc.v), cmp_name);
	size_t n = 0;
	for (size_t i = 0; i < acc.nr; i++)
		if (!n || acc.v[n - 1] != acc.v[i])
			acc.v[n++] = acc.v[i];
	*out = (struct prof_names){ acc.v, n };
	return 0;
}

size_t prof_names_index(const struct prof_names *names, const char *name)
{
	const char **f = bsearch(&name, names->v, names->nr, sizeof(*names->v), cmp_name);
	return (size_t)(f - names->v);
}

void prof_names_free(struct prof_names *names)
{
	free(names->v);
	*names = (struct prof_names){ NULL, 0 };
}
