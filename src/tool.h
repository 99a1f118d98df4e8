/*
 * tool.h: what a tool is, and the narrow context its handler runs in.
 *
 * A tool is one file in src/tools/ exporting one const struct tool, and
 * one line in src/tools/registry.c.  Its handlers never see the front:
 * they get a struct tool_ctx holding the validated arguments and their
 * own per-call state, issue typed requests to the broker through it,
 * report progress through it, and answer by returning a verdict:
 *
 *   TOOL_WAIT  requests were issued; call answer() with each answer
 *   TOOL_DONE  ctx->structured and ctx->text hold the result
 *   TOOL_FAIL  ctx->text holds a tool error that says what to do
 *
 * Ownership: the front owns the call and everything hanging off the
 * context.  When the call ends (answered, failed, cancelled or past its
 * deadline) the front frees ctx->state with the tool's state_free,
 * ctx->structured with cJSON_Delete (unless it took it) and ctx->text
 * with free().  A handler only ever sets these fields.
 */
#ifndef TOOL_H
#define TOOL_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "sfrevops.h"

#define TOOL_READ_ONLY		0x01
#define TOOL_DESTRUCTIVE	0x02
#define TOOL_IDEMPOTENT		0x04
#define TOOL_OPEN_WORLD		0x08
#define TOOL_WRITE		0x10	/* through the writer; WR_STATUS applies */
/* Its answer() also gets IMSG_ERROR answers (the check tool). */
#define TOOL_SEES_ERRORS	0x20
/* It states dates of the org's calendar: the front starts it once the
 * running user's time zone is known (or known to be unknown), and fills
 * org_today, time_zone and date_note. */
#define TOOL_ORG_DATES		0x40

/* Flags word of IMSG_SF_GET and IMSG_SF_QUERY (the broker's too). */
#define REQ_DRY_RUN		0x01
#define REQ_DEFAULT_FIELDS	0x02	/* SF_GET: the curated set, trimmed */
/* SF_QUERY: no LIMIT added, so that totalSize counts every row; the
 * broker reads 200 per request all the same (batchSize=200, a cursor). */
#define REQ_ALL_ROWS		0x04

enum tool_verdict {
	TOOL_WAIT = 0,
	TOOL_DONE,
	TOOL_FAIL
};

/*
 * One argument.  The inputSchema is generated from these tables, the
 * validator checks the arguments against that schema, and the handlers
 * read their arguments through the same table (tool_arg_*, which refuse
 * a name the table does not declare with that type).
 */
enum tool_arg_type {
	ARG_STRING = 1,
	ARG_INTEGER,
	ARG_BOOLEAN,
	ARG_STRINGS,		/* an array of strings */
	ARG_SCALAR,		/* a string, number, boolean or null;
				 * min, max bound a string's length */
	ARG_ENUM		/* a string, one of the comma-separated
				 * values in pattern; read with
				 * tool_arg_str */
};

struct tool_arg {
	const char		*name;
	enum tool_arg_type	 type;
	int			 required;
	const char		*description;
	/* bounds; 0 and 0: none.  String: minLength, maxLength; integer:
	 * minimum, maximum; strings: minItems, maxItems. */
	long			 min, max;
	const char		*pattern;	/* string, or each item; ARG_ENUM:
						 * the values, "A,B,C" */
	const char		*format;	/* string: "date" */
	int			 has_default;	/* integer: def is its default */
	long			 def;
	int			 unique;	/* strings: uniqueItems */
};

#define ARG_END		{ NULL, 0, 0, NULL, 0, 0, NULL, NULL, 0, 0, 0 }
/* Every tool takes dry_run. */
#define ARG_DRY_RUN \
	{ "dry_run", ARG_BOOLEAN, 0, "Return the exact request (SOQL and " \
	  "REST path) without sending it.", 0, 0, NULL, NULL, 0, 0, 0 }
#define ID_PATTERN	"^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$"
#define CURSOR_PATTERN	"^c_[0-9a-f]{32}$"

/*
 * Elicitation: the answer of the person (elicitation/create), handed to
 * the tool's answer() as type TOOL_ELICIT_R with the payload u32 action,
 * str content (the JSON object the person filled in, validated against
 * the requested schema; "{}" unless accepted).  An error response, an
 * invalid content or a call that ends while waiting is a cancel.
 */
#define TOOL_ELICIT_R		0x7fff0001u
#define ELICIT_ACCEPT		1
#define ELICIT_DECLINE		2
#define ELICIT_CANCEL		3

/* WR_COMMIT's decision (contrib/WRITES.md). */
#define WR_DECISION_ACCEPTED	1
#define WR_DECISION_DECLINED	2
#define WR_DECISION_CANCELLED	3
#define WR_DECISION_NOT_ASKED	4

struct tool_ctx;

struct tool_ops {
	/* Send a typed request to the broker; its answer (the next type,
	 * or IMSG_ERROR) comes back through tool_answer(). */
	void	(*request)(struct tool_ctx *, uint32_t type, const struct buf *);
	/* A step of a call begins: message names it; total is the number
	 * of steps when known, else 0. */
	void	(*progress)(struct tool_ctx *, int total, const char *message);
	/*
	 * Ask the person: send the client elicitation/create with message
	 * and requested (a flat object schema, copied).  0: asked, the
	 * answer comes as TOOL_ELICIT_R; if the call ends before it (the
	 * client cancelled it, its deadline), the front sends abandon_type
	 * with abandon (copied) in the call's place and drops its answer.
	 * -1: not asked, why says why (the client did not declare the
	 * elicitation capability, or SFDC_CONFIRM_WRITES=never).
	 */
	int	(*elicit)(struct tool_ctx *, const char *message,
		    const cJSON *requested, uint32_t abandon_type,
		    const struct buf *abandon, char *why, size_t whylen);
};

