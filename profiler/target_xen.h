/* SPDX-License-Identifier: MIT */
/* The Xen target (target_xen.c): a domain sampled from dom0. */
#ifndef EMBERPROF_TARGET_XEN_H
#define EMBERPROF_TARGET_XEN_H

#include "prof.h"

enum prof_xen_flags {
	PROF_XEN_LIBXC = 1 << 0, /* pause/context/unpause through libxc, not libxencall */
};

/*
 * Opens domain @domain (a name, or a numeric id) for sampling. Needs dom0
 * privileges (/dev/xen/privcmd). 0 and a target in @out, or -errno with a
 * one-line reason: not dom0, no such domain, dom0 itself, a dying domain.
 * @flags: enum prof_xen_flags.
 */
int prof_xen_open(const char *domain, unsigned flags, struct prof_target *out);

#endif
