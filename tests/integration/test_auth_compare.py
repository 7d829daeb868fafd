# SPDX-License-Identifier: MIT
"""onedot-auth next to NSD and Knot DNS, record for record.

The three servers load the same zone files (tests/integration/zones/auth;
the signed zones are signed at test time with ldns-keygen/ldns-signzone in
a temporary folder, NSEC and NSEC3 with 0 iterations and an empty salt)
and each listens on its own loopback address, port 53:

  NSD 127.2.0.1, Knot DNS 127.2.0.2, onedot-auth 127.2.0.3.

Every query of the corpus (qname, qtype, DO bit, EDNS version, transport)
goes to all three. The responses are normalised and compared by
auth_peers.compare() (rcode, AA, TC, answer section exactly, authority
section exactly for negative answers and referrals, glue for referrals;
TTLs kept). First NSD against Knot DNS, which proves the harness: where
these two legitimately differ the case is listed in PEER_DIFFS with the
reason. Then onedot-auth must match at least one of them on every query,
unless listed in ONEDOT_EXCEPTIONS. Some checks apply to onedot-auth alone
(REFUSED outside its zones, one RRset for ANY over UDP, the question's
case echoed, BADVERS).

Observed on NSD 4.6 and Knot DNS 3.2 (asserted by test_nsd_vs_knot so that
the corpus tests what it claims): both answer REFUSED (AA clear) for names
outside their zones, BADVERS to an EDNS version 1 query, TC=1 with an empty
answer when the RRset does not fit in 512 octets without EDNS, YXDOMAIN
when a DNAME substitution would pass 255 octets; both answer ANY with one
RRset (plus its RRSIG); for QTYPE=RRSIG NSD returns every RRSIG at the
name, Knot DNS one (see auth_peers.compare, mode "rrsig").

When onedot-auth is not built, its tests fail (they do not skip); the NSD
and Knot DNS tests run on their own.
"""

import os

import pytest

import auth_peers as ap

NSD_ADDR = "127.2.0.1"
KNOT_ADDR = "127.2.0.2"
ONEDOT_ADDR = "127.2.0.3"

Z = ap.ZONES


class Case:
    """One query of the corpus."""

    def __init__(self, qname, qtype, do=False, edns=0, tcp=False,
                 kind=None, payload=1232):
        self.qname = qname
        self.payload = payload
        self.qtype = qtype
        self.do = do
        self.edns = edns
        self.tcp = tcp
        self.kind = kind        # "outside", "any", "rrsig", "badvers", "tc"

    @property
    def id(self):
        s = "%s/%s" % (self.qname, self.qtype)
        if self.do:
            s += "+do"
        if self.edns is None:
            s += "+noedns"
        elif self.edns:
            s += "+edns%d" % self.edns
        if self.tcp:
            s += "+tcp"
        if self.payload != 1232:
            s += "+bufsize%d" % self.payload
        return s

    def ask(self, addr):
        return ap.Norm(ap.query(addr, self.qname, self.qtype, do=self.do,
                                edns=self.edns, tcp=self.tcp,
                                payload=self.payload))


