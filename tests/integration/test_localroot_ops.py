# SPDX-License-Identifier: MIT
"""The local root as an operator meets it (docs/localroot.md): the
`localroot:` configuration key and --localroot (errors with FILE:LINE,
exit status 2 for a bad option, dnssec: false refused), onedotctl
localroot status|refresh|disable|enable and the localroot object of
status, the onedot_localroot_* metrics, NOTIFY to the resolver, and a
reload that reports the localroot keys as needing a restart. Copies,
their verification and answers from them are test_localroot.py's.

Each daemon validates with the built-in root keys; its root hints point
where nothing answers, and its local root sources give nothing: a file
that does not exist and a primary where nothing listens.

Addresses (port 53): onedot on 127.33.0.10 (local root, metrics on port
9153), 127.33.0.11 (no local root, metrics on port 9154) and
127.33.0.12 (reload); the root hints name 127.33.0.250 and the AXFR
source is 127.33.0.77, where nothing answers; NOTIFY is sent from
127.33.0.5 (not a source) and from 127.33.0.77 (the source).
"""

import json
import os
import time

import dns.flags
import dns.message
import dns.opcode
import dns.query
import dns.rcode
import pytest

import onedot_daemon as od
import test_metrics as tm
import test_onedotctl as toc
from onedot_daemon import run, write

LR = "127.33.0.10"
PLAIN = "127.33.0.11"
RELOAD = "127.33.0.12"
LR_PORT = 9153
PLAIN_PORT = 9154
PRIMARY = "127.33.0.77"
STRANGER = "127.33.0.5"

SILENT_HINTS = """.                    3600000 NS a.root-servers.test.
a.root-servers.test. 3600000 A  127.33.0.250
"""

NOT_CONFIGURED = "local root is not configured"
REASONS = ("fetch", "parse", "zonemd", "anchor", "signature", "expired",
           "older", "store")
STATES = ("none", "fresh", "stale", "expired")
WAIT = 30.0  # seconds for the loader's first attempts


@pytest.fixture(scope="module")
def binary():
    return od.find_binary()


def check(binary, *args):
    return run([binary, "--check-config"] + list(args))


def poll(fn, what):
    """fn() until it returns something true (then that), failing the
    test after WAIT seconds."""
    deadline = time.monotonic() + WAIT
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() > deadline:
            pytest.fail("timed out waiting for " + what)
        time.sleep(0.1)


# Configuration ------------------------------------------------------------

# (file text, line, what the message must say)
CONF_ERRORS = [
    ("localroot: bogus:x\n", 1,
     "'bogus:x' is not a source: expected axfr://ADDR[@PORT], "
     "http://URL, https://URL or file:PATH"),
    ("localroot:\n  sources:\n    - file:/x\n    - axfr://300.1.2.3\n", 4,
     "'300.1.2.3' is not an IPv4 or IPv6 address"),
    ("localroot: [ \"axfr://192.0.2.1@99999\" ]\n", 1,
     "bad port '99999'"),
    ("dnssec: false\nlocalroot: file:/x\n", 2,
     "localroot needs dnssec: true: the copy is verified against the "
     "trust anchors"),
    ("localroot:\n  sources: [ file:/x ]\n  refresh: 10x\n", 3,
     "localroot.refresh"),
    ("localroot:\n  sources: [ file:/x ]\n  expire-margin: 400d\n", 3,
     "localroot.expire-margin: '400d' is out of range"),
    ("localroot:\n  sources: [ file:/x ]\n  ixfr: maybe\n", 3,
     "localroot.ixfr: expected true or false"),
    ("localroot:\n  sources: [ file:/x ]\n  bogus: 1\n", 3,
     "localroot: unknown key 'bogus'"),
    ("localroot:\n  refresh: 30m\n", 2, "sources is required"),
    ("localroot:\n  sources: [ file:/x ]\n  tsig: { name: k, "
     "algorithm: hmac-nope, secret: \"Wm9uZQ==\" }\n", 3,
     "localroot.tsig"),
]


@pytest.mark.parametrize("text,line,what", CONF_ERRORS)
def test_config_errors(binary, tmp_path, text, line, what):
    conf = write(tmp_path / "onedot.yaml", text)
    p = check(binary, "-c", conf, "--state-dir", str(tmp_path / "s"))
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert p.stdout == ""
    assert "%s:%d:" % (conf, line) in p.stderr, p.stderr
    assert what in p.stderr, p.stderr
    assert len(p.stderr.strip().splitlines()) == 1, p.stderr


