// SPDX-License-Identifier: MIT
/*
 * Host tests for emberprof's output half: the named-stack set
 * (profiler/stacks.c), the error reason (errors.c) and every writer (folded.c,
 * report.c, flame.c, speedscope.c), all driven with hand-made stacks.
 *
 * Covers interning, merging duplicate stacks, totals, the sorted iteration
 * order, exact folded text (with ';' and newlines sanitized), the report's
 * self/total/percent (recursion counted once) and callers, the flame graph's
 * titles, escaping, narrow-frame cut and tag balance, speedscope's exact JSON,
 * empty sets, and write errors (/dev/full) reported as -EIO with a reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "prof.h"
#include "prof_test_stacks.h"

enum writer { FOLDED, REPORT, FLAME, SPEEDSCOPE };

static int write_to(enum writer w, const struct prof_stacks *set, FILE *f)
{
	switch (w) {
	case FOLDED: return prof_write_folded(set, f);
	case REPORT: return prof_write_report(set, f, 5);
	case FLAME: return prof_write_flame_svg(set, f, "t<&>\"");
	case SPEEDSCOPE: return prof_write_speedscope(set, f, "prof \"x\"");
	}
	return -1;
}

/* The output of writer @w, malloc'ed (the caller frees it). */
static char *render(enum writer w, const struct prof_stacks *set)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(write_to(w, set, f), 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(strlen(text), len);
	return text;
}

static size_t count_str(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/*
 * A minimal XML well-formedness check: tags balance and nest, and every '&'
 * starts an entity. Skips the declaration, comments and CDATA sections.
 */
static bool xml_balanced(const char *s)
{
	const char *stack[64];
	size_t lens[64], depth = 0;
	bool root_seen = false;

	for (const char *p = s; *p;) {
		if (*p == '&') {
			if (strncmp(p, "&amp;", 5) && strncmp(p, "&lt;", 4) &&
			    strncmp(p, "&gt;", 4) && strncmp(p, "&quot;", 6) &&
			    strncmp(p, "&#39;", 5))
				return false;
			p++;
			continue;
		}
		if (*p != '<') {
			p++;
			continue;
		}
		if (!strncmp(p, "<?", 2)) {
			p = strstr(p, "?>");
		} else if (!strncmp(p, "<!--", 4)) {
			p = strstr(p, "-->");
		} else if (!strncmp(p, "<![CDATA[", 9)) {
			p = strstr(p, "]]>");
		} else if (p[1] == '/') {
			size_t len = strcspn(p + 2, ">");

			if (!depth || lens[depth - 1] != len ||
			    strncmp(stack[depth - 1], p + 2, len))
				return false;
			depth--;
			p = strchr(p, '>');
		} else {
			const char *end = strchr(p, '>');
			size_t len = strcspn(p + 1, " \t\n/>");

			if (!end || (!depth && root_seen))
				return false;
			root_seen = true;
			/* Quotes in attributes would be escaped: no '<' inside a tag. */
			if (memchr(p + 1, '<', (size_t)(end - p - 1)))
				return false;
			if (end[-1] != '/') {
				if (depth == 64)
					return false;
				stack[depth] = p + 1;
				lens[depth++] = len;
			}
			p = end;
		}
		if (!p)
			return false;
		p++;
	}
	return depth == 0 && root_seen;
}

struct seen {
	char text[4096];
	size_t nr;
};

static void record(const struct prof_named_stack *stack, void *arg)
{
	struct seen *s = arg;
	size_t len = strlen(s->text);

	for (unsigned i = 0; i < stack->nframes; i++)
		len += snprintf(s->text + len, sizeof(s->text) - len, "%s%s", i ? "," : "",
				stack->frames[i]);
	snprintf(s->text + len, sizeof(s->text) - len, "=%llu|", (unsigned long long)stack->count);
	s->nr++;
}

static void test_errors(void **state)
{
	(void)state;
	assert_int_equal(prof_fail(EINVAL, "bad %s %d", "thing", 7), -EINVAL);
	assert_string_equal(prof_error(), "bad thing 7");
	assert_int_equal(prof_fail(-ENOENT, "x"), -ENOENT);
	assert_string_equal(prof_error(), "x");
}

static void test_intern(void **state)
{
	struct prof_stacks *set = prof_stacks_new();
	char name[16] = "memcpy";

	(void)state;
	assert_non_null(set);
	const char *a = prof_stacks_intern(set, name);

	assert_non_null(a);
	assert_ptr_not_equal(a, name); /* a copy */
	strcpy(name, "memset");
	assert_string_equal(a, "memcpy");
	assert_ptr_equal(prof_stacks_intern(set, "memcpy"), a);
	assert_ptr_not_equal(prof_stacks_intern(set, name), a);

	/* Many names force the table to grow; all stay distinct and stable. */
	const char *ptrs[1000];

	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		ptrs[i] = prof_stacks_intern(set, name);
		assert_non_null(ptrs[i]);
	}
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		assert_ptr_equal(prof_stacks_intern(set, name), ptrs[i]);
		assert_string_equal(ptrs[i], name);
	}
	assert_ptr_equal(prof_stacks_intern(set, "memcpy"), a);
	prof_stacks_free(set);
	prof_stacks_free(NULL);
}

