/*
 * get.c: the four record reads, get_account, get_opportunity,
 * get_contact and get_lead.  One IMSG_SF_GET each; the object's key
 * prefix and default fields come from objects.c.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sfrevops.h"
#include "objects.h"
#include "tool.h"
#include "tools/common.h"

/* What a record tool reads: the object and its ID argument. */
struct get_kind {
	const char	*object;
	const char	*id_arg;
};

#define FIELD_PATTERN \
	"^[A-Za-z][A-Za-z0-9_]{0,79}(\\.[A-Za-z][A-Za-z0-9_]{0,79}){0,4}$"

#define GET_ID_ARG(name, what, prefix) \
	{ name, ARG_STRING, 1, "The " what " ID, 15 or 18 characters, " \
	  "starting with " prefix ".", 0, 0, ID_PATTERN, NULL, 0, 0, 0 }
#define GET_FIELDS_ARG \
	{ "fields", ARG_STRINGS, 0, "API names of the fields to read instead " \
	  "of the default set; relationship paths such as Owner.Name are " \
	  "allowed.", 1, SF_MAX_FIELDS, FIELD_PATTERN, NULL, 0, 0, 1 }

static const char get_output[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"object\":{\"type\":\"string\"},\"id\":{\"type\":\"string\"},"
	"\"record\":{\"type\":\"object\"},\"dry_run\":{\"type\":\"boolean\"},"
	REQUEST_SCHEMA "},\"required\":[\"object\",\"id\",\"dry_run\"]}";

static enum tool_verdict
get_start(struct tool_ctx *ctx)
{
	const struct get_kind	*k = ctx->tool->data;
	const struct sf_object	*o = objects_find(k->object);
	const cJSON		*fields, *fv;
	char			 id18[19], why[200];
	struct buf		 b;
	char			*list = NULL;
	size_t			 len = 0;

	if (o == NULL || !(o->flags & OBJ_READ))
		fatalx("%s reads %s, which is not readable", ctx->tool->name,
		    k->object);
	if (policy_id_valid(tool_arg_str(ctx, k->id_arg), o->prefix, id18, why,
	    sizeof(why)) == -1)
		return tool_fail(ctx, "%s: argument '%s' is not a valid %s ID: "
		    "%s", ctx->tool->name, k->id_arg, o->name, why);
	if ((fields = tool_arg_strings(ctx, "fields")) != NULL) {
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
		list = xstrdup(o->fields);
	buf_init(&b);
	buf_put_u32(&b, (tool_arg_bool(ctx, "dry_run") ? REQ_DRY_RUN : 0) |
	    (fields == NULL ? REQ_DEFAULT_FIELDS : 0));
	buf_put_str(&b, o->name);
	buf_put_str(&b, id18);
	buf_put_str(&b, list);
	tool_request(ctx, IMSG_SF_GET, &b);
	buf_free(&b);
	free(list);
	return TOOL_WAIT;
}

static enum tool_verdict
get_answer(struct tool_ctx *ctx, uint32_t type, struct buf *b)
{
	const struct get_kind	*k = ctx->tool->data;
	cJSON			*j, *out, *table, *rec, *row, *cell;
	const cJSON		*col;
	char			*text = NULL, *line, *v;
	int			 ok;

	(void)type;
	if ((j = common_answer_json(ctx, b)) == NULL)
		return TOOL_FAIL;
	if ((out = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	cJSON_AddStringToObject(out, "object", k->object);
	cJSON_AddItemToObject(out, "id", cJSON_Duplicate(
	    cJSON_GetObjectItemCaseSensitive(j, "id"), 1));
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "dry_run")))
		return common_dry_run_done(ctx, j, out);
	table = records_flatten(cJSON_GetObjectItemCaseSensitive(j, "records"),
	    &ok);
	if (!ok || cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(table,
	    "rows")) != 1) {
		cJSON_Delete(table);
		cJSON_Delete(out);
		cJSON_Delete(j);
		return tool_fail(ctx, "internal error: the broker's answer has "
		    "no record");
	}
	/* One record: field -> value, in the order read; cells move. */
	rec = cJSON_AddObjectToObject(out, "record");
	row = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(table,
	    "rows"), 0);
	xasprintf(&text, "%s %s", k->object,
	    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "id")));
	cJSON_ArrayForEach(col, cJSON_GetObjectItemCaseSensitive(table,
	    "columns")) {
		if ((cell = cJSON_DetachItemFromArray(row, 0)) == NULL)
			cell = cJSON_CreateNull();
		v = records_cell_text(cell);
		xasprintf(&line, "%s\n%s: %s", text, col->valuestring, v);
		free(v);
		free(text);
		text = line;
		cJSON_AddItemToObject(rec, col->valuestring, cell);
	}
	cJSON_AddBoolToObject(out, "dry_run", 0);
	cJSON_Delete(table);
	cJSON_Delete(j);
	return tool_done(ctx, out, text);
}

#define GET_TOOL(var, tname, kind, targs, ttitle, tdesc) \
	const struct tool var = { tname, ttitle, tdesc, targs, get_output, \
	    TOOL_READ_ONLY | TOOL_IDEMPOTENT | TOOL_OPEN_WORLD, get_start, \
	    get_answer, NULL, &kind }

static const struct get_kind account_kind = { "Account", "account_id" };
static const struct tool_arg account_args[] = {
	GET_ID_ARG("account_id", "Account", PREFIX_ACCOUNT), GET_FIELDS_ARG,
	ARG_DRY_RUN, ARG_END
};
GET_TOOL(tool_get_account, "get_account", account_kind, account_args,
    "Get account",
    "Read one Account by ID: name, type, industry, revenue, size, "
    "location, owner and activity dates (or the fields you list).");

static const struct get_kind opportunity_kind = { "Opportunity", "opp_id" };
static const struct tool_arg opportunity_args[] = {
	GET_ID_ARG("opp_id", "Opportunity", PREFIX_OPPORTUNITY), GET_FIELDS_ARG,
	ARG_DRY_RUN, ARG_END
};
GET_TOOL(tool_get_opportunity, "get_opportunity", opportunity_kind,
    opportunity_args, "Get opportunity",
    "Read one Opportunity by ID with its account, stage, amount, "
    "probability, forecast category, close date, last activity and "
    "stage change, and the owner's name and email.");

static const struct get_kind contact_kind = { "Contact", "contact_id" };
static const struct tool_arg contact_args[] = {
	GET_ID_ARG("contact_id", "Contact", PREFIX_CONTACT), GET_FIELDS_ARG,
	ARG_DRY_RUN, ARG_END
};
GET_TOOL(tool_get_contact, "get_contact", contact_kind, contact_args,
    "Get contact",
    "Read one Contact by ID: name, title, email, phone, account and "
    "owner (or the fields you list).");

static const struct get_kind lead_kind = { "Lead", "lead_id" };
static const struct tool_arg lead_args[] = {
	GET_ID_ARG("lead_id", "Lead", PREFIX_LEAD), GET_FIELDS_ARG,
	ARG_DRY_RUN, ARG_END
};
GET_TOOL(tool_get_lead, "get_lead", lead_kind, lead_args, "Get lead",
    "Read one Lead by ID: name, company, title, email, status, source, "
    "rating and owner (or the fields you list).");