def _common(o, do, signed):
    """Queries for a zone made from the example.com. content at origin o."""
    c = []

    def q(name, qtype, **kw):
        kw.setdefault("do", do)
        c.append(Case(name + o if name else o, qtype, **kw))

    for t in ("SOA", "NS", "A", "AAAA", "MX", "TXT", "DNSKEY"):
        q("", t)
    q("", "SOA", do=not do)
    # existing names, each type, and NODATA
    for t in ("A", "AAAA", "MX"):
        q("www.", t)
    q("mail.", "TXT")
    q("mail.", "A")
    q("ns1.", "A")
    q("ns1.", "AAAA")
    q("ns2.", "AAAA")
    # NXDOMAIN
    q("nothere.", "A")
    q("deep.nothere.", "TXT")
    q("zzzz.", "A")
    # empty non-terminal and the name below it
    q("ent.", "A")
    q("ent.", "TXT")
    q("host.ent.", "A")
    q("x.ent.", "A")
    q("we\\.ird.", "A")
    q("www.", "DNSKEY")
    q("HoSt.SuB.", "A")
    # CNAME chain in the zone, CNAME leaving it, CNAME to nothing
    q("alias1.", "A")
    q("alias1.", "AAAA")
    q("alias1.", "CNAME")
    q("alias2.", "A")
    q("outside.", "A")
    q("dangling.", "A")
    # delegation with glue: referrals, the cut itself, glue names, DS
    q("sub.", "NS")
    q("sub.", "A")
    q("host.sub.", "A")
    q("ns1.sub.", "A")
    q("ns2.sub.", "AAAA")
    q("sub.", "DS")
    q("sub.", "DS", do=not do)
    # delegation with out-of-zone name servers
    q("host.ext.", "A")
    q("ext.", "DS")
    # qtype RRSIG
    q("www.", "RRSIG", kind="rrsig")
    # ANY: only the rcode is compared
    q("", "ANY", kind="any")
    q("www.", "ANY", kind="any")
    q("nothere.", "ANY", kind="any")
    q("www.", "ANY", kind="any", tcp=True)
    # 0x20: mixed case qname, the question must come back as sent
    q("WwW.", "A")
    c.append(Case("wWw." + o.upper(), "AAAA", do=do))
    c.append(Case(o.upper(), "SOA", do=do))
    # answer larger than 512 octets: TC without EDNS, full over TCP
    q("big.", "TXT", edns=None, do=False, kind="tc")
    q("big.", "TXT", edns=None, do=False, tcp=True)
    q("big.", "TXT")
    q("big.", "TXT", tcp=True)
    # EDNS version 1
    q("", "SOA", edns=1, do=False, kind="badvers")
    q("www.", "A", edns=1, do=False, kind="badvers")
    if signed:
        q("secure.", "DS")
        q("secure.", "DS", do=False)
        q("host.secure.", "A")
        q("secure.", "NS")
        q("ns.secure.", "A")
        q("a.wild.", "A")
        q("a.wild.", "TXT")
        q("b.a.wild.", "A")
        q("a.wild.", "MX")
        q("wild.", "A")
        q("*.wild.", "A")
        q("dn.", "DNAME")
        q("x.dn.", "A")
        q("dn.", "A")
        q("", "NSEC3PARAM")
        q("", "DS")
        q("www.", "NSEC")
        q("host.sub.", "DS")
        q("towild.", "A")
        q("towild.", "MX")
        q("a.cw.", "A")
        q("a.cw.", "CNAME")
        q("www.", "TYPE65000")
        q("nothere.", "A", tcp=True)
        q("host.sub.", "A", tcp=True)
        # a signed denial larger than a 512-octet EDNS buffer
        q("nothere.", "A", payload=512)
        q("a.wild.", "MX", payload=512)
        q("a.wild.", "MX", tcp=True)
        q("", "RRSIG", kind="rrsig")
    return c


def _rfc4592(do):
    c = []
    for qname, qtype in (
            # answers synthesised from a wildcard (RFC 4592 2.2.1)
            ("host3.example.", "MX"),
            ("host3.example.", "A"),
            ("foo.bar.example.", "TXT"),
            # no synthesis
            ("host1.example.", "MX"),
            ("sub.*.example.", "MX"),
            ("_telnet._tcp.host1.example.", "SRV"),
            ("host.subdel.example.", "A"),
            ("ghost.*.example.", "MX"),
            # the other names of the zone
            ("*.example.", "TXT"),
            ("*.example.", "MX"),
            ("*.example.", "A"),
            ("sub.*.example.", "TXT"),
            ("host1.example.", "A"),
            ("_ssh._tcp.host1.example.", "SRV"),
            ("_ssh._tcp.host2.example.", "SRV"),
            ("_tcp.host2.example.", "SRV"),
            ("host2.example.", "A"),
            ("subdel.example.", "NS"),
            ("subdel.example.", "DS"),
            ("example.", "SOA"),
            ("example.", "NS"),
            ("HoSt3.ExAmple.", "MX")):
        c.append(Case(qname, qtype, do=do))
    return c


