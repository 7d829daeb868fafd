# SPDX-License-Identifier: MIT
"""The configuration files of both daemons as docs/config.md describes
them: every error class names the file, line, column and key path and
stops the daemon (exit 1) before anything runs; the documented examples
(the YAML blocks and the example of every table row) are accepted by
--check-config; command-line options override the file.

Addresses (port 53): onedot on 127.13.120.1 and 127.13.120.2, nothing
else; --check-config runs open no socket.
"""

import os
import re

import dns.message
import dns.query
import dns.rcode
import pytest

import auth_peers as ap
import onedot_daemon as od
from onedot_daemon import run, write

DOCS = os.path.join(os.path.dirname(__file__), "..", "..", "docs",
                    "config.md")

ZONE = """$ORIGIN example.com.
$TTL 300
@ SOA ns1 hostmaster 1 3600 900 604800 300
@ NS ns1
ns1 A 192.0.2.1
www A 192.0.2.2
"""

HINTS = """.                    3600000 NS a.root-servers.test.
a.root-servers.test. 3600000 A  127.13.120.250
"""


@pytest.fixture(scope="module")
def onedot():
    return od.find_binary()


@pytest.fixture(scope="module")
def auth():
    path = ap.onedot_auth_path()
    if path is None:
        pytest.fail("onedot-auth is not built")
    return path


def check(binary, conf, *extra):
    return run([binary, "--check-config", "-c", conf] + list(extra))


# ------------------------------------------------------------- error classes

# (daemon, text, line, column or None, what the message must say)
ERRORS = [
    # not YAML at all
    ("onedot", "workers: 2\n  x: [\n", 2, None,
     "mapping values are not allowed"),
    ("auth", "server: [\n", 2, None, "flow node"),
    # YAML, but not a mapping of keys
    ("onedot", "- a\n- b\n", 1, 1, "expected a mapping of keys"),
    ("auth", "- a\n", 1, 1, "expected a mapping of keys"),
    # unknown keys, at the top and nested (with the key path)
    ("onedot", "listen: 127.0.0.1\ncache-sise: 1M\n", 2, 1,
     "unknown key 'cache-sise'"),
    ("onedot", "limits:\n  bogus: 1\n", 2, 3, "limits: unknown key 'bogus'"),
    ("auth", "server:\n  lisen: 127.0.0.1\n", 2, 3,
     "server: unknown key 'lisen'"),
    ("auth", "server:\n  rrl:\n    burst: 3\n", 3, 5,
     "server.rrl: unknown key 'burst'"),
    # a key given twice
    ("onedot", "workers: 2\nworkers: 3\n", 2, 1, "key 'workers' given twice"),
    # wrong types
    ("onedot", "workers: many\n", 1, 10,
     "workers: expected a whole number from 0 to 256"),
    ("onedot", "dnssec: maybe\n", 1, 9, "dnssec: expected true or false"),
    ("onedot", "limits: 5\n", 1, None, "limits"),
    ("onedot", "access-control: { a: 1 }\n", 1, None, "access-control"),
    ("auth", "server:\n  workers: abc\n", 2, 12,
     "server.workers: expected a whole number from 0 to 256"),
    ("auth", "server:\n  rrl:\n    enable: maybe\n", 3, None,
     "server.rrl.enable"),
    ("auth", "zones: example.com\n", 1, None, "zones"),
    # out of range
    ("onedot", "workers: 999\n", 1, 10, "workers: 999 is out of range (0..256)"),
    ("onedot", "edns-buffer-size: 100\n", 1, 19,
     "edns-buffer-size: 100 is out of range (512..4096)"),
    ("onedot", "limits:\n  upstream-per-query: 0\n", 2, None,
     "limits.upstream-per-query"),
    ("auth", "server:\n  udp-max-size: 9000\n", 2, 17,
     "server.udp-max-size: 9000 is out of range (512..4096)"),
    # bad values of the right type
    ("onedot", "cache-size: 12X\n", 1, 13,
     "cache-size: expected a size such as 64M"),
    ("onedot", "listen: [ 127.0.0.1@99999 ]\n", 1, None,
     "listen[0]: '127.0.0.1@99999' is not an address"),
    ("onedot", "access-control: [ \"10.0.0.1/8 allow\" ]\n", 1, None,
     "access-control[0]: '10.0.0.1/8 allow': address has bits set"),
    ("onedot", "negative-trust-anchors: [ \". 1d\" ]\n", 1, None,
     "negative-trust-anchors[0]"),
    ("auth", "zones:\n  - origin: exa..mple\n    file: x\n", 2, None,
     "zones[0].origin"),
    ("auth", "keys:\n  - name: k\n    secret: \"not base64\"\n", 3, None,
     "keys[0].secret"),
    ("auth", "zones:\n  - origin: example.com.\n    file: f\n"
     "    allow-transfer: [ \"127.0.0.1 key nokey\" ]\n", 4, None,
     "no key named 'nokey'"),
    # a required key missing
    ("auth", "zones:\n  - origin: example.com.\n", 2, 5,
     "zones[0]: 'file' is missing"),
]


