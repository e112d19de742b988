// SPDX-License-Identifier: MIT
/* hello: the smallest Ember application. Prints a line (and its arguments) and exits 0. */
#include <ember/printk.h>

int main(int argc, char **argv)
{
	printk("Hello from Ember!\n");
	for (int i = 1; i < argc; i++)
		printk("argv[%d] = '%s'\n", i, argv[i]);
	return 0;
}
