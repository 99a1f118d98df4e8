/*
 * main.c: the parent, sfrevops-mcp.  It reads the configuration, opens
 * the children's executables, creates the socketpairs, starts each child
 * (sfrevops-mcp-front, -broker, -writer, from $(pkglibexecdir)) through
 * its descriptor with fixed descriptors and a role flag, hands the
 * secrets to the broker and forgets them, then supervises: it writes the
 * children's log lines to stderr and, when any child ends, stops the
 * others (fail closed).
 *
 *	parent --3-- front   (stdin/stdout: MCP)
 *	parent --3-- broker  (the token; HTTPS)
 *	parent --3-- writer  (audit, then update)
 *	front  --4/4-- broker
 *	front  --5/4-- writer
 *	writer --5/5-- broker
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include <cjson/cJSON.h>

#include "sfrevops.h"
#include "policy_table.h"
#include "connector.h"
#include "tz.h"
#include "conf.h"
#include "cli.h"
#include "logsink.h"
#include "pathnames.h"	/* SF_LIBEXECDIR, written by make */

/* How long children get to leave after SHUTDOWN before SIGKILL. */
#define STOP_GRACE_MS	800

struct child {
	enum proc_role	 role;
	pid_t		 pid;
	int		 status;
	int		 reaped;
	int		 ready;
	struct ipc	 ipc;
};

static struct child	 children[PROC_MAX];
/*
 * Each child's executable, opened and checked before any child drops
 * privileges: the child execs it through this descriptor, so the path
 * to it need not be searchable by the unprivileged user (a build tree
 * under a 0700 home or mkdtemp directory, for one), and what runs is
 * what was checked.
 */
static int		 child_exe_fd[PROC_MAX] = { -1, -1, -1, -1, -1 };
#define FD_CHILD_EXE	FD_FIRST_FREE	/* where a child keeps its fd */

/*
 * call and check: the front's stdin and stdout are one end of a
 * socketpair, the parent the MCP client at the other end (cli_*.c).
 */
static int		 front_stdio = -1;
static int		 cli_fd = -1;
/*
 * The broker's start gate.  On two CPUs the broker's start (exec, 35
 * shared objects linked, OpenSSL and libcurl initialised) competes with
 * the front's, and the front's is the one a client waits for: the
 * initialize answer.  So the broker's child waits before its exec until
 * the front is sandboxed: the front holds the pipe's only write end
 * after the forks and closes it then (proc_ready()); an end of file,
 * the front's death included, or START_GATE_MS opens the gate.  The
 * first tools/call waits no longer in total: the broker starts faster
 * alone, and it starts while the client is still reading initialize.
 */
static int		 start_gate[2] = { -1, -1 };
#define START_GATE_MS	1000

/* SFDC_TOOLS allows no write tool: the writer is not started at all. */
static int		 writer_started = 1;

/* login: the broker alone (cli_login.c). */
static enum cli_mode	 run_mode;

/*
 * The exporter (export.c): started serving, and only with
 * SFDC_OTLP_ENDPOINT.  Unlike the other children it may end without
 * taking the server with it: export_lost() says so once and the server
 * goes on without export.
 */
#define EXPORT_STOP_MS	1000	/* its last flush, after the others */
#define EXPORT_PENDING_MAX (256u * 1024)	/* bytes queued for it here */
static int		 export_wanted;
static char		 export_host[HOST_MAX + 1];
static unsigned int	 export_port;
static long		 export_interval_ms = 5000;
static int		 export_lost_said;
static int		 export_stopping;	/* its end is expected */
static uint64_t		 export_dropped;

static int
child_started(int i)
{
	if (run_mode == CLI_LOGIN)
		return i == PROC_BROKER;
	if (i == PROC_EXPORT)
		return export_wanted;
	return i != PROC_WRITER || writer_started;
}

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: %s [-h | -V]\n"
	    "       %s [-f file]\n"
	    "       %s [-f file] call TOOL [name=value | name:=JSON]... "
	    "[--dry-run] [--json]\n"
	    "       %s [-f file] check [--json]\n"
	    "       %s [-f file] login [--sandbox] [--port N] [--print]\n"
	    "       %s [-f file] audit-report [--since DAYS] [--json]\n"
	    "\n"
	    "Serve the Model Context Protocol on standard input and output\n"
	    "for a Salesforce org (see sfrevops-mcp(1)); call runs one tool,\n"
	    "check checks the configuration against the org, login obtains\n"
	    "a refresh token, audit-report reconciles the journal with the\n"
	    "org's audit rows.\n"
	    "\n"
	    "  -f file        settings from NAME=value lines; the environment "
	    "wins\n"
	    "  -h, --help     show this help and exit\n"
	    "  -V, --version  show the version and exit\n"
	    "\n"
	    "Configuration comes from the environment: SFDC_INSTANCE_URL and\n"
	    "SFDC_ACCESS_TOKEN (or SFDC_CLIENT_ID with SFDC_REFRESH_TOKEN,\n"
	    "SFDC_USERNAME and SFDC_PRIVATE_KEY, or SFDC_CLIENT_SECRET; each\n"
	    "secret also as *_FILE, *_COMMAND or a systemd credential),\n"
	    "SFDC_LOGIN_URL, SFDC_API_VERSION, SFDC_CA_FILE, SFDC_FLS_MODE,\n"
	    "SFDC_HTTP_TIMEOUT_MS, SFDC_CALL_TIMEOUT_MS, SFDC_MAX_TRANSFERS,\n"
	    "SFDC_REQUEST_BUDGET, SFDC_API_USAGE_WARN_PCT, SFDC_LOG_LEVEL,\n"
	    "SFDC_LOG_SYSLOG, SFDC_LOG_JOURNAL, SFDC_OTLP_ENDPOINT,\n"
	    "SFDC_OTLP_INTERVAL_MS, SFDC_STARTUP_CHECK,\n"
	    "SFDC_AUDIT_OBJECT, SFDC_COMMIT_STAGE_NAME, SFDC_TOOLS\n"
	    "(see sfrevops-mcp.conf(5)).\n", SFREVOPS_NAME, SFREVOPS_NAME,
	    SFREVOPS_NAME, SFREVOPS_NAME, SFREVOPS_NAME, SFREVOPS_NAME);
	exit(status);
}

/*
 * Where the children are: $(pkglibexecdir), fixed at build time, or, for
 * a parent that runs from its build directory (make check), that
 * directory.  The test is a plain string comparison of the directory of
 * /proc/self/exe, which the kernel resolves to the file that is running,
 * with SF_BUILDDIR, the physical path configure saw: no environment
 * variable is read and no symbolic link followed, so a parent installed
 * anywhere else always runs the installed children.
 */
static void
child_dir(char *buf, size_t len)
{
	char	 exe[PATH_MAX], *slash = NULL;
	ssize_t	 n;

	if ((n = readlink("/proc/self/exe", exe, sizeof(exe))) == -1)
		fatal("readlink /proc/self/exe");
	/* A path that fills the buffer may be cut: not the build tree. */
	if ((size_t)n < sizeof(exe)) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL)
			*slash = '\0';
	}
	if (slash != NULL && strcmp(exe, SF_BUILDDIR) == 0)
		strlcpy_sf(buf, SF_BUILDDIR, len);
	else
		strlcpy_sf(buf, SF_LIBEXECDIR, len);
}

