# SPDX-License-Identifier: MIT
"""Hot reload of onedot (SIGHUP and `onedotctl reload`): under a
continuous query load no query is lost; listeners are added and removed
(unchanged ones keep answering); access control changes; a bad
configuration leaves the running one in force and says why; the cache
survives; negative trust anchors of the configuration follow it (those
added with onedotctl stay); settings that need a restart are reported
and keep their running value.

Addresses (port 53): the hierarchy on 127.13.91.1 (root) and 127.13.91.2
(test.); onedot on 127.13.90.1 (always), 127.13.90.2, 127.13.90.3 (added
and removed), 127.13.90.4 (held by another socket: cannot be bound),
127.13.90.10 (the validating daemon; its root hints point at
127.13.90.250, where nothing answers); clients from 127.13.90.200 (the
one the access list refuses) and the default source.
"""

import json
import os
import signal
import socket
import threading
import time

import dns.exception
import dns.message
import dns.query
import dns.rcode
import pytest

import onedot_daemon as od
import test_resolver_daemon as trd
from onedot_daemon import run, write

MAIN = "127.13.90.1"
ADDED = "127.13.90.2"
REMOVED = "127.13.90.3"
HELD = "127.13.90.4"
VALIDATING = "127.13.90.10"
NOWHERE = "127.13.90.250"
REFUSED_CLIENT = "127.13.90.200"

SILENT_HINTS = """.                    3600000 NS a.root-servers.test.
a.root-servers.test. 3600000 A  %s
""" % NOWHERE

# The cached names and what they answer (test_resolver_daemon's zone).
NAMES = {
    "www.test.": ["www.test. A 192.0.2.1"],
    "alias.test.": ["alias.test. CNAME www.test.",
                    "www.test. A 192.0.2.1"],
    "multi.test.": ["multi.test. A 192.0.2.10", "multi.test. A 192.0.2.11"],
}

# Wait bounds (seconds): for log lines and the query load.
WAIT = 10.0
LOAD_MAX = 30.0


def ctl_path():
    b = os.environ.get("ONEDOT_BUILD_DIR", "")
    path = os.path.join(b, "src", "tools", "onedotctl", "onedotctl")
    if not os.access(path, os.X_OK):
        pytest.fail("onedotctl is not built (ONEDOT_BUILD_DIR=%r)" % b)
    return path


def conf_text(listen, acl=("127.0.0.0/8 allow",), extra=""):
    out = "listen:\n"
    for a in listen:
        out += "  - %s@53\n" % a
    out += "access-control:\n"
    for r in acl:
        out += '  - "%s"\n' % r
    return out + extra


class Daemon(od.Onedot):
    """onedot started with -c CONF (its listeners come from the file),
    two workers unless extra says otherwise, a state directory for the
    control socket."""

    def __init__(self, binary, addr, workdir, hints, conf, extra=(),
                 probe="test."):
        super().__init__(binary, addr, workdir, hints, probe=probe)
        self.conf = conf
        self.state = os.path.join(str(workdir), "state-%s" % addr)
        os.makedirs(self.state, 0o750, exist_ok=True)
        self.argv = [self.argv[0], "-c", conf, "--root-hints", hints,
                     "--state-dir", self.state] + list(extra)

    def ctl(self, *args, json_out=False):
        return run([ctl_path(), "--state-dir", self.state] +
                   (["--json"] if json_out else []) + list(args))

    def js(self, *args):
        p = self.ctl(*args, json_out=True)
        assert p.returncode == 0, p.stderr + p.stdout
        d = json.loads(p.stdout)
        assert d["ok"] is True
        return d

    def reload(self):
        """`onedotctl reload` that must succeed: its response."""
        return self.js("reload")

    def sighup(self):
        """SIGHUP, then wait for its outcome in the log."""
        n = outcomes(self.log())
        self.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: outcomes(self.log()) > n, self.log)


def outcomes(log):
    return log.count('msg="reloaded"') + log.count('msg="reload failed"')


def wait_for(cond, what):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.05)
    pytest.fail("timed out; log:\n%s" % what())


def answer(addr, name, tcp=False, source=None, timeout=4.0):
    return trd.ask(addr, name, "A", tcp=tcp, source=source, timeout=timeout)


def good(m, name):
    return m.rcode() == dns.rcode.NOERROR and \
        trd.rrset_texts(m) == sorted(NAMES[name])


