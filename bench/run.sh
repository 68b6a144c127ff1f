#!/usr/bin/env bash
# bench/run.sh — Tandem side by side with Debian's HAProxy and nginx, same
# backend, same load generators, interleaved rounds: an L4 pass (Tandem and
# HAProxy `mode tcp`, nginx `stream`), an L7 pass (Tandem and HAProxy
# `mode http`, nginx `http` with upstream keep-alive) and a TLS pass (the L7
# pass with TLS terminated by the balancer, one ECDSA P-256 certificate).
# See bench/README.md for what each row means.
#
# Environment:
#   MODES="tcp http tls"  which passes run, in order (MODE=http is taken as
#                     MODES=http); a new mode is one more case in
#                     write_configs, measure and report.py's ROWS
#   ROUNDS=5          rounds per pass (each proxy once per round, order rotated)
#   DURATION=10s      length of each wrk run
#   WORKERS="1 2"     passes: balancer workers/threads
#   PROXIES="tandem haproxy nginx direct"
#   CONNS=64          wrk connections
#   WRK_THREADS       wrk threads (default: 1 for tcp, 2 for http and tls)
#   BULK_MB=1024      size of one bulk download (MiB); BULK_COUNT=3 per round
#   IDLE_CONNS=1000   idle connections held for the memory-per-connection row
#   BACKEND_THREADS=1 threads of the test backend
#   QUICK=1           a smoke run: 1 round, 2s, smaller bulk and idle counts
#   BUILD=build       where tandemd and tools/backend, tools/holdconn live
#   PORT_BASE=18080   tandem's port; haproxy +1, nginx +2, the backend +10
#   CC=cc             the C compiler for bench/no_resume.c (tls pass)
#   SYSCALL_DURATION=3s  length of the extra wrk run (round 1 only) in which
#                     perf counts the balancer's system calls per request;
#                     SYSCALL_DURATION=0 leaves it out
# Output: a table of medians and ratios on stdout and in
# bench/results/latest.txt; every sample in bench/results/raw.tsv.
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac

if [ -n "${QUICK:-}" ]; then
  ROUNDS=${ROUNDS:-1} DURATION=${DURATION:-2s} BULK_MB=${BULK_MB:-256} BULK_COUNT=${BULK_COUNT:-2}
  IDLE_CONNS=${IDLE_CONNS:-200} SYSCALL_DURATION=${SYSCALL_DURATION:-1s}
fi
MODES=${MODES:-${MODE:-tcp http tls}}
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-10s}
WORKERS=${WORKERS:-1 2}
PROXIES=${PROXIES:-tandem haproxy nginx direct}
CONNS=${CONNS:-64}
BULK_MB=${BULK_MB:-1024}
BULK_COUNT=${BULK_COUNT:-3}
IDLE_CONNS=${IDLE_CONNS:-1000}
BACKEND_THREADS=${BACKEND_THREADS:-1}
SYSCALL_DURATION=${SYSCALL_DURATION:-3s}
# The same connection limit for every balancer (each proxied connection
# takes two descriptors; the default ulimit -n here is 20000).
MAXCONN=${MAXCONN:-4096}

# The ports: tandem PORT_BASE, haproxy +1, nginx +2, the backend +10.
PORT_BASE=${PORT_BASE:-18080}
BACKEND_PORT=$((PORT_BASE + 10))
declare -A PORT=([tandem]=$PORT_BASE [haproxy]=$((PORT_BASE + 1)) [nginx]=$((PORT_BASE + 2)) [direct]=$BACKEND_PORT)
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
. "$(dirname "$0")/lib.sh"

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

# One sample: the current pass is in SAMPLE ("MODE\tWORKERS\tROUND\tPROXY", set
# by the main loop); record METRIC VALUE appends it to raw.tsv.
SAMPLE=""
record() {
  [ -n "$2" ] && printf '%s\t%s\t%s\n' "$SAMPLE" "$1" "$2" >>"$RAW"
  return 0
}

# --- the contestants ------------------------------------------------------------

