#!/usr/bin/env bash
# The old master (priority 200) comes back while lb-b (100) is master:
#   preempt = yes             it takes the VIP back (about its own
#                             Master_Down_Interval after start)
#   preempt = no              it stays backup
#   preempt = yes, preempt_delay = 1s
#                             it stays backup for about a second, then takes
#                             the VIP back
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"

lab_root_or_skip "vrrp preempt"
lab_up || bail "the lab comes up"
lab_backends || bail "the backends start"
MDI_A=$(mdi_ms 100 200)

# Start: lb-a master, lb-b backup; then lb-a stops (SIGTERM) and lb-b takes over.
lb_conf lb-a 200
lb_conf lb-b 100
lb_start lb-a || bail "lb-a starts"
lb_start lb-b || bail "lb-b starts"
wait_until 5 lab_settled lb-a lb-b || bail "lb-a master, lb-b backup" "lb-a: $(lb_state lb-a), lb-b: $(lb_state lb-b)"

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
finish
