/*
 * common.c: what the tool handlers share.  Broker answers are parsed
 * once here, query pages are turned into {columns, rows} by moving the
 * rows, and dry runs are answered the same way by every tool.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "sfrevops.h"
#include "jsonrpc.h"
#include "objects.h"
#include "soql.h"
#include "tool.h"
#include "tools/common.h"

void
common_error_parse(struct buf *b, uint32_t *code, char **msg)
{
	*msg = NULL;
	if (buf_get_u32(b, code) == -1 || buf_get_str(b, msg, 65536) == -1 ||
	    buf_get_end(b) == -1)
		fatalx("malformed ERROR answer");
}

cJSON *
common_answer_json(struct tool_ctx *ctx, struct buf *b)
{
	const char	*text, *usage;
	uint32_t	 n;
	cJSON		*j = NULL;

	/* A str, parsed where it lies: no copy of a page of records. */
	if (buf_get_u32(b, &n) == -1 || n > IPC_MAX_PAYLOAD ||
	    n != b->len - b->off || memchr(b->data + b->off, '\0', n) != NULL)
		fatalx("malformed answer from the broker");
	text = (const char *)b->data + b->off;
	b->off += n;
	if (jr_depth(text, n, MCP_MAX_DEPTH) > MCP_MAX_DEPTH ||
	    (j = cJSON_ParseWithLength(text, n)) == NULL || !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		(void)tool_fail(ctx, "internal error: the broker's answer is "
		    "not a JSON object");
		return NULL;
	}
	usage = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j,
	    "org_api_usage"));
	if (usage != NULL && strlen(usage) < sizeof(ctx->org_api_usage) &&
	    strspn(usage, "0123456789/") == strlen(usage))
		strlcpy_sf(ctx->org_api_usage, usage,
		    sizeof(ctx->org_api_usage));
	return j;
}

/* A dry run's text: the one request, or the list of them in order. */
static char *
dry_run_text(const cJSON *req, const cJSON *list)
{
	const cJSON	*r, *soql;
	char		*text, *more;
	int		 i = 0;

	if (!cJSON_IsArray(list)) {
		const char *n = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(req, "note"));

		soql = cJSON_GetObjectItemCaseSensitive(req, "soql");
		xasprintf(&text, "dry run: nothing was sent.\n%s %s%s%s%s%s",
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(req,
		    "method")), cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(req, "path")),
		    cJSON_IsString(soql) ? "\nSOQL: " : "",
		    cJSON_IsString(soql) ? soql->valuestring : "",
		    n != NULL ? "\n" : "", n != NULL ? n : "");
		return text;
	}
	text = xstrdup("dry run: nothing was sent. The requests, in order:");
	cJSON_ArrayForEach(r, list) {
		const char *s = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(r, "soql"));
		const char *n = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(r, "note"));
		xasprintf(&more, "%s\n%d. %s%s%s%s %s%s%s", text, ++i,
		    n != NULL ? "(" : "", n != NULL ? n : "",
		    n != NULL ? ")\n   " : "", cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(r, "method")),
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r,
		    "path")), s != NULL ? "\n   SOQL: " : "",
		    s != NULL ? s : "");
		free(text);
		text = more;
	}
	return text;
}

