# SPDX-License-Identifier: MIT
"""Helpers shared by the onedot-zone tests: the binary (a pytest fixture),
running tools, skipping when a peer tool is missing, key generation."""

import os
import shutil
import subprocess

import pytest

BUILD = os.environ.get("ONEDOT_BUILD_DIR", "")


@pytest.fixture(scope="module")
def oz():
    if not BUILD:
        pytest.skip("ONEDOT_BUILD_DIR is not set (run through ctest)")
    path = os.path.join(BUILD, "src", "tools", "onedot-zone", "onedot-zone")
    if not os.access(path, os.X_OK):
        pytest.fail("onedot-zone is not built at %s" % path)
    return path


def need(name):
    """Path of a peer tool; skips the test when it is not installed."""
    path = shutil.which(name)
    if path is None:
        pytest.skip("%s is not installed" % name)
    return path


def run(argv, cwd=None):
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def keygen(oz, alg, origin, directory, ksk=False):
    """onedot-zone keygen; returns the key's base name (K...)."""
    argv = [oz, "keygen", str(alg), origin, "-d", str(directory)]
    if ksk:
        argv.append("--ksk")
    p = run(argv)
    assert p.returncode == 0, p.stderr
    base = p.stdout.strip()
    assert base.startswith("K") and "\n" not in base
    return base


def record_lines(text):
    return [ln for ln in text.splitlines()
            if ln.strip() and not ln.lstrip().startswith(";")]
