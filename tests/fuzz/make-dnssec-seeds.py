#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Seeds tests/fuzz/corpus/dnssec/ (see fuzz_dnssec.c for the layout)
from the real root zone in ../shared/data when it is there, plus the
RFC 5155 Appendix A NSEC3 parameters. Output is the same on every run."""
import os
import struct
import sys

import dns.name
import dns.rdataclass
import dns.rdatatype
import dns.zone

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "corpus/dnssec")
root = os.path.join(here, "../../../shared/data/rootzone/root.zone.2026073102")
os.makedirs(out, exist_ok=True)


def chunk(label, rdata):
    label = label[:63]
    return bytes([len(label)]) + label + bytes([min(len(rdata), 255)]) + \
        rdata[:255]


def wire(rd):
    return rd.to_digestable()


seeds = []
z = dns.zone.from_file(root, origin=".", relativize=False)
apex = z.find_node(dns.name.root)
keys = apex.find_rdataset(dns.rdataclass.IN, dns.rdatatype.DNSKEY)
for k in keys:
    seeds.append(b"\x00" + wire(k))
soa = apex.find_rdataset(dns.rdataclass.IN, dns.rdatatype.SOA)
sigs = apex.find_rdataset(dns.rdataclass.IN, dns.rdatatype.RRSIG,
                          dns.rdatatype.SOA)
for s in sigs:
    seeds.append(b"\x01" + chunk(b"", wire(s)) + chunk(b"", wire(soa[0])))
n = 0
for name, node in z.nodes.items():
    rs = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.NSEC)
    if rs is None:
        continue
    label = name.labels[0] if len(name.labels) > 1 else b""
    seeds.append(b"\x03" + chunk(label, wire(rs[0])))
    n += 1
    if n >= 4:
        break
# RFC 5155 Appendix A style NSEC3: alg 1, flags 1, 12 iterations, salt
# aabbccdd, a 20-octet next hash, bitmap with A and RRSIG
n3 = bytes([1, 1, 0, 12, 4, 0xaa, 0xbb, 0xcc, 0xdd, 20]) + bytes(range(20)) \
    + bytes([0, 6, 0x40, 0, 0, 0, 0, 2])
seeds.append(b"\x02" + chunk(b"0p9mhaveqvm6t7vbl5lop2u3t2rp3tom", n3) +
             chunk(b"35mthgpgcu1qg68fab165klnsnk3dpvl", n3))
for i, s in enumerate(seeds):
    with open(os.path.join(out, "seed-%02d" % i), "wb") as f:
        f.write(s)
print("%d seeds" % len(seeds))
