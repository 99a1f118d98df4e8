/*
 * http.c: the broker's HTTPS client for Salesforce, on libcurl.
 *
 * Transfers run concurrently on one multi handle, driven from the
 * broker's own poll loop (sfhttp_poll) through libcurl's socket and
 * timer callbacks.  Every transfer has its own easy handle (a small pool
 * is reused); connections are reused across transfers through the multi
 * handle's connection cache.  At most max_transfers are in flight; the
 * other requests wait in a FIFO queue.  HTTPS only (for the request and
 * for any redirect, which we do not follow anyway), peer and host
 * verification always on, TLS 1.2 or newer.  The CA bundle comes in
 * memory from the parent, which read it before any sandbox (like ntpd's
 * constraint.c), so nothing is opened here, and its path need not be
 * readable by the broker's user.
 *
 * Retries: an idempotent request is tried again after a 502/503/504, a
 * connection failure, a truncated answer or UNABLE_TO_LOCK_ROW, with
 * exponential backoff and full jitter, within max_attempts and a time
 * budget.  The backoff is a timer: nothing sleeps.  REQUEST_LIMIT_EXCEEDED
 * is never retried.  A mutation is retried only when it certainly was
 * not processed: no byte of it left (the connection or the TLS handshake
 * failed), or Salesforce answered 502/503/504; once it was sent, a
 * reset, a timeout or a truncated answer is SFE_AMBIGUOUS, never a
 * retry (contrib/WRITES.md).  Any request, even a mutation, is repeated
 * once after a 401 when auth.c can obtain a new token: Salesforce
 * refused it before doing anything.  Obtaining a token ("minting") is itself a transfer;
 * there is at most one at a time, and every request that needs the
 * token waits for it and shares its outcome.
 *
 * Secrets: the Authorization header is built in guarded memory and in a
 * curl_slist, which is wiped as soon as its transfer ends or is aborted;
 * token endpoint answers are wiped after auth.c has read them.  Error
 * texts pass through auth_redact() before they leave this file.
 *
 * Ownership: struct sfhttp owns every request (struct sfhttp_req) until
 * its done() callback has returned or it is aborted; a request owns its
 * easy handle and header list while its transfer is in flight.
 */
#include "config.h"

#include <sys/queue.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <sodium.h>

#include "sfrevops.h"
#include "auth.h"
#include "http.h"
#include "netpass.h"

#define AUTH_HDR_MAX	(SECRET_MAX + 32)
#define POOL_MAX	8	/* idle easy handles kept for reuse */

/* What one transfer collects. */
struct xfer {
	char	*body;
	size_t	 len;
	size_t	 cap;
	int	 too_big;
	int	 secret;	/* a token endpoint answer: wipe every copy */
	char	 api_usage[64];
};

enum rq_state {
	RQ_NEW = 0,	/* in no list yet */
	RQ_QUEUED,	/* waiting for a transfer slot */
	RQ_ACTIVE,	/* its transfer is in flight */
	RQ_BACKOFF,	/* waiting for its retry timer */
	RQ_TOKEN,	/* waiting for the token request */
	RQ_DONE		/* over; done() is due */
};

struct sfhttp_req {
	TAILQ_ENTRY(sfhttp_req)	 entry;	/* in the list its state names */
	struct sfhttp		*h;
	enum rq_state		 state;
	int			 is_mint;	/* the token request */
	enum sfhttp_mint_why	 why;		/* is_mint: what started it */
	char			 method[8];
	char			*path;		/* NULL for the token request */
	char			*body;		/* JSON, or the guarded grant */
	size_t			 bodylen;
	int			 idempotent;
	int			 attempt;	/* HTTP attempts so far */
	unsigned long		 seq;		/* numbered by sfhttp_start() */
	int			 repeated;	/* repeated after a 401 */
	int			 after_401;	/* RQ_TOKEN: waits after a 401 */
	unsigned		 used_gen;	/* token generation sent */
	uint64_t		 start;		/* first attempt, ms */
	uint64_t		 wake;		/* RQ_BACKOFF: when, ms */
	long			 connects;	/* new connections, last attempt */
	long			 reqsize;	/* bytes of it sent, last attempt */
	CURL			*easy;		/* RQ_ACTIVE */
	struct curl_slist	*hdrs;		/* RQ_ACTIVE, may hold the token */
	struct curl_slist	*resolve;	/* RQ_ACTIVE: netpass.c's hosts */
	struct xfer		 x;
	struct sf_response	 r;
	sfhttp_done_fn		 done;
	void			*arg;
};
TAILQ_HEAD(rq_list, sfhttp_req);

struct sfhttp {
	CURLM		*multi;
	struct auth	*auth;
	/* The Authorization header of the request being set up, built here
	 * (AUTH_HDR_MAX, guarded: sodium_malloc, once) and wiped as soon as
	 * libcurl's header list holds its copy.  Once per process: a
	 * sodium_malloc per request cost an mmap, two mprotects, an mlock
	 * and a munmap each time. */
	char		*authz;
	char		*ca;		/* the CA bundle, PEM */
	size_t		 calen;
	/*
	 * The CA bundle parsed once, into the store every connection's
	 * SSL_CTX takes (on_ssl_ctx): with CURLOPT_CAINFO_BLOB libcurl
	 * parses the bundle again for each connection, and the system's
	 * bundle (about 140 certificates) is some 1.3 MiB of heap per
	 * connection, up to max_transfers of them.  Built at the first
	 * transfer's set-up, as libcurl would (not at start: the start-up
	 * memory stays what it was).  use_store is 0 when libcurl's TLS is
	 * not OpenSSL: then the blob, per connection.
	 */
	X509_STORE	*trust;
	int		 use_store;
	char		 ca_name[256];	/* for messages */
	long		 connect_timeout_ms;
	long		 total_timeout_ms;
	int		 max_attempts;
	long		 retry_budget_ms;
	long		 backoff_base_ms;
	long		 backoff_cap_ms;
	int		 max_transfers;
	char		 user_agent[64];
	/* What this session may spend, and what the org says it has. */
	struct sfhttp_bucket budget;
	long		 budget_per_hour;
	int		 usage_warn_pct;
	char		 usage[64];	/* the last Sforce-Limit-Info api-usage */
	int		 usage_over;	/* usage is at or above the share */

	struct rq_list	 queue;		/* RQ_QUEUED, first come first */
	struct rq_list	 active;	/* RQ_ACTIVE */
	struct rq_list	 backoff;	/* RQ_BACKOFF */
	struct rq_list	 token;		/* RQ_TOKEN */
	struct rq_list	 done;		/* RQ_DONE */
	int		 nactive;
	int		 nqueued;
	struct sfhttp_req *mint;	/* the token request, or NULL */
	unsigned	 token_gen;	/* +1 with every new token */
	unsigned long	 seq;		/* requests started so far */
	int		 mint_failed;	/* the last token request failed */
	unsigned long	 mint_failed_seq; /* the last request before it */
	int		 mint_failed_code;
	char		 mint_failed_msg[1024];

	CURL		*pool[POOL_MAX];
	int		 npool;

	struct pollfd	*socks;		/* libcurl's sockets and events */
	size_t		 nsocks;
	size_t		 capsocks;
	uint64_t	 curl_due;	/* libcurl's timer, ms; 0: none */
	struct pollfd	*pfd;		/* sfhttp_poll's scratch */
	size_t		 cappfd;
};

static int	curl_ready;

/* ------------------------------------------------------------ set-up */

/*
 * The CA bundle as one X509_STORE, as libcurl builds it from a blob
 * (PEM_X509_INFO_read_bio: certificates and CRLs; the same verification
 * flags: the trusted certificate first, and a trusted intermediate ends
 * a chain, as libcurl sets unless CURLSSLOPT_NO_PARTIALCHAIN).  NULL
 * with a message if the bundle holds no certificate.
 */
