/*
 * broker_write_test.c: the broker's three mutation shapes (composite.c)
 * without a network: every refusal of the writer's typed request, the
 * exact composite bodies, and the reading of Salesforce's composite
 * answers (canned from the documented and captured shapes).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sfrevops.h"
#include "composite.h"
#include "tap.h"

static const struct composite_conf conf = {
	"v60.0", "Cleanup_Audit__c", "Account,Opportunity,Contact,Lead",
	"Account.*,Opportunity.*,Contact.*,Lead.*,Opportunity.StageName",
	"I", "InternalUsers"
};

#define ATT	"w_0123456789abcdef01234567"
#define OPP	"006000000000001AAA"
#define ACC	"001000000000001AAA"

/* An Opportunity's describe, as the broker keeps it (meta). */
static cJSON *meta;

static void
meta_init(void)
{
	meta = cJSON_Parse("{"
	    "\"NextStep\":{\"type\":\"string\",\"length\":255,\"updateable\":true},"
	    "\"Amount\":{\"type\":\"currency\",\"updateable\":true},"
	    "\"StageName\":{\"type\":\"picklist\",\"updateable\":true},"
	    "\"ForecastCategoryName\":{\"type\":\"picklist\",\"updateable\":true},"
	    "\"OwnerId\":{\"type\":\"reference\",\"updateable\":true},"
	    "\"IsClosed\":{\"type\":\"boolean\",\"updateable\":false},"
	    "\"Description\":{\"type\":\"textarea\",\"updateable\":true}}");
	if (meta == NULL)
		abort();
}

static char *
upd_json(const char *field, const char *value, const char *audit_extra)
{
	char	*s;

	xasprintf(&s, "{\"attempt\":\"" ATT "\",\"object\":\"Opportunity\","
	    "\"id\":\"" OPP "\",\"field\":\"%s\",\"value\":%s,"
	    "\"if_unmodified_since\":\"2026-11-30T10:00:00.000+0000\","
	    "\"audit\":{\"Object_Name__c\":\"Opportunity\",\"Record_Id__c\":"
	    "\"" OPP "\",\"Field_Name__c\":\"%s\",\"Old_Value__c\":null,"
	    "\"New_Value__c\":%s,\"Justification__c\":\"cleanup of old "
	    "steps\",\"Performed_By__c\":\"Ann via Claude\",\"Attempt_Id__c\":"
	    "\"" ATT "\"%s}}", field, value, field, value, audit_extra);
	return s;
}

/* s with the first from replaced by to (a new string). */
static char *
repl(const char *s, const char *from, const char *to)
{
	const char	*p = strstr(s, from);
	char		*r;

	if (p == NULL)
		abort();
	xasprintf(&r, "%.*s%s%s", (int)(p - s), s, to, p + strlen(from));
	return r;
}

/* Parse, then check against meta; the error in err. */
static int
try(enum composite_kind k, const char *json, const char *prefix,
    struct composite_req *q, char *err, size_t errlen)
{
	err[0] = '\0';
	if (composite_parse(&conf, k, json, strlen(json), q, err, errlen) != 0)
		return -1;
	if (composite_check(&conf, q, prefix, meta, err, errlen) == -1) {
		composite_req_free(q);
		return -1;
	}
	return 0;
}

static int
refused(enum composite_kind k, const char *json, const char *prefix,
    const char *want)
{
	struct composite_req	 q;
	char			 err[1024];

	if (try(k, json, prefix, &q, err, sizeof(err)) == 0) {
		composite_req_free(&q);
		printf("#   accepted: %s\n", json);
		return 0;
	}
	if (strstr(err, want) == NULL) {
		printf("#   error: %s\n#   want:  %s\n", err, want);
		return 0;
	}
	return 1;
}

