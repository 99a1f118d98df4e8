/*
 * write.c: the two light writes, update_field and add_note
 * (contrib/WRITES.md).
 *
 * A tool never writes: it asks the writer for a plan (WR_UPDATE,
 * WR_NOTE), shows the plan to the person when the writer asks for a
 * confirmation and the client can ask (elicitation/create, through the
 * front), tells the writer what the person decided (WR_COMMIT), and says
 * what happened from the writer's outcome.  The writer reads the old
 * value, converts the new one by the field's type, journals the attempt
 * and has the broker send the audit row and the change as one
 * all-or-none composite request.
 *
 *	step 0	WR_UPDATE / WR_NOTE sent; the plan comes back
 *	step 1	the person is asked; TOOL_ELICIT_R comes back
 *	step 2	WR_COMMIT sent; the outcome comes back
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sfrevops.h"
#include "jsonrpc.h"
#include "objects.h"
#include "policy_table.h"
#include "tool.h"
#include "tools/common.h"

#define JUSTIFICATION_MIN	10	/* characters, after trimming */
#define JUSTIFICATION_MAX	2000
#define BODY_MAX		32768	/* characters of a note */
#define TITLE_MAX		255	/* ContentNote.Title */
#define VALUE_MAX		131072	/* a long text area's limit */
#define SHOWN_MAX		500	/* characters of a value in a text */
#define BODY_SHOWN		200	/* of a note's body, to the person */

#define OBJECT_TYPES	"Account,Opportunity,Contact,Lead"	/* ARG_ENUM */
#define FIELD_NAME_PATTERN "^[A-Za-z][A-Za-z0-9_]{0,79}$"

struct write_kind {
	int		 note;		/* add_note; else update_field */
	uint32_t	 request;	/* WR_NOTE or WR_UPDATE */
};

struct write_state {
	cJSON		*plan;		/* the writer's, owned */
	char		*plan_id;
	uint32_t	 decision;	/* sent with WR_COMMIT */
	char		 confirmation[300];	/* how it was confirmed */
};

static void
write_state_free(void *p)
{
	struct write_state	*st = p;

	if (st == NULL)
		return;
	cJSON_Delete(st->plan);
	free(st->plan_id);
	free(st);
}

/* ------------------------------------------------------------ helpers */

/* Characters (code points) of valid UTF-8 text. */
static size_t
utf8_chars(const char *s, size_t n)
{
	size_t	 i, c = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			c++;
	return c;
}

/* The bytes of the first max characters of s. */
static size_t
utf8_prefix(const char *s, size_t max)
{
	size_t	 i, c = 0;

	for (i = 0; s[i] != '\0'; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 && c++ == max)
			break;
	return i;
}

/* s without its leading and trailing whitespace: *len bytes from return. */
static const char *
trimmed(const char *s, size_t *len)
{
	size_t	 n = strlen(s);

	while (n > 0 && strchr(" \t\r\n\f\v", s[0]) != NULL) {
		s++;
		n--;
	}
	while (n > 0 && strchr(" \t\r\n\f\v", s[n - 1]) != NULL)
		n--;
	*len = n;
	return s;
}

/* n bytes of s on one line: a newline shown as \n, a tab as \t, other
 * control characters as spaces. */
static char *
one_line(const char *s, size_t n)
{
	char	*out = xcalloc(2, n + 1);
	size_t	 i, o = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n' || c == '\t') {
			out[o++] = '\\';
			out[o++] = c == '\n' ? 'n' : 't';
		} else
			out[o++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
	}
	out[o] = '\0';
	return out;
}

/* A value for a person: 'text' (cut at SHOWN_MAX characters), 12.5,
 * true, or "empty (null)". */
