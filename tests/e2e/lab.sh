# tests/e2e/lab.sh — the network-namespace lab (DESIGN.md "The lab").
# Source it after lib.sh; needs root (lab_root_or_skip).
#
#             client .10
#                 |
#   lb-a .11 -- br0 -- lb-b .12          10.77.0.0/24, VIP .100 (not set here:
#                 |                       the VRRP daemons add it)
#        be1 .21     be2 .22
#
# Every node is a network namespace named with a per-run prefix ("t$$-lb-a");
# br0 lives in a namespace of its own ("t$$-br"). Each node's eth0 is created
# directly inside that node by `ip -n BR link add eth0 netns NODE type veth
# peer name v-NODE`: nothing is ever created in the host's namespace.
#
# The lab:
#   lab_up / lab_down       build / delete every namespace of this run
#                           (lab_up registers lab_down to run at exit)
#   lab_ns NODE             the namespace's name
#   LAB_IP[NODE] LAB_VIP LAB_NET LAB_NODES
#   lab_exec NODE CMD...    run CMD inside NODE
#   lab_spawn NAME NODE CMD...   lib.sh's spawn inside NODE (ip netns exec
#                           execs CMD, so PROC_PID[NAME] is CMD's own PID)
#   lab_link_down|up NODE   `ip link set eth0 down|up` inside NODE
#   lab_cable_cut|plug NODE the bridge's end of NODE's veth down|up (NODE's
#                           eth0 stays up but loses its carrier)
#   lab_block_vrrp NODE PEER / lab_unblock_vrrp NODE
#                           nftables inside NODE only: drops VRRP (IP protocol
#                           112) from PEER and to PEER or 224.0.0.18
#   lab_has_vip NODE        NODE's eth0 carries LAB_VIP
#   lab_has_addr NODE ADDR  NODE's eth0 carries ADDR
#   lab_backends            the test backend in be1 and be2, on :8080
#
# The sync channel (tandem only): with LAB_SYNC=1, lb_conf adds a [sync]
# section (listen on the node's address :7400, peer the other lb's, the key
# $T/sync.key made once per run, or $LAB_SYNC_KEY; LAB_SYNC_KEYS: more
# [sync] lines). LAB_POOL_KEYS: extra lines for [pool:app] (e.g.
# "sticky = source"). LAB_FRONTEND_KEYS: extra lines for [frontend:web].
#
# A VRRP pair on lb-a/lb-b, through one interface whatever the implementation
# (LAB_IMPL=tandem, the default: tandemd with a [vrrp] section; or
# LAB_IMPL=keepalived: Debian's keepalived for VRRP next to a tandemd without
# [vrrp] as the proxy — the reference pair the scenarios can be run against;
# LB_IMPL[NODE] chooses per node, for interop):
#   lb_conf NODE PRIO [KEY=VALUE...]   write NODE's config; KEYs are tandem's
#                           [vrrp] keys (advert_interval defaults to
#                           $LAB_ADVERT or 100ms); the keepalived translation
#                           knows advert_interval, preempt, preempt_delay,
#                           unicast_peer and ignores the rest
#   (these keep state in this shell: never call them in $(...) or `check`)
#   lb_start NODE           start it (a fresh process name per start,
#                           LB_PROC[NODE]); waits until it answers (unless
#                           LB_NOWAIT is set)
#   lab_start_pair M B      start M, wait until master and ready; start B,
#                           wait until the pair is settled and both ready
#   lb_kill NODE            kill -9 everything of NODE (VRRP daemon and proxy)
#   lb_stop NODE            SIGTERM, wait for the exit
#   lb_state NODE           master | backup | init | fault | down
#   lb_is NODE STATE        lb_state NODE is STATE
#   lb_ready NODE           NODE's proxy sees be1 and be2 up
#   lb_ctl NODE ARGS...     tandemctl on NODE's status socket
#   lb_vrrp NODE EXPR       (tandem) a Python expression over `show vrrp --json`
#   lb_changes NODE         how many state changes NODE has been through
#
# Helpers:
#   lab_root_or_skip NAME   print "ok - NAME # SKIP ..." and end unless root
#   lab_settled M B         M master with the VIP, B backup without it
#   lab_block_tcp NODE PORT / lab_unblock_tcp NODE PORT
#                           nftables inside NODE: TCP to and from PORT is
#                           dropped (8080: its health checks fail, the peer's
#                           do not; 7400: its sync link is cut)
#   lab_traffic NAME DUR [ARGS...]  loadgen in `client`: new connections to
#                           the VIP at 200/s, 250 ms timeout; $T/NAME.json
#   lab_loadgen_line FILE   a one-line account of a loadgen summary
#   mdi_ms ADVERT_MS PRIO   a backup's Master_Down_Interval (RFC 5798)
#   lab_median N...
#   (sync helpers: see "--- sync helpers" at the end)