static X509_STORE *
trust_store(const char *pem, size_t len, const char *name)
{
	STACK_OF(X509_INFO)	*infos = NULL;
	X509_STORE		*st = NULL;
	X509_INFO		*xi;
	BIO			*bio;
	int			 i, ncert = 0;

	if (len > INT_MAX || (bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
		goto fail;
	infos = PEM_X509_INFO_read_bio(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (infos == NULL || (st = X509_STORE_new()) == NULL)
		goto fail;
	for (i = 0; i < sk_X509_INFO_num(infos); i++) {
		xi = sk_X509_INFO_value(infos, i);
		if (xi->x509 != NULL) {
			if (X509_STORE_add_cert(st, xi->x509) != 1)
				goto fail;
			ncert++;
		}
		if (xi->crl != NULL && X509_STORE_add_crl(st, xi->crl) != 1)
			goto fail;
	}
	if (ncert == 0)
		goto fail;
	if (X509_STORE_set_flags(st, X509_V_FLAG_TRUSTED_FIRST |
	    X509_V_FLAG_PARTIAL_CHAIN) != 1)
		goto fail;
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	ERR_clear_error();
	return st;
fail:
	log_warnx("%s: no certificate could be read from it", name);
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	X509_STORE_free(st);
	ERR_clear_error();
	return NULL;
}

/* Each connection's SSL_CTX trusts the one store (up-referenced). */
static CURLcode
on_ssl_ctx(CURL *e, void *sslctx, void *arg)
{
	struct sfhttp	*h = arg;

	(void)e;
	SSL_CTX_set1_cert_store(sslctx, h->trust);
	return CURLE_OK;
}

/*
 * The options every transfer has.  HTTPS only, verification on, the CA
 * bundle from memory and nowhere else, no redirects.
 */
static CURLcode
setup(struct sfhttp *h, CURL *e)
{
	struct curl_blob	 blob;
	CURLcode		 rc;

	blob.data = h->ca;
	blob.len = h->calen;
	blob.flags = CURL_BLOB_NOCOPY;
#define SET(opt, val) do {						\
	if ((rc = curl_easy_setopt(e, opt, val)) != CURLE_OK)		\
		return rc;						\
} while (0)
	SET(CURLOPT_PROTOCOLS_STR, "https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "https");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_MAXREDIRS, 0L);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	/* No file, no default path: the bundle only (h->trust, else the
	 * blob).  Without a store of its own libcurl loads no anchor at
	 * all, and verification fails closed. */
	if (h->use_store) {
		if (h->trust == NULL && (h->trust = trust_store(h->ca,
		    h->calen, h->ca_name)) == NULL)
			return CURLE_SSL_CACERT_BADFILE;
		SET(CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx);
		SET(CURLOPT_SSL_CTX_DATA, h);
	} else
		SET(CURLOPT_CAINFO_BLOB, &blob);
	SET(CURLOPT_CAPATH, NULL);
	SET(CURLOPT_CAINFO, NULL);
	SET(CURLOPT_ACCEPT_ENCODING, "");
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_CONNECTTIMEOUT_MS, h->connect_timeout_ms);
	SET(CURLOPT_USERAGENT, h->user_agent);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
#undef SET
	return CURLE_OK;
}

/* libcurl tells which sockets to watch, for what. */
static int
on_socket(CURL *e, curl_socket_t s, int what, void *arg, void *sockp)
{
	struct sfhttp	*h = arg;
	size_t		 i;

	(void)e;
	(void)sockp;
	for (i = 0; i < h->nsocks; i++)
		if (h->socks[i].fd == s)
			break;
	if (what == CURL_POLL_REMOVE) {
		if (i < h->nsocks)
			h->socks[i] = h->socks[--h->nsocks];
		return 0;
	}
	if (i == h->nsocks) {
		if (h->nsocks == h->capsocks) {
			h->capsocks = h->capsocks ? h->capsocks * 2 : 8;
			h->socks = xreallocarray(h->socks, h->capsocks,
			    sizeof(*h->socks));
		}
		h->socks[h->nsocks++].fd = s;
	}
	h->socks[i].events = (short)(((what & CURL_POLL_IN) ? POLLIN : 0) |
	    ((what & CURL_POLL_OUT) ? POLLOUT : 0));
	h->socks[i].revents = 0;
	return 0;
}

/* libcurl's one timer: -1 deletes it. */
static int
on_timer(CURLM *m, long timeout_ms, void *arg)
{
	struct sfhttp	*h = arg;

	(void)m;
	/* now_ms() is monotonic and never 0, which means "none" here. */
	h->curl_due = timeout_ms < 0 ? 0 : now_ms() + (uint64_t)timeout_ms;
	return 0;
}

struct sfhttp *
sfhttp_new(const struct sfhttp_config *c, struct auth *auth)
{
	struct sfhttp	*h;

	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			log_warnx("curl_global_init failed");
			return NULL;
		}
		curl_ready = 1;
	}
	h = xcalloc(1, sizeof(*h));
	TAILQ_INIT(&h->queue);
	TAILQ_INIT(&h->active);
	TAILQ_INIT(&h->backoff);
	TAILQ_INIT(&h->token);
	TAILQ_INIT(&h->done);
	h->auth = auth;
	h->connect_timeout_ms = c->connect_timeout_ms > 0 ?
	    c->connect_timeout_ms : 10000;
	h->total_timeout_ms = c->total_timeout_ms > 0 ?
	    c->total_timeout_ms : 60000;
	h->max_attempts = c->max_attempts > 0 ? c->max_attempts : 4;
	h->retry_budget_ms = c->retry_budget_ms > 0 ? c->retry_budget_ms :
	    20000;
	h->backoff_base_ms = c->backoff_base_ms > 0 ? c->backoff_base_ms : 250;
	h->backoff_cap_ms = c->backoff_cap_ms > 0 ? c->backoff_cap_ms : 8000;
	h->max_transfers = c->max_transfers > 0 ? c->max_transfers : 6;
	h->budget_per_hour = c->request_budget > 0 ? c->request_budget : 2000;
	h->usage_warn_pct = c->usage_warn_pct > 0 ? c->usage_warn_pct : 80;
	sfhttp_bucket_init(&h->budget, h->budget_per_hour, now_ms());
	snprintf(h->user_agent, sizeof(h->user_agent), "%s/%s (libcurl)",
	    SFREVOPS_NAME, PACKAGE_VERSION);
	if (c->ca_pem == NULL || c->ca_len == 0 || c->ca_len > CA_BUNDLE_MAX) {
		log_warnx("no CA bundle to trust");
		goto fail;
	}
	strlcpy_sf(h->ca_name, c->ca_name != NULL ? c->ca_name : "the CA "
	    "bundle", sizeof(h->ca_name));
	if ((h->authz = sodium_malloc(AUTH_HDR_MAX)) == NULL) {
		log_warnx("sodium_malloc: out of guarded memory");
		goto fail;
	}
	h->ca = xmalloc(c->ca_len + 1);
	memcpy(h->ca, c->ca_pem, c->ca_len);
	h->ca[c->ca_len] = '\0';
	h->calen = c->ca_len;
	/* One store for every connection, where libcurl's TLS is OpenSSL
	 * (the SSL_CTX on_ssl_ctx() gets is then OpenSSL's). */
	{
		const curl_version_info_data *vi =
		    curl_version_info(CURLVERSION_NOW);

		h->use_store = vi != NULL && vi->ssl_version != NULL &&
		    strncmp(vi->ssl_version, "OpenSSL/", 8) == 0;
	}
	/* The multi handle (and its wakeup pair) exists before the sandbox. */
	if ((h->multi = curl_multi_init()) == NULL) {
		log_warnx("curl_multi_init failed");
		goto fail;
	}
	if (curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, on_socket) !=
	    CURLM_OK ||
	    curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h) != CURLM_OK ||
	    curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, on_timer) !=
	    CURLM_OK ||
	    curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h) != CURLM_OK) {
		log_warnx("libcurl: cannot set the multi callbacks");
		goto fail;
	}
	return h;
fail:
	sfhttp_free(h);
	return NULL;
}

void
sf_response_free(struct sf_response *r)
{
	free(r->body);
	r->body = NULL;
	r->len = 0;
}

/* ---------------------------------------------------------- callbacks */

