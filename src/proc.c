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

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "sfrevops.h"

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
		fprintf(stderr, "%s-%s: this is the %s process of %s(8), "
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

	/* Die with the parent, whatever killed it. */
	if (getppid() == 1)
		fatalx("started without a parent process");

	ipc_init(&ctx->parent, FD_PARENT, PROC_PARENT);
	ipc_send_hello(&ctx->parent, self);
	if (ipc_recv_blocking(&ctx->parent, &msg, 5000, err, sizeof(err)) != 1)
		fatalx("parent channel: %s", err);
	ipc_msg_free(&msg);	/* HELLO, checked by ipc_get */
	log_set_sink(proc_log_sink);

	if (ipc_recv_blocking(&ctx->parent, &msg, 5000, err, sizeof(err)) != 1)
		fatalx("parent channel: %s", err);
	if (policy_check(PROC_PARENT, self, msg.hdr.type, PS_START) == -1 ||
	    msg.hdr.type != IMSG_CONFIG)
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
	for (;;) {
		if ((r = ipc_get(&ctx->parent, &msg, err, sizeof(err))) == -1)
			fatalx("parent channel: %s", err);
		if (r == 0)
			return 0;
		if (policy_check(PROC_PARENT, ctx->self, msg.hdr.type,
		    PS_RUN) == -1)
			fatalx("parent channel: %s not allowed now",
			    imsg_name(msg.hdr.type));
		if (msg.hdr.type == IMSG_SHUTDOWN) {
			ipc_msg_free(&msg);
			return 1;
		}
		ipc_msg_free(&msg);
	}
}
