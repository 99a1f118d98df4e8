/*
 * sandbox.c: what a child gives up after it has started.
 *
 * The order follows OpenSSH's: the privilege drop happens in the parent's
 * fork child before exec (sandbox_drop_privileges, in sandbox-drop.c so
 * that the parent need not link libseccomp), then, in the child
 * after exec, sandbox_apply(): rlimits, PR_SET_NO_NEW_PRIVS,
 * PR_SET_DUMPABLE 0, Landlock (where the kernel has it), and last a
 * libseccomp allow-list whose default action kills the process.
 *
 * The seccomp profiles are const arrays, one per concern, combined per
 * process in sandbox_seccomp().  contrib/SANDBOX.md gives the reason for
 * every entry; keep the two in step.
 *
 * Nothing in the environment can weaken a sandbox.  The only switches
 * are build-time ones: SF_COVERAGE (--enable-coverage, for measuring and
 * never for use: make install refuses it) leaves Landlock, seccomp and
 * the file rlimits out so that each child can write its gcov counts at
 * exit, SANDBOX_DEBUG (--enable-sandbox-debug) traps and
 * names the offending call before the process dies, SF_SANITIZERS
 * (--enable-sanitizers) adapts to what the sanitizer runtimes need.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <seccomp.h>

#include "sfrevops.h"
#include "journal_fd.h"

/* ------------------------------------------------------------ rlimits */

#define RLIM_KEEP	((rlim_t)-2)	/* leave this limit alone */

/*
 * One row per resource, one column per process (PROC_PARENT unused).
 * RLIMIT_NPROC counts processes of the real uid and is not enforced for
 * root, so for the front and the writer it is a second line behind
 * seccomp (which refuses fork and clone); the broker keeps it because its
 * resolver runs in threads, which count against it.
 */
static const struct sandbox_limit {
	int		 resource;
	const char	*name;
	rlim_t		 lim[PROC_MAX];
} sandbox_limits[] = {
	{ RLIMIT_CORE,   "RLIMIT_CORE",   { RLIM_KEEP, 0, 0, 0, 0 } },
#if !defined(SF_SANITIZERS) && !defined(SF_COVERAGE)
	/* Sanitizer builds keep it: a report must reach a stderr file;
	 * coverage builds: the .gcda files. */
	{ RLIMIT_FSIZE,  "RLIMIT_FSIZE",  { RLIM_KEEP, 0, 0, 0, 0 } },
#endif
#ifndef SF_COVERAGE
	/* The writer's journal is FD_FIRST_FREE (journal_fd.h); the
	 * exporter holds one connection at a time. */
	{ RLIMIT_NOFILE, "RLIMIT_NOFILE", { RLIM_KEEP, FD_FIRST_FREE + 2, 64,
					    FD_FIRST_FREE + 3,
					    FD_FIRST_FREE + 2 } },
#endif
	{ RLIMIT_NPROC,  "RLIMIT_NPROC",  { RLIM_KEEP, 0, RLIM_KEEP, 0, 0 } },
};

/* The writer's RLIMIT_FSIZE: its journal's bound (journal_fd.c). */
static rlim_t	sandbox_writer_fsize_lim = 0;

void
sandbox_writer_fsize(uint64_t bytes)
{
	sandbox_writer_fsize_lim = (rlim_t)bytes;
}

static int
sandbox_role_valid(enum proc_role role)
{
	return role == PROC_FRONT || role == PROC_BROKER ||
	    role == PROC_WRITER || role == PROC_EXPORT;
}

void
sandbox_rlimits(enum proc_role role)
{
	struct rlimit	 rl;
	size_t		 i;

	if (!sandbox_role_valid(role))
		fatalx("sandbox_rlimits: no profile for %s", proc_name(role));
	for (i = 0; i < sizeof(sandbox_limits) / sizeof(sandbox_limits[0]);
	    i++) {
		if (sandbox_limits[i].lim[role] == RLIM_KEEP)
			continue;
		rl.rlim_cur = rl.rlim_max = sandbox_limits[i].lim[role];
		if (role == PROC_WRITER &&
		    sandbox_limits[i].resource == RLIMIT_FSIZE)
			rl.rlim_cur = rl.rlim_max = sandbox_writer_fsize_lim;
		if (setrlimit(sandbox_limits[i].resource, &rl) == -1)
			fatal("setrlimit %s", sandbox_limits[i].name);
		/*
		 * With RLIMIT_FSIZE 0 a write to a regular file (a stderr
		 * redirected to a file) fails with EFBIG instead of killing
		 * the process with SIGXFSZ.
		 */
		if (sandbox_limits[i].resource == RLIMIT_FSIZE &&
		    signal(SIGXFSZ, SIG_IGN) == SIG_ERR)
			fatal("signal SIGXFSZ");
	}
}

