// SPDX-License-Identifier: MIT
/* app_start() for kernel-API applications: main() with the command line's arguments. */
#include <ember/arch.h>
#include <ember/cmdline.h>
#include <ember/kernel.h>

int app_start(const struct cmdline *cl)
{
	boot_times.main_cycles = arch_cycles();
	return main(cl->argc, (char **)cl->argv);
}
