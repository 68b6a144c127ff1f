# tests/e2e/lib.sh — shared by every tests/e2e/*_test.sh and demo.sh. Source it.
#
# What it gives a script:
#   $T              a private temp dir for this run (removed on exit unless a
#                   check failed or E2E_KEEP=1)
#   $TANDEMD $TANDEMCTL $TOOLS   the binaries under test (BUILD=dir overrides build/)
#   spawn NAME CMD...            start CMD in the background (stdout/stderr in
#                                $T/NAME.out/.err), tracked by PID; PROC_PID[NAME]
#   stop_proc NAME [SIG] [SECS]  signal it (default TERM), wait for it, reap it
#   wait_proc NAME [SECS]        wait for it to exit by itself; returns its exit code
#                                (124 if still running at the deadline)
#   proc_running NAME
#   wait_until SECS CMD...       poll CMD every 50 ms until it succeeds or SECS pass
#   free_port                    a port nobody listens on now
#   port_open PORT / port_closed PORT
#   start_backend NAME [PORT]    the test backend; BE_PORT[NAME]; PORT reuses a port;
#                                `touch $T/NAME.fail` makes its /health answer 503
#   start_tandemd CONF [NAME]    start the daemon and wait until its status socket
#                                answers and every bind port listens
#   ctl ARGS...                  tandemctl -s $SOCK ARGS...
#   jget FILE|- EXPR             print a Python expression over the JSON `d`
#   jcheck FILE|- EXPR           succeed iff the expression is true
#   pool_field POOL SERVER FIELD a field of a `show pools --json` row
#   on_exit CMD...               run CMD at exit, after every tracked process is
#                                stopped (in the order registered)
#   ok NAME / not_ok NAME [DETAIL...] / check NAME CMD... / finish
#                                TAP-style lines "ok - NAME" / "not ok - NAME";
#                                finish prints the tally and exits 0 iff all passed
# Every process started here is killed (by PID) when the script exits, however
# it exits. Nothing here touches anything outside $T and 127.0.0.1.

set -u

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$E2E_DIR/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
TANDEMD=$BUILD/tandemd
TANDEMCTL=$BUILD/tandemctl
TOOLS=$BUILD/tools
# Debian's python3 first: a pyenv shim in PATH costs a second per call.
PY=${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}

T=$(mktemp -d /tmp/tandem-e2e.XXXXXX)
chmod 755 "$T"  # so an unprivileged tandemctl can reach a socket in here
SOCK=$T/tandem.sock

declare -A PROC_PID=()
declare -A BE_PORT=()
_PIDS=()
_EXIT_HOOKS=()
_PASS=0
_FAIL=0

# --- reporting -------------------------------------------------------------

note() { echo "# $*"; }

ok() {
  _PASS=$((_PASS + 1))
  echo "ok - $1"
}

not_ok() {
  _FAIL=$((_FAIL + 1))
  echo "not ok - $1"
  shift
  local line
  for line in "$@"; do
    printf '%s\n' "$line" | sed 's/^/#   /'
  done
}

# check NAME CMD...: ok if CMD succeeds, else not ok with CMD's output.
check() {
  local _check_name=$1 _check_out
  shift
  if _check_out=$("$@" 2>&1); then
    ok "$_check_name"
  else
    not_ok "$_check_name" "command: $*" "$_check_out"
  fi
}

finish() {
  echo "# $_PASS passed, $_FAIL failed"
  [ "$_FAIL" -eq 0 ] && exit 0
  exit 1
}

# bail NAME DETAIL: one failure that makes the rest pointless.
bail() {
  not_ok "$@"
  finish
}

# --- time ------------------------------------------------------------------

now_ms() {
  local t=${EPOCHREALTIME/./}
  echo $((t / 1000))
}

