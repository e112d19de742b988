// SPDX-License-Identifier: MIT
/*
 * Signals, as far as one process without other processes has them: the
 * handlers, mask and alternate stack are recorded; a signal sent to the
 * process itself (kill, tkill, tgkill: raise() and abort()) is delivered at
 * once, on the sending thread, by calling its handler; with no handler its
 * default action applies: ignored for SIGCHLD, SIGURG, SIGWINCH and
 * SIGCONT, otherwise the guest ends with EMBER_EXIT_SIGNAL after a line
 * naming the signal and a backtrace of the sender (abort() and a failed
 * assert() end there). Signals are never asynchronous here, so a blocked
 * signal simply stays pending: musl blocks signals around its raise() and
 * unblocks them right after, which then delivers it.
 */
#include <ember/errno.h>
#include <ember/exit.h>
#include <ember/panic.h>
#include <ember/printk.h>
#include <ember/sched.h>
#include <ember/string.h>
#include <ember/syscall.h>

#include "libc_glue.h"

#define NSIG	    65
#define SIG_DFL	    0ul
#define SIG_IGN	    1ul
#define SA_SIGINFO  4
#define SIG_BLOCK   0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2

struct k_sigaction {
	unsigned long handler;
	unsigned long flags;
	unsigned long restorer;
	uint64_t mask;
};

struct k_siginfo {
	int si_signo, si_errno, si_code, pad;
	int si_pid, si_uid;
	char rest[128 - 24];
};

static struct k_sigaction actions[NSIG];
static uint64_t blocked, pending;

static const char *const names[] = {
	[1] = "SIGHUP",	  [2] = "SIGINT",   [3] = "SIGQUIT",  [4] = "SIGILL",	[5] = "SIGTRAP",
	[6] = "SIGABRT",  [7] = "SIGBUS",   [8] = "SIGFPE",   [9] = "SIGKILL",	[10] = "SIGUSR1",
	[11] = "SIGSEGV", [12] = "SIGUSR2", [13] = "SIGPIPE", [14] = "SIGALRM", [15] = "SIGTERM",
};

static bool ignored_by_default(int sig)
{
	return sig == 17 || sig == 18 || sig == 23 || sig == 28; /* CHLD CONT URG WINCH */
}

static void deliver(int sig)
{
	struct k_sigaction *a = &actions[sig];
	if (a->handler == SIG_IGN || (a->handler == SIG_DFL && ignored_by_default(sig)))
		return;
	if (a->handler == SIG_DFL || sig == 9) {
		printk("libc: killed by signal %d (%s)\n", sig,
		       sig < (int)(sizeof(names) / sizeof(names[0])) && names[sig] ? names[sig]
										   : "?");
		backtrace_print(0, (uintptr_t)__builtin_frame_address(0));
		libc_mem_write_back_all();
		kernel_exit(EMBER_EXIT_SIGNAL);
	}
	uint64_t saved = blocked;
	blocked |= a->mask | (1ull << (sig - 1));
	if (a->flags & SA_SIGINFO) {
		struct k_siginfo info = { .si_signo = sig,
					  .si_code = 0 /* SI_USER */,
					  .si_pid = 1 };
		((void (*)(int, void *, void *))a->handler)(sig, &info, NULL);
	} else {
		((void (*)(int))a->handler)(sig);
	}
	blocked = saved;
}

static void deliver_pending(void)
{
	for (int sig = 1; sig < NSIG; sig++) {
		uint64_t bit = 1ull << (sig - 1);
		if ((pending & bit) && !(blocked & bit)) {
			pending &= ~bit;
			deliver(sig);
		}
	}
}

static long send(int sig)
{
	if (sig < 0 || sig >= NSIG)
		return -EINVAL;
	if (sig == 0)
		return 0;
	pending |= 1ull << (sig - 1);
	deliver_pending();
	return 0;
}

void libc_signal_self(int sig)
{
	send(sig);
}

SYSCALL4(rt_sigaction, int, sig, const struct k_sigaction *, act, struct k_sigaction *, old, size_t,
	 setsize)
{
	if (sig < 1 || sig >= NSIG || setsize != 8)
		return -EINVAL;
	if (act && (sig == 9 || sig == 19)) /* SIGKILL, SIGSTOP */
		return -EINVAL;
	if (old)
		*old = actions[sig];
	if (act)
		actions[sig] = *act;
	return 0;
}

SYSCALL4(rt_sigprocmask, int, how, const uint64_t *, set, uint64_t *, old, size_t, setsize)
{
	if (setsize != 8)
		return -EINVAL;
	if (old)
		*old = blocked;
	if (set) {
		uint64_t s = *set & ~((1ull << 8) | (1ull << 18)); /* SIGKILL, SIGSTOP */
		if (how == SIG_BLOCK)
			blocked |= s;
		else if (how == SIG_UNBLOCK)
			blocked &= ~s;
		else if (how == SIG_SETMASK)
			blocked = s;
		else
			return -EINVAL;
		deliver_pending();
	}
	return 0;
}

struct k_stack {
	void *sp;
	int flags;
	size_t size;
};

static struct k_stack altstack = { .flags = 2 /* SS_DISABLE */ };

SYSCALL2(sigaltstack, const struct k_stack *, ss, struct k_stack *, old)
{
	if (old)
		*old = altstack;
	if (ss)
		altstack = *ss;
	return 0;
}

static bool is_us(int pid)
{
	return pid == 1 || pid == 0 || pid == -1;
}

SYSCALL2(kill, int, pid, int, sig)
{
	return is_us(pid) ? send(sig) : -ESRCH;
}

SYSCALL2(tkill, int, tid, int, sig)
{
	(void)tid; /* every thread shares the handlers; deliver on the sender */
	return send(sig);
}

SYSCALL3(tgkill, int, tgid, int, tid, int, sig)
{
	(void)tid;
	return is_us(tgid) ? send(sig) : -ESRCH;
}

SYSCALL0(rt_sigreturn)
{
	return -ENOSYS; /* handlers are called and return normally: no signal frames */
}
