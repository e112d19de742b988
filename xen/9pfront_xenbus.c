// SPDX-License-Identifier: MIT
/*
 * Xen 9pfs frontend, handshake (see xen/9pfront.h; the protocol is Xen's
 * docs/misc/9pfs.pandoc).
 *
 * At boot every device/9pfs/<id> is registered as a transport under its
 * "tag" (which libxl writes next to the frontend's other keys); nothing else happens until a mount connects
 * it. connect() then waits for the backend's InitWait, checks "versions"
 * holds 1, picks the ring order (the backend's max-ring-page-order, capped
 * at P9FRONT_MAX_ORDER), allocates and grants the indexes page and data
 * pages, allocates the event channel, publishes version, num-rings,
 * ring-ref0 and event-channel-0 in one transaction, and walks the states
 * Initialised -> (backend Connected) -> Connected. A watch on the backend's
 * state fails every request with -ENOTCONN once it is Closing or gone.
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
	for (unsigned i = 0; i < (1u << f->order); i++) {
		int ref = gnttab_grant_access(f->backend_id, f->data + i * PAGE_SIZE, false);
		if (ref < 0)
			return ref;
		f->intf->ref[i] = (grant_ref_t)ref;
	}
	int ref = gnttab_grant_access(f->backend_id, f->intf, false);
	if (ref < 0)
		return ref;
	f->intf_ref = (grant_ref_t)ref;
	int err = evtchn_alloc_unbound(f->backend_id, &f->port);
	return err ?: evtchn_bind(f->port, p9front_event, f);
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

int p9front_connect(struct p9_transport *t)
{
	struct p9front *f = container_of(t, struct p9front, t);
	mutex_lock(&f->connect_lock);
	int err = 0;
	if (!f->connected && !f->intf) {
		err = handshake(f);
		if (!err) {
			f->connected = true;
			f->backend_watch = (struct xs_watch){ .path = f->backend,
							      .fn = backend_changed,
							      .data = f };
			err = xs_watch(&f->backend_watch);
		}
		if (err)
			printk("9pfront: %s: cannot connect to %s (%d)\n", f->tag, f->backend, err);
	} else if (!f->connected) {
		err = -ENOTCONN; /* the backend went away */
	}
	mutex_unlock(&f->connect_lock);
	return err;
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
