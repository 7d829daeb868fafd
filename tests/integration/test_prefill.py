# SPDX-License-Identifier: MIT
"""onedot's prefill list (prefill: in the configuration, docs/onedot.md):
the listed names are in the cache after start without any client query,
stay there past their TTL (refreshed before they expire), their progress
shows in `onedotctl stats` and in the metrics, a failing name is counted
and retried, and a bad list is a startup error naming FILE:LINE. Also the
upstream round-trip histogram per server class (root, tld, other) and
the exchange timeouts per class (docs/metrics.md).

Addresses (port 53): a private hierarchy of onedot-auth servers on
127.13.111.1 (root), 127.13.111.2 (test.) and 127.13.111.3 (sub.test.);
127.13.111.250 is the only server of dead.test. and never answers (a
socket of this test that reads and drops); onedot on 127.13.110.1
(metrics on port 9361).
"""

import json
import os
import socket
import threading
import time
import urllib.request

import dns.message
import dns.query
import dns.rcode
import pytest

import auth_peers as ap
import onedot_daemon as od
import test_metrics as tm
from onedot_daemon import run, write

ONEDOT = "127.13.110.1"
METRICS_PORT = 9361
ROOT, TLD, SUB, SILENT = ("127.13.111.1", "127.13.111.2", "127.13.111.3",
                          "127.13.111.250")
TTL = 5  # of the short-lived names

ROOT_ZONE = """$ORIGIN .
$TTL 86400
.            SOA a.root-servers.test. hostmaster.test. 1 7200 3600 1209600 3600
.            NS  a.root-servers.test.
a.root-servers.test. A %s
test.        NS  ns.test.
ns.test.     A   %s
""" % (ROOT, TLD)

TEST_ZONE = """$ORIGIN test.
$TTL 3600
@        SOA ns hostmaster 1 7200 3600 1209600 300
@        NS  ns
ns       A   %s
fast   %d A    192.0.2.50
fast   %d AAAA 2001:db8::50
slow     A   192.0.2.51
sub      NS  ns.sub
ns.sub   A   %s
dead     NS  ns.dead
ns.dead  A   %s
""" % (TLD, TTL, TTL, SUB, SILENT)

SUB_ZONE = """$ORIGIN sub.test.
$TTL 3600
@        SOA ns hostmaster 1 7200 3600 1209600 300
@        NS  ns
ns       A   %s
deep   %d A  192.0.2.52
""" % (SUB, TTL)

HINTS = """.                    3600000 NS a.root-servers.test.
a.root-servers.test. 3600000 A  %s
""" % ROOT

PREFILL = """# popular names of the test hierarchy
fast.test            # A and AAAA (the default types)
slow.test.  A
Deep.Sub.Test a      # case does not matter

nope.test A          # NXDOMAIN: an answer too
www.dead.test A      # its only server never answers: fails
"""
NAMES = 6      # (name, type) pairs
GOOD = 5       # all but www.dead.test.
SHORT = [("fast.test.", "A"), ("fast.test.", "AAAA"),
         ("deep.sub.test.", "A")]


def ctl_path():
    b = os.environ.get("ONEDOT_BUILD_DIR", "")
    path = os.path.join(b, "src", "tools", "onedotctl", "onedotctl")
    if not os.access(path, os.X_OK):
        pytest.fail("onedotctl is not built (ONEDOT_BUILD_DIR=%r)" % b)
    return path


class Silent:
    """A UDP socket on addr@53 that reads queries and never answers (so
    the resolver's exchanges time out instead of being refused)."""

    def __init__(self, addr):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((addr, 53))
        self.sock.settimeout(0.2)
        self.stopping = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stopping:
            try:
                self.sock.recvfrom(4096)
            except OSError:
                pass

    def stop(self):
        self.stopping = True
        self.thread.join(timeout=5)
        self.sock.close()


class Hier:
    def __init__(self, workdir):
        auth = ap.onedot_auth_path()
        d = str(workdir)
        zones = [(".", ROOT, ROOT_ZONE), ("test.", TLD, TEST_ZONE),
                 ("sub.test.", SUB, SUB_ZONE)]
        self.servers = []
        for origin, addr, text in zones:
            path = write(os.path.join(d, "%s.zone" % (origin.strip(".")
                                                      or "root")), text)
            self.servers.append(ap.OnedotAuth(
                auth, addr, [(origin, path)],
                workdir=os.path.join(d, "srv-" + addr)))
        self.hints = write(os.path.join(d, "root.hints"), HINTS)
        self.silent = None

    def start(self):
        for s in self.servers:
            if not ap.port_free(s.addr):
                pytest.fail("%s@53 is in use" % s.addr)
        try:
            for s in self.servers:
                s.start()
            self.silent = Silent(SILENT)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        for s in self.servers:
            s.stop()
        if self.silent is not None:
            self.silent.stop()
            self.silent = None


