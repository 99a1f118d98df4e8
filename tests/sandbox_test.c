/*
 * sandbox_test: every profile, in forked children.
 *
 * For each process (front, writer, broker) a child applies rlimits,
 * no_new_privs, Landlock and the seccomp profile in SANDBOX_TEST_ERRNO
 * mode and checks that what the process needs works and what it must not
 * do fails with EPERM (or EACCES from Landlock); then children apply the
 * enforcing profile and call something forbidden, and must die of
 * SIGSYS.  Landlock alone, the privilege drop, PR_SET_DUMPABLE against
 * /proc/PID/mem, and a real HTTPS GET through libcurl from a fully
 * sandboxed broker (against `openssl s_server`) are tested as well.
 *
 * Children report on their fd 3 (a socket to us, like FD_PARENT), one
 * line per check: "<Y|N|S> <errno> <name>", or "I <text>" for data; we
 * turn the lines into TAP.  Everything is bounded by alarm(2).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <regex.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "sfrevops.h"
#include "journal_fd.h"
#include "connector.h"
#include "netpass.h"
#include "tap.h"

#define CHILD_ALARM	20	/* seconds any child may live */
#define TEST_ALARM	300	/* seconds for the whole program */
#define REPORT_FD	FD_PARENT
#define JOURNAL_TEST_MAX	64	/* the writer's RLIMIT_FSIZE here */

/* The broker reads no file: broker.c passes no path. */
static const char *const *const broker_paths = NULL;

static char	 tmpdir[64];
static char	 ro_file[128];		/* an ordinary readable file */
static char	 other_file[128];	/* listed for nobody */
static char	 new_file[128];		/* must never come into being */
static char	 stderr_file[128];	/* a regular file on fd 2 */
static int	 landlock_abi;
static struct sockaddr_in listen_addr;	/* a TCP listener of ours */
static int	 listen_fd = -1;
static char	 abstract_name[64];	/* an abstract UNIX listener */
static int	 abstract_fd = -1;
static pid_t	 server_pid = -1;	/* openssl s_server, if started */
static pid_t	 test_pid;		/* us: the parent of every child */
static int	 child_channel = -1;	/* if set, the next child's fd 5 */
static int	 refused_fd = -1;	/* broker: a TCP socket whose connect failed */

/* ===================================================== child side */

static void
rep_line(const char *line)
{
	size_t	 len = strlen(line);
	ssize_t	 n;

	while (len > 0) {
		n = write(REPORT_FD, line, len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			_exit(90);
		}
		line += n;
		len -= (size_t)n;
	}
}

static void
rep(const char *name, int cond, int err)
{
	char	 line[256];

	snprintf(line, sizeof(line), "%c %d %s\n", cond ? 'Y' : 'N', err,
	    name);
	rep_line(line);
}

static void
rep_skip(const char *name, const char *why)
{
	char	 line[256];

	snprintf(line, sizeof(line), "S 0 %s (%s)\n", name, why);
	rep_line(line);
}

static void
rep_info(const char *text)
{
	char	 line[256];

	snprintf(line, sizeof(line), "I %s\n", text);
	rep_line(line);
}

/* rc of a call that must work (-1 is failure). */
#define EXPECT_OK(name, expr) do {					\
	long r_;							\
	errno = 0;							\
	r_ = (long)(expr);						\
	rep((name), r_ != -1, r_ == -1 ? errno : 0);			\
} while (0)

/* rc of a call that must fail with errno e. */
#define EXPECT_ERR(name, expr, e) do {					\
	long r_;							\
	errno = 0;							\
	r_ = (long)(expr);						\
	rep((name), r_ == -1 && errno == (e), r_ == -1 ? errno : 0);	\
} while (0)

/* Wait for one byte from the parent on REPORT_FD. */
static void
wait_parent(void)
{
	char	 c;

	while (read(REPORT_FD, &c, 1) == -1 && errno == EINTR)
		;
}

static void *
thread_run(void *arg)
{
	int	*rc = arg;

	*rc = 0;
	return NULL;
}

static void *
thread_nothing(void *arg)
{
	return arg;
}

/*
 * Descriptors as a child has them: 0 and 1 both ends of a pipe (so the
 * front can read what it wrote), 2 a regular file, 3 the report socket,
 * 4 and 5 a socketpair.
 */
static void
child_fds(int report, int err)
{
	int	 p[2], sp[2], fd;

	if (report != REPORT_FD) {
		if (dup2(report, REPORT_FD) == -1)
			_exit(91);
		(void)close(report);
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == -1 ||
	    dup2(sp[0], FD_PEER_A) == -1 || dup2(sp[1], FD_PEER_B) == -1)
		_exit(92);
	if (sp[0] != FD_PEER_A && sp[0] != FD_PEER_B)
		(void)close(sp[0]);
	if (sp[1] != FD_PEER_A && sp[1] != FD_PEER_B)
		(void)close(sp[1]);
	/* A channel of the test's own instead of the looped pair. */
	if (child_channel != -1 && dup2(child_channel, FD_PEER_B) == -1)
		_exit(92);
	if (pipe(p) == -1 || dup2(p[0], STDIN_FILENO) == -1 ||
	    dup2(p[1], STDOUT_FILENO) == -1)
		_exit(93);
	if (p[0] > FD_PEER_B)
		(void)close(p[0]);
	if (p[1] > FD_PEER_B)
		(void)close(p[1]);
	if (err != -1) {
		if (dup2(err, STDERR_FILENO) == -1)
			_exit(94);
	} else if ((fd = open(stderr_file, O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC, 0600)) == -1 || dup2(fd, STDERR_FILENO) == -1)
		_exit(94);
	else
		(void)close(fd);
	closefrom_sf(FD_FIRST_FREE);
}

/* What every profile must allow. */
static void
check_common_allowed(enum proc_role role)
{
	struct timespec	 ts;
	struct timeval	 tv;
	struct pollfd	 pfd;
	struct msghdr	 msg;
	struct iovec	 iov;
	unsigned char	 rnd[32];
	char		 buf[64];
	void		*big;
	int		 fl;

	(void)role;
	EXPECT_OK("send on a channel (MSG_NOSIGNAL)",
	    send(FD_PEER_B, "ping", 4, MSG_NOSIGNAL));
	pfd.fd = FD_PEER_A;
	pfd.events = POLLIN;
	pfd.revents = 0;
	rep("poll sees it", poll(&pfd, 1, 1000) == 1 &&
	    (pfd.revents & POLLIN), errno);
	EXPECT_OK("recv on a channel", recv(FD_PEER_A, buf, sizeof(buf), 0));
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = buf;
	iov.iov_len = 4;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	EXPECT_OK("sendmsg on a channel",
	    sendmsg(FD_PEER_A, &msg, MSG_NOSIGNAL));
	EXPECT_OK("recvmsg on a channel", recvmsg(FD_PEER_B, &msg, 0));
	EXPECT_OK("write on a channel", write(FD_PEER_A, "pong", 4));
	EXPECT_OK("read on a channel", read(FD_PEER_B, buf, sizeof(buf)));
	EXPECT_OK("fcntl F_GETFL", fl = fcntl(FD_PEER_A, F_GETFL));
	EXPECT_OK("fcntl F_SETFL O_NONBLOCK",
	    fcntl(FD_PEER_A, F_SETFL, fl | O_NONBLOCK));
	EXPECT_OK("fcntl F_SETFD FD_CLOEXEC",
	    fcntl(FD_PEER_A, F_SETFD, FD_CLOEXEC));
	EXPECT_ERR("non-blocking read says EAGAIN, not EPERM",
	    recv(FD_PEER_A, buf, sizeof(buf), 0), EAGAIN);

	big = malloc(64u * 1024 * 1024);
	if (big != NULL)
		memset(big, 0xa5, 64u * 1024 * 1024);
	rep("malloc of 64 MiB", big != NULL, errno);
	free(big);
	big = malloc(100);
	rep("small malloc", big != NULL, errno);
	free(big);
	EXPECT_OK("clock_gettime", clock_gettime(CLOCK_MONOTONIC, &ts));
	EXPECT_OK("clock_gettime, the system call",
	    syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts));
	EXPECT_OK("gettimeofday", gettimeofday(&tv, NULL));
	rep("getrandom", getrandom(rnd, sizeof(rnd), 0) == sizeof(rnd), errno);
	randombytes_buf(rnd, sizeof(rnd));
	rep("libsodium randombytes_buf", 1, 0);
	EXPECT_OK("getpid", getpid());
	rep("getppid", getppid() == test_pid, errno);
	EXPECT_OK("kill(getpid(), 0)", kill(getpid(), 0));
}

