#!/usr/bin/env bash
# TLS termination on mode = http frontends (docs/config.md "HTTP frontends",
# `tls_*` keys): HTTPS with keep-alive, bodies both ways and
# X-Forwarded-Proto: https; the certificate chosen by SNI (exact, wildcard,
# default); ALPN (http/1.1 selected, h2 alone refused); resumption by
# ticket, by session cache and in TLS 1.3, and none when both are off;
# tls_min_version and the TLS 1.1 floor; garbage instead of a hello;
# `tandemctl show tls`; a reload with a new certificate (new connections get
# it, an established keep-alive connection goes on, old tickets still
# resume); bad cert/key files refused by --check and by reload.
# The certificates are made here, with openssl, in $T.
. "$(dirname "$0")/lib.sh"

TLSCLIENT=$ROOT/tests/tools/tlsclient.py
command -v openssl >/dev/null || bail "openssl is installed"

# --- certificates ----------------------------------------------------------------

# fp FILE: the SHA-256 fingerprint of the (first) certificate in FILE, lowercase hex.
fp() { openssl x509 -in "$1" -noout -fingerprint -sha256 2>/dev/null | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'; }

mkcert default default.test DNS:default.test || bail "openssl makes certificates" "$(tail -5 "$T/openssl.log")"
mkcert a www.a.test DNS:www.a.test
mkcert b wild.b.test 'DNS:*.b.test'
mkcert default2 default-v2.test DNS:default.test  # the default after the reload
mkcert other other.test DNS:other.test              # its key matches nothing in use
# default and a: cert and key in one file (NAME.pem); b: in separate files (tls_cert = CERT KEY)
for c in default a b default2 other; do
  [ -s "$T/$c.crt" ] && [ -s "$T/$c.key" ] || bail "openssl makes certificate $c" "$(tail -5 "$T/openssl.log")"
done
FP_DEFAULT=$(fp "$T/default.crt") FP_A=$(fp "$T/a.crt") FP_B=$(fp "$T/b.crt") FP_DEFAULT2=$(fp "$T/default2.crt")

# --- the daemon -----------------------------------------------------------------------

start_backend be1 || bail "backend be1 starts"
P=$(free_port) P13=$(free_port) PNR=$(free_port) PPLAIN=$(free_port)

# write_conf [EXTRA_LINE...]: $T/tandem.ini; EXTRA_LINEs go into [frontend:web].
write_conf() {
  {
    global_section
    echo "[frontend:web]"
    echo "bind = 127.0.0.1:$P"
    echo "mode = http"
    echo "pool = app"
    echo "timeout_keepalive = 60s"
    echo "tls_cert = $T/default.pem"
    echo "tls_cert = $T/a.pem"
    echo "tls_cert = $T/b.crt $T/b.key"
    local line
    for line in "$@"; do echo "$line"; done
    cat <<EOC

[frontend:v13]
bind = 127.0.0.1:$P13
mode = http
pool = app
tls_cert = $T/default.pem
tls_min_version = 1.3

[frontend:nores]
bind = 127.0.0.1:$PNR
mode = http
pool = app
tls_cert = $T/default.pem
tls_tickets = no
tls_session_cache = 0

[frontend:plain]
bind = 127.0.0.1:$PPLAIN
mode = http
pool = app

[pool:app]
health = none
server = be1 127.0.0.1:${BE_PORT[be1]}
EOC
  } >"$T/tandem.ini"
}
write_conf

out=$(timeout 10 "$TANDEMD" -c "$T/tandem.ini" --check 2>&1)
rc=$?
check "tandemd --check accepts the TLS config (exit 0)" eval '[ $rc -eq 0 ] || { echo "$out"; false; }'
start_tandemd "$T/tandem.ini" || bail "tandemd starts" "$(tail -5 "$T/tandemd.err" 2>/dev/null)"
ok "tandemd starts"
# alive SECTION: stop here (one failure, not a cascade) if the daemon is gone.
alive() { proc_running tandemd || bail "tandemd still runs before $1" "$(tail -8 "$T/tandemd.err" 2>/dev/null)"; }

# tls_row FRONTEND FIELD: one field of FRONTEND's row of `show tls --json`
# (a list of rows, like `show pools --json`).
tls_row() {
  ctl show tls --json | "$PY" -c '
import json, sys
fe, field = sys.argv[1:3]
for row in json.load(sys.stdin):
    if row.get("frontend") == fe:
        print(int(row[field]))
        sys.exit(0)
sys.exit(1)' "$1" "$2"
}
# tls_n FRONTEND FIELD: the same, or -1000000 when unreadable (so a delta is clearly wrong).
tls_n() { tls_row "$1" "$2" 2>/dev/null || echo -1000000; }
# grew FRONTEND FIELD BEFORE [MIN]: FIELD is now >= BEFORE + MIN (default 1).
grew() { [ "$(tls_n "$1" "$2")" -ge $(($3 + ${4:-1})) ]; }

# sc NAME PORT ARGS...: openssl s_client to 127.0.0.1:PORT with ARGS, sending
# one request (Connection: close) and reading until the server closes; all
# its output in $T/NAME.sc. Bounded by 10 s.
sc() {
  local name=$1 port=$2
  shift 2
  printf 'GET /sc/%s HTTP/1.1\r\nHost: tls.test\r\nConnection: close\r\n\r\n' "$name" |
    timeout 10 openssl s_client -connect "127.0.0.1:$port" -ign_eof "$@" >"$T/$name.sc" 2>&1
}
# sc_summary NAME: s_client's first "New|Reused, VERSION, Cipher is C" line.
sc_summary() { grep -m1 -E '^(New|Reused), ' "$T/$1.sc"; }
# sc_ok NAME: the handshake succeeded (a cipher was agreed).
sc_ok() { sc_summary "$1" | grep -qE 'Cipher is [A-Za-z0-9_-]+$' && ! sc_summary "$1" | grep -q 'NONE'; }
# sc_reused NAME: ... and the session was resumed.
sc_reused() { sc_ok "$1" && sc_summary "$1" | grep -q '^Reused, '; }
# sc_new NAME: ... with a full handshake.
sc_new() { sc_ok "$1" && sc_summary "$1" | grep -q '^New, '; }
# sc_proto NAME: the protocol s_client reports (TLSv1.2, TLSv1.3, ...): its
# "Protocol :" line, else (a resumed TLS 1.3 session has none) the summary's.
sc_proto() {
  local p
  p=$(sed -n 's/^ *Protocol *: *//p' "$T/$1.sc" | head -1)
  [ -n "$p" ] || p=$(sc_summary "$1" | sed -n 's/^[A-Za-z]*, \(TLSv1\.[0-3]\),.*/\1/p')
  echo "$p"
}
# sc_fp NAME: the fingerprint of the server certificate s_client saw.
sc_fp() {
  sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p' "$T/$1.sc" >"$T/$1.peer.pem"
  fp "$T/$1.peer.pem"
}
# sc_served NAME: the backend's answer came back through the TLS connection.
sc_served() { grep -q '^X-Server: be1' "$T/$1.sc"; }
# sc_detail NAME: what to print when a check on NAME fails.
sc_detail() { echo "s_client said:"; grep -E '^(New|Reused)|Protocol|ALPN|error|alert|subject=|^HTTP/' "$T/$1.sc" | head -12; }

# hc NAME URL...: curl over https to tls.test names resolved to 127.0.0.1.
hc() {
  curl -s --max-time 20 --resolve "default.test:$P:127.0.0.1" --resolve "www.a.test:$P:127.0.0.1" \
    --resolve "x.b.test:$P:127.0.0.1" "$@"
}
WEB=https://default.test:$P

# --- 1. HTTPS through the proxy ------------------------------------------------------------
hc --cacert "$T/default.crt" -D "$T/get.h" -o "$T/get.b" "$WEB/hello"
check "https: GET through the TLS frontend gets be1's answer (cert verified against default.crt)" eval \
  'has_line "$T/get.h" "HTTP/1.1 200 OK" && [ "$(cat "$T/get.b")" = be1 ]'

hc --cacert "$T/default.crt" -w '%{num_connects} %{http_version}\n' -o "$T/ka1.b" -o "$T/ka2.b" \
  "$WEB/ka1" "$WEB/ka2" >"$T/ka.w" 2>"$T/ka.err"
check "https keep-alive: two URLs on one TLS connection, both answered (num_connects: $(tr '\n' ' ' <"$T/ka.w"))" eval \
  '[ "$(tr "\n" " " <"$T/ka.w")" = "1 1.1 0 1.1 " ] && [ "$(cat "$T/ka1.b" "$T/ka2.b" | tr "\n" " ")" = "be1 be1 " ]'

head -c 300000 /dev/urandom >"$T/body.bin"
hc -k -D "$T/te.h" -o "$T/te.b" -H 'Expect:' -H 'Transfer-Encoding: chunked' --data-binary @"$T/body.bin" "$WEB/echo"
check "https: a chunked POST body (300000 bytes) reaches the server whole" eval \
  '[ "$(hget "$T/te.h" x-body-length)" = 300000 ] && has_line "$T/te.b" "transfer-encoding: chunked"'
check "https: X-Forwarded-Proto is https" has_line "$T/te.b" 'x-forwarded-proto: https'
check "https: X-Forwarded-Port is the TLS frontend's port" has_line "$T/te.b" "x-forwarded-port: $P"
hc -k -D "$T/chk.h" -o "$T/chk.b" "$WEB/chunked/2000000"
check "https: a chunked 2 MB response arrives whole, trailer included" eval \
  '[ "$(wc -c <"$T/chk.b")" = 2000000 ] && has_line "$T/chk.h" "x-chunks: 2000"'
hc -k -o "$T/size.b" "$WEB/size/5000000"
check "https: a 5 MB response (Content-Length) arrives whole" test "$(wc -c <"$T/size.b")" = 5000000

# --- 2. SNI chooses the certificate ------------------------------------------------------
alive "2. SNI"
sc sni_a "$P" -servername www.a.test
check "SNI www.a.test: the www.a.test certificate" eval '[ "$(sc_fp sni_a)" = "$FP_A" ] && sc_served sni_a || { sc_detail sni_a; false; }'
sc sni_b "$P" -servername x.b.test
check "SNI x.b.test: the *.b.test certificate (key in its own file)" eval '[ "$(sc_fp sni_b)" = "$FP_B" ] && sc_served sni_b || { sc_detail sni_b; false; }'
sc sni_bb "$P" -servername y.x.b.test
check "SNI y.x.b.test: the wildcard covers one label only -> the default certificate" eval '[ "$(sc_fp sni_bb)" = "$FP_DEFAULT" ] || { sc_detail sni_bb; false; }'
sc sni_def "$P" -servername default.test
check "SNI default.test: the default certificate" eval '[ "$(sc_fp sni_def)" = "$FP_DEFAULT" ] || { sc_detail sni_def; false; }'
sc sni_unknown "$P" -servername unknown.test
check "SNI unknown.test: the default certificate" eval '[ "$(sc_fp sni_unknown)" = "$FP_DEFAULT" ] && sc_served sni_unknown || { sc_detail sni_unknown; false; }'
sc sni_none "$P" -noservername
check "no SNI: the default certificate" eval '[ "$(sc_fp sni_none)" = "$FP_DEFAULT" ] && sc_served sni_none || { sc_detail sni_none; false; }'
hc --cacert "$T/a.crt" -o "$T/a.b" https://www.a.test:$P/
hc --cacert "$T/b.crt" -o "$T/b.b" https://x.b.test:$P/
check "curl verifies www.a.test and x.b.test against their own certificates" eval \
  '[ "$(cat "$T/a.b" "$T/b.b" 2>/dev/null | tr "\n" " ")" = "be1 be1 " ]'

# --- 3. ALPN -----------------------------------------------------------------------------------
alive "3. ALPN"
sc alpn_both "$P" -servername default.test -alpn h2,http/1.1
check "ALPN h2,http/1.1: http/1.1 is selected, and the request is served" eval \
  'grep -q "^ALPN protocol: http/1.1" "$T/alpn_both.sc" && sc_served alpn_both || { sc_detail alpn_both; false; }'
sc alpn_none "$P" -servername default.test
check "no ALPN: served" eval 'sc_ok alpn_none && sc_served alpn_none && grep -q "^No ALPN negotiated" "$T/alpn_none.sc" || { sc_detail alpn_none; false; }'
f0=$(tls_n web failures)
sc alpn_h2 "$P" -servername default.test -alpn h2
check "ALPN h2 only: the handshake fails with a no_application_protocol alert" eval \
  '! sc_ok alpn_h2 && ! sc_served alpn_h2 && grep -qi "no application protocol" "$T/alpn_h2.sc" || { sc_detail alpn_h2; false; }'
check "ALPN h2 only: show tls counts a failure on web (before: $f0)" wait_until 3 grew web failures "$f0"

# --- 4. resumption -------------------------------------------------------------------------------
alive "4. resumption"
# resume_check ID LABEL PORT FRONTEND ARGS...: a full handshake saves the session,
# then 3 new connections offer it (3, so that every worker is likely hit);
# all must be resumed and counted in FRONTEND's `resumed`.
resume_check() {
  local id=$1 label=$2 port=$3 fe=$4 i bad="" r0
  shift 4
  rm -f "$T/$id.sess"
  sc "${id}_0" "$port" -servername default.test -sess_out "$T/$id.sess" "$@"
  if ! sc_new "${id}_0" || [ ! -s "$T/$id.sess" ]; then
    not_ok "resumption, $label: the first connection gets a session" "$(sc_detail "${id}_0")"
    return
  fi
  r0=$(tls_n "$fe" resumed)
  for i in 1 2 3; do
    sc "${id}_$i" "$port" -servername default.test -sess_in "$T/$id.sess" "$@"
    sc_reused "${id}_$i" && sc_served "${id}_$i" || bad="$bad [$i: $(sc_summary "${id}_$i")]"
  done
  check "resumption, $label: 3 connections offering the session are all resumed ('Reused')" eval \
    '[ -z "$bad" ] || { echo "$bad"; false; }'
  check "resumption, $label: show tls counts them in resumed (before: $r0)" wait_until 3 grew "$fe" resumed "$r0" 3
}
resume_check r12t "TLS 1.2 with a ticket" "$P" web -tls1_2
resume_check r12c "TLS 1.2 without tickets (session cache)" "$P" web -tls1_2 -no_ticket
resume_check r13 "TLS 1.3" "$P" web -tls1_3
check "resumption: the TLS 1.2 sessions really were TLS 1.2, the 1.3 one 1.3" eval \
  '[ "$(sc_proto r12t_1)" = TLSv1.2 ] && [ "$(sc_proto r12c_1)" = TLSv1.2 ] && [ "$(sc_proto r13_1)" = TLSv1.3 ]'

# no_resume_check LABEL WEB_SESSION ARGS...: on nores (tls_tickets = no,
# tls_session_cache = 0) the session of a first handshake is offered again;
# when the server gave none (neither id nor ticket: s_client writes no
# file), the session web gave (resumable there) is offered instead. Either
# way: a full handshake. NR_CONNS counts the connections made.
NR_CONNS=0
no_resume_check() {
  local label=$1 web_session=$T/$2.sess offer=$T/nr_$1.sess what="its own session"
  shift 2
  rm -f "$offer"
  sc "nr_${label}_0" "$PNR" -servername default.test -sess_out "$offer" "$@"
  NR_CONNS=$((NR_CONNS + 1))
  if ! sc_new "nr_${label}_0"; then
    not_ok "no resumption, $label: the first handshake succeeds" "$(sc_detail "nr_${label}_0")"
    return
  fi
  if [ ! -s "$offer" ]; then
    note "no resumption, $label: nores gave no resumable session; offering web's"
    offer=$web_session what="a session from web"
  fi
  sc "nr_${label}_1" "$PNR" -servername default.test -sess_in "$offer" "$@"
  NR_CONNS=$((NR_CONNS + 1))
  check "no resumption, $label: offering $what gets a full handshake ('New')" eval \
    '[ -s "$offer" ] && sc_new "nr_${label}_1" && sc_served "nr_${label}_1" || { sc_detail "nr_${label}_1"; false; }'
}
h0=$(tls_n nores handshakes) r0=$(tls_n nores resumed)
no_resume_check tls12 r12t -tls1_2
no_resume_check tls12-no-ticket r12c -tls1_2 -no_ticket
no_resume_check tls13 r13 -tls1_3
check "no resumption: show tls nores counts the $NR_CONNS handshakes, none resumed" eval \
  'wait_until 3 grew nores handshakes "$h0" "$NR_CONNS" && [ "$(tls_n nores resumed)" = "$r0" ] || { ctl show tls; false; }'

# --- 5. versions -------------------------------------------------------------------------------------
alive "5. versions"
f0=$(tls_n v13 failures)
sc v13_12 "$P13" -servername default.test -tls1_2
check "tls_min_version = 1.3: a TLS 1.2 client is refused" eval '! sc_ok v13_12 && ! sc_served v13_12 || { sc_detail v13_12; false; }'
check "tls_min_version = 1.3: the refusal is counted in failures (before: $f0)" wait_until 3 grew v13 failures "$f0"
sc v13_13 "$P13" -servername default.test -tls1_3
check "tls_min_version = 1.3: a TLS 1.3 client is served" eval \
  'sc_ok v13_13 && [ "$(sc_proto v13_13)" = TLSv1.3 ] && sc_served v13_13 || { sc_detail v13_13; false; }'
sc web_12 "$P" -servername default.test -tls1_2
check "default tls_min_version: a TLS 1.2 client is served" eval \
  'sc_ok web_12 && [ "$(sc_proto web_12)" = TLSv1.2 ] && sc_served web_12 || { sc_detail web_12; false; }'

# Can this machine's OpenSSL speak TLS 1.1 at all? Ask a local s_server that allows it.
PPROBE=$(free_port)
spawn probe openssl s_server -accept "127.0.0.1:$PPROBE" -cert "$T/default.crt" -key "$T/default.key" \
  -www -tls1_1 -cipher DEFAULT@SECLEVEL=0
can11=no
if wait_until 5 grep -q ACCEPT "$T/probe.out"; then
  sc probe11 "$PPROBE" -tls1_1 -cipher DEFAULT@SECLEVEL=0
  sc_ok probe11 && [ "$(sc_proto probe11)" = TLSv1.1 ] && can11=yes
fi
stop_proc probe
if [ $can11 = yes ]; then
  f0=$(tls_n web failures)
  sc web_11 "$P" -servername default.test -tls1_1 -cipher DEFAULT@SECLEVEL=0
  check "default tls_min_version (1.2): a TLS 1.1 client is refused" eval \
    '! sc_ok web_11 && ! sc_served web_11 || { sc_detail web_11; false; }'
  check "default tls_min_version: the TLS 1.1 refusal is counted in failures (before: $f0)" wait_until 3 grew web failures "$f0"
else
  note "SKIP TLS 1.1 refusal: this OpenSSL cannot make a TLS 1.1 handshake even with a local s_server that allows it"
  note "  (probe: $(sc_summary probe11 2>/dev/null))"
fi

# --- 6. garbage instead of a ClientHello -------------------------------------------------------------
alive "6. garbage"
f0=$(tls_n web failures)
raw "$P" --send 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' --linger 5 >"$T/garbage1.json"
raw "$P" --send '\x16\x03\x01\x00\x20this is not a client hello at all!\x00\x01\x02' --linger 5 >"$T/garbage2.json"
check "garbage: plain HTTP to the TLS port is closed promptly, unanswered" rcheck "$T/garbage1.json" \
  'd["closed"] and len(R) == 0 and d["elapsed_ms"] < 4500'
check "garbage: a TLS record with a broken hello is closed promptly" rcheck "$T/garbage2.json" \
  'd["closed"] and len(R) == 0 and d["elapsed_ms"] < 4500'
check "garbage: both counted in failures (before: $f0)" wait_until 3 grew web failures "$f0" 2
check "garbage: the daemon still serves https" eval \
  'proc_running tandemd && [ "$(hc -k "$WEB/after-garbage")" = be1 ]'

# --- show tls -----------------------------------------------------------------------------------------------
alive "show tls"
ctl show tls >"$T/show.txt" 2>&1
check "show tls: a header with frontend handshakes resumed failures" \
  eval 'head -1 "$T/show.txt" | tr A-Z a-z | grep -qE "^frontend +handshakes +resumed +failures"'
check "show tls: one row per TLS frontend (web, v13, nores), none for plain" eval \
  '[ "$(awk "NR > 1 && NF { print \$1 }" "$T/show.txt" | sort | tr "\n" " ")" = "nores v13 web " ] || { cat "$T/show.txt"; false; }'
check "show tls --json: web's handshakes >= its resumed + 10" eval \
  '[ "$(tls_n web handshakes)" -ge $(( $(tls_n web resumed) + 10 )) ] && [ "$(tls_n web resumed)" -ge 9 ]'
check "show certs --json: web's three certificates, the default first, with the names SNI matches" eval \
  'ctl show certs --json | jcheck - "[(r[\"file\"], r[\"names\"]) for r in d if r[\"frontend\"] == \"web\"] == [(\"$T/default.pem\", \"default.test\"), (\"$T/a.pem\", \"www.a.test\"), (\"$T/b.crt\", \"*.b.test\")]"'

# --- 7. certificate reload ------------------------------------------------------------------------------------
alive "7. certificate reload"
# Sessions from before the reload (www.a.test: its certificate does not change).
sc pre12 "$P" -servername www.a.test -tls1_2 -sess_out "$T/pre12.sess"
sc pre13 "$P" -servername www.a.test -tls1_3 -sess_out "$T/pre13.sess"
sc precache "$P" -servername www.a.test -tls1_2 -no_ticket -sess_out "$T/precache.sess"
check "reload: sessions saved before it" eval \
  'sc_new pre12 && sc_new pre13 && sc_new precache && [ -s "$T/pre12.sess" ] && [ -s "$T/pre13.sess" ] && [ -s "$T/precache.sess" ]'

# A keep-alive connection: one request, then wait for hold.go, then another.
spawn hold "$PY" "$TLSCLIENT" --connect "127.0.0.1:$P" --sni default.test --timeout 30 \
  --get /echo?n=1 --touch "$T/hold.ready" --wait-file "$T/hold.go" --get /echo?n=2
check "reload: a keep-alive TLS connection has made its first request" wait_until 10 test -e "$T/hold.ready"

cat "$T/default2.crt" "$T/default2.key" >"$T/default.pem.new"
mv -f "$T/default.pem.new" "$T/default.pem"
out=$(ctl reload 2>&1)
rc=$?
check "reload with the new default certificate: tandemctl reload exits 0" eval '[ $rc -eq 0 ] || { echo "$out"; false; }'
sc post_def "$P" -servername default.test
check "reload: a new connection gets the new default certificate (CN default-v2.test)" eval \
  '[ "$(sc_fp post_def)" = "$FP_DEFAULT2" ] && sc_served post_def || { sc_detail post_def; false; }'
sc post_none "$P" -noservername
check "reload: ... also without SNI" eval '[ "$(sc_fp post_none)" = "$FP_DEFAULT2" ] || { sc_detail post_none; false; }'
hc --cacert "$T/default2.crt" -o "$T/post.b" "$WEB/after-reload"
check "reload: curl verifies the new certificate" test "$(cat "$T/post.b" 2>/dev/null)" = be1
touch "$T/hold.go"
wait_proc hold 40
check "reload: the old keep-alive connection's second request succeeds on the same connection" rcheck "$T/hold.out" \
  'd["error"] is None and len(R) == 2 and all(r["status"] == 200 for r in R) and R[1]["body"].startswith("GET /echo?n=2 ")'
check "reload: ... and it kept the certificate it began with (the old default)" \
  jcheck "$T/hold.out" "d['cert_sha256'] == '$FP_DEFAULT'"

r0=$(tls_n web resumed)
sc post12 "$P" -servername www.a.test -tls1_2 -sess_in "$T/pre12.sess"
check "reload: a TLS 1.2 ticket from before the reload resumes after it" eval 'sc_reused post12 && sc_served post12 || { sc_detail post12; false; }'
sc post13 "$P" -servername www.a.test -tls1_3 -sess_in "$T/pre13.sess"
check "reload: a TLS 1.3 ticket from before the reload resumes after it" eval 'sc_reused post13 && sc_served post13 || { sc_detail post13; false; }'
check "reload: show tls counts both in resumed (before: $r0)" wait_until 3 grew web resumed "$r0" 2
sc postcache "$P" -servername www.a.test -tls1_2 -no_ticket -sess_in "$T/precache.sess"
check "reload: the session-id cache starts empty (a cached session from before gets a full handshake)" eval \
  'sc_new postcache && sc_served postcache || { sc_detail postcache; false; }'

# --- 8. bad certificates and keys ------------------------------------------------------------------------------
alive "8. bad certificates"
# bad_conf NAME TLS_CERT_VALUE: $T/NAME.ini, one TLS frontend with that
# tls_cert; BAD_LINE = the line of that tls_cert.
bad_conf() {
  {
    global_section
    echo "[frontend:bad]"
    echo "bind = 127.0.0.1:$(free_port)"
    echo "mode = http"
    echo "pool = app"
    echo "tls_cert = $2"
    echo
    echo "[pool:app]"
    echo "health = none"
    echo "server = be1 127.0.0.1:${BE_PORT[be1]}"
  } >"$T/$1.ini"
  BAD_LINE=$(grep -n '^tls_cert' "$T/$1.ini" | cut -d: -f1)
}
# check_refused LABEL NAME: --check on $T/NAME.ini exits 1 naming FILE:LINE: [frontend:bad] tls_cert.
check_refused() {
  local out rc ini=$T/$2.ini
  out=$(timeout 10 "$TANDEMD" -c "$ini" --check 2>&1)
  rc=$?
  check "--check, $1: exits 1 with '$2.ini:$BAD_LINE: [frontend:bad] tls_cert: ...' (exit $rc)" eval \
    '[ $rc -eq 1 ] && grep -qF "$ini:$BAD_LINE: [frontend:bad] tls_cert:" <<<"$out" && ! grep -qi "not available" <<<"$out" || { echo "$out"; false; }'
}
bad_conf badkey "$T/other.crt $T/a.key"
check_refused "key not matching the certificate" badkey
bad_conf missing "$T/no-such-file.pem"
check_refused "missing file" missing
head -c 600 /dev/urandom | base64 >"$T/junk.pem"
bad_conf junk "$T/junk.pem"
check_refused "not PEM" junk
bad_conf okconf "$T/a.pem"
check "--check: the same config with a good tls_cert exits 0" timeout 10 "$TANDEMD" -c "$T/okconf.ini" --check

# A reload naming a missing file is refused; the old config goes on.
write_conf "tls_cert = $T/no-such-file.pem"
BAD_LINE=$(grep -n 'no-such-file' "$T/tandem.ini" | cut -d: -f1)
out=$(ctl reload 2>&1)
rc=$?
check "bad reload (missing file): tandemctl reload exits 1 naming tandem.ini:$BAD_LINE: [frontend:web] tls_cert" eval \
  '[ $rc -eq 1 ] && grep -qF "$T/tandem.ini:$BAD_LINE: [frontend:web] tls_cert:" <<<"$out" || { echo "$out"; false; }'
sc badre1 "$P" -servername default.test
check "bad reload (missing file): the daemon still serves with the current certificate" eval \
  'proc_running tandemd && [ "$(sc_fp badre1)" = "$FP_DEFAULT2" ] && sc_served badre1 || { sc_detail badre1; false; }'

# A reload where a certificate file now does not match its key is refused too.
write_conf
cp "$T/b.crt" "$T/b.crt.orig"
cp "$T/other.crt" "$T/b.crt"
BAD_LINE=$(grep -nF "$T/b.crt" "$T/tandem.ini" | cut -d: -f1)
out=$(ctl reload 2>&1)
rc=$?
check "bad reload (b.crt replaced, key no longer matches): tandemctl reload exits 1 naming line $BAD_LINE" eval \
  '[ $rc -eq 1 ] && grep -qF "$T/tandem.ini:$BAD_LINE: [frontend:web] tls_cert:" <<<"$out" || { echo "$out"; false; }'
sc badre2 "$P" -servername x.b.test
check "bad reload (key mismatch): x.b.test still gets the old wildcard certificate" eval \
  'proc_running tandemd && [ "$(sc_fp badre2)" = "$FP_B" ] && sc_served badre2 || { sc_detail badre2; false; }'
cp "$T/b.crt.orig" "$T/b.crt"
check "after fixing the files, reload works again" ctl reload
sc fixed "$P" -servername x.b.test
check "after the good reload: x.b.test is served with the wildcard certificate" eval \
  '[ "$(sc_fp fixed)" = "$FP_B" ] && sc_served fixed || { sc_detail fixed; false; }'

finish
