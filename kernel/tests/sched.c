// SPDX-License-Identifier: MIT
/*
 * Threads suite: create/join/exit, yield ordering, wait queues with and
 * without timeouts, wakeups from a timer-driven thread, detached threads.
 */
#include <ember/errno.h>
#include <ember/sched.h>
#include <ember/test.h>
#include <ember/time.h>

static int return_arg(void *arg)
{
	return (int)(uintptr_t)arg;
}

TEST(sched, join_returns_exit_status)
{
	struct thread *t = thread_create("ret42", return_arg, (void *)42, 0);
	ASSERT_NOT_NULL(t);
	int status = 0;
	EXPECT_EQ(thread_join(t, &status), 0);
	EXPECT_EQ(status, 42);
}

static int exit_early(void *arg __unused)
{
	thread_exit(7);
}

TEST(sched, thread_exit_from_inside)
{
	struct thread *t = thread_create("exit7", exit_early, NULL, 0);
	ASSERT_NOT_NULL(t);
	int status = 0;
	EXPECT_EQ(thread_join(t, &status), 0);
	EXPECT_EQ(status, 7);
}

TEST(sched, cannot_join_self)
{
	EXPECT_EQ(thread_join(thread_current(), NULL), -EINVAL);
}

static char trace[16];
static unsigned trace_len;

static int yielder(void *arg)
{
	for (int i = 0; i < 3; i++) {
		trace[trace_len++] = *(const char *)arg;
		thread_yield();
	}
	return 0;
}

TEST(sched, yield_round_robins)
{
	trace_len = 0;
	struct thread *a = thread_create("A", yielder, "a", 0);
	struct thread *b = thread_create("B", yielder, "b", 0);
	ASSERT_NOT_NULL(a);
	ASSERT_NOT_NULL(b);
	thread_join(a, NULL);
	thread_join(b, NULL);
	trace[trace_len] = '\0';
	EXPECT_STREQ(trace, "ababab");
}

static struct waitq wq = WAITQ_INIT(wq);
static int flag;

static int setter(void *arg)
{
	thread_sleep_ns((uint64_t)(uintptr_t)arg);
	flag = 1;
	return waitq_wake_all(&wq);
}

TEST(sched, waitq_wakes_blocked_thread)
{
	flag = 0;
	struct thread *t = thread_create("setter", setter, (void *)(5 * NSEC_PER_MSEC), 0);
	ASSERT_NOT_NULL(t);
	EXPECT_EQ(wait_event_timeout(&wq, flag == 1, 0), 0);
	EXPECT_EQ(flag, 1);
	int woken = 0;
	thread_join(t, &woken);
	EXPECT_EQ(woken, 1);
}

TEST(sched, waitq_times_out)
{
	uint64_t t0 = time_now_ns();
	EXPECT_EQ(waitq_wait(&wq, t0 + 10 * NSEC_PER_MSEC), -ETIMEDOUT);
	EXPECT_GE(time_now_ns() - t0, 10 * NSEC_PER_MSEC);
	EXPECT_EQ(waitq_wait(&wq, t0), -ETIMEDOUT); /* deadline already past */
}

TEST(sched, wake_one_wakes_in_fifo_order)
{
	EXPECT_EQ(waitq_wake_one(&wq), 0); /* nobody waiting */
	flag = 0;
	struct thread *t = thread_create("setter", setter, (void *)0, 0);
	ASSERT_NOT_NULL(t);
	EXPECT_EQ(wait_event_timeout(&wq, flag == 1, 5 * NSEC_PER_SEC), 0);
	thread_join(t, NULL);
}

static int counter;

static int bump(void *arg __unused)
{
	counter++;
	return 0;
}

TEST(sched, detached_threads_are_reaped)
{
	struct sched_stats before, after;
	sched_get_stats(&before);
	counter = 0;
	for (int i = 0; i < 20; i++) {
		struct thread *t = thread_create("bump", bump, NULL, 0);
		ASSERT_NOT_NULL(t);
		thread_detach(t);
	}
	/*
	 * They run, exit, and the idle thread frees them when it next runs;
	 * on a slow host that can take several timer ticks, so wait for it
	 * (bounded) instead of assuming one sleep is enough.
	 */
	uint64_t deadline = time_now_ns() + 10 * NSEC_PER_SEC;
	do {
		thread_sleep_ns(NSEC_PER_MSEC);
		sched_get_stats(&after);
	} while ((counter < 20 || after.threads != before.threads) && time_now_ns() < deadline);
	EXPECT_EQ(counter, 20);
	EXPECT_EQ(after.threads, before.threads);
}

TEST(sched, many_threads_and_stacks)
{
	struct thread *t[32];
	for (unsigned i = 0; i < 32; i++) {
		t[i] = thread_create("many", return_arg, (void *)(uintptr_t)i, 16384);
		ASSERT_NOT_NULL(t[i]);
	}
	for (unsigned i = 0; i < 32; i++) {
		int status = -1;
		thread_join(t[i], &status);
		EXPECT_EQ(status, (int)i);
	}
}
