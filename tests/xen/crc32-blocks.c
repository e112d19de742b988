// SPDX-License-Identifier: MIT
/*
 * ember-crc32-blocks: checks a file a guest wrote against the CRC-32 it
 * computed for every MiB (apps/fstest/suite_integrity.c writes one "%08x"
 * line per MiB). Runs in the Xen rig's dom0, where a shell loop of dd and
 * gzip per MiB cost minutes under nested emulation; this reads the file
 * once. Prints "integrity-blocks N mismatched M" (N: MiB blocks in the CRC
 * list); a short file counts its missing blocks as mismatched.
 *
 *   ember-crc32-blocks FILE CRC-LIST
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define MIB (1u << 20)

static uint32_t crc32_ieee(uint32_t crc, const uint8_t *p, size_t n)
{
	static uint32_t table[256];
	if (!table[1])
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;
			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
	crc = ~crc;
	while (n--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: ember-crc32-blocks FILE CRC-LIST\n");
		return 2;
	}
	FILE *data = fopen(argv[1], "rb"), *list = fopen(argv[2], "r");
	uint8_t *buf = malloc(MIB);
	if (!data || !list || !buf) {
		perror("ember-crc32-blocks");
		return 1;
	}
	unsigned blocks = 0, bad = 0, want;
	while (fscanf(list, "%8x", &want) == 1) {
		size_t n = fread(buf, 1, MIB, data);
		bad += n != MIB || crc32_ieee(0, buf, n) != want;
		blocks++;
	}
	printf("integrity-blocks %u mismatched %u\n", blocks, bad);
	return 0;
}
