/*
 * check.c: sfrevops-mcp check, the front's half.  A tool in no registry:
 * the front runs it for the private request sfrevops/check, which it
 * serves only when the parent's CONFIG says "mode":"check" (front.c,
 * method_check); no MCP client can list or call it.  Each step is one
 * request to the broker, in the same sandboxes as serving; an error
 * answer is a finding, not the end of the call (TOOL_SEES_ERRORS).
 *
 *	1. describe Opportunity: the credentials and the API version work;
 *	   the commit stage is in the StageName picklist;
 *	   LastStageChangeDate is there, or else
 *	2. describe OpportunityHistory (stage history)
 *	3. a query, then its dry run: the FLS clause as the broker sends it
 *	   (with SFDC_FLS_MODE=auto, after its probe)
 *	4. describe the audit object: its required fields, and Failed__c
 *	5. the identity: which org, sandbox or not
 *
 * The answer: {checks: [{name, status: ok|warn|fail|skip, detail, fix}]}.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sfrevops.h"
#include "tools/common.h"

enum check_step {
	CK_OPPORTUNITY = 0,
	CK_HISTORY,
	CK_QUERY,
	CK_DRY_RUN,
	CK_AUDIT,
	CK_IDENTITY,
	CK_DONE
};

/* The audit object's fields (contrib/WRITES.md). */
static const char *const audit_required[] = {
	"Object_Name__c", "Record_Id__c", "Field_Name__c", "Old_Value__c",
	"New_Value__c", "Justification__c", "Performed_By__c", NULL
};

#define CHECK_SOQL	"SELECT Id FROM Opportunity LIMIT 1"

struct check_state {
	cJSON	*checks;
	int	 reachable;	/* the first describe answered */
};

static void
check_state_free(void *p)
{
	struct check_state *s = p;

	if (s == NULL)
		return;
	cJSON_Delete(s->checks);
	free(s);
}

