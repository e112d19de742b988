// SPDX-License-Identifier: MIT
/*
 * The QEMU target: registers through QEMU's gdbstub, memory straight from
 * the guest RAM file.
 *
 * gdbstub: one socket, the GDB remote serial protocol. Connecting stops the
 * guest (QEMU does that on every new gdb connection); open() reads the
 * register layout from the target description (qXfer:features:read), the
 * vCPU list (qfThreadInfo) and lets the guest run again with 'c'. A sample is
 * then: pause = the interrupt byte 0x03 and the stop reply it causes (T/S),
 * get_regs = 'g' (plus Hg when there is more than one vCPU), unpause = 'c',
 * which has no reply. QStartNoAckMode is used when QEMU offers it; QEMU 7.2
 * does not, but its '+' comes with the reply and ours is not waited for, so
 * acks cost no round trip. While the guest runs, QEMU treats any byte as a
 * stop request, so nothing but 0x03 is ever sent then.
 * Every wait is a poll() with a 5 s limit and every send uses MSG_NOSIGNAL:
 * a guest that exits mid-sample (QEMU closes the socket, or never answers)
 * gives an error, never a hang or a SIGPIPE. After a lost connection or a
 * timeout the protocol state is unknown, so the target is dead: every later
 * call fails at once.
 *
 * Memory: -object memory-backend-file,...,share=on puts guest RAM in a file
 * that is mapped here read-only; guest physical P is at file offset P - ram_base.
 * Only the RAM below 4 GiB is served: on the pc machine that is all of it
 * when it is smaller than 3.5 GiB, else the first 3 GiB (the rest is mapped
 * above 4 GiB; a non-default max-ram-below-4g is not supported). Anything
 * else (MMIO, the high part, wrap-around) is -EFAULT; nothing outside the
 * mapping is ever read.
 *
 * Translation: when the vCPU is in long mode with paging (CR0.PG, EFER.LMA),
 * get_regs reports CR3 and read_mem walks the 4-level page tables through the
 * same RAM file (4 KiB, 2 MiB and 1 GiB pages; every table read is
 * bounds-checked; permissions are not checked, the profiler only reads).
 * With regs->cr3 == 0 (paging off, early boot) virtual == physical, which is
 * also what an Ember guest's own page tables say (docs/ARCHITECTURE.md).
 *
 * Building with -DPROF_QEMU_SELFTEST adds a main() that samples a guest and
 * prints what it saw (tests/guest/test_prof_qemu.py).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "prof.h"
#include "target_qemu.h"

#define TIMEOUT_MS    5000
#define MAX_PACKET    (64 * 1024)
#define MAX_THREADS   64
#define MAX_XML_REGS  256
#define MIN_RAM_FILE  (1024 * 1024ull)
#define PC_LOWMEM_MAX 0xe0000000ull /* pc: RAM at or above this is split... */
#define PC_LOWMEM_GB  0xc0000000ull /* ...at 3 GiB (gigabyte_align) */

#define CR0_PG	 (1ull << 31)
#define CR4_LA57 (1ull << 12)
#define EFER_LMA (1ull << 10)
#define PTE_P	 1ull
#define PTE_PS	 (1ull << 7)
#define PTE_ADDR 0x000ffffffffff000ull

/* The registers a sample needs, found by name in the target description. */
enum { R_RIP, R_RSP, R_RBP, R_CS, R_CR0, R_CR3, R_CR4, R_EFER, R_COUNT };
static const char *const reg_names[R_COUNT] = { "rip", "rsp", "rbp", "cs",
						"cr0", "cr3", "cr4", "efer" };
/* QEMU 7.2's x86_64 'g' layout (gdb-xml/i386-64bit.xml), if there is no XML. */
static const int default_off[R_COUNT] = { 128, 56, 48, 140, 188, 204, 212, 228 };
#define QEMU72_G_BYTES 608
static const int default_size[R_COUNT] = { 8, 8, 8, 4, 8, 8, 8, 8 };

struct qemu_target {
	int fd;
	bool dead;    /* connection lost or out of sync: every call fails */
	bool running; /* the guest runs (we sent 'c' and saw no stop yet) */
	bool noack;
	char addr[128];

	uint8_t in[8192];
	size_t in_pos, in_len;
	char *pkt; /* last packet received (decoded, NUL-terminated) */
	size_t pkt_len, pkt_cap;

	int reg_off[R_COUNT], reg_size[R_COUNT]; /* bytes into 'g'; -1: absent */
	const char *layout;			 /* where reg_off came from */

	int nthreads, cur_thread;
	char threads[MAX_THREADS][24];

