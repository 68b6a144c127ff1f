# bench/lib.sh — the helpers bench/run.sh and bench/sync.sh share: logging,
# stopping a process by PID, waiting for a port. Source it.

log() { echo "[$(date +%T)] $*" >&2; }

# stop_pid PID: TERM, wait up to 5 s, then KILL; reaps it.
stop_pid() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    [ "$(awk '{print $3}' /proc/$pid/stat 2>/dev/null)" = Z ] && break
    sleep 0.05
  done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 0
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() {  # wait_port PORT: up to 5 s
  local i
  for ((i = 0; i < 100; i++)); do port_open "$1" && return 0; sleep 0.05; done
  return 1
}