static void
add(struct check_state *s, const char *name, const char *status,
    const char *detail, const char *fix)
{
	cJSON	*c;

	if ((c = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	cJSON_AddStringToObject(c, "name", name);
	cJSON_AddStringToObject(c, "status", status);
	cJSON_AddStringToObject(c, "detail", detail);
	if (fix != NULL)
		cJSON_AddStringToObject(c, "fix", fix);
	cJSON_AddItemToArray(s->checks, c);
}

/* An IMSG_ERROR answer: its code and text (msg freed by the caller). */
static int
error_of(struct buf *b, uint32_t *code, char **msg)
{
	if (buf_get_u32(b, code) == -1 || buf_get_str(b, msg, 65536) == -1 ||
	    buf_get_end(b) == -1)
		fatalx("malformed ERROR answer");
	return 0;
}

static int
has_string(const cJSON *arr, const char *v)
{
	const cJSON	*e;

	cJSON_ArrayForEach(e, arr)
		if (cJSON_IsString(e) && strcmp(e->valuestring, v) == 0)
			return 1;
	return 0;
}

static const char *
credentials_fix(const char *flow)
{
	if (strcmp(flow, "refresh_token") == 0)
		return "the refresh token was refused or revoked: run "
		    "sfrevops-mcp login and set SFDC_REFRESH_TOKEN_FILE, and "
		    "check SFDC_CLIENT_ID is the Connected App's consumer key";
	if (strcmp(flow, "jwt") == 0)
		return "check SFDC_CLIENT_ID, SFDC_USERNAME and that the "
		    "Connected App holds the certificate of SFDC_PRIVATE_KEY "
		    "and pre-authorizes the user";
	if (strcmp(flow, "client_credentials") == 0)
		return "check SFDC_CLIENT_ID and SFDC_CLIENT_SECRET, and that "
		    "the Connected App enables the client credentials flow "
		    "with a Run As user";
	return "the access token expired or is wrong: get a new one, or "
	    "configure a refresh token (sfrevops-mcp login)";
}

static enum tool_verdict	check_next(struct tool_ctx *);

static void
on_opportunity(struct tool_ctx *ctx, struct check_state *s, uint32_t code,
    const char *err, cJSON *j)
{
	const char	*flow = tool_arg_str(ctx, "auth_flow");
	const char	*version = tool_arg_str(ctx, "api_version");
	const cJSON	*fields, *stages;
	char		 d[1024];

	if (j == NULL) {
		snprintf(d, sizeof(d), "describe Opportunity failed: %s", err);
		if (code == SFE_AUTH) {
			add(s, "credentials", "fail", d, credentials_fix(flow));
			add(s, "api_version", "skip", "not checked: no token",
			    NULL);
		} else if (code == SFE_NOT_FOUND) {
			snprintf(d, sizeof(d), "flow %s: a token was accepted",
			    flow);
			add(s, "credentials", "ok", d, NULL);
			snprintf(d, sizeof(d), "%s: %s", version, err);
			add(s, "api_version", "fail", d, "set SFDC_API_VERSION "
			    "to a version the org lists at /services/data (the "
			    "newest, or v60.0)");
		} else {
			add(s, "credentials", "fail", d, code == SFE_NETWORK ?
			    "check SFDC_INSTANCE_URL, SFDC_CA_FILE and the "
			    "network (proxy settings)" : credentials_fix(flow));
			add(s, "api_version", "skip", "not checked", NULL);
		}
		add(s, "commit_stage", "skip", "not checked", NULL);
		add(s, "stage_dates", "skip", "not checked", NULL);
		return;
	}
	s->reachable = 1;
	snprintf(d, sizeof(d), "flow %s: Salesforce accepted the token", flow);
	add(s, "credentials", "ok", d, NULL);
	snprintf(d, sizeof(d), "%s answers", version);
	add(s, "api_version", "ok", d, NULL);
	stages = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    j, "picklists"), "StageName");
	snprintf(d, sizeof(d), "'%s' %s the Opportunity StageName picklist",
	    ctx->commit_stage, has_string(stages, ctx->commit_stage) ? "is in" :
	    "is not in");
	add(s, "commit_stage", has_string(stages, ctx->commit_stage) ? "ok" :
	    "fail", d, "set SFDC_COMMIT_STAGE_NAME to the stage your org "
	    "uses for committed deals (at_risk_commits reads it)");
	fields = cJSON_GetObjectItemCaseSensitive(j, "fields");
	if (has_string(fields, "LastStageChangeDate")) {
		add(s, "stage_dates", "ok", "Opportunity.LastStageChangeDate "
		    "is readable", NULL);
		ctx->step = CK_QUERY;
	} else
		ctx->step = CK_HISTORY;
}

static void
on_history(struct check_state *s, const char *err, cJSON *j)
{
	char	 d[1024];

	if (j != NULL)
		add(s, "stage_dates", "ok", "no LastStageChangeDate, but "
		    "OpportunityHistory (stage history) is readable", NULL);
	else {
		snprintf(d, sizeof(d), "neither Opportunity.LastStageChangeDate "
		    "nor OpportunityHistory is readable (%s)", err);
		add(s, "stage_dates", "fail", d, "give the integration user "
		    "read access to LastStageChangeDate (field-level security) "
		    "or to OpportunityHistory; stale_opps needs one");
	}
}

static void
on_dry_run(struct tool_ctx *ctx, struct check_state *s, const char *err,
    cJSON *j)
{
	const char	*soql, *note, *mode = ctx->fls_mode;
	char		 d[1200];

	if (j == NULL) {
		snprintf(d, sizeof(d), "SFDC_FLS_MODE=%s: %s", mode, err);
		add(s, "fls", "fail", d, "set SFDC_FLS_MODE=auto, or none if "
		    "the org refuses the clause");
		return;
	}
	soql = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j,
	    "soql"));
	note = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j,
	    "note"));
	snprintf(d, sizeof(d), "SFDC_FLS_MODE=%s: queries go %s%s%s", mode,
	    soql != NULL && strstr(soql, "WITH SECURITY_ENFORCED") != NULL ?
	    "WITH SECURITY_ENFORCED" : soql != NULL &&
	    strstr(soql, "WITH USER_MODE") != NULL ? "WITH USER_MODE" :
	    "without a clause (Salesforce still applies field-level "
	    "security)", note != NULL ? "; " : "", note != NULL ? note : "");
	add(s, "fls", "ok", d, NULL);
}

