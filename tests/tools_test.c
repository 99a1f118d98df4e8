/*
 * tools_test.c: every tool's handlers through the narrow context, with a
 * fake one (no front, no broker): argument errors, the exact typed
 * requests each tool issues, and the answers it builds from canned
 * broker answers and from IMSG_ERROR.
 */
#include "config.h"

#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "sfrevops.h"
#include "date.h"
#include "objects.h"
#include "schema.h"
#include "tool.h"
#include "tools/common.h"
#include "policy_table.h"
#include "tap.h"

#define MAX_REQ		8

/* The fake context: it records what the handler asks for. */
struct fake {
	struct tool_ctx	 ctx;
	cJSON		*args;
	int		 nreq;
	uint32_t	 type[MAX_REQ];
	struct buf	 req[MAX_REQ];
	int		 nprog;
	int		 total[MAX_REQ];
	char		 prog[MAX_REQ][200];
	/* elicitation: what was asked, and whether the client can */
	int		 can_elicit;
	int		 nelicit;
	char		*elicit_msg;
	cJSON		*elicit_schema;
	uint32_t	 abandon_type;
	struct buf	 abandon;
};

static void
fake_request(struct tool_ctx *ctx, uint32_t type, const struct buf *b)
{
	struct fake	*fk = ctx->opaque;

	if (fk->nreq == MAX_REQ)
		exit(2);
	fk->type[fk->nreq] = type;
	buf_init(&fk->req[fk->nreq]);
	buf_put_bytes(&fk->req[fk->nreq], b->data, b->len);
	fk->nreq++;
}

static void
fake_progress(struct tool_ctx *ctx, int total, const char *msg)
{
	struct fake	*fk = ctx->opaque;

	if (fk->nprog == MAX_REQ)
		exit(2);
	fk->total[fk->nprog] = total;
	strlcpy_sf(fk->prog[fk->nprog++], msg, sizeof(fk->prog[0]));
}

static int
fake_elicit(struct tool_ctx *ctx, const char *message, const cJSON *requested,
    uint32_t abandon_type, const struct buf *abandon, char *why,
    size_t whylen)
{
	struct fake	*fk = ctx->opaque;

	if (!fk->can_elicit) {
		snprintf(why, whylen, "the client did not declare elicitation");
		return -1;
	}
	fk->nelicit++;
	free(fk->elicit_msg);
	cJSON_Delete(fk->elicit_schema);
	buf_free(&fk->abandon);
	fk->elicit_msg = xstrdup(message);
	fk->elicit_schema = cJSON_Duplicate(requested, 1);
	fk->abandon_type = abandon_type;
	buf_init(&fk->abandon);
	buf_put_bytes(&fk->abandon, abandon->data, abandon->len);
	return 0;
}

static const struct tool_ops fake_ops = { fake_request, fake_progress,
	fake_elicit };

/* Set up a call of tool with args (JSON text), as the front would. */
static void
fake_init(struct fake *fk, const char *tool, const char *args)
{
	char	 err[512];

	memset(fk, 0, sizeof(*fk));
	if ((fk->ctx.tool = tools_find(tool)) == NULL ||
	    (fk->args = cJSON_Parse(args)) == NULL)
		exit(2);
	if (schema_validate(tools_input_schema(fk->ctx.tool), fk->args,
	    "argument", err, sizeof(err)) == -1) {
		printf("# %s %s: %s\n", tool, args, err);
		exit(2);
	}
	fk->ctx.args = fk->args;
	fk->ctx.fls_mode = "security_enforced";
	fk->ctx.commit_stage = "Commit";
	fk->ctx.client = "e2e-client 1.2.3";
	fk->ctx.ops = &fake_ops;
	fk->ctx.opaque = fk;
}

static enum tool_verdict
fake_start(struct fake *fk, const char *tool, const char *args)
{
	fake_init(fk, tool, args);
	return tool_start(&fk->ctx);
}

/* What the front does when a call ends; a result must also match the
 * tool's hand-written outputSchema. */
static void
fake_free(struct fake *fk)
{
	char	 err[512];
	int	 i;

	err[0] = '\0';
	if (fk->ctx.structured != NULL)
		ok(schema_validate(tools_output_schema(fk->ctx.tool),
		    fk->ctx.structured, "field", err, sizeof(err)) == 0,
		    "%s: the result matches its outputSchema: %s",
		    fk->ctx.tool->name, err);

	if (fk->ctx.state != NULL) {
		if (fk->ctx.tool->state_free != NULL)
			fk->ctx.tool->state_free(fk->ctx.state);
		else
			free(fk->ctx.state);
	}
	cJSON_Delete(fk->ctx.structured);
	free(fk->ctx.text);
	cJSON_Delete(fk->args);
	for (i = 0; i < fk->nreq; i++)
		buf_free(&fk->req[i]);
	free(fk->elicit_msg);
	cJSON_Delete(fk->elicit_schema);
	buf_free(&fk->abandon);
}

/* A canned answer of the broker: one JSON string. */
static enum tool_verdict
answer_json(struct fake *fk, uint32_t type, const char *json)
{
	struct buf	 b, r;
	enum tool_verdict v;

	buf_init(&b);
	buf_put_str(&b, json);
	buf_from(&r, b.data, b.len);
	v = tool_answer(&fk->ctx, type, &r);
	buf_free(&b);
	return v;
}

static enum tool_verdict
answer_error(struct fake *fk, uint32_t code, const char *msg)
{
	struct buf	 b, r;
	enum tool_verdict v;

	buf_init(&b);
	buf_put_u32(&b, code);
	buf_put_str(&b, msg);
	buf_from(&r, b.data, b.len);
	v = tool_answer(&fk->ctx, IMSG_ERROR, &r);
	buf_free(&b);
	return v;
}

/* Read request i's payload: u32 flags (if flags != NULL), then strings. */
static int
req_fields(struct fake *fk, int i, uint32_t *flags, char **s, int ns)
{
	struct buf	 r;
	int		 k;

	buf_from(&r, fk->req[i].data, fk->req[i].len);
	if (flags != NULL && buf_get_u32(&r, flags) == -1)
		return -1;
	for (k = 0; k < ns; k++)
		if (buf_get_str(&r, &s[k], IPC_MAX_PAYLOAD) == -1)
			return -1;
	return buf_get_end(&r);
}

/* The 18-character form of a 15-character ID. */
static void
id18_of(const char *id15, char out[19])
{
	memcpy(out, id15, 15);
	sfid_checksum(id15, out + 15);
	out[18] = '\0';
}

static const char *
str_at(const cJSON *o, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static double
num_at(const cJSON *o, const char *key)
{
	return cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static void
today_plus(long days, char out[11])
{
	date_fmt((long)(date_now_ms() / DAY_MS) + days, out);
}

/* ---------------------------------------------------------- the table */

/* Does reading argument name as type die (fatalx) in a child? */
static int
read_dies(const char *tool, const char *name, enum tool_arg_type type)
{
	struct fake	 fk;
	pid_t		 pid;
	int		 st;

	fflush(stdout);
	if ((pid = fork()) == -1)
		exit(2);
	if (pid == 0) {
		fake_init(&fk, tool, "{}");
		if (type == ARG_STRING)
			(void)tool_arg_str(&fk.ctx, name);
		else if (type == ARG_INTEGER)
			(void)tool_arg_int(&fk.ctx, name);
		else
			(void)tool_arg_bool(&fk.ctx, name);
		_exit(0);
	}
	if (waitpid(pid, &st, 0) == -1)
		exit(2);
	return !WIFEXITED(st) || WEXITSTATUS(st) != 0;
}

static void
test_registry(void)
{
	const struct tool	*t;
	const cJSON		*s, *p;
	char			 err[512];
	cJSON			*args;
	size_t			 i;

	ok(ntools == 10, "ten tools are registered");
	for (i = 0; i < ntools; i++) {
		t = tools[i];
		s = tools_input_schema(t);
		ok(schema_check(s, err, sizeof(err)) == 0 &&
		    cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(s,
		    "additionalProperties")), "%s: generated inputSchema is "
		    "well-formed and closed", t->name);
		ok(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
		    s, "properties"), "dry_run") != NULL, "%s takes dry_run",
		    t->name);
	}
	/* The generated schema says what the table says. */
	t = tools_find("pipeline_by_stage");
	p = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    tools_input_schema(t), "properties"), "close_date_window_days");
	ok(strcmp(str_at(p, "type"), "integer") == 0 &&
	    num_at(p, "minimum") == 1 && num_at(p, "maximum") == 3650 &&
	    num_at(p, "default") == 90, "pipeline_by_stage: the window's "
	    "bounds and default come from the table");
	t = tools_find("get_lead");
	s = tools_input_schema(t);
	p = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    s, "properties"), "fields");
	ok(num_at(p, "maxItems") == SF_MAX_FIELDS &&
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "uniqueItems")) &&
	    str_at(cJSON_GetObjectItemCaseSensitive(p, "items"), "pattern") !=
	    NULL, "get_lead: fields is a bounded array of patterned strings");
	is_str(cJSON_GetStringValue(cJSON_GetArrayItem(
	    cJSON_GetObjectItemCaseSensitive(s, "required"), 0)), "lead_id",
	    "get_lead: its ID argument, lead_id as in the design note, is "
	    "required");
	args = cJSON_Parse("{\"id\":\"00Q000000000007\"}");
	ok(schema_validate(s, args, "argument", err, sizeof(err)) == -1 &&
	    strstr(err, "lead_id") != NULL, "the old name 'id' is refused, "
	    "naming lead_id: %s", err);
	cJSON_Delete(args);
	/* And the validator enforces it. */
	args = cJSON_Parse("{\"close_date_window_days\":3651}");
	ok(schema_validate(tools_input_schema(tools_find("pipeline_by_stage")),
	    args, "argument", err, sizeof(err)) == -1 &&
	    strstr(err, "close_date_window_days") != NULL,
	    "a window above the table's maximum is refused: %s", err);
	cJSON_Delete(args);
	args = cJSON_Parse("{\"soql\":\"SELECT Id FROM Account\",\"limit\":5}");
	ok(schema_validate(tools_input_schema(tools_find("query")), args,
	    "argument", err, sizeof(err)) == -1 && strstr(err, "limit") != NULL,
	    "an argument the table does not declare is refused: %s", err);
	cJSON_Delete(args);
	ok(read_dies("query", "limit", ARG_INTEGER), "a handler cannot read an "
	    "argument its table does not declare");
	ok(read_dies("query", "soql", ARG_BOOLEAN), "nor read one with another "
	    "type than declared");
	ok(!read_dies("query", "soql", ARG_STRING) &&
	    !read_dies("pipeline_by_stage", "close_date_window_days",
	    ARG_INTEGER), "declared arguments read fine");
	is_str(objects_prefix("Lead"), "00Q", "Lead's key prefix is in the "
	    "object table");
	is_str(policy_object_prefix("Lead"), "00Q", "policy_object_prefix "
	    "reads the object table");
	ok(policy_object_prefix("Task") == NULL, "an object not in the table "
	    "is not readable");
}

/* ---------------------------------------------------------------- get */

