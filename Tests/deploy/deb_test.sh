#!/usr/bin/env bash
# The Debian package (issue #19): it installs, runs as its own user from /usr/lib/whistle (never reading the
# checkout), upgrades a database written by an earlier release in place (backing it up first), and removes cleanly
# while keeping the data. It installs into this machine, so it runs only as root with CI=true or WHISTLE_DEB_TEST=1,
# and refuses to touch a machine where whistle is already installed.
#   WHISTLE_DEB=path.deb  test that package as the newer one (make release-check), instead of packing the debug build.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
failures=0
fail() { echo "deb test: $*"; failures=$((failures + 1)); }

if [ "$(id -u)" != 0 ] || { [ "${CI:-}" != true ] && [ "${WHISTLE_DEB_TEST:-}" != 1 ]; }; then
	echo "deb test: skipped (it installs into this machine: run as root with CI=true or WHISTLE_DEB_TEST=1)"
	exit 0
fi
if dpkg-query -W -f='${Status}' whistle 2>/dev/null | grep -q installed || getent passwd whistle >/dev/null || [ -e /var/lib/whistle ]; then
	echo "deb test: whistle (or its user or /var/lib/whistle) is already on this machine; the test will not touch it"
	[ "${CI:-}" = true ] && exit 1 || exit 0
fi
work=$(mktemp -d)
server=
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
	dpkg -P whistle >/dev/null 2>&1
	rm -rf /var/lib/whistle "$work"
	getent passwd whistle >/dev/null && deluser --quiet --system whistle >/dev/null 2>&1
	getent group whistle >/dev/null && delgroup --quiet --system whistle >/dev/null 2>&1
	true
}
trap cleanup EXIT

# Two versions from one binary: what is old is the database, written by the schema of an earlier release.
binary=$root/.build/debug/whistle
resources=$root/.build/debug/whistle_WhistleServer.resources
old=$(bash "$root/scripts/build-deb.sh" --binary "$binary" --resources "$resources" --version 0.19.0~test1 --out "$work" --fast) || fail "build 0.19.0~test1"
new=${WHISTLE_DEB:-$(bash "$root/scripts/build-deb.sh" --binary "$binary" --resources "$resources" --version 0.19.0 --out "$work" --fast)} || fail "build 0.19.0"
lintian --fail-on error --tag-display-limit 0 "$new" >"$work/lintian.log" 2>&1 || fail "lintian errors: $(grep '^E:' "$work/lintian.log" | head -5)"

# Install: the user, its state directory, the units, a binary that finds its resources under /usr/lib/whistle.
dpkg -i "$old" >"$work/install.log" 2>&1 || fail "dpkg -i: $(tail -5 "$work/install.log")"
getent passwd whistle >/dev/null || fail "no whistle user"
[ "$(stat -c '%U %a' /var/lib/whistle)" = "whistle 750" ] || fail "/var/lib/whistle is $(stat -c '%U %a' /var/lib/whistle)"
[ "$(readlink /usr/bin/whistle)" = ../lib/whistle/whistle ] || fail "/usr/bin/whistle -> $(readlink /usr/bin/whistle)"
[ -f /usr/lib/whistle/whistle_WhistleServer.resources/Templates/layout.mustache ] || fail "templates not installed"
if command -v systemd-analyze >/dev/null; then
	systemd-analyze verify --man=no /lib/systemd/system/whistle.service /lib/systemd/system/whistle-backup.service \
		/lib/systemd/system/whistle-backup.timer >"$work/verify.log" 2>&1
	[ -s "$work/verify.log" ] && fail "installed units: $(head -3 "$work/verify.log")"
fi

# A database written by an earlier release (schema v8), as a deployment would hold it.
db=/var/lib/whistle/whistle.sqlite
sqlite3 "$db" <"$root/Tests/Fixtures/v8-history.sql" || fail "could not load the v8 history"
chown whistle:whistle "$db"
before=$(sqlite3 "$db" "SELECT COUNT(*) FROM report")

[ "$(stat -c '%U:%G %a' /etc/default/whistle)" = "root:whistle 640" ] || fail "/etc/default/whistle is $(stat -c '%U:%G %a' /etc/default/whistle)"
# A setting as systemd reads it (unquoted, with a space) must not break the upgrade's script.
sed -i 's/^WHISTLE_SERVE_OPTIONS=.*/WHISTLE_SERVE_OPTIONS=--metrics-from 10.0.0.5/' /etc/default/whistle

