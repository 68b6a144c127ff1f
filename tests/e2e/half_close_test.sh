#!/usr/bin/env bash
# half_close (docs/config.md): with the default (on), a client that ends its
# stream (shutdown SHUT_WR) still gets the answer a server sends after
# reading that end — in mode tcp and in a mode http Upgrade tunnel. With
# half_close = off, the client's end ends the whole connection: the server
# sees the end, its late answer never reaches the client, and the client
# sees the connection close.
. "$(dirname "$0")/lib.sh"

# A server that reads until the end of the stream, then answers "got N"
# (N: the bytes it read) and closes. A connection that starts with an
# Upgrade request first gets "101 Switching Protocols"; the bytes after its
# head are the ones counted. Each answer is logged to $T/eofsrv.log.
start_py_server eofsrv '
import threading
log_file = args[0]
lock = threading.Lock()
def serve(c):
    c.settimeout(10)
    data = b""
    try:
        while True:
            d = c.recv(4096)
            if not d:
                break
            data += d
            if data.startswith(b"GET ") and b"\r\n\r\n" in data:
                c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: test\r\nConnection: upgrade\r\n\r\n")
                data = data.split(b"\r\n\r\n", 1)[1]
        answer = b"got %d\n" % len(data)
        with lock, open(log_file, "a") as f:
            f.write(answer.decode())
        c.sendall(answer)
    except OSError:
        pass
    c.close()
while True:
    c, _ = ls.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
' "$T/eofsrv.log" || bail "the end-of-stream server starts"
SRV=${BE_PORT[eofsrv]}

P_ON=$(free_port) P_OFF=$(free_port) P_HTTP_ON=$(free_port) P_HTTP_OFF=$(free_port)
{
  global_section
  cat <<EOC
[frontend:tcp_on]
bind = 127.0.0.1:$P_ON
pool = app

[frontend:tcp_off]
bind = 127.0.0.1:$P_OFF
pool = app
half_close = off

[frontend:http_on]
bind = 127.0.0.1:$P_HTTP_ON
mode = http
pool = app

[frontend:http_off]
bind = 127.0.0.1:$P_HTTP_OFF
mode = http
pool = app
half_close = off

[pool:app]
health = none
server = s1 127.0.0.1:$SRV
EOC
} >"$T/tandem.ini"
start_tandemd "$T/tandem.ini" || bail "tandemd starts" "$(tail -5 "$T/tandemd.err" 2>/dev/null)"
ok "tandemd starts"

# ends PORT FILE [UPGRADE]: connects, sends "hello" (after an Upgrade
# request whose 101 it waits for, if UPGRADE), half-closes, and writes to
# FILE what came back after that (the 101 left out) until the connection
# closed, or "timeout" when it did not close within 5 s.
ends() {
  "$PY" -c '
import socket, sys
port, out, upgrade = int(sys.argv[1]), sys.argv[2], len(sys.argv) > 3
s = socket.create_connection(("127.0.0.1", port), timeout=5)
got = b""
if upgrade:
    s.sendall(b"GET /t HTTP/1.1\r\nHost: x\r\nUpgrade: test\r\nConnection: upgrade\r\n\r\n")
    while b"\r\n\r\n" not in got:
        d = s.recv(4096)
        if not d:
            break
        got += d
    got = got.split(b"\r\n\r\n", 1)[1] if b" 101 " in got.split(b"\r\n", 1)[0] else b"no 101: " + got
s.sendall(b"hello")
s.shutdown(socket.SHUT_WR)
try:
    while True:
        d = s.recv(4096)
        if not d:
            break
        got += d
except socket.timeout:
    got += b"timeout"
except ConnectionResetError:
    got += b"reset"
open(out, "w").write(got.decode("latin-1"))
' "$@"
}
is() { [ "$(cat "$1")" = "$2" ]; }
log_has() { grep -qx "$1" "$T/eofsrv.log" 2>/dev/null; }

ends "$P_ON" "$T/tcp_on.txt"
check "tcp, half_close on: the answer sent after the client's end reaches it" is "$T/tcp_on.txt" "got 5"

rm -f "$T/eofsrv.log"
ends "$P_OFF" "$T/tcp_off.txt"
check "tcp, half_close off: the client's end closes its connection, without the answer" is "$T/tcp_off.txt" ""
check "tcp, half_close off: the server got the 5 bytes and the end" wait_until 5 log_has "got 5"

ends "$P_HTTP_ON" "$T/http_on.txt" upgrade
check "http tunnel, half_close on: the answer sent after the client's end reaches it" is "$T/http_on.txt" "got 5"

rm -f "$T/eofsrv.log"
ends "$P_HTTP_OFF" "$T/http_off.txt" upgrade
check "http tunnel, half_close off: the client's end closes the tunnel, without the answer" is "$T/http_off.txt" ""
check "http tunnel, half_close off: the server got the 5 bytes and the end" wait_until 5 log_has "got 5"

finish