/* ----------------------------------------------------------- Landlock */

/*
 * The ruleset attribute as of ABI 6.  The installed linux/landlock.h may
 * be older than the running kernel, so the layout and the flags we use
 * are spelled out here; the kernel takes the size we pass.
 */
struct sandbox_ll_attr {
	uint64_t	 handled_access_fs;	/* ABI 1 */
	uint64_t	 handled_access_net;	/* ABI 4 */
	uint64_t	 scoped;		/* ABI 6 */
};

struct sandbox_ll_path {
	uint64_t	 allowed_access;
	int32_t		 parent_fd;
} __attribute__((packed));

#define LL_CREATE_RULESET_VERSION	(1U << 0)
#define LL_RULE_PATH_BENEATH		1

#define LL_FS_EXECUTE		(1ULL << 0)
#define LL_FS_WRITE_FILE	(1ULL << 1)
#define LL_FS_READ_FILE		(1ULL << 2)
#define LL_FS_READ_DIR		(1ULL << 3)
#define LL_FS_ABI1		((1ULL << 13) - 1)	/* bits 0..12 */
#define LL_FS_REFER		(1ULL << 13)		/* ABI 2 */
#define LL_FS_TRUNCATE		(1ULL << 14)		/* ABI 3 */
#define LL_FS_IOCTL_DEV		(1ULL << 15)		/* ABI 5 */
#define LL_NET_BIND_TCP		(1ULL << 0)		/* ABI 4 */
#define LL_NET_CONNECT_TCP	(1ULL << 1)		/* ABI 4 */
#define LL_SCOPE_ABSTRACT_UNIX	(1ULL << 0)		/* ABI 6 */
#define LL_SCOPE_SIGNAL		(1ULL << 1)		/* ABI 6 */

#ifdef SYS_landlock_create_ruleset
static long
ll_create_ruleset(const struct sandbox_ll_attr *attr, size_t size,
    uint32_t flags)
{
	return syscall(SYS_landlock_create_ruleset, attr, size, flags);
}

static long
ll_add_rule(int ruleset, int type, const void *attr, uint32_t flags)
{
	return syscall(SYS_landlock_add_rule, ruleset, type, attr, flags);
}

static long
ll_restrict_self(int ruleset, uint32_t flags)
{
	return syscall(SYS_landlock_restrict_self, ruleset, flags);
}

/* The Landlock ABI of the running kernel, 0 if it has none. */
static int
sandbox_landlock_abi(void)
{
	long	 abi;

	abi = ll_create_ruleset(NULL, 0, LL_CREATE_RULESET_VERSION);
	if (abi >= 1)
		return (int)abi;
	/*
	 * A warning, since a layer is lost: seccomp still forbids opening
	 * files (front, writer, broker) and creating sockets (all but the
	 * parent), but the file and TCP rules are no longer enforced a second
	 * time.
	 */
	if (errno == ENOSYS)
		log_warnx("Landlock is unavailable: the kernel was built "
		    "without it; lost: the second layer of file and TCP "
		    "restrictions (seccomp and rlimits still apply)");
	else if (errno == EOPNOTSUPP)
		log_warnx("Landlock is unavailable: it is disabled at boot "
		    "(add landlock to lsm=); lost: the second layer of file and "
		    "TCP restrictions (seccomp and rlimits still apply)");
	else
		log_warnx("Landlock is unavailable (%s); lost: the second "
		    "layer of file and TCP restrictions (seccomp and rlimits "
		    "still apply)", strerror(errno));
	return 0;
}

/* Allow reading one file or directory tree; a path we cannot open stays
 * denied, which is the safe outcome, so that is only logged. */
static int
sandbox_landlock_ro(int ruleset, uint64_t handled, const char *path)
{
	struct sandbox_ll_path	 pb;
	struct stat		 st;
	int			 fd, saved;

	if ((fd = open(path, O_PATH | O_CLOEXEC)) == -1) {
		log_debug("landlock: %s stays denied: %s", path,
		    strerror(errno));
		return 0;
	}
	if (fstat(fd, &st) == -1) {
		saved = errno;
		(void)close(fd);
		errno = saved;
		log_warn("landlock: fstat %s", path);
		return -1;
	}
	memset(&pb, 0, sizeof(pb));
	pb.allowed_access = LL_FS_READ_FILE;
	if (S_ISDIR(st.st_mode))
		pb.allowed_access |= LL_FS_READ_DIR;
	pb.allowed_access &= handled;
	pb.parent_fd = fd;
	if (ll_add_rule(ruleset, LL_RULE_PATH_BENEATH, &pb, 0) == -1) {
		saved = errno;
		(void)close(fd);
		errno = saved;
		log_warn("landlock_add_rule %s", path);
		return -1;
	}
	(void)close(fd);
	return 0;
}
#endif /* SYS_landlock_create_ruleset */

