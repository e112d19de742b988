// SPDX-License-Identifier: MIT
/*
 * crashtest: misbehaves on request, so the host can check that every kind of
 * failure gives a clear message and its own exit status.
 *
 *   crashtest exit N | ud2 | pagefault | divzero | stackoverflow | panic |
 *             doublefree | triple | hang | spin
 */
#include <ember/arch.h>
#include <ember/heap.h>
#include <ember/panic.h>
#include <ember/param.h>
#include <ember/printk.h>
#include <ember/sched.h>
#include <ember/string.h>
#include <ember/time.h>

static volatile int zero;
static volatile uintptr_t null_page_address = 0x18;

static __attribute__((noinline)) int recurse(int depth)
{
	volatile char pad[512];
	pad[0] = (char)depth;
	if (depth < 0) /* never: keeps the compiler from calling this infinite */
		return 0;
	return recurse(depth + 1) + pad[0];
}

static __attribute__((noinline)) void do_ud2(void)
{
	__asm__ volatile("ud2");
}

static int run(const char *what, const char *arg)
{
	if (!strcmp(what, "exit")) {
		unsigned long n = 0;
		param_parse_uint(arg ? arg : "0", &n);
		return (int)n;
	}
	if (!strcmp(what, "ud2"))
		do_ud2();
	if (!strcmp(what, "pagefault"))
		*(volatile int *)null_page_address = 1;
	if (!strcmp(what, "divzero")) {
		int q = 1, d = zero; /* asm: C's 1/x may be folded into compares */
		__asm__ volatile("cltd; idivl %2" : "+a"(q) : "d"(0), "r"(d));
		return q;
	}
	if (!strcmp(what, "stackoverflow"))
		return recurse(0);
	if (!strcmp(what, "panic"))
		panic("crashtest asked for a panic");
	if (!strcmp(what, "doublefree")) {
		void *p = malloc(32);
		free(p);
		free(p);
	}
	if (!strcmp(what, "triple"))
		arch_triple_fault();
	if (!strcmp(what, "hang"))
		for (;;)
			thread_sleep_ns(NSEC_PER_SEC);
	if (!strcmp(what, "spin"))
		for (;;)
			;
	printk("crashtest: unknown request '%s'\n", what);
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		printk("usage: crashtest exit N|ud2|pagefault|divzero|stackoverflow|panic|"
		       "doublefree|triple|hang|spin\n");
		return 2;
	}
	printk("crashtest: %s\n", argv[1]);
	return run(argv[1], argc > 2 ? argv[2] : NULL);
}
