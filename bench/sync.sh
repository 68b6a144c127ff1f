#!/usr/bin/env bash
# bench/sync.sh: what the sync channel costs the proxy (issue 5: "the proxy's
# requests/s with sync on versus off, target: less than 5% cost").
#
# One tandemd ("A", mode http, one pool `sticky = source`, otherwise
# bench/run.sh's tandem config) measured with wrk, keep-alive, in interleaved
# rounds of these variants, each on a freshly started A:
#   off    A alone, no [sync] section
#   on     A with [sync] and a second tandemd as its peer (same pools), the
#          channel synced before wrk starts
#   flood  A with [sync], the peer being `build/tools/syncbench --flood`
#          storing FLOOD_RATE new sticky keys/s, so A receives and applies
#          FLOOD_RATE updates/s on its main thread during the run
# (FLOOD_RATE=0 leaves the flood variant out). Prints per-round req/s, p99
# and A's CPU µs/request, the medians, and on/off and flood/off ratios.
#
#   bench/sync.sh                          # ROUNDS=3 DURATION=5s FLOOD_RATE=10000
#   ROUNDS=5 DURATION=10s bench/sync.sh
#
# Other knobs: CONNS (64), WRK_THREADS (2), WORKERS (1), BUILD (build),
# PORT_BASE (19080: A's frontend; the backend +10, A's sync +20, the peer's +21,
# the peer's frontend +1).
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
CONNS=${CONNS:-64}
WRK_THREADS=${WRK_THREADS:-2}
WORKERS=${WORKERS:-1}
FLOOD_RATE=${FLOOD_RATE:-10000}
PORT_BASE=${PORT_BASE:-19080}
FRONT_A=$PORT_BASE FRONT_B=$((PORT_BASE + 1)) BACKEND_PORT=$((PORT_BASE + 10))
SYNC_A=$((PORT_BASE + 20)) SYNC_B=$((PORT_BASE + 21))
VARIANTS="off on"
[ "$FLOOD_RATE" != 0 ] && VARIANTS="off on flood"

W=$(mktemp -d /tmp/tandem-syncbench.XXXXXX)
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do stop_pid "$p"; done
  rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "sync.sh: $*" >&2; exit 1; }
. "$(dirname "$0")/lib.sh"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# tandem_conf NODE FRONT_PORT SOCK [SYNC_LISTEN SYNC_PEER]: run.sh's mode http
# config with `sticky = source` on the pool, and a [sync] section if asked.
tandem_conf() {
  cat <<EOF
[global]
node = $1
workers = $WORKERS
status_socket = $3
log_level = warning

[frontend:bench]
bind = 127.0.0.1:$2
mode = http
pool = be
max_connections = 4096
timeout_client = 30s

[pool:be]
balance = roundrobin
health = none
sticky = source
timeout_connect = 5s
timeout_server = 30s
server = s1 127.0.0.1:$BACKEND_PORT
EOF
  [ $# -ge 5 ] && cat <<EOF

[sync]
listen = 127.0.0.1:$4
peer = 127.0.0.1:$5
key_file = $W/sync.key
EOF
}

sync_json() { "$BUILD/tandemctl" -s "$W/a.sock" --json show sync 2>/dev/null; }
sync_field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])" 2>/dev/null; }

# wait_synced: A's channel reports `synced` (up to 10 s).
wait_synced() {
  local i
  for ((i = 0; i < 200; i++)); do
    [ "$(sync_json | sync_field state)" = synced ] && return 0
    sleep 0.05
  done
  return 1
}

