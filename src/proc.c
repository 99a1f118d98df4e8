/*
 * proc.c: what every child does with its parent channel.
 *
 * A child starts with the parent's HELLO and CONFIG, read synchronously
 * before anything else; after its sandbox is up it sends READY, and from
 * then on the parent may only tell it to stop.  Log lines travel to the
 * parent as IMSG_LOG, so the children never share stderr writes.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/stat.h>

#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "sfrevops.h"
#include "policy_table.h"

static struct proc_ctx	*proc_self;
static cJSON		*proc_config;

void
proc_log_sink(int level, const char *line, size_t len)
{
	struct buf	 b;

	if (proc_self == NULL || proc_self->parent.fd == -1) {
		log_write_line(line, len);
		return;
	}
	buf_init(&b);
	buf_put_u32(&b, (uint32_t)level);
	buf_put_strn(&b, line, len);
	ipc_send_buf(&proc_self->parent, IMSG_LOG, 0, &b);
	buf_free(&b);
	if (level >= LOG_LVL_CRITICAL)
		(void)ipc_flush_blocking(&proc_self->parent, 1000);
	else
		(void)ipc_flush(&proc_self->parent);
}

void
proc_init(int argc, char *argv[], enum proc_role self)
{
	char	 name[16];

	/* Not a command: the parent starts it with its channels set up. */
	if (argc != 3 || strcmp(argv[1], "-R") != 0 ||
	    strcmp(argv[2], proc_name(self)) != 0) {
		fprintf(stderr, "%s-%s: this is the %s process of %s(1), "
		    "which starts it; run %s instead\n", SFREVOPS_NAME,
		    proc_name(self), proc_name(self), SFREVOPS_NAME,
		    SFREVOPS_NAME);
		exit(2);
	}
	jsonalloc_init();
	/*
	 * Started through a descriptor, the process is named after it
	 * ("6"); ps(1) and top(1) should say which child this is.
	 */
	(void)snprintf(name, sizeof(name), "sfrevops-%s", proc_name(self));
	if (prctl(PR_SET_NAME, name, 0, 0, 0) == -1)
		fatal("prctl PR_SET_NAME");
}

void
proc_start(struct proc_ctx *ctx, enum proc_role self)
{
	struct ipc_msg	 msg;
	struct buf	 b;
	char		 err[256];
	int		 level;

	memset(ctx, 0, sizeof(*ctx));
	ctx->self = self;
	log_init(self, LOG_LVL_INFO);
	proc_self = ctx;

	/*
	 * The parent set PR_SET_PDEATHSIG before exec and checked that it
	 * was still there (main.c, child_exec); its pid may be 1 (the
	 * server as a container's init), so "1" proves nothing here.  A
	 * child started by hand has no parent channel and stops below.
	 */

	ipc_init(&ctx->parent, FD_PARENT, PROC_PARENT);
	/* The parent passes the broker and the exporter their connections
	 * (connector.c), and the writer its journal (IMSG_JOURNAL). */
	ctx->parent.fds_ok = self == PROC_BROKER || self == PROC_WRITER ||
	    self == PROC_EXPORT;
	ipc_send_hello(&ctx->parent, self);
	if (ipc_recv_blocking(&ctx->parent, &msg, 5000, err, sizeof(err)) != 1)
		fatalx("parent channel: %s", err);
	ipc_msg_free(&msg);	/* HELLO, checked by ipc_get */
	log_set_sink(proc_log_sink);

	if (ipc_recv_blocking(&ctx->parent, &msg, 5000, err, sizeof(err)) != 1)
		fatalx("parent channel: %s", err);
	policy_admit(self, &ctx->parent, PS_START, &msg);
	if (msg.hdr.type != IMSG_CONFIG)
		fatalx("parent channel: expected CONFIG, got %s",
		    imsg_name(msg.hdr.type));
	buf_from(&b, msg.data, msg.hdr.len);
	if (buf_get_str(&b, &ctx->config_json, IPC_MAX_PAYLOAD) == -1 ||
	    buf_get_end(&b) == -1)
		fatalx("parent channel: malformed CONFIG");
	ipc_msg_free(&msg);
	if ((proc_config = cJSON_Parse(ctx->config_json)) == NULL ||
	    !cJSON_IsObject(proc_config))
		fatalx("parent channel: CONFIG is not a JSON object");
	if ((level = log_level_parse(proc_config_str(ctx, "log_level",
	    "info"))) != -1)
		log_set_level(level);
}

