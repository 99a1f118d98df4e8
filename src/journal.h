/*
 * journal.h: the writer's local journal, JSON lines appended to one
 * descriptor the parent opened (contrib/WRITES.md, "The journal").
 *
 * Every line is one event of one attempt, written whole with one
 * write(2) on an O_APPEND descriptor and fsync(2)'ed before the call
 * returns: what the journal says happened was on disk before the writer
 * acted on it.  The file and each line are bounded; the first failure
 * (a full disk, EFBIG, EIO, the bound) breaks the journal for good and
 * says why: the writer then refuses writes, and reads go on.
 */
#ifndef JOURNAL_H
#define JOURNAL_H

#include <sys/types.h>

#include <cjson/cJSON.h>

/* The descriptor comes from writer_journal_recv() (journal_fd.h), its
 * bound from journal_max_mb. */
#define JOURNAL_MAX_LINE	(4u * 1024 * 1024)	/* bytes of one event: two values
						   of 131,072 characters, escaped */

struct journal {
	int	 fd;		/* -1: none */
	off_t	 size;		/* bytes in the file, as we know them */
	off_t	 max;		/* at most this many */
	int	 broken;	/* a write or fsync failed: no more writes */
	char	 why[1536];	/* why there is none, or why it broke */
	char	 path[1024];	/* for messages */
};

/*
 * Take fd (or -1, and why there is none); its size from fstat(2)
 * (before the sandbox, which refuses it).  Nothing is written.  0, or -1 with j->why set (j->fd is then -1).
 */
int	 journal_open(struct journal *, int fd, const char *path,
	    off_t max, const char *why_none);
/* 1 if events can be appended. */
int	 journal_usable(const struct journal *);
/*
 * Append event (an object; a "ts" key is put first) as one line and
 * fsync.  0, or -1 with the reason in err (and the journal broken).
 */
int	 journal_append(struct journal *, cJSON *event, char *err,
	    size_t errlen);
/* The current time as 2026-11-30T10:00:00.000Z. */
void	 journal_ts(char out[32]);
void	 journal_close(struct journal *);

#endif /* JOURNAL_H */
