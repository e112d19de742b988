/* SPDX-License-Identifier: MIT */
/*
 * Threads and the scheduler.
 *
 * Scheduling is single-CPU. Kernel threads, and all kernel code whoever
 * runs it, are cooperative: a thread in the kernel runs until it yields,
 * sleeps, blocks on a wait queue or exits, so the kernel needs no locks
 * beyond interrupts-off sections against interrupt handlers. Application
 * threads (the C library's: libc-glue) are also preempted, but only while
 * they execute application code: an interrupt that arrives there, when
 * their 10 ms slice is over with another thread waiting, when a sleeper's
 * deadline has passed or when a kernel thread was woken, switches threads
 * on its way out (sched_preempt_point()). A system call is kernel code, so
 * it is never preempted: the kernel's invariants hold exactly as in the
 * cooperative kernel. Interrupt handlers themselves never switch; they may
 * only wake threads (waitq_wake_*). When no thread is runnable the idle thread halts the
 * CPU until the next timer or device interrupt (plat_idle_wait()): it never
 * spins. Every thread stack has an unmapped guard page below it.
 *
 * Ending main() ends the guest, whatever other threads are doing.
 */
#ifndef EMBER_SCHED_H
#define EMBER_SCHED_H

#include <ember/compiler.h>
#include <ember/list.h>

struct thread;

struct waitq {
	struct list_node waiters;
};

#define WAITQ_INIT(name)                  \
	{                                 \
		LIST_INIT((name).waiters) \
	}
#define THREAD_STACK_DEFAULT (64 * 1024)
#define THREAD_NAME_MAX	     24

typedef int (*thread_fn)(void *arg);

/* Sets up the scheduler; the boot context becomes the idle thread. */
void sched_init(void);

/*
 * Creates a runnable thread running @fn(@arg) on a fresh stack of
 * @stack_size bytes (rounded up to a power-of-two number of pages; 0 means
 * THREAD_STACK_DEFAULT) plus a guard page. @name is copied.
 * Returns the thread, or NULL when out of memory.
 */
struct thread *thread_create(const char *name, thread_fn fn, void *arg, size_t stack_size);

/*
 * As thread_create(), on a stack the caller provides and keeps owning
 * ([@stack_lo, @stack_hi), no guard page added; [@guard_lo, @stack_lo) is
 * its guard, named in a fault report, empty if equal): application
 * threads, whose stacks the C library allocates. @setup (if not NULL) runs before the
 * thread can be scheduled (its context and FPU state, say); a nonzero
 * return abandons the thread. Returns the thread, or NULL.
 */
struct thread *thread_create_on_stack(const char *name, thread_fn fn, void *arg, uintptr_t guard_lo,
				      uintptr_t stack_lo, uintptr_t stack_hi,
				      int (*setup)(struct thread *));

/* The CPU context of @t (for its thread pointer and FPU state). */
struct arch_context *thread_arch_context(struct thread *t);

/* One pointer per thread for the C library's own state (libc-glue). */
void *thread_app_data(const struct thread *t);
void thread_set_app_data(struct thread *t, void *data);

/* Ends the calling thread with @status; its joiner receives it. */
__noreturn void thread_exit(int status);

/*
 * Waits until @t has exited, stores its status in *@status (if not NULL) and
 * frees it. Each thread must be joined exactly once (or detached).
 * Returns 0, -EINVAL for joining oneself or a detached thread.
 */
int thread_join(struct thread *t, int *status);

/* Frees @t automatically when it exits; it can no longer be joined. */
void thread_detach(struct thread *t);

/*
 * Called by the architecture on the way out of every interrupt, with
 * interrupts off and @pc the interrupted instruction: switches threads if a
 * preemption is due and @pc is an application thread's application code.
 */
void sched_preempt_point(uintptr_t pc);

/*
 * Nonzero while the running thread is inside a system call (libc-glue
 * counts its entries): never a preemption point then. Switched per thread.
 */
extern unsigned sched_kernel_depth;

/*
 * A preemption that came due while the running thread was in kernel code
 * (a timer interrupt during a system call) is taken when the outermost
 * system call returns: libc-glue calls this there. Costs a flag test.
 */
extern bool sched_resched;
void sched_syscall_exit_slow(void);
static inline void sched_syscall_exit(void)
{
	if (__builtin_expect(sched_resched, 0) && !sched_kernel_depth)
		sched_syscall_exit_slow();
}

/* Lets every other runnable thread run once before the caller continues. */
void thread_yield(void);

/* Sleeps at least @ns nanoseconds. */
void thread_sleep_ns(uint64_t ns);

struct thread *thread_current(void);
const char *thread_name(const struct thread *t);
uint64_t thread_id(const struct thread *t);

/* ---- wait queues ---------------------------------------------------------- */

void waitq_init(struct waitq *wq);

/*
 * Blocks the calling thread on @wq until woken or until monotonic time
 * @deadline_ns (0: no deadline). Returns 0 when woken, -ETIMEDOUT.
 * Typical use re-checks a condition in a loop (see wait_event_timeout()).
 */
int waitq_wait(struct waitq *wq, uint64_t deadline_ns);

/*
 * Wakes the longest waiter / every waiter. Callable from interrupt handlers.
 * Returns the number of threads woken.
 */
int waitq_wake_one(struct waitq *wq);
int waitq_wake_all(struct waitq *wq);

/*
 * Waits until @cond is true, re-evaluating it after every wakeup, for at most
 * @timeout_ns (0: forever). Evaluates to 0 or -ETIMEDOUT (with @cond false).
 */
#define wait_event_timeout(wq, cond, timeout_ns)                                 \
	({                                                                       \
		uint64_t __dl = (timeout_ns) ? time_now_ns() + (timeout_ns) : 0; \
		int __r = 0;                                                     \
		while (!(cond)) {                                                \
			if (waitq_wait((wq), __dl) == -ETIMEDOUT && !(cond)) {   \
				__r = -ETIMEDOUT;                                \
				break;                                           \
			}                                                        \
		}                                                                \
		__r;                                                             \
	})

/* ---- mutexes: sleeping locks for thread context ----------------------------- */

struct mutex {
	bool locked;
	struct waitq waiters;
};

#define MUTEX_INIT(name)                          \
	{                                         \
		false, WAITQ_INIT((name).waiters) \
	}

void mutex_init(struct mutex *m);
/* Blocks until @m is free, then takes it. Not for interrupt handlers. */
void mutex_lock(struct mutex *m);
void mutex_unlock(struct mutex *m);

/* ---- hooks for the kernel's own use -------------------------------------- */

/* Runs the idle loop on the boot context; never returns. */
__noreturn void sched_run_idle(void);

/* Called by the platform's timer interrupt handler (interrupts off). */
void sched_timer_interrupt(void);

/* Name of the running thread ("boot" before sched_init()). */
const char *sched_current_name(void);

/* If @addr lies in some thread's stack guard page, that thread's name. */
const char *sched_guard_owner(uintptr_t addr);

/* True if [@addr, @addr+@len) lies within a known thread stack. */
bool sched_on_some_stack(uintptr_t addr, size_t len);

/* Scheduler counters, for tests and reports. */
struct sched_stats {
	uint64_t switches;
	uint64_t idle_waits; /* times the idle thread halted the CPU */
	uint64_t timer_interrupts;
	uint64_t preemptions; /* application threads switched away by an interrupt */
	unsigned threads;     /* threads alive (not yet freed), idle included */
};
void sched_get_stats(struct sched_stats *out);

#endif
