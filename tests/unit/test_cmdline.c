// SPDX-License-Identifier: MIT
/*
 * Host tests for the command-line splitter, kernel/cmdline.c.
 *
 * Covers the grammar of <ember/cmdline.h>: key=value parameters before "--",
 * application arguments after it (argv[0] is the application name, argv is
 * NULL-terminated), blanks (space, tab, newline, CR), double quotes with \"
 * and \\ escapes, and every error: a word without '=', an empty key, an
 * unterminated quote, too many parameters or arguments, with *why naming the
 * reason or pointing at the offending word in the caller's buffer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <ember/cmdline.h>
#include <ember/errno.h>

static char buf[8192];
static struct cmdline cl;
static const char *why;

/* Parses @text from a private copy (cmdline_parse() works in place). */
static int parse(const char *text)
{
	assert_true(strlen(text) < sizeof(buf));
	strcpy(buf, text);
	memset(&cl, 0x5a, sizeof(cl));
	why = (const char *)&why; /* must be overwritten */
	return cmdline_parse(buf, "app", &cl, &why);
}

static bool in_buf(const char *p)
{
	return p >= buf && p < buf + sizeof(buf);
}

static void assert_param(int i, const char *key, const char *value)
{
	assert_true(i < cl.nparams);
	assert_string_equal(cl.params[i].key, key);
	assert_string_equal(cl.params[i].value, value);
}

static void assert_args(int argc, const char *const *argv)
{
	assert_int_equal(cl.argc, argc);
	assert_string_equal(cl.argv[0], "app");
	for (int i = 1; i < argc; i++)
		assert_string_equal(cl.argv[i], argv[i - 1]);
	assert_null(cl.argv[argc]);
}

static void test_params_and_args(void **state)
{
	static const char *const args[] = { "one", "two=2", "-x" };
	(void)state;

	assert_int_equal(parse("loglevel=2 mem=64M -- one two=2 -x"), 0);
	assert_null(why);
	assert_int_equal(cl.nparams, 2);
	assert_param(0, "loglevel", "2");
	assert_param(1, "mem", "64M");
	assert_args(4, args);
	/* Words live in the caller's buffer. */
	assert_true(in_buf(cl.params[0].key) && in_buf(cl.params[1].value));
	assert_true(in_buf(cl.argv[1]) && in_buf(cl.argv[3]));
}

static void test_params_only_and_args_only(void **state)
{
	static const char *const args[] = { "a", "b" };
	(void)state;

	assert_int_equal(parse("a=1"), 0);
	assert_int_equal(cl.nparams, 1);
	assert_param(0, "a", "1");
	assert_args(1, NULL);

	assert_int_equal(parse("-- a b"), 0);
	assert_int_equal(cl.nparams, 0);
	assert_args(3, args);

	assert_int_equal(parse("x=1 --"), 0);
	assert_int_equal(cl.nparams, 1);
	assert_args(1, NULL);
}

static void test_value_forms(void **state)
{
	(void)state;
	assert_int_equal(parse("empty= a=b=c url=http://x/?q=1"), 0);
	assert_int_equal(cl.nparams, 3);
	assert_param(0, "empty", "");
	assert_param(1, "a", "b=c"); /* split at the first '=' */
	assert_param(2, "url", "http://x/?q=1");
}

static void test_empty_and_blank_input(void **state)
{
	static const char *const inputs[] = { "", " ", "\t\n\r  \t", "\n" };
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(inputs); i++) {
		assert_int_equal(parse(inputs[i]), 0);
		assert_null(why);
		assert_int_equal(cl.nparams, 0);
		assert_args(1, NULL);
	}
}

static void test_blanks_separate_words(void **state)
{
	static const char *const args[] = { "x", "y", "z" };
	(void)state;

	assert_int_equal(parse("\t a=1\tb=2\n\r--\n x\t\ty \r\nz\n"), 0);
	assert_int_equal(cl.nparams, 2);
	assert_param(0, "a", "1");
	assert_param(1, "b", "2");
	assert_args(4, args);
}

static void test_quotes(void **state)
{
	static const char *const args[] = { "hello world", "", "ab cd", "tab\there" };
	(void)state;

	assert_int_equal(parse("msg=\"two words\" \"q k\"=v -- \"hello world\" \"\" a\"b c\"d "
			       "\"tab\there\""),
			 0);
	assert_int_equal(cl.nparams, 2);
	assert_param(0, "msg", "two words");
	assert_param(1, "q k", "v");
	assert_args(5, args);
}

static void test_escapes_inside_quotes(void **state)
{
	static const char *const args[] = { "say \"hi\"", "back\\slash", "a\\b", "\\", "x\\n" };
	(void)state;

	/* Inside quotes \" and \\ escape; any other backslash is literal. */
	assert_int_equal(parse("-- \"say \\\"hi\\\"\" \"back\\\\slash\" \"a\\b\" \"\\\\\" "
			       "\"x\\n\""),
			 0);
	assert_args(6, args);
}

