#!/usr/bin/env bash
# The sd_notify protocol as systemd sees it, without systemd: a datagram
# socket in $T stands in for systemd's notify socket, and tandemd runs with
# NOTIFY_SOCKET pointing at it. READY=1 only once the frontend accepts
# connections; SIGHUP gives RELOADING=1 + MONOTONIC_USEC then READY=1, a
# refused reload too (with a STATUS= saying so); SIGTERM gives STOPPING=1;
# every message comes from the main PID (NotifyAccess=main); an abstract
# socket name (@name) works too. Then systemd/tandem.service is checked
# statically (systemd-analyze verify when available, and the key settings).
. "$(dirname "$0")/lib.sh"

# The stand-in for systemd: appends one line per datagram to OUT:
#   FIELD|FIELD|...<TAB>pid=SENDER<TAB>recv_usec=CLOCK_MONOTONIC<TAB>probe=P
# where P is, for a datagram with READY=1, whether 127.0.0.1:PORT accepted a
# connection at that moment ("accepting"/"refused"), else "-".
cat >"$T/notify_receiver.py" <<'EOF'
import socket, struct, sys, time
path, out, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + path[1:] if path.startswith("@") else path)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
open(out + ".ready", "w").write("1\n")
for _ in range(100000):
    data, anc, _flags, _addr = s.recvmsg(65536, socket.CMSG_SPACE(12))
    now = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
    pid = -1
    for level, kind, cdata in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack("iII", cdata[:12])[0]
    fields = data.decode("utf-8", "replace").split("\n")
    probe = "-"
    if "READY=1" in fields:
        c = socket.socket()
        c.settimeout(1)
        try:
            c.connect(("127.0.0.1", port))
            probe = "accepting"
        except OSError:
            probe = "refused"
        c.close()
    with open(out, "a") as f:
        f.write("|".join(fields) + "\tpid=%d\trecv_usec=%d\tprobe=%s\n" % (pid, now, probe))
EOF

# start_receiver NAME SOCKET PORT: the receiver, tracked as NAME, logging to $T/NAME.log.
start_receiver() {
  rm -f "$T/$1.log" "$T/$1.log.ready"
  case $2 in @*) ;; *) rm -f "$2" ;; esac  # a path socket outlives its receiver
  spawn "$1" "$PY" "$T/notify_receiver.py" "$2" "$T/$1.log" "$3"
  wait_until 5 test -s "$T/$1.log.ready"
}

# msg_count LOG: datagrams received so far.
msg_count() { if [ -e "$1" ]; then wc -l <"$1"; else echo 0; fi; }
# msgs_after LOG N: the datagrams after the first N.
msgs_after() { tail -n +$(($2 + 1)) "$1" 2>/dev/null; }
# has_field LINE FIELD=VALUE-REGEX: the message part of LINE holds the field.
has_field() { printf '%s\n' "$1" | cut -f1 | tr '|' '\n' | grep -qxE "$2"; }
# line_with LOG N FIELD-REGEX: the first datagram after the first N holding it.
line_with() {
  local line
  while IFS= read -r line; do
    if has_field "$line" "$3"; then
      printf '%s\n' "$line"
      return 0
    fi
  done < <(msgs_after "$1" "$2")
  return 1
}
# meta LINE KEY: a metadata field (pid, recv_usec, probe) of LINE.
meta() { printf '%s\n' "$1" | tr '\t' '\n' | sed -n "s/^$2=//p"; }

P=$(free_port)
DEAD=$(free_port)  # nobody listens: health = none, so it needs no backend
write_config() {
  {
    global_section
    cat <<EOC
[frontend:web]
bind = 127.0.0.1:$P
mode = tcp
pool = app

[pool:app]
health = none
server = s1 127.0.0.1:$DEAD
EOC
  } >"$T/tandem.ini.new"
  mv "$T/tandem.ini.new" "$T/tandem.ini"
}
write_config

# --- 1. a socket path -------------------------------------------------------

N=$T/notify.sock
LOG=$T/rx.log
start_receiver rx "$N" "$P" || bail "the notify receiver starts" "$(cat "$T/rx.err")"
spawn tandemd env NOTIFY_SOCKET="$N" "$TANDEMD" -c "$T/tandem.ini"
PID=${PROC_PID[tandemd]}
if ! wait_until 10 grep -q 'READY=1' "$LOG"; then
  bail "READY=1 arrives after start" "$(cat "$LOG" 2>/dev/null)" "$(tail -5 "$T/tandemd.err")"
fi
ok "READY=1 arrives after start"
first=$(head -1 "$LOG")
check "READY=1 is the first message (got: $(printf '%s' "$first" | cut -f1))" has_field "$first" 'READY=1'
check "when READY=1 arrives the frontend port already accepts connections" \
  test "$(meta "$first" probe)" = accepting
check "READY=1 comes with a STATUS=" has_field "$first" 'STATUS=.+'
check "the status socket answers once ready" ctl status

