// SPDX-License-Identifier: MIT
/*
 * The registry of 9P shares: platforms register a transport per share they
 * find (virtio-9p devices, Xen 9pfs frontends) and mounts look them up by
 * mount tag. Registration happens while devices start, in one thread.
 */
#include <ember/p9_transport.h>
#include <ember/string.h>

static struct p9_transport *transports;

void p9_transport_register(struct p9_transport *t)
{
	struct p9_transport **tail = &transports;
	while (*tail)
		tail = &(*tail)->next;
	t->next = NULL;
	*tail = t;
}

struct p9_transport *p9_transport_find(const char *tag)
{
	for (struct p9_transport *t = transports; t; t = t->next)
		if (!strcmp(t->tag, tag))
			return t;
	return NULL;
}

struct p9_transport *p9_transport_first(void)
{
	return transports;
}
