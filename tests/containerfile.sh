#!/bin/sh
# tests/containerfile.sh: what can be checked of contrib/Containerfile
# without a container runtime (there is none on the CI machine: no
# podman, no Docker daemon; README, "In a container"): every shared
# library the four built executables name (DT_NEEDED) comes from a
# Debian package the run-time stage installs, or from libc6, which
# debian:12-slim has; and the entry point's init (tini) is installed.
# The image itself is built and run by tests/e2e/container.test.mjs
# (make check-container) where podman runs.  TAP; skipped without dpkg
# or readelf.
srcdir=${srcdir:-.}
cf=$srcdir/contrib/Containerfile
n=0
if ! command -v dpkg >/dev/null 2>&1 || ! command -v readelf >/dev/null 2>&1; then
	echo "1..0 # SKIP needs dpkg and readelf"
	exit 0
fi
# The packages of the second stage's apt-get install.
runtime=$(awk '/^FROM debian:12-slim/ { s = 1 } s' "$cf" |
    sed -n '/apt-get install/,/rm -rf/p' | tr ' \\\t' '\n\n\n' |
    grep -E '^lib[a-z0-9.+-]+$|^ca-certificates$|^tini$' | sort -u)
bins="sfrevops-mcp sfrevops-mcp-front sfrevops-mcp-broker sfrevops-mcp-writer"
libs=$(for b in $bins; do readelf -d "$b"; done |
    sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort -u)
echo "1..$(($(echo "$libs" | wc -l) + 2))"
n=$((n + 1))
if [ -n "$runtime" ] && echo "$runtime" | grep -qx ca-certificates; then
	echo "ok $n - the run-time stage installs:" $runtime
else
	echo "not ok $n - no run-time package list found in $cf"
fi
# PID 1 is an init, the server its child: the children take a parent of
# PID 1 for a dead one.
n=$((n + 1))
entry=$(sed -n 's/^ENTRYPOINT //p' "$cf")
case $entry in
'["/usr/bin/tini", "--", "/usr/bin/sfrevops-mcp"]')
	if echo "$runtime" | grep -qx tini; then
		echo "ok $n - the entry point runs the server under tini, which the run-time stage installs"
	else
		echo "not ok $n - the entry point names tini, which the run-time stage does not install"
	fi ;;
*)	echo "not ok $n - the entry point is $entry, not the server under tini (PID 1)" ;;
esac
for l in $libs; do
	n=$((n + 1))
	path=$(for b in $bins; do ldd "$b"; done | awk -v l="$l" '$1 == l { print $3; exit }')
	# Merged /usr: dpkg knows the file by one of its two names.
	pkg=
	for f in "$path" "$(readlink -f "$path")" "/usr$path" "${path#/usr}"; do
		[ -n "$pkg" ] && break
		pkg=$(dpkg -S "$f" 2>/dev/null | sed 's/:.*//' | head -n 1)
	done
	if [ "$pkg" = libc6 ] || echo "$runtime" | grep -qx "$pkg"; then
		echo "ok $n - $l ($pkg)"
	elif echo "$l" | grep -Eq '^lib(asan|ubsan|lsan|tsan)\.so'; then
		# A sanitizer build's runtime: no image is built from one.
		echo "ok $n - $l # SKIP a sanitizer build's runtime, not in a release build"
	else
		echo "not ok $n - $l comes from '$pkg', which the run-time stage of $cf does not install"
	fi
done
exit 0
