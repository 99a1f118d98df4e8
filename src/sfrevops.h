/*
 * sfrevops-mcp: the one project header.
 *
 * Every process (parent, front, broker, writer) shares the message
 * catalogue below, the framing module (ipc.c), the typed payload buffer
 * (buf.c), logging (log.c) and the small utilities (util.c).
 *
 * Ownership rule: a function that returns a pointer returns memory the
 * caller owns and frees (free(), or the matching *_free()), unless the
 * comment above it says otherwise.
 */
#ifndef SFREVOPS_H
#define SFREVOPS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SFREVOPS_NAME		"sfrevops-mcp"
#define SFREVOPS_PROTO_VERSION	1

/* Fixed descriptors of every child, set up by the parent before exec. */
#define FD_PARENT	3	/* child <-> parent: hello, config, logs, shutdown */
#define FD_PEER_A	4	/* front: broker   broker: front   writer: front */
#define FD_PEER_B	5	/* front: writer   broker: writer  writer: broker */
				/* export: only FD_PARENT; 4 and 5 closed */
#define FD_FIRST_FREE	6
/* The front's end of the broker's start gate, closed once it is
 * sandboxed (main.c, start_gate; proc.c, proc_ready). */
#define FD_START_GATE	7

/* A child whose peer closed its channel exits with this: not the cause. */
#define EXIT_PEER_GONE	3

/* Hard limits.  Everything an attacker controls has one. */
#define IPC_MAX_PAYLOAD		(8u * 1024 * 1024)	/* one framed message */
#define MCP_MAX_LINE		(4u * 1024 * 1024)	/* one JSON-RPC line on stdin */
#define MCP_MAX_DEPTH		64			/* JSON nesting on stdin */
#define MCP_MAX_INFLIGHT	32			/* pending tool calls */
#define SF_MAX_ROWS		200			/* records per request */
#define SF_MAX_SOQL		20000			/* bytes of SOQL we accept */
#define SF_MAX_FIELDS		100			/* fields in one record read */
#define SF_MAX_NAME		80			/* object or field API name */
#define SECRET_MAX		16384			/* token, key or secret */
#define CA_BUNDLE_MAX		(4u * 1024 * 1024)	/* PEM trust anchors */
#define IPC_MAX_FDS		4			/* descriptors waiting */

enum proc_role {
	PROC_PARENT = 0,
	PROC_FRONT,
	PROC_BROKER,
	PROC_WRITER,
	PROC_EXPORT,	/* OpenTelemetry, only when configured (export.c) */
	PROC_MAX
};

/*
 * The message catalogue, one line per type: X(name, number).  A request
 * is even, its answer is the next odd number; IMSG_ERROR (odd) answers
 * any request with a typed refusal.  The enum and the names in ipc.c are
 * generated from this list.  Which channel may send which type, in which
 * state, with which payload shape, and which function handles it, is
 * policy_table.h; nothing else decides it.
 */