const char *
proc_config_str(struct proc_ctx *ctx, const char *key, const char *def)
{
	const cJSON	*v;

	(void)ctx;
	v = cJSON_GetObjectItemCaseSensitive(proc_config, key);
	return cJSON_IsString(v) ? v->valuestring : def;
}

long
proc_config_int(struct proc_ctx *ctx, const char *key, long def)
{
	const cJSON	*v;

	(void)ctx;
	v = cJSON_GetObjectItemCaseSensitive(proc_config, key);
	return cJSON_IsNumber(v) ? (long)v->valuedouble : def;
}

void
proc_ready(struct proc_ctx *ctx)
{
	/*
	 * The front is sandboxed: the broker may start (main.c,
	 * start_gate).  Not there when no broker is started, or when a
	 * test started the front itself.
	 */
	if (ctx->self == PROC_FRONT && close(FD_START_GATE) == -1 &&
	    errno != EBADF)
		fatal("close start gate");
#ifdef __GLIBC__
	/*
	 * Start-up leaves free memory behind, resident: the schema checks
	 * of tools_init() (glibc's regcomp builds and frees tens of KiB per
	 * pattern), the configuration, libcurl's and OpenSSL's set-up.
	 * Give those pages back (madvise, which the sandbox allows).
	 */
	(void)malloc_trim(0);
#endif
	ipc_send(&ctx->parent, IMSG_READY, 0, NULL, 0);
	if (ipc_flush(&ctx->parent) == -1)
		fatal("parent channel: write");
}

void
proc_peer_open(struct proc_ctx *ctx, struct ipc *ipc, int fd,
    enum proc_role peer)
{
	ipc_init(ipc, fd, peer);
	ipc_send_hello(ipc, ctx->self);
	proc_flush(ctx, ipc);
}

void
proc_flush(struct proc_ctx *ctx, struct ipc *peer)
{
	if (ipc_flush(peer) == 0)
		return;
	if (errno == EPIPE || errno == ECONNRESET) {
		/* The peer is gone: not our failure to report. */
		log_debug("%s closed its channel", proc_name(peer->peer));
		proc_end(ctx);
		exit(EXIT_PEER_GONE);
	}
	fatal("write to %s", proc_name(peer->peer));
}

void
proc_end(struct proc_ctx *ctx)
{
	(void)ipc_flush_blocking(&ctx->parent, 500);
	log_set_sink(NULL);
	ipc_close(&ctx->parent);
	cJSON_Delete(proc_config);
	proc_config = NULL;
	free(ctx->config_json);
	ctx->config_json = NULL;
	proc_self = NULL;
}

int
proc_serve(struct proc_ctx *ctx, struct ipc *a, struct ipc *b,
    void (*dispatch)(void *, struct ipc *), void *arg)
{
	struct pollfd	 pfd[3];
	struct ipc	*peer[3] = { &ctx->parent, a, b };
	int		 i;

	for (;;) {
		for (i = 0; i < 3; i++) {
			pfd[i].fd = peer[i]->fd;
			pfd[i].events = POLLIN |
			    (ipc_want_write(peer[i]) ? POLLOUT : 0);
		}
		if (poll(pfd, 3, -1) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (pfd[0].revents & POLLOUT)
			(void)ipc_flush(&ctx->parent);
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))
			if (proc_dispatch_parent(ctx) == 1)
				return 0;
		for (i = 1; i < 3; i++)
			if (pfd[i].revents & POLLOUT)
				proc_flush(ctx, peer[i]);
		for (i = 1; i < 3; i++) {
			if ((pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0)
				continue;
			/* A peer that is gone takes us with it. */
			if (ipc_read(peer[i]) <= 0)
				return EXIT_PEER_GONE;
			dispatch(arg, peer[i]);
		}
	}
}

