# SPDX-License-Identifier: MIT
"""The local root (issue 9) end to end, through the real daemons: onedot
with a copy of the root zone of a small signed hierarchy
(localroot_hier.py: onedot-auth serving the root on 127.30.0.1, NSD
serving alpha. beta. gamma. on 127.30.1.1).

- test_october_2023_chain: a copy with a record type nobody knows
  (TYPE65400), covered by its ZONEMD and signed, loads and answers the
  root queries (the root server gets none); copies with a bad ZONEMD
  digest, a bad signature and a truncated file are refused one after the
  other, the old copy stays, the state turns stale (status, metric, log);
  once the old copy's signatures are about to expire (lifetime = earliest
  RRSIG expiration - expire-margin) the state turns expired (log, metric)
  and every query is answered, validated, by the root server: no
  SERVFAIL.
- test_restart_with_good_saved_copy: the saved copy serves after a
  restart with the root server stopped (a silent listener on its address
  sees no query) and the source gone.
- test_restart_with_expired_saved_copy: a saved copy whose lifetime ended
  while the daemon was stopped (SOA expire since the saved refresh time;
  or its signatures) is not used: the root server answers.
- test_root_down_referrals_and_junk: with the root server stopped, TLD
  referrals and NXDOMAIN for 30 junk TLDs come from the copy and from
  aggressive NSEC (RFC 8198) on its answers, without any upstream query
  to the root.
- test_disable_enable: onedotctl localroot disable sends root queries to
  the root server at once; enable goes back to the copy.
- test_not_configured: every localroot command is an error without a
  local root, and there are no localroot metrics.

Addresses (port 53): the hierarchy on 127.30.0.1 and 127.30.1.1; onedot
on 127.30.100.1-.9 (metrics on port 9153 of the same address).
"""

import json
import os
import re
import socket
import threading
import time

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

import auth_peers as ap
import localroot_hier as lh
import onedot_daemon as od

RESOLVER = {"chain": "127.30.100.1", "restart-good": "127.30.100.2",
            "restart-expired-soa": "127.30.100.3",
            "restart-expired-sig": "127.30.100.4",
            "root-down": "127.30.100.5", "disable": "127.30.100.6",
            "none": "127.30.100.7"}
METRICS_PORT = 9153
WAIT = 20.0       # seconds for something asynchronous (a refresh)
MARGIN = 5        # expire-margin of the tests that set one, seconds
STATES = ("none", "fresh", "stale", "expired")
REASONS = ("fetch", "parse", "zonemd", "anchor", "signature", "expired",
           "older", "store")
HEADER = re.compile(r"^; onedot-localroot refreshed=(\d+) source=(\S+) "
                    r"serial=(\d+)\s*$")


def _tool(name):
    if ap.tool(name) is None:
        pytest.skip("%s is not installed" % name)


@pytest.fixture(scope="module")
def binary():
    return od.find_binary(with_auth=True)


@pytest.fixture(scope="module")
def ctl_path():
    b = ap.build_dir()
    path = os.path.join(b, "src", "tools", "onedotctl", "onedotctl")
    if not os.access(path, os.X_OK):
        pytest.fail("onedotctl is not built (ONEDOT_BUILD_DIR=%r)" % b)
    return path


@pytest.fixture(scope="module")
def hier(binary, tmp_path_factory):
    for t in ("ldns-keygen", "ldns-signzone", "nsd", "nsd-checkconf"):
        _tool(t)
    h = lh.LocalRootHier(ap.onedot_auth_path(),
                         workdir=str(tmp_path_factory.mktemp("lrhier")))
    h.start()
    yield h
    h.stop()


@pytest.fixture
def root_up(hier):
    """The root server runs at the start and at the end of the test."""
    hier.start_root()
    yield hier
    hier.start_root()


# ---------------------------------------------------------------- helpers

