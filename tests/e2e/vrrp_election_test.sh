#!/usr/bin/env bash
# Election: of two nodes the higher priority becomes master and owns the VIP,
# the other is backup without it; a client reaches both backends through the
# VIP; the status socket tells the story (show vrrp, --json, status). With
# equal priorities the higher primary address wins (RFC 5798 6.4.3): both
# are made masters (VRRP blocked between them), then they meet. Then the
# same election with unicast adverts (nothing multicast on the wire), and
# two instances ([vrrp] and [vrrp:second], VIPs .100 and .101), each node
# master of one.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"

lab_root_or_skip "vrrp election"
lab_up || bail "the lab comes up"
lab_backends || bail "the backends start"

# 1. Priorities 200 and 100.
lb_conf lb-a 200
lb_conf lb-b 100
# Both start together (neither waits for the other to answer).
LB_NOWAIT=1 lb_start lb-a || bail "lb-a starts"
LB_NOWAIT=1 lb_start lb-b || bail "lb-b starts"
wait_until 10 eval 'lb_ctl lb-a status && lb_ctl lb-b status' || bail "both answer on their status sockets"
check "lb-a (200) becomes master with the VIP, lb-b (100) backup without it; both proxies ready" \
  wait_until 5 eval 'lab_settled lb-a lb-b && lb_ready lb-a && lb_ready lb-b && lab_settled lb-a lb-b'

lab_exec client "$TOOLS/loadgen" --connect "$LAB_VIP:80" --concurrency 4 --count 200 --timeout 2s \
  --output "$T/lg.json" >/dev/null 2>&1
check "a client reaches be1 and be2 through the VIP: 200 answers, none failed" \
  jcheck "$T/lg.json" 'd["ok"] == 200 and d["failed"] == 0 and all(d["by_server"].get(s,{}).get("count",0) > 0 for s in ("be1","be2"))'
check "nothing of the lab in the host's namespace (no 10.77.0.x address, no v-* link)" \
  eval '! ip -4 -o addr show | grep -q " $LAB_NET\." && ! ip -o link show | grep -q " v-"'

if ! lb_keepalived lb-a && ! lb_keepalived lb-b; then
  lb_ctl lb-a show vrrp --json >"$T/a.json" 2>&1
  lb_ctl lb-b show vrrp --json >"$T/b.json" 2>&1
  check "show vrrp --json on lb-a: default instance, eth0, vrid 51, master, priority 200, the VIP" \
    jcheck "$T/a.json" 'len(d["instances"]) == 1 and (lambda i: i["instance"] == "default" and i["interface"] == "eth0" and i["vrid"] == 51 and i["state"] == "master" and i["priority"] == 200 and i["base_priority"] == 200 and i["master"] == "10.77.0.11" and i["vips"] == "10.77.0.100/24" and i["advert_interval_ms"] == 100 and i["preempt"] is True and i["adverts_tx"] > 0 and i["transitions"] >= 1)(d["instances"][0])'
  check "show vrrp --json on lb-b: backup, master 10.77.0.11 at 100 ms, adverts received" \
    jcheck "$T/b.json" '(lambda i: i["state"] == "backup" and i["priority"] == 100 and i["master"] == "10.77.0.11" and i["master_advert_interval_ms"] == 100 and i["adverts_rx"] > 0)(d["instances"][0])'
  check "show vrrp history on lb-a: a change to master" \
    jcheck "$T/a.json" 'any(h["to"] == "master" and h["instance"] == "default" and h["time"].endswith("Z") for h in d["history"])'
  check "show vrrp (text) on lb-b: a row 'default eth0 51 backup 100 100 10.77.0.11'" \
    eval "lb_ctl lb-b show vrrp | grep -qE '^default +eth0 +51 +backup +100 +100 +10\.77\.0\.11 '"
  check "tandemctl status on lb-a: a VRRP row 'default master 200 10.77.0.11 10.77.0.100/24'" \
    eval "lb_ctl lb-a status | grep -qE '^default +master +200 +10\.77\.0\.11 +10\.77\.0\.100/24'"
  # The standard VRRPv3-MIB (RFC 6527), rows indexed by ifIndex.VRID.1.
  for node in lb-a lb-b; do lb_ctl $node walk 1.3.6.1.2.1.207 >"$T/mib-$node.txt" 2>&1; done
  ifa=$(ip -n "$(lab_ns lb-a)" -o link show eth0 | cut -d: -f1)
  ifb=$(ip -n "$(lab_ns lb-b)" -o link show eth0 | cut -d: -f1)
  check "VRRPv3-MIB on lb-a: vrrpv3OperationsStatus master(3), priority 200, 1 address, 10 cs, the VIP's row" \
    eval "grep -qx '.1.3.6.1.2.1.207.1.1.1.1.6.$ifa.51.1 = INTEGER: 3' $T/mib-lb-a.txt &&
          grep -qx '.1.3.6.1.2.1.207.1.1.1.1.7.$ifa.51.1 = Gauge32: 200' $T/mib-lb-a.txt &&
          grep -qx '.1.3.6.1.2.1.207.1.1.1.1.8.$ifa.51.1 = INTEGER: 1' $T/mib-lb-a.txt &&
          grep -qx '.1.3.6.1.2.1.207.1.1.1.1.9.$ifa.51.1 = INTEGER: 10' $T/mib-lb-a.txt &&
          grep -qx '.1.3.6.1.2.1.207.1.1.2.1.2.$ifa.51.1.4.10.77.0.100 = INTEGER: 1' $T/mib-lb-a.txt"
  check "VRRPv3-MIB on lb-b: backup(2), priority 100, adverts received counted" \
    eval "grep -qx '.1.3.6.1.2.1.207.1.1.1.1.6.$ifb.51.1 = INTEGER: 2' $T/mib-lb-b.txt &&
          grep -qx '.1.3.6.1.2.1.207.1.1.1.1.7.$ifb.51.1 = Gauge32: 100' $T/mib-lb-b.txt &&
          grep -qE '^.1.3.6.1.2.1.207.1.2.5.1.3.$ifb.51.1 = Counter64: [1-9]' $T/mib-lb-b.txt"
