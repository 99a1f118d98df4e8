/*
 * connector.c: the parent opens the broker's TCP connections.
 *
 * The broker holds the token, so it should reach nothing but Salesforce.
 * As OpenNTPD keeps name resolution out of its network process, the
 * broker here may neither resolve a name nor open a socket: it asks the
 * parent (which holds no secret once the broker has its own) for a
 * connection to a host and port, and the parent resolves the name,
 * starts a non-blocking connect and passes the socket over the broker's
 * channel (SCM_RIGHTS).  The parent connects only to the configured
 * instance host, the configured login host and the configured proxies,
 * on their ports, and to a Salesforce domain on 443 (where a token
 * answer may move the instance); everything else is refused with the
 * host named.
 *
 * The socket leaves while its TCP handshake may still be under way; the
 * broker's TLS handshake waits for it to become writable, and a refused
 * or unreachable host surfaces there as a connection error.
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "sfrevops.h"
#include "connector.h"

#define MAX_ENDPOINTS	8

static struct endpoint {
	char		 host[CONNECTOR_HOST_MAX + 1];
	unsigned int	 port;
	const char	*what;
} endpoints[MAX_ENDPOINTS];
static size_t	nendpoints;
/* The exporter's collector (SFDC_OTLP_ENDPOINT): its one endpoint, and
 * not one of the broker's. */
static struct endpoint	export_endpoint;
static int		export_set;
/*
 * The collector's addresses, resolved once when the exporter first
 * connects and again only when every address failed, at most every
 * EXPORT_RESOLVE_S: the exporter connects at every interval, and a slow
 * resolver must not hold the parent's loop each time.
 */
#define EXPORT_RESOLVE_S	60
static struct addrinfo	*export_ai;
static time_t		 export_ai_at;
/* May the instance move (a flow that mints tokens), and from where. */
static int	moves;
static char	instance_host[CONNECTOR_HOST_MAX + 1];

void
connector_instance(const char *url, int can_move)
{
	unsigned int	 port;

	moves = can_move && url_hostport(url, instance_host,
	    sizeof(instance_host), &port) == 0;
}

int
connector_allow(const char *url, const char *what)
{
	struct endpoint	*e;

	if (nendpoints == MAX_ENDPOINTS)
		return -1;
	e = &endpoints[nendpoints];
	if (url_hostport(url, e->host, sizeof(e->host), &e->port) == -1)
		return -1;
	e->what = what;
	nendpoints++;
	return 0;
}

int
connector_export(const char *url)
{
	if (url_hostport(url, export_endpoint.host,
	    sizeof(export_endpoint.host), &export_endpoint.port) == -1)
		return -1;
	export_endpoint.what = "collector";
	export_set = 1;
	return 0;
}

void
connector_reset(void)
{
	memset(endpoints, 0, sizeof(endpoints));
	nendpoints = 0;
	moves = 0;
	instance_host[0] = '\0';
	memset(&export_endpoint, 0, sizeof(export_endpoint));
	export_set = 0;
	if (export_ai != NULL)
		freeaddrinfo(export_ai);
	export_ai = NULL;
	export_ai_at = 0;
}

int
connector_permitted(const char *host, unsigned int port)
{
	size_t	 i;

	for (i = 0; i < nendpoints; i++)
		if (endpoints[i].port == port &&
		    strcasecmp(endpoints[i].host, host) == 0)
			return 1;
	/*
	 * A token answer may move the instance, within the org's own My
	 * Domain: not to any Salesforce host, which anybody can have.
	 */
	return port == 443 && moves &&
	    policy_same_mydomain(instance_host, host) ? 2 : 0;
}

static int	open_host(const char *, unsigned int, int, int *, char *,
		    size_t);
static int	open_export(int *, char *, size_t);

