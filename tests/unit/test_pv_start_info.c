// SPDX-License-Identifier: MIT
/*
 * Host tests of xen/pv_start_info.c: the checks a Xen PV start_info page must
 * pass before the kernel uses it. A good start_info (laid out as Xen's
 * builder does: p2m list, then page tables) passes; each inconsistent field
 * is refused with a reason naming it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <ember/errno.h>
#include <ember/xen/pv.h>

static start_info_t good(void)
{
	start_info_t si;
	memset(&si, 0, sizeof(si));
	strcpy(si.magic, "xen-3.0-x86_64");
	si.nr_pages = 4096;	/* 16 MiB */
	si.mfn_list = 0x140000; /* 4096 * 8 = 32 KiB of p2m */
	si.pt_base = 0x14c000;	/* after the list and start info */
	si.nr_pt_frames = 6;
	return si;
}

static void expect_refused(start_info_t *si, const char *word)
{
	const char *why = NULL;
	assert_int_equal(pv_check_start_info(si, &why), -EINVAL);
	assert_non_null(why);
	assert_non_null(strstr(why, word));
}

static void test_good_start_info_passes(void **state)
{
	(void)state;
	start_info_t si = good();
	const char *why = "unset";
	assert_int_equal(pv_check_start_info(&si, &why), 0);
	assert_null(why);
}

static void test_null_and_magic(void **state)
{
	(void)state;
	const char *why;
	assert_int_equal(pv_check_start_info(NULL, &why), -EINVAL);
	start_info_t si = good();
	strcpy(si.magic, "xen-3.0-x86_32p");
	expect_refused(&si, "magic");
	si = good();
	memset(si.magic, 0, sizeof(si.magic));
	expect_refused(&si, "magic");
	si = good();
	strcpy(si.magic, "xen-4.1-x86_64"); /* a future major version is refused too */
	expect_refused(&si, "magic");
}

static void test_nr_pages(void **state)
{
	(void)state;
	start_info_t si = good();
	si.nr_pages = 0;
	expect_refused(&si, "nr_pages");
	si = good();
	si.nr_pages = ~0ul;
	expect_refused(&si, "nr_pages");
}

static void test_page_tables(void **state)
{
	(void)state;
	start_info_t si = good();
	si.pt_base += 8; /* not page aligned */
	expect_refused(&si, "page tables");
	si = good();
	si.nr_pt_frames = 3; /* fewer than one table per level */
	expect_refused(&si, "page tables");
	si = good();
	si.pt_base = si.nr_pages * 4096; /* outside the domain */
	expect_refused(&si, "page tables");
	si = good();
	si.nr_pt_frames = si.nr_pages; /* runs past the end */
	expect_refused(&si, "page tables");
	si = good();
	si.nr_pt_frames = ~0ul;
	expect_refused(&si, "page tables");
}

static void test_p2m_list(void **state)
{
	(void)state;
	start_info_t si = good();
	si.mfn_list = 0;
	expect_refused(&si, "p2m");
	si = good();
	si.mfn_list += 4; /* misaligned */
	expect_refused(&si, "p2m");
	si = good();
	si.mfn_list = si.pt_base - 8; /* the list would overlap the tables */
	expect_refused(&si, "p2m");
	si = good();
	si.mfn_list = si.pt_base + 4096; /* after the tables */
	expect_refused(&si, "p2m");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_start_info_passes),
		cmocka_unit_test(test_null_and_magic),
		cmocka_unit_test(test_nr_pages),
		cmocka_unit_test(test_page_tables),
		cmocka_unit_test(test_p2m_list),
	};
	return cmocka_run_group_tests_name("pv_start_info", tests, NULL, NULL);
}
