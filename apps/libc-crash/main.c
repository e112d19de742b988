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
 *   enosys     unimplemented system calls: -1/ENOSYS each, then exit 0
 *   nomem      mmap far beyond memory: MAP_FAILED/ENOMEM, then exit 0
 *   handler    a SIGUSR1 handler run by raise(), then exit 0
 *   raw        raw `syscall` instructions, as code that bypasses libc makes
 *              them (KVM and PVH; on Xen PV they are hypercalls): exit 0
 *              when each returned what Linux would and kept the registers
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

/*
 * Unimplemented system calls, by every way in: syscall() (musl's
 * __syscall6), a wrapper with fewer arguments (sethostname: __syscall2), a
 * number x86-64 leaves unused (400), one past the table and a negative one.
 */
static int enosys(void)
{
	static const long numbers[] = { 400, 100000, -1 };
	int bad = 0;
	long r = syscall(SYS_kexec_load, 0, 0, 0, 0);
	printf("kexec_load: %ld errno %s\n", r, strerror(errno));
	bad |= r != -1 || errno != ENOSYS;
	r = sethostname("ember", 5);
	printf("sethostname: %ld errno %s\n", r, strerror(errno));
	bad |= r != -1 || errno != ENOSYS;
	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		r = syscall(numbers[i]);
		printf("syscall %ld: %ld errno %s\n", numbers[i], r, strerror(errno));
		bad |= r != -1 || errno != ENOSYS;
	}
	return bad;
}

/*
 * The instruction with Linux's convention: number in rax, arguments in rdi,
 * rsi, rdx, r10, r8, r9; rcx and r11 clobbered, everything else kept. The
 * six argument registers are checked afterwards (a getpid ignores them).
 */
static long raw_syscall(long n, long a1, long a2, long a3, long a4, long a5, long a6, int *kept)
{
	register long r10 __asm__("r10") = a4, r8 __asm__("r8") = a5, r9 __asm__("r9") = a6;
	long rdi = a1, rsi = a2, rdx = a3;
	__asm__ volatile("syscall"
			 : "+a"(n), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
			 :
			 : "rcx", "r11", "memory");
	*kept = rdi == a1 && rsi == a2 && rdx == a3 && r10 == a4 && r8 == a5 && r9 == a6;
	return n;
}

static int raw(void)
{
	static const char msg[] = "raw: written by a syscall instruction\n";
	int kept, bad = 0;
	long r = raw_syscall(SYS_getpid, 11, 22, 33, 44, 55, 66, &kept);
	printf("raw getpid: %ld, registers %s\n", r, kept ? "kept" : "changed");
	bad |= r != getpid() || !kept;
	r = raw_syscall(SYS_write, 1, (long)msg, sizeof(msg) - 1, 0, 0, 0, &kept);
	bad |= r != (long)sizeof(msg) - 1 || !kept;
	r = raw_syscall(400, 1, 2, 3, 4, 5, 6, &kept);
	printf("raw syscall 400: %ld\n", r);
	bad |= r != -ENOSYS || !kept;
	printf("raw: %s\n", bad ? "FAILED" : "ok");
	return bad;
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
	if (!strcmp(c, "raw"))
		return raw();
	if (!strcmp(c, "enosys"))
		return enosys();
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
