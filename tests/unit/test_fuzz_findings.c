// SPDX-License-Identifier: MIT
/*
 * Defects found by the fuzzers in tests/fuzz/, pinned as plain host tests
 * (one test per finding; the raw reproducers are in tests/fuzz/crashes/).
 * Linked with arch/x86_64/pvh.c and kernel/memmap.c.
 *
 * memmap-top-byte-ram (fuzz_pvh): memmap_add() tests for an empty range
 * before it clips a range that wraps past 2^64 to end at ~0 (exclusive), so
 * a range starting at the very last byte, 0xffffffffffffffff, is clipped to
 * size 0 and still stored. pvh_parse_start_info() then reports success for
 * a map whose only "RAM" is that empty range (the contract says -ENOENT),
 * and the empty entry takes one of the MEMMAP_MAX slots (a spurious -E2BIG).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arch/pvh.h>
#include <ember/errno.h>

#define RAM XEN_HVM_MEMMAP_TYPE_RAM
#define TOP UINT64_MAX /* the last byte of the address space */

static struct memmap ram;

/* Parses a start info whose memory map is an exact-size heap copy of @e[0..@n). */
static int parse(const struct hvm_memmap_table_entry *e, uint32_t n)
{
	struct hvm_memmap_table_entry *table = malloc(n * sizeof(*table));
	memcpy(table, e, n * sizeof(*table));
	struct hvm_start_info si = {
		.magic = XEN_HVM_START_MAGIC_VALUE,
		.version = 1,
		.memmap_paddr = (uint64_t)(uintptr_t)table,
		.memmap_entries = n,
	};
	char cmdline[8];
	memset(&ram, 0x5a, sizeof(ram));
	int err = pvh_parse_start_info(&si, &ram, cmdline, sizeof(cmdline));
	free(table);
	return err;
}

static void test_memmap_add_top_byte_is_empty(void **state)
{
	struct memmap m = { .count = 0 };
	(void)state;

	/* [~0, ~0 + 0x1000) clipped below 2^64 - 1 is empty: nothing to add. */
	assert_int_equal(memmap_add(&m, TOP, 0x1000), 0);
	assert_int_equal(memmap_add(&m, TOP, 1), 0);
	assert_int_equal(m.count, 0);
}

static void test_pvh_only_ram_at_top_byte(void **state)
{
	static const struct hvm_memmap_table_entry map[] = { { TOP, 0x1000, RAM, 0 } };
	(void)state;

	/* "-ENOENT if ... it lists no RAM" (arch/pvh.h). */
	assert_int_equal(parse(map, 1), -ENOENT);
	assert_int_equal(ram.count, 0);
}

static void test_pvh_top_byte_takes_no_slot(void **state)
{
	static struct hvm_memmap_table_entry map[MEMMAP_MAX + 1];
	(void)state;

	for (unsigned i = 0; i < MEMMAP_MAX; i++)
		map[i] = (struct hvm_memmap_table_entry){ (i + 1) * 0x100000ull, 0x1000, RAM, 0 };
	map[MEMMAP_MAX] = (struct hvm_memmap_table_entry){ TOP, 1, RAM, 0 };
	/* MEMMAP_MAX real ranges fit; the empty one must not make it -E2BIG. */
	assert_int_equal(parse(map, MEMMAP_MAX + 1), 0);
	assert_int_equal(ram.count, MEMMAP_MAX);
	for (unsigned i = 0; i < ram.count; i++)
		assert_int_not_equal(ram.ram[i].size, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memmap_add_top_byte_is_empty),
		cmocka_unit_test(test_pvh_only_ram_at_top_byte),
		cmocka_unit_test(test_pvh_top_byte_takes_no_slot),
	};
	return cmocka_run_group_tests_name("fuzz_findings", tests, NULL, NULL);
}
