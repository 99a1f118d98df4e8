/*
 * libFuzzer target: a tools/call's arguments, validated as the front
 * validates them today (src/front.c: schema_validate() against the
 * tool's own inputSchema from src/tools.c), for every tool.
 *
 * Input: byte 0 picks the tool (modulo the number of tools), then the
 * arguments' JSON.  As the front, null means {} and anything else but
 * an object is not validated.  Checked: no memory error; a refusal is
 * one sentence (non-empty, no control character: user input is
 * escaped); the verdict is the same on a second validation of a fresh
 * copy (nothing depends on state left by an earlier call).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sfrevops.h"
#include "schema.h"
#include "tool.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static int		 init;
	const struct tool	*t;
	cJSON			*args, *copy;
	char			 err[1024], err2[1024];
	int			 v, v2;
	size_t			 i;

	if (!init) {
		log_init(PROC_FRONT, LOG_LVL_CRITICAL);
		tools_init();
		init = 1;
	}
	if (len < 1)
		return 0;
	t = tools[data[0] % ntools];
	args = cJSON_ParseWithLength((const char *)data + 1, len - 1);
	if (args == NULL)
		return 0;
	if (!cJSON_IsObject(args) && !cJSON_IsNull(args)) {
		cJSON_Delete(args);
		return 0;
	}
	copy = cJSON_IsNull(args) ? cJSON_CreateObject() :
	    cJSON_Duplicate(args, 1);
	err[0] = '\0';
	v = schema_validate(tools_input_schema(t), copy, "argument", err,
	    sizeof(err));
	if (v == -1) {
		if (err[0] == '\0' || strnlen(err, sizeof(err)) ==
		    sizeof(err))
			abort();
		for (i = 0; err[i] != '\0'; i++)
			if ((unsigned char)err[i] < 0x20)
				abort();
	} else if (v != 0)
		abort();
	cJSON_Delete(copy);
	copy = cJSON_IsNull(args) ? cJSON_CreateObject() :
	    cJSON_Duplicate(args, 1);
	err2[0] = '\0';
	v2 = schema_validate(tools_input_schema(t), copy, "argument", err2,
	    sizeof(err2));
	if (v2 != v || strcmp(err, err2) != 0)
		abort();
	cJSON_Delete(copy);
	cJSON_Delete(args);
	return 0;
}