static void
test_get(void)
{
	struct fake	 fk;
	char		 acct[19], lead[19], args[256], *s[3], json[1024];
	uint32_t	 flags;
	enum tool_verdict v;
	const cJSON	*rec;

	id18_of("001000000000001", acct);
	id18_of("00Q000000000007", lead);

	/* Argument errors: no request leaves. */
	v = fake_start(&fk, "get_account", "{\"account_id\":\"006000000000001\"}");
	ok(v == TOOL_FAIL && fk.nreq == 0 && strstr(fk.ctx.text,
	    "not a valid Account ID") != NULL && strstr(fk.ctx.text, "001") !=
	    NULL, "get_account refuses an Opportunity ID: %s", fk.ctx.text);
	fake_free(&fk);
	snprintf(args, sizeof(args), "{\"account_id\":\"%.15sZZZ\"}", acct);
	v = fake_start(&fk, "get_account", args);
	ok(v == TOOL_FAIL && fk.nreq == 0 && strstr(fk.ctx.text, "checksum")
	    != NULL, "get_account refuses a wrong checksum: %s", fk.ctx.text);
	fake_free(&fk);

	/* The request: flags, object, canonical ID, the default fields. */
	snprintf(args, sizeof(args), "{\"lead_id\":\"%.15s\"}", lead);
	v = fake_start(&fk, "get_lead", args);
	ok(v == TOOL_WAIT && fk.nreq == 1 && fk.type[0] == IMSG_SF_GET,
	    "get_lead issues one IMSG_SF_GET");
	ok(req_fields(&fk, 0, &flags, s, 3) == 0, "its payload is u32 and "
	    "three strings, nothing more");
	ok(flags == REQ_DEFAULT_FIELDS, "flags: the default fields, no dry "
	    "run");
	is_str(s[0], "Lead", "object Lead");
	is_str(s[1], lead, "the 15-character ID goes as its 18-character "
	    "form");
	is_str(s[2], objects_find("Lead")->fields, "the default fields of "
	    "the object table");
	free(s[0]);
	free(s[1]);
	free(s[2]);

	/* The answer. */
	snprintf(json, sizeof(json), "{\"object\":\"Lead\",\"id\":\"%s\","
	    "\"records\":[{\"attributes\":{\"type\":\"Lead\"},\"Id\":\"%s\","
	    "\"Company\":\"Acme\",\"Owner\":{\"attributes\":{\"type\":"
	    "\"User\"},\"Name\":\"Ann Lee\"},\"Rating\":null}]}", lead, lead);
	v = answer_json(&fk, IMSG_SF_GET_R, json);
	rec = cJSON_GetObjectItemCaseSensitive(fk.ctx.structured, "record");
	ok(v == TOOL_DONE, "get_lead is done with the record");
	is_str(str_at(fk.ctx.structured, "object"), "Lead", "object");
	is_str(str_at(fk.ctx.structured, "id"), lead, "id");
	is_str(str_at(rec, "Company"), "Acme", "a field");
	is_str(str_at(rec, "Owner.Name"), "Ann Lee", "a relationship field, "
	    "flattened");
	ok(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(rec, "Rating")),
	    "a null field stays null");
	ok(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(fk.ctx.structured,
	    "dry_run")), "dry_run false");
	ok(strstr(fk.ctx.text, "Owner.Name: Ann Lee") != NULL &&
	    strncmp(fk.ctx.text, "Lead ", 5) == 0, "the text lists field: "
	    "value");
	fake_free(&fk);

	/* Named fields and a dry run; the broker's refusal. */
	snprintf(args, sizeof(args), "{\"account_id\":\"%s\",\"fields\":[\"Name\","
	    "\"Owner.Name\"],\"dry_run\":true}", acct);
	v = fake_start(&fk, "get_account", args);
	ok(v == TOOL_WAIT && req_fields(&fk, 0, &flags, s, 3) == 0 &&
	    flags == REQ_DRY_RUN && strcmp(s[2], "Name,Owner.Name") == 0,
	    "named fields go as a list, with the dry-run flag only");
	free(s[0]);
	free(s[1]);
	free(s[2]);
	snprintf(json, sizeof(json), "{\"dry_run\":true,\"object\":"
	    "\"Account\",\"id\":\"%s\",\"method\":\"GET\",\"path\":"
	    "\"/services/data/v60.0/query?q=SELECT\",\"soql\":\"SELECT Name, "
	    "Owner.Name FROM Account\"}", acct);
	v = answer_json(&fk, IMSG_SF_GET_R, json);
	ok(v == TOOL_DONE && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
	    fk.ctx.structured, "dry_run")) && strcmp(str_at(
	    cJSON_GetObjectItemCaseSensitive(fk.ctx.structured, "request"),
	    "method"), "GET") == 0 && strstr(fk.ctx.text, "nothing was sent")
	    != NULL, "a dry run answers with the request");
	fake_free(&fk);

	snprintf(args, sizeof(args), "{\"account_id\":\"%s\"}", acct);
	(void)fake_start(&fk, "get_account", args);
	v = answer_error(&fk, SFE_NOT_FOUND, "no Account with ID x is "
	    "visible to the integration user");
	ok(v == TOOL_FAIL && fk.ctx.structured == NULL, "IMSG_ERROR fails the "
	    "call");
	is_str(fk.ctx.text, "no Account with ID x is visible to the "
	    "integration user", "with the broker's sentence");
	fake_free(&fk);

	(void)fake_start(&fk, "get_account", args);
	v = answer_json(&fk, IMSG_SF_GET_R, "[1,2]");
	ok(v == TOOL_FAIL && strstr(fk.ctx.text, "not a JSON object") != NULL,
	    "an answer that is not a JSON object fails the call");
	fake_free(&fk);
	(void)fake_start(&fk, "get_account", args);
	v = answer_json(&fk, IMSG_SF_GET_R, "{\"records\":[]}");
	ok(v == TOOL_FAIL && strstr(fk.ctx.text, "no record") != NULL,
	    "an answer without the record fails the call");
	fake_free(&fk);
}

/* -------------------------------------------------------------- query */

static void
test_query(void)
{
	struct fake	 fk;
	char		*s[2];
	uint32_t	 flags;
	enum tool_verdict v;
	const cJSON	*rows;
	const char	*cur = "c_0123456789abcdef0123456789abcdef";
	char		 args[256];

	v = fake_start(&fk, "query", "{\"soql\":\"SELECT Id FROM Account\","
	    "\"bypass_sharing\":true}");
	ok(v == TOOL_FAIL && fk.nreq == 0 && strstr(fk.ctx.text,
	    "bypass_sharing=true is refused") != NULL, "bypass_sharing is "
	    "refused before anything is sent");
	fake_free(&fk);
	v = fake_start(&fk, "query", "{}");
	ok(v == TOOL_FAIL && fk.nreq == 0 && strstr(fk.ctx.text, "neither")
	    != NULL, "neither soql nor cursor: refused");
	fake_free(&fk);
	snprintf(args, sizeof(args), "{\"soql\":\"SELECT Id FROM Account\","
	    "\"cursor\":\"%s\"}", cur);
	v = fake_start(&fk, "query", args);
	ok(v == TOOL_FAIL && fk.nreq == 0 && strstr(fk.ctx.text, "both") !=
	    NULL, "both soql and cursor: refused");
	fake_free(&fk);
	v = fake_start(&fk, "query", "{\"soql\":\"DELETE FROM Account\"}");
	ok(v == TOOL_FAIL && fk.nreq == 0, "DML is refused by the guard, "
	    "before sending: %s", fk.ctx.text);
	fake_free(&fk);

	v = fake_start(&fk, "query", "{\"soql\":\"SELECT Id, Name FROM "
	    "Account\"}");
	ok(v == TOOL_WAIT && fk.nreq == 1 && fk.type[0] == IMSG_SF_QUERY &&
	    req_fields(&fk, 0, &flags, s, 1) == 0 && flags == 0,
	    "a statement goes as IMSG_SF_QUERY, flags 0");
	is_str(s[0], "SELECT Id, Name FROM Account", "as written (the broker "
	    "guards it again)");
	free(s[0]);
	v = answer_json(&fk, IMSG_SF_QUERY_R, "{\"object\":\"Account\","
	    "\"soql\":\"SELECT Id, Name FROM Account WITH SECURITY_ENFORCED "
	    "LIMIT 200\",\"totalSize\":450,\"done\":false,\"cursor\":"
	    "\"c_0123456789abcdef0123456789abcdef\",\"records\":["
	    "{\"attributes\":{\"type\":\"Account\"},\"Id\":\"a1\",\"Name\":"
	    "\"One\"},{\"attributes\":{\"type\":\"Account\"},\"Id\":\"a2\","
	    "\"Name\":\"Two\"}]}");
	rows = cJSON_GetObjectItemCaseSensitive(fk.ctx.structured, "rows");
	ok(v == TOOL_DONE && cJSON_GetArraySize(rows) == 2, "the page has "
	    "two rows");
	is_str(cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetArrayItem(rows,
	    1), 1)), "Two", "row 2, column 2");
	is_str(cJSON_GetStringValue(cJSON_GetArrayItem(
	    cJSON_GetObjectItemCaseSensitive(fk.ctx.structured, "columns"), 1)),
	    "Name", "columns in SELECT order");
	ok(num_at(fk.ctx.structured, "returned") == 2 &&
	    num_at(fk.ctx.structured, "total_size") == 450 &&
	    cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(fk.ctx.structured,
	    "done")), "returned, total_size, done");
	is_str(str_at(fk.ctx.structured, "cursor"), cur, "the cursor");
	ok(strstr(fk.ctx.text, "2 of 450 rows; more: call query with cursor")
	    != NULL && strstr(fk.ctx.text, "Id\tName\na1\tOne\na2\tTwo") !=
	    NULL, "the text table and how to get more");
	fake_free(&fk);

	snprintf(args, sizeof(args), "{\"cursor\":\"%s\"}", cur);
	v = fake_start(&fk, "query", args);
	ok(v == TOOL_WAIT && fk.nreq == 1 && fk.type[0] == IMSG_SF_MORE &&
	    req_fields(&fk, 0, NULL, s, 1) == 0 && strcmp(s[0], cur) == 0,
	    "a cursor goes as IMSG_SF_MORE with the cursor alone");
	free(s[0]);
	v = answer_error(&fk, SFE_CURSOR, "unknown or expired cursor");
	ok(v == TOOL_FAIL && strcmp(fk.ctx.text, "unknown or expired cursor")
	    == 0, "an expired cursor: the broker's error");
	fake_free(&fk);
	snprintf(args, sizeof(args), "{\"cursor\":\"%s\",\"dry_run\":true}",
	    cur);
	v = fake_start(&fk, "query", args);
	ok(v == TOOL_FAIL && fk.nreq == 0, "a dry run of a cursor is refused");
	fake_free(&fk);
}

/* ---------------------------------------------------------- pipeline */

/* A new multi-currency pipeline_by_stage call, up to its dated-rates step. */
static void
pipeline_to_rates(struct fake *fk)
{
	pipeline_currency_forget();
	(void)fake_start(fk, "pipeline_by_stage", "{}");
	(void)answer_json(fk, IMSG_SF_DESCRIBE_R, "{\"fields\":["
	    "\"CurrencyIsoCode\"]}");
	(void)answer_json(fk, IMSG_SF_QUERY_R, "{\"records\":[{\"IsoCode\":"
	    "\"EUR\"}]}");
}

