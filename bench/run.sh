#!/usr/bin/env bash
# bench/run.sh — Tandem side by side with Debian's HAProxy (mode tcp) and
# nginx (stream), same backend, same load generators, interleaved rounds.
# See bench/README.md for what each row means.
#
# Environment:
#   ROUNDS=5          rounds per pass (each proxy once per round, order rotated)
#   DURATION=10s      length of each wrk run
#   WORKERS="1 2"     passes: balancer workers/threads
#   PROXIES="tandem haproxy nginx direct"
#   CONNS=64          wrk connections
#   BULK_MB=1024      size of one bulk download (MiB); BULK_COUNT=3 per round
#   IDLE_CONNS=1000   idle connections held for the memory-per-connection row
#   BACKEND_THREADS=1 threads of the test backend
#   QUICK=1           a smoke run: 1 round, 2s, smaller bulk and idle counts
#   BUILD=build       where tandemd and tools/backend, tools/holdconn live
# Output: a table of medians and ratios on stdout and in
# bench/results/latest.txt; every sample in bench/results/raw.tsv.
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac

if [ -n "${QUICK:-}" ]; then
  ROUNDS=${ROUNDS:-1} DURATION=${DURATION:-2s} BULK_MB=${BULK_MB:-256} BULK_COUNT=${BULK_COUNT:-2}
  IDLE_CONNS=${IDLE_CONNS:-200}
fi
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-10s}
WORKERS=${WORKERS:-1 2}
PROXIES=${PROXIES:-tandem haproxy nginx direct}
CONNS=${CONNS:-64}
BULK_MB=${BULK_MB:-1024}
BULK_COUNT=${BULK_COUNT:-3}
IDLE_CONNS=${IDLE_CONNS:-1000}
BACKEND_THREADS=${BACKEND_THREADS:-1}
# The same connection limit for every balancer (each proxied connection
# takes two descriptors; the default ulimit -n here is 20000).
MAXCONN=${MAXCONN:-4096}

BACKEND_PORT=18090
declare -A PORT=([tandem]=18080 [haproxy]=18081 [nginx]=18082 [direct]=$BACKEND_PORT)
RESULTS=$ROOT/bench/results
mkdir -p "$RESULTS"
RAW=$RESULTS/raw.tsv
W=$(mktemp -d /tmp/tandem-bench.XXXXXX)
BACKEND_PID="" PROXY_PID=""

cleanup() {
  [ -n "$PROXY_PID" ] && stop_pid "$PROXY_PID"
  [ -n "$BACKEND_PID" ] && stop_pid "$BACKEND_PID"
  rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "bench: $*" >&2; exit 1; }
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

# The balancer's processes: the PID and its children (nginx's workers).
proc_tree() { echo "$1"; ps -o pid= --ppid "$1" 2>/dev/null; }
# cpu_ticks PID: utime + stime of the tree, in clock ticks.
cpu_ticks() {
  local sum=0 p t
  for p in $(proc_tree "$1"); do
    t=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null) && sum=$((sum + t))
  done
  echo $sum
}
# mem_kb PID FIELD: VmRSS or VmHWM summed over the tree, in KiB.
mem_kb() {
  local sum=0 p v
  for p in $(proc_tree "$1"); do
    v=$(awk -v f="$2:" '$1 == f {print $2}' "/proc/$p/status" 2>/dev/null) && sum=$((sum + ${v:-0}))
  done
  echo $sum
}

record() {  # record PASS ROUND PROXY METRIC VALUE
  printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RAW"
}

# --- the contestants ------------------------------------------------------------

write_configs() {  # write_configs WORKERS
  local n=$1
  cat >"$W/tandem.ini" <<EOF
[global]
node = bench
workers = $n
status_socket = $W/tandem.sock
log_level = warning

[frontend:bench]
bind = 127.0.0.1:${PORT[tandem]}
mode = tcp
pool = be
max_connections = $MAXCONN

[pool:be]
balance = roundrobin
health = none
server = s1 127.0.0.1:$BACKEND_PORT
EOF
  cat >"$W/haproxy.cfg" <<EOF
global
    nbthread $n
    maxconn $MAXCONN
    log stderr format short local0 err

defaults
    mode tcp
    timeout connect 5s
    timeout client 60s
    timeout server 60s

frontend bench
    bind 127.0.0.1:${PORT[haproxy]}
    default_backend be

backend be
    server s1 127.0.0.1:$BACKEND_PORT
EOF
  cat >"$W/nginx.conf" <<EOF
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
worker_processes $n;
pid $W/nginx.pid;
error_log $W/nginx-error.log warn;
events {
    worker_connections $((MAXCONN * 2));
}
stream {
    upstream be {
        server 127.0.0.1:$BACKEND_PORT;
    }
    server {
        listen 127.0.0.1:${PORT[nginx]} reuseport;
        proxy_pass be;
    }
}
EOF
}

