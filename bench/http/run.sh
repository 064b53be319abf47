#!/usr/bin/env bash
# The CDS Hooks load test (make bench-http): khe serve on loopback, wrk POSTing a
# patient-view request with about 100 Observations in its prefetch.
#   1. authentication off (--insecure-no-auth), 20 s
#   2. authentication on, every request with its own pre-signed token (ES384, then RS384)
#   3. resident memory of the server sampled every 10 s over a 2-minute run (auth off)
# Usage: bench/http/run.sh BUILD_DIR [SECONDS]. Loopback only; synthetic data only.
set -euo pipefail
build=$(cd "$1" && pwd)
seconds=${2:-20}
here=$(cd "$(dirname "$0")" && pwd)
examples=$(cd "$here/../../../shared/examples" && pwd)
work=$(mktemp -d)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
threads=2
connections=${KHE_CONNECTIONS:-32}

start_server() {  # extra args...
  rm -f "$work/khe.db"*
  "$build/khe" serve --port 0 --db "$work/khe.db" --quiet "$@" >"$work/stdout" 2>"$work/stderr" &
  server_pid=$!
  for _ in $(seq 1 200); do
    if grep -q "listening on" "$work/stdout" 2>/dev/null; then break; fi
    sleep 0.05
  done
  url=$(sed -n 's/^khe serve: listening on //p' "$work/stdout")
  [ -n "$url" ] || { echo "khe serve did not start"; cat "$work/stderr"; exit 1; }
}
stop_server() { kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=""; }

run_wrk() {  # label tokens-file seconds
  echo "== $1"
  KHE_BODY="$work/request.json" KHE_TOKENS="$2" KHE_THREADS=$threads \
    wrk -t$threads -c$connections -d"$3"s --latency -s "$here/patient_view.lua" "$url" \
    | grep -E "Requests/sec|Transfer/sec|requests |latency p50|Non-2xx|Socket errors"
}

# 1. Authentication off.
start_server --insecure-no-auth
"$build/tools/hook_load" "$examples" "$work" "$url" 0 >/dev/null
curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' \
  --data-binary @"$work/request.json" "$url/cds-services/khe-kmp" || { echo "smoke request failed"; exit 1; }
run_wrk "patient-view, authentication off, ${seconds}s, $connections connections" "" "$seconds"
stop_server

# 2. Authentication on: enough tokens for the run at up to 8,000 requests/s. The audience
# is the fixed public URL the server is told it has.
public=https://khe.bench.example
for alg in es384 rs384; do
  tokens=$((seconds * 8000))
  "$build/tools/hook_load" "$examples" "$work" "$public" "$tokens" "$alg"
  start_server --public-url "$public" --issuer https://ehr.example.org --jwks "$work/jwks.json"
  run_wrk "patient-view, authentication on ($alg, one token per request), ${seconds}s" "$work/tokens.txt" "$seconds"
  stop_server
done

# 3. Memory over two minutes (authentication off).
if [ "${KHE_SOAK:-1}" = 1 ]; then
  start_server --insecure-no-auth
  echo "== resident memory over 120 s (kB), sampled every 10 s"
  KHE_BODY="$work/request.json" KHE_TOKENS="" KHE_THREADS=$threads \
    wrk -t$threads -c$connections -d120s -s "$here/patient_view.lua" "$url" >"$work/soak.txt" &
  wrk_pid=$!
  samples=""
  for _ in $(seq 1 12); do
    sleep 10
    samples="$samples $(awk '/VmRSS/ {print $2}' /proc/$server_pid/status)"
  done
  wait $wrk_pid || true
  echo "rss:$samples"
  grep -E "requests " "$work/soak.txt" || true
  stop_server
fi