def _dname():
    c = []
    for qname, qtype in (
            ("frobozz.dname.test.", "DNAME"),
            ("frobozz.dname.test.", "TXT"),
            ("frobozz.dname.test.", "A"),
            ("frobozz.dname.test.", "CNAME"),
            ("www.frobozz.dname.test.", "A"),
            ("a.b.frobozz.dname.test.", "TXT"),
            ("www.inner.dname.test.", "A"),
            ("nothing.inner.dname.test.", "A"),
            ("www.cross.dname.test.", "A"),
            ("www.cross.dname.test.", "DNAME"),
            ("inner.dname.test.", "A"),
            ("target.dname.test.", "A"),
            ("WWW.Inner.Dname.Test.", "A")):
        c.append(Case(qname, qtype))
    # DNAME substitution overflowing 255 octets: YXDOMAIN (RFC 6672 2.2)
    # (241 octets before, 256 after)
    long_prefix = ".".join(["b" * 55] + ["a" * 54] * 3) + "."
    c.append(Case(long_prefix + "frobozz.dname.test.", "A"))
    # exactly 255 octets after substitution: still a name, NOERROR
    c.append(Case(".".join(["a" * 54] * 4) + ".frobozz.dname.test.", "A"))
    return c


def _wild(o):
    c = []
    for name, qtype in (
            ("", "SOA"), ("", "DNSKEY"),
            ("nothing.", "A"), ("nothing.", "TXT"), ("nothing.", "MX"),
            ("x.y.nothing.", "A"),
            ("host1.", "A"), ("host1.", "TXT"),
            ("x.host1.", "A"),
            ("a.deep.", "MX"), ("a.deep.", "A"), ("deep.", "MX"),
            ("*.", "A"), ("*.", "MX"), ("sub.*.", "TXT"), ("x.*.", "A"),
            ("b.c.", "A"), ("x.b.c.", "A"), ("a.b.c.", "A"),
            ("x.a.b.c.", "A")):
        c.append(Case(name + o, qtype, do=True))
    c.append(Case("nothing." + o, "A", do=False))
    return c


def _outside():
    c = []
    for qname, qtype in (("www.example.net.", "A"), ("com.", "SOA"),
                         (".", "NS"), ("test.", "SOA"),
                         ("example.org.", "A")):
        c.append(Case(qname, qtype, kind="outside"))
    return c


# (origin, source file or template, signing: None / "nsec" / "nsec3")
ZONE_SPECS = [
    ("example.com.", os.path.join(Z, "example.com.zone"), None),
    ("example.", os.path.join(Z, "example.zone"), None),
    ("dname.test.", os.path.join(Z, "dname.test.zone"), None),
    ("nsec.test.", os.path.join(Z, "signed.zone.in"), "nsec"),
    ("nsec3.test.", os.path.join(Z, "signed.zone.in"), "nsec3"),
    ("wild-nsec.test.", os.path.join(Z, "wild.zone.in"), "nsec"),
    ("wild-nsec3.test.", os.path.join(Z, "wild.zone.in"), "nsec3"),
]


def _corpus():
    c = []
    c += _common("example.com.", False, False)
    c += [x for x in _common("example.com.", True, False)
          if x.kind is None and x.edns == 0][:12]
    c += _rfc4592(False)
    c += _rfc4592(True)
    c += _dname()
    for o in ("nsec.test.", "nsec3.test."):
        c += _common(o, True, True)
    for o in ("wild-nsec.test.", "wild-nsec3.test."):
        c += _wild(o)
    c += _outside()
    seen = set()
    out = []
    for x in c:
        if x.id not in seen:
            seen.add(x.id)
            out.append(x)
    return out


CORPUS = _corpus()

# NSD vs Knot DNS: cases where the two legitimately differ. Key: case id;
# value: the reason (RFC). Such a case is then compared against each peer
# separately for onedot-auth (it must match one of them).
CROSS_ZONE = ("RFC 1034 4.3.2 step 3a: after a CNAME (here synthesised "
              "from a DNAME, RFC 6672 3.1) a server may go on with the "
              "target when it is authoritative for it; NSD follows into "
              "example.com. (another zone on the same server), Knot DNS "
              "stops at the zone's edge")
