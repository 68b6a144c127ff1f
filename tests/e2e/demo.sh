#!/usr/bin/env bash
# `make demo`: a Tandem pair in a small lab of network namespaces.
#
#   client ── br0 ── lb-a (Tandem, priority 200)      VIP 10.77.0.100
#               ├─── lb-b (Tandem, priority 100)
#               ├─── be1, be2 (test backends)
#
# Shows the election, the status commands, traffic through the VIP, the
# master killed with kill -9 under traffic (the backup takes over; the gap is
# measured), the timeline, the old master coming back, and a planned
# failover that no client notices; the sync channel replicating an operator
# decision to the peer and giving a restarted node its state back. Runs to the end by itself in about a
# minute; everything it creates (namespaces, processes, files) is removed
# when it ends, however it ends. Needs root (network namespaces).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"

if [ -t 1 ]; then B=$'\033[1m' D=$'\033[2m' N=$'\033[0m'; else B="" D="" N=""; fi
heading() { printf '\n%s== %s ==%s\n' "$B" "$*" "$N"; }
say() { printf '%s\n' "$*"; }
# on NODE CMD...: show a command as if typed on NODE, then run it there.
on() {
  local node=$1
  shift
  printf '%s%s# %s%s\n' "$D" "$node" "$*" "$N"
  case $1 in
    tandemctl) shift; lb_ctl "$node" "$@" ;;
    *) lab_exec "$node" "$@" ;;
  esac
}
indent() { sed 's/^/    /'; }
# admin_is NODE SERVER STATE: NODE's pool app shows SERVER's admin state as STATE.
admin_is() { [ "$(lb_ctl "$1" show pools --json | jget - "[s['admin'] for s in d if s['server'] == '$2'][0]")" = "$3" ]; }

# spread FILE: one line per server with a bar, then failures.
spread() {
  "$PY" - "$1" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
total = max(d["ok"], 1)
for name, s in sorted(d["by_server"].items()):
    n = s["count"]
    print(f"  {name:4} {n:6}  {'#' * round(40 * n / total)}")
print(f"  {d['ok']} answered, {d['failed']} failed")
PYEOF
}

# timeline NAME T_EVENT_MS LABEL: the per-interval lines of the traffic NAME
# as a table, with a mark where the event happened.
timeline() {
  "$PY" - "$T/$1.err" "$T/$1.json" "$2" "$3" <<'PYEOF'
import json, sys
path, summary, t_event, label = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
start = json.load(open(summary))["start_epoch_ms"]
marked = False
for line in open(path):
    try:
        r = json.loads(line)
    except ValueError:
        continue
    t = start + r["t_ms"]
    if not marked and t >= t_event:
        print(f"  {'-' * 10} {label}")
        marked = True
    if r["ok"] + r["failed"] == 0:
        continue
    per = "  ".join(f"{k}: {v:3}" for k, v in sorted(r["by_server"].items()))
    bar = "#" * r["ok"] + "x" * r["failed"]
    print(f"  t={r['t_ms'] / 1000:4.2f}s  ok {r['ok']:3}  failed {r['failed']:3}  {bar[:60]}")
PYEOF
}

# traffic NAME SECONDS: the client opens 200 new connections a second to the
# VIP for SECONDS, with a report every 250 ms.
traffic() { lab_traffic "$1" "$2" --report-interval 250ms "${@:3}"; }

if [ "$(id -u)" != 0 ]; then
  echo "demo: the two-node demo builds network namespaces: run it as root (sudo make demo)" >&2
  exit 1
fi
for bin in "$TANDEMD" "$TANDEMCTL" "$TOOLS/backend" "$TOOLS/loadgen"; do
  [ -x "$bin" ] || { echo "demo: $bin is missing: build first (make all tools)" >&2; exit 1; }
done

heading "1. The lab"
say "Six network namespaces on this machine (nothing is added to its own network):"
say "a bridge, and five 'hosts' on it, each with an eth0 in 10.77.0.0/24."
lab_up || { echo "demo: the lab did not come up" >&2; exit 1; }
for node in "${LAB_NODES[@]}"; do printf '  %-7s %s\n' "$node" "${LAB_IP[$node]}"; done
say "  VIP     $LAB_VIP   (the floating address: whichever node is VRRP master owns it)"

heading "2. Two backends"
say "be1 and be2 run a tiny HTTP server on :8080 that answers with its own name."
lab_backends || exit 1
on client curl -s "http://${LAB_IP[be1]}:8080/"

heading "3. Two Tandem nodes"
export LAB_SYNC=1  # a [sync] section: the nodes replicate their state to each other
lb_conf lb-a 200
lb_conf lb-b 100
say "lb-a's config ($T/lb-a.ini); lb-b's differs only in node, socket and priority (100):"
sed 's/^/  | /' "$T/lb-a.ini"
say "Both nodes listen on the VIP all the time (IP_FREEBIND); only the master has it."
say "Starting lb-a, then lb-b ..."
lab_start_pair lb-a lb-b || { echo "demo: the pair did not settle" >&2; exit 1; }
say "lb-a won the election (priority 200 > 100); it holds the VIP:"
on lb-a ip -4 -br addr show dev eth0 | indent
on lb-b ip -4 -br addr show dev eth0 | indent

