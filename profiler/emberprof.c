// SPDX-License-Identifier: MIT
/*
 * emberprof: a sampling profiler for Ember guests, shaped like perf.
 *
 *   emberprof record --xen DOMAIN --elf GUEST.elf [-F HZ] [-d SEC] [-o FILE]   (in dom0)
 *   emberprof record --qemu GDB --ram FILE --elf GUEST.elf [-F HZ] [-d SEC] [-o FILE]
 *   emberprof report  [-i FILE] [--elf ELF] [--top N]
 *   emberprof flame   [-i FILE] [--elf ELF] [-o FILE.svg] [--title T]
 *   emberprof convert [-i FILE] [--elf ELF] --to folded|speedscope|pprof [-o FILE]
 *
 * top samples like record and redraws the hottest functions every second.
 * record keeps raw addresses; the other verbs symbolize them with the ELF
 * named in the profile (or --elf). Errors are one line on stderr and a
 * non-zero exit.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prof.h"
#include "record.h"
#include "resolve.h"
#include "target_qemu.h"
#include "target_xen.h"

#define DEFAULT_PROFILE "ember.prof"

struct cli {
	const char *verb, *in, *out, *elf, *qemu, *ram, *xen, *to, *title, *unwind;
	const char *xen_calls; /* record: direct (default) or libxc */
	double hz, seconds;
	unsigned top;
	bool quiet, bare, verbose;
	uint64_t period_ns;		/* from the profile read, for pprof */
	unsigned long long max_samples; /* record: stop after this many (0: no limit) */
};

static const char usage_text[] =
	"usage: emberprof record (--xen DOMAIN | --qemu ADDR --ram FILE) --elf GUEST.elf\n"
	"                        [-F HZ] [-d SECONDS] [-o FILE] [--unwind fp|dwarf|auto]\n"
	"                        [-n SAMPLES] [-q] [-v] [--bare] [--xen-calls direct|libxc]\n"
	"       emberprof top    (--xen DOMAIN | --qemu ADDR --ram FILE) --elf GUEST.elf\n"
	"                        [-F HZ] [-d SECONDS] [--unwind fp|dwarf|auto]\n"
	"       emberprof report  [-i FILE] [--elf ELF] [--top N]\n"
	"       emberprof flame   [-i FILE] [--elf ELF] [-o FILE.svg] [--title TEXT]\n"
	"       emberprof convert [-i FILE] [--elf ELF] --to folded|speedscope|pprof [-o FILE]\n"
	"\n"
	"record: --xen takes a domain name or id (run in dom0 as root); --qemu takes\n"
	"unix:PATH or tcp:HOST:PORT, QEMU's -gdb address, and --ram the file of its\n"
	"memory-backend-file. -n stops after that many samples (or -d, whichever first).\n"
	"-v prints the time per sample of each phase; --bare only\n"
	"pauses, reads registers and unpauses (the cost floor, nothing recorded).\n"
	"--xen-calls libxc makes those three calls through libxc instead of direct\n"
	"hypercalls with preallocated buffers (for comparison; slower).\n"
	"Defaults: -F 1000, -d 10, --unwind fp, profile file " DEFAULT_PROFILE ".\n";

static void usage(FILE *f)
{
	fputs(usage_text, f);
}

static int fail(const char *what)
{
	fprintf(stderr, "emberprof: %s\n", what);
	return 1;
}

static int parse(int argc, char **argv, struct cli *c)
{
	static const struct option opts[] = {
		{ "qemu", required_argument, 0, 'Q' }, { "ram", required_argument, 0, 'R' },
		{ "xen", required_argument, 0, 'X' },  { "unwind", required_argument, 0, 'U' },
		{ "bare", no_argument, 0, 'B' },       { "xen-calls", required_argument, 0, 'C' },
		{ "verbose", no_argument, 0, 'v' },    { "samples", required_argument, 0, 'n' },
		{ "elf", required_argument, 0, 'e' },  { "to", required_argument, 0, 't' },
		{ "top", required_argument, 0, 'T' },  { "title", required_argument, 0, 'L' },
		{ "help", no_argument, 0, 'h' },       { 0, 0, 0, 0 },
	};
	*c = (struct cli){ .hz = 1000, .seconds = 10, .top = 10, .title = "Ember guest" };
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return usage(argc < 2 ? stderr : stdout), argc < 2 ? -1 : 1;
	c->verb = argv[1];
	for (int o; (o = getopt_long(argc - 1, argv + 1, "F:d:o:i:n:qvh", opts, NULL)) != -1;) {
		char *end = NULL;
		switch (o) {
		case 'F': c->hz = strtod(optarg, &end); break;
		case 'd': c->seconds = strtod(optarg, &end); break;
		case 'o': c->out = optarg; break;
		case 'i': c->in = optarg; break;
		case 'q': c->quiet = true; break;
		case 'Q': c->qemu = optarg; break;
		case 'R': c->ram = optarg; break;
		case 'X': c->xen = optarg; break;
		case 'U': c->unwind = optarg; break;
		case 'n': c->max_samples = strtoull(optarg, &end, 10); break;
		case 'B': c->bare = true; break;
		case 'C': c->xen_calls = optarg; break;
		case 'v': c->verbose = true; break;
		case 'e': c->elf = optarg; break;
		case 't': c->to = optarg; break;
		case 'L': c->title = optarg; break;
		case 'T': c->top = (unsigned)strtoul(optarg, &end, 10); break;
		case 'h': usage(stdout); return 1;
		default: return -1;
		}
		if (end && *end)
			return fprintf(stderr, "emberprof: bad number '%s'\n", optarg), -1;
	}
	if (optind + 1 < argc)
		return fprintf(stderr, "emberprof: unexpected argument '%s'\n", argv[optind + 1]),
		       -1;
	if (!(c->hz > 0 && c->hz <= 100000) || !(c->seconds > 0))
		return fprintf(stderr, "emberprof: -F must be in (0, 100000] and -d positive\n"),
		       -1;
	return 0;
}

