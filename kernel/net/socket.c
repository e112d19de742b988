// SPDX-License-Identifier: MIT
/*
 * BSD sockets on lwIP's raw API: TCP and UDP over IPv4 and IPv6, each
 * socket a VFS file in the same fd table as files and pipes (read, write
 * and close work on it), with Linux's sockaddr layouts, flags, options and
 * errno values, so libc-glue passes musl's calls straight through.
 *
 * Concurrency. There is no lock: kernel code is never preempted and lwIP
 * never blocks, so a socket call runs lwIP to completion, and lwIP's
 * callbacks (from the net thread, or from inside the caller's own lwIP
 * call) only move data into the socket and wake its waiters. A call that
 * must wait checks its condition and sleeps on the socket's wait queue;
 * nothing can run in between.
 *
 * Receiving. TCP data stays in the pbufs lwIP delivered (no copy until the
 * reader's) and the window reopens (tcp_recved) only as the reader takes
 * it: a slow reader slows the sender, never loses data. A UDP socket keeps
 * up to SOCK_UDP_QUEUE datagrams, then drops (and counts) new ones, as a
 * full Linux receive buffer does.
 *
 * Errors. An lwIP error callback means the PCB is gone (reset, aborted,
 * timed out): the socket remembers the errno, later calls return it once
 * (SO_ERROR clears it), reads then see end of file. Address and option
 * arguments are checked before use (-EFAULT for NULL, -EINVAL for short
 * lengths, -EAFNOSUPPORT/-ENOPROTOOPT for what is not supported).
 */
#include <ember/errno.h>
#include <ember/heap.h>
#include <ember/net.h>
#include <ember/printk.h>
#include <ember/sched.h>
#include <ember/string.h>
#include <ember/time.h>
#include <ember/vfs.h>
#include <lwip/ip_addr.h>
#include <lwip/netif.h>
#include <lwip/tcp.h>
#include <lwip/udp.h>
#include "net_internal.h"

#define SOCK_UDP_QUEUE 256

struct sockaddr_in_l {
	uint16_t family, port;
	uint32_t addr;
	uint8_t zero[8];
};

struct sockaddr_in6_l {
	uint16_t family, port;
	uint32_t flowinfo;
	uint8_t addr[16];
	uint32_t scope_id;
};

struct dgram {
	struct pbuf *p;
	ip_addr_t from;
	u16_t port;
};

enum sock_state { S_NEW, S_LISTEN, S_CONNECTING, S_CONNECTED, S_CLOSED };

struct sock {
	int domain, type;
	enum sock_state state;
	bool v6only, nodelay, reuse;
	bool rd_shut, wr_shut, fin; /* fin: the peer sent FIN */
	int error;		    /* pending (SO_ERROR), or 0 */
	int linger;		    /* -1: off; else seconds (0: close resets) */
	union {
		struct tcp_pcb *tcp;
		struct udp_pcb *udp;
		void *any;
	} pcb;
	/*
	 * TCP: received data, the pbufs lwIP delivered linked one after the
	 * other (rx_tail the last), valid from rx_off in the first; rx_bytes
	 * counts it all (a pbuf chain's own 16-bit tot_len cannot).
	 */
	struct pbuf *rx, *rx_tail;
	size_t rx_off, rx_bytes;
	/* Listening: connections lwIP accepted, not yet accept()ed. */
	struct sock **backlog;
	unsigned backlog_max, backlog_head, backlog_len;
	/* UDP: datagrams. */
	struct dgram *dq;
	unsigned dq_head, dq_len;
	uint64_t udp_dropped;
	struct waitq wq;       /* every waiter: readers, writers, acceptors, connectors */
	struct vfs_file *file; /* its open file (NULL while in a listen backlog) */
};

static const struct vfs_file_ops sock_ops;

/* Something changed: the socket's own waiters and every poller look again. */
static void sock_wake(struct sock *s)
{
	waitq_wake_all(&s->wq);
	if (s->file)
		vfs_poll_notify(s->file);
}

/* The fd for @s (its file remembered for the pollers), or a negative errno. */
static int sock_install(struct sock *s, int flags)
{
	int fd = vfs_open_file(&sock_ops, s, O_RDWR | (flags & SOCK_NONBLOCK ? O_NONBLOCK : 0));
	if (fd >= 0) {
		s->file = vfs_file_hold(fd);
		vfs_file_release(s->file); /* the fd keeps it; the socket dies with it */
	}
	return fd;
}

static struct sock *sock_of(struct vfs_file *f)
{
	return f && f->ops == &sock_ops ? f->priv : NULL;
}

/* The socket behind @fd, pinned: put with vfs_file_release(). */
static struct sock *sock_get(int fd, struct vfs_file **file, int *err)
{
	struct vfs_file *f = vfs_file_hold(fd);
	struct sock *s = sock_of(f);
	*err = !f ? -EBADF : !s ? -ENOTSOCK : 0;
	if (f && !s)
		vfs_file_release(f);
	*file = f;
	return s;
}

static bool nonblocking(const struct vfs_file *f, int msg_flags)
{
	return (f->flags & O_NONBLOCK) || (msg_flags & MSG_DONTWAIT);
}

static int take_error(struct sock *s)
{
	int e = s->error;
	s->error = 0;
	return e;
}