static void test_merge_and_order(void **state)
{
	struct prof_stacks *set = prof_stacks_new();
	struct seen seen = { 0 };

	(void)state;
	add(set, "main;foo;bar", 3);
	add(set, "main;foo", 2);
	add(set, "main;foo;bar", 4);
	add(set, "main;a;b", 1);
	add(set, "idle", 5);
	add(set, "main;foo", 0); /* nothing */
	assert_int_equal(prof_stacks_total(set), 15);

	const char *frames[1] = { "x" };

	assert_int_equal(prof_stacks_add(set, frames, 0, 1), -EINVAL);
	assert_int_equal(prof_stacks_total(set), 15);

	prof_stacks_foreach(set, record, &seen);
	assert_int_equal(seen.nr, 4);
	assert_string_equal(seen.text, "idle=5|main,a,b=1|main,foo=2|main,foo,bar=7|");

	/* Frames handed over are interned: pointers compare equal. */
	prof_stacks_free(set);
}

static void test_many_stacks(void **state)
{
	struct prof_stacks *set = prof_stacks_new(), *rev = prof_stacks_new();
	char a[32], b[32];

	(void)state;
	/* Enough distinct stacks to grow every table, added in two orders. */
	for (int i = 0; i < 500; i++) {
		snprintf(a, sizeof(a), "r;f%d;g%d", i % 37, i);
		snprintf(b, sizeof(b), "r;f%d;g%d", (499 - i) % 37, 499 - i);
		add(set, a, (uint64_t)i + 1);
		add(set, a, 1);
		add(rev, b, (uint64_t)(499 - i) + 2);
	}
	assert_int_equal(prof_stacks_total(set), 500 * 501 / 2 + 500);
	assert_int_equal(prof_stacks_total(rev), prof_stacks_total(set));

	for (enum writer w = FOLDED; w <= SPEEDSCOPE; w++) {
		char *x = render(w, set), *y = render(w, rev);

		assert_string_equal(x, y);
		free(x);
		free(y);
	}
	prof_stacks_free(set);
	prof_stacks_free(rev);
}

static void test_folded(void **state)
{
	struct prof_stacks *set = prof_stacks_new();

	(void)state;
	add(set, "main;foo;bar", 3);
	add(set, "main;baz", 1);
	add(set, "main;foo", 2);
	add(set, "main;a b;c", 4);
	const char *odd[] = { "main", "x;y\nz\r", "[truncated]" };

	assert_int_equal(prof_stacks_add(set, odd, 3, 6), 0);

	char *text = render(FOLDED, set);

	assert_string_equal(text, "main;a b;c 4\n"
				  "main;baz 1\n"
				  "main;foo 2\n"
				  "main;foo;bar 3\n"
				  "main;x_y_z_;[truncated] 6\n");
	free(text);
	prof_stacks_free(set);
}

/* Stacks with recursion (f;f), f called from two places, and g with children. */
static struct prof_stacks *report_set(void)
{
	struct prof_stacks *set = prof_stacks_new();

	assert_non_null(set);
	add(set, "main;f;f", 2);
	add(set, "main;f", 3);
	add(set, "main;g;f", 1);
	add(set, "main;g", 4);
	return set;
}

