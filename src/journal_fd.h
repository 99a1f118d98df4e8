/*
 * journal_fd.h: the writer's journal descriptor, received from the parent
 * at start-up (IMSG_JOURNAL; the parent opened it, conf.c journal_open).
 */
#ifndef JOURNAL_FD_H
#define JOURNAL_FD_H

#include <stdint.h>

#include "sfrevops.h"

/*
 * Where the writer keeps the journal: the writer's seccomp profile lets
 * it write(v), fsync, fdatasync and lseek this descriptor, and open no
 * file.  Its size under the sandbox is lseek(FD_JOURNAL, 0, SEEK_END):
 * fstat(3) is newfstatat(2) in glibc, which the profile refuses.
 */
#define FD_JOURNAL	FD_FIRST_FREE

struct journal_fd {
	int		 fd;		/* FD_JOURNAL, or -1: writes disabled */
	int		 err;		/* 0, or the parent's errno */
	char		 path[1025];	/* for messages */
	char		 reason[1536];	/* fd -1: why, for WR_STATUS */
	uint64_t	 size;		/* bytes in it at start-up */
	uint64_t	 max;		/* SFDC_JOURNAL_MAX_MB, in bytes */
};

/*
 * The writer's start-up, after proc_start() and before its sandbox:
 * wait for IMSG_JOURNAL, keep the descriptor at FD_JOURNAL (checked: a
 * regular file open for appending), and set the writer's RLIMIT_FSIZE to
 * the journal's bound.  An unopenable (or full) journal is not fatal:
 * j->fd is -1 and j->reason says why.  With a journal, the writer itself
 * refuses a line that would take it past j->max (the rlimit makes such
 * a write fail with EFBIG, never SIGXFSZ).  A malformed message is (the parent is
 * presumed compromised).
 */
void	 writer_journal_recv(struct proc_ctx *, struct journal_fd *);

/* sandbox.c: the writer's RLIMIT_FSIZE (0 until this is called). */
void	 sandbox_writer_fsize(uint64_t bytes);

#endif /* JOURNAL_FD_H */
