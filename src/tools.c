/*
 * tools.c: the tools, one table entry and one handler each.
 *
 * A handler validates what the schema cannot express (an ID's checksum
 * and key prefix, a SOQL statement), then sends one typed request to the
 * broker; the broker validates everything again and builds the URL.
 * Results come back as Salesforce JSON and leave as a compact table for
 * the model (text) and typed structuredContent for the client.
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
#include "schema.h"
#include "soql.h"
#include "tools.h"

#define REQ_DEFAULT_FIELDS 0x02	/* SF_GET: the curated set, trimmed to the org */

/* ------------------------------------------------------------ schemas */

#define FIELD_PATTERN \
	"^[A-Za-z][A-Za-z0-9_]{0,79}(\\\\.[A-Za-z][A-Za-z0-9_]{0,79}){0,4}$"

#define GET_INPUT(what, prefix) \
	"{\"type\":\"object\",\"properties\":{" \
	"\"id\":{\"type\":\"string\",\"description\":\"The " what " ID, " \
	"15 or 18 characters, starting with " prefix ".\"," \
	"\"pattern\":\"^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$\"}," \
	"\"fields\":{\"type\":\"array\",\"description\":\"API names of the " \
	"fields to read instead of the default set; relationship paths such " \
	"as Owner.Name are allowed.\",\"minItems\":1,\"maxItems\":100," \
	"\"uniqueItems\":true,\"items\":{\"type\":\"string\",\"pattern\":\"" \
	FIELD_PATTERN "\"}}," DRY_RUN_PROP "}," \
	"\"required\":[\"id\"],\"additionalProperties\":false}"

#define GET_OUTPUT \
	"{\"type\":\"object\",\"properties\":{" \
	"\"object\":{\"type\":\"string\"},\"id\":{\"type\":\"string\"}," \
	"\"record\":{\"type\":\"object\"},\"dry_run\":{\"type\":\"boolean\"}," \
	REQUEST_SCHEMA "},\"required\":[\"object\",\"id\",\"dry_run\"]}"

static const char query_input[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"soql\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":20000,"
	"\"description\":\"One SOQL SELECT statement. LIMIT 200 is added "
	"when there is no LIMIT; field-level security is enforced. DML, "
	"FOR UPDATE and comments are refused.\"},"
	"\"bypass_sharing\":{\"type\":\"boolean\",\"description\":\"Reserved; "
	"true is refused: sharing rules and field-level security always "
	"apply.\"},"
	"\"cursor\":{\"type\":\"string\",\"pattern\":\"^c_[0-9a-f]{32}$\","
	"\"description\":\"The cursor from an earlier result: returns the "
	"next 200 rows. Give either soql or cursor.\"},"
	DRY_RUN_PROP "},\"additionalProperties\":false}";

static const char query_output[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"object\":{\"type\":\"string\"},"
	"\"columns\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
	"\"rows\":{\"type\":\"array\",\"items\":{\"type\":\"array\"}},"
	"\"returned\":{\"type\":\"integer\",\"minimum\":0},"
	"\"total_size\":{\"type\":\"integer\",\"minimum\":0},"
	"\"done\":{\"type\":\"boolean\"},"
	"\"cursor\":{\"type\":\"string\"},"
	"\"soql\":{\"type\":\"string\"},"
	"\"dry_run\":{\"type\":\"boolean\"}," REQUEST_SCHEMA "},"
	"\"required\":[\"dry_run\"]}";

/* ------------------------------------------------------- record reads */

struct get_kind {
	const char	*tool;
	const char	*object;
	const char	*prefix;
	const char	*fields;	/* the curated default set */
};

static const struct get_kind get_kinds[] = {
	{ "get_account", "Account", "001",
	  "Id,Name,Type,Industry,AnnualRevenue,NumberOfEmployees,BillingCity,"
	  "BillingState,BillingCountry,Website,Phone,OwnerId,Owner.Name,"
	  "LastActivityDate,CreatedDate,LastModifiedDate" },
	{ "get_opportunity", "Opportunity", "006",
	  "Id,Name,AccountId,Account.Name,StageName,Amount,Probability,"
	  "ForecastCategoryName,CloseDate,Type,LeadSource,NextStep,IsClosed,"
	  "IsWon,LastActivityDate,LastStageChangeDate,OwnerId,Owner.Name,"
	  "Owner.Email,CreatedDate,LastModifiedDate" },
	{ "get_contact", "Contact", "003",
	  "Id,FirstName,LastName,Name,Title,Email,Phone,AccountId,"
	  "Account.Name,OwnerId,Owner.Name,LastActivityDate,LastModifiedDate" },
	{ "get_lead", "Lead", "00Q",
	  "Id,FirstName,LastName,Name,Company,Title,Email,Phone,Status,"
	  "LeadSource,Rating,IsConverted,OwnerId,Owner.Name,LastActivityDate,"
	  "CreatedDate,LastModifiedDate" },
};

static const struct get_kind *
get_kind_of(const struct call *c)
{
	size_t	 i;

	for (i = 0; i < sizeof(get_kinds) / sizeof(get_kinds[0]); i++)
		if (strcmp(get_kinds[i].tool, c->tool->name) == 0)
			return &get_kinds[i];
	fatalx("no record kind for tool %s", c->tool->name);
}

int
tools_arg_bool(const struct call *c, const char *name)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c->args, name));
}

