/*
 * libFuzzer target: url_hostport(), which tells the parent's connector
 * where the broker's HTTPS (or its proxy) connects.
 *
 * Input: the URL (NUL-ended by the harness; a NUL inside ends it).
 * Checked: no memory error; on success the host is non-empty, shorter
 * than the buffer and HOST_MAX, made of [A-Za-z0-9.:-] only, and
 * occurs in the URL; the port is 1-65535.  With a buffer one byte too
 * small for that host, the answer is -1 (never a cut host).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sfrevops.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char		*url, host[HOST_MAX + 1], *small;
	unsigned int	 port;
	size_t		 i, n;

	url = malloc(len + 1);
	memcpy(url, data, len);
	url[len] = '\0';
	if (url_hostport(url, host, sizeof(host), &port) == 0) {
		n = strlen(host);
		if (n == 0 || n > HOST_MAX || port == 0 || port > 65535 ||
		    strstr(url, host) == NULL)
			abort();
		for (i = 0; i < n; i++)
			if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP"
			    "QRSTUVWXYZ0123456789.:-", host[i]) == NULL)
				abort();
		small = malloc(n);	/* exact: ASan sees a write past it */
		if (url_hostport(url, small, n, &port) != -1)
			abort();
		free(small);
	}
	free(url);
	return 0;
}