static char *
value_text(const cJSON *v)
{
	char	*out, *p;
	size_t	 n;

	if (v == NULL || cJSON_IsNull(v))
		return xstrdup("empty (null)");
	if (cJSON_IsString(v)) {
		n = utf8_prefix(v->valuestring, SHOWN_MAX);
		p = one_line(v->valuestring, n);
		if (v->valuestring[n] == '\0')
			xasprintf(&out, "'%s'", p);
		else
			xasprintf(&out, "'%s...' (%zu characters)", p,
			    utf8_chars(v->valuestring, strlen(v->valuestring)));
		free(p);
		return out;
	}
	if ((p = cJSON_PrintUnformatted(v)) == NULL)
		fatalx("cJSON_PrintUnformatted");
	out = xstrdup(p);
	cJSON_free(p);
	return out;
}

static const char *
str_of(const cJSON *o, const char *key, const char *dflt)
{
	const char	*s = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(o, key));

	return s != NULL ? s : dflt;
}

/* Copy o[key] to out[key] when it is there. */
static void
copy_key(cJSON *out, const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (v == NULL)
		return;
	cJSON_DeleteItemFromObjectCaseSensitive(out, key);
	cJSON_AddItemToObject(out, key, cJSON_Duplicate(v, 1));
}

/* The writer's plan or outcome: one JSON object; NULL: the call failed. */
static cJSON *
writer_json(struct tool_ctx *ctx, struct buf *b)
{
	char	*text = NULL;
	cJSON	*j = NULL;

	if (buf_get_str(b, &text, IPC_MAX_PAYLOAD) == -1 ||
	    buf_get_end(b) == -1)
		fatalx("malformed answer from the writer");
	if (jr_depth(text, strlen(text), MCP_MAX_DEPTH) > MCP_MAX_DEPTH ||
	    (j = cJSON_Parse(text)) == NULL || !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		free(text);
		(void)tool_fail(ctx, "internal error: the writer's answer is "
		    "not a JSON object");
		return NULL;
	}
	free(text);
	return j;
}

/* ------------------------------------------------------------- start */

