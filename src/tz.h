/*
 * tz.h: the running user's time zone, for the front (IMSG_TZ_QUERY).
 *
 * The front has no filesystem, so it cannot read tzdata; the parent
 * answers its one question per process with the zone's UTC offsets from
 * a day ago to TZ_AFTER_DAYS days ahead, as a list of (utc seconds,
 * offset seconds) pairs: the first is the offset in force at the start,
 * each next one a change.  The text of IMSG_TZ_R is that list in JSON,
 * [[utc,offset],...], at most TZ_MAX_TRANS pairs.
 */
#ifndef TZ_H
#define TZ_H

#include <stddef.h>
#include <time.h>

#define TZ_NAME_MAX	64	/* a TimeZoneSidKey is at most 40 */
#define TZ_MAX_TRANS	64	/* pairs in one answer */
#define TZ_BEFORE_S	86400L
#define TZ_AFTER_DAYS	400
#define TZ_MAX_QUERIES	16	/* answered per front process */

struct tz_trans {
	long long	 utc;	/* from this instant (seconds since the epoch) */
	long		 off;	/* local time is UTC plus this many seconds */
};

/* A zone name as the parent will look it up: 0, or -1 and why in err. */
int	 tz_name_valid(const char *name, char *err, size_t errlen);
/*
 * The offsets of zone from now - TZ_BEFORE_S to now + TZ_AFTER_DAYS
 * days, from the host's tzdata (glibc: TZ=":zone", tzset, localtime_r;
 * TZ is restored after).  *n pairs in out (at most max).  -1 and why in
 * err: a bad name, a zone the host does not have, too many changes.
 */
int	 tz_table(const char *zone, time_t now, struct tz_trans *out,
	    size_t max, size_t *n, char *err, size_t errlen);
/* The pairs as IMSG_TZ_R's text (caller frees). */
char	*tz_table_json(const struct tz_trans *, size_t n);
/*
 * The parent's answer to one TZ_QUERY payload (the zone name, read and
 * bounded by the caller): 0 and the TZ_R text in *json, or -1 with the
 * IMSG_ERROR code in *code and the reason in err.  Counts the queries:
 * past TZ_MAX_QUERIES it refuses (SFE_LIMIT).
 */
int	 tz_answer(const char *zone, time_t now, char **json, unsigned int *code,
	    char *err, size_t errlen);
/* For the unit test: forget the count. */
void	 tz_answer_reset(void);

#endif /* TZ_H */