/* Grow a body buffer; a secret one leaves no copy behind in freed memory. */
static void
xfer_grow(struct xfer *x, size_t need)
{
	size_t	 cap = x->cap == 0 ? 16384 : x->cap;
	char	*p;

	while (cap < need)
		cap *= 2;
	if (!x->secret) {
		x->body = xreallocarray(x->body, 1, cap);
		x->cap = cap;
		return;
	}
	p = xmalloc(cap);
	if (x->body != NULL) {
		memcpy(p, x->body, x->len);
		sodium_memzero(x->body, x->cap);
		free(x->body);
	}
	x->body = p;
	x->cap = cap;
}

static void
xfer_free(struct xfer *x)
{
	if (x->body != NULL && x->secret)
		sodium_memzero(x->body, x->cap);
	free(x->body);
	x->body = NULL;
	x->len = x->cap = 0;
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct xfer	*x = arg;
	size_t		 len = size * n;

	if (len > SF_MAX_RESPONSE || x->len + len > SF_MAX_RESPONSE) {
		x->too_big = 1;
		return 0;	/* makes curl stop with CURLE_WRITE_ERROR */
	}
	if (x->len + len + 1 > x->cap)
		xfer_grow(x, x->len + len + 1);
	memcpy(x->body + x->len, p, len);
	x->len += len;
	x->body[x->len] = '\0';
	return len;
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct xfer	*x = arg;
	size_t		 len = size * n;

	(void)sfhttp_parse_limit_info(p, len, x->api_usage,
	    sizeof(x->api_usage));
	return len;
}

