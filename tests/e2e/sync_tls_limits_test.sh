#!/usr/bin/env bash
# The sync channel carries the state of mode http's protections and TLS
# (issue 5): lb-a (master) terminates TLS on the VIP and limits each client
# to one request per 20 s (`limit_request_rate = 0.05/s`). A client makes a
# TLS session and spends its request on lb-a; lb-a is killed (kill -9) and
# lb-b takes over: the client's TLS session resumes on lb-b (the pair shares
# its ticket keys) and the client is still limited there (429). A client
# that never came through lb-a is served. Without the sync channel both
# checks fail (lb-b's keys and buckets would be its own).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"

lab_sync_root_or_skip "sync tls and limits"
command -v openssl >/dev/null || bail "openssl is installed"
lab_up || bail "the lab comes up"
lab_backends || bail "the backends start"
mkcert vip vip.test "DNS:vip.test"

export LAB_SYNC=1 LAB_MODE=http
LAB_SYNC_KEYS=$'heartbeat_interval = 200ms\npeer_timeout = 1s'
LAB_FRONTEND_KEYS="tls_cert = $T/vip.crt $T/vip.key
limit_request_rate = 0.05/s"
lb_conf lb-a 200
lb_conf lb-b 100
lab_start_pair lb-a lb-b || bail "lb-a master, lb-b backup, both ready" "lb-a: $(lb_state lb-a), lb-b: $(lb_state lb-b)"
wait_until 5 eval 'lb_sync_has lb-a state=synced && lb_sync_has lb-b state=synced' ||
  bail "the sync link comes up" "$(lb_ctl lb-a show sync 2>&1)" "$(lb_ctl lb-b show sync 2>&1)"

# status CLIENT_IP: the HTTP status of one HTTPS request to the VIP from CLIENT_IP.
status() {
  lab_exec client curl -sk -o /dev/null -w '%{http_code}' --max-time 3 --interface "$1" \
    --resolve "vip.test:80:$LAB_VIP" https://vip.test:80/
}
# tls NAME ARGS...: one s_client exchange from the client (a GET, so the
# TLS 1.3 tickets arrive before it ends); its output in $T/NAME.sc.
tls() {
  local name=$1
  shift
  printf 'GET / HTTP/1.1\r\nHost: vip.test\r\nConnection: close\r\n\r\n' |
    lab_exec client timeout 5 openssl s_client -connect "$LAB_VIP:80" -servername vip.test -ign_eof "$@" \
      >"$T/$name.sc" 2>&1
}
summary() { grep -m1 -E '^(New|Reused), ' "$T/$1.sc"; }

lab_client_addrs 40 41
A=$LAB_NET.40 FRESH=$LAB_NET.41

# 1. Through lb-a: a TLS session, and the one request of the limit.
tls first -sess_out "$T/client.sess"
check "through lb-a: a full TLS handshake ($(summary first))" eval "summary first | grep -q '^New, '"
check "the session was saved for resumption" test -s "$T/client.sess"
code=$(status "$A")
check "through lb-a: the client's first request is served (got $code)" test "$code" = 200
code=$(status "$A")
check "through lb-a: its second within 20 s is refused (got $code)" test "$code" = 429
wait_until 3 eval 'lb_sync_has lb-a state=synced lag_records=0' ||
  not_ok "lb-b acknowledged everything" "$(lb_ctl lb-a show sync 2>&1)"

# 2. lb-a dies; lb-b takes over with lb-a's state.
lb_kill lb-a
wait_until 5 eval 'lb_is lb-b master && lab_has_vip lb-b' || bail "lb-b takes over after kill -9 of lb-a" "lb-b: $(lb_state lb-b)"
tls resumed -sess_in "$T/client.sess"
check "through lb-b: the TLS session from lb-a resumes ($(summary resumed))" eval "summary resumed | grep -q '^Reused, '"
code=$(status "$A")
check "through lb-b: the client is still limited (got $code, want 429)" test "$code" = 429
code=$(status "$FRESH")
check "through lb-b: a client that never came is served (got $code)" test "$code" = 200
lb_ctl lb-b show limits >"$T/limits.out" 2>&1
note "lb-b: $(tr '\n' ' ' <"$T/limits.out")"
finish
