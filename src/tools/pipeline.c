/*
 * pipeline.c: pipeline_by_stage.  Step 0 describes Opportunity (the
 * stage picklist, for the order); step 1 is one GROUP BY StageName
 * query.  A dry run sends only the query, as a dry run.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sfrevops.h"
#include "date.h"
#include "tool.h"
#include "tools/common.h"

#define PIPELINE_STEPS	2

static const struct tool_arg pipeline_args[] = {
	{ "close_date_window_days", ARG_INTEGER, 0, "Open opportunities "
	  "closing from today through today plus this many days.", 1, 3650,
	  NULL, NULL, 1, 90, 0 },
	ARG_OWNER_ID,
	ARG_DRY_RUN,
	ARG_END
};

static const char pipeline_output[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"window_days\":{\"type\":\"integer\",\"minimum\":1},"
	"\"from\":{\"type\":\"string\",\"format\":\"date\"},"
	"\"to\":{\"type\":\"string\",\"format\":\"date\"},"
	"\"owner_id\":{\"type\":\"string\"}," TABLE_SCHEMA ","
	"\"totals\":{\"type\":\"object\",\"properties\":{"
	"\"deals\":{\"type\":\"integer\",\"minimum\":0},"
	"\"amount\":{\"type\":\"number\"},\"weighted\":{\"type\":\"number\"}},"
	"\"required\":[\"deals\",\"amount\",\"weighted\"]},"
	"\"soql\":{\"type\":\"string\"},\"dry_run\":{\"type\":\"boolean\"},"
	REQUEST_SCHEMA "," REQUESTS_SCHEMA "},\"required\":[\"dry_run\"]}";

/* Per call: the owner and the stage picklist (step 0's answer). */
struct pipeline {
	char	 owner18[19];
	cJSON	*stages;	/* array of names, or NULL */
};

static void
pipeline_free(void *p)
{
	struct pipeline	*pl = p;

	if (pl == NULL)
		return;
	cJSON_Delete(pl->stages);
	free(pl);
}

#define PIPELINE_SELECT \
	"SELECT StageName, COUNT(Id) deals, SUM(Amount) amount_sum, " \
	"SUM(ExpectedRevenue) weighted_sum FROM Opportunity WHERE " \
	"IsClosed = false AND CloseDate >= TODAY AND CloseDate <= NEXT_N_DAYS:"

static char *
pipeline_soql(long window, const char *owner18)
{
	char	*soql;

	xasprintf(&soql, PIPELINE_SELECT "%ld%s%s%s GROUP BY StageName",
	    window, owner18[0] ? " AND OwnerId = '" : "", owner18,
	    owner18[0] ? "'" : "");
	return soql;
}

static enum tool_verdict
pipeline_start(struct tool_ctx *ctx)
{
	struct pipeline	*pl;
	char		 owner18[19], *soql;

	if (common_arg_owner(ctx, owner18) == -1)
		return TOOL_FAIL;
	pl = xcalloc(1, sizeof(*pl));
	memcpy(pl->owner18, owner18, sizeof(pl->owner18));
	ctx->state = pl;
	if (tool_arg_bool(ctx, "dry_run")) {
		/* Nothing goes to Salesforce: the broker only shows it. */
		ctx->step = 1;
		soql = pipeline_soql(tool_arg_int(ctx,
		    "close_date_window_days"), owner18);
		common_send_query(ctx, 1, soql);
		free(soql);
		return TOOL_WAIT;
	}
	ctx->step = 0;
	tool_progress(ctx, PIPELINE_STEPS, "describe Opportunity (the stage "
	    "order)");
	common_send_describe(ctx, "Opportunity");
	return TOOL_WAIT;
}

/* Where a stage goes: its picklist position, or after all of them. */
static int
stage_rank(const cJSON *picklist, const char *stage)
{
	const cJSON	*v;
	int		 i = 0;

	cJSON_ArrayForEach(v, picklist) {
		if (cJSON_IsString(v) && stage != NULL &&
		    strcmp(v->valuestring, stage) == 0)
			return i;
		i++;
	}
	return stage == NULL ? INT32_MAX : INT32_MAX - 1;
}

