/*
 * stale.c: stale_opps.
 *
 * Step 0 describes Opportunity (the broker caches it: once per process)
 * to learn whether the org has LastStageChangeDate at this API version.
 * Step 1 is one query of every open opportunity whose stage has not
 * changed within the threshold, with no LIMIT (REQ_ALL_ROWS), so
 * totalSize is the exact number, however many; the broker hands over
 * 200 rows and keeps a cursor for the rest, and a call with that cursor
 * pages on.
 *
 * With LastStageChangeDate, a deal that never moved (no value there)
 * counts from its CreatedDate.  Without it, stage history decides:
 * OpportunityHistory, where Salesforce writes a row on each change of
 * stage, amount, probability or close date.  The query keeps the deals
 * created before the threshold with no such row within it (an anti-join,
 * which OpportunityHistory may be the inner object of), and step 2 reads,
 * for the page's deals only (at most 200 groups), when their last row
 * was written: the start of days_in_stage, or CreatedDate when there is
 * none.  At most two API calls per page.
 *
 * An org may not let the user query OpportunityHistory (INVALID_TYPE)
 * and track StageName in field history instead: the tool sees the
 * query's error (TOOL_SEES_ERRORS), asks OpportunityFieldHistory (Field
 * = 'StageName') the same two questions, and remembers it for the
 * process, so the failed query is sent once.  The result names the
 * source.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sfrevops.h"
#include "date.h"
#include "objects.h"
#include "tool.h"
#include "tools/common.h"

#define STALE_STEP_DESCRIBE	0
#define STALE_STEP_QUERY	1
#define STALE_STEP_HISTORY	2
/* Where a stage change is read: st->history. */
#define HIST_NONE		0	/* LastStageChangeDate */
#define HIST_OPP		1	/* OpportunityHistory */
#define HIST_FIELD		2	/* OpportunityFieldHistory, StageName */

/* OpportunityHistory refused once: field history from then on. */
static int	 stale_field_history;

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
	"\"stage_change_source\":{\"type\":\"string\"},"
	"\"soql\":{\"type\":\"string\"},\"history_soql\":{\"type\":\"string\"},"
	"\"dry_run\":{\"type\":\"boolean\"},"
	REQUEST_SCHEMA "," REQUESTS_SCHEMA "},\"required\":[\"dry_run\"]}";

/* With LastStageChangeDate. */
#define STALE_SELECT \
	"SELECT Id, Name, Account.Name, StageName, Amount, CloseDate, " \
	"LastStageChangeDate, CreatedDate, Owner.Name FROM Opportunity WHERE " \
	"IsClosed = false AND (LastStageChangeDate < LAST_N_DAYS:"
/* Field history of StageName, as the start of a FROM ... WHERE. */
#define STALE_FIELD_HISTORY \
	"OpportunityFieldHistory WHERE Field = 'StageName'"
/* Without: stage history. */
#define STALE_HIST_SELECT \
	"SELECT Id, Name, Account.Name, StageName, Amount, CloseDate, " \
	"CreatedDate, Owner.Name FROM Opportunity WHERE IsClosed = false AND " \
	"CreatedDate < LAST_N_DAYS:"

struct stale {
	int	 history;	/* HIST_*: no LastStageChangeDate, history */
	int	 fell_back;	/* this call found OpportunityHistory refused */
	char	 owner18[19];
	cJSON	*out;		/* the page, between steps 1 and 2 */
};

static void
stale_free(void *p)
{
	struct stale	*st = p;

	if (st == NULL)
		return;
	cJSON_Delete(st->out);
	free(st);
}

