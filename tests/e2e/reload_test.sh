#!/usr/bin/env bash
# Reload under traffic: SIGHUP and `tandemctl reload`, several times, with
# config changes (a weight, an added server) while new connections and a
# keep-alive connection run: no connection is lost, the changes apply, the
# process stays the same. A bad config is refused: `tandemctl reload` exits
# 1 and prints FILE:LINE errors, SIGHUP logs them, the old config serves on.
. "$(dirname "$0")/lib.sh"

for b in be1 be2 be3; do start_backend $b || bail "backend $b starts"; done
P=$(free_port)
# write_config WEIGHT1 WITH_BE3 [EXTRA_POOL_LINE]: written atomically.
write_config() {
  {
    global_section
    cat <<EOC
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
health_rise = 1
health_fall = 2
${3:-}
server = be1 127.0.0.1:${BE_PORT[be1]} weight=$1
server = be2 127.0.0.1:${BE_PORT[be2]} weight=1
EOC
    [ "$2" = yes ] && echo "server = be3 127.0.0.1:${BE_PORT[be3]} weight=1"
  } >"$T/tandem.ini.new"
  mv "$T/tandem.ini.new" "$T/tandem.ini"
}
write_config 1 no
start_tandemd "$T/tandem.ini" || bail "tandemd starts" "$(tail -5 "$T/tandemd.err" 2>/dev/null)"
ok "tandemd starts"
PID=${PROC_PID[tandemd]}
check "all servers up" wait_until 5 all_up app be1 be2

spawn lg "$TOOLS/loadgen" --connect 127.0.0.1:$P --concurrency 8 --rate 400 --duration 9s \
  --report-interval 1s --output "$T/lg.json"
spawn ka "$TOOLS/holdconn" --connect 127.0.0.1:$P --requests 40 --interval 200ms --output "$T/ka.json"

sleep 1
write_config 3 no
kill -HUP "$PID"
note "SIGHUP: be1 weight 3"
sleep 1.5
write_config 3 yes
out=$(ctl reload 2>&1)
check "tandemctl reload (adds be3) exits 0" test $? -eq 0
check "reload: be3 appears in show pools" wait_until 2 field_is app be3 weight 1
check "reload: be1 weight is 3" field_is app be1 weight 3
check "reload: be3 comes up" wait_until 3 field_is app be3 health up
sleep 1
kill -HUP "$PID"
note "SIGHUP: unchanged config"
sleep 1
write_config 1 yes
check "tandemctl reload (be1 weight back to 1) exits 0" ctl reload
sleep 1
check "tandemctl reload (unchanged) exits 0" ctl reload
sleep 0.5
kill -HUP "$PID"

wait_proc lg 30
wait_proc ka 30
check "under 5 reloads: no new connection failed" jcheck "$T/lg.json" 'd["failed"] == 0 and d["ok"] >= 2500'
check "under 5 reloads: the keep-alive connection served all 40 requests" jcheck "$T/ka.json" \
  'd["ok"] == 40 and d["failed"] == 0'
check "the added server got traffic" jcheck "$T/lg.json" 'd["by_server"].get("be3", {}).get("count", 0) > 100'
check "the same process kept running (pid $PID)" proc_running tandemd
check "the last reload applied: be1 weight 1" field_is app be1 weight 1

# A bad config is refused.
cp "$T/tandem.ini" "$T/good.ini"
{
  global_section
  cat <<EOC
[frontend:web]
bind = 127.0.0.1:$P
mode = tcp
pool = app

[pool:app]
balance = sideways
health_interval = 200
server = be1 127.0.0.1:${BE_PORT[be1]}
EOC
} >"$T/tandem.ini.new"
mv "$T/tandem.ini.new" "$T/tandem.ini"
BAD_LINE=$(grep -n '^balance = sideways' "$T/tandem.ini" | cut -d: -f1)
out=$(ctl reload 2>&1)
rc=$?
check "bad reload: tandemctl reload exits 1" test $rc -eq 1
check "bad reload: the errors name FILE:LINE ($T/tandem.ini:$BAD_LINE:)" \
  eval "printf '%s\n' \"\$out\" | grep -q -F '$T/tandem.ini:$BAD_LINE:'"
[ $rc -eq 1 ] || note "tandemctl reload said: $out"
check "bad reload: the daemon still runs" proc_running tandemd
check "bad reload: the old config is still in force (be3 listed)" field_is app be3 health up
"$TOOLS/loadgen" --connect 127.0.0.1:$P --concurrency 3 --count 90 --output "$T/after.json" >/dev/null
check "bad reload: still serving with the old pool" jcheck "$T/after.json" \
  'd["ok"] == 90 and all(d["by_server"].get(s, {}).get("count", 0) > 0 for s in ("be1", "be2", "be3"))'
kill -HUP "$PID"
check "bad SIGHUP: logged as FILE:LINE on stderr" wait_until 3 grep -q -F "$T/tandem.ini:$BAD_LINE:" "$T/tandemd.err"
sleep 0.3
check "bad SIGHUP: the daemon still runs and serves" eval \
  "proc_running tandemd && '$TOOLS/loadgen' --connect 127.0.0.1:$P --count 10 >/dev/null"
mv "$T/good.ini" "$T/tandem.ini"
check "after fixing the file, reload works again" ctl reload

finish
