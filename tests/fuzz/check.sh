#!/bin/sh
# make check: build every libFuzzer harness of tests/fuzz with clang
# (contrib/fuzz.sh --check) and run each over its seed corpus once, then
# for FUZZ_CHECK_RUNS (3000) mutations with a fixed seed.  One TAP line
# per harness.  Without clang's libFuzzer the whole file is skipped,
# with the reason.  Long runs: contrib/fuzz.sh.
top=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${top_builddir:-$top/build/plain}
targets="soql jsonrpc schema ipc policy token sferror url toolargs composite write_value"
cc=${FUZZ_CC:-clang}
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n)\n{ (void)d; (void)n; return 0; }\n' >"$probe/p.c"
if ! command -v "$cc" >/dev/null 2>&1; then
	echo "1..0 # SKIP no $cc: the fuzz harnesses need clang with libFuzzer"
	exit 0
fi
if ! "$cc" -fsanitize=fuzzer,address,undefined -o "$probe/p" "$probe/p.c" \
    >"$probe/log" 2>&1; then
	echo "1..0 # SKIP $cc cannot link -fsanitize=fuzzer,address,undefined (libFuzzer or the sanitizer runtimes missing): $(head -n 1 "$probe/log")"
	exit 0
fi
if ! pkg-config --exists libcjson libsodium libseccomp libcurl libssl libcrypto; then
	echo "1..0 # SKIP pkg-config does not know every library the harnesses link"
	exit 0
fi
# Regression inputs: tests/fuzz/regress_NAME/FILE, each run once by
# its harness.  A file named open-* is a crash reported and not fixed
# yet: a TODO line (XFAIL while it crashes; XPASS, which fails the
# suite, once it no longer does: then drop the open- prefix).
regress=
for t in $targets; do
	for f in "$top/tests/fuzz/regress_$t"/*; do
		[ -f "$f" ] && regress="$regress $t:$f"
	done
done
set -- $targets $regress
echo "1..$#"
n=0
for t in $targets; do
	n=$((n + 1))
	if out=$(sh "$top/contrib/fuzz.sh" --check "$build" "$t" 2>&1); then
		echo "ok $n - fuzz_$t: $(echo "$out" | grep DONE | sed 's/  */ /g' | tail -n 1)"
	else
		echo "not ok $n - fuzz_$t"
		echo "$out" | tail -n 40 | sed 's/^/# /'
	fi
done
for r in $regress; do
	n=$((n + 1))
	t=${r%%:*}
	f=${r#*:}
	name=$(basename "$f")
	todo=
	case $name in open-*) todo=" # TODO reported, not fixed yet" ;; esac
	if "$build/tests/fuzz-bin/fuzz_$t" "$f" >"$build/tests/fuzz-bin/regress.log" 2>&1; then
		echo "ok $n - fuzz_$t regress_$t/$name$todo"
	else
		echo "not ok $n - fuzz_$t regress_$t/$name$todo"
		[ -n "$todo" ] || tail -n 30 "$build/tests/fuzz-bin/regress.log" | sed 's/^/# /'
	fi
done