/* lwIP's errors as errno values. */
static int errno_of(err_t e)
{
	switch (e) {
	case ERR_OK: return 0;
	case ERR_MEM:
	case ERR_BUF: return -ENOMEM;
	case ERR_TIMEOUT: return -ETIMEDOUT;
	case ERR_RTE: return -EHOSTUNREACH;
	case ERR_INPROGRESS: return -EINPROGRESS;
	case ERR_VAL: return -EINVAL;
	case ERR_WOULDBLOCK: return -EAGAIN;
	case ERR_USE: return -EADDRINUSE;
	case ERR_ALREADY: return -EALREADY;
	case ERR_ISCONN: return -EISCONN;
	case ERR_CONN: return -ENOTCONN;
	case ERR_ABRT: return -ECONNABORTED;
	case ERR_RST: return -ECONNRESET;
	case ERR_CLSD: return -ENOTCONN;
	default: return -EIO;
	}
}

/* ---- addresses ---- */

/* @addr/@len into lwIP's form; v4-mapped IPv6 addresses become IPv4. */
static int addr_in(const struct sock *s, const void *addr, uint32_t len, ip_addr_t *ip, u16_t *port)
{
	if (!addr)
		return -EFAULT;
	if (len < sizeof(uint16_t))
		return -EINVAL;
	uint16_t family = *(const uint16_t *)addr;
	if (family != s->domain)
		return -EAFNOSUPPORT;
	if (family == AF_INET) {
		const struct sockaddr_in_l *a = addr;
		if (len < sizeof(*a))
			return -EINVAL;
		ip_addr_set_ip4_u32_val(*ip, a->addr);
		*port = lwip_ntohs(a->port);
		return 0;
	}
	const struct sockaddr_in6_l *a = addr;
	if (len < sizeof(*a))
		return -EINVAL;
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	if (!memcmp(a->addr, mapped, sizeof(mapped))) {
		uint32_t v4;
		memcpy(&v4, a->addr + 12, 4);
		ip_addr_set_ip4_u32_val(*ip, v4);
	} else {
		IP_SET_TYPE_VAL(*ip, IPADDR_TYPE_V6);
		memcpy(ip_2_ip6(ip)->addr, a->addr, 16);
		ip6_addr_clear_zone(ip_2_ip6(ip));
		if (a->scope_id && ip6_addr_has_scope(ip_2_ip6(ip), IP6_UNKNOWN))
			ip6_addr_set_zone(ip_2_ip6(ip), (u8_t)a->scope_id);
	}
	*port = lwip_ntohs(a->port);
	return 0;
}

/* lwIP's address into the caller's buffer, truncated to *@len; *@len the full size. */
static int addr_out(const struct sock *s, const ip_addr_t *ip, u16_t port, void *addr,
		    uint32_t *len)
{
	if (!addr || !len)
		return addr || len ? -EFAULT : 0;
	union {
		struct sockaddr_in_l v4;
		struct sockaddr_in6_l v6;
	} u = { 0 };
	uint32_t size;
	if (s->domain == AF_INET) {
		u.v4.family = AF_INET;
		u.v4.port = lwip_htons(port);
		u.v4.addr = IP_IS_V4(ip) ? ip4_addr_get_u32(ip_2_ip4(ip)) : 0;
		size = sizeof(u.v4);
	} else {
		u.v6.family = AF_INET6;
		u.v6.port = lwip_htons(port);
		if (IP_IS_V6(ip)) {
			memcpy(u.v6.addr, ip_2_ip6(ip)->addr, 16);
			u.v6.scope_id = ip6_addr_zone(ip_2_ip6(ip));
		} else if (!ip_addr_isany(ip)) {
			u.v6.addr[10] = u.v6.addr[11] = 0xff;
			uint32_t v4 = ip4_addr_get_u32(ip_2_ip4(ip));
			memcpy(u.v6.addr + 12, &v4, 4);
		}
		size = sizeof(u.v6);
	}
	memcpy(addr, &u, MIN(*len, size));
	*len = size;
	return 0;
}

/* ---- TCP callbacks (net thread, or inside the caller's lwIP call) ---- */

static err_t stream_on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct sock *s = arg;
	(void)pcb;
	if (!p || err != ERR_OK) {
		s->fin = true;
		if (p)
			pbuf_free(p);
		sock_wake(s);
		return ERR_OK;
	}
	s->rx_bytes += p->tot_len;
	if (s->rx)
		s->rx_tail->next = p; /* the queue owns p's reference, as a chain would */
	else
		s->rx = p, s->rx_off = 0;
	for (s->rx_tail = p; s->rx_tail->next;)
		s->rx_tail = s->rx_tail->next;
	sock_wake(s);
	return ERR_OK;
}

static err_t stream_on_sent(void *arg, struct tcp_pcb *pcb __unused, u16_t len __unused)
{
	struct sock *s = arg;
	sock_wake(s);
	return ERR_OK;
}

/* The PCB is gone (lwIP freed it): the socket keeps only the error. */
static void stream_on_err(void *arg, err_t err)
{
	struct sock *s = arg;
	if (!s)
		return;
	s->pcb.tcp = NULL;
	s->error = s->state == S_CONNECTING && err == ERR_RST ? -ECONNREFUSED : errno_of(err);
	s->state = S_CLOSED;
	s->fin = true;
	sock_wake(s);
}

static err_t stream_on_connected(void *arg, struct tcp_pcb *pcb __unused, err_t err)
{
	struct sock *s = arg;
	s->state = err == ERR_OK ? S_CONNECTED : S_CLOSED;
	if (err != ERR_OK)
		s->error = errno_of(err);
	sock_wake(s);
	return ERR_OK;
}

