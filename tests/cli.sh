#!/bin/sh
# tests/cli.sh: the parent's command line (src/main.c, main and usage),
# as sfrevops-mcp(1) describes it: -h/--help and -V/--version, a wrong
# word named in the error before the usage, exit 2; -f FILE (conf.c,
# config_read_file) and the syntax of SFDC_TOOLS (config_tools).  TAP.
# The subcommands against the simulator: tests/e2e/cli.test.mjs.
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

echo "1..72"

for o in -h --help; do
	run 0 "$o" && grep -q '^usage: sfrevops-mcp \[-h | -V\]$' "$tmp/out" &&
	    grep -q '^       sfrevops-mcp \[-f file\] check \[--json\]$' "$tmp/out" &&
	    grep -q '^       sfrevops-mcp \[-f file\] login \[--sandbox\] \[--port N\] \[--print\]$' "$tmp/out" &&
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

run 2 bogus && head -n 1 "$tmp/err" |
    grep -q "^sfrevops-mcp: unknown command 'bogus'"
ok $? "bogus: named as an unknown command, exit 2"

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
# The write settings (sfrevops-mcp.conf(5)): a bad value is a
# configuration error naming the setting, exit 1, before anything starts.
# conf WANT_STATUS PATTERN VAR=VALUE...
conf() {
	want=$1
	pat=$2
	shift 2
	# Standard output a pipe: the front's sandbox writes to no file.
	{ printf '%s\n' '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"cli","version":"1"}}}' |
	    env -i PATH=/usr/bin:/bin HOME="$tmp/home" \
	    SFDC_INSTANCE_URL=https://127.0.0.1:9 \
	    SFDC_ACCESS_TOKEN='00D000000000001!cli' "$@" "$bin" \
	    2>"$tmp/err"; echo $? >"$tmp/rc"; } | cat >"$tmp/out"
	got=$(cat "$tmp/rc")
	[ "$got" -eq "$want" ] || echo "exit status $got, not $want" >>"$tmp/err"
	[ "$got" -eq "$want" ] || return 1
	if [ "$want" -eq 1 ]; then
		grep -q "\"msg\":\"configuration: $pat" "$tmp/err"
	else
		! grep -q '"msg":"configuration:' "$tmp/err"
	fi
}
mkdir -p "$tmp/home" && chmod 700 "$tmp/home"

objs=O1
i=2
while [ $i -le 32 ]; do objs="$objs,O$i"; i=$((i + 1)); done
conf 0 '' SFDC_WRITE_OBJECTS="$objs" SFDC_WRITABLE_FIELDS=O1.*
ok $? "SFDC_WRITE_OBJECTS of 32 objects is accepted"
conf 1 'SFDC_WRITE_OBJECTS names more than 32 objects' \
    SFDC_WRITE_OBJECTS="$objs,O33" SFDC_WRITABLE_FIELDS=O1.*
ok $? "SFDC_WRITE_OBJECTS of 33 objects is refused"
conf 1 "SFDC_WRITE_OBJECTS: 'Bad-Name' is not an object API name" \
    SFDC_WRITE_OBJECTS=Account,Bad-Name
ok $? "SFDC_WRITE_OBJECTS: a bad name is named"
conf 1 'SFDC_WRITE_OBJECTS names the audit object Cleanup_Audit__c' \
    SFDC_WRITE_OBJECTS=Account,cleanup_audit__c SFDC_WRITABLE_FIELDS=Account.*
ok $? "SFDC_WRITE_OBJECTS may not name the audit object"
conf 1 'SFDC_WRITE_OBJECTS names account twice' \
    SFDC_WRITE_OBJECTS=Account,account SFDC_WRITABLE_FIELDS=Account.*
ok $? "SFDC_WRITE_OBJECTS: a repeated object"
conf 1 'SFDC_WRITE_OBJECTS has an empty or too long item' \
    SFDC_WRITE_OBJECTS=Account,,Lead
ok $? "SFDC_WRITE_OBJECTS: an empty item"
conf 1 'SFDC_WRITABLE_FIELDS names Task, which is not in SFDC_WRITE_OBJECTS' \
    SFDC_WRITABLE_FIELDS=Account.*,Task.*
ok $? "SFDC_WRITABLE_FIELDS: an object that may not be written"
conf 1 'SFDC_WRITABLE_FIELDS: Account.OwnerId is never writable' \
    SFDC_WRITABLE_FIELDS=Account.Name,Account.OwnerId
ok $? "SFDC_WRITABLE_FIELDS: OwnerId is never writable"
conf 1 "SFDC_WRITABLE_FIELDS: 'Account' is not Object.Field or Object.\\*" \
    SFDC_WRITABLE_FIELDS=Account