static enum tool_verdict
write_start(struct tool_ctx *ctx)
{
	const struct write_kind	*k = ctx->tool->data;
	const struct sf_object	*o;
	const char		*type, *s, *t;
	const cJSON		*nv;
	char			 id18[19], why[200], *text;
	cJSON			*req;
	struct buf		 b;
	size_t			 n;

	type = tool_arg_str(ctx, "object_type");
	if ((o = objects_find(type)) == NULL || !(o->flags & OBJ_WRITE))
		return tool_fail(ctx, "%s: object_type '%s' is not one the "
		    "write tools may touch (Account, Opportunity, Contact, "
		    "Lead)", ctx->tool->name, type);
	if (policy_id_valid(tool_arg_str(ctx, "object_id"), o->prefix, id18,
	    why, sizeof(why)) == -1)
		return tool_fail(ctx, "%s: argument 'object_id' is not a valid "
		    "%s ID: %s", ctx->tool->name, o->name, why);
	if ((req = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	cJSON_AddStringToObject(req, "object_type", o->name);
	cJSON_AddStringToObject(req, "object_id", id18);
	if (!k->note) {
		s = trimmed(tool_arg_str(ctx, "justification"), &n);
		if (utf8_chars(s, n) < JUSTIFICATION_MIN) {
			cJSON_Delete(req);
			return tool_fail(ctx, "%s: argument 'justification' must "
			    "say why in at least %d characters, not counting "
			    "leading and trailing spaces (got %zu); nothing "
			    "was sent", ctx->tool->name, JUSTIFICATION_MIN,
			    utf8_chars(s, n));
		}
		nv = tool_arg_scalar(ctx, "new_value");
		if (cJSON_IsString(nv) && nv->valuestring[0] == '\0') {
			cJSON_Delete(req);
			return tool_fail(ctx, "%s: argument 'new_value' is an "
			    "empty string; to empty the field, pass null; "
			    "nothing was sent", ctx->tool->name);
		}
		cJSON_AddStringToObject(req, "field_name",
		    tool_arg_str(ctx, "field_name"));
		cJSON_AddItemToObject(req, "new_value", cJSON_Duplicate(nv,
		    1));
		cJSON_AddStringToObject(req, "justification",
		    tool_arg_str(ctx, "justification"));
	} else {
		(void)trimmed(tool_arg_str(ctx, "body"), &n);
		if (n == 0) {
			cJSON_Delete(req);
			return tool_fail(ctx, "%s: argument 'body' is blank; a "
			    "note needs some text; nothing was sent",
			    ctx->tool->name);
		}
		cJSON_AddStringToObject(req, "body", tool_arg_str(ctx, "body"));
		if ((t = tool_arg_str(ctx, "title")) != NULL) {
			(void)trimmed(t, &n);
			if (n == 0) {
				cJSON_Delete(req);
				return tool_fail(ctx, "%s: argument 'title' is "
				    "blank; leave it out to use the body's "
				    "first line; nothing was sent",
				    ctx->tool->name);
			}
			cJSON_AddStringToObject(req, "title", t);
		}
	}
	cJSON_AddStringToObject(req, "client", ctx->client != NULL &&
	    ctx->client[0] != '\0' ? ctx->client : "unknown client");
	if ((text = cJSON_PrintUnformatted(req)) == NULL)
		fatalx("cJSON_PrintUnformatted");
	cJSON_Delete(req);
	/* Escaped, the largest arguments still fit; say so if not. */
	if (strlen(text) > PT_WRITE_MAX - 8) {
		n = strlen(text);
		cJSON_free(text);
		return tool_fail(ctx, "%s: the arguments take %zu bytes as JSON, "
		    "more than the writer takes (%u); shorten the value; "
		    "nothing was sent", ctx->tool->name, n, PT_WRITE_MAX - 8);
	}
	ctx->state = xcalloc(1, sizeof(struct write_state));
	buf_init(&b);
	buf_put_u32(&b, tool_arg_bool(ctx, "dry_run") ? REQ_DRY_RUN : 0);
	buf_put_str(&b, text);
	cJSON_free(text);
	tool_progress(ctx, 2, "planning the write (reading the old value)");
	tool_request(ctx, k->request, &b);
	buf_free(&b);
	ctx->step = 0;
	return TOOL_WAIT;
}

/* ------------------------------------------------------------ answers */

/* The result's common part, from the plan. */
static cJSON *
result_base(const struct tool_ctx *ctx, const cJSON *plan, const char *status)
{
	const struct write_kind	*k = ctx->tool->data;
	cJSON			*out;
	static const char *const update_keys[] = { "attempt_id",
	    "object_type", "object_id", "field_name", "field_label",
	    "old_value", "new_value", "justification", NULL };
	static const char *const note_keys[] = { "attempt_id", "object_type",
	    "object_id", "title", "body_chars", NULL };
	const char *const	*key;

	if ((out = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	cJSON_AddStringToObject(out, "status", status);
	cJSON_AddBoolToObject(out, "dry_run", strcmp(status, "dry_run") == 0);
	for (key = k->note ? note_keys : update_keys; *key != NULL; key++)
		copy_key(out, plan, *key);
	return out;
}

/* What the person would have been shown, and the change in one line. */
static char *
change_line(const struct tool_ctx *ctx, const cJSON *o)
{
	const struct write_kind	*k = ctx->tool->data;
	char			*ov, *nv, *line;

	if (k->note) {
		xasprintf(&line, "note '%s' on %s %s", str_of(o, "title", ""),
		    str_of(o, "object_type", ""), str_of(o, "object_id", ""));
		return line;
	}
	ov = value_text(cJSON_GetObjectItemCaseSensitive(o, "old_value"));
	nv = value_text(cJSON_GetObjectItemCaseSensitive(o, "new_value"));
	xasprintf(&line, "%s %s %s: %s -> %s", str_of(o, "object_type", ""),
	    str_of(o, "object_id", ""), str_of(o, "field_name", ""), ov, nv);
	free(ov);
	free(nv);
	return line;
}

static enum tool_verdict
write_dry_run(struct tool_ctx *ctx, cJSON *plan)
{
	cJSON		*out, *payload;
	char		*line, *p, *text;

	out = result_base(ctx, plan, "dry_run");
	payload = cJSON_GetObjectItemCaseSensitive(plan, "payload");
	if (!cJSON_IsObject(payload)) {
		cJSON_Delete(out);
		return tool_fail(ctx, "internal error: the writer's dry run "
		    "has no payload");
	}
	copy_key(out, plan, "payload");
	if ((p = cJSON_PrintUnformatted(payload)) == NULL)
		fatalx("cJSON_PrintUnformatted");
	line = change_line(ctx, out);
	xasprintf(&text, "dry run: nothing was sent. Planned: %s.\n"
	    "The exact composite request body:\n%s", line, p);
	free(line);
	cJSON_free(p);
	return tool_done(ctx, out, text);
}

/* The plan: dry run, or ask the person, or commit at once. */
static enum tool_verdict
write_plan(struct tool_ctx *ctx, cJSON *plan)
{
	const struct write_kind	*k = ctx->tool->data;
	struct write_state	*st = ctx->state;
	cJSON			*schema, *props, *confirm;
	char			*message, *ov, *nv, why[200];
	const char		*body;
	struct buf		 b;
	size_t			 n;
	int			 asked;

	if (str_of(plan, "plan_id", NULL) == NULL ||
	    str_of(plan, "attempt_id", NULL) == NULL) {
		cJSON_Delete(plan);
		return tool_fail(ctx, "internal error: the writer's plan has no "
		    "plan_id or attempt_id");
	}
	st->plan = plan;
	st->plan_id = xstrdup(str_of(plan, "plan_id", NULL));

	/* What WR_COMMIT says if the call ends while the person thinks:
	 * cancelled, so that the writer drops the plan at once. */
	buf_init(&b);
	buf_put_str(&b, st->plan_id);
	buf_put_u32(&b, WR_DECISION_CANCELLED);
	asked = -1;
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(plan, "confirm"))) {
		if (k->note) {
			body = str_of(plan, "body", tool_arg_str(ctx, "body"));
			n = utf8_prefix(body, BODY_SHOWN);
			xasprintf(&message, "Add this note in Salesforce?\n"
			    "Record: %s %s\nTitle: %s\nBody%s: %.*s%s\n"
			    "Requested by: %s", str_of(plan, "object_type", ""),
			    str_of(plan, "object_id", ""), str_of(plan, "title",
			    ""), body[n] != '\0' ? " (first 200 characters)" :
			    "", (int)n, body, body[n] != '\0' ? "..." : "",
			    ctx->client != NULL ? ctx->client : "");
		} else {
			ov = value_text(cJSON_GetObjectItemCaseSensitive(plan,
			    "old_value"));
			nv = value_text(cJSON_GetObjectItemCaseSensitive(plan,
			    "new_value"));
			xasprintf(&message, "Apply this change in Salesforce?\n"
			    "Record: %s %s\nField: %s (%s)\nOld value: %s\n"
			    "New value: %s\nJustification: %s\nRequested by: %s",
			    str_of(plan, "object_type", ""), str_of(plan,
			    "object_id", ""), str_of(plan, "field_label",
			    str_of(plan, "field_name", "")), str_of(plan,
			    "field_name", ""), ov, nv, str_of(plan,
			    "justification", ""), ctx->client != NULL ?
			    ctx->client : "");
			free(ov);
			free(nv);
		}
		if ((schema = cJSON_CreateObject()) == NULL)
			fatalx("cJSON_CreateObject");
		cJSON_AddStringToObject(schema, "type", "object");
		props = cJSON_AddObjectToObject(schema, "properties");
		confirm = cJSON_AddObjectToObject(props, "confirm");
		cJSON_AddStringToObject(confirm, "type", "boolean");
		cJSON_AddStringToObject(confirm, "title", k->note ?
		    "Add this note?" : "Apply this change?");
		cJSON_AddStringToObject(confirm, "description", "Check to "
		    "send it to Salesforce with its audit row; leave it "
		    "unchecked, decline or cancel to send nothing.");
		cJSON_AddBoolToObject(confirm, "default", 0);
		cJSON_AddItemToObject(schema, "required",
		    cJSON_CreateStringArray((const char *const[]){ "confirm" },
		    1));
		asked = tool_elicit(ctx, message, schema, IMSG_WR_COMMIT, &b,
		    why, sizeof(why));
		cJSON_Delete(schema);
		free(message);
	} else
		/* The writer plans confirm:false only for this setting. */
		strlcpy_sf(why, "SFDC_CONFIRM_WRITES is never (the writer "
		    "asked for no confirmation)", sizeof(why));
	if (asked == 0) {
		buf_free(&b);
		tool_progress(ctx, 2, "waiting for the person to confirm");
		ctx->step = 1;
		return TOOL_WAIT;
	}
	buf_free(&b);
	snprintf(st->confirmation, sizeof(st->confirmation), "not asked: %s",
	    why);
	st->decision = WR_DECISION_NOT_ASKED;
	buf_init(&b);
	buf_put_str(&b, st->plan_id);
	buf_put_u32(&b, st->decision);
	tool_progress(ctx, 2, "writing to Salesforce");
	tool_request(ctx, IMSG_WR_COMMIT, &b);
	buf_free(&b);
	ctx->step = 2;
	return TOOL_WAIT;
}

/* The person answered: accept with confirm true, or anything else. */
static enum tool_verdict
write_elicited(struct tool_ctx *ctx, struct buf *b)
{
	struct write_state	*st = ctx->state;
	uint32_t		 action;
	char			*content = NULL;
	cJSON			*c;
	struct buf		 r;

	if (buf_get_u32(b, &action) == -1 || buf_get_str(b, &content,
	    IPC_MAX_PAYLOAD) == -1 || buf_get_end(b) == -1)
		fatalx("malformed elicitation answer");
	c = cJSON_Parse(content);
	free(content);
	if (action == ELICIT_ACCEPT && cJSON_IsTrue(
	    cJSON_GetObjectItemCaseSensitive(c, "confirm"))) {
		st->decision = WR_DECISION_ACCEPTED;
		strlcpy_sf(st->confirmation, "accepted by the person",
		    sizeof(st->confirmation));
	} else if (action == ELICIT_ACCEPT || action == ELICIT_DECLINE) {
		st->decision = WR_DECISION_DECLINED;
		strlcpy_sf(st->confirmation, action == ELICIT_ACCEPT ?
		    "the person answered without confirming" :
		    "declined by the person", sizeof(st->confirmation));
	} else {
		st->decision = WR_DECISION_CANCELLED;
		strlcpy_sf(st->confirmation, "the person cancelled the "
		    "confirmation", sizeof(st->confirmation));
	}
	cJSON_Delete(c);
	buf_init(&r);
	buf_put_str(&r, st->plan_id);
	buf_put_u32(&r, st->decision);
	tool_progress(ctx, 2, st->decision == WR_DECISION_ACCEPTED ?
	    "writing to Salesforce" : "dropping the plan");
	tool_request(ctx, IMSG_WR_COMMIT, &r);
	buf_free(&r);
	ctx->step = 2;
	return TOOL_WAIT;
}

/* The error of an outcome as "CODE: message (fields)". */
static void
error_text(const cJSON *o, char *out, size_t len)
{
	const cJSON	*e = cJSON_GetObjectItemCaseSensitive(o, "error");
	const cJSON	*f, *fields = cJSON_GetObjectItemCaseSensitive(e,
			    "fields");
	char		 fl[256];
	size_t		 n = 0;

	fl[0] = '\0';
	cJSON_ArrayForEach(f, fields)
		if (cJSON_IsString(f) && n < sizeof(fl))
			n += (size_t)snprintf(fl + n, sizeof(fl) - n, "%s%s",
			    n > 0 ? ", " : "", f->valuestring);
	snprintf(out, len, "%s%s%s%s%s%s", str_of(e, "code", ""),
	    str_of(e, "code", NULL) != NULL ? ": " : "",
	    str_of(e, "message", "no reason given"), fl[0] != '\0' ?
	    " (fields: " : "", fl, fl[0] != '\0' ? ")" : "");
}

static enum tool_verdict
write_outcome(struct tool_ctx *ctx, cJSON *o)
{
	const struct write_kind	*k = ctx->tool->data;
	struct write_state	*st = ctx->state;
	static const char *const keys[] = { "attempt_id", "audit_id",
	    "failed_audit_id", "note_id", "link_id", "old_value",
	    "new_value", "error", "resolved_by", "journal", NULL };
	const char *const	*key;
	const char		*status = str_of(o, "status", "");
	const char		*attempt, *resolved;
	cJSON			*out;
	char			*line, *text, err[1024];

	if (strcmp(status, "applied") != 0 && strcmp(status, "refused") != 0 &&
	    strcmp(status, "declined") != 0 &&
	    strcmp(status, "cancelled") != 0 &&
	    strcmp(status, "not_applied") != 0 &&
	    strcmp(status, "unknown") != 0) {
		cJSON_Delete(o);
		return tool_fail(ctx, "internal error: the writer's outcome has "
		    "no known status");
	}
	out = result_base(ctx, st->plan, status);
	for (key = keys; *key != NULL; key++)
		copy_key(out, o, *key);
	cJSON_AddStringToObject(out, "confirmation", st->confirmation);
	attempt = str_of(out, "attempt_id", "?");
	resolved = str_of(o, "resolved_by", NULL);
	line = change_line(ctx, out);
	error_text(o, err, sizeof(err));
	if (strcmp(status, "applied") == 0) {
		if (k->note)
			xasprintf(&text, "%sAdded the %s (note %s, link %s, "
			    "audit %s, attempt %s)", resolved != NULL ?
			    "Outcome confirmed by the attempt id after the "
			    "connection broke: applied. " : "", line,
			    str_of(o, "note_id", "?"), str_of(o, "link_id", "?"),
			    str_of(o, "audit_id", "?"), attempt);
		else
			xasprintf(&text, "%sUpdated %s (audit %s, attempt %s)",
			    resolved != NULL ? "Outcome confirmed by the "
			    "attempt id after the connection broke: applied. " :
			    "", line, str_of(o, "audit_id", "?"), attempt);
	} else if (strcmp(status, "refused") == 0) {
		ctx->is_error = 1;
		if (str_of(o, "failed_audit_id", NULL) != NULL)
			xasprintf(&text, "Salesforce refused the %s: %s. Nothing "
			    "was changed; a Failed__c audit row %s records the "
			    "attempt (attempt %s).", line, err,
			    str_of(o, "failed_audit_id", ""), attempt);
		else
			xasprintf(&text, "Salesforce refused the %s: %s. Nothing "
			    "was changed; no failed-attempt audit row was "
			    "written (the audit object has no Failed__c field, "
			    "or that row failed too), so only the local journal "
			    "keeps the attempt (attempt %s).", line, err,
			    attempt);
	} else if (strcmp(status, "declined") == 0 ||
	    strcmp(status, "cancelled") == 0) {
		xasprintf(&text, "Not changed: %s; nothing was sent to "
		    "Salesforce. (%s was planned; attempt %s)",
		    st->confirmation, line, attempt);
	} else if (strcmp(status, "not_applied") == 0) {
		ctx->is_error = 1;
		if (resolved != NULL)
			xasprintf(&text, "Not changed when looked up: the "
			    "connection broke after sending, and right after "
			    "the audit object had no row for the attempt; it "
			    "was not retried. Salesforce may still finish a "
			    "transaction whose client hung up: look for attempt "
			    "%s in the audit object before writing again. (%s)",
			    attempt, line);
		else
			xasprintf(&text, "Not changed: %s. (%s; attempt %s)",
			    err, line, attempt);
	} else {
		ctx->is_error = 1;
		xasprintf(&text, "Outcome unknown: the request may have reached "
		    "Salesforce and the attempt id could not be looked up, so "
		    "it was not retried. Before trying again, look for attempt "
		    "%s in the audit object or the journal. (%s)", attempt,
		    line);
	}
	free(line);
	if (cJSON_GetObjectItemCaseSensitive(o, "journal") != NULL) {
		xasprintf(&line, "%s\nJournal: %s", text, str_of(o, "journal",
		    ""));
		free(text);
		text = line;
	}
	xasprintf(&line, "%s\nConfirmation: %s", text, st->confirmation);
	free(text);
	cJSON_Delete(o);
	return tool_done(ctx, out, line);
}

static enum tool_verdict
write_answer(struct tool_ctx *ctx, uint32_t type, struct buf *b)
{
	const struct write_kind	*k = ctx->tool->data;
	cJSON			*j;

	if (ctx->step == 0 && type == k->request + 1) {
		if ((j = writer_json(ctx, b)) == NULL)
			return TOOL_FAIL;
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j,
		    "dry_run"))) {
			enum tool_verdict v = write_dry_run(ctx, j);
			cJSON_Delete(j);
			return v;
		}
		return write_plan(ctx, j);	/* keeps j, or fails */
	}
	if (ctx->step == 1 && type == TOOL_ELICIT_R)
		return write_elicited(ctx, b);
	if (ctx->step == 2 && type == IMSG_WR_COMMIT_R) {
		if ((j = writer_json(ctx, b)) == NULL)
			return TOOL_FAIL;
		return write_outcome(ctx, j);
	}
	fatalx("%s: answer %s at step %d", ctx->tool->name, imsg_name(type),
	    ctx->step);
}

