#!/usr/bin/env bash
# Balancing: roundrobin honours weights, spreads evenly over equal servers;
# leastconn avoids the busy server; random reaches every server; the
# per-server counters of `show pools --json` match what clients saw.
. "$(dirname "$0")/lib.sh"

for b in be1 be2 be3; do start_backend $b || bail "backend $b starts"; done
P_W=$(free_port) P_EQ=$(free_port) P_LC=$(free_port) P_RND=$(free_port)
HEALTH="health = http
health_path = /health
health_interval = 200ms
health_timeout = 100ms
health_rise = 1
health_fall = 2"

{
  global_section
  cat <<EOC
[frontend:weighted]
bind = 127.0.0.1:$P_W
mode = tcp
pool = w

[frontend:equal]
bind = 127.0.0.1:$P_EQ
mode = tcp
pool = eq

[frontend:least]
bind = 127.0.0.1:$P_LC
mode = tcp
pool = lc

[frontend:random]
bind = 127.0.0.1:$P_RND
mode = tcp
pool = rnd

[pool:w]
balance = roundrobin
$HEALTH
server = be1 127.0.0.1:${BE_PORT[be1]} weight=3
server = be2 127.0.0.1:${BE_PORT[be2]} weight=1

[pool:eq]
balance = roundrobin
$HEALTH
server = be1 127.0.0.1:${BE_PORT[be1]}
server = be2 127.0.0.1:${BE_PORT[be2]}
server = be3 127.0.0.1:${BE_PORT[be3]}

[pool:lc]
balance = leastconn
$HEALTH
server = be1 127.0.0.1:${BE_PORT[be1]}
server = be2 127.0.0.1:${BE_PORT[be2]}

[pool:rnd]
balance = random
$HEALTH
server = be1 127.0.0.1:${BE_PORT[be1]}
server = be2 127.0.0.1:${BE_PORT[be2]}
EOC
} >"$T/tandem.ini"

start_tandemd "$T/tandem.ini" || bail "tandemd starts" "$(tail -5 "$T/tandemd.err")"
ok "tandemd starts"
check "all servers up" wait_until 5 eval "all_up w be1 be2 && all_up eq be1 be2 be3 && all_up lc be1 be2 && all_up rnd be1 be2"

# Weighted roundrobin, 3:1.
"$TOOLS/loadgen" --connect 127.0.0.1:$P_W --concurrency 4 --count 400 --output "$T/w.json" >/dev/null
check "weighted: 400 requests, none failed" jcheck "$T/w.json" 'd["ok"] == 400 and d["failed"] == 0'
check "weighted 3:1: be1 gets 75% +- 7%" jcheck "$T/w.json" \
  'abs(d["by_server"].get("be1", {}).get("count", 0) / 400 - 0.75) <= 0.07'

# Equal weights over three servers.
"$TOOLS/loadgen" --connect 127.0.0.1:$P_EQ --concurrency 3 --count 300 --output "$T/eq.json" >/dev/null
check "equal: 300 requests, none failed" jcheck "$T/eq.json" 'd["ok"] == 300 and d["failed"] == 0'
check "equal: each of 3 servers gets 1/3 +- 8%" jcheck "$T/eq.json" \
  'all(abs(d["by_server"].get(s, {}).get("count", 0) / 300 - 1/3) <= 0.08 for s in ("be1", "be2", "be3"))'

# The counters of `show pools` agree with the clients (health checks are not connections).
check "show pools: total per server = connections clients made" eval '
  for s in be1 be2; do
    want=$(server_count "$T/w.json" $s); got=$(pool_field w $s total)
    [ -n "$got" ] && [ $((got - want)) -ge 0 ] && [ $((got - want)) -le 2 ] || { echo "$s: total=$got, clients saw $want"; exit 1; }
  done'
check "show pools: bytes_in and bytes_out count the traffic" eval '
  [ "$(pool_field w be1 bytes_in)" -gt 0 ] && [ "$(pool_field w be1 bytes_out)" -gt 0 ]'

# Leastconn: with one long connection on server X, sequential short
# connections all go to the other server.
spawn hold "$TOOLS/holdconn" --connect 127.0.0.1:$P_LC --hold 20s --ready-file "$T/hold.ready"
if wait_until 5 test -s "$T/hold.ready"; then
  busy=$(jget "$T/hold.ready" 'list(d["servers"])[0]')
  other=$([ "$busy" = be1 ] && echo be2 || echo be1)
  check "leastconn: active = 1 on the server holding the connection" wait_until 2 field_is lc "$busy" active 1
  # 25 ms apart, so that the balancer has closed one before the next comes.
  "$TOOLS/loadgen" --connect 127.0.0.1:$P_LC --concurrency 1 --count 20 --rate 40 --output "$T/lc.json" >/dev/null
  check "leastconn: 20 sequential connections all go to the idle server ($other)" \
    jcheck "$T/lc.json" "d['ok'] == 20 and d['by_server'].get('$other', {}).get('count', 0) == 20"
else
  not_ok "leastconn: a held connection through the balancer" "$(cat "$T/hold.err")"
fi
stop_proc hold

# Random reaches every server.
"$TOOLS/loadgen" --connect 127.0.0.1:$P_RND --concurrency 2 --count 200 --output "$T/rnd.json" >/dev/null
check "random: 200 requests, none failed, each server gets >= 25%" jcheck "$T/rnd.json" \
  'd["ok"] == 200 and all(d["by_server"].get(s, {}).get("count", 0) >= 50 for s in ("be1", "be2"))'

finish