def test_config_accepted(binary, tmp_path):
    conf = write(tmp_path / "onedot.yaml",
                 "localroot:\n"
                 "  sources:\n"
                 "    - axfr://192.0.2.53\n"
                 "    - \"axfr://[2001:db8::53]@5353\"\n"
                 "    - https://www.internic.net/domain/root.zone\n"
                 "  refresh: 30m\n  expire-margin: 2h\n  ixfr: false\n"
                 "  require-zonemd: false\n"
                 "  state: %s\n"
                 "  tsig: { name: xfr-key, secret: \"Wm9uZSB0cmFuc2Zlcgo=\" }\n"
                 % (tmp_path / "lr.zone"))
    p = check(binary, "-c", conf, "--state-dir", str(tmp_path / "s"))
    assert p.returncode == 0, p.stderr
    assert "local root from 3 sources" in p.stdout, p.stdout
    # --localroot adds to the file's sources; a check reads no source.
    p = check(binary, "-c", conf, "--state-dir", str(tmp_path / "s"),
              "--localroot", "file:" + str(tmp_path / "missing.zone"))
    assert p.returncode == 0, p.stderr
    assert "local root from 4 sources" in p.stdout, p.stdout
    assert not os.path.exists(tmp_path / "lr.zone")
    # The short forms.
    for text in ("localroot: file:/x\n",
                 "localroot: [ file:/x, \"axfr://[::1]\" ]\n"):
        conf = write(tmp_path / "short.yaml", text)
        p = check(binary, "-c", conf, "--state-dir", str(tmp_path / "s"))
        assert p.returncode == 0, (text, p.stderr)
        assert "local root from" in p.stdout
    # Without the key there is no local root.
    p = check(binary, "--state-dir", str(tmp_path / "s"))
    assert p.returncode == 0, p.stderr
    assert "local root" not in p.stdout


@pytest.mark.parametrize("source,what", [
    ("bogus", "--localroot 'bogus' is not a source"),
    ("axfr://192.0.2.1@0", "--localroot 'axfr://192.0.2.1@0': bad port"),
    ("axfr://example.com", "is not an IPv4 or IPv6 address"),
    ("file:", "expected a file path after file:"),
    ("https://", "expected a host in the URL"),
])
def test_bad_option(binary, tmp_path, source, what):
    p = check(binary, "--state-dir", str(tmp_path / "s"), "--localroot",
              source)
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert what in p.stderr, p.stderr
    assert "usage: onedot" in p.stderr


def test_option_needs_validation(binary, tmp_path):
    p = check(binary, "--no-dnssec", "--localroot", "file:/x")
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert "localroot needs dnssec: true" in p.stderr, p.stderr
    conf = write(tmp_path / "c.yaml", "localroot: file:/x\n")
    p = check(binary, "-c", conf, "--no-dnssec")
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert "localroot needs dnssec: true" in p.stderr, p.stderr


# A running resolver ---------------------------------------------------------

class Daemon(toc.Daemon):
    def __init__(self, proc, state, port):
        super().__init__(proc, state)
        self.addr = proc.addr
        self.port = port

    def status(self):
        return self.js("localroot", "status")

    def scrape(self):
        return tm.Scrape(self.addr, self.port)


def start(binary, addr, work, extra, port=None):
    state = os.path.join(str(work), "state")  # made by the trust store
    hints = write(os.path.join(str(work), "hints"), SILENT_HINTS)
    args = ["--state-dir", state] + list(extra)
    if port:
        args += ["--metrics", "%s@%d" % (addr, port)]
    proc = od.Onedot(binary, addr, work, hints, args).start()
    return Daemon(proc, state, port)


@pytest.fixture(scope="module")
def lr(binary, tmp_path_factory):
    work = tmp_path_factory.mktemp("lr")
    missing = os.path.join(str(work), "no-such-root.zone")
    d = start(binary, LR, work,
              ["--localroot", "axfr://" + PRIMARY,
               "--localroot", "file:" + missing], LR_PORT)
    d.missing = missing
    yield d
    assert d.proc.stop() == 0


@pytest.fixture(scope="module")
def plain(binary, tmp_path_factory):
    d = start(binary, PLAIN, tmp_path_factory.mktemp("plain"), [],
              PLAIN_PORT)
    yield d
    assert d.proc.stop() == 0