def answers(addr, name="www.test.", tcp=False):
    try:
        return good(answer(addr, name, tcp=tcp, timeout=2.0), name)
    except (dns.exception.Timeout, OSError):
        return False


@pytest.fixture(scope="module")
def binary():
    return od.find_binary(with_auth=True)


@pytest.fixture(scope="module")
def hier(binary, tmp_path_factory):
    h = trd.Hierarchy(tmp_path_factory.mktemp("hier"), 91).start()
    yield h
    h.stop()


@pytest.fixture
def daemon(binary, hier, tmp_path):
    conf = write(tmp_path / "onedot.yaml", conf_text([MAIN]))
    d = Daemon(binary, MAIN, tmp_path, hier.hints, conf,
               ["--no-dnssec", "--workers", "2"]).start()
    for name in NAMES:  # in the cache from now on
        assert good(answer(MAIN, name), name)
    yield d
    assert d.stop() == 0


# (1) no query lost -------------------------------------------------------

class Load:
    """Threads sending queries for cached names to MAIN, one at a time
    each (UDP, and every fourth over TCP), until stopped or a bound is
    reached; every query must get its right answer."""

    def __init__(self, nthreads=4, per_thread=20000):
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.sent = 0
        self.good = 0
        self.bad = []
        self.per_thread = per_thread
        self.threads = [threading.Thread(target=self.run, args=(i,))
                        for i in range(nthreads)]

    def run(self, i):
        names = sorted(NAMES)
        deadline = time.monotonic() + LOAD_MAX
        for k in range(self.per_thread):
            if self.stop.is_set() or time.monotonic() > deadline:
                break
            name = names[(i + k) % len(names)]
            tcp = k % 4 == 3
            with self.lock:
                self.sent += 1
            try:
                m = answer(MAIN, name, tcp=tcp, timeout=3.0)
                ok = good(m, name)
                what = m.to_text()
            except (dns.exception.Timeout, OSError) as e:
                ok = False
                what = repr(e)
            with self.lock:
                if ok:
                    self.good += 1
                else:
                    self.bad.append((name, tcp, what))

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def wait_sent(self, n):
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            with self.lock:
                if self.sent >= n:
                    return
            time.sleep(0.01)

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(LOAD_MAX + 10)
        assert not any(t.is_alive() for t in self.threads)


def test_no_query_lost(daemon, tmp_path):
    load = Load().start()
    try:
        load.wait_sent(200)
        for k in range(3):
            daemon.sighup()
            load.wait_sent(load.sent + 100)
        # a real change: another listener and another EDNS size, back
        write(daemon.conf, conf_text([MAIN, ADDED],
                                     extra="edns-buffer-size: 1400\n"))
        d = daemon.reload()
        assert set(d["changed"]) == {"listen", "edns-buffer-size"}
        load.wait_sent(load.sent + 100)
        write(daemon.conf, conf_text([MAIN]))
        d = daemon.reload()
        assert set(d["changed"]) == {"listen", "edns-buffer-size"}
        load.wait_sent(load.sent + 100)
        daemon.sighup()
        load.wait_sent(load.sent + 100)
    finally:
        load.finish()
    log = daemon.log()
    assert log.count('msg="reloaded"') == 6, log
    assert "reload failed" not in log
    assert load.bad == []
    assert load.sent > 600
    assert load.good == load.sent


# (2) listeners -----------------------------------------------------------

def test_listeners_added_and_removed(daemon):
    write(daemon.conf, conf_text([MAIN, REMOVED]))
    d = daemon.reload()
    assert d["changed"] == ["listen"] and d["restart"] == []
    assert answers(REMOVED) and answers(REMOVED, tcp=True)
    assert not answers(ADDED)

    # REMOVED goes, ADDED comes, MAIN stays (and keeps serving while a
    # TCP connection to it stays open across the reload)
    s = socket.create_connection((MAIN, 53), timeout=4)
    try:
        write(daemon.conf, conf_text([ADDED, MAIN]))
        daemon.sighup()
        assert 'msg="listening" addr=%s@53' % ADDED in daemon.log()
        assert 'msg="stopped listening" addr=%s@53' % REMOVED in \
            daemon.log()
        q = dns.message.make_query("www.test.", "A")
        dns.query.send_tcp(s, q, time.time() + 4)
        m, _ = dns.query.receive_tcp(s, time.time() + 4)
        assert good(m, "www.test.")
    finally:
        s.close()
    for tcp in (False, True):
        assert answers(ADDED, tcp=tcp)
        assert answers(MAIN, tcp=tcp)
        assert not answers(REMOVED, tcp=tcp)
    for name in NAMES:
        assert answers(ADDED, name)


