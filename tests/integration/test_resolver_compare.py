# SPDX-License-Identifier: MIT
"""The onedot resolver next to Unbound and Knot Resolver, on the private
hierarchy of hierarchy.py (127.10.0.0/16; see that module for the map).

Resolvers, each on its own address, port 53, all with the same root hints
and no DNSSEC validation:

  Unbound 127.10.250.1, kresd 127.10.250.2, onedot 127.10.250.3.

test. is a special-use name (RFC 6761 6.2: resolvers answer NXDOMAIN for
it by default and SHOULD offer an option to resolve it): Unbound gets
`local-zone: "test." nodefault`, kresd a PASS rule for test.; onedot is
expected to resolve it as any other name.

Every query of CORPUS goes to every resolver (all at once: the timeouts
behind the misbehaving servers overlap), the way a stub asks: EDNS0, RD,
a new query after 5 s of silence, 4 tries; no answer at all is recorded
as TIMEOUT. Each response must have RA=1, AA=0, TC=0 and TTLs no larger
than the zone's. The responses are normalised (Result) and compared: the
rcode, the answer section as a set of records (TTLs left out), and for
negative answers (NXDOMAIN, or NOERROR without a record of the asked type)
the owners of the SOA records in the authority section. For cases of kind
"fail" (every server of the zone is dead or broken) SERVFAIL and TIMEOUT
are the same outcome: RFC 1034 5.3.1 leaves it to the resolver when to
give up, and Unbound keeps trying past the stub's patience.

First Unbound against kresd, which proves the harness and the hierarchy
(each case also states the rcode it must get); where the two legitimately
differ the case is listed in PEER_DIFFS with the RFC that decides. Then
onedot must agree with at least one of them (or the RFC's result) on
every case. After the corpus (which has offered the poison of poison.test.
and evil.test. many times), www.example. A (kept out of the corpus) must
resolve to its real address on every resolver.

When the onedot daemon is not built its tests fail (they do not skip);
the Unbound and kresd tests run on their own.
"""

import socket
import struct
from concurrent.futures import ThreadPoolExecutor

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

import auth_peers
import hierarchy as H

BASE = "127.10"
UNBOUND_ADDR = BASE + ".250.1"
KRESD_ADDR = BASE + ".250.2"
ONEDOT_ADDR = BASE + ".250.3"
REAL_WWW_EXAMPLE = "192.0.2.10"


class Case:
    def __init__(self, qname, qtype, rcode, kind=None, answer=None):
        self.qname = qname
        self.qtype = qtype
        self.rcode = rcode      # the rcode it must get ("FAIL": fail kind)
        self.kind = kind        # None or "fail"
        self.answer = answer    # optional: records it must hold (no TTL)

    @property
    def id(self):
        return "%s/%s" % (self.qname, self.qtype)