ok $? "SFDC_WRITABLE_FIELDS: an item without a field"
conf 0 '' SFDC_WRITABLE_FIELDS=Opportunity.StageName,Lead.Status
ok $? "SFDC_WRITABLE_FIELDS: StageName and Lead.Status named explicitly"
long=$(printf 'Account.Name%.0s,' $(seq 1 400))
conf 1 'SFDC_WRITABLE_FIELDS is longer than 4096 bytes' \
    SFDC_WRITABLE_FIELDS="${long}Account.Name"
ok $? "SFDC_WRITABLE_FIELDS of more than 4096 bytes"
conf 1 'SFDC_JOURNAL must be an absolute path' SFDC_JOURNAL=journal.jsonl
ok $? "SFDC_JOURNAL: a relative path"
conf 1 'SFDC_JOURNAL must be an absolute path' SFDC_JOURNAL="$tmp/dir/"
ok $? "SFDC_JOURNAL: a directory"
p1024=/$(printf 'a%.0s' $(seq 1 1023))
conf 0 '' SFDC_JOURNAL="$p1024"
ok $? "SFDC_JOURNAL of 1024 bytes is accepted (and cannot be opened: not fatal)"
grep -q '"msg":"writes are disabled: ' "$tmp/err"
ok $? "... the journal that cannot be opened disables writes, saying so"
conf 1 'SFDC_JOURNAL must be an absolute path' SFDC_JOURNAL="${p1024}b"
ok $? "SFDC_JOURNAL of 1025 bytes is refused"
conf 1 'SFDC_JOURNAL_MAX_MB must be a whole number of MiB from 1 to 4096' \
    SFDC_JOURNAL_MAX_MB=0
ok $? "SFDC_JOURNAL_MAX_MB=0"
conf 1 'SFDC_JOURNAL_MAX_MB must be a whole number of MiB from 1 to 4096' \
    SFDC_JOURNAL_MAX_MB=4097
ok $? "SFDC_JOURNAL_MAX_MB=4097"
conf 0 '' SFDC_JOURNAL_MAX_MB=4096
ok $? "SFDC_JOURNAL_MAX_MB=4096"
conf 1 'SFDC_CONFIRM_WRITES must be elicit or never' SFDC_CONFIRM_WRITES=always
ok $? "SFDC_CONFIRM_WRITES=always"
conf 1 'SFDC_NOTE_SHARE_TYPE must be I' SFDC_NOTE_SHARE_TYPE=C
ok $? "SFDC_NOTE_SHARE_TYPE=C (collaborator: not offered)"
conf 1 'SFDC_NOTE_VISIBILITY must be InternalUsers or AllUsers' \
    SFDC_NOTE_VISIBILITY=SharedUsers
ok $? "SFDC_NOTE_VISIBILITY=SharedUsers"

# The journal's default place and its checks (journal_open, conf.c).
conf 0 '' SFDC_CONFIRM_WRITES=never
[ -f "$tmp/home/.local/state/sfrevops-mcp/journal.jsonl" ] &&
    [ "$(stat -c %a "$tmp/home/.local/state/sfrevops-mcp")" = 700 ] &&
    [ "$(stat -c %a "$tmp/home/.local/state/sfrevops-mcp/journal.jsonl")" = 600 ]
ok $? "the default journal: ~/.local/state/sfrevops-mcp/journal.jsonl, 0600 in a 0700 directory"
mkdir -p "$tmp/xdg" && chmod 700 "$tmp/xdg"
conf 0 '' XDG_STATE_HOME="$tmp/xdg"
[ -f "$tmp/xdg/sfrevops-mcp/journal.jsonl" ]
ok $? "with XDG_STATE_HOME: \$XDG_STATE_HOME/sfrevops-mcp/journal.jsonl"
mkdir -p "$tmp/open" && chmod 777 "$tmp/open"
conf 0 '' SFDC_JOURNAL="$tmp/open/j.jsonl" && grep -q \
    '"msg":"writes are disabled: the journal.s directory .*/open is writable by its group or by others' \
    "$tmp/err" && [ ! -e "$tmp/open/j.jsonl" ]
ok $? "a world-writable journal directory is refused (not fatal) and nothing is created"
ln -s /etc/passwd "$tmp/home/link.jsonl"
conf 0 '' SFDC_JOURNAL="$tmp/home/link.jsonl" &&
    grep -q '"msg":"writes are disabled: cannot open the journal .*: it is a symbolic link' "$tmp/err"