fi

# 2. SIGTERM: the master hands over and removes the VIP.
lb_stop lb-a
check "SIGTERM on the master: lb-a's VIP is gone" eval '! lab_has_vip lb-a'
check "SIGTERM on the master: lb-b takes over" wait_until 2 eval 'lb_is lb-b master && lab_has_vip lb-b'
lb_stop lb-b
check "SIGTERM: lb-b's VIP is gone" eval '! lab_has_vip lb-b'

# 3. Equal priorities: both become master while VRRP is blocked, then meet.
lb_conf lb-a 100
lb_conf lb-b 100
lab_block_vrrp lb-b lb-a || bail "nft blocks VRRP in lb-b"
lb_start lb-a || bail "lb-a starts again"
lb_start lb-b || bail "lb-b starts again"
check "equal priorities, VRRP blocked: both are master" wait_until 5 eval 'lb_is lb-a master && lb_is lb-b master'
lab_unblock_vrrp lb-b
t0=$(now_ms)
if wait_until 3 lab_settled lb-b lb-a; then
  ok "equal priorities: the higher address (lb-b, .12) stays master, lb-a steps down and drops the VIP"
  note "settled $(($(now_ms) - t0)) ms after the unblock"
else
  not_ok "equal priorities: the higher address (lb-b, .12) stays master, lb-a steps down and drops the VIP" \
    "lb-a: $(lb_state lb-a) vip=$(lab_has_vip lb-a && echo yes || echo no), lb-b: $(lb_state lb-b) vip=$(lab_has_vip lb-b && echo yes || echo no)"
fi
sleep 0.5
check "equal priorities: still one master half a second later" lab_settled lb-b lb-a
lb_stop lb-a
lb_stop lb-b

# 4. Unicast adverts.
if true; then  # keepalived speaks unicast too
  lab_spawn watch client "$TOOLS/vrrpwatch" --join eth0 --ready-file "$T/watch.ready" --output "$T/watch.json"
  wait_until 3 test -s "$T/watch.ready" || bail "the advert watcher starts" "$(cat "$T/watch.err")"
  lb_conf lb-a 200 "unicast_peer=${LAB_IP[lb-b]}"
  lb_conf lb-b 100 "unicast_peer=${LAB_IP[lb-a]}"
  # (not inside `check`: that runs its command in a subshell, and the started
  # processes must be known to this one)
  if lab_start_pair lb-a lb-b; then ok "unicast: lb-a master with the VIP, lb-b backup"
  else not_ok "unicast: lb-a master with the VIP, lb-b backup" "lb-a: $(lb_state lb-a), lb-b: $(lb_state lb-b)"; fi
  if ! lb_keepalived lb-b; then
    # Watch while some adverts go by: lb-b has heard several.
    check "unicast: lb-b hears lb-a's adverts" \
      wait_until 3 eval "lb_ctl lb-b show vrrp --json | jcheck - 'd[\"instances\"][0][\"adverts_rx\"] > 3 and d[\"instances\"][0][\"master\"] == \"${LAB_IP[lb-a]}\"'"
  else
    sleep 0.5  # keepalived has no counter to wait on: a few adverts' time
  fi
  stop_proc watch TERM
  check "unicast: no advert reaches a third node (multicast)" jcheck "$T/watch.json" 'd["sources"] == []'
  lb_kill lb-a
  check "unicast: lb-a killed, lb-b takes over" wait_until 3 eval 'lb_is lb-b master && lab_has_vip lb-b'
  lb_stop lb-b
  lab_exec lb-a ip addr del "$LAB_VIP/24" dev eth0 2>/dev/null
fi

# 5. Two instances, each master on a different node.
if ! lb_keepalived lb-a && ! lb_keepalived lb-b; then
  VIP2=$LAB_NET.101
  lb_conf lb-a 200
  lb_conf lb-b 100
  for node in lb-a lb-b; do
    prio=200
    [ "$node" = lb-a ] && prio=100
    printf '\n[vrrp:second]\ninterface = eth0\nvrid = 52\npriority = %s\nadvert_interval = 100ms\nvip = %s/24\n' \
      "$prio" "$VIP2" >>"$T/$node.ini"
  done
  lb_start lb-a || bail "lb-a starts with two instances"
  lb_start lb-b || bail "lb-b starts with two instances"
  both() {
    lb_ctl "$1" show vrrp --json | jcheck - "{i['instance']: i['state'] for i in d['instances']} == $2"
  }
  check "two instances: lb-a is master of default and backup of second" \
    wait_until 5 both lb-a "{'default': 'master', 'second': 'backup'}"
  check "two instances: lb-b is backup of default and master of second" \
    wait_until 5 both lb-b "{'default': 'backup', 'second': 'master'}"
  check "two instances: .100 on lb-a only, .101 on lb-b only" \
    eval "lab_has_vip lb-a && ! lab_has_vip lb-b && lab_has_addr lb-b $VIP2 && ! lab_has_addr lb-a $VIP2"
  lb_kill lb-b
  check "two instances: lb-b killed, lb-a is master of both and holds both VIPs" \
    wait_until 3 eval "both lb-a \"{'default': 'master', 'second': 'master'}\" && lab_has_addr lb-a $VIP2"
fi
finish
