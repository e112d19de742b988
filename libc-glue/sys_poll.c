// SPDX-License-Identifier: MIT
/*
 * Readiness system calls: poll, ppoll, select, pselect6, epoll and eventfd,
 * all on the kernel's one readiness mechanism (kernel/poll.c): each file's
 * poll op says what it is ready for, vfs_poll_wait() sleeps until some file
 * changed and the caller's scan finds something. Files without a poll op
 * (regular files, the console) are always readable and writable, as on
 * Linux for regular files.
 *
 * epoll keeps an interest list per epoll fd: (fd, file, events, data).
 * Level-triggered entries report whenever the file is ready;
 * edge-triggered ones (EPOLLET) only when the file's readiness changed
 * (vfs_poll_notify() counts changes) since they last reported; EPOLLONESHOT
 * entries stop after one report until EPOLL_CTL_MOD re-arms them. An entry
 * whose fd was closed (or now names another file) is dropped, as Linux
 * drops it when the file goes. Signal masks are accepted and ignored
 * (signals are delivered only to the program itself, synchronously).
 */
#include <ember/errno.h>
#include <ember/heap.h>
#include <ember/sched.h>
#include <ember/string.h>
#include <ember/syscall.h>
#include <ember/time.h>
#include <ember/vfs.h>

#define EPOLLIN	       0x001
#define EPOLLOUT       0x004
#define EPOLLERR       0x008
#define EPOLLHUP       0x010
#define EPOLLRDHUP     0x2000
#define EPOLLEXCLUSIVE (1u << 28)
#define EPOLLWAKEUP    (1u << 29)
#define EPOLLONESHOT   (1u << 30)
#define EPOLLET	       (1u << 31)
#define EPOLL_CTL_ADD  1
#define EPOLL_CTL_DEL  2
#define EPOLL_CTL_MOD  3
#define EFD_SEMAPHORE  1
#define FD_SETSIZE     1024
#define POLL_MAX       4096

struct pollfd_l {
	int fd;
	short events, revents;
};

struct timespec_l {
	long sec, nsec;
};

struct epoll_event_l {
	uint32_t events;
	uint64_t data;
} __attribute__((packed)); /* x86-64's layout */

/* ---- poll ---- */

struct poll_scan {
	struct pollfd_l *fds;
	unsigned n;
};

static int poll_scan(void *arg)
{
	struct poll_scan *p = arg;
	int ready = 0;
	for (unsigned i = 0; i < p->n; i++) {
		struct pollfd_l *q = &p->fds[i];
		q->revents = 0;
		if (q->fd < 0)
			continue;
		struct vfs_file *f = vfs_file_hold(q->fd);
		unsigned m = f ? vfs_file_poll(f) : POLLNVAL;
		if (f)
			vfs_file_release(f);
		q->revents =
			(short)(m & ((unsigned short)q->events | POLLERR | POLLHUP | POLLNVAL));
		ready += q->revents != 0;
	}
	return ready;
}

static int64_t timeout_of(const struct timespec_l *t)
{
	if (!t)
		return -1;
	if (t->sec < 0 || t->nsec < 0 || t->nsec >= 1000000000)
		return -EINVAL;
	return t->sec * (int64_t)NSEC_PER_SEC + t->nsec;
}

static long do_poll(struct pollfd_l *fds, unsigned long n, int64_t timeout_ns)
{
	if (n > POLL_MAX)
		return -EINVAL;
	if (n && !fds)
		return -EFAULT;
	struct poll_scan p = { fds, (unsigned)n };
	return vfs_poll_wait(poll_scan, &p, timeout_ns);
}

SYSCALL3(poll, struct pollfd_l *, fds, unsigned long, n, int, timeout_ms)
{
	return do_poll(fds, n, timeout_ms < 0 ? -1 : timeout_ms * (int64_t)NSEC_PER_MSEC);
}

SYSCALL4(ppoll, struct pollfd_l *, fds, unsigned long, n, const struct timespec_l *, t,
	 const void *, sigmask)
{
	(void)sigmask;
	int64_t timeout = timeout_of(t);
	return timeout < -1 ? timeout : do_poll(fds, n, timeout);
}

/* ---- select ---- */

