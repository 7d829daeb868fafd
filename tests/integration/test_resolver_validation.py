# SPDX-License-Identifier: MIT
"""onedot's validation features that a comparison of answers cannot show,
on the signed hierarchy of signed_hierarchy.py (127.20.0.0/16; onedot
instances on 127.20.251.x):

- aggressive use of the validated cache (RFC 8198): once a denial has
  been validated, names its NSEC records cover are answered NXDOMAIN,
  NODATA or from the wildcard without asking: proven by stopping the
  zone's server and asking again (an instance with aggressive-nsec off
  then has nobody to ask and answers SERVFAIL);
- the Extended DNS Error of a bogus answer names the zone (RFC 8914
  EXTRA-TEXT);
- negative trust anchors (RFC 7646): the bogus zone answers, without AD,
  and says why in an EDE;
- the root key sentinel (RFC 8509): is-ta/not-ta answers by the key tag
  of the trust anchor.
"""

import os

import dns.edns
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

import hierarchy as H
import signed_hierarchy as S
from test_validation_peers import _paths

ON = S.BASE + ".251.1"
OFF = S.BASE + ".251.2"
NTA = S.BASE + ".251.3"


def ask(addr, qname, qtype, cd=False):
    q = dns.message.make_query(qname, qtype, want_dnssec=True,
                               use_edns=0, payload=1232)
    if cd:
        q.flags |= dns.flags.CD
    return dns.query.udp(q, addr, timeout=5)


def rcode(m):
    return dns.rcode.to_text(m.rcode())


def ad(m):
    return bool(m.flags & dns.flags.AD)


def edes(m):
    return [(o.code, o.text or "") for o in m.options
            if o.otype == dns.edns.EDE]


def onedot(signed, addr, name, extra=()):
    binary = H.onedot_path(os.environ["ONEDOT_BUILD_DIR"])
    if binary is None:
        pytest.fail("the onedot daemon is not built")
    return H.Onedot(binary, signed, addr,
                    workdir=os.path.join(signed.dir, name),
                    trust_anchor=signed.trust_anchor, extra=extra)


@pytest.fixture(scope="module")
def signed():
    oda, oz = _paths()
    with S.SignedHierarchy(oda, oz) as h:
        yield h


def test_aggressive_nsec(signed, tmp_path):
    """RFC 8198 5.1-5.3: NXDOMAIN, NODATA and a wildcard answer
    synthesized from validated NSEC records, with AD and the proof."""
    off_conf = tmp_path / "off.yaml"
    off_conf.write_text("aggressive-nsec: false\n")
    with onedot(signed, ON, "on") as on, \
            onedot(signed, OFF, "off", ["-c", str(off_conf)]) as off:
        for r in (on, off):
            # the denials and the wildcard expansion that bring the
            # NSEC records: ns1 -> www covers nx*, www has A TXT only,
            # *.wild is covered for names below wild.
            m = ask(r.addr, "nxa.ldns.sig.", "A")
            assert rcode(m) == "NXDOMAIN" and ad(m), m
            m = ask(r.addr, "www.ldns.sig.", "MX")
            assert rcode(m) == "NOERROR" and ad(m) and not m.answer, m
            m = ask(r.addr, "a.wild.ldns.sig.", "A")
            assert rcode(m) == "NOERROR" and ad(m) and m.answer, m
        # nobody serves ldns.sig. any more
        place = signed.placement()["ldns.sig."]
        for s in signed.servers:
            if s.addr == place:
                s.stop()
        m = ask(ON, "nxb.ldns.sig.", "A")
        assert rcode(m) == "NXDOMAIN" and ad(m), m
        assert any(rs.rdtype == dns.rdatatype.NSEC for rs in m.authority), m
        m = ask(ON, "www.ldns.sig.", "SRV")
        assert rcode(m) == "NOERROR" and ad(m) and not m.answer, m
        m = ask(ON, "b.wild.ldns.sig.", "A")
        assert rcode(m) == "NOERROR" and ad(m), m
        a = [rs for rs in m.answer if rs.rdtype == dns.rdatatype.A]
        assert a and a[0].name.to_text() == "b.wild.ldns.sig.", m
        # without synthesis the same questions need the stopped server
        for q, t in (("nxb.ldns.sig.", "A"), ("b.wild.ldns.sig.", "A")):
            m = ask(OFF, q, t)
            assert rcode(m) == "SERVFAIL", m
    signed.stop()