/* --------------------------------------------------------- the tools */

/*
 * The two results share their outcome part; each lists only its own
 * keys (result_base(), write_outcome(): the writer adds old_value and
 * new_value to an update's outcome, note_id and link_id to a note's).
 */
#define WRITE_OUTPUT_COMMON \
	"\"status\":{\"type\":\"string\",\"enum\":[\"applied\",\"refused\"," \
	"\"declined\",\"cancelled\",\"not_applied\",\"unknown\",\"dry_run\"]}," \
	"\"dry_run\":{\"type\":\"boolean\"}," \
	"\"attempt_id\":{\"type\":\"string\"}," \
	"\"object_type\":{\"type\":\"string\"}," \
	"\"object_id\":{\"type\":\"string\"}," \
	"\"audit_id\":{\"type\":[\"string\",\"null\"]}," \
	"\"failed_audit_id\":{\"type\":[\"string\",\"null\"]}," \
	"\"error\":{\"type\":[\"object\",\"null\"]}," \
	"\"resolved_by\":{\"type\":\"string\"}," \
	"\"journal\":{\"type\":\"string\"}," \
	"\"confirmation\":{\"type\":\"string\"}," \
	"\"payload\":{\"type\":\"object\"}"
#define WRITE_SCALAR	"{\"type\":[\"string\",\"number\",\"boolean\",\"null\"]}"

