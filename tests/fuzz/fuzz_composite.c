/*
 * libFuzzer target: the broker's mutation shapes (composite.c).
 *
 * Input: byte 0 chooses what is fuzzed: its low two bits the kind
 * (1 update, 2 note, 3 failed-attempt row; 0 is update), bit 2 the
 * answer instead of the request.  The rest is the writer's JSON, or
 * Salesforce's composite answer to a fixed, valid request of that kind.
 * Checked: no memory error; a request that passes gives a body whose
 * only "@{" is the broker's own @{note.id}, with allOrNone true and
 * collateSubrequests false; an answer read is committed true with
 * 18-character ids, or committed false with an error.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sfrevops.h"
#include "composite.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const struct composite_conf conf = {
	"v60.0", "Cleanup_Audit__c", "Account,Opportunity,Contact,Lead",
	"Account.*,Opportunity.*,Contact.*,Lead.*", "I", "InternalUsers"
};

static const char *const valid[] = {
	"{\"attempt\":\"w_0123456789abcdef01234567\",\"object\":\"Opportunity\","
	"\"id\":\"006000000000001AAA\",\"field\":\"NextStep\",\"value\":\"x\","
	"\"if_unmodified_since\":\"2026-11-30T10:00:00.000+0000\",\"audit\":{"
	"\"Object_Name__c\":\"Opportunity\",\"Record_Id__c\":\"006000000000001\","
	"\"Field_Name__c\":\"NextStep\",\"Old_Value__c\":null,\"New_Value__c\":"
	"\"x\",\"Justification__c\":\"j\",\"Performed_By__c\":\"p\","
	"\"Attempt_Id__c\":\"w_0123456789abcdef01234567\"}}",
	"{\"attempt\":\"w_0123456789abcdef01234567\",\"object\":\"Account\","
	"\"id\":\"001000000000001AAA\",\"title\":\"t\",\"content\":\"PHA+\","
	"\"audit\":{\"Object_Name__c\":\"Account\",\"Record_Id__c\":"
	"\"001000000000001\",\"Performed_By__c\":\"p w_0123456789abcdef01234567\"}}",
	"{\"attempt\":\"w_0123456789abcdef01234567\",\"audit\":{"
	"\"Object_Name__c\":\"Account\",\"Record_Id__c\":\"001000000000001\","
	"\"Field_Name__c\":\"Name\",\"Old_Value__c\":1,\"New_Value__c\":true,"
	"\"Justification__c\":\"j\",\"Performed_By__c\":\"p\",\"Failed__c\":true,"
	"\"Attempt_Id__c\":\"w_0123456789abcdef01234567\"}}",
};

static cJSON	*meta;

/* Every string of v: none holds "@{" but the broker's reference. */
static void
refs_ok(const cJSON *v)
{
	const cJSON	*c;

	if (cJSON_IsString(v) && strstr(v->valuestring, "@{") != NULL &&
	    strcmp(v->valuestring, "@{note.id}") != 0)
		abort();
	if (v->string != NULL && strstr(v->string, "@{") != NULL)
		abort();
	cJSON_ArrayForEach(c, v)
		refs_ok(c);
}

static void
check_request(enum composite_kind k, const char *data, size_t n)
{
	struct composite_req	 q;
	char			 err[1024];
	cJSON			*b;

	if (composite_parse(&conf, k, data, n, &q, err, sizeof(err)) != 0) {
		if (strnlen(err, sizeof(err)) == sizeof(err) || err[0] == '\0')
			abort();
		return;
	}
	if (composite_check(&conf, &q, k == COMPOSITE_UPDATE ? "006" : "001",
	    meta, err, sizeof(err)) == -1) {
		composite_req_free(&q);
		return;
	}
	b = composite_body(&conf, &q);
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, "allOrNone")) ||
	    !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(b,
	    "collateSubrequests")))
		abort();
	refs_ok(b);
	cJSON_Delete(b);
	composite_req_free(&q);
}

static void
check_answer(enum composite_kind k, const char *data, size_t n)
{
	struct composite_req	 q;
	char			 err[512];
	cJSON			*o;
	const cJSON		*id;

	if (composite_parse(&conf, k, valid[k - 1], strlen(valid[k - 1]), &q,
	    err, sizeof(err)) != 0 || composite_check(&conf, &q, k ==
	    COMPOSITE_UPDATE ? "006" : "001", meta, err, sizeof(err)) == -1)
		abort();
	if ((o = composite_answer(&q, data, n, err, sizeof(err))) == NULL) {
		if (err[0] == '\0')
			abort();
	} else if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o,
	    "committed"))) {
		cJSON_ArrayForEach(id, cJSON_GetObjectItemCaseSensitive(o,
		    "ids"))
			if (!cJSON_IsString(id) || strlen(id->valuestring) != 18)
				abort();
	} else if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(o,
	    "error")))
		abort();
	cJSON_Delete(o);
	composite_req_free(&q);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum composite_kind	 k;

	if (meta == NULL) {
		jsonalloc_init();
		meta = cJSON_Parse("{\"NextStep\":{\"updateable\":true},"
		    "\"Name\":{\"updateable\":true},\"Amount\":{\"updateable\":"
		    "true},\"IsClosed\":{\"updateable\":false}}");
	}
	if (size < 1)
		return 0;
	k = (data[0] & 3) == 0 ? COMPOSITE_UPDATE : (enum composite_kind)(data[0]
	    & 3);
	if (data[0] & 4)
		check_answer(k, (const char *)data + 1, size - 1);
	else
		check_request(k, (const char *)data + 1, size - 1);
	return 0;
}
