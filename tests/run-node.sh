#!/bin/sh
# The test driver for the Node.js tests (sfsim and end to end): run one
# file with node's TAP reporter.  Files that use npm modules (the MCP
# SDK, jsforce, or the simulator, which parses SOQL with soql-parser-js)
# need tests/node_modules (npm ci, as contrib/install-deps.sh does);
# where it is missing, as in a fresh `make distcheck` tree, such a file
# is reported as skipped, with the reason, rather than passed.
#
# Skips are counted and named: Automake's TAP driver reads only the top
# level of node's TAP, so a skipped subtest (t.test(..., { skip }) or
# t.skip() inside a subtest) would pass silently inside its parent.
# Each one is repeated here as a top-level diagnostic line,
# "# SKIP subtest: NAME (REASON)", which the driver copies into the
# file's .log, where contrib/test-all.sh finds it for its last line.
test_file=$1
modules=$(dirname "$0")/node_modules
case $test_file in
*/sfsim/*) needs=yes ;;
*) if grep -q "from '@\|startSim(\|demo.mjs\|bench/soak.mjs" "$test_file"; then needs=yes; else needs=no; fi ;;
esac
if [ "$needs" = yes ] && [ ! -d "$modules/@modelcontextprotocol/sdk" ]; then
	echo "1..0 # SKIP no $modules: run npm ci in tests/ (contrib/install-deps.sh does)"
	exit 0
fi
# node's exit status survives the filter: kept in a file, since POSIX sh
# has no pipefail.
st=$(mktemp) || exit 99
trap 'rm -f "$st"' EXIT
# A file that hangs (a server a failed test left running keeps node's
# event loop alive) fails after NODE_TEST_TIMEOUT seconds (default 900)
# instead of holding the whole run: timeout's 124 is the status then.
{ timeout --kill-after=10 "${NODE_TEST_TIMEOUT:-900}" \
    "${NODE:-node}" --test-reporter=tap "$test_file"; echo $? >"$st"; } |
    awk '{ print }
	/^[ \t]+(not )?ok [0-9]+ .*# SKIP/ {
		s = $0
		sub(/^[ \t]+(not )?ok [0-9]+ (- )?/, "", s)
		i = index(s, " # SKIP")
		why = substr(s, i + 7)
		sub(/^:?[ \t]*/, "", why)
		print "# SKIP subtest: " substr(s, 1, i - 1) (why != "" ? " (" why ")" : "")
	}'
exit "$(cat "$st")"
