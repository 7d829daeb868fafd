# SPDX-License-Identifier: MIT
"""Validating resolvers on the signed hierarchy of signed_hierarchy.py
(127.20.0.0/16; see that module for the map of zones and servers).

Resolvers, each on its own address, port 53, with the root hints and the
DS of the root KSK as trust anchor:

  Unbound 127.20.250.1, kresd 127.20.250.2, onedot 127.20.250.3.

Every query of CORPUS is asked (RD, EDNS0; DO=1, CD=0, AD=0 unless the
case says otherwise) of Unbound and kresd and must get the outcome of its
case (RFC 4035):

  secure     the expected rcode with AD=1 (3.2.3); AD=0 when the query
             had neither DO nor AD set (RFC 6840 5.8);
  insecure   the rcode with AD=0;
  bogus      SERVFAIL (5.5);
  unchecked  CD=1: the data as the zone serves it, bogus or not, with
             AD=0 (3.2.2, 3.2.3).

With DO=1 a positive secure or unchecked answer carries the RRSIG of its
RRset, and a secure denial or wildcard answer its NSEC/NSEC3 proof with
RRSIGs in the authority section (3.1.1, 3.1.3, 3.2.1); with DO=0 no
DNSSEC record is returned (3.2.1). The cases cover, in every secure zone
(each algorithm of RFC 8624 3.1 but the SHA-1 ones, NSEC, NSEC3, NSEC3
opt-out, zones signed by ldns, BIND, Knot DNS and onedot-zone): a
positive answer, NXDOMAIN, NODATA, a wildcard answer, a wildcard NODATA
(RFC 4035 3.1.3.4, RFC 5155 7.2.5) and NODATA at an empty non-terminal
(RFC 5155 7.2.3); DNAME answers (RFC 6672 5.3.1); NSEC3 denials above
the iteration limit (RFC 9276 3.2); every broken zone; CD=1 and DO=0
queries.

The Extended DNS Error of each answer (RFC 8914) is recorded and printed
as a table. Each case names the code RFC 8914 gives for its outcome; a
peer that returns no EDE passes (EDE is optional) unless an RFC asks for
the code (RFC 9276 3.2: SHOULD return 27 for a denial it does not accept
for its iterations), one that returns another code fails unless the case
marks the difference as known.

Known differences: where a peer differs from the RFC outcome or EDE, the
case says so for that peer with the reason (Case.known, Case.known_ede);
the test then expects the difference (xfail) and fails when it is gone,
so that the list stays true. Expectations are never loosened for a peer.

badalg.sig. has only DS and DNSKEYs of algorithm 253: RFC 4035 5.2 (and
RFC 6840 5.2) make a zone whose DS algorithms are all unsupported
insecure, so it is a NOERROR AD=0 case, not a bogus one.

The onedot part asks the same corpus of the onedot daemon and holds it
to the same outcomes; where a case names an EDE code, onedot must return
that code (onedot always explains a failure, RFC 8914).
"""

import importlib.util
import os
from concurrent.futures import ThreadPoolExecutor

import dns.dnssec
import dns.edns
import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

import auth_peers
import hierarchy as H
import signed_hierarchy as S

UNBOUND_ADDR = S.BASE + ".250.1"
KRESD_ADDR = S.BASE + ".250.2"
ONEDOT_ADDR = S.BASE + ".250.3"
PEERS = ["unbound", "kresd"]

# RFC 8914 codes (27: RFC 9276 6)
EDE_UNSUPPORTED_ALG = 1
EDE_BOGUS = 6
EDE_EXPIRED = 7
EDE_NOT_YET_VALID = 8
EDE_DNSKEY_MISSING = 9
EDE_RRSIGS_MISSING = 10
EDE_NSEC_MISSING = 12
EDE_NSEC3_ITERATIONS = 27

# the DNSSEC algorithm of each secure zone (RFC 8624 3.1 numbers)
ALGORITHMS = {"ldns.sig.": 13, "ldns3.sig.": 13, "bind.sig.": 13,
              "ed.sig.": 15, "rsa.sig.": 8, "odz.sig.": 13, "knot.sig.": 13,
              "rsa512.sig.": 10, "p384.sig.": 14, "ed448.sig.": 16}