@pytest.mark.parametrize("daemon,text,line,col,what", ERRORS)
def test_error_classes(onedot, auth, tmp_path, daemon, text, line, col, what):
    conf = write(tmp_path / ("%s.yaml" % daemon), text)
    binary = onedot if daemon == "onedot" else auth
    extra = ["--no-dnssec"] if daemon == "onedot" else []
    p = check(binary, conf, *extra)
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert p.stdout == "", p.stdout
    where = "%s:%d:" % (conf, line) if col is None else \
        "%s:%d:%d:" % (conf, line, col)
    assert where in p.stderr, p.stderr
    assert what in p.stderr, p.stderr
    # One message, not a cascade.
    assert len(p.stderr.strip().splitlines()) == 1, p.stderr


@pytest.mark.parametrize("daemon", ["onedot", "auth"])
def test_files_it_names(onedot, auth, tmp_path, daemon):
    missing = str(tmp_path / "missing")
    binary = onedot if daemon == "onedot" else auth
    if daemon == "onedot":
        text = "root-hints: %s\n" % missing
        extra = ["--no-dnssec"]
    else:
        text = "zones:\n  - origin: example.com.\n    file: %s\n" % missing
        extra = []
    conf = write(tmp_path / "c.yaml", text)
    p = check(binary, conf, *extra)
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert missing in p.stderr, p.stderr
    # The configuration file itself.
    p = run([binary, "--check-config", "-c", missing] + extra)
    assert p.returncode == 1
    assert "%s: No such file or directory" % missing in p.stderr, p.stderr


# ------------------------------------------------------------ the reference

def doc_sections():
    """{"onedot": (yaml example, rows), "onedot-auth": (...)} from
    docs/config.md; rows are (key, example) pairs."""
    with open(DOCS) as f:
        text = f.read()
    out = {}
    for name in ("onedot", "onedot-auth"):
        m = re.search(r"^## %s\n(.*?)(?=^## |\Z)" % re.escape(name), text,
                      re.S | re.M)
        assert m, "docs/config.md has no section %s" % name
        body = m.group(1)
        y = re.search(r"```yaml\n(.*?)```", body, re.S)
        assert y, "section %s has no YAML example" % name
        rows = []
        header = None
        for line in body.splitlines():
            if not line.startswith("| "):
                continue
            cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
            if header is None:
                header = cells
                continue
            keys = re.findall(r"`([^`]+)`", cells[header.index("key")])
            ex = cells[header.index("example")]
            rows.append((keys, ex))
        assert rows, "section %s has no key table" % name
        out[name] = (y.group(1), rows)
    return out


def substitute(text, tmp_path):
    """Replaces the example paths by files and directories that exist."""
    hints = write(tmp_path / "root.hints", HINTS)
    zone = write(tmp_path / "example.com.zone", ZONE)
    state = tmp_path / "state"
    state.mkdir(exist_ok=True)
    ta = write(tmp_path / "root.key",
               ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409"
               "BBC683457104237C7F8EC8D\n")
    popular = write(tmp_path / "popular.txt", "www.example.\n")
    logdir = tmp_path / "log"
    logdir.mkdir(exist_ok=True)
    for old, new in (("/etc/onedot/popular.txt", popular),
                     ("/var/log/onedot", str(logdir)),
                     ("/etc/onedot/root.hints", hints),
                     ("/etc/onedot/root.key", ta),
                     ("/var/lib/onedot/example.com.zone", zone),
                     ("/var/lib/onedot-auth", str(state)),
                     ("/var/lib/onedot", str(state))):
        text = text.replace(old, new)
    return text


def test_yaml_examples_are_valid(onedot, auth, tmp_path):
    secs = doc_sections()
    for name, binary in (("onedot", onedot), ("onedot-auth", auth)):
        text = substitute(secs[name][0], tmp_path)
        conf = write(tmp_path / ("%s.yaml" % name), text)
        p = check(binary, conf)
        assert p.returncode == 0, (name, text, p.stderr)
        assert "configuration ok" in p.stdout


