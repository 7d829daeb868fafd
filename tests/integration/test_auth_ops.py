# SPDX-License-Identifier: MIT
"""Operating onedot-auth: the control socket through onedotctl (status,
stats, reload, zone list, zone reload [NAME], zone status NAME; human
output and --json), reloads that pick up a new serial or keep the old
zone and report why, and the Prometheus metrics (per-zone query counts,
transfers, NOTIFY, RRL actions); the state-dir, control and metrics
options and keys.

Addresses (port 53): onedot-auth on 127.5.200.1 (metrics on port 9153)
and 127.5.200.2 (RRL on, metrics on port 9153); 127.5.200.3-9 for
start-up tests; a stand-in secondary that answers NOTIFY on 127.5.201.1.
"""

import calendar
import json
import os
import shutil
import socket
import stat
import threading
import time

import dns.flags
import dns.message
import dns.opcode
import dns.query
import dns.rcode
import dns.rdatatype
import dns.rrset
import dns.xfr
import dns.zone
import pytest

import auth_peers as ap
import test_metrics as tm
from onedot_daemon import run, write

MAIN = "127.5.200.1"
RRL = "127.5.200.2"
SECONDARY = "127.5.201.1"
METRICS_PORT = 9153
WAIT = 10.0  # seconds for something asynchronous (a NOTIFY) to show

ZONE = """$ORIGIN example.com.
$TTL 3600
@    SOA ns1 hostmaster {serial} 7200 3600 1209600 300
@    NS  ns1
ns1  A   127.0.0.1
www  A   192.0.2.{serial}
"""

OTHER = """$ORIGIN other.test.
$TTL 3600
@    SOA ns1 hostmaster 7 7200 3600 1209600 300
@    NS  ns1
ns1  A   127.0.0.1
a    A   192.0.2.7
"""

SIGNED_SRC = """$ORIGIN signed.test.
$TTL 3600
@    SOA ns1 hostmaster 3 7200 3600 1209600 300
@    NS  ns1
ns1  A   127.0.0.1
www  A   192.0.2.3
"""

EXPIRATION = "20300101000000"


def tool(name):
    b = ap.build_dir()
    path = os.path.join(b, "src", "tools", name, name)
    if not os.access(path, os.X_OK):
        pytest.fail("%s is not built (ONEDOT_BUILD_DIR=%r)" % (name, b))
    return path


@pytest.fixture(scope="module")
def binary():
    path = ap.onedot_auth_path()
    if path is None:
        pytest.fail("onedot-auth is not built (ONEDOT_BUILD_DIR=%r)"
                    % ap.build_dir())
    return path


class Auth(ap.OnedotAuth):
    """onedot-auth run with -c CONF only (zones is what is probed)."""

    def __init__(self, binary, addr, zones, workdir, conf, extra=()):
        self.conf = conf
        self.extra = list(extra)
        super().__init__(binary, addr, zones, workdir=str(workdir))

    def argv(self):
        return [self.binary, "-c", self.conf] + self.extra


class Secondary:
    """Answers every NOTIFY on ADDR@53 with NOERROR; counts them."""

    def __init__(self, addr):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((addr, 53))
        self.sock.settimeout(0.2)
        self.got = []
        self.stop_ev = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        while not self.stop_ev.is_set():
            try:
                data, peer = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                q = dns.message.from_wire(data)
            except Exception:
                continue
            if q.opcode() != dns.opcode.NOTIFY:
                continue
            self.got.append(q.question[0].name.to_text())
            r = dns.message.make_response(q)
            self.sock.sendto(r.to_wire(), peer)

    def stop(self):
        self.stop_ev.set()
        self.thread.join(timeout=5)
        self.sock.close()


class Ops:
    def __init__(self, server, state, files):
        self.server = server
        self.state = state
        self.sock = os.path.join(state, "control.sock")
        self.files = files

    def ctl(self, *args, json_out=False):
        argv = [tool("onedotctl"), "-s", self.sock]
        if json_out:
            argv.append("--json")
        return run(argv + list(args), timeout=60)

    def js(self, *args):
        p = self.ctl(*args, json_out=True)
        assert p.returncode == 0, p.stderr + p.stdout
        assert p.stdout.endswith("\n") and p.stdout.count("\n") == 1
        d = json.loads(p.stdout)
        assert d["ok"] is True
        return d


