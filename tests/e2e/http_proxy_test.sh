#!/usr/bin/env bash
# HTTP proxying (mode = http, docs/http.md "A request's way through"):
# GET, client keep-alive and its idle timeout, HTTP/1.0 clients, pipelining,
# the forwarding fields and the request id, hop-by-hop fields, chunked
# responses and request bodies, 100-continue, Upgrade, bodiless statuses
# and HEAD, a response delimited by close, and server-side connection reuse.
. "$(dirname "$0")/lib.sh"

start_backend be1 || bail "backend be1 starts"
start_backend be2 || bail "backend be2 starts"
P=$(free_port) P_REUSE=$(free_port) P_7239=$(free_port) P_BOTH=$(free_port) P_NONE=$(free_port)
{
  global_section
  cat <<EOC
[frontend:web]
bind = 127.0.0.1:$P
mode = http
pool = app
timeout_keepalive = 2s

[frontend:reuse]
bind = 127.0.0.1:$P_REUSE
mode = http
pool = reuse

[frontend:rfc7239]
bind = 127.0.0.1:$P_7239
mode = http
pool = app
forwarded = rfc7239
request_id_header = X-Trace

[frontend:both]
bind = 127.0.0.1:$P_BOTH
mode = http
pool = app
forwarded = both

[frontend:none]
bind = 127.0.0.1:$P_NONE
mode = http
pool = app
forwarded = none

[pool:app]
health = none
server = be1 127.0.0.1:${BE_PORT[be1]}

[pool:reuse]
health = none
server = be2 127.0.0.1:${BE_PORT[be2]}
EOC
} >"$T/tandem.ini"

start_tandemd "$T/tandem.ini" || bail "tandemd starts" "$(tail -5 "$T/tandemd.err" 2>/dev/null)"
ok "tandemd starts"
URL=http://127.0.0.1:$P
hc() { curl -s --max-time 10 "$@"; }

# --- a plain GET ---------------------------------------------------------------
hc -D "$T/get.h" -o "$T/get.b" "$URL/hello"
check "GET: 200 with be1's body" eval 'has_line "$T/get.h" "HTTP/1.1 200 OK" && [ "$(cat "$T/get.b")" = be1 ]'
check "GET: the server's own fields reach the client (X-Server)" has_line "$T/get.h" "x-server: be1"

# --- client keep-alive -------------------------------------------------------------
hc -v "$URL/a" "$URL/b" "$URL/c" >"$T/ka.out" 2>"$T/ka.err"
check "keep-alive: curl re-uses its connection for 3 URLs" \
  eval 'grep -q "Re-using existing connection" "$T/ka.err" && [ "$(grep -c "Connected to" "$T/ka.err")" = 1 ]'
check "keep-alive: three answers" test "$(tr '\n' ' ' <"$T/ka.out")" = "be1 be1 be1 "
check "keep-alive: no 'Connection: close' on the answers" eval '! grep -qi "^< connection: close" "$T/ka.err"'

raw "$P" --send 'GET /a HTTP/1.1\r\nHost: x\r\n\r\n' --read 1 --linger 6 >"$T/idle.json"
check "keep-alive: an idle client connection is closed after timeout_keepalive (2s)" \
  rcheck "$T/idle.json" 'len(R) == 1 and d["closed"] and 1500 <= d["elapsed_ms"] <= 5000'

# --- HTTP/1.0 clients ------------------------------------------------------------
raw "$P" --send 'GET /echo HTTP/1.0\r\n\r\n' --read 1 --linger 3 >"$T/h10.json"
check "HTTP/1.0: answered 200 as HTTP/1.1 with Connection: close, then closed" rcheck "$T/h10.json" \
  'len(R) == 1 and R[0]["status"] == 200 and R[0]["head"].startswith("HTTP/1.1 ") and (hdr(R[0], "connection") or "").lower() == "close" and d["closed"]'