int
sfhttp_parse_limit_info(const char *line, size_t len, char *out,
    size_t outlen)
{
	static const char	 name[] = "sforce-limit-info:";
	const char		*p, *end = line + len;
	size_t			 i, n;

	if (len < sizeof(name) - 1 || strncasecmp(line, name,
	    sizeof(name) - 1) != 0)
		return 0;
	for (p = line + sizeof(name) - 1; p + 10 <= end; p++) {
		if (strncmp(p, "api-usage=", 10) != 0)
			continue;
		/* A key of its own, not the end of per-app-api-usage=. */
		if (p[-1] != ':' && p[-1] != ' ' && p[-1] != '\t' &&
		    p[-1] != ';' && p[-1] != ',')
			continue;
		p += 10;
		/* digits "/" digits, and nothing more of either */
		for (i = 0; p + i < end && '0' <= p[i] && p[i] <= '9'; i++)
			;
		if (i == 0 || p + i == end || p[i] != '/')
			return 0;
		for (n = ++i; p + n < end && '0' <= p[n] && p[n] <= '9'; n++)
			;
		if (n == i || (p + n < end && p[n] == '/') || n + 1 > outlen)
			return 0;
		memcpy(out, p, n);
		out[n] = '\0';
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------ errors */

/*
 * Salesforce's messages for SOQL errors carry the query and a caret on
 * lines of their own:  "\nSELECT ...\n      ^\nERROR at Row:1:Column:8\n
 * No such column ...".  Keep "row 1 column 8: No such column ..." and
 * make everything one clean line of at most dstlen - 1 bytes, cut on a
 * UTF-8 character boundary.  Every secret auth holds, and every piece of
 * 8 or more characters of one, is redacted from the whole text before
 * it is cut, and once more after (a cut or the joined whitespace cannot
 * make a piece then).
 */
static void
message_clean(struct auth *a, char *dst, size_t dstlen, const char *raw)
{
	const char	*at, *rest, *msg;
	char		 pos[64] = "", *copy;
	size_t		 o, n, rawlen = strlen(raw);
	int		 row, col;

	if (dstlen == 0)
		return;
	copy = xstrdup(raw);
	auth_redact(a, copy);
	msg = copy;
	if ((at = strstr(msg, "ERROR at Row:")) != NULL &&
	    sscanf(at, "ERROR at Row:%d:Column:%d", &row, &col) == 2 &&
	    (rest = strchr(at, '\n')) != NULL) {
		snprintf(pos, sizeof(pos), "(at row %d, column %d) ", row, col);
		msg = rest + 1;
	}
	o = strlcpy_sf(dst, pos, dstlen);
	if (o < dstlen)
		str_oneline(dst + o, dstlen - o, msg);
	/* A cut must not leave half a UTF-8 sequence at the end. */
	n = strlen(dst);
	if (n > 0 && n + 1 == dstlen) {
		size_t k = n, cont = 0;
		while (k > 0 && ((unsigned char)dst[k - 1] & 0xc0) == 0x80 &&
		    cont < 3) {
			k--;
			cont++;
		}
		if (k > 0 && (unsigned char)dst[k - 1] >= 0xc0) {
			unsigned char lead = (unsigned char)dst[k - 1];
			size_t need = lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : 1;
			if (cont < need)
				dst[k - 1] = '\0';
		}
	}
	auth_redact(a, dst);
	sodium_memzero(copy, rawlen);
	free(copy);
}

void
sfhttp_parse_error(struct auth *a, long status, const char *body, size_t len,
    struct sf_response *r)
{
	cJSON		*j = NULL;
	const cJSON	*e, *code, *msg;
	char		 clean[400];

	r->error_code[0] = '\0';
	r->error_msg[0] = '\0';
	if (body != NULL && len > 0)
		j = cJSON_ParseWithLength(body, len);
	/* The REST API answers errors as [{message, errorCode, fields?}]. */
	e = cJSON_IsArray(j) ? cJSON_GetArrayItem(j, 0) : j;
	code = cJSON_GetObjectItemCaseSensitive(e, "errorCode");
	msg = cJSON_GetObjectItemCaseSensitive(e, "message");
	/* Both are redacted before message_clean() cuts them. */
	if (cJSON_IsString(code))
		message_clean(a, r->error_code, sizeof(r->error_code),
		    code->valuestring);
	if (cJSON_IsString(msg)) {
		message_clean(a, clean, sizeof(clean), msg->valuestring);
		if (r->error_code[0] != '\0')
			snprintf(r->error_msg, sizeof(r->error_msg), "%s: %s",
			    r->error_code, clean);
		else
			snprintf(r->error_msg, sizeof(r->error_msg), "%s",
			    clean);
		auth_redact(a, r->error_msg);
		sodium_memzero(clean, sizeof(clean));
	}
	cJSON_Delete(j);
	if (r->error_msg[0] != '\0')
		return;
	/* Not Salesforce's JSON: an edge, a proxy or maintenance page. */
	switch (status) {
	case 502:
	case 503:
	case 504:
		snprintf(r->error_msg, sizeof(r->error_msg), "Salesforce is "
		    "unavailable (HTTP %ld; maintenance or overload); try "
		    "again in a few minutes", status);
		break;
	default:
		snprintf(r->error_msg, sizeof(r->error_msg), "Salesforce "
		    "answered HTTP %ld without an error description", status);
		break;
	}
}

int
sfhttp_retryable(int curlcode, long status, const char *error_code)
{
	switch (curlcode) {
	case CURLE_OK:
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;	/* TLS verification, bad URL, too big: final */
	}
	if (error_code != NULL && strcmp(error_code,
	    "REQUEST_LIMIT_EXCEEDED") == 0)
		return 0;
	if (status == 502 || status == 503 || status == 504)
		return 1;
	if (error_code != NULL && (strcmp(error_code, "UNABLE_TO_LOCK_ROW") ==
	    0 || strcmp(error_code, "SERVER_UNAVAILABLE") == 0))
		return 1;
	return 0;
}

enum sfhttp_mut
sfhttp_mutation_class(int curlcode, long status, const char *error_code,
    int sent)
{
	if (curlcode == CURLE_OK) {
		if (error_code != NULL && strcmp(error_code,
		    "REQUEST_LIMIT_EXCEEDED") == 0)
			return SFHTTP_MUT_FINAL;
		/*
		 * 503 is Salesforce's own "unavailable" (maintenance,
		 * overload): the request was not taken up.  A 502 or 504 may
		 * come from an edge or a proxy after the request went on to
		 * an application server that committed it: ambiguous.
		 */
		if (status == 503)
			return SFHTTP_MUT_RETRY;
		return status == 502 || status == 504 ? SFHTTP_MUT_AMBIGUOUS :
		    SFHTTP_MUT_FINAL;
	}
	/* Once a byte left, Salesforce may have it all (and act on it). */
	if (sent)
		return SFHTTP_MUT_AMBIGUOUS;
	switch (curlcode) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
		return SFHTTP_MUT_RETRY;
	default:
		return SFHTTP_MUT_FINAL;	/* TLS verification: final */
	}
}

long
sfhttp_backoff_ms(long base, long cap, int n)
{
	long	 ceil = base;
	int	 i;

	for (i = 0; i < n && ceil < cap; i++)
		ceil *= 2;
	if (ceil > cap)
		ceil = cap;
	if (ceil <= 0)
		return 0;
	return (long)randombytes_uniform((uint32_t)ceil + 1);
}

/* ------------------------------------------------------------ tokens */

/*
 * A failed token request is the answer for every request that was
 * started before it failed and finds no token: one message for all, not
 * one more token request each.  A request started later tries again.
 */
static int
tok_failed(const struct sfhttp_tokstate *t, unsigned long seq)
{
	return t->failed && seq <= t->failed_seq;
}

enum sfhttp_tok_next
sfhttp_tok_before(const struct sfhttp_tokstate *t, unsigned long seq)
{
	if (t->have_token)
		return SFHTTP_SEND;
	if (!t->can_mint)
		return SFHTTP_NO_FLOW;
	if (t->minting)
		return SFHTTP_WAIT;
	if (tok_failed(t, seq))
		return SFHTTP_FAILED;
	return SFHTTP_MINT;
}

enum sfhttp_tok_next
sfhttp_tok_after_401(const struct sfhttp_tokstate *t, unsigned long seq,
    int repeated, unsigned used_gen)
{
	if (repeated)
		return SFHTTP_FINAL;	/* even a new token was refused */
	if (!t->can_mint)
		return SFHTTP_NO_FLOW;
	/* A token newer than the one refused came meanwhile: use it. */
	if (t->have_token && t->gen != used_gen)
		return SFHTTP_SEND;
	if (t->minting)
		return SFHTTP_WAIT;
	if (tok_failed(t, seq))
		return SFHTTP_FAILED;
	return SFHTTP_MINT;
}

void
sfhttp_mint_failed_msg(enum sfhttp_mint_why why, const char *err, char *out,
    size_t outlen)
{
	if (why == SFHTTP_MINT_REFUSED)
		snprintf(out, outlen, "Salesforce refused the access token and "
		    "a new one could not be obtained: %s", err);
	else
		snprintf(out, outlen, "no access token: %s", err);
}

static void	req_fail(struct sfhttp *, struct sfhttp_req *);

static void
tok_state(const struct sfhttp *h, struct sfhttp_tokstate *t)
{
	t->can_mint = auth_can_mint(h->auth);
	t->have_token = auth_has_token(h->auth);
	t->minting = h->mint != NULL;
	t->gen = h->token_gen;
	t->failed = h->mint_failed;
	t->failed_seq = h->mint_failed_seq;
}

/* Fail q with the message of the token request that failed. */
static void
tok_fail(struct sfhttp *h, struct sfhttp_req *q)
{
	q->r.sf_err = h->mint_failed_code;
	q->r.attempts = q->attempt;
	strlcpy_sf(q->r.error_msg, h->mint_failed_msg,
	    sizeof(q->r.error_msg));
	req_fail(h, q);
}

/* --------------------------------------------------------- requests */

static struct rq_list *
rq_list_of(struct sfhttp *h, enum rq_state st)
{
	switch (st) {
	case RQ_QUEUED:
		return &h->queue;
	case RQ_ACTIVE:
		return &h->active;
	case RQ_BACKOFF:
		return &h->backoff;
	case RQ_TOKEN:
		return &h->token;
	case RQ_DONE:
		return &h->done;
	case RQ_NEW:
		break;
	}
	return NULL;
}

/* Move q to the end of the list of state st (none for RQ_NEW). */
static void
rq_move(struct sfhttp_req *q, enum rq_state st)
{
	struct sfhttp	*h = q->h;
	struct rq_list	*l;

	/* On RQ_NEW's test, not on a NULL list: the clang analyzer took
	 * "rq_list_of() returned NULL" for "h is NULL" and then found
	 * null dereferences below (contrib/analyze.sh). */
	if (q->state != RQ_NEW) {
		l = rq_list_of(h, q->state);
		TAILQ_REMOVE(l, q, entry);
	}
	if (q->state == RQ_QUEUED)
		h->nqueued--;
	else if (q->state == RQ_ACTIVE)
		h->nactive--;
	q->state = st;
	if (st != RQ_NEW) {
		l = rq_list_of(h, st);
		TAILQ_INSERT_TAIL(l, q, entry);
	}
	if (st == RQ_QUEUED)
		h->nqueued++;
	else if (st == RQ_ACTIVE)
		h->nactive++;
}

/* Into the queue: the token request goes first, everything else last. */
static void
rq_enqueue(struct sfhttp_req *q)
{
	rq_move(q, RQ_QUEUED);
	if (q->is_mint) {
		TAILQ_REMOVE(&q->h->queue, q, entry);
		TAILQ_INSERT_HEAD(&q->h->queue, q, entry);
	}
}

/* Wipe and free a header list that may hold the token. */
static void
slist_wipe(struct curl_slist *l)
{
	struct curl_slist	*p;

	for (p = l; p != NULL; p = p->next)
		if (p->data != NULL)
			sodium_memzero(p->data, strlen(p->data));
	curl_slist_free_all(l);
}

static void
req_free(struct sfhttp_req *q)
{
	xfer_free(&q->x);
	sf_response_free(&q->r);
	if (q->hdrs != NULL)
		slist_wipe(q->hdrs);
	curl_slist_free_all(q->resolve);
	if (q->is_mint)
		auth_grant_free(q->body);
	else
		free(q->body);
	free(q->path);
	free(q);
}

/* A request that failed: its message is made safe, then done() is due. */
static void
req_fail(struct sfhttp *h, struct sfhttp_req *q)
{
	if (q->r.sf_err == SFE_OK)
		q->r.sf_err = SFE_INTERNAL;
	auth_redact(h->auth, q->r.error_msg);
	log_debug("%s failed after %d attempt%s: %s", q->method,
	    q->r.attempts, q->r.attempts == 1 ? "" : "s", q->r.error_msg);
	rq_move(q, RQ_DONE);
}

static CURL *
easy_get(struct sfhttp *h)
{
	CURL	*e;

	if (h->npool > 0)
		return h->pool[--h->npool];
	if ((e = curl_easy_init()) == NULL)
		fatalx("curl_easy_init: out of memory");
	return e;
}

static void
easy_put(struct sfhttp *h, CURL *e)
{
	curl_easy_reset(e);	/* connections stay in the multi's cache */
	if (h->npool < POOL_MAX)
		h->pool[h->npool++] = e;
	else
		curl_easy_cleanup(e);
}

/*
 * End q's transfer, finished or not: out of the multi handle (which
 * closes a connection in mid-transfer), the header list wiped, the easy
 * handle back to the pool.
 */
static void
transfer_end(struct sfhttp *h, struct sfhttp_req *q, long *status,
    long *ms)
{
	curl_off_t	 us = 0;
	CURLMcode	 mc;

	*status = 0;
	(void)curl_easy_getinfo(q->easy, CURLINFO_RESPONSE_CODE, status);
	(void)curl_easy_getinfo(q->easy, CURLINFO_TOTAL_TIME_T, &us);
	*ms = (long)(us / 1000);
	q->connects = 0;
	(void)curl_easy_getinfo(q->easy, CURLINFO_NUM_CONNECTS, &q->connects);
	/* Unknown counts as sent: a mutation's outcome is then unknown. */
	q->reqsize = 1;
	(void)curl_easy_getinfo(q->easy, CURLINFO_REQUEST_SIZE, &q->reqsize);
	if ((mc = curl_multi_remove_handle(h->multi, q->easy)) != CURLM_OK)
		log_warnx("curl_multi_remove_handle: %s",
		    curl_multi_strerror(mc));
	/* The token must not outlive the transfer in curl's copies. */
	(void)curl_easy_setopt(q->easy, CURLOPT_HTTPHEADER, NULL);
	(void)curl_easy_setopt(q->easy, CURLOPT_POSTFIELDS, NULL);
	slist_wipe(q->hdrs);
	q->hdrs = NULL;
	(void)curl_easy_setopt(q->easy, CURLOPT_RESOLVE, NULL);
	curl_slist_free_all(q->resolve);
	q->resolve = NULL;
	easy_put(h, q->easy);
	q->easy = NULL;
	rq_move(q, RQ_NEW);
}

static struct curl_slist *
slist_add(struct curl_slist *l, const char *line)
{
	struct curl_slist	*t;

	if ((t = curl_slist_append(l, line)) == NULL)
		fatalx("curl_slist_append: out of memory");
	return t;
}

static void	mint_over(struct sfhttp *, struct sfhttp_req *, int,
		    const char *);

#define SF_MAX_ROWS_STR	"200"	/* SF_MAX_ROWS, as text */
_Static_assert(SF_MAX_ROWS == 200, "SF_MAX_ROWS_STR is SF_MAX_ROWS");

/* /services/data/vNN.N/query or queryAll, a first batch or a locator. */
static int
http_is_query(const char *path)
{
	const char	*p;

	if (strncmp(path, "/services/data/v", 16) != 0 ||
	    (p = strchr(path + 16, '/')) == NULL)
		return 0;
	p++;
	if (strncmp(p, "queryAll", 8) == 0)
		p += 8;
	else if (strncmp(p, "query", 5) == 0)
		p += 5;
	else
		return 0;
	return *p == '?' || *p == '/';
}

/*
 * The org's usage from Sforce-Limit-Info: logged once each time it
 * crosses the share (and again when it falls back under it), and kept
 * for sfhttp_usage_over().
 */
static void
usage_note(struct sfhttp *h, const char *usage)
{
	char	 extra[160];
	int	 pct = sfhttp_usage_pct(usage), over;

	if (pct < 0)
		return;
	strlcpy_sf(h->usage, usage, sizeof(h->usage));
	over = pct >= h->usage_warn_pct;
	if (over != h->usage_over) {
		snprintf(extra, sizeof(extra), "\"api_usage\":\"%s\","
		    "\"percent\":%d,\"warn_pct\":%d", usage, pct,
		    h->usage_warn_pct);
		log_json(over ? LOG_LVL_WARNING : LOG_LVL_INFO, over ?
		    "the org's API usage passed the warning share" :
		    "the org's API usage is back under the warning share",
		    extra);
	}
	h->usage_over = over;
}

const char *
sfhttp_usage_over(const struct sfhttp *h)
{
	return h->usage_over ? h->usage : NULL;
}

int
sfhttp_usage_pct(const char *usage)
{
	unsigned long long	 n, m;
	char			*end;
	const char		*slash;

	if (usage == NULL || usage[0] < '0' || usage[0] > '9' ||
	    (slash = strchr(usage, '/')) == NULL || slash[1] < '0' ||
	    slash[1] > '9')
		return -1;
	errno = 0;
	n = strtoull(usage, &end, 10);
	if (errno != 0 || end != slash)
		return -1;
	m = strtoull(slash + 1, &end, 10);
	/* Allowances are far below 10^12: anything above is not believed,
	 * and keeps n * 100 from overflowing. */
	if (errno != 0 || *end != '\0' || m == 0 || m > 1000000000000ULL ||
	    n > m * 10)
		return -1;
	return (int)(n * 100 / m);
}

void
sfhttp_bucket_init(struct sfhttp_bucket *b, long per_hour, uint64_t now)
{
	b->cap = (double)per_hour;
	b->tokens = b->cap;
	b->per_ms = (double)per_hour / 3600000.0;
	b->at = now;
}

long
sfhttp_bucket_take(struct sfhttp_bucket *b, uint64_t now)
{
	if (now > b->at) {
		b->tokens += (double)(now - b->at) * b->per_ms;
		if (b->tokens > b->cap)
			b->tokens = b->cap;
		b->at = now;
	}
	if (b->tokens >= 1.0) {
		b->tokens -= 1.0;
		return 0;
	}
	return (long)((1.0 - b->tokens) / b->per_ms) + 1;
}

/* Put q's next attempt in flight; on failure q fails (or the mint). */
static void
attempt_start(struct sfhttp *h, struct sfhttp_req *q)
{
	char		*url = NULL, ct[128];
	CURL		*e;
	CURLcode	 rc;
	CURLMcode	 mc;

	/*
	 * Every attempt to the data API spends from the session's budget,
	 * retries included: a looping conversation or a compromised front
	 * cannot spend the org's daily allowance, which every integration
	 * shares.  (Token requests do not count against that allowance.)
	 */
	if (!q->is_mint) {
		long wait = sfhttp_bucket_take(&h->budget, now_ms());
		if (wait > 0) {
			char extra[160];
			snprintf(extra, sizeof(extra), "\"budget_per_hour\":%ld,"
			    "\"next_in_s\":%ld", h->budget_per_hour,
			    (wait + 999) / 1000);
			log_json(LOG_LVL_WARNING, "request budget spent", extra);
			q->r.sf_err = SFE_LIMIT;
			snprintf(q->r.error_msg, sizeof(q->r.error_msg), "this "
			    "session's request budget is spent: "
			    "SFDC_REQUEST_BUDGET allows %ld requests to "
			    "Salesforce an hour and all were used; the next "
			    "is possible in about %ld s.  Nothing was sent.  "
			    "Narrow the question (filters, fewer rows) or "
			    "raise SFDC_REQUEST_BUDGET", h->budget_per_hour,
			    (wait + 999) / 1000);
			q->r.attempts = q->attempt;
			req_fail(h, q);
			return;
		}
	}
	e = easy_get(h);
	memset(&q->x, 0, sizeof(q->x));
	q->x.secret = q->is_mint;
	if ((rc = setup(h, e)) != CURLE_OK)
		goto fail;
	if (q->is_mint)
		url = xstrdup(auth_token_url(h->auth));
	else
		xasprintf(&url, "%s%s", auth_instance_url(h->auth), q->path);
	rc = curl_easy_setopt(e, CURLOPT_URL, url);	/* curl copies it */
	/* The parent connects (netpass.c); the broker cannot. */
	if (rc == CURLE_OK && netpass_setup(e, url, &q->resolve) == -1)
		rc = CURLE_URL_MALFORMAT;
	free(url);
	if (rc != CURLE_OK ||
	    (rc = curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
	    h->total_timeout_ms)) != CURLE_OK ||
	    (rc = curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body)) !=
	    CURLE_OK ||
	    (rc = curl_easy_setopt(e, CURLOPT_WRITEDATA, &q->x)) != CURLE_OK ||
	    (rc = curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header)) !=
	    CURLE_OK ||
	    (rc = curl_easy_setopt(e, CURLOPT_HEADERDATA, &q->x)) != CURLE_OK ||
	    (rc = curl_easy_setopt(e, CURLOPT_PRIVATE, (void *)q)) != CURLE_OK)
		goto fail;

	q->hdrs = slist_add(NULL, "Accept: application/json");
	/* A query's batch: SF_MAX_ROWS records, Salesforce's minimum, so
	 * that no request reads more than a page (the default is 2,000;
	 * "not guaranteed", so a larger batch is still paged by the
	 * broker).  [DOC api_rest headers_queryoptions] */
	if (!q->is_mint && strcmp(q->method, "GET") == 0 && http_is_query(
	    q->path))
		q->hdrs = slist_add(q->hdrs, "Sforce-Query-Options: batchSize="
		    SF_MAX_ROWS_STR);
	if (q->is_mint || q->body != NULL) {
		snprintf(ct, sizeof(ct), "Content-Type: %s", q->is_mint ?
		    "application/x-www-form-urlencoded" : "application/json");
		q->hdrs = slist_add(q->hdrs, ct);
	}
	if (!q->is_mint) {
		if (auth_header(h->auth, h->authz, AUTH_HDR_MAX) == -1) {
			sodium_memzero(h->authz, AUTH_HDR_MAX);
			rc = CURLE_LOGIN_DENIED;
			goto fail;
		}
		q->hdrs = slist_add(q->hdrs, h->authz);
		sodium_memzero(h->authz, strnlen(h->authz, AUTH_HDR_MAX));
	}
	if ((rc = curl_easy_setopt(e, CURLOPT_HTTPHEADER, q->hdrs)) !=
	    CURLE_OK)
		goto fail;
	if (strcmp(q->method, "GET") == 0)
		rc = curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	else if ((rc = curl_easy_setopt(e, CURLOPT_POST, 1L)) == CURLE_OK &&
	    (rc = curl_easy_setopt(e, CURLOPT_POSTFIELDS, q->body != NULL ?
	    q->body : "")) == CURLE_OK &&
	    (rc = curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)(q->body != NULL ? q->bodylen : 0))) == CURLE_OK &&
	    strcmp(q->method, "POST") != 0)
		rc = curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, q->method);
	/*
	 * A mutation goes on a connection of its own: libcurl sends a
	 * request again by itself when a reused connection dies before any
	 * byte of the answer (Curl_retry_request), and for a mutation that
	 * Salesforce processed before the reset that is a second change.
	 * On a new connection libcurl does not, and the reset is ours to
	 * report (SFE_AMBIGUOUS).
	 */
	if (rc == CURLE_OK && !q->is_mint)
		rc = curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, q->idempotent ?
		    0L : 1L);
	if (rc != CURLE_OK)
		goto fail;

	q->easy = e;
	q->used_gen = h->token_gen;
	q->attempt++;
	if (q->start == 0)
		q->start = now_ms();
	if ((mc = curl_multi_add_handle(h->multi, e)) != CURLM_OK) {
		q->easy = NULL;
		q->attempt--;
		log_warnx("curl_multi_add_handle: %s", curl_multi_strerror(mc));
		rc = CURLE_FAILED_INIT;
		goto fail;
	}
	rq_move(q, RQ_ACTIVE);
	return;
