# SPDX-License-Identifier: MIT
"""Logging of both daemons (docs/onedot.md, docs/onedot-auth.md, "Logging"):
onedot's opt-in query log (one logfmt line per answered query, client
addresses truncated to their /24, flushed by a timer and at stop, rotated
with old files removed beyond `keep`), no client address in the daemon's
own log even at debug level, the syslog target (captured hermetically: the
daemon runs in a private mount namespace where /dev/log is a datagram
socket of the test), and --log-target / log-target / query-log errors.

Addresses (port 53): onedot on 127.13.100.1 (query log), .2 (no query
log), .3 (rotation), .4 (syslog), .6 (a start that fails); onedot-auth
on 127.13.100.5 (syslog);
clients 127.13.100.77, .78, .79, .80, .81 and .200 (refused); the
hierarchy on 127.13.101.1 (root) and 127.13.101.2 (test.).
"""

import json
import os
import re
import select
import shutil
import socket
import subprocess
import threading
import time

import dns.message
import dns.query
import dns.rcode
import pytest

import auth_peers as ap
import onedot_daemon as od
import test_onedotctl
import test_resolver_daemon as trd
from onedot_daemon import run, write

LINE_RE = re.compile(
    r"^ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z client=(?P<client>\S+) "
    r"transport=(?P<tr>udp|tcp) qname=(?P<qname>\S+) qtype=(?P<qtype>\S+) "
    r"rcode=(?P<rcode>[A-Z0-9]+) flags=(?P<flags>AD|TC|AD,TC|-)"
    r"(?: ede=(?P<ede>\d+))? cached=(?P<cached>true|false) "
    r"latency-us=\d+$")
STAMP_RE = re.compile(r"^query\.log\.\d{8}T\d{6}$")
WAIT = 15.0  # seconds any bounded wait below may take at most


@pytest.fixture(scope="module")
def binary():
    return od.find_binary(with_auth=True)


@pytest.fixture(scope="module")
def hier(binary, tmp_path_factory):
    h = trd.Hierarchy(tmp_path_factory.mktemp("hier"), 101).start()
    yield h
    h.stop()


def state_args(tmp_path):
    """A state directory of the test's own (the control socket goes
    there)."""
    d = tmp_path / "state"
    d.mkdir(exist_ok=True)
    return ["--state-dir", str(d)]


def ask(addr, qname, source, tcp=False, qtype="A"):
    q = dns.message.make_query(qname, qtype)
    if tcp:
        return dns.query.tcp(q, addr, timeout=4, source=source)
    return dns.query.udp(q, addr, timeout=4, source=source)


def lines_of(path):
    """The parsed lines of one query log file (every line must match)."""
    out = []
    with open(path) as f:
        text = f.read()
    assert text == "" or text.endswith("\n"), "cut line in %s" % path
    for line in text.splitlines():
        m = LINE_RE.match(line)
        assert m, "bad query log line: %r" % line
        out.append(m.groupdict())
    return out


def stats(tmp_path):
    """onedotctl stats --json of the daemon whose state directory
    state_args(tmp_path) gave."""
    sock = str(tmp_path / "state" / "control.sock")
    p = run([test_onedotctl.ctl_path(), "-s", sock, "--json", "stats"])
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def wait_for(pred, what):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.05)
    pytest.fail("timed out waiting for " + what)


# The query log ------------------------------------------------------------

