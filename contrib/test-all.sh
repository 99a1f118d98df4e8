#!/bin/sh
# Build sfrevops-mcp and run every test: the plain build's `make check`
# (unit, sandbox, simulator and end-to-end tests), the same suite built
# with AddressSanitizer and UndefinedBehaviorSanitizer, the sandbox
# tests of the --enable-sandbox-debug build, a clang build, static
# analysis (contrib/analyze.sh), the unit tests under valgrind and the
# parent under valgrind through end-to-end tests, and the Debian package
# (built, installed, run, its sandbox and token checks against the
# installed binary, removed).  Prints "N passed, N failed, N skipped"
# last, with the name of every skipped test on that line.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=$(nproc 2>/dev/null || echo 2)

sh contrib/install-deps.sh
[ -x configure ] || autoreconf -fi

pass=0
fail=0
# The skipped tests, one per line: "where: test: reason".
skipped=$top/build/skipped.txt
mkdir -p "$top/build"
: >"$skipped"
skip() { printf '%s\n' "$*" >>"$skipped"; echo "SKIP: $*"; }
# A build directory's skipped tests, from the Automake logs: the TAP
# driver's "SKIP:" lines (whole files and top-level tests) and
# tests/run-node.sh's "# SKIP subtest:" lines (node subtests, which the
# driver does not count); $2, a file name pattern, narrows it down.
skips_of() {
	find "$1/tests" -name "${2:-*.log}" -exec grep -H \
	    -e '^SKIP: ' -e '^# SKIP subtest: ' {} + 2>/dev/null |
	    sed "s|^$1/||; s|^[^:]*:SKIP: |$(basename "$1"): |;
	    s|^\([^:]*\)\.log:# SKIP subtest: |$(basename "$1"): \1 (a subtest) |" \
	    >>"$skipped" || true
}
tally() {
	# Sum the Automake harness's totals from one build directory.
	p=$(sed -n 's/^# PASS: *//p' "$1/test-suite.log.summary" 2>/dev/null | head -1)
	f=$(sed -n 's/^# FAIL: *//p' "$1/test-suite.log.summary" 2>/dev/null | head -1)
	e=$(sed -n 's/^# ERROR: *//p' "$1/test-suite.log.summary" 2>/dev/null | head -1)
	pass=$((pass + ${p:-0}))
	fail=$((fail + ${f:-0} + ${e:-0}))
}

# One PASS or FAIL line, counted: verdict [-t] [-F FAILNAME] [-r REPORT]
# NAME LOG COMMAND...  COMMAND's output goes to LOG; when it fails,
# REPORT (a command; by default `cat LOG`) says why on standard error.
# -t adds LOG's last line to the PASS line; -F names the FAIL line.
verdict() {
	v_tail= v_fname= v_report=
	while :; do
		case $1 in
		-t) v_tail=1; shift ;;
		-F) v_fname=$2; shift 2 ;;
		-r) v_report=$2; shift 2 ;;
		*) break ;;
		esac
	done
	v_name=$1
	v_log=$2
	shift 2
	if "$@" >"$v_log" 2>&1; then
		echo "PASS: $v_name${v_tail:+ ($(tail -n 1 "$v_log"))}"
		pass=$((pass + 1))
	else
		echo "FAIL: ${v_fname:-$v_name}" >&2
		if [ -n "$v_report" ]; then "$v_report"; else cat "$v_log"; fi >&2
		fail=$((fail + 1))
	fi
}

# Each section's wall time, for the CI budget (.ci/run prints the total).
t_last=$(date +%s)
lap() { t_now=$(date +%s); echo "time: $1: $((t_now - t_last)) s"; t_last=$t_now; }

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
	skips_of "$dir"
	if grep -q '^# \(FAIL\|ERROR\): *[1-9]' "$dir/test-suite.log.summary"; then
		cat "$dir/test-suite.log" >&2 || true
	fi
}

