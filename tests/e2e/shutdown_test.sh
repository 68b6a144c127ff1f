#!/usr/bin/env bash
# SIGTERM drains: new connects are refused at once, an established
# connection keeps working, the daemon exits 0 as soon as it is done — or
# when shutdown_timeout runs out, closing what is left.
. "$(dirname "$0")/lib.sh"

start_backend be1 || bail "backend be1 starts"
P=$(free_port)
write_config() {  # write_config SHUTDOWN_TIMEOUT
  {
    global_section "shutdown_timeout = $1"
    cat <<EOC
[frontend:web]
bind = 127.0.0.1:$P
mode = tcp
pool = app

[pool:app]
health = none
server = be1 127.0.0.1:${BE_PORT[be1]}
EOC
  } >"$T/tandem.ini"
}

# 1. The connection finishes well within shutdown_timeout.
write_config 6s
start_tandemd "$T/tandem.ini" d1 || bail "tandemd starts" "$(tail -5 "$T/d1.err" 2>/dev/null)"
ok "tandemd starts (shutdown_timeout = 6s)"
# 12 requests 200 ms apart on one keep-alive connection: about 2.2 s.
spawn hold "$TOOLS/holdconn" --connect 127.0.0.1:$P --requests 12 --interval 200ms \
  --ready-file "$T/hold.ready" --output "$T/hold.json"
wait_until 5 test -s "$T/hold.ready" || bail "a connection through the balancer" "$(cat "$T/hold.err")"
t0=$(now_ms)
kill -TERM "${PROC_PID[d1]}"
check "SIGTERM: new connects are refused within 500 ms" wait_until 0.5 port_closed $P
check "SIGTERM: the daemon is still running while the connection lives" proc_running d1
"$TOOLS/loadgen" --connect 127.0.0.1:$P --count 3 --timeout 300ms --output "$T/new.json" >/dev/null
check "SIGTERM: a new client is refused (not left hanging in the backlog)" jcheck "$T/new.json" 'd["failures"]["refused"] == 3'
wait_proc hold 10
t_hold=$(now_ms)
check "SIGTERM: the established connection served all 12 requests" jcheck "$T/hold.json" 'd["ok"] == 12 and d["failed"] == 0'
wait_proc d1 8
rc=$?
t_exit=$(now_ms)
check "SIGTERM: exit status 0 (got $rc)" test "$rc" = 0
check "SIGTERM: exited soon after the last connection closed ($((t_exit - t_hold)) ms), not at the timeout" \
  test $((t_exit - t_hold)) -le 1000
note "signal to exit: $((t_exit - t0)) ms"

# 2. The connection outlasts shutdown_timeout.
write_config 1s
start_tandemd "$T/tandem.ini" d2 || bail "tandemd starts again" "$(tail -5 "$T/d2.err" 2>/dev/null)"
ok "tandemd starts (shutdown_timeout = 1s)"
spawn idle "$TOOLS/holdconn" --connect 127.0.0.1:$P --hold 20s --ready-file "$T/idle.ready"
wait_until 5 test -s "$T/idle.ready" || bail "a connection through the balancer" "$(cat "$T/idle.err")"
t0=$(now_ms)
kill -TERM "${PROC_PID[d2]}"
wait_proc d2 6
rc=$?
took=$(($(now_ms) - t0))
check "timeout: exit status 0 (got $rc)" test "$rc" = 0
check "timeout: exited after about shutdown_timeout (${took} ms, want 900..2500)" \
  test "$took" -ge 900 -a "$took" -le 2500
stop_proc idle

# 3. No connection at all: prompt exit.
write_config 10s
start_tandemd "$T/tandem.ini" d3 || bail "tandemd starts a third time"
t0=$(now_ms)
kill -TERM "${PROC_PID[d3]}"
wait_proc d3 12
rc=$?
took=$(($(now_ms) - t0))
check "idle: SIGTERM exits 0 promptly (${took} ms)" test "$rc" = 0 -a "$took" -le 1000
check "idle: the status socket is removed" test ! -e "$SOCK"

finish
