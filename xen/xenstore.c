// SPDX-License-Identifier: MIT
/*
 * xenstore client (see <ember/xen/xenstore.h>).
 *
 * Requests. A caller builds header + payload, takes the writer mutex, copies
 * them into the request ring (waiting for space when it is full), notifies
 * xenstored and sleeps until its reply arrives, matched by req_id.
 *
 * The "xenstore" thread is the only reader of the response ring. It wakes on
 * the store event channel, takes one message at a time (header checked by
 * xs_msg_check_header() before anything else is believed), hands replies to
 * their waiting requests and queues watch events for the "xenwatch" thread,
 * which runs the callbacks (they may make requests, so they cannot run in the
 * reader). A protocol error marks the client broken and fails all waiters.
 *
 * Both rings follow <ember/xen/xring.h>: our indexes are kept privately,
 * xenstored's are read once per step and bounded. Failure policy: a reply
 * is waited for XS_REPLY_TIMEOUT_NS (then -ETIMEDOUT, the late reply
 * dropped); a request ring that stays full as long, or any protocol error,
 * breaks the client for good (-EPROTO from then on).
 */
#include <ember/errno.h>
#include <ember/format.h>
#include <ember/heap.h>
#include <ember/printk.h>
#include <ember/sched.h>
#include <ember/string.h>
#include <ember/time.h>
#include <ember/xen/xen.h>
#include <ember/xen/xenstore.h>
#include <ember/xen/xring.h>
#include <ember/xen/xs_msg.h>

#define XS_REPLY_TIMEOUT_NS (30 * NSEC_PER_SEC)

struct xs_request {
	uint32_t req_id;
	bool done;
	int err;
	uint32_t type, len;
	char *body;
	struct list_node link;
};

struct xs_event {
	struct list_node link;
	char *body;
	uint32_t len;
};

static struct xenstore_domain_interface *ring;
static struct xring req_ring, rsp_ring;		   /* <ember/xen/xring.h>: our indexes kept here */
static struct waitq ring_wq = WAITQ_INIT(ring_wq); /* ring progress (event) */
static struct waitq reply_wq = WAITQ_INIT(reply_wq); /* a reply arrived */
static struct waitq event_wq = WAITQ_INIT(event_wq); /* a watch event queued */
static struct mutex writer = MUTEX_INIT(writer);
static struct list_node pending = LIST_INIT(pending);
static struct list_node events = LIST_INIT(events);
static struct list_node watches = LIST_INIT(watches);
static uint32_t next_req_id = 1;
static struct xs_stats stats;

static void ring_event(evtchn_port_t port __unused, void *data __unused)
{
	waitq_wake_all(&ring_wq);
}

static void notify(void)
{
	evtchn_send(xen_boot.store_port);
}

/* ---- writing requests ------------------------------------------------------------ */

static void fail_everything(int err);

/*
 * Copies @data into the request ring as xenstored makes room. A ring that
 * stays full past XS_REPLY_TIMEOUT_NS leaves a request half written, which
 * no later request can follow: the client is then broken.
 */
static int ring_write(const void *data, size_t len)
{
	const char *p = data;
	uint64_t deadline = time_now_ns() + XS_REPLY_TIMEOUT_NS;
	while (len) {
		uint32_t room;
		if (stats.broken)
			return -EPROTO;
		if (xring_space(&req_ring, &room))
			return -EPROTO; /* xenstored corrupted the indexes */
		if (room == 0) {
			if (time_now_ns() >= deadline) {
				fail_everything(-ETIMEDOUT);
				return -ETIMEDOUT;
			}
			waitq_wait(&ring_wq, MIN(time_now_ns() + NSEC_PER_SEC, deadline));
			continue;
		}
		uint32_t n = (uint32_t)MIN((size_t)room, len);
		xring_put(&req_ring, p, n);
		xring_publish(&req_ring);
		notify();
		p += n;
		len -= n;
	}
	return 0;
}

/* Sends one request; @parts are concatenated into the payload. */
static int send_request(struct xs_request *r, uint32_t type, xs_transaction_t t,
			const char *const *parts, const size_t *lens, unsigned nparts)
{
	struct xsd_sockmsg hdr = { .type = type, .tx_id = t };
	for (unsigned i = 0; i < nparts; i++)
		hdr.len += (uint32_t)lens[i];
	if (hdr.len > XENSTORE_PAYLOAD_MAX)
		return -E2BIG;
	mutex_lock(&writer);
	r->req_id = hdr.req_id = next_req_id++;
	list_push_back(&pending, &r->link);
	int err = ring_write(&hdr, sizeof(hdr));
	for (unsigned i = 0; !err && i < nparts; i++)
		err = ring_write(parts[i], lens[i]);
	if (err)
		list_remove(&r->link);
	mutex_unlock(&writer);
	stats.requests++;
	return err;
}