run_check "$top/build/plain"
lap "plain build and make check"
run_check "$top/build/sanitizers" --enable-sanitizers
lap "sanitizers build and make check"
# The debug sandbox: forbidden calls must be trapped and named.
only="tests/sandbox_test tests/e2e/mcp_core.test.mjs" \
    run_check "$top/build/sandbox-debug" --enable-sandbox-debug

# A second compiler: the program and the test programs must build
# warning-free with clang too (-Werror is on in every build); TESTS=
# builds them and runs nothing.
clang_build() {
	(cd "$top/build/clang" && "$top/configure" -q CC=clang &&
	    make -s -j"$jobs" && make -s -j"$jobs" check TESTS=)
}
if command -v clang >/dev/null 2>&1; then
	mkdir -p "$top/build/clang"
	verdict "clang build" "$top/build/clang.out" clang_build
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
		verdict "hardening-check $(basename "$p")" "$p.hardening.out" \
		    hardening-check --nocfprotection "$p"
	done
fi

lap "sandbox-debug, clang, hardening-check"

# Static analysis of src/: gcc -fanalyzer and scan-build; a finding not
# explained in contrib/analyze.suppress fails.
if command -v gcc >/dev/null 2>&1 && { command -v scan-build >/dev/null 2>&1 ||
    command -v scan-build-14 >/dev/null 2>&1; }; then
	verdict -t "static analysis" "$top/build/analyze.out" \
	    sh "$top/contrib/analyze.sh" "$top/build/analyze"
else
	skip "static analysis: no gcc or scan-build (Debian clang-tools)"
fi

lap "static analysis"

# The unit tests again, under valgrind (memcheck, leaks included).
vg_unit() {
	(cd "$top/build/plain" && top_srcdir="$top" valgrind -q \
	    --error-exitcode=99 --leak-check=full --show-leak-kinds=definite \
	    --errors-for-leak-kinds=definite "./$1")
}
for t in $(cd "$top/build/plain" && make -s --no-print-directory print-valgrind-tests | tail -n 1); do
	verdict "valgrind $t" "$top/build/plain/$t.valgrind.out" vg_unit "$t"
done

lap "valgrind of the unit tests"

# The parent under valgrind through end-to-end tests: SFREVOPS_BIN is a
# wrapper that runs it under memcheck.  Valgrind follows the fork()s but
# not the children's fexecve(): the children run natively (they could
# not run under it anyway: valgrind's own system calls are outside their
# seccomp profiles), so what is checked is the parent, over whole
# sessions.  Not maps or token_isolation, which read the parent's
# /proc/PID/exe and memory.  No error and no definite leak in any log.
# Not hostile either: its malformed messages are the front's to parse
# (the parent never sees MCP traffic) and its many start-ups cost CI
# minutes; helpers_tz instead, for the parent's TZ_QUERY answers.
vg=$top/build/valgrind-e2e
rm -rf "$vg"
mkdir -p "$vg"
printf '%s\n' '#!/bin/sh' \
    "exec valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite --trace-children=no --log-file='$vg/vg.%p.log' '$top/build/plain/sfrevops-mcp' \"\$@\"" \
    >"$vg/sfrevops-mcp"
chmod 755 "$vg/sfrevops-mcp"
vg_parent() {
	(cd "$top/build/plain" && env top_srcdir="$top" \
	    top_builddir="$top/build/plain" SFREVOPS_BIN="$vg/sfrevops-mcp" \
	    node --test-reporter=tap "$top/$f") &&
	    ! find "$vg" -name 'vg.*.log' -size +0 | grep -q .
}
vg_parent_report() {
	grep -A20 '^not ok' "$vg/$t.tap" || true
	find "$vg" -name 'vg.*.log' -size +0 -exec cat {} +
}
for t in mcp_core read_path helpers_tz calls errors; do
	f=tests/e2e/$t.test.mjs
	if [ ! -d "$top/tests/node_modules/@modelcontextprotocol/sdk" ]; then
		skip "valgrind $f: no tests/node_modules"
		continue
	fi
	verdict -r vg_parent_report "valgrind (parent) $f" "$vg/$t.tap" vg_parent
	find "$vg" -name 'vg.*.log' -size 0 -exec rm -f {} +
