#!/usr/bin/env bash
# `tandemctl failover` on the master, under a client opening new connections
# every 5 ms (three times): the VIP moves to the backup and no request fails
# (the master hands over first and releases second). The old master (priority 200,
# preempt) does not take the VIP back while failover_hold lasts;
# `failover --release` ends the hold and it preempts back. On a backup,
# `failover` exits 1 and says the node is not master.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"

lab_root_or_skip "vrrp manual failover"
if lb_keepalived lb-a; then
  echo "ok - vrrp manual failover # SKIP keepalived has no failover command"
  exit 0
fi
lab_up || bail "the lab comes up"
lab_backends || bail "the backends start"
MDI_A=$(mdi_ms 100 200)

lb_conf lb-a 200 preempt=yes failover_hold=60s
lb_conf lb-b 100
lab_start_pair lb-a lb-b || bail "lb-a master, lb-b backup, both ready" "lb-a: $(lb_state lb-a), lb-b: $(lb_state lb-b)"

# 1. The planned failover, under traffic, FAILOVERS times (the first ones are
# released again at once). A late answer (a SYN retransmitted after a
# second) is not a failure here: the timeout is 3 s.
FAILOVERS=${FAILOVERS:-3}
failed_total=0
for ((n = 1; n <= FAILOVERS; n++)); do
  lab_traffic "lg$n" 2s --timeout 3s
  sleep 0.7
  t0=$(now_ms)
  lb_ctl lb-a failover >"$T/failover.out" 2>&1
  rc=$?
  check "failover $n: exits 0 on the master (got $rc: $(head -c 200 "$T/failover.out"))" test "$rc" = 0
  if wait_until 3 lab_settled lb-b lb-a; then
    ok "failover $n: the VIP moves to lb-b (master), lb-a backup without it"
    note "failover $n: settled $(($(now_ms) - t0)) ms after the command"
  else
    not_ok "failover $n: the VIP moves to lb-b (master), lb-a backup without it" \
      "lb-a: $(lb_state lb-a) vip=$(lab_has_vip lb-a && echo yes || echo no), lb-b: $(lb_state lb-b) vip=$(lab_has_vip lb-b && echo yes || echo no)"
  fi
  wait_proc "lg$n" 15
  f=$T/lg$n.json
  note "failover $n: the client: $(lab_loadgen_line "$f"), latency max $(jget "$f" 'd["latency_ms"]["max"]') ms"
  check "failover $n: answers came after it too (through lb-b)" \
    jcheck "$f" "max(v['last_epoch_ms'] for v in d['by_server'].values()) > $t0 + 800"
  if ! jcheck "$f" 'd["failed"] == 0' >/dev/null; then
    failed_total=$((failed_total + $(jget "$f" 'd["failed"]')))
    # A request that hangs here was accepted by lb-a on the VIP just before
    # lb-a removed the VIP: its answer can no longer leave lb-a (the source
    # address is not local any more), so it sits unsent in lb-a's socket.
    FAIL_DETAIL=("$(jget "$f" '{k: d[k] for k in ("ok", "failed", "failures", "failure_samples")}')"
      "lb-a's sockets on the VIP besides TIME-WAIT:"
      "$(lab_exec lb-a ss -tnio '( sport = :80 )' | grep -v -i time-wait | head -8)")
  fi
  if [ "$n" -lt "$FAILOVERS" ]; then
    lb_ctl lb-a failover --release >/dev/null 2>&1
    wait_until 3 lab_settled lb-a lb-b && wait_until 3 lb_ready lb-a ||
      bail "lb-a takes the VIP back after --release" "lb-a: $(lb_state lb-a), lb-b: $(lb_state lb-b)"
  fi
done
if [ "$failed_total" = 0 ]; then
  ok "$FAILOVERS planned failovers under traffic: no client request failed"
else
  not_ok "$FAILOVERS planned failovers under traffic: no client request failed ($failed_total failed)" "${FAIL_DETAIL[@]}"
fi

# 2. The hold: lb-a has the higher priority and preempt, yet stays backup.
lb_ctl lb-a show vrrp --json >"$T/a-hold.json" 2>&1
check "hold: show vrrp on lb-a reports a hold (hold_ms > 0)" jcheck "$T/a-hold.json" 'd["instances"][0]["hold_ms"] > 0'
sleep 1.5  # several times lb-a's MDI ($MDI_A ms)
check "hold: 1.5 s later lb-a (200, preempt) has not taken the VIP back" lab_settled lb-b lb-a

