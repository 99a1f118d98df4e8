/*
 * write_value_test.c: the writer's checks by field type, at and past
 * every bound (src/write_value.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "sfrevops.h"
#include "write_value.h"
#include "tap.h"

static char	 err[1024];

/* Convert the JSON text value for the field described by meta_json. */
static char *
conv(const char *meta_json, const char *pick_json, const char *value_json)
{
	cJSON	*meta = cJSON_Parse(meta_json);
	cJSON	*pick = pick_json ? cJSON_Parse(pick_json) : NULL;
	cJSON	*v = cJSON_Parse(value_json), *out = NULL;
	char	*s = NULL;

	if (meta == NULL || v == NULL || (pick_json && pick == NULL)) {
		fprintf(stderr, "bad test JSON\n");
		exit(2);
	}
	err[0] = '\0';
	if (wv_convert("F", meta, pick, v, &out, err, sizeof(err)) == 0) {
		if (out == NULL)
			s = xstrdup("(no output)");
		else
			s = cJSON_PrintUnformatted(out);
	}
	cJSON_Delete(meta);
	cJSON_Delete(pick);
	cJSON_Delete(v);
	cJSON_Delete(out);
	return s;
}

#define CONV_OK(meta, pick, in, want, ...) do {				\
	char *got_ = conv(meta, pick, in);				\
	is_str(got_, want, __VA_ARGS__);				\
	if (got_ == NULL) printf("#   err: %s\n", err);		\
	free(got_);							\
} while (0)

#define CONV_ERR(meta, pick, in, needle, ...) do {			\
	char *got_ = conv(meta, pick, in);				\
	ok(got_ == NULL && strstr(err, needle) != NULL, __VA_ARGS__);	\
	if (got_ != NULL || strstr(err, needle) == NULL)		\
		printf("#   got: %s, err: %s\n", got_ ? got_ : "(err)",	\
		    err);						\
	free(got_);							\
} while (0)

/* A string of n copies of c, as a JSON string literal. */
static char *
jrep(const char *c, size_t n)
{
	size_t	 cl = strlen(c), i;
	char	*s = xmalloc(n * cl + 3);

	s[0] = '"';
	for (i = 0; i < n; i++)
		memcpy(s + 1 + i * cl, c, cl);
	s[1 + n * cl] = '"';
	s[2 + n * cl] = '\0';
	return s;
}

static void
test_text(void)
{
	const char *m = "{\"type\":\"string\",\"length\":10,\"nillable\":true}";
	char	*s;

	CONV_OK(m, NULL, "\"abc\"", "\"abc\"", "string: a short value");
	s = jrep("x", 10);
	CONV_OK(m, NULL, s, s, "string: length 10 of 10");
	free(s);
	s = jrep("x", 11);
	CONV_ERR(m, NULL, s, "11 characters", "string: length 11 of 10");
	free(s);
	/* Characters, not bytes: ten two-byte characters fit. */
	s = jrep("\xc3\xa9", 10);
	CONV_OK(m, NULL, s, s, "string: 10 characters of 2 bytes each fit");
	free(s);
	s = jrep("\xc3\xa9", 11);
	CONV_ERR(m, NULL, s, "11 characters", "string: 11 such characters");
	free(s);
	CONV_ERR(m, NULL, "\"\"", "send null to clear",
	    "string: empty string refused");
	CONV_OK(m, NULL, "null", "null", "string: null clears a nillable one");
	CONV_ERR("{\"type\":\"string\",\"length\":10,\"nillable\":false}",
	    NULL, "null", "cannot be cleared", "string: null on a required one");
	CONV_ERR(m, NULL, "12", "must be a string", "string: a number");
	CONV_ERR(m, NULL, "true", "must be a string", "string: a boolean");
	CONV_ERR(m, NULL, "\"a\\nb\"", "line break", "string: one line");
	CONV_OK("{\"type\":\"textarea\",\"length\":255}", NULL, "\"a\\nb\"",
	    "\"a\\nb\"", "textarea: line breaks allowed");
	CONV_OK("{\"type\":\"url\",\"length\":255}", NULL,
	    "\"https://example.com/x\"", "\"https://example.com/x\"", "url");
	CONV_OK("{\"type\":\"phone\",\"length\":40}", NULL,
	    "\"+1 415 555 0100\"", "\"+1 415 555 0100\"", "phone");
	s = jrep("1", 41);
	CONV_ERR("{\"type\":\"phone\",\"length\":40}", NULL, s,
	    "at most 40", "phone: 41 characters of 40");
	free(s);
}

