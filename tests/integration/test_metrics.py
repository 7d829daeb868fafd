# SPDX-License-Identifier: MIT
"""onedot's Prometheus metrics endpoint (--metrics, docs/metrics.md): the
exposition format (checked by a strict parser), counters that move as
queries are answered (exact deltas where the outcome is deterministic),
the trust anchor gauges, the outstanding limit, HTTP errors for other
paths, methods and malformed requests (the daemon keeps serving), and
bad --metrics values and metrics: keys as configuration errors.

Addresses (port 53): the hierarchy on 127.13.50.1 (root) and 127.13.50.2
(test.); onedot on 127.13.50.10 (metrics on port 9153) and 127.13.50.11
(validating, metrics on port 9154; its root 127.13.50.250 takes
queries and never answers).
"""

import itertools
import os
import re
import socket
import time

import dns.edns
import dns.message
import dns.query
import dns.rcode
import pytest

import onedot_daemon as od
import test_resolver_daemon as trd
from onedot_daemon import run, write

PLAIN = "127.13.50.10"
VALIDATING = "127.13.50.11"
PLAIN_PORT = 9153
VAL_PORT = 9154

UNIQUE = itertools.count(int(time.time() * 1000))

SILENT_HINTS = """.                    3600000 NS a.root-servers.test.
a.root-servers.test. 3600000 A  127.13.50.250
"""

# Exposition format parser -------------------------------------------------

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
VALUE = r"(?:[+-]?(?:[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|Inf)|NaN)"
SAMPLE_RE = re.compile(r"^(%s)(?:\{(.*)\})? (%s)$" % (NAME, VALUE))
LABEL_RE = re.compile(r'(%s)="((?:[^"\\\n]|\\["\\n])*)"' % LABEL)
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")


def parse_labels(text, line):
    out = {}
    pos = 0
    while pos < len(text):
        m = LABEL_RE.match(text, pos)
        assert m, "bad labels: %r" % line
        assert m.group(1) not in out, "label twice: %r" % line
        out[m.group(1)] = m.group(2)
        pos = m.end()
        if pos < len(text):
            assert text[pos] == ",", "bad labels: %r" % line
            pos += 1
    return out


def family_of(name, types):
    if name in types:
        return name
    for suf in ("_bucket", "_sum", "_count"):
        if name.endswith(suf) and types.get(name[:-len(suf)]) in (
                "histogram", "summary"):
            return name[:-len(suf)]
    return None


def parse(text):
    """Strict text format 0.0.4 parser: returns {(name, frozenset of
    label items): value} and {family: type}. Every sample needs a TYPE
    line before it (with its HELP), names and labels must be well formed,
    a family's lines must be together, and no series may repeat."""
    assert text.endswith("\n")
    samples, types, helps = {}, {}, {}
    done = set()
    current = None
    for line in text.split("\n")[:-1]:
        assert line != "", "empty line"
        if line.startswith("#"):
            parts = line.split(" ", 3)
            assert parts[0] == "#" and parts[1] in ("HELP", "TYPE"), line
            assert re.fullmatch(NAME, parts[2]), line
            assert len(parts) == 4 and parts[3], line
            if parts[1] == "TYPE":
                assert parts[3] in TYPES, line
                assert parts[2] not in types, "TYPE twice: " + line
                assert parts[2] in helps, "TYPE before HELP: " + line
                types[parts[2]] = parts[3]
            else:
                assert parts[2] not in helps, "HELP twice: " + line
                helps[parts[2]] = parts[3]
            if current != parts[2]:
                assert parts[2] not in done, "family split: " + line
                if current:
                    done.add(current)
                current = parts[2]
            continue
        m = SAMPLE_RE.match(line)
        assert m, "bad sample line: %r" % line
        fam = family_of(m.group(1), types)
        assert fam, "sample without TYPE: %r" % line
        assert fam == current, "sample away from its family: %r" % line
        labels = parse_labels(m.group(2) or "", line)
        key = (m.group(1), frozenset(labels.items()))
        assert key not in samples, "series twice: %r" % line
        samples[key] = float(m.group(3))
    return samples, types


