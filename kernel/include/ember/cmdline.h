/* SPDX-License-Identifier: MIT */
/*
 * Kernel command line: "key=value ... -- arg1 arg2 ...".
 *
 * Words before "--" are kernel parameters and must have the form key=value;
 * words after it become the application's argv[1..]. Words are separated by
 * blanks; double quotes group a word ("a b") and are removed; inside quotes
 * \" and \\ escape. Parsing happens in place in a caller-owned buffer.
 */
#ifndef EMBER_CMDLINE_H
#define EMBER_CMDLINE_H

#include <ember/compiler.h>

#define CMDLINE_MAX_ARGS   64
#define CMDLINE_MAX_PARAMS 32

struct cmdline_param {
	const char *key;
	const char *value;
};

struct cmdline {
	int argc;			  /* argv[0] is the application name */
	char *argv[CMDLINE_MAX_ARGS + 1]; /* NULL-terminated */
	int nparams;
	struct cmdline_param params[CMDLINE_MAX_PARAMS];
};

/*
 * Splits @buf (modified in place, must stay alive as long as @out) into
 * kernel parameters and application arguments. @app_name becomes argv[0].
 * Returns 0, or -EINVAL (a parameter without '=' or an empty key, an
 * unterminated quote) or -E2BIG (too many words); on error *@why names the
 * offending word or reason in a static string or in @buf.
 */
/* The *why of an unterminated quote (every other -EINVAL names a word). */
extern const char cmdline_err_quote[];

int cmdline_parse(char *buf, const char *app_name, struct cmdline *out, const char **why);

#endif
