/*
 * writer.c: the only peer whose mutation requests the broker accepts.
 *
 * Its job is audit-then-update (contrib/WRITES.md): a light write from
 * the front (WR_UPDATE, WR_NOTE) is checked whole before anything is
 * asked of Salesforce, then read (describe, the old value, who the token
 * is) and turned into a plan: the exact composite the broker would send,
 * from a dry run of the broker itself.  The front confirms it (or a
 * person declines) with WR_COMMIT; only then is the attempt journaled
 * (fsync'ed), the mutation sent, and its outcome journaled and answered.
 * An outcome nobody saw (SFE_AMBIGUOUS) is looked up by its attempt id
 * in the audit object, never sent again.
 *
 * Every front request is answered exactly once.  Each is an op: a small
 * state machine with at most one broker request in flight, matched by
 * the writer's own request id; many ops run at once, each bounded.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "sfrevops.h"
#include "policy_table.h"
#include "objects.h"
#include "write_value.h"
#include "journal.h"
#include "journal_fd.h"

#define REQ_DRY_RUN		0x01
#define MAX_PLANS		16
#define PLAN_TTL_MS		(10 * 60 * 1000)
#define MAX_OPS			64

enum decision {
	DECIDE_ACCEPTED = 1,
	DECIDE_DECLINED = 2,
	DECIDE_CANCELLED = 3,
	DECIDE_NOT_ASKED = 4
};

enum wstatus {
	WS_UNKNOWN = 0,
	WS_ENABLED,
	WS_DISABLED
};

enum audit_state {
	AUD_UNCHECKED = 0,	/* not yet, or the org was unreachable */
	AUD_OK,
	AUD_BAD			/* missing object or field: writes off */
};

/* The audit object's required fields, text each. */
static const char *const audit_required[] = {
	"Object_Name__c", "Record_Id__c", "Field_Name__c", "Old_Value__c",
	"New_Value__c", "Justification__c", "Performed_By__c", NULL
};

enum op_step {
	ST_NONE = 0,
	ST_AUDIT,		/* SF_DESCRIBE of the audit object */
	ST_DESCRIBE,		/* SF_DESCRIBE of the record's object */
	ST_GET,			/* SF_GET of the old value */
	ST_IDENTITY,		/* SF_IDENTITY */
	ST_DRYRUN,		/* SF_WRITE_* with REQ_DRY_RUN */
	ST_SEND,		/* SF_WRITE_* for real */
	ST_FAILED_AUDIT,	/* SF_AUDIT_FAILED */
	ST_LOOKUP,		/* SF_QUERY of the attempt id */
	ST_FAILED_LOOKUP,	/* SF_QUERY of the attempt's failed row */
	ST_FIELDS		/* SF_DESCRIBE of a write object: the check */
};

/*
 * The check of SFDC_WRITE_OBJECTS and SFDC_WRITABLE_FIELDS (sfrevops-mcp
 * check, and the start-up check): every object described once (the
 * broker keeps describes, so the writes reuse them), every field named
 * in SFDC_WRITABLE_FIELDS there, updateable, and of a type wv_convert()
 * writes.  What fails is said in WR_STATUS ("fields").
 */

struct plan {
	char		 id[35];	/* "p_" + 32 hex; "" for a dry run */
	char		 attempt[27];	/* "w_" + 24 hex */
	uint32_t	 tool;		/* IMSG_WR_UPDATE or IMSG_WR_NOTE */
	char		 object[SF_MAX_NAME + 1];
	char		 rid[19];
	char		 field[SF_MAX_NAME + 1];
	char		*label;
	cJSON		*old_value;
	cJSON		*new_value;
	char		*justification;
	char		*client;
	char		*title;		/* note */
	char		*content;	/* note: base64 HTML */
	size_t		 body_chars;
	char		 lastmod[64];
	cJSON		*audit;		/* the audit fields */
	char		*mutation;	/* the SF_WRITE_* JSON */
	cJSON		*payload;	/* the broker's dry run answer */
	char		 hash[65];	/* BLAKE2b-256 of the composite body */
	uint64_t	 born_ms;
};

struct op {
	uint32_t	 kind;		/* IMSG_WR_*, or 0: start-up check */
	uint32_t	 fid;		/* the front's request id */
	uint32_t	 flags;
	uint32_t	 bid;		/* our broker request, 0 none */
	enum op_step	 step;
	int		 answered;	/* the front has its answer */
	struct plan	*plan;		/* owned */
	cJSON		*req;		/* the front's request */
	cJSON		*outcome;	/* a commit's answer being built */
	size_t		 fidx;		/* ST_FIELDS: the object being described */
	char		*failed_why;	/* ST_FAILED_LOOKUP: why it is looked up */
};

struct writer {
	struct proc_ctx	 proc;
	struct ipc	 front;
	struct ipc	 broker;
	struct journal_fd jfd;		/* from the parent */
	struct journal	 journal;
	uint32_t	 next_bid;
	uint32_t	 msg_type;	/* of the message being dispatched */
	struct op	*ops[MAX_OPS];
	struct plan	*plans[MAX_PLANS];

	/* Settings (CONFIG, contrib/WRITES.md). */
	char		 audit_object[SF_MAX_NAME + 1];
	char		*write_objects;
	char		*writable;
	int		 confirm;	/* SFDC_CONFIRM_WRITES=elicit */
	char		 conf_error[512];

	/* The audit object as describe has it. */
	enum audit_state audit;
	char		 audit_why[1024];
	int		 has_failed, has_attempt, has_error;

	char		*username;	/* SF_IDENTITY, once */

	/* What WR_STATUS said last. */
	int		 status_sent;
	enum wstatus	 status;
	char		 status_reason[2048];
	int		 status_failed;
	char		*status_last;	/* the JSON sent last */

	/* The writable-field check (ST_FIELDS). */
	int		 check_mode;	/* sfrevops-mcp check: every object */
	int		 fields_wanted;	/* check mode or SFDC_STARTUP_CHECK */
	int		 fields_done;	/* finished (or not run) */
	size_t		 fields_objects;	/* objects described */
	char		 fields_error[512];	/* why it stopped short */
	cJSON		*fields;	/* findings: [{name, problem, fix}] */
};

static void	op_next(struct writer *, struct op *);
static void	commit_ambiguous(struct writer *, struct op *, const char *);
static void	op_free(struct writer *, struct op *);

/* ------------------------------------------------------------- helpers */

static void
hex_random(char *out, const char *prefix, size_t nbytes)
{
	unsigned char	 r[16];
	size_t		 plen = strlen(prefix);

	randombytes_buf(r, nbytes);
	memcpy(out, prefix, plen);
	sodium_bin2hex(out + plen, 2 * nbytes + 1, r, nbytes);
}

