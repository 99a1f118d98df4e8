#!/bin/sh
# The demo: install what is missing, build sfrevops-mcp, and run it against
# the bundled Salesforce simulator through the official MCP SDK client.
# With --screenshots DIR, it then draws the three MCP Apps views in
# headless Chromium (tests/browser/views.test.mjs) and writes their
# screenshots, light and dark, to DIR.
set -eu
shots=
if [ $# -gt 0 ]; then
	if [ "$1" != --screenshots ] || [ $# -ne 2 ]; then
		echo "usage: sh contrib/demo.sh [--screenshots DIR]" >&2
		exit 2
	fi
	mkdir -p "$2"
	shots=$(cd "$2" && pwd)
fi
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
sh contrib/install-deps.sh
[ -x configure ] || autoreconf -fi
mkdir -p build/plain
cd build/plain
[ -f Makefile ] || "$top/configure" -q
# The parent and its three children (one executable per process).
make -s -j"$(nproc 2>/dev/null || echo 2)" sfrevops-mcp sfrevops-mcp-front \
    sfrevops-mcp-broker sfrevops-mcp-writer
cd "$top"
if [ -z "$shots" ]; then
	exec node tests/demo.mjs "$top/build/plain/sfrevops-mcp"
fi
node tests/demo.mjs "$top/build/plain/sfrevops-mcp"
SFREVOPS_BIN="$top/build/plain/sfrevops-mcp" SFREVOPS_SCREENS="$shots" \
    node --test-reporter=spec tests/browser/views.test.mjs
echo "screenshots of the views: $shots"
