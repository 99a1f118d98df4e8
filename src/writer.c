/*
 * writer.c: the only peer whose mutation requests the broker accepts.
 *
 * Its job is audit-then-update: a light write from the front becomes an
 * audit row first and the change second, and a change never happens
 * without its audit row.  The two write tools (add_note, update_field)
 * and their state machine arrive with the writes issue; until then the
 * front lists no write tool, and a write request that reaches the writer
 * is refused with a typed error.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "sfrevops.h"

struct writer {
	struct proc_ctx	 proc;
	struct ipc	 front;
	struct ipc	 broker;
};

static void
writer_dispatch(struct writer *w, struct ipc *from)
{
	struct ipc_msg	 msg;

	while (ipc_next(from, &msg)) {
		if (policy_check(from->peer, PROC_WRITER, msg.hdr.type,
		    PS_RUN) == -1)
			fatalx("%s sent %s, which it may not",
			    proc_name(from->peer), imsg_name(msg.hdr.type));
		if (from == &w->front)
			ipc_send_error(from, msg.hdr.id, SFE_POLICY,
			    "writes are not enabled in this version");
		else
			fatalx("unexpected %s from the broker",
			    imsg_name(msg.hdr.type));
		ipc_msg_free(&msg);
		proc_flush(&w->proc, from);
	}
}

/* proc_serve()'s callback. */
static void
writer_serve(void *arg, struct ipc *from)
{
	writer_dispatch(arg, from);
}

int
writer_main(void)
{
	struct writer	 w;
	int		 status = 0;

	memset(&w, 0, sizeof(w));
	proc_start(&w.proc, PROC_WRITER);
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fatal("signal");
	proc_peer_open(&w.proc, &w.front, FD_PEER_A, PROC_FRONT);
	proc_peer_open(&w.proc, &w.broker, FD_PEER_B, PROC_BROKER);

	sandbox_apply(PROC_WRITER, NULL);
	proc_ready(&w.proc);

	status = proc_serve(&w.proc, &w.front, &w.broker, writer_serve, &w);
	ipc_close(&w.front);
	ipc_close(&w.broker);
	proc_end(&w.proc);
	return status;
}
