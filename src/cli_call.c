/*
 * cli_call.c: the parent as the MCP client of its own front, for the
 * call and check subcommands (cli.h).  Everything goes through the
 * front exactly as a desktop client's requests do: the same parsing,
 * the same argument validation against the tool's inputSchema, the same
 * broker, the same sandboxes.
 *
 *	sfrevops-mcp call TOOL [name=value | name:=JSON]... [--dry-run] [--json]
 *
 * A value is read by the type its inputSchema gives the argument:
 * integer, number, boolean (true or false), string, or an array of
 * strings as a comma-separated list; name:=JSON gives the JSON value
 * itself.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "sfrevops.h"
#include "cli.h"

#define CLI_MAX_ARGS	64		/* name=value words */
#define CLI_MAX_LINE	(16u * 1024 * 1024)	/* one line from the front */

enum {
	ID_INITIALIZE = 1,
	ID_LIST,
	ID_CALL
};

static enum cli_mode	 mode;
static const char	*tool_name;
static char		*kv[CLI_MAX_ARGS];
static int		 nkv;
static int		 opt_json, opt_dry_run;
static int		 status = -1;	/* -1: not finished */
static int		 initialized;
static char		*inbuf;
static size_t		 inlen, incap;

static void __attribute__((noreturn))
call_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void __attribute__((noreturn))
call_usage(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "%s: call: ", SFREVOPS_NAME);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: %s [-f file] call TOOL [name=value | "
	    "name:=JSON]... [--dry-run] [--json]\n", SFREVOPS_NAME);
	exit(2);
}

void
cli_call_args(int argc, char *argv[])
{
	int	 i;

	mode = CLI_CALL;
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--json") == 0)
			opt_json = 1;
		else if (strcmp(a, "--dry-run") == 0)
			opt_dry_run = 1;
		else if (a[0] == '-')
			call_usage("unknown option '%s'", a);
		else if (tool_name == NULL)
			tool_name = a;
		else if (strchr(a, '=') == NULL || a[0] == '=' ||
		    (a[0] == ':' && a[1] == '='))
			call_usage("'%s' is not name=value or name:=JSON", a);
		else if (nkv == CLI_MAX_ARGS)
			call_usage("more than %d arguments", CLI_MAX_ARGS);
		else
			kv[nkv++] = (char *)a;
	}
	if (tool_name == NULL)
		call_usage("which tool? (sfrevops-mcp call --list is not a "
		    "thing: run 'sfrevops-mcp call TOOL'; the tools are in "
		    "sfrevops-mcp(1))");
	if (strlen(tool_name) > 64)
		call_usage("a tool name is at most 64 bytes");
}

void
cli_check_args(int argc, char *argv[])
{
	int	 i;

	mode = CLI_CHECK;
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			cli_check_set_json(1);
		else {
			fprintf(stderr, "%s: check: unknown %s '%s'\n"
			    "usage: %s [-f file] check [--json]\n",
			    SFREVOPS_NAME, argv[i][0] == '-' ? "option" :
			    "argument", argv[i], SFREVOPS_NAME);
			exit(2);
		}
	}
}

/* ------------------------------------------------------------ wire */

static void
send_msg(int fd, cJSON *m)
{
	char	*text, *p;
	size_t	 len, off = 0;
	ssize_t	 n;

	if ((text = cJSON_PrintUnformatted(m)) == NULL)
		fatalx("cJSON_PrintUnformatted");
	cJSON_Delete(m);
	len = strlen(text);
	p = xmalloc(len + 1);
	memcpy(p, text, len);
	p[len++] = '\n';
	cJSON_free(text);
	while (off < len) {
		n = write(fd, p + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			log_warn("writing to the front");
			break;
		}
		off += (size_t)n;
	}
	free(p);
}

void
cli_send(int fd, cJSON *m)
{
	send_msg(fd, m);
}