class Case:
    """One query and its expected outcome (see the module comment).

    rcode, answer: the rcode; for NOERROR, whether the answer holds a
    record of qtype (False: NODATA). ede: the RFC 8914 code for the
    outcome, or None; ede_required: an RFC asks for that code (SHOULD),
    so no EDE at all does not fit either. cd, do, ad: the query's flags.
    sigs: whether the answer must carry an RRSIG covering qtype (default:
    positive secure and unchecked answers, when DO=1). proof: whether the
    authority must carry NSEC/NSEC3 records with their RRSIGs (default:
    secure denials, when DO=1; set for wildcard answers). known,
    known_ede: {peer: reason} for a peer known to differ from the
    outcome, from the EDE."""

    def __init__(self, qname, qtype, outcome, rcode="NOERROR", ede=None,
                 answer=True, cd=False, do=True, ad=False, sigs=None,
                 proof=None, known=None, known_ede=None, ede_required=False):
        self.qname, self.qtype = qname, qtype
        self.outcome, self.rcode, self.ede = outcome, rcode, ede
        self.ede_required = ede_required
        self.answer = answer if rcode == "NOERROR" else False
        if outcome == "bogus":
            self.rcode = "SERVFAIL"
            self.answer = False
        self.cd, self.do, self.ad = cd, do, ad
        if sigs is None:
            sigs = self.answer and outcome in ("secure", "unchecked")
        if proof is None:
            proof = outcome == "secure" and not self.answer
        self.sigs, self.proof = do and sigs, do and proof
        self.known = known or {}
        self.known_ede = known_ede or {}

    @property
    def plain(self):
        """Asked with the default flags (DO=1, CD=0, AD=0)."""
        return self.do and not self.cd and not self.ad

    def id(self):
        flags = [("+cd", self.cd), ("+nodo", not self.do), ("+ad", self.ad)]
        return "%s/%s%s" % (self.qname, self.qtype,
                            "".join(f for f, on in flags if on))


# RFC 5155 opt-out: every NSEC3 of bind.sig. has the opt-out flag, and an
# opt-out span may hold unsigned delegations. RFC 5155 9.2: no AD on a
# response whose closest encloser proof has an opt-out NSEC3 covering the
# next closer name: NXDOMAIN (8.4), wildcard NODATA (8.7) and wildcard
# answers (8.8) of bind.sig. are insecure. A NODATA at a name that exists
# (an empty non-terminal included) has a matching NSEC3 and no closest
# encloser proof: secure (8.5).
OPT_OUT = "bind.sig."

# where the peers' EDE differs from RFC 8914 (section 4.N is code N-1)
UNBOUND_NSEC_EDE = (
    "Unbound 1.17 reports a denial without its NSEC as EDE 6 (DNSSEC "
    "Bogus, RFC 8914 4.7; text 'nameerror/nodata proof failed'), where "
    "RFC 8914 4.13 has the more precise 12 (NSEC Missing)")
KRESD_BADALG_EDE = (
    "Knot Resolver 5.6 reports a DS set of only unsupported algorithms as "
    "EDE 0 (Other, text 'LSLC: unsupported digest/key'), where RFC 8914 "
    "4.2 has 1 (Unsupported DNSKEY Algorithm)")
KRESD_NOKEY_EDE = (
    "Knot Resolver 5.6 reports a DS that matches no DNSKEY as EDE 6 "
    "(DNSSEC Bogus, text 'EXRU'), where RFC 8914 4.10 has 9 (DNSKEY "
    "Missing)")
ITER_EDE = {p: "%s returns no EDE when it downgrades an NSEC3 denial to "
            "insecure for its iterations; RFC 9276 3.2 says it SHOULD "
            "return 27 (Unsupported NSEC3 Iterations Value)" % v
            for p, v in (("unbound", "Unbound 1.17"),
                         ("kresd", "Knot Resolver 5.6"))}


def _zone_cases(z):
    deny = "insecure" if z == OPT_OUT else "secure"
    return [
        Case("www." + z, "A", "secure"),
        Case("nx." + z, "A", deny, "NXDOMAIN"),
        Case("www." + z, "AAAA", "secure", answer=False),
        # wildcard answer: the RRSIG labels field shows the expansion,
        # the NSEC/NSEC3 proves no closer match (RFC 4035 5.3.4)
        Case("host.wild." + z, "A", deny, proof=deny == "secure"),
        # wildcard NODATA (RFC 4035 3.1.3.4, RFC 5155 7.2.5)
        Case("host.wild." + z, "AAAA", deny, answer=False),
        # NODATA at the empty non-terminal ent (RFC 5155 7.2.3; NSEC:
        # RFC 4035 3.1.3.2 with the next name below it)
        Case("ent." + z, "A", "secure", answer=False),
    ]