def failed_fetch(d, more_than=0):
    st = d.status()
    return st if st["failures"]["fetch"] > more_than else None


def test_status_without_a_copy(lr):
    st = poll(lambda: failed_fetch(lr), "a failed fetch")
    assert st["state"] == "none"
    assert st["disabled"] is False
    assert st["serial"] is None
    assert st["source"] is None
    assert st["records"] == 0
    assert st["refreshed"] is None and st["age"] is None
    assert st["expires"] is None and st["expires_in"] is None
    assert isinstance(st["last_attempt"], int) and st["last_attempt"] > 0
    assert isinstance(st["next_refresh"], int)
    assert st["next_refresh"] >= st["last_attempt"]
    # Both sources failed; the last one tried (the file) says why.
    assert st["failures"]["fetch"] >= 2
    assert sorted(st["failures"]) == sorted(REASONS)
    assert all(st["failures"][r] == 0 for r in REASONS if r != "fetch")
    assert st["last_reason"] == "fetch"
    assert st["last_error"] and lr.missing in st["last_error"], st
    assert st["refreshes"] == 0 and st["loads"] == 0
    assert st["answers"] == 0 and st["notifies"] == 0
    for k in ("verify_seconds", "sig_expires"):
        assert k in st
    # Each source's failure is in the log.
    log = lr.proc.log()
    for src in ("axfr://" + PRIMARY, "file:" + lr.missing):
        assert any('msg="localroot refresh failed"' in line and
                   'source="%s"' % src in line and "reason=fetch" in line
                   for line in log.splitlines()), log
    # status has a short form.
    s = lr.js("status")
    assert s["localroot"] == {"state": "none", "disabled": False,
                              "serial": None}


def test_metrics_without_a_copy(lr):
    poll(lambda: failed_fetch(lr), "a failed fetch")
    m = lr.scrape()
    for name, typ in (("onedot_localroot_state", "gauge"),
                      ("onedot_localroot_disabled", "gauge"),
                      ("onedot_localroot_serial", "gauge"),
                      ("onedot_localroot_expiry_seconds", "gauge"),
                      ("onedot_localroot_last_error", "gauge"),
                      ("onedot_localroot_failures_total", "counter"),
                      ("onedot_localroot_refreshes_total", "counter"),
                      ("onedot_localroot_loads_total", "counter"),
                      ("onedot_localroot_answers_total", "counter"),
                      ("onedot_localroot_notifies_total", "counter"),
                      ("onedot_localroot_records", "gauge"),
                      ("onedot_localroot_verify_seconds", "gauge")):
        assert m.types.get(name) == typ, name
    state = m.series("onedot_localroot_state")
    assert state == {frozenset({("state", s)}): (1.0 if s == "none" else 0.0)
                     for s in STATES}
    assert m.samples[("onedot_localroot_disabled", frozenset())] == 0
    assert m.samples[("onedot_localroot_serial", frozenset())] == 0
    assert m.samples[("onedot_localroot_expiry_seconds", frozenset())] == 0
    assert m.samples[("onedot_localroot_records", frozenset())] == 0
    # Never refreshed: no age.
    assert not m.has("onedot_localroot_age_seconds")
    fails = m.series("onedot_localroot_failures_total")
    assert {dict(k)["reason"] for k in fails} == set(REASONS)
    assert m.get("onedot_localroot_failures_total", reason="fetch") >= 2
    assert m.series("onedot_localroot_last_error") == {
        frozenset({("reason", "fetch")}): 1.0}
    assert m.get("onedot_localroot_loads_total") == 0


def test_disable_enable(lr):
    assert lr.js("localroot", "disable")["disabled"] is True
    assert lr.status()["disabled"] is True
    assert lr.js("status")["localroot"]["disabled"] is True
    m = lr.scrape()
    assert m.samples[("onedot_localroot_disabled", frozenset())] == 1
    # Twice is fine.
    assert lr.js("localroot", "disable")["disabled"] is True
    assert lr.js("localroot", "enable")["disabled"] is False
    assert lr.status()["disabled"] is False
    m = lr.scrape()
    assert m.samples[("onedot_localroot_disabled", frozenset())] == 0
    # Human output.
    p = lr.ctl("localroot", "disable")
    assert p.returncode == 0 and "disabled: true" in p.stdout, p.stdout
    p = lr.ctl("localroot", "enable")
    assert p.returncode == 0 and "disabled: false" in p.stdout, p.stdout


