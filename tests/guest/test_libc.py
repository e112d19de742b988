# SPDX-License-Identifier: MIT
"""C library apps (app-features += libc): musl's own startup, stdio, TLS and
exit status through libc-glue, under QEMU."""
import os
import re
import subprocess
import time

import pytest

from conftest import ROOT, explain, image_path


def test_musl_hello_starts_prints_and_exits(boot):
    res = boot("hello-libc", 'env.GREETING=hi env.EMPTY= -- one "two words"')
    assert res.outcome == "exit" and res.status == 0, explain(res)
    out = res.console
    # printf with floating point: SSE and x87 state work in application code
    assert "Hello from musl on Ember! 2 argument(s), pi ~ 3.14159" in out
    assert "argv[1] = 'one'" in out and "argv[2] = 'two words'" in out
    # the environment comes from env.NAME=VALUE parameters, in order
    assert out.index("env: GREETING=hi") < out.index("env: EMPTY=")
    assert "GREETING is hi" in out
    # static TLS, initialized from the image's PT_TLS through AT_PHDR
    assert "tls_counter = 42" in out
    assert re.search(r"limits: nofile 1024, ram 1[0-2][0-9] MiB, system Ember, "
                     r"stdout is a character device", out), explain(res)
    assert "getrandom: two different blocks" in out, explain(res)
    # CLOCK_REALTIME from the CMOS RTC (QEMU's follows the host's clock)
    assert time.strftime("wall clock: %Y-%m-%d", time.gmtime()) in out or \
        time.strftime("wall clock: %Y-%m-%d", time.gmtime(time.time() - 3600)) in out


def test_exit_status_comes_from_main(boot):
    res = boot("hello-libc", "-- fail")
    assert res.outcome == "exit" and res.status == 3, explain(res)


def test_unset_environment(boot):
    res = boot("hello-libc")
    assert res.status == 0, explain(res)
    assert "GREETING is (unset)" in res.console
    assert "env:" not in res.console


def test_pthreads_tls_and_futexes(boot):
    """apps/libc-threads: thousands of threads created and joined, mutexes,
    condition variables, detached threads freeing their own stacks, a barrier,
    a timed wait; each part checks itself and the status counts failures."""
    res = boot("libc-threads", "-- 2000", timeout=300)
    assert res.outcome == "exit" and res.status == 0, explain(res)
    for part in ("create-join: 2000 threads joined, 2000 key destructors",
                 "mutex: counter 40000 of 40000", "condvar: 20000 items",
                 "detached: 200 created, 200 reported", "barrier: 400 of 400",
                 "timedwait: rc 110", "preempt: both spinners ran",
                 "pipe: 4194304 bytes through, 0 wrong"):
        assert "ok " + part in res.console, explain(res)


# apps/libc-crash: how a C library program ends (status, and what the console says).
CRASH_CASES = {
    "exit3": (3, ["ember: exit status 3"]),
    "abort": (106, ["libc: killed by signal 6 (SIGABRT)", "abort"]),
    "assert": (106, ["Assertion failed: argc == 42 && \"the impossible\"",
                     "libc: killed by signal 6 (SIGABRT)"]),
    "segv": (101, ["page fault: write of unmapped page at 00000000dead0000",
                   "<main+"]),
    "overflow": (101, ["stack overflow in thread 'pthread'", "recurse+"]),
    "enosys": (0, ["libc: system call 246 (kexec_load) is not implemented: -ENOSYS",
                   "kexec_load: -1 errno Function not implemented",
                   "libc: system call 170 (sethostname) is not implemented: -ENOSYS",
                   "sethostname: -1 errno Function not implemented",
                   "libc: system call 400 (no such number) is not implemented: -ENOSYS",
                   "syscall 400: -1 errno Function not implemented",
                   "libc: system call 100000 (no such number) is not implemented: -ENOSYS",
                   "syscall 100000: -1 errno Function not implemented",
                   "libc: system call -1 (no such number) is not implemented: -ENOSYS",
                   "syscall -1: -1 errno Function not implemented"]),
    "raw": (0, ["raw getpid: 1, registers kept", "raw: written by a syscall instruction",
                "libc: system call 400 (no such number) is not implemented: -ENOSYS",
                "raw syscall 400: -38", "raw: ok"]),
    "nomem": (0, ["mmap 256 GiB: MAP_FAILED errno Out of memory", "then malloc 1 MiB: ok"]),
    "handler": (0, ["handler ran for signal 10"]),
}


