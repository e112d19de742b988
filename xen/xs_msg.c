// SPDX-License-Identifier: MIT
/* xenstore reply decoding (see <ember/xen/xs_msg.h>). Pure; host-tested and fuzzed. */
#include <ember/xen/xs_msg.h>

int xs_msg_check_header(const struct xsd_sockmsg *hdr)
{
	if (hdr->len > XENSTORE_PAYLOAD_MAX)
		return -EPROTO;
	/* XS_CONTROL is a request only; 20 was XS_RESTRICT, removed from the protocol. */
	if (hdr->type >= XS_TYPE_COUNT || hdr->type == XS_CONTROL || hdr->type == 20)
		return -EPROTO;
	return 0;
}

static bool str_eq(const char *a, size_t alen, const char *b)
{
	size_t i = 0;
	for (; i < alen && b[i]; i++)
		if (a[i] != b[i])
			return false;
	return i == alen && !b[i];
}

int xs_msg_error(const char *payload, size_t len)
{
	if (len < 2 || payload[len - 1] != '\0')
		return -EPROTO;
	for (size_t i = 0; i < ARRAY_SIZE(xsd_errors); i++)
		if (str_eq(payload, len - 1, xsd_errors[i].errstring))
			return -xsd_errors[i].errnum;
	return -EPROTO;
}

int xs_msg_split(const char *payload, size_t len, const char **out, unsigned max, unsigned *count)
{
	*count = 0;
	if (len == 0)
		return 0;
	if (payload[len - 1] != '\0')
		return -EPROTO;
	for (size_t start = 0; start < len;) {
		if (*count == max)
			return -E2BIG;
		out[(*count)++] = payload + start;
		while (payload[start])
			start++;
		start++;
	}
	return 0;
}

int xs_msg_watch_event(const char *payload, size_t len, const char **path, const char **token)
{
	const char *v[2];
	unsigned n;
	/* Some xenstoreds append more strings; the first two are ours. */
	int err = xs_msg_split(payload, len, v, 2, &n);
	if ((err && err != -E2BIG) || n < 2)
		return -EPROTO;
	*path = v[0];
	*token = v[1];
	return 0;
}

int xs_msg_uint(const char *payload, size_t len, uint32_t *out)
{
	uint64_t v = 0;
	if (len < 2 || payload[len - 1] != '\0')
		return -EPROTO;
	for (size_t i = 0; i + 1 < len; i++) {
		if (payload[i] < '0' || payload[i] > '9')
			return -EPROTO;
		v = v * 10 + (uint64_t)(payload[i] - '0');
		if (v > 0xffffffffu)
			return -EPROTO;
	}
	*out = (uint32_t)v;
	return 0;
}

int xs_msg_ok(const char *payload, size_t len)
{
	return str_eq(payload, len ? len - 1 : 0, "OK") && len == 3 && !payload[2] ? 0 : -EPROTO;
}
