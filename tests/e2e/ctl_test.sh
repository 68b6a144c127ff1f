#!/usr/bin/env bash
# tandemctl: the status commands and their JSON, the SNMP-style walk/get/next,
# exit codes (0 ok, 1 refused, 2 usage, 3 no daemon, 4 permission denied),
# and reads open to the status group while changes need root.
. "$(dirname "$0")/lib.sh"

for b in be1 be2; do start_backend $b || bail "backend $b starts"; done
P=$(free_port)
{
  global_section "status_group = nogroup"
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
server = be1 127.0.0.1:${BE_PORT[be1]}
server = be2 127.0.0.1:${BE_PORT[be2]}
EOC
} >"$T/tandem.ini"
start_tandemd "$T/tandem.ini" || bail "tandemd starts" "$(tail -5 "$T/tandemd.err" 2>/dev/null)"
ok "tandemd starts"
check "all servers up" wait_until 5 all_up app be1 be2

# --- reads ---------------------------------------------------------------------
check "status: exit 0 and names the node" eval 'ctl status | grep -q test'
check "show status --json: node, version, uptime_s, workers" eval \
  "ctl show status --json | jcheck - 'd[\"node\"] == \"test\" and d[\"workers\"] == 2 and \"version\" in d and d[\"uptime_s\"] >= 0'"
check "show pools --json: one row per server with the documented fields" eval \
  "ctl show pools --json | jcheck - 'len(d) == 2 and all(set(r) >= {\"pool\",\"server\",\"address\",\"health\",\"admin\",\"weight\",\"active\",\"total\",\"bytes_in\",\"bytes_out\"} for r in d)'"
check "show pools --json: address and initial state" eval \
  "ctl show pools --json | jcheck - '[(r[\"server\"], r[\"address\"], r[\"admin\"], r[\"weight\"]) for r in sorted(d, key=lambda r: r[\"server\"])] == [(\"be1\", \"127.0.0.1:${BE_PORT[be1]}\", \"enabled\", 1), (\"be2\", \"127.0.0.1:${BE_PORT[be2]}\", \"enabled\", 1)]'"
check "show pools (text): exit 0, lists both servers" eval 'out=$(ctl show pools) && echo "$out" | grep -q be1 && echo "$out" | grep -q be2'

spawn hold "$TOOLS/holdconn" --connect 127.0.0.1:$P --hold 20s --ready-file "$T/hold.ready"
if wait_until 5 test -s "$T/hold.ready"; then
  X=$(jget "$T/hold.ready" 'list(d["servers"])[0]')
  check "show conns --json: the held connection, with its fields" eval \
    "ctl show conns --json | jcheck - 'len(d) == 1 and set(d[0]) >= {\"id\",\"client\",\"frontend\",\"pool\",\"server\",\"age_ms\",\"bytes_in\",\"bytes_out\"} and d[0][\"frontend\"] == \"web\" and d[0][\"pool\"] == \"app\" and d[0][\"server\"] == \"$X\" and d[0][\"client\"].startswith(\"127.0.0.1:\") and d[0][\"bytes_in\"] > 0 and d[0][\"bytes_out\"] > 0'"
  sleep 0.3
  check "show conns --json: age_ms grows" eval "ctl show conns --json | jcheck - 'd[0][\"age_ms\"] >= 250'"
  check "show status --json: the frontend's current connections = 1" eval "ctl show status --json | \"\$PY\" -c '
