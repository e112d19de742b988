// SPDX-License-Identifier: MIT
/*
 * xenstore suite (Xen platforms only): reads, writes, directories,
 * transactions with a forced conflict, watches, and the errors xenstored
 * gives for missing nodes, forbidden paths and bad names.
 */
#include <ember/errno.h>
#include <ember/format.h>
#include <ember/heap.h>
#include <ember/sched.h>
#include <ember/string.h>
#include <ember/test.h>
#include <ember/time.h>
#include <ember/xen/xenstore.h>

TEST(xenstore, reads_own_domid)
{
	unsigned long domid = 0;
	EXPECT_EQ(xs_read_uint(XS_NO_TRANSACTION, "domid", &domid), 0);
	EXPECT_GT(domid, 0);
	EXPECT_LT(domid, 0x7ff0);
}

TEST(xenstore, write_then_read)
{
	char *v = NULL;
	ASSERT_EQ(xs_write(XS_NO_TRANSACTION, "data/ember/greeting", "hello xenstore"), 0);
	ASSERT_EQ(xs_read(XS_NO_TRANSACTION, "data/ember/greeting", &v), 0);
	EXPECT_STREQ(v, "hello xenstore");
	free(v);
	ASSERT_EQ(xs_write(XS_NO_TRANSACTION, "data/ember/empty", ""), 0);
	ASSERT_EQ(xs_read(XS_NO_TRANSACTION, "data/ember/empty", &v), 0);
	EXPECT_STREQ(v, "");
	free(v);
}

TEST(xenstore, missing_node_is_enoent)
{
	char *v = NULL;
	EXPECT_EQ(xs_read(XS_NO_TRANSACTION, "data/ember/no/such/node", &v), -ENOENT);
	EXPECT_NULL(v);
}

TEST(xenstore, foreign_domain_is_eacces)
{
	EXPECT_EQ(xs_write(XS_NO_TRANSACTION, "/local/domain/0/ember-intruder", "x"), -EACCES);
}

TEST(xenstore, bad_path_is_einval)
{
	EXPECT_EQ(xs_write(XS_NO_TRANSACTION, "data/ember/bad name!", "x"), -EINVAL);
}

TEST(xenstore, oversized_request_is_refused_locally)
{
	char *big = malloc(5000);
	ASSERT_NOT_NULL(big);
	memset(big, 'a', 4999);
	big[4999] = '\0';
	EXPECT_EQ(xs_write(XS_NO_TRANSACTION, "data/ember/big", big), -E2BIG);
	free(big);
}

TEST(xenstore, directory_lists_children)
{
	xs_rm(XS_NO_TRANSACTION, "data/ember/dir");
	ASSERT_EQ(xs_write(XS_NO_TRANSACTION, "data/ember/dir/a", "1"), 0);
	ASSERT_EQ(xs_write(XS_NO_TRANSACTION, "data/ember/dir/b", "2"), 0);
	ASSERT_EQ(xs_mkdir(XS_NO_TRANSACTION, "data/ember/dir/c"), 0);
	char **names = NULL;
	int n = xs_directory(XS_NO_TRANSACTION, "data/ember/dir", &names);
	ASSERT_EQ(n, 3);
	int seen = 0;
	for (int i = 0; i < n; i++)
		for (int c = 0; c < 3; c++)
			if (names[i][0] == 'a' + c && !names[i][1])
				seen |= 1 << c;
	EXPECT_EQ(seen, 7);
	EXPECT_NULL(names[n]);
	free(names);
	EXPECT_EQ(xs_rm(XS_NO_TRANSACTION, "data/ember/dir"), 0);
	EXPECT_EQ(xs_directory(XS_NO_TRANSACTION, "data/ember/dir", &names), -ENOENT);
}

TEST(xenstore, transaction_commits)
{
	xs_transaction_t t;
	ASSERT_EQ(xs_transaction_start(&t), 0);
	EXPECT_NE(t, 0);
	EXPECT_EQ(xs_write(t, "data/ember/tx", "inside"), 0);
	EXPECT_EQ(xs_transaction_end(t, false), 0);
	char *v = NULL;
	ASSERT_EQ(xs_read(XS_NO_TRANSACTION, "data/ember/tx", &v), 0);
	EXPECT_STREQ(v, "inside");
	free(v);
}

TEST(xenstore, conflicting_transaction_is_eagain)
{
	xs_transaction_t t;
	char *v = NULL;
	ASSERT_EQ(xs_write(XS_NO_TRANSACTION, "data/ember/conflict", "0"), 0);
	ASSERT_EQ(xs_transaction_start(&t), 0);
	ASSERT_EQ(xs_read(t, "data/ember/conflict", &v), 0);
	free(v);
	ASSERT_EQ(xs_write(XS_NO_TRANSACTION, "data/ember/conflict", "outside"), 0);
	ASSERT_EQ(xs_write(t, "data/ember/conflict", "inside"), 0);
	EXPECT_EQ(xs_transaction_end(t, false), -EAGAIN);
	ASSERT_EQ(xs_read(XS_NO_TRANSACTION, "data/ember/conflict", &v), 0);
	EXPECT_STREQ(v, "outside");
	free(v);
}

TEST(xenstore, aborted_transaction_changes_nothing)
{
	xs_transaction_t t;
	char *v = NULL;
	xs_rm(XS_NO_TRANSACTION, "data/ember/aborted");
	ASSERT_EQ(xs_transaction_start(&t), 0);
	ASSERT_EQ(xs_write(t, "data/ember/aborted", "x"), 0);
	EXPECT_EQ(xs_transaction_end(t, true), 0);
	EXPECT_EQ(xs_read(XS_NO_TRANSACTION, "data/ember/aborted", &v), -ENOENT);
}

struct watch_probe {
	struct xs_watch w;
	struct waitq wq;
	unsigned fired;
	char last[64];
};

static void watch_fired(struct xs_watch *w, const char *path)
{
	struct watch_probe *p = container_of(w, struct watch_probe, w);
	size_t n = MIN(strlen(path), sizeof(p->last) - 1);
	memcpy(p->last, path, n);
	p->last[n] = '\0';
	p->fired++;
	waitq_wake_all(&p->wq);
}

TEST(xenstore, watch_fires_on_change)
{
	struct watch_probe p = { .w = { .path = "data/ember/watched", .fn = watch_fired } };
	waitq_init(&p.wq);
	ASSERT_EQ(xs_watch(&p.w), 0);
	/* xenstored fires once at registration. */
	EXPECT_EQ(wait_event_timeout(&p.wq, p.fired >= 1, 10 * NSEC_PER_SEC), 0);
	unsigned before = p.fired;
	ASSERT_EQ(xs_write(XS_NO_TRANSACTION, "data/ember/watched/child", "v"), 0);
	EXPECT_EQ(wait_event_timeout(&p.wq, p.fired > before, 10 * NSEC_PER_SEC), 0);
	EXPECT_TRUE(strstr(p.last, "data/ember/watched/child"));
	EXPECT_EQ(xs_unwatch(&p.w), 0);
	before = p.fired;
	ASSERT_EQ(xs_write(XS_NO_TRANSACTION, "data/ember/watched/child", "w"), 0);
	thread_sleep_ns(50 * NSEC_PER_MSEC);
	EXPECT_EQ(p.fired, before);
}

TEST(xenstore, unwatch_unknown_is_error)
{
	struct xs_watch w = { .path = "data/ember/never-watched", .fn = NULL };
	list_init(&w.link);
	snprintf(w.token, sizeof(w.token), "nope");
	EXPECT_NE(xs_unwatch(&w), 0);
}
