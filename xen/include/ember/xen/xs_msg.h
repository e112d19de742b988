/* SPDX-License-Identifier: MIT */
/*
 * The xenstore wire format (struct xsd_sockmsg + payload, from Xen's
 * io/xs_wire.h): validation and decoding of what xenstored sends back. Pure
 * code, unit-tested and fuzzed on the host: the ring is shared memory and a
 * reply is trusted only after these checks.
 */
#ifndef EMBER_XEN_XS_MSG_H
#define EMBER_XEN_XS_MSG_H

#include <ember/compiler.h>
#include <ember/errno.h>
#include <xen/io/xs_wire.h>

/*
 * Checks a reply header read from the ring. Returns 0, or -EPROTO for a
 * payload longer than XENSTORE_PAYLOAD_MAX or a type xenstored never sends.
 */
int xs_msg_check_header(const struct xsd_sockmsg *hdr);

/*
 * Decodes an XS_ERROR payload ("ENOENT\0") into a negative errno; -EPROTO
 * when it is not a NUL-terminated error name xenstore defines.
 */
int xs_msg_error(const char *payload, size_t len);

/*
 * Splits a payload of NUL-terminated strings (XS_DIRECTORY, XS_WATCH_EVENT)
 * into @out[0..*@count). Returns 0, -EPROTO when the payload does not end
 * with a NUL (an empty payload is an empty list), -E2BIG when there are more
 * than @max strings.
 */
int xs_msg_split(const char *payload, size_t len, const char **out, unsigned max, unsigned *count);

/* Decodes an XS_WATCH_EVENT payload "path\0token\0": 0 or -EPROTO. */
int xs_msg_watch_event(const char *payload, size_t len, const char **path, const char **token);

/* Decodes a decimal id ("17\0", transaction start): 0 or -EPROTO. */
int xs_msg_uint(const char *payload, size_t len, uint32_t *out);

/* Checks an "OK\0" acknowledgement: 0 or -EPROTO. */
int xs_msg_ok(const char *payload, size_t len);

#endif
