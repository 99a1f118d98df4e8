#!/bin/sh
# The demo: install what is missing, build sfrevops-mcp, and run it against
# the bundled Salesforce simulator through the official MCP SDK client.
set -eu
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
exec node tests/demo.mjs "$top/build/plain/sfrevops-mcp"
