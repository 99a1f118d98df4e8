/*
 * conf.c: settings from the environment, and secrets from one of four
 * sources, read once by the parent before anything is started:
 *
 *	VAR		the value itself (the seed's SFDC_ACCESS_TOKEN)
 *	VAR_FILE	a file readable by its owner only
 *	VAR_COMMAND	a command run once through /bin/sh, its stdout the value
 *			(op read, pass, vault kv get -field=...)
 *	$CREDENTIALS_DIRECTORY/VAR	systemd's LoadCredential=
 *
 * Exactly one source per secret.  A secret goes straight from read(2)
 * into libsodium guarded memory; stdio never sees it.  The parent hands
 * the secrets to the broker and frees them; config_wipe_environ() clears
 * the bytes of the original environment so /proc/PID/environ shows
 * nothing either.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "sfrevops.h"
#include "conf.h"

extern char **environ;

const char *const config_secret_vars[] = {
	"SFDC_ACCESS_TOKEN",
	"SFDC_REFRESH_TOKEN",
	"SFDC_CLIENT_SECRET",
	"SFDC_PRIVATE_KEY",
	NULL
};

#define SECRET_CMD_TIMEOUT_MS	30000

static int
secret_alloc(struct secret *s, size_t cap)
{
	if ((s->p = sodium_malloc(cap + 1)) == NULL)
		return -1;
	s->len = 0;
	s->p[0] = '\0';
	return 0;
}

int
secret_set(struct secret *s, const char *bytes, size_t len)
{
	if (len == 0 || len > SECRET_MAX || secret_alloc(s, SECRET_MAX) == -1)
		return -1;
	memcpy(s->p, bytes, len);
	s->p[len] = '\0';
	s->len = len;
	return 0;
}

void
secret_free(struct secret *s)
{
	if (s->p != NULL)
		sodium_free(s->p);	/* zeroes before unmapping */
	s->p = NULL;
	s->len = 0;
}

/* Trim one trailing newline (and CR): files and commands end with one. */
static void
secret_trim(struct secret *s)
{
	while (s->len > 0 && (s->p[s->len - 1] == '\n' ||
	    s->p[s->len - 1] == '\r')) {
		s->p[--s->len] = '\0';
	}
}

/* Read all of fd into s, at most SECRET_MAX bytes. */
static int
secret_read_fd(int fd, struct secret *s, int timeout_ms, char *errbuf,
    size_t errlen, const char *what)
{
	struct pollfd	 pfd;
	uint64_t	 deadline = now_ms() + (uint64_t)timeout_ms;
	ssize_t		 n;
	int		 r;

	for (;;) {
		if (timeout_ms > 0) {
			uint64_t now = now_ms();
			if (now >= deadline) {
				snprintf(errbuf, errlen, "%s: timed out after "
				    "%d s", what, timeout_ms / 1000);
				return -1;
			}
			pfd.fd = fd;
			pfd.events = POLLIN;
			r = poll(&pfd, 1, (int)(deadline - now));
			if (r == -1 && errno == EINTR)
				continue;
			if (r == -1) {
				snprintf(errbuf, errlen, "%s: poll: %s", what,
				    strerror(errno));
				return -1;
			}
			if (r == 0)
				continue;
		}
		if (s->len == SECRET_MAX) {
			char c;
			n = read(fd, &c, 1);
			if (n == 0)
				break;
			snprintf(errbuf, errlen, "%s: longer than %d bytes",
			    what, SECRET_MAX);
			return -1;
		}
		n = read(fd, s->p + s->len, SECRET_MAX - s->len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(errbuf, errlen, "%s: read: %s", what,
			    strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
		s->len += (size_t)n;
	}
	s->p[s->len] = '\0';
	secret_trim(s);
	if (memchr(s->p, '\0', s->len) != NULL) {
		snprintf(errbuf, errlen, "%s: contains a NUL byte", what);
		return -1;
	}
	return 0;
}

static int
secret_from_file(const char *path, struct secret *s, const char *var,
    char *errbuf, size_t errlen)
{
	struct stat	 st;
	int		 fd, r;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		snprintf(errbuf, errlen, "%s: cannot open %s: %s", var, path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(errbuf, errlen, "%s: fstat %s: %s", var, path,
		    strerror(errno));
		(void)close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(errbuf, errlen, "%s: %s is not a regular file", var,
		    path);
		(void)close(fd);
		return -1;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(errbuf, errlen, "%s: %s is readable or writable by "
		    "group or others (mode %03o); run: chmod 600 %s", var, path,
		    (unsigned int)(st.st_mode & 0777), path);
		(void)close(fd);
		return -1;
	}
	r = secret_read_fd(fd, s, 0, errbuf, errlen, var);
	if (close(fd) == -1 && r == 0) {
		snprintf(errbuf, errlen, "%s: close: %s", var, strerror(errno));
		return -1;
	}
	return r;
}

static int
secret_from_command(const char *cmd, struct secret *s, const char *var,
    char *errbuf, size_t errlen)
{
	int	 p[2], status, r;
	pid_t	 pid;
	char	**envp;
	size_t	 n, i, k;

	/*
	 * The command's environment is ours without any SFDC_ variable: a
	 * password manager needs PATH, HOME and its own settings (OP_*,
	 * VAULT_*, GNUPGHOME...), and must not see a secret given to us as
	 * a plain value, or the settings that say where the others are
	 * (systemd's CREDENTIALS_DIRECTORY among them).
	 */
	for (n = 0; environ[n] != NULL; n++)
		;
	envp = xcalloc(n + 1, sizeof(*envp));
	for (i = 0, k = 0; i < n; i++)
		if (strncmp(environ[i], "SFDC_", 5) != 0 &&
		    strncmp(environ[i], "CREDENTIALS_DIRECTORY=", 22) != 0)
			envp[k++] = environ[i];
	envp[k] = NULL;
	if (pipe2(p, O_CLOEXEC) == -1) {
		free(envp);
		snprintf(errbuf, errlen, "%s: pipe: %s", var, strerror(errno));
		return -1;
	}
	if ((pid = fork()) == -1) {
		snprintf(errbuf, errlen, "%s: fork: %s", var, strerror(errno));
		(void)close(p[0]);
		(void)close(p[1]);
		free(envp);
		return -1;
	}
	if (pid == 0) {
		int devnull;

		if (dup2(p[1], STDOUT_FILENO) == -1)
			_exit(127);
		if ((devnull = open("/dev/null", O_RDONLY)) == -1 ||
		    dup2(devnull, STDIN_FILENO) == -1)
			_exit(127);
		closefrom_sf(3);
		execle("/bin/sh", "sh", "-c", cmd, (char *)NULL, envp);
		_exit(127);
	}
	free(envp);
	(void)close(p[1]);
	r = secret_read_fd(p[0], s, SECRET_CMD_TIMEOUT_MS, errbuf, errlen, var);
	(void)close(p[0]);
	if (r == -1)
		(void)kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR) {
			snprintf(errbuf, errlen, "%s: waitpid: %s", var,
			    strerror(errno));
			return -1;
		}
	}
	if (r == -1)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(errbuf, errlen, "%s: the command failed (%s %d); "
		    "run it by hand to see why", var,
		    WIFEXITED(status) ? "exit status" : "signal",
		    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		return -1;
	}
	return 0;
}

