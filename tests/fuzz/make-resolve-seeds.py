#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Write the seed corpus of fuzz_resolve: client query selectors followed
by the upstream answers that lead the engine along realistic paths
(referrals with and without glue, AA answers, CNAME and DNAME chains,
NXDOMAIN and NODATA with SOA, TC=1, FORMERR, SERVFAIL, spoofs) and broken
ones (truncated messages, compression loops). The input format is
described at the top of fuzz_resolve.c. Run from anywhere:
./make-resolve-seeds.py [outdir] (default: corpus/resolve next to this
script). Output is deterministic: files are named by the SHA-1 of their
content.

Each answer carries the question the engine is expected to ask; the
target copies the real question in anyway (flag 0x08), so a seed stays
useful when the engine's path changes, as long as names keep their
length (compression pointers refer to the question).
"""
import hashlib
import os
import struct
import sys

import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "corpus", "resolve")

# Indexes into the target's tables (fuzz_resolve.c).
QNAMES = [
    "www.example.com.", "example.com.", "a.b.c.d.e.f.example.net.", ".",
    "alias.example.org.", "ns1.example.com.", "nx.test.", "com.",
    "x.y.z.test.", "www.EXAMPLE.net.", "1.2.0.192.in-addr.arpa.",
    "_sip._tcp.example.com.", "*.wild.example.com.",
    "a.very.long.name.with.many.labels.in.it.example.co.uk.",
    "ns.example.net.", "dname.example.org.",
]
QTYPES = ["A", "AAAA", "NS", "MX", "TXT", "CNAME", "SOA", "DS", "DNSKEY",
          "ANY", "PTR", "SRV", "HTTPS", "NULL", "OPT", "AXFR"]

# Flags of byte 0 and byte 3.
NO_QMIN, X20, OWN_ID, COPY_Q, CLIENT_EDNS, NO_INFRA, TIGHT, NO_V6 = (
    1 << i for i in range(8))
SECOND, NO_RD, CD, REAL_TIMEOUTS, NO_V4 = 1, 2, 4, 8, 16
# Top bits of an answer's length word.
TIMEOUT, INV_ID, INV_Q, SPOOF = 0x8000, 0x4000, 0x2000, 0x1000


def rrsets(lines):
    """Records as text, one a line; lines of one owner and type make one
    RRset."""
    out = []
    for line in lines:
        owner, ttl, rdtype, rdata = line.split(None, 3)
        rs = dns.rrset.from_text(owner, int(ttl), "IN", rdtype, rdata)
        for o in out:
            if o.name == rs.name and o.rdtype == rs.rdtype:
                o.update(rs)
                break
        else:
            out.append(rs)
    return out


def msg(qname, qtype, rcode="NOERROR", aa=False, tc=False, answer=(),
        authority=(), additional=(), edns=True, options=()):
    m = dns.message.Message(id=0)
    m.flags = dns.flags.QR
    if aa:
        m.flags |= dns.flags.AA
    if tc:
        m.flags |= dns.flags.TC
    m.set_rcode(dns.rcode.from_text(rcode))
    if qname is not None:
        m.question = [dns.rrset.RRset(dns.name.from_text(qname),
                                      dns.rdataclass.IN,
                                      dns.rdatatype.from_text(qtype))]
    m.answer = rrsets(answer)
    m.authority = rrsets(authority)
    m.additional = rrsets(additional)
    if edns:
        m.use_edns(0, 0, 1232, options=list(options))
    return m.to_wire(max_size=65535)


def referral(qname, qtype, zone, servers, glue=True, v6=False):
    """A referral to zone: servers is a list of (name, ipv4)."""
    auth = ["%s 172800 NS %s" % (zone, ns) for ns, _ in servers]
    add = []
    if glue:
        for i, (ns, ip) in enumerate(servers):
            add.append("%s 172800 A %s" % (ns, ip))
            if v6:
                add.append("%s 172800 AAAA 2001:db8::%x" % (ns, i + 1))
    return msg(qname, qtype, authority=auth, additional=add)


def soa(zone):
    return "%s 3600 SOA ns1.%s h.%s 1 7200 3600 1209600 300" % (
        zone, zone, zone)


def root_soa():
    return ". 86400 SOA a.root-servers.net. nstld.verisign-grs.com. " \
           "1 1800 900 604800 86400"


COM = ("a.gtld-servers.net.", "192.5.6.30")
NET = COM
ORG = ("a0.org.afilias-nst.info.", "199.19.56.1")
EXC = ("ns1.example.com.", "192.0.2.1")
EXN = ("ns1.example.net.", "192.0.2.2")
EXO = ("ns1.example.org.", "192.0.2.3")


def seed(flags, name, qtype, answers, more=0, name2=None, qtype2=None):
    """answers: list of bytes, or (bytes, topbits)."""
    n1 = QNAMES.index(name)
    t1 = QTYPES.index(qtype)
    n2 = QNAMES.index(name2) if name2 else 0
    t2 = QTYPES.index(qtype2) if qtype2 else 0
    out = bytes([flags, n1 | n2 << 4, t1 | t2 << 4, more])
    for a in answers:
        bits = 0
        if isinstance(a, tuple):
            a, bits = a
        assert len(a) <= 0x0fff, len(a)
        out += struct.pack(">H", len(a) | bits) + a
    return out


def compression_loop(qname, qtype):
    """An answer whose record owner is a pointer to itself."""
    w = bytearray(msg(qname, qtype))
    # Header: ANCOUNT 1, and a record appended after the question.
    qend = 12 + len(dns.name.from_text(qname).to_wire()) + 4
    arcount = struct.unpack(">H", w[10:12])[0]
    body = w[:qend]
    rest = w[qend:]
    rec_off = len(body)
    rec = struct.pack(">H", 0xc000 | rec_off) + struct.pack(
        ">HHIH", 1, 1, 300, 4) + bytes([192, 0, 2, 9])
    body[6:8] = struct.pack(">H", 1)
    body[10:12] = struct.pack(">H", arcount)
    return bytes(body + rec + rest)


def seeds():
    s = []
    Q = COPY_Q
    # 1. www.example.com A, QNAME minimisation: com., example.com., full.
    www_path = [
        referral("com.", "A", "com.", [COM]),
        referral("example.com.", "A", "example.com.", [EXC]),
        msg("www.example.com.", "A", aa=True,
            answer=["www.example.com. 3600 A 192.0.2.80"],
            authority=["example.com. 3600 NS ns1.example.com."]),
    ]
    s.append(seed(Q, "www.example.com.", "A", www_path))
    # 2. The same without minimisation.
    s.append(seed(Q | NO_QMIN, "www.example.com.", "A", [
        referral("www.example.com.", "A", "com.", [COM]),
        referral("www.example.com.", "A", "example.com.", [EXC]),
        msg("www.example.com.", "A", aa=True,
            answer=["www.example.com. 3600 A 192.0.2.80"]),
    ]))
    # 3. Then the same again from the cache, and a second name.
    s.append(seed(Q, "www.example.com.", "A", www_path + [
        msg("ns1.example.com.", "AAAA", aa=True,
            authority=[soa("example.com.")]),
    ], more=SECOND, name2="ns1.example.com.", qtype2="AAAA"))
    # 4. CNAME in the same zone, both in one answer.
    org_path = [
        referral("org.", "A", "org.", [ORG]),
        referral("example.org.", "A", "example.org.", [EXO]),
    ]
    s.append(seed(Q, "alias.example.org.", "A", org_path + [
        msg("alias.example.org.", "A", aa=True,
            answer=["alias.example.org. 300 CNAME www.example.org.",
                    "www.example.org. 300 A 192.0.2.81"]),
    ]))
    # 5. CNAME to another zone: the target is resolved from the root.
    s.append(seed(Q | NO_QMIN, "alias.example.org.", "A", [
        referral("alias.example.org.", "A", "org.", [ORG]),
        referral("alias.example.org.", "A", "example.org.", [EXO]),
        msg("alias.example.org.", "A", aa=True,
            answer=["alias.example.org. 300 CNAME www.example.net."]),
        referral("www.example.net.", "A", "net.", [NET]),
        referral("www.example.net.", "A", "example.net.", [EXN]),
        msg("www.example.net.", "A", aa=True,
            answer=["www.example.net. 300 A 192.0.2.82"]),
    ]))
    # 6. CNAME loop.
    s.append(seed(Q | NO_QMIN, "alias.example.org.", "A", [
        referral("alias.example.org.", "A", "org.", [ORG]),
        referral("alias.example.org.", "A", "example.org.", [EXO]),
        msg("alias.example.org.", "A", aa=True,
            answer=["alias.example.org. 300 CNAME loop.example.org.",
                    "loop.example.org. 300 CNAME alias.example.org."]),
    ] + [msg("alias.example.org.", "A", aa=True,
             answer=["alias.example.org. 300 CNAME loop.example.org."])] * 3))
    # 7. A long chain under tight limits.
    chain = ["alias.example.org. 300 CNAME c1.example.org."] + [
        "c%d.example.org. 300 CNAME c%d.example.org." % (i, i + 1)
        for i in range(1, 6)] + ["c6.example.org. 300 A 192.0.2.7"]
    s.append(seed(Q | NO_QMIN | TIGHT, "alias.example.org.", "A", [
        referral("alias.example.org.", "A", "org.", [ORG]),
        referral("alias.example.org.", "A", "example.org.", [EXO]),
        msg("alias.example.org.", "A", aa=True, answer=chain),
    ]))
    # 8. DNAME with its synthesized CNAME.
    s.append(seed(Q | NO_QMIN, "dname.example.org.", "A", [
        referral("dname.example.org.", "A", "org.", [ORG]),
        referral("dname.example.org.", "A", "example.org.", [EXO]),
        msg("dname.example.org.", "A", aa=True,
            answer=["example.org. 300 DNAME example.com.",
                    "dname.example.org. 300 CNAME dname.example.com."]),
        referral("dname.example.com.", "A", "com.", [COM]),
        referral("dname.example.com.", "A", "example.com.", [EXC]),
        msg("dname.example.com.", "A", aa=True,
            answer=["dname.example.com. 300 A 192.0.2.99"]),
    ]))
    # 9. NXDOMAIN from the root with its SOA.
    s.append(seed(Q, "nx.test.", "A", [
        msg("test.", "A", rcode="NXDOMAIN", aa=True,
            authority=[root_soa()]),
    ]))
    # 10. NXDOMAIN without SOA; then the name again (negative cache).
    s.append(seed(Q | NO_QMIN, "nx.test.", "A", [
        msg("nx.test.", "A", rcode="NXDOMAIN", aa=True),
        msg("nx.test.", "A", rcode="NXDOMAIN", aa=True),
    ], more=SECOND, name2="nx.test.", qtype2="AAAA"))
    # 11. NODATA with SOA at a delegated name.
    s.append(seed(Q, "example.com.", "MX", [
        referral("com.", "A", "com.", [COM]),
        referral("example.com.", "MX", "example.com.", [EXC]),
        msg("example.com.", "MX", aa=True,
            authority=["example.com. 3600 SOA ns1.example.com. "
                       "h.example.com. 1 7200 3600 1209600 300"]),
    ]))
    # 12. TC=1 over UDP, the same over TCP.
    s.append(seed(Q, "www.example.com.", "A", [
        msg("com.", "A", tc=True),
    ] + www_path))
    # 13. FORMERR to EDNS: retry without it.
    s.append(seed(Q, "www.example.com.", "A", [
        msg("com.", "A", rcode="FORMERR", edns=False),
    ] + www_path))
    # 14. FORMERR without a question, then SERVFAIL, REFUSED, timeout.
    s.append(seed(Q, "www.example.com.", "A", [
        (msg(None, None, rcode="FORMERR", edns=False), INV_Q),
        msg("com.", "A", rcode="SERVFAIL"),
        msg("www.example.com.", "A", rcode="REFUSED"),
        (b"", TIMEOUT),
    ] + www_path))
    # 15. Referral without glue: the NS address is resolved first.
    s.append(seed(Q | NO_QMIN, "www.example.com.", "A", [
        referral("www.example.com.", "A", "com.", [COM]),
        referral("www.example.com.", "A", "example.com.",
                 [("ns.example.net.", None)], glue=False),
        referral("ns.example.net.", "A", "net.", [NET]),
        referral("ns.example.net.", "A", "example.net.", [EXN]),
        msg("ns.example.net.", "A", aa=True,
            answer=["ns.example.net. 300 A 192.0.2.53"]),
        msg("www.example.com.", "A", aa=True,
            answer=["www.example.com. 300 A 192.0.2.80"]),
    ]))
    # 16. Glue out of bailiwick (must not be used) and AAAA glue.
    s.append(seed(Q | NO_QMIN, "www.example.com.", "A", [
        msg("www.example.com.", "A",
            authority=["com. 172800 NS a.gtld-servers.net.",
                       "com. 172800 NS evil.example.org."],
            additional=["evil.example.org. 172800 A 203.0.113.66",
                        "a.gtld-servers.net. 172800 AAAA 2001:db8::30",
                        "a.gtld-servers.net. 172800 A 192.5.6.30"]),
        referral("www.example.com.", "A", "example.com.", [EXC], v6=True),
        msg("www.example.com.", "A", aa=True,
            answer=["www.example.com. 300 A 192.0.2.80"],
            additional=["www.example.org. 300 A 203.0.113.1"]),
    ]))
    # 17. Upward referral (lame), then a good one.
    s.append(seed(Q | NO_QMIN, "www.example.com.", "A", [
        referral("www.example.com.", "A", "com.", [COM]),
        msg("www.example.com.", "A",
            authority=[". 518400 NS a.root-servers.net."],
            additional=["a.root-servers.net. 518400 A 198.41.0.4"]),
        referral("www.example.com.", "A", "example.com.", [EXC]),
        msg("www.example.com.", "A", aa=True,
            answer=["www.example.com. 300 A 192.0.2.80"]),
    ]))
    # 18. Many NS names without glue (NXNS bound).
    s.append(seed(Q | NO_QMIN, "www.example.com.", "A", [
        referral("www.example.com.", "A", "com.", [COM]),
        referral("www.example.com.", "A", "example.com.",
                 [("n%d.example.net." % i, None) for i in range(20)],
                 glue=False),
    ] + [msg("n%d.example.net." % i, "A", rcode="NXDOMAIN",
             authority=[root_soa()]) for i in range(8)]))
    # 19. QNAME minimisation through empty non-terminals.
    s.append(seed(Q, "a.b.c.d.e.f.example.net.", "A", [
        referral("net.", "A", "net.", [NET]),
        referral("example.net.", "A", "example.net.", [EXN]),
    ] + [msg(n, "A", aa=True, authority=[
        "example.net. 300 SOA ns1.example.net. h.example.net. 1 2 3 4 300"])
        for n in ["f.example.net.", "e.f.example.net.",
                  "d.e.f.example.net.", "c.d.e.f.example.net.",
                  "b.c.d.e.f.example.net."]] + [
        msg("a.b.c.d.e.f.example.net.", "A", aa=True,
            answer=["a.b.c.d.e.f.example.net. 300 A 192.0.2.6"]),
    ]))
    # 20. NXDOMAIN at an empty non-terminal (broken server): fallback.
    s.append(seed(Q, "x.y.z.test.", "TXT", [
        referral("test.", "A", "test.", [("ns.test.", "192.0.2.9")]),
        msg("z.test.", "A", rcode="NXDOMAIN", aa=True,
            authority=[soa("test.")]),
        msg("x.y.z.test.", "TXT", aa=True,
            answer=['x.y.z.test. 300 TXT "found"']),
    ]))
    # 21. 0x20 and a client with EDNS, answer with options.
    s.append(seed(Q | X20 | CLIENT_EDNS, "www.EXAMPLE.net.", "AAAA", [
        referral("net.", "A", "net.", [NET]),
        referral("example.net.", "A", "example.net.", [EXN]),
        msg("www.example.net.", "AAAA", aa=True,
            answer=["www.example.net. 300 AAAA 2001:db8::80"],
            options=[dns.edns.GenericOption(10, b"\x01" * 16),
                     dns.edns.GenericOption(15, b"\x00\x06hello")]),
    ]))
    # 22. Answers with the wrong ID, from the wrong port, with the wrong
    # question; then the real one.
    s.append(seed(Q | NO_QMIN, "www.example.com.", "A", [
        (referral("www.example.com.", "A", "com.", [COM]), INV_ID),
        (referral("www.example.com.", "A", "com.", [COM]), SPOOF),
        (msg("www.example.org.", "A"), INV_Q),
        referral("www.example.com.", "A", "com.", [COM]),
        referral("www.example.com.", "A", "example.com.", [EXC]),
        msg("www.example.com.", "A", aa=True,
            answer=["www.example.com. 300 A 192.0.2.80"]),
    ]))
    # 23. Answers keep their own ID (flag 0x04): all ignored.
    s.append(seed(Q | OWN_ID | NO_INFRA, "com.", "NS", [
        msg("com.", "NS", answer=["com. 172800 NS a.gtld-servers.net."]),
        (msg("com.", "NS", aa=True,
             answer=["com. 172800 NS a.gtld-servers.net."]), INV_ID),
    ]))
    # 24. Truncated messages (cut inside records) and short garbage.
    full = www_path[0]
    s.append(seed(Q, "www.example.com.", "A", [
        full[:len(full) // 2], full[:13], b"\x00\x00\x81", full[:-3],
    ] + www_path))
    # 25. Compression loop in an answer.
    s.append(seed(Q | NO_QMIN | NO_INFRA, "www.example.com.", "A", [
        compression_loop("www.example.com.", "A"),
    ] + www_path))
    # 26. The root zone's NS set, IPv4 only, real timeouts.
    s.append(seed(Q | NO_V6, ".", "NS", [
        (b"", TIMEOUT), (b"", TIMEOUT),
        msg(".", "NS", aa=True,
            answer=[". 518400 NS a.root-servers.net.",
                    ". 518400 NS b.root-servers.net."],
            additional=["a.root-servers.net. 518400 A 198.41.0.4"]),
    ], more=REAL_TIMEOUTS))
    # 27. PTR through in-addr.arpa with DS and ANY questions after.
    s.append(seed(Q | NO_QMIN, "1.2.0.192.in-addr.arpa.", "PTR", [
        referral("1.2.0.192.in-addr.arpa.", "PTR", "in-addr.arpa.",
                 [("a.in-addr-servers.arpa.", "199.180.182.53")]),
        referral("1.2.0.192.in-addr.arpa.", "PTR", "2.0.192.in-addr.arpa.",
                 [("ns.2.0.192.in-addr.arpa.", "192.0.2.2")]),
        msg("1.2.0.192.in-addr.arpa.", "PTR", aa=True,
            answer=["1.2.0.192.in-addr.arpa. 300 PTR host.example."]),
        msg("example.com.", "DS", aa=True, authority=[soa("com.")]),
    ], more=SECOND, name2="example.com.", qtype2="DS"))
    # 28. An underscore name, a TC=1 answer and the whole one over TCP
    # (over 512 bytes; seeds stay below 2 KB).
    s.append(seed(Q | NO_QMIN, "_sip._tcp.example.com.", "TXT", [
        referral("_sip._tcp.example.com.", "TXT", "com.", [COM]),
        referral("_sip._tcp.example.com.", "TXT", "example.com.", [EXC]),
        msg("_sip._tcp.example.com.", "TXT", aa=True, tc=True),
        msg("_sip._tcp.example.com.", "TXT", aa=True, answer=[
            '_sip._tcp.example.com. 300 TXT "%s" "%d"' % ("x" * 200, i)
            for i in range(6)]),
    ]))
    # 29. A long name, an unknown-type question, tight limits.
    s.append(seed(Q | TIGHT, "a.very.long.name.with.many.labels.in.it."
                  "example.co.uk.", "NULL", [
        referral("uk.", "A", "uk.", [("nsa.nic.uk.", "156.154.100.3")]),
        referral("co.uk.", "A", "co.uk.", [("nsa.nic.uk.", "156.154.100.3")]),
        msg("example.co.uk.", "A", rcode="SERVFAIL"),
        msg("example.co.uk.", "A", rcode="SERVFAIL"),
    ]))
    # 30. Queries answered early (OPT, AXFR) and a CD, RD=0 client.
    s.append(seed(Q, "www.example.com.", "OPT", [], more=SECOND | NO_RD,
                  name2="www.example.com.", qtype2="AXFR"))
    s.append(seed(Q | CLIENT_EDNS, "*.wild.example.com.", "HTTPS", [
        referral("com.", "A", "com.", [COM]),
        referral("example.com.", "A", "example.com.", [EXC]),
        msg("wild.example.com.", "A", aa=True, authority=[
            soa("example.com.")]),
        msg("*.wild.example.com.", "HTTPS", aa=True, answer=[
            "*.wild.example.com. 300 HTTPS 1 . alpn=h2"]),
    ], more=CD))
    # 31. The answer names another owner than asked (out of zone).
    s.append(seed(Q | NO_QMIN, "www.example.com.", "A", [
        referral("www.example.com.", "A", "com.", [COM]),
        referral("www.example.com.", "A", "example.com.", [EXC]),
        msg("www.example.com.", "A", aa=True,
            answer=["www.example.org. 300 A 203.0.113.5",
                    "com. 300 NS evil.example.org."]),
        msg("www.example.com.", "A", aa=True,
            answer=["www.example.com. 300 A 192.0.2.80"]),
    ]))
    # 32. IPv6 only upstream, no infra cache.
    s.append(seed(Q | NO_INFRA, "ns.example.net.", "AAAA", [
        referral("net.", "A", "net.", [NET], v6=True),
        referral("example.net.", "A", "example.net.", [EXN], v6=True),
        msg("ns.example.net.", "AAAA", aa=True,
            answer=["ns.example.net. 300 AAAA 2001:db8::53"]),
    ], more=NO_V4))
    # 33. The same question twice: the second from the cache.
    s.append(seed(Q, "www.example.com.", "A", www_path, more=SECOND,
                  name2="www.example.com.", qtype2="A"))
    # 34. A CNAME left in the cache, followed by the second request.
    s.append(seed(Q | NO_QMIN, "alias.example.org.", "CNAME", [
        referral("alias.example.org.", "CNAME", "org.", [ORG]),
        referral("alias.example.org.", "CNAME", "example.org.", [EXO]),
        msg("alias.example.org.", "CNAME", aa=True,
            answer=["alias.example.org. 300 CNAME www.example.org."]),
        msg("www.example.org.", "A", aa=True,
            answer=["www.example.org. 300 A 192.0.2.81"]),
    ], more=SECOND, name2="alias.example.org.", qtype2="A"))
    # 35. A CNAME to a name the same server says has no such data.
    s.append(seed(Q | NO_QMIN, "alias.example.org.", "TXT", [
        referral("alias.example.org.", "TXT", "org.", [ORG]),
        referral("alias.example.org.", "TXT", "example.org.", [EXO]),
        msg("alias.example.org.", "TXT", aa=True,
            answer=["alias.example.org. 300 CNAME www.example.org."],
            authority=[soa("example.org.")]),
    ]))
    # 36. A DNAME whose result is too long (YXDOMAIN, RFC 6672 2.2).
    long_target = ".".join(["x" * 60] * 3 + ["x" * 50]) + ".example."
    s.append(seed(Q | NO_QMIN, "a.very.long.name.with.many.labels.in.it."
                  "example.co.uk.", "A", [
        referral("a.very.long.name.with.many.labels.in.it.example.co.uk.",
                 "A", "example.co.uk.", [("ns.example.co.uk.", "192.0.2.4")]),
        msg("a.very.long.name.with.many.labels.in.it.example.co.uk.", "A",
            aa=True, answer=["example.co.uk. 300 DNAME " + long_target]),
    ]))
    return s


def main():
    os.makedirs(OUT, exist_ok=True)
    n = 0
    for data in seeds():
        name = hashlib.sha1(data).hexdigest()
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
        n += 1
    print("%d seeds in %s" % (n, OUT))


if __name__ == "__main__":
    main()
