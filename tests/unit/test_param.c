// SPDX-License-Identifier: MIT
/*
 * Host tests for the kernel parameter parser, kernel/param.c: param_set()
 * against a small descriptor table (bool, uint and string parameters) and
 * param_parse_uint() on its own.
 *
 * Beyond the accepted spellings, the point is the rejections: every bad
 * value returns -EINVAL and leaves the variable untouched, an unknown key
 * returns -ENOENT, and the uint parser accepts exactly [0, ULONG_MAX] in
 * decimal or 0x hex (ULONG_MAX + 1 overflows, "0x" alone has no digits).
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <ember/param.h>
#include <ember/errno.h>

static bool flag;
static unsigned long number;
static const char *text;

static const struct param_desc table[] = {
	{ "flag", PARAM_BOOL, &flag, "a bool" },
	{ "number", PARAM_UINT, &number, "an unsigned long" },
	{ "text", PARAM_STRING, &text, "a string" },
};

static int set(const char *key, const char *value)
{
	return param_set(table, ARRAY_SIZE(table), key, value);
}

static int reset_vars(void **state)
{
	(void)state;
	flag = false;
	number = 12345;
	text = "unset";
	return 0;
}

static void test_bool_spellings(void **state)
{
	static const char *const yes[] = { "1", "yes", "on", "true" };
	static const char *const no[] = { "0", "no", "off", "false" };
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		flag = false;
		assert_int_equal(set("flag", yes[i]), 0);
		assert_true(flag);
		assert_int_equal(set("flag", no[i]), 0);
		assert_false(flag);
	}
}

static void test_bad_bool(void **state)
{
	static const char *const bad[] = { "",	    "2",  "Yes", "TRUE", "y",  "n",	"onn",
					   "truee", " 1", "1 ",	 "-1",	 "01", "enable" };
	(void)state;

	for (int initial = 0; initial < 2; initial++) {
		for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
			flag = initial;
			assert_int_equal(set("flag", bad[i]), -EINVAL);
			assert_int_equal(flag, initial); /* untouched */
		}
	}
}

static void test_uint_decimal_and_hex(void **state)
{
	static const struct {
		const char *s;
		unsigned long v;
	} good[] = {
		{ "0", 0 },
		{ "7", 7 },
		{ "007", 7 },
		{ "4096", 4096 },
		{ "0x0", 0 },
		{ "0x1f", 0x1f },
		{ "0X1F", 0x1f },
		{ "0xDeadBeef", 0xdeadbeef },
		{ "18446744073709551615", ULONG_MAX },
		{ "0xffffffffffffffff", ULONG_MAX },
		{ "0x0000000000000000ffffffffffffffff", ULONG_MAX },
		{ "18446744073709551610", ULONG_MAX - 5 },
	};
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		number = 1;
		assert_int_equal(set("number", good[i].s), 0);
		assert_int_equal(number, good[i].v);
		unsigned long v = 1;
		assert_int_equal(param_parse_uint(good[i].s, &v), 0);
		assert_int_equal(v, good[i].v);
	}
}

static void test_uint_rejects(void **state)
{
	static const char *const bad[] = {
		"",
		"0x",
		"0X",
		"x1",
		"-1",
		"+1",
		" 1",
		"1 ",
		"1k",
		"64M",
		"1.5",
		"0x1g",
		"0xx1",
		"0b101",
		"abc", /* hex digits need the 0x prefix */
		"18446744073709551616",
		"18446744073709551620",
		"99999999999999999999",
		"0x10000000000000000",
		"0x1ffffffffffffffff",
	};
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		number = 12345;
		if (set("number", bad[i]) != -EINVAL)
			fail_msg("\"%s\" accepted as %lu", bad[i], number);
		assert_int_equal(number, 12345); /* untouched */
		unsigned long v = 777;
		assert_int_equal(param_parse_uint(bad[i], &v), -EINVAL);
		assert_int_equal(v, 777);
	}
}

static void test_string_param(void **state)
{
	static const char value[] = "some value";
	(void)state;

	assert_int_equal(set("text", value), 0);
	assert_ptr_equal(text, value); /* stored, not copied */
	assert_int_equal(set("text", ""), 0);
	assert_string_equal(text, "");
}

static void test_unknown_key(void **state)
{
	static const char *const keys[] = { "", "fla", "flags", "Flag", "number ", "unknown" };
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		assert_int_equal(set(keys[i], "1"), -ENOENT);
	assert_false(flag);
	assert_int_equal(number, 12345);
	assert_int_equal(param_set(NULL, 0, "flag", "1"), -ENOENT);
	assert_int_equal(param_set(table, 1, "number", "1"), -ENOENT); /* only n entries */
}

static void test_first_matching_descriptor_wins(void **state)
{
	static unsigned long a, b;
	static const struct param_desc dup[] = {
		{ "x", PARAM_UINT, &a, "first" },
		{ "x", PARAM_UINT, &b, "second" },
	};
	(void)state;

	assert_int_equal(param_set(dup, ARRAY_SIZE(dup), "x", "5"), 0);
	assert_int_equal(a, 5);
	assert_int_equal(b, 0);
}

static void test_unknown_type_rejected(void **state)
{
	static unsigned long v = 3;
	static const struct param_desc odd[] = { { "odd", (enum param_type)99, &v, "" } };
	(void)state;

	assert_int_equal(param_set(odd, 1, "odd", "1"), -EINVAL);
	assert_int_equal(v, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_bool_spellings, reset_vars),
		cmocka_unit_test_setup(test_bad_bool, reset_vars),
		cmocka_unit_test_setup(test_uint_decimal_and_hex, reset_vars),
		cmocka_unit_test_setup(test_uint_rejects, reset_vars),
		cmocka_unit_test_setup(test_string_param, reset_vars),
		cmocka_unit_test_setup(test_unknown_key, reset_vars),
		cmocka_unit_test_setup(test_first_matching_descriptor_wins, reset_vars),
		cmocka_unit_test_setup(test_unknown_type_rejected, reset_vars),
	};
	return cmocka_run_group_tests_name("param", tests, NULL, NULL);
}