struct tool_ctx {
	const struct tool	*tool;
	const cJSON		*args;		/* validated; the front's */
	const char		*fls_mode;	/* SOQL guard options */
	const char		*commit_stage;	/* SFDC_COMMIT_STAGE_NAME */
	const char		*client;	/* "name version" from initialize,
						 * one line, at most 120 bytes */
	void			*state;		/* the tool's; see state_free */
	int			 step;		/* the tool's */
	/* The outcome: set by tool_done() and tool_fail(). */
	cJSON			*structured;
	char			*text;
	int			 is_error;	/* TOOL_DONE: isError true */
	/* The services, and their owner's cookie. */
	const struct tool_ops	*ops;
	void			*opaque;
	/* "N/M" when the broker said the org's API usage is past
	 * SFDC_API_USAGE_WARN_PCT (common_answer_json); the front adds a
	 * line to the result. */
	char			 org_api_usage[32];
	/* TOOL_ORG_DATES: today in the running user's time zone (days
	 * since 1970-01-01), the zone ("UTC" when it is not known), and a
	 * sentence saying which calendar the dates are in.  time_zone ""
	 * (no front filled it): UTC, see tool_org_today(). */
	long			 org_today;
	char			 time_zone[65];
	char			 date_note[400];
};

struct tool {
	const char		*name;
	const char		*title;
	const char		*description;
	const struct tool_arg	*args;		/* ends with ARG_END */
	const char		*output_schema;	/* JSON text */
	unsigned int		 flags;
	enum tool_verdict	(*start)(struct tool_ctx *);
	/* An answer to one of the call's requests: its type is the
	 * request's plus one (checked by the front); IMSG_ERROR is handled
	 * by tool_answer() and never reaches this. */
	enum tool_verdict	(*answer)(struct tool_ctx *, uint32_t type,
				    struct buf *payload);
	void			(*state_free)(void *);	/* NULL: free() */
	const void		*data;		/* the handler's own constant */
};

/* tools/check.c: sfrevops-mcp check's, in no registry. */
extern const struct tool	 tool_check;

/* tools/registry.c */
extern const struct tool *const	 tools[];
extern const size_t		 ntools;

/* tool.c: the registry's schemas, and the verdict helpers. */
const struct tool *tools_find(const char *name);
/* At start-up: generate and check every schema; fatal if one is broken. */
void	 tools_init(void);
void	 tools_free(void);
const cJSON *tools_input_schema(const struct tool *);
const cJSON *tools_output_schema(const struct tool *);
/* SFDC_TOOLS from the CONFIG object; -1 and err for an unknown name. */
int	 tools_allow(const cJSON *config, char *err, size_t errlen);
/* Listed and callable; every tool before tools_allow(). */
int	 tool_allowed(const struct tool *);
/* The generated inputSchema of t (caller frees). */
cJSON	*tool_schema_generate(const struct tool *t);

/* Hand an answer to the call's tool (IMSG_ERROR: fail with its text). */
enum tool_verdict tool_start(struct tool_ctx *);
enum tool_verdict tool_answer(struct tool_ctx *, uint32_t type,
	    struct buf *payload);
void	 tool_request(struct tool_ctx *, uint32_t type, const struct buf *);
void	 tool_progress(struct tool_ctx *, int total, const char *message);
/* Set the result: structured and text (malloc'ed) are consumed; TOOL_DONE. */
enum tool_verdict tool_done(struct tool_ctx *, cJSON *structured,
	    char *text);
/* Ask the person (tool_ops.elicit). */
int	 tool_elicit(struct tool_ctx *, const char *message,
	    const cJSON *requested, uint32_t abandon_type,
	    const struct buf *abandon, char *why, size_t whylen);
/* Hand the person's answer to the tool: action ELICIT_*, content JSON. */
enum tool_verdict tool_elicit_answer(struct tool_ctx *, uint32_t action,
	    const char *content);
/* Set a tool error; TOOL_FAIL. */
enum tool_verdict tool_fail(struct tool_ctx *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* Today in the org's calendar, and which one (ctx->org_today). */
long	 tool_org_today(const struct tool_ctx *);
const char *tool_time_zone(const struct tool_ctx *);
const char *tool_date_note(const struct tool_ctx *);

/* Arguments, read through the tool's table. */
int	 tool_arg_given(const struct tool_ctx *, const char *name);
int	 tool_arg_bool(const struct tool_ctx *, const char *name);
/* The value, or the table's default. */
long	 tool_arg_int(const struct tool_ctx *, const char *name);
/* A string argument, or NULL. */
const char *tool_arg_str(const struct tool_ctx *, const char *name);
/* A scalar argument (string, number, boolean or null), or NULL when
 * it was not given (a JSON null is a cJSON null, not NULL). */
const cJSON *tool_arg_scalar(const struct tool_ctx *, const char *name);
/* A string-array argument, or NULL. */
const cJSON *tool_arg_strings(const struct tool_ctx *, const char *name);
/* Whether the JSON array arr holds the string v. */
int	 tool_json_has_string(const cJSON *arr, const char *v);

/* records.c: Salesforce records to {columns, rows}, and a text table.
 * records_flatten moves the values out of records (the caller still
 * frees what is left). */
cJSON	*records_flatten(cJSON *records, int *ok);
char	*records_text(const cJSON *table, const char *heading);
char	*records_cell_text(const cJSON *cell);

#endif /* TOOL_H */