/* The live top view: every second, the hottest functions since the start. */
struct top_state {
	const struct cli *c;
	struct prof_symbols *syms;
	struct prof_stacks *set;
	int err;
};

static void top_sample(const struct prof_sample *s, void *arg)
{
	struct top_state *ts = arg;
	if (!ts->err)
		ts->err = prof_resolve(ts->syms, s, ts->set);
}

static void top_second(const struct prof_summary *sum, void *arg)
{
	struct top_state *ts = arg;
	printf("\033[H\033[2J"); /* home, clear: a full-screen refresh */
	printf("emberprof top: %s %s, %llu samples, %llu missed deadlines (Ctrl-C to quit)\n\n",
	       ts->c->xen ? "xen domain" : "qemu", ts->c->xen ? ts->c->xen : ts->c->qemu,
	       (unsigned long long)sum->samples, (unsigned long long)sum->missed_deadlines);
	prof_write_report(ts->set, stdout, 0);
	fflush(stdout);
}

static int parse_unwind(const struct cli *c, enum prof_unwind_mode *mode)
{
	if (!c->unwind || !strcmp(c->unwind, "fp"))
		*mode = PROF_UNWIND_FP;
	else if (!strcmp(c->unwind, "dwarf"))
		*mode = PROF_UNWIND_DWARF;
	else if (!strcmp(c->unwind, "auto"))
		*mode = PROF_UNWIND_AUTO;
	else
		return -1;
	return 0;
}

static int cmd_record(const struct cli *c, bool top)
{
	if (!c->elf || !(c->xen || (c->qemu && c->ram)) || (c->xen && c->qemu))
		return fail(top ? "top needs --elf and either --xen DOMAIN or --qemu and --ram"
				: "record needs --elf and either --xen DOMAIN or --qemu and --ram");
	struct prof_phases phases;
	struct prof_record_opts o = { .hz = c->hz,
				      .seconds = c->seconds,
				      .out = c->out ? c->out : DEFAULT_PROFILE,
				      .quiet = c->quiet,
				      .bare = c->bare,
				      .max_samples = c->max_samples,
				      .phases = &phases };
	if (parse_unwind(c, &o.unwind))
		return fail("--unwind takes fp, dwarf or auto");
	unsigned xen_flags = 0;
	if (c->xen_calls && !strcmp(c->xen_calls, "libxc"))
		xen_flags = PROF_XEN_LIBXC;
	else if (c->xen_calls && strcmp(c->xen_calls, "direct"))
		return fail("--xen-calls takes direct or libxc");
	struct prof_symbols *syms;
	struct prof_target t;
	if (prof_symbols_open(c->elf, &syms))
		return fail(prof_error());
	if (c->xen ? prof_xen_open(c->xen, xen_flags, &t)
		   : prof_qemu_open(c->qemu, c->ram, 0, &t)) {
		prof_symbols_close(syms);
		return fail(prof_error());
	}
	char desc[64];
	snprintf(desc, sizeof(desc), "%s %s", c->xen ? "xen domain" : "qemu",
		 c->xen ? c->xen : c->qemu);
	struct prof_summary sum;
	struct top_state ts = { c, syms, top ? prof_stacks_new() : NULL, 0 };
	if (top) {
		if (!ts.set)
			return fail("out of memory");
		o.out = NULL; /* a live view keeps no file */
		o.quiet = true;
		o.on_sample = top_sample;
		o.on_second = top_second;
		o.arg = &ts;
	}
	int err = prof_record(&t, syms, desc, c->elf, &o, &sum);
	prof_stacks_free(ts.set);
	t.ops->close(t.priv);
	prof_symbols_close(syms);
	if (err && !sum.samples)
		return fail(prof_error()); /* nothing recorded: just the reason */
	fprintf(stderr,
		"%semberprof: %llu samples in %.1f s (%.0f/s), %llu missed deadlines, "
		"%llu truncated, %llu unmapped stacks, %llu skipped vCPU samples, %llu errors -> "
		"%s\n",
		c->quiet && !top ? "" : "\n", (unsigned long long)sum.samples, sum.elapsed_ns / 1e9,
		sum.elapsed_ns ? sum.samples / (sum.elapsed_ns / 1e9) : 0.0,
		(unsigned long long)sum.missed_deadlines, (unsigned long long)sum.truncated,
		(unsigned long long)sum.unmapped, (unsigned long long)sum.skipped,
		(unsigned long long)sum.errors, o.out ? o.out : "(no file)");
	if (c->verbose && sum.samples)
		fprintf(stderr,
			"emberprof: per sample: pause %.1f us, registers %.1f us, walk %.1f us, "
			"unpause %.1f us\n",
			phases.pause / 1e3 / sum.samples, phases.regs / 1e3 / sum.samples,
			phases.walk / 1e3 / sum.samples, phases.unpause / 1e3 / sum.samples);
	return err ? fail(prof_error()) : 0;
}

