/*
 * tz_test.c: the parent's time zone tables (src/tz.c), the answer to the
 * front's TZ_QUERY: names checked, a DST zone's changes to the second
 * (Europe/Berlin: the last Sundays of March and October, 01:00 UTC), a
 * zone without changes, an unknown one, and the per-process bound.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sfrevops.h"
#include "tz.h"
#include "tap.h"

/* 2026-03-01T00:00:00Z and the changes after it, from the EU rule. */
#define T0		1772323200LL
#define BERLIN_SUMMER26	1774746000LL	/* 2026-03-29T01:00:00Z */
#define BERLIN_WINTER26	1792890000LL	/* 2026-10-25T01:00:00Z */
#define BERLIN_SUMMER27	1806195600LL	/* 2027-03-28T01:00:00Z */

static int
have_zone(const char *z)
{
	char	 p[256];

	snprintf(p, sizeof(p), "/usr/share/zoneinfo/%s", z);
	return access(p, R_OK) == 0;
}

int
main(void)
{
	struct tz_trans	 t[TZ_MAX_TRANS];
	char		 err[512], name[80], *json;
	unsigned int	 code;
	size_t		 n, i;
	const char	*tz;

	/* Names. */
	ok(tz_name_valid("America/Los_Angeles", err, sizeof(err)) == 0,
	    "America/Los_Angeles is a name");
	ok(tz_name_valid("Etc/GMT+5", err, sizeof(err)) == 0, "Etc/GMT+5 is "
	    "a name");
	ok(tz_name_valid("../etc/passwd", err, sizeof(err)) == -1,
	    "'..' refused: %s", err);
	ok(tz_name_valid("Europe/../../etc", err, sizeof(err)) == -1,
	    "'..' inside refused");
	ok(tz_name_valid("/etc/localtime", err, sizeof(err)) == -1 &&
	    strstr(err, "leading '/'") != NULL, "a leading '/' refused: %s",
	    err);
	ok(tz_name_valid("Europe/Berlin\n", err, sizeof(err)) == -1,
	    "a newline refused: %s", err);
	ok(tz_name_valid("Europe Berlin", err, sizeof(err)) == -1,
	    "a space refused");
	ok(tz_name_valid("", err, sizeof(err)) == -1, "empty refused");
	memset(name, 'A', TZ_NAME_MAX);
	name[TZ_NAME_MAX] = '\0';
	ok(tz_name_valid(name, err, sizeof(err)) == 0, "%d characters: a name",
	    TZ_NAME_MAX);
	name[TZ_NAME_MAX] = 'A';
	name[TZ_NAME_MAX + 1] = '\0';
	ok(tz_name_valid(name, err, sizeof(err)) == -1 &&
	    strstr(err, "1 to 64") != NULL, "%d characters refused: %s",
	    TZ_NAME_MAX + 1, err);

	/* TZ is put back: set it to something and look after each call. */
	if (setenv("TZ", "UTC", 1) == -1)
		return 1;
	tzset();

	if (!have_zone("Europe/Berlin")) {
		printf("# no tzdata (Europe/Berlin): the table tests skipped\n");
		ok(1, "# SKIP no tzdata");
	} else {
		ok(tz_table("Europe/Berlin", (time_t)T0, t, TZ_MAX_TRANS, &n,
		    err, sizeof(err)) == 0, "Berlin from 2026-03-01: %s",
		    n ? "ok" : err);
		ok(n == 4, "the offset at the start and three changes in 401 "
		    "days (%zu)", n);
		ok(n >= 1 && t[0].utc == T0 - TZ_BEFORE_S && t[0].off == 3600,
		    "a day before: +01:00 (%lld, %ld)", n ? t[0].utc : 0,
		    n ? t[0].off : 0);
		ok(n >= 2 && t[1].utc == BERLIN_SUMMER26 && t[1].off == 7200,
		    "2026-03-29 01:00:00 UTC: +02:00 (%lld)", n > 1 ?
		    t[1].utc : 0);
		ok(n >= 3 && t[2].utc == BERLIN_WINTER26 && t[2].off == 3600,
		    "2026-10-25 01:00:00 UTC: +01:00 (%lld)", n > 2 ?
		    t[2].utc : 0);
		ok(n >= 4 && t[3].utc == BERLIN_SUMMER27 && t[3].off == 7200,
		    "2027-03-28 01:00:00 UTC: +02:00 (%lld)", n > 3 ?
		    t[3].utc : 0);
		tz = getenv("TZ");
		ok(tz != NULL && strcmp(tz, "UTC") == 0, "TZ is put back");
		/* Too small a table: the changes are not cut short silently. */
		ok(tz_table("Europe/Berlin", (time_t)T0, t, 3, &n, err,
		    sizeof(err)) == -1 && n == 0 &&
		    strstr(err, "more than 2 times") != NULL,
		    "room for 3 of 4: refused, said: %s", err);
		json = tz_table_json((struct tz_trans[]){ { 1, 3600 },
		    { 5, -36000 } }, 2);
		is_str(json, "[[1,3600],[5,-36000]]", "the TZ_R text");
		free(json);
	}
	if (have_zone("Pacific/Kiritimati")) {
		ok(tz_table("Pacific/Kiritimati", (time_t)T0, t, TZ_MAX_TRANS,
		    &n, err, sizeof(err)) == 0 && n == 1 &&
		    t[0].off == 14 * 3600, "Kiritimati: +14:00, no change");
	} else
		ok(1, "# SKIP no Pacific/Kiritimati");
	ok(tz_table("Mars/Olympus_Mons", (time_t)T0, t, TZ_MAX_TRANS, &n, err,
	    sizeof(err)) == -1 && strstr(err, "is not in this host's time "
	    "zone database") != NULL, "an unknown zone is said: %s", err);
	ok(tz_table("Europe", (time_t)T0, t, TZ_MAX_TRANS, &n, err,
	    sizeof(err)) == -1, "a directory is no zone: %s", err);
	tz = getenv("TZ");
	ok(tz != NULL && strcmp(tz, "UTC") == 0, "TZ is put back after a "
	    "failure too");

	/* The parent's answer, and its bound per process. */
	tz_answer_reset();
	for (i = 0; i < TZ_MAX_QUERIES - 1; i++)
		(void)tz_answer("UTC", (time_t)T0, &json, &code, err,
		    sizeof(err)), free(json);
	ok(tz_answer("../x", (time_t)T0, &json, &code, err, sizeof(err)) ==
	    -1 && code == SFE_INVALID, "query %d: a bad name, SFE_INVALID",
	    TZ_MAX_QUERIES);
	ok(tz_answer("UTC", (time_t)T0, &json, &code, err, sizeof(err)) ==
	    -1 && code == SFE_LIMIT && strstr(err, "more than 16") != NULL,
	    "query %d refused: %s", TZ_MAX_QUERIES + 1, err);
	tz_answer_reset();
	if (have_zone("UTC")) {
		ok(tz_answer("UTC", (time_t)T0, &json, &code, err,
		    sizeof(err)) == 0, "after a reset: answered");
		is_str(json, "[[1772236800,0]]", "UTC: one pair");
		free(json);
	} else
		ok(1, "# SKIP no UTC zone file");
	ok(tz_answer("Mars/Olympus_Mons", (time_t)T0, &json, &code, err,
	    sizeof(err)) == -1 && code == SFE_NOT_FOUND && json == NULL,
	    "an unknown zone: SFE_NOT_FOUND");
	return tap_done();
}
