// SPDX-License-Identifier: MIT
/*
 * Suite "integrity": writes 256 MiB of pseudo-random data (xorshift64*,
 * fixed seed) to /guest/integrity.bin in chunks of mixed sizes (1 byte to
 * 1 MiB, unaligned), fsyncs, reads it back in a different mix of chunk
 * sizes and compares the CRC-32 of every MiB with what was written.
 * It also writes /guest/integrity.crc (one hex CRC-32 per MiB) so the host
 * can check the file it received: tests/guest/test_fs.py compares every
 * MiB with zlib.crc32. The data is streamed, so the guest needs ~2 MiB.
 */
#include <ember/errno.h>
#include <ember/format.h>
#include <ember/heap.h>
#include <ember/printk.h>
#include <ember/string.h>
#include <ember/test.h>
#include <ember/time.h>
#include <ember/vfs.h>
#include "fs_util.h"

#define MIB	       (1u << 20)
#define TOTAL_MIB      256u
#define INTEGRITY_SEED 0x9e3779b97f4a7c15ull

struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dull;
}

/* Fills @buf with the stream's bytes for file offsets [@off, @off + @len). */
static void stream_bytes(uint64_t off, uint8_t *buf, size_t len)
{
	/* 8 bytes per step from a per-8-byte-block seed, so any offset can start */
	for (size_t i = 0; i < len;) {
		uint64_t block = (off + i) / 8;
		struct rng r = { INTEGRITY_SEED ^ (block * 0xbf58476d1ce4e5b9ull) };
		uint64_t v = rng_next(&r);
		for (unsigned k = (unsigned)((off + i) % 8); k < 8 && i < len; k++, i++)
			buf[i] = (uint8_t)(v >> (8 * k));
	}
}

/* A chunk size between 1 byte and 1 MiB, skewed small, from @r. */
static size_t chunk_size(struct rng *r)
{
	uint64_t v = rng_next(r);
	unsigned bits = (unsigned)(v % 21); /* up to 2^20 */
	return 1 + (size_t)((v >> 8) & ((1ull << bits) - 1));
}

static uint32_t crcs[TOTAL_MIB];

static void write_all(int fd, uint8_t *buf)
{
	struct rng sizes = { 1 };
	uint64_t off = 0, total = (uint64_t)TOTAL_MIB * MIB;
	uint32_t crc = 0;
	while (off < total) {
		size_t n = (size_t)MIN((uint64_t)chunk_size(&sizes), total - off);
		/* never cross a MiB boundary inside one CRC update */
		n = (size_t)MIN((uint64_t)n, MIB - off % MIB);
		stream_bytes(off, buf, n);
		crc = fs_crc32(crc, buf, n);
		ssize_t put = vfs_write(fd, buf, n);
		if (put != (ssize_t)n) {
			EXPECT_EQ(put, (ssize_t)n);
			return;
		}
		off += n;
		if (off % MIB == 0) {
			crcs[off / MIB - 1] = crc;
			crc = 0;
		}
	}
}

static unsigned read_all_and_compare(int fd, uint8_t *buf)
{
	struct rng sizes = { 2 };
	uint64_t off = 0, total = (uint64_t)TOTAL_MIB * MIB;
	uint32_t crc = 0;
	unsigned mismatches = 0;
	while (off < total) {
		size_t n = (size_t)MIN((uint64_t)chunk_size(&sizes), total - off);
		n = (size_t)MIN((uint64_t)n, MIB - off % MIB);
		ssize_t got = vfs_read(fd, buf, n);
		if (got != (ssize_t)n) {
			EXPECT_EQ(got, (ssize_t)n);
			return mismatches + 1;
		}
		crc = fs_crc32(crc, buf, n);
		off += n;
		if (off % MIB == 0) {
			mismatches += crc != crcs[off / MIB - 1];
			crc = 0;
		}
	}
	return mismatches;
}

static int write_manifest(void)
{
	char *text = malloc(TOTAL_MIB * 9 + 1);
	if (!text)
		return -ENOMEM;
	size_t len = 0;
	for (unsigned i = 0; i < TOTAL_MIB; i++)
		len += (size_t)snprintf(text + len, 10, "%08x\n", crcs[i]);
	int err = fs_write_file("/guest/integrity.crc", text, len);
	free(text);
	return err;
}

TEST(integrity, write_fsync_read_256_mib)
{
	uint8_t *buf = malloc(MIB);
	ASSERT_NOT_NULL(buf);
	int fd = vfs_open("/guest/integrity.bin", O_CREAT | O_RDWR | O_TRUNC, 0644);
	ASSERT_GE(fd, 3);
	uint64_t t0 = time_now_ns();
	write_all(fd, buf);
	EXPECT_EQ(vfs_fsync(fd), 0);
	uint64_t t1 = time_now_ns();
	struct stat st;
	EXPECT_EQ(vfs_fstat(fd, &st), 0);
	EXPECT_EQ(st.st_size, (int64_t)TOTAL_MIB * MIB);
	EXPECT_EQ(vfs_lseek(fd, 0, SEEK_SET), 0);
	unsigned mismatches = read_all_and_compare(fd, buf);
	uint64_t t2 = time_now_ns();
	EXPECT_EQ(mismatches, 0);
	printk("integrity: %u MiB written in %lu ms, read back in %lu ms, %u MiB mismatched\n",
	       TOTAL_MIB, (unsigned long)((t1 - t0) / 1000000),
	       (unsigned long)((t2 - t1) / 1000000), mismatches);
	EXPECT_EQ(vfs_close(fd), 0);
	EXPECT_EQ(write_manifest(), 0);
	free(buf);
}
