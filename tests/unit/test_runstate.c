// SPDX-License-Identifier: MIT
/*
 * Host tests for the runstate reader, xen/runstate_read.c: the area Xen
 * writes is untrusted memory, so every odd value must come back as an error
 * (never a crash, a hang or a steal time that goes back).
 *
 * Covered: a fresh (zeroed) area; steal = runnable + offline, blocked and
 * running left out; an update flag that never clears (-EAGAIN after the
 * bounded retries, *ns untouched, success once it clears); states outside
 * RUNSTATE_running..offline, times that overflow or sum past the entry time,
 * steal that goes back (-EIO, and -EIO from then on); and a writer thread
 * following Xen's protocol while the reader runs, whose every accepted
 * snapshot must be one the writer made whole.
 */
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <ember/xen/runstate.h>

static struct vcpu_runstate_info area;

static struct runstate_reader fresh_reader(void)
{
	memset(&area, 0, sizeof(area));
	return (struct runstate_reader){ .area = &area };
}

static void set_area(int state, uint64_t entry, uint64_t run, uint64_t runnable, uint64_t blocked,
		     uint64_t offline)
{
	area.state = state;
	area.state_entry_time = entry;
	area.time[RUNSTATE_running] = run;
	area.time[RUNSTATE_runnable] = runnable;
	area.time[RUNSTATE_blocked] = blocked;
	area.time[RUNSTATE_offline] = offline;
}

static void test_fresh_area_is_zero(void **state)
{
	(void)state;
	struct runstate_reader r = fresh_reader();
	uint64_t ns = 99;
	assert_int_equal(runstate_read_steal(&r, &ns), 0);
	assert_int_equal(ns, 0);
}

static void test_steal_is_runnable_plus_offline(void **state)
{
	(void)state;
	struct runstate_reader r = fresh_reader();
	uint64_t ns = 0;
	set_area(RUNSTATE_running, 10000, 5000, 300, 4000, 20);
	assert_int_equal(runstate_read_steal(&r, &ns), 0);
	assert_int_equal(ns, 320);
	/* Equal again is fine; so is more. The sum may equal the entry time. */
	assert_int_equal(runstate_read_steal(&r, &ns), 0);
	assert_int_equal(ns, 320);
	set_area(RUNSTATE_running, 11000, 5500, 400, 5000, 100);
	assert_int_equal(runstate_read_steal(&r, &ns), 0);
	assert_int_equal(ns, 500);
	/* Any known state is accepted (Xen writes the others on switch-out). */
	set_area(RUNSTATE_offline, 11000, 5500, 400, 5000, 100);
	assert_int_equal(runstate_read_steal(&r, &ns), 0);
}

static void test_update_flag_stuck(void **state)
{
	(void)state;
	struct runstate_reader r = fresh_reader();
	uint64_t ns = 12345;
	set_area(RUNSTATE_running, 1000 | XEN_RUNSTATE_UPDATE, 500, 10, 0, 0);
	assert_int_equal(runstate_read_steal(&r, &ns), -EAGAIN);
	assert_int_equal(ns, 12345);
	assert_int_equal(runstate_read_steal(&r, &ns), -EAGAIN);
	area.state_entry_time = 1000; /* the update finished */
	assert_int_equal(runstate_read_steal(&r, &ns), 0);
	assert_int_equal(ns, 10);
}

static void expect_broken(struct runstate_reader *r)
{
	uint64_t ns = 777;
	assert_int_equal(runstate_read_steal(r, &ns), -EIO);
	assert_int_equal(ns, 777);
	/* Broken stays broken, even once the area looks sane again. */
	set_area(RUNSTATE_running, UINT64_MAX >> 2, 0, UINT64_MAX >> 3, 0, 0);
	assert_int_equal(runstate_read_steal(r, &ns), -EIO);
	assert_int_equal(ns, 777);
}