LAB_NET=10.77.0
LAB_VIP=$LAB_NET.100
LAB_PREFIX=${LAB_PREFIX:-t$$-}
LAB_IMPL=${LAB_IMPL:-tandem}
LAB_NODES=(client lb-a lb-b be1 be2)
declare -A LAB_IP=([client]=$LAB_NET.10 [lb-a]=$LAB_NET.11 [lb-b]=$LAB_NET.12
                   [be1]=$LAB_NET.21 [be2]=$LAB_NET.22)
declare -A LB_PROC=()   # NODE -> the process name of its VRRP daemon
declare -A LB_PROXY=()  # NODE -> the process name of its proxy (keepalived mode)
declare -A LB_GEN=()
LB_KA_LOGS=()           # keepalived's logs of this run
declare -A LB_IMPL=()   # NODE -> tandem | keepalived (default: $LAB_IMPL)
_LAB_UP=""

lab_ns() { echo "${LAB_PREFIX}$1"; }
_lab_br() { echo "${LAB_PREFIX}br"; }

# lab_root_or_skip NAME: ends the script with a SKIP line unless root.
lab_root_or_skip() {
  if [ "$(id -u)" != 0 ]; then
    echo "ok - $1 # SKIP the lab needs root (network namespaces)"
    _PASS=$((_PASS + 1))
    finish
  fi
  command -v ip >/dev/null || bail "$1" "ip (iproute2) is not installed"
}

lab_up() {
  local br node ns
  br=$(_lab_br)
  [ -z "$_LAB_UP" ] || return 0
  _LAB_UP=1
  on_exit lab_down
  for node in br "${LAB_NODES[@]}"; do echo "netns add ${LAB_PREFIX}$node"; done | ip -batch - || return 1
  {
    echo "link set lo up"
    echo "link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0"
    echo "link set br0 up"
    for node in "${LAB_NODES[@]}"; do
      echo "link add eth0 netns $(lab_ns "$node") type veth peer name v-$node"
      echo "link set v-$node master br0 up"
    done
  } | ip -n "$br" -batch - || return 1
  for node in "${LAB_NODES[@]}"; do
    ns=$(lab_ns "$node")
    printf '%s\n' "link set lo up" "addr add ${LAB_IP[$node]}/24 dev eth0" "link set eth0 up" |
      ip -n "$ns" -batch - || return 1
  done
  # A test must start on a working net: every port of the bridge has its carrier.
  wait_until 5 _lab_carriers || { echo "# lab: a veth has no carrier" >&2; return 1; }
}