check "HTTP/1.0: the server gets the request as HTTP/1.0 (no chunked answer), asking for keep-alive" rcheck "$T/h10.json" \
  'R[0]["body"].startswith("GET /echo HTTP/1.0\r\n") and "\r\nConnection: keep-alive\r\n" in R[0]["body"]'
raw "$P" --send 'GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n' --read 1 \
  --send 'GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n' --read 2 --linger 0.5 >"$T/h10ka.json"
check "HTTP/1.0 with Connection: keep-alive: 2 answers on one connection, each with Connection: keep-alive" \
  rcheck "$T/h10ka.json" 'len(R) == 2 and all(r["status"] == 200 and (hdr(r, "connection") or "").lower() == "keep-alive" for r in R) and not d["closed"]'

# --- pipelining ----------------------------------------------------------------------
raw "$P" --send 'GET /echo?n=1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /echo?n=2 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET /echo?n=3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' \
  --read 3 --linger 3 >"$T/pipe.json"
check "pipelining: 3 requests in one write get 3 answers in order" rcheck "$T/pipe.json" \
  'len(R) == 3 and all(R[i]["status"] == 200 and R[i]["body"].split("\r\n")[0] == "%s /echo?n=%d HTTP/1.1" % ("POST" if i == 1 else "GET", i + 1) for i in range(3))'
check "pipelining: the body of the middle request reaches the server" rcheck "$T/pipe.json" 'hdr(R[1], "x-body-length") == "5"'
check "pipelining: Connection: close on the last request closes after its answer" rcheck "$T/pipe.json" \
  '(hdr(R[2], "connection") or "").lower() == "close" and d["closed"]'

# --- forwarding fields and the request id ---------------------------------------------
hc --interface 127.0.0.7 -D "$T/xff.h" -o "$T/xff.b" "$URL/echo"
check "X-Forwarded-For: the client's address" has_line "$T/xff.b" 'x-forwarded-for: 127\.0\.0\.7'
check "X-Forwarded-Proto: http" has_line "$T/xff.b" 'x-forwarded-proto: http'
check "X-Forwarded-Port: the frontend's port" has_line "$T/xff.b" "x-forwarded-port: $P"
check "X-Request-Id: generated, 32 hex digits" has_line "$T/xff.b" 'x-request-id: [0-9a-f]{32}'
rid=$(hget "$T/xff.b" x-request-id)
check "X-Request-Id: the response carries the id the server saw" test -n "$rid" -a "$(hget "$T/xff.h" x-request-id)" = "$rid"
hc -o "$T/xff2.b" "$URL/echo"
check "X-Request-Id: another request gets another id" test "$(hget "$T/xff2.b" x-request-id)" != "$rid"

hc --interface 127.0.0.7 -o "$T/xffc.b" -H 'X-Forwarded-For: 10.1.2.3' "$URL/echo"
check "X-Forwarded-For: the client's address appended to the value the client sent (one field)" eval \
  'has_line "$T/xffc.b" "x-forwarded-for: 10\.1\.2\.3, ?127\.0\.0\.7" && [ "$(count_lines "$T/xffc.b" "x-forwarded-for:.*")" = 1 ]'
hc -D "$T/rid.h" -o "$T/rid.b" -H 'X-Request-Id: test-id-42' "$URL/echo"
check "X-Request-Id: the client's id is passed on unchanged, once" eval \
  'has_line "$T/rid.b" "x-request-id: test-id-42" && [ "$(count_lines "$T/rid.b" "x-request-id:.*")" = 1 ]'
check "X-Request-Id: the response carries the client's id" has_line "$T/rid.h" 'x-request-id: test-id-42'
long_id=$(printf 'a%.0s' $(seq 129))
hc -o "$T/ridl.b" -H "X-Request-Id: $long_id" "$URL/echo"
check "X-Request-Id: a client id over 128 characters is replaced by a generated one" eval \
  'has_line "$T/ridl.b" "x-request-id: [0-9a-f]{32}" && [ "$(count_lines "$T/ridl.b" "x-request-id:.*")" = 1 ]'