static void
test_pipeline(void)
{
	struct fake	 fk;
	char		*s[1], owner[19], args[128], to[11];
	uint32_t	 flags;
	enum tool_verdict v;
	const cJSON	*rows, *totals;

	v = fake_start(&fk, "pipeline_by_stage", "{\"owner_id\":"
	    "\"001000000000001\"}");
	ok(v == TOOL_FAIL && fk.nreq == 0 && strstr(fk.ctx.text, "owner_id")
	    != NULL, "an owner_id that is no User ID is refused");
	fake_free(&fk);

	id18_of("005000000000003", owner);
	snprintf(args, sizeof(args), "{\"close_date_window_days\":30,"
	    "\"owner_id\":\"%.15s\"}", owner);
	v = fake_start(&fk, "pipeline_by_stage", args);
	ok(v == TOOL_WAIT && fk.nreq == 1 && fk.type[0] == IMSG_SF_DESCRIBE &&
	    req_fields(&fk, 0, NULL, s, 1) == 0 && strcmp(s[0],
	    "Opportunity") == 0, "step 1: IMSG_SF_DESCRIBE Opportunity");
	free(s[0]);
	ok(fk.nprog == 1 && fk.total[0] == 4 && strstr(fk.prog[0],
	    "describe Opportunity") != NULL, "progress: step 1 of 4 named");
	pipeline_currency_forget();
	v = answer_json(&fk, IMSG_SF_DESCRIBE_R, "{\"object\":\"Opportunity\","
	    "\"fields\":[\"StageName\"],\"picklists\":{\"StageName\":["
	    "\"Prospecting\",\"Commit\",\"Closed Won\"]}}");
	ok(v == TOOL_WAIT && fk.nreq == 2 && fk.type[1] == IMSG_SF_QUERY &&
	    req_fields(&fk, 1, &flags, s, 1) == 0 && strcmp(s[0],
	    "SELECT DefaultCurrencyIsoCode FROM Organization") == 0,
	    "a single-currency org (no CurrencyIsoCode): its currency, from "
	    "Organization: %s", s[0]);
	free(s[0]);
	v = answer_json(&fk, IMSG_SF_QUERY_R, "{\"records\":[{"
	    "\"DefaultCurrencyIsoCode\":\"CHF\"}]}");
	ok(v == TOOL_WAIT && fk.nreq == 3 && fk.type[2] == IMSG_SF_QUERY &&
	    req_fields(&fk, 2, &flags, s, 1) == 0 && flags == 0,
	    "then one IMSG_SF_QUERY for the window");
	ok(strstr(s[0], "GROUP BY StageName") != NULL &&
	    strstr(s[0], "NEXT_N_DAYS:30") != NULL && strstr(s[0], owner) !=
	    NULL, "the aggregate, for the window and the owner: %s", s[0]);
	free(s[0]);
	ok(fk.nprog == 3 && strstr(fk.prog[2], "aggregate query") != NULL,
	    "progress: the aggregate named");
	v = answer_json(&fk, IMSG_SF_QUERY_R, "{\"object\":\"Opportunity\","
	    "\"soql\":\"SELECT ...\",\"totalSize\":3,\"done\":true,"
	    "\"records\":["
	    "{\"StageName\":\"Zeta\",\"deals\":1,\"amount_sum\":5,"
	    "\"weighted_sum\":1},"
	    "{\"StageName\":\"Commit\",\"deals\":2,\"amount_sum\":1000.004,"
	    "\"weighted_sum\":900},"
	    "{\"StageName\":\"Prospecting\",\"deals\":3,\"amount_sum\":300,"
	    "\"weighted_sum\":null}]}");
	ok(v == TOOL_WAIT && fk.nreq == 4 && req_fields(&fk, 3, &flags, s, 1)
	    == 0 && strstr(s[0], "CloseDate < TODAY") != NULL && strstr(s[0],
	    owner) != NULL && strstr(s[0], "GROUP BY IsClosed") != NULL,
	    "then the overdue ones, grouped: %s", s[0]);
	free(s[0]);
	v = answer_json(&fk, IMSG_SF_QUERY_R, "{\"records\":[{\"deals\":4,"
	    "\"amount_sum\":40,\"weighted_sum\":4}]}");
	rows = cJSON_GetObjectItemCaseSensitive(fk.ctx.structured, "rows");
	totals = cJSON_GetObjectItemCaseSensitive(fk.ctx.structured, "totals");
	ok(v == TOOL_DONE && cJSON_GetArraySize(rows) == 3, "done: three "
	    "stages");
	ok(strcmp(cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetArrayItem(
	    rows, 0), 0)), "Prospecting") == 0 && strcmp(cJSON_GetStringValue(
	    cJSON_GetArrayItem(cJSON_GetArrayItem(rows, 1), 0)), "Commit") == 0
	    && strcmp(cJSON_GetStringValue(cJSON_GetArrayItem(
	    cJSON_GetArrayItem(rows, 2), 0)), "Zeta") == 0, "in picklist "
	    "order, unknown stages last");
	ok(num_at(totals, "deals") == 6 && num_at(totals, "amount") == 1305 &&
	    num_at(totals, "weighted") == 901, "totals, to the cent");
	ok(num_at(cJSON_GetObjectItemCaseSensitive(fk.ctx.structured,
	    "overdue"), "deals") == 4, "the overdue line, apart");
	is_str(str_at(fk.ctx.structured, "currency"), "CHF", "the currency is "
	    "named");
	today_plus(30, to);
	is_str(str_at(fk.ctx.structured, "to"), to, "to: today plus the "
	    "window");
	is_str(str_at(fk.ctx.structured, "owner_id"), owner, "the owner, as "
	    "18 characters");
	ok(strstr(fk.ctx.text, "\ntotal\t6\t1305\t901\noverdue, still open")
	    != NULL && strstr(fk.ctx.text, "Amounts in CHF") != NULL, "the "
	    "text ends with the totals and the overdue line");
	fake_free(&fk);

	/* A multi-currency org, grouped by forecast category; the currency
	 * is asked once per process. */
	pipeline_currency_forget();
	(void)fake_start(&fk, "pipeline_by_stage", "{\"group_by\":"
	    "\"forecast_category\"}");
	v = answer_json(&fk, IMSG_SF_DESCRIBE_R, "{\"fields\":[\"Amount\","
	    "\"CurrencyIsoCode\"],\"picklists\":{\"ForecastCategoryName\":["
	    "\"Pipeline\",\"Best Case\",\"Commit\"]}}");
	ok(v == TOOL_WAIT && req_fields(&fk, 1, &flags, s, 1) == 0 &&
	    strcmp(s[0], "SELECT IsoCode FROM CurrencyType WHERE IsCorporate "
	    "= true") == 0, "multi-currency: the corporate currency");
	free(s[0]);
	(void)answer_json(&fk, IMSG_SF_QUERY_R, "{\"records\":[{\"IsoCode\":"
	    "\"EUR\"}]}");
	ok(req_fields(&fk, 2, &flags, s, 1) == 0 && strcmp(s[0],
	    "SELECT IsoCode FROM DatedConversionRate LIMIT 1") == 0,
	    "multi-currency: does it keep dated rates: %s", s[0]);
	free(s[0]);
	(void)answer_json(&fk, IMSG_SF_QUERY_R, "{\"records\":[{\"IsoCode\":"
	    "\"USD\"}]}");
	ok(req_fields(&fk, 3, &flags, s, 1) == 0 && strstr(s[0],
	    "SELECT ForecastCategoryName, COUNT(Id)") != NULL && strstr(s[0],
	    "GROUP BY ForecastCategoryName") != NULL, "grouped by forecast "
	    "category: %s", s[0]);
	free(s[0]);
	(void)answer_json(&fk, IMSG_SF_QUERY_R, "{\"records\":[{"
	    "\"ForecastCategoryName\":\"Commit\",\"deals\":1,\"amount_sum\":7,"
	    "\"weighted_sum\":7},{\"ForecastCategoryName\":\"Pipeline\","
	    "\"deals\":1,\"amount_sum\":1,\"weighted_sum\":0}]}");
	v = answer_json(&fk, IMSG_SF_QUERY_R, "{\"records\":[]}");
	rows = cJSON_GetObjectItemCaseSensitive(fk.ctx.structured, "rows");
	ok(v == TOOL_DONE && strcmp(cJSON_GetStringValue(cJSON_GetArrayItem(
	    cJSON_GetArrayItem(rows, 0), 0)), "Pipeline") == 0 &&
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(fk.ctx.structured,
	    "multi_currency")) && strcmp(str_at(fk.ctx.structured, "currency"),
	    "EUR") == 0 && num_at(cJSON_GetObjectItemCaseSensitive(
	    fk.ctx.structured, "overdue"), "deals") == 0, "in the picklist's "
	    "order, in EUR, nothing overdue");
	is_str(str_at(fk.ctx.structured, "currency_rates"), "dated rates "
	    "(advanced currency management)", "a row of DatedConversionRate: "
	    "dated rates, said");
	ok(strstr(fk.ctx.text, "each deal at the DatedConversionRate of its "
	    "CloseDate") != NULL, "and in the text");
	fake_free(&fk);
	/* DatedConversionRate refused (INVALID_TYPE): the current rates. */
	pipeline_to_rates(&fk);
	v = answer_error(&fk, SFE_SALESFORCE, "Salesforce refused the query: "
	    "INVALID_TYPE: sObject type 'DatedConversionRate' is not "
	    "supported.");
	ok(v == TOOL_WAIT && fk.nreq == 4 && req_fields(&fk, 3, &flags, s, 1)
	    == 0 && strstr(s[0], "GROUP BY StageName") != NULL, "INVALID_TYPE "
	    "of DatedConversionRate: no dated rates, the window next");
	free(s[0]);
	(void)answer_json(&fk, IMSG_SF_QUERY_R, "{\"records\":[]}");
	v = answer_json(&fk, IMSG_SF_QUERY_R, "{\"records\":[]}");
	ok(v == TOOL_DONE, "done");
	is_str(str_at(fk.ctx.structured, "currency_rates"), "the current rate "
	    "of each currency (CurrencyType)", "the current rates, said");
	fake_free(&fk);
	/* Another error of that step ends the call with it. */
	pipeline_to_rates(&fk);
	v = answer_error(&fk, SFE_NETWORK, "the connection to x timed out");
	ok(v == TOOL_FAIL && strcmp(fk.ctx.text, "the connection to x timed "
	    "out") == 0, "a network failure of that step is the call's error");
	fake_free(&fk);
	/* The cache again, as the next test expects: EUR, dated. */
	pipeline_to_rates(&fk);
	(void)answer_json(&fk, IMSG_SF_QUERY_R, "{\"records\":[{}]}");
	fake_free(&fk);
	(void)fake_start(&fk, "pipeline_by_stage", "{}");
	v = answer_json(&fk, IMSG_SF_DESCRIBE_R, "{\"fields\":["
	    "\"CurrencyIsoCode\"]}");
	ok(v == TOOL_WAIT && fk.nreq == 2 && req_fields(&fk, 1, &flags, s, 1)
	    == 0 && strstr(s[0], "GROUP BY StageName") != NULL, "the second "
	    "call asks no currency: it was kept");
	free(s[0]);
	fake_free(&fk);

	/* A dry run: the query only, and both requests listed. */
	v = fake_start(&fk, "pipeline_by_stage", "{\"dry_run\":true}");
	ok(v == TOOL_WAIT && fk.nreq == 1 && fk.type[0] == IMSG_SF_QUERY &&
	    req_fields(&fk, 0, &flags, s, 1) == 0 && flags == REQ_DRY_RUN &&
	    strstr(s[0], "NEXT_N_DAYS:90") != NULL, "a dry run sends only the "
	    "query, as a dry run, with the default window");
	free(s[0]);
	v = answer_json(&fk, IMSG_SF_QUERY_R, "{\"dry_run\":true,\"object\":"
	    "\"Opportunity\",\"method\":\"GET\",\"path\":\"/services/data/"
	    "v60.0/query?q=x\",\"soql\":\"SELECT x\"}");
	ok(v == TOOL_DONE && cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
	    fk.ctx.structured, "requests")) == 6 && strstr(fk.ctx.text,
	    "/services/data/v60.0/sobjects/Opportunity/describe") != NULL &&
	    strstr(fk.ctx.text, "CurrencyType") != NULL && strstr(fk.ctx.text,
	    "CloseDate < TODAY") != NULL && strstr(fk.ctx.text,
	    "DatedConversionRate") != NULL, "the dry run lists the describe, "
	    "the currency, the dated rates, the window and the overdue");
	fake_free(&fk);

	(void)fake_start(&fk, "pipeline_by_stage", "{}");
	v = answer_error(&fk, SFE_AUTH, "the access token was refused");
	ok(v == TOOL_FAIL && strcmp(fk.ctx.text, "the access token was "
	    "refused") == 0 && fk.nreq == 1, "IMSG_ERROR at step 1 ends the "
	    "call, with nothing more sent");
	fake_free(&fk);
}

