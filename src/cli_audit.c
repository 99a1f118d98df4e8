/*
 * cli_audit.c: sfrevops-mcp audit-report, the weekly reconciliation of
 * the local journal with the org's audit rows (contrib/WRITES.md).
 *
 *	sfrevops-mcp audit-report [--since DAYS] [--json]
 *
 * The parent reads the journal itself, before any child starts (it is
 * the process that opens it when serving), read-only; the org's rows
 * come through the front's query tool, as call's do: the same broker,
 * the same sandboxes, the same SOQL guard.  The first query asks for
 * Failed__c and Attempt_Id__c; an org without one of them answers with
 * an error naming it, and the query is sent again without it.
 *
 * Per attempt within the window: the failed ones (listed), and every
 * disagreement between the two (kinds below).  Exit status 0 when there
 * is no disagreement and no unresolved outcome, 1 otherwise (or when the
 * org could not be read), 2 on a usage or configuration error.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "sfrevops.h"
#include "cli.h"

#define AUDIT_MAX_ROWS		20000	/* the org's rows read */
#define AUDIT_MAX_ATTEMPTS	200000	/* attempts, journal and org */
#define AUDIT_MAX_LINE		(64 * 1024 + 1024)	/* a journal line, its \n too */
#define AUDIT_MAX_DAYS		3650
#define AUDIT_ID_LEN		26	/* w_ and 24 hex digits */
#define AUDIT_ID_REQ		3	/* the JSON-RPC id of each query */

enum outcome {
	OUT_NONE = 0,		/* not in the journal */
	OUT_PLANNED,		/* planned, never sent (expired) */
	OUT_SENT,		/* sent, no outcome journaled */
	OUT_APPLIED,
	OUT_REFUSED,
	OUT_NOT_APPLIED,	/* error, resolved_not_applied */
	OUT_UNKNOWN,		/* unknown, never resolved */
	OUT_DECLINED,
	OUT_CANCELLED
};

static const char *const outcome_name[] = {
	"none", "planned", "sent", "applied", "refused", "not_applied",
	"unknown", "declined", "cancelled"
};

struct attempt {
	char		 id[AUDIT_ID_LEN + 1];
	int		 used;
	int		 in_journal;
	enum outcome	 outcome;
	int		 resolved;	/* applied or not after an unknown */
	int		 failed_audit;	/* a failed_audit event */
	long long	 first_ms;	/* its first journal event */
	char		*tool, *object, *record, *field, *error, *failed_id;
	int		 rows, failed_rows;
	long long	 org_ms;	/* its first org row */
	char		*row_id, *failed_row_id;
};

static int		 opt_json;
static long		 opt_since = 7;
static char		*audit_object;
static char		*journal_path;
static struct attempt	*tab;
static size_t		 tabcap, tabn;
static long		 bad_lines, first_bad_line, journal_lines;
static char		 bad_why[160];
static int		 want_failed = 1, want_attempt = 1;
static int		 has_failed, has_attempt;
static long		 nrows;
static int		 truncated;
static long		 attempts_cut;	/* org rows past AUDIT_MAX_ATTEMPTS */
static cJSON		*stray;		/* rows without an attempt id */
static long long	 window_ms;	/* attempts from then on */
static char		 org_line[512];	/* "Org: ...", the first answer's */
static cJSON		*org_json;	/* its structuredContent._org */

static void __attribute__((noreturn))
audit_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void __attribute__((noreturn))
audit_usage(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "%s: audit-report: ", SFREVOPS_NAME);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: %s [-f file] audit-report [--since DAYS] "
	    "[--json]\n", SFREVOPS_NAME);
	exit(2);
}

static long
days_arg(const char *v)
{
	char	*end;
	long	 n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (v[0] < '0' || v[0] > '9' || errno != 0 || *end != '\0' ||
	    n < 1 || n > AUDIT_MAX_DAYS)
		audit_usage("--since takes a number of days from 1 to %d, not "
		    "'%.40s'", AUDIT_MAX_DAYS, v);
	return n;
}

void
cli_audit_args(int argc, char *argv[])
{
	int	 i, since = 0;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--json") == 0)
			opt_json = 1;
		else if (strcmp(a, "--since") == 0) {
			if (since++)
				audit_usage("--since is given twice");
			if (i + 1 == argc)
				audit_usage("--since needs a number of days");
			opt_since = days_arg(argv[++i]);
		} else if (strncmp(a, "--since=", 8) == 0) {
			if (since++)
				audit_usage("--since is given twice");
			opt_since = days_arg(a + 8);
		} else
			audit_usage("unknown %s '%s'", a[0] == '-' ? "option" :
			    "argument", a);
	}
}

/* ------------------------------------------------------ attempts */

