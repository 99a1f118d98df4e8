/*
 * journal_test.c: the writer's journal (src/journal.c): lines appended
 * whole, fsync'ed, bounded, and the first failure breaks it with a
 * reason.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "sfrevops.h"
#include "journal.h"
#include "tap.h"

#define JOURNAL_MAX_BYTES	(64LL * 1024 * 1024)

static char	 dir[] = "/tmp/journal_test.XXXXXX";

static int
open_journal(const char *name, char *path, size_t len)
{
	snprintf(path, len, "%s/%s", dir, name);
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
}

static cJSON *
event(const char *attempt, const char *ev)
{
	cJSON	*e = cJSON_CreateObject();

	cJSON_AddStringToObject(e, "attempt", attempt);
	cJSON_AddStringToObject(e, "event", ev);
	return e;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE	*f = fopen(path, "r");
	char	*s;

	if (f == NULL)
		return NULL;
	s = xcalloc(1, 1 << 20);
	*len = fread(s, 1, (1 << 20) - 1, f);
	fclose(f);
	return s;
}

static void
test_append(void)
{
	struct journal	 j;
	char		 path[256], err[512], *s, *line;
	cJSON		*e, *p;
	size_t		 len = 0;
	int		 fd, lines = 0, good = 1;

	fd = open_journal("a.jsonl", path, sizeof(path));
	ok(journal_open(&j, fd, path, JOURNAL_MAX_BYTES, NULL) == 0 &&
	    journal_usable(&j) && j.size == 0, "a new journal is usable");
	e = event("w_000000000000000000000001", "sent");
	ok(journal_append(&j, e, err, sizeof(err)) == 0, "append sent");
	cJSON_Delete(e);
	e = event("w_000000000000000000000001", "applied");
	cJSON_AddStringToObject(e, "ts", "not ours");
	ok(journal_append(&j, e, err, sizeof(err)) == 0, "append applied");
	cJSON_Delete(e);
	s = slurp(path, &len);
	ok(s != NULL && (off_t)len == j.size, "the size is tracked (%zu)", len);
	ok(len > 19 && strstr(s, "\"event\":\"applied\"}\n") == s + len - 19,
	    "the applied event is the last line, whole");
	for (line = strtok(s, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		lines++;
		p = cJSON_Parse(line);
		good = good && p != NULL && p->child != NULL &&
		    strcmp(p->child->string, "ts") == 0 &&
		    cJSON_IsString(p->child) &&
		    strlen(p->child->valuestring) == 24 &&
		    p->child->valuestring[23] == 'Z' &&
		    cJSON_GetArraySize(p) == 3;
		cJSON_Delete(p);
	}
	ok(lines == 2 && good, "two JSON lines, ts first, in UTC, once");
	free(s);
	journal_close(&j);

	/* Reopened: its size is read, and appends go after. */
	fd = open_journal("a.jsonl", path, sizeof(path));
	ok(journal_open(&j, fd, path, JOURNAL_MAX_BYTES, NULL) == 0 &&
	    (off_t)len == j.size, "a reopened journal knows its size");
	journal_close(&j);
}

static void
test_limits(void)
{
	struct journal	 j;
	char		 path[256], err[512], *big;
	cJSON		*e;
	off_t		 one;
	int		 fd;

	/* The size of one line, then a bound of exactly two. */
	fd = open_journal("b.jsonl", path, sizeof(path));
	(void)journal_open(&j, fd, path, JOURNAL_MAX_BYTES, NULL);
	e = event("w_1", "sent");
	(void)journal_append(&j, e, err, sizeof(err));
	cJSON_Delete(e);
	one = j.size;
	journal_close(&j);
	fd = open_journal("b.jsonl", path, sizeof(path));
	(void)journal_open(&j, fd, path, 2 * one, NULL);
	e = event("w_1", "sent");
	ok(journal_append(&j, e, err, sizeof(err)) == 0 && j.size == 2 * one,
	    "a line that reaches the bound exactly is written");
	ok(journal_append(&j, e, err, sizeof(err)) == -1 &&
	    strstr(err, "no room") != NULL && !journal_usable(&j),
	    "one more line is refused, and the journal is broken: %s", err);
	ok(journal_append(&j, e, err, sizeof(err)) == -1 &&
	    strstr(err, "no room") != NULL,
	    "and stays broken, with the same reason");
	cJSON_Delete(e);
	journal_close(&j);

	/* One line at most JOURNAL_MAX_LINE bytes, newline included. */
	fd = open_journal("c.jsonl", path, sizeof(path));
	(void)journal_open(&j, fd, path, JOURNAL_MAX_BYTES, NULL);
	e = event("w_1", "sent");
	big = xmalloc(JOURNAL_MAX_LINE);
	memset(big, 'x', JOURNAL_MAX_LINE - 1);
	/* {"ts":"<24>","attempt":"w_1","event":"sent","x":"..."}\n is 72
	 * bytes and the x's. */
	big[JOURNAL_MAX_LINE - 72] = '\0';
	cJSON_AddStringToObject(e, "x", big);
	ok(journal_append(&j, e, err, sizeof(err)) == 0 &&
	    j.size == (off_t)JOURNAL_MAX_LINE,
	    "a line of JOURNAL_MAX_LINE bytes is written (%lld)",
	    (long long)j.size);
	cJSON_DeleteItemFromObject(e, "x");
	big[JOURNAL_MAX_LINE - 72] = 'x';
	big[JOURNAL_MAX_LINE - 71] = '\0';
	cJSON_AddStringToObject(e, "x", big);
	ok(journal_append(&j, e, err, sizeof(err)) == -1 &&
	    strstr(err, "more than") != NULL && journal_usable(&j),
	    "one byte more is refused, the journal still usable: %s", err);
	free(big);
	cJSON_Delete(e);
	journal_close(&j);
}