/*
 * Open one child's executable and check it: a regular file, owned by
 * root or by us, writable by nobody else.  The descriptor is what the
 * child execs, so the file checked is the file run.
 */
static int
child_exe_open(const char *dir, enum proc_role role)
{
	struct stat	 st;
	char		 path[PATH_MAX];
	int		 fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s-%s", dir,
	    SFREVOPS_NAME, proc_name(role)) >= sizeof(path))
		fatalx("%s: path too long", dir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		fatal("cannot open the %s's executable %s (is %s installed "
		    "completely?)", proc_name(role), path, SFREVOPS_NAME);
	if (fstat(fd, &st) == -1)
		fatal("fstat %s", path);
	if (!S_ISREG(st.st_mode))
		fatalx("%s is not a regular file; refusing to run it", path);
	if (st.st_uid != 0 && st.st_uid != geteuid())
		fatalx("%s is owned by uid %u, neither root nor us; refusing "
		    "to run it", path, (unsigned)st.st_uid);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		fatalx("%s is writable by its group or others (mode %03o); "
		    "refusing to run it", path, (unsigned)st.st_mode & 0777);
	log_debug("%s: %s", proc_name(role), path);
	return fd;
}

/* Which fds a child gets on 3, 4 and 5. */
struct child_fds {
	int	 parent;
	int	 a;
	int	 b;
};

static const char *const passed_env[] = {
	/* The broker honours the standard proxy variables (libcurl). */
	"https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
	"no_proxy", "NO_PROXY",
#ifdef SF_SANITIZERS
	"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS",
#endif
	NULL
};

static void
child_exec(enum proc_role role, const struct child_fds *fds, pid_t parent)
{
	char		*argv[4];
	char		*envp[16];
	size_t		 n = 0, i;
	int		 devnull, gated;

	/* Die with the parent, whatever killed it. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
		_exit(126);
	/* The parent died before the death signal was set.  (Its pid, not
	 * "1": the parent is pid 1 in a container without an init.) */
	if (getppid() != parent)
		_exit(126);
	if (role == PROC_BROKER && start_gate[0] != -1) {
		struct pollfd	 pfd = { start_gate[0], POLLIN, 0 };
		int		 r;

		if (close(start_gate[1]) == -1)
			_exit(126);
		while ((r = poll(&pfd, 1, START_GATE_MS)) == -1 &&
		    errno == EINTR)
			continue;
		if (r == -1 || close(start_gate[0]) == -1)
			_exit(126);
	}
	/* Move the channels to 3, 4, 5; everything else is closed. */
	/* call, check: the parent is the MCP client. */
	if (role == PROC_FRONT && front_stdio != -1 &&
	    (dup2(front_stdio, STDIN_FILENO) == -1 ||
	    dup2(front_stdio, STDOUT_FILENO) == -1))
		_exit(126);
	/* The exporter has no peer: 4 and 5 stay closed. */
	if (dup2(fds->parent, 100) == -1 || (fds->a != -1 &&
	    dup2(fds->a, 101) == -1) || (fds->b != -1 &&
	    dup2(fds->b, 102) == -1))
		_exit(126);
	if (dup2(child_exe_fd[role], 103) == -1)
		_exit(126);
	gated = role == PROC_FRONT && start_gate[1] != -1;
	if (gated && dup2(start_gate[1], 104) == -1)
		_exit(126);
	if (fds->a == -1 && (close(FD_PEER_A) == -1 && errno != EBADF))
		_exit(126);
	if (fds->b == -1 && (close(FD_PEER_B) == -1 && errno != EBADF))
		_exit(126);
	if (dup2(100, FD_PARENT) == -1 || (fds->a != -1 &&
	    dup2(101, FD_PEER_A) == -1) || (fds->b != -1 &&
	    dup2(102, FD_PEER_B) == -1) || dup2(103, FD_CHILD_EXE) == -1)
		_exit(126);
	/* The front: the write end of the broker's start gate, kept. */
	if (gated && (dup2(104, FD_START_GATE) == -1 ||
	    fd_set_cloexec(FD_START_GATE, 0) == -1))
		_exit(126);
	if (role != PROC_FRONT) {
		if ((devnull = open("/dev/null", O_RDWR)) == -1 ||
		    dup2(devnull, STDIN_FILENO) == -1 ||
		    dup2(devnull, STDOUT_FILENO) == -1)
			_exit(126);
	}
	closefrom_sf(gated ? FD_START_GATE + 1 : FD_CHILD_EXE + 1);
	if (fds->a == -1 && close(FD_PEER_A) == -1 && errno != EBADF)
		_exit(126);
	if (fds->b == -1 && close(FD_PEER_B) == -1 && errno != EBADF)
		_exit(126);
	for (i = FD_PARENT; i <= FD_PEER_B; i++)
		if ((i == FD_PARENT || (i == FD_PEER_A && fds->a != -1) ||
		    (i == FD_PEER_B && fds->b != -1)) &&
		    fd_set_cloexec((int)i, 0) == -1)
			_exit(126);
	/* Gone with the exec: the child never sees its binary's fd. */
	if (fd_set_cloexec(FD_CHILD_EXE, 1) == -1)
		_exit(126);

	/* Started as root: the children run as nobody. */
	if (geteuid() == 0)
		sandbox_drop_privileges();

	if (role == PROC_BROKER)
		for (i = 0; passed_env[i] != NULL && n < 15; i++) {
			const char *v = getenv(passed_env[i]);
			if (v != NULL && xasprintf(&envp[n], "%s=%s",
			    passed_env[i], v) > 0)
				n++;
		}
#ifdef SF_SANITIZERS
	else
		for (i = 0; passed_env[i] != NULL && n < 15; i++) {
			const char *v = getenv(passed_env[i]);
			if (v != NULL && strstr(passed_env[i], "SAN_") != NULL &&
			    xasprintf(&envp[n], "%s=%s", passed_env[i], v) > 0)
				n++;
		}
#endif
	envp[n] = NULL;
	if (xasprintf(&argv[0], "%s-%s", SFREVOPS_NAME, proc_name(role)) < 0)
		_exit(126);
	/* A sanity check the child makes (proc_init). */
	argv[1] = (char *)"-R";
	argv[2] = (char *)proc_name(role);
	argv[3] = NULL;
	fexecve(FD_CHILD_EXE, argv, envp);
	_exit(127);
}

static void
socketpair_or_die(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		fatal("socketpair");
}

static const char *
child_status_text(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d",
		    WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "was killed by signal %d (%s)%s",
		    WTERMSIG(status), strsignal(WTERMSIG(status)),
		    WTERMSIG(status) == SIGSYS ?
		    ": a sandbox violation; rebuild with --enable-sandbox-debug "
		    "to see the system call" : "");
	else
		snprintf(buf, len, "stopped (status 0x%x)", status);
	return buf;
}

static const char *child_status_text(int, char *, size_t);

/*
 * The exporter ended, or broke its channel: said once, and the server
 * goes on without export (sfrevops-mcp-security(7)).
 */
static void
export_lost(const char *what)
{
	struct child	*c = &children[PROC_EXPORT];
	char		 why[256];

	if (c->ipc.fd != -1)
		ipc_close(&c->ipc);
	if (!c->reaped && c->pid > 0)
		(void)kill(c->pid, SIGKILL);
	if (export_lost_said || export_stopping)
		return;
	export_lost_said = 1;
	if (c->reaped)
		log_warnx("export %s: the server goes on without "
		    "OpenTelemetry export", child_status_text(c->status, why,
		    sizeof(why)));
	else
		log_warnx("export %s: the server goes on without "
		    "OpenTelemetry export", what);
}

