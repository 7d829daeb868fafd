# SPDX-License-Identifier: MIT
"""onedot-auth as a daemon: startup errors, the YAML configuration,
reloads that never drop a query and keep the old zone when the new file is
broken, response rate limiting, and malformed queries that must not crash
it. The servers listen on 127.5.0.x port 53.
"""

import glob
import os
import signal
import socket
import struct
import threading
import time

import dns.flags
import dns.message
import dns.query
import dns.rcode
import pytest

import auth_peers as ap
from onedot_daemon import run, write

HERE = os.path.dirname(os.path.abspath(__file__))
FUZZ_CORPUS = os.path.join(HERE, "..", "fuzz", "corpus")

ZONE = """$ORIGIN example.com.
$TTL 3600
@    SOA ns1 hostmaster {serial} 7200 3600 1209600 300
@    NS  ns1
ns1  A   127.0.0.1
www  A   192.0.2.{serial}
"""


@pytest.fixture(scope="module")
def binary():
    path = ap.onedot_auth_path()
    if path is None:
        pytest.fail("onedot-auth is not built (ONEDOT_BUILD_DIR=%r)"
                    % ap.build_dir())
    return path


class Daemon(ap.OnedotAuth):
    """onedot-auth with extra arguments (a config file, ...)."""

    def __init__(self, binary, addr, zones, workdir, extra=()):
        self.extra = list(extra)
        super().__init__(binary, addr, zones, workdir=str(workdir))

    def argv(self):
        return super().argv() + self.extra


def soa_serial(addr, tcp=False):
    r = ap.query(addr, "example.com.", "SOA", tcp=tcp)
    assert r.rcode() == dns.rcode.NOERROR
    return r.answer[0][0].serial


# ---- startup ----

def test_bad_zone_at_start_names_zone_and_line(binary, tmp_path):
    zf = write(tmp_path / "ex.zone",
               ZONE.format(serial=1) + "bad  A   192.0.2\n")
    r = run([binary, "--listen", "127.5.0.1@53",
             "--zone", "example.com.:" + zf])
    assert r.returncode == 1, r.stderr
    assert "zone=example.com." in r.stderr
    assert "line=7" in r.stderr
    assert "startup failed" in r.stderr


def test_zone_without_soa_refused(binary, tmp_path):
    zf = write(tmp_path / "ex.zone", "www.example.com. 60 A 192.0.2.1\n")
    r = run([binary, "--check-config", "--zone", "example.com.:" + zf])
    assert r.returncode == 1
    assert "example.com." in r.stderr


def test_usage_errors(binary, tmp_path):
    for argv in (["--bogus"], ["--listen"], ["--zone", "noorigin"],
                 ["--listen", "300.1.1.1"], ["--workers", "x"],
                 ["--log-level", "loud"]):
        r = run([binary] + argv)
        assert r.returncode == 2, (argv, r.stderr)
        assert "usage:" in r.stderr
    r = run([binary, "--help"])
    assert r.returncode == 0 and "--zone" in r.stdout


def test_unbindable_address(binary, tmp_path):
    zf = write(tmp_path / "ex.zone", ZONE.format(serial=1))
    r = run([binary, "--listen", "192.0.2.1@53",
             "--zone", "example.com.:" + zf])
    assert r.returncode == 1
    assert "192.0.2.1@53" in r.stderr


CONFIG_ERRORS = [
    ("server:\n  lisen: 127.0.0.1\n", "unknown key 'lisen'", 2),
    ("server:\n  udp-max-size: 9000\n",
     "server.udp-max-size: 9000 is out of range", 2),
    ("server:\n  tcp-idle-timeout: soon\n", "server.tcp-idle-timeout", 2),
    ("zones:\n  - origin: example.com.\n", "'file' is missing", 2),
    ("zones:\n  - origin: exa..mple\n    file: x\n",
     "zones[0].origin", 2),
    ("server:\n  rrl:\n    enable: maybe\n", "server.rrl.enable", 3),
    ("zones:\n  - origin: example.com.\n    file: f\n"
     "    allow-transfer: [ \"127.0.0.1 key nokey\" ]\n",
     "no key named 'nokey'", None),
    ("server: [\n", "", None),
]


@pytest.mark.parametrize("text,needle,line", CONFIG_ERRORS)
def test_config_errors(binary, tmp_path, text, needle, line):
    cf = write(tmp_path / "auth.yaml", text)
    r = run([binary, "-c", cf, "--check-config"])
    assert r.returncode == 1, r.stdout + r.stderr
    assert needle in r.stderr, r.stderr
    if line is not None:
        assert "auth.yaml:%d:" % line in r.stderr, r.stderr


def test_check_config_ok(binary, tmp_path):
    zf = write(tmp_path / "ex.zone", ZONE.format(serial=1))
    cf = write(tmp_path / "auth.yaml",
               "server:\n  listen: [ 127.5.0.2@53 ]\n  workers: 1\n"
               "zones:\n  - origin: example.com.\n    file: %s\n" % zf)
    r = run([binary, "-c", cf, "--check-config"])
    assert r.returncode == 0, r.stderr
    assert "1 zones" in r.stdout


# ---- serving and reloading ----

