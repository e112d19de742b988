/* SPDX-License-Identifier: MIT */
/*
 * Ember's cooperative threads, waitqs and mutexes for host harnesses that
 * compile threaded kernel code (xen/xenstore.c) unchanged.
 *
 * Each kernel thread is a pthread, but only the one holding the baton runs,
 * as on Ember's single vCPU: a thread runs until it blocks in waitq_wait()
 * (or yields, or returns), then the next runnable thread, round robin, gets
 * the baton. Time is simulated: when every thread is blocked, the clock
 * jumps to the earliest deadline and that waiter times out. So a run is
 * deterministic, a 30 s timeout costs nothing, and ASan sees ordinary code.
 * The harness's main thread is thread 0 and must be the one to finish; if
 * it is blocked with nothing runnable and no deadline, the run has
 * deadlocked and sim_sched aborts with a message.
 */
#ifndef SIM_SCHED_H
#define SIM_SCHED_H

#include <stdint.h>

extern uint64_t sim_now_ns;

/* Makes the calling (main) thread thread 0; later calls are sim_sched_reset(). */
void sim_sched_init(void);

/*
 * Ends every thread but the main one where it is parked (it never runs
 * again; what it allocated is its own business), so a harness can start
 * over: a fuzzer's next input, a test's next case.
 */
void sim_sched_reset(void);

/* Threads created and not yet returned (thread 0 included). */
unsigned sim_sched_live(void);

#endif
