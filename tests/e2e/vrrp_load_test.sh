#!/usr/bin/env bash
# VRRP under a saturated proxy: wrk drives the master's proxy (workers = 1)
# through the VIP as hard as it can for a few seconds, with 100 ms adverts.
# Neither node may change state (keepalived #1955, #2066: "thread timer
# expired" failovers under load), and the master's adverts, as timed by the
# kernel on arrival at the backup, keep their spacing: the longest gap must
# stay far below the backup's Master_Down_Interval (fail above 2.5 intervals;
# the p99 and max are printed).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lab.sh"

lab_root_or_skip "vrrp under load"
LOAD_SECONDS=${LOAD_SECONDS:-5}
lab_up || bail "the lab comes up"
lab_backends || bail "the backends start"

lb_conf lb-a 200
lb_conf lb-b 100
lab_start_pair lb-a lb-b || bail "lb-a master, lb-b backup, both ready" "lb-a: $(lb_state lb-a), lb-b: $(lb_state lb-b)"
ta=$(lb_changes lb-a)
tb=$(lb_changes lb-b)

lab_spawn watch lb-b "$TOOLS/vrrpwatch" --join eth0 --ready-file "$T/watch.ready" --output "$T/watch.json"
wait_until 3 test -s "$T/watch.ready" || bail "the advert watcher starts" "$(cat "$T/watch.err")"

if command -v wrk >/dev/null; then
  lab_exec client wrk -t 2 -c 64 -d "${LOAD_SECONDS}s" --latency "http://$LAB_VIP/" >"$T/wrk.out" 2>&1
  note "wrk: $(grep -E 'Requests/sec|requests in|Socket errors|Non-2xx' "$T/wrk.out" | tr -s ' ' | paste -sd ';')"
  check "the load went through the VIP (wrk made requests)" grep -q "Requests/sec" "$T/wrk.out"
else
  lab_exec client "$TOOLS/loadgen" --connect "$LAB_VIP:80" --concurrency 64 --keepalive \
    --duration "${LOAD_SECONDS}s" --output "$T/load.json" >/dev/null 2>&1
  note "loadgen: $(lab_loadgen_line "$T/load.json")"
  check "the load went through the VIP" jcheck "$T/load.json" 'd["ok"] > 1000'
fi
stop_proc watch TERM

check "no state change on lb-a during the load (state changes $ta -> $(lb_changes lb-a))" \
  test "$(lb_changes lb-a)" = "$ta"
check "no state change on lb-b during the load (state changes $tb -> $(lb_changes lb-b))" \
  test "$(lb_changes lb-b)" = "$tb"
check "lb-a is still master with the VIP, lb-b backup" lab_settled lb-a lb-b
if jcheck "$T/watch.json" 'any(s["src"] == "10.77.0.11" for s in d["sources"])' >/dev/null; then
  note "lb-a's adverts at lb-b under load: $(jget "$T/watch.json" '(lambda s: "%d adverts, gap min %.1f p50 %.1f p99 %.1f max %.1f ms" % (s["count"], s["gap_ms"]["min"], s["gap_ms"]["p50"], s["gap_ms"]["p99"], s["gap_ms"]["max"]))([s for s in d["sources"] if s["src"] == "10.77.0.11"][0])')"
  check "lb-a's adverts kept their spacing under load (max gap <= 250 ms at 100 ms)" \
    jcheck "$T/watch.json" '[s for s in d["sources"] if s["src"] == "10.77.0.11"][0]["gap_ms"]["max"] <= 250'
  check "lb-a sent about 10 adverts a second (>= 8/s over the load)" \
    jcheck "$T/watch.json" "[s for s in d['sources'] if s['src'] == '10.77.0.11'][0]['count'] >= 8 * $LOAD_SECONDS"
  if ! lb_keepalived lb-a; then
    lb_ctl lb-a show vrrp --json >"$T/a.json"
    note "lb-a's own account: adverts_late $(jget "$T/a.json" 'd["instances"][0].get("adverts_late")'), max_advert_delay_us $(jget "$T/a.json" 'd["instances"][0].get("max_advert_delay_us")')"
    check "lb-a counts no late advert" jcheck "$T/a.json" 'd["instances"][0].get("adverts_late", 0) == 0'
  fi
else
  not_ok "lb-b's watcher saw lb-a's adverts" "$(cat "$T/watch.json" "$T/watch.err")"
fi
finish
