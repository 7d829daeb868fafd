# SPDX-License-Identifier: MIT
"""Helpers for the wire interoperability tests: the record corpus, a tiny
DNS responder on loopback, runners for odprint and the peer tools (kdig,
drill, ldns-read-zone) and the normalisation of their presentation output.

Normalisation removes pure notation only: case of hex and of mnemonics,
runs of blanks, base64 split over several tokens, parentheses, trailing
comments that a peer adds (ldns' DNSKEY key tag), TTL units, numeric
spelling of LOC fields and of IPv6 addresses, the choice of escape for the
same octet in a <character-string>. Anything else is a real difference and
must be listed as an exception by the test that meets it.
"""

import ipaddress
import os
import re
import shutil
import socket
import struct
import subprocess
import threading

import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")


# ---------------------------------------------------------------- corpus

class Record:
    """One corpus record: type, the text it was written as, its wire RDATA."""

    def __init__(self, index, rtype, text, wire, lineno):
        self.index = index
        self.rtype = rtype
        self.text = text
        self.wire = wire
        self.lineno = lineno

    @property
    def mnemonic(self):
        return dns.rdatatype.to_text(self.rtype)

    @property
    def owner(self):
        return "r%d.example." % self.index

    def generic_line(self, ttl=3600):
        """The record in RFC 3597 form, `owner ttl IN TYPEnnn \\# len hex`."""
        hexpart = (" " + self.wire.hex()) if self.wire else ""
        return "%s %d IN TYPE%d \\# %d%s" % (self.owner, ttl, self.rtype,
                                             len(self.wire), hexpart)

    def __repr__(self):
        return "%s(%s:%d)" % (self.mnemonic, "records.txt", self.lineno)


def load_records(path=None):
    """Parse data/records.txt into Records (wire built by dnspython)."""
    path = path or os.path.join(DATA, "records.txt")
    out = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            parts = line.split(None, 1)
            rtype = dns.rdatatype.from_text(parts[0])
            text = parts[1] if len(parts) > 1 else ""
            rd = dns.rdata.from_text(dns.rdataclass.IN, rtype, text)
            out.append(Record(len(out), rtype, text, rd.to_wire(), lineno))
    return out


# ---------------------------------------------------------------- tools

def build_dir():
    return os.environ.get("ONEDOT_BUILD_DIR")


def odprint_path():
    """Path of the odprint test tool, or None when it is not built."""
    bd = build_dir()
    if not bd:
        return None
    p = os.path.join(bd, "tests", "tools", "odprint")
    return p if os.access(p, os.X_OK) else None


def tool(name):
    return shutil.which(name) or (
        "/usr/bin/" + name if os.access("/usr/bin/" + name, os.X_OK) else None)


def run(argv, data=None, timeout=20):
    """Run a program; returns CompletedProcess with bytes stdout/stderr."""
    return subprocess.run(argv, input=data, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=timeout)


# ---------------------------------------------------------------- text

# hex digits, possibly grouped (EUI48/EUI64 "-", NID/L64 ":")
_HEXRUN = re.compile(r"^[0-9A-Fa-f]+([:-][0-9A-Fa-f]+)*$")


def split_rr_line(line):
    """Split one presentation RR line into (owner, ttl, class, type, rdata).

    The rdata stays as text; blanks are only collapsed outside quotes.
    """
    fields = line.split(None, 4)
    if len(fields) < 4:
        raise ValueError("not an RR line: %r" % line)
    if len(fields) == 4:
        fields.append("")
    return tuple(fields)


def tokenize(text):
    """Zone-file tokens of rdata text: quoted strings stay one token (with
    the quotes), parentheses vanish, ';' starts a comment."""
    toks = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n()":
            i += 1
            continue
        if c == ";":
            break
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            toks.append(text[i:j + 1])
            i = j + 1
            continue
        j = i
        while j < n and text[j] not in " \t\r\n();":
            if text[j] == "\\":
                j += 1
            elif text[j] == '"':
                # a quoted part inside a token (SvcParam key="value")
                j += 1
                while j < n and text[j] != '"':
                    j += 2 if text[j] == "\\" else 1
            j += 1
        toks.append(text[i:j])
        i = j
    return toks


