#!/usr/bin/env bash
# Health checks: a server whose /health fails, or that is killed, is marked
# down within fall x interval (+ a margin) and gets no more connections,
# with zero failed client connections (retries move a refused connect to
# another server); once healthy again it rises and gets traffic back.
. "$(dirname "$0")/lib.sh"

INTERVAL_MS=200 TIMEOUT_MS=100 RISE=2 FALL=2
MARGIN_MS=600   # scheduling slack on a busy 2-core machine
DOWN_BOUND=$((FALL * INTERVAL_MS + TIMEOUT_MS + MARGIN_MS))
UP_BOUND=$((RISE * INTERVAL_MS + TIMEOUT_MS + MARGIN_MS))

for b in be1 be2 be3; do start_backend $b || bail "backend $b starts"; done
P=$(free_port) P_TCP=$(free_port)
{
  global_section
  cat <<EOC
[frontend:web]
bind = 127.0.0.1:$P
mode = tcp
pool = app

[frontend:plain]
bind = 127.0.0.1:$P_TCP
mode = tcp
pool = tcpcheck

[pool:app]
balance = roundrobin
health = http
health_path = /health
health_interval = ${INTERVAL_MS}ms
health_timeout = ${TIMEOUT_MS}ms
health_rise = $RISE
health_fall = $FALL
timeout_connect = 1s
retries = 2
server = be1 127.0.0.1:${BE_PORT[be1]}
server = be2 127.0.0.1:${BE_PORT[be2]}

[pool:tcpcheck]
balance = roundrobin
health = tcp
health_interval = ${INTERVAL_MS}ms
health_timeout = ${TIMEOUT_MS}ms
health_rise = $RISE
health_fall = $FALL
retries = 2
server = be3 127.0.0.1:${BE_PORT[be3]}
server = be1 127.0.0.1:${BE_PORT[be1]}
EOC
} >"$T/tandem.ini"

start_tandemd "$T/tandem.ini" || bail "tandemd starts" "$(tail -5 "$T/tandemd.err" 2>/dev/null)"
ok "tandemd starts"
check "all servers up" wait_until 5 eval "all_up app be1 be2 && all_up tcpcheck be3 be1"

# elapsed_until_down POOL SERVER T0: ms from T0 until SERVER is down (or "timeout").
elapsed_until() {  # elapsed_until POOL SERVER HEALTH T0
  if wait_until 5 field_is "$1" "$2" health "$3"; then echo $(($(now_ms) - $4)); else echo timeout; fi
}
within() { [ "$1" != timeout ] && [ "$1" -le "$2" ]; }

# 1. /health starts failing (the server itself still answers).
spawn lg1 "$TOOLS/loadgen" --connect 127.0.0.1:$P --concurrency 4 --rate 200 --duration 5s --output "$T/lg1.json"
sleep 1.5
t0=$(now_ms)
touch "$T/be2.fail"
took=$(elapsed_until app be2 down "$t0")
t_down=$(now_ms)
check "failing /health: marked down in ${took} ms (bound ${DOWN_BOUND} ms)" within "$took" $DOWN_BOUND
wait_proc lg1 20
check "failing /health: no client connection failed" jcheck "$T/lg1.json" 'd["failed"] == 0 and d["ok"] > 500'
check "failing /health: no connection to be2 after it was marked down" jcheck "$T/lg1.json" \
  "d['by_server'].get('be2', {}).get('last_epoch_ms', 0) <= $t_down + 50"
check "failing /health: be1 served the rest" jcheck "$T/lg1.json" \
  "d['by_server'].get('be1', {}).get('last_epoch_ms', 0) >= $t_down + 1500"

t0=$(now_ms)
rm -f "$T/be2.fail"
took=$(elapsed_until app be2 up "$t0")
check "healthy again: up in ${took} ms (bound ${UP_BOUND} ms)" within "$took" $UP_BOUND
"$TOOLS/loadgen" --connect 127.0.0.1:$P --concurrency 2 --count 100 --output "$T/lg2.json" >/dev/null
check "healthy again: be2 gets traffic" jcheck "$T/lg2.json" \
  'd["failed"] == 0 and d["by_server"].get("be2", {}).get("count", 0) >= 30'

# 2. The server is killed mid-run.
spawn lg3 "$TOOLS/loadgen" --connect 127.0.0.1:$P --concurrency 4 --rate 200 --duration 5s --output "$T/lg3.json"
sleep 1.5
t0=$(now_ms)
stop_proc be2 KILL
took=$(elapsed_until app be2 down "$t0")
check "killed: marked down in ${took} ms (bound ${DOWN_BOUND} ms)" within "$took" $DOWN_BOUND
wait_proc lg3 20
# A connection in flight to be2 at the very moment of the kill is lost (a TCP
# proxy cannot replay it); every later one must succeed: refused connects to
# be2 are retried on be1 until the health check marks it down.
check "killed: no client failure after the kill instant, at most the ones in flight" jcheck "$T/lg3.json" \
  "d['ok'] > 500 and d['failed'] <= 4 and all(d['start_epoch_ms'] + f['t_ms'] <= $t0 + 100 for f in d['failure_samples'])"
check "killed: be1 served everything after the kill" jcheck "$T/lg3.json" \
  "d['by_server'].get('be2', {}).get('last_epoch_ms', 0) <= $t0 + 20 and d['by_server']['be1']['last_epoch_ms'] >= $t0 + 2000"

t0=$(now_ms)
start_backend be2 "${BE_PORT[be2]}" || not_ok "be2 restarts on its port"
took=$(elapsed_until app be2 up "$t0")
check "restarted: up in ${took} ms (bound ${UP_BOUND} ms)" within "$took" $UP_BOUND
"$TOOLS/loadgen" --connect 127.0.0.1:$P --concurrency 2 --count 100 --output "$T/lg4.json" >/dev/null
check "restarted: be2 gets traffic again" jcheck "$T/lg4.json" \
  'd["failed"] == 0 and d["by_server"].get("be2", {}).get("count", 0) >= 30'

# 3. health = tcp
t0=$(now_ms)
stop_proc be3 KILL
took=$(elapsed_until tcpcheck be3 down "$t0")
check "tcp check: killed server down in ${took} ms (bound ${DOWN_BOUND} ms)" within "$took" $DOWN_BOUND
"$TOOLS/loadgen" --connect 127.0.0.1:$P_TCP --concurrency 2 --count 50 --output "$T/lg5.json" >/dev/null
check "tcp check: all traffic to be1, none failed" jcheck "$T/lg5.json" \
  'd["ok"] == 50 and d["by_server"].get("be1", {}).get("count", 0) == 50'
t0=$(now_ms)
start_backend be3 "${BE_PORT[be3]}" || not_ok "be3 restarts on its port"
took=$(elapsed_until tcpcheck be3 up "$t0")
check "tcp check: restarted server up in ${took} ms (bound ${UP_BOUND} ms)" within "$took" $UP_BOUND

finish
