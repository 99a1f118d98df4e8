#!/bin/sh
# Build the libFuzzer targets in tests/fuzz with clang (ASan + UBSan)
# and run each for SECONDS (default 60), starting from its seed corpus
# (tests/fuzz/seeds_TARGET) and the corpus an earlier run grew
# (build/fuzz/corpus_TARGET).  A fuzz run is open-ended, so its figures
# (executions, cov:, ft:, crashes) are reported, not asserted; a crash
# leaves its input in build/fuzz/ and makes this script exit 1.
#
#   sh contrib/fuzz.sh [SECONDS] [TARGET...]
#   sh contrib/fuzz.sh --check BUILDDIR	(make check: tests/fuzz/check.sh)
#   sh contrib/fuzz.sh --coverage [TARGET...]
#
# --coverage replays each target's seeds and the corpus a run grew
# (build/fuzz/corpus_TARGET) through a copy of the harness built with
# clang's source-based coverage (build/fuzz-cov) and prints, per
# harness, the line and branch coverage of the sources it exercises
# (llvm-cov report: the files under src/ with at least one line run).
#
# Targets: soql jsonrpc schema ipc policy token sferror url toolargs
# composite write_value.
# Every source file under test is compiled with coverage
# (-fsanitize=fuzzer-no-link), into the archives of Makefile.am's
# groups, so a harness links only what it uses.  The objects are kept
# in OUT/obj and rebuilt when their source is newer.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
all="soql jsonrpc schema ipc policy token sferror url toolargs composite write_value"
check=no
cov=no
if [ "${1:-}" = --coverage ]; then
	cov=yes
	shift
	builddir=$top/build/plain
	out=$top/build/fuzz-cov
	corpora=$top/build/fuzz
	secs=0
	[ -f "$builddir/config.h" ] || {
		mkdir -p "$builddir"
		(cd "$builddir" && "$top/configure" -q)
	}
elif [ "${1:-}" = --check ]; then
	check=yes
	builddir=$2
	shift 2
	out=$builddir/tests/fuzz-bin
	secs=0
