# SPDX-License-Identifier: MIT
"""The onedot resolver daemon for the integration tests that start it
themselves (test_resolver_daemon.py, test_resolver_trust.py): where the
binary is, small file and process helpers, and Onedot, which runs it in
the foreground on ADDR port 53 and stops it with SIGTERM.
"""

import os
import signal
import subprocess
import time

import dns.exception
import dns.message
import dns.query
import pytest

import auth_peers as ap
import hierarchy

START_WAIT = 10.0   # seconds for the daemon to be ready
STOP_WAIT = 10.0    # seconds between SIGTERM and SIGKILL
KILL_WAIT = 5.0     # seconds for SIGKILL to take


def find_binary(with_auth=False):
    """Path of onedot in ONEDOT_BUILD_DIR; fails the test when it is not
    built (or, with_auth, when onedot-auth is not)."""
    b = ap.build_dir()
    path = hierarchy.onedot_path(b) if b else None
    if path is None:
        pytest.fail("onedot is not built (ONEDOT_BUILD_DIR=%r)" % b)
    if with_auth and ap.onedot_auth_path() is None:
        pytest.fail("onedot-auth is not built")
    return path


def write(path, text):
    """Writes text to path; returns the path as a string."""
    with open(path, "w") as f:
        f.write(text)
    return str(path)


def run(argv, timeout=20):
    """Runs argv to its end, no input; the CompletedProcess (text)."""
    return subprocess.run(argv, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


class Onedot:
    """onedot in the foreground on addr@53 with two workers, the root hints
    file hints and then the arguments extra. Its output is appended to
    workdir/onedot-ADDR.log; log() gives what the last start wrote.

    probe: None to take the daemon as ready once it logs msg="started";
    a domain name to take it as ready once it answers a query for that
    name's SOA (any answer at all), sent from the probe_source given to
    start() (None: any local address)."""

    def __init__(self, binary, addr, workdir, hints, extra=(), probe=None):
        self.addr = addr
        self.argv = [binary, "--listen", "%s@53" % addr, "--workers", "2",
                     "--root-hints", hints] + list(extra)
        self.log_path = os.path.join(str(workdir), "onedot-%s.log" % addr)
        self.probe = probe
        self.proc = None
        self._log = None
        self._from = 0

    def _ready(self, probe_source):
        if self.probe is None:
            return 'msg="started"' in self.log()
        try:
            q = dns.message.make_query(self.probe, "SOA")
            dns.query.udp(q, self.addr, timeout=0.5, source=probe_source)
            return True
        except (dns.exception.Timeout, OSError):
            return False

    def start(self, probe_source=None):
        """Starts it and waits until it is ready; returns self. Fails the
        test (log attached) when the address is in use or the daemon is
        not ready within START_WAIT seconds."""
        if not ap.port_free(self.addr):
            pytest.fail("%s@53 is in use" % self.addr)
        self._log = open(self.log_path, "ab")
        self._from = self._log.tell()  # this start's lines only
        self.proc = subprocess.Popen(self.argv, stdout=self._log,
                                     stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + START_WAIT
        while time.monotonic() < deadline:
            if self._ready(probe_source):
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        pytest.fail("onedot did not start: %s\n--- log ---\n%s"
                    % (" ".join(self.argv), self.log()))

    def log(self):
        """What the daemon wrote since the last start ("" before)."""
        try:
            with open(self.log_path, "rb") as f:
                f.seek(self._from)
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def stop(self):
        """SIGTERM, then SIGKILL after STOP_WAIT seconds. Returns the exit
        status, "killed" when it took SIGKILL, None when never started.
        Fails the test when the log holds a sanitizer report (UBSan does
        not change the exit status)."""
        if self.proc is None:
            return None
        status = None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_WAIT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=KILL_WAIT)
                status = "killed"
        self._log.close()
        log = self.log()
        assert "runtime error" not in log, log
        assert "Sanitizer" not in log, log
        return self.proc.returncode if status is None else status
