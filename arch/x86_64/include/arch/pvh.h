/* SPDX-License-Identifier: MIT */
/*
 * PVH boot information (struct hvm_start_info from Xen's public headers),
 * shared by every x86 platform booted through the PVH entry: QEMU's PVH
 * loader (kvm/) and Xen PVH.
 */
#ifndef ARCH_PVH_H
#define ARCH_PVH_H

#include <ember/memmap.h>
#include <xen/arch-x86/hvm/start_info.h>

#define PVH_MAX_MEMMAP_ENTRIES 128

/*
 * Validates @si and copies its RAM ranges into @ram and its command line
 * into @cmdline (NUL-terminated, truncated to @size). Physical addresses in
 * @si are dereferenced as pointers (identity mapping).
 * Returns 0; -EINVAL if @si is NULL, has a bad magic, or claims more than
 * PVH_MAX_MEMMAP_ENTRIES entries; -ENOENT if there is no memory map (version
 * 0, no table, zero entries) or it lists no RAM; -E2BIG if RAM ranges do not
 * fit in struct memmap.
 */
int pvh_parse_start_info(const struct hvm_start_info *si, struct memmap *ram, char *cmdline,
			 size_t size);

#endif
