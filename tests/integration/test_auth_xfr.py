# SPDX-License-Identifier: MIT
"""Zone transfers out of onedot-auth (RFC 5936 AXFR, RFC 1995 IXFR, RFC
1996 NOTIFY, RFC 8945 TSIG), checked three ways:

- dnspython as the client: AXFR with and without TSIG (dnspython checks
  the TSIG of every message of the stream), refusals (address not in the
  ACL, key missing or wrong, AXFR over UDP), IXFR in its incremental and
  up-to-date forms;
- NSD and Knot DNS as secondaries of onedot-auth (Knot with TSIG
  hmac-sha256, NSD without): they transfer the zone, then the zone file
  changes, onedot-auth reloads on SIGHUP and sends NOTIFY, the
  secondaries pull the change (IXFR) and then give the same answers as
  onedot-auth to a set of queries.

Addresses: onedot-auth 127.3.0.1, NSD 127.3.0.2, Knot DNS 127.3.0.3;
dnspython queries from 127.3.0.4 (allowed unsigned), 127.3.0.5 (allowed
with the key only) and 127.3.0.9 (not allowed).
"""

import base64
import os
import signal
import time

import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.tsig
import dns.tsigkeyring
import dns.zone
import pytest

import auth_peers as ap

PRIMARY = "127.3.0.1"
NSD_ADDR = "127.3.0.2"
KNOT_ADDR = "127.3.0.3"
CLIENT_OK = "127.3.0.4"
CLIENT_KEY = "127.3.0.5"
CLIENT_DENIED = "127.3.0.9"
ORIGIN = "example.com."
KEY_NAME = "xfr-key"
SECRET = base64.b64encode(bytes(range(100, 132))).decode()
KEYRING = dns.tsigkeyring.from_text({KEY_NAME + ".": ("hmac-sha256", SECRET)})
BAD_KEYRING = dns.tsigkeyring.from_text(
    {KEY_NAME + ".": ("hmac-sha256", base64.b64encode(b"x" * 32).decode())})
HOSTS = 1500        # enough records for an AXFR of several messages
SYNC_WAIT = 30.0    # seconds for the secondaries to pick up a change


def zone_text(version):
    """The test zone; version 2 changes, adds and removes records and
    changes a TTL."""
    serial = 2024010100 + version
    lines = [
        "$ORIGIN example.com.",
        "$TTL 3600",
        # refresh of an hour: only NOTIFY makes the secondaries come back
        # within the test
        "@ SOA ns1 hostmaster %d 3600 600 1209600 300" % serial,
        "@ NS ns1",
        "@ NS ns2",
        "ns1 A 127.3.0.1",
        "ns2 A 127.3.0.2",
        "sub NS ns.sub",
        "ns.sub A 192.0.2.53",
        "deep.sub TXT \"below the cut\"",
        "alias CNAME www",
        "@ MX 10 mail",
        "mail A 192.0.2.25",
    ]
    if version == 1:
        lines += ["www A 192.0.2.80", "www TXT \"version one\"",
                  "gone A 192.0.2.99", "ttl 3600 A 192.0.2.7"]
        hosts = range(HOSTS)
    else:
        lines += ["www A 192.0.2.81", "www AAAA 2001:db8::81",
                  "new TXT \"version two\"", "ttl 60 A 192.0.2.7"]
        hosts = range(10, HOSTS)
    lines += ["h%d A 10.%d.%d.%d" % (i, i >> 16, (i >> 8) & 255, i & 255)
              for i in hosts]
    return "\n".join(lines) + "\n"


def serial_of(version):
    return 2024010100 + version


QUERIES = [
    (ORIGIN, "SOA"), (ORIGIN, "NS"), (ORIGIN, "MX"),
    ("www.example.com.", "A"), ("www.example.com.", "AAAA"),
    ("www.example.com.", "TXT"), ("alias.example.com.", "A"),
    ("gone.example.com.", "A"), ("new.example.com.", "TXT"),
    ("ttl.example.com.", "A"), ("h5.example.com.", "A"),
    ("h1400.example.com.", "A"), ("sub.example.com.", "A"),
    ("deep.sub.example.com.", "TXT"), ("nothere.example.com.", "A"),
]


# ---------------------------------------------------------------- servers