/* ------------------------------------------------------------- stale */

/* Is name one of the columns? */
static int
column_is(const cJSON *cols, const char *name)
{
	const cJSON	*c;

	cJSON_ArrayForEach(c, cols)
		if (cJSON_IsString(c) && strcmp(c->valuestring, name) == 0)
			return 1;
	return 0;
}

static void
test_stale(void)
{
	struct fake	 fk;
	char		*s[1], json[4096], old[32], older[32], opp[19];
	uint32_t	 flags;
	enum tool_verdict v;
	const cJSON	*row, *cols;
	long long	 now = date_now_ms();
	long		 day = (long)(now / DAY_MS) - 40;

	v = fake_start(&fk, "stale_opps", "{\"cursor\":"
	    "\"c_0123456789abcdef0123456789abcdef\",\"days_in_stage_threshold\""
	    ":10}");
	ok(v == TOOL_FAIL && fk.nreq == 0 && strstr(fk.ctx.text, "not both")
	    != NULL, "a cursor with search arguments is refused");
	fake_free(&fk);

	v = fake_start(&fk, "stale_opps", "{}");
	ok(v == TOOL_WAIT && fk.nreq == 1 && fk.type[0] == IMSG_SF_DESCRIBE,
	    "first: describe Opportunity");
	v = answer_json(&fk, IMSG_SF_DESCRIBE_R, "{\"object\":\"Opportunity\","
	    "\"fields\":[\"Id\",\"LastStageChangeDate\",\"CreatedDate\"]}");
	ok(v == TOOL_WAIT && fk.nreq == 2 && fk.type[1] == IMSG_SF_QUERY &&
	    req_fields(&fk, 1, &flags, s, 1) == 0 && flags == REQ_ALL_ROWS &&
	    strstr(s[0], "(LastStageChangeDate < LAST_N_DAYS:30 OR "
	    "(LastStageChangeDate = null AND CreatedDate < LAST_N_DAYS:30)) "
	    "ORDER BY") != NULL && strstr(s[0], "LIMIT") == NULL,
	    "with the field: one query, never-moved deals by CreatedDate, no "
	    "LIMIT at all (REQ_ALL_ROWS), so totalSize counts every one: %s",
	    s[0]);
	/* The page, with the statement the broker sent. */
	date_fmt(day, old);
	date_fmt(day - 10, older);
	snprintf(json, sizeof(json), "{\"object\":\"Opportunity\",\"soql\":"
	    "\"%s\",\"totalSize\":900,\"done\":false,\"cursor\":"
	    "\"c_0123456789abcdef0123456789abcdef\",\"records\":[{\"attributes\":"
	    "{\"type\":\"Opportunity\"},\"Id\":\"o1\",\"Name\":\"Deal\","
	    "\"LastStageChangeDate\":\"%sT00:00:00.000+0000\",\"CreatedDate\":"
	    "\"%sT00:00:00.000+0000\"},{\"Id\":\"o2\",\"Name\":\"Never\","
	    "\"LastStageChangeDate\":null,\"CreatedDate\":"
	    "\"%sT00:00:00.000+0000\"}]}", s[0], old, older, older);
	free(s[0]);
	v = answer_json(&fk, IMSG_SF_QUERY_R, json);
	cols = cJSON_GetObjectItemCaseSensitive(fk.ctx.structured, "columns");
	row = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
	    fk.ctx.structured, "rows"), 0);
	ok(v == TOOL_DONE && fk.nreq == 2 && strcmp(cJSON_GetStringValue(
	    cJSON_GetArrayItem(cols, 4)), "days_in_stage") == 0,
	    "a days_in_stage column is added, nothing more is sent");
	ok(cJSON_GetNumberValue(cJSON_GetArrayItem(row, 4)) == 40,
	    "days_in_stage counts whole days since the change (40)");
	row = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
	    fk.ctx.structured, "rows"), 1);
	ok(cJSON_GetNumberValue(cJSON_GetArrayItem(row, 4)) == 50,
	    "a deal that never moved counts from CreatedDate (50)");
	ok(num_at(fk.ctx.structured, "total_size") == 900 &&
	    strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	    fk.ctx.structured, "stage_change_source")), "LastStageChangeDate")
	    == 0, "the total from totalSize; the source is named");
	fake_free(&fk);

	/* No LastStageChangeDate: stage history. */
	v = fake_start(&fk, "stale_opps", "{\"days_in_stage_threshold\":45}");
	v = answer_json(&fk, IMSG_SF_DESCRIBE_R, "{\"object\":\"Opportunity\","
	    "\"fields\":[\"Id\",\"CreatedDate\"]}");
	ok(v == TOOL_WAIT && fk.nreq == 2 && req_fields(&fk, 1, &flags, s, 1)
	    == 0 && strstr(s[0], "CreatedDate < LAST_N_DAYS:45 AND Id NOT IN "
	    "(SELECT OpportunityId FROM OpportunityHistory WHERE CreatedDate = "
	    "LAST_N_DAYS:45)") != NULL && strstr(s[0], "LastStageChangeDate")
	    == NULL, "without the field: an anti-join on OpportunityHistory, "
	    "and the field is never named: %s", s[0]);
	id18_of("006000000000001", opp);
	snprintf(json, sizeof(json), "{\"object\":\"Opportunity\",\"soql\":"
	    "\"%s\",\"totalSize\":1,\"done\":true,\"records\":[{\"Id\":\"%s\","
	    "\"Name\":\"Deal\",\"CreatedDate\":\"%sT00:00:00.000+0000\"}]}",
	    s[0], opp, older);
	free(s[0]);
	v = answer_json(&fk, IMSG_SF_QUERY_R, json);
	ok(v == TOOL_WAIT && fk.nreq == 3 && req_fields(&fk, 2, &flags, s, 1)
	    == 0 && strstr(s[0], "FROM OpportunityHistory WHERE OpportunityId "
	    "IN ('") != NULL && strstr(s[0], opp) != NULL && strstr(s[0],
	    "GROUP BY OpportunityId") != NULL, "then the page's last history "
	    "rows, grouped: %s", s[0]);
	free(s[0]);
	snprintf(json, sizeof(json), "{\"soql\":\"H\",\"records\":[{"
	    "\"OpportunityId\":\"%s\",\"latest\":\"%sT00:00:00.000+0000\"}]}",
	    opp, old);
	v = answer_json(&fk, IMSG_SF_QUERY_R, json);
	cols = cJSON_GetObjectItemCaseSensitive(fk.ctx.structured, "columns");
	row = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
	    fk.ctx.structured, "rows"), 0);
	ok(v == TOOL_DONE && column_is(cols, "last_change") &&
	    cJSON_GetNumberValue(cJSON_GetArrayItem(row,
	    cJSON_GetArraySize(cols) - 1)) == 40, "days_in_stage from the last "
	    "history row (40)");
	ok(strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	    fk.ctx.structured, "stage_change_source")), "OpportunityHistory")
	    == 0 && strstr(fk.ctx.text, "no Opportunity.LastStageChangeDate")
	    != NULL, "the result says it fell back to stage history");
	fake_free(&fk);

	(void)fake_start(&fk, "stale_opps",
	    "{\"cursor\":\"c_0123456789abcdef0123456789abcdef\"}");
	ok(fk.type[0] == IMSG_SF_MORE, "a cursor alone pages by IMSG_SF_MORE");
	v = answer_json(&fk, IMSG_SF_MORE_R, "{\"object\":\"Account\","
	    "\"soql\":\"SELECT Id FROM Account\",\"totalSize\":1,\"done\":true,"
	    "\"records\":[]}");
	ok(v == TOOL_FAIL && strstr(fk.ctx.text, "belongs to another query")
	    != NULL, "the cursor of another query is refused");
	fake_free(&fk);
}

/* -------------------------------------------------------------- risk */

