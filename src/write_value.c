/*
 * write_value.c: a new value checked and converted by its field's type,
 * before the writer asks the broker for anything (write_value.h).
 *
 * Salesforce's field types (DescribeSObjectResult's Field.type): text
 * (string, textarea, url, phone, email, combobox, encryptedstring) has a
 * length; numbers (double, currency, percent) a precision (all digits)
 * and a scale (digits after the point), int its digits; a date is
 * YYYY-MM-DD, a datetime ISO 8601 in UTC; a reference an ID of one of
 * referenceTo's objects.  Everything else is refused by name.
 */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "sfrevops.h"
#include "objects.h"
#include "date.h"
#include "write_value.h"

/* Fields `Object.*` leaves out; OwnerId and RecordTypeId are never. */
static const char *const wv_excluded[] = {
	"StageName", "ForecastCategoryName", "Status", "IsPrivate", NULL
};
static const char *const wv_never[] = { "OwnerId", "RecordTypeId", NULL };

static int
wv_in(const char *const *list, const char *name)
{
	size_t	 i;

	for (i = 0; list[i] != NULL; i++)
		if (strcasecmp(list[i], name) == 0)
			return 1;
	return 0;
}

int
wv_field_never(const char *field)
{
	return wv_in(wv_never, field);
}

int
wv_list_has(const char *csv, const char *name)
{
	const char	*p = csv, *e;
	size_t		 n = strlen(name), len;

	while (*p != '\0') {
		while (*p == ' ')
			p++;
		if ((e = strchr(p, ',')) == NULL)
			e = p + strlen(p);
		len = (size_t)(e - p);
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (len == n && strncasecmp(p, name, n) == 0)
			return 1;
		p = *e == ',' ? e + 1 : e;
	}
	return 0;
}

size_t
wv_chars(const char *s, size_t len)
{
	size_t	 i, n = 0;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

static const char *
str_of(const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static long
num_of(const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 1e9)
		return 0;
	return (long)v->valuedouble;
}

int
wv_field_writable(const char *object, const char *field, const cJSON *fmeta,
    const char *writable, char *err, size_t errlen)
{
	char	 star[SF_MAX_NAME + 3], named[2 * SF_MAX_NAME + 2];

	if (fmeta == NULL) {
		snprintf(err, errlen, "%s has no field '%s' visible to the "
		    "integration user (field-level security may hide it); "
		    "see describe for the names", object, field);
		return -1;
	}
	if (wv_in(wv_never, field)) {
		snprintf(err, errlen, "%s.%s is never written by this server: "
		    "ownership and record types are changed in Salesforce "
		    "itself", object, field);
		return -1;
	}
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(fmeta,
	    "updateable"))) {
		snprintf(err, errlen, "%s.%s is not updateable (describe says "
		    "so: a system, formula or read-only field, or the "
		    "integration user may not edit it)", object, field);
		return -1;
	}
	snprintf(star, sizeof(star), "%s.*", object);
	snprintf(named, sizeof(named), "%s.%s", object, field);
	if (wv_list_has(writable, named))
		return 0;
	if (wv_list_has(writable, star)) {
		if (!wv_in(wv_excluded, field))
			return 0;
		snprintf(err, errlen, "%s.%s is left out of %s in "
		    "SFDC_WRITABLE_FIELDS (a stage or status shortcut, or "
		    "privacy); an operator may allow it by naming %s there",
		    object, field, star, named);
		return -1;
	}
	snprintf(err, errlen, "%s.%s is not in SFDC_WRITABLE_FIELDS (%s)",
	    object, field, writable);
	return -1;
}

/* ------------------------------------------------------------- text */

