/* SPDX-License-Identifier: MIT */
/*
 * A hostile 9P2000.L server behind a struct p9_transport, for the libFuzzer
 * harnesses of the 9P client (fuzz_p9_client.c) and the "9p" filesystem
 * type (fuzz_p9_vfs.c). Also the kernel stubs those need (printk, wait
 * queues): the harnesses are single-threaded, so a wait is a failure.
 *
 * Each request consumes one 8-byte record of the reply script (zeros once
 * it runs out, which is a well-behaved server):
 *
 *   [kind] [damage] [six argument bytes]
 *
 * kind 0 (and 4..255): a well-formed reply to the request, its fields chosen
 * by the arguments (how many names a walk gets through, a read's count,
 * odd directory entries and link targets, sizes past INT64_MAX, ...);
 * 1: Rlerror with the code in the first two arguments; 2: the transport
 * fails (-ENOTCONN, -EIO, -EMSGSIZE or -ETIMEDOUT); 3: raw bytes, as many as
 * the first two arguments say, taken from the script after the record.
 * damage then breaks the reply: a wrong or foreign tag, a wrong type, cut
 * short (with or without the size field fixed), bytes appended, the size
 * field off, a count past what was asked, a transport that claims more (or
 * fewer) bytes arrived than it delivered, or the previous reply replayed
 * (a late answer to an old tag). The argument the damage uses is the last.
 *
 * The server checks what the client sends (the size field counts every
 * byte given, the tag is the request's) and answers walks by name: a name
 * starting with 'd' is a directory, 'l' a symlink, anything else a file.
 */
#ifndef EMBER_FUZZ_P9_SERVER_H
#define EMBER_FUZZ_P9_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ember/p9_transport.h>

#define P9SRV_RECORD 8u
/*
 * The harnesses' transport maximum: room for an Rreaddir holding one
 * 65535-byte name (24 + 65535 bytes and the 11-byte header), and small
 * enough that ASan serves every buffer from its size classes, not mmap.
 */
#define P9SRV_MAX_MSIZE (68u * 1024)

struct p9srv {
	struct p9_transport t;
	const uint8_t *script;
	size_t len, pos;
	bool connected;
	unsigned requests;
};

/* Sets up @s as the share @tag; @script is read, never copied (keep it alive). */
void p9srv_init(struct p9srv *s, const char *tag, uint32_t max_msize, const uint8_t *script,
		size_t len);

/* Reports a broken invariant and aborts (libFuzzer keeps the input). */
void p9srv_fail(const char *file, int line, const char *cond) __attribute__((noreturn));

/* CHECK() without <stdlib.h>, for harnesses that include <ember/vfs.h>. */
#define P9_CHECK(cond) ((cond) ? (void)0 : p9srv_fail(__FILE__, __LINE__, #cond))

#endif