/* What every profile must refuse (with EPERM in test mode). */
static void
check_common_forbidden(enum proc_role role)
{
	struct rlimit	 rl;
	char		*argv[] = { (char *)"true", NULL };
	char		*envp[] = { NULL };
	void		*p;
	long		 pg = sysconf(_SC_PAGESIZE);
	pid_t		 pid;
#ifdef SYS_clone3
	uint64_t	 cl3[11];
#endif

	EXPECT_ERR("execve", execve("/bin/true", argv, envp), EPERM);
	EXPECT_ERR("ptrace(PTRACE_TRACEME)",
	    ptrace(PTRACE_TRACEME, 0, NULL, NULL), EPERM);
	pid = fork();
	if (pid == 0)
		_exit(0);
	rep("fork refused", pid == -1 && errno == EPERM, errno);
#ifdef SYS_fork
	EXPECT_ERR("fork, the system call", syscall(SYS_fork), EPERM);
#endif
	EXPECT_ERR("clone with SIGCHLD (a process)",
	    syscall(SYS_clone, SIGCHLD, NULL, NULL, NULL, NULL), EPERM);
#ifdef SYS_clone3
	memset(cl3, 0, sizeof(cl3));
	cl3[4] = SIGCHLD;		/* exit_signal */
	EXPECT_ERR("clone3 says ENOSYS (glibc falls back to clone)",
	    syscall(SYS_clone3, cl3, 88), ENOSYS);
#endif
	EXPECT_ERR("kill(parent, 0)", kill(test_pid, 0), EPERM);
#ifdef SYS_open
	EXPECT_ERR("open, the old system call",
	    syscall(SYS_open, "/etc/hosts", O_RDONLY), EPERM);
#endif
	EXPECT_ERR("mmap PROT_EXEC", mmap(NULL, (size_t)pg,
	    PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EPERM);
	p = mmap(NULL, (size_t)pg, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	rep("mmap read/write", p != MAP_FAILED, errno);
	if (p != MAP_FAILED) {
		EXPECT_ERR("mprotect to PROT_EXEC",
		    mprotect(p, (size_t)pg, PROT_READ | PROT_EXEC), EPERM);
		EXPECT_OK("mprotect to PROT_NONE",
		    mprotect(p, (size_t)pg, PROT_NONE));
		(void)munmap(p, (size_t)pg);
	}
	EXPECT_ERR("fcntl F_DUPFD", fcntl(FD_PEER_A, F_DUPFD, 0), EPERM);
	EXPECT_ERR("dup", dup(FD_PEER_A), EPERM);
	EXPECT_ERR("setuid(0)", setuid(0), EPERM);
#ifndef SF_SANITIZERS
	EXPECT_ERR("prctl PR_SET_DUMPABLE",
	    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), EPERM);
#else
	rep_skip("prctl PR_SET_DUMPABLE",
	    "sanitizer builds allow prctl (thread names in reports)");
#endif
	rl.rlim_cur = rl.rlim_max = 1024;
	EXPECT_ERR("setrlimit RLIMIT_NOFILE", setrlimit(RLIMIT_NOFILE, &rl),
	    EPERM);
	EXPECT_ERR("ioctl TIOCSTI", ioctl(STDIN_FILENO, TIOCSTI, "x"), EPERM);
	EXPECT_ERR("unshare", unshare(CLONE_NEWUSER), EPERM);
#ifndef SF_SANITIZERS
	/* fd 2 is a regular file: RLIMIT_FSIZE 0 refuses any write to it;
	 * the writer's is its journal's bound (JOURNAL_TEST_MAX here). */
	if (role == PROC_WRITER) {
		/* Up to the bound (the file may be there already). */
		char big[JOURNAL_TEST_MAX];
		ssize_t w;
		memset(big, '\n', sizeof(big));
		w = write(STDERR_FILENO, big, sizeof(big));
		(void)w;
	}
	EXPECT_ERR("write to a regular file past RLIMIT_FSIZE",
	    write(STDERR_FILENO, "x", 1), EFBIG);
#else
	rep_skip("write to a regular file (RLIMIT_FSIZE 0)",
	    "sanitizer builds keep RLIMIT_FSIZE");
#endif
	(void)role;
}

/*
 * The writer's journal (journal_fd.h): append, flush, measure; no other
 * file, and no byte past its bound.
 */
static void
check_writer_journal(void)
{
	char	 buf[2 * JOURNAL_TEST_MAX];
	long	 n;

	memset(buf, 'j', sizeof(buf));
	EXPECT_OK("writer: write the journal", write(FD_JOURNAL, "line\n", 5));
	EXPECT_OK("writer: fsync the journal", fsync(FD_JOURNAL));
	EXPECT_OK("writer: fdatasync the journal", fdatasync(FD_JOURNAL));
	n = (long)lseek(FD_JOURNAL, 0, SEEK_END);
	rep("writer: lseek SEEK_END gives the journal's size", n == 5, errno);
#ifndef SF_SANITIZERS
	EXPECT_ERR("writer: write another open file",
	    write(FD_JOURNAL + 1, "x", 1), EPERM);
#else
	rep_skip("writer: write another open file",
	    "sanitizer builds allow write (reports go to stderr)");
#endif
	EXPECT_ERR("writer: fsync another open file", fsync(FD_JOURNAL + 1),
	    EPERM);
	EXPECT_ERR("writer: lseek another open file",
	    lseek(FD_JOURNAL + 1, 0, SEEK_END), EPERM);
	EXPECT_ERR("writer: read the journal", read(FD_JOURNAL, buf, 1),
	    EPERM);
	EXPECT_ERR("writer: openat the journal's directory",
	    openat(AT_FDCWD, "/tmp", O_WRONLY | O_CREAT, 0600), EPERM);
#ifndef SF_SANITIZERS
	n = (long)write(FD_JOURNAL, buf, sizeof(buf));
	rep("writer: a write reaching the bound stops at it",
	    n == JOURNAL_TEST_MAX - 5, errno);
	EXPECT_ERR("writer: a write past the bound (EFBIG, no SIGXFSZ)",
	    write(FD_JOURNAL, "x", 1), EFBIG);
#else
	(void)n;
	rep_skip("writer: the journal's bound",
	    "sanitizer builds keep RLIMIT_FSIZE");
#endif
}

/* Front and writer: no network, no files, pure memory. */
static void
check_front_writer(enum proc_role role)
{
	regex_t		 re;
	char		 buf[16];
	int		 sv[2], rc;
	pthread_t	 t;

	EXPECT_ERR("socket(AF_INET)", socket(AF_INET, SOCK_STREAM, 0), EPERM);
	EXPECT_ERR("socket(AF_UNIX)", socket(AF_UNIX, SOCK_STREAM, 0), EPERM);
	EXPECT_ERR("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv),
	    EPERM);
	EXPECT_ERR("openat /etc/hosts read-only",
	    openat(AT_FDCWD, "/etc/hosts", O_RDONLY), EPERM);
	EXPECT_ERR("connect", connect(FD_PEER_A,
	    (struct sockaddr *)&listen_addr, sizeof(listen_addr)), EPERM);
	EXPECT_ERR("read from an unlisted descriptor",
	    read(FD_FIRST_FREE, buf, 1), EPERM);
	EXPECT_ERR("ioctl FIONREAD", ioctl(FD_PEER_A, FIONREAD, &rc), EPERM);
#ifndef SF_SANITIZERS
	EXPECT_ERR("rt_sigaction", signal(SIGUSR1, SIG_IGN) == SIG_ERR ? -1 : 0,
	    EPERM);
#else
	rep_skip("rt_sigaction",
	    "sanitizer builds allow it (deadly-signal handlers)");
#endif
	rc = pthread_create(&t, NULL, thread_nothing, NULL);
	rep("pthread_create refused", rc != 0, rc);
	if (rc == 0)
		(void)pthread_join(t, NULL);
	rc = regcomp(&re, "^[A-Za-z][A-Za-z0-9_]{0,39}(__c)?$",
	    REG_EXTENDED | REG_NOSUB);
	rep("regcomp", rc == 0, rc);
	if (rc == 0) {
		rep("regexec", regexec(&re, "Account__c", 0, NULL, 0) == 0 &&
		    regexec(&re, "1bad", 0, NULL, 0) == REG_NOMATCH, 0);
		regfree(&re);
	}
	if (role == PROC_FRONT) {
		EXPECT_OK("front: write stdout", write(STDOUT_FILENO, "in", 2));
		EXPECT_OK("front: read stdin", read(STDIN_FILENO, buf, 2));
	} else {
#ifndef SF_SANITIZERS
		EXPECT_ERR("writer: write stdout", write(STDOUT_FILENO, "x", 1),
		    EPERM);
#else
		rep_skip("writer: write stdout",
		    "sanitizer builds allow write (reports go to stderr)");
#endif
		EXPECT_ERR("writer: read stdin", read(STDIN_FILENO, buf, 1),
		    EPERM);
		check_writer_journal();
	}
}

/*
 * Exporter: plain HTTP on the one socket it is given: reads, writes,
 * SO_ERROR and shutdown on a descriptor it holds; no socket, no
 * socketpair, no connect, no file, no ioctl, no thread.
 */
static void
check_export(void)
{
	pthread_t	 t;
	socklen_t	 sl;
	struct stat	 st;
	char		 buf[16];
	int		 sv[2], rc, err;

	EXPECT_ERR("export: socket(AF_INET)", socket(AF_INET, SOCK_STREAM, 0),
	    EPERM);
	EXPECT_ERR("export: socket(AF_UNIX)", socket(AF_UNIX, SOCK_DGRAM, 0),
	    EPERM);
	EXPECT_ERR("export: socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0,
	    sv), EPERM);
	EXPECT_ERR("export: openat /etc/hosts read-only",
	    openat(AT_FDCWD, "/etc/hosts", O_RDONLY), EPERM);
	EXPECT_ERR("export: connect", connect(FD_PEER_A,
	    (struct sockaddr *)&listen_addr, sizeof(listen_addr)), EPERM);
	EXPECT_ERR("export: ioctl FIONREAD", ioctl(FD_PEER_A, FIONREAD, &rc),
	    EPERM);
	EXPECT_ERR("export: setsockopt", setsockopt(FD_PEER_A, SOL_SOCKET,
	    SO_KEEPALIVE, &rc, sizeof(rc)), EPERM);
	EXPECT_ERR("export: sendto with MSG_FASTOPEN", sendto(FD_PEER_A, "x",
	    1, MSG_FASTOPEN, NULL, 0), EPERM);
	sl = sizeof(err);
	EXPECT_OK("export: getsockopt SO_ERROR", getsockopt(FD_PEER_A,
	    SOL_SOCKET, SO_ERROR, &err, &sl));
	EXPECT_ERR("export: fstat (a path stat, in glibc's newfstatat)",
	    fstat(FD_PEER_A, &st), EPERM);
	EXPECT_ERR("export: stat /etc/passwd", stat("/etc/passwd", &st),
	    EPERM);
	EXPECT_OK("export: send", send(FD_PEER_A, "x", 1, MSG_NOSIGNAL));
	EXPECT_OK("export: write", write(FD_PEER_A, "y", 1));
	(void)buf;
	rc = pthread_create(&t, NULL, thread_nothing, NULL);
	rep("export: pthread_create refused", rc != 0, rc);
	if (rc == 0)
		(void)pthread_join(t, NULL);
	EXPECT_OK("export: shutdown", shutdown(FD_PEER_A, SHUT_WR));
}

