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
 *	2. describe OpportunityHistory (stage history), or else
 *	   OpportunityFieldHistory (StageName's field history)
 *	3. a query, then its dry run: the FLS clause as the broker sends it
 *	   (with SFDC_FLS_MODE=auto, after its probe)
 *	4. describe the audit object: its required fields, and Failed__c
 *	5. the identity: which org, sandbox or not
 *	6. what the writer said in its WR_STATUS (front.c waits for it):
 *	   the journal as the parent opened it (conf.c journal_open, and
 *	   journal_fd.c: owner, mode, size against SFDC_JOURNAL_MAX_MB),
 *	   the audit object as the writer validated it, and its check of
 *	   SFDC_WRITE_OBJECTS and SFDC_WRITABLE_FIELDS (one describe per
 *	   object: each named field exists, is updateable, and is of a
 *	   type update_field writes)
 *
 * The answer: {checks: [{name, status: ok|warn|fail|skip, detail, fix}]}.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sfrevops.h"
#include "tools/common.h"

enum check_step {
	CK_OPPORTUNITY = 0,
	CK_HISTORY,
	CK_FIELD_HISTORY,
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
	char	 hist_err[512];	/* OpportunityHistory's describe error */
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
	    ctx->commit_stage, tool_json_has_string(stages, ctx->commit_stage) ? "is in" :
	    "is not in");
	add(s, "commit_stage", tool_json_has_string(stages, ctx->commit_stage) ? "ok" :
	    "fail", d, "set SFDC_COMMIT_STAGE_NAME to the stage your org "
	    "uses for committed deals (at_risk_commits reads it)");
	fields = cJSON_GetObjectItemCaseSensitive(j, "fields");
	if (tool_json_has_string(fields, "LastStageChangeDate")) {
		add(s, "stage_dates", "ok", "Opportunity.LastStageChangeDate "
		    "is readable", NULL);
		ctx->step = CK_QUERY;
	} else
		ctx->step = CK_HISTORY;
}

/* 1: OpportunityHistory answered; 0: try OpportunityFieldHistory. */
static int
on_history(struct check_state *s, const char *err, cJSON *j)
{
	if (j != NULL) {
		add(s, "stage_dates", "ok", "no LastStageChangeDate, but "
		    "OpportunityHistory (stage history) is readable", NULL);
		return 1;
	}
	snprintf(s->hist_err, sizeof(s->hist_err), "%s", err != NULL ? err :
	    "no answer");
	return 0;
}

