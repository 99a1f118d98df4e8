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
 */
#include "config.h"

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
#include "http.h"
#include "netpass.h"
#include "policy_table.h"
#include "secmem.h"
#include "soql.h"

#define REQ_DRY_RUN		0x01
#define REQ_DEFAULT_FIELDS	0x02	/* SF_GET: drop fields the org lacks */
#define MAX_CURSORS		16
#define CURSOR_IDLE_MS		(15 * 60 * 1000)	/* Salesforce's locator life */
#define MAX_DESCRIBES		32
/* Picklists kept from a describe: what an org may have, and no more. */
#define MAX_PICKLIST_VALUES	1000	/* per field (Salesforce's own cap) */
#define MAX_PICKLIST_VALUE	1024	/* bytes of one value (255 chars) */
#define MAX_PICKLIST_BYTES	(1024 * 1024)	/* all values of an object */

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
};

struct broker {
	struct proc_ctx	 proc;
	struct ipc	 front;
	struct ipc	 writer;
	struct auth	*auth;
	struct sfhttp	*http;
	char		 api_version[16];
	enum soql_fls	 fls;
	char		*ca_pem;	/* the CA bundle, until the client has it */
	size_t		 ca_len;
	char		 ca_name[1025];
	struct cursor	 cursors[MAX_CURSORS];
	struct describe	 describes[MAX_DESCRIBES];
};

/* ------------------------------------------------------------ replies */

static void
reply_json(struct ipc *to, uint32_t type, uint32_t id, cJSON *j)
{
	struct buf	 b;
	char		*text;

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

static void
reply_http_error(struct ipc *to, uint32_t id, const struct sf_response *r,
    const char *what)
{
	reply_error(to, id, (uint32_t)(r->sf_err ? r->sf_err : SFE_INTERNAL),
	    "%s: %s", what, r->error_msg[0] ? r->error_msg :
	    "Salesforce gave no explanation");
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

/* Run one SOQL statement; on success *res holds the parsed result. */
static int
run_query(struct broker *br, const char *soql, cJSON **res,
    struct sf_response *r)
{
	char	*path;
	int	 ret;

	*res = NULL;
	memset(r, 0, sizeof(*r));
	path = query_path(br, soql);
	ret = sfhttp_request(br->http, "GET", path, NULL, 1, r);
	free(path);
	if (ret == -1)
		return -1;
	if ((*res = body_json(r)) == NULL ||
	    !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(*res, "records"))) {
		cJSON_Delete(*res);
		*res = NULL;
		r->sf_err = SFE_SALESFORCE;
		snprintf(r->error_msg, sizeof(r->error_msg), "Salesforce "
		    "answered the query with something that is not a query "
		    "result");
		return -1;
	}
	return 0;
}

static void
dry_run_reply(struct broker *br, struct ipc *to, uint32_t type, uint32_t id,
    const char *object, const char *idval, const char *soql)
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
	free(path);
	reply_json(to, type, id, j);
}

static int
guard(struct broker *br, const char *soql, char **out, struct soql_info *info,
    char *err, size_t errlen)
{
	struct soql_opts	 opts;

	memset(&opts, 0, sizeof(opts));
	opts.fls = br->fls;
	opts.default_limit = SF_MAX_ROWS;
	return soql_rewrite(soql, strlen(soql), &opts, out, info, err, errlen);
}

