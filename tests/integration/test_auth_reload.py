# SPDX-License-Identifier: MIT
"""onedot-auth's reload of the configuration (onedotctl reload, SIGHUP):
zones added and removed, a zone read from a new file, allow-transfer,
listeners added and removed, settings that need a restart, a bad
configuration refused with the running one untouched, and queries over
UDP and TCP all answered while reloads go on.

Addresses (port 53): 127.5.210.1-30, one or two per test.
"""

import json
import os
import signal
import socket
import threading
import time

import dns.exception
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

import auth_peers as ap
from onedot_daemon import run, write
from test_auth_ops import Auth, binary, tool  # noqa: F401 (a fixture)

WAIT = 10.0  # seconds for a SIGHUP reload to show
LOAD_SECONDS = 3.0

ZONE = """$ORIGIN {origin}
$TTL 3600
@    SOA ns1 hostmaster {serial} 7200 3600 1209600 300
@    NS  ns1
ns1  A   127.0.0.1
www  A   192.0.2.{serial}
"""


class Setup:
    """A work directory with zone files a.test. (serial 1), a2 (a.test.
    serial 2), b.test., c.test.; a state directory; a config writer."""

    def __init__(self, binary, work, addr):
        self.binary = binary
        self.work = str(work)
        self.addr = addr
        self.state = os.path.join(self.work, "state")
        os.makedirs(self.state, 0o700)
        self.sock = os.path.join(self.state, "control.sock")
        self.conf = os.path.join(self.work, "auth.yaml")
        self.files = {}
        for name, origin, serial in (("a", "a.test.", 1),
                                     ("a2", "a.test.", 2),
                                     ("b", "b.test.", 3),
                                     ("c", "c.test.", 4)):
            self.files[name] = write(
                os.path.join(self.work, name + ".zone"),
                ZONE.format(origin=origin, serial=serial))
        self.srv = None

    def write_conf(self, zones, listen=None, extra_server="",
                   workers=2):
        """zones: list of (origin, file key, allow-transfer list)."""
        listen = listen or [self.addr]
        text = "server:\n  listen: [ %s ]\n  workers: %d\n" \
               "  state-dir: %s\n%s" % (
                   ", ".join('"%s@53"' % a for a in listen), workers,
                   self.state, extra_server)
        text += "zones:\n"
        for origin, key, allow in zones:
            text += "  - origin: %s\n    file: %s\n" % (
                origin, self.files.get(key, key))
            if allow is not None:
                text += "    allow-transfer: [ %s ]\n" % ", ".join(
                    '"%s"' % a for a in allow)
        write(self.conf, text)

    def start(self, probe_zone="a.test."):
        self.srv = Auth(self.binary, self.addr,
                        [(probe_zone, "")], self.work, self.conf).start()
        return self

    def ctl(self, *args):
        return run([tool("onedotctl"), "-s", self.sock, "--json"]
                   + list(args), timeout=60)

    def reload_ok(self):
        p = self.ctl("reload")
        assert p.returncode == 0, p.stderr + p.stdout
        d = json.loads(p.stdout)
        assert d["ok"] is True
        return d

    def reload_fails(self):
        p = self.ctl("reload")
        assert p.returncode == 1, p.stdout
        d = json.loads(p.stdout)
        assert d["ok"] is False
        assert d["error"].startswith("reload failed: "), d["error"]
        return d["error"]

    def stop(self):
        if self.srv:
            self.srv.stop()


@pytest.fixture
def mk(binary, tmp_path):
    made = []

    def make(addr):
        s = Setup(binary, tmp_path / ("w%d" % len(made)), addr)
        made.append(s)
        return s
    yield make
    for s in made:
        s.stop()


def rcode(addr, name, qtype="SOA", tcp=False):
    return ap.query(addr, name, qtype, tcp=tcp).rcode()


def serial(addr, name):
    r = ap.query(addr, name, "SOA")
    assert r.rcode() == dns.rcode.NOERROR
    return r.answer[0][0].serial


def axfr_rcode(addr, name):
    """The RCODE of an AXFR over TCP (NOERROR with records, or the
    error)."""
    q = dns.message.make_query(name, "AXFR")
    r = dns.query.tcp(q, addr, timeout=5)
    if r.rcode() == dns.rcode.NOERROR:
        assert r.answer and r.answer[0].rdtype == dns.rdatatype.SOA
    return r.rcode()


