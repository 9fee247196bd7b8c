#!/usr/bin/env bash
# Builds the Debian package from a built binary and its resources (issue #19):
#   scripts/build-deb.sh --binary B --resources R --version V --out DIR [--fast]
# Layout: /usr/lib/whistle/{whistle,whistle_WhistleServer.resources/}, /usr/bin/whistle -> ../lib/whistle/whistle,
# the units in /lib/systemd/system, the conffile /etc/default/whistle, docs and examples in /usr/share/doc/whistle.
# Depends come from dpkg-shlibdeps on the binary, plus what it loads at run time (libvips is dlopened) or needs to
# print plaques (the CJK font). --fast compresses lightly (tests); a release uses xz.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
binary= resources= version= out= fast=no
while [ $# -gt 0 ]; do
	case $1 in
	--binary) binary=$2; shift 2 ;;
	--resources) resources=$2; shift 2 ;;
	--version) version=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--fast) fast=yes; shift ;;
	*) echo "build-deb: unknown argument $1" >&2; exit 2 ;;
	esac
done
[ -x "$binary" ] && [ -d "$resources" ] && [ -n "$version" ] && [ -n "$out" ] || {
	echo "usage: build-deb.sh --binary B --resources R --version V --out DIR [--fast]" >&2
	exit 2
}
arch=$(dpkg --print-architecture)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stage=$work/whistle_${version}_$arch
umask 022

install -d "$stage/usr/lib/whistle" "$stage/usr/bin" "$stage/lib/systemd/system" "$stage/etc/default" \
	"$stage/usr/share/doc/whistle/examples/street" "$stage/usr/share/doc/whistle/examples/nginx" "$stage/usr/share/lintian/overrides" \
	"$stage/DEBIAN"
install -m 0755 "$binary" "$stage/usr/lib/whistle/whistle"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$stage/usr/lib/whistle/whistle"
cp -r "$resources" "$stage/usr/lib/whistle/whistle_WhistleServer.resources"
find "$stage/usr/lib/whistle/whistle_WhistleServer.resources" -type d -exec chmod 0755 {} + -o -type f -exec chmod 0644 {} +
ln -s ../lib/whistle/whistle "$stage/usr/bin/whistle"
install -m 0644 "$root"/deploy/systemd/whistle.service "$root"/deploy/systemd/whistle-backup.service "$root"/deploy/systemd/whistle-backup.timer \
	"$stage/lib/systemd/system/"
install -m 0644 "$root/deploy/debian/default" "$stage/etc/default/whistle"
install -m 0644 "$root/deploy/debian/copyright" "$stage/usr/share/doc/whistle/copyright"
install -m 0644 "$root/README.md" "$stage/usr/share/doc/whistle/README.md"
install -m 0644 "$root/Tests/Fixtures/community-single.yaml" "$stage/usr/share/doc/whistle/examples/community.yaml"
install -m 0644 "$root"/Tests/Fixtures/street/*.yaml "$stage/usr/share/doc/whistle/examples/street/"
install -m 0644 "$root/deploy/nginx/whistle.conf" "$stage/usr/share/doc/whistle/examples/nginx/whistle.conf"
gzip -9n "$stage/usr/share/doc/whistle/README.md"
{
	echo "whistle ($version) stable; urgency=medium"
	echo
	echo "  * Release $version; see README.md.gz for what changed."
	echo
	echo " -- Whistle developers <whistle@example.cn>  $(date -R -d @"${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || date +%s)}")"
} | gzip -9n >"$stage/usr/share/doc/whistle/changelog.gz"
cat >"$stage/usr/share/lintian/overrides/whistle" <<'OVERRIDES'
# Swift binaries carry their runtime's search path; a release links the Swift runtime statically.
whistle: custom-library-search-path *
# The Swift packages link BoringSSL, zlib and ICU data statically.
whistle: embedded-library *
# One binary with its resources beside it, as SwiftPM lays them out.
whistle: executable-in-usr-lib *
whistle: no-manual-page *
OVERRIDES
chmod 0644 "$stage/usr/share/lintian/overrides/whistle"

# Depends: what the binary links (from the packages that ship those libraries), and what it loads or uses at run time.
mkdir -p "$work/shlibs/debian"
printf 'Source: whistle\n\nPackage: whistle\nArchitecture: any\n' >"$work/shlibs/debian/control"
shlibs=$(cd "$work/shlibs" && dpkg-shlibdeps -O --ignore-missing-info -e "$stage/usr/lib/whistle/whistle" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
depends="$shlibs, libvips42 (>= 8.14), fonts-noto-cjk, adduser"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat >"$stage/DEBIAN/control" <<CONTROL
Package: whistle
Version: $version
Architecture: $arch
Maintainer: Whistle developers <whistle@example.cn>
Installed-Size: $size
Depends: $depends
Recommends: nginx, sqlite3
Section: web
Priority: optional
Homepage: https://github.com/whistle-community/whistle
Description: community reports with a 10-minute promise (群众吹哨，服务报到)
 Whistle prints QR plaques for a community's red-whistle statues, service
 stations and merchant signs; residents scan one and report a problem in a
 tiny form; a dispatcher pages the grid worker on duty and escalates step by
 step until someone takes the report, within the community's promise.
 Responders take, resolve and whistle reports to departments from the phone
 or the command line; the community and street office get the SLA report.
CONTROL
echo "/etc/default/whistle" >"$stage/DEBIAN/conffiles"
for script in postinst prerm postrm; do install -m 0755 "$root/deploy/debian/$script" "$stage/DEBIAN/$script"; done
(cd "$stage" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum >DEBIAN/md5sums)
chmod 0644 "$stage/DEBIAN/md5sums" "$stage/DEBIAN/control" "$stage/DEBIAN/conffiles"

mkdir -p "$out"
if [ "$fast" = yes ]; then compress=(-Zgzip -z1); else compress=(-Zxz); fi
dpkg-deb --root-owner-group "${compress[@]}" --build "$stage" "$out/whistle_${version}_$arch.deb" >/dev/null
echo "$out/whistle_${version}_$arch.deb"
