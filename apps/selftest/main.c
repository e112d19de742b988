// SPDX-License-Identifier: MIT
/*
 * selftest: runs the in-guest test suites (kernel/tests/) and exits 0 only
 * if every case passed. Arguments name the suites to run (default: all).
 */
#include <ember/test.h>

int main(int argc, char **argv)
{
	return test_main(argc, argv);
}
