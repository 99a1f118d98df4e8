/*
 * front.c: the Model Context Protocol on standard input and output.
 *
 * The front parses everything the client sends, validates tool
 * arguments against the tool's own inputSchema, and runs each tool call
 * through its handler (src/tools/), which turns it into typed requests
 * to the broker.  It holds no secret and, once sandboxed, opens nothing:
 * it only reads and writes the descriptors it was started with.
 *
 * Calls: this file alone creates, sends for, finishes and frees them.
 * Every call has a deadline (call_timeout_ms); every request it sends
 * has a pending entry until its one answer arrives, even when the call
 * has ended (cancelled, past its deadline), and every answer's type is
 * checked against its request's in front_dispatch_peer().
 *
 * Writes: the write tools' requests (WR_*) go to the writer, the rest
 * to the broker.  A tool may ask the person through elicitation/create,
 * our one request to the client (ids "sfr-N"), only when the client
 * declared the capability; the response comes back through
 * front_response().  WR_STATUS, the writer's one unsolicited message,
 * says whether the write tools are available.
 *
 * stdout carries JSON-RPC and nothing else; logs go to the parent.
 */
#include "config.h"

#include <sys/uio.h>

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "sfrevops.h"
#include "date.h"
#include "jsonrpc.h"
#include "policy_table.h"
#include "schema.h"
#include "tool.h"
#include "tz.h"
#include "ui.h"

#define READ_CHUNK	65536
#define PROGRESS_TICK_MS 1000	/* elapsed-time progress, while waiting */
#define DRAIN_MS	900	/* after EOF: answer what is in flight */
#define ORG_WAIT_MS	2000	/* a result waits this long for the org */
#define ZONE_WAIT_MS	5000	/* a dated call waits this long for the zone */

static const char *const protocol_versions[] = {
	"2025-11-25",	/* the latest first: the answer to unknown versions */
	"2025-06-18",
	"2025-03-26",
	"2024-11-05",
	NULL
};

struct call;

/*
 * A request of ours to the client (elicitation/create), not answered
 * yet: at most one per call, so at most MCP_MAX_INFLIGHT.  Our ids are
 * strings, "sfr-1", "sfr-2", ..., never reused in a session.
 */
struct elicit {
	struct elicit	*next;
	char		 id[32];	/* the id as JSON text, with quotes */
	struct call	*call;
	cJSON		*schema;	/* requestedSchema, checks the content */
	uint32_t	 abandon_type;	/* sent if the call ends first */
	struct buf	 abandon;
};

/* A request sent to a peer and not answered yet. */
struct pending {
	struct pending	*next;
	uint32_t	 id;
	uint32_t	 type;		/* the request's */
	struct ipc	*peer;
	struct call	*call;		/* NULL: the call ended, drop the answer */
	int		 org;		/* the front's own SF_IDENTITY */
	int		 startup;	/* the start-up check's describe: 1, 2 */
};

/* One tools/call in progress. */
struct call {
	struct call		*next;
	struct front		*f;
	struct tool_ctx		 ctx;
	char			*rpc_id;	/* JSON text of the request id */
	cJSON			*args;		/* validated arguments (owned) */
	size_t			 outstanding;	/* pending entries it owns */
	struct elicit		*elicit;	/* waiting for the person */
	const char		*dead_peer;	/* a request found it gone */
	uint64_t		 started_ms;
	uint64_t		 deadline_ms;
	int			 held;		/* done; waits for the org's name */
	int			 zone_wait;	/* not started; waits for the zone */
	char			 args_hash[33];	/* keyed BLAKE2b, hex, for logs */
	unsigned int		 api_calls;	/* requests sent to the broker */
	/* notifications/progress, when the request asked for it */
	char			*progress_token;	/* JSON text, or NULL */
	int			 steps;		/* steps begun */
	int			 total;		/* of steps; 0: unknown */
	int			 ticks;		/* elapsed reports in this step */
	uint64_t		 step_ms;	/* when the step began */
	uint64_t		 next_tick_ms;
	char			 step_msg[160];
};

struct front {
	struct proc_ctx	 proc;
	struct ipc	 broker;
	struct ipc	 writer;
	int		 broker_gone;
	int		 writer_gone;
	int		 writer_absent;	/* not started: SFDC_TOOLS, no write tool */
	int		 check_mode;	/* sfrevops-mcp check: sfrevops/check */
	/* Which org answers (SF_IDENTITY, once per process): results name
	 * it.  org_host is the configured instance's, known from the start. */
	enum { ORG_UNKNOWN, ORG_ASKED, ORG_KNOWN } org_state;
	uint64_t	 org_asked_ms;
	char		 org_host[256];
	char		 org_id[19];
	char		 org_name[81];
	int		 org_sandbox;
	/* The running user's time zone (the identity's zoneinfo), its
	 * offsets from the parent (TZ_QUERY, once per process), or why it
	 * is not known: the dates the helpers state are in it. */
	enum { TZ_NONE, TZ_ASKED, TZ_KNOWN, TZ_FAILED } tz_state;
	char		 tz_zone[TZ_NAME_MAX + 1];
	char		 tz_why[240];
	uint32_t	 tz_id;
	long long	 tz_utc[TZ_MAX_TRANS];
	long		 tz_off[TZ_MAX_TRANS];
	size_t		 tz_n;
	long long	 tz_until;	/* the table's end (utc seconds) */
	int		 initialized;	/* initialize answered */
	int		 tools_listed;	/* tools/list answered at least once */
	int		 writes_known;	/* a WR_STATUS has arrived */
	char		 version[16];	/* negotiated protocol version */
	int		 mcp_log_level;	/* logging/setLevel; -1: none */
	enum ui_mode	 ui_mode;	/* SFDC_UI */
	int		 ui;		/* the views, negotiated (src/ui.c) */
	struct call	*calls;
	size_t		 ncalls;
	struct pending	*pending;
	uint32_t	 next_ipc_id;
	long		 call_timeout_ms;
	/* The client, from initialize: "name version", one line. */
	char		 client[121];
	int		 elicit_form;	/* it takes form elicitation */
	int		 confirm_writes;	/* SFDC_CONFIRM_WRITES=elicit */
	struct elicit	*elicits;
	size_t		 nelicits;
	uint64_t	 next_elicit_id;
	/* The writer's latest WR_STATUS. */
	int		 writes_disabled;
	char		 writes_reason[320];
	cJSON		*wr_status;	/* the whole of it, for check */
	char		*fields_note;	/* update_field: the fields it drops */
	/* The start-up check (SFDC_STARTUP_CHECK): the reads it withholds,
	 * with the reason ("" while available). */
	int		 startup_started;
	char		 risk_why[400];
	char		 stale_why[800];
	char		 hist_err[160];	/* start-up: OpportunityHistory's error */
	/* sfrevops-mcp check: the request, waiting for the writer's checks. */
	char		*check_id;
	uint64_t	 check_deadline_ms;
	/* the line being read from stdin */
	char		*line;
	size_t		 len;
	size_t		 cap;
	int		 discarding;	/* skipping an oversized line */
	int		 stdin_eof;
	/* Keys the argument hashes in the logs: calls with the same
	 * arguments match within one run, and a short argument (an ID)
	 * cannot be recovered by hashing guesses. */
	unsigned char	 log_key[crypto_generichash_KEYBYTES];
};

static void front_message(struct front *, struct jr_msg *, cJSON *replies);
static int check_writer_final(const struct front *);
static void check_run(struct front *);

/* ------------------------------------------------------------ output */

/* Write len bytes of line and a newline to stdout, whole, unbuffered. */
static void
out_write(const char *line, size_t len)
{
	struct iovec	 iov[2];
	ssize_t		 n;
	size_t		 done;
	int		 i = 0;

	iov[0].iov_base = (void *)(uintptr_t)line;
	iov[0].iov_len = len;
	iov[1].iov_base = (void *)(uintptr_t)"\n";
	iov[1].iov_len = 1;
	while (i < 2) {
		n = writev(STDOUT_FILENO, iov + i, 2 - i);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EPIPE)
				exit(0);	/* the client went away */
			if (errno == EFBIG)
				fatalx("standard output is a regular file, and "
				    "the sandbox lets the front write to no file "
				    "(RLIMIT_FSIZE 0): give it a pipe, e.g. "
				    "| cat > file");
			fatal("write to stdout");
		}
		for (done = (size_t)n; i < 2 && done >= iov[i].iov_len; i++)
			done -= iov[i].iov_len;
		if (i < 2) {
			iov[i].iov_base = (char *)iov[i].iov_base + done;
			iov[i].iov_len -= done;
		}
	}
}

/* Write one JSON-RPC message and its newline to stdout. */
static void
out_line(const char *line)
{
	out_write(line, strlen(line));
}

/* Print a message (consumed) and write it: one print, no other copy. */
static void
out_json(cJSON *msg)
{
	char	*text;

	if ((text = cJSON_PrintUnformatted(msg)) == NULL)
		fatalx("cJSON_PrintUnformatted");
	cJSON_Delete(msg);
	out_write(text, strlen(text));
	cJSON_free(text);
}