static void
test_email(void)
{
	const char *m = "{\"type\":\"email\",\"length\":80,\"nillable\":true}";

	CONV_OK(m, NULL, "\"ann@example.com\"", "\"ann@example.com\"",
	    "email: plain");
	CONV_OK(m, NULL, "\"a.b+tag@sub.example.co.uk\"",
	    "\"a.b+tag@sub.example.co.uk\"", "email: dots, plus, subdomain");
	CONV_ERR(m, NULL, "\"ann.example.com\"", "not an email",
	    "email: no @");
	CONV_ERR(m, NULL, "\"ann@example\"", "not an email",
	    "email: no dot in the domain");
	CONV_ERR(m, NULL, "\"a@b@example.com\"", "not an email",
	    "email: two @");
	CONV_ERR(m, NULL, "\"ann smith@example.com\"", "not an email",
	    "email: a space");
	CONV_ERR(m, NULL, "\"@example.com\"", "not an email",
	    "email: no local part");
	CONV_ERR(m, NULL, "\"ann@example.\"", "not an email",
	    "email: empty last label");
}

static void
test_boolean(void)
{
	const char *m = "{\"type\":\"boolean\",\"nillable\":false}";

	CONV_OK(m, NULL, "true", "true", "boolean: true");
	CONV_OK(m, NULL, "false", "false", "boolean: false");
	CONV_OK(m, NULL, "\"true\"", "true", "boolean: the string true");
	CONV_ERR(m, NULL, "1", "true or false", "boolean: 1 refused");
	CONV_ERR(m, NULL, "\"yes\"", "true or false", "boolean: yes refused");
	CONV_ERR(m, NULL, "\"True\"", "true or false",
	    "boolean: True refused (case)");
	CONV_ERR(m, NULL, "null", "checkbox is true or false",
	    "boolean: null refused (never nillable)");
}

static void
test_numbers(void)
{
	/* currency(18,2): 16 digits before the point, 2 after. */
	const char *cur = "{\"type\":\"currency\",\"precision\":18,\"scale\":2,"
	    "\"nillable\":true}";
	const char *pct = "{\"type\":\"percent\",\"precision\":5,\"scale\":2}";
	const char *dbl = "{\"type\":\"double\",\"precision\":6,\"scale\":0}";
	const char *in = "{\"type\":\"int\",\"digits\":4,\"precision\":0,"
	    "\"scale\":0}";

	CONV_OK(cur, NULL, "1250", "1250", "currency: a whole number");
	CONV_OK(cur, NULL, "1250.5", "1250.5", "currency: one decimal");
	CONV_OK(cur, NULL, "1250.75", "1250.75", "currency: two decimals");
	CONV_OK(cur, NULL, "\"1250.75\"", "1250.75", "currency: as a string");
	CONV_OK(cur, NULL, "\"1250.750\"", "1250.75",
	    "currency: a trailing zero is no decimal");
	CONV_ERR(cur, NULL, "1250.755", "3 digits after the point",
	    "currency: three decimals of two");
	CONV_ERR(cur, NULL, "\"12,50\"", "decimal number",
	    "currency: a comma");
	CONV_ERR(cur, NULL, "\"1e5\"", "decimal number",
	    "currency: an exponent in a string");
	CONV_ERR(cur, NULL, "\"\"", "send null", "currency: empty string");
	CONV_OK(cur, NULL, "null", "null", "currency: null clears");
	CONV_OK(cur, NULL, "-42.5", "-42.5", "currency: negative");
	CONV_OK(pct, NULL, "999.99", "999.99", "percent(5,2): 999.99 fits");
	CONV_ERR(pct, NULL, "1000", "4 digits before the point",
	    "percent(5,2): 1000 does not");
	CONV_OK(pct, NULL, "0.05", "0.05", "percent: leading zero");
	CONV_OK(dbl, NULL, "999999", "999999", "double(6,0): 6 digits");
	CONV_ERR(dbl, NULL, "1000000", "7 digits before the point",
	    "double(6,0): 7 digits");
	CONV_ERR(dbl, NULL, "1.5", "1 digits after the point",
	    "double(6,0): a decimal");
	CONV_OK(in, NULL, "9999", "9999", "int(4): 4 digits");
	CONV_ERR(in, NULL, "10000", "5 digits before the point",
	    "int(4): 5 digits");
	CONV_ERR(in, NULL, "1.5", "whole number", "int: a fraction");
	CONV_OK(in, NULL, "\"12.0\"", "12", "int: 12.0 is whole");
	CONV_ERR("{\"type\":\"int\",\"digits\":18}", NULL, "3000000000",
	    "range of a Salesforce int", "int: beyond 32 bits");
	CONV_ERR("{\"type\":\"double\",\"precision\":18,\"scale\":0}", NULL,
	    "\"1234567890123456\"", "significant digits",
	    "double: 16 significant digits cannot be carried");
	CONV_OK("{\"type\":\"double\",\"precision\":18,\"scale\":0}", NULL,
	    "\"123456789012345\"", "123456789012345",
	    "double: 15 significant digits can");
	CONV_ERR(cur, NULL, "true", "decimal number", "currency: a boolean");
}

