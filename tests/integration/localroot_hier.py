# SPDX-License-Identifier: MIT
"""A small signed hierarchy on loopback for the local root tests (issue 9),
and copies of its root zone made to order.

Everything is built at test time in a work folder (no key material is kept
in the tree). Servers listen on port 53 of their own address in BASE.0.0/16
(BASE is "127.30"):

  BASE.0.1  onedot-auth  .       the root: allow-transfer 127.0.0.0/8
                                 (and, when a TSIG key is given, the same
                                 prefix with the key), metrics on port
                                 ROOT_METRICS_PORT, control socket in its
                                 folder, optional NOTIFY targets
  BASE.1.1  NSD          alpha. beta. gamma.
                                 ldns-signzone, NSEC, ECDSA P-256; each
                                 with ns1 (BASE.1.1), www A 192.0.2.N and
                                 www TXT "ORIGIN"

The root zone: SOA a.root. (refresh, retry, expire settable), NS a.root.
with its address (a.root. A BASE.0.1; the name is authoritative data of
the root, as "root." is not delegated), a delegation (NS, glue, DS) to
each TLD, a record of a type no parser knows (TYPE65400 at the apex, in
the RFC 3597 generic form) and a ZONEMD (RFC 8976, SIMPLE, SHA-384).
It is signed by ldns-signzone (NSEC, ECDSA P-256) with a KSK and a ZSK
kept in the work folder, so that any number of copies can be made:
root_copy(serial, ...) returns the path of a new signed copy, good or
tampered (see TAMPER). The root server serves a long-lived copy (serial
ROOT_SERIAL) until serve_root() gives it another one.

trust_anchor is a file with the DS of the root KSK (onedot
--trust-anchor FILE), trust_anchor_ds its text; root_hints names a.root.
at BASE.0.1.

LocalRootHier(...) is a context manager: it builds and starts everything
and stops it all when left. Running this file checks a good copy with
ldns-verify-zone and dnspython and every tampered one against them.
"""

import base64
import datetime
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

import dns.dnssec
import dns.exception
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.zone

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import auth_peers  # noqa: E402

BASE = "127.30"
TLDS = ("alpha.", "beta.", "gamma.")
# www A of each TLD: 192.0.2.WWW[tld]
WWW = {"alpha.": 11, "beta.": 12, "gamma.": 13}
PRIVATE_TYPE = 65400
PRIVATE_RDATA = "\\# 6 6f6e65646f74"  # "onedot"
ROOT_SERIAL = 1000
ROOT_METRICS_PORT = 9153
# refresh retry expire minimum of the root SOA unless given
SOA_DEFAULT = (1800, 900, 604800, 60)
TAMPER = ("digest", "signature", "truncate")
DAY = 86400


class BuildError(Exception):
    pass


def _run(argv, cwd, timeout=120):
    if argv[0] is None:
        raise BuildError("tool not installed for %r" % (argv,))
    p = subprocess.run(argv, cwd=cwd, capture_output=True, text=True,
                       timeout=timeout, stdin=subprocess.DEVNULL)
    if p.returncode != 0:
        raise BuildError("%s: exit %d\n%s%s" % (" ".join(argv), p.returncode,
                                                p.stdout, p.stderr))
    return p.stdout


def _tag(origin):
    return origin.rstrip(".").replace(".", "_") or "root"


def dnskey_of_keyfile(path):
    """(owner, DNSKEY rdata) of an ldns-keygen .key file."""
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


def ds_of_keyfile(path, ttl=3600):
    owner, key = dnskey_of_keyfile(path)
    ds = dns.dnssec.make_ds(owner, key, "SHA256")
    return "%s %d IN DS %s" % (owner.to_text(), ttl, ds.to_text())


def ldns_keys(origin, d):
    """(KSK base, ZSK base): ECDSA P-256 keys by ldns-keygen in d."""
    out = []
    for ksk in (True, False):
        argv = [auth_peers.tool("ldns-keygen"), "-a", "ECDSAP256SHA256"]
        if ksk:
            argv.append("-k")
        out.append(os.path.join(d, _run(argv + [origin], d).strip()))
    return out


def ecdsa_private_key(base):
    """The P-256 private key of an ldns-keygen key (BASE.private)."""
    from cryptography.hazmat.primitives.asymmetric import ec
    with open(base + ".private") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k.strip() == "PrivateKey":
                raw = base64.b64decode(v.strip())
                return ec.derive_private_key(int.from_bytes(raw, "big"),
                                             ec.SECP256R1())
    raise BuildError("no PrivateKey in %s.private" % base)