int
secret_lookup(const char *var, struct secret *s, int required, char *errbuf,
    size_t errlen)
{
	char		 name[128], path[4096];
	const char	*val, *file, *cmd, *creds;
	struct stat	 st;
	int		 nsrc = 0, r;

	memset(s, 0, sizeof(*s));
	val = getenv(var);
	snprintf(name, sizeof(name), "%s_FILE", var);
	file = getenv(name);
	snprintf(name, sizeof(name), "%s_COMMAND", var);
	cmd = getenv(name);
	creds = getenv("CREDENTIALS_DIRECTORY");
	path[0] = '\0';
	if (creds != NULL && *creds == '/') {
		snprintf(path, sizeof(path), "%s/%s", creds, var);
		if (stat(path, &st) == -1)
			path[0] = '\0';
	}
	nsrc = (val != NULL && *val != '\0') + (file != NULL && *file != '\0') +
	    (cmd != NULL && *cmd != '\0') + (path[0] != '\0');
	if (nsrc == 0) {
		if (required) {
			snprintf(errbuf, errlen, "%s is not set (nor %s_FILE, "
			    "%s_COMMAND or a systemd credential)", var, var,
			    var);
			return -1;
		}
		return 0;
	}
	if (nsrc > 1) {
		snprintf(errbuf, errlen, "%s is given by more than one of "
		    "%s, %s_FILE, %s_COMMAND and $CREDENTIALS_DIRECTORY/%s; "
		    "keep one", var, var, var, var, var);
		return -1;
	}
	if (secret_alloc(s, SECRET_MAX) == -1) {
		snprintf(errbuf, errlen, "%s: sodium_malloc failed", var);
		return -1;
	}
	if (val != NULL && *val != '\0') {
		size_t n = strlen(val);
		if (n > SECRET_MAX) {
			snprintf(errbuf, errlen, "%s: longer than %d bytes",
			    var, SECRET_MAX);
			secret_free(s);
			return -1;
		}
		memcpy(s->p, val, n);
		s->p[n] = '\0';
		s->len = n;
		strlcpy_sf(s->source, var, sizeof(s->source));
		r = 0;
	} else if (file != NULL && *file != '\0') {
		snprintf(s->source, sizeof(s->source), "%s_FILE", var);
		r = secret_from_file(file, s, s->source, errbuf, errlen);
	} else if (cmd != NULL && *cmd != '\0') {
		snprintf(s->source, sizeof(s->source), "%s_COMMAND", var);
		r = secret_from_command(cmd, s, s->source, errbuf, errlen);
	} else {
		snprintf(s->source, sizeof(s->source),
		    "$CREDENTIALS_DIRECTORY/%s", var);
		r = secret_from_file(path, s, s->source, errbuf, errlen);
	}
	if (r == 0 && s->len == 0) {
		snprintf(errbuf, errlen, "%s is empty", s->source);
		r = -1;
	}
	if (r == -1)
		secret_free(s);
	return r;
}

void
config_wipe_environ(void)
{
	char	**ep, *found[32];
	size_t	 i, n, nfound = 0;
	char	 name[128];

	/* Remember where the strings are, take them out of environ, then
	 * clear the bytes: /proc/PID/environ shows that memory. */
	for (ep = environ; ep != NULL && *ep != NULL; ep++) {
		for (i = 0; config_secret_vars[i] != NULL; i++) {
			n = strlen(config_secret_vars[i]);
			if (strncmp(*ep, config_secret_vars[i], n) == 0 &&
			    (*ep)[n] == '=' && nfound < 32)
				found[nfound++] = *ep;
		}
	}
	for (i = 0; config_secret_vars[i] != NULL; i++) {
		if (unsetenv(config_secret_vars[i]) == -1)
			fatal("unsetenv %s", config_secret_vars[i]);
		/* The command and file variables are not secret, but they
		 * are of no use to anyone after this point either. */
		snprintf(name, sizeof(name), "%s_COMMAND",
		    config_secret_vars[i]);
		if (unsetenv(name) == -1)
			fatal("unsetenv %s", name);
	}
	for (i = 0; i < nfound; i++)
		sodium_memzero(found[i], strlen(found[i]));
}

static const char *
env_or(const char *var, const char *def)
{
	const char *v = getenv(var);

	return (v != NULL && *v != '\0') ? v : def;
}

/* https://host[:port] with nothing after it but an optional slash. */
static int
url_valid(const char *url)
{
	const char	*p;

	if (strncmp(url, "https://", 8) != 0)
		return 0;
	p = url + 8;
	if (*p == '\0' || *p == '/')
		return 0;
	for (; *p != '\0' && *p != '/'; p++)
		if (!(('a' <= *p && *p <= 'z') || ('A' <= *p && *p <= 'Z') ||
		    ('0' <= *p && *p <= '9') || *p == '.' || *p == '-' ||
		    *p == ':' || *p == '[' || *p == ']'))
			return 0;
	return *p == '\0' || (p[0] == '/' && p[1] == '\0');
}