@pytest.fixture(scope="module")
def fresh():
    oda, oz = _paths()
    with S.SignedHierarchy(oda, oz) as h:
        yield h


def test_bogus_ede_names_zone(fresh):
    with onedot(fresh, ON, "ede") as r:
        for q, code in (("www.expired.sig.", 7), ("www.future.sig.", 8),
                        ("www.tampered.sig.", 6), ("www.nosig.sig.", 10),
                        ("www.nokey.sig.", 9), ("nx.nonsec.sig.", 12)):
            m = ask(r.addr, q, "A")
            assert rcode(m) == "SERVFAIL" and not m.answer, m
            e = edes(m)
            assert e and e[0][0] == code, (q, e)
            zone = q.split(".", 1)[1]
            assert zone.rstrip(".") in e[0][1], (q, e)
            # CD=1: the data as served, not validated (RFC 4035 3.2.2)
            if q.startswith("www.") and q != "www.nosig.sig.":
                m = ask(r.addr, q, "A", cd=True)
                assert rcode(m) == "NOERROR" and m.answer and not ad(m), m


def test_negative_trust_anchor(fresh):
    with onedot(fresh, NTA, "nta", ["--nta", "expired.sig."]) as r:
        m = ask(r.addr, "www.expired.sig.", "A")
        assert rcode(m) == "NOERROR" and m.answer and not ad(m), m
        assert any("negative trust anchor" in t for _, t in edes(m)), m
        # the NTA covers only its zone
        m = ask(r.addr, "www.future.sig.", "A")
        assert rcode(m) == "SERVFAIL", m
        m = ask(r.addr, "www.ldns.sig.", "A")
        assert rcode(m) == "NOERROR" and ad(m), m


def test_root_key_sentinel(fresh):
    """RFC 8509 3.2 through a secure wildcard: is-ta with the anchor's
    key tag answers, with another tag SERVFAIL; not-ta the other way."""
    tag = int(fresh.trust_anchor_ds.split()[4])
    other = (tag + 1) % 65536
    with onedot(fresh, ON, "sentinel") as r:
        def q(kind, t):
            return ask(r.addr, "root-key-sentinel-%s-%05d.wild.ldns.sig."
                       % (kind, t), "A")
        assert rcode(q("is-ta", tag)) == "NOERROR"
        assert rcode(q("is-ta", other)) == "SERVFAIL"
        assert rcode(q("not-ta", tag)) == "SERVFAIL"
        assert rcode(q("not-ta", other)) == "NOERROR"


def test_nsec3_max_iterations(fresh, tmp_path):
    """RFC 9276 3.2: iter.sig. uses 200 NSEC3 iterations; above the
    default limit of 150 its denials are insecure with EDE 27, with the
    limit raised to 250 they are secure."""
    m_default = None
    with onedot(fresh, ON, "iter-default") as r:
        m_default = ask(r.addr, "nx.iter.sig.", "A")
    assert rcode(m_default) == "NXDOMAIN" and not ad(m_default), m_default
    assert 27 in [c for c, _ in edes(m_default)], m_default
    conf = tmp_path / "iter.yaml"
    conf.write_text("nsec3-max-iterations: 250\n")
    with onedot(fresh, NTA, "iter-250", ["-c", str(conf)]) as r:
        m = ask(r.addr, "nx.iter.sig.", "A")
    assert rcode(m) == "NXDOMAIN" and ad(m) and not edes(m), m