def _corpus():
    c = [Case("sig.", "SOA", "secure"),
         Case("nx.sig.", "A", "secure", "NXDOMAIN")]
    for z in S.SECURE:
        c += _zone_cases(z)
    # DNAME (RFC 6672): the synthesized CNAME is unsigned, the signed
    # DNAME proves it (RFC 6672 5.3.1); the target's answer and denial
    # are validated in the target zone
    for z, target in sorted(S.DNAMES.items()):
        c += [Case("www.dname." + z, "A", "secure"),
              Case("nx.dname." + z, "A", "secure", "NXDOMAIN")]
    # NSEC3 with too many iterations (RFC 9276 3.2): the positive
    # answer needs no NSEC3 and stays secure; every denial (and the
    # no-closer-match proof of a wildcard answer) is insecure, with
    # EDE 27 (3.2 also allows SERVFAIL; the peers answer insecure, above
    # their limit of 150)
    z = "iter.sig."
    c.append(Case("www." + z, "A", "secure"))
    for name, qtype, rcode, answer in (
            ("nx.", "A", "NXDOMAIN", False), ("www.", "AAAA", "NOERROR", False),
            ("host.wild.", "A", "NOERROR", True),
            ("host.wild.", "AAAA", "NOERROR", False),
            ("ent.", "A", "NOERROR", False)):
        c.append(Case(name + z, qtype, "insecure", rcode, answer=answer,
                      ede=EDE_NSEC3_ITERATIONS, ede_required=True,
                      known_ede=ITER_EDE))
    c += [Case("www.unsigned.bind.sig.", "A", "insecure"),
          Case("nx.unsigned.bind.sig.", "A", "insecure", "NXDOMAIN"),
          Case("www.insecure.sig.", "A", "insecure"),
          Case("nx.insecure.sig.", "A", "insecure", "NXDOMAIN"),
          Case("www.badalg.sig.", "A", "insecure", ede=EDE_UNSUPPORTED_ALG,
               known_ede={"kresd": KRESD_BADALG_EDE}),
          Case("www.expired.sig.", "A", "bogus", ede=EDE_EXPIRED),
          Case("nx.expired.sig.", "A", "bogus", ede=EDE_EXPIRED),
          Case("www.future.sig.", "A", "bogus", ede=EDE_NOT_YET_VALID),
          Case("www.tampered.sig.", "A", "bogus", ede=EDE_BOGUS),
          # only www A is broken: the TXT next to it is secure
          Case("www.tampered.sig.", "TXT", "secure"),
          Case("www.nosig.sig.", "A", "bogus", ede=EDE_RRSIGS_MISSING),
          Case("www.nokey.sig.", "A", "bogus", ede=EDE_DNSKEY_MISSING,
               known_ede={"kresd": KRESD_NOKEY_EDE}),
          # only the denials of nonsec.sig. lack their proof
          Case("www.nonsec.sig.", "A", "secure"),
          Case("nx.nonsec.sig.", "A", "bogus", ede=EDE_NSEC_MISSING,
               known_ede={"unbound": UNBOUND_NSEC_EDE}),
          Case("www.nonsec.sig.", "AAAA", "bogus", ede=EDE_NSEC_MISSING,
               known_ede={"unbound": UNBOUND_NSEC_EDE}),
          Case("www.keytrap.sig.", "A", "bogus", ede=EDE_BOGUS)]
    # CD=1: the resolver hands the data over without validating it, and
    # without AD (RFC 4035 3.2.2, 3.2.3); with DO=1 the RRSIGs come along
    # (the removed one of nosig.sig. cannot)
    c += [Case("www.%s.sig." % z, "A", "unchecked", cd=True)
          for z in ("expired", "future", "tampered", "nokey", "keytrap")]
    c += [Case("www.nosig.sig.", "A", "unchecked", cd=True, sigs=False),
          Case("nx.nonsec.sig.", "A", "unchecked", "NXDOMAIN", cd=True),
          Case("www.nonsec.sig.", "AAAA", "unchecked", answer=False,
               cd=True)]
    # DO=0: no DNSSEC records (RFC 4035 3.2.1); AD only when the query
    # set it (RFC 6840 5.8); a bogus answer fails all the same
    c += [Case("www.ldns.sig.", "A", "secure", do=False),
          Case("www.ldns.sig.", "A", "secure", do=False, ad=True),
          Case("nx.ldns3.sig.", "A", "secure", "NXDOMAIN", do=False),
          Case("nx.ldns3.sig.", "A", "secure", "NXDOMAIN", do=False,
               ad=True),
          Case("www.tampered.sig.", "A", "bogus", ede=EDE_BOGUS, do=False)]
    return c