fail:
	if (q->hdrs != NULL)
		slist_wipe(q->hdrs);
	q->hdrs = NULL;
	curl_slist_free_all(q->resolve);
	q->resolve = NULL;
	easy_put(h, e);
	if (q->is_mint) {
		char err[256];

		snprintf(err, sizeof(err), "libcurl: %s", curl_easy_strerror(rc));
		rq_move(q, RQ_NEW);
		mint_over(h, q, SFE_INTERNAL, err);
		return;
	}
	q->r.sf_err = rc == CURLE_LOGIN_DENIED ? SFE_AUTH : SFE_INTERNAL;
	snprintf(q->r.error_msg, sizeof(q->r.error_msg), "%s",
	    rc == CURLE_LOGIN_DENIED ? "no access token to send" :
	    curl_easy_strerror(rc));
	q->r.attempts = q->attempt;
	req_fail(h, q);
}

/* ------------------------------------------------------- token request */

/* Start the one token request, unless it is on its way already. */
static void
mint_start(struct sfhttp *h, enum sfhttp_mint_why why)
{
	struct sfhttp_req	*m;
	char			 err[512];

	if (h->mint != NULL)
		return;
	m = xcalloc(1, sizeof(*m));
	m->h = h;
	m->is_mint = 1;
	m->why = why;
	m->idempotent = 1;
	strlcpy_sf(m->method, "POST", sizeof(m->method));
	if (auth_grant_body(h->auth, &m->body, &m->bodylen, err,
	    sizeof(err)) == -1) {
		m->body = NULL;
		h->mint = m;
		mint_over(h, m, SFE_AUTH, err);
		return;
	}
	h->mint = m;
	rq_enqueue(m);
}