done

lap "valgrind of the parent through end-to-end tests"

# The Debian package (contrib/build-deb.sh), one PASS/FAIL line: it
# builds and is lintian clean; its file list, read from a scratch
# extraction (dpkg -x), puts the parent in /usr/bin, the children in
# /usr/libexec/sfrevops-mcp, the man pages and the examples where they
# belong; then, installed for real (dpkg -i: the parent runs only the
# children of its configured libexecdir, so a scratch root cannot run
# them in place), /usr/bin/sfrevops-mcp answers initialize offline with
# the installed children, and dpkg -r leaves none of its files behind.
# Only as root, only where no sfrevops-mcp package is installed already.
deb_check() {
	d=$top/build/deb
	log=$d/test.out
	mkdir -p "$d"
	: >"$log"
	sh "$top/contrib/build-deb.sh" "$d" >>"$log" 2>&1 || return 1
	deb=$(ls "$d"/sfrevops-mcp_*_*.deb | head -n 1)
	root=$(mktemp -d)
	dpkg -x "$deb" "$root" || { rm -rf "$root"; return 1; }
	for f in usr/bin/sfrevops-mcp \
	    usr/libexec/sfrevops-mcp/sfrevops-mcp-front \
	    usr/libexec/sfrevops-mcp/sfrevops-mcp-broker \
	    usr/libexec/sfrevops-mcp/sfrevops-mcp-writer \
	    usr/share/man/man1/sfrevops-mcp.1.gz \
	    usr/share/man/man5/sfrevops-mcp.conf.5.gz \
	    usr/share/man/man7/sfrevops-mcp-security.7.gz \
	    usr/share/doc/sfrevops-mcp/examples/claude_desktop_config.json \
	    usr/share/doc/sfrevops-mcp/examples/systemd/sfrevops-mcp@.service; do
		[ -e "$root/$f" ] || { echo "not in the package: /$f" >>"$log"; rm -rf "$root"; return 1; }
	done
	"$root/usr/bin/sfrevops-mcp" --version >>"$log" 2>&1 || { rm -rf "$root"; return 1; }
	rm -rf "$root"
	dpkg -i "$deb" >>"$log" 2>&1 || { dpkg -r sfrevops-mcp >>"$log" 2>&1; return 1; }
	printf '%s\n' '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"test-all","version":"1"}}}' |
	    env -i PATH=/usr/bin:/bin SFDC_INSTANCE_URL=https://127.0.0.1:9 \
	    SFDC_ACCESS_TOKEN='00D000000000001!deb' SFDC_LOG_LEVEL=debug \
	    /usr/bin/sfrevops-mcp 2>"$d/run.err" | cat >"$d/run.out"
	r=0
	grep -q '"protocolVersion":"2025-11-25"' "$d/run.out" || r=1
	for c in front broker writer; do
		grep -q "\"msg\":\"$c: /usr/libexec/sfrevops-mcp/sfrevops-mcp-$c\"" \
		    "$d/run.err" || r=1
	done
	[ "$r" -eq 0 ] || cat "$d/run.out" "$d/run.err" >>"$log"
	man -w sfrevops-mcp.conf >>"$log" 2>&1 || true
	if command -v systemd-analyze >/dev/null 2>&1 &&
	    ! systemd-analyze verify \
	    /usr/share/doc/sfrevops-mcp/examples/systemd/sfrevops-mcp.socket \
	    /usr/share/doc/sfrevops-mcp/examples/systemd/sfrevops-mcp@.service \
	    >>"$log" 2>&1; then
		echo "systemd-analyze verify failed" >>"$log"
		r=1
	fi
	# The maps, token-isolation and sandbox-status tests against the
	# installed binary, each on a line of its own (after the package's).
	for t in maps token_isolation sandbox_status; do
		if [ ! -d "$top/tests/node_modules/@modelcontextprotocol/sdk" ]; then
			echo "SKIP installed: tests/e2e/$t.test.mjs: no tests/node_modules" >>"$d/installed.txt"
			continue
		fi
		if env top_srcdir="$top" SFREVOPS_BIN=/usr/bin/sfrevops-mcp \
		    SFREVOPS_LIBEXECDIR=/usr/libexec/sfrevops-mcp \
		    node --test-reporter=tap "$top/tests/e2e/$t.test.mjs" \
		    >"$d/installed-$t.tap" 2>&1 &&
		    ! grep -q '# SKIP' "$d/installed-$t.tap"; then
			echo "PASS installed: tests/e2e/$t.test.mjs" >>"$d/installed.txt"
		else
			echo "FAIL installed: tests/e2e/$t.test.mjs" >>"$d/installed.txt"
			cat "$d/installed-$t.tap" >>"$log"
		fi
	done
	dpkg -r sfrevops-mcp >>"$log" 2>&1 || r=1
	for f in /usr/bin/sfrevops-mcp /usr/libexec/sfrevops-mcp \
	    /usr/share/man/man1/sfrevops-mcp.1.gz; do
		[ ! -e "$f" ] || { echo "left behind by dpkg -r: $f" >>"$log"; r=1; }
	done
	return "$r"
}
deb_report() { cat "$top/build/deb/test.out"; }
if [ "$(id -u)" -eq 0 ] && command -v dpkg-buildpackage >/dev/null 2>&1 &&
    ! dpkg-query -W sfrevops-mcp >/dev/null 2>&1; then
	mkdir -p "$top/build/deb"
	: >"$top/build/deb/installed.txt"
	verdict -F "Debian package" -r deb_report \
	    "Debian package (build, lintian, dpkg -x, dpkg -i, initialize, dpkg -r)" \
	    "$top/build/deb/check.out" deb_check
	while read -r verdict rest; do
		case $verdict in
		PASS) echo "PASS: $rest"; pass=$((pass + 1)) ;;
		FAIL) echo "FAIL: $rest" >&2; fail=$((fail + 1)) ;;
		SKIP) skip "$rest" ;;
		esac
	done <"$top/build/deb/installed.txt"