/*
 * CONNECT requests whose wait timed out (a slow resolver in the parent):
 * their answer may still come, and is then dropped, once, its socket
 * closed.  An answer to anything else is a protocol violation.
 */
#define MAX_ABANDONED	8
static uint32_t	abandoned[MAX_ABANDONED];
static size_t	nabandoned;

static void
abandoned_add(uint32_t id)
{
	abandoned[nabandoned++ % MAX_ABANDONED] = id;
}

static int
abandoned_take(uint32_t id)
{
	size_t	 i;

	for (i = 0; i < MAX_ABANDONED; i++)
		if (abandoned[i] == id && id != 0) {
			abandoned[i] = 0;
			return 1;
		}
	return 0;
}

/* A late answer to an abandoned CONNECT: its socket, if any, closed. */
static void
late_answer(struct proc_ctx *ctx, uint32_t type, uint32_t id)
{
	int	 fd;

	if (!abandoned_take(id))
		fatalx("protocol violation: the parent answered request %u, "
		    "which is not pending", id);
	if (type == IMSG_CONNECT_R && (fd = ipc_take_fd(&ctx->parent)) != -1)
		(void)close(fd);
	log_debug("a late answer to connection request %u: dropped", id);
}

/* The rows' handlers for those answers outside proc_connect(). */
void
proc_connect_late(void *arg, struct ipc *from, uint32_t id, struct buf *b)
{
	(void)from;
	(void)b;
	late_answer(arg, IMSG_CONNECT_R, id);
}

void
proc_error_late(void *arg, struct ipc *from, uint32_t id, struct buf *b)
{
	(void)from;
	(void)b;
	late_answer(arg, IMSG_ERROR, id);
}

/* The parent's answer to a request of the child's own (ctx->answer). */
static void
parent_answer(struct proc_ctx *ctx, uint32_t type, uint32_t id,
    struct buf *b)
{
	if (ctx->answer == NULL)
		fatalx("protocol violation: the parent answered request %u, "
		    "which is not pending", id);
	ctx->answer(ctx->answer_arg, type, id, b);
}

void
proc_parent_tz(void *arg, struct ipc *from, uint32_t id, struct buf *b)
{
	(void)from;
	parent_answer(arg, IMSG_TZ_R, id, b);
}

void
proc_parent_error(void *arg, struct ipc *from, uint32_t id, struct buf *b)
{
	(void)from;
	parent_answer(arg, IMSG_ERROR, id, b);
}

/*
 * The broker's connections come from the parent (connector.c): ask for
 * one to host:port and wait for the answer, at most timeout_ms.  A
 * SHUTDOWN that arrives meanwhile is noted (ctx->stop) and ends the wait.
 * The descriptor, or -1 with the reason in errbuf.
 */