C = Case
FAIL = "FAIL"
CORPUS = [
    # the root and the TLDs
    C("nosuchtld.", "A", "NXDOMAIN"),
    C("test.", "SOA", "NOERROR"),
    C("test.", "MX", "NOERROR", answer=["test. MX 10 mx.mail.example."]),
    C("example.", "TXT", "NOERROR"),
    C("example.", "MX", "NOERROR"),
    C("onedot.", "NS", "NOERROR"),
    # plain names on each kind of server, each type
    C("www.test.", "A", "NOERROR", answer=["www.test. A 192.0.2.1"]),
    C("www.test.", "AAAA", "NOERROR"),
    C("www.test.", "TXT", "NOERROR"),
    C("www.test.", "MX", "NOERROR"),                        # NODATA
    C("www.example.", "AAAA", "NOERROR"),
    C("www.example.", "TXT", "NOERROR"),                    # NODATA
    C("txt.onedot.", "TXT", "NOERROR"),
    C("www.shop.test.", "A", "NOERROR"),
    C("www.shop.test.", "MX", "NOERROR"),
    C("www.shop.test.", "TXT", "NOERROR"),
    C("www.shop.test.", "AAAA", "NOERROR"),                 # NODATA
    C("mx.mail.example.", "A", "NOERROR"),
    C("mx.mail.example.", "AAAA", "NOERROR"),
    C("mail.example.", "MX", "NOERROR"),
    C("www.onedot.", "A", "NOERROR"),
    C("host.www.onedot.", "A", "NOERROR"),
    C("host.www.onedot.", "AAAA", "NOERROR"),
    C("host.www.onedot.", "TXT", "NOERROR"),                # NODATA
    # NXDOMAIN in each zone
    C("nope.test.", "A", "NXDOMAIN"),
    C("nope.example.", "AAAA", "NXDOMAIN"),
    C("nope.onedot.", "A", "NXDOMAIN"),
    C("nope.shop.test.", "A", "NXDOMAIN"),
    C("nope.mail.example.", "MX", "NXDOMAIN"),
    C("nope.www.onedot.", "A", "NXDOMAIN"),
    # CNAME chain through three zones on three servers; CNAME to NXDOMAIN
    C("start.onedot.", "A", "NOERROR", answer=[
        "start.onedot. CNAME next.mail.example.",
        "next.mail.example. CNAME www.shop.test.",
        "www.shop.test. A 192.0.2.20"]),
    C("start.onedot.", "AAAA", "NOERROR"),
    C("alias.example.", "A", "NOERROR"),
    C("nxalias.example.", "A", "NXDOMAIN"),                # RFC 6604
    # DNAME (RFC 6672)
    C("host.old.example.", "A", "NOERROR", answer=[
        "old.example. DNAME www.onedot.",
        "host.old.example. CNAME host.www.onedot.",
        "host.www.onedot. A 192.0.2.41"]),
    C("host.old.example.", "AAAA", "NOERROR"),
    C("nope.old.example.", "A", "NXDOMAIN"),
    # wildcards (RFC 4592), on NSD and on onedot-auth
    C("anything.wild.test.", "A", "NOERROR",
      answer=["anything.wild.test. A 192.0.2.2"]),
    C("a.b.wild.test.", "TXT", "NOERROR"),
    C("anything.wild.test.", "AAAA", "NOERROR"),            # NODATA
    C("x.cdn.shop.test.", "A", "NOERROR"),
    # behind a dead server (ns1 silent, ns2 works)
    C("www.dead.test.", "A", "NOERROR",
      answer=["www.dead.test. A 192.0.2.100"]),
    C("www.dead.test.", "TXT", "NOERROR"),
    # each misbehaving zone
    C("www.silent.test.", "A", FAIL, kind="fail"),
    C("www.refused.test.", "A", "NOERROR"),
    C("www.servfail.test.", "A", "NOERROR"),
    C("www.lame.test.", "A", "NOERROR"),
    C("www.allbad.test.", "A", FAIL, kind="fail"),
    C("www.tc.test.", "A", "NOERROR"),
    C("www.tc.test.", "TXT", "NOERROR"),
    C("nope.tc.test.", "A", "NXDOMAIN"),
    C("www.noedns.test.", "A", "NOERROR"),
    C("www.noedns.test.", "AAAA", "NOERROR"),               # NODATA
    C("www.wrongid.test.", "A", "NOERROR"),
    C("www.wrongaddr.test.", "A", "NOERROR"),
    C("www.poison.test.", "MX", "NOERROR"),
    C("www.poison.test.", "A", "NOERROR"),
    C("www.evil.test.", "MX", "NOERROR"),
    C("www.evil.test.", "TXT", "NOERROR"),
]

# (case id) -> (reason with the RFC, the Result.key() the RFC decides or
# None when either is right): where Unbound and kresd legitimately differ.
# Empty: on this corpus Unbound 1.17 and kresd 5.6 agree everywhere.
PEER_DIFFS = {}

# (case id) -> reason: where onedot differs from both and the RFC allows it.
ONEDOT_EXCEPTIONS = {}


