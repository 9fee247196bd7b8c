#!/usr/bin/env bash
# Durable reports per second on each store: one `whistle serve` on SQLite, one on PostgreSQL, three on one PostgreSQL
# (issue #15), each POST answered 303 only after its commit. wrk (Debian) on loopback, release build; every server,
# the database and wrk share this machine's cores, so the three-node figure shows what a shared database costs, not
# what three machines would give. Baselines in the same run, each the disk's durable commit rate with the same
# concurrency: raw one-row SQLite commits (bench/commit-rate.py, WAL + synchronous=FULL) and raw one-row PostgreSQL
# commits from 64 clients (pgbench). The cluster is scripts/pg-test-cluster.sh's with DURABLE=1: fsync on.
# Usage: bench/nodes.sh [SECONDS]   (default 10 s a run)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
command -v wrk >/dev/null || { echo "bench/nodes.sh needs wrk (apt-get install wrk)"; exit 1; }
swift build -c release --product whistle >/dev/null
bin=$(swift build -c release --show-bin-path)/whistle
export DURABLE=1
exec bash scripts/pg-test-cluster.sh run bash ${TRACE:+-x} -c '
set -euo pipefail
bin=$1 seconds=$2
work=$(mktemp -d)
servers=()
trap "kill \${servers[*]:-} 2>/dev/null || true; wait 2>/dev/null || true; rm -rf $work" EXIT
admin=${WHISTLE_TEST_POSTGRES_URL%%\?*}
psql "$admin" -qc "CREATE DATABASE bench" >/dev/null
pg="${admin%/*}/bench?sslmode=disable"
sqlite="$work/bench.sqlite"
conns=64

# serve STORE: starts a node on a free port, adds the port to `ports`.
ports=()
serve() {
  local port
  port=$(python3 -c "import socket; s = socket.socket(); s.bind((\"127.0.0.1\", 0)); print(s.getsockname()[1])")
  "$bin" serve --db "$1" --port "$port" --client-burst 100000000 --point-burst 100000000 >>"$work/serve.log" 2>&1 &
  servers+=($!)
  ports+=("$port")
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
}
stop() { kill "${servers[@]}"; wait 2>/dev/null || true; servers=(); ports=(); sleep 1; }
# tokens STORE FILE: form tokens for the 4 points of community 1 (report-post.lua sends each once), shuffled.
tokens() {
  local query=(sqlite3 "$1")
  [ "$1" = "$pg" ] && query=(psql "$pg" -Atc)
  : >"$2"
  for point in $("${query[@]}" "SELECT id FROM point WHERE active AND community_id = 1"); do
    pc=$("${query[@]}" "SELECT code FROM point WHERE id = '"'"'$point'"'"'")
    "$bin" dev form-tokens --point "$point" --count 15000 --db "$1" | sed "s/^/$pc /" >>"$2"
  done
  shuf "$2" -o "$2"
}
# post TOKENS PORT…: wrk on each port at once (the 64 connections split between them); total 303s a second, worst p99.
post() {
  local file=$1; shift
  local n=$# i=0 pids=()
  split -n l/$n -d "$file" "$work/part."
  for port in "$@"; do
    wrk -t$((2 / n > 0 ? 2 / n : 1)) -c$((conns / n)) -d"${seconds}s" --latency -s bench/report-post.lua "http://127.0.0.1:$port" \
      -- "$work/part.0$i" $((2 / n > 0 ? 2 / n : 1)) >"$work/wrk.$i" 2>&1 &
    pids+=($!); i=$((i + 1))
  done
  wait "${pids[@]}"
  cat "$work"/wrk.* | awk "
    /Requests\/sec/ {rps += \$2}
    \$1 == \"99%\" {v = \$2; ms = v ~ /ms\$/ ? v + 0 : v ~ /us\$/ ? v / 1000 : v * 1000; if (ms > p99) p99 = ms}
    /Non-2xx or 3xx/ {bad += \$5}
    END {printf \"%.0f %.1fms %d\n\", rps, p99, bad}"
  rm -f "$work"/wrk.* "$work"/part.*
}

"$bin" import assets/demo/street.yaml --db "$sqlite" >/dev/null
"$bin" import assets/demo/street.yaml --db "$pg" >/dev/null
tokens "$sqlite" "$work/sqlite.tokens"
tokens "$pg" "$work/pg.tokens"
tokens "$pg" "$work/pg3.tokens"

serve "$sqlite"; sleep 1
read -r sqlite_rps sqlite_p99 sqlite_bad < <(post "$work/sqlite.tokens" "${ports[@]}")
stop
serve "$pg"; sleep 1
read -r one_rps one_p99 one_bad < <(post "$work/pg.tokens" "${ports[@]}")
stop
# Three nodes on the same database, with tokens of their own (a token is accepted once).
serve "$pg"; serve "$pg"; serve "$pg"; sleep 1
read -r three_rps three_p99 three_bad < <(post "$work/pg3.tokens" "${ports[@]}")
stop
stored=$(psql "$pg" -Atc "SELECT COUNT(*) FROM report")
gaps=$(psql "$pg" -Atc "SELECT COUNT(*) FROM (SELECT left(number, 8) AS day, COUNT(*) AS n, MAX(right(number, 4)::int) AS top FROM report GROUP BY 1) d WHERE n <> top")

sqlite_commits=$(python3 bench/commit-rate.py "$work" 5)
psql "$pg" -qc "CREATE TABLE commit_rate (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text)" >/dev/null
echo "INSERT INTO commit_rate (body) VALUES (repeat('"'"'x'"'"', 200));" >"$work/commit.sql"
pg_commits=$(pgbench -n -c $conns -j 2 -T 5 -f "$work/commit.sql" "$pg" 2>/dev/null | awk "/^tps/ {printf \"%.0f\", \$3}")

ratio() { python3 -c "print(f\"{float($1) / float($2):.2f}\")"; }
echo "machine: $(nproc) cores, $(grep -m1 "model name" /proc/cpuinfo | cut -d: -f2 | xargs); $(psql "$pg" -Atc "SHOW server_version" | cut -d" " -f1), fsync $(psql "$pg" -Atc "SHOW fsync"); wrk ${seconds}s, $conns connections in all, on loopback"
printf "%-58s %10s %9s %22s\n" "run" "reports/s" "p99" "ratio"
printf "%-58s %10s %9s %22s\n" "raw SQLite one-row commits, WAL FULL (baseline)" "$sqlite_commits" "-" "1.00"
printf "%-58s %10s %9s %22s\n" "POST /p/{code}, one node on SQLite" "$sqlite_rps" "$sqlite_p99" "$(ratio "$sqlite_rps" "$sqlite_commits") × SQLite commits"
printf "%-58s %10s %9s %22s\n" "raw PostgreSQL one-row commits, 64 clients (baseline)" "$pg_commits" "-" "1.00"
printf "%-58s %10s %9s %22s\n" "POST /p/{code}, one node on PostgreSQL" "$one_rps" "$one_p99" "$(ratio "$one_rps" "$pg_commits") × PG commits"
printf "%-58s %10s %9s %22s\n" "POST /p/{code}, three nodes on one PostgreSQL" "$three_rps" "$three_p99" "$(ratio "$three_rps" "$pg_commits") × PG commits"
echo "non-303 answers: SQLite $sqlite_bad, one node $one_bad, three nodes $three_bad; reports on PostgreSQL: $stored, days with a gap in their numbers: $gaps"
' bench "$bin" "$seconds"
