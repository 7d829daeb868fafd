# SPDX-License-Identifier: MIT
"""Presentation of RDATA: onedot against ldns, Knot (kdig) and dnspython.

Every record of data/records.txt is turned into wire RDATA by dnspython,
then printed by onedot (tests/tools/odprint rr), by ldns-read-zone (given
the record in RFC 3597 form), by kdig (the records served in one answer
over TCP by a local responder) and by dnspython's to_text. After the
notation is normalised (wire_peers.normalize_rdata) the texts must be
equal, except for the differences listed below, each of which states what
the peer prints instead and why onedot prints what it does. A listed
difference that no longer occurs fails too, so the lists stay true.
"""

import re

import dns.rdata
import dns.rdataclass
import pytest

import wire_peers as wp

CORPUS = wp.load_records()


def _id(rec):
    return "r%d-%s" % (rec.index, rec.mnemonic)


class Differs:
    """A known difference: for each onedot rdata text of the type, the
    exact text the peer prints instead (None: the peer prints nothing)."""

    def __init__(self, why, cases):
        self.why = why
        self.cases = cases


# What each peer prints in the RFC 3597 generic form with a TYPEnnn
# mnemonic because it does not know the type at all (pure notation: the
# test then checks that the peer's octets are the record's).
PEER_LACKS = {
    "ldns": {"NINFO", "AVC", "AMTRELAY"},
    "kdig": {"MB", "MG", "MR", "WKS", "X25", "ISDN", "NSAP", "NSAP-PTR",
             "PX", "GPOS", "HIP", "NINFO", "AVC", "AMTRELAY", "DLV", "NXT",
             "A6"},
    "dnspython": {"MB", "MG", "MR", "MINFO", "KEY", "SIG", "NXT", "A6"},
}

