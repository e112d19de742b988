/* SPDX-License-Identifier: MIT */
/*
 * The GDB remote serial protocol as the QEMU target speaks it, without the
 * socket (gdb_rsp.c): the packet decoder and encoder, and parsers for the
 * replies the target reads (registers, errors, stop replies, the thread
 * list, the target description). Pure code, so a host test and a fuzzer
 * drive it; target_qemu.c keeps the socket, the timeouts and the protocol's
 * order of calls.
 *
 * Whatever comes from QEMU's gdbstub is untrusted: a packet is bounded
 * (RSP_MAX_PACKET), every parser takes the payload's length and never reads
 * past it (payloads may hold NUL bytes, from '}' escapes), and a malformed
 * reply is a negative errno, never a guess.
 */
#ifndef EMBERPROF_GDB_RSP_H
#define EMBERPROF_GDB_RSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RSP_MAX_PACKET	 (64 * 1024) /* payload bytes of one packet, at most (less one) */
#define RSP_THREAD_ID	 24	     /* bytes of a thread id, with its NUL */
#define RSP_MAX_XML_REGS 256

/* ---- packets ------------------------------------------------------------------ */

/* Decodes one packet at a time from a byte stream; see rsp_feed(). */
struct rsp_decoder {
	int state;
	uint8_t sum, csum_hi;
	char *pkt;  /* the payload (decoded, NUL-terminated; may hold NULs) */
	size_t len; /* its length */
	size_t cap; /* bytes allocated at pkt */
};

enum rsp_event {
	RSP_MORE = 0,	      /* no packet yet: feed more */
	RSP_PACKET = 1,	      /* a packet with a good checksum is in pkt/len */
	RSP_BAD_CHECKSUM = 2, /* a whole packet arrived, its checksum is wrong */
};

void rsp_decoder_init(struct rsp_decoder *d);
void rsp_decoder_free(struct rsp_decoder *d);

/*
 * Feeds one byte. Outside a packet every byte but '$' is skipped (acks,
 * noise); inside, '}' escapes the next byte (XOR 0x20) and '*' repeats the
 * previous byte (count: the next byte - 29), both counted in the checksum,
 * and '#' and two hex digits end it. Returns an enum rsp_event; the payload
 * stays valid until the next byte is fed. -EMSGSIZE for a payload of
 * RSP_MAX_PACKET bytes or more, -ENOMEM; the decoder then waits for the
 * next '$'.
 */
int rsp_feed(struct rsp_decoder *d, uint8_t c);

/*
 * Frames @payload as "$payload#xx" into @out (@size bytes), escaping the
 * bytes the protocol reserves ('$', '#', '}', '*'), NUL-terminated. Returns
 * the framed length, or -ENOSPC when @size is too small (2 * strlen + 5 is
 * always enough).
 */
int rsp_frame(const char *payload, char *out, size_t size);

/* ---- replies ------------------------------------------------------------------ */

/* "E" and two hex digits (the stub's error reply): its number, else -1. */
int rsp_error_reply(const char *pkt, size_t len);

enum rsp_stop {
	RSP_STOP_OTHER,	  /* not a stop reply ('O' console output, ...) */
	RSP_STOP_STOPPED, /* 'T' or 'S': the guest stopped */
	RSP_STOP_EXITED,  /* 'W' or 'X': the guest is gone */
};
enum rsp_stop rsp_stop_kind(const char *pkt, size_t len);

/*
 * The little-endian register of @size bytes (1..8) at byte @off of a 'g'
 * reply (@len hex characters at @hex) into *@v; bytes sent as "xx"
 * (unavailable) read as 0. -ERANGE when the reply is too short or @off,
 * @size are out of range.
 */
int rsp_reg(const char *hex, size_t len, int off, int size, uint64_t *v);

/*
 * Appends the thread ids of a qfThreadInfo/qsThreadInfo reply ("m" id
 * {"," id}) to @ids[*@n..@max), NUL-terminated. An id that is empty, too long
 * or holds anything but hex digits, 'p', '.' and '-' is skipped (it would be
 * sent back in an Hg packet). Returns 1 when the reply was an "m" list (ask
 * for more), 0 when it was anything else (the end: "l", or an error).
 */
int rsp_parse_threads(const char *pkt, size_t len, char (*ids)[RSP_THREAD_ID], int max, int *n);

/* ---- the target description (qXfer:features:read) ------------------------------ */

/* The <reg> elements of a target description, in document order. */
struct rsp_xml_regs {
	int n, next_regnum;
	struct rsp_xml_reg {
		char name[24];
		int regnum; /* as given (0..65535), else the previous one's + 1 */
		int bits;   /* bitsize, 1..4096; 0 when absent or out of range */
	} r[RSP_MAX_XML_REGS];
};

/*
 * Collects the <reg> elements of @doc (NUL-terminated) into @x, after those
 * already there, and calls @include(@arg, href) for each <xi:include>
 * (which fetches and parses that document, bounding the depth). Stops
 * quietly when RSP_MAX_XML_REGS are collected. Returns 0, or the first
 * negative value @include returned.
 */
int rsp_xml_parse(const char *doc, struct rsp_xml_regs *x,
		  int (*include)(void *arg, const char *href), void *arg);

/*
 * Where the registers called @names[0..@nnames) sit in a 'g' reply laid out
 * as @x says (registers 0..n-1 in regnum order, each its bitsize): byte
 * offsets into @off and sizes into @size (-1 for a register that is absent
 * or wider than 8 bytes). Returns the reply's size in bytes, or -1 when the
 * description cannot give it (a regnum missing, a size not whole bytes).
 */
int rsp_xml_layout(const struct rsp_xml_regs *x, const char *const *names, int nnames, int *off,
		   int *size);

#endif
