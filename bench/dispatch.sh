#!/usr/bin/env bash
# One dispatcher pass on a large history against the same pass on a small one, in the same run (release build).
# Each database holds about 500 reports nobody took; passes file fresh reports so steps keep falling due.
# Usage: bench/dispatch.sh [LARGE] [SMALL]   (default 1,000,000 and 10,000 reports)
set -euo pipefail
cd "$(dirname "$0")/.."
large=${1:-1000000}
small=${2:-10000}
swift build -c release --product whistle >/dev/null
bin=$(swift build -c release --show-bin-path)/whistle
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
for count in "$small" "$large"; do
  db="$work/d$count.sqlite"
  "$bin" import assets/demo/street.yaml --db "$db" >/dev/null
  "$bin" dev seed --reports "$count" --days 365 --open 500 --db "$db"
  "$bin" dev pass-bench --passes 200 --db "$db"
done
