/* SPDX-License-Identifier: MIT */
/*
 * xenstore client: the ring protocol to xenstored (io/xs_wire.h), for
 * threads. Paths without a leading '/' are relative to the guest's own
 * directory (/local/domain/<domid>/), as xenstored resolves them.
 *
 * Every call returns 0 (or a count) on success and a negative errno on
 * failure: the error xenstored sent (-ENOENT, -EACCES, -EEXIST, -EINVAL,
 * -EAGAIN when a transaction must be retried, ...), -ETIMEDOUT when no reply
 * came in time, -EPROTO when a reply broke the protocol (the client then
 * fails every request: the ring can no longer be trusted), -ENOMEM, or
 * -ENODEV before xs_init(). Replies are validated by xs_msg.c before use.
 *
 * Precondition for every call but xs_init(): thread context.
 */
#ifndef EMBER_XEN_XENSTORE_H
#define EMBER_XEN_XENSTORE_H

#include <ember/compiler.h>
#include <ember/errno.h>
#include <ember/list.h>

typedef uint32_t xs_transaction_t;
#define XS_NO_TRANSACTION 0u

/* Connects to the ring, starts the reader and watch threads. */
int xs_init(void);

/* Reads @path; *@value is a malloc'd NUL-terminated copy (free() it). */
int xs_read(xs_transaction_t t, const char *path, char **value);
/* Reads @path as an unsigned decimal number. */
int xs_read_uint(xs_transaction_t t, const char *path, unsigned long *value);
int xs_write(xs_transaction_t t, const char *path, const char *value);
int xs_printf(xs_transaction_t t, const char *path, const char *fmt, ...) __printf(3, 4);
int xs_mkdir(xs_transaction_t t, const char *path);
int xs_rm(xs_transaction_t t, const char *path);
/*
 * Lists @path's children: *@names is one malloc'd block holding the pointer
 * array and the strings (free() it once). Returns the number of children.
 */
int xs_directory(xs_transaction_t t, const char *path, char ***names);

int xs_transaction_start(xs_transaction_t *t);
/* Commits (@abort false) or aborts a transaction; -EAGAIN: retry it all. */
int xs_transaction_end(xs_transaction_t t, bool abort);

/*
 * A watch: @fn runs in the "xenwatch" thread (so it may call xenstore)
 * whenever @path or anything below it changes, with the path that changed;
 * once right after registration too, as xenstored always fires.
 */
struct xs_watch {
	const char *path;
	void (*fn)(struct xs_watch *w, const char *changed);
	void *data;
	struct list_node link; /* private */
	char token[20];	       /* private */
};

int xs_watch(struct xs_watch *w);
int xs_unwatch(struct xs_watch *w);

struct xs_stats {
	uint64_t requests, replies, watch_events;
	uint64_t dropped; /* replies nobody waited for, events for no watch */
	bool broken;	  /* a protocol error stopped the client */
};
void xs_get_stats(struct xs_stats *out);

#endif
