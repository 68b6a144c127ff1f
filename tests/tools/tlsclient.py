#!/usr/bin/env python3
"""tlsclient: one TLS connection to an HTTP server, driven step by step, for
e2e tests that must hold a connection open across an event (a reload) and
know that every request went over that same connection.

  tlsclient.py --connect [HOST:]PORT [--sni NAME] [--alpn P1,P2]
               [--tls 1.2|1.3] [--timeout SECS] STEP...

The handshake happens once, at the start; the certificate is not verified
(its SHA-256 fingerprint is reported instead). The connection is never
re-opened: when the server closes it, the later steps fail.
Steps run in order:
  --get PATH        send "GET PATH HTTP/1.1" (Host: the SNI name, else
                    "tls.test") and wait for its whole response
  --touch FILE      create FILE (tells the test how far we are)
  --wait-file FILE  wait until FILE exists
Every wait ends at --timeout (default 10 s) after the step started.

Output, one JSON object on stdout:
  handshake    the handshake succeeded
  version      e.g. "TLSv1.3"; alpn: the protocol selected (or null)
  cert_sha256  the server certificate's SHA-256 fingerprint, lowercase hex
  local_port   the client's port (the same for every response)
  responses    [{status, reason, headers: [[name, value]...], body, ...}] as
               rawhttp.py parses them (body as latin-1 text)
  closed       the server closed the connection before the end
  timed_out    a step ended at its timeout
  error        the first failure ("handshake: ...", "send: ...", "wait-file:
               ..."), else null; the steps after it are skipped
Exit status 0 (the JSON says what happened), 2 on bad arguments.
"""
import hashlib
import json
import os
import socket
import ssl
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rawhttp import Parser  # noqa: E402  (the same response parser)


def parse_args(argv):
    opts = {"host": "127.0.0.1", "port": None, "sni": None, "alpn": None,
            "tls": None, "timeout": 10.0, "steps": []}
    i = 0
    while i < len(argv):
        a = argv[i]
        if i + 1 >= len(argv):
            raise ValueError("missing value for " + a)
        v = argv[i + 1]
        i += 2
        if a == "--connect":
            host, _, port = v.rpartition(":")
            opts["host"], opts["port"] = host or "127.0.0.1", int(port)
        elif a == "--sni":
            opts["sni"] = v
        elif a == "--alpn":
            opts["alpn"] = v.split(",")
        elif a == "--tls":
            if v not in ("1.2", "1.3"):
                raise ValueError("--tls is 1.2 or 1.3")
            opts["tls"] = v
        elif a == "--timeout":
            opts["timeout"] = float(v)
        elif a == "--get":
            opts["steps"].append(("get", v))
        elif a == "--touch":
            opts["steps"].append(("touch", v))
        elif a == "--wait-file":
            opts["steps"].append(("wait", v))
        else:
            raise ValueError("unknown option " + a)
    if opts["port"] is None:
        raise ValueError("--connect is required")
    return opts


def make_context(opts):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if opts["tls"]:
        version = ssl.TLSVersion.TLSv1_2 if opts["tls"] == "1.2" else ssl.TLSVersion.TLSv1_3
        ctx.minimum_version = ctx.maximum_version = version
    if opts["alpn"]:
        ctx.set_alpn_protocols(opts["alpn"])
    return ctx


class Conn:
    """The one connection; reads feed a rawhttp Parser."""

    def __init__(self, sock, out):
        self.sock = sock
        self.out = out
        self.parser = Parser(time.monotonic())

    def read_until(self, deadline, done):
        """Reads until done(), the deadline (False) or the peer closes."""
        while not done():
            if self.out["closed"]:
                return done()
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except (socket.timeout, ssl.SSLWantReadError):
                return False
            except (ConnectionResetError, ssl.SSLError, ssl.SSLEOFError):
                data = b""
            if not data:
                self.out["closed"] = True
                self.parser.feed(b"", eof=True)
            else:
                self.parser.feed(data)
        return True

    def get(self, path, host, timeout):
        """One GET, waiting for its response; an error text or None."""
        want = len(self.parser.responses) + 1
        request = "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (path, host)
        try:
            self.sock.sendall(request.encode("latin-1"))
        except OSError as e:
            return "send %s: %s" % (path, e)
        if not self.read_until(time.monotonic() + timeout, lambda: len(self.parser.responses) >= want):
            if self.out["closed"]:
                return "closed before the response to %s" % path
            self.out["timed_out"] = True
            return "no response to %s within %.1fs" % (path, timeout)
        return None


def wait_file(path, timeout):
    end = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() >= end:
            return "wait-file: %s did not appear within %.1fs" % (path, timeout)
        time.sleep(0.05)
    return None


def run(opts, out):
    try:
        raw = socket.create_connection((opts["host"], opts["port"]), timeout=opts["timeout"])
    except OSError as e:
        out["error"] = "connect: %s" % e
        return None
    try:
        sock = make_context(opts).wrap_socket(raw, server_hostname=opts["sni"])
    except (OSError, ssl.SSLError) as e:
        raw.close()
        out["error"] = "handshake: %s" % e
        return None
    out["handshake"] = True
    out["version"] = sock.version()
    out["alpn"] = sock.selected_alpn_protocol()
    der = sock.getpeercert(binary_form=True) or b""
    out["cert_sha256"] = hashlib.sha256(der).hexdigest()
    out["local_port"] = sock.getsockname()[1]
    conn = Conn(sock, out)
    host = opts["sni"] or "tls.test"
    try:
        for kind, arg in opts["steps"]:
            if kind == "get":
                err = conn.get(arg, host, opts["timeout"])
            elif kind == "touch":
                with open(arg, "w"):
                    pass
                err = None
            else:
                err = wait_file(arg, opts["timeout"])
            if err:
                out["error"] = err
                break
    finally:
        sock.close()
    return conn.parser


def main():
    try:
        opts = parse_args(sys.argv[1:])
    except ValueError as e:
        print("tlsclient: %s" % e, file=sys.stderr)
        return 2
    out = {"handshake": False, "version": None, "alpn": None, "cert_sha256": None,
           "local_port": None, "responses": [], "closed": False, "timed_out": False,
           "error": None}
    parser = run(opts, out)
    if parser is not None:
        out["responses"] = parser.responses
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