CORPUS = _corpus()


class Result:
    def __init__(self, msg=None, error=None):
        self.msg, self.error = msg, error

    @property
    def rcode(self):
        if self.msg is None:
            return "TIMEOUT"
        return dns.rcode.to_text(self.msg.rcode())

    @property
    def ad(self):
        return self.msg is not None and bool(self.msg.flags & dns.flags.AD)

    def edes(self):
        if self.msg is None:
            return []
        return [o.code for o in self.msg.options
                if o.otype == dns.edns.EDE]

    def ede_texts(self):
        if self.msg is None:
            return []
        return ["%d %s" % (o.code, o.text or "") for o in self.msg.options
                if o.otype == dns.edns.EDE]

    def rrsets(self, section):
        return [] if self.msg is None else getattr(self.msg, section)

    def has_answer(self, qtype):
        return any(dns.rdatatype.to_text(rs.rdtype) == qtype
                   for rs in self.rrsets("answer"))

    def covered(self, section):
        """Types covered by the RRSIGs of a section."""
        return {dns.rdatatype.to_text(rs.covers)
                for rs in self.rrsets(section)
                if rs.rdtype == dns.rdatatype.RRSIG}

    def types(self, section):
        return {dns.rdatatype.to_text(rs.rdtype)
                for rs in self.rrsets(section)}

    def cell(self):
        e = ",".join(str(int(x)) for x in self.edes()) or "-"
        return "%s%s ede=%s" % (self.rcode, " AD" if self.ad else "", e)


def ask(addr, case):
    q = dns.message.make_query(case.qname, case.qtype, use_edns=0,
                               payload=1232, want_dnssec=case.do)
    if case.cd:
        q.flags |= dns.flags.CD
    if case.ad:
        q.flags |= dns.flags.AD
    for _ in range(3):
        try:
            # a truncated answer is asked again over TCP, as a stub does
            r, _ = dns.query.udp_with_fallback(q, addr, timeout=4.0)
            return Result(r)
        except dns.exception.Timeout:
            continue
        except (dns.exception.DNSException, OSError) as e:
            return Result(error=e)
    return Result(error="timeout")


def ask_corpus(addr):
    """{case id: Result} for every case of CORPUS asked of addr: first
    the plain queries, then (with the cache warm) the CD=1 and DO=0
    ones."""
    out = {}
    with ThreadPoolExecutor(max_workers=8) as ex:
        for phase in (True, False):
            futs = {c.id(): ex.submit(ask, addr, c)
                    for c in CORPUS if c.plain == phase}
            out.update((k, f.result()) for k, f in futs.items())
    return out


DNSSEC_TYPES = {"RRSIG", "NSEC", "NSEC3", "DNSKEY", "DS"}


def problems(case, r):
    """What is wrong with result r for case (empty when it fits)."""
    out = []
    if r.rcode != case.rcode:
        out.append("rcode %s, expected %s" % (r.rcode, case.rcode))
    want_ad = case.outcome == "secure" and (case.do or case.ad)
    if want_ad and not r.ad:
        out.append("AD=0 on a secure answer")
    if not want_ad and r.ad:
        out.append("AD=1 on an %s answer%s" % (
            case.outcome, "" if case.do or case.ad else
            " to a query without DO and AD (RFC 6840 5.8)"))
    if r.rcode == "NOERROR" and r.has_answer(case.qtype) != case.answer:
        out.append("answer %s a %s record" % (
            "has" if r.has_answer(case.qtype) else "lacks", case.qtype))
    if r.msg is None or r.rcode == "SERVFAIL":
        return out
    if case.sigs and case.qtype not in r.covered("answer"):
        out.append("no RRSIG of %s in the answer (DO=1)" % case.qtype)
    if case.proof:
        denial = r.types("authority") & {"NSEC", "NSEC3"}
        if not denial:
            out.append("no NSEC/NSEC3 in the authority section (DO=1)")
        elif not denial <= r.covered("authority"):
            out.append("%s without RRSIG in the authority section"
                       % "/".join(sorted(denial)))
    if not case.do:
        extra = {t for sec in ("answer", "authority")
                 for t in r.types(sec)} & (DNSSEC_TYPES - {case.qtype})
        if extra:
            out.append("DNSSEC records %s in a DO=0 answer (RFC 4035 "
                       "3.2.1)" % ",".join(sorted(extra)))
    return out


