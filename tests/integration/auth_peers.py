# SPDX-License-Identifier: MIT
"""Helpers for comparing authoritative servers: NSD, Knot DNS and
onedot-auth, each started in the foreground on its own loopback address
(port 53) with its own configuration in a temporary folder, stopped by its
pid; a dnspython query function; a normaliser that turns a response into
a comparable form; and the comparison itself with its documented knobs.

The normalised form keeps what the RFCs fix: the rcode (extended rcode
included), the AA and TC flags, the question as sent back (case kept, for
0x20 checks), and each section as a sorted list of records in text form,
TTLs kept. Owner names and the names inside RDATA are lowercased (RFC 4343:
the servers may compress a name against a differently cased copy, and the
case carries no meaning). Everything else (RD, RA, CD, AD, the OPT record,
the order of records) is left out.

Knobs (see compare()):
- additional section: compared only in referrals, where it holds the glue
  (RFC 1034 4.3.2, RFC 9471); elsewhere servers choose freely (minimal
  responses; NSD and Knot DNS differ), so it is kept in the normalised
  form for the report but not compared;
- authority NS RRset (and its RRSIG) in positive answers: optional (RFC
  2181 6.1, minimal responses), ignored; in referrals and negative answers
  the authority section is compared in full (SOA, NS, DS, NSEC, NSEC3,
  RRSIG);
- ANY: only the rcode is compared (RFC 8482 lets servers pick what they
  return);
- truncated responses (TC=1 on both sides): only rcode, AA and TC are
  compared; what a server keeps in a truncated message is its choice and
  the client must retry over TCP (RFC 2181 9, RFC 4035 3.1.1: NSD and
  Knot DNS keep different parts of a signed denial);
- QTYPE=RRSIG: RFC 4035 does not say which RRSIGs make the answer; NSD
  returns all at the name, Knot DNS one (the RFC 8482 latitude). The
  answers must then be subsets of one another and both empty or both not;
  the authority of such a positive answer is not compared.
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import dns.edns
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype

HERE = os.path.dirname(os.path.abspath(__file__))
ZONES = os.path.join(HERE, "zones", "auth")

START_WAIT = 10.0       # seconds a server gets to answer its first SOA query
STOP_WAIT = 5.0         # seconds between SIGTERM and SIGKILL
QUERY_TIMEOUT = 2.0


def build_dir():
    return os.environ.get("ONEDOT_BUILD_DIR", "")


def onedot_auth_path():
    """Path of onedot-auth in the build tree, or None when it is not built."""
    b = build_dir()
    if not b:
        return None
    path = os.path.join(b, "src", "auth", "onedot-auth")
    return path if os.access(path, os.X_OK) else None


def tool(name):
    return shutil.which(name) or next(
        (p for p in ("/usr/sbin/" + name, "/usr/bin/" + name)
         if os.access(p, os.X_OK)), None)


class StartError(Exception):
    pass


# ---------------------------------------------------------------- servers

class Server:
    """One authoritative server process on ADDR port 53.

    zones is a list of (origin, zone file path). The first origin is the
    one queried for SOA to know that the server is up."""

    name = "server"

    def __init__(self, addr, zones, workdir=None, port=53):
        self.addr = addr
        self.port = port
        self.zones = list(zones)
        self.dir = workdir or tempfile.mkdtemp(prefix="od-auth-%s-" % self.name)
        os.makedirs(self.dir, exist_ok=True)
        self.proc = None
        self.log_path = os.path.join(self.dir, "%s.log" % self.name)
        self._log = None

    def argv(self):
        raise NotImplementedError

    def start(self):
        argv = self.argv()
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(argv, stdout=self._log,
                                     stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL,
                                     cwd=self.dir, start_new_session=True)
        origin = self.zones[0][0]
        deadline = time.monotonic() + START_WAIT
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                last = "exited with status %d" % self.proc.returncode
                break
            try:
                r = query(self.addr, origin, "SOA", timeout=0.3,
                          port=self.port)
                if (r.rcode() == dns.rcode.NOERROR
                        and r.flags & dns.flags.AA and r.answer):
                    return self
                last = "answers SOA %s with %s" % (
                    origin, dns.rcode.to_text(r.rcode()))
            except (dns.exception.Timeout, OSError) as e:
                last = "no answer (%s)" % (e.__class__.__name__,)
            time.sleep(0.1)
        else:
            last = "%s after %.0f s" % (last, START_WAIT)
        self.stop()
        raise StartError("%s on %s@%d did not start: %s\n"
                         "command: %s\n--- log %s ---\n%s"
                         % (self.name, self.addr, self.port, last,
                            " ".join(argv), self.log_path, self.log()))

    def log(self):
        try:
            with open(self.log_path, "r", errors="replace") as f:
                return f.read()[-8000:]
        except OSError:
            return ""

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_WAIT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=STOP_WAIT)
        if self.proc is not None:
            # NSD's server processes may outlive their parent by a moment:
            # they are in the session (and process group) made at start
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except (ProcessLookupError, PermissionError):
                pass
        if self._log is not None:
            self._log.close()
            self._log = None


class Nsd(Server):
    name = "nsd"

    def argv(self):
        d = self.dir
        conf = os.path.join(d, "nsd.conf")
        lines = [
            "server:",
            "  ip-address: %s@%d" % (self.addr, self.port),
            "  do-ip6: no",
            "  server-count: 1",
            '  database: ""',
            '  username: ""',
            '  chroot: ""',
            "  zonesdir: \"%s\"" % d,
            "  zonelistfile: \"%s\"" % os.path.join(d, "zone.list"),
            "  xfrdfile: \"%s\"" % os.path.join(d, "xfrd.state"),
            "  xfrdir: \"%s\"" % d,
            "  pidfile: \"%s\"" % os.path.join(d, "nsd.pid"),
            "  logfile: \"%s\"" % self.log_path,
            "  verbosity: 1",
            "  hide-version: yes",
            "  rrl-ratelimit: 0",
            "remote-control:",
            "  control-enable: no",
        ]
        for origin, path in self.zones:
            lines += ["zone:", "  name: \"%s\"" % origin,
                      "  zonefile: \"%s\"" % path]
        with open(conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        check = subprocess.run([tool("nsd-checkconf"), conf],
                               capture_output=True, text=True, timeout=20)
        if check.returncode != 0:
            raise StartError("nsd-checkconf %s: %s%s"
                             % (conf, check.stdout, check.stderr))
        return [tool("nsd"), "-d", "-c", conf]


class Knot(Server):
    name = "knot"

    def policy_lines(self):
        """Configuration sections before the template (subclasses)."""
        return []

    def template_lines(self):
        """More lines of the default template (subclasses)."""
        return []

    def argv(self):
        d = self.dir
        conf = os.path.join(d, "knot.conf")
        lines = [
            "server:",
            "  listen: %s@%d" % (self.addr, self.port),
            "  rundir: \"%s\"" % d,
            "  pidfile: \"%s\"" % os.path.join(d, "knot.pid"),
            "  udp-workers: 1",
            "  tcp-workers: 1",
            "  background-workers: 1",
            "control:",
            "  listen: \"%s\"" % os.path.join(d, "knot.sock"),
            "log:",
            "  - target: stderr",
            "    any: info",
            "database:",
            "  storage: \"%s\"" % d,
        ] + self.policy_lines() + [
            "template:",
            "  - id: default",
            "    storage: \"%s\"" % d,
            "    zonefile-sync: -1",
            "    zonefile-load: whole",
            "    journal-content: none",
        ] + self.template_lines() + [
            "zone:",
        ]
        for origin, path in self.zones:
            lines += ["  - domain: \"%s\"" % origin,
                      "    file: \"%s\"" % path]
        with open(conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        return [tool("knotd"), "-c", conf]


class OnedotAuth(Server):
    name = "onedot-auth"

    def __init__(self, binary, *a, **kw):
        self.binary = binary
        super().__init__(*a, **kw)

    def argv(self):
        argv = [self.binary, "--listen", "%s@%d" % (self.addr, self.port)]
        for origin, path in self.zones:
            argv += ["--zone", "%s:%s" % (origin, path)]
        return argv


# ---------------------------------------------------------------- queries

def make_query(qname, qtype, do=False, edns=0, rd=False, payload=1232):
    """A query for qname/qtype. edns is the EDNS version (None: no OPT);
    do sets the DO bit (and needs EDNS); payload is the EDNS UDP size.
    The qname keeps its case."""
    q = dns.message.make_query(qname, qtype, use_edns=False)
    if edns is not None:
        # make_query() of dnspython 2.3 sends version 0 whatever it is given
        q.use_edns(edns=edns, payload=payload,
                   ednsflags=dns.flags.DO if do else 0)
    if not rd:
        q.flags &= ~dns.flags.RD
    return q


def query(addr, qname, qtype, do=False, edns=0, tcp=False,
          timeout=QUERY_TIMEOUT, port=53, payload=1232):
    """Send one query, return the dns.message.Message answer. A UDP query
    that times out is sent once more."""
    q = make_query(qname, qtype, do=do, edns=edns, payload=payload)
    if tcp:
        return dns.query.tcp(q, addr, timeout=timeout, port=port)
    try:
        return dns.query.udp(q, addr, timeout=timeout, port=port)
    except dns.exception.Timeout:
        return dns.query.udp(q, addr, timeout=timeout, port=port)


# ---------------------------------------------------------------- normaliser

def _rr_lines(section):
    """Records of a section as sorted text lines; owner and embedded names
    lowercased (canonical form of RFC 4034 6.2), TTLs kept."""
    out = []
    for rrset in section:
        owner = rrset.name.canonicalize().to_text()
        rclass = dns.rdataclass.to_text(rrset.rdclass)
        rtype = dns.rdatatype.to_text(rrset.rdtype)
        for rd in rrset:
            wire = rd.to_digestable()
            canon = dns.rdata.from_wire(rrset.rdclass, rrset.rdtype, wire,
                                        0, len(wire))
            out.append("%s %d %s %s %s" % (owner, rrset.ttl, rclass, rtype,
                                           canon.to_text()))
    return sorted(out)


def _rtype_of(line):
    return line.split(" ", 4)[3]


def _covered_of(line):
    # RRSIG RDATA starts with the type covered
    return line.split(" ", 5)[4]


class Norm:
    """A response in comparable form."""

    def __init__(self, msg):
        self.msg = msg
        self.rcode = dns.rcode.to_text(msg.rcode())
        self.aa = bool(msg.flags & dns.flags.AA)
        self.tc = bool(msg.flags & dns.flags.TC)
        self.question = [q.to_text() for q in msg.question]
        self.answer = _rr_lines(msg.answer)
        self.authority = _rr_lines(msg.authority)
        self.additional = _rr_lines(msg.additional)
        self.edns = msg.edns

    @property
    def is_referral(self):
        """No answer, not authoritative, NS records in the authority."""
        return (self.rcode == "NOERROR" and not self.aa and not self.answer
                and any(_rtype_of(x) == "NS" for x in self.authority))

    def answer_rrsets(self):
        """(owner, type) pairs in the answer, RRSIGs left out."""
        return sorted({(ln.split(" ")[0], _rtype_of(ln))
                       for ln in self.answer if _rtype_of(ln) != "RRSIG"})

    def authority_compared(self):
        """The authority section as compared: in full for referrals and
        negative answers; without the NS RRset and its RRSIG otherwise."""
        if self.is_referral or not self.answer:
            return self.authority
        return [ln for ln in self.authority
                if _rtype_of(ln) != "NS"
                and not (_rtype_of(ln) == "RRSIG" and _covered_of(ln) == "NS")]

    def header(self):
        return "rcode=%s aa=%d tc=%d" % (self.rcode, self.aa, self.tc)

    def text(self):
        parts = [self.header(), "question: %s" % self.question]
        for name in ("answer", "authority", "additional"):
            parts.append("%s:" % name)
            parts += ["  " + x for x in getattr(self, name)]
        return "\n".join(parts)


def compare(a, b, mode=None):
    """Differences between two Norms as a list of strings (empty when they
    agree under the rules described at the top of this module). mode is
    None, "any" (QTYPE=ANY) or "rrsig" (QTYPE=RRSIG)."""
    diffs = []
    if a.rcode != b.rcode:
        diffs.append("rcode %s != %s" % (a.rcode, b.rcode))
    if mode == "any":
        return diffs
    if a.aa != b.aa:
        diffs.append("AA %d != %d" % (a.aa, b.aa))
    if a.tc != b.tc:
        diffs.append("TC %d != %d" % (a.tc, b.tc))
    if a.tc and b.tc:
        return diffs
    pairs = [("answer", a.answer, b.answer),
             ("authority", a.authority_compared(), b.authority_compared())]
    if mode == "rrsig" and (a.answer or b.answer):
        x, y = set(a.answer), set(b.answer)
        if not (x and y and (x <= y or y <= x)):
            diffs.append("RRSIG answers are not subsets of one another:\n"
                         "  first: %s\n  second: %s"
                         % (sorted(x), sorted(y)))
        pairs = []
    for name, x, y in pairs:
        if x != y:
            diffs.append("%s differs:\n  only first: %s\n  only second: %s"
                         % (name, sorted(set(x) - set(y)),
                            sorted(set(y) - set(x))))
    if a.is_referral or b.is_referral:
        if a.additional != b.additional:
            diffs.append("referral glue differs:\n  only first: %s\n"
                         "  only second: %s"
                         % (sorted(set(a.additional) - set(b.additional)),
                            sorted(set(b.additional) - set(a.additional))))
    return diffs


def port_free(addr, port=53):
    """True when nothing listens on addr:port (UDP)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind((addr, port))
        return True
    except OSError:
        return False
    finally:
        s.close()


