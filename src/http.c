/*
 * http.c: the broker's HTTPS client for Salesforce, on libcurl.
 *
 * One easy handle, kept for the life of the broker so its connection is
 * reused.  HTTPS only (for the request and for any redirect, which we do
 * not follow anyway), peer and host verification always on, TLS 1.2 or
 * newer.  The CA bundle comes in memory from the parent, which read it
 * before any sandbox (like ntpd's constraint.c), so nothing is opened
 * here, and its path need not be readable by the broker's user.
 *
 * Retries: an idempotent request is tried again after a 502/503/504, a
 * connection failure, a truncated answer or UNABLE_TO_LOCK_ROW, with
 * exponential backoff and full jitter, within max_attempts and a time
 * budget.  REQUEST_LIMIT_EXCEEDED is never retried.  Any request, even a
 * mutation, is repeated once after a 401 when auth.c can obtain a new
 * token: Salesforce refused it before doing anything.
 *
 * Secrets: the Authorization header is built in a stack buffer and in a
 * curl_slist, both wiped right after the transfer; token endpoint
 * answers are wiped after auth.c has read them.  Error texts pass
 * through auth_redact() before they leave this file.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <sodium.h>

#include "sfrevops.h"
#include "auth.h"
#include "http.h"

#define AUTH_HDR_MAX	(SECRET_MAX + 32)

struct sfhttp {
	CURL		*curl;
	struct auth	*auth;
	char		*ca;		/* the CA bundle, PEM */
	size_t		 calen;
	char		 ca_name[256];	/* for messages */
	long		 connect_timeout_ms;
	long		 total_timeout_ms;
	int		 max_attempts;
	long		 retry_budget_ms;
	long		 backoff_base_ms;
	long		 backoff_cap_ms;
	char		 user_agent[64];
};

/* What one transfer collects. */
struct xfer {
	char	*body;
	size_t	 len;
	size_t	 cap;
	int	 too_big;
	char	 api_usage[64];
};

static int	curl_ready;

/* ------------------------------------------------------------ set-up */

/*
 * The options every transfer has.  HTTPS only, verification on, the CA
 * bundle from memory and nowhere else, no redirects.
 */
static CURLcode
setup(struct sfhttp *h)
{
	struct curl_blob	 blob;
	CURLcode		 rc;

	blob.data = h->ca;
	blob.len = h->calen;
	blob.flags = CURL_BLOB_NOCOPY;
#define SET(opt, val) do {						\
	if ((rc = curl_easy_setopt(h->curl, opt, val)) != CURLE_OK)	\
		return rc;						\
} while (0)
	SET(CURLOPT_PROTOCOLS_STR, "https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "https");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_MAXREDIRS, 0L);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
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

struct sfhttp *
sfhttp_new(const struct sfhttp_config *c, struct auth *auth)
{
	struct sfhttp	*h;
	CURLcode	 rc;

	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			log_warnx("curl_global_init failed");
			return NULL;
		}
		curl_ready = 1;
	}
	h = xcalloc(1, sizeof(*h));
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
	snprintf(h->user_agent, sizeof(h->user_agent), "%s/%s (libcurl)",
	    SFREVOPS_NAME, PACKAGE_VERSION);
	if (c->ca_pem == NULL || c->ca_len == 0 || c->ca_len > CA_BUNDLE_MAX) {
		log_warnx("no CA bundle to trust");
		goto fail;
	}
	strlcpy_sf(h->ca_name, c->ca_name != NULL ? c->ca_name : "the CA "
	    "bundle", sizeof(h->ca_name));
	h->ca = xmalloc(c->ca_len + 1);
	memcpy(h->ca, c->ca_pem, c->ca_len);
	h->ca[c->ca_len] = '\0';
	h->calen = c->ca_len;
	if ((h->curl = curl_easy_init()) == NULL) {
		log_warnx("curl_easy_init failed");
		goto fail;
	}
	if ((rc = setup(h)) != CURLE_OK) {
		log_warnx("libcurl: %s", curl_easy_strerror(rc));
		goto fail;
	}
	return h;
fail:
	sfhttp_free(h);
	return NULL;
}

void
sfhttp_free(struct sfhttp *h)
{
	if (h == NULL)
		return;
	if (h->curl != NULL)
		curl_easy_cleanup(h->curl);
	free(h->ca);
	free(h);
}

void
sf_response_free(struct sf_response *r)
{
	free(r->body);
	r->body = NULL;
	r->len = 0;
}

