#!/usr/bin/env bash
# `whistle sla` over a seeded history (default 1,000,000 reports over 365 days) of the demo street's two communities,
# release build.
# Prints the seeding time and the best of 3 runs for each format; renders the HTML report with headless
# Chromium to assets/sla-report.png when --screenshot is given.
# Usage: [BASELINE_BIN=path/to/older/whistle] bench/sla.sh [REPORTS] [--screenshot]
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-1000000}
swift build -c release --product whistle >/dev/null
bin=$(swift build -c release --show-bin-path)/whistle
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db="$work/sla.sqlite"
"$bin" import assets/demo/street.yaml --db "$db" >/dev/null
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
"$bin" dev seed --reports "$count" --days 365 --db "$db"
best() {
  local best=999
  for _ in 1 2 3; do
    local start end took
    start=$(date +%s.%N); "$@" >/dev/null; end=$(date +%s.%N)
    took=$(python3 -c "print(f'{$end - $start:.3f}')")
    best=$(python3 -c "print(min($best, $took))")
  done
  echo "$best"
}
to=$(TZ=Asia/Shanghai date +%F)
from=$(TZ=Asia/Shanghai date -d '364 days ago' +%F)
# Baseline, in the same run: the sqlite3 shell reading the same covering index once and summing four columns (no
# grouping, no percentiles) — the least any report over this year can cost on this machine right now.
raw="SELECT COUNT(*), SUM(ack_seconds), SUM(resolve_seconds), SUM(rating) FROM report INDEXED BY report_sla
     WHERE local_day BETWEEN ${from//-/} AND ${to//-/} AND status <> 'rejected'"
printf 'baseline: sqlite3 one pass over report_sla  %s s\n' "$(best sqlite3 "$db" "$raw")"
# The demo street: two communities, so every run also builds the communities side by side.
for by in "" grid point category responder community; do
  for format in table json html; do
    args=(sla --db "$db" --from "$from" --to "$to" --format "$format")
    [ -n "$by" ] && args+=(--by "$by")
    printf 'whistle sla --by %-9s --format %-5s  %s s\n' "${by:-(none)}" "$format" "$(best "$bin" "${args[@]}")"
  done
done
for format in table html; do
  printf 'whistle sla --community 1    --format %-5s  %s s\n' "$format" \
    "$(best "$bin" sla --db "$db" --from "$from" --to "$to" --format "$format" --community 1)"
done
# A one-community history of the same size, seeded and read by build $2 (label $1): the html report, whole and by point.
one_community() {
  local label=$1 build=$2 file="$work/$RANDOM.sqlite"
  "$build" import Tests/Fixtures/community-single.yaml --db "$file" >/dev/null
  "$build" dev seed --reports "$count" --days 365 --db "$file" >/dev/null
  for by in "" point; do
    local args=(sla --db "$file" --from "$from" --to "$to" --format html)
    [ -n "$by" ] && args+=(--by "$by")
    printf '%s: whistle sla --by %-9s --format html  %s s\n' "$label" "${by:-(none)}" "$(best "$build" "${args[@]}")"
  done
  printf '%s: baseline sqlite3 one pass    %s s\n' "$label" "$(best sqlite3 "$file" "$raw")"
}
# What the street's side-by-side table costs: this build on one community of the same size.
one_community "one community" "$bin"
# Another build as a baseline in the same run (e.g. the previous release): BASELINE_BIN=/path/to/whistle.
if [ -n "${BASELINE_BIN:-}" ]; then one_community "baseline build, one community" "$BASELINE_BIN"; fi
if [ "${2:-}" = "--screenshot" ]; then
  # A month of the history, by grid: what a street office reads.
  "$bin" sla --db "$db" --from "$(TZ=Asia/Shanghai date -d '29 days ago' +%F)" --to "$to" --by grid --format html --out "$work/sla.html" 2>/dev/null
  # Rendered at 0.6 device pixels per CSS pixel: a readable, small image to commit.
  chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=0.6 --window-size=1000,2300 \
    --screenshot="$PWD/assets/sla-report.png" "file://$work/sla.html" >/dev/null 2>&1
  echo "screenshot: assets/sla-report.png ($(wc -c <assets/sla-report.png) bytes)"
fi
