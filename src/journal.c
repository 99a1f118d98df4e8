/*
 * journal.c: the writer's append-only journal (journal.h).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sfrevops.h"
#include "journal.h"

int
journal_open(struct journal *j, int fd, const char *path, off_t max,
    const char *why_none)
{
	struct stat	 st;

	memset(j, 0, sizeof(*j));
	j->fd = -1;
	j->max = max;
	strlcpy_sf(j->path, path != NULL ? path : "", sizeof(j->path));
	if (fd == -1) {
		snprintf(j->why, sizeof(j->why), "%s", why_none != NULL ?
		    why_none : "no journal");
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(j->why, sizeof(j->why), "the journal %.400s: fstat: "
		    "%s", j->path, strerror(errno));
		(void)close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(j->why, sizeof(j->why), "the journal %.400s is not "
		    "a regular file", j->path);
		(void)close(fd);
		return -1;
	}
	j->fd = fd;
	j->size = st.st_size;
	return 0;
}

int
journal_usable(const struct journal *j)
{
	return j->fd != -1 && !j->broken;
}

void
journal_ts(char out[32])
{
	struct timespec	 ts;
	struct tm	 tm;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		fatal("clock_gettime");
	if (gmtime_r(&ts.tv_sec, &tm) == NULL)
		fatalx("gmtime_r");
	if (strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm) != 19)
		fatalx("strftime");
	snprintf(out + 19, 32 - 19, ".%03dZ", (int)(ts.tv_nsec / 1000000) %
	    1000);
}

static int
journal_fail(struct journal *j, char *err, size_t errlen, const char *what,
    const char *detail)
{
	snprintf(j->why, sizeof(j->why), "%s the journal %.400s%s%s", what,
	    j->path, detail != NULL ? ": " : "", detail != NULL ? detail : "");
	j->broken = 1;
	snprintf(err, errlen, "%s", j->why);
	log_warnx("%s; writes are disabled", j->why);
	return -1;
}

int
journal_append(struct journal *j, cJSON *event, char *err, size_t errlen)
{
	cJSON	*item;
	char	 ts[32], *line;
	size_t	 len, off = 0;
	ssize_t	 n;

	if (!journal_usable(j)) {
		snprintf(err, errlen, "%s", j->why[0] ? j->why : "no journal");
		return -1;
	}
	journal_ts(ts);
	cJSON_DeleteItemFromObjectCaseSensitive(event, "ts");
	if ((item = cJSON_CreateString(ts)) == NULL)
		fatalx("cJSON_CreateString");
	item->string = xstrdup("ts");	/* freed with the item */
	if (!cJSON_InsertItemInArray(event, 0, item))
		fatalx("cJSON_InsertItemInArray");
	if ((line = cJSON_PrintUnformatted(event)) == NULL)
		fatalx("cJSON_PrintUnformatted");
	len = strlen(line);
	if (len + 1 > JOURNAL_MAX_LINE) {
		free(line);
		/* Not the file's fault: refuse this event only. */
		snprintf(err, errlen, "a journal event of %zu bytes is more "
		    "than the %u allowed", len + 1, JOURNAL_MAX_LINE);
		return -1;
	}
	line[len++] = '\n';	/* over the NUL: one write, whole */
	if (j->size + (off_t)len > j->max) {
		free(line);
		return journal_fail(j, err, errlen, "no room in", "it reached "
		    "its bound (SFDC_JOURNAL_MAX_MB); move it away to start a "
		    "new one, or raise the bound");
	}
	while (off < len) {
		if ((n = write(j->fd, line + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			free(line);
			return journal_fail(j, err, errlen, "cannot write",
			    strerror(errno));
		}
		off += (size_t)n;
	}
	free(line);
	j->size += (off_t)len;
	while (fsync(j->fd) == -1) {
		if (errno == EINTR)
			continue;
		return journal_fail(j, err, errlen, "cannot fsync",
		    strerror(errno));
	}
	return 0;
}

void
journal_close(struct journal *j)
{
	if (j->fd != -1)
		(void)close(j->fd);
	j->fd = -1;
}