struct select_scan {
	int n;
	unsigned long *in[3], out[3][FD_SETSIZE / 64];
};

static bool fd_isset(const unsigned long *set, int fd)
{
	return set && (set[fd / 64] >> (fd % 64)) & 1;
}

static int select_scan(void *arg)
{
	struct select_scan *s = arg;
	static const unsigned want[3] = { POLLIN | POLLHUP | POLLERR, POLLOUT | POLLERR, POLLPRI };
	int ready = 0;
	memset(s->out, 0, sizeof(s->out));
	for (int fd = 0; fd < s->n; fd++) {
		if (!fd_isset(s->in[0], fd) && !fd_isset(s->in[1], fd) && !fd_isset(s->in[2], fd))
			continue;
		struct vfs_file *f = vfs_file_hold(fd);
		if (!f)
			return -EBADF;
		unsigned m = vfs_file_poll(f);
		vfs_file_release(f);
		for (int k = 0; k < 3; k++)
			if (fd_isset(s->in[k], fd) && (m & want[k])) {
				s->out[k][fd / 64] |= 1ul << (fd % 64);
				ready++;
			}
	}
	return ready;
}

static long do_select(int n, unsigned long *r, unsigned long *w, unsigned long *e,
		      int64_t timeout_ns)
{
	if (n < 0 || n > FD_SETSIZE)
		return -EINVAL;
	struct select_scan s = { .n = n, .in = { r, w, e } };
	int ready = vfs_poll_wait(select_scan, &s, timeout_ns);
	if (ready < 0)
		return ready;
	size_t bytes = (size_t)(n + 63) / 64 * sizeof(unsigned long);
	for (int k = 0; k < 3; k++)
		if (s.in[k])
			memcpy(s.in[k], s.out[k], bytes);
	return ready;
}

struct timeval_l {
	long sec, usec;
};

SYSCALL5(select, int, n, unsigned long *, r, unsigned long *, w, unsigned long *, e,
	 struct timeval_l *, tv)
{
	if (tv && (tv->sec < 0 || tv->usec < 0 || tv->usec >= 1000000))
		return -EINVAL;
	int64_t timeout = tv ? tv->sec * (int64_t)NSEC_PER_SEC + tv->usec * 1000 : -1;
	return do_select(n, r, w, e, timeout);
}

SYSCALL6(pselect6, int, n, unsigned long *, r, unsigned long *, w, unsigned long *, e,
	 const struct timespec_l *, t, const void *, sigmask)
{
	(void)sigmask;
	int64_t timeout = timeout_of(t);
	return timeout < -1 ? timeout : do_select(n, r, w, e, timeout);
}

/* ---- epoll ---- */

struct epoll_entry {
	int fd;
	struct vfs_file *file; /* not a reference: compared, never used once its fd closed */
	uint32_t events;
	uint64_t data;
	uint32_t seen_changes; /* the file's poll_changes at the last edge-triggered report */
	bool disarmed;	       /* EPOLLONESHOT, reported */
};

struct epoll {
	struct epoll_entry *e;
	unsigned n, cap;
};

static const struct vfs_file_ops epoll_ops;

static struct epoll_entry *epoll_find(struct epoll *ep, int fd)
{
	for (unsigned i = 0; i < ep->n; i++)
		if (ep->e[i].fd == fd)
			return &ep->e[i];
	return NULL;
}

static void epoll_drop(struct epoll *ep, struct epoll_entry *e)
{
	*e = ep->e[--ep->n];
}

static void epoll_close(struct vfs_file *f)
{
	struct epoll *ep = f->priv;
	free(ep->e);
	free(ep);
}

static unsigned epoll_poll(struct vfs_file *f);

static const struct vfs_file_ops epoll_ops = {
	.poll = epoll_poll,
	.close = epoll_close,
};

SYSCALL1(epoll_create1, int, flags)
{
	if (flags & ~O_CLOEXEC)
		return -EINVAL;
	struct epoll *ep = calloc(1, sizeof(*ep));
	if (!ep)
		return -ENOMEM;
	int fd = vfs_open_file(&epoll_ops, ep, O_RDWR);
	if (fd < 0)
		free(ep);
	return fd;
}

