#!/usr/bin/env bash
# API fuzzing: schemathesis (PyPI) generates requests from Sources/WhistleServer/openapi.yaml and runs them against a
# real `whistle serve` on loopback with the secretary's token (who may call everything), for a bounded number of
# examples per operation. Fails on any 5xx or any answer the document does not allow (status, content type, schema).
# The live feed (/events) streams forever and is left to its own tests.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${WHISTLE_BIN:-.build/debug/whistle}
examples=${FUZZ_EXAMPLES:-30}
work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
db="$work/fuzz.sqlite"
"$bin" import Tests/Fixtures/community-single.yaml --db "$db" >/dev/null
"$bin" dev seed --reports 200 --days 3 --open 20 --db "$db" >/dev/null
token=$("$bin" responders token r-shang --db "$db" | grep -Eo '[A-Za-z0-9_-]{30,}' | head -1)
"$bin" serve --db "$db" --port "$port" >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
status=0
timeout 600 schemathesis --config-file Tests/api/schemathesis.toml run Sources/WhistleServer/openapi.yaml --url "http://127.0.0.1:$port/api/v1" \
  -H "Authorization: Bearer $token" --max-examples "$examples" --seed 20261125 \
  --exclude-path /events --request-timeout 10 --no-color >"$work/fuzz.out" 2>&1 || status=$?
if [ $status -ne 0 ]; then
  grep -v "^$" "$work/fuzz.out" | head -150
  echo "API fuzzing failed (server log: last lines below)"
  tail -20 "$work/serve.log"
  exit 1
fi
grep -E "passed|failed|error" "$work/fuzz.out" | tail -3
echo "API fuzzing: schemathesis, $examples examples an operation: no 5xx, every answer as documented"