import json, sys
def find(v):  # any object that names frontend web and has a current count
    if isinstance(v, dict):
        if (v.get(\"name\") == \"web\" or v.get(\"frontend\") == \"web\") and any(k.startswith(\"current\") for k in v):
            return [v[k] for k in v if k.startswith(\"current\")]
        if isinstance(v.get(\"web\"), dict):
            return find({\"name\": \"web\", **v[\"web\"]})
        return sum((find(x) for x in v.values()), [])
    if isinstance(v, list):
        return sum((find(x) for x in v), [])
    return []
sys.exit(0 if find(json.load(sys.stdin))[:1] == [1] else 1)'"
else
  not_ok "a held connection through the balancer" "$(cat "$T/hold.err")"
fi
stop_proc hold
check "show sticky --json: an array" eval "ctl show sticky --json | jcheck - 'isinstance(d, list)'"
check "show http --json: no http frontend, three empty tables" eval \
  "ctl show http --json | jcheck - 'd == {\"frontends\": [], \"pools\": [], \"servers\": []}'"
check "show http (text): the three table headers" eval \
  'out=$(ctl show http) && echo "$out" | grep -q "^FRONTEND  REQUESTS  REQ_PER_S" && echo "$out" | grep -q "^POOL  REQUESTS  REQ_PER_S" && echo "$out" | grep -q "^POOL  SERVER  REQUESTS"'
check "show status --json: a tcp frontend has no HTTP counts" eval \
  "ctl show status --json | jcheck - 'all(f[\"requests\"] is None and f[\"resp_5xx\"] is None for f in d[\"frontends\"]) and \"http\" not in d'"

# --- SNMP-style ----------------------------------------------------------------
ctl walk >"$T/walk.txt" 2>&1
walk_rc=$?
check "walk: exit 0 ($walk_rc), some lines" eval "[ $walk_rc -eq 0 ] && [ \$(wc -l <'$T/walk.txt') -ge 5 ]"
check "walk: every line in net-snmp -On form" eval \
  "! grep -v -E '^(\\.[0-9]+)+ = [A-Za-z0-9-]+: ' '$T/walk.txt'"
check "walk: OIDs strictly increasing" "$PY" -c '
import sys
oids = [tuple(int(x) for x in l.split(" = ")[0].strip(".").split(".")) for l in open(sys.argv[1]) if " = " in l]
bad = [(a, b) for a, b in zip(oids, oids[1:]) if not a < b]
print(bad[:3]); sys.exit(1 if bad or not oids else 0)' "$T/walk.txt"
check "walk: the node name is a STRING under the Tandem base" \
  grep -q -E '^\.1\.3\.6\.1\.4\.1\.32473\.7\.[0-9.]+ = STRING: "test"$' "$T/walk.txt"
NODE_LINE=$(grep -m1 -E ' = STRING: "test"$' "$T/walk.txt")
NODE_OID=${NODE_LINE%% = *}
check "get $NODE_OID: the same line" test "$(ctl get "$NODE_OID")" = "$NODE_LINE"
FIRST_OID=$(head -1 "$T/walk.txt" | sed 's/ = .*//')
SECOND_OID=$(sed -n 2p "$T/walk.txt" | sed 's/ = .*//')
check "next $FIRST_OID: gives $SECOND_OID" eval "ctl next '$FIRST_OID' | grep -q -F '$SECOND_OID = '"
check "walk .1.3.6.1.4.1.32473.7: only that subtree, all of it" eval "
  ctl walk .1.3.6.1.4.1.32473.7 >'$T/walk2.txt' &&
  ! grep -v '^\\.1\\.3\\.6\\.1\\.4\\.1\\.32473\\.7\\.' '$T/walk2.txt' &&
  [ \$(wc -l <'$T/walk2.txt') -eq \$(grep -c '^\\.1\\.3\\.6\\.1\\.4\\.1\\.32473\\.7\\.' '$T/walk.txt') ]"
check "get: no HTTP columns for a tcp frontend, HTTP totals 0" eval "
  ctl get .1.3.6.1.4.1.32473.7.2.1.11.1 | grep -q 'No Such Object' &&
  ctl get .1.3.6.1.4.1.32473.7.5.10.0 .1.3.6.1.4.1.32473.7.5.15.0 | grep -c ' = Counter64: 0\$' | grep -qx 2"

# --- exit codes ------------------------------------------------------------------
rc_of() { "$@" >/dev/null 2>&1; echo $?; }
check "unknown command: exit 2" test "$(rc_of ctl frobnicate)" = 2
check "no command: exit 2" test "$(rc_of "$TANDEMCTL" -s "$SOCK")" = 2
check "server with no POOL/SERVER: exit 2" test "$(rc_of ctl server disable)" = 2
check "no such server: exit 1" test "$(rc_of ctl server disable app/nosuch)" = 1
check "no such pool: exit 1" test "$(rc_of ctl server drain nopool/be1)" = 1
check "bad weight: exit 1 or 2" eval "case \$(rc_of ctl server weight app/be1 lots) in 1|2) true ;; *) false ;; esac"
check "no daemon at that socket: exit 3" test "$(rc_of "$TANDEMCTL" -s "$T/nothing.sock" status)" = 3

# --- permissions -----------------------------------------------------------------
# tandemctl as `nobody` (in group nogroup, the status_group) from a copy it can reach.
cp "$TANDEMCTL" "$T/tandemctl" && chmod 755 "$T/tandemctl"
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$T/tandemctl" -s "$SOCK" "$@"; }
if setpriv --reuid=nobody --regid=nogroup --clear-groups true 2>/dev/null; then
  check "non-root in the status group: status works (exit 0)" test "$(rc_of as_nobody status)" = 0
  check "non-root: show pools --json works" eval "as_nobody show pools --json | jcheck - 'len(d) == 2'"
  check "non-root: server disable is denied (exit 4)" test "$(rc_of as_nobody server disable app/be1)" = 4
  check "non-root: reload is denied (exit 4)" test "$(rc_of as_nobody reload)" = 4
  check "non-root: the denied change did not happen" field_is app be1 admin enabled
else
  not_ok "setpriv to nobody works in this sandbox"
fi

stop_proc tandemd TERM 10
check "daemon stopped: exit 3" test "$(rc_of ctl status)" = 3

finish
