// SPDX-License-Identifier: MIT
/*
 * Interface addresses: from kernel parameters, from the platform, or from
 * DHCP, in that order; and the lines the console shows for them.
 *
 *   net.ip=ADDR/PREFIX  net.gw=ADDR  net.dns=ADDR[,ADDR]  net.ip6=ADDR/PREFIX
 *
 * apply to the first interface. Without net.ip, an interface whose platform
 * gave it an address (Xen: the vif's ip=, which libxl writes to xenstore)
 * uses that, and any other asks DHCP (net.dhcp=0 turns that off). Every
 * interface has its IPv6 link-local address and takes SLAAC addresses from
 * router advertisements. The boot waits up to net.wait seconds (default 30)
 * for the DHCP leases it asked for, so main() starts with the network
 * configured; a lease that comes later is still taken, and said.
 *
 * Each change of an interface's IPv4 address or a new valid IPv6 address is
 * one console line, so the banner shows what the guest can be reached at:
 *   net: en0 52:54:00:12:34:56 10.0.2.15/24 gw 10.0.2.2 (dhcp)
 */
#include <ember/errno.h>
#include <ember/netdev.h>
#include <ember/param.h>
#include <ember/printk.h>
#include <ember/sched.h>
#include <ember/string.h>
#include <ember/time.h>
#include <lwip/dhcp.h>
#include <lwip/dns.h>
#include <lwip/ip_addr.h>
#include <lwip/netif.h>
#include "net_internal.h"

static const char *ip_param, *gw_param, *dns_param, *ip6_param;
static bool dhcp_param = true;
static unsigned long wait_param = 30;
EMBER_PARAM_STRING(net_ip, "net.ip", &ip_param, "IPv4 ADDR/PREFIX of the first interface");
EMBER_PARAM_STRING(net_gw, "net.gw", &gw_param, "IPv4 default gateway");
EMBER_PARAM_STRING(net_dns, "net.dns", &dns_param, "DNS servers, ADDR[,ADDR]");
EMBER_PARAM_STRING(net_ip6, "net.ip6", &ip6_param, "IPv6 ADDR/PREFIX of the first interface");
EMBER_PARAM_BOOL(net_dhcp, "net.dhcp", &dhcp_param,
		 "ask DHCP when no address is given (default 1)");
EMBER_PARAM_UINT(net_wait, "net.wait", &wait_param, "seconds the boot waits for DHCP (default 30)");

static struct waitq config_wq = WAITQ_INIT(config_wq);

/* Copies @s into @buf[@size]; -EINVAL (and @buf untouched) when it does not fit. */
static int copy_word(char *buf, size_t size, const char *s)
{
	size_t n = strnlen(s, size);
	if (n >= size)
		return -EINVAL;
	memcpy(buf, s, n + 1);
	return 0;
}