# ---------------------------------------------------------------- results

class Result:
    """A resolver's response (or its absence) in comparable form."""

    def __init__(self, case, msg=None, error=None):
        self.case = case
        self.msg = msg
        self.error = error
        if msg is None:
            self.rcode = "TIMEOUT" if error is None else "ERROR"
            self.answer = frozenset()
            self.neg_soa = frozenset()
            self.ttls = []
            self.negative = False
            return
        self.rcode = dns.rcode.to_text(msg.rcode())
        ans, ttls = set(), []
        for rrset in msg.answer:
            owner = rrset.name.to_text().lower()
            rtype = dns.rdatatype.to_text(rrset.rdtype)
            for rd in rrset:
                ans.add("%s %s %s" % (owner, rtype, rd.to_text().lower()))
            ttls.append((owner, rtype, rrset.ttl))
        self.answer = frozenset(ans)
        self.ttls = ttls
        qtype = dns.rdatatype.to_text(dns.rdatatype.from_text(case.qtype))
        negative = self.rcode == "NXDOMAIN" or not any(
            x.split(" ")[1] == qtype for x in ans)
        self.negative = negative and self.rcode in ("NOERROR", "NXDOMAIN")
        self.neg_soa = frozenset(
            rrset.name.to_text().lower() for rrset in msg.authority
            if rrset.rdtype == dns.rdatatype.SOA) if negative else frozenset()

    @property
    def outcome(self):
        """The rcode as compared: SERVFAIL and TIMEOUT are one for the
        cases of kind "fail"."""
        if self.case.kind == "fail" and self.rcode in ("SERVFAIL",
                                                       "TIMEOUT"):
            return FAIL
        return self.rcode

    def key(self):
        if self.outcome == FAIL:
            return (FAIL,)
        return (self.outcome, self.answer, self.neg_soa)

    def flag_problems(self, records):
        """What is wrong with the response on its own: RA, AA, TC, TTLs
        above the zone's."""
        out = []
        if self.msg is None:
            return out
        f = self.msg.flags
        if not f & dns.flags.RA:
            out.append("RA is not set")
        if f & dns.flags.AA:
            out.append("AA is set in a resolver's answer")
        if f & dns.flags.TC:
            out.append("TC is set (the answer fits in 1232 octets)")
        if self.negative and not self.neg_soa:
            # RFC 2308 3 and 5: the SOA goes with a negative answer, it
            # carries the negative TTL
            out.append("negative answer without the SOA in the authority")
        top = max(records.values())
        for owner, rtype, ttl in self.ttls:
            limit = records.get((owner, rtype), top)
            if ttl > limit:
                out.append("TTL %d of %s %s above the zone's %d"
                           % (ttl, owner, rtype, limit))
        return out

    def text(self):
        if self.msg is None:
            return self.rcode + (" (%s)" % self.error if self.error else "")
        return "%s answer=%s neg_soa=%s" % (self.rcode, sorted(self.answer),
                                            sorted(self.neg_soa))


def _norm_line(text):
    """'owner TYPE rdata' as Result keeps it (owner and rdata lowercase)."""
    owner, rtype, rdata = text.split(None, 2)
    return "%s %s %s" % (owner.lower(), rtype.upper(),
                         " ".join(rdata.split()).lower())


def ask(addr, case):
    try:
        return Result(case, H.resolve(addr, case.qname, case.qtype))
    except dns.exception.Timeout:
        return Result(case)
    except (OSError, dns.exception.DNSException) as e:
        return Result(case, error="%s: %s" % (e.__class__.__name__, e))


# ---------------------------------------------------------------- fixtures

def _onedot_auth():
    if not auth_peers.build_dir():
        pytest.skip("ONEDOT_BUILD_DIR is not set (run through ctest)")
    path = auth_peers.onedot_auth_path()
    if path is None:
        pytest.fail("onedot-auth is not built under %s: the hierarchy "
                    "needs it" % auth_peers.build_dir())
    return path