static void
test_risk(void)
{
	struct fake	 fk;
	char		*s[1], *cand, json[8192], close_in[11], close_out[11];
	char		 q[11], acct[19], recent[11], stale[11];
	uint32_t	 flags;
	enum tool_verdict v;
	const cJSON	*rows;
	long		 today = (long)(date_now_ms() / DAY_MS);

	v = fake_start(&fk, "at_risk_commits", "{\"quarter_end_date\":"
	    "\"1600-03-31\"}");
	ok(v == TOOL_FAIL && fk.nreq == 0 && strstr(fk.ctx.text, "1700") !=
	    NULL, "a date outside Salesforce's range is refused");
	fake_free(&fk);

	date_fmt(today + 30, q);
	date_fmt(today + 25, close_in);
	date_fmt(today + 5, close_out);
	date_fmt(today - 2, recent);
	date_fmt(today - 30, stale);
	id18_of("001000000000009", acct);
	snprintf(json, sizeof(json), "{\"quarter_end_date\":\"%s\"}", q);
	v = fake_start(&fk, "at_risk_commits", json);
	ok(v == TOOL_WAIT && fk.nreq == 1 && fk.type[0] == IMSG_SF_DESCRIBE,
	    "first: describe Opportunity");
	v = answer_json(&fk, IMSG_SF_DESCRIBE_R, "{\"picklists\":{\"StageName\""
	    ":[\"Prospecting\",\"Closed Won\"]}}");
	ok(v == TOOL_FAIL && fk.nreq == 1 && strstr(fk.ctx.text,
	    "'Commit' (SFDC_COMMIT_STAGE_NAME) is not an active stage") != NULL
	    && strstr(fk.ctx.text, "'Prospecting', 'Closed Won'") != NULL,
	    "a commit stage the org lacks is refused, naming the stages");
	fake_free(&fk);

	(void)fake_start(&fk, "at_risk_commits", json);
	v = answer_json(&fk, IMSG_SF_DESCRIBE_R, "{\"picklists\":{\"StageName\""
	    ":[\"Prospecting\",\"Commit\"]}}");
	ok(v == TOOL_WAIT && fk.nreq == 2 && fk.type[1] == IMSG_SF_QUERY &&
	    req_fields(&fk, 1, &flags, s, 1) == 0 && flags == REQ_ALL_ROWS &&
	    strstr(s[0], "StageName = 'Commit'") != NULL && strstr(s[0],
	    "LastActivityDate < LAST_N_DAYS:14 OR") != NULL &&
	    strstr(s[0], "LIMIT") == NULL,
	    "then every candidate, by date literal, no LIMIT at all "
	    "(REQ_ALL_ROWS): %s", s[0]);
	cand = s[0];
	/* Two candidates of 450: one stale, one closing in the window. */
	snprintf(json, sizeof(json), "{\"object\":\"Opportunity\",\"soql\":"
	    "\"%s WITH SECURITY_ENFORCED\",\"totalSize\":450,\"done\":false,"
	    "\"cursor\":\"c_0123456789abcdef0123456789abcdef\",\"records\":["
	    "{\"Id\":\"o1\",\"Name\":\"Old\",\"AccountId\":\"%s\",\"Account\":"
	    "{\"Name\":\"Acme\"},\"Amount\":10,\"CloseDate\":\"%s\","
	    "\"LastActivityDate\":\"%s\",\"Owner\":{\"Name\":\"Ann\"}},"
	    "{\"Id\":\"o2\",\"Name\":\"Late\",\"AccountId\":\"%s\",\"Account\":"
	    "{\"Name\":\"Acme\"},\"Amount\":20,\"CloseDate\":\"%s\","
	    "\"LastActivityDate\":\"%s\",\"Owner\":{\"Name\":\"Bo\"}}]}",
	    cand, acct, close_out, stale, acct, close_in, recent);
	v = answer_json(&fk, IMSG_SF_QUERY_R, json);
	ok(v == TOOL_WAIT && fk.nreq == 3 && fk.type[2] == IMSG_SF_QUERY &&
	    req_fields(&fk, 2, &flags, s, 1) == 0 && strstr(s[0],
	    "FROM Event WHERE AccountId IN ('") != NULL && strstr(s[0], acct)
	    != NULL && strstr(s[0], "StartDateTime >= TODAY") != NULL,
	    "then the Event check for the page's accounts in the window, "
	    "from TODAY: %s", s[0]);
	free(s[0]);
	ok(fk.nprog == 3 && strstr(fk.prog[2], "Event check") != NULL,
	    "progress names the Event check");
	v = answer_json(&fk, IMSG_SF_QUERY_R, "{\"object\":\"Event\","
	    "\"totalSize\":0,\"done\":true,\"records\":[]}");
	rows = cJSON_GetObjectItemCaseSensitive(fk.ctx.structured, "rows");
	ok(v == TOOL_DONE && cJSON_GetArraySize(rows) == 2, "both are at "
	    "risk");
	is_str(cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetArrayItem(rows,
	    0), 7)), "no activity in 14+ days", "reason (a)");
	is_str(cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetArrayItem(rows,
	    1), 7)), "closes within 14 days of quarter end with no future "
	    "meeting", "reason (b)");
	is_str(cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetArrayItem(rows,
	    1), 2)), "Acme", "Account.Name from the nested record");
	ok(!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(fk.ctx.structured,
	    "done")) && num_at(fk.ctx.structured, "candidates") == 2 &&
	    num_at(fk.ctx.structured, "candidates_total") == 450,
	    "not done: 2 candidates here, 450 in all, from totalSize");
	is_str(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	    fk.ctx.structured, "cursor")), "c_0123456789abcdef0123456789abcdef",
	    "the broker's cursor is handed on");
	is_str(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	    fk.ctx.structured, "window_to")), q, "the window's dates are "
	    "stated");
	ok(strstr(fk.ctx.text, "call at_risk_commits with cursor") != NULL,
	    "the text says how to go on");
	fake_free(&fk);

	/* The cursor: no describe, one SF_MORE, then the Event check. */
	snprintf(json, sizeof(json), "{\"quarter_end_date\":\"%s\","
	    "\"cursor\":\"c_0123456789abcdef0123456789abcdef\"}", q);
	v = fake_start(&fk, "at_risk_commits", json);
	ok(v == TOOL_WAIT && fk.nreq == 1 && fk.type[0] == IMSG_SF_MORE,
	    "a cursor pages by IMSG_SF_MORE, with no describe");
	snprintf(json, sizeof(json), "{\"soql\":\"%s\",\"totalSize\":450,"
	    "\"done\":true,\"records\":[{\"Id\":\"o2\",\"AccountId\":\"%s\","
	    "\"CloseDate\":\"%s\",\"LastActivityDate\":\"%s\"}]}", cand, acct,
	    close_in, recent);
	v = answer_json(&fk, IMSG_SF_MORE_R, json);
	ok(v == TOOL_WAIT && fk.nreq == 2 && fk.type[1] == IMSG_SF_QUERY,
	    "then the Event check of that page");
	snprintf(json, sizeof(json), "{\"records\":[{\"AccountId\":\"%s\"}]}",
	    acct);
	/* A future meeting on the account clears reason (b). */
	v = answer_json(&fk, IMSG_SF_QUERY_R, json);
	ok(v == TOOL_DONE && cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
	    fk.ctx.structured, "rows")) == 0 && strncmp(fk.ctx.text,
	    "0 at-risk Commit", 16) == 0 && cJSON_IsTrue(
	    cJSON_GetObjectItemCaseSensitive(fk.ctx.structured, "done")) &&
	    cJSON_GetObjectItemCaseSensitive(fk.ctx.structured, "cursor") ==
	    NULL, "a future meeting: not at risk; the last page has no cursor");
	fake_free(&fk);

	/* A cursor of another quarter is refused. */
	snprintf(json, sizeof(json), "{\"quarter_end_date\":\"2030-03-31\","
	    "\"cursor\":\"c_0123456789abcdef0123456789abcdef\"}");
	(void)fake_start(&fk, "at_risk_commits", json);
	snprintf(json, sizeof(json), "{\"soql\":\"%s\",\"totalSize\":1,"
	    "\"done\":true,\"records\":[]}", cand);
	v = answer_json(&fk, IMSG_SF_MORE_R, json);
	ok(v == TOOL_FAIL && strstr(fk.ctx.text, "another quarter_end_date")
	    != NULL, "a cursor of another quarter is refused");
	fake_free(&fk);
	free(cand);

	(void)fake_start(&fk, "at_risk_commits", "{\"quarter_end_date\":"
	    "\"2030-03-31\"}");
	(void)answer_json(&fk, IMSG_SF_DESCRIBE_R, "{}");
	v = answer_error(&fk, SFE_SALESFORCE, "Salesforce refused the query");
	ok(v == TOOL_FAIL && strcmp(fk.ctx.text, "Salesforce refused the "
	    "query") == 0, "IMSG_ERROR at the candidates ends the call");
	fake_free(&fk);
}

/* -------------------------------------------------------------- writes */

/* A text's first line, for a test's name (TAP names are one line). */
static const char *
first_line(const char *text)
{
	static char	 line[300];

	strlcpy_sf(line, text != NULL ? text : "(none)", sizeof(line));
	line[strcspn(line, "\n")] = '\0';
	return line;
}

#define OPP15	"006000000000001"
#define ACC15	"001000000000001"

/* Does the schema refuse these arguments of tool? */
static int
args_refused(const char *tool, const char *args, char *err, size_t len)
{
	cJSON	*a = cJSON_Parse(args);
	int	 r;

	if (a == NULL)
		exit(2);
	err[0] = '\0';
	r = schema_validate(tools_input_schema(tools_find(tool)), a,
	    "argument", err, len) == -1;
	cJSON_Delete(a);
	return r;
}

/* update_field arguments with a string of n 'x' for key (value JSON
 * text: quoted). */
static char *
update_args_with(const char *key, size_t n)
{
	char	*big, *args;

	big = xcalloc(1, n + 1);
	memset(big, 'x', n);
	if (strcmp(key, "new_value") == 0)
		xasprintf(&args, "{\"object_type\":\"Opportunity\",\"object_id\":"
		    "\"" OPP15 "\",\"field_name\":\"NextStep\",\"new_value\":"
		    "\"%s\",\"justification\":\"the customer asked for it\"}",
		    big);
	else
		xasprintf(&args, "{\"object_type\":\"Opportunity\",\"object_id\":"
		    "\"" OPP15 "\",\"field_name\":\"NextStep\",\"new_value\":"
		    "\"x\",\"justification\":\"%s\"}", big);
	free(big);
	return args;
}

static char *
note_args_with(const char *key, size_t n)
{
	char	*big, *args;

	big = xcalloc(1, n + 1);
	memset(big, 'y', n);
	if (strcmp(key, "body") == 0)
		xasprintf(&args, "{\"object_type\":\"Account\",\"object_id\":"
		    "\"" ACC15 "\",\"body\":\"%s\"}", big);
	else
		xasprintf(&args, "{\"object_type\":\"Account\",\"object_id\":"
		    "\"" ACC15 "\",\"body\":\"b\",\"title\":\"%s\"}", big);
	free(big);
	return args;
}

