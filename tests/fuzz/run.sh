#!/usr/bin/env bash
# Runs every built fuzz target for a bounded time, starting from its seed corpus in
# tests/fuzz/corpus/<target>/ (copied to a scratch folder so the repository is unchanged).
# Usage: run.sh BUILD_DIR SECONDS_PER_TARGET
set -euo pipefail
build=$1
seconds=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for bin in "$build"/fuzz/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  mkdir -p "$work/$name"
  if [ -d "$here/corpus/$name" ]; then cp -r "$here/corpus/$name/." "$work/$name/"; fi
  echo "fuzzing $name for ${seconds}s"
  if ! ASAN_OPTIONS=detect_leaks=1 "$bin" "$work/$name" -max_total_time="$seconds" \
       -rss_limit_mb=4096 -timeout=10 -print_final_stats=1 -artifact_prefix="$work/$name-" \
       >"$work/$name.log" 2>&1; then
    echo "FUZZ FAILURE in $name:"; tail -n 60 "$work/$name.log"; status=1
  else
    grep -E "stat::number_of_executed_units|Done" "$work/$name.log" | tail -n 2 || true
  fi
done
exit $status
