/*
 * http.h: the broker's HTTPS client for Salesforce (libcurl).
 */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>

#include "auth.h"

struct sfhttp;	/* opaque: the curl handle and its settings */

struct sfhttp_config {
	const char	*api_version;		/* "v60.0" */
	const char	*ca_pem;		/* trust anchors, PEM (copied) */
	size_t		 ca_len;
	const char	*ca_name;		/* where they came from */
	long		 connect_timeout_ms;	/* 0: 10000 */
	long		 total_timeout_ms;	/* per attempt; 0: 60000 */
	int		 max_attempts;		/* 0: 4 */
	long		 retry_budget_ms;	/* all retries; 0: 20000 */
	long		 backoff_base_ms;	/* 0: 250 */
	long		 backoff_cap_ms;	/* 0: 8000 */
};

/*
 * Call before the sandbox: initialises libcurl and OpenSSL and keeps a
 * copy of the CA bundle in memory (the parent read it).  NULL on failure (the reason is logged).
 * auth is borrowed and must outlive the client.
 */
struct sfhttp	*sfhttp_new(const struct sfhttp_config *, struct auth *);
void		 sfhttp_free(struct sfhttp *);

#define SF_MAX_RESPONSE	(16u * 1024 * 1024)

struct sf_response {
	long	 status;		/* final HTTP status, 0 if none */
	char	*body;			/* NUL-terminated or NULL; free() */
	size_t	 len;
	char	 api_usage[64];		/* "18/5000" or "" */
	char	 error_code[64];	/* Salesforce's errorCode or "" */
	char	 error_msg[1024];	/* for the tool result; never a secret */
	int	 sf_err;		/* enum sf_err */
	int	 attempts;		/* HTTP attempts of this request */
	int	 refreshed;		/* 1 if a new token was obtained */
};

/*
 * One request to {instance_url}{path}.  method is "GET", "POST" or
 * "PATCH"; path begins with "/services/data/" and is already encoded;
 * body is JSON or NULL.  Only an idempotent request is retried after a
 * 502/503/504, a connection failure or UNABLE_TO_LOCK_ROW; any request
 * is repeated once after a 401 when a new token could be obtained.
 * 0 on a 2xx answer (sf_err SFE_OK); -1 otherwise with sf_err and
 * error_msg set.  Free r with sf_response_free() in both cases.
 */
int		 sfhttp_request(struct sfhttp *, const char *method,
		    const char *path, const char *body, int idempotent,
		    struct sf_response *);
void		 sf_response_free(struct sf_response *);
/* Percent-encode a query value (RFC 3986 unreserved kept); free(). */
char		*sfhttp_urlencode(const char *);

/* ------------------------------------------------ for tests */

/* Full jitter: a uniform random delay in [0, min(cap, base * 2^n)]. */
long		 sfhttp_backoff_ms(long base, long cap, int n);
/*
 * One header line; if it is Sforce-Limit-Info with api-usage=N/M, copy
 * "N/M" into out and return 1; 0 otherwise.
 */
int		 sfhttp_parse_limit_info(const char *line, size_t len, char *out,
		    size_t outlen);
/* Fill r->error_code and r->error_msg from an error answer's body, with
 * every secret of auth (and any 8-character piece of one) redacted. */
void		 sfhttp_parse_error(struct auth *, long status, const char *body,
		    size_t len, struct sf_response *r);
/*
 * Is this outcome worth another attempt (for an idempotent request)?
 * curlcode is a CURLcode (0 when a response arrived).
 */
int		 sfhttp_retryable(int curlcode, long status,
		    const char *error_code);

#endif /* HTTP_H */