static int
api_version_valid(const char *v)
{
	/* vNN.N */
	size_t	 i, n = strlen(v);

	if (n < 4 || n > 7 || v[0] != 'v' || v[n - 2] != '.' ||
	    v[n - 1] < '0' || v[n - 1] > '9')
		return 0;
	for (i = 1; i < n - 2; i++)
		if (v[i] < '0' || v[i] > '9')
			return 0;
	return 1;
}

/*
 * Read the CA bundle the broker will trust: a regular file of at most
 * CA_BUNDLE_MAX bytes holding at least one PEM certificate.
 */
static int
ca_bundle_load(struct sf_config *c, const char *path, char *errbuf,
    size_t errlen)
{
	struct stat	 st;
	ssize_t		 n;
	size_t		 off = 0;
	int		 fd;

	strlcpy_sf(c->ca_name, path, sizeof(c->ca_name));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(errbuf, errlen, "CA bundle %s: %s%s", path,
		    strerror(errno), errno == ENOENT && strcmp(path,
		    CA_BUNDLE_DEFAULT) == 0 ? " (install ca-certificates, or "
		    "set SFDC_CA_FILE)" : "");
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uintmax_t)st.st_size > CA_BUNDLE_MAX) {
		snprintf(errbuf, errlen, "CA bundle %s: not a regular file of "
		    "1 to %u bytes", path, CA_BUNDLE_MAX);
		(void)close(fd);
		return -1;
	}
	c->ca_pem = xmalloc((size_t)st.st_size + 1);
	while (off < (size_t)st.st_size) {
		n = read(fd, c->ca_pem + off, (size_t)st.st_size - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(errbuf, errlen, "CA bundle %s: %s", path,
			    strerror(errno));
			(void)close(fd);
			return -1;
		}
		if (n == 0)
			break;
		off += (size_t)n;
	}
	if (close(fd) == -1) {
		snprintf(errbuf, errlen, "CA bundle %s: %s", path,
		    strerror(errno));
		return -1;
	}
	c->ca_pem[off] = '\0';
	c->ca_len = off;
	if (strstr(c->ca_pem, "-----BEGIN CERTIFICATE-----") == NULL) {
		snprintf(errbuf, errlen, "CA bundle %s holds no PEM "
		    "certificate", path);
		return -1;
	}
	return 0;
}

/* A whole number from the environment within [min, max], or def. */
static int
env_long(const char *var, long def, long min, long max, const char *unit,
    long *out, char *errbuf, size_t errlen)
{
	const char	*v = env_or(var, NULL);
	char		*end;

	if (v == NULL) {
		*out = def;
		return 0;
	}
	errno = 0;
	*out = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || *out < min ||
	    *out > max) {
		snprintf(errbuf, errlen, "%s must be a whole number of %s from "
		    "%ld to %ld", var, unit, min, max);
		return -1;
	}
	return 0;
}

/*
 * SFDC_UI: whether tools/list links the MCP Apps views (src/ui.c).
 * auto (the default): when the client declares the extension; on:
 * always, for clients that render apps without declaring it; off: never.
 */
static int
config_ui(cJSON *j, char *errbuf, size_t errlen)
{
	const char	*ui = env_or("SFDC_UI", "auto");

	if (strcmp(ui, "auto") != 0 && strcmp(ui, "on") != 0 &&
	    strcmp(ui, "off") != 0) {
		snprintf(errbuf, errlen, "SFDC_UI must be auto, on or off");
		return -1;
	}
	cJSON_AddStringToObject(j, "ui", ui);
	return 0;
}

/*
 * SFDC_STARTUP_CHECK: the front's check of the org's shape right after
 * initialize (front.c, startup_check), which withholds the reads it
 * would fail; on (the default) or off.
 */
static int
config_startup_check(cJSON *j, char *errbuf, size_t errlen)
{
	const char	*v = env_or("SFDC_STARTUP_CHECK", "on");

	if (strcmp(v, "on") != 0 && strcmp(v, "off") != 0) {
		snprintf(errbuf, errlen, "SFDC_STARTUP_CHECK must be on or off");
		return -1;
	}
	cJSON_AddStringToObject(j, "startup_check", v);
	return 0;
}

/* ------------------------------------------------------------ writes */

/* The write settings, checked (contrib/WRITES.md). */
struct write_settings {
	const char	*objects;
	const char	*fields;
	char		 journal[CONF_PATH_MAX + 1];
	const char	*journal_why;	/* journal "none": why, or NULL */
	long		 journal_max_mb;
	const char	*confirm;
	const char	*share_type;
	const char	*visibility;
};

/* The journal's default: $XDG_STATE_HOME or ~/.local/state. */
static int
journal_default(struct write_settings *w, char *errbuf, size_t errlen)
{
	const char	*xdg = env_or("XDG_STATE_HOME", NULL);
	const char	*home = env_or("HOME", NULL);
	int		 n;

	/* The XDG base directory specification: relative paths are
	 * invalid and ignored. */
	if (xdg != NULL && xdg[0] == '/')
		n = snprintf(w->journal, sizeof(w->journal), "%s/%s",
		    xdg, CONF_JOURNAL_TAIL);
	else if (home != NULL && home[0] == '/')
		n = snprintf(w->journal, sizeof(w->journal), "%s/.local/state/"
		    "%s", home, CONF_JOURNAL_TAIL);
	else {
		strlcpy_sf(w->journal, "none", sizeof(w->journal));
		w->journal_why = "neither XDG_STATE_HOME nor HOME is an "
		    "absolute path, so the journal has no default place: set "
		    "SFDC_JOURNAL";
		return 0;
	}
	if (n < 0 || (size_t)n >= sizeof(w->journal)) {
		snprintf(errbuf, errlen, "the journal's default path (under %s) "
		    "is longer than %d bytes: set SFDC_JOURNAL",
		    xdg != NULL && xdg[0] == '/' ? "XDG_STATE_HOME" : "HOME",
		    CONF_PATH_MAX);
		return -1;
	}
	return 0;
}