enum tool_verdict
common_dry_run_done(struct tool_ctx *ctx, cJSON *j, cJSON *out)
{
	cJSON		*req;
	const char	*key[] = { "method", "path", "soql", "note" };
	char		*text;
	size_t		 i;

	if ((req = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	for (i = 0; i < sizeof(key) / sizeof(key[0]); i++) {
		cJSON *e = cJSON_DetachItemFromObjectCaseSensitive(j, key[i]);
		if (cJSON_IsString(e))
			cJSON_AddItemToObject(req, key[i], e);
		else
			cJSON_Delete(e);
	}
	cJSON_AddBoolToObject(out, "dry_run", 1);
	cJSON_AddItemToObject(out, "request", req);
	text = dry_run_text(req, cJSON_GetObjectItemCaseSensitive(out,
	    "requests"));
	cJSON_Delete(j);
	return tool_done(ctx, out, text);
}

int
common_page_take(struct tool_ctx *ctx, cJSON *j, cJSON *out)
{
	cJSON		*table, *e;
	const cJSON	*v, *cursor;
	long		 total, returned;
	int		 ok;

	table = records_flatten(cJSON_GetObjectItemCaseSensitive(j, "records"),
	    &ok);
	if (!ok) {
		cJSON_Delete(table);
		cJSON_Delete(out);
		cJSON_Delete(j);
		(void)tool_fail(ctx, "internal error: the broker's answer has "
		    "no records");
		return -1;
	}
	v = cJSON_GetObjectItemCaseSensitive(j, "object");
	cJSON_AddStringToObject(out, "object", cJSON_IsString(v) ?
	    v->valuestring : "");
	returned = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(table,
	    "rows"));
	v = cJSON_GetObjectItemCaseSensitive(j, "totalSize");
	total = cJSON_IsNumber(v) ? (long)v->valuedouble : returned;
	cJSON_AddNumberToObject(out, "returned", (double)returned);
	cJSON_AddNumberToObject(out, "total_size", (double)total);
	cJSON_AddBoolToObject(out, "done",
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "done")));
	cursor = cJSON_GetObjectItemCaseSensitive(j, "cursor");
	if (cJSON_IsString(cursor))
		cJSON_AddItemToObject(out, "cursor",
		    cJSON_DetachItemViaPointer(j, (cJSON *)cursor));
	if (cJSON_IsString(e = cJSON_GetObjectItemCaseSensitive(j, "soql")))
		cJSON_AddItemToObject(out, "soql",
		    cJSON_DetachItemViaPointer(j, e));
	cJSON_AddBoolToObject(out, "dry_run", 0);
	cJSON_AddItemToObject(out, "columns",
	    cJSON_DetachItemFromObjectCaseSensitive(table, "columns"));
	cJSON_AddItemToObject(out, "rows",
	    cJSON_DetachItemFromObjectCaseSensitive(table, "rows"));
	cJSON_Delete(table);
	cJSON_Delete(j);
	return 0;
}

void
common_page_heading(const cJSON *out, const char *tool, const char *what,
    char *heading, size_t len)
{
	const cJSON	*cursor = cJSON_GetObjectItemCaseSensitive(out, "cursor");
	long		 returned, total;

	returned = (long)cJSON_GetNumberValue(
	    cJSON_GetObjectItemCaseSensitive(out, "returned"));
	total = (long)cJSON_GetNumberValue(
	    cJSON_GetObjectItemCaseSensitive(out, "total_size"));
	if (cJSON_IsString(cursor))
		snprintf(heading, len, "%ld of %ld %s; more: call %s with "
		    "cursor \"%s\"", returned, total, what, tool,
		    cursor->valuestring);
	else
		snprintf(heading, len, "%ld of %ld %s%s", returned, total, what,
		    returned < total ? " (the rest were not requested: raise "
		    "LIMIT or add filters)" : "");
}

/* The broker's guard: LIMIT 200 added when absent, unless all_rows. */
static int
soql_guard_rows(const struct tool_ctx *ctx, const char *soql, int all_rows,
    char **out, char *err, size_t errlen)
{
	struct soql_opts	 opts;
	struct soql_info	 info;

	memset(&opts, 0, sizeof(opts));
	opts.fls = soql_fls_mode(ctx->fls_mode);
	opts.default_limit = all_rows ? 0 : SF_MAX_ROWS;
	return soql_rewrite(soql, strlen(soql), &opts, out, &info, err,
	    errlen);
}

int
common_soql_guard(const struct tool_ctx *ctx, const char *soql, char **out,
    char *err, size_t errlen)
{
	return soql_guard_rows(ctx, soql, 0, out, err, errlen);
}

static char *
soql_as_sent(const struct tool_ctx *ctx, const char *soql, int all_rows)
{
	char	*out, why[512];

	if (soql_guard_rows(ctx, soql, all_rows, &out, why, sizeof(why)) == -1)
		fatalx("our own statement is refused: %s", why);
	return out;
}

char *
common_soql_as_sent(const struct tool_ctx *ctx, const char *soql)
{
	return soql_as_sent(ctx, soql, 0);
}

void
common_send_query(struct tool_ctx *ctx, unsigned int flags, const char *soql)
{
	struct buf	 b;

	buf_init(&b);
	buf_put_u32(&b, flags);
	buf_put_str(&b, soql);
	tool_request(ctx, IMSG_SF_QUERY, &b);
	buf_free(&b);
}

void
common_send_describe(struct tool_ctx *ctx, const char *object)
{
	struct buf	 b;

	buf_init(&b);
	buf_put_str(&b, object);
	tool_request(ctx, IMSG_SF_DESCRIBE, &b);
	buf_free(&b);
}