else
	skip "Debian package and the installed-binary tests: needs root, dpkg-buildpackage, and no sfrevops-mcp installed"
fi

lap "Debian package and the installed-binary tests"

# The container (make check-container): contrib/Containerfile built with
# podman and run against the simulator, one line; its own skip, with the
# reason, where podman cannot run a container.
container_check() {
	(cd "$top/build/plain" && make -s check-container)
}
container_report() { cat "$top/build/plain/tests/e2e/container.test.log"; }
# Opt-in: on a fresh 2-core machine the image alone takes about five
# minutes to build (a Debian base made with mmdebstrap, then apt in it),
# past what CI may spend; `make check-container` runs it any time.
if [ "${SFREVOPS_CHECK_CONTAINER:-0}" != 1 ]; then
	skip "container (make check-container): opt-in, SFREVOPS_CHECK_CONTAINER=1 (building the image takes about 5 minutes on a fresh 2-core machine, past CI's budget)"
elif command -v podman >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
	verdict -r container_report "container (make check-container)" \
	    "$top/build/container.out" container_check
	skips_of "$top/build/plain" container.test.log
else
	skip "container (make check-container): needs root and podman (contrib/install-deps.sh --container)"
fi

lap "container"

# The last line: the totals, and every skipped test by name.
nskip=$(grep -c . "$skipped" || true)
if [ "$nskip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $nskip skipped: $(paste -sd ';' "$skipped" | sed 's/;/; /g')"
else
	echo "$pass passed, $fail failed, 0 skipped"
fi
[ "$fail" -eq 0 ]
