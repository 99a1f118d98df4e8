/*
 * revops.c: the RevOps helpers, read-only tools built on the read path.
 *
 *   pipeline_by_stage  describe Opportunity (the stage picklist, for the
 *                      order), then one GROUP BY StageName query
 *   stale_opps         one query, paged 200 rows at a time by cursor
 *   at_risk_commits    the commit-stage candidates, then (Event cannot
 *                      be a semi-join) one query for future meetings on
 *                      their accounts
 *
 * Their table entries are in tools.c with the others; the handlers here
 * use tools.c's helpers (arguments, answers, dry runs, paging).  Every
 * statement goes through the broker's SOQL guard like any other.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "sfrevops.h"
#include "soql.h"
#include "tools.h"

/* ------------------------------------------------------------ schemas */

#define OWNER_PROP(what) \
	"\"owner_id\":{\"type\":\"string\",\"description\":\"Only " what \
	" owned by this user: a User ID, 15 or 18 characters, starting " \
	"with 005.\",\"pattern\":\"^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$\"}"

#define REQUESTS_SCHEMA \
	"\"requests\":{\"type\":\"array\",\"items\":{\"type\":\"object\"," \
	"\"properties\":{\"method\":{\"type\":\"string\"},\"path\":{\"type\":" \
	"\"string\"},\"soql\":{\"type\":\"string\"},\"note\":{\"type\":" \
	"\"string\"}},\"required\":[\"method\",\"path\"]}}"

#define TABLE_SCHEMA \
	"\"columns\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}," \
	"\"rows\":{\"type\":\"array\",\"items\":{\"type\":\"array\"}}"

