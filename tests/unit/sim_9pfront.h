/* SPDX-License-Identifier: MIT */
/*
 * A simulated world for the real Xen 9pfs data path (xen/9pfront.c and
 * xen/xring.c, compiled for the host): the kernel services it calls
 * (waitqs, the clock, event channels, printk) and a backend on the other
 * side of the rings, honest or hostile, run by the test one step at a time.
 *
 * There is one thread. A request blocks in waitq_wait(), which is where the
 * backend runs: it consumes what "out" holds, answers into "in" (an echo of
 * each request under its tag, unless the test scripted otherwise) and the
 * event handler runs, as an event channel upcall would. A wait in which the
 * backend made no progress ends at its deadline, on a simulated clock, so
 * a test of a 60 s timeout takes microseconds.
 *
 * Used by tests/unit/test_9pfront.c and tests/fuzz/fuzz_9pfront.c.
 */
#ifndef SIM_9PFRONT_H
#define SIM_9PFRONT_H

#include <stdbool.h>
#include <stdint.h>
#include "9pfront.h"

/* What the backend does with the next request it takes. */
enum sim_reply {
	SIM_ECHO,      /* an honest reply: type+1, same tag, the request's body */
	SIM_SILENT,    /* takes the request, never answers */
	SIM_NO_CONSUME /* leaves "out" untouched */
};

struct sim {
	struct p9front f;
	uint8_t *in_buf, *out_buf; /* each its own heap block of ring_size bytes (ASan) */
	/* the backend's private state */
	uint32_t be_out_cons, be_in_prod;
	enum sim_reply mode;
	int32_t reply_extra; /* bytes added to (or taken from) each reply's size */
	int tag_delta;	     /* added to each reply's tag */
	uint32_t claim_size; /* when set, the size each reply's header claims */
	/* rewrites applied to the shared page after the frontend's next read of a backend index */
	bool rewrite_out_cons, rewrite_in_prod;
	uint32_t out_cons_value, in_prod_value;
	/* counters */
	unsigned loads_out_cons, loads_in_prod; /* frontend reads of the backend's indexes */
	unsigned notifications;			/* evtchn_send() calls */
	unsigned printks;
	char last_printk[256];
};

extern struct sim sim;
extern uint64_t sim_now_ns;

/* A connected frontend over fresh rings of 2^@order pages per direction. */
void sim_setup(unsigned order);
void sim_teardown(void);

/* One backend pass: consumes and answers what it can. True if anything moved. */
bool sim_backend_step(void);

/*
 * Sends a request of type @type, tag @tag and @body_len body bytes (a
 * pattern), with a reply buffer of @in_len bytes (an exact heap block), and
 * returns the transport's result; *@received gets the bytes of reply, and
 * the reply is checked against the echo when @check is set.
 */
int sim_request(uint8_t type, uint16_t tag, uint32_t body_len, uint32_t in_len, uint32_t *received,
		bool check);

#endif
