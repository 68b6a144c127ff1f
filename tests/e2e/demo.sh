#!/usr/bin/env bash
# `make demo`: one Tandem node on 127.0.0.1 in front of two test backends.
# Shows the traffic spread, the status commands, a backend dying (traffic
# moves, the server is marked down, no client request fails) and coming
# back. Runs to the end by itself in about half a minute; cleans up on exit.
. "$(dirname "$0")/lib.sh"

if [ -t 1 ]; then B=$'\033[1m' D=$'\033[2m' N=$'\033[0m'; else B="" D="" N=""; fi
heading() { printf '\n%s== %s ==%s\n' "$B" "$*" "$N"; }
say() { printf '%s\n' "$*"; }
run() { printf '%s$ %s%s\n' "$D" "$*" "$N"; "$@"; }

# spread FILE: one line per server with a bar, then failures.
spread() {
  "$PY" - "$1" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
total = max(d["ok"], 1)
for name, s in sorted(d["by_server"].items()):
    n = s["count"]
    print(f"  {name:4} {n:6}  {'#' * round(40 * n / total)}")
print(f"  {d['ok']} answered, {d['failed']} failed")
PYEOF
}

# timeline FILE: the loadgen's per-second lines as a small table.
timeline() {
  "$PY" - "$1" <<'PYEOF'
import json, sys
last_t = None
for line in open(sys.argv[1]):
    try:
        r = json.loads(line)
    except ValueError:
        continue
    if r["ok"] + r["failed"] == 0 or r["t_ms"] == last_t:  # the final partial interval
        continue
    last_t = r["t_ms"]
    per = "  ".join(f"{k}: {v:4}" for k, v in sorted(r["by_server"].items()))
    print(f"  t={r['t_ms'] / 1000:4.1f}s  {per:28}  failed: {r['failed']}")
PYEOF
}

if [ ! -x "$TANDEMD" ] || [ ! -x "$TANDEMCTL" ] || [ ! -x "$TOOLS/backend" ]; then
  echo "demo: build first (make all tools)" >&2
  exit 1
fi

heading "1. Two backends"
say "Each one is a tiny HTTP server that answers with its own name."
start_backend be1 || exit 1
start_backend be2 || exit 1
say "  be1 listens on 127.0.0.1:${BE_PORT[be1]}, be2 on 127.0.0.1:${BE_PORT[be2]}"
run curl -s "http://127.0.0.1:${BE_PORT[be1]}/"

heading "2. Tandem in front of them"
P=$(free_port)
cat >"$T/tandem.ini" <<EOC
[global]
node = demo
workers = 2
status_socket = $SOCK

[frontend:web]
bind = 127.0.0.1:$P
mode = tcp
pool = app

[pool:app]
balance = roundrobin
health = http
health_path = /health
health_interval = 200ms
health_timeout = 100ms
health_rise = 2
health_fall = 2
retries = 2
server = be1 127.0.0.1:${BE_PORT[be1]} weight=1
server = be2 127.0.0.1:${BE_PORT[be2]} weight=1
EOC
say "The config file ($T/tandem.ini):"
sed 's/^/  | /' "$T/tandem.ini"
run "$TANDEMD" -c "$T/tandem.ini" --check && say "  (--check: the file is valid)"
if ! start_tandemd "$T/tandem.ini"; then
  echo "demo: tandemd did not start:" >&2
  tail -20 "$T/tandemd.err" >&2
  exit 1
fi
wait_until 5 all_up app be1 be2
say "tandemd runs (pid ${PROC_PID[tandemd]}) and listens on 127.0.0.1:$P."

heading "3. What the status socket says"
run "$TANDEMCTL" -s "$SOCK" status
echo
run "$TANDEMCTL" -s "$SOCK" show pools

heading "4. Traffic: 400 new connections through Tandem"
run curl -s "http://127.0.0.1:$P/"
"$TOOLS/loadgen" --connect "127.0.0.1:$P" --concurrency 4 --count 400 --output "$T/spread.json" >/dev/null
say "Who answered:"
spread "$T/spread.json"

heading "5. be2 dies in the middle of the traffic"
say "A client sends 200 requests/s for 5 s; after 1.5 s we kill be2 (kill -9)."
spawn lg "$TOOLS/loadgen" --connect "127.0.0.1:$P" --concurrency 4 --rate 200 --duration 5s \
  --report-interval 500ms --output "$T/kill.json"
sleep 1.5
stop_proc be2 KILL
t0=$(now_ms)
say "  ... be2 killed"
if wait_until 3 field_is app be2 health down; then
  say "  ... Tandem marked be2 down after $(($(now_ms) - t0)) ms (fall 2 x interval 200 ms)"
fi
wait_proc lg 20
say "Requests per half second:"
timeline "$T/lg.err"
say "In total:"
spread "$T/kill.json"
say "(A request that was inside be2 at the instant it died may be lost; every other"
say " one is answered: a refused connect to be2 is retried on be1.)"
echo
run "$TANDEMCTL" -s "$SOCK" show pools

heading "6. be2 comes back"
start_backend be2 "${BE_PORT[be2]}" || exit 1
t0=$(now_ms)
say "  ... be2 restarted on the same port"
if wait_until 5 field_is app be2 health up; then
  say "  ... Tandem marked be2 up after $(($(now_ms) - t0)) ms (rise 2 x interval 200 ms)"
fi
run "$TANDEMCTL" -s "$SOCK" show pools
"$TOOLS/loadgen" --connect "127.0.0.1:$P" --concurrency 4 --count 400 --output "$T/back.json" >/dev/null
say "400 more connections:"
spread "$T/back.json"

heading "7. An operator drains be1"
run "$TANDEMCTL" -s "$SOCK" server drain app/be1
"$TOOLS/loadgen" --connect "127.0.0.1:$P" --concurrency 4 --count 200 --output "$T/drain.json" >/dev/null
say "200 new connections while be1 drains:"
spread "$T/drain.json"
run "$TANDEMCTL" -s "$SOCK" server enable app/be1

heading "Done"
say "Everything started here is stopped now; nothing is left running."