def udp_silent(addr, name):
    """True when nothing answers a UDP query at addr (two tries)."""
    for _ in range(2):
        try:
            ap.query(addr, name, "SOA", timeout=0.5)
            return False
        except (dns.exception.Timeout, OSError):
            pass
    return True


def tcp_refused(addr):
    try:
        socket.create_connection((addr, 53), timeout=2).close()
        return False
    except (ConnectionRefusedError, socket.timeout, OSError):
        return True


# zones ------------------------------------------------------------------

def test_zone_added_removed_and_moved(mk):
    s = mk("127.5.210.1")
    s.write_conf([("a.test.", "a", None), ("b.test.", "b", None)])
    s.start()
    assert rcode(s.addr, "c.test.") == dns.rcode.REFUSED
    ap.query(s.addr, "www.b.test.", "A")

    # Add c.test.
    s.write_conf([("a.test.", "a", None), ("b.test.", "b", None),
                  ("c.test.", "c", None)])
    d = s.reload_ok()
    assert d["zones_added"] == ["c.test."]
    assert d["zones_removed"] == []
    assert "zones" in d["changed"]
    assert d["restart"] == []
    assert serial(s.addr, "c.test.") == 4
    r = ap.query(s.addr, "www.c.test.", "A", tcp=True)
    assert r.rcode() == dns.rcode.NOERROR
    assert r.answer[0][0].address == "192.0.2.4"

    # Remove b.test. (by SIGHUP) and read a.test. from another file.
    b_queries = json.loads(s.ctl("zone", "status", "b.test.").stdout)[
        "queries"]
    assert b_queries >= 1
    s.write_conf([("c.test.", "c", None), ("a.test.", "a2", None)])
    s.srv.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + WAIT
    while (rcode(s.addr, "b.test.") != dns.rcode.REFUSED
           and time.monotonic() < deadline):
        time.sleep(0.1)
    assert rcode(s.addr, "b.test.") == dns.rcode.REFUSED
    assert rcode(s.addr, "www.b.test.", "A", tcp=True) == \
        dns.rcode.REFUSED
    assert serial(s.addr, "a.test.") == 2
    assert serial(s.addr, "c.test.") == 4

    # The zone list and the per-zone counters follow the configuration.
    zl = json.loads(s.ctl("zone", "list").stdout)["zones"]
    assert [z["name"] for z in zl] == ["c.test.", "a.test."]
    assert zl[1]["file"] == s.files["a2"]
    p = s.ctl("zone", "status", "b.test.")
    assert p.returncode == 1 and "no zone b.test. is configured" in \
        json.loads(p.stdout)["error"]
    c = json.loads(s.ctl("zone", "status", "c.test.").stdout)
    assert c["queries"] >= 2  # counted before and after the reload
    st = json.loads(s.ctl("status").stdout)
    assert st["zones"] == 2 and st["zones_configured"] == 2
    assert st["reloads"]["ok"] == 2 and st["reloads"]["failed"] == 0


def test_allow_transfer_change(mk):
    s = mk("127.5.210.3")
    s.write_conf([("a.test.", "a", [])])
    s.start()
    assert axfr_rcode(s.addr, "a.test.") == dns.rcode.REFUSED
    s.write_conf([("a.test.", "a", ["127.0.0.0/8"])])
    d = s.reload_ok()
    assert d["changed"] == ["zones"]
    assert axfr_rcode(s.addr, "a.test.") == dns.rcode.NOERROR
    st = json.loads(s.ctl("zone", "status", "a.test.").stdout)
    assert st["allow_transfer"] == ["127.0.0.0/8"]
    s.write_conf([("a.test.", "a", ["10.0.0.0/8"])])
    s.reload_ok()
    assert axfr_rcode(s.addr, "a.test.") == dns.rcode.REFUSED


def test_totals_keep_removed_zones(mk):
    """stats' transfer totals count a zone removed by a reload: they
    never go down."""
    s = mk("127.5.210.9")
    s.write_conf([("a.test.", "a", None), ("b.test.", "b", ["127.0.0.0/8"])])
    s.start()
    assert axfr_rcode(s.addr, "b.test.") == dns.rcode.NOERROR
    before = json.loads(s.ctl("stats").stdout)["transfers_out"]
    assert before["axfr"] == 1, before
    s.write_conf([("a.test.", "a", None)])
    assert s.reload_ok()["zones_removed"] == ["b.test."]
    after = json.loads(s.ctl("stats").stdout)["transfers_out"]
    assert after == before, (before, after)


# listeners --------------------------------------------------------------

