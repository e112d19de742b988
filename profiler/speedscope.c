// SPDX-License-Identifier: MIT
/*
 * speedscope's file format (https://www.speedscope.app/file-format-schema.json):
 * shared.frames lists each distinct name once ({"name": ...}, sorted by name
 * so the file is deterministic), and one "sampled" profile gives each
 * distinct stack as an array of frame indices, root first, with its count as
 * the weight (unit "none", from 0 to the total).
 *
 * Frame indices are found by binary search in the sorted names. Strings are
 * escaped for JSON; bytes that are not valid UTF-8 become U+FFFD.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "prof.h"

static void put_json_string(FILE *out, const char *s)
{
	putc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		int len = prof_utf8_len(p);

		if (!len) {
			fputs("\\ufffd", out);
			p++;
			continue;
		}
		switch (*p) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			if (*p < 0x20)
				fprintf(out, "\\u%04x", *p);
			else
				fwrite(p, 1, len, out);
		}
		p += len;
	}
	putc('"', out);
}

struct writer {
	FILE *out;
	const struct prof_names *names;
	bool first;
};

static void put_sample(const struct prof_named_stack *stack, void *arg)
{
	struct writer *w = arg;

	fputs(w->first ? "\n\t\t\t[" : ",\n\t\t\t[", w->out);
	w->first = false;
	for (unsigned i = 0; i < stack->nframes; i++) {
		fprintf(w->out, "%s%zu", i ? "," : "",
			prof_names_index(w->names, stack->frames[i]));
	}
	putc(']', w->out);
}

static void put_weight(const struct prof_named_stack *stack, void *arg)
{
	struct writer *w = arg;

	fprintf(w->out, "%s%" PRIu64, w->first ? "" : ",", stack->count);
	w->first = false;
}

int prof_write_speedscope(const struct prof_stacks *set, FILE *out, const char *name)
{
	struct prof_names names;
	int err = prof_stacks_names(set, &names);

	if (err)
		return err;

	errno = 0;
	if (!name)
		name = "emberprof";
	fputs("{\n\t\"$schema\": \"https://www.speedscope.app/file-format-schema.json\",\n"
	      "\t\"exporter\": \"emberprof\",\n\t\"name\": ",
	      out);
	put_json_string(out, name);
	fputs(",\n\t\"activeProfileIndex\": 0,\n\t\"shared\": {\n\t\t\"frames\": [", out);
	for (size_t i = 0; i < names.nr; i++) {
		fputs(i ? ",\n\t\t\t{ \"name\": " : "\n\t\t\t{ \"name\": ", out);
		put_json_string(out, names.v[i]);
		fputs(" }", out);
	}
	fputs("\n\t\t]\n\t},\n\t\"profiles\": [ {\n\t\t\"type\": \"sampled\",\n\t\t\"name\": ",
	      out);
	put_json_string(out, name);
	fprintf(out,
		",\n\t\t\"unit\": \"none\",\n\t\t\"startValue\": 0,\n\t\t\"endValue\": %" PRIu64
		",\n\t\t\"samples\": [",
		prof_stacks_total(set));

	struct writer w = { .out = out, .names = &names, .first = true };

	prof_stacks_foreach(set, put_sample, &w);
	fputs("\n\t\t],\n\t\t\"weights\": [", out);
	w.first = true;
	prof_stacks_foreach(set, put_weight, &w);
	fputs("]\n\t} ]\n}\n", out);

	prof_names_free(&names);
	if (fflush(out) || ferror(out))
		return prof_fail(EIO, "writing the speedscope profile: %s",
				 strerror(errno ? errno : EIO));
	return 0;
}
