/*
 * dgram_sink: a stand-in for syslogd or journald in the tests.  Binds
 * an AF_UNIX datagram socket at PATH (which must not exist), says
 * "ready" on stdout, then appends every datagram it receives to OUT as
 * a decimal length, a newline and the bytes, until SIGTERM or SIGINT.
 *
 *	dgram_sink PATH OUT
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t	 done;

static void
on_signal(int sig)
{
	(void)sig;
	done = 1;
}

static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	static char		 dgram[256 * 1024];
	struct sockaddr_un	 sa;
	struct sigaction	 act;
	char			 head[32];
	ssize_t			 n;
	int			 s, out, h;

	if (argc != 3 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: dgram_sink PATH OUT\n");
		return 2;
	}
	memset(&act, 0, sizeof(act));
	act.sa_handler = on_signal;	/* no SA_RESTART: recv returns */
	if (sigaction(SIGTERM, &act, NULL) == -1 ||
	    sigaction(SIGINT, &act, NULL) == -1) {
		perror("sigaction");
		return 1;
	}
	if ((out = open(argv[2], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
	    0600)) == -1) {
		perror(argv[2]);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, argv[1], strlen(argv[1]));
	if ((s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(s, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		perror(argv[1]);
		return 1;
	}
	if (chmod(argv[1], 0666) == -1) {
		perror("chmod");
		return 1;
	}
	if (write_all(STDOUT_FILENO, "ready\n", 6) == -1)
		return 1;
	while (!done) {
		if ((n = recv(s, dgram, sizeof(dgram), MSG_TRUNC)) == -1) {
			if (errno == EINTR)
				continue;
			perror("recv");
			return 1;
		}
		if ((size_t)n > sizeof(dgram)) {
			fprintf(stderr, "dgram_sink: a datagram of %zd bytes "
			    "(more than %zu)\n", n, sizeof(dgram));
			return 1;
		}
		h = snprintf(head, sizeof(head), "%zd\n", n);
		if (h < 0 || (size_t)h >= sizeof(head) ||
		    write_all(out, head, (size_t)h) == -1 ||
		    write_all(out, dgram, (size_t)n) == -1) {
			perror(argv[2]);
			return 1;
		}
	}
	(void)unlink(argv[1]);
	return 0;
}