DIFFERS = {
    # ---------------------------------------------------------- ldns 1.8
    ("ldns", "WKS"): Differs(
        "ldns names protocol and services from /etc/protocols and "
        "/etc/services; onedot prints the numbers, which RFC 1035 §3.4.2 "
        "allows and which read back on any host without those tables",
        {"192.0.2.1 6 25 80 443": "192.0.2.1 tcp smtp http https",
         "192.0.2.2 17 53": "192.0.2.2 udp domain"}),
    ("ldns", "CERT"): Differs(
        "ldns writes the certificate type as a mnemonic where one exists "
        "(RFC 4398 §2.2 allows both); onedot writes the number, which "
        "every reader accepts",
        {"1 0 0 MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA":
             "PKIX 0 0 MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"}),
    ("ldns", "NSAP-PTR"): Differs(
        "ldns prints the NSAP-PTR domain name (RFC 1706 §6) as a "
        "character-string of its first label only; onedot prints the name",
        {"foo.example.": '"foo"'}),
    ("ldns", "IPSECKEY"): Differs(
        "RFC 4025 §2.6 lets the public key be empty; it has no "
        "presentation token then, so onedot falls back to the RFC 3597 "
        "generic form that reads back to the same octets; ldns cannot "
        "print the record at all",
        {"\\# 7 0A0100C0000203": None}),
    ("ldns", "CAA"): Differs(
        "RFC 8659 §4.1.1 writes the value as a <character-string>, so an "
        "empty value is \"\"; ldns leaves the field out, which does not "
        "read back",
        {'0 issue ""': "0 issue"}),
    ("ldns", "NXT"): Differs(
        "ldns prints the NXT type bitmap in generic form; onedot uses the "
        "type mnemonics of RFC 2535 §5.2",
        {"host.example. A NS SIG NXT": "host.example. \\# 4 60000082"}),
    ("ldns", "A6"): Differs(
        "ldns knows the A6 mnemonic but prints its RDATA in generic form; "
        "onedot uses RFC 2874 §3.1.2 (prefix length, address suffix, "
        "prefix name)",
        {"0 2001:db8::1": "\\# 17 0020010db8000000000000000000000001",
         "64 ::1:2:3:4 prefix.example.":
             "\\# 25 40000100020003000406707265666978076578616d706c6500"}),
    ("ldns", "SVCB"): Differs(
        "RFC 9460 Appendix A.1: a comma inside an alpn value is escaped "
        "as \\, in the value-list AND the backslash again in the "
        "character-string, giving \\\\, ; ldns escapes only once, which "
        "reads back as two values",
        {"3 . alpn=h2,h3\\\\,x no-default-alpn":
             "3 . alpn=h2,h3\\,x no-default-alpn"}),
    # ---------------------------------------------------------- kdig 3.2
    ("kdig", "IPSECKEY"): Differs(
        "kdig writes an empty public key (RFC 4025 §2.6) as nothing, "
        "which its own parser and RFC 4025's grammar do not read back; "
        "onedot uses the RFC 3597 generic form there",
        {"\\# 7 0A0100C0000203": "10 1 0 192.0.2.3"}),
    ("kdig", "HTTPS"): Differs(
        "kdig 3.2 predates the dohpath key name (RFC 9461 §5, key 7) and "
        "writes key7=; onedot uses the registered name",
        {"16 foo.example. port=443 dohpath=/dns-query{?dns}":
             '16 foo.example. port=443 key7="/dns-query{?dns}"'}),
    ("kdig", "SIG"): Differs(
        "kdig knows the SIG mnemonic but prints its RDATA in generic "
        "form; onedot uses the RRSIG format, as RFC 4034 §3.2 took it "
        "from RFC 2535 §7.2",
        {"A 8 2 3600 20240201000000 20240101000000 12345 example. AAECAwQF":
             "\\# 33 0001080200000E1065BADF00659200803039076578616D706C65"
             "00000102030405"}),
    # ---------------------------------------------------------- dnspython
    ("dnspython", "GPOS"): Differs(
        "RFC 1712 §3 gives the GPOS fields as <character-string>s, "
        "which onedot quotes like every string field; dnspython writes "
        "them bare (same octets: the quotes are notation)",
        {}),
    ("dnspython", "CERT"): Differs(
        "dnspython writes the certificate type as a mnemonic (PKIX, "
        "PRIVATEDNS) and so also does RFC 4398 §2.2 allow; onedot writes "
        "the number, which every reader accepts",
        {"1 0 0 MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA":
             "PKIX 0 0 MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA",
         "65280 12345 253 AAECAwQFBgc=":
             "65280 12345 PRIVATEDNS AAECAwQFBgc="}),
    ("dnspython", "IPSECKEY"): Differs(
        "dnspython writes an empty public key as nothing (not readable "
        "back, RFC 4025 §2.6); onedot uses the generic form",
        {"\\# 7 0A0100C0000203": "10 1 0 192.0.2.3"}),
    ("dnspython", "URI"): Differs(
        "dnspython does not escape '\"' inside the URI target (RFC 7553 "
        "§4.5 makes it a quoted <character-string>); onedot writes \\\"",
        {'0 0 "https://example.com/a\\"b"': '0 0 "https://example.com/a"b"'}),
    ("dnspython", "HTTPS"): Differs(
        "dnspython 2.3 predates the dohpath key (RFC 9461 §5, key 7) and "
        "writes key7=; onedot uses the registered name",
        {"16 foo.example. port=443 dohpath=/dns-query{?dns}":
             '16 foo.example. port="443" key7="/dns-query{?dns}"'}),
}

# GPOS: only notation differs (see above); the comparison decodes the
# strings, so the entry carries no case and is kept for the report only.
del DIFFERS[("dnspython", "GPOS")]


# ------------------------------------------------------------ peer runs

def _rr_table(text, skip_comments=True):
    """owner -> (ttl, class, type, rdata) of presentation RR lines."""
    table = {}
    for line in text.splitlines():
        if not line.strip() or (skip_comments and line.startswith(";")):
            continue
        owner, ttl, rclass, rtype, rdata = wp.split_rr_line(line)
        table[owner.lower()] = (ttl, rclass, rtype, rdata.strip())
    return table