def row_yaml(key, example):
    """The YAML setting key (a dotted path; a[].b becomes a list of one
    mapping) to the example value."""
    parts = key.split(".")
    lines = []
    indent = ""
    for i, p in enumerate(parts):
        last = i == len(parts) - 1
        lst = p.endswith("[]")
        p = p[:-2] if lst else p
        if last:
            lines.append("%s%s: %s" % (indent, p, example))
        elif lst:
            lines.append("%s%s:" % (indent, p))
            indent += "  - "
        else:
            lines.append("%s%s:" % (indent, p))
            indent = indent.replace("-", " ") + "  "
    return "\n".join(lines) + "\n"


# Keys of list items and of mappings with a required key: the other
# fields such an item cannot do without.
NEEDS = {
    "keys[].": {"name": "k", "secret": "\"Wm9uZSB0cmFuc2Zlcgo=\""},
    "zones[].": {"origin": "example.com.",
                 "file": "/var/lib/onedot/example.com.zone"},
    "query-log.": {"file": "/var/log/onedot/query.log"},
    "prefill.": {"file": "/etc/onedot/popular.txt"},
    "localroot.": {"sources": "[ \"file:/var/lib/onedot/root.zone\" ]"},
}


def item_yaml(prefix, field, value):
    """NEEDS[prefix] with field set to value: a list of one item for a
    prefix ending in [], else a mapping."""
    fields = dict(NEEDS[prefix])
    fields[field] = value
    lines = ["%s: %s" % kv for kv in fields.items()]
    if prefix.endswith("[]."):
        return "%s:\n  - %s\n" % (prefix[:-3], "\n    ".join(lines))
    return "%s:\n  %s\n" % (prefix[:-1], "\n  ".join(lines))


def test_every_documented_example_is_accepted(onedot, auth, tmp_path):
    """Each key of each table, set to its documented example, passes
    --check-config alone (or with what it cannot stand without)."""
    secs = doc_sections()
    seen = 0
    for name, binary in (("onedot", onedot), ("onedot-auth", auth)):
        for keys, ex in secs[name][1]:
            m = re.fullmatch(r"`([^`]*)`(?: / `([^`]*)`)?", ex)
            if m is None:
                continue  # described in words: covered by the YAML block
            examples = [m.group(1)] + ([m.group(2)] if m.group(2) else [])
            for key, value in zip(keys, examples * len(keys)):
                prefix = next((p for p in NEEDS if key.startswith(p)), None)
                if prefix:
                    text = item_yaml(prefix, key[len(prefix):], value)
                    if " key xfr-key" in value:
                        text = item_yaml("keys[].", "name", "xfr-key") + text
                else:
                    text = row_yaml(key, value)
                text = substitute(text, tmp_path)
                conf = write(tmp_path / "row.yaml", text)
                p = check(binary, conf)
                assert p.returncode == 0, (name, key, text, p.stderr)
                seen += 1
    assert seen > 30


# ----------------------------------------------------- command line wins

def test_command_line_overrides_file(onedot, tmp_path):
    hints = write(tmp_path / "root.hints", HINTS)
    conf = write(tmp_path / "onedot.yaml",
                 "listen: [ 127.13.120.1@53 ]\nworkers: 1\n"
                 "log-level: debug\nroot-hints: /nonexistent\n")
    d = od.Onedot(onedot, "127.13.120.2", tmp_path, hints,
                  extra=["-c", conf, "--no-dnssec", "--log-level", "warn"])
    # Onedot passes --listen 127.13.120.2@53 and --root-hints after -c.
    if not ap.port_free("127.13.120.2") or not ap.port_free("127.13.120.1"):
        pytest.fail("127.13.120.1/2 port 53 in use")
    d.argv.append("--check-config")
    p = run(d.argv)
    assert p.returncode == 0, p.stderr
    d.argv.pop()
    # Started for real: --log-level warn silences the info lines, so the
    # daemon is ready once it answers.
    d.probe = "example."
    d.start()
    try:
        q = dns.message.make_query("example.", "SOA")
        r = dns.query.udp(q, "127.13.120.2", timeout=5)
        assert r.rcode() in (dns.rcode.SERVFAIL, dns.rcode.NOERROR,
                             dns.rcode.NXDOMAIN)
        with pytest.raises(Exception):
            dns.query.udp(q, "127.13.120.1", timeout=0.5)
        assert 'msg="started"' not in d.log()
        assert "level=debug" not in d.log()
    finally:
        assert d.stop() == 0


def test_zero_config(onedot, auth, tmp_path):
    """No file at all: both daemons have a usable configuration (the
    resolver's built-in hints and trust anchors; its state directory is
    given, the default one is the operator's)."""
    p = run([onedot, "--check-config", "--state-dir", str(tmp_path / "s")])
    assert p.returncode == 0, p.stderr
    assert "validation on" in p.stdout
    p = run([auth, "--check-config"])
    assert p.returncode == 0, p.stderr
    assert "0 zones" in p.stdout
