/*
 * date.c: calendar dates and Salesforce datetimes, in UTC.
 *
 * The day arithmetic of the RevOps tools and the schema's "date" format,
 * on timegm(3) and gmtime_r(3), which read no time zone file (the front's
 * sandbox opens none).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sfrevops.h"
#include "date.h"

#define DAY_S	86400L

long long
date_now_ms(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		fatal("clock_gettime");
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long
date_days(long y, long m, long d)
{
	struct tm	 tm;
	time_t		 t;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)(y - 1900);
	tm.tm_mon = (int)(m - 1);
	tm.tm_mday = (int)d;
	tm.tm_hour = 12;	/* away from any edge */
	if ((t = timegm(&tm)) == (time_t)-1 && tm.tm_year != 69)
		fatalx("timegm: %ld-%ld-%ld is out of range", y, m, d);
	return (long)((t - 12 * 3600) / DAY_S);
}

void
date_civil(long days, long *y, long *m, long *d)
{
	struct tm	 tm;
	time_t		 t = (time_t)days * DAY_S;

	if (gmtime_r(&t, &tm) == NULL)
		fatalx("gmtime_r: day %ld is out of range", days);
	*y = tm.tm_year + 1900L;
	*m = tm.tm_mon + 1L;
	*d = tm.tm_mday;
}

void
date_fmt(long days, char out[11])
{
	long	 y, m, d;
	char	 buf[64];

	date_civil(days, &y, &m, &d);
	snprintf(buf, sizeof(buf), "%04ld-%02ld-%02ld", y, m, d);
	strlcpy_sf(out, buf, 11);
}

int
date_parse(const char *s, long *days)
{
	long	 y, m, d, ry, rm, rd;
	int	 i;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	*days = date_days(y, m, d);
	/* A real day comes back as itself; 02-30 comes back as 03-02. */
	date_civil(*days, &ry, &rm, &rd);
	return ry == y && rm == m && rd == d ? 0 : -1;
}

int
date_datetime_ms(const char *s, long long *ms)
{
	int	 y, mo, d, h, mi, sec, n = 0, oh = 0, om = 0, frac = 0;
	const char *p;

	if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d,
	    &h, &mi, &sec, &n) != 6 || n != 19 || mo < 1 || mo > 12 ||
	    d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	p = s + n;
	if (*p == '.') {
		int i;
		for (i = 0, p++; *p >= '0' && *p <= '9'; p++, i++)
			if (i < 3)
				frac = frac * 10 + (*p - '0');
		for (; i < 3; i++)
			frac *= 10;
	}
	if (*p == 'Z')
		p++;
	else if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1;
		if (sscanf(p + 1, "%2d%n", &oh, &n) != 1 || n != 2)
			return -1;
		p += 3;
		if (*p == ':')
			p++;
		if (sscanf(p, "%2d%n", &om, &n) != 1 || n != 2)
			return -1;
		p += 2;
		oh *= sign;
		om *= sign;
	} else
		return -1;
	if (*p != '\0')
		return -1;
	*ms = ((long long)date_days(y, mo, d) * DAY_S + h * 3600 + mi * 60 +
	    sec - oh * 3600 - om * 60) * 1000 + frac;
	return 0;
}