static void
test_failures(void)
{
	struct journal	 j;
	char		 err[512];
	cJSON		*e;
	int		 fd;

	ok(journal_open(&j, -1, "/x/journal.jsonl", JOURNAL_MAX_BYTES,
	    "SFDC_JOURNAL is none") == -1 && !journal_usable(&j) &&
	    strcmp(j.why, "SFDC_JOURNAL is none") == 0,
	    "no descriptor: unusable, with the reason given");
	e = event("w_1", "sent");
	ok(journal_append(&j, e, err, sizeof(err)) == -1 &&
	    strcmp(err, "SFDC_JOURNAL is none") == 0,
	    "appending to none says why");

	/* A full disk: /dev/full fails every write with ENOSPC.  It is
	 * not a regular file, so journal_open refuses it; force it in. */
	if ((fd = open("/dev/full", O_WRONLY | O_CLOEXEC)) == -1) {
		printf("ok %d # SKIP no /dev/full\n", ++tap_n);
		printf("ok %d # SKIP no /dev/full\n", ++tap_n);
	} else {
		ok(journal_open(&j, fd, "/dev/full", JOURNAL_MAX_BYTES,
		    NULL) == -1 && strstr(j.why, "not a regular file"),
		    "a descriptor that is not a regular file is refused");
		fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
		memset(&j, 0, sizeof(j));
		j.fd = fd;
		j.max = JOURNAL_MAX_BYTES;
		strlcpy_sf(j.path, "/dev/full", sizeof(j.path));
		ok(journal_append(&j, e, err, sizeof(err)) == -1 &&
		    strstr(err, "cannot write the journal /dev/full") &&
		    strstr(err, strerror(ENOSPC)) && !journal_usable(&j),
		    "a write that fails (ENOSPC) breaks the journal: %s",
		    err);
		journal_close(&j);
	}

	/* A descriptor that was closed under it: EBADF. */
	memset(&j, 0, sizeof(j));
	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	(void)close(fd);
	j.fd = fd;
	j.max = JOURNAL_MAX_BYTES;
	strlcpy_sf(j.path, "closed", sizeof(j.path));
	ok(journal_append(&j, e, err, sizeof(err)) == -1 &&
	    strstr(err, strerror(EBADF)) && !journal_usable(&j),
	    "a closed descriptor breaks the journal: %s", err);

	/* fsync of a pipe: EINVAL, after the write went through. */
	{
		int	 p[2];

		if (pipe(p) == -1) {
			perror("pipe");
			exit(2);
		}
		memset(&j, 0, sizeof(j));
		j.fd = p[1];
		j.max = JOURNAL_MAX_BYTES;
		strlcpy_sf(j.path, "a pipe", sizeof(j.path));
		ok(journal_append(&j, e, err, sizeof(err)) == -1 &&
		    strstr(err, "cannot fsync the journal a pipe") &&
		    !journal_usable(&j), "a failed fsync breaks the journal: "
		    "%s", err);
		(void)close(p[0]);
		(void)close(p[1]);
	}
	cJSON_Delete(e);
}

int
main(void)
{
	char	 cmd[128];

	jsonalloc_init();
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	test_append();
	test_limits();
	test_failures();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return tap_done();
}
