// SPDX-License-Identifier: MIT
/*
 * Event-channel, grant-table and xenbus suites (Xen platforms only), each a
 * round trip one guest can make alone: an interdomain channel bound back to
 * itself, a page granted to itself and copied through the grant, a frontend
 * state followed through a watch.
 */
#include <ember/errno.h>
#include <ember/heap.h>
#include <ember/page_alloc.h>
#include <ember/sched.h>
#include <ember/string.h>
#include <ember/test.h>
#include <ember/time.h>
#include <ember/xen/gnttab.h>
#include <ember/xen/xen.h>
#include <ember/xen/xenbus.h>
#include <ember/xen/xenstore.h>

static struct waitq ev_wq = WAITQ_INIT(ev_wq);
static unsigned ev_count;

static void count_event(evtchn_port_t port __unused, void *data)
{
	ev_count += (unsigned)(uintptr_t)data;
	waitq_wake_all(&ev_wq);
}

static domid_t own_domid(void)
{
	unsigned long id = 0;
	xs_read_uint(XS_NO_TRANSACTION, "domid", &id);
	return (domid_t)id;
}

TEST(evtchn, loopback_round_trip)
{
	evtchn_port_t a, b;
	domid_t self = own_domid();
	ASSERT_NE(self, 0);
	ASSERT_EQ(evtchn_alloc_unbound(self, &a), 0);
	ASSERT_EQ(evtchn_bind_interdomain(self, a, &b), 0);
	EXPECT_NE(a, b);
	ASSERT_EQ(evtchn_bind(a, count_event, (void *)1), 0);
	ev_count = 0;
	for (unsigned i = 1; i <= 3; i++) {
		EXPECT_EQ(evtchn_send(b), 0);
		EXPECT_EQ(wait_event_timeout(&ev_wq, ev_count >= i, 5 * NSEC_PER_SEC), 0);
	}
	EXPECT_EQ(evtchn_bind(a, count_event, NULL), -EBUSY);
	EXPECT_EQ(evtchn_close(a), 0);
	EXPECT_EQ(evtchn_close(b), 0);
}

TEST(evtchn, event_on_unbound_port_is_counted_not_fatal)
{
	evtchn_port_t a, b;
	domid_t self = own_domid();
	ASSERT_EQ(evtchn_alloc_unbound(self, &a), 0);
	ASSERT_EQ(evtchn_bind_interdomain(self, a, &b), 0);
	struct evtchn_stats before, after;
	evtchn_get_stats(&before);
	evtchn_unmask(a); /* no handler bound: the event must be absorbed */
	EXPECT_EQ(evtchn_send(b), 0);
	thread_sleep_ns(10 * NSEC_PER_MSEC);
	evtchn_get_stats(&after);
	EXPECT_EQ(after.unbound, before.unbound + 1);
	evtchn_close(a);
	evtchn_close(b);
}

TEST(evtchn, bad_ports_are_errors)
{
	EXPECT_EQ(evtchn_bind(1u << 20, count_event, NULL), -EINVAL);
	EXPECT_NE(evtchn_send(4000), 0);
	evtchn_port_t p;
	EXPECT_NE(evtchn_bind_interdomain(DOMID_SELF, 4000, &p), 0);
}

TEST(gnttab, self_grant_copy_round_trip)
{
	domid_t self = own_domid();
	char *src = page_alloc(0), *dst = page_alloc(0);
	ASSERT_NOT_NULL(src);
	ASSERT_NOT_NULL(dst);
	for (unsigned i = 0; i < PAGE_SIZE; i++)
		src[i] = (char)(i * 7 + 3);
	memset(dst, 0, PAGE_SIZE);
	int ref = gnttab_grant_access(self, src, true);
	ASSERT_TRUE(ref > 0);
	struct gnttab_copy op = {
		.source = { .u.ref = (grant_ref_t)ref, .domid = self, .offset = 0 },
		.dest = { .u.gmfn = xen_page_to_frame(dst), .domid = DOMID_SELF, .offset = 0 },
		.len = PAGE_SIZE,
		.flags = GNTCOPY_source_gref,
	};
	EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_copy, &op, 1), 0);
	EXPECT_EQ(op.status, GNTST_okay);
	EXPECT_EQ(memcmp(src, dst, PAGE_SIZE), 0);
	EXPECT_EQ(gnttab_end_access((grant_ref_t)ref), 0);
	EXPECT_EQ(gnttab_end_access((grant_ref_t)ref), -EINVAL); /* already revoked */
	/* A revoked grant cannot be used any more. */
	op.status = 0;
	HYPERVISOR_grant_table_op(GNTTABOP_copy, &op, 1);
	EXPECT_NE(op.status, GNTST_okay);
	page_free(src, 0);
	page_free(dst, 0);
}