def decode_charstr(tok):
    """Octets of one <character-string> token, quoted or not."""
    if len(tok) >= 2 and tok[0] == '"' and tok[-1] == '"':
        tok = tok[1:-1]
    out = bytearray()
    b = tok.encode("utf-8")
    i = 0
    while i < len(b):
        c = b[i]
        if c == 0x5C and i + 1 < len(b):
            if i + 4 <= len(b) and b[i + 1:i + 4].isdigit():
                out.append(int(b[i + 1:i + 4]))
                i += 4
                continue
            out.append(b[i + 1])
            i += 2
            continue
        out.append(c)
        i += 1
    return bytes(out)


def is_generic(rdata_text):
    return rdata_text.strip().startswith("\\#")


def generic_bytes(rdata_text):
    """Octets of an RFC 3597 `\\# len hex` text."""
    toks = rdata_text.split()
    if not toks or toks[0] != "\\#":
        raise ValueError("not generic: %r" % rdata_text)
    data = bytes.fromhex("".join(toks[2:]))
    if int(toks[1]) != len(data):
        raise ValueError("generic length mismatch: %r" % rdata_text)
    return data


def _norm_hex_tok(t):
    return t.lower() if _HEXRUN.match(t) else t


def _norm_ipv6(t):
    try:
        return str(ipaddress.IPv6Address(t))
    except ValueError:
        return t


def _norm_loc(toks):
    """LOC (RFC 1876): fields to numbers. Minutes and seconds may be left
    out, metres may carry 'm', leading zeros vary, and a zero angle has
    no hemisphere."""
    i = 0

    def angle(i):
        vals = [toks[i]]
        i += 1
        while toks[i].upper() not in ("N", "S", "E", "W"):
            vals.append(toks[i])
            i += 1
        d = float(vals[0])
        m = float(vals[1]) if len(vals) > 1 else 0.0
        s = float(vals[2]) if len(vals) > 2 else 0.0
        ms = round(d * 3600000 + m * 60000 + s * 1000)
        return (-ms if toks[i].upper() in ("S", "W") else ms), i + 1

    lat, i = angle(i)
    lon, i = angle(i)
    metres = [round(float(t.rstrip("mM")) * 100) for t in toks[i:]]
    # RFC 1876 section 3 defaults for a left-out size and precisions
    defaults = [None, 100, 1000000, 1000]
    while len(metres) < 4:
        metres.append(defaults[len(metres)])
    return (lat, lon) + tuple(metres)


def _norm_svcparams(toks):
    """SvcParams: key=value with quotes being notation (RFC 9460 A.1)."""
    out = []
    for t in toks:
        if "=" in t:
            k, v = t.split("=", 1)
            if v.startswith('"') and v.endswith('"') and len(v) >= 2:
                v = v[1:-1]
            out.append(k.lower() + "=" + v)
        else:
            out.append(t.lower())
    return out


# Types whose rdata consists of <character-string>s only.
_STR_TYPES = {"TXT", "SPF", "HINFO", "X25", "ISDN", "NINFO", "AVC", "RESINFO",
              "GPOS"}


