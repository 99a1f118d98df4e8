/*
 * risk.c: at_risk_commits.
 *
 * First (RISK_STEP_STAGES, not for a cursor): describe Opportunity, to
 * refuse a commit stage the org does not have instead of answering
 * "nothing at risk"; the broker caches it, so at most once per process.
 * Step 0: every open Commit opportunity that may be at risk (no activity
 * since before LAST_N_DAYS:14, or closing in the RISK_DAYS days up to
 * quarter_end_date), by close date, with no LIMIT (REQ_ALL_ROWS):
 * totalSize is the exact number of candidates, however many (REST API,
 * "Query": "the total number of records returned by the Query request"),
 * the broker hands over 200 and keeps a cursor for the rest, and a call with
 * that cursor pages on (IMSG_SF_MORE).  Step 2, only when some of the
 * page close in the window: which of their accounts have a meeting
 * (Event) from TODAY on.  Event cannot be the inner object of a
 * semi-join, so the page's account IDs (at most 200) are listed; the
 * check is per page, so no page waits on another and every candidate is
 * examined.  At most two API calls per page of 200 candidates.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sfrevops.h"
#include "date.h"
#include "objects.h"
#include "soql.h"
#include "tool.h"
#include "tools/common.h"

#define RISK_DAYS		14	/* activity age and quarter-end window */
#define YEAR_MIN		1700	/* Salesforce's date range */
#define YEAR_MAX		4000
#define RISK_STEP_STAGES	3	/* before step 0: check the stage */
#define RISK_STEP_EVENTS	2
#define RISK_FIELDS \
	"Id, Name, AccountId, Account.Name, Amount, CloseDate, " \
	"LastActivityDate, Owner.Name"
#define RISK_ACTIVITY		"LAST_N_DAYS:14"
#define RISK_MEETING		"StartDateTime >= TODAY"
#define RISK_PLACEHOLDER	"001000000000000AAA"

static const struct tool_arg risk_args[] = {
	{ "quarter_end_date", ARG_STRING, 1, "The last day of the quarter, "
	  "YYYY-MM-DD.", 0, 0, NULL, "date", 0, 0, 0 },
	{ "cursor", ARG_STRING, 0, "The cursor from an earlier "
	  "at_risk_commits result, with the same quarter_end_date: examines "
	  "the next 200 candidates.", 0, 0, CURSOR_PATTERN, NULL, 0, 0, 0 },
	ARG_DRY_RUN,
	ARG_END
};

