/*
 * common.h: what the tool handlers share (src/tools/common.c): broker
 * answers, dry runs, query pages, the SOQL guard, dates.
 *
 * Functions that return a verdict-or-NULL have set a tool error in the
 * context when they return NULL: the handler returns TOOL_FAIL.
 */
#ifndef TOOLS_COMMON_H
#define TOOLS_COMMON_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "objects.h"
#include "tool.h"

#define DAY_MS		86400000LL

/* Schema pieces of the hand-written output schemas. */
#define REQUEST_SCHEMA \
	"\"request\":{\"type\":\"object\",\"properties\":{" \
	"\"method\":{\"type\":\"string\"},\"path\":{\"type\":\"string\"}," \
	"\"soql\":{\"type\":\"string\"}},\"required\":[\"method\",\"path\"]}"
#define REQUESTS_SCHEMA \
	"\"requests\":{\"type\":\"array\",\"items\":{\"type\":\"object\"," \
	"\"properties\":{\"method\":{\"type\":\"string\"},\"path\":{\"type\":" \
	"\"string\"},\"soql\":{\"type\":\"string\"},\"note\":{\"type\":" \
	"\"string\"}},\"required\":[\"method\",\"path\"]}}"
#define TABLE_SCHEMA \
	"\"columns\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}," \
	"\"rows\":{\"type\":\"array\",\"items\":{\"type\":\"array\"}}"

/* The owner_id argument of the RevOps helpers. */
#define ARG_OWNER_ID \
	{ "owner_id", ARG_STRING, 0, "Only opportunities owned by this " \
	  "user: a User ID, 15 or 18 characters, starting with " PREFIX_USER \
	  ".", 0, 0, \
	  ID_PATTERN, NULL, 0, 0, 0 }

/* An IMSG_ERROR answer (TOOL_SEES_ERRORS): its code and text (free()). */
void	 common_error_parse(struct buf *, uint32_t *code, char **msg);
/* The broker's JSON object answer, parsed once; NULL: the call failed. */
cJSON	*common_answer_json(struct tool_ctx *, struct buf *);
/* Finish a dry run from the broker's answer j (consumed) into out. */
enum tool_verdict common_dry_run_done(struct tool_ctx *, cJSON *j, cJSON *out);
/*
 * One page of a query answer j (consumed): out gets object, returned,
 * total_size, done, cursor, soql and dry_run, then columns and rows
 * (moved, not copied).  -1: the call failed (out freed).
 */
int	 common_page_take(struct tool_ctx *, cJSON *j, cJSON *out);
/* "N of M rows", and how to get the rest with tool's cursor. */
void	 common_page_heading(const cJSON *out, const char *tool,
	    const char *what, char *heading, size_t len);
/* The statement as the broker will send it: the same guard, the same
 * options.  0 and *out (free()), or -1 and the refusal in err. */
int	 common_soql_guard(const struct tool_ctx *, const char *soql,
	    char **out, char *err, size_t errlen);
/* The same, for our own statements: a refusal is a bug. */
char	*common_soql_as_sent(const struct tool_ctx *, const char *soql);
/* flags: REQ_DRY_RUN, REQ_ALL_ROWS (tool.h). */
void	 common_send_query(struct tool_ctx *, unsigned int flags,
	    const char *soql);
void	 common_send_describe(struct tool_ctx *, const char *object);
/* The optional owner_id as an 18-character User ID ("" if absent);
 * -1: the call failed. */
int	 common_arg_owner(struct tool_ctx *, char id18[19]);
/* Dry runs of several requests: one {method, path, soql?, note?}. */
void	 common_request_add(cJSON *list, const char *method, const char *path,
	    const char *soql, const char *note);
/* The entry for describing Opportunity; j is the broker's dry run. */
void	 common_request_add_describe(cJSON *list, const cJSON *j,
	    const char *why);
/*
 * The RevOps helpers' first request: with soql (consumed; a dry run),
 * that statement as a dry run at step query_step; without, the describe
 * of Opportunity at step describe_step, progress saying why (total
 * steps, or 0); flags go with the statement (REQ_ALL_ROWS).  TOOL_WAIT.
 */
enum tool_verdict common_start(struct tool_ctx *, char *soql,
	    unsigned int flags, int query_step, int describe_step, int total,
	    const char *why);
/* The next page of an earlier query: IMSG_SF_MORE with the cursor. */
enum tool_verdict common_send_more(struct tool_ctx *, const char *cursor);
/*
 * A helper's dry run, from the broker's answer j to its one statement:
 * out gets "requests", the describe first (why); then
 * common_plan_broker() adds that statement, common_plan_add() one the
 * handler builds (shown as the broker will send it).  Both append the
 * broker's note on the FLS clause (SFDC_FLS_MODE=auto) to theirs, so
 * that every statement says what the broker decides at the first query.
 */
cJSON	*common_plan_start(const cJSON *j, const char *why);
void	 common_plan_broker(cJSON *out, const cJSON *j, const char *note);
void	 common_plan_add(const struct tool_ctx *, cJSON *out, const cJSON *j,
	    const char *soql, unsigned int flags, const char *note);
/* The REST path of the query endpoint, from a dry-run answer. */
char	*common_path_prefix(const cJSON *j);
/* Money to the cent. */
double	 common_cents(double);

/* pipeline.c: forget the currency learnt (for the unit tests). */
void	 pipeline_currency_forget(void);

/* Dates: date.h. */

#endif /* TOOLS_COMMON_H */
