#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Generate the DNSSEC validation replay scenarios (tests/replay/val_*.rpl
and tests/replay/ta5011_*.rpl).

How the data is made:

 1. Keys are generated now, with onedot-zone keygen (ECDSAP256SHA256;
    Ed25519 for the KeyTrap zone). Nothing is taken from elsewhere, and
    the private keys are thrown away with the temporary directory: running
    the generator again gives new keys and signatures (the scenarios still
    pass; only the committed bytes change).
 2. A small hierarchy is written as zone files: the root, the TLD test.
    and one child zone per behaviour (secure.test. with NSEC, nsec3.test.
    with NSEC3, insecure.test. unsigned, optout.test. with NSEC3 opt-out,
    expired.test., future.test., badsig.test., ...). Each zone is signed
    with onedot-zone sign at fixed times (--inception/--expiration), DS
    records come from onedot-zone ds. Deliberate breakage is applied to
    the signed text (a flipped signature byte, a removed RRSIG, a DS for a
    key the zone does not publish, crafted key-tag collisions).
 3. The answers of each zone's server are computed from the signed zone
    by the authoritative logic below (RFC 1034 §4.3.2, RFC 4035 §3.1,
    RFC 5155 §7.2): referrals with DS or the NSEC/NSEC3 proof of its
    absence, answers with their RRSIGs, NODATA and NXDOMAIN with SOA and
    proofs, wildcard expansion with the proof that the name does not
    exist. Servers of some zones then drop the proofs (missing NSEC).
 4. Every scenario file gets the ranges of the servers it needs, with
    entries for the questions a resolver asks on the way (QNAME
    minimisation, DS and DNSKEY fetches), and its steps.

The wall clock of the scenarios is pinned with val-override-date; the
signatures are valid from 2024-01-01 to 2025-01-01 (expired.test.: in
2023; future.test.: from 2024-03-01).

Usage (from anywhere; the files are written next to this directory):

    tests/replay/gen/gen_val.py [--oz PATH/onedot-zone] [--only NAME ...]

--only writes the named scenarios alone (file names without .rpl, e.g.
ta5011_refresh_cached), leaving the others as they are: new keys change
every file, so a new scenario can be added without rewriting the rest.

It needs Python 3 with dnspython and the onedot-zone binary of a build
directory (found as build*/src/tools/onedot-zone/onedot-zone when --oz is
not given).
"""

import argparse
import base64
import glob
import os
import random
import shutil
import subprocess
import sys
import tempfile

import dns.dnssec
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.zone

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.dirname(HERE)
TOP = os.path.dirname(os.path.dirname(OUT))

INCEPTION = "20240101000000"
EXPIRATION = "20250101000000"
DATE = "20240201000000"  # val-override-date of the static scenarios
DATE_5011 = "20240115000000"
DAY = 86400

ROOT_ADDR = "193.0.14.129"
TEST_ADDR = "192.0.2.1"

IN = dns.rdataclass.IN
T = dns.rdatatype


def N(text):
    return dns.name.from_text(text)


# ---------------------------------------------------------------------
# Keys and signing with onedot-zone.


class Tool:
    def __init__(self, oz, workdir):
        self.oz = oz
        self.dir = workdir

    def run(self, *args):
        p = subprocess.run([self.oz] + list(args), cwd=self.dir,
                           capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit("onedot-zone %s failed:\n%s" % (" ".join(args),
                                                     p.stderr))
        return p.stdout

    def keygen(self, alg, origin, ksk=False):
        args = ["keygen", str(alg), origin, "-d", self.dir]
        if ksk:
            args.append("--ksk")
        base = self.run(*args).strip().splitlines()[-1]
        return os.path.join(self.dir, os.path.basename(base))

    def dnskey(self, base):
        """The DNSKEY record text of a key (its .key file)."""
        with open(base + ".key") as f:
            for line in f:
                if line.strip() and not line.startswith(";"):
                    return line.strip()
        sys.exit("%s.key: no DNSKEY" % base)

    def ds(self, base):
        return self.run("ds", base + ".key").strip()

    def with_ttl(self, base, ttl):
        """A copy of a key whose DNSKEY record carries this TTL (the one
        onedot-zone sign gives it)."""
        new = "%s-ttl%d" % (base, ttl)
        if os.path.exists(new + ".key"):
            return new
        shutil.copy(base + ".private", new + ".private")
        with open(base + ".key") as f:
            text = f.read()
        out = []
        for line in text.splitlines():
            if line.strip() and not line.startswith(";"):
                line = line.replace(" IN DNSKEY ", " %d IN DNSKEY " % ttl)
            out.append(line)
        with open(new + ".key", "w") as f:
            f.write("\n".join(out) + "\n")
        return new

    def revoked(self, base):
        """A copy of a KSK with the REVOKE bit (flags 385): same key
        material, so it signs as the revoked form of the key."""
        new = base + "-revoked"
        shutil.copy(base + ".private", new + ".private")
        with open(base + ".key") as f:
            text = f.read()
        out = []
        for line in text.splitlines():
            if line.strip() and not line.startswith(";"):
                line = line.replace(" DNSKEY 257 ", " DNSKEY 385 ")
            out.append(line)
        with open(new + ".key", "w") as f:
            f.write("\n".join(out) + "\n")
        return new

    def sign(self, origin, text, keys, nsec3=None, inception=INCEPTION,
             expiration=EXPIRATION):
        path = os.path.join(self.dir, "zone-%s.txt" % origin.rstrip(".")
                            or "root")
        with open(path, "w") as f:
            f.write(text)
        args = ["sign", path] + keys + ["-o", origin, "--inception",
                                       inception, "--expiration",
                                       expiration]
        if nsec3 is not None:
            args.append("--nsec3")
            args += ["--iterations", str(nsec3.get("iterations", 0))]
            if nsec3.get("salt"):
                args += ["--salt", nsec3["salt"]]
            if nsec3.get("optout"):
                args.append("--opt-out")
        return self.run(*args)


def key_tag(rdata_wire):
    ac = 0
    for i, b in enumerate(rdata_wire):
        ac += b << 8 if i % 2 == 0 else b
    ac += (ac >> 16) & 0xFFFF
    return ac & 0xFFFF


def rr_line(name, ttl, rdtype, rdata):
    return "%s %d IN %s %s" % (name.to_text(), ttl, T.to_text(rdtype),
                               rdata.to_text(origin=None, relativize=False,
                                             chunksize=0))


def rrset_lines(rrset):
    return [rr_line(rrset.name, rrset.ttl, rrset.rdtype, rd)
            for rd in rrset]


# ---------------------------------------------------------------------
# Authoritative answers from a signed zone.


class Auth:
    """One zone as its server answers it (DO=1 answers: signatures and
    proofs always included; the resolver under test always sets DO)."""

    def __init__(self, origin, text, addr, strip_nx_proof=False,
                 strip_wc_proof=False, strip_nx_wc_proof=False,
                 lie_nodata=(), lie_nxdomain=()):
        self.origin = N(origin)
        self.addr = addr
        self.strip_nx_proof = strip_nx_proof
        self.strip_wc_proof = strip_wc_proof
        # NXDOMAIN without the record that denies the wildcard
        self.strip_nx_wc_proof = strip_nx_wc_proof
        # NODATA / NXDOMAIN for data that exists, with the records a
        # forger has: the NSEC of the name, the NSEC before it
        self.lie_nodata = set((N(n), T.from_text(t)) for n, t in lie_nodata)
        self.lie_nxdomain = set(N(n) for n in lie_nxdomain)
        self.z = dns.zone.from_text(text, origin=self.origin,
                                    relativize=False, check_origin=False)
        self.n3param = None
        ps = self.rds(self.origin, T.NSEC3PARAM)
        if ps is not None:
            self.n3param = ps[0]
        self.signed = self.rds(self.origin, T.DNSKEY) is not None
        self.n3owners = set()
        self.n3 = []  # (owner hash, next hash, owner name)
        self.nsec = []  # (owner, next)
        for name, node in self.z.nodes.items():
            for rds in node.rdatasets:
                if rds.rdtype == T.NSEC3:
                    self.n3owners.add(name)
                    h = name.labels[0].decode().lower()
                    nh = base64.b32hexencode(rds[0].next).decode().lower()
                    self.n3.append((h, nh, name))
                elif rds.rdtype == T.NSEC:
                    self.nsec.append((name, rds[0].next))
        self.nsec.sort()
        self.cuts = set()
        self.exists = set()
        for name, node in self.z.nodes.items():
            if name in self.n3owners:
                continue
            if name != self.origin and node.get_rdataset(IN, T.NS):
                self.cuts.add(name)
            n = name
            while n != self.origin and n.is_subdomain(self.origin):
                self.exists.add(n)
                n = n.parent()
        self.exists.add(self.origin)

    # data access
    def rds(self, name, rdtype, covers=T.NONE):
        node = self.z.get_node(name)
        if node is None:
            return None
        return node.get_rdataset(IN, rdtype, covers)

    def rrset(self, name, rdtype, owner=None):
        rds = self.rds(name, rdtype)
        if rds is None:
            return None
        rr = dns.rrset.RRset(owner or name, IN, rdtype)
        rr.update(rds)
        return rr

    def sigs(self, name, covered, owner=None):
        rds = self.rds(name, T.RRSIG, covered)
        if rds is None:
            return None
        rr = dns.rrset.RRset(owner or name, IN, T.RRSIG, covered)
        rr.update(rds)
        return rr

    def signed_set(self, name, rdtype, owner=None):
        out = []
        s = self.rrset(name, rdtype, owner)
        if s is not None:
            out.append(s)
            g = self.sigs(name, rdtype, owner)
            if g is not None:
                out.append(g)
        return out

    # NSEC
    def nsec_covering(self, q):
        for owner, nxt in self.nsec:
            if owner < q and (q < nxt or nxt == self.origin):
                return owner
        return self.nsec[-1][0]

    # NSEC3
    def h(self, name):
        p = self.n3param
        salt = p.salt.hex() if p.salt else None
        return dns.dnssec.nsec3_hash(name, salt, p.iterations,
                                     p.algorithm).lower()

    def n3_matching(self, name):
        hh = self.h(name)
        for oh, nh, owner in self.n3:
            if oh == hh:
                return owner
        return None

    def n3_covering(self, name):
        hh = self.h(name)
        for oh, nh, owner in self.n3:
            if (oh < hh < nh) or (nh <= oh and (hh > oh or hh < nh)):
                return owner
        raise RuntimeError("no NSEC3 covers %s" % name)

    def proof(self, owners, rdtype):
        out, seen = [], set()
        for o in owners:
            if o is None or o in seen:
                continue
            seen.add(o)
            out += self.signed_set(o, rdtype)
        return out

    def closest_encloser(self, q):
        n = q
        while n not in self.exists or (self.n3param is not None and
                                       self.n3_matching(n) is None):
            n = n.parent()
        return n

    def next_closer(self, q, ce):
        return dns.name.Name(q.labels[-(len(ce.labels) + 1):])

    def soa(self):
        soa = self.rrset(self.origin, T.SOA)
        # RFC 2308 §3: the SOA TTL of a negative answer
        soa.ttl = min(soa.ttl, soa[0].minimum)
        out = [soa]
        g = self.sigs(self.origin, T.SOA)
        if g is not None:
            out.append(g)
        return out

    def nodata_proof(self, q):
        """Proof that q exists without the type asked (DS at a cut too)."""
        if not self.signed:
            return []
        if self.n3param is None:
            if self.rds(q, T.NSEC) is not None:
                return self.proof([q], T.NSEC)
            return self.proof([self.nsec_covering(q)], T.NSEC)
        m = self.n3_matching(q)
        if m is not None:
            return self.proof([m], T.NSEC3)
        # opt-out: closest provable encloser and the next closer covered
        ce = self.closest_encloser(q)
        return self.proof([self.n3_matching(ce),
                           self.n3_covering(self.next_closer(q, ce))],
                          T.NSEC3)

    def answer(self, q, qt):
        """dict: rcode, aa, an, ns, ar (lists of RRsets)."""
        a = {"rcode": "NOERROR", "aa": True, "an": [], "ns": [], "ar": []}
        cut = None
        n = q
        chain = []
        while n != self.origin:
            chain.append(n)
            n = n.parent()
        for n in reversed(chain):
            if n in self.cuts:
                cut = n
                break
        if cut is not None:
            if q == cut and qt == T.DS:
                if self.rds(cut, T.DS) is not None:
                    a["an"] = self.signed_set(cut, T.DS)
                else:
                    a["ns"] = self.soa() + self.nodata_proof(cut)
                return a
            a["aa"] = False
            a["ns"] = [self.rrset(cut, T.NS)]
            if self.rds(cut, T.DS) is not None:
                a["ns"] += self.signed_set(cut, T.DS)
            else:
                a["ns"] += self.nodata_proof(cut)
            for ns in self.rds(cut, T.NS):
                for t in (T.A, T.AAAA):
                    g = self.rrset(ns.target, t)
                    if g is not None:
                        a["ar"].append(g)
            return a
        if (q, qt) in self.lie_nodata:
            a["ns"] = self.soa() + self.nodata_proof(q)
            return a
        if q in self.lie_nxdomain:
            a["rcode"] = "NXDOMAIN"
            wc = dns.name.Name((b"*",) + q.parent().labels)
            a["ns"] = self.soa() + self.proof(
                [self.nsec_covering(q), self.nsec_covering(wc)], T.NSEC)
            return a
        if q in self.exists:
            if self.rds(q, qt) is not None:
                a["an"] = self.signed_set(q, qt)
                if qt == T.NS:
                    for ns in self.rds(q, T.NS):
                        for t in (T.A, T.AAAA):
                            g = self.rrset(ns.target, t)
                            if g is not None:
                                a["ar"].append(g)
            elif self.rds(q, T.CNAME) is not None:
                a["an"] = self.signed_set(q, T.CNAME)
            else:
                a["ns"] = self.soa() + self.nodata_proof(q)
            return a
        # the name does not exist: wildcard or NXDOMAIN
        ce = q.parent()
        while ce not in self.exists:
            ce = ce.parent()
        wc = dns.name.Name((b"*",) + ce.labels)
        nc = self.next_closer(q, ce)
        if wc in self.exists:
            t = qt if self.rds(wc, qt) is not None else (
                T.CNAME if self.rds(wc, T.CNAME) is not None else None)
            if t is not None:
                a["an"] = self.signed_set(wc, t, owner=q)
                if self.strip_wc_proof:
                    return a
                if self.n3param is None:
                    a["ns"] = self.proof([self.nsec_covering(q)], T.NSEC)
                else:
                    a["ns"] = self.proof([self.n3_covering(nc)], T.NSEC3)
                return a
            a["ns"] = self.soa()
            if self.n3param is None:
                a["ns"] += self.proof([self.nsec_covering(q), wc], T.NSEC)
            else:
                a["ns"] += self.proof([self.n3_matching(ce),
                                       self.n3_covering(nc),
                                       self.n3_matching(wc)], T.NSEC3)
            return a
        a["rcode"] = "NXDOMAIN"
        a["ns"] = self.soa()
        if self.strip_nx_proof or not self.signed:
            return a
        if self.n3param is None:
            a["ns"] += self.proof([self.nsec_covering(q),
                                   self.nsec_covering(wc)], T.NSEC)
        else:
            wcc = self.n3_covering(wc)
            owners = [self.n3_matching(ce), self.n3_covering(nc)]
            if self.strip_nx_wc_proof:
                if wcc in owners:
                    raise RuntimeError("%s: the wildcard's NSEC3 is "
                                       "needed for the rest" % q)
            else:
                owners.append(wcc)
            a["ns"] += self.proof(owners, T.NSEC3)
        return a

    # questions this server gets while names below it are resolved
    def questions(self, client):
        qs = []

        def add(n, t):
            if (n, t) not in qs:
                qs.append((n, t))

        for t in (T.DNSKEY, T.NS, T.SOA, T.A):
            add(self.origin, t)
        wanted = list(client)
        for ns in self.rds(self.origin, T.NS):
            wanted.append((ns.target, T.A))
        for qn, qt in wanted:
            if not qn.is_subdomain(self.origin):
                continue
            chain = []
            n = qn
            while n != self.origin:
                chain.append(n)
                n = n.parent()
            for n in reversed(chain):
                if n in self.cuts:
                    add(n, T.DS)
                    break
                add(n, T.A)
                add(n, T.DS)
            else:
                add(qn, qt)
        return qs

    def cuts_for(self, client):
        """The delegations on the way to the client's names."""
        return [c for c in sorted(self.cuts)
                if any(qn.is_subdomain(c) for qn, _ in client)]

    def range_text(self, client, first=0, last=100000, only=None):
        out = ["; %s (%s)" % (self.origin.to_text(), self.addr),
               "RANGE_BEGIN %d %d" % (first, last),
               "\tADDRESS %s" % self.addr]
        for qn, qt in self.questions(client):
            if only is not None and (qn, qt) not in only:
                continue
            out += entry(qn, qt, self.answer(qn, qt))
        if only is None:
            for c in self.cuts_for(client):
                # anything below a cut (and the cut for other types)
                out += entry(c, T.NS, self.answer(c, T.NS),
                             match="opcode subdomain",
                             adjust="copy_id copy_query")
        out.append("RANGE_END")
        out.append("")
        return out