# forwarded = rfc7239 | both | none; request_id_header
hc --interface 127.0.0.7 -D "$T/f7.h" -o "$T/f7.b" "http://127.0.0.1:$P_7239/echo"
check "forwarded = rfc7239: Forwarded with for=127.0.0.7, proto=http, host=the Host field reaches the server" eval \
  'has_line "$T/f7.b" "forwarded: (.*[;,] *)?for=\"?127\.0\.0\.7(:[0-9]+)?\"?([;,].*)?" &&
   has_line "$T/f7.b" "forwarded: .*proto=http([;,].*)?" &&
   has_line "$T/f7.b" "forwarded: .*host=\"?127\.0\.0\.1:$P_7239\"?([;,].*)?"'
check "forwarded = rfc7239: no X-Forwarded-* fields" eval '! has_line "$T/f7.b" "x-forwarded-[a-z]*:.*"'
check "request_id_header = X-Trace: the server gets X-Trace (32 hex), not X-Request-Id" eval \
  'has_line "$T/f7.b" "x-trace: [0-9a-f]{32}" && ! has_line "$T/f7.b" "x-request-id:.*"'
check "request_id_header = X-Trace: the response carries the same X-Trace" eval \
  '[ -n "$(hget "$T/f7.b" x-trace)" ] && [ "$(hget "$T/f7.h" x-trace)" = "$(hget "$T/f7.b" x-trace)" ]'
hc --interface 127.0.0.7 -o "$T/f7c.b" -H 'Forwarded: for=10.1.2.3' "http://127.0.0.1:$P_7239/echo"
check "forwarded = rfc7239: the element is appended after the client's" eval \
  'tr -d "\r" <"$T/f7c.b" | grep -i "^forwarded:" | tr "\n" "," | grep -qiE "for=10\.1\.2\.3.*for=\"?127\.0\.0\.7"'
hc --interface 127.0.0.7 -o "$T/fb.b" "http://127.0.0.1:$P_BOTH/echo"
check "forwarded = both: Forwarded and X-Forwarded-For" eval \
  'has_line "$T/fb.b" "forwarded: .*for=127\.0\.0\.7.*" && has_line "$T/fb.b" "x-forwarded-for: 127\.0\.0\.7"'
hc --interface 127.0.0.7 -o "$T/fn.b" "http://127.0.0.1:$P_NONE/echo"
check "forwarded = none: neither Forwarded nor X-Forwarded-*" eval \
  '! has_line "$T/fn.b" "forwarded:.*" && ! has_line "$T/fn.b" "x-forwarded-[a-z]*:.*"'
hc -o "$T/fnc.b" -H 'X-Forwarded-For: 10.1.2.3' "http://127.0.0.1:$P_NONE/echo"
check "forwarded = none: a client's X-Forwarded-For is passed on as it is" has_line "$T/fnc.b" 'x-forwarded-for: 10\.1\.2\.3'

# --- hop-by-hop fields ---------------------------------------------------------------------
hc -o "$T/hop.b" -H 'Connection: keep-alive, X-Secret' -H 'X-Secret: s3cret' -H 'Keep-Alive: timeout=5' \
  -H 'Proxy-Connection: keep-alive' -H 'TE: trailers' -H 'Trailer: X-Foo' -H 'Upgrade: h2c' -H 'X-Kept: yes' "$URL/echo"
check "hop-by-hop: an end-to-end field is forwarded (X-Kept)" has_line "$T/hop.b" 'x-kept: yes'
for f in keep-alive proxy-connection te trailer upgrade x-secret; do
  check "hop-by-hop: $f is not forwarded" eval "! has_line \"\$T/hop.b\" '$f:.*'"
