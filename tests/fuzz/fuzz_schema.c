/*
 * libFuzzer target: tool arguments from a client, validated against a
 * schema shaped like the tools' (patterns, bounds, nesting, formats).  No
 * memory error, and a refusal always says something.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "sfrevops.h"
#include "schema.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char schema_text[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"id\":{\"type\":\"string\",\"pattern\":\"^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$\"},"
	"\"fields\":{\"type\":\"array\",\"minItems\":1,\"maxItems\":100,"
	"\"uniqueItems\":true,\"items\":{\"type\":\"string\",\"pattern\":"
	"\"^[A-Za-z][A-Za-z0-9_]{0,79}(\\\\.[A-Za-z][A-Za-z0-9_]{0,79}){0,4}$\"}},"
	"\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":200},"
	"\"when\":{\"type\":\"string\",\"format\":\"date\"},"
	"\"filter\":{\"type\":\"object\",\"properties\":{\"owner\":"
	"{\"type\":\"string\",\"maxLength\":18}},"
	"\"additionalProperties\":false},"
	"\"mode\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":8},"
	"\"dry_run\":{\"type\":\"boolean\"}},"
	"\"required\":[\"id\"],\"additionalProperties\":false}";

static cJSON	*schema;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	cJSON	*inst;
	char	 err[512];

	if (schema == NULL && ((schema = cJSON_Parse(schema_text)) == NULL ||
	    schema_check(schema, err, sizeof(err)) == -1))
		abort();
	if ((inst = cJSON_ParseWithLength((const char *)data, len)) == NULL)
		return 0;
	err[0] = '\0';
	if (schema_validate(schema, inst, "argument", err, sizeof(err)) == -1 &&
	    err[0] == '\0')
		abort();
	cJSON_Delete(inst);
	return 0;
}
