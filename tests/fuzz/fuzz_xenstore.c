// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for the xenstore client's rings: the real
 * xen/xenstore.c (included, so each input starts from fresh static state)
 * with its reader and watch threads on tests/unit/sim_sched.c, against the
 * simulated xenstored of tests/unit/sim_xenstored.c, every knob of which
 * the input turns.
 *
 * The input is a script of 4-byte steps, an opcode and three argument
 * bytes: calls (read, write, directory, transaction, watch/unwatch, with
 * path and value lengths from the arguments) and hostile moves (stop
 * answering or taking requests, wrong req_id or type, a header length of
 * the input's choosing, index jumps, raw bytes pushed into the response
 * ring with the event raised, extra watch events). ASan watches every copy.
 *
 * Invariants: each call returns success or one of the errors the header
 * documents; once the client is broken every call fails with -EPROTO;
 * nothing crashes or deadlocks (sim_sched aborts on a deadlock, and a wait
 * always has a deadline or a peer that can wake it).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../xen/xenstore.c"
#include "../unit/sim_xs_client.h"
#include "fuzz_check.h"

/* Success, one of the client's own errors, or an error xenstored can name (xs_wire.h). */
static bool documented(int err)
{
	if (err >= 0 || err == -ETIMEDOUT || err == -EPROTO || err == -E2BIG || err == -ENOMEM ||
	    err == -EINVAL)
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(xsd_errors); i++)
		if (err == -xsd_errors[i].errnum)
			return true;
	return false;
}

static struct xs_watch watch;
static void on_watch(struct xs_watch *w, const char *changed)
{
	(void)w;
	(void)changed;
}

static int call(uint8_t which, const uint8_t *a)
{
	char path[300], value[1200];
	size_t plen = a[0] % sizeof(path), vlen = (a[1] | a[2] << 8) % sizeof(value);
	memset(path, 'p', plen);
	path[plen] = '\0';
	memset(value, 'v', vlen);
	value[vlen] = '\0';
	char *v = NULL, **names = NULL;
	xs_transaction_t tx;
	int err;
	switch (which % 5) {
	case 0:
		err = xs_read(XS_NO_TRANSACTION, path, &v);
		free(err ? NULL : v);
		return err;
	case 1: return xs_write(XS_NO_TRANSACTION, path, value);
	case 2:
		err = xs_directory(XS_NO_TRANSACTION, path, &names);
		free(err < 0 ? NULL : names);
		return err;
	case 3: err = xs_transaction_start(&tx); return err ?: xs_transaction_end(tx, a[0] & 1);
	default:
		watch = (struct xs_watch){ .path = "backend", .fn = on_watch };
		err = xs_watch(&watch);
		thread_yield();
		return err ?: xs_unwatch(&watch);
	}
}

/* Raw bytes into the response ring, published, the event raised. */
static void raw(const uint8_t *a, const uint8_t **data, size_t *left)
{
	size_t n = MIN((size_t)(a[0] | a[1] << 8), *left);
	for (size_t i = 0; i < n; i++)
		sim_xsd.page.rsp[MASK_XENSTORE_IDX(sim_xsd.rsp_prod + (uint32_t)i)] =
			(char)(*data)[i];
	*data += n;
	*left -= n;
	sim_xsd.rsp_prod += (uint32_t)n;
	sim_xsd.page.rsp_prod = sim_xsd.rsp_prod + sim_xsd.rsp_prod_jump;
	sim_xsd.handler(xen_boot.store_port, NULL);
	thread_yield();
}

static void step(const uint8_t *s, const uint8_t **data, size_t *left)
{
	const uint8_t *a = s + 1;
	bool broken = stats.broken;
	int err;
	switch (s[0] % 8) {
	case 0:
	case 1:
		err = call(s[0] >> 3, a);
		CHECK(documented(err));
		if (broken)
			CHECK(err == -EPROTO);
		break;
	case 2:
		sim_xsd.silent = a[0] & 1;
		sim_xsd.stopped = a[0] & 2;
		sim_xsd.extra_events = a[1] % 4;
		break;
	case 3:
		sim_xsd.req_id_delta = (int8_t)a[0];
		sim_xsd.type_override = a[1] & 1 ? a[2] % 24 : -1;
		break;
	case 4: sim_xsd.len_override = a[0] & 1 ? (int64_t)(a[1] | a[2] << 8) : -1; break;
	case 5: sim_xsd.rsp_prod_jump = (uint32_t)(int16_t)(a[0] | a[1] << 8); break;
	case 6: sim_xsd.req_cons_jump = (uint32_t)(int16_t)(a[0] | a[1] << 8); break;
	default: raw(a, data, left); break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	CHECK(sim_xs_start() == 0);
	while (size >= 4) {
		const uint8_t *s = data;
		data += 4;
		size -= 4;
		step(s, &data, &size);
	}
	sim_xs_end();
	return 0;
}