static const char update_output[] =
	"{\"type\":\"object\",\"properties\":{" WRITE_OUTPUT_COMMON ","
	"\"field_name\":{\"type\":\"string\"},"
	"\"field_label\":{\"type\":\"string\"},"
	"\"old_value\":" WRITE_SCALAR ","
	"\"new_value\":" WRITE_SCALAR ","
	"\"justification\":{\"type\":\"string\"}"
	"},\"required\":[\"status\",\"dry_run\"]}";

static const char note_output[] =
	"{\"type\":\"object\",\"properties\":{" WRITE_OUTPUT_COMMON ","
	"\"title\":{\"type\":\"string\"},"
	"\"body_chars\":{\"type\":\"integer\"},"
	"\"note_id\":{\"type\":[\"string\",\"null\"]},"
	"\"link_id\":{\"type\":[\"string\",\"null\"]}"
	"},\"required\":[\"status\",\"dry_run\"]}";

#define ARG_OBJECT_TYPE \
	{ "object_type", ARG_ENUM, 1, "The record's object: Account, " \
	  "Opportunity, Contact or Lead (the operator may allow fewer).", \
	  0, 0, OBJECT_TYPES, NULL, 0, 0, 0 }
#define ARG_OBJECT_ID \
	{ "object_id", ARG_STRING, 1, "The record's ID, 15 or 18 characters, " \
	  "with its object's key prefix (Account " PREFIX_ACCOUNT \
	  ", Opportunity " PREFIX_OPPORTUNITY ", Contact " PREFIX_CONTACT \
	  ", Lead " PREFIX_LEAD ").", 0, 0, ID_PATTERN, NULL, 0, 0, 0 }
