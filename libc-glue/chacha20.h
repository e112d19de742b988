/* SPDX-License-Identifier: MIT */
/* The ChaCha20 block function (RFC 8439): see chacha20.c. */
#ifndef LIBC_GLUE_CHACHA20_H
#define LIBC_GLUE_CHACHA20_H

#include <stdint.h>

void chacha20_block(const uint8_t key[32], uint32_t counter, const uint8_t nonce[12],
		    uint8_t out[64]);

#endif
