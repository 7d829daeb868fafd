# SPDX-License-Identifier: MIT
"""onedot's trust anchors at start and in its configuration: the RFC 5011
state file (written at start from the built-in root keys or from
--trust-anchor, kept when it exists, a corrupt one refused with
path:line), a state directory that cannot be written (refused, naming the
path and the reason; started with trust-anchor-read-only, with a
warning), keys stuck in AddPend reported, --no-dnssec without any state,
negative trust anchors from the file and the command line, every new
configuration key's errors, and the refresh queries the daemon makes by
itself (the root's DNSKEY set with DO=1, and the RFC 8145 §5 key-tag
query "_ta-XXXX-YYYY." NULL) seen by a root server that never answers.

No network: the root hints point at 127.13.20.250, where nothing answers
(or the test's own socket listens). Full chain-of-trust validation is
tested on the signed hierarchy (test_validation_peers.py).

Addresses (port 53): onedot on 127.13.20.1-.19; the silent root
127.13.20.250.
"""

import base64
import os
import socket
import threading
import time

import dns.dnssec
import dns.flags
import dns.message
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import pytest

import auth_peers as ap
import onedot_daemon as od
from onedot_daemon import run, write

ROOT_ADDR = "127.13.20.250"
STATE_FILE = "trust-anchors.state"
BUILTIN_TAGS = [20326, 38696]

HINTS = """.       3600000 NS a.root.test.
a.root.test. 3600000 A %s
""" % ROOT_ADDR

# A P-256 public key (any 64 octets do for the store, which does not
# verify with it here) as a root KSK: flags 257, protocol 3, algorithm 13.
KEY_A = "257 3 13 " + base64.b64encode(bytes(range(1, 65))).decode()
KEY_B = "257 3 13 " + base64.b64encode(bytes(range(101, 165))).decode()


def key_tag(text):
    rd = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.DNSKEY, text)
    return dns.dnssec.key_id(rd)


@pytest.fixture(scope="module")
def binary():
    return od.find_binary()


def read_state(path):
    """[(zone, state, type, key tag)] of a state file."""
    out = []
    with open(path) as f:
        for line in f:
            if not line.strip() or line[0] in ";#":
                continue
            t = line.split()
            if t[5] == "DNSKEY":
                tag = key_tag(" ".join(t[6:]))
            else:
                tag = int(t[6])
            out.append((t[0], t[1], t[5], tag))
    return out


def started(binary, addr, workdir, extra):
    """onedot on addr, its root hints at the silent root, ready once it
    logs that it started."""
    hints = write(os.path.join(str(workdir), "root.hints"), HINTS)
    return od.Onedot(binary, addr, workdir, hints, extra).start()


# ------------------------------------------------------------ state file

def test_state_written_from_builtin_keys(binary, tmp_path):
    state_dir = tmp_path / "state"   # does not exist yet: created
    d = started(binary, "127.13.20.1", tmp_path,
                ["--state-dir", str(state_dir)])
    try:
        path = state_dir / STATE_FILE
        assert path.exists(), d.log()
        assert (os.stat(state_dir).st_mode & 0o777) == 0o750
        rows = read_state(path)
        assert sorted(r[3] for r in rows) == BUILTIN_TAGS, rows
        assert all(r[0] == "." and r[1] == "Valid" and r[2] == "DNSKEY"
                   for r in rows), rows
        assert not (state_dir / (STATE_FILE + ".tmp")).exists()
        log = d.log()
        assert "validation=on" in log
        assert "20326/DNSKEY/Valid" in log and "38696/DNSKEY/Valid" in log
    finally:
        assert d.stop() == 0


def test_state_written_from_trust_anchor_file(binary, tmp_path):
    ta = write(tmp_path / "root.key",
               ".  3600 IN DNSKEY %s\n"
               "example. 3600 IN DS 4711 13 2 %s\n"
               % (KEY_A, "ab" * 32))
    state_dir = tmp_path / "state"
    d = started(binary, "127.13.20.2", tmp_path,
                ["--trust-anchor", ta, "--state-dir", str(state_dir)])
    try:
        rows = read_state(state_dir / STATE_FILE)
        # the file replaces the built-in keys
        assert sorted(rows) == sorted([
            (".", "Valid", "DNSKEY", key_tag(KEY_A)),
            ("example.", "Valid", "DS", 4711)]), rows
    finally:
        assert d.stop() == 0