def _fields(line):
    return line.split(";", 1)[0].split()


def tld_text(origin, addr):
    return "\n".join([
        "$ORIGIN %s" % origin, "$TTL 3600",
        "@ SOA ns1 hostmaster 1 3600 900 604800 300",
        "@ NS ns1",
        "ns1 A %s" % addr,
        "www A 192.0.2.%d" % WWW[origin],
        'www TXT "%s"' % origin, ""])


def query(addr, qname, qtype, timeout=2.0, port=53):
    """One non-recursive query with DO over UDP (sent twice at most)."""
    return auth_peers.query(addr, qname, qtype, do=True, timeout=timeout,
                            port=port)


def scrape(addr, port, timeout=10):
    """Prometheus text of http://addr:port/metrics as a dict
    {(name, frozenset(labels.items())): value}."""
    with urllib.request.urlopen("http://%s:%d/metrics" % (addr, port),
                                timeout=timeout) as r:
        text = r.read().decode("utf-8")
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        head, _, value = line.rpartition(" ")
        labels = {}
        name = head
        if "{" in head:
            name, _, rest = head.partition("{")
            rest = rest.rstrip("}")
            # label values written by the daemons hold no '",' sequence
            for part in rest.split('",'):
                if not part:
                    continue
                k, _, v = part.partition("=")
                labels[k.strip()] = v.strip().strip('"')
        out[(name, frozenset(labels.items()))] = float(value)
    return out


class RootServer(auth_peers.Server):
    """onedot-auth serving the root from a YAML configuration."""

    name = "onedot-auth"

    def __init__(self, binary, addr, zone_path, workdir, notify=(),
                 tsig=None, metrics_port=ROOT_METRICS_PORT):
        self.binary = binary
        self.notify = list(notify)
        self.tsig = tsig
        self.metrics_port = metrics_port
        super().__init__(addr, [(".", zone_path)], workdir=workdir)
        self.conf = os.path.join(self.dir, "auth.yaml")

    def config(self):
        lines = [
            "server:",
            '  listen: [ "%s@%d" ]' % (self.addr, self.port),
            "  workers: 1",
            '  state-dir: "%s"' % self.dir,
            '  metrics: "%s@%d"' % (self.addr, self.metrics_port),
        ]
        acl = ['"127.0.0.0/8"']
        if self.tsig:
            name, alg, secret = self.tsig
            lines += ["keys:", "  - name: %s" % name,
                      "    algorithm: %s" % alg,
                      '    secret: "%s"' % secret]
            acl.append('"127.0.0.0/8 key %s"' % name)
        lines += ["zones:", "  - origin: .",
                  '    file: "%s"' % self.zones[0][1],
                  "    allow-transfer: [ %s ]" % ", ".join(acl)]
        if self.notify:
            lines.append("    notify: [ %s ]" % ", ".join(
                '"%s"' % n for n in self.notify))
        return "\n".join(lines) + "\n"

    def argv(self):
        with open(self.conf, "w") as f:
            f.write(self.config())
        return [self.binary, "-c", self.conf]

    def running(self):
        return self.proc is not None and self.proc.poll() is None


