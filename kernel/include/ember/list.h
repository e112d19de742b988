/* SPDX-License-Identifier: MIT */
/* Intrusive circular doubly-linked lists (the Linux/BSD idiom). */
#ifndef EMBER_LIST_H
#define EMBER_LIST_H

#include <ember/compiler.h>

struct list_node {
	struct list_node *next, *prev;
};

#define LIST_INIT(name)          \
	{                        \
		&(name), &(name) \
	}

static inline void list_init(struct list_node *head)
{
	head->next = head->prev = head;
}

static inline bool list_empty(const struct list_node *head)
{
	return head->next == head;
}

static inline void list_insert_before(struct list_node *pos, struct list_node *n)
{
	n->prev = pos->prev;
	n->next = pos;
	pos->prev->next = n;
	pos->prev = n;
}

static inline void list_push_back(struct list_node *head, struct list_node *n)
{
	list_insert_before(head, n);
}

static inline void list_remove(struct list_node *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->next = n->prev = n;
}

static inline struct list_node *list_pop_front(struct list_node *head)
{
	struct list_node *n = head->next;
	if (n == head)
		return NULL;
	list_remove(n);
	return n;
}

#define list_for_each(it, head) \
	for (struct list_node *it = (head)->next; it != (head); it = it->next)

#define list_entry(n, type, member) container_of(n, type, member)

#endif
