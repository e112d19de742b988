// SPDX-License-Identifier: MIT
/*
 * Readiness, the one mechanism under poll, select and epoll
 * (libc-glue/sys_poll.c): a file says what it is ready for (its ops' poll),
 * and calls vfs_poll_notify() when that may have changed; every waiting
 * thread sleeps on one wait queue and rescans its own files when woken.
 * One CPU and a handful of pollers (nginx has one) make a shared queue the
 * simple right answer: no per-file registration to undo, nothing to leak
 * when a file closes under a poller. Each notification also counts a
 * change on the file, which edge-triggered epoll compares.
 */
#include <ember/arch.h>
#include <ember/sched.h>
#include <ember/time.h>
#include <ember/vfs.h>

static struct waitq poll_wq = WAITQ_INIT(poll_wq);

unsigned vfs_file_poll(struct vfs_file *f)
{
	return f->ops->poll ? f->ops->poll(f) : POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
}

void vfs_poll_notify(struct vfs_file *f)
{
	if (f)
		f->poll_changes++;
	waitq_wake_all(&poll_wq);
}

int vfs_poll_wait(int (*scan)(void *arg), void *arg, int64_t timeout_ns)
{
	uint64_t deadline = timeout_ns > 0 ? time_now_ns() + (uint64_t)timeout_ns : 0;
	for (;;) {
		unsigned long flags = arch_irq_save();
		int r = scan(arg);
		if (r || !timeout_ns || (deadline && time_now_ns() >= deadline)) {
			arch_irq_restore(flags);
			return r;
		}
		waitq_wait(&poll_wq, deadline);
		arch_irq_restore(flags);
	}
}