def test_existing_state_wins_and_configured_zones_are_added(binary,
                                                            tmp_path):
    state_dir = tmp_path / "state"
    state_dir.mkdir()
    now = int(time.time())
    write(state_dir / STATE_FILE,
          "; kept from an earlier run\n"
          ". Valid 1000 %d 1000 DNSKEY %s\n" % (now, KEY_B))
    # the configuration has another root key (ignored: the state file
    # holds the root) and a zone the state does not hold (added)
    ta = write(tmp_path / "anchors.key",
               ". IN DNSKEY %s\nexample. IN DS 4711 13 2 %s\n"
               % (KEY_A, "cd" * 32))
    d = started(binary, "127.13.20.3", tmp_path,
                ["--trust-anchor", ta, "--state-dir", str(state_dir)])
    try:
        rows = read_state(state_dir / STATE_FILE)
        assert sorted(rows) == sorted([
            (".", "Valid", "DNSKEY", key_tag(KEY_B)),
            ("example.", "Valid", "DS", 4711)]), rows
        assert "differ from the state file" in d.log()
    finally:
        assert d.stop() == 0


def test_corrupt_state_file(binary, tmp_path):
    state_dir = tmp_path / "state"
    state_dir.mkdir()
    path = write(state_dir / STATE_FILE,
                 "; comment\n"
                 ". Valid 1 1 1 DNSKEY %s\n"
                 ". Valid yesterday 1 1 DNSKEY %s\n" % (KEY_A, KEY_B))
    p = run([binary, "--listen", "127.13.20.4@53", "--root-hints",
             write(tmp_path / "hints", HINTS), "--state-dir",
             str(state_dir)])
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert "%s:3:" % path in p.stderr, p.stderr
    assert "bad time" in p.stderr, p.stderr
    # --check-config reads it too
    p = run([binary, "--check-config", "--state-dir", str(state_dir)])
    assert p.returncode == 1
    assert "%s:3:" % path in p.stderr, p.stderr


def test_stuck_addpend_key_reported(binary, tmp_path):
    state_dir = tmp_path / "state"
    state_dir.mkdir()
    long_ago = int(time.time()) - 7200
    write(state_dir / STATE_FILE,
          ". Valid 1000 1000 1000 DNSKEY %s\n"
          ". AddPend %d %d %d DNSKEY %s\n"
          % (KEY_A, long_ago, long_ago, long_ago, KEY_B))
    conf = write(tmp_path / "onedot.yaml",
                 "state-dir: %s\ntrust-anchor-holddown: 1h\n" % state_dir)
    d = started(binary, "127.13.20.5", tmp_path, ["-c", conf])
    try:
        log = d.log()
        assert "stuck in AddPend" in log, log
        assert "tag=%d" % key_tag(KEY_B) in log, log
        assert "tag=%d " % key_tag(KEY_A) not in log.split(
            "stuck in AddPend")[1].splitlines()[0]
    finally:
        assert d.stop() == 0


# ------------------------------------------------- unwritable state / read-only

def test_unwritable_state_dir_refuses_to_start(binary, tmp_path):
    # root bypasses permissions: a path under a regular file can never be
    # a directory
    write(tmp_path / "file", "")
    state_dir = tmp_path / "file" / "sub"
    p = run([binary, "--listen", "127.13.20.6@53", "--root-hints",
             write(tmp_path / "hints", HINTS), "--state-dir",
             str(state_dir)])
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert str(state_dir / STATE_FILE) in p.stderr, p.stderr
    assert "Not a directory" in p.stderr, p.stderr
    assert "trust-anchor-read-only" in p.stderr, p.stderr
    # a state directory that is a regular file
    p = run([binary, "--listen", "127.13.20.6@53", "--root-hints",
             write(tmp_path / "hints", HINTS), "--state-dir",
             str(tmp_path / "file")])
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert "%s is not a directory" % (tmp_path / "file") in p.stderr
    # a state file that is a directory cannot be replaced
    state_dir = tmp_path / "state"
    (state_dir / STATE_FILE).mkdir(parents=True)
    p = run([binary, "--listen", "127.13.20.6@53", "--root-hints",
             write(tmp_path / "hints", HINTS), "--state-dir",
             str(state_dir)])
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert str(state_dir / STATE_FILE) in p.stderr, p.stderr