@pytest.fixture(scope="module")
def hier():
    for t in ("nsd", "knotd", "unbound", "kresd"):
        if auth_peers.tool(t) is None:
            pytest.skip("%s is not installed" % t)
    with H.Hierarchy(base=BASE, onedot_auth=_onedot_auth()) as h:
        yield h


@pytest.fixture(scope="module")
def resolvers(hier):
    """{name: address} of the resolvers that started; onedot's entry is an
    error message when it is missing or did not start."""
    started, out = [], {}
    try:
        for cls, addr in ((H.Unbound, UNBOUND_ADDR), (H.Kresd, KRESD_ADDR)):
            started.append(cls(hier, addr).start())
            out[cls.name] = addr
        binary = H.onedot_path(auth_peers.build_dir())
        if binary is None:
            out["onedot"] = ("the onedot daemon is not built (%s/src/daemon/"
                             "onedot)" % auth_peers.build_dir())
        else:
            try:
                started.append(H.Onedot(binary, hier, ONEDOT_ADDR).start())
                out["onedot"] = ONEDOT_ADDR
            except H.StartError as e:
                out["onedot"] = str(e)
        yield out
    finally:
        for r in reversed(started):
            r.stop()


@pytest.fixture(scope="module")
def results(resolvers):
    """{resolver name: {case id: Result}} for the whole corpus, all
    queries in flight at once."""
    targets = [(n, a) for n, a in resolvers.items()
               if a in (UNBOUND_ADDR, KRESD_ADDR, ONEDOT_ADDR)]
    jobs = [(n, a, c) for n, a in targets for c in CORPUS]
    with ThreadPoolExecutor(max_workers=len(jobs)) as ex:
        done = list(ex.map(lambda j: (j[0], j[2].id, ask(j[1], j[2])), jobs))
    out = {n: {} for n, _ in targets}
    for n, cid, r in done:
        out[n][cid] = r
    return out


@pytest.fixture(scope="module")
def onedot_addr(resolvers):
    a = resolvers["onedot"]
    if a != ONEDOT_ADDR:
        pytest.fail(a)
    return a


# ---------------------------------------------------------------- tests

def _recv(sock, timeout):
    sock.settimeout(timeout)
    try:
        return sock.recvfrom(65535)
    except socket.timeout:
        return None, None


def test_misbehaving_servers_misbehave(hier):
    """The misbehaving servers do what hierarchy.py says (asked directly,
    no resolver in between)."""
    a = hier.a
    q = lambda addr, name, t, **kw: auth_peers.query(  # noqa: E731
        addr, name, t, timeout=1.0, **kw)
    with pytest.raises(dns.exception.Timeout):
        q(a(5, 1), "www.dead.test.", "A")
    for addr, rcode in ((a(5, 3), dns.rcode.REFUSED),
                        (a(5, 4), dns.rcode.SERVFAIL)):
        assert q(addr, "www.allbad.test.", "A").rcode() == rcode
    r = q(a(5, 5), "www.lame.test.", "A")
    assert not r.flags & dns.flags.AA and not r.answer
    assert [x.name.to_text() for x in r.authority] == ["."]
    r = q(a(5, 6), "www.tc.test.", "A")
    assert r.flags & dns.flags.TC and not r.answer
    r = q(a(5, 6), "www.tc.test.", "A", tcp=True)
    assert not r.flags & dns.flags.TC and r.answer
    r = q(a(5, 7), "www.noedns.test.", "A")
    assert r.rcode() == dns.rcode.FORMERR and r.edns < 0
    r = q(a(5, 7), "www.noedns.test.", "A", edns=None)
    assert r.rcode() == dns.rcode.NOERROR and r.answer
    r = q(a(5, 10), "www.poison.test.", "MX")
    assert r.answer and any(x.name.to_text() == "www.example."
                            for x in r.additional)
    # wrong ID and wrong source: raw sockets, the replies are still sent
    for addr, check in ((a(5, 8), "id"), (a(5, 9), "addr")):
        m = dns.message.make_query("www.wrongid.test." if check == "id"
                                   else "www.wrongaddr.test.", "A")
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.sendto(m.to_wire(), (addr, 53))
            wire, peer = _recv(s, 2.0)
        finally:
            s.close()
        assert wire is not None, "no reply from %s" % addr
        rid = struct.unpack("!H", wire[:2])[0]
        if check == "id":
            assert rid != m.id and peer[0] == addr
        else:
            assert rid == m.id and peer[0] == a(6, 9)


