#!/usr/bin/env bash
# Plaques per second: `whistle plaques` (one process, in-process batch) against the `qrencode` CLI
# (one process per code, QR only, no layout or text) for the same number of codes.
# Usage: bench/plaques.sh [COUNT]   (builds release first; prints one line per measurement)
#
# Files go to a tmpfs (/dev/shm) when there is one, for both tools alike, so that what is measured
# is the tools and not the state of the disk (on this machine's ext4, file creation alone ranged
# from 3,400 to 38,000 files/s within one session). BENCH_DIR=/some/disk/folder measures a disk.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-1000}
swift build -c release --product whistle >/dev/null
bin=$(swift build -c release --show-bin-path)/whistle
base=${BENCH_DIR:-$([ -d /dev/shm ] && [ -w /dev/shm ] && echo /dev/shm || echo "${TMPDIR:-/tmp}")}
work=$(mktemp -d "$base/whistle-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# A community with $count points, alternating kinds.
python3 - "$count" >"$work/community.yaml" <<'PY'
import sys
n = int(sys.argv[1])
print("community: 晨宇社区\nbase_url: https://whistle.example.cn\ncategories:\n  water: 漏水\ngrids:\n  - {id: g1, name: 第一网格}")
print("responders:\n  - {id: r1, name: 赵, role: grid_worker}\npoints:")
kinds = ["statue", "station", "merchant"]
for i in range(n):
    print(f"  - {{id: p{i}, kind: {kinds[i % 3]}, name: 点位{i}号, grid: g1, services: [免费测血压, 应急药品]}}")
PY
"$bin" import "$work/community.yaml" --db "$work/b.sqlite" >/dev/null
"$bin" points list --json --db "$work/b.sqlite" | python3 -c 'import json,sys; [print(p["url"]) for p in json.load(sys.stdin)]' >"$work/urls"

now() { date +%s.%N; }
rate() { python3 -c "import sys; n,a,b=int(sys.argv[1]),float(sys.argv[2]),float(sys.argv[3]); print(f'{n/(b-a):8.1f}/s  ({b-a:.2f} s for {n})')" "$@"; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); files in $base"
for format in svg png pdf; do
  start=$(now); "$bin" plaques --all --format "$format" --out "$work/$format" --db "$work/b.sqlite" >/dev/null; end=$(now)
  printf 'whistle plaques --format %-4s %s\n' "$format" "$(rate "$count" "$start" "$end")"
done
start=$(now); "$bin" plaques --all --format pdf --sheet a4 --out "$work/sheet" --db "$work/b.sqlite" >/dev/null; end=$(now)
printf 'whistle plaques --sheet a4    %s\n' "$(rate "$count" "$start" "$end")"
for format in svg png; do
  # Timed from outside, process start included, like the CLI runs below.
  start=$(now); "$bin" dev qr-batch --count "$count" --format "$format" --out "$work/batch-$format" >/dev/null; end=$(now)
  printf 'whistle dev qr-batch %-4s     %s\n' "$format" "$(rate "$count" "$start" "$end")"
done
for type in SVG PNG; do
  mkdir -p "$work/cli-$type"
  start=$(now)
  i=0
  while read -r url; do qrencode -l H -t "$type" -o "$work/cli-$type/$i" "$url"; i=$((i + 1)); done <"$work/urls"
  end=$(now)
  printf 'qrencode CLI -t %-4s          %s\n' "$type" "$(rate "$count" "$start" "$end")"
done