@pytest.mark.parametrize("case", sorted(CRASH_CASES))
def test_how_programs_end(boot, case):
    status, lines = CRASH_CASES[case]
    res = boot("libc-crash", f"-- {case}")
    assert res.outcome == "exit" and res.status == status, explain(res)
    for line in lines:
        assert line in res.console, explain(res)


# The scheduler preempts application code only outside the kernel's text,
# which link.ld brackets as _kernel_text_start.._kernel_text_end around the
# kernel's one object; both objects (with and without 9pfs) must land in it.
LIBC_APPS = ("hello-libc", "libc-threads", "libc-crash", "libc-files", "nullcall")
KERNEL_FUNCTIONS = ("sched_preempt_point", "syscall_dispatch", "vfs_read", "printk")


def symbols(elf):
    out = subprocess.run(["nm", elf], check=True, capture_output=True, text=True).stdout
    return {f[2]: int(f[0], 16) for f in map(str.split, out.splitlines()) if len(f) == 3}


@pytest.mark.parametrize("variant", ("kvm", "xen-pv", "xen-pvh"))
@pytest.mark.parametrize("app", LIBC_APPS)
def test_kernel_text_bracket_holds_the_kernel(app, variant):
    elf = image_path(app, variant)
    assert os.path.exists(elf), f"{elf} missing: run make images"
    sym = symbols(elf)
    start, end = sym["_kernel_text_start"], sym["_kernel_text_end"]
    for name in KERNEL_FUNCTIONS:
        assert start <= sym[name] < end, f"{name} outside the kernel's text in {elf}"
    assert not start <= sym["main"] < end, f"main inside the kernel's text in {elf}"


@pytest.mark.parametrize("app", ("mallocbench", "mallocbench-kheap"))
def test_both_allocators_run_the_allocator_benchmark(boot, app):
    """musl's mallocng (the default) and the kernel's heap behind musl's
    interface (app-features += kernel-malloc): every phase completes, threads
    included (the figures are make bench's, not checked here)."""
    res = boot(app, timeout=300, memory="512M")
    assert res.outcome == "exit" and res.status == 0, explain(res)
    for phase in ("small", "medium", "large", "threads"):
        assert re.search(rf"mallocbench: {phase} ticks_per_op=[\d.]+ pages_held=\d+", res.console), \
            explain(res)
    assert "mallocbench: done" in res.console, explain(res)


def check_pv_syscalls(elf):
    return subprocess.run([os.path.join(ROOT, "scripts", "check-pv-syscalls"), elf],
                          capture_output=True, text=True, check=True).stderr


def test_a_raw_syscall_in_a_pv_image_is_named_at_link_time():
    """On Xen PV a `syscall` is a hypercall: ember-link names the function
    that has one (libc-crash's raw case), and stays quiet elsewhere."""
    warning = check_pv_syscalls(image_path("libc-crash", "xen-pv"))
    assert re.fullmatch(r"ember-link: warning: \S+libc-crash\.elf: a syscall instruction in "
                        r"raw_syscall at 0x[0-9a-f]+: on Xen PV that is a hypercall, not a "
                        r"system call \(see libc-glue/README.md\)\n", warning), warning
    for app, variant in (("libc-crash", "xen-pvh"), ("libc-crash", "kvm"), ("hello-libc", "xen-pv")):
        assert check_pv_syscalls(image_path(app, variant)) == "", (app, variant)