PEER_DIFFS = {
    "www.cross.dname.test./A": CROSS_ZONE,
    "www.cross.dname.test./DNAME": CROSS_ZONE,
    "*.wild-nsec3.test./MX+do":
        "QNAME is the wildcard owner itself: Knot DNS answers as a plain "
        "NODATA (RFC 5155 7.2.3, the NSEC3 matching QNAME), NSD as a "
        "wildcard NODATA (RFC 5155 7.2.5, adding the closest encloser "
        "proof); both prove the denial",
}

# onedot-auth: cases where it may differ from both peers, with the reason.
ONEDOT_EXCEPTIONS = {
}


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def zone_files(tmp_path_factory):
    """[(origin, path)] of all test zones, the signed ones signed now."""
    for t in ("ldns-keygen", "ldns-signzone"):
        if ap.tool(t) is None:
            pytest.skip("%s is not installed (Debian package ldnsutils)" % t)
    work = str(tmp_path_factory.mktemp("auth-zones"))
    out = []
    for origin, src, how in ZONE_SPECS:
        if how is None:
            out.append((origin, src))
        else:
            out.append((origin, ap.sign_zone(src, origin, work,
                                              nsec3=(how == "nsec3"))))
    return out


def _start(server):
    if not ap.port_free(server.addr, server.port):
        pytest.fail("%s@%d is already in use: another run of this test, or "
                    "a server left over?" % (server.addr, server.port))
    try:
        return server.start()
    except ap.StartError as e:
        pytest.fail(str(e))


@pytest.fixture(scope="module")
def nsd(zone_files, tmp_path_factory):
    if ap.tool("nsd") is None or ap.tool("nsd-checkconf") is None:
        pytest.skip("nsd is not installed (Debian package nsd)")
    s = ap.Nsd(NSD_ADDR, zone_files,
               workdir=str(tmp_path_factory.mktemp("nsd")))
    try:
        yield _start(s)
    finally:
        s.stop()


@pytest.fixture(scope="module")
def knot(zone_files, tmp_path_factory):
    if ap.tool("knotd") is None:
        pytest.skip("knotd is not installed (Debian package knot)")
    s = ap.Knot(KNOT_ADDR, zone_files,
                workdir=str(tmp_path_factory.mktemp("knot")))
    try:
        yield _start(s)
    finally:
        s.stop()


@pytest.fixture(scope="module")
def onedot(zone_files, tmp_path_factory):
    if not ap.build_dir():
        pytest.fail("ONEDOT_BUILD_DIR is not set (run through ctest)")
    binary = ap.onedot_auth_path()
    if binary is None:
        pytest.fail("onedot-auth is not built at %s/src/auth/onedot-auth"
                    % ap.build_dir())
    s = ap.OnedotAuth(binary, ONEDOT_ADDR, zone_files,
                      workdir=str(tmp_path_factory.mktemp("onedot")))
    try:
        yield _start(s)
    finally:
        s.stop()


@pytest.fixture(scope="module")
def peer_answers(nsd, knot):
    """Cache of the peers' normalised answers: id -> (nsd, knot)."""
    return {}


def _peers(case, nsd, knot, cache):
    if case.id not in cache:
        cache[case.id] = (case.ask(nsd.addr), case.ask(knot.addr))
    return cache[case.id]


def _mode(case):
    return case.kind if case.kind in ("any", "rrsig") else None


def _show(label, n):
    return "--- %s ---\n%s" % (label, n.text())


# ---------------------------------------------------------------- tests

