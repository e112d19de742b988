// SPDX-License-Identifier: MIT
/*
 * Host tests of the QEMU target's GDB remote protocol codec
 * (profiler/gdb_rsp.c): packets split anywhere, checksums, run-length
 * encoding and escapes, the size limit, framing, and the replies the target
 * parses ('g' registers, 'E' errors, stop replies, thread lists, the target
 * description). The last tests pin the defects fuzz_gdb_rsp found
 * (tests/fuzz/crashes/gdb_rsp/, README.md there).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "gdb_rsp.h"

/* Feeds @s (@n bytes); the last event, and how many packets came. */
static int feed(struct rsp_decoder *d, const char *s, size_t n, int *packets)
{
	int ev = RSP_MORE;
	*packets = 0;
	for (size_t i = 0; i < n; i++) {
		ev = rsp_feed(d, (uint8_t)s[i]);
		*packets += ev == RSP_PACKET;
	}
	return ev;
}

#define FEED(d, lit, np) feed(d, lit, sizeof(lit) - 1, np)

static void test_packets(void **state)
{
	(void)state;
	struct rsp_decoder d;
	int n;
	rsp_decoder_init(&d);
	assert_int_equal(FEED(&d, "+-\x03junk$OK#9a", &n), RSP_PACKET); /* acks, noise skipped */
	assert_int_equal(n, 1);
	assert_string_equal(d.pkt, "OK");
	assert_int_equal(FEED(&d, "$#00", &n), RSP_PACKET); /* empty */
	assert_int_equal(d.len, 0);
	assert_string_equal(d.pkt, "");
	assert_int_equal(FEED(&d, "$OK#9b", &n), RSP_BAD_CHECKSUM);
	assert_int_equal(FEED(&d, "$OK#9x", &n), RSP_BAD_CHECKSUM);
	/* RLE: '*' first is a plain '*'; then '0' and "* " (32 - 29 = 3 more). */
	assert_int_equal(FEED(&d, "$*0* #a4", &n), RSP_PACKET);
	assert_string_equal(d.pkt, "*0000");
	/* Escapes: "}\x03" is '#', "}]" is '}'; a NUL can arrive this way. */
	assert_int_equal(FEED(&d, "$a}\x03}]}\x20z#", &n), RSP_MORE);
	assert_int_equal(FEED(&d, "d2", &n), RSP_PACKET);
	assert_int_equal(d.len, 5);
	assert_memory_equal(d.pkt, "a#}\0z", 5);
	rsp_decoder_free(&d);
}

static void test_size_limit(void **state)
{
	(void)state;
	struct rsp_decoder d;
	static char big[3 * 300 + 1];
	int n, ev = RSP_MORE;
	rsp_decoder_init(&d);
	/* '0' and 300 runs of 226 more: past RSP_MAX_PACKET (65,536). */
	big[0] = '$';
	big[1] = '0';
	for (int i = 0; i < 300; i++)
		memcpy(big + 2 + 2 * i, "*\xff", 2);
	for (size_t i = 0; i < 2 + 600 && ev == RSP_MORE; i++)
		ev = rsp_feed(&d, (uint8_t)big[i]);
	assert_int_equal(ev, -EMSGSIZE);
	assert_true(d.len < RSP_MAX_PACKET);
	/* The decoder waits for the next packet: the rest of this one is skipped. */
	assert_int_equal(FEED(&d, "*\xff*\xff#00$OK#9a", &n), RSP_PACKET);
	assert_int_equal(n, 1);
	assert_string_equal(d.pkt, "OK");
	rsp_decoder_free(&d);
}

static void test_frame(void **state)
{
	(void)state;
	char out[64];
	struct rsp_decoder d;
	int n;
	assert_int_equal(rsp_frame("g", out, sizeof(out)), 5);
	assert_string_equal(out, "$g#67");
	assert_int_equal(rsp_frame("Hg$#}*", out, sizeof(out)), 14);
	assert_string_equal(out, "$Hg}\x04}\x03}]}\x0a#11");
	rsp_decoder_init(&d);
	assert_int_equal(feed(&d, out, strlen(out), &n), RSP_PACKET);
	assert_string_equal(d.pkt, "Hg$#}*");
	rsp_decoder_free(&d);
	assert_int_equal(rsp_frame("g", out, 5), -ENOSPC); /* no room for the NUL */
	assert_int_equal(rsp_frame("g", out, 6), 5);
}

static void test_replies(void **state)
{
	(void)state;
	uint64_t v;
	const char g[] = "1032547698badcfexx00ffff";
	assert_int_equal(rsp_reg(g, strlen(g), 0, 8, &v), 0);
	assert_int_equal(v, 0xfedcba9876543210ull);
	assert_int_equal(rsp_reg(g, strlen(g), 8, 2, &v), 0);
	assert_int_equal(v, 0x0000); /* "xx": unavailable, read as 0 */
	assert_int_equal(rsp_reg(g, strlen(g), 10, 2, &v), 0);
	assert_int_equal(v, 0xffff);
	assert_int_equal(rsp_reg(g, strlen(g), 11, 2, &v), -ERANGE); /* past the reply */
	assert_int_equal(rsp_reg(g, strlen(g) - 1, 10, 2, &v), -ERANGE);
	assert_int_equal(rsp_reg(g, strlen(g), 0, 9, &v), -ERANGE);
	assert_int_equal(rsp_reg(g, strlen(g), -1, 1, &v), -ERANGE);
	assert_int_equal(rsp_error_reply("E14", 3), 0x14);
	assert_int_equal(rsp_error_reply("E1", 2), -1);
	assert_int_equal(rsp_error_reply("E1x", 3), -1);
	assert_int_equal(rsp_error_reply("E1400", 5), -1); /* a 'g' reply may start so */
	assert_int_equal(rsp_stop_kind("T05thread:01;", 13), RSP_STOP_STOPPED);
	assert_int_equal(rsp_stop_kind("W00", 3), RSP_STOP_EXITED);
	assert_int_equal(rsp_stop_kind("O4142", 5), RSP_STOP_OTHER);
	assert_int_equal(rsp_stop_kind("", 0), RSP_STOP_OTHER);
}

