# SPDX-License-Identifier: MIT
"""Shared fixtures of the integration tests. The helpers themselves live in
wire_peers.py (importable by the test modules); this file turns them into
fixtures with the right scope and skips."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import wire_peers  # noqa: E402


@pytest.fixture(scope="session")
def odprint():
    """Path of tests/tools/odprint in the build tree."""
    if not wire_peers.build_dir():
        pytest.skip("ONEDOT_BUILD_DIR is not set (run through ctest)")
    path = wire_peers.odprint_path()
    if path is None:
        pytest.fail("odprint is not built under %s/tests/tools"
                    % wire_peers.build_dir())
    return path


def _need(name, package):
    path = wire_peers.tool(name)
    if path is None:
        pytest.skip("%s is not installed (Debian package %s)"
                    % (name, package))
    return path


@pytest.fixture(scope="session")
def kdig_bin():
    return _need("kdig", "knot-dnsutils")


@pytest.fixture(scope="session")
def drill_bin():
    return _need("drill", "ldnsutils")


@pytest.fixture(scope="session")
def ldns_read_zone_bin():
    return _need("ldns-read-zone", "ldnsutils")


@pytest.fixture(scope="session")
def corpus():
    return wire_peers.load_records()


@pytest.fixture(scope="module")
def responder():
    """A DNS responder on 127.0.0.1 with a free port, stopped at the end of
    the module (and by itself after two minutes at the latest)."""
    server = wire_peers.Responder(lifetime=120.0)
    yield server
    server.close()
