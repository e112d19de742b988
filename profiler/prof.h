/* SPDX-License-Identifier: MIT */
/*
 * emberprof's internal interfaces: targets (where samples come from), the
 * unwinder, symbols and the profile file. Each piece is one .c file (or a
 * few) behind these declarations, so offline tests can drive any of them
 * with recorded snapshots instead of a live guest.
 *
 * Errors: functions return 0 (or a count) on success and a negative errno
 * on failure, and leave a one-line reason in the string prof_error() returns.
 */
#ifndef EMBERPROF_PROF_H
#define EMBERPROF_PROF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* ---- errors ------------------------------------------------------------------ */

/* Records a formatted reason for the last failure; returns -@err (negative). */
int prof_fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *prof_error(void);

/* ---- targets: a running guest, seen through a backend ------------------------------- */

/* The registers an unwinder needs (x86_64). */
struct prof_regs {
	uint64_t rip, rsp, rbp;
	/*
	 * Page-table root (the top table's physical address) the vCPU
	 * translates with; 0 when paging is off (virtual == physical).
	 * Translation caches are keyed on it.
	 */
	uint64_t cr3;
	bool kernel_mode;
};

/*
 * One backend, as elfutils' Dwfl_Thread_Callbacks: a small set of calls, each
 * backend in its own file (Xen, QEMU, recorded snapshots).
 */
struct prof_target_ops {
	const char *name;
	/* Stops / restarts every vCPU (a consistent view for one sample). */
	int (*pause)(void *t);
	int (*unpause)(void *t);
	/* vCPUs 0..n-1 may exist; some may not be up (get_regs fails for them). */
	int (*nr_vcpus)(void *t);
	/* @vcpu's registers, of the paused guest. 0, or -errno with a reason. */
	int (*get_regs)(void *t, int vcpu, struct prof_regs *regs);
	/*
	 * Copies guest virtual memory [@va, @va+@len) as @vcpu sees it (with
	 * @regs->cr3). Returns @len, or -EFAULT when any page is unmapped.
	 * Never reads outside guest memory, whatever the guest's page tables say.
	 */
	ssize_t (*read_mem)(void *t, const struct prof_regs *regs, uint64_t va, void *buf,
			    size_t len);
	/* Whether the guest is still there (a sample may race its exit). */
	bool (*alive)(void *t);
	void (*close)(void *t);
};

struct prof_target {
	const struct prof_target_ops *ops;
	void *priv;
};

/* ---- unwinding ------------------------------------------------------------------ */

#define PROF_MAX_FRAMES 128

enum prof_stack_flags {
	PROF_STACK_TRUNCATED = 1 << 0, /* depth limit or a loop stopped the walk */
	PROF_STACK_UNMAPPED = 1 << 1,  /* the walk reached memory it could not read */
	PROF_STACK_IDLE = 1 << 2,      /* the guest was idle (halted / blocked) */
};

struct prof_stack {
	uint32_t nframes;
	uint32_t flags;
	uint64_t pcs[PROF_MAX_FRAMES]; /* pcs[0] is the sampled RIP */
};

/*
 * Walks the frame-pointer chain from @regs. Bounded by PROF_MAX_FRAMES;
 * stops (setting the flags above) at a loop, a frame pointer that does not
 * move up the stack, or memory that cannot be read. Never fails: a partial
 * stack is the result.
 */
void prof_unwind_fp(const struct prof_target *t, const struct prof_regs *regs,
		    struct prof_stack *out);

/*
 * DWARF CFI unwinding (unwind_dwarf.c), with the symbolizer's Dwfl set up
 * once for all samples. Same contract as prof_unwind_fp(); a walk that ends
 * at code without CFI simply ends there.
 */
struct prof_dwarf;
struct prof_symbols;
int prof_dwarf_open(struct prof_symbols *syms, struct prof_dwarf **out);
void prof_unwind_dwarf(struct prof_dwarf *d, const struct prof_target *t,
		       const struct prof_regs *regs, struct prof_stack *out);
void prof_dwarf_close(struct prof_dwarf *d);

/* ---- symbols (symbols.c, libdwfl) ---------------------------------------------- */

struct prof_symbols;

/* Opens the guest's unstripped ELF. 0, or -errno with a reason. */
int prof_symbols_open(const char *elf_path, struct prof_symbols **out);

/*
 * Names the code at @pc: writes up to @max names to @names, innermost first
 * (inlined functions, then the function that contains them) and returns how
 * many; 0 when no symbol covers @pc. @is_return_address: @pc follows a call
 * (frames above the first), so the call instruction is looked up (pc - 1).
 * Names stay valid until prof_symbols_close().
 */
int prof_symbols_lookup(struct prof_symbols *s, uint64_t pc, bool is_return_address,
			const char **names, int max);

/*
 * The ELF's GNU build-id (NULL/0 when it has none) and the guest address of
 * its bytes, so they can be compared with the running guest's.
 */
void prof_symbols_build_id(const struct prof_symbols *s, const uint8_t **id, size_t *len);
uint64_t prof_symbols_build_id_addr(const struct prof_symbols *s);

/* The libdwfl session behind @s (for the DWARF unwinder). */
struct Dwfl;
struct Dwfl *prof_symbols_dwfl(struct prof_symbols *s);