/* One comma-separated list item, copied into out (or an error). */
static const char *
list_next(const char *p, char *out, size_t outlen, const char *var,
    char *errbuf, size_t errlen)
{
	const char	*e = strchr(p, ',');
	size_t		 n = e != NULL ? (size_t)(e - p) : strlen(p);

	if (n == 0 || n >= outlen) {
		snprintf(errbuf, errlen, "%s has an empty or too long item; "
		    "write names separated by commas, without spaces", var);
		return NULL;
	}
	memcpy(out, p, n);
	out[n] = '\0';
	return e != NULL ? e + 1 : p + n;
}

static int
writes_load(struct write_settings *w, const char *audit, char *errbuf,
    size_t errlen)
{
	static const char *const excluded[] = { "OwnerId", "RecordTypeId" };
	char		 item[2 * SF_MAX_NAME + 2], prev[33][SF_MAX_NAME + 1];
	const char	*p, *journal;
	char		*dot;
	size_t		 i, n;

	memset(w, 0, sizeof(*w));
	w->objects = env_or("SFDC_WRITE_OBJECTS", CONF_WRITE_OBJECTS);
	if (strlen(w->objects) > CONF_LIST_MAX) {
		snprintf(errbuf, errlen, "SFDC_WRITE_OBJECTS is longer than %d "
		    "bytes", CONF_LIST_MAX);
		return -1;
	}
	for (n = 0, p = w->objects; *p != '\0'; n++) {
		if (n == CONF_WRITE_OBJECTS_MAX) {
			snprintf(errbuf, errlen, "SFDC_WRITE_OBJECTS names more "
			    "than %d objects", CONF_WRITE_OBJECTS_MAX);
			return -1;
		}
		if ((p = list_next(p, prev[n], sizeof(prev[n]),
		    "SFDC_WRITE_OBJECTS", errbuf, errlen)) == NULL)
			return -1;
		if (!policy_name_valid(prev[n])) {
			snprintf(errbuf, errlen, "SFDC_WRITE_OBJECTS: '%s' is not "
			    "an object API name", prev[n]);
			return -1;
		}
		if (strcasecmp(prev[n], audit) == 0) {
			snprintf(errbuf, errlen, "SFDC_WRITE_OBJECTS names the "
			    "audit object %s: its rows are written by the "
			    "server alone and never changed", audit);
			return -1;
		}
		for (i = 0; i < n; i++)
			if (strcasecmp(prev[i], prev[n]) == 0) {
				snprintf(errbuf, errlen, "SFDC_WRITE_OBJECTS "
				    "names %s twice", prev[n]);
				return -1;
			}
	}
	w->fields = env_or("SFDC_WRITABLE_FIELDS", CONF_WRITABLE_FIELDS);
	if (strlen(w->fields) > CONF_LIST_MAX) {
		snprintf(errbuf, errlen, "SFDC_WRITABLE_FIELDS is longer than "
		    "%d bytes", CONF_LIST_MAX);
		return -1;
	}
	for (p = w->fields; *p != '\0';) {
		if ((p = list_next(p, item, sizeof(item),
		    "SFDC_WRITABLE_FIELDS", errbuf, errlen)) == NULL)
			return -1;
		if ((dot = strchr(item, '.')) == NULL) {
			snprintf(errbuf, errlen, "SFDC_WRITABLE_FIELDS: '%s' is "
			    "not Object.Field or Object.*", item);
			return -1;
		}
		*dot++ = '\0';
		for (i = 0; i < n; i++)
			if (strcasecmp(prev[i], item) == 0)
				break;
		if (i == n) {
			snprintf(errbuf, errlen, "SFDC_WRITABLE_FIELDS names %s, "
			    "which is not in SFDC_WRITE_OBJECTS", item);
			return -1;
		}
		if (strcmp(dot, "*") != 0 && !policy_name_valid(dot)) {
			snprintf(errbuf, errlen, "SFDC_WRITABLE_FIELDS: '%s.%s' "
			    "is not Object.Field or Object.*", item, dot);
			return -1;
		}
		for (i = 0; i < 2; i++)
			if (strcasecmp(dot, excluded[i]) == 0) {
				snprintf(errbuf, errlen, "SFDC_WRITABLE_FIELDS: "
				    "%s.%s is never writable (ownership and "
				    "record types are not changed here)", item,
				    dot);
				return -1;
			}
	}
	journal = env_or("SFDC_JOURNAL", NULL);
	if (journal == NULL) {
		if (journal_default(w, errbuf, errlen) == -1)
			return -1;
	} else if (strcmp(journal, "none") == 0) {
		strlcpy_sf(w->journal, "none", sizeof(w->journal));
		w->journal_why = "SFDC_JOURNAL=none";
	} else if (journal[0] != '/' || strlen(journal) > CONF_PATH_MAX ||
	    journal[strlen(journal) - 1] == '/') {
		snprintf(errbuf, errlen, "SFDC_JOURNAL must be an absolute path "
		    "to a file (at most %d bytes), or none", CONF_PATH_MAX);
		return -1;
	} else
		strlcpy_sf(w->journal, journal, sizeof(w->journal));
	if (env_long("SFDC_JOURNAL_MAX_MB", 64, 1, CONF_JOURNAL_MAX_MB,
	    "MiB", &w->journal_max_mb, errbuf, errlen) == -1)
		return -1;
	w->confirm = env_or("SFDC_CONFIRM_WRITES", "elicit");
	if (strcmp(w->confirm, "elicit") != 0 &&
	    strcmp(w->confirm, "never") != 0) {
		snprintf(errbuf, errlen, "SFDC_CONFIRM_WRITES must be elicit or "
		    "never");
		return -1;
	}
	w->share_type = env_or("SFDC_NOTE_SHARE_TYPE", "I");
	if (strcmp(w->share_type, "I") != 0 && strcmp(w->share_type, "V") != 0) {
		snprintf(errbuf, errlen, "SFDC_NOTE_SHARE_TYPE must be I "
		    "(inferred from the record) or V (viewer)");
		return -1;
	}
	w->visibility = env_or("SFDC_NOTE_VISIBILITY", "InternalUsers");
	if (strcmp(w->visibility, "InternalUsers") != 0 &&
	    strcmp(w->visibility, "AllUsers") != 0) {
		snprintf(errbuf, errlen, "SFDC_NOTE_VISIBILITY must be "
		    "InternalUsers or AllUsers");
		return -1;
	}
	return 0;
}

