/*
 * policy_table.h: every message that may travel between the processes,
 * one row each, default deny.  As OpenSSH's mon_table, the table is the
 * dispatcher: each receiving process generates its handler table from
 * the rows it receives, and policy.c generates the verdict table from
 * all of them, so what is allowed and what is handled cannot drift.
 *
 *	ROW(sender, receiver, type, states, shape, max_len, once, handler)
 *
 * states:	START (before the receiver is sandboxed and ready), RUN, ANY
 * shape:	the payload's fields in order: u (u32), s (u32 length and that
 *		many bytes, no NUL), * (the rest, any bytes); exact, nothing
 *		may be left over
 * max_len:	payload bytes at most
 * once:	ONCE for types that may arrive only once per channel, MANY
 * handler:	the receiving process's function, or NULL for a message the
 *		receiver reads in sequence where it expects it (start-up)
 *		or routes itself (the front matches each answer with its
 *		pending request after the verdict); for the answer to the
 *		broker's CONNECT, read where it waits, the row's handler
 *		takes only a late answer to a request whose wait timed out
 *
 * The front may only read: no row lets it reach a mutation.  Only the
 * writer may send the three mutation shapes (SF_WRITE_UPDATE,
 * SF_WRITE_NOTE, SF_AUDIT_FAILED), and only to the broker, which builds
 * each composite request itself (contrib/WRITES.md).  WR_STATUS is the
 * one unsolicited message between children: the front routes it
 * before it matches answers with requests.
 */
#ifndef POLICY_TABLE_H
#define POLICY_TABLE_H

#define PT_CONFIG_MAX	(64u * 1024)
#define PT_SECRET_MAX	(8u + SECRET_MAX)
#define PT_CA_MAX	(8u + 1024 + CA_BUNDLE_MAX)
#define PT_LOG_MAX	(8u + 64 * 1024)
#define PT_ERROR_MAX	(8u + 64 * 1024)
#define PT_GET_MAX	(16u + SF_MAX_NAME + 18 + SF_MAX_SOQL)
#define PT_QUERY_MAX	(8u + SF_MAX_SOQL)
#define PT_MORE_MAX	(4u + 64)
#define PT_DESCRIBE_MAX	(4u + SF_MAX_NAME)
#define PT_ANSWER_MAX	IPC_MAX_PAYLOAD
#define PT_CONNECT_MAX	(8u + 253)
#define PT_WRITE_MAX	(8u + 1024 * 1024)	/* a note of 32 KiB, escaped */
#define PT_PLAN_MAX	(8u + 1024 * 1024)
#define PT_COMMIT_MAX	(8u + 64)
#define PT_STATUS_MAX	(4u + 4096)
#define PT_JOURNAL_MAX	(8u + 4096)
#define PT_TZ_QUERY_MAX	(4u + 64)		/* TZ_NAME_MAX */
#define PT_TZ_MAX	(4u + 64 * 48)		/* TZ_MAX_TRANS pairs */
#define PT_EVENT_MAX	(4u + 2048)	/* one event for the exporter */

