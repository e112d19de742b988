/* SPDX-License-Identifier: MIT */
/*
 * Grant tables, version 1: how a frontend lets another domain (a backend)
 * map or copy one of its pages.
 *
 *   ref = gnttab_grant_access(backend, page, readonly);   give access
 *   ... publish ref in xenstore, the backend maps it ...
 *   gnttab_end_access(ref);                              take it back
 *
 * References 0..GNTTAB_NR_RESERVED_ENTRIES-1 belong to the toolstack
 * (console, xenstore) and are never handed out.
 */
#ifndef EMBER_XEN_GNTTAB_H
#define EMBER_XEN_GNTTAB_H

#include <ember/compiler.h>
#include <xen/grant_table.h>

/* Maps the grant table (up to GNTTAB_MAX_FRAMES frames). 0 or -errno. */
int gnttab_init(void);

/*
 * Grants domain @domid access to the page at @page (page-aligned).
 * Returns the grant reference (> 0), -ENOSPC when the table is full,
 * -EINVAL for an unaligned page, -ENODEV before gnttab_init().
 */
int gnttab_grant_access(domid_t domid, const void *page, bool readonly);

/*
 * Revokes a grant. Returns 0, -EBUSY if the other domain still has the page
 * mapped or is copying it (the grant stays valid: retry later), -EINVAL for
 * a reference that is not currently granted.
 */
int gnttab_end_access(grant_ref_t ref);

/* Number of references that can still be granted. */
unsigned gnttab_free_count(void);

/* The guest frame number Xen knows @page by (pfn for PVH, mfn for PV). */
xen_pfn_t xen_page_to_frame(const void *page);

#endif