/* ---------------------------------------------------------- callbacks */

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct xfer	*x = arg;
	size_t		 len = size * n;

	if (len > SF_MAX_RESPONSE || x->len + len > SF_MAX_RESPONSE) {
		x->too_big = 1;
		return 0;	/* makes curl stop with CURLE_WRITE_ERROR */
	}
	if (x->len + len + 1 > x->cap) {
		size_t cap = x->cap == 0 ? 16384 : x->cap;
		while (cap < x->len + len + 1)
			cap *= 2;
		x->body = xreallocarray(x->body, 1, cap);
		x->cap = cap;
	}
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
		p += 10;
		for (i = 0; p + i < end && (('0' <= p[i] && p[i] <= '9') ||
		    p[i] == '/'); i++)
			;
		n = i;
		if (n == 0 || n + 1 > outlen || memchr(p, '/', n) == NULL ||
		    p[0] == '/' || p[n - 1] == '/')
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
 * make everything one clean line.
 */
static void
message_clean(char *dst, size_t dstlen, const char *msg)
{
	const char	*at, *rest;
	char		 pos[64] = "";
	size_t		 o;
	int		 row, col;

	if ((at = strstr(msg, "ERROR at Row:")) != NULL &&
	    sscanf(at, "ERROR at Row:%d:Column:%d", &row, &col) == 2 &&
	    (rest = strchr(at, '\n')) != NULL) {
		snprintf(pos, sizeof(pos), "(at row %d, column %d) ", row, col);
		msg = rest + 1;
	}
	if (dstlen == 0)
		return;
	o = strlcpy_sf(dst, pos, dstlen);
	if (o < dstlen)
		str_oneline(dst + o, dstlen - o, msg);
}

void
sfhttp_parse_error(long status, const char *body, size_t len,
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
	if (cJSON_IsString(code))
		message_clean(r->error_code, sizeof(r->error_code),
		    code->valuestring);
	if (cJSON_IsString(msg)) {
		message_clean(clean, sizeof(clean), msg->valuestring);
		if (r->error_code[0] != '\0')
			snprintf(r->error_msg, sizeof(r->error_msg), "%s: %s",
			    r->error_code, clean);
		else
			snprintf(r->error_msg, sizeof(r->error_msg), "%s",
			    clean);
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

static void
sleep_ms(long ms)
{
	struct timespec	 ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* --------------------------------------------------------- transfers */

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

/*
 * One HTTP exchange.  Returns the CURLcode; *status is 0 when no answer
 * arrived.  url and body are borrowed; with_auth adds the bearer token.
 */
static CURLcode
transfer(struct sfhttp *h, const char *method, const char *url,
    const char *body, size_t bodylen, const char *content_type,
    int with_auth, struct xfer *x, long *status)
{
	struct curl_slist	*hdrs = NULL, *t;
	char			*authz;
	char			 ct[128];
	CURLcode		 rc;

	*status = 0;
	memset(x, 0, sizeof(*x));
	curl_easy_reset(h->curl);
	if ((rc = setup(h)) != CURLE_OK)
		return rc;
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, h->total_timeout_ms);
	if ((rc = curl_easy_setopt(h->curl, CURLOPT_URL, url)) != CURLE_OK)
		return rc;
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(h->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h->curl, CURLOPT_HEADERDATA, x);

	if ((t = curl_slist_append(hdrs, "Accept: application/json")) == NULL)
		fatalx("curl_slist_append");
	hdrs = t;
	if (content_type != NULL) {
		snprintf(ct, sizeof(ct), "Content-Type: %s", content_type);
		if ((t = curl_slist_append(hdrs, ct)) == NULL)
			fatalx("curl_slist_append");
		hdrs = t;
	}
	if (with_auth) {
		if ((authz = sodium_malloc(AUTH_HDR_MAX)) == NULL)
			fatalx("sodium_malloc");
		if (auth_header(h->auth, authz, AUTH_HDR_MAX) == -1) {
			sodium_free(authz);
			slist_wipe(hdrs);
			return CURLE_LOGIN_DENIED;
		}
		t = curl_slist_append(hdrs, authz);
		sodium_free(authz);
		if (t == NULL)
			fatalx("curl_slist_append");
		hdrs = t;
	}
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, hdrs);
	if (strcmp(method, "GET") == 0)
		curl_easy_setopt(h->curl, CURLOPT_HTTPGET, 1L);
	else {
		curl_easy_setopt(h->curl, CURLOPT_POST, 1L);
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS,
		    body != NULL ? body : "");
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)(body != NULL ? bodylen : 0));
		if (strcmp(method, "POST") != 0)
			curl_easy_setopt(h->curl, CURLOPT_CUSTOMREQUEST,
			    method);
	}
	rc = curl_easy_perform(h->curl);
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, status);
	/* The token must not outlive the request in curl's copies. */
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, NULL);
	slist_wipe(hdrs);
	if (x->too_big)
		return CURLE_FILESIZE_EXCEEDED;
	return rc;
}