static char *
stale_soql(const struct stale *st, long days)
{
	char	 owner[40] = "";
	char	*soql;

	if (st->owner18[0] != '\0')
		snprintf(owner, sizeof(owner), " AND OwnerId = '%s'",
		    st->owner18);
	if (st->history == HIST_FIELD)
		xasprintf(&soql, STALE_HIST_SELECT "%ld AND Id NOT IN (SELECT "
		    "OpportunityId FROM " STALE_FIELD_HISTORY " AND CreatedDate "
		    "= LAST_N_DAYS:%ld)%s ORDER BY CreatedDate ASC, Id ASC", days,
		    days, owner);
	else if (st->history)
		xasprintf(&soql, STALE_HIST_SELECT "%ld AND Id NOT IN (SELECT "
		    "OpportunityId FROM OpportunityHistory WHERE CreatedDate = "
		    "LAST_N_DAYS:%ld)%s ORDER BY CreatedDate ASC, Id ASC", days,
		    days, owner);
	else
		xasprintf(&soql, STALE_SELECT "%ld OR (LastStageChangeDate = "
		    "null AND CreatedDate < LAST_N_DAYS:%ld))%s ORDER BY "
		    "LastStageChangeDate ASC NULLS FIRST, CreatedDate ASC, Id "
		    "ASC", days, days, owner);
	return soql;
}

static char *
stale_history_soql(const struct stale *st, const char *ids)
{
	char	*soql;

	if (st->history == HIST_FIELD)
		xasprintf(&soql, "SELECT OpportunityId, MAX(CreatedDate) latest "
		    "FROM " STALE_FIELD_HISTORY " AND OpportunityId IN (%s) "
		    "GROUP BY OpportunityId", ids);
	else
		xasprintf(&soql, "SELECT OpportunityId, MAX(CreatedDate) latest "
		    "FROM OpportunityHistory WHERE OpportunityId IN (%s) GROUP BY "
		    "OpportunityId", ids);
	return soql;
}

/* The source a page's statement was written for. */
static int
stale_source_of(const char *soql)
{
	if (strncmp(soql, STALE_SELECT, strlen(STALE_SELECT)) == 0)
		return HIST_NONE;
	if (strncmp(soql, STALE_HIST_SELECT, strlen(STALE_HIST_SELECT)) != 0)
		return -1;
	return strstr(soql, "FROM " STALE_FIELD_HISTORY) != NULL ?
	    HIST_FIELD : HIST_OPP;
}

static enum tool_verdict
stale_start(struct tool_ctx *ctx)
{
	const char	*cursor = tool_arg_str(ctx, "cursor");
	struct stale	*st;
	char		 owner18[19];

	if (cursor != NULL) {
		if (tool_arg_given(ctx, "days_in_stage_threshold") ||
		    tool_arg_given(ctx, "owner_id") ||
		    tool_arg_bool(ctx, "dry_run"))
			return tool_fail(ctx, "stale_opps: give either a "
			    "cursor (the next page of an earlier call) or "
			    "days_in_stage_threshold, owner_id and dry_run "
			    "(a new search), not both");
		ctx->state = xcalloc(1, sizeof(struct stale));
		ctx->step = STALE_STEP_QUERY;
		return common_send_more(ctx, cursor);
	}
	if (common_arg_owner(ctx, owner18) == -1)
		return TOOL_FAIL;
	st = xcalloc(1, sizeof(*st));
	memcpy(st->owner18, owner18, sizeof(st->owner18));
	ctx->state = st;
	return common_start(ctx, tool_arg_bool(ctx, "dry_run") ?
	    stale_soql(st, tool_arg_int(ctx, "days_in_stage_threshold")) :
	    NULL, REQ_ALL_ROWS, STALE_STEP_QUERY, STALE_STEP_DESCRIBE, 0,
	    "describe Opportunity (is LastStageChangeDate there)");
}

/* Has the describe answer j the field? */
static int
stale_has_field(const cJSON *j, const char *name)
{
	const cJSON	*f;

	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(j, "fields"))
		if (cJSON_IsString(f) && strcmp(f->valuestring, name) == 0)
			return 1;
	return 0;
}

static int
column_of(const cJSON *out, const char *name)
{
	const cJSON	*col;
	int		 i = 0;

	cJSON_ArrayForEach(col, cJSON_GetObjectItemCaseSensitive(out,
	    "columns")) {
		if (cJSON_IsString(col) && strcmp(col->valuestring, name) == 0)
			return i;
		i++;
	}
	return -1;
}

