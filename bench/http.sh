#!/usr/bin/env bash
# The front door under load: wrk (Debian) on loopback against a release `whistle serve`, each figure beside a baseline
# measured in the same run. GET /healthz is the baseline for pages; the disk's raw one-row commit rate
# (bench/commit-rate.py, WAL + synchronous=FULL, same folder) is the baseline for durable report POSTs.
# Usage: bench/http.sh [SECONDS]   (default 10 s a run)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
command -v wrk >/dev/null || { echo "bench/http.sh needs wrk (apt-get install wrk)"; exit 1; }
swift build -c release --product whistle >/dev/null
bin=$(swift build -c release --show-bin-path)/whistle
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
trap 'kill $server 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
db="$work/bench.sqlite"
"$bin" import assets/demo/street.yaml --db "$db" >/dev/null
"$bin" serve --db "$db" --port "$port" --client-burst 100000000 --point-burst 100000000 >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
sleep 2
# Resident memory, and the part of it that is the process's own (RssAnon: heap and stacks, not the mapped binary and
# shared libraries, which the kernel can drop and share).
rss() { awk '/VmRSS/ {r = $2} /RssAnon/ {a = $2} END {printf "%.1f MB (own %.1f MB)", r / 1024, a / 1024}' "/proc/$server/status"; }
idle=$(rss)

code=$(sqlite3 "$db" "SELECT code FROM point WHERE id = 'statue-south-gate'")
: >"$work/tokens"
# The 4 points of community 1 with its 8 categories (report-post.lua), as before the street: the same workload.
for point in $(sqlite3 "$db" "SELECT id FROM point WHERE active AND community_id = 1"); do
  pc=$(sqlite3 "$db" "SELECT code FROM point WHERE id = '$point'")
  "$bin" dev form-tokens --point "$point" --count 60000 --db "$db" | sed "s/^/$pc /" >>"$work/tokens"
done
shuf "$work/tokens" -o "$work/tokens"

threads=2
conns=64
# wrk prints "Requests/sec: N" and, with --latency, "99% Xms"; both are read here.
run() {
  local out
  out=$(wrk -t$threads -c$conns -d"${seconds}s" --latency "$@" 2>&1)
  local rps p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx or 3xx/ {print $5}' <<<"$out")
  echo "$rps ${p99:-?} ${errors:-0}"
}
read -r healthz healthz_p99 _ < <(run "http://127.0.0.1:$port/healthz")
read -r page page_p99 page_bad < <(run "http://127.0.0.1:$port/p/$code")
read -r posts posts_p99 posts_bad < <(run -s bench/report-post.lua "http://127.0.0.1:$port" -- "$work/tokens" "$threads")
after=$(rss)
commit=$(python3 bench/commit-rate.py "$work" 5)
stored=$(sqlite3 "$db" "SELECT COUNT(*) FROM report")
linked=$(sqlite3 "$db" "SELECT COUNT(*) FROM report WHERE status = 'duplicate'")
batches=$(curl -s "http://127.0.0.1:$port/metrics" | awk '/^whistle_report_commits_total/ {print $2}')

ratio() { python3 -c "print(f'{float($1) / float($2):.2f}')"; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); wrk -t$threads -c$conns -d${seconds}s on loopback"
printf '%-44s %12s %10s %16s\n' "run" "req/s" "p99" "ratio"
printf '%-44s %12s %10s %16s\n' "GET /healthz (baseline)" "$healthz" "$healthz_p99" "1.00"
printf '%-44s %12s %10s %16s\n' "GET /p/{code} (form, scan counted)" "$page" "$page_p99" "$(ratio "$page" "$healthz") × healthz"
printf '%-44s %12s %10s %16s\n' "POST /p/{code} (durable report, own token)" "$posts" "$posts_p99" "$(ratio "$posts" "$healthz") × healthz"
printf '%-44s %12s %10s %16s\n' "raw SQLite WAL FULL one-row commits (baseline)" "$commit" "-" "$(ratio "$posts" "$commit") × commits"
echo "non-303 POST answers: $posts_bad; non-200 page answers: $page_bad; reports stored: $stored ($linked linked as duplicates); commits: ${batches:-?}"
echo "server RSS: idle $idle, after the POST run $after"
