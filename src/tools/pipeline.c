/*
 * pipeline.c: pipeline_by_stage.
 *
 * Step 0 describes Opportunity (the broker caches it: once per process):
 * the picklist of the grouping field, for the order, and whether the org
 * is multi-currency (Opportunity has CurrencyIsoCode).  Step 1, once per
 * process (the answer is kept in pipeline_currency below, which lives as
 * long as the front does), learns the currency of aggregate results: in
 * a multi-currency org they are in the corporate currency (SOQL
 * reference, "convertCurrency()": GROUP BY results are converted to it,
 * and convertCurrency() cannot apply to them), from CurrencyType's
 * IsCorporate row; otherwise Organization.DefaultCurrencyIsoCode.
 * Step 4, once per process too, in a multi-currency org only: does it
 * keep dated rates (advanced currency management)?  Then "dated exchange
 * rates are used when converting currency fields on opportunities ...
 * the conversion rate that corresponds to ... CloseDate" (the same
 * page), so the totals are at each deal's CloseDate rate, and the answer
 * says so.  DatedConversionRate "represents the dated exchange rates
 * used by an organization for which the multicurrency and the effective
 * dated currency features are enabled" (Object Reference): an org with
 * a row of it has them; one that refuses the object (INVALID_TYPE), or
 * has no row, has not (our reading: nothing else documents the setting).
 * Step 2 is one GROUP BY query of the window; step 3 one of the open
 * deals whose close date has passed (grouped too, so the documented
 * conversion applies), reported on their own line.  A dry run sends only
 * the window's query, as a dry run.
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

#define PIPELINE_STEPS		4	/* the rates are the currency's step */
#define STEP_DESCRIBE		0
#define STEP_CURRENCY		1
#define STEP_WINDOW		2
#define STEP_OVERDUE		3
#define STEP_RATES		4

static const struct tool_arg pipeline_args[] = {
	{ "close_date_window_days", ARG_INTEGER, 0, "Open opportunities "
	  "closing from today through today plus this many days.", 1, 3650,
	  NULL, NULL, 1, 90, 0 },
	ARG_OWNER_ID,
	{ "group_by", ARG_STRING, 0, "\"stage\" (StageName, the default) or "
	  "\"forecast_category\" (ForecastCategoryName: Pipeline, Best Case, "
	  "Commit...).", 0, 0, "^(stage|forecast_category)$", NULL, 0, 0, 0 },
	ARG_DRY_RUN,
	ARG_END
};

#define SUMS_SCHEMA(name) \
	"\"" name "\":{\"type\":\"object\",\"properties\":{" \
	"\"deals\":{\"type\":\"integer\",\"minimum\":0}," \
	"\"amount\":{\"type\":\"number\"},\"weighted\":{\"type\":\"number\"}}," \
	"\"required\":[\"deals\",\"amount\",\"weighted\"]}"

