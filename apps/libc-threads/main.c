// SPDX-License-Identifier: MIT
/*
 * libc-threads: a pthread stress program (ordinary POSIX C; builds and runs
 * unchanged on Linux with `cc -pthread`). Each part checks its own result
 * and prints one line; the exit status is the number of failed parts.
 *   create-join  thousands of threads created and joined in waves, each
 *                with its own __thread value and a thread-specific key
 *                whose destructor must run once per thread
 *   mutex        threads adding to one counter under a mutex
 *   condvar      producers and consumers through a bounded queue
 *   detached     detached threads (they free their own stacks) reporting
 *                through a semaphore
 *   barrier      rounds through a pthread_barrier
 *   timedwait    a condition wait that times out
 *   preempt      main spins on a flag that a sleeping thread sets, and two
 *                threads that never block both make progress: preemption
 *   pipe         4 MiB through a pipe from a writer thread in odd-sized
 *                pieces, then end of file, EPIPE and EAGAIN
 * Usage: libc-threads [threads]   (default 2000)
 */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define WAVE 50

static int failures;

static void report(const char *part, int ok, const char *fmt, long a, long b)
{
	printf("%s %s: ", ok ? "ok" : "FAIL", part);
	printf(fmt, a, b);
	printf("\n");
	failures += !ok;
}

/* ---- create-join: TLS and keys ---- */

static __thread long tls_value = 7;
static pthread_key_t key;
static long destructor_runs;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void key_destructor(void *p)
{
	pthread_mutex_lock(&lock);
	destructor_runs++;
	pthread_mutex_unlock(&lock);
	free(p);
}

static void *tls_worker(void *arg)
{
	long id = (long)(intptr_t)arg;
	if (tls_value != 7)
		return (void *)1; /* every thread starts from the TLS image */
	tls_value = id;
	long *mine = malloc(sizeof(*mine));
	if (!mine)
		return (void *)1;
	*mine = id * 3;
	pthread_setspecific(key, mine);
	sched_yield(); /* let the others run and write their own */
	long *back = pthread_getspecific(key);
	return (void *)(intptr_t)(tls_value != id || !back || *back != id * 3);
}

static void create_join(long n)
{
	pthread_key_create(&key, key_destructor);
	long bad = 0, made = 0;
	for (long base = 0; base < n; base += WAVE) {
		pthread_t t[WAVE];
		long k = n - base < WAVE ? n - base : WAVE;
		for (long i = 0; i < k; i++)
			if (pthread_create(&t[i], NULL, tls_worker, (void *)(intptr_t)(base + i)))
				bad++, k = i;
		for (long i = 0; i < k; i++) {
			void *r;
			pthread_join(t[i], &r);
			bad += r != NULL;
			made++;
		}
	}
	report("create-join", bad == 0 && made == n && destructor_runs == n && tls_value == 7,
	       "%ld threads joined, %ld key destructors", made, destructor_runs);
}

/* ---- mutex ---- */

static long counter;

