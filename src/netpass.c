/*
 * netpass.c: libcurl in the broker connects through sockets the parent
 * opened (connector.c), so the broker itself may neither resolve a name
 * nor create or connect a socket, and its seccomp profile forbids both.
 *
 * libcurl is kept from resolving by CURLOPT_RESOLVE: every host a
 * transfer may use (the URL's, and the proxies libcurl reads from the
 * environment) is "resolved" to a placeholder in 192.0.2.0/24 (TEST-NET-1,
 * RFC 5737: routed nowhere), one per host.  When libcurl then wants a
 * socket (CURLOPT_OPENSOCKETFUNCTION), the placeholder says which host and
 * port it meant, and the parent is asked for a connection to that name;
 * the parent resolves it and decides whether it is allowed.  An address
 * literal in a URL (the simulator's https://127.0.0.1:port) is asked for
 * as it is.  The socket comes back already connecting, which
 * CURLOPT_SOCKOPTFUNCTION tells libcurl (CURL_SOCKOPT_ALREADY_CONNECTED),
 * so libcurl never calls connect(2); its TLS handshake waits for the TCP
 * one, within CURLOPT_CONNECTTIMEOUT_MS.
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "sfrevops.h"
#include "netpass.h"

#define MAX_HOSTS	32		/* placeholders 192.0.2.1 .. .32 */
#define PLACEHOLDER_NET	0xc0000200u	/* 192.0.2.0 */
#define NETPASS_HE_MS	1		/* see netpass_setup() */

static struct netpass_host {
	char		 host[HOST_MAX + 1];
	unsigned int	 port;
} hosts[MAX_HOSTS];
static size_t		 nhosts;
static struct proc_ctx	*netpass_ctx;
static int		 netpass_timeout_ms;
static const char *const proxy_vars[] = { "https_proxy", "HTTPS_PROXY",
    "all_proxy", "ALL_PROXY", NULL };

void
netpass_init(struct proc_ctx *ctx, int connect_timeout_ms)
{
	netpass_ctx = ctx;
	netpass_timeout_ms = connect_timeout_ms;
	memset(hosts, 0, sizeof(hosts));
	nhosts = 0;
}

/* The placeholder index of host:port, a new one if need be; -1 if full. */
static int
host_index(const char *host, unsigned int port)
{
	size_t	 i;

	for (i = 0; i < nhosts; i++)
		if (hosts[i].port == port && strcasecmp(hosts[i].host, host) ==
		    0)
			return (int)i;
	if (nhosts == MAX_HOSTS)
		return -1;
	strlcpy_sf(hosts[nhosts].host, host, sizeof(hosts[nhosts].host));
	hosts[nhosts].port = port;
	return (int)nhosts++;
}

/* Append "host:port:192.0.2.N" for url's host (not an address literal). */
static int
resolve_add(struct curl_slist **list, const char *url)
{
	struct in_addr		 a4;
	struct in6_addr		 a6;
	struct curl_slist	*t;
	char			 host[HOST_MAX + 1], line[HOST_MAX + 40];
	unsigned int		 port;
	int			 i;

	if (url_hostport(url, host, sizeof(host), &port) == -1)
		return -1;
	if (inet_pton(AF_INET, host, &a4) == 1 ||
	    inet_pton(AF_INET6, host, &a6) == 1)
		return 0;	/* libcurl resolves no literal */
	if ((i = host_index(host, port)) == -1)
		return -1;
	snprintf(line, sizeof(line), "%s:%u:192.0.2.%d", host, port, i + 1);
	if ((t = curl_slist_append(*list, line)) == NULL)
		fatalx("curl_slist_append");
	*list = t;
	return 0;
}

/* libcurl wants a socket for address: ask the parent for one. */
static curl_socket_t
open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *sa)
{
	char		 host[INET6_ADDRSTRLEN > HOST_MAX + 1 ? INET6_ADDRSTRLEN :
			    HOST_MAX + 1], err[512];
	unsigned int	 port = 0;
	uint32_t	 a;
	int		 fd;

	(void)arg;
	if (purpose != CURLSOCKTYPE_IPCXN || netpass_ctx == NULL)
		return CURL_SOCKET_BAD;
	if (sa->family == AF_INET &&
	    sa->addrlen >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const void *)&sa->addr;
		a = ntohl(in->sin_addr.s_addr);
		port = ntohs(in->sin_port);
		if ((a & 0xffffff00u) == PLACEHOLDER_NET && (a & 0xff) >= 1 &&
		    (a & 0xff) <= nhosts) {
			const struct netpass_host *h = &hosts[(a & 0xff) - 1];
			strlcpy_sf(host, h->host, sizeof(host));
			port = h->port;
		} else if (inet_ntop(AF_INET, &in->sin_addr, host,
		    sizeof(host)) == NULL)
			return CURL_SOCKET_BAD;
	} else if (sa->family == AF_INET6 &&
	    sa->addrlen >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const void *)&sa->addr;
		port = ntohs(in6->sin6_port);
		if (inet_ntop(AF_INET6, &in6->sin6_addr, host,
		    sizeof(host)) == NULL)
			return CURL_SOCKET_BAD;
	} else
		return CURL_SOCKET_BAD;
	if ((fd = proc_connect(netpass_ctx, host, port, netpass_timeout_ms,
	    err, sizeof(err))) == -1) {
		log_warnx("no connection to %s:%u: %s", host, port, err);
		return CURL_SOCKET_BAD;
	}
	return fd;
}

static int
socket_ready(void *arg, curl_socket_t fd, curlsocktype purpose)
{
	(void)arg;
	(void)fd;
	(void)purpose;
	return CURL_SOCKOPT_ALREADY_CONNECTED;
}

int
netpass_setup(CURL *easy, const char *url, struct curl_slist **resolve)
{
	const char	*v;
	size_t		 i;

	*resolve = NULL;
	/*
	 * Not set up (a unit test's client, with no parent to ask): libcurl
	 * connects itself.  The broker always sets it up, and its seccomp
	 * profile kills a socket(2) of its own, so nothing falls back.
	 */
	if (netpass_ctx == NULL)
		return 0;
	if (resolve_add(resolve, url) == -1)
		return -1;
	for (i = 0; proxy_vars[i] != NULL; i++)
		if ((v = getenv(proxy_vars[i])) != NULL && *v != '\0' &&
		    resolve_add(resolve, v) == -1)
			return -1;
	/*
	 * A socket handed over as already connected is taken up only when
	 * libcurl's Happy Eyeballs timer fires (200 ms by default: measured
	 * on every new connection with libcurl 7.88).  Each host here has
	 * one placeholder address of one family, so there is no second
	 * attempt to wait for, and the timer only delays: 1 ms.
	 */
	if (curl_easy_setopt(easy, CURLOPT_RESOLVE, *resolve) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, open_socket) !=
	    CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_SOCKOPTFUNCTION, socket_ready) !=
	    CURLE_OK || curl_easy_setopt(easy, CURLOPT_HAPPY_EYEBALLS_TIMEOUT_MS,
	    (long)NETPASS_HE_MS) != CURLE_OK)
		return -1;
	return 0;
}
