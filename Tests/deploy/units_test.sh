#!/usr/bin/env bash
# The shipped systemd units (deploy/systemd/) are valid, sandboxed, and agree with the nginx site (issue #19).
# systemd need not be PID 1: `systemd-analyze verify` and `security --offline` read the unit files. Without
# systemd-analyze this prints a skip (a failure under CI=true).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
binary=${WHISTLE_BIN:-$root/.build/debug/whistle}
failures=0
fail() { echo "units test: $*"; failures=$((failures + 1)); }

if ! command -v systemd-analyze >/dev/null; then
	echo "units test: skipped, systemd-analyze is not installed (apt install systemd)"
	[ "${CI:-}" = true ] && exit 1 || exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# verify wants ExecStart's binary to exist: point it at the one just built.
for unit in "$root"/deploy/systemd/*; do
	sed "s#/usr/bin/whistle#$binary#g" "$unit" >"$work/$(basename "$unit")"
done
(cd "$work" && systemd-analyze verify --man=no ./whistle.service ./whistle-backup.service ./whistle-backup.timer) >"$work/verify.log" 2>&1
[ -s "$work/verify.log" ] && fail "systemd-analyze verify: $(head -5 "$work/verify.log")"
for unit in whistle.service whistle-backup.service; do
	(cd "$work" && systemd-analyze security --offline=yes --threshold=20 "./$unit") >"$work/security.log" 2>&1 ||
		fail "$unit: exposure above 2.0: $(tail -1 "$work/security.log")"
	grep -q "Overall exposure level" "$work/security.log" || fail "$unit: no security verdict: $(tail -2 "$work/security.log")"
done

# The unit and the site agree: nginx's upstream is whistle's --port on a --trusted-proxy address; the body limit sits
# above whistle's (ReportLimits.maxBody in WhistleRequestContext.swift: 8 MiB + 256 KiB), so whistle's own page answers first.
service="$root/deploy/systemd/whistle.service"
site="$root/deploy/nginx/whistle.conf"
exec_line=$(grep '^ExecStart=' "$service")
port=$(sed -n 's/.*--port \([0-9]*\).*/\1/p' <<<"$exec_line")
upstream=$(sed -n 's/^ *server \([0-9.]*\):\([0-9]*\);.*/\1 \2/p' "$site")
[ "${upstream#* }" = "$port" ] || fail "nginx upstream port ${upstream#* } is not whistle's --port $port"
grep -q -- "--trusted-proxy ${upstream% *}" <<<"$exec_line" || fail "nginx connects from ${upstream% *}, which is not a --trusted-proxy"
grep -q -- "--host 127.0.0.1" <<<"$exec_line" || fail "whistle listens beyond loopback: $exec_line"
limit=$(sed -n 's/^ *client_max_body_size \([0-9]*\)m;/\1/p' "$site")
[ $((limit * 1048576)) -gt $((8 * 1048576 + 256 * 1024)) ] || fail "client_max_body_size ${limit}m is not above whistle's 8.25 MiB"
grep -q 'proxy_buffering off' "$site" || fail "the live feed is buffered by nginx"
grep -q 'After=.*time-sync.target' "$service" || fail "whistle.service does not wait for the clock"
for key in NoNewPrivileges=yes ProtectSystem=strict StateDirectory=whistle Restart=on-failure User=whistle; do
	grep -qx "$key" "$service" || fail "whistle.service lacks $key"
done

if [ "$failures" = 0 ]; then
	echo "units test: verify clean, exposure $(cd "$work" && systemd-analyze security --offline=yes ./whistle.service 2>/dev/null | sed -n 's/.*exposure level for whistle.service: \([0-9.]*\).*/\1/p'), unit and site agree"
fi
exit "$failures"
