/*
 * journal_fd.c: the writer's side of IMSG_JOURNAL.
 *
 * The parent opens the journal before any child starts (conf.c
 * journal_open: O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, 0600, its
 * directory 0700, both owned by the user and closed to others) and sends
 * it to the writer as SCM_RIGHTS with errno 0, or sends the errno of the
 * failure without a descriptor.  The writer opens no file itself.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sfrevops.h"
#include "journal_fd.h"
#include "policy_table.h"

void
writer_journal_recv(struct proc_ctx *ctx, struct journal_fd *j)
{
	struct ipc_msg	 msg;
	struct buf	 b;
	struct stat	 st;
	uint32_t	 code;
	char		*path = NULL, err[256];
	const char	*why;
	long		 mb;
	int		 fd, fl;

	memset(j, 0, sizeof(*j));
	j->fd = -1;
	mb = proc_config_int(ctx, "journal_max_mb", 64);
	if (mb < 1 || mb > 4096)
		fatalx("configuration: journal_max_mb %ld is outside 1..4096",
		    mb);
	j->max = (uint64_t)mb * 1024 * 1024;

	if (ipc_recv_blocking(&ctx->parent, &msg, 5000, err, sizeof(err)) != 1)
		fatalx("parent channel: %s", err);
	policy_admit(PROC_WRITER, &ctx->parent, PS_START, &msg);
	if (msg.hdr.type != IMSG_JOURNAL)
		fatalx("parent channel: expected JOURNAL, got %s",
		    imsg_name(msg.hdr.type));
	buf_from(&b, msg.data, msg.hdr.len);
	if (buf_get_u32(&b, &code) == -1 ||
	    buf_get_str(&b, &path, sizeof(j->path) - 1) == -1 ||
	    buf_get_end(&b) == -1)
		fatalx("parent channel: malformed JOURNAL");
	ipc_msg_free(&msg);
	/* errno 0: the path; otherwise the parent's sentence, naming it. */
	strlcpy_sf(j->path, code == 0 ? path : "", sizeof(j->path));
	fd = ipc_take_fd(&ctx->parent);
	/* No descriptor is expected from the parent after this one. */
	if (ipc_take_fd(&ctx->parent) != -1 || (code == 0) != (fd != -1))
		fatalx("protocol violation: JOURNAL %s a descriptor",
		    code == 0 ? "without" : "with");
	ctx->parent.fds_ok = 0;
	if (code != 0) {
		j->err = (int)code;
		why = proc_config_str(ctx, "journal_why", NULL);
		if (code == ECANCELED && why != NULL)
			snprintf(j->reason, sizeof(j->reason), "writes are "
			    "disabled: %s", why);
		else
			snprintf(j->reason, sizeof(j->reason), "writes are "
			    "disabled: %s (%s)", path, strerror((int)code));
		free(path);
		sandbox_writer_fsize(0);
		return;
	}
	free(path);
	if (fstat(fd, &st) == -1)
		fatal("fstat journal");
	if ((fl = fcntl(fd, F_GETFL)) == -1)
		fatal("fcntl journal");
	if (!S_ISREG(st.st_mode) || (fl & O_ACCMODE) != O_WRONLY ||
	    !(fl & O_APPEND))
		fatalx("protocol violation: the JOURNAL descriptor is not a "
		    "regular file open for appending");
	if (fd != FD_JOURNAL) {
		if (dup3(fd, FD_JOURNAL, O_CLOEXEC) == -1)
			fatal("dup3 journal");
		if (close(fd) == -1)
			fatal("close");
	}
	j->size = (uint64_t)st.st_size;
	if (j->size >= j->max) {
		snprintf(j->reason, sizeof(j->reason), "writes are disabled: "
		    "the journal %s has reached SFDC_JOURNAL_MAX_MB (%ld MiB): "
		    "archive it, or raise the bound, and start again", j->path,
		    mb);
		j->err = EFBIG;
		if (close(FD_JOURNAL) == -1)
			fatal("close");
		sandbox_writer_fsize(0);
		return;
	}
	j->fd = FD_JOURNAL;
	/* The kernel's bound behind the writer's own check. */
	sandbox_writer_fsize(j->max);
}
