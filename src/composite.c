/*
 * composite.c: the three mutation shapes the broker builds itself
 * (contrib/WRITES.md), and the reading of Salesforce's composite answer.
 *
 * The writer sends typed fields, never a URL, a method or a body: this
 * file checks every one of them (unknown or repeated keys, types, sizes,
 * the allow-lists, the ID's form and key prefix, the audit row's keys
 * and its agreement with the change it records) and builds the one
 * /composite request of each shape: allOrNone true, collateSubrequests
 * false, the audit row first for an update; the note, its link and the
 * audit row naming it for a note; one audit row for a failed attempt.
 *
 * A string the writer gives may not contain "@{": inside a composite
 * request that is a reference to another subrequest's result, which
 * Salesforce would substitute.  The only references sent are the
 * broker's own ("@{note.id}").
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "sfrevops.h"
#include "composite.h"
#include "date.h"

enum afield_type { A_STR = 1, A_SCALAR, A_BOOL };

#define K_UPD	(1u << COMPOSITE_UPDATE)
#define K_NOTE	(1u << COMPOSITE_NOTE)
#define K_FAIL	(1u << COMPOSITE_FAILED)
#define K_ALL	(K_UPD | K_NOTE | K_FAIL)

/* The audit object's fields (the design note's, then ours), in the
 * order the row is sent. */
static const struct afield {
	const char		*name;
	enum afield_type	 type;
	unsigned		 required;	/* kinds that must give it */
	unsigned		 allowed;	/* kinds that may give it */
} afields[] = {
	{ "Object_Name__c",	A_STR,    K_ALL,          K_ALL },
	{ "Record_Id__c",	A_STR,    K_ALL,          K_ALL },
	{ "Field_Name__c",	A_STR,    K_UPD | K_FAIL, K_ALL },
	{ "Old_Value__c",	A_SCALAR, K_UPD | K_FAIL, K_ALL },
	{ "New_Value__c",	A_SCALAR, K_UPD | K_FAIL, K_UPD | K_FAIL },
	{ "Justification__c",	A_STR,    K_UPD | K_FAIL, K_ALL },
	{ "Performed_By__c",	A_STR,    K_ALL,          K_ALL },
	{ "Failed__c",		A_BOOL,   K_FAIL,         K_ALL },
	{ "Attempt_Id__c",	A_STR,    0,              K_ALL },
	{ "Error__c",		A_SCALAR, 0,              K_ALL },
};
#define NAFIELDS	(sizeof(afields) / sizeof(afields[0]))

/* Fields Object.* does not cover; the first two are never writable. */
static const char *const never_fields[] = { "OwnerId", "RecordTypeId" };
static const char *const star_excluded[] = { "StageName",
    "ForecastCategoryName", "IsPrivate" };

static const char *
kind_name(enum composite_kind k)
{
	switch (k) {
	case COMPOSITE_UPDATE:
		return "SF_WRITE_UPDATE";
	case COMPOSITE_NOTE:
		return "SF_WRITE_NOTE";
	default:
		return "SF_AUDIT_FAILED";
	}
}

/* ------------------------------------------------------------- lists */

const char *
composite_list_find(const char *list, const char *name, char *out,
    size_t outlen)
{
	const char	*p = list, *e;
	size_t		 n;

	if (list == NULL)
		return NULL;
	while (*p != '\0') {
		for (e = p; *e != '\0' && *e != ','; e++)
			;
		n = (size_t)(e - p);
		if (n == strlen(name) && strncasecmp(p, name, n) == 0 &&
		    n < outlen) {
			memcpy(out, p, n);
			out[n] = '\0';
			return out;
		}
		p = *e == ',' ? e + 1 : e;
	}
	return NULL;
}

int
composite_field_allowed(const char *writable, const char *object,
    const char *field)
{
	char	 item[2 * SF_MAX_NAME + 3], tmp[sizeof(item)];
	size_t	 i;

	for (i = 0; i < sizeof(never_fields) / sizeof(never_fields[0]); i++)
		if (strcasecmp(field, never_fields[i]) == 0)
			return 0;
	if (strlen(object) > SF_MAX_NAME || strlen(field) > SF_MAX_NAME)
		return 0;
	/* Named explicitly: allowed (describe must still say updateable). */
	snprintf(item, sizeof(item), "%s.%s", object, field);
	if (composite_list_find(writable, item, tmp, sizeof(tmp)) != NULL)
		return 1;
	snprintf(item, sizeof(item), "%s.*", object);
	if (composite_list_find(writable, item, tmp, sizeof(tmp)) == NULL)
		return 0;
	for (i = 0; i < sizeof(star_excluded) / sizeof(star_excluded[0]); i++)
		if (strcasecmp(field, star_excluded[i]) == 0)
			return 0;
	if (strcasecmp(object, "Lead") == 0 && strcasecmp(field, "Status") == 0)
		return 0;
	return 1;
}