# The timeouts every balancer gets, in every mode: Tandem's defaults
# (timeout_connect, timeout_client/timeout_server, timeout_request,
# timeout_keepalive, server_keepalive_idle).
T_CONNECT=5s T_IDLE=30s T_REQUEST=10s T_KEEPALIVE=5s T_SERVER_KEEPALIVE=30s

# The TLS pass is the HTTP pass with TLS terminated by the balancer: every
# balancer runs its HTTP mode with one certificate (tls_setup makes it).
proxy_mode() { [ "$1" = tls ] && echo http || echo "$1"; }

# write_configs MODE WORKERS: the three balancers' configs for that pass.
write_configs() {
  tandem_conf "$1" "$2" >"$W/tandem.ini"
  haproxy_conf "$1" "$2" >"$W/haproxy.cfg"
  nginx_conf "$1" "$2" >"$W/nginx.conf"
}

tandem_conf() {  # MODE WORKERS
  # mode http: the pool's server keep-alive (server_keepalive_idle 30s,
  # server_keepalive_max 64 per worker) and the forwarding fields are left
  # at their defaults. tls: so are the TLS settings (TLS 1.2 and 1.3,
  # OpenSSL's ciphers, session cache 20000, tickets on).
  local tls=""
  [ "$1" = tls ] && tls="tls_cert = $TLS_PEM"
  cat <<EOF
[global]
node = bench
workers = $2
status_socket = $W/tandem.sock
log_level = warning

[frontend:bench]
bind = 127.0.0.1:${PORT[tandem]}
mode = $(proxy_mode "$1")
pool = be
max_connections = $MAXCONN
timeout_client = $T_IDLE
$tls

[pool:be]
balance = roundrobin
health = none
timeout_connect = $T_CONNECT
timeout_server = $T_IDLE
server = s1 127.0.0.1:$BACKEND_PORT
EOF
}

haproxy_conf() {  # MODE WORKERS
  cat <<EOF
global
    nbthread $2
    maxconn $MAXCONN
    log stderr format short local0 err

defaults
    mode $(proxy_mode "$1")
    timeout connect $T_CONNECT
    timeout client $T_IDLE
    timeout server $T_IDLE
EOF
  case $1 in
    http | tls) cat <<EOF
    timeout http-request $T_REQUEST
    timeout http-keep-alive $T_KEEPALIVE
    option http-keep-alive
    http-reuse always
EOF
    ;;
  esac
  cat <<EOF

frontend bench
    bind 127.0.0.1:${PORT[haproxy]}$([ "$1" = tls ] && echo " ssl crt $TLS_PEM alpn http/1.1")
    default_backend be

backend be
    server s1 127.0.0.1:$BACKEND_PORT
EOF
}

nginx_conf() {  # MODE WORKERS
  [ "$1" = tcp ] && echo "load_module /usr/lib/nginx/modules/ngx_stream_module.so;"
  cat <<EOF
worker_processes $2;
pid $W/nginx.pid;
error_log $W/nginx-error.log warn;
events {
    worker_connections $((MAXCONN * 2));
}
EOF
  case $1 in
    tcp) cat <<EOF
stream {
    upstream be {
        server 127.0.0.1:$BACKEND_PORT;
    }
    server {
        listen 127.0.0.1:${PORT[nginx]} reuseport;
        proxy_connect_timeout $T_CONNECT;
        proxy_timeout $T_IDLE;
        proxy_pass be;
    }
}
EOF
    ;;
    # keepalive_requests: nginx closes a keep-alive connection after 1000
    # requests by default, which neither HAProxy nor Tandem does. Temporary
    # files stay in our directory, not /var/lib/nginx.
    # tls: nginx 1.22's default ssl_protocols lack TLSv1.3 and its default
    # session cache is `none`; the others' defaults are TLS 1.2 and 1.3 and
    # a 20000-entry cache (shared:…:5m holds about 20000 sessions). No
    # `http2` on the listen line: nginx then selects ALPN http/1.1.
    http | tls) cat <<EOF