static int
attempt_id_ok(const char *s, size_t len)
{
	size_t	 i;

	if (len != AUDIT_ID_LEN || s[0] != 'w' || s[1] != '_')
		return 0;
	for (i = 2; i < len; i++)
		if ((s[i] < '0' || s[i] > '9') && (s[i] < 'a' || s[i] > 'f'))
			return 0;
	return 1;
}

static size_t
hash_id(const char *s)
{
	size_t	 h = 5381;

	while (*s != '\0')
		h = h * 33 + (unsigned char)*s++;
	return h;
}

/* The attempt of id (valid), created when new; NULL past the bound. */
static struct attempt *
attempt_get(const char *id)
{
	struct attempt	*old;
	size_t		 i, oldcap;

	if (tabn * 2 >= tabcap) {
		if (tabn >= AUDIT_MAX_ATTEMPTS)
			goto find;
		old = tab;
		oldcap = tabcap;
		tabcap = tabcap == 0 ? 1024 : tabcap * 2;
		tab = xcalloc(tabcap, sizeof(*tab));
		for (i = 0; i < oldcap; i++) {
			size_t j;

			if (!old[i].used)
				continue;
			for (j = hash_id(old[i].id) & (tabcap - 1); tab[j].used;
			    j = (j + 1) & (tabcap - 1))
				;
			tab[j] = old[i];
		}
		free(old);
	}
find:
	for (i = hash_id(id) & (tabcap - 1); tab[i].used;
	    i = (i + 1) & (tabcap - 1))
		if (strcmp(tab[i].id, id) == 0)
			return &tab[i];
	if (tabn >= AUDIT_MAX_ATTEMPTS)
		return NULL;
	tabn++;
	tab[i].used = 1;
	strlcpy_sf(tab[i].id, id, sizeof(tab[i].id));
	return &tab[i];
}

/* 2026-12-02T02:15:15.123Z, or with +0000 / +00:00: ms, or -1. */
static int
datetime_ms(const char *s, long long *ms)
{
	struct tm	 tm;
	int		 y, mo, d, h, mi, sec, frac = 0, n = 0, off = 0;
	const char	*p;
	time_t		 t;

	if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d,
	    &h, &mi, &sec, &n) != 6 || n != 19)
		return -1;
	p = s + 19;
	if (*p == '.') {
		int k = 0;

		for (p++; *p >= '0' && *p <= '9'; p++, k++)
			if (k < 3)
				frac = frac * 10 + (*p - '0');
		for (; k < 3; k++)
			frac *= 10;
	}
	if (*p == 'Z' && p[1] == '\0')
		off = 0;
	else if ((*p == '+' || *p == '-') && strlen(p) >= 5) {
		int oh, om;

		if (sscanf(p + 1, "%2d", &oh) != 1 ||
		    sscanf(p + (p[3] == ':' ? 4 : 3), "%2d", &om) != 1)
			return -1;
		off = (oh * 60 + om) * 60 * (*p == '+' ? 1 : -1);
	} else
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	*ms = ((long long)t - off) * 1000 + frac;
	return 0;
}

static char *
str_dup_of(const cJSON *j, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(j, key);
	char		 num[64];

	if (cJSON_IsString(v))
		return xstrdup(v->valuestring);
	if (cJSON_IsNumber(v)) {
		snprintf(num, sizeof(num), "%g", v->valuedouble);
		return xstrdup(num);
	}
	if (cJSON_IsBool(v))
		return xstrdup(cJSON_IsTrue(v) ? "true" : "false");
	if (cJSON_IsObject(v)) {
		/* An error as the broker gave it: CODE: message. */
		const char *code = NULL, *msg, *k[] = { "errorCode",
		    "statusCode", "code" };
		size_t i;
		char *out, *p;

		for (i = 0; i < 3 && code == NULL; i++)
			code = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(v, k[i]));
		msg = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v,
		    "message"));
		if (code != NULL || msg != NULL) {
			size_t n = (code ? strlen(code) : 0) +
			    (msg ? strlen(msg) : 0) + 3;

			out = xmalloc(n);
			snprintf(out, n, "%s%s%s", code ? code : "",
			    code && msg ? ": " : "", msg ? msg : "");
			return out;
		}
		if ((p = cJSON_PrintUnformatted(v)) == NULL)
			fatalx("cJSON_PrintUnformatted");
		out = xstrdup(p);
		cJSON_free(p);
		return out;
	}
	return NULL;
}

static void
set_once(char **dst, const cJSON *j, const char *key)
{
	if (*dst == NULL)
		*dst = str_dup_of(j, key);
}

static void
bad_line(long lineno, const char *fmt, ...) __attribute__((format(printf,
    2, 3)));