/*
 * The exporter's channel ended: most likely it did, and how is the news,
 * which reap() tells on its SIGCHLD (export_lost("ended")); the loop
 * never waits for it here.  One still alive is of no use without its
 * channel, and SIGKILL on one that already exited changes nothing.
 */
static void
export_channel_closed(const char *what)
{
	struct child	*c = &children[PROC_EXPORT];

	ipc_close(&c->ipc);
	if (c->reaped || c->pid <= 0) {
		export_lost(what);
		return;
	}
	if (kill(c->pid, SIGKILL) == -1 && errno != ESRCH)
		log_warn("kill %s", proc_name(PROC_EXPORT));
}

/* Reap whatever has exited; return the first child that ended now (the
 * exporter is never that: export_lost()). */
static struct child *
reap(int block)
{
	struct child	*first = NULL;
	pid_t		 pid;
	int		 status, i;

	for (;;) {
		pid = waitpid(-1, &status, block ? 0 : WNOHANG);
		if (pid == -1 && errno == EINTR)
			continue;
		if (pid <= 0)
			break;
		for (i = PROC_FRONT; i < PROC_MAX; i++) {
			if (children[i].pid == pid) {
				children[i].reaped = 1;
				children[i].status = status;
				if (i == PROC_EXPORT)
					export_lost("ended");
				else if (first == NULL)
					first = &children[i];
			}
		}
		block = 0;
	}
	return first;
}

static int
all_reaped(void)
{
	int	 i;

	for (i = PROC_FRONT; i < PROC_MAX; i++)
		if (!children[i].reaped)
			return 0;
	return 1;
}

/* IMSG_READY: the child is sandboxed and serving. */
static void
parent_ready(void *arg, struct ipc *from, uint32_t id, struct buf *b)
{
	struct child	*c = arg;

	(void)from;
	(void)id;
	(void)b;
	c->ready = 1;
	if (c->role == PROC_EXPORT) {
		log_info("export: sandboxed; OTLP to http://%s%s%s:%u every "
		    "%ld ms", strchr(export_host, ':') != NULL ? "[" : "",
		    export_host, strchr(export_host, ':') != NULL ? "]" : "",
		    export_port, export_interval_ms);
		return;
	}
	if (!children[PROC_FRONT].ready || !children[PROC_BROKER].ready)
		return;
	if (writer_started && children[PROC_WRITER].ready)
		log_info("ready: front, broker and writer are sandboxed and "
		    "serving");
	else if (!writer_started)
		log_info("ready: front and broker are sandboxed and serving; "
		    "the writer is not started (SFDC_TOOLS allows no write "
		    "tool)");
}

/*
 * A child's log line: one line of UTF-8 ending in its newline, a JSON
 * object whose "proc" is that child, so that one child cannot write
 * lines that claim to come from another.
 */
static cJSON *
log_line_from(const char *line, enum proc_role role, int *level)
{
	size_t		 n = strlen(line);
	cJSON		*j, *l;
	int		 ok;

	if (n == 0 || strchr(line, '\n') != line + n - 1 ||
	    !utf8_valid(line, n))
		return NULL;
	if ((j = cJSON_ParseWithLength(line, n - 1)) == NULL)
		return NULL;
	ok = cJSON_IsObject(j) && cJSON_IsString(cJSON_GetObjectItem(j,
	    "proc")) && strcmp(cJSON_GetObjectItem(j, "proc")->valuestring,
	    proc_name(role)) == 0;
	/* The level syslog and the journal get is the one the line shows
	 * (log.c writes it), not a number beside it. */
	l = cJSON_GetObjectItem(j, "level");
	if (ok && (!cJSON_IsString(l) ||
	    (*level = log_level_parse(l->valuestring)) == -1))
		ok = 0;
	if (!ok) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

/* One event for the exporter, unless it is not there or is behind. */
static void
export_send(cJSON *ev)
{
	struct child	*c = &children[PROC_EXPORT];
	struct buf	 b;
	char		*json;

	if (c->ipc.fd == -1)
		return;
	/* An exporter that does not read cannot make the parent grow:
	 * what it is behind by is bounded, the rest counted. */
	if (c->ipc.out_bytes > EXPORT_PENDING_MAX) {
		if (export_dropped++ == 0)
			log_warnx("export: the exporter is %u bytes behind; "
			    "events are dropped, and counted, until it "
			    "catches up", EXPORT_PENDING_MAX);
		return;
	}
	if (export_dropped > 0) {
		log_warnx("export: %llu events were dropped while the "
		    "exporter was behind", (unsigned long long)export_dropped);
		export_dropped = 0;
	}
	if ((json = cJSON_PrintUnformatted(ev)) == NULL)
		fatalx("cJSON_PrintUnformatted");
	if (strlen(json) + 4 <= PT_EVENT_MAX) {
		buf_init(&b);
		buf_put_str(&b, json);
		ipc_send_buf(&c->ipc, IMSG_EVENT, 0, &b);
		buf_free(&b);
		if (ipc_flush(&c->ipc) == -1 && errno != EAGAIN)
			export_channel_closed("broke its channel");
	}
	cJSON_free(json);
}

static void
export_simple(const char *kind)
{
	cJSON	*ev;

	if (children[PROC_EXPORT].ipc.fd == -1)
		return;
	ev = cJSON_CreateObject();
	cJSON_AddStringToObject(ev, "kind", kind);
	export_send(ev);
	cJSON_Delete(ev);
}

/*
 * The front's "tool call" line as the exporter's event: the fields it
 * exports, bounded, and when the call ended (now, as the parent saw it).
 */
static void
export_tool_call(const cJSON *line)
{
	static const char *const strs[][2] = {
		{ "tool", "64" }, { "status", "32" }, { "args_hash", "32" },
		{ "org_id", "18" },
	};
	const cJSON	*v;
	cJSON		*ev;
	struct timespec	 ts;
	char		 ns[32];
	size_t		 i;

	if (children[PROC_EXPORT].ipc.fd == -1 ||
	    !cJSON_IsString(v = cJSON_GetObjectItem(line, "msg")) ||
	    strcmp(v->valuestring, "tool call") != 0 ||
	    !cJSON_IsString(cJSON_GetObjectItem(line, "tool")))
		return;
	ev = cJSON_CreateObject();
	cJSON_AddStringToObject(ev, "kind", "call");
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		v = cJSON_GetObjectItem(line, strs[i][0]);
		if (cJSON_IsString(v) &&
		    strlen(v->valuestring) <= (size_t)atoi(strs[i][1]))
			cJSON_AddStringToObject(ev, strs[i][0], v->valuestring);
	}
	if (!cJSON_IsString(cJSON_GetObjectItem(ev, "tool")) ||
	    !cJSON_IsString(cJSON_GetObjectItem(ev, "status"))) {
		cJSON_Delete(ev);
		return;
	}
	if (cJSON_IsNumber(v = cJSON_GetObjectItem(line, "ms")))
		cJSON_AddNumberToObject(ev, "ms", v->valuedouble);
	if (cJSON_IsNumber(v = cJSON_GetObjectItem(line, "api_calls")))
		cJSON_AddNumberToObject(ev, "api_calls", v->valuedouble);
	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		fatal("clock_gettime");
	snprintf(ns, sizeof(ns), "%llu", (unsigned long long)ts.tv_sec *
	    1000000000ull + (unsigned long long)ts.tv_nsec);
	cJSON_AddStringToObject(ev, "end_ns", ns);
	export_send(ev);
	cJSON_Delete(ev);
}

