// SPDX-License-Identifier: MIT
/*
 * Host tests for the xenstore client: the real xen/xenstore.c (included
 * here, so each case can start from fresh static state) with its reader
 * and watch threads on sim_sched.c, against the simulated xenstored of
 * sim_xenstored.c, under ASan/UBSan.
 *
 * Covered: round trips of every call, rings wrapping many times, watch
 * events; a response index past the ring, a request consumer index past
 * the producer, a header longer than the protocol allows (each breaks the
 * client for good, -EPROTO); a reply that never comes (-ETIMEDOUT after
 * 30 s of simulated time, the late reply dropped, the client still
 * working); a reply for another request; a xenstored that stops taking
 * requests (the write gives up and the client breaks); xenstored's indexes
 * read once per ring step.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../xen/xenstore.c"
#include "sim_xs_client.h"

extern char sim_last_printk[256];

static int fresh(void **state)
{
	(void)state;
	assert_int_equal(sim_xs_start(), 0);
	return 0;
}

static int done(void **state)
{
	(void)state;
	sim_xs_end();
	return 0;
}

static void test_round_trips(void **state)
{
	(void)state;
	char *v = NULL;
	assert_int_equal(xs_read(XS_NO_TRANSACTION, "device/x", &v), 0);
	assert_string_equal(v, "v:device/x");
	free(v);
	assert_int_equal(xs_read(XS_NO_TRANSACTION, "missing/x", &v), -ENOENT);
	assert_int_equal(xs_write(XS_NO_TRANSACTION, "data/a", "b"), 0);
	char **names;
	assert_int_equal(xs_directory(XS_NO_TRANSACTION, "device", &names), 3);
	assert_string_equal(names[2], "ccc");
	assert_null(names[3]);
	free(names);
	xs_transaction_t tx;
	assert_int_equal(xs_transaction_start(&tx), 0);
	assert_int_equal(tx, 7);
	assert_int_equal(xs_transaction_end(tx, false), 0);
	assert_int_equal(stats.dropped, 0);
}

static void test_rings_wrap(void **state)
{
	(void)state;
	char path[600];
	memset(path, 'p', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	for (unsigned i = 0; i < 100; i++) {
		char *v = NULL;
		path[0] = (char)('a' + i % 26);
		assert_int_equal(xs_read(XS_NO_TRANSACTION, path, &v), 0);
		assert_int_equal(strlen(v), strlen(path) + 2);
		assert_int_equal(memcmp(v + 2, path, strlen(path)), 0);
		free(v);
	}
	assert_true(sim_xsd.rsp_prod > 50 * XENSTORE_RING_SIZE);
	assert_int_equal(ring->rsp_cons, sim_xsd.rsp_prod); /* published, ours only */
	assert_int_equal(ring->req_prod, sim_xsd.req_cons);
}

static unsigned fired;
static void watch_fn(struct xs_watch *w, const char *changed)
{
	(void)w;
	(void)changed;
	fired++;
}

static void test_watch_fires(void **state)
{
	(void)state;
	static struct xs_watch w = { .path = "backend/x", .fn = watch_fn };
	fired = 0;
	sim_xsd.extra_events = 2;
	assert_int_equal(xs_watch(&w), 0);
	thread_yield(); /* the watch thread runs the callbacks */
	thread_yield();
	assert_int_equal(fired, 3);
	assert_int_equal(xs_unwatch(&w), 0);
}

static void assert_broken(void)
{
	assert_true(stats.broken);
	assert_int_equal(xs_write(XS_NO_TRANSACTION, "data/a", "b"), -EPROTO);
}

static void test_rsp_prod_past_the_ring(void **state)
{
	(void)state;
	sim_xsd.rsp_prod_jump = XENSTORE_RING_SIZE + 1;
	assert_int_equal(xs_write(XS_NO_TRANSACTION, "data/a", "b"), -EPROTO);
	assert_non_null(strstr(sim_last_printk, "protocol error"));
	assert_broken();
}

static void test_req_cons_past_req_prod(void **state)
{
	(void)state;
	assert_int_equal(xs_write(XS_NO_TRANSACTION, "data/a", "b"), 0);
	sim_xsd.req_cons_jump = 5; /* "consumed" bytes never written */
	sim_xsd_run();
	assert_int_equal(xs_write(XS_NO_TRANSACTION, "data/a", "b"), -EPROTO);
}

static void test_header_longer_than_the_protocol(void **state)
{
	(void)state;
	sim_xsd.len_override = XENSTORE_PAYLOAD_MAX + 1;
	assert_int_equal(xs_write(XS_NO_TRANSACTION, "data/a", "b"), -EPROTO);
	assert_broken();
}

static void test_reply_that_never_comes(void **state)
{
	(void)state;
	sim_xsd.silent = true;
	uint64_t t0 = sim_now_ns;
	assert_int_equal(xs_write(XS_NO_TRANSACTION, "data/a", "b"), -ETIMEDOUT);
	assert_true(sim_now_ns - t0 >= XS_REPLY_TIMEOUT_NS);
	assert_false(stats.broken);
	sim_xsd.silent = false;
	char *v = NULL;
	assert_int_equal(xs_read(XS_NO_TRANSACTION, "k", &v), 0);
	assert_string_equal(v, "v:k");
	free(v);
}

static void test_reply_for_another_request(void **state)
{
	(void)state;
	sim_xsd.req_id_delta = 1000;
	assert_int_equal(xs_write(XS_NO_TRANSACTION, "data/a", "b"), -ETIMEDOUT);
	assert_int_equal(stats.dropped, 1);
}

static void test_xenstored_stops_taking_requests(void **state)
{
	(void)state;
	sim_xsd.stopped = true;
	char big[1000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	/* the first fills the ring and waits for a reply; it times out */
	assert_int_equal(xs_write(XS_NO_TRANSACTION, "data/a", big), -ETIMEDOUT);
	/* the second cannot be written whole: the client gives up and breaks */
	assert_int_equal(xs_write(XS_NO_TRANSACTION, "data/b", big), -ETIMEDOUT);
	assert_broken();
}

static void test_indexes_read_once_per_step(void **state)
{
	(void)state;
	unsigned c0 = sim_xsd.loads_req_cons;
	assert_int_equal(xs_write(XS_NO_TRANSACTION, "data/a", "b"), 0);
	/* header, path and value: three ring steps, one read each */
	assert_int_equal(sim_xsd.loads_req_cons - c0, 3);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fresh, done)
	const struct CMUnitTest tests[] = {
		T(test_round_trips),
		T(test_rings_wrap),
		T(test_watch_fires),
		T(test_rsp_prod_past_the_ring),
		T(test_req_cons_past_req_prod),
		T(test_header_longer_than_the_protocol),
		T(test_reply_that_never_comes),
		T(test_reply_for_another_request),
		T(test_xenstored_stops_taking_requests),
		T(test_indexes_read_once_per_step),
	};
	return cmocka_run_group_tests_name("xenstore", tests, NULL, NULL);
}