#define IMSG_CATALOGUE(X)						\
	X(ERROR,	1)	/* u32 code, str message */		\
	X(HELLO,	2)	/* u32 version, u32 role; first on	\
				   every channel, exactly once */	\
	X(LOG,		4)	/* child -> parent: u32 level, str json	\
				   line */				\
	X(SHUTDOWN,	6)	/* parent -> child: stop now */		\
	X(CONFIG,	8)	/* parent -> child: str json (no	\
				   secrets) */				\
	X(SECRET,	10)	/* parent -> broker only: u32 kind,	\
				   [u32 len, bytes] */			\
	X(READY,	12)	/* child -> parent: sandboxed, serving */ \
	X(CA_BUNDLE,	14)	/* parent -> broker only: str name,	\
				   bytes PEM */				\
	X(CONNECT,	16)	/* broker -> parent: str host, u32	\
				   port: a TCP connection to it */	\
	X(CONNECT_R,	17)	/* u32 0, the socket as SCM_RIGHTS */	\
	X(JOURNAL,	18)	/* parent -> writer at start: u32 errno	\
				   (0: the journal follows as		\
				   SCM_RIGHTS), str path (errno: why,	\
				   naming it) */			\
	/* front or writer -> broker: reads */				\
	X(SF_GET,	20)	/* u32 flags, str object, str id,	\
				   str fields (csv) */			\
	X(SF_GET_R,	21)	/* str json record */			\
	X(SF_QUERY,	22)	/* u32 flags, str soql (validated again	\
				   by the broker) */			\
	X(SF_QUERY_R,	23)	/* str json page */			\
	X(SF_MORE,	24)	/* str cursor */			\
	X(SF_MORE_R,	25)	/* str json page */			\
	X(SF_DESCRIBE,	26)	/* str object */			\
	X(SF_DESCRIBE_R, 27)	/* str json {object, fields: [names],	\
				   picklists: {field: [values]}} */	\
	X(CANCEL,	28)	/* (empty); hdr.id names the request to	\
				   abort.  No answer of its own: the	\
				   request it names is answered (once,	\
				   as always) with IMSG_ERROR		\
				   SFE_CANCELLED, or with its ordinary	\
				   answer if that was already on its	\
				   way.  An id not pending: ignored. */	\
	X(SF_IDENTITY,	30)	/* (empty): who the token is, which org	\
				   (three reads once, then cached) */	\
	X(SF_IDENTITY_R, 31)	/* str json {user_id, username, name,	\
				   zoneinfo, organization_id, org_name,	\
				   is_sandbox, org_type, instance} */	\
	X(EVENT,	34)	/* parent -> export: str json, one	\
				   event (a tool call, start, stop) */	\
	X(LOGIN_TOKEN,	32)	/* broker -> parent, login mode only,	\
				   unsolicited: str refresh token, str	\
				   instance URL (cli_login.c) */	\
	X(TZ_QUERY,	36)	/* front -> parent: str zone name (the	\
				   running user's, tz.h) */		\
	X(TZ_R,		37)	/* str json [[utc, offset], ...] */	\
	/* writer -> broker only: mutations (contrib/WRITES.md) */	\
	X(SF_WRITE_UPDATE, 40)	/* u32 flags, str json: audit row and	\
				   one field update, one composite */	\
	X(SF_WRITE_UPDATE_R, 41) /* str json outcome */			\
	X(SF_WRITE_NOTE, 42)	/* u32 flags, str json: ContentNote,	\
				   its link and its audit row */	\
	X(SF_WRITE_NOTE_R, 43)	/* str json outcome */			\
	X(SF_AUDIT_FAILED, 44)	/* u32 flags, str json: an audit row	\
				   with Failed__c true */		\
	X(SF_AUDIT_FAILED_R, 45) /* str json outcome */			\
	/* front <-> writer (contrib/WRITES.md) */			\
	X(WR_COMMIT,	56)	/* str plan id, u32 decision */		\
	X(WR_COMMIT_R,	57)	/* str json outcome */			\
	X(WR_STATUS,	58)	/* writer -> front, unsolicited, no	\
				   answer: str json {writes, reason} */	\
	X(WR_NOTE,	60)	/* u32 flags, str json request */	\
	X(WR_NOTE_R,	61)	/* str json plan */			\
	X(WR_UPDATE,	62)	/* u32 flags, str json request */	\
	X(WR_UPDATE_R,	63)	/* str json plan */

enum imsg_type {
	IMSG_NONE = 0,
#define IMSG_ENUM(name, num)	IMSG_##name = num,
	IMSG_CATALOGUE(IMSG_ENUM)
#undef IMSG_ENUM
	IMSG_MAX = 64		/* every type is below: a bit of a u64 */
};

/* Kinds of IMSG_SECRET. */
enum secret_kind {
	SECRET_ACCESS_TOKEN = 1,
	SECRET_REFRESH_TOKEN,
	SECRET_CLIENT_SECRET,
	SECRET_PRIVATE_KEY,
	SECRET_DONE,		/* no more secrets follow */
	SECRET_AUTH_CODE,	/* login: the authorization code */
	SECRET_CODE_VERIFIER,	/* login: its PKCE code_verifier */
	SECRET_KINDS		/* bound of the kinds, not one */
};

/* Codes carried by IMSG_ERROR. */
enum sf_err {
	SFE_OK = 0,
	SFE_POLICY = 1,		/* refused by the policy table */
	SFE_INVALID = 2,	/* bad argument (id, object, field, soql) */
	SFE_SALESFORCE = 3,	/* Salesforce answered with an error body */
	SFE_AUTH = 4,		/* no valid token and none could be obtained */
	SFE_NETWORK = 5,	/* connection, TLS or timeout */
	SFE_LIMIT = 6,		/* REQUEST_LIMIT_EXCEEDED or our own cap */
	SFE_NOT_FOUND = 7,
	SFE_INTERNAL = 8,
	SFE_CURSOR = 9,		/* unknown or expired cursor */
	SFE_CANCELLED = 10,	/* aborted by IMSG_CANCEL */
	SFE_DEADLINE = 11,	/* the call's time limit passed */
	SFE_AMBIGUOUS = 12	/* a mutation was sent and no answer came:
				   it may or may not have been applied */
};

