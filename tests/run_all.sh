#!/usr/bin/env bash
# Runs every test of the project and ends with one plain line
# "N passed, N failed"; exits non-zero when anything failed.
#
#   unit tests      build/unit_tests        one count per Boost test case
#   unit, sanitized build-asan/unit_tests   same cases under ASan + UBSan
#   end to end      tests/e2e/*_test.sh     TAP-style "ok - …"/"not ok - …" lines
#   fuzz smoke      build-fuzz/*_fuzz       one count per target (FUZZ_SECONDS each)
#
# Environment: E2E_FILTER (a regex on script names), FUZZ_SECONDS (default 15).
set -u
cd "$(dirname "$0")/.."

passed=0
failed=0
failures=()
logdir=$(mktemp -d /tmp/tandem-test-logs.XXXXXX)

record() {  # record PASSED FAILED LABEL
  passed=$((passed + $1))
  failed=$((failed + $2))
  if [ "$2" -gt 0 ]; then failures+=("$3"); fi
}

run_boost() {  # run_boost BINARY LABEL
  local bin=$1 label=$2
  local xml="$logdir/$label.xml" log="$logdir/$label.log"
  echo "== $label"
  if [ ! -x "$bin" ]; then echo "missing $bin"; record 0 1 "$label: not built"; return; fi
  timeout 600 "$bin" --log_level=test_suite --report_format=XML --report_level=short \
    --report_sink="$xml" >"$log" 2>&1
  local rc=$?
  local p f a
  p=$(grep -o 'test_cases_passed="[0-9]*"' "$xml" 2>/dev/null | head -1 | grep -o '[0-9]*')
  f=$(grep -o 'test_cases_failed="[0-9]*"' "$xml" 2>/dev/null | head -1 | grep -o '[0-9]*')
  a=$(grep -o 'test_cases_aborted="[0-9]*"' "$xml" 2>/dev/null | head -1 | grep -o '[0-9]*')
  if [ -z "$p" ]; then  # crashed before writing its report
    grep -E 'error|ERROR|Sanitizer' "$log" | head -20
    record 0 1 "$label: crashed (exit $rc), see $log"
    return
  fi
  f=$((f + ${a:-0}))
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  grep -E 'error|fatal|Sanitizer' "$log" | head -40
  echo "$label: $p passed, $f failed"
  record "$p" "$f" "$label (see $log)"
}

run_e2e() {  # run_e2e SCRIPT
  local script=$1 name log ok notok rc
  name=$(basename "$script" .sh)
  log="$logdir/$name.log"
  echo "== e2e $name"
  timeout 900 bash "$script" >"$log" 2>&1
  rc=$?
  grep -E '^(not )?ok ' "$log"
  ok=$(grep -c '^ok ' "$log")
  notok=$(grep -c '^not ok ' "$log")
  if [ "$rc" -ne 0 ] && [ "$notok" -eq 0 ]; then
    tail -20 "$log"
    notok=1
  fi
  if [ "$notok" -gt 0 ]; then
    echo "--- last lines of $log:"
    tail -30 "$log"
  fi
  record "$ok" "$notok" "e2e $name (see $log)"
}

run_fuzz() {  # run_fuzz BINARY
  local bin=$1 name log corpus
  name=$(basename "$bin")
  log="$logdir/$name.log"
  corpus="tests/fuzz/corpus/${name%_fuzz}"
  echo "== fuzz $name (${FUZZ_SECONDS:-15}s)"
  local work
  work=$(mktemp -d)
  [ -d "$corpus" ] && cp -r "$corpus"/. "$work"/
  if timeout 300 "$bin" -max_total_time="${FUZZ_SECONDS:-15}" -rss_limit_mb=2048 \
       -artifact_prefix="$logdir/$name-" "$work" >"$log" 2>&1; then
    record 1 0 "fuzz $name"
  else
    tail -30 "$log"
    record 0 1 "fuzz $name (see $log)"
  fi
  rm -rf "$work"
}

run_boost build/unit_tests unit
run_boost build-asan/unit_tests unit-asan-ubsan

for script in tests/e2e/*_test.sh; do
  [ -e "$script" ] || continue
  if [ -n "${E2E_FILTER:-}" ] && ! [[ "$script" =~ $E2E_FILTER ]]; then continue; fi
  run_e2e "$script"
done

for bin in build-fuzz/*_fuzz; do
  [ -x "$bin" ] || continue
  run_fuzz "$bin"
done

echo
if [ ${#failures[@]} -gt 0 ]; then
  echo "failed:"
  printf '  %s\n' "${failures[@]}"
fi
echo "logs: $logdir"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