_lab_carriers() { [ "$(ip -n "$(_lab_br)" -o link show master br0 | grep -c LOWER_UP)" = ${#LAB_NODES[@]} ]; }

# lab_down: deletes the namespaces of this run. Anything still running inside
# one of them was started by this run (the namespaces are private to it), so
# it is killed by PID first: a namespace with a process left in it lives on.
lab_down() {
  local node ns pids
  [ -n "$_LAB_UP" ] || return 0
  _LAB_UP=""
  for node in "${LAB_NODES[@]}" br; do
    ns=${LAB_PREFIX}$node
    [ -e "/run/netns/$ns" ] || continue
    pids=$(ip netns pids "$ns" 2>/dev/null)
    # shellcheck disable=SC2086
    [ -z "$pids" ] || kill -KILL $pids 2>/dev/null
    ip netns del "$ns" 2>/dev/null
  done
}

lab_exec() {
  local node=$1
  shift
  ip netns exec "$(lab_ns "$node")" "$@"
}

lab_spawn() {
  local name=$1 node=$2
  shift 2
  spawn "$name" ip netns exec "$(lab_ns "$node")" "$@"
}

lab_link_down() { ip -n "$(lab_ns "$1")" link set eth0 down; }
lab_link_up() { ip -n "$(lab_ns "$1")" link set eth0 up; }
lab_cable_cut() { ip -n "$(_lab_br)" link set "v-$1" down; }
lab_cable_plug() { ip -n "$(_lab_br)" link set "v-$1" up; }

lab_block_vrrp() {
  local node=$1 peer=${LAB_IP[$2]:-$2}
  lab_exec "$node" nft -f - <<EOF
table inet labfw {
  chain input {
    type filter hook input priority 0; policy accept;
    ip saddr $peer ip protocol 112 drop
  }
  chain output {
    type filter hook output priority 0; policy accept;
    ip daddr { $peer, 224.0.0.18 } ip protocol 112 drop
  }
}
EOF
}

lab_unblock_vrrp() { lab_exec "$1" nft delete table inet labfw; }

lab_has_vip() { lab_has_addr "$1" "$LAB_VIP"; }
lab_has_addr() { ip -n "$(lab_ns "$1")" -4 -o addr show dev eth0 2>/dev/null | grep -q " $2/"; }

lab_backends() {
  local be
  for be in be1 be2; do
    rm -f "$T/$be.port"
    lab_spawn "$be" "$be" "$TOOLS/backend" --listen "${LAB_IP[$be]}:8080" --name "$be" \
      --port-file "$T/$be.port" --fail-health-file "$T/$be.fail"
  done
  for be in be1 be2; do
    wait_until 5 test -s "$T/$be.port" || { echo "# backend $be did not start: $(cat "$T/$be.err")" >&2; return 1; }
  done
}

# --- the VRRP pair -----------------------------------------------------------

# lb_keepalived NODE: NODE runs keepalived (LB_IMPL[NODE], else LAB_IMPL).
lb_keepalived() { [ "${LB_IMPL[$1]:-$LAB_IMPL}" = keepalived ]; }

lb_sock() { echo "$T/$1.sock"; }
lb_ctl() {
  local node=$1
  shift
  "$TANDEMCTL" -s "$(lb_sock "$node")" "$@"
}

# _lb_proxy_sections: the frontend on the VIP and the pool of be1/be2.
_lb_proxy_sections() {
  cat <<EOC

[frontend:web]
bind = $LAB_VIP:80
mode = ${LAB_MODE:-tcp}
pool = app
${LAB_FRONTEND_KEYS:-}

[pool:app]
${LAB_POOL_KEYS:-}
health = http
health_path = /health
health_interval = 200ms
health_timeout = 150ms
retries = 2
timeout_connect = 500ms
server = be1 ${LAB_IP[be1]}:8080
server = be2 ${LAB_IP[be2]}:8080
EOC
}

lb_conf() {
  local node=$1 prio=$2 kv key
  shift 2
  local -a keys=() vals=()
  local have_ai=""
  for kv in "$@"; do
    key=${kv%%=*}
    keys+=("$key")
    vals+=("${kv#*=}")
    [ "$key" = advert_interval ] && have_ai=1
  done
  if [ -z "$have_ai" ]; then keys+=(advert_interval); vals+=("${LAB_ADVERT:-100ms}"); fi
  {
    echo "[global]"
    echo "node = $node"
    echo "status_socket = $(lb_sock "$node")"
    echo "workers = ${LAB_WORKERS:-1}"
    if ! lb_keepalived "$node"; then
      echo
      echo "[vrrp]"
      echo "interface = eth0"
      echo "vrid = ${LAB_VRID:-51}"
      echo "priority = $prio"
      echo "vip = $LAB_VIP/24"
      local i
      for i in "${!keys[@]}"; do echo "${keys[$i]} = ${vals[$i]}"; done
    fi
    [ -z "${LAB_SYNC:-}" ] || _lb_sync_section "$node"
    _lb_proxy_sections
  } >"$T/$node.ini"
  ! lb_keepalived "$node" || _lb_keepalived_conf "$node" "$prio" keys vals
  return 0
}

# _lb_sync_section NODE: NODE's [sync] section, paired with the other lb.
_lb_sync_section() {
  local node=$1 peer=lb-a key=${LAB_SYNC_KEY:-$T/sync.key}
  [ "$node" != lb-a ] || peer=lb-b
  if [ ! -s "$key" ]; then
    (umask 077 && openssl rand -hex 32 >"$key")
  fi
  echo
  echo "[sync]"
  echo "listen = ${LAB_IP[$node]}:7400"
  echo "peer = ${LAB_IP[$peer]}:7400"
  echo "key_file = $key"
  [ -z "${LAB_SYNC_KEYS:-}" ] || echo "$LAB_SYNC_KEYS"
}

# seconds VALUE: "100ms" -> 0.1, "2s" -> 2 (keepalived's units).
_lab_seconds() { awk -v v="$1" 'BEGIN { if (v ~ /ms$/) { sub(/ms$/, "", v); print v / 1000 } else { sub(/s$/, "", v); print v + 0 } }'; }

_lb_keepalived_conf() {
  local node=$1 prio=$2 i
  local -n _keys=$3 _vals=$4
  local ai="" preempt="" delay="" peers=""
  for i in "${!_keys[@]}"; do
    case ${_keys[$i]} in
      advert_interval) ai=$(_lab_seconds "${_vals[$i]}") ;;
      preempt) [ "${_vals[$i]}" = no ] && preempt="    nopreempt" ;;
      preempt_delay) delay="    preempt_delay $(_lab_seconds "${_vals[$i]}")" ;;
      unicast_peer) peers="$peers ${_vals[$i]}" ;;
    esac
  done
  cat >"$T/$node.notify" <<EOF
