// SPDX-License-Identifier: MIT
/* xenbus frontend state helpers (see <ember/xen/xenbus.h>). */
#include <ember/errno.h>
#include <ember/format.h>
#include <ember/heap.h>
#include <ember/sched.h>
#include <ember/time.h>
#include <ember/xen/xenbus.h>
#include <ember/xen/xenstore.h>

#define PATH_MAX_LEN 256

static int state_path(char *buf, const char *dir)
{
	return snprintf(buf, PATH_MAX_LEN, "%s/state", dir) < PATH_MAX_LEN ? 0 : -E2BIG;
}

int xenbus_switch_state(const char *dir, enum xenbus_state state)
{
	char path[PATH_MAX_LEN];
	int err = state_path(path, dir);
	return err ?: xs_printf(XS_NO_TRANSACTION, path, "%d", (int)state);
}

int xenbus_read_state(const char *dir, enum xenbus_state *state)
{
	char path[PATH_MAX_LEN];
	unsigned long v;
	int err = state_path(path, dir);
	err = err ?: xs_read_uint(XS_NO_TRANSACTION, path, &v);
	if (err)
		return err;
	if (v > XenbusStateReconfigured)
		return -EINVAL;
	*state = (enum xenbus_state)v;
	return 0;
}

struct state_waiter {
	struct xs_watch watch;
	struct waitq wq;
	unsigned changes;
};

static void state_changed(struct xs_watch *w, const char *path __unused)
{
	struct state_waiter *sw = container_of(w, struct state_waiter, watch);
	sw->changes++;
	waitq_wake_all(&sw->wq);
}

static bool state_final(enum xenbus_state s, enum xenbus_state want)
{
	return s == want || (s >= XenbusStateClosing && want < XenbusStateClosing);
}

int xenbus_wait_for_state(const char *dir, enum xenbus_state want, uint64_t timeout_ns,
			  enum xenbus_state *seen)
{
	char path[PATH_MAX_LEN];
	struct state_waiter sw = { .watch = { .path = path, .fn = state_changed } };
	uint64_t deadline = time_now_ns() + timeout_ns;
	int err = state_path(path, dir);
	waitq_init(&sw.wq);
	err = err ?: xs_watch(&sw.watch);
	if (err)
		return err;
	*seen = XenbusStateUnknown;
	for (;;) {
		unsigned changes = sw.changes;
		err = xenbus_read_state(dir, seen);
		if (err && err != -ENOENT)
			break;
		if (!err && state_final(*seen, want)) {
			err = *seen == want ? 0 : -EPIPE;
			break;
		}
		err = wait_event_timeout(&sw.wq, sw.changes != changes,
					 deadline > time_now_ns() ? deadline - time_now_ns() : 1);
		if (err)
			break;
	}
	xs_unwatch(&sw.watch);
	return err;
}
