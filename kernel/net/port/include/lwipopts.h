/* SPDX-License-Identifier: MIT */
/*
 * lwIP's configuration for Ember: a server's TCP/IP stack in a one-CPU
 * kernel whose kernel code is never preempted (kernel/sched.c).
 *
 * NO_SYS: lwIP's raw API, called directly. Ember's kernel code runs to
 * completion unless it blocks, interrupt handlers never enter lwIP, and
 * lwIP never blocks; so the socket layer (kernel/net/socket.c) and the net
 * thread (kernel/net/net.c) call into lwIP from their own threads with no
 * lock, no tcpip thread, no mailbox and no message per call. That is
 * lwIP's "core locking" with the lock taken for free, and it removes the
 * hop in which other unikernels' accept() and recv() have been seen to
 * hang (Unikraft #736).
 *
 * Memory: protocol control blocks and segments come from lwIP's fixed
 * pools (a bound that cannot be exceeded, however many peers connect);
 * packet data from the kernel heap (PBUF_RAM), so received data waiting
 * for a reader is bounded by each connection's window, not by a pool.
 * When every TCP PCB is in use a new connection takes the oldest
 * TIME_WAIT one (lwIP's tcp_alloc): connections closing in a loop can
 * never exhaust them (the "No route to host after ~3,000 requests" that
 * other stacks show).
 */
#ifndef EMBER_LWIPOPTS_H
#define EMBER_LWIPOPTS_H

#define NO_SYS		     1
#define LWIP_TIMERS	     1
#define SYS_LIGHTWEIGHT_PROT 0 /* see above: nothing runs lwIP concurrently */
#define LWIP_SOCKET	     0 /* the socket layer is Ember's own, on the raw API */
#define LWIP_NETCONN	     0
#define LWIP_ALTCP	     0

/* Memory. */
#define MEM_LIBC_MALLOC		     1 /* mem_malloc() is the kernel heap's malloc() */
#define MEMP_MEM_MALLOC		     0 /* the pools below are fixed bounds */
#define MEM_ALIGNMENT		     8
#define MEMP_NUM_TCP_PCB	     512
#define MEMP_NUM_TCP_PCB_LISTEN	     64
#define MEMP_NUM_UDP_PCB	     64
#define MEMP_NUM_RAW_PCB	     4
#define MEMP_NUM_TCP_SEG	     8192
#define MEMP_NUM_PBUF		     2048 /* PBUF_REF/ROM: zero-copy sends */
#define MEMP_NUM_REASSDATA	     16
#define MEMP_NUM_FRAG_PBUF	     64
#define MEMP_NUM_ARP_QUEUE	     64
#define MEMP_NUM_ND6_QUEUE	     64
#define MEMP_NUM_SYS_TIMEOUT	     (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 8)
#define PBUF_POOL_SIZE		     0 /* unused: every frame is PBUF_RAM */
#define PBUF_POOL_BUFSIZE	     1536
#define LWIP_SUPPORT_CUSTOM_PBUF     1
#define PBUF_LINK_HLEN		     14
#define PBUF_LINK_ENCAPSULATION_HLEN 0

/* Interfaces. */
#define LWIP_SINGLE_NETIF	       0
#define LWIP_NETIF_STATUS_CALLBACK     1
#define LWIP_NETIF_LINK_CALLBACK       1
#define LWIP_NETIF_EXT_STATUS_CALLBACK 1
#define LWIP_NETIF_HOSTNAME	       1
#define LWIP_NETIF_LOOPBACK	       1
#define LWIP_HAVE_LOOPIF	       1
#define LWIP_LOOPBACK_MAX_PBUFS	       0
#define LWIP_NETIF_TX_SINGLE_PBUF      0
#define LWIP_NUM_NETIF_CLIENT_DATA     1

/* IPv4. */
#define LWIP_IPV4	    1
#define LWIP_ARP	    1
#define ARP_TABLE_SIZE	    64
#define ARP_QUEUEING	    1
#define ETHARP_TRUST_IP_MAC 0
#define IP_REASSEMBLY	    1
#define IP_FRAG		    1
#define IP_REASS_MAX_PBUFS  64
#define LWIP_ICMP	    1
#define LWIP_RAW	    1
#define LWIP_IGMP	    0
#define LWIP_DHCP	    1
#define DHCP_DOES_ARP_CHECK 0 /* no second's wait per lease */
#define LWIP_AUTOIP	    0

/* IPv6: link-local, SLAAC, static addresses; no DHCPv6. */
#define LWIP_IPV6		      1
#define LWIP_IPV6_NUM_ADDRESSES	      4
#define LWIP_IPV6_AUTOCONFIG	      1
#define LWIP_IPV6_MLD		      1
#define LWIP_IPV6_FRAG		      1
#define LWIP_IPV6_REASS		      1
#define IPV6_FRAG_COPYHEADER	      1 /* 64-bit pointers do not fit the header */
#define LWIP_IPV6_SEND_ROUTER_SOLICIT 1
#define LWIP_ND6_ALLOW_RA_UPDATES     1
#define LWIP_IPV6_DHCP6		      0
#define LWIP_ICMP6		      1

/* DNS: only to keep the servers DHCP hands out (musl's resolver asks them). */
#define LWIP_DNS	1
#define DNS_MAX_SERVERS 2

/* UDP and TCP, sized for a server. */
#define LWIP_UDP		   1
#define LWIP_UDPLITE		   0
#define LWIP_TCP		   1
#define TCP_MSS			   1460
#define LWIP_WND_SCALE		   1
#define TCP_RCV_SCALE		   3
#define TCP_WND			   (256 * 1024)
#define TCP_SND_BUF		   (256 * 1024)
#define TCP_SND_QUEUELEN	   ((4 * TCP_SND_BUF + TCP_MSS - 1) / TCP_MSS)
#define TCP_SNDLOWAT		   (32 * 1024) /* lwIP's sockets' notion; it must fit a u16 */
#define TCP_SNDQUEUELOWAT	   (TCP_SND_QUEUELEN / 4)
#define TCP_OVERSIZE		   TCP_MSS
#define TCP_QUEUE_OOSEQ		   1
#define LWIP_TCP_SACK_OUT	   1
#define TCP_LISTEN_BACKLOG	   1
#define TCP_DEFAULT_LISTEN_BACKLOG 255
#define TCP_MSL			   30000UL /* TIME_WAIT 2 * MSL = 60 s, as Linux */
#define TCP_TMR_INTERVAL	   100	   /* delayed ACKs go out within 100 ms */
#define LWIP_TCP_KEEPALIVE	   1
#define LWIP_TCP_TIMESTAMPS	   0
#define LWIP_CALLBACK_API	   1
#define SO_REUSE		   1
#define LWIP_CHECKSUM_ON_COPY	   1

/* Checksums: computed and checked in software (no offload asked of any device). */
#define LWIP_CHKSUM_ALGORITHM 3
#define CHECKSUM_GEN_IP	      1
#define CHECKSUM_GEN_UDP      1
#define CHECKSUM_GEN_TCP      1
#define CHECKSUM_GEN_ICMP     1
#define CHECKSUM_GEN_ICMP6    1
#define CHECKSUM_CHECK_IP     1
#define CHECKSUM_CHECK_UDP    1
#define CHECKSUM_CHECK_TCP    1
#define CHECKSUM_CHECK_ICMP   1
#define CHECKSUM_CHECK_ICMP6  1

/* Counters (drops, errors) for the interface report; no printf display. */
#define LWIP_STATS	   1
#define LWIP_STATS_DISPLAY 0
#define MIB2_STATS	   0

#endif