static void
on_field_history(struct check_state *s, const char *err, cJSON *j)
{
	char	 d[1200];

	if (j != NULL) {
		add(s, "stage_dates", "ok", "no LastStageChangeDate and no "
		    "readable OpportunityHistory, but OpportunityFieldHistory "
		    "(StageName's field history) is: stale_opps uses it",
		    NULL);
		return;
	}
	snprintf(d, sizeof(d), "neither Opportunity.LastStageChangeDate nor "
	    "OpportunityHistory (%s) nor OpportunityFieldHistory (%s) is "
	    "readable", s->hist_err, err != NULL ? err : "no answer");
	add(s, "stage_dates", "fail", d, "give the integration user read "
	    "access to LastStageChangeDate (field-level security) or to "
	    "OpportunityHistory, or track StageName's field history; "
	    "stale_opps needs one");
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

		if (tool_json_has_string(fields, audit_required[i]))
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
	if (tool_json_has_string(fields, "Failed__c"))
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

/* ------------------------------------------------------ the writer's */

static const char *
arg_opt(struct tool_ctx *ctx, const char *name)
{
	return tool_arg_str(ctx, name);
}

static void
mib(char *out, size_t len, double bytes)
{
	snprintf(out, len, "%.1f MiB", bytes / (1024.0 * 1024.0));
}

static void
check_journal(struct tool_ctx *ctx, struct check_state *s, const cJSON *st)
{
	const char	*journal = tool_arg_str(ctx, "journal");
	const char	*why = arg_opt(ctx, "journal_why");
	const char	*fsfree = arg_opt(ctx, "journal_fs_free");
	const char	*reason, *path;
	const cJSON	*jr;
	char		 d[2400], used[32], max[32], fr[32];
	double		 size, limit, avail;

	if (strcmp(journal, "none") == 0) {
		snprintf(d, sizeof(d), "no journal (%s): the write tools are "
		    "off", why != NULL ? why : "SFDC_JOURNAL=none");
		add(s, "journal", "warn", d, "set SFDC_JOURNAL to a file (the "
		    "default is under $XDG_STATE_HOME or ~/.local/state) to "
		    "allow the audited writes");
		return;
	}
	jr = cJSON_GetObjectItemCaseSensitive(st, "journal");
	if (jr == NULL) {
		add(s, "journal", "fail", "the writer did not say how the "
		    "journal is", "see the log of sfrevops-mcp check");
		return;
	}
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(jr, "usable"))) {
		reason = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		    st, "reason"));
		snprintf(d, sizeof(d), "%s", reason != NULL ? reason :
		    "the journal cannot be used");
		add(s, "journal", "fail", d, reason != NULL &&
		    strstr(reason, "SFDC_JOURNAL_MAX_MB") != NULL ?
		    "archive the journal (move it away: a new one is "
		    "started) or raise SFDC_JOURNAL_MAX_MB" :
		    "the journal's directory and file must be owned by the "
		    "user the server runs as and not group- or world-writable "
		    "(chmod 700 the directory, 600 the file), the file a "
		    "regular file with one link; fix them, or set "
		    "SFDC_JOURNAL to a path that is");
		return;
	}
	path = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(jr,
	    "path"));
	size = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(jr,
	    "size"));
	limit = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(jr,
	    "max"));
	mib(used, sizeof(used), size);
	mib(max, sizeof(max), limit);
	if (fsfree != NULL) {
		avail = strtod(fsfree, NULL);
		mib(fr, sizeof(fr), avail);
	} else {
		avail = -1;
		strlcpy_sf(fr, "unknown", sizeof(fr));
	}
	snprintf(d, sizeof(d), "%s: opened for appending, owner and mode "
	    "checked (the user's, closed to others); %s of SFDC_JOURNAL_MAX_MB "
	    "%s used; %s free on its file system", path != NULL ? path : "?",
	    used, max, fr);
	if (avail >= 0 && avail < limit - size)
		add(s, "journal", "warn", d, "the file system has less room "
		    "than SFDC_JOURNAL_MAX_MB allows the journal: free space, "
		    "or lower SFDC_JOURNAL_MAX_MB (a write that cannot be "
		    "journaled is refused)");
	else
		add(s, "journal", "ok", d, NULL);
}

static void
check_writes(struct tool_ctx *ctx, struct check_state *s, const cJSON *st)
{
	const char	*writes, *reason, *audit;
	char		 d[2400];

	writes = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(st,
	    "writes"));
	reason = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(st,
	    "reason"));
	audit = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(st,
	    "audit"));
	if (writes == NULL) {
		add(s, "writer", "fail", "the writer said nothing of its "
		    "status", "see the log of sfrevops-mcp check");
		return;
	}
	if (strcmp(writes, "enabled") == 0) {
		snprintf(d, sizeof(d), "update_field and add_note are "
		    "available: the audit object %s was validated; %s",
		    tool_arg_str(ctx, "audit_object"), cJSON_IsTrue(
		    cJSON_GetObjectItemCaseSensitive(st, "failed_flag")) ?
		    "Failed__c is there (a refused attempt leaves a failed "
		    "audit row)" : "no Failed__c (a refused attempt is kept "
		    "in the journal only)");
		add(s, "writer", "ok", d, NULL);
		return;
	}
	snprintf(d, sizeof(d), "update_field and add_note: Unavailable: %s",
	    reason != NULL && reason[0] != '\0' ? reason : "no reason given");
	/* No journal by choice: said by the journal line already. */
	if (strcmp(tool_arg_str(ctx, "journal"), "none") == 0 && audit != NULL
	    && strcmp(audit, "bad") != 0) {
		add(s, "writer", "warn", d, "set SFDC_JOURNAL to allow writes");
		return;
	}
	add(s, "writer", "fail", d, strcmp(writes, "unknown") == 0 ?
	    "the org did not answer the writer's describe of the audit "
	    "object: see credentials and api_version above" : audit != NULL &&
	    strcmp(audit, "bad") == 0 ? "deploy the audit object with its "
	    "required fields (README, 'The audit object'), or name it in "
	    "SFDC_AUDIT_OBJECT" : "see the reason, and the journal line");
}