/*
 * Every filesystem access right the kernel knows is handled and none is
 * granted, except reading ro_paths (NULL-terminated, may be NULL).  TCP
 * bind and connect are denied to all (the broker's sockets come from the
 * parent already connecting).
 * Abstract UNIX sockets and signals outside the domain are scoped away.
 * Returns the ABI applied (>= 1), 0 when the kernel has no Landlock
 * (logged at info level), -1 on error (logged).
 */
int
sandbox_landlock(enum proc_role role, const char *const *ro_paths)
{
#ifdef SYS_landlock_create_ruleset
	struct sandbox_ll_attr	 attr;
	size_t			 size, i;
	int			 abi, ruleset, saved;

	if (!sandbox_role_valid(role)) {
		log_warnx("sandbox_landlock: no profile for %s",
		    proc_name(role));
		return -1;
	}
	if ((abi = sandbox_landlock_abi()) == 0)
		return 0;

	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = LL_FS_ABI1;
	if (abi >= 2)
		attr.handled_access_fs |= LL_FS_REFER;
	if (abi >= 3)
		attr.handled_access_fs |= LL_FS_TRUNCATE;
	if (abi >= 5)
		attr.handled_access_fs |= LL_FS_IOCTL_DEV;
	size = sizeof(attr.handled_access_fs);
	if (abi >= 4) {
		/* The broker's sockets arrive connected: nobody connects. */
		attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
		size = offsetof(struct sandbox_ll_attr, scoped);
	}
	if (abi >= 6) {
		attr.scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL;
		size = sizeof(attr);
	}

	if ((ruleset = (int)ll_create_ruleset(&attr, size, 0)) == -1) {
		log_warn("landlock_create_ruleset (ABI %d)", abi);
		return -1;
	}
	for (i = 0; ro_paths != NULL && ro_paths[i] != NULL; i++)
		if (sandbox_landlock_ro(ruleset, attr.handled_access_fs,
		    ro_paths[i]) == -1)
			goto fail;
	/* Required by the kernel unless we had CAP_SYS_ADMIN; harmless. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		log_warn("prctl PR_SET_NO_NEW_PRIVS");
		goto fail;
	}
	if (ll_restrict_self(ruleset, 0) == -1) {
		log_warn("landlock_restrict_self");
		goto fail;
	}
	(void)close(ruleset);
	return abi;
 fail:
	saved = errno;
	(void)close(ruleset);
	errno = saved;
	return -1;
#else
	(void)role;
	(void)ro_paths;
	log_info("Landlock is unavailable: built without its system call "
	    "numbers; relying on seccomp and rlimits");
	return 0;
#endif
}

/* ------------------------------------------------------------ seccomp */

/*
 * One entry of an allow-list.  argn < 0: the call is allowed whatever its
 * arguments; otherwise argument argn must satisfy op (for MASKED_EQ: arg
 * & a == b; for EQ: arg == a).  Several entries for the same call are
 * alternatives.
 */
struct sc_rule {
	int			 nr;
	int			 argn;
	enum scmp_compare	 op;
	scmp_datum_t		 a;
	scmp_datum_t		 b;
};

#define SC_ANY(name)		{ SCMP_SYS(name), -1, SCMP_CMP_EQ, 0, 0 }
#define SC_EQ(name, n, v)	{ SCMP_SYS(name), (n), SCMP_CMP_EQ, (v), 0 }
#define SC_MASK(name, n, m, v)	{ SCMP_SYS(name), (n), SCMP_CMP_MASKED_EQ, \
				  (m), (v) }
#define NELEM(a)		(sizeof(a) / sizeof((a)[0]))

