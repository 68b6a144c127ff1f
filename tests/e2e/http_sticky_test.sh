#!/usr/bin/env bash
# HTTP stickiness (docs/http.md "Stickiness"): `sticky = cookie` sets
# TANDEMID=<16 hex> naming the server, keeps requests carrying it on that
# server, hides it from the server, and moves a client whose server is
# disabled (with a new cookie); the ids are the same after a restart.
# `sticky = learn JSESSIONID` learns the application's cookie from
# Set-Cookie and keeps requests carrying it on that server; `show sticky`
# lists it; a session whose server is down goes elsewhere.
. "$(dirname "$0")/lib.sh"

for b in be1 be2 be3; do start_backend $b || bail "backend $b starts"; done
P_CK=$(free_port) P_LR=$(free_port)
{
  global_section "shutdown_timeout = 1s"
  cat <<EOC
[frontend:ck]
bind = 127.0.0.1:$P_CK
mode = http
pool = ck

[frontend:lr]
bind = 127.0.0.1:$P_LR
mode = http
pool = lr

[pool:ck]
balance = roundrobin
sticky = cookie
health = http
health_path = /health
health_interval = 200ms
health_timeout = 100ms
health_rise = 1
health_fall = 1
server = be1 127.0.0.1:${BE_PORT[be1]}
server = be2 127.0.0.1:${BE_PORT[be2]}
server = be3 127.0.0.1:${BE_PORT[be3]}

[pool:lr]
balance = roundrobin
sticky = learn JSESSIONID
sticky_ttl = 10m
health = http
health_path = /health
health_interval = 200ms
health_timeout = 100ms
health_rise = 1
health_fall = 1
server = be1 127.0.0.1:${BE_PORT[be1]}
server = be2 127.0.0.1:${BE_PORT[be2]}
server = be3 127.0.0.1:${BE_PORT[be3]}
EOC
} >"$T/tandem.ini"

start_tandemd "$T/tandem.ini" || bail "tandemd starts" "$(tail -5 "$T/tandemd.err" 2>/dev/null)"
ok "tandemd starts"
check "all servers up" wait_until 5 eval "all_up ck be1 be2 be3 && all_up lr be1 be2 be3"

# get PORT PATH OUT [CURL ARGS...]: GET; head in OUT.h, body in OUT.b; prints the server.
get() {
  local port=$1 path=$2 out=$3
  shift 3
  curl -s --max-time 10 -D "$out.h" -o "$out.b" "$@" "http://127.0.0.1:$port$path"
  hget "$out.h" x-server
}
# cookie_of FILE NAME: the value NAME gets in FILE's Set-Cookie fields (empty if none).
cookie_of() {
  tr -d '\r' <"$1" | sed -n "s/^[Ss][Ee][Tt]-[Cc][Oo][Oo][Kk][Ii][Ee]: *$2=\([^;]*\).*/\1/p" | tail -1
}

# --- sticky = cookie ------------------------------------------------------------------
declare -A ID=()  # server -> its TANDEMID
bad=""
for i in 1 2 3 4 5 6 7 8 9; do
  s=$(get "$P_CK" / "$T/first$i")
  id=$(cookie_of "$T/first$i.h" TANDEMID)
  if ! has_line "$T/first$i.h" 'set-cookie: TANDEMID=[0-9a-fA-F]{16}; Path=/; HttpOnly'; then
    bad="$bad [$i: $s: $(grep -i set-cookie "$T/first$i.h" | tr -d '\r')]"
  elif [ -n "${ID[$s]:-}" ] && [ "${ID[$s]}" != "$id" ]; then
    bad="$bad [$s got two ids: ${ID[$s]} $id]"
  fi
  [ -n "$s" ] && ID[$s]=$id
done
[ -z "$bad" ] && ok "cookie: a request without it gets Set-Cookie TANDEMID=<16 hex>; Path=/; HttpOnly, one id per server" \
  || not_ok "cookie: a request without it gets Set-Cookie TANDEMID=<16 hex>; Path=/; HttpOnly, one id per server" "$bad"