const char *
tools_arg_str(const struct call *c, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->args, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int
get_start(struct front *f, struct call *c, char *err, size_t errlen)
{
	const struct get_kind	*k = get_kind_of(c);
	const cJSON		*fields, *fv;
	char			 id18[19], why[200];
	struct buf		 b;
	char			*list = NULL;
	size_t			 len = 0;

	if (policy_id_valid(tools_arg_str(c, "id"), k->prefix, id18, why,
	    sizeof(why)) == -1) {
		snprintf(err, errlen, "%s: argument 'id' is not a valid %s ID: "
		    "%s", c->tool->name, k->object, why);
		return -1;
	}
	fields = cJSON_GetObjectItemCaseSensitive(c->args, "fields");
	if (fields != NULL) {
		cJSON_ArrayForEach(fv, fields) {
			size_t n = strlen(fv->valuestring);
			list = xreallocarray(list, 1, len + n + 2);
			if (len > 0)
				list[len++] = ',';
			memcpy(list + len, fv->valuestring, n);
			len += n;
			list[len] = '\0';
		}
	} else
		list = xstrdup(k->fields);
	buf_init(&b);
	buf_put_u32(&b, (tools_arg_bool(c, "dry_run") ? REQ_DRY_RUN : 0) |
	    (fields == NULL ? REQ_DEFAULT_FIELDS : 0));
	buf_put_str(&b, k->object);
	buf_put_str(&b, id18);
	buf_put_str(&b, list);
	front_send_broker(f, c, IMSG_SF_GET, &b);
	buf_free(&b);
	free(list);
	return 0;
}

/* Parse a JSON answer from the broker; NULL and a failed call if bad. */
cJSON *
tools_answer_json(struct front *f, struct call *c, struct buf *b)
{
	char	*text;
	cJSON	*j;

	if (buf_get_str(b, &text, IPC_MAX_PAYLOAD) == -1 ||
	    buf_get_end(b) == -1)
		fatalx("malformed answer from the broker");
	if (jr_depth(text, strlen(text), MCP_MAX_DEPTH) > MCP_MAX_DEPTH ||
	    (j = cJSON_Parse(text)) == NULL ||
	    !cJSON_IsObject(j)) {
		free(text);
		front_call_fail(f, c, "internal error: the broker's answer is "
		    "not a JSON object");
		return NULL;
	}
	free(text);
	return j;
}

void
tools_dry_run_done(struct front *f, struct call *c, cJSON *j, cJSON *out)
{
	cJSON	*req;
	char	*text;
	const cJSON *soql = cJSON_GetObjectItemCaseSensitive(j, "soql");

	if ((req = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	cJSON_AddItemToObject(req, "method", cJSON_Duplicate(
	    cJSON_GetObjectItemCaseSensitive(j, "method"), 1));
	cJSON_AddItemToObject(req, "path", cJSON_Duplicate(
	    cJSON_GetObjectItemCaseSensitive(j, "path"), 1));
	if (cJSON_IsString(soql))
		cJSON_AddStringToObject(req, "soql", soql->valuestring);
	cJSON_AddBoolToObject(out, "dry_run", 1);
	cJSON_AddItemToObject(out, "request", req);
	xasprintf(&text, "dry run: nothing was sent.\n%s %s%s%s",
	    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(req,
	    "method")), cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	    req, "path")), cJSON_IsString(soql) ? "\nSOQL: " : "",
	    cJSON_IsString(soql) ? soql->valuestring : "");
	/* Several requests (the RevOps tools): list them all, in order. */
	if (cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(out, "requests"))) {
		const cJSON *r;
		char *more;
		int i = 0;
		free(text);
		text = xstrdup("dry run: nothing was sent. The requests, in "
		    "order:");
		cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(out,
		    "requests")) {
			const char *s = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(r, "soql"));
			const char *n = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(r, "note"));
			xasprintf(&more, "%s\n%d. %s%s%s%s %s%s", text, ++i,
			    n != NULL ? "(" : "", n != NULL ? n : "",
			    n != NULL ? ")\n   " : "", cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(r, "method")),
			    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
			    r, "path")), s != NULL ? "\n   SOQL: " : "");
			free(text);
			xasprintf(&text, "%s%s", more, s != NULL ? s : "");
			free(more);
		}
	}
	cJSON_Delete(j);
	front_call_done(f, c, out, text);
	free(text);
}

