# SPDX-License-Identifier: MIT
"""Serve-stale (RFC 8767) in onedot: once the servers of a hierarchy go
silent, expired answers keep coming, marked stale (EDE 3, or 19 for an
NXDOMAIN, every TTL 30), counted in the control socket's stats, and stop
after the stale window; with serve-stale off the same questions get
SERVFAIL; with the client timer off the stale answer comes after the
resolution fails; a validating resolver never serves stale data that
failed validation.

The hierarchies are tiny (root and test. on onedot-auth), with TTLs of 2
seconds; to go silent their servers are stopped and a socket that never
answers takes each address (queries time out, no ICMP error). Waits are
bounded polls, never timing assertions.

Addresses (port 53): onedot on 127.13.70.1 (serve-stale on), .2 (off),
.3 (client timer 0), .4 (validating), .5 (long resolutions), .6
(restarted with its cache snapshot), .7 (one outstanding query); the
hierarchy of each on 127.13.7B.1 (root) and 127.13.7B.2 (test.), B = 1
to 7.
"""

import json
import os
import socket
import time

import dns.edns
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

import auth_peers as ap
import onedot_daemon as od
import signed_hierarchy as sh
from onedot_daemon import write

ROOT_ZONE = """$ORIGIN .
$TTL 86400
.            SOA a.root-servers.test. hostmaster.test. 1 7200 3600 1209600 3600
.            NS  a.root-servers.test.
a.root-servers.test. A 127.13.{b}.1
{ns}
{ds}
"""

# Short TTLs for what the tests ask (negative answers too: the SOA
# MINIMUM is 2), long ones for the delegation.
TEST_ZONE = """$TTL 3600
@        SOA ns hostmaster 1 7200 3600 1209600 2
{ns}
www    2 A   192.0.2.1
alias  2 CNAME www
bad    2 A   192.0.2.66
"""

HINTS = """.                    3600000 NS a.root-servers.test.
a.root-servers.test. 3600000 A  127.13.{b}.1
"""

STALE_TTL = 30
RECHECK = 30  # seconds a failed name is answered stale without trying
WAIT = 30.0  # seconds any one state may take to show


@pytest.fixture(scope="module")
def binary():
    return od.find_binary(with_auth=True)


class Hierarchy:
    """root (127.13.b.1) and test. (127.13.b.2) on onedot-auth; signed
    (ldns, ECDSA P-256) with a root trust anchor when signed is set, the
    RRSIG of bad.test. A then broken. With nservers above 1, test. has
    that many name servers, 127.13.b.2 and up, all but the first without
    a server (an ICMP error) until silence() makes them all silent."""

    def __init__(self, workdir, b, signed=False, nservers=1):
        self.dir = os.path.join(str(workdir), "hier%d" % b)
        os.makedirs(self.dir, exist_ok=True)
        self.addrs = ["127.13.%d.%d" % (b, i) for i in range(1, nservers + 2)]
        self.hints = write(os.path.join(self.dir, "root.hints"),
                           HINTS.format(b=b))
        self.trust_anchor = None
        ns = [("ns%d" % i, a) for i, a in enumerate(self.addrs[1:], 1)]
        test_src = write(os.path.join(self.dir, "test.zone"),
                         "$ORIGIN test.\n" + TEST_ZONE.format(
                             ns="\n".join("@ NS %s\n%s A %s" % (n, n, a)
                                          for n, a in ns)))
        ds = ""
        if signed:
            keys = sh.ldns_keys("test.", self.dir)
            test_src = sh.ldns_sign(test_src, "test.", self.dir, keys)
            sh.tamper(test_src, "bad.test.", "A")
            ds = sh.ds_of_keyfile(keys[0] + ".key")
        root_src = write(os.path.join(self.dir, "root.zone"),
                         ROOT_ZONE.format(b=b, ds=ds, ns="\n".join(
                             "test. NS %s.test.\n%s.test. A %s" % (n, n, a)
                             for n, a in ns)))
        if signed:
            keys = sh.ldns_keys(".", self.dir)
            root_src = sh.ldns_sign(root_src, ".", self.dir, keys)
            self.trust_anchor = write(os.path.join(self.dir, "root.ds"),
                                      sh.ds_of_keyfile(keys[0] + ".key")
                                      + "\n")
        auth = ap.onedot_auth_path()
        self.servers = [
            ap.OnedotAuth(auth, self.addrs[0], [(".", root_src)],
                          workdir=os.path.join(self.dir, "root")),
            ap.OnedotAuth(auth, self.addrs[1], [("test.", test_src)],
                          workdir=os.path.join(self.dir, "test")),
        ]
        self.holes = []

    def start(self):
        for s in self.servers:
            if not ap.port_free(s.addr):
                pytest.fail("%s@53 is in use" % s.addr)
        for s in self.servers:
            s.start()
        return self

    def silence(self):
        """Stop the servers; a socket that reads nothing takes each
        address, so queries time out."""
        for s in self.servers:
            s.stop()
        for addr in self.addrs:
            deadline = time.monotonic() + WAIT
            while True:
                try:
                    h = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    h.bind((addr, 53))
                    self.holes.append(h)
                    break
                except OSError:
                    h.close()
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)

    def revive(self, www):
        """The servers back (unsigned only), www.test. now at www."""
        for h in self.holes:
            h.close()
        self.holes = []
        path = self.servers[1].zones[0][1]
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace("192.0.2.1", www))
        for s in self.servers:
            s.start()

    def stop(self):
        for s in self.servers:
            s.stop()
        for h in self.holes:
            h.close()
        self.holes = []


