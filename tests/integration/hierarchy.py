# SPDX-License-Identifier: MIT
"""A private DNS hierarchy on loopback for testing and demonstrating
resolvers, and launchers for the resolvers themselves.

Every server listens on port 53 of its own address in BASE.0.0/16 (BASE
is "127.10" for the integration tests, "127.11" for the demo):

  BASE.0.1   onedot-auth  .            (root; NS a.root.)
  BASE.1.1   NSD          test.
  BASE.2.1   Knot DNS     example.
  BASE.3.1   onedot-auth  onedot.
  BASE.4.1   onedot-auth  shop.test.
  BASE.4.2   NSD          mail.example., and the working second server of
                          refused.test. and servfail.test.
  BASE.4.3   Knot DNS     www.onedot., and the working second server of
                          dead.test., lame.test., wrongid.test.,
                          wrongaddr.test.
  BASE.5.x   misbehave.py (one process, one address per server):
    5.1 silent    ns1.dead.test. (ns2 works: answer after a timeout)
    5.2 silent    silent.test. (its only server: SERVFAIL)
    5.3 refused   refused.test. (with a working ns2), allbad.test.
    5.4 servfail  servfail.test. (with a working ns2), allbad.test.
    5.5 lame      lame.test. (with a working ns2), allbad.test.
                  (allbad.test. has only these three: SERVFAIL)
    5.6 truncate  tc.test. (its only server: TC=1 over UDP, TCP works)
    5.7 noedns    noedns.test. (its only server: FORMERR to EDNS)
    5.8 wrongid   wrongid.test. (with a working ns2)
    5.9 wrongaddr wrongaddr.test. (with a working ns2; its answers come
                  from BASE.6.9)
    5.10 poison   poison.test. and evil.test. (their only server; every
                  answer carries www.example. A POISON_ADDR)

What the names show: a plain A (www.test.), a CNAME chain through
three zones on three servers (start.onedot. -> next.mail.example. ->
www.shop.test.), a DNAME (old.example. -> www.onedot.), wildcards
(*.wild.test. on NSD, *.cdn.shop.test. on onedot-auth), NXDOMAIN
(nope.test.), a name behind a dead server (www.dead.test.) and one name
in each misbehaving zone.

Hierarchy(...) is a context manager: it writes the zones, the root hints
(root_hints file, and hints for kresd) and starts every server, waiting a
bounded time for each; leaving it stops them all. Unbound, Kresd and
Onedot start resolvers on that hierarchy (also context managers).
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import auth_peers  # noqa: E402

START_WAIT = 10.0
STOP_WAIT = 5.0
POISON_ADDR = "198.51.100.66"

SOA_TIMERS = "1 3600 900 604800 300"

class StartError(Exception):
    pass


def _zone(origin, body, ns, extra_ns=()):
    """Zone text: $ORIGIN, $TTL, the SOA and the apex NS of the first
    name server, then body (records relative to origin)."""
    lines = ["$ORIGIN %s" % origin, "$TTL 3600",
             "@ SOA %s hostmaster.%s %s" % (ns, origin if origin != "."
                                            else "root.", SOA_TIMERS),
             "@ NS %s" % ns]
    lines += ["@ NS %s" % n for n in extra_ns]
    return "\n".join(lines + [body.strip(), ""])


class Hierarchy:
    """The hierarchy on BASE.0.0/16. onedot_auth is the path of the
    onedot-auth binary (the root, onedot. and shop.test. run on it)."""

    def __init__(self, base="127.10", onedot_auth=None, workdir=None,
                 python="/usr/bin/python3"):
        parts = base.split(".")
        if len(parts) != 2 or parts[0] != "127" or not parts[1].isdigit() \
                or not 0 <= int(parts[1]) <= 255:
            raise ValueError("base must be 127.X (a /16 on loopback), got %r"
                             % base)
        if not onedot_auth or not os.access(onedot_auth, os.X_OK):
            raise StartError("onedot-auth not found (%r): build it first"
                             % onedot_auth)
        self.base = base
        self.onedot_auth = os.path.abspath(onedot_auth)
        self.python = python
        self._own_dir = workdir is None
        self.dir = workdir or tempfile.mkdtemp(prefix="od-hierarchy-")
        self.servers = []
        self.misbehave = None
        self._misbehave_log = None
        self.zone_files = {}
        self.root_hints = os.path.join(self.dir, "root.hints")
        self.root_hint_list = [("a.root.", self.a(0, 1))]

    def a(self, x, y):
        return "%s.%d.%d" % (self.base, x, y)

    # ------------------------------------------------------------ zones

    def zone_texts(self):
        a = self.a
        z = {}
        z["."] = _zone(".", """
