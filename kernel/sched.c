// SPDX-License-Identifier: MIT
/*
 * Cooperative single-CPU scheduler, threads and wait queues
 * (see <ember/sched.h>).
 *
 * State. `current` runs. Runnable threads wait in run_queue (FIFO). Blocked
 * threads sit on the wait queue they block on (via `link`) and, when they
 * have a deadline, also on timer_list (sorted by deadline, via `timer_link`).
 * The idle thread (the boot context, on the boot stack) is never queued: it
 * runs when run_queue is empty. Exited detached threads wait on `zombies`
 * until the idle thread frees them (a thread cannot free its own stack).
 *
 * Locking: everything here runs with interrupts disabled; interrupt handlers
 * may call waitq_wake_*() and sched_timer_interrupt() only.
 */
#include <ember/arch.h>
#include <ember/errno.h>
#include <ember/heap.h>
#include <ember/page_alloc.h>
#include <ember/panic.h>
#include <ember/platform.h>
#include <ember/prof_abi.h>
#include <ember/sched.h>
#include <ember/string.h>
#include <ember/time.h>

enum thread_state { THREAD_RUNNABLE, THREAD_BLOCKED, THREAD_EXITED };

struct thread {
	struct arch_context ctx;
	struct list_node link;	     /* run_queue or a waitq */
	struct list_node timer_link; /* timer_list, when deadline != 0 */
	struct list_node all_link;   /* all_threads */
	uint64_t deadline;
	uint64_t blocked_at; /* when it last blocked (application threads) */
	int wake_result;
	enum thread_state state;
	bool detached;
	int exit_status;
	uint64_t id;
	uintptr_t stack; /* own stack: lowest address, its first page the guard; 0: none */
	unsigned stack_order;
	uintptr_t stack_lo, stack_hi; /* the usable stack, whoever provided it */
	uintptr_t guard_lo;	      /* a provided stack's guard: [guard_lo, stack_lo) */
	thread_fn fn;
	void *arg;
	void *app;	       /* the C library's per-thread state (libc-glue), if any */
	unsigned kernel_depth; /* sched_kernel_depth while switched out */
	struct waitq joiners;
	char name[THREAD_NAME_MAX];
};

extern char boot_stack_guard[], boot_stack_top[];

static struct thread idle_thread;
static struct thread *current;
static struct list_node run_queue = LIST_INIT(run_queue);
static struct list_node timer_list = LIST_INIT(timer_list);
static struct list_node all_threads = LIST_INIT(all_threads);
static struct list_node zombies = LIST_INIT(zombies);
static struct sched_stats stats;
/* Preemption (application threads only; see sched_preempt_point()). */
#define SCHED_SLICE_NS (10 * NSEC_PER_MSEC)
/*
 * Wakeup preemption, as Linux's CFS has it: an application thread woken
 * after sleeping SCHED_WAKEUP_NS or more takes the CPU from the running
 * application thread at once (when the waker's system call returns, the
 * usual case being a futex wake); one that slept less runs at most that
 * long after the waker was switched in. Without it, a thread that unlocks
 * a mutex and takes it again before its slice ends starves the thread it
 * woke, which finds the mutex taken again whenever it gets to run (SQLite's
 * threadtest3 stress1: six of ten threads waited all of the test's 10 s on
 * one mutex, the shared-cache lock its holder dropped and took again
 * between 9p round trips).
 */
#define SCHED_WAKEUP_NS (1 * NSEC_PER_MSEC)
bool sched_resched;	     /* switch at the next preemption point */
static uint64_t slice_end;   /* when the running application thread's slice ends (0: none) */
static uint64_t armed;	     /* the deadline preempt_arm() last gave the timer */
static uint64_t run_start;   /* when current (an application thread) was switched in */
unsigned sched_kernel_depth; /* the running thread's, see <ember/sched.h> */
extern char _kernel_text_start[], _kernel_text_end[];
static uint64_t next_id;

