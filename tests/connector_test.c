/*
 * connector_test.c: which hosts the parent connects the broker to.
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <sys/wait.h>

#include <errno.h>
#include <stdlib.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sfrevops.h"
#include "connector.h"
#include "tap.h"

static void
test_parse(void)
{
	static const struct {
		const char	*url;
		const char	*host;
		unsigned int	 port;
	} good[] = {
		{ "https://acme.my.salesforce.com", "acme.my.salesforce.com", 443 },
		{ "https://acme.my.salesforce.com/", "acme.my.salesforce.com", 443 },
		{ "https://127.0.0.1:8443", "127.0.0.1", 8443 },
		{ "HTTPS://Login.Salesforce.com", "Login.Salesforce.com", 443 },
		{ "http://proxy.corp:3128", "proxy.corp", 3128 },
		{ "http://proxy.corp:3128/", "proxy.corp", 3128 },
		{ "http://user:p%40ss@proxy.corp:3128", "proxy.corp", 3128 },
		{ "proxy.corp:8080", "proxy.corp", 8080 },
		{ "proxy.corp", "proxy.corp", 1080 },
		{ "http://[::1]:3128", "::1", 3128 },
		{ "https://[2001:db8::1]", "2001:db8::1", 443 },
	};
	static const char *const bad[] = {
		"", "https://", "https://:443", "socks5://proxy:1080",
		"https://host:0", "https://host:65536", "https://host:12ab",
		"https://host:", "https://ho st", "https://[::1", "https://[::1]x",
		"https://host:-1", "https://h\xc3\xa9.com",
	};
	char		 host[CONNECTOR_HOST_MAX + 1];
	unsigned int	 port;
	size_t		 i;
	char		 longname[400];

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ok(url_hostport(good[i].url, host, sizeof(host), &port) ==
		    0 && strcmp(host, good[i].host) == 0 &&
		    port == good[i].port, "%s -> %s port %u", good[i].url,
		    good[i].host, good[i].port);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(url_hostport(bad[i], host, sizeof(host), &port) == -1,
		    "refused: '%s'", bad[i]);
	/* 253 characters: the longest DNS name; 254 is refused. */
	memset(longname, 'a', sizeof(longname));
	memcpy(longname, "https://", 8);
	longname[8 + 253] = '\0';
	ok(url_hostport(longname, host, sizeof(host), &port) == 0,
	    "a 253-character host");
	longname[8 + 253] = 'a';
	longname[8 + 254] = '\0';
	ok(url_hostport(longname, host, sizeof(host), &port) == -1,
	    "a 254-character host is refused");
}

static void
test_domains(void)
{
	static const char *const yes[] = {
		"acme.my.salesforce.com", "login.salesforce.com",
		"test.salesforce.com", "acme--uat.sandbox.my.salesforce.com",
		"ACME.MY.SALESFORCE.COM", "acme.lightning.force.com",
		"na1.salesforce.com",
	};
	static const char *const no[] = {
		"salesforce.com", "force.com", "evil-salesforce.com",
		"salesforce.com.evil.com", "my.salesforce.com.evil.com",
		"evil.com", "acme.my.salesforce.com.", ".salesforce.com",
		"acme..salesforce.com", "127.0.0.1", "::1", "",
		"my.salesforce.com@evil.com", "acme.my_salesforce.com",
		"acme.my.salesforce.co", "xsalesforce.com",
		"acme.my.salesforce.mil",
	};
	size_t	 i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		ok(policy_salesforce_host(yes[i]), "a Salesforce host: %s",
		    yes[i]);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		ok(!policy_salesforce_host(no[i]), "not one: '%s'", no[i]);
}