class Sink:
    """Listens on ADDR port 53 (UDP and TCP) where a stopped server was,
    answers nothing and counts what arrives."""

    def __init__(self, addr):
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind((addr, 53))
        self.udp.settimeout(0.2)
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind((addr, 53))
        self.tcp.listen(16)
        self.tcp.settimeout(0.2)
        self.got = []
        self.stop_ev = threading.Event()
        self.threads = [threading.Thread(target=f, daemon=True)
                        for f in (self._udp, self._tcp)]
        for t in self.threads:
            t.start()

    def _name(self, data):
        try:
            q = dns.message.from_wire(data)
            return "%s %s" % (q.question[0].name,
                              dns.rdatatype.to_text(q.question[0].rdtype))
        except Exception:
            return "(%d octets)" % len(data)

    def _udp(self):
        while not self.stop_ev.is_set():
            try:
                data, _ = self.udp.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            self.got.append("udp " + self._name(data))

    def _tcp(self):
        while not self.stop_ev.is_set():
            try:
                c, _ = self.tcp.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            c.settimeout(1.0)
            try:
                data = c.recv(65535)
            except OSError:
                data = b""
            c.close()
            self.got.append("tcp " + self._name(data[2:]))

    def close(self):
        self.stop_ev.set()
        for t in self.threads:
            t.join(timeout=5)
        self.udp.close()
        self.tcp.close()


def ask(addr, qname, qtype, timeout=5.0, tries=3):
    """A stub's query (RD, EDNS0, DO) to the resolver at addr; over TCP
    when the UDP answer is truncated."""
    for i in range(tries):
        q = dns.message.make_query(qname, qtype, want_dnssec=True,
                                   payload=1232)
        try:
            r = dns.query.udp(q, addr, timeout=timeout)
            if r.flags & dns.flags.TC:
                r = dns.query.tcp(q, addr, timeout=timeout)
            return r
        except dns.exception.Timeout:
            if i == tries - 1:
                raise


def rrset(r, qname, qtype):
    for rs in r.answer:
        if (rs.name.to_text().lower() == qname.lower()
                and rs.rdtype == dns.rdatatype.from_text(qtype)):
            return rs
    return None


class Daemon:
    """onedot on addr with the hierarchy's trust anchor, root hints, a
    state directory, metrics and control socket, plus extra arguments."""

    def __init__(self, binary, ctl, hier, addr, workdir, extra=()):
        self.addr = addr
        self.ctl_path = ctl
        self.state = os.path.join(str(workdir), "state-" + addr)
        os.makedirs(self.state, mode=0o700, exist_ok=True)
        self.sock = os.path.join(self.state, "control.sock")
        args = ["--trust-anchor", hier.trust_anchor,
                "--state-dir", self.state,
                "--metrics", "%s@%d" % (addr, METRICS_PORT)] + list(extra)
        self.od = od.Onedot(binary, addr, workdir, hier.root_hints, args)

    def start(self):
        self.od.start()
        return self

    def stop(self):
        return self.od.stop()

    def log(self):
        return self.od.log()

    def ctl(self, *args):
        p = od.run([self.ctl_path, "-s", self.sock, "--json"] + list(args),
                   timeout=30)
        return p

    def js(self, *args):
        p = self.ctl(*args)
        assert p.returncode == 0, "%s: %s%s\n--- log ---\n%s" % (
            " ".join(args), p.stdout, p.stderr, self.log())
        d = json.loads(p.stdout)
        assert d["ok"] is True, d
        return d

    def status(self):
        return self.js("localroot", "status")

    def metrics(self):
        return lh.scrape(self.addr, METRICS_PORT)

    def metric(self, name, **labels):
        return self.metrics().get((name, frozenset(labels.items())))

    def wait(self, pred, what, timeout=WAIT):
        """Polls localroot status until pred(status) holds; returns that
        status. Fails with the last status and the log after timeout
        seconds."""
        deadline = time.monotonic() + timeout
        st = None
        while True:
            st = self.status()
            if pred(st):
                return st
            if time.monotonic() > deadline:
                pytest.fail("%s: not within %.0f s\nlast status: %s\n"
                            "--- log ---\n%s" % (what, timeout, st,
                                                 self.log()))
            time.sleep(0.2)


def wait_log(d, text, timeout=WAIT):
    """Waits until the daemon's log has text (a line may follow the state
    change it reports by a moment)."""
    deadline = time.monotonic() + timeout
    while text not in d.log():
        if time.monotonic() > deadline:
            pytest.fail("no %r in the log within %.0f s\n--- log ---\n%s"
                        % (text, timeout, d.log()))
        time.sleep(0.2)


def write_atomic(path, src):
    tmp = path + ".new"
    with open(src) as f, open(tmp, "w") as o:
        o.write(f.read())
    os.replace(tmp, path)


def config(path, source, state=None, refresh=None, margin=None):
    lines = ["localroot:", "  sources: [ \"file:%s\" ]" % source]
    if refresh is not None:
        lines.append("  refresh: %s" % refresh)
    if state is not None:
        lines.append('  state: "%s"' % state)
    if margin is not None:
        lines.append("  expire-margin: %ds" % margin)
    return od.write(path, "\n".join(lines) + "\n")


