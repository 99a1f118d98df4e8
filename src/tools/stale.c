/*
 * stale.c: stale_opps.  One query of the open opportunities whose stage
 * has not changed within the threshold, paged 200 rows at a time by
 * cursor; each row gains days_in_stage.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sfrevops.h"
#include "date.h"
#include "tool.h"
#include "tools/common.h"

#define STALE_MAX_ROWS	2000	/* rows reachable by cursor */

static const struct tool_arg stale_args[] = {
	{ "days_in_stage_threshold", ARG_INTEGER, 0, "List open "
	  "opportunities whose stage last changed before the start of the "
	  "day this many days ago.", 1, 3650, NULL, NULL, 1, 30, 0 },
	ARG_OWNER_ID,
	{ "cursor", ARG_STRING, 0, "The cursor from an earlier stale_opps "
	  "result: returns the next 200 rows. Give it alone.", 0, 0,
	  CURSOR_PATTERN, NULL, 0, 0, 0 },
	ARG_DRY_RUN,
	ARG_END
};

static const char stale_output[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"object\":{\"type\":\"string\"}," TABLE_SCHEMA ","
	"\"returned\":{\"type\":\"integer\",\"minimum\":0},"
	"\"total_size\":{\"type\":\"integer\",\"minimum\":0},"
	"\"done\":{\"type\":\"boolean\"},\"cursor\":{\"type\":\"string\"},"
	"\"soql\":{\"type\":\"string\"},\"dry_run\":{\"type\":\"boolean\"},"
	REQUEST_SCHEMA "},\"required\":[\"dry_run\"]}";

#define STALE_SELECT \
	"SELECT Id, Name, Account.Name, StageName, Amount, CloseDate, " \
	"LastStageChangeDate, Owner.Name FROM Opportunity WHERE " \
	"IsClosed = false AND LastStageChangeDate < LAST_N_DAYS:"

static enum tool_verdict
stale_start(struct tool_ctx *ctx)
{
	const char	*cursor = tool_arg_str(ctx, "cursor");
	char		 owner18[19], *soql;
	struct buf	 b;

	if (cursor != NULL) {
		if (tool_arg_given(ctx, "days_in_stage_threshold") ||
		    tool_arg_given(ctx, "owner_id") ||
		    tool_arg_bool(ctx, "dry_run"))
			return tool_fail(ctx, "stale_opps: give either a "
			    "cursor (the next page of an earlier call) or "
			    "days_in_stage_threshold, owner_id and dry_run "
			    "(a new search), not both");
		buf_init(&b);
		buf_put_str(&b, cursor);
		tool_request(ctx, IMSG_SF_MORE, &b);
		buf_free(&b);
		return TOOL_WAIT;
	}
	if (common_arg_owner(ctx, owner18) == -1)
		return TOOL_FAIL;
	xasprintf(&soql, STALE_SELECT "%ld%s%s%s ORDER BY LastStageChangeDate "
	    "ASC, Id ASC LIMIT %d", tool_arg_int(ctx,
	    "days_in_stage_threshold"), owner18[0] ? " AND OwnerId = '" : "",
	    owner18, owner18[0] ? "'" : "", STALE_MAX_ROWS);
	common_send_query(ctx, tool_arg_bool(ctx, "dry_run"), soql);
	free(soql);
	return TOOL_WAIT;
}

static enum tool_verdict
stale_answer(struct tool_ctx *ctx, uint32_t type, struct buf *b)
{
	cJSON		*j, *out, *cols, *row;
	const cJSON	*col, *soql;
	char		*text, heading[600];
	long long	 now, t;
	int		 at = -1, i = 0;

	(void)type;
	if ((j = common_answer_json(ctx, b)) == NULL)
		return TOOL_FAIL;
	if ((out = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "dry_run"))) {
		cJSON_AddStringToObject(out, "object", "Opportunity");
		return common_dry_run_done(ctx, j, out);
	}
	/* A cursor of another tool's query would page something else. */
	soql = cJSON_GetObjectItemCaseSensitive(j, "soql");
	if (!cJSON_IsString(soql) || strncmp(soql->valuestring, STALE_SELECT,
	    strlen(STALE_SELECT)) != 0) {
		cJSON_Delete(j);
		cJSON_Delete(out);
		return tool_fail(ctx, "stale_opps: this cursor belongs to "
		    "another query; pass it to the query tool instead");
	}
	if (common_page_take(ctx, j, out) == -1)
		return TOOL_FAIL;
	/* days_in_stage: whole 24-hour periods since the last stage
	 * change, from UTC instants, so no time zone enters. */
	cols = cJSON_GetObjectItemCaseSensitive(out, "columns");
	cJSON_ArrayForEach(col, cols) {
		if (strcmp(col->valuestring, "LastStageChangeDate") == 0)
			at = i;
		i++;
	}
	cJSON_AddItemToArray(cols, cJSON_CreateString("days_in_stage"));
	now = date_now_ms();
	cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(out, "rows")) {
		const char *v = at < 0 ? NULL :
		    cJSON_GetStringValue(cJSON_GetArrayItem(row, at));
		if (v != NULL && date_datetime_ms(v, &t) == 0 && t <= now)
			cJSON_AddItemToArray(row, cJSON_CreateNumber(
			    (double)((now - t) / DAY_MS)));
		else
			cJSON_AddItemToArray(row, cJSON_CreateNull());
	}
	common_page_heading(out, "stale_opps", "open opportunities whose stage "
	    "has not changed within the threshold, oldest change first",
	    heading, sizeof(heading));
	if ((long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(out,
	    "total_size")) >= STALE_MAX_ROWS) {
		size_t n = strlen(heading);
		snprintf(heading + n, sizeof(heading) - n, " (at most %d are "
		    "listed: raise the threshold or give owner_id)",
		    STALE_MAX_ROWS);
	}
	text = records_text(out, heading);
	return tool_done(ctx, out, text);
}

const struct tool tool_stale_opps = {
	"stale_opps", "Stale opportunities",
	"Open opportunities whose stage has not changed for more than "
	"days_in_stage_threshold days (default 30), oldest change first, "
	"with days_in_stage; optionally for one owner. Returns at most 200 "
	"rows per call; when more exist, pass the returned cursor to get "
	"the next 200.",
	stale_args, stale_output,
	TOOL_READ_ONLY | TOOL_IDEMPOTENT | TOOL_OPEN_WORLD,
	stale_start, stale_answer, NULL, NULL
};