static const cJSON *
jget(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

static const char *
jstr(const cJSON *o, const char *key)
{
	const cJSON	*v = jget(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static cJSON *
jobj(void)
{
	cJSON	*j;

	if ((j = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	return j;
}

static void
jadd_str(cJSON *o, const char *key, const char *v)
{
	cJSON_AddItemToObject(o, key, v != NULL ? cJSON_CreateString(v) :
	    cJSON_CreateNull());
}

static void
jadd_dup(cJSON *o, const char *key, const cJSON *v)
{
	cJSON_AddItemToObject(o, key, v != NULL ? cJSON_Duplicate(v, 1) :
	    cJSON_CreateNull());
}

static char *
jprint(const cJSON *j)
{
	char	*s;

	if ((s = cJSON_PrintUnformatted(j)) == NULL)
		fatalx("cJSON_PrintUnformatted");
	return s;
}

static void
send_json(struct writer *w, struct ipc *to, uint32_t type, uint32_t id,
    uint32_t flags, int with_flags, const cJSON *j)
{
	struct buf	 b;
	char		*s = jprint(j);

	buf_init(&b);
	if (with_flags)
		buf_put_u32(&b, flags);
	buf_put_str(&b, s);
	ipc_send_buf(to, type, id, &b);
	buf_free(&b);
	free(s);
	proc_flush(&w->proc, to);
}

/* ------------------------------------------------------------- status */

/*
 * The findings of the writable-field check that fit in WR_STATUS (its
 * row's bound, PT_STATUS_MAX) next to what j already holds; the number
 * left out is said as fields_more.
 */
static void
status_fields(struct writer *w, cJSON *j)
{
	cJSON		*arr;
	const cJSON	*f;
	char		*s;
	size_t		 len, more = 0;

	cJSON_AddBoolToObject(j, "fields_checked", w->fields_done &&
	    w->fields_wanted);
	if (!w->fields_wanted || !w->fields_done)
		return;
	cJSON_AddNumberToObject(j, "fields_objects",
	    (double)w->fields_objects);
	if (w->fields_error[0] != '\0')
		cJSON_AddStringToObject(j, "fields_error", w->fields_error);
	arr = cJSON_AddArrayToObject(j, "fields");
	s = jprint(j);
	len = strlen(s);
	free(s);
	cJSON_ArrayForEach(f, w->fields) {
		s = jprint(f);
		/* The item, its comma, and room for "fields_more". */
		if (more > 0 || len + strlen(s) + 1 + 32 > PT_STATUS_MAX - 8)
			more++;
		else {
			len += strlen(s) + 1;
			cJSON_AddItemToArray(arr, cJSON_Duplicate(f, 1));
		}
		free(s);
	}
	if (more > 0)
		cJSON_AddNumberToObject(j, "fields_more", (double)more);
}

/* Say WR_STATUS to the front when it changed. */
static void
status_update(struct writer *w)
{
	enum wstatus	 st;
	char		 reason[2048], *text;
	cJSON		*j, *jr;
	int		 cut;

	reason[0] = '\0';
	if (!journal_usable(&w->journal)) {
		st = WS_DISABLED;
		snprintf(reason, sizeof(reason), "%s", w->journal.why);
	} else if (w->conf_error[0] != '\0') {
		st = WS_DISABLED;
		snprintf(reason, sizeof(reason), "%s", w->conf_error);
	} else if (w->audit == AUD_BAD) {
		st = WS_DISABLED;
		snprintf(reason, sizeof(reason), "%s", w->audit_why);
	} else if (w->audit == AUD_UNCHECKED) {
		st = WS_UNKNOWN;
		snprintf(reason, sizeof(reason), "the audit object %s could "
		    "not be checked yet (%.700s); it is checked again before "
		    "the first write", w->audit_object, w->audit_why[0] ?
		    w->audit_why : "the org has not answered yet");
	} else {
		st = WS_ENABLED;
		if (!w->has_failed)
			snprintf(reason, sizeof(reason), "%s has no Failed__c "
			    "checkbox: an attempt Salesforce refuses is kept "
			    "in the journal only, not as a failed audit row",
			    w->audit_object);
	}
	j = jobj();
	cJSON_AddStringToObject(j, "writes", st == WS_ENABLED ? "enabled" :
	    st == WS_DISABLED ? "disabled" : "unknown");
	cJSON_AddStringToObject(j, "reason", reason);
	cJSON_AddBoolToObject(j, "failed_flag", w->has_failed);
	/* The audit object as checked: "ok", "bad" or "unchecked". */
	cJSON_AddStringToObject(j, "audit", w->audit == AUD_OK ? "ok" :
	    w->audit == AUD_BAD ? "bad" : "unchecked");
	/* The journal as the parent opened it (journal_fd.c). */
	jr = cJSON_AddObjectToObject(j, "journal");
	cJSON_AddBoolToObject(jr, "usable", journal_usable(&w->journal));
	if (journal_usable(&w->journal)) {
		cJSON_AddStringToObject(jr, "path", w->journal.path);
		cJSON_AddNumberToObject(jr, "size", (double)w->journal.size);
		cJSON_AddNumberToObject(jr, "max", (double)w->journal.max);
	}
	status_fields(w, j);
	text = jprint(j);
	/*
	 * Escaped, with the journal's path and the findings, the status may
	 * outgrow its row (PT_STATUS_MAX): the reason is halved, then the
	 * path goes, rather than the writer (status_fields() already
	 * bounds the findings).
	 */
	for (cut = 0; strlen(text) > PT_STATUS_MAX - 8; cut++) {
		char	 shorter[sizeof(reason)];
		size_t	 len = strlen(text);

		free(text);
		if (cut < 6) {
			str_oneline(shorter, strlen(reason) / 2 + 1, reason);
			strlcpy_sf(reason, shorter, sizeof(reason));
			cJSON_ReplaceItemInObjectCaseSensitive(j, "reason",
			    cJSON_CreateString(reason));
		} else if (cut == 6)
			cJSON_DeleteItemFromObjectCaseSensitive(jr, "path");
		else
			fatalx("a status of %zu bytes", len);
		text = jprint(j);
	}
	if (w->status_last != NULL && strcmp(text, w->status_last) == 0) {
		free(text);
		cJSON_Delete(j);
		return;
	}
	if (!w->status_sent || st != w->status || strcmp(reason,
	    w->status_reason) != 0) {
		if (st == WS_DISABLED)
			log_warnx("writes are disabled: %s", reason);
		else if (st == WS_ENABLED)
			log_info("writes are enabled (audit object %s%s%s)",
			    w->audit_object, reason[0] ? "; " : "", reason);
	}
	w->status_sent = 1;
	w->status = st;
	w->status_failed = w->has_failed;
	strlcpy_sf(w->status_reason, reason, sizeof(w->status_reason));
	free(w->status_last);
	w->status_last = text;
	send_json(w, &w->front, IMSG_WR_STATUS, 0, 0, 0, j);
	cJSON_Delete(j);
}

/*
 * The audit object's describe: required fields present and text, the
 * optional ones noted.  NULL if usable, else why not (static).
 */
static void
audit_check(struct writer *w, const cJSON *d)
{
	const cJSON	*fields = jget(d, "meta"), *f;
	const char	*type;
	size_t		 i;

	w->has_failed = w->has_attempt = w->has_error = 0;
	if (!cJSON_IsObject(fields)) {
		w->audit = AUD_BAD;
		snprintf(w->audit_why, sizeof(w->audit_why), "the broker's "
		    "describe of %s carries no field types (meta), which the "
		    "writer needs to check the audit object",
		    w->audit_object);
		return;
	}
	for (i = 0; audit_required[i] != NULL; i++) {
		f = jget(fields, audit_required[i]);
		type = jstr(f, "type");
		if (f == NULL) {
			w->audit = AUD_BAD;
			snprintf(w->audit_why, sizeof(w->audit_why), "the "
			    "audit object %s has no field %s (or the "
			    "integration user cannot see it): writes are "
			    "disabled until it exists", w->audit_object,
			    audit_required[i]);
			return;
		}
		if (type == NULL || (strcmp(type, "string") != 0 &&
		    strcmp(type, "textarea") != 0)) {
			w->audit = AUD_BAD;
			snprintf(w->audit_why, sizeof(w->audit_why), "the "
			    "audit object's field %s.%s is of type %s; it "
			    "must be text", w->audit_object, audit_required[i],
			    type != NULL ? type : "(none)");
			return;
		}
		if (!cJSON_IsTrue(jget(f, "createable")) &&
		    jget(f, "createable") != NULL) {
			w->audit = AUD_BAD;
			snprintf(w->audit_why, sizeof(w->audit_why), "the "
			    "integration user may not set %s.%s (describe "
			    "says it is not createable)", w->audit_object,
			    audit_required[i]);
			return;
		}
	}
	f = jget(fields, "Failed__c");
	w->has_failed = f != NULL && jstr(f, "type") != NULL &&
	    strcmp(jstr(f, "type"), "boolean") == 0;
	f = jget(fields, "Attempt_Id__c");
	w->has_attempt = f != NULL && jstr(f, "type") != NULL &&
	    strcmp(jstr(f, "type"), "string") == 0;
	f = jget(fields, "Error__c");
	w->has_error = f != NULL && jstr(f, "type") != NULL &&
	    (strcmp(jstr(f, "type"), "string") == 0 ||
	    strcmp(jstr(f, "type"), "textarea") == 0);
	w->audit = AUD_OK;
	w->audit_why[0] = '\0';
}

/* ---------------------------------------------------------------- ops */

static struct op *
op_new(struct writer *w, uint32_t kind, uint32_t fid)
{
	struct op	*op;
	size_t		 i;

	for (i = 0; i < MAX_OPS; i++)
		if (w->ops[i] == NULL)
			break;
	if (i == MAX_OPS)
		return NULL;
	op = xcalloc(1, sizeof(*op));
	op->kind = kind;
	op->fid = fid;
	w->ops[i] = op;
	return op;
}

static void
plan_free(struct plan *p)
{
	if (p == NULL)
		return;
	free(p->label);
	cJSON_Delete(p->old_value);
	cJSON_Delete(p->new_value);
	free(p->justification);
	free(p->client);
	free(p->title);
	free(p->content);
	cJSON_Delete(p->audit);
	free(p->mutation);
	cJSON_Delete(p->payload);
	free(p);
}

static void
op_free(struct writer *w, struct op *op)
{
	size_t	 i;

	for (i = 0; i < MAX_OPS; i++)
		if (w->ops[i] == op)
			w->ops[i] = NULL;
	plan_free(op->plan);
	cJSON_Delete(op->req);
	cJSON_Delete(op->outcome);
	free(op->failed_why);
	free(op);
}

static struct op *
op_by_bid(struct writer *w, uint32_t bid)
{
	size_t	 i;

	for (i = 0; i < MAX_OPS; i++)
		if (w->ops[i] != NULL && w->ops[i]->bid == bid)
			return w->ops[i];
	return NULL;
}

static void	op_fail(struct writer *, struct op *, uint32_t, const char *, ...)
    __attribute__((format(printf, 4, 5)));

/* Answer the front with an ERROR (once) and end the op. */
static void
op_fail(struct writer *w, struct op *op, uint32_t code, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[2048];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (op->kind != 0 && !op->answered) {
		ipc_send_error(&w->front, op->fid, code, msg);
		proc_flush(&w->proc, &w->front);
	}
	op_free(w, op);
}

static void
op_reply(struct writer *w, struct op *op, uint32_t type, const cJSON *j)
{
	char	*s;
	size_t	 len;

	if (!op->answered) {
		/* The front's row takes PT_PLAN_MAX: a larger answer would
		 * stop it.  Values too long to show are an error instead. */
		s = jprint(j);
		len = strlen(s);
		free(s);
		if (len > PT_PLAN_MAX - 8) {
			char	 msg[256];

			snprintf(msg, sizeof(msg), "the answer would be %zu "
			    "bytes, more than the %u the front takes: the old "
			    "and new values are too long to show and confirm "
			    "here", len, PT_PLAN_MAX - 8);
			ipc_send_error(&w->front, op->fid, SFE_LIMIT, msg);
			proc_flush(&w->proc, &w->front);
		} else
			send_json(w, &w->front, type, op->fid, 0, 0, j);
	}
	op->answered = 1;
}

static uint32_t
bid_next(struct writer *w)
{
	do {
		if (++w->next_bid == 0)
			w->next_bid = 1;
	} while (op_by_bid(w, w->next_bid) != NULL);
	return w->next_bid;
}

static void
ask_describe(struct writer *w, struct op *op, enum op_step step,
    const char *object)
{
	struct buf	 b;

	op->step = step;
	op->bid = bid_next(w);
	buf_init(&b);
	buf_put_str(&b, object);
	ipc_send_buf(&w->broker, IMSG_SF_DESCRIBE, op->bid, &b);
	buf_free(&b);
	proc_flush(&w->proc, &w->broker);
}

static void
ask_get(struct writer *w, struct op *op)
{
	struct buf	 b;
	char		*fields;

	xasprintf(&fields, "%s,LastModifiedDate", op->plan->field);
	op->step = ST_GET;
	op->bid = bid_next(w);
	buf_init(&b);
	buf_put_u32(&b, 0);
	buf_put_str(&b, op->plan->object);
	buf_put_str(&b, op->plan->rid);
	buf_put_str(&b, fields);
	ipc_send_buf(&w->broker, IMSG_SF_GET, op->bid, &b);
	buf_free(&b);
	free(fields);
	proc_flush(&w->proc, &w->broker);
}

static void
ask_identity(struct writer *w, struct op *op)
{
	op->step = ST_IDENTITY;
	op->bid = bid_next(w);
	ipc_send(&w->broker, IMSG_SF_IDENTITY, op->bid, NULL, 0);
	proc_flush(&w->proc, &w->broker);
}

static void
ask_mutation(struct writer *w, struct op *op, enum op_step step,
    uint32_t type, uint32_t flags, const char *json)
{
	struct buf	 b;
	size_t		 len = strlen(json);

	/* The row's bound (policy_table.h): the broker would take a larger
	 * one for a protocol violation and stop.  Before anything is sent. */
	if (len > PT_WRITE_MAX - 8) {
		op_fail(w, op, SFE_INVALID, "the write is too large to send: "
		    "%zu bytes of JSON with its audit row, at most %u (the "
		    "value appears in the audit row and the change, escaped); "
		    "nothing was sent: shorten the value", len,
		    PT_WRITE_MAX - 8);
		return;
	}
	op->step = step;
	op->bid = bid_next(w);
	buf_init(&b);
	buf_put_u32(&b, flags);
	buf_put_str(&b, json);
	ipc_send_buf(&w->broker, type, op->bid, &b);
	buf_free(&b);
	proc_flush(&w->proc, &w->broker);
}

static void
ask_query(struct writer *w, struct op *op, const char *soql)
{
	struct buf	 b;

	op->step = ST_LOOKUP;
	op->bid = bid_next(w);
	buf_init(&b);
	buf_put_u32(&b, 0);
	buf_put_str(&b, soql);
	ipc_send_buf(&w->broker, IMSG_SF_QUERY, op->bid, &b);
	buf_free(&b);
	proc_flush(&w->proc, &w->broker);
}

/* ---------------------------------------------------------- journal */

static cJSON *
jevent(const struct plan *p, const char *event)
{
	cJSON	*e = jobj();

	cJSON_AddStringToObject(e, "attempt", p->attempt);
	cJSON_AddStringToObject(e, "event", event);
	cJSON_AddStringToObject(e, "tool", p->tool == IMSG_WR_UPDATE ?
	    "update_field" : "add_note");
	cJSON_AddStringToObject(e, "object", p->object);
	cJSON_AddStringToObject(e, "record", p->rid);
	if (p->tool == IMSG_WR_UPDATE) {
		cJSON_AddStringToObject(e, "field", p->field);
		jadd_dup(e, "old_value", p->old_value);
		jadd_dup(e, "new_value", p->new_value);
	} else
		jadd_str(e, "title", p->title);
	if (p->hash[0] != '\0')
		cJSON_AddStringToObject(e, "payload_hash", p->hash);
	return e;
}

/* Append e (consumed); a failure disables writes. 0 or -1 (err). */
static int
journal_put(struct writer *w, cJSON *e, char *err, size_t errlen)
{
	int	 r = journal_append(&w->journal, e, err, errlen);

	cJSON_Delete(e);
	if (r == -1)
		status_update(w);
	return r;
}

/* ------------------------------------------------------------ plans */

static void
plans_prune(struct writer *w)
{
	uint64_t	 now = now_ms();
	size_t		 i;

	for (i = 0; i < MAX_PLANS; i++)
		if (w->plans[i] != NULL &&
		    now - w->plans[i]->born_ms > PLAN_TTL_MS) {
			plan_free(w->plans[i]);
			w->plans[i] = NULL;
		}
}

/* Keep p (owned from now on); the oldest goes when all are taken. */
static void
plans_keep(struct writer *w, struct plan *p)
{
	size_t	 i, oldest = 0;

	plans_prune(w);
	for (i = 0; i < MAX_PLANS; i++) {
		if (w->plans[i] == NULL)
			break;
		if (w->plans[i]->born_ms < w->plans[oldest]->born_ms)
			oldest = i;
	}
	if (i == MAX_PLANS) {
		log_info("plan %s dropped: %d plans are waiting",
		    w->plans[oldest]->id, MAX_PLANS);
		plan_free(w->plans[oldest]);
		i = oldest;
	}
	w->plans[i] = p;
}

/* Take the plan named id out of the table (caller owns), or NULL. */
static struct plan *
plans_take(struct writer *w, const char *id)
{
	struct plan	*p;
	size_t		 i;

	plans_prune(w);
	for (i = 0; i < MAX_PLANS; i++)
		if (w->plans[i] != NULL && strcmp(w->plans[i]->id, id) == 0) {
			p = w->plans[i];
			w->plans[i] = NULL;
			return p;
		}
	return NULL;
}

/* ---------------------------------------------------- request parsing */

static const char *const update_keys[] = {
	"object_type", "object_id", "field_name", "new_value",
	"justification", "client", NULL
};
static const char *const note_keys[] = {
	"object_type", "object_id", "body", "title", "client", NULL
};

static int
keys_known(const cJSON *j, const char *const *keys, char *err, size_t errlen)
{
	const cJSON	*k;
	size_t		 i;

	cJSON_ArrayForEach(k, j) {
		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(k->string, keys[i]) == 0)
				break;
		if (keys[i] == NULL) {
			snprintf(err, errlen, "unknown key '%.80s' in the "
			    "request", k->string);
			return -1;
		}
	}
	return 0;
}

/* object_type, object_id and client: common to both tools. */
static int
parse_target(struct writer *w, const cJSON *j, struct plan *p, char *err,
    size_t errlen)
{
	const struct sf_object	*o;
	const char		*object = jstr(j, "object_type");
	const char		*id = jstr(j, "object_id");
	const char		*client = jstr(j, "client");
	char			 why[256], line[WV_CLIENT_MAX + 1], *q;

	if (object == NULL || !policy_name_valid(object)) {
		snprintf(err, errlen, "object_type must be an object API "
		    "name, one of %s", w->write_objects);
		return -1;
	}
	if (!wv_list_has(w->write_objects, object)) {
		snprintf(err, errlen, "%s is not an object the write tools "
		    "may change; SFDC_WRITE_OBJECTS allows %s", object,
		    w->write_objects);
		return -1;
	}
	strlcpy_sf(p->object, object, sizeof(p->object));
	if (id == NULL) {
		snprintf(err, errlen, "object_id is required: the record's "
		    "15- or 18-character ID");
		return -1;
	}
	o = objects_find(object);
	if (policy_id_valid(id, o != NULL ? o->prefix : NULL, p->rid, why,
	    sizeof(why)) == -1) {
		snprintf(err, errlen, "object_id: %s%s", why, o != NULL &&
		    strstr(why, "starts with") != NULL ? " (an ID of the "
		    "wrong object)" : "");
		return -1;
	}
	if (client != NULL) {
		str_oneline(line, sizeof(line), client);
		/* "@{" would be a composite reference: never sent. */
		for (q = line; (q = strstr(q, "@{")) != NULL; q++)
			q[1] = '(';
		/* Nor may it forge "[attempt w_...]" in Performed_By__c,
		 * which carries the attempt id when the org has no
		 * Attempt_Id__c field: no brackets from the client. */
		for (q = line; *q != '\0'; q++)
			if (*q == '[' || *q == ']')
				*q = *q == '[' ? '(' : ')';
		p->client = xstrdup(line[0] ? line : "an unnamed client");
	} else
		p->client = xstrdup("an unnamed client");
	return 0;
}

/* --------------------------------------------------------- WR_UPDATE */

static struct plan *
plan_new(uint32_t tool)
{
	struct plan	*p = xcalloc(1, sizeof(*p));

	p->tool = tool;
	p->born_ms = now_ms();
	hex_random(p->attempt, "w_", 12);
	return p;
}

static int
parse_request(struct writer *w, struct op *op, struct buf *b, char *err,
    size_t errlen)
{
	char		*json = NULL;
	const cJSON	*j, *v;
	struct plan	*p;

	if (buf_get_u32(b, &op->flags) == -1 ||
	    buf_get_str(b, &json, PT_WRITE_MAX) == -1 || buf_get_end(b) == -1)
		fatalx("the front sent a malformed %s", imsg_name(op->kind));
	op->req = cJSON_Parse(json);
	free(json);
	if (op->req == NULL || !cJSON_IsObject(op->req)) {
		snprintf(err, errlen, "the request is not a JSON object");
		return -1;
	}
	j = op->req;
	if (keys_known(j, op->kind == IMSG_WR_UPDATE ? update_keys :
	    note_keys, err, errlen) == -1)
		return -1;
	op->plan = p = plan_new(op->kind);
	if (op->kind == IMSG_WR_UPDATE) {
		/* The justification first: no request at all without it. */
		if (wv_justification(jget(j, "justification"),
		    &p->justification, err, errlen) == -1)
			return -1;
		if (parse_target(w, j, p, err, errlen) == -1)
			return -1;
		v = jget(j, "field_name");
		if (!cJSON_IsString(v) || !policy_name_valid(v->valuestring)) {
			snprintf(err, errlen, "field_name must be a field API "
			    "name, such as NextStep");
			return -1;
		}
		strlcpy_sf(p->field, v->valuestring, sizeof(p->field));
		if (wv_field_never(p->field)) {
			snprintf(err, errlen, "%s.%s is never written by this "
			    "server", p->object, p->field);
			return -1;
		}
		v = jget(j, "new_value");
		if (v == NULL || !(cJSON_IsString(v) || cJSON_IsNumber(v) ||
		    cJSON_IsBool(v) || cJSON_IsNull(v))) {
			snprintf(err, errlen, "new_value is required: a string, "
			    "number, true/false, or null to clear the field");
			return -1;
		}
		if (cJSON_IsString(v) && v->valuestring[0] == '\0') {
			snprintf(err, errlen, "new_value is an empty string; "
			    "send null to clear the field");
			return -1;
		}
		if ((cJSON_IsString(v) && strstr(v->valuestring, "@{")) ||
		    strstr(p->justification, "@{") != NULL) {
			snprintf(err, errlen, "%s contains '@{', which a "
			    "composite request would read as a reference to "
			    "another subrequest's result; rephrase it",
			    cJSON_IsString(v) && strstr(v->valuestring, "@{") ?
			    "new_value" : "justification");
			return -1;
		}
		return 0;
	}
	/* WR_NOTE */
	if (parse_target(w, j, p, err, errlen) == -1)
		return -1;
	v = jget(j, "body");
	if (!cJSON_IsString(v)) {
		snprintf(err, errlen, "body is required: the note's text, 1 to "
		    "%d characters", WV_NOTE_BODY_MAX);
		return -1;
	}
	if (jget(j, "title") != NULL && !cJSON_IsString(jget(j, "title"))) {
		snprintf(err, errlen, "title must be a string");
		return -1;
	}
	if (wv_note(v->valuestring, jstr(j, "title"), &p->title, &p->content,
	    &p->body_chars, err, errlen) == -1)
		return -1;
	if (strstr(p->title, "@{") != NULL) {
		snprintf(err, errlen, "the title contains '@{', which a "
		    "composite request would read as a reference to another "
		    "subrequest's result; give a title without it");
		return -1;
	}
	p->justification = NULL;
	return 0;
}

/* Why a write cannot start now, or NULL. */
static const char *
writes_refused(struct writer *w)
{
	if (!journal_usable(&w->journal))
		return w->journal.why;
	if (w->conf_error[0] != '\0')
		return w->conf_error;
	if (w->audit == AUD_BAD)
		return w->audit_why;
	return NULL;
}

/*
 * SFDC_TOOLS (the configuration's "tools", when set) holds for the
 * writer too: a front that sends the other write, which the operator
 * did not allow, is refused here, not only by the front.
 */
static int
tool_allowed_here(struct writer *w, uint32_t kind)
{
	const char	*name = kind == IMSG_WR_UPDATE ? "update_field" :
			    "add_note";
	cJSON		*c, *tools;
	const cJSON	*t;
	int		 ok = 1;

	if (w->proc.config_json == NULL ||
	    (c = cJSON_Parse(w->proc.config_json)) == NULL)
		return 0;
	tools = cJSON_GetObjectItemCaseSensitive(c, "tools");
	if (tools != NULL) {
		ok = 0;
		cJSON_ArrayForEach(t, tools)
			if (cJSON_IsString(t) && strcmp(t->valuestring,
			    name) == 0)
				ok = 1;
	}
	cJSON_Delete(c);
	return ok;
}

static void
writer_plan_request(struct writer *w, struct ipc *from, uint32_t id,
    struct buf *b, uint32_t kind)
{
	struct op	*op;
	const char	*why;
	char		 err[1024];

	if ((op = op_new(w, kind, id)) == NULL) {
		ipc_send_error(from, id, SFE_LIMIT, "too many writes are in "
		    "progress; try again in a moment");
		proc_flush(&w->proc, from);
		return;
	}
	if (parse_request(w, op, b, err, sizeof(err)) == -1) {
		op_fail(w, op, SFE_INVALID, "%s", err);
		return;
	}
	if (!tool_allowed_here(w, kind)) {
		op_fail(w, op, SFE_POLICY, "%s is not among the tools "
		    "SFDC_TOOLS allows; nothing was sent", kind ==
		    IMSG_WR_UPDATE ? "update_field" : "add_note");
		return;
	}
	if ((why = writes_refused(w)) != NULL) {
		op_fail(w, op, SFE_POLICY, "writes are disabled: %s", why);
		return;
	}
	op_next(w, op);
}

static void
writer_update(void *arg, struct ipc *from, uint32_t id, struct buf *b)
{
	writer_plan_request(arg, from, id, b, IMSG_WR_UPDATE);
}

static void
writer_note(void *arg, struct ipc *from, uint32_t id, struct buf *b)
{
	writer_plan_request(arg, from, id, b, IMSG_WR_NOTE);
}

/* ------------------------------------------------------ plan building */

static void
audit_fields(struct writer *w, struct plan *p, const char *username)
{
	char	*s, pb[512];
	cJSON	*a;

	cJSON_Delete(p->audit);
	p->audit = a = jobj();
	cJSON_AddStringToObject(a, "Object_Name__c", p->object);
	cJSON_AddStringToObject(a, "Record_Id__c", p->rid);
	if (p->tool == IMSG_WR_UPDATE) {
		cJSON_AddStringToObject(a, "Field_Name__c", p->field);
		s = wv_text(p->old_value);
		jadd_str(a, "Old_Value__c", s);
		free(s);
		s = wv_text(p->new_value);
		jadd_str(a, "New_Value__c", s);
		free(s);
		cJSON_AddStringToObject(a, "Justification__c",
		    p->justification);
	} else {
		/* New_Value__c is the note's id: the broker refers to it. */
		cJSON_AddStringToObject(a, "Field_Name__c", "ContentNote");
		jadd_str(a, "Old_Value__c", NULL);
		xasprintf(&s, "add_note: %s", p->title);
		cJSON_AddStringToObject(a, "Justification__c", s);
		free(s);
	}
	snprintf(pb, sizeof(pb), "%s (via %s)%s%s%s", username, p->client,
	    w->has_attempt ? "" : " [attempt ", w->has_attempt ? "" :
	    p->attempt, w->has_attempt ? "" : "]");
	cJSON_AddStringToObject(a, "Performed_By__c", pb);
	if (w->has_attempt)
		cJSON_AddStringToObject(a, "Attempt_Id__c", p->attempt);
}

static void
build_mutation(struct writer *w, struct plan *p)
{
	cJSON	*m = jobj();

	audit_fields(w, p, w->username);
	cJSON_AddStringToObject(m, "attempt", p->attempt);
	jadd_dup(m, "audit", p->audit);
	cJSON_AddStringToObject(m, "object", p->object);
	cJSON_AddStringToObject(m, "id", p->rid);
	if (p->tool == IMSG_WR_UPDATE) {
		cJSON_AddStringToObject(m, "field", p->field);
		jadd_dup(m, "value", p->new_value);
		if (p->lastmod[0] != '\0')
			cJSON_AddStringToObject(m, "if_unmodified_since",
			    p->lastmod);
	} else {
		cJSON_AddStringToObject(m, "title", p->title);
		cJSON_AddStringToObject(m, "content", p->content);
	}
	free(p->mutation);
	p->mutation = jprint(m);
	cJSON_Delete(m);
}

/* The record's describe: the field, its type, the new value converted. */
static int
plan_describe(struct writer *w, struct op *op, const cJSON *d, char *err,
    size_t errlen)
{
	struct plan	*p = op->plan;
	const cJSON	*fields = jget(d, "meta"), *f = NULL, *pick;
	const cJSON	*k;
	const char	*prefix, *label;

	if (!cJSON_IsObject(fields)) {
		snprintf(err, errlen, "the broker's describe of %s carries no "
		    "field types (meta): the value cannot be checked",
		    p->object);
		return -1;
	}
	if ((prefix = jstr(d, "keyPrefix")) != NULL &&
	    strncmp(p->rid, prefix, 3) != 0) {
		snprintf(err, errlen, "object_id starts with '%.3s', but %s "
		    "IDs start with '%s'", p->rid, p->object, prefix);
		return -1;
	}
	if (p->tool == IMSG_WR_NOTE)
		return 0;
	if ((f = jget(fields, p->field)) == NULL)
		cJSON_ArrayForEach(k, fields)
			if (strcasecmp(k->string, p->field) == 0) {
				f = k;
				strlcpy_sf(p->field, k->string,
				    sizeof(p->field));
				break;
			}
	if (wv_field_writable(p->object, p->field, f, w->writable, err,
	    errlen) == -1)
		return -1;
	pick = jget(jget(d, "picklists"), p->field);
	if (wv_convert(p->field, f, pick, jget(op->req, "new_value"),
	    &p->new_value, err, errlen) == -1)
		return -1;
	label = jstr(f, "label");
	p->label = xstrdup(label != NULL ? label : p->field);
	return 0;
}

static int
plan_old_value(struct op *op, const cJSON *r, char *err, size_t errlen)
{
	struct plan	*p = op->plan;
	const cJSON	*rec = cJSON_GetArrayItem(jget(r, "records"), 0), *v;
	const char	*lm;

	if (!cJSON_IsObject(rec)) {
		snprintf(err, errlen, "no %s with ID %s is visible to the "
		    "integration user", p->object, p->rid);
		return -1;
	}
	v = jget(rec, p->field);
	p->old_value = v != NULL ? cJSON_Duplicate(v, 1) : cJSON_CreateNull();
	if ((lm = jstr(rec, "LastModifiedDate")) != NULL &&
	    strlen(lm) < sizeof(p->lastmod))
		strlcpy_sf(p->lastmod, lm, sizeof(p->lastmod));
	return 0;
}

static void
plan_answer(struct writer *w, struct op *op, const cJSON *dry)
{
	struct plan	*p = op->plan;
	const cJSON	*body = jget(dry, "body");
	cJSON		*j, *e;
	char		*s, err[512];
	unsigned char	 h[32];

	if (!cJSON_IsObject(body)) {
		op_fail(w, op, SFE_INTERNAL, "the broker's dry run of the "
		    "write has no composite body");
		return;
	}
	p->payload = cJSON_Duplicate(body, 1);
	s = jprint(body);
	crypto_generichash(h, sizeof(h), (const unsigned char *)s, strlen(s),
	    NULL, 0);
	free(s);
	sodium_bin2hex(p->hash, sizeof(p->hash), h, sizeof(h));
	if (!(op->flags & REQ_DRY_RUN)) {
		hex_random(p->id, "p_", 16);
		if (journal_put(w, jevent(p, "planned"), err,
		    sizeof(err)) == -1) {
			op_fail(w, op, SFE_POLICY, "writes are disabled: %s",
			    err);
			return;
		}
	}
	j = jobj();
	if (p->id[0] != '\0')
		cJSON_AddStringToObject(j, "plan_id", p->id);
	cJSON_AddStringToObject(j, "attempt_id", p->attempt);
	cJSON_AddStringToObject(j, "object_type", p->object);
	cJSON_AddStringToObject(j, "object_id", p->rid);
	if (p->tool == IMSG_WR_UPDATE) {
		cJSON_AddStringToObject(j, "field_name", p->field);
		cJSON_AddStringToObject(j, "field_label", p->label);
		jadd_dup(j, "old_value", p->old_value);
		jadd_dup(j, "new_value", p->new_value);
		cJSON_AddStringToObject(j, "justification", p->justification);
	} else {
		cJSON_AddStringToObject(j, "title", p->title);
		cJSON_AddNumberToObject(j, "body_chars",
		    (double)p->body_chars);
	}
	cJSON_AddBoolToObject(j, "confirm", w->confirm);
	if ((s = (char *)jstr(dry, "path")) != NULL)
		cJSON_AddStringToObject(j, "path", s);
	jadd_dup(j, "payload", body);
	if (op->flags & REQ_DRY_RUN)
		cJSON_AddBoolToObject(j, "dry_run", 1);
	if (!w->has_failed) {
		e = cJSON_CreateString("the audit object has no Failed__c: "
		    "if Salesforce refuses this write, the attempt is kept "
		    "in the journal only");
		cJSON_AddItemToObject(j, "note", e);
	}
	op_reply(w, op, op->kind == IMSG_WR_UPDATE ? IMSG_WR_UPDATE_R :
	    IMSG_WR_NOTE_R, j);
	cJSON_Delete(j);
	if (!(op->flags & REQ_DRY_RUN)) {
		plans_keep(w, p);
		op->plan = NULL;
	}
	op_free(w, op);
}

/* ------------------------------------------- the writable-field check */

/* Is object named by an explicit Object.Field of SFDC_WRITABLE_FIELDS? */
static int
fields_names_object(const char *writable, const char *object)
{
	char	*copy, *p, *tok, *dot;
	int	 found = 0;

	copy = xstrdup(writable);
	for (p = copy; !found && (tok = strsep(&p, ",")) != NULL;) {
		while (*tok == ' ')
			tok++;
		if ((dot = strchr(tok, '.')) == NULL)
			continue;
		*dot = '\0';
		found = strcasecmp(tok, object) == 0 && strcmp(dot + 1, "*") != 0;
	}
	free(copy);
	return found;
}

/*
 * The i-th object the check describes: in check mode every one of
 * SFDC_WRITE_OBJECTS, at start-up those SFDC_WRITABLE_FIELDS names a
 * field of (what update_field's field list depends on).  0, or -1 when
 * there are no more.
 */
static int
fields_object(struct writer *w, size_t i, char *out, size_t outlen)
{
	char	*copy, *p, *tok;
	size_t	 n = 0;
	int	 r = -1;

	copy = xstrdup(w->write_objects);
	for (p = copy; (tok = strsep(&p, ",")) != NULL;) {
		while (*tok == ' ')
			tok++;
		if (*tok == '\0' || (!w->check_mode &&
		    !fields_names_object(w->writable, tok)))
			continue;
		if (n++ == i) {
			strlcpy_sf(out, tok, outlen);
			r = 0;
			break;
		}
	}
	free(copy);
	return r;
}

static void
fields_finding(struct writer *w, const char *name, const char *problem,
    const char *fix)
{
	cJSON	*f = jobj();

	cJSON_AddStringToObject(f, "name", name);
	cJSON_AddStringToObject(f, "problem", problem);
	cJSON_AddStringToObject(f, "fix", fix);
	cJSON_AddItemToArray(w->fields, f);
}

/* Describe the next object, or finish: WR_STATUS says the findings. */
static void
fields_next(struct writer *w, struct op *op)
{
	char	 object[SF_MAX_NAME + 1];

	if (w->fields_error[0] != '\0' || fields_object(w, op->fidx, object,
	    sizeof(object)) == -1) {
		w->fields_done = 1;
		status_update(w);
		op_free(w, op);
		return;
	}
	ask_describe(w, op, ST_FIELDS, object);
}

static void
fields_start(struct writer *w, struct op *op)
{
	if (!w->fields_wanted || w->conf_error[0] != '\0') {
		w->fields_done = 1;
		status_update(w);
		op_free(w, op);
		return;
	}
	op->fidx = 0;
	fields_next(w, op);
}

/* The object's describe: each field SFDC_WRITABLE_FIELDS names on it. */
static void
fields_examine(struct writer *w, const char *object, const cJSON *d)
{
	const cJSON	*meta = jget(d, "meta"), *fm;
	const char	*type;
	char		*copy, *p, *tok, *dot, name[2 * SF_MAX_NAME + 2];
	char		 problem[512], fix[512];

	w->fields_objects++;
	copy = xstrdup(w->writable);
	for (p = copy; (tok = strsep(&p, ",")) != NULL;) {
		while (*tok == ' ')
			tok++;
		if ((dot = strchr(tok, '.')) == NULL)
			continue;
		*dot = '\0';
		if (strcasecmp(tok, object) != 0 || strcmp(dot + 1, "*") == 0)
			continue;
		snprintf(name, sizeof(name), "%s.%s", object, dot + 1);
		/* Field names are case-insensitive in Salesforce. */
		fm = cJSON_IsObject(meta) ? cJSON_GetObjectItem(meta, dot + 1) :
		    NULL;
		type = jstr(fm, "type");
		if (fm == NULL) {
			snprintf(problem, sizeof(problem), "%s: describe of "
			    "%s has no such field (it does not exist, or "
			    "field-level security hides it from the "
			    "integration user)", name, object);
			snprintf(fix, sizeof(fix), "remove %s from "
			    "SFDC_WRITABLE_FIELDS, or check its API name and "
			    "grant the integration user's permission set "
			    "field-level security on it", name);
		} else if (!cJSON_IsTrue(jget(fm, "updateable"))) {
			snprintf(problem, sizeof(problem), "%s is not "
			    "updateable (describe: a formula, system or "
			    "read-only field, or no edit access)", name);
			snprintf(fix, sizeof(fix), "grant edit access "
			    "(field-level security) on %s to the integration "
			    "user's permission set, or remove it from "
			    "SFDC_WRITABLE_FIELDS", name);
		} else if (!wv_type_supported(type)) {
			snprintf(problem, sizeof(problem), "%s is of type %s, "
			    "which update_field does not write", name,
			    type != NULL ? type : "(none)");
			snprintf(fix, sizeof(fix), "remove %s from "
			    "SFDC_WRITABLE_FIELDS", name);
		} else
			continue;
		fields_finding(w, name, problem, fix);
	}
	free(copy);
}

/* The object could not be described. */
static void
fields_failed(struct writer *w, struct op *op, uint32_t code,
    const char *msg)
{
	char	 object[SF_MAX_NAME + 1], problem[768], fix[512];

	if (code == SFE_NETWORK || code == SFE_AUTH || code == SFE_LIMIT ||
	    code == SFE_DEADLINE || code == SFE_CANCELLED ||
	    code == SFE_INTERNAL) {
		snprintf(w->fields_error, sizeof(w->fields_error), "the org "
		    "did not answer (%.400s)", msg);
		return;
	}
	if (fields_object(w, op->fidx, object, sizeof(object)) == -1)
		fatalx("fields_failed: no object %zu", op->fidx);
	snprintf(problem, sizeof(problem), "SFDC_WRITE_OBJECTS names %s, "
	    "which cannot be described (%.400s)", object, msg);
	snprintf(fix, sizeof(fix), "remove %s from SFDC_WRITE_OBJECTS (and "
	    "its fields from SFDC_WRITABLE_FIELDS), or give the integration "
	    "user's permission set access to it", object);
	fields_finding(w, object, problem, fix);
}

/* The next step of a plan-building op. */
static void
op_next(struct writer *w, struct op *op)
{
	struct plan	*p = op->plan;

	if (w->audit == AUD_UNCHECKED) {
		ask_describe(w, op, ST_AUDIT, w->audit_object);
		return;
	}
	if (op->kind == 0) {
		fields_start(w, op);
		return;
	}
	switch (op->step) {
	case ST_NONE:
	case ST_AUDIT:
		ask_describe(w, op, ST_DESCRIBE, p->object);
		return;
	case ST_DESCRIBE:
		if (p->tool == IMSG_WR_UPDATE) {
			ask_get(w, op);
			return;
		}
		/* FALLTHROUGH */
	case ST_GET:
		if (w->username == NULL) {
			ask_identity(w, op);
			return;
		}
		/* FALLTHROUGH */
	case ST_IDENTITY:
		build_mutation(w, p);
		ask_mutation(w, op, ST_DRYRUN, p->tool == IMSG_WR_UPDATE ?
		    IMSG_SF_WRITE_UPDATE : IMSG_SF_WRITE_NOTE, REQ_DRY_RUN,
		    p->mutation);
		return;
	default:
		fatalx("op_next: step %d", op->step);
	}
}

/* --------------------------------------------------------- WR_COMMIT */

static void
commit_answer(struct writer *w, struct op *op)
{
	cJSON_AddStringToObject(op->outcome, "journal", w->journal.path);
	op_reply(w, op, IMSG_WR_COMMIT_R, op->outcome);
	op_free(w, op);
}

static cJSON *
outcome_new(const struct plan *p, const char *status)
{
	cJSON	*o = jobj();

	cJSON_AddStringToObject(o, "status", status);
	cJSON_AddStringToObject(o, "attempt_id", p->attempt);
	cJSON_AddStringToObject(o, "object_type", p->object);
	cJSON_AddStringToObject(o, "object_id", p->rid);
	if (p->tool == IMSG_WR_UPDATE) {
		cJSON_AddStringToObject(o, "field_name", p->field);
		jadd_dup(o, "old_value", p->old_value);
		jadd_dup(o, "new_value", p->new_value);
	} else
		cJSON_AddStringToObject(o, "title", p->title);
	return o;
}

static void
writer_commit(void *arg, struct ipc *from, uint32_t id, struct buf *b)
{
	struct writer	*w = arg;
	struct op	*op;
	struct plan	*p;
	uint32_t	 decision;
	char		*pid = NULL, err[1024];
	const char	*why;
	cJSON		*e;

	if (buf_get_str(b, &pid, 64) == -1 || buf_get_u32(b, &decision) ==
	    -1 || buf_get_end(b) == -1)
		fatalx("the front sent a malformed WR_COMMIT");
	if (decision < DECIDE_ACCEPTED || decision > DECIDE_NOT_ASKED) {
		free(pid);
		fatalx("the front sent WR_COMMIT with decision %u", decision);
	}
	if ((p = plans_take(w, pid)) == NULL) {
		ipc_send_error(from, id, SFE_INVALID, "no write plan with that "
		    "id is waiting: it was committed, declined, or expired "
		    "(plans are kept 10 minutes); ask for the write again");
		proc_flush(&w->proc, from);
		free(pid);
		return;
	}
	free(pid);
	if ((op = op_new(w, IMSG_WR_COMMIT, id)) == NULL) {
		plans_keep(w, p);
		ipc_send_error(from, id, SFE_LIMIT, "too many writes are in "
		    "progress; try again in a moment");
		proc_flush(&w->proc, from);
		return;
	}
	op->plan = p;
	if (decision == DECIDE_DECLINED || decision == DECIDE_CANCELLED) {
		const char *ev = decision == DECIDE_DECLINED ? "declined" :
		    "cancelled";
		/* Nothing is sent: a journal that fails loses nothing. */
		(void)journal_put(w, jevent(p, ev), err, sizeof(err));
		op->outcome = outcome_new(p, ev);
		cJSON_AddStringToObject(op->outcome, "message", decision ==
		    DECIDE_DECLINED ? "the person declined: nothing was "
		    "sent to Salesforce" : "the confirmation was cancelled: "
		    "nothing was sent to Salesforce");
		commit_answer(w, op);
		return;
	}
	if ((why = writes_refused(w)) != NULL) {
		op_fail(w, op, SFE_POLICY, "writes are disabled: %s; nothing "
		    "was sent", why);
		return;
	}
	e = jevent(p, "sent");
	cJSON_AddStringToObject(e, "decision", decision == DECIDE_ACCEPTED ?
	    "accepted" : "not asked");
	if (journal_put(w, e, err, sizeof(err)) == -1) {
		op_fail(w, op, SFE_POLICY, "the write was refused, nothing was "
		    "sent: %s; writes are disabled", err);
		return;
	}
	ask_mutation(w, op, ST_SEND, p->tool == IMSG_WR_UPDATE ?
	    IMSG_SF_WRITE_UPDATE : IMSG_SF_WRITE_NOTE, 0, p->mutation);
}

/* The error object of a refused write, as the broker gave it. */
static const cJSON *
refusal(const cJSON *r)
{
	return jget(r, "error");
}

static void
commit_outcome(struct writer *w, struct op *op, const cJSON *r)
{
	struct plan	*p = op->plan;
	const cJSON	*ids = jget(r, "ids"), *e;
	cJSON		*ev, *audit, *m;
	char		 err[1024], *s, *just;
	const char	*code, *msg;

	if (cJSON_IsTrue(jget(r, "committed"))) {
		ev = jevent(p, "applied");
		jadd_str(ev, "audit_id", jstr(ids, "audit"));
		if (p->tool == IMSG_WR_NOTE) {
			jadd_str(ev, "note_id", jstr(ids, "note"));
			jadd_str(ev, "link_id", jstr(ids, "link"));
		}
		op->outcome = outcome_new(p, "applied");
		jadd_str(op->outcome, "audit_id", jstr(ids, "audit"));
		if (p->tool == IMSG_WR_NOTE) {
			jadd_str(op->outcome, "note_id", jstr(ids, "note"));
			jadd_str(op->outcome, "link_id", jstr(ids, "link"));
		}
		if (journal_put(w, ev, err, sizeof(err)) == -1)
			cJSON_AddStringToObject(op->outcome, "journal_error",
			    err);
		commit_answer(w, op);
		return;
	}
	if (!cJSON_IsFalse(jget(r, "committed"))) {
		/* Neither: we cannot tell what happened, as if unseen. */
		log_warnx("the broker's answer to %s says neither committed "
		    "nor refused: looking the attempt up", p->attempt);
		commit_ambiguous(w, op, "the broker's answer says neither "
		    "committed nor refused");
		return;
	}
	e = refusal(r);
	code = jstr(e, "code");
	msg = jstr(e, "message");
	ev = jevent(p, "refused");
	jadd_dup(ev, "error", e);
	op->outcome = outcome_new(p, "refused");
	jadd_dup(op->outcome, "error", e);
	if (journal_put(w, ev, err, sizeof(err)) == -1)
		cJSON_AddStringToObject(op->outcome, "journal_error", err);
	if (!w->has_failed) {
		cJSON_AddStringToObject(op->outcome, "failed_audit",
		    "the audit object has no Failed__c field: the refused "
		    "attempt is recorded only in the local journal");
		commit_answer(w, op);
		return;
	}
	/* The same audit fields, marked failed, with the error. */
	audit = cJSON_Duplicate(p->audit, 1);
	cJSON_AddBoolToObject(audit, "Failed__c", 1);
	xasprintf(&s, "%s: %s", code != NULL ? code : "ERROR", msg != NULL ?
	    msg : "Salesforce gave no message");
	if (w->has_error)
		cJSON_AddStringToObject(audit, "Error__c", s);
	else {
		xasprintf(&just, "%s\n\nFailed: %s", jstr(p->audit,
		    "Justification__c") != NULL ? jstr(p->audit,
		    "Justification__c") : "", s);
		cJSON_ReplaceItemInObjectCaseSensitive(audit,
		    "Justification__c", cJSON_CreateString(just));
		free(just);
	}
	free(s);
	if (p->tool == IMSG_WR_NOTE) {
		/* No note exists to name: the title. */
		cJSON_DeleteItemFromObjectCaseSensitive(audit, "New_Value__c");
		cJSON_AddStringToObject(audit, "New_Value__c", p->title);
	}
	m = jobj();
	cJSON_AddStringToObject(m, "attempt", p->attempt);
	cJSON_AddItemToObject(m, "audit", audit);
	s = jprint(m);
	cJSON_Delete(m);
	ask_mutation(w, op, ST_FAILED_AUDIT, IMSG_SF_AUDIT_FAILED, 0, s);
	free(s);
}

static void
failed_audit_done(struct writer *w, struct op *op, const cJSON *r,
    const char *error)
{
	cJSON	*ev;
	char	 err[1024];
	const char *aid = jstr(jget(r, "ids"), "audit");

	if (r != NULL && cJSON_IsTrue(jget(r, "committed")) && aid != NULL) {
		ev = jevent(op->plan, "failed_audit");
		cJSON_AddStringToObject(ev, "audit_id", aid);
		cJSON_AddStringToObject(op->outcome, "failed_audit_id", aid);
	} else {
		ev = jevent(op->plan, "failed_audit");
		jadd_str(ev, "audit_id", NULL);
		cJSON_AddStringToObject(ev, "error", error != NULL ? error :
		    "the failed-attempt audit row was not written");
		cJSON_AddStringToObject(op->outcome, "failed_audit",
		    "the failed-attempt audit row was not confirmed "
		    "(Salesforce refused it, or its answer was lost on the "
		    "way): the attempt is in the local journal, and the "
		    "audit object may or may not have the row");
		jadd_str(op->outcome, "failed_audit_error", error);
	}
	if (journal_put(w, ev, err, sizeof(err)) == -1)
		cJSON_AddStringToObject(op->outcome, "journal_error", err);
	commit_answer(w, op);
}

/*
 * The statement that finds an attempt's audit row: its applied row
 * (Failed__c false) or its failed-attempt row (Failed__c true).
 */
static char *
attempt_soql(const struct writer *w, const struct plan *p, int failed)
{
	char	*soql;
	const char *f = !w->has_failed ? "" : failed ?
	    " AND Failed__c = true" : " AND Failed__c = false";

	if (w->has_attempt)
		xasprintf(&soql, "SELECT Id, New_Value__c FROM %s WHERE "
		    "Attempt_Id__c = '%s'%s LIMIT 2", w->audit_object,
		    p->attempt, f);
	else
		/* "[attempt w_...]": the client's name holds no bracket,
		 * so no other row can carry it; the record and field too. */
		xasprintf(&soql, "SELECT Id, New_Value__c FROM %s WHERE "
		    "Performed_By__c LIKE '%%[attempt %s]%%' AND "
		    "Record_Id__c = '%s'%s LIMIT 2", w->audit_object,
		    p->attempt, p->rid, f);
	return soql;
}

/* An outcome nobody saw: look the attempt up in the audit object. */
static void
commit_ambiguous(struct writer *w, struct op *op, const char *why)
{
	struct plan	*p = op->plan;
	cJSON		*ev;
	char		 err[1024], *soql;

	ev = jevent(p, "unknown");
	cJSON_AddStringToObject(ev, "error", why);
	(void)journal_put(w, ev, err, sizeof(err));
	soql = attempt_soql(w, p, 0);
	ask_query(w, op, soql);
	free(soql);
}

/*
 * The failed-attempt row was sent and its answer lost: looked up, like
 * a mutation's, and never resent (a late commit would make it two).
 */
static void
failed_audit_ambiguous(struct writer *w, struct op *op, const char *why)
{
	char	*soql;

	free(op->failed_why);
	op->failed_why = xstrdup(why);
	soql = attempt_soql(w, op->plan, 1);
	ask_query(w, op, soql);
	op->step = ST_FAILED_LOOKUP;
	free(soql);
}

static void
failed_lookup_done(struct writer *w, struct op *op, const cJSON *r,
    const char *error)
{
	const cJSON	*rows = jget(r, "records"), *row;
	cJSON		*ev;
	char		 err[1024], *why;

	row = cJSON_IsArray(rows) ? cJSON_GetArrayItem(rows, 0) : NULL;
	if (row == NULL || jstr(row, "Id") == NULL) {
		xasprintf(&why, "%s; looked up by its attempt id right after, "
		    "%s", op->failed_why != NULL ? op->failed_why :
		    "its answer was lost", r == NULL ? (error != NULL ?
		    error : "the look-up failed") : "it was not there (it "
		    "may still be committed: it is not sent again)");
		failed_audit_done(w, op, NULL, why);
		free(why);
		return;
	}
	ev = jevent(op->plan, "failed_audit");
	cJSON_AddStringToObject(ev, "audit_id", jstr(row, "Id"));
	cJSON_AddStringToObject(ev, "resolved_by", "attempt-id lookup");
	cJSON_AddStringToObject(op->outcome, "failed_audit_id",
	    jstr(row, "Id"));
	cJSON_AddStringToObject(op->outcome, "failed_audit_resolved_by",
	    "attempt-id lookup");
	if (journal_put(w, ev, err, sizeof(err)) == -1)
		cJSON_AddStringToObject(op->outcome, "journal_error", err);
	commit_answer(w, op);
}

static void
lookup_done(struct writer *w, struct op *op, const cJSON *r,
    const char *error)
{
	struct plan	*p = op->plan;
	const cJSON	*rows = jget(r, "records"), *row;
	cJSON		*ev;
	char		 err[1024];

	if (r == NULL || !cJSON_IsArray(rows)) {
		/* Still unknown: say so, and that it must not be resent. */
		op->outcome = outcome_new(p, "unknown");
		cJSON_AddStringToObject(op->outcome, "message", "the "
		    "connection broke after the write was sent, and looking "
		    "its attempt id up in the audit object failed too; do "
		    "not send it again: check the audit object for the "
		    "attempt id, or the journal");
		jadd_str(op->outcome, "lookup_error", error);
		commit_answer(w, op);
		return;
	}
	row = cJSON_GetArrayItem(rows, 0);
	if (row != NULL) {
		ev = jevent(p, "resolved_applied");
		jadd_str(ev, "audit_id", jstr(row, "Id"));
		op->outcome = outcome_new(p, "applied");
		jadd_str(op->outcome, "audit_id", jstr(row, "Id"));
		if (p->tool == IMSG_WR_NOTE)
			jadd_str(op->outcome, "note_id", jstr(row,
			    "New_Value__c"));
	} else {
		ev = jevent(p, "resolved_not_applied");
		op->outcome = outcome_new(p, "not_applied");
		/*
		 * Looked up at once: Salesforce may still be running the
		 * transaction the broken connection left behind (it does not
		 * stop for a client that hung up), so this is "not applied
		 * when looked up", not a licence to resend.
		 */
		cJSON_AddStringToObject(op->outcome, "message", "the "
		    "connection broke after the write was sent; when looked "
		    "up right after, its attempt id was not in the audit "
		    "object, so it had not been applied then (the audit row "
		    "and the change are one transaction); Salesforce may "
		    "still finish a transaction whose client hung up: before "
		    "asking for the write again, look for the attempt id in "
		    "the audit object (sfrevops-mcp audit-report, or query)");
	}
	cJSON_AddStringToObject(op->outcome, "resolved_by",
	    "attempt-id lookup");
	if (journal_put(w, ev, err, sizeof(err)) == -1)
		cJSON_AddStringToObject(op->outcome, "journal_error", err);
	commit_answer(w, op);
}

/* -------------------------------------------------- broker's answers */

static void
answer_error(struct writer *w, struct op *op, uint32_t code,
    const char *msg)
{
	cJSON	*ev;
	char	 err[1024];

	switch (op->step) {
	case ST_AUDIT:
		if (w->audit == AUD_OK) {
			/* Another op's check passed meanwhile. */
			op_next(w, op);
			return;
		}
		if (code == SFE_NETWORK || code == SFE_AUTH ||
		    code == SFE_LIMIT || code == SFE_DEADLINE ||
		    code == SFE_CANCELLED || code == SFE_INTERNAL) {
			w->audit = AUD_UNCHECKED;
			snprintf(w->audit_why, sizeof(w->audit_why), "%s",
			    msg);
		} else {
			w->audit = AUD_BAD;
			snprintf(w->audit_why, sizeof(w->audit_why), "the "
			    "audit object %s cannot be described (%s): "
			    "create it, or name the right one in "
			    "SFDC_AUDIT_OBJECT", w->audit_object, msg);
		}
		status_update(w);
		if (op->kind == 0) {
			fields_start(w, op);
			return;
		}
		op_fail(w, op, w->audit == AUD_BAD ? SFE_POLICY : code,
		    "writes are %s: %s", w->audit == AUD_BAD ? "disabled" :
		    "not possible now", w->audit == AUD_BAD ? w->audit_why :
		    msg);
		return;
	case ST_DESCRIBE:
	case ST_GET:
	case ST_IDENTITY:
	case ST_DRYRUN:
		op_fail(w, op, code, "%s", msg);
		return;
	case ST_SEND:
		if (code == SFE_AMBIGUOUS) {
			commit_ambiguous(w, op, msg);
			return;
		}
		ev = jevent(op->plan, "error");
		cJSON_AddStringToObject(ev, "error", msg);
		(void)journal_put(w, ev, err, sizeof(err));
		op_fail(w, op, code, "nothing was written: %s", msg);
		return;
	case ST_FAILED_AUDIT:
		if (code == SFE_AMBIGUOUS) {
			failed_audit_ambiguous(w, op, msg);
			return;
		}
		failed_audit_done(w, op, NULL, msg);
		return;
	case ST_FAILED_LOOKUP:
		failed_lookup_done(w, op, NULL, msg);
		return;
	case ST_LOOKUP:
		lookup_done(w, op, NULL, msg);
		return;
	case ST_FIELDS:
		fields_failed(w, op, code, msg);
		op->fidx++;
		fields_next(w, op);
		return;
	default:
		fatalx("answer_error: step %d", op->step);
	}
}

static void
answer_json(struct writer *w, struct op *op, const cJSON *r)
{
	const char	*u;
	char		 err[1024];

	switch (op->step) {
	case ST_AUDIT:
		audit_check(w, r);
		status_update(w);
		if (w->audit == AUD_BAD) {
			if (op->kind == 0)
				fields_start(w, op);
			else
				op_fail(w, op, SFE_POLICY, "writes are "
				    "disabled: %s", w->audit_why);
			return;
		}
		op_next(w, op);
		return;
	case ST_DESCRIBE:
		if (plan_describe(w, op, r, err, sizeof(err)) == -1) {
			op_fail(w, op, SFE_INVALID, "%s", err);
			return;
		}
		op_next(w, op);
		return;
	case ST_GET:
		if (plan_old_value(op, r, err, sizeof(err)) == -1) {
			op_fail(w, op, SFE_NOT_FOUND, "%s", err);
			return;
		}
		op_next(w, op);
		return;
	case ST_IDENTITY:
		if ((u = jstr(r, "username")) == NULL || strlen(u) > 200) {
			op_fail(w, op, SFE_INTERNAL, "the token's identity "
			    "names no user");
			return;
		}
		if (w->username == NULL)
			w->username = xstrdup(u);
		op_next(w, op);
		return;
	case ST_DRYRUN:
		plan_answer(w, op, r);
		return;
	case ST_SEND:
		commit_outcome(w, op, r);
		return;
	case ST_FAILED_AUDIT:
		failed_audit_done(w, op, r, jstr(jget(r, "error"),
		    "message"));
		return;
	case ST_FAILED_LOOKUP:
		failed_lookup_done(w, op, r, NULL);
		return;
	case ST_LOOKUP:
		lookup_done(w, op, r, NULL);
		return;
	case ST_FIELDS: {
		char object[SF_MAX_NAME + 1];

		if (fields_object(w, op->fidx, object, sizeof(object)) == -1)
			fatalx("answer_json: no object %zu", op->fidx);
		fields_examine(w, object, r);
		op->fidx++;
		fields_next(w, op);
		return;
	}
	default:
		fatalx("answer_json: step %d", op->step);
	}
}

/* Which answer each step expects. */
static uint32_t
step_answer(const struct op *op)
{
	switch (op->step) {
	case ST_AUDIT:
	case ST_DESCRIBE:
	case ST_FIELDS:
		return IMSG_SF_DESCRIBE_R;
	case ST_GET:
		return IMSG_SF_GET_R;
	case ST_IDENTITY:
		return IMSG_SF_IDENTITY_R;
	case ST_DRYRUN:
	case ST_SEND:
		return op->plan->tool == IMSG_WR_UPDATE ?
		    IMSG_SF_WRITE_UPDATE_R : IMSG_SF_WRITE_NOTE_R;
	case ST_FAILED_AUDIT:
		return IMSG_SF_AUDIT_FAILED_R;
	case ST_LOOKUP:
	case ST_FAILED_LOOKUP:
		return IMSG_SF_QUERY_R;
	default:
		return IMSG_NONE;
	}
}

static void
writer_answer(void *arg, struct ipc *from, uint32_t id, struct buf *b)
{
	struct writer	*w = arg;
	struct op	*op;
	uint32_t	 code;
	char		*s = NULL;
	cJSON		*j;

	if (id == 0 || (op = op_by_bid(w, id)) == NULL)
		fatalx("protocol violation: %s answered request %u, which the "
		    "writer never sent", proc_name(from->peer), id);
	if (w->msg_type != IMSG_ERROR && w->msg_type != step_answer(op))
		fatalx("protocol violation: %s answered request %u with %s",
		    proc_name(from->peer), id, imsg_name(w->msg_type));
	op->bid = 0;
	if (w->msg_type == IMSG_ERROR) {
		if (buf_get_u32(b, &code) == -1 ||
		    buf_get_str(b, &s, PT_ERROR_MAX) == -1 ||
		    buf_get_end(b) == -1)
			fatalx("protocol violation: a malformed ERROR");
		if (op->answered && op->kind != IMSG_WR_COMMIT)
			op_free(w, op);		/* cancelled meanwhile */
		else
			answer_error(w, op, code, s);
		free(s);
		return;
	}
	if (buf_get_str(b, &s, PT_ANSWER_MAX) == -1 || buf_get_end(b) == -1)
		fatalx("protocol violation: a malformed %s",
		    imsg_name(w->msg_type));
	j = cJSON_Parse(s);
	free(s);
	if (op->answered && op->kind != IMSG_WR_COMMIT) {
		cJSON_Delete(j);
		op_free(w, op);
		return;
	}
	if (j == NULL || !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		if (op->step == ST_SEND) {
			commit_ambiguous(w, op, "the broker's answer is not "
			    "JSON");
			return;
		}
		answer_error(w, op, SFE_INTERNAL, "the broker's answer is not "
		    "a JSON object");
		return;
	}
	answer_json(w, op, j);
	cJSON_Delete(j);
}

/*
 * IMSG_CANCEL from the front.  A plan being built is dropped with
 * SFE_CANCELLED (and its broker request cancelled); a commit cannot be
 * taken back once its mutation may have been sent: it is answered with
 * its outcome as usual.
 */
static void
writer_cancel(void *arg, struct ipc *from, uint32_t id, struct buf *b)
{
	struct writer	*w = arg;
	struct op	*op = NULL;
	size_t		 i;

	(void)b;
	for (i = 0; i < MAX_OPS; i++)
		if (w->ops[i] != NULL && w->ops[i]->kind != 0 &&
		    w->ops[i]->fid == id && !w->ops[i]->answered) {
			op = w->ops[i];
			break;
		}
	if (op == NULL || op->kind == IMSG_WR_COMMIT)
		return;
	ipc_send_error(from, id, SFE_CANCELLED, "cancelled: no write was "
	    "planned");
	proc_flush(&w->proc, from);
	op->answered = 1;
	if (op->bid != 0) {
		ipc_send(&w->broker, IMSG_CANCEL, op->bid, NULL, 0);
		proc_flush(&w->proc, &w->broker);
	} else
		op_free(w, op);
}

/* ---------------------------------------------------------- start-up */

#define PT_PICK_WRITER(s, r, t, h)	PT_ENTRY(s, r, t, h)
#define PT_PICK_PARENT(s, r, t, h)
#define PT_PICK_FRONT(s, r, t, h)
#define PT_PICK_BROKER(s, r, t, h)
#define PT_PICK_EXPORT(s, r, t, h)
static const struct policy_handler writer_handlers[] = {
	POLICY_TABLE(PT_ROW_PICK)
};

static void
writer_dispatch(struct writer *w, struct ipc *from)
{
	struct ipc_msg	 msg;

	while (ipc_next(from, &msg)) {
		w->msg_type = msg.hdr.type;
		policy_dispatch(PROC_WRITER, from, PS_RUN, &msg,
		    writer_handlers, sizeof(writer_handlers) /
		    sizeof(writer_handlers[0]), w);
		ipc_msg_free(&msg);
	}
}

/* proc_serve()'s callback. */
static void
writer_serve(void *arg, struct ipc *from)
{
	writer_dispatch(arg, from);
}

/* A csv setting: names only, each valid; NULL if not. */
static int
csv_valid(const char *csv, int dotted)
{
	char	*copy, *p, *tok, *dot;
	int	 ok = 1, n = 0;

	copy = xstrdup(csv);
	for (p = copy; ok && (tok = strsep(&p, ",")) != NULL;) {
		while (*tok == ' ')
			tok++;
		if (*tok == '\0')
			continue;
		n++;
		if (!dotted) {
			ok = policy_name_valid(tok);
			continue;
		}
		if ((dot = strchr(tok, '.')) == NULL) {
			ok = 0;
			continue;
		}
		*dot = '\0';
		ok = policy_name_valid(tok) && (strcmp(dot + 1, "*") == 0 ||
		    policy_name_valid(dot + 1));
	}
	free(copy);
	return ok && n > 0;
}

static void
writer_config(struct writer *w)
{
	const char	*s;

	s = proc_config_str(&w->proc, "audit_object", "Cleanup_Audit__c");
	if (!policy_name_valid(s))
		snprintf(w->conf_error, sizeof(w->conf_error),
		    "SFDC_AUDIT_OBJECT '%.80s' is not an object API name", s);
	strlcpy_sf(w->audit_object, s, sizeof(w->audit_object));
	w->write_objects = xstrdup(proc_config_str(&w->proc, "write_objects",
	    "Account,Opportunity,Contact,Lead"));
	w->writable = xstrdup(proc_config_str(&w->proc, "writable_fields",
	    "Account.*,Opportunity.*,Contact.*,Lead.*"));
	if (!csv_valid(w->write_objects, 0))
		snprintf(w->conf_error, sizeof(w->conf_error),
		    "SFDC_WRITE_OBJECTS '%.200s' is not a list of object "
		    "names", w->write_objects);
	if (!csv_valid(w->writable, 1))
		snprintf(w->conf_error, sizeof(w->conf_error),
		    "SFDC_WRITABLE_FIELDS '%.200s' is not a list of "
		    "Object.Field or Object.*", w->writable);
	s = proc_config_str(&w->proc, "confirm_writes", "elicit");
	if (strcmp(s, "elicit") == 0)
		w->confirm = 1;
	else if (strcmp(s, "never") == 0)
		w->confirm = 0;
	else {
		w->confirm = 1;
		snprintf(w->conf_error, sizeof(w->conf_error),
		    "SFDC_CONFIRM_WRITES is '%.40s'; it is elicit or never",
		    s);
	}
}

/* The journal the parent opened (journal_fd.c), for journal.c. */
static void
writer_journal(struct writer *w)
{
	const char	*why = w->jfd.reason;
	static const char prefix[] = "writes are disabled: ";
	char		 reason[2048];

	writer_journal_recv(&w->proc, &w->jfd);
	if (strncmp(why, prefix, sizeof(prefix) - 1) == 0)
		why += sizeof(prefix) - 1;
	snprintf(reason, sizeof(reason), "the journal is not open, and "
	    "every write must be journaled: %s", why[0] ? why : "the parent "
	    "passed none");
	if (journal_open(&w->journal, w->jfd.fd, w->jfd.path,
	    (off_t)w->jfd.max, reason) == -1)
		log_warnx("writes are disabled: %s", w->journal.why);
}

int
writer_main(void)
{
	struct writer	 w;
	struct op	*op;
	size_t		 i;
	int		 status = 0;

	memset(&w, 0, sizeof(w));
	if (sodium_init() == -1)
		fatalx("sodium_init");
	proc_start(&w.proc, PROC_WRITER);
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fatal("signal");
	writer_config(&w);
	if ((w.fields = cJSON_CreateArray()) == NULL)
		fatalx("cJSON_CreateArray");
	w.check_mode = strcmp(proc_config_str(&w.proc, "mode", "serve"),
	    "check") == 0;
	/* The parent always says; a CONFIG without it (a test's) is off. */
	w.fields_wanted = w.check_mode || (strcmp(proc_config_str(&w.proc,
	    "mode", "serve"), "serve") == 0 && strcmp(proc_config_str(&w.proc,
	    "startup_check", "off"), "on") == 0);
	writer_journal(&w);
	{
		char object[SF_MAX_NAME + 1];

		/* Nothing to describe: done before the first WR_STATUS. */
		if (fields_object(&w, 0, object, sizeof(object)) == -1)
			w.fields_done = 1;
	}
	proc_peer_open(&w.proc, &w.front, FD_PEER_A, PROC_FRONT);
	proc_peer_open(&w.proc, &w.broker, FD_PEER_B, PROC_BROKER);

	sandbox_apply(PROC_WRITER, NULL);
	proc_ready(&w.proc);

	/*
	 * Check the audit object now (WR_STATUS follows its answer); if
	 * the org cannot be reached, the first write checks again.
	 */
	/* Said at once ("unknown" while the check runs): the front waits
	 * for it before its first tools/list. */
	status_update(&w);
	if (writes_refused(&w) == NULL && !w.proc.stop &&
	    (op = op_new(&w, 0, 0)) != NULL)
		op_next(&w, op);
	else if (!w.proc.stop && (op = op_new(&w, 0, 0)) != NULL)
		fields_start(&w, op);	/* writes are off; the check goes on */

	if (!w.proc.stop)
		status = proc_serve(&w.proc, &w.front, &w.broker,
		    writer_serve, &w);
	for (i = 0; i < MAX_OPS; i++)
		if (w.ops[i] != NULL)
			op_free(&w, w.ops[i]);
	for (i = 0; i < MAX_PLANS; i++)
		plan_free(w.plans[i]);
	journal_close(&w.journal);
	free(w.write_objects);
	free(w.writable);
	free(w.username);
	free(w.status_last);
	cJSON_Delete(w.fields);
	ipc_close(&w.front);
	ipc_close(&w.broker);
	proc_end(&w.proc);
	return status;
}