SYSCALL1(epoll_create, int, size)
{
	return size <= 0 ? -EINVAL : do_sys_epoll_create1(0);
}

/* @e watches @f for @ev afresh: armed, and ready as soon as @f is (even edge-triggered). */
static void entry_arm(struct epoll_entry *e, struct vfs_file *f, const struct epoll_event_l *ev)
{
	e->events = ev->events;
	e->data = ev->data;
	e->disarmed = false;
	e->seen_changes = f->poll_changes - 1;
}

static int epoll_add(struct epoll *ep, int fd, struct vfs_file *f, const struct epoll_event_l *ev)
{
	if (ep->n == ep->cap) {
		unsigned cap = ep->cap ? 2 * ep->cap : 16;
		struct epoll_entry *e = realloc(ep->e, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		ep->e = e;
		ep->cap = cap;
	}
	struct epoll_entry *e = &ep->e[ep->n++];
	e->fd = fd;
	e->file = f;
	entry_arm(e, f, ev);
	return 0;
}

static struct epoll *epoll_of(int epfd, struct vfs_file **file, int *err)
{
	struct vfs_file *f = vfs_file_hold(epfd);
	*err = !f ? -EBADF : f->ops != &epoll_ops ? -EINVAL : 0;
	if (*err && f)
		vfs_file_release(f);
	*file = f;
	return *err ? NULL : f->priv;
}

/* EPOLL_CTL_@op for @fd (whose file is @f) in @ep. */
static int epoll_change(struct epoll *ep, int op, int fd, struct vfs_file *f,
			const struct epoll_event_l *ev)
{
	if (op != EPOLL_CTL_DEL && !ev)
		return -EFAULT;
	struct epoll_entry *e = epoll_find(ep, fd);
	if (e && e->file != f) { /* a stale entry for a closed file's fd */
		epoll_drop(ep, e);
		e = NULL;
	}
	switch (op) {
	case EPOLL_CTL_ADD: return e ? -EEXIST : epoll_add(ep, fd, f, ev);
	case EPOLL_CTL_DEL:
		if (!e)
			return -ENOENT;
		epoll_drop(ep, e);
		return 0;
	case EPOLL_CTL_MOD:
		if (!e)
			return -ENOENT;
		entry_arm(e, f, ev);
		return 0;
	default: return -EINVAL;
	}
}

SYSCALL4(epoll_ctl, int, epfd, int, op, int, fd, const struct epoll_event_l *, ev)
{
	struct vfs_file *epf, *f;
	int err;
	struct epoll *ep = epoll_of(epfd, &epf, &err);
	if (!ep)
		return err;
	f = vfs_file_hold(fd);
	if (!f) {
		vfs_file_release(epf);
		return -EBADF;
	}
	err = f == epf ? -EINVAL : epoll_change(ep, op, fd, f, ev);
	vfs_file_release(f);
	vfs_file_release(epf);
	return err;
}

struct epoll_scan {
	struct epoll *ep;
	struct epoll_event_l *out;
	int max;
};

/* What entry @e would report now (0: nothing), and marks it reported if @take. */
static uint32_t entry_ready(struct epoll *ep, struct epoll_entry *e, bool take, bool *dropped)
{
	*dropped = false;
	if (e->disarmed)
		return 0;
	struct vfs_file *f = vfs_file_hold(e->fd);
	if (f != e->file) { /* its fd was closed: the entry goes, as Linux's does */
		if (f)
			vfs_file_release(f);
		epoll_drop(ep, e);
		*dropped = true;
		return 0;
	}
	uint32_t m = vfs_file_poll(f) & (e->events | EPOLLERR | EPOLLHUP);
	uint32_t changes = f->poll_changes;
	vfs_file_release(f);
	if (!m || ((e->events & EPOLLET) && changes == e->seen_changes))
		return 0;
	if (take) {
		e->seen_changes = changes;
		e->disarmed = e->events & EPOLLONESHOT;
	}
	return m;
}

static int epoll_scan(void *arg)
{
	struct epoll_scan *s = arg;
	int got = 0;
	for (unsigned i = 0; i < s->ep->n && got < s->max;) {
		bool dropped;
		struct epoll_entry *e = &s->ep->e[i];
		uint32_t m = entry_ready(s->ep, e, true, &dropped);
		if (dropped)
			continue; /* the last entry moved into slot i */
		if (m)
			s->out[got++] = (struct epoll_event_l){ m, e->data };
		i++;
	}
	return got;
}

static unsigned epoll_poll(struct vfs_file *f)
{
	struct epoll *ep = f->priv;
	for (unsigned i = 0; i < ep->n;) {
		bool dropped;
		if (entry_ready(ep, &ep->e[i], false, &dropped))
			return POLLIN | POLLRDNORM;
		i += !dropped;
	}
	return 0;
}

static long do_epoll_wait(int epfd, struct epoll_event_l *events, int max, int64_t timeout_ns)
{
	if (max <= 0)
		return -EINVAL;
	if (!events)
		return -EFAULT;
	struct vfs_file *epf;
	int err;
	struct epoll *ep = epoll_of(epfd, &epf, &err);
	if (!ep)
		return err;
	struct epoll_scan s = { ep, events, max };
	int n = vfs_poll_wait(epoll_scan, &s, timeout_ns);
	vfs_file_release(epf);
	return n;
}

SYSCALL4(epoll_wait, int, epfd, struct epoll_event_l *, events, int, max, int, timeout_ms)
{
	return do_epoll_wait(epfd, events, max,
			     timeout_ms < 0 ? -1 : timeout_ms * (int64_t)NSEC_PER_MSEC);
}

SYSCALL5(epoll_pwait, int, epfd, struct epoll_event_l *, events, int, max, int, timeout_ms,
	 const void *, sigmask)
{
	(void)sigmask;
	return do_epoll_wait(epfd, events, max,
			     timeout_ms < 0 ? -1 : timeout_ms * (int64_t)NSEC_PER_MSEC);
}

/* ---- eventfd ---- */

struct eventfd {
	uint64_t count;
	bool semaphore;
	struct waitq wq;
};

static ssize_t eventfd_read(struct vfs_file *f, void *buf, size_t len, off_t off __unused)
{
	struct eventfd *e = f->priv;
	if (len < sizeof(uint64_t))
		return -EINVAL;
	while (!e->count) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		waitq_wait(&e->wq, 0);
	}
	uint64_t v = e->semaphore ? 1 : e->count;
	e->count -= v;
	memcpy(buf, &v, sizeof(v));
	waitq_wake_all(&e->wq);
	vfs_poll_notify(f);
	return sizeof(v);
}

