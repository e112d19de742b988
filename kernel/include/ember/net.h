/* SPDX-License-Identifier: MIT */
/*
 * The network stack's kernel API (apps with app-features += net). The
 * stack starts by itself before main() (kernel/net/net.c); what follows is
 * for looking at it.
 */
#ifndef EMBER_NET_H
#define EMBER_NET_H

#include <ember/netdev.h>
#include <ember/types.h>

/* The NICs the stack runs, in the order they were found (eth0 first). */
struct netdev *net_devices(void);

/*
 * Prints each interface's counters (the driver's frames, bytes, drops,
 * errors) and the stack's drops by protocol with their reasons (bad
 * checksums, bad lengths, ...), one line each.
 */
void net_report(void);

/*
 * Sockets (kernel/net/socket.c): Linux's calls, values and structures
 * (struct sockaddr_in and _in6 as Linux lays them out), each socket an fd
 * of the VFS. Every call returns a result >= 0 or a negative errno. The
 * C library's system calls (libc-glue/sys_net.c) are these; images
 * without the stack get kernel/net/nonet.c, where socket() is
 * -EAFNOSUPPORT.
 */
#define AF_UNSPEC      0
#define AF_UNIX	       1
#define AF_INET	       2
#define AF_INET6       10
#define SOCK_STREAM    1
#define SOCK_DGRAM     2
#define SOCK_RAW       3
#define SOCK_SEQPACKET 5
#define SOCK_NONBLOCK  04000
#define SOCK_CLOEXEC   02000000
#define IPPROTO_IP     0
#define IPPROTO_TCP    6
#define IPPROTO_UDP    17
#define IPPROTO_IPV6   41
#define SOL_SOCKET     1
#define SO_REUSEADDR   2
#define SO_TYPE	       3
#define SO_ERROR       4
#define SO_BROADCAST   6
#define SO_SNDBUF      7
#define SO_RCVBUF      8
#define SO_KEEPALIVE   9
#define SO_LINGER      13
#define SO_REUSEPORT   15
#define SO_ACCEPTCONN  30
#define SO_PROTOCOL    38
#define SO_DOMAIN      39
#define TCP_NODELAY    1
#define TCP_MAXSEG     2
#define TCP_KEEPIDLE   4
#define TCP_KEEPINTVL  5
#define TCP_KEEPCNT    6
#define IP_TOS	       1
#define IP_TTL	       2
#define IPV6_V6ONLY    26
#define MSG_PEEK       0x2
#define MSG_TRUNC      0x20
#define MSG_DONTWAIT   0x40
#define MSG_WAITALL    0x100
#define MSG_NOSIGNAL   0x4000
#define SHUT_RD	       0
#define SHUT_WR	       1
#define SHUT_RDWR      2

struct net_iov {
	void *base;
	size_t len;
};

int net_socket(int domain, int type, int protocol);
int net_bind(int fd, const void *addr, uint32_t len);
int net_listen(int fd, int backlog);
/* @flags: SOCK_NONBLOCK (SOCK_CLOEXEC is accepted: nothing is ever exec'd). */
int net_accept(int fd, void *addr, uint32_t *len, int flags);
int net_connect(int fd, const void *addr, uint32_t len);
/* sendto/sendmsg: @addr NULL for a connected socket. */
ssize_t net_send(int fd, const struct net_iov *iov, unsigned n, int flags, const void *addr,
		 uint32_t alen);
/* recvfrom/recvmsg: *@msg_flags gets MSG_TRUNC for a datagram cut short. */
ssize_t net_recv(int fd, const struct net_iov *iov, unsigned n, int flags, void *addr,
		 uint32_t *alen, int *msg_flags);
int net_shutdown(int fd, int how);
int net_setsockopt(int fd, int level, int name, const void *val, uint32_t len);
int net_getsockopt(int fd, int level, int name, void *val, uint32_t *len);
int net_getsockname(int fd, void *addr, uint32_t *len);
int net_getpeername(int fd, void *addr, uint32_t *len);

#endif
