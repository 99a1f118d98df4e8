#!/bin/sh
# tests/cli.sh: the parent's command line (src/main.c, main and usage),
# as sfrevops-mcp(1) describes it: -h/--help and -V/--version, and a
# wrong word named in the error before the usage, exit 2.  TAP.
bin=${SFREVOPS_BIN:-./sfrevops-mcp}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0

ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		sed 's/^/# /' "$tmp/out" "$tmp/err"
	fi
}

# run WANT_STATUS ARGS...: status, stdout and stderr into $tmp.
run() {
	want=$1
	shift
	env -i PATH=/usr/bin:/bin "$bin" "$@" </dev/null >"$tmp/out" \
	    2>"$tmp/err"
	got=$?
	[ "$got" -eq "$want" ] || echo "exit status $got, not $want" >>"$tmp/err"
	[ "$got" -eq "$want" ]
}

echo "1..12"

for o in -h --help; do
	run 0 "$o" && grep -q '^usage: sfrevops-mcp \[-h | -V\]$' "$tmp/out" &&
	    [ ! -s "$tmp/err" ]
	ok $? "$o: the usage on stdout, exit 0"
done

version=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' \
    "${top_builddir:-.}/config.h")
for o in -V --version; do
	run 0 "$o" && [ "$(cat "$tmp/out")" = "sfrevops-mcp $version" ]
	ok $? "$o: 'sfrevops-mcp $version', exit 0"
done

for o in --bogus -x -hV; do
	run 2 "$o" &&
	    [ "$(head -n 1 "$tmp/err")" = "sfrevops-mcp: unknown option '$o'" ] &&
	    sed -n 2p "$tmp/err" | grep -q '^usage: sfrevops-mcp' &&
	    [ ! -s "$tmp/out" ]
	ok $? "$o: named as an unknown option, then the usage on stderr, exit 2"
done

run 2 login && head -n 1 "$tmp/err" |
    grep -q "^sfrevops-mcp: unknown command 'login'"
ok $? "login: named as an unknown command, exit 2"

run 2 -V extra && [ "$(head -n 1 "$tmp/err")" = \
    "sfrevops-mcp: unexpected argument 'extra' after '-V'" ] && [ ! -s "$tmp/out" ]
ok $? "-V extra: the extra argument named, exit 2, no version printed"

run 2 --help --bogus && head -n 1 "$tmp/err" | grep -q "'--bogus'" &&
    [ ! -s "$tmp/out" ]
ok $? "--help --bogus: refused, naming --bogus"

# Started with no configuration: one line saying what to set, exit 1
# (the first of the start-up errors in README's troubleshooting).
run 1 && grep -q '"msg":"configuration: SFDC_INSTANCE_URL is not set' "$tmp/err"
ok $? "no SFDC_INSTANCE_URL: the configuration error, exit 1"

env -i PATH=/usr/bin:/bin SFDC_INSTANCE_URL=https://acme.my.salesforce.com "$bin" \
    </dev/null >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ] && grep -q '"msg":"configuration: no credentials: set SFDC_ACCESS_TOKEN' "$tmp/err"
ok $? "no credentials: the configuration error names what to set, exit 1"

exit 0
