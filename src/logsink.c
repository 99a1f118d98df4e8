/*
 * logsink.c: where the parent's log lines go.  Every line of every
 * process reaches the parent (the children's through IMSG_LOG, already
 * checked by log_line_from() in main.c), and goes from here to stderr,
 * always, and, when configured, to syslog(3) and to the systemd journal:
 * the same JSON line, which log.c built and the processes redacted
 * before it left them.  Nothing here adds text of its own to a line.
 *
 * Both are opened before any child starts (logsink_setup()): syslog with
 * LOG_NDELAY, the journal's datagram socket connected, so that sending a
 * line later never needs a new connection to be allowed.
 *
 * The journal gets the native protocol (systemd.io/JOURNAL_NATIVE_PROTOCOL):
 * one datagram of fields, MESSAGE (the JSON line), PRIORITY,
 * SYSLOG_IDENTIFIER, SYSLOG_PID, and each top-level member of the line
 * as SFREVOPS_<NAME>; a value with a newline in it goes in the
 * binary-safe form (NAME, newline, its length as a little-endian 64-bit
 * integer, the bytes, newline).  Our lines are at most 16 KiB, so a
 * datagram stays far below the socket's limit and the memfd form is not
 * needed.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "sfrevops.h"
#include "logsink.h"

#define JOURNAL_SOCKET		"/run/systemd/journal/socket"
#define JOURNAL_FIELD_MAX	64	/* systemd's limit on a field name */
#define JOURNAL_FIELDS_MAX	64	/* members of one line we copy */

static int		 sink_syslog = 0;
static int		 sink_journal_fd = -1;
static struct sockaddr_un sink_journal_sa;
static int		 sink_journal_failed = 0;	/* said once */