@pytest.fixture(scope="module")
def onedot_out(odprint):
    data = "".join(r.generic_line() + "\n" for r in CORPUS).encode()
    p = wp.run([odprint, "rr"], data)
    assert p.returncode == 0, p.stderr.decode()
    text = p.stdout.decode("utf-8")
    assert len(text.splitlines()) == len(CORPUS)
    return _rr_table(text)


@pytest.fixture(scope="module")
def ldns_out(ldns_read_zone_bin, tmp_path_factory):
    # ldns-read-zone keeps only the first SOA of a file as the zone's SOA
    # and drops the others, so every further SOA goes in a file of its own.
    files = [[]]
    seen_soa = False
    for rec in CORPUS:
        if rec.mnemonic == "SOA" and seen_soa:
            files.append([rec])
            continue
        seen_soa |= rec.mnemonic == "SOA"
        files[0].append(rec)
    table = {}
    tmp = tmp_path_factory.mktemp("ldns")
    for i, recs in enumerate(files):
        path = tmp / ("corpus%d.zone" % i)
        path.write_text("".join(r.generic_line() + "\n" for r in recs))
        p = wp.run([ldns_read_zone_bin, str(path)])
        assert p.returncode == 0, p.stderr.decode()
        table.update(_rr_table(p.stdout.decode("utf-8", "replace")))
    return table


@pytest.fixture(scope="module")
def kdig_out(kdig_bin, responder):
    import dns.message
    import dns.rrset

    query = dns.message.make_query("corpus.example.", "TXT")
    resp = dns.message.make_response(query)
    for rec in CORPUS:
        rd = dns.rdata.from_wire(dns.rdataclass.IN, rec.rtype, rec.wire, 0,
                                 len(rec.wire))
        resp.answer.append(dns.rrset.from_rdata(rec.owner, 3600, rd))
    responder.add("corpus.example.", "TXT", resp.to_wire())
    out, err, rc = wp.kdig(responder, [("corpus.example.", "TXT")], tcp=True,
                           extra=["+noall", "+answer"])
    assert rc == 0, err
    return _rr_table(out)


def _dnspython_text(rec):
    rd = dns.rdata.from_wire(dns.rdataclass.IN, rec.rtype, rec.wire, 0,
                             len(rec.wire))
    return rd.to_text()


# ------------------------------------------------------------ checks

_TYPE_NNN = re.compile(r"^TYPE\d+$")


def _compare(peer, rec, od_type, od_rdata, peer_type, peer_rdata):
    """Assert that onedot's (type, rdata) matches the peer's."""
    key = (peer, od_type)
    if key in DIFFERS and od_rdata in DIFFERS[key].cases:
        want = DIFFERS[key].cases[od_rdata]
        if want is None:
            assert peer_rdata is None, (
                "%s now prints %s %s (listed as printing nothing): %s"
                % (peer, peer_type, peer_rdata, DIFFERS[key].why))
            return
        assert peer_rdata is not None, "%s printed nothing" % peer
        assert wp.normalize_rdata(od_type, peer_rdata) == \
            wp.normalize_rdata(od_type, want), (
                "%s no longer prints the listed %r but %r (%s)"
                % (peer, want, peer_rdata, DIFFERS[key].why))
        assert wp.normalize_rdata(od_type, od_rdata) != \
            wp.normalize_rdata(od_type, peer_rdata), "listed but equal"
        return
    assert peer_rdata is not None, "%s printed nothing for %r" % (peer, rec)
    lacks = od_type in PEER_LACKS[peer]
    if _TYPE_NNN.match(peer_type) and not _TYPE_NNN.match(od_type) or \
            (lacks and wp.is_generic(peer_rdata)):
        assert lacks, ("%s prints %s in generic form: add it to PEER_LACKS "
                       "or DIFFERS" % (peer, od_type))
        assert wp.generic_bytes(peer_rdata) == rec.wire
        return
    assert not lacks, "%s now knows %s: remove it from PEER_LACKS" % (
        peer, od_type)
    assert peer_type.upper() == od_type.upper()
    assert wp.normalize_rdata(od_type, od_rdata) == \
        wp.normalize_rdata(od_type, peer_rdata), (
            "\n onedot: %s %s\n %s: %s %s" % (od_type, od_rdata, peer,
                                              peer_type, peer_rdata))


