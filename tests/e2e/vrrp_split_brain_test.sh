#!/usr/bin/env bash
# Split brain: VRRP (IP protocol 112) is dropped by nftables inside lb-b only;
# lb-b stops hearing lb-a and becomes master too (both say so, both hold the
# VIP). When the block is lifted, exactly one master remains (lb-a, the
# higher priority) within a bounded time, the other drops the VIP, and the
# client is served by the winner: the winner re-announces the VIP (GARP), so
# the client's ARP entry, which followed the loser during the split, moves
# back at once (DESIGN.md, lessons: keepalived leaves it wrong for ~40 s).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"

lab_root_or_skip "vrrp split brain"
command -v nft >/dev/null || bail "nft (nftables) is installed"
lab_up || bail "the lab comes up"
lab_backends || bail "the backends start"
MDI_B=$(mdi_ms 100 100)

lb_conf lb-a 200
lb_conf lb-b 100
lab_start_pair lb-a lb-b || bail "lb-a master, lb-b backup, both ready" "lb-a: $(lb_state lb-a), lb-b: $(lb_state lb-b)"

# A third node records the adverts on the wire (who spoke after the heal).
lab_spawn watch client "$TOOLS/vrrpwatch" --join eth0 --ready-file "$T/watch.ready" --output "$T/watch.json"
wait_until 3 test -s "$T/watch.ready" || bail "the advert watcher starts" "$(cat "$T/watch.err")"

lab_block_vrrp lb-b lb-a || bail "nft blocks VRRP in lb-b"
t0=$(now_ms)
if wait_until 3 eval 'lb_is lb-a master && lb_is lb-b master'; then
  ok "VRRP blocked: both nodes report master"
  note "lb-b master $(($(now_ms) - t0)) ms after the block (MDI $MDI_B ms)"
else
  not_ok "VRRP blocked: both nodes report master" "lb-a: $(lb_state lb-a), lb-b: $(lb_state lb-b)"
fi
check "VRRP blocked: both hold the VIP" wait_until 1 eval 'lab_has_vip lb-a && lab_has_vip lb-b'
sleep 0.5  # and it lasts: neither hears the other
check "VRRP blocked: half a second later both are still master" eval 'lb_is lb-a master && lb_is lb-b master'
if ! lb_keepalived lb-a && ! lb_keepalived lb-b; then
  check "VRRP blocked: lb-b's show vrrp names itself as master" \
    eval "lb_vrrp lb-b 'd[\"instances\"][0][\"master\"]' | grep -qx '${LAB_IP[lb-b]}'"
fi

# A client keeps going while the split heals.
lab_traffic lg 2s
sleep 0.3
mac_a=$(lab_exec lb-a cat /sys/class/net/eth0/address)
mac_b=$(lab_exec lb-b cat /sys/class/net/eth0/address)
client_arp() { lab_exec client ip -4 neigh show "$LAB_VIP" | awk '{ print $5 }'; }
note "during the split the client's ARP entry for the VIP is $(client_arp) (lb-a $mac_a, lb-b $mac_b)"
lab_unblock_vrrp lb-b || bail "nft unblocks VRRP in lb-b"
t0=$(now_ms)
if wait_until 2 lab_settled lb-a lb-b; then
  t1=$(now_ms)
  ok "unblocked: one master remains (lb-a, priority 200) and lb-b dropped the VIP"
  note "settled $((t1 - t0)) ms after the unblock"
  if wait_until 0.5 eval '[ "$(client_arp)" = "$mac_a" ]'; then
    ok "unblocked: the client's ARP entry for the VIP moves to lb-a at once (GARP)"
  else
    n=$(awk -v t="$t0" -F'[:,]' '/"src":"10.77.0.12"/ && $2 >= t' "$T/watch.out" | wc -l)
    why="lb-b did advertise after the unblock: lb-a's GARPs did not correct the client"
    [ "$n" != 0 ] || why="lb-b heard lb-a first and stepped down silently: lb-a never saw a lower master to answer with GARPs"
    not_ok "unblocked: the client's ARP entry for the VIP moves to lb-a at once (GARP)" \
      "500 ms after the heal it is still $(client_arp) (lb-a $mac_a, lb-b $mac_b)" \
      "adverts of lb-b on the wire after the unblock: $n ($why)"
  fi
else
  not_ok "unblocked: one master remains (lb-a, priority 200) and lb-b dropped the VIP" \
    "lb-a: $(lb_state lb-a) vip=$(lab_has_vip lb-a && echo yes || echo no), lb-b: $(lb_state lb-b) vip=$(lab_has_vip lb-b && echo yes || echo no)"
fi
sleep 0.5
check "unblocked: half a second later still exactly one master" lab_settled lb-a lb-b
wait_proc lg 10
note "client during the heal: $(lab_loadgen_line "$T/lg.json")"
# After the heal the client must be on lb-a: the last answers came through it.
# (lb-a's proxy counts its connections; lb-b holds no VIP any more.)
lab_exec client "$TOOLS/loadgen" --connect "$LAB_VIP:80" --concurrency 2 --count 50 --timeout 1s \
  --output "$T/after.json" >/dev/null 2>&1
check "after the heal a client is served through the VIP (50 of 50)" jcheck "$T/after.json" 'd["ok"] == 50'
neigh=$(client_arp)
check "in the end the client's ARP entry for the VIP is lb-a's MAC ($neigh vs $mac_a)" test "$neigh" = "$mac_a"
finish
