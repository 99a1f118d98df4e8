/*
 * connector.h: the parent's half of the broker's connections.
 */
#ifndef CONNECTOR_H
#define CONNECTOR_H

#define CONNECTOR_HOST_MAX	HOST_MAX
/* Allow connections to url's host and port; what names it in messages. */
int	 connector_allow(const char *url, const char *what);
void	 connector_reset(void);
/* 1 if host:port is allowed (configured, or a Salesforce domain on 443). */
int	 connector_permitted(const char *host, unsigned int port);
/*
 * Resolve host and start a non-blocking connect to its first address
 * that takes one.  0 and *fd (close-on-exec, non-blocking), or -1 with a
 * sentence naming the host in errbuf.
 */
int	 connector_open(const char *host, unsigned int port, int *fd,
	    char *errbuf, size_t errlen);

#endif /* CONNECTOR_H */
