// SPDX-License-Identifier: MIT
/*
 * netecho: a TCP and UDP echo server on BSD sockets, ordinary C that builds
 * unchanged on Linux, for the network tests.
 *
 *   netecho PORT [connect HOST PORT BYTES]
 *   netecho --errors
 *   netecho --readiness
 *   netecho PORT --epoll
 *
 * TCP: a dual-stack listener (IPv6 socket, IPV6_V6ONLY off) on PORT, one
 * thread per connection echoing until the peer's end of file, then
 * closing. UDP: every datagram to PORT comes back to its sender, except
 * "stop", which ends the program: it prints how many connections and bytes
 * it served and exits 0. With `connect`, it first acts as a client: sends
 * BYTES of a known pattern to HOST:PORT, reads the echo back, checks it,
 * and prints a line saying so. --errors makes bad socket calls and checks
 * each fails with Linux's errno (the same program run on Linux agrees).
 * --readiness checks poll, select, epoll (level, edge, one-shot) and
 * eventfd on pipes, eventfds and sockets the same way. --epoll serves TCP
 * from one thread, every socket non-blocking under edge-triggered epoll,
 * as nginx does.
 */
#define _GNU_SOURCE /* accept4 on glibc */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

static atomic_ulong connections, bytes_echoed, live;

static void die(const char *what)
{
	printf("netecho: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void *echo_connection(void *arg)
{
	int fd = (int)(long)arg;
	static __thread char buf[65536];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(fd, buf + off, (size_t)(n - off));
			if (w <= 0)
				goto out;
			off += w;
		}
		bytes_echoed += (unsigned long)n;
	}
out:
	close(fd);
	live--;
	return NULL;
}

static void *accept_loop(void *arg)
{
	int l = (int)(long)arg;
	for (;;) {
		int fd = accept4(l, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			die("accept4");
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		connections++;
		live++;
		pthread_t t;
		pthread_attr_t a;
		pthread_attr_init(&a);
		pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&a, 64 * 1024);
		if (pthread_create(&t, &a, echo_connection, (void *)(long)fd)) {
			close(fd);
			live--;
		}
		pthread_attr_destroy(&a);
	}
	return NULL;
}

static int listen_on(int type, int port)
{
	int fd = socket(AF_INET6, type, 0);
	if (fd < 0)
		die("socket");
	int zero = 0, one = 1;
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		die("setsockopt");
	struct sockaddr_in6 a = { .sin6_family = AF_INET6,
				  .sin6_port = htons((uint16_t)port),
				  .sin6_addr = IN6ADDR_ANY_INIT };
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)))
		die("bind");
	if (type == SOCK_STREAM && listen(fd, 128))
		die("listen");
	return fd;
}

static unsigned char pattern(size_t i)
{
	return (unsigned char)((i * 131) ^ (i >> 9));
}

/* The client: BYTES to HOST:PORT and back, checked. */
static void *client_send(void *arg)
{
	int fd = ((int *)arg)[0];
	size_t total = ((size_t *)arg)[1];
	static char buf[16384];
	for (size_t off = 0; off < total;) {
		size_t n = total - off < sizeof(buf) ? total - off : sizeof(buf);
		for (size_t i = 0; i < n; i++)
			buf[i] = (char)pattern(off + i);
		ssize_t w = write(fd, buf, n);
		if (w <= 0)
			die("client write");
		off += (size_t)w;
	}
	shutdown(fd, SHUT_WR);
	return NULL;
}

static void run_client(const char *host, int port, size_t total)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
		printf("netecho: bad address %s\n", host);
		exit(2);
	}
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)))
		die("connect");
	union {
		int fd;
		size_t pad[2];
	} arg = { .pad = { 0, total } };
	arg.fd = fd;
	pthread_t t;
	if (pthread_create(&t, NULL, client_send, &arg))
		die("pthread_create");
	static char buf[16384];
	size_t got = 0, bad = 0;
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++)
			bad += (unsigned char)buf[i] != pattern(got + (size_t)i);
		got += (size_t)n;
	}
	pthread_join(t, NULL);
	close(fd);
	printf("netecho: client: %zu of %zu bytes came back, %zu wrong\n", got, total, bad);
}

static int failures;

