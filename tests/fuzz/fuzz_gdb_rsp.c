// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for the QEMU target's GDB remote protocol codec,
 * profiler/gdb_rsp.c: the input is what a hostile gdbstub sends.
 *
 * 1. The bytes go through rsp_feed() one at a time. An independent oracle
 *    decodes the same bytes in one pass (skip to '$'; '}' escapes, '*'
 *    repeats, '#' and two hex digits; a payload reaching RSP_MAX_PACKET is
 *    -EMSGSIZE) and the decoder must report the same events with the same
 *    payloads, NUL-terminated.
 * 2. Every good packet, and the input itself taken as one payload (so the
 *    parsers are reached without the checksums in the way), is then read as
 *    each reply the target parses: an
 *    'E' error, a stop reply, a thread list (ids bounded, NUL-terminated,
 *    of allowed characters only), a 'g' reply (rsp_reg() against an oracle
 *    hex decode, at offsets taken from the input) and a target description
 *    whose <xi:include>s are the packets that follow (depth bounded), whose
 *    layout must stay inside the reply it describes.
 * 3. Framing a NUL-free payload with rsp_frame() and decoding it gives the
 *    payload back.
 * ASan/UBSan catch overflows, leaks and undefined arithmetic.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gdb_rsp.h"

#include "fuzz_check.h"

#define MAX_PACKETS 16

struct packet {
	int ev; /* RSP_PACKET, RSP_BAD_CHECKSUM or -EMSGSIZE */
	char *data;
	size_t len;
};