# SIGHUP: RELOADING=1 with MONOTONIC_USEC, then READY=1.
n=$(msg_count "$LOG")
kill -HUP "$PID"
wait_until 5 line_with "$LOG" "$n" 'READY=1' || true
reloading=$(line_with "$LOG" "$n" 'RELOADING=1')
check "SIGHUP: RELOADING=1 arrives" test -n "$reloading"
check "SIGHUP: RELOADING=1 carries MONOTONIC_USEC=<digits>" has_field "$reloading" 'MONOTONIC_USEC=[0-9]+'
usec=$(printf '%s\n' "$reloading" | cut -f1 | tr '|' '\n' | sed -n 's/^MONOTONIC_USEC=//p')
recv=$(meta "$reloading" recv_usec)
if [[ "$usec" =~ ^[0-9]+$ ]] && [ $((recv - usec)) -ge 0 ] && [ $((recv - usec)) -le 5000000 ]; then
  ok "SIGHUP: MONOTONIC_USEC is CLOCK_MONOTONIC, just before it was received"
else
  not_ok "SIGHUP: MONOTONIC_USEC is CLOCK_MONOTONIC, just before it was received" \
    "MONOTONIC_USEC=$usec received at $recv"
fi
after_reload=$(msgs_after "$LOG" "$n")
order=$(printf '%s\n' "$after_reload" | cut -f1 | grep -oE '(^|\|)(RELOADING|READY)=1' | tr -d '|' | tr '\n' ' ')
check "SIGHUP: RELOADING=1 then READY=1, once each (got: $order)" test "$order" = "RELOADING=1 READY=1 "
ready=$(line_with "$LOG" "$n" 'READY=1')
check "SIGHUP: READY=1 says it reloaded (STATUS=)" has_field "$ready" 'STATUS=.*reload.*'
check "SIGHUP: still accepting after the reload" test "$(meta "$ready" probe)" = accepting

# `tandemctl reload` speaks the same protocol.
n=$(msg_count "$LOG")
check "tandemctl reload exits 0" ctl reload
wait_until 5 line_with "$LOG" "$n" 'READY=1' || true
order=$(msgs_after "$LOG" "$n" | cut -f1 | grep -oE '(^|\|)(RELOADING|READY)=1' | tr -d '|' | tr '\n' ' ')
check "tandemctl reload: RELOADING=1 then READY=1 (got: $order)" test "$order" = "RELOADING=1 READY=1 "

# A refused reload still ends with READY=1, and says so.
cp "$T/tandem.ini" "$T/good.ini"
sed 's/^health = none$/balance = sideways\nhealth = none/' "$T/good.ini" >"$T/tandem.ini"
grep -q '^balance = sideways' "$T/tandem.ini" || bail "writing a broken config"
n=$(msg_count "$LOG")
kill -HUP "$PID"
wait_until 5 line_with "$LOG" "$n" 'READY=1' || true
order=$(msgs_after "$LOG" "$n" | cut -f1 | grep -oE '(^|\|)(RELOADING|READY)=1' | tr -d '|' | tr '\n' ' ')
check "refused SIGHUP: RELOADING=1 then READY=1 (got: $order)" test "$order" = "RELOADING=1 READY=1 "
refused=$(line_with "$LOG" "$n" 'READY=1')
check "refused SIGHUP: STATUS= says the reload was refused ($(printf '%s' "$refused" | cut -f1))" \
  has_field "$refused" 'STATUS=.*refused.*'
check "refused SIGHUP: the daemon still runs and accepts" eval \
  "proc_running tandemd && port_open $P"
mv "$T/good.ini" "$T/tandem.ini"

# Every message so far came from the main process (NotifyAccess=main).
pids=$(cut -f2 "$LOG" | sort -u | tr '\n' ' ')
check "every message came from the main PID $PID (senders: $pids)" test "$pids" = "pid=$PID "

# SIGTERM: STOPPING=1.
n=$(msg_count "$LOG")
kill -TERM "$PID"
check "SIGTERM: STOPPING=1 arrives" wait_until 5 line_with "$LOG" "$n" 'STOPPING=1'
wait_proc tandemd 10
rc=$?
check "SIGTERM: exit status 0 (got $rc)" test "$rc" = 0
check "SIGTERM: no READY=1 after STOPPING=1" eval "! msgs_after '$LOG' '$n' | cut -f1 | grep -q 'READY=1'"
stop_proc rx

# --- 2. an abstract socket name ----------------------------------------------

ABS="@tandem-e2e-notify-$$-$RANDOM"
LOG=$T/rxa.log
start_receiver rxa "$ABS" "$P" || bail "the abstract notify receiver starts" "$(cat "$T/rxa.err")"
spawn tandemd2 env NOTIFY_SOCKET="$ABS" "$TANDEMD" -c "$T/tandem.ini"
check "abstract NOTIFY_SOCKET ($ABS): READY=1 arrives" wait_until 10 grep -q 'READY=1' "$LOG"
check "abstract NOTIFY_SOCKET: the port accepted by then" \
  test "$(meta "$(line_with "$LOG" 0 'READY=1')" probe)" = accepting
n=$(msg_count "$LOG")
kill -HUP "${PROC_PID[tandemd2]}"
check "abstract NOTIFY_SOCKET: SIGHUP gives RELOADING=1 then READY=1" \
  wait_until 5 eval "line_with '$LOG' '$n' 'RELOADING=1' && line_with '$LOG' '$(($n + 1))' 'READY=1'"