/*
 * Is st (of path) ours and closed to others: owned by the effective
 * user, not writable by group or others?  0, or an errno with why.
 */
static int
journal_st_ok(const struct stat *st, const char *what, const char *path,
    char *why, size_t whylen)
{
	if (st->st_uid != geteuid()) {
		snprintf(why, whylen, "%s %s is owned by uid %lu, not by this "
		    "user (uid %lu)", what, path, (unsigned long)st->st_uid,
		    (unsigned long)geteuid());
		return EPERM;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(why, whylen, "%s %s is writable by its group or by "
		    "others (mode %04o): chmod go-w it", what, path,
		    (unsigned)(st->st_mode & 07777));
		return EPERM;
	}
	return 0;
}

int
journal_open(const char *path, int *fdp, char *why, size_t whylen)
{
	struct stat	 st;
	char		 dir[CONF_PATH_MAX + 1], *slash, *p;
	int		 dfd, fd, e;

	*fdp = -1;
	why[0] = '\0';
	if (strcmp(path, "none") == 0) {
		snprintf(why, whylen, "no journal (SFDC_JOURNAL=none, or no "
		    "HOME for its default)");
		return ECANCELED;
	}
	if (path[0] != '/' || strlcpy_sf(dir, path, sizeof(dir)) >=
	    sizeof(dir) || (slash = strrchr(dir, '/')) == NULL ||
	    slash[1] == '\0') {
		snprintf(why, whylen, "the journal %s is not an absolute path "
		    "to a file", path);
		return EINVAL;
	}
	*slash = '\0';
	/* Its directory and the missing ones above it: 0700. */
	for (p = dir + 1; dir[0] != '\0'; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		{
			char c = *p;
			*p = '\0';
			if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
				e = errno;
				snprintf(why, whylen, "cannot create the "
				    "journal's directory %s: %s", dir,
				    strerror(e));
				return e;
			}
			*p = c;
		}
		if (*p == '\0')
			break;
	}
	if ((dfd = open(dir[0] != '\0' ? dir : "/", O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1) {
		e = errno;
		snprintf(why, whylen, "the journal's directory %s: %s", dir,
		    e == ELOOP || e == ENOTDIR ? "not a directory (or a "
		    "symbolic link)" : strerror(e));
		return e;
	}
	if (fstat(dfd, &st) == -1) {
		e = errno;
		(void)close(dfd);
		snprintf(why, whylen, "the journal's directory %s: %s", dir,
		    strerror(e));
		return e;
	}
	if ((e = journal_st_ok(&st, "the journal's directory", dir, why,
	    whylen)) != 0) {
		(void)close(dfd);
		return e;
	}
	fd = openat(dfd, slash + 1, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW | O_NOCTTY, 0600);
	e = errno;
	if (close(dfd) == -1 && fd != -1) {
		e = errno;
		(void)close(fd);
		fd = -1;
	}
	if (fd == -1) {
		snprintf(why, whylen, "cannot open the journal %s: %s", path,
		    e == ELOOP ? "it is a symbolic link" : strerror(e));
		return e;
	}
	if (fstat(fd, &st) == -1) {
		e = errno;
		(void)close(fd);
		snprintf(why, whylen, "the journal %s: %s", path, strerror(e));
		return e;
	}
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1) {
		(void)close(fd);
		snprintf(why, whylen, "the journal %s is not a regular file "
		    "with one name", path);
		return EINVAL;
	}
	if ((e = journal_st_ok(&st, "the journal", path, why, whylen)) != 0) {
		(void)close(fd);
		return e;
	}
	*fdp = fd;
	return 0;
}

/* sfrevops-mcp login: the flow is the authorization code's (cli_login.c). */
static const char	*login_redirect;

void
config_set_login(const char *redirect_uri)
{
	login_redirect = redirect_uri;
}