/*
 * The token request is over: err NULL, a new token is held and every
 * waiter goes back to the queue; otherwise every waiter fails with one
 * message.  m is freed.
 */
static void
mint_over(struct sfhttp *h, struct sfhttp_req *m, int code, const char *err)
{
	struct sfhttp_req	*q;
	enum sfhttp_mint_why	 why = m->why;

	h->mint = NULL;
	req_free(m);
	if (err == NULL) {
		h->mint_failed = 0;
		h->token_gen++;
		while ((q = TAILQ_FIRST(&h->token)) != NULL) {
			q->r.refreshed = 1;
			if (q->after_401) {
				q->after_401 = 0;
				q->repeated = 1;
				q->attempt--;	/* the repeat is not a retry */
			}
			rq_enqueue(q);
		}
		return;
	}
	sfhttp_mint_failed_msg(why, err, h->mint_failed_msg,
	    sizeof(h->mint_failed_msg));
	auth_redact(h->auth, h->mint_failed_msg);
	h->mint_failed = 1;
	h->mint_failed_seq = h->seq;
	h->mint_failed_code = code;
	while ((q = TAILQ_FIRST(&h->token)) != NULL)
		tok_fail(h, q);
}

/* The token endpoint's answer (or a failure to get one). */
static void
mint_done(struct sfhttp *h, struct sfhttp_req *m, CURLcode rc, long status)
{
	char	 err[512];
	int	 ret;

	if (m->x.too_big)
		rc = CURLE_FILESIZE_EXCEEDED;
	if (m->attempt < h->max_attempts && sfhttp_retryable(rc, status,
	    NULL)) {
		xfer_free(&m->x);
		m->wake = now_ms() + (uint64_t)sfhttp_backoff_ms(
		    h->backoff_base_ms, h->backoff_cap_ms, m->attempt - 1);
		rq_move(m, RQ_BACKOFF);
		return;
	}
	if (rc == CURLE_PEER_FAILED_VERIFICATION ||
	    rc == CURLE_SSL_CACERT_BADFILE) {
		snprintf(err, sizeof(err), "the TLS certificate of the token "
		    "endpoint %s could not be verified with %s (%s): check "
		    "SFDC_LOGIN_URL and SFDC_CA_FILE", auth_token_url(h->auth),
		    h->ca_name, curl_easy_strerror(rc));
		xfer_free(&m->x);
		mint_over(h, m, SFE_NETWORK, err);
		return;
	}
	if (rc == CURLE_OPERATION_TIMEDOUT) {
		snprintf(err, sizeof(err), "the token endpoint %s did not "
		    "answer: timed out (%d attempt%s): check SFDC_LOGIN_URL, the "
		    "network and any https_proxy", auth_token_url(h->auth),
		    m->attempt, m->attempt == 1 ? "" : "s");
		xfer_free(&m->x);
		mint_over(h, m, SFE_NETWORK, err);
		return;
	}
	if (rc != CURLE_OK) {
		snprintf(err, sizeof(err), "cannot reach the token endpoint "
		    "%s: %s: check SFDC_LOGIN_URL, the network and any "
		    "https_proxy", auth_token_url(h->auth),
		    curl_easy_strerror(rc));
		xfer_free(&m->x);
		mint_over(h, m, SFE_NETWORK, err);
		return;
	}
	ret = auth_token_response(h->auth, status, m->x.body, m->x.len, err,
	    sizeof(err));
	xfer_free(&m->x);	/* wipes the answer */
	if (ret == 0)
		log_json(LOG_LVL_INFO, "token refreshed", NULL);
	mint_over(h, m, SFE_AUTH, ret == 0 ? NULL : err);
}

/* -------------------------------------------------------- data answers */

static int
is_session_error(long status, const char *code)
{
	return status == 401 && (code[0] == '\0' ||
	    strcmp(code, "INVALID_SESSION_ID") == 0);
}

