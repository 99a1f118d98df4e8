#!/bin/sh
# Build the libFuzzer targets in tests/fuzz with clang (ASan + UBSan)
# and run each for SECONDS (default 60), starting from its seed corpus.
# Not part of `make check`: a fuzz run is open-ended, so its figures
# (executions, coverage, crashes) are reported, not asserted.
#
#   sh contrib/fuzz.sh [SECONDS] [TARGET...]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-"soql jsonrpc schema"}
out=$top/build/fuzz
mkdir -p "$out"
[ -f "$top/build/plain/config.h" ] || {
	mkdir -p "$top/build/plain"
	(cd "$top/build/plain" && "$top/configure" -q)
}
cflags="-g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined
-fno-sanitize-recover=undefined -I$top/build/plain -I$top/src
$(pkg-config --cflags libcjson)"
libs="$(pkg-config --libs libcjson) -lm"
common="$top/src/util.c $top/src/log.c"
for t in $targets; do
	case $t in
	soql) srcs="$top/src/soql.c" ;;
	jsonrpc) srcs="$top/src/jsonrpc.c" ;;
	schema) srcs="$top/src/schema.c" ;;
	*) echo "unknown target $t" >&2; exit 2 ;;
	esac
	# shellcheck disable=SC2086
	clang $cflags -o "$out/fuzz_$t" "$top/tests/fuzz/fuzz_$t.c" $srcs \
	    $common $libs
	corpus=$out/corpus_$t
	mkdir -p "$corpus"
	cp "$top/tests/fuzz/seeds_$t"/* "$corpus/" 2>/dev/null || true
	echo "== fuzz_$t for ${secs}s"
	"$out/fuzz_$t" -max_total_time="$secs" -max_len=8192 \
	    -print_final_stats=1 "$corpus" 2>&1 | tail -n 12
done