class Primary(ap.Server):
    """onedot-auth with a YAML configuration: key, ACL, NOTIFY targets."""
    name = "onedot-auth"

    def __init__(self, binary, zone_path, workdir):
        self.binary = binary
        self.zone_path = zone_path
        super().__init__(PRIMARY, [(ORIGIN, zone_path)], workdir=workdir)

    def config(self):
        return "\n".join([
            "server:",
            '  listen: [ "%s@53" ]' % PRIMARY,
            "  workers: 1",
            "keys:",
            "  - name: %s" % KEY_NAME,
            "    algorithm: hmac-sha256",
            '    secret: "%s"' % SECRET,
            "zones:",
            "  - origin: %s" % ORIGIN,
            '    file: "%s"' % self.zone_path,
            "    allow-transfer: [ \"%s/32\", \"%s/32 key %s\", \"%s/32\", "
            "\"%s/32 key %s\" ]" % (NSD_ADDR, KNOT_ADDR, KEY_NAME, CLIENT_OK,
                                    CLIENT_KEY, KEY_NAME),
            '    notify: [ "%s@53", "%s@53" ]' % (NSD_ADDR, KNOT_ADDR),
        ]) + "\n"

    def argv(self):
        conf = os.path.join(self.dir, "auth.yaml")
        with open(conf, "w") as f:
            f.write(self.config())
        return [self.binary, "-c", conf]

    def reload(self):
        self.proc.send_signal(signal.SIGHUP)


