#!/usr/bin/env bash
# max_connections: with max_connections = 5 and 10 clients at once, only 5 are
# served at a time; the others wait (they are not refused) and are served
# as the first ones finish.
. "$(dirname "$0")/lib.sh"

start_backend be1 || bail "backend be1 starts"
P=$(free_port)
{
  global_section
  cat <<EOC
[frontend:web]
bind = 127.0.0.1:$P
mode = tcp
pool = app
max_connections = 5

[pool:app]
health = none
server = be1 127.0.0.1:${BE_PORT[be1]}
EOC
} >"$T/tandem.ini"
start_tandemd "$T/tandem.ini" || bail "tandemd starts" "$(tail -5 "$T/tandemd.err" 2>/dev/null)"
ok "tandemd starts"

# 10 clients, each asking for a 1-second answer.
spawn lg "$TOOLS/loadgen" --connect 127.0.0.1:$P --concurrency 10 --count 10 --path /sleep/1000 \
  --timeout 10s --output "$T/lg.json"
sleep 0.5
check "while busy: the backend sees exactly 5 connections" eval \
  "curl -s --max-time 2 http://127.0.0.1:${BE_PORT[be1]}/stats | jcheck - 'd[\"active\"] == 5'"
wait_proc lg 20
check "all 10 clients served, none refused or failed" jcheck "$T/lg.json" 'd["ok"] == 10 and d["failed"] == 0'
check "at most 5 at once reached the backend" eval \
  "curl -s --max-time 2 http://127.0.0.1:${BE_PORT[be1]}/stats | jcheck - 'd[\"max_active\"] == 5'"
check "the waiting ones were served after the first finished (max latency >= 1.9 s)" \
  jcheck "$T/lg.json" 'd["latency_ms"]["max"] >= 1900 and d["latency_ms"]["p50"] < 2500'
check "the limit frees up: a new client is served at once afterwards" eval \
  "'$TOOLS/loadgen' --connect 127.0.0.1:$P --count 6 --concurrency 6 --output '$T/after.json' >/dev/null && jcheck '$T/after.json' 'd[\"latency_ms\"][\"max\"] < 500'"

finish
