/*
 * tz.c: the parent's answer to the front's TZ_QUERY (tz.h).
 *
 * The parent is single-threaded, so setting TZ, asking localtime_r and
 * putting TZ back cannot race.  The zone must be a file of the host's
 * time zone database (TZDIR, else /usr/share/zoneinfo) that begins with
 * the TZif magic: glibc quietly takes an unknown name for UTC, and an
 * unknown zone must be said, not guessed.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sfrevops.h"
#include "tz.h"

#define TZ_DEFAULT_DIR	"/usr/share/zoneinfo"
#define TZ_STEP_S	3600	/* offsets change on the hour or half */

static unsigned int	tz_queries;

int
tz_name_valid(const char *name, char *err, size_t errlen)
{
	size_t	 n = strlen(name);

	if (n == 0 || n > TZ_NAME_MAX) {
		snprintf(err, errlen, "a time zone name has 1 to %d characters",
		    TZ_NAME_MAX);
		return -1;
	}
	if (strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_+-/") != n) {
		snprintf(err, errlen, "a time zone name has only letters, "
		    "digits and _ + - /");
		return -1;
	}
	if (name[0] == '/' || strstr(name, "..") != NULL) {
		snprintf(err, errlen, "a time zone name is relative to the "
		    "time zone database, with no '..' and no leading '/'");
		return -1;
	}
	return 0;
}

/* Is zone a TZif file of the database?  0, or -1 and why. */
static int
tz_file_ok(const char *zone, char *err, size_t errlen)
{
	const char	*dir = getenv("TZDIR");
	char		 path[1024], magic[4];
	struct stat	 st;
	int		 fd, n;

	if (dir == NULL || *dir == '\0')
		dir = TZ_DEFAULT_DIR;
	n = snprintf(path, sizeof(path), "%s/%s", dir, zone);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		snprintf(err, errlen, "the time zone database path is too "
		    "long");
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		snprintf(err, errlen, "time zone %s is not in this host's time "
		    "zone database (%s: %s; install tzdata)", zone, path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    read(fd, magic, sizeof(magic)) != (ssize_t)sizeof(magic) ||
	    memcmp(magic, "TZif", 4) != 0) {
		(void)close(fd);
		snprintf(err, errlen, "time zone %s is not a zone of this "
		    "host's time zone database (%s is not a TZif file)", zone,
		    path);
		return -1;
	}
	if (close(fd) == -1) {
		snprintf(err, errlen, "close %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* The offset in force at t (TZ is set); -1 and err on failure. */
static int
tz_off(time_t t, long *off, char *err, size_t errlen)
{
	struct tm	 tm;

	if (localtime_r(&t, &tm) == NULL) {
		snprintf(err, errlen, "localtime_r: %s", strerror(errno));
		return -1;
	}
	*off = tm.tm_gmtoff;
	return 0;
}

/* Put TZ back as it was (old NULL: unset), and tzset. */
static void
tz_restore(char *old)
{
	if (old != NULL) {
		if (setenv("TZ", old, 1) == -1)
			fatal("setenv TZ");
	} else if (unsetenv("TZ") == -1)
		fatal("unsetenv TZ");
	tzset();
	free(old);
}

int
tz_table(const char *zone, time_t now, struct tz_trans *out, size_t max,
    size_t *n, char *err, size_t errlen)
{
	const char	*cur;
	char		*old, spec[TZ_NAME_MAX + 2];
	time_t		 t, end, lo, hi, mid;
	long		 off, o2, o3;
	int		 rc = -1;

	*n = 0;
	if (tz_name_valid(zone, err, errlen) == -1 ||
	    tz_file_ok(zone, err, errlen) == -1)
		return -1;
	if (max == 0) {
		snprintf(err, errlen, "no room for the offsets");
		return -1;
	}
	cur = getenv("TZ");
	old = cur != NULL ? xstrdup(cur) : NULL;
	snprintf(spec, sizeof(spec), ":%s", zone);
	if (setenv("TZ", spec, 1) == -1)
		fatal("setenv TZ");
	tzset();
	t = now - TZ_BEFORE_S;
	end = now + (time_t)TZ_AFTER_DAYS * 86400;
	if (tz_off(t, &off, err, errlen) == -1)
		goto done;
	out[0].utc = (long long)t;
	out[0].off = off;
	*n = 1;
	for (; t < end; t += TZ_STEP_S) {
		if (tz_off(t + TZ_STEP_S, &o2, err, errlen) == -1)
			goto done;
		if (o2 == off)
			continue;
		/* The first second of the new offset, in (t, t + step]. */
		lo = t;
		hi = t + TZ_STEP_S;
		while (hi - lo > 1) {
			mid = lo + (hi - lo) / 2;
			if (tz_off(mid, &o3, err, errlen) == -1)
				goto done;
			if (o3 == off)
				lo = mid;
			else
				hi = mid;
		}
		if (*n == max) {
			snprintf(err, errlen, "time zone %s changes its offset "
			    "more than %zu times in %d days", zone, max - 1,
			    TZ_AFTER_DAYS);
			goto done;
		}
		out[*n].utc = (long long)hi;
		out[*n].off = o2;
		(*n)++;
		off = o2;
	}
	rc = 0;
 done:
	tz_restore(old);
	if (rc == -1)
		*n = 0;
	return rc;
}

char *
tz_table_json(const struct tz_trans *t, size_t n)
{
	struct buf	 b;
	char		 one[64];
	size_t		 i;
	char		*s;

	buf_init(&b);
	buf_put_bytes(&b, "[", 1);
	for (i = 0; i < n; i++) {
		int k = snprintf(one, sizeof(one), "%s[%lld,%ld]",
		    i > 0 ? "," : "", t[i].utc, t[i].off);
		buf_put_bytes(&b, one, (size_t)k);
	}
	buf_put_bytes(&b, "]", 1);
	s = xstrndup((const char *)b.data, b.len);
	buf_free(&b);
	return s;
}

int
tz_answer(const char *zone, time_t now, char **json, unsigned int *code,
    char *err, size_t errlen)
{
	struct tz_trans	 t[TZ_MAX_TRANS];
	size_t		 n;

	*json = NULL;
	if (tz_queries >= TZ_MAX_QUERIES) {
		*code = SFE_LIMIT;
		snprintf(err, errlen, "the front asked for a time zone more "
		    "than %d times; it asks once per process", TZ_MAX_QUERIES);
		return -1;
	}
	tz_queries++;
	if (tz_name_valid(zone, err, errlen) == -1) {
		*code = SFE_INVALID;
		return -1;
	}
	if (tz_table(zone, now, t, TZ_MAX_TRANS, &n, err, errlen) == -1) {
		*code = SFE_NOT_FOUND;
		return -1;
	}
	*json = tz_table_json(t, n);
	return 0;
}

void
tz_answer_reset(void)
{
	tz_queries = 0;
}