class Resolver(od.Onedot):
    """onedot on addr with a state directory (control socket) and the
    config text conf; validating when the hierarchy is signed."""

    def __init__(self, binary, addr, workdir, hier, conf):
        self.state = os.path.join(str(workdir), "state")
        os.makedirs(self.state, 0o750, exist_ok=True)
        path = write(os.path.join(str(workdir), "onedot.yaml"), conf)
        extra = ["--state-dir", self.state, "-c", path]
        if hier.trust_anchor:
            extra += ["--trust-anchor", hier.trust_anchor]
        else:
            extra.append("--no-dnssec")
        super().__init__(binary, addr, workdir, hier.hints, extra)

    def stats(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(os.path.join(self.state, "control.sock"))
        s.sendall(b"stats\n")
        out = b""
        while not out.endswith(b"\n"):
            b = s.recv(65536)
            if not b:
                break
            out += b
        s.close()
        d = json.loads(out)
        assert d["ok"] is True, d
        return d


def conf(on=True, window="6s", client="300ms", limit="1500ms"):
    return ("serve-stale: %s\nserve-stale-window: %s\n"
            "serve-stale-client-timeout: %s\n"
            "limits:\n  time-per-query: %s\n"
            % ("true" if on else "false", window, client, limit))


def ask(addr, qname, qtype="A", do=False, timeout=8.0):
    q = dns.message.make_query(qname, qtype, want_dnssec=do)
    q.use_edns(0, payload=1232, ednsflags=dns.flags.DO if do else 0)
    return dns.query.udp(q, addr, timeout=timeout)


def edes(msg):
    return [o.code for o in msg.options if o.otype == dns.edns.EDE]


def ttls(msg):
    return [rrset.ttl for sec in (msg.answer, msg.authority)
            for rrset in sec if rrset.rdtype != dns.rdatatype.OPT]


def addrs(msg):
    return sorted(rd.address for rrset in msg.answer
                  if rrset.rdtype == dns.rdatatype.A for rd in rrset)


def poll(addr, qname, until, what, qtype="A", do=False, timeout=8.0,
         wait=WAIT):
    """Ask until until(answer) holds (at most wait seconds); return that
    answer and how many stale answers (EDE 3 or 19) came on the way. A
    query that gets no answer in timeout seconds fails the test."""
    deadline = time.monotonic() + wait
    stale = 0
    last = None
    while time.monotonic() < deadline:
        last = ask(addr, qname, qtype, do, timeout)
        if set(edes(last)) & {3, 19}:
            stale += 1
        if until(last):
            return last, stale
        time.sleep(0.2)
    pytest.fail("%s %s: never %s; last answer:\n%s"
                % (qname, qtype, what, last))


def is_stale(m):
    return 3 in edes(m) or 19 in edes(m)


def test_stale_answers_then_window_ends(binary, tmp_path):
    h = Hierarchy(tmp_path, 71).start()
    r = Resolver(binary, "127.13.70.1", tmp_path, h, conf())
    try:
        r.start()
        fresh = ask(r.addr, "www.test.")
        assert fresh.rcode() == dns.rcode.NOERROR
        assert addrs(fresh) == ["192.0.2.1"]
        assert edes(fresh) == []
        assert ask(r.addr, "alias.test.").rcode() == dns.rcode.NOERROR
        nx = ask(r.addr, "nope.test.")
        assert nx.rcode() == dns.rcode.NXDOMAIN and edes(nx) == []
        assert r.stats()["stale_answers"] == 0

        h.silence()
        seen = 0
        m, n = poll(r.addr, "www.test.", is_stale, "stale")
        seen += n
        assert m.rcode() == dns.rcode.NOERROR
        assert edes(m) == [3]
        assert addrs(m) == ["192.0.2.1"]
        assert ttls(m) == [STALE_TTL]

        # a CNAME chain, every record stale
        m, n = poll(r.addr, "alias.test.", is_stale, "stale")
        seen += n
        assert m.rcode() == dns.rcode.NOERROR and edes(m) == [3]
        assert [rs.rdtype for rs in m.answer] == [dns.rdatatype.CNAME,
                                                   dns.rdatatype.A]
        assert addrs(m) == ["192.0.2.1"]
        assert ttls(m) == [STALE_TTL, STALE_TTL]

        # a stale NXDOMAIN: EDE 19, the SOA with TTL 30
        m, n = poll(r.addr, "nope.test.", is_stale, "stale")
        seen += n
        assert m.rcode() == dns.rcode.NXDOMAIN
        assert edes(m) == [19]
        assert [rs.rdtype for rs in m.authority] == [dns.rdatatype.SOA]
        assert ttls(m) == [STALE_TTL]

        # again, at once or at the client timer: still stale
        m = ask(r.addr, "www.test.")
        seen += 1
        assert edes(m) == [3] and addrs(m) == ["192.0.2.1"]
        st = r.stats()
        assert st["stale_answers"] == seen
        # each stale answer came from a stale cache lookup (the chain
        # takes two)
        assert st["cache"]["stale_hits"] >= seen, st["cache"]

        # the window ends: SERVFAIL, no stale marks
        m, n = poll(r.addr, "www.test.",
                    lambda m: m.rcode() == dns.rcode.SERVFAIL, "SERVFAIL")
        seen += n
        assert not is_stale(m) and m.answer == []
        m, n = poll(r.addr, "nope.test.",
                    lambda m: m.rcode() == dns.rcode.SERVFAIL, "SERVFAIL")
        seen += n
        assert not is_stale(m)
        assert r.stats()["stale_answers"] == seen
    finally:
        status = r.stop()
        h.stop()
    assert status == 0


def test_stale_data_survives_a_restart(binary, tmp_path):
    """The cache snapshot keeps what expired less than the stale window
    ago: restarted while its servers are down, the resolver still has
    stale answers to give."""
    h = Hierarchy(tmp_path, 76).start()
    r = Resolver(binary, "127.13.70.6", tmp_path, h, conf(window="120s"))
    try:
        r.start()
        assert addrs(ask(r.addr, "www.test.")) == ["192.0.2.1"]
        nx = ask(r.addr, "nope.test.")
        assert nx.rcode() == dns.rcode.NXDOMAIN
        time.sleep(2.5)  # both have expired (TTL 2)
        assert r.stop() == 0
        assert "msg=\"cache snapshot written\"" in r.log(), r.log()
        h.silence()
        r.start()
        log = r.log()
        assert "msg=\"cache snapshot loaded\"" in log, log
        m = ask(r.addr, "www.test.")
        assert m.rcode() == dns.rcode.NOERROR, m.to_text()
        assert is_stale(m) and edes(m) == [3]
        assert addrs(m) == ["192.0.2.1"]
        assert ttls(m) == [STALE_TTL]
        m = ask(r.addr, "nope.test.")
        assert m.rcode() == dns.rcode.NXDOMAIN and edes(m) == [19]
        assert r.stats()["stale_answers"] == 2
    finally:
        status = r.stop()
        h.stop()
    assert status == 0


def test_stale_when_overloaded(binary, tmp_path):
    """A query refused for lack of an outstanding slot gets stale data
    when there is some, not SERVFAIL (no client timer here: without
    this, the answer would be SERVFAIL)."""
    h = Hierarchy(tmp_path, 77).start()
    text = conf(client="0ms", limit="5s") + "  outstanding-per-worker: 1\n"
    r = Resolver(binary, "127.13.70.7", tmp_path, h, text)
    r.argv += ["--workers", "1"]
    try:
        r.start()
        assert addrs(ask(r.addr, "www.test.")) == ["192.0.2.1"]
        time.sleep(2.5)  # expired (TTL 2)
        h.silence()
        # other.test. was never asked: it waits on the silent servers
        # and holds the one slot
        hold = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        hold.settimeout(15)
        q = dns.message.make_query("other.test.", "A")
        hold.sendto(q.to_wire(), (r.addr, 53))
        time.sleep(0.3)
        m = ask(r.addr, "www.test.")
        assert m.rcode() == dns.rcode.NOERROR, m.to_text()
        assert edes(m) == [3] and addrs(m) == ["192.0.2.1"]
        assert ttls(m) == [STALE_TTL]
        other = dns.message.from_wire(hold.recv(65535))
        hold.close()
        assert other.rcode() == dns.rcode.SERVFAIL
        assert r.stats()["stale_answers"] == 1
    finally:
        status = r.stop()
        h.stop()
    assert status == 0


def test_serve_stale_off(binary, tmp_path):
    h = Hierarchy(tmp_path, 72).start()
    r = Resolver(binary, "127.13.70.2", tmp_path, h, conf(on=False))
    try:
        r.start()
        assert addrs(ask(r.addr, "www.test.")) == ["192.0.2.1"]
        assert ask(r.addr, "nope.test.").rcode() == dns.rcode.NXDOMAIN
        h.silence()
        for name in ("www.test.", "nope.test."):
            m, n = poll(r.addr, name,
                        lambda m: m.rcode() == dns.rcode.SERVFAIL,
                        "SERVFAIL")
            assert n == 0 and not is_stale(m) and m.answer == []
        assert r.stats()["stale_answers"] == 0
    finally:
        status = r.stop()
        h.stop()
    assert status == 0


def test_client_timer_off(binary, tmp_path):
    """serve-stale-client-timeout: 0: no early answer, but the failed
    resolution still ends in the stale answer, not SERVFAIL."""
    h = Hierarchy(tmp_path, 73).start()
    r = Resolver(binary, "127.13.70.3", tmp_path, h, conf(client="0"))
    try:
        r.start()
        assert addrs(ask(r.addr, "www.test.")) == ["192.0.2.1"]
        h.silence()
        m, n = poll(r.addr, "www.test.", lambda m: m.rcode() != 0 or
                    is_stale(m), "stale or failed")
        assert m.rcode() == dns.rcode.NOERROR and edes(m) == [3]
        assert ttls(m) == [STALE_TTL]
        assert r.stats()["stale_answers"] == n
    finally:
        status = r.stop()
        h.stop()
    assert status == 0


def test_bogus_never_stale(binary, tmp_path):
    """Validating: a secure answer is served stale; one that failed
    validation (bad.test.: a broken RRSIG) is not, once expired it is
    SERVFAIL like before."""
    for t in ("ldns-keygen", "ldns-signzone"):
        if ap.tool(t) is None:
            pytest.skip("%s is not installed" % t)
    h = Hierarchy(tmp_path, 74, signed=True).start()
    r = Resolver(binary, "127.13.70.4", tmp_path, h, conf())
    try:
        r.start()
        m = ask(r.addr, "www.test.", do=True)
        assert m.rcode() == dns.rcode.NOERROR
        assert m.flags & dns.flags.AD
        m = ask(r.addr, "bad.test.", do=True)
        assert m.rcode() == dns.rcode.SERVFAIL and 3 not in edes(m)
        h.silence()
        m, n = poll(r.addr, "www.test.", is_stale, "stale", do=True)
        assert m.rcode() == dns.rcode.NOERROR and edes(m) == [3]
        assert addrs(m) == ["192.0.2.1"]
        assert ttls(m) == [STALE_TTL, STALE_TTL]  # the A and its RRSIG
        # bad.test. expired with www.test.: never served stale
        for _ in range(3):
            m = ask(r.addr, "bad.test.", do=True)
            assert m.rcode() == dns.rcode.SERVFAIL, m
            assert not is_stale(m) and m.answer == []
    finally:
        status = r.stop()
        h.stop()
    assert status == 0


def test_client_timer_then_refresh(binary, tmp_path):
    """test. has 16 servers, all silent: failing takes at least 16
    timeouts of 200 ms or more (the floor), one after the other, longer
    than the client waits (2 s); the stale answer comes at the client
    timer (300 ms). When the servers are back, fresh data replaces the
    stale."""
    h = Hierarchy(tmp_path, 75, nservers=16).start()
    r = Resolver(binary, "127.13.70.5", tmp_path, h,
                 conf(window="1h", limit="20s"))
    try:
        r.start()
        assert addrs(ask(r.addr, "www.test.")) == ["192.0.2.1"]
        h.silence()
        m, n = poll(r.addr, "www.test.", is_stale, "stale", timeout=2.0)
        assert m.rcode() == dns.rcode.NOERROR and edes(m) == [3]
        assert addrs(m) == ["192.0.2.1"] and ttls(m) == [STALE_TTL]
        assert r.stats()["stale_answers"] == n
        h.revive("192.0.2.2")
        # a resolution that failed meanwhile holds the name stale for
        # the failure recheck time (30 s) before it is tried again
        m, _ = poll(r.addr, "www.test.", lambda m: not is_stale(m),
                    "fresh", wait=WAIT + RECHECK)
        assert m.rcode() == dns.rcode.NOERROR
        assert addrs(m) == ["192.0.2.2"] and ttls(m)[0] <= 2
    finally:
        status = r.stop()
        h.stop()
    assert status == 0


def check(binary, conf_path):
    return od.run([binary, "--check-config", "-c", conf_path])


def test_config_ok(binary, tmp_path):
    path = write(tmp_path / "ok.yaml", "serve-stale: false\n"
                 "serve-stale-window: 3d\n"
                 "serve-stale-client-timeout: 0\n")
    p = check(binary, path)
    assert p.returncode == 0, p.stderr
    path = write(tmp_path / "ok2.yaml", "serve-stale-window: 86400\n"
                 "serve-stale-client-timeout: 1s\n")
    p = check(binary, path)
    assert p.returncode == 0, p.stderr


@pytest.mark.parametrize("text,what", [
    ("serve-stale: sometimes\n", "expected true or false"),
    ("serve-stale-window: 8d\n", "whole seconds from 1s to 7d"),
    ("serve-stale-window: 0\n", "whole seconds from 1s to 7d"),
    ("serve-stale-window: 1500ms\n", "whole seconds from 1s to 7d"),
    ("serve-stale-window: soon\n", "duration"),
    ("serve-stale-client-timeout: 61s\n", "out of range"),
    ("serve-stale-client-timeout: -1\n", "duration"),
    ("serve-stale-timeout: 1s\n", "unknown key 'serve-stale-timeout'"),
])
def test_config_errors(binary, tmp_path, text, what):
    path = write(tmp_path / "bad.yaml", "workers: 1\n" + text)
    p = check(binary, path)
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert "%s:2:" % path in p.stderr, p.stderr
    assert what in p.stderr, p.stderr