/* Reads a profile and symbolizes it into @set. */
static int load(struct cli *c, struct prof_stacks *set)
{
	struct prof_reader *r;
	struct prof_file_header h;
	struct prof_symbols *syms = NULL;
	const char *in = c->in ? c->in : DEFAULT_PROFILE;
	if (prof_reader_open(in, &r, &h))
		return -1;
	c->period_ns = h.period_ns;
	const char *elf = c->elf ? c->elf : h.elf;
	if (prof_symbols_open(elf, &syms)) {
		prof_reader_close(r);
		return -1;
	}
	const uint8_t *id;
	size_t len;
	prof_symbols_build_id(syms, &id, &len);
	if (h.build_id_len && (len != h.build_id_len || memcmp(id, h.build_id, len))) {
		prof_fail(EINVAL, "%s does not match the profile (build-id differs)", elf);
		prof_symbols_close(syms);
		prof_reader_close(r);
		return -1;
	}
	struct prof_sample s;
	int n;
	while ((n = prof_reader_next(r, &s)) == 1)
		if (prof_resolve(syms, &s, set))
			break;
	prof_symbols_close(syms);
	prof_reader_close(r);
	return n == 0 ? 0 : -1;
}

static int write_out(const struct cli *c,
		     int (*writer)(const struct cli *, const struct prof_stacks *, FILE *),
		     const struct prof_stacks *set)
{
	FILE *f = c->out ? fopen(c->out, "w") : stdout;
	if (!f) {
		fprintf(stderr, "emberprof: cannot write %s: %s\n", c->out, strerror(errno));
		return 1;
	}
	int err = writer(c, set, f);
	if (c->out && fclose(f) && !err)
		err = prof_fail(EIO, "%s: write failed", c->out);
	return err ? fail(prof_error()) : 0;
}

static int w_report(const struct cli *c, const struct prof_stacks *s, FILE *f)
{
	return prof_write_report(s, f, c->top);
}

static int w_flame(const struct cli *c, const struct prof_stacks *s, FILE *f)
{
	return prof_write_flame_svg(s, f, c->title);
}

static int w_folded(const struct cli *c, const struct prof_stacks *s, FILE *f)
{
	(void)c;
	return prof_write_folded(s, f);
}

static int w_speedscope(const struct cli *c, const struct prof_stacks *s, FILE *f)
{
	return prof_write_speedscope(s, f, c->title);
}

static int w_pprof(const struct cli *c, const struct prof_stacks *s, FILE *f)
{
	return prof_write_pprof(s, f, c->period_ns);
}

int main(int argc, char **argv)
{
	struct cli c;
	int p = parse(argc, argv, &c);
	if (p)
		return p < 0 ? 2 : 0;
	if (!strcmp(c.verb, "record") || !strcmp(c.verb, "top"))
		return cmd_record(&c, !strcmp(c.verb, "top"));
	int (*writer)(const struct cli *, const struct prof_stacks *, FILE *) = NULL;
	if (!strcmp(c.verb, "report"))
		writer = w_report;
	else if (!strcmp(c.verb, "flame"))
		writer = w_flame;
	else if (!strcmp(c.verb, "convert") && c.to && !strcmp(c.to, "folded"))
		writer = w_folded;
	else if (!strcmp(c.verb, "convert") && c.to && !strcmp(c.to, "speedscope"))
		writer = w_speedscope;
	else if (!strcmp(c.verb, "convert") && c.to && !strcmp(c.to, "pprof"))
		writer = w_pprof;
	else if (!strcmp(c.verb, "convert"))
		return fail("convert needs --to folded, speedscope or pprof");
	else
		return fprintf(stderr, "emberprof: unknown command '%s' (see --help)\n", c.verb), 2;
	struct prof_stacks *set = prof_stacks_new();
	if (!set)
		return fail("out of memory");
	int rc = load(&c, set) ? fail(prof_error()) : write_out(&c, writer, set);
	prof_stacks_free(set);
	return rc;
}
