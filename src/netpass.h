/*
 * netpass.h: the broker's connections, opened by the parent.
 */
#ifndef NETPASS_H
#define NETPASS_H

#include <curl/curl.h>

#include "sfrevops.h"

/* Once, before the first transfer: whose parent channel to ask. */
void	 netpass_init(struct proc_ctx *, int connect_timeout_ms);
/*
 * Make easy connect to url's host (and to the proxies of the environment)
 * through sockets from the parent.  *resolve is set to a list the caller
 * frees with curl_slist_free_all() once the transfer is done.  -1 if url
 * names no usable host or too many hosts are in use.
 */
int	 netpass_setup(CURL *easy, const char *url,
	    struct curl_slist **resolve);

#endif /* NETPASS_H */
