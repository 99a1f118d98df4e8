/*
 * http.h: the broker's HTTPS client for Salesforce (libcurl).
 */
#ifndef HTTP_H
#define HTTP_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"

struct sfhttp;	/* opaque: the multi handle, its requests and settings */

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
	int		 max_transfers;		/* in flight at once; 0: 6 */
	long		 request_budget;	/* requests an hour; 0: 2000 */
	int		 usage_warn_pct;	/* org usage to surface; 0: 80 */
};

/*
 * Call before the sandbox: initialises libcurl and OpenSSL and keeps a
 * copy of the CA bundle in memory (the parent read it), and creates
 * the multi handle.  NULL on failure (the reason is logged).  auth is
 * borrowed and must outlive the client.
 */
struct sfhttp	*sfhttp_new(const struct sfhttp_config *, struct auth *);
/* Abort every request still there (no done() calls), then free. */
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

struct sfhttp_req;	/* one request: its attempts, retries and token wait */

/*
 * Called once when a request is over (never for one that was aborted),
 * from inside sfhttp_poll(), never from sfhttp_start().  r belongs to
 * the request: the callee may take r->body (and set it to NULL); the
 * rest is freed when the callback returns.  r->sf_err is SFE_OK on a
 * 2xx answer; otherwise sf_err and error_msg say what went wrong.
 */
typedef void	(*sfhttp_done_fn)(void *arg, struct sf_response *r);

/*
 * Start a request to {instance_url}{path}.  method is "GET", "POST" or
 * "PATCH"; path begins with "/services/data/" and is already encoded;
 * body is JSON or NULL (both are copied).  An idempotent request is
 * retried after a 502/503/504, a connection failure or
 * UNABLE_TO_LOCK_ROW, after a backoff timer.  A mutation (idempotent 0)
 * is retried only when it certainly was not processed
 * (sfhttp_mutation_class): no byte of it was sent, or Salesforce
 * answered 502/503/504; sent and without a whole answer (a reset, a
 * timeout, a truncated or oversized answer) it ends with sf_err
 * SFE_AMBIGUOUS.  Any request is repeated once after a 401 when a new
 * token could be obtained (one token request at a time, shared by every
 * request that needs it): the 401 means it was not processed.  At most
 * max_transfers transfers are in flight; the others wait in order.
 * The handle stays valid until done() returns or sfhttp_abort().
 */
struct sfhttp_req *sfhttp_start(struct sfhttp *, const char *method,
		    const char *path, const char *body, int idempotent,
		    sfhttp_done_fn done, void *arg);
/*
 * Give a request up: its transfer, if one is in flight, is removed from
 * the multi handle (the connection closes) and its header list wiped;
 * done() is not called.
 */
void		 sfhttp_abort(struct sfhttp_req *);
/*
 * The event loop's one wait: poll the caller's descriptors (extra, whose
 * revents are filled in) with libcurl's sockets until something happens
 * or the next timer (libcurl's or a retry's) is due, then drive the
 * transfers and call done() for the requests that ended.  0, or -1 if
 * poll(2) failed (errno).
 */
int		 sfhttp_poll(struct sfhttp *, struct pollfd *extra,
		    size_t nextra);
/* Transfers in flight and requests waiting for a slot (for logs). */
int		 sfhttp_running(const struct sfhttp *);
int		 sfhttp_queued(const struct sfhttp *);
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
/*
 * What one attempt of a mutation leaves (the 401 is handled before):
 * curlcode as above, status the HTTP status (0 if none), error_code
 * Salesforce's (REQUEST_LIMIT_EXCEEDED is never retried), sent whether
 * any byte of the request left (CURLINFO_REQUEST_SIZE > 0).
 */
enum sfhttp_mut {
	SFHTTP_MUT_FINAL = 0,	/* the answer (or the failure) stands */
	SFHTTP_MUT_RETRY,	/* certainly not processed: may go again */
	SFHTTP_MUT_AMBIGUOUS	/* sent, no whole answer: outcome unknown */
};
enum sfhttp_mut	 sfhttp_mutation_class(int curlcode, long status,
		    const char *error_code, int sent);

/*
 * The token decisions, kept pure so that they can be tested without a
 * network.  The state is the client's: can the flow mint, is a token
 * held, is a token request on its way, the generation of the token held
 * (it grows by one with every new token), and whether the last token
 * request failed, with the sequence number of the last request started
 * before it failed.  Requests are numbered as sfhttp_start() sees them.
 */
struct sfhttp_tokstate {
	int		 can_mint;
	int		 have_token;
	int		 minting;
	unsigned	 gen;
	int		 failed;
	unsigned long	 failed_seq;
};
enum sfhttp_tok_next {
	SFHTTP_SEND = 0,	/* send now, with the token held */
	SFHTTP_MINT,		/* start the one token request, and wait */
	SFHTTP_WAIT,		/* a token request is on its way: wait */
	SFHTTP_FAILED,		/* the token request it needed failed */
	SFHTTP_NO_FLOW,		/* no way to obtain a token: fail, say so */
	SFHTTP_FINAL		/* a 401 that stays the answer */
};
/* Before an attempt of request number seq. */
enum sfhttp_tok_next sfhttp_tok_before(const struct sfhttp_tokstate *,
		    unsigned long seq);
/*
 * After a 401 (session expired or invalid) to an attempt of request
 * number seq sent with the token of generation used_gen; repeated: this
 * request was already repeated after a 401 once.
 */
enum sfhttp_tok_next sfhttp_tok_after_401(const struct sfhttp_tokstate *,
		    unsigned long seq, int repeated, unsigned used_gen);
/* Why a token request was started: no token at all, or a 401. */
enum sfhttp_mint_why {
	SFHTTP_MINT_NO_TOKEN = 0,
	SFHTTP_MINT_REFUSED
};
/*
 * The one message every request that needed a failed token request gets
 * (those waiting for it, and those started before it failed), from the
 * reason of that request and its error.
 */
void		 sfhttp_mint_failed_msg(enum sfhttp_mint_why, const char *err,
		    char *out, size_t outlen);

/*
 * The org's API usage ("N/M", from Sforce-Limit-Info) when it is at or
 * above usage_warn_pct of the allowance; NULL otherwise.
 */
const char	*sfhttp_usage_over(const struct sfhttp *);

/* ------------------------------------------------ for tests */

/*
 * The session's request budget: a token bucket that holds per_hour
 * requests and refills at per_hour an hour, starting full.
 */
struct sfhttp_bucket {
	double		 tokens;
	double		 cap;
	double		 per_ms;
	uint64_t	 at;		/* ms of the last refill */
};
void		 sfhttp_bucket_init(struct sfhttp_bucket *, long per_hour,
		    uint64_t now_ms);
/* 0: a request may go now (one is taken); else ms until one may. */
long		 sfhttp_bucket_take(struct sfhttp_bucket *, uint64_t now_ms);
/* "N/M" as a whole percentage of M (rounded down), -1 if malformed. */
int		 sfhttp_usage_pct(const char *usage);

#endif /* HTTP_H */
