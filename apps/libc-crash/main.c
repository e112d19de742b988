// SPDX-License-Identifier: MIT
/*
 * libc-crash CASE: ordinary C programs ending badly, one per case, so the
 * tests can check that each ends the guest with its own status and a
 * message that says what happened.
 *   exit3      exit(3)
 *   abort      abort()
 *   assert     a failed assert()
 *   segv       a write through a wild pointer
 *   overflow   unbounded recursion in a pthread (hits musl's guard page)
 *   enosys     an unimplemented system call: -1/ENOSYS, then exit 0
 *   nomem      mmap far beyond memory: MAP_FAILED/ENOMEM, then exit 0
 *   handler    a SIGUSR1 handler run by raise(), then exit 0
 *   spin       main computes forever (the Xen test ends it with xl shutdown:
 *              the kernel's shutdown watch must preempt it)
 */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile int sink;

static volatile int depth_limit = 1 << 30; /* never reached: the stack ends first */

static int recurse(int n)
{
	volatile char pad[256];
	pad[0] = (char)n;
	return n < depth_limit ? recurse(n + 1) + pad[0] : 0;
}

static void *overflow_thread(void *arg)
{
	(void)arg;
	sink = recurse(0);
	return NULL;
}

static volatile sig_atomic_t got;

static void on_usr1(int sig)
{
	got = sig;
}

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";
	setvbuf(stdout, NULL, _IONBF, 0);
	if (!strcmp(c, "exit3"))
		exit(3);
	if (!strcmp(c, "abort"))
		abort();
	if (!strcmp(c, "assert"))
		assert(argc == 42 && "the impossible");
	if (!strcmp(c, "segv"))
		*(volatile int *)(uintptr_t)0xdead0000 = 1;
	if (!strcmp(c, "overflow")) {
		pthread_t t;
		pthread_create(&t, NULL, overflow_thread, NULL);
		pthread_join(t, NULL);
	}
	if (!strcmp(c, "enosys")) {
		long r = syscall(SYS_kexec_load, 0, 0, 0, 0);
		printf("kexec_load: %ld errno %s\n", r, strerror(errno));
		return r == -1 && errno == ENOSYS ? 0 : 1;
	}
	if (!strcmp(c, "nomem")) {
		void *p = mmap(NULL, (size_t)1 << 38, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		printf("mmap 256 GiB: %s errno %s\n", p == MAP_FAILED ? "MAP_FAILED" : "mapped",
		       strerror(errno));
		void *q = malloc(1 << 20);
		printf("then malloc 1 MiB: %s\n", q ? "ok" : "failed");
		return p == MAP_FAILED && errno == ENOMEM && q ? 0 : 1;
	}
	if (!strcmp(c, "handler")) {
		signal(SIGUSR1, on_usr1);
		raise(SIGUSR1);
		printf("handler ran for signal %d\n", (int)got);
		return got == SIGUSR1 ? 0 : 1;
	}
	if (!strcmp(c, "spin")) {
		printf("libc-crash: spinning\n");
		for (unsigned long i = 0;; i++)
			sink = (int)i;
	}
	printf("libc-crash: unknown case '%s'\n", c);
	return 2;
}