/* IMSG_LOG: one JSON line, written to stderr (and syslog, the journal)
 * as it came; the front's tool calls also go to the exporter. */
static void
parent_log(void *arg, struct ipc *from, uint32_t id, struct buf *b)
{
	struct child	*c = arg;
	uint32_t	 level;
	char		*line = NULL;
	cJSON		*j = NULL;
	int		 lvl;

	(void)from;
	(void)id;
	if (buf_get_u32(b, &level) == 0 && buf_get_str(b, &line, 16384) == 0 &&
	    buf_get_end(b) == 0 &&
	    (j = log_line_from(line, c->role, &lvl)) != NULL) {
		logsink_line(lvl, line, strlen(line));
		if (c->role == PROC_FRONT)
			export_tool_call(j);
		cJSON_Delete(j);
	} else
		log_warnx("malformed log line from %s", proc_name(c->role));
	free(line);
}

/*
 * IMSG_CONNECT: the broker wants a TCP connection (connector.c decides
 * whether it may have one).  The answer carries the socket, or says why
 * not; the broker waits for it, so it goes out at once.
 */
static void
parent_connect(void *arg, struct ipc *from, uint32_t id, struct buf *b)
{
	struct child	*c = arg;
	struct buf	 out;
	char		*host = NULL, err[512];
	uint32_t	 port;
	int		 fd;

	if (buf_get_str(b, &host, CONNECTOR_HOST_MAX) == -1 ||
	    buf_get_u32(b, &port) == -1 || buf_get_end(b) == -1 ||
	    port == 0 || port > 65535) {
		log_warnx("protocol violation: a malformed CONNECT from the "
		    "%s: stopping it", proc_name(c->role));
		(void)kill(c->pid, SIGKILL);
		ipc_close(from);	/* nothing more it sent is served */
		free(host);
		return;
	}
	if ((c->role == PROC_EXPORT ? connector_open_export(host, port, &fd,
	    err, sizeof(err)) : connector_open(host, port, &fd, err,
	    sizeof(err))) == -1) {
		log_warnx("%s", err);
		ipc_send_error(from, id, SFE_NETWORK, err);
	} else {
		buf_init(&out);
		buf_put_u32(&out, 0);
		ipc_send_fd(from, IMSG_CONNECT_R, id, &out, fd);
		buf_free(&out);
	}
	(void)ipc_flush(from);
	free(host);
}

/*
 * IMSG_TZ_QUERY: the front's one question per process, the running
 * user's time zone (tz.c).  A bad or unknown zone is answered with an
 * error saying so: the front then states its dates in UTC.
 */
static void
parent_tz(void *arg, struct ipc *from, uint32_t id, struct buf *b)
{
	struct child	*c = arg;
	struct buf	 out;
	char		*zone = NULL, *json, err[512];
	unsigned int	 code;

	if (buf_get_str(b, &zone, TZ_NAME_MAX) == -1 || buf_get_end(b) == -1) {
		log_warnx("protocol violation: a malformed TZ_QUERY from the "
		    "%s: stopping it", proc_name(c->role));
		(void)kill(c->pid, SIGKILL);
		ipc_close(from);
		free(zone);
		return;
	}
	if (tz_answer(zone, time(NULL), &json, &code, err,
	    sizeof(err)) == -1) {
		log_warnx("the running user's time zone: %s", err);
		ipc_send_error(from, id, code, err);
	} else {
		buf_init(&out);
		buf_put_str(&out, json);
		ipc_send_buf(from, IMSG_TZ_R, id, &out);
		buf_free(&out);
		free(json);
	}
	(void)ipc_flush(from);
	free(zone);
}

/*
 * The hosts the broker may reach: the configured instance and login
 * hosts, and the proxies libcurl will use (the variables it reads).
 */
static void
connector_setup(const char *config_json)
{
	static const char *const proxies[] = { "https_proxy", "HTTPS_PROXY",
	    "all_proxy", "ALL_PROXY", NULL };
	cJSON		*j;
	const char	*v;
	size_t		 i;

	if ((j = cJSON_Parse(config_json)) == NULL)
		fatalx("the configuration is not JSON");
	if (connector_allow(cJSON_GetStringValue(cJSON_GetObjectItem(j,
	    "instance_url")), "instance") == -1 ||
	    connector_allow(cJSON_GetStringValue(cJSON_GetObjectItem(j,
	    "login_url")), "login") == -1)
		fatalx("the instance or login URL names no host");
	/* With a fixed access token nothing can move the instance. */
	connector_instance(cJSON_GetStringValue(cJSON_GetObjectItem(j,
	    "instance_url")), strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(j,
	    "auth_flow")) != NULL ? cJSON_GetStringValue(cJSON_GetObjectItem(j,
	    "auth_flow")) : "access_token", "access_token") != 0);
	cJSON_Delete(j);
	for (i = 0; proxies[i] != NULL; i++)
		if ((v = getenv(proxies[i])) != NULL && *v != '\0' &&
		    connector_allow(v, "proxy") == -1)
			fatalx("%s is not a proxy URL this server can use "
			    "(http://host:port or https://host:port)",
			    proxies[i]);
}

/*
 * sfrevops-mcp login: the broker's three answers; in any other mode a
 * broker that sends one is stopped.
 */
static int
login_only(struct child *c)
{
	if (run_mode == CLI_LOGIN)
		return 1;
	log_warnx("protocol violation: the %s sent a login answer, and this "
	    "is no login: stopping it", proc_name(c->role));
	(void)kill(c->pid, SIGKILL);
	return 0;
}

static void
parent_login_token(void *arg, struct ipc *from, uint32_t id, struct buf *b)
{
	(void)from;
	(void)id;
	if (login_only(arg))
		cli_login_token(b);
}

static void
parent_login_identity(void *arg, struct ipc *from, uint32_t id, struct buf *b)
{
	(void)from;
	(void)id;
	if (login_only(arg))
		cli_login_identity(b);
}

static void
parent_login_error(void *arg, struct ipc *from, uint32_t id, struct buf *b)
{
	(void)from;
	(void)id;
	if (login_only(arg))
		cli_login_error(b);
}

#define PT_PICK_PARENT(s, r, t, h)	PT_ENTRY(s, r, t, h)
#define PT_PICK_FRONT(s, r, t, h)
#define PT_PICK_BROKER(s, r, t, h)
#define PT_PICK_WRITER(s, r, t, h)
#define PT_PICK_EXPORT(s, r, t, h)
static const struct policy_handler parent_handlers[] = {
	POLICY_TABLE(PT_ROW_PICK)
};

/*
 * What a child sends: logs, and READY once.  The parent does not exit on
 * a refused message as the children do: it stops the child, whose death
 * then stops the tree with one line naming it.
 */