/*
 * Broker: a TLS client on sockets it is given, nothing else: no socket,
 * no connect that reaches anything, no file, no name resolution.
 */
static void
check_broker(void)
{
	struct sockaddr_in	 sin;
	struct addrinfo		 hints, *res;
	struct stat		 st;
	socklen_t		 sl;
	pthread_t		 t;
	unsigned char		*secret;
	int			 sv[2], one = 1, rc, n;

	EXPECT_ERR("socket(AF_INET)", socket(AF_INET, SOCK_STREAM |
	    SOCK_CLOEXEC, 0), EPERM);
	EXPECT_ERR("socket(AF_INET6)", socket(AF_INET6, SOCK_DGRAM, 0), EPERM);
	EXPECT_ERR("socket(AF_UNIX)", socket(AF_UNIX, SOCK_STREAM, 0), EPERM);
	EXPECT_ERR("socket(AF_NETLINK)", socket(AF_NETLINK, SOCK_RAW, 0),
	    EPERM);
	EXPECT_ERR("socket(AF_PACKET)", socket(AF_PACKET, SOCK_RAW, 0), EPERM);
	rc = socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
	rep("socketpair(AF_UNIX) (curl's wakeup pair)", rc == 0, errno);
	if (rc == 0) {
		/* What libcurl does with a socket it was given. */
		EXPECT_OK("setsockopt SO_KEEPALIVE", setsockopt(sv[0],
		    SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)));
		sl = sizeof(sin);
		EXPECT_OK("getsockname", getsockname(sv[0],
		    (struct sockaddr *)&sin, &sl));
		sl = sizeof(sin);
		EXPECT_OK("getpeername", getpeername(sv[0],
		    (struct sockaddr *)&sin, &sl));
		sl = sizeof(rc);
		EXPECT_OK("getsockopt SO_ERROR",
		    getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &rc, &sl));
		EXPECT_OK("ioctl FIONREAD", ioctl(sv[0], FIONREAD, &n));
		EXPECT_OK("fstat a descriptor", fstat(sv[0], &st));
		/* connect(2) is answered "in progress" and never runs. */
		EXPECT_ERR("connect to the test's listener", connect(sv[0],
		    (struct sockaddr *)&listen_addr, sizeof(listen_addr)),
		    EINPROGRESS);
		(void)close(sv[0]);
		(void)close(sv[1]);
	}
	EXPECT_ERR("socketpair(AF_INET)",
	    socketpair(AF_INET, SOCK_STREAM, 0, sv), EPERM);
	/* TCP Fast Open would re-aim a failed socket past connect(2). */
	EXPECT_ERR("sendto(MSG_FASTOPEN) to the listener on a failed socket",
	    sendto(refused_fd, "x", 1, MSG_FASTOPEN,
	    (struct sockaddr *)&listen_addr, sizeof(listen_addr)), EPERM);
	{
		struct msghdr	 mh;
		struct iovec	 iov;
		char		 x = 'x';

		memset(&mh, 0, sizeof(mh));
		iov.iov_base = &x;
		iov.iov_len = 1;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_name = &listen_addr;
		mh.msg_namelen = sizeof(listen_addr);
		EXPECT_ERR("sendmsg(MSG_FASTOPEN) to the listener",
		    sendmsg(refused_fd, &mh, MSG_FASTOPEN), EPERM);
	}
	rc = (int)send(refused_fd, "x", 1, MSG_NOSIGNAL);
	rep("send(2) itself stays allowed (fails on the dead socket)",
	    rc == -1 && errno != EPERM, errno);

	EXPECT_ERR("open a file read-only", openat(AT_FDCWD, ro_file,
	    O_RDONLY | O_CLOEXEC), EPERM);
	EXPECT_ERR("open /etc/hosts (a resolver file)", openat(AT_FDCWD,
	    "/etc/hosts", O_RDONLY | O_CLOEXEC), EPERM);
	EXPECT_ERR("open a new file for writing", openat(AT_FDCWD, new_file,
	    O_WRONLY | O_CREAT | O_CLOEXEC, 0600), EPERM);
	EXPECT_ERR("stat a path", stat("/etc/hosts", &st), EPERM);
	EXPECT_OK("rt_sigaction SIGPIPE (curl)",
	    signal(SIGPIPE, SIG_IGN) == SIG_ERR ? -1 : 0);

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo("localhost", "443", &hints, &res);
	rep("getaddrinfo resolves nothing (no file, no socket)", rc != 0, rc);
	if (rc == 0)
		freeaddrinfo(res);

	rc = -1;
	n = pthread_create(&t, NULL, thread_run, &rc);
	rep("pthread_create (clone with thread flags)", n == 0, n);
	if (n == 0) {
		(void)pthread_join(t, NULL);
		rep("a thread runs", rc == 0, rc);
	}

	secret = sodium_malloc(64);
	rep("sodium_malloc", secret != NULL, errno);
	if (secret != NULL) {
		memset(secret, 'k', 64);
		EXPECT_OK("sodium_mprotect_noaccess",
		    sodium_mprotect_noaccess(secret));
		EXPECT_OK("sodium_mprotect_readwrite",
		    sodium_mprotect_readwrite(secret));
		sodium_free(secret);
		rep("sodium_free", 1, 0);
	}
}

