// SPDX-License-Identifier: MIT
/*
 * The network stack's core: lwIP (Debian's 2.1.3, raw API, NO_SYS; see
 * kernel/net/port/include/lwipopts.h for why no tcpip thread), the devices
 * drivers register (<ember/netdev.h>), and the net thread.
 *
 * The net thread is where the stack runs on its own: it polls the devices
 * whose interrupts said they finished something (received frames go up
 * through lwIP from there), runs lwIP's timers (TCP retransmission, ARP,
 * DHCP, ND) and delivers loopback traffic, then sleeps until the next
 * timer or the next kick. Socket calls enter lwIP from their own threads.
 *
 * Start-up is a late device init (after every driver has registered its
 * devices): lwIP is initialized, each device gets a netif and is opened,
 * addresses are configured (kernel/net/net_config.c) and the boot waits,
 * bounded, for the addresses DHCP is asked for, so main() starts with the
 * network configured.
 */
#include <ember/arch.h>
#include <ember/device.h>
#include <ember/errno.h>
#include <ember/heap.h>
#include <ember/net.h>
#include <ember/printk.h>
#include <ember/sched.h>
#include <ember/string.h>
#include <ember/time.h>
#include <lwip/etharp.h>
#include <lwip/ethip6.h>
#include <lwip/init.h>
#include <lwip/netif.h>
#include <lwip/pbuf.h>
#include <lwip/stats.h>
#include <lwip/timeouts.h>
#include <netif/ethernet.h>
#include "net_internal.h"

static struct netdev *devices;
static struct netdev **devices_tail = &devices;
static struct waitq net_wq = WAITQ_INIT(net_wq);
static bool net_work; /* a device was kicked (or loopback has frames) */
static uint64_t rand_state;

/* ---- what lwIP needs from the platform ---- */

u32_t sys_now(void)
{
	return (u32_t)(time_now_ns() / NSEC_PER_MSEC);
}

/*
 * splitmix64 over a seed from the CPU's random instruction, else the
 * cycle counter at start-up: TCP initial sequence numbers, ephemeral ports
 * and DHCP transaction ids. Not a cryptographic generator (neither is
 * Linux's ISN hash without its secret): a guest without RDRAND should be
 * given virtio-rng (libc-glue's getrandom seeds from it).
 */
