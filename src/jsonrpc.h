/*
 * jsonrpc.h: JSON-RPC 2.0 messages, one per line.
 */
#ifndef JSONRPC_H
#define JSONRPC_H

#include <stddef.h>

#include <cjson/cJSON.h>

#define JR_PARSE_ERROR		-32700
#define JR_INVALID_REQUEST	-32600
#define JR_METHOD_NOT_FOUND	-32601
#define JR_INVALID_PARAMS	-32602
#define JR_INTERNAL_ERROR	-32603

enum jr_kind {
	JR_REQUEST,		/* method and id: answer it */
	JR_NOTIFICATION,	/* method, no id: never answer */
	JR_RESPONSE,		/* result or error: we send no requests */
	JR_INVALID		/* answer with code/message (and id if known) */
};

struct jr_msg {
	enum jr_kind	 kind;
	cJSON		*root;		/* owned */
	const char	*method;	/* points into root */
	const cJSON	*params;	/* object or NULL */
	char		*id;		/* the id as JSON text, exactly as sent */
	int		 code;		/* JR_INVALID: the error to answer */
	int		 notification;	/* no id: never answer, even if invalid */
	char		 message[200];
};

/* Depth of JSON nesting in text (outside strings); stops counting at max+1. */
int	 jr_depth(const char *, size_t, int max);
/* Parse one element (a line, or a member of a batch) into msg. */
void	 jr_parse_value(cJSON *value, const char *raw, size_t rawlen,
	    struct jr_msg *);
/* Parse one line: strict RFC 8259 JSON in valid UTF-8, at most
 * MCP_MAX_DEPTH deep (else -32700); a \u0000 anywhere is refused with
 * -32600 or -32602 naming its path (see jsonrpc.c).  Returns 1 if the
 * line is a batch (array): then *batch holds the parsed array (caller
 * owns it) and msg is untouched; a member holding a \u0000 carries a
 * note that jr_parse_value() turns into its refusal. */
int	 jr_parse_line(const char *line, size_t len, struct jr_msg *,
	    cJSON **batch);
void	 jr_free(struct jr_msg *);

/* Serialise; each returns a malloc'ed line without the newline.
 * result and data are consumed. id may be NULL (error without id). */
char	*jr_result(const char *id, cJSON *result);
char	*jr_error(const char *id, int code, const char *message, cJSON *data);
char	*jr_notification(const char *method, cJSON *params);

/* Find the raw text of member `key` of the top-level object in text that
 * is already known to be valid JSON.  For tests and for exact ids. */
int	 jr_member_raw(const char *text, size_t len, const char *key,
	    const char **start, size_t *tlen);

#endif