static void
child_profile_test(const void *arg)
{
	enum proc_role role = *(const enum proc_role *)arg;
	const char *const *paths = role == PROC_BROKER ? broker_paths : NULL;
	int	 abi;

	if (sodium_init() == -1)
		_exit(95);
	if (role == PROC_WRITER) {
		/* Its journal at FD_JOURNAL, another file after it. */
		char	 jp[] = "/tmp/sandbox_test_journal.XXXXXX";
		char	 op[] = "/tmp/sandbox_test_other.XXXXXX";
		int	 j, o;

		/* High first: mkstemp() would return 6 itself. */
		if ((j = mkstemp(jp)) == -1 || unlink(jp) == -1 ||
		    fcntl(j, F_SETFL, O_APPEND) == -1 ||
		    dup2(j, 60) == -1 || close(j) == -1 ||
		    (o = mkstemp(op)) == -1 || unlink(op) == -1 ||
		    dup2(o, 61) == -1 || close(o) == -1 ||
		    dup2(60, FD_JOURNAL) == -1 || dup2(61, FD_JOURNAL + 1) ==
		    -1 || close(60) == -1 || close(61) == -1)
			_exit(94);
		sandbox_writer_fsize(JOURNAL_TEST_MAX);
	}
	if (role == PROC_BROKER) {
		/*
		 * What a compromised broker could get from the parent: a
		 * socket whose handshake failed (a port nobody listens on).
		 */
		struct sockaddr_in	 sin;
		socklen_t		 sl = sizeof(sin);
		int			 t;

		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if ((t = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
		    bind(t, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
		    getsockname(t, (struct sockaddr *)&sin, &sl) == -1 ||
		    close(t) == -1 ||
		    (refused_fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
			_exit(97);
		if (connect(refused_fd, (struct sockaddr *)&sin,
		    sizeof(sin)) != -1 || errno != ECONNREFUSED)
			_exit(98);
	}
	sandbox_rlimits(role);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		_exit(96);
	abi = sandbox_landlock(role, paths);
	rep("sandbox_landlock", abi == landlock_abi, errno);
	rep("sandbox_seccomp in test mode",
	    sandbox_seccomp(role, SANDBOX_TEST_ERRNO) == 0, errno);
	check_common_allowed(role);
	check_common_forbidden(role);
	if (role == PROC_BROKER)
		check_broker();
	else if (role == PROC_EXPORT)
		check_export();
	else
		check_front_writer(role);
	_exit(0);
}

/*
 * Sanitizer builds refuse a few calls with EPERM instead of killing, so
 * that the ASan runtime's own use of them degrades a report instead of
 * cutting it (sandbox.c, sc_sanitizer_refused): such a refusal ends the
 * child with EXIT_POLITE, which test_enforce() accepts in those builds
 * only.  Every other build must die of SIGSYS.
 */
#define EXIT_POLITE	77
#ifdef SF_SANITIZERS
#define POLITE(call) do {						\
	if ((call) == -1 && errno == EPERM)				\
		_exit(EXIT_POLITE);					\
} while (0)
#else
#define POLITE(call) ((void)(call))
#endif

/* Forbidden calls, one per child, under the enforcing profile. */
enum forbidden {
	FB_SOCKET_INET,
	FB_SOCKET_PACKET,
	FB_OPENAT_RO,
	FB_OPENAT_WRITE,
	FB_EXECVE,
	FB_PTRACE,
	FB_FORK,
	FB_READ_STDIN,
	FB_KILL_PARENT,
	FB_MMAP_EXEC,
	FB_MAX
};

static const char *const forbidden_names[FB_MAX] = {
	"socket(AF_INET)", "socket(AF_PACKET)", "openat read-only",
	"openat for writing", "execve", "ptrace", "fork", "read(stdin)",
	"kill(parent)", "mmap PROT_EXEC"
};
/* The system call the debug build must name. */
static const char *const forbidden_calls[FB_MAX] = {
	"socket", "socket", "openat", "openat", "execve", "ptrace", "clone",
	"read", "kill", "mmap"
};

struct enforce_arg {
	enum proc_role	 role;
	enum forbidden	 what;
	int		 full;	/* sandbox_apply() rather than the steps */
};

static void
child_enforce(const void *arg)
{
	const struct enforce_arg *a = arg;
	char	*argv[] = { (char *)"true", NULL };
	char	*envp[] = { NULL };
	char	 buf[4];

	if (a->full)
		sandbox_apply(a->role, a->role == PROC_BROKER ? broker_paths :
		    NULL);
	else {
		sandbox_rlimits(a->role);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
			_exit(96);
		if (sandbox_landlock(a->role, NULL) == -1)
			_exit(97);
		if (sandbox_seccomp(a->role, SANDBOX_ENFORCE) == -1)
			_exit(98);
	}
	rep("alive after the enforcing profile", 1, 0);
	switch (a->what) {
	case FB_SOCKET_INET:
		(void)socket(AF_INET, SOCK_STREAM, 0);
		break;
	case FB_SOCKET_PACKET:
		(void)socket(AF_PACKET, SOCK_RAW, 0);
		break;
	case FB_OPENAT_RO:
		POLITE(openat(AT_FDCWD, "/etc/hosts", O_RDONLY));
		break;
	case FB_OPENAT_WRITE:
		POLITE(openat(AT_FDCWD, new_file, O_WRONLY | O_CREAT, 0600));
		break;
	case FB_EXECVE:
		POLITE(execve("/bin/true", argv, envp));
		break;
	case FB_PTRACE:
		POLITE(ptrace(PTRACE_TRACEME, 0, NULL, NULL));
		break;
	case FB_FORK:
		{
			pid_t pid = fork();
			if (pid == 0)
				_exit(0);
			POLITE(pid);
		}
		break;
	case FB_READ_STDIN:
		/* The call itself is the probe: killed before it returns. */
		if (read(STDIN_FILENO, buf, 1) == -1)
			_exit(2);
		break;
	case FB_KILL_PARENT:
		(void)kill(test_pid, 0);
		break;
	case FB_MMAP_EXEC:
		(void)mmap(NULL, 4096, PROT_READ | PROT_EXEC,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		break;
	case FB_MAX:
		break;
	}
	rep("survived a forbidden call", 0, errno);
	_exit(0);
}

/* Landlock on its own, without seccomp in the way. */
static void
child_landlock_only(const void *arg)
{
	enum proc_role role = *(const enum proc_role *)arg;
	struct sockaddr_in	 sin;
	struct sockaddr_un	 sun;
	int			 s, abi;

	abi = sandbox_landlock(role, role == PROC_BROKER ? broker_paths :
	    NULL);
	rep("sandbox_landlock returns the kernel's ABI", abi == landlock_abi,
	    errno);
	EXPECT_ERR("open /etc/passwd read-only",
	    open("/etc/passwd", O_RDONLY | O_CLOEXEC), EACCES);
	EXPECT_ERR("create a file", open(new_file, O_WRONLY | O_CREAT |
	    O_CLOEXEC, 0600), EACCES);
	EXPECT_ERR("mkdir", mkdir(new_file, 0700), EACCES);
	EXPECT_ERR("execute a program", execl("/bin/true", "true",
	    (char *)NULL), EACCES);

	if (landlock_abi >= 4) {
		s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		EXPECT_ERR("bind a TCP port", bind(s, (struct sockaddr *)&sin,
		    sizeof(sin)), EACCES);
		EXPECT_ERR("connect over TCP", connect(s,
		    (struct sockaddr *)&listen_addr, sizeof(listen_addr)),
		    EACCES);
		(void)close(s);
	} else
		rep_skip("TCP bind and connect", "Landlock ABI < 4");
	if (landlock_abi >= 6) {
		EXPECT_ERR("signal a process outside the domain",
		    kill(test_pid, 0), EPERM);
		EXPECT_OK("signal ourselves", kill(getpid(), 0));
		s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		memcpy(sun.sun_path + 1, abstract_name, strlen(abstract_name));
		EXPECT_ERR("connect to an abstract UNIX socket outside",
		    connect(s, (struct sockaddr *)&sun,
		    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
		    strlen(abstract_name))), EPERM);
		(void)close(s);
	} else
		rep_skip("signal and abstract UNIX scoping", "Landlock ABI < 6");
	_exit(0);
}

/* The privilege drop, when we are root. */
static void
child_drop(const void *arg)
{
	struct passwd	*pw;
	uid_t		 want_uid = 65534;
	gid_t		 want_gid = 65534;
	int		 sig = 0;

	if ((pw = getpwnam("nobody")) != NULL) {
		want_uid = pw->pw_uid;
		want_gid = pw->pw_gid;
	}
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
		_exit(96);
	sandbox_drop_privileges();
	rep("uid is nobody's", getuid() == want_uid && geteuid() == want_uid,
	    0);
	rep("gid is nobody's", getgid() == want_gid && getegid() == want_gid,
	    0);
	rep("no supplementary groups", getgroups(0, NULL) == 0, errno);
	EXPECT_ERR("setuid(0) fails", setuid(0), EPERM);
	EXPECT_ERR("setgid(0) fails", setgid(0), EPERM);
	rep("the parent-death signal survives the drop",
	    prctl(PR_GET_PDEATHSIG, &sig) == 0 && sig == SIGKILL, sig);
	(void)arg;
	_exit(0);
}

/* A process holding a secret, for the /proc/PID/mem test. */
static char	 mem_secret[] = "sandbox-test-secret-0123456789";

static void
child_mem_holder(const void *arg)
{
	const int *sandboxed = arg;
	char	 text[64];

	sandbox_drop_privileges();
	if (*sandboxed)
		sandbox_apply(PROC_BROKER, NULL);
	else if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) == -1)
		_exit(96);	/* as after exec(2) of a normal binary */
	snprintf(text, sizeof(text), "%p", (void *)mem_secret);
	rep_info(text);
	wait_parent();
	_exit(mem_secret[0] == 's' ? 0 : 1);
}

struct mem_arg {
	pid_t		 pid;
	uintptr_t	 addr;
};

static void
child_mem_reader(const void *arg)
{
	const struct mem_arg *a = arg;
	char	 path[64], buf[sizeof(mem_secret)];
	int	 fd;
	ssize_t	 n;

	sandbox_drop_privileges();
	snprintf(path, sizeof(path), "/proc/%ld/mem", (long)a->pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		rep_info("open failed");
		_exit(0);
	}
	n = pread(fd, buf, sizeof(buf), (off_t)a->addr);
	(void)close(fd);
	if (n == (ssize_t)sizeof(buf) &&
	    memcmp(buf, mem_secret, sizeof(buf)) == 0)
		rep_info("read the secret");
	else
		rep_info("read failed");
	_exit(0);
}

/*
 * Real HTTPS through libcurl from an enforcing broker sandbox, on sockets
 * that a stand-in parent opens with connector.c and passes over the
 * channel, as the real parent does.
 */
struct https_arg {
	char		 url[128];	/* a name: libcurl gets a placeholder */
	char		 url_ip[128];	/* an address literal */
	char		 url_refused[128];	/* the connector says no */
	char		*ca;		/* PEM, in memory */
	size_t		 ca_len;
};

struct body {
	char	 data[8192];
	size_t	 len;
};

static size_t
https_write(char *p, size_t size, size_t nmemb, void *arg)
{
	struct body	*b = arg;
	size_t		 n = size * nmemb;

	if (n > sizeof(b->data) - 1 - b->len)
		n = sizeof(b->data) - 1 - b->len;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return size * nmemb;
}

static CURL *
https_handle(const struct https_arg *a, const char *url, struct body *b)
{
	struct curl_blob	 blob;
	CURL			*c;

	if ((c = curl_easy_init()) == NULL)
		return NULL;
	blob.data = a->ca;
	blob.len = a->ca_len;
	blob.flags = CURL_BLOB_COPY;
	if (curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https") != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_CAINFO, NULL) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_CAPATH, NULL) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, https_write) !=
	    CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEDATA, b) != CURLE_OK) {
		curl_easy_cleanup(c);
		return NULL;
	}
	return c;
}

