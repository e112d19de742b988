// SPDX-License-Identifier: MIT
/*
 * Threads for musl's pthreads: clone, futex, the thread pointer, exit.
 *
 * An application thread is a kernel thread (kernel/sched.c) running on the
 * stack musl allocated for it, with a struct libc_thread as its app data:
 * its tid (the kernel thread id: the main thread, created first, is 1 =
 * getpid()), its clear-child-tid word, its saved registers for the start.
 * clone() accepts exactly the thread-creating flag set musl uses (the
 * address space, files and handlers are shared: there is one process);
 * anything asking for a new process is -ENOSYS.
 *
 * futex: waiters are kept per address in a small hash of lists, each
 * waiter blocking on its own wait queue, so a wake touches only waiters of
 * that word. The value check and the enqueue happen with interrupts off,
 * which on this single-CPU kernel is what makes WAIT atomic against WAKE.
 */
#include <ember/arch.h>
#include <ember/errno.h>
#include <ember/heap.h>
#include <ember/list.h>
#include <ember/printk.h>
#include <ember/sched.h>
#include <ember/string.h>
#include <ember/syscall.h>
#include <ember/time.h>
#include <ember/vfs.h> /* struct timespec */

#include "libc_glue.h"

#define CLONE_VM	     0x00000100
#define CLONE_FS	     0x00000200
#define CLONE_FILES	     0x00000400
#define CLONE_SIGHAND	     0x00000800
#define CLONE_THREAD	     0x00010000
#define CLONE_SYSVSEM	     0x00040000
#define CLONE_SETTLS	     0x00080000
#define CLONE_PARENT_SETTID  0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_DETACHED	     0x00400000
#define CLONE_REQUIRED	     (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD)
#define CLONE_OPTIONAL \
	(CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_DETACHED)
#define CLONE_CHILD_STACK_RESERVE 256 /* below the child's stack: its first C frames */

#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003

/* What __ember_clone_raw (arch/x86_64/entry.S) saved, lowest address first. */
struct libc_regs {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rdi, rsi, rdx, rcx, rbx, rax, rbp, rip;
};

struct libc_thread {
	struct thread *kt;
	int tid;
	int *clear_child_tid;
	struct libc_regs start;
	uintptr_t start_sp, tls;
};

void libc_regs_resume(const struct libc_regs *r, uintptr_t rip, uintptr_t rsp) __noreturn;

static struct libc_thread *self(void)
{
	return thread_app_data(thread_current());
}

/* The calling thread's state, made on first use (the main thread). */
static struct libc_thread *self_or_new(void)
{
	struct libc_thread *t = self();
	if (t)
		return t;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->kt = thread_current();
	t->tid = (int)thread_id(t->kt);
	thread_set_app_data(t->kt, t);
	return t;
}

int libc_thread_init_main(void)
{
	struct libc_thread *t = self_or_new();
	if (!t)
		return -ENOMEM;
	return arch_context_fpu_init(thread_arch_context(t->kt));
}

/* ---- the thread pointer ---- */

SYSCALL2(arch_prctl, int, code, uintptr_t, addr)
{
	struct arch_context *ctx = thread_arch_context(thread_current());
	switch (code) {
	case ARCH_SET_FS: arch_context_set_tls(ctx, addr); return 0;
	case ARCH_GET_FS: *(uintptr_t *)addr = ctx->tls_base; return 0;
	default: return -EINVAL;
	}
}

SYSCALL1(set_tid_address, int *, tidptr)
{
	struct libc_thread *t = self_or_new();
	if (!t)
		return -ENOMEM;
	t->clear_child_tid = tidptr;
	return t->tid;
}

SYSCALL0(gettid)
{
	return (long)thread_id(thread_current());
}

SYSCALL2(set_robust_list, void *, head, size_t, len)
{
	(void)head;
	return len == 3 * sizeof(long) ? 0 : -EINVAL; /* one process: nobody to clean up for */
}

SYSCALL0(sched_yield)
{
	thread_yield();
	return 0;
}

SYSCALL3(sched_getaffinity, int, pid, size_t, len, uint8_t *, mask)
{
	if (pid != 0 && pid != 1 && pid != (int)thread_id(thread_current()))
		return -ESRCH;
	if (len < sizeof(long))
		return -EINVAL;
	memset(mask, 0, sizeof(long));
	mask[0] = 1; /* one CPU */
	return sizeof(long);
}

/* ---- futex ---- */

