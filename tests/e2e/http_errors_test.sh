#!/usr/bin/env bash
# Tandem's own HTTP answers (docs/http.md "Tandem's own answers"): 503 with
# no server up, 502 when the server closes without answering or answers
# garbage, 504 past timeout_server, 431/414 past the head limits, 408 when
# the head does not arrive in timeout_request, 413 past max_body_size,
# 501 for CONNECT, 505 for HTTP/2.0. Each is text/plain "<status> <reason>\n"
# with Content-Length and the request id; the connection is kept after
# 502/503/504 (request read whole) and closed after the others.
. "$(dirname "$0")/lib.sh"

for b in be1 be2 dead1 dead2 slow; do start_backend $b || bail "backend $b starts"; done
start_stub closer close || bail "stub closer starts"
start_stub garbage bad || bail "stub garbage starts"
P_DOWN=$(free_port) P_CLOSE=$(free_port) P_BAD=$(free_port) P_SLOW=$(free_port) P_LIM=$(free_port)
P_RETRY=$(free_port) P_NOCONN=$(free_port) P_HALF=$(free_port)
NOBODY=$(free_port)  # nothing listens here: connecting fails
{
  global_section
  cat <<EOC
[frontend:down]
bind = 127.0.0.1:$P_DOWN
mode = http
pool = down

[frontend:closer]
bind = 127.0.0.1:$P_CLOSE
mode = http
pool = closer

[frontend:garbage]
bind = 127.0.0.1:$P_BAD
mode = http
pool = garbage

[frontend:slow]
bind = 127.0.0.1:$P_SLOW
mode = http
pool = slow

[frontend:limits]
bind = 127.0.0.1:$P_LIM
mode = http
pool = app
max_head_size = 2k
max_header_line = 1k
max_headers = 10
timeout_request = 1s
timeout_keepalive = 2s
timeout_client = 3s
max_body_size = 1k

[frontend:retry]
bind = 127.0.0.1:$P_RETRY
mode = http
pool = retry

[frontend:noconn]
bind = 127.0.0.1:$P_NOCONN
mode = http
pool = noconn

[frontend:half]
bind = 127.0.0.1:$P_HALF
mode = http
pool = half

[pool:retry]
health = none
retries = 2
server = nobody 127.0.0.1:$NOBODY
server = be2 127.0.0.1:${BE_PORT[be2]}

[pool:noconn]
health = none
retries = 2
server = nobody 127.0.0.1:$NOBODY

[pool:half]
health = none
retries = 2
server = closer 127.0.0.1:${BE_PORT[closer]}
server = be2 127.0.0.1:${BE_PORT[be2]}

[pool:down]
health = http
health_path = /health
health_interval = 200ms
health_timeout = 100ms
health_rise = 1
health_fall = 1
server = dead1 127.0.0.1:${BE_PORT[dead1]}
server = dead2 127.0.0.1:${BE_PORT[dead2]}

[pool:closer]
health = none
retries = 1
server = closer 127.0.0.1:${BE_PORT[closer]}

[pool:garbage]
health = none
retries = 0
server = garbage 127.0.0.1:${BE_PORT[garbage]}

[pool:slow]
health = none
timeout_server = 500ms
server = slow 127.0.0.1:${BE_PORT[slow]}

[pool:app]
health = none
server = be1 127.0.0.1:${BE_PORT[be1]}
EOC
} >"$T/tandem.ini"

start_tandemd "$T/tandem.ini" || bail "tandemd starts" "$(tail -5 "$T/tandemd.err" 2>/dev/null)"
ok "tandemd starts"

# own_answer FILE STATUS REASON CLOSED: the first response is Tandem's own
# answer STATUS (text/plain "STATUS REASON\n", Content-Length, request id),
# and the connection was closed after it (CLOSED = True) or not (False).
own_answer() {
  rcheck "$1" "(len(R) >= 1 and R[0]['status'] == $2 and R[0]['body'] == '$2 $3\n'
    and hdr(R[0], 'content-length') == str(len(R[0]['body']))
    and (hdr(R[0], 'content-type') or '').startswith('text/plain')
    and hdr(R[0], 'x-request-id') is not None
    and d['closed'] == $4
    and ((hdr(R[0], 'connection') or '').lower() == 'close') == $4)"
}
GET='GET /x HTTP/1.1\r\nHost: t\r\n\r\n'

# --- 503: no server up ----------------------------------------------------------------
check "down pool: servers up at first" wait_until 5 all_up down dead1 dead2
stop_proc dead1
stop_proc dead2
check "down pool: both servers seen down" wait_until 5 eval "field_is down dead1 health down && field_is down dead2 health down"
raw "$P_DOWN" --send "$GET" --read 1 --send "$GET" --read 2 --linger 0.5 >"$T/503.json"
check "503 when no server is up; the connection is kept" own_answer "$T/503.json" 503 "Service Unavailable" False
check "503: a second request on the connection gets 503 too" rcheck "$T/503.json" 'len(R) == 2 and R[1]["status"] == 503'

