# SPDX-License-Identifier: MIT
"""A signed DNS hierarchy on loopback for testing validating resolvers.

Everything is built at test time in a temporary folder (no key material is
kept in the tree): keys are generated, zones signed bottom-up, each DS put
in its parent, and the DS of the root KSK written as the trust anchor
(trust_anchor file, trust_anchor_ds text). Servers listen on port 53 of
their own address in BASE.0.0/16 (BASE is "127.20"):

  BASE.0.1  onedot-auth  .            ldns-signzone, NSEC, ECDSA P-256
  BASE.1.1  NSD          sig.         ldns-signzone, NSEC, ECDSA P-256
  BASE.2.1  NSD          ldns.sig.    ldns-signzone, NSEC, ECDSA P-256
                                      (and the DNAME dname -> ldns3.sig.)
                         ed.sig.      dnssec-signzone, NSEC, Ed25519
                         p384.sig.    ldns-signzone, NSEC, ECDSA P-384
                         rsa512.sig.  ldns-signzone, NSEC, RSASHA512
                         insecure.sig. (unsigned, no DS)
                         unsigned.bind.sig. (unsigned, below opt-out)
  BASE.2.2  Knot DNS     ldns3.sig.   ldns-signzone, NSEC3 (0 iterations)
                         odz.sig.     onedot-zone sign, NSEC, ECDSA P-256
                         ed448.sig.   dnssec-signzone, NSEC, Ed448
                         iter.sig.    ldns-signzone, NSEC3 with
                                      ITER_HIGH (200) iterations
  BASE.2.3  onedot-auth  bind.sig.    dnssec-signzone, NSEC3 opt-out, with
                                      the unsigned delegation unsigned.
                         rsa.sig.     ldns-signzone, NSEC, RSASHA256
  BASE.2.4  Knot DNS     knot.sig.    signed by knotd itself (automatic
                                      policy, ECDSA P-256, NSEC3 with 0
                                      iterations, no salt; and the DNAME
                                      dname -> ldns.sig.)
  BASE.3.1  NSD          the broken zones (see BROKEN)

Each second-level zone has ns1 (its server), www A and TXT, a wildcard
*.wild A, and host.ent A (ent is an empty non-terminal). knot.sig. is
written unsigned and knotd generates its keys: it is started before sig.
is signed and the DS of the KSK it serves goes into sig.

iter.sig. is validly signed, but RFC 9276 3.2 lets validators treat its
denials (NXDOMAIN, NODATA, the no-closer-match proof of a wildcard
answer) as insecure, which is what Unbound and Knot Resolver do above
150 iterations; its positive answers stay secure.

Broken zones (all ECDSA P-256 but badalg and keytrap):

  expired.sig.   signatures expired (ldns-signzone -i/-e in the past)
  future.sig.    signatures not yet valid (-i/-e in the future)
  tampered.sig.  one byte of the signature of www A flipped
  nosig.sig.     the RRSIG of www A removed
  nokey.sig.     the DS in sig. is of a key that is not in the zone
  badalg.sig.    DS and DNSKEYs of algorithm 253 (PRIVATEDNS), which no
                 resolver validates: RFC 4035 5.2 makes such a zone
                 insecure, not bogus
  nonsec.sig.    every NSEC but the apex one removed (with its RRSIG):
                 NXDOMAIN and NODATA answers cannot be proven
  keytrap.sig.   KeyTrap (CVE-2023-50387): KEYTRAP_KEYS DNSKEYs that
                 share one key tag (the reserved flag bits, which
                 validators ignore, are chosen to make the tags collide),
                 the DNSKEY RRset validly signed by the KSK, every other
                 RRset carrying KEYTRAP_SIGS invalid signatures with that
                 tag

SignedHierarchy(...) is a context manager: it builds and starts everything
and stops it all when left (build_seconds is the time it took).
ValidatingUnbound and ValidatingKresd start the peers (hierarchy.Resolver
subclasses) with the trust anchor.
"""

import base64
import datetime
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import dns.dnssec
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.DNSKEY
import dns.rdtypes.ANY.RRSIG
import dns.rrset

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import auth_peers  # noqa: E402
import hierarchy  # noqa: E402

