#!/bin/sh
# Line and branch coverage of src/ by the whole suite (unit, shell,
# simulator and end-to-end tests): a --enable-coverage build (gcov), then
# gcovr's file-by-file table, and the lines no test reaches listed for
# the error paths among them.
#
# What is measured: every process of every test.  A coverage build's
# children run without Landlock, seccomp and the file rlimits
# (src/sandbox.c, SF_COVERAGE; make install refuses such a build) so that
# gcov can write their counts at exit, and the tests run under umask 000
# in directories open to all so that they, dropped to nobody, can open
# the .gcda files the tests running as root created.  A child killed by a signal writes
# nothing (the tests that kill one on purpose).  The sandbox tests
# (tests/sandbox_test's sandbox_apply probes, e2e sandbox_status, and
# mcp_core's RLIMIT_FSIZE check) fail in this build, by design, and the
# soak's memory check too (gcov's counters dirty a page of data each time
# a new stretch of code runs): the verdicts of the suite come from the
# other builds of contrib/test-all.sh, and this script reports coverage,
# not verdicts (the summary of its make check is printed all the same).
#
# Usage: contrib/coverage.sh [BUILD-DIR]   (default build/coverage;
# COVERAGE_REUSE=1 makes the report from the counts already there)
# Writes BUILD-DIR/coverage.txt (the table), coverage-uncovered.txt (the
# lines never run, per file) and coverage.html; prints the table.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
b=${1:-$top/build/coverage}
jobs=$(nproc 2>/dev/null || echo 2)
command -v gcovr >/dev/null 2>&1 ||
    { echo "coverage: no gcovr (apt-get install gcovr)" >&2; exit 1; }
[ -x "$top/configure" ] || (cd "$top" && autoreconf -fi)
mkdir -p "$b"
cd "$b"
[ -f Makefile ] || "$top/configure" -q --enable-coverage CFLAGS=-g
grep -q '^#define SF_COVERAGE 1' config.h ||
    { echo "coverage: $b is not a --enable-coverage build" >&2; exit 1; }
make -s -j"$jobs"
if [ "${COVERAGE_REUSE:-}" != 1 ]; then
	find . -name '*.gcda' -exec rm -f {} +
	# The children run as nobody: they may create and update .gcda
	# files next to the objects (directories open to all, and files
	# created 0666 under umask 000 during the tests only: the parent
	# refuses to run executables others may write, so the build itself
	# keeps the normal umask).
	find . -name '*.gcno' -exec dirname {} + | sort -u | xargs chmod a+rwx
	# Every test, whatever its verdict (see above); the summary is kept.
	(umask 000 && make -s -k check -j"$jobs" >check.out 2>&1) || true
fi
sed -n '/^# TOTAL:/,/^# ERROR:/p' check.out
g() { gcovr -r "$top" --object-directory "$b" -f "$top/src/" \
    --exclude-unreachable-branches "$@"; }
g --txt coverage-lines.txt --print-summary >summary.out
g -b --txt coverage-branches.txt >/dev/null
g --html-details coverage.html >/dev/null
# One table: each file's lines and branches.
awk 'FNR == 1 { f++ } f == 1 && $1 ~ /^src\// { l[$1] = $0 }
    f == 2 && $1 ~ /^src\// { b[$1] = $4 " (" $2 " branches)" }
    END { printf "%-28s %8s %8s %6s   %s\n", "file", "lines", "exec", "cover", "branches";
	for (k in l) { split(l[k], a, " "); printf "%-28s %8s %8s %6s   %s\n", k, a[2], a[3], a[4], b[k] } }' \
    coverage-lines.txt coverage-branches.txt | sort >coverage.txt
cat coverage.txt
grep '^\(lines\|branches\):' summary.out
# The lines never run, by file: error paths first (a line mentioning
# fatal, return -1, goto, log_warn or an errno) so that the list of
# unreached error handling can be read off.
g --json coverage.json >/dev/null
node -e '
const j = require(process.argv[1]);
const fs = require("fs");
const out = [];
let err = 0;
for (const f of j.files) {
  const src = fs.readFileSync(process.argv[2] + "/" + f.file, "utf8").split("\n");
  const miss = f.lines.filter((l) => l.count === 0 && !l.gcovr_noncode).map((l) => l.line_number);
  const errs = miss.filter((n) => /fatal|return -1|goto |log_warn|errno|== -1|== NULL/.test(src[n - 1] || ""));
  err += errs.length;
  if (errs.length) out.push(f.file + ": " + errs.length + " unreached error-path lines: " + errs.join(" "));
}
fs.writeFileSync("coverage-uncovered.txt", out.join("\n") + "\n");
console.log("unreached error-path lines: " + err + " (coverage-uncovered.txt)");
' "$b/coverage.json" "$top"
