# SPDX-License-Identifier: MIT
# kernel/net/: the network stack, linked into apps with app-features += net
# (GNUmakefile), with the platform's NIC drivers (plat-net-y).
#
# lwIP 2.1.3 comes from Debian's source package through scripts/debsrc
# (the one mechanism for every third-party source: pinned in
# scripts/third-party.list, unpacked into $(BUILD_ROOT)/src/lwip); only its
# src/ is used, configured by kernel/net/port/include/lwipopts.h.

LWIP_SRC := $(BUILD_ROOT)/src/lwip
lwip-files := core/init.c core/def.c core/dns.c core/inet_chksum.c core/ip.c core/mem.c \
	core/memp.c core/netif.c core/pbuf.c core/raw.c core/stats.c core/sys.c core/tcp.c \
	core/tcp_in.c core/tcp_out.c core/timeouts.c core/udp.c \
	core/ipv4/dhcp.c core/ipv4/etharp.c core/ipv4/icmp.c core/ipv4/ip4.c \
	core/ipv4/ip4_addr.c core/ipv4/ip4_frag.c \
	core/ipv6/ethip6.c core/ipv6/icmp6.c core/ipv6/inet6.c core/ipv6/ip6.c \
	core/ipv6/ip6_addr.c core/ipv6/ip6_frag.c core/ipv6/mld6.c core/ipv6/nd6.c \
	netif/ethernet.c
lwip-y := $(addprefix $(LWIP_SRC)/src/,$(lwip-files))
net-y := kernel/net/net.c kernel/net/net_config.c kernel/net/socket.c $(lwip-y)
# Images without the stack: the socket calls say so (-EAFNOSUPPORT).
nonet-y := kernel/net/nonet.c

# Everything that includes lwIP's headers: the stack and the NIC drivers.
NET_CPPFLAGS := -Ikernel/net/port/include -I$(LWIP_SRC)/src/include
# lwIP's own sources also find <string.h> and <stdlib.h> as the kernel's,
# and are third-party code: warnings are shown, never fatal, and the ones
# its style trips everywhere are off.
LWIP_CPPFLAGS := -Ikernel/net/port/compat $(NET_CPPFLAGS)
LWIP_CFLAGS := -Wno-error -Wno-unused-parameter -Wno-sign-compare -Wno-address

$(LWIP_SRC)/.debsrc-stamp: scripts/debsrc scripts/third-party.list
	$(Q)scripts/debsrc unpack lwip $(LWIP_SRC)
	$(Q)touch $@
$(lwip-y): $(LWIP_SRC)/.debsrc-stamp ;