def check_state_metric(d, state):
    m = d.metrics()
    for s in STATES:
        v = m.get(("onedot_localroot_state", frozenset({("state", s)})))
        assert v == (1.0 if s == state else 0.0), (s, v, state)
    return m


def junk_names(n, seed):
    """n single-label names that are not in the hierarchy; their first
    characters spread over the whole namespace."""
    chars = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = []
    for i in range(n):
        a = chars[(i * 7 + seed) % len(chars)]
        out.append("%sq%dz%d-junk." % (a, i, seed))
    return out


def check_answer(r, qname, qtype, hier, where):
    """The correct, validated answer to a query of the hierarchy."""
    rc = dns.rcode.to_text(r.rcode())
    assert r.flags & dns.flags.AD, "%s %s: no AD (%s)\n%s" % (
        qname, qtype, where, r)
    label = qname.split(".")[-2] + "." if qname != "." else "."
    if qname.endswith("-junk."):
        assert rc == "NXDOMAIN", (qname, qtype, where, r)
        return
    assert rc == "NOERROR", (qname, qtype, where, r)
    if qname.startswith("www.") and qtype == "A":
        rs = rrset(r, qname, "A")
        assert rs is not None and [x.address for x in rs] == [
            "192.0.2.%d" % lh.WWW[label]], (where, r)
    elif qname.startswith("www.") and qtype == "TXT":
        rs = rrset(r, qname, "TXT")
        assert rs is not None and [x.strings for x in rs] == [
            (label.encode(),)], (where, r)
    elif qtype in ("SOA", "NS", "DS", "DNSKEY"):
        assert rrset(r, qname, qtype) is not None, (where, r)


def ask_all(addr, queries, hier, where):
    """Asks every query; each must be answered correctly with AD (and so
    none with SERVFAIL)."""
    for qname, qtype in queries:
        r = ask(addr, qname, qtype)
        assert r.rcode() != dns.rcode.SERVFAIL, (qname, qtype, where, r)
        check_answer(r, qname, qtype, hier, where)


def root_soa_serial(addr):
    r = ask(addr, ".", "SOA")
    assert r.rcode() == dns.rcode.NOERROR and r.flags & dns.flags.AD, r
    return rrset(r, ".", "SOA")[0].serial


# ---------------------------------------------------------------- (a)

