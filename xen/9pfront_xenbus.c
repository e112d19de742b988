// SPDX-License-Identifier: MIT
/*
 * Xen 9pfs frontend, handshake (see xen/9pfront.h; the protocol is Xen's
 * docs/misc/9pfs.pandoc).
 *
 * Every device/9pfs/<id> is registered at boot as a transport under its
 * "tag" (which libxl writes next to the frontend's other keys), and its
 * handshake starts at once in a thread of its own, as Linux's probe does,
 * so that the first mount finds the ring ready instead of paying for the
 * handshake (connect() waits for that thread, and retries a handshake that
 * failed). The handshake waits for the backend's InitWait, checks
 * "versions" holds 1, picks the ring order (the backend's
 * max-ring-page-order, capped at P9FRONT_MAX_ORDER), allocates and grants
 * the indexes page and data pages, allocates the event channel, publishes
 * version, num-rings, ring-ref0 and event-channel-0 in one transaction, and
 * walks the states Initialised -> (backend Connected) -> Connected. The
 * largest message is then what the ring accepted holds.
 *
 * A handshake that fails releases what it set up: the event channel is
 * closed, the grants ended and the pages freed (a page the backend still
 * maps is kept, never reused), and our state goes back to Initialising, so
 * a later connect starts clean. A watch on the backend's state fails every
 * request with -ENOTCONN once it is Closing or gone, for good.
 */
#include <ember/device.h>
#include <ember/errno.h>
#include <ember/format.h>
#include <ember/heap.h>
#include <ember/page_alloc.h>
#include <ember/printk.h>
#include <ember/string.h>
#include <ember/time.h>
#include <ember/xen/gnttab.h>
#include <ember/xen/xenbus.h>
#include "9pfront.h"

#define HANDSHAKE_TIMEOUT_NS (30ull * 1000000000)

static int read_string(const char *dir, const char *key, char *out, size_t size)
{
	char path[P9FRONT_PATH_MAX + 32];
	char *v;
	snprintf(path, sizeof(path), "%s/%s", dir, key);
	int err = xs_read(XS_NO_TRANSACTION, path, &v);
	if (err)
		return err;
	size_t n = strlen(v);
	if (n >= size)
		err = -ENAMETOOLONG;
	else
		memcpy(out, v, n + 1);
	free(v);
	return err;
}