static const struct {
	const char	*name;
	int		 facility;
} facilities[] = {
	{ "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

int
logsink_priority(int level)
{
	switch (level) {
	case LOG_LVL_DEBUG:	return LOG_DEBUG;
	case LOG_LVL_INFO:	return LOG_INFO;
	case LOG_LVL_NOTICE:	return LOG_NOTICE;
	case LOG_LVL_WARNING:	return LOG_WARNING;
	case LOG_LVL_ERROR:	return LOG_ERR;
	default:		return LOG_CRIT;
	}
}

static int
facility_parse(const char *s)
{
	size_t	 i;

	for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (strcmp(s, facilities[i].name) == 0)
			return facilities[i].facility;
	return -1;
}

static int
journal_connect(const char *path, char *errbuf, size_t errlen)
{
	int	 fd;

	memset(&sink_journal_sa, 0, sizeof(sink_journal_sa));
	sink_journal_sa.sun_family = AF_UNIX;
	if (strlcpy_sf(sink_journal_sa.sun_path, path,
	    sizeof(sink_journal_sa.sun_path)) >=
	    sizeof(sink_journal_sa.sun_path)) {
		snprintf(errbuf, errlen, "SFDC_LOG_JOURNAL: the socket path "
		    "is longer than %zu bytes",
		    sizeof(sink_journal_sa.sun_path) - 1);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(errbuf, errlen, "SFDC_LOG_JOURNAL: socket: %s",
		    strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sink_journal_sa,
	    sizeof(sink_journal_sa)) == -1) {
		snprintf(errbuf, errlen, "SFDC_LOG_JOURNAL: cannot reach the "
		    "journal at %s: %s (is systemd-journald running?)", path,
		    strerror(errno));
		(void)close(fd);
		return -1;
	}
	/* A journal that cannot keep up costs a line, never a tool call. */
	if (fd_set_nonblock(fd) == -1) {
		snprintf(errbuf, errlen, "SFDC_LOG_JOURNAL: fcntl: %s",
		    strerror(errno));
		(void)close(fd);
		return -1;
	}
	sink_journal_fd = fd;
	return 0;
}

int
logsink_setup(char *errbuf, size_t errlen)
{
	const char	*s, *j;
	struct stat	 st;
	int		 facility = -1;

	s = getenv("SFDC_LOG_SYSLOG");
	if (s != NULL && *s != '\0' && strcmp(s, "off") != 0 &&
	    (facility = facility_parse(s)) == -1) {
		snprintf(errbuf, errlen, "SFDC_LOG_SYSLOG must be off or a "
		    "facility: daemon, user, local0 to local7 (not '%.32s')",
		    s);
		return -1;
	}
	j = getenv("SFDC_LOG_JOURNAL");
	if (j != NULL && *j != '\0' && strcmp(j, "off") != 0 &&
	    strcmp(j, "on") != 0 && j[0] != '/') {
		snprintf(errbuf, errlen, "SFDC_LOG_JOURNAL must be on, off or "
		    "the absolute path of a socket speaking the journal's "
		    "native protocol (not '%.32s')", j);
		return -1;
	}
	if (j != NULL && (strcmp(j, "on") == 0 || j[0] == '/') &&
	    journal_connect(j[0] == '/' ? j : JOURNAL_SOCKET, errbuf,
	    errlen) == -1)
		return -1;
	if (facility != -1) {
		openlog(SFREVOPS_NAME, LOG_PID | LOG_NDELAY, facility);
		sink_syslog = 1;
		if (stat(_PATH_LOG, &st) == -1)
			log_warnx("SFDC_LOG_SYSLOG: %s: %s; lines go to stderr "
			    "alone until a syslog daemon listens there",
			    _PATH_LOG, strerror(errno));
	}
	return 0;
}

/* A JSON member name as a journal field: SFREVOPS_, then A-Z 0-9 _. */
static int
field_name(char *out, size_t outlen, const char *key)
{
	size_t	 off;
	char	 c;

	off = strlcpy_sf(out, "SFREVOPS_", outlen);
	for (; *key != '\0'; key++) {
		if (off + 1 >= outlen || off >= JOURNAL_FIELD_MAX)
			return -1;
		c = *key;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		else if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			c = '_';
		out[off++] = c;
	}
	out[off] = '\0';
	return 0;
}

/* One field; a value with a newline in the binary-safe form. */
static void
field_put(struct buf *b, const char *name, const char *val, size_t len)
{
	uint8_t	 le[8];
	uint64_t n = len;
	int	 i;

	buf_put_bytes(b, name, strlen(name));
	if (memchr(val, '\n', len) == NULL) {
		buf_put_bytes(b, "=", 1);
		buf_put_bytes(b, val, len);
	} else {
		buf_put_bytes(b, "\n", 1);
		for (i = 0; i < 8; i++)
			le[i] = (uint8_t)(n >> (8 * i));
		buf_put_bytes(b, le, sizeof(le));
		buf_put_bytes(b, val, len);
	}
	buf_put_bytes(b, "\n", 1);
}

/*
 * The datagram for one line (len bytes, its newline excluded).  A line
 * that is not a JSON object (none should be) still goes, as MESSAGE.
 */
void
logsink_journal_entry(struct buf *b, int level, const char *line, size_t len)
{
	char		 name[JOURNAL_FIELD_MAX + 16], num[32];
	cJSON		*j, *m;
	char		*v;
	int		 nfields = 0;

	field_put(b, "MESSAGE", line, len);
	snprintf(num, sizeof(num), "%d", logsink_priority(level));
	field_put(b, "PRIORITY", num, strlen(num));
	field_put(b, "SYSLOG_IDENTIFIER", SFREVOPS_NAME,
	    strlen(SFREVOPS_NAME));
	snprintf(num, sizeof(num), "%ld", (long)getpid());
	field_put(b, "SYSLOG_PID", num, strlen(num));
	if ((j = cJSON_ParseWithLength(line, len)) == NULL)
		return;
	if (cJSON_IsObject(j))
		cJSON_ArrayForEach(m, j) {
			if (nfields++ >= JOURNAL_FIELDS_MAX)
				break;
			if (m->string == NULL ||
			    field_name(name, sizeof(name), m->string) == -1)
				continue;
			if (cJSON_IsString(m))
				field_put(b, name, m->valuestring,
				    strlen(m->valuestring));
			else if (cJSON_IsNull(m))
				field_put(b, name, "", 0);
			else if ((v = cJSON_PrintUnformatted(m)) != NULL) {
				field_put(b, name, v, strlen(v));
				cJSON_free(v);
			}
		}
	cJSON_Delete(j);
}

static void
journal_send(int level, const char *line, size_t len)
{
	struct buf	 b;
	ssize_t		 n;

	buf_init(&b);
	logsink_journal_entry(&b, level, line, len);
	do
		n = send(sink_journal_fd, b.data, b.len, MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	if (n == -1 && !sink_journal_failed) {
		/* Once per change of state; from inside a sink, log.c
		 * writes this line to stderr alone. */
		sink_journal_failed = 1;
		log_warnx("journal: sending to it failed: %s; its lines are "
		    "on stderr until it takes them again", strerror(errno));
	} else if (n != -1 && sink_journal_failed) {
		sink_journal_failed = 0;
		log_info("journal: sending to it again");
	}
	buf_free(&b);
}

void
logsink_line(int level, const char *line, size_t len)
{
	size_t	 body = len;

	log_write_line(line, len);
	if (body > 0 && line[body - 1] == '\n')
		body--;
	if (level < LOG_LVL_DEBUG || level > LOG_LVL_CRITICAL)
		level = LOG_LVL_CRITICAL;
	if (sink_syslog)
		syslog(logsink_priority(level), "%.*s", (int)body, line);
	if (sink_journal_fd != -1)
		journal_send(level, line, body);
}

int
logsink_enabled(void)
{
	return sink_syslog || sink_journal_fd != -1;
}