static void
test_update_ok(void)
{
	struct composite_req	 q;
	char			 err[512], path[64], *s, *t;
	cJSON			*b;

	s = upd_json("nextstep", "\"Call back\"", "");
	ok(try(COMPOSITE_UPDATE, s, "006", &q, err, sizeof(err)) == 0,
	    "an update is accepted (%s)", err);
	free(s);
	b = composite_body(&conf, &q);
	t = cJSON_PrintUnformatted(b);
	is_str(t, "{\"allOrNone\":true,\"collateSubrequests\":false,"
	    "\"compositeRequest\":[{\"method\":\"POST\",\"url\":"
	    "\"/services/data/v60.0/sobjects/Cleanup_Audit__c\",\"referenceId\":"
	    "\"audit\",\"body\":{\"Object_Name__c\":\"Opportunity\","
	    "\"Record_Id__c\":\"" OPP "\",\"Field_Name__c\":\"nextstep\","
	    "\"Old_Value__c\":null,\"New_Value__c\":\"Call back\","
	    "\"Justification__c\":\"cleanup of old steps\",\"Performed_By__c\":"
	    "\"Ann via Claude\",\"Attempt_Id__c\":\"" ATT "\"}},{\"method\":"
	    "\"PATCH\",\"url\":\"/services/data/v60.0/sobjects/Opportunity/" OPP
	    "\",\"referenceId\":\"change\",\"body\":{\"NextStep\":\"Call back\"},"
	    "\"httpHeaders\":{\"If-Unmodified-Since\":\"Mon, 30 Nov 2026 "
	    "10:00:00 GMT\"}}]}", "the update's composite: audit first, "
	    "describe's spelling of the field, an HTTP-date");
	cJSON_free(t);
	cJSON_Delete(b);
	composite_path(&conf, path, sizeof(path));
	is_str(path, "/services/data/v60.0/composite", "the composite path");

	/* Answers. */
	b = composite_answer(&q, "{\"compositeResponse\":[{\"body\":{\"id\":"
	    "\"a0X000000000001\",\"success\":true,\"errors\":[]},"
	    "\"httpHeaders\":{},\"httpStatusCode\":201,\"referenceId\":"
	    "\"audit\"},{\"body\":null,\"httpHeaders\":{},\"httpStatusCode\":"
	    "204,\"referenceId\":\"change\"}]}", 1000, err, sizeof(err));
	t = b ? cJSON_PrintUnformatted(b) : NULL;
	is_str(t, "{\"committed\":true,\"ids\":{\"audit\":"
	    "\"a0X000000000001EAA\"}}", "both 2xx: committed, the audit id "
	    "in 18 characters");
	cJSON_free(t);
	cJSON_Delete(b);

	b = composite_answer(&q, "{\"compositeResponse\":[{\"body\":[{"
	    "\"errorCode\":\"PROCESSING_HALTED\",\"message\":\"The transaction "
	    "was rolled back since another operation in the same transaction "
	    "failed.\"}],\"httpHeaders\":{},\"httpStatusCode\":400,"
	    "\"referenceId\":\"audit\"},{\"body\":[{\"message\":\"Next step "
	    "must\\nbe short\",\"errorCode\":\"FIELD_CUSTOM_VALIDATION_EXCEPTION\","
	    "\"fields\":[\"NextStep\",\"bad name!\"]}],\"httpHeaders\":{},"
	    "\"httpStatusCode\":400,\"referenceId\":\"change\"}]}", 2000, err,
	    sizeof(err));
	t = b ? cJSON_PrintUnformatted(b) : NULL;
	is_str(t, "{\"committed\":false,\"error\":{\"reference\":\"change\","
	    "\"status\":400,\"code\":\"FIELD_CUSTOM_VALIDATION_EXCEPTION\","
	    "\"message\":\"Next step must be short\",\"fields\":[\"NextStep\"]}}",
	    "a refused change: the failing subrequest, not PROCESSING_HALTED");
	cJSON_free(t);
	cJSON_Delete(b);

	b = composite_answer(&q, "{\"compositeResponse\":[{\"body\":[{"
	    "\"errorCode\":\"PROCESSING_HALTED\",\"message\":\"x\"}],"
	    "\"httpStatusCode\":400,\"referenceId\":\"audit\"},{\"body\":null,"
	    "\"httpStatusCode\":412,\"referenceId\":\"change\"}]}", 500, err,
	    sizeof(err));
	t = b ? cJSON_PrintUnformatted(b) : NULL;
	ok(t != NULL && strstr(t, "\"code\":\"HTTP_412\"") != NULL &&
	    strstr(t, "\"reference\":\"change\"") != NULL, "a 412 without a "
	    "body is named by its status: %s", t ? t : err);
	cJSON_free(t);
	cJSON_Delete(b);

	static const char *const bad[] = {
		"",
		"[]",
		"{\"compositeResponse\":{}}",
		"{\"compositeResponse\":[{\"httpStatusCode\":201,\"referenceId\":"
		    "\"audit\",\"body\":{\"id\":\"a0X000000000001\"}}]}",
		"{\"compositeResponse\":[{\"httpStatusCode\":201,\"referenceId\":"
		    "\"audit\",\"body\":{\"id\":\"a0X000000000001\"}},{"
		    "\"httpStatusCode\":204,\"referenceId\":\"audit\"}]}",
		"{\"compositeResponse\":[{\"httpStatusCode\":201,\"referenceId\":"
		    "\"audit\",\"body\":{\"id\":\"a0X000000000001\"}},{"
		    "\"httpStatusCode\":204,\"referenceId\":\"other\"}]}",
		"{\"compositeResponse\":[{\"httpStatusCode\":201,\"referenceId\":"
		    "\"audit\",\"body\":{}},{\"httpStatusCode\":204,"
		    "\"referenceId\":\"change\"}]}",
		"{\"compositeResponse\":[{\"httpStatusCode\":201,\"referenceId\":"
		    "\"audit\",\"body\":{\"id\":\"a0X\"}},{\"httpStatusCode\":"
		    "204,\"referenceId\":\"change\"},{\"httpStatusCode\":204,"
		    "\"referenceId\":\"change\"}]}",
		"{\"compositeResponse\":[{\"httpStatusCode\":4e53,"
		    "\"referenceId\":\"audit\"},{\"httpStatusCode\":204,"
		    "\"referenceId\":\"change\"}]}",
		"{\"compositeResponse\":[{\"httpStatusCode\":201.5,"
		    "\"referenceId\":\"audit\"},{\"httpStatusCode\":204,"
		    "\"referenceId\":\"change\"}]}",
		"{\"compositeResponse\":[{\"httpStatusCode\":\"201\","
		    "\"referenceId\":\"audit\"},{\"httpStatusCode\":204,"
		    "\"referenceId\":\"change\"}]}",
	};
	size_t i;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		b = composite_answer(&q, bad[i], strlen(bad[i]), err,
		    sizeof(err));
		ok(b == NULL && err[0] != '\0', "not an answer to this "
		    "request (%zu): the outcome is unknown: %s", i, err);
		cJSON_Delete(b);
	}
	composite_req_free(&q);
}