/* Every process: exiting, signals returning, time, randomness. */
static const struct sc_rule sc_base[] = {
	SC_ANY(exit),			/* a thread ends */
	SC_ANY(exit_group),		/* exit(3), _exit(2) */
	SC_ANY(rt_sigreturn),		/* return from any signal handler */
	SC_ANY(rt_sigprocmask),		/* abort(3), pthread internals */
	SC_ANY(restart_syscall),	/* a poll interrupted by SIGSTOP/CONT */
	SC_ANY(close),
	SC_ANY(getpid),			/* OpenSSL fork detection, abort(3) */
	SC_ANY(gettid),			/* abort(3) -> raise(3) */
	SC_ANY(getppid),		/* is the parent still there? */
	SC_ANY(futex),			/* libc locks, pthread_once */
	SC_ANY(clock_gettime),		/* vDSO fallback */
	SC_ANY(clock_getres),
	SC_ANY(gettimeofday),		/* vDSO fallback */
#ifdef __NR_time
	SC_ANY(time),			/* vDSO fallback (x86) */
#endif
	SC_ANY(clock_nanosleep),	/* nanosleep(3), usleep(3) */
	SC_ANY(nanosleep),
	SC_ANY(getrandom),		/* libsodium randombytes, OpenSSL */
	SC_ANY(poll),			/* every event loop */
	SC_ANY(ppoll),			/* poll(3) on newer libcs */
};

/* Memory: malloc, and nothing mapped executable. */
static const struct sc_rule sc_memory[] = {
	SC_ANY(brk),
	SC_MASK(mmap, 2, PROT_EXEC, 0),
	SC_MASK(mprotect, 2, PROT_EXEC, 0),
	SC_ANY(munmap),
	SC_ANY(mremap),
	SC_ANY(madvise),		/* free(3) trimming, thread exit */
};

/* fcntl(2) commands: non-blocking and close-on-exec bookkeeping only. */
static const int sc_fcntl_cmds[] = { F_GETFL, F_SETFL, F_GETFD, F_SETFD };

/* Calls whose first argument is a descriptor being read / written. */
static const int sc_fd_read_calls[] = {
	SCMP_SYS(read), SCMP_SYS(readv), SCMP_SYS(recvfrom), SCMP_SYS(recvmsg)
};
static const int sc_fd_write_calls[] = {
	SCMP_SYS(write), SCMP_SYS(writev), SCMP_SYS(sendto), SCMP_SYS(sendmsg)
};

/* Front: MCP on stdin/stdout, logs on stderr, the three channels. */
static const int sc_front_read_fds[] = { STDIN_FILENO, FD_PARENT, FD_PEER_A,
    FD_PEER_B };
static const int sc_front_write_fds[] = { STDOUT_FILENO, STDERR_FILENO,
    FD_PARENT, FD_PEER_A, FD_PEER_B };
/*
 * Writer: the same minus stdio (stderr stays for a last word), plus its
 * journal, which the parent opened (journal_fd.c): it may append to it,
 * flush it to disk and learn its size, and open nothing.
 */
static const int sc_writer_read_fds[] = { FD_PARENT, FD_PEER_A, FD_PEER_B };
static const int sc_writer_write_fds[] = { STDERR_FILENO, FD_PARENT,
    FD_PEER_A, FD_PEER_B, FD_JOURNAL };
static const struct sc_rule sc_writer_journal[] = {
	SC_EQ(fsync, 0, FD_JOURNAL),
	SC_EQ(fdatasync, 0, FD_JOURNAL),
	/* Its size: lseek(SEEK_END).  Not newfstatat(2), glibc's fstat(3):
	 * given a path it would stat any file, whatever the descriptor. */
	SC_EQ(lseek, 0, FD_JOURNAL),
};

/*
 * Broker: descriptors come and go with connections; any fd.  Its sockets
 * come from the parent (connector.c, netpass.c): the broker may neither
 * create nor connect one, nor resolve a name, nor open a file, so none of
 * socket(2), connect(2) or openat(2) is here, and each kills it.
 */
static const struct sc_rule sc_broker_io[] = {
	SC_ANY(read), SC_ANY(readv), SC_ANY(write), SC_ANY(writev),
	SC_ANY(recvfrom),		/* recv(2): TLS records */
	SC_ANY(recvmsg),		/* the parent channel: passed sockets */
	/*
	 * send(2) with MSG_NOSIGNAL; never MSG_FASTOPEN, with which a
	 * sendto or sendmsg with an address would open a new connection on
	 * a socket whose handshake failed, inside the kernel, past both the
	 * faked connect(2) and Landlock's TCP rule.
	 */
	SC_MASK(sendto, 3, MSG_FASTOPEN, 0),
	SC_MASK(sendmsg, 2, MSG_FASTOPEN, 0),
};

/* Broker: what a TCP client does with a socket it was given. */
static const struct sc_rule sc_broker_net[] = {
	SC_ANY(getsockopt),		/* SO_ERROR, SO_TYPE */
	SC_ANY(setsockopt),		/* TCP_NODELAY, keepalive */
	SC_ANY(getsockname),
	SC_ANY(getpeername),
	SC_ANY(shutdown),
	SC_EQ(socketpair, 0, AF_UNIX),	/* curl's wakeup pair */
	SC_EQ(ioctl, 1, FIONREAD),
};