n=$(msg_count "$LOG")
kill -TERM "${PROC_PID[tandemd2]}"
check "abstract NOTIFY_SOCKET: SIGTERM gives STOPPING=1" wait_until 5 line_with "$LOG" "$n" 'STOPPING=1'
wait_proc tandemd2 10
stop_proc rxa

# --- 3. no READY=1 from a daemon that cannot serve ---------------------------

# systemd must see the start fail, not a READY=1 followed by an exit.
LOG=$T/rxf.log
start_receiver rxf "$N" "$P" || bail "the notify receiver starts again" "$(cat "$T/rxf.err")"
spawn holder "$PY" -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # the port may be in TIME_WAIT
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(1)
open(sys.argv[2], "w").write("1\n")
time.sleep(60)' "$P" "$T/holder.ready"
wait_until 5 test -s "$T/holder.ready" || bail "another process holds port $P" "$(cat "$T/holder.err")"
spawn busy env NOTIFY_SOCKET="$N" "$TANDEMD" -c "$T/tandem.ini"
wait_proc busy 10
rc=$?
check "port held by another process: tandemd exits 1 (got $rc)" test "$rc" = 1
check "port held by another process: no READY=1 was sent" eval "! grep -q 'READY=1' '$LOG'"
stop_proc holder
cp "$T/tandem.ini" "$T/good.ini"
echo "bogus_key = 1" >>"$T/tandem.ini"
spawn broken env NOTIFY_SOCKET="$N" "$TANDEMD" -c "$T/tandem.ini"
wait_proc broken 10
rc=$?
check "broken config: tandemd exits 1 (got $rc)" test "$rc" = 1
check "broken config: no READY=1 was sent" eval "! grep -q 'READY=1' '$LOG'"
mv "$T/good.ini" "$T/tandem.ini"
stop_proc rxf

# --- 4. nobody listening -----------------------------------------------------

# A notify socket that is gone (systemd restarted, say) must not stop the daemon.
NOTIFY_SOCKET=$T/nobody.sock start_tandemd "$T/tandem.ini" tandemd3
check "NOTIFY_SOCKET without a listener: tandemd still starts and serves" eval \
  "proc_running tandemd3 && port_open $P"
kill -HUP "${PROC_PID[tandemd3]}"
sleep 0.3
check "NOTIFY_SOCKET without a listener: SIGHUP does not hurt" eval "proc_running tandemd3 && ctl status"
stop_proc tandemd3

# --- 5. the unit file --------------------------------------------------------

UNIT=$ROOT/systemd/tandem.service
mkdir -p "$T/unit"
# verify wants ExecStart's binary to exist: point it at the build.
sed "s|@SBINDIR@|$BUILD|g" "$UNIT" >"$T/unit/tandem.service"
if command -v systemd-analyze >/dev/null 2>&1; then
  out=$(cd "$T/unit" && systemd-analyze verify "$T/unit/tandem.service" 2>&1)
  rc=$?
  # verify exits 0 on mere warnings ("Unknown key …, ignoring"): any output fails.
  if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
    ok "systemd-analyze verify tandem.service"
  else
    not_ok "systemd-analyze verify tandem.service" "exit $rc" "$out"
  fi
else
  ok "systemd-analyze verify tandem.service # SKIP systemd-analyze not installed"
fi
# unit_value KEY: the value of KEY= in [Service] (the last one wins, as in systemd).
unit_value() {
  awk -v key="$1" '
    /^\[/ { section = $0; next }
    section == "[Service]" && index($0, key "=") == 1 { v = substr($0, length(key) + 2) }
    END { print v }' "$UNIT"
}
check "unit: Type=notify" test "$(unit_value Type)" = notify
reload_sends_hup() {
  unit_value ExecReload | grep -qE '^(/usr)?/bin/kill +(-HUP|-SIGHUP|-s +HUP|--signal +HUP) +\$MAINPID$'
}
check "unit: ExecReload sends HUP to \$MAINPID ($(unit_value ExecReload))" reload_sends_hup
check "unit: Restart=on-failure" test "$(unit_value Restart)" = on-failure
caps=$(unit_value CapabilityBoundingSet | tr ' ' '\n' | grep -v '^$' | sort | tr '\n' ' ')
check "unit: CapabilityBoundingSet is exactly CAP_NET_ADMIN CAP_NET_BIND_SERVICE CAP_NET_RAW (got: $caps)" \
  test "$caps" = "CAP_NET_ADMIN CAP_NET_BIND_SERVICE CAP_NET_RAW "
check "unit: one CapabilityBoundingSet line (a second would add to the set)" \
  test "$(grep -c '^CapabilityBoundingSet=' "$UNIT")" = 1
exec_start_ok() { unit_value ExecStart | grep -qE '^@SBINDIR@/tandemd -c /etc/tandem/tandem.ini$'; }
check "unit: ExecStart runs @SBINDIR@/tandemd -c /etc/tandem/tandem.ini (no fork)" exec_start_ok

finish
