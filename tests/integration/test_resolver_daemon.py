# SPDX-License-Identifier: MIT
"""onedot, the resolver daemon, on loopback: iterative resolution through
a tiny hierarchy of onedot-auth servers given by a root hints file
(A, CNAME, NXDOMAIN, many concurrent queries, TCP), answers served from
the cache when the authoritative server is gone, access control
(REFUSED), configuration errors with file:line, and a clean stop on
SIGTERM.

Addresses (port 53): onedot on 127.13.0.1 (and 127.13.0.3/.4 for the
tests that start their own); clients 127.13.0.2 and 127.13.0.9; the
hierarchy on 127.13.B.1 (root) and 127.13.B.2 (test.), B = 1 for the
shared one and 2 for the cache test's own.
"""

import os
import signal
import socket
import threading
import time

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

import auth_peers as ap
import onedot_daemon as od
from onedot_daemon import run, write

ROOT_ZONE = """$ORIGIN .
$TTL 86400
.            SOA a.root-servers.test. hostmaster.test. 1 7200 3600 1209600 3600
.            NS  a.root-servers.test.
a.root-servers.test. A 127.13.{b}.1
test.        NS  ns.test.
ns.test.     A   127.13.{b}.2
"""

TEST_ZONE = """$ORIGIN test.
$TTL 3600
@        SOA ns hostmaster 1 7200 3600 1209600 300
@        NS  ns
ns       A   127.13.{b}.2
a.root-servers A 127.13.{b}.1
www      A   192.0.2.1
alias    CNAME www
multi    A   192.0.2.10
multi    A   192.0.2.11
txt      TXT "hello resolver"
*.wild   A   192.0.2.99
{big}
"""

# Over 512 octets in all: a server truncates it for a 512-octet EDNS size.
BIG = "\n".join('big TXT "%02d %s"' % (i, "x" * 60) for i in range(12))

HINTS = """; root hints for the test hierarchy
.                    3600000 NS a.root-servers.test.
a.root-servers.test. 3600000 A  127.13.{b}.1
"""


@pytest.fixture(scope="module")
def binary():
    return od.find_binary(with_auth=True)


class Hierarchy:
    """The root (127.13.b.1) and test. (127.13.b.2) on onedot-auth, and
    a root hints file pointing at the root."""

    def __init__(self, workdir, b):
        self.b = b
        self.dir = os.path.join(str(workdir), "hier%d" % b)
        os.makedirs(self.dir, exist_ok=True)
        auth = ap.onedot_auth_path()
        root = write(os.path.join(self.dir, "root.zone"),
                     ROOT_ZONE.format(b=b))
        test = write(os.path.join(self.dir, "test.zone"),
                     TEST_ZONE.format(b=b, big=BIG))
        self.hints = write(os.path.join(self.dir, "root.hints"),
                           HINTS.format(b=b))
        self.root = ap.OnedotAuth(auth, "127.13.%d.1" % b, [(".", root)],
                                  workdir=os.path.join(self.dir, "root"))
        self.test = ap.OnedotAuth(auth, "127.13.%d.2" % b,
                                  [("test.", test)],
                                  workdir=os.path.join(self.dir, "test"))

    def start(self):
        for s in (self.root, self.test):
            if not ap.port_free(s.addr):
                pytest.fail("%s@53 is in use" % s.addr)
        self.root.start()
        self.test.start()
        return self

    def stop(self):
        self.root.stop()
        self.test.stop()


class Resolver(od.Onedot):
    """onedot on addr@53 resolving through the hierarchy given by the root
    hints file hints, its log in workdir; ready once it answers."""

    def __init__(self, binary, addr, workdir, hints, extra=()):
        # the hierarchy is unsigned: no DNSSEC validation (its tests are
        # in test_resolver_trust.py)
        super().__init__(binary, addr, workdir, hints,
                         ["--no-dnssec"] + list(extra), probe="test.")


def ask(addr, qname, qtype, tcp=False, source=None, timeout=4.0):
    q = dns.message.make_query(qname, qtype)  # RD set, EDNS0
    q.use_edns(0, payload=1232)
    if tcp:
        return dns.query.tcp(q, addr, timeout=timeout, source=source)
    return dns.query.udp(q, addr, timeout=timeout, source=source)


def rrset_texts(msg, rdtype=None):
    out = []
    for rrset in msg.answer:
        if rdtype is not None and rrset.rdtype != rdtype:
            continue
        for rd in rrset:
            out.append("%s %s %s" % (rrset.name.to_text().lower(),
                                      dns.rdatatype.to_text(rrset.rdtype),
                                      rd.to_text()))
    return sorted(out)


@pytest.fixture(scope="module")
def hier(binary, tmp_path_factory):
    h = Hierarchy(tmp_path_factory.mktemp("hier"), 1).start()
    yield h
    h.stop()