def normalize_rdata(rtype, text):
    """A comparable form of rdata text of the mnemonic rtype."""
    toks = tokenize(text)
    if toks and toks[0] == "\\#":
        return ("\\#", generic_bytes(" ".join(toks)).hex())
    rt = rtype.upper()
    if rt in _STR_TYPES:
        return tuple(decode_charstr(t) for t in toks)
    if rt == "LOC":
        return _norm_loc(toks)
    if rt in ("SVCB", "HTTPS"):
        toks = [toks[0], toks[1].lower()] + _norm_svcparams(toks[2:])
        return tuple(toks)
    if rt in ("NAPTR",):
        return tuple(toks[:2]) + tuple(decode_charstr(t) for t in toks[2:5]) \
            + (toks[5].lower(),)
    if rt in ("CAA",):
        return (toks[0], toks[1].lower(), decode_charstr(toks[2])
                if len(toks) > 2 else None)
    if rt in ("URI",):
        return (toks[0], toks[1], decode_charstr(toks[2]))
    if rt in ("APL",):
        items = []
        for t in toks:
            m = re.match(r"^(!?)(\d+):(.*)/(\d+)$", t)
            if m and m.group(2) == "2":
                items.append("%s2:%s/%s" % (m.group(1), _norm_ipv6(m.group(3)),
                                            m.group(4)))
            else:
                items.append(t)
        return tuple(items)
    # The base64 tail of the key and signature types may be split over
    # several tokens (RFC 4034 §2.2, 3.2): join the tail.
    b64_tail_from = {"DNSKEY": 3, "CDNSKEY": 3, "KEY": 3, "RRSIG": 8,
                     "SIG": 8, "DHCID": 0, "OPENPGPKEY": 0, "CERT": 3,
                     "IPSECKEY": 4}.get(rt)
    hex_tail_from = {"DS": 3, "CDS": 3, "DLV": 3, "TA": 3, "SSHFP": 2,
                     "TLSA": 3, "SMIMEA": 3, "ZONEMD": 3}.get(rt)
    if b64_tail_from is not None and len(toks) > b64_tail_from:
        toks = toks[:b64_tail_from] + ["".join(toks[b64_tail_from:])]
    if hex_tail_from is not None and len(toks) > hex_tail_from:
        toks = toks[:hex_tail_from] + ["".join(toks[hex_tail_from:]).lower()]
    out = []
    for t in toks:
        if t.startswith('"'):
            out.append(decode_charstr(t))
            continue
        if ":" in t and rt in ("AAAA", "IPSECKEY", "AMTRELAY", "A6"):
            t = _norm_ipv6(t)
        if t.endswith(".") or t == ".":
            # names: case-insensitive (RFC 4343)
            t = t.lower()
        t = _norm_hex_tok(t) if rt not in ("RRSIG", "SIG", "DNSKEY", "CDNSKEY",
                                          "KEY", "IPSECKEY", "CERT",
                                          "OPENPGPKEY", "DHCID") else t
        out.append(t)
    if rt in ("NSEC", "NSEC3", "CSYNC", "RRSIG", "SIG", "NXT"):
        out = [t.upper() if re.match(r"^[A-Za-z][A-Za-z0-9-]*$", t) else t
               for t in out]
    return tuple(out)


def rr_key(owner, rtype, rdata):
    return (owner.lower(), rtype.upper(), normalize_rdata(rtype, rdata))


_TTL_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_ttl(t):
    if t.isdigit():
        return int(t)
    total = 0
    for num, unit in re.findall(r"(\d+)([smhdwSMHDW])", t):
        total += int(num) * _TTL_UNITS[unit.lower()]
    return total


# ---------------------------------------------------------------- server

class Responder:
    """A DNS responder on 127.0.0.1 (UDP and TCP on one free port) that
    answers a query for (qname, qtype) with a prepared wire message, its ID
    patched to the query's. Unknown questions get REFUSED. It serves from a
    thread and stops when close() is called (or after `lifetime` seconds)."""

    def __init__(self, lifetime=120.0):
        self.addr = "127.0.0.1"
        self.answers = {}
        self.queries = 0
        self._stop = threading.Event()
        for _ in range(20):
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            udp.bind((self.addr, 0))
            port = udp.getsockname()[1]
            tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                tcp.bind((self.addr, port))
            except OSError:
                udp.close()
                tcp.close()
                continue
            break
        else:
            raise RuntimeError("no free port on %s" % self.addr)
        tcp.listen(8)
        udp.settimeout(0.1)
        tcp.settimeout(0.1)
        self.port = port
        self._udp, self._tcp = udp, tcp
        self._timer = threading.Timer(lifetime, self._stop.set)
        self._timer.daemon = True
        self._timer.start()
        self._threads = [threading.Thread(target=self._serve_udp, daemon=True),
                         threading.Thread(target=self._serve_tcp, daemon=True)]
        for t in self._threads:
            t.start()

    def add(self, qname, qtype, wire):
        """Serve wire (a whole message, any ID) for this question."""
        key = (dns.name.from_text(qname).to_text().lower(),
               dns.rdatatype.from_text(qtype) if isinstance(qtype, str)
               else qtype)
        self.answers[key] = wire

    def _reply(self, query):
        if len(query) < 12:
            return None
        self.queries += 1
        try:
            q = dns.message.from_wire(query, ignore_trailing=True)
            qn = q.question[0].name.to_text().lower()
            qt = q.question[0].rdtype
        except Exception:  # noqa: BLE001 - any junk gets no answer
            return None
        wire = self.answers.get((qn, qt))
        if wire is None:
            r = dns.message.make_response(q)
            r.set_rcode(dns.rcode.REFUSED)
            wire = r.to_wire()
        return query[:2] + wire[2:]

    def _serve_udp(self):
        while not self._stop.is_set():
            try:
                data, peer = self._udp.recvfrom(65535)
            except (socket.timeout, OSError):
                continue
            resp = self._reply(data)
            if resp is not None:
                try:
                    self._udp.sendto(resp, peer)
                except OSError:
                    pass

    def _serve_tcp(self):
        while not self._stop.is_set():
            try:
                conn, _ = self._tcp.accept()
            except (socket.timeout, OSError):
                continue
            conn.settimeout(2.0)
            try:
                while not self._stop.is_set():
                    hdr = _recv_exact(conn, 2)
                    if hdr is None:
                        break
                    (n,) = struct.unpack("!H", hdr)
                    data = _recv_exact(conn, n)
                    if data is None:
                        break
                    resp = self._reply(data)
                    if resp is None:
                        break
                    conn.sendall(struct.pack("!H", len(resp)) + resp)
            except OSError:
                pass
            finally:
                conn.close()

    def close(self):
        self._stop.set()
        self._timer.cancel()
        for t in self._threads:
            t.join(2.0)
        self._udp.close()
        self._tcp.close()