/* ------------------------------------------------------------- dates */

static int
two(const char *p)
{
	if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]))
		return -1;
	return (p[0] - '0') * 10 + (p[1] - '0');
}

int
composite_http_date(const char *iso, char *out, size_t outlen)
{
	static const char *const wday[] = { "Thu", "Fri", "Sat", "Sun", "Mon",
	    "Tue", "Wed" };
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	const char	*p;
	long		 y, days, secs, lm, ld;
	int		 m, d, hh, mi, ss, oh = 0, om = 0, sign = 0, i;

	if (strlen(iso) < 20 || strlen(iso) > 35)
		return -1;
	for (i = 0; i < 4; i++)
		if (!isdigit((unsigned char)iso[i]))
			return -1;
	y = strtol(iso, NULL, 10);
	if (iso[4] != '-' || (m = two(iso + 5)) == -1 || iso[7] != '-' ||
	    (d = two(iso + 8)) == -1 || iso[10] != 'T' ||
	    (hh = two(iso + 11)) == -1 || iso[13] != ':' ||
	    (mi = two(iso + 14)) == -1 || iso[16] != ':' ||
	    (ss = two(iso + 17)) == -1)
		return -1;
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] ||
	    (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) ||
	    y % 400 == 0)) || hh > 23 || mi > 59 || ss > 59)
		return -1;
	p = iso + 19;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'Z')
		p++;
	else if (*p == '+' || *p == '-') {
		sign = *p == '+' ? 1 : -1;
		if ((oh = two(p + 1)) == -1)
			return -1;
		p += 3;
		if (*p == ':')
			p++;
		if ((om = two(p)) == -1)
			return -1;
		p += 2;
		if (oh > 14 || om > 59)
			return -1;
	} else
		return -1;
	if (*p != '\0')
		return -1;
	days = date_days(y, m, d);
	secs = hh * 3600L + mi * 60L + ss - sign * (oh * 3600L + om * 60L);
	while (secs < 0) {
		secs += 86400;
		days--;
	}
	while (secs >= 86400) {
		secs -= 86400;
		days++;
	}
	date_civil(days, &y, &lm, &ld);
	m = (int)lm;
	d = (int)ld;
	if ((size_t)snprintf(out, outlen, "%s, %02d %s %04ld %02ld:%02ld:%02ld "
	    "GMT", wday[((days % 7) + 7) % 7], d, mon[m - 1], y, secs / 3600,
	    (secs / 60) % 60, secs % 60) >= outlen)
		return -1;
	return 0;
}

/* ------------------------------------------------------------ values */

static size_t
utf8_chars(const char *s)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

/* A string the writer gives: UTF-8, at most max characters, no "@{". */
static int
text_ok(const char *s, size_t max, const char *what, char *err,
    size_t errlen)
{
	size_t	 n = strlen(s);

	if (n > 4 * max || !utf8_valid(s, n)) {
		snprintf(err, errlen, "%s is not UTF-8 text of at most %zu "
		    "characters", what, max);
		return -1;
	}
	if (utf8_chars(s) > max) {
		snprintf(err, errlen, "%s has %zu characters; at most %zu are "
		    "allowed", what, utf8_chars(s), max);
		return -1;
	}
	if (strstr(s, "@{") != NULL) {
		snprintf(err, errlen, "%s contains '@{', which a composite "
		    "request reads as a reference to another subrequest's "
		    "result; it cannot be sent", what);
		return -1;
	}
	return 0;
}

/* A field value: a string, a number, true, false or null. */
static int
scalar_ok(const cJSON *v, const char *what, char *err, size_t errlen)
{
	if (cJSON_IsNull(v) || cJSON_IsBool(v))
		return 0;
	if (cJSON_IsNumber(v)) {
		if (v->valuedouble != v->valuedouble ||
		    v->valuedouble > 1e308 || v->valuedouble < -1e308) {
			snprintf(err, errlen, "%s is not a finite number", what);
			return -1;
		}
		return 0;
	}
	if (cJSON_IsString(v))
		return text_ok(v->valuestring, COMPOSITE_MAX_TEXT, what, err,
		    errlen);
	snprintf(err, errlen, "%s must be a string, a number, true, false or "
	    "null", what);
	return -1;
}

/* Every key of o is in keys (NULL-terminated) and appears once. */
static int
keys_ok(const cJSON *o, const char *const *keys, const char *what, char *err,
    size_t errlen)
{
	const cJSON	*k, *j;
	size_t		 i;

	cJSON_ArrayForEach(k, o) {
		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(k->string, keys[i]) == 0)
				break;
		if (keys[i] == NULL) {
			snprintf(err, errlen, "%s: unknown key '%.80s'", what,
			    k->string);
			return -1;
		}
		for (j = o->child; j != k; j = j->next)
			if (strcmp(j->string, k->string) == 0) {
				snprintf(err, errlen, "%s: key '%s' appears "
				    "twice", what, k->string);
				return -1;
			}
	}
	return 0;
}