static void stream_attach(struct sock *s, struct tcp_pcb *pcb)
{
	s->pcb.tcp = pcb;
	tcp_arg(pcb, s);
	tcp_recv(pcb, stream_on_recv);
	tcp_sent(pcb, stream_on_sent);
	tcp_err(pcb, stream_on_err);
	if (s->nodelay)
		tcp_nagle_disable(pcb);
}

static struct sock *sock_alloc(int domain, int type)
{
	struct sock *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->domain = domain;
	s->type = type;
	s->linger = -1;
	waitq_init(&s->wq);
	return s;
}

static err_t stream_on_accept(void *arg, struct tcp_pcb *newpcb, err_t err)
{
	struct sock *l = arg;
	if (err != ERR_OK || !newpcb)
		return ERR_VAL;
	struct sock *s =
		l->backlog_len < l->backlog_max ? sock_alloc(l->domain, SOCK_STREAM) : NULL;
	if (!s)
		return ERR_MEM; /* lwIP resets the connection */
	s->state = S_CONNECTED;
	s->nodelay = l->nodelay;
	stream_attach(s, newpcb);
	tcp_backlog_delayed(newpcb); /* counts against the listen backlog until accept() */
	l->backlog[(l->backlog_head + l->backlog_len++) % l->backlog_max] = s;
	sock_wake(l);
	return ERR_OK;
}

/* ---- UDP ---- */

static void dgram_on_recv(void *arg, struct udp_pcb *pcb __unused, struct pbuf *p,
			  const ip_addr_t *from, u16_t port)
{
	struct sock *s = arg;
	if (s->rd_shut || s->dq_len == SOCK_UDP_QUEUE) {
		s->udp_dropped++;
		pbuf_free(p);
		return;
	}
	struct dgram *d = &s->dq[(s->dq_head + s->dq_len++) % SOCK_UDP_QUEUE];
	d->p = p;
	ip_addr_copy(d->from, *from);
	d->port = port;
	sock_wake(s);
}

/* ---- creating ---- */

static u8_t ip_type_of(const struct sock *s)
{
	return s->domain == AF_INET ? IPADDR_TYPE_V4 : s->v6only ? IPADDR_TYPE_V6 : IPADDR_TYPE_ANY;
}

static int pcb_create(struct sock *s)
{
	if (s->type == SOCK_STREAM) {
		struct tcp_pcb *pcb = tcp_new_ip_type(ip_type_of(s));
		if (!pcb)
			return -ENOBUFS;
		stream_attach(s, pcb);
		return 0;
	}
	s->dq = calloc(SOCK_UDP_QUEUE, sizeof(*s->dq));
	s->pcb.udp = s->dq ? udp_new_ip_type(ip_type_of(s)) : NULL;
	if (!s->pcb.udp) {
		free(s->dq);
		return -ENOBUFS;
	}
	udp_recv(s->pcb.udp, dgram_on_recv, s);
	return 0;
}

