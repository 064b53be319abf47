#!/usr/bin/env bash
# The deployment load test (make bench-deploy; figures in docs/performance.md "Deployment"):
#   1. one `khe serve` on SQLite, wrk straight at it;
#   2. PostgreSQL 15 (initdb in a temp folder) + two `khe serve` replicas on it + nginx in
#      front, wrk at nginx.
# Both with authentication on (one pre-signed RS384 token per request, KHE_ALG=es384 for
# ES384, so every request also writes its jti to the shared replay table) and the patient-view request of
# bench/http (101 Observations). After each run: `khe audit verify` must pass and count
# one audit entry per 200 answer — none lost (at most one more per connection: requests in
# flight when wrk stops counting).
# Usage: bench/deploy/run.sh BUILD_DIR [SECONDS]. Loopback only; synthetic data only.
set -euo pipefail
build=$(cd "$1" && pwd)
seconds=${2:-20}
here=$(cd "$(dirname "$0")" && pwd)
examples=$(cd "$here/../../../shared/examples" && pwd)
lua="$here/../http/patient_view.lua"
work=$(mktemp -d)
chmod 755 "$work"
pids=()
pgbin=$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || true)
as_db_user() { if [ "$(id -u)" = 0 ]; then setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; else "$@"; fi; }
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$work/nginx/nginx.pid" ] && kill -QUIT "$(cat "$work/nginx/nginx.pid")" 2>/dev/null || true
  [ -d "$work/pg/data" ] && as_db_user "$pgbin/pg_ctl" -D "$work/pg/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
threads=2
connections=${KHE_CONNECTIONS:-32}
public=https://khe.bench.example
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_replica() {  # name db extra-args...; sets $started_url (runs in this shell: keeps $pids)
  local name=$1 db=$2
  shift 2
  "$build/khe" serve --port 0 --db "$db" --quiet --public-url "$public" \
    --issuer https://ehr.example.org --jwks "$work/jwks.json" "$@" \
    >"$work/$name.out" 2>"$work/$name.err" &
  pids+=($!)
  for _ in $(seq 1 200); do
    grep -q "listening on" "$work/$name.out" 2>/dev/null && break
    sleep 0.05
  done
  started_url=$(sed -n 's/^khe serve: listening on //p' "$work/$name.out")
  [ -n "$started_url" ] || { echo "khe serve ($name) did not start"; cat "$work/$name.err"; exit 1; }
}

run_wrk() {  # label url db
  echo "== $1"
  local before after
  before=$("$build/khe" audit verify --db "$3" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"])')
  KHE_BODY="$work/request.json" KHE_TOKENS="$work/tokens.txt" KHE_THREADS=$threads \
    wrk -t$threads -c$connections -d"$seconds"s --latency -s "$lua" "$2" >"$work/wrk.txt"
  grep -E "Requests/sec|requests in| 99%|Non-2xx|Socket errors" "$work/wrk.txt" || true
  local verify
  verify=$("$build/khe" audit verify --db "$3" --format json)
  after=$(echo "$verify" | python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"])')
  echo "$verify" | python3 -c 'import json,sys; j=json.load(sys.stdin); assert j["intact"], j; print("audit chain intact")'
  local total non2xx ok
  total=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$work/wrk.txt")
  non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$work/wrk.txt")
  ok=$((total - ${non2xx:-0}))
  echo "200 answers: $ok; audit entries written: $((after - before)) ($(( (after - before) / seconds ))/s)"
  # wrk stops counting at the deadline: requests still in flight then (at most one per
  # connection) were answered and audited after it. So: ok <= entries <= ok + connections.
  local written=$((after - before))
  if [ "$written" -lt "$ok" ] || [ "$written" -gt $((ok + connections)) ]; then
    echo "MISMATCH: $ok answers but $written audit entries"; exit 1
  fi
  echo "none lost: every 200 answer has its audit entry ($((written - ok)) more were in flight at wrk's deadline)"
}

tokens=$((seconds * 8000))
alg=${KHE_ALG:-rs384}  # RS384 verifies fast, so the store is more of the cost than with ES384
"$build/tools/hook_load" "$examples" "$work" "$public" "$tokens" "$alg" >/dev/null

# 1. One replica, SQLite.
start_replica sqlite "$work/khe.db"
run_wrk "one replica on SQLite, $alg, ${seconds}s, $connections connections" "$started_url" "$work/khe.db"
kill -TERM "${pids[-1]}"; wait "${pids[-1]}" || true; unset 'pids[-1]'

# 2. PostgreSQL + two replicas + nginx.
[ -n "$pgbin" ] || { echo "PostgreSQL 15 is not installed"; exit 1; }
mkdir -p "$work/pg" && chown -R nobody:nogroup "$work/pg" 2>/dev/null || true
pgport=$(free_port)
as_db_user "$pgbin/initdb" -D "$work/pg/data" -A trust -U khe --locale=C -E UTF8 >/dev/null
as_db_user "$pgbin/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w \
  -o "-h 127.0.0.1 -p $pgport -k $work/pg -c max_connections=100" start >/dev/null
as_db_user "$pgbin/createdb" -h 127.0.0.1 -p "$pgport" -U khe khe
db="postgresql://khe@127.0.0.1:$pgport/khe"
start_replica replica-a "$db"
a=$started_url
start_replica replica-b "$db"
b=$started_url
nport=$(free_port)
mkdir -p "$work/nginx"
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 2;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  upstream khe {
    server ${a#http://} max_fails=1 fail_timeout=2s;
    server ${b#http://} max_fails=1 fail_timeout=2s;
    keepalive 64;
  }
  server {
    listen 127.0.0.1:$nport;
    client_max_body_size 64m;
    location / {
      proxy_pass http://khe;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_next_upstream error timeout http_502 http_503;
    }
  }
}
CONF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log"
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$nport/readyz" >/dev/null && break; sleep 0.1; done
run_wrk "nginx + two replicas on PostgreSQL 15, $alg, ${seconds}s, $connections connections" "http://127.0.0.1:$nport" "$db"
