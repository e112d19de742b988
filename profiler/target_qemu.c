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
 * get_regs reports CR3 and read_mem walks the 4-level page tables (xlate.c)
 * through the same RAM file (every table read is bounds-checked). Nothing is
 * cached: a walk is four reads of the mapped file.
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

#include "gdb_rsp.h"
#include "prof.h"
#include "target_qemu.h"
#include "xlate.h"

#define TIMEOUT_MS    5000
#define MAX_XML_DOC   (4 * RSP_MAX_PACKET) /* bytes of one target description document */
#define MAX_XML_DOCS  16		   /* documents in one description (QEMU's: 2) */
#define MAX_THREADS   64
#define MIN_RAM_FILE  (1024 * 1024ull)
#define PC_LOWMEM_MAX 0xe0000000ull /* pc: RAM at or above this is split... */
#define PC_LOWMEM_GB  0xc0000000ull /* ...at 3 GiB (gigabyte_align) */

#define CR0_PG	 (1ull << 31)
#define CR4_LA57 (1ull << 12)
#define EFER_LMA (1ull << 10)

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
	struct rsp_decoder rx; /* rx.pkt, rx.len: the last packet received */

	int reg_off[R_COUNT], reg_size[R_COUNT]; /* bytes into 'g'; -1: absent */
	const char *layout;			 /* where reg_off came from */

	int nthreads, cur_thread;
	char threads[MAX_THREADS][RSP_THREAD_ID];

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

/*
 * Receives one packet into q->rx (gdb_rsp.c decodes it), acking it in ack
 * mode; a bad checksum is asked again three times, then the target is dead.
 */