static void
forward_logs(struct child *c)
{
	struct ipc_msg	 msg;
	char		 err[256];
	int		 r;

	for (;;) {
		if ((r = ipc_get(&c->ipc, &msg, err, sizeof(err))) == 0)
			return;
		if (r == -1) {
			log_warnx("%s", err);
			(void)kill(c->pid, SIGKILL);
			ipc_close(&c->ipc);
			return;
		}
		if (msg.hdr.type == IMSG_HELLO) {
			ipc_msg_free(&msg);
			continue;
		}
		if (policy_verdict(c->role, PROC_PARENT, c->ready ? PS_RUN :
		    PS_START, &msg, &c->ipc.once_seen, err, sizeof(err)) == -1) {
			log_warnx("protocol violation: %s: stopping it", err);
			(void)kill(c->pid, SIGKILL);
			ipc_msg_free(&msg);
			ipc_close(&c->ipc);
			return;
		}
		policy_call(PROC_PARENT, &c->ipc, &msg, parent_handlers,
		    sizeof(parent_handlers) / sizeof(parent_handlers[0]), c);
		ipc_msg_free(&msg);
	}
}

/*
 * Ask the live children in [lo, hi] to stop, then make sure they have:
 * grace_ms for their last words, then SIGKILL.
 */
static void
stop_range(int lo, int hi, uint64_t grace_ms)
{
	uint64_t	 deadline;
	int		 i;

	for (i = lo; i <= hi; i++) {
		if (children[i].reaped || children[i].ipc.fd == -1)
			continue;
		ipc_send(&children[i].ipc, IMSG_SHUTDOWN, 0, NULL, 0);
		(void)ipc_flush(&children[i].ipc);
	}
	deadline = now_ms() + grace_ms;
	for (;;) {
		struct pollfd	 pfd[PROC_MAX];
		int		 n = 0, left = 0;

		for (i = lo; i <= hi; i++)
			if (!children[i].reaped)
				left = 1;
		if (!left || now_ms() >= deadline)
			break;
		for (i = lo; i <= hi; i++) {
			if (children[i].ipc.fd == -1)
				continue;
			pfd[n].fd = children[i].ipc.fd;
			pfd[n].events = POLLIN |
			    (ipc_want_write(&children[i].ipc) ? POLLOUT : 0);
			n++;
		}
		(void)poll(pfd, (nfds_t)n, 20);
		for (i = lo; i <= hi; i++) {
			int r;
			if (children[i].ipc.fd == -1)
				continue;
			if (ipc_want_write(&children[i].ipc))
				(void)ipc_flush(&children[i].ipc);
			r = ipc_read(&children[i].ipc);
			if (r == 1)
				forward_logs(&children[i]);
			else if (r == 0 || (r == -1 && errno != EAGAIN))
				ipc_close(&children[i].ipc);
		}
		(void)reap(0);
	}
	for (i = lo; i <= hi; i++)
		if (!children[i].reaped && children[i].pid > 0)
			(void)kill(children[i].pid, SIGKILL);
	for (;;) {
		int left = 0;
		for (i = lo; i <= hi; i++)
			if (!children[i].reaped)
				left = 1;
		if (!left)
			break;
		(void)reap(1);
	}
}

/*
 * Stop the children; the exporter last, so that it has the others' last
 * tool calls, after the "stop" event, with EXPORT_STOP_MS for its last
 * flush.
 */
static void
stop_children(void)
{
	stop_range(PROC_FRONT, PROC_WRITER, STOP_GRACE_MS);
	if (children[PROC_EXPORT].reaped)
		return;
	export_stopping = 1;
	export_simple("stop");
	stop_range(PROC_EXPORT, PROC_EXPORT, EXPORT_STOP_MS + 200);
}

/* A child that ended by itself for a reason of its own, not because a
 * peer went away first. */
static struct child *
find_cause(void)
{
	int	 i;

	for (i = PROC_FRONT; i < PROC_MAX; i++) {
		struct child *c = &children[i];
		if (!c->reaped || i == PROC_EXPORT)
			continue;
		if (WIFSIGNALED(c->status))
			return c;
		if (WIFEXITED(c->status) && WEXITSTATUS(c->status) != 0 &&
		    WEXITSTATUS(c->status) != EXIT_PEER_GONE)
			return c;
	}
	return NULL;
}

static int
front_finished(void)
{
	const struct child *f = &children[PROC_FRONT];

	return f->reaped && WIFEXITED(f->status) && WEXITSTATUS(f->status) == 0;
}

static int
supervise(int sfd)
{
	struct pollfd		 pfd[PROC_MAX + 2];
	struct signalfd_siginfo	 si;
	int			 cli_slot = -1;
	struct child		*dead = NULL, *cause;
	char			 why[256];
	uint64_t		 deadline;
	int			 i, n, r, clean = 1;

	for (;;) {
		n = 0;
		pfd[n].fd = sfd;
		pfd[n].events = POLLIN;
		n++;
		for (i = PROC_FRONT; i < PROC_MAX; i++) {
			pfd[n].fd = children[i].ipc.fd;
			pfd[n].events = POLLIN |
			    (ipc_want_write(&children[i].ipc) ? POLLOUT : 0);
			n++;
		}
		if (cli_fd != -1) {
			cli_slot = n;
			pfd[n].fd = cli_fd;
			pfd[n].events = POLLIN;
			n++;
		}
		if (poll(pfd, (nfds_t)n, -1) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (pfd[0].revents & POLLIN) {
			if (read(sfd, &si, sizeof(si)) != sizeof(si))
				fatal("signalfd read");
			if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT ||
			    si.ssi_signo == SIGHUP) {
				log_info("signal %d: stopping", si.ssi_signo);
				break;
			}
		}
		/* call, check: the front answered; once the exchange is
		 * over, its stdin closes and it finishes. */
		if (cli_fd != -1 && (pfd[cli_slot].revents &
		    (POLLIN | POLLHUP | POLLERR)) && cli_input(cli_fd)) {
			if (close(cli_fd) == -1)
				fatal("close");
			cli_fd = -1;
		}
		for (i = PROC_FRONT; i < PROC_MAX; i++) {
			struct child *c = &children[i];
			if (c->ipc.fd == -1)
				continue;
			if (pfd[i].revents & POLLOUT)
				(void)ipc_flush(&c->ipc);
			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = ipc_read(&c->ipc);
			if (r == 1)
				forward_logs(c);
			else if (i == PROC_EXPORT)
				export_channel_closed(r == 0 ?
				    "closed its channel" : "broke its channel");
			else {
				/*
				 * EOF: the child is on its way out.  An error
				 * (a descriptor it may not pass, a reset) is
				 * its fault: stop it, so that waiting for it
				 * below cannot hang.
				 */
				if (r == -1) {
					log_warnx("protocol violation: reading "
					    "from the %s: %s: stopping it",
					    proc_name(c->role), strerror(errno));
					(void)kill(c->pid, SIGKILL);
				}
				ipc_close(&c->ipc);
			}
		}
		if (run_mode == CLI_LOGIN && cli_login_done())
			break;
		if ((dead = reap(0)) != NULL)
			break;
		/* A closed channel with the child still alive is a child
		 * on its way out: wait for it. */
		for (i = PROC_FRONT; i < PROC_MAX; i++)
			if (children[i].ipc.fd == -1 && !children[i].reaped &&
			    i != PROC_EXPORT) {
				dead = reap(1);
				break;
			}
		if (dead != NULL)
			break;
	}
	if (dead != NULL) {
		/* Peers of a dead child leave with EXIT_PEER_GONE: give the
		 * real cause a moment to show up before naming it. */
		deadline = now_ms() + 300;
		while ((cause = find_cause()) == NULL && !front_finished() &&
		    !all_reaped() && now_ms() < deadline) {
			(void)poll(NULL, 0, 10);
			(void)reap(0);
		}
		if (cause != NULL) {
			log_errorx("%s %s; stopping everything",
			    proc_name(cause->role),
			    child_status_text(cause->status, why, sizeof(why)));
			clean = 0;
		} else if (!front_finished()) {
			log_errorx("%s %s unexpectedly; stopping everything",
			    proc_name(dead->role),
			    child_status_text(dead->status, why, sizeof(why)));
			clean = 0;
		} else
			log_debug("the front finished: stopping");
	}
	/* Drain what the children still have to say. */
	for (i = PROC_FRONT; i < PROC_MAX; i++)
		if (children[i].ipc.fd != -1 && ipc_read(&children[i].ipc) == 1)
			forward_logs(&children[i]);
	stop_children();
	return clean ? 0 : 1;
}