/* {"jsonrpc":"2.0","id":ID}: the id is the request's own text, as sent. */
static cJSON *
msg_new(const char *id)
{
	cJSON	*m;

	if ((m = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(m, "jsonrpc", "2.0") == NULL ||
	    (id != NULL && cJSON_AddRawToObject(m, "id", id) == NULL))
		fatalx("cJSON_CreateObject");
	return m;
}

/* A response with result (consumed). */
static cJSON *
msg_result(const char *id, cJSON *result)
{
	cJSON	*m = msg_new(id);

	cJSON_AddItemToObject(m, "result", result);
	return m;
}

static cJSON *
msg_error(const char *id, int code, const char *message)
{
	cJSON	*m = msg_new(id), *err;

	if ((err = cJSON_AddObjectToObject(m, "error")) == NULL)
		fatalx("cJSON_AddObjectToObject");
	cJSON_AddNumberToObject(err, "code", code);
	cJSON_AddStringToObject(err, "message", message);
	return m;
}

/* Inside a batch, collect; otherwise write now. */
static void
send_or_collect(cJSON *msg, cJSON *replies)
{
	if (replies != NULL)
		cJSON_AddItemToArray(replies, msg);
	else
		out_json(msg);
}

static void
out_notification(const char *method, cJSON *params)
{
	cJSON	*m = msg_new(NULL);

	cJSON_AddStringToObject(m, "method", method);
	cJSON_AddItemToObject(m, "params", params);
	out_json(m);
}

static int
version_at_least(const struct front *f, const char *v)
{
	/* Dates compare as strings. */
	return strcmp(f->version, v) >= 0;
}

/* ------------------------------------------------------------ logging */

/* Also tell the client, when it asked for logs at this level. */
static void
front_notify_log(struct front *f, int level, const char *logger,
    const char *message)
{
	cJSON	*params;

	if (f->mcp_log_level < 0 || level < f->mcp_log_level ||
	    !f->initialized)
		return;
	if ((params = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	cJSON_AddStringToObject(params, "level", log_level_name(level));
	cJSON_AddStringToObject(params, "logger", logger);
	cJSON_AddStringToObject(params, "data", message);
	out_notification("notifications/message", params);
}

/* ------------------------------------------------------------ results */

/* A result with one text block; isError as given. */
static cJSON *
text_result(const char *text, int is_error)
{
	cJSON	*result, *content, *block;

	if ((result = cJSON_CreateObject()) == NULL ||
	    (content = cJSON_AddArrayToObject(result, "content")) == NULL ||
	    (block = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	cJSON_AddStringToObject(block, "type", "text");
	cJSON_AddStringToObject(block, "text", text);
	cJSON_AddItemToArray(content, block);
	cJSON_AddBoolToObject(result, "isError", is_error);
	return result;
}

/* The same, referring to text, which must outlive the result. */
static cJSON *
text_result_ref(const char *text, int is_error)
{
	cJSON	*result, *content, *block, *t;

	if ((result = cJSON_CreateObject()) == NULL ||
	    (content = cJSON_AddArrayToObject(result, "content")) == NULL ||
	    (block = cJSON_CreateObject()) == NULL ||
	    (t = cJSON_CreateStringReference(text)) == NULL)
		fatalx("cJSON_CreateObject");
	cJSON_AddStringToObject(block, "type", "text");
	cJSON_AddItemToObject(block, "text", t);
	cJSON_AddItemToArray(content, block);
	cJSON_AddBoolToObject(result, "isError", is_error);
	return result;
}

static cJSON *
error_result(const char *text)
{
	return text_result(text, 1);
}

/* ------------------------------------------------------------- calls */

static void call_request(struct tool_ctx *, uint32_t, const struct buf *);
static void call_progress(struct tool_ctx *, int, const char *);
static int call_elicit(struct tool_ctx *, const char *, const cJSON *,
	    uint32_t, const struct buf *, char *, size_t);
static void elicit_abandon(struct front *, struct call *, const char *);

static const struct tool_ops call_ops = {
	call_request,
	call_progress,
	call_elicit
};

static struct call *
call_new(struct front *f, const struct tool *t, const char *rpc_id,
    cJSON *args, const cJSON *token)
{
	struct call	*c;
	unsigned char	 h[16];
	char		*text;

	c = xcalloc(1, sizeof(*c));
	c->f = f;
	c->rpc_id = xstrdup(rpc_id);
	c->args = args;
	c->started_ms = now_ms();
	c->deadline_ms = c->started_ms + (uint64_t)f->call_timeout_ms;
	if (token != NULL) {
		if ((text = cJSON_PrintUnformatted(token)) == NULL)
			fatalx("cJSON_PrintUnformatted");
		c->progress_token = xstrdup(text);
		cJSON_free(text);
		c->step_ms = c->started_ms;
		c->next_tick_ms = c->started_ms + PROGRESS_TICK_MS;
	}
	c->ctx.tool = t;
	c->ctx.args = args;
	c->ctx.fls_mode = proc_config_str(&f->proc, "fls_mode",
	    "auto");
	c->ctx.commit_stage = proc_config_str(&f->proc, "commit_stage",
	    "Commit");
	c->ctx.client = f->client;
	c->ctx.ops = &call_ops;
	c->ctx.opaque = c;
	if ((text = cJSON_PrintUnformatted(args)) == NULL)
		fatalx("cJSON_PrintUnformatted");
	crypto_generichash(h, sizeof(h), (const unsigned char *)text,
	    strlen(text), f->log_key, sizeof(f->log_key));
	cJSON_free(text);
	sodium_bin2hex(c->args_hash, sizeof(c->args_hash), h, sizeof(h));
	c->next = f->calls;
	f->calls = c;
	f->ncalls++;
	return c;
}

static void
call_free(struct front *f, struct call *c)
{
	struct call	**pp;

	for (pp = &f->calls; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			f->ncalls--;
			break;
		}
	if (c->ctx.state != NULL) {
		if (c->ctx.tool->state_free != NULL)
			c->ctx.tool->state_free(c->ctx.state);
		else
			free(c->ctx.state);
	}
	cJSON_Delete(c->ctx.structured);
	free(c->ctx.text);
	cJSON_Delete(c->args);
	free(c->rpc_id);
	free(c->progress_token);
	free(c);
}

static void
call_log(struct front *f, struct call *c, const char *status)
{
	char	 extra[320], msg[200];
	unsigned long long ms = (unsigned long long)(now_ms() - c->started_ms);

	/* api_calls: the requests this call sent to the broker; org_id:
	 * once the front knows it, letters and digits only (the
	 * exporter's attributes). */
	int	 org = f->org_state == ORG_KNOWN && strspn(f->org_id,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") ==
	    strlen(f->org_id);

	snprintf(extra, sizeof(extra), "\"tool\":\"%s\",\"args_hash\":\"%s\","
	    "\"status\":\"%s\",\"ms\":%llu,\"api_calls\":%u%s%s%s",
	    c->ctx.tool->name, c->args_hash, status, ms, c->api_calls,
	    org ? ",\"org_id\":\"" : "", org ? f->org_id : "",
	    org ? "\"" : "");
	log_json(LOG_LVL_INFO, "tool call", extra);
	snprintf(msg, sizeof(msg), "%s: %s in %llu ms", c->ctx.tool->name,
	    status, ms);
	front_notify_log(f, LOG_LVL_DEBUG, "tools", msg);
}

/* Stop what the call still waits for: its requests are cancelled and
 * their answers, when they come, are dropped. */
static void
call_orphan(struct front *f, struct call *c)
{
	struct pending	*p;

	for (p = f->pending; p != NULL && c->outstanding > 0; p = p->next) {
		if (p->call != c)
			continue;
		p->call = NULL;
		c->outstanding--;
		if ((p->peer == &f->broker && f->broker_gone) ||
		    (p->peer == &f->writer && f->writer_gone))
			continue;
		ipc_send(p->peer, IMSG_CANCEL, p->id, NULL, 0);
		proc_flush(&f->proc, p->peer);
	}
}

/*
 * The end of a call, the only one: logged once with status, answered
 * with result (consumed) unless it is NULL (cancelled: no response), its
 * outstanding requests cancelled, and freed.
 */
static void
call_end(struct front *f, struct call *c, const char *status, cJSON *result)
{
	call_orphan(f, c);
	if (c->elicit != NULL)
		elicit_abandon(f, c, status);
	call_log(f, c, status);
	if (result != NULL)
		out_json(msg_result(c->rpc_id, result));
	call_free(f, c);
}

/* A tool error that ends the call. */
static void
call_fail(struct front *f, struct call *c, const char *status,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
call_fail(struct front *f, struct call *c, const char *status,
    const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[2048];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	call_end(f, c, status, error_result(msg));
}

/*
 * The broker said the org's API usage is past SFDC_API_USAGE_WARN_PCT:
 * the result says so, in a line after the rest, so that the model and
 * the person know the allowance every integration shares is running out.
 */
static void
call_note_usage(struct call *c)
{
	unsigned long long	 n, m;
	char			*text;

	if (c->ctx.org_api_usage[0] == '\0' ||
	    sscanf(c->ctx.org_api_usage, "%llu/%llu", &n, &m) != 2 || m == 0 ||
	    m > 1000000000000ULL || n > m * 10)
		return;
	xasprintf(&text, "%s\n\nNote: this org has used %llu of its %llu API "
	    "requests of the last 24 hours (%llu %%); every integration with "
	    "the org shares them.", c->ctx.text != NULL ? c->ctx.text : "", n,
	    m, n * 100 / m);
	free(c->ctx.text);
	c->ctx.text = text;
}

/* ---------------------------------------------------------------- org */

/*
 * Ask the broker who answers, unless it is known or asked already: at
 * start-up, and again at a call after a failed attempt.  The answer is
 * the front's own (a pending entry of no call).
 */
static void
org_fetch(struct front *f)
{
	struct pending	*p;

	if (f->org_state != ORG_UNKNOWN || f->broker_gone)
		return;
	if (++f->next_ipc_id == 0)
		f->next_ipc_id = 1;
	p = xcalloc(1, sizeof(*p));
	p->id = f->next_ipc_id;
	p->type = IMSG_SF_IDENTITY;
	p->peer = &f->broker;
	p->org = 1;
	p->next = f->pending;
	f->pending = p;
	f->org_state = ORG_ASKED;
	f->org_asked_ms = now_ms();
	ipc_send(p->peer, IMSG_SF_IDENTITY, p->id, NULL, 0);
	proc_flush(&f->proc, p->peer);
}

/* A string from a peer, one clean line, or "". */
static void
org_str_copy(const char *v, char *out, size_t len)
{
	size_t		 i;

	strlcpy_sf(out, v != NULL ? v : "", len);
	for (i = 0; out[i] != '\0'; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			out[i] = ' ';
	if (!utf8_valid(out, strlen(out)))
		out[0] = '\0';
}

/* A string of the identity, one clean line, or "". */
static void
org_str(const cJSON *j, const char *key, char *out, size_t len)
{
	org_str_copy(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j,
	    key)), out, len);
}

static void	call_verdict(struct front *, struct call *, enum tool_verdict);
static void	zone_ask(struct front *);

/* The identity answered (or failed): the results that waited for it. */
static void
org_release(struct front *f)
{
	struct call	*c, *next;

	for (c = f->calls; c != NULL; c = next) {
		next = c->next;
		if (c->held)
			call_verdict(f, c, TOOL_DONE);
	}
}

/* The answer to org_fetch(): kept, and logged once. */
static void
org_answer(struct front *f, uint32_t type, struct buf *b)
{
	uint32_t	 code;
	char		*msg = NULL;
	cJSON		*j;

	if (type == IMSG_ERROR) {
		if (buf_get_u32(b, &code) == -1 ||
		    buf_get_str(b, &msg, 65536) == -1 || buf_get_end(b) == -1)
			fatalx("malformed ERROR answer");
		log_warnx("which org answers is not known yet (asked again at "
		    "the next call): %s", msg);
		free(msg);
		f->org_state = ORG_UNKNOWN;
		return;
	}
	if (buf_get_str(b, &msg, IPC_MAX_PAYLOAD) == -1 ||
	    buf_get_end(b) == -1 || (j = cJSON_Parse(msg)) == NULL)
		fatalx("malformed SF_IDENTITY answer");
	free(msg);
	org_str(j, "organization_id", f->org_id, sizeof(f->org_id));
	org_str(j, "org_name", f->org_name, sizeof(f->org_name));
	f->org_sandbox = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j,
	    "is_sandbox"));
	if (f->tz_state == TZ_NONE)
		org_str(j, "zoneinfo", f->tz_zone, sizeof(f->tz_zone));
	cJSON_Delete(j);
	if (strlen(f->org_id) != 18 && strlen(f->org_id) != 15) {
		log_warnx("the identity names no organization id");
		f->org_state = ORG_UNKNOWN;
		return;
	}
	f->org_state = ORG_KNOWN;
	if (f->tz_state == TZ_NONE)
		zone_ask(f);
	log_info("org: %s (%s) at %s, %s", f->org_id, f->org_name[0] != '\0' ?
	    f->org_name : "no name", f->org_host, f->org_sandbox ?
	    "a sandbox" : "production (not a sandbox)");
}

/* --------------------------------------------------------------- zone */

/*
 * The running user's time zone: the identity names it (zoneinfo, the
 * User's TimeZoneSidKey), the parent turns it into UTC offsets (the
 * front has no tzdata), and a call of a tool that states dates
 * (TOOL_ORG_DATES) starts once that is settled, or after ZONE_WAIT_MS.
 * Salesforce evaluates TODAY and LAST_N_DAYS in that zone; the dates
 * the answers state are the same days.
 */
static void
zone_ask(struct front *f)
{
	struct buf	 b;
	char		 why[160];

	if (f->tz_zone[0] == '\0') {
		f->tz_state = TZ_FAILED;
		snprintf(f->tz_why, sizeof(f->tz_why), "the identity names no "
		    "time zone for the running user");
		return;
	}
	if (tz_name_valid(f->tz_zone, why, sizeof(why)) == -1) {
		f->tz_state = TZ_FAILED;
		snprintf(f->tz_why, sizeof(f->tz_why), "the running user's "
		    "time zone is not one this server can look up (%s)", why);
		log_warnx("%s", f->tz_why);
		return;
	}
	if (++f->next_ipc_id == 0)
		f->next_ipc_id = 1;
	f->tz_id = f->next_ipc_id;
	f->tz_state = TZ_ASKED;
	buf_init(&b);
	buf_put_str(&b, f->tz_zone);
	ipc_send_buf(&f->proc.parent, IMSG_TZ_QUERY, f->tz_id, &b);
	buf_free(&b);
	if (ipc_flush(&f->proc.parent) == -1)
		fatal("parent channel: write");
}

/* Is the zone settled (known, or known to be unknown)? */
static int
zone_settled(struct front *f)
{
	if (f->tz_state == TZ_KNOWN &&
	    (long long)(date_now_ms() / 1000) >= f->tz_until)
		zone_ask(f);	/* a process older than the table: again */
	return f->tz_state == TZ_KNOWN || f->tz_state == TZ_FAILED ||
	    f->broker_gone;
}

/* The context's dates: today in the zone, or in UTC and why. */
static void
zone_fill(struct front *f, struct tool_ctx *ctx)
{
	long long	 ms = date_now_ms(), s = ms / 1000, local;
	long		 off = 0;
	size_t		 i;

	if (f->tz_state == TZ_KNOWN) {
		for (i = 0; i < f->tz_n && f->tz_utc[i] <= s; i++)
			off = f->tz_off[i];
		local = ms + (long long)off * 1000;
		ctx->org_today = (long)(local / 86400000LL);
		strlcpy_sf(ctx->time_zone, f->tz_zone, sizeof(ctx->time_zone));
		snprintf(ctx->date_note, sizeof(ctx->date_note), "dates in %s, "
		    "the running user's time zone", f->tz_zone);
		return;
	}
	ctx->org_today = (long)(ms / 86400000LL);
	strlcpy_sf(ctx->time_zone, "UTC", sizeof(ctx->time_zone));
	snprintf(ctx->date_note, sizeof(ctx->date_note), "dates in UTC, not "
	    "the running user's time zone (%s); Salesforce counts TODAY in "
	    "that zone, so near midnight a stated date may be a day off",
	    f->tz_state == TZ_FAILED ? f->tz_why : f->broker_gone ?
	    "the broker is not running" : f->org_state == ORG_KNOWN ?
	    "its offsets did not come in time" :
	    "the identity did not say it in time");
}

/* Start a call: a dated one waits for the zone (not for a dry run). */
static void
call_begin(struct front *f, struct call *c)
{
	if ((c->ctx.tool->flags & TOOL_ORG_DATES) && !cJSON_IsTrue(
	    cJSON_GetObjectItemCaseSensitive(c->args, "dry_run")) &&
	    !zone_settled(f)) {
		/* The identity first (zone_ask() follows its answer), or
		 * the offsets, asked already. */
		c->zone_wait = 1;
		org_fetch(f);
		return;
	}
	zone_fill(f, &c->ctx);
	call_verdict(f, c, tool_start(&c->ctx));
}

/* The calls that waited for the zone go (all, or those past the wait). */
static void
zone_release(struct front *f, int all)
{
	struct call	*c, *next;
	uint64_t	 now = now_ms();

	for (c = f->calls; c != NULL; c = next) {
		next = c->next;
		if (!c->zone_wait || (!all && now < c->started_ms +
		    ZONE_WAIT_MS))
			continue;
		c->zone_wait = 0;
		zone_fill(f, &c->ctx);
		call_verdict(f, c, tool_start(&c->ctx));
	}
}

/* The parent's answer to zone_ask(): the offsets, or why not. */
static void
zone_answer(void *arg, uint32_t type, uint32_t id, struct buf *b)
{
	struct front	*f = arg;
	const cJSON	*pair, *u, *o;
	uint32_t	 code;
	char		*msg = NULL;
	cJSON		*j;
	size_t		 n = 0;

	if (f->tz_state != TZ_ASKED || id != f->tz_id)
		fatalx("protocol violation: the parent answered request %u, "
		    "which is not pending", id);
	if (type == IMSG_ERROR) {
		if (buf_get_u32(b, &code) == -1 ||
		    buf_get_str(b, &msg, 4096) == -1 || buf_get_end(b) == -1)
			fatalx("malformed ERROR answer from the parent");
		f->tz_state = TZ_FAILED;
		org_str_copy(msg, f->tz_why, sizeof(f->tz_why));
		free(msg);
		zone_release(f, 1);
		return;
	}
	if (buf_get_str(b, &msg, PT_TZ_MAX) == -1 || buf_get_end(b) == -1 ||
	    (j = cJSON_Parse(msg)) == NULL)
		fatalx("malformed TZ_R answer from the parent");
	free(msg);
	if (!cJSON_IsArray(j) || cJSON_GetArraySize(j) < 1 ||
	    cJSON_GetArraySize(j) > TZ_MAX_TRANS)
		fatalx("protocol violation: TZ_R is not 1 to %d pairs",
		    TZ_MAX_TRANS);
	cJSON_ArrayForEach(pair, j) {
		u = cJSON_GetArrayItem(pair, 0);
		o = cJSON_GetArrayItem(pair, 1);
		/* Offsets are within a day; the instants in order. */
		if (!cJSON_IsArray(pair) || cJSON_GetArraySize(pair) != 2 ||
		    !cJSON_IsNumber(u) || !cJSON_IsNumber(o) ||
		    fabs(o->valuedouble) > 86400 || fabs(u->valuedouble) >
		    1e12 || (n > 0 && (long long)u->valuedouble <=
		    f->tz_utc[n - 1]))
			fatalx("protocol violation: a malformed TZ_R pair");
		f->tz_utc[n] = (long long)u->valuedouble;
		f->tz_off[n] = (long)o->valuedouble;
		n++;
	}
	cJSON_Delete(j);
	f->tz_n = n;
	f->tz_until = f->tz_utc[0] + TZ_BEFORE_S +
	    (long long)TZ_AFTER_DAYS * 86400 - 86400;
	f->tz_state = TZ_KNOWN;
	log_info("time zone: %s, the running user's (%zu offset%s from the "
	    "parent)", f->tz_zone, n, n == 1 ? "" : "s");
	zone_release(f, 1);
}

/*
 * A result names its org: "_org" in structuredContent (every output
 * schema has it, tools_init()) and the first line of the text.  The line
 * is short, it comes with every result: the instance host and the
 * organization id identify the org, "sandbox" marks one (the name and
 * the rest are in _org).  Before the identity is known, the host alone,
 * and the line says so.
 */
static void
org_note(struct front *f, struct call *c)
{
	cJSON	*o;
	char	*text, line[400];

	if (f->org_state == ORG_KNOWN)
		snprintf(line, sizeof(line), "Org: %s %s%s", f->org_host,
		    f->org_id, f->org_sandbox ? " sandbox" : "");
	else
		snprintf(line, sizeof(line), "Org: %s (id not known yet)",
		    f->org_host);
	xasprintf(&text, "%s\n%s", line, c->ctx.text != NULL ? c->ctx.text :
	    "");
	free(c->ctx.text);
	c->ctx.text = text;
	if (c->ctx.structured == NULL || !cJSON_IsObject(c->ctx.structured))
		return;
	if ((o = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	cJSON_AddStringToObject(o, "instance", f->org_host);
	if (f->org_state == ORG_KNOWN) {
		cJSON_AddStringToObject(o, "organization_id", f->org_id);
		if (f->org_name[0] != '\0')
			cJSON_AddStringToObject(o, "name", f->org_name);
		cJSON_AddBoolToObject(o, "sandbox", f->org_sandbox);
	}
	cJSON_DeleteItemFromObjectCaseSensitive(c->ctx.structured, "_org");
	cJSON_AddItemToObject(c->ctx.structured, "_org", o);
}

/* The host of the configured instance URL (https://host[:port]). */
static void
org_host_init(struct front *f)
{
	const char	*u = proc_config_str(&f->proc, "instance_url", "");
	size_t		 n;

	if (strncmp(u, "https://", 8) == 0)
		u += 8;
	n = strcspn(u, ":/");
	if (*u == '[')
		n = strcspn(u, "]") + 1;
	if (n >= sizeof(f->org_host))
		n = sizeof(f->org_host) - 1;
	memcpy(f->org_host, u, n);
	f->org_host[n] = '\0';
}

/* What the handler said: wait, or end the call with its outcome. */
static void
call_verdict(struct front *f, struct call *c, enum tool_verdict v)
{
	cJSON	*result;

	/*
	 * The first call that went to the org asks which org it is, after
	 * its own requests (a dry run sends nothing, the identity included);
	 * a result done while the identity is on its way waits for it
	 * (org_release()), within the call's deadline.
	 */
	if (v == TOOL_DONE && c->ctx.tool != &tool_check) {
		if (!c->held && !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
		    c->args, "dry_run")))
			org_fetch(f);
		if (f->org_state == ORG_ASKED &&
		    now_ms() < f->org_asked_ms + ORG_WAIT_MS) {
			c->held = 1;
			return;
		}
	}
	if (v != TOOL_WAIT && !c->held)
		call_note_usage(c);
	c->held = 0;
	switch (v) {
	case TOOL_WAIT:
		if (c->dead_peer != NULL)
			call_fail(f, c, "error", "%s: the %s is not running, so "
			    "the call cannot go on; restart the server (its log "
			    "says why the %s stopped)", c->ctx.tool->name,
			    c->dead_peer, c->dead_peer);
		else if (c->outstanding == 0 && c->elicit == NULL)
			call_fail(f, c, "error", "internal error: %s waits for "
			    "nothing", c->ctx.tool->name);
		return;
	case TOOL_DONE:
		if (c->ctx.tool != &tool_check)
			org_note(f, c);
		/* The text is printed before the call (and it) is freed:
		 * referenced, not copied. */
		result = text_result_ref(c->ctx.text != NULL ? c->ctx.text :
		    "", c->ctx.is_error);
		if (c->ctx.structured != NULL &&
		    version_at_least(f, "2025-06-18")) {
			cJSON_AddItemToObject(result, "structuredContent",
			    c->ctx.structured);
			c->ctx.structured = NULL;
		}
		call_end(f, c, "ok", result);
		return;
	case TOOL_FAIL:
		call_end(f, c, "error", error_result(c->ctx.text != NULL ?
		    c->ctx.text : "internal error"));
		return;
	}
	fatalx("tool %s: verdict %d", c->ctx.tool->name, (int)v);
}

/* The writes go to the writer, everything else to the broker. */
static int
is_writer_request(uint32_t type)
{
	return type == IMSG_WR_UPDATE || type == IMSG_WR_NOTE ||
	    type == IMSG_WR_COMMIT;
}

/* Send a request with its pending entry; call NULL: its answer is
 * dropped (a request made in the place of a call that ended). */
static void
peer_request(struct front *f, struct call *c, uint32_t type,
    const struct buf *b)
{
	struct pending	*p;

	if (++f->next_ipc_id == 0)
		f->next_ipc_id = 1;
	p = xcalloc(1, sizeof(*p));
	p->id = f->next_ipc_id;
	p->type = type;
	p->peer = is_writer_request(type) ? &f->writer : &f->broker;
	p->call = c;
	p->next = f->pending;
	f->pending = p;
	if (c != NULL) {
		c->outstanding++;
		if (p->peer == &f->broker)
			c->api_calls++;
	}
	ipc_send_buf(p->peer, type, p->id, b);
	proc_flush(&f->proc, p->peer);
}

/* tool_ops: a request to the broker or the writer. */
static void
call_request(struct tool_ctx *ctx, uint32_t type, const struct buf *b)
{
	struct call	*c = ctx->opaque;
	struct front	*f = c->f;

	if ((type & 1) != 0 || type == IMSG_CANCEL)
		fatalx("tool %s sends %s, which is no request",
		    ctx->tool->name, imsg_name(type));
	if (is_writer_request(type) ? f->writer_gone : f->broker_gone) {
		c->dead_peer = is_writer_request(type) ? "writer" : "broker";
		return;
	}
	peer_request(f, c, type, b);
}

/* ----------------------------------------------------------- progress */

static void
progress_send(struct call *c, double progress, const char *message)
{
	cJSON	*params;

	if ((params = cJSON_CreateObject()) == NULL ||
	    cJSON_AddRawToObject(params, "progressToken",
	    c->progress_token) == NULL)
		fatalx("cJSON_CreateObject");
	cJSON_AddNumberToObject(params, "progress", progress);
	if (c->total > 0)
		cJSON_AddNumberToObject(params, "total", c->total);
	cJSON_AddStringToObject(params, "message", message);
	out_notification("notifications/progress", params);
}

/*
 * Step k (from 1) reports progress k - 1; while it waits, each elapsed
 * report adds half of what is left to k, so progress always increases
 * and never reaches the next step's value.
 */
static double
progress_value(const struct call *c)
{
	double	 v = c->steps > 0 ? c->steps - 1 : 0, part = 0.5;
	int	 i;

	for (i = 0; i < c->ticks; i++, part /= 2)
		v += part;
	return v;
}

/* tool_ops: a step begins. */
static void
call_progress(struct tool_ctx *ctx, int total, const char *message)
{
	struct call	*c = ctx->opaque;

	if (c->progress_token == NULL)
		return;
	c->steps++;
	c->ticks = 0;
	if (total > 0 && total >= c->steps)
		c->total = total;
	c->step_ms = now_ms();
	c->next_tick_ms = c->step_ms + PROGRESS_TICK_MS;
	strlcpy_sf(c->step_msg, message, sizeof(c->step_msg));
	progress_send(c, progress_value(c), message);
}

/* While a request takes long: how long it has been waiting. */
static void
call_tick(struct call *c, uint64_t now)
{
	char	 msg[256];

	if (c->steps == 0) {
		/* One request, no steps: it is the first. */
		c->steps = 1;
		strlcpy_sf(c->step_msg, "waiting for Salesforce",
		    sizeof(c->step_msg));
	}
	if (c->ticks < 40)
		c->ticks++;
	snprintf(msg, sizeof(msg), "%s: %llu s elapsed", c->step_msg,
	    (unsigned long long)((now - c->step_ms) / 1000));
	progress_send(c, progress_value(c), msg);
	c->next_tick_ms = now + PROGRESS_TICK_MS;
}

/* Deadlines and progress ticks that are due. */
static void
front_timers(struct front *f)
{
	struct call	*c, *next;
	uint64_t	 now = now_ms();

	/* The identity is slow: the results that waited go without it. */
	if (f->org_state == ORG_ASKED && now >= f->org_asked_ms + ORG_WAIT_MS)
		org_release(f);
	/* sfrevops-mcp check: the writer gone or late, the report goes on. */
	if (f->check_id != NULL && (check_writer_final(f) ||
	    now >= f->check_deadline_ms))
		check_run(f);
	zone_release(f, 0);
	for (c = f->calls; c != NULL; c = next) {
		next = c->next;
		if (c->held)
			continue;
		if (now >= c->deadline_ms) {
			call_fail(f, c, "deadline", "%s: the call took longer "
			    "than %g s (SFDC_CALL_TIMEOUT_MS) and was stopped: "
			    "Salesforce or the network is slow. Try again, "
			    "narrow the request, or raise "
			    "SFDC_CALL_TIMEOUT_MS.", c->ctx.tool->name,
			    (double)f->call_timeout_ms / 1000.0);
			continue;
		}
		if (c->progress_token != NULL && now >= c->next_tick_ms)
			call_tick(c, now);
	}
}

/* The poll timeout: the nearest deadline or tick; -1 without calls. */
static int
front_poll_timeout(const struct front *f)
{
	const struct call *c;
	uint64_t	 now = now_ms(), next = UINT64_MAX;

	if (f->check_id != NULL)
		next = f->check_deadline_ms;

	for (c = f->calls; c != NULL; c = c->next) {
		/* A result waiting for the org: at most ORG_WAIT_MS. */
		if (c->held && f->org_asked_ms + ORG_WAIT_MS < next)
			next = f->org_asked_ms + ORG_WAIT_MS;
		if (c->zone_wait && c->started_ms + ZONE_WAIT_MS < next)
			next = c->started_ms + ZONE_WAIT_MS;
		if (c->deadline_ms < next)
			next = c->deadline_ms;
		if (c->progress_token != NULL && c->next_tick_ms < next)
			next = c->next_tick_ms;
	}
	if (next == UINT64_MAX)
		return -1;
	if (next <= now)
		return 0;
	return next - now > 60000 ? 60000 : (int)(next - now);
}

/* -------------------------------------------------------- elicitation */

static void
elicit_free(struct front *f, struct elicit *e)
{
	struct elicit	**pp;

	for (pp = &f->elicits; *pp != NULL; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			f->nelicits--;
			break;
		}
	if (e->call != NULL)
		e->call->elicit = NULL;
	cJSON_Delete(e->schema);
	buf_free(&e->abandon);
	free(e);
}

/*
 * tool_ops: ask the person with elicitation/create (form mode), only
 * when the client declared it can and the operator wants it.  The call
 * waits; its deadline and notifications/cancelled still apply.
 */
static int
call_elicit(struct tool_ctx *ctx, const char *message, const cJSON *requested,
    uint32_t abandon_type, const struct buf *abandon, char *why,
    size_t whylen)
{
	struct call	*c = ctx->opaque;
	struct front	*f = c->f;
	struct elicit	*e;
	cJSON		*m, *params;
	char		 err[512];

	if (c->elicit != NULL)
		fatalx("tool %s asks the person twice at once",
		    ctx->tool->name);
	if (!f->confirm_writes) {
		snprintf(why, whylen, "SFDC_CONFIRM_WRITES is never");
		return -1;
	}
	if (!f->elicit_form) {
		snprintf(why, whylen, "the client (%s) did not declare the "
		    "elicitation capability (form mode), so its own "
		    "tool-approval prompt was the only confirmation",
		    f->client[0] != '\0' ? f->client : "unnamed");
		return -1;
	}
	/* One per call, and calls are bounded: this cannot grow. */
	if (f->nelicits >= MCP_MAX_INFLIGHT)
		fatalx("more confirmations waiting than calls");
	if (schema_check(requested, err, sizeof(err)) == -1)
		fatalx("tool %s: requestedSchema: %s", ctx->tool->name, err);
	if (abandon_type != 0 && ((abandon_type & 1) != 0 ||
	    abandon_type == IMSG_CANCEL))
		fatalx("tool %s abandons with %s, which is no request",
		    ctx->tool->name, imsg_name(abandon_type));
	e = xcalloc(1, sizeof(*e));
	snprintf(e->id, sizeof(e->id), "\"sfr-%llu\"",
	    (unsigned long long)++f->next_elicit_id);
	e->call = c;
	if ((e->schema = cJSON_Duplicate(requested, 1)) == NULL)
		fatalx("cJSON_Duplicate");
	e->abandon_type = abandon_type;
	buf_init(&e->abandon);
	if (abandon != NULL)
		buf_put_bytes(&e->abandon, abandon->data, abandon->len);
	e->next = f->elicits;
	f->elicits = e;
	f->nelicits++;
	c->elicit = e;

	m = msg_new(e->id);
	cJSON_AddStringToObject(m, "method", "elicitation/create");
	params = cJSON_AddObjectToObject(m, "params");
	if (version_at_least(f, "2025-11-25"))
		cJSON_AddStringToObject(params, "mode", "form");
	cJSON_AddStringToObject(params, "message", message);
	cJSON_AddItemToObject(params, "requestedSchema",
	    cJSON_Duplicate(requested, 1));
	out_json(m);
	log_debug("asked the person to confirm %s (%s)", ctx->tool->name,
	    e->id);
	return 0;
}

/*
 * The call ended while the person had not answered: the client is told
 * to stop asking (notifications/cancelled), and the tool's abandon
 * request goes in its place (the write tools: WR_COMMIT "cancelled",
 * so that the writer drops the plan at once), its answer dropped.
 */
static void
elicit_abandon(struct front *f, struct call *c, const char *status)
{
	struct elicit	*e = c->elicit;
	cJSON		*params;

	if ((params = cJSON_CreateObject()) == NULL ||
	    cJSON_AddRawToObject(params, "requestId", e->id) == NULL)
		fatalx("cJSON_CreateObject");
	cJSON_AddStringToObject(params, "reason", strcmp(status,
	    "deadline") == 0 ? "the tool call passed its deadline "
	    "(SFDC_CALL_TIMEOUT_MS)" : "the tool call ended");
	if (!f->stdin_eof)
		out_notification("notifications/cancelled", params);
	else
		cJSON_Delete(params);
	if (e->abandon_type != 0 && !(is_writer_request(e->abandon_type) ?
	    f->writer_gone : f->broker_gone))
		peer_request(f, NULL, e->abandon_type, &e->abandon);
	elicit_free(f, e);
}

/*
 * A response from the client: the answer to one of our elicitations.
 * A response to an unknown id is logged and dropped; an error response,
 * an unknown action or a content the requested schema refuses is a
 * cancel.
 */
static void
front_response(struct front *f, const struct jr_msg *m)
{
	struct elicit	*e;
	struct call	*c;
	const cJSON	*result, *action, *content, *error;
	char		 shown[40], err[512], *text = NULL;
	uint32_t	 act = ELICIT_CANCEL;

	for (e = f->elicits; e != NULL; e = e->next)
		if (m->id != NULL && strcmp(e->id, m->id) == 0)
			break;
	if (e == NULL) {
		strlcpy_sf(shown, m->id != NULL ? m->id : "null",
		    sizeof(shown));
		log_warnx("dropped a response to %s, which is no request of "
		    "ours still waiting", shown);
		return;
	}
	result = cJSON_GetObjectItemCaseSensitive(m->root, "result");
	error = cJSON_GetObjectItemCaseSensitive(m->root, "error");
	action = cJSON_GetObjectItemCaseSensitive(result, "action");
	content = cJSON_GetObjectItemCaseSensitive(result, "content");
	if (error != NULL || !cJSON_IsObject(result))
		log_warnx("elicitation %s: the client answered with an error: "
		    "taken as cancel", e->id);
	else if (!cJSON_IsString(action))
		log_warnx("elicitation %s: no action: taken as cancel", e->id);
	else if (strcmp(action->valuestring, "accept") == 0) {
		if (!cJSON_IsObject(content))
			log_warnx("elicitation %s: accepted without content: "
			    "taken as cancel", e->id);
		else if (schema_validate(e->schema, content, "field", err,
		    sizeof(err)) == -1)
			log_warnx("elicitation %s: the content does not match "
			    "the requested schema (%s): taken as cancel", e->id,
			    err);
		else {
			act = ELICIT_ACCEPT;
			if ((text = cJSON_PrintUnformatted(content)) == NULL)
				fatalx("cJSON_PrintUnformatted");
		}
	} else if (strcmp(action->valuestring, "decline") == 0)
		act = ELICIT_DECLINE;
	else if (strcmp(action->valuestring, "cancel") != 0)
		log_warnx("elicitation %s: unknown action: taken as cancel",
		    e->id);
	c = e->call;
	elicit_free(f, e);
	call_verdict(f, c, tool_elicit_answer(&c->ctx, act, text != NULL ?
	    text : "{}"));
	cJSON_free(text);
}

/* A peer's channel closed: every call in flight gets an answer. */
static void
front_peer_gone(struct front *f, struct ipc *peer)
{
	if (peer == &f->broker)
		f->broker_gone = 1;
	else
		f->writer_gone = 1;
	while (f->calls != NULL)
		call_fail(f, f->calls, "error", "%s: the %s stopped while the "
		    "call was in progress, so the server is shutting down; "
		    "restart it (its log says why the %s stopped)",
		    f->calls->ctx.tool->name, proc_name(peer->peer),
		    proc_name(peer->peer));
}

/* ------------------------------------------------------------ methods */

/* Cut s (at most its buffer) back to whole UTF-8 sequences. */
static void
utf8_cut(char *s)
{
	size_t	 n = strlen(s), i, k;

	for (i = 0; i < n; i += k)
		if ((k = utf8_seq((const unsigned char *)s + i, n - i,
		    NULL)) == 0) {
			s[i] = '\0';
			return;
		}
}

/*
 * The client from initialize's clientInfo: "name version", one line of
 * at most 120 bytes, for the audit rows' "performed by"; and whether it
 * takes form elicitation: 2025-06-18 has one mode ({} is it), 2025-11-25
 * says {} means form and {"url":{}} alone means no form.
 */
static void
initialize_client(struct front *f, const cJSON *params)
{
	const cJSON	*info, *name, *version, *el;
	char		 raw[600];

	info = cJSON_GetObjectItemCaseSensitive(params, "clientInfo");
	name = cJSON_GetObjectItemCaseSensitive(info, "name");
	version = cJSON_GetObjectItemCaseSensitive(info, "version");
	snprintf(raw, sizeof(raw), "%.256s %.256s", cJSON_IsString(name) ?
	    name->valuestring : "unnamed client", cJSON_IsString(version) ?
	    version->valuestring : "");
	str_oneline(f->client, sizeof(f->client), raw);
	utf8_cut(f->client);

	el = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    params, "capabilities"), "elicitation");
	f->elicit_form = 0;
	if (!cJSON_IsObject(el) || !version_at_least(f, "2025-06-18"))
		return;
	if (!version_at_least(f, "2025-11-25"))
		f->elicit_form = 1;
	else
		f->elicit_form = el->child == NULL || cJSON_IsObject(
		    cJSON_GetObjectItemCaseSensitive(el, "form"));
}

static cJSON *
result_initialize(struct front *f, const cJSON *params)
{
	const cJSON	*pv;
	cJSON		*r, *caps, *info;
	size_t		 i;
	const char	*chosen = protocol_versions[0];

	pv = cJSON_GetObjectItemCaseSensitive(params, "protocolVersion");
	if (cJSON_IsString(pv))
		for (i = 0; protocol_versions[i] != NULL; i++)
			if (strcmp(pv->valuestring, protocol_versions[i]) == 0)
				chosen = protocol_versions[i];
	strlcpy_sf(f->version, chosen, sizeof(f->version));
	initialize_client(f, params);

	if ((r = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	cJSON_AddStringToObject(r, "protocolVersion", chosen);
	caps = cJSON_AddObjectToObject(r, "capabilities");
	/* The write tools' descriptions follow the writer's WR_STATUS. */
	cJSON_AddBoolToObject(cJSON_AddObjectToObject(caps, "tools"),
	    "listChanged", 1);
	cJSON_AddObjectToObject(caps, "logging");
	f->ui = ui_negotiate(f->ui_mode,
	    cJSON_GetObjectItemCaseSensitive(params, "capabilities"));
	if (f->ui)
		ui_capabilities(caps);
	info = cJSON_AddObjectToObject(r, "serverInfo");
	cJSON_AddStringToObject(info, "name", SFREVOPS_NAME);
	cJSON_AddStringToObject(info, "version", PACKAGE_VERSION);
	if (version_at_least(f, "2025-06-18"))
		cJSON_AddStringToObject(info, "title",
		    "Salesforce RevOps (read-mostly, audited writes)");
	cJSON_AddStringToObject(r, "instructions",
	    "Salesforce tools for revenue operations. Every tool only reads "
	    "except update_field and add_note, two audited light writes: "
	    "each change goes to Salesforce with its audit row in one "
	    "all-or-none request, and a person confirms it first when the "
	    "client supports elicitation. For the forecast, use pipeline_by_stage (open pipeline by "
	    "stage), stale_opps (deals stuck in a stage) and at_risk_commits "
	    "(commit deals without recent activity or a coming meeting). "
	    "The query tool takes one SOQL SELECT; it adds LIMIT 200 when "
	    "none is given and field-level security; pass the returned "
	    "cursor to get the next 200 rows. Every tool accepts dry_run "
	    "to show the exact request without sending it.");
	return r;
}

/* Why t is withheld (writes, or the start-up check), or NULL. */
static const char *
tool_withheld(const struct front *f, const struct tool *t)
{
	if ((t->flags & TOOL_WRITE) && f->writes_disabled)
		return f->writes_reason;
	if (strcmp(t->name, "at_risk_commits") == 0 && f->risk_why[0] != '\0')
		return f->risk_why;
	if (strcmp(t->name, "stale_opps") == 0 && f->stale_why[0] != '\0')
		return f->stale_why;
	return NULL;
}

/* A tool's description says when it is unavailable, and why. */
static void
tool_description(const struct front *f, const struct tool *t, cJSON *o)
{
	const char	*why = tool_withheld(f, t);
	char		*text;

	if (why == NULL && (f->fields_note == NULL ||
	    strcmp(t->name, "update_field") != 0)) {
		cJSON_AddStringToObject(o, "description", t->description);
		return;
	}
	if (why != NULL)
		xasprintf(&text, "Unavailable: %s. %s", why, t->description);
	else
		xasprintf(&text, "%s %s", t->description, f->fields_note);
	cJSON_AddStringToObject(o, "description", text);
	free(text);
}

static cJSON *
tool_to_json(const struct front *f, const struct tool *t)
{
	cJSON	*o, *ann;

	if ((o = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	cJSON_AddStringToObject(o, "name", t->name);
	if (version_at_least(f, "2025-06-18"))
		cJSON_AddStringToObject(o, "title", t->title);
	tool_description(f, t, o);
	cJSON_AddItemToObject(o, "inputSchema",
	    cJSON_Duplicate(tools_input_schema(t), 1));
	if (version_at_least(f, "2025-06-18"))
		cJSON_AddItemToObject(o, "outputSchema",
		    cJSON_Duplicate(tools_output_schema(t), 1));
	/*
	 * annotations.title only where the tool has no title of its own
	 * (before 2025-06-18; from then on the tool's title takes
	 * precedence, the same string twice is bytes for nothing).
	 */
	if (version_at_least(f, "2025-03-26")) {
		ann = cJSON_AddObjectToObject(o, "annotations");
		if (!version_at_least(f, "2025-06-18"))
			cJSON_AddStringToObject(ann, "title", t->title);
		cJSON_AddBoolToObject(ann, "readOnlyHint",
		    (t->flags & TOOL_READ_ONLY) != 0);
		cJSON_AddBoolToObject(ann, "destructiveHint",
		    (t->flags & TOOL_DESTRUCTIVE) != 0);
		cJSON_AddBoolToObject(ann, "idempotentHint",
		    (t->flags & TOOL_IDEMPOTENT) != 0);
		cJSON_AddBoolToObject(ann, "openWorldHint",
		    (t->flags & TOOL_OPEN_WORLD) != 0);
	}
	if (f->ui)
		ui_tool_meta(o, t->name);
	return o;
}

static int	front_read_peer(struct front *, struct ipc *);

/*
 * The writer says its status at once after start-up ("unknown" while it
 * checks the audit object), so that the first tools/list already shows
 * the write tools as they are.  Wait for it, at most STATUS_WAIT_MS:
 * the two start together, this is a few milliseconds at most.  Without
 * the wait the first listing would depend on which came first.
 */
#define STATUS_WAIT_MS	1000

static void
front_await_status(struct front *f)
{
	struct pollfd	 pfd;
	uint64_t	 deadline = now_ms() + STATUS_WAIT_MS, now;

	while (!f->writes_known && !f->writer_gone &&
	    (now = now_ms()) < deadline) {
		pfd.fd = f->writer.fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)(deadline - now)) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if ((pfd.revents & (POLLIN | POLLHUP | POLLERR)) &&
		    !front_read_peer(f, &f->writer))
			break;
	}
	if (!f->writes_known && !f->writer_gone)
		log_warnx("the writer said nothing of its status within %d ms",
		    STATUS_WAIT_MS);
}

static int
method_tools_list(struct front *f, const cJSON *params, cJSON **result,
    char *err, size_t errlen)
{
	const cJSON	*cursor;
	cJSON		*arr;
	size_t		 i;

	cursor = cJSON_GetObjectItemCaseSensitive(params, "cursor");
	if (cursor != NULL) {
		/* We never hand out a cursor: every tool fits on one page. */
		snprintf(err, errlen, "Invalid params: unknown cursor");
		return JR_INVALID_PARAMS;
	}
	front_await_status(f);
	if ((*result = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	arr = cJSON_AddArrayToObject(*result, "tools");
	for (i = 0; i < ntools; i++)
		if (tool_allowed(tools[i]))
			cJSON_AddItemToArray(arr, tool_to_json(f, tools[i]));
	f->tools_listed = 1;
	return 0;
}

static int
method_set_level(struct front *f, const cJSON *params, char *err,
    size_t errlen)
{
	const cJSON	*lv;
	int		 level = -1;
	static const struct {
		const char *name;
		int level;
	} levels[] = {
		{ "debug", LOG_LVL_DEBUG }, { "info", LOG_LVL_INFO },
		{ "notice", LOG_LVL_NOTICE }, { "warning", LOG_LVL_WARNING },
		{ "error", LOG_LVL_ERROR }, { "critical", LOG_LVL_CRITICAL },
		{ "alert", LOG_LVL_CRITICAL }, { "emergency", LOG_LVL_CRITICAL },
	};
	size_t		 i;

	lv = cJSON_GetObjectItemCaseSensitive(params, "level");
	if (cJSON_IsString(lv))
		for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
			if (strcmp(levels[i].name, lv->valuestring) == 0)
				level = levels[i].level;
	if (level == -1) {
		snprintf(err, errlen, "Invalid params: level must be one of "
		    "debug, info, notice, warning, error, critical, alert, "
		    "emergency");
		return JR_INVALID_PARAMS;
	}
	f->mcp_log_level = level;
	return 0;
}

/* params._meta.progressToken: a string or an integer, or NULL. */
static const cJSON *
progress_token(const cJSON *params)
{
	const cJSON	*t;

	t = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(params, "_meta"), "progressToken");
	/* An integer is echoed as cJSON prints it: exact up to 2^53. */
	if (cJSON_IsString(t) || (cJSON_IsNumber(t) &&
	    fabs(t->valuedouble) <= 9007199254740991.0 &&
	    t->valuedouble == floor(t->valuedouble)))
		return t;
	return NULL;
}

static int
method_tools_call(struct front *f, struct jr_msg *m, cJSON **result,
    char *err, size_t errlen)
{
	const cJSON		*name, *args;
	const struct tool	*t;
	struct call		*c;
	cJSON			*copy;
	char			 verr[1024];

	name = cJSON_GetObjectItemCaseSensitive(m->params, "name");
	if (!cJSON_IsString(name)) {
		snprintf(err, errlen, "Invalid params: tools/call needs a "
		    "string 'name'");
		return JR_INVALID_PARAMS;
	}
	/* A tool SFDC_TOOLS leaves out does not exist for the client. */
	if ((t = tools_find(name->valuestring)) == NULL || !tool_allowed(t)) {
		char shown[80];
		strlcpy_sf(shown, name->valuestring, sizeof(shown));
		snprintf(err, errlen, "Unknown tool: %s", shown);
		return JR_INVALID_PARAMS;
	}
	if (tool_withheld(f, t) != NULL) {
		char msg[600];
		snprintf(msg, sizeof(msg), "%s: Unavailable: %s; nothing was "
		    "sent", t->name, tool_withheld(f, t));
		*result = error_result(msg);
		log_json(LOG_LVL_INFO, "tool call", "\"status\":\"unavailable\"");
		return 0;
	}
	args = cJSON_GetObjectItemCaseSensitive(m->params, "arguments");
	if (args != NULL && !cJSON_IsObject(args) && !cJSON_IsNull(args)) {
		*result = error_result("arguments must be a JSON object");
		return 0;
	}
	copy = NULL;
	if (args == NULL || cJSON_IsNull(args))
		if ((copy = cJSON_CreateObject()) == NULL)
			fatalx("cJSON_CreateObject");
	if (schema_validate_checked(tools_input_schema(t), copy != NULL ?
	    copy : args, "argument", verr, sizeof(verr)) == -1) {
		char msg[1200];
		cJSON_Delete(copy);
		snprintf(msg, sizeof(msg), "%s: %s", t->name, verr);
		*result = error_result(msg);
		log_json(LOG_LVL_INFO, "tool call", "\"status\":\"invalid\"");
		return 0;
	}
	if (f->ncalls >= MCP_MAX_INFLIGHT) {
		cJSON_Delete(copy);
		*result = error_result("too many tool calls in progress "
		    "(32); wait for some to finish");
		return 0;
	}
	/* The arguments move into the call. */
	if (copy == NULL)
		copy = cJSON_DetachItemViaPointer((cJSON *)m->params,
		    (cJSON *)args);
	c = call_new(f, t, m->id, copy, progress_token(m->params));
	call_begin(f, c);
	/* The tool answers later (or has answered already). */
	*result = NULL;
	return 0;
}

static void
method_cancelled(struct front *f, const cJSON *params)
{
	const cJSON	*rid;
	struct call	*c, *next;
	char		*text;

	rid = cJSON_GetObjectItemCaseSensitive(params, "requestId");
	if (rid == NULL || !(cJSON_IsString(rid) || cJSON_IsNumber(rid)))
		return;	/* invalid cancellations are ignored */
	if ((text = cJSON_PrintUnformatted(rid)) == NULL)
		fatalx("cJSON_PrintUnformatted");
	for (c = f->calls; c != NULL; c = next) {
		next = c->next;
		/* The client gave up on it: no response, as the spec says. */
		if (strcmp(c->rpc_id, text) == 0)
			call_end(f, c, "cancelled", NULL);
	}
	cJSON_free(text);
}

/* ------------------------------------------------- the start-up check */

/*
 * SFDC_STARTUP_CHECK (on by default; serving only): right after
 * initialize, one describe of Opportunity (and of OpportunityHistory
 * when it has no LastStageChangeDate), the same requests as the check
 * subcommand's, in the background: initialize and tools/list do not
 * wait for it, and a call that comes first runs as usual.  The broker
 * keeps the describe, so the tools that need it reuse it.  A read the
 * org's shape would fail is withheld with the reason, as the write
 * tools are (tool_withheld()), and a client that has listed the tools
 * is told with notifications/tools/list_changed.  An org that does not
 * answer withholds nothing: the tools say what went wrong themselves.
 */
static void
startup_send(struct front *f, int step, const char *object)
{
	struct pending	*p;
	struct buf	 b;

	if (++f->next_ipc_id == 0)
		f->next_ipc_id = 1;
	p = xcalloc(1, sizeof(*p));
	p->id = f->next_ipc_id;
	p->type = IMSG_SF_DESCRIBE;
	p->peer = &f->broker;
	p->startup = step;
	p->next = f->pending;
	f->pending = p;
	buf_init(&b);
	buf_put_str(&b, object);
	ipc_send_buf(p->peer, IMSG_SF_DESCRIBE, p->id, &b);
	buf_free(&b);
	proc_flush(&f->proc, p->peer);
}

static int
startup_wanted(const struct front *f, const char *tool)
{
	const struct tool *t = tools_find(tool);

	return t != NULL && tool_allowed(t);
}

static void
startup_check(struct front *f)
{
	if (f->startup_started || f->check_mode || f->broker_gone ||
	    strcmp(proc_config_str(&f->proc, "mode", "serve"), "serve") != 0 ||
	    strcmp(proc_config_str(&f->proc, "startup_check", "off"), "on") != 0)
		return;	/* the parent always says; absent (a test's CONFIG): off */
	/* Nothing to withhold: nothing is asked. */
	if (!startup_wanted(f, "at_risk_commits") &&
	    !startup_wanted(f, "stale_opps"))
		return;
	f->startup_started = 1;
	startup_send(f, 1, "Opportunity");
}

static int
transient_error(uint32_t code)
{
	return code == SFE_NETWORK || code == SFE_AUTH || code == SFE_LIMIT ||
	    code == SFE_DEADLINE || code == SFE_CANCELLED ||
	    code == SFE_INTERNAL;
}

static void
startup_answer(struct front *f, int step, uint32_t type, struct buf *b)
{
	const char	*stage = proc_config_str(&f->proc, "commit_stage",
			    "Commit");
	const cJSON	*stages;
	char		*text = NULL, *msg = NULL, shown[300];
	cJSON		*j = NULL;
	uint32_t	 code;
	int		 changed = 0, more = 0;

	if (type == IMSG_ERROR) {
		if (buf_get_u32(b, &code) == -1 ||
		    buf_get_str(b, &msg, PT_ERROR_MAX) == -1 ||
		    buf_get_end(b) == -1)
			fatalx("malformed ERROR from the broker");
		str_oneline(shown, sizeof(shown), msg);
		utf8_cut(shown);
		free(msg);
		if (transient_error(code) || step == 1)
			log_warnx("start-up check: describe %s failed (%s): "
			    "nothing is withheld", step == 1 ? "Opportunity" :
			    step == 2 ? "OpportunityHistory" :
			    "OpportunityFieldHistory", shown);
		else if (step == 2) {
			/* stale_opps falls back to field history on StageName
			 * (tools/stale.c): withheld only without both. */
			str_oneline(f->hist_err, sizeof(f->hist_err), shown);
			utf8_cut(f->hist_err);
			startup_send(f, 3, "OpportunityFieldHistory");
			more = 1;
		} else if (startup_wanted(f, "stale_opps")) {
			snprintf(f->stale_why, sizeof(f->stale_why), "this org "
			    "has neither Opportunity.LastStageChangeDate nor a "
			    "readable OpportunityHistory (%s) or "
			    "OpportunityFieldHistory (%s), and stale_opps needs "
			    "one: give the integration user read access to "
			    "OpportunityHistory, or track StageName's field "
			    "history (sfrevops-mcp check)", f->hist_err, shown);
			utf8_cut(f->stale_why);
			changed = 1;
		}
		goto done;
	}
	if (buf_get_str(b, &text, IPC_MAX_PAYLOAD) == -1 ||
	    buf_get_end(b) == -1)
		fatalx("malformed SF_DESCRIBE_R from the broker");
	if (jr_depth(text, strlen(text), MCP_MAX_DEPTH) > MCP_MAX_DEPTH ||
	    (j = cJSON_Parse(text)) == NULL || !cJSON_IsObject(j)) {
		log_warnx("start-up check: the describe answer is not a JSON "
		    "object: nothing is withheld");
		goto done;
	}
	if (step == 1) {
		stages = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(j, "picklists"),
		    "StageName");
		if (!tool_json_has_string(stages, stage) &&
		    startup_wanted(f, "at_risk_commits")) {
			str_oneline(shown, 100, stage);
			utf8_cut(shown);
			snprintf(f->risk_why, sizeof(f->risk_why), "the commit "
			    "stage '%.100s' (SFDC_COMMIT_STAGE_NAME) is not an "
			    "active value of this org's Opportunity StageName "
			    "picklist: set SFDC_COMMIT_STAGE_NAME to the stage "
			    "that means commit (sfrevops-mcp check)", shown);
			changed = 1;
		}
		if (!tool_json_has_string(cJSON_GetObjectItemCaseSensitive(j,
		    "fields"), "LastStageChangeDate") &&
		    startup_wanted(f, "stale_opps")) {
			startup_send(f, 2, "OpportunityHistory");
			more = 1;
		}
	}
 done:
	free(text);
	cJSON_Delete(j);
	if (f->risk_why[0] != '\0' && changed)
		log_warnx("at_risk_commits is withheld: %s", f->risk_why);
	if (f->stale_why[0] != '\0' && changed && step == 3)
		log_warnx("stale_opps is withheld: %s", f->stale_why);
	if (changed && f->tools_listed)
		out_notification("notifications/tools/list_changed", NULL);
	if (!more)
		log_info("start-up check: done (%s withheld)",
		    f->risk_why[0] != '\0' && f->stale_why[0] != '\0' ?
		    "at_risk_commits and stale_opps" : f->risk_why[0] != '\0' ?
		    "at_risk_commits" : f->stale_why[0] != '\0' ? "stale_opps" :
		    "nothing");
}

/* ------------------------------------------------------- sfrevops/check */

/* The writer has said all its checks, or is not there to say them. */
static int
check_writer_final(const struct front *f)
{
	return f->writer_absent || f->writer_gone ||
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(f->wr_status,
	    "fields_checked"));
}

/*
 * sfrevops/check: only in check mode, which only the parent's CONFIG
 * sets (sfrevops-mcp check drives this front itself); a client of the
 * server never reaches it.  It runs as a call of the check tool
 * (tools/check.c), which is in no registry and so never listed.
 */
static void
check_run(struct front *f)
{
	struct call	*c;
	cJSON		*args;
	char		*st, num[32];
	long		 fsfree;

	if ((args = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	cJSON_AddStringToObject(args, "auth_flow", proc_config_str(&f->proc,
	    "auth_flow", "access_token"));
	cJSON_AddStringToObject(args, "api_version", proc_config_str(&f->proc,
	    "api_version", "v60.0"));
	cJSON_AddStringToObject(args, "audit_object", proc_config_str(&f->proc,
	    "audit_object", "Cleanup_Audit__c"));
	/* What the writer said of the journal, the audit object and the
	 * writable fields (its WR_STATUS), for the report. */
	cJSON_AddStringToObject(args, "writer", f->writer_absent ? "absent" :
	    f->writer_gone ? "gone" : check_writer_final(f) ? "done" :
	    "late");
	if (f->wr_status != NULL) {
		if ((st = cJSON_PrintUnformatted(f->wr_status)) == NULL)
			fatalx("cJSON_PrintUnformatted");
		cJSON_AddStringToObject(args, "writer_status", st);
		cJSON_free(st);
	}
	cJSON_AddStringToObject(args, "journal", proc_config_str(&f->proc,
	    "journal", "none"));
	if (proc_config_str(&f->proc, "journal_why", NULL) != NULL)
		cJSON_AddStringToObject(args, "journal_why",
		    proc_config_str(&f->proc, "journal_why", NULL));
	/* The parent's statvfs(3) of the journal's file system. */
	if ((fsfree = proc_config_int(&f->proc, "journal_fs_free", -1)) >= 0) {
		snprintf(num, sizeof(num), "%ld", fsfree);
		cJSON_AddStringToObject(args, "journal_fs_free", num);
	}
	c = call_new(f, &tool_check, f->check_id, args, NULL);
	free(f->check_id);
	f->check_id = NULL;
	call_verdict(f, c, tool_start(&c->ctx));
}

/* The request waits for the writer's checks, at most the call timeout. */
static int
method_check(struct front *f, struct jr_msg *m, char *err, size_t errlen)
{
	if (f->check_id != NULL) {
		snprintf(err, errlen, "Invalid Request: a check is running");
		return JR_INVALID_REQUEST;
	}
	f->check_id = xstrdup(m->id);
	f->check_deadline_ms = now_ms() + (uint64_t)f->call_timeout_ms;
	if (check_writer_final(f))
		check_run(f);
	return 0;
}

/* SFDC_TOOLS and the writer's absence, from the CONFIG. */
static void
front_scope(struct front *f)
{
	cJSON	*conf;
	char	 err[2048];

	if ((conf = cJSON_Parse(f->proc.config_json)) == NULL)
		fatalx("CONFIG is not JSON");
	if (tools_allow(conf, err, sizeof(err)) == -1)
		fatalx("configuration: %s", err);
	f->writer_absent = cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(
	    conf, "writer"));
	f->check_mode = strcmp(proc_config_str(&f->proc, "mode", "serve"),
	    "check") == 0;
	cJSON_Delete(conf);
}

static void
front_request(struct front *f, struct jr_msg *m, cJSON *replies)
{
	cJSON		*result = NULL;
	char		 err[256];
	int		 code = 0;
	int		 answered_later = 0;

	err[0] = '\0';
	if (strcmp(m->method, "initialize") == 0) {
		if (f->initialized) {
			code = JR_INVALID_REQUEST;
			snprintf(err, sizeof(err), "Invalid Request: the "
			    "session is already initialized");
		} else {
			result = result_initialize(f, m->params);
			f->initialized = 1;
			startup_check(f);
		}
	} else if (strcmp(m->method, "ping") == 0) {
		if ((result = cJSON_CreateObject()) == NULL)
			fatalx("cJSON_CreateObject");
	} else if (strcmp(m->method, "tools/list") == 0) {
		code = method_tools_list(f, m->params, &result, err,
		    sizeof(err));
	} else if (strcmp(m->method, "tools/call") == 0) {
		if (replies != NULL) {
			/* Batched tool calls would answer out of band. */
			code = JR_INVALID_REQUEST;
			snprintf(err, sizeof(err), "Invalid Request: send "
			    "tools/call on its own, not in a batch");
		} else {
			code = method_tools_call(f, m, &result, err,
			    sizeof(err));
			answered_later = (code == 0 && result == NULL);
		}
	} else if (f->ui && strncmp(m->method, "resources/", 10) == 0) {
		code = ui_request(m->method, m->params, &result, err,
		    sizeof(err));
	} else if (f->check_mode && strcmp(m->method, "sfrevops/check") == 0 &&
	    replies == NULL) {
		code = method_check(f, m, err, sizeof(err));
		answered_later = code == 0;
	} else if (strcmp(m->method, "logging/setLevel") == 0) {
		code = method_set_level(f, m->params, err, sizeof(err));
		if (code == 0 && (result = cJSON_CreateObject()) == NULL)
			fatalx("cJSON_CreateObject");
	} else {
		char shown[80];
		strlcpy_sf(shown, m->method, sizeof(shown));
		code = JR_METHOD_NOT_FOUND;
		snprintf(err, sizeof(err), "Method not found: %s", shown);
	}
	if (answered_later)
		return;
	if (code != 0)
		send_or_collect(msg_error(m->id, code, err), replies);
	else
		send_or_collect(msg_result(m->id, result), replies);
}

static void
front_message(struct front *f, struct jr_msg *m, cJSON *replies)
{
	switch (m->kind) {
	case JR_INVALID:
		if (m->notification)
			log_debug("dropped a malformed notification: %s",
			    m->message);
		else
			send_or_collect(msg_error(m->id, m->code, m->message),
			    replies);
		break;
	case JR_RESPONSE:
		front_response(f, m);
		break;
	case JR_NOTIFICATION:
		if (strcmp(m->method, "notifications/cancelled") == 0)
			method_cancelled(f, m->params);
		/* notifications/initialized and unknown ones: nothing. */
		break;
	case JR_REQUEST:
		front_request(f, m, replies);
		break;
	}
}

static void
front_batch(struct front *f, cJSON *batch)
{
	cJSON		*replies, *el, *next;
	struct jr_msg	 m;

	if (strcmp(f->version, "2025-03-26") != 0 ||
	    cJSON_GetArraySize(batch) == 0) {
		out_json(msg_error(NULL, JR_INVALID_REQUEST,
		    cJSON_GetArraySize(batch) == 0 ?
		    "Invalid Request: empty batch" :
		    "Invalid Request: JSON-RPC batches are only part of MCP "
		    "2025-03-26; send one message per line"));
		cJSON_Delete(batch);
		return;
	}
	if ((replies = cJSON_CreateArray()) == NULL)
		fatalx("cJSON_CreateArray");
	for (el = batch->child; el != NULL; el = next) {
		next = el->next;
		cJSON_DetachItemViaPointer(batch, el);
		jr_parse_value(el, NULL, 0, &m);
		if (m.kind == JR_REQUEST && strcmp(m.method, "initialize") == 0)
			send_or_collect(msg_error(m.id, JR_INVALID_REQUEST,
			    "Invalid Request: initialize must not be part of "
			    "a batch"), replies);
		else
			front_message(f, &m, replies);
		jr_free(&m);
	}
	cJSON_Delete(batch);
	if (cJSON_GetArraySize(replies) > 0)
		out_json(replies);
	else
		cJSON_Delete(replies);
}

static void
front_line(struct front *f, const char *line, size_t len)
{
	struct jr_msg	 m;
	cJSON		*batch;

	/* Clients strip a trailing CR; so do we. */
	if (len > 0 && line[len - 1] == '\r')
		len--;
	/* Blank lines are not messages. */
	{
		size_t i;
		for (i = 0; i < len; i++)
			if (line[i] != ' ' && line[i] != '\t')
				break;
		if (i == len)
			return;
	}
	if (jr_parse_line(line, len, &m, &batch) == 1) {
		front_batch(f, batch);
		return;
	}
	front_message(f, &m, NULL);
	jr_free(&m);
}

/*
 * A line longer than MCP_MAX_LINE: answer it once (no id can be read from
 * a message we do not keep), then skip its bytes up to its newline.
 */
static void
front_line_too_long(struct front *f)
{
	char	 msg[128], *line;

	snprintf(msg, sizeof(msg), "Invalid Request: message longer than %u "
	    "bytes; it was discarded", MCP_MAX_LINE);
	line = jr_error(NULL, JR_INVALID_REQUEST, msg, NULL);
	out_line(line);
	free(line);
	log_warnx("discarding a message longer than %u bytes", MCP_MAX_LINE);
	f->discarding = 1;
	f->len = 0;
	free(f->line);
	f->line = NULL;
	f->cap = 0;
}

/*
 * Read what stdin has; split it into lines.  The limit counts every byte
 * before the newline (a CR too): a line of exactly MCP_MAX_LINE bytes is
 * a message, one byte more is answered by front_line_too_long() however
 * the bytes were split between reads.
 */
static void
front_read_stdin(struct front *f)
{
	char		 chunk[READ_CHUNK];
	const char	*nl;
	ssize_t		 n;
	size_t		 start, seg, want;

	n = read(STDIN_FILENO, chunk, sizeof(chunk));
	if (n == -1) {
		if (errno == EINTR || errno == EAGAIN)
			return;
		fatal("read from stdin");
	}
	if (n == 0) {
		f->stdin_eof = 1;
		return;
	}
	for (start = 0; start < (size_t)n; start += seg + 1) {
		/* seg: the bytes of this line in this chunk, newline excluded */
		nl = memchr(chunk + start, '\n', (size_t)n - start);
		seg = nl != NULL ? (size_t)(nl - (chunk + start)) :
		    (size_t)n - start;
		if (!f->discarding && f->len + seg > MCP_MAX_LINE)
			front_line_too_long(f);
		if (!f->discarding) {
			if (nl != NULL && f->len == 0)
				front_line(f, chunk + start, seg);
			else {
				if (f->cap < f->len + seg) {
					want = (f->len + seg) * 2;
					if (want < READ_CHUNK)
						want = READ_CHUNK;
					if (want > MCP_MAX_LINE)
						want = MCP_MAX_LINE;
					f->cap = want;
					f->line = xreallocarray(f->line, 1,
					    f->cap);
				}
				memcpy(f->line + f->len, chunk + start, seg);
				f->len += seg;
				if (nl != NULL)
					front_line(f, f->line, f->len);
			}
		}
		if (nl == NULL)
			break;
		/* The newline ends the line, kept or discarded. */
		f->discarding = 0;
		f->len = 0;
	}
}

/*
 * The writable fields the writer's check found unusable (WR_STATUS
 * "fields"), as a sentence for update_field's description; NULL when
 * there are none.  Each name and problem is cut to one short line.
 */
static char *
fields_note(const cJSON *st)
{
	const cJSON	*arr, *e;
	char		*note = NULL, *t, name[100], problem[200];
	double		 more;
	int		 n = 0;

	arr = cJSON_GetObjectItemCaseSensitive(st, "fields");
	cJSON_ArrayForEach(e, arr) {
		const char *nm = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(e, "name"));
		const char *pr = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(e, "problem"));
		if (nm == NULL || pr == NULL || n == 16)
			continue;
		str_oneline(name, sizeof(name), nm);
		utf8_cut(name);
		str_oneline(problem, sizeof(problem), pr);
		utf8_cut(problem);
		xasprintf(&t, "%s%s%s: %s", note != NULL ? note : "",
		    note != NULL ? "; " : "", name, problem);
		free(note);
		note = t;
		n++;
	}
	if (note == NULL)
		return NULL;
	more = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(st,
	    "fields_more"));
	if (cJSON_GetArraySize(arr) > n)
		more = (isnan(more) ? 0 : more) + (cJSON_GetArraySize(arr) - n);
	xasprintf(&t, "Not accepted here (the start-up check of "
	    "SFDC_WRITABLE_FIELDS): %s%s.", note, !isnan(more) && more > 0 ?
	    ", and more" : "");
	free(note);
	return t;
}

/*
 * WR_STATUS, unsolicited from the writer: {"writes": "enabled" |
 * "disabled" | "unknown", "reason": "...", "failed_flag": bool}.  The
 * latest is kept; while writes are disabled the write tools say why in
 * their descriptions and refuse calls without asking the writer.  A
 * status that cannot be read disables them: fail closed.  A change the
 * client could see is announced with notifications/tools/list_changed.
 */
static void
front_wr_status(struct front *f, const struct ipc_msg *msg)
{
	struct buf	 b;
	char		*text = NULL, reason[sizeof(f->writes_reason)], *note;
	cJSON		*j = NULL;
	const char	*w, *r;
	int		 disabled, changed;

	buf_from(&b, msg->data, msg->hdr.len);
	if (buf_get_str(&b, &text, PT_STATUS_MAX) == -1 ||
	    buf_get_end(&b) == -1)
		fatalx("malformed WR_STATUS from the writer");
	j = cJSON_Parse(text);
	free(text);
	w = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "writes"));
	r = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "reason"));
	if (w == NULL || (strcmp(w, "enabled") != 0 &&
	    strcmp(w, "disabled") != 0 && strcmp(w, "unknown") != 0)) {
		log_warnx("the writer's status is not readable: writes are "
		    "disabled");
		disabled = 1;
		r = "the writer's status could not be read";
	} else
		disabled = strcmp(w, "disabled") == 0;
	if (disabled) {
		str_oneline(reason, sizeof(reason), r != NULL && r[0] != '\0' ?
		    r : "the writer gave no reason");
		utf8_cut(reason);
		if (!utf8_valid(reason, strlen(reason)) || reason[0] == '\0')
			strlcpy_sf(reason, "the writer's reason is not valid "
			    "UTF-8", sizeof(reason));
		/* "Unavailable: <reason>." reads once. */
		while (reason[0] != '\0' && reason[strlen(reason) - 1] == '.')
			reason[strlen(reason) - 1] = '\0';
	} else
		reason[0] = '\0';
	note = fields_note(j);
	changed = disabled != f->writes_disabled ||
	    strcmp(reason, f->writes_reason) != 0 || (note == NULL) !=
	    (f->fields_note == NULL) || (note != NULL &&
	    strcmp(note, f->fields_note) != 0);
	free(f->fields_note);
	f->fields_note = note;
	cJSON_Delete(f->wr_status);
	f->wr_status = j;
	f->writes_disabled = disabled;
	f->writes_known = 1;
	strlcpy_sf(f->writes_reason, reason, sizeof(f->writes_reason));
	if (disabled)
		log_info("writes are unavailable: %s", reason);
	/* Only a client that has listed the tools has seen anything. */
	if (changed && f->tools_listed)
		out_notification("notifications/tools/list_changed", NULL);
	if (f->check_id != NULL && check_writer_final(f))
		check_run(f);
}