def test_listener_added_and_removed(mk):
    first, second = "127.5.210.5", "127.5.210.6"
    s = mk(first)
    s.write_conf([("a.test.", "a", None)], listen=[first])
    s.start()
    assert udp_silent(second, "a.test.")
    s.write_conf([("a.test.", "a", None)], listen=[second])
    d = s.reload_ok()
    assert d["changed"] == ["server.listen"]
    assert rcode(second, "a.test.") == dns.rcode.NOERROR
    assert rcode(second, "a.test.", tcp=True) == dns.rcode.NOERROR
    assert udp_silent(first, "a.test.")
    assert tcp_refused(first)
    # Both, then back to the first alone.
    s.write_conf([("a.test.", "a", None)], listen=[first, second])
    s.reload_ok()
    assert rcode(first, "a.test.") == dns.rcode.NOERROR
    assert rcode(second, "a.test.") == dns.rcode.NOERROR
    s.write_conf([("a.test.", "a", None)], listen=[first])
    s.reload_ok()
    assert rcode(first, "a.test.", tcp=True) == dns.rcode.NOERROR
    assert udp_silent(second, "a.test.")


# refused configurations -------------------------------------------------

def test_bad_config_keeps_running_one(mk):
    s = mk("127.5.210.8")
    good = [("a.test.", "a", None)]
    s.write_conf(good)
    s.start()

    def still_running():
        assert serial(s.addr, "a.test.") == 1
        assert rcode(s.addr, "c.test.") == dns.rcode.REFUSED
        assert rcode(s.addr, "a.test.", tcp=True) == dns.rcode.NOERROR
        zl = json.loads(s.ctl("zone", "list").stdout)["zones"]
        assert [z["name"] for z in zl] == ["a.test."]

    # YAML syntax.
    write(s.conf, "server:\n  listen: [ \"%s@53\"\nzones: x\n" % s.addr)
    err = s.reload_fails()
    assert s.conf + ":" in err
    still_running()
    # An unknown key, with another change that must not be applied.
    s.write_conf(good + [("c.test.", "c", None)],
                 extra_server="  bogus-key: 1\n")
    err = s.reload_fails()
    assert "%s:5:" % s.conf in err and "bogus-key" in err
    still_running()
    # A new zone whose file is missing (c.test. is fine but must not be
    # served either: nothing is half-applied).
    missing = os.path.join(s.work, "missing.zone")
    s.write_conf(good + [("c.test.", "c", None),
                         ("d.test.", missing, None)])
    err = s.reload_fails()
    assert "zone d.test." in err and missing in err
    still_running()
    # A listen address that cannot be bound (not on this machine).
    s.write_conf(good, listen=[s.addr, "192.0.2.1"])
    err = s.reload_fails()
    assert "192.0.2.1@53" in err
    still_running()
    # The same by SIGHUP: logged, nothing changed.
    s.write_conf(good + [("c.test.", "c", None)],
                 extra_server="  bogus-key: 1\n")
    s.srv.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + WAIT
    while (s.srv.log().count("reload failed") < 5
           and time.monotonic() < deadline):
        time.sleep(0.1)
    assert s.srv.log().count("reload failed") >= 5
    still_running()
    st = json.loads(s.ctl("status").stdout)
    assert st["reloads"]["failed"] == 5 and st["reloads"]["ok"] == 0
    # And a good one goes through afterwards.
    s.write_conf(good + [("c.test.", "c", None)])
    s.reload_ok()
    assert serial(s.addr, "c.test.") == 4


def test_restart_needed_settings(mk):
    s = mk("127.5.210.10")
    s.write_conf([("a.test.", "a", None)])
    s.start()
    s.write_conf([("a.test.", "a", None)], workers=1,
                 extra_server="  tcp-idle-timeout: 3s\n"
                              "  udp-max-size: 1400\n")
    d = s.reload_ok()
    assert sorted(d["restart"]) == ["server.tcp-idle-timeout",
                                    "server.workers"]
    assert d["changed"] == ["server.udp-max-size"]
    assert json.loads(s.ctl("status").stdout)["workers"] == 2
    assert "needs a restart" in s.srv.log()
    assert rcode(s.addr, "a.test.") == dns.rcode.NOERROR
    # Rate limiting turned on, then off, without a restart.
    assert json.loads(s.ctl("status").stdout)["rrl"] is False
    s.write_conf([("a.test.", "a", None)], extra_server=(
        "  rrl:\n    enable: true\n    rate: 1000\n"))
    d = s.reload_ok()
    assert d["changed"] == ["server.udp-max-size", "server.rrl"]
    assert json.loads(s.ctl("status").stdout)["rrl"] is True
    assert json.loads(s.ctl("stats").stdout)["rrl"] == {
        "dropped": 0, "slipped": 0}
    s.write_conf([("a.test.", "a", None)])
    s.reload_ok()
    assert json.loads(s.ctl("status").stdout)["rrl"] is False
    assert rcode(s.addr, "a.test.") == dns.rcode.NOERROR