def ede_problem(case, r):
    """None when the EDE of r fits the case (its code, or no EDE at all
    where RFC 8914 leaves it optional), else what is wrong."""
    got = r.edes()
    if case.ede is None or case.ede in got:
        return None
    if not got:
        return "no EDE, expected %d" % case.ede if case.ede_required \
            else None
    return "EDE %s, expected %d" % ("; ".join(r.ede_texts()), case.ede)


# ---------------------------------------------------------------- fixtures

def _paths():
    build = auth_peers.build_dir()
    if not build:
        pytest.skip("ONEDOT_BUILD_DIR is not set (run through ctest)")
    oda = auth_peers.onedot_auth_path()
    oz = os.path.join(build, "src", "tools", "onedot-zone", "onedot-zone")
    if oda is None or not os.access(oz, os.X_OK):
        pytest.fail("onedot-auth or onedot-zone is not built in %s" % build)
    for t in ("ldns-keygen", "ldns-signzone", "dnssec-keygen",
              "dnssec-signzone", "nsd", "knotd", "unbound", "kresd"):
        if auth_peers.tool(t) is None:
            pytest.skip("%s is not installed" % t)
    if importlib.util.find_spec("cryptography") is None:
        pytest.skip("python3-cryptography is not installed")
    return oda, oz


@pytest.fixture(scope="module")
def signed():
    oda, oz = _paths()
    with S.SignedHierarchy(oda, oz) as h:
        yield h


@pytest.fixture(scope="module")
def peers(signed):
    print("\nsigned hierarchy built and started in %.2f s"
          % signed.build_seconds)
    with S.ValidatingUnbound(signed, UNBOUND_ADDR) as u, \
            S.ValidatingKresd(signed, KRESD_ADDR) as k:
        names = [("unbound", u), ("kresd", k)]
        res = {}
        for n, r in names:
            res.update(((n, key), v) for key, v in ask_corpus(r.addr).items())
        logs = {n: r.log() for n, r in names}
    fmt = "%-32s %-9s %-4s %-22s %-22s"
    table = [fmt % ("query", "expect", "ede", "unbound", "kresd")]
    for c in CORPUS:
        table.append(fmt % (
            c.id(), c.outcome, c.ede if c.ede is not None else "-",
            res[("unbound", c.id())].cell(), res[("kresd", c.id())].cell()))
    print("\n".join(table))
    return res, logs


def _known(case, peer, table, what, problem):
    """Pass, xfail or fail on a known difference (see the module
    comment)."""
    reason = table.get(peer)
    if problem is None:
        if reason is not None:
            pytest.fail("%s no longer differs on %s (%s): remove the "
                        "known difference \"%s\"" % (peer, case.id(), what,
                                                      reason))
        return
    if reason is not None:
        pytest.xfail("%s, known: %s" % (problem, reason))
    pytest.fail(problem)


# ---------------------------------------------------------------- tests

def test_trust_anchor_is_root_ksk(signed):
    """The trust anchor names the root's KSK (flags 257) that the root
    serves."""
    r = auth_peers.query(signed.a(0, 1), ".", "DNSKEY", do=True)
    keys = [rd for rs in r.answer for rd in rs
            if rs.rdtype == dns.rdatatype.DNSKEY]
    ds = signed.trust_anchor_ds.split()
    tags = {dns.dnssec.key_id(k): k.flags for k in keys}
    assert tags.get(int(ds[4])) == 257, (signed.trust_anchor_ds, tags)