# wait_until SECS CMD...: true as soon as CMD succeeds; false after SECS.
wait_until() {
  local secs=$1 end i
  shift
  end=$(($(now_ms) + $(awk -v s="$secs" 'BEGIN { printf "%d", s * 1000 }')))
  for ((i = 0; i < 100000; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    if [ "$(now_ms)" -ge "$end" ]; then return 1; fi
    sleep 0.05
  done
  return 1
}

# --- processes -------------------------------------------------------------

# spawn NAME CMD...: runs CMD in the background; output in $T/NAME.out/.err.
spawn() {
  local name=$1
  shift
  "$@" >"$T/$name.out" 2>"$T/$name.err" &
  PROC_PID[$name]=$!
  _PIDS+=("$!")
}

_pid_alive() {  # alive and not a zombie
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

_forget() {
  local pid=$1 i
  for i in "${!_PIDS[@]}"; do
    [ "${_PIDS[$i]}" = "$pid" ] && unset '_PIDS[i]'
  done
}

proc_running() {
  local pid=${PROC_PID[$1]:-}
  [ -n "$pid" ] && _pid_alive "$pid"
}

# wait_proc NAME [SECS]: waits for NAME to exit; returns its exit status
# (124 if it is still running after SECS, default 30).
wait_proc() {
  local name=$1 secs=${2:-30} pid rc
  pid=${PROC_PID[$name]:-}
  [ -n "$pid" ] || return 127
  if ! wait_until "$secs" eval "! _pid_alive $pid"; then return 124; fi
  wait "$pid" 2>/dev/null
  rc=$?
  _forget "$pid"
  return $rc
}

# stop_proc NAME [SIGNAL] [SECS]: signals NAME, waits (then SIGKILL), reaps.
stop_proc() {
  local name=$1 sig=${2:-TERM} secs=${3:-5} pid
  pid=${PROC_PID[$name]:-}
  [ -n "$pid" ] || return 0
  kill -s "$sig" "$pid" 2>/dev/null
  if ! wait_until "$secs" eval "! _pid_alive $pid"; then
    kill -KILL "$pid" 2>/dev/null
    wait_until 2 eval "! _pid_alive $pid"
  fi
  wait "$pid" 2>/dev/null
  _forget "$pid"
  return 0
}

# on_exit CMD...: registers CMD to run at exit, once the tracked processes are gone.
on_exit() { _EXIT_HOOKS+=("$*"); }

_cleanup() {
  local rc=$? pid
  trap - EXIT
  for pid in "${_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${_PIDS[@]}"; do
    wait_until 3 eval "! _pid_alive $pid" || kill -KILL "$pid" 2>/dev/null
  done
  wait 2>/dev/null
  local hook
  for hook in "${_EXIT_HOOKS[@]}"; do eval "$hook"; done
  if [ "$_FAIL" -gt 0 ] || [ "$rc" -ne 0 ] || [ -n "${E2E_KEEP:-}" ]; then
    echo "# files of this run kept in $T"
  else
    rm -rf "$T"
  fi
  exit "$rc"
}
trap _cleanup EXIT
trap 'exit 130' INT TERM

# --- network ---------------------------------------------------------------

free_port() {
  "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port_closed() { ! port_open "$1"; }

# start_backend NAME [PORT]: starts the test backend, waits until it listens.
start_backend() {
  local name=$1 port=${2:-0}
  rm -f "$T/$name.port"
  spawn "$name" "$TOOLS/backend" --listen "127.0.0.1:$port" --name "$name" \
    --port-file "$T/$name.port" --fail-health-file "$T/$name.fail"
  if ! wait_until 5 test -s "$T/$name.port"; then
    echo "# backend $name did not start: $(cat "$T/$name.err")" >&2
    return 1
  fi
  BE_PORT[$name]=$(cat "$T/$name.port")
}

# --- certificates --------------------------------------------------------------

# mkcert NAME CN SAN: a self-signed ECDSA P-256 certificate $T/NAME.crt for
# subject CN and subjectAltName SAN (e.g. DNS:www.a.test), its key in
# $T/NAME.key, and both in one file $T/NAME.pem. False on failure (openssl's
# output is in $T/openssl.log).
mkcert() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=$2" -addext "subjectAltName=$3" -keyout "$T/$1.key" -out "$T/$1.crt" >>"$T/openssl.log" 2>&1 &&
    cat "$T/$1.crt" "$T/$1.key" >"$T/$1.pem"
}

# --- the daemon --------------------------------------------------------------

ctl() { "$TANDEMCTL" -s "$SOCK" "$@"; }

# start_tandemd CONF [NAME]: starts tandemd (tracked as NAME, default
# "tandemd"), waits until `tandemctl status` answers and every `bind` port
# of CONF accepts connections. False (with the daemon's stderr) otherwise.
start_tandemd() {
  local conf=$1 name=${2:-tandemd} port
  if [ ! -x "$TANDEMD" ]; then
    echo "# $TANDEMD is not built" >&2
    return 1
  fi
  spawn "$name" "$TANDEMD" -c "$conf"
  if ! wait_until 10 ctl status; then
    echo "# tandemd did not answer on $SOCK; its stderr:" >&2
    sed 's/^/#   /' "$T/$name.err" | tail -20 >&2
    return 1
  fi
  for port in $(sed -n 's/^[[:space:]]*bind[[:space:]]*=.*:\([0-9]*\)[[:space:]]*\(;.*\)\{0,1\}$/\1/p' "$conf"); do
    if ! wait_until 5 port_open "$port"; then
      echo "# tandemd does not listen on port $port" >&2
      return 1
    fi
  done
}

# --- JSON --------------------------------------------------------------------

# jget FILE|- EXPR: evaluates EXPR with d = the parsed JSON and prints it.
jget() {
  "$PY" -c '
import json, sys
src = sys.argv[1]
d = json.load(sys.stdin if src == "-" else open(src))
v = eval(sys.argv[2])
print(json.dumps(v) if isinstance(v, (dict, list)) else v)' "$1" "$2"
}

# jcheck FILE|- EXPR: succeeds iff EXPR (over d) is true; prints the JSON if not.
jcheck() {
  "$PY" -c '
import json, sys
src = sys.argv[1]
d = json.load(sys.stdin if src == "-" else open(src))
ok = eval(sys.argv[2])
if not ok:
    print("false: " + sys.argv[2])
    print(json.dumps(d)[:2000])
sys.exit(0 if ok else 1)' "$1" "$2"
}

# pool_field POOL SERVER FIELD: one field of the server's `show pools --json` row.
pool_field() {
  ctl show pools --json | "$PY" -c '
import json, sys
pool, server, field = sys.argv[1:4]
for row in json.load(sys.stdin):
    if row.get("pool") == pool and row.get("server") == server:
        print(row[field])
        sys.exit(0)
sys.exit(1)' "$1" "$2" "$3"
}

# field_is POOL SERVER FIELD VALUE
field_is() { [ "$(pool_field "$1" "$2" "$3" 2>/dev/null)" = "$4" ]; }

# server_count FILE SERVER: responses from SERVER in a loadgen summary (0 if none).
server_count() { jget "$1" "d['by_server'].get('$2', {}).get('count', 0)"; }

# global_section [EXTRA_LINE...]: the [global] section every test config starts with.
global_section() {
  echo "[global]"
  echo "node = test"
  echo "workers = ${WORKERS:-2}"
  echo "status_socket = $SOCK"
  local line
  for line in "$@"; do echo "$line"; done
  echo
}

# all_up POOL SERVER...: every SERVER of POOL reports health "up".
all_up() {
  local pool=$1 s
  shift
  for s in "$@"; do field_is "$pool" "$s" health up || return 1; done
}

# --- HTTP mode (tests/e2e/http_*_test.sh) --------------------------------------

RAWHTTP=$ROOT/tests/tools/rawhttp.py

# raw PORT ARGS...: tests/tools/rawhttp.py against 127.0.0.1:PORT (steps
# --send/--read/--pause/...); prints its JSON report (see the tool).
raw() {
  local port=$1
  shift
  "$PY" "$RAWHTTP" --connect "127.0.0.1:$port" "$@"
}

# be_stat NAME FIELD: one counter of backend NAME's /stats, asked directly
# (not through tandemd). The /stats request itself counts in `requests`.
be_stat() {
  curl -s --max-time 5 "http://127.0.0.1:${BE_PORT[$1]}/stats" | jget - "d['$2']"
}

# hget FILE FIELD: the value of the last field FIELD (case-insensitive) in a
# head dump (curl -D FILE), CR removed; empty if absent.
hget() {
  tr -d '\r' <"$1" | awk -v n="$2" '
    BEGIN { n = tolower(n) }
    { i = index($0, ":"); if (i > 1 && tolower(substr($0, 1, i - 1)) == n) { v = substr($0, i + 1); sub(/^[ \t]+/, "", v) } }
    END { print v }'
}

# start_py_server NAME CODE [ARG...]: runs the Python CODE as a server on
# 127.0.0.1 (port in BE_PORT[NAME]) once it listens. CODE finds the listening
# socket in `ls` and its own arguments in `args`.
start_py_server() {
  local name=$1 code=$2
  shift 2
  rm -f "$T/$name.port"
  spawn "$name" "$PY" -c '
import os, socket, sys
port_file, args = sys.argv[1], sys.argv[2:]
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(64)
with open(port_file + ".tmp", "w") as f:
    f.write("%d\n" % ls.getsockname()[1])
os.rename(port_file + ".tmp", port_file)
'"$code" "$T/$name.port" "$@"
  if ! wait_until 5 test -s "$T/$name.port"; then
    echo "# server $name did not start: $(cat "$T/$name.err")" >&2
    return 1
  fi
  BE_PORT[$name]=$(cat "$T/$name.port")
}

# start_stub NAME MODE: a fake server on 127.0.0.1 (port in BE_PORT[NAME])
# that, for each connection in turn, reads the request head (up to 2 s),
# appends a line to $T/NAME.count, then: MODE close: closes without
# answering; MODE bad: answers a malformed response and closes; MODE
# silent: keeps the connection open and never answers.
start_stub() {
  local name=$1 mode=$2
  rm -f "$T/$name.count"
  start_py_server "$name" '
mode, count_file = args
held = []
while True:
    c, _ = ls.accept()
    c.settimeout(2)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            d = c.recv(4096)
            if not d:
                break
            data += d
    except OSError:
        pass
    with open(count_file, "a") as f:
        f.write(data.split(b"\r\n", 1)[0].decode("latin-1") + "\n")
    if mode == "bad":
        try:
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello")
        except OSError:
            pass
    if mode == "silent":
        held.append(c)
    else:
        c.close()
' "$mode" "$T/$name.count"
}

# stub_count NAME: connections stub NAME has served so far.
stub_count() {
  if [ -f "$T/$1.count" ]; then wc -l <"$T/$1.count"; else echo 0; fi
}

# rcheck FILE EXPR: like jcheck, over a rawhttp report, with R = its
# responses and hdr(r, NAME) = the value of response r's last field NAME
# (case-insensitive; None if absent). Prints the report if EXPR is false.
rcheck() {
  "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
R = d["responses"]
def hdr(r, name):
    v = [val for n, val in r["headers"] if n.lower() == name.lower()]
    return v[-1] if v else None
ok = eval(sys.argv[2])
if not ok:
    print("false: " + sys.argv[2])
    print(json.dumps(d)[:3000])
sys.exit(0 if ok else 1)' "$1" "$2"
}

# has_line FILE ERE: some line of FILE (CR removed) matches ^ERE$, ignoring case.
has_line() { tr -d '\r' <"$1" | grep -qiE "^$2\$"; }

# count_lines FILE ERE: how many lines of FILE (CR removed) match ^ERE$, ignoring case.
count_lines() { tr -d '\r' <"$1" | grep -ciE "^$2\$"; }