ok $? "a journal that is a symbolic link is refused"
: >"$tmp/home/gw.jsonl" && chmod 622 "$tmp/home/gw.jsonl"
conf 0 '' SFDC_JOURNAL="$tmp/home/gw.jsonl" &&
    grep -q '"msg":"writes are disabled: the journal .*gw.jsonl is writable by its group or by others' "$tmp/err"
ok $? "a group-writable journal file is refused"

# ------------------------------------------------------------- -f FILE
# frun WANT FILE [VAR=value...]: the parent with -f FILE and only the
# variables given; the first error line is in $tmp/err.
frun() {
	want=$1
	file=$2
	shift 2
	env -i PATH=/usr/bin:/bin "$@" "$bin" -f "$file" </dev/null \
	    >"$tmp/out" 2>"$tmp/err"
	got=$?
	[ "$got" -eq "$want" ] || echo "exit status $got, not $want" >>"$tmp/err"
	[ "$got" -eq "$want" ]
}
conf=$tmp/conf
mkconf() { printf "$@" >"$conf" && chmod 600 "$conf"; }
says() { grep -q -- "$1" "$tmp/err"; }

mkconf '# a comment\n\n   \nSFDC_INSTANCE_URL=https://acme.my.salesforce.com\n'
frun 1 "$conf" && says '"msg":"configuration: no credentials'
ok $? "-f: a setting read from the file (comments and blank lines skipped)"

frun 1 "$conf" SFDC_INSTANCE_URL=http://wrong &&
    says 'SFDC_INSTANCE_URL must be https://host'
ok $? "-f: the environment wins over the file"

mkconf 'SFDC_INSTANCE_URL=https://acme.my.salesforce.com\nSFDC_API_VERSION=v60\n'
frun 1 "$conf" && says "SFDC_API_VERSION must look like v60.0 (got 'v60')"
ok $? "-f: the value is the bytes after '=', checked as from the environment"

mkconf 'SFDC_INSTANCE_URL=https://a.example\nSFDC_FOO\n'
frun 1 "$conf" && says "configuration: $conf line 2: expected NAME=value"
ok $? "-f: a line without '=' is named by file and line"

mkconf 'PATH=/tmp\n'
frun 1 "$conf" && says "$conf line 1: 'PATH' is not a setting: every name begins with SFDC_"
ok $? "-f: a name that is not SFDC_* is refused"

mkconf 'SFDC_INSTANCE_URL="https://a.example"\n'
frun 1 "$conf" && says "line 1: the value of SFDC_INSTANCE_URL is quoted; nothing is unquoted or expanded"
ok $? "-f: a quoted value is refused (no shell syntax)"

mkconf 'export SFDC_INSTANCE_URL=https://a.example\n'
frun 1 "$conf" && says "line 1: 'export' is shell syntax"
ok $? "-f: export is refused"

mkconf 'SFDC_INSTANCE_URL=https://a.example\nSFDC_INSTANCE_URL=https://b.example\n'
frun 1 "$conf" && says "line 2: SFDC_INSTANCE_URL is set twice in the file"
ok $? "-f: a name set twice is refused at its second line"

mkconf 'SFDC_INSTANCE_URL=https://a.example\r\n'
frun 1 "$conf" && says "line 1: ends with a carriage return"
ok $? "-f: a CRLF line is refused"

mkconf 'SFDC_INSTANCE_URL = https://a.example\n'
frun 1 "$conf" && says "line 1: 'SFDC_INSTANCE_URL ' is not a setting name"
ok $? "-f: blanks around '=' are refused"

mkconf 'SFDC_INSTANCE_URL=https://acme.my.salesforce.com\n'
chmod 620 "$conf"
frun 1 "$conf" && says "$conf: writable by group or others (mode 620); run: chmod go-w"
ok $? "-f: a group-writable file is refused"
chmod 602 "$conf"
frun 1 "$conf" && says "writable by group or others (mode 602)"
ok $? "-f: a world-writable file is refused"

if [ "$(id -u)" -eq 0 ]; then
	chmod 600 "$conf" && chown 65534 "$conf"
	frun 1 "$conf" && says "$conf: owned by uid 65534, neither root nor us"
	ok $? "-f: a file owned by another user is refused"
	chown 0 "$conf"
else
	n=$((n + 1)); echo "ok $n # SKIP chown needs root"
fi

frun 1 "$tmp" && says "$tmp: not a regular file"
ok $? "-f: a directory is refused"

frun 1 "$tmp/absent" && says "$tmp/absent: No such file or directory"
ok $? "-f: a missing file is named"

mkconf 'SFDC_INSTANCE_URL=https://acme.my.salesforce.com\nSFDC_ACCESS_TOKEN=00Dx!secret\n'
chmod 644 "$conf"
frun 1 "$conf" && says "line 2: SFDC_ACCESS_TOKEN is a secret, and the file is readable by group or others" &&
    ! grep -q '00Dx!secret' "$tmp/err"