def scrape(addr):
    status, hdrs, body = tm.http(
        METRICS_PORT, addr, b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status == 200
    assert hdrs["content-type"].startswith("text/plain; version=0.0.4")
    samples, types = tm.parse(body.decode("utf-8"))
    return samples, types


def val(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


def soa_serial(zone):
    r = ap.query(MAIN, zone, "SOA")
    assert r.rcode() == dns.rcode.NOERROR
    return r.answer[0][0].serial


@pytest.fixture(scope="module")
def secondary():
    s = Secondary(SECONDARY)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def ops(binary, secondary, tmp_path_factory):
    work = tmp_path_factory.mktemp("ops")
    state = os.path.join(str(work), "state")
    os.mkdir(state, 0o700)
    ex = write(work / "example.com.zone", ZONE.format(serial=1))
    other = write(work / "other.test.zone", OTHER)
    # A signed zone (NSEC3), with onedot-zone and a fixed expiration.
    src = write(work / "signed.src", SIGNED_SRC)
    oz = tool("onedot-zone")
    keys = []
    for extra in (["--ksk"], []):
        p = run([oz, "keygen", "13", "signed.test.", "-d", str(work)]
                + extra)
        assert p.returncode == 0, p.stderr
        keys.append(os.path.join(str(work), p.stdout.strip()))
    p = run([oz, "sign", src] + keys + ["-o", "signed.test.", "--nsec3",
                                        "--expiration", EXPIRATION])
    assert p.returncode == 0, p.stderr
    signed = write(work / "signed.test.zone", p.stdout)
    conf = write(work / "auth.yaml", """server:
  listen: [ "%s@53" ]
  workers: 2
  state-dir: %s
  metrics: %s@%d
zones:
  - origin: example.com.
    file: %s
    allow-transfer: [ "127.0.0.0/8" ]
    notify: [ "%s@53" ]
  - origin: other.test.
    file: %s
  - origin: signed.test.
    file: %s
""" % (MAIN, state, MAIN, METRICS_PORT, ex, SECONDARY, other, signed))
    srv = Auth(binary, MAIN, [("example.com.", ex)], work, conf).start()
    yield Ops(srv, state, {"example.com.": ex, "other.test.": other,
                           "signed.test.": signed})
    srv.stop()


# status, stats ----------------------------------------------------------

def test_status(ops):
    d = ops.js("status")
    assert d["version"]
    assert d["workers"] == 2
    assert d["zones"] == 3 and d["zones_configured"] == 3
    assert d["rrl"] is False and d["metrics"] is True
    assert d["uptime"] >= 0
    p = ops.ctl("status")
    assert p.returncode == 0, p.stderr
    assert "zones: 3\n" in p.stdout and "workers: 2\n" in p.stdout


def test_socket_permissions(ops):
    st = os.stat(ops.sock)
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o600


def test_stats_count_queries(ops):
    before = ops.js("stats")
    for name in ("www.example.com.", "ns1.example.com.", "a.other.test."):
        assert ap.query(MAIN, name, "A").rcode() == dns.rcode.NOERROR
    assert ap.query(MAIN, "nope.example.com.", "A").rcode() == \
        dns.rcode.NXDOMAIN
    assert ap.query(MAIN, "www.example.org.", "A").rcode() == \
        dns.rcode.REFUSED
    assert ap.query(MAIN, "www.example.com.", "A", tcp=True).rcode() == \
        dns.rcode.NOERROR
    after = ops.js("stats")
    assert after["queries"] - before["queries"] == 6
    assert after["tcp"] - before["tcp"] == 1
    assert after["udp"] - before["udp"] == 5
    assert after["outside_zones"] - before["outside_zones"] == 1
    a, b = after["answers"], before["answers"]
    assert a["NOERROR"] - b["NOERROR"] == 4
    assert a["NXDOMAIN"] - b["NXDOMAIN"] == 1
    assert a["REFUSED"] - b["REFUSED"] == 1
    assert after["rrl"] is None
    p = ops.ctl("stats")
    assert p.returncode == 0
    assert "transfers_out:\n" in p.stdout and "  axfr: " in p.stdout


# zones ------------------------------------------------------------------

def test_zone_list(ops):
    d = ops.js("zone", "list")
    zones = {z["name"]: z for z in d["zones"]}
    assert set(zones) == {"example.com.", "other.test.", "signed.test."}
    assert zones["other.test."]["serial"] == 7
    assert zones["other.test."]["dnssec"] == "unsigned"
    assert zones["signed.test."]["dnssec"] == "nsec3"
    for name, z in zones.items():
        assert z["file"] == ops.files[name]
        assert z["last_load"]["result"] == "ok"
        assert z["last_load"]["error"] is None
        assert z["loaded"] > 0
    p = ops.ctl("zone", "list")
    assert p.returncode == 0
    assert "- name: other.test.\n" in p.stdout
    assert "    serial: 7\n" in p.stdout


def test_zone_status_signed(ops):
    d = ops.js("zone", "status", "signed.test")
    assert d["name"] == "signed.test."
    assert d["served"] is True and d["serial"] == 3
    assert d["source"] == "file" and d["file"] == ops.files["signed.test."]
    s = d["dnssec"]
    assert s["state"] == "nsec3" and s["signing"] == "pre-signed"
    assert s["dnskeys"] == 2 and s["sep_keys"] == 1
    assert s["rrsigs"] > 0
    assert s["first_expiration"] == calendar.timegm(
        time.strptime(EXPIRATION, "%Y%m%d%H%M%S"))
    assert s["nsec3"]["algorithm"] == 1
    p = ops.ctl("zone", "status", "signed.test.")
    assert p.returncode == 0
    assert "  state: nsec3\n" in p.stdout


def test_zone_status_counts_queries(ops):
    before = ops.js("zone", "status", "other.test.")
    assert before["dnssec"] == {"state": "unsigned"}
    for _ in range(3):
        ap.query(MAIN, "a.other.test.", "A")
    ap.query(MAIN, "missing.other.test.", "TXT")
    after = ops.js("zone", "status", "other.test.")
    assert after["queries"] - before["queries"] == 4


def test_zone_errors(ops):
    p = ops.ctl("zone", "status", "nosuch.test.")
    assert p.returncode == 1
    assert "no zone nosuch.test. is configured" in p.stderr
    p = ops.ctl("zone", "status")
    assert p.returncode == 1 and "usage: zone list" in p.stderr
    p = ops.ctl("zone", "frob")
    assert p.returncode == 1 and "unknown zone command 'frob'" in p.stderr
    p = ops.ctl("zone", "reload", "exa..mple")
    assert p.returncode == 1 and "not a domain name" in p.stderr
    p = ops.ctl("cache", "show", "x.")
    assert p.returncode == 1 and "unknown command 'cache'" in p.stderr


# reloads ----------------------------------------------------------------

def test_zone_reload_new_serial(ops, secondary):
    ex = ops.files["example.com."]
    old_other = ops.js("zone", "status", "other.test.")
    base = soa_serial("example.com.")
    new = base + 1
    write(ex, ZONE.format(serial=new))
    d = ops.js("zone", "reload", "example.com")
    assert d["zones_loaded"] == 1
    assert d["zones"] == [{"name": "example.com.", "serial": new}]
    assert soa_serial("example.com.") == new
    r = ap.query(MAIN, "www.example.com.", "A")
    assert r.answer[0][0].address == "192.0.2.%d" % new
    st = ops.js("zone", "status", "example.com.")
    assert st["serial"] == new
    assert st["journal"]["differences"] >= 1
    assert st["journal"]["newest_serial"] == new
    # Only the zone named was read again.
    other = ops.js("zone", "status", "other.test.")
    assert other["last_load"] == old_other["last_load"]
    # The secondary is told (its answer counted).
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        st = ops.js("zone", "status", "example.com.")
        if st["notify"]["answered"] >= 1:
            break
        time.sleep(0.1)
    assert st["notify"]["secondaries"] == ["%s@53" % SECONDARY]
    assert st["notify"]["answered"] >= 1
    assert st["notify"]["last"]["serial"] == new
    assert st["notify"]["last"]["rcode"] == "NOERROR"
    assert "example.com." in secondary.got


def test_reload_all_human(ops):
    p = ops.ctl("reload")
    assert p.returncode == 0, p.stderr
    assert "zones_loaded: 3\n" in p.stdout
    d = ops.js("zone", "reload")
    assert d["zones_loaded"] == 3


def test_reload_broken_zone_keeps_old(ops):
    ex = ops.files["example.com."]
    good = open(ex).read()
    serial = soa_serial("example.com.")
    before = ops.js("status")["reloads"]
    write(ex, good + "bad  A   192.0.2\n")
    try:
        for argv in (["reload"], ["zone", "reload", "example.com."]):
            p = ops.ctl(*argv)
            assert p.returncode == 1, p.stdout
            assert "zone example.com.: %s:7:" % ex in p.stderr
            assert "serial %d keeps serving" % serial in p.stderr
            p = ops.ctl(*argv, json_out=True)
            assert p.returncode == 1
            d = json.loads(p.stdout)
            assert d["ok"] is False and "example.com." in d["error"]
        assert soa_serial("example.com.") == serial
        st = ops.js("zone", "status", "example.com.")
        assert st["serial"] == serial and st["served"] is True
        assert st["last_load"]["result"] == "failed"
        assert "%s:7:" % ex in st["last_load"]["error"]
        after = ops.js("status")
        assert after["zones_failing"] == 1
        assert after["reloads"]["failed"] - before["failed"] == 4
        assert after["reloads"]["last_result"] == "failed"
        samples, _ = scrape(MAIN)
        assert val(samples, "onedot_auth_zone_load_failed",
                   zone="example.com.") == 1
        assert val(samples, "onedot_auth_zone_load_failed",
                   zone="other.test.") == 0
    finally:
        write(ex, good)
    d = ops.js("zone", "reload", "example.com.")
    assert d["zones"][0]["serial"] == serial
    assert ops.js("zone", "status", "example.com.")["last_load"][
        "result"] == "ok"
    assert ops.js("status")["zones_failing"] == 0


# metrics ----------------------------------------------------------------

def test_metrics_zone_queries(ops):
    before, types = scrape(MAIN)
    assert types["onedot_auth_zone_queries_total"] == "counter"
    for _ in range(5):
        ap.query(MAIN, "a.other.test.", "A")
    ap.query(MAIN, "a.other.test.", "MX", tcp=True)
    ap.query(MAIN, "www.example.org.", "A")
    after, _ = scrape(MAIN)

    def d(name, **labels):
        return val(after, name, **labels) - val(before, name, **labels)

    assert d("onedot_auth_zone_queries_total", zone="other.test.") == 6
    assert d("onedot_auth_zone_queries_total", zone="example.com.") == 0
    assert d("onedot_auth_queries_outside_zones_total") == 1
    assert d("onedot_auth_queries_total", transport="udp", qtype="A") == 6
    assert d("onedot_auth_queries_total", transport="tcp", qtype="MX") == 1
    assert d("onedot_auth_answers_total", rcode="NOERROR") == 6
    assert d("onedot_auth_answers_total", rcode="REFUSED") == 1
    assert types["onedot_auth_answer_duration_seconds"] == "histogram"
    assert d("onedot_auth_answer_duration_seconds_count") == 7
    assert d("onedot_auth_answer_duration_seconds_bucket", le="+Inf") == 7
    assert val(after, "onedot_auth_zones") == 3
    assert val(after, "onedot_auth_zone_serial", zone="other.test.") == 7
    assert val(after, "onedot_auth_workers") == 2


def test_metrics_transfers(ops):
    before, _ = scrape(MAIN)
    st0 = ops.js("zone", "status", "example.com.")
    serial = soa_serial("example.com.")
    z = dns.zone.from_xfr(dns.query.xfr(MAIN, "example.com.", timeout=10))
    assert z.get_soa().serial == serial
    # Up to date: the SOA alone.
    q = dns.message.make_query("example.com.", "IXFR")
    auth = dns.rrset.from_text("example.com.", 0, "IN", "SOA",
                               "ns1.example.com. hostmaster.example.com. %d 1 1 1 1"
                               % serial)
    q.authority.append(auth)
    r = dns.query.tcp(q, MAIN, timeout=10)
    assert len(r.answer) == 1 and r.answer[0].rdtype == dns.rdatatype.SOA
    # Incremental: a new serial, then IXFR from the one before.
    write(ops.files["example.com."], ZONE.format(serial=serial + 1))
    assert ops.js("zone", "reload", "example.com.")["zones"][0][
        "serial"] == serial + 1
    q = dns.message.make_query("example.com.", "IXFR")
    q.authority.append(dns.rrset.from_text(
        "example.com.", 0, "IN", "SOA",
        "ns1.example.com. hostmaster.example.com. %d 1 1 1 1" % serial))
    r = dns.query.tcp(q, MAIN, timeout=10)
    assert r.rcode() == dns.rcode.NOERROR
    www = [rr for rr in r.answer if rr.rdtype == dns.rdatatype.A
           and rr.name.to_text() == "www.example.com."]
    assert www, r
    # Refused: other.test. allows nobody.
    with pytest.raises(dns.xfr.TransferError):
        dns.zone.from_xfr(dns.query.xfr(MAIN, "other.test.", timeout=10))
    after, _ = scrape(MAIN)

    def d(zone, result):
        return (val(after, "onedot_auth_transfers_out_total", zone=zone,
                    result=result)
                - val(before, "onedot_auth_transfers_out_total", zone=zone,
                      result=result))

    assert d("example.com.", "axfr") == 1
    assert d("example.com.", "up-to-date") == 1
    assert d("example.com.", "ixfr") == 1
    assert d("other.test.", "refused") == 1
    assert d("other.test.", "axfr") == 0
    st = ops.js("zone", "status", "example.com.")
    x, x0 = st["transfers_out"], st0["transfers_out"]
    assert x["axfr"] - x0["axfr"] == 1
    assert x["up_to_date"] - x0["up_to_date"] == 1
    assert x["ixfr"] - x0["ixfr"] == 1
    assert x["last"]["result"] == "ixfr"
    assert x["last"]["rcode"] == "NOERROR"
    st = ops.js("zone", "status", "other.test.")
    assert st["transfers_out"]["last"]["result"] == "refused"
    assert st["transfers_out"]["last"]["rcode"] == "REFUSED"


def test_metrics_notify(ops):
    before, _ = scrape(MAIN)
    q = dns.message.make_query("example.com.", "SOA")
    q.set_opcode(dns.opcode.NOTIFY)
    q.flags |= dns.flags.AA
    r = dns.query.udp(q, MAIN, timeout=5)
    assert r.opcode() == dns.opcode.NOTIFY
    after, _ = scrape(MAIN)
    assert val(after, "onedot_auth_notify_received_total") - \
        val(before, "onedot_auth_notify_received_total") == 1
    # Sent by test_zone_reload_new_serial (module order), answered.
    assert val(after, "onedot_auth_notify_sent_total", zone="example.com.",
               result="answered") >= 1


def test_metrics_rrl(binary, tmp_path):
    state = str(tmp_path / "state")
    os.mkdir(state, 0o700)
    ex = write(tmp_path / "ex.zone", ZONE.format(serial=1))
    conf = write(tmp_path / "auth.yaml", """server:
  listen: [ "%s@53" ]
  state-dir: %s
  metrics: %s@%d
  rrl:
    enable: true
    rate: 5
    slip: 2
zones:
  - origin: example.com.
    file: %s
""" % (RRL, state, RRL, METRICS_PORT, ex))
    srv = Auth(binary, RRL, [("example.com.", ex)], tmp_path, conf).start()
    try:
        before, _ = scrape(RRL)
        # A burst far over 5 a second for one name, without waiting.
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(1.0)
        q = dns.message.make_query("www.example.com.", "A")
        for i in range(100):
            q.id = i
            s.sendto(q.to_wire(), (RRL, 53))
        got, tc = 0, 0
        try:
            while True:
                data = s.recv(65535)
                got += 1
                if dns.message.from_wire(data).flags & dns.flags.TC:
                    tc += 1
        except socket.timeout:
            pass
        s.close()
        after, _ = scrape(RRL)
        dropped = val(after, "onedot_auth_rrl_actions_total",
                      action="dropped") - \
            val(before, "onedot_auth_rrl_actions_total", action="dropped")
        slipped = val(after, "onedot_auth_rrl_actions_total",
                      action="slipped") - \
            val(before, "onedot_auth_rrl_actions_total", action="slipped")
        assert dropped > 0 and slipped > 0
        assert slipped == tc
        assert dropped + got == 100
        p = run([tool("onedotctl"), "--state-dir", state, "--json",
                 "stats"])
        assert p.returncode == 0, p.stderr
        d = json.loads(p.stdout)
        assert d["rrl"]["dropped"] >= dropped
        assert d["rrl"]["slipped"] >= slipped
    finally:
        srv.stop()


# not running, options, keys ---------------------------------------------

def test_not_running(tmp_path):
    sock = str(tmp_path / "control.sock")
    p = run([tool("onedotctl"), "-s", sock, "zone", "list"])
    assert p.returncode == 1
    assert "is not running: cannot connect to %s" % sock in p.stderr


def test_help_names_both_daemons(binary):
    p = run([tool("onedotctl"), "--help"])
    assert p.returncode == 0
    assert "onedot-auth" in p.stdout and "zone status NAME" in p.stdout
    p = run([binary, "--help"])
    assert p.returncode == 0
    for opt in ("--state-dir", "--control", "--metrics"):
        assert opt in p.stdout


def test_control_option(binary, tmp_path):
    sock = str(tmp_path / "ctl.sock")
    ex = write(tmp_path / "ex.zone", ZONE.format(serial=4))
    srv = Daemon(binary, "127.5.200.3", ex, tmp_path,
                 ["--control", sock, "--state-dir",
                  str(tmp_path / "missing")]).start()
    try:
        p = run([tool("onedotctl"), "-s", sock, "--json", "zone", "list"])
        assert p.returncode == 0, p.stderr
        assert json.loads(p.stdout)["zones"][0]["serial"] == 4
    finally:
        srv.stop()
    assert not os.path.exists(sock)


def test_control_refused(binary, tmp_path):
    ex = write(tmp_path / "ex.zone", ZONE.format(serial=1))
    p = run([binary, "--listen", "127.5.200.4@53", "--zone",
             "example.com.:" + ex, "--control",
             str(tmp_path / "nodir" / "c.sock")])
    assert p.returncode == 1
    assert "startup failed" in p.stderr
    assert str(tmp_path / "nodir") in p.stderr


def test_default_socket_missing_dir(binary, tmp_path):
    """A state directory that does not exist: warned, served anyway."""
    ex = write(tmp_path / "ex.zone", ZONE.format(serial=5))
    srv = Daemon(binary, "127.5.200.5", ex, tmp_path,
                 ["--state-dir", str(tmp_path / "missing")]).start()
    try:
        r = ap.query("127.5.200.5", "example.com.", "SOA")
        assert r.answer[0][0].serial == 5
    finally:
        srv.stop()
    assert "no control socket" in srv.log()


@pytest.mark.parametrize("argv,needle", [
    (["--metrics", "127.0.0.1"], "expected ADDR@PORT"),
    (["--metrics", "127.0.0.1@0"], "the port must be 1..65535"),
    (["--control", ""], "--control"),
    (["--control", "/" + "x" * 200], "at most 107 octets"),
    (["--state-dir"], "needs an argument"),
])
def test_bad_options(binary, argv, needle):
    p = run([binary] + argv)
    assert p.returncode == 2, p.stderr
    assert needle in p.stderr and "usage:" in p.stderr


@pytest.mark.parametrize("text,needle", [
    ("server:\n  metrics: 127.0.0.1\n", "server.metrics"),
    ("server:\n  control: \"\"\n", "server.control"),
    ("server:\n  state-dir: [ a ]\n", "server.state-dir"),
])
def test_bad_keys(binary, tmp_path, text, needle):
    cf = write(tmp_path / "auth.yaml", text)
    p = run([binary, "--check-config", "-c", cf])
    assert p.returncode == 1
    assert "auth.yaml:2:" in p.stderr and needle in p.stderr


def test_metrics_unbindable(binary, tmp_path):
    ex = write(tmp_path / "ex.zone", ZONE.format(serial=1))
    p = run([binary, "--listen", "127.5.200.6@53", "--zone",
             "example.com.:" + ex, "--state-dir", str(tmp_path),
             "--metrics", "192.0.2.1@9153"])
    assert p.returncode == 1
    assert "metrics 192.0.2.1@9153" in p.stderr


class Daemon(ap.OnedotAuth):
    """onedot-auth serving example.com. with extra arguments."""

    def __init__(self, binary, addr, zonefile, workdir, extra):
        self.extra = list(extra)
        super().__init__(binary, addr, [("example.com.", zonefile)],
                         workdir=str(workdir))

    def argv(self):
        return super().argv() + self.extra