# --- 502: the server closes without answering / answers garbage ----------------------------
n0=$(stub_count closer)
raw "$P_CLOSE" --send "$GET" --read 1 --timeout 10 --linger 0.5 >"$T/502.json"
check "502 when the server closes without answering; the connection is kept" \
  own_answer "$T/502.json" 502 "Bad Gateway" False
check "502: the request did reach the server ($(($(stub_count closer) - n0)) times)" test "$(stub_count closer)" -gt "$n0"
raw "$P_BAD" --send "$GET" --read 1 --timeout 10 --linger 0.5 >"$T/502b.json"
check "502 when the server's response is malformed (two Content-Length values)" \
  own_answer "$T/502b.json" 502 "Bad Gateway" False
check "502: none of the malformed response reaches the client" rcheck "$T/502b.json" \
  'len(R) == 1 and "hello" not in R[0]["body"] and d["extra"] == ""'

# --- retries ----------------------------------------------------------------------------------------
bad=0
for i in $(seq 1 8); do
  raw "$P_RETRY" --send 'POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello' --read 1 --linger 0 >"$T/retry$i.json"
  rcheck "$T/retry$i.json" 'len(R) == 1 and R[0]["status"] == 200 and hdr(R[0], "x-server") == "be2"' >/dev/null || bad=$((bad + 1))
done
check "retries: a failed connect is retried on another server, even for POST (8 POSTs, $bad failed)" test "$bad" = 0
raw "$P_NOCONN" --send "$GET" --read 1 --timeout 10 --linger 0.5 >"$T/502c.json"
check "502 when no server can be reached after the retries; the connection is kept" \
  own_answer "$T/502c.json" 502 "Bad Gateway" False
n0=$(grep -c '^GET' "$T/closer.count" 2>/dev/null)
bad=0
for i in $(seq 1 8); do
  raw "$P_HALF" --send "GET /g$i HTTP/1.1\r\nHost: t\r\n\r\n" --read 1 --timeout 10 --linger 0 >"$T/half$i.json"
  rcheck "$T/half$i.json" 'len(R) == 1 and R[0]["status"] == 200 and hdr(R[0], "x-server") == "be2"' >/dev/null || bad=$((bad + 1))
done
n1=$(grep -c '^GET' "$T/closer.count" 2>/dev/null)
check "retries: a GET sent to a server that closed without answering is retried elsewhere (8 GETs, $bad failed)" test "$bad" = 0
check "retries: ... and some of them did go to that server first ($((n1 - n0)))" test $((n1 - n0)) -ge 1
p0=$(grep -c '^POST' "$T/closer.count" 2>/dev/null)
n502=0 n200=0
for i in $(seq 1 8); do
  raw "$P_HALF" --send "POST /p$i HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello" --read 1 --timeout 10 --linger 0 >"$T/halfp$i.json"
  if rcheck "$T/halfp$i.json" 'len(R) == 1 and R[0]["status"] == 502' >/dev/null; then n502=$((n502 + 1));
  elif rcheck "$T/halfp$i.json" 'len(R) == 1 and R[0]["status"] == 200' >/dev/null; then n200=$((n200 + 1)); fi
done
p1=$(grep -c '^POST' "$T/closer.count" 2>/dev/null)
check "retries: a POST that got no answer is not retried: one 502 per POST the closing server saw ($n502 502s, $n200 200s, $((p1 - p0)) seen)" \
  test "$n502" = $((p1 - p0)) -a $((n502 + n200)) = 8

# --- 504: no response within timeout_server --------------------------------------------------
raw "$P_SLOW" --send 'GET /sleep/3000 HTTP/1.1\r\nHost: t\r\n\r\n' --read 1 --timeout 5 \
  --send 'GET /echo?next HTTP/1.1\r\nHost: t\r\n\r\n' --read 2 --linger 0.3 >"$T/504.json"
check "504 when the server does not answer within timeout_server (500ms)" own_answer "$T/504.json" 504 "Gateway Timeout" False
check "504: after about timeout_server, not after the server's 3s" rcheck "$T/504.json" \
  'd["elapsed_ms"] < 2800'
check "504: the next request on the same connection is answered (200)" rcheck "$T/504.json" \
  'len(R) == 2 and R[1]["status"] == 200 and R[1]["body"].startswith("GET /echo?next ")'

# --- head limits: 431, 414 ----------------------------------------------------------------------
r0=$(be_stat be1 requests)
big=$(printf 'v%.0s' $(seq 900))
raw "$P_LIM" --send "GET /x HTTP/1.1\r\nHost: t\r\nX-A: $big\r\nX-B: $big\r\nX-C: $big\r\n\r\n" --read 1 --linger 2 >"$T/431a.json"
check "431 for a head over max_head_size (3 fields of 900 bytes, 2k)" \
  own_answer "$T/431a.json" 431 "Request Header Fields Too Large" True