static void expect(const char *what, int r, int want_errno)
{
	int ok = r == -1 && errno == want_errno;
	printf("netecho: %-34s %s (%s)\n", what, ok ? "ok" : "FAILED",
	       r == -1 ? strerror(errno) : "no error");
	failures += !ok;
}

static int bad_calls(void)
{
	char buf[16];
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(9) };
	socklen_t len = sizeof(a);
	expect("socket(AF_APPLETALK)", socket(5, SOCK_STREAM, 0), EAFNOSUPPORT);
	expect("socket(SOCK_RAW, no protocol)", socket(AF_INET, SOCK_RAW, 0), EPROTONOSUPPORT);
	expect("socket(SOCK_SEQPACKET)", socket(AF_INET, SOCK_SEQPACKET, 0), ESOCKTNOSUPPORT);
	expect("socket(stream, UDP)", socket(AF_INET, SOCK_STREAM, IPPROTO_UDP), EPROTONOSUPPORT);
	expect("bind(bad fd)", bind(999, (struct sockaddr *)&a, sizeof(a)), EBADF);
	expect("listen(not a socket)", listen(1, 1), ENOTSOCK);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	expect("bind(NULL)", bind(s, NULL, sizeof(a)), EFAULT);
	expect("bind(short length)", bind(s, (struct sockaddr *)&a, 4), EINVAL);
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
	expect("bind(IPv6 address, IPv4 socket)", bind(s, (struct sockaddr *)&a6, sizeof(a6)),
	       EAFNOSUPPORT);
	expect("getpeername(unconnected)", getpeername(s, (struct sockaddr *)&a, &len), ENOTCONN);
	expect("recv(unconnected)", (int)recv(s, buf, sizeof(buf), 0), ENOTCONN);
	expect("send(unconnected)", (int)send(s, buf, sizeof(buf), MSG_NOSIGNAL), EPIPE);
	expect("shutdown(unconnected)", shutdown(s, SHUT_WR), ENOTCONN);
	int v = 1;
	expect("setsockopt(unknown option)", setsockopt(s, SOL_SOCKET, 12345, &v, sizeof(v)),
	       ENOPROTOOPT);
	expect("setsockopt(short value)", setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, 1), EINVAL);
	expect("setsockopt(NULL value)", setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, NULL, 4), EFAULT);
	expect("accept(not listening)", accept(s, NULL, NULL), EINVAL);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	expect("send(UDP, no destination)", (int)send(u, buf, 4, 0), EDESTADDRREQ);
	expect("listen(UDP)", listen(u, 1), EOPNOTSUPP);
	static char big[70000];
	a.sin_addr.s_addr = htonl(0x7f000001);
	expect("sendto(UDP, 70,000 bytes)",
	       (int)sendto(u, big, sizeof(big), 0, (struct sockaddr *)&a, sizeof(a)), EMSGSIZE);
	int nb = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in any = { .sin_family = AF_INET };
	bind(nb, (struct sockaddr *)&any, sizeof(any));
	listen(nb, 4);
	expect("accept(non-blocking, none waiting)", accept(nb, NULL, NULL), EAGAIN);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_port = htons(1); /* nothing listens there */
	expect("connect(closed port)", connect(c, (struct sockaddr *)&a, sizeof(a)), ECONNREFUSED);
	close(s), close(u), close(nb), close(c);
	printf("netecho: %d bad call%s answered wrongly\n", failures, failures == 1 ? "" : "s");
	return failures ? 1 : 0;
}

static void check(const char *what, int ok)
{
	printf("netecho: %-44s %s\n", what, ok ? "ok" : "FAILED");
	failures += !ok;
}

static int poll_one(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };
	return poll(&p, 1, 0) == 1 ? p.revents : 0;
}

static int epoll_count(int ep)
{
	struct epoll_event ev[8];
	return epoll_wait(ep, ev, 8, 0);
}