def test_harness_normaliser():
    """The normaliser lowercases names, keeps TTLs, sorts records and
    tells referrals from answers; compare() ignores what it documents."""
    import dns.message
    ref = dns.message.from_text(
        "id 1\nopcode QUERY\nrcode NOERROR\nflags QR\n"
        ";QUESTION\nX.Sub.Example.COM. IN A\n;ANSWER\n;AUTHORITY\n"
        "sub.example.com. 3600 IN NS ns2.SUB.example.com.\n"
        "sub.example.com. 3600 IN NS ns1.sub.example.com.\n"
        ";ADDITIONAL\nns1.sub.example.com. 3600 IN A 192.0.2.101\n")
    n = ap.Norm(ref)
    assert n.is_referral
    assert n.question == ["X.Sub.Example.COM. IN A"]
    assert n.authority == [
        "sub.example.com. 3600 IN NS ns1.sub.example.com.",
        "sub.example.com. 3600 IN NS ns2.sub.example.com."]
    other = ap.Norm(dns.message.from_text(
        ref.to_text().replace("192.0.2.101", "192.0.2.1")))
    assert any("glue" in d for d in ap.compare(n, other))
    pos = ap.Norm(dns.message.from_text(
        "id 1\nopcode QUERY\nrcode NOERROR\nflags QR AA\n"
        ";QUESTION\nwww.example.com. IN A\n"
        ";ANSWER\nwww.example.com. 3600 IN A 192.0.2.80\n"
        ";AUTHORITY\nexample.com. 3600 IN NS ns1.example.com.\n"
        ";ADDITIONAL\nns1.example.com. 3600 IN A 192.0.2.53\n"))
    bare = ap.Norm(dns.message.from_text(
        "id 1\nopcode QUERY\nrcode NOERROR\nflags QR AA\n"
        ";QUESTION\nwww.example.com. IN A\n"
        ";ANSWER\nwww.example.com. 3600 IN A 192.0.2.80\n"))
    assert not pos.is_referral
    assert ap.compare(pos, bare) == []
    ttl = ap.Norm(dns.message.from_text(
        bare.msg.to_text().replace(" 3600 IN A", " 300 IN A")))
    assert ap.compare(bare, ttl) != []


@pytest.mark.parametrize("case", CORPUS, ids=[c.id for c in CORPUS])
def test_nsd_vs_knot(case, nsd, knot, peer_answers):
    n, k = _peers(case, nsd, knot, peer_answers)
    for label, r in (("nsd", n), ("knot", k)):
        assert r.question == [case.qname + " IN " + case.qtype], (
            "%s did not echo the question as sent" % label)
    # the corpus tests what it claims to
    if case.kind == "tc":
        assert n.tc and k.tc, _show("nsd", n) + "\n" + _show("knot", k)
    if case.kind == "badvers":
        assert n.rcode == k.rcode == "BADVERS", _show("nsd", n)
    if case.kind == "outside":
        assert n.rcode == k.rcode == "REFUSED", _show("nsd", n)
    diffs = ap.compare(n, k, mode=_mode(case))
    if case.id in PEER_DIFFS:
        assert diffs, ("listed in PEER_DIFFS but NSD and Knot DNS agree: "
                       "remove the entry\n" + _show("nsd", n))
        return
    assert not diffs, "\n".join(
        ["NSD and Knot DNS differ: " + "; ".join(diffs),
         _show("nsd", n), _show("knot", k)])


@pytest.mark.parametrize("case", CORPUS, ids=[c.id for c in CORPUS])
def test_onedot_vs_peers(case, nsd, knot, peer_answers, onedot):
    n, k = _peers(case, nsd, knot, peer_answers)
    o = case.ask(onedot.addr)
    assert o.question == [case.qname + " IN " + case.qtype], (
        "onedot-auth did not echo the question as sent:\n" + _show("onedot", o))
    if case.kind == "outside":
        assert o.rcode == "REFUSED", _show("onedot", o)
        assert not o.answer and not o.aa, _show("onedot", o)
        return
    if case.kind == "badvers":
        assert o.rcode == "BADVERS", _show("onedot", o)
        assert not o.answer, _show("onedot", o)
    if case.kind == "any" and not case.tcp and o.rcode == "NOERROR":
        assert len(o.answer_rrsets()) <= 1, (
            "more than one RRset for ANY over UDP (RFC 8482 4.1)\n"
            + _show("onedot", o))
    if case.kind == "tc":
        assert o.tc, _show("onedot", o)
    dn = ap.compare(o, n, mode=_mode(case))
    dk = ap.compare(o, k, mode=_mode(case))
    if dn and dk:
        if case.id in ONEDOT_EXCEPTIONS:
            return
        pytest.fail("\n".join(
            ["onedot-auth matches neither peer",
             "vs nsd: " + "; ".join(dn), "vs knot: " + "; ".join(dk),
             _show("onedot", o), _show("nsd", n), _show("knot", k)]))
    elif case.id in ONEDOT_EXCEPTIONS:
        pytest.fail("listed in ONEDOT_EXCEPTIONS but onedot-auth matches a "
                    "peer: remove the entry")
