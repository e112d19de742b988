// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness for the kernel command-line splitter, kernel/cmdline.c.
 *
 * The input bytes are copied into an exact-size heap buffer with one NUL
 * added (what the boot code hands over; an embedded NUL simply ends the
 * line early), so ASan reports any access outside it. Checked on every
 * input: the result is 0, -EINVAL or -E2BIG; on success argc and nparams are
 * within their bounds, argv[0] is the application name, argv is
 * NULL-terminated, every word and key/value lies in the buffer with its NUL
 * there too, keys are non-empty and have no '='; on failure *why is one of
 * the static reasons or points into the buffer.
 *
 * A reference tokenizer written from the grammar (not from cmdline.c)
 * replays the original line and predicts the exact outcome: the same error
 * and *why, the same parameters and arguments in the same order.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ember/cmdline.h>
#include <ember/errno.h>

#include "fuzz_check.h"

static const char app[] = "app";
static char *buf, *buf_end; /* buf_end: the added NUL */

/* @s lies in the buffer and so does its NUL. */
static void check_string(const char *s)
{
	CHECK(s >= buf && s <= buf_end);
	CHECK(memchr(s, '\0', (size_t)(buf_end - s) + 1) != NULL);
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Reference tokenizer, from the grammar in <ember/cmdline.h>: copies the
 * next word of @line, from @line[*@i], into @word without its quotes and
 * escapes. Returns 1 for a word, 0 at the end, -1 for an unterminated quote.
 */
static int ref_word(const char *line, size_t *i, char *word)
{
	enum { PLAIN, QUOTED } state = PLAIN;
	size_t n = 0;

	while (line[*i] && blank(line[*i]))
		(*i)++;
	if (!line[*i])
		return 0;
	for (char c; (c = line[*i]) != '\0'; (*i)++) {
		if (state == PLAIN && blank(c))
			break;
		if (c == '"')
			state = state == PLAIN ? QUOTED : PLAIN;
		else if (state == QUOTED && c == '\\' && line[*i + 1] &&
			 strchr("\"\\", line[*i + 1]))
			word[n++] = line[++*i];
		else
			word[n++] = c;
	}
	word[n] = '\0';
	return state == QUOTED ? -1 : 1;
}

/*
 * Replays @line (the input before parsing) through the reference tokenizer
 * and the key=value / "--" rules, word by word as cmdline_parse() does, and
 * checks its outcome: the same error and *why, and the same words so far.
 */
static void check_reference(const char *line, int err, const char *why, const struct cmdline *cl)
{
	char *word = malloc(strlen(line) + 1);
	int argc = 1, nparams = 0, want = 0;
	const char *want_why = NULL;
	bool in_args = false;
	size_t i = 0;
	int r;

	while (!want && (r = ref_word(line, &i, word)) != 0) {
		if (r < 0) {
			want = -EINVAL;
			want_why = cmdline_err_quote;
		} else if (!in_args && !strcmp(word, "--")) {
			in_args = true;
		} else if (in_args) {
			if (argc == CMDLINE_MAX_ARGS) {
				want = -E2BIG;
				want_why = "too many application arguments";
			} else {
				CHECK(argc < cl->argc && !strcmp(cl->argv[argc], word));
				argc++;
			}
		} else {
			char *eq = strchr(word, '=');
			if (!eq || eq == word) {
				want = -EINVAL;
				want_why = word;
			} else if (nparams == CMDLINE_MAX_PARAMS) {
				want = -E2BIG;
				want_why = "too many kernel parameters";
			} else {
				*eq = '\0';
				CHECK(nparams < cl->nparams);
				CHECK(!strcmp(cl->params[nparams].key, word));
				CHECK(!strcmp(cl->params[nparams].value, eq + 1));
				nparams++;
			}
		}
	}
	CHECK(err == want);
	if (err)
		CHECK(why == want_why || !strcmp(why, want_why));
	else
		CHECK(cl->argc == argc && cl->nparams == nparams);
	free(word);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cmdline cl;
	const char *why = (const char *)&why;

	buf = malloc(size + 1);
	memcpy(buf, data, size);
	buf[size] = '\0';
	buf_end = buf + size;
	char *line = strdup(buf); /* the original, for the reference */

	memset(&cl, 0xa5, sizeof(cl));
	int err = cmdline_parse(buf, app, &cl, &why);
	CHECK(err == 0 || err == -EINVAL || err == -E2BIG);
	if (!err) {
		CHECK(why == NULL);
		CHECK(cl.argc >= 1 && cl.argc <= CMDLINE_MAX_ARGS);
		CHECK(cl.argv[0] == app);
		CHECK(cl.argv[cl.argc] == NULL);
		for (int i = 1; i < cl.argc; i++)
			check_string(cl.argv[i]);
		CHECK(cl.nparams >= 0 && cl.nparams <= CMDLINE_MAX_PARAMS);
		for (int i = 0; i < cl.nparams; i++) {
			check_string(cl.params[i].key);
			check_string(cl.params[i].value);
			CHECK(cl.params[i].key[0] != '\0');
			CHECK(strchr(cl.params[i].key, '=') == NULL);
		}
	} else {
		CHECK(why != NULL && why != (const char *)&why);
		if (why >= buf && why <= buf_end) {
			check_string(why); /* the offending word: no '=', or an empty key */
			CHECK(err == -EINVAL);
			CHECK(why[0] == '=' || !strchr(why, '='));
		} else if (why == cmdline_err_quote) {
			CHECK(err == -EINVAL);
		} else {
			CHECK(!strcmp(why, "too many kernel parameters") ||
			      !strcmp(why, "too many application arguments"));
			CHECK(err == -E2BIG);
		}
	}
	check_reference(line, err, why, &cl);
	free(line);
	free(buf);
	return 0;
}
