// SPDX-License-Identifier: MIT
/* Runs the optional drivers' start functions (see <ember/device.h>). */
#include <ember/device.h>
#include <ember/printk.h>

extern const device_init_fn __devinit_start[], __devinit_end[];

int device_init_all(void)
{
	for (const device_init_fn *fn = __devinit_start; fn < __devinit_end; fn++) {
		int err = (*fn)();
		if (err) {
			printk("ember: a device failed to start (%d)\n", err);
			return err;
		}
	}
	return 0;
}