static void
on_audit(struct tool_ctx *ctx, struct check_state *s, const char *err,
    cJSON *j)
{
	const char	*object = tool_arg_str(ctx, "audit_object");
	const cJSON	*fields;
	char		 d[1200], missing[512];
	size_t		 i, off = 0;

	if (j == NULL) {
		snprintf(d, sizeof(d), "%s: %s", object, err);
		add(s, "audit_object", "fail", d, "deploy the audit object "
		    "(README, 'The audit object') and give the integration "
		    "user read and create access, or set SFDC_AUDIT_OBJECT");
		add(s, "audit_failed_field", "skip", "not checked", NULL);
		return;
	}
	fields = cJSON_GetObjectItemCaseSensitive(j, "fields");
	missing[0] = '\0';
	for (i = 0; audit_required[i] != NULL; i++) {
		int n;

		if (has_string(fields, audit_required[i]))
			continue;
		n = snprintf(missing + off, sizeof(missing) - off, "%s%s",
		    off ? ", " : "", audit_required[i]);
		if (n > 0 && (size_t)n < sizeof(missing) - off)
			off += (size_t)n;
	}
	if (off > 0) {
		snprintf(d, sizeof(d), "%s lacks %s (or the integration user "
		    "cannot see them)", object, missing);
		add(s, "audit_object", "fail", d, "add the fields, or grant "
		    "field-level security on them; the write tools stay off "
		    "without them");
	} else {
		snprintf(d, sizeof(d), "%s has every required field (names "
		    "only: this check does not see their types)", object);
		add(s, "audit_object", "ok", d, NULL);
	}
	if (has_string(fields, "Failed__c"))
		add(s, "audit_failed_field", "ok", "Failed__c is there: a "
		    "failed write leaves an audit row", NULL);
	else
		add(s, "audit_failed_field", "warn", "no Failed__c: a failed "
		    "write is only in the local journal", "add a checkbox "
		    "Failed__c to the audit object");
}

static void
on_identity(struct check_state *s, const char *err, cJSON *j)
{
	char		 d[1024];
	const char	*org, *name, *inst;

	if (j == NULL) {
		snprintf(d, sizeof(d), "the identity service did not answer: "
		    "%s", err);
		add(s, "org", "warn", d, "results cannot name their org");
		return;
	}
	org = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j,
	    "organization_id"));
	name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j,
	    "org_name"));
	inst = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j,
	    "instance"));
	snprintf(d, sizeof(d), "%s (%s) at %s, %s", org != NULL ? org : "?",
	    name != NULL ? name : "no name", inst != NULL ? inst : "?",
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "is_sandbox")) ?
	    "a sandbox" : "production (not a sandbox)");
	add(s, "org", "ok", d, NULL);
}

static enum tool_verdict
check_start(struct tool_ctx *ctx)
{
	struct check_state *s;

	s = xcalloc(1, sizeof(*s));
	if ((s->checks = cJSON_CreateArray()) == NULL)
		fatalx("cJSON_CreateArray");
	ctx->state = s;
	ctx->step = CK_OPPORTUNITY;
	return check_next(ctx);
}