static void
get_answer(struct front *f, struct call *c, uint32_t type, struct buf *b)
{
	const struct get_kind	*k = get_kind_of(c);
	cJSON			*j, *out, *table, *rec, *cols, *row;
	const cJSON		*records, *col, *cell;
	char			*text = NULL, *line;
	size_t			 i = 0;
	int			 ok;

	if (type != IMSG_SF_GET_R)
		fatalx("unexpected %s for %s", imsg_name(type), c->tool->name);
	if ((j = tools_answer_json(f, c, b)) == NULL)
		return;
	if ((out = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	cJSON_AddStringToObject(out, "object", k->object);
	cJSON_AddItemToObject(out, "id", cJSON_Duplicate(
	    cJSON_GetObjectItemCaseSensitive(j, "id"), 1));
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "dry_run"))) {
		tools_dry_run_done(f, c, j, out);
		return;
	}
	records = cJSON_GetObjectItemCaseSensitive(j, "records");
	table = records_flatten(records, &ok);
	if (!ok || cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(table,
	    "rows")) != 1) {
		cJSON_Delete(table);
		cJSON_Delete(out);
		cJSON_Delete(j);
		front_call_fail(f, c, "internal error: the broker's answer "
		    "has no record");
		return;
	}
	/* One record: field -> value, in the order read. */
	rec = cJSON_AddObjectToObject(out, "record");
	cols = cJSON_GetObjectItemCaseSensitive(table, "columns");
	row = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(table,
	    "rows"), 0);
	xasprintf(&text, "%s %s", k->object,
	    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "id")));
	cJSON_ArrayForEach(col, cols) {
		char *v;
		cell = cJSON_GetArrayItem(row, (int)i++);
		cJSON_AddItemToObject(rec, col->valuestring,
		    cJSON_Duplicate(cell, 1));
		v = records_cell_text(cell);
		xasprintf(&line, "%s\n%s: %s", text, col->valuestring, v);
		free(v);
		free(text);
		text = line;
	}
	cJSON_AddBoolToObject(out, "dry_run", 0);
	cJSON_Delete(table);
	cJSON_Delete(j);
	front_call_done(f, c, out, text);
	free(text);
}

/* -------------------------------------------------------------- query */

int
tools_soql_guard(struct front *f, const char *soql, char **out, char *err,
    size_t errlen)
{
	struct soql_opts	 opts;
	struct soql_info	 info;

	memset(&opts, 0, sizeof(opts));
	opts.fls = soql_fls_mode(front_fls_mode(f));
	opts.default_limit = SF_MAX_ROWS;
	return soql_rewrite(soql, strlen(soql), &opts, out, &info, err,
	    errlen);
}

