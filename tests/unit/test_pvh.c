// SPDX-License-Identifier: MIT
/*
 * Host tests for the PVH boot-information parser, pvh_parse_start_info() in
 * arch/x86_64/pvh.c (linked with kernel/memmap.c).
 *
 * struct hvm_start_info is built in host memory; its "physical addresses"
 * are host pointers cast to uint64_t, which is what the identity-mapped
 * guest sees. The memory map and command line are exact-size heap copies, so
 * AddressSanitizer catches any read past the entries or the string's NUL.
 * Covered: a good map (only RAM ranges copied, in order), bad magic or NULL
 * (-EINVAL, nothing written), no map (version 0, no table, zero entries) or
 * no RAM in it (-ENOENT), too many entries (-EINVAL), too many RAM ranges
 * (-E2BIG), and the command line: copied, truncated with a NUL, or empty.
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

#define RAM	 XEN_HVM_MEMMAP_TYPE_RAM
#define RESERVED XEN_HVM_MEMMAP_TYPE_RESERVED

static struct hvm_start_info si;
static struct hvm_memmap_table_entry *table; /* exactly si.memmap_entries long */
static char *cmdline_src;
static struct memmap ram;
static char cmdline[64];

static uint64_t paddr(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* Points si at a heap copy of @n entries and of @text (NULL: no cmdline). */
static void make_start_info(const struct hvm_memmap_table_entry *entries, uint32_t n,
			    const char *text)
{
	free(table);
	free(cmdline_src);
	table = n ? malloc(n * sizeof(*table)) : NULL;
	if (n)
		memcpy(table, entries, n * sizeof(*table));
	cmdline_src = text ? strdup(text) : NULL;
	si = (struct hvm_start_info){
		.magic = XEN_HVM_START_MAGIC_VALUE,
		.version = 1,
		.cmdline_paddr = paddr(cmdline_src),
		.memmap_paddr = paddr(table),
		.memmap_entries = n,
	};
}

static int setup(void **state)
{
	(void)state;
	memset(&ram, 0x77, sizeof(ram));
	memset(cmdline, '#', sizeof(cmdline));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(table);
	free(cmdline_src);
	table = NULL;
	cmdline_src = NULL;
	return 0;
}

static int parse(void)
{
	return pvh_parse_start_info(&si, &ram, cmdline, sizeof(cmdline));
}

static const struct hvm_memmap_table_entry qemu_map[] = {
	{ 0x0, 0x9fc00, RAM, 0 },
	{ 0x9fc00, 0x400, RESERVED, 0 },
	{ 0xf0000, 0x10000, RESERVED, 0 },
	{ 0x100000, 0x7fee0000, RAM, 0 },
	{ 0x7ffe0000, 0x20000, XEN_HVM_MEMMAP_TYPE_ACPI, 0 },
	{ 0xfeffc000, 0x4000, XEN_HVM_MEMMAP_TYPE_NVS, 0 },
	{ 0xfffc0000, 0x40000, XEN_HVM_MEMMAP_TYPE_UNUSABLE, 0 },
	{ 0x100000000, 0x80000000, RAM, 0 },
	{ 0x200000000, 0x1000, XEN_HVM_MEMMAP_TYPE_DISABLED, 0 },
	{ 0x300000000, 0x1000, XEN_HVM_MEMMAP_TYPE_PMEM, 0 },
};

static void test_good_map_copies_only_ram(void **state)
{
	(void)state;
	make_start_info(qemu_map, ARRAY_SIZE(qemu_map), "loglevel=2 -- hello");
	struct hvm_start_info copy = si;

	assert_int_equal(parse(), 0);
	assert_int_equal(ram.count, 3);
	assert_int_equal(ram.ram[0].base, 0);
	assert_int_equal(ram.ram[0].size, 0x9fc00);
	assert_int_equal(ram.ram[1].base, 0x100000);
	assert_int_equal(ram.ram[1].size, 0x7fee0000);
	assert_int_equal(ram.ram[2].base, 0x100000000);
	assert_int_equal(ram.ram[2].size, 0x80000000);
	assert_int_equal(memmap_total(&ram), 0x9fc00 + 0x7fee0000 + 0x80000000ull);
	assert_string_equal(cmdline, "loglevel=2 -- hello");
	/* The boot information is only read. */
	assert_memory_equal(&copy, &si, sizeof(si));
	assert_memory_equal(table, qemu_map, sizeof(qemu_map));
}

static void test_null_and_bad_magic(void **state)
{
	struct memmap untouched;
	(void)state;

	memcpy(&untouched, &ram, sizeof(ram));
	assert_int_equal(pvh_parse_start_info(NULL, &ram, cmdline, sizeof(cmdline)), -EINVAL);

	make_start_info(qemu_map, ARRAY_SIZE(qemu_map), "x");
	static const uint32_t bad[] = { 0, 0x336ec579, 0x78c56e33, 0xffffffff };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		si.magic = bad[i];
		assert_int_equal(parse(), -EINVAL);
	}
	/* Nothing is written for a start info that is not one. */
	assert_memory_equal(&ram, &untouched, sizeof(ram));
	assert_int_equal(cmdline[0], '#');
}