static int readiness(void)
{
	int p[2];
	char x = 'x';
	if (pipe2(p, O_NONBLOCK))
		die("pipe2");
	check("poll: empty pipe not readable", !(poll_one(p[0], POLLIN) & POLLIN));
	check("poll: empty pipe writable", poll_one(p[1], POLLOUT) & POLLOUT);
	write(p[1], &x, 1);
	check("poll: pipe with a byte readable", poll_one(p[0], POLLIN) & POLLIN);
	fd_set r;
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	struct timeval tv = { 0, 0 };
	check("select: pipe readable",
	      select(p[0] + 1, &r, NULL, NULL, &tv) == 1 && FD_ISSET(p[0], &r));
	int lt = epoll_create1(0), et = epoll_create1(0), one = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN };
	epoll_ctl(lt, EPOLL_CTL_ADD, p[0], &ev);
	ev.events = EPOLLIN | EPOLLET;
	epoll_ctl(et, EPOLL_CTL_ADD, p[0], &ev);
	ev.events = EPOLLIN | EPOLLONESHOT;
	epoll_ctl(one, EPOLL_CTL_ADD, p[0], &ev);
	check("epoll level: reports", epoll_count(lt) == 1);
	check("epoll level: reports again", epoll_count(lt) == 1);
	check("epoll edge: reports", epoll_count(et) == 1);
	check("epoll edge: not again without new data", epoll_count(et) == 0);
	write(p[1], &x, 1);
	check("epoll edge: again after new data", epoll_count(et) == 1);
	check("epoll one-shot: reports once", epoll_count(one) == 1 && epoll_count(one) == 0);
	ev.events = EPOLLIN | EPOLLONESHOT;
	epoll_ctl(one, EPOLL_CTL_MOD, p[0], &ev);
	check("epoll one-shot: re-armed by MOD", epoll_count(one) == 1);
	check("epoll_ctl ADD twice: EEXIST",
	      epoll_ctl(lt, EPOLL_CTL_ADD, p[0], &ev) == -1 && errno == EEXIST);
	check("epoll_ctl DEL unknown: ENOENT",
	      epoll_ctl(lt, EPOLL_CTL_DEL, p[1], NULL) == -1 && errno == ENOENT);
	char buf[8];
	while (read(p[0], buf, sizeof(buf)) > 0)
		;
	check("epoll level: quiet once drained", epoll_count(lt) == 0);
	close(p[1]);
	check("poll: writer gone is POLLHUP", poll_one(p[0], POLLIN) & POLLHUP);
	int efd = eventfd(0, EFD_NONBLOCK);
	check("eventfd: empty not readable", !(poll_one(efd, POLLIN) & POLLIN));
	uint64_t v = 3;
	write(efd, &v, sizeof(v));
	write(efd, &v, sizeof(v));
	check("eventfd: readable after write", poll_one(efd, POLLIN) & POLLIN);
	check("eventfd: read returns the sum", read(efd, &v, sizeof(v)) == 8 && v == 6);
	check("eventfd: empty again is EAGAIN", read(efd, &v, sizeof(v)) == -1 && errno == EAGAIN);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	socklen_t alen = sizeof(a);
	bind(l, (struct sockaddr *)&a, sizeof(a));
	listen(l, 4);
	getsockname(l, (struct sockaddr *)&a, &alen);
	check("poll: listener without connections quiet", !(poll_one(l, POLLIN) & POLLIN));
	int c = socket(AF_INET, SOCK_STREAM, 0);
	check("loopback connect", connect(c, (struct sockaddr *)&a, sizeof(a)) == 0);
	struct pollfd pl = { .fd = l, .events = POLLIN };
	check("poll: listener readable with a connection", poll(&pl, 1, 5000) == 1);
	int s = accept(l, NULL, NULL);
	check("poll: connected socket writable", poll_one(s, POLLOUT) & POLLOUT);
	check("poll: no data, not readable", !(poll_one(s, POLLIN) & POLLIN));
	write(c, "hi", 2);
	struct pollfd ps = { .fd = s, .events = POLLIN };
	check("poll: data readable", poll(&ps, 1, 5000) == 1 && (ps.revents & POLLIN));
	shutdown(c, SHUT_WR);
	read(s, buf, sizeof(buf));
	ps.events = POLLIN | POLLRDHUP;
	check("poll: peer's FIN is POLLRDHUP", poll(&ps, 1, 5000) == 1 && (ps.revents & POLLRDHUP));
	struct pollfd none[1] = { { .fd = -1 } };
	check("poll: timeout passes", poll(none, 1, 50) == 0);
	close(c), close(s), close(l), close(efd), close(p[0]), close(lt), close(et), close(one);
	printf("netecho: %d readiness check%s failed\n", failures, failures == 1 ? "" : "s");
	return failures ? 1 : 0;
}

