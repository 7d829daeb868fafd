# SPDX-License-Identifier: MIT
"""Whole messages: onedot's dig-style printer against kdig and drill.

A local responder (127.0.0.1, free port) answers each query with one of
the prepared messages below, built with dnspython. kdig and drill query
it; onedot prints the same bytes (tests/tools/odprint pkt). Every printed
message is parsed into one model (wire_peers.parse_dig_style: header
flags, opcode, rcode, counts, EDNS version/flags/size/options, the four
sections) and must equal the model of the bytes themselves as dnspython
reads them, except for the listed peer differences, which then say what
the peer prints instead. So onedot and each peer agree wherever the list
says nothing.

Malformed messages must make odprint stop with a message and a non-zero
status; kdig and drill are checked to refuse the same bytes.
"""

import copy

import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest

import wire_peers as wp


def _resp(qname, qtype, rcode=dns.rcode.NOERROR, flags=0, edns=None):
    q = dns.message.make_query(qname, qtype)
    q.flags &= ~dns.flags.RD
    r = dns.message.make_response(q)
    r.flags |= flags
    r.set_rcode(rcode)
    if edns is not None:
        ednsflags, payload, options = edns
        r.use_edns(0, ednsflags, payload, options=options)
        r.set_rcode(rcode)
    return r


def _rr(msg, section, name, ttl, rtype, *rdatas):
    getattr(msg, section).append(
        dns.rrset.from_text(name, ttl, "IN", rtype, *rdatas))


def _opt(code, hexdata):
    return dns.edns.GenericOption(code, bytes.fromhex(hexdata))


def build_corpus():
    """name -> (qname, qtype, wire)."""
    out = {}

    m = _resp("www.example.", "A", flags=dns.flags.AA | dns.flags.RA)
    _rr(m, "answer", "www.example.", 300, "CNAME", "web.example.")
    _rr(m, "answer", "web.example.", 300, "A", "192.0.2.1", "192.0.2.2")
    _rr(m, "authority", "example.", 86400, "NS", "ns1.example.",
        "ns2.example.")
    _rr(m, "additional", "ns1.example.", 86400, "A", "192.0.2.53")
    _rr(m, "additional", "ns1.example.", 86400, "AAAA", "2001:db8::53")
    out["compressed-referral"] = m

    m = _resp("many.example.", "TXT", flags=dns.flags.AA | dns.flags.AD,
              edns=(dns.flags.DO, 1232, []))
    _rr(m, "answer", "many.example.", 3600, "TXT", '"hello world"',
        '"a\\"b" "c\\\\d" "\\010"')
    _rr(m, "answer", "many.example.", 3600, "MX", "10 mail.example.")
    _rr(m, "answer", "many.example.", 3600, "SRV", "0 5 5060 sip.example.")
    _rr(m, "answer", "many.example.", 3600, "CAA",
        '0 issue "ca.example.net"')
    _rr(m, "answer", "many.example.", 3600, "SVCB",
        "1 . alpn=h2,h3 port=8443 ipv4hint=192.0.2.1")
    _rr(m, "answer", "many.example.", 3600, "DS",
        "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118")
    _rr(m, "answer", "many.example.", 3600, "RRSIG",
        "TXT 13 2 3600 20240201000000 20240101000000 12345 example. "
        "MuN3+FvKx+/1dEc5HzUkTzzIm3CQTsnnmqDVO+aVTQHHGFHB1t8k3P4w8QGgQKGn"
        "Twf3t6nQ7mcLN6DaQoWpHg==")
    _rr(m, "answer", "many.example.", 3600, "NSEC",
        "next.example. TXT RRSIG NSEC")
    _rr(m, "answer", "many.example.", 3600, "TYPE65400", "\\# 2 abcd")
    out["many-types"] = m

    m = _resp("nx.example.", "A", rcode=dns.rcode.NXDOMAIN,
              flags=dns.flags.AA)
    _rr(m, "authority", "example.", 300, "SOA",
        "ns1.example. hostmaster.example. 2024010101 7200 3600 1209600 300")
    out["nxdomain-soa"] = m

    m = _resp("cookie.example.", "A", flags=dns.flags.CD,
              edns=(dns.flags.DO, 4096,
                    [_opt(10, "0102030405060708aabbccddeeff0011"),
                     _opt(3, "6e7331")]))
    _rr(m, "answer", "cookie.example.", 60, "A", "192.0.2.7")
    out["edns-cookie-nsid"] = m

    m = _resp("ede.example.", "A", rcode=dns.rcode.SERVFAIL,
              edns=(0, 1232, [_opt(15, "0012" + b"blocked".hex()),
                              _opt(15, "0006")]))
    out["edns-ede"] = m

    m = _resp("ecs.example.", "A",
              edns=(0, 512, [_opt(8, "00011800c00002"),
                             _opt(8, "0002300020010db80001")]))
    out["edns-ecs"] = m

    m = _resp("pad.example.", "A",
              edns=(0, 1232, [_opt(14, "4f669726"),
                              _opt(12, "00" * 16)]))
    out["edns-keytag-padding"] = m

    m = _resp("unk.example.", "A",
              edns=(0, 1232, [_opt(65001, "deadbeef"), _opt(65002, ""),
                              _opt(9, "00001c20"), _opt(11, "0064")]))
    out["edns-unknown-expire-keepalive"] = m

    m = _resp("tc.example.", "A", flags=dns.flags.TC)
    out["truncated-tc"] = m

    m = _resp("badvers.example.", "A", rcode=dns.rcode.BADVERS,
              edns=(0, 1232, []))
    out["badvers"] = m

    corpus = {}
    for name, msg in out.items():
        q = msg.question[0]
        corpus[name] = (q.name.to_text(), dns.rdatatype.to_text(q.rdtype),
                        msg.to_wire())
    return corpus