static const char *
get_str(const cJSON *o, const char *key, size_t max, const char *what,
    char *err, size_t errlen)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (v == NULL) {
		snprintf(err, errlen, "%s: '%s' is missing", what, key);
		return NULL;
	}
	if (!cJSON_IsString(v)) {
		snprintf(err, errlen, "%s: '%s' must be a string", what, key);
		return NULL;
	}
	if (strlen(v->valuestring) > max) {
		snprintf(err, errlen, "%s: '%s' is longer than %zu bytes", what,
		    key, max);
		return NULL;
	}
	return v->valuestring;
}

static int
attempt_valid(const char *a)
{
	size_t	 i;

	if (strlen(a) != COMPOSITE_ATTEMPT_LEN || a[0] != 'w' || a[1] != '_')
		return 0;
	for (i = 2; i < COMPOSITE_ATTEMPT_LEN; i++)
		if (!(('0' <= a[i] && a[i] <= '9') || ('a' <= a[i] &&
		    a[i] <= 'f')))
			return 0;
	return 1;
}

static int
base64_valid(const char *s)
{
	size_t	 i, n = strlen(s), pad = 0;

	if (n == 0 || n % 4 != 0)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (c == '=') {
			if (i < n - 2)
				return 0;
			pad++;
		} else if (pad > 0 || !(isalnum((unsigned char)c) || c == '+' ||
		    c == '/'))
			return 0;
	}
	return 1;
}

/* ------------------------------------------------------------- parse */

/* The object named: a valid name in SFDC_WRITE_OBJECTS. */
static int
object_ok(const struct composite_conf *c, const char *object,
    struct composite_req *q, char *err, size_t errlen)
{
	if (!policy_name_valid(object)) {
		snprintf(err, errlen, "'%.80s' is not an object API name",
		    object);
		return -1;
	}
	if (composite_list_find(c->write_objects, object, q->object,
	    sizeof(q->object)) == NULL) {
		snprintf(err, errlen, "writes to %s are not allowed: "
		    "SFDC_WRITE_OBJECTS is %s", object, c->write_objects);
		return -2;
	}
	return 0;
}