int
proc_connect(struct proc_ctx *ctx, const char *host, unsigned int port,
    int timeout_ms, char *errbuf, size_t errlen)
{
	static uint32_t	 next_id;
	struct ipc_msg	 msg;
	struct buf	 b;
	struct stat	 st;
	uint32_t	 id, code;
	char		*why = NULL;
	int		 fd;

	if (++next_id == 0)
		next_id = 1;
	id = next_id;
	buf_init(&b);
	buf_put_str(&b, host);
	buf_put_u32(&b, port);
	ipc_send_buf(&ctx->parent, IMSG_CONNECT, id, &b);
	buf_free(&b);
	for (;;) {
		if (ctx->stop) {
			snprintf(errbuf, errlen, "shutting down");
			return -1;
		}
		if (ipc_recv_blocking(&ctx->parent, &msg, timeout_ms,
		    errbuf, errlen) == -1) {
			if (strstr(errbuf, "timed out") != NULL) {
				/* A slow resolver: say so; drop it later. */
				abandoned_add(id);
				snprintf(errbuf, errlen, "the parent did not "
				    "open a connection to %s:%u within %d ms "
				    "(a slow name server?)", host, port,
				    timeout_ms);
				return -1;
			}
			fatalx("parent channel: %s", errbuf);
		}
		policy_admit(ctx->self, &ctx->parent, PS_RUN, &msg);
		if (msg.hdr.type == IMSG_SHUTDOWN) {
			ctx->stop = 1;
			ipc_msg_free(&msg);
			continue;
		}
		if (msg.hdr.id != id) {
			late_answer(ctx, msg.hdr.type, msg.hdr.id);
			ipc_msg_free(&msg);
			continue;
		}
		break;
	}
	buf_from(&b, msg.data, msg.hdr.len);
	if (msg.hdr.type == IMSG_ERROR) {
		if (buf_get_u32(&b, &code) == -1 ||
		    buf_get_str(&b, &why, 1024) == -1)
			fatalx("protocol violation: a malformed ERROR");
		snprintf(errbuf, errlen, "%s", why);
		free(why);
		ipc_msg_free(&msg);
		return -1;
	}
	if (msg.hdr.type != IMSG_CONNECT_R || buf_get_u32(&b, &code) == -1 ||
	    code != 0)
		fatalx("protocol violation: %s does not answer CONNECT",
		    imsg_name(msg.hdr.type));
	ipc_msg_free(&msg);
	if ((fd = ipc_take_fd(&ctx->parent)) == -1)
		fatalx("protocol violation: CONNECT_R without a socket");
	if (fstat(fd, &st) == -1 || !S_ISSOCK(st.st_mode)) {
		(void)close(fd);
		fatalx("protocol violation: the parent passed something that "
		    "is not a socket");
	}
	return fd;
}

/* IMSG_SHUTDOWN: the row's handler in every child. */
void
proc_shutdown(void *arg, struct ipc *from, uint32_t id, struct buf *b)
{
	struct proc_ctx	*ctx = arg;

	(void)from;
	(void)id;
	(void)b;
	ctx->stop = 1;
}

/* What the parent may send a child: the rows whose sender is PARENT. */
#define PT_FROM_PARENT(s, r, t, h)	PT_ENTRY(s, r, t, h)
#define PT_FROM_FRONT(s, r, t, h)
#define PT_FROM_BROKER(s, r, t, h)
#define PT_FROM_WRITER(s, r, t, h)
#define PT_FROM_EXPORT(s, r, t, h)
static const struct policy_handler proc_parent_handlers[] = {
	POLICY_TABLE(PT_ROW_FROM)
};

int
proc_dispatch_parent(struct proc_ctx *ctx)
{
	struct ipc_msg	 msg;
	char		 err[256];
	int		 r;

	if ((r = ipc_read(&ctx->parent)) == 0)
		return 1;	/* the parent is gone: stop */
	if (r == -1) {
		if (errno == ECONNRESET)
			return 1;
		fatal("parent channel: read");
	}
	while (!ctx->stop) {
		if ((r = ipc_get(&ctx->parent, &msg, err, sizeof(err))) == -1)
			fatalx("parent channel: %s", err);
		if (r == 0)
			return 0;
		policy_dispatch(ctx->self, &ctx->parent, PS_RUN, &msg,
		    proc_parent_handlers, sizeof(proc_parent_handlers) /
		    sizeof(proc_parent_handlers[0]), ctx);
		ipc_msg_free(&msg);
	}
	return 1;
}