@pytest.fixture(scope="module")
def resolver(binary, hier, tmp_path_factory):
    r = Resolver(binary, "127.13.0.1", tmp_path_factory.mktemp("onedot"),
                 hier.hints).start()
    yield r
    assert r.stop() == 0  # also fails on a sanitizer report in the log


def test_a(resolver):
    m = ask(resolver.addr, "www.test.", "A")
    assert m.rcode() == dns.rcode.NOERROR, m.to_text()
    assert m.flags & dns.flags.RA
    assert m.flags & dns.flags.QR
    assert not m.flags & dns.flags.AA
    assert rrset_texts(m) == ["www.test. A 192.0.2.1"], m.to_text()


def test_two_records(resolver):
    m = ask(resolver.addr, "multi.test.", "A")
    assert m.rcode() == dns.rcode.NOERROR, m.to_text()
    assert rrset_texts(m) == ["multi.test. A 192.0.2.10",
                              "multi.test. A 192.0.2.11"], m.to_text()


def test_cname(resolver):
    m = ask(resolver.addr, "alias.test.", "A")
    assert m.rcode() == dns.rcode.NOERROR, m.to_text()
    assert rrset_texts(m) == ["alias.test. CNAME www.test.",
                              "www.test. A 192.0.2.1"], m.to_text()


def test_nxdomain(resolver):
    m = ask(resolver.addr, "nope.test.", "A")
    assert m.rcode() == dns.rcode.NXDOMAIN, m.to_text()
    assert m.answer == []
    # the SOA of test. comes with the denial (RFC 2308)
    assert any(r.rdtype == dns.rdatatype.SOA and
               r.name.to_text().lower() == "test." for r in m.authority), \
        m.to_text()


def test_nodata(resolver):
    m = ask(resolver.addr, "www.test.", "AAAA")
    assert m.rcode() == dns.rcode.NOERROR, m.to_text()
    assert m.answer == []


def test_tcp(resolver):
    m = ask(resolver.addr, "txt.test.", "TXT", tcp=True)
    assert m.rcode() == dns.rcode.NOERROR, m.to_text()
    assert rrset_texts(m) == ['txt.test. TXT "hello resolver"'], m.to_text()


def test_case_kept(resolver):
    m = ask(resolver.addr, "WwW.TeSt.", "A")
    assert m.rcode() == dns.rcode.NOERROR, m.to_text()
    assert m.question[0].name.to_text() == "WwW.TeSt."
    assert [rd.to_text() for rs in m.answer for rd in rs] == ["192.0.2.1"]