/* log.c */
enum log_level {
	LOG_LVL_DEBUG = 0,
	LOG_LVL_INFO,
	LOG_LVL_NOTICE,
	LOG_LVL_WARNING,
	LOG_LVL_ERROR,
	LOG_LVL_CRITICAL
};
typedef void (*log_sink_fn)(int level, const char *line, size_t len);
void	 log_init(enum proc_role, int level);
void	 log_set_sink(log_sink_fn);
/* The parent's own lines, where its children's go (logsink.c). */
void	 log_set_output(log_sink_fn);
void	 log_set_level(int);
int	 log_get_level(void);
const char *log_level_name(int);
int	 log_level_parse(const char *);
void	 log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_errorx(const char *, ...) __attribute__((format(printf, 1, 2)));
/* Emit a prepared JSON object (without the ts/level/proc keys). */
void	 log_json(int level, const char *msg, const char *extra_json);
void	 fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	 fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	 log_write_line(const char *line, size_t len);
const char *proc_name(enum proc_role);

/* util.c: allocation that cannot return NULL, bounded strings */
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
int	 xasprintf(char **, const char *, ...) __attribute__((format(printf, 2, 3)));
size_t	 strlcpy_sf(char *, const char *, size_t);
int	 utf8_valid(const char *, size_t);
/* The length of the one UTF-8 sequence at s (len > 0), 0 if invalid;
 * its code point in *cp if cp is not NULL. */
size_t	 utf8_seq(const unsigned char *s, size_t len, unsigned int *cp);
/* Text from a remote party as one clean line: control characters and
 * runs of spaces become one space, ends trimmed, cut to fit dstlen. */
void	 str_oneline(char *dst, size_t dstlen, const char *src);
/* Close every descriptor from lowfd up; cannot fail (fatal if it does). */
void	 closefrom_sf(int lowfd);
#define HOST_MAX	253	/* a DNS name */
/*
 * Where a URL connects: https://host[:port], http://host[:port], a bare
 * host[:port] (a proxy, port 1080 as libcurl), [v6] literals, user:pass@
 * skipped.  0, or -1 if it is none of these.
 */
int	 url_hostport(const char *url, char *host, size_t hostlen,
	    unsigned int *port);
int	 fd_set_nonblock(int);
int	 fd_set_cloexec(int, int);
uint64_t now_ms(void);

/* jsonalloc.c: cJSON allocates with xmalloc(); first thing in main() */
void	 jsonalloc_init(void);

/* buf.c: typed payloads with exact length checks */
struct buf {
	uint8_t	*data;
	size_t	 len;	/* bytes written */
	size_t	 cap;
	size_t	 off;	/* read position */
};
void	 buf_init(struct buf *);
void	 buf_from(struct buf *, const void *, size_t);	/* borrows memory */
void	 buf_free(struct buf *);
void	 buf_put_u32(struct buf *, uint32_t);
void	 buf_put_bytes(struct buf *, const void *, size_t);
void	 buf_put_str(struct buf *, const char *);
void	 buf_put_strn(struct buf *, const char *, size_t);
int	 buf_get_u32(struct buf *, uint32_t *);
/* A string: no NUL inside, at most max bytes; *out is NUL-terminated. */
int	 buf_get_str(struct buf *, char **out, size_t max);
int	 buf_get_end(struct buf *);	/* -1 if bytes are left over */

/* ipc.c: framed messages on a non-blocking stream socket */
struct ipc_hdr {
	uint32_t type;
	uint32_t len;		/* payload bytes after the header */
	uint32_t id;		/* request id, echoed in the answer */
	uint32_t pad;		/* must be 0 */
};
struct ipc_msg {
	struct ipc_hdr	 hdr;
	uint8_t		*data;	/* hdr.len bytes, owned by the message */
};
struct ipc_out;
struct ipc {
	int		 fd;
	enum proc_role	 peer;
	int		 hello_seen;
	uint64_t	 once_seen;	/* once-only types received (bit = type) */
	int		 fds_ok;	/* the peer may pass descriptors */
	int		 fds[IPC_MAX_FDS];	/* received, not yet taken */
	int		 nfds;
	uint8_t		*rbuf;
	size_t		 rlen;
	size_t		 rcap;
	struct ipc_out	*out_head;
	struct ipc_out	*out_tail;
	size_t		 out_bytes;
};
void	 ipc_init(struct ipc *, int fd, enum proc_role peer);
void	 ipc_close(struct ipc *);
void	 ipc_send(struct ipc *, uint32_t type, uint32_t id, const void *, size_t);
void	 ipc_send_buf(struct ipc *, uint32_t type, uint32_t id, const struct buf *);
void	 ipc_send_error(struct ipc *, uint32_t id, uint32_t code, const char *msg);
/* Send with a descriptor, which the channel then owns (and closes). */
void	 ipc_send_fd(struct ipc *, uint32_t type, uint32_t id,
	    const struct buf *, int fd);