int net_socket(int domain, int type, int protocol)
{
	int kind = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (domain != AF_INET && domain != AF_INET6)
		return -EAFNOSUPPORT;
	if (kind == SOCK_RAW && !protocol)
		return -EPROTONOSUPPORT; /* as Linux: a raw socket needs a protocol */
	if (kind != SOCK_STREAM && kind != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	if (protocol && protocol != (kind == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP))
		return -EPROTONOSUPPORT;
	struct sock *s = sock_alloc(domain, kind);
	if (!s)
		return -ENOMEM;
	int err = pcb_create(s);
	if (err) {
		free(s);
		return err;
	}
	int fd = sock_install(s, type);
	if (fd < 0)
		sock_ops.close(&(struct vfs_file){ .priv = s });
	return fd;
}

/* ---- binding, listening, connecting ---- */

static const ip_addr_t *any_of(const struct sock *s)
{
	return s->domain == AF_INET ? IP4_ADDR_ANY : s->v6only ? IP6_ADDR_ANY : IP_ANY_TYPE;
}

static int do_bind(struct sock *s, const void *addr, uint32_t len)
{
	ip_addr_t ip;
	u16_t port;
	int err = addr_in(s, addr, len, &ip, &port);
	if (err)
		return err;
	if (!s->pcb.any)
		return -EINVAL;
	/* The unspecified address of a dual-stack socket takes both families. */
	const ip_addr_t *at = ip_addr_isany(&ip) ? any_of(s) : &ip;
	if (s->type == SOCK_STREAM)
		return errno_of(tcp_bind(s->pcb.tcp, at, port));
	return errno_of(udp_bind(s->pcb.udp, at, port));
}

int net_bind(int fd, const void *addr, uint32_t len)
{
	struct vfs_file *f;
	int err;
	struct sock *s = sock_get(fd, &f, &err);
	if (!s)
		return err;
	err = s->state != S_NEW ? -EINVAL : do_bind(s, addr, len);
	vfs_file_release(f);
	return err;
}

static int do_listen(struct sock *s, int backlog)
{
	if (s->type != SOCK_STREAM)
		return -EOPNOTSUPP;
	if (s->state == S_LISTEN)
		return 0;
	if (s->state != S_NEW || !s->pcb.tcp)
		return -EINVAL;
	backlog = backlog <= 0 ? 1 : MIN(backlog, TCP_DEFAULT_LISTEN_BACKLOG);
	s->backlog = calloc((size_t)backlog, sizeof(*s->backlog));
	if (!s->backlog)
		return -ENOMEM;
	if (!s->pcb.tcp->local_port) { /* listen() on an unbound socket: an ephemeral port */
		int err = errno_of(tcp_bind(s->pcb.tcp, any_of(s), 0));
		if (err)
			return err;
	}
	err_t e;
	struct tcp_pcb *l = tcp_listen_with_backlog_and_err(s->pcb.tcp, (u8_t)backlog, &e);
	if (!l) {
		free(s->backlog);
		s->backlog = NULL;
		return errno_of(e);
	}
	s->pcb.tcp = l; /* the old PCB was freed */
	s->backlog_max = (unsigned)backlog;
	s->state = S_LISTEN;
	tcp_arg(l, s);
	tcp_accept(l, stream_on_accept);
	return 0;
}

int net_listen(int fd, int backlog)
{
	struct vfs_file *f;
	int err;
	struct sock *s = sock_get(fd, &f, &err);
	if (!s)
		return err;
	err = do_listen(s, backlog);
	vfs_file_release(f);
	return err;
}

static int accept_wait(struct vfs_file *f, struct sock *s, int flags)
{
	while (!s->backlog_len) {
		if (s->state != S_LISTEN)
			return -EINVAL;
		if (nonblocking(f, flags))
			return -EAGAIN;
		waitq_wait(&s->wq, 0);
	}
	return 0;
}

int net_accept(int fd, void *addr, uint32_t *len, int flags)
{
	struct vfs_file *f;
	int err;
	struct sock *l = sock_get(fd, &f, &err);
	if (!l)
		return err;
	err = l->type != SOCK_STREAM ? -EOPNOTSUPP : accept_wait(f, l, 0);
	if (err) {
		vfs_file_release(f);
		return err;
	}
	struct sock *s = l->backlog[l->backlog_head];
	l->backlog_head = (l->backlog_head + 1) % l->backlog_max;
	l->backlog_len--;
	vfs_file_release(f);
	if (s->pcb.tcp)
		tcp_backlog_accepted(s->pcb.tcp);
	int nfd = sock_install(s, flags);
	if (nfd < 0) {
		sock_ops.close(&(struct vfs_file){ .priv = s });
		return nfd;
	}
	if (s->pcb.tcp)
		addr_out(s, &s->pcb.tcp->remote_ip, s->pcb.tcp->remote_port, addr, len);
	else if (len) /* reset before it was accepted: a socket that reports its error */
		*len = 0;
	return nfd;
}

static int stream_connect_wait(struct vfs_file *f, struct sock *s)
{
	while (s->state == S_CONNECTING) {
		if (nonblocking(f, 0))
			return -EINPROGRESS;
		waitq_wait(&s->wq, 0);
	}
	return s->state == S_CONNECTED ? 0 : take_error(s) ?: -ECONNREFUSED;
}

static int do_connect(struct vfs_file *f, struct sock *s, const void *addr, uint32_t len)
{
	ip_addr_t ip;
	u16_t port;
	if (s->type == SOCK_DGRAM && addr && len >= 2 && *(const uint16_t *)addr == AF_UNSPEC) {
		udp_disconnect(s->pcb.udp);
		return 0;
	}
	int err = addr_in(s, addr, len, &ip, &port);
	if (err)
		return err;
	if (s->type == SOCK_DGRAM)
		return errno_of(udp_connect(s->pcb.udp, &ip, port));
	if (s->state == S_CONNECTING)
		return -EALREADY;
	if (s->state != S_NEW || !s->pcb.tcp)
		return s->state == S_CONNECTED ? -EISCONN : take_error(s) ?: -EINVAL;
	s->state = S_CONNECTING;
	err = errno_of(tcp_connect(s->pcb.tcp, &ip, port, stream_on_connected));
	if (err) {
		s->state = S_NEW;
		return err == -ENOMEM ? -EAGAIN : err;
	}
	netif_poll_all(); /* loopback: the SYN is answered now */
	return stream_connect_wait(f, s);
}

int net_connect(int fd, const void *addr, uint32_t len)
{
	struct vfs_file *f;
	int err;
	struct sock *s = sock_get(fd, &f, &err);
	if (!s)
		return err;
	err = do_connect(f, s, addr, len);
	vfs_file_release(f);
	return err;
}

/* ---- sending ---- */

/*
 * No room to queue more: sends what is queued (delivered at once on
 * loopback), then waits for acknowledgements to free room. 0 to try
 * again, or -EAGAIN for a non-blocking caller.
 */
static int stream_wait_room(struct vfs_file *f, struct sock *s, int flags)
{
	tcp_output(s->pcb.tcp);
	netif_poll_all();
	if (nonblocking(f, flags))
		return -EAGAIN;
	waitq_wait(&s->wq, 0);
	return 0;
}

static ssize_t stream_send(struct vfs_file *f, struct sock *s, const struct net_iov *iov,
			   unsigned n, int flags)
{
	size_t done = 0;
	for (unsigned i = 0; i < n; i++) {
		for (size_t off = 0; off < iov[i].len;) {
			if (!s->pcb.tcp || s->state != S_CONNECTED)
				return done ? (ssize_t)done : take_error(s) ?: -EPIPE;
			size_t room = MIN((size_t)tcp_sndbuf(s->pcb.tcp), 0xffffu);
			if (!room || tcp_sndqueuelen(s->pcb.tcp) >= TCP_SND_QUEUELEN) {
				if (stream_wait_room(f, s, flags))
					return done ? (ssize_t)done : -EAGAIN;
				continue;
			}
			size_t chunk = MIN(room, iov[i].len - off);
			bool more = off + chunk < iov[i].len || i + 1 < n;
			err_t e =
				tcp_write(s->pcb.tcp, (const char *)iov[i].base + off, (u16_t)chunk,
					  TCP_WRITE_FLAG_COPY | (more ? TCP_WRITE_FLAG_MORE : 0));
			if (e == ERR_MEM) { /* segments ran out */
				if (stream_wait_room(f, s, flags))
					return done ? (ssize_t)done : -EAGAIN;
				continue;
			}
			if (e != ERR_OK)
				return done ? (ssize_t)done : errno_of(e);
			off += chunk;
			done += chunk;
		}
	}
	if (s->pcb.tcp)
		tcp_output(s->pcb.tcp);
	netif_poll_all();
	return (ssize_t)done;
}

static ssize_t dgram_send(struct sock *s, const struct net_iov *iov, unsigned n, const void *addr,
			  uint32_t alen)
{
	size_t total = 0;
	for (unsigned i = 0; i < n; i++)
		total += iov[i].len;
	if (total > 65507)
		return -EMSGSIZE;
	ip_addr_t ip;
	u16_t port;
	if (addr) {
		int err = addr_in(s, addr, alen, &ip, &port);
		if (err)
			return err;
	} else if (!(s->pcb.udp->flags & UDP_FLAGS_CONNECTED)) {
		return -EDESTADDRREQ;
	}
	struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)total, PBUF_RAM);
	if (!p)
		return -ENOBUFS;
	for (unsigned i = 0, off = 0; i < n; off += iov[i].len, i++)
		pbuf_take_at(p, iov[i].base, (u16_t)iov[i].len, (u16_t)off);
	err_t e = addr ? udp_sendto(s->pcb.udp, p, &ip, port) : udp_send(s->pcb.udp, p);
	pbuf_free(p);
	netif_poll_all();
	return e == ERR_OK ? (ssize_t)total : errno_of(e);
}

