// SPDX-License-Identifier: MIT
/* The in-guest test runner (see <ember/test.h>). */
#include <ember/printk.h>
#include <ember/string.h>
#include <ember/test.h>

extern const struct test_case __tests_start[], __tests_end[];

static unsigned current_failures;

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	current_failures++;
	printk("#   %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
	printk("\n");
}

static bool selected(const struct test_case *t, int argc, char **argv)
{
	if (argc < 2)
		return true;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], t->suite))
			return true;
	return false;
}

static bool suite_exists(const char *name)
{
	for (const struct test_case *t = __tests_start; t < __tests_end; t++)
		if (!strcmp(t->suite, name))
			return true;
	return false;
}

static void suite_summary(const char *suite, unsigned pass, unsigned fail)
{
	if (suite)
		printk("# suite %s: %u passed, %u failed\n", suite, pass, fail);
}

int test_main(int argc, char **argv)
{
	unsigned planned = 0, n = 0, passed = 0, failed = 0, spass = 0, sfail = 0;
	const char *suite = NULL;

	for (int i = 1; i < argc; i++) {
		if (!suite_exists(argv[i])) {
			printk("Bail out! no test suite named '%s'\n", argv[i]);
			return 2;
		}
	}
	for (const struct test_case *t = __tests_start; t < __tests_end; t++)
		planned += selected(t, argc, argv);
	printk("TAP version 13\n1..%u\n", planned);
	for (const struct test_case *t = __tests_start; t < __tests_end; t++) {
		if (!selected(t, argc, argv))
			continue;
		if (!suite || strcmp(suite, t->suite)) {
			suite_summary(suite, spass, sfail);
			suite = t->suite;
			spass = sfail = 0;
			printk("# suite %s\n", suite);
		}
		current_failures = 0;
		t->fn();
		bool ok = current_failures == 0;
		printk("%s %u - %s.%s\n", ok ? "ok" : "not ok", ++n, t->suite, t->name);
		ok ? (passed++, spass++) : (failed++, sfail++);
	}
	suite_summary(suite, spass, sfail);
	printk("# %u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
