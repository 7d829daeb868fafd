# SPDX-License-Identifier: MIT
"""The local root's sources (issue 9, docs/onedot.md), end to end through
the onedot daemon against independent primaries:

- AXFR from onedot-auth, NSD and Knot DNS: the copy turns fresh with the
  primary's serial, and a validated (AD) answer for a name below a TLD
  comes while no root server runs at all (the root hints point at an
  address where nothing listens): the root's part of every resolution
  comes from the copy;
- TSIG (RFC 8945): onedot-auth requires a key; the right one gives a
  copy, a wrong secret a fetch failure that names TSIG and no copy;
- HTTP and HTTPS from a test web server (a throwaway CA made with the
  openssl tool, the server certificate for its IP address): fresh with
  ca-file; a 404 and an untrusted server (no ca-file: the system store)
  are fetch failures;
- sources in order: a dead primary first, then a file: the copy comes
  from the file and the dead source counts as a fetch failure;
- IXFR (RFC 1995): onedot-auth's journal gives the change from serial N
  to N+1 after `onedotctl localroot refresh`; the primary's transfer log
  shows it was incremental;
- NOTIFY (RFC 1996): onedot-auth notifies the resolver after a reload;
  the resolver (refresh: 1h) picks up the new serial without any command;
- a transfer cut short (a fake primary in this file closes the
  connection halfway through serial N+1): the copy of serial N is kept,
  stale but answering, until a whole transfer brings N+1.

The signed root zone (ZONEMD, a TYPE65400 record at the apex) and the
TLD servers are those of localroot_hier.py; only the TLD servers run.

Addresses (port 53 unless said): see the constants below, all in
127.31.*.
"""

import json
import os
import socketserver
import struct
import threading
import time
import urllib.request

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.query
import dns.rcode
import dns.rdatatype
import dns.rrset
import dns.zone
import pytest

import auth_peers as ap
import localroot_hier as lh
import lr_servers as ls
import onedot_daemon as od
from onedot_daemon import run, write

HIER_BASE = "127.31"              # root 127.31.0.1 (never started),
                                  # TLD server (NSD) 127.31.1.1
# nothing listens on this
DEAD_PRIMARY = "127.31.0.253"    # an AXFR source that refuses connections

# primaries
AUTH_P = "127.31.10.1"
NSD_P = "127.31.10.2"
KNOT_P = "127.31.10.3"
TSIG_P = "127.31.10.4"
IXFR_P = "127.31.10.5"
NOTIFY_P = "127.31.10.6"
HTTPS_ADDR = "127.31.10.7"       # port 443
HTTP_ADDR = "127.31.10.8"        # port 80

# resolvers
R_AUTH = "127.31.20.1"
R_NSD = "127.31.20.2"
R_KNOT = "127.31.20.3"
R_TSIG_OK = "127.31.20.4"
R_TSIG_BAD = "127.31.20.5"
R_HTTPS = "127.31.20.6"
R_HTTPS_404 = "127.31.20.7"
R_HTTPS_UNTRUSTED = "127.31.20.8"
R_HTTP = "127.31.20.9"
R_ORDER = "127.31.20.10"
R_IXFR = "127.31.20.11"
R_NOTIFY = "127.31.20.12"
STRANGER = "127.31.20.99"        # sends a NOTIFY of its own
METRICS_PORT = 9371              # of R_ORDER

SERIAL = 2026010100
KEY_NAME = "lr-key"
SECRET = "bG9jYWwgcm9vdCB0cmFuc2ZlciBrZXkgb2YgdGhlIHRlc3Q="
BAD_SECRET = "c29tZXRoaW5nIGVsc2UgZW50aXJlbHkgd2l0aCAzMiBvY3Q="

FRESH_WAIT = 60.0    # seconds for a copy to be fetched and verified
FAIL_WAIT = 60.0     # seconds for a failed attempt to show
SYNC_WAIT = 30.0     # seconds for a primary to serve a reloaded zone

# a name below a TLD: (qname, qtype, its records)
TLD_PROBE = ("www.alpha.", "A", ["192.0.2.%d" % lh.WWW["alpha."]])


def ctl_path():
    b = ap.build_dir()
    path = os.path.join(b, "src", "tools", "onedotctl", "onedotctl")
    if not os.access(path, os.X_OK):
        pytest.fail("onedotctl is not built (ONEDOT_BUILD_DIR=%r)" % b)
    return path


