# SPDX-License-Identifier: MIT
"""hello: boots, prints, passes its arguments, exits 0; kernel parameters apply."""
import re

from conftest import explain


def test_hello_prints_and_exits_zero(boot):
    res = boot("hello")
    assert res.outcome == "exit" and res.status == 0, explain(res)
    assert "Hello from Ember!" in res.console
    assert "ember: Ember" in res.console          # the boot banner
    assert "ember: exit status 0" in res.console  # the exit summary


def test_arguments_reach_main(boot):
    res = boot("hello", 'loglevel=1 -- one "two words" "quote\\"d" -- last')
    assert res.status == 0, explain(res)
    assert "argv[1] = 'one'" in res.console
    assert "argv[2] = 'two words'" in res.console
    assert "argv[3] = 'quote\"d'" in res.console
    assert "argv[4] = '--'" in res.console        # only the first -- separates
    assert "argv[5] = 'last'" in res.console


def test_loglevel_zero_silences_the_kernel(boot):
    res = boot("hello", "loglevel=0")
    assert res.status == 0, explain(res)
    assert res.console.strip() == "Hello from Ember!"


def test_debug_loglevel_reports_boot_steps(boot):
    res = boot("hello", "loglevel=2")
    assert res.status == 0, explain(res)
    for step in ("console", "page allocator", "page tables", "time, scheduler"):
        assert f"boot step {step}" in res.console
    assert re.search(r"boot to main [0-9.]+ us; cycles [0-9.]+ GHz \((pit|kvmclock)\)",
                     res.console), res.console


def test_boots_in_two_mebibytes(boot):
    res = boot("hello", memory="2M")
    assert res.status == 0, explain(res)