def _recv_exact(conn, n):
    buf = b""
    while len(buf) < n:
        part = conn.recv(n - len(buf))
        if not part:
            return None
        buf += part
    return buf


# ---------------------------------------------------------------- kdig

def kdig(server, names, tcp=False, extra=(), timeout=30):
    """Run kdig once for a list of (qname, qtype); returns its stdout."""
    argv = [tool("kdig"), "@%s" % server.addr, "-p", str(server.port),
            "+retry=0", "+timeout=3", "+norecurse"]
    if tcp:
        argv.append("+tcp")
    argv += list(extra)
    for qn, qt in names:
        argv += ["-q", qn, "-t", qt]
    p = run(argv, timeout=timeout)
    return p.stdout.decode("utf-8", "replace"), p.stderr.decode(
        "utf-8", "replace"), p.returncode


# ---------------------------------------------------------------- messages
#
# A printed message is parsed into one model, compared as a whole:
#   {"opcode", "rcode", "flags", "counts", "edns", "question",
#    "answer", "authority", "additional"}
# with edns None or {"version", "flags", "udp", "options": [(code, value)]}
# where value is what the option means: COOKIE/NSID/unknown -> bytes,
# EDE -> (info-code, text), ECS -> "addr/source/scope", KEY-TAG -> tags,
# EXPIRE/KEEPALIVE -> int, PADDING -> its length.

SECTIONS = ("question", "answer", "authority", "additional")

OPT_CODES = {"NSID": 3, "CLIENT-SUBNET": 8, "ECS": 8, "EXPIRE": 9,
             "COOKIE": 10, "KEEPALIVE": 11, "TCP-KEEPALIVE": 11,
             "PADDING": 12, "PAD": 12, "CHAIN": 13, "KEY-TAG": 14, "KEY TAG": 14,
             "EDE": 15}


