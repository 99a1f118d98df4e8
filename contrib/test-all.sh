#!/bin/sh
# Build sfrevops-mcp and run every test: the plain build's `make check`
# (unit, sandbox, simulator and end-to-end tests), the same suite built
# with AddressSanitizer and UndefinedBehaviorSanitizer, the sandbox
# tests of the --enable-sandbox-debug build, a clang build, and the unit
# tests under valgrind.  Prints "N passed, N failed" last.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=$(nproc 2>/dev/null || echo 2)

sh contrib/install-deps.sh
[ -x configure ] || autoreconf -fi

pass=0
fail=0
tally() {
	# Sum the Automake harness's totals from one build directory.
	p=$(sed -n 's/^# PASS: *//p' "$1/test-suite.log.summary" 2>/dev/null | head -1)
	f=$(sed -n 's/^# FAIL: *//p' "$1/test-suite.log.summary" 2>/dev/null | head -1)
	e=$(sed -n 's/^# ERROR: *//p' "$1/test-suite.log.summary" 2>/dev/null | head -1)
	pass=$((pass + ${p:-0}))
	fail=$((fail + ${f:-0} + ${e:-0}))
}

run_check() {
	# $1: build dir, $2...: configure arguments; $only: a TESTS subset
	dir=$1
	shift
	mkdir -p "$dir"
	(cd "$dir" && "$top/configure" -q "$@" && make -s -j"$jobs" &&
	    make -s check -j"$jobs" "SFREVOPS_CHECK_NAME=$(basename "$dir")" \
	    ${only:+"TESTS=$only"} 2>&1 | tee make-check.out) || true
	sed -n '/^# TOTAL:/,/^# ERROR:/p' "$dir/make-check.out" \
	    >"$dir/test-suite.log.summary" 2>/dev/null || true
	if ! grep -q '^# TOTAL:' "$dir/test-suite.log.summary"; then
		echo "build or test harness failed in $dir" >&2
		fail=$((fail + 1))
	fi
	tally "$dir"
	if grep -q '^# \(FAIL\|ERROR\): *[1-9]' "$dir/test-suite.log.summary"; then
		cat "$dir/test-suite.log" >&2 || true
	fi
}

run_check "$top/build/plain"
run_check "$top/build/sanitizers" --enable-sanitizers
# The debug sandbox: forbidden calls must be trapped and named.
only="tests/sandbox_test tests/e2e/mcp_core.test.mjs" \
    run_check "$top/build/sandbox-debug" --enable-sandbox-debug

# A second compiler: the program and the test programs must build
# warning-free with clang too (-Werror is on in every build); TESTS=
# builds them and runs nothing.
if command -v clang >/dev/null 2>&1; then
	mkdir -p "$top/build/clang"
	if (cd "$top/build/clang" && "$top/configure" -q CC=clang &&
	    make -s -j"$jobs" && make -s -j"$jobs" check TESTS=) \
	    >"$top/build/clang.out" 2>&1; then
		echo "PASS: clang build"
		pass=$((pass + 1))
	else
		echo "FAIL: clang build" >&2
		cat "$top/build/clang.out" >&2
		fail=$((fail + 1))
	fi
fi

# The hardening a security review expects, on every program of the plain
# build: PIE, stack protector, fortified calls, full RELRO, immediate
# binding.  Control-flow protection is compiled in (-fcf-protection: every
# object file carries the IBT and SHSTK notes) but the linker drops the
# property because Debian 12's C runtime start files are built without
# it, so hardening-check is told not to count it.
if command -v hardening-check >/dev/null 2>&1; then
	for p in "$top"/build/plain/sfrevops-mcp "$top"/build/plain/sfrevops-mcp-*; do
		[ -x "$p" ] || continue
		if hardening-check --nocfprotection "$p" >"$p.hardening.out" 2>&1; then
			echo "PASS: hardening-check $(basename "$p")"
			pass=$((pass + 1))
		else
			echo "FAIL: hardening-check $(basename "$p")" >&2
			cat "$p.hardening.out" >&2
			fail=$((fail + 1))
		fi
	done
fi

# The unit tests again, under valgrind (memcheck, leaks included).
for t in $(cd "$top/build/plain" && make -s --no-print-directory print-valgrind-tests | tail -n 1); do
	if (cd "$top/build/plain" && top_srcdir="$top" valgrind -q \
	    --error-exitcode=99 --leak-check=full --show-leak-kinds=definite \
	    --errors-for-leak-kinds=definite "./$t" >"$t.valgrind.out" 2>&1); then
		echo "PASS: valgrind $t"
		pass=$((pass + 1))
	else
		echo "FAIL: valgrind $t" >&2
		cat "$top/build/plain/$t.valgrind.out" >&2
		fail=$((fail + 1))
	fi
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
