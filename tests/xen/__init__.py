# SPDX-License-Identifier: MIT
# A package, so that this directory's conftest is imported as xen.conftest and
# does not shadow tests/guest/conftest.py when both run in one pytest session.
