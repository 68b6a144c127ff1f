#!/usr/bin/env bash
# The master's link goes away (`ip link set eth0 down` inside lb-a, or the
# cable is pulled: the bridge's end goes down and eth0 loses its carrier):
# the backup takes over within Master_Down_Interval, under client traffic;
# the old master leaves master state and drops the VIP. When the link comes
# back the old master returns as backup (preempt = no) or takes the VIP back
# (preempt = yes). (Without track_pool it may preempt before its own health
# checks have found the servers again — the link was down, so they failed —
# and turn its first clients away: the requests failed while the link came
# back are printed; vrrp_preempt_test.sh tests track_pool.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"

lab_root_or_skip "vrrp link"
lab_up || bail "the lab comes up"
lab_backends || bail "the backends start"
MDI=$(mdi_ms 100 100)

# hooks_are FILE LIST: the states of the hook lines in FILE ("default STATE
# REASON...", one per run of a notify_* command), comma-joined, are LIST.
hooks_are() { [ "$(awk '$1 == "default" && NF >= 3 { print $2 }' "$1" 2>/dev/null | paste -sd, -)" = "$2" ]; }

# scenario PREEMPT HOW: HOW is link (eth0 down/up in lb-a) or cable.
scenario() {
  local preempt=$1 how=$2 t0 what="preempt=$1, $2"
  local hooks=$T/hooks-$preempt-$how
  lb_conf lb-a 200 "preempt=$preempt" \
    "notify_master=echo \"\$TANDEM_INSTANCE \$TANDEM_STATE \$TANDEM_REASON\" >>$hooks" \
    "notify_backup=echo \"\$TANDEM_INSTANCE \$TANDEM_STATE \$TANDEM_REASON\" >>$hooks" \
    "notify_fault=echo \"\$TANDEM_INSTANCE \$TANDEM_STATE \$TANDEM_REASON\" >>$hooks"
  lb_conf lb-b 100
  lab_start_pair lb-a lb-b ||
    bail "$what: lb-a master, lb-b backup" "lb-a: $(lb_state lb-a), lb-b: $(lb_state lb-b)"

  lab_traffic "lg-$preempt-$how" 2500ms
  sleep 0.8  # normal traffic first
  t0=$(now_ms)
  if [ "$how" = link ]; then lab_link_down lb-a; else lab_cable_cut lb-a; fi
  if wait_until 3 lb_is lb-b master; then
    ok "$what: lb-b takes over when lb-a's link goes down"
    note "$what: lb-b reports master $(($(now_ms) - t0)) ms after the link went down (MDI $MDI ms)"
  else
    not_ok "$what: lb-b takes over when lb-a's link goes down" "lb-b: $(lb_state lb-b)"
  fi
  check "$what: lb-a leaves master state (now: $(lb_state lb-a)) and drops the VIP" \
    wait_until 2 eval '! lb_is lb-a master && ! lab_has_vip lb-a'
  lb_keepalived lb-a || [ "$how" != link ] ||
    check "$what: lb-a reports fault while eth0 is down" lb_is lb-a fault
  wait_proc "lg-$preempt-$how" 10
  local f=$T/lg-$preempt-$how.json
  note "$what: $(lab_loadgen_line "$f")"
  check "$what: the client's longest gap is at most MDI + 500 ms" \
    jcheck "$f" "d['max_gap_ms'] <= $MDI + 500"

  lab_traffic "back-$preempt-$how" 2500ms
  sleep 0.3
  if [ "$how" = link ]; then lab_link_up lb-a; else lab_cable_plug lb-a; fi
  if [ "$preempt" = yes ]; then
    check "$what: link back, lb-a takes the VIP back (preempt)" wait_until 5 lab_settled lb-a lb-b
  else
    check "$what: link back, lb-a returns as backup" wait_until 5 lb_is lb-a backup
    sleep 0.5  # and stays so
    check "$what: half a second later lb-b is still master with the VIP, lb-a backup" lab_settled lb-b lb-a
  fi
  wait_proc "back-$preempt-$how" 10
  note "$what: while the link came back: $(lab_loadgen_line "$T/back-$preempt-$how.json")"
  wait_until 5 eval 'lb_ready lb-a && lb_ready lb-b'
  lab_exec client "$TOOLS/loadgen" --connect "$LAB_VIP:80" --concurrency 2 --count 50 --timeout 1s \
    --output "$T/after-$preempt-$how.json" >/dev/null 2>&1
  check "$what: the client is served after the link came back" jcheck "$T/after-$preempt-$how.json" 'd["ok"] == 50'
  if ! lb_keepalived lb-a; then  # the hooks saw it all, in order
    local want=backup,master,fault,backup
    [ "$preempt" = no ] || want=backup,master,fault,backup,master
    check "$what: notify_* hooks ran in order ($want) with TANDEM_INSTANCE/STATE/REASON" \
      wait_until 2 hooks_are "$hooks" "$want"
    hooks_are "$hooks" "$want" || note "hooks: $(tr '\n' '|' <"$hooks" 2>/dev/null)"
  fi
  lb_stop lb-a
  lb_stop lb-b
}

scenario yes link
scenario no link
scenario yes cable
finish