def test_october_2023_chain(binary, ctl_path, root_up, tmp_path):
    hier = root_up
    addr = RESOLVER["chain"]
    n = 2100
    lifetime = 45  # of the copy's signatures, seconds from now
    # short TTLs: nothing from the copy outlives it in the cache by much
    src = os.path.join(str(tmp_path), "root.zone")
    soa = (1, 1, 14 * lh.DAY, 10)
    sig_exp = int(time.time()) + lifetime
    write_atomic(src, hier.root_copy(n, expiration=sig_exp, ttl=10, soa=soa))
    conf = config(os.path.join(str(tmp_path), "onedot.yaml"), src,
                  refresh="1s", margin=MARGIN)
    d = Daemon(binary, ctl_path, hier, addr, tmp_path, ["-c", conf])
    d.start()
    try:
        st = d.wait(lambda s: s["state"] == "fresh" and s["serial"] == n,
                    "first copy loaded")
        assert st["disabled"] is False
        assert st["records"] > 20, st
        assert src in (st["source"] or ""), st
        assert st["loads"] >= 1 and st["refreshes"] >= 1, st
        assert st["last_error"] is None and st["last_reason"] is None, st
        assert all(st["failures"][r] == 0 for r in REASONS), st
        assert st["expires"] == sig_exp - MARGIN, st
        assert st["sig_expires"] == sig_exp, st
        m = check_state_metric(d, "fresh")
        assert m[("onedot_localroot_serial", frozenset())] == n
        assert m[("onedot_localroot_disabled", frozenset())] == 0
        assert 0 < m[("onedot_localroot_expiry_seconds", frozenset())] \
            <= lifetime
        assert re.search(r'msg="localroot new copy" serial=%d ' % n,
                         d.log()), d.log()

        # answered from the copy, the root server not asked
        roots = hier.root_queries()
        ans = st["answers"]
        # the record type nobody knows, at the apex, served and validated
        r = ask(addr, ".", "TYPE%d" % lh.PRIVATE_TYPE)
        assert r.rcode() == dns.rcode.NOERROR and r.flags & dns.flags.AD, r
        rs = rrset(r, ".", "TYPE%d" % lh.PRIVATE_TYPE)
        assert rs is not None and rs[0].to_text() == lh.PRIVATE_RDATA, r
        assert root_soa_serial(addr) == n
        fresh_q = [("www.alpha.", "A"), ("www.alpha.", "TXT"),
                   ("alpha.", "DS"), ("nxa-junk.", "A")]
        ask_all(addr, fresh_q, hier, "fresh")
        st = d.status()
        assert st["answers"] > ans, st
        assert hier.root_queries() == roots, "the root server was asked"

        # new copies that fail verification: refused, the old one kept
        seen, allowed = [], set()
        for i, (tamper, reasons) in enumerate((
                ("digest", ("zonemd",)),
                ("signature", ("signature",)),
                ("truncate", ("parse", "fetch")))):
            before = st["failures"]
            write_atomic(src, hier.root_copy(n + 1 + i, expiration=sig_exp,
                                             ttl=10, soa=soa, tamper=tamper))
            d.js("localroot", "refresh")
            st = d.wait(lambda s: sum(s["failures"][r] for r in reasons)
                        > sum(before[r] for r in reasons),
                        "copy with a bad %s refused" % tamper)
            assert st["state"] == "stale", (tamper, st)
            assert st["serial"] == n, (tamper, st)
            assert st["last_reason"] in reasons, (tamper, st)
            assert st["last_error"], (tamper, st)
            # nothing else was counted as a failure (the loader may still
            # have retried an earlier bad copy in between)
            allowed.update(reasons)
            for r in REASONS:
                if r not in allowed:
                    assert st["failures"][r] == before[r], (tamper, r, st)
            m = check_state_metric(d, "stale")
            assert m[("onedot_localroot_serial", frozenset())] == n
            assert sum(m[("onedot_localroot_failures_total",
                          frozenset({("reason", r)}))]
                       for r in reasons) >= 1
            assert m.get(("onedot_localroot_last_error",
                          frozenset({("reason", st["last_reason"])}))) == 1
            seen.append(st["last_reason"])
            # the old copy still answers
            roots = hier.root_queries()
            r = ask(addr, ".", "SOA")
            assert rrset(r, ".", "SOA")[0].serial == n, r
            assert hier.root_queries() == roots
        log = d.log()
        assert "localroot refresh failed" in log, log
        assert re.search(r'msg="localroot copy is stale" serial=%d ' % n,
                         log), log
        for reason in seen:
            assert re.search(r'msg="localroot refresh failed".*reason=%s'
                             % reason, log), (reason, log)

        # the old copy's lifetime passes: expired, never used again
        wait_s = max(0, st["expires"] - int(time.time())) + WAIT
        st = d.wait(lambda s: s["state"] == "expired", "copy expired",
                    timeout=wait_s)
        assert st["serial"] == n, st
        wait_log(d, "localroot copy expired")
        assert re.search(r'msg="localroot copy expired, using the root '
                         r'servers" serial=%d' % n, d.log()), d.log()
        m = check_state_metric(d, "expired")
        assert m[("onedot_localroot_expiry_seconds", frozenset())] <= 0
        # nothing from the copy is left in the cache after its TTL
        time.sleep(11)
        ans = d.status()["answers"]
        roots = hier.root_queries()
        queries = [(".", "SOA"), (".", "DNSKEY"), (".", "NS")]
        for z in lh.TLDS:
            queries += [(z, "SOA"), (z, "DS"), (z, "NS"),
                        ("www." + z, "A"), ("www." + z, "TXT")]
        queries += [(x, "A") for x in junk_names(10, 3)]
        assert len(queries) >= 20
        ask_all(addr, queries, hier, "expired")
        assert root_soa_serial(addr) == lh.ROOT_SERIAL
        assert hier.root_queries() > roots, "the root server was not asked"
        st = d.status()
        assert st["answers"] == ans, st
        assert st["state"] == "expired", st
        m = d.metrics()
        assert m[("onedot_answers_total",
                  frozenset({("rcode", "SERVFAIL")}))] == 0
    finally:
        d.stop()


# ---------------------------------------------------------------- (b)