BASE = "127.20"
SOA_TIMERS = "1 3600 900 604800 300"
KEYTRAP_KEYS = 32
KEYTRAP_SIGS = 32
# NSEC3 iterations of iter.sig.: above the 150 that Unbound and Knot
# Resolver accept, far above the 0 of RFC 9276 3.1
ITER_HIGH = 200

# the algorithms RFC 8624 3.1 asks validators to support (MUST or
# RECOMMENDED) but the SHA-1 ones (5, 7): 8 rsa, 10 rsa512, 13 ldns (and
# most others), 14 p384, 15 ed, 16 ed448
SECURE = ["ldns.sig.", "ldns3.sig.", "bind.sig.", "ed.sig.", "rsa.sig.",
          "odz.sig.", "knot.sig.", "rsa512.sig.", "p384.sig.", "ed448.sig."]
# zones with a DNAME (owner dname) to another secure zone
DNAMES = {"ldns.sig.": "ldns3.sig.", "knot.sig.": "ldns.sig."}
INSECURE = ["insecure.sig.", "badalg.sig."]
BROKEN = ["expired.sig.", "future.sig.", "tampered.sig.", "nosig.sig.",
          "nokey.sig.", "nonsec.sig.", "keytrap.sig."]


class BuildError(Exception):
    pass


def _run(argv, cwd):
    if argv[0] is None:
        raise BuildError("tool not installed for %r" % (argv,))
    p = subprocess.run(argv, cwd=cwd, capture_output=True, text=True,
                       timeout=120)
    if p.returncode != 0:
        raise BuildError("%s: exit %d\n%s%s" % (" ".join(argv), p.returncode,
                                                p.stdout, p.stderr))
    return p.stdout


def _stamp(dt):
    return dt.strftime("%Y%m%d%H%M%S")


def _tag(origin):
    return origin.rstrip(".").replace(".", "_") or "root"


def zone_text(origin, ns_addr, n, extra=""):
    """A small zone: SOA, NS ns1, its address, www A/TXT, a wildcard and
    an empty non-terminal (ent, above host.ent)."""
    return "\n".join([
        "$ORIGIN %s" % origin, "$TTL 3600",
        "@ SOA ns1.%s hostmaster.%s %s" % (origin, origin, SOA_TIMERS),
        "@ NS ns1",
        "ns1 A %s" % ns_addr,
        "www A 192.0.2.%d" % n,
        'www TXT "%s"' % origin,
        "*.wild A 192.0.2.%d" % n,
        "host.ent A 192.0.2.%d" % n,
        extra.strip(), ""])


def dnskey_of_keyfile(path):
    """(owner, DNSKEY rdata) of a .key file as ldns-keygen, dnssec-keygen
    or onedot-zone keygen write it."""
    with open(path) as f:
        for line in f:
            line = line.split(";", 1)[0].strip()
            if not line:
                continue
            tok = line.split()
            i = [t.upper() for t in tok].index("DNSKEY")
            rd = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.DNSKEY,
                                     " ".join(tok[i + 1:]))
            return dns.name.from_text(tok[0]), rd
    raise BuildError("no DNSKEY record in %s" % path)


def ds_text(owner, dnskey):
    ds = dns.dnssec.make_ds(owner, dnskey, "SHA256")
    return "%s 3600 IN DS %s" % (owner.to_text(), ds.to_text())


def ds_of_keyfile(path):
    return ds_text(*dnskey_of_keyfile(path))


# ---------------------------------------------------------------- signers

def ldns_keys(origin, d, alg="ECDSAP256SHA256", bits=None):
    """(KSK base, ZSK base) made by ldns-keygen in d (absolute paths)."""
    out = []
    for ksk in (True, False):
        argv = [auth_peers.tool("ldns-keygen"), "-a", alg]
        if bits:
            argv += ["-b", str(bits)]
        if ksk:
            argv.append("-k")
        out.append(os.path.join(d, _run(argv + [origin], d).strip()))
    return out


def ldns_sign(src, origin, d, keys, nsec3=False, inception=None,
              expiration=None, iterations=0):
    out = src + ".signed"
    argv = [auth_peers.tool("ldns-signzone"), "-o", origin, "-f", out]
    if nsec3:
        argv += ["-n", "-t", str(iterations)]
    if inception:
        argv += ["-i", _stamp(inception)]
    if expiration:
        argv += ["-e", _stamp(expiration)]
    _run(argv + [src] + keys, d)
    return out