def test_refresh(lr):
    before = poll(lambda: failed_fetch(lr), "a failed fetch")
    n = before["failures"]["fetch"]
    d = lr.js("localroot", "refresh")
    assert d["refresh"] == "started"
    # Asynchronous: both sources are tried again.
    st = poll(lambda: failed_fetch(lr, n + 1), "the refresh")
    assert st["state"] == "none"


def test_bad_commands(lr):
    for args in (("localroot",), ("localroot", "flush"),
                 ("localroot", "status", "now")):
        p = lr.ctl(*args, json_out=True)
        assert p.returncode == 1, (args, p.stdout)
        d = json.loads(p.stdout)
        assert d["ok"] is False
        assert "localroot status | localroot refresh" in d["error"], d


def notify(source, name=".", qtype="SOA"):
    q = dns.message.make_query(name, qtype)
    q.set_opcode(dns.opcode.NOTIFY)
    q.flags &= ~dns.flags.RD
    q.flags |= dns.flags.AA
    return dns.query.udp(q, LR, timeout=5, source=source)


def test_notify(lr):
    before = lr.status()["notifies"]
    r = notify(STRANGER)
    assert r.opcode() == dns.opcode.NOTIFY
    assert r.rcode() == dns.rcode.REFUSED
    assert lr.status()["notifies"] == before
    # From the AXFR source's address: acknowledged, counted, and a
    # refresh starts (the source still fails).
    n = lr.status()["failures"]["fetch"]
    r = notify(PRIMARY)
    assert r.opcode() == dns.opcode.NOTIFY
    assert r.rcode() == dns.rcode.NOERROR
    assert r.flags & dns.flags.AA
    assert r.question[0].name == dns.name.root
    assert lr.status()["notifies"] == before + 1
    poll(lambda: failed_fetch(lr, n + 1), "the refresh NOTIFY started")
    m = lr.scrape()
    assert m.get("onedot_localroot_notifies_total") == before + 1


def test_without_local_root(plain):
    for sub in ("status", "refresh", "disable", "enable"):
        p = plain.ctl("localroot", sub, json_out=True)
        assert p.returncode == 1, (sub, p.stdout)
        assert json.loads(p.stdout) == {"ok": False, "error": NOT_CONFIGURED}
        p = plain.ctl("localroot", sub)
        assert p.returncode == 1
        assert NOT_CONFIGURED in p.stderr, p.stderr
    assert plain.js("status")["localroot"] is None
    m = plain.scrape()
    assert not any(k[0].startswith("onedot_localroot_") for k in m.samples)
    assert not any(t.startswith("onedot_localroot_") for t in m.types)
    # NOTIFY is not for a resolver without a local root.
    q = dns.message.make_query(".", "SOA")
    q.set_opcode(dns.opcode.NOTIFY)
    r = dns.query.udp(q, PLAIN, timeout=5, source=STRANGER)
    assert r.rcode() == dns.rcode.NOTIMP


# Reload ---------------------------------------------------------------------

def test_reload_needs_restart(binary, tmp_path):
    conf = str(tmp_path / "onedot.yaml")
    a = "file:" + str(tmp_path / "a.zone")
    b = "file:" + str(tmp_path / "b.zone")
    write(conf, "localroot:\n  sources: [ \"%s\" ]\n" % a)
    d = start(binary, RELOAD, tmp_path, ["-c", conf])
    try:
        assert d.status()["state"] == "none"
        r = d.js("reload")
        assert "localroot" not in r["restart"], r
        assert "localroot" not in r["changed"], r
        for text in ("localroot:\n  sources: [ \"%s\" ]\n" % b,
                     "localroot:\n  sources: [ \"%s\" ]\n  refresh: 1h\n" % a,
                     "localroot:\n  sources: [ \"%s\", \"%s\" ]\n" % (a, b),
                     "workers: 2\n"):
            write(conf, text)
            r = d.js("reload")
            assert "localroot" in r["restart"], (text, r)
            assert "localroot" not in r["changed"], (text, r)
        log = d.proc.log()
        assert "key=localroot" in log, log
        # The running local root is the one of the start.
        poll(lambda: a[5:] in (d.status()["last_error"] or ""),
             "the start's source to be tried")
        write(conf, "localroot:\n  sources: [ \"%s\" ]\n" % a)
        r = d.js("reload")
        assert "localroot" not in r["restart"], r
    finally:
        assert d.proc.stop() == 0