CORPUS = build_corpus()
PRINTERS = ("onedot", "kdig", "drill")


# What a peer prints differently from the bytes, as a change applied to
# the truth's model. Each entry says why.
def _drill_counts(model):
    # ldns leaves the OPT record out of the printed ADDITIONAL count (it
    # stores EDNS apart from the sections); the header counts it (RFC 6891
    # §6.1.1 makes OPT an additional record). onedot prints the header.
    if model["edns"] is not None:
        c = list(model["counts"])
        c[3] -= 1
        model["counts"] = tuple(c)


def _drill_keytag(model):
    # drill 1.8.3 prints the first key tag of an edns-key-tag option
    # (RFC 8145 §4.1) once per tag; onedot prints every tag.
    opts = model["edns"]["options"] if model["edns"] else []
    for i, (code, value) in enumerate(opts):
        if code == 14:
            opts[i] = (14, (value[0],) * len(value))


def _drill_expire(model):
    # drill 1.8.3 calls a 4-octet EXPIRE option (RFC 7314 §2: exactly 4
    # octets in a response) malformed; onedot prints the value.
    opts = model["edns"]["options"] if model["edns"] else []
    for i, (code, value) in enumerate(opts):
        if code == 9:
            opts[i] = (9, ("malformed", value.to_bytes(4, "big")))


def _drill_rcode(model):
    # drill shows the header's 4-bit RCODE as the status and the OPT's
    # upper 8 bits apart ("ext-rcode: 16"); RFC 6891 §6.1.3 makes the
    # RCODE the 12-bit combination, which onedot prints (BADVERS).
    code = dns.rcode.from_text(model["rcode"])
    if code > 15:
        model["rcode"] = dns.rcode.to_text(code & 0xF)


PEER_DIFFERS = {
    "drill": [_drill_counts, _drill_keytag, _drill_expire, _drill_rcode],
    "kdig": [],
    "onedot": [],
}


