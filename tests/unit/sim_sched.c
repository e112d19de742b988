// SPDX-License-Identifier: MIT
/*
 * Cooperative kernel threads on pthreads with a baton (see sim_sched.h).
 * Invariant: exactly one sim thread is "current" and only it runs kernel
 * code; every other one is parked on its own condition variable.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ember/errno.h>
#include <ember/sched.h>
#include "sim_sched.h"

#define SIM_MAX_THREADS 16

struct thread {
	pthread_t pt;
	pthread_cond_t cv;
	thread_fn fn;
	void *arg;
	char name[32];
	bool runnable, finished, woken, exiting;
	struct waitq *on;      /* the waitq it blocks on, or NULL */
	struct list_node link; /* on ->on's waiters */
	uint64_t deadline;     /* 0: none */
};

static pthread_mutex_t baton = PTHREAD_MUTEX_INITIALIZER;
static struct thread threads[SIM_MAX_THREADS];
static unsigned nthreads;
static struct thread *current;
uint64_t sim_now_ns = 1;

uint64_t plat_monotonic_ns(void)
{
	return sim_now_ns;
}

void sim_sched_init(void)
{
	static bool once;
	if (once) {
		sim_sched_reset();
		return;
	}
	once = true;
	memset(threads, 0, sizeof(threads));
	nthreads = 1;
	current = &threads[0];
	pthread_cond_init(&threads[0].cv, NULL);
	snprintf(threads[0].name, sizeof(threads[0].name), "main");
	threads[0].runnable = true;
	pthread_mutex_lock(&baton);
}

unsigned sim_sched_live(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < nthreads; i++)
		n += !threads[i].finished;
	return n;
}

/* The next thread to run after @self: round robin, else the earliest deadline. */
static struct thread *pick(struct thread *self)
{
	unsigned me = (unsigned)(self - threads);
	for (unsigned k = 1; k <= nthreads; k++) {
		struct thread *t = &threads[(me + k) % nthreads];
		if (t->runnable && !t->finished)
			return t;
	}
	struct thread *best = NULL;
	for (unsigned i = 0; i < nthreads; i++) {
		struct thread *t = &threads[i];
		if (!t->finished && t->on && t->deadline && (!best || t->deadline < best->deadline))
			best = t;
	}
	if (!best) {
		fprintf(stderr, "sim_sched: deadlock: every thread waits with no deadline\n");
		abort();
	}
	if (best->deadline > sim_now_ns)
		sim_now_ns = best->deadline;
	list_remove(&best->link);
	best->on = NULL;
	best->runnable = true;
	best->woken = false;
	return best;
}

/* Parks @self until it is current again; a thread sim_sched_reset() ends exits here. */
static void park(struct thread *self)
{
	while (current != self)
		pthread_cond_wait(&self->cv, &baton);
	if (self->exiting) {
		self->finished = true;
		current = &threads[0];
		pthread_cond_signal(&threads[0].cv);
		pthread_mutex_unlock(&baton);
		pthread_exit(NULL);
	}
}

/* Hands the baton on and parks @self until it is current again. */
static void switch_from(struct thread *self)
{
	struct thread *next = pick(self);
	current = next;
	if (next == self)
		return;
	pthread_cond_signal(&next->cv);
	if (!self->finished)
		park(self);
}

void sim_sched_reset(void)
{
	for (unsigned i = 1; i < nthreads; i++) {
		struct thread *t = &threads[i];
		if (t->finished)
			continue;
		if (t->on)
			list_remove(&t->link);
		t->on = NULL;
		t->exiting = true;
		current = t;
		pthread_cond_signal(&t->cv);
		while (current != &threads[0] || !t->finished)
			pthread_cond_wait(&threads[0].cv, &baton);
	}
	for (unsigned i = 1; i < nthreads; i++)
		pthread_cond_destroy(&threads[i].cv);
	nthreads = 1;
	current = &threads[0];
	threads[0].runnable = true;
}

static void *trampoline(void *arg)
{
	struct thread *t = arg;
	pthread_mutex_lock(&baton);
	park(t);
	t->fn(t->arg);
	t->finished = true;
	switch_from(t);
	pthread_mutex_unlock(&baton);
	return NULL;
}

struct thread *thread_create(const char *name, thread_fn fn, void *arg, size_t stack_size)
{
	(void)stack_size;
	if (nthreads == SIM_MAX_THREADS)
		return NULL;
	struct thread *t = &threads[nthreads++];
	*t = (struct thread){ .fn = fn, .arg = arg, .runnable = true };
	snprintf(t->name, sizeof(t->name), "%s", name);
	pthread_cond_init(&t->cv, NULL);
	if (pthread_create(&t->pt, NULL, trampoline, t))
		abort();
	pthread_detach(t->pt);
	return t;
}

void thread_detach(struct thread *t)
{
	(void)t;
}

void thread_yield(void)
{
	switch_from(current);
}

void waitq_init(struct waitq *wq)
{
	list_init(&wq->waiters);
}

int waitq_wait(struct waitq *wq, uint64_t deadline_ns)
{
	struct thread *self = current;
	self->runnable = false;
	self->on = wq;
	self->deadline = deadline_ns;
	self->woken = false;
	list_push_back(&wq->waiters, &self->link);
	switch_from(self);
	return self->woken ? 0 : -ETIMEDOUT;
}

int waitq_wake_one(struct waitq *wq)
{
	struct list_node *n = list_pop_front(&wq->waiters);
	if (!n)
		return 0;
	struct thread *t = list_entry(n, struct thread, link);
	t->on = NULL;
	t->runnable = true;
	t->woken = true;
	return 1;
}

int waitq_wake_all(struct waitq *wq)
{
	int n = 0;
	while (waitq_wake_one(wq))
		n++;
	return n;
}

void mutex_init(struct mutex *m)
{
	m->locked = false;
	waitq_init(&m->waiters);
}

void mutex_lock(struct mutex *m)
{
	while (m->locked)
		waitq_wait(&m->waiters, 0);
	m->locked = true;
}

void mutex_unlock(struct mutex *m)
{
	m->locked = false;
	waitq_wake_one(&m->waiters);
}