static void
handle_query(struct broker *br, struct ipc *from, uint32_t id, struct buf *b)
{
	struct soql_info	 info;
	struct sf_response	 r;
	uint32_t		 flags;
	char			*soql = NULL, *sent = NULL, err[512];
	cJSON			*res, *page, *records;
	const cJSON		*v;
	const char		*next;

	if (buf_get_u32(b, &flags) == -1 ||
	    buf_get_str(b, &soql, SF_MAX_SOQL) == -1 || buf_get_end(b) == -1)
		fatalx("%s sent a malformed SF_QUERY", proc_name(from->peer));
	if (guard(br, soql, &sent, &info, err, sizeof(err)) == -1) {
		reply_error(from, id, SFE_INVALID, "%s", err);
		goto out;
	}
	if (flags & REQ_DRY_RUN) {
		dry_run_reply(br, from, IMSG_SF_QUERY_R, id, info.object, NULL,
		    sent);
		goto out;
	}
	if (run_query(br, sent, &res, &r) == -1) {
		reply_http_error(from, id, &r, "Salesforce refused the query");
		sf_response_free(&r);
		goto out;
	}
	sf_response_free(&r);
	v = cJSON_GetObjectItemCaseSensitive(res, "nextRecordsUrl");
	next = cJSON_IsString(v) && !cJSON_IsTrue(
	    cJSON_GetObjectItemCaseSensitive(res, "done")) ? v->valuestring :
	    NULL;
	records = cJSON_DetachItemFromObjectCaseSensitive(res, "records");
	v = cJSON_GetObjectItemCaseSensitive(res, "totalSize");
	page = page_from(br, from->peer, info.object, sent,
	    cJSON_IsNumber(v) ? (long)v->valuedouble :
	    cJSON_GetArraySize(records), records, next, err, sizeof(err));
	cJSON_Delete(res);
	if (page == NULL)
		reply_error(from, id, SFE_SALESFORCE, "%s", err);
	else
		reply_json(from, IMSG_SF_QUERY_R, id, page);
out:
	free(soql);
	free(sent);
}

