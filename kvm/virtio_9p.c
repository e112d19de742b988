// SPDX-License-Identifier: MIT
/*
 * virtio-9p: the 9P transport over one virtqueue (see <ember/p9_transport.h>).
 *
 * Each request is one descriptor chain: the T-message (and a Twrite's
 * payload, straight from the caller's buffer) for the device to read, then
 * the reply buffer (and an Rread's destination) for it to write. The caller
 * sleeps until the queue's interrupt hands the chain back with the number of
 * bytes written (never more than the chain posted: kvm/virtq.c clamps it).
 * Requests from several threads are in flight together, up to the queue
 * size. Every device found is registered under its mount tag.
 *
 * Failure policy (as xen/xenstore.c's, kvm/virtio.h's for the device):
 *   - a request has a deadline, V9P_REQUEST_TIMEOUT_NS from when it was
 *     made, covering both the wait for free descriptors and the wait for
 *     the reply. A device that misses it is given up on: it still owns the
 *     chain and may write into the caller's buffers at any time, so the
 *     only safe end is to reset it;
 *   - the channel is then broken for good, as after any fault the queue
 *     finds in the used ring: one line on the console says why, every
 *     request in flight and every later one fails with -EIO;
 *   - a device that fails during setup is marked FAILED and not
 *     registered; the boot goes on without the share.
 */
#include <ember/arch.h>
#include <ember/device.h>
#include <ember/errno.h>
#include <ember/heap.h>
#include <ember/p9_transport.h>
#include <ember/printk.h>
#include <ember/string.h>
#include <ember/time.h>
#include "kvm.h"
#include "virtio.h"

#define VIRTIO_9P_MOUNT_TAG    0
#define V9P_QUEUE_SIZE	       128
#define V9P_MAX_MSIZE	       (512u * 1024)
#define V9P_TAG_MAX	       64
#define V9P_REQUEST_TIMEOUT_NS (60 * NSEC_PER_SEC)

struct v9p {
	struct p9_transport t;
	struct virtio_dev dev;
	struct virtio_queue vq;
	char tag[V9P_TAG_MAX];
};

struct v9p_wait {
	bool done;
	int err;
	uint32_t len;
	struct waitq wq;
};

static void v9p_done(void *cookie, int err, uint32_t len)
{
	struct v9p_wait *w = cookie;
	w->err = err;
	w->len = len;
	w->done = true;
	waitq_wake_one(&w->wq);
}

static int v9p_connect(struct p9_transport *t __unused)
{
	return 0; /* the queue is live from probe to power-off */
}

static void v9p_disconnect(struct p9_transport *t __unused)
{
}

static unsigned add_bufs(struct virtq_buf *bufs, unsigned n, const struct p9_iov *iov,
			 unsigned niov, bool device_writes)
{
	for (unsigned i = 0; i < niov; i++)
		if (iov[i].len)
			bufs[n++] = (struct virtq_buf){ iov[i].base, iov[i].len, device_writes };
	return n;
}

static int v9p_request(struct p9_transport *t, struct p9_req *req)
{
	struct v9p *v = container_of(t, struct v9p, t);
	struct virtq_buf bufs[2 * P9_REQ_MAX_IOV];
	unsigned n = add_bufs(bufs, 0, req->out, req->nout, false);
	n = add_bufs(bufs, n, req->in, req->nin, true);
	struct v9p_wait w = { .done = false };
	waitq_init(&w.wq);
	uint64_t deadline = time_now_ns() + V9P_REQUEST_TIMEOUT_NS;

	unsigned long flags = arch_irq_save();
	int err = virtio_queue_add(&v->vq, bufs, n, &w, deadline);
	if (err == -ETIMEDOUT) {
		virtio_queue_break(&v->vq, "no descriptors came back within 60 s");
		err = -EIO;
	}
	while (!err && !w.done)
		if (waitq_wait(&w.wq, deadline) == -ETIMEDOUT && !w.done)
			virtio_queue_break(&v->vq, "a request got no reply within 60 s");
	arch_irq_restore(flags);
	if (err || w.err)
		return err ?: w.err;
	req->received = w.len;
	return 0;
}

static const struct p9_transport_ops v9p_ops = {
	.connect = v9p_connect,
	.request = v9p_request,
	.disconnect = v9p_disconnect,
};

static void read_tag(struct v9p *v)
{
	volatile uint8_t *cfg = v->dev.device_cfg;
	uint32_t room = v->dev.device_cfg_len;
	uint16_t len = room < 2 ? 0 : (uint16_t)(cfg[0] | cfg[1] << 8);
	len = (uint16_t)MIN(len, MIN(room < 2 ? 0 : room - 2, V9P_TAG_MAX - 1u));
	for (uint16_t i = 0; i < len; i++)
		v->tag[i] = (char)cfg[2 + i];
	v->tag[len] = '\0';
}

static int v9p_probe(const struct pci_dev *pci, void *arg __unused)
{
	struct v9p *v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	int err = virtio_pci_probe(&v->dev, pci);
	uint64_t want = 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_9P_MOUNT_TAG;
	if (!err && virtio_negotiate(&v->dev, want) != want)
		err = -ENODEV;
	if (!err)
		err = virtio_queue_init(&v->dev, &v->vq, 0, V9P_QUEUE_SIZE, v9p_done);
	if (err) {
		virtio_setup_failed(&v->dev, "virtio-9p", err);
		free(v);
		return 0; /* keep looking for other devices */
	}
	read_tag(v);
	virtio_start(&v->dev);
	v->t = (struct p9_transport){
		.ops = &v9p_ops, .tag = v->tag, .kind = "virtio-9p", .max_msize = V9P_MAX_MSIZE
	};
	p9_transport_register(&v->t);
	pr_info("virtio-9p: share '%s' at %02x.%x, queue size %u\n", v->tag, pci->slot, pci->func,
		v->vq.vq.size);
	return 0;
}

static int virtio_9p_init(void)
{
	return virtio_pci_for_each(0x1009, VIRTIO_DEVICE_ID_9P, v9p_probe, NULL);
}
EMBER_DEVICE_INIT(virtio_9p_init);
