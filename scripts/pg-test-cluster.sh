#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: `start` makes one in a temp folder, owned by the unprivileged
# `postgres` user (initdb refuses root), listening on 127.0.0.1 at a free port and on a socket in that folder, and
# prints its URL and folder; `stop FOLDER` stops it and removes the folder; `run CMD…` runs a command with
# WHISTLE_TEST_POSTGRES_URL set and stops the cluster after it. fsync is off: this cluster holds test data only (the
# URL says `allow_fsync_off=1`, which the store otherwise refuses), unless DURABLE=1 (benchmarks of durable writes).
set -euo pipefail

bindir() {
	local dir
	for dir in /usr/lib/postgresql/*/bin; do [ -x "$dir/initdb" ] && { echo "$dir"; return; }; done
	command -v initdb >/dev/null && dirname "$(command -v initdb)" && return
	echo "no PostgreSQL server binaries (Debian package postgresql)" >&2
	return 1
}

as_owner() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
start)
	bin=$(bindir)
	dir=$(mktemp -d /tmp/whistle-pg.XXXXXX)
	[ "$(id -u)" = 0 ] && chown postgres: "$dir"
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	as_owner "$bin/initdb" -D "$dir/data" -U whistle --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 \
		|| { cat "$dir/initdb.log" >&2; exit 1; }
	unsafe="-c fsync=off -c full_page_writes=off" flag="&allow_fsync_off=1"
	[ "${DURABLE:-}" = 1 ] && unsafe="" flag=""
	as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
		-o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir $unsafe -c max_connections=500" \
		start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
	as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U whistle whistle
	echo "postgres://whistle@127.0.0.1:$port/whistle?sslmode=disable$flag&pool=4 $dir"
	;;
stop)
	dir=${2:?usage: $0 stop FOLDER}
	[ -d "$dir/data" ] && as_owner "$(bindir)/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
	rm -rf "$dir"
	;;
run)
	shift
	if ! out=$("$0" start); then
		[ "${CI:-}" = true ] && { echo "cannot start PostgreSQL for the tests" >&2; exit 1; }
		echo "note: PostgreSQL suites skipped: no cluster (install Debian's postgresql: make deps)" >&2
		exec "$@"
	fi
	url=${out% *}
	dir=${out##* }
	trap '"$0" stop "$dir"' EXIT INT TERM
	WHISTLE_TEST_POSTGRES_URL="$url" "$@"
	;;
*)
	echo "usage: $0 start | stop FOLDER | run COMMAND…" >&2
	exit 2
	;;
esac