#!/bin/sh
# keepalived notify: \$1 node, then TYPE NAME STATE PRIORITY
state=\$(echo "\$4" | tr A-Z a-z)
echo "\$state" >"$T/\$1.kastate"
echo "\$(date +%s%3N) \$state" >>"$T/\$1.kahistory"
EOF
  chmod 755 "$T/$node.notify"
  {
    cat <<EOF
global_defs {
  router_id $node
  vrrp_version 3
  script_user root
  enable_script_security
  vrrp_garp_master_repeat 5
  vrrp_garp_interval 0.02
}
vrrp_instance default {
  state BACKUP
  interface eth0
  virtual_router_id ${LAB_VRID:-51}
  priority $prio
  advert_int $ai
$preempt
$delay
  virtual_ipaddress {
    $LAB_VIP/24 dev eth0
  }
  notify "$T/$node.notify $node"
EOF
    [ -z "$peers" ] || echo "  unicast_peer {$peers }"
    echo "}"
  } >"$T/$node.ka.conf"
}

lb_start() {
  local node=$1 gen name
  gen=$((${LB_GEN[$node]:-0} + 1))
  LB_GEN[$node]=$gen
  name=$node.$gen
  LB_PROC[$node]=$name
  if lb_keepalived "$node"; then
    LB_PROXY[$node]=proxy-$name
    lab_spawn "proxy-$name" "$node" "$TANDEMD" -c "$T/$node.ini"
    rm -f "$T/$node.kastate"
    LB_KA_LOGS+=("$T/$name.err")
    lab_spawn "$name" "$node" keepalived -n -l -D -P -R -f "$T/$node.ka.conf" \
      -p "$T/$name.ka.pid" -r "$T/$name.ka-vrrp.pid" -c "$T/$name.ka-chk.pid"
    wait_until 10 test -s "$T/$name.ka-vrrp.pid" ||
      { echo "# keepalived did not start on $node: $(tail -5 "$T/$name.err")" >&2; return 1; }
  else
    lab_spawn "$name" "$node" "$TANDEMD" -c "$T/$node.ini"
  fi
  [ -z "${LB_NOWAIT:-}" ] || return 0
  if ! wait_until 10 lb_ctl "$node" status; then
    echo "# tandemd did not answer on $node; its stderr:" >&2
    tail -20 "$T/${LB_PROXY[$node]:-$name}.err" | sed 's/^/#   /' >&2
    return 1
  fi
}