def need(name, package):
    if ap.tool(name) is None:
        pytest.skip("%s is not installed (Debian package %s)"
                    % (name, package))


def start_server(server):
    if not ap.port_free(server.addr, server.port):
        pytest.fail("%s@%d is in use: another run of this test, or a "
                    "server left over?" % (server.addr, server.port))
    try:
        return server.start()
    except ap.StartError as e:
        pytest.fail(str(e))


def soa_serial(addr):
    r = ap.query(addr, ".", "SOA")
    for rrset in r.answer:
        if rrset.rdtype == dns.rdatatype.SOA:
            return rrset[0].serial
    return None


def wait_in_log(server, want):
    """Until the server's log has want (it may write it just after the
    resolver saw the result)."""
    deadline = time.monotonic() + SYNC_WAIT
    while want not in server.log():
        assert time.monotonic() < deadline, server.log()
        time.sleep(0.1)


def wait_primary(server, serial):
    """Until server serves the root zone with serial (after a reload)."""
    deadline = time.monotonic() + SYNC_WAIT
    last = None
    while time.monotonic() < deadline:
        try:
            last = soa_serial(server.addr)
        except Exception as e:  # noqa: BLE001 - reported below
            last = repr(e)
        if last == serial:
            return
        time.sleep(0.1)
    pytest.fail("%s serves serial %s, not %d\n--- its log ---\n%s"
                % (server.name, last, serial, server.log()))


# ---------------------------------------------------------------- resolver

class Resolver:
    """onedot on addr@53 with the local root configured by the lines of
    localroot (the YAML value of the `localroot:` key, indented under
    it), the hierarchy's trust anchor, root hints where nothing listens
    and a state directory of its own."""

    def __init__(self, binary, addr, work, hier, localroot, metrics=None):
        self.addr = addr
        d = os.path.join(str(work), "r-" + addr)
        os.makedirs(d, exist_ok=True)
        self.state = os.path.join(d, "state")
        os.makedirs(self.state, mode=0o700, exist_ok=True)
        self.copy = os.path.join(d, "localroot.zone")
        conf = write(os.path.join(d, "onedot.yaml"),
                     "localroot:\n  state: %s\n%s" % (self.copy, localroot))
        self.conf_text = open(conf).read()
        extra = ["-c", conf, "--trust-anchor", hier.trust_anchor,
                 "--state-dir", self.state]
        if metrics:
            extra += ["--metrics", "%s@%d" % (addr, metrics)]
        # the hints name the root server of the hierarchy, which is
        # never started: nothing listens there
        self.proc = od.Onedot(binary, addr, d, hier.root_hints, extra)

    def start(self):
        self.proc.start()
        return self

    def stop(self):
        return self.proc.stop()

    def log(self):
        return self.proc.log()

    def ctl(self, *args):
        """The JSON response of `onedotctl --json ARGS` (any outcome)."""
        p = run([ctl_path(), "--state-dir", self.state, "--json"]
                + list(args))
        try:
            return json.loads(p.stdout)
        except ValueError:
            pytest.fail("onedotctl %s: exit %d, stdout %r, stderr %r"
                        % (" ".join(args), p.returncode, p.stdout,
                           p.stderr))

    def status(self):
        d = self.ctl("localroot", "status")
        assert d.get("ok") is True, d
        return d

    def refresh(self):
        d = self.ctl("localroot", "refresh")
        assert d.get("ok") is True and d.get("refresh") == "started", d

    def wait(self, cond, timeout, what):
        """Polls the status until cond(status) holds; returns it."""
        deadline = time.monotonic() + timeout
        while True:
            s = self.status()
            if cond(s):
                return s
            if time.monotonic() > deadline:
                pytest.fail("%s: not within %.0f s\nconfig:\n%s\nstatus: %s"
                            "\n--- log ---\n%s"
                            % (what, timeout, self.conf_text,
                               json.dumps(s), self.log()))
            time.sleep(0.2)

    def wait_fresh(self, serial):
        return self.wait(lambda s: s["state"] == "fresh"
                         and s["serial"] == serial, FRESH_WAIT,
                         "fresh with serial %d" % serial)

    def wait_fetch_failure(self, n=1):
        return self.wait(lambda s: s["failures"]["fetch"] >= n, FAIL_WAIT,
                         "%d fetch failure(s)" % n)

    def saved(self, serial):
        """The state file once it holds serial (it is written right after
        the copy is published); its text."""
        deadline = time.monotonic() + FRESH_WAIT
        text = ""
        while time.monotonic() < deadline:
            try:
                with open(self.copy) as f:
                    text = f.read()
            except FileNotFoundError:
                text = ""
            first = text.split("\n", 1)[0]
            if first.startswith("; onedot-localroot ") and \
                    first.endswith(" serial=%d" % serial):
                return text
            time.sleep(0.1)
        pytest.fail("%s does not hold serial %d: %r\n--- log ---\n%s"
                    % (self.copy, serial, text[:300], self.log()))

    def metrics(self, port):
        url = "http://%s:%d/metrics" % (self.addr, port)
        with urllib.request.urlopen(url, timeout=10) as r:
            text = r.read().decode()
        out = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                key, _, val = line.rpartition(" ")
                out[key] = float(val)
        return out


