// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for the PVH start-info parser, pvh_parse_start_info() in
 * arch/x86_64/pvh.c (with kernel/memmap.c).
 *
 * Input layout: struct hvm_start_info, a 4-byte control block (the size of
 * the output command-line buffer, flags), the memory-map entries, then the
 * command line (the rest). Short inputs are zero-padded. The parser
 * dereferences the start info's physical addresses, so the harness rewrites
 * them to point only at memory it owns, each an exact-size heap copy so ASan
 * reports any access outside it:
 *   memmap_paddr   0 stays NULL (the parser must not follow it); otherwise a
 *                  table of exactly memmap_entries entries when that is at
 *                  most PVH_MAX_MEMMAP_ENTRIES (taken from the input, zero
 *                  filled), or, for a larger count the parser must refuse
 *                  unread, of just the entries the input holds.
 *   cmdline_paddr  0 stays NULL; otherwise the rest of the input plus a NUL,
 *                  or (flag bit 0) without the NUL when the output size
 *                  bounds the copy before the end.
 * A version-0 start info is allocated without the version-1 fields, so
 * reading memmap_paddr/memmap_entries there is an ASan report as well.
 *
 * The outcome is compared with a reference: the error code, the RAM ranges
 * in order (non-empty, not wrapping), the command line copied and truncated
 * with its NUL and nothing written after it, and nothing written at all for
 * a bad magic. The start info and the table are only read.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arch/pvh.h>
#include <ember/errno.h>

#include "fuzz_check.h"

#define CMDLINE_OUT_MAX	  4096
#define FLAG_UNTERMINATED 1

struct control {
	uint16_t out_size; /* modulo CMDLINE_OUT_MAX + 1 */
	uint8_t flags;
	uint8_t unused;
};

#define V0_SIZE offsetof(struct hvm_start_info, memmap_paddr)

/* Takes up to @n bytes from the input into @dst, zero-filling the rest. */
static void take(void *dst, size_t n, const uint8_t **data, size_t *size)
{
	size_t k = n < *size ? n : *size;
	memcpy(dst, *data, k);
	memset((char *)dst + k, 0, n - k);
	*data += k;
	*size -= k;
}

/* What the parser must produce for @si (its pointers already rewritten). */
static int reference(const struct hvm_start_info *si, struct memmap *want)
{
	want->count = 0;
	if (si->magic != XEN_HVM_START_MAGIC_VALUE)
		return -EINVAL;
	if (si->version < 1 || !si->memmap_paddr || !si->memmap_entries)
		return -ENOENT;
	if (si->memmap_entries > PVH_MAX_MEMMAP_ENTRIES)
		return -EINVAL;
	const struct hvm_memmap_table_entry *e = (const void *)(uintptr_t)si->memmap_paddr;
	for (uint32_t i = 0; i < si->memmap_entries; i++) {
		if (e[i].type != XEN_HVM_MEMMAP_TYPE_RAM)
			continue;
		/* [addr, addr + size) clipped below 2^64 - 1 (exclusive end ~0). */
		uint64_t size = e[i].size < ~0ull - e[i].addr ? e[i].size : ~0ull - e[i].addr;
		if (!size)
			continue;
		if (want->count == MEMMAP_MAX)
			return -E2BIG;
		want->ram[want->count++] = (struct mem_region){ e[i].addr, size };
	}
	return want->count ? 0 : -ENOENT;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hvm_start_info in;
	struct control ctl;
	take(&in, sizeof(in), &data, &size);
	take(&ctl, sizeof(ctl), &data, &size);

	/* The memory map. */
	size_t have = size / sizeof(struct hvm_memmap_table_entry);
	size_t n = in.memmap_entries <= PVH_MAX_MEMMAP_ENTRIES ? in.memmap_entries : have;
	if (n > PVH_MAX_MEMMAP_ENTRIES + 1)
		n = PVH_MAX_MEMMAP_ENTRIES + 1;
	struct hvm_memmap_table_entry *table = malloc(n * sizeof(*table));
	take(table, n * sizeof(*table), &data, &size);
	struct hvm_memmap_table_entry *table_copy = malloc(n * sizeof(*table));
	memcpy(table_copy, table, n * sizeof(*table));

	/* The command line, and the buffer it is copied into. */
	size_t out_size = ctl.out_size % (CMDLINE_OUT_MAX + 1);
	bool bounded = out_size == 0 || size + 1 >= out_size || memchr(data, '\0', size);
	size_t src_len = (ctl.flags & FLAG_UNTERMINATED) && bounded ? size : size + 1;
	char *src = malloc(src_len);
	memcpy(src, data, size);
	if (src_len > size)
		src[size] = '\0';
	char *out = malloc(out_size);
	memset(out, '#', out_size);

	/* The start info, its addresses rewritten; version 0 lacks the memmap fields. */
	if (in.memmap_paddr)
		in.memmap_paddr = (uint64_t)(uintptr_t)table;
	if (in.cmdline_paddr)
		in.cmdline_paddr = (uint64_t)(uintptr_t)src;
	size_t si_size = in.version ? sizeof(in) : V0_SIZE;
	struct hvm_start_info *si = malloc(si_size);
	memcpy(si, &in, si_size);

	struct memmap ram, before, want;
	memset(&ram, 0x5a, sizeof(ram));
	memcpy(&before, &ram, sizeof(ram));
	int err = pvh_parse_start_info(si, &ram, out, out_size);

	/* The result; the reference reads @in, which has every field. */
	CHECK(err == reference(&in, &want));
	if (in.magic != XEN_HVM_START_MAGIC_VALUE) {
		CHECK(!memcmp(&ram, &before, sizeof(ram)));
		for (size_t i = 0; i < out_size; i++)
			CHECK(out[i] == '#');
	} else {
		CHECK(ram.count <= MEMMAP_MAX);
		CHECK(ram.count == want.count); /* 0 for -ENOENT/-EINVAL, MEMMAP_MAX for -E2BIG */
		for (unsigned i = 0; i < ram.count; i++) {
			CHECK(ram.ram[i].size != 0);
			CHECK(ram.ram[i].base + ram.ram[i].size >= ram.ram[i].base);
			CHECK(ram.ram[i].base == want.ram[i].base);
			CHECK(ram.ram[i].size == want.ram[i].size);
		}
		if (out_size) {
			size_t len = in.cmdline_paddr ? strnlen(src, out_size - 1) : 0;
			CHECK(!memcmp(out, src, len) && out[len] == '\0');
			for (size_t i = len + 1; i < out_size; i++)
				CHECK(out[i] == '#');
		}
	}
	/* Only read. */
	CHECK(!memcmp(si, &in, si_size));
	CHECK(!memcmp(table, table_copy, n * sizeof(*table)));

	free(si);
	free(out);
	free(src);
	free(table_copy);
	free(table);
	return 0;
}