#define FUTEX_WAIT	       0
#define FUTEX_WAKE	       1
#define FUTEX_REQUEUE	       3
#define FUTEX_CMP_REQUEUE      4
#define FUTEX_WAIT_BITSET      9
#define FUTEX_WAKE_BITSET      10
#define FUTEX_PRIVATE_FLAG     128
#define FUTEX_CLOCK_REALTIME   256
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu
#define FUTEX_BUCKETS	       64

struct futex_waiter {
	struct list_node link;
	const uint32_t *addr;
	uint32_t bitset;
	bool woken;
	struct waitq wq;
};

static struct list_node buckets[FUTEX_BUCKETS];

static struct list_node *bucket(const uint32_t *addr)
{
	struct list_node *b = &buckets[((uintptr_t)addr >> 2) * 0x9e3779b1u % FUTEX_BUCKETS];
	if (!b->next)
		list_init(b);
	return b;
}

static int futex_wait(const uint32_t *addr, uint32_t val, uint64_t deadline, uint32_t bitset)
{
	if (!bitset)
		return -EINVAL;
	struct futex_waiter w = { .addr = addr, .bitset = bitset };
	waitq_init(&w.wq);
	unsigned long flags = arch_irq_save();
	if (READ_ONCE(*addr) != val) {
		arch_irq_restore(flags);
		return -EAGAIN;
	}
	list_push_back(bucket(addr), &w.link);
	int err = 0;
	while (!w.woken && !err)
		err = waitq_wait(&w.wq, deadline) == -ETIMEDOUT ? -ETIMEDOUT : 0;
	if (!w.woken)
		list_remove(&w.link);
	arch_irq_restore(flags);
	return w.woken ? 0 : err;
}

/* Wakes up to @n waiters on @addr whose bitset meets @bitset. Interrupts are off. */
static int wake_locked(const uint32_t *addr, int n, uint32_t bitset)
{
	int woken = 0;
	struct list_node *b = bucket(addr);
	for (struct list_node *it = b->next, *next; it != b && woken < n; it = next) {
		next = it->next;
		struct futex_waiter *w = list_entry(it, struct futex_waiter, link);
		if (w->addr != addr || !(w->bitset & bitset))
			continue;
		list_remove(&w->link);
		w->woken = true;
		waitq_wake_one(&w->wq);
		woken++;
	}
	return woken;
}

static int futex_wake(const uint32_t *addr, int n, uint32_t bitset)
{
	if (!bitset)
		return -EINVAL;
	unsigned long flags = arch_irq_save();
	int woken = wake_locked(addr, n, bitset);
	arch_irq_restore(flags);
	return woken;
}

/* Wakes @n waiters of @from, moves up to @move of the rest to @to. */
static int futex_requeue(const uint32_t *from, int n, int move, const uint32_t *to,
			 const uint32_t *cmp)
{
	unsigned long flags = arch_irq_save();
	if (cmp && READ_ONCE(*from) != *cmp) {
		arch_irq_restore(flags);
		return -EAGAIN;
	}
	int done = wake_locked(from, n, FUTEX_BITSET_MATCH_ANY);
	struct list_node *b = bucket(from);
	for (struct list_node *it = b->next, *next; it != b && move > 0; it = next) {
		next = it->next;
		struct futex_waiter *w = list_entry(it, struct futex_waiter, link);
		if (w->addr != from)
			continue;
		list_remove(&w->link);
		w->addr = to;
		list_push_back(bucket(to), &w->link);
		move--;
		done++;
	}
	arch_irq_restore(flags);
	return done;
}

/* A deadline from a futex timeout: relative for WAIT, absolute for WAIT_BITSET. */
static int futex_deadline(const struct timespec *ts, bool absolute, bool realtime,
			  uint64_t *deadline)
{
	*deadline = 0;
	if (!ts)
		return 0;
	if (ts->tv_sec < 0 || (uint64_t)ts->tv_nsec >= NSEC_PER_SEC)
		return -EINVAL;
	uint64_t ns = (uint64_t)ts->tv_sec * NSEC_PER_SEC + (uint64_t)ts->tv_nsec;
	if (absolute) {
		uint64_t now = time_now_ns(), base = realtime ? libc_realtime_offset_ns() : 0;
		ns = ns > base ? ns - base : 0;
		*deadline = ns > now ? ns : now;
	} else {
		*deadline = time_now_ns() + ns;
	}
	if (!*deadline)
		*deadline = 1; /* 0 would mean "forever" */
	return 0;
}