/* The final error of a request that will not be tried again. */
static void
data_error(struct sfhttp *h, struct sfhttp_req *q, CURLcode rc, long ms)
{
	struct sf_response	*r = &q->r;
	const char		*host = auth_instance_url(h->auth);
	int			 n = q->attempt;
	size_t			 len;

	if (rc == CURLE_FILESIZE_EXCEEDED) {
		r->sf_err = SFE_LIMIT;
		snprintf(r->error_msg, sizeof(r->error_msg), "Salesforce's "
		    "answer is larger than %u bytes; select fewer fields or "
		    "rows", SF_MAX_RESPONSE);
	} else if (rc == CURLE_PEER_FAILED_VERIFICATION ||
	    rc == CURLE_SSL_CACERT_BADFILE) {
		r->sf_err = SFE_NETWORK;
		snprintf(r->error_msg, sizeof(r->error_msg), "the TLS "
		    "certificate of %s could not be verified with %s (%s): "
		    "check SFDC_INSTANCE_URL and SFDC_CA_FILE", host,
		    h->ca_name, curl_easy_strerror(rc));
	} else if (rc == CURLE_OPERATION_TIMEDOUT) {
		r->sf_err = SFE_NETWORK;
		snprintf(r->error_msg, sizeof(r->error_msg), "Salesforce at %s "
		    "did not answer: timed out after %ld ms (%d attempt%s): "
		    "check the network and any https_proxy, or raise "
		    "SFDC_HTTP_TIMEOUT_MS for slow queries", host, ms, n,
		    n == 1 ? "" : "s");
	} else if (rc != CURLE_OK) {
		r->sf_err = SFE_NETWORK;
		snprintf(r->error_msg, sizeof(r->error_msg), "cannot reach "
		    "Salesforce at %s after %d attempt%s: %s: check "
		    "SFDC_INSTANCE_URL, the network and any https_proxy", host,
		    n, n == 1 ? "" : "s", curl_easy_strerror(rc));
	} else if (strcmp(r->error_code, "REQUEST_LIMIT_EXCEEDED") == 0) {
		len = strlen(r->error_msg);
		r->sf_err = SFE_LIMIT;
		snprintf(r->error_msg + len, sizeof(r->error_msg) - len,
		    " (the org's API usage is %s). Not retried: wait for the "
		    "rolling 24-hour allocation to free up, or ask a Salesforce "
		    "admin to raise it", r->api_usage[0] != '\0' ?
		    r->api_usage : "unknown");
	} else if (r->status == 401) {
		len = strlen(r->error_msg);
		r->sf_err = SFE_AUTH;
		if (q->repeated)
			snprintf(r->error_msg + len, sizeof(r->error_msg) - len,
			    " (even with a token obtained just now: check that "
			    "the integration user is active and has the API "
			    "Enabled permission)");
	} else if (r->status == 404) {
		r->sf_err = SFE_NOT_FOUND;
	} else {
		r->sf_err = SFE_SALESFORCE;
		if (r->status >= 500 && n > 1) {
			len = strlen(r->error_msg);
			snprintf(r->error_msg + len, sizeof(r->error_msg) - len,
			    " (after %d attempts)", n);
		}
	}
	req_fail(h, q);
}

/* One attempt of a data request is over: done, again, or wait. */
static void
data_done(struct sfhttp *h, struct sfhttp_req *q, CURLcode rc, long status,
    long ms)
{
	struct sf_response	*r = &q->r;
	struct sfhttp_tokstate	 ts;
	enum sfhttp_tok_next	 next;
	long			 delay;

	if (q->x.too_big)
		rc = CURLE_FILESIZE_EXCEEDED;
	r->attempts = q->attempt;
	if (q->x.api_usage[0] != '\0') {
		strlcpy_sf(r->api_usage, q->x.api_usage, sizeof(r->api_usage));
		usage_note(h, q->x.api_usage);
	}
	if (rc == CURLE_OK && status >= 200 && status < 300) {
		r->status = status;
		r->body = q->x.body;
		r->len = q->x.len;
		memset(&q->x, 0, sizeof(q->x));
		r->sf_err = SFE_OK;
		r->error_code[0] = r->error_msg[0] = '\0';
		log_debug("%s %zu-byte path: HTTP %ld in %llu ms, %d attempt%s, "
		    "%s connection", q->method, strlen(q->path), status,
		    (unsigned long long)(now_ms() - q->start), r->attempts,
		    r->attempts == 1 ? "" : "s", q->connects > 0 ? "a new" :
		    "a reused");
		rq_move(q, RQ_DONE);
		return;
	}
	r->status = rc == CURLE_OK ? status : 0;
	if (rc == CURLE_OK)
		sfhttp_parse_error(h->auth, status, q->x.body, q->x.len, r);
	else
		r->error_code[0] = r->error_msg[0] = '\0';
	xfer_free(&q->x);

	/* 401: a new token, then once more (nothing was done). */
	if (rc == CURLE_OK && is_session_error(status, r->error_code)) {
		tok_state(h, &ts);
		switch ((next = sfhttp_tok_after_401(&ts, q->seq, q->repeated,
		    q->used_gen))) {
		case SFHTTP_SEND:
			q->repeated = 1;
			q->attempt--;	/* the repeat is not a retry */
			r->refreshed = 1;
			rq_enqueue(q);
			return;
		case SFHTTP_MINT:
		case SFHTTP_WAIT:
			q->after_401 = 1;
			rq_move(q, RQ_TOKEN);
			if (next == SFHTTP_MINT) {
				auth_drop_token(h->auth);
				mint_start(h, SFHTTP_MINT_REFUSED);
			}
			return;
		case SFHTTP_FAILED:
			tok_fail(h, q);
			return;
		case SFHTTP_NO_FLOW:
			r->sf_err = SFE_AUTH;
			snprintf(r->error_msg, sizeof(r->error_msg), "Salesforce "
			    "refused the access token (expired or revoked) and "
			    "this server has no way to get a new one: set a "
			    "fresh SFDC_ACCESS_TOKEN, or configure SFDC_CLIENT_ID "
			    "with SFDC_REFRESH_TOKEN (or the JWT or "
			    "client-credentials flow) so tokens renew "
			    "themselves");
			req_fail(h, q);
			return;
		case SFHTTP_FINAL:
			break;
		}
	}
	if (!q->idempotent) {
		switch (sfhttp_mutation_class(rc, r->status, r->error_code,
		    q->reqsize > 0)) {
		case SFHTTP_MUT_AMBIGUOUS:
			r->sf_err = SFE_AMBIGUOUS;
			snprintf(r->error_msg, sizeof(r->error_msg), "the "
			    "request was sent to Salesforce at %s and no whole "
			    "answer came back (%s, after %ld ms): whether it "
			    "was applied is unknown, and it is not sent again",
			    auth_instance_url(h->auth), curl_easy_strerror(rc),
			    ms);
			log_json(LOG_LVL_WARNING, "http ambiguous", NULL);
			req_fail(h, q);
			return;
		case SFHTTP_MUT_RETRY:
			break;
		case SFHTTP_MUT_FINAL:
			data_error(h, q, rc, ms);
			return;
		}
	}
	if (q->attempt < h->max_attempts && (!q->idempotent ||
	    sfhttp_retryable(rc, r->status, r->error_code))) {
		delay = sfhttp_backoff_ms(h->backoff_base_ms, h->backoff_cap_ms,
		    q->attempt - 1);
		if ((long)(now_ms() - q->start) + delay < h->retry_budget_ms) {
			char extra[160];

			snprintf(extra, sizeof(extra), "\"method\":\"%s\","
			    "\"attempt\":%d,\"status\":%ld,\"curl\":%d,"
			    "\"delay_ms\":%ld", q->method, q->attempt,
			    r->status, (int)rc, delay);
			log_json(LOG_LVL_INFO, "http retry", extra);
			q->wake = now_ms() + (uint64_t)delay;
			rq_move(q, RQ_BACKOFF);
			return;
		}
	}
	data_error(h, q, rc, ms);
}

/* ---------------------------------------------------------- the loop */

/* Fill the free transfer slots from the queue, in order. */
static void
kick(struct sfhttp *h)
{
	struct sfhttp_req	*q;
	struct sfhttp_tokstate	 ts;

	while (h->nactive < h->max_transfers &&
	    (q = TAILQ_FIRST(&h->queue)) != NULL) {
		if (q->is_mint) {
			attempt_start(h, q);
			continue;
		}
		tok_state(h, &ts);
		switch (sfhttp_tok_before(&ts, q->seq)) {
		case SFHTTP_SEND:
			attempt_start(h, q);
			break;
		case SFHTTP_MINT:
			rq_move(q, RQ_TOKEN);
			mint_start(h, SFHTTP_MINT_NO_TOKEN);
			break;
		case SFHTTP_WAIT:
			rq_move(q, RQ_TOKEN);
			break;
		case SFHTTP_FAILED:
			tok_fail(h, q);
			break;
		case SFHTTP_NO_FLOW:
		case SFHTTP_FINAL:
			q->r.sf_err = SFE_AUTH;
			snprintf(q->r.error_msg, sizeof(q->r.error_msg), "no "
			    "access token: set SFDC_ACCESS_TOKEN or a refresh, "
			    "JWT or client credentials flow");
			req_fail(h, q);
			break;
		}
	}
}

