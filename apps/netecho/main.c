// SPDX-License-Identifier: MIT
/*
 * netecho: a TCP and UDP echo server on BSD sockets, ordinary C that builds
 * unchanged on Linux, for the network tests.
 *
 *   netecho PORT [connect HOST PORT BYTES]
 *   netecho --errors
 *
 * TCP: a dual-stack listener (IPv6 socket, IPV6_V6ONLY off) on PORT, one
 * thread per connection echoing until the peer's end of file, then
 * closing. UDP: every datagram to PORT comes back to its sender, except
 * "stop", which ends the program: it prints how many connections and bytes
 * it served and exits 0. With `connect`, it first acts as a client: sends
 * BYTES of a known pattern to HOST:PORT, reads the echo back, checks it,
 * and prints a line saying so. --errors makes bad socket calls and checks
 * each fails with Linux's errno (the same program run on Linux agrees).
 */
#define _GNU_SOURCE /* accept4 on glibc */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int main(int argc, char **argv)
{
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