/* Ask the token endpoint for a new access token. */
static int
mint(struct sfhttp *h, char *errbuf, size_t errlen)
{
	struct xfer	 x;
	char		*body;
	size_t		 len;
	long		 status;
	CURLcode	 rc;
	int		 attempt, ret;

	if (auth_grant_body(h->auth, &body, &len, errbuf, errlen) == -1)
		return -1;
	for (attempt = 0;; attempt++) {
		rc = transfer(h, "POST", auth_token_url(h->auth), body, len,
		    "application/x-www-form-urlencoded", 0, &x, &status);
		if (attempt + 1 < h->max_attempts &&
		    sfhttp_retryable(rc, status, NULL)) {
			if (x.body != NULL)
				sodium_memzero(x.body, x.len);
			free(x.body);
			sleep_ms(sfhttp_backoff_ms(h->backoff_base_ms,
			    h->backoff_cap_ms, attempt));
			continue;
		}
		break;
	}
	auth_grant_free(body);
	if (rc != CURLE_OK) {
		snprintf(errbuf, errlen, "cannot reach the token endpoint %s: "
		    "%s", auth_token_url(h->auth), curl_easy_strerror(rc));
		ret = -1;
	} else
		ret = auth_token_response(h->auth, status, x.body, x.len,
		    errbuf, errlen);
	if (x.body != NULL)
		sodium_memzero(x.body, x.len);
	free(x.body);
	if (ret == 0)
		log_json(LOG_LVL_INFO, "token refreshed", NULL);
	return ret;
}

static int
is_session_error(long status, const char *code)
{
	return status == 401 && (code[0] == '\0' ||
	    strcmp(code, "INVALID_SESSION_ID") == 0);
}