static void
test_write_args(void)
{
	const struct tool	*u = tools_find("update_field");
	const struct tool	*n = tools_find("add_note");
	const cJSON		*p, *t;
	struct fake		 fk;
	enum tool_verdict	 v;
	char			 err[512], *args;
	struct {
		const char *key;
		size_t limit;
		int note;
	} lim[] = {
		{ "new_value", 131072, 0 }, { "justification", 2000, 0 },
		{ "body", 32768, 1 }, { "title", 255, 1 },
	};
	size_t			 i;

	ok(u != NULL && n != NULL, "update_field and add_note are listed");
	ok((u->flags & TOOL_DESTRUCTIVE) && !(u->flags & TOOL_READ_ONLY) &&
	    !(u->flags & TOOL_IDEMPOTENT) && (u->flags & TOOL_OPEN_WORLD) &&
	    (u->flags & TOOL_WRITE), "update_field: not read-only, "
	    "destructive, not idempotent, open world, a write");
	ok(!(n->flags & TOOL_DESTRUCTIVE) && !(n->flags & TOOL_READ_ONLY) &&
	    !(n->flags & TOOL_IDEMPOTENT) && (n->flags & TOOL_OPEN_WORLD) &&
	    (n->flags & TOOL_WRITE), "add_note: not read-only, not "
	    "destructive, not idempotent, open world, a write");
	p = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    tools_input_schema(u), "properties"), "new_value");
	t = cJSON_GetObjectItemCaseSensitive(p, "type");
	ok(cJSON_IsArray(t) && cJSON_GetArraySize(t) == 4 &&
	    strcmp(cJSON_GetArrayItem(t, 3)->valuestring, "null") == 0,
	    "new_value is a string, a number, a boolean or null");
	ok(strstr(u->description, "audit row") != NULL &&
	    strstr(u->description, "elicitation") != NULL &&
	    strstr(n->description, "audit row") != NULL &&
	    strstr(n->description, "elicitation") != NULL, "both "
	    "descriptions state the audit guarantee and the confirmation");

	/* Bounds: the limit passes, one more is refused naming it. */
	for (i = 0; i < sizeof(lim) / sizeof(lim[0]); i++) {
		args = lim[i].note ? note_args_with(lim[i].key, lim[i].limit) :
		    update_args_with(lim[i].key, lim[i].limit);
		ok(!args_refused(lim[i].note ? "add_note" : "update_field",
		    args, err, sizeof(err)), "%s of %zu characters is taken: "
		    "%s", lim[i].key, lim[i].limit, err);
		free(args);
		args = lim[i].note ? note_args_with(lim[i].key, lim[i].limit +
		    1) : update_args_with(lim[i].key, lim[i].limit + 1);
		ok(args_refused(lim[i].note ? "add_note" : "update_field", args,
		    err, sizeof(err)) && strstr(err, lim[i].key) != NULL,
		    "%s of %zu characters is refused: %.80s", lim[i].key,
		    lim[i].limit + 1, err);
		free(args);
	}
	ok(args_refused("update_field", "{\"object_type\":\"Opportunity\","
	    "\"object_id\":\"" OPP15 "\",\"field_name\":\"NextStep\","
	    "\"new_value\":[1],\"justification\":\"because it is so\"}", err,
	    sizeof(err)) && strstr(err, "new_value") != NULL,
	    "an array for new_value is refused: %s", err);
	ok(args_refused("update_field", "{\"object_type\":\"Task\","
	    "\"object_id\":\"" OPP15 "\",\"field_name\":\"NextStep\","
	    "\"new_value\":1,\"justification\":\"because it is so\"}", err,
	    sizeof(err)) && strstr(err, "object_type' must be one of Account, "
	    "Opportunity, Contact or Lead") != NULL,
	    "an object outside the allow-list is refused: %s", err);
	p = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    tools_input_schema(n), "properties"), "object_type");
	ok(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(p, "enum")) ==
	    4 && strcmp(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(p,
	    "enum"), 3)->valuestring, "Lead") == 0, "object_type is an enum "
	    "of the four objects");
	ok(args_refused("update_field", "{\"object_type\":\"Opportunity\","
	    "\"object_id\":\"" OPP15 "\",\"field_name\":\"Owner.Name\","
	    "\"new_value\":1,\"justification\":\"because it is so\"}", err,
	    sizeof(err)), "a relationship path is no field name: %s", err);
	ok(args_refused("update_field", "{\"object_type\":\"Opportunity\","
	    "\"object_id\":\"" OPP15 "\",\"field_name\":\"NextStep\","
	    "\"new_value\":1}", err, sizeof(err)) &&
	    strstr(err, "justification") != NULL, "justification is "
	    "required: %s", err);
	ok(args_refused("add_note", "{\"object_type\":\"Account\","
	    "\"object_id\":\"" ACC15 "\",\"body\":\"\"}", err, sizeof(err)),
	    "an empty body is refused: %s", err);

	/* The largest arguments, escaped at their widest (\u0001 is six
	 * bytes of JSON), still fit the writer's row. */
	{
		char *big, *jus, *a;
		size_t k;

		big = xcalloc(1, 131072 * 6 + 1);
		jus = xcalloc(1, 2000 * 6 + 1);
		for (k = 0; k < 131072; k++)
			memcpy(big + k * 6, "\\u0001", 6);
		for (k = 0; k < 2000; k++)
			memcpy(jus + k * 6, "\\u0001", 6);
		xasprintf(&a, "{\"object_type\":\"Opportunity\",\"object_id\":"
		    "\"" OPP15 "\",\"field_name\":\"NextStep\",\"new_value\":"
		    "\"%s\",\"justification\":\"%s\"}", big, jus);
		v = fake_start(&fk, "update_field", a);
		ok(v == TOOL_WAIT && fk.nreq == 1 && fk.req[0].len > 790000 &&
		    fk.req[0].len <= PT_WRITE_MAX, "the widest arguments "
		    "(%zu bytes) fit the writer's row", fk.req[0].len);
		fake_free(&fk);
		free(a);
		free(big);
		free(jus);
	}

	/* Checks of the handler itself: no request at all. */
	v = fake_start(&fk, "update_field", "{\"object_type\":\"Opportunity\","
	    "\"object_id\":\"" ACC15 "\",\"field_name\":\"NextStep\","
	    "\"new_value\":\"x\",\"justification\":\"because it is so\"}");
	ok(v == TOOL_FAIL && fk.nreq == 0 && strstr(fk.ctx.text,
	    "not a valid Opportunity ID") != NULL, "an Account ID for an "
	    "Opportunity is refused before any request: %s", first_line(fk.ctx.text));
	fake_free(&fk);
	v = fake_start(&fk, "update_field", "{\"object_type\":\"Opportunity\","
	    "\"object_id\":\"" OPP15 "\",\"field_name\":\"NextStep\","
	    "\"new_value\":\"x\",\"justification\":\"    123456789      \"}");
	ok(v == TOOL_FAIL && fk.nreq == 0 && strstr(fk.ctx.text,
	    "at least 10 characters") != NULL && strstr(fk.ctx.text,
	    "got 9") != NULL, "a justification of 9 characters once trimmed "
	    "is refused before any request: %s", first_line(fk.ctx.text));
	fake_free(&fk);
	v = fake_start(&fk, "update_field", "{\"object_type\":\"Opportunity\","
	    "\"object_id\":\"" OPP15 "\",\"field_name\":\"NextStep\","
	    "\"new_value\":\"x\",\"justification\":\"  1234567890  \"}");
	ok(v == TOOL_WAIT && fk.nreq == 1, "10 characters once trimmed are "
	    "enough");
	fake_free(&fk);
	v = fake_start(&fk, "update_field", "{\"object_type\":\"Opportunity\","
	    "\"object_id\":\"" OPP15 "\",\"field_name\":\"NextStep\","
	    "\"new_value\":\"x\",\"justification\":\"\\u00e9\\u00e9\\u00e9"
	    "\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\"}");
	ok(v == TOOL_WAIT, "characters are counted, not bytes");
	fake_free(&fk);
	v = fake_start(&fk, "update_field", "{\"object_type\":\"Opportunity\","
	    "\"object_id\":\"" OPP15 "\",\"field_name\":\"NextStep\","
	    "\"new_value\":\"\",\"justification\":\"clear the next step\"}");
	ok(v == TOOL_FAIL && fk.nreq == 0 && strstr(fk.ctx.text, "pass null")
	    != NULL, "an empty string is not taken for null: %s",
	    first_line(fk.ctx.text));
	fake_free(&fk);
	v = fake_start(&fk, "update_field", "{\"object_type\":\"Opportunity\","
	    "\"object_id\":\"" OPP15 "\",\"field_name\":\"NextStep\","
	    "\"new_value\":null,\"justification\":\"clear the next step\"}");
	{
		uint32_t fl;
		char *js[1] = { NULL };
		ok(v == TOOL_WAIT && fk.nreq == 1 && req_fields(&fk, 0, &fl, js,
		    1) == 0 && strstr(js[0], "\"new_value\":null") != NULL,
		    "null is sent as null");
		free(js[0]);
	}
	fake_free(&fk);
	v = fake_start(&fk, "add_note", "{\"object_type\":\"Account\","
	    "\"object_id\":\"" ACC15 "\",\"body\":\" \\n\\t \"}");
	ok(v == TOOL_FAIL && fk.nreq == 0 && strstr(fk.ctx.text, "blank") !=
	    NULL, "a blank body is refused before any request");
	fake_free(&fk);
	v = fake_start(&fk, "add_note", "{\"object_type\":\"Account\","
	    "\"object_id\":\"" ACC15 "\",\"body\":\"b\",\"title\":\"  \"}");
	ok(v == TOOL_FAIL && fk.nreq == 0, "a blank title is refused before "
	    "any request");
	fake_free(&fk);
}

static const char update_call[] = "{\"object_type\":\"Opportunity\","
	"\"object_id\":\"" OPP15 "\",\"field_name\":\"NextStep\","
	"\"new_value\":\"Send the proposal\",\"justification\":\"agreed on "
	"the call of Monday\"}";

/* A plan for update_call, confirm as given. */
static char *
update_plan(int confirm)
{
	char	 id18[19], *plan;

	id18_of(OPP15, id18);
	xasprintf(&plan, "{\"plan_id\":\"p_0123456789abcdef0123456789abcdef\","
	    "\"attempt_id\":\"w_0123456789abcdef01234567\",\"object_type\":"
	    "\"Opportunity\",\"object_id\":\"%s\",\"field_name\":\"NextStep\","
	    "\"field_label\":\"Next Step\",\"old_value\":\"Call back\","
	    "\"new_value\":\"Send the proposal\",\"justification\":\"agreed "
	    "on the call of Monday\",\"confirm\":%s,\"payload\":"
	    "{\"allOrNone\":true,\"compositeRequest\":[]}}", id18,
	    confirm ? "true" : "false");
	return plan;
}

/* WR_COMMIT i: plan id and decision. */
static int
commit_of(struct fake *fk, int i, uint32_t *decision)
{
	struct buf	 r;
	char		*id = NULL;
	int		 good;

	if (fk->type[i] != IMSG_WR_COMMIT)
		return 0;
	buf_from(&r, fk->req[i].data, fk->req[i].len);
	good = buf_get_str(&r, &id, 64) == 0 && buf_get_u32(&r, decision) ==
	    0 && buf_get_end(&r) == 0 &&
	    strcmp(id, "p_0123456789abcdef0123456789abcdef") == 0;
	free(id);
	return good;
}

static const char applied[] = "{\"status\":\"applied\",\"attempt_id\":"
	"\"w_0123456789abcdef01234567\",\"audit_id\":\"a0X000000000001AAA\","
	"\"old_value\":\"Call back\",\"new_value\":\"Send the proposal\"}";