ssize_t net_send(int fd, const struct net_iov *iov, unsigned n, int flags, const void *addr,
		 uint32_t alen)
{
	struct vfs_file *f;
	int err;
	struct sock *s = sock_get(fd, &f, &err);
	if (!s)
		return err;
	ssize_t r;
	if (s->wr_shut)
		r = -EPIPE;
	else if (s->type == SOCK_STREAM)
		r = s->state == S_CONNECTED || s->state == S_CLOSED
			    ? stream_send(f, s, iov, n, flags)
			    : -EPIPE; /* as Linux */
	else
		r = dgram_send(s, iov, n, addr, alen);
	vfs_file_release(f);
	return r;
}

/* ---- receiving ---- */

/* Up to @max bytes of the pbufs from @p on, from offset @from, into @iov. */
static size_t copy_pbufs(const struct net_iov *iov, unsigned n, const struct pbuf *p, size_t from,
			 size_t max)
{
	size_t done = 0, at = 0; /* at: bytes of iov[i] filled */
	unsigned i = 0;
	for (; p && done < max; p = p->next, from = 0) {
		if (from >= p->len) {
			from -= p->len;
			continue;
		}
		const uint8_t *src = (const uint8_t *)p->payload + from;
		size_t left = MIN((size_t)p->len - from, max - done);
		while (left && i < n) {
			size_t k = MIN(left, iov[i].len - at);
			memcpy((uint8_t *)iov[i].base + at, src, k);
			src += k, left -= k, at += k, done += k;
			if (at == iov[i].len)
				i++, at = 0;
		}
		if (i == n)
			break;
	}
	return done;
}

static size_t copy_to_iov(const struct net_iov *iov, unsigned n, struct pbuf *p, size_t from,
			  size_t max)
{
	size_t done = 0;
	for (unsigned i = 0; i < n && done < max; i++) {
		size_t want = MIN(iov[i].len, max - done);
		size_t got = pbuf_copy_partial(p, iov[i].base, (u16_t)MIN(want, 0xffffu),
					       (u16_t)(from + done));
		done += got;
		if (got < want)
			break;
	}
	return done;
}

/* Drops the first @n received bytes and reopens the window by as much. */
static void stream_consume(struct sock *s, size_t n)
{
	s->rx_off += n;
	s->rx_bytes -= n;
	while (s->rx && s->rx_off >= s->rx->len) {
		struct pbuf *head = s->rx;
		s->rx_off -= head->len;
		s->rx = head->next;
		if (s->rx)
			pbuf_ref(s->rx);
		pbuf_free(head);
	}
	if (s->pcb.tcp)
		for (size_t left = n; left;) {
			u16_t step = (u16_t)MIN(left, 0xffffu);
			tcp_recved(s->pcb.tcp, step);
			left -= step;
		}
}