static void
test_picklists(void)
{
	const char *r = "{\"type\":\"picklist\",\"restrictedPicklist\":true,"
	    "\"nillable\":true}";
	const char *u = "{\"type\":\"picklist\",\"restrictedPicklist\":false,"
	    "\"nillable\":true}";
	const char *mp = "{\"type\":\"multipicklist\",\"restrictedPicklist\":"
	    "true,\"nillable\":true}";
	const char *vals = "[\"Prospecting\",\"Qualification\",\"Closed Won\"]";

	CONV_OK(r, vals, "\"Qualification\"", "\"Qualification\"",
	    "restricted picklist: a listed value");
	CONV_ERR(r, vals, "\"Qualified\"", "allowed values are: "
	    "'Prospecting', 'Qualification', 'Closed Won'",
	    "restricted picklist: an unlisted value, the allowed ones said");
	CONV_ERR(r, vals, "\"qualification\"", "not a value",
	    "restricted picklist: values are case-sensitive");
	CONV_OK(u, vals, "\"Something new\"", "\"Something new\"",
	    "unrestricted picklist: any value");
	CONV_ERR(u, vals, "\"\"", "send null", "picklist: empty string");
	CONV_OK(r, vals, "null", "null", "picklist: null clears");
	CONV_OK(mp, vals, "\"Prospecting;Closed Won\"",
	    "\"Prospecting;Closed Won\"", "multipicklist: two listed values");
	CONV_ERR(mp, vals, "\"Prospecting;Nope\"", "'Nope' is not a value",
	    "multipicklist: one unlisted value");
	CONV_ERR(mp, vals, "\"Prospecting;;Closed Won\"", "empty item",
	    "multipicklist: an empty item");
	CONV_ERR(mp, vals, "\"Prospecting;Prospecting\"", "twice",
	    "multipicklist: a value twice");
	CONV_ERR(r, "[]", "\"X\"", "(none active)",
	    "restricted picklist without active values");
}

