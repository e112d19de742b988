/* SPDX-License-Identifier: MIT */
/*
 * A simulated xenstored on the other side of the real xen/xenstore.c's
 * rings, for host harnesses (tests/unit/test_xenstore.c,
 * tests/fuzz/fuzz_xenstore.c), on the cooperative threads of sim_sched.h.
 *
 * It runs when the client notifies the store event channel: it takes every
 * complete request off the request ring, answers each into the response
 * ring as far as there is room (the rest when notified again), and raises
 * the event (the handler the client bound runs, as an upcall would).
 * Honest answers: XS_READ of a path gives "v:<path>" (a path starting with
 * "missing" gives ENOENT), XS_DIRECTORY "a", "bb", "ccc", XS_TRANSACTION_START
 * "7", the rest "OK", and XS_WATCH fires the watch once. The knobs make it
 * hostile, per request or from then on.
 */
#ifndef SIM_XENSTORED_H
#define SIM_XENSTORED_H

#include <stdbool.h>
#include <stdint.h>
#include <ember/xen/xen.h>

struct sim_xsd {
	struct xenstore_domain_interface page;
	evtchn_handler_fn handler;
	void *handler_data;
	uint32_t req_cons, rsp_prod; /* xenstored's own indexes */
	/* knobs */
	bool silent;		/* takes requests, answers none */
	bool stopped;		/* takes nothing */
	int32_t req_id_delta;	/* added to each reply's req_id */
	int32_t type_override;	/* >= 0: each reply's type */
	int64_t len_override;	/* >= 0: each reply header's len (the bytes sent stay true) */
	uint32_t rsp_prod_jump; /* added to every rsp_prod published */
	uint32_t req_cons_jump; /* added to every req_cons published */
	unsigned extra_events;	/* watch events sent with each answer */
	/* counters */
	unsigned requests, answered, notifications;
	unsigned loads_req_cons, loads_rsp_prod; /* the client's reads of our indexes */
};

extern struct sim_xsd sim_xsd;

/* A fresh page and xenstored, wired to xen_boot.store. */
void sim_xsd_setup(void);

/* One xenstored pass (what a notification triggers). */
void sim_xsd_run(void);

/*
 * Ends the client's reader thread the way a broken xenstored would (an
 * impossible response index), so it frees what it holds before the
 * harness resets the threads.
 */
void sim_xsd_end_reader(void);

#endif
