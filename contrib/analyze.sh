#!/bin/sh
# Static analysis of src/: gcc -fanalyzer and the clang static analyzer
# (scan-build, Debian's clang-tools-NN), each over a fresh build of every
# program.  A finding fails the run unless contrib/analyze.suppress
# explains it; the source line carries the same explanation in a
# comment.  An entry matches on the tool, the file, the checker and the
# text of the flagged line (not its number, which moves with every
# edit), so a new finding elsewhere is never hidden by an old entry.
#
# Usage: contrib/analyze.sh [BUILD-DIR]   (default build/analyze)
# Prints one line per finding, then "analyze: N findings, N explained,
# N unexplained"; exits 1 when any is unexplained or a tool is missing.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build/analyze}
jobs=$(nproc 2>/dev/null || echo 2)
supp=$top/contrib/analyze.suppress
[ -x "$top/configure" ] || (cd "$top" && autoreconf -fi)

scan=
for s in scan-build scan-build-19 scan-build-16 scan-build-15 scan-build-14; do
	if command -v "$s" >/dev/null 2>&1; then scan=$s; break; fi
done
[ -n "$scan" ] || { echo "analyze: no scan-build (apt-get install clang-tools)" >&2; exit 1; }
command -v gcc >/dev/null 2>&1 || { echo "analyze: no gcc" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out/gcc" "$out/clang"
# gcc: -fanalyzer at -O1 (its documented use); -Wno-error last so that
# every finding is listed rather than the first one stopping the build
# (the plain build keeps -Werror for the ordinary warnings).
(cd "$out/gcc" && "$top/configure" -q CFLAGS="-O1 -g -fanalyzer" &&
    make -s -j"$jobs" CFLAGS="-O1 -g -fanalyzer -Wno-error" all) \
    >"$out/gcc.log" 2>&1 || { cat "$out/gcc.log" >&2; exit 1; }
# clang: scan-build wraps the compiler; its diagnostics carry the checker
# name in brackets like the compiler's own warnings.
(cd "$out/clang" && "$scan" "$top/configure" -q CC=clang &&
    "$scan" -o "$out/clang/report" make -s -j"$jobs" all) \
    >"$out/clang.log" 2>&1 || { cat "$out/clang.log" >&2; exit 1; }

# tool<TAB>file<TAB>line<TAB>checker<TAB>message, src/ only, once each.
{
	sed -n 's/^\(.*src\/[^:]*\):\([0-9]*\):[0-9]*: warning: \(.*\) \[\(-Wanalyzer-[^]]*\)\]$/gcc	\1	\2	\4	\3/p' "$out/gcc.log"
	sed -n 's/^\(.*src\/[^:]*\):\([0-9]*\):[0-9]*: warning: \(.*\) \[\([a-z][a-zA-Z]*\.[a-zA-Z.]*\)\]$/clang	\1	\2	\4	\3/p' "$out/clang.log"
} | sed 's/	[^	]*\(src\/[^	]*\)	/	\1	/' | sort -u >"$out/findings"

n=0 ok=0 bad=0
while IFS='	' read -r tool file line checker msg; do
	n=$((n + 1))
	text=$(sed -n "${line}p" "$top/$file" | sed 's/^[ 	]*//; s/[ 	]*$//; s/	/ /g')
	why=$(awk -F '\t' -v t="$tool" -v f="$file" -v c="$checker" -v x="$text" \
	    '!/^#/ && $1 == t && $2 == f && $3 == c && $4 == x { print $5; exit }' \
	    "$supp")
	if [ -n "$why" ]; then
		ok=$((ok + 1))
		echo "explained: $tool $file:$line [$checker] $msg: $why"
	else
		bad=$((bad + 1))
		echo "UNEXPLAINED: $tool $file:$line [$checker] $msg: $text"
	fi
done <"$out/findings"
echo "analyze: $n findings, $ok explained, $bad unexplained"
[ "$bad" -eq 0 ]
