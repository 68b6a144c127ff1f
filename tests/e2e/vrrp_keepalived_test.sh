#!/usr/bin/env bash
# Interop with keepalived (Debian's, vrrp_version 3, multicast 224.0.0.18, the
# same VRID and VIP) as the peer:
#   1. keepalived master (200) + tandem backup (100): tandem follows
#      keepalived's adverts (no dual master); keepalived dies (kill -9) ->
#      tandem takes over; keepalived comes back with preempt -> tandem yields.
#   2. tandem master (200) + keepalived backup (100): keepalived follows
#      tandem's adverts; tandemd dies (kill -9) -> keepalived takes over.
# A watcher in `client` records every advert on the wire (vrrpwatch): both
# speak VRRPv3 with TTL 255 at 100 ms. keepalived must log no complaint about
# tandem's packets.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"

lab_root_or_skip "vrrp keepalived interop"
command -v keepalived >/dev/null || bail "keepalived is installed"
lab_up || bail "the lab comes up"
lab_backends || bail "the backends start"
MDI_B=$(mdi_ms 100 100)

lab_spawn watch client "$TOOLS/vrrpwatch" --join eth0 --ready-file "$T/watch.ready" --output "$T/watch.json"
wait_until 3 test -s "$T/watch.ready" || bail "the advert watcher starts" "$(cat "$T/watch.err")"

# served: a client gets 50 answers of 50 through the VIP.
served() {
  lab_exec client "$TOOLS/loadgen" --connect "$LAB_VIP:80" --concurrency 2 --count 50 --timeout 1s \
    --output "$T/served.json" >/dev/null 2>&1
  jcheck "$T/served.json" 'd["ok"] == 50'
}

# --- 1. keepalived master, tandem backup --------------------------------------
LB_IMPL[lb-a]=keepalived
lb_conf lb-a 200
lb_conf lb-b 100
lb_start lb-a || bail "keepalived starts on lb-a"
wait_until 5 eval 'lb_is lb-a master && lab_has_vip lb-a' || bail "keepalived (lb-a) becomes master" "$(lb_state lb-a)"
lb_start lb-b || bail "tandemd starts on lb-b"
check "1: tandem (lb-b) comes up as backup under keepalived (lb-a)" wait_until 3 lab_settled lb-a lb-b
sleep 1  # one second of both running: no dual master
check "1: a second later still one master (keepalived), tandem backup without the VIP" lab_settled lb-a lb-b
if ! lb_keepalived lb-b; then
  lb_ctl lb-b show vrrp --json >"$T/b1.json" 2>&1
  check "1: tandem sees keepalived's adverts (master 10.77.0.11 at 100 ms, adverts_rx > 5)" \
    jcheck "$T/b1.json" '(lambda i: i["state"] == "backup" and i["master"] == "10.77.0.11" and i["master_advert_interval_ms"] == 100 and i["adverts_rx"] > 5)(d["instances"][0])'
fi
wait_until 5 lb_ready lb-a && wait_until 5 lb_ready lb-b
check "1: the client is served through keepalived's node" served

t0=$(now_ms)
lb_kill lb-a
if wait_until 3 eval 'lb_is lb-b master && lab_has_vip lb-b'; then
  ok "1: keepalived killed: tandem takes over with the VIP"
  note "1: tandem master $(($(now_ms) - t0)) ms after the kill (MDI $MDI_B ms)"
else
  not_ok "1: keepalived killed: tandem takes over with the VIP" "lb-b: $(lb_state lb-b)"
fi
lab_exec lb-a ip addr del "$LAB_VIP/24" dev eth0 2>/dev/null  # keepalived's stale VIP (kill -9)
check "1: the client is served through tandem's node" served

lb_start lb-a || bail "keepalived restarts on lb-a"
check "1: keepalived (200) comes back and preempts: tandem returns to backup and drops the VIP" \
  wait_until 4 lab_settled lb-a lb-b
lb_stop lb-b
lb_stop lb-a

# --- 2. tandem master, keepalived backup --------------------------------------
LB_IMPL[lb-a]=$LAB_IMPL
LB_IMPL[lb-b]=keepalived
lb_conf lb-a 200
lb_conf lb-b 100
lb_start lb-a || bail "tandemd starts on lb-a"
wait_until 5 eval 'lb_is lb-a master && lab_has_vip lb-a' || bail "tandem (lb-a) becomes master" "$(lb_state lb-a)"
lb_start lb-b || bail "keepalived starts on lb-b"
check "2: keepalived (lb-b) comes up as backup under tandem (lb-a)" wait_until 3 lab_settled lb-a lb-b
sleep 1
check "2: a second later still one master (tandem), keepalived backup without the VIP" lab_settled lb-a lb-b
wait_until 5 lb_ready lb-a && wait_until 5 lb_ready lb-b
check "2: the client is served through tandem's node" served

t0=$(now_ms)
lb_kill lb-a
if wait_until 3 eval 'lb_is lb-b master && lab_has_vip lb-b'; then
  ok "2: tandemd killed: keepalived takes over with the VIP"
  note "2: keepalived master $(($(now_ms) - t0)) ms after the kill (MDI $MDI_B ms)"
else
  not_ok "2: tandemd killed: keepalived takes over with the VIP" "lb-b: $(lb_state lb-b)"
fi
lab_exec lb-a ip addr del "$LAB_VIP/24" dev eth0 2>/dev/null
check "2: the client is served through keepalived's node" served
lb_stop lb-b

# --- what was on the wire, and what keepalived thought of it ------------------
stop_proc watch TERM
check "the watcher saw adverts from both nodes" \
  jcheck "$T/watch.json" 'set(s["src"] for s in d["sources"]) == {"10.77.0.11", "10.77.0.12"}'
check "every advert: VRRPv3, VRID 51, TTL 255, 100 ms, one address, to 224.0.0.18" \
  "$PY" -c '
import json, sys
bad = []
for line in open(sys.argv[1]):
    a = json.loads(line)
    if (a["version"], a["vrid"], a["ttl"], a["advert_cs"], a["addrs"], a["dst"]) != (3, 51, 255, 10, 1, "224.0.0.18"):
        bad.append(line.strip())
print("\n".join(bad[:5]))
sys.exit(1 if bad else 0)' "$T/watch.out"
note "adverts seen: $(jget "$T/watch.json" '", ".join("%s prio %s: %d" % (s["src"], s["priorities"], s["count"]) for s in d["sources"])')"
complaints=$(cat "${LB_KA_LOGS[@]}" 2>/dev/null | grep -iE "invalid|bogus|checksum|mismatch|wrong|malformed|ttl|not match|bad |associated with VRID|interval" | head -5)
check "keepalived logged no complaint about tandem's packets" test -z "$complaints"
[ -z "$complaints" ] || note "keepalived: $complaints"
finish
