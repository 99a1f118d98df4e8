/*
 * broker.c: the only process that holds the token and the only one that
 * talks to Salesforce.
 *
 * It accepts typed requests from the front and the writer, checks each
 * against policy.c's table for that channel, validates every part again
 * (it never trusts the front), and builds the URL itself: there is no
 * message that carries a URL, a method or a path.  Query pages beyond
 * the first are reached through opaque cursors that live here; the
 * Salesforce locator behind a cursor never leaves this process.
 *
 * It serves many requests at once: its own poll loop (broker_loop) waits
 * on the parent, the front and the writer and on libcurl's sockets, and
 * http.c runs the transfers concurrently.  A request that needs
 * Salesforce becomes a struct breq, a small state machine (SF_GET:
 * describe, then the record query) answered exactly once: with its
 * result, an error, or SFE_CANCELLED when its sender cancels it.  A
 * request that needs no network (a dry run, a cached describe, a bad
 * argument, an unknown cursor, the rest of a batch held here) is
 * answered at once, never queued behind transfers.
 */
#include "config.h"

#include <sys/queue.h>

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "sfrevops.h"
#include "auth.h"
#include "composite.h"
#include "http.h"
#include "netpass.h"
#include "policy_table.h"
#include "secmem.h"
#include "soql.h"

#define REQ_DRY_RUN		0x01
#define REQ_DEFAULT_FIELDS	0x02	/* SF_GET: drop fields the org lacks */
#define REQ_ALL_ROWS		0x04	/* SF_QUERY: no LIMIT added (tool.h) */
#define MAX_CURSORS		16
#define CURSOR_IDLE_MS		(15 * 60 * 1000)	/* Salesforce's locator life */
#define MAX_DESCRIBES		32
/* Picklists kept from a describe: what an org may have, and no more. */
#define MAX_PICKLIST_VALUES	1000	/* per field (Salesforce's own cap) */
#define MAX_PICKLIST_VALUE	1024	/* bytes of one value (255 chars) */
#define MAX_PICKLIST_BYTES	(1024 * 1024)	/* all values of an object */
#define MAX_PENDING		128	/* requests in progress per channel */

struct cursor {
	char		 token[35];	/* "c_" + 32 hex; "" when free */
	enum proc_role	 owner;
	char		*next_path;	/* Salesforce's nextRecordsUrl or NULL */
	cJSON		*leftover;	/* rows of a batch beyond 200, or NULL */
	char		 object[SF_MAX_NAME + 1];
	char		*soql;
	long		 total;
	uint64_t	 used_ms;
};

struct describe {
	char		 object[SF_MAX_NAME + 1];
	cJSON		*fields;	/* name -> relationshipName or "" */
	cJSON		*picklists;	/* name -> [active values, describe order] */
	cJSON		*meta;		/* name -> {type, length, ..., label} */
	char		 key_prefix[4];	/* "006", or "" when describe has none */
};

/*
 * A request in progress: where it came from, its id there, the step it
 * is at and that step's transfer.  Owned by the broker's pending list
 * from the request until its one answer (breq_free).
 */
enum breq_step {
	STEP_DESCRIBE = 1,	/* SF_DESCRIBE, or SF_GET's first step */
	STEP_QUERY,		/* SF_QUERY, or SF_GET's record query */
	STEP_MORE,		/* SF_MORE: the next batch behind a locator */
	STEP_FLS_WAIT,		/* a query waiting for the FLS probe's answer */
	STEP_RESOURCES,		/* SF_IDENTITY: the version's resources */
	STEP_USER,		/* SF_IDENTITY: the User row */
	STEP_ORG,		/* SF_IDENTITY: the Organization row */
	STEP_WRITE		/* a mutation's composite request */
};

struct broker;

struct breq {
	TAILQ_ENTRY(breq)	 entry;
	struct broker		*br;
	struct ipc		*from;
	uint32_t		 id;		/* the sender's request id */
	uint32_t		 type;		/* IMSG_SF_* */
	enum breq_step		 step;
	struct sfhttp_req	*http;		/* the step's transfer, or NULL */
	uint32_t		 flags;		/* SF_GET, SF_QUERY */
	char			 object[SF_MAX_NAME + 1];
	char			 id18[19];	/* SF_GET */
	char			*fields;	/* SF_GET: the list as asked */
	char			*soql;		/* as sent; SF_MORE: the cursor's */
	char			*raw;		/* STEP_FLS_WAIT: before the clause */
	long			 total;		/* SF_MORE */
	cJSON			*partial;	/* SF_IDENTITY: between steps */
	uint32_t		 answer;	/* a write: its answer type */
	struct composite_req	*write;		/* a write: checked so far */
};
TAILQ_HEAD(breq_list, breq);

struct broker {
	struct proc_ctx	 proc;
	struct ipc	 front;
	struct ipc	 writer;
	int		 login;		/* sfrevops-mcp login (login_start) */
	struct auth	*auth;
	struct sfhttp	*http;
	char		 api_version[16];
	enum soql_fls	 fls;		/* the setting; AUTO: see fls_state */
	enum {
		FLS_UNKNOWN = 0,	/* auto: nothing learned yet */
		FLS_ACCEPTED,		/* auto: the org accepts the clause */
		FLS_REFUSED		/* auto: it refuses it; plain REST */
	}		 fls_state;
	struct sfhttp_req *fls_probe;	/* the probe in flight, or NULL */
	char		*ca_pem;	/* the CA bundle, until the client has it */
	size_t		 ca_len;
	char		 ca_name[1025];
	struct composite_conf wconf;	/* the write settings */
	struct cursor	 cursors[MAX_CURSORS];
	struct describe	 describes[MAX_DESCRIBES];
	struct breq_list pending;		/* requests in progress */
	cJSON		*identity;	/* SF_IDENTITY's answer, once known */
	int		 npending[PROC_MAX];	/* by sender */
};

/* ------------------------------------------------------------ replies */

/* The one HTTPS client, for the org's usage in every answer. */
static const struct sfhttp	*reply_http;

static void
reply_json(struct ipc *to, uint32_t type, uint32_t id, cJSON *j)
{
	struct buf	 b;
	char		*text;
	const char	*usage;

	/* Past SFDC_API_USAGE_WARN_PCT, every answer says how far. */
	if (reply_http != NULL && (usage = sfhttp_usage_over(reply_http)) !=
	    NULL)
		cJSON_AddStringToObject(j, "org_api_usage", usage);
	if ((text = cJSON_PrintUnformatted(j)) == NULL)
		fatalx("cJSON_PrintUnformatted");
	cJSON_Delete(j);
	buf_init(&b);
	if (strlen(text) + 16 > IPC_MAX_PAYLOAD) {
		cJSON_free(text);
		ipc_send_error(to, id, SFE_LIMIT, "the result is larger than "
		    "8 MiB: select fewer fields or add filters");
		return;
	}
	buf_put_str(&b, text);
	cJSON_free(text);
	ipc_send_buf(to, type, id, &b);
	buf_free(&b);
}

