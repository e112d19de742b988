/* SPDX-License-Identifier: MIT */
/*
 * Optional drivers. A driver that only some images carry (virtio-9p, the Xen
 * 9pfs frontend: linked when the app asks for 9pfs, see GNUmakefile)
 * declares its start function with EMBER_DEVICE_INIT(); the kernel runs them
 * all, in link order, right after plat_devices_init() (so xenstore and the
 * grant table are up), in the main thread before main(). A start function
 * may block; it returns 0 or a negative errno (the kernel panics). Nothing
 * else names these drivers, so an image without them carries none of their
 * code.
 */
#ifndef EMBER_DEVICE_H
#define EMBER_DEVICE_H

#include <ember/compiler.h>

typedef int (*device_init_fn)(void);

#define EMBER_DEVICE_INIT(fn)                                          \
	static const device_init_fn __devinit_##fn __used __aligned(8) \
		__section(".ember_devinit") = (fn)

/* Runs every EMBER_DEVICE_INIT() function; the first error stops it. */
int device_init_all(void);

#endif