def ask(addr, qname, qtype):
    """A recursive query with DO=1 (so the resolver says whether the
    answer validated: AD)."""
    q = dns.message.make_query(qname, qtype, want_dnssec=True)
    try:
        return dns.query.udp(q, addr, timeout=10)
    except dns.exception.Timeout:
        return dns.query.tcp(q, addr, timeout=10)


def rdata_texts(msg, qtype):
    t = dns.rdatatype.from_text(qtype)
    return sorted(rd.to_text() for rrset in msg.answer
                  if rrset.rdtype == t for rd in rrset)


def check_answers(r, hier, serial):
    """The copy is used: the root's SOA with the copy's serial and a name
    below a TLD, both validated, while no root server runs; the status
    counts the answers given from the copy."""
    assert ap.port_free(hier.root_addr), "a root server runs"
    a0 = r.status()["answers"]
    m = ask(r.addr, ".", "SOA")
    assert m.rcode() == dns.rcode.NOERROR, m
    assert m.flags & dns.flags.AD, m
    assert [rrset[0].serial for rrset in m.answer
            if rrset.rdtype == dns.rdatatype.SOA] == [serial], m
    qname, qtype, want = TLD_PROBE
    m = ask(r.addr, qname, qtype)
    assert m.rcode() == dns.rcode.NOERROR, "%s\n--- log ---\n%s" % (
        m, r.log())
    assert m.flags & dns.flags.AD, m
    assert rdata_texts(m, qtype) == want, m
    assert r.status()["answers"] > a0


def check_no_copy(r, reason):
    """After failed attempts: no copy, the last error names the cause,
    the warning is in the log."""
    s = r.status()
    assert s["state"] == "none", s
    assert s["loads"] == 0 and s["refreshes"] == 0, s
    assert s["last_reason"] == "fetch", s
    assert s["last_error"] and reason.lower() in s["last_error"].lower(), s
    log = r.log()
    assert 'msg="localroot refresh failed"' in log, log
    assert "reason=fetch" in log, log
    return s


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def binary():
    return od.find_binary(with_auth=True)


@pytest.fixture(scope="module")
def hier(binary, tmp_path_factory):
    """The hierarchy of localroot_hier.py on HIER_BASE: its root zone
    signed with keys kept for more copies, and its TLD zones served (by
    onedot-auth, so that only the NSD and Knot DNS cases need those);
    the root server is not started."""
    need("ldns-signzone", "ldnsutils")
    need("ldns-keygen", "ldnsutils")
    h = lh.LocalRootHier(ap.onedot_auth_path(), base=HIER_BASE,
                         workdir=str(tmp_path_factory.mktemp("lrhier")))
    h.build()
    tlds = ap.OnedotAuth(ap.onedot_auth_path(), h.tld_addr,
                         [(z, h.tld_files[z]) for z in lh.TLDS],
                         workdir=os.path.join(h.dir, "srv-tld"))
    if not ap.port_free(h.root_addr):
        pytest.fail("%s@53 is in use" % h.root_addr)
    start_server(tlds)
    try:
        yield h
    finally:
        tlds.stop()


@pytest.fixture
def stack():
    """Processes and servers started by a test, stopped at its end in
    reverse order."""
    items = []
    yield items
    errors = []
    for x in reversed(items):
        try:
            rc = x.stop()
            if isinstance(x, Resolver) and rc != 0:
                errors.append("onedot on %s: exit status %r\n%s"
                              % (x.addr, rc, x.log()))
        except Exception as e:  # noqa: BLE001 - every one is stopped
            errors.append(repr(e))
    assert not errors, errors


