# SPDX-License-Identifier: MIT
# Host unit tests (cmocka) for the kernel's pure code. Filled in below.
