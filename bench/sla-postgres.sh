#!/usr/bin/env bash
# `whistle sla` on PostgreSQL beside SQLite: the same seeded history (default 1,000,000 reports over 365 days of the
# demo street) in a throwaway cluster (scripts/pg-test-cluster.sh: fsync off, which a read benchmark does not feel)
# and in a SQLite file, release build. Baselines in the same run: one pass over the period summing four columns, by
# psql and by the sqlite3 shell. Best of 3 each.
# Usage: bench/sla-postgres.sh [REPORTS]
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-1000000}
swift build -c release --product whistle >/dev/null
bin=$(swift build -c release --show-bin-path)/whistle
exec bash scripts/pg-test-cluster.sh run bash -c '
set -euo pipefail
bin=$1 count=$2
work=$(mktemp -d)
trap "rm -rf $work" EXIT
admin=${WHISTLE_TEST_POSTGRES_URL%%\?*}
psql "$admin" -qc "CREATE DATABASE sla" >/dev/null
url="${admin%/*}/sla?sslmode=disable&allow_fsync_off=1"
plain="${admin%/*}/sla?sslmode=disable"
db="$work/sla.sqlite"
echo "machine: $(nproc) cores, $(grep -m1 "model name" /proc/cpuinfo | cut -d: -f2 | xargs); $(psql "$plain" -Atc "SELECT version()" | cut -d, -f1)"
for store in "$db" "$url"; do
  "$bin" import assets/demo/street.yaml --db "$store" >/dev/null
  start=$(date +%s.%N)
  "$bin" dev seed --reports "$count" --days 365 --db "$store" >/dev/null
  printf "seeded %s reports into %-10s in %.1f s\n" "$count" "$([ "$store" = "$db" ] && echo SQLite || echo PostgreSQL)" "$(python3 -c "print($(date +%s.%N) - $start)")"
done
psql "$plain" -qc "VACUUM ANALYZE report" >/dev/null
best() {
  local best=999
  for _ in 1 2 3; do
    local start end
    start=$(date +%s.%N); "$@" >/dev/null; end=$(date +%s.%N)
    best=$(python3 -c "print(round(min($best, $end - $start), 3))")
  done
  echo "$best"
}
to=$(TZ=Asia/Shanghai date +%F)
from=$(TZ=Asia/Shanghai date -d "364 days ago" +%F)
where="local_day BETWEEN ${from//-/} AND ${to//-/} AND status <> '"'"'rejected'"'"'"
printf "baseline: sqlite3 one pass over the period      %s s\n" "$(best sqlite3 "$db" "SELECT COUNT(*), SUM(ack_seconds), SUM(resolve_seconds), SUM(rating) FROM report INDEXED BY report_sla WHERE $where")"
printf "baseline: psql one pass over the period         %s s\n" "$(best psql "$plain" -Atc "SELECT COUNT(*), SUM(ack_seconds), SUM(resolve_seconds), SUM(rating) FROM report WHERE $where")"
for by in "" grid responder community; do
  for store in "$db" "$url"; do
    args=(sla --db "$store" --from "$from" --to "$to" --format json)
    [ -n "$by" ] && args+=(--by "$by")
    printf "whistle sla --by %-9s %-10s  %s s\n" "${by:-(none)}" "$([ "$store" = "$db" ] && echo SQLite || echo PostgreSQL)" "$(best "$bin" "${args[@]}")"
  done
done
' bench "$bin" "$count"
