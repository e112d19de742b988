// SPDX-License-Identifier: MIT
/*
 * Toolstack-requested shutdown: `xl shutdown` / `xl reboot` write "poweroff"
 * / "reboot" into the guest's control/shutdown node. A watch on it
 * acknowledges the request (by clearing the node, as Linux does) and ends
 * the guest with SCHEDOP_shutdown and the matching reason, so the domain's
 * on_poweroff / on_reboot actions apply.
 */
#include <ember/errno.h>
#include <ember/heap.h>
#include <ember/printk.h>
#include <ember/string.h>
#include <ember/xen/xen.h>
#include <ember/xen/xenstore.h>

static const struct {
	const char *request;
	unsigned reason;
} requests[] = {
	{ "poweroff", SHUTDOWN_poweroff },
	{ "halt", SHUTDOWN_poweroff },
	{ "reboot", SHUTDOWN_reboot },
};

static void shutdown_requested(struct xs_watch *w __unused, const char *path __unused)
{
	char *req;
	if (xs_read(XS_NO_TRANSACTION, "control/shutdown", &req))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(requests); i++) {
		if (strcmp(req, requests[i].request))
			continue;
		xs_write(XS_NO_TRANSACTION, "control/shutdown", "");
		printk("ember: the toolstack asked for %s: shutting down\n", req);
		free(req);
		xen_console_flush();
		struct sched_shutdown op = { .reason = requests[i].reason };
		for (;;)
			HYPERVISOR_sched_op(SCHEDOP_shutdown, &op);
	}
	if (*req)
		printk("ember: ignoring unsupported shutdown request '%s'\n", req);
	free(req);
}

static struct xs_watch shutdown_watch = { .path = "control/shutdown", .fn = shutdown_requested };

int xen_shutdown_watch_init(void)
{
	/* Tell the toolstack we handle these (best effort: the nodes may be read-only). */
	xs_write(XS_NO_TRANSACTION, "control/feature-poweroff", "1");
	xs_write(XS_NO_TRANSACTION, "control/feature-reboot", "1");
	return xs_watch(&shutdown_watch);
}