	const uint8_t *ram;
	size_t map_len;
	uint64_t ram_base, ram_len; /* served: [ram_base, ram_base + ram_len) */
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ll + ts.tv_nsec / 1000000;
}

static int lost(struct qemu_target *q)
{
	q->dead = true;
	return prof_fail(EPIPE, "QEMU closed the gdb connection at %s (did the guest exit?)",
			 q->addr);
}

static int timed_out(struct qemu_target *q, const char *what)
{
	q->dead = true;
	return prof_fail(ETIMEDOUT, "QEMU's gdbstub at %s did not answer %s within %d s", q->addr,
			 what, TIMEOUT_MS / 1000);
}

static int wait_fd(struct qemu_target *q, short events, long long deadline, const char *what)
{
	for (;;) {
		long long left = deadline - now_ms();
		if (left <= 0)
			return timed_out(q, what);
		struct pollfd p = { .fd = q->fd, .events = events };
		int n = poll(&p, 1, (int)left);
		if (n > 0)
			return 0; /* ready, or an error/hangup the next call reports */
		if (n < 0 && errno != EINTR) {
			q->dead = true;
			return prof_fail(errno, "poll on the gdb connection: %s", strerror(errno));
		}
	}
}

static int send_raw(struct qemu_target *q, const void *buf, size_t len, const char *what)
{
	const char *p = buf;
	long long deadline = now_ms() + TIMEOUT_MS;

	if (q->dead)
		return prof_fail(EPIPE, "the gdb connection to %s is gone", q->addr);
	while (len) {
		ssize_t n = send(q->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int err = wait_fd(q, POLLOUT, deadline, what);
			if (err)
				return err;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else {
			return lost(q);
		}
	}
	return 0;
}

static int get_byte(struct qemu_target *q, long long deadline, const char *what, uint8_t *c)
{
	while (q->in_pos == q->in_len) {
		ssize_t n = recv(q->fd, q->in, sizeof(q->in), MSG_DONTWAIT);
		if (n > 0) {
			q->in_pos = 0;
			q->in_len = (size_t)n;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int err = wait_fd(q, POLLIN, deadline, what);
			if (err)
				return err;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else {
			return lost(q); /* 0: orderly close; ECONNRESET, ... */
		}
	}
	*c = q->in[q->in_pos++];
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int pkt_put(struct qemu_target *q, char c)
{
	if (q->pkt_len + 2 > q->pkt_cap) {
		if (q->pkt_cap >= MAX_PACKET) {
			q->dead = true;
			return prof_fail(EPROTO, "QEMU's gdbstub sent a packet over %d bytes",
					 MAX_PACKET);
		}
		size_t cap = q->pkt_cap ? q->pkt_cap * 2 : 4096;
		char *p = realloc(q->pkt, cap);
		if (!p)
			return prof_fail(ENOMEM, "out of memory for a gdb packet");
		q->pkt = p;
		q->pkt_cap = cap;
	}
	q->pkt[q->pkt_len++] = c;
	q->pkt[q->pkt_len] = '\0';
	return 0;
}

/*
 * Receives one packet into q->pkt: '$' payload '#' checksum. Decodes
 * run-length encoding ('*') and binary escapes ('}'), acks it in ack mode.
 */
static int recv_packet(struct qemu_target *q, const char *what)
{
	long long deadline = now_ms() + TIMEOUT_MS;
	uint8_t c;
	int err;

	for (int tries = 0;; tries++) {
		do { /* skip acks and noise up to the packet start */
			if ((err = get_byte(q, deadline, what, &c)))
				return err;
		} while (c != '$');
		q->pkt_len = 0;
		if ((err = pkt_put(q, '\0')))
			return err;
		q->pkt_len = 0;
		uint8_t sum = 0, cs[2];
		bool escape = false;
		for (;;) {
			if ((err = get_byte(q, deadline, what, &c)))
				return err;
			if (c == '#')
				break;
			sum += c;
			if (escape) {
				err = pkt_put(q, (char)(c ^ 0x20));
				escape = false;
			} else if (c == '}') {
				escape = true;
			} else if (c == '*' && q->pkt_len) {
				uint8_t r; /* repeat count: the next byte - 29 */
				if ((err = get_byte(q, deadline, what, &r)))
					return err;
				sum += r;
				char last = q->pkt[q->pkt_len - 1];
				for (int i = 0; i < r - 29 && !err; i++)
					err = pkt_put(q, last);
			} else {
				err = pkt_put(q, (char)c);
			}
			if (err)
				return err;
		}
		if ((err = get_byte(q, deadline, what, &cs[0])) ||
		    (err = get_byte(q, deadline, what, &cs[1])))
			return err;
		int h = hexval(cs[0]), l = hexval(cs[1]);
		bool ok = h >= 0 && l >= 0 && (uint8_t)(h * 16 + l) == sum;
		if (q->noack) {
			if (ok)
				return 0;
			q->dead = true;
			return prof_fail(EPROTO, "bad checksum in a gdb packet from QEMU (%s)",
					 what);
		}
		if ((err = send_raw(q, ok ? "+" : "-", 1, what)))
			return err;
		if (ok)
			return 0;
		if (tries == 3) {
			q->dead = true;
			return prof_fail(EPROTO, "QEMU's gdbstub keeps sending bad packets (%s)",
					 what);
		}
	}
}

static int send_packet(struct qemu_target *q, const char *payload)
{
	size_t len = strlen(payload);
	char *buf = malloc(len + 5);
	uint8_t sum = 0;
	int err;

	if (!buf)
		return prof_fail(ENOMEM, "out of memory for a gdb packet");
	for (size_t i = 0; i < len; i++)
		sum += (uint8_t)payload[i];
	buf[0] = '$';
	memcpy(buf + 1, payload, len);
	snprintf(buf + 1 + len, 4, "#%02x", sum);
	for (int tries = 0;; tries++) {
		if ((err = send_raw(q, buf, len + 4, payload)) || q->noack)
			break;
		uint8_t c;
		long long deadline = now_ms() + TIMEOUT_MS;
		do {
			err = get_byte(q, deadline, payload, &c);
		} while (!err && c != '+' && c != '-');
		if (err || c == '+')
			break;
		if (tries == 3) {
			q->dead = true;
			err = prof_fail(EPROTO, "QEMU's gdbstub keeps rejecting '%s'", payload);
			break;
		}
	}
	free(buf);
	return err;
}

static int command(struct qemu_target *q, const char *payload)
{
	int err = send_packet(q, payload);
	return err ? err : recv_packet(q, payload);
}

/* Waits for the stop reply; 'W'/'X' mean QEMU says the guest is gone. */
static int wait_stop(struct qemu_target *q, const char *what)
{
	for (;;) {
		int err = recv_packet(q, what);
		if (err)
			return err;
		if (q->pkt[0] == 'T' || q->pkt[0] == 'S') {
			q->running = false;
			return 0;
		}
		if (q->pkt[0] == 'W' || q->pkt[0] == 'X') {
			q->dead = true;
			return prof_fail(ESRCH, "the guest exited (QEMU's gdbstub said '%.20s')",
					 q->pkt);
		}
		/* 'O' console output and the like: keep waiting */
	}
}

/* ---- target operations ------------------------------------------------------ */

static int check_live(struct qemu_target *q)
{
	if (q->dead)
		return prof_fail(EPIPE, "the gdb connection to %s is gone (did the guest exit?)",
				 q->addr);
	return 0;
}

static int qemu_pause(void *t)
{
	struct qemu_target *q = t;
	int err = check_live(q);
	if (err || !q->running)
		return err;
	if ((err = send_raw(q, "\x03", 1, "the interrupt (pause)")))
		return err;
	return wait_stop(q, "the interrupt (pause)");
}

static int qemu_unpause(void *t)
{
	struct qemu_target *q = t;
	int err = check_live(q);
	if (err || q->running)
		return err;
	if ((err = send_packet(q, "c")))
		return err;
	q->running = true;
	return 0;
}

static int qemu_nr_vcpus(void *t)
{
	return ((struct qemu_target *)t)->nthreads;
}

static uint64_t reg_value(const struct qemu_target *q, int r)
{
	uint64_t v = 0;
	if (q->reg_off[r] < 0)
		return 0;
	const char *hex = q->pkt + 2 * q->reg_off[r];
	for (int i = q->reg_size[r] - 1; i >= 0; i--) {
		int h = hexval(hex[2 * i]), l = hexval(hex[2 * i + 1]);
		v = v << 8 | (uint64_t)(h < 0 || l < 0 ? 0 : h * 16 + l); /* 'xx': unavailable */
	}
	return v;
}

static int qemu_get_regs(void *t, int vcpu, struct prof_regs *regs)
{
	struct qemu_target *q = t;
	int err = check_live(q);
	if (err)
		return err;
	if (vcpu < 0 || vcpu >= q->nthreads)
		return prof_fail(EINVAL, "QEMU guest has no vCPU %d", vcpu);
	if (q->running)
		return prof_fail(EBUSY, "get_regs on a running QEMU guest (pause it first)");
	if (q->nthreads > 1 && q->cur_thread != vcpu) {
		char cmd[40];
		snprintf(cmd, sizeof(cmd), "Hg%s", q->threads[vcpu]);
		if ((err = command(q, cmd)))
			return err;
		if (strcmp(q->pkt, "OK"))
			return prof_fail(EIO, "QEMU refused to select vCPU %d: '%.20s'", vcpu,
					 q->pkt);
		q->cur_thread = vcpu;
	}
	if ((err = command(q, "g")))
		return err;
	size_t need = 0;
	for (int r = 0; r < R_COUNT; r++)
		if (q->reg_off[r] >= 0 && (size_t)(q->reg_off[r] + q->reg_size[r]) > need)
			need = (size_t)(q->reg_off[r] + q->reg_size[r]);
	if (q->pkt[0] == 'E' || q->pkt_len < 2 * need)
		return prof_fail(EIO, "QEMU's 'g' reply is %zu characters, expected at least %zu",
				 q->pkt_len, 2 * need);
	uint64_t cr0 = reg_value(q, R_CR0), cr4 = reg_value(q, R_CR4);
	uint64_t efer = reg_value(q, R_EFER);
	bool paging = (cr0 & CR0_PG) && (efer & EFER_LMA);
	if (paging && (cr4 & CR4_LA57))
		return prof_fail(ENOTSUP, "the guest uses 5-level paging (not supported)");
	*regs = (struct prof_regs){
		.rip = reg_value(q, R_RIP),
		.rsp = reg_value(q, R_RSP),
		.rbp = reg_value(q, R_RBP),
		.cr3 = paging ? reg_value(q, R_CR3) & PTE_ADDR : 0,
		.kernel_mode = (reg_value(q, R_CS) & 3) == 0,
	};
	return 0;
}

/* Guest physical [pa, pa + len) in the RAM file, or NULL. */
static const uint8_t *phys(const struct qemu_target *q, uint64_t pa, uint64_t len)
{
	if (pa < q->ram_base)
		return NULL;
	uint64_t off = pa - q->ram_base;
	if (off >= q->ram_len || len > q->ram_len - off)
		return NULL;
	return q->ram + off;
}

/* VA -> PA through the 4-level tables at @cr3; @span: bytes mapped from @va on. */
static int translate(const struct qemu_target *q, uint64_t cr3, uint64_t va, uint64_t *pa,
		     uint64_t *span)
{
	uint64_t table = cr3 & PTE_ADDR;

	if ((uint64_t)((int64_t)(va << 16) >> 16) != va)
		return -EFAULT; /* not canonical */
	for (int shift = 39; shift >= 12; shift -= 9) {
		uint64_t e;
		const uint8_t *p = phys(q, table + ((va >> shift) & 511) * 8, 8);
		if (!p)
			return -EFAULT;
		memcpy(&e, p, 8);
		if (!(e & PTE_P))
			return -EFAULT;
		if (shift == 12 || ((shift == 30 || shift == 21) && (e & PTE_PS))) {
			uint64_t mask = (1ull << shift) - 1;
			*pa = ((e & PTE_ADDR) & ~mask) | (va & mask);
			*span = mask + 1 - (va & mask);
			return 0;
		}
		table = e & PTE_ADDR;
	}
	return -EFAULT; /* not reached */
}

static ssize_t qemu_read_mem(void *t, const struct prof_regs *regs, uint64_t va, void *buf,
			     size_t len)
{
	const struct qemu_target *q = t;
	uint8_t *out = buf;

	if (len > SSIZE_MAX || (len && va + len - 1 < va))
		return -EFAULT; /* wraps past the top of the address space */
	for (size_t done = 0; done < len;) {
		uint64_t pa = va + done, span = len - done;
		if (regs && regs->cr3 && translate(q, regs->cr3, va + done, &pa, &span))
			return -EFAULT;
		size_t n = span < len - done ? (size_t)span : len - done;
		const uint8_t *p = phys(q, pa, n);
		if (!p)
			return -EFAULT;
		memcpy(out + done, p, n);
		done += n;
	}
	return (ssize_t)len;
}

static bool qemu_alive(void *t)
{
	struct qemu_target *q = t;
	if (q->dead)
		return false;
	struct pollfd p = { .fd = q->fd, .events = POLLRDHUP };
	if (poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR))) {
		q->dead = true;
		return false;
	}
	return true;
}

static void qemu_close(void *t)
{
	struct qemu_target *q = t;

	if (q->fd >= 0 && !q->dead) {
		/* Stop first (a byte sent to a running guest is a stop request), then
		 * detach, which lets the guest run on without us. Errors: ignored. */
		if (!qemu_pause(q))
			command(q, "D");
	}
	if (q->fd >= 0)
		close(q->fd);
	if (q->ram)
		munmap((void *)q->ram, q->map_len);
	free(q->pkt);
	free(q);
}

static const struct prof_target_ops qemu_ops = {
	.name = "qemu",
	.pause = qemu_pause,
	.unpause = qemu_unpause,
	.nr_vcpus = qemu_nr_vcpus,
	.get_regs = qemu_get_regs,
	.read_mem = qemu_read_mem,
	.alive = qemu_alive,
	.close = qemu_close,
};

/* ---- opening: RAM file, connection, register layout, vCPUs ----------------------- */

static int map_ram(struct qemu_target *q, const char *path, uint64_t ram_base)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return prof_fail(errno, "cannot open the RAM file %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return prof_fail(EINVAL, "RAM file %s is not a regular file", path);
	}
	if ((uint64_t)st.st_size < MIN_RAM_FILE) {
		close(fd);
		return prof_fail(EINVAL,
				 "RAM file %s is %lld bytes, smaller than 1 MiB: not QEMU's "
				 "memory-backend-file?",
				 path, (long long)st.st_size);
	}
	void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return prof_fail(errno, "cannot map the RAM file %s: %s", path, strerror(errno));
	q->ram = p;
	q->map_len = (size_t)st.st_size;
	q->ram_base = ram_base;
	/* pc's below-4G part: all of RAM under 3.5 GiB, else the first 3 GiB. */
	uint64_t low = q->map_len < PC_LOWMEM_MAX ? q->map_len : PC_LOWMEM_GB;
	if (ram_base >= 1ull << 32)
		low = 0;
	else if (low > (1ull << 32) - ram_base)
		low = (1ull << 32) - ram_base;
	q->ram_len = low;
	return 0;
}