def test_keytrap_keys_collide(signed):
    """keytrap.sig. serves many DNSKEYs under one key tag."""
    r = auth_peers.query(signed.a(3, 1), "keytrap.sig.", "DNSKEY", do=True,
                         tcp=True)
    keys = [rd for rs in r.answer for rd in rs
            if rs.rdtype == dns.rdatatype.DNSKEY]
    assert len(keys) == S.KEYTRAP_KEYS
    assert len({dns.dnssec.key_id(k) for k in keys}) == 1


def _dnskeys(addr, zone):
    r = auth_peers.query(addr, zone, "DNSKEY", do=True, tcp=True)
    return [rd for rs in r.answer for rd in rs
            if rs.rdtype == dns.rdatatype.DNSKEY]


@pytest.mark.parametrize("zone", sorted(ALGORITHMS))
def test_zone_algorithm(signed, zone):
    """Each secure zone is signed with the algorithm it stands for, and
    the DS in sig. names its KSK."""
    addr = signed.placement()[zone]
    keys = _dnskeys(addr, zone)
    assert keys and {k.algorithm for k in keys} == {ALGORITHMS[zone]}
    r = auth_peers.query(signed.a(1, 1), zone, "DS", do=True)
    ds = [rd for rs in r.answer for rd in rs if rs.rdtype == dns.rdatatype.DS]
    ksk = {dns.dnssec.key_id(k) for k in keys if k.flags == 257}
    assert ds and {d.key_tag for d in ds} <= ksk


def test_knot_signer_zone(signed):
    """knot.sig. is signed by knotd: NSEC3 with 0 iterations and no salt
    (RFC 9276 3.1), a KSK of its own making whose DS is in sig."""
    r = auth_peers.query(signed.placement()["knot.sig."], "knot.sig.",
                         "NSEC3PARAM", do=True)
    params = [rd for rs in r.answer for rd in rs
              if rs.rdtype == dns.rdatatype.NSEC3PARAM]
    assert [(p.algorithm, p.iterations, p.salt) for p in params] == \
        [(1, 0, b"")]
    with open(signed.zone_files["knot.sig."]) as f:
        assert "DNSKEY" not in f.read()  # the keys are knotd's


def test_iter_zone_iterations(signed):
    """iter.sig. denies with NSEC3 of S.ITER_HIGH iterations."""
    r = auth_peers.query(signed.placement()["iter.sig."], "nx.iter.sig.",
                         "A", do=True)
    its = {rd.iterations for rs in r.authority for rd in rs
           if rs.rdtype == dns.rdatatype.NSEC3}
    assert r.rcode() == dns.rcode.NXDOMAIN and its == {S.ITER_HIGH}


@pytest.mark.parametrize("case", CORPUS, ids=Case.id)
@pytest.mark.parametrize("peer", PEERS)
def test_peer_validates(peers, peer, case):
    res, logs = peers
    r = res[(peer, case.id())]
    p = problems(case, r)
    detail = "%s %s: %s\n%s\n--- log ---\n%s" % (
        peer, case.id(), p, r.msg if r.msg else r.error, logs[peer][-3000:])
    _known(case, peer, case.known, "outcome", detail if p else None)


@pytest.mark.parametrize("case", [c for c in CORPUS if c.ede is not None],
                         ids=Case.id)
@pytest.mark.parametrize("peer", PEERS)
def test_peer_ede(peers, peer, case):
    """The RFC 8914 code of the case, or no EDE where it is optional."""
    res, _ = peers
    r = res[(peer, case.id())]
    if not r.edes() and not case.ede_required and peer not in case.known_ede:
        pytest.skip("%s returns no EDE (%s)" % (peer, r.cell()))
    _known(case, peer, case.known_ede, "EDE", ede_problem(case, r))


@pytest.fixture(scope="module")
def onedot_results(signed, peers):
    binary = H.onedot_path(auth_peers.build_dir())
    if binary is None:
        pytest.fail("the onedot daemon is not built")
    with H.Onedot(binary, signed, ONEDOT_ADDR,
                  workdir=os.path.join(signed.dir, "onedot"),
                  trust_anchor=signed.trust_anchor) as o:
        return ask_corpus(o.addr)


@pytest.mark.parametrize("case", CORPUS, ids=Case.id)
def test_onedot_validates(onedot_results, case):
    r = onedot_results[case.id()]
    p = problems(case, r)
    assert not p, "onedot %s: %s\n%s" % (case.id(), p, r.msg or r.error)
    if case.ede is not None:
        assert case.ede in r.edes(), r.cell()
