/*
 * logsink_test: the journal's native-protocol entry for one log line
 * (src/logsink.c): the plain and the binary-safe form, field names, and
 * the bounds (a member name of 55 bytes is the longest that fits
 * systemd's 64, 64 members of one line are copied and no more).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "sfrevops.h"
#include "logsink.h"
#include "tap.h"

/* The entry for line, as a NUL-terminated copy (for the plain cases). */
static char *
entry(int level, const char *line, size_t *lenp)
{
	struct buf	 b;
	char		*s;

	buf_init(&b);
	logsink_journal_entry(&b, level, line, strlen(line));
	s = xmalloc(b.len + 1);
	memcpy(s, b.data, b.len);
	s[b.len] = '\0';
	if (lenp != NULL)
		*lenp = b.len;
	buf_free(&b);
	return s;
}

static int
has(const char *e, const char *field)
{
	char	*want;
	int	 r;

	if (xasprintf(&want, "\n%s\n", field) < 0)
		return 0;
	r = strstr(e, want) != NULL ||
	    strncmp(e, want + 1, strlen(want) - 1) == 0;
	free(want);
	return r;
}

static size_t
count(const char *e, const char *prefix)
{
	size_t	 n = 0;
	const char *p = e;

	while ((p = strstr(p, prefix)) != NULL) {
		n++;
		p += strlen(prefix);
	}
	return n;
}

int
main(void)
{
	char	*e, *line, *p, key[80];
	size_t	 len, off, i;
	uint64_t n;

	ok(logsink_priority(LOG_LVL_DEBUG) == LOG_DEBUG &&
	    logsink_priority(LOG_LVL_INFO) == LOG_INFO &&
	    logsink_priority(LOG_LVL_NOTICE) == LOG_NOTICE &&
	    logsink_priority(LOG_LVL_WARNING) == LOG_WARNING &&
	    logsink_priority(LOG_LVL_ERROR) == LOG_ERR &&
	    logsink_priority(LOG_LVL_CRITICAL) == LOG_CRIT,
	    "each level has its syslog priority");

	e = entry(LOG_LVL_INFO, "{\"ts\":\"t\",\"level\":\"info\","
	    "\"proc\":\"front\",\"msg\":\"tool call\",\"tool\":\"query\","
	    "\"ms\":12,\"ok\":true,\"none\":null,\"org\":{\"id\":\"00D\"},"
	    "\"api-usage\":\"5/100\"}", NULL);
	ok(strncmp(e, "MESSAGE={\"ts\":\"t\",", 18) == 0,
	    "MESSAGE first, the line itself");
	ok(has(e, "PRIORITY=6"), "PRIORITY 6 for info");
	ok(has(e, "SYSLOG_IDENTIFIER=sfrevops-mcp"), "SYSLOG_IDENTIFIER");
	ok(has(e, "SFREVOPS_MSG=tool call") && has(e, "SFREVOPS_TOOL=query")
	    && has(e, "SFREVOPS_PROC=front") && has(e, "SFREVOPS_TS=t"),
	    "string members as they are");
	ok(has(e, "SFREVOPS_MS=12") && has(e, "SFREVOPS_OK=true") &&
	    has(e, "SFREVOPS_NONE="), "numbers, booleans, null");
	ok(has(e, "SFREVOPS_ORG={\"id\":\"00D\"}"),
	    "an object as its JSON text");
	ok(has(e, "SFREVOPS_API_USAGE=5/100"),
	    "a '-' in a name becomes '_'");
	ok(e[strlen(e) - 1] == '\n', "the entry ends in a newline");
	free(e);

	/* A newline in a value: NAME, newline, le64 length, bytes. */
	line = "{\"level\":\"error\",\"msg\":\"two\\nlines\"}";
	{
		struct buf	 b;
		const char	 want[] = "SFREVOPS_MSG\n";
		uint8_t		*q;

		buf_init(&b);
		logsink_journal_entry(&b, LOG_LVL_ERROR, line, strlen(line));
		q = memmem(b.data, b.len, want, sizeof(want) - 1);
		ok(q != NULL, "a value with a newline in the binary form");
		if (q != NULL) {
			q += sizeof(want) - 1;
			for (n = 0, i = 0; i < 8; i++)
				n |= (uint64_t)q[i] << (8 * i);
			ok(n == 9 && memcmp(q + 8, "two\nlines", 9) == 0 &&
			    q[17] == '\n', "its length little-endian, the "
			    "bytes, a newline");
		} else
			ok(0, "its length");
		ok(memmem(b.data, b.len, "SFREVOPS_MSG=", 13) == NULL,
		    "and not in the plain form");
		ok(memmem(b.data, b.len, "PRIORITY=3\n", 11) != NULL,
		    "PRIORITY 3 for error");
		buf_free(&b);
	}

	/* Not JSON: MESSAGE and the fixed fields only. */
	e = entry(LOG_LVL_WARNING, "not json", NULL);
	ok(strncmp(e, "MESSAGE=not json\n", 17) == 0 &&
	    count(e, "SFREVOPS_") == 0, "a line that is not JSON: no "
	    "SFREVOPS_ field");
	free(e);

	/* A member name of 55 bytes fits (SFREVOPS_ and 55 = 64); 56 not. */
	memset(key, 'k', 56);
	key[55] = '\0';
	if (xasprintf(&line, "{\"%s\":1,\"%sk\":2}", key, key) < 0)
		return 1;
	e = entry(LOG_LVL_INFO, line, NULL);
	ok(count(e, "SFREVOPS_") == 1 && strstr(e, "KKKKK=1\n") != NULL,
	    "a 64-byte field name at the limit goes, 65 bytes do not");
	free(e);
	free(line);

	/* 64 members are copied, the 65th is not. */
	for (i = 64; i <= 65; i++) {
		len = 2 + i * 16;
		line = xmalloc(len);
		off = 0;
		line[off++] = '{';
		for (size_t k = 0; k < i; k++)
			off += (size_t)snprintf(line + off, len - off,
			    "%s\"m%zu\":%zu", k ? "," : "", k, k);
		line[off++] = '}';
		line[off] = '\0';
		e = entry(LOG_LVL_INFO, line, NULL);
		ok(count(e, "\nSFREVOPS_M") == 64, "%zu members: 64 fields", i);
		p = strstr(e, "SFREVOPS_M63=63\n");
		ok(p != NULL, "%zu members: the 64th is there", i);
		ok(strstr(e, "SFREVOPS_M64=") == NULL,
		    "%zu members: no 65th", i);
		free(e);
		free(line);
	}
	return tap_done();
}