def test_restart_with_good_saved_copy(binary, ctl_path, root_up, tmp_path):
    hier = root_up
    addr = RESOLVER["restart-good"]
    n = 3100
    src = os.path.join(str(tmp_path), "root.zone")
    write_atomic(src, hier.root_copy(n))
    d = Daemon(binary, ctl_path, hier, addr, tmp_path,
               ["--localroot", "file:" + src])
    d.start()
    try:
        d.wait(lambda s: s["state"] == "fresh" and s["serial"] == n,
               "copy loaded")
    finally:
        assert d.stop() == 0
    saved = os.path.join(d.state, "localroot.zone")
    with open(saved) as f:
        first = f.readline()
    m = HEADER.match(first)
    assert m, first
    assert int(m.group(3)) == n and src in m.group(2), first
    assert abs(int(m.group(1)) - time.time()) < 300, first

    # no root server (a listener that answers nothing in its place), no
    # source: the saved copy is all there is
    os.rename(src, src + ".gone")
    hier.stop_root()
    sink = Sink(hier.root_addr)
    try:
        d.start()
        st = d.status()
        assert st["serial"] == n and st["records"] > 20, st
        assert st["state"] in ("fresh", "stale"), st
        queries = [("www.alpha.", "A"), ("www.beta.", "TXT"),
                   ("gamma.", "DS"), ("www.gamma.", "A")]
        queries += [(x, "A") for x in junk_names(5, 11)]
        ask_all(addr, queries, hier, "saved copy")
        assert root_soa_serial(addr) == n
        st = d.status()
        assert st["answers"] > 0, st
        assert st["serial"] == n, st
        if st["state"] == "stale":
            # only the refresh failed (the source is gone)
            assert st["last_reason"] == "fetch", st
        assert sink.got == [], sink.got
    finally:
        d.stop()
        sink.close()


# ---------------------------------------------------------------- (c)

@pytest.mark.parametrize("how", ["soa-expire", "signatures"])
def test_restart_with_expired_saved_copy(binary, ctl_path, root_up, tmp_path,
                                         how):
    hier = root_up
    addr = RESOLVER["restart-expired-" + ("soa" if how == "soa-expire"
                                          else "sig")]
    n = 3200 if how == "soa-expire" else 3300
    src = os.path.join(str(tmp_path), "root.zone")
    conf = config(os.path.join(str(tmp_path), "onedot.yaml"), src,
                  margin=MARGIN)
    if how == "soa-expire":
        # SOA expire one hour; the saved refresh time is moved two back
        sig_exp = int(time.time()) + 30 * lh.DAY
        write_atomic(src, hier.root_copy(n, soa=(3600, 600, 3600, 60)))
    else:
        # the signatures end soon after the start
        sig_exp = int(time.time()) + MARGIN + 20
        write_atomic(src, hier.root_copy(n, expiration=sig_exp))
    d = Daemon(binary, ctl_path, hier, addr, tmp_path, ["-c", conf])
    d.start()
    try:
        d.wait(lambda s: s["state"] == "fresh" and s["serial"] == n,
               "copy loaded")
    finally:
        assert d.stop() == 0
    os.rename(src, src + ".gone")
    saved = os.path.join(d.state, "localroot.zone")
    if how == "soa-expire":
        with open(saved) as f:
            lines = f.read().split("\n")
        m = HEADER.match(lines[0])
        assert m, lines[0]
        lines[0] = "; onedot-localroot refreshed=%d source=%s serial=%s" % (
            int(time.time()) - 7200, m.group(2), m.group(3))
        od.write(saved, "\n".join(lines))
    else:
        # stopped until the copy's lifetime is over
        while time.time() < sig_exp - MARGIN + 1:
            time.sleep(0.5)
    d.start()
    try:
        st = d.status()
        # the saved copy was read, verified and found past its lifetime
        # (a missing or unreadable file would leave "none")
        assert st["state"] == "expired", st
        assert st["serial"] is not None, st
        roots = hier.root_queries()
        queries = [("www.alpha.", "A"), ("www.beta.", "TXT"),
                   ("gamma.", "DS")]
        queries += [(x, "A") for x in junk_names(5, 13)]
        ask_all(addr, queries, hier, "expired saved copy")
        assert root_soa_serial(addr) == lh.ROOT_SERIAL
        assert hier.root_queries() > roots
        st = d.status()
        assert st["answers"] == 0, st
        assert st["state"] in ("none", "expired"), st
        check_state_metric(d, st["state"])
    finally:
        d.stop()


# ---------------------------------------------------------------- (d)