def version_text(serial):
    return "version %d" % serial


def root_file(hier, work, serial, name=None):
    """A signed copy of the root zone (ZONEMD, the TYPE65400 record) with
    serial and the apex TXT version_text(serial), as work/name."""
    path = os.path.join(str(work), name or "root-%d.zone" % serial)
    return hier.root_copy(serial, path=path, extra_records=[
        '. TXT "%s"' % version_text(serial)])


def resolver(binary, addr, tmp_path, hier, stack, localroot, **kw):
    r = Resolver(binary, addr, tmp_path, hier, localroot, **kw)
    stack.append(r)
    return r.start()


# ---------------------------------------------------------------- AXFR

def _axfr_case(binary, hier, tmp_path, stack, server, r_addr):
    start_server(server)
    stack.append(server)
    r = resolver(binary, r_addr, tmp_path, hier, stack,
                 "  sources: [ \"axfr://%s\" ]\n  refresh: 1h\n"
                 % server.addr)
    s = r.wait_fresh(SERIAL)
    assert s["source"] == "axfr://%s" % server.addr, s
    assert s["last_error"] is None and s["last_reason"] is None, s
    assert s["loads"] == 1 and s["refreshes"] >= 1, s
    assert s["records"] > 0, s
    assert s["expires"] > time.time() and s["expires_in"] > 0, s
    check_answers(r, hier, SERIAL)
    log = r.log()
    assert 'msg="localroot new copy"' in log, log
    assert "serial=%d" % SERIAL in log, log
    # the saved copy: canonical text with the refresh comment first
    first = r.saved(SERIAL).splitlines()[0]
    assert first.startswith("; onedot-localroot refreshed="), first
    assert "source=axfr://%s" % server.addr in first, first
    return r


def test_axfr_from_onedot_auth(binary, hier, tmp_path, stack):
    zone = root_file(hier, tmp_path, SERIAL)
    _axfr_case(binary, hier, tmp_path, stack,
               ls.AuthPrimary(ap.onedot_auth_path(), AUTH_P, zone,
                              str(tmp_path / "auth")), R_AUTH)


def test_axfr_from_nsd(binary, hier, tmp_path, stack):
    need("nsd", "nsd")
    need("nsd-checkconf", "nsd")
    zone = root_file(hier, tmp_path, SERIAL)
    _axfr_case(binary, hier, tmp_path, stack,
               ls.NsdPrimary(NSD_P, [(".", zone)],
                             workdir=str(tmp_path / "nsd")), R_NSD)


def test_axfr_from_knot(binary, hier, tmp_path, stack):
    need("knotd", "knot")
    zone = root_file(hier, tmp_path, SERIAL)
    _axfr_case(binary, hier, tmp_path, stack,
               ls.KnotPrimary(KNOT_P, [(".", zone)],
                              workdir=str(tmp_path / "knot")), R_KNOT)


# ---------------------------------------------------------------- TSIG

def _tsig(secret):
    return ("  tsig:\n    name: %s\n    algorithm: hmac-sha256\n"
            "    secret: \"%s\"\n" % (KEY_NAME, secret))


def test_tsig(binary, hier, tmp_path, stack):
    zone = root_file(hier, tmp_path, SERIAL)
    p = ls.AuthPrimary(ap.onedot_auth_path(), TSIG_P, zone,
                       str(tmp_path / "auth"),
                       key=(KEY_NAME, "hmac-sha256", SECRET))
    start_server(p)
    stack.append(p)
    src = "  sources: [ \"axfr://%s\" ]\n  refresh: 1h\n" % TSIG_P
    good = resolver(binary, R_TSIG_OK, tmp_path, hier, stack,
                    src + _tsig(SECRET))
    bad = resolver(binary, R_TSIG_BAD, tmp_path, hier, stack,
                   src + _tsig(BAD_SECRET))
    s = good.wait_fresh(SERIAL)
    assert s["failures"]["fetch"] == 0, s
    check_answers(good, hier, SERIAL)
    wait_in_log(p, "tsig=yes")
    s = bad.wait_fetch_failure()
    check_no_copy(bad, "TSIG")
    assert all(v == 0 for k, v in s["failures"].items() if k != "fetch"), s
    assert bad.status()["answers"] == 0


