/*
 * libFuzzer target: one line from stdin, as the front parses it.  No
 * memory error, every message is classified, and an id we would echo
 * is JSON of its own (so the answer line is JSON too).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "sfrevops.h"
#include "jsonrpc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct jr_msg	 m;
	cJSON		*batch = NULL;

	if (jr_parse_line((const char *)data, len, &m, &batch) == 1) {
		cJSON_Delete(batch);
		return 0;
	}
	if (m.kind != JR_INVALID && m.kind != JR_REQUEST &&
	    m.kind != JR_NOTIFICATION && m.kind != JR_RESPONSE)
		abort();
	if (m.id != NULL) {
		cJSON *id = cJSON_Parse(m.id);
		if (id == NULL || !(cJSON_IsString(id) || cJSON_IsNumber(id)))
			abort();
		cJSON_Delete(id);
	}
	jr_free(&m);
	return 0;
}