static void
https_get(const struct https_arg *a, CURL *c, struct body *b,
    const char *what)
{
	char		 name[160];
	CURLcode	 rc;
	long		 code = 0;

	rc = curl_easy_perform(c);
	snprintf(name, sizeof(name), "%s: curl_easy_perform: %s", what,
	    curl_easy_strerror(rc));
	rep(name, rc == CURLE_OK, (int)rc);
	(void)curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	snprintf(name, sizeof(name), "%s: HTTP status 200 (got %ld)", what,
	    code);
	rep(name, code == 200, 0);
	snprintf(name, sizeof(name), "%s: the s_server status page", what);
	rep(name, strstr(b->data, "s_server") != NULL, 0);
	(void)a;
}

static void
child_https(const void *arg)
{
	const struct https_arg *a = arg;
	struct proc_ctx	 ctx;
	struct ipc_msg	 msg;
	struct body	 b1, b2, b3;
	struct curl_slist *r1 = NULL, *r2 = NULL, *r3 = NULL;
	char		 err[256], name[160];
	CURL		*c1, *c2, *c3;
	CURLcode	 rc;

	memset(&ctx, 0, sizeof(ctx));
	memset(&b1, 0, sizeof(b1));
	memset(&b2, 0, sizeof(b2));
	memset(&b3, 0, sizeof(b3));
	ctx.self = PROC_BROKER;
	ipc_init(&ctx.parent, FD_PEER_B, PROC_PARENT);	/* child_channel */
	ctx.parent.fds_ok = 1;
	ipc_send_hello(&ctx.parent, PROC_BROKER);
	if (ipc_recv_blocking(&ctx.parent, &msg, 5000, err, sizeof(err)) != 1)
		_exit(97);
	ipc_msg_free(&msg);
	netpass_init(&ctx, 5000);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    (c1 = https_handle(a, a->url, &b1)) == NULL ||
	    (c2 = https_handle(a, a->url_ip, &b2)) == NULL ||
	    (c3 = https_handle(a, a->url_refused, &b3)) == NULL ||
	    netpass_setup(c1, a->url, &r1) == -1 ||
	    netpass_setup(c2, a->url_ip, &r2) == -1 ||
	    netpass_setup(c3, a->url_refused, &r3) == -1)
		_exit(95);
	/* What the broker does: everything loaded, then the sandbox. */
	sandbox_apply(PROC_BROKER, broker_paths);
	rep("sandbox_apply(broker)", 1, 0);
	https_get(a, c1, &b1, "GET a named host on a passed socket");
	https_get(a, c2, &b2, "GET an address literal on a passed socket");
	rc = curl_easy_perform(c3);
	snprintf(name, sizeof(name), "a host the parent refuses fails "
	    "cleanly: %s", curl_easy_strerror(rc));
	rep(name, rc == CURLE_COULDNT_CONNECT, (int)rc);
	curl_easy_cleanup(c1);
	curl_easy_cleanup(c2);
	curl_easy_cleanup(c3);
	curl_slist_free_all(r1);
	curl_slist_free_all(r2);
	curl_slist_free_all(r3);
	_exit(0);
}

/* The stand-in parent: answer CONNECT with connector.c until EOF. */
static void
connector_serve(int fd, int port)
{
	struct ipc	 ipc;
	struct ipc_msg	 msg;
	struct buf	 b, out;
	char		 url[64], err[512], *host = NULL;
	uint32_t	 p;
	int		 s;

	alarm(CHILD_ALARM);
	connector_reset();
	snprintf(url, sizeof(url), "https://localhost:%d", port);
	if (connector_allow(url, "instance") == -1)
		_exit(80);
	snprintf(url, sizeof(url), "https://127.0.0.1:%d", port);
	if (connector_allow(url, "login") == -1)
		_exit(80);
	ipc_init(&ipc, fd, PROC_BROKER);
	ipc_send_hello(&ipc, PROC_PARENT);
	for (;;) {
		if (ipc_recv_blocking(&ipc, &msg, 30000, err, sizeof(err)) != 1)
			_exit(0);	/* the broker is done */
		if (msg.hdr.type == IMSG_HELLO) {
			ipc_msg_free(&msg);
			continue;
		}
		buf_from(&b, msg.data, msg.hdr.len);
		if (msg.hdr.type != IMSG_CONNECT ||
		    buf_get_str(&b, &host, 253) == -1 ||
		    buf_get_u32(&b, &p) == -1)
			_exit(81);
		if (connector_open(host, p, &s, err, sizeof(err)) == -1)
			ipc_send_error(&ipc, msg.hdr.id, SFE_NETWORK, err);
		else {
			buf_init(&out);
			buf_put_u32(&out, 0);
			ipc_send_fd(&ipc, IMSG_CONNECT_R, msg.hdr.id, &out, s);
			buf_free(&out);
		}
		if (ipc_flush_blocking(&ipc, 5000) == -1)
			_exit(82);
		free(host);
		host = NULL;
		ipc_msg_free(&msg);
	}
}