cJSON *
cli_request(int id, const char *method)
{
	cJSON	*m;

	if ((m = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	cJSON_AddStringToObject(m, "jsonrpc", "2.0");
	if (id != 0)
		cJSON_AddNumberToObject(m, "id", id);
	cJSON_AddStringToObject(m, "method", method);
	return m;
}

void
cli_begin(enum cli_mode m, int fd)
{
	cJSON	*r, *params, *info;

	mode = m;
	r = cli_request(ID_INITIALIZE, "initialize");
	params = cJSON_AddObjectToObject(r, "params");
	cJSON_AddStringToObject(params, "protocolVersion", "2025-11-25");
	cJSON_AddObjectToObject(params, "capabilities");
	info = cJSON_AddObjectToObject(params, "clientInfo");
	cJSON_AddStringToObject(info, "name", m == CLI_CALL ?
	    SFREVOPS_NAME " call" : m == CLI_AUDIT ? SFREVOPS_NAME
	    " audit-report" : SFREVOPS_NAME " check");
	cJSON_AddStringToObject(info, "version", PACKAGE_VERSION);
	send_msg(fd, r);
}

/* ------------------------------------------------------- arguments */

static const char *
type_of(const cJSON *prop)
{
	const char *t = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(prop, "type"));

	return t != NULL ? t : "";
}

/* The names a schema takes, for messages. */
static void
names_of(const cJSON *props, char *buf, size_t len)
{
	const cJSON	*p;
	size_t		 off = 0;

	buf[0] = '\0';
	cJSON_ArrayForEach(p, props) {
		int n = snprintf(buf + off, len - off, "%s%s", off ? ", " : "",
		    p->string);
		if (n < 0 || (size_t)n >= len - off)
			break;
		off += (size_t)n;
	}
}

/* One value by its schema type; NULL with err set if it is not one. */
static cJSON *
value_of(const char *name, const cJSON *prop, const char *v, char *err,
    size_t errlen)
{
	const char	*t = type_of(prop);
	char		*end;
	cJSON		*arr;

	if (strcmp(t, "integer") == 0 || strcmp(t, "number") == 0) {
		double	 d;

		errno = 0;
		d = strtod(v, &end);
		/* An integer is digits (and a sign) only, so integral;
		 * the parent links no libm. */
		if (errno != 0 || end == v || *end != '\0' || !isfinite(d) ||
		    (strcmp(t, "integer") == 0 &&
		    (strspn(v, "-0123456789") != strlen(v) ||
		    d > 9007199254740991.0 || d < -9007199254740991.0))) {
			snprintf(err, errlen, "%s: expected %s, got '%.40s'",
			    name, strcmp(t, "integer") == 0 ? "an integer" :
			    "a number", v);
			return NULL;
		}
		return cJSON_CreateNumber(d);
	}
	if (strcmp(t, "boolean") == 0) {
		if (strcmp(v, "true") == 0)
			return cJSON_CreateTrue();
		if (strcmp(v, "false") == 0)
			return cJSON_CreateFalse();
		snprintf(err, errlen, "%s: expected true or false, got '%.40s'",
		    name, v);
		return NULL;
	}
	if (strcmp(t, "array") == 0) {
		const char *p = v, *comma;

		if ((arr = cJSON_CreateArray()) == NULL)
			fatalx("cJSON_CreateArray");
		while (*v != '\0') {
			char *item;

			if ((comma = strchr(p, ',')) == NULL)
				comma = p + strlen(p);
			item = xstrndup(p, (size_t)(comma - p));
			cJSON_AddItemToArray(arr, cJSON_CreateString(item));
			free(item);
			if (*comma == '\0')
				break;
			p = comma + 1;
		}
		return arr;
	}
	if (strcmp(t, "string") == 0)
		return cJSON_CreateString(v);
	snprintf(err, errlen, "%s: its type (%s) takes name:=JSON", name,
	    *t != '\0' ? t : "not given");
	return NULL;
}

/* The arguments of the tools/call, from the words and the schema. */
static cJSON *
args_build(const cJSON *tool, char *err, size_t errlen)
{
	const cJSON	*schema, *props, *prop;
	cJSON		*args, *v;
	char		 names[1024], *name;
	const char	*val;
	int		 i, raw;

	schema = cJSON_GetObjectItemCaseSensitive(tool, "inputSchema");
	props = cJSON_GetObjectItemCaseSensitive(schema, "properties");
	names_of(props, names, sizeof(names));
	if ((args = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	for (i = 0; i < nkv; i++) {
		const char *eq = strchr(kv[i], '=');

		/* The parser took only NAME=VALUE words (above); said here
		 * too, for gcc -fanalyzer, which cannot follow kv[] there. */
		if (eq == NULL)
			fatalx("args_build: '%s' has no '='", kv[i]);
		raw = eq > kv[i] && eq[-1] == ':';
		name = xstrndup(kv[i], (size_t)(eq - kv[i]) - (raw ? 1 : 0));
		val = eq + 1;
		if ((prop = cJSON_GetObjectItemCaseSensitive(props, name)) ==
		    NULL) {
			snprintf(err, errlen, "%s takes no argument '%.64s' "
			    "(it takes: %s)", tool_name, name, names);
			free(name);
			cJSON_Delete(args);
			return NULL;
		}
		if (cJSON_GetObjectItemCaseSensitive(args, name) != NULL) {
			snprintf(err, errlen, "%s is given twice", name);
			free(name);
			cJSON_Delete(args);
			return NULL;
		}
		if (raw) {
			if ((v = cJSON_Parse(val)) == NULL)
				snprintf(err, errlen, "%s:=: not JSON: '%.40s'",
				    name, val);
		} else
			v = value_of(name, prop, val, err, errlen);
		if (v == NULL) {
			free(name);
			cJSON_Delete(args);
			return NULL;
		}
		cJSON_AddItemToObject(args, name, v);
		free(name);
	}
	if (opt_dry_run) {
		if (cJSON_GetObjectItemCaseSensitive(props, "dry_run") == NULL) {
			snprintf(err, errlen, "%s has no dry run", tool_name);
			cJSON_Delete(args);
			return NULL;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(args, "dry_run");
		cJSON_AddBoolToObject(args, "dry_run", 1);
	}
	return args;
}

/* -------------------------------------------------------- answers */

static void
finish(int st)
{
	if (status == -1)
		status = st;
}

static const char *
error_text(const cJSON *m)
{
	const char *t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(m, "error"), "message"));

	return t != NULL ? t : "(no message)";
}

static void
on_list(int fd, const cJSON *result)
{
	const cJSON	*t, *tool = NULL;
	cJSON		*r, *params, *args;
	char		 names[2048], err[1200];
	size_t		 off = 0;

	names[0] = '\0';
	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(result,
	    "tools")) {
		const char *n = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(t, "name"));
		int k;

		if (n == NULL)
			continue;
		if (strcmp(n, tool_name) == 0)
			tool = t;
		k = snprintf(names + off, sizeof(names) - off, "%s%s",
		    off ? ", " : "", n);
		if (k > 0 && (size_t)k < sizeof(names) - off)
			off += (size_t)k;
	}
	if (tool == NULL) {
		fprintf(stderr, "%s: call: unknown tool '%s' (this server's "
		    "tools: %s)\n", SFREVOPS_NAME, tool_name, names);
		finish(2);
		return;
	}
	if ((args = args_build(tool, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s: call: %s\n", SFREVOPS_NAME, err);
		finish(2);
		return;
	}
	r = cli_request(ID_CALL, "tools/call");
	params = cJSON_AddObjectToObject(r, "params");
	cJSON_AddStringToObject(params, "name", tool_name);
	cJSON_AddItemToObject(params, "arguments", args);
	send_msg(fd, r);
}

/*
 * Tool text holds Salesforce data (a record's name, a note): on a
 * terminal its control characters other than newline and tab are shown
 * as '?', so that no record can send escape sequences to the terminal.
 */
static void
put_text(FILE *out, const char *t)
{
	int	 tty = isatty(fileno(out));

	for (; *t != '\0'; t++) {
		unsigned char c = (unsigned char)*t;

		if (tty && ((c < 0x20 && c != '\n' && c != '\t') ||
		    c == 0x7f))
			c = '?';
		fputc(c, out);
	}
}

static void
on_call(const cJSON *result)
{
	const cJSON	*b;
	int		 is_error, first = 1;
	char		*text;

	is_error = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(result,
	    "isError"));
	if (opt_json) {
		if ((text = cJSON_Print(result)) == NULL)
			fatalx("cJSON_Print");
		printf("%s\n", text);
		cJSON_free(text);
	} else {
		FILE *out = is_error ? stderr : stdout;

		if (is_error)
			fprintf(out, "%s: %s: ", SFREVOPS_NAME, tool_name);
		cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(result,
		    "content")) {
			const char *t = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(b, "text"));
			if (t == NULL)
				continue;
			if (!first)
				fputc('\n', out);
			put_text(out, t);
			first = 0;
		}
		fputc('\n', out);
	}
	if (fflush(stdout) == EOF) {
		log_warn("stdout");
		finish(1);
	}
	finish(is_error ? 1 : 0);
}