int
common_arg_owner(struct tool_ctx *ctx, char id18[19])
{
	const char	*owner = tool_arg_str(ctx, "owner_id");
	char		 why[200];

	id18[0] = '\0';
	if (owner == NULL)
		return 0;
	if (policy_id_valid(owner, objects_prefix("User"), id18, why,
	    sizeof(why)) == -1) {
		id18[0] = '\0';
		(void)tool_fail(ctx, "%s: argument 'owner_id' is not a valid "
		    "User ID (%s...): %s", ctx->tool->name,
		    objects_prefix("User"), why);
		return -1;
	}
	return 0;
}

void
common_request_add(cJSON *list, const char *method, const char *path,
    const char *soql, const char *note)
{
	cJSON	*r;

	if ((r = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	cJSON_AddStringToObject(r, "method", method);
	cJSON_AddStringToObject(r, "path", path);
	if (soql != NULL)
		cJSON_AddStringToObject(r, "soql", soql);
	if (note != NULL)
		cJSON_AddStringToObject(r, "note", note);
	cJSON_AddItemToArray(list, r);
}

char *
common_path_prefix(const cJSON *j)
{
	const char	*path = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(j, "path"));
	const char	*q;

	if (path == NULL || (q = strstr(path, "/query?q=")) == NULL)
		return xstrdup("/services/data/vXX.X/");
	return xstrndup(path, (size_t)(q - path) + 1);
}

void
common_request_add_describe(cJSON *list, const cJSON *j, const char *why)
{
	char	*prefix, *path, *note;

	prefix = common_path_prefix(j);
	xasprintf(&path, "%ssobjects/Opportunity/describe", prefix);
	xasprintf(&note, "%s (answered from the cache when the broker has "
	    "described Opportunity already)", why);
	common_request_add(list, "GET", path, NULL, note);
	free(note);
	free(path);
	free(prefix);
}

enum tool_verdict
common_start(struct tool_ctx *ctx, char *soql, unsigned int flags,
    int query_step, int describe_step, int total, const char *why)
{
	if (soql != NULL) {
		/* Nothing goes to Salesforce, describe included. */
		ctx->step = query_step;
		common_send_query(ctx, REQ_DRY_RUN | flags, soql);
		free(soql);
		return TOOL_WAIT;
	}
	ctx->step = describe_step;
	tool_progress(ctx, total, why);
	common_send_describe(ctx, "Opportunity");
	return TOOL_WAIT;
}

enum tool_verdict
common_send_more(struct tool_ctx *ctx, const char *cursor)
{
	struct buf	 b;

	buf_init(&b);
	buf_put_str(&b, cursor);
	tool_request(ctx, IMSG_SF_MORE, &b);
	buf_free(&b);
	return TOOL_WAIT;
}

/* A note, and the broker's on the FLS clause after it (caller frees). */
static char *
plan_note(const cJSON *j, const char *note)
{
	const char	*fls = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(j, "note"));
	char		*s;

	if (fls == NULL)
		return xstrdup(note);
	xasprintf(&s, "%s. %s", note, fls);
	return s;
}

cJSON *
common_plan_start(const cJSON *j, const char *why)
{
	cJSON	*out;

	if ((out = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	common_request_add_describe(cJSON_AddArrayToObject(out, "requests"), j,
	    why);
	return out;
}

void
common_plan_broker(cJSON *out, const cJSON *j, const char *note)
{
	char	*n = plan_note(j, note);

	common_request_add(cJSON_GetObjectItemCaseSensitive(out, "requests"),
	    "GET", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j,
	    "path")), cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j,
	    "soql")), n);
	free(n);
}

void
common_plan_add(const struct tool_ctx *ctx, cJSON *out, const cJSON *j,
    const char *soql, unsigned int flags, const char *note)
{
	struct tool_ctx	 as = *ctx;
	const char	*first = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(j, "soql"));
	char		*prefix, *path, *sent, *n;

	/* SFDC_FLS_MODE=auto: the broker has learned whether the org takes
	 * the clause when its statement, ours without it, came back with
	 * it; this one then goes with it too. */
	if (soql_fls_mode(ctx->fls_mode) == SOQL_FLS_AUTO && first != NULL &&
	    strstr(first, " WITH SECURITY_ENFORCED") != NULL)
		as.fls_mode = "security_enforced";
	prefix = common_path_prefix(j);
	xasprintf(&path, "%squery?q=<the statement, URL-encoded>", prefix);
	sent = soql_as_sent(&as, soql, (flags & REQ_ALL_ROWS) != 0);
	n = plan_note(j, note);
	common_request_add(cJSON_GetObjectItemCaseSensitive(out, "requests"),
	    "GET", path, sent, n);
	free(n);
	free(sent);
	free(path);
	free(prefix);
}

double
common_cents(double v)
{
	return round(v * 100.0) / 100.0;
}

/* -------------------------------------------------------------- dates */

