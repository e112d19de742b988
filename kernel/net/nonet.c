// SPDX-License-Identifier: MIT
/*
 * The socket calls of an image without the network stack (no
 * app-features += net): socket() says the address family is not supported,
 * and every other call has no socket to act on. Chosen at link time
 * (GNUmakefile) so libc-glue's system calls link the same either way.
 */
#include <ember/errno.h>
#include <ember/net.h>

struct netdev *net_devices(void)
{
	return NULL;
}

void net_report(void)
{
}

int net_socket(int domain __unused, int type __unused, int protocol __unused)
{
	return -EAFNOSUPPORT;
}

int net_bind(int fd __unused, const void *addr __unused, uint32_t len __unused)
{
	return -ENOTSOCK;
}

int net_listen(int fd __unused, int backlog __unused)
{
	return -ENOTSOCK;
}

int net_accept(int fd __unused, void *addr __unused, uint32_t *len __unused, int flags __unused)
{
	return -ENOTSOCK;
}

int net_connect(int fd __unused, const void *addr __unused, uint32_t len __unused)
{
	return -ENOTSOCK;
}

ssize_t net_send(int fd __unused, const struct net_iov *iov __unused, unsigned n __unused,
		 int flags __unused, const void *addr __unused, uint32_t alen __unused)
{
	return -ENOTSOCK;
}

ssize_t net_recv(int fd __unused, const struct net_iov *iov __unused, unsigned n __unused,
		 int flags __unused, void *addr __unused, uint32_t *alen __unused,
		 int *msg_flags __unused)
{
	return -ENOTSOCK;
}

int net_shutdown(int fd __unused, int how __unused)
{
	return -ENOTSOCK;
}

int net_setsockopt(int fd __unused, int level __unused, int name __unused, const void *val __unused,
		   uint32_t len __unused)
{
	return -ENOTSOCK;
}

int net_getsockopt(int fd __unused, int level __unused, int name __unused, void *val __unused,
		   uint32_t *len __unused)
{
	return -ENOTSOCK;
}

int net_getsockname(int fd __unused, void *addr __unused, uint32_t *len __unused)
{
	return -ENOTSOCK;
}

int net_getpeername(int fd __unused, void *addr __unused, uint32_t *len __unused)
{
	return -ENOTSOCK;
}