static void
test_update_refusals(void)
{
	char	*s, big[COMPOSITE_MAX_TEXT + 3], *v;

#define R(json, prefix, want, what) do {				\
	s = (json);							\
	ok(refused(COMPOSITE_UPDATE, s, prefix, want), what);		\
	free(s);							\
} while (0)
	R(xstrdup("{"), "006", "not a JSON object", "not JSON");
	R(xstrdup("[1]"), "006", "not a JSON object", "not an object");
	s = upd_json("NextStep", "\"x\"", ",\"Nope__c\":1");
	ok(refused(COMPOSITE_UPDATE, s, "006", "unknown key 'Nope__c'"),
	    "an unknown audit key");
	free(s);
	s = upd_json("NextStep", "\"x\"", "");
	v = xstrdup(s);
	/* An unknown top-level key. */
	free(s);
	xasprintf(&s, "{\"extra\":1,%s", v + 1);
	ok(refused(COMPOSITE_UPDATE, s, "006", "unknown key 'extra'"),
	    "an unknown key");
	free(s);
	xasprintf(&s, "{\"attempt\":\"" ATT "\",%s", v + 1);
	ok(refused(COMPOSITE_UPDATE, s, "006", "appears twice"),
	    "a repeated key");
	free(s);
	/* Object and ID. */
	s = xstrdup(v);
	memcpy(strstr(s, "\"Opportunity\""), "\"Opportunit_\"", 13);
	ok(refused(COMPOSITE_UPDATE, s, "006", "not allowed"),
	    "an object outside SFDC_WRITE_OBJECTS");
	free(s);
	s = xstrdup(v);
	memcpy(strstr(s, OPP), "006000000000001AAB", 18);
	ok(refused(COMPOSITE_UPDATE, s, "006", "checksum"),
	    "an 18-character ID with a wrong checksum");
	free(s);
	ok(refused(COMPOSITE_UPDATE, v, "001", "start with 001"),
	    "an ID without the object's key prefix (from describe)");
	ok(refused(COMPOSITE_UPDATE, v, NULL, "no key prefix"),
	    "a describe without keyPrefix");
	s = repl(v, OPP "\",\"field", "006000000000001AA\",\"field");
	ok(refused(COMPOSITE_UPDATE, s, "006", "15 or 18"),
	    "a 17-character ID");
	free(s);
	s = xstrdup(v);
	memcpy(strstr(s, OPP), "0060000000000-1AAA", 18);
	ok(refused(COMPOSITE_UPDATE, s, "006", "letters and digits"),
	    "an ID with a dash");
	free(s);
	free(v);
	/* Fields. */
	R(upd_json("OwnerId", "\"005000000000001\"", ""), "006",
	    "not writable", "OwnerId is never writable");
	{
		struct composite_req q;
		char err[512];
		s = upd_json("StageName", "\"Closed Won\"", "");
		ok(try(COMPOSITE_UPDATE, s, "006", &q, err, sizeof(err)) == 0,
		    "StageName, named explicitly, is allowed (%s)", err);
		composite_req_free(&q);
		free(s);
	}
	R(upd_json("ForecastCategoryName", "\"Omitted\"", ""), "006",
	    "not writable", "Object.* excludes ForecastCategoryName");
	R(upd_json("IsClosed", "true", ""), "006", "not updateable",
	    "a field describe calls not updateable");
	R(upd_json("NoSuch__c", "1", ""), "006", "no field 'NoSuch__c'",
	    "a field describe does not know");
	R(upd_json("Bad-Name", "1", ""), "006", "not a field API name",
	    "a field that is not a name");
	R(upd_json("NextStep", "{\"a\":1}", ""), "006", "must be a string",
	    "an object as the value");
	R(upd_json("NextStep", "[1]", ""), "006", "must be a string",
	    "an array as the value");
	R(upd_json("NextStep", "\"@{audit.id}\"", ""), "006", "'@{'",
	    "a value with a composite reference");
	/* The audit row agrees with the change. */
	s = upd_json("NextStep", "\"x\"", "");
	memcpy(strstr(s, "\"New_Value__c\":\"x\""), "\"New_Value__c\":\"y\"",
	    18);
	ok(refused(COMPOSITE_UPDATE, s, "006", "New_Value__c does not "
	    "record"), "an audit row recording another value");
	free(s);
	s = upd_json("NextStep", "\"x\"", "");
	memcpy(strstr(s, "\"Field_Name__c\":\"NextStep\""),
	    "\"Field_Name__c\":\"NextStex\"", 26);
	ok(refused(COMPOSITE_UPDATE, s, "006", "Field_Name__c is"),
	    "an audit row naming another field");
	free(s);
	s = upd_json("NextStep", "\"x\"", ",\"Failed__c\":true");
	ok(refused(COMPOSITE_UPDATE, s, "006", "Failed__c must be false"),
	    "an update's audit row with Failed__c true");
	free(s);
	v = upd_json("NextStep", "\"x\"", "");
	s = repl(v, "\"Attempt_Id__c\":\"w_0", "\"Attempt_Id__c\":\"w_1");
	free(v);
	ok(refused(COMPOSITE_UPDATE, s, "006", "not the request's attempt"),
	    "an audit row with another attempt id");
	free(s);
	s = upd_json("NextStep", "\"x\"", "");
	*strstr(s, ",\"Attempt_Id__c\"") = '\0';
	v = s;
	xasprintf(&s, "%s}}", v);
	free(v);
	ok(refused(COMPOSITE_UPDATE, s, "006", "must be in "
	    "audit.Performed_By__c"), "no Attempt_Id__c and no attempt in "
	    "Performed_By__c");
	free(s);
	s = upd_json("NextStep", "\"x\"", "");
	memcpy(strstr(s, "\"if_unmodified_since\":\"2026-11-30"),
	    "\"if_unmodified_since\":\"2026-02-30", 33);
	ok(refused(COMPOSITE_UPDATE, s, "006", "not an ISO 8601"),
	    "a 30 February");
	free(s);
	s = upd_json("NextStep", "\"x\"", "");
	memcpy(strstr(s, "\"attempt\":\"w_0"), "\"attempt\":\"W_0", 14);
	ok(refused(COMPOSITE_UPDATE, s, "006", "attempt id must be"),
	    "an attempt id of the wrong form");
	free(s);
	s = upd_json("NextStep", "\"x\"", "");
	memcpy(strstr(s, "\"Justification__c\""), "\"Justification__x\"", 18);
	ok(refused(COMPOSITE_UPDATE, s, "006", "unknown key"),
	    "a misspelt audit key");
	free(s);
	s = upd_json("NextStep", "\"x\"", "");
	*strstr(s, ",\"Performed_By__c\"") = '\0';
	v = s;
	xasprintf(&s, "%s}}", v);
	free(v);
	ok(refused(COMPOSITE_UPDATE, s, "006", "needs Performed_By__c"),
	    "an audit row without Performed_By__c");
	free(s);

	/* A text value at the limit and one past it (characters). */
	big[0] = '"';
	memset(big + 1, 'a', COMPOSITE_MAX_TEXT);
	big[COMPOSITE_MAX_TEXT + 1] = '"';
	big[COMPOSITE_MAX_TEXT + 2] = '\0';
	{
		struct composite_req q;
		char err[512];
		s = upd_json("Description", big, "");
		ok(try(COMPOSITE_UPDATE, s, "006", &q, err, sizeof(err)) == 0,
		    "a value of %d characters is accepted (%s)",
		    COMPOSITE_MAX_TEXT, err);
		composite_req_free(&q);
		free(s);
	}
	{
		char *b2 = xmalloc(COMPOSITE_MAX_TEXT + 4);
		b2[0] = '"';
		memset(b2 + 1, 'a', COMPOSITE_MAX_TEXT + 1);
		b2[COMPOSITE_MAX_TEXT + 2] = '"';
		b2[COMPOSITE_MAX_TEXT + 3] = '\0';
		s = upd_json("Description", b2, "");
		ok(refused(COMPOSITE_UPDATE, s, "006", "at most 131072"),
		    "a value of %d characters is refused",
		    COMPOSITE_MAX_TEXT + 1);
		free(s);
		free(b2);
	}
	{
		/* Characters, not bytes: 131072 two-byte characters pass. */
		char *b2 = xmalloc(2 * COMPOSITE_MAX_TEXT + 3);
		size_t i;
		struct composite_req q;
		char err[512];
		b2[0] = '"';
		for (i = 0; i < COMPOSITE_MAX_TEXT; i++)
			memcpy(b2 + 1 + 2 * i, "\xc3\xa9", 2);
		b2[2 * COMPOSITE_MAX_TEXT + 1] = '"';
		b2[2 * COMPOSITE_MAX_TEXT + 2] = '\0';
		s = upd_json("Description", b2, "");
		ok(try(COMPOSITE_UPDATE, s, "006", &q, err, sizeof(err)) == 0,
		    "%d two-byte characters are accepted (%s)",
		    COMPOSITE_MAX_TEXT, err);
		composite_req_free(&q);
		free(s);
		free(b2);
	}
	R(upd_json("NextStep", "\"\xff\"", ""), "006", "not UTF-8",
	    "a value that is not UTF-8");
	{
		struct composite_req q;
		char err[512];
		s = upd_json("NextStep", "null", "");
		ok(try(COMPOSITE_UPDATE, s, "006", &q, err, sizeof(err)) == 0,
		    "null clears a field (%s)", err);
		composite_req_free(&q);
		free(s);
		s = upd_json("Amount", "1250.5", "");
		memcpy(strstr(s, "\"New_Value__c\":1250.5"),
		    "\"New_Value__c\":1250.5", 21);
		ok(try(COMPOSITE_UPDATE, s, "006", &q, err, sizeof(err)) == 0,
		    "a number (%s)", err);
		composite_req_free(&q);
		free(s);
	}
	s = upd_json("NextStep", "null", "");
	memcpy(strstr(s, "\"New_Value__c\":null"), "\"New_Value__c\":\"\"  ",
	    19);
	ok(refused(COMPOSITE_UPDATE, s, "006", "New_Value__c does not"),
	    "clearing recorded as an empty string is refused");
	free(s);
