// SPDX-License-Identifier: MIT
/*
 * Random bytes for AT_RANDOM (musl's stack-protector canary and pointer
 * guard) and getrandom(): the CPU's generator when it has one
 * (arch_random_u64()), otherwise ChaCha20 (chacha20.c) keyed from every
 * source there is -- the cycle counter's jitter over a few hundred clock
 * reads, the monotonic and wall clocks, the boot cycle count -- with fast
 * key erasure (each 64-byte block's first half becomes the next key), and
 * a device's random bytes when there is an entropy source (virtio-rng on
 * QEMU, in images that have the PCI bus: <ember/device.h>). Without one,
 * one console line says that this entropy is weak.
 */
#include <ember/arch.h>
#include <ember/device.h>
#include <ember/errno.h>
#include <ember/platform.h>
#include <ember/printk.h>
#include <ember/string.h>
#include <ember/syscall.h>
#include <ember/time.h>

#include "chacha20.h"
#include "libc_glue.h"

#define JITTER_SAMPLES	256
#define SEED_TIMEOUT_NS (2 * NSEC_PER_SEC) /* a device's first answer */

static uint8_t key[32];
static uint64_t blocks; /* 0: not seeded */

static void mix(uint64_t v, unsigned *at)
{
	for (int i = 0; i < 8; i++, (*at)++)
		key[*at % sizeof(key)] ^= (uint8_t)(v >> (8 * i)) + (uint8_t)(*at * 131u);
}

static void seed(void)
{
	unsigned at = 0;
	mix(arch_cycles(), &at);
	mix(time_now_ns(), &at);
	mix(plat_wallclock_ns(), &at);
	for (int i = 0; i < JITTER_SAMPLES; i++) {
		uint64_t t0 = arch_cycles();
		(void)time_now_ns();
		mix((arch_cycles() - t0) << (i % 56), &at);
	}
	blocks = 1;
	uint8_t device[sizeof(key)];
	const char *source = entropy_read(device, sizeof(device), time_now_ns() + SEED_TIMEOUT_NS);
	if (source) {
		for (size_t i = 0; i < sizeof(key); i++)
			key[i] ^= device[i];
		memset(device, 0, sizeof(device));
		pr_info("libc: random bytes come from ChaCha20 seeded by %s\n", source);
		return;
	}
	printk("libc: this CPU has no random-number instruction: random bytes come from ChaCha20 "
	       "seeded with clock jitter, which is weak entropy\n");
}

/* 32 fresh bytes from ChaCha20, rekeying with the other half of the block. */
static void chacha_bytes(uint8_t out[32])
{
	static const uint8_t nonce[12];
	uint8_t block[64];
	if (!blocks)
		seed();
	chacha20_block(key, (uint32_t)blocks++, nonce, block);
	memcpy(key, block, 32);
	memcpy(out, block + 32, 32);
	memset(block, 0, sizeof(block));
}

static uint64_t next_u64(void)
{
	static uint8_t pool[32];
	static unsigned left;
	uint64_t v;
	if (arch_random_u64(&v))
		return v;
	if (left < sizeof(v)) {
		chacha_bytes(pool);
		left = sizeof(pool);
	}
	memcpy(&v, pool + sizeof(pool) - left, sizeof(v));
	left -= sizeof(v);
	return v;
}

void libc_random_bytes(void *buf, size_t len)
{
	uint8_t *p = buf;
	while (len) {
		uint64_t v = next_u64();
		size_t n = len < sizeof(v) ? len : sizeof(v);
		memcpy(p, &v, n);
		p += n;
		len -= n;
	}
}

SYSCALL3(getrandom, void *, buf, size_t, len, unsigned, flags)
{
	if (flags & ~7u)
		return -EINVAL;
	if (len > 33554431)
		len = 33554431; /* as Linux: at most 32 MiB - 1 per call */
	libc_random_bytes(buf, len);
	return (long)len;
}