def expected(printer, truth):
    model = copy.deepcopy(truth)
    for change in PEER_DIFFERS[printer]:
        change(model)
    return model


def _as_model(printer, text):
    parsed = wp.parse_dig_style(text, printer)
    lines = parsed.pop("edns_lines")
    if parsed["edns"] is not None:
        parsed["edns"]["options"] = [wp.parse_option_line(printer, ln)
                                     for ln in lines]
    for sec in ("answer", "authority", "additional"):
        parsed[sec] = wp.rows_to_wire_form(parsed[sec],
                                           dns.rdatatype.from_text)
    return parsed


# ------------------------------------------------------------ runs

@pytest.fixture(scope="module")
def served(responder):
    for qname, qtype, wire in CORPUS.values():
        responder.add(qname, qtype, wire)
    return responder


@pytest.fixture(scope="module")
def kdig_texts(kdig_bin, served):
    """Packet name -> kdig's full output, from one kdig run."""
    names = list(CORPUS)
    out, err, rc = wp.kdig(served, [CORPUS[n][:2] for n in names],
                           extra=["+ignore", "+nostats"])
    assert rc == 0, err
    parts = out.split(";; ->>HEADER<<-")[1:]
    assert len(parts) == len(names), out
    return {n: ";; ->>HEADER<<-" + p for n, p in zip(names, parts)}


def _drill(drill_bin, server, qname, qtype):
    p = wp.run([drill_bin, "-p", str(server.port), "@" + server.addr,
                qname, qtype])
    return p


@pytest.fixture(scope="module")
def drill_texts(drill_bin, served):
    out = {}
    for name, (qname, qtype, _) in CORPUS.items():
        p = _drill(drill_bin, served, qname, qtype)
        assert p.returncode == 0, p.stderr.decode()
        out[name] = p.stdout.decode("utf-8", "replace")
    return out


@pytest.fixture(scope="module")
def onedot_texts(odprint):
    out = {}
    for name, (_, _, wire) in CORPUS.items():
        p = wp.run([odprint, "pkt"], wire)
        if p.returncode == 2 and b"without the message parser" in p.stderr:
            pytest.skip("odprint was built without the message printer")
        assert p.returncode == 0, (name, p.stderr.decode())
        out[name] = p.stdout.decode("utf-8")
    return out


def _texts_of(request, printer):
    return request.getfixturevalue(printer + "_texts")


# ------------------------------------------------------------ tests

@pytest.mark.parametrize("printer", PRINTERS)
@pytest.mark.parametrize("name", list(CORPUS))
def test_printed_message_matches_wire(request, printer, name):
    text = _texts_of(request, printer)[name]
    truth = wp.model_from_wire(CORPUS[name][2])
    got = _as_model(printer, text)
    want = expected(printer, truth)
    for key in ("opcode", "rcode", "flags", "counts", "edns", "question",
                "answer", "authority", "additional"):
        assert got.get(key) == want[key], "%s %s: %s\n%s" % (
            printer, name, key, text)


@pytest.mark.parametrize("peer", ("kdig", "drill"))
@pytest.mark.parametrize("name", list(CORPUS))
def test_onedot_vs_peer(request, peer, name):
    """Direct comparison: onedot's model and the peer's differ exactly by
    the peer's listed differences."""
    od = _as_model("onedot", _texts_of(request, "onedot")[name])
    pe = _as_model(peer, _texts_of(request, peer)[name])
    for change in PEER_DIFFERS[peer]:
        change(od)
    for key in ("opcode", "rcode", "flags", "counts", "edns", "question",
                "answer", "authority", "additional"):
        assert od.get(key) == pe.get(key), (peer, name, key)


def test_peer_differences_occur():
    """Each listed peer difference changes the model of some message."""
    for peer, changes in PEER_DIFFERS.items():
        for change in changes:
            hit = False
            for _, _, wire in CORPUS.values():
                truth = wp.model_from_wire(wire)
                m = copy.deepcopy(truth)
                change(m)
                hit |= m != truth
            assert hit, (peer, change.__name__)