static void print_mac(const uint8_t *m)
{
	printk("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void report_ip4(struct netif *nif)
{
	struct netdev *d = nif->state;
	char a[IP4ADDR_STRLEN_MAX], g[IP4ADDR_STRLEN_MAX];
	ip4addr_ntoa_r(netif_ip4_addr(nif), a, sizeof(a));
	ip4addr_ntoa_r(netif_ip4_gw(nif), g, sizeof(g));
	unsigned prefix = (unsigned)__builtin_popcount(ip4_addr_get_u32(netif_ip4_netmask(nif)));
	printk("net: eth%u ", d->index);
	print_mac(d->mac);
	if (ip4_addr_isany_val(*netif_ip4_addr(nif)))
		printk(" no IPv4 address\n");
	else
		printk(" %s/%u gw %s (%s)\n", a, prefix, g,
		       dhcp_supplied_address(nif) ? "dhcp" : "static");
}

static void report_ip6(struct netif *nif, s8_t i)
{
	struct netdev *d = nif->state;
	char a[IP6ADDR_STRLEN_MAX];
	ip6addr_ntoa_r(netif_ip6_addr(nif, i), a, sizeof(a));
	for (char *c = a; *c; c++) /* lwIP writes hex digits in capitals; RFC 5952 says not */
		if (*c >= 'A' && *c <= 'F')
			*c = (char)(*c - 'A' + 'a');
	printk("net: eth%u %s\n", d->index, a);
}

static void on_change(struct netif *nif, netif_nsc_reason_t reason,
		      const netif_ext_callback_args_t *args)
{
	if (reason & LWIP_NSC_IPV4_SETTINGS_CHANGED)
		report_ip4(nif);
	if ((reason & LWIP_NSC_IPV6_ADDR_STATE_CHANGED) &&
	    ip6_addr_isvalid(netif_ip6_addr_state(nif, args->ipv6_addr_state_changed.addr_index)) &&
	    !ip6_addr_isvalid(args->ipv6_addr_state_changed.old_state))
		report_ip6(nif, args->ipv6_addr_state_changed.addr_index);
	waitq_wake_all(&config_wq);
}

/* "ADDR/PREFIX", or "ADDR" alone for a /24 (what an xl vif ip= usually means). */
static int parse_ip4_prefix(const char *s, ip4_addr_t *addr, ip4_addr_t *mask)
{
	char buf[IP4ADDR_STRLEN_MAX + 4];
	if (copy_word(buf, sizeof(buf), s))
		return -EINVAL;
	char *slash = strchr(buf, '/');
	unsigned long prefix = 24;
	if (slash) {
		*slash = '\0';
		if (param_parse_uint(slash + 1, &prefix) || prefix > 32)
			return -EINVAL;
	}
	if (!ip4addr_aton(buf, addr))
		return -EINVAL;
	ip4_addr_set_u32(mask, prefix ? lwip_htonl(0xffffffffu << (32 - prefix)) : 0);
	return 0;
}

static int parse_ip4(const char *s, ip4_addr_t *addr)
{
	return ip4addr_aton(s, addr) ? 0 : -EINVAL;
}

static int config_ip4_static(struct netif *nif, const char *ip, const char *gw)
{
	ip4_addr_t addr, mask, gwaddr;
	ip4_addr_set_zero(&gwaddr);
	if (parse_ip4_prefix(ip, &addr, &mask) || (gw && parse_ip4(gw, &gwaddr))) {
		printk("net: eth%u: bad IPv4 address or gateway '%s' '%s'; interface left "
		       "unaddressed\n",
		       ((struct netdev *)nif->state)->index, ip, gw ? gw : "");
		return -EINVAL;
	}
	netif_set_addr(nif, &addr, &mask, &gwaddr);
	return 0;
}

static void config_ip6_static(struct netif *nif, const char *spec)
{
	char buf[IP6ADDR_STRLEN_MAX + 5];
	ip6_addr_t addr;
	s8_t index;
	if (copy_word(buf, sizeof(buf), spec))
		goto bad;
	char *slash = strchr(buf, '/');
	if (slash)
		*slash =
			'\0'; /* lwIP's on-link test is the /64 of SLAAC: the prefix is informative */
	if (!ip6addr_aton(buf, &addr) || netif_add_ip6_address(nif, &addr, &index) != ERR_OK)
		goto bad;
	netif_ip6_addr_set_state(nif, index, IP6_ADDR_PREFERRED);
	return;
bad:
	printk("net: bad IPv6 address '%s' (net.ip6=ADDR/PREFIX); ignored\n", spec);
}

static void config_dns(const char *list)
{
	char buf[2 * IPADDR_STRLEN_MAX + 2];
	if (copy_word(buf, sizeof(buf), list)) {
		printk("net: net.dns= is longer than two addresses; ignored\n");
		return;
	}
	u8_t n = 0;
	for (char *s = buf, *next; s && n < DNS_MAX_SERVERS; s = next) {
		next = strchr(s, ',');
		if (next)
			*next++ = '\0';
		ip_addr_t a;
		if (ipaddr_aton(s, &a))
			dns_setserver(n++, &a);
		else
			printk("net: bad DNS server '%s' (net.dns=ADDR[,ADDR]); ignored\n", s);
	}
}

/* Addresses for one interface; true when the boot should wait for its DHCP lease. */
static bool config_one(struct netdev *d, bool first)
{
	struct netif *nif = d->stack;
	netif_create_ip6_linklocal_address(nif, 1);
	netif_set_ip6_autoconfig_enabled(nif, 1);
	if (first && ip6_param)
		config_ip6_static(nif, ip6_param);
	const char *ip = first && ip_param ? ip_param : d->platform_ip[0] ? d->platform_ip : NULL;
	if (ip) {
		config_ip4_static(nif, ip, first ? gw_param : NULL);
		return false;
	}
	report_ip4(nif); /* the MAC now; the address when the lease comes */
	if (!dhcp_param)
		return false;
	return dhcp_start(nif) == ERR_OK;
}

static bool leases_pending(void)
{
	for (struct netdev *d = net_devices(); d; d = d->next)
		if (d->stack && netif_dhcp_data((struct netif *)d->stack) &&
		    !dhcp_supplied_address(d->stack))
			return true;
	return false;
}

void net_config_all(void)
{
	static netif_ext_callback_t callback;
	netif_add_ext_callback(&callback, on_change);
	if (dns_param)
		config_dns(dns_param);
	bool wait = false, first = true;
	for (struct netdev *d = net_devices(); d; d = d->next) {
		if (!d->stack)
			continue;
		wait |= config_one(d, first);
		first = false;
	}
	if (!wait || !wait_param)
		return;
	uint64_t timeout_ns = wait_param * NSEC_PER_SEC;
	if (wait_event_timeout(&config_wq, !leases_pending(), timeout_ns))
		printk("net: no DHCP lease after %lu s; the boot goes on (a later lease is "
		       "taken)\n",
		       wait_param);
}
