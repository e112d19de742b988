// SPDX-License-Identifier: MIT
/*
 * virtio-rng (virtio 1.x, 5.4): random bytes from the host, registered as
 * an entropy source (<ember/device.h>) that seeds libc-glue's getrandom()
 * when the CPU has no random-number instruction (QEMU's qemu64 has none).
 * QEMU gives one with `-device virtio-rng-pci`.
 *
 * One queue, one request at a time: a device-writable buffer of the
 * driver's own (never the caller's, since a device that misses its deadline
 * still owns it), handed back with the number of bytes written, which
 * kvm/virtq.c has clamped to what was posted. A read that misses its
 * deadline gives the device up for good (kvm/virtio.h's failure policy):
 * its reader falls back to whatever else it has.
 */
#include <ember/arch.h>
#include <ember/device.h>
#include <ember/errno.h>
#include <ember/heap.h>
#include <ember/printk.h>
#include <ember/string.h>
#include <ember/time.h>
#include "kvm.h"
#include "virtio.h"

#define VIRTIO_DEVICE_ID_RNG 4
#define VRNG_QUEUE_SIZE	     8
#define VRNG_BUF_BYTES	     64

struct vrng {
	struct entropy_source src;
	struct virtio_dev dev;
	struct virtio_queue vq;
	struct waitq wq;
	bool busy, done; /* a request is posted; it came back */
	int err;
	uint32_t len;
	uint8_t buf[VRNG_BUF_BYTES];
};

static void vrng_done(void *cookie, int err, uint32_t len)
{
	struct vrng *r = cookie;
	r->err = err;
	r->len = len;
	r->done = true;
	waitq_wake_one(&r->wq);
}

/* Posts the buffer and waits for it; interrupts off. Bytes written or -errno. */
static long vrng_request(struct vrng *r, uint64_t deadline_ns)
{
	struct virtq_buf buf = { r->buf, sizeof(r->buf), true };
	r->done = false;
	r->busy = true;
	int err = virtio_queue_add(&r->vq, &buf, 1, r, deadline_ns);
	while (!err && !r->done)
		if (waitq_wait(&r->wq, deadline_ns) == -ETIMEDOUT && !r->done)
			virtio_queue_break(&r->vq, "no random bytes came back in time");
	r->busy = false;
	if (err == -ETIMEDOUT)
		virtio_queue_break(&r->vq, "no descriptor came back in time");
	return err ? -EIO : r->err ? r->err : (long)r->len;
}

static long vrng_read(struct entropy_source *s, void *out, size_t len, uint64_t deadline_ns)
{
	struct vrng *r = container_of(s, struct vrng, src);
	unsigned long flags = arch_irq_save();
	long n = r->busy ? -EBUSY : vrng_request(r, deadline_ns);
	if (n > 0) {
		n = MIN((size_t)n, len);
		memcpy(out, r->buf, (size_t)n);
		memset(r->buf, 0, sizeof(r->buf));
	}
	arch_irq_restore(flags);
	return n;
}

static int vrng_probe(const struct pci_dev *pci, void *arg __unused)
{
	struct vrng *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	waitq_init(&r->wq);
	int err = virtio_pci_probe(&r->dev, pci);
	uint64_t want = 1ull << VIRTIO_F_VERSION_1;
	if (!err && virtio_negotiate(&r->dev, want) != want)
		err = -ENODEV;
	if (!err)
		err = virtio_queue_init(&r->dev, &r->vq, 0, VRNG_QUEUE_SIZE, vrng_done);
	if (err) {
		virtio_setup_failed(&r->dev, "virtio-rng", err);
		free(r);
		return 0; /* keep looking for other devices */
	}
	virtio_start(&r->dev);
	r->src = (struct entropy_source){ .name = "virtio-rng", .read = vrng_read };
	entropy_source_register(&r->src);
	pr_info("virtio-rng: at %02x.%x\n", pci->slot, pci->func);
	return 0;
}

static int virtio_rng_init(void)
{
	return virtio_pci_for_each(0x1005, VIRTIO_DEVICE_ID_RNG, vrng_probe, NULL);
}
EMBER_DEVICE_INIT(virtio_rng_init);