/* Address of the symbol @name (data or function), or 0. */
uint64_t prof_symbols_address(struct prof_symbols *s, const char *name);
void prof_symbols_close(struct prof_symbols *s);

/* ---- profile files (prof_file.c) ----------------------------------------------------- */

/*
 * A profile keeps raw addresses, so it can be symbolized again later.
 * Layout (little-endian): "EMBERPRF", u32 version, u32 header size, the
 * header, then records {u32 type, u32 length, payload}: samples, and one
 * summary that must come last (a file without it is truncated). Version 2
 * added `skipped` to the summary; version 1 files (no such field, read as 0)
 * are still read.
 */
#define PROF_THREAD_NAME 24

struct prof_file_header {
	char target[64]; /* "qemu unix:/tmp/g", "xen domain 3 (web)" */
	char elf[256];	 /* the guest ELF the addresses belong to */
	uint8_t build_id[20];
	uint8_t build_id_len;
	uint64_t period_ns; /* sampling period asked for */
	uint64_t start_ns;  /* wall clock at the start (CLOCK_REALTIME) */
};

struct prof_sample {
	uint64_t time_ns; /* since the start */
	uint32_t flags;	  /* enum prof_stack_flags */
	uint16_t vcpu;
	char thread[PROF_THREAD_NAME]; /* "" when unknown */
	struct prof_stack stack;
};

/* A recording's counts; the file holds them in this order. */
struct prof_summary {
	uint64_t samples, missed_deadlines, truncated, unmapped, errors;
	uint64_t elapsed_ns;
	uint64_t skipped; /* (tick, vCPU) pairs not sampled: the vCPU was unreadable */
};

struct prof_writer;
int prof_writer_open(const char *path, const struct prof_file_header *h, struct prof_writer **w);
int prof_writer_sample(struct prof_writer *w, const struct prof_sample *s);
/* Writes the summary and closes; 0 or -errno (a full disk is caught here). */
int prof_writer_close(struct prof_writer *w, const struct prof_summary *sum);

struct prof_reader;
int prof_reader_open(const char *path, struct prof_reader **r, struct prof_file_header *h);
/* 1 and a sample, 0 at the (valid) end, or -errno for a corrupt/truncated file. */
int prof_reader_next(struct prof_reader *r, struct prof_sample *s);
/* The summary, valid after prof_reader_next() returned 0. */
const struct prof_summary *prof_reader_summary(const struct prof_reader *r);
void prof_reader_close(struct prof_reader *r);

/* ---- text (text.c) --------------------------------------------------------------- */

/*
 * Length of the valid UTF-8 sequence at @p (NUL-terminated), or 0 if the bytes
 * there are not one (overlong forms, surrogates and values past U+10FFFF
 * included).
 */
int prof_utf8_len(const unsigned char *p);

/* ---- resolved stacks and outputs (report.c, folded.c, flame.c, ...) ------------------ */

/* Frames as names, root first ("main_thread", ..., "leaf"), plus a count. */
struct prof_named_stack {
	const char **frames;
	unsigned nframes;
	uint64_t count;
};

/*
 * A set of distinct named stacks with counts (duplicates merged), which every
 * output format is written from. Names are interned (compared by pointer).
 */
struct prof_stacks;

struct prof_stacks *prof_stacks_new(void);
/* Adds @count samples of the stack @frames[0..@n) (root first). 0 or -ENOMEM. */
int prof_stacks_add(struct prof_stacks *set, const char *const *frames, unsigned n, uint64_t count);
/* Interns @name; the returned pointer lives as long as @set. NULL on ENOMEM. */
const char *prof_stacks_intern(struct prof_stacks *set, const char *name);
uint64_t prof_stacks_total(const struct prof_stacks *set);
/* Calls @fn for each distinct stack, in a stable (sorted) order. */
void prof_stacks_foreach(const struct prof_stacks *set,
			 void (*fn)(const struct prof_named_stack *stack, void *arg), void *arg);
void prof_stacks_free(struct prof_stacks *set);

/* The distinct frame names of a set, sorted with strcmp (interned pointers). */
struct prof_names {
	const char **v;
	size_t nr;
};
/* Fills @out (free it with prof_names_free()). 0, or -ENOMEM with a reason. */
int prof_stacks_names(const struct prof_stacks *set, struct prof_names *out);
/* Position of @name, which must be one of @names. */
size_t prof_names_index(const struct prof_names *names, const char *name);
void prof_names_free(struct prof_names *names);

/* Each writer returns 0, or -errno with a reason (an unwritable output, ...). */
int prof_write_folded(const struct prof_stacks *set, FILE *out);
/* Text table of the hottest functions: self and total samples and percent,
 * and for each of the @top hottest its callers. */
int prof_write_report(const struct prof_stacks *set, FILE *out, unsigned top);
/* A self-contained SVG flame graph (search box, counts and percent on hover). */
int prof_write_flame_svg(const struct prof_stacks *set, FILE *out, const char *title);
/*
 * pprof's format: a gzip-compressed profile.proto (what `go tool pprof`
 * reads), one sample type "samples"/"count", one location per distinct frame
 * name (functions only, no addresses), @period_ns as the period.
 */
int prof_write_pprof(const struct prof_stacks *set, FILE *out, uint64_t period_ns);

/* speedscope's JSON file format ("sampled" profile). */
int prof_write_speedscope(const struct prof_stacks *set, FILE *out, const char *name);

#endif