static int
audit_parse(const struct composite_conf *c, struct composite_req *q,
    const cJSON *a, char *err, size_t errlen)
{
	const char	*names[NAFIELDS + 1], *what = "audit";
	const cJSON	*v;
	char		 rid[19], e2[256];
	unsigned	 bit = 1u << q->kind;
	size_t		 i;

	if (!cJSON_IsObject(a)) {
		snprintf(err, errlen, "'audit' must be an object of audit "
		    "fields");
		return -1;
	}
	for (i = 0; i < NAFIELDS; i++)
		names[i] = afields[i].name;
	names[NAFIELDS] = NULL;
	if (keys_ok(a, names, "audit (the fields of SFDC_AUDIT_OBJECT "
	    "this server writes)", err, errlen) == -1)
		return -1;
	for (i = 0; i < NAFIELDS; i++) {
		v = cJSON_GetObjectItemCaseSensitive(a, afields[i].name);
		if (v == NULL) {
			if (afields[i].required & bit) {
				snprintf(err, errlen, "%s: the audit row needs "
				    "%s", kind_name(q->kind), afields[i].name);
				return -1;
			}
			continue;
		}
		if (!(afields[i].allowed & bit)) {
			snprintf(err, errlen, "%s: %s is set by the broker "
			    "(the note's id), not by the writer",
			    kind_name(q->kind), afields[i].name);
			return -1;
		}
		snprintf(e2, sizeof(e2), "%s.%s", what, afields[i].name);
		switch (afields[i].type) {
		case A_BOOL:
			if (!cJSON_IsBool(v)) {
				snprintf(err, errlen, "%s must be true or false",
				    e2);
				return -1;
			}
			break;
		case A_STR:
			if (!cJSON_IsString(v) && !(cJSON_IsNull(v) &&
			    !(afields[i].required & bit))) {
				snprintf(err, errlen, "%s must be a string", e2);
				return -1;
			}
			/* FALLTHROUGH */
		case A_SCALAR:
			if (scalar_ok(v, e2, err, errlen) == -1)
				return -1;
			break;
		}
	}
	/* The row must say what the request does. */
	v = cJSON_GetObjectItemCaseSensitive(a, "Object_Name__c");
	if (q->kind == COMPOSITE_FAILED) {
		int rc;
		if ((rc = object_ok(c, v->valuestring, q, err, errlen)) != 0)
			return rc;
	} else if (strcasecmp(v->valuestring, q->object) != 0) {
		snprintf(err, errlen, "audit.Object_Name__c is '%.80s' but the "
		    "request writes to %s", v->valuestring, q->object);
		return -1;
	}
	v = cJSON_GetObjectItemCaseSensitive(a, "Record_Id__c");
	if (policy_id_valid(v->valuestring, NULL, rid, e2, sizeof(e2)) == -1) {
		snprintf(err, errlen, "audit.Record_Id__c: %s", e2);
		return -1;
	}
	if (q->kind == COMPOSITE_FAILED)
		strlcpy_sf(q->id, v->valuestring, sizeof(q->id));
	else if (strcmp(rid, q->id18) != 0) {
		snprintf(err, errlen, "audit.Record_Id__c is %s but the request "
		    "writes to %s", v->valuestring, q->id);
		return -1;
	}
	v = cJSON_GetObjectItemCaseSensitive(a, "Field_Name__c");
	if (q->kind == COMPOSITE_UPDATE && strcasecmp(v->valuestring,
	    q->field) != 0) {
		snprintf(err, errlen, "audit.Field_Name__c is '%.80s' but the "
		    "request changes %s", v->valuestring, q->field);
		return -1;
	}
	if (q->kind == COMPOSITE_NOTE && v != NULL && (!cJSON_IsString(v) ||
	    strcmp(v->valuestring, "ContentNote") != 0)) {
		snprintf(err, errlen, "audit.Field_Name__c of a note is "
		    "ContentNote");
		return -1;
	}
	if (q->kind == COMPOSITE_FAILED && !policy_name_valid(v->valuestring)) {
		snprintf(err, errlen, "audit.Field_Name__c is not a field API "
		    "name");
		return -1;
	}
	if (q->kind == COMPOSITE_UPDATE) {
		/* A text value is recorded as it is sent. */
		v = cJSON_GetObjectItemCaseSensitive(a, "New_Value__c");
		if ((cJSON_IsString(q->value) && (!cJSON_IsString(v) ||
		    strcmp(v->valuestring, q->value->valuestring) != 0)) ||
		    (cJSON_IsNull(q->value) && !cJSON_IsNull(v))) {
			snprintf(err, errlen, "audit.New_Value__c does not "
			    "record the value sent (a string value is recorded "
			    "as it is, null as null)");
			return -1;
		}
	}
	v = cJSON_GetObjectItemCaseSensitive(a, "Failed__c");
	if (q->kind == COMPOSITE_FAILED ? !cJSON_IsTrue(v) : cJSON_IsTrue(v)) {
		snprintf(err, errlen, q->kind == COMPOSITE_FAILED ?
		    "SF_AUDIT_FAILED: audit.Failed__c must be true" :
		    "%s: audit.Failed__c must be false or absent: the change "
		    "is being made", kind_name(q->kind));
		return -1;
	}
	/* The attempt must be findable after an ambiguous outcome. */
	v = cJSON_GetObjectItemCaseSensitive(a, "Attempt_Id__c");
	if (v != NULL && (!cJSON_IsString(v) || strcmp(v->valuestring,
	    q->attempt) != 0)) {
		snprintf(err, errlen, "audit.Attempt_Id__c is not the "
		    "request's attempt id %s", q->attempt);
		return -1;
	}
	if (v == NULL && strstr(cJSON_GetObjectItemCaseSensitive(a,
	    "Performed_By__c")->valuestring, q->attempt) == NULL) {
		snprintf(err, errlen, "without Attempt_Id__c the attempt id %s "
		    "must be in audit.Performed_By__c", q->attempt);
		return -1;
	}
	if ((q->audit = cJSON_Duplicate(a, 1)) == NULL)
		fatalx("cJSON_Duplicate");
	return 0;
}