static void
bad_line(long lineno, const char *fmt, ...)
{
	va_list	 ap;

	if (bad_lines++ == 0) {
		first_bad_line = lineno;
		va_start(ap, fmt);
		vsnprintf(bad_why, sizeof(bad_why), fmt, ap);
		va_end(ap);
	}
}

static void
journal_event(char *line, long lineno)
{
	cJSON		*j;
	const char	*id, *ev;
	struct attempt	*a;
	long long	 ms;

	if ((j = cJSON_Parse(line)) == NULL || !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		bad_line(lineno, "not a JSON object");
		return;
	}
	id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j,
	    "attempt"));
	ev = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j,
	    "event"));
	if (id == NULL || !attempt_id_ok(id, strlen(id))) {
		bad_line(lineno, "no attempt id (w_ and 24 hex digits)");
		goto out;
	}
	if (ev == NULL) {
		bad_line(lineno, "no event");
		goto out;
	}
	if (datetime_ms(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	    j, "ts")), &ms) == -1) {
		bad_line(lineno, "no ts (a UTC time)");
		goto out;
	}
	if ((a = attempt_get(id)) == NULL) {
		bad_line(lineno, "more than %d attempts: the rest are not "
		    "read", AUDIT_MAX_ATTEMPTS);
		goto out;
	}
	if (!a->in_journal) {
		a->in_journal = 1;
		a->first_ms = ms;
	}
	set_once(&a->tool, j, "tool");
	set_once(&a->object, j, "object");
	set_once(&a->record, j, "record");
	set_once(&a->field, j, "field");
	if (strcmp(ev, "planned") == 0) {
		if (a->outcome == OUT_NONE)
			a->outcome = OUT_PLANNED;
	} else if (strcmp(ev, "sent") == 0)
		a->outcome = OUT_SENT;
	else if (strcmp(ev, "applied") == 0)
		a->outcome = OUT_APPLIED;
	else if (strcmp(ev, "refused") == 0) {
		a->outcome = OUT_REFUSED;
		set_once(&a->error, j, "error");
	} else if (strcmp(ev, "failed_audit") == 0) {
		a->failed_audit = 1;
		set_once(&a->failed_id, j, "audit_id");
		set_once(&a->error, j, "error");
	} else if (strcmp(ev, "unknown") == 0)
		a->outcome = OUT_UNKNOWN;
	else if (strcmp(ev, "resolved_applied") == 0) {
		a->outcome = OUT_APPLIED;
		a->resolved = 1;
	} else if (strcmp(ev, "resolved_not_applied") == 0) {
		a->outcome = OUT_NOT_APPLIED;
		a->resolved = 1;
	} else if (strcmp(ev, "error") == 0) {
		a->outcome = OUT_NOT_APPLIED;
		set_once(&a->error, j, "error");
	} else if (strcmp(ev, "declined") == 0)
		a->outcome = OUT_DECLINED;
	else if (strcmp(ev, "cancelled") == 0)
		a->outcome = OUT_CANCELLED;
	else
		bad_line(lineno, "an unknown event '%.40s'", ev);
out:
	cJSON_Delete(j);
}

/*
 * The journal, read-only, as journal_open() would accept it for writing:
 * a regular file with one name, ours, not writable by group or others,
 * no symbolic link, at most SFDC_JOURNAL_MAX_MB.  0, or -1 with why.
 */