@pytest.mark.parametrize("rec", CORPUS, ids=_id)
def test_onedot_prints(rec, onedot_out):
    """onedot's own line: right owner/TTL/class/type, printable ASCII only,
    and the generic form only where no presentation format exists."""
    ttl, rclass, rtype, rdata = onedot_out[rec.owner]
    assert (ttl, rclass) == ("3600", "IN")
    assert rtype == rec.mnemonic or (
        _TYPE_NNN.match(rtype) and int(rtype[4:]) == rec.rtype)
    assert all(0x20 <= ord(c) < 0x7F for c in rdata), rdata
    if wp.is_generic(rdata):
        assert wp.generic_bytes(rdata) == rec.wire
        assert rtype.startswith("TYPE") or rtype in ("NULL", "IPSECKEY"), (
            "%s printed in generic form: %s" % (rtype, rdata))


@pytest.mark.parametrize("rec", CORPUS, ids=_id)
def test_onedot_vs_ldns(rec, onedot_out, ldns_out):
    _, _, od_type, od_rdata = onedot_out[rec.owner]
    got = ldns_out.get(rec.owner)
    if got is not None:
        assert got[:2] == ("3600", "IN")
    _compare("ldns", rec, od_type, od_rdata, got[2] if got else None,
             got[3] if got else None)


@pytest.mark.parametrize("rec", CORPUS, ids=_id)
def test_onedot_vs_kdig(rec, onedot_out, kdig_out):
    _, _, od_type, od_rdata = onedot_out[rec.owner]
    got = kdig_out.get(rec.owner)
    if got is not None:
        assert got[:2] == ("3600", "IN")
    _compare("kdig", rec, od_type, od_rdata, got[2] if got else None,
             got[3] if got else None)


@pytest.mark.parametrize("rec", CORPUS, ids=_id)
def test_onedot_vs_dnspython(rec, onedot_out):
    _, _, od_type, od_rdata = onedot_out[rec.owner]
    text = _dnspython_text(rec)
    peer_type = od_type
    if wp.is_generic(text) and not wp.is_generic(od_rdata):
        peer_type = "TYPE%d" % rec.rtype
    _compare("dnspython", rec, od_type, od_rdata, peer_type, text)


@pytest.mark.parametrize("rec", CORPUS, ids=_id)
def test_dnspython_reads_onedot_back(rec, onedot_out):
    """onedot's text parsed by dnspython gives back the record's octets
    (where dnspython knows the type's format)."""
    _, _, od_type, od_rdata = onedot_out[rec.owner]
    if od_type in PEER_LACKS["dnspython"] and not wp.is_generic(od_rdata):
        pytest.skip("dnspython has no presentation format for %s" % od_type)
    if "dohpath=" in od_rdata:
        # dnspython 2.3 does not know the dohpath key name (RFC 9461)
        od_rdata = od_rdata.replace("dohpath=", "key7=")
    rd = dns.rdata.from_text(dns.rdataclass.IN, rec.rtype, od_rdata)
    assert rd.to_wire() == rec.wire


def test_differences_are_used(onedot_out):
    """Every listed difference names a record of the corpus."""
    texts = {(t, rd) for (_, _, t, rd) in onedot_out.values()}
    for (peer, rtype), d in DIFFERS.items():
        for od_text in d.cases:
            assert (rtype, od_text) in texts, (peer, rtype, od_text)