/*
 * Broker: connect(2) never runs, but answers EINPROGRESS.  libcurl
 * 7.88 (Debian 12) calls connect() on a socket from
 * CURLOPT_OPENSOCKETFUNCTION even when CURLOPT_SOCKOPTFUNCTION says
 * CURL_SOCKOPT_ALREADY_CONNECTED (curl issue 10626, fixed by pull
 * request 10648 in 8.0); told "in progress", it waits for the socket to
 * become writable and reads SO_ERROR, which is right for the parent's
 * socket.  Nothing is connected by it: the filter answers, the kernel
 * never sees the call.
 */
static const int sc_broker_fake_connect[] = { SCMP_SYS(connect) };

/*
 * Exporter: a TCP client of the socket the parent connected for it (it
 * checks SO_TYPE of the CONNECT_R socket, reads SO_ERROR when the
 * connection is up, and shuts it down), nothing more: no socketpair, no
 * ioctl, and no stat of any kind (glibc's fstat is newfstatat, which a
 * filter cannot keep from taking a path).
 */
static const struct sc_rule sc_export_net[] = {
	SC_ANY(getsockopt),		/* SO_TYPE, SO_ERROR */
	SC_ANY(shutdown),
};

/* Broker: descriptors it holds, no paths. */
static const struct sc_rule sc_broker_files[] = {
	SC_ANY(fstat),
	SC_MASK(newfstatat, 3, AT_EMPTY_PATH, AT_EMPTY_PATH),	/* fstat(3) */
};

/* Broker: curl's threaded resolver and libsodium's guarded memory. */
#define SC_CLONE_THREAD	(CLONE_VM | CLONE_FS | CLONE_FILES | \
			 CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM)
#define SC_CLONE_NS	(CLONE_NEWNS | CLONE_NEWUSER | CLONE_NEWPID | \
			 CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC | \
			 CLONE_NEWCGROUP)
static const struct sc_rule sc_broker_threads[] = {
	/* pthread_create(3), never fork(2): thread flags, no namespaces */
	SC_MASK(clone, 0, SC_CLONE_THREAD | SC_CLONE_NS, SC_CLONE_THREAD),
	SC_ANY(set_robust_list),	/* a new thread registers itself */
	SC_ANY(rseq),
	SC_ANY(sched_getaffinity),	/* sysconf(_SC_NPROCESSORS_ONLN) */
	SC_ANY(sched_yield),
	SC_ANY(rt_sigaction),		/* curl toggles SIGPIPE; SIGSETXID */
	SC_ANY(mlock),			/* sodium_malloc(3) */
	SC_ANY(munlock),		/* sodium_free(3) */
};

#ifdef SF_SANITIZERS
/*
 * Sanitizer builds only: what the ASan/UBSan runtimes call while the
 * program runs (allocator, thread bookkeeping, error reports).  Leak
 * checking at exit is turned off below instead of allowing ptrace.
 */
static const struct sc_rule sc_sanitizer[] = {
	SC_ANY(sched_yield),		/* allocator spin locks */
	SC_ANY(sigaltstack),		/* per-thread alternate signal stack */
	SC_ANY(prctl),			/* thread names in reports */
	SC_ANY(getrlimit),
	SC_ANY(prlimit64),
	SC_ANY(rt_sigaction),		/* deadly-signal handlers of new threads */
	SC_ANY(write),			/* reports go to stderr */
	SC_ANY(readlink),		/* report: binary name */
	SC_ANY(gettid),
};
/* Refused politely, so that a report degrades instead of being cut. */
static const int sc_sanitizer_refused[] = {
	SCMP_SYS(openat), SCMP_SYS(open), SCMP_SYS(readlinkat),
	SCMP_SYS(pipe), SCMP_SYS(pipe2), SCMP_SYS(fork), SCMP_SYS(vfork),
	SCMP_SYS(execve), SCMP_SYS(ptrace), SCMP_SYS(wait4),
};
#endif


/*
 * libseccomp names calls unknown to the architecture with negative
 * pseudo numbers; a rule for one of those is skipped, not an error.
 */