#undef R
}

static char *
note_json(const char *title, const char *content, const char *audit_extra)
{
	char	*s;

	xasprintf(&s, "{\"attempt\":\"" ATT "\",\"object\":\"Account\","
	    "\"id\":\"" ACC "\",\"title\":\"%s\",\"content\":\"%s\","
	    "\"audit\":{\"Object_Name__c\":\"Account\",\"Record_Id__c\":"
	    "\"001000000000001\",\"Performed_By__c\":\"Ann [attempt " ATT
	    "]\"%s}}", title, content, audit_extra);
	return s;
}

static void
test_note(void)
{
	struct composite_req	 q;
	char			 err[512], *s, *t, title[4 * 256 + 1];
	cJSON			*b;
	size_t			 i;

	s = note_json("Call summary", "PHA+SGk8L3A+", "");
	ok(try(COMPOSITE_NOTE, s, "001", &q, err, sizeof(err)) == 0,
	    "a note is accepted (%s)", err);
	free(s);
	b = composite_body(&conf, &q);
	t = cJSON_PrintUnformatted(b);
	is_str(t, "{\"allOrNone\":true,\"collateSubrequests\":false,"
	    "\"compositeRequest\":[{\"method\":\"POST\",\"url\":"
	    "\"/services/data/v60.0/sobjects/ContentNote\",\"referenceId\":"
	    "\"note\",\"body\":{\"Title\":\"Call summary\",\"Content\":"
	    "\"PHA+SGk8L3A+\"}},{\"method\":\"POST\",\"url\":"
	    "\"/services/data/v60.0/sobjects/ContentDocumentLink\","
	    "\"referenceId\":\"link\",\"body\":{\"ContentDocumentId\":"
	    "\"@{note.id}\",\"LinkedEntityId\":\"" ACC "\",\"ShareType\":"
	    "\"I\",\"Visibility\":\"InternalUsers\"}},{\"method\":\"POST\","
	    "\"url\":\"/services/data/v60.0/sobjects/Cleanup_Audit__c\","
	    "\"referenceId\":\"audit\",\"body\":{\"Object_Name__c\":"
	    "\"Account\",\"Record_Id__c\":\"" ACC "\",\"Field_Name__c\":"
	    "\"ContentNote\",\"New_Value__c\":\"@{note.id}\","
	    "\"Performed_By__c\":\"Ann [attempt " ATT "]\"}}]}",
	    "the note's composite: note, link, audit naming the note");
	cJSON_free(t);
	cJSON_Delete(b);
	b = composite_answer(&q, "{\"compositeResponse\":["
	    "{\"body\":{\"id\":\"069000000000001AAA\"},\"httpStatusCode\":201,"
	    "\"referenceId\":\"note\"},{\"body\":{\"id\":\"06A000000000001\"},"
	    "\"httpStatusCode\":201,\"referenceId\":\"link\"},{\"body\":{\"id\":"
	    "\"a0X000000000001\"},\"httpStatusCode\":201,\"referenceId\":"
	    "\"audit\"}]}", 1000, err, sizeof(err));
	t = b ? cJSON_PrintUnformatted(b) : NULL;
	is_str(t, "{\"committed\":true,\"ids\":{\"note\":\"069000000000001AAA\","
	    "\"link\":\"06A000000000001EAA\",\"audit\":\"a0X000000000001EAA\"}}",
	    "a note's answer: three ids");
	cJSON_free(t);
	cJSON_Delete(b);
	composite_req_free(&q);

	s = note_json("T", "PHA+SGk8L3A+", ",\"New_Value__c\":\"x\"");
	ok(refused(COMPOSITE_NOTE, s, "001", "set by the broker"),
	    "a note's New_Value__c comes from the broker only");
	free(s);
	s = note_json("T", "PHA+SGk8L3A+", ",\"Field_Name__c\":\"Name\"");
	ok(refused(COMPOSITE_NOTE, s, "001", "ContentNote"),
	    "a note's Field_Name__c is ContentNote");
	free(s);
	s = note_json("T", "not base64!", "");
	ok(refused(COMPOSITE_NOTE, s, "001", "base64"), "content not base64");
	free(s);
	s = note_json("T", "PHA+SGk8L3A", "");
	ok(refused(COMPOSITE_NOTE, s, "001", "base64"),
	    "content of a length base64 does not have");
	free(s);
	s = note_json("", "PHA+SGk8L3A+", "");
	ok(refused(COMPOSITE_NOTE, s, "001", "title is empty"), "no title");
	free(s);
	s = note_json("T", "PHA+SGk8L3A+", "");
	ok(refused(COMPOSITE_NOTE, s, "006", "start with 006"),
	    "a note on an ID of another object");
	free(s);
	for (i = 0; i < 255; i++)
		title[i] = 'x';
	title[255] = '\0';
	s = note_json(title, "PHA+SGk8L3A+", "");
	ok(try(COMPOSITE_NOTE, s, "001", &q, err, sizeof(err)) == 0,
	    "a title of 255 characters (%s)", err);
	composite_req_free(&q);
	free(s);
	title[255] = 'x';
	title[256] = '\0';
	s = note_json(title, "PHA+SGk8L3A+", "");
	ok(refused(COMPOSITE_NOTE, s, "001", "at most 255"),
	    "a title of 256 characters");
	free(s);
	{
		char *c = xmalloc(COMPOSITE_MAX_CONTENT + 5);
		memset(c, 'A', COMPOSITE_MAX_CONTENT);
		c[COMPOSITE_MAX_CONTENT] = '\0';
		s = note_json("T", c, "");
		ok(try(COMPOSITE_NOTE, s, "001", &q, err, sizeof(err)) == 0,
		    "content of %u bytes (%s)", COMPOSITE_MAX_CONTENT, err);
		composite_req_free(&q);
		free(s);
		memcpy(c + COMPOSITE_MAX_CONTENT, "AAAA", 5);
		s = note_json("T", c, "");
		ok(refused(COMPOSITE_NOTE, s, "001", "longer than"),
		    "content of %u bytes", COMPOSITE_MAX_CONTENT + 4);
		free(s);
		free(c);
	}
}

