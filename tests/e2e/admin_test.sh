#!/usr/bin/env bash
# Operator commands: `server drain` lets an established connection finish
# while new connections go elsewhere; `server disable` / `enable`;
# `server weight` changes the spread (weight 0 takes no new connections).
. "$(dirname "$0")/lib.sh"

for b in be1 be2 be3; do start_backend $b || bail "backend $b starts"; done
P=$(free_port)
{
  global_section
  cat <<EOC
[frontend:web]
bind = 127.0.0.1:$P
mode = tcp
pool = app

[pool:app]
balance = roundrobin
health = http
health_path = /health
health_interval = 200ms
health_timeout = 100ms
health_rise = 1
health_fall = 2
server = be1 127.0.0.1:${BE_PORT[be1]}
server = be2 127.0.0.1:${BE_PORT[be2]}
server = be3 127.0.0.1:${BE_PORT[be3]}
EOC
} >"$T/tandem.ini"

start_tandemd "$T/tandem.ini" || bail "tandemd starts" "$(tail -5 "$T/tandemd.err" 2>/dev/null)"
ok "tandemd starts"
check "all servers up" wait_until 5 all_up app be1 be2 be3

# count_of FILE SERVER
count_of() { server_count "$1" "$2"; }

# --- drain -----------------------------------------------------------------
# A keep-alive client: 15 requests, one every 200 ms, on one connection.
spawn hold "$TOOLS/holdconn" --connect 127.0.0.1:$P --requests 15 --interval 200ms \
  --ready-file "$T/hold.ready" --output "$T/hold.json"
wait_until 5 test -s "$T/hold.ready" || bail "a long client connection through the balancer" "$(cat "$T/hold.err")"
X=$(jget "$T/hold.ready" 'list(d["servers"])[0]')
note "the long connection is on $X"
check "drain $X: tandemctl exits 0" ctl server drain "app/$X"
check "drain: show pools says admin=drain" field_is app "$X" admin drain
check "drain: the long connection is still counted active" field_is app "$X" active 1
"$TOOLS/loadgen" --connect 127.0.0.1:$P --concurrency 2 --count 60 --output "$T/d.json" >/dev/null
check "drain: 60 new connections, none to $X, none failed" jcheck "$T/d.json" \
  "d['ok'] == 60 and '$X' not in d['by_server']"
wait_proc hold 10
check "drain: the long connection completed all 15 requests on $X" jcheck "$T/hold.json" \
  "d['ok'] == 15 and d['failed'] == 0 and d['connection_servers'] == ['$X']"
check "drain: active drops to 0 once it closed" wait_until 2 field_is app "$X" active 0
check "enable $X: tandemctl exits 0" ctl server enable "app/$X"
check "enable: show pools says admin=enabled" field_is app "$X" admin enabled
"$TOOLS/loadgen" --connect 127.0.0.1:$P --concurrency 2 --count 60 --output "$T/e.json" >/dev/null
check "enable: $X gets new connections again" jcheck "$T/e.json" \
  "d['ok'] == 60 and d['by_server'].get('$X', {}).get('count', 0) >= 15"

# --- disable / enable --------------------------------------------------------
check "disable be1: tandemctl exits 0" ctl server disable app/be1
check "disable: show pools says admin=disabled" field_is app be1 admin disabled
"$TOOLS/loadgen" --connect 127.0.0.1:$P --concurrency 2 --count 60 --output "$T/x.json" >/dev/null
check "disable: be1 gets nothing, be2 and be3 share it all" jcheck "$T/x.json" \
  "d['ok'] == 60 and 'be1' not in d['by_server'] and d['by_server']['be2']['count'] >= 20 and d['by_server']['be3']['count'] >= 20"
check "enable be1: tandemctl exits 0" ctl server enable app/be1
"$TOOLS/loadgen" --connect 127.0.0.1:$P --concurrency 2 --count 60 --output "$T/y.json" >/dev/null
check "enable: be1 gets traffic again" jcheck "$T/y.json" "d['by_server'].get('be1', {}).get('count', 0) >= 15"

# --- weight ------------------------------------------------------------------
check "weight be1 4: tandemctl exits 0" ctl server weight app/be1 4
check "weight: show pools says weight=4" field_is app be1 weight 4
"$TOOLS/loadgen" --connect 127.0.0.1:$P --concurrency 3 --count 300 --output "$T/w.json" >/dev/null
check "weight 4:1:1: be1 gets 2/3 +- 8%" jcheck "$T/w.json" \
  "d['ok'] == 300 and abs(d['by_server'].get('be1', {}).get('count', 0) / 300 - 2/3) <= 0.08"
check "weight be3 0: tandemctl exits 0" ctl server weight app/be3 0
"$TOOLS/loadgen" --connect 127.0.0.1:$P --concurrency 2 --count 100 --output "$T/w0.json" >/dev/null
check "weight 0: be3 takes no new connections" jcheck "$T/w0.json" "d['ok'] == 100 and 'be3' not in d['by_server']"
check "weight: back to 1" eval 'ctl server weight app/be1 1 && ctl server weight app/be3 1'

finish
