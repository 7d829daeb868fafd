# SPDX-License-Identifier: MIT
"""Cache persistence (docs/onedot.md, "Cache snapshot"): onedot writes its
cache to STATE_DIR/cache.snapshot at a clean stop and loads it at start,
and `onedotctl cache dump FILE` / `cache load FILE` use the same format.

- a restart with the hierarchy's servers stopped answers the names it
  had resolved from the loaded cache: the same data, AD, lower TTLs,
  every answer counted as a cache answer; the RFC 5011 state is the
  same before and after;
- a damaged snapshot and one of another format version are ignored
  with a warning: the daemon starts with an empty cache;
- cache dump, cache flush, cache load restore the answers; loading a bad
  file fails (exit 1, the path and the reason) and leaves the cache as
  it was; relative paths and missing directories are errors;
- a snapshot made with other root hints is refused (another setup);
- cache-snapshot: false writes and reads nothing, nor does
  trust-anchor-read-only; without a state directory the daemon warns
  and runs.

A small signed hierarchy made here (onedot-zone keygen/sign, served by
onedot-auth): the root on 127.13.80.1, snap. on 127.13.80.2. onedot on
127.13.80.10-19; nothing listens on 127.13.80.250.
"""

import json
import os
import stat
import time

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

import auth_peers as ap
import onedot_daemon as od
import signed_hierarchy as S
from onedot_daemon import run, write

ROOT = "127.13.80.1"
SNAP = "127.13.80.2"
SILENT = "127.13.80.250"
SNAPSHOT = "cache.snapshot"

ROOT_ZONE = """$ORIGIN .
$TTL 3600
@        SOA a.root. hostmaster.root. 1 3600 900 604800 300
@        NS  a.root.
a.root.  A   {root}
snap.    NS  ns1.snap.
ns1.snap. A  {snap}
{ds}
"""

SNAP_ZONE = """$ORIGIN snap.
$TTL 3600
@    SOA ns1 hostmaster 1 3600 900 604800 300
@    NS  ns1
ns1  A   {snap}
www  A   192.0.2.7
www  TXT "persist"
mail MX  10 www
"""

HINTS = """.       3600000 NS a.root.
a.root. 3600000 A  {addr}
"""

# (qname, qtype, rcode, answer data): what the tests resolve
QUESTIONS = [("www.snap.", "A", "NOERROR", ["192.0.2.7"]),
             ("www.snap.", "TXT", "NOERROR", ['"persist"']),
             ("mail.snap.", "MX", "NOERROR", ["10 www.snap."]),
             ("nx.snap.", "A", "NXDOMAIN", []),
             ("www.snap.", "AAAA", "NOERROR", [])]


def ctl_path():
    b = os.environ.get("ONEDOT_BUILD_DIR", "")
    path = os.path.join(b, "src", "tools", "onedotctl", "onedotctl")
    if not os.access(path, os.X_OK):
        pytest.fail("onedotctl is not built (ONEDOT_BUILD_DIR=%r)" % b)
    return path