static ssize_t stream_recv(struct vfs_file *f, struct sock *s, const struct net_iov *iov,
			   unsigned n, int flags)
{
	size_t want = 0;
	for (unsigned i = 0; i < n; i++)
		want += iov[i].len;
	while (!s->rx_bytes) {
		if (s->fin || s->rd_shut || !want)
			return s->error && !s->rd_shut ? take_error(s) : 0;
		if (s->state != S_CONNECTED)
			return -ENOTCONN;
		if (nonblocking(f, flags))
			return -EAGAIN;
		waitq_wait(&s->wq, 0);
	}
	size_t got = copy_pbufs(iov, n, s->rx, s->rx_off, MIN(s->rx_bytes, want));
	if (!(flags & MSG_PEEK)) {
		stream_consume(s, got);
		netif_poll_all(); /* the window update, on loopback */
	}
	return (ssize_t)got;
}

static ssize_t dgram_recv(struct vfs_file *f, struct sock *s, const struct net_iov *iov, unsigned n,
			  int flags, void *addr, uint32_t *alen, int *msg_flags)
{
	while (!s->dq_len) {
		if (s->rd_shut)
			return 0;
		if (nonblocking(f, flags))
			return -EAGAIN;
		waitq_wait(&s->wq, 0);
	}
	struct dgram *d = &s->dq[s->dq_head];
	size_t got = copy_to_iov(iov, n, d->p, 0, d->p->tot_len);
	ssize_t r = (ssize_t)((flags & MSG_TRUNC) ? d->p->tot_len : got);
	if (got < d->p->tot_len && msg_flags)
		*msg_flags |= MSG_TRUNC;
	addr_out(s, &d->from, d->port, addr, alen);
	if (!(flags & MSG_PEEK)) {
		pbuf_free(d->p);
		s->dq_head = (s->dq_head + 1) % SOCK_UDP_QUEUE;
		s->dq_len--;
	}
	return r;
}

ssize_t net_recv(int fd, const struct net_iov *iov, unsigned n, int flags, void *addr,
		 uint32_t *alen, int *msg_flags)
{
	struct vfs_file *f;
	int err;
	struct sock *s = sock_get(fd, &f, &err);
	if (!s)
		return err;
	ssize_t r;
	if (s->type == SOCK_DGRAM) {
		r = dgram_recv(f, s, iov, n, flags, addr, alen, msg_flags);
	} else {
		r = stream_recv(f, s, iov, n, flags);
		if (r >= 0 && s->pcb.tcp && addr)
			addr_out(s, &s->pcb.tcp->remote_ip, s->pcb.tcp->remote_port, addr, alen);
		else if (alen)
			*alen = 0;
	}
	vfs_file_release(f);
	return r;
}

/* ---- shutdown, close ---- */

int net_shutdown(int fd, int how)
{
	struct vfs_file *f;
	int err;
	struct sock *s = sock_get(fd, &f, &err);
	if (!s)
		return err;
	if (how < SHUT_RD || how > SHUT_RDWR)
		err = -EINVAL;
	else if (s->type == SOCK_STREAM && s->state != S_CONNECTED)
		err = -ENOTCONN;
	if (!err) {
		bool rd = how != SHUT_WR, wr = how != SHUT_RD;
		s->rd_shut |= rd;
		s->wr_shut |= wr;
		if (s->type == SOCK_STREAM && s->pcb.tcp)
			err = errno_of(tcp_shutdown(s->pcb.tcp, 0, wr));
		netif_poll_all();
		sock_wake(s);
	}
	vfs_file_release(f);
	return err;
}

static void stream_detach(struct tcp_pcb *pcb)
{
	tcp_arg(pcb, NULL);
	tcp_recv(pcb, NULL); /* lwIP's default: later data is freed, a FIN closes */
	tcp_sent(pcb, NULL);
	tcp_err(pcb, NULL);
}

static void stream_release(struct sock *s)
{
	struct tcp_pcb *pcb = s->pcb.tcp;
	s->pcb.tcp = NULL;
	if (s->state == S_LISTEN) {
		tcp_arg(pcb, NULL);
		tcp_accept(pcb, NULL);
		tcp_close(pcb);
		for (; s->backlog_len; s->backlog_len--) {
			struct sock *c = s->backlog[s->backlog_head];
			s->backlog_head = (s->backlog_head + 1) % s->backlog_max;
			sock_ops.close(&(struct vfs_file){ .priv = c });
		}
		free(s->backlog);
		return;
	}
	if (!pcb)
		return;
	stream_detach(pcb);
	/* Unread data or SO_LINGER 0: a reset, as Linux; else an orderly close. */
	if (s->rx || s->linger == 0 || tcp_close(pcb) != ERR_OK)
		tcp_abort(pcb);
}

static void sock_close(struct vfs_file *f)
{
	struct sock *s = f->priv;
	if (s->type == SOCK_STREAM) {
		stream_release(s);
		if (s->rx)
			pbuf_free(s->rx);
	} else {
		udp_remove(s->pcb.udp);
		for (; s->dq_len; s->dq_len--, s->dq_head = (s->dq_head + 1) % SOCK_UDP_QUEUE)
			pbuf_free(s->dq[s->dq_head].p);
		free(s->dq);
	}
	netif_poll_all();
	free(s);
}

/* ---- read, write and stat as on any file ---- */

static ssize_t sock_read(struct vfs_file *f, void *buf, size_t len, off_t off __unused)
{
	struct sock *s = f->priv;
	struct net_iov iov = { buf, len };
	return s->type == SOCK_DGRAM ? dgram_recv(f, s, &iov, 1, 0, NULL, NULL, NULL)
				     : stream_recv(f, s, &iov, 1, 0);
}