def test_query_log(binary, hier, tmp_path):
    logdir = tmp_path / "qlog"
    logdir.mkdir()
    qlog = str(logdir / "query.log")
    conf = write(tmp_path / "onedot.yaml",
                 "query-log:\n  file: %s\n"
                 "access-control:\n  - 127.0.0.0/8 allow\n"
                 "  - 127.13.100.200 refuse\n" % qlog)
    r = trd.Resolver(binary, "127.13.100.1", tmp_path, hier.hints,
                     ["-c", conf, "--log-level", "debug"] +
                     state_args(tmp_path))
    r.start(probe_source="127.13.100.81")
    try:
        m = ask(r.addr, "www.test.", "127.13.100.77")
        assert m.rcode() == dns.rcode.NOERROR, m.to_text()
        # the flush timer writes it out while the daemon runs
        wait_for(lambda: os.path.exists(qlog) and
                 "qname=www.test." in open(qlog).read(),
                 "the query log line of www.test.")
        m = ask(r.addr, "www.test.", "127.13.100.77")  # from the cache
        assert m.rcode() == dns.rcode.NOERROR
        m = ask(r.addr, "nope.test.", "127.13.100.78", tcp=True)
        assert m.rcode() == dns.rcode.NXDOMAIN
        m = ask(r.addr, "www.test.", "127.13.100.200")
        assert m.rcode() == dns.rcode.REFUSED
        m = ask(r.addr, "txt.test.", "127.13.100.78", qtype="TXT")
        assert m.rcode() == dns.rcode.NOERROR
        # the counters of the log (stats and metrics)
        wait_for(lambda: "qname=txt.test." in open(qlog).read(),
                 "the query log line of txt.test.")
        ql = stats(tmp_path)["query_log"]
        assert ql["lines"] >= 5, ql
        assert ql["dropped"] == 0 and ql["errors"] == 0, ql
    finally:
        assert r.stop() == 0
    got = lines_of(qlog)
    mine = [(g["client"], g["tr"], g["qname"], g["qtype"], g["rcode"],
             g["cached"]) for g in got if g["client"] == "127.13.100.0"]
    # the probe (from 127.13.100.81) is in the same /24: its test. SOA
    # queries come first
    # (each worker writes its own lines in order; the workers' lines
    # interleave by flush)
    mine = sorted(x for x in mine if x[2] != "test.")
    assert mine == sorted([
        ("127.13.100.0", "udp", "www.test.", "A", "NOERROR", "false"),
        ("127.13.100.0", "udp", "www.test.", "A", "NOERROR", "true"),
        ("127.13.100.0", "tcp", "nope.test.", "A", "NXDOMAIN", "false"),
        ("127.13.100.0", "udp", "www.test.", "A", "REFUSED", "false"),
        ("127.13.100.0", "udp", "txt.test.", "TXT", "NOERROR", "false"),
    ]), got
    assert all(g["client"] == "127.13.100.0" for g in got), got
    text = open(qlog).read()
    daemon_log = r.log()
    assert 'msg="query log"' in daemon_log, daemon_log
    assert 'msg="query done"' in daemon_log  # debug lines were on
    for full in ("127.13.100.77", "127.13.100.78", "127.13.100.81",
                 "127.13.100.200"):
        assert full not in text, text
        assert full not in daemon_log, daemon_log
    assert sorted(os.listdir(logdir)) == ["query.log"]


def test_query_log_rotation(binary, hier, tmp_path):
    """rotate: 2s, keep: 2: files rotate while queries go on, only the two
    newest rotated files stay, no line is lost or doubled in them."""
    logdir = tmp_path / "qlog"
    logdir.mkdir()
    qlog = str(logdir / "query.log")
    conf = write(tmp_path / "onedot.yaml",
                 "query-log:\n  file: %s\n  rotate: 2s\n  keep: 2\n" % qlog)
    r = trd.Resolver(binary, "127.13.100.3", tmp_path, hier.hints,
                     ["-c", conf] + state_args(tmp_path))
    r.start(probe_source="127.13.100.81")

    def files():
        return sorted(os.listdir(logdir))

    def all_text():
        out = ""
        for f in files():
            try:
                out += open(os.path.join(logdir, f)).read()
            except FileNotFoundError:  # removed meanwhile
                pass
        return out

    sent = 0
    r0_written = False
    try:
        deadline = time.monotonic() + 4 * WAIT
        # until the file that had the first query was removed
        while time.monotonic() < deadline:
            m = ask(r.addr, "r%d.test." % sent, "127.13.100.79")
            assert m.rcode() == dns.rcode.NXDOMAIN
            sent += 1
            rotated = [f for f in files() if f != "query.log"]
            assert all(STAMP_RE.match(f) for f in rotated), rotated
            assert len(rotated) <= 2, rotated
            # (first written out by the flush timer, later removed)
            if "qname=r0.test." in all_text():
                r0_written = True
            elif r0_written:
                break
            time.sleep(0.1)
        else:
            pytest.fail("r0.test. was never rotated away: %s" % files())
    finally:
        assert r.stop() == 0
    rotated = [f for f in files() if f != "query.log"]
    assert len(rotated) == 2, files()
    assert files() == sorted(rotated + ["query.log"])
    # what is left: every query from some point on, each once, in order
    seen = []
    for f in rotated + ["query.log"]:
        for g in lines_of(os.path.join(logdir, f)):
            assert g["client"] == "127.13.100.0"
            if g["qname"].startswith("r"):
                seen.append(int(g["qname"][1:].split(".")[0]))
    assert seen, files()
    seen.sort()  # the two workers' lines interleave by flush
    assert seen == list(range(seen[0], sent)), seen
    assert seen[0] > 0
    assert "127.13.100.79" not in all_text()