int
sfhttp_request(struct sfhttp *h, const char *method, const char *path,
    const char *body, int idempotent, struct sf_response *r)
{
	struct xfer	 x;
	char		*url = NULL, err[512];
	uint64_t	 start = now_ms();
	long		 status, delay;
	CURLcode	 rc = CURLE_OK;
	int		 attempt = 0, refreshed = 0;

	memset(r, 0, sizeof(*r));
	if (strncmp(path, "/services/data/", 15) != 0)
		fatalx("sfhttp_request: path outside /services/data/");
	if (!auth_has_token(h->auth)) {
		if (!auth_can_mint(h->auth) || mint(h, err, sizeof(err)) == -1) {
			r->sf_err = SFE_AUTH;
			snprintf(r->error_msg, sizeof(r->error_msg), "no access "
			    "token: %s", auth_can_mint(h->auth) ? err :
			    "set SFDC_ACCESS_TOKEN or a refresh, JWT or client "
			    "credentials flow");
			auth_redact(h->auth, r->error_msg);
			return -1;
		}
		r->refreshed = 1;
	}
	for (;;) {
		free(url);
		xasprintf(&url, "%s%s", auth_instance_url(h->auth), path);
		attempt++;
		rc = transfer(h, method, url, body, body != NULL ?
		    strlen(body) : 0, body != NULL ? "application/json" : NULL,
		    1, &x, &status);
		r->attempts = attempt;
		if (x.api_usage[0] != '\0')
			strlcpy_sf(r->api_usage, x.api_usage,
			    sizeof(r->api_usage));
		if (rc == CURLE_OK && status >= 200 && status < 300) {
			r->status = status;
			r->body = x.body;
			r->len = x.len;
			break;
		}
		r->status = rc == CURLE_OK ? status : 0;
		if (rc == CURLE_OK)
			sfhttp_parse_error(status, x.body, x.len, r);
		/* 401: a new token, then once more (nothing was done). */
		if (rc == CURLE_OK && is_session_error(status, r->error_code) &&
		    !refreshed) {
			free(x.body);
			refreshed = 1;
			if (!auth_can_mint(h->auth)) {
				r->sf_err = SFE_AUTH;
				snprintf(r->error_msg, sizeof(r->error_msg),
				    "Salesforce refused the access token "
				    "(expired or revoked) and this server has "
				    "no way to get a new one: set a fresh "
				    "SFDC_ACCESS_TOKEN, or configure "
				    "SFDC_CLIENT_ID with SFDC_REFRESH_TOKEN "
				    "(or the JWT or client-credentials flow) "
				    "so tokens renew themselves");
				goto fail;
			}
			auth_drop_token(h->auth);
			if (mint(h, err, sizeof(err)) == -1) {
				r->sf_err = SFE_AUTH;
				snprintf(r->error_msg, sizeof(r->error_msg),
				    "Salesforce refused the access token and "
				    "a new one could not be obtained: %s", err);
				goto fail;
			}
			r->refreshed = 1;
			attempt--;	/* the repeat is not a retry */
			continue;
		}
		if (idempotent && attempt < h->max_attempts &&
		    sfhttp_retryable(rc, r->status, r->error_code)) {
			delay = sfhttp_backoff_ms(h->backoff_base_ms,
			    h->backoff_cap_ms, attempt - 1);
			if ((long)(now_ms() - start) + delay <
			    h->retry_budget_ms) {
				char extra[160];
				snprintf(extra, sizeof(extra), "\"method\":\"%s\","
				    "\"attempt\":%d,\"status\":%ld,"
				    "\"curl\":%d,\"delay_ms\":%ld", method,
				    attempt, r->status, (int)rc, delay);
				log_json(LOG_LVL_INFO, "http retry", extra);
				free(x.body);
				sleep_ms(delay);
				continue;
			}
		}
		free(x.body);
		if (rc != CURLE_OK) {
			r->sf_err = SFE_NETWORK;
			if (rc == CURLE_FILESIZE_EXCEEDED)
				snprintf(r->error_msg, sizeof(r->error_msg),
				    "Salesforce's answer is larger than %u "
				    "bytes; select fewer fields or rows",
				    SF_MAX_RESPONSE);
			else if (rc == CURLE_PEER_FAILED_VERIFICATION ||
			    rc == CURLE_SSL_CACERT_BADFILE)
				snprintf(r->error_msg, sizeof(r->error_msg),
				    "the TLS certificate of %s could not be "
				    "verified with %s (%s): check "
				    "SFDC_INSTANCE_URL and SFDC_CA_FILE",
				    auth_instance_url(h->auth), h->ca_name,
				    curl_easy_strerror(rc));
			else
				snprintf(r->error_msg, sizeof(r->error_msg),
				    "cannot reach Salesforce at %s after %d "
				    "attempt%s: %s", auth_instance_url(h->auth),
				    attempt, attempt == 1 ? "" : "s",
				    curl_easy_strerror(rc));
		} else if (strcmp(r->error_code, "REQUEST_LIMIT_EXCEEDED") ==
		    0) {
			size_t n = strlen(r->error_msg);
			r->sf_err = SFE_LIMIT;
			snprintf(r->error_msg + n, sizeof(r->error_msg) - n,
			    " (the org's API usage is %s). Not retried: wait "
			    "for the rolling 24-hour allocation to free up, or "
			    "ask a Salesforce admin to raise it",
			    r->api_usage[0] != '\0' ? r->api_usage : "unknown");
		} else if (status == 401) {
			size_t n = strlen(r->error_msg);
			r->sf_err = SFE_AUTH;
			if (refreshed)
				snprintf(r->error_msg + n, sizeof(r->error_msg) -
				    n, " (even with a token obtained just now: "
				    "check that the integration user is active "
				    "and has the API Enabled permission)");
		} else if (status == 404) {
			r->sf_err = SFE_NOT_FOUND;
		} else {
			r->sf_err = SFE_SALESFORCE;
			if (status >= 500 && attempt > 1) {
				size_t n = strlen(r->error_msg);
				snprintf(r->error_msg + n,
				    sizeof(r->error_msg) - n, " (after %d "
				    "attempts)", attempt);
			}
		}
		goto fail;
	}
	free(url);
	log_debug("%s %zu-byte path: HTTP %ld in %llu ms, %d attempt%s",
	    method, strlen(path), r->status,
	    (unsigned long long)(now_ms() - start), r->attempts,
	    r->attempts == 1 ? "" : "s");
	return 0;
fail:
	free(url);
	if (r->sf_err == SFE_OK)
		r->sf_err = SFE_INTERNAL;
	auth_redact(h->auth, r->error_msg);
	log_debug("%s failed after %d attempt%s: %s", method, r->attempts,
	    r->attempts == 1 ? "" : "s", r->error_msg);
	return -1;
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
