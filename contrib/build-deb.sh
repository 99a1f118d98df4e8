#!/bin/sh
# Build the Debian package of sfrevops-mcp from this tree:
#
#	sh contrib/build-deb.sh [OUTDIR]	(default: build/deb)
#
# The tree's files (tracked, and new ones not ignored: what `git status`
# would show) are copied into a scratch directory, contrib/debian becomes
# its debian/, and dpkg-buildpackage -us -uc -b builds the binary
# package there, so the working tree gets no debian/ and no in-tree
# build.  The .deb, .changes and .buildinfo land in OUTDIR; lintian runs
# on the .changes when it is installed, and its output is in
# OUTDIR/lintian.txt.  Needs dpkg-dev, debhelper and the Build-Depends
# of contrib/debian/control (dpkg-checkbuilddeps says which are missing).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build/deb}
case $out in /*) ;; *) out=$(pwd)/$out ;; esac
version=$(sed -n '1s/^sfrevops-mcp (\([^)]*\)).*/\1/p' \
    "$top/contrib/debian/changelog")
[ -n "$version" ] || { echo "build-deb: no version in contrib/debian/changelog" >&2; exit 1; }

scratch=$(mktemp -d "${TMPDIR:-/tmp}/sfrevops-deb.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
src=$scratch/sfrevops-mcp-$version
mkdir "$src"
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$top" && git ls-files -z --cached --others --exclude-standard |
	    xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
	    tar --null --no-recursion -T - -cf - | tar -xf - -C "$src")
else
	# A release tarball: everything but build trees and node modules.
	(cd "$top" && tar --exclude=./build --exclude=node_modules \
	    --exclude=autom4te.cache -cf - .) | tar -xf - -C "$src"
fi
rm -rf "$src/debian"
cp -R "$top/contrib/debian" "$src/debian"

(cd "$src" && dpkg-checkbuilddeps && dpkg-buildpackage -us -uc -b)

mkdir -p "$out"
rm -f "$out"/sfrevops-mcp*_*.deb "$out"/sfrevops-mcp_*.changes \
    "$out"/sfrevops-mcp_*.buildinfo
cp "$scratch"/sfrevops-mcp*_"$version"_*.deb \
    "$scratch"/sfrevops-mcp_"$version"_*.changes \
    "$scratch"/sfrevops-mcp_"$version"_*.buildinfo "$out"/
if command -v lintian >/dev/null 2>&1; then
	# -I: info tags too; the overrides in contrib/debian say why each
	# remaining tag stays.  --fail-on error,warning: those fail the build.
	lintian -I --fail-on error,warning "$out"/sfrevops-mcp_"$version"_*.changes \
	    >"$out/lintian.txt" 2>&1 || { cat "$out/lintian.txt" >&2; exit 1; }
	cat "$out/lintian.txt"
fi
ls "$out"/sfrevops-mcp_"$version"_*.deb