def entry(qn, qt, a, match="opcode qtype qname", adjust="copy_id"):
    flags = "QR" + (" AA" if a["aa"] else "")
    out = ["ENTRY_BEGIN", "MATCH " + match, "ADJUST " + adjust,
           "REPLY %s %s" % (flags, a["rcode"]), "SECTION QUESTION",
           "%s IN %s" % (qn.to_text(), T.to_text(qt))]
    for sec, key in (("ANSWER", "an"), ("AUTHORITY", "ns"),
                     ("ADDITIONAL", "ar")):
        if a[key]:
            out.append("SECTION " + sec)
            for rr in a[key]:
                out += rrset_lines(rr)
    out.append("ENTRY_END")
    return out


# ---------------------------------------------------------------------
# The hierarchy.

SOA_TTL = 3600


def soa_line(origin, ns):
    return "%s %d IN SOA %s hostmaster.%s 1 3600 900 604800 3600" % (
        origin, SOA_TTL, ns, origin if origin != "." else "")


CHILDREN = {
    # name: (address, how it is signed)
    "secure": ("192.0.2.10", "nsec"),
    "nsec3": ("192.0.2.11", "nsec3"),
    "insecure": ("192.0.2.12", None),
    "optout": ("192.0.2.13", "optout"),
    "expired": ("192.0.2.15", "nsec"),
    "future": ("192.0.2.16", "nsec"),
    "badsig": ("192.0.2.17", "nsec"),
    "nosig": ("192.0.2.18", "nsec"),
    "nokey": ("192.0.2.19", "nsec"),
    "unsupalg": ("192.0.2.20", "nsec"),
    "nonsec": ("192.0.2.21", "nsec"),
    "wcnoproof": ("192.0.2.22", "nsec"),
    "iter": ("192.0.2.23", "iter"),
    "keytrap": ("192.0.2.24", "nsec"),
    "shortsig": ("192.0.2.25", "nsec"),
    "psig": ("192.0.2.26", "nsec"),
    "lie": ("192.0.2.27", "nsec"),
    "badds": ("192.0.2.28", "nsec"),
    "nodssig": ("192.0.2.29", "nsec"),
    "twosig": ("192.0.2.30", "nsec"),
    "n3nowc": ("192.0.2.31", "nsec3"),
}
# the signatures of shortsig.test. expire 10 minutes after DATE
SHORT_EXPIRATION = "20240201001000"
# Scenarios that show open engine bugs: written to pending/ (README.md
# says what goes wrong); take a name out once the engine is fixed.
PENDING = set()
# --only: the scenarios to write (None: all), and those written
ONLY = None
WRITTEN = set()

OPTOUT_CHILD_ADDR = "192.0.2.14"
NSEC3_CHILD_ADDR = "192.0.2.32"
KEYTRAP_FAKES = 30