static void
send_secret(struct ipc *ipc, uint32_t kind, const struct secret *s)
{
	uint8_t		*p;
	uint32_t	 len;
	size_t		 n;

	if (s->p == NULL)
		return;
	/* Built in one exact allocation: a growing buffer would leave
	 * copies of the secret behind in freed memory. */
	len = (uint32_t)s->len;
	n = 2 * sizeof(uint32_t) + s->len;
	p = xmalloc(n);
	memcpy(p, &kind, sizeof(kind));
	memcpy(p + sizeof(kind), &len, sizeof(len));
	memcpy(p + 2 * sizeof(uint32_t), s->p, s->len);
	ipc_send(ipc, IMSG_SECRET, 0, p, n);
	sodium_memzero(p, n);
	free(p);
}

/*
 * A child's channel broke before its HELLO.  If the child is gone, say
 * how it ended (the cause), as supervise() does later; otherwise say
 * what the channel reported.
 */
static void
startup_failed(enum proc_role role, const char *err)
{
	struct child	*c = &children[role];
	uint64_t	 deadline = now_ms() + 500;
	char		 text[256];

	while (!c->reaped && now_ms() < deadline) {
		if (reap(0) == NULL) {
			struct timespec ts = { 0, 10 * 1000000L };
			(void)nanosleep(&ts, NULL);
		}
	}
	if (c->reaped)
		log_errorx("%s %s while starting; stopping everything",
		    proc_name(role), child_status_text(c->status, text,
		    sizeof(text)));
	else
		log_errorx("%s did not start: %s", proc_name(role), err);
}

/*
 * The writer's journal, opened here before any child starts (and before
 * the children drop to nobody): the writer opens nothing.  Unopenable is
 * not fatal: the writer gets the errno and disables writes, saying why.
 */
static void
journal_send(struct ipc *writer, int err, int fd, const char *path,
    const char *why)
{
	struct buf	 b;

	if (err != 0)
		log_warnx("writes are disabled: %s", why);
	buf_init(&b);
	buf_put_u32(&b, (uint32_t)err);
	buf_put_str(&b, err == 0 ? path : why);	/* why names the path */
	if (err == 0)
		ipc_send_fd(writer, IMSG_JOURNAL, 0, &b, fd);
	else
		ipc_send_buf(writer, IMSG_JOURNAL, 0, &b);
	buf_free(&b);
}

/*
 * SFDC_OTLP_ENDPOINT, http://host[:port] with nothing after it but an
 * optional slash, and SFDC_OTLP_INTERVAL_MS: the exporter's, read here.
 * Serving only: a command's few calls are not worth a process.
 */
static int
export_setup(enum cli_mode mode, char *errbuf, size_t errlen)
{
	const char	*url, *iv, *p;
	char		*end;
	long		 v;

	url = getenv("SFDC_OTLP_ENDPOINT");
	iv = getenv("SFDC_OTLP_INTERVAL_MS");
	if (iv != NULL && *iv != '\0') {
		errno = 0;
		v = strtol(iv, &end, 10);
		if (errno != 0 || *end != '\0' || end == iv || v < 100 ||
		    v > 60000) {
			snprintf(errbuf, errlen, "SFDC_OTLP_INTERVAL_MS must be "
			    "milliseconds from 100 to 60000 (not '%.32s')", iv);
			return -1;
		}
		export_interval_ms = v;
	}
	if (url == NULL || *url == '\0')
		return 0;
	if (strncasecmp(url, "https://", 8) == 0) {
		snprintf(errbuf, errlen, "SFDC_OTLP_ENDPOINT: https is not "
		    "supported: the exporter holds no TLS library; give the "
		    "http:// address of a collector or agent on this host "
		    "(sfrevops-mcp.conf(5))");
		return -1;
	}
	if (strncasecmp(url, "http://", 7) != 0 ||
	    strlen(url) > 7 + HOST_MAX + 8) {
		snprintf(errbuf, errlen, "SFDC_OTLP_ENDPOINT must be "
		    "http://host[:port], e.g. http://127.0.0.1:4318");
		return -1;
	}
	for (p = url + 7; *p != '\0' && *p != '/'; p++)
		if (!(('a' <= *p && *p <= 'z') || ('A' <= *p && *p <= 'Z') ||
		    ('0' <= *p && *p <= '9') || *p == '.' || *p == '-' ||
		    *p == ':' || *p == '[' || *p == ']'))
			break;
	if ((*p != '\0' && !(p[0] == '/' && p[1] == '\0')) || p == url + 7 ||
	    url_hostport(url, export_host, sizeof(export_host),
	    &export_port) == -1 || export_port == 0 || export_port > 65535) {
		snprintf(errbuf, errlen, "SFDC_OTLP_ENDPOINT must be "
		    "http://host[:port] with no path, user or query (the "
		    "exporter adds /v1/traces and /v1/metrics), not '%.64s'",
		    url);
		return -1;
	}
	if (connector_export(url) == -1) {
		snprintf(errbuf, errlen, "SFDC_OTLP_ENDPOINT names no host");
		return -1;
	}
	export_wanted = mode == CLI_SERVE;
	return 0;
}

/* The exporter's CONFIG: where, how often, the version; no secret. */
static const char *
export_config(void)
{
	static char	 json[HOST_MAX + 256];
	cJSON		*j;
	char		*out;

	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "log_level",
	    log_level_name(log_get_level()));
	cJSON_AddStringToObject(j, "host", export_host);
	cJSON_AddNumberToObject(j, "port", export_port);
	cJSON_AddNumberToObject(j, "interval_ms", (double)export_interval_ms);
	cJSON_AddStringToObject(j, "version", PACKAGE_VERSION);
	if ((out = cJSON_PrintUnformatted(j)) == NULL)
		fatalx("cJSON_PrintUnformatted");
	cJSON_Delete(j);
	strlcpy_sf(json, out, sizeof(json));
	cJSON_free(out);
	return json;
}

/*
 * The children's configuration, with what only the parent decides:
 * call and check say which mode they run in ("mode"; the front serves
 * sfrevops/check in check mode only); "writer" says whether the writer
 * is started (config_tools()).
 */
static char *
config_finish(char *json, enum cli_mode mode)
{
	cJSON	*j;
	char	*out;

	if ((j = cJSON_Parse(json)) == NULL)
		fatalx("the configuration is not JSON");
	cJSON_free(json);
	writer_started = !cJSON_IsFalse(cJSON_GetObjectItem(j, "writer"));
	cJSON_AddStringToObject(j, "mode", mode == CLI_CHECK ? "check" :
	    mode == CLI_CALL ? "call" : mode == CLI_LOGIN ? "login" :
	    mode == CLI_AUDIT ? "audit-report" : "serve");
	if ((out = cJSON_PrintUnformatted(j)) == NULL)
		fatalx("cJSON_PrintUnformatted");
	cJSON_Delete(j);
	return out;
}