uint32_t net_random32(void)
{
	uint64_t z = (rand_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (uint32_t)((z ^ (z >> 31)) >> 16);
}

static void random_seed(void)
{
	uint64_t seed;
	if (!arch_random_u64(&seed))
		seed = arch_cycles() ^ (time_now_ns() << 17);
	rand_state = seed;
}

/* ---- devices ---- */

void netdev_register(struct netdev *d)
{
	static unsigned count;
	d->index = count++;
	d->next = NULL;
	*devices_tail = d;
	devices_tail = &d->next;
}

void netdev_kick(struct netdev *d)
{
	d->work = true;
	net_work = true;
	waitq_wake_one(&net_wq);
}

struct pbuf *netdev_rx_alloc(void)
{
	return pbuf_alloc(PBUF_RAW, NETDEV_RX_BYTES, PBUF_RAM);
}

void netdev_free(struct pbuf *p)
{
	pbuf_free(p);
}

void netdev_input(struct netdev *d, struct pbuf *p)
{
	struct netif *nif = d->stack;
	d->stats.rx_frames++;
	d->stats.rx_bytes += p->tot_len;
	if (nif->input(p, nif) != ERR_OK) {
		d->stats.rx_dropped++;
		pbuf_free(p);
	}
}

void netdev_set_link(struct netdev *d, bool up)
{
	d->link_up = up;
	if (d->stack)
		(up ? netif_set_link_up : netif_set_link_down)(d->stack);
}

struct netdev *net_devices(void)
{
	return devices;
}

static void report_proto(const char *name, const struct stats_proto *s)
{
	printk("net: %s rx %u tx %u dropped %u (checksum %u, length %u, memory %u, routing %u, "
	       "protocol %u, options %u, other %u)\n",
	       name, s->recv, s->xmit, s->drop, s->chkerr, s->lenerr, s->memerr, s->rterr,
	       s->proterr, s->opterr, s->err);
}

void net_report(void)
{
	for (struct netdev *d = devices; d; d = d->next) {
		const struct netdev_stats *s = &d->stats;
		printk("net: eth%u %s rx %llu frames %llu bytes %llu dropped %llu errors, tx %llu "
		       "frames %llu bytes %llu dropped %llu errors\n",
		       d->index, d->name, (unsigned long long)s->rx_frames,
		       (unsigned long long)s->rx_bytes, (unsigned long long)s->rx_dropped,
		       (unsigned long long)s->rx_errors, (unsigned long long)s->tx_frames,
		       (unsigned long long)s->tx_bytes, (unsigned long long)s->tx_dropped,
		       (unsigned long long)s->tx_errors);
	}
	report_proto("link", &lwip_stats.link);
	report_proto("arp", &lwip_stats.etharp);
	report_proto("ip", &lwip_stats.ip);
	report_proto("ip-frag", &lwip_stats.ip_frag);
	report_proto("icmp", &lwip_stats.icmp);
	report_proto("udp", &lwip_stats.udp);
	report_proto("tcp", &lwip_stats.tcp);
	report_proto("ip6", &lwip_stats.ip6);
	report_proto("ip6-frag", &lwip_stats.ip6_frag);
	report_proto("icmp6", &lwip_stats.icmp6);
	report_proto("nd6", &lwip_stats.nd6);
}

/* ---- lwIP's side of a device ---- */

static err_t netif_linkoutput(struct netif *nif, struct pbuf *p)
{
	struct netdev *d = nif->state;
	int err = d->ops->xmit(d, p);
	if (err) {
		d->stats.tx_dropped++;
		return err == -ENOBUFS ? ERR_MEM : ERR_IF;
	}
	d->stats.tx_frames++;
	d->stats.tx_bytes += p->tot_len;
	return ERR_OK;
}

static err_t netif_setup(struct netif *nif)
{
	struct netdev *d = nif->state;
	nif->name[0] = 'e'; /* lwIP numbers it (after its loopback): the console says ethN */
	nif->name[1] = 'n';
	nif->mtu = d->mtu;
	nif->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(nif->hwaddr, d->mac, ETH_HWADDR_LEN);
	nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET |
		     NETIF_FLAG_IGMP | NETIF_FLAG_MLD6;
	nif->output = etharp_output;
	nif->output_ip6 = ethip6_output;
	nif->linkoutput = netif_linkoutput;
	return ERR_OK;
}

/* Gives @d a netif and opens it; the addresses come after. */
static int device_start(struct netdev *d)
{
	struct netif *nif = calloc(1, sizeof(*nif));
	if (!nif)
		return -ENOMEM;
	if (!netif_add_noaddr(nif, d, netif_setup, ethernet_input)) {
		free(nif);
		return -EINVAL;
	}
	d->stack = nif;
	int err = d->ops->open(d);
	if (err) {
		printk("net: %s: could not be opened (%d); left down\n", d->name, err);
		netif_remove(nif);
		d->stack = NULL;
		free(nif);
		return err;
	}
	netif_set_up(nif);
	if (d->link_up)
		netif_set_link_up(nif);
	return 0;
}

/* ---- the net thread ---- */

static void poll_devices(void)
{
	for (struct netdev *d = devices; d; d = d->next) {
		unsigned long flags = arch_irq_save();
		bool due = d->work;
		d->work = false;
		arch_irq_restore(flags);
		if (due && d->stack)
			d->ops->poll(d);
	}
}

static int net_thread(void *arg __unused)
{
	for (;;) {
		net_work = false;
		poll_devices();
		netif_poll_all(); /* loopback */
		sys_check_timeouts();
		u32_t ms = sys_timeouts_sleeptime();
		uint64_t deadline = ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE
					    ? 0
					    : time_now_ns() + ms * NSEC_PER_MSEC + 1;
		unsigned long flags = arch_irq_save();
		if (!net_work)
			waitq_wait(&net_wq, deadline);
		arch_irq_restore(flags);
	}
	return 0;
}

static int net_start(void)
{
	random_seed();
	lwip_init();
	for (struct netdev *d = devices; d; d = d->next)
		device_start(d);
	if (!thread_create("net", net_thread, NULL, 0))
		return -ENOMEM;
	net_config_all();
	return 0;
}
EMBER_DEVICE_LATE_INIT(net_start);