class LocalRootHier:
    """The hierarchy on BASE.0.0/16. onedot_auth is the path of
    onedot-auth. soa: (refresh, retry, expire, minimum) of the root
    copies made unless root_copy() is given others. root_notify: NOTIFY
    targets ("ADDR@PORT") of the root server; root_tsig: (name,
    algorithm, base64 secret) of a key transfers may be signed with."""

    def __init__(self, onedot_auth, base=BASE, workdir=None,
                 soa=SOA_DEFAULT, root_notify=(), root_tsig=None):
        if not onedot_auth or not os.access(onedot_auth, os.X_OK):
            raise auth_peers.StartError("onedot-auth not found (%r): build "
                                        "it first" % (onedot_auth,))
        self.onedot_auth = os.path.abspath(onedot_auth)
        self.base = base
        self.soa = tuple(soa)
        self.root_notify = list(root_notify)
        self.root_tsig = root_tsig
        self._own_dir = workdir is None
        self.dir = workdir or tempfile.mkdtemp(prefix="od-lr-")
        self.zdir = os.path.join(self.dir, "zones")
        self.cdir = os.path.join(self.dir, "copies")
        self.root_addr = self.a(0, 1)
        self.tld_addr = self.a(1, 1)
        self.root_hints = os.path.join(self.dir, "root.hints")
        self.trust_anchor = os.path.join(self.dir, "root.ds")
        self.trust_anchor_ds = None
        self.root_keys = None     # (KSK base, ZSK base)
        self.tld_ds = {}          # origin -> DS text
        self.tld_files = {}       # origin -> signed zone path
        self.root_served = os.path.join(self.dir, "root.served.zone")
        self.root = None          # RootServer
        self.nsd = None
        self._copies = 0

    def a(self, x, y):
        return "%s.%d.%d" % (self.base, x, y)

    # ------------------------------------------------------------ build

    def build(self):
        """Keys, the signed TLD zones, the trust anchor, the root hints and
        the root server's copy (serial ROOT_SERIAL, valid for 30 days)."""
        for d in (self.zdir, self.cdir):
            os.makedirs(d, exist_ok=True)
        for z in TLDS:
            src = os.path.join(self.zdir, _tag(z) + ".zone")
            with open(src, "w") as f:
                f.write(tld_text(z, self.tld_addr))
            keys = ldns_keys(z, self.zdir)
            out = src + ".signed"
            _run([auth_peers.tool("ldns-signzone"), "-o", z, "-f", out, src]
                 + keys, self.zdir)
            self.tld_files[z] = out
            self.tld_ds[z] = ds_of_keyfile(keys[0] + ".key")
        kdir = os.path.join(self.dir, "rootkeys")
        os.makedirs(kdir, exist_ok=True)
        self.root_keys = ldns_keys(".", kdir)
        self.trust_anchor_ds = ds_of_keyfile(self.root_keys[0] + ".key")
        with open(self.trust_anchor, "w") as f:
            f.write(self.trust_anchor_ds + "\n")
        with open(self.root_hints, "w") as f:
            f.write(".  3600000  NS  a.root.\n"
                    "a.root.  3600000  A  %s\n" % self.root_addr)
        shutil.copyfile(self.root_copy(ROOT_SERIAL), self.root_served)

    def root_text(self, serial, ttl=3600, soa=None, extra_records=(),
                  private=True):
        """The unsigned root zone text."""
        refresh, retry, expire, minimum = soa or self.soa
        # the NSEC TTL is the SOA minimum: never longer than ttl
        minimum = min(minimum, ttl)
        lines = ["$ORIGIN .", "$TTL %d" % ttl,
                 ". SOA a.root. hostmaster.root. %d %d %d %d %d"
                 % (serial, refresh, retry, expire, minimum),
                 ". NS a.root.",
                 "a.root. A %s" % self.root_addr]
        if private:
            lines.append(". TYPE%d %s" % (PRIVATE_TYPE, PRIVATE_RDATA))
        for z in TLDS:
            lines += ["%s NS ns1.%s" % (z, z),
                      "ns1.%s A %s" % (z, self.tld_addr),
                      "%s %d IN DS %s" % (z, ttl,
                                         self.tld_ds[z].split(" DS ", 1)[1])]
        lines += list(extra_records)
        return "\n".join(lines) + "\n"

    def root_copy(self, serial, expiration=None, inception=None,
                  extra_records=(), zonemd=True, tamper=None, ttl=3600,
                  soa=None, private=True, path=None):
        """Sign a copy of the root zone and return its path.

        serial: SOA serial. expiration, inception: of every RRSIG, as
        datetime, or int (seconds since the epoch); default now + 30 days
        and now - 1 hour. extra_records: more lines of zone text (absolute
        owners). zonemd: add a ZONEMD (SIMPLE, SHA-384). ttl: of every
        record (and the most the SOA minimum, which is the NSEC TTL, may
        be). soa: (refresh, retry, expire, minimum). private: include
        the TYPE65400 apex record. tamper:
          "digest"     one byte of the ZONEMD digest flipped, the ZONEMD
                       RRset signed again (so only the digest is wrong)
          "signature"  one byte of the signature of alpha.'s DS flipped,
                       the ZONEMD recomputed and signed again (so only
                       that signature is wrong)
          "truncate"   the file cut in the middle of a record set (the
                       apex RRSIG RRset): the last record is cut inside
                       its signature, which no longer decodes
        path: where to write it (default: a new file in the copies
        folder)."""
        if tamper is not None and tamper not in TAMPER:
            raise ValueError("tamper: one of %s" % (TAMPER,))
        if tamper in ("digest", "signature") and not zonemd:
            raise ValueError("tamper=%r needs zonemd" % tamper)
        now = int(time.time())
        inc = self._epoch(inception, now - 3600)
        exp = self._epoch(expiration, now + 30 * DAY)
        self._copies += 1
        base = os.path.join(self.cdir, "root-%d-%d" % (serial, self._copies))
        src = base + ".zone"
        with open(src, "w") as f:
            f.write(self.root_text(serial, ttl=ttl, soa=soa,
                                   extra_records=extra_records,
                                   private=private))
        out = base + ".signed"
        argv = [auth_peers.tool("ldns-signzone"), "-o", ".", "-f", out,
                "-i", str(inc), "-e", str(exp)]
        if zonemd:
            argv += ["-z", "1:1"]
        _run(argv + [src] + list(self.root_keys), self.cdir)
        if tamper == "digest":
            self._tamper_digest(out, inc, exp)
        elif tamper == "signature":
            self._tamper_signature(out, inc, exp)
        elif tamper == "truncate":
            self._truncate(out)
        if path is not None:
            shutil.copyfile(out, path)
            return path
        return out

    @staticmethod
    def _epoch(t, default):
        if t is None:
            return default
        if isinstance(t, datetime.datetime):
            return int(t.timestamp())
        return int(t)

    def _lines(self, path):
        with open(path) as f:
            return f.read().splitlines()

    def _write(self, path, lines):
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")

    def _resign_zonemd(self, path, lines, digest, inc, exp):
        """Replace the ZONEMD record (its digest: digest, hex) and its
        RRSIG by a new one signed with the root ZSK."""
        zsk_owner, zsk = dnskey_of_keyfile(self.root_keys[1] + ".key")
        key = ecdsa_private_key(self.root_keys[1])
        out, ttl, md = [], None, None
        for line in lines:
            f = _fields(line)
            if len(f) > 4 and f[0] == "." and f[3] == "ZONEMD":
                ttl = int(f[1])
                md = " ".join(f[4:7] + [digest])
                continue
            if len(f) > 4 and f[0] == "." and f[3] == "RRSIG" \
                    and f[4] == "ZONEMD":
                continue
            out.append(line)
        if md is None:
            raise BuildError("no ZONEMD in %s" % path)
        rrset = dns.rrset.from_text(".", ttl, "IN", "ZONEMD", md)
        sig = dns.dnssec.sign(rrset, key, zsk_owner, zsk, inception=inc,
                              expiration=exp)
        out += [". %d IN ZONEMD %s" % (ttl, md),
                ". %d IN RRSIG %s" % (ttl, sig.to_text())]
        self._write(path, out)

    @staticmethod
    def _zonemd_digest(lines):
        for line in lines:
            f = _fields(line)
            if len(f) > 7 and f[0] == "." and f[3] == "ZONEMD":
                return "".join(f[7:])
        raise BuildError("no ZONEMD record")

    def _tamper_digest(self, path, inc, exp):
        lines = self._lines(path)
        raw = bytearray(bytes.fromhex(self._zonemd_digest(lines)))
        raw[len(raw) // 2] ^= 0x01
        self._resign_zonemd(path, lines, raw.hex(), inc, exp)

    def _tamper_signature(self, path, inc, exp):
        lines = self._lines(path)
        for i, line in enumerate(lines):
            f = _fields(line)
            if (len(f) > 12 and f[0] == "alpha." and f[3] == "RRSIG"
                    and f[4] == "DS"):
                sig = bytearray(base64.b64decode("".join(f[12:])))
                sig[len(sig) // 2] ^= 0x01
                lines[i] = "\t".join(f[:12] + [base64.b64encode(sig)
                                               .decode()])
                break
        else:
            raise BuildError("no RRSIG of alpha. DS in %s" % path)
        self._write(path, lines)
        # the digest of the tampered zone, so that only the signature is
        # wrong
        z = dns.zone.from_file(path, origin=".", relativize=False)
        md = z.compute_digest(dns.zone.DigestHashAlgorithm.SHA384)
        self._resign_zonemd(path, lines, md.digest.hex(), inc, exp)

    def _truncate(self, path):
        lines = self._lines(path)
        apex_sigs = [i for i, ln in enumerate(lines)
                     if len(_fields(ln)) > 12 and _fields(ln)[0] == "."
                     and _fields(ln)[3] == "RRSIG"]
        if len(apex_sigs) < 3:
            raise BuildError("too few apex RRSIGs in %s" % path)
        i = apex_sigs[len(apex_sigs) // 2]
        f = _fields(lines[i])
        sig = "".join(f[12:])
        # 4k+1 base64 characters never decode
        cut = (len(sig) // 2) // 4 * 4 + 1
        with open(path, "w") as fo:
            fo.write("\n".join(lines[:i]) + "\n")
            fo.write("\t".join(f[:12] + [sig[:cut]]))

    # ------------------------------------------------------------ servers

    def start(self):
        try:
            self.build()
            for addr in (self.root_addr, self.tld_addr):
                if not auth_peers.port_free(addr):
                    raise auth_peers.StartError("port 53 is already in use "
                                                "on %s" % addr)
            self.nsd = auth_peers.Nsd(
                self.tld_addr, [(z, self.tld_files[z]) for z in TLDS],
                workdir=os.path.join(self.dir, "srv-" + self.tld_addr))
            self.nsd.start()
            self.root = RootServer(self.onedot_auth, self.root_addr,
                                   self.root_served,
                                   os.path.join(self.dir,
                                                "srv-" + self.root_addr),
                                   notify=self.root_notify,
                                   tsig=self.root_tsig)
            self.root.start()
        except BaseException:
            self.stop()
            self.cleanup()
            raise
        return self

    def stop_root(self):
        """Stop the root server (start_root() starts it again)."""
        if self.root is not None:
            self.root.stop()

    def start_root(self):
        """Start the root server again when it is not running."""
        if self.root is not None and not self.root.running():
            self.root.start()

    def root_serial(self):
        r = query(self.root_addr, ".", "SOA")
        if r.rcode() != dns.rcode.NOERROR or not r.answer:
            raise BuildError("root server answers SOA with %s"
                             % dns.rcode.to_text(r.rcode()))
        return r.answer[0][0].serial

    def serve_root(self, path, wait=10.0):
        """Make the root server serve the copy at path (SIGHUP reload) and
        wait until it answers with its serial. Returns the serial."""
        z = dns.zone.from_file(path, origin=".", relativize=False)
        serial = z.get_soa().serial
        shutil.copyfile(path, self.root_served)
        self.root.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                if self.root_serial() == serial:
                    return serial
            except (dns.exception.DNSException, OSError, BuildError):
                pass
            time.sleep(0.1)
        raise BuildError("root server did not take serial %d\n--- log ---\n"
                         "%s" % (serial, self.root.log()))

    def root_metrics(self):
        return scrape(self.root_addr, self.root.metrics_port)

    def root_queries(self):
        """Messages the root server answered from the root zone so far
        (onedot_auth_zone_queries_total{zone="."})."""
        return self.root_metrics().get(
            ("onedot_auth_zone_queries_total", frozenset({("zone", ".")})),
            0.0)

    def stop(self):
        for s in (self.root, self.nsd):
            if s is not None:
                s.stop()

    def cleanup(self):
        if not self._own_dir:
            return
        deadline = time.monotonic() + auth_peers.STOP_WAIT
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


# ---------------------------------------------------------------- self-test

def _verify(h, path):
    """(ldns-verify-zone accepts it, dnspython's ZONEMD check passes)."""
    ldns = subprocess.run([auth_peers.tool("ldns-verify-zone"), "-Z", "-k",
                           h.trust_anchor, path], capture_output=True,
                          text=True, timeout=60)
    try:
        z = dns.zone.from_file(path, origin=".", relativize=False)
        z.verify_digest()
        md = True
    except Exception:
        md = False
    return ldns.returncode == 0, md, ldns.stdout + ldns.stderr


def self_test():
    d = tempfile.mkdtemp(prefix="od-lr-self-")
    try:
        h = LocalRootHier("/bin/true", workdir=d)
        h.build()
        good = h.root_copy(7, expiration=int(time.time()) + 3600)
        ok, md, out = _verify(h, good)
        assert ok and md, out
        text = open(good).read()
        assert "TYPE65400" in text and "ZONEMD" in text
        ok, md, out = _verify(h, h.root_copy(8, tamper="digest"))
        assert not ok and not md, out
        ok, md, out = _verify(h, h.root_copy(9, tamper="signature"))
        assert not ok and md, out
        ok, _, out = _verify(h, h.root_copy(10, tamper="truncate"))
        assert not ok, out
        for z in TLDS:
            subprocess.run([auth_peers.tool("ldns-verify-zone"),
                            h.tld_files[z]], check=True, capture_output=True,
                           timeout=60)
        print("ok: good copy verified, tampered copies refused (%s)" % d)
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    self_test()