int
composite_parse(const struct composite_conf *c, enum composite_kind kind,
    const char *json, size_t len, struct composite_req *q, char *err,
    size_t errlen)
{
	static const char *const upd_keys[] = { "attempt", "audit", "object",
	    "id", "field", "value", "if_unmodified_since", NULL };
	static const char *const note_keys[] = { "attempt", "audit", "object",
	    "id", "title", "content", NULL };
	static const char *const fail_keys[] = { "attempt", "audit", NULL };
	const char	*what = kind_name(kind), *s;
	cJSON		*j;
	const cJSON	*v;
	char		 e2[256];
	int		 rc = -1;

	memset(q, 0, sizeof(*q));
	q->kind = kind;
	if ((j = cJSON_ParseWithLength(json, len)) == NULL ||
	    !cJSON_IsObject(j)) {
		snprintf(err, errlen, "%s: not a JSON object", what);
		goto out;
	}
	if (keys_ok(j, kind == COMPOSITE_UPDATE ? upd_keys : kind ==
	    COMPOSITE_NOTE ? note_keys : fail_keys, what, err, errlen) == -1)
		goto out;
	if ((s = get_str(j, "attempt", 64, what, err, errlen)) == NULL)
		goto out;
	if (!attempt_valid(s)) {
		snprintf(err, errlen, "%s: the attempt id must be w_ and 24 "
		    "lowercase hex digits", what);
		goto out;
	}
	strlcpy_sf(q->attempt, s, sizeof(q->attempt));
	if (kind != COMPOSITE_FAILED) {
		if ((s = get_str(j, "object", SF_MAX_NAME, what, err,
		    errlen)) == NULL)
			goto out;
		if ((rc = object_ok(c, s, q, err, errlen)) != 0)
			goto out;
		rc = -1;
		if ((s = get_str(j, "id", 18, what, err, errlen)) == NULL)
			goto out;
		if (policy_id_valid(s, NULL, q->id18, e2, sizeof(e2)) == -1) {
			snprintf(err, errlen, "not a valid %s ID: %s",
			    q->object, e2);
			goto out;
		}
		strlcpy_sf(q->id, s, sizeof(q->id));
	}
	if (kind == COMPOSITE_UPDATE) {
		if ((s = get_str(j, "field", SF_MAX_NAME, what, err,
		    errlen)) == NULL)
			goto out;
		if (!policy_name_valid(s)) {
			snprintf(err, errlen, "'%.80s' is not a field API "
			    "name", s);
			goto out;
		}
		if (!composite_field_allowed(c->writable_fields, q->object,
		    s)) {
			snprintf(err, errlen, "%s.%s is not writable here: "
			    "SFDC_WRITABLE_FIELDS is %s (OwnerId and "
			    "RecordTypeId never are; Object.* leaves out "
			    "StageName, ForecastCategoryName, IsPrivate and "
			    "Lead.Status unless they are named)", q->object, s,
			    c->writable_fields);
			rc = -2;
			goto out;
		}
		strlcpy_sf(q->field, s, sizeof(q->field));
		if ((v = cJSON_GetObjectItemCaseSensitive(j, "value")) ==
		    NULL) {
			snprintf(err, errlen, "%s: 'value' is missing (null "
			    "clears the field)", what);
			goto out;
		}
		if (scalar_ok(v, "value", err, errlen) == -1)
			goto out;
		if ((q->value = cJSON_Duplicate(v, 1)) == NULL)
			fatalx("cJSON_Duplicate");
		if ((s = get_str(j, "if_unmodified_since", 35, what, err,
		    errlen)) == NULL)
			goto out;
		if (composite_http_date(s, q->ius, sizeof(q->ius)) == -1) {
			snprintf(err, errlen, "if_unmodified_since '%.40s' is "
			    "not an ISO 8601 date-time such as "
			    "2026-11-30T10:00:00.000+0000", s);
			goto out;
		}
	}
	if (kind == COMPOSITE_NOTE) {
		if ((s = get_str(j, "title", 4 * COMPOSITE_MAX_TITLE, what,
		    err, errlen)) == NULL || text_ok(s, COMPOSITE_MAX_TITLE,
		    "the note's title", err, errlen) == -1)
			goto out;
		if (s[0] == '\0') {
			snprintf(err, errlen, "the note's title is empty");
			goto out;
		}
		q->title = xstrdup(s);
		if ((s = get_str(j, "content", COMPOSITE_MAX_CONTENT, what,
		    err, errlen)) == NULL)
			goto out;
		if (!base64_valid(s)) {
			snprintf(err, errlen, "the note's content must be "
			    "base64 (of its HTML)");
			goto out;
		}
		q->content = xstrdup(s);
	}
	if ((rc = audit_parse(c, q, cJSON_GetObjectItemCaseSensitive(j,
	    "audit"), err, errlen)) != 0)
		goto out;
out:
	cJSON_Delete(j);
	if (rc != 0)
		composite_req_free(q);
	return rc;
}

int
composite_check(const struct composite_conf *c, struct composite_req *q,
    const char *key_prefix, const cJSON *meta, char *err, size_t errlen)
{
	const cJSON	*f;
	char		 e2[256];
	size_t		 i;

	if (key_prefix == NULL || strlen(key_prefix) != 3) {
		snprintf(err, errlen, "describe of %s gives no key prefix: "
		    "its records cannot be written here", q->object);
		return -1;
	}
	for (i = 0; i < 3; i++)
		if (!isalnum((unsigned char)key_prefix[i])) {
			snprintf(err, errlen, "describe of %s gives a key "
			    "prefix that is not one", q->object);
			return -1;
		}
	if (policy_id_valid(q->id, key_prefix, q->id18, e2, sizeof(e2)) ==
	    -1) {
		snprintf(err, errlen, "not a valid %s ID: %s (%s IDs start "
		    "with %s)", q->object, e2, q->object, key_prefix);
		return -1;
	}
	if (q->kind == COMPOSITE_UPDATE) {
		/* API names are case-insensitive: describe's spelling goes. */
		f = cJSON_GetObjectItem(meta, q->field);
		if (f == NULL || !cJSON_IsObject(f)) {
			snprintf(err, errlen, "%s has no field '%s' visible to "
			    "the integration user (field-level security may "
			    "hide it)", q->object, q->field);
			return -1;
		}
		if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(f,
		    "updateable"))) {
			snprintf(err, errlen, "%s.%s is not updateable for the "
			    "integration user (describe says updateable: "
			    "false: a system, formula or read-only field, or "
			    "field-level security)", q->object, f->string);
			return -1;
		}
		if (strlen(f->string) > SF_MAX_NAME ||
		    !composite_field_allowed(c->writable_fields, q->object,
		    f->string)) {
			snprintf(err, errlen, "%s.%s is not writable here",
			    q->object, f->string);
			return -1;
		}
		strlcpy_sf(q->field, f->string, sizeof(q->field));
	}
	q->described = 1;
	return 0;
}

