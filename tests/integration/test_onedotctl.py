# SPDX-License-Identifier: MIT
"""onedotctl and onedot's control socket: every command (human output and
--json) against running daemons, the error when no daemon listens, bad
requests sent over the raw socket (an error response, the daemon keeps
serving) and the socket's permissions.

Two daemons: one without validation resolving through an unsigned
hierarchy (cache, stats), one validating with the built-in root keys and
root hints pointing where nothing answers (status, NTAs, trust anchors).

Addresses (port 53): the hierarchy on 127.13.40.1 (root) and 127.13.40.2
(test.); onedot on 127.13.40.10 and 127.13.40.11; nothing on
127.13.40.250.
"""

import json
import os
import socket
import stat

import dns.rcode
import pytest

import onedot_daemon as od
import test_resolver_daemon as trd
from onedot_daemon import run, write

SILENT_HINTS = """.                    3600000 NS a.root-servers.test.
a.root-servers.test. 3600000 A  127.13.40.250
"""


def ctl_path():
    b = os.environ.get("ONEDOT_BUILD_DIR", "")
    path = os.path.join(b, "src", "tools", "onedotctl", "onedotctl")
    if not os.access(path, os.X_OK):
        pytest.fail("onedotctl is not built (ONEDOT_BUILD_DIR=%r)" % b)
    return path


@pytest.fixture(scope="module")
def binary():
    return od.find_binary(with_auth=True)


@pytest.fixture(scope="module")
def hier(binary, tmp_path_factory):
    h = trd.Hierarchy(tmp_path_factory.mktemp("hier"), 40).start()
    yield h
    h.stop()


class Daemon:
    """A started onedot and its state directory."""

    def __init__(self, proc, state):
        self.proc = proc
        self.state = state
        self.sock = os.path.join(state, "control.sock")

    def ctl(self, *args, json_out=False):
        argv = [ctl_path(), "--state-dir", self.state]
        if json_out:
            argv.append("--json")
        return run(argv + list(args))

    def js(self, *args):
        """The --json response of a command that must succeed."""
        p = self.ctl(*args, json_out=True)
        assert p.returncode == 0, p.stderr + p.stdout
        assert p.stdout.endswith("\n") and p.stdout.count("\n") == 1
        d = json.loads(p.stdout)
        assert d["ok"] is True
        return d


@pytest.fixture(scope="module")
def plain(binary, hier, tmp_path_factory):
    """Without validation, through the unsigned hierarchy."""
    work = tmp_path_factory.mktemp("plain")
    state = os.path.join(str(work), "state")
    os.mkdir(state, 0o750)  # without validation nobody makes it
    r = trd.Resolver(binary, "127.13.40.10", work, hier.hints,
                     ["--state-dir", state]).start()
    yield Daemon(r, state)
    assert r.stop() == 0


@pytest.fixture(scope="module")
def validating(binary, tmp_path_factory):
    """Validating (built-in root keys); its root never answers."""
    work = tmp_path_factory.mktemp("val")
    state = os.path.join(str(work), "state")  # made by the trust store
    hints = write(os.path.join(str(work), "hints"), SILENT_HINTS)
    r = od.Onedot(binary, "127.13.40.11", work, hints,
                  ["--state-dir", state]).start()
    yield Daemon(r, state)
    assert r.stop() == 0


