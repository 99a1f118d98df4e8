/*
 * date.h: calendar dates and Salesforce datetimes, in UTC, for the front
 * (the tools' day arithmetic and the schema's "date" format).
 */
#ifndef DATE_H
#define DATE_H

/* Milliseconds since the epoch, now (CLOCK_REALTIME). */
long long date_now_ms(void);
/* Days since 1970-01-01 of y-m-d (timegm(3)); m and d may overflow. */
long	 date_days(long y, long m, long d);
/* The y-m-d of a day number (gmtime_r(3)). */
void	 date_civil(long days, long *y, long *m, long *d);
/* YYYY-MM-DD of a day number. */
void	 date_fmt(long days, char out[11]);
/* YYYY-MM-DD, a real day of the Gregorian calendar, to days; -1 if not. */
int	 date_parse(const char *s, long *days);
/*
 * A Salesforce datetime (2013-05-20T20:49:32.000+0000; also ...Z and
 * +hh:mm) to milliseconds since the epoch.  -1 if it is not one.
 */
int	 date_datetime_ms(const char *s, long long *ms);

#endif /* DATE_H */
