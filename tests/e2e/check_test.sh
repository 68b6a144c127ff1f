#!/usr/bin/env bash
# `tandemd -c FILE --check`: 0 for a valid file; 1 for a broken one, with one
# "FILE:LINE: [section] key: message" line per error, all of them; the
# daemon refuses to start on a broken file and binds nothing.
. "$(dirname "$0")/lib.sh"

[ -x "$TANDEMD" ] || bail "tandemd is built" "$TANDEMD missing"
P=$(free_port)

# --- valid -------------------------------------------------------------------------
{
  global_section
  cat <<EOC
[frontend:web]
bind = 127.0.0.1:$P
mode = tcp
pool = app
max_connections = 100

[pool:app]
balance = leastconn
health = http
health_path = /health
health_interval = 200ms
health_timeout = 100ms
health_rise = 2
health_fall = 2
sticky = source
sticky_ttl = 5m
sticky_size = 1000
server = be1 127.0.0.1:9 weight=1
server = be2 127.0.0.1:10 weight=5 maxconn=100
server = spare 127.0.0.1:11 backup
EOC
} >"$T/good.ini"
out=$("$TANDEMD" -c "$T/good.ini" --check 2>&1)
rc=$?
check "valid config: --check exits 0" test $rc -eq 0
[ $rc -eq 0 ] || note "$out"
check "--check binds nothing" port_closed $P
check "--check creates no status socket" test ! -e "$SOCK"

# --- broken --------------------------------------------------------------------
# Lines are numbered: the expected errors point at them.
cat >"$T/bad.ini" <<EOC
[global]
node = test
workers = 2
status_socket = $SOCK

[frontend:web]
bind = 127.0.0.1:notaport
mode = tcp
pool = app

[pool:app]
balance = sideways
health_interval = 200
health_rise = -1
server = be1 127.0.0.1:8080 weight=abc
server = be2 127.0.0.1:8081
EOC
"$TANDEMD" -c "$T/bad.ini" --check >"$T/bad.out" 2>&1
rc=$?
check "broken config: --check exits 1 (got $rc)" test $rc -eq 1
for line in 7 12 13 14 15; do
  check "broken config: an error names bad.ini:$line" grep -q "^$T/bad.ini:$line: " "$T/bad.out"
done
check "broken config: the duration error names section and key" \
  grep -q -E "^$T/bad.ini:13: \[pool:app\] health_interval: " "$T/bad.out"
check "broken config: every output line is FILE:LINE: ... (or a closing summary)" \
  eval "! grep -v -E '^$T/bad.ini:[0-9]+: |^tandemd: [0-9]+ errors? ' '$T/bad.out'"
[ -s "$T/bad.out" ] && note "its output:" && sed 's/^/#   /' "$T/bad.out"

# A frontend naming a pool that does not exist.
cat >"$T/nopool.ini" <<EOC
[global]
status_socket = $SOCK

[frontend:web]
bind = 127.0.0.1:$P
pool = nosuch
EOC
"$TANDEMD" -c "$T/nopool.ini" --check >"$T/nopool.out" 2>&1
rc=$?
check "unknown pool: exit 1, error at the frontend's pool line or section" \
  eval "[ $rc -eq 1 ] && grep -q -E '^$T/nopool.ini:(4|6): ' '$T/nopool.out'"

# An unknown key is an error (a typo must not pass silently).
cat >"$T/typo.ini" <<EOC
[global]
status_socket = $SOCK

[pool:app]
helth = http
server = be1 127.0.0.1:9
EOC
"$TANDEMD" -c "$T/typo.ini" --check >"$T/typo.out" 2>&1
rc=$?
check "unknown key: exit 1, error names typo.ini:5" eval "[ $rc -eq 1 ] && grep -q '^$T/typo.ini:5: ' '$T/typo.out'"

# A missing file.
"$TANDEMD" -c "$T/missing.ini" --check >"$T/missing.out" 2>&1
rc=$?
check "missing file: exit 1 and the path is named" eval "[ $rc -eq 1 ] && grep -q '$T/missing.ini' '$T/missing.out'"

# The daemon itself refuses a broken file.
spawn bad "$TANDEMD" -c "$T/bad.ini"
wait_proc bad 5
rc=$?
check "tandemd with a broken config exits non-zero at once (got $rc)" test $rc -ne 0 -a $rc -ne 124
check "tandemd with a broken config prints the same errors" grep -q -F "$T/bad.ini:12: " "$T/bad.err"
check "tandemd with a broken config leaves no status socket" test ! -e "$SOCK"

finish