def test_broken_existing_zone_keeps_old_version(mk):
    s = mk("127.5.210.12")
    s.write_conf([("a.test.", "a", None)])
    s.start()
    good = open(s.files["a"]).read()
    write(s.files["a"], good + "bad A 192.0.2\n")
    s.write_conf([("a.test.", "a", None), ("c.test.", "c", None)])
    p = s.ctl("reload")
    assert p.returncode == 1
    err = json.loads(p.stdout)["error"]
    assert "zone a.test." in err and "serial 1 keeps serving" in err
    # The configuration applied; the broken zone keeps its version.
    assert serial(s.addr, "a.test.") == 1
    assert serial(s.addr, "c.test.") == 4


def test_command_line_zones_reload(binary, tmp_path):
    addr = "127.5.210.14"
    state = tmp_path / "state"
    os.mkdir(str(state), 0o700)
    zf = write(tmp_path / "a.zone", ZONE.format(origin="a.test.", serial=1))
    srv = ap.OnedotAuth(binary, addr, [("a.test.", zf)],
                        workdir=str(tmp_path))
    srv.argv_extra = ["--state-dir", str(state)]
    argv0 = srv.argv
    srv.argv = lambda: argv0() + srv.argv_extra
    srv.start()
    try:
        write(zf, ZONE.format(origin="a.test.", serial=5))
        p = run([tool("onedotctl"), "-s", str(state / "control.sock"),
                 "--json", "reload"], timeout=60)
        assert p.returncode == 0, p.stderr + p.stdout
        d = json.loads(p.stdout)
        assert d["changed"] == [] and d["restart"] == []
        assert d["zones"] == [{"name": "a.test.", "serial": 5}]
        assert serial(addr, "a.test.") == 5
    finally:
        srv.stop()


# load -------------------------------------------------------------------

def test_no_query_lost_across_reloads(mk):
    s = mk("127.5.210.16")
    confs = [
        [("a.test.", "a", None), ("b.test.", "b", None)],
        [("a.test.", "a", ["127.0.0.0/8"]), ("c.test.", "c", None)],
    ]
    s.write_conf(confs[0])
    s.start()
    stop = threading.Event()
    counts = {"udp": [0, 0, 0], "tcp": [0, 0, 0]}  # sent, answered, ok

    def client(tcp):
        c = counts["tcp" if tcp else "udp"]
        q = dns.message.make_query("www.a.test.", "A")
        while not stop.is_set():
            c[0] += 1
            try:
                if tcp:
                    r = dns.query.tcp(q, s.addr, timeout=5)
                else:
                    r = dns.query.udp(q, s.addr, timeout=5)
            except (dns.exception.Timeout, OSError):
                continue
            c[1] += 1
            c[2] += r.rcode() == dns.rcode.NOERROR and bool(r.answer)

    threads = [threading.Thread(target=client, args=(t,), daemon=True)
               for t in (False, True)]
    for t in threads:
        t.start()
    reloads = 0
    deadline = time.monotonic() + LOAD_SECONDS
    while time.monotonic() < deadline:
        reloads += 1
        s.write_conf(confs[reloads % 2])
        s.reload_ok()
    stop.set()
    for t in threads:
        t.join(timeout=15)
    assert not any(t.is_alive() for t in threads)
    assert reloads >= 2
    for tr in ("udp", "tcp"):
        sent, answered, ok = counts[tr]
        assert sent > 0
        assert answered == sent, (tr, counts)
        assert ok == sent, (tr, counts)
    st = json.loads(s.ctl("status").stdout)
    assert st["reloads"]["ok"] == reloads
    # The last configuration is the one in force.
    last = reloads % 2
    assert rcode(s.addr, "c.test.") == (
        dns.rcode.NOERROR if last == 1 else dns.rcode.REFUSED)
    assert rcode(s.addr, "b.test.") == (
        dns.rcode.REFUSED if last == 1 else dns.rcode.NOERROR)