/*
 * An answer from the broker or the writer: the one place answers from
 * peers enter.  Every answer must match a pending request on that
 * channel, with the request's type plus one or IMSG_ERROR; anything
 * else means the peer is compromised.
 */
static void
front_dispatch_peer(struct front *f, struct ipc *peer)
{
	struct ipc_msg	 msg;
	struct buf	 b;
	struct pending	*p, **pp;
	struct call	*c;

	while (ipc_next(peer, &msg)) {
		/* The table first: channel, state, shape, size. */
		policy_admit(PROC_FRONT, peer, PS_RUN, &msg);
		/* The one unsolicited message: before the pending ones. */
		if (msg.hdr.type == IMSG_WR_STATUS) {
			front_wr_status(f, &msg);
			ipc_msg_free(&msg);
			continue;
		}
		for (pp = &f->pending; (p = *pp) != NULL; pp = &p->next)
			if (p->id == msg.hdr.id && p->peer == peer)
				break;
		/* Every request is answered exactly once (IMSG_CANCEL too). */
		if (p == NULL)
			fatalx("protocol violation: %s answered request %u, "
			    "which is not pending", proc_name(peer->peer),
			    msg.hdr.id);
		if (!policy_answers(p->type, msg.hdr.type))
			fatalx("protocol violation: %s answered %s with %s",
			    proc_name(peer->peer), imsg_name(p->type),
			    imsg_name(msg.hdr.type));
		*pp = p->next;
		if (p->org) {
			free(p);
			buf_from(&b, msg.data, msg.hdr.len);
			org_answer(f, msg.hdr.type, &b);
			ipc_msg_free(&msg);
			org_release(f);
			/* No identity, or the zone is settled already: the
			 * dated calls go now (in UTC when it is not known). */
			if (f->org_state != ORG_KNOWN || zone_settled(f))
				zone_release(f, 1);
			continue;
		}
		if (p->startup) {
			int step = p->startup;

			free(p);
			buf_from(&b, msg.data, msg.hdr.len);
			startup_answer(f, step, msg.hdr.type, &b);
			ipc_msg_free(&msg);
			continue;
		}
		c = p->call;
		if (c == NULL) {
			/* Its call ended (cancelled, deadline): dropped. */
			free(p);
			ipc_msg_free(&msg);
			continue;
		}
		free(p);
		c->outstanding--;
		buf_from(&b, msg.data, msg.hdr.len);
		call_verdict(f, c, tool_answer(&c->ctx, msg.hdr.type, &b));
		ipc_msg_free(&msg);
	}
}