a.root.      A  %s
test.        NS ns1.test.
ns1.test.    A  %s
example.     NS ns1.example.
ns1.example. A  %s
onedot.      NS ns1.onedot.
ns1.onedot.  A  %s
""" % (a(0, 1), a(1, 1), a(2, 1), a(3, 1)), "a.root.")
        # misbehaving children of test.: (label, [(ns label, address)])
        self.children = [
            ("dead", [("ns1", a(5, 1)), ("ns2", a(4, 3))]),
            ("silent", [("ns1", a(5, 2))]),
            ("refused", [("ns1", a(5, 3)), ("ns2", a(4, 2))]),
            ("servfail", [("ns1", a(5, 4)), ("ns2", a(4, 2))]),
            ("lame", [("ns1", a(5, 5)), ("ns2", a(4, 3))]),
            ("allbad", [("ns1", a(5, 3)), ("ns2", a(5, 4)),
                        ("ns3", a(5, 5))]),
            ("tc", [("ns1", a(5, 6))]),
            ("noedns", [("ns1", a(5, 7))]),
            ("wrongid", [("ns1", a(5, 8)), ("ns2", a(4, 3))]),
            ("wrongaddr", [("ns1", a(5, 9)), ("ns2", a(4, 3))]),
            ("poison", [("ns1", a(5, 10))]),
            ("evil", [("ns1", a(5, 10))]),
        ]
        deleg = []
        for label, nss in self.children:
            for ns, addr in nss:
                deleg.append("%s NS %s.%s" % (label, ns, label))
                deleg.append("%s.%s A %s" % (ns, label, addr))
        z["test."] = _zone("test.", """
ns1        A    %s
www        A    192.0.2.1
www        AAAA 2001:db8::1
www        TXT  "plain name in test."
@          MX   10 mx.mail.example.
*.wild     A    192.0.2.2
*.wild     TXT  "wildcard in test."
shop       NS   ns1.shop
ns1.shop   A    %s
""" % (a(1, 1), a(4, 1)) + "\n".join(deleg), "ns1.test.")
        z["example."] = _zone("example.", """
ns1        A     %s
www        A     192.0.2.10
www        AAAA  2001:db8::10
@          MX    10 mx.mail.example.
@          TXT   "example apex"
mail       NS    ns1.mail
ns1.mail   A     %s
old        DNAME www.onedot.
alias      CNAME www.test.
nxalias    CNAME nope.shop.test.
""" % (a(2, 1), a(4, 2)), "ns1.example.")
        z["onedot."] = _zone("onedot.", """
ns1        A     %s
start      CNAME next.mail.example.
txt        TXT   "onedot TLD"
www        NS    ns1.www
ns1.www    A     %s
""" % (a(3, 1), a(4, 3)), "ns1.onedot.")
        z["shop.test."] = _zone("shop.test.", """
ns1        A     %s
www        A     192.0.2.20
www        MX    10 mx.mail.example.
www        TXT   "shop on onedot-auth"
*.cdn      A     192.0.2.21
""" % a(4, 1), "ns1.shop.test.")
        z["mail.example."] = _zone("mail.example.", """
ns1        A     %s
mx         A     192.0.2.30
mx         AAAA  2001:db8::30
@          MX    10 mx
next       CNAME www.shop.test.
""" % a(4, 2), "ns1.mail.example.")
        z["www.onedot."] = _zone("www.onedot.", """