char *
wv_trim(const char *s, size_t max, size_t *nchars, char *err, size_t errlen)
{
	size_t	 len = strlen(s), n;

	if (!utf8_valid(s, len)) {
		snprintf(err, errlen, "is not valid UTF-8");
		return NULL;
	}
	while (len > 0 && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	if ((n = wv_chars(s, len)) > max) {
		snprintf(err, errlen, "has %zu characters, more than the %zu "
		    "allowed", n, max);
		return NULL;
	}
	*nchars = n;
	return xstrndup(s, len);
}

int
wv_justification(const cJSON *v, char **out, char *err, size_t errlen)
{
	char	 why[128];
	size_t	 n;

	if (!cJSON_IsString(v)) {
		snprintf(err, errlen, "justification is required: a sentence "
		    "of %d to %d characters saying why the change is made",
		    WV_JUSTIFICATION_MIN, WV_JUSTIFICATION_MAX);
		return -1;
	}
	if ((*out = wv_trim(v->valuestring, WV_JUSTIFICATION_MAX, &n, why,
	    sizeof(why))) == NULL) {
		snprintf(err, errlen, "justification %s", why);
		return -1;
	}
	if (n < WV_JUSTIFICATION_MIN) {
		snprintf(err, errlen, "justification has %zu characters after "
		    "trimming; at least %d are required: say why the change "
		    "is made", n, WV_JUSTIFICATION_MIN);
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

static int
email_ok(const char *s)
{
	const char	*at = strchr(s, '@'), *p, *dot;

	if (at == NULL || at == s || strchr(at + 1, '@') != NULL ||
	    at - s > 64)
		return 0;
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == '"' || *p == '(' ||
		    *p == ')' || *p == ',' || *p == ';' || *p == ':' ||
		    *p == '<' || *p == '>' || *p == '[' || *p == ']' ||
		    *p == '\\')
			return 0;
	if (s[0] == '.' || at[-1] == '.' || strstr(s, "..") != NULL)
		return 0;
	/* A domain of labels, at least two, none empty. */
	if ((dot = strrchr(at + 1, '.')) == NULL || at[1] == '.' ||
	    dot[1] == '\0' || at[1] == '-')
		return 0;
	for (p = at + 1; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.' &&
		    (unsigned char)*p < 0x80)
			return 0;
	return 1;
}

static int
text_value(const char *field, const char *type, const cJSON *fmeta,
    const char *s, cJSON **out, char *err, size_t errlen)
{
	size_t	 len = strlen(s), n;
	long	 max = num_of(fmeta, "length");

	if (!utf8_valid(s, len)) {
		snprintf(err, errlen, "the value for %s is not valid UTF-8",
		    field);
		return -1;
	}
	n = wv_chars(s, len);
	if (max > 0 && n > (size_t)max) {
		snprintf(err, errlen, "the value for %s has %zu characters; "
		    "the field holds at most %ld", field, n, max);
		return -1;
	}
	if (strcmp(type, "email") == 0 && !email_ok(s)) {
		snprintf(err, errlen, "the value for %s is not an email "
		    "address (name@example.com)", field);
		return -1;
	}
	if (strcmp(type, "string") == 0 || strcmp(type, "email") == 0 ||
	    strcmp(type, "phone") == 0 || strcmp(type, "url") == 0) {
		if (strpbrk(s, "\r\n") != NULL) {
			snprintf(err, errlen, "the value for %s has a line "
			    "break; a %s field holds one line", field, type);
			return -1;
		}
	}
	*out = cJSON_CreateString(s);
	return 0;
}

/* ---------------------------------------------------------- picklists */

static int
pick_has(const cJSON *picklist, const char *v, size_t len)
{
	const cJSON	*p;

	cJSON_ArrayForEach(p, picklist)
		if (cJSON_IsString(p) && strlen(p->valuestring) == len &&
		    memcmp(p->valuestring, v, len) == 0)
			return 1;
	return 0;
}

/* "A, B, C" of the allowed values, cut to fit. */
static void
pick_list(const cJSON *picklist, char *buf, size_t len)
{
	const cJSON	*p;
	size_t		 off = 0;
	int		 n;

	buf[0] = '\0';
	cJSON_ArrayForEach(p, picklist) {
		if (!cJSON_IsString(p))
			continue;
		n = snprintf(buf + off, len - off, "%s'%s'", off ? ", " : "",
		    p->valuestring);
		/* Keep room for ", ..." when the list does not fit. */
		if (n < 0 || (size_t)n + 6 >= len - off) {
			(void)snprintf(buf + off, len - off, "%s...",
			    off ? ", " : "");
			return;
		}
		off += (size_t)n;
	}
}

static int
picklist_value(const char *field, const cJSON *fmeta, const cJSON *picklist,
    int multi, const char *s, cJSON **out, char *err, size_t errlen)
{
	int		 restricted = cJSON_IsTrue(
	    cJSON_GetObjectItemCaseSensitive(fmeta, "restrictedPicklist"));
	const char	*p = s, *e, *q;
	char		 allowed[600];
	size_t		 len, count = 0;

	if (!utf8_valid(s, strlen(s))) {
		snprintf(err, errlen, "the value for %s is not valid UTF-8",
		    field);
		return -1;
	}
	for (;;) {
		e = multi ? strchr(p, ';') : NULL;
		len = e != NULL ? (size_t)(e - p) : strlen(p);
		if (len == 0) {
			snprintf(err, errlen, "the value for %s has an empty "
			    "item; a multi-select value is 'A;B;C'", field);
			return -1;
		}
		if (wv_chars(p, len) > 255) {
			snprintf(err, errlen, "a picklist value for %s has "
			    "more than 255 characters", field);
			return -1;
		}
		if (++count > WV_MULTI_MAX) {
			snprintf(err, errlen, "the value for %s selects more "
			    "than %d values", field, WV_MULTI_MAX);
			return -1;
		}
		if (restricted && !pick_has(picklist, p, len)) {
			pick_list(picklist, allowed, sizeof(allowed));
			snprintf(err, errlen, "'%.*s' is not a value of the "
			    "restricted picklist %s; the allowed values are: "
			    "%s", (int)(len > 255 ? 255 : len), p, field,
			    allowed[0] ? allowed : "(none active)");
			return -1;
		}
		if (multi)
			for (q = s; q < p; q = strchr(q, ';') + 1)
				if (strncmp(q, p, len) == 0 && q[len] == ';') {
					snprintf(err, errlen, "the value for "
					    "%s names '%.*s' twice", field,
					    (int)(len > 255 ? 255 : len), p);
					return -1;
				}
		if (e == NULL)
			break;
		p = e + 1;
	}
	*out = cJSON_CreateString(s);
	return 0;
}

/* ------------------------------------------------------------ numbers */

/*
 * A decimal from a JSON number or string, checked against the digits
 * before and after the point the field keeps.  int_max: digits before
 * the point (-1: unbounded), scale: after it.
 */
static int
number_value(const char *field, const char *type, const cJSON *value,
    long int_max, long scale, int integer, cJSON **out, char *err,
    size_t errlen)
{
	char		 buf[64], *end;
	const char	*s, *p;
	size_t		 ni = 0, nf = 0, sig = 0, nzero = 0;
	int		 prec, point = 0, lead = 1;
	double		 d;

	if (cJSON_IsNumber(value)) {
		d = value->valuedouble;
		if (!isfinite(d))
			goto bad;
		/* The shortest text that reads back as the same double. */
		for (prec = 1; prec <= 17; prec++) {
			snprintf(buf, sizeof(buf), "%.*g", prec, d);
			if (strtod(buf, NULL) == d)
				break;
		}
		if (strchr(buf, 'e') != NULL) {
			if (fabs(d) >= 1e21 || fabs(d) < 1e-15)
				goto toolong;
			snprintf(buf, sizeof(buf), "%.*f", 17, d);
			/* trailing zeros are noise of %f */
			end = buf + strlen(buf);
			while (end > buf && end[-1] == '0')
				*--end = '\0';
			if (end > buf && end[-1] == '.')
				end[-1] = '\0';
		}
		s = buf;
	} else if (cJSON_IsString(value))
		s = value->valuestring;
	else
		goto bad;
	p = s;
	if (*p == '-' || *p == '+')
		p++;
	if (!isdigit((unsigned char)*p))
		goto bad;
	for (; *p != '\0'; p++) {
		if (*p == '.' && !point) {
			point = 1;
			if (!isdigit((unsigned char)p[1]))
				goto bad;
			continue;
		}
		if (!isdigit((unsigned char)*p))
			goto bad;
		if (p - s > 40)
			goto toolong;
		if (!point) {
			if (lead && *p == '0')
				continue;
			lead = 0;
			ni++;
			sig++;
		} else {
			nf++;
			/* trailing zeros of the fraction carry nothing */
			if (*p == '0')
				nzero++;
			else
				nzero = 0;
		}
	}
	nf -= nzero;
	sig += nf;
	if (integer && nf > 0) {
		snprintf(err, errlen, "the value for %s must be a whole "
		    "number (the field's type is %s)", field, type);
		return -1;
	}
	if (int_max >= 0 && (long)ni > int_max) {
		snprintf(err, errlen, "the value for %s has %zu digits before "
		    "the point; the field keeps at most %ld", field, ni,
		    int_max);
		return -1;
	}
	if (!integer && (long)nf > scale) {
		snprintf(err, errlen, "the value for %s has %zu digits after "
		    "the point; the field keeps %ld (round it first)", field,
		    nf, scale);
		return -1;
	}
	if (sig > WV_DIGITS_MAX)
		goto toolong;
	d = strtod(s, &end);
	if (*end != '\0' || !isfinite(d))
		goto bad;
	if (integer && (d > 2147483647.0 || d < -2147483648.0)) {
		snprintf(err, errlen, "the value for %s is outside the range "
		    "of a Salesforce int (-2147483648 to 2147483647)", field);
		return -1;
	}
	*out = cJSON_CreateNumber(d == 0 ? 0 : d);
	return 0;
 toolong:
	snprintf(err, errlen, "the value for %s has more than %d significant "
	    "digits, which cannot be carried exactly", field, WV_DIGITS_MAX);
	return -1;
 bad:
	snprintf(err, errlen, "the value for %s must be a decimal number "
	    "(the field's type is %s), such as 1250 or 12.5", field, type);
	return -1;
}

/* -------------------------------------------------------------- dates */

static int
leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
mdays(long y, long m)
{
	static const int	 n[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };

	return m == 2 && leap(y) ? 29 : n[m - 1];
}

static int
digits(const char *s, int n, long *v)
{
	int	 i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/* YYYY-MM-DD, a real day of Salesforce's range (1700 to 4000). */
static int
parse_date(const char *s, long *y, long *m, long *d)
{
	if (digits(s, 4, y) == -1 || s[4] != '-' || digits(s + 5, 2, m) ==
	    -1 || s[7] != '-' || digits(s + 8, 2, d) == -1)
		return -1;
	if (*y < 1700 || *y > 4000 || *m < 1 || *m > 12 || *d < 1 ||
	    *d > mdays(*y, *m))
		return -2;
	return 0;
}

static int
date_value(const char *field, const char *s, cJSON **out, char *err,
    size_t errlen)
{
	long	 y, m, d;
	int	 r;

	if (strlen(s) != 10 || (r = parse_date(s, &y, &m, &d)) == -1) {
		snprintf(err, errlen, "the value for %s must be a date "
		    "YYYY-MM-DD, such as 2026-03-31", field);
		return -1;
	}
	if (r == -2) {
		snprintf(err, errlen, "%.10s is not a calendar date between "
		    "1700-01-01 and 4000-12-31 (the value for %s)", s, field);
		return -1;
	}
	*out = cJSON_CreateString(s);
	return 0;
}

/*
 * YYYY-MM-DDTHH:MM[:SS[.fff]] and a zone (Z, +HH:MM, +HHMM): UTC
 * YYYY-MM-DDTHH:MM:SS.fffZ.
 */
static int
datetime_value(const char *field, const char *s, cJSON **out, char *err,
    size_t errlen)
{
	long	 y, m, d, hh, mi, ss = 0, ms = 0, zh = 0, zm = 0, days, t;
	int	 sign = 0, r, nfrac = 0;
	const char *p;
	char	 buf[128];

	if (strlen(s) > 40)
		goto bad;
	if ((r = parse_date(s, &y, &m, &d)) == -1 || (s[10] != 'T' &&
	    s[10] != 't') || digits(s + 11, 2, &hh) == -1 || s[13] != ':' ||
	    digits(s + 14, 2, &mi) == -1)
		goto bad;
	p = s + 16;
	if (*p == ':') {
		if (digits(p + 1, 2, &ss) == -1)
			goto bad;
		p += 3;
		if (*p == '.') {
			for (p++; isdigit((unsigned char)*p); p++, nfrac++)
				if (nfrac < 3)
					ms = ms * 10 + (*p - '0');
			if (nfrac == 0 || nfrac > 9)
				goto bad;
			for (; nfrac < 3; nfrac++)
				ms *= 10;
		}
	}
	if (*p == 'Z' || *p == 'z')
		p++;
	else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (digits(p + 1, 2, &zh) == -1)
			goto bad;
		p += 3;
		if (*p == ':')
			p++;
		if (digits(p, 2, &zm) == -1)
			goto bad;
		p += 2;
	} else {
		snprintf(err, errlen, "the value for %s has no time zone: end "
		    "it with Z (UTC) or an offset such as +02:00", field);
		return -1;
	}
	if (*p != '\0')
		goto bad;
	if (r == -2 || hh > 23 || mi > 59 || ss > 59 || zh > 18 || zm > 59) {
		snprintf(err, errlen, "%s is not a real date and time (the "
		    "value for %s)", s, field);
		return -1;
	}
	days = date_days(y, m, d);
	t = ((days * 24 + hh) * 60 + mi) * 60 + ss - sign * (zh * 3600 +
	    zm * 60);
	days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	t -= days * 86400;
	date_civil(days, &y, &m, &d);
	if (y < 1700 || y > 4000) {
		snprintf(err, errlen, "%s is outside Salesforce's dates "
		    "(1700 to 4000)", s);
		return -1;
	}
	snprintf(buf, sizeof(buf), "%04ld-%02ld-%02ldT%02ld:%02ld:%02ld.%03ldZ",
	    y, m, d, t / 3600, t / 60 % 60, t % 60, ms);
	*out = cJSON_CreateString(buf);
	return 0;
 bad:
	snprintf(err, errlen, "the value for %s must be an ISO 8601 date and "
	    "time with its zone, such as 2026-03-31T17:00:00Z or "
	    "2026-03-31T19:00:00+02:00", field);
	return -1;
}

/* --------------------------------------------------------- references */

static int
reference_value(const char *field, const cJSON *fmeta, const char *s,
    cJSON **out, char *err, size_t errlen)
{
	const cJSON		*to, *r;
	const struct sf_object	*o;
	char			 id18[19], why[160], names[256];
	size_t			 off = 0;
	int			 known = 0, n;

	if (policy_id_valid(s, NULL, id18, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "the value for %s is not a Salesforce "
		    "ID: %s", field, why);
		return -1;
	}
	to = cJSON_GetObjectItemCaseSensitive(fmeta, "referenceTo");
	names[0] = '\0';
	cJSON_ArrayForEach(r, to) {
		if (!cJSON_IsString(r))
			continue;
		if ((o = objects_find(r->valuestring)) == NULL) {
			/* An object whose prefix we do not know: shape only. */
			known = 0;
			break;
		}
		known = 1;
		if (strncmp(id18, o->prefix, 3) == 0) {
			*out = cJSON_CreateString(id18);
			return 0;
		}
		n = snprintf(names + off, sizeof(names) - off, "%s%s (%s)",
		    off ? ", " : "", o->name, o->prefix);
		if (n > 0 && (size_t)n < sizeof(names) - off)
			off += (size_t)n;
	}
	if (known) {
		snprintf(err, errlen, "the value for %s starts with '%.3s', "
		    "which is not the key prefix of %s", field, id18, names);
		return -1;
	}
	*out = cJSON_CreateString(id18);
	return 0;
}

/* ------------------------------------------------------------ convert */

static const char *const wv_text_types[] = {
	"string", "textarea", "url", "phone", "email", "combobox",
	"encryptedstring", NULL
};

/* Every type wv_convert() handles below, the text types included. */
static const char *const wv_other_types[] = {
	"boolean", "int", "double", "currency", "percent", "picklist",
	"multipicklist", "date", "datetime", "reference", "id", NULL
};

int
wv_type_supported(const char *type)
{
	return type != NULL && (wv_in(wv_text_types, type) ||
	    wv_in(wv_other_types, type));
}

int
wv_convert(const char *field, const cJSON *fmeta, const cJSON *picklist,
    const cJSON *value, cJSON **out, char *err, size_t errlen)
{
	const char	*type = str_of(fmeta, "type");
	long		 prec, scale;

	*out = NULL;
	if (type == NULL) {
		snprintf(err, errlen, "describe gives no type for %s", field);
		return -1;
	}
	if (value == NULL || cJSON_IsNull(value)) {
		if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(fmeta,
		    "nillable"))) {
			snprintf(err, errlen, "%s cannot be cleared: the field "
			    "is required (not nillable)%s", field,
			    strcmp(type, "boolean") == 0 ? "; a checkbox is "
			    "true or false" : "");
			return -1;
		}
		*out = cJSON_CreateNull();
		return 0;
	}
	if (cJSON_IsString(value) && value->valuestring[0] == '\0') {
		snprintf(err, errlen, "the value for %s is an empty string; "
		    "send null to clear the field", field);
		return -1;
	}
	if (strcmp(type, "boolean") == 0) {
		if (cJSON_IsBool(value) || (cJSON_IsString(value) &&
		    (strcmp(value->valuestring, "true") == 0 ||
		    strcmp(value->valuestring, "false") == 0))) {
			*out = cJSON_CreateBool(cJSON_IsTrue(value) ||
			    (cJSON_IsString(value) &&
			    strcmp(value->valuestring, "true") == 0));
			return 0;
		}
		snprintf(err, errlen, "the value for %s must be true or false "
		    "(a checkbox)", field);
		return -1;
	}
	if (strcmp(type, "int") == 0) {
		prec = num_of(fmeta, "digits");
		return number_value(field, type, value, prec > 0 ? prec : 10,
		    0, 1, out, err, errlen);
	}
	if (strcmp(type, "double") == 0 || strcmp(type, "currency") == 0 ||
	    strcmp(type, "percent") == 0) {
		prec = num_of(fmeta, "precision");
		scale = num_of(fmeta, "scale");
		if (scale > prec)
			scale = prec;
		return number_value(field, type, value, prec > 0 ?
		    prec - scale : -1, scale, 0, out, err, errlen);
	}
	if (!cJSON_IsString(value)) {
		snprintf(err, errlen, "the value for %s must be a string (the "
		    "field's type is %s)", field, type);
		return -1;
	}
	if (strcmp(type, "picklist") == 0 || strcmp(type, "multipicklist") == 0)
		return picklist_value(field, fmeta, picklist,
		    strcmp(type, "multipicklist") == 0, value->valuestring,
		    out, err, errlen);
	if (wv_in(wv_text_types, type))
		return text_value(field, type, fmeta, value->valuestring, out,
		    err, errlen);
	if (strcmp(type, "date") == 0)
		return date_value(field, value->valuestring, out, err, errlen);
	if (strcmp(type, "datetime") == 0)
		return datetime_value(field, value->valuestring, out, err,
		    errlen);
	if (strcmp(type, "reference") == 0 || strcmp(type, "id") == 0)
		return reference_value(field, fmeta, value->valuestring, out,
		    err, errlen);
	snprintf(err, errlen, "%s is a field of type %s, which this tool does "
	    "not write", field, type);
	return -1;
}