# ---------------------------------------------------------------- signing

def sign_zone(template, origin, workdir, nsec3=False):
    """Write template (zone text without $ORIGIN) under origin, make a KSK
    and a ZSK with ldns-keygen (ECDSA P-256) in workdir and sign with
    ldns-signzone (NSEC, or NSEC3 with 0 iterations and an empty salt).
    Returns the signed file's path."""
    tag = origin.rstrip(".").replace(".", "_") or "root"
    src = os.path.join(workdir, "%s.zone" % tag)
    with open(template) as f:
        body = f.read()
    with open(src, "w") as f:
        f.write("$ORIGIN %s\n" % origin + body)
    keys = []
    for ksk in (True, False):
        argv = [tool("ldns-keygen"), "-a", "ECDSAP256SHA256"]
        if ksk:
            argv.append("-k")
        argv.append(origin)
        p = subprocess.run(argv, cwd=workdir, capture_output=True, text=True,
                           timeout=30)
        if p.returncode != 0:
            raise RuntimeError("ldns-keygen: %s" % p.stderr)
        keys.append(os.path.join(workdir, p.stdout.strip()))
    out = src + ".signed"
    argv = [tool("ldns-signzone"), "-o", origin, "-f", out]
    if nsec3:
        argv += ["-n", "-t", "0"]
    argv += [src] + keys
    p = subprocess.run(argv, cwd=workdir, capture_output=True, text=True,
                       timeout=60)
    if p.returncode != 0:
        raise RuntimeError("ldns-signzone %s: %s%s"
                           % (" ".join(argv), p.stdout, p.stderr))
    return out