class Daemon:
    def __init__(self, proc, state):
        self.proc = proc
        self.state = state

    def js(self, *args):
        p = run([ctl_path(), "--state-dir", self.state, "--json"]
                + list(args))
        assert p.returncode == 0, p.stderr + p.stdout
        d = json.loads(p.stdout)
        assert d["ok"] is True
        return d

    def stats(self):
        return self.js("stats")

    def metrics_text(self):
        url = "http://%s:%d/metrics" % (ONEDOT, METRICS_PORT)
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.read().decode()

    def metrics(self):
        """{series as written (name and labels): value}."""
        out = {}
        for line in self.metrics_text().splitlines():
            if line.startswith("#") or not line:
                continue
            key, _, val = line.rpartition(" ")
            out[key] = float(val)
        return out

    def wait(self, cond, timeout, what):
        """Polls stats until cond(stats) holds (bounded); returns them."""
        deadline = time.monotonic() + timeout
        while True:
            s = self.stats()
            if cond(s):
                return s
            if time.monotonic() > deadline:
                pytest.fail("%s: not within %ss; stats: %s\n--- log ---\n%s"
                            % (what, timeout, json.dumps(s["prefill"]),
                               self.proc.log()))
            time.sleep(0.2)


def ask(qname, qtype):
    q = dns.message.make_query(qname, qtype)
    return dns.query.udp(q, ONEDOT, timeout=5)


def addrs(msg):
    return sorted(rd.to_text() for rrset in msg.answer for rd in rrset)


@pytest.fixture(scope="module")
def binary():
    return od.find_binary(with_auth=True)


@pytest.fixture(scope="module")
def hier(binary, tmp_path_factory):
    h = Hier(tmp_path_factory.mktemp("hier")).start()
    yield h
    h.stop()


@pytest.fixture(scope="module")
def daemon(binary, hier, tmp_path_factory):
    work = str(tmp_path_factory.mktemp("prefill"))
    state = os.path.join(work, "state")
    os.mkdir(state, 0o750)
    lst = write(os.path.join(work, "popular.txt"), PREFILL)
    conf = write(os.path.join(work, "onedot.yaml"),
                 "prefill:\n  file: %s\n  concurrency: 2\n" % lst)
    # ready once it logs "started": no query of ours before the tests
    r = od.Onedot(binary, ONEDOT, work, hier.hints,
                  ["--no-dnssec", "-c", conf, "--state-dir", state,
                   "--metrics", "%s@%d" % (ONEDOT, METRICS_PORT)]).start()
    d = Daemon(r, state)
    yield d
    assert r.stop() == 0


def test_filled_at_start(daemon):
    s = daemon.wait(lambda s: s["prefill"]["resolved"] == GOOD
                    and s["prefill"]["failed"] >= 1, 30,
                    "every good name resolved, the dead one failed")
    p = s["prefill"]
    assert p["names"] == NAMES
    assert p["pending"] == NAMES - GOOD
    # no client query was made: the cache was filled by the resolver
    assert s["total"]["queries"] == 0
    assert "names=%d" % NAMES in daemon.proc.log()
    for name, types in (("fast.test.", {"A", "AAAA"}),
                        ("slow.test.", {"A"}),
                        ("deep.sub.test.", {"A"})):
        d = daemon.js("cache", "show", name)
        live = {e["type"] for e in d["entries"] if not e["negative"]}
        assert types <= live, (name, d)
    d = daemon.js("cache", "show", "nope.test.")
    assert any(e["negative"] for e in d["entries"]), d
    # the first client query is a cache hit
    m = ask("slow.test.", "A")
    assert addrs(m) == ["192.0.2.51"]
    s2 = daemon.stats()
    assert s2["total"]["queries"] == 1
    assert s2["total"]["cache_answers"] == 1


def test_refreshed_before_expiry(daemon):
    s = daemon.wait(lambda s: s["prefill"]["resolved"] == GOOD, 30,
                    "every good name resolved")
    t0 = time.monotonic()
    r0 = s["prefill"]["refreshed"]
    # more than a TTL later, and each short name refreshed at least once
    s = daemon.wait(lambda s: time.monotonic() - t0 > TTL + 1
                    and s["prefill"]["refreshed"] >= r0 + len(SHORT),
                    6 * TTL, "short-lived names refreshed")
    before = s["total"]["cache_answers"]
    up0 = daemon.metrics()["onedot_upstream_queries_total"]
    for name, qtype in SHORT:
        m = ask(name, qtype)
        assert m.rcode() == dns.rcode.NOERROR
        assert addrs(m) == {"fast.test.A": ["192.0.2.50"],
                            "fast.test.AAAA": ["2001:db8::50"],
                            "deep.sub.test.A": ["192.0.2.52"]}[name + qtype]
        assert all(0 < rr.ttl <= TTL for rr in m.answer)
    s = daemon.stats()
    # still in the cache: answered from it, no upstream query
    assert s["total"]["cache_answers"] == before + len(SHORT)
    assert daemon.metrics()["onedot_upstream_queries_total"] == up0