static int
sc_add(scmp_filter_ctx ctx, uint32_t action, const struct sc_rule *r)
{
	struct scmp_arg_cmp	 cmp;
	uint32_t		 deflt;
	int			 rc;

	/* libseccomp refuses a rule that repeats the default action. */
	if (seccomp_attr_get(ctx, SCMP_FLTATR_ACT_DEFAULT, &deflt) == 0 &&
	    deflt == action)
		return 0;
	if (r->argn < 0)
		rc = seccomp_rule_add(ctx, action, r->nr, 0);
	else {
		memset(&cmp, 0, sizeof(cmp));
		cmp.arg = (unsigned int)r->argn;
		cmp.op = r->op;
		cmp.datum_a = r->a;
		cmp.datum_b = r->b;
		rc = seccomp_rule_add_array(ctx, action, r->nr, 1, &cmp);
	}
	if (rc < 0 && r->nr < 0)
		return 0;
	if (rc < 0) {
		char *name = seccomp_syscall_resolve_num_arch(
		    SCMP_ARCH_NATIVE, r->nr);
		log_warnx("seccomp_rule_add %s: %s", name ? name : "?",
		    strerror(-rc));
		free(name);
		return -1;
	}
	return 0;
}

static int
sc_add_list(scmp_filter_ctx ctx, uint32_t action, const struct sc_rule *r,
    size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (sc_add(ctx, action, &r[i]) == -1)
			return -1;
	return 0;
}

/* Each call in calls[] allowed when argument argn is one of vals[]. */
static int
sc_add_cross(scmp_filter_ctx ctx, uint32_t action, const int *calls,
    size_t ncalls, int argn, const int *vals, size_t nvals)
{
	struct sc_rule	 r;
	size_t		 i, j;

	for (i = 0; i < ncalls; i++)
		for (j = 0; j < nvals; j++) {
			r.nr = calls[i];
			r.argn = argn;
			r.op = SCMP_CMP_EQ;
			r.a = (scmp_datum_t)vals[j];
			r.b = 0;
			if (sc_add(ctx, action, &r) == -1)
				return -1;
		}
	return 0;
}

/* Signals to ourselves only (abort(3), raise(3)); built at run time. */
static int
sc_add_self_signals(scmp_filter_ctx ctx)
{
	const struct sc_rule	 r[] = {
		SC_EQ(kill, 0, (scmp_datum_t)getpid()),
		SC_EQ(tgkill, 0, (scmp_datum_t)getpid()),
	};

	return sc_add_list(ctx, SCMP_ACT_ALLOW, r, NELEM(r));
}

#ifdef SANDBOX_DEBUG
/*
 * The debug build traps instead of killing.  The handler names the call
 * on stderr, then issues acct(2), which the debug filter kills, so the
 * process still dies of SIGSYS exactly as in a normal build.
 */
#define SC_DEBUG_DIE	SCMP_SYS(acct)

static size_t
sc_fmt_str(char *buf, size_t off, size_t cap, const char *s)
{
	while (*s != '\0' && off + 1 < cap)
		buf[off++] = *s++;
	return off;
}

static size_t
sc_fmt_num(char *buf, size_t off, size_t cap, long v)
{
	char	 tmp[24];
	size_t	 n = 0;
	int	 neg = v < 0;
	unsigned long u = neg ? 0UL - (unsigned long)v : (unsigned long)v;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0 && n < sizeof(tmp));
	if (neg && off + 1 < cap)
		buf[off++] = '-';
	while (n > 0 && off + 1 < cap)
		buf[off++] = tmp[--n];
	return off;
}

static enum proc_role sc_debug_role;

static void
sc_debug_sigsys(int sig, siginfo_t *info, void *uctx)
{
	char		 line[160];
	char		*name;
	size_t		 off = 0;
	ssize_t		 n;

	(void)sig;
	(void)uctx;
	/* Not async-signal-safe (it allocates); acceptable when dying. */
	name = seccomp_syscall_resolve_num_arch(info->si_arch,
	    info->si_syscall);
	off = sc_fmt_str(line, off, sizeof(line), "sandbox: ");
	off = sc_fmt_str(line, off, sizeof(line), proc_name(sc_debug_role));
	off = sc_fmt_str(line, off, sizeof(line), ": forbidden system call ");
	off = sc_fmt_str(line, off, sizeof(line), name ? name : "?");
	off = sc_fmt_str(line, off, sizeof(line), " (");
	off = sc_fmt_num(line, off, sizeof(line), info->si_syscall);
	off = sc_fmt_str(line, off, sizeof(line), ")\n");
	n = write(STDERR_FILENO, line, off);
	(void)n;
	(void)syscall(SYS_acct, NULL);
	_exit(128 + SIGSYS);	/* not reached */
}
#endif

/*
 * Build and load the profile of role.  SANDBOX_ENFORCE kills the process
 * on anything not listed (SANDBOX_DEBUG: traps and names it first);
 * SANDBOX_TEST_ERRNO makes such calls fail with EPERM, for the tests.
 * Returns 0, or -1 (logged) with nothing loaded.
 */