static int
query_start(struct front *f, struct call *c, char *err, size_t errlen)
{
	const char		*soql = tools_arg_str(c, "soql");
	const char		*cursor = tools_arg_str(c, "cursor");
	struct buf		 b;
	char			*rewritten = NULL;
	char			 why[512];

	if (tools_arg_bool(c, "bypass_sharing")) {
		snprintf(err, errlen, "query: bypass_sharing=true is refused. "
		    "This server always runs queries as the integration user, "
		    "with its sharing rules and field-level security; there is "
		    "no way to bypass them. Call again without bypass_sharing.");
		return -1;
	}
	if ((soql == NULL) == (cursor == NULL)) {
		snprintf(err, errlen, "query: give either 'soql' (a new "
		    "query) or 'cursor' (the next page of an earlier one), "
		    "not %s", soql == NULL ? "neither" : "both");
		return -1;
	}
	buf_init(&b);
	if (cursor != NULL) {
		if (tools_arg_bool(c, "dry_run")) {
			buf_free(&b);
			snprintf(err, errlen, "query: dry_run applies to a new "
			    "soql statement, not to a cursor");
			return -1;
		}
		buf_put_str(&b, cursor);
		front_send_broker(f, c, IMSG_SF_MORE, &b);
		buf_free(&b);
		return 0;
	}
	/* Refuse early, with the same guard the broker applies again. */
	if (tools_soql_guard(f, soql, &rewritten, why, sizeof(why)) == -1) {
		buf_free(&b);
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	free(rewritten);
	buf_put_u32(&b, tools_arg_bool(c, "dry_run") ? REQ_DRY_RUN : 0);
	buf_put_str(&b, soql);
	front_send_broker(f, c, IMSG_SF_QUERY, &b);
	buf_free(&b);
	return 0;
}

/*
 * One page of a query (IMSG_SF_QUERY_R or IMSG_SF_MORE_R, not a dry
 * run), shared by query and stale_opps: out gets object, returned,
 * total_size, done, cursor, soql and dry_run; the flattened records are
 * returned as {columns, rows}.  j is consumed.  NULL: the call failed
 * (out is freed).
 */
cJSON *
tools_page_take(struct front *f, struct call *c, cJSON *j, cJSON *out)
{
	cJSON		*table;
	const cJSON	*v, *cursor;
	long		 total, returned;
	int		 ok;

	table = records_flatten(cJSON_GetObjectItemCaseSensitive(j, "records"),
	    &ok);
	if (!ok) {
		cJSON_Delete(table);
		cJSON_Delete(out);
		cJSON_Delete(j);
		front_call_fail(f, c, "internal error: the broker's answer "
		    "has no records");
		return NULL;
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
		cJSON_AddStringToObject(out, "cursor", cursor->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(j, "soql");
	if (cJSON_IsString(v))
		cJSON_AddStringToObject(out, "soql", v->valuestring);
	cJSON_AddBoolToObject(out, "dry_run", 0);
	cJSON_Delete(j);
	return table;
}

/* The page heading: "N of M rows", and how to get the rest. */
void
tools_page_heading(const cJSON *out, const char *tool, const char *what,
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

static void
query_answer(struct front *f, struct call *c, uint32_t type, struct buf *b)
{
	cJSON		*j, *out, *table;
	const cJSON	*v;
	char		*text, heading[512];

	if (type != IMSG_SF_QUERY_R && type != IMSG_SF_MORE_R)
		fatalx("unexpected %s for query", imsg_name(type));
	if ((j = tools_answer_json(f, c, b)) == NULL)
		return;
	if ((out = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "dry_run"))) {
		v = cJSON_GetObjectItemCaseSensitive(j, "object");
		if (cJSON_IsString(v))
			cJSON_AddStringToObject(out, "object", v->valuestring);
		tools_dry_run_done(f, c, j, out);
		return;
	}
	if ((table = tools_page_take(f, c, j, out)) == NULL)
		return;
	cJSON_AddItemToObject(out, "columns", cJSON_Duplicate(
	    cJSON_GetObjectItemCaseSensitive(table, "columns"), 1));
	cJSON_AddItemToObject(out, "rows", cJSON_Duplicate(
	    cJSON_GetObjectItemCaseSensitive(table, "rows"), 1));
	tools_page_heading(out, "query", "rows", heading, sizeof(heading));
	text = records_text(table, heading);
	cJSON_Delete(table);
	front_call_done(f, c, out, text);
	free(text);
}

/* -------------------------------------------------------------- table */

#define READ_TOOL(n, what, prefix, title, desc) \
	{ n, title, desc, GET_INPUT(what, prefix), GET_OUTPUT, \
	  TOOL_READ_ONLY | TOOL_IDEMPOTENT | TOOL_OPEN_WORLD, \
	  get_start, get_answer }

const struct tool tools[] = {
	READ_TOOL("get_account", "account", "001", "Get account",
	    "Read one Account by ID: name, type, industry, revenue, size, "
	    "location, owner and activity dates (or the fields you list)."),
	READ_TOOL("get_opportunity", "opportunity", "006", "Get opportunity",
	    "Read one Opportunity by ID with its account, stage, amount, "
	    "probability, forecast category, close date, last activity and "
	    "stage change, and the owner's name and email."),
	READ_TOOL("get_contact", "contact", "003", "Get contact",
	    "Read one Contact by ID: name, title, email, phone, account and "
	    "owner (or the fields you list)."),
	READ_TOOL("get_lead", "lead", "00Q", "Get lead",
	    "Read one Lead by ID: name, company, title, email, status, source, "
	    "rating and owner (or the fields you list)."),
	{ "query", "SOQL query",
	  "Run one read-only SOQL SELECT as the integration user. Refuses DML "
	  "and anything but a single SELECT before sending. Adds LIMIT 200 "
	  "when there is none and enforces field-level security. Returns at "
	  "most 200 rows per call as columns and rows; when more exist, pass "
	  "the returned cursor to fetch the next 200.",
	  query_input, query_output,
	  TOOL_READ_ONLY | TOOL_IDEMPOTENT | TOOL_OPEN_WORLD,
	  query_start, query_answer },
	{ "pipeline_by_stage", "Pipeline by stage",
	  "Open opportunities closing from today through the next "
	  "close_date_window_days days (default 90), by stage in the org's "
	  "stage order: number of deals, amount and weighted amount (expected "
	  "revenue), with totals. Optionally for one owner (a 005 User ID).",
	  revops_pipeline_input, revops_pipeline_output,
	  TOOL_READ_ONLY | TOOL_IDEMPOTENT | TOOL_OPEN_WORLD,
	  revops_pipeline_start, revops_pipeline_answer },
	{ "stale_opps", "Stale opportunities",
	  "Open opportunities whose stage has not changed for more than "
	  "days_in_stage_threshold days (default 30), oldest change first, "
	  "with days_in_stage; optionally for one owner. Returns at most 200 "
	  "rows per call; when more exist, pass the returned cursor to get "
	  "the next 200.",
	  revops_stale_input, revops_stale_output,
	  TOOL_READ_ONLY | TOOL_IDEMPOTENT | TOOL_OPEN_WORLD,
	  revops_stale_start, revops_stale_answer },
	{ "at_risk_commits", "At-risk commits",
	  "Open Commit-stage opportunities at risk: no activity in more than "
	  "14 days, or closing within the 14 days up to quarter_end_date with "
	  "no future meeting (Event) on the account. Each row says which "
	  "reasons apply. Checks at most 200 candidates, by close date, and "
	  "says when there are more.",
	  revops_risk_input, revops_risk_output,
	  TOOL_READ_ONLY | TOOL_IDEMPOTENT | TOOL_OPEN_WORLD,
	  revops_risk_start, revops_risk_answer },
};
const size_t ntools = sizeof(tools) / sizeof(tools[0]);

static cJSON	*input_schemas[sizeof(tools) / sizeof(tools[0])];
static cJSON	*output_schemas[sizeof(tools) / sizeof(tools[0])];

static size_t
tool_index(const struct tool *t)
{
	return (size_t)(t - tools);
}

const struct tool *
tools_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < ntools; i++)
		if (strcmp(tools[i].name, name) == 0)
			return &tools[i];
	return NULL;
}

const cJSON *
tools_input_schema(const struct tool *t)
{
	return input_schemas[tool_index(t)];
}

const cJSON *
tools_output_schema(const struct tool *t)
{
	return output_schemas[tool_index(t)];
}

void
tools_free(void)
{
	size_t	 i;

	for (i = 0; i < ntools; i++) {
		cJSON_Delete(input_schemas[i]);
		cJSON_Delete(output_schemas[i]);
		input_schemas[i] = output_schemas[i] = NULL;
	}
}

void
tools_init(void)
{
	char	 err[512];
	size_t	 i, j, n;

	for (i = 0; i < ntools; i++) {
		n = strlen(tools[i].name);
		if (n == 0 || n > 64)
			fatalx("tool name '%s' has a bad length", tools[i].name);
		for (j = 0; j < n; j++) {
			char ch = tools[i].name[j];
			if (!(('a' <= ch && ch <= 'z') || ('A' <= ch &&
			    ch <= 'Z') || ('0' <= ch && ch <= '9') ||
			    ch == '_' || ch == '-'))
				fatalx("tool name '%s' is not [a-zA-Z0-9_-]",
				    tools[i].name);
		}
		if ((input_schemas[i] = cJSON_Parse(tools[i].input_schema)) ==
		    NULL || (output_schemas[i] =
		    cJSON_Parse(tools[i].output_schema)) == NULL)
			fatalx("tool %s: schema is not JSON", tools[i].name);
		if (schema_check(input_schemas[i], err, sizeof(err)) == -1)
			fatalx("tool %s: inputSchema: %s", tools[i].name, err);
		if (schema_check(output_schemas[i], err, sizeof(err)) == -1)
			fatalx("tool %s: outputSchema: %s", tools[i].name, err);
	}
}
