// SPDX-License-Identifier: MIT
/*
 * Runs the optional drivers' start functions, and keeps the entropy sources
 * they register (see <ember/device.h>).
 */
#include <ember/device.h>
#include <ember/printk.h>
#include <ember/time.h>

extern const device_init_fn __devinit_start[], __devinit_end[];

int device_init_all(void)
{
	for (const device_init_fn *fn = __devinit_start; fn < __devinit_end; fn++) {
		int err = (*fn)();
		if (err) {
			printk("ember: a device failed to start (%d)\n", err);
			return err;
		}
	}
	return 0;
}

static struct entropy_source *entropy_sources;

void entropy_source_register(struct entropy_source *s)
{
	struct entropy_source **at = &entropy_sources;
	while (*at)
		at = &(*at)->next;
	s->next = NULL;
	*at = s;
}

/* All of @len from @s by @deadline_ns, in as many reads as it takes. */
static bool entropy_fill(struct entropy_source *s, uint8_t *buf, size_t len, uint64_t deadline_ns)
{
	while (len) {
		long n = s->read(s, buf, len, deadline_ns);
		if (n <= 0 || (size_t)n > len || time_now_ns() >= deadline_ns)
			return n > 0 && (size_t)n == len;
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

const char *entropy_read(void *buf, size_t len, uint64_t deadline_ns)
{
	for (struct entropy_source *s = entropy_sources; s; s = s->next)
		if (entropy_fill(s, buf, len, deadline_ns))
			return s->name;
	return NULL;
}