static void
test_write_flow(void)
{
	struct fake		 fk;
	enum tool_verdict	 v;
	char			*s[1], *plan, id18[19];
	uint32_t		 flags, d;
	cJSON			*j;
	const cJSON		*rs, *conf;
	struct {
		uint32_t	 action;
		const char	*content;
		uint32_t	 decision;
		const char	*what;
	} answers[] = {
		{ ELICIT_ACCEPT, "{\"confirm\":true}", WR_DECISION_ACCEPTED,
		  "accept with confirm true" },
		{ ELICIT_ACCEPT, "{\"confirm\":false}", WR_DECISION_DECLINED,
		  "accept with confirm false" },
		{ ELICIT_DECLINE, "{}", WR_DECISION_DECLINED, "decline" },
		{ ELICIT_CANCEL, "{}", WR_DECISION_CANCELLED, "cancel" },
	};
	size_t			 i;

	id18_of(OPP15, id18);
	/* The request: to the writer, with the client and the 18-char ID. */
	fake_init(&fk, "update_field", update_call);
	fk.can_elicit = 1;
	v = tool_start(&fk.ctx);
	ok(v == TOOL_WAIT && fk.nreq == 1 && fk.type[0] == IMSG_WR_UPDATE &&
	    req_fields(&fk, 0, &flags, s, 1) == 0 && flags == 0,
	    "update_field sends WR_UPDATE without REQ_DRY_RUN");
	j = cJSON_Parse(s[0]);
	ok(j != NULL && strcmp(str_at(j, "object_id"), id18) == 0 &&
	    strcmp(str_at(j, "field_name"), "NextStep") == 0 &&
	    strcmp(str_at(j, "new_value"), "Send the proposal") == 0 &&
	    strcmp(str_at(j, "client"), "e2e-client 1.2.3") == 0 &&
	    strcmp(str_at(j, "object_type"), "Opportunity") == 0 &&
	    cJSON_GetArraySize(j) == 6, "its JSON: the design note's "
	    "arguments, the 18-character ID and the client: %s", s[0]);
	cJSON_Delete(j);
	free(s[0]);

	/* The plan asks for a confirmation: the person sees all of it. */
	plan = update_plan(1);
	v = answer_json(&fk, IMSG_WR_UPDATE_R, plan);
	ok(v == TOOL_WAIT && fk.nelicit == 1 && fk.nreq == 1,
	    "a plan with confirm: the person is asked, nothing committed yet");
	ok(strstr(fk.elicit_msg, "Opportunity") != NULL &&
	    strstr(fk.elicit_msg, id18) != NULL &&
	    strstr(fk.elicit_msg, "Next Step (NextStep)") != NULL &&
	    strstr(fk.elicit_msg, "Old value: 'Call back'") != NULL &&
	    strstr(fk.elicit_msg, "New value: 'Send the proposal'") != NULL &&
	    strstr(fk.elicit_msg, "Justification: agreed on the call of "
	    "Monday") != NULL, "the message shows record, field label and "
	    "API name, old and new value, justification: %s", first_line(fk.elicit_msg));
	rs = fk.elicit_schema;
	conf = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(rs, "properties"), "confirm");
	ok(strcmp(str_at(rs, "type"), "object") == 0 &&
	    strcmp(str_at(conf, "type"), "boolean") == 0 &&
	    str_at(conf, "title") != NULL && strcmp(cJSON_GetArrayItem(
	    cJSON_GetObjectItemCaseSensitive(rs, "required"), 0)->valuestring,
	    "confirm") == 0, "the requested schema is a flat object with a "
	    "required boolean confirm");
	{
		struct buf r;
		char *id = NULL;
		buf_from(&r, fk.abandon.data, fk.abandon.len);
		ok(fk.abandon_type == IMSG_WR_COMMIT && buf_get_str(&r, &id,
		    64) == 0 && buf_get_u32(&r, &d) == 0 && d ==
		    WR_DECISION_CANCELLED && buf_get_end(&r) == 0,
		    "if the call ends while waiting, WR_COMMIT cancelled "
		    "drops the plan");
		free(id);
	}
	fake_free(&fk);

	/* Each answer of the person, and its decision. */
	for (i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		fake_init(&fk, "update_field", update_call);
		fk.can_elicit = 1;
		(void)tool_start(&fk.ctx);
		(void)answer_json(&fk, IMSG_WR_UPDATE_R, plan);
		v = tool_elicit_answer(&fk.ctx, answers[i].action,
		    answers[i].content);
		ok(v == TOOL_WAIT && fk.nreq == 2 && commit_of(&fk, 1, &d) &&
		    d == answers[i].decision, "%s: WR_COMMIT decision %u",
		    answers[i].what, answers[i].decision);
		if (answers[i].decision == WR_DECISION_ACCEPTED) {
			v = answer_json(&fk, IMSG_WR_COMMIT_R, applied);
			ok(v == TOOL_DONE && !fk.ctx.is_error &&
			    strncmp(fk.ctx.text, "Updated Opportunity ", 20) ==
			    0 && strstr(fk.ctx.text, "NextStep: 'Call back' -> "
			    "'Send the proposal' (audit a0X000000000001AAA, "
			    "attempt w_0123456789abcdef01234567)") != NULL &&
			    strstr(fk.ctx.text, "accepted by the person") !=
			    NULL, "applied: the first line says what changed: "
			    "%s", first_line(fk.ctx.text));
			ok(strcmp(str_at(fk.ctx.structured, "status"),
			    "applied") == 0 && strcmp(str_at(fk.ctx.structured,
			    "audit_id"), "a0X000000000001AAA") == 0 &&
			    strcmp(str_at(fk.ctx.structured, "old_value"),
			    "Call back") == 0, "and structuredContent has "
			    "status, audit id, old value");
		} else {
			v = answer_json(&fk, IMSG_WR_COMMIT_R, "{\"status\":"
			    "\"declined\",\"attempt_id\":"
			    "\"w_0123456789abcdef01234567\"}");
			ok(v == TOOL_DONE && !fk.ctx.is_error &&
			    strncmp(fk.ctx.text, "Not changed: ", 13) == 0 &&
			    strstr(fk.ctx.text, "nothing was sent") != NULL,
			    "%s: a normal result saying nothing was sent: %s",
			    answers[i].what, first_line(fk.ctx.text));
		}
		fake_free(&fk);
	}

	/* A client without elicitation: not asked, decision 4. */
	fake_init(&fk, "update_field", update_call);
	(void)tool_start(&fk.ctx);
	v = answer_json(&fk, IMSG_WR_UPDATE_R, plan);
	ok(v == TOOL_WAIT && fk.nelicit == 0 && fk.nreq == 2 &&
	    commit_of(&fk, 1, &d) && d == WR_DECISION_NOT_ASKED, "no "
	    "elicitation: never asked, WR_COMMIT decision 4");
	v = answer_json(&fk, IMSG_WR_COMMIT_R, applied);
	ok(v == TOOL_DONE && strstr(fk.ctx.text, "Confirmation: not asked: "
	    "the client did not declare elicitation") != NULL, "and the "
	    "result says it was not asked, and why");
	fake_free(&fk);
	free(plan);

	/* The writer did not ask for a confirmation. */
	plan = update_plan(0);
	fake_init(&fk, "update_field", update_call);
	fk.can_elicit = 1;
	(void)tool_start(&fk.ctx);
	v = answer_json(&fk, IMSG_WR_UPDATE_R, plan);
	ok(v == TOOL_WAIT && fk.nelicit == 0 && commit_of(&fk, 1, &d) &&
	    d == WR_DECISION_NOT_ASKED, "a plan without confirm: not asked, "
	    "decision 4");
	fake_free(&fk);
	free(plan);

	/* Dry run: the plan with its payload, and nothing else. */
	fake_init(&fk, "update_field", "{\"object_type\":\"Opportunity\","
	    "\"object_id\":\"" OPP15 "\",\"field_name\":\"Amount\","
	    "\"new_value\":1250.5,\"justification\":\"the signed order form "
	    "says so\",\"dry_run\":true}");
	fk.can_elicit = 1;
	(void)tool_start(&fk.ctx);
	ok(req_fields(&fk, 0, &flags, s, 1) == 0 && flags == REQ_DRY_RUN &&
	    strstr(s[0], "\"new_value\":1250.5") != NULL, "dry_run sends "
	    "REQ_DRY_RUN, the number as a number");
	free(s[0]);
	v = answer_json(&fk, IMSG_WR_UPDATE_R, "{\"dry_run\":true,"
	    "\"attempt_id\":\"w_0123456789abcdef01234567\",\"object_type\":"
	    "\"Opportunity\",\"object_id\":\"006000000000001AAA\","
	    "\"field_name\":\"Amount\",\"old_value\":null,\"new_value\":1250.5,"
	    "\"confirm\":true,\"payload\":{\"allOrNone\":true,"
	    "\"collateSubrequests\":false,\"compositeRequest\":[{\"method\":"
	    "\"POST\",\"referenceId\":\"audit\"}]}}");
	ok(v == TOOL_DONE && fk.nreq == 1 && fk.nelicit == 0 &&
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(fk.ctx.structured,
	    "dry_run")) && strcmp(str_at(fk.ctx.structured, "status"),
	    "dry_run") == 0 && cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(
	    fk.ctx.structured, "payload")), "dry run: the plan and its "
	    "payload, no confirmation, no commit");
	ok(strncmp(fk.ctx.text, "dry run: nothing was sent.", 26) == 0 &&
	    strstr(fk.ctx.text, "empty (null) -> 1250.5") != NULL &&
	    strstr(fk.ctx.text, "\"collateSubrequests\":false") != NULL,
	    "its text shows the change and the exact body: %s", first_line(fk.ctx.text));
	fake_free(&fk);

	/* The writer's errors. */
	fake_init(&fk, "update_field", update_call);
	(void)tool_start(&fk.ctx);
	v = answer_error(&fk, SFE_POLICY, "writes are not enabled in this "
	    "version");
	ok(v == TOOL_FAIL && strcmp(fk.ctx.text, "writes are not enabled in "
	    "this version") == 0, "an ERROR for the plan is the tool error");
	fake_free(&fk);
	fake_init(&fk, "update_field", update_call);
	(void)tool_start(&fk.ctx);
	plan = update_plan(0);
	(void)answer_json(&fk, IMSG_WR_UPDATE_R, plan);
	free(plan);
	v = answer_error(&fk, SFE_INVALID, "the plan p_0123 expired "
	    "(plans are kept 10 minutes)");
	ok(v == TOOL_FAIL && strstr(fk.ctx.text, "expired") != NULL,
	    "an ERROR for the commit is the tool error");
	fake_free(&fk);
	fake_init(&fk, "update_field", update_call);
	(void)tool_start(&fk.ctx);
	v = answer_json(&fk, IMSG_WR_UPDATE_R, "{\"attempt_id\":\"w_1\"}");
	ok(v == TOOL_FAIL && fk.nreq == 1 && strstr(fk.ctx.text, "plan_id")
	    != NULL, "a plan without plan_id: an internal error, no commit");
	fake_free(&fk);
	fake_init(&fk, "update_field", update_call);
	(void)tool_start(&fk.ctx);
	v = answer_json(&fk, IMSG_WR_UPDATE_R, "[1]");
	ok(v == TOOL_FAIL && strstr(fk.ctx.text, "not a JSON object") != NULL,
	    "a plan that is no object: an internal error");
	fake_free(&fk);
}

/* update_call through to an outcome; the fake holds the result. */
static enum tool_verdict
outcome_of(struct fake *fk, const char *outcome)
{
	char	*plan = update_plan(0);

	fake_init(fk, "update_field", update_call);
	(void)tool_start(&fk->ctx);
	(void)answer_json(fk, IMSG_WR_UPDATE_R, plan);
	free(plan);
	return answer_json(fk, IMSG_WR_COMMIT_R, outcome);
}