char *
wv_text(const cJSON *v)
{
	char	*s;

	if (v == NULL || cJSON_IsNull(v))
		return NULL;
	if (cJSON_IsString(v))
		return xstrdup(v->valuestring);
	if (cJSON_IsBool(v))
		return xstrdup(cJSON_IsTrue(v) ? "true" : "false");
	if ((s = cJSON_PrintUnformatted(v)) == NULL)
		fatalx("cJSON_PrintUnformatted");
	return s;
}

/* -------------------------------------------------------------- notes */

struct sbuf {
	char	*p;
	size_t	 len, cap;
};

static void
sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->cap - b->len <= n) {
		while (b->cap - b->len <= n)
			b->cap = b->cap ? b->cap * 2 : 256;
		b->p = xreallocarray(b->p, 1, b->cap);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

char *
wv_note_html(const char *body)
{
	struct sbuf	 b = { NULL, 0, 0 };
	const char	*p = body, *e, *q;
	size_t		 len;

	sb_add(&b, "", 0);
	while (*p != '\0') {
		if ((e = strchr(p, '\n')) == NULL)
			e = p + strlen(p);
		len = (size_t)(e - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (len == 0)
			sb_add(&b, "<p><br></p>", 11);
		else {
			sb_add(&b, "<p>", 3);
			for (q = p; q < p + len; q++) {
				switch (*q) {
				case '&': sb_add(&b, "&amp;", 5); break;
				case '<': sb_add(&b, "&lt;", 4); break;
				case '>': sb_add(&b, "&gt;", 4); break;
				case '"': sb_add(&b, "&quot;", 6); break;
				case '\'': sb_add(&b, "&#39;", 5); break;
				default: sb_add(&b, q, 1); break;
				}
			}
			sb_add(&b, "</p>", 4);
		}
		if (*e == '\0')
			break;
		p = e + 1;
	}
	return b.p;
}

/* The first n characters of s (UTF-8), as bytes. */
static size_t
chars_bytes(const char *s, size_t len, size_t n)
{
	size_t	 i, c = 0;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 && c++ == n)
			return i;
	return len;
}

int
wv_note(const char *body, const char *title, char **title_out,
    char **content_out, size_t *chars, char *err, size_t errlen)
{
	const char	*p, *e;
	char		*html, *b64, *t, why[128];
	size_t		 len = strlen(body), n, tl, b64len;

	*title_out = *content_out = NULL;
	if (!utf8_valid(body, len)) {
		snprintf(err, errlen, "body is not valid UTF-8");
		return -1;
	}
	if ((n = wv_chars(body, len)) > WV_NOTE_BODY_MAX) {
		snprintf(err, errlen, "body has %zu characters; a note holds "
		    "at most %d", n, WV_NOTE_BODY_MAX);
		return -1;
	}
	for (p = body; *p != '\0' && isspace((unsigned char)*p); p++)
		;
	if (*p == '\0') {
		snprintf(err, errlen, "body is empty: a note needs some text");
		return -1;
	}
	if (title != NULL) {
		if ((t = wv_trim(title, WV_NOTE_TITLE_MAX, &tl, why,
		    sizeof(why))) == NULL) {
			snprintf(err, errlen, "title %s", why);
			return -1;
		}
		if (tl == 0 || strpbrk(t, "\r\n") != NULL) {
			snprintf(err, errlen, "title must be one line of 1 to "
			    "%d characters (or left out: the body's first "
			    "line is used)", WV_NOTE_TITLE_MAX);
			free(t);
			return -1;
		}
	} else {
		/* p is at the first non-space: the first non-empty line. */
		if ((e = strpbrk(p, "\r\n")) == NULL)
			e = p + strlen(p);
		tl = (size_t)(e - p);
		while (tl > 0 && isspace((unsigned char)p[tl - 1]))
			tl--;
		t = xstrndup(p, chars_bytes(p, tl, WV_NOTE_TITLE_MAX));
	}
	html = wv_note_html(body);
	b64len = sodium_base64_ENCODED_LEN(strlen(html),
	    sodium_base64_VARIANT_ORIGINAL);
	b64 = xmalloc(b64len);
	sodium_bin2base64(b64, b64len, (const unsigned char *)html,
	    strlen(html), sodium_base64_VARIANT_ORIGINAL);
	free(html);
	*title_out = t;
	*content_out = b64;
	*chars = n;
	return 0;
}
