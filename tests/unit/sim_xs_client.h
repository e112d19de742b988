/* SPDX-License-Identifier: MIT */
/*
 * Starting and ending the real xenstore client in a host harness. Included
 * right after "xen/xenstore.c" by the harnesses that compile it
 * (tests/unit/test_xenstore.c, tests/fuzz/fuzz_xenstore.c), because it
 * resets that file's static state, so every case or input starts from a
 * client that has never run.
 */
#ifndef SIM_XS_CLIENT_H
#define SIM_XS_CLIENT_H

#include "sim_sched.h"
#include "sim_xenstored.h"

/* Fresh threads, a fresh xenstored, a client that never ran, then xs_init(). */
static int sim_xs_start(void)
{
	sim_sched_init();
	sim_xsd_setup();
	ring = NULL;
	memset(&stats, 0, sizeof(stats));
	list_init(&pending);
	list_init(&events);
	list_init(&watches);
	waitq_init(&ring_wq);
	waitq_init(&reply_wq);
	waitq_init(&event_wq);
	mutex_init(&writer);
	next_req_id = 1;
	return xs_init();
}

/* Ends the reader cleanly, frees the watch events nobody ran, ends the threads. */
static void sim_xs_end(void)
{
	sim_xsd_end_reader();
	struct list_node *n;
	while ((n = list_pop_front(&events)) != NULL) {
		struct xs_event *e = list_entry(n, struct xs_event, link);
		free(e->body);
		free(e);
	}
	sim_sched_reset();
}

#endif