int
connector_open(const char *host, unsigned int port, int *fdp, char *errbuf,
    size_t errlen)
{
	int	 how;

	*fdp = -1;
	if (strlen(host) > CONNECTOR_HOST_MAX ||
	    (how = connector_permitted(host, port)) == 0) {
		snprintf(errbuf, errlen, "refusing to connect to %.*s:%u: not "
		    "the configured instance, login host or proxy, nor a host "
		    "of the instance's My Domain on port 443",
		    CONNECTOR_HOST_MAX, host, port);
		return -1;
	}
	return open_host(host, port, how, fdp, errbuf, errlen);
}

int
connector_open_export(const char *host, unsigned int port, int *fdp,
    char *errbuf, size_t errlen)
{
	*fdp = -1;
	if (!export_set || strlen(host) > CONNECTOR_HOST_MAX ||
	    export_endpoint.port != port ||
	    strcasecmp(export_endpoint.host, host) != 0) {
		snprintf(errbuf, errlen, "refusing to connect the exporter to "
		    "%.*s:%u: not the collector of SFDC_OTLP_ENDPOINT",
		    CONNECTOR_HOST_MAX, host, port);
		return -1;
	}
	return open_export(fdp, errbuf, errlen);
}

static int
resolve(const char *host, unsigned int port, int how, struct addrinfo **res,
    char *errbuf, size_t errlen)
{
	struct addrinfo	 hints;
	char		 service[8], name[CONNECTOR_HOST_MAX + 2];
	int		 rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
	snprintf(service, sizeof(service), "%u", port);
	/*
	 * A name the broker chose (within the My Domain) is resolved as
	 * an absolute name: the resolver's search list (ndots) must not
	 * turn acme.my.salesforce.com into acme.my.salesforce.com.corp.
	 */
	snprintf(name, sizeof(name), "%s%s", host, how == 2 ? "." : "");
	if ((rc = getaddrinfo(name, service, &hints, res)) != 0) {
		snprintf(errbuf, errlen, "cannot resolve %s: %s", host,
		    gai_strerror(rc));
		return -1;
	}
	return 0;
}

/* The first address whose non-blocking connect starts. */
static int
connect_list(const struct addrinfo *list, const char *host,
    unsigned int port, int *fdp, char *errbuf, size_t errlen)
{
	const struct addrinfo *ai;
	int		 fd = -1, saved = EADDRNOTAVAIL;

	for (ai = list; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd == -1) {
			saved = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
		    errno == EINPROGRESS)
			break;
		saved = errno;
		(void)close(fd);
		fd = -1;
	}
	if (fd == -1) {
		snprintf(errbuf, errlen, "cannot connect to %s:%u: %s", host,
		    port, strerror(saved));
		return -1;
	}
	*fdp = fd;
	return 0;
}

static int
open_host(const char *host, unsigned int port, int how, int *fdp,
    char *errbuf, size_t errlen)
{
	struct addrinfo	*res;
	int		 r;

	if (resolve(host, port, how, &res, errbuf, errlen) == -1)
		return -1;
	r = connect_list(res, host, port, fdp, errbuf, errlen);
	freeaddrinfo(res);
	return r;
}

static int
open_export(int *fdp, char *errbuf, size_t errlen)
{
	struct timespec	 ts;
	struct addrinfo	*res;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		fatal("clock_gettime");
	if (export_ai != NULL && connect_list(export_ai, export_endpoint.host,
	    export_endpoint.port, fdp, errbuf, errlen) == 0)
		return 0;
	if (export_ai != NULL && ts.tv_sec - export_ai_at < EXPORT_RESOLVE_S)
		return -1;	/* the addresses we have failed: said */
	export_ai_at = ts.tv_sec;
	if (resolve(export_endpoint.host, export_endpoint.port, 1, &res,
	    errbuf, errlen) == -1)
		return -1;
	if (export_ai != NULL)
		freeaddrinfo(export_ai);
	export_ai = res;
	return connect_list(export_ai, export_endpoint.host,
	    export_endpoint.port, fdp, errbuf, errlen);
}
