// SPDX-License-Identifier: MIT
/*
 * The socket system calls: musl's socket(2) family, straight into the
 * kernel's sockets (<ember/net.h>, kernel/net/socket.c), which already take
 * Linux's structures, flags and errno values. The message calls unpack
 * struct msghdr (no ancillary data: msg_controllen comes back 0). An image
 * without the network stack links kernel/net/nonet.c instead, so socket()
 * is -EAFNOSUPPORT there.
 */
#include <ember/errno.h>
#include <ember/net.h>
#include <ember/syscall.h>

#define IOV_MAX 1024

struct msghdr_l {
	void *name;
	uint32_t namelen;
	struct net_iov *iov;
	size_t iovlen;
	void *control;
	size_t controllen;
	int flags;
};

SYSCALL3(socket, int, domain, int, type, int, protocol)
{
	return net_socket(domain, type, protocol);
}

SYSCALL3(bind, int, fd, const void *, addr, uint32_t, len)
{
	return net_bind(fd, addr, len);
}

SYSCALL2(listen, int, fd, int, backlog)
{
	return net_listen(fd, backlog);
}

SYSCALL3(accept, int, fd, void *, addr, uint32_t *, len)
{
	return net_accept(fd, addr, len, 0);
}

SYSCALL4(accept4, int, fd, void *, addr, uint32_t *, len, int, flags)
{
	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	return net_accept(fd, addr, len, flags);
}

SYSCALL3(connect, int, fd, const void *, addr, uint32_t, len)
{
	return net_connect(fd, addr, len);
}

SYSCALL6(sendto, int, fd, const void *, buf, size_t, len, int, flags, const void *, addr, uint32_t,
	 alen)
{
	struct net_iov iov = { (void *)buf, len };
	return net_send(fd, &iov, 1, flags, addr, alen);
}

SYSCALL6(recvfrom, int, fd, void *, buf, size_t, len, int, flags, void *, addr, uint32_t *, alen)
{
	struct net_iov iov = { buf, len };
	return net_recv(fd, &iov, 1, flags, addr, alen, NULL);
}

static int msg_check(const struct msghdr_l *m)
{
	if (!m)
		return -EFAULT;
	if (m->iovlen > IOV_MAX)
		return -EMSGSIZE;
	return m->iovlen && !m->iov ? -EFAULT : 0;
}

SYSCALL3(sendmsg, int, fd, const struct msghdr_l *, m, int, flags)
{
	int err = msg_check(m);
	return err ?: net_send(fd, m->iov, (unsigned)m->iovlen, flags, m->name, m->namelen);
}

SYSCALL3(recvmsg, int, fd, struct msghdr_l *, m, int, flags)
{
	int err = msg_check(m);
	if (err)
		return err;
	m->flags = 0;
	m->controllen = 0;
	return net_recv(fd, m->iov, (unsigned)m->iovlen, flags, m->name,
			m->name ? &m->namelen : NULL, &m->flags);
}

SYSCALL2(shutdown, int, fd, int, how)
{
	return net_shutdown(fd, how);
}

SYSCALL5(setsockopt, int, fd, int, level, int, name, const void *, val, uint32_t, len)
{
	return net_setsockopt(fd, level, name, val, len);
}

SYSCALL5(getsockopt, int, fd, int, level, int, name, void *, val, uint32_t *, len)
{
	return net_getsockopt(fd, level, name, val, len);
}

SYSCALL3(getsockname, int, fd, void *, addr, uint32_t *, len)
{
	return net_getsockname(fd, addr, len);
}

SYSCALL3(getpeername, int, fd, void *, addr, uint32_t *, len)
{
	return net_getpeername(fd, addr, len);
}