static void
test_failed(void)
{
	struct composite_req	 q;
	char			 err[512], *t;
	cJSON			*b;
	const char		*ok_json = "{\"attempt\":\"" ATT "\",\"audit\":{"
	    "\"Object_Name__c\":\"Opportunity\",\"Record_Id__c\":\"" OPP "\","
	    "\"Field_Name__c\":\"NextStep\",\"Old_Value__c\":\"a\","
	    "\"New_Value__c\":\"b\",\"Justification__c\":\"cleanup of old "
	    "steps\",\"Performed_By__c\":\"Ann\",\"Failed__c\":true,"
	    "\"Attempt_Id__c\":\"" ATT "\",\"Error__c\":\"FIELD_CUSTOM_"
	    "VALIDATION_EXCEPTION: no\"}}";

	ok(try(COMPOSITE_FAILED, ok_json, "006", &q, err, sizeof(err)) == 0,
	    "a failed-attempt row (%s)", err);
	is_str(q.object, "Opportunity", "its object from Object_Name__c");
	b = composite_body(&conf, &q);
	t = cJSON_PrintUnformatted(b);
	ok(t != NULL && strstr(t, "\"compositeRequest\":[{\"method\":\"POST\","
	    "\"url\":\"/services/data/v60.0/sobjects/Cleanup_Audit__c\","
	    "\"referenceId\":\"audit\"") != NULL && strstr(t,
	    "\"Failed__c\":true") != NULL && strstr(t, "change") == NULL,
	    "one audit subrequest with Failed__c true: %s", t);
	cJSON_free(t);
	cJSON_Delete(b);
	composite_req_free(&q);
	{
		char *s = repl(ok_json, "true", "false");
		ok(refused(COMPOSITE_FAILED, s, "006", "Failed__c must be "
		    "true"), "a failed-attempt row without Failed__c true");
		free(s);
		s = xstrdup(ok_json);
		memcpy(strstr(s, "\"Opportunity\""), "\"Opportunitx\"", 13);
		ok(refused(COMPOSITE_FAILED, s, "006", "not allowed"),
		    "a failed-attempt row on an object not allowed");
		free(s);
		ok(refused(COMPOSITE_FAILED, ok_json, "001", "start with 001"),
		    "a failed-attempt row whose record is of another object");
		xasprintf(&s, "{\"object\":\"Opportunity\",%s", ok_json + 1);
		ok(refused(COMPOSITE_FAILED, s, "006", "unknown key 'object'"),
		    "SF_AUDIT_FAILED takes only attempt and audit");
		free(s);
	}
}