static ssize_t eventfd_write(struct vfs_file *f, const void *buf, size_t len, off_t off __unused)
{
	struct eventfd *e = f->priv;
	uint64_t v;
	if (len < sizeof(v))
		return -EINVAL;
	memcpy(&v, buf, sizeof(v));
	if (v == UINT64_MAX)
		return -EINVAL;
	while (e->count > UINT64_MAX - 1 - v) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		waitq_wait(&e->wq, 0);
	}
	e->count += v;
	waitq_wake_all(&e->wq);
	vfs_poll_notify(f);
	return sizeof(v);
}

static unsigned eventfd_poll(struct vfs_file *f)
{
	struct eventfd *e = f->priv;
	return (e->count ? POLLIN | POLLRDNORM : 0) |
	       (e->count < UINT64_MAX - 1 ? POLLOUT | POLLWRNORM : 0);
}

static void eventfd_close(struct vfs_file *f)
{
	free(f->priv);
}

static const struct vfs_file_ops eventfd_ops = {
	.poll = eventfd_poll,
	.read = eventfd_read,
	.write = eventfd_write,
	.close = eventfd_close,
};

SYSCALL2(eventfd2, unsigned, initval, int, flags)
{
	if (flags & ~(O_CLOEXEC | O_NONBLOCK | EFD_SEMAPHORE))
		return -EINVAL;
	struct eventfd *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->count = initval;
	e->semaphore = flags & EFD_SEMAPHORE;
	waitq_init(&e->wq);
	int fd = vfs_open_file(&eventfd_ops, e, O_RDWR | (flags & O_NONBLOCK));
	if (fd < 0)
		free(e);
	return fd;
}

SYSCALL1(eventfd, unsigned, initval)
{
	return do_sys_eventfd2(initval, 0);
}
