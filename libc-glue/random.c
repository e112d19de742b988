// SPDX-License-Identifier: MIT
/*
 * Random bytes for AT_RANDOM (musl's stack-protector canary and pointer
 * guard) and getrandom(): the CPU's generator when it has one
 * (arch_random_u64()), otherwise a splitmix64 stream seeded from the cycle
 * counter and the clock at first use, announced once as weak.
 * TODO(issue 11): ChaCha20 seeded from every source (virtio-rng on QEMU).
 */
#include <ember/arch.h>
#include <ember/errno.h>
#include <ember/printk.h>
#include <ember/string.h>
#include <ember/syscall.h>
#include <ember/time.h>

#include "libc_glue.h"

static uint64_t state;

static uint64_t splitmix64(void)
{
	uint64_t z = (state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t next_u64(void)
{
	uint64_t v;
	if (arch_random_u64(&v))
		return v;
	if (!state) {
		state = arch_cycles() ^ (time_now_ns() << 17) ^ 0x5851f42d4c957f2dull;
		printk("libc: this CPU has no random-number instruction: random bytes come from "
		       "the cycle counter and are weak\n");
	}
	return splitmix64();
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