class Hier:
    """The signed root and snap. zones on two onedot-auth servers."""

    def __init__(self, workdir):
        build = ap.build_dir()
        auth = ap.onedot_auth_path()
        oz = os.path.join(build or "", "src", "tools", "onedot-zone",
                          "onedot-zone")
        if auth is None or not os.access(oz, os.X_OK):
            pytest.fail("onedot-auth or onedot-zone is not built")
        d = str(workdir)
        snap_src = write(os.path.join(d, "snap.zone"),
                         SNAP_ZONE.format(snap=SNAP))
        snap_signed, snap_ksk = S.oz_sign(oz, snap_src, "snap.", d)
        root_src = write(os.path.join(d, "root.zone"),
                         ROOT_ZONE.format(root=ROOT, snap=SNAP,
                                          ds=S.ds_of_keyfile(snap_ksk)))
        root_signed, root_ksk = S.oz_sign(oz, root_src, ".", d)
        self.trust_anchor = write(os.path.join(d, "root.ds"),
                                  S.ds_of_keyfile(root_ksk) + "\n")
        self.hints = write(os.path.join(d, "root.hints"),
                           HINTS.format(addr=ROOT))
        self.silent_hints = write(os.path.join(d, "silent.hints"),
                                  HINTS.format(addr=SILENT))
        self.servers = [
            ap.OnedotAuth(auth, ROOT, [(".", root_signed)],
                          workdir=os.path.join(d, "root")),
            ap.OnedotAuth(auth, SNAP, [("snap.", snap_signed)],
                          workdir=os.path.join(d, "snap"))]

    def up(self):
        for s in self.servers:
            if s.proc is None or s.proc.poll() is not None:
                if not ap.port_free(s.addr):
                    pytest.fail("%s@53 is in use" % s.addr)
                s.start()

    def down(self):
        for s in self.servers:
            s.stop()


@pytest.fixture(scope="module")
def binary():
    return od.find_binary(with_auth=True)


@pytest.fixture(scope="module")
def hier(binary, tmp_path_factory):
    h = Hier(tmp_path_factory.mktemp("hier"))
    h.up()
    yield h
    h.down()


class Daemon:
    """onedot with a state directory, and onedotctl for it."""

    def __init__(self, binary, addr, work, hints, extra=()):
        self.state = os.path.join(str(work), "state")
        self.proc = od.Onedot(binary, addr, work, hints,
                              ["--state-dir", self.state] + list(extra))
        self.addr = addr

    def start(self):
        self.proc.start()
        return self

    def stop(self):
        assert self.proc.stop() == 0, self.proc.log()

    def log(self):
        return self.proc.log()

    def ctl(self, *args, json_out=False):
        argv = [ctl_path(), "--state-dir", self.state]
        if json_out:
            argv.append("--json")
        return run(argv + list(args))

    def js(self, *args):
        p = self.ctl(*args, json_out=True)
        assert p.returncode == 0, p.stderr + p.stdout
        d = json.loads(p.stdout)
        assert d["ok"] is True
        return d

    @property
    def snapshot(self):
        return os.path.join(self.state, SNAPSHOT)


def ask(addr, qname, qtype):
    q = dns.message.make_query(qname, qtype, want_dnssec=True,
                               use_edns=0, payload=1232)
    return dns.query.udp(q, addr, timeout=6)


def check(m, rcode, data, secure):
    """m answers with rcode and exactly data (rdata texts of the answer's
    RRset of the question's type); AD as secure says."""
    assert dns.rcode.to_text(m.rcode()) == rcode, m
    assert bool(m.flags & dns.flags.AD) == secure, m
    qtype = m.question[0].rdtype
    got = sorted(rd.to_text() for rs in m.answer if rs.rdtype == qtype
                 for rd in rs)
    assert got == sorted(data), m


def ttl_of(m):
    """TTL of the answer RRset, else of the SOA in the authority section."""
    qtype = m.question[0].rdtype
    for rs in m.answer:
        if rs.rdtype == qtype:
            return rs.ttl
    for rs in m.authority:
        if rs.rdtype == dns.rdatatype.SOA:
            return rs.ttl
    raise AssertionError("no TTL in %s" % m)


def keys(d):
    """The trust-anchors response as comparable rows."""
    return sorted((k["zone"], k["type"], k["tag"], k["algorithm"],
                   k["state"], k["revoked"], k["first_seen"])
                  for k in d["keys"])


# restart ----------------------------------------------------------------