/*
 * The page is complete: days_in_stage, whole 24-hour periods since the
 * start (from UTC instants, so no time zone enters), from the row's
 * column at (the stage change), or CreatedDate when that is empty.
 */
static enum tool_verdict
stale_finish(struct tool_ctx *ctx)
{
	struct stale	*st = ctx->state;
	cJSON		*out = st->out, *row;
	char		*text, heading[1400];
	long long	 now, t;
	int		 at, created;
	size_t		 n;

	st->out = NULL;
	at = column_of(out, st->history ? "last_change" :
	    "LastStageChangeDate");
	created = column_of(out, "CreatedDate");
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(out, "columns"),
	    cJSON_CreateString("days_in_stage"));
	now = date_now_ms();
	cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(out, "rows")) {
		const char *v = at < 0 ? NULL :
		    cJSON_GetStringValue(cJSON_GetArrayItem(row, at));
		if (v == NULL && created >= 0)
			v = cJSON_GetStringValue(cJSON_GetArrayItem(row,
			    created));
		if (v != NULL && date_datetime_ms(v, &t) == 0 && t <= now)
			cJSON_AddItemToArray(row, cJSON_CreateNumber(
			    (double)((now - t) / DAY_MS)));
		else
			cJSON_AddItemToArray(row, cJSON_CreateNull());
	}
	cJSON_AddStringToObject(out, "stage_change_source",
	    st->history == HIST_FIELD ? "OpportunityFieldHistory" :
	    st->history ? "OpportunityHistory" : "LastStageChangeDate");
	common_page_heading(out, "stale_opps", st->history == HIST_FIELD ?
	    "open opportunities with no StageName change recorded in "
	    "OpportunityFieldHistory within the threshold, oldest created "
	    "first" : st->history ?
	    "open opportunities with no change recorded in OpportunityHistory "
	    "within the threshold, oldest created first" :
	    "open opportunities whose stage has not changed within the "
	    "threshold, never-moved ones (by CreatedDate) first, then oldest "
	    "change first", heading, sizeof(heading));
	n = strlen(heading);
	if (st->history == HIST_FIELD)
		snprintf(heading + n, sizeof(heading) - n, ". This org's "
		    "describe has no Opportunity.LastStageChangeDate (an older "
		    "API version, or not visible), and %s, so the field history "
		    "of StageName decided (OpportunityFieldHistory): "
		    "days_in_stage counts from the last StageName change "
		    "(last_change), or from CreatedDate for a deal with none "
		    "recorded, which includes a change made before the org "
		    "began tracking StageName", st->fell_back ? "it refused "
		    "OpportunityHistory (INVALID_TYPE) at this call" :
		    "OpportunityHistory was refused (INVALID_TYPE) earlier in "
		    "this process");
	else if (st->history)
		snprintf(heading + n, sizeof(heading) - n, ". This org's "
		    "describe has no Opportunity.LastStageChangeDate (an older "
		    "API version, or not visible), so stage history decided: "
		    "OpportunityHistory records stage, amount, probability and "
		    "close date changes, so a recent change of any of them "
		    "keeps a deal off this list, and days_in_stage counts from "
		    "the last one (last_change), or from CreatedDate");
	text = records_text(out, heading);
	return tool_done(ctx, out, text);
}

