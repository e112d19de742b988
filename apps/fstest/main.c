// SPDX-License-Identifier: MIT
/*
 * fstest: runs the filesystem suites named in its arguments (default: all)
 * on the root filesystem the kernel mounted (root=9p:TAG), then prints the
 * 9p client's counters, which the host checks for leaked fids.
 */
#include <ember/p9fs.h>
#include <ember/printk.h>
#include <ember/test.h>
#include <ember/vfs.h>

int main(int argc, char **argv)
{
	struct stat st;
	if (vfs_stat("/", &st)) {
		printk("fstest: no root filesystem: boot with root=9p:TAG\n");
		return 3;
	}
	int status = test_main(argc, argv);
	struct p9_client_stats s;
	if (!p9fs_stats("/", &s))
		printk("fstest: 9p requests %lu, fids in use %u, protocol errors %lu, "
		       "transport errors %lu, msize %u\n",
		       (unsigned long)s.requests, s.fids_in_use, (unsigned long)s.protocol_errors,
		       (unsigned long)s.transport_errors, s.msize);
	return status;
}