http {
    access_log off;
    client_body_temp_path $W/nginx-tmp/body;
    proxy_temp_path $W/nginx-tmp/proxy;
    fastcgi_temp_path $W/nginx-tmp/fastcgi;
    uwsgi_temp_path $W/nginx-tmp/uwsgi;
    scgi_temp_path $W/nginx-tmp/scgi;
    client_header_timeout $T_REQUEST;
    client_body_timeout $T_IDLE;
    send_timeout $T_IDLE;
    keepalive_timeout $T_KEEPALIVE;
    keepalive_requests 1000000000;
    upstream be {
        server 127.0.0.1:$BACKEND_PORT;
        keepalive 64;
        keepalive_timeout $T_SERVER_KEEPALIVE;
        keepalive_requests 1000000000;
    }
    server {
        listen 127.0.0.1:${PORT[nginx]}$([ "$1" = tls ] && echo " ssl") reuseport;
$([ "$1" = tls ] && nginx_tls)
        location / {
            proxy_pass http://be;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_connect_timeout $T_CONNECT;
            proxy_read_timeout $T_IDLE;
            proxy_send_timeout $T_IDLE;
        }
    }
}
EOF
    ;;
  esac
}

nginx_tls() {  # the tls pass's lines in nginx's server block
  cat <<EOF
        ssl_certificate $TLS_PEM;
        ssl_certificate_key $TLS_PEM;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache shared:tls:5m;
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

wrk_rps() { awk '/^Requests\/sec:/ {print $2}' "$1"; }
wrk_requests() { awk '/ requests in / {print $1}' "$1"; }
# wrk_errors FILE: socket errors plus non-2xx/3xx responses.
wrk_errors() {
  awk '/Socket errors:/ {gsub(",", ""); n += $4 + $6 + $8 + $10}
       /Non-2xx/ {n += $NF} END {print 0 + n}' "$1"
}
# wrk_p99 FILE: the 99% latency in ms.
wrk_p99() {
  awk '$1 == "99%" {
         v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
         if (u == "us") v /= 1000; else if (u == "s") v *= 1000; else if (u == "m") v *= 60000;
         print v }' "$1"
}

# wrk_secs FILE: the length of the run wrk reports ("N requests in 5.00s").
wrk_secs() {
  awk '/ requests in / { v = $4; sub(/,$/, "", v); u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
         if (u == "ms") v /= 1000; else if (u == "m") v *= 60; print v }' "$1"
}

# wrk_row ROW URL [WRK_ARGS...]: one wrk run against URL; records ROW_rps,
# ROW_p99_ms, ROW_errors and, for a balancer (PROXY_PID set), ROW_cpu_us_per_req:
# the utime+stime of all its processes and threads over the run per request,
# and ROW_lb_cores / ROW_client_cores: the cores the balancer and wrk kept
# busy (CPU seconds / run seconds), to see which of them was the bottleneck.
# With WRK_PRELOAD set (the tls pass) wrk runs with that shim
# (bench/no_resume.c: no TLS resumption) and ROW_tls_full / ROW_tls_resumed
# record the handshakes wrk completed.
wrk_row() {
  local row=$1 url=$2 out=$W/$1.txt ticks0=0 ticks1=0 n secs TIMEFORMAT='%3U %3S'
  shift 2
  local -a env=()
  [ -n "${WRK_PRELOAD:-}" ] && env=(LD_PRELOAD="$WRK_PRELOAD" NO_RESUME_COUNTS="$W/$row.tls")
  rm -f "$W/$row.tls"
  [ -n "$PROXY_PID" ] && ticks0=$(cpu_ticks "$PROXY_PID")
  { time env "${env[@]}" wrk -t"$WRK_T" -c"$CONNS" -d"$DURATION" --latency "$@" "$url" >"$out" 2>&1; } 2>"$out.time"
  [ -n "$PROXY_PID" ] && ticks1=$(cpu_ticks "$PROXY_PID")
  n=$(wrk_requests "$out")
  secs=$(wrk_secs "$out")
  record "${row}_rps" "$(wrk_rps "$out")"
  record "${row}_p99_ms" "$(wrk_p99 "$out")"
  record "${row}_errors" "$(wrk_errors "$out")"
  [ -n "$secs" ] && record "${row}_client_cores" "$(awk -v s="$secs" '{printf "%.2f", ($1 + $2) / s}' "$out.time")"
  if [ -n "$PROXY_PID" ] && [ "${n:-0}" -gt 0 ]; then
    record "${row}_cpu_us_per_req" "$(awk -v t=$((ticks1 - ticks0)) -v n="$n" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.3f", t / hz / n * 1e6}')"
    [ -n "$secs" ] && record "${row}_lb_cores" "$(awk -v t=$((ticks1 - ticks0)) -v s="$secs" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", t / hz / s}')"
  fi
  if [ -n "${WRK_PRELOAD:-}" ]; then
    if [ -s "$W/$row.tls" ]; then
      record "${row}_tls_full" "$(awk '$1 == "full" {print $2}' "$W/$row.tls")"
      record "${row}_tls_resumed" "$(awk '$1 == "resumed" {print $2}' "$W/$row.tls")"
    else
      log "$NAME: wrk left no handshake counts (was the shim loaded?)"
    fi
  fi
  syscalls_row "$row" "$url" "$@"
  return 0
}