static void
test_write_outcomes(void)
{
	struct fake		 fk;
	enum tool_verdict	 v;

	v = outcome_of(&fk, "{\"status\":\"refused\",\"attempt_id\":"
	    "\"w_0123456789abcdef01234567\",\"failed_audit_id\":"
	    "\"a0X000000000009AAA\",\"error\":{\"reference\":\"change\","
	    "\"code\":\"FIELD_CUSTOM_VALIDATION_EXCEPTION\",\"message\":"
	    "\"Next step needs a date\",\"fields\":[\"NextStep\"]}}");
	ok(v == TOOL_DONE && fk.ctx.is_error && strncmp(fk.ctx.text,
	    "Salesforce refused the ", 23) == 0 && strstr(fk.ctx.text,
	    "FIELD_CUSTOM_VALIDATION_EXCEPTION: Next step needs a date "
	    "(fields: NextStep)") != NULL && strstr(fk.ctx.text, "Failed__c "
	    "audit row a0X000000000009AAA") != NULL, "refused: an error "
	    "result naming the reason and the Failed__c row: %s", first_line(fk.ctx.text));
	ok(strcmp(str_at(fk.ctx.structured, "failed_audit_id"),
	    "a0X000000000009AAA") == 0 && cJSON_IsObject(
	    cJSON_GetObjectItemCaseSensitive(fk.ctx.structured, "error")),
	    "with the failed audit id and the error in structuredContent");
	fake_free(&fk);

	v = outcome_of(&fk, "{\"status\":\"refused\",\"attempt_id\":"
	    "\"w_0123456789abcdef01234567\",\"error\":{\"code\":"
	    "\"UNABLE_TO_LOCK_ROW\",\"message\":\"locked\"},\"journal\":"
	    "\"the audit object has no Failed__c field\"}");
	ok(v == TOOL_DONE && fk.ctx.is_error && strstr(fk.ctx.text, "no "
	    "failed-attempt audit row") != NULL && strstr(fk.ctx.text,
	    "Journal: the audit object has no Failed__c field") != NULL,
	    "refused without a Failed__c row: the journal keeps it: %s",
	    first_line(fk.ctx.text));
	fake_free(&fk);

	v = outcome_of(&fk, "{\"status\":\"applied\",\"attempt_id\":"
	    "\"w_0123456789abcdef01234567\",\"audit_id\":\"a0X000000000001AAA\","
	    "\"resolved_by\":\"attempt-id lookup\"}");
	ok(v == TOOL_DONE && !fk.ctx.is_error && strncmp(fk.ctx.text,
	    "Outcome confirmed by the attempt id after the connection broke: "
	    "applied. Updated ", 81) == 0, "an ambiguous send resolved as "
	    "applied says so: %s", first_line(fk.ctx.text));
	fake_free(&fk);

	v = outcome_of(&fk, "{\"status\":\"not_applied\",\"attempt_id\":"
	    "\"w_0123456789abcdef01234567\",\"resolved_by\":\"attempt-id "
	    "lookup\"}");
	ok(v == TOOL_DONE && fk.ctx.is_error && strncmp(fk.ctx.text,
	    "Not changed when looked up", 26) == 0 && strstr(fk.ctx.text,
	    "it was not retried") != NULL && strstr(fk.ctx.text, "may still "
	    "finish") != NULL, "resolved as not applied says so, and that "
	    "the lookup came right after: %s", first_line(fk.ctx.text));
	fake_free(&fk);

	v = outcome_of(&fk, "{\"status\":\"not_applied\",\"attempt_id\":"
	    "\"w_0123456789abcdef01234567\",\"error\":{\"code\":"
	    "\"SERVER_UNAVAILABLE\",\"message\":\"503 three times\"}}");
	ok(v == TOOL_DONE && fk.ctx.is_error && strncmp(fk.ctx.text,
	    "Not changed: SERVER_UNAVAILABLE: 503 three times", 48) == 0,
	    "not applied with an error: %s", first_line(fk.ctx.text));
	fake_free(&fk);

	v = outcome_of(&fk, "{\"status\":\"unknown\",\"attempt_id\":"
	    "\"w_0123456789abcdef01234567\"}");
	ok(v == TOOL_DONE && fk.ctx.is_error && strncmp(fk.ctx.text,
	    "Outcome unknown:", 16) == 0 && strstr(fk.ctx.text,
	    "w_0123456789abcdef01234567") != NULL && strstr(fk.ctx.text,
	    "not retried") != NULL, "unknown: says it was not retried and "
	    "how to check: %s", first_line(fk.ctx.text));
	fake_free(&fk);

	v = outcome_of(&fk, "{\"status\":\"applied\",\"attempt_id\":\"w_1\","
	    "\"audit_id\":\"a0X000000000001AAA\",\"old_value\":\"line one\\n"
	    "line\\ttwo\\u0001\",\"new_value\":true}");
	ok(v == TOOL_DONE && strstr(fk.ctx.text, "NextStep: 'line one\\nline"
	    "\\ttwo ' -> true (audit") != NULL, "a value with a newline keeps "
	    "the first line one line: %s", first_line(fk.ctx.text));
	fake_free(&fk);

	{
		char *o, *cut, lng[502];
		memset(lng, 'v', 501);
		lng[501] = '\0';
		xasprintf(&o, "{\"status\":\"applied\",\"attempt_id\":\"w_1\","
		    "\"new_value\":\"%s\"}", lng);
		(void)outcome_of(&fk, o);
		xasprintf(&cut, "'%.500s...' (501 characters) (audit", lng);
		ok(strstr(fk.ctx.text, cut) != NULL, "a value of 501 characters "
		    "is shown cut at 500");
		fake_free(&fk);
		free(o);
		free(cut);
		lng[500] = '\0';
		xasprintf(&o, "{\"status\":\"applied\",\"attempt_id\":\"w_1\","
		    "\"new_value\":\"%s\"}", lng);
		(void)outcome_of(&fk, o);
		xasprintf(&cut, "'%s' (audit", lng);
		ok(strstr(fk.ctx.text, cut) != NULL, "one of 500 is shown whole");
		fake_free(&fk);
		free(o);
		free(cut);
	}

	v = outcome_of(&fk, "{\"status\":\"maybe\"}");
	ok(v == TOOL_FAIL && strstr(fk.ctx.text, "no known status") != NULL,
	    "an outcome of no known status is an internal error");
	fake_free(&fk);
}

static void
test_note(void)
{
	struct fake		 fk;
	enum tool_verdict	 v;
	char			*s[1], *args, *plan, body[302], id18[19];
	uint32_t		 flags, d;
	cJSON			*j;

	id18_of(ACC15, id18);
	/* 199 'a', then 'B' as the 200th character, then 'c'... */
	memset(body, 'a', 199);
	body[199] = 'B';
	memset(body + 200, 'c', 100);
	body[300] = '\0';
	xasprintf(&args, "{\"object_type\":\"Account\",\"object_id\":"
	    "\"" ACC15 "\",\"body\":\"%s\",\"title\":\"Renewal\"}", body);
	fake_init(&fk, "add_note", args);
	fk.can_elicit = 1;
	v = tool_start(&fk.ctx);
	ok(v == TOOL_WAIT && fk.type[0] == IMSG_WR_NOTE &&
	    req_fields(&fk, 0, &flags, s, 1) == 0 && flags == 0,
	    "add_note sends WR_NOTE");
	j = cJSON_Parse(s[0]);
	ok(j != NULL && strcmp(str_at(j, "body"), body) == 0 &&
	    strcmp(str_at(j, "title"), "Renewal") == 0 &&
	    strcmp(str_at(j, "object_id"), id18) == 0 &&
	    strcmp(str_at(j, "client"), "e2e-client 1.2.3") == 0 &&
	    cJSON_GetArraySize(j) == 5, "with body, title, ID and client");
	cJSON_Delete(j);
	free(s[0]);
	xasprintf(&plan, "{\"plan_id\":\"p_0123456789abcdef0123456789abcdef\","
	    "\"attempt_id\":\"w_0123456789abcdef01234567\",\"object_type\":"
	    "\"Account\",\"object_id\":\"%s\",\"title\":\"Renewal\","
	    "\"body_chars\":300,\"confirm\":true,\"payload\":{}}", id18);
	v = answer_json(&fk, IMSG_WR_NOTE_R, plan);
	free(plan);
	ok(v == TOOL_WAIT && fk.nelicit == 1 && strstr(fk.elicit_msg,
	    "Title: Renewal") != NULL && strstr(fk.elicit_msg, id18) != NULL &&
	    strstr(fk.elicit_msg, "aB...") != NULL && strstr(fk.elicit_msg,
	    "Bc") == NULL && strstr(fk.elicit_msg, "first 200 characters") !=
	    NULL, "the person sees record, title and the first 200 characters "
	    "of the body, not the 201st");
	v = tool_elicit_answer(&fk.ctx, ELICIT_ACCEPT, "{\"confirm\":true}");
	ok(v == TOOL_WAIT && commit_of(&fk, 1, &d) && d ==
	    WR_DECISION_ACCEPTED, "accepted: WR_COMMIT decision 1");
	v = answer_json(&fk, IMSG_WR_COMMIT_R, "{\"status\":\"applied\","
	    "\"attempt_id\":\"w_0123456789abcdef01234567\",\"audit_id\":"
	    "\"a0X000000000002AAA\",\"note_id\":\"069000000000001AAA\","
	    "\"link_id\":\"06A000000000001AAA\"}");
	ok(v == TOOL_DONE && strncmp(fk.ctx.text, "Added the note 'Renewal' "
	    "on Account ", 36) == 0 && strstr(fk.ctx.text, "(note "
	    "069000000000001AAA, link 06A000000000001AAA, audit "
	    "a0X000000000002AAA, attempt w_0123456789abcdef01234567)") != NULL,
	    "applied: note, link, audit and attempt ids: %s", first_line(fk.ctx.text));
	ok(strcmp(str_at(fk.ctx.structured, "note_id"), "069000000000001AAA")
	    == 0 && num_at(fk.ctx.structured, "body_chars") == 300,
	    "structuredContent has the note id");
	fake_free(&fk);
	free(args);

	/* Exactly 200 characters: shown whole. */
	body[200] = '\0';
	xasprintf(&args, "{\"object_type\":\"Account\",\"object_id\":"
	    "\"" ACC15 "\",\"body\":\"%s\"}", body);
	fake_init(&fk, "add_note", args);
	fk.can_elicit = 1;
	(void)tool_start(&fk.ctx);
	(void)answer_json(&fk, IMSG_WR_NOTE_R, "{\"plan_id\":"
	    "\"p_0123456789abcdef0123456789abcdef\",\"attempt_id\":\"w_1\","
	    "\"object_type\":\"Account\",\"object_id\":\"x\",\"title\":"
	    "\"aaa\",\"confirm\":true}");
	ok(fk.nelicit == 1 && strstr(fk.elicit_msg, "aB\nRequested by") !=
	    NULL && strstr(fk.elicit_msg, "first 200") == NULL, "a body of "
	    "exactly 200 characters is shown whole");
	fake_free(&fk);
	free(args);
}

/*
 * records_flatten: a parent that is null in the first row and a record
 * in the next gives "Account" then "Account.Name"; only the path is
 * kept.  Freeing "Account" while still comparing names read it after
 * free (the clang static analyzer found it; ASan and valgrind see it
 * here).
 */
static void
test_flatten_parent_first(void)
{
	cJSON	*recs, *t, *cols;
	int	 fok;

	recs = cJSON_Parse("[{\"Id\":\"1\",\"Account\":null},"
	    "{\"Id\":\"2\",\"Account\":{\"Name\":\"Acme\"}}]");
	t = records_flatten(recs, &fok);
	cols = cJSON_GetObjectItemCaseSensitive(t, "columns");
	ok(fok && cJSON_GetArraySize(cols) == 2 &&
	    strcmp(cJSON_GetStringValue(cJSON_GetArrayItem(cols, 0)), "Id")
	    == 0 && strcmp(cJSON_GetStringValue(cJSON_GetArrayItem(cols, 1)),
	    "Account.Name") == 0, "flatten: a null parent first, then its "
	    "field: the columns are Id, Account.Name");
	cJSON_Delete(t);
	cJSON_Delete(recs);
}

int
main(void)
{
	log_init(PROC_FRONT, LOG_LVL_CRITICAL);
	tools_init();
	test_registry();
	test_get();
	test_query();
	test_pipeline();
	test_stale();
	test_risk();
	test_write_args();
	test_write_flow();
	test_write_outcomes();
	test_note();
	test_flatten_parent_first();
	tools_free();
	return tap_done();
}
