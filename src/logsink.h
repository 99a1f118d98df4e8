/*
 * logsink.h: the parent's log outputs: stderr, and syslog(3) and the
 * systemd journal when configured (SFDC_LOG_SYSLOG, SFDC_LOG_JOURNAL).
 */
#ifndef LOGSINK_H
#define LOGSINK_H

#include <stddef.h>

struct buf;

/* Read the settings and open what they name, before any child starts:
 * 0, or -1 with the reason in errbuf (a configuration error). */
int	 logsink_setup(char *errbuf, size_t errlen);
/* One whole line (its newline included) from any process. */
void	 logsink_line(int level, const char *line, size_t len);
int	 logsink_enabled(void);
/* syslog(3)'s priority for one of our levels. */
int	 logsink_priority(int level);
/* The journal's datagram for one line (its newline excluded). */
void	 logsink_journal_entry(struct buf *, int level, const char *line,
	    size_t len);

#endif /* LOGSINK_H */