# syscalls_row ROW URL [WRK_ARGS...]: in round 1, for a balancer, one more
# wrk run of SYSCALL_DURATION while perf counts the system calls of all the
# balancer's threads and processes (the raw_syscalls:sys_enter tracepoint);
# records ROW_syscalls_per_req. A count that the machine's load does not
# blur, as it blurs rates and CPU times. Not in the timed run: a counted
# call costs a little more. Called by wrk_row, last: wrk runs with wrk_row's
# `env` (the tls pass's shim). perf attaches to the balancer before it
# starts wrk and counts until wrk exits.
syscalls_row() {
  local row=$1 url=$2 out=$W/$1.sys.txt n calls
  shift 2
  [ -n "$PERF" ] && [ -n "$PROXY_PID" ] && [ "$round" = 1 ] || return 0
  "$PERF" stat -x, -e raw_syscalls:sys_enter -p "$(proc_tree "$PROXY_PID" | paste -sd, | tr -d ' ')" \
    -o "$W/$row.perf" -- env "${env[@]}" wrk -t"$WRK_T" -c"$CONNS" -d"$SYSCALL_DURATION" "$@" "$url" \
    >"$out" 2>"$W/$row.perf.err"
  n=$(wrk_requests "$out")
  calls=$(awk -F, '/raw_syscalls:sys_enter/ {print $1}' "$W/$row.perf" 2>/dev/null)
  if [ "${n:-0}" -gt 0 ] && [ -n "$calls" ] && [ "$calls" -gt 0 ] 2>/dev/null; then
    record "${row}_syscalls_per_req" "$(awk -v c="$calls" -v n="$n" 'BEGIN {printf "%.2f", c / n}')"
  else
    log "$NAME: perf counted no system calls for $row: $(head -2 "$W/$row.perf.err" "$W/$row.perf" 2>/dev/null | tr '\n' ' ')"
  fi
}

# mem_per_conn_row: RSS per idle connection, IDLE_CONNS keep-alive
# connections through the balancer NAME (PROXY_PID) held by holdconn.
mem_per_conn_row() {
  local pid=$PROXY_PID rss0 rss1 hpid i
  rss0=$(mem_kb "$pid" VmRSS)
  rm -f "$W/hold.ready"
  "$BUILD/tools/holdconn" --connect "127.0.0.1:${PORT[$NAME]}" --connections "$IDLE_CONNS" --path /size/100 \
    --hold 60s --ready-file "$W/hold.ready" --output "$W/hold.json" &
  hpid=$!
  for ((i = 0; i < 400; i++)); do [ -s "$W/hold.ready" ] && break; sleep 0.05; done
  sleep 0.2
  rss1=$(mem_kb "$pid" VmRSS)
  stop_pid $hpid
  if grep -q "\"ok\":$IDLE_CONNS," "$W/hold.ready" 2>/dev/null; then
    record mem_per_conn_kb "$(awk -v a="$rss0" -v b="$rss1" -v n="$IDLE_CONNS" 'BEGIN {printf "%.2f", (b - a) / n}')"
  else
    log "$NAME: the idle connections did not all get through: $(cat "$W/hold.ready" 2>/dev/null)"
    log "  first errors: $(grep -o '"errors":\[[^]]*' "$W/hold.json" | cut -c1-400)"
  fi
}

