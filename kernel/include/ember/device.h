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
#include <ember/types.h>

typedef int (*device_init_fn)(void);

#define EMBER_DEVICE_INIT(fn)                                          \
	static const device_init_fn __devinit_##fn __used __aligned(8) \
		__section(".ember_devinit") = (fn)

/*
 * A start function that needs every driver's devices registered first
 * (the network stack opening the NICs): it runs after all EMBER_DEVICE_INIT()
 * ones, with the same rules.
 */
#define EMBER_DEVICE_LATE_INIT(fn)                                          \
	static const device_init_fn __devinit_late_##fn __used __aligned(8) \
		__section(".ember_devinit.late") = (fn)

/* Runs every EMBER_DEVICE_INIT() function, then the late ones; the first error stops it. */
int device_init_all(void);

/*
 * Entropy sources: devices that give random bytes (virtio-rng on kvm),
 * registered by their drivers' start functions and read by libc-glue to
 * seed getrandom() on CPUs without a random-number instruction.
 */
struct entropy_source {
	const char *name;
	/*
	 * Fills up to @len bytes of @buf by monotonic time @deadline_ns; returns
	 * how many (at most @len) or a negative errno. Thread context.
	 */
	long (*read)(struct entropy_source *s, void *buf, size_t len, uint64_t deadline_ns);
	struct entropy_source *next;
};

void entropy_source_register(struct entropy_source *s);

/*
 * Fills all @len bytes of @buf from the first source that delivers them by
 * @deadline_ns; returns its name, or NULL (no source, or none delivered).
 */
const char *entropy_read(void *buf, size_t len, uint64_t deadline_ns);

#endif