static void test_backslash_outside_quotes_is_literal(void **state)
{
	static const char *const args[] = { "a\\b", "c\\" };
	(void)state;

	assert_int_equal(parse("-- a\\b c\\"), 0);
	assert_args(3, args);
}

static void test_unterminated_quote(void **state)
{
	static const char *const inputs[] = {
		"a=\"open", "-- \"open", "a=1 -- x \"y", "\"", "-- \"esc\\\"", "k=\"v\"\"",
	};
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(inputs); i++) {
		assert_int_equal(parse(inputs[i]), -EINVAL);
		assert_ptr_equal(why, cmdline_err_quote);
		assert_string_equal(why, "unterminated quote");
	}
}

static void test_word_without_equals(void **state)
{
	(void)state;
	assert_int_equal(parse("a=1 verbose b=2"), -EINVAL);
	assert_true(in_buf(why));
	assert_string_equal(why, "verbose");

	/* "--x" is not the separator, just a word without '='. */
	assert_int_equal(parse("--x"), -EINVAL);
	assert_string_equal(why, "--x");

	/* A quoted "" word is an empty word, so it has no '=' either. */
	assert_int_equal(parse("\"\""), -EINVAL);
	assert_string_equal(why, "");
}

static void test_empty_key(void **state)
{
	(void)state;
	assert_int_equal(parse("a=1 =x"), -EINVAL);
	assert_true(in_buf(why));
	assert_string_equal(why, "=x");

	assert_int_equal(parse("="), -EINVAL);
	assert_string_equal(why, "=");
}

static void test_too_many_params(void **state)
{
	char text[1024] = "";
	(void)state;

	for (int i = 0; i < CMDLINE_MAX_PARAMS; i++)
		sprintf(text + strlen(text), "p%d=%d ", i, i);
	assert_int_equal(parse(text), 0);
	assert_int_equal(cl.nparams, CMDLINE_MAX_PARAMS);
	assert_param(CMDLINE_MAX_PARAMS - 1, "p31", "31");

	strcat(text, "one=more");
	assert_int_equal(parse(text), -E2BIG);
	assert_non_null(why);
	assert_string_equal(why, "too many kernel parameters");
}

static void test_too_many_args(void **state)
{
	char text[1024] = "--";
	(void)state;

	/* argc counts argv[0]: CMDLINE_MAX_ARGS - 1 application arguments fit. */
	for (int i = 1; i < CMDLINE_MAX_ARGS; i++)
		sprintf(text + strlen(text), " a%d", i);
	assert_int_equal(parse(text), 0);
	assert_int_equal(cl.argc, CMDLINE_MAX_ARGS);
	assert_string_equal(cl.argv[CMDLINE_MAX_ARGS - 1], "a63");
	assert_null(cl.argv[CMDLINE_MAX_ARGS]);

	strcat(text, " a64");
	assert_int_equal(parse(text), -E2BIG);
	assert_non_null(why);
	assert_string_equal(why, "too many application arguments");
}

static void test_second_separator_is_an_argument(void **state)
{
	static const char *const args[] = { "x", "--", "y=1", "--" };
	(void)state;

	assert_int_equal(parse("k=v -- x -- y=1 --"), 0);
	assert_int_equal(cl.nparams, 1);
	assert_args(5, args);
}

static void test_app_name_is_argv0(void **state)
{
	char text[] = "-- arg";
	(void)state;

	assert_int_equal(cmdline_parse(text, "hello", &cl, &why), 0);
	assert_int_equal(cl.argc, 2);
	assert_string_equal(cl.argv[0], "hello");
	assert_string_equal(cl.argv[1], "arg");
	assert_null(cl.argv[2]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_params_and_args),
		cmocka_unit_test(test_params_only_and_args_only),
		cmocka_unit_test(test_value_forms),
		cmocka_unit_test(test_empty_and_blank_input),
		cmocka_unit_test(test_blanks_separate_words),
		cmocka_unit_test(test_quotes),
		cmocka_unit_test(test_escapes_inside_quotes),
		cmocka_unit_test(test_backslash_outside_quotes_is_literal),
		cmocka_unit_test(test_unterminated_quote),
		cmocka_unit_test(test_word_without_equals),
		cmocka_unit_test(test_empty_key),
		cmocka_unit_test(test_too_many_params),
		cmocka_unit_test(test_too_many_args),
		cmocka_unit_test(test_second_separator_is_an_argument),
		cmocka_unit_test(test_app_name_is_argv0),
	};
	return cmocka_run_group_tests_name("cmdline", tests, NULL, NULL);
}