def test_restart_answers_from_snapshot(binary, hier, tmp_path):
    hier.up()
    extra = ["--trust-anchor", hier.trust_anchor]
    d = Daemon(binary, "127.13.80.10", tmp_path, hier.hints, extra).start()
    try:
        first = {}
        for q, t, rcode, data in QUESTIONS:
            m = ask(d.addr, q, t)
            check(m, rcode, data, secure=True)
            first[(q, t)] = ttl_of(m)
        ta_before = keys(d.js("trust-anchors"))
        assert ta_before, "no trust anchor keys"
    finally:
        d.stop()
    log = d.log()
    assert 'msg="cache snapshot written"' in log, log
    assert os.path.exists(d.snapshot), log
    assert stat.S_IMODE(os.stat(d.snapshot).st_mode) == 0o600
    # nothing is left but the snapshot (the temporary file was renamed)
    assert not [f for f in os.listdir(d.state)
                if f.startswith(SNAPSHOT + ".")]
    state_file = os.path.join(d.state, "trust-anchors.state")
    with open(state_file) as f:
        state_text = f.read()

    # nobody answers any more
    hier.down()
    time.sleep(1.1)  # so that the remaining TTLs are visibly lower
    d = Daemon(binary, "127.13.80.10", tmp_path, hier.hints, extra).start()
    try:
        log = d.log()
        assert 'msg="cache snapshot loaded"' in log, log
        assert not [ln for ln in log.splitlines()
                    if "level=warn" in ln and "cache snapshot" in ln], log
        before = d.js("stats")["total"]
        for q, t, rcode, data in QUESTIONS:
            m = ask(d.addr, q, t)
            check(m, rcode, data, secure=True)
            ttl = ttl_of(m)
            assert 0 < ttl < first[(q, t)], (q, t, ttl, first[(q, t)])
        after = d.js("stats")
        n = len(QUESTIONS)
        assert after["total"]["queries"] - before["queries"] == n
        # every one of them was a cache answer: the first queries after
        # the restart are hits
        assert after["total"]["cache_answers"] - before["cache_answers"] \
            == n, after
        assert after["cache"]["entries"] > 0
        assert after["cache"]["hits"] + after["cache"]["neg_hits"] > 0
        # the RFC 5011 state is the one of before the restart
        assert keys(d.js("trust-anchors")) == ta_before
        with open(state_file) as f:
            assert [ln for ln in f.read().splitlines()
                    if not ln.startswith(";")] == \
                [ln for ln in state_text.splitlines()
                 if not ln.startswith(";")]
        # the loaded snapshot is consumed once the daemon runs
        assert not os.path.exists(d.snapshot)
    finally:
        d.stop()
        hier.up()
    # and written again at this stop
    assert 'msg="cache snapshot written"' in d.log()
    assert os.path.exists(d.snapshot)


# damaged and incompatible snapshots -------------------------------------

def _snapshot_of(binary, hier, work, addr):
    """A daemon without validation resolves www.snap. A and stops: its
    snapshot's bytes."""
    os.makedirs(os.path.join(str(work), "state"), 0o750, exist_ok=True)
    d = Daemon(binary, addr, work, hier.hints, ["--no-dnssec"]).start()
    try:
        check(ask(addr, "www.snap.", "A"), "NOERROR", ["192.0.2.7"], False)
    finally:
        d.stop()
    with open(d.snapshot, "rb") as f:
        return d, f.read()


@pytest.mark.parametrize("how,reason", [
    ("setup", "made with another setup"),
    ("flip", "checksum mismatch"),
    ("truncate", "truncated"),
    ("version", "version 77 is not supported"),
    ("junk", "not a cache snapshot")])