/* Send the request of the current step, or finish. */
static enum tool_verdict
check_next(struct tool_ctx *ctx)
{
	struct check_state	*s = ctx->state;
	struct buf		 b;
	const cJSON		*c;
	cJSON			*out;
	char			*text = NULL, *line;

	switch (ctx->step) {
	case CK_OPPORTUNITY:
		common_send_describe(ctx, "Opportunity");
		return TOOL_WAIT;
	case CK_HISTORY:
		common_send_describe(ctx, "OpportunityHistory");
		return TOOL_WAIT;
	case CK_QUERY:
		if (!s->reachable) {
			add(s, "fls", "skip", "not checked", NULL);
			ctx->step = CK_AUDIT;
			return check_next(ctx);
		}
		common_send_query(ctx, 0, CHECK_SOQL);
		return TOOL_WAIT;
	case CK_DRY_RUN:
		common_send_query(ctx, 1, CHECK_SOQL);
		return TOOL_WAIT;
	case CK_AUDIT:
		if (!s->reachable) {
			add(s, "audit_object", "skip", "not checked", NULL);
			add(s, "audit_failed_field", "skip", "not checked",
			    NULL);
			ctx->step = CK_IDENTITY;
			return check_next(ctx);
		}
		common_send_describe(ctx, tool_arg_str(ctx, "audit_object"));
		return TOOL_WAIT;
	case CK_IDENTITY:
		buf_init(&b);
		tool_request(ctx, IMSG_SF_IDENTITY, &b);
		buf_free(&b);
		return TOOL_WAIT;
	default:
		break;
	}
	cJSON_ArrayForEach(c, s->checks) {
		xasprintf(&line, "%s%s: %s: %s", text != NULL ? text : "",
		    cJSON_GetStringValue(cJSON_GetObjectItem(c, "status")),
		    cJSON_GetStringValue(cJSON_GetObjectItem(c, "name")),
		    cJSON_GetStringValue(cJSON_GetObjectItem(c, "detail")));
		free(text);
		xasprintf(&text, "%s\n", line);
		free(line);
	}
	if ((out = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	cJSON_AddItemToObject(out, "checks", s->checks);
	s->checks = NULL;
	return tool_done(ctx, out, text != NULL ? text : xstrdup(""));
}

static enum tool_verdict
check_answer(struct tool_ctx *ctx, uint32_t type, struct buf *b)
{
	struct check_state	*s = ctx->state;
	uint32_t		 code = SFE_OK;
	char			*err = NULL;
	cJSON			*j = NULL;

	if (type == IMSG_ERROR)
		error_of(b, &code, &err);
	else if ((j = common_answer_json(ctx, b)) == NULL)
		return TOOL_FAIL;
	switch (ctx->step) {
	case CK_OPPORTUNITY:
		on_opportunity(ctx, s, code, err, j);
		if (!s->reachable)
			ctx->step = CK_QUERY;
		break;
	case CK_HISTORY:
		on_history(s, err, j);
		ctx->step = CK_QUERY;
		break;
	case CK_QUERY:
		if (j == NULL) {
			char d[1200];
			snprintf(d, sizeof(d), "SFDC_FLS_MODE=%s: a query "
			    "failed: %s", ctx->fls_mode, err);
			add(s, "fls", "fail", d, "set SFDC_FLS_MODE=auto, or "
			    "none if the org refuses the clause");
			ctx->step = CK_AUDIT;
		} else
			ctx->step = CK_DRY_RUN;
		break;
	case CK_DRY_RUN:
		on_dry_run(ctx, s, err, j);
		ctx->step = CK_AUDIT;
		break;
	case CK_AUDIT:
		on_audit(ctx, s, err, j);
		ctx->step = CK_IDENTITY;
		break;
	case CK_IDENTITY:
		on_identity(s, err, j);
		ctx->step = CK_DONE;
		break;
	default:
		fatalx("check: an answer after the last step");
	}
	free(err);
	cJSON_Delete(j);
	return check_next(ctx);
}

static const struct tool_arg check_args[] = {
	{ "auth_flow", ARG_STRING, 1, "How the broker obtains tokens.", 0, 0,
	  NULL, NULL, 0, 0, 0 },
	{ "api_version", ARG_STRING, 1, "SFDC_API_VERSION.", 0, 0, NULL,
	  NULL, 0, 0, 0 },
	{ "audit_object", ARG_STRING, 1, "SFDC_AUDIT_OBJECT.", 0, 0, NULL,
	  NULL, 0, 0, 0 },
	ARG_END
};

const struct tool tool_check = {
	"check",
	"Check the configuration",
	"sfrevops-mcp check: the configuration against the org (private to "
	"check mode; never listed).",
	check_args,
	"{\"type\":\"object\",\"properties\":{\"checks\":{\"type\":\"array\","
	"\"items\":{\"type\":\"object\",\"properties\":{\"name\":{\"type\":"
	"\"string\"},\"status\":{\"enum\":[\"ok\",\"warn\",\"fail\",\"skip\"]},"
	"\"detail\":{\"type\":\"string\"},\"fix\":{\"type\":\"string\"}},"
	"\"required\":[\"name\",\"status\",\"detail\"]}}},\"required\":"
	"[\"checks\"]}",
	TOOL_READ_ONLY | TOOL_SEES_ERRORS,
	check_start,
	check_answer,
	check_state_free,
	NULL
};