# ---------------------------------------------------------------- HTTP(S)

@pytest.fixture
def web(hier, tmp_path, stack):
    """The zone as root.zone over HTTPS (HTTPS_ADDR:443, certificate of a
    throwaway CA) and over HTTP (HTTP_ADDR:80). Returns the CA path."""
    need("openssl", "openssl")
    d = tmp_path / "www"
    d.mkdir()
    root_file(hier, d, SERIAL, name="root.zone")
    tls = tmp_path / "tls"
    tls.mkdir()
    ca, crt, key = ls.make_tls(str(tls), HTTPS_ADDR)
    for addr, port in ((HTTPS_ADDR, 443), (HTTP_ADDR, 80)):
        if not ap.port_free(addr, port):
            pytest.fail("%s:%d is in use" % (addr, port))
    https = ls.WebServer(HTTPS_ADDR, 443, str(d), tls=(crt, key))
    stack.append(https)
    http_ = ls.WebServer(HTTP_ADDR, 80, str(d))
    stack.append(http_)
    return ca, https, http_


def test_https(binary, hier, tmp_path, stack, web):
    ca, https, http_ = web
    url = "https://%s/root.zone" % HTTPS_ADDR
    r = resolver(binary, R_HTTPS, tmp_path, hier, stack,
                 "  sources: [ \"%s\" ]\n  refresh: 1h\n  ca-file: %s\n"
                 % (url, ca))
    missing = resolver(binary, R_HTTPS_404, tmp_path, hier, stack,
                       "  sources: [ \"https://%s/nothere.zone\" ]\n"
                       "  refresh: 1h\n  ca-file: %s\n" % (HTTPS_ADDR, ca))
    untrusted = resolver(binary, R_HTTPS_UNTRUSTED, tmp_path, hier, stack,
                         "  sources: [ \"%s\" ]\n  refresh: 1h\n" % url)
    s = r.wait_fresh(SERIAL)
    assert s["source"] == url, s
    check_answers(r, hier, SERIAL)
    assert any("GET /root.zone " in x and " 200 " in x
               for x in https.requests), https.requests

    missing.wait_fetch_failure()
    check_no_copy(missing, "404")
    assert any("/nothere.zone" in x and " 404 " in x
               for x in https.requests), https.requests

    untrusted.wait_fetch_failure()
    # the system store does not know the test CA
    check_no_copy(untrusted, "certificate")


def test_http(binary, hier, tmp_path, stack, web):
    _, _, http_ = web
    url = "http://%s/root.zone" % HTTP_ADDR
    r = resolver(binary, R_HTTP, tmp_path, hier, stack,
                 "  sources: [ \"%s\" ]\n  refresh: 1h\n" % url)
    s = r.wait_fresh(SERIAL)
    assert s["source"] == url, s
    check_answers(r, hier, SERIAL)
    assert any("GET /root.zone " in x for x in http_.requests)


# ---------------------------------------------------------------- order

def test_source_order(binary, hier, tmp_path, stack):
    zone = root_file(hier, tmp_path, SERIAL)
    assert ap.port_free(DEAD_PRIMARY)
    r = resolver(binary, R_ORDER, tmp_path, hier, stack,
                 "  sources: [ \"axfr://%s\", \"file:%s\" ]\n"
                 "  refresh: 1h\n" % (DEAD_PRIMARY, zone),
                 metrics=METRICS_PORT)
    s = r.wait_fresh(SERIAL)
    assert s["source"] == "file:%s" % zone, s
    assert s["failures"]["fetch"] >= 1, s
    assert all(v == 0 for k, v in s["failures"].items() if k != "fetch"), s
    check_answers(r, hier, SERIAL)
    log = r.log()
    assert 'msg="localroot refresh failed"' in log, log
    assert "axfr://%s" % DEAD_PRIMARY in log, log
    m = r.metrics(METRICS_PORT)
    assert m['onedot_localroot_failures_total{reason="fetch"}'] >= 1, m
    assert m['onedot_localroot_state{state="fresh"}'] == 1, m
    assert m["onedot_localroot_serial"] == SERIAL, m


# ---------------------------------------------------------------- IXFR

def _change(hier, work, serial, zone):
    """Writes the version serial over zone: the apex TXT changed (and so
    the ZONEMD and the signatures of the changed RRsets)."""
    tmp = root_file(hier, work, serial)
    os.replace(tmp, zone)