def test_metrics(daemon):
    daemon.wait(lambda s: s["prefill"]["resolved"] == GOOD
                and s["prefill"]["failed"] >= 1, 30, "prefill done")
    m = daemon.metrics()
    assert m["onedot_prefill_names"] == NAMES
    assert m["onedot_prefill_resolved_total"] == GOOD
    assert m["onedot_prefill_failed_total"] >= 1
    assert m["onedot_prefill_refreshes_total"] >= 0
    for cls in ("root", "tld", "other"):
        count = m['onedot_upstream_rtt_seconds_count{class="%s"}' % cls]
        inf = m['onedot_upstream_rtt_seconds_bucket{class="%s",le="+Inf"}'
                % cls]
        assert count >= 1, cls
        assert inf == count
        # cumulative buckets
        les = sorted((float(k.split('le="')[1].rstrip('"}')), v)
                     for k, v in m.items()
                     if k.startswith("onedot_upstream_rtt_seconds_bucket"
                                     '{class="%s",' % cls))
        vals = [v for _, v in les]
        assert vals == sorted(vals)
        assert m['onedot_upstream_rtt_seconds_sum{class="%s"}' % cls] > 0
    # dead.test.'s only server never answers: timeouts, class "other"
    assert m['onedot_upstream_exchange_timeouts_total{class="other"}'] >= 1
    for cls in ("root", "tld"):
        assert 'onedot_upstream_exchange_timeouts_total{class="%s"}' % cls \
            in m
    # the whole exposition passes the strict format check
    _, types = tm.parse(daemon.metrics_text())
    assert types["onedot_upstream_rtt_seconds"] == "histogram"
    assert types["onedot_upstream_exchange_timeouts_total"] == "counter"
    assert types["onedot_prefill_names"] == "gauge"
    for name in ("resolved", "failed", "refreshes"):
        assert types["onedot_prefill_%s_total" % name] == "counter"


def test_servers_gone(daemon, hier):
    """Last: the hierarchy is stopped. A listed name never asked by a
    client is answered from the cache."""
    daemon.wait(lambda s: s["prefill"]["resolved"] == GOOD, 30,
                "prefill done")
    hier.stop()
    before = daemon.stats()["total"]["cache_answers"]
    m = ask("nope.test.", "A")
    assert m.rcode() == dns.rcode.NXDOMAIN
    assert daemon.stats()["total"]["cache_answers"] == before + 1


# Bad lists and keys --------------------------------------------------------

def check(binary, tmp_path, conf_text, list_text=None):
    lst = os.path.join(str(tmp_path), "list.txt")
    if list_text is not None:
        write(lst, list_text)
    conf = write(os.path.join(str(tmp_path), "c.yaml"),
                 conf_text.replace("LIST", lst))
    return lst, conf, run([binary, "--check-config", "--no-dnssec", "-c",
                           conf])


@pytest.mark.parametrize("text,line,what", [
    ("www.test.\nwww.test. IN A\n", 2,
     "expected a name and an optional type, found more ('A')"),
    ("# x\n\nwww.test. NOPE\n", 3, "'NOPE' is not an RR type"),
    ("www.test. AXFR\n", 1, "'AXFR' cannot be prefilled"),
    ("ok.test.\nbad..test.\n", 2, "'bad..test.' is not a domain name"),
])
def test_bad_line(binary, tmp_path, text, line, what):
    lst, conf, p = check(binary, tmp_path, "prefill: LIST\n", text)
    assert p.returncode == 1, p.stdout + p.stderr
    assert "onedot: prefill: %s:%d: %s" % (lst, line, what) in p.stderr
    # starting fails the same way
    p = run([binary, "--no-dnssec", "-c", conf, "--listen",
             "%s@53" % ONEDOT])
    assert p.returncode == 1
    assert "%s:%d: %s" % (lst, line, what) in p.stderr


def test_good_list_checked(binary, tmp_path):
    _, _, p = check(binary, tmp_path,
                    "prefill:\n  file: LIST\n  types: [A]\n"
                    "  refresh: false\n", PREFILL)
    assert p.returncode == 0, p.stderr
    # fast.test. gets A only now
    assert "names=%d" % (NAMES - 1) in p.stderr


@pytest.mark.parametrize("conf_text,what", [
    ("prefill:\n  types: [A]\n", "prefill: file is required"),
    ("prefill:\n  file: LIST\n  types: [A, ANY]\n",
     "prefill.types[1]: 'ANY' cannot be prefilled"),
    ("prefill:\n  file: LIST\n  concurrency: 0\n", "prefill.concurrency"),
    ("prefill:\n  file: LIST\n  refrsh: true\n", "refrsh"),
    ("prefill: [LIST]\n", "expected a file name or a mapping"),
])
def test_bad_key(binary, tmp_path, conf_text, what):
    _, conf, p = check(binary, tmp_path, conf_text, "www.test.\n")
    assert p.returncode == 1, p.stdout + p.stderr
    assert conf in p.stderr and what in p.stderr, p.stderr


def test_missing_list(binary, tmp_path):
    lst, _, p = check(binary, tmp_path, "prefill: LIST\n")
    assert p.returncode == 1
    assert "%s: cannot read the prefill list: No such file" % lst \
        in p.stderr