TEST(gnttab, full_table_is_enospc)
{
	char *page = page_alloc(0);
	ASSERT_NOT_NULL(page);
	unsigned before = gnttab_free_count();
	ASSERT_GT(before, 0);
	int *refs = malloc(before * sizeof(int));
	ASSERT_NOT_NULL(refs);
	for (unsigned i = 0; i < before; i++)
		refs[i] = gnttab_grant_access(0, page, true);
	EXPECT_EQ(gnttab_grant_access(0, page, true), -ENOSPC);
	EXPECT_EQ(gnttab_free_count(), 0);
	for (unsigned i = 0; i < before; i++)
		EXPECT_EQ(gnttab_end_access((grant_ref_t)refs[i]), 0);
	EXPECT_EQ(gnttab_free_count(), before);
	free(refs);
	page_free(page, 0);
}

TEST(gnttab, bad_arguments)
{
	EXPECT_EQ(gnttab_grant_access(0, (void *)0x1234, true), -EINVAL);
	EXPECT_EQ(gnttab_end_access(0), -EINVAL); /* reserved */
	EXPECT_EQ(gnttab_end_access(1u << 30), -EINVAL);
}

static int backend_sim(void *arg __unused)
{
	thread_sleep_ns(5 * NSEC_PER_MSEC);
	xenbus_switch_state("data/ember/xb", XenbusStateInitWait);
	thread_sleep_ns(5 * NSEC_PER_MSEC);
	return xenbus_switch_state("data/ember/xb", XenbusStateConnected);
}

TEST(xenbus, wait_for_state_follows_changes)
{
	enum xenbus_state seen;
	ASSERT_EQ(xenbus_switch_state("data/ember/xb", XenbusStateInitialising), 0);
	EXPECT_EQ(xenbus_read_state("data/ember/xb", &seen), 0);
	EXPECT_EQ(seen, XenbusStateInitialising);
	struct thread *t = thread_create("backend-sim", backend_sim, NULL, 0);
	ASSERT_NOT_NULL(t);
	EXPECT_EQ(xenbus_wait_for_state("data/ember/xb", XenbusStateConnected, 10 * NSEC_PER_SEC,
					&seen),
		  0);
	EXPECT_EQ(seen, XenbusStateConnected);
	thread_join(t, NULL);
}

TEST(xenbus, closing_peer_and_timeout)
{
	enum xenbus_state seen;
	ASSERT_EQ(xenbus_switch_state("data/ember/xb2", XenbusStateClosing), 0);
	EXPECT_EQ(
		xenbus_wait_for_state("data/ember/xb2", XenbusStateConnected, NSEC_PER_SEC, &seen),
		-EPIPE);
	ASSERT_EQ(xenbus_switch_state("data/ember/xb2", XenbusStateInitWait), 0);
	EXPECT_EQ(xenbus_wait_for_state("data/ember/xb2", XenbusStateConnected, 50 * NSEC_PER_MSEC,
					&seen),
		  -ETIMEDOUT);
	EXPECT_EQ(seen, XenbusStateInitWait);
	xs_write(XS_NO_TRANSACTION, "data/ember/xb2/state", "junk");
	EXPECT_EQ(xenbus_read_state("data/ember/xb2", &seen), -EINVAL);
}
