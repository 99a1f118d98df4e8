/*
 * front.c: the Model Context Protocol on standard input and output.
 *
 * The front parses everything the client sends, validates tool
 * arguments against the tool's own inputSchema, and turns each tool call
 * into typed requests to the broker (reads) or the writer (the two light
 * writes).  It holds no secret and, once sandboxed, opens nothing: it
 * only reads and writes the descriptors it was started with.
 *
 * stdout carries JSON-RPC and nothing else; logs go to the parent.
 */
#include "config.h"

#include <errno.h>
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
#include "jsonrpc.h"
#include "schema.h"
#include "tools.h"

#define READ_CHUNK	65536

static const char *const protocol_versions[] = {
	"2025-11-25",	/* the latest first: the answer to unknown versions */
	"2025-06-18",
	"2025-03-26",
	"2024-11-05",
	NULL
};

struct front {
	struct proc_ctx	 proc;
	struct ipc	 broker;
	struct ipc	 writer;
	int		 initialized;	/* initialize answered */
	char		 version[16];	/* negotiated protocol version */
	int		 mcp_log_level;	/* logging/setLevel; -1: none */
	struct call	*calls;
	size_t		 ncalls;
	uint32_t	 next_ipc_id;
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

static void front_message(struct front *, struct jr_msg *, cJSON **replies);

/* Write one JSON-RPC message and its newline to stdout, whole. */
static void
out_line(const char *line)
{
	size_t	 len = strlen(line), off = 0;
	char	*buf;
	ssize_t	 n;

	buf = xmalloc(len + 1);
	memcpy(buf, line, len);
	buf[len++] = '\n';
	while (off < len) {
		n = write(STDOUT_FILENO, buf + off, len - off);
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
		off += (size_t)n;
	}
	free(buf);
}

static void
send_or_collect(char *line, cJSON **replies)
{
	cJSON	*v;

	if (replies != NULL) {
		/* Inside a batch: collect as JSON and answer as one array. */
		if ((v = cJSON_Parse(line)) == NULL)
			fatalx("re-parsing our own reply failed");
		cJSON_AddItemToArray(*replies, v);
	} else
		out_line(line);
	free(line);
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
	{
		char *line = jr_notification("notifications/message", params);
		out_line(line);
		free(line);
	}
}

/* ------------------------------------------------------------- calls */

static struct call *
call_new(struct front *f, const struct tool *t, const char *rpc_id,
    cJSON *args)
{
	struct call	*c;
	unsigned char	 h[16];
	char		*text;

	c = xcalloc(1, sizeof(*c));
	c->tool = t;
	c->rpc_id = xstrdup(rpc_id);
	c->args = args;
	c->started_ms = now_ms();
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
	cJSON_Delete(c->args);
	free(c->rpc_id);
	free(c->state);
	free(c);
}

static void
call_log(struct front *f, struct call *c, const char *status)
{
	char	 extra[256];

	char	 msg[200];
	unsigned long long ms = (unsigned long long)(now_ms() - c->started_ms);

	snprintf(extra, sizeof(extra), "\"tool\":\"%s\",\"args_hash\":\"%s\","
	    "\"status\":\"%s\",\"ms\":%llu", c->tool->name, c->args_hash,
	    status, ms);
	log_json(LOG_LVL_INFO, "tool call", extra);
	snprintf(msg, sizeof(msg), "%s: %s in %llu ms", c->tool->name, status,
	    ms);
	front_notify_log(f, LOG_LVL_DEBUG, "tools", msg);
}

static void
call_reply(struct front *f, struct call *c, cJSON *result)
{
	char	*line;

	if (c->cancelled) {
		/* The client gave up on it: no response, as the spec says. */
		cJSON_Delete(result);
		call_log(f, c, "cancelled");
		call_free(f, c);
		return;
	}
	line = jr_result(c->rpc_id, result);
	out_line(line);
	free(line);
	call_free(f, c);
}

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

static cJSON *
error_result(const char *text)
{
	return text_result(text, 1);
}

void
front_call_done(struct front *f, struct call *c, cJSON *structured,
    const char *text)
{
	cJSON	*result = text_result(text, 0);

	if (structured != NULL) {
		if (version_at_least(f, "2025-06-18"))
			cJSON_AddItemToObject(result, "structuredContent",
			    structured);
		else
			cJSON_Delete(structured);
	}
	call_log(f, c, "ok");
	call_reply(f, c, result);
}

void
front_call_fail(struct front *f, struct call *c, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[2048];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	call_log(f, c, "error");
	call_reply(f, c, error_result(msg));
}

void
front_call_fail_ipc(struct front *f, struct call *c, struct buf *b)
{
	uint32_t	 code;
	char		*msg = NULL;

	if (buf_get_u32(b, &code) == -1 || buf_get_str(b, &msg, 65536) == -1 ||
	    buf_get_end(b) == -1)
		fatalx("malformed ERROR answer");
	front_call_fail(f, c, "%s", msg);
	free(msg);
}

static void
send_peer(struct front *f, struct ipc *peer, struct call *c, uint32_t type,
    const struct buf *b)
{
	if (++f->next_ipc_id == 0)
		f->next_ipc_id = 1;
	c->ipc_id = f->next_ipc_id;
	ipc_send_buf(peer, type, c->ipc_id, b);
	proc_flush(&f->proc, peer);
}

void
front_send_broker(struct front *f, struct call *c, uint32_t type,
    const struct buf *b)
{
	send_peer(f, &f->broker, c, type, b);
}

void
front_send_writer(struct front *f, struct call *c, uint32_t type,
    const struct buf *b)
{
	send_peer(f, &f->writer, c, type, b);
}

const char *
front_fls_mode(struct front *f)
{
	return proc_config_str(&f->proc, "fls_mode", "security_enforced");
}

const char *
front_commit_stage(struct front *f)
{
	return proc_config_str(&f->proc, "commit_stage", "Commit");
}

/* ------------------------------------------------------------ methods */

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