def check_changed(r, serial):
    """The changed record as the resolver answers it (asked only after the
    change: nothing of it is cached from before), and in the saved copy
    only in its new version."""
    m = ask(r.addr, ".", "TXT")
    assert m.rcode() == dns.rcode.NOERROR, m
    assert m.flags & dns.flags.AD, m
    assert rdata_texts(m, "TXT") == ['"%s"' % version_text(serial)], m
    saved = r.saved(serial)
    assert version_text(serial) in saved
    assert version_text(serial - 1) not in saved


def test_ixfr(binary, hier, tmp_path, stack):
    zone = root_file(hier, tmp_path, SERIAL)
    p = ls.AuthPrimary(ap.onedot_auth_path(), IXFR_P, zone,
                       str(tmp_path / "auth"))
    start_server(p)
    stack.append(p)
    r = resolver(binary, R_IXFR, tmp_path, hier, stack,
                 "  sources: [ \"axfr://%s\" ]\n  refresh: 1h\n" % IXFR_P)
    s = r.wait_fresh(SERIAL)
    loads = s["loads"]
    wait_in_log(p, 'type=AXFR result=axfr')

    _change(hier, tmp_path, SERIAL + 1, zone)
    p.reload()
    wait_primary(p, SERIAL + 1)
    r.refresh()
    s = r.wait_fresh(SERIAL + 1)
    assert s["loads"] == loads + 1, s
    check_changed(r, SERIAL + 1)
    check_answers(r, hier, SERIAL + 1)
    # the primary answered an IXFR with the incremental form, and the
    # resolver built the new copy from it: one AXFR only (the first copy)
    wait_in_log(p, "zone=. type=IXFR result=ixfr")
    assert p.log().count("type=AXFR") == 1, p.log()
    want = "serial=%d " % (SERIAL + 1)
    deadline = time.monotonic() + SYNC_WAIT
    while True:
        new = [l for l in r.log().splitlines()
               if 'msg="localroot new copy"' in l and want in l]
        if new or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert new and "ixfr=yes" in new[-1], r.log()


# ---------------------------------------------------------------- NOTIFY

def test_notify(binary, hier, tmp_path, stack):
    zone = root_file(hier, tmp_path, SERIAL)
    p = ls.AuthPrimary(ap.onedot_auth_path(), NOTIFY_P, zone,
                       str(tmp_path / "auth"), notify=[R_NOTIFY])
    start_server(p)
    stack.append(p)
    r = resolver(binary, R_NOTIFY, tmp_path, hier, stack,
                 "  sources: [ \"axfr://%s\" ]\n  refresh: 1h\n" % NOTIFY_P)
    s = r.wait_fresh(SERIAL)
    assert s["notifies"] == 0, s
    # the next refresh is the configured hour away
    assert s["next_refresh"] - time.time() > 600, s
    # a NOTIFY from an address that is no source is refused and changes
    # nothing
    q = dns.message.make_query(".", "SOA", use_edns=False)
    q.set_opcode(dns.opcode.NOTIFY)
    q.flags = dns.flags.AA | (q.flags & ~dns.flags.RD)
    m = dns.query.udp(q, R_NOTIFY, timeout=5, source=STRANGER)
    assert m.rcode() == dns.rcode.REFUSED, m
    s = r.status()
    assert s["notifies"] == 0 and s["refreshes"] == 1, s

    _change(hier, tmp_path, SERIAL + 1, zone)
    p.reload()
    wait_primary(p, SERIAL + 1)
    # no command: the NOTIFY alone brings the new serial
    s = r.wait(lambda s: s["serial"] == SERIAL + 1 and s["state"] == "fresh",
               SYNC_WAIT, "the NOTIFYed serial %d" % (SERIAL + 1))
    assert s["notifies"] >= 1, s
    check_changed(r, SERIAL + 1)
    # the resolver acknowledged the NOTIFY (RFC 1996 4.7)
    want = ('msg="notify answered" zone=. serial=%d secondary=%s'
            % (SERIAL + 1, R_NOTIFY))
    deadline = time.monotonic() + SYNC_WAIT
    while want not in p.log():
        assert time.monotonic() < deadline, p.log()
        time.sleep(0.1)
    line = [x for x in p.log().splitlines() if want in x][-1]
    assert "rcode=NOERROR" in line, line


