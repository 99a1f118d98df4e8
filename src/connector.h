/*
 * connector.h: the parent's half of the broker's connections.
 */
#ifndef CONNECTOR_H
#define CONNECTOR_H

#define CONNECTOR_HOST_MAX	HOST_MAX
/*
 * The configured instance, and whether a token answer may move it
 * (within its My Domain, on 443): only a flow that mints tokens does.
 */
void	 connector_instance(const char *url, int can_move);
/* Allow connections to url's host and port; what names it in messages. */
int	 connector_allow(const char *url, const char *what);
/* The exporter's collector: the one endpoint it may reach (and the
 * broker may not, unless it is also configured for the broker). */
int	 connector_export(const char *url);
/* connector_open() for the exporter: its collector only. */
int	 connector_open_export(const char *host, unsigned int port, int *fd,
	    char *errbuf, size_t errlen);
void	 connector_reset(void);
/* 1 if host:port is configured, 2 if it is of the instance's My Domain
 * on 443 (and the flow mints tokens), 0 if it is not allowed. */
int	 connector_permitted(const char *host, unsigned int port);
/*
 * Resolve host and start a non-blocking connect to its first address
 * that takes one.  0 and *fd (close-on-exec, non-blocking), or -1 with a
 * sentence naming the host in errbuf.
 */
int	 connector_open(const char *host, unsigned int port, int *fd,
	    char *errbuf, size_t errlen);

#endif /* CONNECTOR_H */
