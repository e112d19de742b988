// SPDX-License-Identifier: MIT
/*
 * app_start() for C library applications: gives musl's own startup
 * (__libc_start_main, unmodified) what a process gets from Linux's loader.
 *
 * It builds the initial process block a loader leaves on the stack: argc,
 * argv (the command line's application arguments), envp (the "env."
 * kernel parameters, NAME=VALUE), and the auxiliary vector: AT_PHDR,
 * AT_PHENT and AT_PHNUM pointing at the image's own program headers (the
 * link script loads them: arch/x86_64/link.ld), so musl finds PT_TLS and
 * sets up static TLS itself; AT_PAGESZ; AT_RANDOM with 16 random bytes (the
 * stack-protector canary); AT_HWCAP; AT_SECURE 0 and the uids (root, so
 * no secure-mode checks); AT_EXECFN and AT_PLATFORM. There is no vDSO
 * (no AT_SYSINFO_EHDR). The main thread gets its FPU context first, since
 * application code may use SSE from its first instruction. Where the
 * platform allows (KVM, PVH), a raw `syscall` instruction in application
 * code enters the same table as musl's calls (entry.S).
 */
#include <ember/cmdline.h>
#include <ember/errno.h>
#include <ember/heap.h>
#include <ember/boot_times.h>
#include <ember/arch.h>
#include <ember/page_alloc.h>
#include <ember/param.h>
#include <ember/panic.h>
#include <ember/string.h>

#include "libc_glue.h"

#define AT_NULL	    0
#define AT_PHDR	    3
#define AT_PHENT    4
#define AT_PHNUM    5
#define AT_PAGESZ   6
#define AT_ENTRY    9
#define AT_UID	    11
#define AT_EUID	    12
#define AT_GID	    13
#define AT_EGID	    14
#define AT_PLATFORM 15
#define AT_HWCAP    16
#define AT_CLKTCK   17
#define AT_SECURE   23
#define AT_RANDOM   25
#define AT_EXECFN   31
#define AUX_PAIRS   16

/* The fields of the image's ELF header this needs (ELF64, little-endian). */
struct elf_header_start {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum;
};

extern const char _image_start[];

int main(int argc, char **argv, char **envp);

/* musl's start is done: the boot report's "boot to main" is to the C main(). */
static int main_entry(int argc, char **argv, char **envp)
{
	boot_times.main_cycles = arch_cycles();
	return main(argc, argv, envp);
}

int __libc_start_main(int (*main)(int, char **, char **), int argc, char **argv, void (*init)(void),
		      void (*fini)(void), void (*ldso)(void));

static size_t count_env(const struct cmdline *cl)
{
	size_t n = 0;
	for (int i = 0; i < cl->nparams; i++)
		n += param_is_env(cl->params[i].key);
	return n;
}

/* "NAME=VALUE" for the parameter env.NAME=VALUE, in @out (heap). */
static char *env_string(const struct cmdline_param *p)
{
	const char *name = p->key + sizeof(PARAM_ENV_PREFIX) - 1;
	size_t nl = strlen(name), vl = strlen(p->value);
	char *s = malloc(nl + vl + 2);
	if (s) {
		memcpy(s, name, nl);
		s[nl] = '=';
		memcpy(s + nl + 1, p->value, vl + 1);
	}
	return s;
}

int app_start(const struct cmdline *cl)
{
	const struct elf_header_start *eh = (const void *)_image_start;
	size_t nenv = count_env(cl);
	size_t words = 1 + (size_t)cl->argc + 1 + nenv + 1 + 2 * AUX_PAIRS;
	uintptr_t *block = calloc(words, sizeof(uintptr_t));
	static uint8_t random[16];
	if (!block || libc_thread_init_main())
		panic("libc: out of memory starting the application");
	libc_random_bytes(random, sizeof(random));
	(void)arch_syscall_entry_set(__ember_syscall_insn); /* -ENOTSUP on Xen PV */

	size_t i = 0;
	block[i++] = (uintptr_t)cl->argc;
	for (int a = 0; a < cl->argc; a++)
		block[i++] = (uintptr_t)cl->argv[a];
	block[i++] = 0;
	for (int p = 0; p < cl->nparams; p++)
		if (param_is_env(cl->params[p].key) &&
		    !(block[i++] = (uintptr_t)env_string(&cl->params[p])))
			panic("libc: out of memory for the environment");
	block[i++] = 0;
	const uintptr_t aux[][2] = {
		{ AT_PHDR, (uintptr_t)_image_start + eh->phoff },
		{ AT_PHENT, eh->phentsize },
		{ AT_PHNUM, eh->phnum },
		{ AT_PAGESZ, PAGE_SIZE },
		{ AT_ENTRY, eh->entry },
		{ AT_UID, 0 },
		{ AT_EUID, 0 },
		{ AT_GID, 0 },
		{ AT_EGID, 0 },
		{ AT_SECURE, 0 },
		{ AT_HWCAP, arch_hwcap() },
		{ AT_CLKTCK, 100 },
		{ AT_RANDOM, (uintptr_t)random },
		{ AT_EXECFN, (uintptr_t)cl->argv[0] },
		{ AT_PLATFORM, (uintptr_t) "x86_64" },
		{ AT_NULL, 0 },
	};
	_Static_assert(sizeof(aux) / sizeof(aux[0]) <= AUX_PAIRS, "AUX_PAIRS too small");
	memcpy(&block[i], aux, sizeof(aux));
	return __libc_start_main(main_entry, cl->argc, (char **)&block[1], NULL, NULL, NULL);
}