static void
on_message(int fd, cJSON *m)
{
	const cJSON	*id = cJSON_GetObjectItemCaseSensitive(m, "id");
	const cJSON	*result = cJSON_GetObjectItemCaseSensitive(m, "result");
	cJSON		*r;

	/* Notifications (progress, log messages): not for us. */
	if (cJSON_GetObjectItemCaseSensitive(m, "method") != NULL ||
	    !cJSON_IsNumber(id))
		return;
	if (mode == CLI_AUDIT && id->valueint != ID_INITIALIZE) {
		int st = cli_audit_answer(fd, m);

		if (st != -1)
			finish(st);
		return;
	}
	if (!cJSON_IsObject(result)) {
		fprintf(stderr, "%s: %s: %s\n", SFREVOPS_NAME,
		    mode == CLI_CALL ? tool_name : mode == CLI_AUDIT ?
		    "audit-report" : "check", error_text(m));
		finish(id->valueint == ID_CALL && mode == CLI_CALL ? 1 : 2);
		return;
	}
	switch (id->valueint) {
	case ID_INITIALIZE:
		initialized = 1;
		send_msg(fd, cli_request(0, "notifications/initialized"));
		if (mode == CLI_CALL)
			send_msg(fd, cli_request(ID_LIST, "tools/list"));
		else if (mode == CLI_AUDIT)
			cli_audit_begin(fd);
		else
			send_msg(fd, cli_request(ID_CALL, "sfrevops/check"));
		break;
	case ID_LIST:
		on_list(fd, result);
		break;
	case ID_CALL:
		if (mode == CLI_CALL)
			on_call(result);
		else {
			r = cJSON_Duplicate(result, 1);
			finish(cli_check_report(r));
		}
		break;
	default:
		break;
	}
}