lb_kill() {
  local node=$1 name=${LB_PROC[$1]:-} pid
  [ -n "$name" ] || return 0
  if lb_keepalived "$node"; then
    pid=$(cat "$T/$name.ka-vrrp.pid" 2>/dev/null)
    [ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null
    stop_proc "${LB_PROXY[$node]}" KILL 2>/dev/null
  fi
  stop_proc "$name" KILL 2>/dev/null  # (2>: bash's "Killed" notice)
}

lb_stop() {
  local node=$1 name=${LB_PROC[$1]:-}
  [ -n "$name" ] || return 0
  stop_proc "$name" TERM 10
  ! lb_keepalived "$node" || stop_proc "${LB_PROXY[$node]}" TERM 10
}

# (Polled often, so these avoid starting processes: one costs 10-20 ms here.)
_lab_alive() {
  local pid=$1 _a _b st
  [ -n "$pid" ] && read -r _a _b st _ <"/proc/$pid/stat" 2>/dev/null && [ "$st" != Z ]
}

lb_running() { [ -n "${LB_PROC[$1]:-}" ] && _lab_alive "${PROC_PID[${LB_PROC[$1]}]:-}"; }

lb_vrrp() { lb_ctl "$1" show vrrp --json | jget - "$2"; }

lb_state() {
  local node=$1 s
  if ! lb_running "$node"; then echo down; return; fi
  if lb_keepalived "$node"; then
    s=""
    read -r s <"$T/$node.kastate" 2>/dev/null
    echo "${s:-init}"
    return
  fi
  # The first "state" of `show vrrp --json` is the first instance's.
  s=$(lb_ctl "$node" show vrrp --json 2>/dev/null)
  if [[ $s =~ \"state\"[[:space:]]*:[[:space:]]*\"([a-z]+)\" ]]; then
    echo "${BASH_REMATCH[1]}"
  else
    echo unknown
  fi
}

lb_is() { [ "$(lb_state "$1")" = "$2" ]; }

lb_ready() { SOCK=$(lb_sock "$1") all_up app be1 be2; }

lb_changes() {
  if lb_keepalived "$1"; then
    wc -l <"$T/$1.kahistory" 2>/dev/null || echo 0
  else
    lb_vrrp "$1" 'len(d["history"])'
  fi
}

# --- traffic -----------------------------------------------------------------

# lab_traffic NAME DURATION [LOADGEN ARGS...]: new connections from `client` to
# the VIP at 200/s, spread evenly, each bounded by 250 ms (so a lost SYN costs
# one slot for a moment, not the measurement); the summary goes to $T/NAME.json.
lab_traffic() {
  local name=$1 duration=$2
  shift 2
  lab_spawn "$name" client "$TOOLS/loadgen" --connect "$LAB_VIP:80" --concurrency 50 --rate 200 \
    --timeout 250ms --duration "$duration" --output "$T/$name.json" "$@"
}

# mdi_ms ADVERT_MS PRIO: the Master_Down_Interval of a backup (RFC 5798 6.1).
mdi_ms() { echo $((3 * $1 + (256 - $2) * $1 / 256)); }

# lab_settled MASTER BACKUP: MASTER is master and holds the VIP, BACKUP is a
# backup without it.
lab_settled() { lb_is "$1" master && lb_is "$2" backup && lab_has_vip "$1" && ! lab_has_vip "$2"; }

# lab_median N...: the median of integers.
lab_median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

# lab_loadgen_line FILE: a one-line account of a loadgen summary.
lab_loadgen_line() {
  jget "$1" '"%d answered (be1 %d, be2 %d), %d failed %s, longest gap %.0f ms" % (d["ok"], d["by_server"].get("be1",{}).get("count",0), d["by_server"].get("be2",{}).get("count",0), d["failed"], {k: v for k, v in d["failures"].items() if v}, d["max_gap_ms"])'
}

# lab_start_pair MASTER BACKUP: starts MASTER and waits until it is master
# with the VIP and its proxy sees the servers; then starts BACKUP and waits
# until the pair is settled (MASTER master, BACKUP backup) and BACKUP's
# proxy is ready too. Configs are written by lb_conf beforehand. False, with
# a line on stderr, if that does not happen in time.
lab_start_pair() {
  local m=$1 b=$2
  lb_start "$m" || return 1
  if ! wait_until 5 eval "lb_is $m master && lab_has_vip $m && lb_ready $m"; then
    echo "# $m alone: $(lb_state "$m"), vip: $(lab_has_vip "$m" && echo yes || echo no)" >&2
    return 1
  fi
  lb_start "$b" || return 1
  if ! wait_until 5 eval "lab_settled $m $b && lb_ready $b" || ! lab_settled "$m" "$b"; then
    echo "# pair: $m $(lb_state "$m"), $b $(lb_state "$b")" >&2
    return 1
  fi
}

# lab_block_tcp NODE PORT / lab_unblock_tcp NODE PORT: nftables inside NODE
# drops every TCP segment to or from PORT, both ways (8080: NODE cannot
# reach the backends, its health checks fail while the other nodes' succeed;
# 7400: NODE's sync link is cut).
lab_block_tcp() {
  lab_exec "$1" nft -f - <<EON
table inet labtcp$2 {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport $2 drop
    tcp sport $2 drop
  }
  chain output {
    type filter hook output priority 0; policy accept;
    tcp dport $2 drop
    tcp sport $2 drop
  }
}
EON
}
lab_unblock_tcp() { lab_exec "$1" nft delete table inet "labtcp$2"; }

# --- sync helpers ------------------------------------------------------------
# (tests/e2e/sync*_test.sh; tandem only)
#   lab_sync_root_or_skip NAME   lab_root_or_skip, and skip with keepalived
#   lb_sync NODE EXPR       a Python expression over NODE's `show sync --json`
#   lb_sync_is NODE EXPR    succeeds iff that expression is true
#   lb_sync_has NODE KEY=VALUE...  every scalar KEY of NODE's `show sync
#                           --json` has VALUE (strings without quotes); no
#                           Python, so cheap enough to poll
#   lab_client_addrs FIRST LAST   adds 10.77.0.FIRST..LAST to the client's eth0
#                           (inside the client's namespace only)

# lab_sync_root_or_skip NAME: as lab_root_or_skip, and also "ok - NAME # SKIP"
# when a node runs keepalived (it has no sync channel).
lab_sync_root_or_skip() {
  lab_root_or_skip "$1"
  if lb_keepalived lb-a || lb_keepalived lb-b; then
    echo "ok - $1 # SKIP keepalived has no sync channel"
    exit 0
  fi
}

lb_sync() { lb_ctl "$1" show sync --json | jget - "$2"; }
lb_sync_is() { lb_ctl "$1" show sync --json | jcheck - "$2" >/dev/null; }
lb_sync_has() {
  local node=$1 j kv
  shift
  j=$(lb_ctl "$node" show sync --json 2>/dev/null) || return 1
  for kv in "$@"; do
    [[ $j =~ \"${kv%%=*}\":\"?([^\",}]*) ]] && [ "${BASH_REMATCH[1]}" = "${kv#*=}" ] || return 1
  done
}


lab_client_addrs() {
  local i
  for ((i = $1; i <= $2; i++)); do echo "addr add $LAB_NET.$i/24 dev eth0"; done |
    ip -n "$(lab_ns client)" -batch -
}
