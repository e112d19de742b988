// SPDX-License-Identifier: MIT
/* hello: the smallest Ember application. Prints a line and exits 0. */
#include <ember/printk.h>

int main(int argc, char **argv)
{
	printk("Hello from Ember! (%s, %d argument%s)\n", argv[0], argc - 1, argc == 2 ? "" : "s");
	return 0;
}