static int connect_gdb(struct qemu_target *q, const char *address)
{
	struct sockaddr_storage sa;
	socklen_t salen;
	int family;

	snprintf(q->addr, sizeof(q->addr), "%s", address);
	memset(&sa, 0, sizeof(sa));
	if (!strncmp(address, "unix:", 5)) {
		struct sockaddr_un *un = (struct sockaddr_un *)&sa;
		if (strlen(address + 5) >= sizeof(un->sun_path))
			return prof_fail(EINVAL, "gdb socket path too long: %s", address + 5);
		un->sun_family = AF_UNIX;
		strcpy(un->sun_path, address + 5);
		salen = sizeof(*un);
		family = AF_UNIX;
	} else if (!strncmp(address, "tcp:", 4)) {
		char host[256];
		const char *colon = strrchr(address + 4, ':');
		if (!colon || (size_t)(colon - (address + 4)) >= sizeof(host))
			return prof_fail(EINVAL, "bad gdb address '%s' (tcp:HOST:PORT)", address);
		memcpy(host, address + 4, (size_t)(colon - (address + 4)));
		host[colon - (address + 4)] = '\0';
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
		int rc = getaddrinfo(host[0] ? host : "localhost", colon + 1, &hints, &ai);
		if (rc)
			return prof_fail(EINVAL, "cannot connect to QEMU gdbstub at %s: %s",
					 address, gai_strerror(rc));
		memcpy(&sa, ai->ai_addr, ai->ai_addrlen);
		salen = ai->ai_addrlen;
		family = ai->ai_family;
		freeaddrinfo(ai);
	} else {
		return prof_fail(EINVAL, "bad gdb address '%s' (unix:PATH or tcp:HOST:PORT)",
				 address);
	}
	q->fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (q->fd < 0)
		return prof_fail(errno, "socket: %s", strerror(errno));
	if (connect(q->fd, (struct sockaddr *)&sa, salen) < 0) {
		int err = errno;
		if (err == EINPROGRESS) {
			struct pollfd p = { .fd = q->fd, .events = POLLOUT };
			socklen_t len = sizeof(err);
			if (poll(&p, 1, TIMEOUT_MS) <= 0)
				err = ETIMEDOUT;
			else if (getsockopt(q->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
				err = errno;
		}
		if (err)
			return prof_fail(err, "cannot connect to QEMU gdbstub at %s: %s", address,
					 strerror(err));
	}
	if (family != AF_UNIX)
		setsockopt(q->fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	return 0;
}

struct xml_regs {
	int n, next_regnum;
	struct {
		char name[24];
		int regnum, bits;
	} r[MAX_XML_REGS];
};

/* Copies attribute @attr of the tag [tag, end) into @out ("" if absent). */
static void xml_attr(const char *tag, const char *end, const char *attr, char *out, size_t size)
{
	size_t alen = strlen(attr);
	out[0] = '\0';
	for (const char *p = tag; p && p < end; p = strstr(p + 1, attr)) {
		if (p > tag && (p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\n') &&
		    !strncmp(p, attr, alen) && p[alen] == '=' &&
		    (p[alen + 1] == '"' || p[alen + 1] == '\'')) {
			const char *v = p + alen + 2, *e = strchr(v, p[alen + 1]);
			if (!e || e > end)
				return;
			size_t n = (size_t)(e - v) < size - 1 ? (size_t)(e - v) : size - 1;
			memcpy(out, v, n);
			out[n] = '\0';
			return;
		}
	}
}

/* Fetches the target description document @annex (qXfer:features:read). */
static int fetch_xml(struct qemu_target *q, const char *annex, char **out)
{
	size_t len = 0;
	char *doc = NULL;

	for (;;) {
		char cmd[200];
		snprintf(cmd, sizeof(cmd), "qXfer:features:read:%s:%zx,7f0", annex, len);
		int err = command(q, cmd);
		if (err) {
			free(doc);
			return err;
		}
		if (q->pkt[0] != 'm' && q->pkt[0] != 'l') {
			free(doc);
			return prof_fail(ENOTSUP, "QEMU has no target description '%s': '%.20s'",
					 annex, q->pkt);
		}
		char *d = realloc(doc, len + q->pkt_len);
		if (!d || len + q->pkt_len > MAX_PACKET * 4) {
			free(d ? d : doc);
			return prof_fail(ENOMEM, "target description '%s' too large", annex);
		}
		doc = d;
		memcpy(doc + len, q->pkt + 1, q->pkt_len - 1);
		len += q->pkt_len - 1;
		doc[len] = '\0';
		if (q->pkt[0] == 'l' || q->pkt_len == 1) {
			*out = doc;
			return 0;
		}
	}
}

/* Collects <reg> elements in document order, following <xi:include>. */
static int parse_xml(struct qemu_target *q, const char *annex, struct xml_regs *x, int depth)
{
	char *doc = NULL;
	int err;

	if (depth > 4)
		return prof_fail(ELOOP, "target description includes nest too deep");
	if ((err = fetch_xml(q, annex, &doc)))
		return err;
	for (const char *p = doc; (p = strchr(p, '<'));) {
		const char *end = strchr(p, '>');
		if (!end)
			break;
		char val[64];
		if (!strncmp(p, "<xi:include", 11)) {
			xml_attr(p, end, "href", val, sizeof(val));
			if (val[0] && (err = parse_xml(q, val, x, depth + 1)))
				break;
		} else if (!strncmp(p, "<reg", 4) && (p[4] == ' ' || p[4] == '\t')) {
			if (x->n == MAX_XML_REGS)
				break;
			xml_attr(p, end, "regnum", val, sizeof(val));
			if (val[0])
				x->next_regnum = atoi(val);
			x->r[x->n].regnum = x->next_regnum++;
			xml_attr(p, end, "bitsize", val, sizeof(val));
			x->r[x->n].bits = atoi(val);
			xml_attr(p, end, "name", x->r[x->n].name, sizeof(x->r[x->n].name));
			x->n++;
		}
		p = end;
	}
	free(doc);
	return err;
}

/*
 * Byte offsets of the registers we need in the 'g' reply, from the target
 * description when it adds up to the reply's length. QEMU 7.2's does not:
 * its i386-64bit.xml lists ss_base, ds_base and es_base, which its 'g' reply
 * (608 bytes) lacks, so registers after gs are 24 bytes off. Then the
 * built-in QEMU 7.2 layout is used; for any other length only the registers
 * before the segment bases (rip, rsp, rbp, cs) are trusted, without CR3.
 */
static int read_layout(struct qemu_target *q, bool have_xfer)
{
	int off[R_COUNT], size[R_COUNT], pos = 0, err;
	struct xml_regs *x = calloc(1, sizeof(*x));

	if (!x)
		return prof_fail(ENOMEM, "out of memory for the target description");
	if (have_xfer && !parse_xml(q, "target.xml", x, 0) && x->n) {
		for (int r = 0; r < R_COUNT; r++)
			off[r] = size[r] = -1;
		/* 'g' holds registers 0..n in regnum order: a dense numbering only. */
		for (int num = 0; num < x->n && pos >= 0; num++) {
			int i = 0;
			while (i < x->n && x->r[i].regnum != num)
				i++;
			if (i == x->n || x->r[i].bits <= 0 || x->r[i].bits % 8) {
				pos = -1;
				break;
			}
			for (int r = 0; r < R_COUNT; r++)
				if (!strcmp(x->r[i].name, reg_names[r])) {
					off[r] = pos;
					size[r] = x->r[i].bits / 8 > 8 ? -1 : x->r[i].bits / 8;
				}
			pos += x->r[i].bits / 8;
		}
	} else {
		pos = -1;
	}
	free(x);
	if (q->dead)
		return prof_fail(EPIPE, "QEMU closed the gdb connection at %s", q->addr);
	if ((err = command(q, "g")))
		return err;
	size_t glen = q->pkt_len / 2;
	if (pos > 0 && (size_t)pos == glen && off[R_RIP] >= 0 && off[R_RSP] >= 0 &&
	    off[R_RBP] >= 0 && size[R_RIP] > 0 && size[R_RSP] > 0 && size[R_RBP] > 0) {
		for (int r = 0; r < R_COUNT; r++) {
			q->reg_off[r] = size[r] > 0 ? off[r] : -1;
			q->reg_size[r] = size[r];
		}
		q->layout = "target.xml";
		return 0;
	}
	for (int r = 0; r < R_COUNT; r++) {
		q->reg_off[r] = default_off[r];
		q->reg_size[r] = default_size[r];
	}
	q->layout = "QEMU 7.2 built-in";
	if (glen != QEMU72_G_BYTES) {
		for (int r = R_CR0; r < R_COUNT; r++)
			q->reg_off[r] = -1;
		q->layout = "core registers only (no CR3)";
	}
	return 0;
}

static int read_threads(struct qemu_target *q)
{
	int err;
	q->nthreads = 0;
	for (const char *cmd = "qfThreadInfo";; cmd = "qsThreadInfo") {
		if ((err = command(q, cmd)))
			return err;
		if (q->pkt[0] != 'm')
			break;
		for (char *p = q->pkt + 1; *p && q->nthreads < MAX_THREADS;) {
			size_t n = strcspn(p, ",");
			if (n && n < sizeof(q->threads[0])) {
				memcpy(q->threads[q->nthreads], p, n);
				q->threads[q->nthreads++][n] = '\0';
			}
			p += n + (p[n] == ',');
		}
	}
	if (!q->nthreads) { /* no thread support: one vCPU, no Hg */
		q->nthreads = 1;
		strcpy(q->threads[0], "1");
	}
	q->cur_thread = -1;
	return 0;
}

int prof_qemu_open(const char *gdb_address, const char *ram_path, uint64_t ram_base,
		   struct prof_target *out)
{
	struct qemu_target *q = calloc(1, sizeof(*q));
	int err;

	if (!q)
		return prof_fail(ENOMEM, "out of memory for the QEMU target");
	q->fd = -1;
	if ((err = map_ram(q, ram_path, ram_base)) || (err = connect_gdb(q, gdb_address)))
		goto fail;
	/*
	 * QEMU stops the guest when a debugger connects and, if it was running,
	 * says so with a stop reply nobody asked for: skip it.
	 */
	if ((err = send_packet(q, "qSupported:xmlRegisters=i386")))
		goto fail;
	do {
		err = recv_packet(q, "qSupported");
	} while (!err && (q->pkt[0] == 'T' || q->pkt[0] == 'S'));
	if (err)
		goto fail;
	bool noack = strstr(q->pkt, "QStartNoAckMode+") != NULL;
	bool xfer = strstr(q->pkt, "qXfer:features:read+") != NULL;
	if (noack) {
		if ((err = command(q, "QStartNoAckMode")))
			goto fail;
		q->noack = !strcmp(q->pkt, "OK");
	}
	if ((err = command(q, "?")))
		goto fail;
	if (q->pkt[0] == 'W' || q->pkt[0] == 'X') {
		err = prof_fail(ESRCH, "the QEMU guest at %s has exited", gdb_address);
		goto fail;
	}
	if ((err = read_layout(q, xfer)) || (err = read_threads(q)) || (err = qemu_unpause(q)))
		goto fail;
	*out = (struct prof_target){ &qemu_ops, q };
	return 0;
fail:
	if (q->fd >= 0)
		close(q->fd);
	if (q->ram)
		munmap((void *)q->ram, q->map_len);
	free(q->pkt);
	free(q);
	return err;
}

#ifdef PROF_QEMU_SELFTEST
/*
 * A driver for tests/guest/test_prof_qemu.py:
 *   target_qemu GDB_ADDRESS RAM_FILE COUNT
 * Takes COUNT samples (pause, registers, 16 bytes at RSP and RIP, unpause),
 * one line each, then a rate line. Exits 1 with a one-line reason on the
 * first failure (the guest exiting ends the run that way).
 */
static void print_mem(const struct prof_target *t, const struct prof_regs *r, uint64_t va)
{
	uint8_t b[16];
	if (t->ops->read_mem(t->priv, r, va, b, sizeof(b)) != (ssize_t)sizeof(b)) {
		printf(" ERR");
		return;
	}
	printf(" ");
	for (size_t i = 0; i < sizeof(b); i++)
		printf("%02x", b[i]);
}

/*
 * read_mem's bounds with @r (paging off or on): prints "bounds <label> ok" or
 * what went wrong. With paging, RIP and RSP read through the page tables must
 * equal RIP and RSP read as physical addresses (an Ember guest's identity map).
 */
static void check_bounds(const struct prof_target *t, const struct qemu_target *q,
			 const struct prof_regs *r, const char *label)
{
	struct prof_regs flat = { 0 };
	uint8_t b[16], c[16];
	const uint64_t bad[] = { q->ram_len - 8,	q->ram_len, ~0ull - 7, 1ull << 40,
				 0x8000000000000000ull, ~0ull };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (t->ops->read_mem(t->priv, r, bad[i], b, 16) != -EFAULT) {
			printf("bounds %s FAIL at %#llx\n", label, (unsigned long long)bad[i]);
			return;
		}
	if (!r->cr3 && t->ops->read_mem(t->priv, r, q->ram_len - 16, b, 16) != 16) {
		printf("bounds %s FAIL: the last 16 bytes of RAM are unreadable\n", label);
		return;
	}
	const uint64_t same[] = { r->rip, r->rsp };
	for (size_t i = 0; r->cr3 && i < 2; i++)
		if (t->ops->read_mem(t->priv, r, same[i], b, 16) != 16 ||
		    t->ops->read_mem(t->priv, &flat, same[i], c, 16) != 16 || memcmp(b, c, 16)) {
			printf("bounds %s FAIL: %#llx reads differently through CR3\n", label,
			       (unsigned long long)same[i]);
			return;
		}
	printf("bounds %s ok\n", label);
}

int main(int argc, char **argv)
{
	struct prof_target t;
	struct prof_regs r;
	struct timespec t0, t1;

	if (argc != 4) {
		fprintf(stderr, "usage: %s GDB_ADDRESS RAM_FILE COUNT\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	long count = strtol(argv[3], NULL, 0);
	if (prof_qemu_open(argv[1], argv[2], 0, &t)) {
		fprintf(stderr, "target_qemu: %s\n", prof_error());
		return 1;
	}
	const struct qemu_target *q = t.priv;
	printf("open noack=%d layout='%s' vcpus=%d ram=%#llx rip@%d rsp@%d rbp@%d cr3@%d\n",
	       q->noack, q->layout, t.ops->nr_vcpus(t.priv), (unsigned long long)q->ram_len,
	       q->reg_off[R_RIP], q->reg_off[R_RSP], q->reg_off[R_RBP], q->reg_off[R_CR3]);
	check_bounds(&t, q, &(struct prof_regs){ 0 }, "flat");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	long i;
	int err = 0, paged_checked = 0;
	for (i = 0; i < count; i++) {
		if ((err = t.ops->pause(t.priv)) || (err = t.ops->get_regs(t.priv, 0, &r)))
			break;
		printf("sample %ld rip=%#llx rsp=%#llx rbp=%#llx cr3=%#llx k=%d", i,
		       (unsigned long long)r.rip, (unsigned long long)r.rsp,
		       (unsigned long long)r.rbp, (unsigned long long)r.cr3, r.kernel_mode);
		print_mem(&t, &r, r.rip);
		print_mem(&t, &r, r.rsp);
		printf("\n");
		if (r.cr3 && !paged_checked++)
			check_bounds(&t, q, &r, "paged");
		if ((err = t.ops->unpause(t.priv)))
			break;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("rate %ld samples in %.3f s: %.0f samples/s\n", i, secs, secs > 0 ? i / secs : 0.0);
	if (err) {
		fprintf(stderr, "target_qemu: %s (alive=%d)\n", prof_error(), t.ops->alive(t.priv));
		t.ops->close(t.priv);
		return 1;
	}
	printf("alive=%d\n", t.ops->alive(t.priv));
	t.ops->close(t.priv);
	return 0;
}
#endif
