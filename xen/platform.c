// SPDX-License-Identifier: MIT
/*
 * Xen platform services common to PV and PVH: device start-up and exit.
 *
 * Exit: the guest's status becomes SCHEDOP_shutdown. Status 0 is a poweroff,
 * anything else a crash, so xl's on_poweroff / on_crash apply; the exact
 * status is on the console ("ember: exit status N"). Nothing here may wait
 * for xenstore: plat_exit() runs in any context, exception handlers included.
 */
#include <ember/errno.h>
#include <ember/platform.h>
#include <ember/printk.h>
#include <ember/sched.h>
#include <ember/xen/gnttab.h>
#include <ember/xen/xen.h>
#include <ember/xen/xenstore.h>

static int shutdown_setup(void *arg __unused)
{
	int err = xen_shutdown_watch_init();
	if (err)
		printk("ember: cannot watch control/shutdown (%d): xl shutdown will not work\n",
		       err);
	return err;
}

int plat_devices_init(void)
{
	int err = gnttab_init();
	if (err) {
		printk("ember: grant table unavailable (%d)\n", err);
		return err;
	}
	err = xs_init();
	if (err) {
		printk("ember: xenstore unavailable (%d)\n", err);
		return err;
	}
	/*
	 * The shutdown watch costs xenstore round trips through dom0: set it up
	 * beside main() rather than before it. A request that comes first is
	 * not lost: xenstored fires a new watch once, and the handler then
	 * reads control/shutdown.
	 */
	struct thread *t = thread_create("xen-setup", shutdown_setup, NULL, 0);
	if (!t)
		return -ENOMEM;
	thread_detach(t);
	return 0;
}

__noreturn void plat_exit(int status)
{
	xen_console_flush();
	struct sched_shutdown op = { .reason = status ? SHUTDOWN_crash : SHUTDOWN_poweroff };
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_shutdown, &op);
}