def test_read_only_starts_with_warning(binary, tmp_path):
    write(tmp_path / "file", "")
    state_dir = tmp_path / "file" / "sub"
    conf = write(tmp_path / "onedot.yaml",
                 "state-dir: %s\ntrust-anchor-read-only: true\n" % state_dir)
    d = started(binary, "127.13.20.7", tmp_path, ["-c", conf])
    try:
        log = d.log()
        assert "trust anchor state is not saved" in log, log
        assert str(state_dir / STATE_FILE) in log
        assert "validation=on" in log
        assert "20326/DNSKEY/Valid" in log
    finally:
        assert d.stop() == 0


def test_read_only_never_writes(binary, tmp_path):
    state_dir = tmp_path / "state"
    state_dir.mkdir()
    text = ". Valid 1000 1000 1000 DNSKEY %s\n" % KEY_A
    path = write(state_dir / STATE_FILE, text)
    os.utime(path, (1000000000, 1000000000))
    conf = write(tmp_path / "onedot.yaml",
                 "state-dir: %s\ntrust-anchor-read-only: true\n" % state_dir)
    d = started(binary, "127.13.20.8", tmp_path, ["-c", conf])
    try:
        assert "%d/DNSKEY/Valid" % key_tag(KEY_A) in d.log()
        assert "trust anchor state is not saved" in d.log()
    finally:
        assert d.stop() == 0
    with open(path) as f:
        assert f.read() == text
    assert os.stat(path).st_mtime == 1000000000
    assert os.listdir(state_dir) == [STATE_FILE]


def test_no_dnssec_needs_no_state_dir(binary, tmp_path):
    write(tmp_path / "file", "")
    state_dir = tmp_path / "file" / "sub"
    d = started(binary, "127.13.20.9", tmp_path,
                ["--no-dnssec", "--state-dir", str(state_dir)])
    try:
        assert "validation=off" in d.log()
        assert "trust anchor" not in d.log()
    finally:
        assert d.stop() == 0
    conf = write(tmp_path / "onedot.yaml",
                 "dnssec: false\nstate-dir: %s/none\n" % tmp_path)
    d = started(binary, "127.13.20.9", tmp_path, ["-c", conf])
    try:
        assert "validation=off" in d.log()
    finally:
        assert d.stop() == 0
    assert not (tmp_path / "none").exists()


def test_check_config_creates_nothing(binary, tmp_path):
    state_dir = tmp_path / "new"
    p = run([binary, "--check-config", "--state-dir", str(state_dir)])
    assert p.returncode == 0, p.stderr
    assert "validation on" in p.stdout
    assert not state_dir.exists()
    p = run([binary, "--check-config", "--no-dnssec"])
    assert p.returncode == 0, p.stderr
    assert "validation off" in p.stdout


# ------------------------------------------------------ negative trust anchors

def test_ntas_from_file_and_command_line(binary, tmp_path):
    conf = write(tmp_path / "onedot.yaml", """\
state-dir: %s
negative-trust-anchors:
  - broken.example
  - "later.example  2h"
  - twice.example. 1h
""" % (tmp_path / "state"))
    p = run([binary, "--check-config", "-c", conf,
             "--nta", "cli.example:30m"])
    assert p.returncode == 0, p.stderr
    before = int(time.time())
    d = started(binary, "127.13.20.10", tmp_path,
                ["-c", conf, "--nta", "cli.example:30m",
                 "--nta", "Twice.Example", "--nta", "secs.example:90"])
    after = int(time.time())
    try:
        ntas = {}
        for line in d.log().splitlines():
            if 'msg="negative trust anchor"' not in line:
                continue
            kv = dict(f.split("=", 1) for f in line.split()
                      if "=" in f and not f.startswith("msg"))
            ntas[kv["zone"]] = int(kv["expires"])
        assert set(ntas) == {"broken.example.", "later.example.",
                             "twice.example.", "cli.example.",
                             "secs.example."}, d.log()
        assert ntas["broken.example."] == 0
        # the command line comes after the file: twice. is permanent
        assert ntas["twice.example."] == 0
        assert before + 7200 <= ntas["later.example."] <= after + 7200
        assert before + 1800 <= ntas["cli.example."] <= after + 1800
        assert before + 90 <= ntas["secs.example."] <= after + 90
    finally:
        assert d.stop() == 0