# start_proxy NAME: starts it in the foreground (as our child); sets PROXY_PID.
start_proxy() {
  local name=$1
  PROXY_PID=""
  case $name in
    tandem) "$BUILD/tandemd" -c "$W/tandem.ini" 2>"$W/tandem.err" & ;;
    haproxy) haproxy -f "$W/haproxy.cfg" -db 2>"$W/haproxy.err" & ;;
    nginx) nginx -c "$W/nginx.conf" -p "$W" -e "$W/nginx-error.log" -g 'daemon off;' 2>"$W/nginx.err" & ;;
    direct) return 0 ;;
  esac
  PROXY_PID=$!
  wait_port "${PORT[$name]}" || { log "$name did not start: $(tail -3 "$W/$name.err")"; return 1; }
  # nginx forks its workers after binding; let them come up.
  sleep 0.3
}

stop_proxy() {
  [ -n "$PROXY_PID" ] && stop_pid "$PROXY_PID"
  PROXY_PID=""
}

# --- the measurements ------------------------------------------------------------

# wrk_run OUT [ARGS...]: runs wrk against the proxy under test.
wrk_run() {
  local out=$1 port=$2
  shift 2
  wrk -t1 -c"$CONNS" -d"$DURATION" --latency "$@" "http://127.0.0.1:$port/size/100" >"$out" 2>&1
}
wrk_rps() { awk '/^Requests\/sec:/ {print $2}' "$1"; }
wrk_requests() { awk '/ requests in / {print $1}' "$1"; }
wrk_errors() {
  awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10; found=1}
       /Non-2xx/ {n += $NF} END {if (!found) print 0 + n}' "$1" | head -1
}
# wrk_p99 FILE: the 99% latency in ms.
wrk_p99() {
  awk '$1 == "99%" {
         v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
         if (u == "us") v /= 1000; else if (u == "s") v *= 1000; else if (u == "m") v *= 60000;
         print v }' "$1"
}

# measure PASS ROUND NAME: one fresh run of one contestant, every row.
measure() {
  local pass=$1 round=$2 name=$3 port=${PORT[$3]} pid ticks0 ticks1 n rss0 rss1
  start_proxy "$name" || return 1
  pid=$PROXY_PID

  # Memory: idle, then with IDLE_CONNS idle connections (one request each).
  if [ -n "$pid" ]; then
    rss0=$(mem_kb "$pid" VmRSS)
    record "$pass" "$round" "$name" rss_idle_kb "$rss0"
    rm -f "$W/hold.ready"
    "$BUILD/tools/holdconn" --connect "127.0.0.1:$port" --connections "$IDLE_CONNS" --path /size/100 \
      --hold 60s --ready-file "$W/hold.ready" --output "$W/hold.json" &
    local hpid=$! i
    for ((i = 0; i < 400; i++)); do [ -s "$W/hold.ready" ] && break; sleep 0.05; done
    sleep 0.2
    rss1=$(mem_kb "$pid" VmRSS)
    stop_pid $hpid
    if grep -q "\"ok\":$IDLE_CONNS," "$W/hold.ready" 2>/dev/null; then
      record "$pass" "$round" "$name" mem_per_conn_kb "$(awk -v a="$rss0" -v b="$rss1" -v n="$IDLE_CONNS" 'BEGIN {printf "%.2f", (b - a) / n}')"
    else
      log "$name: the idle connections did not all get through: $(cat "$W/hold.ready" 2>/dev/null)"
      log "  first errors: $(grep -o '"errors":\[[^]]*' "$W/hold.json" | cut -c1-400)"
    fi
  fi

  # Keep-alive requests.
  [ -n "$pid" ] && ticks0=$(cpu_ticks "$pid")
  wrk_run "$W/ka.txt" "$port"
  [ -n "$pid" ] && ticks1=$(cpu_ticks "$pid")
  n=$(wrk_requests "$W/ka.txt")
  record "$pass" "$round" "$name" ka_rps "$(wrk_rps "$W/ka.txt")"
  record "$pass" "$round" "$name" ka_p99_ms "$(wrk_p99 "$W/ka.txt")"
  record "$pass" "$round" "$name" ka_errors "$(wrk_errors "$W/ka.txt")"
  [ -n "$pid" ] && [ "${n:-0}" -gt 0 ] &&
    record "$pass" "$round" "$name" ka_cpu_us_per_req "$(awk -v t=$((ticks1 - ticks0)) -v n="$n" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.3f", t / hz / n * 1e6}')"

  # A new connection per request.
  [ -n "$pid" ] && ticks0=$(cpu_ticks "$pid")
  wrk_run "$W/close.txt" "$port" -H "Connection: close"
  [ -n "$pid" ] && ticks1=$(cpu_ticks "$pid")
  n=$(wrk_requests "$W/close.txt")
  record "$pass" "$round" "$name" conn_rps "$(wrk_rps "$W/close.txt")"
  record "$pass" "$round" "$name" conn_p99_ms "$(wrk_p99 "$W/close.txt")"
  record "$pass" "$round" "$name" conn_errors "$(wrk_errors "$W/close.txt")"
  [ -n "$pid" ] && [ "${n:-0}" -gt 0 ] &&
    record "$pass" "$round" "$name" conn_cpu_us_per_req "$(awk -v t=$((ticks1 - ticks0)) -v n="$n" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.3f", t / hz / n * 1e6}')"

  # Bulk transfer: BULK_COUNT downloads of BULK_MB MiB, one after the other.
  local bytes=0 secs=0 out i
  for ((i = 0; i < BULK_COUNT; i++)); do
    out=$(curl -sS -o /dev/null -w '%{size_download} %{time_total}' \
      "http://127.0.0.1:$port/size/$((BULK_MB * 1048576))" 2>"$W/curl.err") ||
      { log "$name: bulk download failed: $(cat "$W/curl.err") ($out)"; break; }
    bytes=$((bytes + ${out%% *}))
    secs=$(awk -v a="$secs" -v b="${out##* }" 'BEGIN {print a + b}')
  done
  [ "$bytes" -eq $((BULK_COUNT * BULK_MB * 1048576)) ] &&
    record "$pass" "$round" "$name" bulk_mb_s "$(awk -v b="$bytes" -v s="$secs" 'BEGIN {printf "%.1f", b / s / 1e6}')"

  [ -n "$pid" ] && record "$pass" "$round" "$name" rss_peak_kb "$(mem_kb "$pid" VmHWM)"
  stop_proxy
}