def test_reload_swaps_and_keeps_old_on_error(binary, tmp_path):
    zf = write(tmp_path / "ex.zone", ZONE.format(serial=1))
    d = Daemon(binary, "127.5.0.3", [("example.com.", zf)], tmp_path,
               extra=["--workers", "2"])
    d.start()
    failures = []
    stop = threading.Event()

    def hammer():
        # Queries keep going through every reload: none may fail.
        while not stop.is_set():
            try:
                r = ap.query(d.addr, "www.example.com.", "A", timeout=1.0)
                if r.rcode() != dns.rcode.NOERROR or not r.answer:
                    failures.append(dns.rcode.to_text(r.rcode()))
            except Exception as e:  # noqa: BLE001 - any failure counts
                failures.append(repr(e))

    t = threading.Thread(target=hammer)
    t.start()
    try:
        assert soa_serial(d.addr) == 1
        for serial in (2, 3, 4):
            write(tmp_path / "ex.zone", ZONE.format(serial=serial))
            d.proc.send_signal(signal.SIGHUP)
            deadline = time.monotonic() + 5
            while soa_serial(d.addr) != serial:
                assert time.monotonic() < deadline, d.log()
                time.sleep(0.05)
            assert soa_serial(d.addr, tcp=True) == serial
        # A broken file: the old version keeps serving, the log says why.
        write(tmp_path / "ex.zone",
              ZONE.format(serial=5) + "www  A   not-an-address\n")
        d.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 5
        while "old version keeps serving" not in d.log():
            assert time.monotonic() < deadline, d.log()
            time.sleep(0.05)
        assert soa_serial(d.addr) == 4
        assert "line=7" in d.log()
    finally:
        stop.set()
        t.join(timeout=10)
        d.stop()
    assert failures == []
    assert d.proc.returncode == 0, d.log()


def test_refused_outside_zones(binary, tmp_path):
    zf = write(tmp_path / "ex.zone", ZONE.format(serial=1))
    d = Daemon(binary, "127.5.0.4", [("example.com.", zf)], tmp_path)
    d.start()
    try:
        r = ap.query(d.addr, "www.example.net.", "A")
        assert r.rcode() == dns.rcode.REFUSED
        assert not r.flags & dns.flags.AA
    finally:
        d.stop()


def test_rrl(binary, tmp_path):
    zf = write(tmp_path / "ex.zone", ZONE.format(serial=1))
    cf = write(tmp_path / "auth.yaml",
               "server:\n  workers: 1\n  rrl:\n    enable: true\n"
               "    rate: 5\n    slip: 2\n")
    d = Daemon(binary, "127.5.0.5", [("example.com.", zf)], tmp_path,
               extra=["-c", cf])
    d.start()
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(0.5)
        s.connect((d.addr, 53))
        q = dns.message.make_query("www.example.com.", "A")
        n = 60
        for i in range(n):
            q.id = i
            s.send(q.to_wire())
        full = truncated = 0
        while True:
            try:
                r = dns.message.from_wire(s.recv(4096))
            except socket.timeout:
                break
            if r.flags & dns.flags.TC:
                assert not r.answer
                truncated += 1
            else:
                assert r.answer
                full += 1
        s.close()
        # About 5 pass (plus a refill during the burst), the rest are
        # limited: half of those slip out truncated, half are dropped.
        assert 5 <= full <= 15, (full, truncated)
        assert truncated >= 15, (full, truncated)
        assert full + truncated < n
        # TCP is never limited.
        for _ in range(20):
            r = ap.query(d.addr, "www.example.com.", "A", tcp=True)
            assert r.answer and not r.flags & dns.flags.TC
    finally:
        d.stop()


def test_malformed_queries_do_not_crash(binary, tmp_path):
    zf = write(tmp_path / "ex.zone", ZONE.format(serial=1))
    d = Daemon(binary, "127.5.0.6", [("example.com.", zf)], tmp_path)
    d.start()
    inputs = []
    for sub in ("auth", "fuzz_packet", "packet"):
        for p in sorted(glob.glob(os.path.join(FUZZ_CORPUS, sub, "*"))):
            with open(p, "rb") as f:
                inputs.append(f.read()[:65535])
    # Hand-made edge cases on top of the corpus.
    inputs += [b"", b"\x00", b"\x00" * 11, b"\x00" * 12,
               b"\xff" * 12, b"\x12\x34\x01\x00\x00\x01" + b"\x00" * 6 +
               b"\xc0\x0c\x00\x01\x00\x01"]
    assert len(inputs) > 20
    try:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.settimeout(0.05)
        for data in inputs:
            u.sendto(data, (d.addr, 53))
            try:
                u.recv(65535)
            except socket.timeout:
                pass
        u.close()
        for data in inputs[:200]:
            t = socket.create_connection((d.addr, 53), timeout=1)
            t.settimeout(0.2)
            try:
                t.sendall(struct.pack("!H", len(data)) + data)
                t.recv(65535)
            except (socket.timeout, ConnectionError):
                pass
            t.close()
        assert d.proc.poll() is None, d.log()
        assert soa_serial(d.addr) == 1
    finally:
        d.stop()
    assert d.proc.returncode == 0, d.log()