static int hex(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Appends @n copies of @c to @p; false when the payload would reach RSP_MAX_PACKET. */
static bool oracle_put(struct packet *p, char c, size_t n)
{
	if (p->len + n >= RSP_MAX_PACKET)
		return false;
	memset(p->data + p->len, c, n);
	p->len += n;
	return true;
}

/*
 * The oracle: the next event in @in from *@pos on, moving *@pos past it.
 * false when the input ends before one.
 */
static bool oracle_next(const uint8_t *in, size_t n, size_t *pos, struct packet *p)
{
	size_t i = *pos;
	uint8_t sum = 0;
	while (i < n && in[i] != '$')
		i++;
	if (i++ >= n)
		return false;
	p->len = 0;
	for (;;) {
		if (i >= n)
			return false;
		uint8_t c = in[i++];
		if (c == '#')
			break;
		sum += c;
		bool ok = true;
		if (c == '}') {
			if (i >= n)
				return false;
			if (in[i] == '#') {
				i++;
				break;
			}
			sum += in[i];
			ok = oracle_put(p, (char)(in[i++] ^ 0x20), 1);
		} else if (c == '*' && p->len) {
			if (i >= n)
				return false;
			uint8_t r = in[i++];
			sum += r;
			ok = r <= 29 || oracle_put(p, p->data[p->len - 1], r - 29u);
		} else {
			ok = oracle_put(p, (char)c, 1);
		}
		if (!ok) {
			p->ev = -EMSGSIZE;
			*pos = i;
			return true;
		}
	}
	if (i + 2 > n)
		return false;
	int h = hex(in[i]), l = hex(in[i + 1]);
	p->ev = h >= 0 && l >= 0 && h * 16 + l == sum ? RSP_PACKET : RSP_BAD_CHECKSUM;
	*pos = i + 2;
	return true;
}

/* Step 1: the decoder against the oracle; the packets into @out. */
static int decode_all(const uint8_t *data, size_t size, struct packet *out)
{
	static char oracle_buf[RSP_MAX_PACKET];
	struct rsp_decoder d;
	struct packet want = { .data = oracle_buf };
	size_t pos = 0;
	int n = 0;
	rsp_decoder_init(&d);
	for (size_t i = 0; i < size; i++) {
		int ev = rsp_feed(&d, data[i]);
		CHECK(ev == RSP_MORE || ev == RSP_PACKET || ev == RSP_BAD_CHECKSUM ||
		      ev == -EMSGSIZE);
		if (ev == RSP_MORE)
			continue;
		CHECK(oracle_next(data, size, &pos, &want));
		CHECK(pos == i + 1);
		CHECK(ev == want.ev);
		if (ev == -EMSGSIZE)
			continue;
		CHECK(d.len == want.len && d.len < RSP_MAX_PACKET);
		CHECK(d.pkt[d.len] == '\0' && !memcmp(d.pkt, want.data, d.len));
		if (ev == RSP_PACKET && n < MAX_PACKETS) {
			out[n].data = malloc(d.len + 1);
			CHECK(out[n].data != NULL);
			memcpy(out[n].data, d.pkt, d.len + 1);
			out[n].len = d.len;
			out[n++].ev = ev;
		}
	}
	CHECK(!oracle_next(data, size, &pos, &want)); /* nothing the decoder missed */
	rsp_decoder_free(&d);
	return n;
}

static void check_simple_replies(const struct packet *p)
{
	int e = rsp_error_reply(p->data, p->len);
	CHECK(e >= -1 && e <= 255);
	CHECK(e < 0 || (p->len == 3 && p->data[0] == 'E'));
	enum rsp_stop k = rsp_stop_kind(p->data, p->len);
	char c = p->len ? p->data[0] : 0;
	CHECK((k == RSP_STOP_STOPPED) == (c == 'T' || c == 'S'));
	CHECK((k == RSP_STOP_EXITED) == (c == 'W' || c == 'X'));

	char ids[8][RSP_THREAD_ID];
	int n = 3; /* appended after existing ones */
	int more = rsp_parse_threads(p->data, p->len, ids, 8, &n);
	CHECK(more == (c == 'm'));
	CHECK(n >= 3 && n <= 8);
	for (int i = 3; i < n; i++) {
		size_t len = strnlen(ids[i], RSP_THREAD_ID);
		CHECK(len >= 1 && len < RSP_THREAD_ID);
		CHECK(strspn(ids[i], "0123456789abcdefABCDEFp.-") == len);
	}
}

/* rsp_reg() at (@off, @size) against a decode done here. */
static void check_reg(const struct packet *p, int off, int size)
{
	uint64_t v = 0xdeadbeef, want = 0;
	int err = rsp_reg(p->data, p->len, off, size, &v);
	if (off < 0 || size < 1 || size > 8 || (size_t)off + (size_t)size > p->len / 2) {
		CHECK(err == -ERANGE);
		return;
	}
	CHECK(err == 0);
	for (int i = 0; i < size; i++) {
		int h = hex((uint8_t)p->data[2 * (off + i)]),
		    l = hex((uint8_t)p->data[2 * (off + i) + 1]);
		want |= (uint64_t)(h < 0 || l < 0 ? 0 : h * 16 + l) << (8 * i);
	}
	CHECK(v == want);
}

struct xml_state {
	const struct packet *pkts;
	int n, next, depth;
	struct rsp_xml_regs *x;
};

/* An <xi:include> parses the next packet, one level deeper. */
static int include_next(void *arg, const char *href)
{
	struct xml_state *s = arg;
	CHECK(href[0] != '\0' && strlen(href) < 64);
	if (s->depth >= 3 || s->next >= s->n)
		return s->depth >= 3 ? -ELOOP : 0;
	struct xml_state inner = *s;
	inner.depth++;
	inner.next++;
	int err = rsp_xml_parse(s->pkts[s->next].data, s->x, include_next, &inner);
	s->next = inner.next;
	return err;
}

static void check_xml(const struct packet *pkts, int n, int first)
{
	static const char *const names[] = { "rip", "rsp", "rbp", "cs", "cr3", "efer" };
	enum { NN = sizeof(names) / sizeof(names[0]) };
	struct rsp_xml_regs *x = calloc(1, sizeof(*x));
	CHECK(x != NULL);
	struct xml_state s = { pkts, n, first + 1, 0, x };
	int err = rsp_xml_parse(pkts[first].data, x, include_next, &s);
	CHECK(err == 0 || err == -ELOOP);
	CHECK(x->n >= 0 && x->n <= RSP_MAX_XML_REGS);
	for (int i = 0; i < x->n; i++)
		CHECK(memchr(x->r[i].name, '\0', sizeof(x->r[i].name)) != NULL);
	int off[NN], size[NN];
	int total = rsp_xml_layout(x, names, NN, off, size);
	CHECK(total >= -1);
	for (int r = 0; r < NN && total >= 0; r++) {
		CHECK(size[r] == -1 || (size[r] >= 1 && size[r] <= 8));
		CHECK(size[r] == -1 || (off[r] >= 0 && off[r] + size[r] <= total));
	}
	free(x);
}

/* Step 3: rsp_frame() output decodes to the payload. */
static void check_frame(const struct packet *p)
{
	if (memchr(p->data, '\0', p->len))
		return;
	size_t size = 2 * p->len + 5;
	char *buf = malloc(size);
	CHECK(buf != NULL);
	CHECK(rsp_frame(p->data, buf, 4) == -ENOSPC); /* even "$#00" needs 5 */
	int len = rsp_frame(p->data, buf, size);
	CHECK(len >= (int)p->len + 4 && (size_t)len < size && buf[len] == '\0');
	struct rsp_decoder d;
	rsp_decoder_init(&d);
	int ev = RSP_MORE;
	for (int i = 0; i < len; i++) {
		CHECK(ev == RSP_MORE);
		ev = rsp_feed(&d, (uint8_t)buf[i]);
	}
	CHECK(ev == RSP_PACKET && d.len == p->len && !memcmp(d.pkt, p->data, p->len));
	rsp_decoder_free(&d);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct packet pkts[MAX_PACKETS + 1];
	int n = decode_all(data, size, pkts);
	/* The input itself as one more payload: the parsers without the checksums in the way. */
	pkts[n].data = malloc(size + 1);
	CHECK(pkts[n].data != NULL);
	memcpy(pkts[n].data, data, size);
	pkts[n].data[size] = '\0';
	pkts[n].len = size;
	pkts[n++].ev = RSP_PACKET;
	for (int i = 0; i < n; i++) {
		const struct packet *p = &pkts[i];
		check_simple_replies(p);
		int off = size ? data[0] : 0, len = size > 1 ? data[1] % 10 : 8;
		check_reg(p, off, len);
		check_reg(p, 0, 8);
		check_reg(p, (int)(p->len / 2) - 4, 4);
		check_reg(p, (int)(p->len / 2) - 3, 4);
		/* The dearer checks on a few: the first packet (its includes reach the
		 * others) and the raw input; framing on the first four, when small
		 * (run-length encoding makes 64 KiB payloads cheaply). */
		if (i == 0 || i == n - 1)
			check_xml(pkts, n, i);
		if (i < 4 && p->len <= 4096)
			check_frame(p);
	}
	for (int i = 0; i < n; i++)
		free(pkts[i].data);
	return 0;
}