int
sandbox_seccomp(enum proc_role role, enum sandbox_mode mode)
{
	scmp_filter_ctx	 ctx;
	uint32_t	 deflt;
	struct sc_rule	 r;
	size_t		 i;
	int		 rc = -1;

	if (!sandbox_role_valid(role)) {
		log_warnx("sandbox_seccomp: no profile for %s",
		    proc_name(role));
		return -1;
	}
	if (mode == SANDBOX_TEST_ERRNO)
		deflt = SCMP_ACT_ERRNO(EPERM);
	else {
#ifdef SANDBOX_DEBUG
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = sc_debug_sigsys;
		sa.sa_flags = SA_SIGINFO;
		sigemptyset(&sa.sa_mask);
		sc_debug_role = role;
		if (sigaction(SIGSYS, &sa, NULL) == -1) {
			log_warn("sigaction SIGSYS");
			return -1;
		}
		deflt = SCMP_ACT_TRAP;
#else
		deflt = SCMP_ACT_KILL_PROCESS;
#endif
	}
	if ((ctx = seccomp_init(deflt)) == NULL) {
		log_warnx("seccomp_init failed");
		return -1;
	}
	/* Another architecture's calls (int 0x80, x32) kill whatever mode. */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS) < 0 ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1) < 0 ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1) < 0) {
		log_warnx("seccomp_attr_set failed");
		goto out;
	}

	if (sc_add_list(ctx, SCMP_ACT_ALLOW, sc_base, NELEM(sc_base)) == -1 ||
	    sc_add_list(ctx, SCMP_ACT_ALLOW, sc_memory,
	    NELEM(sc_memory)) == -1 ||
	    sc_add_self_signals(ctx) == -1)
		goto out;
	for (i = 0; i < NELEM(sc_fcntl_cmds); i++) {
		r = (struct sc_rule)SC_EQ(fcntl, 1, sc_fcntl_cmds[i]);
		if (sc_add(ctx, SCMP_ACT_ALLOW, &r) == -1)
			goto out;
	}
	/*
	 * clone3(2) passes its flags in memory, out of seccomp's sight:
	 * ENOSYS makes glibc fall back to clone(2), whose flags we check.
	 */
	r = (struct sc_rule)SC_ANY(clone3);
	if (sc_add(ctx, SCMP_ACT_ERRNO(ENOSYS), &r) == -1)
		goto out;

	switch (role) {
	case PROC_FRONT:
		if (sc_add_cross(ctx, SCMP_ACT_ALLOW, sc_fd_read_calls,
		    NELEM(sc_fd_read_calls), 0, sc_front_read_fds,
		    NELEM(sc_front_read_fds)) == -1 ||
		    sc_add_cross(ctx, SCMP_ACT_ALLOW, sc_fd_write_calls,
		    NELEM(sc_fd_write_calls), 0, sc_front_write_fds,
		    NELEM(sc_front_write_fds)) == -1)
			goto out;
		break;
	case PROC_WRITER:
		if (sc_add_cross(ctx, SCMP_ACT_ALLOW, sc_fd_read_calls,
		    NELEM(sc_fd_read_calls), 0, sc_writer_read_fds,
		    NELEM(sc_writer_read_fds)) == -1 ||
		    sc_add_cross(ctx, SCMP_ACT_ALLOW, sc_fd_write_calls,
		    NELEM(sc_fd_write_calls), 0, sc_writer_write_fds,
		    NELEM(sc_writer_write_fds)) == -1 ||
		    sc_add_list(ctx, SCMP_ACT_ALLOW, sc_writer_journal,
		    NELEM(sc_writer_journal)) == -1)
			goto out;
		break;
	case PROC_BROKER:
		if (sc_add_list(ctx, SCMP_ACT_ALLOW, sc_broker_io,
		    NELEM(sc_broker_io)) == -1 ||
		    sc_add_list(ctx, SCMP_ACT_ALLOW, sc_broker_net,
		    NELEM(sc_broker_net)) == -1 ||
		    sc_add_list(ctx, SCMP_ACT_ALLOW, sc_broker_files,
		    NELEM(sc_broker_files)) == -1 ||
		    sc_add_list(ctx, SCMP_ACT_ALLOW, sc_broker_threads,
		    NELEM(sc_broker_threads)) == -1)
			goto out;
		r = (struct sc_rule){ sc_broker_fake_connect[0], -1,
		    SCMP_CMP_EQ, 0, 0 };
		if (sc_add(ctx, SCMP_ACT_ERRNO(EINPROGRESS), &r) == -1)
			goto out;
		break;
	case PROC_EXPORT:
		/*
		 * The broker's I/O on any descriptor (its connection comes
		 * and goes) and what a client does with a socket it was
		 * given; no socket(2), connect(2), openat(2) or threads: it
		 * speaks plain HTTP/1.1 itself (export.c), and that is all.
		 */
		if (sc_add_list(ctx, SCMP_ACT_ALLOW, sc_broker_io,
		    NELEM(sc_broker_io)) == -1 ||
		    sc_add_list(ctx, SCMP_ACT_ALLOW, sc_export_net,
		    NELEM(sc_export_net)) == -1)
			goto out;
		break;
	default:
		goto out;
	}

