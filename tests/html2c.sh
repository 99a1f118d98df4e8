#!/bin/sh
# tests/html2c.sh: contrib/html2c.sh, which builds the MCP Apps views
# into the front, takes a view of exactly 65536 bytes (UI_VIEW_MAX) and
# refuses one of 65537, a byte outside printable ASCII, a NUL, and a
# missing final newline; and what it writes is the file, byte for byte.
# TAP.
top=${top_srcdir:-.}
script=$top/contrib/html2c.sh
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; }
echo "1..10"

# A view of n bytes: "<!DOCTYPE html>\n", then 'a's, then "\n".
view() {
	{ printf '<!DOCTYPE html>\n'; head -c $(($1 - 17)) /dev/zero | tr '\0' a
	  printf '\n'; } >"$tmp/$2"
}
view 65536 max.html
if sh "$script" "$tmp" max.html >"$tmp/max.c" 2>"$tmp/err" &&
    grep -q '{ "max.html", blob0, 65536 },' "$tmp/max.c"; then
	ok "a view of 65536 bytes is taken"
else
	nok "a view of 65536 bytes is taken"; sed 's/^/# /' "$tmp/err"
fi
view 65537 over.html
if ! sh "$script" "$tmp" over.html >/dev/null 2>"$tmp/err" &&
    grep -q 'over.html is 65537 bytes, more than 65536' "$tmp/err"; then
	ok "a view of 65537 bytes is refused, naming its size"
else
	nok "a view of 65537 bytes is refused, naming its size"
fi
printf 'caf\303\251\n' >"$tmp/utf8.html"
if ! sh "$script" "$tmp" utf8.html >/dev/null 2>"$tmp/err" &&
    grep -q 'not printable ASCII' "$tmp/err"; then
	ok "a byte outside printable ASCII is refused"
else
	nok "a byte outside printable ASCII is refused"
fi
printf 'a\000b\n' >"$tmp/nul.html"
if ! sh "$script" "$tmp" nul.html >/dev/null 2>&1; then
	ok "a NUL is refused"
else
	nok "a NUL is refused"
fi
printf '<p>x</p>' >"$tmp/nonl.html"
if ! sh "$script" "$tmp" nonl.html >/dev/null 2>"$tmp/err" &&
    grep -q 'does not end with a newline' "$tmp/err"; then
	ok "a view without its final newline is refused"
else
	nok "a view without its final newline is refused"
fi
if ! sh "$script" "$tmp" missing.html >/dev/null 2>&1; then
	ok "a missing file is an error"
else
	nok "a missing file is an error"
fi
# The bytes of the array are the file's: decode them back with od's
# inverse (printf of each octet) and compare.
printf '<!DOCTYPE html>\n<p title="a&amp;b">\t\\x</p>\n' >"$tmp/rt.html"
sh "$script" "$tmp" rt.html | sed -n '/^static const char blob0/,/^0x00 };/p' |
    sed -e '1d' -e '$d' | tr ',' '\n' | sed -e 's/ //g' -e '/^$/d' |
    while read -r h; do printf "\\$(printf '%03o' "$h")"; done >"$tmp/back"
if cmp -s "$tmp/rt.html" "$tmp/back"; then
	ok "the array holds the file byte for byte"
else
	nok "the array holds the file byte for byte"
fi
# "/* include: NAME */" lines: the file beside the view, in their place.
printf '<style>\n/* include: a.css */\n</style>\n' >"$tmp/inc.html"
printf 'p { color: red; }\nb { color: blue; }\n' >"$tmp/a.css"
printf '<style>\np { color: red; }\nb { color: blue; }\n</style>\n' >"$tmp/want"
sh "$script" "$tmp" inc.html | sed -n '/^static const char blob0/,/^0x00 };/p' |
    sed -e '1d' -e '$d' | tr ',' '\n' | sed -e 's/ //g' -e '/^$/d' |
    while read -r h; do printf "\\$(printf '%03o' "$h")"; done >"$tmp/back"
if cmp -s "$tmp/want" "$tmp/back"; then
	ok "an include line is replaced by the file it names"
else
	nok "an include line is replaced by the file it names"
fi
printf '<style>\n/* include: gone.css */\n</style>\n' >"$tmp/gone.html"
if ! sh "$script" "$tmp" gone.html >/dev/null 2>"$tmp/err" &&
    grep -q 'cannot include' "$tmp/err"; then
	ok "an include of a missing file is an error"
else
	nok "an include of a missing file is an error"
fi
printf '<style>\n/* include: ../etc/passwd */\n</style>\n' >"$tmp/up.html"
if ! sh "$script" "$tmp" up.html >/dev/null 2>"$tmp/err" &&
    grep -q 'malformed include' "$tmp/err"; then
	ok "an include naming a path (a slash) is refused"
else
	nok "an include naming a path (a slash) is refused"
fi