static void
test_dates(void)
{
	const char *d = "{\"type\":\"date\",\"nillable\":true}";
	const char *dt = "{\"type\":\"datetime\",\"nillable\":true}";

	CONV_OK(d, NULL, "\"2026-03-31\"", "\"2026-03-31\"", "date: plain");
	CONV_OK(d, NULL, "\"2024-02-29\"", "\"2024-02-29\"",
	    "date: leap day of a leap year");
	CONV_ERR(d, NULL, "\"2026-02-29\"", "not a calendar date",
	    "date: 2026-02-29");
	CONV_ERR(d, NULL, "\"2026-02-30\"", "not a calendar date",
	    "date: 2026-02-30");
	CONV_ERR(d, NULL, "\"1900-02-29\"", "not a calendar date",
	    "date: 1900 is not a leap year");
	CONV_OK(d, NULL, "\"2000-02-29\"", "\"2000-02-29\"",
	    "date: 2000 is");
	CONV_ERR(d, NULL, "\"2026-13-01\"", "not a calendar date",
	    "date: month 13");
	CONV_ERR(d, NULL, "\"2026-04-31\"", "not a calendar date",
	    "date: April 31");
	CONV_ERR(d, NULL, "\"2026-3-31\"", "YYYY-MM-DD", "date: one-digit month");
	CONV_ERR(d, NULL, "\"2026-03-31T00:00:00Z\"", "YYYY-MM-DD",
	    "date: a datetime");
	CONV_ERR(d, NULL, "\"1699-12-31\"", "1700-01-01",
	    "date: before Salesforce's range");
	CONV_OK(d, NULL, "\"4000-12-31\"", "\"4000-12-31\"",
	    "date: the last day of the range");
	CONV_ERR(d, NULL, "\"4001-01-01\"", "4000-12-31",
	    "date: past it");
	CONV_OK(dt, NULL, "\"2026-03-31T17:00:00Z\"",
	    "\"2026-03-31T17:00:00.000Z\"", "datetime: UTC");
	CONV_OK(dt, NULL, "\"2026-03-31T19:00:00+02:00\"",
	    "\"2026-03-31T17:00:00.000Z\"", "datetime: +02:00 to UTC");
	CONV_OK(dt, NULL, "\"2026-03-31T23:30:00-0100\"",
	    "\"2026-04-01T00:30:00.000Z\"", "datetime: -0100 across midnight");
	CONV_OK(dt, NULL, "\"2024-03-01T00:30:00.25+01:00\"",
	    "\"2024-02-29T23:30:00.250Z\"",
	    "datetime: back across a leap day, milliseconds kept");
	CONV_OK(dt, NULL, "\"2026-12-31T23:59+00:00\"",
	    "\"2026-12-31T23:59:00.000Z\"", "datetime: no seconds");
	CONV_ERR(dt, NULL, "\"2026-03-31T17:00:00\"", "no time zone",
	    "datetime: no zone");
	CONV_ERR(dt, NULL, "\"2026-02-30T10:00:00Z\"", "not a real date",
	    "datetime: 2026-02-30");
	CONV_ERR(dt, NULL, "\"2026-03-31T24:00:00Z\"", "not a real date",
	    "datetime: hour 24");
	CONV_ERR(dt, NULL, "\"2026-03-31T10:60:00Z\"", "not a real date",
	    "datetime: minute 60");
	CONV_ERR(dt, NULL, "\"2026-03-31 10:00:00Z\"", "ISO 8601",
	    "datetime: a space for T");
	CONV_ERR(dt, NULL, "\"2026-03-31T10:00:00Zjunk\"", "ISO 8601",
	    "datetime: trailing text");
	CONV_ERR(dt, NULL, "\"\"", "send null", "datetime: empty string");
}