def bind_sign(src, origin, d, alg="ECDSAP256SHA256", nsec3_optout=False):
    """Keys by dnssec-keygen (in d/K-origin), signed by dnssec-signzone
    with smart signing. Returns (signed path, KSK .key path)."""
    kdir = os.path.join(d, "K-" + _tag(origin))
    os.makedirs(kdir, exist_ok=True)
    keygen = auth_peers.tool("dnssec-keygen")
    ksk = _run([keygen, "-q", "-a", alg, "-f", "KSK", "-K", kdir, origin],
               d).strip()
    _run([keygen, "-q", "-a", alg, "-K", kdir, origin], d)
    out = src + ".signed"
    argv = [auth_peers.tool("dnssec-signzone"), "-q", "-S", "-K", kdir,
            "-o", origin, "-f", out, "-d", kdir]
    if nsec3_optout:
        argv += ["-3", "-", "-H", "0", "-A"]
    _run(argv + [src], d)
    return out, os.path.join(kdir, ksk + ".key")


def oz_sign(oz, src, origin, d):
    """Keys by onedot-zone keygen, zone by onedot-zone sign. Returns
    (signed path, KSK .key path)."""
    kdir = os.path.join(d, "K-" + _tag(origin))
    os.makedirs(kdir, exist_ok=True)
    ksk = _run([oz, "keygen", "13", origin, "--ksk", "-d", kdir], d).strip()
    zsk = _run([oz, "keygen", "13", origin, "-d", kdir], d).strip()
    ksk, zsk = (k if os.path.isabs(k) else os.path.join(kdir, k)
                for k in (ksk, zsk))
    out = src + ".signed"
    text = _run([oz, "sign", src, ksk, zsk, "-o", origin], d)
    with open(out, "w") as f:
        f.write(text)
    return out, ksk + ".key"


class KnotSigner(auth_peers.Knot):
    """knotd serving zones it signs itself: automatic key management
    (KASP database in its folder), ECDSA P-256, NSEC3 with 0 iterations
    and no salt (RFC 9276 3.1)."""

    name = "knot-signer"

    def policy_lines(self):
        return ["policy:",
                "  - id: auto",
                "    algorithm: ecdsap256sha256",
                "    nsec3: on",
                "    nsec3-iterations: 0",
                "    nsec3-salt-length: 0"]

    def template_lines(self):
        return ["    dnssec-signing: on",
                "    dnssec-policy: auto"]

    def ksk_ds(self, origin):
        """DS text of the KSK (flags 257) the server publishes for
        origin (it generated the key at start)."""
        r = auth_peers.query(self.addr, origin, "DNSKEY", do=True,
                             port=self.port)
        keys = [rd for rs in r.answer for rd in rs
                if rs.rdtype == dns.rdatatype.DNSKEY and rd.flags == 257]
        if len(keys) != 1:
            raise BuildError("%s on %s serves %d KSKs for %s, expected 1"
                             "\n--- log ---\n%s" % (self.name, self.addr,
                                                   len(keys), origin,
                                                   self.log()))
        return ds_text(dns.name.from_text(origin), keys[0])


def _rr_lines(path):
    with open(path) as f:
        return f.read().splitlines()


def _fields(line):
    s = line.split(";", 1)[0].split()
    return s


def _is_rrsig_of(fields, owner, covered):
    return (len(fields) > 5 and fields[0].lower() == owner
            and fields[3] == "RRSIG" and fields[4] == covered)