static const char risk_output[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"quarter_end_date\":{\"type\":\"string\"},"
	"\"commit_stage\":{\"type\":\"string\"},"
	"\"window_from\":{\"type\":\"string\"},"
	"\"window_to\":{\"type\":\"string\"},"
	"\"activity_filter\":{\"type\":\"string\"},"
	"\"activity_before\":{\"type\":\"string\"},"
	"\"meeting_filter\":{\"type\":\"string\"},"
	"\"today\":{\"type\":\"string\"},\"time_zone\":{\"type\":\"string\"},"
	TABLE_SCHEMA ","
	"\"returned\":{\"type\":\"integer\",\"minimum\":0},"
	"\"candidates\":{\"type\":\"integer\",\"minimum\":0},"
	"\"candidates_total\":{\"type\":\"integer\",\"minimum\":0},"
	"\"done\":{\"type\":\"boolean\"},\"cursor\":{\"type\":\"string\"},"
	"\"soql\":{\"type\":\"string\"},\"event_soql\":{\"type\":\"string\"},"
	"\"dry_run\":{\"type\":\"boolean\"}," REQUEST_SCHEMA ","
	REQUESTS_SCHEMA "},\"required\":[\"dry_run\"]}";

/* Per call. */
struct risk {
	char	 cutoff[11];	/* reasons: activity before this, org's day */
	char	 today[11];	/* TODAY, in the running user's time zone */
	char	 from[11];	/* the quarter-end window, inclusive */
	char	 qend[11];
	char	 stage[256];
	long	 total;		/* candidates in all (totalSize) */
	int	 done;
	char	*cursor;	/* the broker's, for the next page */
	char	*soql;		/* the candidates' statement as sent */
	char	*event_soql;
	cJSON	*records;	/* step 0's records, moved from its answer */
};

static void
risk_free(void *p)
{
	struct risk	*r = p;

	if (r == NULL)
		return;
	cJSON_Delete(r->records);
	free(r->cursor);
	free(r->soql);
	free(r->event_soql);
	free(r);
}

/* The statement up to its WHERE clause's end: a cursor's must match. */
static char *
risk_head(const struct risk *r)
{
	char	*q, *w;

	q = soql_quote(r->stage);
	xasprintf(&w, "SELECT " RISK_FIELDS " FROM Opportunity WHERE "
	    "StageName = '%s' AND IsClosed = false AND (LastActivityDate = "
	    "null OR LastActivityDate < " RISK_ACTIVITY " OR (CloseDate >= %s "
	    "AND CloseDate <= %s))", q, r->from, r->qend);
	free(q);
	return w;
}

static char *
risk_soql(const struct risk *r)
{
	char	*w, *s;

	w = risk_head(r);
	xasprintf(&s, "%s ORDER BY CloseDate ASC, Id ASC", w);
	free(w);
	return s;
}

static char *
risk_event_soql(const char *ids)
{
	char	*s;

	/* GROUP BY: one row per account however many meetings it has. */
	xasprintf(&s, "SELECT AccountId FROM Event WHERE AccountId IN (%s) "
	    "AND " RISK_MEETING " AND IsChild = false GROUP BY AccountId",
	    ids);
	return s;
}

static void
risk_send_candidates(struct tool_ctx *ctx)
{
	char	*soql = risk_soql(ctx->state);

	ctx->step = 0;
	tool_progress(ctx, 0, "commit-stage candidates query");
	common_send_query(ctx, REQ_ALL_ROWS, soql);
	free(soql);
}

static enum tool_verdict
risk_start(struct tool_ctx *ctx)
{
	struct risk	*r;
	const char	*qe = tool_arg_str(ctx, "quarter_end_date");
	const char	*cursor = tool_arg_str(ctx, "cursor");
	long		 qdays, today, y, m, d;
	if (date_parse(qe, &qdays) == -1)
		return tool_fail(ctx, "at_risk_commits: argument "
		    "'quarter_end_date' must be a date YYYY-MM-DD");
	date_civil(qdays, &y, &m, &d);
	if (y < YEAR_MIN || y > YEAR_MAX)
		return tool_fail(ctx, "at_risk_commits: argument "
		    "'quarter_end_date' must be between %d-01-01 and "
		    "%d-12-31", YEAR_MIN, YEAR_MAX);
	if (cursor != NULL && tool_arg_bool(ctx, "dry_run"))
		return tool_fail(ctx, "at_risk_commits: a cursor pages an "
		    "earlier search, which a dry run cannot do; give either "
		    "cursor or dry_run");
	r = xcalloc(1, sizeof(*r));
	if (strlcpy_sf(r->stage, ctx->commit_stage, sizeof(r->stage)) >=
	    sizeof(r->stage)) {
		free(r);
		return tool_fail(ctx, "at_risk_commits: the configured commit "
		    "stage (SFDC_COMMIT_STAGE_NAME) is too long");
	}
	/* The candidates are chosen by the org (LAST_N_DAYS:14, in the
	 * running user's time zone); the same day, from the front's table
	 * of that zone, sorts the reasons of the rows that close in the
	 * window and is stated. */
	today = tool_org_today(ctx);
	date_fmt(today, r->today);
	date_fmt(today - RISK_DAYS, r->cutoff);
	date_fmt(qdays - (RISK_DAYS - 1), r->from);
	date_fmt(qdays, r->qend);
	ctx->state = r;
	if (cursor != NULL) {
		ctx->step = 0;
		tool_progress(ctx, 0, "the next page of candidates");
		return common_send_more(ctx, cursor);
	}
	/* First make sure the stage exists: a misspelt
	 * SFDC_COMMIT_STAGE_NAME would otherwise read as "nothing is at
	 * risk". */
	return common_start(ctx, tool_arg_bool(ctx, "dry_run") ? risk_soql(r) :
	    NULL, REQ_ALL_ROWS, 0, RISK_STEP_STAGES, 0, "describe Opportunity "
	    "(is the commit stage one of the org's stages)");
}

/*
 * The describe answer: is the configured commit stage an active stage of
 * this org?  0 yes (or the org's describe has no stage picklist to check
 * against); -1 and the call failed with the org's stages named.
 */
static int
risk_stage_known(struct tool_ctx *ctx, const cJSON *j)
{
	struct risk	*r = ctx->state;
	const cJSON	*stages, *v;
	char		*list = NULL, *more;

	stages = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(j, "picklists"), "StageName");
	if (!cJSON_IsArray(stages) || cJSON_GetArraySize(stages) == 0)
		return 0;
	cJSON_ArrayForEach(v, stages)
		if (cJSON_IsString(v) && strcmp(v->valuestring, r->stage) == 0)
			return 0;
	cJSON_ArrayForEach(v, stages) {
		if (!cJSON_IsString(v))
			continue;
		xasprintf(&more, "%s%s'%s'", list != NULL ? list : "",
		    list != NULL ? ", " : "", v->valuestring);
		free(list);
		list = more;
		if (strlen(list) > 1500)
			break;
	}
	(void)tool_fail(ctx, "at_risk_commits: the commit stage '%s' "
	    "(SFDC_COMMIT_STAGE_NAME) is not an active stage of this org, so "
	    "no opportunity can be in it; the stages are %s. Set "
	    "SFDC_COMMIT_STAGE_NAME to the one that means commit.", r->stage,
	    list != NULL ? list : "(none)");
	free(list);
	return -1;
}

