/*
 * tools.h: the tool registry of the front.  One table entry and one
 * handler per tool; the schemas in the table are what tools/list
 * advertises and what the arguments are validated against.
 */
#ifndef TOOLS_H
#define TOOLS_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "sfrevops.h"

#define TOOL_READ_ONLY		0x01
#define TOOL_DESTRUCTIVE	0x02
#define TOOL_IDEMPOTENT		0x04
#define TOOL_OPEN_WORLD		0x08

struct front;
struct call;

struct tool {
	const char	*name;
	const char	*title;
	const char	*description;
	const char	*input_schema;	/* JSON text */
	const char	*output_schema;	/* JSON text */
	unsigned int	 flags;
	/* Start the call: send requests, or finish at once.  0 ok, -1 with
	 * a message in errbuf (the call ends as a tool error). */
	int		(*start)(struct front *, struct call *, char *, size_t);
	/* An answer to one of the call's requests arrived. */
	void		(*answer)(struct front *, struct call *, uint32_t type,
			    struct buf *payload);
};

/* One tools/call in progress. */
struct call {
	struct call		*next;
	const struct tool	*tool;
	char			*rpc_id;	/* JSON text of the request id */
	cJSON			*args;		/* validated arguments (owned) */
	uint32_t		 ipc_id;	/* outstanding request, 0 if none */
	int			 step;		/* for multi-request tools */
	int			 cancelled;
	uint64_t		 started_ms;
	char			 args_hash[33];	/* keyed BLAKE2b, hex, for logs */
	void			*state;		/* the tool's, freed with free() */
};

extern const struct tool	 tools[];
extern const size_t		 ntools;

const struct tool *tools_find(const char *name);
/* At start-up: parse and check every schema, fatal if one is broken. */
void	 tools_init(void);
void	 tools_free(void);
const cJSON *tools_input_schema(const struct tool *);
const cJSON *tools_output_schema(const struct tool *);

/* Flags word of SF_GET and SF_QUERY. */
#define REQ_DRY_RUN		0x01

/* Schema pieces every tool shares. */
#define DRY_RUN_PROP \
	"\"dry_run\":{\"type\":\"boolean\",\"description\":\"Return the " \
	"exact request (SOQL and REST path) without sending it.\"}"
#define REQUEST_SCHEMA \
	"\"request\":{\"type\":\"object\",\"properties\":{" \
	"\"method\":{\"type\":\"string\"},\"path\":{\"type\":\"string\"}," \
	"\"soql\":{\"type\":\"string\"}},\"required\":[\"method\",\"path\"]}"

/* tools.c: helpers for the handlers. */
int	 tools_arg_bool(const struct call *, const char *name);
/* A string argument, or NULL. */
const char *tools_arg_str(const struct call *, const char *name);
/* The broker's JSON answer; NULL after failing the call if it is bad. */
cJSON	*tools_answer_json(struct front *, struct call *, struct buf *);
/* Finish a dry run from the broker's answer j (consumed) into out. */
void	 tools_dry_run_done(struct front *, struct call *, cJSON *j,
	    cJSON *out);
/*
 * One page of a query answer j (consumed): out gets object, returned,
 * total_size, done, cursor, soql and dry_run; returns the records as
 * {columns, rows}, or NULL after failing the call.
 */
cJSON	*tools_page_take(struct front *, struct call *, cJSON *j, cJSON *out);
/*
 * The statement as the broker will send it: the same guard with the
 * same options.  0 and *out (free()), or -1 and the refusal in err.
 */
int	 tools_soql_guard(struct front *, const char *soql, char **out,
	    char *err, size_t errlen);
/* "N of M rows", and how to get the rest with tool's cursor. */
void	 tools_page_heading(const cJSON *out, const char *tool,
	    const char *what, char *heading, size_t len);

/* revops.c: the RevOps helpers' schemas and handlers. */
extern const char revops_pipeline_input[], revops_pipeline_output[];
extern const char revops_stale_input[], revops_stale_output[];
extern const char revops_risk_input[], revops_risk_output[];
int	 revops_pipeline_start(struct front *, struct call *, char *, size_t);
void	 revops_pipeline_answer(struct front *, struct call *, uint32_t,
	    struct buf *);
int	 revops_stale_start(struct front *, struct call *, char *, size_t);
void	 revops_stale_answer(struct front *, struct call *, uint32_t,
	    struct buf *);
int	 revops_risk_start(struct front *, struct call *, char *, size_t);
void	 revops_risk_answer(struct front *, struct call *, uint32_t,
	    struct buf *);

/* Provided by front.c for the handlers. */
void	 front_send_broker(struct front *, struct call *, uint32_t type,
	    const struct buf *);
void	 front_send_writer(struct front *, struct call *, uint32_t type,
	    const struct buf *);
/* Finish with a result: structured is consumed, text is copied. */
void	 front_call_done(struct front *, struct call *, cJSON *structured,
	    const char *text);
/* Finish with a tool error (isError: true) whose text says what to do. */
void	 front_call_fail(struct front *, struct call *, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Finish with the broker's IMSG_ERROR payload. */
void	 front_call_fail_ipc(struct front *, struct call *, struct buf *);
const char *front_fls_mode(struct front *);
/* SFDC_COMMIT_STAGE_NAME: the stage that counts as commit. */
const char *front_commit_stage(struct front *);

/* Compact output: Salesforce records to {columns, rows} and a text table. */
/* records.c: Salesforce records to {columns, rows}, and a text table. */
cJSON	*records_flatten(const cJSON *records, int *ok);
char	*records_text(const cJSON *table, const char *heading);
char	*records_cell_text(const cJSON *cell);

#endif
