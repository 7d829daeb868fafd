# SPDX-License-Identifier: MIT
"""Servers that hand out a copy of the root zone to onedot's local root in
the tests of test_localroot_sources.py: onedot-auth, NSD and Knot DNS as
transfer primaries of the root zone, and a small HTTP(S) server for zone
text (Python's http.server, TLS with a throwaway CA and a server
certificate for an IP address made by the openssl command line tool).
Each runs in the foreground on its own loopback address and is stopped by
stop() (the HTTP server also by itself after LIFETIME seconds).
"""

import http.server
import os
import signal
import socketserver
import ssl
import subprocess
import threading

import auth_peers as ap

LIFETIME = 600.0  # seconds an HTTP server serves at most


class AuthPrimary(ap.Server):
    """onedot-auth serving the root zone from a YAML configuration:
    allow-transfer for 127.0.0.0/8 (with key, the TSIG key (name,
    algorithm, secret) required), NOTIFY to the notify addresses. It
    sends NOTIFY from its listen address (docs/onedot-auth.md)."""

    name = "onedot-auth"

    def __init__(self, binary, addr, zone_path, workdir, key=None,
                 notify=()):
        self.binary = binary
        self.zone_path = zone_path
        self.key = key
        self.notify = list(notify)
        super().__init__(addr, [(".", zone_path)], workdir=workdir)

    def config(self):
        lines = ["server:",
                 '  listen: [ "%s@%d" ]' % (self.addr, self.port),
                 "  workers: 1",
                 '  state-dir: "%s"' % self.dir]
        acl = "127.0.0.0/8"
        if self.key:
            name, alg, secret = self.key
            lines += ["keys:", "  - name: %s" % name,
                      "    algorithm: %s" % alg,
                      '    secret: "%s"' % secret]
            acl += " key %s" % name
        lines += ["zones:", "  - origin: .",
                  '    file: "%s"' % self.zone_path,
                  '    allow-transfer: [ "%s" ]' % acl]
        if self.notify:
            lines.append("    notify: [ %s ]" % ", ".join(
                '"%s@53"' % a for a in self.notify))
        return "\n".join(lines) + "\n"

    def argv(self):
        conf = os.path.join(self.dir, "auth.yaml")
        with open(conf, "w") as f:
            f.write(self.config())
        return [self.binary, "-c", conf]

    def reload(self):
        """SIGHUP: the zone file is read again (a higher serial goes into
        the IXFR journal and sends NOTIFY)."""
        self.proc.send_signal(signal.SIGHUP)


class NsdPrimary(ap.Nsd):
    """NSD serving the root zone with provide-xfr for 127.0.0.0/8."""

    def argv(self):
        argv = super().argv()
        # the configuration ends with the zone's clause
        with open(os.path.join(self.dir, "nsd.conf"), "a") as f:
            f.write("  provide-xfr: 127.0.0.0/8 NOKEY\n")
        return argv


class KnotPrimary(ap.Knot):
    """Knot DNS serving the root zone (as it is: no signing, no ZONEMD
    of its own) with an ACL that allows transfers to 127.0.0.0/8."""

    def policy_lines(self):
        return ["acl:", "  - id: lr_xfr", "    address: 127.0.0.0/8",
                "    action: transfer"]

    def template_lines(self):
        return ["    acl: lr_xfr"]


# ---------------------------------------------------------------- HTTP(S)

def _openssl(argv, cwd):
    p = subprocess.run([ap.tool("openssl")] + argv, cwd=cwd,
                       capture_output=True, text=True, timeout=60,
                       stdin=subprocess.DEVNULL)
    if p.returncode != 0:
        raise RuntimeError("openssl %s: %s%s" % (" ".join(argv), p.stdout,
                                                  p.stderr))


def make_tls(d, ip):
    """A throwaway CA and a server certificate for the IP address ip
    (CN and subjectAltName), made by the openssl tool in d. Returns
    (CA certificate, server certificate, server key) paths."""
    ca_key, ca_crt = "ca.key", "ca.crt"
    _openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt",
              "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", ca_key,
              "-out", ca_crt, "-days", "2", "-subj",
              "/CN=onedot test CA", "-addext",
              "basicConstraints=critical,CA:TRUE", "-addext",
              "keyUsage=critical,keyCertSign,cRLSign"], d)
    _openssl(["req", "-newkey", "ec", "-pkeyopt",
              "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
              "server.key", "-out", "server.csr", "-subj", "/CN=%s" % ip],
             d)
    with open(os.path.join(d, "server.ext"), "w") as f:
        f.write("basicConstraints=CA:FALSE\n"
                "keyUsage=critical,digitalSignature\n"
                "extendedKeyUsage=serverAuth\n"
                "subjectAltName=IP:%s\n" % ip)
    _openssl(["x509", "-req", "-in", "server.csr", "-CA", ca_crt,
              "-CAkey", ca_key, "-CAcreateserial", "-out", "server.crt",
              "-days", "2", "-extfile", "server.ext"], d)
    return tuple(os.path.join(d, x) for x in (ca_crt, "server.crt",
                                               "server.key"))


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, fmt, *args):
        self.server.requests.append(fmt % args)


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class WebServer:
    """Serves the files of root over HTTP, or HTTPS with tls = (cert,
    key), on addr:port in a thread of this process; requests holds the
    log lines of the requests served."""

    def __init__(self, addr, port, root, tls=None):
        def handler(*a, **kw):
            return _Handler(*a, directory=root, **kw)
        self.httpd = _Server((addr, port), handler)
        self.httpd.requests = self._requests = []
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*tls)
            self.httpd.socket = ctx.wrap_socket(self.httpd.socket,
                                                server_side=True)
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.2},
                                       daemon=True)
        self.thread.start()
        self.timer = threading.Timer(LIFETIME, self.stop)
        self.timer.daemon = True
        self.timer.start()

    @property
    def requests(self):
        return list(self._requests)

    def stop(self):
        self.timer.cancel()
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.thread.join(timeout=5)
            self.httpd = None