#ifdef SF_SANITIZERS
	if (sc_add_list(ctx, SCMP_ACT_ALLOW, sc_sanitizer,
	    NELEM(sc_sanitizer)) == -1)
		goto out;
	for (i = 0; i < NELEM(sc_sanitizer_refused); i++) {
		r = (struct sc_rule){ sc_sanitizer_refused[i], -1,
		    SCMP_CMP_EQ, 0, 0 };
		if (sc_add(ctx, SCMP_ACT_ERRNO(EPERM), &r) == -1)
			goto out;
	}
#endif
#ifdef SANDBOX_DEBUG
	if (mode == SANDBOX_ENFORCE) {
		r = (struct sc_rule){ SC_DEBUG_DIE, -1, SCMP_CMP_EQ, 0, 0 };
		if (sc_add(ctx, SCMP_ACT_KILL_PROCESS, &r) == -1)
			goto out;
	}
#endif

	if ((rc = seccomp_load(ctx)) < 0) {
		log_warnx("seccomp_load: %s", strerror(-rc));
		rc = -1;
		goto out;
	}
	rc = 0;
 out:
	seccomp_release(ctx);
	return rc;
}

#ifdef SF_SANITIZERS
/*
 * LeakSanitizer checks at exit by stopping the world with ptrace(2) from
 * a cloned tracer and reading /proc: exactly what the sandbox forbids.
 * It asks this hook first; leak checking stays on in every process and
 * test that is not sandboxed (the parent, the unit tests).
 */
static volatile int sandbox_active;
int	 __lsan_is_turned_off(void);

int
__lsan_is_turned_off(void)
{
	return sandbox_active;
}
#endif

/* ------------------------------------------------------------ all */

/* Threads of this process, from /proc; 0 if /proc cannot tell. */
static int
sandbox_threads(void)
{
	char	 buf[1024], *p;
	ssize_t	 n;
	int	 fd, field;

	if ((fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* After the command name: state is field 3, num_threads field 20. */
	if ((p = strrchr(buf, ')')) == NULL)
		return 0;
	for (field = 2; field < 20 && p != NULL; field++)
		p = strchr(p + 1, ' ');
	if (p == NULL)
		return 0;
	return atoi(p + 1);
}

/*
 * The whole sequence for a child after exec, before it touches untrusted
 * input.  ro_paths: what the broker may still read (NULL for the
 * others).  Any failure is fatal: a child never runs unconfined.
 */
void
sandbox_apply(enum proc_role role, const char *const *ro_paths)
{
	int	 abi, nthreads;

	if (!sandbox_role_valid(role))
		fatalx("sandbox: no profile for %s", proc_name(role));
	/* Landlock confines only the calling thread. */
	if ((nthreads = sandbox_threads()) > 1)
		fatalx("sandbox: %d threads running; apply the sandbox before "
		    "starting any", nthreads);
	/* Load the time zone now: localtime(3) cannot open it later. */
	tzset();

	sandbox_rlimits(role);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("prctl PR_SET_NO_NEW_PRIVS");
	/* No core files, no ptrace or /proc/PID/mem by the same uid. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("prctl PR_SET_DUMPABLE");
#ifdef SF_COVERAGE
	/*
	 * A coverage build measures the children too: gcov opens and
	 * writes their .gcda files at exit, which Landlock and seccomp
	 * forbid.  Said on every start; make install refuses such a build.
	 */
	(void)abi;
	(void)ro_paths;
	log_warnx("sandbox: %s: coverage build (--enable-coverage): no "
	    "Landlock and no seccomp; for measuring only", proc_name(role));
#else
	if ((abi = sandbox_landlock(role, ro_paths)) == -1)
		fatalx("sandbox: Landlock could not be applied (see above)");
	log_debug("sandbox: %s: rlimits, no_new_privs, Landlock %s%.0d, "
	    "seccomp", proc_name(role), abi > 0 ? "ABI " : "off", abi);
#ifdef SF_SANITIZERS
	sandbox_active = 1;
#endif
	if (sandbox_seccomp(role, SANDBOX_ENFORCE) == -1)
		fatalx("sandbox: seccomp could not be applied (see above)");
#endif
}
