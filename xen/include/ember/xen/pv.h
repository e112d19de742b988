/* SPDX-License-Identifier: MIT */
/*
 * Calls between the files of the Xen PV flavour (pv_boot.c, pv_mm.c).
 *
 * Address spaces: pseudo-physical frame n (pfn) is mapped at virtual address
 * n * 4096 once pv_mm_map_ram() has run; the machine frame behind it (mfn)
 * is p2m[pfn], and the machine-to-physical table Xen maps read-only into
 * every PV guest turns an mfn back into a pfn.
 */
#ifndef EMBER_XEN_PV_H
#define EMBER_XEN_PV_H

#include <ember/xen/xen.h>

extern start_info_t *pv_start_info;

static inline unsigned long pv_pfn_to_mfn(unsigned long pfn)
{
	return ((const unsigned long *)pv_start_info->mfn_list)[pfn];
}

static inline unsigned long pv_mfn_to_pfn(unsigned long mfn)
{
	return machine_to_phys_mapping[mfn];
}

static inline unsigned long pv_virt_to_mfn(const void *va)
{
	return pv_pfn_to_mfn((uintptr_t)va >> 12);
}

/*
 * Checks start_info before use: magic, domain size, the bootstrap page
 * tables and the p2m list inside the domain. Returns 0, or -EINVAL with
 * *@why naming what is wrong.
 */
int pv_check_start_info(const start_info_t *si, const char **why);

/*
 * Maps every pfn of the domain at its identity address (RAM read/write,
 * no-execute), building the page tables it needs from the frames after the
 * builder's bootstrap area. Returns the first pfn not used by the bootstrap
 * area or the new tables (everything below it must stay reserved), or 0 on
 * failure.
 */
unsigned long pv_mm_map_ram(void);

/* Maps machine frame @mfn at @va (read/write, no-execute). 0 or -errno. */
int pv_map_machine_page(void *va, unsigned long mfn);

#endif
