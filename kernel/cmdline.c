// SPDX-License-Identifier: MIT
/*
 * Command-line splitting (see <ember/cmdline.h> for the grammar). Pure code
 * that only touches the caller's buffer; unit-tested on the host.
 */
#include <ember/cmdline.h>
#include <ember/errno.h>

const char cmdline_err_quote[] = "unterminated quote";

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Reads one word starting at *@pos, unquoting in place. Returns the word (NUL
 * terminated) or NULL at end of input; -EINVAL via @err on a missing quote.
 */
static char *next_word(char **pos, int *err)
{
	char *r = *pos, *w;
	while (is_blank(*r))
		r++;
	if (!*r)
		return NULL;
	char *word = w = r;
	bool quoted = false;
	for (; *r && (quoted || !is_blank(*r)); r++) {
		if (*r == '"') {
			quoted = !quoted;
		} else if (quoted && *r == '\\' && (r[1] == '"' || r[1] == '\\')) {
			*w++ = *++r;
		} else {
			*w++ = *r;
		}
	}
	if (quoted) {
		*err = -EINVAL;
		return word;
	}
	*pos = *r ? r + 1 : r;
	*w = '\0';
	return word;
}

static int add_param(struct cmdline *out, char *word, const char **why)
{
	char *eq = word;
	while (*eq && *eq != '=')
		eq++;
	if (!*eq || eq == word) {
		*why = word;
		return -EINVAL;
	}
	if (out->nparams == CMDLINE_MAX_PARAMS) {
		*why = "too many kernel parameters";
		return -E2BIG;
	}
	*eq = '\0';
	out->params[out->nparams++] = (struct cmdline_param){ word, eq + 1 };
	return 0;
}

int cmdline_parse(char *buf, const char *app_name, struct cmdline *out, const char **why)
{
	bool in_args = false;
	char *pos = buf, *word;
	int err = 0;

	*out = (struct cmdline){ .argc = 1 };
	out->argv[0] = (char *)app_name;
	*why = NULL;
	while ((word = next_word(&pos, &err)) != NULL) {
		if (err) {
			*why = cmdline_err_quote;
			return err;
		}
		if (!in_args && word[0] == '-' && word[1] == '-' && !word[2]) {
			in_args = true;
		} else if (in_args) {
			if (out->argc == CMDLINE_MAX_ARGS) {
				*why = "too many application arguments";
				return -E2BIG;
			}
			out->argv[out->argc++] = word;
		} else if ((err = add_param(out, word, why)) != 0) {
			return err;
		}
	}
	out->argv[out->argc] = NULL;
	return 0;
}