def raw(path, data, shut=True):
    """Sends data over the control socket; returns what comes back."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    s.sendall(data)
    if shut:
        s.shutdown(socket.SHUT_WR)
    out = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        out += b
    s.close()
    return out


# status -----------------------------------------------------------------

def test_status_plain(plain):
    d = plain.js("status")
    assert d["validation"] is False
    assert d["workers"] == 2
    assert d["trust"] is None
    assert d["uptime"] >= 0
    assert d["version"].count(".") == 2
    p = plain.ctl("status")
    assert p.returncode == 0, p.stderr
    assert "validation: false" in p.stdout
    assert "workers: 2" in p.stdout


def test_status_validating(validating):
    d = validating.js("status")
    assert d["validation"] is True
    t = d["trust"]
    assert t["zones"] == 1 and t["trusted_keys"] == 2
    assert t["state_file"] == os.path.join(validating.state,
                                           "trust-anchors.state")
    assert t["read_only"] is False and t["save_failed"] is False
    p = validating.ctl("status")
    assert "trusted_keys: 2" in p.stdout and "zones: 1" in p.stdout


# stats ------------------------------------------------------------------

def test_stats_count_queries(plain):
    before = plain.js("stats")
    m = trd.ask(plain.proc.addr, "www.test.", "A")
    assert m.rcode() == dns.rcode.NOERROR
    m = trd.ask(plain.proc.addr, "www.test.", "A")  # from the cache
    m = trd.ask(plain.proc.addr, "nope.test.", "A")
    assert m.rcode() == dns.rcode.NXDOMAIN
    after = plain.js("stats")
    assert len(after["workers"]) == 2
    tb, ta = before["total"], after["total"]
    assert ta["queries"] - tb["queries"] == 3
    assert ta["answers"]["NOERROR"] - tb["answers"]["NOERROR"] == 2
    assert ta["answers"]["NXDOMAIN"] - tb["answers"]["NXDOMAIN"] == 1
    assert ta["cache_answers"] - tb["cache_answers"] >= 1
    # the per-worker counters add up to the total
    assert sum(w["queries"] for w in after["workers"]) == ta["queries"]
    c = after["cache"]
    assert c["entries"] > 0 and c["bytes"] > 0 and c["inserts"] > 0
    assert c["hits"] > before["cache"]["hits"]
    assert after["aggressive_nsec"] is None  # validation off
    p = plain.ctl("stats")
    assert p.returncode == 0
    assert "cache:" in p.stdout and "NXDOMAIN:" in p.stdout


# cache ------------------------------------------------------------------

def test_cache_show(plain):
    trd.ask(plain.proc.addr, "multi.test.", "A")
    d = plain.js("cache", "show", "multi.test.")
    assert d["name"] == "multi.test."
    a = [e for e in d["entries"] if e["type"] == "A"]
    assert len(a) == 1
    e = a[0]
    assert e["negative"] is False
    assert 0 < e["ttl"] <= 3600
    assert e["rank"] == "answer-aa"
    assert e["security"] == "unchecked"
    assert sorted(r.split()[-1] for r in e["records"]) == \
        ["192.0.2.10", "192.0.2.11"]
    # a type filter, and a name without its final dot
    d = plain.js("cache", "show", "multi.test", "AAAA")
    assert d["entries"] == []
    p = plain.ctl("cache", "show", "multi.test.")
    assert p.returncode == 0
    assert "A ttl=" in p.stdout and "rank=answer-aa" in p.stdout
    assert "192.0.2.10" in p.stdout and "192.0.2.11" in p.stdout


def test_cache_show_negative(plain):
    trd.ask(plain.proc.addr, "absent.test.", "A")
    d = plain.js("cache", "show", "absent.test.")
    neg = [e for e in d["entries"] if e["negative"]]
    assert neg and neg[0]["rcode"] == "NXDOMAIN"
    assert neg[0]["zone"] == "test."
    p = plain.ctl("cache", "show", "nothing-here.test.")
    assert p.returncode == 0 and "nothing cached" in p.stdout


def test_cache_flush(plain):
    trd.ask(plain.proc.addr, "txt.test.", "TXT")
    trd.ask(plain.proc.addr, "alias.test.", "A")
    assert plain.js("cache", "show", "txt.test.")["entries"]
    d = plain.js("cache", "flush", "txt.test.")
    assert d["removed"] >= 1 and d["subtree"] is False
    assert plain.js("cache", "show", "txt.test.")["entries"] == []
    assert plain.js("cache", "show", "www.test.")["entries"]  # kept
    # the subtree: everything below test. and test. itself
    p = plain.ctl("cache", "flush", "test.", "--subtree")
    assert p.returncode == 0 and "removed:" in p.stdout
    for n in ("www.test.", "alias.test.", "test."):
        assert plain.js("cache", "show", n)["entries"] == [], n
    # resolution still works afterwards
    m = trd.ask(plain.proc.addr, "www.test.", "A")
    assert m.rcode() == dns.rcode.NOERROR


def test_cache_errors(plain):
    for args, what in [(("cache", "show", "a..b"), "not a domain name"),
                       (("cache", "show", "x.test.", "NOPE"),
                        "not an RR type"),
                       (("cache", "flush", "x.", "--deep"), "usage"),
                       (("cache", "eat", "x."), "unknown cache command"),
                       (("cache",), "usage")]:
        p = plain.ctl(*args)
        assert p.returncode == 1, args
        assert what in p.stderr, (args, p.stderr)
        j = plain.ctl(*args, json_out=True)
        assert j.returncode == 1
        d = json.loads(j.stdout)
        assert d["ok"] is False and what in d["error"]


# NTAs and trust anchors ---------------------------------------------------

def test_nta(validating):
    assert validating.js("nta", "list")["ntas"] == []
    d = validating.js("nta", "add", "broken.example", "1h")
    assert d["name"] == "broken.example."
    validating.js("nta", "add", "forever.example.")
    ntas = validating.js("nta", "list")["ntas"]
    assert [n["name"] for n in ntas] == ["broken.example.",
                                         "forever.example."]
    assert 3500 < ntas[0]["remaining"] <= 3600
    assert ntas[1]["expires"] is None
    assert validating.js("status")["trust"]["ntas"] == 2
    p = validating.ctl("nta", "list")
    assert "broken.example." in p.stdout and "forever.example." in p.stdout
    validating.js("nta", "remove", "broken.example.")
    assert [n["name"] for n in validating.js("nta", "list")["ntas"]] == \
        ["forever.example."]
    p = validating.ctl("nta", "remove", "broken.example.")
    assert p.returncode == 1
    assert "no negative trust anchor for broken.example." in p.stderr
    for args, what in [(("nta", "add", "."), "root"),
                       (("nta", "add", "x.example", "2y"), "duration"),
                       (("nta", "add", "x.example", "0"), "duration"),
                       (("nta", "drop", "x."), "usage")]:
        p = validating.ctl(*args)
        assert p.returncode == 1 and what in p.stderr, (args, p.stderr)
    validating.js("nta", "remove", "forever.example")


def test_nta_without_validation(plain):
    p = plain.ctl("nta", "list")
    assert p.returncode == 1 and "validation is off" in p.stderr
    p = plain.ctl("trust-anchors")
    assert p.returncode == 1 and "validation is off" in p.stderr


def test_trust_anchors(validating):
    keys = validating.js("trust-anchors")["keys"]
    assert sorted(k["tag"] for k in keys) == [20326, 38696]
    for k in keys:
        assert k["zone"] == "." and k["type"] == "DNSKEY"
        assert k["state"] == "Valid" and k["algorithm"] == 8
        assert k["revoked"] is False
    p = validating.ctl("trust-anchors")
    assert p.returncode == 0
    assert "tag: 20326" in p.stdout and "state: Valid" in p.stdout


# the socket, the client, bad requests --------------------------------------

def test_socket_permissions(plain):
    st = os.lstat(plain.sock)
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o600


def test_not_running(tmp_path):
    p = run([ctl_path(), "--state-dir", str(tmp_path), "status"])
    assert p.returncode == 1
    assert p.stderr.startswith(
        "onedotctl: the daemon is not running: cannot connect to %s: "
        % os.path.join(str(tmp_path), "control.sock"))
    p = run([ctl_path(), "-s", str(tmp_path / "x.sock"), "--json", "stats"])
    assert p.returncode == 1 and "the daemon is not running" in p.stderr


def test_usage(plain):
    for argv in ([], ["--bogus", "status"], ["-s"], ["status extra"]):
        p = run([ctl_path()] + argv)
        assert p.returncode == 2, argv
        assert "usage: onedotctl" in p.stderr
    p = plain.ctl("frobnicate")
    assert p.returncode == 1
    assert "unknown command 'frobnicate'" in p.stderr


@pytest.mark.parametrize("data,what", [
    (b"\n", "empty line"),
    (b"status\x01\n", "printable ASCII only"),
    (b"sta\x00tus\n", "NUL octet"),
    (b"x" * 5000 + b"\n", "longer than 1024 octets"),
    (b" ".join([b"w"] * 40) + b"\n", "more than 16 words"),
    (b"status\nstats\n", "one request per connection"),
    (b"status unexpected\n", "usage: status"),
    (b"cache show " + b"a" * 70 + b".test.\n", "not a domain name"),
], ids=["empty", "control", "nul", "long", "words", "two", "args",
        "label"])
def test_bad_requests(plain, data, what):
    out = raw(plain.sock, data)
    assert out.endswith(b"\n") and out.count(b"\n") == 1
    d = json.loads(out)
    assert d["ok"] is False and what in d["error"], d
    # still serving
    assert plain.js("status")["ok"] is True


def test_raw_request_without_newline(plain):
    d = json.loads(raw(plain.sock, b"status"))
    assert d["ok"] is True and d["validation"] is False
    d = json.loads(raw(plain.sock, b"status\r\n"))
    assert d["ok"] is True


def test_control_option(binary, hier, tmp_path):
    """--control PATH puts the socket elsewhere; a config file's control
    key too; a stale socket is replaced."""
    sock = str(tmp_path / "ctl.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(sock)  # stale: nobody listens
    s.close()
    os.mkdir(str(tmp_path / "st"), 0o750)
    r = trd.Resolver(binary, "127.13.40.12", tmp_path, hier.hints,
                     ["--state-dir", str(tmp_path / "st"), "--control",
                      sock]).start()
    try:
        p = run([ctl_path(), "-s", sock, "--json", "status"])
        assert p.returncode == 0 and json.loads(p.stdout)["ok"] is True
        assert stat.S_IMODE(os.lstat(sock).st_mode) == 0o600
        assert not os.path.exists(str(tmp_path / "st" / "control.sock"))
    finally:
        assert r.stop() == 0
    assert not os.path.exists(sock)  # removed at exit
    conf = write(tmp_path / "onedot.yaml",
                 "control: %s\n" % str(tmp_path / "c2.sock"))
    r = trd.Resolver(binary, "127.13.40.12", tmp_path, hier.hints,
                     ["-c", conf, "--state-dir", str(tmp_path / "st")]
                     ).start()
    try:
        p = run([ctl_path(), "-s", str(tmp_path / "c2.sock"), "status"])
        assert p.returncode == 0 and "validation: false" in p.stdout
    finally:
        assert r.stop() == 0


def test_control_refused(binary, hier, tmp_path):
    """A group-writable directory, a path that is not a socket and a
    socket in use stop the start with the reason."""
    bad = tmp_path / "open"
    bad.mkdir()
    os.chmod(str(bad), 0o777)
    p = run([binary, "--listen", "127.13.40.13@53", "--no-dnssec",
             "--root-hints", hier.hints, "--state-dir", str(tmp_path),
             "--control", str(bad / "c.sock")])
    assert p.returncode == 1
    assert "writable by group or others" in p.stderr
    f = write(tmp_path / "file", "x")
    p = run([binary, "--listen", "127.13.40.13@53", "--no-dnssec",
             "--root-hints", hier.hints, "--state-dir", str(tmp_path),
             "--control", f])
    assert p.returncode == 1 and "not a socket" in p.stderr
    p = run([binary, "--control", ""])
    assert p.returncode == 2 and "--control" in p.stderr


def test_control_in_use(plain, binary, hier, tmp_path):
    p = run([binary, "--listen", "127.13.40.13@53", "--no-dnssec",
             "--root-hints", hier.hints, "--state-dir", str(tmp_path),
             "--control", plain.sock])
    assert p.returncode == 1 and "in use by another daemon" in p.stderr
    assert plain.js("status")["ok"] is True  # untouched


def test_default_socket_taken(plain, binary, hier, tmp_path):
    """A second daemon with the same state directory: the default socket
    is in use, so it serves queries without a control socket (a warning
    says why) and leaves the first one's socket alone."""
    r = trd.Resolver(binary, "127.13.40.14", tmp_path, hier.hints,
                     ["--state-dir", plain.state]).start()
    try:
        m = trd.ask(r.addr, "www.test.", "A")
        assert m.rcode() == dns.rcode.NOERROR
        assert 'msg="no control socket"' in r.log()
        assert "in use by another daemon" in r.log()
    finally:
        assert r.stop() == 0
    assert plain.js("status")["ok"] is True


def test_no_state_dir_without_validation(binary, hier, tmp_path):
    """Without validation a missing state directory is not made: the
    daemon serves queries without a control socket and says why."""
    state = tmp_path / "none"
    r = trd.Resolver(binary, "127.13.40.14", tmp_path, hier.hints,
                     ["--state-dir", str(state)]).start()
    try:
        m = trd.ask(r.addr, "www.test.", "A")
        assert m.rcode() == dns.rcode.NOERROR
        assert 'msg="no control socket"' in r.log()
        assert str(state) in r.log()
    finally:
        assert r.stop() == 0
    assert not state.exists()
    p = run([ctl_path(), "--state-dir", str(state), "status"])
    assert p.returncode == 1 and "the daemon is not running" in p.stderr
