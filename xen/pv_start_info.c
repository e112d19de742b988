// SPDX-License-Identifier: MIT
/*
 * Validation of the Xen PV start_info page, before anything in it is used.
 * Pure code (unit-tested on the host): it only reads the structure and does
 * arithmetic on the addresses it holds.
 *
 * The checks follow the start-of-day layout documented in xen.h: the p2m list
 * and the bootstrap page tables lie inside the domain, page-aligned where
 * they must be, the tables after the list.
 */
#include <ember/errno.h>
#include <ember/xen/pv.h>

#define PV_MAX_PAGES (1ul << 36) /* 256 TiB: anything larger is corrupt */
#define PAGE	     4096ul

int pv_check_start_info(const start_info_t *si, const char **why)
{
	static const char magic[] = "xen-3.0-x86_64";
	*why = NULL;
	if (!si) {
		*why = "no start_info";
		return -EINVAL;
	}
	for (unsigned i = 0; i + 1 < sizeof(magic); i++) {
		if (si->magic[i] != magic[i]) {
			*why = "start_info magic is not xen-3.0-x86_64";
			return -EINVAL;
		}
	}
	if (si->nr_pages == 0 || si->nr_pages > PV_MAX_PAGES) {
		*why = "start_info nr_pages is 0 or absurd";
		return -EINVAL;
	}
	unsigned long end = si->nr_pages * PAGE;
	if (si->pt_base % PAGE || si->nr_pt_frames < 4 || si->pt_base >= end ||
	    si->nr_pt_frames > (end - si->pt_base) / PAGE) {
		*why = "start_info bootstrap page tables lie outside the domain";
		return -EINVAL;
	}
	if (!si->mfn_list || si->mfn_list % 8 || si->mfn_list >= si->pt_base ||
	    si->nr_pages > (si->pt_base - si->mfn_list) / 8) {
		*why = "start_info p2m list is missing or overlaps the page tables";
		return -EINVAL;
	}
	return 0;
}
