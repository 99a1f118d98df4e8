/*
 * tool.c: the machinery every tool shares.  The inputSchema of a tool is
 * generated here from its argument table, and its handlers read their
 * arguments here through the same table; the verdict helpers fill the
 * context the front reads back.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sfrevops.h"
#include "date.h"
#include "schema.h"
#include "tool.h"

static cJSON	**input_schemas;
static cJSON	**output_schemas;
static unsigned char	*allowed;	/* SFDC_TOOLS; NULL: every tool */

static size_t
tool_index(const struct tool *t)
{
	size_t	 i;

	for (i = 0; i < ntools; i++)
		if (tools[i] == t)
			return i;
	fatalx("tool %s is not in the registry", t->name);
}

const struct tool *
tools_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < ntools; i++)
		if (strcmp(tools[i]->name, name) == 0)
			return tools[i];
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

static void
add_bound(cJSON *o, const char *key, long v)
{
	if (cJSON_AddNumberToObject(o, key, (double)v) == NULL)
		fatalx("cJSON_AddNumberToObject");
}

static cJSON *
arg_schema(const struct tool_arg *a)
{
	cJSON	*p, *items;
	int	 bounded = a->min != 0 || a->max != 0;

	if ((p = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	switch (a->type) {
	case ARG_STRING:
		cJSON_AddStringToObject(p, "type", "string");
		if (bounded) {
			add_bound(p, "minLength", a->min);
			add_bound(p, "maxLength", a->max);
		}
		if (a->pattern != NULL)
			cJSON_AddStringToObject(p, "pattern", a->pattern);
		if (a->format != NULL)
			cJSON_AddStringToObject(p, "format", a->format);
		break;
	case ARG_INTEGER:
		cJSON_AddStringToObject(p, "type", "integer");
		if (bounded) {
			add_bound(p, "minimum", a->min);
			add_bound(p, "maximum", a->max);
		}
		if (a->has_default)
			add_bound(p, "default", a->def);
		break;
	case ARG_BOOLEAN:
		cJSON_AddStringToObject(p, "type", "boolean");
		break;
	case ARG_ENUM: {
		const char	*v = a->pattern, *comma;

		cJSON_AddStringToObject(p, "type", "string");
		if ((items = cJSON_AddArrayToObject(p, "enum")) == NULL ||
		    v == NULL || *v == '\0')
			fatalx("argument %s has no values", a->name);
		for (; v != NULL; v = comma != NULL ? comma + 1 : NULL) {
			char	*one;

			comma = strchr(v, ',');
			one = comma != NULL ? xstrndup(v, (size_t)(comma - v)) :
			    xstrdup(v);
			cJSON_AddItemToArray(items, cJSON_CreateString(one));
			free(one);
		}
		break;
	}
	case ARG_SCALAR:
		if ((items = cJSON_AddArrayToObject(p, "type")) == NULL)
			fatalx("cJSON_AddArrayToObject");
		cJSON_AddItemToArray(items, cJSON_CreateString("string"));
		cJSON_AddItemToArray(items, cJSON_CreateString("number"));
		cJSON_AddItemToArray(items, cJSON_CreateString("boolean"));
		cJSON_AddItemToArray(items, cJSON_CreateString("null"));
		if (bounded) {
			add_bound(p, "minLength", a->min);
			add_bound(p, "maxLength", a->max);
		}
		break;
	case ARG_STRINGS:
		cJSON_AddStringToObject(p, "type", "array");
		if (bounded) {
			add_bound(p, "minItems", a->min);
			add_bound(p, "maxItems", a->max);
		}
		if (a->unique)
			cJSON_AddBoolToObject(p, "uniqueItems", 1);
		items = cJSON_AddObjectToObject(p, "items");
		cJSON_AddStringToObject(items, "type", "string");
		if (a->pattern != NULL)
			cJSON_AddStringToObject(items, "pattern", a->pattern);
		break;
	default:
		fatalx("argument %s has no type", a->name);
	}
	cJSON_AddStringToObject(p, "description", a->description);
	return p;
}

cJSON *
tool_schema_generate(const struct tool *t)
{
	cJSON			*s, *props, *req;
	const struct tool_arg	*a;

	if ((s = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	cJSON_AddStringToObject(s, "type", "object");
	props = cJSON_AddObjectToObject(s, "properties");
	req = cJSON_CreateArray();
	for (a = t->args; a->name != NULL; a++) {
		cJSON_AddItemToObject(props, a->name, arg_schema(a));
		if (a->required)
			cJSON_AddItemToArray(req, cJSON_CreateString(a->name));
	}
	if (cJSON_GetArraySize(req) > 0)
		cJSON_AddItemToObject(s, "required", req);
	else
		cJSON_Delete(req);
	cJSON_AddBoolToObject(s, "additionalProperties", 0);
	return s;
}

void
tools_free(void)
{
	size_t	 i;

	if (input_schemas == NULL)
		return;
	for (i = 0; i < ntools; i++) {
		cJSON_Delete(input_schemas[i]);
		cJSON_Delete(output_schemas[i]);
	}
	free(input_schemas);
	free(output_schemas);
	input_schemas = output_schemas = NULL;
	free(allowed);
	allowed = NULL;
}

/*
 * Every result names the org that answered (front.c, org_note()):
 * "_org" in every output schema, so that structuredContent stays valid.
 */
#define ORG_SCHEMA \
	"{\"type\":\"object\",\"description\":\"The org that answered; " \
	"the id, name and sandbox once known.\",\"properties\":{" \
	"\"instance\":{\"type\":\"string\"},\"organization_id\":{\"type\":" \
	"\"string\"},\"name\":{\"type\":\"string\"},\"sandbox\":{\"type\":" \
	"\"boolean\"}},\"required\":[\"instance\"],\"additionalProperties\":" \
	"false}"

static void
schema_add_org(cJSON *s, const char *name)
{
	cJSON	*props;

	if (!cJSON_IsObject(s))
		fatalx("tool %s: outputSchema is not an object", name);
	if ((props = cJSON_GetObjectItemCaseSensitive(s, "properties")) == NULL &&
	    (props = cJSON_AddObjectToObject(s, "properties")) == NULL)
		fatalx("cJSON_AddObjectToObject");
	if (cJSON_GetObjectItemCaseSensitive(props, "_org") != NULL)
		fatalx("tool %s: its outputSchema declares _org itself", name);
	cJSON_AddItemToObject(props, "_org", cJSON_Parse(ORG_SCHEMA));
}

void
tools_init(void)
{
	char	 err[512];
	size_t	 i, j, n;

	input_schemas = xcalloc(ntools, sizeof(*input_schemas));
	output_schemas = xcalloc(ntools, sizeof(*output_schemas));
	for (i = 0; i < ntools; i++) {
		const struct tool *t = tools[i];

		n = strlen(t->name);
		if (n == 0 || n > 64)
			fatalx("tool name '%s' has a bad length", t->name);
		for (j = 0; j < n; j++) {
			char ch = t->name[j];
			if (!(('a' <= ch && ch <= 'z') || ('A' <= ch &&
			    ch <= 'Z') || ('0' <= ch && ch <= '9') ||
			    ch == '_' || ch == '-'))
				fatalx("tool name '%s' is not [a-zA-Z0-9_-]",
				    t->name);
		}
		if (tools_find(t->name) != t)
			fatalx("tool name '%s' is listed twice", t->name);
		input_schemas[i] = tool_schema_generate(t);
		if ((output_schemas[i] = cJSON_Parse(t->output_schema)) == NULL)
			fatalx("tool %s: outputSchema is not JSON", t->name);
		schema_add_org(output_schemas[i], t->name);
		if (schema_check(input_schemas[i], err, sizeof(err)) == -1)
			fatalx("tool %s: inputSchema: %s", t->name, err);
		if (schema_check(output_schemas[i], err, sizeof(err)) == -1)
			fatalx("tool %s: outputSchema: %s", t->name, err);
	}
}

/* ----------------------------------------------------------- verdicts */

enum tool_verdict
tool_start(struct tool_ctx *ctx)
{
	return ctx->tool->start(ctx);
}

enum tool_verdict
tool_answer(struct tool_ctx *ctx, uint32_t type, struct buf *b)
{
	uint32_t	 code;
	char		*msg = NULL;
	enum tool_verdict v;

	if (type != IMSG_ERROR || (ctx->tool->flags & TOOL_SEES_ERRORS))
		return ctx->tool->answer(ctx, type, b);
	if (buf_get_u32(b, &code) == -1 || buf_get_str(b, &msg, 65536) == -1 ||
	    buf_get_end(b) == -1)
		fatalx("malformed ERROR answer");
	v = tool_fail(ctx, "%s", msg);
	free(msg);
	return v;
}

void
tool_request(struct tool_ctx *ctx, uint32_t type, const struct buf *b)
{
	ctx->ops->request(ctx, type, b);
}

void
tool_progress(struct tool_ctx *ctx, int total, const char *message)
{
	ctx->ops->progress(ctx, total, message);
}

int
tool_elicit(struct tool_ctx *ctx, const char *message, const cJSON *requested,
    uint32_t abandon_type, const struct buf *abandon, char *why,
    size_t whylen)
{
	return ctx->ops->elicit(ctx, message, requested, abandon_type,
	    abandon, why, whylen);
}

enum tool_verdict
tool_elicit_answer(struct tool_ctx *ctx, uint32_t action, const char *content)
{
	struct buf	 b, r;
	enum tool_verdict v;

	buf_init(&b);
	buf_put_u32(&b, action);
	buf_put_str(&b, content);
	buf_from(&r, b.data, b.len);
	v = ctx->tool->answer(ctx, TOOL_ELICIT_R, &r);
	buf_free(&b);
	return v;
}

enum tool_verdict
tool_done(struct tool_ctx *ctx, cJSON *structured, char *text)
{
	cJSON_Delete(ctx->structured);
	free(ctx->text);
	ctx->structured = structured;
	ctx->text = text;
	return TOOL_DONE;
}

enum tool_verdict
tool_fail(struct tool_ctx *ctx, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[2048];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cJSON_Delete(ctx->structured);
	free(ctx->text);
	ctx->structured = NULL;
	ctx->text = xstrdup(msg);
	return TOOL_FAIL;
}

/* -------------------------------------------------------------- dates */

long
tool_org_today(const struct tool_ctx *ctx)
{
	long long	 ms;

	if (ctx->time_zone[0] != '\0')
		return ctx->org_today;
	ms = date_now_ms();
	return (long)(ms >= 0 ? ms / 86400000LL : -((-ms + 86399999LL) /
	    86400000LL));
}

const char *
tool_time_zone(const struct tool_ctx *ctx)
{
	return ctx->time_zone[0] != '\0' ? ctx->time_zone : "UTC";
}

const char *
tool_date_note(const struct tool_ctx *ctx)
{
	return ctx->time_zone[0] != '\0' ? ctx->date_note : "dates in UTC";
}

/* ---------------------------------------------------------- arguments */

static const struct tool_arg *
arg_decl(const struct tool_ctx *ctx, const char *name,
    enum tool_arg_type type)
{
	const struct tool_arg	*a;

	for (a = ctx->tool->args; a->name != NULL; a++)
		if (strcmp(a->name, name) == 0) {
			if (a->type != type)
				fatalx("tool %s reads argument %s with the "
				    "wrong type", ctx->tool->name, name);
			return a;
		}
	fatalx("tool %s reads argument %s, which its table does not declare",
	    ctx->tool->name, name);
}

static const cJSON *
arg_value(const struct tool_ctx *ctx, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(ctx->args, name);
}

int
tool_arg_given(const struct tool_ctx *ctx, const char *name)
{
	const struct tool_arg	*a;

	for (a = ctx->tool->args; a->name != NULL; a++)
		if (strcmp(a->name, name) == 0)
			return arg_value(ctx, name) != NULL;
	fatalx("tool %s asks for argument %s, which its table does not "
	    "declare", ctx->tool->name, name);
}

int
tool_arg_bool(const struct tool_ctx *ctx, const char *name)
{
	(void)arg_decl(ctx, name, ARG_BOOLEAN);
	return cJSON_IsTrue(arg_value(ctx, name));
}

long
tool_arg_int(const struct tool_ctx *ctx, const char *name)
{
	const struct tool_arg	*a = arg_decl(ctx, name, ARG_INTEGER);
	const cJSON		*v = arg_value(ctx, name);

	/* The schema bounded it: it fits. */
	return cJSON_IsNumber(v) ? (long)v->valuedouble : a->def;
}

const char *
tool_arg_str(const struct tool_ctx *ctx, const char *name)
{
	const struct tool_arg	*a;

	/* A string or one of an enum's values. */
	for (a = ctx->tool->args; a->name != NULL; a++)
		if (strcmp(a->name, name) == 0 && a->type == ARG_ENUM)
			return cJSON_GetStringValue(arg_value(ctx, name));
	(void)arg_decl(ctx, name, ARG_STRING);
	return cJSON_GetStringValue(arg_value(ctx, name));
}

const cJSON *
tool_arg_scalar(const struct tool_ctx *ctx, const char *name)
{
	const cJSON	*v;

	(void)arg_decl(ctx, name, ARG_SCALAR);
	v = arg_value(ctx, name);
	/* The schema admitted only these. */
	return v != NULL && (cJSON_IsString(v) || cJSON_IsNumber(v) ||
	    cJSON_IsBool(v) || cJSON_IsNull(v)) ? v : NULL;
}

const cJSON *
tool_arg_strings(const struct tool_ctx *ctx, const char *name)
{
	const cJSON	*v;

	(void)arg_decl(ctx, name, ARG_STRINGS);
	v = arg_value(ctx, name);
	return cJSON_IsArray(v) ? v : NULL;
}

/*
 * SFDC_TOOLS, as the parent passed it ("tools": names, or absent for
 * every tool; "read-only" for every tool that only reads): the tools
 * not allowed are neither listed nor callable.  An unknown name is a
 * configuration error naming it.  "writer" false means the writer was
 * not started, so no allowed tool may write; "write_tools" is the
 * parent's list of the tools that write, checked against the registry
 * here so that the parent never leaves out the writer a tool needs.
 */
int
tools_allow(const cJSON *config, char *err, size_t errlen)
{
	const cJSON	*list, *w, *wt;
	size_t		 i, off = 0;
	int		 writer, found;

	allowed = xcalloc(ntools, 1);
	list = cJSON_GetObjectItemCaseSensitive(config, "tools");
	writer = !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(config,
	    "writer"));
	wt = cJSON_GetObjectItemCaseSensitive(config, "write_tools");
	for (i = 0; i < ntools; i++) {
		if (!cJSON_IsArray(wt) || (tools[i]->flags & TOOL_READ_ONLY))
			continue;
		found = 0;
		cJSON_ArrayForEach(w, wt)
			if (cJSON_IsString(w) &&
			    strcmp(w->valuestring, tools[i]->name) == 0)
				found = 1;
		if (!found)
			fatalx("%s writes but is not in the parent's list of "
			    "write tools (conf.c, config_write_tools)",
			    tools[i]->name);
	}
	if (list == NULL) {
		memset(allowed, 1, ntools);
		return 0;
	}
	err[0] = '\0';
	cJSON_ArrayForEach(w, list) {
		const struct tool *t;

		if (!cJSON_IsString(w))
			fatalx("CONFIG: tools holds a non-string");
		if (strcmp(w->valuestring, "read-only") == 0) {
			for (i = 0; i < ntools; i++)
				if (tools[i]->flags & TOOL_READ_ONLY)
					allowed[i] = 1;
			continue;
		}
		if ((t = tools_find(w->valuestring)) == NULL) {
			int n = snprintf(err + off, errlen - off, "%s'%s'",
			    off == 0 ? "SFDC_TOOLS names no tool of this "
			    "server: " : ", ", w->valuestring);
			if (n > 0 && (size_t)n < errlen - off)
				off += (size_t)n;
			continue;
		}
		allowed[tool_index(t)] = 1;
	}
	if (off > 0) {
		int n = snprintf(err + off, errlen - off, " (its tools: ");
		if (n > 0 && (size_t)n < errlen - off)
			off += (size_t)n;
		for (i = 0; i < ntools; i++) {
			n = snprintf(err + off, errlen - off, "%s%s",
			    i ? ", " : "", tools[i]->name);
			if (n > 0 && (size_t)n < errlen - off)
				off += (size_t)n;
		}
		snprintf(err + off, errlen - off, "; or read-only)");
		return -1;
	}
	for (i = 0; i < ntools; i++)
		if (allowed[i] && !(tools[i]->flags & TOOL_READ_ONLY) &&
		    !writer)
			fatalx("%s writes, and the writer was not started",
			    tools[i]->name);
	return 0;
}

int
tool_allowed(const struct tool *t)
{
	return allowed == NULL || allowed[tool_index(t)];
}

/* Whether the JSON array arr holds the string v. */
int
tool_json_has_string(const cJSON *arr, const char *v)
{
	const cJSON	*e;

	cJSON_ArrayForEach(e, arr)
		if (cJSON_IsString(e) && strcmp(e->valuestring, v) == 0)
			return 1;
	return 0;
}
