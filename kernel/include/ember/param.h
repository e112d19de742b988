/* SPDX-License-Identifier: MIT */
/*
 * Kernel parameters: `key=value` words from the command line. Each subsystem
 * declares its own with EMBER_PARAM_*(); the descriptors land in the
 * .ember_params section and the kernel applies the command line against them
 * at boot. An unknown key or a malformed value stops the boot with a clear
 * message (exit status EMBER_EXIT_BAD_PARAM).
 */
#ifndef EMBER_PARAM_H
#define EMBER_PARAM_H

#include <ember/compiler.h>
#include <ember/cmdline.h>

enum param_type { PARAM_BOOL, PARAM_UINT, PARAM_STRING };

/* "env.NAME=VALUE" on the command line: the application's environment. */
#define PARAM_ENV_PREFIX "env."

/* True for an environment entry's key (its NAME follows PARAM_ENV_PREFIX). */
bool param_is_env(const char *key);

struct param_desc {
	const char *name;
	enum param_type type;
	void *var; /* bool *, unsigned long *, const char ** */
	const char *help;
};

#define EMBER_PARAM(ident, pname, ptype, pvar, phelp)                      \
	static const struct param_desc __param_##ident __used __aligned(8) \
		__section(".ember_params") = { pname, ptype, pvar, phelp }
#define EMBER_PARAM_BOOL(ident, pname, pvar, phelp) \
	EMBER_PARAM(ident, pname, PARAM_BOOL, pvar, phelp)
#define EMBER_PARAM_UINT(ident, pname, pvar, phelp) \
	EMBER_PARAM(ident, pname, PARAM_UINT, pvar, phelp)
#define EMBER_PARAM_STRING(ident, pname, pvar, phelp) \
	EMBER_PARAM(ident, pname, PARAM_STRING, pvar, phelp)

/*
 * Sets the parameter @key to @value using the descriptors @table[0..@n).
 * Returns 0, -ENOENT for an unknown key, -EINVAL for a value that does not
 * parse as the parameter's type (bool: 0/1/yes/no/on/off/true/false; uint:
 * decimal or 0x hex, no overflow).
 */
int param_set(const struct param_desc *table, size_t n, const char *key, const char *value);

/*
 * Applies every parameter of @cl against the linked-in descriptors. On error
 * prints which parameter and why, and returns the negative errno.
 */
int param_apply(const struct cmdline *cl);

/* Parses an unsigned number (decimal or 0x hex) into *@out: 0 or -EINVAL. */
int param_parse_uint(const char *s, unsigned long *out);

#endif