static void
test_references(void)
{
	const char *acct = "{\"type\":\"reference\",\"referenceTo\":"
	    "[\"Account\"],\"nillable\":true}";
	const char *poly = "{\"type\":\"reference\",\"referenceTo\":"
	    "[\"Contact\",\"Lead\"],\"nillable\":true}";
	const char *other = "{\"type\":\"reference\",\"referenceTo\":"
	    "[\"Campaign\"],\"nillable\":true}";

	CONV_OK(acct, NULL, "\"001000000000001\"", "\"001000000000001AAA\"",
	    "reference: a 15-character Account ID, made 18");
	CONV_OK(acct, NULL, "\"001000000000001AAA\"",
	    "\"001000000000001AAA\"", "reference: an 18-character one");
	CONV_ERR(acct, NULL, "\"003000000000001\"", "key prefix of Account",
	    "reference: a Contact ID for an Account field");
	CONV_OK(poly, NULL, "\"00Q000000000001\"", "\"00Q000000000001EAA\"",
	    "reference: a Lead ID for a Contact-or-Lead field");
	CONV_ERR(poly, NULL, "\"001000000000001\"", "Contact (003), Lead (00Q)",
	    "reference: the allowed prefixes said");
	CONV_OK(other, NULL, "\"701000000000001\"", "\"701000000000001AAA\"",
	    "reference to an object of unknown prefix: shape only");
	CONV_ERR(acct, NULL, "\"00100000000001\"", "15 or 18",
	    "reference: 14 characters");
	CONV_ERR(acct, NULL, "\"001000000000001AAB\"", "checksum",
	    "reference: a bad checksum");
	CONV_ERR(acct, NULL, "\"001-00000000001\"", "letters and digits",
	    "reference: a hyphen");
	CONV_OK(acct, NULL, "null", "null", "reference: null clears");
	CONV_ERR("{\"type\":\"base64\"}", NULL, "\"QQ==\"", "does not write",
	    "base64 fields are refused by type");
	CONV_ERR("{\"nillable\":true}", NULL, "\"x\"", "no type",
	    "a describe without a type");
}

static void
test_writable(void)
{
	const char *upd = "{\"type\":\"string\",\"updateable\":true}";
	const char *ro = "{\"type\":\"string\",\"updateable\":false}";
	const char *all = "Account.*,Opportunity.*";
	cJSON	*u = cJSON_Parse(upd), *r = cJSON_Parse(ro);

	ok(wv_field_writable("Opportunity", "NextStep", u, all, err,
	    sizeof(err)) == 0, "Opportunity.* allows NextStep");
	ok(wv_field_writable("Opportunity", "StageName", u, all, err,
	    sizeof(err)) == -1 && strstr(err, "naming Opportunity.StageName"),
	    "Opportunity.* leaves StageName out, and says how to allow it");
	ok(wv_field_writable("Opportunity", "StageName", u,
	    "Opportunity.*, Opportunity.StageName", err, sizeof(err)) == 0,
	    "StageName named explicitly is allowed");
	ok(wv_field_writable("Lead", "Status", u, "Lead.*", err,
	    sizeof(err)) == -1, "Lead.* leaves Status out");
	ok(wv_field_writable("Opportunity", "ForecastCategoryName", u, all,
	    err, sizeof(err)) == -1, "and ForecastCategoryName");
	ok(wv_field_writable("Opportunity", "IsPrivate", u, all, err,
	    sizeof(err)) == -1, "and IsPrivate");
	ok(wv_field_writable("Account", "OwnerId", u, "Account.OwnerId", err,
	    sizeof(err)) == -1 && strstr(err, "never"),
	    "OwnerId never, even when named");
	ok(wv_field_writable("Account", "RecordTypeId", u,
	    "Account.RecordTypeId", err, sizeof(err)) == -1,
	    "RecordTypeId never");
	ok(wv_field_writable("Account", "Name", r, all, err,
	    sizeof(err)) == -1 && strstr(err, "not updateable"),
	    "a field describe does not call updateable");
	ok(wv_field_writable("Account", "Bogus__c", NULL, all, err,
	    sizeof(err)) == -1 && strstr(err, "no field 'Bogus__c'"),
	    "a field describe does not have");
	ok(wv_field_writable("Contact", "Title", u, all, err,
	    sizeof(err)) == -1 && strstr(err, "not in SFDC_WRITABLE_FIELDS"),
	    "an object the list does not name");
	ok(wv_field_writable("Account", "Website", u, "Account.Name", err,
	    sizeof(err)) == -1, "a list narrowed to one field");
	ok(wv_field_writable("Account", "Name", u, "Account.Name", err,
	    sizeof(err)) == 0, "allows that one");
	ok(wv_list_has("Account, Lead", "lead") && !wv_list_has("Account",
	    "Acc"), "wv_list_has: whole items, case-insensitive");
	cJSON_Delete(u);
	cJSON_Delete(r);
}