# bulk_row URL_BASE: BULK_COUNT downloads of BULK_MB MiB, one after the other.
bulk_row() {
  local bytes=0 secs=0 out i
  for ((i = 0; i < BULK_COUNT; i++)); do
    out=$(curl -sS -o /dev/null -w '%{size_download} %{time_total}' \
      "$1/size/$((BULK_MB * 1048576))" 2>"$W/curl.err") ||
      { log "$NAME: bulk download failed: $(cat "$W/curl.err") ($out)"; break; }
    bytes=$((bytes + ${out%% *}))
    secs=$(awk -v a="$secs" -v b="${out##* }" 'BEGIN {print a + b}')
  done
  [ "$bytes" -eq $((BULK_COUNT * BULK_MB * 1048576)) ] &&
    record bulk_mb_s "$(awk -v b="$bytes" -v s="$secs" 'BEGIN {printf "%.1f", b / s / 1e6}')"
  return 0
}

# tandem_tls_counts: Tandem's own count of the handshakes of this run (a
# fresh daemon: from zero), `tandemctl show tls`: records srv_tls_handshakes,
# srv_tls_resumed and srv_tls_failures — a server-side check of wrk's counts.
tandem_tls_counts() {
  local v
  v=$("$BUILD/tandemctl" -s "$W/tandem.sock" --json show tls 2>"$W/ctl.err" | python3 -c '
import json, sys
r = next(r for r in json.load(sys.stdin) if r["frontend"] == "bench")
print(r["handshakes"], r["resumed"], r["failures"])' 2>>"$W/ctl.err") ||
    { log "tandemctl show tls: $(head -3 "$W/ctl.err")"; return 0; }
  set -- $v
  record srv_tls_handshakes "$1"
  record srv_tls_resumed "$2"
  record srv_tls_failures "$3"
}

# url MODE NAME: the contestant's base URL in that mode.
url() { echo "$([ "$1" = tls ] && echo https || echo http)://127.0.0.1:${PORT[$2]}"; }

# measure MODE NAME: one fresh run of one contestant, every row of that mode
# (sets NAME for the row functions).
measure() {
  local mode=$1 url
  url=$(url "$1" "$2")
  NAME=$2
  start_proxy "$NAME" || return 1
  [ -n "$PROXY_PID" ] && record rss_idle_kb "$(mem_kb "$PROXY_PID" VmRSS)"
  case $mode in
    tcp)
      [ -n "$PROXY_PID" ] && mem_per_conn_row
      wrk_row ka "$url/size/100"
      wrk_row conn "$url/size/100" -H "Connection: close"
      bulk_row "$url"
      ;;
    http)
      wrk_row ka "$url/"
      wrk_row ka64k "$url/size/65536"
      wrk_row conn "$url/" -H "Connection: close"
      ;;
    tls)
      # wrk runs with bench/no_resume.c preloaded (WRK_PRELOAD): with
      # `Connection: close` every request is a new TCP connection and a full
      # handshake, which wrk alone would turn into resumed ones.
      wrk_row ka "$url/"
      wrk_row hs "$url/" -H "Connection: close"
      [ "$NAME" = tandem ] && tandem_tls_counts
      ;;
  esac
  if [ -n "$PROXY_PID" ]; then
    record rss_end_kb "$(mem_kb "$PROXY_PID" VmRSS)"
    record rss_peak_kb "$(mem_kb "$PROXY_PID" VmHWM)"
  fi
  stop_proxy
}