def tamper(path, owner, covered):
    """Flip one byte in the signature of the first RRSIG of owner/covered
    (ldns-signzone output: one record a line, absolute owners)."""
    lines = _rr_lines(path)
    for i, line in enumerate(lines):
        f = _fields(line)
        if _is_rrsig_of(f, owner, covered):
            sig = bytearray(base64.b64decode("".join(f[12:])))
            sig[len(sig) // 2] ^= 0x01
            lines[i] = " ".join(f[:12] + [base64.b64encode(sig).decode()])
            break
    else:
        raise BuildError("no RRSIG %s %s in %s" % (owner, covered, path))
    with open(path, "w") as fo:
        fo.write("\n".join(lines) + "\n")


def drop(path, keep):
    """Remove the records for which keep(fields) is false."""
    lines = [ln for ln in _rr_lines(path)
             if not _fields(ln) or ln.lstrip().startswith(";")
             or keep(_fields(ln))]
    with open(path, "w") as fo:
        fo.write("\n".join(lines) + "\n")


# ---------------------------------------------------------------- python zones

def _rrset_lines(rrset):
    return [ln for ln in rrset.to_text().splitlines()]


def _key_tag_with_flags(flags, rest):
    ac = flags + rest
    ac += (ac >> 16) & 0xFFFF
    return ac & 0xFFFF


def _rest_sum(key):
    """Key tag sum of a DNSKEY RDATA without its flags word."""
    wire = bytes([key.protocol, key.algorithm]) + key.key
    ac = 0
    for i, b in enumerate(wire):
        ac += b if i & 1 else b << 8
    return ac


def _records(origin, text):
    """RRsets (dns.rrset.RRset, absolute) of zone text."""
    import dns.zone
    z = dns.zone.from_text(text, origin=origin, relativize=False,
                           check_origin=False)
    out = []
    for name, node in z.nodes.items():
        for rds in node.rdatasets:
            out.append(dns.rrset.from_rdata_list(name, rds.ttl, list(rds)))
    return out


def _junk_rrsig(rrset, alg, tag, signer, inception, expiration, size, rnd):
    labels = len(rrset.name) - 1
    if rrset.name[0] == b"*":
        labels -= 1
    return dns.rdtypes.ANY.RRSIG.RRSIG(
        dns.rdataclass.IN, dns.rdatatype.RRSIG, rrset.rdtype, alg, labels,
        rrset.ttl, expiration, inception, tag, signer, rnd(size))


def build_badalg(origin, text):
    """Zone text and DS of a zone whose keys and signatures use algorithm
    253 (PRIVATEDNS: the key starts with a domain name, RFC 4034 A.1.1)."""
    name = dns.name.from_text(origin)
    now = int(time.time())
    alg = 253
    prefix = dns.name.from_text("alg.example.").to_wire()
    keys = [dns.rdtypes.ANY.DNSKEY.DNSKEY(
        dns.rdataclass.IN, dns.rdatatype.DNSKEY, flags, 3, alg,
        prefix + os.urandom(64)) for flags in (257, 256)]
    sets = _records(origin, text)
    sets.append(dns.rrset.from_rdata_list(name, 3600, keys))
    lines = []
    for rs in sets:
        lines += _rrset_lines(rs)
        k = keys[0] if rs.rdtype == dns.rdatatype.DNSKEY else keys[1]
        sig = _junk_rrsig(rs, alg, dns.dnssec.key_id(k), name, now - 3600,
                          now + 86400 * 30, 80, os.urandom)
        lines.append("%s %d IN RRSIG %s" % (rs.name, rs.ttl, sig.to_text()))
    return "\n".join(lines) + "\n", ds_text(name, keys[0])


def build_keytrap(origin, text):
    """KeyTrap zone text and DS (see the module comment)."""
    from cryptography.hazmat.primitives.asymmetric import ec
    name = dns.name.from_text(origin)
    now = int(time.time())
    ksk_priv = ec.generate_private_key(ec.SECP256R1())
    ksk = dns.dnssec.make_dnskey(ksk_priv.public_key(), 13, flags=257)
    target = dns.dnssec.key_id(ksk)
    keys = [ksk]
    while len(keys) < KEYTRAP_KEYS:
        pub = ec.generate_private_key(ec.SECP256R1()).public_key()
        k = dns.dnssec.make_dnskey(pub, 13, flags=256)
        rest = _rest_sum(k)
        # the fold adds the carries (rest >> 16 and a little more)
        for carry in range(64):
            flags = (target - rest - carry) & 0xFFFF
            # ZONE bit (0x0100) set, REVOKE (0x0080) clear; the other
            # bits are reserved and ignored on receipt (RFC 4034 2.1.1)
            if (flags & 0x0180) == 0x0100 \
                    and _key_tag_with_flags(flags, rest) == target:
                k = dns.rdtypes.ANY.DNSKEY.DNSKEY(
                    dns.rdataclass.IN, dns.rdatatype.DNSKEY, flags, 3, 13,
                    k.key)
                if dns.dnssec.key_id(k) == target:
                    keys.append(k)
                break
    keyset = dns.rrset.from_rdata_list(name, 3600, keys)
    lines = _rrset_lines(keyset)
    good = dns.dnssec.sign(keyset, ksk_priv, name, ksk, inception=now - 3600,
                           expiration=now + 86400 * 30)
    lines.append("%s 3600 IN RRSIG %s" % (name, good.to_text()))
    for rs in _records(origin, text):
        lines += _rrset_lines(rs)
        for _ in range(KEYTRAP_SIGS):
            sig = _junk_rrsig(rs, 13, target, name, now - 3600,
                              now + 86400 * 30, 64, os.urandom)
            lines.append("%s %d IN RRSIG %s" % (rs.name, rs.ttl,
                                                 sig.to_text()))
    return "\n".join(lines) + "\n", ds_text(name, ksk)


# ---------------------------------------------------------------- hierarchy

class SignedHierarchy:
    """The signed hierarchy on BASE.0.0/16. onedot_auth and oz are the
    paths of onedot-auth and onedot-zone."""

    def __init__(self, onedot_auth, oz, base=BASE, workdir=None):
        for what, path in (("onedot-auth", onedot_auth), ("onedot-zone", oz)):
            if not path or not os.access(path, os.X_OK):
                raise hierarchy.StartError("%s not found (%r): build it first"
                                           % (what, path))
        self.onedot_auth = os.path.abspath(onedot_auth)
        self.oz = os.path.abspath(oz)
        self.base = base
        self._own_dir = workdir is None
        self.dir = workdir or tempfile.mkdtemp(prefix="od-signed-")
        self.zdir = os.path.join(self.dir, "zones")
        self.root_hints = os.path.join(self.dir, "root.hints")
        self.root_hint_list = [("a.root.", self.a(0, 1))]
        self.trust_anchor = os.path.join(self.dir, "root.ds")
        self.trust_anchor_ds = None
        self.zone_files = {}
        self.servers = []
        self.build_seconds = None

    def a(self, x, y):
        return "%s.%d.%d" % (self.base, x, y)

    def _src(self, origin, text):
        path = os.path.join(self.zdir, _tag(origin) + ".zone")
        with open(path, "w") as f:
            f.write(text)
        return path

    # where each child of sig. lives
    def placement(self):
        a = self.a
        p = {"ldns.sig.": a(2, 1), "ed.sig.": a(2, 1),
             "p384.sig.": a(2, 1), "rsa512.sig.": a(2, 1),
             "insecure.sig.": a(2, 1), "ldns3.sig.": a(2, 2),
             "odz.sig.": a(2, 2), "ed448.sig.": a(2, 2),
             "iter.sig.": a(2, 2), "bind.sig.": a(2, 3), "rsa.sig.": a(2, 3),
             "knot.sig.": a(2, 4)}
        for z in BROKEN + ["badalg.sig."]:
            p[z] = a(3, 1)
        return p

    def build(self):
        """Write and sign every zone; knotd, which signs knot.sig. itself,
        is started (in the background, while the other zones are signed)
        and left running."""
        # leaving the executor waits for knotd's start even on an error,
        # so that stop() finds it in self.servers
        with ThreadPoolExecutor(max_workers=1) as ex:
            self._build(ex)

    def _build(self, ex):
        os.makedirs(self.zdir, exist_ok=True)
        d, a = self.zdir, self.a
        place = self.placement()
        ds = {}
        now = datetime.datetime.now(datetime.timezone.utc)
        n = iter(range(10, 250))

        def text(origin, extra=""):
            if origin in DNAMES:
                extra += "\ndname DNAME %s\n" % DNAMES[origin]
            return zone_text(origin, place[origin], next(n), extra)

        # knotd signs knot.sig. itself: start it first, take the DS of
        # the key it made before sig. is signed
        z = "knot.sig."
        self.zone_files[z] = self._src(z, text(z))
        signer = self._knot_signer(place[z], z)
        signer_started = ex.submit(signer.start)

        # secure zones
        for z, alg, bits, nsec3, iters in (
                ("ldns.sig.", "ECDSAP256SHA256", None, False, 0),
                ("ldns3.sig.", "ECDSAP256SHA256", None, True, 0),
                ("rsa.sig.", "RSASHA256", 2048, False, 0),
                ("rsa512.sig.", "RSASHA512", 2048, False, 0),
                ("p384.sig.", "ECDSAP384SHA384", None, False, 0),
                ("iter.sig.", "ECDSAP256SHA256", None, True, ITER_HIGH)):
            keys = ldns_keys(z, d, alg, bits)
            self.zone_files[z] = ldns_sign(self._src(z, text(z)), z, d, keys,
                                           nsec3=nsec3, iterations=iters)
            ds[z] = ds_of_keyfile(keys[0] + ".key")
        for z, alg in (("ed.sig.", "ED25519"), ("ed448.sig.", "ED448")):
            self.zone_files[z], k = bind_sign(self._src(z, text(z)), z, d,
                                              alg=alg)
            ds[z] = ds_of_keyfile(k)
        z = "bind.sig."
        self.zone_files[z], k = bind_sign(
            self._src(z, text(z, "unsigned NS ns1.unsigned\n"
                                 "ns1.unsigned A %s\n" % a(2, 1))),
            z, d, nsec3_optout=True)
        ds[z] = ds_of_keyfile(k)
        z = "odz.sig."
        self.zone_files[z], k = oz_sign(self.oz, self._src(z, text(z)), z, d)
        ds[z] = ds_of_keyfile(k)
        # unsigned zones
        for z in ("insecure.sig.", "unsigned.bind.sig."):
            self.zone_files[z] = self._src(z, zone_text(z, a(2, 1), next(n)))
        # broken zones
        day = datetime.timedelta(days=1)
        for z, inc, exp in (("expired.sig.", now - 60 * day, now - 30 * day),
                            ("future.sig.", now + 30 * day, now + 60 * day)):
            keys = ldns_keys(z, d)
            self.zone_files[z] = ldns_sign(self._src(z, text(z)), z, d, keys,
                                           inception=inc, expiration=exp)
            ds[z] = ds_of_keyfile(keys[0] + ".key")
        for z in ("tampered.sig.", "nosig.sig.", "nokey.sig.",
                  "nonsec.sig."):
            keys = ldns_keys(z, d)
            path = ldns_sign(self._src(z, text(z)), z, d, keys)
            ds[z] = ds_of_keyfile(keys[0] + ".key")
            self.zone_files[z] = path
        tamper(self.zone_files["tampered.sig."], "www.tampered.sig.", "A")
        drop(self.zone_files["nosig.sig."],
             lambda f: not _is_rrsig_of(f, "www.nosig.sig.", "A"))
        drop(self.zone_files["nonsec.sig."],
             lambda f: f[0].lower() == "nonsec.sig."
             or (f[3] != "NSEC" and not (f[3] == "RRSIG" and f[4] == "NSEC")))
        # the DS of nokey.sig. names a key the zone does not have
        odir = os.path.join(d, "nokey-other")
        os.makedirs(odir, exist_ok=True)
        other = ldns_keys("nokey.sig.", odir)
        ds["nokey.sig."] = ds_of_keyfile(other[0] + ".key")
        for z, fn in (("badalg.sig.", build_badalg),
                      ("keytrap.sig.", build_keytrap)):
            body, ds[z] = fn(z, text(z))
            self.zone_files[z] = self._src(z + "signed", body)

        signer_started.result()
        ds["knot.sig."] = signer.ksk_ds("knot.sig.")

        # sig.: delegations (NS, glue, DS) to every child
        body = []
        for z, addr in sorted(place.items()):
            label = z[:-len(".sig.")]
            body += ["%s NS ns1.%s" % (label, label),
                     "ns1.%s A %s" % (label, addr)]
            if z in ds:
                body.append(ds[z])
        z = "sig."
        keys = ldns_keys(z, d)
        src = self._src(z, zone_text(z, a(1, 1), 1, "\n".join(body)))
        self.zone_files[z] = ldns_sign(src, z, d, keys)
        sig_ds = ds_of_keyfile(keys[0] + ".key")

        # the root
        z = "."
        keys = ldns_keys(z, d)
        src = self._src(z, "\n".join([
            "$ORIGIN .", "$TTL 3600",
            "@ SOA a.root. hostmaster.root. %s" % SOA_TIMERS,
            "@ NS a.root.", "a.root. A %s" % a(0, 1),
            "sig. NS ns1.sig.", "ns1.sig. A %s" % a(1, 1), sig_ds, ""]))
        self.zone_files[z] = ldns_sign(src, z, d, keys)
        self.trust_anchor_ds = ds_of_keyfile(keys[0] + ".key")
        with open(self.trust_anchor, "w") as f:
            f.write(self.trust_anchor_ds + "\n")
        with open(self.root_hints, "w") as f:
            f.write(".  3600000  NS  a.root.\n")
            for name, addr in self.root_hint_list:
                f.write("%s  3600000  A  %s\n" % (name, addr))

    def _knot_signer(self, addr, origin):
        """The (not yet started) knotd for origin, already in
        self.servers so that stop() stops it."""
        if not auth_peers.port_free(addr):
            raise hierarchy.StartError("port 53 is already in use on %s"
                                       % addr)
        k = KnotSigner(addr, [(origin, self.zone_files[origin])],
                       workdir=os.path.join(self.dir, "srv-" + addr))
        self.servers.append(k)
        return k

    def _server_plan(self):
        zf, place = self.zone_files, self.placement()

        def zones_at(addr, first):
            zs = [first] + sorted(z for z, x in place.items()
                                  if x == addr and z != first)
            return [(z, zf[z]) for z in zs]

        def wd(addr):
            return os.path.join(self.dir, "srv-" + addr)

        a = self.a
        nsd21 = zones_at(a(2, 1), "ldns.sig.") + [
            ("unsigned.bind.sig.", zf["unsigned.bind.sig."])]
        return [
            auth_peers.OnedotAuth(self.onedot_auth, a(0, 1), [(".", zf["."])],
                                  workdir=wd(a(0, 1))),
            auth_peers.Nsd(a(1, 1), [("sig.", zf["sig."])], workdir=wd(a(1, 1))),
            auth_peers.Nsd(a(2, 1), nsd21, workdir=wd(a(2, 1))),
            auth_peers.Knot(a(2, 2), zones_at(a(2, 2), "ldns3.sig."),
                            workdir=wd(a(2, 2))),
            auth_peers.OnedotAuth(self.onedot_auth, a(2, 3),
                                  zones_at(a(2, 3), "bind.sig."),
                                  workdir=wd(a(2, 3))),
            auth_peers.Nsd(a(3, 1), zones_at(a(3, 1), "expired.sig."),
                           workdir=wd(a(3, 1))),
        ]

    def start(self):
        t0 = time.monotonic()
        try:
            self.build()
            plan = self._server_plan()
            busy = [s.addr for s in plan if not auth_peers.port_free(s.addr)]
            if busy:
                raise hierarchy.StartError(
                    "port 53 is already in use on %s" % ", ".join(busy))
            # started side by side: each start waits for a first answer
            self.servers += plan
            with ThreadPoolExecutor(max_workers=len(plan)) as ex:
                for f in [ex.submit(s.start) for s in plan]:
                    f.result()
        except BaseException:
            self.stop()
            self.cleanup()
            raise
        self.build_seconds = time.monotonic() - t0
        return self

    def stop(self):
        for s in reversed(self.servers):
            s.stop()
        self.servers = []

    def cleanup(self):
        if not self._own_dir:
            return
        deadline = time.monotonic() + hierarchy.STOP_WAIT
        while os.path.exists(self.dir) and time.monotonic() < deadline:
            shutil.rmtree(self.dir, ignore_errors=True)
            if os.path.exists(self.dir):
                time.sleep(0.1)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        self.cleanup()
        return False


# ---------------------------------------------------------------- resolvers

class ValidatingUnbound(hierarchy.Unbound):
    """Unbound validating with the hierarchy's trust anchor, EDE on."""

    def policy_lines(self):
        return [
            "  module-config: \"validator iterator\"",
            "  trust-anchor-file: \"%s\"" % self.h.trust_anchor,
            "  val-log-level: 2",
            "  ede: yes",
        ]


class ValidatingKresd(hierarchy.Kresd):
    """Knot Resolver validating with the hierarchy's trust anchor."""

    def policy_lua(self):
        return ("trust_anchors.remove('.')\n"
                "trust_anchors.add('%s')\n" % self.h.trust_anchor_ds)