/* One connection of the epoll server: what was read and not yet written back. */
struct conn {
	int fd;
	size_t have, sent;
	char buf[16384];
};

static void epoll_serve(int port)
{
	int l = listen_on(SOCK_STREAM, port), u = listen_on(SOCK_DGRAM, port);
	fcntl(l, F_SETFL, O_NONBLOCK);
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.ptr = NULL };
	epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
	ev.events = EPOLLIN;
	ev.data.ptr = &u;
	epoll_ctl(ep, EPOLL_CTL_ADD, u, &ev);
	printf("netecho: serving TCP (epoll, one thread) and UDP on port %d\n", port);
	fflush(stdout);
	for (;;) {
		struct epoll_event evs[64];
		int n = epoll_wait(ep, evs, 64, -1);
		if (n < 0)
			die("epoll_wait");
		for (int i = 0; i < n; i++) {
			void *who = evs[i].data.ptr;
			if (!who) {
				int fd;
				while ((fd = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					struct conn *c = calloc(1, sizeof(*c));
					c->fd = fd;
					struct epoll_event ce = { .events = EPOLLIN | EPOLLOUT |
									    EPOLLET | EPOLLRDHUP,
								  .data.ptr = c };
					epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ce);
					connections++;
				}
				continue;
			}
			if (who == &u) {
				char b[2048];
				struct sockaddr_in6 from;
				socklen_t len = sizeof(from);
				ssize_t k = recvfrom(u, b, sizeof(b), 0, (struct sockaddr *)&from,
						     &len);
				if (k == 4 && !memcmp(b, "stop", 4))
					return;
				if (k > 0)
					sendto(u, b, (size_t)k, 0, (struct sockaddr *)&from, len);
				continue;
			}
			struct conn *c = who;
			bool done = false;
			for (;;) { /* edge-triggered: until EAGAIN both ways */
				while (c->sent < c->have) {
					ssize_t w =
						write(c->fd, c->buf + c->sent, c->have - c->sent);
					if (w < 0)
						break;
					c->sent += (size_t)w;
				}
				if (c->sent < c->have)
					break; /* EPOLLOUT will come */
				c->have = c->sent = 0;
				ssize_t r = read(c->fd, c->buf, sizeof(c->buf));
				if (r > 0) {
					c->have = (size_t)r;
					bytes_echoed += (unsigned long)r;
					continue;
				}
				done = r == 0 || errno != EAGAIN;
				break;
			}
			if (done) {
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				close(c->fd);
				free(c);
			}
		}
	}
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--readiness"))
		return readiness();
	if (argc == 3 && !strcmp(argv[2], "--epoll")) {
		epoll_serve(atoi(argv[1]));
		printf("netecho: served %lu connections, %lu bytes echoed, %lu still open\n",
		       (unsigned long)connections, (unsigned long)bytes_echoed, 0ul);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--errors"))
		return bad_calls();
	if (argc != 2 && !(argc == 6 && !strcmp(argv[2], "connect"))) {
		printf("usage: netecho PORT [connect HOST PORT BYTES]\n");
		return 2;
	}
	int port = atoi(argv[1]);
	if (argc == 6)
		run_client(argv[3], atoi(argv[4]), strtoull(argv[5], NULL, 10));
	int tcp = listen_on(SOCK_STREAM, port), udp = listen_on(SOCK_DGRAM, port);
	pthread_t t;
	if (pthread_create(&t, NULL, accept_loop, (void *)(long)tcp))
		die("pthread_create");
	printf("netecho: serving TCP and UDP on port %d\n", port);
	fflush(stdout);
	for (;;) {
		char buf[2048];
		struct sockaddr_in6 from;
		socklen_t len = sizeof(from);
		ssize_t n = recvfrom(udp, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);
		if (n < 0)
			die("recvfrom");
		if (n == 4 && !memcmp(buf, "stop", 4))
			break;
		if (sendto(udp, buf, (size_t)n, 0, (struct sockaddr *)&from, len) != n)
			die("sendto");
	}
	printf("netecho: served %lu connections, %lu bytes echoed, %lu still open\n",
	       (unsigned long)connections, (unsigned long)bytes_echoed, (unsigned long)live);
	return 0;
}