	if ((r = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	cJSON_AddStringToObject(r, "protocolVersion", chosen);
	caps = cJSON_AddObjectToObject(r, "capabilities");
	cJSON_AddBoolToObject(cJSON_AddObjectToObject(caps, "tools"),
	    "listChanged", 0);
	cJSON_AddObjectToObject(caps, "logging");
	info = cJSON_AddObjectToObject(r, "serverInfo");
	cJSON_AddStringToObject(info, "name", SFREVOPS_NAME);
	cJSON_AddStringToObject(info, "version", PACKAGE_VERSION);
	if (version_at_least(f, "2025-06-18"))
		cJSON_AddStringToObject(info, "title",
		    "Salesforce RevOps (read-mostly, audited writes)");
	cJSON_AddStringToObject(r, "instructions",
	    "Salesforce tools for revenue operations; every tool only reads. "
	    "For the forecast, use pipeline_by_stage (open pipeline by "
	    "stage), stale_opps (deals stuck in a stage) and at_risk_commits "
	    "(commit deals without recent activity or a coming meeting). "
	    "The query tool takes one SOQL SELECT; it adds LIMIT 200 when "
	    "none is given and field-level security; pass the returned "
	    "cursor to get the next 200 rows. Every tool accepts dry_run "
	    "to show the exact request without sending it.");
	return r;
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
	cJSON_AddStringToObject(o, "description", t->description);
	cJSON_AddItemToObject(o, "inputSchema",
	    cJSON_Duplicate(tools_input_schema(t), 1));
	if (version_at_least(f, "2025-06-18"))
		cJSON_AddItemToObject(o, "outputSchema",
		    cJSON_Duplicate(tools_output_schema(t), 1));
	if (version_at_least(f, "2025-03-26")) {
		ann = cJSON_AddObjectToObject(o, "annotations");
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
	return o;
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
	if ((*result = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	arr = cJSON_AddArrayToObject(*result, "tools");
	for (i = 0; i < ntools; i++)
		cJSON_AddItemToArray(arr, tool_to_json(f, &tools[i]));
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
	if ((t = tools_find(name->valuestring)) == NULL) {
		char shown[80];
		strlcpy_sf(shown, name->valuestring, sizeof(shown));
		snprintf(err, errlen, "Unknown tool: %s", shown);
		return JR_INVALID_PARAMS;
	}
	args = cJSON_GetObjectItemCaseSensitive(m->params, "arguments");
	if (args != NULL && !cJSON_IsObject(args) && !cJSON_IsNull(args)) {
		*result = error_result("arguments must be a JSON object");
		return 0;
	}
	if (args == NULL || cJSON_IsNull(args))
		copy = cJSON_CreateObject();
	else
		copy = cJSON_Duplicate(args, 1);
	if (copy == NULL)
		fatalx("cJSON_Duplicate");
	if (schema_validate(tools_input_schema(t), copy, "argument", verr,
	    sizeof(verr)) == -1) {
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
	c = call_new(f, t, m->id, copy);
	if (t->start(f, c, verr, sizeof(verr)) == -1) {
		front_call_fail(f, c, "%s", verr);
		return 0;
	}
	/* The tool answers later (or has answered already). */
	*result = NULL;
	return 0;
}

static void
method_cancelled(struct front *f, const cJSON *params)
{
	const cJSON	*rid;
	struct call	*c;
	char		*text;

	rid = cJSON_GetObjectItemCaseSensitive(params, "requestId");
	if (rid == NULL || !(cJSON_IsString(rid) || cJSON_IsNumber(rid)))
		return;	/* invalid cancellations are ignored */
	if ((text = cJSON_PrintUnformatted(rid)) == NULL)
		fatalx("cJSON_PrintUnformatted");
	for (c = f->calls; c != NULL; c = c->next)
		if (strcmp(c->rpc_id, text) == 0)
			c->cancelled = 1;
	cJSON_free(text);
}

static void
front_request(struct front *f, struct jr_msg *m, cJSON **replies)
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
		send_or_collect(jr_error(m->id, code, err, NULL), replies);
	else
		send_or_collect(jr_result(m->id, result), replies);
}

static void
front_message(struct front *f, struct jr_msg *m, cJSON **replies)
{
	switch (m->kind) {
	case JR_INVALID:
		if (m->notification)
			log_debug("dropped a malformed notification: %s",
			    m->message);
		else
			send_or_collect(jr_error(m->id, m->code, m->message,
			    NULL), replies);
		break;
	case JR_RESPONSE:
		break;	/* we send no requests, so nothing waits for it */
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
	char		*line;

	if (strcmp(f->version, "2025-03-26") != 0 ||
	    cJSON_GetArraySize(batch) == 0) {
		line = jr_error(NULL, JR_INVALID_REQUEST,
		    cJSON_GetArraySize(batch) == 0 ?
		    "Invalid Request: empty batch" :
		    "Invalid Request: JSON-RPC batches are only part of MCP "
		    "2025-03-26; send one message per line", NULL);
		out_line(line);
		free(line);
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
			send_or_collect(jr_error(m.id, JR_INVALID_REQUEST,
			    "Invalid Request: initialize must not be part of "
			    "a batch", NULL), &replies);
		else
			front_message(f, &m, &replies);
		jr_free(&m);
	}
	cJSON_Delete(batch);
	if (cJSON_GetArraySize(replies) > 0) {
		if ((line = cJSON_PrintUnformatted(replies)) == NULL)
			fatalx("cJSON_PrintUnformatted");
		out_line(line);
		cJSON_free(line);
	}
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

/* An answer from the broker or the writer. */
static void
front_dispatch_peer(struct front *f, struct ipc *peer)
{
	struct ipc_msg	 msg;
	struct buf	 b;
	struct call	*c;

	while (ipc_next(peer, &msg)) {
		if (policy_check(peer->peer, PROC_FRONT, msg.hdr.type,
		    PS_RUN) == -1)
			fatalx("%s sent %s, which it may not",
			    proc_name(peer->peer), imsg_name(msg.hdr.type));
		for (c = f->calls; c != NULL; c = c->next)
			if (c->ipc_id == msg.hdr.id && msg.hdr.id != 0)
				break;
		if (c == NULL)
			fatalx("%s answered request %u, which is not pending",
			    proc_name(peer->peer), msg.hdr.id);
		c->ipc_id = 0;
		buf_from(&b, msg.data, msg.hdr.len);
		if (msg.hdr.type == IMSG_ERROR)
			front_call_fail_ipc(f, c, &b);
		else
			c->tool->answer(f, c, msg.hdr.type, &b);
		ipc_msg_free(&msg);
	}
}

/* After EOF: wait for the calls in flight, at most timeout_ms. */
static void
front_drain(struct front *f, int timeout_ms)
{
	struct pollfd	 pfd[2];
	uint64_t	 deadline = now_ms() + (uint64_t)timeout_ms, now;

	while (f->calls != NULL && (now = now_ms()) < deadline) {
		pfd[0].fd = f->broker.fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = f->writer.fd;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, (int)(deadline - now)) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (ipc_read(&f->broker) <= 0)
				break;
			front_dispatch_peer(f, &f->broker);
		}
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (ipc_read(&f->writer) <= 0)
				break;
			front_dispatch_peer(f, &f->writer);
		}
	}
}

int
front_main(void)
{
	struct front	 f;
	struct pollfd	 pfd[4];
	int		 r, status = 0;

	memset(&f, 0, sizeof(f));
	f.mcp_log_level = -1;
	strlcpy_sf(f.version, protocol_versions[0], sizeof(f.version));
	proc_start(&f.proc, PROC_FRONT);
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fatal("signal");
	if (sodium_init() == -1)
		fatalx("sodium_init");
	randombytes_buf(f.log_key, sizeof(f.log_key));
	tools_init();
	proc_peer_open(&f.proc, &f.broker, FD_PEER_A, PROC_BROKER);
	proc_peer_open(&f.proc, &f.writer, FD_PEER_B, PROC_WRITER);

	sandbox_apply(PROC_FRONT, NULL);
	proc_ready(&f.proc);

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
		if (poll(pfd, 4, -1) == -1) {
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
		if (pfd[2].revents & (POLLIN | POLLHUP | POLLERR)) {
			if ((r = ipc_read(&f.broker)) <= 0) {
				status = EXIT_PEER_GONE;
				break;
			}
			front_dispatch_peer(&f, &f.broker);
		}
		if (pfd[3].revents & (POLLIN | POLLHUP | POLLERR)) {
			if ((r = ipc_read(&f.writer)) <= 0) {
				status = EXIT_PEER_GONE;
				break;
			}
			front_dispatch_peer(&f, &f.writer);
		}
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))
			front_read_stdin(&f);
	}
	/* A last line without its newline is still a message. */
	if (f.stdin_eof && f.len > 0 && !f.discarding)
		front_line(&f, f.line, f.len);
	/* Answer what is in flight, briefly: a client that closes stdin
	 * waits about two seconds before it sends SIGTERM. */
	if (f.stdin_eof)
		front_drain(&f, 900);
	while (f.calls != NULL)
		call_free(&f, f.calls);
	ipc_close(&f.broker);
	ipc_close(&f.writer);
	proc_end(&f.proc);
	free(f.line);
	tools_free();
	return status;
}