static void *add_worker(void *arg)
{
	for (long i = 0; i < (long)(intptr_t)arg; i++) {
		pthread_mutex_lock(&lock);
		long v = counter;
		if (i % 64 == 0)
			sched_yield(); /* hold the lock across a switch now and then */
		counter = v + 1;
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

static void mutex_part(void)
{
	pthread_t t[8];
	for (int i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, add_worker, (void *)(intptr_t)5000);
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	report("mutex", counter == 8 * 5000, "counter %ld of %ld", counter, 8L * 5000);
}

/* ---- condvar: a bounded queue ---- */

#define QSIZE 16
#define ITEMS 20000
static long queue[QSIZE];
static int qhead, qlen;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER, not_full = PTHREAD_COND_INITIALIZER;
static long consumed_sum, consumed_count;

static void *producer(void *arg)
{
	long first = (long)(intptr_t)arg;
	for (long i = 0; i < ITEMS / 4; i++) {
		pthread_mutex_lock(&lock);
		while (qlen == QSIZE)
			pthread_cond_wait(&not_full, &lock);
		queue[(qhead + qlen++) % QSIZE] = first + i;
		pthread_cond_signal(&not_empty);
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&lock);
		while (qlen == 0 && consumed_count < ITEMS)
			pthread_cond_wait(&not_empty, &lock);
		if (consumed_count == ITEMS) {
			pthread_cond_broadcast(&not_empty);
			pthread_mutex_unlock(&lock);
			return NULL;
		}
		long v = queue[qhead];
		qhead = (qhead + 1) % QSIZE;
		qlen--;
		consumed_sum += v;
		if (++consumed_count == ITEMS)
			pthread_cond_broadcast(&not_empty);
		pthread_cond_signal(&not_full);
		pthread_mutex_unlock(&lock);
	}
}

static void condvar_part(void)
{
	pthread_t p[4], c[4];
	for (int i = 0; i < 4; i++) {
		pthread_create(&c[i], NULL, consumer, NULL);
		pthread_create(&p[i], NULL, producer, (void *)(intptr_t)(i * (ITEMS / 4)));
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(p[i], NULL);
		pthread_join(c[i], NULL);
	}
	long want = (long)ITEMS * (ITEMS - 1) / 2;
	report("condvar", consumed_count == ITEMS && consumed_sum == want, "%ld items, sum %ld",
	       consumed_count, consumed_sum);
}

/* ---- detached ---- */

/* All exist at once before any runs (the creator does not block): 200 stacks. */
#define DETACHED 200
static sem_t done;

static void *detached_worker(void *arg)
{
	(void)arg;
	sem_post(&done);
	return NULL;
}

static void detached_part(void)
{
	sem_init(&done, 0, 0);
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	long made = 0;
	for (int i = 0; i < DETACHED; i++)
		made += pthread_create(&(pthread_t){ 0 }, &a, detached_worker, NULL) == 0;
	long seen = 0;
	for (long i = 0; i < made; i++)
		seen += sem_wait(&done) == 0;
	report("detached", made == DETACHED && seen == DETACHED, "%ld created, %ld reported", made,
	       seen);
}

/* ---- barrier ---- */

static pthread_barrier_t barrier;
static long rounds_seen[4];

static void *barrier_worker(void *arg)
{
	long me = (long)(intptr_t)arg;
	for (int r = 0; r < 100; r++) {
		rounds_seen[me]++;
		pthread_barrier_wait(&barrier);
	}
	return NULL;
}

static void barrier_part(void)
{
	pthread_barrier_init(&barrier, NULL, 4);
	pthread_t t[4];
	for (long i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, barrier_worker, (void *)(intptr_t)i);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	long sum = rounds_seen[0] + rounds_seen[1] + rounds_seen[2] + rounds_seen[3];
	report("barrier", sum == 400, "%ld of %ld passes", sum, 400L);
}

/* ---- timedwait ---- */

static void timedwait_part(void)
{
	pthread_cond_t never = PTHREAD_COND_INITIALIZER;
	struct timespec t0, t1, until;
	clock_gettime(CLOCK_REALTIME, &t0);
	until = t0;
	until.tv_nsec += 50 * 1000 * 1000;
	if (until.tv_nsec >= 1000000000)
		until.tv_sec++, until.tv_nsec -= 1000000000;
	pthread_mutex_lock(&lock);
	int rc = pthread_cond_timedwait(&never, &lock, &until);
	pthread_mutex_unlock(&lock);
	clock_gettime(CLOCK_REALTIME, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	report("timedwait", rc == ETIMEDOUT && ms >= 50, "rc %ld after %ld ms", rc, ms);
}

/* ---- preempt ---- */

static volatile int flag;
static volatile long spun[2];
static volatile int stop;

static void *setter(void *arg)
{
	(void)arg;
	usleep(20 * 1000);
	flag = 1;
	return NULL;
}

static void *spinner(void *arg)
{
	long me = (long)(intptr_t)arg;
	while (!stop)
		spun[me]++;
	return NULL;
}

static void preempt_part(void)
{
	pthread_t t, s[2];
	pthread_create(&t, NULL, setter, NULL);
	long spins = 0;
	while (!flag)
		spins++;
	pthread_join(t, NULL);
	for (long i = 0; i < 2; i++)
		pthread_create(&s[i], NULL, spinner, (void *)(intptr_t)i);
	usleep(200 * 1000); /* main sleeps; both spinners must share the CPU meanwhile */
	stop = 1;
	for (int i = 0; i < 2; i++)
		pthread_join(s[i], NULL);
	report("preempt", spins > 0 && spun[0] > 0 && spun[1] > 0,
	       "both spinners ran (%ld and %ld loops)", spun[0], spun[1]);
}

/* ---- pipe ---- */

#define PIPE_BYTES (4 << 20)

static unsigned char pattern_at(long i)
{
	return (unsigned char)(i * 7 + (i >> 13));
}

static void *pipe_writer(void *arg)
{
	int fd = (int)(intptr_t)arg;
	static unsigned char chunk[70000];
	long sent = 0;
	for (long size = 1; sent < PIPE_BYTES; size = size * 3 % 69997 + 1) {
		long n = PIPE_BYTES - sent < size ? PIPE_BYTES - sent : size;
		for (long i = 0; i < n; i++)
			chunk[i] = pattern_at(sent + i);
		if (write(fd, chunk, (size_t)n) != n)
			return (void *)1;
		sent += n;
	}
	close(fd);
	return NULL;
}

static void pipe_part(void)
{
	int fds[2];
	if (pipe(fds)) {
		report("pipe", 0, "pipe() failed: errno %ld%ld", errno, 0L);
		return;
	}
	pthread_t t;
	pthread_create(&t, NULL, pipe_writer, (void *)(intptr_t)fds[1]);
	static unsigned char buf[50000];
	long got = 0, bad = 0;
	ssize_t n;
	while ((n = read(fds[0], buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++)
			bad += buf[i] != pattern_at(got + i);
		got += n;
	}
	void *r;
	pthread_join(t, &r);
	close(fds[0]);
	/* a writer without readers gets SIGPIPE, or EPIPE when it ignores that;
	 * an empty non-blocking pipe EAGAIN */
	signal(SIGPIPE, SIG_IGN);
	int p2[2], epipe = 0, eagain = 0;
	if (!pipe2(p2, O_NONBLOCK)) {
		eagain = read(p2[0], buf, 1) < 0 && errno == EAGAIN;
		close(p2[0]);
		epipe = write(p2[1], "x", 1) < 0 && errno == EPIPE;
		close(p2[1]);
	}
	report("pipe", n == 0 && !bad && !r && got == PIPE_BYTES && epipe && eagain,
	       "%ld bytes through, %ld wrong", got, bad);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 2000;
	setvbuf(stdout, NULL, _IOLBF, 0); /* each part's line as it ends */
	create_join(n);
	mutex_part();
	condvar_part();
	detached_part();
	barrier_part();
	timedwait_part();
	preempt_part();
	pipe_part();
	printf("libc-threads: %d part(s) failed\n", failures);
	return failures;
}