line=$(printf 'v%.0s' $(seq 1500))
raw "$P_LIM" --send "GET /x HTTP/1.1\r\nHost: t\r\nX-Long: $line\r\n\r\n" --read 1 --linger 2 >"$T/431b.json"
check "431 for a field line over max_header_line (1500 bytes, 1k)" \
  own_answer "$T/431b.json" 431 "Request Header Fields Too Large" True
many=""
for i in $(seq 1 12); do many="${many}X-F$i: $i\r\n"; done
raw "$P_LIM" --send "GET /x HTTP/1.1\r\nHost: t\r\n$many\r\n" --read 1 --linger 2 >"$T/431c.json"
check "431 for more than max_headers fields (13 fields, 10)" \
  own_answer "$T/431c.json" 431 "Request Header Fields Too Large" True
raw "$P_LIM" --send "GET /$line HTTP/1.1\r\nHost: t\r\n\r\n" --read 1 --linger 2 >"$T/414.json"
check "414 for a request line over max_header_line (1500 bytes)" own_answer "$T/414.json" 414 "URI Too Long" True
few=""
for i in $(seq 1 8); do few="${few}X-F$i: $i\r\n"; done
raw "$P_LIM" --send "GET /echo HTTP/1.1\r\nHost: t\r\nX-M: $(printf 'v%.0s' $(seq 900))\r\n$few\r\n" --read 1 --linger 0.3 >"$T/lim_ok.json"
check "limits: a head just within them (9 fields, a 900-byte line) passes" rcheck "$T/lim_ok.json" \
  'len(R) == 1 and R[0]["status"] == 200'
r1=$(be_stat be1 requests)
check "limits: none of the refused requests reached the server" test $((r1 - r0)) = 2

# --- 408: the head does not arrive in timeout_request ----------------------------------------------
raw "$P_LIM" --send 'GET /x HTTP/1.1\r\nHost: t\r\n' --read 1 --timeout 6 --linger 1 >"$T/408.json"
check "408 when the head is not whole within timeout_request (1s)" own_answer "$T/408.json" 408 "Request Timeout" True
check "408: sent after about 1s" rcheck "$T/408.json" 'len(R) == 1 and 800 <= R[0]["at_ms"] <= 4000'
trickle=(--send 'GET /x HTTP/1.1\r\nHost: t\r\n')
for i in $(seq 1 10); do trickle+=(--pause 300 --send "X-T$i: $i\r\n"); done
raw "$P_LIM" "${trickle[@]}" --read 1 --timeout 6 --linger 1 >"$T/408b.json"
check "408: a head trickling in (a field every 300 ms for 3 s) is cut at timeout_request from its first byte" \
  rcheck "$T/408b.json" 'len(R) == 1 and R[0]["status"] == 408 and R[0]["at_ms"] < 2500 and d["closed"]'
raw "$P_LIM" --read 1 --timeout 8 --linger 1 >"$T/408c.json"
check "408 is not sent on a connection that sent nothing; it is closed" rcheck "$T/408c.json" \
  'len(R) == 0 and d["closed"] and d["extra"] == ""'

# --- 413: a body over max_body_size ---------------------------------------------------------------
raw "$P_LIM" --send 'POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n' --read 1 --linger 2 >"$T/413a.json"
check "413 for a Content-Length over max_body_size (5000, 1k)" own_answer "$T/413a.json" 413 "Content Too Large" True
chunk=$(printf 'x%.0s' $(seq 600))
raw "$P_LIM" --send "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n$chunk\r\n258\r\n$chunk\r\n0\r\n\r\n" \
  --read 1 --linger 2 >"$T/413b.json"
check "413 for a chunked body that counts over max_body_size (1200 bytes)" rcheck "$T/413b.json" \
  'len(R) >= 1 and R[0]["status"] == 413 and d["closed"]'
raw "$P_LIM" --send 'POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n'"$(printf 'y%.0s' $(seq 1000))" \
  --read 1 >"$T/413ok.json"
check "a body within max_body_size passes (1000 bytes)" rcheck "$T/413ok.json" \
  'len(R) == 1 and R[0]["status"] == 200 and hdr(R[0], "x-body-length") == "1000"'

# --- 501, 505 ---------------------------------------------------------------------------------------
raw "$P_LIM" --send 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n' --read 1 --linger 2 >"$T/501.json"
check "501 for CONNECT" own_answer "$T/501.json" 501 "Not Implemented" True
raw "$P_LIM" --send 'GET / HTTP/2.0\r\nHost: t\r\n\r\n' --read 1 --linger 2 >"$T/505.json"
check "505 for an HTTP/2.0 request line" own_answer "$T/505.json" 505 "HTTP Version Not Supported" True

# --- a client-sent request id is kept on Tandem's own answers -------------------------------------------
raw "$P_DOWN" --send 'GET / HTTP/1.1\r\nHost: t\r\nX-Request-Id: err-id-7\r\n\r\n' --read 1 >"$T/rid.json"
check "own answers carry the client's request id" rcheck "$T/rid.json" \
  'len(R) == 1 and R[0]["status"] == 503 and hdr(R[0], "x-request-id") == "err-id-7"'

finish