class Hierarchy:
    def __init__(self, tool):
        self.tool = tool
        self.rng = random.Random(5011)
        self.auth = {}
        self.root_tags = {}

    def child_text(self, name, sentinel_tags):
        o = "%s.test." % name
        addr = CHILDREN[name][0]
        lines = [soa_line(o, "ns." + o),
                 "%s 3600 IN NS ns.%s" % (o, o),
                 "ns.%s 3600 IN A %s" % (o, addr),
                 "www.%s 3600 IN A 192.0.2.80" % o]
        if name in ("secure", "nsec3", "wcnoproof"):
            lines += ["wild.%s 3600 IN TXT \"wildcard parent\"" % o,
                      "*.wild.%s 3600 IN A 192.0.2.81" % o]
        if name == "secure":
            lines.append("alias.%s 3600 IN CNAME www.insecure.test." % o)
            lines.append("bogusalias.%s 3600 IN CNAME www.badsig.test." % o)
            lines.append("nxalias.%s 3600 IN CNAME nx.nsec3.test." % o)
            for tag in sentinel_tags:
                lines.append("root-key-sentinel-is-ta-%05d.%s 3600 IN A "
                             "192.0.2.82" % (tag, o))
                lines.append("root-key-sentinel-not-ta-%05d.%s 3600 IN A "
                             "192.0.2.83" % (tag, o))
        if name == "nsec3":
            lines += ["unsigned.%s 3600 IN NS ns.unsigned.%s" % (o, o),
                      "ns.unsigned.%s 3600 IN A %s" % (o, NSEC3_CHILD_ADDR)]
            lines.append("alias.%s 3600 IN CNAME www.secure.test." % o)
        if name == "lie":
            lines.append("ftp.%s 3600 IN A 192.0.2.85" % o)
        if name == "optout":
            lines += ["child.%s 3600 IN NS ns.child.%s" % (o, o),
                      "ns.child.%s 3600 IN A %s" % (o, OPTOUT_CHILD_ADDR)]
        return "\n".join(lines) + "\n"

    def build_children(self, sentinel_tags):
        t = self.tool
        ds = {}
        self.test_ksk = t.keygen(13, "test.", ksk=True)
        self.test_zsk = t.keygen(13, "test.")
        for name, (addr, how) in CHILDREN.items():
            o = "%s.test." % name
            text = self.child_text(name, sentinel_tags)
            if how is None:
                self.auth[o] = Auth(o, text, addr)
                continue
            alg = 15 if name == "keytrap" else 13
            ksk = t.keygen(alg, o, ksk=True)
            zsk = t.keygen(alg, o)
            keys = [ksk, zsk]
            nsec3 = None
            if how == "nsec3":
                nsec3 = {}
            elif how == "optout":
                nsec3 = {"optout": True}
            elif how == "iter":
                nsec3 = {"iterations": 20, "salt": "cafe"}
            inc, exp = INCEPTION, EXPIRATION
            if name == "expired":
                inc, exp = "20231101000000", "20231201000000"
            elif name == "future":
                inc, exp = "20240301000000", EXPIRATION
            elif name == "shortsig":
                exp = SHORT_EXPIRATION
            if name == "unsupalg":
                # A GOST key (algorithm 12, which no one validates any
                # more) is the only one the DS designates.
                gost = "%s 3600 IN DNSKEY 257 3 12 %s" % (
                    o, base64.b64encode(bytes(self.rng.getrandbits(8)
                                              for _ in range(64))).decode())
                text += gost + "\n"
            if name == "keytrap":
                text += self.keytrap_keys(zsk, o)
            signed = t.sign(o, text, keys, nsec3=nsec3, inception=inc,
                            expiration=exp)
            if name == "badsig":
                signed = self.tamper(signed, "www.%s" % o, "A")
            elif name == "nosig":
                signed = self.drop_sig(signed, "www.%s" % o, "A")
            elif name == "keytrap":
                signed = self.keytrap_sigs(signed, zsk, o)
            elif name == "psig":
                signed = self.parent_sig(signed, "www.%s" % o)
            elif name == "twosig":
                signed = self.extra_bad_sig(signed, "www.%s" % o, "A")
            self.auth[o] = Auth(o, signed, addr,
                                strip_nx_proof=name == "nonsec",
                                strip_wc_proof=name == "wcnoproof",
                                strip_nx_wc_proof=name == "n3nowc",
                                lie_nodata=[("www.lie.test.", "A")]
                                if name == "lie" else (),
                                lie_nxdomain=["ftp.lie.test."]
                                if name == "lie" else ())
            if name == "nokey":
                other = t.keygen(13, o, ksk=True)
                ds[o] = t.ds(other)
            elif name == "unsupalg":
                ds[o] = self.gost_ds(o, gost)
            else:
                ds[o] = t.ds(ksk)
        # the unsigned child of the opt-out zone
        o = "child.optout.test."
        text = "\n".join([soa_line(o, "ns." + o),
                          "%s 3600 IN NS ns.%s" % (o, o),
                          "ns.%s 3600 IN A %s" % (o, OPTOUT_CHILD_ADDR),
                          "www.%s 3600 IN A 192.0.2.84" % o]) + "\n"
        self.auth[o] = Auth(o, text, OPTOUT_CHILD_ADDR)
        # the unsigned child of nsec3.test.
        o = "unsigned.nsec3.test."
        text = "\n".join([soa_line(o, "ns." + o),
                          "%s 3600 IN NS ns.%s" % (o, o),
                          "ns.%s 3600 IN A %s" % (o, NSEC3_CHILD_ADDR),
                          "www.%s 3600 IN A 192.0.2.86" % o]) + "\n"
        self.auth[o] = Auth(o, text, NSEC3_CHILD_ADDR)
        # the TLD
        o = "test."
        lines = [soa_line(o, "ns.test."), "test. 3600 IN NS ns.test.",
                 "ns.test. 3600 IN A %s" % TEST_ADDR]
        for name, (addr, how) in CHILDREN.items():
            c = "%s.test." % name
            lines += ["%s 3600 IN NS ns.%s" % (c, c),
                      "ns.%s 3600 IN A %s" % (c, addr)]
            if c in ds:
                lines.append(ds[c])
        ksk, zsk = self.test_ksk, self.test_zsk
        signed = t.sign(o, "\n".join(lines) + "\n", [ksk, zsk])
        # the DS of badds.test. with a broken signature, that of
        # nodssig.test. without one
        signed = self.tamper(signed, "badds.test.", "DS")
        signed = self.drop_sig(signed, "nodssig.test.", "DS")
        self.auth[o] = Auth(o, signed, TEST_ADDR)
        self.test_ds = t.ds(ksk)

    def root_text(self, extra=()):
        lines = [". 86400 IN SOA a.root-servers.net. nstld.test. "
                 "2024010100 1800 900 604800 86400",
                 ". 518400 IN NS k.root-servers.net.",
                 "k.root-servers.net. 518400 IN A %s" % ROOT_ADDR,
                 "test. 172800 IN NS ns.test.",
                 "ns.test. 172800 IN A %s" % TEST_ADDR,
                 self.test_ds.replace(" IN DS ", " 86400 IN DS ")]
        lines += list(extra)
        return "\n".join(lines) + "\n"

    # breakage
    def lines_map(self, text, fn):
        out = []
        for line in text.splitlines():
            r = fn(line)
            if r is not None:
                out.append(r)
        return "\n".join(out) + "\n"

    def is_sig(self, line, owner, covered):
        f = line.split()
        return (len(f) > 5 and f[0].lower() == owner.lower() and
                f[3] == "RRSIG" and f[4] == covered)

    def tamper(self, text, owner, covered):
        def fn(line):
            if not self.is_sig(line, owner, covered):
                return line
            f = line.split()
            sig = bytearray(base64.b64decode("".join(f[12:])))
            sig[len(sig) // 2] ^= 0x01
            return " ".join(f[:12] + [base64.b64encode(bytes(sig))
                                      .decode()])
        return self.lines_map(text, fn)

    def drop_sig(self, text, owner, covered):
        return self.lines_map(
            text, lambda l: None if self.is_sig(l, owner, covered) else l)

    def parent_sig(self, text, owner):
        """The RRSIG over owner/A replaced by one the parent zone test.
        made (signer test.): a test. zone holding the record without the
        delegation is signed with test.'s keys."""
        fake = "\n".join([soa_line("test.", "ns.test."),
                          "test. 3600 IN NS ns.test.",
                          "ns.test. 3600 IN A %s" % TEST_ADDR,
                          "%s 3600 IN A 192.0.2.80" % owner]) + "\n"
        signed = self.tool.sign("test.", fake, [self.test_ksk,
                                                self.test_zsk])
        sig = [l for l in signed.splitlines() if self.is_sig(l, owner, "A")]
        assert len(sig) == 1
        out = self.drop_sig(text, owner, "A")
        return out + sig[0] + "\n"

    def extra_bad_sig(self, text, owner, covered):
        """A second RRSIG over owner/covered from the same key, whose
        signature does not verify, put before the good one."""
        good = [l for l in text.splitlines()
                if self.is_sig(l, owner, covered)]
        bad = self.tamper(good[0] + "\n", owner, covered).strip()
        rest = self.drop_sig(text, owner, covered)
        return rest + bad + "\n" + good[0] + "\n"

    def keytrap_keys(self, zsk, origin):
        """DNSKEYs (Ed25519, flags 256) crafted to share the ZSK's key
        tag: KeyTrap (CVE-2023-50387) collisions. Their public keys are
        random, so no signature verifies with them."""
        rec = self.tool.dnskey(zsk).split()
        zwire = dns.rdata.from_text(IN, T.DNSKEY, " ".join(rec[-4:])) \
            .to_wire()
        want = key_tag(zwire)
        out = []
        for _ in range(KEYTRAP_FAKES):
            while True:
                pub = bytearray(self.rng.getrandbits(8) for _ in range(32))
                head = bytes([1, 0, 3, 15]) + bytes(pub[:30])
                found = None
                for w in range(65536):
                    wire = head + bytes([w >> 8, w & 0xFF])
                    if key_tag(wire) == want:
                        found = w
                        break
                if found is not None:
                    pub[30], pub[31] = found >> 8, found & 0xFF
                    break
            out.append("%s 3600 IN DNSKEY 256 3 15 %s" % (
                origin, base64.b64encode(bytes(pub)).decode()))
        return "\n".join(out) + "\n"

    def keytrap_sigs(self, text, zsk, origin):
        """The RRSIG over www A replaced by as many signatures with the
        colliding key tag, none of which verifies."""
        owner = "www." + origin
        lines = []
        tmpl = None
        for line in text.splitlines():
            if self.is_sig(line, owner, "A"):
                tmpl = line.split()
                continue
            lines.append(line)
        for _ in range(KEYTRAP_FAKES):
            sig = bytes(self.rng.getrandbits(8) for _ in range(64))
            lines.append(" ".join(tmpl[:12] +
                                  [base64.b64encode(sig).decode()]))
        return "\n".join(lines) + "\n"

    def gost_ds(self, origin, gost_line):
        rd = dns.rdata.from_text(IN, T.DNSKEY,
                                 " ".join(gost_line.split()[4:]))
        ds = dns.dnssec.make_ds(N(origin), rd, "SHA256")
        return "%s IN DS %s" % (origin, ds.to_text())

    def root(self, ksks, zsk, extra_keys=(), dnskey_ttl=None):
        """The root signed by ksks and zsk, publishing extra_keys too;
        dnskey_ttl: the TTL of the DNSKEY RRset (default: the SOA's)."""
        if dnskey_ttl is not None:
            ksks = [self.tool.with_ttl(k, dnskey_ttl) for k in ksks]
            zsk = self.tool.with_ttl(zsk, dnskey_ttl)
        ttl = dnskey_ttl if dnskey_ttl is not None else 172800
        text = self.root_text(extra=[self.tool.dnskey(k).replace(
            " IN DNSKEY ", " %d IN DNSKEY " % ttl) for k in extra_keys])
        signed = self.tool.sign(".", text, ksks + [zsk])
        return Auth(".", signed, ROOT_ADDR)


def dnskey_tag(tool, base):
    rec = tool.dnskey(base).split()
    rd = dns.rdata.from_text(IN, T.DNSKEY, " ".join(rec[-4:]))
    return key_tag(rd.to_wire())


# ---------------------------------------------------------------------
# Scenario files.


class Scenario:
    def __init__(self, name, title, zones, client, config=(),
                 comment=()):
        self.name = name
        self.title = title
        self.zones = zones
        self.client = [(N(q), T.from_text(t)) for q, t in client]
        self.config = list(config)
        self.comment = list(comment)
        self.steps = []
        self.sid = 0
        # ranges written before the zones' own (their entries win)
        self.pre_ranges = []

    def step(self, kind, body=()):
        self.sid += 10
        self.steps.append("STEP %d %s" % (self.sid, kind))
        self.steps += list(body)
        return self.sid

    def query(self, qname, qtype, do=True, ad=False, cd=False, edns=True,
              refresh=False):
        flags = "RD" + (" AD" if ad else "") + (" CD" if cd else "") + \
            (" DO" if do else "")
        body = ["ENTRY_BEGIN", "REPLY " + flags]
        if edns:
            body.append("EDNS 1232")
        body += ["SECTION QUESTION", "%s IN %s" % (qname, qtype),
                 "ENTRY_END"]
        return self.step("QUERY REFRESH" if refresh else "QUERY", body)

    def check(self, qname, qtype, rcode="NOERROR", ad=False, cd=False,
              an=(), ns=None, ede=None, do=None, extra_flags=""):
        match = "MATCH all" + (" do" if do else "")
        flags = "QR RD RA" + (" AD" if ad else "") + (" CD" if cd else "") \
            + extra_flags
        body = ["ENTRY_BEGIN", match, "REPLY %s %s" % (flags, rcode)]
        if ede is not None:
            body.append("EDE " + (" ".join(str(e) for e in ede)
                                  if ede else "none"))
        body += ["SECTION QUESTION", "%s IN %s" % (qname, qtype),
                 "SECTION ANSWER"]
        for rr in an:
            body += rrset_lines(rr)
        if ns is not None:
            body.append("SECTION AUTHORITY")
            for rr in ns:
                body += rrset_lines(rr)
        body.append("ENTRY_END")
        return self.step("CHECK_ANSWER", body)

    def time(self, secs):
        return self.step("TIME_PASSES ELAPSE %d" % secs)

    def upstream(self, spec, sent=()):
        return self.step(("CHECK_UPSTREAM " + spec).rstrip(), list(sent))

    def raw(self, kind, body=()):
        return self.step(kind, body)

    def write(self, head, ranges):
        if ONLY is not None and self.name not in ONLY:
            return
        WRITTEN.add(self.name)
        sub = "pending" if self.name in PENDING else (
            "selftest" if self.name.startswith("selftest_") else "")
        name = self.name[len("selftest_"):] if sub == "selftest" \
            else self.name
        path = os.path.join(OUT, sub, name + ".rpl")
        lines = ["; SPDX-License-Identifier: MIT",
                 "; " + self.title,
                 "; Generated by tests/replay/gen/gen_val.py: do not edit,"
                 " run it again."]
        lines += ["; " + c for c in self.comment]
        lines += ["server:"] + ["\t" + c for c in head + self.config]
        lines += ["CONFIG_END", "", "SCENARIO_BEGIN " + self.title, ""]
        lines += ranges
        lines += self.steps
        lines += ["", "SCENARIO_END"]
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        print("wrote", path)


def static_head(h, sc):
    anchor = h.root_dnskey if sc.name in DNSKEY_ANCHOR else h.root_ds
    return ["root-hint: k.root-servers.net. %s" % ROOT_ADDR,
            "do-ip6: no",
            "trust-anchor: \"%s\"" % anchor,
            "val-override-date: \"%s\"" % DATE]


# scenarios whose anchor is the root KSK's DNSKEY (the others: its DS)
DNSKEY_ANCHOR = {"val_dnskey_anchor"}


def ranges_for(h, sc):
    out = []
    for a in [h.root_auth, h.auth["test."]] + [h.auth[z] for z in sc.zones]:
        out += a.range_text(sc.client)
    return out


def ans(h, zone, qname, qtype):
    return h.auth[zone].answer(N(qname), T.from_text(qtype))


def no_sigs(rrsets):
    return [r for r in rrsets if r.rdtype not in (T.RRSIG, T.NSEC,
                                                  T.NSEC3)]


def static_scenarios(h):
    S = []
    sec = "secure.test."

    def positive(zone, qname, qtype, do=True):
        a = ans(h, zone, qname, qtype)
        return a["an"] if do else no_sigs(a["an"])

    # --- secure answers and AD ---
    sc = Scenario("val_secure_ad", "secure answer: AD for DO=1 or AD=1 "
                  "queries only, RFC 4035 3.2.3 and RFC 6840 5.7", [sec],
                  [("www.secure.test.", "A")])
    sc.query("www.secure.test.", "A", do=True)
    sc.check("www.secure.test.", "A", ad=True, do=True, ede=[],
             an=positive(sec, "www.secure.test.", "A"))
    sc.query("www.secure.test.", "A", do=False, ad=True, edns=False)
    sc.check("www.secure.test.", "A", ad=True,
             an=positive(sec, "www.secure.test.", "A", do=False))
    sc.query("www.secure.test.", "A", do=False)
    sc.check("www.secure.test.", "A", ad=False,
             an=positive(sec, "www.secure.test.", "A", do=False))
    S.append(sc)

    sc = Scenario("val_dnskey_anchor", "the trust anchor given as the root "
                  "KSK's DNSKEY record instead of its DS: secure", [sec],
                  [("www.secure.test.", "A")])
    sc.query("www.secure.test.", "A")
    sc.check("www.secure.test.", "A", ad=True, do=True,
             an=positive(sec, "www.secure.test.", "A"))
    S.append(sc)

    sc = Scenario("val_do_rrsig", "DO=1 gets the RRSIGs and proofs, DO=0 "
                  "does not, RFC 4035 3.2.1", [sec],
                  [("www.secure.test.", "A"), ("nx.secure.test.", "A")])
    sc.query("www.secure.test.", "A", do=False)
    sc.check("www.secure.test.", "A",
             an=positive(sec, "www.secure.test.", "A", do=False))
    sc.query("www.secure.test.", "A", do=True)
    sc.check("www.secure.test.", "A", ad=True, do=True,
             an=positive(sec, "www.secure.test.", "A"))
    a = ans(h, sec, "nx.secure.test.", "A")
    sc.query("nx.secure.test.", "A", do=False)
    sc.check("nx.secure.test.", "A", rcode="NXDOMAIN", ns=no_sigs(a["ns"]))
    sc.query("nx.secure.test.", "A", do=True)
    sc.check("nx.secure.test.", "A", rcode="NXDOMAIN", ad=True, do=True,
             ns=a["ns"])
    S.append(sc)

    # --- a lost packet while validating (DNS Flag Day 2019) ---
    www = N("www.secure.test.")
    addr = h.auth[sec].addr
    a = ans(h, sec, "www.secure.test.", "A")
    sc = Scenario("val_timeout_keeps_edns", "validating, a lost query is "
                  "not asked again without EDNS, and the client retry goes "
                  "with EDNS and DO and is secure", [sec],
                  [("www.secure.test.", "A")],
                  comment=["The server of secure.test. loses the first query "
                           "for www.secure.test. A. An answer",
                           "to a query without EDNS would carry no RRSIG "
                           "(bogus) and mark the server",
                           "as EDNS-broken, so the resolver gives up "
                           "(SERVFAIL, EDE 22); the client",
                           "asks again and gets the secure answer."])
    lost = sc.query("www.secure.test.", "A")
    sc.check("www.secure.test.", "A", rcode="SERVFAIL", ede=[22])
    sc.upstream("", ["SOME %s www.secure.test. A udp edns do" % addr,
                     "NONE * * * noedns"])
    sc.query("www.secure.test.", "A")
    sc.check("www.secure.test.", "A", ad=True, do=True, ede=[],
             an=positive(sec, "www.secure.test.", "A"))
    sc.upstream("", ["SOME %s www.secure.test. A udp edns do" % addr,
                     "NONE * * * noedns"])
    sc.pre_ranges = (
        ["; %s (%s): the first query for www.secure.test. A is lost"
         % (sec, addr), "RANGE_BEGIN %d %d" % (lost, lost),
         "\tADDRESS %s" % addr]
        + entry(www, T.A, {"rcode": "NOERROR", "aa": True, "an": [],
                           "ns": [], "ar": []},
                match="opcode qtype qname edns", adjust="timeout")
        + ["RANGE_END", "",
           "; %s (%s) asked without EDNS: no DNSSEC records (RFC 3225 3)"
           % (sec, addr), "RANGE_BEGIN 0 100000", "\tADDRESS %s" % addr]
        + entry(www, T.A, dict(a, an=no_sigs(a["an"])),
                match="opcode qtype qname noedns")
        + ["RANGE_END", ""])
    S.append(sc)

    sc = Scenario("val_secure_cached", "a validated answer is cached as "
                  "secure: the second query goes nowhere and has AD", [sec],
                  [("www.secure.test.", "A")])
    sc.query("www.secure.test.", "A")
    sc.check("www.secure.test.", "A", ad=True, do=True,
             an=positive(sec, "www.secure.test.", "A"))
    sc.upstream(">= 1")
    sc.query("www.secure.test.", "A")
    sc.check("www.secure.test.", "A", ad=True, do=True,
             an=positive(sec, "www.secure.test.", "A"))
    sc.upstream("= 0")
    S.append(sc)

    # --- CD ---
    z = "badsig.test."
    sc = Scenario("val_cd_bogus", "CD=1 gets the bogus data, without AD, "
                  "and without CD the same name is SERVFAIL", [z],
                  [("www.badsig.test.", "A")])
    sc.query("www.badsig.test.", "A", cd=True)
    sc.check("www.badsig.test.", "A", cd=True, do=True,
             an=positive(z, "www.badsig.test.", "A"))
    sc.query("www.badsig.test.", "A")
    sc.check("www.badsig.test.", "A", rcode="SERVFAIL", ede=[6])
    S.append(sc)

    # --- insecure ---
    z = "insecure.test."
    sc = Scenario("val_insecure_nsec", "insecure delegation: the NSEC of "
                  "test. proves there is no DS, the answer has no AD", [z],
                  [("www.insecure.test.", "A")])
    sc.query("www.insecure.test.", "A")
    sc.check("www.insecure.test.", "A", do=True, ede=[],
             an=positive(z, "www.insecure.test.", "A"))
    sc.upstream("", ["SOME %s insecure.test. DS" % TEST_ADDR])
    S.append(sc)

    sc = Scenario("val_insecure_optout", "insecure delegation under NSEC3 "
                  "opt-out, RFC 5155 6: no AD, not bogus",
                  ["optout.test.", "child.optout.test."],
                  [("www.child.optout.test.", "A")])
    sc.query("www.child.optout.test.", "A")
    sc.check("www.child.optout.test.", "A", do=True,
             an=positive("child.optout.test.", "www.child.optout.test.",
                         "A"))
    sc.upstream("", ["SOME %s child.optout.test. DS"
                     % CHILDREN["optout"][0]])
    S.append(sc)

    sc = Scenario("val_unsupported_alg", "a DS with only an unsupported "
                  "algorithm, ECC-GOST, makes the zone insecure, not "
                  "bogus, RFC 4035 5.2, with EDE 1", ["unsupalg.test."],
                  [("www.unsupalg.test.", "A")])
    sc.query("www.unsupalg.test.", "A")
    sc.check("www.unsupalg.test.", "A", do=True, ede=[1],
             an=positive("unsupalg.test.", "www.unsupalg.test.", "A"))
    S.append(sc)

    sc = Scenario("val_cname_to_insecure", "a CNAME in a secure zone to a "
                  "name in an insecure zone: the answer has no AD",
                  [sec, "insecure.test."],
                  [("alias.secure.test.", "A"), ("www.insecure.test.", "A")])
    sc.query("alias.secure.test.", "A")
    sc.check("alias.secure.test.", "A", do=True,
             an=positive(sec, "alias.secure.test.", "A") +
             positive("insecure.test.", "www.insecure.test.", "A"))
    S.append(sc)

    # --- bogus ---
    for name, zone, ede, what in (
            ("val_bogus_expired", "expired.test.", 7,
             "signatures expired: SERVFAIL, EDE 7"),
            ("val_bogus_not_yet_valid", "future.test.", 8,
             "signatures not yet valid: SERVFAIL, EDE 8"),
            ("val_bogus_signature", "badsig.test.", 6,
             "a signature that does not verify: SERVFAIL, EDE 6"),
            ("val_bogus_no_rrsig", "nosig.test.", 10,
             "an RRset without RRSIG in a signed zone: SERVFAIL, EDE 10"),
            ("val_bogus_ds_no_key", "nokey.test.", 9,
             "a DS that matches no DNSKEY of the zone: SERVFAIL, EDE 9")):
        q = "www." + zone
        sc = Scenario(name, what, [zone], [(q, "A")])
        sc.query(q, "A")
        sc.check(q, "A", rcode="SERVFAIL", ede=[ede])
        S.append(sc)

    z = "badsig.test."
    sc = Scenario("val_bogus_cached", "a bogus answer is cached briefly, "
                  "RFC 4035 4.7: the second query is SERVFAIL without "
                  "upstream traffic, after the bogus TTL it is tried again",
                  [z], [("www.badsig.test.", "A")],
                  config=["val-bogus-ttl: 60"])
    sc.query("www.badsig.test.", "A")
    sc.check("www.badsig.test.", "A", rcode="SERVFAIL", ede=[6])
    sc.upstream(">= 1")
    sc.query("www.badsig.test.", "A")
    sc.check("www.badsig.test.", "A", rcode="SERVFAIL", ede=[6])
    sc.upstream("= 0")
    sc.time(61)
    sc.query("www.badsig.test.", "A")
    sc.check("www.badsig.test.", "A", rcode="SERVFAIL", ede=[6])
    sc.upstream(">= 1", ["SOME %s www.badsig.test. A" % CHILDREN["badsig"][0]])
    S.append(sc)

    # --- denial ---
    for name, zone, q, qt, what in (
            ("val_nxdomain_nsec", sec, "nx.secure.test.", "A",
             "NXDOMAIN proven by NSEC: AD, with the proof for DO"),
            ("val_nxdomain_nsec3", "nsec3.test.", "nx.nsec3.test.", "A",
             "NXDOMAIN proven by NSEC3, closest encloser, next closer "
             "and wildcard: AD"),
            ("val_nodata_nsec", sec, "www.secure.test.", "TXT",
             "NODATA proven by NSEC: AD"),
            ("val_nodata_nsec3", "nsec3.test.", "www.nsec3.test.", "TXT",
             "NODATA proven by NSEC3: AD"),
            ("val_wildcard_nsec", sec, "foo.wild.secure.test.", "A",
             "wildcard expansion with the NSEC proof that the name does "
             "not exist: AD"),
            ("val_wildcard_nsec3", "nsec3.test.", "foo.wild.nsec3.test.",
             "A", "wildcard expansion with the NSEC3 proof of the next "
             "closer name: AD"),
            ("val_wildcard_nodata_nsec", sec, "foo.wild.secure.test.",
             "TXT", "wildcard NODATA, RFC 4035 3.1.3.4, with NSEC: AD"),
            ("val_wildcard_nodata_nsec3", "nsec3.test.",
             "foo.wild.nsec3.test.", "TXT",
             "wildcard NODATA, RFC 5155 7.2.5, with NSEC3: AD")):
        a = ans(h, zone, q, qt)
        sc = Scenario(name, what, [zone], [(q, qt)])
        sc.query(q, qt)
        sc.check(q, qt, rcode=a["rcode"], ad=True, do=True, an=a["an"],
                 ns=a["ns"])
        S.append(sc)

    a = ans(h, "nonsec.test.", "nx.nonsec.test.", "A")
    sc = Scenario("val_nxdomain_no_nsec", "NXDOMAIN from a signed zone "
                  "without NSEC: SERVFAIL, EDE 12", ["nonsec.test."],
                  [("nx.nonsec.test.", "A")])
    sc.query("nx.nonsec.test.", "A")
    sc.check("nx.nonsec.test.", "A", rcode="SERVFAIL", ede=[12])
    S.append(sc)

    sc = Scenario("val_wildcard_no_proof", "a wildcard expansion without "
                  "the proof that the name does not exist: SERVFAIL, EDE "
                  "12", ["wcnoproof.test."],
                  [("foo.wild.wcnoproof.test.", "A")])
    sc.query("foo.wild.wcnoproof.test.", "A")
    sc.check("foo.wild.wcnoproof.test.", "A", rcode="SERVFAIL", ede=[12])
    S.append(sc)

    a = ans(h, "iter.test.", "nx.iter.test.", "A")
    sc = Scenario("val_nsec3_iterations", "NSEC3 with more iterations than "
                  "the limit prove nothing, RFC 9276 3.2: NXDOMAIN "
                  "without AD, EDE 27", ["iter.test."],
                  [("nx.iter.test.", "A")],
                  config=["val-nsec3-max-iterations: 10"],
                  comment=["iter.test. has 20 NSEC3 iterations"])
    sc.query("nx.iter.test.", "A")
    sc.check("nx.iter.test.", "A", rcode="NXDOMAIN", do=True, ede=[27],
             an=a["an"], ns=a["ns"])
    S.append(sc)

    sc = Scenario("val_nsec3_iterations_ok", "NSEC3 iterations within the "
                  "limit: the NXDOMAIN is secure", ["iter.test."],
                  [("nx.iter.test.", "A")],
                  config=["val-nsec3-max-iterations: 20"],
                  comment=["iter.test. has 20 NSEC3 iterations"])
    sc.query("nx.iter.test.", "A")
    sc.check("nx.iter.test.", "A", rcode="NXDOMAIN", ad=True, do=True,
             an=a["an"], ns=a["ns"])
    S.append(sc)

    # --- NTA ---
    z = "badsig.test."
    sc = Scenario("val_nta", "a negative trust anchor, RFC 7646: the bogus "
                  "zone under it is answered as insecure", [z],
                  [("www.badsig.test.", "A")],
                  config=["domain-insecure: badsig.test."])
    sc.query("www.badsig.test.", "A")
    sc.check("www.badsig.test.", "A", do=True, ede=[0],
             an=positive(z, "www.badsig.test.", "A"))
    S.append(sc)

    sc = Scenario("val_nta_expired", "an expiring negative trust anchor: "
                  "once it has expired the zone is validated again", [z],
                  [("www.badsig.test.", "A")],
                  config=["nta: badsig.test. 1800"])
    sc.query("www.badsig.test.", "A")
    sc.check("www.badsig.test.", "A", do=True, ede=[0],
             an=positive(z, "www.badsig.test.", "A"))
    sc.time(3700)
    sc.query("www.badsig.test.", "A")
    sc.check("www.badsig.test.", "A", rcode="SERVFAIL", ede=[6])
    S.append(sc)

    sc = Scenario("val_insecure_nsec3", "insecure delegation proven by the "
                  "NSEC3 that matches it without DS: no AD, not bogus",
                  ["nsec3.test.", "unsigned.nsec3.test."],
                  [("www.unsigned.nsec3.test.", "A")])
    sc.query("www.unsigned.nsec3.test.", "A")
    sc.check("www.unsigned.nsec3.test.", "A", do=True, ede=[],
             an=positive("unsigned.nsec3.test.", "www.unsigned.nsec3.test.",
                         "A"))
    sc.upstream("", ["SOME %s unsigned.nsec3.test. DS"
                     % CHILDREN["nsec3"][0]])
    S.append(sc)

    sc = Scenario("val_cname_secure_chain", "a CNAME from an NSEC3 zone to "
                  "a name of an NSEC zone, both secure: AD",
                  [sec, "nsec3.test."],
                  [("alias.nsec3.test.", "A"), ("www.secure.test.", "A")])
    sc.query("alias.nsec3.test.", "A")
    sc.check("alias.nsec3.test.", "A", ad=True, do=True, ede=[],
             an=positive("nsec3.test.", "alias.nsec3.test.", "A") +
             positive(sec, "www.secure.test.", "A"))
    S.append(sc)

    z = "badsig.test."
    sc = Scenario("val_cd_after_bogus", "a name found bogus is still "
                  "given to a CD=1 query, without AD, RFC 4035 3.2.2 and "
                  "4.7", [z], [("www.badsig.test.", "A")])
    sc.query("www.badsig.test.", "A")
    sc.check("www.badsig.test.", "A", rcode="SERVFAIL", ede=[6])
    sc.query("www.badsig.test.", "A", cd=True)
    sc.check("www.badsig.test.", "A", cd=True, do=True,
             an=positive(z, "www.badsig.test.", "A"))
    S.append(sc)

    a = ans(h, sec, "foo.wild.secure.test.", "A")
    sc = Scenario("val_wildcard_cached", "a validated wildcard answer "
                  "from the cache keeps its NSEC proof for DO clients, "
                  "RFC 4035 3.1.3.3", [sec], [("foo.wild.secure.test.", "A")])
    for _ in range(2):
        sc.query("foo.wild.secure.test.", "A")
        sc.check("foo.wild.secure.test.", "A", ad=True, do=True,
                 an=a["an"], ns=a["ns"])
    sc.upstream("= 0")
    S.append(sc)

    deep = "a.b.c.d.e.f.g.nx.iter.test."
    sc = Scenario("val_nsec3_hash_budget", "CVE-2023-50868: the NSEC3 "
                  "hashes one answer may cost are capped, here 100 SHA-1 "
                  "computations for a name 9 labels below a zone with 20 "
                  "iterations: SERVFAIL", ["iter.test."], [(deep, "A")],
                  config=["val-nsec3-max-iterations: 20",
                          "val-max-hash: 100"])
    sc.query(deep, "A")
    sc.check(deep, "A", rcode="SERVFAIL", ede=[6])
    S.append(sc)

    a = ans(h, "nsec3.test.", "nx.nsec3.test.", "A")
    sc = Scenario("val_cname_to_nxdomain", "a secure CNAME to a name whose "
                  "NSEC3 zone proves it does not exist: NXDOMAIN with AD "
                  "and both proofs", [sec, "nsec3.test."],
                  [("nxalias.secure.test.", "A"), ("nx.nsec3.test.", "A")])
    sc.query("nxalias.secure.test.", "A")
    sc.check("nxalias.secure.test.", "A", rcode="NXDOMAIN", ad=True,
             do=True, an=positive(sec, "nxalias.secure.test.", "A"),
             ns=a["ns"])
    S.append(sc)

    sc = Scenario("val_cname_to_bogus", "a CNAME in a secure zone to a "
                  "bogus name: SERVFAIL, EDE 6", [sec, "badsig.test."],
                  [("bogusalias.secure.test.", "A"),
                   ("www.badsig.test.", "A")])
    sc.query("bogusalias.secure.test.", "A")
    sc.check("bogusalias.secure.test.", "A", rcode="SERVFAIL", ede=[6])
    S.append(sc)

    # --- what the RFCs require beyond the usual cases ---
    z = "shortsig.test."
    sc = Scenario("val_sig_expiry_caps_ttl", "RFC 4035 5.3.3: a validated "
                  "RRset is not kept past its signature expiration, here 10 "
                  "minutes away while the TTL is an hour", [z],
                  [("www.shortsig.test.", "A")])
    sc.query("www.shortsig.test.", "A")
    sc.check("www.shortsig.test.", "A", ad=True, do=True,
             an=positive(z, "www.shortsig.test.", "A"))
    sc.time(700)
    sc.query("www.shortsig.test.", "A")
    sc.check("www.shortsig.test.", "A", rcode="SERVFAIL", ede=[7])
    S.append(sc)

    a = ans(h, z, "nx.shortsig.test.", "A")
    sc = Scenario("val_sig_expiry_caps_neg_ttl", "RFC 4035 5.3.3: a "
                  "validated NXDOMAIN is not kept past the expiration of "
                  "its proof's signatures", [z], [("nx.shortsig.test.", "A")])
    sc.query("nx.shortsig.test.", "A")
    sc.check("nx.shortsig.test.", "A", rcode="NXDOMAIN", ad=True, do=True,
             an=a["an"], ns=a["ns"])
    sc.time(700)
    sc.query("nx.shortsig.test.", "A")
    sc.check("nx.shortsig.test.", "A", rcode="SERVFAIL", ede=[7])
    S.append(sc)

    sc = Scenario("val_signer_not_zone", "RFC 4035 5.3.1: an RRSIG whose "
                  "signer is not the zone of the RRset, here the parent "
                  "test. signing data of psig.test., is bogus",
                  ["psig.test."], [("www.psig.test.", "A")])
    sc.query("www.psig.test.", "A")
    sc.check("www.psig.test.", "A", rcode="SERVFAIL", ede=[6])
    S.append(sc)

    sc = Scenario("val_forged_nodata", "a NODATA whose NSEC shows the type "
                  "asked for is bogus, EDE 12", ["lie.test."],
                  [("www.lie.test.", "A")])
    sc.query("www.lie.test.", "A")
    sc.check("www.lie.test.", "A", rcode="SERVFAIL", ede=[12])
    S.append(sc)

    sc = Scenario("val_forged_nxdomain", "an NXDOMAIN for a name that has "
                  "an NSEC of its own is bogus, EDE 12", ["lie.test."],
                  [("ftp.lie.test.", "A")])
    sc.query("ftp.lie.test.", "A")
    sc.check("ftp.lie.test.", "A", rcode="SERVFAIL", ede=[12])
    S.append(sc)

    for name, zone, ede, what in (
            ("val_bogus_ds_signature", "badds.test.", 6,
             "a DS RRset whose signature does not verify: SERVFAIL, EDE 6"),
            ("val_bogus_ds_no_rrsig", "nodssig.test.", 10,
             "a DS RRset without RRSIG: SERVFAIL, EDE 10")):
        q = "www." + zone
        sc = Scenario(name, what, [zone], [(q, "A")])
        sc.query(q, "A")
        sc.check(q, "A", rcode="SERVFAIL", ede=[ede])
        S.append(sc)

    z = "twosig.test."
    sc = Scenario("val_two_sigs_one_valid", "an RRset with a broken RRSIG "
                  "and a good one from the same key is secure: every "
                  "signature is tried", [z], [("www.twosig.test.", "A")])
    sc.query("www.twosig.test.", "A")
    sc.check("www.twosig.test.", "A", ad=True, do=True,
             an=positive(z, "www.twosig.test.", "A"))
    S.append(sc)

    z = "n3nowc.test."
    for cand in ("nx", "nx1", "nx2", "nx3", "nx4", "nx5", "nx6", "nx7"):
        q = "%s.%s" % (cand, z)
        try:
            ans(h, z, q, "A")
            break
        except RuntimeError:
            continue
    sc = Scenario("val_nxdomain_nsec3_no_wildcard_proof", "NSEC3 NXDOMAIN "
                  "with the closest encloser and next closer but without "
                  "the record that denies the wildcard: SERVFAIL, EDE 12",
                  [z], [(q, "A")])
    sc.query(q, "A")
    sc.check(q, "A", rcode="SERVFAIL", ede=[12])
    S.append(sc)

    sc = Scenario("val_ds_query", "DS queries are answered by the parent "
                  "and validated with its keys: a DS, and the NSEC proof "
                  "that there is none", [sec, "insecure.test."],
                  [("secure.test.", "DS"), ("insecure.test.", "DS")])
    for q in ("secure.test.", "insecure.test."):
        a = ans(h, "test.", q, "DS")
        sc.query(q, "DS")
        sc.check(q, "DS", rcode=a["rcode"], ad=True, do=True, an=a["an"],
                 ns=a["ns"])
    S.append(sc)

    a = ans(h, sec, "nx.secure.test.", "A")
    sc = Scenario("val_negative_cached", "a validated NXDOMAIN is cached "
                  "as secure: the second query goes nowhere and has AD",
                  [sec], [("nx.secure.test.", "A")])
    sc.query("nx.secure.test.", "A")
    sc.check("nx.secure.test.", "A", rcode="NXDOMAIN", ad=True, do=True,
             an=a["an"], ns=a["ns"])
    sc.upstream(">= 1")
    sc.query("nx.secure.test.", "A")
    sc.check("nx.secure.test.", "A", rcode="NXDOMAIN", ad=True, do=True,
             an=a["an"], ns=a["ns"])
    sc.upstream("= 0")
    S.append(sc)

    # a second name that the first NXDOMAIN's NSEC records cover
    a1 = ans(h, sec, "nx.secure.test.", "A")
    for cand in ("nx0", "nx1", "nx2", "nxa", "nw", "nv"):
        q2 = "%s.secure.test." % cand
        a2 = ans(h, sec, q2, "A")
        if [r.name for r in a1["ns"]] == [r.name for r in a2["ns"]]:
            break
    else:
        raise RuntimeError("no name shares the NSEC records of nx")
    sc = Scenario("val_aggressive_nsec", "RFC 8198: an NXDOMAIN synthesized "
                  "from the NSEC records cached for another name, without "
                  "asking upstream", [sec],
                  [("nx.secure.test.", "A"), (q2, "A")])
    sc.query("nx.secure.test.", "A")
    sc.check("nx.secure.test.", "A", rcode="NXDOMAIN", ad=True, do=True,
             an=a1["an"], ns=a1["ns"])
    sc.query(q2, "A")
    sc.check(q2, "A", rcode="NXDOMAIN", ad=True, do=True,
             an=a2["an"], ns=a2["ns"])
    sc.upstream("= 0")
    S.append(sc)

    # --- KeyTrap ---
    sc = Scenario("val_keytrap", "KeyTrap, CVE-2023-50387: %d DNSKEYs and "
                  "%d RRSIGs share one key tag, the answer fails within "
                  "the signature budget" % (KEYTRAP_FAKES + 1,
                                            KEYTRAP_FAKES),
                  ["keytrap.test."], [("www.keytrap.test.", "A")],
                  comment=["without the limits: %d verifications" %
                           (KEYTRAP_FAKES * (KEYTRAP_FAKES + 1))])
    sc.query("www.keytrap.test.", "A")
    sc.check("www.keytrap.test.", "A", rcode="SERVFAIL")
    sc.raw("CHECK_SIGS <= 64")
    sc.upstream("<= 20")
    S.append(sc)

    # --- RFC 8509 and RFC 8145 ---
    tag = h.root_tag
    other = h.other_tag
    sc = Scenario("val_root_key_sentinel", "RFC 8509 root key sentinel: "
                  "is-ta and not-ta of the anchor's key tag and of another",
                  [sec],
                  [("root-key-sentinel-is-ta-%05d.secure.test." % t, "A")
                   for t in (tag, other)] +
                  [("root-key-sentinel-not-ta-%05d.secure.test." % t, "A")
                   for t in (tag, other)])
    for kind, t, ok in (("is-ta", tag, True), ("not-ta", tag, False),
                        ("is-ta", other, False), ("not-ta", other, True)):
        q = "root-key-sentinel-%s-%05d.secure.test." % (kind, t)
        sc.query(q, "A")
        if ok:
            sc.check(q, "A", ad=True, do=True, an=positive(sec, q, "A"))
        else:
            sc.check(q, "A", rcode="SERVFAIL")
    S.append(sc)

    sc = Scenario("val_keytag_signal", "RFC 8145 4: the DNSKEY query to the "
                  "root carries the edns-key-tag option with the anchor's "
                  "key tag, other DNSKEY queries do not", [sec],
                  [("www.secure.test.", "A")])
    sc.query("www.secure.test.", "A")
    sc.check("www.secure.test.", "A", ad=True, do=True,
             an=positive(sec, "www.secure.test.", "A"))
    sc.step("CHECK_OUT_QUERY", ["ENTRY_BEGIN", "MATCH qname qtype do",
                                "KEYTAG %d" % tag, "SECTION QUESTION",
                                ". IN DNSKEY", "ENTRY_END"])
    sc.step("CHECK_OUT_QUERY", ["ENTRY_BEGIN", "MATCH qname qtype do",
                                "KEYTAG none", "SECTION QUESTION",
                                "secure.test. IN DNSKEY", "ENTRY_END"])
    S.append(sc)

    # Self-tests of the harness (selftest/: each must FAIL): one wrong
    # expectation each, on answers the scenarios above check right.
    sc = Scenario("selftest_val_wrong_ede", "must fail: EDE 7 expected, "
                  "the answer has EDE 6", ["badsig.test."],
                  [("www.badsig.test.", "A")])
    sc.query("www.badsig.test.", "A")
    sc.check("www.badsig.test.", "A", rcode="SERVFAIL", ede=[7])
    S.append(sc)

    sc = Scenario("selftest_val_unexpected_ede", "must fail: no EDE "
                  "expected, the answer has EDE 1", ["unsupalg.test."],
                  [("www.unsupalg.test.", "A")])
    sc.query("www.unsupalg.test.", "A")
    sc.check("www.unsupalg.test.", "A", do=True, ede=[],
             an=positive("unsupalg.test.", "www.unsupalg.test.", "A"))
    S.append(sc)

    sc = Scenario("selftest_val_wrong_ad", "must fail: AD expected on an "
                  "insecure answer", ["insecure.test."],
                  [("www.insecure.test.", "A")])
    sc.query("www.insecure.test.", "A")
    sc.check("www.insecure.test.", "A", ad=True, do=True,
             an=positive("insecure.test.", "www.insecure.test.", "A"))
    S.append(sc)

    sc = Scenario("selftest_val_wrong_keytag", "must fail: the root DNSKEY "
                  "query carries the anchor's tag, not another", [sec],
                  [("www.secure.test.", "A")])
    sc.query("www.secure.test.", "A")
    sc.step("CHECK_OUT_QUERY", ["ENTRY_BEGIN", "MATCH qname qtype",
                                "KEYTAG %d" % h.other_tag,
                                "SECTION QUESTION", ". IN DNSKEY",
                                "ENTRY_END"])
    S.append(sc)

    sc = Scenario("selftest_val_sigs_budget", "must fail: the KeyTrap zone "
                  "costs the whole budget of 64 verifications, not 10",
                  ["keytrap.test."], [("www.keytrap.test.", "A")])
    sc.query("www.keytrap.test.", "A")
    sc.raw("CHECK_SIGS <= 10")
    S.append(sc)

    for sc in S:
        sc.write(static_head(h, sc), sc.pre_ranges + ranges_for(h, sc))


def ta5011_keys(tool):
    ksk1 = tool.keygen(13, ".", ksk=True)
    ksk2 = tool.keygen(13, ".", ksk=True)
    zsk = tool.keygen(13, ".")
    return ksk1, ksk2, zsk


def ta5011_scenarios(h, tool, keys):
    """RFC 5011 over simulated months: the root's KSK rolls from KSK1 to
    KSK2 (add, hold-down, revoke, remove), and what happens when the
    state is lost."""
    ksk1, ksk2, zsk = keys
    ksk1r = tool.revoked(ksk1)
    t1, t2, t1r = (dnskey_tag(tool, k) for k in (ksk1, ksk2, ksk1r))
    ds1 = tool.ds(ksk1)
    phases = {
        # the DNSKEY RRset in each phase
        "P1": h.root([ksk1], zsk),                     # KSK1
        "P2": h.root([ksk1], zsk, extra_keys=[ksk2]),  # KSK2 published
        "P2b": h.root([ksk2], zsk, extra_keys=[ksk1]),  # signed by KSK2
        "P3": h.root([ksk1r, ksk2], zsk),              # KSK1 revoked
        # KSK1 published revoked, but only KSK2 signs
        "P3b": h.root([ksk2], zsk, extra_keys=[ksk1r]),
        "P4": h.root([ksk2], zsk),                     # KSK1 gone
    }
    sec = "secure.test."
    head = ["root-hint: k.root-servers.net. %s" % ROOT_ADDR,
            "do-ip6: no",
            "trust-anchor: \"%s\"" % ds1,
            "val-override-date: \"%s\"" % DATE_5011,
            "trust-anchor-5011: yes",
            "trust-anchor-holddown: %d" % (30 * DAY)]
    keys_comment = ["KSK1 tag %d (revoked: %d), KSK2 tag %d; the anchor is "
                    "the DS of KSK1; hold-downs 30 days" % (t1, t1r, t2)]
    client = [(".", "DNSKEY"), ("www.secure.test.", "A")] + [
        ("root-key-sentinel-%s-%05d.secure.test." % (k, t), "A")
        for k in ("is-ta", "not-ta") for t in (t1, t2)]

    class Sc(Scenario):
        def __init__(self, name, title, config=(), comment=(),
                     phases=phases):
            super().__init__(name, title, [sec], client, config=config,
                             comment=keys_comment + list(comment))
            self.spans = []  # (phase, first step id)
            self.phases = phases

        def phase(self, p):
            self.spans.append((p, self.sid + 1))

        def dnskey(self, p, ok=True, ede=None, refresh=False):
            """A query for the root's DNSKEY RRset, answered with phase
            p's (refresh: one the cache does not answer)."""
            self.query(".", "DNSKEY", refresh=refresh)
            if ok:
                self.check(".", "DNSKEY", ad=True, do=True,
                           an=self.phases[p].answer(N("."),
                                                    T.DNSKEY)["an"])
            else:
                self.check(".", "DNSKEY", rcode="SERVFAIL", ede=ede)

        def www(self, ok=True, ede=None):
            q = "www.secure.test."
            self.query(q, "A")
            if ok:
                self.check(q, "A", ad=True, do=True,
                           an=h.auth[sec].answer(N(q), T.A)["an"])
            else:
                self.check(q, "A", rcode="SERVFAIL", ede=ede)

        def sentinel(self, kind, tag, ok):
            q = "root-key-sentinel-%s-%05d.secure.test." % (kind, tag)
            self.query(q, "A")
            if ok:
                self.check(q, "A", ad=True, do=True,
                           an=h.auth[sec].answer(N(q), T.A)["an"])
            else:
                self.check(q, "A", rcode="SERVFAIL")

        def ta(self, tag, state):
            self.raw("CHECK_TA . %d %s" % (tag, state))

        def finish(self):
            # Only the root's DNSKEY RRset changes from phase to phase:
            # each phase has a range with that answer, tried before the
            # rest of the root (from P1; the ZSK never changes).
            ranges = []
            bounds = self.spans + [(None, 100001)]
            dnskey = [(N("."), T.DNSKEY)]
            for i, (p, first) in enumerate(self.spans):
                last = bounds[i + 1][1] - 1
                ranges += ["; phase %s: the DNSKEY RRset" % p]
                ranges += self.phases[p].range_text(self.client, first,
                                                    last, only=dnskey)
            ranges += self.phases["P1"].range_text(self.client)
            ranges += h.auth["test."].range_text(self.client)
            ranges += h.auth[sec].range_text(self.client)
            self.write(head, ranges)

    def add_until_valid(sc):
        """P1 on day 0, KSK2 published on day 1, Valid on day 32."""
        sc.phase("P1")
        sc.dnskey("P1")
        sc.ta(t1, "Valid")
        sc.ta(t2, "absent")
        sc.time(DAY)
        sc.phase("P2")
        sc.dnskey("P2")
        sc.ta(t2, "AddPend")
        sc.time(29 * DAY)
        sc.dnskey("P2")
        sc.ta(t2, "AddPend")
        sc.time(2 * DAY)
        sc.dnskey("P2")
        sc.ta(t2, "Valid")

    sc = Sc("ta5011_add", "RFC 5011 add: a new KSK signed by the trusted "
            "one is AddPend, and Valid after the 30-day hold-down")
    add_until_valid(sc)
    sc.sentinel("is-ta", t2, True)
    sc.raw("CHECK_TA_STATEFILE")
    sc.finish()

    sc = Sc("selftest_ta5011_wrong_state", "must fail: the new key is "
            "AddPend one day after it appeared, not Valid")
    sc.phase("P1")
    sc.dnskey("P1")
    sc.time(DAY)
    sc.phase("P2")
    sc.dnskey("P2")
    sc.ta(t2, "Valid")
    sc.finish()

    sc = Sc("ta5011_holddown", "RFC 5011 hold-down: before it has passed "
            "the new key is not trusted, so a DNSKEY RRset signed by it "
            "alone is bogus")
    sc.phase("P1")
    sc.dnskey("P1")
    sc.time(DAY)
    sc.phase("P2")
    sc.dnskey("P2")
    sc.ta(t2, "AddPend")
    sc.time(10 * DAY)
    sc.dnskey("P2")
    sc.ta(t2, "AddPend")
    sc.sentinel("not-ta", t2, True)
    sc.time(DAY)
    sc.phase("P2b")
    sc.dnskey("P2b", ok=False, ede=[9])
    sc.ta(t2, "AddPend")
    sc.finish()

    sc = Sc("ta5011_revoke", "RFC 5011 revoke: the old KSK published with "
            "the REVOKE bit and signing the set is Revoked and no longer "
            "trusted, answers validate with the new key")
    add_until_valid(sc)
    sc.time(DAY)
    sc.phase("P3")
    sc.dnskey("P3")
    sc.ta(t1, "Revoked")
    sc.ta(t2, "Valid")
    sc.www()
    sc.sentinel("not-ta", t1, True)
    sc.sentinel("is-ta", t2, True)
    sc.raw("CHECK_TA_STATEFILE")
    sc.finish()

    sc = Sc("ta5011_revoke_not_self_signed", "RFC 5011 2.1: a key "
            "published with the REVOKE bit that did not sign the RRset is "
            "not revoked, it only counts as absent, so Missing and still "
            "trusted")
    add_until_valid(sc)
    sc.time(DAY)
    sc.phase("P3b")
    sc.dnskey("P3b")
    sc.ta(t1, "Missing")
    sc.sentinel("is-ta", t1, True)
    sc.finish()

    sc = Sc("ta5011_addpend_reset", "RFC 5011 4.1 KeyRem: a pending key "
            "that disappears is forgotten, and its hold-down starts again "
            "when it comes back")
    sc.phase("P1")
    sc.dnskey("P1")
    sc.time(DAY)
    sc.phase("P2")
    sc.dnskey("P2")
    sc.ta(t2, "AddPend")
    sc.time(10 * DAY)
    sc.phase("P1")
    sc.dnskey("P1")
    sc.ta(t2, "absent")
    sc.time(DAY)
    sc.phase("P2")
    sc.dnskey("P2")
    sc.ta(t2, "AddPend")
    sc.time(20 * DAY)
    sc.dnskey("P2")
    sc.ta(t2, "AddPend")
    sc.time(11 * DAY)
    sc.dnskey("P2")
    sc.ta(t2, "Valid")
    sc.finish()

    sc = Sc("ta5011_remove", "RFC 5011 remove: 30 days after its revocation "
            "the old key is Removed, the zone keeps validating with the "
            "new key alone")
    add_until_valid(sc)
    sc.time(DAY)
    sc.phase("P3")
    sc.dnskey("P3")
    sc.ta(t1, "Revoked")
    sc.time(10 * DAY)
    sc.phase("P4")
    sc.dnskey("P4")
    sc.ta(t1, "Revoked")
    sc.time(21 * DAY)
    sc.dnskey("P4")
    sc.ta(t1, "Removed")
    sc.ta(t2, "Valid")
    sc.www()
    sc.finish()

    sc = Sc("ta5011_missing", "RFC 5011 missing: a Valid key absent from "
            "the RRset is Missing and still trusted, and Valid again when "
            "it is back")
    add_until_valid(sc)
    sc.time(DAY)
    sc.phase("P1")
    sc.dnskey("P1")
    sc.ta(t2, "Missing")
    sc.sentinel("is-ta", t2, True)
    sc.time(DAY)
    sc.phase("P2")
    sc.dnskey("P2")
    sc.ta(t2, "Valid")
    sc.finish()

    sc = Sc("ta5011_restart", "RFC 5011 state kept across a restart: after "
            "the old key is gone the new one, from the state file, "
            "validates")
    add_until_valid(sc)
    sc.raw("TA_RESTART")
    sc.ta(t2, "Valid")
    sc.time(DAY)
    sc.phase("P4")
    sc.dnskey("P4")
    sc.www()
    sc.finish()

    sc = Sc("ta5011_lost_state", "RFC 5011 state lost: back to the "
            "configured anchor only, the zone is bogus with EDE 9 once the "
            "old key is gone, which the state file prevents")
    add_until_valid(sc)
    sc.raw("TA_STATE_LOST")
    sc.ta(t2, "absent")
    sc.ta(t1, "Valid")
    sc.time(DAY)
    sc.phase("P4")
    sc.dnskey("P4", ok=False, ede=[9])
    sc.www(ok=False, ede=[9])
    sc.finish()

    # The daemon's own refresh (odr_req_nocache) while the cache still
    # holds the DNSKEY RRset validated earlier: the fetched set must be
    # the one checked against the anchors and reported, or a new key
    # stays unseen until the cached set expires.
    ttl = 2 * DAY
    cached = {
        "P1": h.root([ksk1], zsk, dnskey_ttl=ttl),
        "P2": h.root([ksk1], zsk, extra_keys=[ksk2], dnskey_ttl=ttl),
    }
    sc = Sc("ta5011_refresh_cached", "RFC 5011 refresh while the cache "
            "holds the validated DNSKEY RRset: the refresh reaches the "
            "server and the key published since is AddPend at once, "
            "Valid after the hold-down",
            comment=["the root's DNSKEY TTL is 2 days; STEP QUERY "
                     "REFRESH is the resolver's own refresh query"],
            phases=cached)
    sc.phase("P1")
    # an ordinary query validates the root's keys and caches them
    sc.www()
    sc.upstream("", ["SOME %s . DNSKEY" % ROOT_ADDR])
    sc.ta(t1, "Valid")
    sc.ta(t2, "absent")
    # half a day later (the cache keeps the set a day at most, its
    # default ceiling) the root publishes KSK2; the cache still answers
    sc.time(DAY // 2)
    sc.phase("P2")
    sc.query(".", "DNSKEY")
    sc.check(".", "DNSKEY", ad=True, do=True,
             an=cached["P1"].answer(N("."), T.DNSKEY)["an"])
    sc.upstream("= 0")
    sc.ta(t2, "absent")
    # the refresh asks the server and sees KSK2
    sc.dnskey("P2", refresh=True)
    sc.upstream("", ["SENT %s . DNSKEY" % ROOT_ADDR])
    sc.ta(t1, "Valid")
    sc.ta(t2, "AddPend")
    # what the refresh learnt is cached
    sc.dnskey("P2")
    sc.upstream("= 0")
    # after the 30-day hold-down the next refresh makes KSK2 Valid
    sc.time(29 * DAY)
    sc.dnskey("P2", refresh=True)
    sc.ta(t2, "AddPend")
    sc.time(2 * DAY)
    sc.dnskey("P2", refresh=True)
    sc.upstream("", ["SENT %s . DNSKEY" % ROOT_ADDR])
    sc.ta(t1, "Valid")
    sc.ta(t2, "Valid")
    sc.sentinel("is-ta", t2, True)
    sc.raw("CHECK_TA_STATEFILE")
    sc.finish()

    sc = Sc("ta5011_read_only", "RFC 5011 with a read-only state: what was "
            "learnt is not saved, so after a restart the new key is "
            "unknown and the zone bogus once the old key is gone",
            config=["trust-anchor-read-only: yes"])
    add_until_valid(sc)
    sc.raw("TA_RESTART")
    sc.ta(t2, "absent")
    sc.time(DAY)
    sc.phase("P4")
    sc.dnskey("P4", ok=False, ede=[9])
    sc.finish()


def find_oz():
    for p in sorted(glob.glob(os.path.join(
            TOP, "build*", "src", "tools", "onedot-zone", "onedot-zone"))):
        if os.access(p, os.X_OK):
            return p
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--oz", help="the onedot-zone binary")
    ap.add_argument("--only", nargs="+", metavar="NAME",
                    help="write these scenarios only (names without .rpl; "
                    "selftest_NAME for those of selftest/)")
    args = ap.parse_args()
    global ONLY
    if args.only:
        ONLY = set(n[:-4] if n.endswith(".rpl") else n for n in args.only)
    oz = args.oz or find_oz()
    if oz is None:
        sys.exit("onedot-zone not found: build it, or give --oz")
    with tempfile.TemporaryDirectory(prefix="gen-val-") as d:
        tool = Tool(os.path.abspath(oz), d)
        h = Hierarchy(tool)
        root_ksk = tool.keygen(13, ".", ksk=True)
        root_zsk = tool.keygen(13, ".")
        h.root_tag = dnskey_tag(tool, root_ksk)
        h.root_ds = tool.ds(root_ksk)
        h.root_dnskey = tool.dnskey(root_ksk)
        keys = ta5011_keys(tool)
        tags = [h.root_tag] + [dnskey_tag(tool, k) for k in keys[:2]]
        # a tag that no anchor has, for the sentinel's other cases
        h.other_tag = next(t for t in range(1, 65536) if t not in tags)
        h.build_children(tags + [h.other_tag])
        h.root_auth = h.root([root_ksk], root_zsk)
        static_scenarios(h)
        ta5011_scenarios(h, tool, keys)
    if ONLY is not None and ONLY - WRITTEN:
        sys.exit("no such scenario: %s" % " ".join(sorted(ONLY - WRITTEN)))


if __name__ == "__main__":
    main()