const char revops_pipeline_input[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"close_date_window_days\":{\"type\":\"integer\",\"minimum\":1,"
	"\"maximum\":3650,\"default\":90,\"description\":\"Open opportunities "
	"closing from today through today plus this many days.\"},"
	OWNER_PROP("opportunities") "," DRY_RUN_PROP "},"
	"\"additionalProperties\":false}";

const char revops_pipeline_output[] =
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

const char revops_stale_input[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"days_in_stage_threshold\":{\"type\":\"integer\",\"minimum\":1,"
	"\"maximum\":3650,\"default\":30,\"description\":\"List open "
	"opportunities whose stage last changed before the start of the day "
	"this many days ago.\"},"
	OWNER_PROP("opportunities") ","
	"\"cursor\":{\"type\":\"string\",\"pattern\":\"^c_[0-9a-f]{32}$\","
	"\"description\":\"The cursor from an earlier stale_opps result: "
	"returns the next 200 rows. Give it alone.\"},"
	DRY_RUN_PROP "},\"additionalProperties\":false}";

const char revops_stale_output[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"object\":{\"type\":\"string\"}," TABLE_SCHEMA ","
	"\"returned\":{\"type\":\"integer\",\"minimum\":0},"
	"\"total_size\":{\"type\":\"integer\",\"minimum\":0},"
	"\"done\":{\"type\":\"boolean\"},\"cursor\":{\"type\":\"string\"},"
	"\"soql\":{\"type\":\"string\"},\"dry_run\":{\"type\":\"boolean\"},"
	REQUEST_SCHEMA "},\"required\":[\"dry_run\"]}";

const char revops_risk_input[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"quarter_end_date\":{\"type\":\"string\",\"format\":\"date\","
	"\"description\":\"The last day of the quarter, YYYY-MM-DD.\"},"
	DRY_RUN_PROP "},\"required\":[\"quarter_end_date\"],"
	"\"additionalProperties\":false}";

const char revops_risk_output[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"quarter_end_date\":{\"type\":\"string\"},"
	"\"commit_stage\":{\"type\":\"string\"},"
	"\"window_from\":{\"type\":\"string\"},"
	"\"activity_before\":{\"type\":\"string\"},"
	"\"now\":{\"type\":\"string\"}," TABLE_SCHEMA ","
	"\"returned\":{\"type\":\"integer\",\"minimum\":0},"
	"\"candidates\":{\"type\":\"integer\",\"minimum\":0},"
	"\"candidates_total\":{\"type\":\"integer\",\"minimum\":0},"
	"\"complete\":{\"type\":\"boolean\"},"
	"\"soql\":{\"type\":\"string\"},\"event_soql\":{\"type\":\"string\"},"
	"\"dry_run\":{\"type\":\"boolean\"}," REQUEST_SCHEMA ","
	REQUESTS_SCHEMA "},\"required\":[\"dry_run\"]}";

/* ------------------------------------------------------- RevOps: dates */

#define DAY_MS		86400000LL
#define RISK_DAYS	14	/* activity age and quarter-end window */
#define STALE_MAX_ROWS	2000	/* stale_opps: rows reachable by cursor */
#define YEAR_MIN	1700	/* Salesforce's date range */
#define YEAR_MAX	4000

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static long
days_from_civil(long y, long m, long d)
{
	long	 era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(long z, long *y, long *m, long *d)
{
	long	 era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp + (mp < 10 ? 3 : -9);
	*y = yoe + era * 400 + (*m <= 2);
}

static void
date_fmt(long days, char out[11])
{
	long	 y, m, d;
	char	 buf[64];

	civil_from_days(days, &y, &m, &d);
	snprintf(buf, sizeof(buf), "%04ld-%02ld-%02ld", y, m, d);
	strlcpy_sf(out, buf, 11);
}

/* YYYY-MM-DD (the schema has checked it is a real date) to days. */
static int
date_parse(const char *s, long *days)
{
	int	 y, m, d, n = 0;

	if (s == NULL || strlen(s) != 10 ||
	    sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10)
		return -1;
	*days = days_from_civil(y, m, d);
	return 0;
}

/* Wall-clock time, UTC, in milliseconds since the epoch. */
static long long
utc_now_ms(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		fatal("clock_gettime");
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * A Salesforce datetime (2013-05-20T20:49:32.000+0000; also ...Z and
 * +hh:mm) to milliseconds since the epoch.  -1 if it is not one.
 */
static int
datetime_parse(const char *s, long long *ms)
{
	int	 y, mo, d, h, mi, sec, n = 0, oh = 0, om = 0, frac = 0;
	const char *p;

	if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d,
	    &h, &mi, &sec, &n) != 6 || n != 19 || mo < 1 || mo > 12 ||
	    d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	p = s + n;
	if (*p == '.') {
		int i;
		for (i = 0, p++; *p >= '0' && *p <= '9'; p++, i++)
			if (i < 3)
				frac = frac * 10 + (*p - '0');
		for (; i < 3; i++)
			frac *= 10;
	}
	if (*p == 'Z')
		p++;
	else if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1;
		if (sscanf(p + 1, "%2d%n", &oh, &n) != 1 || n != 2)
			return -1;
		p += 3;
		if (*p == ':')
			p++;
		if (sscanf(p, "%2d%n", &om, &n) != 1 || n != 2)
			return -1;
		p += 2;
		oh *= sign;
		om *= sign;
	} else
		return -1;
	if (*p != '\0')
		return -1;
	*ms = ((long long)days_from_civil(y, mo, d) * 86400 + h * 3600 +
	    mi * 60 + sec - oh * 3600 - om * 60) * 1000 + frac;
	return 0;
}

/* An integer argument the schema has bounded, or its default. */
static long
arg_int(const struct call *c, const char *name, long def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->args, name);

	return cJSON_IsNumber(v) ? (long)v->valuedouble : def;
}

/* The optional owner_id as a validated 18-character User ID. */
static int
arg_owner(const struct call *c, char id18[19], char *err, size_t errlen)
{
	const char	*owner = tools_arg_str(c, "owner_id");
	char		 why[200];

	id18[0] = '\0';
	if (owner == NULL)
		return 0;
	if (policy_id_valid(owner, "005", id18, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "%s: argument 'owner_id' is not a valid "
		    "User ID (005...): %s", c->tool->name, why);
		return -1;
	}
	return 0;
}

static void
send_query(struct front *f, struct call *c, int dry_run, const char *soql)
{
	struct buf	 b;

	buf_init(&b);
	buf_put_u32(&b, dry_run ? REQ_DRY_RUN : 0);
	buf_put_str(&b, soql);
	front_send_broker(f, c, IMSG_SF_QUERY, &b);
	buf_free(&b);
}

/* The statement as the broker will send it (the same guard, the same
 * options), for dry runs of statements that depend on an earlier answer. */
static char *
soql_as_sent(struct front *f, const char *soql)
{
	char	*out, why[512];

	if (tools_soql_guard(f, soql, &out, why, sizeof(why)) == -1)
		fatalx("our own statement is refused: %s", why);
	return out;
}

/* The REST path of a query, from the broker's dry-run answer. */
static char *
path_prefix(const cJSON *j)
{
	const char	*path = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(j, "path"));
	const char	*q;

	if (path == NULL || (q = strstr(path, "/query?q=")) == NULL)
		return xstrdup("/services/data/vXX.X/");
	return xstrndup(path, (size_t)(q - path) + 1);
}

/* Add one {method, path, soql?, note?} to a dry run's request list. */
static void
request_add(cJSON *list, const char *method, const char *path,
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

/* Ask the broker to describe Opportunity (its stage picklist). */
static void
describe_opportunity(struct front *f, struct call *c)
{
	struct buf	 b;

	buf_init(&b);
	buf_put_str(&b, "Opportunity");
	front_send_broker(f, c, IMSG_SF_DESCRIBE, &b);
	buf_free(&b);
}

/* A dry run's entry for that describe; j is the broker's dry run. */
static void
request_add_describe(cJSON *list, const cJSON *j, const char *why)
{
	char	*prefix, *path, *note;

	prefix = path_prefix(j);
	xasprintf(&path, "%ssobjects/Opportunity/describe", prefix);
	xasprintf(&note, "%s (answered from the cache when the broker has "
	    "described Opportunity already)", why);
	request_add(list, "GET", path, NULL, note);
	free(note);
	free(path);
	free(prefix);
}

/* Money to the cent. */
static double
cents(double v)
{
	return round(v * 100.0) / 100.0;
}

/* -------------------------------------------------- pipeline_by_stage */

/*
 * Step 0: describe Opportunity (the stage picklist, for the order);
 * step 1: one aggregate query.  State: the picklist as JSON text.
 */
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

int
revops_pipeline_start(struct front *f, struct call *c, char *err, size_t errlen)
{
	long		 window = arg_int(c, "close_date_window_days", 90);
	char		 owner18[19], *soql;

	if (window < 1 || window > 3650) {
		snprintf(err, errlen, "pipeline_by_stage: argument "
		    "'close_date_window_days' must be between 1 and 3650");
		return -1;
	}
	if (arg_owner(c, owner18, err, errlen) == -1)
		return -1;
	if (tools_arg_bool(c, "dry_run")) {
		/* Nothing goes to Salesforce: the broker only shows it. */
		c->step = 1;
		soql = pipeline_soql(window, owner18);
		send_query(f, c, 1, soql);
		free(soql);
		return 0;
	}
	c->step = 0;
	describe_opportunity(f, c);
	return 0;
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

static void
pipeline_finish(struct front *f, struct call *c, cJSON *j)
{
	cJSON		*picklist, *out, *table, *rows, *row, *totals;
	const cJSON	*records, *rec, *v;
	struct stage_row *sr;
	char		*text, *line, heading[512], from[11], to[11], *cell[3];
	long		 window = arg_int(c, "close_date_window_days", 90);
	long		 today;
	double		 deals = 0, amount = 0, weighted = 0;
	int		 n, i = 0;
	char		 owner18[19], err[256];

	picklist = cJSON_Parse(c->state != NULL ? c->state : "[]");
	records = cJSON_GetObjectItemCaseSensitive(j, "records");
	n = cJSON_GetArraySize(records);
	sr = xcalloc((size_t)n + 1, sizeof(*sr));
	cJSON_ArrayForEach(rec, records) {
		v = cJSON_GetObjectItemCaseSensitive(rec, "StageName");
		sr[i].stage = cJSON_IsString(v) ? v->valuestring : NULL;
		sr[i].rank = stage_rank(picklist, sr[i].stage);
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

	if ((out = cJSON_CreateObject()) == NULL ||
	    (table = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	today = (long)(utc_now_ms() / DAY_MS);
	date_fmt(today, from);
	date_fmt(today + window, to);
	cJSON_AddNumberToObject(out, "window_days", (double)window);
	cJSON_AddStringToObject(out, "from", from);
	cJSON_AddStringToObject(out, "to", to);
	(void)arg_owner(c, owner18, err, sizeof(err));
	if (owner18[0] != '\0')
		cJSON_AddStringToObject(out, "owner_id", owner18);
	v = cJSON_GetObjectItemCaseSensitive(j, "soql");
	if (cJSON_IsString(v))
		cJSON_AddStringToObject(out, "soql", v->valuestring);
	{
		cJSON *cols = cJSON_AddArrayToObject(table, "columns");
		cJSON_AddItemToArray(cols, cJSON_CreateString("stage"));
		cJSON_AddItemToArray(cols, cJSON_CreateString("deals"));
		cJSON_AddItemToArray(cols, cJSON_CreateString("amount"));
		cJSON_AddItemToArray(cols, cJSON_CreateString("weighted"));
	}
	rows = cJSON_AddArrayToObject(table, "rows");
	for (i = 0; i < n; i++) {
		if ((row = cJSON_CreateArray()) == NULL)
			fatalx("cJSON_CreateArray");
		cJSON_AddItemToArray(row, sr[i].stage != NULL ?
		    cJSON_CreateString(sr[i].stage) : cJSON_CreateNull());
		cJSON_AddItemToArray(row, cJSON_CreateNumber(sr[i].deals));
		cJSON_AddItemToArray(row, cJSON_CreateNumber(
		    cents(sr[i].amount)));
		cJSON_AddItemToArray(row, cJSON_CreateNumber(
		    cents(sr[i].weighted)));
		cJSON_AddItemToArray(rows, row);
		deals += sr[i].deals;
		amount += sr[i].amount;
		weighted += sr[i].weighted;
	}
	free(sr);
	cJSON_Delete(picklist);
	totals = cJSON_AddObjectToObject(out, "totals");
	cJSON_AddNumberToObject(totals, "deals", deals);
	cJSON_AddNumberToObject(totals, "amount", cents(amount));
	cJSON_AddNumberToObject(totals, "weighted", cents(weighted));
	cJSON_AddItemToObject(out, "columns", cJSON_Duplicate(
	    cJSON_GetObjectItemCaseSensitive(table, "columns"), 1));
	cJSON_AddItemToObject(out, "rows", cJSON_Duplicate(rows, 1));
	cJSON_AddBoolToObject(out, "dry_run", 0);

	snprintf(heading, sizeof(heading), "Open pipeline by stage, closing "
	    "%s through %s (CloseDate from TODAY through NEXT_N_DAYS:%ld; "
	    "dates in UTC, Salesforce counts days in the integration user's "
	    "time zone)%s%s%s", from, to, window,
	    owner18[0] ? ", owner " : "", owner18, n == 0 ?
	    ": no open opportunities" : "");
	text = records_text(table, heading);
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
	cJSON_Delete(table);
	cJSON_Delete(j);
	front_call_done(f, c, out, line);
	free(line);
}

void
revops_pipeline_answer(struct front *f, struct call *c, uint32_t type,
    struct buf *b)
{
	cJSON		*j, *out, *list;
	const cJSON	*stages;
	char		*soql, *text, owner18[19], err[256];
	long		 window = arg_int(c, "close_date_window_days", 90);

	if ((j = tools_answer_json(f, c, b)) == NULL)
		return;
	if (c->step == 0) {
		if (type != IMSG_SF_DESCRIBE_R)
			fatalx("unexpected %s for %s", imsg_name(type),
			    c->tool->name);
		stages = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(j, "picklists"),
		    "StageName");
		if (cJSON_IsArray(stages)) {
			if ((text = cJSON_PrintUnformatted(stages)) == NULL)
				fatalx("cJSON_PrintUnformatted");
			free(c->state);
			c->state = xstrdup(text);
			cJSON_free(text);
		}
		cJSON_Delete(j);
		if (c->cancelled) {
			front_call_fail(f, c, "cancelled");
			return;
		}
		(void)arg_owner(c, owner18, err, sizeof(err));
		c->step = 1;
		soql = pipeline_soql(window, owner18);
		send_query(f, c, 0, soql);
		free(soql);
		return;
	}
	if (type != IMSG_SF_QUERY_R)
		fatalx("unexpected %s for %s", imsg_name(type), c->tool->name);
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "dry_run"))) {
		pipeline_finish(f, c, j);
		return;
	}
	if ((out = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	list = cJSON_AddArrayToObject(out, "requests");
	request_add_describe(list, j, "first, for the order of the stages");
	request_add(list, "GET", cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(j, "path")), cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(j, "soql")), NULL);
	cJSON_AddStringToObject(out, "soql", cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(j, "soql")));
	tools_dry_run_done(f, c, j, out);
}

/* --------------------------------------------------------- stale_opps */

#define STALE_SELECT \
	"SELECT Id, Name, Account.Name, StageName, Amount, CloseDate, " \
	"LastStageChangeDate, Owner.Name FROM Opportunity WHERE " \
	"IsClosed = false AND LastStageChangeDate < LAST_N_DAYS:"

int
revops_stale_start(struct front *f, struct call *c, char *err, size_t errlen)
{
	long		 days = arg_int(c, "days_in_stage_threshold", 30);
	const char	*cursor = tools_arg_str(c, "cursor");
	char		 owner18[19], *soql;
	struct buf	 b;

	if (cursor != NULL) {
		if (cJSON_GetObjectItemCaseSensitive(c->args,
		    "days_in_stage_threshold") != NULL ||
		    cJSON_GetObjectItemCaseSensitive(c->args, "owner_id") !=
		    NULL || tools_arg_bool(c, "dry_run")) {
			snprintf(err, errlen, "stale_opps: give either a "
			    "cursor (the next page of an earlier call) or "
			    "days_in_stage_threshold, owner_id and dry_run "
			    "(a new search), not both");
			return -1;
		}
		buf_init(&b);
		buf_put_str(&b, cursor);
		front_send_broker(f, c, IMSG_SF_MORE, &b);
		buf_free(&b);
		return 0;
	}
	if (days < 1 || days > 3650) {
		snprintf(err, errlen, "stale_opps: argument "
		    "'days_in_stage_threshold' must be between 1 and 3650");
		return -1;
	}
	if (arg_owner(c, owner18, err, errlen) == -1)
		return -1;
	xasprintf(&soql, STALE_SELECT "%ld%s%s%s ORDER BY LastStageChangeDate "
	    "ASC, Id ASC LIMIT %d", days, owner18[0] ? " AND OwnerId = '" :
	    "", owner18, owner18[0] ? "'" : "", STALE_MAX_ROWS);
	send_query(f, c, tools_arg_bool(c, "dry_run"), soql);
	free(soql);
	return 0;
}

void
revops_stale_answer(struct front *f, struct call *c, uint32_t type, struct buf *b)
{
	cJSON		*j, *out, *table, *cols, *row;
	const cJSON	*col, *soql;
	char		*text, heading[600];
	long long	 now, t;
	int		 at = -1, i = 0;

	if (type != IMSG_SF_QUERY_R && type != IMSG_SF_MORE_R)
		fatalx("unexpected %s for %s", imsg_name(type), c->tool->name);
	if ((j = tools_answer_json(f, c, b)) == NULL)
		return;
	if ((out = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "dry_run"))) {
		cJSON_AddStringToObject(out, "object", "Opportunity");
		tools_dry_run_done(f, c, j, out);
		return;
	}
	/* A cursor of another tool's query would page something else. */
	soql = cJSON_GetObjectItemCaseSensitive(j, "soql");
	if (!cJSON_IsString(soql) || strncmp(soql->valuestring, STALE_SELECT,
	    strlen(STALE_SELECT)) != 0) {
		cJSON_Delete(j);
		cJSON_Delete(out);
		front_call_fail(f, c, "stale_opps: this cursor belongs to "
		    "another query; pass it to the query tool instead");
		return;
	}
	if ((table = tools_page_take(f, c, j, out)) == NULL)
		return;
	/* days_in_stage: whole 24-hour periods since the last stage
	 * change, from UTC instants, so no time zone enters. */
	cols = cJSON_GetObjectItemCaseSensitive(table, "columns");
	cJSON_ArrayForEach(col, cols) {
		if (strcmp(col->valuestring, "LastStageChangeDate") == 0)
			at = i;
		i++;
	}
	cJSON_AddItemToArray(cols, cJSON_CreateString("days_in_stage"));
	now = utc_now_ms();
	cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(table,
	    "rows")) {
		const char *v = at < 0 ? NULL :
		    cJSON_GetStringValue(cJSON_GetArrayItem(row, at));
		if (v != NULL && datetime_parse(v, &t) == 0 && t <= now)
			cJSON_AddItemToArray(row, cJSON_CreateNumber(
			    (double)((now - t) / DAY_MS)));
		else
			cJSON_AddItemToArray(row, cJSON_CreateNull());
	}
	cJSON_AddItemToObject(out, "columns", cJSON_Duplicate(cols, 1));
	cJSON_AddItemToObject(out, "rows", cJSON_Duplicate(
	    cJSON_GetObjectItemCaseSensitive(table, "rows"), 1));
	tools_page_heading(out, "stale_opps", "open opportunities whose stage has "
	    "not changed within the threshold, oldest change first", heading,
	    sizeof(heading));
	if ((long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(out,
	    "total_size")) >= STALE_MAX_ROWS) {
		size_t n = strlen(heading);
		snprintf(heading + n, sizeof(heading) - n, " (at most %d are "
		    "listed: raise the threshold or give owner_id)",
		    STALE_MAX_ROWS);
	}
	text = records_text(table, heading);
	cJSON_Delete(table);
	front_call_done(f, c, out, text);
	free(text);
}

/* ---------------------------------------------------- at_risk_commits */

/*
 * First (RISK_STEP_STAGES): describe Opportunity, to refuse a commit
 * stage the org does not have instead of answering "nothing at risk".
 * Step 0: the open Commit opportunities that may be at risk (no recent
 * activity, or closing in the last RISK_DAYS days of the quarter), at
 * most 200, by close date.  Step 1, only when 200 came back: COUNT() of
 * the same, to say how many were left out.  Step 2, only when some close
 * in the window: which of their accounts have a future Event (Event
 * cannot be in a semi-join, salesforce.md 0.3).  State: struct risk.
 */
struct risk {
	char	 cutoff[11];	/* LastActivityDate before this: stale */
	char	 from[11];	/* the quarter-end window, inclusive */
	char	 qend[11];
	char	 now[21];	/* YYYY-MM-DDThh:mm:ssZ */
	char	 stage[256];
	long	 total;		/* candidates, when more than returned */
	char	 records[];	/* step 0's records, JSON text */
};

#define RISK_STEP_STAGES	3	/* before step 0: check the stage */

#define RISK_FIELDS \
	"Id, Name, AccountId, Account.Name, Amount, CloseDate, " \
	"LastActivityDate, Owner.Name"
#define RISK_PLACEHOLDER	"001000000000000AAA"

static char *
risk_where(const struct risk *r)
{
	char	*q, *w;

	q = soql_quote(r->stage);
	xasprintf(&w, "WHERE StageName = '%s' AND IsClosed = false AND "
	    "(LastActivityDate = null OR LastActivityDate < %s OR "
	    "(CloseDate >= %s AND CloseDate <= %s))", q, r->cutoff, r->from,
	    r->qend);
	free(q);
	return w;
}

static char *
risk_soql(const struct risk *r)
{
	char	*w, *s;

	w = risk_where(r);
	xasprintf(&s, "SELECT " RISK_FIELDS " FROM Opportunity %s ORDER BY "
	    "CloseDate ASC, Id ASC LIMIT %d", w, SF_MAX_ROWS);
	free(w);
	return s;
}

static char *
risk_event_soql(const struct risk *r, const char *ids)
{
	char	*s;

	/* GROUP BY: one row per account however many meetings it has. */
	xasprintf(&s, "SELECT AccountId FROM Event WHERE AccountId IN (%s) "
	    "AND StartDateTime >= %s AND IsChild = false GROUP BY AccountId",
	    ids, r->now);
	return s;
}

int
revops_risk_start(struct front *f, struct call *c, char *err, size_t errlen)
{
	struct risk	*r;
	const char	*qe = tools_arg_str(c, "quarter_end_date");
	const char	*stage;
	long		 qdays, today, y, m, d;
	long long	 now;
	char		*soql;

	if (date_parse(qe, &qdays) == -1) {
		snprintf(err, errlen, "at_risk_commits: argument "
		    "'quarter_end_date' must be a date YYYY-MM-DD");
		return -1;
	}
	civil_from_days(qdays, &y, &m, &d);
	if (y < YEAR_MIN || y > YEAR_MAX) {
		snprintf(err, errlen, "at_risk_commits: argument "
		    "'quarter_end_date' must be between %d-01-01 and "
		    "%d-12-31", YEAR_MIN, YEAR_MAX);
		return -1;
	}
	stage = front_commit_stage(f);
	r = xcalloc(1, sizeof(*r) + 1);
	if (strlcpy_sf(r->stage, stage, sizeof(r->stage)) >=
	    sizeof(r->stage)) {
		free(r);
		snprintf(err, errlen, "at_risk_commits: the configured commit "
		    "stage (SFDC_COMMIT_STAGE_NAME) is too long");
		return -1;
	}
	now = utc_now_ms();
	today = (long)(now / DAY_MS);
	date_fmt(today - RISK_DAYS, r->cutoff);
	date_fmt(qdays - (RISK_DAYS - 1), r->from);
	date_fmt(qdays, r->qend);
	{
		long s = (long)((now / 1000) % 86400);
		char day[11], buf[64];
		date_fmt(today, day);
		snprintf(buf, sizeof(buf), "%sT%02ld:%02ld:%02ldZ", day,
		    s / 3600, s / 60 % 60, s % 60);
		strlcpy_sf(r->now, buf, sizeof(r->now));
	}
	c->state = r;
	if (!tools_arg_bool(c, "dry_run")) {
		/* First make sure the stage exists: a misspelt
		 * SFDC_COMMIT_STAGE_NAME would otherwise read as "nothing
		 * is at risk". */
		c->step = RISK_STEP_STAGES;
		describe_opportunity(f, c);
		return 0;
	}
	c->step = 0;
	soql = risk_soql(r);
	send_query(f, c, 1, soql);
	free(soql);
	return 0;
}

/*
 * The describe answer: is the configured commit stage an active stage of
 * this org?  0 yes (or the org's describe has no stage picklist to check
 * against); -1 and the call failed with the org's stages named.
 */
static int
risk_stage_known(struct front *f, struct call *c, const cJSON *j)
{
	struct risk	*r = c->state;
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
	front_call_fail(f, c, "at_risk_commits: the commit stage '%s' "
	    "(SFDC_COMMIT_STAGE_NAME) is not an active stage of this org, so "
	    "no opportunity can be in it; the stages are %s. Set "
	    "SFDC_COMMIT_STAGE_NAME to the one that means commit.", r->stage,
	    list != NULL ? list : "(none)");
	free(list);
	return -1;
}

/* The accounts whose meetings decide reason (b), as a quoted list. */
static int
risk_accounts(const struct risk *r, const cJSON *records, char **list)
{
	const cJSON	*rec;
	const char	*close, *acct;
	char		 id18[19], why[200];
	size_t		 len = 0;
	int		 n = 0;

	*list = NULL;
	cJSON_ArrayForEach(rec, records) {
		close = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		    rec, "CloseDate"));
		acct = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		    rec, "AccountId"));
		if (close == NULL || acct == NULL ||
		    strcmp(close, r->from) < 0 || strcmp(close, r->qend) > 0)
			continue;
		if (policy_id_valid(acct, "001", id18, why, sizeof(why)) == -1)
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

