/*
 * log.c: one JSON object per line.  The parent writes to stderr; the
 * children hand their lines to the parent over FD_PARENT (proc.c installs
 * that sink), so nothing but the front ever touches stdout, and the front
 * only for JSON-RPC.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sfrevops.h"

#define LOG_LINE_MAX	8192

static enum proc_role	 log_role = PROC_PARENT;
static int		 log_level = LOG_LVL_INFO;
static log_sink_fn	 log_sink = NULL;
static int		 log_in_sink = 0;	/* a sink that logs goes to stderr */
static log_sink_fn	 log_output = NULL;	/* the parent's: logsink.c */

static const char *const level_names[] = {
	"debug", "info", "notice", "warning", "error", "critical"
};

const char *
proc_name(enum proc_role r)
{
	switch (r) {
	case PROC_PARENT: return "parent";
	case PROC_FRONT: return "front";
	case PROC_BROKER: return "broker";
	case PROC_WRITER: return "writer";
	case PROC_EXPORT: return "export";
	default: return "unknown";
	}
}

const char *
log_level_name(int l)
{
	if (l < 0 || l > LOG_LVL_CRITICAL)
		return "unknown";
	return level_names[l];
}

int
log_level_parse(const char *s)
{
	int	 i;

	for (i = 0; i <= LOG_LVL_CRITICAL; i++)
		if (strcmp(s, level_names[i]) == 0)
			return i;
	return -1;
}

void
log_init(enum proc_role role, int level)
{
	log_role = role;
	log_level = level;
}

void
log_set_sink(log_sink_fn fn)
{
	log_sink = fn;
}

void
log_set_output(log_sink_fn fn)
{
	log_output = fn;
}

void
log_set_level(int level)
{
	log_level = level;
}

int
log_get_level(void)
{
	return log_level;
}

/* Write a whole line to stderr, retrying short writes. */
void
log_write_line(const char *line, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		n = write(STDERR_FILENO, line, len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return;	/* nowhere left to complain */
		}
		line += n;
		len -= (size_t)n;
	}
}

/* Append s as a JSON string body (no quotes) to buf; truncates safely. */
static size_t
json_escape_into(char *buf, size_t off, size_t cap, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char	 c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (off + 7 >= cap)
			break;
		switch (c) {
		case '"':  buf[off++] = '\\'; buf[off++] = '"'; break;
		case '\\': buf[off++] = '\\'; buf[off++] = '\\'; break;
		case '\n': buf[off++] = '\\'; buf[off++] = 'n'; break;
		case '\r': buf[off++] = '\\'; buf[off++] = 'r'; break;
		case '\t': buf[off++] = '\\'; buf[off++] = 't'; break;
		default:
			if (c < 0x20 || c == 0x7f) {
				buf[off++] = '\\'; buf[off++] = 'u';
				buf[off++] = '0'; buf[off++] = '0';
				buf[off++] = hex[c >> 4];
				buf[off++] = hex[c & 0xf];
			} else
				buf[off++] = (char)c;
		}
	}
	return off;
}

static size_t
append(char *buf, size_t off, size_t cap, const char *s)
{
	size_t	 n = strlen(s);

	if (off + n >= cap)
		n = cap - off - 1;
	memcpy(buf + off, s, n);
	return off + n;
}

void
log_json(int level, const char *msg, const char *extra)
{
	char		 line[LOG_LINE_MAX];
	char		 ts[96];
	struct timespec	 now;
	struct tm	 tm;
	size_t		 off = 0;
	int		 saved = errno;

	if (level < log_level)
		return;
	if (clock_gettime(CLOCK_REALTIME, &now) == -1 ||
	    gmtime_r(&now.tv_sec, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (long)(now.tv_nsec / 1000000) % 1000);

	off = append(line, off, sizeof(line), "{\"ts\":\"");
	off = append(line, off, sizeof(line), ts);
	off = append(line, off, sizeof(line), "\",\"level\":\"");
	off = append(line, off, sizeof(line), log_level_name(level));
	off = append(line, off, sizeof(line), "\",\"proc\":\"");
	off = append(line, off, sizeof(line), proc_name(log_role));
	off = append(line, off, sizeof(line), "\",\"msg\":\"");
	off = json_escape_into(line, off, sizeof(line) - 16, msg);
	off = append(line, off, sizeof(line), "\"");
	if (extra != NULL && *extra != '\0' &&
	    off + strlen(extra) + 4 < sizeof(line)) {
		off = append(line, off, sizeof(line), ",");
		off = append(line, off, sizeof(line), extra);
	}
	off = append(line, off, sizeof(line), "}\n");

	if (log_sink != NULL && !log_in_sink) {
		log_in_sink = 1;
		log_sink(level, line, off);
		log_in_sink = 0;
	} else if (log_output != NULL && !log_in_sink) {
		log_in_sink = 1;
		log_output(level, line, off);
		log_in_sink = 0;
	} else
		log_write_line(line, off);
	errno = saved;
}

static void	vlog(int, int, const char *, va_list)
		    __attribute__((format(printf, 3, 0)));

static void
vlog(int level, int with_errno, const char *fmt, va_list ap)
{
	char	 msg[LOG_LINE_MAX / 2];
	int	 saved = errno;
	size_t	 n;

	if (level < log_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (with_errno) {
		n = strlen(msg);
		snprintf(msg + n, sizeof(msg) - n, ": %s", strerror(saved));
	}
	log_json(level, msg, NULL);
}

void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_DEBUG, 0, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_INFO, 0, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_WARNING, 0, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_WARNING, 1, fmt, ap);
	va_end(ap);
}

void
log_errorx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERROR, 0, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	if (log_level > LOG_LVL_CRITICAL)
		log_level = LOG_LVL_CRITICAL;
	vlog(LOG_LVL_CRITICAL, 1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	if (log_level > LOG_LVL_CRITICAL)
		log_level = LOG_LVL_CRITICAL;
	vlog(LOG_LVL_CRITICAL, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