static const char pipeline_output[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"window_days\":{\"type\":\"integer\",\"minimum\":1},"
	"\"from\":{\"type\":\"string\",\"format\":\"date\"},"
	"\"to\":{\"type\":\"string\",\"format\":\"date\"},"
	"\"group_by\":{\"type\":\"string\"},"
	"\"today\":{\"type\":\"string\",\"format\":\"date\"},"
	"\"time_zone\":{\"type\":\"string\"},"
	"\"currency\":{\"type\":\"string\"},"
	"\"currency_source\":{\"type\":\"string\"},"
	"\"multi_currency\":{\"type\":\"boolean\"},"
	"\"currency_rates\":{\"type\":\"string\"},"
	"\"owner_id\":{\"type\":\"string\"}," TABLE_SCHEMA ","
	SUMS_SCHEMA("totals") "," SUMS_SCHEMA("overdue") ","
	"\"soql\":{\"type\":\"string\"},\"overdue_soql\":{\"type\":\"string\"},"
	"\"dry_run\":{\"type\":\"boolean\"},"
	REQUEST_SCHEMA "," REQUESTS_SCHEMA "},\"required\":[\"dry_run\"]}";

/*
 * The currency of aggregate results, learnt once per process (the front
 * serves one org); "" until then.  pipeline_currency_forget() is for the
 * unit tests.
 */
static char	 pipeline_currency[16];
static char	 pipeline_currency_source[64];
/* A multi-currency org's rates: not asked yet, current, or dated. */
static enum { RATES_UNKNOWN, RATES_CURRENT, RATES_DATED } pipeline_rates;

void
pipeline_currency_forget(void)
{
	pipeline_currency[0] = '\0';
	pipeline_currency_source[0] = '\0';
	pipeline_rates = RATES_UNKNOWN;
}

/* Per call. */
struct pipeline {
	char	 owner18[19];
	int	 forecast;	/* group by ForecastCategoryName */
	int	 multi;		/* the org is multi-currency */
	cJSON	*stages;	/* the grouping field's picklist, or NULL */
	cJSON	*window;	/* step 2's answer */
};

static void
pipeline_free(void *p)
{
	struct pipeline	*pl = p;

	if (pl == NULL)
		return;
	cJSON_Delete(pl->stages);
	cJSON_Delete(pl->window);
	free(pl);
}

#define PIPELINE_SUMS \
	"COUNT(Id) deals, SUM(Amount) amount_sum, SUM(ExpectedRevenue) " \
	"weighted_sum FROM Opportunity WHERE IsClosed = false AND "

static const char *
pipeline_field(const struct pipeline *pl)
{
	return pl->forecast ? "ForecastCategoryName" : "StageName";
}

static char *
pipeline_soql(const struct pipeline *pl, long window)
{
	char	*soql;

	xasprintf(&soql, "SELECT %s, " PIPELINE_SUMS "CloseDate >= TODAY AND "
	    "CloseDate <= NEXT_N_DAYS:%ld%s%s%s GROUP BY %s",
	    pipeline_field(pl), window, pl->owner18[0] ?
	    " AND OwnerId = '" : "", pl->owner18, pl->owner18[0] ? "'" : "",
	    pipeline_field(pl));
	return soql;
}

static char *
pipeline_overdue_soql(const struct pipeline *pl)
{
	char	*soql;

	/* GROUP BY IsClosed: one group, and the documented conversion of
	 * grouped results to the corporate currency applies. */
	xasprintf(&soql, "SELECT " PIPELINE_SUMS "CloseDate < TODAY%s%s%s "
	    "GROUP BY IsClosed", pl->owner18[0] ? " AND OwnerId = '" : "",
	    pl->owner18, pl->owner18[0] ? "'" : "");
	return soql;
}

#define CURRENCY_MULTI_SOQL \
	"SELECT IsoCode FROM CurrencyType WHERE IsCorporate = true"
#define CURRENCY_ORG_SOQL \
	"SELECT DefaultCurrencyIsoCode FROM Organization"
#define RATES_SOQL \
	"SELECT IsoCode FROM DatedConversionRate LIMIT 1"

static enum tool_verdict
pipeline_start(struct tool_ctx *ctx)
{
	struct pipeline	*pl;
	const char	*g = tool_arg_str(ctx, "group_by");
	char		 owner18[19];

	if (common_arg_owner(ctx, owner18) == -1)
		return TOOL_FAIL;
	pl = xcalloc(1, sizeof(*pl));
	memcpy(pl->owner18, owner18, sizeof(pl->owner18));
	pl->forecast = g != NULL && strcmp(g, "forecast_category") == 0;
	ctx->state = pl;
	return common_start(ctx, tool_arg_bool(ctx, "dry_run") ?
	    pipeline_soql(pl, tool_arg_int(ctx, "close_date_window_days")) :
	    NULL, 0, STEP_WINDOW, STEP_DESCRIBE, PIPELINE_STEPS, "describe "
	    "Opportunity (the order, and is the org multi-currency)");
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

/* The sums of an aggregate row (deals, amount_sum, weighted_sum). */
static void
sums_of(const cJSON *rec, double *deals, double *amount, double *weighted)
{
	const cJSON	*v;

	*deals = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(rec,
	    "deals"));
	if (isnan(*deals))
		*deals = 0;
	v = cJSON_GetObjectItemCaseSensitive(rec, "amount_sum");
	*amount = cJSON_IsNumber(v) ? v->valuedouble : 0;
	v = cJSON_GetObjectItemCaseSensitive(rec, "weighted_sum");
	*weighted = cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static cJSON *
sums_object(double deals, double amount, double weighted)
{
	cJSON	*o;

	if ((o = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	cJSON_AddNumberToObject(o, "deals", deals);
	cJSON_AddNumberToObject(o, "amount", common_cents(amount));
	cJSON_AddNumberToObject(o, "weighted", common_cents(weighted));
	return o;
}

/* "label\tdeals\tamount\tweighted" of a sums object. */
static char *
sums_line(const char *label, const cJSON *o)
{
	char	*cell[3], *line;
	int	 i;

	cell[0] = records_cell_text(cJSON_GetObjectItemCaseSensitive(o,
	    "deals"));
	cell[1] = records_cell_text(cJSON_GetObjectItemCaseSensitive(o,
	    "amount"));
	cell[2] = records_cell_text(cJSON_GetObjectItemCaseSensitive(o,
	    "weighted"));
	xasprintf(&line, "%s\t%s\t%s\t%s", label, cell[0], cell[1], cell[2]);
	for (i = 0; i < 3; i++)
		free(cell[i]);
	return line;
}

static enum tool_verdict
pipeline_finish(struct tool_ctx *ctx, cJSON *od)
{
	struct pipeline	*pl = ctx->state;
	cJSON		*j = pl->window, *out, *cols, *rows, *row, *totals, *ov;
	const cJSON	*records, *rec, *v;
	struct stage_row *sr;
	char		*text, *line, *tl, *ol, heading[1200], from[11], to[11];
	long		 window = tool_arg_int(ctx, "close_date_window_days");
	long		 today;
	double		 deals = 0, amount = 0, weighted = 0, d, a, w;
	int		 n, i = 0;

	records = cJSON_GetObjectItemCaseSensitive(j, "records");
	n = cJSON_GetArraySize(records);
	sr = xcalloc((size_t)n + 1, sizeof(*sr));
	cJSON_ArrayForEach(rec, records) {
		v = cJSON_GetObjectItemCaseSensitive(rec, pipeline_field(pl));
		sr[i].stage = cJSON_IsString(v) ? v->valuestring : NULL;
		sr[i].rank = stage_rank(pl->stages, sr[i].stage);
		sums_of(rec, &sr[i].deals, &sr[i].amount, &sr[i].weighted);
		i++;
	}
	qsort(sr, (size_t)n, sizeof(*sr), stage_row_cmp);

	if ((out = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	/* TODAY in the running user's time zone, as Salesforce counts it. */
	today = tool_org_today(ctx);
	date_fmt(today, from);
	date_fmt(today + window, to);
	cJSON_AddNumberToObject(out, "window_days", (double)window);
	cJSON_AddStringToObject(out, "from", from);
	cJSON_AddStringToObject(out, "to", to);
	cJSON_AddStringToObject(out, "today", from);
	cJSON_AddStringToObject(out, "time_zone", tool_time_zone(ctx));
	cJSON_AddStringToObject(out, "group_by", pl->forecast ?
	    "forecast_category" : "stage");
	cJSON_AddStringToObject(out, "currency", pipeline_currency);
	cJSON_AddStringToObject(out, "currency_source",
	    pipeline_currency_source);
	cJSON_AddBoolToObject(out, "multi_currency", pl->multi);
	if (pl->multi)
		cJSON_AddStringToObject(out, "currency_rates", pipeline_rates ==
		    RATES_DATED ? "dated rates (advanced currency management)" :
		    "the current rate of each currency (CurrencyType)");
	if (pl->owner18[0] != '\0')
		cJSON_AddStringToObject(out, "owner_id", pl->owner18);
	v = cJSON_GetObjectItemCaseSensitive(j, "soql");
	if (cJSON_IsString(v))
		cJSON_AddStringToObject(out, "soql", v->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(od, "soql");
	if (cJSON_IsString(v))
		cJSON_AddStringToObject(out, "overdue_soql", v->valuestring);
	cols = cJSON_CreateArray();
	cJSON_AddItemToArray(cols, cJSON_CreateString(pl->forecast ?
	    "forecast_category" : "stage"));
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
	totals = sums_object(deals, amount, weighted);
	cJSON_AddItemToObject(out, "totals", totals);
	/* The overdue line: one group, or none when nothing is overdue. */
	d = a = w = 0;
	cJSON_ArrayForEach(rec, cJSON_GetObjectItemCaseSensitive(od,
	    "records")) {
		double d1, a1, w1;
		sums_of(rec, &d1, &a1, &w1);
		d += d1;
		a += a1;
		w += w1;
	}
	ov = sums_object(d, a, w);
	cJSON_AddItemToObject(out, "overdue", ov);
	cJSON_AddItemToObject(out, "columns", cols);
	cJSON_AddItemToObject(out, "rows", rows);
	cJSON_AddBoolToObject(out, "dry_run", 0);

	snprintf(heading, sizeof(heading), "Open pipeline by %s, closing "
	    "%s through %s (CloseDate from TODAY through NEXT_N_DAYS:%ld; "
	    "%s, which Salesforce evaluates TODAY in)%s%s%s. Amounts in %s "
	    "(%s)", pl->forecast ?
	    "forecast category" : "stage", from, to, window,
	    tool_date_note(ctx),
	    pl->owner18[0] ? ", owner " : "", pl->owner18, n == 0 ?
	    ": no open opportunities in the window" : "", pipeline_currency,
	    !pl->multi ? "the org's currency" : pipeline_rates == RATES_DATED ?
	    "the corporate currency: Salesforce converts grouped aggregate "
	    "results to it at dated rates (advanced currency management), "
	    "each deal at the DatedConversionRate of its CloseDate" :
	    "the corporate currency: Salesforce converts grouped aggregate "
	    "results to it at each currency's current rate (CurrencyType; "
	    "the org keeps no dated rates)");
	text = records_text(out, heading);
	tl = sums_line("total", totals);
	xasprintf(&line, "overdue, still open (CloseDate before TODAY, %s; "
	    "not in the total)", from);
	ol = sums_line(line, ov);
	free(line);
	xasprintf(&line, "%s\n%s\n%s", text, tl, ol);
	free(tl);
	free(ol);
	free(text);
	cJSON_Delete(od);
	return tool_done(ctx, out, line);
}

static void
pipeline_send(struct tool_ctx *ctx, int step)
{
	struct pipeline	*pl = ctx->state;
	char		*soql;

	ctx->step = step;
	switch (step) {
	case STEP_CURRENCY:
		tool_progress(ctx, PIPELINE_STEPS, pl->multi ? "the currency of "
		    "the totals, and whether the org keeps dated rates (once per "
		    "process)" : "the currency of the totals (once per process)");
		common_send_query(ctx, 0, pl->multi ? CURRENCY_MULTI_SOQL :
		    CURRENCY_ORG_SOQL);
		return;
	case STEP_RATES:
		/* Still the currency's step: no progress of its own. */
		common_send_query(ctx, 0, RATES_SOQL);
		return;
	case STEP_WINDOW:
		tool_progress(ctx, PIPELINE_STEPS, "aggregate query (open "
		    "opportunities in the window)");
		soql = pipeline_soql(pl, tool_arg_int(ctx,
		    "close_date_window_days"));
		break;
	default:
		tool_progress(ctx, PIPELINE_STEPS, "aggregate query (open "
		    "opportunities past their close date)");
		soql = pipeline_overdue_soql(pl);
		break;
	}
	common_send_query(ctx, 0, soql);
	free(soql);
}

/* Step 1's answer into the cache; -1: the org did not say. */
static int
pipeline_currency_take(struct tool_ctx *ctx, const cJSON *j)
{
	struct pipeline	*pl = ctx->state;
	const cJSON	*rec;
	const char	*iso;

	rec = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j,
	    "records"), 0);
	iso = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rec,
	    pl->multi ? "IsoCode" : "DefaultCurrencyIsoCode"));
	if (iso == NULL || strlen(iso) != 3 || strspn(iso,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3) {
		(void)tool_fail(ctx, "pipeline_by_stage: the org did not name "
		    "its %s currency (%s); check that the integration user "
		    "can read %s", pl->multi ? "corporate" : "",
		    pl->multi ? CURRENCY_MULTI_SOQL : CURRENCY_ORG_SOQL,
		    pl->multi ? "CurrencyType" : "Organization");
		return -1;
	}
	strlcpy_sf(pipeline_currency, iso, sizeof(pipeline_currency));
	strlcpy_sf(pipeline_currency_source, pl->multi ? "CurrencyType "
	    "(IsCorporate)" : "Organization.DefaultCurrencyIsoCode",
	    sizeof(pipeline_currency_source));
	return 0;
}

/* After the currency: the rates, once per process, or the window. */
static int
pipeline_after_currency(const struct pipeline *pl)
{
	return pl->multi && pipeline_rates == RATES_UNKNOWN ? STEP_RATES :
	    STEP_WINDOW;
}

/*
 * An error answer: DatedConversionRate refused as INVALID_TYPE is an
 * org without dated rates; anything else ends the call with it.
 */
static enum tool_verdict
pipeline_error(struct tool_ctx *ctx, struct buf *b)
{
	uint32_t	 code;
	char		*msg;
	enum tool_verdict v;

	common_error_parse(b, &code, &msg);
	if (ctx->step == STEP_RATES && code == SFE_SALESFORCE &&
	    strstr(msg, "INVALID_TYPE") != NULL) {
		free(msg);
		pipeline_rates = RATES_CURRENT;
		pipeline_send(ctx, STEP_WINDOW);
		return TOOL_WAIT;
	}
	v = tool_fail(ctx, "%s", msg);
	free(msg);
	return v;
}

static enum tool_verdict
pipeline_answer(struct tool_ctx *ctx, uint32_t type, struct buf *b)
{
	struct pipeline	*pl = ctx->state;
	cJSON		*j, *out, *fields;
	const cJSON	*f;
	char		*soql;

	if (type == IMSG_ERROR)
		return pipeline_error(ctx, b);
	if ((j = common_answer_json(ctx, b)) == NULL)
		return TOOL_FAIL;
	switch (ctx->step) {
	case STEP_DESCRIBE:
		/* The picklist moves into the state. */
		pl->stages = cJSON_DetachItemFromObjectCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(j, "picklists"),
		    pipeline_field(pl));
		if (!cJSON_IsArray(pl->stages)) {
			cJSON_Delete(pl->stages);
			pl->stages = NULL;
		}
		fields = cJSON_GetObjectItemCaseSensitive(j, "fields");
		cJSON_ArrayForEach(f, fields)
			if (cJSON_IsString(f) && strcmp(f->valuestring,
			    "CurrencyIsoCode") == 0)
				pl->multi = 1;
		cJSON_Delete(j);
		pipeline_send(ctx, pipeline_currency[0] == '\0' ?
		    STEP_CURRENCY : pipeline_after_currency(pl));
		return TOOL_WAIT;
	case STEP_CURRENCY:
		if (pipeline_currency_take(ctx, j) == -1) {
			cJSON_Delete(j);
			return TOOL_FAIL;
		}
		cJSON_Delete(j);
		pipeline_send(ctx, pipeline_after_currency(pl));
		return TOOL_WAIT;
	case STEP_RATES:
		pipeline_rates = cJSON_GetArraySize(
		    cJSON_GetObjectItemCaseSensitive(j, "records")) > 0 ?
		    RATES_DATED : RATES_CURRENT;
		cJSON_Delete(j);
		pipeline_send(ctx, STEP_WINDOW);
		return TOOL_WAIT;
	case STEP_OVERDUE:
		return pipeline_finish(ctx, j);
	default:
		break;
	}
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "dry_run"))) {
		pl->window = j;
		pipeline_send(ctx, STEP_OVERDUE);
		return TOOL_WAIT;
	}
	out = common_plan_start(j, "first, for the order and to learn whether "
	    "the org is multi-currency");
	common_plan_add(ctx, out, j, CURRENCY_MULTI_SOQL, 0, "once per process, "
	    "in a multi-currency org: the corporate currency, which grouped "
	    "aggregates are in");
	common_plan_add(ctx, out, j, CURRENCY_ORG_SOQL, 0, "instead, in a "
	    "single-currency org: its currency");
	common_plan_add(ctx, out, j, RATES_SOQL, 0, "once per process, in a "
	    "multi-currency org: does it keep dated rates (advanced currency "
	    "management: the totals are then at each deal's CloseDate rate)");
	common_plan_broker(out, j, "the window");
	soql = pipeline_overdue_soql(pl);
	common_plan_add(ctx, out, j, soql, 0, "the open deals past their close "
	    "date, on their own line");
	free(soql);
	cJSON_AddStringToObject(out, "soql", cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(j, "soql")));
	return common_dry_run_done(ctx, j, out);
}

const struct tool tool_pipeline_by_stage = {
	"pipeline_by_stage", "Pipeline by stage",
	"Open opportunities closing from today through the next "
	"close_date_window_days days (default 90), by stage in the org's "
	"stage order, or by forecast category with group_by "
	"\"forecast_category\": number of deals, amount and weighted amount "
	"(expected revenue), with totals, and the open deals whose close "
	"date has passed on their own line. Names the currency of the "
	"amounts (in a multi-currency org, the corporate currency). "
	"Optionally for one owner (a " PREFIX_USER " User ID).",
	pipeline_args, pipeline_output,
	TOOL_READ_ONLY | TOOL_IDEMPOTENT | TOOL_OPEN_WORLD | TOOL_ORG_DATES |
	    TOOL_SEES_ERRORS,
	pipeline_start, pipeline_answer, pipeline_free, NULL
};
