/*
 * jsonalloc.c: cJSON allocates through xmalloc(), which cannot return
 * NULL, in every process.  Without the hooks, a failed allocation inside
 * cJSON_Parse() or cJSON_Print() comes back as NULL, which the callers
 * would have to tell apart from "not JSON"; with them, running out of
 * memory ends the process with one log line, as everywhere else.
 */
#include "config.h"

#include <stdlib.h>

#include <cjson/cJSON.h>

#include "sfrevops.h"

/* cJSON never asks for 0 bytes today; xmalloc() would call that a bug. */
static void *
jsonalloc_malloc(size_t n)
{
	return xmalloc(n == 0 ? 1 : n);
}

void
jsonalloc_init(void)
{
	cJSON_Hooks	 hooks;

	hooks.malloc_fn = jsonalloc_malloc;
	hooks.free_fn = free;
	cJSON_InitHooks(&hooks);
}
