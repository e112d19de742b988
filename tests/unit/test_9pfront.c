// SPDX-License-Identifier: MIT
/*
 * Host tests for the Xen 9pfs data path: the real xen/9pfront.c and
 * xen/xring.c against the simulated backend of sim_9pfront.c, under
 * ASan/UBSan. Each ring half is its own heap block, each reply buffer an
 * exact one, so a copy a byte outside either is reported.
 *
 * Covered: requests and replies wrapping the ring many times; the backend
 * rewriting its index right after the frontend read it (each backend index
 * is read once per operation, and the copy stays where that one reading
 * put it); impossible out_cons and in_prod; replies that cannot be framed;
 * replies larger than the posted buffer (clamped, -EMSGSIZE); unknown
 * tags; a silent backend (deadline, -ETIMEDOUT, then -EIO for good); a
 * backend that consumes nothing; and the notification after consuming
 * replies that QEMU's backend waits for when "in" is full.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <ember/errno.h>
#include "sim_9pfront.h"

#define TVERSION 100

static int setup_order1(void **state)
{
	(void)state;
	sim_setup(1); /* 4 KiB per direction: wraps quickly */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sim_teardown();
	return 0;
}

static void test_round_trips_wrap_the_ring(void **state)
{
	(void)state;
	uint32_t ring = sim.f.ring_size, total = 0;
	for (unsigned i = 0; i < 400; i++) {
		uint32_t body = (i * 977) % (ring - P9_HDR_SIZE), got = 0;
		assert_int_equal(
			sim_request(TVERSION, (uint16_t)i, body, body + P9_HDR_SIZE, &got, true),
			0);
		assert_int_equal(got, body + P9_HDR_SIZE);
		total += body + P9_HDR_SIZE;
	}
	assert_true(total > 100 * ring);
	assert_int_equal(sim.f.intf->out_prod, total); /* published, and only ours */
	assert_int_equal(sim.f.intf->in_cons, total);
	assert_int_equal(sim.f.stalls, 0);
	assert_false(sim.f.broken);
}

static void test_backend_index_read_once_per_request(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 50; i++) {
		unsigned before = sim.loads_out_cons;
		assert_int_equal(sim_request(TVERSION, 1, 1000, 2000, NULL, true), 0);
		assert_int_equal(sim.loads_out_cons - before, 1);
	}
}

/*
 * The double fetch: the backend moves out_cons past out_prod right after the
 * frontend's read, each time. The copy must stay where the one reading put
 * it (ASan watches the ring's end) and the impossible value must break the
 * channel when it is read.
 */
static void test_out_cons_moved_after_read(void **state)
{
	(void)state;
	uint32_t ring = sim.f.ring_size;
	for (unsigned i = 0; i < 3; i++) /* move out_prod near the ring's end */
		assert_int_equal(sim_request(TVERSION, 1, 1000, 2000, NULL, true), 0);
	sim.rewrite_out_cons = true;
	sim.out_cons_value = sim.f.out.own + ring - 1; /* masked: just below our producer */
	sim.mode = SIM_NO_CONSUME; /* the backend leaves the rewritten value in place */
	uint32_t got;
	int err = sim_request(TVERSION, 2, ring - 200, ring, &got, false);
	assert_true(err == -EIO || err == -ETIMEDOUT);
	int again = sim_request(TVERSION, 3, 10, 100, NULL, false);
	assert_int_equal(again, -EIO);
	assert_true(sim.f.broken);
}

static void test_impossible_out_cons_breaks_the_channel(void **state)
{
	(void)state;
	assert_int_equal(sim_request(TVERSION, 1, 100, 200, NULL, true), 0);
	sim.f.intf->out_cons = sim.f.out.own + 1; /* consumed more than we produced */
	sim.mode = SIM_NO_CONSUME;
	assert_int_equal(sim_request(TVERSION, 2, 100, 200, NULL, false), -EIO);
	assert_true(sim.f.broken);
	assert_non_null(strstr(sim.last_printk, "channel broken"));
	assert_int_equal(sim_request(TVERSION, 3, 100, 200, NULL, false), -EIO);
}

static void test_impossible_in_prod_breaks_the_channel(void **state)
{
	(void)state;
	sim.rewrite_in_prod = true;
	sim.in_prod_value = sim.f.ring_size + 8; /* more than the ring holds */
	sim.mode = SIM_SILENT;
	sim.f.intf->in_prod = sim.in_prod_value;
	sim.be_in_prod = sim.in_prod_value;
	assert_int_equal(sim_request(TVERSION, 1, 100, 200, NULL, false), -EIO);
	assert_true(sim.f.broken);
}

static void test_unframeable_replies_break_the_channel(void **state)
{
	(void)state;
	sim.claim_size = sim.f.ring_size + 1; /* a header claiming more than the ring */
	assert_int_equal(sim_request(TVERSION, 1, 100, 200, NULL, false), -EIO);
	assert_true(sim.f.broken);
	assert_non_null(strstr(sim.last_printk, "cannot be framed"));
	sim_teardown();
	sim_setup(1);
	sim.claim_size = 3; /* below a header */
	assert_int_equal(sim_request(TVERSION, 1, 100, 200, NULL, false), -EIO);
	assert_non_null(strstr(sim.last_printk, "cannot be framed"));
}

