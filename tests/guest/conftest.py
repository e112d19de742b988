# SPDX-License-Identifier: MIT
"""pytest set-up for guest tests: where the images are and which accelerator runs them.

The images are built by `make images` (which `make test` runs first); a
missing image fails the test that needs it with the command to build it.
"""
import os
import shutil
import sys
import tempfile

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

import ember_qemu  # noqa: E402

# TCG guests on a loaded 2-core CI machine: generous, never tight.
BOOT_TIMEOUT = float(os.environ.get("EMBER_TEST_TIMEOUT", "180"))


def image_path(app, variant="kvm"):
    return os.path.join(ROOT, "build", variant, app + ".elf")


def pytest_report_header(config):
    """Says in the run's header which accelerator the QEMU guests use."""
    if not os.path.exists(image_path("hello")):
        return "ember: accelerator: not chosen yet (build/kvm/hello.elf missing)"
    notes = []
    choice = ember_qemu.choose_accel(image_path("hello"), log=notes.append)
    return [n for n in notes if "accelerator:" not in n] + [f"ember: accelerator: {choice}"]


@pytest.fixture(scope="session")
def accel():
    choice = ember_qemu.choose_accel(image_path("hello"), log=lambda m: print(m, file=sys.stderr))
    return choice


@pytest.fixture(scope="session")
def boot(accel):
    """boot(app, cmdline, variant="kvm", timeout=..., memory=..., extra=(), prefix=())
    -> GuestResult; @extra are more QEMU arguments, @prefix a command QEMU runs under."""
    def _boot(app, cmdline="", variant="kvm", timeout=BOOT_TIMEOUT, memory="128M", extra=(),
              prefix=()):
        path = image_path(app, variant)
        if not os.path.exists(path):
            pytest.fail(f"{path} is missing: run `make images`")
        return ember_qemu.run_guest(path, cmdline, timeout=timeout, memory=memory,
                                    accel=accel, extra=extra, prefix=prefix)
    return _boot


@pytest.fixture
def share():
    """A fresh, world-traversable host directory to export as a 9p share,
    removed afterwards (test_fs.py lays its own out; test_lua.py adds a script)."""
    d = tempfile.mkdtemp(prefix="ember-share-")
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def explain(res):
    """Failure message: how the guest ended and its last console lines."""
    return f"{res.describe()} [{res.accel}]\n--- last console lines ---\n{res.tail(25)}"