/* The allow-lists' refusals are told apart (SFE_POLICY in the broker). */
static void
test_policy_code(void)
{
	struct composite_req	 q;
	char			 err[512], *s, *v;

	v = upd_json("NextStep", "\"x\"", "");
	s = repl(v, "\"object\":\"Opportunity\"", "\"object\":\"Task\"");
	ok(composite_parse(&conf, COMPOSITE_UPDATE, s, strlen(s), &q, err,
	    sizeof(err)) == -2, "an object outside SFDC_WRITE_OBJECTS: -2");
	free(s);
	free(v);
	v = upd_json("OwnerId", "\"x\"", "");
	ok(composite_parse(&conf, COMPOSITE_UPDATE, v, strlen(v), &q, err,
	    sizeof(err)) == -2, "a field outside SFDC_WRITABLE_FIELDS: -2");
	free(v);
	v = upd_json("NextStep", "[]", "");
	ok(composite_parse(&conf, COMPOSITE_UPDATE, v, strlen(v), &q, err,
	    sizeof(err)) == -1, "a bad value: -1");
	free(v);
}

static void
test_dates_and_lists(void)
{
	char	 out[40], tmp[100];

	ok(composite_http_date("2026-11-30T10:00:00.000+0000", out,
	    sizeof(out)) == 0, "Salesforce's form");
	is_str(out, "Mon, 30 Nov 2026 10:00:00 GMT", "its HTTP-date");
	ok(composite_http_date("2026-12-31T23:30:00-0100", out, sizeof(out)) ==
	    0 && strcmp(out, "Fri, 01 Jan 2027 00:30:00 GMT") == 0,
	    "an offset crosses a year: %s", out);
	ok(composite_http_date("2024-02-29T00:10:00+01:00", out, sizeof(out)) ==
	    0 && strcmp(out, "Wed, 28 Feb 2024 23:10:00 GMT") == 0,
	    "a leap day, +hh:mm: %s", out);
	ok(composite_http_date("1970-01-01T00:00:00Z", out, sizeof(out)) == 0 &&
	    strcmp(out, "Thu, 01 Jan 1970 00:00:00 GMT") == 0, "the epoch");
	ok(composite_http_date("2025-02-29T00:00:00Z", out, sizeof(out)) == -1,
	    "29 February of a common year");
	ok(composite_http_date("2026-11-30 10:00:00Z", out, sizeof(out)) == -1,
	    "no T");
	ok(composite_http_date("2026-11-30T10:00:00", out, sizeof(out)) == -1,
	    "no zone");
	ok(composite_http_date("2026-11-30T24:00:00Z", out, sizeof(out)) == -1,
	    "hour 24");
	ok(composite_http_date("2026-11-30T10:00:00Zjunk", out, sizeof(out)) ==
	    -1, "trailing text");

	ok(composite_field_allowed(conf.writable_fields, "Opportunity",
	    "NextStep"), "Opportunity.* allows NextStep");
	ok(composite_field_allowed(conf.writable_fields, "Opportunity",
	    "StageName"), "a field named explicitly is allowed");
	ok(!composite_field_allowed(conf.writable_fields, "Account",
	    "StageName"), "... only on its object");
	ok(!composite_field_allowed("Opportunity.*", "Opportunity",
	    "StageName"), "Object.* leaves StageName out");
	ok(!composite_field_allowed("Opportunity.*", "Opportunity",
	    "isprivate"), "... and IsPrivate");
	ok(!composite_field_allowed(conf.writable_fields, "Lead", "Status"),
	    "Lead.* leaves Status out");
	ok(composite_field_allowed(conf.writable_fields, "Contact", "Status"),
	    "... which is only Lead's");
	ok(!composite_field_allowed("Account.OwnerId", "Account", "OwnerId"),
	    "OwnerId even when named");
	ok(!composite_field_allowed("Account.RecordTypeId", "Account",
	    "recordtypeid"), "RecordTypeId even when named, in any case");
	ok(!composite_field_allowed("Account.Name", "Account", "Phone"),
	    "a list without Object.* allows only its fields");
	ok(composite_list_find("Account,Opportunity", "opportunity", tmp,
	    sizeof(tmp)) != NULL && strcmp(tmp, "Opportunity") == 0,
	    "objects match in any case, the list's spelling is kept");
	ok(composite_list_find("Account,Opportunity", "Opp", tmp,
	    sizeof(tmp)) == NULL, "a prefix is not a match");
}

