# SPDX-License-Identifier: MIT
"""Misbehaving DNS servers for the resolver tests.

Run as a program: `python3 misbehave.py SPEC.json`. SPEC is a JSON list of
servers, each an object with:

  kind    silent | refused | servfail | lame | truncate | noedns |
          wrongid | wrongaddr | poison
  addr    the loopback address it listens on (port 53 unless "port")
  zones   list of zone file paths (origin taken from each file's SOA
          owner); the server answers from them where its kind lets it
  from    (wrongaddr) the address its UDP answers are sent from
  up      (lame) [name, address] of the server it refers back up to
  poison  (poison) list of record lines put in every additional section

All sockets are bound before "ready" is written on stdout; SIGTERM or
SIGINT stops the process. The kinds:

  silent     reads and drops every UDP query; accepts TCP connections and
             never answers on them (the client's timeout fires)
  refused    REFUSED to every query
  servfail   SERVFAIL to every query
  lame       not authoritative: a referral back up to `up` (no AA)
  truncate   over UDP, TC=1 with an empty answer; over TCP, the answer
  noedns     FORMERR (no OPT) to a query with an OPT record; answers a
             query without one
  wrongid    the right answer with a different message ID
  wrongaddr  the right answer, sent over UDP from `from` (no TCP)
  poison     the right answer plus `poison` records, out of the server's
             bailiwick, in the additional section
"""

import json
import os
import signal
import socket
import struct
import sys
import threading

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.zone

KINDS = ("silent", "refused", "servfail", "lame", "truncate", "noedns",
         "wrongid", "wrongaddr", "poison")


def load_zone(path):
    """A dns.zone.Zone from a file whose first record is the SOA at the
    apex (its owner gives the origin)."""
    with open(path) as f:
        text = f.read()
    origin = None
    for line in text.splitlines():
        parts = line.split()
        if parts and parts[0] == "$ORIGIN":
            origin = parts[1]
            break
    if origin is None:
        raise ValueError("%s: no $ORIGIN line" % path)
    return dns.zone.from_text(text, origin=origin, relativize=False,
                              check_origin=True)


def authoritative_answer(query, zones):
    """The answer an ordinary authoritative server gives from zones (no
    delegations, CNAMEs or wildcards in them): REFUSED outside the zones,
    the RRset with AA, NODATA or NXDOMAIN with the SOA."""
    resp = dns.message.make_response(query)
    if not query.question:
        resp.set_rcode(dns.rcode.FORMERR)
        return resp
    q = query.question[0]
    best = None
    for z in zones:
        if q.name.is_subdomain(z.origin) and (
                best is None or len(z.origin) > len(best.origin)):
            best = z
    if best is None:
        resp.set_rcode(dns.rcode.REFUSED)
        return resp
    resp.flags |= dns.flags.AA
    node = best.get_node(q.name)
    if node is not None:
        rds = node.get_rdataset(dns.rdataclass.IN, q.rdtype)
        if rds is not None:
            resp.answer.append(dns.rrset.from_rdata_list(
                q.name, rds.ttl, list(rds)))
            if q.rdtype in (dns.rdatatype.NS, dns.rdatatype.MX):
                for rd in rds:
                    target = rd.target if q.rdtype == dns.rdatatype.NS \
                        else rd.exchange
                    tn = best.get_node(target)
                    a = tn and tn.get_rdataset(dns.rdataclass.IN,
                                               dns.rdatatype.A)
                    if a:
                        resp.additional.append(dns.rrset.from_rdata_list(
                            target, a.ttl, list(a)))
            return resp
    elif not any(n.is_subdomain(q.name) for n in best.nodes):
        resp.set_rcode(dns.rcode.NXDOMAIN)
    soa = best.get_rdataset(best.origin, dns.rdatatype.SOA)
    resp.authority.append(dns.rrset.from_rdata_list(
        best.origin, min(soa.ttl, soa[0].minimum), list(soa)))
    return resp