def test_no_query_log(binary, hier, tmp_path, monkeypatch):
    """Without query-log no file is written, and even at debug level the
    daemon's log has no client address."""
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    r = trd.Resolver(binary, "127.13.100.2", tmp_path, hier.hints,
                     ["--log-level", "debug"] + state_args(tmp_path))
    r.start(probe_source="127.13.100.81")
    try:
        for tcp in (False, True):
            assert ask(r.addr, "www.test.", "127.13.100.79",
                       tcp=tcp).rcode() == dns.rcode.NOERROR
            assert ask(r.addr, "nope%d.test." % tcp, "127.13.100.79",
                       tcp=tcp).rcode() == dns.rcode.NXDOMAIN
        assert stats(tmp_path)["query_log"] is None
    finally:
        assert r.stop() == 0
    log = r.log()
    assert 'msg="query done"' in log, log
    assert "level=debug" in log
    for full in ("127.13.100.79", "127.13.100.81"):
        assert full not in log, log
    assert os.listdir(work) == []
    assert sorted(os.listdir(tmp_path)) == ["cwd",
                                            "onedot-127.13.100.2.log",
                                            "state"]


# The syslog target --------------------------------------------------------

# In a private mount namespace: /dev becomes a tmpfs with the few device
# nodes a process may open bind-mounted from the real one, and /dev/log is
# the test's socket. Nothing outside the namespace changes.
NS_SCRIPT = """set -e
mkdir -p "$OD_NS_DIR/realdev"
mount --bind /dev "$OD_NS_DIR/realdev"
mount -t tmpfs -o mode=755 tmpfs /dev
for n in null zero full random urandom; do
    : > /dev/$n
    mount --bind "$OD_NS_DIR/realdev/$n" /dev/$n
done
: > /dev/log
mount --bind "$OD_NS_DIR/log.sock" /dev/log
exec "$@"
"""


@pytest.fixture
def devlog(tmp_path, monkeypatch):
    """A datagram socket for syslog(3) to write to, and the argv prefix
    that runs a program with it as /dev/log."""
    unshare = shutil.which("unshare")
    if os.geteuid() != 0 or unshare is None:
        pytest.skip("needs root and unshare(1) for a private /dev/log")
    nsdir = tmp_path / "ns"
    nsdir.mkdir()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(str(nsdir / "log.sock"))
    s.setblocking(False)
    monkeypatch.setenv("OD_NS_DIR", str(nsdir))
    probe = run([unshare, "-m", "--propagation", "private", "sh", "-c",
                 NS_SCRIPT, "sh", "true"])
    if probe.returncode != 0:
        s.close()
        pytest.skip("no private mount namespace here: %s" % probe.stderr)
    yield s, [unshare, "-m", "--propagation", "private", "sh", "-c",
              NS_SCRIPT, "sh"]
    s.close()


class Collector:
    """Reads the socket in a thread while the daemon runs: syslog(3)
    blocks the daemon when the socket's queue is full."""

    def __init__(self, s):
        self.s = s
        self.msgs = []
        self.done = threading.Event()
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        while not self.done.is_set():
            r, _, _ = select.select([self.s], [], [], 0.1)
            if r:
                self._drain()

    def _drain(self):
        while True:
            try:
                self.msgs.append(self.s.recv(65536).decode(
                    errors="replace"))
            except BlockingIOError:
                return

    def stop(self):
        """Every message received until now."""
        self.done.set()
        self.t.join(timeout=5)
        self._drain()
        return self.msgs