int
config_load(struct sf_config *c, char *errbuf, size_t errlen)
{
	struct write_settings	 ws;
	cJSON		*j;
	const char	*instance, *login, *version, *audit, *stage, *ca;
	const char	*fls, *level, *client_id, *username, *flow, *confirm;
	long		 timeout_ms, max_transfers, call_timeout_ms;
	long		 budget, usage_warn;
	char		*out;

	memset(c, 0, sizeof(*c));
	if (sodium_init() == -1) {
		snprintf(errbuf, errlen, "sodium_init failed");
		return -1;
	}
	instance = env_or("SFDC_INSTANCE_URL", NULL);
	if (instance == NULL) {
		snprintf(errbuf, errlen, "SFDC_INSTANCE_URL is not set: "
		    "set it to your org's https://yourdomain.my.salesforce.com");
		return -1;
	}
	if (strlen(instance) > 512 || !url_valid(instance)) {
		snprintf(errbuf, errlen, "SFDC_INSTANCE_URL must be "
		    "https://host[:port] with no path");
		return -1;
	}
	login = env_or("SFDC_LOGIN_URL", instance);
	if (strlen(login) > 512 || !url_valid(login)) {
		snprintf(errbuf, errlen, "SFDC_LOGIN_URL must be "
		    "https://host[:port] with no path");
		return -1;
	}
	version = env_or("SFDC_API_VERSION", "v60.0");
	if (!api_version_valid(version)) {
		snprintf(errbuf, errlen, "SFDC_API_VERSION must look like "
		    "v60.0 (got '%.20s')", version);
		return -1;
	}
	audit = env_or("SFDC_AUDIT_OBJECT", "Cleanup_Audit__c");
	stage = env_or("SFDC_COMMIT_STAGE_NAME", "Commit");
	if (!policy_name_valid(audit)) {
		snprintf(errbuf, errlen, "SFDC_AUDIT_OBJECT is not a valid "
		    "object API name");
		return -1;
	}
	if (strlen(stage) == 0 || strlen(stage) > 255 ||
	    !utf8_valid(stage, strlen(stage))) {
		snprintf(errbuf, errlen, "SFDC_COMMIT_STAGE_NAME must be "
		    "1 to 255 bytes of UTF-8");
		return -1;
	}
	if (writes_load(&ws, audit, errbuf, errlen) == -1)
		return -1;
	ca = env_or("SFDC_CA_FILE", NULL);
	if (ca != NULL && (ca[0] != '/' || strlen(ca) > 1024)) {
		snprintf(errbuf, errlen, "SFDC_CA_FILE must be an absolute "
		    "path");
		return -1;
	}
	fls = env_or("SFDC_FLS_MODE", "auto");
	if (strcmp(fls, "auto") != 0 &&
	    strcmp(fls, "security_enforced") != 0 &&
	    strcmp(fls, "user_mode") != 0 && strcmp(fls, "none") != 0) {
		snprintf(errbuf, errlen, "SFDC_FLS_MODE must be auto, "
		    "security_enforced, user_mode or none");
		return -1;
	}
	confirm = env_or("SFDC_CONFIRM_WRITES", "elicit");
	if (strcmp(confirm, "elicit") != 0 && strcmp(confirm, "never") != 0) {
		snprintf(errbuf, errlen, "SFDC_CONFIRM_WRITES must be elicit or "
		    "never");
		return -1;
	}
	level = env_or("SFDC_LOG_LEVEL", "info");
	if (log_level_parse(level) == -1) {
		snprintf(errbuf, errlen, "SFDC_LOG_LEVEL must be one of debug, "
		    "info, notice, warning, error, critical");
		return -1;
	}
	if (env_long("SFDC_HTTP_TIMEOUT_MS", 60000, 1000, 600000,
	    "milliseconds", &timeout_ms, errbuf, errlen) == -1 ||
	    env_long("SFDC_CALL_TIMEOUT_MS", 120000, 1000, 3600000,
	    "milliseconds", &call_timeout_ms, errbuf, errlen) == -1 ||
	    env_long("SFDC_MAX_TRANSFERS", 6, 1, 25, "transfers",
	    &max_transfers, errbuf, errlen) == -1 ||
	    env_long("SFDC_REQUEST_BUDGET", 2000, 1, 1000000, "requests an hour",
	    &budget, errbuf, errlen) == -1 ||
	    env_long("SFDC_API_USAGE_WARN_PCT", 80, 1, 100, "percent",
	    &usage_warn, errbuf, errlen) == -1)
		return -1;
	client_id = env_or("SFDC_CLIENT_ID", NULL);
	username = env_or("SFDC_USERNAME", NULL);
	if ((client_id != NULL && strlen(client_id) > 512) ||
	    (username != NULL && strlen(username) > 512)) {
		snprintf(errbuf, errlen, "SFDC_CLIENT_ID or SFDC_USERNAME is "
		    "too long");
		return -1;
	}

	if (secret_lookup("SFDC_ACCESS_TOKEN", &c->access_token, 0, errbuf,
	    errlen) == -1 ||
	    secret_lookup("SFDC_REFRESH_TOKEN", &c->refresh_token, 0, errbuf,
	    errlen) == -1 ||
	    secret_lookup("SFDC_CLIENT_SECRET", &c->client_secret, 0, errbuf,
	    errlen) == -1 ||
	    secret_lookup("SFDC_PRIVATE_KEY", &c->private_key, 0, errbuf,
	    errlen) == -1) {
		config_free(c);
		return -1;
	}

	if (ca_bundle_load(c, ca != NULL ? ca : CA_BUNDLE_DEFAULT, errbuf,
	    errlen) == -1) {
		config_free(c);
		return -1;
	}

	/* Which flow obtains new tokens: the most capable one configured;
	 * for login, the authorization code's, and no other secret but
	 * the client secret goes to the broker. */
	if (login_redirect != NULL) {
		if (client_id == NULL) {
			snprintf(errbuf, errlen, "login needs SFDC_CLIENT_ID, "
			    "the connected app's consumer key");
			config_free(c);
			return -1;
		}
		secret_free(&c->access_token);
		secret_free(&c->refresh_token);
		secret_free(&c->private_key);
		flow = "authorization_code";
	} else if (c->refresh_token.p != NULL && client_id != NULL)
		flow = "refresh_token";
	else if (c->private_key.p != NULL && client_id != NULL &&
	    username != NULL)
		flow = "jwt";
	else if (c->client_secret.p != NULL && client_id != NULL)
		flow = "client_credentials";
	else if (c->access_token.p != NULL)
		flow = "access_token";
	else {
		snprintf(errbuf, errlen, "no credentials: set SFDC_ACCESS_TOKEN, "
		    "or SFDC_CLIENT_ID with SFDC_REFRESH_TOKEN, or SFDC_CLIENT_ID "
		    "with SFDC_USERNAME and SFDC_PRIVATE_KEY (JWT), or "
		    "SFDC_CLIENT_ID with SFDC_CLIENT_SECRET (client credentials); "
		    "each also as *_FILE or *_COMMAND");
		config_free(c);
		return -1;
	}

	if ((j = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	if (config_tools(j, errbuf, errlen) == -1) {
		cJSON_Delete(j);
		config_free(c);
		return -1;
	}
	cJSON_AddStringToObject(j, "instance_url", instance);
	cJSON_AddStringToObject(j, "login_url", login);
	cJSON_AddStringToObject(j, "api_version", version);
	cJSON_AddStringToObject(j, "audit_object", audit);
	cJSON_AddStringToObject(j, "commit_stage", stage);
	cJSON_AddStringToObject(j, "fls_mode", fls);
	cJSON_AddStringToObject(j, "confirm_writes", confirm);
	cJSON_AddStringToObject(j, "log_level", level);
	cJSON_AddStringToObject(j, "auth_flow", flow);
	cJSON_AddNumberToObject(j, "http_timeout_ms", (double)timeout_ms);
	cJSON_AddNumberToObject(j, "call_timeout_ms", (double)call_timeout_ms);
	cJSON_AddNumberToObject(j, "max_transfers", (double)max_transfers);
	cJSON_AddNumberToObject(j, "request_budget", (double)budget);
	cJSON_AddNumberToObject(j, "api_usage_warn_pct", (double)usage_warn);
	cJSON_AddStringToObject(j, "write_objects", ws.objects);
	cJSON_AddStringToObject(j, "writable_fields", ws.fields);
	cJSON_AddStringToObject(j, "journal", ws.journal);
	if (ws.journal_why != NULL)
		cJSON_AddStringToObject(j, "journal_why", ws.journal_why);
	strlcpy_sf(c->journal, ws.journal, sizeof(c->journal));
	cJSON_AddNumberToObject(j, "journal_max_mb", (double)ws.journal_max_mb);
	cJSON_AddStringToObject(j, "confirm_writes", ws.confirm);
	cJSON_AddStringToObject(j, "note_share_type", ws.share_type);
	cJSON_AddStringToObject(j, "note_visibility", ws.visibility);
	if (ca != NULL)
		cJSON_AddStringToObject(j, "ca_file", ca);
	if (client_id != NULL)
		cJSON_AddStringToObject(j, "client_id", client_id);
	if (username != NULL)
		cJSON_AddStringToObject(j, "username", username);
	if (config_ui(j, errbuf, errlen) == -1 ||
	    config_startup_check(j, errbuf, errlen) == -1) {
		cJSON_Delete(j);
		config_free(c);
		return -1;
	}
	if (login_redirect != NULL)
		cJSON_AddStringToObject(j, "redirect_uri", login_redirect);
	if ((out = cJSON_PrintUnformatted(j)) == NULL)
		fatalx("cJSON_PrintUnformatted");
	cJSON_Delete(j);
	c->json = out;
	return 0;
}

void
config_free(struct sf_config *c)
{
	secret_free(&c->access_token);
	secret_free(&c->refresh_token);
	secret_free(&c->client_secret);
	secret_free(&c->private_key);
	secret_free(&c->auth_code);
	secret_free(&c->code_verifier);
	free(c->ca_pem);
	if (c->json != NULL)
		cJSON_free(c->json);
	memset(c, 0, sizeof(*c));
}

/*
 * -f FILE: settings as NAME=value lines, read before config_load() and
 * put into the environment where the environment does not already name
 * them (the environment wins).  Nothing is expanded or unquoted: the
 * value is the bytes after the first '=' up to the newline.  The file
 * must be a regular file owned by us or root and writable by nobody
 * else; one that names a secret must also be unreadable by others.
 */
static int
conf_file_line(const char *path, size_t lineno, char *line, size_t len,
    int private, char *names, size_t *nnames, char *errbuf, size_t errlen)
{
	char		*eq, *val, *p;
	size_t		 i, k, nlen;

	/* Blank lines and comments. */
	for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	if (i == len || line[i] == '#')
		return 0;
	if (len > 0 && line[len - 1] == '\r') {
		snprintf(errbuf, errlen, "%s line %zu: ends with a carriage "
		    "return; save the file with Unix line ends", path, lineno);
		return -1;
	}
	if (memchr(line, '\0', len) != NULL || !utf8_valid(line, len)) {
		snprintf(errbuf, errlen, "%s line %zu: not UTF-8 text", path,
		    lineno);
		return -1;
	}
	line[len] = '\0';
	if ((eq = strchr(line, '=')) == NULL) {
		snprintf(errbuf, errlen, "%s line %zu: expected NAME=value",
		    path, lineno);
		return -1;
	}
	*eq = '\0';
	val = eq + 1;
	nlen = (size_t)(eq - line);
	if (nlen > 5 && strncmp(line, "export ", 7) == 0) {
		snprintf(errbuf, errlen, "%s line %zu: 'export' is shell "
		    "syntax; write NAME=value", path, lineno);
		return -1;
	}
	if (nlen <= 5 || nlen > 63 || strncmp(line, "SFDC_", 5) != 0) {
		snprintf(errbuf, errlen, "%s line %zu: '%.64s' is not a "
		    "setting: every name begins with SFDC_ (see "
		    "sfrevops-mcp.conf(5))", path, lineno, line);
		return -1;
	}
	for (p = line; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '_')) {
			snprintf(errbuf, errlen, "%s line %zu: '%.64s' is not "
			    "a setting name (A-Z, 0-9 and _ only; no blanks "
			    "around '=')", path, lineno, line);
			return -1;
		}
	k = strlen(val);
	if (k >= 2 && (val[0] == '"' || val[0] == '\'') &&
	    val[k - 1] == val[0]) {
		snprintf(errbuf, errlen, "%s line %zu: the value of %s is "
		    "quoted; nothing is unquoted or expanded: write %s=value",
		    path, lineno, line, line);
		return -1;
	}
	/* A name twice is a mistake one of the two lines pays for. */
	for (p = names; p < names + *nnames; p += strlen(p) + 1)
		if (strcmp(p, line) == 0) {
			snprintf(errbuf, errlen, "%s line %zu: %s is set "
			    "twice in the file", path, lineno, line);
			return -1;
		}
	memcpy(names + *nnames, line, nlen + 1);
	*nnames += nlen + 1;
	for (i = 0; config_secret_vars[i] != NULL; i++)
		if (strcmp(line, config_secret_vars[i]) == 0 && !private) {
			snprintf(errbuf, errlen, "%s line %zu: %s is a secret, "
			    "and the file is readable by group or others; run: "
			    "chmod 600 %s", path, lineno, line, path);
			return -1;
		}
	if (getenv(line) != NULL)
		return 0;	/* the environment wins */
	if (setenv(line, val, 0) == -1) {
		snprintf(errbuf, errlen, "%s line %zu: setenv %s: %s", path,
		    lineno, line, strerror(errno));
		return -1;
	}
	return 0;
}

int
config_read_file(const char *path, char *errbuf, size_t errlen)
{
	struct stat	 st;
	char		*text, *line, *nl, *names;
	size_t		 off = 0, lineno, len, nnames = 0;
	ssize_t		 n;
	int		 fd, r = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(errbuf, errlen, "%s: fstat: %s", path,
		    strerror(errno));
		(void)close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(errbuf, errlen, "%s: not a regular file", path);
		(void)close(fd);
		return -1;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		snprintf(errbuf, errlen, "%s: owned by uid %u, neither root "
		    "nor us; refusing it", path, (unsigned)st.st_uid);
		(void)close(fd);
		return -1;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(errbuf, errlen, "%s: writable by group or others "
		    "(mode %03o); run: chmod go-w %s", path,
		    (unsigned)(st.st_mode & 0777), path);
		(void)close(fd);
		return -1;
	}
	if ((uintmax_t)st.st_size > CONF_FILE_MAX) {
		snprintf(errbuf, errlen, "%s: larger than %u bytes", path,
		    CONF_FILE_MAX);
		(void)close(fd);
		return -1;
	}
	/* Guarded memory: the file may hold a secret. */
	if (sodium_init() == -1 ||
	    (text = sodium_malloc(CONF_FILE_MAX + 2)) == NULL) {
		(void)close(fd);
		snprintf(errbuf, errlen, "%s: sodium_malloc failed", path);
		return -1;
	}
	for (;;) {
		n = read(fd, text + off, CONF_FILE_MAX + 1 - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(errbuf, errlen, "%s: read: %s", path,
			    strerror(errno));
			r = -1;
			break;
		}
		if (n == 0)
			break;
		off += (size_t)n;
		if (off > CONF_FILE_MAX) {
			snprintf(errbuf, errlen, "%s: larger than %u bytes",
			    path, CONF_FILE_MAX);
			r = -1;
			break;
		}
	}
	if (close(fd) == -1 && r == 0) {
		snprintf(errbuf, errlen, "%s: close: %s", path,
		    strerror(errno));
		r = -1;
	}
	names = xmalloc(CONF_FILE_MAX + 1);
	for (line = text, lineno = 1; r == 0 && line < text + off;
	    line = nl + 1, lineno++) {
		if ((nl = memchr(line, '\n', (size_t)(text + off - line))) ==
		    NULL)
			nl = text + off;
		len = (size_t)(nl - line);
		if (len > CONF_LINE_MAX) {
			snprintf(errbuf, errlen, "%s line %zu: longer than %u "
			    "bytes", path, lineno, CONF_LINE_MAX);
			r = -1;
			break;
		}
		r = conf_file_line(path, lineno, line, len,
		    (st.st_mode & (S_IRWXG | S_IRWXO)) == 0, names, &nnames,
		    errbuf, errlen);
	}
	free(names);
	sodium_free(text);	/* zeroed first */
	return r;
}