static void test_report(void **state)
{
	struct prof_stacks *set = report_set();
	char *text = render(REPORT, set);

	(void)state;
	assert_string_equal(text, "# 10 samples in 4 distinct stacks, 3 functions\n"
				  "#\n"
				  "#       Self              Total          Function\n"
				  "           6   60.0%          6   60.0%  f\n"
				  "           4   40.0%          5   50.0%  g\n"
				  "           0    0.0%         10  100.0%  main\n"
				  "\n"
				  "# Callers of the 2 hottest functions (by self samples)\n"
				  "\n"
				  "6 60.0%  f\n"
				  "           3   50.0%  main\n"
				  "           2   33.3%  f\n"
				  "           1   16.7%  g\n"
				  "\n"
				  "4 40.0%  g\n"
				  "           4  100.0%  main\n");
	free(text);

	/* top = 1: only f's callers; a root-only stack has no caller. */
	add(set, "f", 6);
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	assert_int_equal(prof_write_report(set, f, 1), 0);
	fclose(f);
	assert_non_null(strstr(buf, "           6   50.0%  [no caller]\n"
				    "           3   25.0%  main\n"));
	assert_null(strstr(buf, "40.0%  g\n           4  100.0%  main"));
	assert_non_null(strstr(buf, "Callers of the 1 hottest"));
	free(buf);
	prof_stacks_free(set);
}

static void test_flame(void **state)
{
	struct prof_stacks *set = report_set();

	(void)state;
	add(set, "main;g;a<b&c\"d'e", 10);
	/* 1 sample in 10000: narrower than 0.1%, left out. */
	add(set, "main;tiny", 1);
	add(set, "main;g", 9979);

	char *svg = render(FLAME, set);

	assert_true(xml_balanced(svg));
	/* all, main, g, g;a<b...: f (5 samples, 0.05%) and below are too narrow. */
	assert_int_equal(count_str(svg, "<title>"), 4);
	assert_int_equal(count_str(svg, "</title>"), 4);
	assert_int_equal(count_str(svg, "<rect"), 5); /* + the background */
	assert_non_null(strstr(svg, "<title>all (10000 samples, 100.00%)</title>"));
	assert_non_null(strstr(svg, "<title>main (10000 samples, 100.00%)</title>"));
	assert_null(strstr(svg, "<title>f "));
	assert_non_null(strstr(svg, "<title>g (9994 samples, 99.94%)</title>"));
	assert_non_null(
		strstr(svg, "<title>a&lt;b&amp;c&quot;d&#39;e (10 samples, 0.10%)</title>"));
	assert_null(strstr(svg, "tiny"));
	assert_null(strstr(svg, "a<b"));
	assert_non_null(strstr(svg, "t&lt;&amp;&gt;&quot;</text>"));
	assert_non_null(strstr(svg, "<script"));
	assert_non_null(strstr(svg, "TOTAL = 10000;"));
	free(svg);
	prof_stacks_free(set);

	/* Everything visible at a coarser scale, with titles and counts. */
	set = report_set();
	svg = render(FLAME, set);
	assert_true(xml_balanced(svg));
	assert_int_equal(count_str(svg, "<title>"), 6);
	assert_non_null(strstr(svg, "<title>f (5 samples, 50.00%)</title>"));
	assert_non_null(strstr(svg, "<title>f (2 samples, 20.00%)</title>"));
	assert_non_null(strstr(svg, "<title>f (1 samples, 10.00%)</title>"));
	assert_non_null(strstr(svg, "<title>g (5 samples, 50.00%)</title>"));
	/* g follows f, after f's 5 samples: offset 5 at depth 2. */
	assert_non_null(strstr(svg, "data-o=\"5\" data-s=\"5\" data-d=\"2\"><title>g "));
	free(svg);
	prof_stacks_free(set);

	/* Invalid UTF-8 and control characters cannot break the document. */
	set = prof_stacks_new();
	add(set, "ok\xc3\xa9;bad\xff\x01name", 1);
	svg = render(FLAME, set);
	assert_true(xml_balanced(svg));
	assert_non_null(strstr(svg, "<title>ok\xc3\xa9 (1 samples"));
	assert_non_null(strstr(svg, "<title>bad??name (1 samples"));
	free(svg);
	prof_stacks_free(set);
}

