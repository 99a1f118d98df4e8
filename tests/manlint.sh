#!/bin/sh
# tests/manlint.sh: every man page in man/ is mandoc -Tlint clean, down
# to style messages, except the two that depend on the machine: a
# referenced page not installed here, and an outdated mandoc.db.  TAP;
# SKIP without mandoc.
dir="${top_srcdir:-.}/man"
if ! command -v mandoc >/dev/null 2>&1; then
	echo "1..0 # SKIP mandoc is not installed (apt-get install mandoc)"
	exit 0
fi
set -- "$dir"/*.[1-9]
echo "1..$#"
n=0
for page in "$@"; do
	n=$((n + 1))
	out=$(mandoc -Tlint -Wstyle "$page" 2>&1 |
	    grep -v -e 'referenced manual not found' -e 'mandoc\.db')
	if [ -z "$out" ]; then
		echo "ok $n - $(basename "$page")"
	else
		echo "not ok $n - $(basename "$page")"
		printf '%s\n' "$out" | sed 's/^/# /'
	fi
done
