#!/usr/bin/env bash
# TLS to servers (docs/http.md "TLS to servers"): `server … tls verify=
# sni=`, the pool's tls_ca_file, https health checks, a failed handshake
# handled as a failed connect (retried elsewhere), bodies both ways over TLS,
# keep-alive reuse of TLS server connections, and session resumption.
# The TLS "servers" are a second tandemd terminating TLS in front of a
# plain backend, so both ends of the TLS are Tandem's (and the inner one
# counts handshakes and resumptions in `show tls`).
. "$(dirname "$0")/lib.sh"

command -v openssl >/dev/null || bail "openssl is installed"

# One self-signed certificate for backend.test: it is its own CA.
mkcert backend backend.test DNS:backend.test || bail "openssl makes a certificate" "$(tail -5 "$T/openssl.log")"

start_backend be1 || bail "backend be1 starts"

# --- the inner tandemd: TLS termination in front of be1 ------------------------
INNER_SOCK=$T/inner.sock
PI=$(free_port) PI2=$(free_port)
cat >"$T/inner.ini" <<EOC
[global]
node = inner
workers = 1
status_socket = $INNER_SOCK

[frontend:tls]
bind = 127.0.0.1:$PI
mode = http
pool = be
tls_cert = $T/backend.pem

# Only the fresh and reuse pools below connect here: its counters are theirs.
[frontend:counted]
bind = 127.0.0.1:$PI2
mode = http
pool = be
tls_cert = $T/backend.pem

[pool:be]
health = none
server = be1 127.0.0.1:${BE_PORT[be1]}
EOC
ictl() { "$TANDEMCTL" -s "$INNER_SOCK" "$@"; }
spawn inner "$TANDEMD" -c "$T/inner.ini"
wait_until 10 ictl status && wait_until 5 port_open "$PI" && wait_until 5 port_open "$PI2" || bail "inner tandemd starts" "$(tail -5 "$T/inner.err")"
inner_tls() { ictl show tls --json | jget - "[r for r in d if r['frontend'] == 'counted'][0]['$1']"; }

# --- the outer tandemd: pools of TLS servers -----------------------------------
P_OK=$(free_port) P_NAME=$(free_port) P_RETRY=$(free_port) P_FRESH=$(free_port) P_REUSE=$(free_port)
{
  global_section
  cat <<EOC
[frontend:verified]
bind = 127.0.0.1:$P_OK
mode = http
pool = verified

[frontend:wrongname]
bind = 127.0.0.1:$P_NAME
mode = http
pool = wrongname

[frontend:retry]
bind = 127.0.0.1:$P_RETRY
mode = http
pool = retry

[frontend:fresh]
bind = 127.0.0.1:$P_FRESH
mode = http
pool = fresh

[frontend:reuse]
bind = 127.0.0.1:$P_REUSE
mode = http
pool = reuse

[pool:verified]
health = http
health_interval = 200ms
tls_ca_file = $T/backend.crt
server = good 127.0.0.1:$PI tls verify=required sni=backend.test

[pool:wrongname]
health = http
health_interval = 200ms
tls_ca_file = $T/backend.crt
server = liar 127.0.0.1:$PI tls verify=required sni=other.test

[pool:retry]
health = none
retries = 1
tls_ca_file = $T/backend.crt
server = liar 127.0.0.1:$PI tls verify=required sni=other.test
server = good 127.0.0.1:$PI tls verify=required sni=backend.test

[pool:fresh]
health = none
server_keepalive_idle = 0s
server = plain 127.0.0.1:$PI2 tls

[pool:reuse]
health = none
server = plain 127.0.0.1:$PI2 tls
EOC
} >"$T/outer.ini"

"$TANDEMD" -c "$T/outer.ini" --check >"$T/check.out" 2>&1
check "a config with tls servers passes --check" grep -q "configuration is valid" "$T/check.out"
start_tandemd "$T/outer.ini" || bail "outer tandemd starts" "$(tail -5 "$T/tandemd.err")"
ok "outer tandemd starts"

# --- verification and https health checks -------------------------------------
check "verify=required with the right CA and name: the https check passes" \
  wait_until 5 field_is verified good health up
check "through it, a request reaches the backend" \
  test "$(curl -s --max-time 5 "http://127.0.0.1:$P_OK/")" = be1
check "verify=required with a name the certificate is not for: the check fails" \
  wait_until 5 field_is wrongname liar health down
reason=$(pool_field wrongname liar check)
check "the check says why ($reason)" grep -q "certificate verify failed" <<<"$reason"
check "no server up: 503" test "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$P_NAME/")" = 503

# --- a failed handshake is a failed connect: the request goes elsewhere -------
codes=""
for i in 1 2 3 4; do codes+="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$P_RETRY/") "; done
check "every request succeeds: the server failing TLS is skipped ($codes)" test "$codes" = "200 200 200 200 "
check "its handshake failures count as connect failures" \
  test "$(pool_field retry liar connect_failures)" -ge 1
check "and the log names the pool, the server and the reason" \
  grep -q "pool retry: server liar: TLS handshake: certificate verify failed" "$T/tandemd.err"

# --- bodies both ways over TLS -------------------------------------------------
head -c 1048576 /dev/urandom >"$T/up.bin"
got=$(curl -s --max-time 10 -D "$T/h.txt" -o /dev/null --data-binary @"$T/up.bin" \
  -H 'Content-Type: application/octet-stream' "http://127.0.0.1:$P_OK/echo" -w '%{http_code}')
check "a 1 MiB request body arrives whole over TLS" test "$got $(hget "$T/h.txt" X-Body-Length)" = "200 1048576"
n=$(curl -s --max-time 10 "http://127.0.0.1:$P_OK/chunked/2000000" | wc -c)
check "a 2 MB chunked response arrives whole over TLS ($n bytes)" test "$n" -eq 2000000

# --- connections: reused when kept alive, resumed when new ----------------------
h0=$(inner_tls handshakes) r0=$(inner_tls resumed)
for i in 1 2 3 4 5 6; do curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$P_FRESH/"; done
h1=$(inner_tls handshakes) r1=$(inner_tls resumed)
check "a new TLS connection per request (no keep-alive): 6 handshakes ($((h1 - h0)))" test $((h1 - h0)) -eq 6
check "all but the first resume the server's session ($((r1 - r0)) of 6)" test $((r1 - r0)) -ge 5
h0=$h1
for i in 1 2 3 4 5 6; do curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$P_REUSE/"; done
h1=$(inner_tls handshakes)
# Two workers may each open one.
check "with keep-alive the TLS connection is reused ($((h1 - h0)) handshakes for 6 requests)" \
  test $((h1 - h0)) -le 2 -a $((h1 - h0)) -ge 1

# --- a reload with a CA file that is not PEM is refused --------------------------
echo "not a certificate" >"$T/bad-ca.pem"
sed "s|tls_ca_file = $T/backend.crt|tls_ca_file = $T/bad-ca.pem|" "$T/outer.ini" >"$T/bad.ini"
"$TANDEMD" -c "$T/bad.ini" --check >"$T/bad.out" 2>&1
rc=$?
check "--check refuses a CA file without a certificate (exit $rc)" test "$rc" -eq 1
check "and names FILE:LINE and tls_ca_file" grep -q "bad.ini:[0-9]*: \[pool:verified\] tls_ca_file:" "$T/bad.out"

finish
