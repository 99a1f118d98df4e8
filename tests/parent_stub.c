/*
 * parent_stub.c: the parent's connector, for tests that play the parent
 * of a real broker themselves (tests/e2e/concurrency.test.mjs).
 *
 *	parent_stub BROKER-EXECUTABLE
 *
 * Started with the test's channels on 3 (parent), 4 (front) and 5
 * (writer).  It starts the broker with 4 and 5 passed straight through
 * and its own socketpair on 3, and relays the parent channel both ways,
 * except that it answers the broker's IMSG_CONNECT itself with
 * connector.c, as main.c does, allowing the instance and login URLs of
 * the CONFIG it relays: a test in Node cannot pass descriptors.  It
 * exits with the broker's status (128 + signal when killed).
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "sfrevops.h"
#include "connector.h"

/* CONFIG passes by: allow its instance and login hosts. */
static void
allow_from_config(const struct ipc_msg *m)
{
	struct buf	 b;
	char		*json = NULL;
	cJSON		*j;
	const char	*v;

	buf_from(&b, m->data, m->hdr.len);
	if (buf_get_str(&b, &json, IPC_MAX_PAYLOAD) == -1 ||
	    (j = cJSON_Parse(json)) == NULL)
		fatalx("parent_stub: CONFIG is not JSON");
	if ((v = cJSON_GetStringValue(cJSON_GetObjectItem(j,
	    "instance_url"))) != NULL)
		(void)connector_allow(v, "instance");
	if ((v = cJSON_GetStringValue(cJSON_GetObjectItem(j,
	    "login_url"))) != NULL)
		(void)connector_allow(v, "login");
	cJSON_Delete(j);
	free(json);
}

static void
answer_connect(struct ipc *broker, const struct ipc_msg *m)
{
	struct buf	 b, out;
	char		*host = NULL, err[512];
	uint32_t	 port;
	int		 fd;

	buf_from(&b, m->data, m->hdr.len);
	if (buf_get_str(&b, &host, CONNECTOR_HOST_MAX) == -1 ||
	    buf_get_u32(&b, &port) == -1)
		fatalx("parent_stub: a malformed CONNECT");
	if (connector_open(host, port, &fd, err, sizeof(err)) == -1)
		ipc_send_error(broker, m->hdr.id, SFE_NETWORK, err);
	else {
		buf_init(&out);
		buf_put_u32(&out, 0);
		ipc_send_fd(broker, IMSG_CONNECT_R, m->hdr.id, &out, fd);
		buf_free(&out);
	}
	free(host);
	if (ipc_flush_blocking(broker, 5000) == -1)
		fatal("parent_stub: write to the broker");
}

/* Frames from the test towards the broker, as they come; CONFIG noticed. */
static int
relay_down(struct ipc *up, struct ipc *broker)
{
	struct ipc_msg	 m;
	char		 err[256];
	int		 r;

	if ((r = ipc_read(up)) == 0 || (r == -1 && errno != EAGAIN))
		return -1;
	while ((r = ipc_get(up, &m, err, sizeof(err))) == 1) {
		if (m.hdr.type == IMSG_CONFIG)
			allow_from_config(&m);
		ipc_send(broker, m.hdr.type, m.hdr.id, m.data, m.hdr.len);
		ipc_msg_free(&m);
	}
	if (r == -1)
		fatalx("parent_stub: from the test: %s", err);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct ipc	 broker, up;
	struct ipc_msg	 m;
	struct pollfd	 pfd[2];
	char		 err[256];
	int		 sv[2], status, r;
	pid_t		 pid;

	if (argc != 2) {
		fprintf(stderr, "usage: parent_stub broker-executable\n");
		return 2;
	}
	log_init(PROC_PARENT, LOG_LVL_WARNING);
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fatal("signal");
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		fatal("socketpair");
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid == 0) {
		if (dup2(sv[1], FD_PARENT) == -1)
			_exit(126);
		execl(argv[1], argv[1], "-R", "broker", (char *)NULL);
		_exit(127);
	}
	(void)close(sv[1]);
	ipc_init(&broker, sv[0], PROC_BROKER);
	broker.fds_ok = 0;
	ipc_init(&up, FD_PARENT, PROC_PARENT);
	for (;;) {
		pfd[0].fd = up.fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = broker.fd;
		pfd[1].events = POLLIN | (ipc_want_write(&broker) ? POLLOUT : 0);
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if ((pfd[1].revents & POLLOUT) && ipc_flush(&broker) == -1)
			break;
		if ((pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    relay_down(&up, &broker) == -1)
			break;
		if (ipc_flush(&broker) == -1)
			break;
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			if ((r = ipc_read(&broker)) <= 0)
				break;
			while ((r = ipc_get(&broker, &m, err, sizeof(err))) ==
			    1) {
				if (m.hdr.type == IMSG_CONNECT)
					answer_connect(&broker, &m);
				else {
					ipc_send(&up, m.hdr.type, m.hdr.id,
					    m.data, m.hdr.len);
					(void)ipc_flush_blocking(&up, 5000);
				}
				ipc_msg_free(&m);
			}
			if (r == -1)
				fatalx("parent_stub: from the broker: %s", err);
		}
	}
	(void)ipc_flush_blocking(&up, 1000);
	if (waitpid(pid, &status, 0) == -1)
		fatal("waitpid");
	ipc_close(&broker);
	ipc_close(&up);
	return WIFEXITED(status) ? WEXITSTATUS(status) :
	    128 + WTERMSIG(status);
}