static int
journal_read(const char *path, long max_mb, char *why, size_t whylen)
{
	struct stat	 st;
	char		*buf;
	size_t		 len = 0;
	ssize_t		 n;
	long		 lineno = 0;
	int		 fd, skipping = 0;

	if (strcmp(path, "none") == 0) {
		snprintf(why, whylen, "there is no journal to reconcile "
		    "(SFDC_JOURNAL=none, or no HOME for its default): set "
		    "SFDC_JOURNAL to the journal the server writes");
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) == -1) {
		snprintf(why, whylen, "cannot read the journal %s: %s%s", path,
		    errno == ELOOP ? "it is a symbolic link" : strerror(errno),
		    errno == ENOENT ? " (no write was made with this "
		    "SFDC_JOURNAL yet, or it names another file)" : "");
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(why, whylen, "the journal %s: %s", path,
		    strerror(errno));
		(void)close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1) {
		snprintf(why, whylen, "the journal %s is not a regular file "
		    "with one name", path);
		(void)close(fd);
		return -1;
	}
	if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		snprintf(why, whylen, "the journal %s is %s: refusing to trust "
		    "it (chmod go-w, or chown it)", path, st.st_uid !=
		    geteuid() ? "owned by another user" : "writable by its "
		    "group or by others");
		(void)close(fd);
		return -1;
	}
	if (st.st_size > (off_t)max_mb * 1024 * 1024) {
		snprintf(why, whylen, "the journal %s is larger than "
		    "SFDC_JOURNAL_MAX_MB (%ld MiB): more than the server "
		    "writes; is it the journal?", path, max_mb);
		(void)close(fd);
		return -1;
	}
	buf = xmalloc(AUDIT_MAX_LINE + 1);
	for (;;) {
		char	*nl, *p;

		n = read(fd, buf + len, AUDIT_MAX_LINE - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(why, whylen, "reading the journal %s: %s",
			    path, strerror(errno));
			free(buf);
			(void)close(fd);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		p = buf;
		while ((nl = memchr(p, '\n', len - (size_t)(p - buf))) !=
		    NULL) {
			*nl = '\0';
			lineno++;
			if (skipping)
				skipping = 0;
			else if (memchr(p, '\0', (size_t)(nl - p)) != NULL)
				bad_line(lineno, "a NUL byte");
			else
				journal_event(p, lineno);
			p = nl + 1;
		}
		len -= (size_t)(p - buf);
		memmove(buf, p, len);
		if (len == AUDIT_MAX_LINE) {
			/* A line longer than any event: skipped. */
			if (!skipping)
				bad_line(lineno + 1, "longer than %d bytes with "
				    "its new line",
				    AUDIT_MAX_LINE);
			skipping = 1;
			len = 0;
		}
	}
	if (len > 0 && !skipping)
		bad_line(lineno + 1, "the last line has no new line (cut "
		    "short when the writer stopped?)");
	journal_lines = lineno + (len > 0);
	free(buf);
	if (close(fd) == -1) {
		snprintf(why, whylen, "the journal %s: %s", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
cli_audit_load(const char *config_json, const char *journal)
{
	cJSON		*j;
	const cJSON	*v;
	char		 why[1400];
	long		 max_mb = 64;
	long long	 now;
	struct timespec	 ts;

	if ((j = cJSON_Parse(config_json)) == NULL)
		fatalx("the configuration is not JSON");
	v = cJSON_GetObjectItemCaseSensitive(j, "audit_object");
	audit_object = xstrdup(cJSON_IsString(v) ? v->valuestring :
	    "Cleanup_Audit__c");
	v = cJSON_GetObjectItemCaseSensitive(j, "journal_max_mb");
	if (cJSON_IsNumber(v) && v->valuedouble >= 1 && v->valuedouble <= 4096)
		max_mb = (long)v->valuedouble;
	cJSON_Delete(j);
	journal_path = xstrdup(journal);
	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		fatal("clock_gettime");
	now = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	window_ms = now - (long long)opt_since * 86400 * 1000;
	if (journal_read(journal, max_mb, why, sizeof(why)) == -1) {
		fprintf(stderr, "%s: audit-report: %s\n", SFREVOPS_NAME, why);
		return -1;
	}
	if ((stray = cJSON_CreateArray()) == NULL)
		fatalx("cJSON_CreateArray");
	return 0;
}

/* ------------------------------------------------------- the org */

static void
send_query(int fd, const char *cursor)
{
	cJSON	*r, *params, *args;
	char	 soql[1024];

	r = cli_request(AUDIT_ID_REQ, "tools/call");
	params = cJSON_AddObjectToObject(r, "params");
	cJSON_AddStringToObject(params, "name", "query");
	args = cJSON_AddObjectToObject(params, "arguments");
	if (cursor != NULL)
		cJSON_AddStringToObject(args, "cursor", cursor);
	else {
		/* One more than the bound: a cut report says so. */
		snprintf(soql, sizeof(soql), "SELECT Id, Name, Object_Name__c, "
		    "Record_Id__c, Field_Name__c, New_Value__c, "
		    "Performed_By__c, CreatedDate%s%s FROM %s WHERE "
		    "CreatedDate = LAST_N_DAYS:%ld ORDER BY CreatedDate "
		    "LIMIT %d", want_failed ? ", Failed__c" : "",
		    want_attempt ? ", Attempt_Id__c" : "", audit_object,
		    opt_since, AUDIT_MAX_ROWS + 1);
		cJSON_AddStringToObject(args, "soql", soql);
	}
	cli_send(fd, r);
}

void
cli_audit_begin(int fd)
{
	send_query(fd, NULL);
}

static int
col_of(const cJSON *cols, const char *name)
{
	const cJSON	*c;
	int		 i = 0;

	cJSON_ArrayForEach(c, cols) {
		if (cJSON_IsString(c) && strcmp(c->valuestring, name) == 0)
			return i;
		i++;
	}
	return -1;
}

static const char *
cell(const cJSON *row, int col)
{
	const cJSON	*v;

	if (col < 0 || (v = cJSON_GetArrayItem(row, col)) == NULL)
		return NULL;
	return cJSON_GetStringValue(v);
}

/* The attempt id at the end of Performed_By__c: "... [attempt w_...]". */
static int
performed_by_attempt(const char *s, char id[AUDIT_ID_LEN + 1])
{
	const char	*p, *last = NULL;

	if (s == NULL)
		return 0;
	for (p = s; (p = strstr(p, "[attempt ")) != NULL; p++)
		last = p;
	if (last == NULL)
		return 0;
	last += strlen("[attempt ");
	if (strlen(last) < AUDIT_ID_LEN + 1 || last[AUDIT_ID_LEN] != ']' ||
	    !attempt_id_ok(last, AUDIT_ID_LEN))
		return 0;
	memcpy(id, last, AUDIT_ID_LEN);
	id[AUDIT_ID_LEN] = '\0';
	return 1;
}

static void
org_row(const cJSON *cols, const cJSON *row)
{
	const char	*rid, *name, *by, *att, *created;
	const cJSON	*fv;
	struct attempt	*a;
	char		 id[AUDIT_ID_LEN + 1];
	long long	 ms = 0;
	int		 failed = 0, fcol;

	rid = cell(row, col_of(cols, "Id"));
	name = cell(row, col_of(cols, "Name"));
	by = cell(row, col_of(cols, "Performed_By__c"));
	att = cell(row, col_of(cols, "Attempt_Id__c"));
	created = cell(row, col_of(cols, "CreatedDate"));
	if ((fcol = col_of(cols, "Failed__c")) != -1 &&
	    (fv = cJSON_GetArrayItem(row, fcol)) != NULL)
		failed = cJSON_IsTrue(fv);
	(void)datetime_ms(created, &ms);
	if (att != NULL && attempt_id_ok(att, strlen(att)))
		strlcpy_sf(id, att, sizeof(id));
	else if (!performed_by_attempt(by, id)) {
		cJSON *s;

		if (ms < window_ms)
			return;
		if ((s = cJSON_CreateObject()) == NULL)
			fatalx("cJSON_CreateObject");
		cJSON_AddStringToObject(s, "audit_id", rid ? rid : "");
		cJSON_AddStringToObject(s, "name", name ? name : "");
		cJSON_AddStringToObject(s, "created", created ? created : "");
		cJSON_AddBoolToObject(s, "failed", failed);
		cJSON_AddItemToArray(stray, s);
		return;
	}
	if ((a = attempt_get(id)) == NULL) {
		attempts_cut++;
		return;
	}
	if ((a->rows == 0 && a->failed_rows == 0) || ms < a->org_ms)
		a->org_ms = ms;
	if (failed) {
		if (a->failed_rows++ == 0 && rid != NULL)
			a->failed_row_id = xstrdup(rid);
	} else {
		if (a->rows++ == 0 && rid != NULL)
			a->row_id = xstrdup(rid);
	}
	if (a->object == NULL && (name = cell(row, col_of(cols,
	    "Object_Name__c"))) != NULL)
		a->object = xstrdup(name);
	if (a->record == NULL && (name = cell(row, col_of(cols,
	    "Record_Id__c"))) != NULL)
		a->record = xstrdup(name);
	if (a->field == NULL && (name = cell(row, col_of(cols,
	    "Field_Name__c"))) != NULL)
		a->field = xstrdup(name);
}

/* ------------------------------------------------------- the report */

struct counts {
	long	 attempts, applied, refused, declined, unknown, not_applied,
		 planned, disagreements, failed;
};

static cJSON	*findings;
static struct counts cnt;

static void
what_of(const struct attempt *a, char *out, size_t len)
{
	snprintf(out, len, "%s %s %s%s%s", a->tool ? a->tool :
	    (a->field != NULL && strcmp(a->field, "ContentNote") == 0 ?
	    "add_note" : "update_field"), a->object ? a->object : "?",
	    a->record ? a->record : "?", a->field ? " " : "",
	    a->field ? a->field : "");
}

static void
finding(const char *kind, int disagreement, const struct attempt *a,
    const char *check, const char *fmt, ...) __attribute__((format(printf,
    5, 6)));

static void
finding(const char *kind, int disagreement, const struct attempt *a,
    const char *check, const char *fmt, ...)
{
	cJSON	*f;
	char	 msg[1024];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if ((f = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	cJSON_AddStringToObject(f, "kind", kind);
	cJSON_AddBoolToObject(f, "disagreement", disagreement);
	if (a != NULL) {
		cJSON_AddStringToObject(f, "attempt", a->id);
		cJSON_AddStringToObject(f, "journal", a->in_journal ?
		    outcome_name[a->outcome] : "absent");
		cJSON_AddNumberToObject(f, "org_rows", a->rows);
		cJSON_AddNumberToObject(f, "org_failed_rows", a->failed_rows);
		if (a->object != NULL)
			cJSON_AddStringToObject(f, "object", a->object);
		if (a->record != NULL)
			cJSON_AddStringToObject(f, "record", a->record);
		if (a->field != NULL)
			cJSON_AddStringToObject(f, "field", a->field);
		if (a->row_id != NULL)
			cJSON_AddStringToObject(f, "audit_id", a->row_id);
		if (a->failed_row_id != NULL)
			cJSON_AddStringToObject(f, "failed_audit_id",
			    a->failed_row_id);
	}
	cJSON_AddStringToObject(f, "message", msg);
	if (check != NULL)
		cJSON_AddStringToObject(f, "check", check);
	cJSON_AddItemToArray(findings, f);
	if (disagreement)
		cnt.disagreements++;
}

static int
attempt_cmp(const void *x, const void *y)
{
	const struct attempt *a = *(const struct attempt *const *)x;
	const struct attempt *b = *(const struct attempt *const *)y;
	long long ta = a->in_journal ? a->first_ms : a->org_ms;
	long long tb = b->in_journal ? b->first_ms : b->org_ms;

	if (ta != tb)
		return ta < tb ? -1 : 1;
	return strcmp(a->id, b->id);
}

static void
judge(const struct attempt *a)
{
	char	 what[512];

	what_of(a, what, sizeof(what));
	if (a->in_journal)
		cnt.attempts++;
	switch (a->outcome) {
	case OUT_APPLIED:
		cnt.applied++;
		break;
	case OUT_REFUSED:
		cnt.refused++;
		break;
	case OUT_DECLINED:
	case OUT_CANCELLED:
		cnt.declined++;
		break;
	case OUT_UNKNOWN:
	case OUT_SENT:
		cnt.unknown++;
		break;
	case OUT_NOT_APPLIED:
		cnt.not_applied++;
		break;
	case OUT_PLANNED:
		cnt.planned++;
		break;
	case OUT_NONE:
		break;
	}
	if (a->outcome == OUT_REFUSED || a->failed_rows > 0) {
		cnt.failed++;
		finding("failed", 0, a, NULL, "%s was refused by the org%s%s%s",
		    what, a->error ? ": " : "", a->error ? a->error : "",
		    a->failed_row_id ? " (failed-attempt row)" : "");
	}
	if (a->outcome == OUT_APPLIED && a->rows == 0)
		finding("applied_without_row", 1, a, "the record's field "
		    "history for the change, and the audit object for a "
		    "deleted row", "the journal says %s was applied%s, but the "
		    "org has no audit row for it", what, a->resolved ?
		    " (resolved by the attempt-id look-up)" : "");
	if (a->rows > 0 && !a->in_journal)
		finding("row_not_in_journal", 1, a, "who wrote this row: "
		    "another server's journal, a lost journal, or a hand-made "
		    "row", "the org has an audit row %s for %s, an attempt the "
		    "journal does not know", a->row_id ? a->row_id : "", what);
	else if (a->rows > 0 && a->outcome != OUT_APPLIED &&
	    a->outcome != OUT_UNKNOWN && a->outcome != OUT_SENT)
		finding("row_not_applied", 1, a, "the record: the change may "
		    "be in the org although the journal says otherwise",
		    "the org has an audit row %s for %s, but the journal's "
		    "outcome is %s", a->row_id ? a->row_id : "", what,
		    outcome_name[a->outcome]);
	if (a->rows > 1)
		finding("duplicate_rows", 1, a, "the audit object for rows "
		    "written twice", "the org has %d audit rows for %s (one "
		    "is written per attempt)", a->rows, what);
	if (a->outcome == OUT_REFUSED && has_failed && a->failed_rows == 0)
		finding("refused_without_failed_row", 1, a, "whether the "
		    "failed-attempt row was deleted, or could not be written "
		    "(the journal's failed_audit event says)",
		    "the journal says %s was refused, but the org has no "
		    "failed-attempt row (Failed__c) for it", what);
	if (a->outcome == OUT_UNKNOWN || a->outcome == OUT_SENT)
		finding("unknown_outcome", 0, a, "the record's field history "
		    "and the audit object for this attempt id",
		    "%s: the journal %s%s", what, a->outcome == OUT_SENT ?
		    "has it sent but no outcome (the server stopped, or the "
		    "write is still on its way)" : "says its outcome is "
		    "unknown and it was never resolved", a->rows > 0 ?
		    "; the org has its audit row, so it was probably "
		    "applied" : "; the org has no audit row for it");
}

static void
report_text(const cJSON *summary, const char *last_row)
{
	const cJSON	*f;

	if (org_line[0] != '\0')
		printf("%s\n", org_line);
	cJSON_ArrayForEach(f, findings) {
		const char *attempt = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(f, "attempt"));
		const char *check = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(f, "check"));

		printf("%s %s%s%s: %s%s%s\n",
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(f,
		    "disagreement")) ? "DISAGREE" : strcmp(
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f,
		    "kind")), "failed") == 0 ? "FAILED" : "UNKNOWN",
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f,
		    "kind")), attempt ? " " : "", attempt ? attempt : "",
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f,
		    "message")), check ? "; check " : "", check ? check : "");
	}
	if (truncated)
		printf("CUT the org's rows stopped at %d (the last created %s): "
		    "the report is incomplete; use a smaller --since\n",
		    AUDIT_MAX_ROWS, last_row ? last_row : "?");
	printf("summary: last %ld days: %ld attempts: %ld applied, %ld "
	    "refused, %ld declined/cancelled, %ld unknown, %ld not applied, "
	    "%ld planned only; %ld org rows; %ld disagreements\n", opt_since,
	    (long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(summary,
	    "attempts")), cnt.applied, cnt.refused, cnt.declined, cnt.unknown,
	    cnt.not_applied, cnt.planned, nrows, cnt.disagreements);
}