/* Step 2 for the page's deals, or the end when there are none. */
static enum tool_verdict
stale_history(struct tool_ctx *ctx)
{
	struct stale	*st = ctx->state;
	const cJSON	*row;
	char		*ids = NULL, *soql, id18[19], why[200];
	size_t		 len = 0;
	int		 i;

	i = column_of(st->out, "CreatedDate");
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(st->out,
	    "columns"), cJSON_CreateString("last_change"));
	cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(st->out,
	    "rows")) {
		const char *id = cJSON_GetStringValue(cJSON_GetArrayItem(row,
		    0));
		/* CreatedDate until the history says otherwise. */
		cJSON_AddItemToArray((cJSON *)row, i < 0 ? cJSON_CreateNull() :
		    cJSON_Duplicate(cJSON_GetArrayItem(row, i), 1));
		if (id == NULL || policy_id_valid(id,
		    objects_prefix("Opportunity"), id18, why,
		    sizeof(why)) == -1) {
			free(ids);
			return tool_fail(ctx, "internal error: Salesforce "
			    "returned an Id that is not an Opportunity ID");
		}
		ids = xreallocarray(ids, 1, len + 24);
		len += (size_t)snprintf(ids + len, 24, "%s'%s'",
		    len > 0 ? ", " : "", id18);
	}
	if (ids == NULL)
		return stale_finish(ctx);
	ctx->step = STALE_STEP_HISTORY;
	tool_progress(ctx, 0, st->history == HIST_FIELD ? "stage history of "
	    "the page's deals (OpportunityFieldHistory)" : "stage history of "
	    "the page's deals (OpportunityHistory)");
	soql = stale_history_soql(st, ids);
	free(ids);
	common_send_query(ctx, 0, soql);
	free(soql);
	return TOOL_WAIT;
}

/* Step 2's answer: each deal's last history row into last_change. */
static enum tool_verdict
stale_history_done(struct tool_ctx *ctx, cJSON *j)
{
	struct stale	*st = ctx->state;
	const cJSON	*rec, *v;
	cJSON		*row;
	int		 at = column_of(st->out, "last_change");

	cJSON_ArrayForEach(rec, cJSON_GetObjectItemCaseSensitive(j,
	    "records")) {
		const char *id = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(rec, "OpportunityId"));
		v = cJSON_GetObjectItemCaseSensitive(rec, "latest");
		if (id == NULL || !cJSON_IsString(v))
			continue;
		cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(
		    st->out, "rows")) {
			const char *rid = cJSON_GetStringValue(
			    cJSON_GetArrayItem(row, 0));
			if (rid != NULL && strcmp(rid, id) == 0)
				cJSON_ReplaceItemInArray(row, at,
				    cJSON_CreateString(v->valuestring));
		}
	}
	v = cJSON_GetObjectItemCaseSensitive(j, "soql");
	if (cJSON_IsString(v))
		cJSON_AddStringToObject(st->out, "history_soql", v->valuestring);
	cJSON_Delete(j);
	return stale_finish(ctx);
}

static enum tool_verdict
stale_dry_run(struct tool_ctx *ctx, cJSON *j)
{
	struct stale	*st = ctx->state;
	cJSON		*out;
	char		*soql;

	out = common_plan_start(j, "first: has the org LastStageChangeDate");
	cJSON_AddStringToObject(out, "object", "Opportunity");
	common_plan_broker(out, j, "when it has: the stale deals, 200 per "
	    "call, the rest through the cursor");
	st->history = 1;
	soql = stale_soql(st, tool_arg_int(ctx, "days_in_stage_threshold"));
	common_plan_add(ctx, out, j, soql, REQ_ALL_ROWS, "instead, when it "
	    "has not: the deals with no OpportunityHistory row within the "
	    "threshold, then, per page, their last history row");
	free(soql);
	st->history = HIST_FIELD;
	soql = stale_soql(st, tool_arg_int(ctx, "days_in_stage_threshold"));
	common_plan_add(ctx, out, j, soql, REQ_ALL_ROWS, "instead again, "
	    "when the org refuses OpportunityHistory (INVALID_TYPE): the same "
	    "from the field history of StageName, then, per page, its last "
	    "change");
	free(soql);
	return common_dry_run_done(ctx, j, out);
}

/* Step 1: the stale deals' statement, every row counted. */
static enum tool_verdict
stale_send(struct tool_ctx *ctx, const char *why)
{
	char	*s;

	ctx->step = STALE_STEP_QUERY;
	tool_progress(ctx, 0, why);
	s = stale_soql(ctx->state, tool_arg_int(ctx,
	    "days_in_stage_threshold"));
	common_send_query(ctx, REQ_ALL_ROWS, s);
	free(s);
	return TOOL_WAIT;
}