static void
risk_finish(struct front *f, struct call *c, const cJSON *events)
{
	struct risk	*r = c->state;
	cJSON		*records, *out, *table, *cols, *rows, *row;
	const cJSON	*rec, *ev;
	const char	*lad, *close, *acct, *name;
	char		*text, heading[1024], reasons[200];
	int		 a, bw, bm, n = 0;
	static const char *const fields[] = { "Id", "Name", "Account.Name",
	    "Amount", "CloseDate", "LastActivityDate", "Owner.Name" };
	size_t		 i;

	if ((records = cJSON_Parse(r->records)) == NULL)
		fatalx("at_risk_commits: lost state");
	if ((out = cJSON_CreateObject()) == NULL ||
	    (table = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	cols = cJSON_AddArrayToObject(table, "columns");
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		cJSON_AddItemToArray(cols, cJSON_CreateString(fields[i]));
	cJSON_AddItemToArray(cols, cJSON_CreateString("reasons"));
	rows = cJSON_AddArrayToObject(table, "rows");
	cJSON_ArrayForEach(rec, records) {
		lad = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		    rec, "LastActivityDate"));
		close = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		    rec, "CloseDate"));
		acct = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		    rec, "AccountId"));
		a = lad == NULL || strcmp(lad, r->cutoff) < 0;
		bw = close != NULL && strcmp(close, r->from) >= 0 &&
		    strcmp(close, r->qend) <= 0;
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
		for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
			const cJSON *v;
			name = fields[i];
			if (strcmp(name, "Account.Name") == 0)
				v = cJSON_GetObjectItemCaseSensitive(
				    cJSON_GetObjectItemCaseSensitive(rec,
				    "Account"), "Name");
			else if (strcmp(name, "Owner.Name") == 0)
				v = cJSON_GetObjectItemCaseSensitive(
				    cJSON_GetObjectItemCaseSensitive(rec,
				    "Owner"), "Name");
			else
				v = cJSON_GetObjectItemCaseSensitive(rec, name);
			cJSON_AddItemToArray(row, v != NULL && !cJSON_IsObject(v)
			    && !cJSON_IsArray(v) ? cJSON_Duplicate(v, 1) :
			    cJSON_CreateNull());
		}
		cJSON_AddItemToArray(row, cJSON_CreateString(reasons));
		cJSON_AddItemToArray(rows, row);
		n++;
	}
	cJSON_AddStringToObject(out, "quarter_end_date", r->qend);
	cJSON_AddStringToObject(out, "commit_stage", r->stage);
	cJSON_AddStringToObject(out, "window_from", r->from);
	cJSON_AddStringToObject(out, "activity_before", r->cutoff);
	cJSON_AddStringToObject(out, "now", r->now);
	cJSON_AddItemToObject(out, "columns", cJSON_Duplicate(cols, 1));
	cJSON_AddItemToObject(out, "rows", cJSON_Duplicate(rows, 1));
	cJSON_AddNumberToObject(out, "returned", (double)n);
	cJSON_AddNumberToObject(out, "candidates",
	    (double)cJSON_GetArraySize(records));
	cJSON_AddNumberToObject(out, "candidates_total", (double)(r->total >
	    cJSON_GetArraySize(records) ? r->total :
	    cJSON_GetArraySize(records)));
	cJSON_AddBoolToObject(out, "complete", r->total <=
	    cJSON_GetArraySize(records));
	cJSON_AddBoolToObject(out, "dry_run", 0);
	snprintf(heading, sizeof(heading), "%d at-risk %s opportunities "
	    "(open; no activity since before %s, or closing %s through %s "
	    "with no future meeting on the account)", n, r->stage,
	    r->cutoff, r->from, r->qend);
	if (r->total > cJSON_GetArraySize(records)) {
		size_t len = strlen(heading);
		snprintf(heading + len, sizeof(heading) - len, ". Only the "
		    "first %d of %ld candidates by close date were checked: "
		    "the rest were NOT examined", cJSON_GetArraySize(records),
		    r->total);
	}
	text = records_text(table, heading);
	cJSON_Delete(table);
	cJSON_Delete(records);
	front_call_done(f, c, out, text);
	free(text);
}

