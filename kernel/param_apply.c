// SPDX-License-Identifier: MIT
/*
 * param_apply(): the guest-only half of the parameter registry, which reads
 * the descriptors the linker gathered and explains errors on the console.
 * Keys starting with "env." are not kernel parameters: they are the
 * application's environment (NAME=VALUE, see app_start()).
 */
#include <ember/param.h>
#include <ember/errno.h>
#include <ember/printk.h>

extern const struct param_desc __params_start[], __params_end[];

static void param_list_known(void)
{
	printk("ember: known parameters:");
	for (const struct param_desc *d = __params_start; d < __params_end; d++)
		printk(" %s", d->name);
	printk("\n");
}

int param_apply(const struct cmdline *cl)
{
	size_t n = (size_t)(__params_end - __params_start);
	for (int i = 0; i < cl->nparams; i++) {
		const struct cmdline_param *p = &cl->params[i];
		if (param_is_env(p->key))
			continue;
		int err = param_set(__params_start, n, p->key, p->value);
		if (err == -ENOENT) {
			printk("ember: unknown kernel parameter '%s'\n", p->key);
			param_list_known();
			return err;
		}
		if (err) {
			printk("ember: bad value '%s' for kernel parameter '%s'\n", p->value,
			       p->key);
			return err;
		}
	}
	return 0;
}