class Server:
    """One misbehaving server: its sockets and threads."""

    def __init__(self, spec):
        self.kind = spec["kind"]
        if self.kind not in KINDS:
            raise ValueError("unknown kind %r (one of %s)"
                             % (self.kind, ", ".join(KINDS)))
        self.addr = spec["addr"]
        self.port = int(spec.get("port", 53))
        self.zones = [load_zone(p) for p in spec.get("zones", [])]
        self.up = spec.get("up")
        self.poison = [dns.rrset.from_text(*_split_rr(line))
                       for line in spec.get("poison", [])]
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.udp.bind((self.addr, self.port))
        self.out = self.udp
        if self.kind == "wrongaddr":
            self.out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.out.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.out.bind((spec["from"], self.port))
        self.tcp = None
        if self.kind != "wrongaddr":
            self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.tcp.bind((self.addr, self.port))
            self.tcp.listen(64)

    def start(self):
        threading.Thread(target=self._udp_loop, daemon=True).start()
        if self.tcp is not None:
            threading.Thread(target=self._tcp_loop, daemon=True).start()

    # The response to one query, or None for no response.
    def respond(self, wire, tcp):
        if self.kind == "silent":
            return None
        try:
            q = dns.message.from_wire(wire)
        except dns.exception.DNSException:
            return None
        if q.flags & dns.flags.QR:
            return None
        if self.kind in ("refused", "servfail"):
            r = dns.message.make_response(q)
            r.set_rcode(dns.rcode.REFUSED if self.kind == "refused"
                        else dns.rcode.SERVFAIL)
            return r.to_wire()
        if self.kind == "noedns" and q.edns >= 0:
            r = dns.message.make_response(q)
            r.use_edns(False)
            r.set_rcode(dns.rcode.FORMERR)
            return r.to_wire()
        if self.kind == "lame":
            # a referral to the root: "refers back up", AA clear
            r = dns.message.make_response(q)
            name, addr = self.up
            r.authority.append(dns.rrset.from_text(".", 86400, "IN", "NS",
                                                   name))
            r.additional.append(dns.rrset.from_text(name, 86400, "IN", "A",
                                                    addr))
            return r.to_wire()
        if self.kind == "truncate" and not tcp:
            r = dns.message.make_response(q)
            r.flags |= dns.flags.AA | dns.flags.TC
            return r.to_wire()
        r = authoritative_answer(q, self.zones)
        if self.kind == "poison":
            r.additional.extend(self.poison)
        if self.kind == "wrongid":
            r.id = q.id ^ 0x5A5A
        return r.to_wire()

    def _udp_loop(self):
        while True:
            try:
                wire, peer = self.udp.recvfrom(65535)
            except OSError:
                return
            out = self.respond(wire, False)
            if out is not None:
                try:
                    self.out.sendto(out, peer)
                except OSError:
                    pass

    def _tcp_loop(self):
        while True:
            try:
                conn, _ = self.tcp.accept()
            except OSError:
                return
            threading.Thread(target=self._tcp_conn, args=(conn,),
                             daemon=True).start()

    def _tcp_conn(self, conn):
        conn.settimeout(30.0)
        try:
            while True:
                head = _recv_all(conn, 2)
                if head is None:
                    return
                wire = _recv_all(conn, struct.unpack("!H", head)[0])
                if wire is None:
                    return
                out = self.respond(wire, True)
                if out is not None:
                    conn.sendall(struct.pack("!H", len(out)) + out)
        except OSError:
            return
        finally:
            conn.close()


def _recv_all(conn, n):
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def _split_rr(line):
    """'owner ttl class type rdata...' as arguments of rrset.from_text."""
    owner, ttl, rclass, rtype, rdata = line.split(None, 4)
    return owner, int(ttl), rclass, rtype, rdata


def main(argv):
    if len(argv) != 2:
        print("usage: misbehave.py SPEC.json", file=sys.stderr)
        return 2
    try:
        with open(argv[1]) as f:
            specs = json.load(f)
        servers = [Server(s) for s in specs]
    except (OSError, ValueError, KeyError, dns.exception.DNSException) as e:
        print("misbehave: %s: %s" % (argv[1], e), file=sys.stderr)
        return 1
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    for s in servers:
        s.start()
    print("ready", flush=True)
    while not stop.wait(1.0):
        pass
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