ns1        A     %s
@          A     192.0.2.40
host       A     192.0.2.41
host       AAAA  2001:db8::41
""" % a(4, 3), "ns1.www.onedot.")
        for i, (label, nss) in enumerate(self.children):
            origin = "%s.test." % label
            body = ["%s A %s" % (ns, addr) for ns, addr in nss]
            body.append("www A 192.0.2.%d" % (100 + i))
            body.append('www TXT "%s"' % label)
            if label in ("poison", "evil"):
                body.append("www MX 10 www.example.")
            z[origin] = _zone(origin, "\n".join(body),
                              "%s.%s" % (nss[0][0], origin),
                              ["%s.%s" % (ns, origin) for ns, _ in nss[1:]])
        return z

    def records(self):
        """{(owner, type): ttl} of every record in the zones (lowercase
        absolute owners), for TTL checks."""
        import dns.zone
        out = {}
        for origin, text in self.zone_texts().items():
            zone = dns.zone.from_text(text, origin=origin, relativize=False)
            for name, node in zone.nodes.items():
                for rds in node.rdatasets:
                    key = (name.to_text().lower(),
                           dns.rdatatype.to_text(rds.rdtype))
                    out[key] = max(out.get(key, 0), rds.ttl)
        return out

    def write(self):
        zdir = os.path.join(self.dir, "zones")
        os.makedirs(zdir, exist_ok=True)
        for origin, text in self.zone_texts().items():
            tag = origin.rstrip(".").replace(".", "_") or "root"
            path = os.path.join(zdir, tag + ".zone")
            with open(path, "w") as f:
                f.write(text)
            self.zone_files[origin] = path
        with open(self.root_hints, "w") as f:
            f.write(".  3600000  NS  a.root.\n")
            for name, addr in self.root_hint_list:
                f.write("%s  3600000  A  %s\n" % (name, addr))

    # ------------------------------------------------------------ servers

    def _server_plan(self):
        a, zf = self.a, self.zone_files
        od = lambda addr, zones: auth_peers.OnedotAuth(  # noqa: E731
            self.onedot_auth, addr, [(o, zf[o]) for o in zones],
            workdir=os.path.join(self.dir, "srv-" + addr))
        nsd = lambda addr, zones: auth_peers.Nsd(  # noqa: E731
            addr, [(o, zf[o]) for o in zones],
            workdir=os.path.join(self.dir, "srv-" + addr))
        knot = lambda addr, zones: auth_peers.Knot(  # noqa: E731
            addr, [(o, zf[o]) for o in zones],
            workdir=os.path.join(self.dir, "srv-" + addr))
        return [
            od(a(0, 1), ["."]),
            nsd(a(1, 1), ["test."]),
            knot(a(2, 1), ["example."]),
            od(a(3, 1), ["onedot."]),
            od(a(4, 1), ["shop.test."]),
            nsd(a(4, 2), ["mail.example.", "refused.test.",
                          "servfail.test."]),
            knot(a(4, 3), ["www.onedot.", "dead.test.", "lame.test.",
                           "wrongid.test.", "wrongaddr.test."]),
        ]

    def _misbehave_spec(self):
        a, zf = self.a, self.zone_files
        return [
            {"kind": "silent", "addr": a(5, 1)},
            {"kind": "silent", "addr": a(5, 2)},
            {"kind": "refused", "addr": a(5, 3)},
            {"kind": "servfail", "addr": a(5, 4)},
            {"kind": "lame", "addr": a(5, 5), "up": ["a.root.", a(0, 1)]},
            {"kind": "truncate", "addr": a(5, 6), "zones": [zf["tc.test."]]},
            {"kind": "noedns", "addr": a(5, 7),
             "zones": [zf["noedns.test."]]},
            {"kind": "wrongid", "addr": a(5, 8),
             "zones": [zf["wrongid.test."]]},
            {"kind": "wrongaddr", "addr": a(5, 9), "from": a(6, 9),
             "zones": [zf["wrongaddr.test."]]},
            {"kind": "poison", "addr": a(5, 10),
             "zones": [zf["poison.test."], zf["evil.test."]],
             "poison": ["www.example. 3600 IN A %s" % POISON_ADDR]},
        ]

    def start(self):
        self.write()
        plan = self._server_plan()
        spec = self._misbehave_spec()
        busy = [s.addr for s in plan if not auth_peers.port_free(s.addr)]
        busy += [s["addr"] for s in spec if not auth_peers.port_free(s["addr"])]
        if busy:
            raise StartError("port 53 is already in use on %s (a hierarchy "
                             "left running?)" % ", ".join(busy))
        try:
            for s in plan:
                s.start()
                self.servers.append(s)
            self._start_misbehave(spec)
        except BaseException:
            self.stop()
            raise
        return self

    def _start_misbehave(self, spec):
        path = os.path.join(self.dir, "misbehave.json")
        with open(path, "w") as f:
            json.dump(spec, f, indent=1)
        log = os.path.join(self.dir, "misbehave.log")
        self._misbehave_log = open(log, "ab")
        self.misbehave = subprocess.Popen(
            [self.python, os.path.join(HERE, "misbehave.py"), path],
            stdout=subprocess.PIPE, stderr=self._misbehave_log,
            stdin=subprocess.DEVNULL, start_new_session=True)
        line = _readline_timeout(self.misbehave.stdout, START_WAIT)
        if line.strip() != b"ready":
            self.misbehave.kill()
            self.misbehave.wait(timeout=STOP_WAIT)
            with open(log, errors="replace") as f:
                raise StartError("misbehave.py did not start:\n%s"
                                 % f.read()[-4000:])

    def stop(self):
        if self.misbehave is not None:
            _stop(self.misbehave)
            self.misbehave.stdout.close()
            self.misbehave = None
        if self._misbehave_log is not None:
            self._misbehave_log.close()
            self._misbehave_log = None
        for s in reversed(self.servers):
            s.stop()
        self.servers = []

    def cleanup(self):
        if not self._own_dir:
            return
        # NSD's server processes may write their state files a moment after
        # their parent is gone: retry for a bounded time
        deadline = time.monotonic() + STOP_WAIT
        while os.path.exists(self.dir) and time.monotonic() < deadline:
            shutil.rmtree(self.dir, ignore_errors=True)
            if os.path.exists(self.dir):
                time.sleep(0.1)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        self.cleanup()
        return False


def _readline_timeout(pipe, timeout):
    import select
    buf = b""
    deadline = time.monotonic() + timeout
    fd = pipe.fileno()
    while not buf.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([fd], [], [], left)
        if not r:
            break
        chunk = os.read(fd, 1)
        if not chunk:
            break
        buf += chunk
    return buf


def _stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=STOP_WAIT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=STOP_WAIT)


# ---------------------------------------------------------------- queries

def resolve(addr, qname, qtype, timeout=5.0, tries=4, tcp=False, port=53):
    """Ask the resolver at addr (RD set, EDNS0 with a 1232 octet buffer)
    the way a stub does: a new query after each timeout, tries times.
    Returns the response, or raises dns.exception.Timeout."""
    for i in range(tries):
        q = dns.message.make_query(qname, qtype, use_edns=0, payload=1232)
        try:
            if tcp:
                return dns.query.tcp(q, addr, timeout=timeout, port=port)
            return dns.query.udp(q, addr, timeout=timeout, port=port)
        except dns.exception.Timeout:
            if i == tries - 1:
                raise


# ---------------------------------------------------------------- resolvers

class Resolver:
    """A resolver process on addr port 53, configured for a Hierarchy."""

    name = "resolver"

    def __init__(self, hierarchy, addr, workdir=None):
        self.h = hierarchy
        self.addr = addr
        self.dir = workdir or os.path.join(hierarchy.dir, self.name)
        os.makedirs(self.dir, exist_ok=True)
        self.log_path = os.path.join(self.dir, "%s.log" % self.name)
        self.proc = None
        self._log = None

    def argv(self):
        raise NotImplementedError

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()[-8000:]
        except OSError:
            return ""

    def start(self):
        if not auth_peers.port_free(self.addr):
            raise StartError("%s: port 53 on %s is already in use"
                             % (self.name, self.addr))
        argv = self.argv()
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(argv, stdout=self._log,
                                     stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.dir,
                                     start_new_session=True)
        deadline = time.monotonic() + START_WAIT
        last = "no answer"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                last = "exited with status %d" % self.proc.returncode
                break
            try:
                # any answer means it listens; this also primes the root
                resolve(self.addr, ".", "NS", timeout=0.5, tries=1)
                return self
            except (dns.exception.DNSException, OSError) as e:
                last = "no answer (%s)" % e.__class__.__name__
            time.sleep(0.1)
        self.stop()
        raise StartError("%s on %s@53 did not start: %s\ncommand: %s\n"
                         "--- log %s ---\n%s"
                         % (self.name, self.addr, last, " ".join(argv),
                            self.log_path, self.log()))

    def stop(self):
        if self.proc is not None:
            _stop(self.proc)
            self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


class Unbound(Resolver):
    name = "unbound"

    def policy_lines(self):
        """server: lines that set what Unbound does with answers (a
        subclass validates instead)."""
        return [
            "  module-config: \"iterator\"",
            # test. is special-use (RFC 6761 6.2): resolve it here
            "  local-zone: \"test.\" nodefault",
        ]

    def argv(self):
        d = self.dir
        conf = os.path.join(d, "unbound.conf")
        lines = [
            "server:",
            "  interface: %s" % self.addr,
            "  port: 53",
            "  do-ip6: no",
            "  do-not-query-localhost: no",
            "  access-control: 127.0.0.0/8 allow",
            "  root-hints: \"%s\"" % self.h.root_hints,
        ] + self.policy_lines() + [
            "  username: \"\"",
            "  chroot: \"\"",
            "  directory: \"%s\"" % d,
            "  pidfile: \"%s\"" % os.path.join(d, "unbound.pid"),
            "  logfile: \"%s\"" % self.log_path,
            "  use-syslog: no",
            "  verbosity: 1",
            "  num-threads: 1",
            "remote-control:",
            "  control-enable: no",
        ]
        with open(conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        check = subprocess.run([auth_peers.tool("unbound-checkconf"), conf],
                               capture_output=True, text=True, timeout=20)
        if check.returncode != 0:
            raise StartError("unbound-checkconf %s: %s%s"
                             % (conf, check.stdout, check.stderr))
        return [auth_peers.tool("unbound"), "-d", "-p", "-c", conf]


class Kresd(Resolver):
    name = "kresd"

    def policy_lua(self):
        """Lua lines that set trust anchors and policy (a subclass
        validates instead)."""
        return ("trust_anchors.remove('.')\n"
                "-- test. is special-use (RFC 6761 6.2): a PASS rule lets it "
                "be resolved\n"
                "policy.add(policy.suffix(policy.PASS, "
                "{ todname('test.') }))\n")

    def argv(self):
        d = self.dir
        cache = os.path.join(d, "cache")
        shutil.rmtree(cache, ignore_errors=True)
        os.makedirs(cache)
        hints = ", ".join("['%s'] = '%s'" % (n, a)
                          for n, a in self.h.root_hint_list)
        conf = os.path.join(d, "kresd.conf")
        with open(conf, "w") as f:
            f.write("""-- SPDX-License-Identifier: MIT