@pytest.mark.parametrize("case", CORPUS, ids=lambda c: c.id)
def test_unbound_vs_kresd(hier, results, case):
    records = hier.records()
    u, k = results["unbound"][case.id], results["kresd"][case.id]
    problems = []
    for name, r in (("unbound", u), ("kresd", k)):
        problems += ["%s: %s" % (name, p) for p in r.flag_problems(records)]
        if r.outcome != case.rcode:
            problems.append("%s: rcode %s, the case wants %s"
                            % (name, r.outcome, case.rcode))
        if case.answer:
            want = {_norm_line(x) for x in case.answer}
            if set(r.answer) != want:
                problems.append("%s: answer %s, the case wants %s"
                                % (name, sorted(r.answer), sorted(want)))
    if u.key() != k.key() and case.id not in PEER_DIFFS:
        problems.append("unbound and kresd differ:\n  unbound: %s\n"
                        "  kresd:   %s" % (u.text(), k.text()))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("case", CORPUS, ids=lambda c: c.id)
def test_onedot_vs_peers(hier, results, onedot_addr, case):
    records = hier.records()
    o = results["onedot"][case.id]
    u, k = results["unbound"][case.id], results["kresd"][case.id]
    problems = ["onedot: %s" % p for p in o.flag_problems(records)]
    ok = o.key() in (u.key(), k.key())
    rfc = PEER_DIFFS.get(case.id, (None, None))[1]
    if not ok and rfc is not None:
        ok = o.key() == rfc
    if not ok and case.id not in ONEDOT_EXCEPTIONS:
        problems.append("onedot agrees with neither:\n  onedot:  %s\n"
                        "  unbound: %s\n  kresd:   %s"
                        % (o.text(), u.text(), k.text()))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", ["unbound", "kresd", "onedot"])
def test_poison_not_taken(results, resolvers, name):
    """RFC 2181 5.4.1 and the bailiwick rule: a server for poison.test.
    and evil.test. cannot supply www.example.'s address. The corpus asked
    their names already; ask once more, then www.example. A."""
    addr = resolvers[name]
    if addr not in (UNBOUND_ADDR, KRESD_ADDR, ONEDOT_ADDR):
        pytest.fail(addr)
    for qname, qtype in (("www.poison.test.", "MX"),
                         ("www.evil.test.", "MX")):
        r = H.resolve(addr, qname, qtype)
        assert r.rcode() == dns.rcode.NOERROR
    r = H.resolve(addr, "www.example.", "A")
    got = sorted(rd.address for rrset in r.answer for rd in rrset
                 if rrset.rdtype == dns.rdatatype.A)
    assert got == [REAL_WWW_EXAMPLE], (
        "%s: www.example. A is %s (poison %s, real %s)"
        % (name, got, H.POISON_ADDR, REAL_WWW_EXAMPLE))


def test_cache_answers_again(results, resolvers):
    """A second round of a few names gets the same answers (from the
    cache) on every resolver that runs."""
    picked = [c for c in CORPUS if c.answer]
    for name, addr in resolvers.items():
        if addr not in (UNBOUND_ADDR, KRESD_ADDR, ONEDOT_ADDR):
            continue
        for c in picked:
            again = ask(addr, c)
            first = results[name][c.id]
            assert again.key() == first.key(), (
                "%s %s: first %s, then %s"
                % (name, c.id, first.text(), again.text()))