/* For emberprof: how to find the running thread's name (see prof_abi.h). */
const struct ember_debug_info ember_debug_info __used __section(".rodata.ember_debug") = {
	.magic = EMBER_DEBUG_MAGIC,
	.version = EMBER_DEBUG_VERSION,
	.current_addr = (uintptr_t)&current,
	.idle_thread = (uintptr_t)&idle_thread,
	.name_offset = offsetof(struct thread, name),
	.name_size = THREAD_NAME_MAX,
};

static void name_copy(char *dst, const char *src)
{
	size_t n = strnlen(src, THREAD_NAME_MAX - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

void sched_init(void)
{
	struct thread *t = &idle_thread;
	name_copy(t->name, "idle");
	t->id = next_id++;
	t->stack = (uintptr_t)boot_stack_guard;
	t->stack_order = page_order_for((size_t)(boot_stack_top - boot_stack_guard));
	t->stack_lo = (uintptr_t)boot_stack_guard + PAGE_SIZE;
	t->stack_hi = (uintptr_t)boot_stack_top;
	list_init(&t->link);
	list_init(&t->timer_link);
	waitq_init(&t->joiners);
	list_push_back(&all_threads, &t->all_link);
	stats.threads = 1;
	current = t;
}

/* ---- core: called with interrupts disabled -------------------------------- */

static void timer_insert(struct thread *t)
{
	struct list_node *pos = &timer_list;
	list_for_each(it, &timer_list)
	{
		if (list_entry(it, struct thread, timer_link)->deadline > t->deadline) {
			pos = it;
			break;
		}
	}
	list_insert_before(pos, &t->timer_link);
}

/* ---- preemption of application threads ---- */

/*
 * Application code: an application thread outside any system call (kernel
 * code it calls outside the kernel's text, libgcc's helpers, counts as the
 * kernel's) and not in the kernel's text (link.ld brackets it).
 */
static bool preemptible_at(uintptr_t pc)
{
	return current->app && !sched_kernel_depth &&
	       !(pc >= (uintptr_t)_kernel_text_start && pc < (uintptr_t)_kernel_text_end);
}

static uint64_t earliest_deadline(void)
{
	return list_empty(&timer_list)
		       ? 0
		       : list_entry(timer_list.next, struct thread, timer_link)->deadline;
}

/*
 * While an application thread runs, the one-shot timer must fire at the end
 * of its slice when others are waiting to run, and at the first sleeper's
 * deadline, since nothing else would give the CPU back.
 */
static void preempt_arm_for(const struct thread *t)
{
	if (!t->app)
		return;
	uint64_t deadline = earliest_deadline();
	if (!list_empty(&run_queue)) {
		if (!slice_end)
			slice_end = time_now_ns() + SCHED_SLICE_NS;
		if (!deadline || slice_end < deadline)
			deadline = slice_end;
	}
	if (deadline && deadline != armed)
		plat_timer_arm(deadline);
	armed = deadline;
}

static void preempt_arm(void)
{
	preempt_arm_for(current);
}

/* @t, about to run or just made an application thread, starts a slice. */
static void slice_start(const struct thread *t)
{
	if (t->app) /* kernel threads never read the clock here: it may need calibrating */
		run_start = time_now_ns();
	slice_end = 0;
	armed = 0;
	preempt_arm_for(t);
}

/*
 * An application thread was woken while another runs: the waker gives way
 * at once if it has had SCHED_WAKEUP_NS (when its system call returns, the
 * usual case being a futex wake), else when it has. Deciding here, not by
 * an immediate timer, matters: under emulation the interrupt arrives some
 * microseconds late, by when the waker has often taken its mutex again.
 */
static void wakeup_preempt(const struct thread *woken)
{
	uint64_t now = time_now_ns(), due = run_start + SCHED_WAKEUP_NS;
	if (now >= due || now - woken->blocked_at >= SCHED_WAKEUP_NS)
		sched_resched = true;
	else if (!slice_end || due < slice_end)
		slice_end = due;
}

static void wake(struct thread *t, int result)
{
	if (t->state != THREAD_BLOCKED)
		return;
	list_remove(&t->link);
	if (t->deadline) {
		list_remove(&t->timer_link);
		t->deadline = 0;
	}
	t->state = THREAD_RUNNABLE;
	t->wake_result = result;
	list_push_back(&run_queue, &t->link);
	if (!t->app)
		sched_resched = true; /* a kernel thread (a driver, xenstore): let it run soon */
	else if (current->app)
		wakeup_preempt(t);
	preempt_arm();
}

static void wake_expired(uint64_t now)
{
	while (!list_empty(&timer_list)) {
		struct thread *t = list_entry(timer_list.next, struct thread, timer_link);
		if (t->deadline > now)
			break;
		wake(t, -ETIMEDOUT);
	}
}

/* Switches to the next runnable thread, or to idle if there is none. */
static void schedule(void)
{
	if (!list_empty(&timer_list))
		wake_expired(time_now_ns());
	struct list_node *n = list_pop_front(&run_queue);
	struct thread *next = n ? list_entry(n, struct thread, link) : &idle_thread;
	struct thread *prev = current;
	if (next == prev)
		return;
	stats.switches++;
	slice_start(next);
	prev->kernel_depth = sched_kernel_depth;
	sched_kernel_depth = next->kernel_depth;
	/* Last, so that emberprof (which names a sample's thread by current)
	 * sees the old thread until the stacks change. */
	current = next;
	arch_context_switch(&prev->ctx, &next->ctx);
}

static void preempt(void)
{
	sched_resched = false;
	wake_expired(time_now_ns()); /* sleepers due now queue before us */
	if (list_empty(&run_queue)) {
		slice_end = 0; /* nobody else: the slice starts again */
		preempt_arm();
		return;
	}
	stats.preemptions++;
	list_push_back(&run_queue, &current->link);
	schedule();
}

void sched_preempt_point(uintptr_t pc)
{
	if (sched_resched && preemptible_at(pc))
		preempt();
}

void sched_syscall_exit_slow(void)
{
	unsigned long flags = arch_irq_save();
	if (sched_resched && current->app && !sched_kernel_depth)
		preempt();
	arch_irq_restore(flags);
}

/* Blocks current (already queued on a waitq, if any) until woken. */
static int block(uint64_t deadline)
{
	struct thread *t = current;
	BUG_ON(t == &idle_thread);
	t->state = THREAD_BLOCKED;
	if (t->app)
		t->blocked_at = time_now_ns();
	t->deadline = deadline;
	if (deadline)
		timer_insert(t);
	schedule();
	return t->wake_result;
}

/* ---- threads ----------------------------------------------------------------*/

static void thread_start(void *arg)
{
	struct thread *t = arg;
	arch_irq_enable();
	thread_exit(t->fn(t->arg));
}

static struct thread *thread_new(const char *name, thread_fn fn, void *arg)
{
	struct thread *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	name_copy(t->name, name);
	t->fn = fn;
	t->arg = arg;
	waitq_init(&t->joiners);
	list_init(&t->timer_link);
	return t;
}

/* Makes @t (its stack and context set up) runnable. */
static struct thread *thread_start_new(struct thread *t)
{
	arch_context_init(&t->ctx, t->stack_hi, thread_start, t);
	unsigned long flags = arch_irq_save();
	t->id = next_id++;
	t->state = THREAD_RUNNABLE;
	list_push_back(&all_threads, &t->all_link);
	list_push_back(&run_queue, &t->link);
	stats.threads++;
	preempt_arm(); /* an application thread creating threads gets a slice end */
	arch_irq_restore(flags);
	return t;
}

struct thread *thread_create(const char *name, thread_fn fn, void *arg, size_t stack_size)
{
	struct thread *t = thread_new(name, fn, arg);
	if (!t)
		return NULL;
	t->stack_order = page_order_for(stack_size ? stack_size : THREAD_STACK_DEFAULT);
	if (t->stack_order == 0)
		t->stack_order = 1; /* room for the guard page and a stack page */
	t->stack = (uintptr_t)page_alloc(t->stack_order);
	if (!t->stack || arch_mmu_set_guard(t->stack)) {
		if (t->stack)
			page_free((void *)t->stack, t->stack_order);
		free(t);
		return NULL;
	}
	t->stack_lo = t->stack + PAGE_SIZE;
	t->stack_hi = t->stack + (PAGE_SIZE << t->stack_order);
	return thread_start_new(t);
}

struct thread *thread_create_on_stack(const char *name, thread_fn fn, void *arg, uintptr_t guard_lo,
				      uintptr_t stack_lo, uintptr_t stack_hi,
				      int (*setup)(struct thread *))
{
	struct thread *t = thread_new(name, fn, arg);
	if (!t)
		return NULL;
	t->guard_lo = guard_lo;
	t->stack_lo = stack_lo;
	t->stack_hi = stack_hi;
	if (setup && setup(t)) {
		free(t);
		return NULL;
	}
	return thread_start_new(t);
}

struct arch_context *thread_arch_context(struct thread *t)
{
	return &t->ctx;
}

void *thread_app_data(const struct thread *t)
{
	return t->app;
}

/*
 * The running thread becoming an application thread (libc-glue's main
 * thread, made at start-up) starts its slice here: kernel threads it created
 * before, while preempt_arm() ignored it (xen-setup, beside main), must get
 * the CPU even if main never blocks.
 */
void thread_set_app_data(struct thread *t, void *data)
{
	unsigned long flags = arch_irq_save();
	bool becomes_app = data && !t->app && t == current;
	t->app = data;
	if (becomes_app)
		slice_start(t);
	arch_irq_restore(flags);
}

static void thread_free(struct thread *t)
{
	list_remove(&t->all_link);
	stats.threads--;
	arch_context_release(&t->ctx);
	if (t->stack) {
		arch_mmu_clear_guard(t->stack);
		page_free((void *)t->stack, t->stack_order);
	}
	free(t);
}

__noreturn void thread_exit(int status)
{
	arch_irq_disable();
	struct thread *t = current;
	BUG_ON(t == &idle_thread);
	t->exit_status = status;
	t->state = THREAD_EXITED;
	if (t->detached)
		list_push_back(&zombies, &t->link);
	waitq_wake_all(&t->joiners);
	schedule();
	panic("exited thread '%s' was scheduled again", t->name);
}

int thread_join(struct thread *t, int *status)
{
	if (t == current || t->detached)
		return -EINVAL;
	wait_event_timeout(&t->joiners, READ_ONCE(t->state) == THREAD_EXITED, 0);
	if (status)
		*status = t->exit_status;
	unsigned long flags = arch_irq_save();
	thread_free(t);
	arch_irq_restore(flags);
	return 0;
}

void thread_detach(struct thread *t)
{
	unsigned long flags = arch_irq_save();
	t->detached = true;
	if (t->state == THREAD_EXITED)
		list_push_back(&zombies, &t->link);
	arch_irq_restore(flags);
}

void thread_yield(void)
{
	unsigned long flags = arch_irq_save();
	if (current != &idle_thread)
		list_push_back(&run_queue, &current->link);
	schedule();
	arch_irq_restore(flags);
}

void thread_sleep_ns(uint64_t ns)
{
	unsigned long flags = arch_irq_save();
	uint64_t deadline = time_now_ns() + ns;
	while (time_now_ns() < deadline)
		block(deadline);
	arch_irq_restore(flags);
}

struct thread *thread_current(void)
{
	return current;
}

const char *thread_name(const struct thread *t)
{
	return t->name;
}

uint64_t thread_id(const struct thread *t)
{
	return t->id;
}

/* ---- wait queues ------------------------------------------------------------*/

void waitq_init(struct waitq *wq)
{
	list_init(&wq->waiters);
}

int waitq_wait(struct waitq *wq, uint64_t deadline_ns)
{
	unsigned long flags = arch_irq_save();
	if (deadline_ns && deadline_ns <= time_now_ns()) {
		arch_irq_restore(flags);
		return -ETIMEDOUT;
	}
	list_push_back(&wq->waiters, &current->link);
	int r = block(deadline_ns);
	arch_irq_restore(flags);
	return r;
}

int waitq_wake_one(struct waitq *wq)
{
	unsigned long flags = arch_irq_save();
	int n = 0;
	if (!list_empty(&wq->waiters)) {
		wake(list_entry(wq->waiters.next, struct thread, link), 0);
		n = 1;
	}
	arch_irq_restore(flags);
	return n;
}

int waitq_wake_all(struct waitq *wq)
{
	unsigned long flags = arch_irq_save();
	int n = 0;
	while (!list_empty(&wq->waiters)) {
		wake(list_entry(wq->waiters.next, struct thread, link), 0);
		n++;
	}
	arch_irq_restore(flags);
	return n;
}

/* ---- mutexes ------------------------------------------------------------------*/

void mutex_init(struct mutex *m)
{
	m->locked = false;
	waitq_init(&m->waiters);
}

void mutex_lock(struct mutex *m)
{
	while (m->locked) /* cooperative: nothing runs between test and set */
		waitq_wait(&m->waiters, 0);
	m->locked = true;
}

void mutex_unlock(struct mutex *m)
{
	m->locked = false;
	waitq_wake_one(&m->waiters);
}

/* ---- idle ---------------------------------------------------------------------*/

static void reap_zombies(void)
{
	struct list_node *n;
	while ((n = list_pop_front(&zombies)) != NULL)
		thread_free(list_entry(n, struct thread, link));
}

__noreturn void sched_run_idle(void)
{
	for (;;) {
		arch_irq_disable();
		reap_zombies();
		if (!list_empty(&timer_list))
			wake_expired(time_now_ns());
		if (!list_empty(&run_queue)) {
			schedule();
			continue;
		}
		uint64_t next =
			list_empty(&timer_list)
				? 0
				: list_entry(timer_list.next, struct thread, timer_link)->deadline;
		plat_timer_arm(next);
		stats.idle_waits++;
		plat_idle_wait();
	}
}

void sched_timer_interrupt(void)
{
	stats.timer_interrupts++;
	armed = 0;
	uint64_t now = time_now_ns(), deadline = earliest_deadline();
	if ((slice_end && now >= slice_end) || (deadline && deadline <= now))
		sched_resched = true;
	else
		preempt_arm(); /* early (or another deadline's): arm again */
}

const char *sched_current_name(void)
{
	return current ? current->name : "boot";
}

const char *sched_guard_owner(uintptr_t addr)
{
	list_for_each(it, &all_threads)
	{
		struct thread *t = list_entry(it, struct thread, all_link);
		if (t->stack && addr >= t->stack && addr < t->stack + PAGE_SIZE)
			return t->name;
		if (!t->stack && addr >= t->guard_lo && addr < t->stack_lo)
			return t->name;
	}
	if (addr >= (uintptr_t)boot_stack_guard && addr < (uintptr_t)boot_stack_guard + PAGE_SIZE)
		return "idle";
	return NULL;
}

bool sched_on_some_stack(uintptr_t addr, size_t len)
{
	list_for_each(it, &all_threads)
	{
		struct thread *t = list_entry(it, struct thread, all_link);
		if (addr >= t->stack_lo && addr + len <= t->stack_hi)
			return true;
	}
	return !current && addr >= (uintptr_t)boot_stack_guard + PAGE_SIZE &&
	       addr + len <= (uintptr_t)boot_stack_top;
}

void sched_get_stats(struct sched_stats *out)
{
	unsigned long flags = arch_irq_save();
	*out = stats;
	arch_irq_restore(flags);
}
