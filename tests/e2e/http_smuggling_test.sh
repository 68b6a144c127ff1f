#!/usr/bin/env bash
# Request smuggling and malformed input (docs/http.md "What is refused"):
# every case is answered 400 and the connection closed, and no request
# reaches the server (the backend's request counter does not move; the
# backend counts a request once its head and body are whole, or refused by
# itself). Valid requests close to the refused ones pass.
. "$(dirname "$0")/lib.sh"

start_backend be1 || bail "backend be1 starts"
P=$(free_port)
{
  global_section
  cat <<EOC
[frontend:web]
bind = 127.0.0.1:$P
mode = http
pool = app

[pool:app]
health = none
server = be1 127.0.0.1:${BE_PORT[be1]}
EOC
} >"$T/tandem.ini"

start_tandemd "$T/tandem.ini" || bail "tandemd starts" "$(tail -5 "$T/tandemd.err" 2>/dev/null)"
ok "tandemd starts"

N=0
# refused NAME RAW: RAW (escapes as for rawhttp --send) is answered 400 and
# the connection closed, nothing else answered, and be1 got no request.
refused() {
  local name=$1 data=$2 before after out
  N=$((N + 1))
  out="$T/refused$N.json"
  before=$(be_stat be1 requests)
  raw "$P" --send "$data" --read 1 --timeout 5 --linger 2 >"$out"
  after=$(be_stat be1 requests)  # +1: this /stats request itself
  if ! rcheck "$out" 'len(R) == 1 and R[0]["status"] == 400 and d["closed"]' >"$out.why" 2>&1; then
    not_ok "refused: $name" "$(cat "$out.why")"
  elif [ $((after - before)) -ne 1 ]; then
    not_ok "refused: $name" "the backend counted $((after - before - 1)) request(s)"
  else
    ok "refused: $name"
  fi
}
# passes NAME RAW EXPR: RAW gets one 200 (from be1); EXPR (rcheck) also holds.
passes() {
  local name=$1 data=$2 expr=${3:-True} out
  N=$((N + 1))
  out="$T/passes$N.json"
  raw "$P" --send "$data" --read 1 --timeout 5 >"$out"
  check "passes: $name" rcheck "$out" "len(R) == 1 and R[0]['status'] == 200 and hdr(R[0], 'x-server') == 'be1' and ($expr)"
}

H='Host: t\r\n'

# --- controls: valid requests next to the refused ones --------------------------------------
passes "a plain GET" "GET /echo HTTP/1.1\r\n$H\r\n"
passes "HTTP/1.0 without Host" 'GET /echo HTTP/1.0\r\n\r\n'
passes "a Content-Length body" "POST /echo HTTP/1.1\r\n${H}Content-Length: 5\r\n\r\nhello" 'hdr(R[0], "x-body-length") == "5"'
passes "a chunked body with an extension and a trailer" \
  "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\nX-Trailer: 1\r\n\r\n" \
  'hdr(R[0], "x-body-length") == "5"'
passes "a tab inside a field value" "GET /echo HTTP/1.1\r\n${H}X-A: a\tb\r\n\r\n"
passes "an empty field value" "GET /echo HTTP/1.1\r\n${H}X-Empty:\r\n\r\n"
passes "an absolute-form target" "GET http://t/echo HTTP/1.1\r\n$H\r\n"

# --- Content-Length and Transfer-Encoding ------------------------------------------------------
refused "Content-Length with Transfer-Encoding (a request smuggled in the body)" \
  "POST /echo HTTP/1.1\r\n${H}Content-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n$H\r\n"
refused "Transfer-Encoding before Content-Length" \
  "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n"
refused "two Content-Length fields with different values" \
  "POST /echo HTTP/1.1\r\n${H}Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"
refused "a Content-Length list with different values" \
  "POST /echo HTTP/1.1\r\n${H}Content-Length: 5, 6\r\n\r\nhello!"
refused "Content-Length not only digits (+5)" "POST /echo HTTP/1.1\r\n${H}Content-Length: +5\r\n\r\nhello"
refused "Content-Length not only digits (-1)" "POST /echo HTTP/1.1\r\n${H}Content-Length: -1\r\n\r\n"
refused "Content-Length not only digits (0x5)" "POST /echo HTTP/1.1\r\n${H}Content-Length: 0x5\r\n\r\nhello"
refused "Content-Length not only digits (5 5)" "POST /echo HTTP/1.1\r\n${H}Content-Length: 5 5\r\n\r\nhello"
refused "Content-Length empty" "POST /echo HTTP/1.1\r\n${H}Content-Length: \r\n\r\n"
refused "Content-Length too large (99999999999999999999999)" \
  "POST /echo HTTP/1.1\r\n${H}Content-Length: 99999999999999999999999\r\n\r\nhello"
refused "Transfer-Encoding: chunked, chunked" "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n"
refused "Transfer-Encoding twice (chunked + chunked)" \
  "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
refused "Transfer-Encoding: gzip, chunked" "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"
refused "Transfer-Encoding: xchunked" "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n"
refused "Transfer-Encoding: chunked;x" "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked;x\r\n\r\n0\r\n\r\n"
refused "Transfer-Encoding: identity" "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: identity\r\n\r\nhello"
refused "Transfer-Encoding in an HTTP/1.0 request" "POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"

