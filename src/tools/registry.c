/*
 * registry.c: the tools the front lists, in the order it lists them.
 * One line per tool; each tool is its own const struct tool in
 * src/tools/.
 */
#include "config.h"

#include <stddef.h>

#include "tool.h"

#define TOOL_LIST \
	X(tool_get_account) \
	X(tool_get_opportunity) \
	X(tool_get_contact) \
	X(tool_get_lead) \
	X(tool_query) \
	X(tool_pipeline_by_stage) \
	X(tool_stale_opps) \
	X(tool_at_risk_commits) \
	X(tool_update_field) \
	X(tool_add_note)

#define X(t) extern const struct tool t;
TOOL_LIST
#undef X

#define X(t) &t,
const struct tool *const tools[] = { TOOL_LIST };
#undef X

const size_t ntools = sizeof(tools) / sizeof(tools[0]);