/*
 * check: the free space of the journal's file system (statvfs of the
 * descriptor journal_open() gave), for the report next to
 * SFDC_JOURNAL_MAX_MB; the children cannot ask (no file system calls).
 */
static char *
config_fs_free(char *json, int fd)
{
	struct statvfs	 sv;
	cJSON		*j;
	char		*out;

	if (fstatvfs(fd, &sv) == -1) {
		log_warn("fstatvfs of the journal");
		return json;
	}
	if ((j = cJSON_Parse(json)) == NULL)
		fatalx("the configuration is not JSON");
	cJSON_AddNumberToObject(j, "journal_fs_free",
	    (double)sv.f_bavail * (double)sv.f_frsize);
	if ((out = cJSON_PrintUnformatted(j)) == NULL)
		fatalx("cJSON_PrintUnformatted");
	cJSON_Delete(j);
	cJSON_free(json);
	return out;
}

static int
parent_main(enum cli_mode mode)
{
	struct sf_config	 conf;
	struct child_fds	 fds[PROC_MAX];
	struct buf		 b;
	struct ipc_msg		 msg;
	sigset_t		 mask;
	char			 err[512], dir[PATH_MAX], jwhy[512];
	int			 pc[PROC_MAX][2], fb[2], fw[2], wb[2], mcp[2];
	int			 i, r, sfd, devnull, clean, jfd = -1, jerr = 0;
	pid_t			 parent;

	log_init(PROC_PARENT, LOG_LVL_INFO);
	run_mode = mode;
	if (mode == CLI_LOGIN) {
		config_set_login(cli_login_redirect());
		if (cli_login_sandbox() && setenv("SFDC_LOGIN_URL",
		    "https://test.salesforce.com", 1) == -1)
			fatal("setenv");
	}
	/* A command's output is its answer: only warnings and worse in
	 * the log unless SFDC_LOG_LEVEL says otherwise. */
	if (mode != CLI_SERVE && setenv("SFDC_LOG_LEVEL", "warning", 0) == -1)
		fatal("setenv");
	if (config_load(&conf, err, sizeof(err)) == -1) {
		config_wipe_environ();
		if (mode != CLI_SERVE) {
			log_errorx("configuration: %s", err);
			exit(2);
		}
		fatalx("configuration: %s", err);
	}
	config_wipe_environ();
	/* syslog and the journal, open before any child starts. */
	if (logsink_setup(err, sizeof(err)) == -1) {
		config_free(&conf);
		log_errorx("configuration: %s", err);
		exit(mode == CLI_SERVE ? 1 : 2);
	}
	log_set_output(logsink_line);
	if (export_setup(mode, err, sizeof(err)) == -1) {
		config_free(&conf);
		log_errorx("configuration: %s", err);
		exit(mode == CLI_SERVE ? 1 : 2);
	}
	conf.json = config_finish(conf.json, mode);
	connector_setup(conf.json);
	/* audit-report: the journal, read here before any child starts. */
	if (mode == CLI_AUDIT && cli_audit_load(conf.json, conf.journal) ==
	    -1) {
		config_free(&conf);
		exit(2);
	}
	if (mode == CLI_LOGIN)
		cli_login_authorize(&conf);
	{
		const char *lvl = getenv("SFDC_LOG_LEVEL");
		if (lvl != NULL && log_level_parse(lvl) != -1)
			log_set_level(log_level_parse(lvl));
	}

	child_dir(dir, sizeof(dir));
	for (i = PROC_FRONT; i < PROC_MAX; i++)
		if (child_started(i))
			child_exe_fd[i] = child_exe_open(dir,
			    (enum proc_role)i);
	/* The journal only for a writer: without one nothing is opened. */
	if (child_started(PROC_WRITER))
		jerr = journal_open(conf.journal, &jfd, jwhy, sizeof(jwhy));
	if (mode == CLI_CHECK && child_started(PROC_WRITER) && jerr == 0)
		conf.json = config_fs_free(conf.json, jfd);

	/* Signals arrive through a signalfd, never asynchronously. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1)
		fatal("sigprocmask");
	if ((sfd = signalfd(-1, &mask, SFD_CLOEXEC)) == -1)
		fatal("signalfd");
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fatal("signal SIGPIPE");

	for (i = PROC_FRONT; i < PROC_MAX; i++) {
		pc[i][0] = pc[i][1] = -1;	/* an exporter not started */
		if (i != PROC_EXPORT || child_started(i))
			socketpair_or_die(pc[i]);
	}
	socketpair_or_die(fb);
	socketpair_or_die(fw);
	socketpair_or_die(wb);
	fds[PROC_FRONT] = (struct child_fds){ pc[PROC_FRONT][1], fb[0], fw[0] };
	fds[PROC_BROKER] = (struct child_fds){ pc[PROC_BROKER][1], fb[1], wb[1] };
	fds[PROC_WRITER] = (struct child_fds){ pc[PROC_WRITER][1], fw[1], wb[0] };
	fds[PROC_EXPORT] = (struct child_fds){ pc[PROC_EXPORT][1], -1, -1 };
	if (mode == CLI_CALL || mode == CLI_CHECK || mode == CLI_AUDIT) {
		socketpair_or_die(mcp);
		cli_fd = mcp[0];
		front_stdio = mcp[1];
	}

	parent = getpid();
	if (child_started(PROC_FRONT) && child_started(PROC_BROKER) &&
	    pipe2(start_gate, O_CLOEXEC) == -1)
		fatal("pipe2");
	for (i = PROC_FRONT; i < PROC_MAX; i++) {
		struct child *c = &children[i];
		c->role = (enum proc_role)i;
		if (!child_started(i)) {
			/* Not started is a state of its own, not a death. */
			c->pid = -1;
			c->reaped = 1;
			c->ipc.fd = -1;
			continue;
		}
		if ((c->pid = fork()) == -1)
			fatal("fork");
		if (c->pid == 0) {
			sigset_t none;
			sigemptyset(&none);
			if (sigprocmask(SIG_SETMASK, &none, NULL) == -1)
				_exit(126);
			child_exec(c->role, &fds[i], parent);	/* pre-fork */
		}
	}
	/* The gate is the front's and the broker's now. */
	if (start_gate[0] != -1 && (close(start_gate[0]) == -1 ||
	    close(start_gate[1]) == -1))
		fatal("close");
	/* The parent keeps only its ends of the parent channels. */
	for (i = PROC_FRONT; i < PROC_MAX; i++)
		if (child_exe_fd[i] != -1 && close(child_exe_fd[i]) == -1)
			fatal("close");
	for (i = PROC_FRONT; i < PROC_MAX; i++)
		if ((i != PROC_EXPORT || child_started(i)) &&
		    close(pc[i][1]) == -1)
			fatal("close");
	if (close(fb[1]) == -1 || close(fw[0]) == -1 || close(wb[1]) == -1)
		fatal("close");
	/* The front's ends likewise: kept, quiet, when it is not started. */
	if (child_started(PROC_FRONT) && close(fb[0]) == -1)
		fatal("close");
	if (!child_started(PROC_FRONT) && close(pc[PROC_FRONT][0]) == -1)
		fatal("close");
	/*
	 * The writer's ends: with no writer they stay open here, unused, so
	 * that the broker's channel to it stays quiet instead of ending
	 * (which it would take for a writer that died).
	 */
	if (child_started(PROC_WRITER) && (close(fw[1]) == -1 ||
	    close(wb[0]) == -1))
		fatal("close");
	if (!child_started(PROC_WRITER) && close(pc[PROC_WRITER][0]) == -1)
		fatal("close");
	if (front_stdio != -1 && close(front_stdio) == -1)
		fatal("close");
	/* Only the front holds stdin (and, serving, stdout) from now on;
	 * call and check print their answer. */
	if ((devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1 ||
	    dup2(devnull, STDIN_FILENO) == -1 ||
	    (mode == CLI_SERVE && dup2(devnull, STDOUT_FILENO) == -1) ||
	    close(devnull) == -1)
		fatal("/dev/null");

	for (i = PROC_FRONT; i < PROC_MAX; i++) {
		struct child *c = &children[i];
		if (!child_started(i))
			continue;
		ipc_init(&c->ipc, pc[i][0], c->role);
		ipc_send_hello(&c->ipc, PROC_PARENT);
		buf_init(&b);
		/* The exporter's: the collector and the interval alone. */
		buf_put_str(&b, i == PROC_EXPORT ? export_config() : conf.json);
		ipc_send_buf(&c->ipc, IMSG_CONFIG, 0, &b);
		buf_free(&b);
	}
	if (child_started(PROC_WRITER))
		journal_send(&children[PROC_WRITER].ipc, jerr, jfd,
		    conf.journal, jwhy);
	send_secret(&children[PROC_BROKER].ipc, SECRET_ACCESS_TOKEN,
	    &conf.access_token);
	send_secret(&children[PROC_BROKER].ipc, SECRET_REFRESH_TOKEN,
	    &conf.refresh_token);
	send_secret(&children[PROC_BROKER].ipc, SECRET_CLIENT_SECRET,
	    &conf.client_secret);
	send_secret(&children[PROC_BROKER].ipc, SECRET_PRIVATE_KEY,
	    &conf.private_key);
	send_secret(&children[PROC_BROKER].ipc, SECRET_AUTH_CODE,
	    &conf.auth_code);
	send_secret(&children[PROC_BROKER].ipc, SECRET_CODE_VERIFIER,
	    &conf.code_verifier);
	buf_init(&b);
	buf_put_u32(&b, SECRET_DONE);
	ipc_send_buf(&children[PROC_BROKER].ipc, IMSG_SECRET, 0, &b);
	buf_free(&b);
	/* Then the trust anchors, read here so that their path need not be
	 * readable by the user the broker runs as.  After the secrets:
	 * those leave this process's queue first. */
	buf_init(&b);
	buf_put_str(&b, conf.ca_name);
	buf_put_bytes(&b, conf.ca_pem, conf.ca_len);
	ipc_send_buf(&children[PROC_BROKER].ipc, IMSG_CA_BUNDLE, 0, &b);
	buf_free(&b);
	/*
	 * The broker's last: it reads once the front is sandboxed (the
	 * start gate), and a CA bundle larger than the socket's buffer
	 * must not hold the writer's configuration back until then.
	 */
	{
		static const enum proc_role order[] = { PROC_FRONT,
		    PROC_WRITER, PROC_EXPORT, PROC_BROKER };

		for (i = 0; i < (int)(sizeof(order) / sizeof(order[0])); i++)
			if (child_started(order[i]) && ipc_flush_blocking(
			    &children[order[i]].ipc, 5000) == -1)
				log_warn("sending configuration to %s",
				    proc_name(order[i]));
	}
	/* The secrets are the broker's now. */
	config_free(&conf);

	/* Wait for the HELLOs; a child that fails here says why itself. */
	for (i = PROC_FRONT; i < PROC_MAX; i++) {
		if (!child_started(i))
			continue;
		r = ipc_recv_blocking(&children[i].ipc, &msg, 5000, err,
		    sizeof(err));
		if (r != 1 && i == PROC_EXPORT) {
			/* Without export, not without the server. */
			export_lost(err);
			continue;
		}
		if (r != 1) {
			startup_failed((enum proc_role)i, err);
			stop_children();
			return mode == CLI_SERVE ? 1 : mode == CLI_LOGIN ?
			    cli_login_status() : cli_status(0);
		}
		ipc_msg_free(&msg);
		forward_logs(&children[i]);
	}
	export_simple("start");
	if (mode == CLI_CALL || mode == CLI_CHECK || mode == CLI_AUDIT)
		cli_begin(mode, cli_fd);
	clean = supervise(sfd);
	if (mode == CLI_SERVE)
		return clean;
	if (mode == CLI_LOGIN)
		return cli_login_status();
	if (cli_fd != -1 && close(cli_fd) == -1)
		fatal("close");
	return cli_status(clean == 0);
}

