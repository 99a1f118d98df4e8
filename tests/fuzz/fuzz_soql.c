/*
 * libFuzzer target: the SOQL guard.  Whatever the input, soql_rewrite()
 * answers without a memory error; an accepted statement comes back with
 * our clauses in it, and feeding that back in changes nothing more
 * (the clauses went where the grammar puts them, and only once).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sfrevops.h"
#include "soql.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct soql_opts	 o = { SOQL_FLS_SECURITY_ENFORCED, SF_MAX_ROWS, 0 };
	struct soql_info	 info;
	char			*out = NULL, *again = NULL, err[512];

	if (soql_rewrite((const char *)data, len, &o, &out, &info, err,
	    sizeof(err)) == -1) {
		if (out != NULL || strncmp(err, "query refused: ", 15) != 0)
			abort();
		return 0;
	}
	if (out == NULL || soql_rewrite(out, strlen(out), &o, &again, &info,
	    err, sizeof(err)) == -1 || strcmp(out, again) != 0)
		abort();
	free(out);
	free(again);
	return 0;
}