# ---------------------------------------------------------------- truncated

FAKE_P = "127.31.10.60"          # the fake primary (TCP only)
R_TRUNC = "127.31.20.60"
TRUNC_METRICS_PORT = 9372        # of R_TRUNC
XFR_CHUNK = 8                    # records per transfer message


class FakePrimary:
    """A primary of the root zone in a thread of this process, on
    addr@53 over TCP: it answers SOA queries with the zone's SOA, and
    AXFR and IXFR queries with the AXFR form (the whole zone between two
    SOAs, the question in the first message only), XFR_CHUNK records a
    message. In mode "truncate" it sends the first half of the messages
    of a transfer and closes the connection. queries holds (qtype, mode)
    of each query answered. It stops by itself after ls.LIFETIME
    seconds."""

    name = "fake primary"

    def __init__(self, addr):
        self.addr = addr
        self.port = 53
        self.lock = threading.Lock()
        self.soa = None
        self.msgs = []          # [[rrset, ...], ...] of a transfer
        self.mode = "full"
        self._queries = []
        self.errors = []
        self.srv = None

    def serve(self, path, mode="full"):
        """Serve the zone file at path in mode ("full" or "truncate")."""
        z = dns.zone.from_file(path, origin=".", relativize=False)
        soa = None
        rest = []
        for name, ttl, rd in z.iterate_rdatas():
            rrset = dns.rrset.from_rdata(name, ttl, rd)
            if rd.rdtype == dns.rdatatype.SOA and name == dns.name.root:
                soa = rrset
            else:
                rest.append(rrset)
        records = [soa] + rest + [soa]
        msgs = [records[i:i + XFR_CHUNK]
                for i in range(0, len(records), XFR_CHUNK)]
        assert len(msgs) >= 4, len(records)
        with self.lock:
            self.soa, self.msgs, self.mode = soa, msgs, mode

    @property
    def queries(self):
        with self.lock:
            return list(self._queries)

    def log(self):
        return "queries: %r\nerrors: %r" % (self.queries, self.errors)

    def start(self):
        primary = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                try:
                    primary._connection(self.request)
                except Exception as e:  # noqa: BLE001 - kept for the log
                    primary.errors.append(repr(e))

        class Srv(socketserver.ThreadingMixIn, socketserver.TCPServer):
            daemon_threads = True
            allow_reuse_address = True

        try:
            self.srv = Srv((self.addr, self.port), Handler)
        except OSError as e:
            raise ap.StartError("%s@%d: %s" % (self.addr, self.port, e))
        self.thread = threading.Thread(target=self.srv.serve_forever,
                                       kwargs={"poll_interval": 0.2},
                                       daemon=True)
        self.thread.start()
        self.timer = threading.Timer(ls.LIFETIME, self.stop)
        self.timer.daemon = True
        self.timer.start()
        return self

    def stop(self):
        self.timer.cancel()
        if self.srv is not None:
            self.srv.shutdown()
            self.srv.server_close()
            self.thread.join(timeout=5)
            self.srv = None

    @staticmethod
    def _recv(sock, n):
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                return None
            data += chunk
        return data

    @staticmethod
    def _send(sock, msg):
        wire = msg.to_wire()
        sock.sendall(struct.pack("!H", len(wire)) + wire)

    def _connection(self, sock):
        sock.settimeout(30)
        while True:
            head = self._recv(sock, 2)
            if head is None:
                return
            wire = self._recv(sock, struct.unpack("!H", head)[0])
            if wire is None:
                return
            q = dns.message.from_wire(wire)
            qtype = q.question[0].rdtype
            with self.lock:
                soa, msgs, mode = self.soa, self.msgs, self.mode
                self._queries.append((dns.rdatatype.to_text(qtype), mode))
            if qtype == dns.rdatatype.SOA:
                m = dns.message.make_response(q)
                m.flags |= dns.flags.AA
                m.answer.append(soa)
                self._send(sock, m)
                continue
            if qtype not in (dns.rdatatype.AXFR, dns.rdatatype.IXFR):
                m = dns.message.make_response(q)
                m.set_rcode(dns.rcode.NOTIMP)
                self._send(sock, m)
                continue
            if mode == "truncate":
                msgs = msgs[:len(msgs) // 2]
            for i, records in enumerate(msgs):
                m = dns.message.make_response(q)
                m.flags |= dns.flags.AA
                if i > 0:
                    m.question = []
                m.answer.extend(records)
                self._send(sock, m)
            if mode == "truncate":
                return      # the connection closes mid-transfer


def ask_ad(r, qname, qtype, want):
    """qname qtype answered with want, validated (AD), and from the copy:
    the count of answers given from it grows (the name was not asked
    before, so the root's part is not in the cache)."""
    a0 = r.status()["answers"]
    m = ask(r.addr, qname, qtype)
    assert m.rcode() == dns.rcode.NOERROR, "%s\n--- log ---\n%s" % (
        m, r.log())
    assert m.flags & dns.flags.AD, m
    assert rdata_texts(m, qtype) == want, m
    assert r.status()["answers"] > a0, r.status()
    return m


def test_truncated_axfr_keeps_copy(binary, hier, tmp_path, stack):
    """The October 2023 chain with a transfer cut short: a primary that
    has a new serial but closes the connection in the middle of the
    transfer. The half zone is refused, the copy of serial N is kept
    (stale, still answering), and the next complete transfer brings
    N + 1."""
    n = SERIAL
    p = FakePrimary(FAKE_P)
    p.serve(root_file(hier, tmp_path, n))
    start_server(p)
    stack.append(p)
    r = resolver(binary, R_TRUNC, tmp_path, hier, stack,
                 "  sources: [ \"axfr://%s\" ]\n  refresh: 1h\n" % FAKE_P,
                 metrics=TRUNC_METRICS_PORT)
    s = r.wait_fresh(n)
    assert s["failures"]["fetch"] == 0 and s["loads"] == 1, s
    assert ("AXFR", "full") in p.queries, p.log()
    a0 = r.status()["answers"]
    m = ask(r.addr, ".", "SOA")
    assert m.flags & dns.flags.AD, m
    assert [x[0].serial for x in m.answer
            if x.rdtype == dns.rdatatype.SOA] == [n], m
    assert r.status()["answers"] > a0

    # serial N + 1, but every transfer of it is cut in the middle
    p.serve(root_file(hier, tmp_path, n + 1), mode="truncate")
    r.refresh()
    s = r.wait(lambda s: s["state"] == "stale", FAIL_WAIT,
               "stale after the truncated transfer")
    assert s["serial"] == n, s
    assert s["failures"]["fetch"] >= 1, s
    assert all(v == 0 for k, v in s["failures"].items() if k != "fetch"), s
    assert s["last_reason"] == "fetch", s
    assert s["last_error"] and "truncated" in s["last_error"], s
    assert s["loads"] == 1, s
    # the resolver asked the serial, then the transfer that was cut
    q = p.queries
    assert ("SOA", "truncate") in q, p.log()
    assert any(t in ("IXFR", "AXFR") and mode == "truncate"
               for t, mode in q), p.log()
    met = r.metrics(TRUNC_METRICS_PORT)
    assert met['onedot_localroot_state{state="stale"}'] == 1, met
    assert met['onedot_localroot_state{state="fresh"}'] == 0, met
    assert met["onedot_localroot_serial"] == n, met
    assert met['onedot_localroot_failures_total{reason="fetch"}'] >= 1, met
    log = r.log()
    assert 'msg="localroot refresh failed"' in log, log
    assert 'msg="localroot copy is stale"' in log, log
    assert "truncated" in log, log
    # the copy of serial N still answers, validated
    qname, qtype, want = TLD_PROBE
    ask_ad(r, qname, qtype, want)
    assert r.status()["state"] == "stale"
    # nothing of N + 1 was saved
    assert r.saved(n).splitlines()[0].endswith(" serial=%d" % n)

    # the whole of N + 1
    p.serve(root_file(hier, tmp_path, n + 1))
    r.refresh()
    s = r.wait_fresh(n + 1)
    assert s["loads"] == 2, s
    assert s["last_error"] is None and s["last_reason"] is None, s
    check_changed(r, n + 1)
    ask_ad(r, "www.beta.", "A", ["192.0.2.%d" % lh.WWW["beta."]])
    met = r.metrics(TRUNC_METRICS_PORT)
    assert met['onedot_localroot_state{state="fresh"}'] == 1, met
    assert met['onedot_localroot_state{state="stale"}'] == 0, met
    assert met["onedot_localroot_serial"] == n + 1, met
    assert not p.errors, p.log()