/* A fully sandboxed child that answers, for /proc/PID/status checks. */
static void
child_applied(const void *arg)
{
	const enum proc_role *role = arg;
	char	 c;

	sandbox_apply(*role, *role == PROC_BROKER ? broker_paths : NULL);
	rep("sandbox_apply", 1, 0);
	rep("a channel still works",
	    write(FD_PEER_A, "x", 1) == 1 && read(FD_PEER_B, &c, 1) == 1,
	    errno);
	wait_parent();
	_exit(0);
}

/* ===================================================== parent side */

typedef void (*child_fn)(const void *);

struct child {
	pid_t	 pid;
	int	 report;	/* our end of the child's fd 3 */
	int	 err;		/* the child's stderr, -1 if a file */
	char	 rbuf[8192];
	size_t	 rlen;
};

/* Start fn(arg) in a child with the descriptors of child_fds(). */
static void
child_start(struct child *ch, child_fn fn, const void *arg, int err_pipe)
{
	int	 sv[2], ep[2] = { -1, -1 };

	memset(ch, 0, sizeof(*ch));
	ch->err = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		fatal("socketpair");
	if (err_pipe && pipe2(ep, O_CLOEXEC) == -1)
		fatal("pipe");
	fflush(stdout);
	fflush(stderr);
	if ((ch->pid = fork()) == -1)
		fatal("fork");
	if (ch->pid == 0) {
		alarm(CHILD_ALARM);
		(void)close(sv[0]);
		child_fds(sv[1], ep[1]);
		fn(arg);
		_exit(0);
	}
	(void)close(sv[1]);
	ch->report = sv[0];
	if (err_pipe) {
		(void)close(ep[1]);
		ch->err = ep[0];
	}
}

/* One line from the child into line; 0 on EOF or timeout. */
static int
child_line(struct child *ch, char *line, size_t len)
{
	struct pollfd	 pfd;
	char		*nl;
	ssize_t		 n;
	size_t		 l;

	for (;;) {
		if ((nl = memchr(ch->rbuf, '\n', ch->rlen)) != NULL) {
			l = (size_t)(nl - ch->rbuf);
			if (l >= len)
				l = len - 1;
			memcpy(line, ch->rbuf, l);
			line[l] = '\0';
			ch->rlen -= (size_t)(nl - ch->rbuf) + 1;
			memmove(ch->rbuf, nl + 1, ch->rlen);
			return 1;
		}
		pfd.fd = ch->report;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (CHILD_ALARM + 5) * 1000) != 1)
			return 0;
		if (ch->rlen == sizeof(ch->rbuf))
			return 0;
		n = read(ch->report, ch->rbuf + ch->rlen,
		    sizeof(ch->rbuf) - ch->rlen);
		if (n <= 0)
			return 0;
		ch->rlen += (size_t)n;
	}
}

static void
tap_skip(const char *what)
{
	tap_n++;
	printf("ok %d # SKIP %s\n", tap_n, what);
	fflush(stdout);
}

/* Turn one report line into TAP; returns 1 if it was a check. */
static int
tap_line(const char *label, const char *line)
{
	char	 name[300];
	int	 err = 0;
	const char *sp;

	if (line[0] == 'I')
		return 0;
	if ((sp = strchr(line + 2, ' ')) == NULL)
		sp = line + strlen(line);
	err = atoi(line + 2);
	snprintf(name, sizeof(name), "%s: %s", label,
	    *sp == ' ' ? sp + 1 : sp);
	if (line[0] == 'S')
		tap_skip(name);
	else {
		ok(line[0] == 'Y', "%s", name);
		if (line[0] != 'Y' && err != 0)
			printf("#   errno/code %d (%s)\n", err, strerror(err));
	}
	return 1;
}

/* Report every line, then reap; returns the wait status. */
static int
child_finish(struct child *ch, const char *label, int *checks)
{
	char	 line[512];
	int	 status, n = 0;

	while (child_line(ch, line, sizeof(line)))
		n += tap_line(label, line);
	(void)close(ch->report);
	if (waitpid(ch->pid, &status, 0) == -1)
		fatal("waitpid");
	if (checks != NULL)
		*checks = n;
	return status;
}

static void
child_err_text(struct child *ch, char *buf, size_t len)
{
	ssize_t	 n;
	size_t	 off = 0;

	buf[0] = '\0';
	if (ch->err == -1)
		return;
	while (off + 1 < len &&
	    (n = read(ch->err, buf + off, len - 1 - off)) > 0)
		off += (size_t)n;
	buf[off] = '\0';
	(void)close(ch->err);
}

static const char *
status_text(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "signal %d (%s)", WTERMSIG(status),
		    strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "status 0x%x", status);
	return buf;
}

static void
test_profile(enum proc_role role)
{
	struct child	 ch;
	char		 label[64], st[64];
	int		 status, n;

	snprintf(label, sizeof(label), "%s (test mode)", proc_name(role));
	child_start(&ch, child_profile_test,
	    &role, 0);
	status = child_finish(&ch, label, &n);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0 && n > 20,
	    "%s: child ended cleanly after %d checks (%s)", label, n,
	    status_text(status, st, sizeof(st)));
	if (role == PROC_BROKER) {
		/* Its connect(2) was answered by the filter, not the kernel. */
		struct pollfd pfd = { listen_fd, POLLIN, 0 };
		ok(poll(&pfd, 1, 200) == 0, "%s: the listener saw no "
		    "connection from it", label);
	}
}

static void
test_enforce(enum proc_role role, enum forbidden what, int full)
{
	struct enforce_arg a;
	struct child	 ch;
	char		 label[96], st[64], err[2048];
	int		 status;

	a.role = role;
	a.what = what;
	a.full = full;
	snprintf(label, sizeof(label), "%s (enforcing%s): %s",
	    proc_name(role), full ? ", sandbox_apply" : "",
	    forbidden_names[what]);
	child_start(&ch, child_enforce, &a, 1);
	status = child_finish(&ch, label, NULL);
	child_err_text(&ch, err, sizeof(err));
#ifdef SF_SANITIZERS
	if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_POLITE &&
	    (what == FB_OPENAT_RO || what == FB_OPENAT_WRITE ||
	    what == FB_EXECVE || what == FB_PTRACE || what == FB_FORK)) {
		ok(1, "%s: refused with EPERM (sanitizer build)", label);
		return;
	}
#endif
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS,
	    "%s: killed by SIGSYS (%s)", label,
	    status_text(status, st, sizeof(st)));
#ifdef SANDBOX_DEBUG
	{
		char want[64];

		snprintf(want, sizeof(want), "forbidden system call %s ",
		    forbidden_calls[what]);
		ok(strstr(err, want) != NULL, "%s: debug build names %s",
		    label, forbidden_calls[what]);
		if (strstr(err, want) == NULL)
			printf("#   stderr: %s\n", err);
	}
#else
	(void)forbidden_calls;
#endif
}

static void
test_landlock_only(enum proc_role role)
{
	struct child	 ch;
	char		 label[64], st[64];
	int		 status;

	snprintf(label, sizeof(label), "%s (Landlock only)", proc_name(role));
	if (landlock_abi == 0) {
		tap_skip("Landlock only: the kernel has no Landlock");
		return;
	}
	child_start(&ch, child_landlock_only,
	    &role, 0);
	status = child_finish(&ch, label, NULL);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "%s: child ended cleanly (%s)", label,
	    status_text(status, st, sizeof(st)));
}

