// SPDX-License-Identifier: MIT
/*
 * Time suite: the monotonic clock, sleeping and the one-shot timer. Bounds
 * are one-sided where the machine's load could only make things later, and
 * generous where an upper bound is needed (TCG guests on busy hosts).
 */
#include <ember/arch.h>
#include <ember/sched.h>
#include <ember/test.h>
#include <ember/time.h>

#define LATE_SLACK_NS (2 * NSEC_PER_SEC) /* loaded CI hosts stall guests */

TEST(time, clock_is_monotonic)
{
	uint64_t prev = time_now_ns();
	for (int i = 0; i < 10000; i++) {
		uint64_t now = time_now_ns();
		ASSERT_TRUE(now >= prev);
		prev = now;
	}
}

TEST(time, clock_advances_with_cycles)
{
	const char *source;
	EXPECT_GT(plat_cycles_hz(&source), 100000000ull); /* > 100 MHz */
	uint64_t t0 = time_now_ns(), c0 = arch_cycles();
	while (time_now_ns() - t0 < NSEC_PER_MSEC)
		;
	uint64_t dt = time_now_ns() - t0, dc = time_cycles_to_ns(arch_cycles() - c0);
	EXPECT_GE(dc + NSEC_PER_USEC * 100, dt);
	EXPECT_LE(dc, dt + NSEC_PER_USEC * 100);
}

TEST(time, sleep_lasts_at_least_the_request)
{
	static const uint64_t ns[] = { 1, 1000, 100000, 1000000, 20000000 };
	for (unsigned i = 0; i < ARRAY_SIZE(ns); i++) {
		uint64_t t0 = time_now_ns();
		thread_sleep_ns(ns[i]);
		uint64_t slept = time_now_ns() - t0;
		EXPECT_GE(slept, ns[i]);
		EXPECT_LT(slept, ns[i] + LATE_SLACK_NS);
	}
}

TEST(time, sleeping_halts_the_cpu)
{
	struct sched_stats before, after;
	sched_get_stats(&before);
	thread_sleep_ns(10 * NSEC_PER_MSEC);
	sched_get_stats(&after);
	/* The idle thread halted, and the timer interrupt ended the halt. */
	EXPECT_GE(after.idle_waits, before.idle_waits + 1);
	EXPECT_GE(after.timer_interrupts, before.timer_interrupts + 1);
	/* Halting, not spinning: a spinning idle would loop thousands of times. */
	EXPECT_LT(after.idle_waits - before.idle_waits, 100);
}

static uint64_t wake_times[4];

static int sleeper(void *arg)
{
	unsigned i = (unsigned)(uintptr_t)arg;
	thread_sleep_ns((4 - i) * 5 * NSEC_PER_MSEC);
	wake_times[i] = time_now_ns();
	return (int)i;
}

TEST(time, sleepers_wake_in_deadline_order)
{
	struct thread *t[4];
	for (unsigned i = 0; i < 4; i++) {
		t[i] = thread_create("sleeper", sleeper, (void *)(uintptr_t)i, 0);
		ASSERT_NOT_NULL(t[i]);
	}
	for (unsigned i = 0; i < 4; i++) {
		int status = -1;
		EXPECT_EQ(thread_join(t[i], &status), 0);
		EXPECT_EQ(status, (int)i);
	}
	/* Thread 3 sleeps 5 ms, thread 0 sleeps 20 ms. */
	for (unsigned i = 0; i < 3; i++)
		EXPECT_GE(wake_times[i], wake_times[i + 1]);
}