struct stage_row {
	const char	*stage;		/* NULL: no stage */
	int		 rank;
	double		 deals, amount, weighted;
};

static int
stage_row_cmp(const void *a, const void *b)
{
	const struct stage_row *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if (x->stage == NULL || y->stage == NULL)
		return 0;
	/* Not in the picklist: alphabetically. */
	return strcmp(x->stage, y->stage);
}

static enum tool_verdict
pipeline_finish(struct tool_ctx *ctx, cJSON *j)
{
	struct pipeline	*pl = ctx->state;
	cJSON		*out, *cols, *rows, *row, *totals;
	const cJSON	*records, *rec, *v;
	struct stage_row *sr;
	char		*text, *line, heading[512], from[11], to[11], *cell[3];
	long		 window = tool_arg_int(ctx, "close_date_window_days");
	long		 today;
	double		 deals = 0, amount = 0, weighted = 0;
	int		 n, i = 0;

	records = cJSON_GetObjectItemCaseSensitive(j, "records");
	n = cJSON_GetArraySize(records);
	sr = xcalloc((size_t)n + 1, sizeof(*sr));
	cJSON_ArrayForEach(rec, records) {
		v = cJSON_GetObjectItemCaseSensitive(rec, "StageName");
		sr[i].stage = cJSON_IsString(v) ? v->valuestring : NULL;
		sr[i].rank = stage_rank(pl->stages, sr[i].stage);
		sr[i].deals = cJSON_GetNumberValue(
		    cJSON_GetObjectItemCaseSensitive(rec, "deals"));
		v = cJSON_GetObjectItemCaseSensitive(rec, "amount_sum");
		sr[i].amount = cJSON_IsNumber(v) ? v->valuedouble : 0;
		v = cJSON_GetObjectItemCaseSensitive(rec, "weighted_sum");
		sr[i].weighted = cJSON_IsNumber(v) ? v->valuedouble : 0;
		if (isnan(sr[i].deals))
			sr[i].deals = 0;
		i++;
	}
	qsort(sr, (size_t)n, sizeof(*sr), stage_row_cmp);

	if ((out = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	today = (long)(date_now_ms() / DAY_MS);
	date_fmt(today, from);
	date_fmt(today + window, to);
	cJSON_AddNumberToObject(out, "window_days", (double)window);
	cJSON_AddStringToObject(out, "from", from);
	cJSON_AddStringToObject(out, "to", to);
	if (pl->owner18[0] != '\0')
		cJSON_AddStringToObject(out, "owner_id", pl->owner18);
	v = cJSON_GetObjectItemCaseSensitive(j, "soql");
	if (cJSON_IsString(v))
		cJSON_AddStringToObject(out, "soql", v->valuestring);
	cols = cJSON_CreateArray();
	cJSON_AddItemToArray(cols, cJSON_CreateString("stage"));
	cJSON_AddItemToArray(cols, cJSON_CreateString("deals"));
	cJSON_AddItemToArray(cols, cJSON_CreateString("amount"));
	cJSON_AddItemToArray(cols, cJSON_CreateString("weighted"));
	rows = cJSON_CreateArray();
	for (i = 0; i < n; i++) {
		if ((row = cJSON_CreateArray()) == NULL)
			fatalx("cJSON_CreateArray");
		cJSON_AddItemToArray(row, sr[i].stage != NULL ?
		    cJSON_CreateString(sr[i].stage) : cJSON_CreateNull());
		cJSON_AddItemToArray(row, cJSON_CreateNumber(sr[i].deals));
		cJSON_AddItemToArray(row, cJSON_CreateNumber(
		    common_cents(sr[i].amount)));
		cJSON_AddItemToArray(row, cJSON_CreateNumber(
		    common_cents(sr[i].weighted)));
		cJSON_AddItemToArray(rows, row);
		deals += sr[i].deals;
		amount += sr[i].amount;
		weighted += sr[i].weighted;
	}
	free(sr);
	totals = cJSON_AddObjectToObject(out, "totals");
	cJSON_AddNumberToObject(totals, "deals", deals);
	cJSON_AddNumberToObject(totals, "amount", common_cents(amount));
	cJSON_AddNumberToObject(totals, "weighted", common_cents(weighted));
	cJSON_AddItemToObject(out, "columns", cols);
	cJSON_AddItemToObject(out, "rows", rows);
	cJSON_AddBoolToObject(out, "dry_run", 0);

	snprintf(heading, sizeof(heading), "Open pipeline by stage, closing "
	    "%s through %s (CloseDate from TODAY through NEXT_N_DAYS:%ld; "
	    "dates in UTC, Salesforce counts days in the integration user's "
	    "time zone)%s%s%s", from, to, window,
	    pl->owner18[0] ? ", owner " : "", pl->owner18, n == 0 ?
	    ": no open opportunities" : "");
	text = records_text(out, heading);
	cell[0] = records_cell_text(cJSON_GetObjectItemCaseSensitive(totals,
	    "deals"));
	cell[1] = records_cell_text(cJSON_GetObjectItemCaseSensitive(totals,
	    "amount"));
	cell[2] = records_cell_text(cJSON_GetObjectItemCaseSensitive(totals,
	    "weighted"));
	xasprintf(&line, "%s\ntotal\t%s\t%s\t%s", text, cell[0], cell[1],
	    cell[2]);
	for (i = 0; i < 3; i++)
		free(cell[i]);
	free(text);
	cJSON_Delete(j);
	return tool_done(ctx, out, line);
}

static enum tool_verdict
pipeline_answer(struct tool_ctx *ctx, uint32_t type, struct buf *b)
{
	struct pipeline	*pl = ctx->state;
	cJSON		*j, *out, *list;
	char		*soql;

	if ((j = common_answer_json(ctx, b)) == NULL)
		return TOOL_FAIL;
	if (ctx->step == 0) {
		/* The stage picklist moves into the state. */
		pl->stages = cJSON_DetachItemFromObjectCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(j, "picklists"),
		    "StageName");
		if (!cJSON_IsArray(pl->stages)) {
			cJSON_Delete(pl->stages);
			pl->stages = NULL;
		}
		cJSON_Delete(j);
		ctx->step = 1;
		tool_progress(ctx, PIPELINE_STEPS, "aggregate query (open "
		    "opportunities by stage)");
		soql = pipeline_soql(tool_arg_int(ctx,
		    "close_date_window_days"), pl->owner18);
		common_send_query(ctx, 0, soql);
		free(soql);
		return TOOL_WAIT;
	}
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "dry_run")))
		return pipeline_finish(ctx, j);
	if ((out = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	list = cJSON_AddArrayToObject(out, "requests");
	common_request_add_describe(list, j, "first, for the order of the "
	    "stages");
	common_request_add(list, "GET", cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(j, "path")), cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(j, "soql")), NULL);
	cJSON_AddStringToObject(out, "soql", cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(j, "soql")));
	(void)type;
	return common_dry_run_done(ctx, j, out);
}

const struct tool tool_pipeline_by_stage = {
	"pipeline_by_stage", "Pipeline by stage",
	"Open opportunities closing from today through the next "
	"close_date_window_days days (default 90), by stage in the org's "
	"stage order: number of deals, amount and weighted amount (expected "
	"revenue), with totals. Optionally for one owner (a " PREFIX_USER
	" User ID).",
	pipeline_args, pipeline_output,
	TOOL_READ_ONLY | TOOL_IDEMPOTENT | TOOL_OPEN_WORLD,
	pipeline_start, pipeline_answer, pipeline_free, NULL
};
