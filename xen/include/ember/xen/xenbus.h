/* SPDX-License-Identifier: MIT */
/*
 * xenbus: the frontend side of the split-driver handshake, on xenstore.
 * A frontend at device/<type>/<id> publishes its ring references and event
 * channel, switches its "state" node through the XenbusState values of
 * io/xenbus.h, and follows the backend's "state" node, named by "backend".
 */
#ifndef EMBER_XEN_XENBUS_H
#define EMBER_XEN_XENBUS_H

#include <ember/compiler.h>
#include <xen/io/xenbus.h>

/* Writes @state to @dir/state. 0 or -errno. */
int xenbus_switch_state(const char *dir, enum xenbus_state state);

/* Reads @dir/state; -EINVAL if it is not a XenbusState number. */
int xenbus_read_state(const char *dir, enum xenbus_state *state);

/*
 * Waits until @dir/state equals @want, or reaches Closing or beyond (an
 * error for whoever waits for Connected), or @timeout_ns passes. The state
 * last seen is stored in *@seen. Returns 0 when @want was reached, -EPIPE
 * when the other end is closing or closed instead, -ETIMEDOUT.
 */
int xenbus_wait_for_state(const char *dir, enum xenbus_state want, uint64_t timeout_ns,
			  enum xenbus_state *seen);

#endif