/* Read from a peer; 0 if its channel closed. */
static int
front_read_peer(struct front *f, struct ipc *peer)
{
	if (ipc_read(peer) <= 0) {
		/* What it sent before closing still counts. */
		front_dispatch_peer(f, peer);
		front_peer_gone(f, peer);
		return 0;
	}
	front_dispatch_peer(f, peer);
	return 1;
}

/* After EOF: wait for the calls in flight, at most timeout_ms. */
static void
front_drain(struct front *f, int timeout_ms)
{
	struct pollfd	 pfd[2];
	uint64_t	 deadline = now_ms() + (uint64_t)timeout_ms, now;
	int		 wait;

	while (f->calls != NULL && (now = now_ms()) < deadline) {
		pfd[0].fd = f->broker.fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = f->writer.fd;
		pfd[1].events = POLLIN;
		wait = front_poll_timeout(f);
		if (wait < 0 || (uint64_t)wait > deadline - now)
			wait = (int)(deadline - now);
		if (poll(pfd, 2, wait) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if ((pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    !front_read_peer(f, &f->broker))
			break;
		if ((pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    !front_read_peer(f, &f->writer))
			break;
		front_timers(f);
	}
}

int
front_main(void)
{
	struct front	 f;
	struct pollfd	 pfd[4];
	struct pending	*p;
	int		 status = 0, ui_mode;

	memset(&f, 0, sizeof(f));
	f.mcp_log_level = -1;
	strlcpy_sf(f.version, protocol_versions[0], sizeof(f.version));
	proc_start(&f.proc, PROC_FRONT);
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fatal("signal");
	if (sodium_init() == -1)
		fatalx("sodium_init");
	randombytes_buf(f.log_key, sizeof(f.log_key));
	f.call_timeout_ms = proc_config_int(&f.proc, "call_timeout_ms",
	    120000);
	if (f.call_timeout_ms < 1)
		f.call_timeout_ms = 120000;
	if ((ui_mode = ui_mode_parse(proc_config_str(&f.proc, "ui",
	    "auto"))) == -1)
		fatalx("ui: bad mode in the configuration");
	f.ui_mode = (enum ui_mode)ui_mode;
	/* Anything but "never" asks: fail closed. */
	f.confirm_writes = strcmp(proc_config_str(&f.proc, "confirm_writes",
	    "elicit"), "never") != 0;
	tools_init();
	front_scope(&f);
	proc_peer_open(&f.proc, &f.broker, FD_PEER_A, PROC_BROKER);
	/* No writer is a state, not a failure: nothing is sent to it, and
	 * its channel is never read (poll skips a descriptor of -1). */
	if (f.writer_absent) {
		ipc_init(&f.writer, -1, PROC_WRITER);
		if (close(FD_PEER_B) == -1)
			fatal("close");
	} else
		proc_peer_open(&f.proc, &f.writer, FD_PEER_B, PROC_WRITER);

	f.proc.answer = zone_answer;
	f.proc.answer_arg = &f;
	sandbox_apply(PROC_FRONT, NULL);
	proc_ready(&f.proc);
	org_host_init(&f);

	while (!f.stdin_eof) {
		pfd[0].fd = STDIN_FILENO;
		pfd[0].events = POLLIN;
		pfd[1].fd = f.proc.parent.fd;
		pfd[1].events = POLLIN |
		    (ipc_want_write(&f.proc.parent) ? POLLOUT : 0);
		pfd[2].fd = f.broker.fd;
		pfd[2].events = POLLIN | (ipc_want_write(&f.broker) ? POLLOUT : 0);
		pfd[3].fd = f.writer.fd;
		pfd[3].events = POLLIN | (ipc_want_write(&f.writer) ? POLLOUT : 0);
		if (poll(pfd, 4, front_poll_timeout(&f)) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (pfd[1].revents & POLLOUT)
			(void)ipc_flush(&f.proc.parent);
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))
			if (proc_dispatch_parent(&f.proc) == 1)
				break;
		if (pfd[2].revents & POLLOUT)
			proc_flush(&f.proc, &f.broker);
		if (pfd[3].revents & POLLOUT)
			proc_flush(&f.proc, &f.writer);
		if ((pfd[2].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    !front_read_peer(&f, &f.broker)) {
			status = EXIT_PEER_GONE;
			break;
		}
		if ((pfd[3].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    !front_read_peer(&f, &f.writer)) {
			status = EXIT_PEER_GONE;
			break;
		}
		front_timers(&f);
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))
			front_read_stdin(&f);
	}
	/* A last line without its newline is still a message. */
	if (f.stdin_eof && f.len > 0 && !f.discarding)
		front_line(&f, f.line, f.len);
	/* Answer what is in flight, briefly: a client that closes stdin
	 * waits about two seconds before it sends SIGTERM. */
	if (f.stdin_eof && status == 0)
		front_drain(&f, DRAIN_MS);
	/* Stopping: nothing more is sent to the peers, and every call
	 * still in flight gets its answer. */
	f.broker_gone = f.writer_gone = 1;
	while (f.calls != NULL)
		call_fail(&f, f.calls, "error", "%s: the server is shutting "
		    "down (%s) and the call did not finish; its log says why. "
		    "Call again once it runs again.", f.calls->ctx.tool->name,
		    f.stdin_eof ? "its input was closed" : "one of its processes "
		    "stopped, or it was asked to stop");

	while ((p = f.pending) != NULL) {
		f.pending = p->next;
		free(p);
	}
	while (f.elicits != NULL)
		elicit_free(&f, f.elicits);
	ipc_close(&f.broker);
	ipc_close(&f.writer);
	proc_end(&f.proc);
	free(f.line);
	free(f.check_id);
	free(f.fields_note);
	cJSON_Delete(f.wr_status);
	tools_free();
	return status;
}