static void
handle_more(struct broker *br, struct ipc *from, uint32_t id, struct buf *b)
{
	struct cursor		*cur;
	struct sf_response	 r;
	char			*token = NULL, *soql, *next = NULL, err[256];
	char			 object[SF_MAX_NAME + 1];
	cJSON			*records, *res = NULL, *page;
	const cJSON		*v;
	long			 total;

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
		records = cur->leftover;
		cur->leftover = NULL;
		next = cur->next_path;
		cur->next_path = NULL;
		cursor_clear(cur);
	} else {
		char *path = cur->next_path;
		cur->next_path = NULL;
		cursor_clear(cur);
		memset(&r, 0, sizeof(r));
		if (sfhttp_request(br->http, "GET", path, NULL, 1, &r) == -1 ||
		    (res = body_json(&r)) == NULL || !cJSON_IsArray(
		    cJSON_GetObjectItemCaseSensitive(res, "records"))) {
			if (r.sf_err == SFE_OK) {
				r.sf_err = SFE_SALESFORCE;
				snprintf(r.error_msg, sizeof(r.error_msg),
				    "the answer is not a query result");
			}
			reply_http_error(from, id, &r, "Salesforce refused the "
			    "next page");
			sf_response_free(&r);
			cJSON_Delete(res);
			free(path);
			free(soql);
			return;
		}
		sf_response_free(&r);
		free(path);
		v = cJSON_GetObjectItemCaseSensitive(res, "nextRecordsUrl");
		if (cJSON_IsString(v) && !cJSON_IsTrue(
		    cJSON_GetObjectItemCaseSensitive(res, "done")))
			next = xstrdup(v->valuestring);
		records = cJSON_DetachItemFromObjectCaseSensitive(res,
		    "records");
		cJSON_Delete(res);
	}
	page = page_from(br, from->peer, object, soql, total, records, next,
	    err, sizeof(err));
	free(next);
	free(soql);
	if (page == NULL)
		reply_error(from, id, SFE_SALESFORCE, "%s", err);
	else
		reply_json(from, IMSG_SF_MORE_R, id, page);
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
describe_get(struct broker *br, const char *object, struct sf_response *r)
{
	struct describe	*d;
	cJSON		*res, *fields, *picklists;
	size_t		 budget = MAX_PICKLIST_BYTES;
	const cJSON	*fv, *name, *rel;
	char		*path;
	size_t		 i;

	/* r is the caller's to free on every path, the cached one too. */
	memset(r, 0, sizeof(*r));
	for (i = 0; i < MAX_DESCRIBES; i++)
		if (strcmp(br->describes[i].object, object) == 0)
			return &br->describes[i];
	for (i = 0; i < MAX_DESCRIBES; i++)
		if (br->describes[i].object[0] == '\0')
			break;
	if (i == MAX_DESCRIBES)
		i = 0;	/* full: replace the first */
	d = &br->describes[i];
	memset(r, 0, sizeof(*r));
	xasprintf(&path, "/services/data/%s/sobjects/%s/describe",
	    br->api_version, object);
	if (sfhttp_request(br->http, "GET", path, NULL, 1, r) == -1) {
		free(path);
		return NULL;
	}
	free(path);
	if ((res = body_json(r)) == NULL ||
	    !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(res, "fields"))) {
		cJSON_Delete(res);
		r->sf_err = SFE_SALESFORCE;
		snprintf(r->error_msg, sizeof(r->error_msg), "the describe "
		    "answer has no field list");
		return NULL;
	}
	if ((fields = cJSON_CreateObject()) == NULL ||
	    (picklists = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	cJSON_ArrayForEach(fv, cJSON_GetObjectItemCaseSensitive(res, "fields")) {
		name = cJSON_GetObjectItemCaseSensitive(fv, "name");
		rel = cJSON_GetObjectItemCaseSensitive(fv, "relationshipName");
		if (!cJSON_IsString(name))
			continue;
		cJSON_AddStringToObject(fields, name->valuestring,
		    cJSON_IsString(rel) ? rel->valuestring : "");
		picklist_keep(picklists, fv, name->valuestring, &budget);
	}
	cJSON_Delete(res);
	cJSON_Delete(d->fields);
	cJSON_Delete(d->picklists);
	strlcpy_sf(d->object, object, sizeof(d->object));
	d->fields = fields;
	d->picklists = picklists;
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
handle_describe(struct broker *br, struct ipc *from, uint32_t id,
    struct buf *b)
{
	struct describe		*d;
	struct sf_response	 r;
	char			*object = NULL;
	cJSON			*j, *names;
	const cJSON		*f;

	if (buf_get_str(b, &object, SF_MAX_NAME) == -1 || buf_get_end(b) == -1)
		fatalx("%s sent a malformed SF_DESCRIBE", proc_name(from->peer));
	if (!policy_name_valid(object)) {
		reply_error(from, id, SFE_INVALID, "'%s' is not an object API "
		    "name", object);
		free(object);
		return;
	}
	if ((d = describe_get(br, object, &r)) == NULL) {
		reply_http_error(from, id, &r, "describe failed");
		sf_response_free(&r);
		free(object);
		return;
	}
	sf_response_free(&r);
	if ((j = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	cJSON_AddStringToObject(j, "object", object);
	names = cJSON_AddArrayToObject(j, "fields");
	cJSON_ArrayForEach(f, d->fields)
		cJSON_AddItemToArray(names, cJSON_CreateString(f->string));
	cJSON_AddItemToObject(j, "picklists", cJSON_Duplicate(d->picklists, 1));
	reply_json(from, IMSG_SF_DESCRIBE_R, id, j);
	free(object);
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
	char			*soql = NULL, *sent = NULL, err[512], id18[19];
	char			*known = NULL;
	const char		*prefix;
	struct soql_info	 info;
	struct sf_response	 r;
	struct describe		*d;
	cJSON			*res = NULL, *j;
	const cJSON		*tot;

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
			    sent);
		goto out;
	}
	/* Name the unknown field instead of Salesforce's caret message. */
	if ((d = describe_get(br, object, &r)) == NULL) {
		reply_http_error(from, id, &r, "describe failed");
		sf_response_free(&r);
		goto out;
	}
	sf_response_free(&r);
	if (fields_known(d, fields, (flags & REQ_DEFAULT_FIELDS) != 0, &known,
	    err, sizeof(err)) == -1) {
		reply_error(from, id, SFE_INVALID, "%s has %s", object, err);
		goto out;
	}
	xasprintf(&soql, "SELECT %s FROM %s WHERE Id = '%s' LIMIT 1", known,
	    object, id18);
	free(known);
	if (guard(br, soql, &sent, &info, err, sizeof(err)) == -1) {
		reply_error(from, id, SFE_INVALID, "%s", err);
		goto out;
	}
	if (run_query(br, sent, &res, &r) == -1) {
		reply_http_error(from, id, &r, "Salesforce refused the read");
		sf_response_free(&r);
		goto out;
	}
	sf_response_free(&r);
	tot = cJSON_GetObjectItemCaseSensitive(res, "totalSize");
	if (!cJSON_IsNumber(tot) || tot->valuedouble < 1 ||
	    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(res,
	    "records")) < 1) {
		reply_error(from, id, SFE_NOT_FOUND, "no %s with ID %s is "
		    "visible to the integration user: it does not exist, was "
		    "deleted, or is not shared with that user", object, id18);
		goto out;
	}
	if ((j = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	cJSON_AddStringToObject(j, "object", object);
	cJSON_AddStringToObject(j, "id", id18);
	cJSON_AddItemToObject(j, "records",
	    cJSON_DetachItemFromObjectCaseSensitive(res, "records"));
	reply_json(from, IMSG_SF_GET_R, id, j);
out:
	cJSON_Delete(res);
	free(object);
	free(rid);
	free(fields);
	free(soql);
	free(sent);
}

/* ----------------------------------------------------------- dispatch */

/* The handlers of the rows the broker receives (policy_table.h). */
static void
broker_get(void *arg, struct ipc *from, uint32_t id, struct buf *b)
{
	handle_get(arg, from, id, b);
}

static void
broker_query(void *arg, struct ipc *from, uint32_t id, struct buf *b)
{
	handle_query(arg, from, id, b);
}

static void
broker_more(void *arg, struct ipc *from, uint32_t id, struct buf *b)
{
	handle_more(arg, from, id, b);
}

static void
broker_describe(void *arg, struct ipc *from, uint32_t id, struct buf *b)
{
	handle_describe(arg, from, id, b);
}

/*
 * IMSG_CANCEL: this broker answers each request before it reads the
 * next, so the request named has been answered already: nothing to do.
 */
static void
broker_cancel(void *arg, struct ipc *from, uint32_t id, struct buf *b)
{
	(void)arg;
	(void)b;
	log_debug("cancel of %s request %u: already answered",
	    proc_name(from->peer), id);
}

#define PT_PICK_BROKER(s, r, t, h)	PT_ENTRY(s, r, t, h)
#define PT_PICK_PARENT(s, r, t, h)
#define PT_PICK_FRONT(s, r, t, h)
#define PT_PICK_WRITER(s, r, t, h)
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
		proc_flush(&br->proc, from);
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

/* proc_serve()'s callback. */
static void
broker_serve(void *arg, struct ipc *from)
{
	broker_dispatch(arg, from);
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

	secmem_init();		/* before libcurl, OpenSSL or cJSON allocate */
	memset(&br, 0, sizeof(br));
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
	fls = proc_config_str(&br.proc, "fls_mode", "security_enforced");
	br.fls = soql_fls_mode(fls);

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
	netpass_init(&br.proc, (int)hc.connect_timeout_ms);
	if ((br.http = sfhttp_new(&hc, br.auth)) == NULL)
		fatalx("the HTTPS client could not start (see above)");
	free(br.ca_pem);	/* the client keeps its own copy */
	br.ca_pem = NULL;

	proc_peer_open(&br.proc, &br.front, FD_PEER_A, PROC_FRONT);
	proc_peer_open(&br.proc, &br.writer, FD_PEER_B, PROC_WRITER);

	sandbox_apply(PROC_BROKER, NULL);	/* no file at all */
	proc_ready(&br.proc);

	status = proc_serve(&br.proc, &br.front, &br.writer, broker_serve, &br);
	{
		size_t i;
		for (i = 0; i < MAX_CURSORS; i++)
			cursor_clear(&br.cursors[i]);
		for (i = 0; i < MAX_DESCRIBES; i++) {
			cJSON_Delete(br.describes[i].fields);
			cJSON_Delete(br.describes[i].picklists);
		}
	}
	sfhttp_free(br.http);
	auth_free(br.auth);
	ipc_close(&br.front);
	ipc_close(&br.writer);
	proc_end(&br.proc);
	return status;
}
