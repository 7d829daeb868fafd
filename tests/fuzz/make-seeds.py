#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Write the seed corpora of fuzz_packet and fuzz_name.

Realistic queries and responses (many RR types, EDNS options, name
compression) made with dnspython, plus the malformed messages the unit
tests check. Run from anywhere: ./make-seeds.py [outdir] (default: the
corpus/ directory next to this script). Output is deterministic.
"""
import os
import struct
import sys
import time

import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.tsig
import dns.tsigkeyring
import dns.update

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "corpus")

RECORDS = [
    ("www", "A", "192.0.2.1"),
    ("www", "A", "192.0.2.2"),
    ("www", "AAAA", "2001:db8::1"),
    ("@", "NS", "ns1.example.com."),
    ("@", "NS", "ns2.example.net."),
    ("@", "SOA", "ns1.example.com. hostmaster.example.com. 2024010101 "
                 "7200 3600 1209600 300"),
    ("alias", "CNAME", "www.example.com."),
    ("@", "MX", "10 mail.example.com."),
    ("@", "TXT", '"v=spf1 -all" "second string"'),
    ("_sip._tcp", "SRV", "10 60 5060 sip.example.com."),
    ("@", "CAA", '0 issue "ca.example.net"'),
    ("@", "DNSKEY", "257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJx"
                    "pVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ=="),
    ("@", "DS", "2371 13 2 " + "1f987cc6" * 8),
    ("@", "RRSIG", "A 13 2 3600 20240201000000 20240101000000 2371 "
                   "example.com. Xdo/bZrTCdXa9JeSBFNRvMbEzxg+2Zt2Sb7ZUbRkZG3"
                   "5Lj5+1M0FuJ0mEr1Yy98N5tAXA6PrvmJ4QwgoZ4J2Qg=="),
    ("@", "NSEC", "alias.example.com. A NS SOA MX TXT AAAA RRSIG NSEC "
                  "DNSKEY CAA"),
    ("abc", "NSEC3", "1 0 10 AABBCCDD 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR A RRSIG"),
    ("@", "NSEC3PARAM", "1 0 10 AABBCCDD"),
    ("ptr", "PTR", "host.example.com."),
    ("@", "HINFO", '"PC" "Linux"'),
    ("@", "NAPTR", '100 10 "S" "SIP+D2U" "" _sip._udp.example.com.'),
    ("loc", "LOC", "52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m"),
    ("svc", "SVCB", '1 svc.example.net. alpn="h2,h3" port=8443 '
                    'ipv4hint=192.0.2.7'),
    ("@", "HTTPS", "1 . alpn=h2 ipv6hint=2001:db8::7"),
    ("dname", "DNAME", "example.net."),
    ("@", "SSHFP", "4 2 " + "0123456789abcdef" * 4),
    ("_443._tcp", "TLSA", "3 1 1 0123456789abcdef0123456789abcdef0123456789"
                          "abcdef0123456789abcdef"),
    ("@", "ZONEMD", "2024010101 1 1 " + "ab" * 48),
    ("@", "CDS", "2371 13 2 " + "ab" * 32),
    ("@", "URI", '10 1 "https://example.com/"'),
    ("@", "TYPE65280", "\\# 4 deadbeef"),
]

ORIGIN = dns.name.from_text("example.com.")


def rrset(owner, rtype, text, ttl=3600):
    name = dns.name.from_text(owner, ORIGIN) if owner != "@" else ORIGIN
    rd = dns.rdata.from_text(dns.rdataclass.IN, rtype, text, origin=ORIGIN,
                             relativize=False)
    rs = dns.rrset.RRset(name, dns.rdataclass.IN, rd.rdtype)
    rs.add(rd, ttl)
    return rs


def add(msg, section, rs):
    for old in section:
        if old.name == rs.name and old.rdtype == rs.rdtype:
            old.union_update(rs)
            return
    section.append(rs)


def write(kind, name, data):
    d = os.path.join(OUT, kind)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def ecs(addr, source, scope=0):
    return dns.edns.ECSOption(addr, source, scope)


def packets():
    out = {}
    q = dns.message.make_query("www.example.com.", "A", id=1)
    out["query-plain"] = q.to_wire()
    q = dns.message.make_query("www.example.com.", "AAAA", use_edns=0,
                               want_dnssec=True, payload=1232, id=2)
    out["query-edns-do"] = q.to_wire()
    opts = [
        dns.edns.GenericOption(dns.edns.COOKIE, bytes(range(8))),
        dns.edns.GenericOption(dns.edns.NSID, b""),
        ecs("192.0.2.0", 24),
        dns.edns.GenericOption(dns.edns.PADDING, bytes(20)),
        dns.edns.GenericOption(14, struct.pack("!HH", 20326, 38696)),
        dns.edns.GenericOption(65001, b"\x01\x02\x03"),
    ]
    q = dns.message.make_query("example.com.", "DNSKEY", use_edns=0,
                               payload=4096, options=opts, id=3)
    out["query-options"] = q.to_wire()
    q = dns.message.make_query("example.com.", "A", use_edns=0, id=4,
                               options=[ecs("2001:db8:1234::", 48)])
    out["query-ecs6"] = q.to_wire()

    # A response with every record type, in the answer section.
    r = dns.message.make_response(
        dns.message.make_query("example.com.", "ANY", use_edns=0, id=5))
    r.flags |= dns.flags.AA
    for owner, rtype, text in RECORDS:
        add(r, r.answer, rrset(owner, rtype, text))
    out["response-all-types"] = r.to_wire()

    # Referral with glue, EDE, server cookie, DO.
    q = dns.message.make_query("www.example.com.", "A", use_edns=0,
                               want_dnssec=True, id=6)
    r = dns.message.make_response(q)
    r.flags &= ~dns.flags.AA
    add(r, r.authority, rrset("@", "NS", "ns1.example.com."))
    add(r, r.authority, rrset("@", "NS", "ns2.example.com."))
    add(r, r.additional, rrset("ns1", "A", "192.0.2.53"))
    add(r, r.additional, rrset("ns2", "AAAA", "2001:db8::53"))
    r.use_edns(0, dns.flags.DO, 1232, options=[
        dns.edns.GenericOption(dns.edns.COOKIE, bytes(range(24))),
        dns.edns.EDEOption(3, "served stale"),
        dns.edns.GenericOption(dns.edns.NSID, b"ns1.example"),
    ])
    out["response-referral"] = r.to_wire()

    # NXDOMAIN with SOA and NSEC proof.
    q = dns.message.make_query("nope.example.com.", "A", use_edns=0, id=7)
    r = dns.message.make_response(q)
    r.set_rcode(dns.rcode.NXDOMAIN)
    add(r, r.authority, rrset("@", "SOA", RECORDS[5][2]))
    add(r, r.authority, rrset("@", "NSEC", RECORDS[14][2]))
    out["response-nxdomain"] = r.to_wire()

    # Extended RCODE BADVERS (needs the OPT's upper bits).
    r = dns.message.make_response(q)
    r.set_rcode(dns.rcode.BADVERS)
    out["response-badvers"] = r.to_wire()

    # CNAME chain, truncated flag, ECS scope in the reply.
    q = dns.message.make_query("alias.example.com.", "A", use_edns=0, id=8,
                               options=[ecs("198.51.100.0", 24)])
    r = dns.message.make_response(q)
    add(r, r.answer, rrset("alias", "CNAME", "www.example.com."))
    add(r, r.answer, rrset("www", "A", "192.0.2.1"))
    r.flags |= dns.flags.TC | dns.flags.RA | dns.flags.AD
    r.use_edns(0, 0, 1232, options=[ecs("198.51.100.0", 24, 16)])
    out["response-cname-ecs"] = r.to_wire()

    # NOTIFY, UPDATE opcodes.
    n = dns.message.make_query("example.com.", "SOA", id=9)
    n.set_opcode(dns.opcode.NOTIFY)
    n.flags |= dns.flags.AA
    out["notify"] = n.to_wire()

    # TSIG-signed query.
    keyring = dns.tsigkeyring.from_text({"key.example.": "c2VjcmV0c2VjcmV0"})
    q = dns.message.make_query("example.com.", "SOA", id=10)
    q.use_tsig(keyring, keyname="key.example.")
    now = time.time
    time.time = lambda: 1700000000.0  # a fixed "time signed": same seed each run
    try:
        out["query-tsig"] = q.to_wire()
    finally:
        time.time = now

    # A big response (compression offsets past 0x4000).
    r = dns.message.make_response(
        dns.message.make_query("big.example.com.", "TXT", id=11))
    for i in range(120):
        add(r, r.answer, rrset(f"n{i}.big", "TXT", '"' + "x" * 200 + '"'))
    out["response-big"] = r.to_wire()
    # UPDATE: zone, prerequisite, additions and deletions (empty RDATA).
    u = dns.update.UpdateMessage("example.com.", id=12)
    u.present("www", "A")
    u.absent("new")
    u.add("new", 300, "A", "192.0.2.9")
    u.delete("old", "MX")
    u.delete("www", "A", "192.0.2.1")
    out["update"] = u.to_wire()

    # Header only; several questions; zone transfer query.
    out["header-only"] = hdr(0, flags=0x0100)
    two = dns.message.make_query("a.example.", "A", id=13)
    two.question.append(dns.rrset.RRset(dns.name.from_text("B.Example."),
                                         dns.rdataclass.CH,
                                         dns.rdatatype.TXT))
    out["query-two-questions"] = two.to_wire()
    out["query-axfr"] = dns.message.make_query("example.com.", "AXFR",
                                               id=14).to_wire()
    # DNAME synthesis with mixed-case names (compression is
    # case-insensitive).
    q = dns.message.make_query("X.DName.Example.Com.", "A", id=15)
    r = dns.message.make_response(q)
    add(r, r.answer, rrset("dname", "DNAME", "example.net."))
    cn = dns.rrset.from_text("X.DName.Example.Com.", 0, "IN", "CNAME",
                             "x.example.net.")
    r.answer.append(cn)
    out["response-dname"] = r.to_wire()
    # Extended RCODE, EDNS version 1, unknown EDNS flags.
    r = dns.message.make_response(dns.message.make_query("example.com.", "A",
                                                         use_edns=0, id=16))
    r.use_edns(1, 0x4000 | dns.flags.DO, 512)
    r.set_rcode(dns.rcode.BADCOOKIE)
    out["response-edns1"] = r.to_wire()
    return out


def hdr(qd=0, an=0, ns=0, ar=0, ident=0x1234, flags=0x8180):
    return struct.pack("!HHHHHH", ident, flags, qd, an, ns, ar)


ROOT_OPT = b"\x00" + struct.pack("!HHIH", 41, 1232, 0, 0)


def malformed():
    q = b"\x03www\x07example\x03com\x00" + struct.pack("!HH", 1, 1)
    a = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 300, 4) + bytes([192, 0, 2, 1])
    out = {
        "bad-truncated-header": hdr(1)[:7],
        "bad-self-pointer": hdr(1) + b"\xc0\x0c" + struct.pack("!HH", 1, 1),
        "bad-pointer-cycle": hdr(1) + b"\xc0\x0e\xc0\x0c" + struct.pack("!HH", 1, 1),
        "bad-forward-pointer": hdr(1) + b"\xc0\x12\x00\x00\x01\x00\x01",
        "bad-pointer-range": hdr(1) + b"\xff\xff" + struct.pack("!HH", 1, 1),
        "bad-label-64": hdr(1) + b"\x40" + b"a" * 64 + b"\x00\x00\x01\x00\x01",
        "bad-name-256": hdr(1) + (b"\x3f" + b"a" * 63) * 4 + b"\x00\x00\x01\x00\x01",
        "bad-rdlen-past-end": hdr(1, 1) + q + a[:-2],
        "bad-counts": hdr(1, 3) + q + a,
        "bad-trailing": hdr(1, 1) + q + a + b"\x00\x00",
        "bad-dup-opt": hdr(1, 0, 0, 2) + q + ROOT_OPT + ROOT_OPT,
        "bad-opt-in-answer": hdr(1, 1) + q + ROOT_OPT,
        "bad-opt-owner": hdr(1, 0, 0, 1) + q + b"\xc0\x0c" + ROOT_OPT[1:],
        "bad-opt-truncated": hdr(1, 0, 0, 1) + q + b"\x00" +
            struct.pack("!HHIH", 41, 1232, 0, 8) + struct.pack("!HH", 10, 8),
        "bad-opt-option-overrun": hdr(1, 0, 0, 1) + q + b"\x00" +
            struct.pack("!HHIH", 41, 1232, 0, 6) + struct.pack("!HH", 10, 8) + b"ab",
        "bad-cookie-len": hdr(1, 0, 0, 1) + q + b"\x00" +
            struct.pack("!HHIH", 41, 1232, 0, 9) + struct.pack("!HH", 10, 5) + b"abcde",
        "bad-ecs-bits": hdr(1, 0, 0, 1) + q + b"\x00" +
            struct.pack("!HHIH", 41, 1232, 0, 11) +
            struct.pack("!HHHBB", 8, 7, 1, 20, 0) + bytes([192, 0, 255]),
    }
    # A TSIG record followed by another record.
    tsig_rd = (b"\x0bhmac-sha256\x00" + b"\x00\x00\x65\x00\x00\x00" +
               struct.pack("!HH", 300, 0) + struct.pack("!HHH", 1, 0, 0))
    tsig = b"\x03key\x00" + struct.pack("!HHIH", 250, 255, 0, len(tsig_rd)) + tsig_rd
    out["bad-tsig-not-last"] = hdr(1, 0, 0, 2) + q + tsig + ROOT_OPT
    out["tsig-last"] = hdr(1, 0, 0, 2) + q + ROOT_OPT + tsig
    out["bad-a-rdlen"] = hdr(1, 1) + q + b"\xc0\x0c" + \
        struct.pack("!HHIH", 1, 1, 300, 3) + bytes([192, 0, 2])
    return out


def names():
    out = {}
    texts = ["example.com.", ".", "www.example.com", "a\\.b.example.",
             "\\000\\255.x.", "*.wild.example.", "_srv._tcp.x-y.",
             "Example.COM.", "sp\\032ace.", "@", "a..b", "\\999.",
             "q\\\"uote\\;semi\\(p\\).", ("a" * 63 + ".") * 3 + "b" * 61 + ".",
             "a" * 64 + ".", "trailing\\"]
    for i, t in enumerate(texts):
        out[f"text-{i:02d}"] = t.encode()
    # Binary: first byte is the start offset of the name inside the rest.
    wire = b"\x07example\x03com\x00"
    out["wire-plain"] = b"\x00" + wire
    out["wire-pointer"] = b"\x0d" + wire + b"\x03www\xc0\x00"
    out["wire-pointer-chain"] = b"\x13" + wire + b"\x01a\xc0\x00\x01b\xc0\x0d"
    out["wire-self-pointer"] = b"\x00\xc0\x00"
    out["wire-cycle"] = b"\x02\xc0\x02\xc0\x00"
    out["wire-forward"] = b"\x00\xc0\x04\x00\x01a\x00"
    out["wire-range"] = b"\x00\xff\xff"
    out["wire-label-64"] = b"\x00\x40" + b"a" * 64 + b"\x00"
    out["wire-long-via-ptr"] = b"\xc1" + (b"\x3f" + b"a" * 63) * 3 + b"\x00" + \
        b"\x3f" + b"b" * 63 + b"\xc0\x00"
    out["wire-reserved-label"] = b"\x00\x81abc\x00"
    out["wire-truncated"] = b"\x00\x05ab"
    return out


def main():
    for k, v in packets().items():
        write("packet", k, v)
    for k, v in malformed().items():
        write("packet", k, v)
    for k, v in names().items():
        write("name", k, v)


if __name__ == "__main__":
    main()
