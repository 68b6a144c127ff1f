#!/usr/bin/env bash
# Source affinity: `balance = source` maps a client address to one server;
# `sticky = source` keeps a client on the server it first got, moves it when
# that server is disabled, and survives a reload. Clients use distinct
# source addresses from 127.0.0.0/8.
. "$(dirname "$0")/lib.sh"

for b in be1 be2 be3; do start_backend $b || bail "backend $b starts"; done
P_SRC=$(free_port) P_STK=$(free_port)
write_config() {
  {
    global_section
    cat <<EOC
[frontend:src]
bind = 127.0.0.1:$P_SRC
mode = tcp
pool = bysource

[frontend:stk]
bind = 127.0.0.1:$P_STK
mode = tcp
pool = sticky

[pool:bysource]
balance = source
health = http
health_path = /health
health_interval = 200ms
health_timeout = 100ms
health_rise = 1
server = be1 127.0.0.1:${BE_PORT[be1]}
server = be2 127.0.0.1:${BE_PORT[be2]}
server = be3 127.0.0.1:${BE_PORT[be3]}

[pool:sticky]
balance = roundrobin
sticky = source
sticky_ttl = 5m
sticky_size = 1000
health = http
health_path = /health
health_interval = 200ms
health_timeout = 100ms
health_rise = 1
server = be1 127.0.0.1:${BE_PORT[be1]}
server = be2 127.0.0.1:${BE_PORT[be2]}
server = be3 127.0.0.1:${BE_PORT[be3]}
EOC
  } >"$T/tandem.ini"
}
write_config
start_tandemd "$T/tandem.ini" || bail "tandemd starts" "$(tail -5 "$T/tandemd.err" 2>/dev/null)"
ok "tandemd starts"
check "all servers up" wait_until 5 eval "all_up bysource be1 be2 be3 && all_up sticky be1 be2 be3"

# from IP PORT COUNT OUT: COUNT sequential new connections from source IP.
from() { "$TOOLS/loadgen" --connect "127.0.0.1:$2" --bind "$1" --count "$3" --output "$4" >/dev/null; }
# one_server FILE COUNT: all COUNT answers came from one server; prints it.
one_server() { jget "$1" "list(d['by_server'])[0] if d['ok'] == $2 and len(d['by_server']) == 1 else 'MIXED ' + str(d['by_server'])"; }

# balance = source
declare -A SRC_SERVER=()
bad="" seen=""
for i in 10 11 12 13 14 15 16 17 18 19; do
  from 127.0.0.$i $P_SRC 10 "$T/src$i.json"
  s=$(one_server "$T/src$i.json" 10)
  SRC_SERVER[$i]=$s
  case $s in MIXED*|"") bad="$bad 127.0.0.$i:$s" ;; *) seen="$seen $s" ;; esac
done
[ -z "$bad" ] && ok "balance=source: each of 10 client addresses always gets the same server" \
  || not_ok "balance=source: each of 10 client addresses always gets the same server" "$bad"
distinct=$(echo $seen | tr ' ' '\n' | sort -u | wc -l)
check "balance=source: the 10 addresses spread over >= 2 servers (got $distinct)" test "$distinct" -ge 2
from 127.0.0.10 $P_SRC 10 "$T/src10b.json"
check "balance=source: same answer on a second round" test "$(one_server "$T/src10b.json" 10)" = "${SRC_SERVER[10]}"

# sticky = source on a roundrobin pool
declare -A STK=()
bad=""
for i in 20 21 22 23 24 25; do
  from 127.0.0.$i $P_STK 12 "$T/stk$i.json"
  STK[$i]=$(one_server "$T/stk$i.json" 12)
  case ${STK[$i]} in MIXED*|"") bad="$bad 127.0.0.$i:${STK[$i]}" ;; esac
done
[ -z "$bad" ] && ok "sticky=source: each client stays on its first server for 12 connections" \
  || not_ok "sticky=source: each client stays on its first server for 12 connections" "$bad"
distinct=$(printf '%s\n' "${STK[@]}" | sort -u | wc -l)
check "sticky=source: roundrobin still spreads first-time clients (got $distinct servers)" test "$distinct" -ge 2
check "show sticky --json lists the clients" eval \
  "ctl show sticky --json | jcheck - 'isinstance(d, list) and len(d) >= 6 and any(\"127.0.0.20\" in json.dumps(r) for r in d)'"

# Reload keeps the sticky table.
write_config
check "reload (same config)" ctl reload
from 127.0.0.20 $P_STK 5 "$T/stk20r.json"
check "sticky=source: a client keeps its server across a reload" test "$(one_server "$T/stk20r.json" 5)" = "${STK[20]}"

# Disabling the sticky server moves the client, without a failed connection.
X=${STK[21]}
check "disable $X" ctl server disable "sticky/$X"
from 127.0.0.21 $P_STK 10 "$T/stk21d.json"
moved=$(one_server "$T/stk21d.json" 10)
check "sticky=source: with $X disabled the client moves to one other server ($moved)" \
  eval "[ '$moved' != '$X' ] && case '$moved' in MIXED*|'') false ;; esac"
ctl server enable "sticky/$X" >/dev/null

finish
