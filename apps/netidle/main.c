// SPDX-License-Identifier: MIT
/*
 * netidle: the network stack with nothing but the stack itself running.
 * The interfaces come up (addresses from net.* parameters, the platform or
 * DHCP) and the guest answers ARP, ping and ND until SECONDS pass (default
 * 10) or a UDP datagram "stop" arrives on port 9999; then it prints the
 * counters (net_report()) and exits 0. The tests ping it, flood it and
 * send it malformed frames.
 *   netidle [SECONDS]
 */
#include <ember/net.h>
#include <ember/param.h>
#include <ember/printk.h>
#include <ember/sched.h>
#include <ember/string.h>
#include <ember/time.h>
#include <lwip/udp.h>

#define STOP_PORT 9999

static struct waitq stop_wq = WAITQ_INIT(stop_wq);
static bool stopped;

static void on_datagram(void *arg __unused, struct udp_pcb *pcb __unused, struct pbuf *p,
			const ip_addr_t *from __unused, u16_t port __unused)
{
	char word[5] = { 0 };
	if (p->tot_len == 4 && pbuf_copy_partial(p, word, 4, 0) == 4 && !strcmp(word, "stop")) {
		stopped = true;
		waitq_wake_all(&stop_wq);
	}
	pbuf_free(p);
}

static void listen_for_stop(void)
{
	struct udp_pcb *pcb = udp_new_ip_type(IPADDR_TYPE_ANY);
	if (pcb && udp_bind(pcb, IP_ANY_TYPE, STOP_PORT) == ERR_OK)
		udp_recv(pcb, on_datagram, NULL);
	else
		printk("netidle: cannot listen on UDP port %d\n", STOP_PORT);
}

int main(int argc, char **argv)
{
	unsigned long seconds = 10;
	if (argc > 1 && param_parse_uint(argv[1], &seconds)) {
		printk("netidle: usage: netidle [SECONDS]\n");
		return 2;
	}
	listen_for_stop();
	printk("netidle: serving for %lu s (or until 'stop' on UDP port %d)\n", seconds, STOP_PORT);
	uint64_t timeout_ns = seconds * NSEC_PER_SEC;
	if (timeout_ns) /* 0 waits for nothing, not forever */
		wait_event_timeout(&stop_wq, stopped, timeout_ns);
	printk("netidle: %s\n", stopped ? "stopped" : "time is up");
	net_report();
	return 0;
}