SYSCALL6(futex, uint32_t *, addr, int, op, uint32_t, val, const struct timespec *, ts, uint32_t *,
	 addr2, uint32_t, val3)
{
	int cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
	bool realtime = op & FUTEX_CLOCK_REALTIME;
	uint64_t deadline;
	int err;
	switch (cmd) {
	case FUTEX_WAIT:
		err = futex_deadline(ts, false, false, &deadline);
		return err ?: futex_wait(addr, val, deadline, FUTEX_BITSET_MATCH_ANY);
	case FUTEX_WAIT_BITSET:
		err = futex_deadline(ts, true, realtime, &deadline);
		return err ?: futex_wait(addr, val, deadline, val3);
	case FUTEX_WAKE: return futex_wake(addr, (int)val, FUTEX_BITSET_MATCH_ANY);
	case FUTEX_WAKE_BITSET: return futex_wake(addr, (int)val, val3);
	case FUTEX_REQUEUE: return futex_requeue(addr, (int)val, (int)(uintptr_t)ts, addr2, NULL);
	case FUTEX_CMP_REQUEUE:
		return futex_requeue(addr, (int)val, (int)(uintptr_t)ts, addr2, &val3);
	default: return -ENOSYS;
	}
}

/* ---- clone and exit ---- */

static int child_start(void *arg)
{
	struct libc_thread *t = arg;
	libc_regs_resume(&t->start, t->start.rip, t->start_sp);
}

static struct libc_thread *pending_child; /* the thread child_setup() prepares */

static int child_setup(struct thread *kt)
{
	struct libc_thread *t = pending_child;
	t->kt = kt;
	thread_set_app_data(kt, t);
	struct arch_context *ctx = thread_arch_context(kt);
	ctx->tls_base = t->tls;
	return arch_context_fpu_init(ctx);
}

static long clone_thread(struct libc_regs *r);

/* From __ember_clone_raw: a system call too (not preemptible). */
long libc_clone(struct libc_regs *r)
{
	sched_kernel_depth++;
	long ret = clone_thread(r);
	sched_kernel_depth--;
	sched_syscall_exit();
	return ret;
}

static long clone_thread(struct libc_regs *r)
{
	unsigned long flags = r->rdi;
	uintptr_t sp = r->rsi;
	int *ptid = (int *)r->rdx, *ctid = (int *)r->r10;
	if ((flags & CLONE_REQUIRED) != CLONE_REQUIRED ||
	    (flags & ~(CLONE_REQUIRED | CLONE_OPTIONAL)))
		return -ENOSYS; /* new processes: there is only one */
	if (!sp || sp % 8)
		return -EINVAL;
	struct libc_thread *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->start = *r;
	t->start_sp = sp;
	t->tls = flags & CLONE_SETTLS ? r->r8 : thread_arch_context(thread_current())->tls_base;
	t->clear_child_tid = flags & CLONE_CHILD_CLEARTID ? ctid : NULL;
	uintptr_t map_lo, usable_lo, hi;
	if (libc_mem_region(sp - 1, &map_lo, &usable_lo, &hi))
		map_lo = usable_lo = sp - CLONE_CHILD_STACK_RESERVE; /* not ours: bounds unknown */
	unsigned long irq = arch_irq_save(); /* child_setup() reads pending_child */
	pending_child = t;
	struct thread *kt = thread_create_on_stack("pthread", child_start, t, map_lo, usable_lo,
						   sp - CLONE_CHILD_STACK_RESERVE, child_setup);
	pending_child = NULL;
	if (kt) {
		t->tid = (int)thread_id(kt);
		thread_detach(kt);
		if (flags & CLONE_PARENT_SETTID)
			*ptid = t->tid;
	}
	arch_irq_restore(irq);
	if (!kt) {
		free(t);
		return -ENOMEM;
	}
	return t->tid;
}

/* Ends the calling thread: clears and wakes its clear-child-tid word (pthread_join waits on it). */
static __noreturn void thread_end(int status)
{
	arch_irq_disable(); /* nothing runs between the wake and the switch away */
	struct libc_thread *t = self();
	if (t && t->clear_child_tid) {
		*t->clear_child_tid = 0;
		wake_locked((uint32_t *)t->clear_child_tid, 1, FUTEX_BITSET_MATCH_ANY);
	}
	if (t) {
		thread_set_app_data(t->kt, NULL);
		free(t);
	}
	thread_exit(status);
}

SYSCALL1(exit, int, status)
{
	thread_end(status);
}

/*
 * musl's __unmapself(base, size): a detached thread frees the stack it runs
 * on, then exits. The stack stays mapped until the thread is off it: it is
 * queued for the next munmap sweep (libc_mem_unmap_later()).
 */
__noreturn void __ember_unmapself(void *base, size_t size)
{
	sched_kernel_depth++;
	libc_mem_unmap_later(base, size);
	thread_end(0);
}
