/* SPDX-License-Identifier: MIT */
/* The Xen target (target_xen.c): a domain sampled from dom0. */
#ifndef EMBERPROF_TARGET_XEN_H
#define EMBERPROF_TARGET_XEN_H

#include "prof.h"

/*
 * Opens domain @domain (a name, or a numeric id) for sampling. Needs dom0
 * privileges (/dev/xen/privcmd). 0 and a target in @out, or -errno with a
 * one-line reason: not dom0, no such domain, dom0 itself, a dying domain.
 */
int prof_xen_open(const char *domain, struct prof_target *out);

#endif
