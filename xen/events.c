// SPDX-License-Identifier: MIT
/*
 * Event channels, 2-level ABI (shared between PV and PVH).
 *
 * Pending and mask bits live in the shared info page: evtchn_pending[] and
 * evtchn_mask[] (one bit per port), with a per-vCPU selector word saying which
 * words of evtchn_pending[] may hold news. The upcall (xen_evtchn_upcall())
 * walks selector, then words, clears each pending bit and calls the port's
 * handler in interrupt context. A port without a handler is masked and
 * counted, so a stray event cannot storm the guest.
 *
 * Every port starts masked; evtchn_bind() unmasks it, through
 * EVTCHNOP_unmask, which makes Xen re-deliver an event that arrived while the
 * port was masked.
 */
#include <ember/arch.h>
#include <ember/errno.h>
#include <ember/printk.h>
#include <ember/xen/xen.h>

#define NR_PORTS      (sizeof(xen_ulong_t) * 8 * sizeof(xen_ulong_t) * 8)
#define BITS_PER_WORD (sizeof(xen_ulong_t) * 8)

struct shared_info *xen_shared_info;

static struct {
	evtchn_handler_fn fn;
	void *data;
} handlers[NR_PORTS];
static struct evtchn_stats stats;

static inline void sync_set_bit(unsigned bit, volatile xen_ulong_t *words)
{
	__atomic_fetch_or(&words[bit / BITS_PER_WORD], 1ul << (bit % BITS_PER_WORD),
			  __ATOMIC_SEQ_CST);
}

static inline void sync_clear_bit(unsigned bit, volatile xen_ulong_t *words)
{
	__atomic_fetch_and(&words[bit / BITS_PER_WORD], ~(1ul << (bit % BITS_PER_WORD)),
			   __ATOMIC_SEQ_CST);
}

void evtchn_mask(evtchn_port_t port)
{
	if (port < NR_PORTS)
		sync_set_bit(port, xen_shared_info->evtchn_mask);
}

void evtchn_unmask(evtchn_port_t port)
{
	struct evtchn_unmask op = { .port = port };
	if (port < NR_PORTS)
		HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &op);
}

int evtchn_init(void)
{
	for (unsigned i = 0; i < ARRAY_SIZE(xen_shared_info->evtchn_mask); i++)
		xen_shared_info->evtchn_mask[i] = ~(xen_ulong_t)0;
	return xen_upcall_init();
}

int evtchn_bind(evtchn_port_t port, evtchn_handler_fn fn, void *data)
{
	if (port >= NR_PORTS || !fn)
		return -EINVAL;
	unsigned long flags = arch_irq_save();
	if (handlers[port].fn) {
		arch_irq_restore(flags);
		return -EBUSY;
	}
	handlers[port].fn = fn;
	handlers[port].data = data;
	arch_irq_restore(flags);
	evtchn_unmask(port);
	return 0;
}

void evtchn_unbind(evtchn_port_t port)
{
	if (port >= NR_PORTS)
		return;
	evtchn_mask(port);
	unsigned long flags = arch_irq_save();
	handlers[port].fn = NULL;
	handlers[port].data = NULL;
	arch_irq_restore(flags);
}

int evtchn_bind_virq(uint32_t virq, evtchn_handler_fn fn, void *data, evtchn_port_t *port)
{
	struct evtchn_bind_virq op = { .virq = virq, .vcpu = 0 };
	int err = (int)HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &op);
	if (err)
		return err;
	*port = op.port;
	return evtchn_bind(op.port, fn, data);
}

int evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port)
{
	struct evtchn_alloc_unbound op = { .dom = DOMID_SELF, .remote_dom = remote };
	int err = (int)HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &op);
	if (!err)
		*port = op.port;
	return err;
}

int evtchn_bind_interdomain(domid_t remote, evtchn_port_t remote_port, evtchn_port_t *port)
{
	struct evtchn_bind_interdomain op = { .remote_dom = remote, .remote_port = remote_port };
	int err = (int)HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &op);
	if (!err)
		*port = op.local_port;
	return err;
}

int evtchn_send(evtchn_port_t port)
{
	struct evtchn_send op = { .port = port };
	return (int)HYPERVISOR_event_channel_op(EVTCHNOP_send, &op);
}

int evtchn_close(evtchn_port_t port)
{
	struct evtchn_close op = { .port = port };
	evtchn_unbind(port);
	return (int)HYPERVISOR_event_channel_op(EVTCHNOP_close, &op);
}

static void dispatch(evtchn_port_t port)
{
	if (handlers[port].fn) {
		stats.delivered++;
		handlers[port].fn(port, handlers[port].data);
	} else {
		stats.unbound++;
		evtchn_mask(port); /* nobody listens: keep it quiet */
	}
}

void xen_evtchn_upcall(void)
{
	struct shared_info *s = xen_shared_info;
	struct vcpu_info *v = &s->vcpu_info[0];
	stats.upcalls++;
	while (READ_ONCE(v->evtchn_upcall_pending)) {
		WRITE_ONCE(v->evtchn_upcall_pending, 0);
		xen_ulong_t sel = __atomic_exchange_n(&v->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
		while (sel) {
			unsigned w = (unsigned)__builtin_ctzl(sel);
			sel &= sel - 1;
			xen_ulong_t pending;
			while ((pending = READ_ONCE(s->evtchn_pending[w]) &
					  ~READ_ONCE(s->evtchn_mask[w])) != 0) {
				unsigned b = (unsigned)__builtin_ctzl(pending);
				evtchn_port_t port = w * BITS_PER_WORD + b;
				sync_clear_bit(port, s->evtchn_pending);
				dispatch(port);
			}
		}
	}
}

void evtchn_get_stats(struct evtchn_stats *out)
{
	unsigned long flags = arch_irq_save();
	*out = stats;
	arch_irq_restore(flags);
}

void evtchn_get_port_state(evtchn_port_t port, struct evtchn_port_state *out)
{
	const struct shared_info *s = xen_shared_info;
	xen_ulong_t bit = (xen_ulong_t)1 << (port % BITS_PER_WORD);
	unsigned w = port / BITS_PER_WORD;
	*out = (struct evtchn_port_state){
		.pending = READ_ONCE(s->evtchn_pending[w]) & bit,
		.masked = READ_ONCE(s->evtchn_mask[w]) & bit,
		.upcall_pending = READ_ONCE(s->vcpu_info[0].evtchn_upcall_pending),
		.upcall_masked = READ_ONCE(s->vcpu_info[0].evtchn_upcall_mask),
	};
}