# (3) access control ------------------------------------------------------

def test_access_control(daemon):
    m = answer(MAIN, "www.test.", source=REFUSED_CLIENT)
    assert good(m, "www.test.")
    write(daemon.conf, conf_text(
        [MAIN], acl=("127.0.0.0/8 allow", "%s refuse" % REFUSED_CLIENT)))
    d = daemon.reload()
    assert d["changed"] == ["access-control"]
    m = answer(MAIN, "www.test.", source=REFUSED_CLIENT)
    assert m.rcode() == dns.rcode.REFUSED
    m = answer(MAIN, "www.test.", tcp=True, source=REFUSED_CLIENT)
    assert m.rcode() == dns.rcode.REFUSED
    assert answers(MAIN)  # from the default source: still allowed
    # and back
    write(daemon.conf, conf_text([MAIN]))
    daemon.sighup()
    assert good(answer(MAIN, "www.test.", source=REFUSED_CLIENT),
                "www.test.")


# (4) a bad configuration -------------------------------------------------

BAD = [
    ("listen:\n  - %s@53\nlimits: [\n" % MAIN, ":4:", "parsing"),
    ("listen:\n  - %s@53\nno-such-key: 1\n" % MAIN, ":3:", "no-such-key"),
    ("listen:\n  - %s@53\nedns-buffer-size: 99999\n" % MAIN, ":3:",
     "edns-buffer-size"),
    ("listen:\n  - %s@53\naccess-control:\n  - \"10.1.2.3/8 allow\"\n"
     % MAIN, ":4:", "access-control"),
    ("listen:\n  - %s@53\n  - bogus@53\n" % MAIN, ":3:", "listen"),
]


@pytest.mark.parametrize("text,line,key", BAD)
def test_bad_config_keeps_running(daemon, text, line, key):
    # the running configuration refuses REFUSED_CLIENT: still in force
    # after the failed reloads
    write(daemon.conf, conf_text(
        [MAIN, ADDED], acl=("127.0.0.0/8 allow", "%s refuse" %
                            REFUSED_CLIENT)))
    daemon.reload()
    write(daemon.conf, text)
    p = daemon.ctl("reload")
    assert p.returncode == 1, p.stdout
    assert daemon.conf + line in p.stderr, p.stderr
    assert key in p.stderr
    p = daemon.ctl("reload", json_out=True)
    assert p.returncode == 1
    d = json.loads(p.stdout)
    assert d["ok"] is False and d["error"].startswith(daemon.conf + line)
    log = daemon.log()
    assert 'msg="reload failed"' in log and daemon.conf + line in log
    daemon.sighup()
    assert daemon.log().count('msg="reload failed"') == 3
    assert answers(MAIN) and answers(ADDED, tcp=True)
    m = answer(MAIN, "www.test.", source=REFUSED_CLIENT)
    assert m.rcode() == dns.rcode.REFUSED


def test_listener_that_cannot_be_bound(daemon):
    # another socket (without SO_REUSEPORT) holds HELD@53
    hold = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        hold.bind((HELD, 53))
        hold.listen(1)
        write(daemon.conf, conf_text([MAIN, ADDED, HELD]))
        p = daemon.ctl("reload")
        assert p.returncode == 1
        assert "cannot listen on %s@53/tcp: Address already in use" % \
            HELD in p.stderr
        # all or nothing: ADDED was not added either
        assert not answers(ADDED)
        assert answers(MAIN)
    finally:
        hold.close()
    # free now: the same file works
    d = daemon.reload()
    assert d["changed"] == ["listen"]
    assert answers(ADDED) and answers(HELD) and answers(MAIN)


# (5) the cache survives --------------------------------------------------

def test_cache_survives(daemon, hier):
    before = daemon.js("stats")["total"]
    write(daemon.conf, conf_text([MAIN, ADDED],
                                 extra="qname-minimisation: false\n"))
    daemon.reload()
    daemon.sighup()
    for name in NAMES:
        assert good(answer(MAIN, name), name)
    after = daemon.js("stats")["total"]
    assert after["queries"] - before["queries"] == len(NAMES)
    assert after["cache_answers"] - before["cache_answers"] == len(NAMES)


