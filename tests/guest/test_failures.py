# SPDX-License-Identifier: MIT
"""Bad input and crashes: each ends the guest with a clear message and its own status.

Statuses are those of kernel/include/ember/exit.h; outcomes (timeout, reset)
are the harness's (scripts/ember_qemu.py).
"""
import os
import subprocess

import pytest

from conftest import ROOT, explain

PANIC, EXCEPTION, BAD_PARAM, NO_MEMORY = 100, 101, 102, 104


@pytest.mark.parametrize("cmdline,message", [
    ("bogus=1", "unknown kernel parameter 'bogus'"),
    ("loglevel=loud", "bad value 'loud' for kernel parameter 'loglevel'"),
    ("hello", "'hello' is not key=value (application arguments go after --)"),
    ('loglevel="1', "bad command line: unterminated quote"),
    ("=1", "'=1' is not key=value"),
])
def test_bad_kernel_parameters(boot, cmdline, message):
    res = boot("hello", cmdline)
    assert res.status == BAD_PARAM, explain(res)
    assert message in res.console, explain(res)
    assert "Hello from Ember!" not in res.console


def test_unknown_parameter_lists_the_known_ones(boot):
    res = boot("hello", "nope=1")
    assert "known parameters:" in res.console and "loglevel" in res.console


@pytest.mark.parametrize("code,expected", [("0", 0), ("7", 7), ("99", 99), ("150", 99)])
def test_app_status_reaches_the_host(boot, code, expected):
    res = boot("crashtest", f"-- exit {code}")
    assert res.outcome == "exit" and res.status == expected, explain(res)


@pytest.mark.parametrize("what,status,messages", [
    ("ud2", EXCEPTION, ["unexpected exception 6 (invalid opcode)", "do_ud2+0x0",
                        "main_thread+"]),
    ("pagefault", EXCEPTION, ["exception 14 (page fault)",
                              "write of unmapped page at 0000000000000018"]),
    ("divzero", EXCEPTION, ["exception 0 (divide error)"]),
    ("stackoverflow", EXCEPTION, ["stack overflow in thread 'main'", "recurse+",
                                  "the frame above"]),
    ("panic", PANIC, ["PANIC in thread 'main': crashtest asked for a panic", "main+"]),
    ("doublefree", PANIC, ["heap: double free"]),
])
def test_crashes_are_reported(boot, what, status, messages):
    res = boot("crashtest", f"-- {what}")
    assert res.outcome == "exit" and res.status == status, explain(res)
    for m in messages:
        assert m in res.console, f"missing {m!r}\n" + explain(res)
    assert "RIP:" in res.console or status == PANIC
    assert "backtrace:" in res.console


def test_triple_fault_is_a_reset(boot):
    res = boot("crashtest", "-- triple")
    assert res.outcome == "reset", explain(res)


@pytest.mark.parametrize("what", ["hang", "spin"])
def test_hung_guest_times_out_with_last_lines(boot, what):
    res = boot("crashtest", f"-- {what}", timeout=8)
    assert res.outcome == "timeout", explain(res)
    assert res.status == 124
    assert f"crashtest: {what}" in res.tail()


def test_main_stack_too_large_for_memory(boot):
    res = boot("hello", "main.stack_kib=65536", memory="16M")
    assert res.status == NO_MEMORY, explain(res)
    assert "not enough memory for the main thread" in res.console


def test_runner_reports_qemu_errors(tmp_path):
    bogus = tmp_path / "not-an-image.elf"
    bogus.write_text("this is not an ELF image\n")
    run = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "scripts", "ember-run"),
                          "--timeout", "60", str(bogus)], capture_output=True, text=True)
    assert run.returncode == 126, run.stderr
    assert "QEMU failed" in run.stderr


def test_runner_kvm_opt_in_falls_back_or_runs(tmp_path):
    env = dict(os.environ, EMBER_ACCEL="kvm")
    run = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "scripts", "ember-run"),
                          "--timeout", "120", os.path.join(ROOT, "build", "kvm", "hello.elf")],
                         capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "ember: accelerator: " in run.stderr
    assert "falling back to TCG" in run.stderr or "accelerator: kvm" in run.stderr