def test_bad_snapshot_ignored(binary, hier, tmp_path, how, reason):
    hier.up()
    d, good = _snapshot_of(binary, hier, tmp_path, "127.13.80.11")
    bad = bytearray(good)
    if how == "flip":
        bad[len(bad) // 2] ^= 0x20
    elif how == "truncate":
        bad = bad[:len(bad) - 9]
    elif how == "version":
        bad[8:10] = (77).to_bytes(2, "big")
    elif how == "junk":
        bad = bytearray(b"not a snapshot at all\n")
    with open(d.snapshot, "wb") as f:
        f.write(bytes(bad))
    # other root hints (a root that never answers) make another setup:
    # a good snapshot is refused for that alone ("setup")
    d = Daemon(binary, "127.13.80.11", tmp_path, hier.silent_hints,
               ["--no-dnssec"]).start()
    try:
        log = d.log()
        assert "level=warn" in log and 'msg="cache snapshot ignored"' \
            in log, log
        assert reason in log and d.snapshot in log, log
        assert d.js("stats")["cache"]["entries"] == 0
        m = ask(d.addr, "www.snap.", "A")
        assert m.rcode() == dns.rcode.SERVFAIL, m
        assert d.js("status")["workers"] == 2
    finally:
        d.stop()
    # the next clean stop replaces it with a good one
    with open(d.snapshot, "rb") as f:
        assert f.read()[:8] == b"ODRCACHE"


# cache dump / cache load ------------------------------------------------

def test_dump_flush_load(binary, hier, tmp_path):
    hier.up()
    d = Daemon(binary, "127.13.80.12", tmp_path, hier.hints,
               ["--trust-anchor", hier.trust_anchor]).start()
    dump = os.path.join(str(tmp_path), "dump.snap")
    try:
        for q, t, rcode, data in QUESTIONS:
            check(ask(d.addr, q, t), rcode, data, secure=True)
        r = d.js("cache", "dump", dump)
        assert r["path"] == dump and r["entries"] > 0 and r["skipped"] == 0
        assert r["bytes"] == os.path.getsize(dump)
        assert stat.S_IMODE(os.stat(dump).st_mode) == 0o600
        p = d.ctl("cache", "dump", dump)
        assert p.returncode == 0 and "entries:" in p.stdout, p.stderr
        entries = r["entries"]

        d.js("cache", "flush", ".", "--subtree")
        assert d.js("stats")["cache"]["entries"] == 0
        assert d.js("cache", "show", "www.snap.")["entries"] == []

        r = d.js("cache", "load", dump)
        assert r["loaded"] == entries and r["skipped"] == 0, r
        assert d.js("stats")["cache"]["entries"] == entries
        shown = d.js("cache", "show", "www.snap.")["entries"]
        assert sorted(e["type"] for e in shown if not e.get("negative")) \
            == ["A", "TXT"], shown
        # nobody answers: the answers come from what was loaded
        hier.down()
        before = d.js("stats")["total"]
        for q, t, rcode, data in QUESTIONS:
            check(ask(d.addr, q, t), rcode, data, secure=True)
        after = d.js("stats")["total"]
        assert after["cache_answers"] - before["cache_answers"] == \
            len(QUESTIONS)

        # bad files: exit 1, the path and the reason; the cache untouched
        junk = write(os.path.join(str(tmp_path), "junk"), "junk\n")
        damaged = os.path.join(str(tmp_path), "damaged.snap")
        with open(dump, "rb") as f:
            b = bytearray(f.read())
        b[-1] ^= 1
        with open(damaged, "wb") as f:
            f.write(bytes(b))
        missing = os.path.join(str(tmp_path), "missing.snap")
        for args, what in [
                (("cache", "load", junk), [junk, "not a cache snapshot"]),
                (("cache", "load", damaged), [damaged, "checksum"]),
                (("cache", "load", missing),
                 [missing, "No such file or directory"]),
                (("cache", "load", str(tmp_path)),
                 [str(tmp_path), "not a regular file"]),
                (("cache", "load", "dump.snap"), ["absolute path"]),
                (("cache", "dump", "rel/x"), ["absolute path"]),
                (("cache", "dump", os.path.join(missing, "x")),
                 [missing, "No such file or directory"]),
                (("cache", "load"), ["usage"]),
                (("cache", "dump", dump, "extra"), ["usage"])]:
            p = d.ctl(*args)
            assert p.returncode == 1, (args, p.stdout)
            for w in what:
                assert w in p.stderr, (args, p.stderr)
            j = d.ctl(*args, json_out=True)
            assert j.returncode == 1 and json.loads(j.stdout)["ok"] is False
        assert d.js("stats")["cache"]["entries"] == entries
        check(ask(d.addr, "www.snap.", "A"), "NOERROR", ["192.0.2.7"], True)
    finally:
        d.stop()
        hier.up()


# configuration ----------------------------------------------------------

def test_snapshot_off(binary, hier, tmp_path):
    hier.up()
    d, good = _snapshot_of(binary, hier, tmp_path, "127.13.80.13")
    conf = write(os.path.join(str(tmp_path), "off.yaml"),
                 "cache-snapshot: false\n")
    os.unlink(d.snapshot)
    d = Daemon(binary, "127.13.80.13", tmp_path, hier.hints,
               ["--no-dnssec", "-c", conf]).start()
    try:
        check(ask(d.addr, "www.snap.", "A"), "NOERROR", ["192.0.2.7"], False)
    finally:
        d.stop()
    assert "cache snapshot" not in d.log()
    assert not os.path.exists(d.snapshot)
    # an existing snapshot is not read either
    with open(d.snapshot, "wb") as f:
        f.write(good)
    d = Daemon(binary, "127.13.80.13", tmp_path, hier.silent_hints,
               ["--no-dnssec", "-c", conf]).start()
    try:
        assert d.js("stats")["cache"]["entries"] == 0
    finally:
        d.stop()
    with open(d.snapshot, "rb") as f:
        assert f.read() == good


def test_read_only_state_dir(binary, hier, tmp_path):
    """trust-anchor-read-only: the state directory is not written, so no
    snapshot either (and none is read)."""
    hier.up()
    conf = write(os.path.join(str(tmp_path), "ro.yaml"),
                 "trust-anchor-read-only: true\n")
    d = Daemon(binary, "127.13.80.16", tmp_path, hier.hints,
               ["--trust-anchor", hier.trust_anchor, "-c", conf]).start()
    try:
        assert 'msg="cache snapshot off" reason="trust-anchor-read-only' \
            in d.log(), d.log()
        check(ask(d.addr, "www.snap.", "A"), "NOERROR", ["192.0.2.7"], True)
    finally:
        d.stop()
    assert not os.path.exists(d.snapshot)


def test_no_state_dir_warns(binary, hier, tmp_path):
    """Without validation nobody makes the state directory: no snapshot,
    a warning at start and at stop, the daemon runs. Without validation
    and without a state directory given, the default one is not used."""
    hier.up()
    d = od.Onedot(binary, "127.13.80.15", tmp_path, hier.hints,
                  ["--no-dnssec"]).start()
    try:
        log = d.log()
        assert 'level=warn msg="cache snapshot off" reason="validation ' \
            'is off and no state directory is given"' in log, log
        check(ask(d.addr, "www.snap.", "A"), "NOERROR", ["192.0.2.7"], False)
    finally:
        assert d.stop() == 0
    assert "cache snapshot written" not in d.log()
    assert "cache snapshot not written" not in d.log()

    d = Daemon(binary, "127.13.80.14", tmp_path, hier.hints,
               ["--no-dnssec"]).start()
    try:
        log = d.log()
        assert 'level=warn msg="cache snapshot off"' in log, log
        assert d.state in log
        check(ask(d.addr, "www.snap.", "A"), "NOERROR", ["192.0.2.7"], False)
    finally:
        d.stop()
    log = d.log()
    assert 'msg="cache snapshot not written"' in log, log
    assert "No such file or directory" in log


def test_bad_config_value(binary, tmp_path):
    conf = write(os.path.join(str(tmp_path), "bad.yaml"),
                 "workers: 1\ncache-snapshot: maybe\n")
    p = run([binary, "--check-config", "-c", conf])
    assert p.returncode == 1, p.stdout
    assert "bad.yaml:2:" in p.stderr and "cache-snapshot" in p.stderr, \
        p.stderr