heading "4. What the nodes say"
on lb-a tandemctl status | indent
echo
on lb-a tandemctl show vrrp | indent
echo
on lb-b tandemctl show vrrp | indent
say "lb-b is backup: it hears lb-a's adverts every 100 ms (ADVERTS_RX) and waits."

heading "5. Traffic through the VIP"
on client curl -s "http://$LAB_VIP/"
lab_exec client "$TOOLS/loadgen" --connect "$LAB_VIP:80" --concurrency 4 --count 400 --output "$T/spread.json" >/dev/null
say "400 new connections from the client to $LAB_VIP:80, answered by:"
spread "$T/spread.json"

heading "5b. The sync channel"
say "The nodes keep a TLS 1.3 link (pre-shared key $T/sync.key) and send each other"
say "their sticky tables, rate limits, TLS ticket keys, connections and operator decisions."
on lb-b tandemctl show sync | indent
say "An operator drains be2 on lb-a; lb-b applies the same decision:"
on lb-a tandemctl server drain app/be2 | indent
wait_until 3 admin_is lb-b be2 drain
on lb-b tandemctl show pools | indent
say "... and enabling it on lb-b holds on lb-a (the newer decision wins):"
on lb-b tandemctl server enable app/be2 | indent
wait_until 3 admin_is lb-a be2 enabled
on lb-a tandemctl show pools | indent

heading "6. lb-a dies: kill -9, under traffic"
mdi=$(mdi_ms 100 100)
say "The client opens 200 connections a second. After 1 s, lb-a's tandemd is killed."
say "lb-b notices when no advert came for its Master_Down_Interval:"
say "3 x 100 ms + (256 - 100)/256 x 100 ms = $mdi ms; then it adds the VIP and"
say "sends gratuitous ARPs so the client's ARP cache points to lb-b."
traffic kill 3s
sleep 1
t_kill=$(now_ms)
lb_kill lb-a
say "  ... lb-a killed"
if wait_until 3 lb_is lb-b master; then
  say "  ... lb-b reports master $(($(now_ms) - t_kill)) ms later"
fi
wait_proc kill 10
say "What the client saw, every 250 ms (# = answered, x = failed):"
timeline kill "$t_kill" "lb-a killed"
gap=$(jget "$T/kill.json" 'int(round(d["max_gap_ms"]))')
say "  $(lab_loadgen_line "$T/kill.json")"
say "The client went $gap ms without an answer (the failed ones were refused at once:"
say "lb-a's kernel still has the VIP but nothing listens there any more)."
echo
on lb-b tandemctl show vrrp | indent
say "The history above is lb-b's timeline: started as backup, then master when"
say "lb-a's adverts stopped."
echo
say "kill -9 gave lb-a no chance to clean up: the kernel keeps the VIP on its eth0:"
on lb-a ip -4 -br addr show dev eth0 | indent

heading "7. lb-a comes back"
say "tandemd removes stale VIPs when it starts, joins as backup, and then takes the"
say "VIP back from lb-b (priority 200 > 100, preempt = yes)."
traffic back 3s
sleep 0.5
t_back=$(now_ms)
lb_start lb-a || { echo "demo: lb-a did not restart" >&2; exit 1; }
wait_until 5 lab_settled lb-a lb-b && say "  ... lb-a master again $(($(now_ms) - t_back)) ms after it was started"
wait_proc back 10
timeline back "$t_back" "lb-a started"
say "  $(lab_loadgen_line "$T/back.json")"
on lb-a ip -4 -br addr show dev eth0 | indent
on lb-b ip -4 -br addr show dev eth0 | indent
echo
on lb-a tandemctl show vrrp | indent
say "lb-a started empty and got lb-b's state over the sync channel (a snapshot):"
on lb-a tandemctl show sync | indent

heading "8. A planned failover"
say "An operator moves the VIP to lb-b (say, to patch lb-a). lb-a pauses new"
say "connections (their SYNs are dropped, so clients retry them), lets the open ones"
say "finish, waits until lb-b has acknowledged every sync update, resigns, keeps"
say "the VIP until lb-b has it, then stays backup for"
say "failover_hold (60 s). A client that connects meanwhile waits one SYN retry"
say "(about 1 s; this client gives up after 3 s) instead of failing."
wait_until 5 lb_ready lb-a
traffic planned 2s --timeout 3s
sleep 0.7
on lb-a tandemctl failover
wait_until 3 lab_settled lb-b lb-a && say "  ... lb-b is master, lb-a backup"
wait_proc planned 10
say "  $(lab_loadgen_line "$T/planned.json")"
on lb-a tandemctl show vrrp | indent
say "lb-a holds back (HOLD_MS) although its priority is higher. To give it back:"
on lb-a tandemctl failover --release
wait_until 3 lab_settled lb-a lb-b && say "  ... lb-a is master again"

heading "Done"
say "Everything started here is stopped and the namespaces are deleted on exit."