static int
report(const char *last_row)
{
	struct attempt	**v;
	cJSON		*out, *summary, *s;
	size_t		 i, n = 0;
	char		*text;
	int		 st;

	if ((findings = cJSON_CreateArray()) == NULL)
		fatalx("cJSON_CreateArray");
	v = xreallocarray(NULL, tabn + 1, sizeof(*v));
	for (i = 0; i < tabcap; i++) {
		struct attempt *a = &tab[i];

		if (a->used && (a->in_journal ? a->first_ms : a->org_ms) >=
		    window_ms)
			v[n++] = a;
	}
	qsort(v, n, sizeof(*v), attempt_cmp);
	for (i = 0; i < n; i++)
		judge(v[i]);
	free(v);
	cJSON_ArrayForEach(s, stray) {
		const char *rid = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(s, "audit_id"));

		finding("row_without_attempt_id", 1, NULL, "who wrote it: "
		    "this server puts an attempt id in every row", "the org "
		    "has an audit row %s (%s, created %s) that names no "
		    "attempt", rid, cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(s, "name")),
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s,
		    "created")));
	}
	if (bad_lines > 0)
		finding("journal_unreadable", 1, NULL, "the journal file: "
		    "lines the reconciliation could not read", "the journal "
		    "has %ld line%s it cannot read (the first, line %ld: %s)",
		    bad_lines, bad_lines == 1 ? "" : "s", first_bad_line,
		    bad_why);
	if (attempts_cut > 0)
		finding("too_many_attempts", 1, NULL, "a smaller --since",
		    "%ld of the org's rows were not compared: more than %d "
		    "attempts in all", attempts_cut, AUDIT_MAX_ATTEMPTS);
	st = cnt.disagreements > 0 || cnt.unknown > 0 || truncated ? 1 : 0;

	if ((out = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	if (org_json != NULL) {
		cJSON_AddItemToObject(out, "org", org_json);
		org_json = NULL;
	}
	cJSON_AddNumberToObject(out, "since_days", (double)opt_since);
	cJSON_AddStringToObject(out, "journal", journal_path);
	cJSON_AddNumberToObject(out, "journal_lines", (double)journal_lines);
	cJSON_AddStringToObject(out, "audit_object", audit_object);
	cJSON_AddBoolToObject(out, "failed_field", has_failed);
	cJSON_AddBoolToObject(out, "attempt_id_field", has_attempt);
	cJSON_AddNumberToObject(out, "org_rows", (double)nrows);
	cJSON_AddBoolToObject(out, "truncated", truncated);
	cJSON_AddNumberToObject(out, "max_rows", AUDIT_MAX_ROWS);
	summary = cJSON_AddObjectToObject(out, "summary");
	cJSON_AddNumberToObject(summary, "attempts", (double)cnt.attempts);
	cJSON_AddNumberToObject(summary, "applied", (double)cnt.applied);
	cJSON_AddNumberToObject(summary, "refused", (double)cnt.refused);
	cJSON_AddNumberToObject(summary, "declined_cancelled",
	    (double)cnt.declined);
	cJSON_AddNumberToObject(summary, "unknown", (double)cnt.unknown);
	cJSON_AddNumberToObject(summary, "not_applied",
	    (double)cnt.not_applied);
	cJSON_AddNumberToObject(summary, "planned_only", (double)cnt.planned);
	cJSON_AddNumberToObject(summary, "failed", (double)cnt.failed);
	cJSON_AddNumberToObject(summary, "disagreements",
	    (double)cnt.disagreements);
	cJSON_AddItemToObject(out, "findings", findings);
	cJSON_AddNumberToObject(out, "status", st);
	if (opt_json) {
		if ((text = cJSON_Print(out)) == NULL)
			fatalx("cJSON_Print");
		printf("%s\n", text);
		cJSON_free(text);
	} else
		report_text(summary, last_row);
	cJSON_Delete(out);
	if (fflush(stdout) == EOF) {
		log_warn("stdout");
		st = 1;
	}
	return st;
}

static void
audit_free(void)
{
	size_t	 i;

	for (i = 0; i < tabcap; i++) {
		struct attempt *a = &tab[i];

		if (!a->used)
			continue;
		free(a->tool);
		free(a->object);
		free(a->record);
		free(a->field);
		free(a->error);
		free(a->failed_id);
		free(a->row_id);
		free(a->failed_row_id);
	}
	free(tab);
	tab = NULL;
	tabcap = tabn = 0;
	cJSON_Delete(stray);
	stray = NULL;
	cJSON_Delete(org_json);
	org_json = NULL;
	free(audit_object);
	free(journal_path);
	audit_object = journal_path = NULL;
}

static const char *
tool_text(const cJSON *result)
{
	const cJSON	*b;

	cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(result,
	    "content")) {
		const char *t = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(b, "text"));
		if (t != NULL)
			return t;
	}
	return "(no text)";
}

