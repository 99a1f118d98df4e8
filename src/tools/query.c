/*
 * query.c: the query tool.  One SOQL SELECT through the same guard the
 * broker applies again (IMSG_SF_QUERY), or the next page of an earlier
 * one by cursor (IMSG_SF_MORE).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sfrevops.h"
#include "tool.h"
#include "tools/common.h"

static const struct tool_arg query_args[] = {
	{ "soql", ARG_STRING, 0, "One SOQL SELECT statement. LIMIT 200 is "
	  "added when there is no LIMIT; field-level security is enforced. "
	  "DML, FOR UPDATE and comments are refused.", 1, SF_MAX_SOQL, NULL,
	  NULL, 0, 0, 0 },
	{ "bypass_sharing", ARG_BOOLEAN, 0, "Reserved; true is refused: "
	  "sharing rules and field-level security always apply.", 0, 0, NULL,
	  NULL, 0, 0, 0 },
	{ "cursor", ARG_STRING, 0, "The cursor from an earlier result: returns "
	  "the next 200 rows. Give either soql or cursor.", 0, 0,
	  CURSOR_PATTERN, NULL, 0, 0, 0 },
	ARG_DRY_RUN,
	ARG_END
};

static const char query_output[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"object\":{\"type\":\"string\"}," TABLE_SCHEMA ","
	"\"returned\":{\"type\":\"integer\",\"minimum\":0},"
	"\"total_size\":{\"type\":\"integer\",\"minimum\":0},"
	"\"done\":{\"type\":\"boolean\"},"
	"\"cursor\":{\"type\":\"string\"},"
	"\"soql\":{\"type\":\"string\"},"
	"\"dry_run\":{\"type\":\"boolean\"}," REQUEST_SCHEMA "},"
	"\"required\":[\"dry_run\"]}";

static enum tool_verdict
query_start(struct tool_ctx *ctx)
{
	const char	*soql = tool_arg_str(ctx, "soql");
	const char	*cursor = tool_arg_str(ctx, "cursor");
	struct buf	 b;
	char		*rewritten = NULL, why[512];

	if (tool_arg_bool(ctx, "bypass_sharing"))
		return tool_fail(ctx, "query: bypass_sharing=true is refused. "
		    "This server always runs queries as the integration user, "
		    "with its sharing rules and field-level security; there is "
		    "no way to bypass them. Call again without bypass_sharing.");
	if ((soql == NULL) == (cursor == NULL))
		return tool_fail(ctx, "query: give either 'soql' (a new query) "
		    "or 'cursor' (the next page of an earlier one), not %s",
		    soql == NULL ? "neither" : "both");
	if (cursor != NULL) {
		if (tool_arg_bool(ctx, "dry_run"))
			return tool_fail(ctx, "query: dry_run applies to a new "
			    "soql statement, not to a cursor");
		buf_init(&b);
		buf_put_str(&b, cursor);
		tool_request(ctx, IMSG_SF_MORE, &b);
		buf_free(&b);
		return TOOL_WAIT;
	}
	/* Refuse early, with the same guard the broker applies again. */
	if (common_soql_guard(ctx, soql, &rewritten, why, sizeof(why)) == -1)
		return tool_fail(ctx, "%s", why);
	free(rewritten);
	common_send_query(ctx, tool_arg_bool(ctx, "dry_run"), soql);
	return TOOL_WAIT;
}

static enum tool_verdict
query_answer(struct tool_ctx *ctx, uint32_t type, struct buf *b)
{
	cJSON		*j, *out;
	const cJSON	*v;
	char		*text, heading[512];

	(void)type;
	if ((j = common_answer_json(ctx, b)) == NULL)
		return TOOL_FAIL;
	if ((out = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "dry_run"))) {
		v = cJSON_GetObjectItemCaseSensitive(j, "object");
		if (cJSON_IsString(v))
			cJSON_AddStringToObject(out, "object", v->valuestring);
		return common_dry_run_done(ctx, j, out);
	}
	if (common_page_take(ctx, j, out) == -1)
		return TOOL_FAIL;
	common_page_heading(out, "query", "rows", heading, sizeof(heading));
	text = records_text(out, heading);
	return tool_done(ctx, out, text);
}

const struct tool tool_query = {
	"query", "SOQL query",
	"Run one read-only SOQL SELECT as the integration user. Refuses DML "
	"and anything but a single SELECT before sending. Adds LIMIT 200 "
	"when there is none and enforces field-level security. Returns at "
	"most 200 rows per call as columns and rows; when more exist, pass "
	"the returned cursor to fetch the next 200.",
	query_args, query_output,
	TOOL_READ_ONLY | TOOL_IDEMPOTENT | TOOL_OPEN_WORLD,
	query_start, query_answer, NULL, NULL
};