static void
reply_error(struct ipc *to, uint32_t id, uint32_t code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
reply_error(struct ipc *to, uint32_t id, uint32_t code, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[1024];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ipc_send_error(to, id, code, msg);
}

/*
 * An HTTP request that did not succeed.  Salesforce refused nothing when
 * it could not be reached: a network, TLS or timeout failure is said as
 * it is (the message names the host), without "what".
 */
static void
reply_http_error(struct ipc *to, uint32_t id, const struct sf_response *r,
    const char *what)
{
	const char	*msg = r->error_msg[0] ? r->error_msg :
	    "Salesforce gave no explanation";

	/* "Salesforce refused ..." only when Salesforce answered. */
	if (r->sf_err == SFE_NETWORK || r->status == 0)
		reply_error(to, id, (uint32_t)(r->sf_err ? r->sf_err :
		    SFE_INTERNAL), "%s", msg);
	else
		reply_error(to, id, (uint32_t)(r->sf_err ? r->sf_err :
		    SFE_INTERNAL), "%s: %s", what, msg);
}

/* Parse a response body that must be a JSON object. */
static cJSON *
body_json(const struct sf_response *r)
{
	cJSON	*j;

	if (r->body == NULL)
		return NULL;
	if ((j = cJSON_ParseWithLength(r->body, r->len)) == NULL)
		return NULL;
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

/* ------------------------------------------------------------ cursors */

static void
cursor_clear(struct cursor *cur)
{
	free(cur->next_path);
	free(cur->soql);
	cJSON_Delete(cur->leftover);
	memset(cur, 0, sizeof(*cur));
}

static struct cursor *
cursor_new(struct broker *br, enum proc_role owner)
{
	struct cursor	*cur, *oldest = NULL;
	unsigned char	 rnd[16];
	uint64_t	 now = now_ms();
	size_t		 i;

	for (i = 0; i < MAX_CURSORS; i++) {
		cur = &br->cursors[i];
		if (cur->token[0] != '\0' && now - cur->used_ms > CURSOR_IDLE_MS)
			cursor_clear(cur);
		if (cur->token[0] == '\0') {
			oldest = cur;
			break;
		}
		if (oldest == NULL || cur->used_ms < oldest->used_ms)
			oldest = cur;
	}
	cursor_clear(oldest);	/* the least recently used one goes */
	randombytes_buf(rnd, sizeof(rnd));
	memcpy(oldest->token, "c_", 2);
	sodium_bin2hex(oldest->token + 2, sizeof(oldest->token) - 2, rnd,
	    sizeof(rnd));
	oldest->owner = owner;
	oldest->used_ms = now;
	return oldest;
}

static struct cursor *
cursor_find(struct broker *br, const char *token, enum proc_role owner)
{
	size_t	 i;

	if (strlen(token) != 34)
		return NULL;
	for (i = 0; i < MAX_CURSORS; i++) {
		struct cursor *cur = &br->cursors[i];
		if (cur->token[0] != '\0' && cur->owner == owner &&
		    sodium_memcmp(cur->token, token, 34) == 0) {
			if (now_ms() - cur->used_ms > CURSOR_IDLE_MS) {
				cursor_clear(cur);
				return NULL;
			}
			return cur;
		}
	}
	return NULL;
}

/* A locator must be ours to follow: /services/data/vNN.N/query/<id>-<n>. */
static int
locator_valid(const char *path, const char *api_version)
{
	char	 prefix[64];
	size_t	 i, n;

	snprintf(prefix, sizeof(prefix), "/services/data/%s/query/",
	    api_version);
	n = strlen(prefix);
	if (strncmp(path, prefix, n) != 0 || path[n] == '\0' ||
	    strlen(path) > n + 64)
		return 0;
	for (i = n; path[i] != '\0'; i++)
		if (!(('A' <= path[i] && path[i] <= 'Z') ||
		    ('a' <= path[i] && path[i] <= 'z') ||
		    ('0' <= path[i] && path[i] <= '9') || path[i] == '-'))
			return 0;
	return 1;
}

/*
 * Build the page answer from a Salesforce query result: at most
 * SF_MAX_ROWS records now; the rest of the batch and the locator stay
 * behind a cursor.
 */
static cJSON *
page_from(struct broker *br, enum proc_role owner, const char *object,
    const char *soql, long total, cJSON *records, const char *next,
    char *errbuf, size_t errlen)
{
	cJSON		*out, *now, *rest = NULL;
	struct cursor	*cur;
	int		 n, i;

	if ((out = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	n = cJSON_GetArraySize(records);
	if (n > SF_MAX_ROWS) {
		if ((now = cJSON_CreateArray()) == NULL ||
		    (rest = cJSON_CreateArray()) == NULL)
			fatalx("cJSON_CreateArray");
		for (i = 0; i < n; i++) {
			cJSON *r = cJSON_DetachItemFromArray(records, 0);
			cJSON_AddItemToArray(i < SF_MAX_ROWS ? now : rest, r);
		}
		cJSON_Delete(records);
		records = now;
	}
	if (next != NULL && !locator_valid(next, br->api_version)) {
		cJSON_Delete(out);
		cJSON_Delete(records);
		cJSON_Delete(rest);
		snprintf(errbuf, errlen, "Salesforce returned a next-page "
		    "locator of an unexpected form; refusing to follow it");
		return NULL;
	}
	cJSON_AddStringToObject(out, "object", object);
	cJSON_AddStringToObject(out, "soql", soql);
	cJSON_AddNumberToObject(out, "totalSize", (double)total);
	if (rest != NULL || next != NULL) {
		cur = cursor_new(br, owner);
		cur->leftover = rest;
		cur->next_path = next != NULL ? xstrdup(next) : NULL;
		strlcpy_sf(cur->object, object, sizeof(cur->object));
		cur->soql = xstrdup(soql);
		cur->total = total;
		cJSON_AddBoolToObject(out, "done", 0);
		cJSON_AddStringToObject(out, "cursor", cur->token);
	} else
		cJSON_AddBoolToObject(out, "done", 1);
	cJSON_AddItemToObject(out, "records", records);
	return out;
}

/* ----------------------------------------------------------- requests */

static struct breq *
breq_find(struct broker *br, const struct ipc *from, uint32_t id)
{
	struct breq	*q;

	TAILQ_FOREACH(q, &br->pending, entry)
		if (q->from == from && q->id == id)
			return q;
	return NULL;
}

static struct breq *
breq_new(struct broker *br, struct ipc *from, uint32_t id, uint32_t type)
{
	struct breq	*q;

	q = xcalloc(1, sizeof(*q));
	q->br = br;
	q->from = from;
	q->id = id;
	q->type = type;
	TAILQ_INSERT_TAIL(&br->pending, q, entry);
	br->npending[from->peer]++;
	return q;
}

/* After its answer (or at shutdown): its transfer, if any, is aborted. */
static void
breq_free(struct breq *q)
{
	if (q->http != NULL)
		sfhttp_abort(q->http);
	TAILQ_REMOVE(&q->br->pending, q, entry);
	q->br->npending[q->from->peer]--;
	free(q->fields);
	free(q->soql);
	free(q->raw);
	cJSON_Delete(q->partial);
	if (q->write != NULL) {
		composite_req_free(q->write);
		free(q->write);
	}
	free(q);
}

static void	breq_done(void *, struct sf_response *);

/* The next step of q: one GET of path. */
static void
breq_fetch(struct breq *q, enum breq_step step, const char *path)
{
	q->step = step;
	q->http = sfhttp_start(q->br->http, "GET", path, NULL, 1, breq_done,
	    q);
}

/* The answer to a query must be a query result: the object, or NULL. */
static cJSON *
query_result(struct sf_response *r)
{
	cJSON	*res;

	if (r->sf_err != SFE_OK)
		return NULL;
	if ((res = body_json(r)) == NULL ||
	    !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(res, "records"))) {
		cJSON_Delete(res);
		r->sf_err = SFE_SALESFORCE;
		snprintf(r->error_msg, sizeof(r->error_msg), "Salesforce "
		    "answered the query with something that is not a query "
		    "result");
		return NULL;
	}
	return res;
}

/* ------------------------------------------------------------ queries */

static char *
query_path(struct broker *br, const char *soql)
{
	char	*enc, *path;

	enc = sfhttp_urlencode(soql);
	xasprintf(&path, "/services/data/%s/query?q=%s", br->api_version, enc);
	free(enc);
	return path;
}


/* ----------------------------------------------------- FLS, auto mode */

/*
 * SFDC_FLS_MODE=auto.  The SOQL reference documents WITH
 * SECURITY_ENFORCED and WITH USER_MODE for Apex; whether REST /query
 * accepts them is not documented, and REST applies the running user's
 * field-level security anyway (a field the user cannot read is an
 * INVALID_FIELD error).  So the broker asks the org once, before the
 * first query that needs the answer, with a probe that can fail for no
 * other reason than the clause: Id of User, which every user can read
 * (its own record at least).  A probe rather than the first real
 * query's error: a real query can fail under the clause for reasons of
 * its own (a hidden field, a polymorphic field, TYPEOF ... ELSE), and
 * taking that for "the org refuses the clause" would drop the clause
 * for good on a wrong reading.  Accepted: the clause goes on every
 * query.  Refused by Salesforce: one warning, plain REST from then on.
 * Not reached (network, TLS, timeout): nothing is learned, the waiting
 * queries get that error, and the next query asks again.
 */
#define FLS_PROBE_SOQL	"SELECT Id FROM User WITH SECURITY_ENFORCED LIMIT 1"

static enum soql_fls
fls_effective(const struct broker *br)
{
	if (br->fls != SOQL_FLS_AUTO)
		return br->fls;
	return br->fls_state == FLS_ACCEPTED ? SOQL_FLS_SECURITY_ENFORCED :
	    SOQL_FLS_NONE;
}

/* What a dry run says about the clause, or NULL when nothing is to say. */
static const char *
fls_note(const struct broker *br, int se_conflict)
{
	if (br->fls != SOQL_FLS_AUTO)
		return NULL;
	if (se_conflict)
		return "SFDC_FLS_MODE=auto: this statement uses TYPEOF ... ELSE "
		    "or a What./Who. path, which WITH SECURITY_ENFORCED is "
		    "documented not to allow, so it goes without the clause; "
		    "Salesforce still applies the user's field-level security";
	switch (br->fls_state) {
	case FLS_ACCEPTED:
		return "SFDC_FLS_MODE=auto: this org accepts WITH "
		    "SECURITY_ENFORCED (learned at the first query), so it is "
		    "added";
	case FLS_REFUSED:
		return "SFDC_FLS_MODE=auto: this org refuses WITH "
		    "SECURITY_ENFORCED (learned at the first query), so the "
		    "query goes without it; Salesforce still applies the "
		    "user's field-level security";
	default:
		return "SFDC_FLS_MODE=auto: not known yet whether this org "
		    "accepts WITH SECURITY_ENFORCED; the first query sends one "
		    "probe (" FLS_PROBE_SOQL "), then this statement with the "
		    "clause added before GROUP BY, ORDER BY and LIMIT if the "
		    "org accepted it, or as shown if not";
	}
}

static void	query_send(struct breq *);
static void	write_send(struct breq *, const struct describe *);
static void	write_done(struct breq *, struct sf_response *);
static void	fls_probe_done(void *, struct sf_response *);
static int	guard(struct broker *, const char *, char **,
		    struct soql_info *, char *, size_t);
static int	guard_rows(struct broker *, const char *, int, char **,
		    struct soql_info *, char *, size_t);

static void
fls_probe_start(struct broker *br)
{
	char	*path;

	path = query_path(br, FLS_PROBE_SOQL);
	log_info("SFDC_FLS_MODE=auto: asking the org whether it accepts WITH "
	    "SECURITY_ENFORCED: %s", FLS_PROBE_SOQL);
	br->fls_probe = sfhttp_start(br->http, "GET", path, NULL, 1,
	    fls_probe_done, br);
	free(path);
}

static void
fls_probe_done(void *arg, struct sf_response *r)
{
	struct broker	*br = arg;
	struct breq	*q;
	cJSON		*res;
	int		 again;

	br->fls_probe = NULL;	/* http.c frees it after this call */
	if ((res = query_result(r)) != NULL) {
		cJSON_Delete(res);
		br->fls_state = FLS_ACCEPTED;
		log_info("SFDC_FLS_MODE=auto: the org accepts WITH "
		    "SECURITY_ENFORCED; every query carries it");
	} else if (r->sf_err == SFE_SALESFORCE && r->status >= 400 &&
	    r->status < 500) {
		/* Salesforce's own answer: the clause is refused. */
		br->fls_state = FLS_REFUSED;
		log_warnx("SFDC_FLS_MODE=auto: the org refuses WITH "
		    "SECURITY_ENFORCED (HTTP %ld %s: %.200s); queries go "
		    "without it, and Salesforce still applies the running "
		    "user's field-level security (a field it cannot read is "
		    "an INVALID_FIELD error); set SFDC_FLS_MODE=none to "
		    "silence this", r->status, r->error_code[0] != '\0' ?
		    r->error_code : "-", r->error_msg);
	}
	/* Every waiting query goes on, or gets the probe's error. */
	do {
		again = 0;
		TAILQ_FOREACH(q, &br->pending, entry) {
			if (q->step != STEP_FLS_WAIT)
				continue;
			if (br->fls_state == FLS_UNKNOWN)
				reply_http_error(q->from, q->id, r,
				    "Salesforce refused the query");
			if (br->fls_state == FLS_UNKNOWN)
				breq_free(q);
			else
				query_send(q);
			again = 1;
			break;
		}
	} while (again);
}

/*
 * Send q's statement (q->raw, checked already) with the clause this org
 * gets, or wait for the probe that tells.  Answers q on a refusal.
 */
static void
query_send(struct breq *q)
{
	struct broker		*br = q->br;
	struct soql_info	 info;
	char			*path, err[512];

	if (br->fls == SOQL_FLS_AUTO && br->fls_state == FLS_UNKNOWN) {
		q->step = STEP_FLS_WAIT;
		if (br->fls_probe == NULL)
			fls_probe_start(br);
		return;
	}
	free(q->soql);
	q->soql = NULL;
	if (guard_rows(br, q->raw, (q->flags & REQ_ALL_ROWS) != 0, &q->soql,
	    &info, err, sizeof(err)) == -1) {
		reply_error(q->from, q->id, SFE_INVALID, "%s", err);
		breq_free(q);
		return;
	}
	path = query_path(br, q->soql);
	breq_fetch(q, STEP_QUERY, path);
	free(path);
}

static void
dry_run_reply(struct broker *br, struct ipc *to, uint32_t type, uint32_t id,
    const char *object, const char *idval, const char *soql, int se_conflict)
{
	cJSON	*j;
	char	*path;

	if ((j = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	path = query_path(br, soql);
	cJSON_AddBoolToObject(j, "dry_run", 1);
	cJSON_AddStringToObject(j, "object", object);
	if (idval != NULL)
		cJSON_AddStringToObject(j, "id", idval);
	cJSON_AddStringToObject(j, "method", "GET");
	cJSON_AddStringToObject(j, "path", path);
	cJSON_AddStringToObject(j, "soql", soql);
	if (fls_note(br, se_conflict) != NULL)
		cJSON_AddStringToObject(j, "note", fls_note(br, se_conflict));
	free(path);
	reply_json(to, type, id, j);
}

/*
 * The statement as it goes: checked, the clause added as the mode says,
 * and LIMIT 200 added when it has none, unless all_rows (REQ_ALL_ROWS: a
 * helper's count from totalSize, read 200 at a time all the same).
 */
static int
guard_rows(struct broker *br, const char *soql, int all_rows, char **out,
    struct soql_info *info, char *err, size_t errlen)
{
	struct soql_opts	 opts;

	memset(&opts, 0, sizeof(opts));
	opts.fls = fls_effective(br);
	opts.default_limit = all_rows ? 0 : SF_MAX_ROWS;
	/* "v60.0": config_load() checked the form. */
	opts.api_version = atoi(br->api_version + 1);
	if (soql_rewrite(soql, strlen(soql), &opts, out, info, err, errlen) ==
	    -1)
		return -1;
	/* auto: never add the clause where it is documented to fail. */
	if (br->fls == SOQL_FLS_AUTO && info->fls_added && info->se_conflict) {
		free(*out);
		opts.fls = SOQL_FLS_NONE;
		return soql_rewrite(soql, strlen(soql), &opts, out, info, err,
		    errlen);
	}
	return 0;
}

static int
guard(struct broker *br, const char *soql, char **out, struct soql_info *info,
    char *err, size_t errlen)
{
	return guard_rows(br, soql, 0, out, info, err, errlen);
}

static void
handle_query(struct broker *br, struct ipc *from, uint32_t id, struct buf *b)
{
	struct soql_info	 info;
	struct breq		*q;
	uint32_t		 flags;
	char			*soql = NULL, *sent = NULL, err[512];

	if (buf_get_u32(b, &flags) == -1 ||
	    buf_get_str(b, &soql, SF_MAX_SOQL) == -1 || buf_get_end(b) == -1)
		fatalx("%s sent a malformed SF_QUERY", proc_name(from->peer));
	if (guard_rows(br, soql, (flags & REQ_ALL_ROWS) != 0, &sent, &info,
	    err, sizeof(err)) == -1) {
		reply_error(from, id, SFE_INVALID, "%s", err);
		goto out;
	}
	if (flags & REQ_DRY_RUN) {
		dry_run_reply(br, from, IMSG_SF_QUERY_R, id, info.object, NULL,
		    sent, info.se_conflict);
		goto out;
	}
	q = breq_new(br, from, id, IMSG_SF_QUERY);
	q->flags = flags;
	strlcpy_sf(q->object, info.object, sizeof(q->object));
	q->raw = soql;
	soql = NULL;
	query_send(q);
out:
	free(soql);
	free(sent);
}

static void
query_done(struct breq *q, struct sf_response *r)
{
	struct broker	*br = q->br;
	cJSON		*res, *page, *records;
	const cJSON	*v;
	const char	*next;
	char		 err[256];

	if ((res = query_result(r)) == NULL) {
		reply_http_error(q->from, q->id, r, "Salesforce refused the "
		    "query");
		breq_free(q);
		return;
	}
	v = cJSON_GetObjectItemCaseSensitive(res, "nextRecordsUrl");
	next = cJSON_IsString(v) && !cJSON_IsTrue(
	    cJSON_GetObjectItemCaseSensitive(res, "done")) ? v->valuestring :
	    NULL;
	records = cJSON_DetachItemFromObjectCaseSensitive(res, "records");
	v = cJSON_GetObjectItemCaseSensitive(res, "totalSize");
	page = page_from(br, q->from->peer, q->object, q->soql,
	    cJSON_IsNumber(v) ? (long)v->valuedouble :
	    cJSON_GetArraySize(records), records, next, err, sizeof(err));
	cJSON_Delete(res);
	if (page == NULL)
		reply_error(q->from, q->id, SFE_SALESFORCE, "%s", err);
	else
		reply_json(q->from, IMSG_SF_QUERY_R, q->id, page);
	breq_free(q);
}

static void
handle_more(struct broker *br, struct ipc *from, uint32_t id, struct buf *b)
{
	struct cursor	*cur;
	struct breq	*q;
	char		*token = NULL, *soql, *next, *path, err[256];
	char		 object[SF_MAX_NAME + 1];
	cJSON		*records, *page;
	long		 total;

	if (buf_get_str(b, &token, 64) == -1 || buf_get_end(b) == -1)
		fatalx("%s sent a malformed SF_MORE", proc_name(from->peer));
	if ((cur = cursor_find(br, token, from->peer)) == NULL) {
		reply_error(from, id, SFE_CURSOR, "query: this cursor is "
		    "unknown or has expired (cursors last 15 minutes and only "
		    "the 16 most recent are kept); run the query again");
		free(token);
		return;
	}
	free(token);
	/* The cursor is spent either way; the next page gets a new one. */
	soql = cur->soql;
	cur->soql = NULL;
	strlcpy_sf(object, cur->object, sizeof(object));
	total = cur->total;
	if (cur->leftover != NULL) {
		/* The rest of a batch we hold: no request. */
		records = cur->leftover;
		cur->leftover = NULL;
		next = cur->next_path;
		cur->next_path = NULL;
		cursor_clear(cur);
		page = page_from(br, from->peer, object, soql, total, records,
		    next, err, sizeof(err));
		free(next);
		free(soql);
		if (page == NULL)
			reply_error(from, id, SFE_SALESFORCE, "%s", err);
		else
			reply_json(from, IMSG_SF_MORE_R, id, page);
		return;
	}
	path = cur->next_path;
	cur->next_path = NULL;
	cursor_clear(cur);
	q = breq_new(br, from, id, IMSG_SF_MORE);
	strlcpy_sf(q->object, object, sizeof(q->object));
	q->soql = soql;
	q->total = total;
	breq_fetch(q, STEP_MORE, path);
	free(path);
}

static void
more_done(struct breq *q, struct sf_response *r)
{
	cJSON		*res, *records, *page;
	const cJSON	*v;
	char		*next = NULL, err[256];

	if ((res = query_result(r)) == NULL) {
		reply_http_error(q->from, q->id, r, "Salesforce refused the "
		    "next page");
		breq_free(q);
		return;
	}
	v = cJSON_GetObjectItemCaseSensitive(res, "nextRecordsUrl");
	if (cJSON_IsString(v) && !cJSON_IsTrue(
	    cJSON_GetObjectItemCaseSensitive(res, "done")))
		next = xstrdup(v->valuestring);
	records = cJSON_DetachItemFromObjectCaseSensitive(res, "records");
	cJSON_Delete(res);
	page = page_from(q->br, q->from->peer, q->object, q->soql, q->total,
	    records, next, err, sizeof(err));
	free(next);
	if (page == NULL)
		reply_error(q->from, q->id, SFE_SALESFORCE, "%s", err);
	else
		reply_json(q->from, IMSG_SF_MORE_R, q->id, page);
	breq_free(q);
}

/* ----------------------------------------------------------- describe */

/*
 * Keep the active values of a picklist field, in describe order, within
 * the bounds above: a value too long or not UTF-8 is left out, and so
 * are the values beyond MAX_PICKLIST_VALUES or the byte budget.
 */
static void
picklist_keep(cJSON *picklists, const cJSON *fv, const char *name,
    size_t *budget)
{
	const cJSON	*type, *pv, *value;
	cJSON		*arr = NULL;
	size_t		 n, count = 0;

	type = cJSON_GetObjectItemCaseSensitive(fv, "type");
	if (!cJSON_IsString(type) || (strcmp(type->valuestring, "picklist") != 0
	    && strcmp(type->valuestring, "multipicklist") != 0) ||
	    !policy_name_valid(name) ||
	    cJSON_GetObjectItemCaseSensitive(picklists, name) != NULL)
		return;
	cJSON_ArrayForEach(pv, cJSON_GetObjectItemCaseSensitive(fv,
	    "picklistValues")) {
		if (count == MAX_PICKLIST_VALUES)
			break;
		value = cJSON_GetObjectItemCaseSensitive(pv, "value");
		if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(pv,
		    "active")) || !cJSON_IsString(value))
			continue;
		n = strlen(value->valuestring);
		if (n == 0 || n > MAX_PICKLIST_VALUE ||
		    !utf8_valid(value->valuestring, n))
			continue;
		if (n > *budget)
			break;
		*budget -= n;
		if (arr == NULL && (arr = cJSON_AddArrayToObject(picklists,
		    name)) == NULL)
			fatalx("cJSON_AddArrayToObject");
		cJSON_AddItemToArray(arr, cJSON_CreateString(value->valuestring));
		count++;
	}
}

static struct describe *
describe_find(struct broker *br, const char *object)
{
	size_t	 i;

	for (i = 0; i < MAX_DESCRIBES; i++)
		if (strcmp(br->describes[i].object, object) == 0)
			return &br->describes[i];
	return NULL;
}

/*
 * Keep what a describe answer says of object; NULL (r says why) if it
 * failed or is not a describe.  Two requests may have described the same
 * object at once: the later answer replaces the earlier.
 */
static struct describe *
describe_store(struct broker *br, const char *object, struct sf_response *r)
{
	struct describe	*d;
	cJSON		*res, *fields, *picklists, *meta;
	size_t		 budget = MAX_PICKLIST_BYTES, mbudget = COMPOSITE_META_BYTES;
	const cJSON	*fv, *name, *rel, *kp;
	char		 prefix[4] = "";
	size_t		 i;

	if (r->sf_err != SFE_OK)
		return NULL;
	if ((res = body_json(r)) == NULL ||
	    !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(res, "fields"))) {
		cJSON_Delete(res);
		r->sf_err = SFE_SALESFORCE;
		snprintf(r->error_msg, sizeof(r->error_msg), "the describe "
		    "answer has no field list");
		return NULL;
	}
	if ((fields = cJSON_CreateObject()) == NULL ||
	    (picklists = cJSON_CreateObject()) == NULL ||
	    (meta = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	/* keyPrefix: three letters or digits, or null (no records). */
	kp = cJSON_GetObjectItemCaseSensitive(res, "keyPrefix");
	if (cJSON_IsString(kp) && strlen(kp->valuestring) == 3 &&
	    isalnum((unsigned char)kp->valuestring[0]) &&
	    isalnum((unsigned char)kp->valuestring[1]) &&
	    isalnum((unsigned char)kp->valuestring[2]))
		strlcpy_sf(prefix, kp->valuestring, sizeof(prefix));
	cJSON_ArrayForEach(fv, cJSON_GetObjectItemCaseSensitive(res, "fields")) {
		name = cJSON_GetObjectItemCaseSensitive(fv, "name");
		rel = cJSON_GetObjectItemCaseSensitive(fv, "relationshipName");
		if (!cJSON_IsString(name))
			continue;
		cJSON_AddStringToObject(fields, name->valuestring,
		    cJSON_IsString(rel) ? rel->valuestring : "");
		picklist_keep(picklists, fv, name->valuestring, &budget);
		composite_meta_keep(meta, fv, name->valuestring, &mbudget);
	}
	cJSON_Delete(res);
	if ((d = describe_find(br, object)) == NULL) {
		for (i = 0; i < MAX_DESCRIBES; i++)
			if (br->describes[i].object[0] == '\0')
				break;
		if (i == MAX_DESCRIBES)
			i = 0;	/* full: replace the first */
		d = &br->describes[i];
	}
	cJSON_Delete(d->fields);
	cJSON_Delete(d->picklists);
	cJSON_Delete(d->meta);
	strlcpy_sf(d->object, object, sizeof(d->object));
	d->fields = fields;
	d->picklists = picklists;
	d->meta = meta;
	strlcpy_sf(d->key_prefix, prefix, sizeof(d->key_prefix));
	return d;
}

/* Is name (a field or Rel.Field path) known to describe? */
static int
describe_has(const struct describe *d, const char *path)
{
	const cJSON	*f;
	const char	*dot = strchr(path, '.');
	char		 first[SF_MAX_NAME + 1];

	if (dot == NULL)
		return cJSON_GetObjectItem(d->fields, path) != NULL;
	if ((size_t)(dot - path) > SF_MAX_NAME)
		return 0;
	memcpy(first, path, (size_t)(dot - path));
	first[dot - path] = '\0';
	cJSON_ArrayForEach(f, d->fields)
		if (cJSON_IsString(f) && strcasecmp(f->valuestring, first) == 0)
			return 1;
	return 0;
}

/*
 * Check a field list against describe.  With drop_unknown (the curated
 * default set, which an org may lack parts of: LastStageChangeDate came
 * late) unknown fields are left out; otherwise the first unknown one is
 * an error naming it.  *out is the list to send (free()).
 */
static int
fields_known(const struct describe *d, const char *list, int drop_unknown,
    char **out, char *err, size_t errlen)
{
	char	*copy, *p, *tok, *res;
	size_t	 len = 0, n;

	copy = xstrdup(list);
	res = xcalloc(1, strlen(list) + 1);
	for (p = copy; (tok = strsep(&p, ",")) != NULL;) {
		if (!describe_has(d, tok)) {
			if (drop_unknown)
				continue;
			snprintf(err, errlen, "no field '%s' visible to the "
			    "integration user (field-level security may hide "
			    "it); see describe for the names", tok);
			free(copy);
			free(res);
			return -1;
		}
		n = strlen(tok);
		if (len > 0)
			res[len++] = ',';
		memcpy(res + len, tok, n);
		len += n;
		res[len] = '\0';
	}
	free(copy);
	if (len == 0) {
		snprintf(err, errlen, "none of the default fields");
		free(res);
		return -1;
	}
	*out = res;
	return 0;
}


static void
describe_reply(struct ipc *to, uint32_t id, const char *object,
    const struct describe *d)
{
	cJSON		*j, *names;
	const cJSON	*f;

	if ((j = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	cJSON_AddStringToObject(j, "object", object);
	names = cJSON_AddArrayToObject(j, "fields");
	cJSON_ArrayForEach(f, d->fields)
		cJSON_AddItemToArray(names, cJSON_CreateString(f->string));
	cJSON_AddItemToObject(j, "picklists", cJSON_Duplicate(d->picklists, 1));
	/* The writer's: what it needs to check and convert a value (the
	 * front's tools read names and picklists only). */
	if (to->peer == PROC_WRITER) {
		if (d->key_prefix[0] != '\0')
			cJSON_AddStringToObject(j, "keyPrefix", d->key_prefix);
		else
			cJSON_AddNullToObject(j, "keyPrefix");
		cJSON_AddItemToObject(j, "meta", cJSON_Duplicate(d->meta, 1));
	}
	reply_json(to, IMSG_SF_DESCRIBE_R, id, j);
}

static char *
describe_path(struct broker *br, const char *object)
{
	char	*path;

	xasprintf(&path, "/services/data/%s/sobjects/%s/describe",
	    br->api_version, object);
	return path;
}

static void
handle_describe(struct broker *br, struct ipc *from, uint32_t id,
    struct buf *b)
{
	struct describe	*d;
	struct breq	*q;
	char		*object = NULL, *path;

	if (buf_get_str(b, &object, SF_MAX_NAME) == -1 || buf_get_end(b) == -1)
		fatalx("%s sent a malformed SF_DESCRIBE", proc_name(from->peer));
	if (!policy_name_valid(object)) {
		reply_error(from, id, SFE_INVALID, "'%s' is not an object API "
		    "name", object);
		free(object);
		return;
	}
	if ((d = describe_find(br, object)) != NULL) {
		describe_reply(from, id, object, d);
		free(object);
		return;
	}
	q = breq_new(br, from, id, IMSG_SF_DESCRIBE);
	strlcpy_sf(q->object, object, sizeof(q->object));
	free(object);
	path = describe_path(br, q->object);
	breq_fetch(q, STEP_DESCRIBE, path);
	free(path);
}

static void	get_query(struct breq *, const struct describe *);

static void
describe_done(struct breq *q, struct sf_response *r)
{
	struct describe	*d;

	if ((d = describe_store(q->br, q->object, r)) == NULL) {
		reply_http_error(q->from, q->id, r, "describe failed");
		breq_free(q);
		return;
	}
	if (q->type == IMSG_SF_GET) {
		get_query(q, d);
		return;
	}
	if (q->write != NULL) {
		write_send(q, d);
		return;
	}
	describe_reply(q->from, q->id, q->object, d);
	breq_free(q);
}

/* -------------------------------------------------------- record read */

/* Split a comma-separated field list and check every path. */
static int
fields_valid(const char *list, char *err, size_t errlen)
{
	char	*copy, *p, *tok, *seg;
	int	 n = 0, ok = 1;

	copy = xstrdup(list);
	for (p = copy; ok && (tok = strsep(&p, ",")) != NULL;) {
		char *q = tok;
		int depth = 0;
		if (++n > SF_MAX_FIELDS) {
			snprintf(err, errlen, "at most %d fields", SF_MAX_FIELDS);
			ok = 0;
			break;
		}
		while (ok && (seg = strsep(&q, ".")) != NULL) {
			if (++depth > 5 || !policy_name_valid(seg)) {
				snprintf(err, errlen, "'%s' is not a field API "
				    "name or a relationship path", tok);
				ok = 0;
			}
		}
	}
	free(copy);
	return ok ? 0 : -1;
}


static void
handle_get(struct broker *br, struct ipc *from, uint32_t id, struct buf *b)
{
	uint32_t		 flags;
	char			*object = NULL, *rid = NULL, *fields = NULL;
	char			*soql = NULL, *sent = NULL, *path, err[512];
	char			 id18[19];
	const char		*prefix;
	struct soql_info	 info;
	struct describe		*d;
	struct breq		*q;

	if (buf_get_u32(b, &flags) == -1 ||
	    buf_get_str(b, &object, SF_MAX_NAME) == -1 ||
	    buf_get_str(b, &rid, 18) == -1 ||
	    buf_get_str(b, &fields, SF_MAX_SOQL) == -1 || buf_get_end(b) == -1)
		fatalx("%s sent a malformed SF_GET", proc_name(from->peer));
	if ((prefix = policy_object_prefix(object)) == NULL) {
		reply_error(from, id, SFE_POLICY, "records of '%s' cannot be "
		    "read with this request", object);
		goto out;
	}
	if (policy_id_valid(rid, prefix, id18, err, sizeof(err)) == -1) {
		reply_error(from, id, SFE_INVALID, "not a valid %s ID: %s",
		    object, err);
		goto out;
	}
	if (fields_valid(fields, err, sizeof(err)) == -1) {
		reply_error(from, id, SFE_INVALID, "fields: %s", err);
		goto out;
	}
	if (flags & REQ_DRY_RUN) {
		/* Nothing is sent, describe included: the list as given. */
		xasprintf(&soql, "SELECT %s FROM %s WHERE Id = '%s' LIMIT 1",
		    fields, object, id18);
		if (guard(br, soql, &sent, &info, err, sizeof(err)) == -1)
			reply_error(from, id, SFE_INVALID, "%s", err);
		else
			dry_run_reply(br, from, IMSG_SF_GET_R, id, object, id18,
			    sent, info.se_conflict);
		goto out;
	}
	/* Name the unknown field instead of Salesforce's caret message. */
	q = breq_new(br, from, id, IMSG_SF_GET);
	q->flags = flags;
	strlcpy_sf(q->object, object, sizeof(q->object));
	strlcpy_sf(q->id18, id18, sizeof(q->id18));
	q->fields = fields;
	fields = NULL;
	if ((d = describe_find(br, q->object)) != NULL)
		get_query(q, d);
	else {
		path = describe_path(br, q->object);
		breq_fetch(q, STEP_DESCRIBE, path);
		free(path);
	}
out:
	free(object);
	free(rid);
	free(fields);
	free(soql);
	free(sent);
}

/* SF_GET's second step: the record query, with the fields describe knows. */
static void
get_query(struct breq *q, const struct describe *d)
{
	struct soql_info	 info;
	char			*known = NULL, *soql, *sent = NULL;
	char			 err[512];

	if (fields_known(d, q->fields, (q->flags & REQ_DEFAULT_FIELDS) != 0,
	    &known, err, sizeof(err)) == -1) {
		reply_error(q->from, q->id, SFE_INVALID, "%s has %s", q->object,
		    err);
		breq_free(q);
		return;
	}
	xasprintf(&soql, "SELECT %s FROM %s WHERE Id = '%s' LIMIT 1", known,
	    q->object, q->id18);
	free(known);
	if (guard(q->br, soql, &sent, &info, err, sizeof(err)) == -1) {
		free(soql);
		reply_error(q->from, q->id, SFE_INVALID, "%s", err);
		breq_free(q);
		return;
	}
	free(sent);
	q->raw = soql;
	query_send(q);
}

static void
get_done(struct breq *q, struct sf_response *r)
{
	cJSON		*res, *j;
	const cJSON	*tot;

	if ((res = query_result(r)) == NULL) {
		reply_http_error(q->from, q->id, r, "Salesforce refused the "
		    "read");
		breq_free(q);
		return;
	}
	tot = cJSON_GetObjectItemCaseSensitive(res, "totalSize");
	if (!cJSON_IsNumber(tot) || tot->valuedouble < 1 ||
	    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(res,
	    "records")) < 1) {
		reply_error(q->from, q->id, SFE_NOT_FOUND, "no %s with ID %s "
		    "is visible to the integration user: it does not exist, "
		    "was deleted, or is not shared with that user", q->object,
		    q->id18);
		cJSON_Delete(res);
		breq_free(q);
		return;
	}
	if ((j = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	cJSON_AddStringToObject(j, "object", q->object);
	cJSON_AddStringToObject(j, "id", q->id18);
	cJSON_AddItemToObject(j, "records",
	    cJSON_DetachItemFromObjectCaseSensitive(res, "records"));
	cJSON_Delete(res);
	reply_json(q->from, IMSG_SF_GET_R, q->id, j);
	breq_free(q);
}

/* ----------------------------------------------------------- identity */

/*
 * SF_IDENTITY: who the token is and which org answers, for "performed
 * by" in the audit rows and for naming the org in results.  Read once
 * per process through the data API alone, so that the `api` scope the
 * design note's Connected App has is enough (the OpenID UserInfo
 * resource wants the openid/profile scopes): the version's resource
 * list names the identity URL (.../id/<org id>/<user id>), then the
 * User row (username, name, time zone) and the Organization row (name,
 * edition, sandbox or not).  The answer holds no secret.  An org where
 * the user may not read Organization still answers, those keys null.
 */
#define IDENTITY_USER_SOQL	"SELECT Id, Username, Name, TimeZoneSidKey " \
				"FROM User WHERE Id = '%s' LIMIT 1"
#define IDENTITY_ORG_SOQL	"SELECT Id, Name, IsSandbox, OrganizationType " \
				"FROM Organization LIMIT 1"

/* A string of a record, one clean line of at most max bytes, or null. */
static void
identity_str(cJSON *to, const char *key, const cJSON *from, const char *name,
    size_t max)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(from, name);
	char		 line[256];

	if (max >= sizeof(line))
		max = sizeof(line) - 1;
	if (!cJSON_IsString(v) || v->valuestring == NULL ||
	    !utf8_valid(v->valuestring, strlen(v->valuestring))) {
		cJSON_AddNullToObject(to, key);
		return;
	}
	str_oneline(line, max + 1, v->valuestring);
	cJSON_AddStringToObject(to, key, line);
}

/*
 * The org and user IDs at the end of an identity URL
 * (https://login.salesforce.com/id/00D.../005...), as 18 characters.
 */
static int
identity_url_ids(const char *url, char org[19], char user[19])
{
	const char	*p, *slash;
	char		 seg[32], err[128];
	size_t		 n;

	if ((p = strstr(url, "/id/")) == NULL)
		return -1;
	p += 4;
	if ((slash = strchr(p, '/')) == NULL || (n = (size_t)(slash - p)) >=
	    sizeof(seg))
		return -1;
	memcpy(seg, p, n);
	seg[n] = '\0';
	if (policy_id_valid(seg, "00D", org, err, sizeof(err)) == -1)
		return -1;
	p = slash + 1;
	n = strcspn(p, "/?#");
	if (n >= sizeof(seg) || (p[n] == '/' && p[n + 1] != '\0'))
		return -1;
	memcpy(seg, p, n);
	seg[n] = '\0';
	return policy_id_valid(seg, "005", user, err, sizeof(err));
}

static void
identity_fetch(struct breq *q, enum breq_step step, const char *path)
{
	q->step = step;
	q->http = sfhttp_start(q->br->http, "GET", path, NULL, 1, breq_done,
	    q);
}

/*
 * sfrevops-mcp login: the refresh token the authorization code was
 * exchanged for goes to the parent, which stores it (or prints it) and
 * stops; built in one exact allocation, as the parent sends secrets.
 */
static void
login_token_send(struct broker *br)
{
	char		 rt[SECRET_MAX + 1];
	const char	*iu = auth_instance_url(br->auth);
	uint8_t		*p;
	uint32_t	 n1, n2;
	size_t		 len, n;

	if (auth_refresh_copy(br->auth, rt, sizeof(rt), &len) == -1)
		fatalx("login: no refresh token after the exchange");
	n1 = (uint32_t)len;
	n2 = (uint32_t)strlen(iu);
	n = 2 * sizeof(uint32_t) + len + n2;
	p = xmalloc(n);
	memcpy(p, &n1, sizeof(n1));
	memcpy(p + sizeof(n1), rt, len);
	memcpy(p + sizeof(n1) + len, &n2, sizeof(n2));
	memcpy(p + 2 * sizeof(n1) + len, iu, n2);
	ipc_send(&br->proc.parent, IMSG_LOGIN_TOKEN, 0, p, n);
	sodium_memzero(p, n);
	sodium_memzero(rt, sizeof(rt));
	free(p);
}

static void	handle_identity(struct broker *, struct ipc *, uint32_t,
		    struct buf *);

/*
 * Login mode: the broker alone was started, with an authorization code
 * and its PKCE verifier as secrets.  Asking who the token is makes the
 * HTTPS client exchange the code (auth.c, the authorization_code grant)
 * and proves the token works; the answer and the refresh token go to
 * the parent (rows BROKER -> PARENT in policy_table.h).
 */
static void
login_start(struct broker *br)
{
	struct buf	 b;

	br->login = 1;
	buf_from(&b, NULL, 0);
	handle_identity(br, &br->proc.parent, 1, &b);
}

static void
handle_identity(struct broker *br, struct ipc *from, uint32_t id,
    struct buf *b)
{
	struct breq	*q;
	char		*path;

	if (buf_get_end(b) == -1)
		fatalx("%s sent a malformed SF_IDENTITY", proc_name(from->peer));
	if (br->identity != NULL) {
		reply_json(from, IMSG_SF_IDENTITY_R, id,
		    cJSON_Duplicate(br->identity, 1));
		return;
	}
	q = breq_new(br, from, id, IMSG_SF_IDENTITY);
	xasprintf(&path, "/services/data/%s/", br->api_version);
	identity_fetch(q, STEP_RESOURCES, path);
	free(path);
}

static void
resources_done(struct breq *q, struct sf_response *r)
{
	cJSON		*res, *j;
	const cJSON	*url;
	char		 org[19], user[19], *soql, *path;

	if ((res = body_json(r)) == NULL || r->sf_err != SFE_OK) {
		cJSON_Delete(res);
		reply_http_error(q->from, q->id, r, "Salesforce refused the "
		    "request for the API version's resources");
		breq_free(q);
		return;
	}
	url = cJSON_GetObjectItemCaseSensitive(res, "identity");
	if (!cJSON_IsString(url) || url->valuestring == NULL ||
	    identity_url_ids(url->valuestring, org, user) == -1) {
		cJSON_Delete(res);
		reply_error(q->from, q->id, SFE_SALESFORCE, "Salesforce's "
		    "resource list for %s names no identity URL with an org "
		    "and a user ID", q->br->api_version);
		breq_free(q);
		return;
	}
	cJSON_Delete(res);
	if ((j = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	cJSON_AddStringToObject(j, "user_id", user);
	cJSON_AddStringToObject(j, "organization_id", org);
	q->partial = j;
	xasprintf(&soql, IDENTITY_USER_SOQL, user);
	path = query_path(q->br, soql);
	identity_fetch(q, STEP_USER, path);
	free(path);
	free(soql);
}

static void
user_done(struct breq *q, struct sf_response *r)
{
	cJSON	*res, *rec;
	char	*path;

	res = query_result(r);
	rec = res == NULL ? NULL : cJSON_GetArrayItem(
	    cJSON_GetObjectItemCaseSensitive(res, "records"), 0);
	if (rec == NULL) {
		cJSON_Delete(res);
		reply_http_error(q->from, q->id, r, "the integration user's "
		    "own User record could not be read");
		breq_free(q);
		return;
	}
	identity_str(q->partial, "username", rec, "Username", 80);
	identity_str(q->partial, "name", rec, "Name", 121);
	identity_str(q->partial, "zoneinfo", rec, "TimeZoneSidKey", 40);
	cJSON_Delete(res);
	path = query_path(q->br, IDENTITY_ORG_SOQL);
	identity_fetch(q, STEP_ORG, path);
	free(path);
}

static void
org_done(struct breq *q, struct sf_response *r)
{
	cJSON		*res, *j = q->partial, *rec;
	const cJSON	*v;
	char		 host[HOST_MAX + 1];
	unsigned int	 port;

	q->partial = NULL;
	res = query_result(r);
	rec = res == NULL ? NULL : cJSON_GetArrayItem(
	    cJSON_GetObjectItemCaseSensitive(res, "records"), 0);
	if (rec != NULL) {
		identity_str(j, "org_name", rec, "Name", 80);
		v = cJSON_GetObjectItemCaseSensitive(rec, "IsSandbox");
		if (cJSON_IsBool(v))
			cJSON_AddBoolToObject(j, "is_sandbox", cJSON_IsTrue(v));
		else
			cJSON_AddNullToObject(j, "is_sandbox");
		identity_str(j, "org_type", rec, "OrganizationType", 40);
	} else {
		log_warnx("the Organization row could not be read (%s): the "
		    "org's name and whether it is a sandbox are unknown",
		    r->error_msg[0] != '\0' ? r->error_msg : "no record");
		cJSON_AddNullToObject(j, "org_name");
		cJSON_AddNullToObject(j, "is_sandbox");
		cJSON_AddNullToObject(j, "org_type");
	}
	cJSON_Delete(res);
	if (url_hostport(auth_instance_url(q->br->auth), host, sizeof(host),
	    &port) == 0)
		cJSON_AddStringToObject(j, "instance", host);
	else
		cJSON_AddNullToObject(j, "instance");
	cJSON_Delete(q->br->identity);
	if ((q->br->identity = cJSON_Duplicate(j, 1)) == NULL)
		fatalx("cJSON_Duplicate");
	if (q->br->login)
		login_token_send(q->br);
	reply_json(q->from, IMSG_SF_IDENTITY_R, q->id, j);
	breq_free(q);
}

/* ------------------------------------------------------------- cancel */

/*
 * IMSG_CANCEL: hdr.id names a request of the same sender.  A pending one
 * is answered SFE_CANCELLED and forgotten (its transfer aborted, or its
 * place in the queue given up); any other id is ignored: its answer has
 * gone already.
 */
static void
handle_cancel(struct broker *br, struct ipc *from, uint32_t id,
    struct buf *b)
{
	struct breq	*q;

	if (buf_get_end(b) == -1)
		fatalx("%s sent a malformed CANCEL", proc_name(from->peer));
	if ((q = breq_find(br, from, id)) == NULL) {
		log_debug("%s cancelled request %u, which is not pending",
		    proc_name(from->peer), id);
		return;
	}
	/*
	 * A mutation on its way is not abandoned: aborting it would leave
	 * its outcome unknown.  It is answered as usual, which CANCEL
	 * allows ("its ordinary answer if that was already on its way").
	 */
	if (q->step == STEP_WRITE) {
		log_info("%s %u of the %s: cancel ignored, the request is on "
		    "its way to Salesforce", imsg_name(q->type), id,
		    proc_name(from->peer));
		return;
	}
	log_info("%s %u of the %s cancelled", imsg_name(q->type), id,
	    proc_name(from->peer));
	reply_error(from, id, SFE_CANCELLED, "cancelled by the client");
	breq_free(q);
}

/* A transfer of q is over: the next step, or the answer. */
static void
breq_done(void *arg, struct sf_response *r)
{
	struct breq	*q = arg;

	q->http = NULL;		/* http.c frees it after this call */
	switch (q->step) {
	case STEP_DESCRIBE:
		describe_done(q, r);
		break;
	case STEP_QUERY:
		if (q->type == IMSG_SF_GET)
			get_done(q, r);
		else
			query_done(q, r);
		break;
	case STEP_MORE:
		more_done(q, r);
		break;
	case STEP_RESOURCES:
		resources_done(q, r);
		break;
	case STEP_USER:
		user_done(q, r);
		break;
	case STEP_ORG:
		org_done(q, r);
		break;
	case STEP_FLS_WAIT:	/* no transfer of its own */
		fatalx("a query waiting for the FLS probe had a transfer");
	case STEP_WRITE:
		write_done(q, r);
		break;
	}
}

/* ----------------------------------------------------------- dispatch */

/*
 * A new request from a peer: its id names no pending request of that
 * peer (reusing one is a protocol violation: the answers could not be
 * told apart), and the peer has fewer than MAX_PENDING in progress.
 */
static int
request_admit(struct broker *br, struct ipc *from, uint32_t id)
{
	if (breq_find(br, from, id) != NULL)
		fatalx("protocol violation: %s sent request %u while its "
		    "request %u is pending", proc_name(from->peer), id, id);
	if (br->npending[from->peer] >= MAX_PENDING) {
		reply_error(from, id, SFE_LIMIT, "the %s has %d requests in "
		    "progress already: wait for some to finish",
		    proc_name(from->peer), MAX_PENDING);
		return 0;
	}
	return 1;
}

/* The handlers of the rows the broker receives (policy_table.h). */
static void
broker_get(void *arg, struct ipc *from, uint32_t id, struct buf *b)
{
	if (request_admit(arg, from, id))
		handle_get(arg, from, id, b);
}

static void
broker_query(void *arg, struct ipc *from, uint32_t id, struct buf *b)
{
	if (request_admit(arg, from, id))
		handle_query(arg, from, id, b);
}

static void
broker_more(void *arg, struct ipc *from, uint32_t id, struct buf *b)
{
	if (request_admit(arg, from, id))
		handle_more(arg, from, id, b);
}

static void
broker_describe(void *arg, struct ipc *from, uint32_t id, struct buf *b)
{
	if (request_admit(arg, from, id))
		handle_describe(arg, from, id, b);
}

static void
broker_identity(void *arg, struct ipc *from, uint32_t id, struct buf *b)
{
	if (request_admit(arg, from, id))
		handle_identity(arg, from, id, b);
}

/* ------------------------------------------------------------- writes */

/*
 * The writer's three mutation shapes (contrib/WRITES.md).  The broker
 * takes typed fields, checks them (composite.c), fetches the object's
 * describe when it does not hold it (the ID's key prefix; for an update
 * the field must exist and be updateable), builds the one /composite
 * request itself, and sends it once: http.c retries a mutation only when
 * it certainly was not processed, and says SFE_AMBIGUOUS when the
 * request went out and no whole answer came back.
 */
static const char *
write_kind_name(uint32_t type)
{
	return type == IMSG_SF_WRITE_UPDATE ? "update" : type ==
	    IMSG_SF_WRITE_NOTE ? "note" : "failed-attempt audit row";
}

static void
write_log(const struct breq *q, const char *outcome, const char *detail)
{
	cJSON	*j;
	char	*text, d[256];
	size_t	 n;

	/* The attempt id, object and record: never a value. */
	if ((j = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	cJSON_AddStringToObject(j, "attempt", q->write->attempt);
	cJSON_AddStringToObject(j, "kind", write_kind_name(q->type));
	cJSON_AddStringToObject(j, "object", q->write->object);
	cJSON_AddStringToObject(j, "record", q->write->id18[0] != '\0' ?
	    q->write->id18 : q->write->id);
	cJSON_AddStringToObject(j, "outcome", outcome);
	if (detail != NULL) {
		str_oneline(d, sizeof(d), detail);
		cJSON_AddStringToObject(j, "detail", d);
	}
	if ((text = cJSON_PrintUnformatted(j)) == NULL)
		fatalx("cJSON_PrintUnformatted");
	cJSON_Delete(j);
	/* log_json() takes the members without the braces. */
	n = strlen(text);
	text[n - 1] = '\0';
	log_json(LOG_LVL_INFO, "write", text + 1);
	cJSON_free(text);
}

static void
handle_write(struct broker *br, struct ipc *from, uint32_t id, struct buf *b,
    uint32_t type)
{
	enum composite_kind	 kind;
	struct composite_req	*cr;
	struct describe		*d;
	struct breq		*q;
	uint32_t		 flags;
	char			*json = NULL, *path, err[1024];
	int			 rc;

	if (buf_get_u32(b, &flags) == -1 ||
	    buf_get_str(b, &json, PT_WRITE_MAX) == -1 || buf_get_end(b) == -1)
		fatalx("%s sent a malformed %s", proc_name(from->peer),
		    imsg_name(type));
	kind = type == IMSG_SF_WRITE_UPDATE ? COMPOSITE_UPDATE : type ==
	    IMSG_SF_WRITE_NOTE ? COMPOSITE_NOTE : COMPOSITE_FAILED;
	cr = xcalloc(1, sizeof(*cr));
	if ((rc = composite_parse(&br->wconf, kind, json, strlen(json), cr,
	    err, sizeof(err))) != 0) {
		log_warnx("%s refused: %s", imsg_name(type), err);
		reply_error(from, id, rc == -2 ? SFE_POLICY : SFE_INVALID, "%s",
		    err);
		free(cr);
		free(json);
		return;
	}
	free(json);
	q = breq_new(br, from, id, type);
	q->flags = flags;
	q->answer = type + 1;
	q->write = cr;
	strlcpy_sf(q->object, cr->object, sizeof(q->object));
	if ((d = describe_find(br, q->object)) != NULL) {
		write_send(q, d);
		return;
	}
	/* A read, so that the checks can be made: never the mutation. */
	path = describe_path(br, q->object);
	breq_fetch(q, STEP_DESCRIBE, path);
	free(path);
}

/* The checks that need describe, then the dry run or the one request. */
static void
write_send(struct breq *q, const struct describe *d)
{
	struct composite_req	*cr = q->write;
	cJSON			*body, *j;
	char			*text, path[64], err[1024];

	if (composite_check(&q->br->wconf, cr, d->key_prefix, d->meta, err,
	    sizeof(err)) == -1) {
		write_log(q, "refused", err);
		reply_error(q->from, q->id, SFE_INVALID, "%s", err);
		breq_free(q);
		return;
	}
	body = composite_body(&q->br->wconf, cr);
	composite_path(&q->br->wconf, path, sizeof(path));
	if (q->flags & REQ_DRY_RUN) {
		if ((j = cJSON_CreateObject()) == NULL)
			fatalx("cJSON_CreateObject");
		cJSON_AddBoolToObject(j, "dry_run", 1);
		cJSON_AddStringToObject(j, "method", "POST");
		cJSON_AddStringToObject(j, "path", path);
		cJSON_AddItemToObject(j, "body", body);
		reply_json(q->from, q->answer, q->id, j);
		breq_free(q);
		return;
	}
	if ((text = cJSON_PrintUnformatted(body)) == NULL)
		fatalx("cJSON_PrintUnformatted");
	cJSON_Delete(body);
	write_log(q, "sending", NULL);
	q->step = STEP_WRITE;
	/* Not idempotent: retried only when certainly not processed. */
	q->http = sfhttp_start(q->br->http, "POST", path, text, 0, breq_done,
	    q);
	cJSON_free(text);
}

static void
write_done(struct breq *q, struct sf_response *r)
{
	cJSON		*out;
	const cJSON	*e;
	char		 err[512];

	if (r->sf_err == SFE_OK) {
		if ((out = composite_answer(q->write, r->body, r->len, err,
		    sizeof(err))) == NULL) {
			write_log(q, "unknown", err);
			reply_error(q->from, q->id, SFE_AMBIGUOUS, "%s; the "
			    "request reached Salesforce, so whether the %s was "
			    "applied is unknown: look attempt %s up in the "
			    "audit object, and do not send it again", err,
			    write_kind_name(q->type), q->write->attempt);
		} else {
			e = cJSON_GetObjectItemCaseSensitive(out, "error");
			write_log(q, cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
			    out, "committed")) ? "committed" : "refused",
			    cJSON_IsObject(e) ? cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(e, "code")) : NULL);
			reply_json(q->from, q->answer, q->id, out);
		}
	} else {
		write_log(q, r->sf_err == SFE_AMBIGUOUS ? "unknown" :
		    "not sent or refused", r->error_msg);
		reply_http_error(q->from, q->id, r, "Salesforce refused the "
		    "composite request");
	}
	breq_free(q);
}

static void
broker_write_update(void *arg, struct ipc *from, uint32_t id, struct buf *b)
{
	if (request_admit(arg, from, id))
		handle_write(arg, from, id, b, IMSG_SF_WRITE_UPDATE);
}

static void
broker_write_note(void *arg, struct ipc *from, uint32_t id, struct buf *b)
{
	if (request_admit(arg, from, id))
		handle_write(arg, from, id, b, IMSG_SF_WRITE_NOTE);
}

static void
broker_audit_failed(void *arg, struct ipc *from, uint32_t id, struct buf *b)
{
	if (request_admit(arg, from, id))
		handle_write(arg, from, id, b, IMSG_SF_AUDIT_FAILED);
}

/* IMSG_CANCEL: abort the request named, if it is still pending. */
static void
broker_cancel(void *arg, struct ipc *from, uint32_t id, struct buf *b)
{
	handle_cancel(arg, from, id, b);
}

#define PT_PICK_BROKER(s, r, t, h)	PT_ENTRY(s, r, t, h)
#define PT_PICK_PARENT(s, r, t, h)
#define PT_PICK_FRONT(s, r, t, h)
#define PT_PICK_WRITER(s, r, t, h)
#define PT_PICK_EXPORT(s, r, t, h)
static const struct policy_handler broker_handlers[] = {
	POLICY_TABLE(PT_ROW_PICK)
};

/*
 * Everything from the front and the writer goes through the table: a
 * type no row allows on that channel (a mutation from the front, an
 * answer, an unknown type), in the wrong state or of the wrong shape
 * ends the broker, as it ends every process: the peer is presumed
 * compromised.
 */
static void
broker_dispatch(struct broker *br, struct ipc *from)
{
	struct ipc_msg	 msg;

	while (ipc_next(from, &msg)) {
		policy_dispatch(PROC_BROKER, from, PS_RUN, &msg,
		    broker_handlers, sizeof(broker_handlers) /
		    sizeof(broker_handlers[0]), br);
		ipc_msg_free(&msg);
	}
}

/*
 * The CA bundle arrives from the parent after the secrets: a name (its
 * path, for messages) and the PEM bytes, which the HTTPS client keeps.
 */
static void
broker_ca_bundle(struct broker *br)
{
	struct ipc_msg	 msg;
	struct buf	 b;
	char		 err[256], *name = NULL;

	if (ipc_recv_blocking(&br->proc.parent, &msg, 5000, err,
	    sizeof(err)) != 1)
		fatalx("parent channel: %s", err);
	policy_admit(PROC_BROKER, &br->proc.parent, PS_START, &msg);
	if (msg.hdr.type != IMSG_CA_BUNDLE)
		fatalx("parent channel: expected CA_BUNDLE, got %s",
		    imsg_name(msg.hdr.type));
	buf_from(&b, msg.data, msg.hdr.len);
	if (buf_get_str(&b, &name, 1024) == -1 || b.len - b.off == 0 ||
	    b.len - b.off > CA_BUNDLE_MAX)
		fatalx("parent channel: malformed CA_BUNDLE");
	strlcpy_sf(br->ca_name, name, sizeof(br->ca_name));
	free(name);
	br->ca_len = b.len - b.off;
	br->ca_pem = xmalloc(br->ca_len + 1);
	memcpy(br->ca_pem, b.data + b.off, br->ca_len);
	br->ca_pem[br->ca_len] = '\0';
	ipc_msg_free(&msg);
}

/* Secrets arrive from the parent before anything else happens. */
static void
broker_secrets(struct broker *br)
{
	struct ipc_msg	 msg;
	struct buf	 b;
	uint32_t	 kind;
	char		 err[256];

	for (;;) {
		if (ipc_recv_blocking(&br->proc.parent, &msg, 5000, err,
		    sizeof(err)) != 1)
			fatalx("parent channel: %s", err);
		policy_admit(PROC_BROKER, &br->proc.parent, PS_START, &msg);
		if (msg.hdr.type != IMSG_SECRET)
			fatalx("parent channel: expected SECRET, got %s",
			    imsg_name(msg.hdr.type));
		buf_from(&b, msg.data, msg.hdr.len);
		if (buf_get_u32(&b, &kind) == -1)
			fatalx("parent channel: malformed SECRET");
		if (kind == SECRET_DONE) {
			if (buf_get_end(&b) == -1)
				fatalx("parent channel: malformed SECRET");
			ipc_msg_free(&msg);
			return;
		}
		{
			uint32_t len;
			if (buf_get_u32(&b, &len) == -1 || len > SECRET_MAX ||
			    len != b.len - b.off)
				fatalx("parent channel: malformed SECRET");
			if (auth_set_secret(br->auth, kind,
			    (const char *)b.data + b.off, len) == -1)
				fatalx("parent channel: bad SECRET kind %u",
				    kind);
		}
		sodium_memzero(msg.data, msg.hdr.len);
		ipc_msg_free(&msg);
	}
}

/* Send what is queued for a peer; -1 if the peer is gone. */
static int
broker_flush(struct ipc *peer)
{
	if (ipc_flush(peer) == 0)
		return 0;
	if (errno == EPIPE || errno == ECONNRESET) {
		log_debug("%s closed its channel", proc_name(peer->peer));
		return -1;
	}
	fatal("write to %s", proc_name(peer->peer));
}

/*
 * The broker's event loop: the parent, the front and the writer, and
 * libcurl's sockets and timers (sfhttp_poll), until the parent says stop
 * (0) or a peer leaves (EXIT_PEER_GONE).  Answers are sent from here and
 * from the transfers' callbacks, and flushed at the end of each turn.
 */
static int
broker_loop(struct broker *br)
{
	struct pollfd	 pfd[3];
	struct ipc	*peer[3];
	int		 i;

	peer[0] = &br->proc.parent;
	peer[1] = &br->front;
	peer[2] = &br->writer;
	for (;;) {
		/* A SHUTDOWN may arrive while a connection is asked for. */
		if (br->proc.stop)
			return 0;
		for (i = 0; i < 3; i++) {
			pfd[i].fd = peer[i]->fd;
			pfd[i].events = POLLIN |
			    (ipc_want_write(peer[i]) ? POLLOUT : 0);
		}
		if (sfhttp_poll(br->http, pfd, 3) == -1)
			fatal("poll");
		if (pfd[0].revents & POLLOUT)
			(void)ipc_flush(&br->proc.parent);
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))
			if (proc_dispatch_parent(&br->proc) == 1)
				return 0;
		for (i = 1; i < 3; i++) {
			if ((pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0)
				continue;
			/* A peer that is gone takes us with it. */
			if (ipc_read(peer[i]) <= 0)
				return EXIT_PEER_GONE;
			broker_dispatch(br, peer[i]);
		}
		for (i = 1; i < 3; i++)
			if (ipc_want_write(peer[i]) &&
			    broker_flush(peer[i]) == -1)
				return EXIT_PEER_GONE;
	}
}

int
broker_main(void)
{
	struct broker		 br;
	struct auth_config	 ac;
	struct sfhttp_config	 hc;
	const char		*fls;
	char			 err[512];
	int			 status = 0;
	size_t			 i;

	secmem_init();		/* before libcurl, OpenSSL or cJSON allocate */
	memset(&br, 0, sizeof(br));
	TAILQ_INIT(&br.pending);
	proc_start(&br.proc, PROC_BROKER);
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fatal("signal");
	if (sodium_init() == -1)
		fatalx("sodium_init");

	memset(&ac, 0, sizeof(ac));
	ac.flow = proc_config_str(&br.proc, "auth_flow", "access_token");
	ac.login_url = proc_config_str(&br.proc, "login_url", NULL);
	ac.instance_url = proc_config_str(&br.proc, "instance_url", NULL);
	ac.client_id = proc_config_str(&br.proc, "client_id", NULL);
	ac.username = proc_config_str(&br.proc, "username", NULL);
	ac.redirect_uri = proc_config_str(&br.proc, "redirect_uri", NULL);
	if (ac.instance_url == NULL || ac.login_url == NULL)
		fatalx("configuration without instance_url");
	if ((br.auth = auth_new(&ac)) == NULL)
		fatalx("auth_new failed");
	broker_secrets(&br);
	broker_ca_bundle(&br);
	if (auth_ready(br.auth, err, sizeof(err)) == -1)
		fatalx("authentication: %s", err);

	strlcpy_sf(br.api_version, proc_config_str(&br.proc, "api_version",
	    "v60.0"), sizeof(br.api_version));
	fls = proc_config_str(&br.proc, "fls_mode", "auto");
	br.fls = soql_fls_mode(fls);
	/* The writes' allow-lists (conf.c checked them). */
	br.wconf.api_version = br.api_version;
	br.wconf.audit_object = proc_config_str(&br.proc, "audit_object",
	    "Cleanup_Audit__c");
	br.wconf.write_objects = proc_config_str(&br.proc, "write_objects",
	    "Account,Opportunity,Contact,Lead");
	br.wconf.writable_fields = proc_config_str(&br.proc, "writable_fields",
	    "Account.*,Opportunity.*,Contact.*,Lead.*");
	br.wconf.share_type = proc_config_str(&br.proc, "note_share_type",
	    "I");
	br.wconf.visibility = proc_config_str(&br.proc, "note_visibility",
	    "InternalUsers");

	memset(&hc, 0, sizeof(hc));
	hc.api_version = br.api_version;
	hc.ca_pem = br.ca_pem;
	hc.ca_len = br.ca_len;
	hc.ca_name = br.ca_name;
	hc.connect_timeout_ms = 10000;
	hc.total_timeout_ms = proc_config_int(&br.proc, "http_timeout_ms",
	    60000);
	hc.max_attempts = 4;
	hc.retry_budget_ms = 20000;
	hc.backoff_base_ms = 250;
	hc.backoff_cap_ms = 8000;
	hc.max_transfers = (int)proc_config_int(&br.proc, "max_transfers", 6);
	hc.request_budget = proc_config_int(&br.proc, "request_budget", 2000);
	hc.usage_warn_pct = (int)proc_config_int(&br.proc,
	    "api_usage_warn_pct", 80);
	if (hc.max_transfers < 1 || hc.max_transfers > 25)
		fatalx("max_transfers %d is outside 1..25", hc.max_transfers);
	netpass_init(&br.proc, (int)hc.connect_timeout_ms);
	if ((br.http = sfhttp_new(&hc, br.auth)) == NULL)
		fatalx("the HTTPS client could not start (see above)");
	reply_http = br.http;
	free(br.ca_pem);	/* the client keeps its own copy */
	br.ca_pem = NULL;

	proc_peer_open(&br.proc, &br.front, FD_PEER_A, PROC_FRONT);
	proc_peer_open(&br.proc, &br.writer, FD_PEER_B, PROC_WRITER);

	sandbox_apply(PROC_BROKER, NULL);	/* no file at all */
	proc_ready(&br.proc);
	if (strcmp(proc_config_str(&br.proc, "mode", "serve"), "login") == 0)
		login_start(&br);

	status = broker_loop(&br);

	/* Stopping: every transfer is aborted, nothing is answered. */
	while (!TAILQ_EMPTY(&br.pending))
		breq_free(TAILQ_FIRST(&br.pending));
	if (br.fls_probe != NULL)
		sfhttp_abort(br.fls_probe);
	for (i = 0; i < MAX_CURSORS; i++)
		cursor_clear(&br.cursors[i]);
	for (i = 0; i < MAX_DESCRIBES; i++) {
		cJSON_Delete(br.describes[i].fields);
		cJSON_Delete(br.describes[i].picklists);
		cJSON_Delete(br.describes[i].meta);
	}
	cJSON_Delete(br.identity);
	reply_http = NULL;
	sfhttp_free(br.http);
	auth_free(br.auth);
	ipc_close(&br.front);
	ipc_close(&br.writer);
	proc_end(&br.proc);
	return status;
}