#define ARG_WRITE_DRY_RUN \
	{ "dry_run", ARG_BOOLEAN, 0, "Return the exact composite request " \
	  "(the audit row and the change) without sending it or asking " \
	  "anyone.", 0, 0, NULL, NULL, 0, 0, 0 }

static const struct tool_arg update_args[] = {
	ARG_OBJECT_TYPE,
	ARG_OBJECT_ID,
	{ "field_name", ARG_STRING, 1, "The field's API name, e.g. NextStep or "
	  "Region__c; it must be updateable and allowed by the operator "
	  "(ownership, record type and stage fields are not by default).",
	  1, 80, FIELD_NAME_PATTERN, NULL, 0, 0, 0 },
	{ "new_value", ARG_SCALAR, 1, "The new value, checked and converted "
	  "by the field's type: text, a number, true or false, a date "
	  "YYYY-MM-DD, a picklist value; null empties the field (an empty "
	  "string is refused, not taken for null).", 0, VALUE_MAX, NULL, NULL,
	  0, 0, 0 },
	{ "justification", ARG_STRING, 1, "Why the change is made, in a "
	  "sentence (10 to 2000 characters); it is stored in the audit row.",
	  JUSTIFICATION_MIN, JUSTIFICATION_MAX, NULL, NULL, 0, 0, 0 },
	ARG_WRITE_DRY_RUN,
	ARG_END
};