static ssize_t sock_write(struct vfs_file *f, const void *buf, size_t len, off_t off __unused)
{
	struct sock *s = f->priv;
	struct net_iov iov = { (void *)buf, len };
	if (s->wr_shut)
		return -EPIPE;
	if (s->type == SOCK_DGRAM)
		return dgram_send(s, &iov, 1, NULL, 0);
	return s->state == S_CONNECTED || s->state == S_CLOSED ? stream_send(f, s, &iov, 1, 0)
							       : -EPIPE;
}

static int sock_stat(struct vfs_file *f __unused, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFSOCK | 0777;
	st->st_blksize = TCP_MSS;
	return 0;
}

/* Linux's answers, state by state (tcp_poll, udp_poll). */
static unsigned sock_poll(struct vfs_file *f)
{
	struct sock *s = f->priv;
	unsigned m = 0;
	if (s->type == SOCK_DGRAM)
		return (s->dq_len || s->rd_shut ? POLLIN | POLLRDNORM : 0) | POLLOUT | POLLWRNORM;
	if (s->state == S_LISTEN)
		return s->backlog_len ? POLLIN | POLLRDNORM : 0;
	if (s->state == S_NEW)
		return POLLOUT | POLLHUP;
	if (s->rx_bytes || s->fin || s->rd_shut)
		m |= POLLIN | POLLRDNORM;
	if (s->fin)
		m |= POLLRDHUP;
	struct tcp_pcb *p = s->pcb.tcp;
	if (s->state == S_CONNECTED && p && !s->wr_shut && tcp_sndbuf(p) &&
	    tcp_sndqueuelen(p) < TCP_SND_QUEUELEN)
		m |= POLLOUT | POLLWRNORM;
	if (s->error)
		m |= POLLERR;
	if (s->state == S_CLOSED || (s->fin && s->wr_shut))
		m |= POLLHUP;
	return m;
}

static const struct vfs_file_ops sock_ops = {
	.poll = sock_poll,
	.read = sock_read,
	.write = sock_write,
	.stat = sock_stat,
	.close = sock_close,
};

/* ---- names ---- */

static int name_of(int fd, void *addr, uint32_t *len, bool peer)
{
	struct vfs_file *f;
	int err;
	struct sock *s = sock_get(fd, &f, &err);
	if (!s)
		return err;
	if (!addr || !len) {
		err = -EFAULT;
	} else if (!s->pcb.any) {
		err = peer ? -ENOTCONN : addr_out(s, any_of(s), 0, addr, len);
	} else if (s->type == SOCK_STREAM) {
		struct tcp_pcb *p = s->pcb.tcp;
		if (peer && s->state != S_CONNECTED)
			err = -ENOTCONN;
		else if (peer)
			err = addr_out(s, &p->remote_ip, p->remote_port, addr, len);
		else
			err = addr_out(s, &p->local_ip, p->local_port, addr, len);
	} else {
		struct udp_pcb *p = s->pcb.udp;
		if (peer && !(p->flags & UDP_FLAGS_CONNECTED))
			err = -ENOTCONN;
		else if (peer)
			err = addr_out(s, &p->remote_ip, p->remote_port, addr, len);
		else
			err = addr_out(s, &p->local_ip, p->local_port, addr, len);
	}
	vfs_file_release(f);
	return err;
}

int net_getsockname(int fd, void *addr, uint32_t *len)
{
	return name_of(fd, addr, len, false);
}

int net_getpeername(int fd, void *addr, uint32_t *len)
{
	return name_of(fd, addr, len, true);
}

/* ---- options ---- */

static int int_arg(const void *val, uint32_t len, int *out)
{
	if (!val)
		return -EFAULT;
	if (len < sizeof(int))
		return -EINVAL;
	memcpy(out, val, sizeof(int));
	return 0;
}

static int put_int(void *val, uint32_t *len, int v)
{
	if (!val || !len)
		return -EFAULT;
	uint32_t n = MIN(*len, (uint32_t)sizeof(int));
	memcpy(val, &v, n);
	*len = n;
	return 0;
}

struct linger_l {
	int onoff, seconds;
};

/* The keepalive times lwIP keeps in ms, Linux's options take in seconds. */
static int set_tcp_option(struct sock *s, int name, int v)
{
	struct tcp_pcb *p = s->pcb.tcp;
	switch (name) {
	case TCP_NODELAY:
		s->nodelay = v;
		if (p && s->state != S_LISTEN && v)
			tcp_nagle_disable(p);
		else if (p && s->state != S_LISTEN)
			tcp_nagle_enable(p);
		return 0;
	case TCP_KEEPIDLE:
	case TCP_KEEPINTVL:
	case TCP_KEEPCNT:
		if (v <= 0 || v > 32767)
			return -EINVAL;
		if (!p)
			return 0;
		if (name == TCP_KEEPIDLE)
			p->keep_idle = (u32_t)v * 1000;
		else if (name == TCP_KEEPINTVL)
			p->keep_intvl = (u32_t)v * 1000;
		else
			p->keep_cnt = (u32_t)v;
		return 0;
	default: return -ENOPROTOOPT;
	}
}

static void pcb_option(struct sock *s, u8_t option, bool on)
{
	struct ip_pcb *p = s->pcb.any;
	if (p && on)
		ip_set_option(p, option);
	else if (p)
		ip_reset_option(p, option);
}