net.ipv6 = false
net.listen('%s', 53, { kind = 'dns' })
kres.context().options.ALLOW_LOCAL = true
%smodules.load('hints > iterate')
hints.root({ %s })
cache.open(32 * MB, 'lmdb://%s')
log_level('notice')
""" % (self.addr, self.policy_lua(), hints, cache))
        return [auth_peers.tool("kresd"), "-n", "-c", conf, d]


def onedot_path(build_dir):
    """Path of the onedot resolver daemon in build_dir, or None."""
    path = os.path.join(build_dir, "src", "daemon", "onedot")
    return path if os.access(path, os.X_OK) else None


class Onedot(Resolver):
    name = "onedot"

    def __init__(self, binary, *a, trust_anchor=None, extra=(), **kw):
        """trust_anchor: a file of DS/DNSKEY records for the root of the
        hierarchy (the signed hierarchy's), or None. extra: more command
        line arguments."""
        self.binary = os.path.abspath(binary)
        self.trust_anchor = trust_anchor
        self.extra = list(extra)
        super().__init__(*a, **kw)

    def argv(self):
        argv = [self.binary, "--listen", "%s@53" % self.addr,
                "--root-hints", self.h.root_hints]
        if self.trust_anchor:
            # a fresh RFC 5011 state directory for each start
            state = tempfile.mkdtemp(prefix="state-", dir=self.dir)
            argv += ["--trust-anchor", self.trust_anchor,
                     "--state-dir", state]
        else:
            # an unsigned hierarchy: the built-in root keys would make
            # every answer bogus
            argv.append("--no-dnssec")
        return argv + self.extra