/*
 * One request/reply exchange. On success returns 0 with the reply payload
 * in *@body (malloc'd, NUL-terminated; NULL allowed) and its length.
 */
static int talk(uint32_t type, xs_transaction_t t, const char *const *parts, const size_t *lens,
		unsigned nparts, char **body, uint32_t *len)
{
	if (!ring)
		return -ENODEV;
	if (stats.broken)
		return -EPROTO;
	struct xs_request r = { .err = 0 };
	list_init(&r.link);
	int err = send_request(&r, type, t, parts, lens, nparts);
	if (err)
		return err;
	err = wait_event_timeout(&reply_wq, r.done, XS_REPLY_TIMEOUT_NS);
	if (err) {
		list_remove(&r.link); /* the reply, if it ever comes, is dropped */
		return err;
	}
	if (r.err) {
		free(r.body);
		return r.err;
	}
	if (r.type == XS_ERROR) {
		err = xs_msg_error(r.body, r.len);
		free(r.body);
		return err;
	}
	if (r.type != type) {
		free(r.body);
		return -EPROTO;
	}
	if (body)
		*body = r.body;
	else
		free(r.body);
	if (len)
		*len = r.len;
	return 0;
}

/* A request whose payload is one or two strings, each sent with its NUL. */
static int talk_strings(uint32_t type, xs_transaction_t t, const char *a, const char *b,
			char **body, uint32_t *len)
{
	const char *parts[2] = { a, b };
	size_t lens[2] = { strlen(a) + 1, b ? strlen(b) + 1 : 0 };
	return talk(type, t, parts, lens, b ? 2 : 1, body, len);
}

/* ---- reading replies (the xenstore thread) ----------------------------------------- */

/* Copies @len bytes out of the response ring, waiting as they arrive. */
static int ring_read(void *data, size_t len)
{
	char *p = data;
	while (len) {
		uint32_t avail;
		if (xring_avail(&rsp_ring, &avail))
			return -EPROTO; /* xenstored corrupted the indexes */
		if (!avail) {
			waitq_wait(&ring_wq, 0);
			continue;
		}
		uint32_t n = (uint32_t)MIN((size_t)avail, len);
		xring_peek(&rsp_ring, 0, p, n);
		xring_skip(&rsp_ring, n);
		xring_publish(&rsp_ring);
		notify();
		p += n;
		len -= n;
	}
	return 0;
}

static void fail_everything(int err)
{
	printk("ember: xenstore: protocol error (%d): client stopped\n", err);
	stats.broken = true;
	struct list_node *n;
	while ((n = list_pop_front(&pending)) != NULL) {
		struct xs_request *r = list_entry(n, struct xs_request, link);
		r->err = err;
		r->done = true;
	}
	waitq_wake_all(&reply_wq);
	waitq_wake_all(&ring_wq);
}

static void deliver(const struct xsd_sockmsg *hdr, char *body)
{
	if (hdr->type == XS_WATCH_EVENT) {
		struct xs_event *e = malloc(sizeof(*e));
		if (!e) {
			free(body);
			stats.dropped++;
			return;
		}
		*e = (struct xs_event){ .body = body, .len = hdr->len };
		list_push_back(&events, &e->link);
		stats.watch_events++;
		waitq_wake_one(&event_wq);
		return;
	}
	list_for_each(it, &pending)
	{
		struct xs_request *r = list_entry(it, struct xs_request, link);
		if (r->req_id == hdr->req_id) {
			list_remove(&r->link);
			r->type = hdr->type;
			r->len = hdr->len;
			r->body = body;
			r->done = true;
			stats.replies++;
			waitq_wake_all(&reply_wq);
			return;
		}
	}
	free(body);
	stats.dropped++;
}

static int reader_thread(void *arg __unused)
{
	for (;;) {
		struct xsd_sockmsg hdr;
		int err = ring_read(&hdr, sizeof(hdr));
		err = err ?: xs_msg_check_header(&hdr);
		char *body = err ? NULL : malloc(hdr.len + 1);
		if (!err && !body)
			err = -ENOMEM;
		err = err ?: ring_read(body, hdr.len);
		if (err) {
			free(body);
			fail_everything(err);
			return err;
		}
		body[hdr.len] = '\0';
		deliver(&hdr, body);
	}
}

/* ---- watches (the xenwatch thread) --------------------------------------------------- */

static void run_watch(struct xs_event *e)
{
	const char *path, *token;
	if (xs_msg_watch_event(e->body, e->len, &path, &token)) {
		stats.dropped++;
		return;
	}
	list_for_each(it, &watches)
	{
		struct xs_watch *w = list_entry(it, struct xs_watch, link);
		if (!strcmp(w->token, token)) {
			w->fn(w, path);
			return;
		}
	}
	stats.dropped++; /* an event for a watch already removed */
}