static void test_bad_states(void **state)
{
	(void)state;
	static const int bad[] = { RUNSTATE_offline + 1, -1, INT_MAX, INT_MIN };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct runstate_reader r = fresh_reader();
		set_area(bad[i], 1000, 1, 1, 1, 1);
		expect_broken(&r);
	}
}

static void test_times_past_entry_time(void **state)
{
	(void)state;
	struct runstate_reader r = fresh_reader();
	set_area(RUNSTATE_running, 1000, 400, 300, 200, 101);
	expect_broken(&r);
}

static void test_times_overflow(void **state)
{
	(void)state;
	struct runstate_reader r = fresh_reader();
	/* Sums to 1 modulo 2^64, which would pass a wrapping check. */
	set_area(RUNSTATE_running, UINT64_MAX >> 1, UINT64_MAX, 1, 0, 1);
	expect_broken(&r);
	r = fresh_reader();
	set_area(RUNSTATE_running, UINT64_MAX >> 1, 0, UINT64_MAX, 0, 2);
	expect_broken(&r);
}

static void test_steal_going_back(void **state)
{
	(void)state;
	struct runstate_reader r = fresh_reader();
	uint64_t ns = 0;
	set_area(RUNSTATE_running, 10000, 100, 500, 0, 500);
	assert_int_equal(runstate_read_steal(&r, &ns), 0);
	assert_int_equal(ns, 1000);
	set_area(RUNSTATE_running, 10000, 100, 500, 0, 499);
	expect_broken(&r);
}

/* ---- a writer that follows Xen's protocol, concurrently ------------------------- */

#define WRITER_UPDATES 200000

static volatile struct vcpu_runstate_info shared;
static volatile int writer_done;

static void spin_a_little(unsigned n)
{
	for (volatile unsigned i = 0; i < n; i++)
		;
}

/* Update k: runnable = k, offline = 2k (steal 3k), entry time 10k. */
static void *protocol_writer(void *arg)
{
	(void)arg;
	for (uint64_t k = 1; k <= WRITER_UPDATES; k++) {
		shared.state_entry_time |= XEN_RUNSTATE_UPDATE;
		__atomic_thread_fence(__ATOMIC_RELEASE);
		shared.time[RUNSTATE_running] = 4 * k;
		shared.time[RUNSTATE_runnable] = k;
		spin_a_little(k % 8); /* widen the window a torn read would fall in */
		shared.time[RUNSTATE_offline] = 2 * k;
		__atomic_thread_fence(__ATOMIC_RELEASE);
		shared.state_entry_time = 10 * k;
		spin_a_little(16);
	}
	writer_done = 1;
	return NULL;
}

static void test_concurrent_protocol_writer(void **state)
{
	(void)state;
	struct runstate_reader r = { .area = &shared };
	pthread_t writer;
	uint64_t ns, prev = 0, accepted = 0, busy = 0;
	assert_int_equal(pthread_create(&writer, NULL, protocol_writer, NULL), 0);
	while (!writer_done) {
		int err = runstate_read_steal(&r, &ns);
		if (err == -EAGAIN) {
			busy++;
			continue;
		}
		assert_int_equal(err, 0);
		assert_int_equal(ns % 3, 0); /* runnable and offline from the same update */
		assert_true(ns >= prev);
		prev = ns;
		accepted++;
	}
	assert_int_equal(pthread_join(writer, NULL), 0);
	assert_int_equal(runstate_read_steal(&r, &ns), 0);
	assert_int_equal(ns, 3ull * WRITER_UPDATES);
	print_message("concurrent writer: %llu snapshots accepted, %llu busy\n",
		      (unsigned long long)accepted, (unsigned long long)busy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fresh_area_is_zero),
		cmocka_unit_test(test_steal_is_runnable_plus_offline),
		cmocka_unit_test(test_update_flag_stuck),
		cmocka_unit_test(test_bad_states),
		cmocka_unit_test(test_times_past_entry_time),
		cmocka_unit_test(test_times_overflow),
		cmocka_unit_test(test_steal_going_back),
		cmocka_unit_test(test_concurrent_protocol_writer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
