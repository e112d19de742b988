// SPDX-License-Identifier: MIT
/*
 * Pipes (pipe, pipe2): a 64 KiB byte ring shared by a read end and a write
 * end, each a VFS file (vfs_open_file()). Reads block until data is there or
 * every writer is gone (then end of file); writes block until all is
 * written or every reader is gone (SIGPIPE, as Linux: its default action
 * ends the program; ignored, the write fails with -EPIPE). O_NONBLOCK on an end makes a wait -EAGAIN
 * (or a short write). Interrupts are off around the ring, which is what makes
 * it atomic on this single-CPU kernel.
 */
#include <ember/arch.h>
#include <ember/errno.h>
#include <ember/heap.h>
#include <ember/sched.h>
#include <ember/string.h>
#include <ember/syscall.h>
#include <ember/vfs.h>

#include "libc_glue.h"

#define PIPE_SIZE (64 * 1024)
#define SIGPIPE	  13

long sys_pipe2(long, long, long, long, long, long);

struct pipe {
	uint8_t *buf;
	size_t head, len;	   /* the data: [head, head + len) mod PIPE_SIZE */
	unsigned readers, writers; /* open ends */
	struct waitq can_read, can_write;
	struct vfs_file *rd, *wr; /* the ends' files (NULL once closed), for pollers */
};

/* Data or room came, or an end closed: the waiters of @q and @f's pollers look again. */
static void pipe_wake(struct waitq *q, struct vfs_file *f)
{
	waitq_wake_all(q);
	vfs_poll_notify(f);
}

static ssize_t pipe_read(struct vfs_file *f, void *out, size_t want, off_t off __unused)
{
	struct pipe *p = f->priv;
	unsigned long irq = arch_irq_save();
	while (!p->len && p->writers) {
		if (f->flags & O_NONBLOCK) {
			arch_irq_restore(irq);
			return -EAGAIN;
		}
		waitq_wait(&p->can_read, 0);
	}
	size_t n = want < p->len ? want : p->len;
	for (size_t done = 0; done < n;) {
		size_t run = PIPE_SIZE - p->head < n - done ? PIPE_SIZE - p->head : n - done;
		memcpy((uint8_t *)out + done, p->buf + p->head, run);
		p->head = (p->head + run) % PIPE_SIZE;
		p->len -= run;
		done += run;
	}
	pipe_wake(&p->can_write, p->wr);
	arch_irq_restore(irq);
	return (ssize_t)n;
}

static ssize_t pipe_write(struct vfs_file *f, const void *in, size_t len, off_t off __unused)
{
	struct pipe *p = f->priv;
	size_t done = 0;
	unsigned long irq = arch_irq_save();
	while (done < len) {
		if (!p->readers) {
			arch_irq_restore(irq);
			if (done)
				return (ssize_t)done;
			libc_signal_self(SIGPIPE); /* its default action ends the program */
			return -EPIPE;
		}
		if (p->len == PIPE_SIZE) {
			if (f->flags & O_NONBLOCK)
				break;
			waitq_wait(&p->can_write, 0);
			continue;
		}
		size_t tail = (p->head + p->len) % PIPE_SIZE;
		size_t room = PIPE_SIZE - p->len, run = PIPE_SIZE - tail;
		if (run > room)
			run = room;
		if (run > len - done)
			run = len - done;
		memcpy(p->buf + tail, (const uint8_t *)in + done, run);
		p->len += run;
		done += run;
		pipe_wake(&p->can_read, p->rd);
	}
	arch_irq_restore(irq);
	return done ? (ssize_t)done : -EAGAIN;
}

static int pipe_stat(struct vfs_file *f, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFIFO | 0600;
	st->st_blksize = 4096;
	st->st_ino = (uintptr_t)f->priv;
	return 0;
}

static void pipe_release(struct pipe *p)
{
	if (!p->readers && !p->writers) {
		free(p->buf);
		free(p);
	}
}

static void read_end_close(struct vfs_file *f)
{
	struct pipe *p = f->priv;
	unsigned long irq = arch_irq_save();
	p->readers--;
	p->rd = NULL;
	pipe_wake(&p->can_write, p->wr); /* writers now get -EPIPE */
	pipe_release(p);
	arch_irq_restore(irq);
}

static void write_end_close(struct vfs_file *f)
{
	struct pipe *p = f->priv;
	unsigned long irq = arch_irq_save();
	p->writers--;
	p->wr = NULL;
	pipe_wake(&p->can_read, p->rd); /* readers now see end of file */
	pipe_release(p);
	arch_irq_restore(irq);
}

static unsigned read_end_poll(struct vfs_file *f)
{
	struct pipe *p = f->priv;
	return (p->len ? POLLIN | POLLRDNORM : 0) | (p->writers ? 0 : POLLHUP);
}

static unsigned write_end_poll(struct vfs_file *f)
{
	struct pipe *p = f->priv;
	return !p->readers ? POLLERR : p->len < PIPE_SIZE ? POLLOUT | POLLWRNORM : 0;
}

static const struct vfs_file_ops read_end_ops = {
	.poll = read_end_poll,
	.read = pipe_read,
	.stat = pipe_stat,
	.close = read_end_close,
};

static const struct vfs_file_ops write_end_ops = {
	.poll = write_end_poll,
	.write = pipe_write,
	.stat = pipe_stat,
	.close = write_end_close,
};

SYSCALL2(pipe2, int *, fds, int, flags)
{
	if (flags & ~(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	struct pipe *p = calloc(1, sizeof(*p));
	if (!p || !(p->buf = malloc(PIPE_SIZE))) {
		free(p);
		return -ENOMEM;
	}
	waitq_init(&p->can_read);
	waitq_init(&p->can_write);
	int nb = flags & O_NONBLOCK;
	int rfd = vfs_open_file(&read_end_ops, p, O_RDONLY | nb);
	if (rfd < 0) {
		free(p->buf);
		free(p);
		return rfd;
	}
	p->readers = 1;
	int wfd = vfs_open_file(&write_end_ops, p, O_WRONLY | nb);
	if (wfd < 0) {
		vfs_close(rfd); /* frees the pipe: no writer was ever counted */
		return wfd;
	}
	p->writers = 1;
	p->rd = vfs_file_hold(rfd);
	vfs_file_release(p->rd);
	p->wr = vfs_file_hold(wfd);
	vfs_file_release(p->wr);
	fds[0] = rfd;
	fds[1] = wfd;
	return 0;
}

SYSCALL1(pipe, int *, fds)
{
	return sys_pipe2((long)fds, 0, 0, 0, 0, 0);
}