# measure VARIANT ROUND: one fresh A (and peer), one wrk run; one line to $W/rows.
measure() {
  local v=$1 round=$2 a peer="" t0 t1 out=$W/wrk.$1.$2 n rps p99 cpu sent="-" recv="-" applied="-"
  if [ "$v" = off ]; then
    tandem_conf bench-a $FRONT_A "$W/a.sock" >"$W/a.ini"
  else
    tandem_conf bench-a $FRONT_A "$W/a.sock" $SYNC_A $SYNC_B >"$W/a.ini"
  fi
  "$BUILD/tandemd" -c "$W/a.ini" 2>>"$W/a.err" &
  a=$!
  PIDS+=("$a")
  case $v in
    on) "$BUILD/tandemd" -c "$W/b.ini" 2>>"$W/b.err" & peer=$! ;;
    flood) "$BUILD/tools/syncbench" --flood "$W/b.ini" --rate "$FLOOD_RATE" --duration 0 >>"$W/flood.out" 2>&1 &
      peer=$! ;;
  esac
  [ -n "$peer" ] && PIDS+=("$peer")
  wait_port $FRONT_A || die "tandemd did not start: $(tail -3 "$W/a.err")"
  if [ "$v" != off ]; then
    wait_synced || die "$v: A's sync channel is not synced: $(sync_json)"
  fi
  t0=$(cpu_ticks "$a")
  wrk -t"$WRK_THREADS" -c"$CONNS" -d"$DURATION" --latency "http://127.0.0.1:$FRONT_A/" >"$out" 2>&1
  t1=$(cpu_ticks "$a")
  if [ "$v" != off ]; then
    local j
    j=$(sync_json)
    [ "$(echo "$j" | sync_field state)" = synced ] || log "$v round $round: A's channel left synced: $j"
    sent=$(echo "$j" | sync_field records_sent)
    recv=$(echo "$j" | sync_field records_received)
    applied=$(echo "$j" | sync_field records_applied)
  fi
  [ -n "$peer" ] && stop_pid "$peer"
  stop_pid "$a"
  PIDS=()
  n=$(awk '/ requests in / {print $1}' "$out")
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
  p99=$(awk '$1 == "99%" { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
        if (u == "us") v /= 1000; else if (u == "s") v *= 1000; print v }' "$out")
  cpu=$(awk -v t=$((t1 - t0)) -v n="${n:-0}" -v hz="$(getconf CLK_TCK)" 'BEGIN {if (n > 0) printf "%.2f", t / hz / n * 1e6}')
  [ -n "$rps" ] || die "wrk gave no result: $(tail -3 "$out")"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$v" "$rps" "$p99" "$cpu" "$sent" "$recv" "$applied" >>"$W/rows"
  log "round $round $v: $rps req/s, p99 $p99 ms, $cpu us/req, sync sent/received/applied $sent/$recv/$applied"
}

for tool in wrk curl python3 openssl; do command -v $tool >/dev/null || die "$tool is not installed"; done
[ -x "$BUILD/tandemd" ] && [ -x "$BUILD/tandemctl" ] && [ -x "$BUILD/tools/backend" ] ||
  die "build tandemd, tandemctl and the tools first (make all tools)"
[ "$FLOOD_RATE" = 0 ] || [ -x "$BUILD/tools/syncbench" ] || die "build/tools/syncbench is missing (make tools)"
for p in $FRONT_A $FRONT_B $BACKEND_PORT $SYNC_A $SYNC_B; do port_open $p && die "port $p is busy"; done

(umask 077 && openssl rand -hex 32 >"$W/sync.key")
tandem_conf bench-b $FRONT_B "$W/b.sock" $SYNC_B $SYNC_A >"$W/b.ini"
"$BUILD/tools/backend" --listen 127.0.0.1:$BACKEND_PORT --name bench >"$W/backend.out" 2>&1 &
BACKEND=$!
trap 'stop_pid $BACKEND; cleanup' EXIT
wait_port $BACKEND_PORT || die "the backend did not start"

: >"$W/rows"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
for ((round = 1; round <= ROUNDS; round++)); do
  for v in $VARIANTS; do measure "$v" "$round"; done
done

echo "sync cost — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, wrk -t$WRK_THREADS -c$CONNS -d$DURATION keep-alive on /, tandemd workers=$WORKERS, mode http, sticky = source"
echo "variants: off (no [sync]), on (synced with a peer tandemd)$([ "$FLOOD_RATE" != 0 ] && echo ", flood (peer = syncbench --flood storing $FLOOD_RATE keys/s: A applies them)")"
echo "load average at start $load_start, at end $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$W/rows" <<'EOF'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
print(f"{'round':>5} {'variant':>8} {'req/s':>10} {'p99 ms':>8} {'cpu us/req':>10} {'sent':>8} {'received':>9} {'applied':>9}")
for r in rows:
    print(f"{r[0]:>5} {r[1]:>8} {float(r[2]):>10,.0f} {r[3]:>8} {r[4]:>10} {r[5]:>8} {r[6]:>9} {r[7]:>9}")
by = {}
for r in rows:
    by.setdefault(r[1], []).append(r)
med = lambda v, i: statistics.median(float(r[i]) for r in by[v])
print()
print(f"{'median':>14} {'req/s':>10} {'p99 ms':>8} {'cpu us/req':>10} {'req/s vs off':>13} {'paired':>7}")
for v in by:
    paired = [float(x[2]) / float(o[2]) for x, o in zip(by[v], by["off"])]
    ratio = med(v, 2) / med("off", 2)
    print(f"{v:>14} {med(v, 2):>10,.0f} {med(v, 3):>8.2f} {med(v, 4):>10.2f} {ratio:>13.3f} {statistics.median(paired):>7.3f}")
EOF
