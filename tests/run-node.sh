#!/bin/sh
# The test driver for the Node.js tests (sfsim and end to end): run one
# file with node's TAP reporter.  Files that use npm modules (the MCP
# SDK, jsforce, or the simulator, which parses SOQL with soql-parser-js)
# need tests/node_modules (npm ci, as contrib/install-deps.sh does);
# where it is missing, as in a fresh `make distcheck` tree, such a file
# is reported as skipped, with the reason, rather than passed.
test_file=$1
modules=$(dirname "$0")/node_modules
case $test_file in
*/sfsim/*) needs=yes ;;
*) if grep -q "from '@\|startSim(\|demo.mjs" "$test_file"; then needs=yes; else needs=no; fi ;;
esac
if [ "$needs" = yes ] && [ ! -d "$modules/@modelcontextprotocol/sdk" ]; then
	echo "1..0 # SKIP no $modules: run npm ci in tests/ (contrib/install-deps.sh does)"
	exit 0
fi
exec "${NODE:-node}" --test-reporter=tap "$test_file"
