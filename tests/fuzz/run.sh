#!/usr/bin/env bash
# make fuzz: runs every libFuzzer target in build-fuzz/ for SECONDS each,
# starting from its seed corpus (tests/fuzz/corpus/<name>/). Findings are
# written to build-fuzz/findings/.
set -u
seconds=${1:-60}
cd "$(dirname "$0")/../.."
mkdir -p build-fuzz/findings
status=0
for bin in build-fuzz/*_fuzz; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  corpus="tests/fuzz/corpus/${name%_fuzz}"
  work="build-fuzz/corpus-${name%_fuzz}"
  mkdir -p "$work"
  [ -d "$corpus" ] && cp -rn "$corpus"/. "$work"/
  echo "== $name for ${seconds}s"
  if ! "$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -artifact_prefix="build-fuzz/findings/$name-" "$work"; then
    echo "$name: FOUND A PROBLEM (see build-fuzz/findings/)"
    status=1
  fi
done
exit $status
