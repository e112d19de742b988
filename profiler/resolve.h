/* SPDX-License-Identifier: MIT */
/* Raw samples to named stacks (resolve.c). */
#ifndef EMBERPROF_RESOLVE_H
#define EMBERPROF_RESOLVE_H

#include "prof.h"

/* Adds @s to @set as a named stack (see resolve.c); @syms may be NULL. */
int prof_resolve(struct prof_symbols *syms, const struct prof_sample *s, struct prof_stacks *set);

#endif