static void __attribute__((noreturn))
bad_word(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A wrong word on the command line: named, then the usage, exit 2. */
static void __attribute__((noreturn))
bad_word(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "%s: ", SFREVOPS_NAME);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage(2);
}

int
main(int argc, char *argv[])
{
	char		 err[1024];
	const char	*a, *file = NULL;
	enum cli_mode	 mode;
	int		 i;

	jsonalloc_init();
	/* Options first: -f FILE, or -h or -V alone. */
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		a = argv[i];
		if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0 ||
		    strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			if (argc > i + 1)
				bad_word("unexpected argument '%s' after '%s'",
				    argv[i + 1], a);
			if (i > 1)
				bad_word("'%s' takes no other option (%s)", a,
				    argv[1]);
			if (a[1] == 'h' || a[2] == 'h')
				usage(0);
			printf("%s %s\n", SFREVOPS_NAME, PACKAGE_VERSION);
			return 0;
		}
		if (strcmp(a, "-f") == 0) {
			if (file != NULL)
				bad_word("-f given twice ('%s', then '%s')",
				    file, i + 1 < argc ? argv[i + 1] : "");
			if (i + 1 == argc || argv[i + 1][0] == '\0')
				bad_word("-f needs a file");
			file = argv[++i];
			continue;
		}
		bad_word("unknown option '%s'", a);
	}
	if (i == argc)
		mode = CLI_SERVE;
	else if (strcmp(argv[i], "call") == 0) {
		cli_call_args(argc - i - 1, argv + i + 1);
		mode = CLI_CALL;
	} else if (strcmp(argv[i], "check") == 0) {
		cli_check_args(argc - i - 1, argv + i + 1);
		mode = CLI_CHECK;
	} else if (strcmp(argv[i], "login") == 0) {
		cli_login_args(argc - i - 1, argv + i + 1);
		mode = CLI_LOGIN;
	} else if (strcmp(argv[i], "audit-report") == 0) {
		cli_audit_args(argc - i - 1, argv + i + 1);
		mode = CLI_AUDIT;
	} else
		bad_word("unknown command '%s' (the commands are call, check, "
		    "login and audit-report)", argv[i]);
	/* A bad file is a configuration error: 1 serving, 2 for a command,
	 * as every other one. */
	if (file != NULL && config_read_file(file, err, sizeof(err)) == -1) {
		log_init(PROC_PARENT, LOG_LVL_INFO);
		config_wipe_environ();
		log_errorx("configuration: %s", err);
		return mode == CLI_SERVE ? 1 : 2;
	}
	return parent_main(mode);
}