/* The accounts whose meetings decide reason (b), as a quoted list. */
static int
risk_accounts(const struct risk *r, char **list)
{
	const cJSON	*rec;
	const char	*close, *acct;
	char		 id18[19], why[200];
	size_t		 len = 0;
	int		 n = 0;

	*list = NULL;
	cJSON_ArrayForEach(rec, r->records) {
		close = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		    rec, "CloseDate"));
		acct = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		    rec, "AccountId"));
		if (close == NULL || acct == NULL ||
		    strcmp(close, r->from) < 0 || strcmp(close, r->qend) > 0)
			continue;
		if (policy_id_valid(acct, objects_prefix("Account"), id18, why,
		    sizeof(why)) == -1)
			return -1;
		if (*list != NULL && strstr(*list, id18) != NULL)
			continue;
		*list = xreallocarray(*list, 1, len + 24);
		len += (size_t)snprintf(*list + len, 24, "%s'%s'",
		    len > 0 ? ", " : "", id18);
		n++;
	}
	return n;
}

/* A row's cell: a scalar field, or a relationship's Name. */
static cJSON *
risk_cell(const cJSON *rec, const char *name)
{
	const cJSON	*v;

	if (strcmp(name, "Account.Name") == 0)
		v = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(rec, "Account"), "Name");
	else if (strcmp(name, "Owner.Name") == 0)
		v = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(rec, "Owner"), "Name");
	else
		v = cJSON_GetObjectItemCaseSensitive(rec, name);
	return v != NULL && !cJSON_IsObject(v) && !cJSON_IsArray(v) ?
	    cJSON_Duplicate(v, 1) : cJSON_CreateNull();
}