def test_nta_expires(binary, tmp_path):
    d = started(binary, "127.13.20.12", tmp_path,
                ["--state-dir", str(tmp_path / "state"),
                 "--nta", "soon.example:1s", "--nta", "kept.example"])
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if "negative trust anchor expired" in d.log():
                break
            time.sleep(0.1)
        expired = [line for line in d.log().splitlines()
                   if "negative trust anchor expired" in line]
        assert len(expired) == 1, d.log()
        assert "zone=soon.example." in expired[0]
    finally:
        assert d.stop() == 0


@pytest.mark.parametrize("arg,what", [
    ("example.com:forever", "expected a duration"),
    ("example.com:0", "out of range"),
    ("example.com:366d", "out of range"),
    (".", "root"),
    ("bad..name", "not a domain name"),
    (":1h", "expected"),
])
def test_nta_usage_errors(binary, arg, what):
    p = run([binary, "--check-config", "--nta", arg])
    assert p.returncode == 2, (arg, p.stdout, p.stderr)
    assert what in p.stderr, p.stderr
    assert "usage:" in p.stderr


# ------------------------------------------------------ configuration errors

@pytest.mark.parametrize("text,line,what", [
    ("dnssec: maybe\n", 1, "dnssec: expected true or false"),
    ("state-dir: ''\n", 1, "state-dir: expected a directory"),
    ("state-dir: [a, b]\n", 1, "state-dir: expected a single value"),
    ("trust-anchor-read-only: 2\n", 1,
     "trust-anchor-read-only: expected true or false"),
    ("trust-anchor-holddown: soon\n", 1,
     "trust-anchor-holddown: expected seconds"),
    ("trust-anchor-holddown: -5\n", 1,
     "trust-anchor-holddown: expected seconds"),
    ("trust-anchor-holddown: 400d\n", 1,
     "trust-anchor-holddown: '400d' is out of range"),
    ("negative-trust-anchors:\n  a: b\n", 2,
     "negative-trust-anchors: expected a list"),
    ("negative-trust-anchors:\n  - ok.example\n  - example.com forever\n",
     3, "negative-trust-anchors[1]: 'forever': expected a duration"),
    ("negative-trust-anchors:\n  - example.com 0\n", 2,
     "negative-trust-anchors[0]: duration '0' is out of range"),
    ("negative-trust-anchors:\n  - example.com 1h extra\n", 2,
     "negative-trust-anchors[0]:"),
    ("negative-trust-anchors:\n  - .\n", 2,
     "negative-trust-anchors[0]: a negative trust anchor for the root"),
    ("negative-trust-anchors:\n  - bad..name\n", 2,
     "negative-trust-anchors[0]: 'bad..name' is not a domain name"),
    ("negative-trust-anchors:\n  - [a]\n", 2,
     "negative-trust-anchors[0]: expected a single value"),
    ("trust-anchors: x\n", 1, "unknown key 'trust-anchors'"),
    ("aggressive-nsec: maybe\n", 1, "aggressive-nsec:"),
    ("nsec3-max-iterations: 65536\n", 1, "nsec3-max-iterations:"),
    ("nsec3-max-iterations: -1\n", 1, "nsec3-max-iterations:"),
])
def test_config_errors(binary, tmp_path, text, line, what):
    conf = write(tmp_path / "bad.yaml", text)
    p = run([binary, "--check-config", "-c", conf])
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert "%s:%d:" % (conf, line) in p.stderr, p.stderr
    assert what in p.stderr, p.stderr