/* After the candidates (and their count): the Event step, or the end. */
static void
risk_events(struct front *f, struct call *c)
{
	struct risk	*r = c->state;
	cJSON		*records;
	char		*ids, *soql;
	int		 n;

	if ((records = cJSON_Parse(r->records)) == NULL)
		fatalx("at_risk_commits: lost state");
	n = risk_accounts(r, records, &ids);
	cJSON_Delete(records);
	if (n == -1) {
		free(ids);
		front_call_fail(f, c, "internal error: Salesforce returned an "
		    "AccountId that is not an Account ID");
		return;
	}
	if (n == 0) {
		risk_finish(f, c, NULL);
		return;
	}
	c->step = 2;
	soql = risk_event_soql(r, ids);
	free(ids);
	send_query(f, c, 0, soql);
	free(soql);
}

static void
risk_dry_run(struct front *f, struct call *c, cJSON *j)
{
	struct risk	*r = c->state;
	cJSON		*out, *list;
	char		*soql, *sent, *shown, *p, *path, *w;
	const char	*mark = "<IDs of the accounts of the candidates closing "
			    "in the window>";
	size_t		 n;

	if ((out = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	list = cJSON_AddArrayToObject(out, "requests");
	request_add_describe(list, j, "first: is the commit stage one of the "
	    "org's stages");
	request_add(list, "GET", cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(j, "path")), cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(j, "soql")), "the open commit-"
	    "stage opportunities that may be at risk");
	/* The statements that depend on the first answer, as the broker
	 * will send them; the ID list is a marked placeholder. */
	path = path_prefix(j);
	xasprintf(&p, "%squery?q=<the statement, URL-encoded>", path);
	free(path);
	w = risk_where(r);
	xasprintf(&soql, "SELECT COUNT() FROM Opportunity %s", w);
	free(w);
	sent = soql_as_sent(f, soql);
	free(soql);
	request_add(list, "GET", p, sent, "only when the first answer has "
	    "200 rows: how many candidates there are in all");
	free(sent);
	soql = risk_event_soql(r, "'" RISK_PLACEHOLDER "'");
	sent = soql_as_sent(f, soql);
	free(soql);
	if ((w = strstr(sent, "'" RISK_PLACEHOLDER "'")) == NULL)
		fatalx("placeholder lost");
	n = (size_t)(w - sent);
	xasprintf(&shown, "%.*s%s%s", (int)n, sent, mark,
	    w + strlen("'" RISK_PLACEHOLDER "'"));
	free(sent);
	request_add(list, "GET", p, shown, "only when candidates close in "
	    "the window: the placeholder stands for their distinct account "
	    "IDs, quoted and comma-separated");
	free(p);
	cJSON_AddStringToObject(out, "soql", cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(j, "soql")));
	cJSON_AddStringToObject(out, "event_soql", shown);
	free(shown);
	tools_dry_run_done(f, c, j, out);
}

