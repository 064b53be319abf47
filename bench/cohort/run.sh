#!/usr/bin/env bash
# The `khe cohort` throughput benchmark (make bench-cohort; figures in docs/performance.md).
#   1. a synthetic Bulk Data export of at least 1 GiB (tests/tools/khe_gen_cohort: the trial's
#      two arms scaled up, 50 Observations a child, lines interleaved within windows of 4096
#      children), generated once and cached in a temp folder;
#   2. `khe cohort EXPORT --threads 1` and `--threads 2` under /usr/bin/time -v;
#   3. `jq -c . FILES > /dev/null` on the same files, the baseline of the issue's goal
#      (>= 300 MB/s per core and >= 10x jq).
# Every run reads the files from the page cache (they are read once beforehand). Prints a
# Markdown table ready for docs/performance.md. Synthetic data only; nothing leaves the machine.
# Usage: bench/cohort/run.sh BUILD_DIR [SIZE_MB]
#   KHE_COHORT_OBS (default 50) Observations per child; KHE_COHORT_CACHE the cache folder;
#   KHE_COHORT_SKIP_JQ=1 skips jq (it takes about a minute a GB);
#   KHE_COHORT_ORDER=grouped writes each file's lines child by child (as some EHRs export)
#   instead of interleaving them within windows of 4096 children (the default, harder case).
set -euo pipefail
build=$(cd "$1" && pwd)
size_mb=${2:-1100}  # decimal MB: 1100 MB > 1 GiB
obs=${KHE_COHORT_OBS:-50}
order=${KHE_COHORT_ORDER:-interleaved}
case "$order" in
  interleaved) order_args=(--interleave --window 4096); suffix="" ;;
  grouped) order_args=(); suffix="-grouped" ;;
  *) echo "KHE_COHORT_ORDER must be interleaved or grouped"; exit 1 ;;
esac
cache=${KHE_COHORT_CACHE:-${TMPDIR:-/tmp}/khe-bench-cohort-${size_mb}mb-${obs}obs-v1$suffix}
gen="$build/tools/khe_gen_cohort"
khe="$build/khe"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

[ -x "$gen" ] || { echo "missing $gen (build the tools first)"; exit 1; }
command -v jq >/dev/null || { echo "jq is missing (make bench-cohort installs it)"; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time is missing (Debian package time)"; exit 1; }

# 1. The export, cached: .complete is written last, so a broken run is generated again.
if [ ! -f "$cache/.complete" ]; then
  rm -rf "$cache"
  mkdir -p "$cache"
  echo "generating a ${size_mb} MB export in $cache ..."
  /usr/bin/time -v -o "$cache/gen.time" "$gen" --out "$cache/export" --size-mb "$size_mb" \
    --observations-per-patient "$obs" "${order_args[@]}" >"$cache/as_of" 2>"$cache/gen.log"
  touch "$cache/.complete"
fi
dir="$cache/export"
as_of=$(cat "$cache/as_of")
files=("$dir"/*.ndjson)
bytes=$(cat "${files[@]}" | wc -c)
patients=$(wc -l <"$dir/Patient.ndjson")
resources=$(cat "${files[@]}" | wc -l)
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')
echo "export ($order): ${#files[@]} files, $mb MB, $patients patients, $resources resources, as-of $as_of"
cat "${files[@]}" >/dev/null  # into the page cache for every run alike

# "Elapsed (wall clock) time (h:mm:ss or m:ss): 0:07.31" -> seconds; RSS in MB.
wall_s() { awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0;
  for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s }' "$1"; }
rss_mb() { awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$1"; }
cpu_s() { awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { printf "%.2f", u + s }' "$1"; }

rows=()
row() {  # label threads time-file
  local s
  s=$(wall_s "$3")
  rows+=("$(awk -v l="$1" -v t="$2" -v s="$s" -v b="$bytes" -v p="$patients" -v r="$(rss_mb "$3")" \
    -v c="$(cpu_s "$3")" 'BEGIN { printf "| %s | %s | %.2f | %.2f | %.0f | %.0f | %s |", l, t, s, c,
    b / 1e6 / s, p / s, r }')")
}

if [ -s "$cache/gen.time" ]; then
  row "khe_gen_cohort (writing the export)" 1 "$cache/gen.time"
fi

# 2. khe cohort, one and two threads.
if "$khe" cohort --help >/dev/null 2>&1; then
  for threads in 1 2; do
    if /usr/bin/time -v -o "$work/cohort$threads.time" "$khe" cohort "$dir" --threads "$threads" \
      --as-of "$as_of" --format json >"$work/cohort$threads.json" 2>"$work/cohort$threads.err"; then
      row "khe cohort" "$threads" "$work/cohort$threads.time"
      tail -n 1 "$work/cohort$threads.err"
    else
      echo "khe cohort --threads $threads failed:"; tail -n 5 "$work/cohort$threads.err"
    fi
  done
  if [ -f "$work/cohort1.json" ] && [ -f "$work/cohort2.json" ]; then
    cmp -s "$work/cohort1.json" "$work/cohort2.json" && echo "reports of 1 and 2 threads: identical" ||
      echo "WARNING: the reports of 1 and 2 threads differ"
  fi
else
  echo "khe cohort is not available in $khe: only the generator and jq are measured"
fi

# 3. jq on the same files.
if [ "${KHE_COHORT_SKIP_JQ:-0}" != 1 ]; then
  /usr/bin/time -v -o "$work/jq.time" jq -c . "${files[@]}" >/dev/null
  row "jq -c . (jq $(jq --version | sed 's/^jq-//'))" 1 "$work/jq.time"
fi

echo
echo "Export: $mb MB of NDJSON in ${#files[@]} files, $patients patients, $resources resources" \
  "($obs Observations a child, lines $order), $(nproc) cores, files in the page cache."
echo
echo "| program | threads | wall s | CPU s | MB/s | patients/s | max RSS MB |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
