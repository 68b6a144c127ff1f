#!/usr/bin/env python3
"""rawhttp: sends raw bytes to an HTTP server and reports what came back, as
JSON, for e2e tests that need requests curl will not send (smuggling
attempts, partial heads, pipelining, an Upgrade tunnel).

  rawhttp.py --connect [HOST:]PORT STEP... [--timeout SECS] [--linger SECS]

Steps run in order:
  --send DATA     send DATA; Python escapes are decoded (\\r \\n \\t \\x00 \\\\),
                  so 'GET / HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n' is one request
  --pause MS      wait MS milliseconds (reading what comes meanwhile)
  --read N        wait until N final responses (1xx excluded) have been read
                  whole since the start
  --read-interim N  wait until N interim (1xx, not 101) responses have come
  --read-raw N    wait until N bytes beyond the parsed responses have come
                  (the data of an Upgrade tunnel after a 101)
  --shut-wr       half-close the sending side
Every wait ends at --timeout (default 5 s) after the step started. After the
last step, reading goes on for --linger seconds (default 0.3) or until the
peer closes, so a close that follows a response is seen.

Output, one JSON object on stdout:
  responses  [{status, reason, headers: [[name, value]...], body, trailers,
               interim: [status...], head, at_ms}]  (body and head as
               latin-1 text; at_ms: when it was whole, from the connect)
  extra      bytes after the last parsed response (latin-1), e.g. tunnel data
  closed     the peer closed (EOF or reset) before the end
  reset      the close was a reset
  timed_out  a --read* step ended without what it waited for (at its timeout,
             or because the peer closed)
  elapsed_ms from connect to the end
  error      a connect or send failure, else null (after a send failure
             the later --send steps are skipped, the others still run)
Exit status 0 (the JSON says what happened), 2 on bad arguments.
"""
import json
import socket
import sys
import time


def decode_escapes(text):
    return text.encode("latin-1", "backslashreplace").decode("unicode_escape").encode("latin-1")


class Parser:
    """Splits the received bytes into complete HTTP/1.1 responses."""

    def __init__(self, start):
        self.start = start
        self.buf = b""
        self.pos = 0
        self.responses = []
        self.interim = []
        self.interim_total = 0
        self.tunnel = False  # after a 101 the rest is not HTTP

    def feed(self, data, eof=False):
        self.buf += data
        while not self.tunnel and self._one(eof):
            pass

    def extra(self):
        return self.buf[self.pos:]

    def _one(self, eof):
        end = self.buf.find(b"\r\n\r\n", self.pos)
        if end < 0:
            return False
        head = self.buf[self.pos:end + 4]
        lines = head[:-4].split(b"\r\n")
        parts = lines[0].split(b" ", 2)
        try:
            status = int(parts[1])
        except (IndexError, ValueError):
            status = 0
        reason = parts[2].decode("latin-1") if len(parts) > 2 else ""
        headers = []
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers.append([name.decode("latin-1"), value.strip().decode("latin-1")])
        fields = {n.lower(): v for n, v in headers}
        body_start = end + 4
        if 100 <= status < 200 and status != 101:
            self.interim.append(status)
            self.interim_total += 1
            self.pos = body_start
            return True
        trailers = []
        if status == 101:
            body, next_pos = b"", body_start
            self.tunnel = True
        elif status in (204, 304):
            body, next_pos = b"", body_start
        elif "chunked" in fields.get("transfer-encoding", "").lower():
            got = self._chunked(body_start)
            if got is None:
                return False
            body, trailers, next_pos = got
        elif "content-length" in fields:
            try:
                n = int(fields["content-length"])
            except ValueError:
                n = 0
            if len(self.buf) - body_start < n:
                return False
            body, next_pos = self.buf[body_start:body_start + n], body_start + n
        else:  # until close
            if not eof:
                return False
            body, next_pos = self.buf[body_start:], len(self.buf)
        self.responses.append({
            "status": status, "reason": reason, "headers": headers,
            "body": body.decode("latin-1"), "trailers": trailers,
            "interim": self.interim, "head": head.decode("latin-1"),
            "at_ms": int((time.monotonic() - self.start) * 1000)})
        self.interim = []
        self.pos = next_pos
        return True

    def _chunked(self, p):
        body = b""
        while True:
            eol = self.buf.find(b"\r\n", p)
            if eol < 0:
                return None
            try:
                size = int(self.buf[p:eol].split(b";")[0], 16)
            except ValueError:
                size = 0
            p = eol + 2
            if size == 0:
                break
            if len(self.buf) < p + size + 2:
                return None
            body += self.buf[p:p + size]
            p += size + 2
        trailers = []
        while True:
            eol = self.buf.find(b"\r\n", p)
            if eol < 0:
                return None
            line = self.buf[p:eol]
            p = eol + 2
            if not line:
                return body, trailers, p
            name, _, value = line.partition(b":")
            trailers.append([name.decode("latin-1"), value.strip().decode("latin-1")])