/*
 * The tools that change the org.  The front owns the registry and checks
 * at start-up that every tool it has that does not only read is named
 * here (tools_allow_init()), so this list cannot go stale unnoticed.
 */
const char *const config_write_tools[] = {
	"update_field",
	"add_note",
	NULL
};

static int
is_write_tool(const char *name)
{
	size_t	 i;

	for (i = 0; config_write_tools[i] != NULL; i++)
		if (strcmp(config_write_tools[i], name) == 0)
			return 1;
	return 0;
}

/*
 * SFDC_TOOLS: a comma-separated allow-list of tool names, or read-only
 * (every tool that only reads); unset, every tool.  The names go to the
 * front as "tools" (it knows the registry and refuses an unknown name,
 * naming it); "writer" says whether the writer is started at all.
 */
int
config_tools(cJSON *j, char *errbuf, size_t errlen)
{
	const char	*v = env_or("SFDC_TOOLS", NULL);
	const char	*p, *end;
	cJSON		*arr;
	char		 name[CONF_TOOL_NAME_MAX + 1];
	size_t		 n, count = 0;
	int		 writer = 0, i;

	if (v == NULL) {
		cJSON_AddBoolToObject(j, "writer", 1);
		return 0;	/* every tool */
	}
	if (strlen(v) > CONF_TOOLS_MAX) {
		snprintf(errbuf, errlen, "SFDC_TOOLS is longer than %u bytes",
		    CONF_TOOLS_MAX);
		return -1;
	}
	if ((arr = cJSON_AddArrayToObject(j, "tools")) == NULL)
		fatalx("cJSON_AddArrayToObject");
	for (p = v; ; p = end + 1) {
		if ((end = strchr(p, ',')) == NULL)
			end = p + strlen(p);
		n = (size_t)(end - p);
		if (n == 0 || n > CONF_TOOL_NAME_MAX) {
			snprintf(errbuf, errlen, "SFDC_TOOLS: %s", n == 0 ?
			    "an empty name (two commas, or one at an end)" :
			    "a name longer than 64 bytes");
			return -1;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		for (i = 0; name[i] != '\0'; i++)
			if (!((name[i] >= 'a' && name[i] <= 'z') ||
			    (name[i] >= '0' && name[i] <= '9') ||
			    name[i] == '_' || name[i] == '-')) {
				snprintf(errbuf, errlen, "SFDC_TOOLS: '%s' is "
				    "not a tool name (lower case, digits, _; "
				    "no blanks around commas)", name);
				return -1;
			}
		if (++count > CONF_TOOLS_COUNT) {
			snprintf(errbuf, errlen, "SFDC_TOOLS names more than "
			    "%u tools", CONF_TOOLS_COUNT);
			return -1;
		}
		if (strcmp(name, "read-only") != 0 && strchr(name, '-')) {
			snprintf(errbuf, errlen, "SFDC_TOOLS: '%s' is not a "
			    "tool name (did you mean read-only?)", name);
			return -1;
		}
		if (is_write_tool(name))
			writer = 1;
		cJSON_AddItemToArray(arr, cJSON_CreateString(name));
		if (*end == '\0')
			break;
	}
	cJSON_AddBoolToObject(j, "writer", writer);
	if ((arr = cJSON_AddArrayToObject(j, "write_tools")) == NULL)
		fatalx("cJSON_AddArrayToObject");
	for (i = 0; config_write_tools[i] != NULL; i++)
		cJSON_AddItemToArray(arr,
		    cJSON_CreateString(config_write_tools[i]));
	return 0;
}