# 3. failover on a backup.
lb_ctl lb-a failover >"$T/failover2.out" 2>&1
rc=$?
check "failover on a backup exits 1 (got $rc)" test "$rc" = 1
check "failover on a backup says it is not master ($(head -c 200 "$T/failover2.out"))" grep -qi "not.*master" "$T/failover2.out"
check "failover on a backup changes nothing" lab_settled lb-b lb-a

# 4. Releasing the hold lets lb-a preempt.
lb_ctl lb-a failover --release >"$T/release.out" 2>&1
rc=$?
check "failover --release exits 0 (got $rc: $(head -c 200 "$T/release.out"))" test "$rc" = 0
t0=$(now_ms)
if wait_until 3 lab_settled lb-a lb-b; then
  ok "release: lb-a preempts back (master with the VIP), lb-b backup"
  note "release: settled $(($(now_ms) - t0)) ms after --release (lb-a's MDI $MDI_A ms)"
else
  not_ok "release: lb-a preempts back (master with the VIP), lb-b backup" "lb-a: $(lb_state lb-a), lb-b: $(lb_state lb-b)"
fi
lb_ctl lb-a show vrrp --json >"$T/a-end.json" 2>&1
check "release: hold_ms is 0 again" jcheck "$T/a-end.json" 'd["instances"][0]["hold_ms"] == 0'
check "history on lb-b: backup -> master -> backup" \
  eval "lb_ctl lb-b show vrrp --json | jcheck - '[h[\"to\"] for h in d[\"history\"] if h[\"instance\"] == \"default\"][-2:] == [\"master\", \"backup\"]'"

# 5. The hold ends by itself: failover_hold = 1s.
lb_stop lb-a
lb_conf lb-a 200 preempt=yes failover_hold=1s
lb_start lb-a || bail "lb-a restarts with failover_hold = 1s"
wait_until 5 eval 'lab_settled lb-a lb-b && lb_ready lb-a' || bail "lb-a preempts back after its restart" "lb-a: $(lb_state lb-a)"
lb_ctl lb-a failover >/dev/null 2>&1
t0=$(now_ms)
check "hold 1s: the failover hands the VIP to lb-b" wait_until 2 lab_settled lb-b lb-a
wait_until 1 eval "[ \$(now_ms) -ge $((t0 + 700)) ]"
check "hold 1s: 700 ms after the failover lb-a still holds back" lab_settled lb-b lb-a
if wait_until 4 lab_settled lb-a lb-b; then
  took=$(($(now_ms) - t0))
  check "hold 1s: lb-a preempts back when the hold ends ($took ms after the failover: 900..$((1000 + MDI_A + 800)))" \
    test "$took" -ge 900 -a "$took" -le $((1000 + MDI_A + 800))
else
  not_ok "hold 1s: lb-a preempts back when the hold ends" "lb-a: $(lb_state lb-a), lb-b: $(lb_state lb-b)"
fi

# 6. mode = http with keep-alive clients: the hand-over closes their
# connections between requests (Connection: close on the next answer, or at
# once when idle), so no request is cut; they reconnect through lb-b.
lb_stop lb-a
lb_stop lb-b
LAB_MODE=http
lb_conf lb-a 200 preempt=yes failover_hold=60s
lb_conf lb-b 100
lab_start_pair lb-a lb-b || bail "mode http: lb-a master, lb-b backup" "lb-a: $(lb_state lb-a), lb-b: $(lb_state lb-b)"
lab_traffic ka 3s --timeout 3s --keepalive
sleep 0.7
t0=$(now_ms)
lb_ctl lb-a failover >/dev/null 2>&1
check "mode http: the failover hands the VIP to lb-b" wait_until 3 lab_settled lb-b lb-a
wait_proc ka 15
note "mode http, keep-alive: the client: $(lab_loadgen_line "$T/ka.json"), $(jget "$T/ka.json" 'd["reuse_retries"]') requests re-sent on a new connection after an idle keep-alive one was closed"
check "mode http, keep-alive clients: no request failed across the failover" jcheck "$T/ka.json" 'd["failed"] == 0'
check "mode http, keep-alive clients: answers came through lb-b afterwards" \
  jcheck "$T/ka.json" "max(v['last_epoch_ms'] for v in d['by_server'].values()) > $t0 + 800"
finish