static void
test_justification(void)
{
	cJSON	*v;
	char	*out = NULL, *s;
	size_t	 i;

	v = cJSON_CreateString("  123456789  ");
	ok(wv_justification(v, &out, err, sizeof(err)) == -1 &&
	    strstr(err, "9 characters after trimming"),
	    "justification: 9 characters after trimming refused");
	cJSON_Delete(v);
	v = cJSON_CreateString(" \t1234567890\n");
	ok(wv_justification(v, &out, err, sizeof(err)) == 0 &&
	    strcmp(out, "1234567890") == 0, "justification: 10 characters, "
	    "trimmed");
	free(out);
	cJSON_Delete(v);
	s = xmalloc(2002);
	for (i = 0; i < 2000; i++)
		s[i] = 'j';
	s[2000] = '\0';
	v = cJSON_CreateString(s);
	ok(wv_justification(v, &out, err, sizeof(err)) == 0,
	    "justification: 2000 characters");
	free(out);
	cJSON_Delete(v);
	s[2000] = 'j';
	s[2001] = '\0';
	v = cJSON_CreateString(s);
	ok(wv_justification(v, &out, err, sizeof(err)) == -1 &&
	    strstr(err, "2001 characters"), "justification: 2001 refused");
	cJSON_Delete(v);
	free(s);
	ok(wv_justification(NULL, &out, err, sizeof(err)) == -1 &&
	    strstr(err, "required"), "justification: missing");
	v = cJSON_CreateNumber(12345678901.0);
	ok(wv_justification(v, &out, err, sizeof(err)) == -1,
	    "justification: a number");
	cJSON_Delete(v);
}