void
revops_risk_answer(struct front *f, struct call *c, uint32_t type, struct buf *b)
{
	struct risk	*r = c->state;
	cJSON		*j;
	char		*text, *soql, *w;
	const cJSON	*v;
	size_t		 n;

	if (type != (c->step == RISK_STEP_STAGES ? IMSG_SF_DESCRIBE_R :
	    IMSG_SF_QUERY_R))
		fatalx("unexpected %s for %s", imsg_name(type), c->tool->name);
	if ((j = tools_answer_json(f, c, b)) == NULL)
		return;
	if (c->step == RISK_STEP_STAGES) {
		int known = risk_stage_known(f, c, j);
		cJSON_Delete(j);
		if (known == -1)
			return;
		c->step = 0;
		soql = risk_soql(r);
		send_query(f, c, 0, soql);
		free(soql);
		return;
	}
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "dry_run"))) {
		risk_dry_run(f, c, j);
		return;
	}
	if (c->step == 2) {
		risk_finish(f, c, cJSON_GetObjectItemCaseSensitive(j,
		    "records"));
		cJSON_Delete(j);
		return;
	}
	if (c->step == 1) {
		v = cJSON_GetObjectItemCaseSensitive(j, "totalSize");
		r->total = cJSON_IsNumber(v) ? (long)v->valuedouble : 0;
		cJSON_Delete(j);
	} else {
		v = cJSON_GetObjectItemCaseSensitive(j, "records");
		if (!cJSON_IsArray(v)) {
			cJSON_Delete(j);
			front_call_fail(f, c, "internal error: the broker's "
			    "answer has no records");
			return;
		}
		if ((text = cJSON_PrintUnformatted(v)) == NULL)
			fatalx("cJSON_PrintUnformatted");
		n = strlen(text);
		r = xreallocarray(c->state, 1, sizeof(*r) + n + 1);
		memcpy(r->records, text, n + 1);
		c->state = r;
		cJSON_free(text);
		r->total = cJSON_GetArraySize(v);
		cJSON_Delete(j);
		if (c->cancelled) {
			front_call_fail(f, c, "cancelled");
			return;
		}
		if (r->total >= SF_MAX_ROWS) {
			c->step = 1;
			w = risk_where(r);
			xasprintf(&soql, "SELECT COUNT() FROM Opportunity %s", w);
			free(w);
			send_query(f, c, 0, soql);
			free(soql);
			return;
		}
	}
	if (c->cancelled) {
		front_call_fail(f, c, "cancelled");
		return;
	}
	risk_events(f, c);
}
