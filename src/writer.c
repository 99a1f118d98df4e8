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
#include "journal_fd.h"
#include "policy_table.h"

struct writer {
	struct proc_ctx	 proc;
	struct ipc	 front;
	struct ipc	 broker;
	struct journal_fd journal;	/* fd -1: writes disabled (reason) */
};

/* WR_NOTE, WR_UPDATE, WR_COMMIT: refused until the writes land (their issue). */
static void
writer_refuse(struct writer *w, struct ipc *from, uint32_t id)
{
	ipc_send_error(from, id, SFE_POLICY, "writes are not enabled in this "
	    "version");
	proc_flush(&w->proc, from);
}

static void
writer_note(void *arg, struct ipc *from, uint32_t id, struct buf *b)
{
	(void)b;
	writer_refuse(arg, from, id);
}

static void
writer_update(void *arg, struct ipc *from, uint32_t id, struct buf *b)
{
	(void)b;
	writer_refuse(arg, from, id);
}

static void
writer_commit(void *arg, struct ipc *from, uint32_t id, struct buf *b)
{
	(void)b;
	writer_refuse(arg, from, id);
}

/* IMSG_CANCEL from the front: no request of its is ever pending yet. */
static void
writer_cancel(void *arg, struct ipc *from, uint32_t id, struct buf *b)
{
	(void)arg;
	(void)from;
	(void)id;
	(void)b;
}

/* The writer has sent the broker nothing yet: no answer is expected. */
static void
writer_answer(void *arg, struct ipc *from, uint32_t id, struct buf *b)
{
	(void)arg;
	(void)b;
	fatalx("protocol violation: %s answered request %u, which the writer "
	    "never sent", proc_name(from->peer), id);
}

#define PT_PICK_WRITER(s, r, t, h)	PT_ENTRY(s, r, t, h)
#define PT_PICK_PARENT(s, r, t, h)
#define PT_PICK_FRONT(s, r, t, h)
#define PT_PICK_BROKER(s, r, t, h)
static const struct policy_handler writer_handlers[] = {
	POLICY_TABLE(PT_ROW_PICK)
};

static void
writer_dispatch(struct writer *w, struct ipc *from)
{
	struct ipc_msg	 msg;

	while (ipc_next(from, &msg)) {
		policy_dispatch(PROC_WRITER, from, PS_RUN, &msg,
		    writer_handlers, sizeof(writer_handlers) /
		    sizeof(writer_handlers[0]), w);
		ipc_msg_free(&msg);
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
	/* The journal, from the parent, before the sandbox. */
	writer_journal_recv(&w.proc, &w.journal);
	if (w.journal.fd == -1)
		log_warnx("%s", w.journal.reason);
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