# usable MODE NAME: starts NAME with MODE's config and sends one request
# through it; false (with a log line) if that fails.
usable() {
  local ok=1
  if [ "$2" = tandem ]; then
    [ -x "$BUILD/tandemd" ] || { log "$BUILD/tandemd is not built; measuring the others only"; return 1; }
    "$BUILD/tandemd" -c "$W/tandem.ini" --check >"$W/check.out" 2>&1 ||
      { log "tandemd refuses the mode $1 config: $(head -3 "$W/check.out")"; return 1; }
  fi
  if [ "$1" = tls ] && [ "$2" = direct ]; then
    log "direct: the backend speaks no TLS; not measured in the tls pass"
    return 1
  fi
  start_proxy "$2" && curl -sSfk -m 5 -D "$W/check.head" -o /dev/null "$(url "$1" "$2")/size/100" 2>"$W/curl.err" && ok=0
  [ $ok = 0 ] || log "$2 (mode $1) does not answer: $(cat "$W/curl.err") $(tail -3 "$W/$2.err" 2>/dev/null)"
  # A Tandem that accepts `mode = http` but only relays bytes would pass as
  # a very fast HTTP proxy: its HTTP mode adds a request id to every response.
  if [ $ok = 0 ] && [ "$2" = tandem ] && [ "$1" != tcp ] && ! grep -qi '^x-request-id:' "$W/check.head"; then
    log "tandemd answers mode $1 without X-Request-Id: not an HTTP proxy yet; measuring the others only"
    ok=1
  fi
  [ $ok = 0 ] && [ "$1" = tls ] && tls_probe "$2"
  stop_proxy
  return $ok
}

# tls_setup: the pass's certificate, made fresh by openssl (ECDSA P-256,
# self-signed, cert and key in one PEM file that all three balancers read:
# TLS_PEM), and the wrk shim bench/no_resume.c built into the temp dir
# (WRK_PRELOAD is set by the main loop for the tls pass only).
TLS_PEM=$W/tls/bench.pem TLS_SHIM=$W/no_resume.so
declare -A TLS_SEEN=()
tls_setup() {
  mkdir -p "$W/tls"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj /CN=bench.test -addext subjectAltName=DNS:bench.test \
    -keyout "$W/tls/bench.key" -out "$W/tls/bench.crt" >"$W/tls/openssl.out" 2>&1 ||
    die "openssl could not make the certificate: $(tail -3 "$W/tls/openssl.out")"
  cat "$W/tls/bench.crt" "$W/tls/bench.key" >"$TLS_PEM"
  chmod 644 "$TLS_PEM"
  "${CC:-cc}" -O2 -Wall -Wextra -shared -fPIC -o "$TLS_SHIM" "$ROOT/bench/no_resume.c" 2>"$W/tls/cc.out" ||
    die "could not build bench/no_resume.c: $(head -3 "$W/tls/cc.out")"
}

# tls_probe NAME: what one handshake with that contestant negotiates (what
# openssl s_client offers by default, as wrk does, plus ALPN http/1.1);
# logged and kept in TLS_SEEN for the report's header.
tls_probe() {
  local seen
  seen=$(echo | timeout 5 openssl s_client -connect "127.0.0.1:${PORT[$1]}" -alpn http/1.1 2>&1 |
    awk '/^New, / { sub(/,$/, "", $2); v = $2 " " $NF }
         /^Peer signature type:/ { s = $NF }
         /^Server Temp Key:/ { sub(/,$/, "", $4); k = $4 }
         /^ALPN protocol:/ { a = $NF }
         /^No ALPN/ { a = "none" }
         END { printf "%s, %s, %s, ALPN %s", v, s, k, a }')
  TLS_SEEN[$1]=$seen
  log "$1 (mode tls) negotiates: $seen"
}

start_backend() {
  "$BUILD/tools/backend" --listen 127.0.0.1:$BACKEND_PORT --name bench --threads "$BACKEND_THREADS" \
    >>"$W/backend.out" 2>&1 &
  BACKEND_PID=$!
  wait_port $BACKEND_PORT
}

# --- main ------------------------------------------------------------------------

for tool in wrk curl haproxy nginx; do command -v $tool >/dev/null || die "$tool is not installed (make deps BENCH=1)"; done
[ -x "$BUILD/tools/backend" ] && [ -x "$BUILD/tools/holdconn" ] || die "build the tools first (make tools)"
# perf (Debian's linux-perf) counts system calls where the kernel lets it.
PERF=""
if [ "$SYSCALL_DURATION" != 0 ] && [ "$SYSCALL_DURATION" != 0s ]; then
  if command -v perf >/dev/null && perf stat -e raw_syscalls:sys_enter -- true >/dev/null 2>"$W/perf.check"; then
    PERF=$(command -v perf)
  else
    log "perf cannot count system calls here; the system-call rows are left out: $(head -1 "$W/perf.check" 2>/dev/null)"
  fi
fi
for mode in $MODES; do
  case $mode in
    tcp) [ -f /usr/lib/nginx/modules/ngx_stream_module.so ] || die "nginx's stream module is missing (libnginx-mod-stream)" ;;
    http) ;;
    tls) for tool in openssl "${CC:-cc}"; do command -v "$tool" >/dev/null || die "$tool is needed for the tls pass"; done ;;
    *) die "unknown mode '$mode' in MODES (tcp, http, tls)" ;;
  esac
