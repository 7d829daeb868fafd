#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Write the seed corpus of fuzz_auth: queries for the names of the
target's zones (e.test. unsigned, f.test. NSEC, g.test. NSEC3) with and
without EDNS and DO, plus error cases. Run from anywhere:
./make-auth-seeds.py [outdir] (default: corpus/auth next to this script).
Output is deterministic: files are named by the SHA-1 of their content.
"""
import hashlib
import os
import sys

import dns.flags
import dns.message
import dns.opcode
import dns.rdataclass
import dns.rdatatype

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "corpus", "auth")


def query(name, rdtype, edns=-1, do=False, payload=1232, opcode=None,
          rdclass="IN"):
    m = dns.message.make_query(name, rdtype, rdclass=rdclass,
                               use_edns=edns, payload=payload,
                               want_dnssec=do)
    m.id = 0x4242
    if opcode is not None:
        m.set_opcode(opcode)
    return m.to_wire()


def seeds():
    yield query("www.e.test.", "A")
    yield query("alias.e.test.", "A", edns=0)
    yield query("x.dn.e.test.", "A", edns=0)
    yield query("host.secure.e.test.", "A")
    yield query("b.ent.e.test.", "AAAA")
    yield query("nothere.e.test.", "A", edns=0, payload=512)
    yield query("www.e.test.", "ANY")
    yield query("www.f.test.", "A", edns=0, do=True)
    yield query("nothere.f.test.", "A", edns=0, do=True)
    yield query("x.wild.f.test.", "TXT", edns=0, do=True)
    yield query("x.wild.f.test.", "MX", edns=0, do=True)
    yield query("host.insecure.f.test.", "A", edns=0, do=True)
    yield query("secure.f.test.", "DS", edns=0, do=True)
    yield query("www.f.test.", "RRSIG", edns=0, do=True)
    yield query("f.test.", "ANY", edns=0, do=True)
    yield query("nothere.g.test.", "A", edns=0, do=True)
    yield query("b.ent.g.test.", "A", edns=0, do=True)
    yield query("x.wild.g.test.", "TXT", edns=0, do=True, payload=4096)
    yield query("insecure.g.test.", "DS", edns=0, do=True)
    yield query("g.test.", "DNSKEY", edns=0, do=True)
    yield query("g.test.", "AXFR")
    yield query("g.test.", "IXFR", edns=0)
    yield query("www.e.test.", "A", edns=1)
    yield query("version.bind.", "TXT", rdclass="CH")
    yield query("e.test.", "SOA", opcode=dns.opcode.NOTIFY)
    yield query("e.test.", "SOA", opcode=dns.opcode.STATUS)
    yield query("www.other.test.", "A")


os.makedirs(OUT, exist_ok=True)
for wire in seeds():
    name = hashlib.sha1(wire).hexdigest()
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(wire)
