// SPDX-License-Identifier: MIT
/*
 * Parsing struct hvm_start_info (see <arch/pvh.h>). Pure code, so the host
 * unit tests feed it good and broken start infos.
 */
#include <arch/pvh.h>
#include <ember/errno.h>

static void copy_cmdline(uint64_t paddr, char *out, size_t size)
{
	const char *src = (const char *)(uintptr_t)paddr;
	size_t n = 0;
	if (!size)
		return;
	while (src && n + 1 < size && src[n])
		n++;
	for (size_t i = 0; i < n; i++)
		out[i] = src[i];
	out[n] = '\0';
}

int pvh_parse_start_info(const struct hvm_start_info *si, struct memmap *ram, char *cmdline,
			 size_t size)
{
	if (!si || si->magic != XEN_HVM_START_MAGIC_VALUE)
		return -EINVAL;
	copy_cmdline(si->cmdline_paddr, cmdline, size);
	ram->count = 0;
	if (si->version < 1 || !si->memmap_paddr || !si->memmap_entries)
		return -ENOENT;
	if (si->memmap_entries > PVH_MAX_MEMMAP_ENTRIES)
		return -EINVAL;

	const struct hvm_memmap_table_entry *e =
		(const struct hvm_memmap_table_entry *)(uintptr_t)si->memmap_paddr;
	for (uint32_t i = 0; i < si->memmap_entries; i++) {
		if (e[i].type != XEN_HVM_MEMMAP_TYPE_RAM)
			continue;
		int err = memmap_add(ram, e[i].addr, e[i].size);
		if (err)
			return err;
	}
	return ram->count ? 0 : -ENOENT;
}