def test_root_down_referrals_and_junk(binary, ctl_path, root_up, tmp_path):
    hier = root_up
    addr = RESOLVER["root-down"]
    n = 3400
    src = os.path.join(str(tmp_path), "root.zone")
    write_atomic(src, hier.root_copy(n))
    d = Daemon(binary, ctl_path, hier, addr, tmp_path,
               ["--localroot", "file:" + src])
    # a first run saves the copy, so that the second one has it from its
    # start on (without one, the resolver's first queries go to the root
    # servers until the loader has read the source)
    d.start()
    try:
        d.wait(lambda s: s["state"] == "fresh" and s["serial"] == n,
               "copy loaded")
    finally:
        assert d.stop() == 0
    hier.stop_root()
    sink = Sink(hier.root_addr)
    try:
        d.start()
        st = d.wait(lambda s: s["state"] == "fresh" and s["serial"] == n,
                    "copy loaded")
        # TLD referrals from the copy
        ask_all(addr, [("www.beta.", "A"), ("www.alpha.", "TXT"),
                       ("gamma.", "NS"), ("beta.", "DS")], hier, "root down")
        ans = d.status()["answers"]
        assert ans > st["answers"]
        junk = junk_names(30, 5)
        ask_all(addr, [(x, "A") for x in junk], hier, "junk, root down")
        st = d.status()
        # a few answers from the copy give the NSEC records that prove the
        # rest (aggressive NSEC on the copy's answers)
        assert st["answers"] - ans < len(junk) // 2, st
        # no query ever went to the root
        assert sink.got == [], sink.got
        m = d.metrics()
        for name in ("onedot_upstream_rtt_seconds_count",
                     "onedot_upstream_exchange_timeouts_total"):
            assert m[(name, frozenset({("class", "root")}))] == 0, name
        assert m[("onedot_answers_total",
                  frozenset({("rcode", "SERVFAIL")}))] == 0
    finally:
        d.stop()
        sink.close()


# ---------------------------------------------------------------- (e)

def test_disable_enable(binary, ctl_path, root_up, tmp_path):
    hier = root_up
    addr = RESOLVER["disable"]
    n = 3500
    src = os.path.join(str(tmp_path), "root.zone")
    write_atomic(src, hier.root_copy(n))
    d = Daemon(binary, ctl_path, hier, addr, tmp_path,
               ["--localroot", "file:" + src])
    d.start()
    try:
        d.wait(lambda s: s["state"] == "fresh" and s["serial"] == n,
               "copy loaded")

        def step(queries, where):
            ans, roots = d.status()["answers"], hier.root_queries()
            ask_all(addr, queries, hier, where)
            return d.status()["answers"] - ans, hier.root_queries() - roots

        got, roots = step([("www.alpha.", "A"), ("zzjunk1-junk.", "A")],
                          "enabled")
        assert got > 0 and roots == 0, (got, roots)

        assert d.js("localroot", "disable")["disabled"] is True
        assert d.status()["disabled"] is True
        assert d.metric("onedot_localroot_disabled") == 1
        got, roots = step([("www.beta.", "A"), ("beta.", "DS")], "disabled")
        assert got == 0 and roots > 0, (got, roots)
        # what the copy left in the cache is gone too: a junk TLD and a
        # DS set it answered before are asked of the root server now
        got, roots = step([("zzjunk1-junk.", "A")], "disabled")
        assert got == 0 and roots > 0, (got, roots)
        got, roots = step([("alpha.", "DS")], "disabled")
        assert got == 0 and roots > 0, (got, roots)
        # disabled is not a state of the copy
        assert d.status()["state"] == "fresh"

        assert d.js("localroot", "enable")["disabled"] is False
        assert d.metric("onedot_localroot_disabled") == 0
        got, roots = step([("www.gamma.", "A"), ("gamma.", "DS")], "enabled")
        assert got > 0 and roots == 0, (got, roots)
    finally:
        d.stop()


# ---------------------------------------------------------------- (f)

def test_not_configured(binary, ctl_path, root_up, tmp_path):
    d = Daemon(binary, ctl_path, root_up, RESOLVER["none"], tmp_path)
    d.start()
    try:
        for sub in ("status", "refresh", "disable", "enable"):
            p = d.ctl("localroot", sub)
            assert p.returncode == 1, (sub, p.stdout, p.stderr)
            r = json.loads(p.stdout)
            assert r["ok"] is False
            assert "local root is not configured" in p.stdout, p.stdout
        m = d.metrics()
        assert not [k for k in m if k[0].startswith("onedot_localroot")]
        ask_all(RESOLVER["none"], [("www.alpha.", "A")], root_up, "none")
    finally:
        d.stop()
