// SPDX-License-Identifier: MIT
/*
 * The GDB remote serial protocol codec of the QEMU target (contract in
 * gdb_rsp.h). The decoder is a byte-at-a-time state machine, so the caller
 * may read the socket in any chunks and a packet split across reads needs
 * nothing special; its buffer grows by doubling up to RSP_MAX_PACKET. The
 * parsers work on (pointer, length) and check every index against the
 * length; numbers from the stub are parsed with explicit bounds (no atoi),
 * so no reply can overflow an int or index past a buffer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gdb_rsp.h"

#define RSP_MAX_REGNUM 65535 /* larger regnums are taken as absent */
#define RSP_MAX_BITS   4096  /* larger registers too (AVX-512's are 512) */

enum { S_IDLE, S_DATA, S_ESCAPE, S_REPEAT, S_CSUM1, S_CSUM2 };

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void rsp_decoder_init(struct rsp_decoder *d)
{
	memset(d, 0, sizeof(*d));
}

void rsp_decoder_free(struct rsp_decoder *d)
{
	free(d->pkt);
	rsp_decoder_init(d);
}

/* Appends @n copies of @c to the payload; -EMSGSIZE past the limit, -ENOMEM. */
static int put(struct rsp_decoder *d, char c, size_t n)
{
	if (d->len + n + 1 > RSP_MAX_PACKET)
		return -EMSGSIZE;
	if (d->len + n + 1 > d->cap) {
		size_t cap = d->cap ? d->cap : 4096;
		while (cap < d->len + n + 1)
			cap *= 2;
		char *p = realloc(d->pkt, cap);
		if (!p)
			return -ENOMEM;
		d->pkt = p;
		d->cap = cap;
	}
	memset(d->pkt + d->len, c, n);
	d->len += n;
	d->pkt[d->len] = '\0';
	return 0;
}

/* A packet begins: an empty payload (allocated, so pkt is never NULL after it). */
static int start(struct rsp_decoder *d)
{
	d->len = 0;
	d->sum = 0;
	d->state = S_DATA;
	if (!d->cap)
		return put(d, '\0', 0);
	d->pkt[0] = '\0';
	return 0;
}

/* One byte of the payload (after '$', before '#'). */
static int data_byte(struct rsp_decoder *d, uint8_t c)
{
	d->sum += c;
	switch (d->state) {
	case S_ESCAPE: d->state = S_DATA; return put(d, (char)(c ^ 0x20), 1);
	case S_REPEAT: /* the previous byte, c - 29 more times */
		d->state = S_DATA;
		return c > 29 ? put(d, d->pkt[d->len - 1], (size_t)c - 29) : 0;
	}
	if (c == '}') {
		d->state = S_ESCAPE;
		return 0;
	}
	if (c == '*' && d->len) {
		d->state = S_REPEAT;
		return 0;
	}
	return put(d, (char)c, 1);
}

int rsp_feed(struct rsp_decoder *d, uint8_t c)
{
	int err = 0;
	switch (d->state) {
	case S_IDLE: err = c == '$' ? start(d) : 0; break;
	case S_CSUM1:
		d->csum_hi = c;
		d->state = S_CSUM2;
		break;
	case S_CSUM2: {
		int h = hexval(d->csum_hi), l = hexval(c);
		d->state = S_IDLE;
		return h >= 0 && l >= 0 && (uint8_t)(h * 16 + l) == d->sum ? RSP_PACKET
									   : RSP_BAD_CHECKSUM;
	}
	case S_REPEAT: /* the count byte, whatever it is (even '#') */ err = data_byte(d, c); break;
	default: /* S_DATA, S_ESCAPE: '#' ends the payload (an escape before it is dropped) */
		if (c == '#')
			d->state = S_CSUM1;
		else
			err = data_byte(d, c);
	}
	if (err)
		d->state = S_IDLE;
	return err;
}

int rsp_frame(const char *payload, char *out, size_t size)
{
	size_t n = 0;
	uint8_t sum = 0;
	if (size < 1)
		return -ENOSPC;
	out[n++] = '$';
	for (const char *p = payload; *p; p++) {
		bool esc = *p == '$' || *p == '#' || *p == '}' || *p == '*';
		if (n + (esc ? 2 : 1) + 4 > size)
			return -ENOSPC;
		if (esc) {
			out[n++] = '}';
			sum += '}';
		}
		out[n] = esc ? (char)(*p ^ 0x20) : *p;
		sum += (uint8_t)out[n++];
	}
	if (n + 4 > size)
		return -ENOSPC;
	static const char digits[] = "0123456789abcdef";
	out[n++] = '#';
	out[n++] = digits[sum >> 4];
	out[n++] = digits[sum & 15];
	out[n] = '\0';
	return (int)n;
}

int rsp_error_reply(const char *pkt, size_t len)
{
	if (len != 3 || pkt[0] != 'E' || hexval(pkt[1]) < 0 || hexval(pkt[2]) < 0)
		return -1;
	return hexval(pkt[1]) * 16 + hexval(pkt[2]);
}

enum rsp_stop rsp_stop_kind(const char *pkt, size_t len)
{
	if (len && (pkt[0] == 'T' || pkt[0] == 'S'))
		return RSP_STOP_STOPPED;
	if (len && (pkt[0] == 'W' || pkt[0] == 'X'))
		return RSP_STOP_EXITED;
	return RSP_STOP_OTHER;
}