/* Retry timers that are due put their request back in the queue. */
static void
timers_run(struct sfhttp *h)
{
	struct sfhttp_req	*q, *next;
	uint64_t		 now = now_ms();

	for (q = TAILQ_FIRST(&h->backoff); q != NULL; q = next) {
		next = TAILQ_NEXT(q, entry);
		if (q->wake <= now)
			rq_enqueue(q);
	}
}

/* Call done() for the requests that are over; each is freed after. */
static void
deliver(struct sfhttp *h)
{
	struct sfhttp_req	*q;

	while ((q = TAILQ_FIRST(&h->done)) != NULL) {
		/* analyze.suppress: q is on the list of its state (rq_move
		 * changes both), so this takes it off h->done before
		 * req_free(); the analyzer does not know the invariant and
		 * reads q again at the next turn. */
		rq_move(q, RQ_NEW);
		q->done(q->arg, &q->r);
		req_free(q);
	}
}

static void
run_ready(struct sfhttp *h)
{
	do {
		timers_run(h);
		kick(h);
		deliver(h);	/* done() may start new requests */
	} while (!TAILQ_EMPTY(&h->done) || (h->nactive < h->max_transfers &&
	    !TAILQ_EMPTY(&h->queue)));
}

/* Transfers libcurl says are over. */
static void
collect(struct sfhttp *h)
{
	struct sfhttp_req	*q;
	CURLMsg			*m;
	CURL			*e;
	CURLcode		 rc;
	char			*p;
	long			 status, ms;
	int			 left;

	while ((m = curl_multi_info_read(h->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		/* m does not survive curl_multi_remove_handle(). */
		e = m->easy_handle;
		rc = m->data.result;
		p = NULL;
		if (curl_easy_getinfo(e, CURLINFO_PRIVATE, &p) != CURLE_OK ||
		    p == NULL)
			fatalx("a transfer without its request");
		q = (struct sfhttp_req *)(void *)p;
		transfer_end(h, q, &status, &ms);
		if (q->is_mint)
			mint_done(h, q, rc, status);
		else
			data_done(h, q, rc, status, ms);
	}
}

static void
socket_action(struct sfhttp *h, curl_socket_t s, int ev)
{
	CURLMcode	 mc;
	int		 running;

	mc = curl_multi_socket_action(h->multi, s, ev, &running);
	if (mc != CURLM_OK && mc != CURLM_BAD_SOCKET)
		log_warnx("curl_multi_socket_action: %s",
		    curl_multi_strerror(mc));
}

int
sfhttp_poll(struct sfhttp *h, struct pollfd *extra, size_t nextra)
{
	struct sfhttp_req	*q;
	uint64_t		 due, now;
	size_t			 i, n;
	int			 timeout, ev;
	short			 re;

	/*
	 * What changed since the last call (requests started or aborted)
	 * may start transfers now; done() calls wait until after poll, so
	 * that the caller sees their answers when this returns.
	 */
	timers_run(h);
	kick(h);
	n = nextra + h->nsocks;
	if (n > h->cappfd) {
		h->pfd = xreallocarray(h->pfd, n, sizeof(*h->pfd));
		h->cappfd = n;
	}
	for (i = 0; i < nextra; i++)
		h->pfd[i] = extra[i];
	for (i = 0; i < h->nsocks; i++)
		h->pfd[nextra + i] = h->socks[i];
	for (i = 0; i < n; i++)
		h->pfd[i].revents = 0;

	due = h->curl_due;
	TAILQ_FOREACH(q, &h->backoff, entry)
		if (due == 0 || q->wake < due)
			due = q->wake;
	if (!TAILQ_EMPTY(&h->done))
		timeout = 0;
	else if (due == 0)
		timeout = -1;
	else if (due <= (now = now_ms()))
		timeout = 0;
	else
		timeout = due - now > INT_MAX ? INT_MAX : (int)(due - now);

	if (poll(h->pfd, (nfds_t)n, timeout) == -1) {
		for (i = 0; i < nextra; i++)
			extra[i].revents = 0;
		return errno == EINTR ? 0 : -1;
	}
	for (i = 0; i < nextra; i++)
		extra[i].revents = h->pfd[i].revents;
	for (i = nextra; i < n; i++) {
		if ((re = h->pfd[i].revents) == 0)
			continue;
		ev = 0;
		if (re & (POLLIN | POLLHUP | POLLERR))
			ev |= CURL_CSELECT_IN;
		if (re & POLLOUT)
			ev |= CURL_CSELECT_OUT;
		if (re & POLLERR)
			ev |= CURL_CSELECT_ERR;
		socket_action(h, h->pfd[i].fd, ev);
	}
	if (h->curl_due != 0 && now_ms() >= h->curl_due) {
		h->curl_due = 0;	/* libcurl sets the next one */
		socket_action(h, CURL_SOCKET_TIMEOUT, 0);
	}
	collect(h);
	run_ready(h);
	return 0;
}

struct sfhttp_req *
sfhttp_start(struct sfhttp *h, const char *method, const char *path,
    const char *body, int idempotent, sfhttp_done_fn done, void *arg)
{
	struct sfhttp_req	*q;

	if (strncmp(path, "/services/data/", 15) != 0)
		fatalx("sfhttp_start: path outside /services/data/");
	q = xcalloc(1, sizeof(*q));
	if (strlcpy_sf(q->method, method, sizeof(q->method)) >=
	    sizeof(q->method))
		fatalx("sfhttp_start: method %s", method);
	q->h = h;
	q->path = xstrdup(path);
	if (body != NULL) {
		q->body = xstrdup(body);
		q->bodylen = strlen(body);
	}
	q->idempotent = idempotent;
	q->seq = ++h->seq;
	q->done = done;
	q->arg = arg;
	rq_enqueue(q);		/* started by the next sfhttp_poll() */
	return q;
}

void
sfhttp_abort(struct sfhttp_req *q)
{
	long	 status, ms;

	if (q->state == RQ_ACTIVE)
		transfer_end(q->h, q, &status, &ms);
	else
		rq_move(q, RQ_NEW);
	req_free(q);
}

int
sfhttp_running(const struct sfhttp *h)
{
	return h->nactive;
}

int
sfhttp_queued(const struct sfhttp *h)
{
	return h->nqueued;
}

void
sfhttp_free(struct sfhttp *h)
{
	struct rq_list	*lists[5];
	struct sfhttp_req *q;
	size_t		 i;

	if (h == NULL)
		return;
	lists[0] = &h->active;
	lists[1] = &h->queue;
	lists[2] = &h->backoff;
	lists[3] = &h->token;
	lists[4] = &h->done;
	if (h->multi != NULL)
		for (i = 0; i < 5; i++)
			/* analyze.suppress: sfhttp_abort() takes q off
			 * lists[i], the list of its state, before freeing it
			 * (the analyzer cannot tie q->state to lists[i]). */
			while ((q = TAILQ_FIRST(lists[i])) != NULL)
				sfhttp_abort(q);	/* the mint too */
	h->mint = NULL;
	for (i = 0; i < (size_t)h->npool; i++)
		curl_easy_cleanup(h->pool[i]);
	if (h->multi != NULL)
		curl_multi_cleanup(h->multi);
	free(h->socks);
	free(h->pfd);
	free(h->ca);
	X509_STORE_free(h->trust);
	if (h->authz != NULL)
		sodium_free(h->authz);	/* wipes */
	free(h);
}

char *
sfhttp_urlencode(const char *s)
{
	char	*enc, *out;

	/* RFC 3986 unreserved characters are kept, all else is %XX. */
	if ((enc = curl_easy_escape(NULL, s, 0)) == NULL)
		fatalx("curl_easy_escape: out of memory");
	out = xstrdup(enc);
	curl_free(enc);
	return out;
}