check "cookie: roundrobin spread 9 new clients over the 3 servers (${!ID[*]})" test "${#ID[@]}" = 3
check "cookie: the 3 servers have 3 different ids" test "$(printf '%s\n' "${ID[@]}" | sort -u | wc -l)" = 3

X=be2
XID=${ID[$X]:-none}
urls=()
for i in $(seq 1 20); do urls+=("http://127.0.0.1:$P_CK/k$i"); done
got=$(curl -s --max-time 20 -b "TANDEMID=$XID" "${urls[@]}" | sort | uniq -c | tr -s ' ')
check "cookie: 20 requests on one connection carrying $X's id all reach $X ($got)" test "$got" = " 20 $X"
bad=0
for i in 1 2 3 4 5; do [ "$(get "$P_CK" /n$i "$T/new$i" -b "TANDEMID=$XID")" = "$X" ] || bad=$((bad + 1)); done
check "cookie: 5 requests on new connections carrying it reach $X ($bad did not)" test "$bad" = 0
check "cookie: no new Set-Cookie for a request with a valid cookie" eval '! has_line "$T/new1.h" "set-cookie:.*"'

get "$P_CK" /echo "$T/hide" -H "Cookie: a=1; TANDEMID=$XID; b=2" >/dev/null
check "cookie: TANDEMID does not reach the server" eval '! grep -qi "tandemid" "$T/hide.b"'
check "cookie: the other cookies do (a=1, b=2)" eval 'grep -qi "^cookie:.*a=1" "$T/hide.b" && grep -qi "^cookie:.*b=2" "$T/hide.b"'
get "$P_CK" /echo "$T/hide2" -b "TANDEMID=$XID" >/dev/null
check "cookie: with TANDEMID the only cookie, no Cookie field with it reaches the server" eval \
  '[ "$(hget "$T/hide2.h" x-server)" = "$X" ] && ! grep -qi "tandemid" "$T/hide2.b"'

s=$(get "$P_CK" / "$T/inval" -b "TANDEMID=00000000deadbeef")
check "cookie: an unknown id is balanced as usual and gets a valid cookie" eval \
  '[ -n "$s" ] && [ "$(cookie_of "$T/inval.h" TANDEMID)" = "${ID[$s]:-x}" ]'

# disable X: its clients move, with the new server's cookie
check "disable ck/$X" ctl server disable "ck/$X"
s=$(get "$P_CK" / "$T/moved" -b "TANDEMID=$XID")
nid=$(cookie_of "$T/moved.h" TANDEMID)
check "cookie: with $X disabled its client moves ($s) and gets that server's cookie" eval \
  '[ -n "$s" ] && [ "$s" != "$X" ] && [ "$nid" = "${ID[$s]:-x}" ]'
got=$(for i in 1 2 3 4 5; do curl -s --max-time 10 -b "TANDEMID=$nid" "http://127.0.0.1:$P_CK/m$i"; done | sort -u | tr '\n' ' ')
check "cookie: with the new cookie it stays on $s ($got)" test "$got" = "$s "
check "enable ck/$X" ctl server enable "ck/$X"
check "cookie: once $X is enabled again, its old cookie reaches it" eval \
  '[ "$(get "$P_CK" / "$T/back" -b "TANDEMID=$XID")" = "$X" ]'

# a server that fails its health checks: moved too
touch "$T/be3.fail"
check "be3 goes down" wait_until 5 field_is ck be3 health down
s=$(get "$P_CK" / "$T/down" -b "TANDEMID=${ID[be3]:-x}")
check "cookie: with be3 down its client moves ($s) and gets a new cookie" eval \
  '[ -n "$s" ] && [ "$s" != be3 ] && [ "$(cookie_of "$T/down.h" TANDEMID)" = "${ID[$s]:-x}" ]'
rm -f "$T/be3.fail"
check "be3 comes back" wait_until 5 eval "all_up ck be1 be2 be3 && all_up lr be1 be2 be3"