static int read_uint(const char *dir, const char *key, unsigned long *out)
{
	char path[P9FRONT_PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/%s", dir, key);
	return xs_read_uint(XS_NO_TRANSACTION, path, out);
}

/* ---- backend state watch ---- */

static void backend_changed(struct xs_watch *w, const char *changed __unused)
{
	struct p9front *f = w->data;
	enum xenbus_state s;
	int err = xenbus_read_state(f->backend, &s);
	if (f->connected && (err || s >= XenbusStateClosing)) {
		printk("9pfront: %s: backend %s went away (state %d)\n", f->tag, f->backend,
		       err ? -1 : (int)s);
		f->gone = true;
		p9front_fail_all(f);
	}
}

/* ---- ring set-up ---- */

static int negotiate(struct p9front *f)
{
	char versions[32];
	unsigned long max_rings, max_order;
	int err = read_string(f->backend, "versions", versions, sizeof(versions));
	err = err ?: read_uint(f->backend, "max-rings", &max_rings);
	err = err ?: read_uint(f->backend, "max-ring-page-order", &max_order);
	if (err)
		return err;
	bool v1 = false;
	for (char *p = versions; *p;) {
		char *end = strchr(p, ',');
		v1 |= (end ? (size_t)(end - p) : strlen(p)) == 1 && *p == '1';
		p = end ? end + 1 : p + strlen(p);
	}
	if (!v1 || max_rings < 1 || max_order < 1) {
		printk("9pfront: %s: backend offers versions '%s', %lu rings, order %lu\n", f->tag,
		       versions, max_rings, max_order);
		return -EOPNOTSUPP;
	}
	f->order = (unsigned)MIN(max_order, (unsigned long)P9FRONT_MAX_ORDER);
	return 0;
}

static int grant_pages(struct p9front *f)
{
	for (unsigned i = 0; i < (1u << f->order); i++) {
		int ref = gnttab_grant_access(f->backend_id, f->data + i * PAGE_SIZE, false);
		if (ref < 0)
			return ref;
		f->refs[i] = f->intf->ref[i] = (grant_ref_t)ref;
	}
	int ref = gnttab_grant_access(f->backend_id, f->intf, false);
	if (ref < 0)
		return ref;
	f->intf_ref = (grant_ref_t)ref;
	return 0;
}

static int setup_ring(struct p9front *f)
{
	f->intf = page_alloc(0);
	f->data = page_alloc(f->order);
	if (!f->intf || !f->data)
		return -ENOMEM;
	memset(f->intf, 0, PAGE_SIZE);
	memset(f->data, 0, PAGE_SIZE << f->order);
	f->ring_size = (RING_IDX)XEN_FLEX_RING_SIZE(f->order);
	f->intf->ring_order = f->order;
	xring_init(&f->in, f->data, f->ring_size, &f->intf->in_prod, &f->intf->in_cons, 0);
	xring_init(&f->out, f->data + f->ring_size, f->ring_size, &f->intf->out_cons,
		   &f->intf->out_prod, 0);
	f->t.max_msize = f->ring_size; /* a message travels whole through one ring */
	int err = grant_pages(f);
	err = err ?: evtchn_alloc_unbound(f->backend_id, &f->port);
	return err ?: evtchn_bind(f->port, p9front_event, f);
}

/* Ends a grant; false when the backend still maps the page (it must then never be reused). */
static bool end_grant(grant_ref_t *ref)
{
	if (*ref && gnttab_end_access(*ref))
		return false;
	*ref = 0;
	return true;
}

/* Undoes setup_ring() after a failed handshake, so that the next one starts clean. */
static void release_ring(struct p9front *f)
{
	if (f->port)
		evtchn_close(f->port);
	f->port = 0;
	bool reusable = true;
	for (unsigned i = 0; i < ARRAY_SIZE(f->refs); i++)
		reusable &= end_grant(&f->refs[i]);
	reusable &= end_grant(&f->intf_ref);
	if (!reusable)
		printk("9pfront: %s: backend still maps the ring: its %u pages are kept\n", f->tag,
		       (1u << f->order) + 1);
	else {
		if (f->data)
			page_free(f->data, f->order);
		if (f->intf)
			page_free(f->intf, 0);
	}
	f->intf = NULL;
	f->data = NULL;
	f->in = f->out = (struct xring){ 0 };
}

static int publish(struct p9front *f)
{
	for (;;) {
		xs_transaction_t tx;
		char path[P9FRONT_PATH_MAX + 32];
		int err = xs_transaction_start(&tx);
		if (err)
			return err;
		snprintf(path, sizeof(path), "%s/version", f->node);
		err = xs_write(tx, path, "1");
		snprintf(path, sizeof(path), "%s/num-rings", f->node);
		err = err ?: xs_write(tx, path, "1");
		snprintf(path, sizeof(path), "%s/ring-ref0", f->node);
		err = err ?: xs_printf(tx, path, "%u", f->intf_ref);
		snprintf(path, sizeof(path), "%s/event-channel-0", f->node);
		err = err ?: xs_printf(tx, path, "%u", f->port);
		int end = xs_transaction_end(tx, err != 0);
		if (!err && end == -EAGAIN)
			continue;
		return err ?: end;
	}
}

static int handshake(struct p9front *f)
{
	enum xenbus_state seen;
	int err =
		xenbus_wait_for_state(f->backend, XenbusStateInitWait, HANDSHAKE_TIMEOUT_NS, &seen);
	err = err ?: negotiate(f);
	err = err ?: setup_ring(f);
	err = err ?: publish(f);
	err = err ?: xenbus_switch_state(f->node, XenbusStateInitialised);
	err = err
		      ?: xenbus_wait_for_state(f->backend, XenbusStateConnected,
					       HANDSHAKE_TIMEOUT_NS, &seen);
	err = err ?: xenbus_switch_state(f->node, XenbusStateConnected);
	return err;
}

/* One handshake attempt; the caller holds connect_lock. */
static int try_connect(struct p9front *f)
{
	int err = handshake(f);
	if (err) {
		printk("9pfront: %s: cannot connect to %s (%d)\n", f->tag, f->backend, err);
		release_ring(f);
		xenbus_switch_state(f->node, XenbusStateInitialising);
		return err;
	}
	f->connected = true;
	if (!f->watching) {
		f->backend_watch =
			(struct xs_watch){ .path = f->backend, .fn = backend_changed, .data = f };
		err = xs_watch(&f->backend_watch);
		f->watching = !err;
	}
	return err;
}

int p9front_connect(struct p9_transport *t)
{
	struct p9front *f = container_of(t, struct p9front, t);
	mutex_lock(&f->connect_lock); /* waits for the handshake started at boot */
	int err = 0;
	if (f->gone || f->broken)
		err = f->broken ? -EIO : -ENOTCONN;
	else if (!f->connected)
		err = try_connect(f);
	mutex_unlock(&f->connect_lock);
	return err;
}

/* The handshake at device start, in the background. */
static int connect_thread(void *arg)
{
	struct p9front *f = arg;
	mutex_lock(&f->connect_lock);
	if (!f->connected && !f->gone)
		try_connect(f);
	mutex_unlock(&f->connect_lock);
	return 0;
}

/*
 * The end of a 9P session, not of the channel: the ring stays connected for
 * the next mount, whose Tversion starts a fresh session (9P makes the server
 * forget the old one's fids). The channel ends with the domain, or when the
 * backend closes (backend_changed()).
 */
void p9front_disconnect(struct p9_transport *t __unused)
{
}

/* ---- discovery ---- */

static int probe(const char *id)
{
	struct p9front *f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	snprintf(f->node, sizeof(f->node), "device/9pfs/%s", id);
	unsigned long backend_id = 0;
	const char *what = "backend";
	int err = read_string(f->node, what, f->backend, sizeof(f->backend));
	if (!err)
		err = read_uint(f->node, what = "backend-id", &backend_id);
	if (!err) /* libxl writes the tag on the frontend's side */
		err = read_string(f->node, what = "tag", f->tag, sizeof(f->tag));
	if (!err && backend_id >= DOMID_FIRST_RESERVED)
		err = -ERANGE;
	if (err) {
		printk("9pfront: %s: cannot read %s (%d)\n", f->node, what, err);
		free(f);
		return 0; /* other devices may still work */
	}
	f->backend_id = (domid_t)backend_id;
	list_init(&f->pending);
	waitq_init(&f->space);
	mutex_init(&f->connect_lock);
	f->t = (struct p9_transport){ .ops = &p9front_ops,
				      .tag = f->tag,
				      .kind = "xen-9pfs",
				      .max_msize =
					      (uint32_t)XEN_FLEX_RING_SIZE(P9FRONT_MAX_ORDER) };
	p9_transport_register(&f->t);
	struct thread *th = thread_create("9pfront", connect_thread, f, 0);
	if (th)
		thread_detach(th); /* else the first mount runs the handshake */
	pr_info("9pfront: share '%s' at %s (backend %s, domain %u)\n", f->tag, f->node, f->backend,
		f->backend_id);
	return 0;
}

static int p9front_discover(void)
{
	char **ids;
	int n = xs_directory(XS_NO_TRANSACTION, "device/9pfs", &ids);
	if (n == -ENOENT)
		return 0; /* no 9pfs devices */
	if (n < 0)
		return n;
	int err = 0;
	for (int i = 0; i < n && !err; i++)
		err = probe(ids[i]);
	free(ids);
	return err;
}
EMBER_DEVICE_INIT(p9front_discover);