def http(port, addr, data, timeout=10, head=False):
    """Sends data to addr:port, returns (status code, headers dict with
    lower-case names, body) of the HTTP response (head: to a HEAD
    request, no body)."""
    s = socket.create_connection((addr, port), timeout=timeout)
    s.sendall(data)
    out = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        out += b
    s.close()
    headp, _, body = out.partition(b"\r\n\r\n")
    lines = headp.decode("ascii").split("\r\n")
    status = lines[0].split(" ", 2)
    assert status[0] in ("HTTP/1.0", "HTTP/1.1"), lines[0]
    hdrs = {}
    for h in lines[1:]:
        k, _, v = h.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    assert hdrs["connection"] == "close"
    if not head:
        assert int(hdrs["content-length"]) == len(body)
    return int(status[1]), hdrs, body


class Scrape:
    def __init__(self, addr, port):
        code, hdrs, body = http(port, addr,
                                b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        assert code == 200
        assert hdrs["content-type"].startswith(
            "text/plain; version=0.0.4")
        self.samples, self.types = parse(body.decode("utf-8"))

    def get(self, name, **labels):
        """The value of one series; 0 for a series not shown (the EDE
        counter shows seen codes only)."""
        return self.samples.get((name, frozenset(labels.items())), 0.0)

    def has(self, name):
        return any(k[0] == name for k in self.samples)

    def series(self, name):
        return {k[1]: v for k, v in self.samples.items() if k[0] == name}

    def total(self, name):
        return sum(self.series(name).values())


def delta(a, b, name, **labels):
    return b.get(name, **labels) - a.get(name, **labels)


def ede_codes(msg):
    return [o.code for o in msg.options if o.otype == dns.edns.EDE]


# Fixtures ----------------------------------------------------------------

@pytest.fixture(scope="module")
def binary():
    return od.find_binary(with_auth=True)


@pytest.fixture(scope="module")
def hier(binary, tmp_path_factory):
    h = trd.Hierarchy(tmp_path_factory.mktemp("hier"), 50).start()
    yield h
    h.stop()


@pytest.fixture(scope="module")
def plain(binary, hier, tmp_path_factory):
    """Without validation, through the unsigned hierarchy; metrics given
    on the command line."""
    work = tmp_path_factory.mktemp("plain")
    state = os.path.join(str(work), "state")
    os.mkdir(state, 0o750)
    r = trd.Resolver(binary, PLAIN, work, hier.hints,
                     ["--state-dir", state, "--metrics",
                      "%s@%d" % (PLAIN, PLAIN_PORT)]).start()
    yield r
    assert r.stop() == 0


@pytest.fixture(scope="module")
def blackhole():
    """A UDP socket on the silent root's address that never answers (no
    ICMP error either: queries to it time out)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.13.50.250", 53))
    yield s
    s.close()


@pytest.fixture(scope="module")
def validating(binary, blackhole, tmp_path_factory):
    """Validating with the built-in root keys, one worker and at most one
    outstanding query; its root never answers. Metrics from the config
    file."""
    work = tmp_path_factory.mktemp("val")
    state = os.path.join(str(work), "state")
    hints = write(os.path.join(str(work), "hints"), SILENT_HINTS)
    conf = write(os.path.join(str(work), "onedot.yaml"),
                 "metrics: %s@%d\nlimits:\n  outstanding-per-worker: 1\n"
                 % (VALIDATING, VAL_PORT))
    r = od.Onedot(binary, VALIDATING, work, hints,
                  ["--state-dir", state, "-c", conf, "--workers", "1"])
    r.start()
    yield r
    assert r.stop() == 0


# Format ------------------------------------------------------------------

def test_format_and_families(plain):
    s = Scrape(PLAIN, PLAIN_PORT)
    for name, typ in (("onedot_queries_total", "counter"),
                      ("onedot_answers_total", "counter"),
                      ("onedot_answers_ede_total", "counter"),
                      ("onedot_answer_duration_seconds", "histogram"),
                      ("onedot_validation_total", "counter"),
                      ("onedot_upstream_queries_total", "counter"),
                      ("onedot_upstream_timeouts_total", "counter"),
                      ("onedot_limit_hits_total", "counter"),
                      ("onedot_cache_lookups_total", "counter"),
                      ("onedot_cache_inserts_total", "counter"),
                      ("onedot_cache_evictions_total", "counter"),
                      ("onedot_cache_entries", "gauge"),
                      ("onedot_cache_bytes", "gauge"),
                      ("onedot_cache_max_bytes", "gauge"),
                      ("onedot_validation_enabled", "gauge"),
                      ("onedot_workers", "gauge")):
        assert s.types.get(name) == typ, name
    assert s.get("onedot_workers") == 2
    assert s.get("onedot_validation_enabled") == 0
    assert s.get("onedot_cache_max_bytes") == 256 * 1024 * 1024
    # without validation: no trust anchor or RFC 8198 metrics
    assert "onedot_trust_anchor_key" not in s.types
    assert "onedot_aggressive_nsec_zones" not in s.types
    # every query type of the bounded set, both transports
    q = s.series("onedot_queries_total")
    assert len(q) == 2 * 17
    assert {dict(k)["transport"] for k in q} == {"udp", "tcp"}
    assert "other" in {dict(k)["qtype"] for k in q}
    assert len(s.series("onedot_answers_total")) == 16
    res = {dict(k)["result"] for k in s.series("onedot_validation_total")}
    assert res == {"secure", "insecure", "bogus", "unchecked"}
    # histogram: cumulative buckets ending in +Inf = _count
    b = s.series("onedot_answer_duration_seconds_bucket")
    les = sorted(b.items(), key=lambda kv: float(dict(kv[0])["le"]))
    assert dict(les[-1][0])["le"] == "+Inf"
    vals = [v for _, v in les]
    assert vals == sorted(vals)
    assert vals[-1] == s.get("onedot_answer_duration_seconds_count")


def test_head_request(plain):
    code, hdrs, body = http(PLAIN_PORT, PLAIN,
                            b"HEAD /metrics HTTP/1.0\r\n\r\n", head=True)
    assert code == 200 and body == b""
    assert int(hdrs["content-length"]) > 1000
    assert hdrs["content-type"].startswith("text/plain; version=0.0.4")


# Counters ----------------------------------------------------------------

def test_counters_move(plain):
    # a name never asked before (the wildcard answers it)
    name = "m%d.wild.test." % next(UNIQUE)
    a = Scrape(PLAIN, PLAIN_PORT)
    r1 = trd.ask(PLAIN, name, "A")
    assert r1.rcode() == dns.rcode.NOERROR and r1.answer
    b = Scrape(PLAIN, PLAIN_PORT)
    assert delta(a, b, "onedot_queries_total", transport="udp",
                 qtype="A") == 1
    assert delta(a, b, "onedot_answers_total", rcode="NOERROR") == 1
    assert delta(a, b, "onedot_answers_cached_total") == 0
    assert delta(a, b, "onedot_upstream_queries_total") >= 1
    assert delta(a, b, "onedot_validation_total", result="unchecked") == 1
    assert delta(a, b, "onedot_answer_duration_seconds_count") == 1
    assert (b.get("onedot_answer_duration_seconds_sum")
            > a.get("onedot_answer_duration_seconds_sum"))
    assert delta(a, b, "onedot_cache_inserts_total") >= 1
    assert b.get("onedot_cache_entries") >= 1
    assert b.get("onedot_cache_bytes") > 0
    assert (b.total("onedot_cache_lookups_total")
            > a.total("onedot_cache_lookups_total"))

    # the same again: from the cache, no upstream query
    r2 = trd.ask(PLAIN, name, "A")
    assert r2.rcode() == dns.rcode.NOERROR
    c = Scrape(PLAIN, PLAIN_PORT)
    assert delta(b, c, "onedot_queries_total", transport="udp",
                 qtype="A") == 1
    assert delta(b, c, "onedot_answers_cached_total") == 1
    assert delta(b, c, "onedot_upstream_queries_total") == 0
    assert delta(b, c, "onedot_upstream_timeouts_total") == 0
    assert delta(b, c, "onedot_cache_lookups_total", kind="positive",
                 result="hit") >= 1

    # TCP, other types, NXDOMAIN, a type outside the set
    replies = [trd.ask(PLAIN, "txt.test.", "TXT", tcp=True),
               trd.ask(PLAIN, "nothere.test.", "AAAA"),
               trd.ask(PLAIN, "www.test.", "LOC"),
               trd.ask(PLAIN, "multi.test.", "A", tcp=True)]
    d = Scrape(PLAIN, PLAIN_PORT)
    assert replies[1].rcode() == dns.rcode.NXDOMAIN
    assert delta(c, d, "onedot_queries_total", transport="tcp",
                 qtype="TXT") == 1
    assert delta(c, d, "onedot_queries_total", transport="tcp",
                 qtype="A") == 1
    assert delta(c, d, "onedot_queries_total", transport="udp",
                 qtype="AAAA") == 1
    assert delta(c, d, "onedot_queries_total", transport="udp",
                 qtype="other") == 1
    assert d.total("onedot_queries_total") - c.total(
        "onedot_queries_total") == 4
    assert delta(c, d, "onedot_answers_total", rcode="NXDOMAIN") == 1
    assert delta(c, d, "onedot_answers_total", rcode="NOERROR") == 3
    assert d.total("onedot_answers_total") - c.total(
        "onedot_answers_total") == 4
    assert delta(c, d, "onedot_answer_duration_seconds_count") == 4
    assert delta(c, d, "onedot_validation_total", result="unchecked") == 4
    # the EDE counter matches the EDE options the clients got
    seen = {}
    for r in replies:
        for code in ede_codes(r):
            seen[code] = seen.get(code, 0) + 1
    for code, n in seen.items():
        assert delta(c, d, "onedot_answers_ede_total", code=str(code)) == n
    assert d.total("onedot_answers_ede_total") - c.total(
        "onedot_answers_ede_total") == sum(seen.values())


# HTTP errors -------------------------------------------------------------

@pytest.mark.parametrize("req,code", [
    (b"GET / HTTP/1.1\r\n\r\n", 404),
    (b"GET /metricsx HTTP/1.1\r\n\r\n", 404),
    (b"GET /other HTTP/1.0\r\n\r\n", 404),
    (b"POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 405),
    (b"DELETE /metrics HTTP/1.1\r\n\r\n", 405),
    (b"hello\r\n\r\n", 400),
    (b"GET /metrics HTTP/2.0\r\n\r\n", 400),
    (b"GET /metrics\r\n\r\n", 400),
    (b"GET  /metrics HTTP/1.1\r\n\r\n", 400),
    (b"GET /met\x01rics HTTP/1.1\r\n\r\n", 400),
    (b"GET /metrics HTTP/1.1\r\nX: " + b"a" * 9000 + b"\r\n\r\n", 431),
])
def test_http_errors(plain, req, code):
    got, _, body = http(PLAIN_PORT, PLAIN, req)
    assert got == code
    assert body.startswith(str(code).encode())


def test_bad_clients_do_not_kill(plain):
    # closes at once; sends half a line and closes; binary garbage
    for data in (b"", b"GET /metr", b"\x00\xff" * 100):
        s = socket.create_connection((PLAIN, PLAIN_PORT), timeout=10)
        if data:
            s.sendall(data)
        s.close()
    s = Scrape(PLAIN, PLAIN_PORT)
    assert s.get("onedot_workers") == 2
    assert trd.ask(PLAIN, "www.test.", "A").rcode() == dns.rcode.NOERROR
    assert plain.proc.poll() is None


def test_silent_client_is_cut_off(plain):
    # a client that connects and sends nothing holds the only slot until
    # its time runs out (5 s); then the next one is served
    idle = socket.create_connection((PLAIN, PLAIN_PORT), timeout=20)
    idle.sendall(b"GET /metrics HTTP/1.1\r\n")  # no end of the head
    code, _, body = http(PLAIN_PORT, PLAIN,
                         b"GET /metrics HTTP/1.0\r\n\r\n", timeout=20)
    assert code == 200 and b"onedot_workers 2\n" in body
    # the idle one was closed without a response
    assert idle.recv(100) == b""
    idle.close()


# Validation, trust anchors, limits ---------------------------------------

def test_trust_anchor_metrics(validating):
    s = Scrape(VALIDATING, VAL_PORT)
    assert s.get("onedot_validation_enabled") == 1
    assert s.get("onedot_trust_anchor_read_only") == 0
    assert s.get("onedot_trust_anchor_stuck_keys") == 0
    assert s.get("onedot_trust_anchor_zones") == 1
    assert s.get("onedot_trust_anchor_trusted_keys") >= 1
    assert s.get("onedot_negative_trust_anchors") == 0
    keys = s.series("onedot_trust_anchor_key")
    assert keys
    tags = {dict(k)["tag"]: dict(k) for k in keys}
    # the built-in root KSK-2017 (key tag 20326, RSASHA256)
    k = tags["20326"]
    assert k["zone"] == "." and k["algorithm"] == "8"
    assert k["state"] == "Valid"
    assert all(v == 1 for v in keys.values())
    assert s.types.get("onedot_aggressive_nsec_zones") == "gauge"


def test_outstanding_limit_and_ede(validating):
    a = Scrape(VALIDATING, VAL_PORT)
    # the first query waits on the silent root and fills the only
    # outstanding slot; the second is refused at once
    q1 = dns.message.make_query("first.example.", "A", use_edns=0)
    q2 = dns.message.make_query("second.example.", "A", use_edns=0)
    s1 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s1.settimeout(15)
    s1.sendto(q1.to_wire(), (VALIDATING, 53))
    r2 = dns.query.udp(q2, VALIDATING, timeout=10)
    assert r2.rcode() == dns.rcode.SERVFAIL
    b = Scrape(VALIDATING, VAL_PORT)
    assert delta(a, b, "onedot_limit_hits_total", limit="outstanding") == 1
    r1 = dns.message.from_wire(s1.recv(65535))
    s1.close()
    assert r1.rcode() == dns.rcode.SERVFAIL
    c = Scrape(VALIDATING, VAL_PORT)
    assert delta(a, c, "onedot_queries_total", transport="udp",
                 qtype="A") == 2
    assert delta(a, c, "onedot_answers_total", rcode="SERVFAIL") == 2
    assert delta(a, c, "onedot_upstream_queries_total") >= 1
    assert delta(a, c, "onedot_upstream_timeouts_total") >= 1
    # one request settled by the engine (the refused one never was)
    assert sum(delta(a, c, "onedot_validation_total", result=x)
               for x in ("secure", "insecure", "bogus", "unchecked")) == 1
    codes = ede_codes(r1) + ede_codes(r2)
    assert codes  # no server reachable: the resolver says so (EDE 22)
    for code in set(codes):
        assert delta(a, c, "onedot_answers_ede_total",
                     code=str(code)) == codes.count(code)
    assert c.total("onedot_answers_ede_total") - a.total(
        "onedot_answers_ede_total") == len(codes)


LIMITED = "127.13.50.12"
LIMITED_PORT = 9155


@pytest.mark.parametrize("limits,hit,second", [
    # both root servers are silent (the second one's address is held by
    # a socket that reads nothing): waiting on them runs into the time
    # limit, never into the end of the server list
    ("time-per-query: 300ms", "time-per-query", "127.13.50.252"),
    # the second root server's address has nothing (an ICMP error at
    # once): whichever is asked first, the one upstream query allowed is
    # spent before the other can be
    ("upstream-per-query: 1\n  time-per-query: 10s", "upstream-per-query",
     "127.13.50.251"),
])
def test_engine_limit_hits(binary, blackhole, tmp_path, limits, hit,
                           second):
    hints = write(str(tmp_path / "hints"), SILENT_HINTS +
                  "b.root-servers.test. 3600000 A %s\n"
                  ".                    3600000 NS b.root-servers.test.\n"
                  % second)
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.13.50.252", 53))
    conf = write(str(tmp_path / "onedot.yaml"),
                 "metrics: %s@%d\nlimits:\n  %s\n"
                 % (LIMITED, LIMITED_PORT, limits))
    r = od.Onedot(binary, LIMITED, tmp_path, hints,
                  ["--no-dnssec", "-c", conf, "--workers", "1"])
    r.start()
    try:
        a = Scrape(LIMITED, LIMITED_PORT)
        q = dns.message.make_query("limited.example.", "A")
        resp = dns.query.udp(q, LIMITED, timeout=15)
        assert resp.rcode() == dns.rcode.SERVFAIL
        b = Scrape(LIMITED, LIMITED_PORT)
        names = ("outstanding", "time-per-query", "upstream-per-query",
                 "ns-per-delegation", "dnssec-work")
        for name in names:
            want = 1 if name == hit else 0
            assert delta(a, b, "onedot_limit_hits_total",
                         limit=name) == want, name
    finally:
        silent.close()
        assert r.stop() == 0


# Configuration errors ----------------------------------------------------

@pytest.mark.parametrize("value", ["127.0.0.1", "nohost@9153",
                                   "127.0.0.1@0", "127.0.0.1@70000",
                                   "127.0.0.1@", "@9153", ""])
def test_bad_metrics_flag(binary, value):
    p = run([binary, "--no-dnssec", "--metrics", value, "--check-config"])
    assert p.returncode == 2, p.stderr
    assert "--metrics" in p.stderr
    assert "ADDR@PORT" in p.stderr or "1..65535" in p.stderr


@pytest.mark.parametrize("value", ["127.0.0.1", "[1, 2]", "x@80",
                                   "127.0.0.1@0"])
def test_bad_metrics_key(binary, tmp_path, value):
    conf = write(tmp_path / "bad.yaml", "dnssec: false\nmetrics: %s\n"
                 % value)
    p = run([binary, "-c", conf, "--check-config"])
    assert p.returncode == 1, p.stderr
    assert "bad.yaml:2:" in p.stderr
    assert "metrics" in p.stderr


def test_good_metrics_key(binary, tmp_path):
    conf = write(tmp_path / "ok.yaml",
                 "dnssec: false\nmetrics: '::1@9100'\n")
    p = run([binary, "-c", conf, "--check-config"])
    assert p.returncode == 0, p.stderr
    p = run([binary, "--no-dnssec", "--metrics", "127.0.0.1@9100",
             "--check-config"])
    assert p.returncode == 0, p.stderr


def test_metrics_address_in_use(binary, plain, tmp_path):
    # the plain daemon holds PLAIN@PLAIN_PORT: a second one cannot start
    hints = write(tmp_path / "hints", SILENT_HINTS)
    r = od.Onedot(binary, "127.13.50.12", tmp_path, hints,
                  ["--no-dnssec", "--metrics",
                   "%s@%d" % (PLAIN, PLAIN_PORT)])
    p = run(r.argv, timeout=20)
    assert p.returncode == 1
    assert "metrics %s@%d" % (PLAIN, PLAIN_PORT) in p.stderr, p.stderr
    assert "in use" in p.stderr.lower()