static void
check_fields(struct check_state *s, const cJSON *st)
{
	const cJSON	*arr, *e;
	const char	*err;
	char		 d[1200];
	int		 n = 0;
	double		 objects, more;

	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(st,
	    "fields_checked"))) {
		add(s, "writable_fields", "fail", "the writer did not finish "
		    "its check of SFDC_WRITABLE_FIELDS", "see the log of "
		    "sfrevops-mcp check");
		return;
	}
	err = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(st,
	    "fields_error"));
	if (err != NULL) {
		snprintf(d, sizeof(d), "not checked: %s", err);
		add(s, "writable_fields", "skip", d, NULL);
		return;
	}
	arr = cJSON_GetObjectItemCaseSensitive(st, "fields");
	cJSON_ArrayForEach(e, arr) {
		const char *nm = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(e, "name"));
		const char *pr = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(e, "problem"));
		const char *fx = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(e, "fix"));

		if (nm == NULL || pr == NULL)
			continue;
		add(s, strchr(nm, '.') != NULL ? "writable_field" :
		    "write_object", "fail", pr, fx);
		n++;
	}
	objects = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(st,
	    "fields_objects"));
	more = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(st,
	    "fields_more"));
	if (isnan(more))
		more = 0;
	if (n > 0 || more > 0) {
		snprintf(d, sizeof(d), "%d %s of SFDC_WRITE_OBJECTS or "
		    "SFDC_WRITABLE_FIELDS cannot be written (the lines above)",
		    n, n == 1 ? "entry" : "entries");
		if (more > 0) {
			size_t len = strlen(d);
			snprintf(d + len, sizeof(d) - len, ", and %.0f more the "
			    "writer's status had no room for", more);
		}
		add(s, "writable_fields", "fail", d, "see each line; update_field "
		    "refuses these fields");
		return;
	}
	snprintf(d, sizeof(d), "%.0f object%s of SFDC_WRITE_OBJECTS described; "
	    "every field SFDC_WRITABLE_FIELDS names exists, is updateable and "
	    "of a type update_field writes (Object.* entries: describe "
	    "decides at each write)", isnan(objects) ? 0 : objects,
	    objects == 1 ? "" : "s");
	add(s, "writable_fields", "ok", d, NULL);
}

/* The writer's findings, from its WR_STATUS as the front kept it. */
static void
check_writer(struct tool_ctx *ctx, struct check_state *s)
{
	const char	*writer = tool_arg_str(ctx, "writer");
	const char	*text = arg_opt(ctx, "writer_status");
	cJSON		*st = NULL;

	if (strcmp(writer, "absent") == 0) {
		add(s, "journal", "skip", "no write tool allowed (SFDC_TOOLS): "
		    "the journal is not opened", NULL);
		add(s, "writer", "skip", "no write tool allowed (SFDC_TOOLS): "
		    "the writer is not started", NULL);
		add(s, "writable_fields", "skip", "no write tool allowed", NULL);
		return;
	}
	if (text != NULL)
		st = cJSON_Parse(text);
	if (strcmp(writer, "gone") == 0 || st == NULL) {
		add(s, "writer", "fail", strcmp(writer, "gone") == 0 ?
		    "the writer stopped before it said its status" :
		    "the writer said nothing of its status", "see the log of "
		    "sfrevops-mcp check (SFDC_LOG_LEVEL=debug)");
		cJSON_Delete(st);
		return;
	}
	check_journal(ctx, s, st);
	check_writes(ctx, s, st);
	if (strcmp(writer, "late") == 0)
		add(s, "writable_fields", "fail", "the writer did not finish "
		    "its check of SFDC_WRITABLE_FIELDS within "
		    "SFDC_CALL_TIMEOUT_MS", "the org is slow: try again, or "
		    "raise SFDC_CALL_TIMEOUT_MS");
	else
		check_fields(s, st);
	cJSON_Delete(st);
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
	case CK_FIELD_HISTORY:
		common_send_describe(ctx, "OpportunityFieldHistory");
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
	check_writer(ctx, s);
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
		ctx->step = on_history(s, err, j) ? CK_QUERY :
		    CK_FIELD_HISTORY;
		break;
	case CK_FIELD_HISTORY:
		on_field_history(s, err, j);
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
	{ "writer", ARG_STRING, 1, "absent, gone, done or late.", 0, 0, NULL,
	  NULL, 0, 0, 0 },
	{ "writer_status", ARG_STRING, 0, "The writer's WR_STATUS.", 0, 0,
	  NULL, NULL, 0, 0, 0 },
	{ "journal", ARG_STRING, 1, "SFDC_JOURNAL.", 0, 0, NULL, NULL, 0, 0,
	  0 },
	{ "journal_why", ARG_STRING, 0, "Why there is none.", 0, 0, NULL, NULL,
	  0, 0, 0 },
	{ "journal_fs_free", ARG_STRING, 0, "Bytes free on its file system.",
	  0, 0, NULL, NULL, 0, 0, 0 },
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
