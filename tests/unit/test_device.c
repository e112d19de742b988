// SPDX-License-Identifier: MIT
/*
 * kernel/device.c: the optional drivers' start functions run in order and
 * the first error stops them; entropy_read() takes all of its bytes from one
 * source, in as many reads as it needs, and moves past a source that fails,
 * gives nothing, claims more than was asked or is still short at the
 * deadline. The platform clock is a counter the sources advance.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <ember/device.h>
#include <ember/errno.h>

static uint64_t now_ns;

uint64_t plat_monotonic_ns(void)
{
	return now_ns;
}

int printk(const char *fmt, ...)
{
	(void)fmt;
	return 0;
}

/* The linker's .ember_devinit bounds: two functions, the second failing. */
static int started;
static int start_ok(void)
{
	started++;
	return 0;
}
static int start_fails(void)
{
	started += 10;
	return -ENODEV;
}
const device_init_fn __devinit_start[3] = { start_ok, start_fails, start_ok };
__asm__(".globl __devinit_end\n.set __devinit_end, __devinit_start + 3 * 8");

/* A source that answers from a script: one result per read. */
struct scripted {
	struct entropy_source src;
	const long *results; /* bytes per read (filled with @byte), or -errno */
	unsigned nresults, reads;
	uint8_t byte;
	uint64_t ns_per_read;
};

static long scripted_read(struct entropy_source *s, void *buf, size_t len, uint64_t deadline)
{
	struct scripted *sc = (struct scripted *)s;
	(void)deadline;
	now_ns += sc->ns_per_read;
	long n = sc->reads < sc->nresults ? sc->results[sc->reads] : 0;
	sc->reads++;
	if (n > 0)
		memset(buf, sc->byte, (size_t)n < len ? (size_t)n : len);
	return n;
}

#define SCRIPTED(name_, byte_, ns_, ...)                                                     \
	static const long name_##_results[] = { __VA_ARGS__ };                               \
	static struct scripted name_ = { .src = { .name = #name_, .read = scripted_read },   \
					 .results = name_##_results,                         \
					 .nresults = sizeof(name_##_results) / sizeof(long), \
					 .byte = (byte_),                                    \
					 .ns_per_read = (ns_) }

static void test_no_source_gives_nothing(void **state)
{
	(void)state;
	uint8_t buf[8];
	assert_null(entropy_read(buf, sizeof(buf), 1000));
}

/* Registered first, for both tests below: 16 bytes, then 8 a deadline later. */
SCRIPTED(slow, 0x44, 600, 16, 8);

static void test_short_at_the_deadline_gives_nothing(void **state)
{
	(void)state;
	entropy_source_register(&slow.src);
	uint8_t buf[32];
	now_ns = 0;
	assert_null(entropy_read(buf, sizeof(buf), 1000));
	assert_int_equal(slow.reads, 2);
}

static void test_sources_in_order_until_one_delivers(void **state)
{
	(void)state;
	SCRIPTED(failing, 0x11, 1, -EIO);
	SCRIPTED(empty, 0x22, 1, 0);
	SCRIPTED(liar, 0x33, 1, 64); /* more than the 32 asked */
	SCRIPTED(good, 0x55, 1, 10, 10, 12);
	SCRIPTED(unused, 0x66, 1, 32);
	entropy_source_register(&failing.src);
	entropy_source_register(&empty.src);
	entropy_source_register(&liar.src);
	entropy_source_register(&good.src);
	entropy_source_register(&unused.src);
	uint8_t buf[32], want[32];
	now_ns = 0;
	const char *name = entropy_read(buf, sizeof(buf), 5000);
	assert_non_null(name);
	assert_string_equal(name, "good");
	memset(want, 0x55, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(slow.reads, 3); /* its script is over: 0 bytes */
	assert_int_equal(failing.reads, 1);
	assert_int_equal(empty.reads, 1);
	assert_int_equal(liar.reads, 1);
	assert_int_equal(good.reads, 3);
	assert_int_equal(unused.reads, 0);
}

static void test_devices_start_in_order_until_one_fails(void **state)
{
	(void)state;
	started = 0;
	assert_int_equal(device_init_all(), -ENODEV);
	assert_int_equal(started, 11);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_source_gives_nothing),
		cmocka_unit_test(test_short_at_the_deadline_gives_nothing),
		cmocka_unit_test(test_sources_in_order_until_one_delivers),
		cmocka_unit_test(test_devices_start_in_order_until_one_fails),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