/* The oldest descriptor received and not yet taken (caller owns), or -1. */
int	 ipc_take_fd(struct ipc *);
void	 ipc_send_hello(struct ipc *, enum proc_role self);
int	 ipc_want_write(const struct ipc *);
/* 0 ok, -1 error (errno) */
int	 ipc_flush(struct ipc *);
int	 ipc_flush_blocking(struct ipc *, int timeout_ms);
/* Read what is available: 1 data read, 0 EOF, -1 error. */
int	 ipc_read(struct ipc *);
/*
 * Take the next complete message.  1: *msg filled (caller frees with
 * ipc_msg_free), 0: none yet, -1: protocol violation (message in errbuf).
 */
int	 ipc_get(struct ipc *, struct ipc_msg *, char *errbuf, size_t errlen);
void	 ipc_msg_free(struct ipc_msg *);
/*
 * The next message that is not the HELLO: 1 got one (caller frees), 0
 * none yet.  A protocol violation is fatal: the peer is presumed
 * compromised.
 */
int	 ipc_next(struct ipc *, struct ipc_msg *);
/* Blocking: wait for one whole message (startup only). */
int	 ipc_recv_blocking(struct ipc *, struct ipc_msg *, int timeout_ms,
	    char *errbuf, size_t errlen);
int	 ipc_check_hello(struct ipc *, const struct ipc_msg *, char *, size_t);
const char *imsg_name(uint32_t);

/* policy.c: who may send what (the table is policy_table.h) */
enum policy_state {
	PS_START = 1,		/* before the receiver is sandboxed and ready */
	PS_RUN = 2		/* serving */
};
/* 0: the sender may send this type to the receiver now; -1: refuse. */
int	 policy_check(enum proc_role sender, enum proc_role receiver,
	    uint32_t type, enum policy_state);
/*
 * The whole verdict on one message: a row for (sender, receiver, type),
 * the state, the payload's shape and size, and the once-only flag
 * against *once_seen (updated when admitted).  0, or -1 with the reason
 * in errbuf.
 */
int	 policy_verdict(enum proc_role sender, enum proc_role receiver,
	    enum policy_state, const struct ipc_msg *, uint64_t *once_seen,
	    char *errbuf, size_t errlen);
/*
 * policy_verdict() for a message from a peer; a refused one is logged
 * and ends the process: the peer is presumed compromised.
 */
void	 policy_admit(enum proc_role receiver, struct ipc *from,
	    enum policy_state, const struct ipc_msg *);
/* A process's handlers, generated from the rows it receives. */
typedef void (*policy_handler_fn)(void *arg, struct ipc *from, uint32_t id,
	    struct buf *payload);
struct policy_handler {
	enum proc_role		 sender;
	enum proc_role		 receiver;
	uint32_t		 type;
	policy_handler_fn	 fn;
};
/*
 * Admit msg (or exit) and hand its payload to the handler of its row.
 * A row without a handler in this state is a start-up message: fatal.
 */
void	 policy_dispatch(enum proc_role receiver, struct ipc *from,
	    enum policy_state, struct ipc_msg *,
	    const struct policy_handler *, size_t, void *arg);
/* The handler of an admitted msg's row, called; none is fatal. */
void	 policy_call(enum proc_role receiver, struct ipc *from,
	    const struct ipc_msg *, const struct policy_handler *, size_t,
	    void *arg);
/* Does answer answer request (request + 1, or IMSG_ERROR)? */
int	 policy_answers(uint32_t request, uint32_t answer);
/* Does the payload match shape ("u" u32, "s" string, "*" rest)? */
int	 policy_shape_ok(const char *shape, const uint8_t *, size_t);
/* Objects whose records the get tools may read, with their key prefix. */
const char *policy_object_prefix(const char *object);
int	 policy_name_valid(const char *name);
/* 1 if host is below a domain Salesforce serves orgs from. */
int	 policy_salesforce_host(const char *host);
/*
 * 1 if a and b are Salesforce hosts of the same My Domain (acme.my...,
 * acme--uat.sandbox.my..., acme.lightning.force.com): where a token
 * answer may move an org's instance.  Anybody can have a My Domain of
 * their own, so any Salesforce host would let the token go to another
 * org.
 */