# --- main ------------------------------------------------------------------------

for tool in wrk curl haproxy nginx; do command -v $tool >/dev/null || die "$tool is not installed (make deps BENCH=1)"; done
[ -x "$BUILD/tools/backend" ] && [ -x "$BUILD/tools/holdconn" ] || die "build the tools first (make tools)"
[ -f /usr/lib/nginx/modules/ngx_stream_module.so ] || die "nginx's stream module is missing (libnginx-mod-stream)"
for p in "${PORT[@]}"; do port_open "$p" && die "port $p is busy"; done

# Is Tandem there (and more than a placeholder)?
CONTESTANTS=""
for name in $PROXIES; do
  if [ "$name" = tandem ]; then
    write_configs 1
    if [ -x "$BUILD/tandemd" ] && "$BUILD/tandemd" -c "$W/tandem.ini" --check >/dev/null 2>&1 &&
       start_proxy tandem; then
      stop_proxy
    else
      stop_proxy
      log "tandemd is not usable yet ($BUILD/tandemd); measuring the others only"
      continue
    fi
  fi
  CONTESTANTS="$CONTESTANTS $name"
done
read -r -a CONTESTANTS <<<"$CONTESTANTS"

start_backend() {
  "$BUILD/tools/backend" --listen 127.0.0.1:$BACKEND_PORT --name bench --threads "$BACKEND_THREADS" \
    >>"$W/backend.out" 2>&1 &
  BACKEND_PID=$!
  wait_port $BACKEND_PORT
}
start_backend || die "the backend did not start"

: >"$RAW"
started=$(date +%s)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
for pass in $WORKERS; do
  write_configs "$pass"
  for ((round = 1; round <= ROUNDS; round++)); do
    # Rotate the order every round so no contestant always runs first.
    n=${#CONTESTANTS[@]}
    for ((k = 0; k < n; k++)); do
      name=${CONTESTANTS[$(((k + round - 1) % n))]}
      log "workers=$pass round $round/$ROUNDS: $name"
      measure "$pass" "$round" "$name" || log "$name failed in this round"
      if ! kill -0 "$BACKEND_PID" 2>/dev/null || [ "$(awk '{print $3}' /proc/$BACKEND_PID/stat)" = Z ]; then
        wait "$BACKEND_PID"
        log "the backend died (exit $?): $(tail -5 "$W/backend.out")"
        start_backend || die "the backend did not restart"
      fi
    done
  done
done

{
  echo "Tandem benchmark — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(uname -r)"
  echo "$(haproxy -v | head -1 | cut -d' ' -f1-3); $(nginx -v 2>&1 | cut -d' ' -f3); $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
  echo "rounds=$ROUNDS duration=$DURATION wrk -t1 -c$CONNS, body 100 B; bulk ${BULK_COUNT}x${BULK_MB} MiB; idle conns $IDLE_CONNS; backend threads $BACKEND_THREADS; took $(( $(date +%s) - started )) s"
  echo "load average at start $load_start, at end $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine makes figures noisy)"
  "$(command -v /usr/bin/python3 || command -v python3)" "$ROOT/bench/report.py" "$RAW"
} | tee "$RESULTS/latest.txt"