def test_syslog_resolver(binary, hier, tmp_path, devlog):
    s, prefix = devlog
    r = trd.Resolver(binary, "127.13.100.4", tmp_path, hier.hints,
                     ["--log-level", "debug", "--log-target", "syslog",
                      "--nta", "example."] + state_args(tmp_path))
    r.argv = prefix + r.argv
    c = Collector(s)
    r.start(probe_source="127.13.100.81")  # ready when it answers
    try:
        assert ask(r.addr, "www.test.", "127.13.100.80").rcode() == \
            dns.rcode.NOERROR
    finally:
        assert r.stop() == 0
    msgs = c.stop()
    text = "\n".join(msgs)
    # LOG_DAEMON (3 << 3) with LOG_INFO, LOG_WARNING and LOG_DEBUG
    pat = r"^<%d>\w{3} [ \d]\d \d\d:\d\d:\d\d onedot\[\d+\]: level=%s msg="
    assert any(re.match(pat % (30, "info") + '"started"', m)
               for m in msgs), text
    assert any(re.match(pat % (28, "warn"), m) for m in msgs), text
    assert any(re.match(pat % (31, "debug") + '"query done"', m)
               for m in msgs), text
    assert any('msg="stopped"' in m for m in msgs), text
    # syslog stamps the line itself; the logfmt ts= is left out
    assert not re.search(r"(^|\s)ts=", text, re.M), text
    assert "127.13.100.80" not in text and "127.13.100.81" not in text
    # nothing went to stderr
    assert "level=" not in r.log(), r.log()


def test_syslog_auth(binary, tmp_path, devlog):
    s, prefix = devlog
    zone = write(tmp_path / "example.zone",
                 "$ORIGIN example.\n$TTL 300\n"
                 "@ SOA ns hostmaster 1 7200 3600 1209600 300\n"
                 "@ NS ns\nns A 192.0.2.53\nwww A 192.0.2.1\n")
    auth = ap.onedot_auth_path()
    logf = open(tmp_path / "auth.log", "wb")
    c = Collector(s)
    p = subprocess.Popen(prefix + [auth, "--listen", "127.13.100.5@53",
                                   "--zone", "example.:%s" % zone,
                                   "--workers", "1", "--log-target",
                                   "syslog", "--state-dir", str(tmp_path)],
                         stdout=logf, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL)
    try:
        def answers():
            try:
                q = dns.message.make_query("www.example.", "A")
                dns.query.udp(q, "127.13.100.5", timeout=0.5,
                              source="127.13.100.80")
                return True
            except Exception:
                return p.poll() is not None
        wait_for(answers, "onedot-auth to answer")
        assert p.poll() is None, open(tmp_path / "auth.log").read()
    finally:
        if p.poll() is None:
            p.terminate()
        p.wait(timeout=od.STOP_WAIT)
        logf.close()
    assert p.returncode == 0
    msgs = c.stop()
    text = "\n".join(msgs)
    pat = r"^<30>\w{3} [ \d]\d \d\d:\d\d:\d\d onedot-auth\[\d+\]: " \
          r"level=info msg=%s"
    assert any(re.match(pat % '"zone loaded" zone=example.', m)
               for m in msgs), text
    assert any(re.match(pat % '"started"', m) for m in msgs), text
    assert not re.search(r"(^|\s)ts=", text, re.M), text
    assert "127.13.100.80" not in text
    stderr = open(tmp_path / "auth.log").read()
    assert "level=" not in stderr, stderr
    assert "runtime error" not in stderr and "Sanitizer" not in stderr


# Errors ------------------------------------------------------------------