class NsdSecondary(ap.Server):
    """NSD taking the zone from onedot-auth without TSIG."""
    name = "nsd"

    def argv(self):
        d = self.dir
        conf = os.path.join(d, "nsd.conf")
        lines = [
            "server:",
            "  ip-address: %s@53" % self.addr,
            "  do-ip6: no",
            "  server-count: 1",
            '  database: ""',
            '  username: ""',
            '  chroot: ""',
            '  zonesdir: "%s"' % d,
            '  zonelistfile: "%s"' % os.path.join(d, "zone.list"),
            '  xfrdfile: "%s"' % os.path.join(d, "xfrd.state"),
            '  xfrdir: "%s"' % d,
            '  pidfile: "%s"' % os.path.join(d, "nsd.pid"),
            '  logfile: "%s"' % self.log_path,
            "  verbosity: 2",
            "  rrl-ratelimit: 0",
            "remote-control:",
            "  control-enable: no",
            "zone:",
            '  name: "%s"' % ORIGIN,
            '  zonefile: "%s"' % os.path.join(d, "example.com.zone"),
            "  request-xfr: %s@53 NOKEY" % PRIMARY,
            "  outgoing-interface: %s" % self.addr,
            "  allow-notify: 127.0.0.0/8 NOKEY",
        ]
        with open(conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        return [ap.tool("nsd"), "-d", "-c", conf]


class KnotSecondary(ap.Server):
    """Knot DNS taking the zone from onedot-auth with TSIG hmac-sha256."""
    name = "knot"

    def argv(self):
        d = self.dir
        conf = os.path.join(d, "knot.conf")
        lines = [
            "server:",
            "  listen: %s@53" % self.addr,
            '  rundir: "%s"' % d,
            '  pidfile: "%s"' % os.path.join(d, "knot.pid"),
            "  udp-workers: 1",
            "  tcp-workers: 1",
            "  background-workers: 1",
            "control:",
            '  listen: "%s"' % os.path.join(d, "knot.sock"),
            "log:",
            "  - target: stderr",
            "    any: info",
            "key:",
            "  - id: %s" % KEY_NAME,
            "    algorithm: hmac-sha256",
            "    secret: %s" % SECRET,
            "remote:",
            "  - id: primary",
            "    address: %s@53" % PRIMARY,
            "    key: %s" % KEY_NAME,
            "    via: %s" % self.addr,
            "acl:",
            "  - id: notify_in",
            "    address: 127.0.0.0/8",
            "    action: notify",
            "database:",
            '  storage: "%s"' % d,
            "template:",
            "  - id: default",
            '    storage: "%s"' % d,
            "    zonefile-sync: -1",
            "zone:",
            '  - domain: "%s"' % ORIGIN,
            '    file: "%s"' % os.path.join(d, "example.com.zone"),
            "    master: primary",
            "    acl: notify_in",
        ]
        with open(conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        return [ap.tool("knotd"), "-c", conf]


def _start(server):
    if not ap.port_free(server.addr, server.port):
        pytest.fail("%s@%d is already in use: another run of this test, or "
                    "a server left over?" % (server.addr, server.port))
    try:
        return server.start()
    except ap.StartError as e:
        pytest.fail(str(e))


@pytest.fixture(scope="module")
def zone_path(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("xfr-zone") / "example.com.zone")
    with open(path, "w") as f:
        f.write(zone_text(1))
    return path


@pytest.fixture(scope="module")
def primary(zone_path, tmp_path_factory):
    if not ap.build_dir():
        pytest.fail("ONEDOT_BUILD_DIR is not set (run through ctest)")
    binary = ap.onedot_auth_path()
    if binary is None:
        pytest.fail("onedot-auth is not built at %s/src/auth/onedot-auth"
                    % ap.build_dir())
    s = Primary(binary, zone_path, str(tmp_path_factory.mktemp("primary")))
    try:
        yield _start(s)
    finally:
        s.stop()


@pytest.fixture(scope="module")
def secondaries(primary, tmp_path_factory):
    """NSD and Knot DNS, started once the primary serves: they are up
    when they answer the zone's SOA, i.e. after their first transfer."""
    if ap.tool("nsd") is None or ap.tool("nsd-checkconf") is None:
        pytest.skip("nsd is not installed (Debian package nsd)")
    if ap.tool("knotd") is None:
        pytest.skip("knotd is not installed (Debian package knot)")
    nsd = NsdSecondary(NSD_ADDR, [(ORIGIN, None)],
                       workdir=str(tmp_path_factory.mktemp("nsd2")))
    knot = KnotSecondary(KNOT_ADDR, [(ORIGIN, None)],
                         workdir=str(tmp_path_factory.mktemp("knot2")))
    try:
        _start(nsd)
        _start(knot)
        yield nsd, knot
    finally:
        nsd.stop()
        knot.stop()


# ---------------------------------------------------------------- helpers

def axfr(source, keyring=None, rdtype="AXFR", serial=0, keyname=None):
    """The messages of a transfer from the primary, as dnspython parsed
    (and, with a keyring, TSIG-verified) them; dnspython knows where the
    stream ends for each form (AXFR, incremental and up-to-date IXFR)."""
    return list(dns.query.xfr(
        PRIMARY, ORIGIN, rdtype=rdtype, serial=serial, timeout=10,
        lifetime=30, source=source, keyring=keyring,
        keyname=keyname or (KEY_NAME + "." if keyring else None),
        relativize=False))


def refused_rcode(source, **kw):
    """The RCODE of a transfer that must be refused."""
    with pytest.raises(dns.query.TransferError) as e:
        axfr(source, **kw)
    return e.value.rcode


def answer_lines(msgs):
    """Answer records of a transfer in order, as text."""
    out = []
    for m in msgs:
        for rrset in m.answer:
            for rd in rrset:
                out.append("%s %d %s %s" % (
                    rrset.name.to_text(), rrset.ttl,
                    dns.rdatatype.to_text(rrset.rdtype), rd.to_text()))
    return out


def zone_lines(text):
    z = dns.zone.from_text(text, origin=ORIGIN, relativize=False)
    out = []
    for name, node in z.nodes.items():
        for rds in node.rdatasets:
            for rd in rds:
                out.append("%s %d %s %s" % (
                    name.to_text(), rds.ttl,
                    dns.rdatatype.to_text(rds.rdtype), rd.to_text()))
    return out


def soa_serial(addr):
    r = ap.query(addr, ORIGIN, "SOA")
    for rrset in r.answer:
        if rrset.rdtype == dns.rdatatype.SOA:
            return rrset[0].serial
    return None


def wait_serial(server, serial):
    deadline = time.monotonic() + SYNC_WAIT
    last = None
    while time.monotonic() < deadline:
        try:
            last = soa_serial(server.addr)
        except Exception as e:  # noqa: BLE001 - reported below
            last = repr(e)
        if last == serial:
            return
        time.sleep(0.2)
    pytest.fail("%s still serves serial %s, not %d, %.0f s after the "
                "reload\n--- its log ---\n%s"
                % (server.name, last, serial, SYNC_WAIT, server.log()))


def compare_all(primary, secondary):
    bad = []
    for qname, qtype in QUERIES:
        a = ap.Norm(ap.query(primary.addr, qname, qtype))
        b = ap.Norm(ap.query(secondary.addr, qname, qtype))
        d = ap.compare(a, b)
        if d:
            bad.append("%s %s:\n  %s\n--- onedot-auth\n%s\n--- %s\n%s"
                       % (qname, qtype, "\n  ".join(d), a.text(),
                          secondary.name, b.text()))
    assert not bad, "\n\n".join(bad)


# ---------------------------------------------------------------- tests

def test_axfr_unsigned(primary):
    msgs = axfr(CLIENT_OK)
    assert all(m.rcode() == dns.rcode.NOERROR for m in msgs)
    assert len(msgs) >= 2, "the zone should need several messages"
    assert all(m.flags & dns.flags.AA for m in msgs)
    got = answer_lines(msgs)
    soa = [x for x in got if " SOA " in x]
    assert got[0] == got[-1] == soa[0] and len(soa) == 2
    assert sorted(got[:-1]) == sorted(zone_lines(zone_text(1)))


def test_axfr_tsig(primary):
    """dnspython verifies the TSIG of every message (RFC 8945 §5.3.1)."""
    msgs = axfr(CLIENT_KEY, keyring=KEYRING)
    assert len(msgs) >= 2
    assert all(m.had_tsig for m in msgs)
    got = answer_lines(msgs)
    assert sorted(got[:-1]) == sorted(zone_lines(zone_text(1)))


def test_axfr_refused(primary):
    # address not in the ACL
    assert refused_rcode(CLIENT_DENIED) == dns.rcode.REFUSED
    # the ACL entry wants the key
    assert refused_rcode(CLIENT_KEY) == dns.rcode.REFUSED
    # a signed request from an address whose entry needs no key is fine,
    # an unsigned one from the keyed address is not (checked above)
    assert axfr(CLIENT_OK, keyring=KEYRING)[0].had_tsig
    # over UDP: FORMERR, even from an allowed address (RFC 5936 §4.2
    # defines AXFR over TCP only; docs/onedot-auth.md)
    q = dns.message.make_query(ORIGIN, "AXFR", use_edns=False)
    r = dns.query.udp(q, PRIMARY, timeout=3, source=CLIENT_OK)
    assert r.rcode() == dns.rcode.FORMERR and not r.answer


def test_axfr_bad_key(primary):
    # right name, wrong secret: NOTAUTH with TSIG error BADSIG (unsigned)
    with pytest.raises(dns.tsig.PeerBadSignature):
        axfr(CLIENT_KEY, keyring=BAD_KEYRING)
    # a key the server does not know: BADKEY
    other = dns.tsigkeyring.from_text({"other.": ("hmac-sha256", SECRET)})
    with pytest.raises(dns.tsig.PeerBadKey):
        axfr(CLIENT_KEY, keyring=other, keyname="other.")
    # the server's clock is not checked here: dnspython signs with the
    # current time, and BADTIME is covered by the unit tests


def test_secondaries_transfer(primary, secondaries):
    for s in secondaries:
        assert soa_serial(s.addr) == serial_of(1)
        compare_all(primary, s)


def test_notify_and_ixfr(primary, secondaries, zone_path):
    with open(zone_path, "w") as f:
        f.write(zone_text(2))
    primary.reload()
    deadline = time.monotonic() + SYNC_WAIT
    while soa_serial(PRIMARY) != serial_of(2):
        assert time.monotonic() < deadline, "reload not done:\n" + \
            primary.log()
        time.sleep(0.1)
    # NOTIFY brings both secondaries to the new serial well before
    # their hour-long refresh
    for s in secondaries:
        wait_serial(s, serial_of(2))
    for s in secondaries:
        compare_all(primary, s)
    nsd, knot = secondaries
    assert "IXFR" in knot.log(), knot.log()

    # IXFR from version 1: incremental form (RFC 1995 §4)
    msgs = axfr(CLIENT_OK, rdtype="IXFR", serial=serial_of(1))
    got = answer_lines(msgs)
    soas = [i for i, x in enumerate(got) if " SOA " in x]
    assert len(soas) == 4, got[:10]
    assert " %d " % serial_of(2) in got[0]
    assert " %d " % serial_of(1) in got[1]
    assert " %d " % serial_of(2) in got[soas[2]]
    assert got[-1] == got[0]
    removed = got[2:soas[2]]
    added = got[soas[2] + 1:-1]
    assert "gone.example.com. 3600 A 192.0.2.99" in removed
    assert "ttl.example.com. 3600 A 192.0.2.7" in removed
    assert "h0.example.com. 3600 A 10.0.0.0" in removed
    assert "www.example.com. 3600 A 192.0.2.81" in added
    assert "ttl.example.com. 60 A 192.0.2.7" in added
    assert len(removed) == 3 + 10 + 1  # www A/TXT, gone, ttl; h0..h9
    assert len(added) == 4

    # IXFR from the current serial: the SOA alone
    msgs = axfr(CLIENT_OK, rdtype="IXFR", serial=serial_of(2))
    assert answer_lines(msgs) == [got[0]]
