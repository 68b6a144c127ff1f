#!/usr/bin/env bash
# The old master (priority 200) comes back while lb-b (100) is master:
#   preempt = yes             it takes the VIP back (about its own
#                             Master_Down_Interval after start)
#   preempt = no              it stays backup
#   preempt = yes, preempt_delay = 1s
#                             it stays backup for about a second, then takes
#                             the VIP back
# and track_pool (DESIGN.md: no preempting into 503s): lb-a's priority drops
# by track_penalty while its own health checks find no server of the pool up
# (nftables in lb-a cuts it off the backends), so lb-b takes over; when the
# servers are back lb-a preempts again — only then.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"

lab_root_or_skip "vrrp preempt"
lab_up || bail "the lab comes up"
lab_backends || bail "the backends start"
MDI_A=$(mdi_ms 100 200)

# Start: lb-a master, lb-b backup; then lb-a stops (SIGTERM) and lb-b takes over.
lb_conf lb-a 200
lb_conf lb-b 100
lab_start_pair lb-a lb-b || bail "lb-a master, lb-b backup, both ready" "lb-a: $(lb_state lb-a), lb-b: $(lb_state lb-b)"

# comeback WHAT [KEY=VALUE...]: lb-a stops, lb-b takes over, lb-a restarts
# with the given [vrrp] keys; sets T_UP (lb-a answers) for the caller.
comeback() {
  local what=$1
  shift
  lb_stop lb-a
  wait_until 3 eval 'lb_is lb-b master && lab_has_vip lb-b && ! lab_has_vip lb-a' ||
    { not_ok "$what: lb-b takes over when lb-a stops" "lb-b: $(lb_state lb-b)"; return 1; }
  lb_conf lb-a 200 "$@"
  lb_start lb-a || { not_ok "$what: lb-a restarts" "$(tail -5 "$T/${LB_PROC[lb-a]}.err")"; return 1; }
  T_UP=$(now_ms)
}

# 1. preempt = yes
if comeback "preempt=yes" preempt=yes; then
  if wait_until 3 lab_settled lb-a lb-b; then
    ok "preempt=yes: lb-a takes the VIP back, lb-b returns to backup and drops it"
    note "preempt=yes: lb-a settled as master $(($(now_ms) - T_UP)) ms after it answered (its MDI: $MDI_A ms)"
  else
    not_ok "preempt=yes: lb-a takes the VIP back, lb-b returns to backup and drops it" \
      "lb-a: $(lb_state lb-a), lb-b: $(lb_state lb-b)"
  fi
fi

# 2. preempt = no
if comeback "preempt=no" preempt=no; then
  check "preempt=no: lb-a comes back as backup" wait_until 2 lb_is lb-a backup
  sleep 1  # well beyond lb-a's MDI ($MDI_A ms)
  check "preempt=no: a second later lb-b is still master with the VIP, lb-a backup" lab_settled lb-b lb-a
fi

# 3. preempt = yes with preempt_delay = 1s
if comeback "preempt_delay=1s" preempt=yes preempt_delay=1s; then
  check "preempt_delay=1s: lb-a comes back as backup" wait_until 2 lb_is lb-a backup
  # Past its MDI, but within the delay, it must still be backup.
  wait_until 1 eval "[ \$(now_ms) -ge $((T_UP + 700)) ]"
  check "preempt_delay=1s: 700 ms after it answered lb-a is still backup (MDI alone is $MDI_A ms)" \
    lab_settled lb-b lb-a
  if wait_until 4 lab_settled lb-a lb-b; then
    took=$(($(now_ms) - T_UP))
    note "preempt_delay=1s: lb-a master $took ms after it answered"
    check "preempt_delay=1s: lb-a takes over about a second after it came back ($took ms: 800..$((1000 + MDI_A + 800)))" \
      test "$took" -ge 800 -a "$took" -le $((1000 + MDI_A + 800))
  else
    not_ok "preempt_delay=1s: lb-a takes over after the delay" "lb-a: $(lb_state lb-a), lb-b: $(lb_state lb-b)"
  fi
fi

# 4. track_pool = app, track_penalty = 150 on lb-a
lb_stop lb-a
lb_stop lb-b
if ! lb_keepalived lb-a; then
  lb_conf lb-a 200 preempt=yes track_pool=app track_penalty=150
  lb_conf lb-b 100
  prio_a() { lb_vrrp lb-a 'd["instances"][0]["priority"]'; }
  if lab_start_pair lb-a lb-b; then
    ok "track_pool: lb-a (200, its servers up) master, lb-b backup"
    check "track_pool: with its servers up lb-a's effective priority is 200 (got $(prio_a))" test "$(prio_a)" = 200
    lab_block_tcp lb-a 8080 || bail "nft cuts lb-a off the backends"
    t0=$(now_ms)
    check "track_pool: lb-a's checks fail -> priority 50 -> lb-b (100) takes over" wait_until 5 lab_settled lb-b lb-a
    note "track_pool: lb-b master $(($(now_ms) - t0)) ms after the cut; lb-a's priority now $(prio_a)"
    lab_unblock_tcp lb-a 8080
    if wait_until 5 lab_settled lb-a lb-b; then
      ready=$(lb_ready lb-a && echo yes || echo no)
      ok "track_pool: servers reachable again -> lb-a preempts back"
      check "track_pool: when lb-a took the VIP back its proxy saw the servers up (got: $ready)" test "$ready" = yes
    else
      not_ok "track_pool: servers reachable again -> lb-a preempts back" "lb-a: $(lb_state lb-a) priority $(prio_a), lb-b: $(lb_state lb-b)"
    fi
  else
    not_ok "track_pool: lb-a (200, its servers up) master, lb-b backup" \
      "lb-a: $(lb_state lb-a), effective priority $(prio_a) (base 200), lb-b: $(lb_state lb-b)" \
      "$(lb_ctl lb-a show pools 2>&1)"
  fi
fi
finish