int
cli_audit_answer(int fd, const cJSON *m)
{
	const cJSON	*result, *sc, *cols, *rows, *row, *cursor, *e;
	static char	 last_row[40];
	const char	*t;
	int		 st, ccol;

	result = cJSON_GetObjectItemCaseSensitive(m, "result");
	if (!cJSON_IsObject(result)) {
		e = cJSON_GetObjectItemCaseSensitive(m, "error");
		t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e,
		    "message"));
		/* Our request is fixed: refused, it is this configuration's. */
		fprintf(stderr, "%s: audit-report: the query of the audit "
		    "rows: %s%s\n", SFREVOPS_NAME, t ? t : "(no message)",
		    t != NULL && strstr(t, "Unknown tool") != NULL ? " (the "
		    "report reads the org's rows with the query tool: allow "
		    "it in SFDC_TOOLS)" : "");
		audit_free();
		return 2;
	}
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(result, "isError"))) {
		t = tool_text(result);
		/* An org without an optional field: asked again without. */
		if (nrows == 0 && want_attempt && strstr(t, "Attempt_Id__c")) {
			want_attempt = 0;
			send_query(fd, NULL);
			return -1;
		}
		if (nrows == 0 && want_failed && strstr(t, "Failed__c")) {
			want_failed = 0;
			send_query(fd, NULL);
			return -1;
		}
		fprintf(stderr, "%s: audit-report: the org's audit rows (%s) "
		    "could not be read: %s\n", SFREVOPS_NAME, audit_object, t);
		audit_free();
		return 1;
	}
	has_failed = want_failed;
	has_attempt = want_attempt;
	sc = cJSON_GetObjectItemCaseSensitive(result, "structuredContent");
	cols = cJSON_GetObjectItemCaseSensitive(sc, "columns");
	rows = cJSON_GetObjectItemCaseSensitive(sc, "rows");
	if (!cJSON_IsArray(cols) || !cJSON_IsArray(rows)) {
		fprintf(stderr, "%s: audit-report: the query's answer has no "
		    "columns and rows\n", SFREVOPS_NAME);
		audit_free();
		return 1;
	}
	if (org_line[0] == '\0') {
		const char *nl;

		t = tool_text(result);
		if (strncmp(t, "Org: ", 5) == 0) {
			nl = strchr(t, '\n');
			snprintf(org_line, sizeof(org_line), "%.*s", nl != NULL ?
			    (int)(nl - t) : (int)strlen(t), t);
		}
		if ((e = cJSON_GetObjectItemCaseSensitive(sc, "_org")) != NULL)
			org_json = cJSON_Duplicate(e, 1);
	}
	ccol = col_of(cols, "CreatedDate");
	cJSON_ArrayForEach(row, rows) {
		if (nrows == AUDIT_MAX_ROWS) {
			truncated = 1;
			break;
		}
		nrows++;
		org_row(cols, row);
		if ((t = cell(row, ccol)) != NULL)
			strlcpy_sf(last_row, t, sizeof(last_row));
	}
	cursor = cJSON_GetObjectItemCaseSensitive(sc, "cursor");
	if (!truncated && !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(sc,
	    "done")) && cJSON_IsString(cursor)) {
		send_query(fd, cursor->valuestring);
		return -1;
	}
	st = report(last_row[0] != '\0' ? last_row : NULL);
	audit_free();
	return st;
}