/* Read a "key:\tvalue" line of /proc/PID/status. */
static long
proc_status_field(pid_t pid, const char *key)
{
	char	 path[64], line[256];
	FILE	*f;
	long	 v = -1;
	size_t	 kl = strlen(key);

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
			v = strtol(line + kl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* The soft limit named like /proc/PID/limits does, -2 if unlimited. */
static long
proc_limit(pid_t pid, const char *name)
{
	char	 path[64], line[256];
	FILE	*f;
	long	 v = -1;
	size_t	 nl = strlen(name);

	snprintf(path, sizeof(path), "/proc/%ld/limits", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, name, nl) == 0) {
			const char *p = line + nl;
			while (*p == ' ')
				p++;
			v = strncmp(p, "unlimited", 9) == 0 ? -2 :
			    strtol(p, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static void
test_applied(enum proc_role role)
{
	struct child	 ch;
	char		 label[64], line[256], st[64];
	int		 status, got;

	snprintf(label, sizeof(label), "%s (sandbox_apply)", proc_name(role));
	child_start(&ch, child_applied, &role, 0);
	got = 0;
	while (!got && child_line(&ch, line, sizeof(line))) {
		tap_line(label, line);
		got = strstr(line, "channel") != NULL;
	}
	ok(got, "%s: the child reported from inside its sandbox", label);
	ok(proc_status_field(ch.pid, "NoNewPrivs") == 1,
	    "%s: NoNewPrivs is 1", label);
	ok(proc_status_field(ch.pid, "Seccomp") == 2,
	    "%s: Seccomp is 2 (filter mode)", label);
	ok(proc_limit(ch.pid, "Max core file size") == 0,
	    "%s: RLIMIT_CORE 0", label);
	/* The writer keeps its journal at FD_FIRST_FREE (journal_fd.h). */
	ok(proc_limit(ch.pid, "Max open files") ==
	    (role == PROC_BROKER ? 64 : role == PROC_WRITER ?
	    FD_FIRST_FREE + 3 : FD_FIRST_FREE + 2),
	    "%s: RLIMIT_NOFILE %d", label, role == PROC_BROKER ? 64 :
	    role == PROC_WRITER ? FD_FIRST_FREE + 3 : FD_FIRST_FREE + 2);
#ifndef SF_SANITIZERS
	ok(proc_limit(ch.pid, "Max file size") == 0, "%s: RLIMIT_FSIZE 0",
	    label);
#endif
	if (role != PROC_BROKER)
		ok(proc_limit(ch.pid, "Max processes") == 0,
		    "%s: RLIMIT_NPROC 0", label);
	if (write(ch.report, "g", 1) != 1)
		fatal("write");
	status = child_finish(&ch, label, NULL);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "%s: exits normally (%s)", label,
	    status_text(status, st, sizeof(st)));
}

static void
test_drop(void)
{
	struct child	 ch;
	char		 st[64];
	int		 status;

	if (geteuid() != 0) {
		tap_skip("sandbox_drop_privileges: not running as root");
		return;
	}
	child_start(&ch, child_drop, NULL, 0);
	status = child_finish(&ch, "drop privileges", NULL);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "drop privileges: child ended cleanly (%s)",
	    status_text(status, st, sizeof(st)));
}

/* What a same-uid process and root can read of a child's memory. */
static void
test_proc_mem(int sandboxed)
{
	struct child	 holder, reader;
	struct mem_arg	 ma;
	char		 line[256], path[64], buf[sizeof(mem_secret)];
	const char	*label = sandboxed ? "/proc/PID/mem of a sandboxed child"
			    : "/proc/PID/mem of a dumpable child";
	void		*addr = NULL;
	int		 fd;
	ssize_t		 n;

	if (geteuid() != 0) {
		tap_skip("/proc/PID/mem: not running as root");
		return;
	}
	child_start(&holder, child_mem_holder,
	    &sandboxed, 0);
	if (!child_line(&holder, line, sizeof(line)) ||
	    sscanf(line, "I %p", &addr) != 1) {
		ok(0, "%s: holder started (%s)", label, line);
		(void)child_finish(&holder, label, NULL);
		return;
	}
	ma.pid = holder.pid;
	ma.addr = (uintptr_t)addr;
	child_start(&reader, child_mem_reader,
	    &ma, 0);
	if (!child_line(&reader, line, sizeof(line)))
		line[0] = '\0';
	(void)child_finish(&reader, label, NULL);
	if (sandboxed)
		ok(strcmp(line, "I open failed") == 0,
		    "%s: another process of the same uid cannot open it (%s)",
		    label, line);
	else
		ok(strcmp(line, "I read the secret") == 0,
		    "%s: control: a same-uid process can read it (%s)", label,
		    line);

	snprintf(path, sizeof(path), "/proc/%ld/mem", (long)holder.pid);
	n = -1;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) != -1) {
		n = pread(fd, buf, sizeof(buf), (off_t)(uintptr_t)addr);
		(void)close(fd);
	}
	ok(n == (ssize_t)sizeof(buf) && memcmp(buf, mem_secret,
	    sizeof(buf)) == 0,
	    "%s: root with CAP_SYS_PTRACE still reads it", label);
	if (write(holder.report, "g", 1) != 1)
		fatal("write");
	(void)child_finish(&holder, label, NULL);
}

/* -------------------------------------------------- HTTPS fixture */

static int
find_program(const char *name, char *out, size_t len)
{
	const char	*path = getenv("PATH");
	const char	*p, *e = NULL;

	if (path == NULL || *path == '\0')
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; *p != '\0'; p = *e ? e + 1 : e) {
		e = strchr(p, ':');
		if (e == NULL)
			e = p + strlen(p);
		if (snprintf(out, len, "%.*s/%s", (int)(e - p), p, name) <
		    (int)len && access(out, X_OK) == 0)
			return 1;
	}
	return 0;
}

/* Run a program to completion, output to /dev/null; its exit status. */
static int
run_quiet(const char *prog, char *const argv[])
{
	pid_t	 pid;
	int	 status, fd;

	fflush(stdout);
	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid == 0) {
		if ((fd = open("/dev/null", O_RDWR)) != -1) {
			(void)dup2(fd, STDIN_FILENO);
			(void)dup2(fd, STDOUT_FILENO);
			(void)dup2(fd, STDERR_FILENO);
		}
		alarm(CHILD_ALARM);
		execv(prog, argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) == -1)
		fatal("waitpid");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* Start s_server on 127.0.0.1, port chosen by the kernel; 0 or port. */
static int
server_start(const char *openssl, const char *cert, const char *key)
{
	char	 line[256];
	int	 p[2], fd, port = 0;
	size_t	 len = 0;
	ssize_t	 n;
	char	 c;

	if (pipe2(p, O_CLOEXEC) == -1)
		fatal("pipe");
	fflush(stdout);
	if ((server_pid = fork()) == -1)
		fatal("fork");
	if (server_pid == 0) {
		(void)dup2(p[1], STDOUT_FILENO);
		if ((fd = open("/dev/null", O_RDWR)) != -1) {
			(void)dup2(fd, STDIN_FILENO);
			(void)dup2(fd, STDERR_FILENO);
		}
		execl(openssl, "openssl", "s_server", "-accept", "127.0.0.1:0",
		    "-cert", cert, "-key", key, "-www", "-naccept", "10",
		    (char *)NULL);
		_exit(127);
	}
	(void)close(p[1]);
	/* "ACCEPT 127.0.0.1:PORT" */
	for (;;) {
		struct pollfd pfd = { p[0], POLLIN, 0 };

		if (poll(&pfd, 1, 10000) != 1 ||
		    (n = read(p[0], &c, 1)) != 1)
			break;
		if (c != '\n') {
			if (len + 1 < sizeof(line))
				line[len++] = c;
			continue;
		}
		line[len] = '\0';
		len = 0;
		if (strncmp(line, "ACCEPT ", 7) == 0) {
			const char *colon = strrchr(line, ':');
			port = colon != NULL ? atoi(colon + 1) : 0;
			break;
		}
	}
	/* Keep the pipe open: s_server writes a line per connection. */
	return port;
}

static void
server_stop(void)
{
	if (server_pid > 0) {
		(void)kill(server_pid, SIGTERM);
		(void)waitpid(server_pid, NULL, 0);
		server_pid = -1;
	}
}

static char *
read_file(const char *path, size_t *len)
{
	struct stat	 st;
	char		*buf;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1)
		fatal("%s", path);
	buf = xmalloc((size_t)st.st_size + 1);
	if (read(fd, buf, (size_t)st.st_size) != (ssize_t)st.st_size)
		fatal("read %s", path);
	buf[st.st_size] = '\0';
	(void)close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