def test_concurrent(resolver):
    """Many clients at once, names not yet cached, some of them the same
    name at the same time: every one gets its own right answer."""
    names = ["n%d.wild.test." % (i % 12) for i in range(36)]
    results = [None] * len(names)

    def one(i):
        try:
            results[i] = ask(resolver.addr, names[i], "A", timeout=6.0)
        except Exception as e:  # reported below
            results[i] = e

    threads = [threading.Thread(target=one, args=(i,))
               for i in range(len(names))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for name, m in zip(names, results):
        assert isinstance(m, dns.message.Message), "%s: %r" % (name, m)
        assert m.rcode() == dns.rcode.NOERROR, m.to_text()
        assert m.question[0].name.to_text() == name
        assert rrset_texts(m) == ["%s A 192.0.2.99" % name], m.to_text()


def test_burst_same_name(resolver):
    """A burst of queries for a few uncached names, sent at once from one
    socket with the names in different letter case: identical upstream
    queries in flight may be shared, yet every client gets the answer to
    its own query (its ID, its question as asked)."""
    import socket as socketmod
    s = socketmod.socket(socketmod.AF_INET, socketmod.SOCK_DGRAM)
    s.settimeout(6.0)
    sent = {}
    try:
        for i in range(24):
            base = "burst%d.wild.test." % (i % 3)
            name = base.upper() if i % 2 else base
            q = dns.message.make_query(name, "A", id=1000 + i)
            sent[q.id] = name
            s.sendto(q.to_wire(), (resolver.addr, 53))
        got = {}
        while len(got) < len(sent):
            m = dns.message.from_wire(s.recv(4096))
            assert m.id in sent and m.id not in got, m.id
            got[m.id] = m
    finally:
        s.close()
    for qid, m in got.items():
        assert m.rcode() == dns.rcode.NOERROR, m.to_text()
        assert m.question[0].name.to_text() == sent[qid]
        assert [rd.to_text() for rs in m.answer for rd in rs] == \
            ["192.0.2.99"], m.to_text()


def test_log_has_no_client_address(resolver):
    ask(resolver.addr, "www.test.", "A", source="127.13.0.2")
    log = resolver.log()
    assert "started" in log
    assert "127.13.0.1@53" in log  # the listen address is logged
    assert "127.13.0.2" not in log


def test_cache_serves_without_upstream(binary, tmp_path):
    """Once resolved, the answer comes from the cache: with the whole
    hierarchy stopped, the same question still gets the same answer."""
    h = Hierarchy(tmp_path, 2).start()
    r = Resolver(binary, "127.13.0.3", tmp_path, h.hints)
    try:
        r.start()
        m1 = ask(r.addr, "www.test.", "A")
        assert rrset_texts(m1) == ["www.test. A 192.0.2.1"], m1.to_text()
        m2 = ask(r.addr, "nope.test.", "A")
        assert m2.rcode() == dns.rcode.NXDOMAIN
        h.stop()
        m1b = ask(r.addr, "www.test.", "A")
        assert m1b.rcode() == dns.rcode.NOERROR, m1b.to_text()
        assert rrset_texts(m1b) == ["www.test. A 192.0.2.1"]
        assert m1b.answer[0].ttl <= m1.answer[0].ttl
        m2b = ask(r.addr, "nope.test.", "A")
        assert m2b.rcode() == dns.rcode.NXDOMAIN
        # a name never asked needs the servers that are gone: SERVFAIL
        m3 = ask(r.addr, "other.test.", "A", timeout=8.0)
        assert m3.rcode() == dns.rcode.SERVFAIL, m3.to_text()
    finally:
        assert r.stop() == 0
        h.stop()


def test_access_control(binary, hier, tmp_path):
    conf = write(tmp_path / "onedot.yaml",
                 "access-control:\n  - 127.13.0.2/32 allow\n"
                 "  - 127.13.0.8/29 refuse\n")
    r = Resolver(binary, "127.13.0.4", tmp_path, hier.hints,
                 extra=["-c", conf])
    try:
        r.start(probe_source="127.13.0.2")
        m = ask(r.addr, "www.test.", "A", source="127.13.0.9")
        assert m.rcode() == dns.rcode.REFUSED, m.to_text()
        assert m.answer == []
        assert m.question[0].name.to_text() == "www.test."
        m = ask(r.addr, "www.test.", "A", source="127.13.0.9", tcp=True)
        assert m.rcode() == dns.rcode.REFUSED, m.to_text()
        # not in any rule: refused too
        m = ask(r.addr, "www.test.", "A", source="127.13.0.20")
        assert m.rcode() == dns.rcode.REFUSED, m.to_text()
        m = ask(r.addr, "www.test.", "A", source="127.13.0.2")
        assert m.rcode() == dns.rcode.NOERROR, m.to_text()
        assert rrset_texts(m) == ["www.test. A 192.0.2.1"]
        assert "127.13.0.9" not in r.log()
    finally:
        assert r.stop() == 0


def test_sigterm_while_resolving(binary, tmp_path):
    """SIGTERM while a query waits for a server that never answers: the
    daemon stops cleanly (exit status 0)."""
    auth = ap.onedot_auth_path()
    zone = write(tmp_path / "root.zone",
                 ROOT_ZONE.format(b=3) +
                 "slow.        NS  ns.slow.\nns.slow.     A   127.13.3.9\n")
    hints = write(tmp_path / "root.hints", HINTS.format(b=3))
    root = ap.OnedotAuth(auth, "127.13.3.1", [(".", zone)],
                         workdir=str(tmp_path / "root"))
    hole = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    hole.bind(("127.13.3.9", 53))
    hole.settimeout(5.0)
    r = Resolver(binary, "127.13.0.5", tmp_path, hints)
    results = []

    def one():
        try:
            results.append(ask(r.addr, "x.slow.", "A", timeout=3.0))
        except Exception as e:  # the daemon stops before answering
            results.append(e)

    t = threading.Thread(target=one)
    try:
        root.start()
        r.start()
        t.start()
        data, _ = hole.recvfrom(4096)  # the query reached the black hole
        assert len(data) >= 12
        assert r.stop() == 0
        assert "stopped" in r.log()
    finally:
        t.join()
        r.stop()
        root.stop()
        hole.close()


def test_upstream_tcp_after_truncation(binary, hier, tmp_path):
    """With a 512-octet EDNS size upstream, the server truncates a large
    answer (TC=1) and the resolver asks again over TCP."""
    conf = write(tmp_path / "onedot.yaml", "edns-buffer-size: 512\n")
    r = Resolver(binary, "127.13.0.10", tmp_path, hier.hints,
                 extra=["-c", conf]).start()
    try:
        m = ask(r.addr, "big.test.", "TXT", tcp=True)
        assert m.rcode() == dns.rcode.NOERROR, m.to_text()
        assert not m.flags & dns.flags.TC
        texts = sorted(rd.to_text() for rs in m.answer for rd in rs)
        assert len(texts) == 12, m.to_text()
        assert texts[0].startswith('"00 xxx')
        assert texts[11].startswith('"11 xxx')
    finally:
        assert r.stop() == 0


def test_sighup_reloads(binary, hier, tmp_path):
    # the reload itself is tested in test_reload.py
    r = Resolver(binary, "127.13.0.6", tmp_path, hier.hints).start()
    try:
        r.proc.send_signal(signal.SIGHUP)
        m = None
        for _ in range(50):
            if 'msg="reloaded"' in r.log():
                break
            time.sleep(0.1)
        assert 'msg="reloaded"' in r.log()
        m = ask(r.addr, "www.test.", "A")
        assert rrset_texts(m) == ["www.test. A 192.0.2.1"]
    finally:
        assert r.stop() == 0


# ------------------------------------------------------------ configuration

def check(binary, *args):
    return run([binary, "--check-config"] + list(args))


def test_check_config_ok(binary, hier, tmp_path):
    conf = write(tmp_path / "ok.yaml", """\
listen: [127.13.0.7@5353]
root-hints: %s
qname-minimisation: false
workers: 2
cache-size: 64M
access-control:
  - 127.0.0.0/8 allow
  - ::1 allow
  - 10.0.0.0/8 refuse
limits:
  upstream-per-query: 30
  ns-per-delegation: 3
  time-per-query: 3s
  outstanding-per-worker: 500
edns-buffer-size: 1400
use-0x20: true
ipv6: false
log-level: warn
""" % hier.hints)
    p = check(binary, "-c", conf)
    assert p.returncode == 0, p.stderr
    assert "configuration ok" in p.stdout


@pytest.mark.parametrize("text,line,what", [
    ("listen: 127.0.0.1\ncache-sise: 1M\n", 2, "unknown key 'cache-sise'"),
    ("cache-size: 12X\n", 1, "cache-size"),
    ("cache-size: 10\n", 1, "out of range"),
    ("workers: many\n", 1, "workers"),
    ("qname-minimisation: maybe\n", 1, "expected true or false"),
    ("access-control:\n  - 10.0.0.0/8 permit\n", 2, "allow or refuse"),
    ("access-control:\n  - 10.0.0.1/8 allow\n", 2, "beyond the prefix"),
    ("access-control:\n  - 10.0.0.0/33 allow\n", 2, "prefix length"),
    ("access-control:\n  - nonsense allow\n", 2, "not an IP address"),
    ("limits:\n  upstream-per-query: 0\n", 2, "out of range"),
    ("limits:\n  time-per-query: forever\n", 2, "duration"),
    ("limits:\n  bogus: 1\n", 2, "unknown key 'bogus'"),
    ("edns-buffer-size: 100\n", 1, "out of range"),
    ("listen: [127.0.0.1@99999]\n", 1, "not an address"),
    ("use-0x20: 2\n", 1, "expected true or false"),
])
def test_config_errors(binary, tmp_path, text, line, what):
    conf = write(tmp_path / "bad.yaml", text)
    p = check(binary, "-c", conf)
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert "%s:%d:" % (conf, line) in p.stderr, p.stderr
    assert what in p.stderr, p.stderr


def test_bad_files(binary, tmp_path):
    p = check(binary, "--root-hints", str(tmp_path / "missing.hints"))
    assert p.returncode == 1
    assert "missing.hints" in p.stderr
    bad = write(tmp_path / "bad.hints", ".  3600000 NS a.root.\n"
                "a.root. 3600000 A 300.1.1.1\n")
    p = check(binary, "--root-hints", bad)
    assert p.returncode == 1
    assert "%s:2" % bad in p.stderr, p.stderr
    p = check(binary, "--trust-anchor", str(tmp_path / "missing.ta"))
    assert p.returncode == 1
    assert "missing.ta" in p.stderr
    p = check(binary, "-c", str(tmp_path / "missing.yaml"))
    assert p.returncode == 1
    assert "missing.yaml" in p.stderr


def test_usage_errors(binary):
    for argv in (["--bogus"], ["--listen"], ["--listen", "localhost"],
                 ["--workers", "x"], ["--log-level", "loud"]):
        p = run([binary] + argv)
        assert p.returncode == 2, argv
        assert "usage:" in p.stderr


def test_trust_anchor_warns(binary, hier, tmp_path):
    ta = write(tmp_path / "root.key",
               ". 3600 IN DS 20326 8 2 "
               "e06d44b80b8f1d39a95c0b0d7c65d08458e880409bbc683457104237"
               "c7f8ec8d\n")
    r = Resolver(binary, "127.13.0.8", tmp_path, hier.hints,
                 extra=["--trust-anchor", ta]).start()
    try:
        log = r.log()
        assert "DNSSEC validation is off" in log
        assert "validation=off" in log
    finally:
        assert r.stop() == 0