static char *
unb64(const char *b64)
{
	size_t	 len = strlen(b64), n;
	char	*bin = xmalloc(len + 1);

	if (sodium_base642bin((unsigned char *)bin, len, b64, len, NULL, &n,
	    NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
		free(bin);
		return NULL;
	}
	bin[n] = '\0';
	return bin;
}

static void
test_notes(void)
{
	char	*t, *c, *html, *body;
	size_t	 n, i;

	html = wv_note_html("Call <b>back</b> & \"confirm\"\n\nit's done");
	is_str(html, "<p>Call &lt;b&gt;back&lt;/b&gt; &amp; &quot;confirm"
	    "&quot;</p><p><br></p><p>it&#39;s done</p>",
	    "note HTML: escaped, one <p> a line, an empty line <p><br></p>");
	free(html);
	html = wv_note_html("a\r\nb\n");
	is_str(html, "<p>a</p><p>b</p>", "note HTML: CRLF, a final newline");
	free(html);

	ok(wv_note("\n  First line  \nsecond", NULL, &t, &c, &n, err,
	    sizeof(err)) == 0, "note: a body");
	is_str(t, "First line", "note: title from the first non-empty line");
	html = unb64(c);
	is_str(html, "<p><br></p><p>  First line  </p><p>second</p>",
	    "note: Content is base64 of the HTML");
	ok(n == 22, "note: body_chars counted (%zu)", n);
	free(t);
	free(c);
	free(html);

	ok(wv_note("body text", "  Given title ", &t, &c, &n, err,
	    sizeof(err)) == 0, "note: a given title");
	is_str(t, "Given title", "note: the given title, trimmed");
	free(t);
	free(c);

	/* A first line of 300 two-byte characters: the title is 255 of them. */
	body = xmalloc(32768 * 4 + 2);
	for (i = 0; i < 300; i++)
		memcpy(body + 2 * i, "\xc3\xa9", 2);
	body[600] = '\0';
	ok(wv_note(body, NULL, &t, &c, &n, err, sizeof(err)) == 0 &&
	    strlen(t) == 510 && utf8_valid(t, strlen(t)),
	    "note: a derived title is cut to 255 characters on a boundary");
	free(t);
	free(c);
	ok(wv_note("x", body, &t, &c, &n, err, sizeof(err)) == -1 &&
	    strstr(err, "300 characters"), "note: a given title of 300 refused");
	body[510] = '\0';
	ok(wv_note("x", body, &t, &c, &n, err, sizeof(err)) == 0,
	    "note: a given title of 255 characters");
	free(t);
	free(c);

	for (i = 0; i < 32768; i++)
		memcpy(body + 4 * i, "\xf0\x9f\x98\x80", 4);
	body[4 * 32768] = '\0';
	ok(wv_note(body, NULL, &t, &c, &n, err, sizeof(err)) == 0 &&
	    n == 32768, "note: a body of 32768 characters (4 bytes each)");
	free(t);
	free(c);
	memcpy(body + 4 * 32768, "x", 2);
	ok(wv_note(body, NULL, &t, &c, &n, err, sizeof(err)) == -1 &&
	    strstr(err, "32769 characters"), "note: 32769 characters refused");
	free(body);
	ok(wv_note(" \n\t\n", NULL, &t, &c, &n, err, sizeof(err)) == -1 &&
	    strstr(err, "empty"), "note: a body of white space refused");
	ok(wv_note("", NULL, &t, &c, &n, err, sizeof(err)) == -1,
	    "note: an empty body refused");
	ok(wv_note("\xff\xfe", NULL, &t, &c, &n, err, sizeof(err)) == -1 &&
	    strstr(err, "UTF-8"), "note: a body that is not UTF-8");
	ok(wv_note("x", "two\nlines", &t, &c, &n, err, sizeof(err)) == -1 &&
	    strstr(err, "one line"), "note: a title of two lines");
	ok(wv_note("x", "   ", &t, &c, &n, err, sizeof(err)) == -1,
	    "note: a blank title");
}

static void
test_text_of(void)
{
	cJSON	*v;
	char	*s;

	ok(wv_text(NULL) == NULL, "audit text of nothing is NULL");
	v = cJSON_CreateNull();
	ok(wv_text(v) == NULL, "audit text of null is NULL");
	cJSON_Delete(v);
	v = cJSON_CreateBool(1);
	is_str(s = wv_text(v), "true", "audit text of true");
	free(s);
	cJSON_Delete(v);
	v = cJSON_CreateNumber(1250.5);
	is_str(s = wv_text(v), "1250.5", "audit text of a number");
	free(s);
	cJSON_Delete(v);
}

/*
 * wv_type_supported() (the check of SFDC_WRITABLE_FIELDS) agrees with
 * wv_convert(): every type it admits converts a value, or refuses it for
 * the value, never for the type; every other type is refused as such.
 */
static void
test_types(void)
{
	static const char *const types[] = {
		"string", "textarea", "url", "phone", "email", "combobox",
		"encryptedstring", "boolean", "int", "double", "currency",
		"percent", "picklist", "multipicklist", "date", "datetime",
		"reference", "id", "base64", "address", "location", "time",
		"anyType", "complexvalue", NULL
	};
	cJSON	*fm, *v, *out;
	char	 meta[128];
	size_t	 i;
	int	 agree = 1;

	v = cJSON_CreateString("x");
	for (i = 0; types[i] != NULL; i++) {
		snprintf(meta, sizeof(meta), "{\"type\":\"%s\",\"updateable\":"
		    "true,\"length\":10}", types[i]);
		fm = cJSON_Parse(meta);
		out = NULL;
		err[0] = '\0';
		(void)wv_convert("F", fm, NULL, v, &out, err, sizeof(err));
		if ((strstr(err, "which this tool does not write") == NULL) !=
		    (wv_type_supported(types[i]) != 0)) {
			agree = 0;
			printf("# %s: %s\n", types[i], err);
		}
		cJSON_Delete(out);
		cJSON_Delete(fm);
	}
	cJSON_Delete(v);
	ok(agree, "wv_type_supported agrees with wv_convert on %zu types", i);
	ok(!wv_type_supported("base64") && !wv_type_supported(NULL),
	    "base64 and no type are not written");
}

int
main(void)
{
	jsonalloc_init();
	if (sodium_init() == -1)
		return 2;
	test_text();
	test_email();
	test_boolean();
	test_numbers();
	test_picklists();
	test_dates();
	test_references();
	test_writable();
	test_justification();
	test_notes();
	test_text_of();
	test_types();
	return tap_done();
}