int rsp_reg(const char *hex, size_t len, int off, int size, uint64_t *v)
{
	if (off < 0 || size < 1 || size > 8 || (size_t)off + (size_t)size > len / 2)
		return -ERANGE;
	const char *p = hex + 2 * (size_t)off;
	*v = 0;
	for (int i = size - 1; i >= 0; i--) {
		int h = hexval(p[2 * i]), l = hexval(p[2 * i + 1]);
		*v = *v << 8 | (uint64_t)(h < 0 || l < 0 ? 0 : h * 16 + l); /* 'xx': unavailable */
	}
	return 0;
}

static bool thread_id_char(char c)
{
	return hexval(c) >= 0 || c == 'p' || c == '.' || c == '-';
}

int rsp_parse_threads(const char *pkt, size_t len, char (*ids)[RSP_THREAD_ID], int max, int *n)
{
	if (!len || pkt[0] != 'm')
		return 0;
	for (size_t i = 1; i < len;) {
		size_t j = i;
		while (j < len && pkt[j] != ',')
			j++;
		bool ok = j > i && j - i < RSP_THREAD_ID;
		for (size_t k = i; ok && k < j; k++)
			ok = thread_id_char(pkt[k]);
		if (ok && *n < max) {
			memcpy(ids[*n], pkt + i, j - i);
			ids[(*n)++][j - i] = '\0';
		}
		i = j + 1;
	}
	return 1;
}

/*
 * Copies attribute @attr of the tag [tag, end) into @out ("" if absent).
 * Looks no further than @end: a search to the end of the document for every
 * tag would make a description of many tags quadratic.
 */
static void xml_attr(const char *tag, const char *end, const char *attr, char *out, size_t size)
{
	size_t alen = strlen(attr);
	out[0] = '\0';
	for (const char *p = tag + 1; p + alen + 1 < end; p++) {
		if ((p[-1] != ' ' && p[-1] != '\t' && p[-1] != '\n') || strncmp(p, attr, alen) ||
		    p[alen] != '=' || (p[alen + 1] != '"' && p[alen + 1] != '\''))
			continue;
		const char *v = p + alen + 2, *e = memchr(v, p[alen + 1], (size_t)(end - v));
		if (!e)
			return;
		size_t n = (size_t)(e - v) < size - 1 ? (size_t)(e - v) : size - 1;
		memcpy(out, v, n);
		out[n] = '\0';
		return;
	}
}

/* A decimal attribute value in [0, @max], else -1. */
static int xml_number(const char *v, long max)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	return !*v || *end || errno || n < 0 || n > max ? -1 : (int)n;
}

/* One <reg .../> tag [p, end) into @x (which has room). */
static void xml_reg(const char *p, const char *end, struct rsp_xml_regs *x)
{
	char val[64];
	struct rsp_xml_reg *r = &x->r[x->n++];
	xml_attr(p, end, "regnum", val, sizeof(val));
	if (val[0]) { /* a bad one gets a number no layout reaches (see rsp_xml_layout) */
		int n = xml_number(val, RSP_MAX_REGNUM);
		x->next_regnum = n < 0 ? RSP_MAX_REGNUM + 1 : n;
	}
	/* Bounded: at most RSP_MAX_XML_REGS tags count up from at most RSP_MAX_REGNUM + 1. */
	r->regnum = x->next_regnum++;
	xml_attr(p, end, "bitsize", val, sizeof(val));
	r->bits = xml_number(val, RSP_MAX_BITS) < 0 ? 0 : xml_number(val, RSP_MAX_BITS);
	xml_attr(p, end, "name", r->name, sizeof(r->name));
}

int rsp_xml_parse(const char *doc, struct rsp_xml_regs *x,
		  int (*include)(void *arg, const char *href), void *arg)
{
	for (const char *p = doc; (p = strchr(p, '<'));) {
		const char *end = strchr(p, '>');
		if (!end)
			break;
		if (!strncmp(p, "<xi:include", 11)) {
			char href[64];
			xml_attr(p, end, "href", href, sizeof(href));
			int err = href[0] ? include(arg, href) : 0;
			if (err)
				return err;
		} else if (!strncmp(p, "<reg", 4) && (p[4] == ' ' || p[4] == '\t')) {
			if (x->n == RSP_MAX_XML_REGS)
				break;
			xml_reg(p, end, x);
		}
		p = end;
	}
	return 0;
}

int rsp_xml_layout(const struct rsp_xml_regs *x, const char *const *names, int nnames, int *off,
		   int *size)
{
	int pos = 0;
	for (int r = 0; r < nnames; r++)
		off[r] = size[r] = -1;
	/* 'g' holds registers 0..n in regnum order: a dense numbering only. */
	for (int num = 0; num < x->n; num++) {
		int i = 0;
		while (i < x->n && x->r[i].regnum != num)
			i++;
		if (i == x->n || x->r[i].bits <= 0 || x->r[i].bits % 8)
			return -1;
		for (int r = 0; r < nnames; r++)
			if (!strcmp(x->r[i].name, names[r])) {
				off[r] = pos;
				size[r] = x->r[i].bits / 8 > 8 ? -1 : x->r[i].bits / 8;
			}
		pos += x->r[i].bits / 8;
	}
	return pos;
}