def test_log_target_arguments(binary, tmp_path):
    auth = ap.onedot_auth_path()
    zone = write(tmp_path / "example.zone",
                 "$ORIGIN example.\n@ 300 SOA ns h 1 2 3 4 5\n"
                 "@ 300 NS ns\nns 300 A 192.0.2.53\n")
    ok = run([binary, "--no-dnssec", "--log-target", "syslog",
              "--check-config"])
    assert ok.returncode == 0, ok.stderr
    ok = run([binary, "--no-dnssec", "--log-target", "stderr",
              "--check-config"])
    assert ok.returncode == 0, ok.stderr
    bad = run([binary, "--no-dnssec", "--log-target", "journald",
               "--check-config"])
    assert bad.returncode == 2
    assert "--log-target 'journald': expected stderr or syslog" in \
        bad.stderr, bad.stderr
    assert run([binary, "--log-target"]).returncode == 2
    for target in ("syslog", "stderr"):
        ok = run([auth, "--zone", "example.:%s" % zone, "--log-target",
                  target, "--check-config"])
        assert ok.returncode == 0, ok.stderr
    bad = run([auth, "--zone", "example.:%s" % zone, "--log-target",
               "file", "--check-config"])
    assert bad.returncode == 2
    assert "--log-target 'file': expected stderr or syslog" in bad.stderr, \
        bad.stderr


@pytest.mark.parametrize("text,want", [
    ("log-target: journald\n",
     "onedot.yaml:1:13: log-target: expected stderr or syslog"),
    ("query-log:\n  rotate: 1h\n", "'file' is required"),
    ("query-log:\n  file: /tmp/q.log\n  rotate: 25h\n",
     "query-log.rotate: '25h' is out of range (whole seconds, 1s..24h)"),
    ("query-log:\n  file: /tmp/q.log\n  rotate: 0s\n",
     "'0s' is out of range"),
    ("query-log:\n  file: /tmp/q.log\n  rotate: 1500ms\n",
     "'1500ms' is out of range"),
    ("query-log:\n  file: /tmp/q.log\n  rotate: soon\n",
     "expected a duration"),
    ("query-log:\n  file: /tmp/q.log\n  keep: 10001\n", "query-log.keep"),
    ("query-log:\n  file: /tmp/q.log\n  size: 1G\n", "unknown key 'size'"),
    ("query-log:\n  file: /tmp/\n", "query-log.file: expected a file path"),
    ("query-log: /tmp/q.log\n", "query-log: expected a mapping"),
])
def test_resolver_config_errors(binary, tmp_path, text, want):
    conf = write(tmp_path / "onedot.yaml", text)
    p = run([binary, "--no-dnssec", "-c", conf, "--check-config"])
    assert p.returncode == 1, p.stderr
    assert want in p.stderr, p.stderr


def test_resolver_config_accepted(binary, tmp_path):
    conf = write(tmp_path / "onedot.yaml",
                 "log-target: syslog\nquery-log:\n  file: %s\n"
                 "  rotate: 24h\n  keep: 0\n" % (tmp_path / "q.log"))
    p = run([binary, "--no-dnssec", "-c", conf, "--check-config"])
    assert p.returncode == 0, p.stderr


def test_auth_config_errors(binary, tmp_path):
    auth = ap.onedot_auth_path()
    conf = write(tmp_path / "auth.yaml", "server:\n  log-target: file\n")
    p = run([auth, "-c", conf, "--check-config"])
    assert p.returncode == 1, p.stderr
    assert "auth.yaml:2:15: server.log-target: expected stderr or syslog" \
        in p.stderr, p.stderr
    conf = write(tmp_path / "auth.yaml", "server:\n  log-target: syslog\n")
    p = run([auth, "-c", conf, "--check-config"])
    assert p.returncode == 0, p.stderr


def test_query_log_dir_missing(binary, tmp_path):
    """A query log that cannot be opened stops the start, saying why."""
    conf = write(tmp_path / "onedot.yaml",
                 "query-log:\n  file: %s\n" % (tmp_path / "no" / "q.log"))
    p = run([binary, "--no-dnssec", "-c", conf, "--listen",
             "127.13.100.6@53", "--workers", "1"])
    assert p.returncode == 1, p.stderr
    assert "cannot open '%s'" % (tmp_path / "no" / "q.log") in p.stderr
    assert "No such file or directory" in p.stderr
    # --check-config finds it too, without starting
    p = run([binary, "--no-dnssec", "-c", conf, "--check-config"])
    assert p.returncode == 1, p.stdout
    assert "query-log: directory %s: No such file or directory" % (
        tmp_path / "no") in p.stderr, p.stderr