# ------------------------------------------------------------ malformed

def _hdr(qd, an, ns, ar, flags=0x8400):
    return bytes.fromhex("0000") + flags.to_bytes(2, "big") + bytes(
        [qd >> 8, qd & 255, an >> 8, an & 255, ns >> 8, ns & 255,
         ar >> 8, ar & 255])


def _question(qname):
    return dns.name.from_text(qname).to_wire() + bytes.fromhex("00010001")


_OPT = bytes.fromhex("00" "0029" "04d0" "00000000" "0000")


def build_malformed():
    """name -> (qname, wire, what onedot's message must name)."""
    out = {}
    q = "loop.example."
    qs = _question(q)
    # answer owner: a pointer to itself (offset 12 + len(question))
    off = 12 + len(qs)
    out["compression-loop"] = (q, _hdr(1, 1, 0, 0) + qs + bytes(
        [0xC0 | off >> 8, off & 255]) + bytes.fromhex(
            "00010001" "00000e10" "0004" "c0000201"), "pointer")
    q = "range.example."
    qs = _question(q)
    out["pointer-out-of-range"] = (q, _hdr(1, 1, 0, 0) + qs + bytes.fromhex(
        "cfff" "00010001" "00000e10" "0004" "c0000201"), "pointer")
    q = "topt.example."
    out["truncated-opt"] = (q, _hdr(1, 0, 0, 1) + _question(q) + bytes.fromhex(
        "00" "0029" "04d0" "00000000" "000c" "000a0008" "01020304"),
        "truncated")
    q = "dopt.example."
    out["duplicate-opt"] = (q, _hdr(1, 0, 0, 2) + _question(q) + _OPT + _OPT,
                            "OPT")
    q = "short.example."
    out["count-beyond-end"] = (q, _hdr(1, 2, 0, 0) + _question(q)
                               + bytes.fromhex("c00c" "00010001" "00000e10"
                                               "0004" "c0000201"),
                               "truncated")
    return out


MALFORMED = build_malformed()


@pytest.mark.parametrize("name", list(MALFORMED))
def test_onedot_rejects_malformed(odprint, name):
    _, wire, reason = MALFORMED[name]
    p = wp.run([odprint, "pkt"], wire)
    if p.returncode == 2 and b"without the message parser" in p.stderr:
        pytest.skip("odprint was built without the message printer")
    err = p.stderr.decode()
    assert p.returncode == 1, (p.returncode, err)
    assert p.stdout == b""
    assert "malformed message" in err and reason.lower() in err.lower(), err


@pytest.mark.parametrize("name", list(MALFORMED))
def test_kdig_rejects_malformed(kdig_bin, responder, name):
    qname, wire, _ = MALFORMED[name]
    responder.add(qname, "A", wire)
    out, err, rc = wp.kdig(responder, [(qname, "A")],
                           extra=["+retry=0", "+timeout=1"])
    assert "malformed reply packet" in err.lower() + out.lower(), (out, err)
    assert ";; ANSWER SECTION" not in out


# Malformed messages that drill prints anyway. RFC 6891 §6.1.1: a message
# with more than one OPT record is malformed (a server answers FORMERR);
# ldns keeps one OPT and prints the message; onedot refuses it.
DRILL_ACCEPTS = {"duplicate-opt"}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_drill_rejects_malformed(drill_bin, responder, name):
    qname, wire, _ = MALFORMED[name]
    responder.add(qname, "A", wire)
    p = _drill(drill_bin, responder, qname, "A")
    text = (p.stdout + p.stderr).decode("utf-8", "replace")
    if name in DRILL_ACCEPTS:
        assert p.returncode == 0 and ";; EDNS: version 0" in text, text
        return
    assert p.returncode != 0 or "error" in text.lower(), text
    assert ";; ANSWER SECTION" not in text