done
check "hop-by-hop: the client's Connection field is not forwarded" eval '! has_line "$T/hop.b" "connection:.*x-secret.*"'

# --- chunked responses, request bodies ------------------------------------------------------
hc -D "$T/chk.h" -o "$T/chk.b" "$URL/chunked/5500"
check "chunked response: 5500 bytes arrive" test "$(wc -c <"$T/chk.b")" = 5500
check "chunked response: the trailer field arrives" has_line "$T/chk.h" 'x-chunks: 6'
raw "$P" --send 'GET /chunked/2500 HTTP/1.1\r\nHost: x\r\n\r\n' --read 1 >"$T/chk.json"
check "chunked response: passed on chunked, trailer included" rcheck "$T/chk.json" \
  'len(R) == 1 and (hdr(R[0], "transfer-encoding") or "").lower() == "chunked" and len(R[0]["body"]) == 2500 and [[n.lower(), v] for n, v in R[0]["trailers"]] == [["x-chunks", "3"]]'
hc -o "$T/chkbig.b" "$URL/chunked/2000000"
check "chunked response: 2 MB arrive whole" test "$(wc -c <"$T/chkbig.b")" = 2000000

head -c 300000 /dev/urandom >"$T/body.bin"
hc -D "$T/cl.h" -o "$T/cl.b" -H 'Expect:' --data-binary @"$T/body.bin" "$URL/echo"
check "request body (Content-Length, 300000 bytes) reaches the server whole" eval \
  '[ "$(hget "$T/cl.h" x-body-length)" = 300000 ] && has_line "$T/cl.b" "content-length: 300000"'
hc -D "$T/te.h" -o "$T/te.b" -H 'Expect:' -H 'Transfer-Encoding: chunked' --data-binary @"$T/body.bin" "$URL/echo"
check "request body (chunked, 300000 bytes) reaches the server whole, still chunked" eval \
  '[ "$(hget "$T/te.h" x-body-length)" = 300000 ] && has_line "$T/te.b" "transfer-encoding: chunked"'

# --- 100-continue ---------------------------------------------------------------------------------
raw "$P" --send 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n' \
  --read-interim 1 --timeout 3 --send 'hello' --read 1 >"$T/100.json"
check "100-continue: the server's 100 Continue reaches the client before it sends the body" rcheck "$T/100.json" \
  'not d["timed_out"] and len(R) == 1 and R[0]["interim"] == [100] and R[0]["status"] == 200'
check "100-continue: Expect is passed to the server, and the body follows" rcheck "$T/100.json" \
  '"expect: 100-continue" in R[0]["body"].lower() and hdr(R[0], "x-body-length") == "5"'
t=$(hc -D "$T/100c.h" -o /dev/null --expect100-timeout 8 -H 'Expect: 100-continue' --data-binary @"$T/body.bin" \
  -w '%{time_total}' "$URL/echo")
check "100-continue: curl's upload goes on at once (${t}s) and arrives whole" eval \
  '[ "$(hget "$T/100c.h" x-body-length)" = 300000 ] && awk -v t="$t" "BEGIN { exit !(t < 4) }"'

# --- Upgrade ------------------------------------------------------------------------------------------
raw "$P" --send 'GET /upgrade HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n' --read 1 \
  --send 'ping-1' --read-raw 6 --send '-and-more' --read-raw 15 --shut-wr --linger 3 >"$T/up.json"
check "Upgrade: the server's 101 reaches the client" rcheck "$T/up.json" \
  'len(R) == 1 and R[0]["status"] == 101 and (hdr(R[0], "upgrade") or "").lower() == "websocket"'
check "Upgrade: then bytes are relayed both ways (echoed)" rcheck "$T/up.json" 'd["extra"] == "ping-1-and-more"'
check "Upgrade: the client's half-close reaches the server, whose close comes back" rcheck "$T/up.json" \
  'len(R) == 1 and R[0]["status"] == 101 and d["closed"]'

