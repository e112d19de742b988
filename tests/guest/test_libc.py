# SPDX-License-Identifier: MIT
"""C library apps (app-features += libc): musl's own startup, stdio, TLS and
exit status through libc-glue, under QEMU."""
import re
import time

import pytest

from conftest import explain


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
                   "kexec_load: -1 errno Function not implemented"]),
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