static void test_reply_larger_than_posted_is_clamped(void **state)
{
	(void)state;
	uint32_t got = 0;
	sim.reply_extra = 900;
	assert_int_equal(sim_request(TVERSION, 5, 100, 107, &got, false), -EMSGSIZE);
	assert_int_equal(got, 107);
	assert_false(sim.f.broken); /* framing held: the next request works */
	sim.reply_extra = 0;
	assert_int_equal(sim_request(TVERSION, 6, 100, 107, NULL, true), 0);
}

static void test_reply_for_unknown_tag_is_dropped(void **state)
{
	(void)state;
	sim.tag_delta = 1; /* the reply names a tag nobody waits for */
	sim.mode = SIM_ECHO;
	/* the request gets no reply: it times out and the channel breaks */
	assert_int_equal(sim_request(TVERSION, 9, 10, 100, NULL, false), -ETIMEDOUT);
	assert_int_equal(sim.f.dropped, 1);
	assert_true(sim.f.broken);
}

static void test_silent_backend_times_out_and_stays_broken(void **state)
{
	(void)state;
	sim.mode = SIM_SILENT;
	uint64_t start = sim_now_ns;
	assert_int_equal(sim_request(TVERSION, 1, 10, 100, NULL, false), -ETIMEDOUT);
	assert_true(sim_now_ns - start >= 60ull * 1000000000);
	assert_true(sim.f.stalls >= 3); /* the logged safety net ran, with backoff */
	assert_true(sim.f.stalls <= 8);
	assert_true(sim.f.broken);
	assert_true(list_empty(&sim.f.pending));
	sim.mode = SIM_ECHO;
	assert_int_equal(sim_request(TVERSION, 2, 10, 100, NULL, false), -EIO);
}

static void test_full_ring_times_out(void **state)
{
	(void)state;
	/* "out" holds ring - 8 bytes the backend never takes */
	sim.f.out.own = sim.f.intf->out_prod = sim.f.ring_size - 8;
	sim.mode = SIM_NO_CONSUME;
	assert_int_equal(sim_request(TVERSION, 1, 100, 200, NULL, false), -ETIMEDOUT);
	assert_non_null(strstr(sim.last_printk, "consumed no request"));
	assert_true(sim.f.stalls >= 3);
	assert_int_equal(sim_request(TVERSION, 2, 100, 100, NULL, false), -EIO);
}

static void test_request_larger_than_ring_is_refused(void **state)
{
	(void)state;
	assert_int_equal(sim_request(TVERSION, 1, sim.f.ring_size, 100, NULL, false), -EMSGSIZE);
	assert_false(sim.f.broken);
}

static void test_no_extra_notification_when_nothing_else_waits(void **state)
{
	(void)state;
	unsigned before = sim.notifications;
	assert_int_equal(sim_request(TVERSION, 1, 100, 200, NULL, true), 0);
	assert_int_equal(sim.notifications - before, 1); /* the request's own */
}

/*
 * With another request unanswered, taking a reply off "in" notifies the
 * backend: its reply may be waiting for the room we just made.
 */
static void test_backend_notified_after_replies_consumed(void **state)
{
	(void)state;
	struct p9_req other_req = { .tag = 77 };
	struct pending other = { .req = &other_req };
	waitq_init(&other.wq);
	list_push_back(&sim.f.pending, &other.link);
	unsigned before = sim.notifications;
	assert_int_equal(sim_request(TVERSION, 1, 100, 200, NULL, true), 0);
	assert_int_equal(sim.notifications - before, 2);
	list_remove(&other.link);
}

static void test_not_connected(void **state)
{
	(void)state;
	sim.f.connected = false;
	assert_int_equal(sim_request(TVERSION, 1, 10, 100, NULL, false), -ENOTCONN);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_order1, teardown)
	const struct CMUnitTest tests[] = {
		T(test_round_trips_wrap_the_ring),
		T(test_backend_index_read_once_per_request),
		T(test_out_cons_moved_after_read),
		T(test_impossible_out_cons_breaks_the_channel),
		T(test_impossible_in_prod_breaks_the_channel),
		T(test_unframeable_replies_break_the_channel),
		T(test_reply_larger_than_posted_is_clamped),
		T(test_reply_for_unknown_tag_is_dropped),
		T(test_silent_backend_times_out_and_stays_broken),
		T(test_full_ring_times_out),
		T(test_request_larger_than_ring_is_refused),
		T(test_no_extra_notification_when_nothing_else_waits),
		T(test_backend_notified_after_replies_consumed),
		T(test_not_connected),
	};
	return cmocka_run_group_tests_name("9pfront", tests, NULL, NULL);
}