/* describe's meta, at its bounds. */
static void
test_meta(void)
{
	cJSON	*meta2, *fv, *refs;
	char	 name[32], label[COMPOSITE_META_LABEL + 2];
	size_t	 budget = COMPOSITE_META_BYTES, i;
	const cJSON *m;

	meta2 = cJSON_CreateObject();
	fv = cJSON_Parse("{\"type\":\"string\",\"length\":255,\"updateable\":"
	    "true,\"precision\":1e300,\"scale\":-3,\"label\":\"Next Step\"}");
	composite_meta_keep(meta2, fv, "NextStep", &budget);
	m = cJSON_GetObjectItemCaseSensitive(meta2, "NextStep");
	ok(m != NULL && cJSON_GetObjectItem(m, "length")->valuedouble == 255 &&
	    cJSON_IsTrue(cJSON_GetObjectItem(m, "updateable")) &&
	    cJSON_IsFalse(cJSON_GetObjectItem(m, "nillable")) &&
	    cJSON_GetObjectItem(m, "precision")->valuedouble == 0 &&
	    cJSON_GetObjectItem(m, "scale")->valuedouble == 0 &&
	    strcmp(cJSON_GetObjectItem(m, "label")->valuestring,
	    "Next Step") == 0, "a field's meta; numbers out of range are 0");
	composite_meta_keep(meta2, fv, "Bad-Name", &budget);
	ok(cJSON_GetObjectItemCaseSensitive(meta2, "Bad-Name") == NULL,
	    "a field that is not a name is left out");
	for (i = 1; cJSON_GetArraySize(meta2) < COMPOSITE_META_FIELDS; i++) {
		snprintf(name, sizeof(name), "F%zu__c", i);
		composite_meta_keep(meta2, fv, name, &budget);
	}
	ok(cJSON_GetArraySize(meta2) == COMPOSITE_META_FIELDS,
	    "%d fields are kept", COMPOSITE_META_FIELDS);
	composite_meta_keep(meta2, fv, "OneMore__c", &budget);
	ok(cJSON_GetArraySize(meta2) == COMPOSITE_META_FIELDS &&
	    cJSON_GetObjectItem(meta2, "OneMore__c") == NULL,
	    "the %dth is left out", COMPOSITE_META_FIELDS + 1);
	cJSON_Delete(meta2);
	cJSON_Delete(fv);

	meta2 = cJSON_CreateObject();
	budget = COMPOSITE_META_BYTES;
	fv = cJSON_Parse("{\"type\":\"reference\"}");
	refs = cJSON_AddArrayToObject(fv, "referenceTo");
	for (i = 0; i < COMPOSITE_META_REFS + 1; i++) {
		snprintf(name, sizeof(name), "Obj%zu", i);
		cJSON_AddItemToArray(refs, cJSON_CreateString(name));
	}
	memset(label, 'L', COMPOSITE_META_LABEL);
	label[COMPOSITE_META_LABEL] = '\0';
	cJSON_AddStringToObject(fv, "label", label);
	composite_meta_keep(meta2, fv, "WhatId", &budget);
	m = cJSON_GetObjectItem(meta2, "WhatId");
	ok(m != NULL && cJSON_GetArraySize(cJSON_GetObjectItem(m,
	    "referenceTo")) == COMPOSITE_META_REFS, "referenceTo keeps %d of "
	    "%d", COMPOSITE_META_REFS, COMPOSITE_META_REFS + 1);
	ok(m != NULL && cJSON_GetObjectItem(m, "label") != NULL,
	    "a label of %d bytes is kept", COMPOSITE_META_LABEL);
	cJSON_DeleteItemFromObject(fv, "label");
	label[COMPOSITE_META_LABEL] = 'L';
	label[COMPOSITE_META_LABEL + 1] = '\0';
	cJSON_AddStringToObject(fv, "label", label);
	composite_meta_keep(meta2, fv, "WhoId", &budget);
	m = cJSON_GetObjectItem(meta2, "WhoId");
	ok(m != NULL && cJSON_GetObjectItem(m, "label") == NULL,
	    "a label of %d bytes is left out", COMPOSITE_META_LABEL + 1);
	budget = 100;
	composite_meta_keep(meta2, fv, "Tight__c", &budget);
	ok(cJSON_GetObjectItem(meta2, "Tight__c") == NULL && budget == 0,
	    "past the byte budget a field is left out");
	cJSON_Delete(meta2);
	cJSON_Delete(fv);
}

int
main(void)
{
	jsonalloc_init();
	meta_init();
	test_update_ok();
	test_update_refusals();
	test_note();
	test_failed();
	test_policy_code();
	test_meta();
	test_dates_and_lists();
	cJSON_Delete(meta);
	return tap_done();
}