#define POLICY_TABLE(ROW)						\
	/* The parent configures its children, then only stops them. */\
	ROW(PARENT, FRONT,  CONFIG,    START, "s",  PT_CONFIG_MAX, ONCE, NULL) \
	ROW(PARENT, BROKER, CONFIG,    START, "s",  PT_CONFIG_MAX, ONCE, NULL) \
	ROW(PARENT, WRITER, CONFIG,    START, "s",  PT_CONFIG_MAX, ONCE, NULL) \
	ROW(PARENT, BROKER, SECRET,    START, "u*", PT_SECRET_MAX, MANY, NULL) \
	ROW(PARENT, BROKER, CA_BUNDLE, START, "s*", PT_CA_MAX,     ONCE, NULL) \
	ROW(PARENT, WRITER, JOURNAL,   START, "us", PT_JOURNAL_MAX, ONCE, NULL) \
	ROW(PARENT, FRONT,  SHUTDOWN,  ANY,   "",   0, ONCE, proc_shutdown) \
	ROW(PARENT, BROKER, SHUTDOWN,  ANY,   "",   0, ONCE, proc_shutdown) \
	ROW(PARENT, WRITER, SHUTDOWN,  ANY,   "",   0, ONCE, proc_shutdown) \
	/* The parent connects for the broker (connector.c). */	\
	ROW(BROKER, PARENT, CONNECT,   RUN, "su", PT_CONNECT_MAX, MANY, parent_connect) \
	ROW(PARENT, BROKER, CONNECT_R, RUN, "u",  4,              MANY, proc_connect_late) \
	ROW(PARENT, BROKER, ERROR,     RUN, "us", PT_ERROR_MAX,   MANY, proc_error_late) \
	/* sfrevops-mcp login: the broker alone, started to exchange	\
	 * one authorization code (cli_login.c); the parent refuses	\
	 * these in any other mode. */					\
	ROW(BROKER, PARENT, LOGIN_TOKEN,   RUN, "ss", PT_SECRET_MAX + 1024, ONCE, parent_login_token) \
	ROW(BROKER, PARENT, SF_IDENTITY_R, RUN, "s",  PT_ANSWER_MAX, ONCE, parent_login_identity) \
	ROW(BROKER, PARENT, ERROR,         RUN, "us", PT_ERROR_MAX,  ONCE, parent_login_error) \
	/* Children report to the parent. */				\
	ROW(FRONT,  PARENT, LOG,   ANY,   "us", PT_LOG_MAX, MANY, parent_log) \
	ROW(BROKER, PARENT, LOG,   ANY,   "us", PT_LOG_MAX, MANY, parent_log) \
	ROW(WRITER, PARENT, LOG,   ANY,   "us", PT_LOG_MAX, MANY, parent_log) \
	ROW(FRONT,  PARENT, READY, START, "",   0, ONCE, parent_ready)	\
	ROW(BROKER, PARENT, READY, START, "",   0, ONCE, parent_ready)	\
	ROW(WRITER, PARENT, READY, START, "",   0, ONCE, parent_ready)	\
	/* The front asks the parent for the running user's time zone	\
	 * (tz.h): it has no filesystem to read tzdata from. */		\
	ROW(FRONT,  PARENT, TZ_QUERY, RUN, "s",  PT_TZ_QUERY_MAX, MANY, parent_tz) \
	ROW(PARENT, FRONT,  TZ_R,     RUN, "s",  PT_TZ_MAX,       MANY, proc_parent_tz) \
	ROW(PARENT, FRONT,  ERROR,    RUN, "us", PT_ERROR_MAX,    MANY, proc_parent_error) \
	/* The exporter (export.c), started only with SFDC_OTLP_ENDPOINT:	\
	 * events in, one connection at a time to the collector out; no	\
	 * SECRET, no CA_BUNDLE, no peer.  It routes what the parent	\
	 * sends itself (handlers NULL), after the verdict. */		\
	ROW(PARENT, EXPORT, CONFIG,    START, "s",  PT_CONFIG_MAX, ONCE, NULL) \
	ROW(PARENT, EXPORT, EVENT,     RUN,   "s",  PT_EVENT_MAX,  MANY, NULL) \
	ROW(PARENT, EXPORT, SHUTDOWN,  ANY,   "",   0,             ONCE, NULL) \
	ROW(PARENT, EXPORT, CONNECT_R, RUN,   "u",  4,             MANY, NULL) \
	ROW(PARENT, EXPORT, ERROR,     RUN,   "us", PT_ERROR_MAX,  MANY, NULL) \
	ROW(EXPORT, PARENT, CONNECT,   RUN,   "su", PT_CONNECT_MAX, MANY, parent_connect) \
	ROW(EXPORT, PARENT, LOG,       ANY,   "us", PT_LOG_MAX,    MANY, parent_log) \
	ROW(EXPORT, PARENT, READY,     START, "",   0,             ONCE, parent_ready) \
	/* The front reads through the broker. */			\
	ROW(FRONT, BROKER, SF_GET,      RUN, "usss", PT_GET_MAX,      MANY, broker_get) \
	ROW(FRONT, BROKER, SF_QUERY,    RUN, "us",   PT_QUERY_MAX,    MANY, broker_query) \
	ROW(FRONT, BROKER, SF_MORE,     RUN, "s",    PT_MORE_MAX,     MANY, broker_more) \
	ROW(FRONT, BROKER, SF_DESCRIBE, RUN, "s",    PT_DESCRIBE_MAX, MANY, broker_describe) \
	ROW(FRONT, BROKER, SF_IDENTITY, RUN, "",     0,               MANY, broker_identity) \
	ROW(FRONT, BROKER, CANCEL,      RUN, "",     0,               MANY, broker_cancel) \
	ROW(BROKER, FRONT, SF_GET_R,      RUN, "s",  PT_ANSWER_MAX, MANY, NULL) \
	ROW(BROKER, FRONT, SF_QUERY_R,    RUN, "s",  PT_ANSWER_MAX, MANY, NULL) \
	ROW(BROKER, FRONT, SF_MORE_R,     RUN, "s",  PT_ANSWER_MAX, MANY, NULL) \
	ROW(BROKER, FRONT, SF_DESCRIBE_R, RUN, "s",  PT_ANSWER_MAX, MANY, NULL) \
	ROW(BROKER, FRONT, SF_IDENTITY_R, RUN, "s",  PT_ANSWER_MAX, MANY, NULL) \
	ROW(BROKER, FRONT, ERROR,         RUN, "us", PT_ERROR_MAX,  MANY, NULL) \
	/* The front asks the writer for the two light writes. */	\
	ROW(FRONT, WRITER, WR_NOTE,    RUN, "us", PT_WRITE_MAX,  MANY, writer_note) \
	ROW(FRONT, WRITER, WR_UPDATE,  RUN, "us", PT_WRITE_MAX,  MANY, writer_update) \
	ROW(FRONT, WRITER, WR_COMMIT,  RUN, "su", PT_COMMIT_MAX, MANY, writer_commit) \
	ROW(FRONT, WRITER, CANCEL,     RUN, "",   0,             MANY, writer_cancel) \
	ROW(WRITER, FRONT, WR_NOTE_R,   RUN, "s",  PT_PLAN_MAX,   MANY, NULL) \
	ROW(WRITER, FRONT, WR_UPDATE_R, RUN, "s",  PT_PLAN_MAX,   MANY, NULL) \
	ROW(WRITER, FRONT, WR_COMMIT_R, RUN, "s",  PT_PLAN_MAX,   MANY, NULL) \
	ROW(WRITER, FRONT, WR_STATUS,   RUN, "s",  PT_STATUS_MAX, MANY, NULL) \
	ROW(WRITER, FRONT, ERROR,       RUN, "us", PT_ERROR_MAX,  MANY, NULL) \
	/* The writer reads through the broker. */			\
	ROW(WRITER, BROKER, SF_GET,      RUN, "usss", PT_GET_MAX,      MANY, broker_get) \
	ROW(WRITER, BROKER, SF_QUERY,    RUN, "us",   PT_QUERY_MAX,    MANY, broker_query) \
	ROW(WRITER, BROKER, SF_DESCRIBE, RUN, "s",    PT_DESCRIBE_MAX, MANY, broker_describe) \
	ROW(WRITER, BROKER, SF_IDENTITY, RUN, "",     0,               MANY, broker_identity) \
	ROW(WRITER, BROKER, CANCEL,      RUN, "",     0,               MANY, broker_cancel) \
	ROW(BROKER, WRITER, SF_GET_R,      RUN, "s",  PT_ANSWER_MAX, MANY, writer_answer) \
	ROW(BROKER, WRITER, SF_QUERY_R,    RUN, "s",  PT_ANSWER_MAX, MANY, writer_answer) \
	ROW(BROKER, WRITER, SF_DESCRIBE_R, RUN, "s",  PT_ANSWER_MAX, MANY, writer_answer) \
	ROW(BROKER, WRITER, SF_IDENTITY_R, RUN, "s",  PT_ANSWER_MAX, MANY, writer_answer) \
	ROW(BROKER, WRITER, ERROR,         RUN, "us", PT_ERROR_MAX,  MANY, writer_answer) \
	/* The writer's three mutation shapes, to the broker only. */	\
	ROW(WRITER, BROKER, SF_WRITE_UPDATE, RUN, "us", PT_WRITE_MAX, MANY, broker_write_update) \
	ROW(WRITER, BROKER, SF_WRITE_NOTE,   RUN, "us", PT_WRITE_MAX, MANY, broker_write_note) \
	ROW(WRITER, BROKER, SF_AUDIT_FAILED, RUN, "us", PT_WRITE_MAX, MANY, broker_audit_failed) \
	ROW(BROKER, WRITER, SF_WRITE_UPDATE_R, RUN, "s", PT_ANSWER_MAX, MANY, writer_answer) \
	ROW(BROKER, WRITER, SF_WRITE_NOTE_R,   RUN, "s", PT_ANSWER_MAX, MANY, writer_answer) \
	ROW(BROKER, WRITER, SF_AUDIT_FAILED_R, RUN, "s", PT_ANSWER_MAX, MANY, writer_answer)

/*
 * A process's handler table is the rows it receives.  It defines one
 * PT_PICK_<receiver> per role, PT_ENTRY for its own and empty for the
 * others, then expands POLICY_TABLE(PT_ROW_PICK):
 *
 *	#define PT_PICK_BROKER(s, r, t, h)	PT_ENTRY(s, r, t, h)
 *	#define PT_PICK_FRONT(s, r, t, h)
 *	...
 *	static const struct policy_handler handlers[] = {
 *		POLICY_TABLE(PT_ROW_PICK)
 *	};
 *
 * Only the handlers of that process are named, so each executable links
 * its own and no other's.  PT_ROW_FROM picks by sender the same way
 * (PT_FROM_<sender>), for the children's parent channel in proc.c.
 */
#define PT_ENTRY(s, r, t, h)	{ PROC_##s, PROC_##r, IMSG_##t, h },
#define PT_ROW_PICK(s, r, t, st, sh, max, once, h)	PT_PICK_##r(s, r, t, h)
#define PT_ROW_FROM(s, r, t, st, sh, max, once, h)	PT_FROM_##s(s, r, t, h)

#endif /* POLICY_TABLE_H */
