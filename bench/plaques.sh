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
# seconds COMMAND…: runs it, stdout discarded, and prints how long it took.
seconds() { local a b; a=$(now); "$@" >/dev/null; b=$(now); python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$a" "$b"; }
# line LABEL SECONDS [CLI_SECONDS]: the rate, and how many times the CLI's rate it is.
line() {
  python3 -c "
import sys
label, n, t = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
ratio = f'  {float(sys.argv[4]) / t:5.1f}x the CLI' if len(sys.argv) > 4 else ''
print(f'{label:<34}{n / t:9.1f}/s  ({t:.2f} s for {n}){ratio}')" "$1" "$count" "${@:2}"
}
cli() {  # one qrencode process per URL, like a shell loop over a list would
  local i=0
  mkdir -p "$work/cli-$1"
  while read -r url; do qrencode -l H -t "$1" -o "$work/cli-$1/$i" "$url"; i=$((i + 1)); done <"$work/urls"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); files in $base"
# Every figure is a whole process (or, for the CLI, all N processes), start-up included.
cli_svg=$(seconds cli SVG)
cli_png=$(seconds cli PNG)
line "qrencode CLI -t SVG" "$cli_svg"
line "qrencode CLI -t PNG" "$cli_png"
line "whistle dev qr-batch svg" "$(seconds "$bin" dev qr-batch --count "$count" --format svg --out "$work/batch-svg")" "$cli_svg"
line "whistle dev qr-batch png" "$(seconds "$bin" dev qr-batch --count "$count" --format png --out "$work/batch-png")" "$cli_png"
line "whistle plaques --format svg" "$(seconds "$bin" plaques --all --format svg --out "$work/svg" --db "$work/b.sqlite")" "$cli_svg"
line "whistle plaques --format png" "$(seconds "$bin" plaques --all --format png --out "$work/png" --db "$work/b.sqlite")" "$cli_png"
line "whistle plaques --format pdf" "$(seconds "$bin" plaques --all --format pdf --out "$work/pdf" --db "$work/b.sqlite")"
line "whistle plaques --sheet a4" "$(seconds "$bin" plaques --all --format pdf --sheet a4 --out "$work/sheet" --db "$work/b.sqlite")"