static void test_no_memory_map(void **state)
{
	(void)state;
	make_start_info(qemu_map, ARRAY_SIZE(qemu_map), "cmd");
	si.version = 0; /* version 0 has no memmap fields */
	assert_int_equal(parse(), -ENOENT);
	assert_int_equal(ram.count, 0);
	assert_string_equal(cmdline, "cmd"); /* the command line is still there */

	make_start_info(qemu_map, ARRAY_SIZE(qemu_map), NULL);
	si.memmap_paddr = 0;
	assert_int_equal(parse(), -ENOENT);
	assert_int_equal(ram.count, 0);

	make_start_info(qemu_map, ARRAY_SIZE(qemu_map), NULL);
	si.memmap_entries = 0;
	assert_int_equal(parse(), -ENOENT);
	assert_int_equal(ram.count, 0);
}

static void test_no_ram_in_map(void **state)
{
	static const struct hvm_memmap_table_entry no_ram[] = {
		{ 0x9fc00, 0x400, RESERVED, 0 },
		{ 0x7ffe0000, 0x20000, XEN_HVM_MEMMAP_TYPE_ACPI, 0 },
		{ 0x100000, 0, RAM, 0 }, /* RAM, but empty */
	};
	(void)state;

	make_start_info(no_ram, ARRAY_SIZE(no_ram), "");
	assert_int_equal(parse(), -ENOENT);
	assert_int_equal(ram.count, 0);
	make_start_info(no_ram, 1, "");
	assert_int_equal(parse(), -ENOENT);
}

static void test_too_many_entries(void **state)
{
	static struct hvm_memmap_table_entry many[PVH_MAX_MEMMAP_ENTRIES + 1];
	(void)state;

	/* 128 entries, a few of them RAM: fine. */
	for (unsigned i = 0; i < ARRAY_SIZE(many); i++)
		many[i] = (struct hvm_memmap_table_entry){ i * 0x10000ull, 0x1000,
							   i % 8 ? RESERVED : RAM, 0 };
	make_start_info(many, PVH_MAX_MEMMAP_ENTRIES, NULL);
	assert_int_equal(parse(), 0);
	assert_int_equal(ram.count, PVH_MAX_MEMMAP_ENTRIES / 8);
	assert_int_equal(ram.ram[1].base, 8 * 0x10000);

	/* 129 entries: refused before any is read. */
	make_start_info(many, PVH_MAX_MEMMAP_ENTRIES + 1, NULL);
	assert_int_equal(parse(), -EINVAL);
	si.memmap_entries = UINT32_MAX;
	assert_int_equal(parse(), -EINVAL);
}

static void test_too_many_ram_ranges(void **state)
{
	static struct hvm_memmap_table_entry ranges[MEMMAP_MAX + 1];
	(void)state;

	for (unsigned i = 0; i < ARRAY_SIZE(ranges); i++)
		ranges[i] = (struct hvm_memmap_table_entry){ i * 0x100000ull, 0x1000, RAM, 0 };
	make_start_info(ranges, MEMMAP_MAX, NULL);
	assert_int_equal(parse(), 0);
	assert_int_equal(ram.count, MEMMAP_MAX);
	make_start_info(ranges, MEMMAP_MAX + 1, NULL);
	assert_int_equal(parse(), -E2BIG);
}

static void test_cmdline_truncated(void **state)
{
	char small[8];
	(void)state;

	make_start_info(qemu_map, ARRAY_SIZE(qemu_map), "0123456789abcdef");
	memset(small, '#', sizeof(small));
	assert_int_equal(pvh_parse_start_info(&si, &ram, small, sizeof(small)), 0);
	assert_memory_equal(small, "0123456", 8); /* size - 1 characters and a NUL */

	memset(small, '#', sizeof(small));
	assert_int_equal(pvh_parse_start_info(&si, &ram, small, 1), 0);
	assert_int_equal(small[0], '\0');
	assert_int_equal(small[1], '#');

	memset(small, '#', sizeof(small));
	assert_int_equal(pvh_parse_start_info(&si, &ram, small, 0), 0);
	assert_int_equal(small[0], '#'); /* size 0: nothing written */

	/* Exactly fitting. */
	make_start_info(qemu_map, ARRAY_SIZE(qemu_map), "1234567");
	assert_int_equal(pvh_parse_start_info(&si, &ram, small, sizeof(small)), 0);
	assert_string_equal(small, "1234567");
}

static void test_cmdline_absent_or_empty(void **state)
{
	(void)state;
	make_start_info(qemu_map, ARRAY_SIZE(qemu_map), NULL); /* cmdline_paddr 0 */
	assert_int_equal(parse(), 0);
	assert_string_equal(cmdline, "");

	make_start_info(qemu_map, ARRAY_SIZE(qemu_map), "");
	assert_int_equal(parse(), 0);
	assert_string_equal(cmdline, "");
}

static void test_ram_reset_on_each_parse(void **state)
{
	(void)state;
	make_start_info(qemu_map, ARRAY_SIZE(qemu_map), NULL);
	assert_int_equal(parse(), 0);
	assert_int_equal(parse(), 0); /* not appended to the previous result */
	assert_int_equal(ram.count, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_good_map_copies_only_ram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_null_and_bad_magic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_memory_map, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_ram_in_map, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_many_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_many_ram_ranges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmdline_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmdline_absent_or_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ram_reset_on_each_parse, setup, teardown),
	};
	return cmocka_run_group_tests_name("pvh", tests, NULL, NULL);
}