/*
 * An error answer.  The first OpportunityHistory query of a process that
 * Salesforce refuses as INVALID_TYPE (the object is not there for this
 * user) turns to field history; anything else ends the call with it.
 */
static enum tool_verdict
stale_error(struct tool_ctx *ctx, struct buf *b)
{
	struct stale	*st = ctx->state;
	uint32_t	 code;
	char		*msg;
	enum tool_verdict v;

	common_error_parse(b, &code, &msg);
	if (ctx->step == STALE_STEP_QUERY && st != NULL &&
	    st->history == HIST_OPP &&
	    !st->fell_back && code == SFE_SALESFORCE &&
	    strstr(msg, "INVALID_TYPE") != NULL &&
	    strstr(msg, "OpportunityHistory") != NULL) {
		log_info("stale_opps: OpportunityHistory is refused "
		    "(INVALID_TYPE): field history of StageName from now on");
		free(msg);
		stale_field_history = 1;
		st->history = HIST_FIELD;
		st->fell_back = 1;
		return stale_send(ctx, "the stale deals, by the field history "
		    "of StageName (OpportunityHistory is refused)");
	}
	if (st != NULL && st->history == HIST_FIELD)
		v = tool_fail(ctx, "%s (stale_opps read stage changes from "
		    "OpportunityFieldHistory, as OpportunityHistory is refused "
		    "in this org: check that StageName's field history is "
		    "tracked and readable by the integration user)", msg);
	else
		v = tool_fail(ctx, "%s", msg);
	free(msg);
	return v;
}

static enum tool_verdict
stale_answer(struct tool_ctx *ctx, uint32_t type, struct buf *b)
{
	struct stale	*st = ctx->state;
	cJSON		*j, *out;
	const cJSON	*soql;
	int		 src;

	if (type == IMSG_ERROR)
		return stale_error(ctx, b);
	if ((j = common_answer_json(ctx, b)) == NULL)
		return TOOL_FAIL;
	if (ctx->step == STALE_STEP_DESCRIBE) {
		st->history = stale_has_field(j, "LastStageChangeDate") ?
		    HIST_NONE : stale_field_history ? HIST_FIELD : HIST_OPP;
		cJSON_Delete(j);
		return stale_send(ctx, st->history ? "the stale deals, by stage "
		    "history (no LastStageChangeDate in this org)" :
		    "the stale deals");
	}
	if (ctx->step == STALE_STEP_HISTORY)
		return stale_history_done(ctx, j);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "dry_run")))
		return stale_dry_run(ctx, j);
	/* A cursor of another tool's query would page something else; the
	 * statement says which way this one went. */
	soql = cJSON_GetObjectItemCaseSensitive(j, "soql");
	if ((src = cJSON_IsString(soql) ? stale_source_of(soql->valuestring) :
	    -1) != -1)
		st->history = src;
	else {
		cJSON_Delete(j);
		return tool_fail(ctx, "stale_opps: this cursor belongs to "
		    "another query; pass it to the query tool instead");
	}
	if ((out = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	if (common_page_take(ctx, j, out) == -1)
		return TOOL_FAIL;
	st->out = out;
	return st->history ? stale_history(ctx) : stale_finish(ctx);
}

const struct tool tool_stale_opps = {
	"stale_opps", "Stale opportunities",
	"Open opportunities whose stage has not changed for more than "
	"days_in_stage_threshold days (default 30), with days_in_stage; a "
	"deal that never changed stage counts from its creation; optionally "
	"for one owner. Uses LastStageChangeDate, or, where the org's "
	"describe has none, stage history (OpportunityHistory, or the field "
	"history of StageName where that is refused), and says which. "
	"Returns 200 rows per call and the exact number in all; when "
	"more exist, pass the returned cursor to get the next 200.",
	stale_args, stale_output,
	TOOL_READ_ONLY | TOOL_IDEMPOTENT | TOOL_OPEN_WORLD | TOOL_SEES_ERRORS,
	stale_start, stale_answer, stale_free, NULL
};