static void
test_open(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	struct pollfd		 pfd;
	char			 url[64], err[512];
	int			 l, fd, a, soerr = 1;
	socklen_t		 elen = sizeof(soerr);

	connector_reset();
	if ((l = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		exit(2);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(l, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(l, 4) == -1 ||
	    getsockname(l, (struct sockaddr *)&sin, &len) == -1)
		exit(2);
	snprintf(url, sizeof(url), "https://127.0.0.1:%u",
	    ntohs(sin.sin_port));
	ok(connector_allow(url, "instance") == 0, "allow %s", url);
	ok(connector_permitted("127.0.0.1", ntohs(sin.sin_port)),
	    "the configured host and port are permitted");
	ok(!connector_permitted("127.0.0.1", ntohs(sin.sin_port) + 1),
	    "another port of it is not");
	ok(!connector_permitted("localhost", ntohs(sin.sin_port)),
	    "nor another name for it");
	ok(!connector_permitted("acme.my.salesforce.com", 443),
	    "a Salesforce host is not, the instance being no My Domain");
	connector_instance("https://acme.my.salesforce.com", 0);
	ok(!connector_permitted("acme.lightning.force.com", 443),
	    "with a fixed access token, the instance cannot move");
	connector_instance("https://acme.my.salesforce.com", 1);
	ok(connector_permitted("acme.lightning.force.com", 443) &&
	    connector_permitted("acme--uat.sandbox.my.salesforce.com", 443),
	    "with a flow that mints, within the instance's My Domain, on 443");
	ok(!connector_permitted("acme.lightning.force.com", 80),
	    "but not on another port");
	ok(!connector_permitted("other.my.salesforce.com", 443) &&
	    !connector_permitted("acmex.my.salesforce.com", 443) &&
	    !connector_permitted("login.salesforce.com", 443),
	    "nor another org's My Domain, which anybody can have");

	ok(connector_open("127.0.0.1", ntohs(sin.sin_port), &fd, err,
	    sizeof(err)) == 0 && fd >= 0, "connected to the configured host");
	pfd.fd = fd;
	pfd.events = POLLOUT;
	ok(poll(&pfd, 1, 5000) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR,
	    &soerr, &elen) == 0 && soerr == 0, "the handshake completes");
	ok((a = accept(l, NULL, NULL)) != -1, "and the listener sees it");
	if (a != -1)
		(void)close(a);
	if (fd >= 0)
		(void)close(fd);

	ok(connector_open("127.0.0.2", ntohs(sin.sin_port), &fd, err,
	    sizeof(err)) == -1 && fd == -1 && strstr(err, "127.0.0.2") !=
	    NULL, "another host is refused, named: %s", err);
	ok(connector_open("evil.example", 443, &fd, err, sizeof(err)) == -1 &&
	    strstr(err, "evil.example:443") != NULL, "so is a foreign name");
	(void)close(l);
}

/* The stand-in parent for test_late(): a late answer, then an error. */
static void
late_parent(int fd)
{
	struct ipc	 ipc;
	struct ipc_msg	 m;
	struct buf	 b;
	char		 err[256];
	int		 p[2];

	ipc_init(&ipc, fd, PROC_BROKER);
	ipc_send_hello(&ipc, PROC_PARENT);
	/* Until the test closes its end. */
	while (ipc_recv_blocking(&ipc, &m, 30000, err, sizeof(err)) == 1) {
		if (m.hdr.type == IMSG_CONNECT && m.hdr.id == 1) {
			/* Answer request 1 after its wait is over. */
			(void)poll(NULL, 0, 400);
			if (pipe(p) == -1)
				_exit(2);
			(void)close(p[0]);
			buf_init(&b);
			buf_put_u32(&b, 0);
			ipc_send_fd(&ipc, IMSG_CONNECT_R, 1, &b, p[1]);
			buf_free(&b);
		} else if (m.hdr.type == IMSG_CONNECT && m.hdr.id == 2)
			ipc_send_error(&ipc, 2, SFE_NETWORK, "refused for the test");
		else if (m.hdr.type == IMSG_CONNECT) {
			/* Request 3: an answer to a request never made. */
			ipc_send_error(&ipc, 77, SFE_NETWORK, "forged");
		}
		ipc_msg_free(&m);
		if (ipc_flush_blocking(&ipc, 5000) == -1)
			_exit(3);
	}
	_exit(0);
}

/*
 * A connection request whose wait times out is abandoned; its answer,
 * when it comes, is dropped and its socket closed; an answer to a
 * request never made ends the broker.
 */
static void
test_late(void)
{
	struct proc_ctx	 ctx;
	struct ipc_msg	 m;
	char		 err[512];
	int		 sv[2], before, status, fd;
	pid_t		 pid, kid;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		exit(2);
	fflush(stdout);
	if ((pid = fork()) == -1)
		exit(2);
	if (pid == 0) {
		(void)close(sv[0]);
		late_parent(sv[1]);
	}
	(void)close(sv[1]);
	memset(&ctx, 0, sizeof(ctx));
	ctx.self = PROC_BROKER;
	ipc_init(&ctx.parent, sv[0], PROC_PARENT);
	ctx.parent.fds_ok = 1;
	ipc_send_hello(&ctx.parent, PROC_BROKER);
	if (ipc_recv_blocking(&ctx.parent, &m, 5000, err, sizeof(err)) != 1)
		exit(2);
	ipc_msg_free(&m);
	fd = proc_connect(&ctx, "acme.my.salesforce.com", 443, 100, err,
	    sizeof(err));
	ok(fd == -1 && strstr(err, "within 100 ms") != NULL, "a wait that "
	    "times out says so: %s", err);
	before = (int)ctx.parent.nfds;
	fd = proc_connect(&ctx, "acme.my.salesforce.com", 443, 3000, err,
	    sizeof(err));
	ok(fd == -1 && strcmp(err, "refused for the test") == 0, "the next "
	    "request gets its own answer, the late one dropped: %s", err);
	ok(ctx.parent.nfds == 0 && before == 0, "and the late socket was "
	    "closed, not kept");
	fflush(stdout);
	if ((kid = fork()) == -1)
		exit(2);
	if (kid == 0) {
		(void)proc_connect(&ctx, "acme.my.salesforce.com", 443, 3000,
		    err, sizeof(err));
		_exit(0);	/* not ended: the test fails */
	}
	if (waitpid(kid, &status, 0) == -1)
		exit(2);
	ok(WIFEXITED(status) && WEXITSTATUS(status) != 0, "an answer to a "
	    "request never made is a protocol violation (status %d)", status);
	ipc_close(&ctx.parent);
	(void)waitpid(pid, &status, 0);
}

int
main(void)
{
	log_init(PROC_PARENT, LOG_LVL_CRITICAL);
	test_parse();
	test_domains();
	test_open();
	test_late();
	return tap_done();
}