int
cli_input(int fd)
{
	ssize_t	 n;
	char	*nl;
	cJSON	*m;

	if (incap - inlen < 65536) {
		if (incap >= CLI_MAX_LINE) {
			fprintf(stderr, "%s: the front sent a line longer "
			    "than %u bytes\n", SFREVOPS_NAME, CLI_MAX_LINE);
			finish(1);
			return 1;
		}
		incap = incap == 0 ? 65536 * 2 : incap * 2;
		inbuf = xreallocarray(inbuf, 1, incap);
	}
	n = read(fd, inbuf + inlen, incap - inlen - 1);
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		/* The front went away first: cli_status() says so. */
		return 1;
	}
	inlen += (size_t)n;
	while (status == -1 && (nl = memchr(inbuf, '\n', inlen)) != NULL) {
		*nl = '\0';
		if ((m = cJSON_Parse(inbuf)) != NULL) {
			on_message(fd, m);
			cJSON_Delete(m);
		} else {
			fprintf(stderr, "%s: the front sent a line that is not "
			    "JSON\n", SFREVOPS_NAME);
			finish(1);
		}
		inlen -= (size_t)(nl + 1 - inbuf);
		memmove(inbuf, nl + 1, inlen);
	}
	return status != -1;
}

int
cli_status(int clean)
{
	free(inbuf);
	inbuf = NULL;
	if (status != -1)
		return status;
	/* The tree stopped before answering: its log said why. */
	fprintf(stderr, "%s: %s: the server stopped before it answered%s\n",
	    SFREVOPS_NAME, mode == CLI_CALL ? "call" : mode == CLI_AUDIT ?
	    "audit-report" : "check", clean ? "" : " (the lines above say why)");
	return initialized ? 1 : 2;
}