# ids survive a restart (a hash of pool and server names)
stop_proc tandemd
start_tandemd "$T/tandem.ini" || bail "tandemd restarts" "$(tail -5 "$T/tandemd.err" 2>/dev/null)"
wait_until 5 eval "all_up ck be1 be2 be3 && all_up lr be1 be2 be3"
bad=""
for s in be1 be2 be3; do
  got=$(get "$P_CK" / "$T/restart_$s" -b "TANDEMID=${ID[$s]:-x}")
  [ "$got" = "$s" ] || bad="$bad $s->$got"
done
check "cookie: after a restart each id still names its server" test -z "$bad"
s=$(get "$P_CK" / "$T/restart_new")
check "cookie: after a restart new clients get the same ids as before" test "$(cookie_of "$T/restart_new.h" TANDEMID)" = "${ID[$s]:-x}"

# --- sticky = learn JSESSIONID ----------------------------------------------------------------
declare -A SESS=()  # session -> server
for n in 1 2 3 4 5 6; do
  SESS[sess-$n]=$(get "$P_LR" "/setcookie/JSESSIONID/sess-$n" "$T/learn$n")
done
check "learn: the application's Set-Cookie reaches the client" has_line "$T/learn1.h" 'set-cookie: JSESSIONID=sess-1; Path=/'
check "learn: roundrobin gave the 6 sessions >= 2 servers (${SESS[*]})" \
  test "$(printf '%s\n' "${SESS[@]}" | sort -u | wc -l)" -ge 2
bad=""
for n in 1 2 3 4 5 6; do
  want=${SESS[sess-$n]}
  got=$(for i in $(seq 1 6); do curl -s --max-time 10 -b "JSESSIONID=sess-$n" "http://127.0.0.1:$P_LR/l$i"; done | sort | uniq -c | tr -s ' ')
  [ "$got" = " 6 $want" ] || bad="$bad [sess-$n: want $want, got$got]"
done
check "learn: 6 requests of each session reach the server that set it" test -z "$bad"
got=$(curl -s --max-time 10 -b "JSESSIONID=sess-1" "http://127.0.0.1:$P_LR/a" "http://127.0.0.1:$P_LR/b" "http://127.0.0.1:$P_LR/c" | sort -u)
check "learn: ... also on one keep-alive connection" test "$got" = "${SESS[sess-1]}"
get "$P_LR" /echo "$T/learnecho" -b "JSESSIONID=sess-1" >/dev/null
check "learn: the application's cookie is passed to the server" eval 'grep -qi "^cookie:.*JSESSIONID=sess-1" "$T/learnecho.b"'
check "learn: an unknown session is balanced as usual" eval \
  '[ -n "$(get "$P_LR" / "$T/unknown" -b "JSESSIONID=never-set")" ]'
ctl show sticky lr >"$T/sticky.txt" 2>&1
check "show sticky lr: lists sess-1 with its server" eval \
  'grep -w "sess-1" "$T/sticky.txt" | grep -qw "${SESS[sess-1]}"'
check "show sticky lr: lists all 6 sessions with their servers" eval \
  'for n in 1 2 3 4 5 6; do grep -w "sess-$n" "$T/sticky.txt" | grep -qw "${SESS[sess-$n]}" || exit 1; done'
# A 4-byte value is the length of an IPv4 address: still shown as the cookie it is.
get "$P_LR" /setcookie/JSESSIONID/abcd "$T/learn4" >/dev/null
check "show sticky lr: a 4-byte session value shows as itself, not as 97.98.99.100" eval \
  'ctl show sticky lr | grep -qw abcd'

# the session's server goes down: the session is balanced elsewhere, not refused
S2=${SESS[sess-2]}
touch "$T/$S2.fail"
check "$S2 goes down" wait_until 5 field_is lr "$S2" health down
s=$(get "$P_LR" / "$T/learndown" -b "JSESSIONID=sess-2")
check "learn: with $S2 down, sess-2 is served by another server ($s)" eval \
  '[ -n "$s" ] && [ "$s" != "$S2" ] && has_line "$T/learndown.h" "HTTP/1.1 200 OK"'
rm -f "$T/$S2.fail"

finish