static int recv_packet(struct qemu_target *q, const char *what)
{
	long long deadline = now_ms() + TIMEOUT_MS;
	int err;

	for (int tries = 0;; tries++) {
		int ev = RSP_MORE;
		while (ev == RSP_MORE) {
			uint8_t c;
			if ((err = get_byte(q, deadline, what, &c)))
				return err;
			ev = rsp_feed(&q->rx, c);
		}
		if (ev < 0) {
			q->dead = true; /* the rest of the packet is still coming: out of sync */
			return ev == -EMSGSIZE
				       ? prof_fail(EPROTO,
						   "QEMU's gdbstub sent a packet over %d "
						   "bytes",
						   RSP_MAX_PACKET)
				       : prof_fail(ENOMEM, "out of memory for a gdb packet");
		}
		bool ok = ev == RSP_PACKET;
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
	size_t size = 2 * strlen(payload) + 5;
	char *buf = malloc(size);
	int err, len;

	if (!buf)
		return prof_fail(ENOMEM, "out of memory for a gdb packet");
	len = rsp_frame(payload, buf, size);
	for (int tries = 0;; tries++) {
		if ((err = send_raw(q, buf, (size_t)len, payload)) || q->noack)
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
	for (long long deadline = now_ms() + TIMEOUT_MS;;) {
		if (now_ms() > deadline) /* other packets, but no stop: never a hang */
			return timed_out(q, what);
		int err = recv_packet(q, what);
		if (err)
			return err;
		enum rsp_stop kind = rsp_stop_kind(q->rx.pkt, q->rx.len);
		if (kind == RSP_STOP_STOPPED) {
			q->running = false;
			return 0;
		}
		if (kind == RSP_STOP_EXITED) {
			q->dead = true;
			return prof_fail(ESRCH, "the guest exited (QEMU's gdbstub said '%.20s')",
					 q->rx.pkt);
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

/* Register @r of the 'g' reply in q->rx (its length is checked first); 0 if absent. */
static uint64_t reg_value(const struct qemu_target *q, int r)
{
	uint64_t v = 0;
	if (q->reg_off[r] >= 0 && rsp_reg(q->rx.pkt, q->rx.len, q->reg_off[r], q->reg_size[r], &v))
		v = 0;
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
		if (strcmp(q->rx.pkt, "OK"))
			return prof_fail(EIO, "QEMU refused to select vCPU %d: '%.20s'", vcpu,
					 q->rx.pkt);
		q->cur_thread = vcpu;
	}
	if ((err = command(q, "g")))
		return err;
	size_t need = 0;
	for (int r = 0; r < R_COUNT; r++)
		if (q->reg_off[r] >= 0 && (size_t)(q->reg_off[r] + q->reg_size[r]) > need)
			need = (size_t)(q->reg_off[r] + q->reg_size[r]);
	int e = rsp_error_reply(q->rx.pkt, q->rx.len);
	if (e >= 0)
		return prof_fail(EIO, "QEMU refused to read the registers of vCPU %d (E%02x)", vcpu,
				 e);
	if (q->rx.len < 2 * need)
		return prof_fail(EIO, "QEMU's 'g' reply is %zu characters, expected at least %zu",
				 q->rx.len, 2 * need);
	uint64_t cr0 = reg_value(q, R_CR0), cr4 = reg_value(q, R_CR4);
	uint64_t efer = reg_value(q, R_EFER);
	bool paging = (cr0 & CR0_PG) && (efer & EFER_LMA);
	if (paging && (cr4 & CR4_LA57))
		return prof_fail(ENOTSUP, "the guest uses 5-level paging (not supported)");
	*regs = (struct prof_regs){
		.rip = reg_value(q, R_RIP),
		.rsp = reg_value(q, R_RSP),
		.rbp = reg_value(q, R_RBP),
		.cr3 = paging ? reg_value(q, R_CR3) & PROF_PTE_ADDR : 0,
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

/* prof_read_pte_fn: one page-table entry, from the RAM file. */
static int read_pte(void *arg, uint64_t pa, uint64_t *pte)
{
	const uint8_t *p = phys(arg, pa, 8);
	if (!p)
		return -EFAULT;
	memcpy(pte, p, 8);
	return 0;
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
		if (regs && regs->cr3 &&
		    prof_x86_walk(regs->cr3, va + done, read_pte, (void *)q, &pa, &span))
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
	rsp_decoder_free(&q->rx);
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
		const char *pkt = q->rx.pkt;
		size_t n = q->rx.len;
		if (!n || (pkt[0] != 'm' && pkt[0] != 'l')) {
			free(doc);
			return prof_fail(ENOTSUP, "QEMU has no target description '%s': '%.20s'",
					 annex, pkt);
		}
		char *d = len + n > MAX_XML_DOC ? NULL : realloc(doc, len + n);
		if (!d) {
			free(doc);
			return prof_fail(ENOMEM, "target description '%s' too large", annex);
		}
		doc = d;
		memcpy(doc + len, pkt + 1, n - 1);
		len += n - 1;
		doc[len] = '\0';
		if (pkt[0] == 'l' || n == 1) {
			*out = doc;
			return 0;
		}
	}
}

/*
 * Fetching and parsing one description; an include nests one level deeper.
 * Depth and the number of documents are both bounded: a stub whose
 * documents each include many others would otherwise be fetched from
 * forever.
 */
struct xml_ctx {
	struct qemu_target *q;
	struct rsp_xml_regs *x;
	int depth;
	int *docs; /* fetched so far, for the whole description */
};

static int parse_xml(void *arg, const char *annex)
{
	struct xml_ctx *c = arg, inner = { c->q, c->x, c->depth + 1, c->docs };
	char *doc = NULL;
	int err;

	if (c->depth > 4 || ++*c->docs > MAX_XML_DOCS)
		return prof_fail(ELOOP, "target description includes nest too deep or too many");
	if ((err = fetch_xml(c->q, annex, &doc)))
		return err;
	err = rsp_xml_parse(doc, c->x, parse_xml, &inner);
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
	int off[R_COUNT], size[R_COUNT], pos = -1, err;
	struct rsp_xml_regs *x = calloc(1, sizeof(*x));

	if (!x)
		return prof_fail(ENOMEM, "out of memory for the target description");
	int docs = 0;
	struct xml_ctx c = { q, x, 0, &docs };
	if (have_xfer && !parse_xml(&c, "target.xml") && x->n)
		pos = rsp_xml_layout(x, reg_names, R_COUNT, off, size);
	free(x);
	if (q->dead)
		return prof_fail(EPIPE, "QEMU closed the gdb connection at %s", q->addr);
	if ((err = command(q, "g")))
		return err;
	size_t glen = q->rx.len / 2;
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
	/* Each round is one reply: bounded, whatever the stub keeps sending. */
	const char *cmd = "qfThreadInfo";
	for (int round = 0; round <= MAX_THREADS; round++, cmd = "qsThreadInfo") {
		if ((err = command(q, cmd)))
			return err;
		if (!rsp_parse_threads(q->rx.pkt, q->rx.len, q->threads, MAX_THREADS, &q->nthreads))
			break;
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
	for (int skipped = 0; !err && skipped < 16; skipped++) {
		err = recv_packet(q, "qSupported");
		if (!err && rsp_stop_kind(q->rx.pkt, q->rx.len) != RSP_STOP_STOPPED)
			break;
	}
	if (!err && rsp_stop_kind(q->rx.pkt, q->rx.len) == RSP_STOP_STOPPED)
		err = prof_fail(EPROTO, "QEMU's gdbstub does not answer qSupported");
	if (err)
		goto fail;
	bool noack = strstr(q->rx.pkt, "QStartNoAckMode+") != NULL;
	bool xfer = strstr(q->rx.pkt, "qXfer:features:read+") != NULL;
	if (noack) {
		if ((err = command(q, "QStartNoAckMode")))
			goto fail;
		q->noack = !strcmp(q->rx.pkt, "OK");
	}
	if ((err = command(q, "?")))
		goto fail;
	if (rsp_stop_kind(q->rx.pkt, q->rx.len) == RSP_STOP_EXITED) {
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
	rsp_decoder_free(&q->rx);
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