static void test_speedscope(void **state)
{
	struct prof_stacks *set = prof_stacks_new();

	(void)state;
	add(set, "main;b\\q", 2);
	add(set, "main", 1);
	add(set, "main;a\tx", 3);
	char *json = render(SPEEDSCOPE, set);

	assert_string_equal(
		json, "{\n"
		      "\t\"$schema\": \"https://www.speedscope.app/file-format-schema.json\",\n"
		      "\t\"exporter\": \"emberprof\",\n"
		      "\t\"name\": \"prof \\\"x\\\"\",\n"
		      "\t\"activeProfileIndex\": 0,\n"
		      "\t\"shared\": {\n"
		      "\t\t\"frames\": [\n"
		      "\t\t\t{ \"name\": \"a\\tx\" },\n"
		      "\t\t\t{ \"name\": \"b\\\\q\" },\n"
		      "\t\t\t{ \"name\": \"main\" }\n"
		      "\t\t]\n"
		      "\t},\n"
		      "\t\"profiles\": [ {\n"
		      "\t\t\"type\": \"sampled\",\n"
		      "\t\t\"name\": \"prof \\\"x\\\"\",\n"
		      "\t\t\"unit\": \"none\",\n"
		      "\t\t\"startValue\": 0,\n"
		      "\t\t\"endValue\": 6,\n"
		      "\t\t\"samples\": [\n"
		      "\t\t\t[2],\n"
		      "\t\t\t[2,0],\n"
		      "\t\t\t[2,1]\n"
		      "\t\t],\n"
		      "\t\t\"weights\": [1,3,2]\n"
		      "\t} ]\n"
		      "}\n");
	free(json);
	prof_stacks_free(set);

	set = prof_stacks_new();
	add(set, "ctl\x01;bad\xfe", 1);
	json = render(SPEEDSCOPE, set);
	assert_non_null(strstr(json, "\"bad\\ufffd\""));
	assert_non_null(strstr(json, "\"ctl\\u0001\""));
	free(json);
	prof_stacks_free(set);
}

static void test_empty(void **state)
{
	struct prof_stacks *set = prof_stacks_new();
	char *text;

	(void)state;
	assert_int_equal(prof_stacks_total(set), 0);
	text = render(FOLDED, set);
	assert_string_equal(text, "");
	free(text);

	text = render(REPORT, set);
	assert_non_null(strstr(text, "# 0 samples in 0 distinct stacks, 0 functions\n"));
	assert_null(strstr(text, "Callers"));
	free(text);

	text = render(FLAME, set);
	assert_true(xml_balanced(text));
	assert_int_equal(count_str(text, "<title>"), 0);
	assert_non_null(strstr(text, "No samples"));
	free(text);

	text = render(SPEEDSCOPE, set);
	assert_non_null(strstr(text, "\"frames\": [\n\t\t]"));
	assert_non_null(strstr(text, "\"samples\": [\n\t\t]"));
	assert_non_null(strstr(text, "\"weights\": []"));
	assert_non_null(strstr(text, "\"endValue\": 0,"));
	free(text);
	prof_stacks_free(set);
}

static void test_write_errors(void **state)
{
	static const char *const what[] = { "folded", "report", "flame graph", "speedscope" };
	struct prof_stacks *set = report_set();

	(void)state;
	for (enum writer w = FOLDED; w <= SPEEDSCOPE; w++) {
		FILE *f = fopen("/dev/full", "w");

		assert_non_null(f);
		prof_fail(0, "stale");
		assert_int_equal(write_to(w, set, f), -EIO);
		assert_non_null(strstr(prof_error(), what[w]));
		fclose(f);

		/* A tiny fixed buffer fills up too. */
		char small[8];

		f = fmemopen(small, sizeof(small), "w");
		assert_non_null(f);
		setvbuf(f, NULL, _IONBF, 0);
		prof_fail(0, "stale");
		assert_int_equal(write_to(w, set, f), -EIO);
		assert_non_null(strstr(prof_error(), what[w]));
		fclose(f);
	}
	prof_stacks_free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors),		cmocka_unit_test(test_intern),
		cmocka_unit_test(test_merge_and_order), cmocka_unit_test(test_many_stacks),
		cmocka_unit_test(test_folded),		cmocka_unit_test(test_report),
		cmocka_unit_test(test_flame),		cmocka_unit_test(test_speedscope),
		cmocka_unit_test(test_empty),		cmocka_unit_test(test_write_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