void
composite_req_free(struct composite_req *q)
{
	cJSON_Delete(q->value);
	cJSON_Delete(q->audit);
	free(q->title);
	free(q->content);
	q->value = q->audit = NULL;
	q->title = q->content = NULL;
}

/* -------------------------------------------------------------- build */

void
composite_path(const struct composite_conf *c, char *out, size_t outlen)
{
	snprintf(out, outlen, "/services/data/%s/composite", c->api_version);
}

static cJSON *
sub_new(cJSON *list, const char *method, const char *ref, const char *url)
{
	cJSON	*s;

	if ((s = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	cJSON_AddStringToObject(s, "method", method);
	cJSON_AddStringToObject(s, "url", url);
	cJSON_AddStringToObject(s, "referenceId", ref);
	cJSON_AddItemToArray(list, s);
	return s;
}

/* The audit row, in afields order, with what the broker sets. */
static cJSON *
audit_body(const struct composite_req *q)
{
	cJSON		*b;
	const cJSON	*v;
	size_t		 i;

	if ((b = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	for (i = 0; i < NAFIELDS; i++) {
		const char *n = afields[i].name;
		if (strcmp(n, "Record_Id__c") == 0) {
			cJSON_AddStringToObject(b, n, q->id18);
			continue;
		}
		if (q->kind == COMPOSITE_NOTE && strcmp(n, "Field_Name__c") ==
		    0) {
			cJSON_AddStringToObject(b, n, "ContentNote");
			continue;
		}
		if (q->kind == COMPOSITE_NOTE && strcmp(n, "New_Value__c") ==
		    0) {
			cJSON_AddStringToObject(b, n, "@{note.id}");
			continue;
		}
		if ((v = cJSON_GetObjectItemCaseSensitive(q->audit, n)) !=
		    NULL)
			cJSON_AddItemToObject(b, n, cJSON_Duplicate(v, 1));
	}
	return b;
}

cJSON *
composite_body(const struct composite_conf *c, const struct composite_req *q)
{
	cJSON	*j, *list, *s, *b;
	char	*url;

	if (!q->described)
		fatalx("composite_body: the request was not checked");
	if ((j = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	cJSON_AddBoolToObject(j, "allOrNone", 1);
	cJSON_AddBoolToObject(j, "collateSubrequests", 0);
	if ((list = cJSON_AddArrayToObject(j, "compositeRequest")) == NULL)
		fatalx("cJSON_AddArrayToObject");
	if (q->kind == COMPOSITE_NOTE) {
		xasprintf(&url, "/services/data/%s/sobjects/ContentNote",
		    c->api_version);
		s = sub_new(list, "POST", "note", url);
		free(url);
		b = cJSON_AddObjectToObject(s, "body");
		cJSON_AddStringToObject(b, "Title", q->title);
		cJSON_AddStringToObject(b, "Content", q->content);
		xasprintf(&url, "/services/data/%s/sobjects/ContentDocumentLink",
		    c->api_version);
		s = sub_new(list, "POST", "link", url);
		free(url);
		b = cJSON_AddObjectToObject(s, "body");
		cJSON_AddStringToObject(b, "ContentDocumentId", "@{note.id}");
		cJSON_AddStringToObject(b, "LinkedEntityId", q->id18);
		cJSON_AddStringToObject(b, "ShareType", c->share_type);
		cJSON_AddStringToObject(b, "Visibility", c->visibility);
	}
	xasprintf(&url, "/services/data/%s/sobjects/%s", c->api_version,
	    c->audit_object);
	s = sub_new(list, "POST", "audit", url);
	free(url);
	cJSON_AddItemToObject(s, "body", audit_body(q));
	if (q->kind == COMPOSITE_UPDATE) {
		xasprintf(&url, "/services/data/%s/sobjects/%s/%s",
		    c->api_version, q->object, q->id18);
		s = sub_new(list, "PATCH", "change", url);
		free(url);
		b = cJSON_AddObjectToObject(s, "body");
		cJSON_AddItemToObject(b, q->field, cJSON_Duplicate(q->value, 1));
		b = cJSON_AddObjectToObject(s, "httpHeaders");
		cJSON_AddStringToObject(b, "If-Unmodified-Since", q->ius);
	}
	return j;
}

/* ------------------------------------------------------------- answer */

/* The subrequests of q, in the order sent; POSTs create a record. */
static size_t
refs_of(const struct composite_req *q, const char *refs[3], int post[3])
{
	switch (q->kind) {
	case COMPOSITE_UPDATE:
		refs[0] = "audit";
		post[0] = 1;
		refs[1] = "change";
		post[1] = 0;
		return 2;
	case COMPOSITE_NOTE:
		refs[0] = "note";
		refs[1] = "link";
		refs[2] = "audit";
		post[0] = post[1] = post[2] = 1;
		return 3;
	default:
		refs[0] = "audit";
		post[0] = 1;
		return 1;
	}
}

/* One subrequest's error, from its body (an array of errors) or none. */
static cJSON *
sub_error(const char *ref, long status, const cJSON *body)
{
	cJSON		*e, *fl;
	const cJSON	*first = NULL, *code, *msg, *fields, *f;
	char		 text[1024], codebuf[64];
	int		 n = 0;

	if (cJSON_IsArray(body))
		first = cJSON_GetArrayItem(body, 0);
	else if (cJSON_IsObject(body))
		first = body;
	code = cJSON_GetObjectItemCaseSensitive(first, "errorCode");
	msg = cJSON_GetObjectItemCaseSensitive(first, "message");
	fields = cJSON_GetObjectItemCaseSensitive(first, "fields");
	if ((e = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	cJSON_AddStringToObject(e, "reference", ref);
	cJSON_AddNumberToObject(e, "status", (double)status);
	if (cJSON_IsString(code) && policy_name_valid(code->valuestring))
		strlcpy_sf(codebuf, code->valuestring, sizeof(codebuf));
	else
		snprintf(codebuf, sizeof(codebuf), "HTTP_%ld", status);
	cJSON_AddStringToObject(e, "code", codebuf);
	if (cJSON_IsString(msg) && utf8_valid(msg->valuestring,
	    strlen(msg->valuestring)))
		str_oneline(text, sizeof(text), msg->valuestring);
	else
		snprintf(text, sizeof(text), "Salesforce answered HTTP %ld "
		    "without an error description", status);
	cJSON_AddStringToObject(e, "message", text);
	fl = cJSON_AddArrayToObject(e, "fields");
	cJSON_ArrayForEach(f, fields) {
		if (n == COMPOSITE_MAX_ERRFIELDS)
			break;
		if (cJSON_IsString(f) && policy_name_valid(f->valuestring)) {
			cJSON_AddItemToArray(fl,
			    cJSON_CreateString(f->valuestring));
			n++;
		}
	}
	return e;
}

static int
is_halted(const cJSON *body)
{
	const cJSON	*code;

	code = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(body, 0),
	    "errorCode");
	return cJSON_IsString(code) && strcmp(code->valuestring,
	    "PROCESSING_HALTED") == 0;
}

cJSON *
composite_answer(const struct composite_req *q, const char *body,
    size_t len, char *err, size_t errlen)
{
	const char	*refs[3];
	int		 post[3], seen[3] = { 0, 0, 0 }, ok = 1;
	long		 status[3];
	const cJSON	*subs[3], *arr, *s, *r, *st, *id;
	cJSON		*j = NULL, *out = NULL, *ids;
	char		 id18[19], e2[128];
	size_t		 n, i, k = 0, bad = 3;

	n = refs_of(q, refs, post);
	if (body == NULL || (j = cJSON_ParseWithLength(body, len)) == NULL ||
	    !cJSON_IsObject(j) || !cJSON_IsArray(arr =
	    cJSON_GetObjectItemCaseSensitive(j, "compositeResponse"))) {
		snprintf(err, errlen, "Salesforce's answer to the composite "
		    "request is not a composite response");
		goto out;
	}
	cJSON_ArrayForEach(s, arr) {
		r = cJSON_GetObjectItemCaseSensitive(s, "referenceId");
		st = cJSON_GetObjectItemCaseSensitive(s, "httpStatusCode");
		if (k == n || !cJSON_IsString(r) || !cJSON_IsNumber(st) ||
		    !(st->valuedouble >= 100 && st->valuedouble <= 599) ||
		    st->valuedouble != (double)(long)st->valuedouble) {
			snprintf(err, errlen, "Salesforce's composite response "
			    "has %s subresponse", k == n ? "an extra" :
			    "a malformed");
			goto out;
		}
		for (i = 0; i < n; i++)
			if (strcmp(r->valuestring, refs[i]) == 0)
				break;
		if (i == n || seen[i]) {
			snprintf(err, errlen, "Salesforce's composite response "
			    "names a subrequest that was not sent once: "
			    "'%.40s'", r->valuestring);
			goto out;
		}
		seen[i] = 1;
		subs[i] = s;
		status[i] = (long)st->valuedouble;
		if (status[i] < 200 || status[i] > 299)
			ok = 0;
		k++;
	}
	if (k != n) {
		snprintf(err, errlen, "Salesforce's composite response has %zu "
		    "subresponses for %zu subrequests", k, n);
		goto out;
	}
	if ((out = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	if (ok) {
		ids = cJSON_CreateObject();
		for (i = 0; i < n; i++) {
			if (!post[i])
				continue;
			id = cJSON_GetObjectItemCaseSensitive(
			    cJSON_GetObjectItemCaseSensitive(subs[i], "body"),
			    "id");
			if (!cJSON_IsString(id) || policy_id_valid(
			    id->valuestring, NULL, id18, e2, sizeof(e2)) == -1) {
				snprintf(err, errlen, "Salesforce created the "
				    "%s record but its answer has no valid id",
				    refs[i]);
				cJSON_Delete(ids);
				cJSON_Delete(out);
				out = NULL;
				goto out;
			}
			cJSON_AddStringToObject(ids, refs[i], id18);
		}
		cJSON_AddBoolToObject(out, "committed", 1);
		cJSON_AddItemToObject(out, "ids", ids);
		goto out;
	}
	/* The cause: the first failure that is not the rollback's echo. */
	for (i = 0; i < n && bad == 3; i++)
		if ((status[i] < 200 || status[i] > 299) && !is_halted(
		    cJSON_GetObjectItemCaseSensitive(subs[i], "body")))
			bad = i;
	for (i = 0; i < n && bad == 3; i++)
		if (status[i] < 200 || status[i] > 299)
			bad = i;
	cJSON_AddBoolToObject(out, "committed", 0);
	cJSON_AddItemToObject(out, "error", sub_error(refs[bad], status[bad],
	    cJSON_GetObjectItemCaseSensitive(subs[bad], "body")));
out:
	cJSON_Delete(j);
	return out;
}

/* -------------------------------------------------------------- meta */

void
composite_meta_keep(cJSON *meta, const cJSON *fv, const char *name,
    size_t *budget)
{
	static const char *const nums[] = { "length", "precision", "scale",
	    "digits" };
	static const char *const bools[] = { "updateable", "createable",
	    "nillable", "restrictedPicklist" };
	const cJSON	*v, *r;
	cJSON		*m, *refs;
	size_t		 i, cost = 64 + strlen(name);
	int		 n = 0;

	if (!policy_name_valid(name) || cJSON_GetArraySize(meta) >=
	    COMPOSITE_META_FIELDS ||
	    cJSON_GetObjectItemCaseSensitive(meta, name) != NULL)
		return;
	v = cJSON_GetObjectItemCaseSensitive(fv, "type");
	if (!cJSON_IsString(v) || !policy_name_valid(v->valuestring))
		return;
	if ((m = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	cJSON_AddStringToObject(m, "type", v->valuestring);
	for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		v = cJSON_GetObjectItemCaseSensitive(fv, nums[i]);
		cJSON_AddNumberToObject(m, nums[i], cJSON_IsNumber(v) &&
		    v->valuedouble >= 0 && v->valuedouble <= 1e9 ?
		    (double)(long)v->valuedouble : 0);
	}
	for (i = 0; i < sizeof(bools) / sizeof(bools[0]); i++)
		cJSON_AddBoolToObject(m, bools[i], cJSON_IsTrue(
		    cJSON_GetObjectItemCaseSensitive(fv, bools[i])));
	refs = cJSON_AddArrayToObject(m, "referenceTo");
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(fv,
	    "referenceTo")) {
		if (n == COMPOSITE_META_REFS)
			break;
		if (cJSON_IsString(r) && policy_name_valid(r->valuestring)) {
			cJSON_AddItemToArray(refs,
			    cJSON_CreateString(r->valuestring));
			cost += strlen(r->valuestring) + 3;
			n++;
		}
	}
	v = cJSON_GetObjectItemCaseSensitive(fv, "label");
	if (cJSON_IsString(v) && strlen(v->valuestring) <=
	    COMPOSITE_META_LABEL && utf8_valid(v->valuestring,
	    strlen(v->valuestring))) {
		cJSON_AddStringToObject(m, "label", v->valuestring);
		cost += 2 * strlen(v->valuestring);	/* escaped, at worst */
	}
	cost += 200;	/* the keys and numbers above */
	if (cost > *budget) {
		cJSON_Delete(m);
		*budget = 0;
		return;
	}
	*budget -= cost;
	cJSON_AddItemToObject(meta, name, m);
}
