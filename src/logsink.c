/*
 * logsink.c: where the parent's log lines go.  Every line of every
 * process reaches the parent (the children's through IMSG_LOG, already
 * checked by log_line_from() in main.c), and goes from here to stderr,
 * always, and, when configured, to syslog(3) and to the systemd journal:
 * the same JSON line, which log.c built and the processes redacted
 * before it left them.  Nothing here adds text of its own to a line.
 *
 * Both are datagram sockets opened and connected before any child starts
 * (logsink_setup()), and non-blocking: a syslog daemon or journal that
 * cannot keep up costs its lines (said once), never the parent's loop,
 * which serves every process.  (syslog(3) is not used for that reason:
 * glibc's send on /dev/log blocks when the daemon's queue is full.)  The
 * syslog lines are RFC 3164, as syslog(3) writes them: "<PRI>Mmm dd
 * hh:mm:ss sfrevops-mcp[PID]: " and the line.  A peer that went away
 * (a restarted daemon: ECONNREFUSED) is connected to again, at most once
 * every SINK_RETRY_S seconds.
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
#include <time.h>
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

#define SINK_RETRY_S		10	/* a reconnection, at most this often */

struct sink {
	const char		*what;		/* "journal", "syslog" */
	int			 fd;
	struct sockaddr_un	 sa;
	int			 failed;	/* said once per change */
	time_t			 last_try;	/* CLOCK_MONOTONIC seconds */
};

static struct sink	 sink_journal = { "journal", -1, { 0 }, 0, 0 };
static struct sink	 sink_syslog = { "syslog", -1, { 0 }, 0, 0 };
static int		 sink_facility = -1;	/* syslog configured */

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

static time_t
mono_s(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		fatal("clock_gettime");
	return ts.tv_sec;
}

/* A non-blocking datagram socket connected to the sink's path. */
static int
sink_connect(struct sink *k, char *errbuf, size_t errlen)
{
	int	 fd;

	k->last_try = mono_s();
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1) {
		snprintf(errbuf, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&k->sa, sizeof(k->sa)) == -1) {
		snprintf(errbuf, errlen, "cannot reach the %s at %s: %s",
		    k->what, k->sa.sun_path, strerror(errno));
		(void)close(fd);
		return -1;
	}
	k->fd = fd;
	return 0;
}

static int
sink_path(struct sink *k, const char *path)
{
	memset(&k->sa, 0, sizeof(k->sa));
	k->sa.sun_family = AF_UNIX;
	return strlcpy_sf(k->sa.sun_path, path, sizeof(k->sa.sun_path)) >=
	    sizeof(k->sa.sun_path) ? -1 : 0;
}

static void
sink_state(struct sink *k, int failed, const char *why)
{
	if (failed == k->failed)
		return;
	k->failed = failed;
	/* From inside a sink, log.c writes these to stderr alone. */
	if (failed)
		log_warnx("%s: sending to it failed: %s; its lines are on "
		    "stderr until it takes them again", k->what, why);
	else
		log_info("%s: sending to it again", k->what);
}

/* One datagram; a lost peer is connected to again, now and then. */
static void
sink_send(struct sink *k, const void *data, size_t len)
{
	char	 err[256];
	ssize_t	 n;

	if (k->fd == -1) {
		if (mono_s() - k->last_try < SINK_RETRY_S)
			return;
		if (sink_connect(k, err, sizeof(err)) == -1) {
			sink_state(k, 1, err);
			return;
		}
	}
	do
		n = send(k->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (n == -1 && errno == EINTR);
	if (n != -1) {
		sink_state(k, 0, NULL);
		return;
	}
	snprintf(err, sizeof(err), "%s", strerror(errno));
	if (errno == ECONNREFUSED || errno == ENOTCONN || errno == ENOENT ||
	    errno == EPIPE) {
		/* The daemon went away (restarted): a new socket later. */
		(void)close(k->fd);
		k->fd = -1;
	}
	/* EAGAIN: it cannot keep up; this line is lost to it. */
	sink_state(k, 1, err);
}

int
logsink_setup(char *errbuf, size_t errlen)
{
	const char	*s, *j;
	struct stat	 st;
	char		 err[256];
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
	if (j != NULL && (strcmp(j, "on") == 0 || j[0] == '/')) {
		if (sink_path(&sink_journal, j[0] == '/' ? j :
		    JOURNAL_SOCKET) == -1) {
			snprintf(errbuf, errlen, "SFDC_LOG_JOURNAL: the socket "
			    "path is longer than %zu bytes",
			    sizeof(sink_journal.sa.sun_path) - 1);
			return -1;
		}
		if (sink_connect(&sink_journal, err, sizeof(err)) == -1) {
			snprintf(errbuf, errlen, "SFDC_LOG_JOURNAL: %s (is "
			    "systemd-journald running?)", err);
			return -1;
		}
	}
	if (facility != -1) {
		sink_facility = facility;
		if (sink_path(&sink_syslog, _PATH_LOG) == -1)
			fatalx("_PATH_LOG is too long");
		/* No daemon yet: stderr alone until one listens there. */
		if (stat(_PATH_LOG, &st) == -1 ||
		    sink_connect(&sink_syslog, err, sizeof(err)) == -1) {
			log_warnx("SFDC_LOG_SYSLOG: %s: %s; lines go to stderr "
			    "alone until a syslog daemon listens there",
			    _PATH_LOG, strerror(errno));
			sink_syslog.failed = 1;
		}
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

	buf_init(&b);
	logsink_journal_entry(&b, level, line, len);
	sink_send(&sink_journal, b.data, b.len);
	buf_free(&b);
}

/* RFC 3164, as syslog(3) writes it: "<PRI>Mmm dd hh:mm:ss ident[pid]: ". */
static void
syslog_send(int level, const char *line, size_t len)
{
	struct buf	 b;
	struct tm	 tm;
	time_t		 now = time(NULL);
	char		 head[128], stamp[32];

	if (localtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%b %e %T", &tm) == 0)
		snprintf(stamp, sizeof(stamp), "Jan  1 00:00:00");
	snprintf(head, sizeof(head), "<%d>%s %s[%ld]: ",
	    sink_facility | logsink_priority(level), stamp, SFREVOPS_NAME,
	    (long)getpid());
	buf_init(&b);
	buf_put_bytes(&b, head, strlen(head));
	buf_put_bytes(&b, line, len);
	sink_send(&sink_syslog, b.data, b.len);
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
	if (sink_facility != -1)
		syslog_send(level, line, body);
	if (sink_journal.sa.sun_family == AF_UNIX)
		journal_send(level, line, body);
}

int
logsink_enabled(void)
{
	return sink_facility != -1 || sink_journal.sa.sun_family == AF_UNIX;
}