# --- field syntax ---------------------------------------------------------------------------------
refused "obs-fold (a field line starting with a space)" "GET /echo HTTP/1.1\r\n${H}X-A: 1\r\n  folded\r\n\r\n"
refused "obs-fold (a field line starting with a tab)" "GET /echo HTTP/1.1\r\n${H}X-A: 1\r\n\tfolded\r\n\r\n"
refused "a first field line starting with a space" "GET /echo HTTP/1.1\r\n Host: t\r\n\r\n"
refused "a bare CR in a field value" "GET /echo HTTP/1.1\r\n${H}X-A: a\rb\r\n\r\n"
refused "a bare LF ending a field line" "GET /echo HTTP/1.1\r\n${H}X-A: a\nX-B: b\r\n\r\n"
refused "bare LFs as every line end" 'GET /echo HTTP/1.1\nHost: t\n\n'
refused "a bare LF ending the request line" "GET /echo HTTP/1.1\n$H\r\n"
refused "NUL in a field value" "GET /echo HTTP/1.1\r\n${H}X-A: a\x00b\r\n\r\n"
refused "a control character (0x01) in a field value" "GET /echo HTTP/1.1\r\n${H}X-A: a\x01b\r\n\r\n"
refused "a control character (0x1f) in a field value" "GET /echo HTTP/1.1\r\n${H}X-A: a\x1fb\r\n\r\n"
refused "a byte above 0x7F in the request line" "GET /caf\xc3\xa9 HTTP/1.1\r\n$H\r\n"
refused "a byte above 0x7F in a field name" "GET /echo HTTP/1.1\r\n${H}X-\xe9: 1\r\n\r\n"
refused "a space between field name and colon" "GET /echo HTTP/1.1\r\nHost : t\r\n\r\n"
refused "a tab between field name and colon" "GET /echo HTTP/1.1\r\n${H}X-A\t: 1\r\n\r\n"
refused "an empty field name" "GET /echo HTTP/1.1\r\n$H: value\r\n\r\n"
refused "a field line without a colon" "GET /echo HTTP/1.1\r\n${H}X-A 1\r\n\r\n"

# --- the request line ------------------------------------------------------------------------------------
refused "two spaces after the method" "GET  /echo HTTP/1.1\r\n$H\r\n"
refused "two spaces before the version" "GET /echo  HTTP/1.1\r\n$H\r\n"
refused "a space after the version" "GET /echo HTTP/1.1 \r\n$H\r\n"
refused "a leading space" " GET /echo HTTP/1.1\r\n$H\r\n"
refused "tabs as separators" "GET\t/echo\tHTTP/1.1\r\n$H\r\n"
refused "no version" "GET /echo\r\n$H\r\n"
refused "a space inside the target" "GET /a b HTTP/1.1\r\n$H\r\n"
refused "a lower-case version (http/1.1)" "GET /echo http/1.1\r\n$H\r\n"
refused "a version without minor (HTTP/1)" "GET /echo HTTP/1\r\n$H\r\n"

# --- Host -----------------------------------------------------------------------------------------------------
refused "HTTP/1.1 without Host" 'GET /echo HTTP/1.1\r\nX-A: 1\r\n\r\n'
refused "HTTP/1.1 with two Host fields" "GET /echo HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"
refused "HTTP/1.1 with two Host fields with the same value" "GET /echo HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"

# --- chunked bodies ---------------------------------------------------------------------------------------------
CH="POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n"
refused "a chunk size that is not hex (zz)" "${CH}zz\r\nhello\r\n0\r\n\r\n"
refused "a chunk size with a sign (+5)" "${CH}+5\r\nhello\r\n0\r\n\r\n"
refused "an empty chunk size" "${CH}\r\nhello\r\n0\r\n\r\n"
refused "a chunk size that does not fit in 64 bits (17 hex digits)" "${CH}10000000000000000\r\nhello\r\n0\r\n\r\n"
refused "a chunk not followed by CRLF" "${CH}5\r\nhelloXX\r\n0\r\n\r\n"
refused "a chunk followed by a bare LF" "${CH}5\r\nhello\n0\r\n\r\n"
refused "a malformed trailer (no colon)" "${CH}5\r\nhello\r\n0\r\nnot a field\r\n\r\n"
refused "a malformed trailer (obs-fold)" "${CH}5\r\nhello\r\n0\r\nX-T: 1\r\n folded\r\n\r\n"
refused "a request smuggled after a bad last chunk" "${CH}0\r\nGET /smuggled HTTP/1.1\r\n$H\r\n"

# The same connection is not reused after a refusal: a pipelined valid
# request behind a refused one is not answered.
raw "$P" --send "GET /echo HTTP/1.1\r\n${H}X-A: a\x00b\r\n\r\nGET /echo?after HTTP/1.1\r\n$H\r\n" --read 2 --timeout 2 --linger 1 >"$T/after.json"
check "after a refusal, a pipelined request behind it is not answered" rcheck "$T/after.json" \
  'len(R) == 1 and R[0]["status"] == 400 and d["closed"]'
check "tandemd still serves after all this" eval \
  '[ "$(curl -s --max-time 5 "http://127.0.0.1:$P/")" = be1 ]'

finish