done
for p in "${PORT[@]}"; do port_open "$p" && die "port $p is busy"; done
# nginx's workers run as nobody when we are root: they must reach its files.
chmod 711 "$W"
mkdir -p "$W/nginx-tmp"
case " $MODES " in *" tls "*) tls_setup ;; esac

start_backend || die "the backend did not start"
: >"$RAW"
started=$(date +%s)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
for mode in $MODES; do
  WRK_T=${WRK_THREADS:-$([ "$mode" = tcp ] && echo 1 || echo 2)}
  WRK_PRELOAD=$([ "$mode" = tls ] && echo "$TLS_SHIM")
  # Who takes part in this mode (is Tandem there, and more than a placeholder?).
  write_configs "$mode" 1
  CONTESTANTS=()
  for name in $PROXIES; do usable "$mode" "$name" && CONTESTANTS+=("$name"); done
  [ ${#CONTESTANTS[@]} -gt 0 ] || { log "mode $mode: nothing to measure"; continue; }
  for pass in $WORKERS; do
    write_configs "$mode" "$pass"
    for ((round = 1; round <= ROUNDS; round++)); do
      # Rotate the order every round so no contestant always runs first.
      n=${#CONTESTANTS[@]}
      for ((k = 0; k < n; k++)); do
        name=${CONTESTANTS[$(((k + round - 1) % n))]}
        log "mode $mode, workers=$pass round $round/$ROUNDS: $name"
        SAMPLE=$(printf '%s\t%s\t%s\t%s' "$mode" "$pass" "$round" "$name")
        measure "$mode" "$name" || log "$name failed in this round"
        if ! kill -0 "$BACKEND_PID" 2>/dev/null || [ "$(awk '{print $3}' /proc/$BACKEND_PID/stat)" = Z ]; then
          wait "$BACKEND_PID"
          log "the backend died (exit $?): $(tail -5 "$W/backend.out")"
          start_backend || die "the backend did not restart"
        fi
      done
    done
  done
done
if grep -q 'temporary file' "$W/nginx-error.log" 2>/dev/null; then
  log "note: nginx buffered responses to temporary files: $(grep -c 'temporary file' "$W/nginx-error.log") times"
fi

{
  echo "Tandem benchmark — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(uname -r)"
  echo "$(haproxy -v | head -1 | cut -d' ' -f1-3); $(nginx -v 2>&1 | cut -d' ' -f3); $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
  echo "modes: $MODES; rounds=$ROUNDS duration=$DURATION wrk -c$CONNS; backend threads $BACKEND_THREADS; took $(( $(date +%s) - started )) s"
  for mode in $MODES; do
    case $mode in
      tcp) echo "  tcp: wrk -t${WRK_THREADS:-1}, body 100 B; bulk ${BULK_COUNT}x${BULK_MB} MiB; idle conns $IDLE_CONNS" ;;
      http) echo "  http: wrk -t${WRK_THREADS:-2}, bodies 6 B (the backend's default answer) and 64 KiB" ;;
      tls)
        echo "  tls: wrk -t${WRK_THREADS:-2}, body 6 B; ECDSA P-256 certificate; wrk with bench/no_resume.c (full handshakes)"
        for name in "${!TLS_SEEN[@]}"; do echo "    $name: ${TLS_SEEN[$name]}"; done | sort
        ;;
    esac
  done
  echo "load average at start $load_start, at end $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine makes figures noisy)"
  "$(command -v /usr/bin/python3 || command -v python3)" "$ROOT/bench/report.py" "$RAW"
} | tee "$RESULTS/latest.txt"
