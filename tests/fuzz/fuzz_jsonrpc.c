/*
 * libFuzzer target: one line from stdin, as the front parses it.  No
 * memory error, and every message is classified.
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
	jr_free(&m);
	return 0;
}