int	 policy_same_mydomain(const char *a, const char *b);
/*
 * Validate a Salesforce ID (15 or 18 characters, checksum, key prefix)
 * and write its canonical 18-character form into out18.  expect_prefix
 * may be NULL.  0 valid; -1 with a sentence in errbuf.
 */
int	 policy_id_valid(const char *id, const char *expect_prefix,
	    char out18[19], char *errbuf, size_t errlen);
void	 sfid_checksum(const char *id15, char out[3]);

/* sandbox.c */
enum sandbox_mode {
	SANDBOX_ENFORCE = 0,	/* default action: kill the process */
	SANDBOX_TEST_ERRNO	/* tests only: forbidden calls fail with EPERM */
};
void	 sandbox_rlimits(enum proc_role);
int	 sandbox_landlock(enum proc_role, const char *const *ro_paths);
int	 sandbox_seccomp(enum proc_role, enum sandbox_mode);
/* sandbox-drop.c: in the parent's fork child, before exec */
void	 sandbox_drop_privileges(void);
void	 sandbox_apply(enum proc_role, const char *const *ro_paths);

/*
 * Process entry points.  Each child is its own executable, installed in
 * $(pkglibexecdir) and started by the parent only: src/front-main.c,
 * broker-main.c and writer-main.c call proc_init() and then these.
 */
int	 front_main(void);
int	 broker_main(void);
int	 writer_main(void);
int	 export_main(void);

/* child side of the parent channel (proc.c) */
struct proc_ctx {
	enum proc_role	 self;
	struct ipc	 parent;
	char		*config_json;	/* from IMSG_CONFIG */
	int		 stop;		/* IMSG_SHUTDOWN arrived */
	/* The parent's answers to the child's own requests (the front's
	 * TZ_QUERY): type, id, payload; NULL: none are expected. */
	void		(*answer)(void *, uint32_t, uint32_t, struct buf *);
	void		*answer_arg;
};
/*
 * First thing in a child's main(): check that it was started by the
 * parent as that child ("-R role"; exit 2 otherwise), install the cJSON
 * allocator, name the process for ps(1).
 */
void	 proc_init(int argc, char *argv[], enum proc_role);
void	 proc_start(struct proc_ctx *, enum proc_role);
void	 proc_ready(struct proc_ctx *);
/* Flush the last logs, close the parent channel, free the config. */
void	 proc_end(struct proc_ctx *);
/* Open the channel to a peer on fd: our HELLO goes first. */
void	 proc_peer_open(struct proc_ctx *, struct ipc *, int fd,
	    enum proc_role peer);
/* Flush to a peer; a peer that is gone ends us with EXIT_PEER_GONE. */
void	 proc_flush(struct proc_ctx *, struct ipc *);
/*
 * The loop of a child with two peers (broker, writer): flush what is
 * queued, hand what arrives from a or b to dispatch(arg, peer).  Returns
 * 0 when the parent asks to shut down, EXIT_PEER_GONE when a peer left.
 */
int	 proc_serve(struct proc_ctx *, struct ipc *a, struct ipc *b,
	    void (*dispatch)(void *, struct ipc *), void *arg);
/* Handle one message from the parent; 0 go on, 1 shutdown requested. */
int	 proc_dispatch_parent(struct proc_ctx *);
/*
 * Broker only: a TCP connection to host:port from the parent (whose
 * connector.c decides); the socket may still be connecting.  -1 with the
 * reason in errbuf.
 */
int	 proc_connect(struct proc_ctx *, const char *host, unsigned int port,
	    int timeout_ms, char *errbuf, size_t errlen);
/* Handlers of a late answer to a connection request that timed out. */
void	 proc_connect_late(void *ctx, struct ipc *, uint32_t, struct buf *);
void	 proc_error_late(void *ctx, struct ipc *, uint32_t, struct buf *);
/* The handlers of the parent's answers to the front (ctx->answer). */
void	 proc_parent_tz(void *ctx, struct ipc *, uint32_t, struct buf *);
void	 proc_parent_error(void *ctx, struct ipc *, uint32_t, struct buf *);
/* The handler of IMSG_SHUTDOWN (policy_table.h): sets ctx->stop. */
void	 proc_shutdown(void *ctx, struct ipc *, uint32_t, struct buf *);
void	 proc_log_sink(int, const char *, size_t);
/* Every process keeps the config JSON; these read it. */
const char *proc_config_str(struct proc_ctx *, const char *key, const char *def);
long	 proc_config_int(struct proc_ctx *, const char *key, long def);

#endif /* SFREVOPS_H */