static int set_socket_option(struct sock *s, int name, const void *val, uint32_t len, int v)
{
	switch (name) {
	case SO_REUSEADDR:
	case SO_REUSEPORT:
		s->reuse = v;
		pcb_option(s, SOF_REUSEADDR, v);
		return 0;
	case SO_KEEPALIVE: pcb_option(s, SOF_KEEPALIVE, v); return 0;
	case SO_BROADCAST:
		if (s->type == SOCK_DGRAM)
			pcb_option(s, SOF_BROADCAST, v);
		return 0;
	case SO_RCVBUF:
	case SO_SNDBUF: return v < 0 ? -EINVAL : 0; /* the stack's windows are fixed (lwipopts.h) */
	case SO_LINGER: {
		struct linger_l l;
		if (!val)
			return -EFAULT;
		if (len < sizeof(l))
			return -EINVAL;
		memcpy(&l, val, sizeof(l));
		s->linger = l.onoff ? MAX(l.seconds, 0) : -1;
		return 0;
	}
	default: return -ENOPROTOOPT;
	}
}

/* Before bind only: the PCB's address family is chosen by it. */
static int set_v6only(struct sock *s, int v)
{
	struct ip_pcb *p = s->pcb.any;
	if (s->state != S_NEW ||
	    (p && (s->type == SOCK_STREAM ? s->pcb.tcp->local_port : s->pcb.udp->local_port)))
		return -EINVAL;
	s->v6only = v;
	if (p)
		IP_SET_TYPE_VAL(p->local_ip, ip_type_of(s));
	return 0;
}

int net_setsockopt(int fd, int level, int name, const void *val, uint32_t len)
{
	struct vfs_file *f;
	int err;
	struct sock *s = sock_get(fd, &f, &err);
	if (!s)
		return err;
	int v = 0;
	if (level != SOL_SOCKET || name != SO_LINGER)
		err = int_arg(val, len, &v);
	if (err)
		goto out;
	if (level == SOL_SOCKET)
		err = set_socket_option(s, name, val, len, v);
	else if (level == IPPROTO_TCP && s->type == SOCK_STREAM)
		err = set_tcp_option(s, name, v);
	else if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY && s->domain == AF_INET6)
		err = set_v6only(s, v);
	else if (level == IPPROTO_IP && (name == IP_TOS || name == IP_TTL) && s->pcb.any)
		err = 0; /* accepted; lwIP's defaults stay */
	else
		err = -ENOPROTOOPT;
out:
	vfs_file_release(f);
	return err;
}

static int get_socket_option(struct sock *s, int name, void *val, uint32_t *len)
{
	struct ip_pcb *p = s->pcb.any;
	switch (name) {
	case SO_TYPE: return put_int(val, len, s->type);
	case SO_DOMAIN: return put_int(val, len, s->domain);
	case SO_PROTOCOL:
		return put_int(val, len, s->type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP);
	case SO_ERROR: return put_int(val, len, -take_error(s));
	case SO_ACCEPTCONN: return put_int(val, len, s->state == S_LISTEN);
	case SO_REUSEADDR:
	case SO_REUSEPORT: return put_int(val, len, s->reuse);
	case SO_KEEPALIVE: return put_int(val, len, p && ip_get_option(p, SOF_KEEPALIVE) ? 1 : 0);
	case SO_RCVBUF: return put_int(val, len, s->type == SOCK_STREAM ? TCP_WND : 212992);
	case SO_SNDBUF: return put_int(val, len, s->type == SOCK_STREAM ? TCP_SND_BUF : 212992);
	case SO_LINGER: {
		struct linger_l l = { s->linger >= 0, MAX(s->linger, 0) };
		if (!val || !len)
			return -EFAULT;
		memcpy(val, &l, MIN(*len, (uint32_t)sizeof(l)));
		*len = MIN(*len, (uint32_t)sizeof(l));
		return 0;
	}
	default: return -ENOPROTOOPT;
	}
}

/* Before a connection exists: lwIP's defaults, which are Linux's (7200 s, 75 s, 9). */
static int get_tcp_option(struct sock *s, int name, void *val, uint32_t *len)
{
	struct tcp_pcb *p = s->pcb.tcp;
	switch (name) {
	case TCP_NODELAY: return put_int(val, len, s->nodelay);
	case TCP_MAXSEG:
		return put_int(val, len, p && s->state == S_CONNECTED ? tcp_mss(p) : TCP_MSS);
	case TCP_KEEPIDLE: return put_int(val, len, p ? (int)(p->keep_idle / 1000) : 7200);
	case TCP_KEEPINTVL: return put_int(val, len, p ? (int)(p->keep_intvl / 1000) : 75);
	case TCP_KEEPCNT: return put_int(val, len, p ? (int)p->keep_cnt : 9);
	default: return -ENOPROTOOPT;
	}
}

int net_getsockopt(int fd, int level, int name, void *val, uint32_t *len)
{
	struct vfs_file *f;
	int err;
	struct sock *s = sock_get(fd, &f, &err);
	if (!s)
		return err;
	if (level == SOL_SOCKET)
		err = get_socket_option(s, name, val, len);
	else if (level == IPPROTO_TCP && s->type == SOCK_STREAM)
		err = get_tcp_option(s, name, val, len);
	else if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY && s->domain == AF_INET6)
		err = put_int(val, len, s->v6only);
	else
		err = -ENOPROTOOPT;
	vfs_file_release(f);
	return err;
}