static enum tool_verdict
risk_finish(struct tool_ctx *ctx, const cJSON *events)
{
	struct risk	*r = ctx->state;
	cJSON		*out, *cols, *rows, *row;
	const cJSON	*rec, *ev;
	const char	*lad, *close, *acct;
	char		*text, heading[1400], reasons[200];
	int		 a, bw, bm, n = 0, ncand;
	static const char *const fields[] = { "Id", "Name", "Account.Name",
	    "Amount", "CloseDate", "LastActivityDate", "Owner.Name" };
	size_t		 i, len;

	if ((out = cJSON_CreateObject()) == NULL ||
	    (cols = cJSON_CreateArray()) == NULL ||
	    (rows = cJSON_CreateArray()) == NULL)
		fatalx("cJSON_CreateObject");
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		cJSON_AddItemToArray(cols, cJSON_CreateString(fields[i]));
	cJSON_AddItemToArray(cols, cJSON_CreateString("reasons"));
	cJSON_ArrayForEach(rec, r->records) {
		lad = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		    rec, "LastActivityDate"));
		close = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		    rec, "CloseDate"));
		acct = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		    rec, "AccountId"));
		bw = close != NULL && strcmp(close, r->from) >= 0 &&
		    strcmp(close, r->qend) <= 0;
		/* Outside the window the org chose the row for (a) alone. */
		a = !bw || lad == NULL || strcmp(lad, r->cutoff) < 0;
		bm = 0;
		if (bw && acct != NULL) {
			cJSON_ArrayForEach(ev, events) {
				const char *e = cJSON_GetStringValue(
				    cJSON_GetObjectItemCaseSensitive(ev,
				    "AccountId"));
				if (e != NULL && strcmp(e, acct) == 0)
					bm = 1;
			}
		}
		if (!a && !(bw && !bm))
			continue;
		snprintf(reasons, sizeof(reasons), "%s%s%s",
		    a ? "no activity in 14+ days" : "", a && bw && !bm ? "; " :
		    "", bw && !bm ? "closes within 14 days of quarter end "
		    "with no future meeting" : "");
		if ((row = cJSON_CreateArray()) == NULL)
			fatalx("cJSON_CreateArray");
		for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			cJSON_AddItemToArray(row, risk_cell(rec, fields[i]));
		cJSON_AddItemToArray(row, cJSON_CreateString(reasons));
		cJSON_AddItemToArray(rows, row);
		n++;
	}
	ncand = cJSON_GetArraySize(r->records);
	cJSON_AddStringToObject(out, "quarter_end_date", r->qend);
	cJSON_AddStringToObject(out, "commit_stage", r->stage);
	cJSON_AddStringToObject(out, "window_from", r->from);
	cJSON_AddStringToObject(out, "window_to", r->qend);
	cJSON_AddStringToObject(out, "activity_filter", "LastActivityDate = "
	    "null OR LastActivityDate < " RISK_ACTIVITY);
	cJSON_AddStringToObject(out, "activity_before", r->cutoff);
	cJSON_AddStringToObject(out, "meeting_filter", RISK_MEETING);
	cJSON_AddStringToObject(out, "today", r->today);
	cJSON_AddStringToObject(out, "time_zone", tool_time_zone(ctx));
	cJSON_AddItemToObject(out, "columns", cols);
	cJSON_AddItemToObject(out, "rows", rows);
	cJSON_AddNumberToObject(out, "returned", (double)n);
	cJSON_AddNumberToObject(out, "candidates", (double)ncand);
	cJSON_AddNumberToObject(out, "candidates_total", (double)(r->total >
	    ncand ? r->total : ncand));
	cJSON_AddBoolToObject(out, "done", r->done);
	if (r->cursor != NULL)
		cJSON_AddStringToObject(out, "cursor", r->cursor);
	if (r->soql != NULL)
		cJSON_AddStringToObject(out, "soql", r->soql);
	if (r->event_soql != NULL)
		cJSON_AddStringToObject(out, "event_soql", r->event_soql);
	cJSON_AddBoolToObject(out, "dry_run", 0);
	snprintf(heading, sizeof(heading), "%d at-risk %s opportunities "
	    "among %d of %ld candidates (open; LastActivityDate empty or "
	    "before " RISK_ACTIVITY ", that is before %s; or closing %s "
	    "through %s with no meeting on the account from TODAY, %s, on; "
	    "%s, which Salesforce evaluates LAST_N_DAYS and TODAY in)", n,
	    r->stage, ncand, r->total > ncand ? r->total : (long)ncand,
	    r->cutoff, r->from, r->qend, r->today, tool_date_note(ctx));
	len = strlen(heading);
	if (r->cursor != NULL)
		snprintf(heading + len, sizeof(heading) - len, ". More "
		    "candidates remain: call at_risk_commits with cursor \"%s\" "
		    "and the same quarter_end_date", r->cursor);
	text = records_text(out, heading);
	return tool_done(ctx, out, text);
}

/* After the candidates: the Event step, or the end. */
static enum tool_verdict
risk_events(struct tool_ctx *ctx)
{
	struct risk	*r = ctx->state;
	char		*ids;
	int		 n;

	n = risk_accounts(r, &ids);
	if (n == -1) {
		free(ids);
		return tool_fail(ctx, "internal error: Salesforce returned an "
		    "AccountId that is not an Account ID");
	}
	if (n == 0)
		return risk_finish(ctx, NULL);
	ctx->step = RISK_STEP_EVENTS;
	tool_progress(ctx, 0, "Event check (meetings from today on, on the "
	    "accounts closing in the window)");
	r->event_soql = risk_event_soql(ids);
	free(ids);
	common_send_query(ctx, 0, r->event_soql);
	return TOOL_WAIT;
}