# restart-only settings -----------------------------------------------------

def test_restart_settings_reported(binary, hier, tmp_path):
    conf = write(tmp_path / "onedot.yaml",
                 conf_text([MAIN], extra="workers: 2\ncache-size: 64M\n"))
    d = Daemon(binary, MAIN, tmp_path, hier.hints, conf,
               ["--no-dnssec"]).start()
    try:
        assert answers(MAIN)
        write(conf, conf_text([MAIN], extra="workers: 3\ncache-size: 32M\n"
                              "use-0x20: true\n"))
        r = d.reload()
        assert r["changed"] == ["use-0x20"]
        assert sorted(r["restart"]) == ["cache-size", "workers"]
        assert 'needs a restart' in d.log() and "key=workers" in d.log()
        st = d.js("status")
        assert st["workers"] == 2
        assert answers(MAIN)
        # nothing new: nothing to restart for (the running value is
        # compared, not the last file)
        r = d.reload()
        assert sorted(r["restart"]) == ["cache-size", "workers"]
        write(conf, conf_text([MAIN], extra="workers: 2\ncache-size: 64M\n"
                              "use-0x20: true\n"))
        r = d.reload()
        assert r["changed"] == [] and r["restart"] == []
    finally:
        assert d.stop() == 0


def test_log_level(daemon):
    write(daemon.conf, conf_text([MAIN], extra="log-level: warn\n"))
    assert daemon.reload()["changed"] == ["log-level"]
    n = daemon.log().count('msg="reloaded"')
    # at warn the next reload's info lines are not logged
    assert daemon.reload()["changed"] == []
    assert daemon.log().count('msg="reloaded"') == n
    write(daemon.conf, conf_text([MAIN]))
    assert daemon.reload()["changed"] == ["log-level"]
    assert daemon.log().count('msg="reloaded"') == n + 1
    assert answers(MAIN)


# (6) negative trust anchors and trust settings ---------------------------

def test_ntas_follow_the_config(binary, tmp_path):
    hints = write(tmp_path / "hints", SILENT_HINTS)
    conf = write(tmp_path / "onedot.yaml", conf_text(
        [VALIDATING], extra="negative-trust-anchors:\n  - a.example\n"
        "  - keep.example 1h\n"))
    d = Daemon(binary, VALIDATING, tmp_path, hints, conf,
               ["--workers", "2"], probe=None).start()
    try:
        def names():
            return [n["name"] for n in d.js("nta", "list")["ntas"]]
        assert names() == ["a.example.", "keep.example."]
        left = d.js("nta", "list")["ntas"][1]["remaining"]
        d.js("nta", "add", "ctl.example")
        write(conf, conf_text(
            [VALIDATING], extra="negative-trust-anchors:\n"
            "  - keep.example 1h\n  - b.example 2h\n"
            "trust-anchor-holddown: 1h\n"))
        r = d.reload()
        assert sorted(r["changed"]) == ["negative-trust-anchors",
                                        "trust-anchor-holddown"]
        ntas = d.js("nta", "list")["ntas"]
        assert [n["name"] for n in ntas] == \
            ["keep.example.", "ctl.example.", "b.example."]
        # unchanged: its expiry runs on; new: from now
        assert ntas[0]["remaining"] <= left
        assert 7100 < ntas[2]["remaining"] <= 7200
        assert d.js("status")["trust"]["ntas"] == 3
        # a configured NTA does not replace the operator's
        write(conf, conf_text(
            [VALIDATING], extra="negative-trust-anchors:\n"
            "  - ctl.example 1h\n"))
        d.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: d.log().count('msg="reloaded"') == 2, d.log)
        ntas = d.js("nta", "list")["ntas"]
        assert [n["name"] for n in ntas] == ["ctl.example."]
        assert ntas[0]["expires"] is None
        # trust-anchor-read-only: true, then back (the state file is
        # writable: allowed)
        write(conf, conf_text([VALIDATING],
                              extra="trust-anchor-read-only: true\n"))
        r = d.reload()
        assert "trust-anchor-read-only" in r["changed"]
        assert d.js("status")["trust"]["read_only"] is True
        write(conf, conf_text([VALIDATING]))
        r = d.reload()
        assert "trust-anchor-read-only" in r["changed"]
        assert d.js("status")["trust"]["read_only"] is False
    finally:
        assert d.stop() == 0