def parse_args(argv):
    opts = {"host": "127.0.0.1", "port": None, "timeout": 5.0, "linger": 0.3, "steps": []}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--shut-wr":
            opts["steps"].append(("shut", None))
            i += 1
            continue
        if i + 1 >= len(argv):
            raise ValueError("missing value for " + a)
        v = argv[i + 1]
        i += 2
        if a == "--connect":
            host, _, port = v.rpartition(":")
            opts["host"], opts["port"] = host or "127.0.0.1", int(port)
        elif a == "--send":
            opts["steps"].append(("send", decode_escapes(v)))
        elif a == "--pause":
            opts["steps"].append(("pause", float(v) / 1000))
        elif a == "--read":
            opts["steps"].append(("read", int(v)))
        elif a == "--read-interim":
            opts["steps"].append(("interim", int(v)))
        elif a == "--read-raw":
            opts["steps"].append(("raw", int(v)))
        elif a == "--timeout":
            opts["timeout"] = float(v)
        elif a == "--linger":
            opts["linger"] = float(v)
        else:
            raise ValueError("unknown option " + a)
    if opts["port"] is None:
        raise ValueError("--connect is required")
    return opts


def main():
    try:
        opts = parse_args(sys.argv[1:])
    except ValueError as e:
        print("rawhttp: %s" % e, file=sys.stderr)
        return 2
    out = {"responses": [], "extra": "", "closed": False, "reset": False,
           "timed_out": False, "elapsed_ms": 0, "error": None}
    start = time.monotonic()
    parser = Parser(start)
    state = {"closed": False}

    def receive(deadline, done):
        """Reads until done() or the deadline or the peer closes; False on timeout."""
        while not done():
            if state["closed"]:
                return done()
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            sock.settimeout(left)
            try:
                data = sock.recv(65536)
            except socket.timeout:
                return False
            except ConnectionResetError:
                out["reset"] = True
                data = b""
            if not data:
                state["closed"] = True
                parser.feed(b"", eof=True)
            else:
                parser.feed(data)
        return True

    try:
        sock = socket.create_connection((opts["host"], opts["port"]), timeout=opts["timeout"])
    except OSError as e:
        out["error"] = "connect: %s" % e
        print(json.dumps(out))
        return 0
    try:
        for kind, arg in opts["steps"]:
            if kind == "send":
                if out["error"]:
                    continue
                try:
                    sock.sendall(arg)
                except OSError as e:  # the peer may have closed already
                    out["error"] = "send: %s" % e
            elif kind == "pause":  # reading meanwhile, so at_ms is when a response came
                end = time.monotonic() + arg
                receive(end, lambda: False)
                time.sleep(max(0.0, end - time.monotonic()))
            elif kind == "shut":
                try:
                    sock.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
            elif kind == "read":
                n = arg
                if not receive(time.monotonic() + opts["timeout"], lambda: len(parser.responses) >= n):
                    out["timed_out"] = True
            elif kind == "interim":
                n = arg
                if not receive(time.monotonic() + opts["timeout"], lambda: parser.interim_total >= n):
                    out["timed_out"] = True
            elif kind == "raw":
                n = arg
                if not receive(time.monotonic() + opts["timeout"], lambda: len(parser.extra()) >= n):
                    out["timed_out"] = True
        receive(time.monotonic() + opts["linger"], lambda: False)
    finally:
        sock.close()
    out["responses"] = parser.responses
    out["extra"] = parser.extra().decode("latin-1")
    out["closed"] = state["closed"] or out["reset"]
    out["elapsed_ms"] = int((time.monotonic() - start) * 1000)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
