/* SPDX-License-Identifier: MIT */
/*
 * In-guest test framework.
 *
 *   TEST(heap, calloc_zeroes) { EXPECT_EQ(...); ASSERT_TRUE(...); }
 *
 * registers a case in suite "heap" (the .ember_tests.<suite> linker section;
 * suites run in name order, cases in link order). EXPECT_* records a failure
 * and goes on; ASSERT_* records it and returns from the case. test_main()
 * runs the selected suites and prints TAP version 13 on the console:
 *
 *   TAP version 13
 *   1..12
 *   # suite heap
 *   ok 1 - heap.calloc_zeroes
 *   not ok 2 - heap.realloc_grows
 *   #   kernel/tests/heap.c:40: EXPECT_EQ(a, b): 3 != 4
 *   # suite heap: 1 passed, 1 failed
 *   # 1 passed, 1 failed
 *
 * The host (tests/guest/) parses these lines.
 */
#ifndef EMBER_TEST_H
#define EMBER_TEST_H

#include <ember/compiler.h>
#include <ember/string.h>

struct test_case {
	const char *suite;
	const char *name;
	void (*fn)(void);
};

#define TEST(suite, name)                                                                     \
	static void test_##suite##_##name(void);                                              \
	static const struct test_case __test_##suite##_##name __used __aligned(8)             \
		__section(".ember_tests." #suite) = { #suite, #name, test_##suite##_##name }; \
	static void test_##suite##_##name(void)

/* Records a failure of the running case; prints "#   file:line: message". */
void test_fail(const char *file, int line, const char *fmt, ...) __printf(3, 4);

#define TEST_CHECK_(cond, onfail, ...)                              \
	do {                                                        \
		if (!(cond)) {                                      \
			test_fail(__FILE__, __LINE__, __VA_ARGS__); \
			onfail;                                     \
		}                                                   \
	} while (0)

#define TEST_CMP_(a, op, b, onfail, kind)                                                         \
	do {                                                                                      \
		long long __a = (long long)(a), __b = (long long)(b);                             \
		TEST_CHECK_(__a op __b, onfail, kind "(%s, %s): %lld vs %lld", #a, #b, __a, __b); \
	} while (0)

#define EXPECT_TRUE(c)	   TEST_CHECK_(c, (void)0, "EXPECT_TRUE(%s)", #c)
#define EXPECT_FALSE(c)	   TEST_CHECK_(!(c), (void)0, "EXPECT_FALSE(%s)", #c)
#define EXPECT_EQ(a, b)	   TEST_CMP_(a, ==, b, (void)0, "EXPECT_EQ")
#define EXPECT_NE(a, b)	   TEST_CMP_(a, !=, b, (void)0, "EXPECT_NE")
#define EXPECT_LT(a, b)	   TEST_CMP_(a, <, b, (void)0, "EXPECT_LT")
#define EXPECT_LE(a, b)	   TEST_CMP_(a, <=, b, (void)0, "EXPECT_LE")
#define EXPECT_GT(a, b)	   TEST_CMP_(a, >, b, (void)0, "EXPECT_GT")
#define EXPECT_GE(a, b)	   TEST_CMP_(a, >=, b, (void)0, "EXPECT_GE")
#define EXPECT_NULL(p)	   TEST_CHECK_((p) == NULL, (void)0, "EXPECT_NULL(%s)", #p)
#define EXPECT_NOT_NULL(p) TEST_CHECK_((p) != NULL, (void)0, "EXPECT_NOT_NULL(%s)", #p)
#define EXPECT_STREQ(a, b)                                                                        \
	TEST_CHECK_(!strcmp((a), (b)), (void)0, "EXPECT_STREQ(%s, %s): \"%s\" vs \"%s\"", #a, #b, \
		    (a), (b))

#define ASSERT_TRUE(c)	   TEST_CHECK_(c, return, "ASSERT_TRUE(%s)", #c)
#define ASSERT_EQ(a, b)	   TEST_CMP_(a, ==, b, return, "ASSERT_EQ")
#define ASSERT_GT(a, b)	   TEST_CMP_(a, >, b, return, "ASSERT_GT")
#define ASSERT_GE(a, b)	   TEST_CMP_(a, >=, b, return, "ASSERT_GE")
#define ASSERT_NE(a, b)	   TEST_CMP_(a, !=, b, return, "ASSERT_NE")
#define ASSERT_NOT_NULL(p) TEST_CHECK_((p) != NULL, return, "ASSERT_NOT_NULL(%s)", #p)

/*
 * Runs the suites named in @argv[1..] (all suites when @argc < 2).
 * Returns 0 when every selected case passed, 1 otherwise, 2 when a name
 * matched no suite.
 */
int test_main(int argc, char **argv);

#endif
