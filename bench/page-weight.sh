#!/usr/bin/env bash
# Bytes a resident downloads for each page: the point page (the form) for every point kind, a 422 re-shown form,
# the status page. Raw and gzip -9 (what a compressing proxy would send). Budget: 12 KB raw for the form.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product whistle >/dev/null
bin=$(swift build --show-bin-path)/whistle
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" import assets/demo/street.yaml --db "$work/w.sqlite" >/dev/null
"$bin" serve --db "$work/w.sqlite" --port "$port" 2>/dev/null &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

measure() {
  local label=$1 file=$2
  printf '%-34s %6d bytes raw  %5d bytes gzip\n' "$label" "$(wc -c <"$file")" "$(gzip -9c "$file" | wc -c)"
}
"$bin" points list --json --db "$work/w.sqlite" | python3 -c 'import json,sys; [print(p["id"], p["code"]) for p in json.load(sys.stdin)]' |
while read -r id code; do
  curl -s "http://127.0.0.1:$port/p/$code" -o "$work/$id.html"
  measure "GET /p/{code} ($id)" "$work/$id.html"
done
code=$("$bin" points list --json --db "$work/w.sqlite" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["code"])')
curl -s "http://127.0.0.1:$port/p/$code?lang=en" -o "$work/en.html"
measure "GET /p/{code}?lang=en" "$work/en.html"
token=$(grep -o 'name="form_token" value="[^"]*"' "$work/en.html" | cut -d'"' -f4)
curl -s -o "$work/422.html" -F "form_token=$token" -F "category=water" -F "description=" "http://127.0.0.1:$port/p/$code"
measure "POST /p/{code} → 422 form" "$work/422.html"
curl -s -D "$work/h" -o /dev/null -F "form_token=$token" -F "category=water" -F "description=漏水" -F "website=" "http://127.0.0.1:$port/p/$code"
location=$(grep -i '^location:' "$work/h" | tr -d '\r' | cut -d' ' -f2)
curl -s "http://127.0.0.1:$port$location" -o "$work/status.html"
measure "GET /t/{number}?k=… (status)" "$work/status.html"