def option_value(code, data):
    """The meaning of option data (the model's value) from raw octets."""
    if code == 15 and len(data) >= 2:
        return (struct.unpack("!H", data[:2])[0],
                data[2:].decode("utf-8", "replace"))
    if code == 8 and len(data) >= 4:
        fam, src, scope = struct.unpack("!HBB", data[:4])
        addr = data[4:]
        if fam == 1:
            a = ipaddress.IPv4Address(addr + bytes(4 - len(addr)))
        else:
            a = ipaddress.IPv6Address(addr + bytes(16 - len(addr)))
        return "%s/%d/%d" % (a, src, scope)
    if code == 14 and len(data) % 2 == 0:
        return tuple(struct.unpack("!%dH" % (len(data) // 2), data))
    if code == 9 and len(data) == 4:
        return struct.unpack("!I", data)[0]
    if code == 11 and len(data) == 2:
        return struct.unpack("!H", data)[0]
    if code == 12:
        return len(data)
    return bytes(data)


def model_from_wire(wire):
    """The truth: the model of a message as dnspython reads it."""
    m = dns.message.from_wire(wire)
    hdr = struct.unpack("!6H", wire[:12])
    model = {
        "opcode": dns.opcode.to_text(m.opcode()),
        "rcode": dns.rcode.to_text(m.rcode()),
        "flags": frozenset(dns.flags.to_text(m.flags).lower().split()),
        "counts": tuple(hdr[2:6]),
        "edns": None,
    }
    if m.edns >= 0:
        model["edns"] = {
            "version": m.edns,
            "flags": frozenset(dns.flags.edns_to_text(m.ednsflags)
                               .lower().split()),
            "udp": m.payload,
            "options": [(o.otype, option_value(int(o.otype), o.to_wire()))
                        for o in m.options],
        }
    model["question"] = [(q.name.to_text().lower(),
                          dns.rdataclass.to_text(q.rdclass),
                          dns.rdatatype.to_text(q.rdtype))
                         for q in m.question]
    for sec, rrsets in (("answer", m.answer), ("authority", m.authority),
                        ("additional", m.additional)):
        rows = []
        for rrset in rrsets:
            t = dns.rdatatype.to_text(rrset.rdtype)
            for rd in rrset:
                w = rd.to_wire()
                rows.append((rrset.name.to_text().lower(), rrset.ttl,
                             dns.rdataclass.to_text(rrset.rdclass), t,
                             normalize_rdata("X", "\\# %d %s" % (
                                 len(w), w.hex()))))
        model[sec] = rows
    return model


def _rr_row(line):
    owner, ttl, rclass, rtype, rdata = split_rr_line(line)
    return (owner.lower(), parse_ttl(ttl), rclass.upper(), rtype.upper(),
            rdata.strip())


def rows_to_wire_form(rows, rtype_wire):
    """Turn printed rows into the truth's form (rdata as its octets), using
    dnspython to read each printed rdata; rtype_wire maps a mnemonic to
    its number. Rows that dnspython cannot read keep their text."""
    out = []
    for owner, ttl, rclass, rtype, rdata in rows:
        try:
            t = rtype_wire(rtype)
            rd = dns.rdata.from_text(dns.rdataclass.IN, t, rdata)
            w = rd.to_wire()
            key = ("\\#", w.hex())
        except Exception:  # noqa: BLE001 - kept as text for the report
            key = ("text", rdata)
        out.append((owner, ttl, rclass, rtype, key))
    return out


def _hexbytes(s):
    return bytes.fromhex("".join(s.split()))


def parse_dig_style(text, peer):
    """Parse the full output of kdig ("kdig"), drill ("drill") or onedot's
    dig-style printer ("onedot") into the model (rdata kept as text)."""
    model = {"edns": None, "question": [], "answer": [], "authority": [],
             "additional": []}
    section = None
    options = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        m = re.match(r";; ->>HEADER<<- opcode: (\w+)[,;] (?:status|rcode): "
                     r"(\w+)[,;] id: (\d+)", line)
        if m:
            model["opcode"], model["rcode"] = m.group(1), m.group(2)
            continue
        m = re.match(r";; [Ff]lags:([^;]*);\s*QUERY: (\d+)[,;] ANSWER: (\d+)"
                     r"[,;] AUTHORITY: (\d+)[,;] ADDITIONAL: (\d+)", line)
        if m:
            model["flags"] = frozenset(m.group(1).lower().split())
            model["counts"] = tuple(int(m.group(i)) for i in range(2, 6))
            continue
        m = re.match(r";; (QUESTION|ANSWER|AUTHORITY|ADDITIONAL) SECTION:",
                     line)
        if m:
            section = m.group(1).lower()
            continue
        if re.match(r";; (EDNS|OPT) PSEUDOSECTION:", line):
            section = "edns"
            continue
        if re.match(r";; TSIG PSEUDOSECTION:", line):
            section = "tsig"
            continue
        # EDNS header: kdig "Version: 0; flags: do; UDP size: 1232 B;
        # ext-rcode: X", drill/dig "EDNS: version 0; flags: do ; udp: 1232"
        # onedot/dig "; EDNS: version: 0, flags: do; udp: 1232"
        m = re.match(r";;? (?:EDNS: )?[Vv]ersion:? (\d+)[;,] flags:([^;]*); "
                     r"(?:ext-rcode: \w+ ; )?(?:UDP size|udp): (\d+)", line)
        if m:
            model["edns"] = {"version": int(m.group(1)),
                             "flags": frozenset(m.group(2).lower().split()),
                             "udp": int(m.group(3)), "options": options}
            section = "edns"
            continue
        if section == "edns" and line.startswith(";"):
            body = line.lstrip("; ").rstrip()
            if body and not body.startswith(("SERVER", "WHEN", "MSG SIZE",
                                             "Query time")):
                options.append(body)
            continue
        if peer == "drill" and section == "edns" and not line.startswith(";"):
            # drill prints the ECS option without a label
            options.append(line)
            continue
        if line.startswith(";"):
            if section == "question":
                parts = line.lstrip("; ").split()
                model["question"].append((parts[0].lower(), parts[-2].upper(),
                                          parts[-1].upper()))
            continue
        if section in ("answer", "authority", "additional"):
            model[section].append(_rr_row(line))
    model["edns_lines"] = options
    return model


def parse_option_line(peer, body):
    """(code, value) of one printed EDNS option line, as option_value."""
    if peer == "kdig":
        m = re.match(r"Option \((\d+)\):\s*([0-9A-Fa-f]*)$", body)
        if m:
            code = int(m.group(1))
            return code, option_value(code, bytes.fromhex(m.group(2)))
        name, _, rest = body.partition(": ")
        code = OPT_CODES[name]
        if code in (3, 10):
            return code, bytes.fromhex(rest.split()[0])
        if code == 15:
            m = re.match(r"(\d+) \([^)]*\)(?:: '(.*)')?$", rest)
            return code, (int(m.group(1)), m.group(2) or "")
        if code == 8:
            return code, rest.strip()
        if code == 9:
            return code, int(rest.split()[0])
        if code == 12:
            return code, int(rest.split()[0])
        raise ValueError("kdig option %r" % body)
    if peer == "drill":
        m = re.match(r"OPT=(\d+):\s*([0-9a-f ]*)$", body)
        if m:
            code = int(m.group(1))
            return code, option_value(code, _hexbytes(m.group(2)))
        m = re.match(r"([0-9a-f.:]+/\d+) scope /(\d+)$", body)
        if m:
            return 8, "%s/%s" % (m.group(1), m.group(2))
        name, _, rest = body.partition(":")
        code = OPT_CODES[name]
        rest = rest.strip()
        if code in (3, 10):
            return code, _hexbytes(re.sub(r"\(.*\)$", "", rest))
        if code == 15:
            m = re.match(r"(\d+) \([^)]*\)(?:: ([0-9a-f ]*)(?:\(.*\))?)?$",
                         rest)
            return code, (int(m.group(1)),
                          _hexbytes(m.group(2) or "").decode())
        if code == 14:
            return code, tuple(int(x) for x in rest.split())
        if code == 12:
            return code, len(_hexbytes(rest))
        if code == 11:
            return code, int(rest.split()[-1])
        if code == 9:
            m = re.match(r"malformed expire\s+([0-9a-f ]+)$", rest)
            if m:
                return code, ("malformed", _hexbytes(m.group(1)))
            return code, int(rest.split()[0])
        raise ValueError("drill option %r" % body)
    # onedot (src/lib/edns.h, od_edns_opt_to_str): unknown options as
    # hex, followed by the printable rendering in parentheses as dig does
    m = re.match(r"OPT=(\d+):\s*([0-9A-Fa-f ]*?)\s*(?:\(\".*\"\))?$", body)
    if m:
        code = int(m.group(1))
        return code, option_value(code, _hexbytes(m.group(2)))
    name, _, rest = body.partition(": ")
    code = OPT_CODES[name]
    if code in (3, 10):
        return code, _hexbytes(re.sub(r"\(.*\)$", "", rest))
    if code == 15:
        m = re.match(r"(\d+) \([^)]*\)(?:: \((.*)\))?$", rest)
        text = re.sub(r"\\(\d{3})", lambda x: chr(int(x.group(1))),
                      m.group(2) or "")
        return code, (int(m.group(1)), text)
    if code == 8:
        return code, rest.strip()
    if code == 14:
        return code, tuple(int(x) for x in rest.replace(",", " ").split())
    if code == 12:
        return code, int(re.search(r"(\d+)", rest).group(1))
    if code == 11 and rest.endswith("secs"):
        # RFC 7828 §3.1: the timeout is in units of 100 ms
        return code, round(float(rest.split()[0]) * 10)
    if code in (9, 11):
        return code, int(rest.split()[0])
    raise ValueError("onedot option %r" % body)