static const struct tool_arg note_args[] = {
	ARG_OBJECT_TYPE,
	ARG_OBJECT_ID,
	{ "body", ARG_STRING, 1, "The note's text, 1 to 32768 characters; "
	  "plain text (HTML is escaped).", 1, BODY_MAX, NULL, NULL, 0, 0, 0 },
	{ "title", ARG_STRING, 0, "The note's title, up to 255 characters; by "
	  "default the body's first line.", 1, TITLE_MAX, NULL, NULL, 0, 0,
	  0 },
	ARG_WRITE_DRY_RUN,
	ARG_END
};

static const struct write_kind update_kind = { 0, IMSG_WR_UPDATE };
static const struct write_kind note_kind = { 1, IMSG_WR_NOTE };

const struct tool tool_update_field = {
	"update_field", "Update a field",
	"Change one field of one Account, Opportunity, Contact or Lead, with a "
	"justification. The audit row (old value, new value, justification, "
	"who) and the change are sent as one all-or-none request, so the "
	"change never happens without its audit row. When the client "
	"supports elicitation, a person is asked to confirm the exact change "
	"first; use dry_run to see it without sending anything.",
	update_args, update_output,
	TOOL_DESTRUCTIVE | TOOL_OPEN_WORLD | TOOL_WRITE,
	write_start, write_answer, write_state_free, &update_kind
};

const struct tool tool_add_note = {
	"add_note", "Add a note",
	"Attach a note (a ContentNote) to one Account, Opportunity, Contact "
	"or Lead. The note, its link to the record and its audit row are "
	"created in one all-or-none request, so a note never exists without "
	"its audit row. When the client supports elicitation, a person is "
	"asked to confirm first; use dry_run to see the request without "
	"sending anything.",
	note_args, note_output,
	TOOL_OPEN_WORLD | TOOL_WRITE,
	write_start, write_answer, write_state_free, &note_kind
};