static enum tool_verdict
risk_dry_run(struct tool_ctx *ctx, cJSON *j)
{
	cJSON		*out, *last;
	char		*soql, *shown, *w;
	const char	*mark = "<IDs of the accounts of the page's candidates "
			    "closing in the window>", *sent;
	size_t		 n;

	out = common_plan_start(j, "first: is the commit stage one of the "
	    "org's stages");
	common_plan_broker(out, j, "every open commit-stage opportunity that "
	    "may be at risk; 200 are examined per call, the rest through the "
	    "cursor");
	/* The statement that depends on the first answer, as the broker
	 * will send it; the ID list is a marked placeholder. */
	soql = risk_event_soql("'" RISK_PLACEHOLDER "'");
	common_plan_add(ctx, out, j, soql, 0, "only when candidates of the page "
	    "close in the window: the placeholder stands for their distinct "
	    "account IDs, quoted and comma-separated");
	free(soql);
	last = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(out,
	    "requests"), 2);
	sent = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(last,
	    "soql"));
	if (sent == NULL ||
	    (w = strstr(sent, "'" RISK_PLACEHOLDER "'")) == NULL)
		fatalx("placeholder lost");
	n = (size_t)(w - sent);
	xasprintf(&shown, "%.*s%s%s", (int)n, sent, mark,
	    w + strlen("'" RISK_PLACEHOLDER "'"));
	cJSON_ReplaceItemInObjectCaseSensitive(last, "soql",
	    cJSON_CreateString(shown));
	cJSON_AddStringToObject(out, "soql", cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(j, "soql")));
	cJSON_AddStringToObject(out, "event_soql", shown);
	free(shown);
	return common_dry_run_done(ctx, j, out);
}

/* A page of candidates (a first query or a cursor's): into the state. */
static enum tool_verdict
risk_candidates(struct tool_ctx *ctx, cJSON *j)
{
	struct risk	*r = ctx->state;
	const cJSON	*v;
	char		*head;

	v = cJSON_GetObjectItemCaseSensitive(j, "soql");
	head = risk_head(r);
	/* A cursor of another query, or of another quarter, would page
	 * something else. */
	if (!cJSON_IsString(v) || strncmp(v->valuestring, head,
	    strlen(head)) != 0) {
		free(head);
		cJSON_Delete(j);
		return tool_fail(ctx, "at_risk_commits: this cursor belongs to "
		    "another query, or to another quarter_end_date; give the "
		    "quarter_end_date of the call that returned it, or pass "
		    "the cursor to the query tool");
	}
	free(head);
	r->soql = xstrdup(v->valuestring);
	r->records = cJSON_DetachItemFromObjectCaseSensitive(j, "records");
	v = cJSON_GetObjectItemCaseSensitive(j, "totalSize");
	r->total = cJSON_IsNumber(v) ? (long)v->valuedouble : 0;
	r->done = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "done"));
	v = cJSON_GetObjectItemCaseSensitive(j, "cursor");
	if (cJSON_IsString(v) && !r->done)
		r->cursor = xstrdup(v->valuestring);
	cJSON_Delete(j);
	if (!cJSON_IsArray(r->records))
		return tool_fail(ctx, "internal error: the broker's answer has "
		    "no records");
	return risk_events(ctx);
}

static enum tool_verdict
risk_answer(struct tool_ctx *ctx, uint32_t type, struct buf *b)
{
	struct risk	*r = ctx->state;
	enum tool_verdict verdict;
	const cJSON	*v;
	cJSON		*j;

	(void)type;
	if ((j = common_answer_json(ctx, b)) == NULL)
		return TOOL_FAIL;
	switch (ctx->step) {
	case RISK_STEP_STAGES:
		if (risk_stage_known(ctx, j) == -1) {
			cJSON_Delete(j);
			return TOOL_FAIL;
		}
		cJSON_Delete(j);
		risk_send_candidates(ctx);
		return TOOL_WAIT;
	case 0:
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j,
		    "dry_run")))
			return risk_dry_run(ctx, j);
		return risk_candidates(ctx, j);
	default:
		/* The Event statement as the broker sent it. */
		v = cJSON_GetObjectItemCaseSensitive(j, "soql");
		if (cJSON_IsString(v)) {
			free(r->event_soql);
			r->event_soql = xstrdup(v->valuestring);
		}
		verdict = risk_finish(ctx, cJSON_GetObjectItemCaseSensitive(j,
		    "records"));
		cJSON_Delete(j);
		return verdict;
	}
}

const struct tool tool_at_risk_commits = {
	"at_risk_commits", "At-risk commits",
	"Open Commit-stage opportunities at risk: no activity in more than "
	"14 days (LastActivityDate before LAST_N_DAYS:14, or none), or "
	"closing within the 14 days up to quarter_end_date with no meeting "
	"(Event) on the account from today on. Each row says which reasons "
	"apply. Examines 200 candidates per call, by close date, and says "
	"how many there are in all; when more remain, call again with the "
	"returned cursor and the same quarter_end_date. The dates used are "
	"in the result.",
	risk_args, risk_output,
	TOOL_READ_ONLY | TOOL_IDEMPOTENT | TOOL_OPEN_WORLD | TOOL_ORG_DATES,
	risk_start, risk_answer, risk_free, NULL
};