static void test_threads(void **state)
{
	(void)state;
	char ids[4][RSP_THREAD_ID];
	int n = 0;
	const char a[] = "mp01.01,p01.02,,zz,0123456789abcdef0123456789,-1";
	assert_int_equal(rsp_parse_threads(a, strlen(a), ids, 4, &n), 1);
	assert_int_equal(n, 3); /* the empty, 'zz' and 26-character ids are skipped */
	assert_string_equal(ids[0], "p01.01");
	assert_string_equal(ids[1], "p01.02");
	assert_string_equal(ids[2], "-1");
	assert_int_equal(rsp_parse_threads("m3,4,5", 6, ids, 4, &n), 1);
	assert_int_equal(n, 4); /* full: the rest are dropped */
	assert_string_equal(ids[3], "3");
	assert_int_equal(rsp_parse_threads("l", 1, ids, 4, &n), 0);
	assert_int_equal(rsp_parse_threads("m1\0#2", 5, ids, 4, &n), 1); /* NUL: not an id char */
}

static int no_include(void *arg, const char *href)
{
	(void)href;
	(*(int *)arg)++;
	return 0;
}

static void test_target_description(void **state)
{
	(void)state;
	static struct rsp_xml_regs x;
	static const char *const names[] = { "rip", "rsp", "cr3", "st0" };
	int off[4], size[4], includes = 0;
	const char doc[] = "<target><xi:include href=\"core.xml\"/>"
			   "<reg name=\"rsp\" bitsize=\"64\" regnum=\"1\"/>"
			   "<reg name='rip' bitsize='64' regnum='0'/>"
			   "<reg name=\"eflags\" bitsize=\"32\" regnum=\"2\"/>"
			   "<reg name=\"st0\" bitsize=\"80\"/>"
			   "<reg name=\"cr3\" bitsize=\"64\"/></target>";
	memset(&x, 0, sizeof(x));
	assert_int_equal(rsp_xml_parse(doc, &x, no_include, &includes), 0);
	assert_int_equal(includes, 1);
	assert_int_equal(x.n, 5);
	assert_int_equal(rsp_xml_layout(&x, names, 4, off, size), 8 + 8 + 4 + 10 + 8);
	assert_int_equal(off[0], 0);
	assert_int_equal(off[1], 8);
	assert_int_equal(off[2], 30);
	assert_int_equal(size[2], 8);
	assert_int_equal(size[3], -1); /* wider than 8 bytes */
	/* An attribute is looked for in its own tag only. */
	memset(&x, 0, sizeof(x));
	assert_int_equal(rsp_xml_parse("<reg name=\"a\"/><reg bitsize=\"8\" name=\"b\"/>", &x,
				       no_include, &includes),
			 0);
	assert_int_equal(x.n, 2);
	assert_int_equal(x.r[0].bits, 0);
	assert_string_equal(x.r[0].name, "a");
	assert_int_equal(x.r[1].bits, 8);
	assert_int_equal(rsp_xml_layout(&x, names, 4, off, size), -1); /* reg 0 has no size */
}

/* fuzz_gdb_rsp's findings: tests/fuzz/crashes/gdb_rsp/ */
static void test_finding_regnum_int_max(void **state)
{
	(void)state;
	static struct rsp_xml_regs x;
	int includes = 0;
	memset(&x, 0, sizeof(x));
	/* The next <reg> numbered INT_MAX + 1 (signed overflow) before the fix. */
	assert_int_equal(rsp_xml_parse("<reg regnum=\"2147483647\"><reg name=\"x\"/>", &x,
				       no_include, &includes),
			 0);
	assert_int_equal(x.n, 2);
	assert_int_equal(x.r[0].regnum, 65536); /* out of range: no layout reaches it */
	assert_int_equal(x.r[1].regnum, 65537);
}

static void test_finding_bitsize_sum_overflows(void **state)
{
	(void)state;
	static struct rsp_xml_regs x;
	static const char *const names[] = { "rip" };
	char doc[9 * 32 + 1] = "";
	int off[1], size[1], includes = 0;
	memset(&x, 0, sizeof(x));
	for (int i = 0; i < 9; i++) /* 9 x 268,435,455 bytes overflowed the int sum */
		strcat(doc, "<reg bitsize=\"2147483640\"/>");
	assert_int_equal(rsp_xml_parse(doc, &x, no_include, &includes), 0);
	assert_int_equal(x.n, 9);
	assert_int_equal(x.r[0].bits, 0); /* over 4096 bits: not a register size */
	assert_int_equal(rsp_xml_layout(&x, names, 1, off, size), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_packets),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_frame),
		cmocka_unit_test(test_replies),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_target_description),
		cmocka_unit_test(test_finding_regnum_int_max),
		cmocka_unit_test(test_finding_bitsize_sum_overflows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