static int watch_thread(void *arg __unused)
{
	for (;;) {
		wait_event_timeout(&event_wq, !list_empty(&events), 0);
		struct list_node *n = list_pop_front(&events);
		struct xs_event *e = list_entry(n, struct xs_event, link);
		run_watch(e);
		free(e->body);
		free(e);
	}
	return 0; /* not reached */
}

/* ---- public calls ---------------------------------------------------------------- */

int xs_init(void)
{
	if (!xen_boot.store)
		return -ENODEV;
	ring = xen_boot.store;
	/* Our indexes start where the page has them (the builder may have used it). */
	xring_init(&req_ring, ring->req, XENSTORE_RING_SIZE, &ring->req_cons, &ring->req_prod,
		   READ_ONCE(ring->req_prod));
	xring_init(&rsp_ring, ring->rsp, XENSTORE_RING_SIZE, &ring->rsp_prod, &ring->rsp_cons,
		   READ_ONCE(ring->rsp_cons));
	int err = evtchn_bind(xen_boot.store_port, ring_event, NULL);
	if (err)
		return err;
	struct thread *r = thread_create("xenstore", reader_thread, NULL, 0);
	struct thread *w = thread_create("xenwatch", watch_thread, NULL, 0);
	if (!r || !w)
		return -ENOMEM;
	thread_detach(r);
	thread_detach(w);
	return 0;
}

int xs_read(xs_transaction_t t, const char *path, char **value)
{
	return talk_strings(XS_READ, t, path, NULL, value, NULL);
}

int xs_read_uint(xs_transaction_t t, const char *path, unsigned long *value)
{
	char *s;
	int err = xs_read(t, path, &s);
	if (err)
		return err;
	unsigned long v = 0;
	const char *p = s;
	if (!*p)
		err = -EINVAL;
	for (; *p && !err; p++) {
		if (*p < '0' || *p > '9' || v > (~0ul - 9) / 10)
			err = -EINVAL;
		else
			v = v * 10 + (unsigned long)(*p - '0');
	}
	free(s);
	if (!err)
		*value = v;
	return err;
}

int xs_write(xs_transaction_t t, const char *path, const char *value)
{
	const char *parts[2] = { path, value };
	size_t lens[2] = { strlen(path) + 1, strlen(value) }; /* the value has no NUL */
	return talk(XS_WRITE, t, parts, lens, 2, NULL, NULL);
}

int xs_printf(xs_transaction_t t, const char *path, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf))
		return -E2BIG;
	return xs_write(t, path, buf);
}

int xs_mkdir(xs_transaction_t t, const char *path)
{
	return talk_strings(XS_MKDIR, t, path, NULL, NULL, NULL);
}

int xs_rm(xs_transaction_t t, const char *path)
{
	return talk_strings(XS_RM, t, path, NULL, NULL, NULL);
}

int xs_directory(xs_transaction_t t, const char *path, char ***names)
{
	char *body;
	uint32_t len;
	int err = talk_strings(XS_DIRECTORY, t, path, NULL, &body, &len);
	if (err)
		return err;
	unsigned count = 0;
	for (uint32_t i = 0; i < len; i++)
		count += body[i] == '\0';
	/* One block: the pointer array, then the strings. */
	char **out = malloc((count + 1) * sizeof(char *) + len + 1);
	if (!out) {
		free(body);
		return -ENOMEM;
	}
	char *strings = (char *)(out + count + 1);
	memcpy(strings, body, len + 1);
	free(body);
	unsigned n;
	err = xs_msg_split(strings, len, (const char **)out, count, &n);
	if (err) {
		free(out);
		return err;
	}
	out[n] = NULL;
	*names = out;
	return (int)n;
}

int xs_transaction_start(xs_transaction_t *t)
{
	char *body;
	uint32_t len;
	int err = talk_strings(XS_TRANSACTION_START, XS_NO_TRANSACTION, "", NULL, &body, &len);
	if (err)
		return err;
	err = xs_msg_uint(body, len, t);
	free(body);
	return err;
}

int xs_transaction_end(xs_transaction_t t, bool abort)
{
	return talk_strings(XS_TRANSACTION_END, t, abort ? "F" : "T", NULL, NULL, NULL);
}

int xs_watch(struct xs_watch *w)
{
	snprintf(w->token, sizeof(w->token), "%lx", (unsigned long)(uintptr_t)w);
	list_push_back(&watches, &w->link);
	int err = talk_strings(XS_WATCH, XS_NO_TRANSACTION, w->path, w->token, NULL, NULL);
	if (err)
		list_remove(&w->link);
	return err;
}

int xs_unwatch(struct xs_watch *w)
{
	int err = talk_strings(XS_UNWATCH, XS_NO_TRANSACTION, w->path, w->token, NULL, NULL);
	list_remove(&w->link);
	return err;
}

void xs_get_stats(struct xs_stats *out)
{
	*out = stats;
}