def test_config_ok(binary, tmp_path):
    conf = write(tmp_path / "ok.yaml", """\
dnssec: true
state-dir: %s
trust-anchor-read-only: false
trust-anchor-holddown: 86400
negative-trust-anchors: [ "a.example 1d", b.example ]
""" % (tmp_path / "state"))
    p = run([binary, "--check-config", "-c", conf])
    assert p.returncode == 0, p.stderr
    write(conf, "trust-anchor-holddown: 0\n")
    p = run([binary, "--check-config", "-c", conf])
    assert p.returncode == 0, p.stderr


def test_bad_trust_anchor_file(binary, tmp_path):
    ta = write(tmp_path / "bad.key",
               ". IN DNSKEY %s\n. IN A 192.0.2.1\n" % KEY_A)
    p = run([binary, "--check-config", "--trust-anchor", ta])
    assert p.returncode == 1
    assert "%s:2" % ta in p.stderr, p.stderr
    ta = write(tmp_path / "zsk.key", ". IN DNSKEY 256 3 13 %s\n"
               % KEY_A.split()[3])
    p = run([binary, "--check-config", "--trust-anchor", ta])
    assert p.returncode == 0, p.stderr  # a zone key without SEP is fine
    ta = write(tmp_path / "revoked.key", ". IN DNSKEY 385 3 13 %s\n"
               % KEY_A.split()[3])
    p = run([binary, "--check-config", "--trust-anchor", ta])
    assert p.returncode == 1
    assert "%s:1" % ta in p.stderr, p.stderr


# ------------------------------------------------- refresh queries (RFC 5011)

class SilentRoot:
    """A UDP socket on the root's address: records questions, answers
    nothing."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((ROOT_ADDR, 53))
        self.sock.settimeout(0.2)
        self.seen = []
        self.lock = threading.Lock()
        self.done = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.done:
            try:
                data, _ = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                m = dns.message.from_wire(data)
            except Exception:  # not ours to judge here
                continue
            with self.lock:
                self.seen.append(m)

    def wait_for(self, pred, timeout=15.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                hits = [m for m in self.seen if pred(m)]
            if hits:
                return hits[0]
            time.sleep(0.05)
        with self.lock:
            got = [(m.question[0].name.to_text(),
                    dns.rdatatype.to_text(m.question[0].rdtype))
                   for m in self.seen if m.question]
        pytest.fail("the root never got the expected query; got %s" % got)

    def close(self):
        self.done = True
        self.sock.close()
        self.thread.join()


def question(m, name, rdtype):
    return (len(m.question) == 1 and
            m.question[0].name == dns.name.from_text(name) and
            m.question[0].rdtype == rdtype)


@pytest.mark.parametrize("anchor", ["builtin", "file"])
def test_refresh_and_key_tag_queries(binary, tmp_path, anchor):
    extra = ["--state-dir", str(tmp_path / "state")]
    if anchor == "builtin":
        tags = BUILTIN_TAGS
    else:
        ta = write(tmp_path / "root.key",
                   ". IN DNSKEY %s\n. IN DNSKEY %s\n" % (KEY_B, KEY_A))
        extra += ["--trust-anchor", ta]
        tags = sorted([key_tag(KEY_A), key_tag(KEY_B)])
    if not ap.port_free(ROOT_ADDR):
        pytest.fail("%s@53 is in use" % ROOT_ADDR)
    root = SilentRoot()
    d = None
    try:
        d = started(binary, "127.13.20.11", tmp_path, extra)
        # RFC 5011 §2.3: the root's DNSKEY set, fetched with DO=1
        m = root.wait_for(lambda m: question(m, ".", dns.rdatatype.DNSKEY))
        assert m.ednsflags & dns.flags.DO, m.to_text()
        # RFC 8145 §5.1: "_ta-" and the trusted key tags, ascending, as
        # 4 lower-case hex digits, type NULL
        name = "_ta-" + "-".join("%04x" % t for t in tags) + "."
        root.wait_for(lambda m: question(m, name, dns.rdatatype.NULL))
    finally:
        if d is not None:
            assert d.stop() == 0
        root.close()