static void
test_https(void)
{
	struct https_arg a;
	struct child	 ch;
	char		 openssl[256], cert[160], key[160], san[320];
	char		 host[128], st[64];
	int		 port, status, conn[2];
	char		 err[2048];
	pid_t		 helper;

	if (!find_program("openssl", openssl, sizeof(openssl))) {
		tap_skip("HTTPS from the broker sandbox: no openssl command");
		return;
	}
	memset(&a, 0, sizeof(a));
	if (gethostname(host, sizeof(host)) == -1)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	snprintf(cert, sizeof(cert), "%s/cert.pem", tmpdir);
	snprintf(key, sizeof(key), "%s/key.pem", tmpdir);
	snprintf(san, sizeof(san), "subjectAltName=DNS:localhost,IP:127.0.0.1"
	    "%s%s", host[0] ? ",DNS:" : "", host);
	{
		char *const argv[] = {
			(char *)"openssl", (char *)"req", (char *)"-x509",
			(char *)"-newkey", (char *)"ec", (char *)"-pkeyopt",
			(char *)"ec_paramgen_curve:prime256v1",
			(char *)"-nodes", (char *)"-keyout", key,
			(char *)"-out", cert, (char *)"-days", (char *)"1",
			(char *)"-subj", (char *)"/CN=localhost",
			(char *)"-addext", san, NULL
		};
		if (run_quiet(openssl, argv) != 0) {
			ok(0, "HTTPS: openssl req made a throwaway certificate");
			return;
		}
	}
	if ((port = server_start(openssl, cert, key)) <= 0) {
		ok(0, "HTTPS: openssl s_server started");
		server_stop();
		return;
	}
	a.ca = read_file(cert, &a.ca_len);
	snprintf(a.url, sizeof(a.url), "https://localhost:%d/", port);
	snprintf(a.url_ip, sizeof(a.url_ip), "https://127.0.0.1:%d/", port);
	snprintf(a.url_refused, sizeof(a.url_refused), "https://127.0.0.2:%d/",
	    port);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, conn) == -1)
		fatal("socketpair");
	fflush(stdout);
	if ((helper = fork()) == -1)
		fatal("fork");
	if (helper == 0) {
		(void)close(conn[1]);
		connector_serve(conn[0], port);
		_exit(0);
	}
	(void)close(conn[0]);
	child_channel = conn[1];
	child_start(&ch, child_https, &a, 1);
	child_channel = -1;
	(void)close(conn[1]);
	status = child_finish(&ch, "broker HTTPS", NULL);
	child_err_text(&ch, err, sizeof(err));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		err[0] = '\0';	/* the refused host's warning: expected */
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "broker HTTPS: the enforcing sandbox let libcurl through on the "
	    "parent's sockets (%s)%s%s", status_text(status, st, sizeof(st)),
	    err[0] != '\0' ? ": " : "", err);
	if (waitpid(helper, &status, 0) == -1)
		fatal("waitpid");
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "broker HTTPS: the stand-in parent served every CONNECT (%s)",
	    status_text(status, st, sizeof(st)));
	server_stop();
	free(a.ca);
}

/* ------------------------------------------------------------ main */

static void
make_file(const char *path, const char *text)
{
	int	 fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) == -1 || write(fd, text, strlen(text)) !=
	    (ssize_t)strlen(text) || close(fd) == -1)
		fatal("%s", path);
}

static void
fixtures(void)
{
	struct sockaddr_un	 sun;
	socklen_t		 sl;

	strlcpy_sf(tmpdir, "/tmp/sandbox_test.XXXXXX", sizeof(tmpdir));
	if (mkdtemp(tmpdir) == NULL)
		fatal("mkdtemp");
	/* nobody must reach the files for the privilege-drop tests */
	if (chmod(tmpdir, 0755) == -1)
		fatal("chmod");
	snprintf(ro_file, sizeof(ro_file), "%s/ro.txt", tmpdir);
	snprintf(other_file, sizeof(other_file), "%s/other.txt", tmpdir);
	snprintf(new_file, sizeof(new_file), "%s/new.txt", tmpdir);
	snprintf(stderr_file, sizeof(stderr_file), "%s/stderr.txt", tmpdir);
	make_file(ro_file, "readable\n");
	make_file(other_file, "not listed\n");

	if ((listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		fatal("socket");
	memset(&listen_addr, 0, sizeof(listen_addr));
	listen_addr.sin_family = AF_INET;
	listen_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sl = sizeof(listen_addr);
	if (bind(listen_fd, (struct sockaddr *)&listen_addr,
	    sizeof(listen_addr)) == -1 || listen(listen_fd, 64) == -1 ||
	    getsockname(listen_fd, (struct sockaddr *)&listen_addr, &sl) == -1)
		fatal("listener");

	snprintf(abstract_name, sizeof(abstract_name), "sandbox_test.%ld",
	    (long)getpid());
	if ((abstract_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC,
	    0)) == -1)
		fatal("socket");
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path + 1, abstract_name, strlen(abstract_name));
	if (bind(abstract_fd, (struct sockaddr *)&sun,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    strlen(abstract_name))) == -1 || listen(abstract_fd, 8) == -1)
		fatal("abstract listener");
}

static void
cleanup(void)
{
	server_stop();
	(void)unlink(ro_file);
	(void)unlink(other_file);
	(void)unlink(new_file);
	(void)rmdir(new_file);
	(void)unlink(stderr_file);
	{
		char p[192];

		snprintf(p, sizeof(p), "%s/cert.pem", tmpdir);
		(void)unlink(p);
		snprintf(p, sizeof(p), "%s/key.pem", tmpdir);
		(void)unlink(p);
	}
	(void)rmdir(tmpdir);
}

int
main(void)
{
	static const enum proc_role roles[] = {
		PROC_FRONT, PROC_WRITER, PROC_BROKER, PROC_EXPORT
	};
	static const enum forbidden export_fb[] = {
		FB_SOCKET_INET, FB_OPENAT_RO, FB_OPENAT_WRITE, FB_EXECVE,
		FB_FORK, FB_KILL_PARENT, FB_MMAP_EXEC
	};
	static const enum forbidden front_fb[] = {
		FB_SOCKET_INET, FB_OPENAT_RO, FB_EXECVE, FB_PTRACE, FB_FORK,
		FB_KILL_PARENT, FB_MMAP_EXEC
	};
	static const enum forbidden writer_fb[] = {
		FB_READ_STDIN, FB_SOCKET_INET, FB_OPENAT_RO, FB_EXECVE
	};
	static const enum forbidden broker_fb[] = {
		FB_SOCKET_INET, FB_SOCKET_PACKET, FB_OPENAT_RO,
		FB_OPENAT_WRITE, FB_EXECVE, FB_PTRACE, FB_FORK, FB_KILL_PARENT
	};
	struct stat	 st;
	size_t		 i;
	long		 abi;

	alarm(TEST_ALARM);
	test_pid = getpid();
	log_init(PROC_PARENT, LOG_LVL_WARNING);
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fatal("signal");
	if (sodium_init() == -1)
		fatalx("sodium_init");
	fixtures();
	atexit(cleanup);

#ifdef SYS_landlock_create_ruleset
	abi = syscall(SYS_landlock_create_ruleset, NULL, 0, 1U);
	landlock_abi = abi > 0 ? (int)abi : 0;
#else
	abi = 0;
	landlock_abi = 0;
#endif
	printf("# Landlock ABI %d%s\n", landlock_abi,
	    landlock_abi == 0 ? " (unavailable: Landlock checks skipped)" : "");
#ifdef SANDBOX_DEBUG
	printf("# SANDBOX_DEBUG build: forbidden calls are named\n");
#endif
#ifdef SF_SANITIZERS
	printf("# sanitizer build\n");
#endif

	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		test_profile(roles[i]);
	for (i = 0; i < sizeof(front_fb) / sizeof(front_fb[0]); i++)
		test_enforce(PROC_FRONT, front_fb[i], 0);
	for (i = 0; i < sizeof(writer_fb) / sizeof(writer_fb[0]); i++)
		test_enforce(PROC_WRITER, writer_fb[i], 0);
	for (i = 0; i < sizeof(broker_fb) / sizeof(broker_fb[0]); i++)
		test_enforce(PROC_BROKER, broker_fb[i], 0);
	for (i = 0; i < sizeof(export_fb) / sizeof(export_fb[0]); i++)
		test_enforce(PROC_EXPORT, export_fb[i], 0);
	test_enforce(PROC_EXPORT, FB_SOCKET_INET, 1);
	/* the same through sandbox_apply(), as the processes call it */
	test_enforce(PROC_FRONT, FB_SOCKET_INET, 1);
	test_enforce(PROC_WRITER, FB_OPENAT_RO, 1);
	test_enforce(PROC_BROKER, FB_SOCKET_INET, 1);
	test_enforce(PROC_BROKER, FB_OPENAT_RO, 1);
	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		test_landlock_only(roles[i]);
	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		test_applied(roles[i]);
	test_drop();
	test_proc_mem(0);
	test_proc_mem(1);
	test_https();

	ok(stat(new_file, &st) == -1 && errno == ENOENT,
	    "no sandboxed child created %s", new_file);
	(void)abi;
	return tap_done();
}