# --- bodiless answers, HEAD -----------------------------------------------------------------------------
raw "$P" --send 'GET /status/204 HTTP/1.1\r\nHost: x\r\n\r\nGET /status/304 HTTP/1.1\r\nHost: x\r\n\r\nGET /status/404 HTTP/1.1\r\nHost: x\r\n\r\nGET /echo?after HTTP/1.1\r\nHost: x\r\n\r\n' \
  --read 4 >"$T/st.json"
check "204, 304 (no body), 404, then 200 on one connection" rcheck "$T/st.json" \
  '[r["status"] for r in R] == [204, 304, 404, 200] and R[3]["body"].startswith("GET /echo?after ")'
hc -I -D "$T/head.h" -o /dev/null -o /dev/null "$URL/size/1000" "$URL/size/2000"
rc=$?
check "HEAD: no body is awaited (two HEADs on one connection, Content-Length kept)" eval \
  '[ $rc -eq 0 ] && has_line "$T/head.h" "content-length: 1000" && has_line "$T/head.h" "content-length: 2000"'

# --- a response delimited by close ------------------------------------------------------------------------
raw "$P" --send 'GET /close HTTP/1.1\r\nHost: x\r\n\r\n' --read 1 --linger 3 >"$T/close.json"
check "until close: the whole body arrives and the client connection is closed after it" rcheck "$T/close.json" \
  'len(R) == 1 and R[0]["status"] == 200 and R[0]["body"] == "be1\n" and d["closed"]'
hc -o "$T/close.b" "$URL/close/200000"
rc=$?
check "until close: 200004 bytes arrive, curl exits 0 (got $rc)" eval '[ $rc -eq 0 ] && [ "$(wc -c <"$T/close.b")" = 200004 ]'


# --- server-side keep-alive ----------------------------------------------------------------------------------
stats() { curl -s --max-time 5 "http://127.0.0.1:${BE_PORT[be2]}/stats" >"$T/$1.json"; }
stats reuse0
fails=0
for i in $(seq 10); do
  [ "$(hc "http://127.0.0.1:$P_REUSE/r$i")" = be2 ] || fails=$((fails + 1))
done
stats reuse1
field() { jget "$T/$1.json" "d['$2']" 2>/dev/null || echo -1000; }
reused=$(($(field reuse1 keepalive_reuses) - $(field reuse0 keepalive_reuses)))
# connections: minus 1, the second /stats request's own
opened=$(($(field reuse1 connections) - $(field reuse0 connections) - 1))
check "server keep-alive: 10 requests on 10 client connections all answered" test "$fails" = 0
check "server keep-alive: >= $((10 - ${WORKERS:-2})) of them reuse a server connection (got $reused)" \
  test "$reused" -ge $((10 - ${WORKERS:-2}))
check "server keep-alive: at most one new server connection per worker (got $opened)" \
  test "$opened" -le "${WORKERS:-2}"

# The server restarts: its idle connections are gone; clients do not notice.
stop_proc be2
start_backend be2 "${BE_PORT[be2]}" || bail "backend be2 restarts on its port"
fails=0
for i in 1 2 3 4; do
  [ "$(hc "http://127.0.0.1:$P_REUSE/again$i")" = be2 ] || fails=$((fails + 1))
done
check "server keep-alive: after the server restarted, requests still succeed ($fails failed)" test "$fails" = 0
stop_proc be2
start_backend be2 "${BE_PORT[be2]}" || bail "backend be2 restarts on its port"
fails=0
for i in 1 2 3 4; do
  hc -D "$T/post$i.h" -o /dev/null -H 'Expect:' --data-binary "body$i" "http://127.0.0.1:$P_REUSE/echo"
  [ "$(hget "$T/post$i.h" x-body-length)" = 5 ] || fails=$((fails + 1))
done
check "server keep-alive: after another restart, POSTs (not idempotent) succeed too ($fails failed)" test "$fails" = 0

finish
