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

echo "1..39"

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

exit 0