else
	builddir=$top/build/plain
	out=$top/build/fuzz
	secs=${1:-60}
	[ $# -gt 0 ] && shift
	[ -f "$builddir/config.h" ] || {
		mkdir -p "$builddir"
		(cd "$builddir" && "$top/configure" -q)
	}
fi
targets=${*:-$all}
CC=${FUZZ_CC:-clang}
mkdir -p "$out/obj"
pc() { pkg-config "$@" libcjson libsodium libseccomp libcurl libssl libcrypto; }
cflags="-g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=address,undefined
-fno-sanitize-recover=undefined -I$builddir -I$top/src $(pc --cflags)"
libs="$(pc --libs) -lm"
if [ "$cov" = yes ]; then
	# No sanitizers: the figures are of the code, not of its checks.
	cflags="-g -O1 -std=c11 -D_GNU_SOURCE -fprofile-instr-generate
-fcoverage-mapping -I$builddir -I$top/src $(pc --cflags)"
	PROFDATA=${LLVM_PROFDATA:-llvm-profdata}
	LLVMCOV=${LLVM_COV:-llvm-cov}
fi

# The archives, as Makefile.am groups the sources.
common="buf ipc log util jsonalloc policy proc sandbox sandbox-drop objects date"
soql="soql"
front="front records jsonrpc schema tool tools/registry tools/common
tools/get tools/query tools/pipeline tools/stale tools/risk tools/write"
broker="broker composite http auth netpass secmem"
writer="write_value journal"
for lib in common soql front broker writer; do
	eval "members=\$$lib"
	objs=
	stale=no
	for m in $members; do
		o=$out/obj/$m.o
		mkdir -p "$(dirname "$o")"
		if [ ! -f "$o" ] || [ "$top/src/$m.c" -nt "$o" ] ||
		    [ "$builddir/config.h" -nt "$o" ]; then
			# shellcheck disable=SC2086
			$CC $cflags -fsanitize=fuzzer-no-link -c \
			    -o "$o" "$top/src/$m.c"
			stale=yes
		fi
		objs="$objs $o"
	done
	# A member moved between archives (this script changed): rebuild.
	if [ "$stale" = yes ] || [ ! -f "$out/lib$lib.a" ] ||
	    [ "$0" -nt "$out/lib$lib.a" ]; then
		rm -f "$out/lib$lib.a"
		# shellcheck disable=SC2086
		ar cr "$out/lib$lib.a" $objs
	fi
done

status=0
for t in $targets; do
	case $t in
	soql|jsonrpc|schema|ipc|policy|url|toolargs|token|sferror|composite|write_value) ;;
	*) echo "unknown target $t" >&2; exit 2 ;;
	esac
	# shellcheck disable=SC2086
	$CC $cflags -fsanitize=fuzzer -o "$out/fuzz_$t" \
	    "$top/tests/fuzz/fuzz_$t.c" "$out/libfront.a" "$out/libbroker.a" \
	    "$out/libwriter.a" "$out/libsoql.a" "$out/libcommon.a" $libs
	seeds=$top/tests/fuzz/seeds_$t
	if [ "$cov" = yes ]; then
		c=$corpora/corpus_$t
		[ -d "$c" ] || c=
		n=$(find "$seeds" $c -type f | wc -l)
		rm -f "$out/fuzz_$t".*.profraw
		# shellcheck disable=SC2086
		(cd "$out" && LLVM_PROFILE_FILE="$out/fuzz_$t.%p.profraw" \
		    "./fuzz_$t" -runs=0 -max_len=8192 $c "$seeds" \
		    >"fuzz_$t.cov.log" 2>&1) || {
			cat "$out/fuzz_$t.cov.log"; status=1; continue; }
		"$PROFDATA" merge -sparse -o "$out/fuzz_$t.profdata" \
		    "$out/fuzz_$t".*.profraw
		echo "== fuzz_$t: $n inputs replayed"
		# The sources the harness reached, and their total.
		"$LLVMCOV" report "$out/fuzz_$t" \
		    -instr-profile="$out/fuzz_$t.profdata" \
		    -ignore-filename-regex='tests/fuzz/' \
		    >"$out/fuzz_$t.cov.txt" 2>&1 || {
			cat "$out/fuzz_$t.cov.txt"; status=1; continue; }
		awk '/^Filename/ { next } /^-+$/ { next }
		    /^TOTAL/ { next }
		    NF >= 13 && ($8 - $9) > 0 {
			f = $1; sub(".*/src/", "src/", f)
			lines += $8; miss += $9
			br += $11; brmiss += $12
			printf "   %-28s lines %5d/%-5d %7s  branches %5d/%-5d %s\n",
			    f, $8 - $9, $8, $10, $11 - $12, $11, $13 }
		    END { if (lines > 0)
			printf "   %-28s lines %5d/%-5d %6.2f%%  branches %5d/%-5d %.2f%%\n",
			    "(reached files)", lines - miss, lines,
			    100 * (lines - miss) / lines, br - brmiss, br,
			    br ? 100 * (br - brmiss) / br : 0 }' \
		    "$out/fuzz_$t.cov.txt"
		continue
	fi
	if [ "$check" = yes ]; then
		# The seed corpus once (libFuzzer's INITED), then a few
		# thousand mutations from it.
		echo "== fuzz_$t: seeds_$t once, then ${FUZZ_CHECK_RUNS:-3000} runs"
		# New inputs go to a scratch corpus, never into the seeds.
		rm -rf "$out/corpus_$t"
		mkdir -p "$out/corpus_$t"
		(cd "$out" && "./fuzz_$t" -runs="${FUZZ_CHECK_RUNS:-3000}" \
		    -max_len=8192 -seed=1 -max_total_time=30 \
		    -artifact_prefix="$out/" \
		    "$out/corpus_$t" "$seeds" >"fuzz_$t.log" 2>&1) || {
			cat "$out/fuzz_$t.log"; status=1; continue; }
		grep -E '^#[0-9]+.*(INITED|DONE)' "$out/fuzz_$t.log" | tail -n 2
		continue
	fi
	corpus=$out/corpus_$t
	mkdir -p "$corpus"
	echo "== fuzz_$t for ${secs}s"
	(cd "$out" && "./fuzz_$t" -max_total_time="$secs" -max_len=8192 \
	    -print_final_stats=1 -artifact_prefix="$out/" "$corpus" "$seeds" \
	    >"fuzz_$t.log" 2>&1) || status=1
	grep -E '^#[0-9]+.*(INITED|DONE)|^stat::number_of_executed_units|^==[0-9]+==ERROR|^SUMMARY' \
	    "$out/fuzz_$t.log" || true
done
exit $status