# Upgrade: postinst backs it up with the new binary, then opens it (migrating) and checks it.
dpkg -i "$new" >"$work/upgrade.log" 2>&1 || fail "upgrade: $(tail -5 "$work/upgrade.log")"
backup=/var/lib/whistle/backups/pre-upgrade-0.19.0~test1.backup
[ -f "$backup" ] || fail "no pre-upgrade backup: $(ls /var/lib/whistle/backups)"
[ "$(sqlite3 "$backup" "SELECT value FROM whistle_backup WHERE key = 'schema'")" = "v8 catalogue version" ] || fail "the backup is not of the v8 database"
latest=$(sqlite3 "$db" "SELECT identifier FROM grdb_migrations ORDER BY rowid DESC LIMIT 1")
[ "$latest" != "v8 catalogue version" ] || fail "the database was not migrated"
[ "$(sqlite3 "$db" "SELECT COUNT(*) FROM report")" = "$before" ] || fail "report count changed in the upgrade"
[ "$(sqlite3 "$db" "PRAGMA integrity_check")" = ok ] || fail "integrity_check after the upgrade"
[ "$(stat -c %U "$db")" = whistle ] || fail "the database is owned by $(stat -c %U "$db")"
runuser -u whistle -- /usr/bin/whistle check --db "$db" >"$work/check.log" 2>&1 || fail "whistle check: $(cat "$work/check.log")"
grep -q "ok, schema $latest, $before reports" "$work/check.log" || fail "whistle check says: $(cat "$work/check.log")"
# Every migration this release knows was applied (the binary's list, read from its own fresh database).
runuser -u whistle -- /usr/bin/whistle import /usr/share/doc/whistle/examples/community.yaml --db /var/lib/whistle/fresh.sqlite >/dev/null 2>&1 ||
	fail "importing the shipped example community failed"
[ "$(sqlite3 /var/lib/whistle/fresh.sqlite "SELECT COUNT(*) FROM grdb_migrations")" = "$(sqlite3 "$db" "SELECT COUNT(*) FROM grdb_migrations")" ] ||
	fail "the upgraded database lacks migrations a new one has"
rm -f /var/lib/whistle/fresh.sqlite*

# It serves from the installed files, as its user, from a folder that is not the checkout.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
code=$(cd / && runuser -u whistle -- env -i PATH=/usr/bin:/bin /usr/bin/whistle points list --json --db "$db" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["code"])')
(cd / && exec runuser -u whistle -- env -i PATH=/usr/bin:/bin /usr/bin/whistle serve --db "$db" --port "$port") >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
status=$(curl -s -o "$work/page.html" -w '%{http_code}' "http://127.0.0.1:$port/p/$code")
[ "$status" = 200 ] && grep -q form_token "$work/page.html" || fail "GET /p/$code through the installed binary: $status $(tail -3 "$work/serve.log")"
kill "$server"; wait "$server" 2>/dev/null; server=
[ "$(stat -c %U "$db-wal" 2>/dev/null || echo whistle)" = whistle ] || fail "the WAL file is not the whistle user's"

# Remove keeps the data and the user; purge removes the settings.
dpkg -r whistle >"$work/remove.log" 2>&1 || fail "dpkg -r: $(tail -3 "$work/remove.log")"
[ ! -e /usr/lib/whistle/whistle ] && [ ! -e /usr/bin/whistle ] && [ ! -e /lib/systemd/system/whistle.service ] || fail "dpkg -r left files behind"
[ -f "$db" ] && getent passwd whistle >/dev/null || fail "dpkg -r removed the data or the user"
[ -f /etc/default/whistle ] || fail "dpkg -r removed the conffile (only purge should)"
dpkg -P whistle >/dev/null 2>&1 || fail "dpkg -P"
[ ! -e /etc/default/whistle ] || fail "dpkg -P kept /etc/default/whistle"
[ -f "$db" ] || fail "dpkg -P removed the reports"

if [ "$failures" = 0 ]; then
	echo "deb test: installs, upgrades a v8 database ($before reports, backed up first) to '$latest', serves as whistle from /usr/lib/whistle, removes keeping the data; lintian: no errors"
fi
exit "$failures"