ok $? "-f: a secret in a file others can read is refused, and not shown"
chmod 600 "$conf"
frun 1 "$conf" SFDC_CA_FILE=/nonexistent &&
    says 'CA bundle /nonexistent' && ! grep -q '00Dx!secret' "$tmp/err"
ok $? "-f: a secret in a 0600 file is taken (the next error is the CA bundle)"

# The bounds: a line of 8192 bytes (newline excluded) and a file of
# 65536 bytes are read; one byte more of either is refused.
line() { printf "#%$(($1 - 1))s\n" ''; }	# a comment of $1 bytes
{ echo SFDC_INSTANCE_URL=https://acme.my.salesforce.com; line 8192; } >"$conf"
frun 1 "$conf" && says 'no credentials'
ok $? "-f: a line of 8192 bytes is read"
{ echo SFDC_INSTANCE_URL=https://acme.my.salesforce.com; line 8193; } >"$conf"
frun 1 "$conf" && says "$conf line 2: longer than 8192 bytes"
ok $? "-f: a line of 8193 bytes is refused, naming the line"
pad() {	# comment lines up to $1 bytes in all
	echo SFDC_INSTANCE_URL=https://acme.my.salesforce.com
	left=$(($1 - 49))
	while [ $left -gt 4097 ]; do
		line 4095; left=$((left - 4096))
	done
	line $((left - 1))
}
pad 65536 >"$conf"
[ "$(wc -c <"$conf")" -eq 65536 ] && frun 1 "$conf" && says 'no credentials'
ok $? "-f: a file of 65536 bytes is read"
pad 65537 >"$conf"
[ "$(wc -c <"$conf")" -eq 65537 ] && frun 1 "$conf" && says "$conf: larger than 65536 bytes"
ok $? "-f: a file of 65537 bytes is refused"

run 2 -f && says "sfrevops-mcp: -f needs a file"
ok $? "-f without a file: exit 2"
run 2 -f a -f b && says "-f given twice"
ok $? "-f twice: exit 2"
mkconf 'SFDC_FOO\n'
run 2 -f "$conf" check && says "configuration: $conf line 1"
ok $? "-f with a command: a bad file is exit 2"

# ---------------------------------------------------------- SFDC_TOOLS
# trun WANT VALUE: serving with SFDC_TOOLS=VALUE and no client (stdin
# is /dev/null): a good list starts the tree and ends it at once.
trun() {
	env -i PATH=/usr/bin:/bin SFDC_INSTANCE_URL=https://127.0.0.1:9 \
	    SFDC_ACCESS_TOKEN=00Dx!tok SFDC_TOOLS="$2" "$bin" </dev/null \
	    >"$tmp/out" 2>"$tmp/err"
	got=$?
	[ "$got" -eq "$1" ] || echo "exit status $got, not $1" >>"$tmp/err"
	[ "$got" -eq "$1" ]
}
trun 1 'query,,stale_opps' && says 'SFDC_TOOLS: an empty name'
ok $? "SFDC_TOOLS: an empty name is refused"
trun 1 'query, stale_opps' && says "SFDC_TOOLS: ' stale_opps' is not a tool name"
ok $? "SFDC_TOOLS: a blank after a comma is refused, naming the word"
trun 1 'query,bogus_tool,nope' &&
    says "configuration: SFDC_TOOLS names no tool of this server: 'bogus_tool', 'nope' (its tools: get_account"
ok $? "SFDC_TOOLS: unknown names are a configuration error naming each"
trun 1 'read_only' && says "'read_only'"
ok $? "SFDC_TOOLS: read_only is not read-only"
trun 0 'read-only' && ! says '"level":"error"'
ok $? "SFDC_TOOLS=read-only: served (without a writer: tests/e2e/cli.test.mjs), exit 0"
names64=$(printf 'query,%.0s' $(seq 64)); names64=${names64%,}
trun 0 "$names64"
ok $? "SFDC_TOOLS: 64 names are accepted"
trun 1 "$names64,query" && says 'SFDC_TOOLS names more than 64 tools'
ok $? "SFDC_TOOLS: 65 names are refused"
long=$(printf '%4096s' '' | tr ' ' a)
trun 1 "$long" && says 'a name longer than 64 bytes'
ok $? "SFDC_TOOLS: 4096 bytes pass the length bound (the name is then too long)"
trun 1 "${long}a" && says 'SFDC_TOOLS is longer than 4096 bytes'
ok $? "SFDC_TOOLS: 4097 bytes are refused"

exit 0
