/*
 * http_test.c: the broker's HTTPS client and OAuth, without a network.
 *
 * The pure parts (retry classes, backoff, the usage header, the token
 * decisions, percent-encoding, auth.c's grant bodies and token answers),
 * then the asynchronous client itself against a listener on 127.0.0.1
 * that this test polls through sfhttp_poll(): it accepts connections and
 * closes them, so every attempt fails in the TLS handshake, retryably.
 */
#include "config.h"

#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "sfrevops.h"
#include "auth.h"
#include "http.h"
#include "tap.h"

/* A self-signed CA (certificate only): something valid to trust. */
static const char test_ca[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIDETCCAfmgAwIBAgIUXUha2ZgWlaGzmODxM8O7krqKaZQwDQYJKoZIhvcNAQEL\n"
	"BQAwFzEVMBMGA1UEAwwMaHR0cF90ZXN0IENBMCAXDTI2MTIwMTIyMjIxOVoYDzIx\n"
	"MjYxMTA3MjIyMjE5WjAXMRUwEwYDVQQDDAxodHRwX3Rlc3QgQ0EwggEiMA0GCSqG\n"
	"SIb3DQEBAQUAA4IBDwAwggEKAoIBAQDoydOqA1F+JWOJdqC4vhos6VRIuO6Lelya\n"
	"wihhQ9VXyMGYGFjGojuXNlnj5QKLWC9j2dDTV5IyP4+aKdPvyz/181oJl3qVZpVk\n"
	"2z5KXlYHH/XbJwlG8JjMZ8xuPsAfRuqB5xdzt2YclwNaYbwWKGHQAxjcbVnipIyV\n"
	"xhKX2ozYHiKU3bBsA4d7E+ZIFctO/ETmyR6W4SV8HI6JP/r9j8gQET0HD9z+VFsd\n"
	"/fq5zCuJE4X8ymYqDhlchIUUA8BrPZxyOcNwRdx4g6azPI8u+EeO1SO8+qCzTUQL\n"
	"1DSKGNfW1k4FnA4a7vxSDa2Xv8L1183cNmNwFhe7iXxP8AX227XFAgMBAAGjUzBR\n"
	"MB0GA1UdDgQWBBRRK/PEXuLjJ6SLcnFvb8NjdQJg3zAfBgNVHSMEGDAWgBRRK/PE\n"
	"XuLjJ6SLcnFvb8NjdQJg3zAPBgNVHRMBAf8EBTADAQH/MA0GCSqGSIb3DQEBCwUA\n"
	"A4IBAQAU6w0m4xvz2U5gH4no80yT+RTfRnGLqs06KXxhAKm+o2d+9+uPOBWHeU43\n"
	"GDnYdBd6uUuDIP7el8+WnebdwZrxdg41n2BjIWBFXGv20xwxxyzMtfml/FynwB1c\n"
	"Xgt2z3rRJSjiLSl4IFjGNZBCwzv9/3BNJCjgHN80wqdyWkfx4jyXqC0oiZxgMMAo\n"
	"5jMUHrk52cuxKZA/r0fM+87qXeeYcztk5LoOMnhiMhWIt6opf2Ve0PZi4pnFCXDs\n"
	"3RT58gr+fDK7rNglJ+SrKWKzHAxjNWEzFsmzISJBHNKEHTXmTiH+8Azz2J3UAFXJ\n"
	"enRHwBlkVhqOft01OQN5//qvMzGc\n"
	"-----END CERTIFICATE-----\n";

/* ------------------------------------------------------- pure parts */

static void
test_retryable(void)
{
	static const int again[] = {
		CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT,
		CURLE_OPERATION_TIMEDOUT, CURLE_SEND_ERROR, CURLE_RECV_ERROR,
		CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_SSL_CONNECT_ERROR,
		CURLE_HTTP2, CURLE_HTTP2_STREAM
	};
	static const int final[] = {
		CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE,
		CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL,
		CURLE_FILESIZE_EXCEEDED, CURLE_WRITE_ERROR, CURLE_LOGIN_DENIED,
		CURLE_TOO_MANY_REDIRECTS
	};
	size_t	 i;
	int	 all;

	for (all = 1, i = 0; i < sizeof(again) / sizeof(again[0]); i++)
		all &= sfhttp_retryable(again[i], 0, NULL) == 1;
	ok(all, "connection failures, timeouts, resets, truncation: retried");
	for (all = 1, i = 0; i < sizeof(final) / sizeof(final[0]); i++)
		all &= sfhttp_retryable(final[i], 0, NULL) == 0;
	ok(all, "TLS verification, bad URL, too big, write errors: final");
	ok(sfhttp_retryable(CURLE_OK, 502, NULL) &&
	    sfhttp_retryable(CURLE_OK, 503, NULL) &&
	    sfhttp_retryable(CURLE_OK, 504, "") , "502, 503, 504: retried");
	ok(!sfhttp_retryable(CURLE_OK, 500, "UNKNOWN_EXCEPTION") &&
	    !sfhttp_retryable(CURLE_OK, 400, "MALFORMED_QUERY") &&
	    !sfhttp_retryable(CURLE_OK, 401, "INVALID_SESSION_ID") &&
	    !sfhttp_retryable(CURLE_OK, 404, "NOT_FOUND") &&
	    !sfhttp_retryable(CURLE_OK, 200, NULL),
	    "500, 400, 401, 404 and 200: not retried");
	ok(sfhttp_retryable(CURLE_OK, 400, "UNABLE_TO_LOCK_ROW") &&
	    sfhttp_retryable(CURLE_OK, 503, "SERVER_UNAVAILABLE"),
	    "UNABLE_TO_LOCK_ROW and SERVER_UNAVAILABLE: retried");
	ok(!sfhttp_retryable(CURLE_OK, 403, "REQUEST_LIMIT_EXCEEDED") &&
	    !sfhttp_retryable(CURLE_OK, 503, "REQUEST_LIMIT_EXCEEDED"),
	    "REQUEST_LIMIT_EXCEEDED: never retried, even with a 503");
	ok(!sfhttp_retryable(CURLE_OK, 400, "QUERY_TIMEOUT"),
	    "QUERY_TIMEOUT (Salesforce gave up on the query): not retried");
}

/* A mutation: retried only when it certainly was not processed. */
static void
test_mutation_class(void)
{
	static const int unsent_again[] = {
		CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT,
		CURLE_OPERATION_TIMEDOUT, CURLE_SSL_CONNECT_ERROR,
		CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING,
		CURLE_HTTP2
	};
	static const int after_send[] = {
		CURLE_OPERATION_TIMEDOUT, CURLE_SEND_ERROR, CURLE_RECV_ERROR,
		CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2,
		CURLE_HTTP2_STREAM, CURLE_FILESIZE_EXCEEDED, CURLE_WRITE_ERROR
	};
	size_t	 i;
	int	 all;

	for (all = 1, i = 0; i < sizeof(unsent_again) /
	    sizeof(unsent_again[0]); i++)
		all &= sfhttp_mutation_class(unsent_again[i], 0, NULL, 0) ==
		    SFHTTP_MUT_RETRY;
	ok(all, "a mutation that never left (no connection, no TLS, a "
	    "timeout while connecting): retried");
	for (all = 1, i = 0; i < sizeof(after_send) / sizeof(after_send[0]);
	    i++)
		all &= sfhttp_mutation_class(after_send[i], 0, NULL, 1) ==
		    SFHTTP_MUT_AMBIGUOUS;
	ok(all, "sent, then a reset, a timeout, a truncated or oversized "
	    "answer: ambiguous, never retried");
	ok(sfhttp_mutation_class(CURLE_OPERATION_TIMEDOUT, 0, NULL, 1) ==
	    SFHTTP_MUT_AMBIGUOUS && sfhttp_mutation_class(
	    CURLE_OPERATION_TIMEDOUT, 0, NULL, 0) == SFHTTP_MUT_RETRY,
	    "a timeout is ambiguous once sent, retried before");
	ok(sfhttp_mutation_class(CURLE_PEER_FAILED_VERIFICATION, 0, NULL, 0) ==
	    SFHTTP_MUT_FINAL && sfhttp_mutation_class(CURLE_URL_MALFORMAT, 0, NULL, 0) == SFHTTP_MUT_FINAL, "TLS verification or a bad URL before "
	    "sending: final, not ambiguous");
	ok(sfhttp_mutation_class(CURLE_OK, 503, NULL, 1) == SFHTTP_MUT_RETRY,
	    "503 (Salesforce unavailable: not taken up): retried");
	ok(sfhttp_mutation_class(CURLE_OK, 502, NULL, 1) ==
	    SFHTTP_MUT_AMBIGUOUS && sfhttp_mutation_class(CURLE_OK, 504, NULL,
	    1) == SFHTTP_MUT_AMBIGUOUS, "502, 504 (an edge or proxy, the "
	    "request perhaps committed behind it): ambiguous, never resent");
	ok(sfhttp_mutation_class(CURLE_OK, 200, NULL, 1) == SFHTTP_MUT_FINAL &&
	    sfhttp_mutation_class(CURLE_OK, 201, NULL, 1) == SFHTTP_MUT_FINAL &&
	    sfhttp_mutation_class(CURLE_OK, 400, NULL, 1) == SFHTTP_MUT_FINAL &&
	    sfhttp_mutation_class(CURLE_OK, 500, NULL, 1) == SFHTTP_MUT_FINAL &&
	    sfhttp_mutation_class(CURLE_OK, 403, NULL, 1) == SFHTTP_MUT_FINAL,
	    "an answer, 2xx, 400, 403 or 500: final");
	ok(sfhttp_mutation_class(CURLE_OK, 400, "UNABLE_TO_LOCK_ROW", 1) ==
	    SFHTTP_MUT_FINAL,
	    "UNABLE_TO_LOCK_ROW (a 400): final for a mutation, unlike a read");
	ok(sfhttp_mutation_class(CURLE_OK, 503, "REQUEST_LIMIT_EXCEEDED", 1) ==
	    SFHTTP_MUT_FINAL && sfhttp_mutation_class(CURLE_OK, 503,
	    "SERVER_UNAVAILABLE", 1) == SFHTTP_MUT_RETRY,
	    "REQUEST_LIMIT_EXCEEDED is final even with a 503");
}

static void
test_backoff(void)
{
	const long	 base = 250, cap = 8000;
	long		 ceil, v, lo, hi;
	int		 n, i, inside = 1, spread = 1, low = 1;

	for (n = 0; n <= 12; n++) {
		ceil = base << (n < 6 ? n : 6);
		if (ceil > cap)
			ceil = cap;
		lo = ceil;
		hi = 0;
		for (i = 0; i < 4000; i++) {
			v = sfhttp_backoff_ms(base, cap, n);
			if (v < 0 || v > ceil) {
				inside = 0;
				printf("# n=%d: %ld outside [0, %ld]\n", n, v, ceil);
			}
			if (v < lo)
				lo = v;
			if (v > hi)
				hi = v;
		}
		/* Full jitter: the whole range, down to no delay at all. */
		if (hi < ceil * 95 / 100 || lo > ceil * 5 / 100)
			spread = 0;
		if (n == 0 && hi > base)
			low = 0;
		printf("# n=%d: ceiling %ld, seen %ld..%ld\n", n, ceil, lo, hi);
	}
	ok(inside, "never negative, never above min(cap, base * 2^n)");
	ok(spread, "covers the range [0, min(cap, base * 2^n)]");
	ok(low, "the first retry waits at most the base");
	ok(sfhttp_backoff_ms(base, cap, 1000) <= cap &&
	    sfhttp_backoff_ms(base, cap, 1000) >= 0, "a large n: capped, "
	    "no overflow");
	ok(sfhttp_backoff_ms(0, cap, 3) == 0 &&
	    sfhttp_backoff_ms(-5, cap, 3) == 0, "no base: no delay");
	ok(sfhttp_backoff_ms(400, 100, 0) <= 100, "a cap below the base caps");
}

static void
test_limit_info(void)
{
	char	 out[64];
	char	 tiny[4];

#define LINE(s) (s), strlen(s)
	ok(sfhttp_parse_limit_info(LINE("Sforce-Limit-Info: "
	    "api-usage=18/5000\r\n"), out, sizeof(out)) == 1 &&
	    strcmp(out, "18/5000") == 0, "api-usage=18/5000");
	ok(sfhttp_parse_limit_info(LINE("sforce-limit-info:api-usage=1/15000; "
	    "api-bursts=1/750\r\n"), out, sizeof(out)) == 1 &&
	    strcmp(out, "1/15000") == 0, "any case, with api-bursts after it");
	ok(sfhttp_parse_limit_info(LINE("Sforce-Limit-Info: "
	    "per-app-api-usage=17/250(appName=sample), api-usage=25/5000\r\n"),
	    out, sizeof(out)) == 1 && strcmp(out, "25/5000") == 0,
	    "the org's usage, not the per-app pilot value before it");
	ok(sfhttp_parse_limit_info(LINE("Sforce-Limit-Info: "
	    "per-app-api-usage=17/250(appName=sample)\r\n"), out,
	    sizeof(out)) == 0, "per-app usage alone is not the org's usage");
	ok(sfhttp_parse_limit_info(LINE("Content-Type: api-usage=1/2\r\n"),
	    out, sizeof(out)) == 0, "another header: 0");
	ok(sfhttp_parse_limit_info(LINE("Sforce-Limit-Info: api-usage=\r\n"),
	    out, sizeof(out)) == 0 &&
	    sfhttp_parse_limit_info(LINE("Sforce-Limit-Info: "
	    "api-usage=/5000\r\n"), out, sizeof(out)) == 0 &&
	    sfhttp_parse_limit_info(LINE("Sforce-Limit-Info: "
	    "api-usage=18/\r\n"), out, sizeof(out)) == 0 &&
	    sfhttp_parse_limit_info(LINE("Sforce-Limit-Info: "
	    "api-usage=185000\r\n"), out, sizeof(out)) == 0 &&
	    sfhttp_parse_limit_info(LINE("Sforce-Limit-Info: "
	    "api-usage=1/2/3\r\n"), out, sizeof(out)) == 0,
	    "empty, no used count, no limit, no slash, two slashes: 0");
	ok(sfhttp_parse_limit_info(LINE("Sforce-Limit-Info: "
	    "api-usage=18/5000\r\n"), tiny, sizeof(tiny)) == 0,
	    "a value that does not fit: 0");
	ok(sfhttp_parse_limit_info("Sforce-Limit-Info: api-usage=18/5000", 27,
	    out, sizeof(out)) == 0, "the length is respected");
#undef LINE
}

static const char *
next_name(enum sfhttp_tok_next n)
{
	switch (n) {
	case SFHTTP_SEND:	return "SEND";
	case SFHTTP_MINT:	return "MINT";
	case SFHTTP_WAIT:	return "WAIT";
	case SFHTTP_FAILED:	return "FAILED";
	case SFHTTP_NO_FLOW:	return "NO_FLOW";
	case SFHTTP_FINAL:	return "FINAL";
	}
	return "?";
}

static void
test_token_decisions(void)
{
	struct sfhttp_tokstate	 t;
	enum sfhttp_tok_next	 a, b, c, d;
	int			 mints = 0;
	char			 msg[256];

	memset(&t, 0, sizeof(t));
	t.can_mint = 1;
	t.have_token = 1;
	is_str(next_name(sfhttp_tok_before(&t, 1)), "SEND", "a token: send");
	t.have_token = 0;
	is_str(next_name(sfhttp_tok_before(&t, 1)), "MINT",
	    "no token, a flow that mints: mint");
	t.minting = 1;
	is_str(next_name(sfhttp_tok_before(&t, 1)), "WAIT",
	    "no token, a token request on its way: wait for it");
	t.minting = 0;
	t.can_mint = 0;
	is_str(next_name(sfhttp_tok_before(&t, 1)), "NO_FLOW",
	    "no token and no way to get one: the clear message");

	/* A 401. */
	memset(&t, 0, sizeof(t));
	t.can_mint = 1;
	t.have_token = 1;
	is_str(next_name(sfhttp_tok_after_401(&t, 1, 0, 0)), "MINT",
	    "401 with a flow that mints: mint once");
	is_str(next_name(sfhttp_tok_after_401(&t, 1, 1, 0)), "FINAL",
	    "a second 401, with the token obtained for it: final");
	t.can_mint = 0;
	is_str(next_name(sfhttp_tok_after_401(&t, 1, 0, 0)), "NO_FLOW",
	    "401 and no flow that mints: the clear message, no repeat");
	t.can_mint = 1;
	t.gen = 1;
	is_str(next_name(sfhttp_tok_after_401(&t, 1, 0, 0)), "SEND",
	    "401 to a token older than the one held: repeat, no mint");

	/*
	 * Four requests sent with token 0 find it refused while one token
	 * request is made for all: the client's state moves as http.c
	 * moves it (a mint drops the token; its answer brings the next).
	 */
	memset(&t, 0, sizeof(t));
	t.can_mint = 1;
	t.have_token = 1;
	if ((a = sfhttp_tok_after_401(&t, 1, 0, 0)) == SFHTTP_MINT) {
		mints++;
		t.have_token = 0;
		t.minting = 1;
	}
	b = sfhttp_tok_after_401(&t, 2, 0, 0);
	c = sfhttp_tok_before(&t, 5);	/* a new request meanwhile */
	t.minting = 0;			/* the token request answers */
	t.have_token = 1;
	t.gen = 1;
	d = sfhttp_tok_after_401(&t, 3, 0, 0);	/* its 401 came late */
	if (d == SFHTTP_MINT)
		mints++;
	ok(a == SFHTTP_MINT && b == SFHTTP_WAIT && c == SFHTTP_WAIT &&
	    d == SFHTTP_SEND && mints == 1, "concurrent requests share one "
	    "token request (%s %s %s %s, %d minted)", next_name(a),
	    next_name(b), next_name(c), next_name(d), mints);
	is_str(next_name(sfhttp_tok_before(&t, 4)), "SEND",
	    "the waiters then send with the new token");
	is_str(next_name(sfhttp_tok_after_401(&t, 2, 1, 1)), "FINAL",
	    "and a waiter refused again is final");

	/* The token request failed: those started before it share that. */
	memset(&t, 0, sizeof(t));
	t.can_mint = 1;
	t.failed = 1;
	t.failed_seq = 7;
	is_str(next_name(sfhttp_tok_after_401(&t, 6, 0, 0)), "FAILED",
	    "a 401 for a request started before the failed token request: "
	    "its failure, no second token request");
	is_str(next_name(sfhttp_tok_before(&t, 7)), "FAILED",
	    "a request queued before it failed: its failure too");
	is_str(next_name(sfhttp_tok_before(&t, 8)), "MINT",
	    "a request started after it failed: a new token request");

	sfhttp_mint_failed_msg(SFHTTP_MINT_REFUSED, "invalid_grant", msg,
	    sizeof(msg));
	is_str(msg, "Salesforce refused the access token and a new one could "
	    "not be obtained: invalid_grant", "the message after a 401");
	sfhttp_mint_failed_msg(SFHTTP_MINT_NO_TOKEN, "invalid_grant", msg,
	    sizeof(msg));
	is_str(msg, "no access token: invalid_grant",
	    "the message when there was no token");
}

static void
test_urlencode(void)
{
	char	*s;

	s = sfhttp_urlencode("SELECT Id FROM Lead WHERE Name = 'a&b+c%'");
	is_str(s, "SELECT%20Id%20FROM%20Lead%20WHERE%20Name%20%3D%20%27a%26b"
	    "%2Bc%25%27", "spaces, quotes, &, + and %% are encoded");
	free(s);
	s = sfhttp_urlencode("AZaz09-._~");
	is_str(s, "AZaz09-._~", "the unreserved characters are kept");
	free(s);
	s = sfhttp_urlencode("caf\xc3\xa9/\n");
	is_str(s, "caf%C3%A9%2F%0A", "UTF-8 bytes, / and control characters");
	free(s);
	s = sfhttp_urlencode("");
	is_str(s, "", "empty");
	free(s);
}

/* ------------------------------------------------------------ auth.c */

static struct auth *
auth_for(const char *flow, const char *instance, const char *login)
{
	struct auth_config	 ac;

	memset(&ac, 0, sizeof(ac));
	ac.flow = flow;
	ac.instance_url = instance;
	ac.login_url = login;
	ac.client_id = "3MVG9test";
	return auth_new(&ac);
}

static void
test_auth(void)
{
	struct auth	*a;
	char		*body, err[512], hdr[256], s[128];
	size_t		 len;
	const char	*ok_answer = "{\"access_token\":\"00Dnew!fresh-token\","
	    "\"instance_url\":\"https://acme.my.salesforce.com\"}";

	ok(auth_for("password", "https://x.example.com", NULL) == NULL,
	    "an unknown flow is refused");
	ok(auth_for("access_token", "http://x.example.com", NULL) == NULL,
	    "an instance URL that is not https is refused");
	ok(auth_for("access_token", "https://x.example.com/path", NULL) ==
	    NULL, "an instance URL with a path is refused");

	a = auth_for("refresh_token", "https://acme--old.sandbox.my.salesforce.com/",
	    "https://login.example.com");
	ok(a != NULL, "a refresh-token flow");
	is_str(auth_instance_url(a), "https://acme--old.sandbox.my.salesforce.com",
	    "the trailing slash is dropped");
	is_str(auth_token_url(a), "https://login.example.com/services/oauth2/"
	    "token", "the token endpoint is on the login URL");
	ok(auth_can_mint(a) && !auth_has_token(a), "it can mint; no token yet");
	ok(auth_ready(a, err, sizeof(err)) == -1 &&
	    strstr(err, "SFDC_REFRESH_TOKEN") != NULL,
	    "not ready without the refresh token: %s", err);
	ok(auth_set_secret(a, SECRET_REFRESH_TOKEN, "5Aep+rt/secret&x", 16) ==
	    0 && auth_ready(a, err, sizeof(err)) == 0, "ready with it");
	ok(auth_header(a, hdr, sizeof(hdr)) == -1, "no header without a token");
	ok(auth_grant_body(a, &body, &len, err, sizeof(err)) == 0,
	    "the grant body");
	is_str(body, "grant_type=refresh_token&refresh_token=5Aep%2Brt%2F"
	    "secret%26x&client_id=3MVG9test&format=json",
	    "form-encoded, the refresh token escaped");
	ok(len == strlen(body), "its length");
	auth_grant_free(body);

	ok(auth_token_response(a, 400, "{\"error\":\"invalid_grant\","
	    "\"error_description\":\"expired access/refresh token\"}", 80, err,
	    sizeof(err)) == -1 && strstr(err, "invalid_grant") != NULL &&
	    strstr(err, "SFDC_REFRESH_TOKEN") != NULL,
	    "invalid_grant says what to do: %s", err);
	ok(auth_token_response(a, 502, "<html>bad gateway</html>", 24, err,
	    sizeof(err)) == -1 && strstr(err, "HTTP 502") != NULL,
	    "an answer that is not OAuth: %s", err);
	ok(auth_token_response(a, 200, "{\"access_token\":\"has space\"}", 28,
	    err, sizeof(err)) == -1, "an unusable access token is refused");
	ok(!auth_has_token(a), "and none is held");
	ok(auth_token_response(a, 200, ok_answer, strlen(ok_answer), err,
	    sizeof(err)) == 0 && auth_has_token(a), "a token answer is kept");
	ok(auth_header(a, hdr, sizeof(hdr)) == 0 && strcmp(hdr,
	    "Authorization: Bearer 00Dnew!fresh-token") == 0,
	    "the Authorization header carries it");
	ok(auth_header(a, hdr, 10) == -1, "a buffer too small: -1");
	is_str(auth_instance_url(a), "https://acme.my.salesforce.com",
	    "the answer's instance_url replaces the configured one");
	strlcpy_sf(s, "at 00Dnew!fresh-token and 5Aep+rt/secret&x.", sizeof(s));
	auth_redact(a, s);
	is_str(s, "at [redacted] and [redacted].", "secrets are redacted");
	auth_drop_token(a);
	ok(!auth_has_token(a), "a dropped token is gone");
	auth_free(a);

	a = auth_for("access_token", "https://x.example.com", NULL);
	ok(auth_set_secret(a, SECRET_ACCESS_TOKEN, "Bearer abc", 10) == 0 &&
	    auth_ready(a, err, sizeof(err)) == -1 && strstr(err,
	    "without \"Bearer \"") != NULL, "a token with a space: %s", err);
	ok(!auth_can_mint(a) && auth_grant_body(a, &body, &len, err,
	    sizeof(err)) == -1, "a static token cannot mint");
	auth_free(a);
}

/* -------------------------------------------------- the async client */

/* A listener on 127.0.0.1 that accepts connections and closes them. */
static int
listener(int *port)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 fd;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1)
		exit(2);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 16) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		exit(2);
	*port = ntohs(sin.sin_port);
	return fd;
}

struct outcome {
	int	 calls;
	int	 sf_err;
	int	 attempts;
	char	 msg[1024];
};

static void
on_done(void *arg, struct sf_response *r)
{
	struct outcome	*o = arg;

	o->calls++;
	o->sf_err = r->sf_err;
	o->attempts = r->attempts;
	strlcpy_sf(o->msg, r->error_msg, sizeof(o->msg));
}

/*
 * Drive the client until the outcomes all have their call or timeout_ms
 * passes; the listener's connections are accepted and closed.  Returns
 * the connections accepted; *peak the most transfers seen in flight.
 */
static int
drive(struct sfhttp *h, int lfd, struct outcome *o, int n, int timeout_ms,
    int *peak)
{
	struct pollfd	 pfd;
	uint64_t	 end = now_ms() + (uint64_t)timeout_ms;
	int		 accepted = 0, i, left, fd;

	*peak = 0;
	for (;;) {
		for (left = 0, i = 0; i < n; i++)
			left += o[i].calls == 0;
		if (left == 0 || now_ms() > end)
			return accepted;
		pfd.fd = lfd;
		pfd.events = POLLIN;
		if (sfhttp_poll(h, &pfd, 1) == -1)
			exit(2);
		if (sfhttp_running(h) > *peak)
			*peak = sfhttp_running(h);
		if (pfd.revents & POLLIN)
			while ((fd = accept(lfd, NULL, NULL)) != -1) {
				accepted++;
				close(fd);
			}
	}
}

static struct sfhttp *
client(struct auth *a, int max_transfers, int max_attempts)
{
	struct sfhttp_config	 hc;

	memset(&hc, 0, sizeof(hc));
	hc.api_version = "v60.0";
	hc.ca_pem = test_ca;
	hc.ca_len = strlen(test_ca);
	hc.ca_name = "the test CA";
	hc.connect_timeout_ms = 2000;
	hc.total_timeout_ms = 2000;
	hc.max_attempts = max_attempts;
	hc.retry_budget_ms = 20000;
	hc.backoff_base_ms = 5;
	hc.backoff_cap_ms = 20;
	hc.max_transfers = max_transfers;
	return sfhttp_new(&hc, a);
}

static void
test_client(void)
{
	struct outcome		 o[3], dropped;
	struct sfhttp_req	*q;
	struct sfhttp		*h;
	struct auth		*a;
	char			 url[64];
	int			 lfd, port, accepted, peak, i, same;

	lfd = listener(&port);
	snprintf(url, sizeof(url), "https://127.0.0.1:%d", port);

	/*
	 * A request that fails without a transfer (no token, no flow) is
	 * answered by the next sfhttp_poll(), which does not block first:
	 * the caller flushes answers only when it returns.  (SIGALRM ends
	 * the test if it does block.)
	 */
	a = auth_for("access_token", url, NULL);
	h = client(a, 1, 2);
	memset(o, 0, sizeof(o));
	(void)sfhttp_start(h, "GET", "/services/data/v60.0/limits", NULL, 1,
	    on_done, &o[0]);
	alarm(10);
	(void)sfhttp_poll(h, NULL, 0);
	alarm(0);
	ok(o[0].calls == 1 && o[0].sf_err == SFE_AUTH && strstr(o[0].msg,
	    "set SFDC_ACCESS_TOKEN") != NULL, "no token and no flow: "
	    "answered by the first sfhttp_poll(): %s", o[0].msg);
	sfhttp_free(h);
	auth_free(a);

	/* A static token: three requests, one transfer at a time. */
	a = auth_for("access_token", url, NULL);
	(void)auth_set_secret(a, SECRET_ACCESS_TOKEN, "00Dx!static", 11);
	h = client(a, 1, 2);
	ok(h != NULL, "the client starts");
	memset(o, 0, sizeof(o));
	memset(&dropped, 0, sizeof(dropped));
	for (i = 0; i < 3; i++)
		(void)sfhttp_start(h, "GET", "/services/data/v60.0/limits",
		    NULL, 1, on_done, &o[i]);
	q = sfhttp_start(h, "GET", "/services/data/v60.0/limits", NULL, 1,
	    on_done, &dropped);
	ok(sfhttp_queued(h) == 4 && sfhttp_running(h) == 0,
	    "nothing starts, or is answered, inside sfhttp_start()");
	sfhttp_abort(q);
	ok(sfhttp_queued(h) == 3, "a queued request that is aborted leaves "
	    "the queue");
	accepted = drive(h, lfd, o, 3, 20000, &peak);
	ok(o[0].calls == 1 && o[1].calls == 1 && o[2].calls == 1,
	    "each request is answered once");
	ok(dropped.calls == 0, "the aborted one never");
	ok(peak == 1, "at most max_transfers (1) in flight (saw %d)", peak);
	ok(accepted == 6, "two attempts each, retried after a timer "
	    "(%d connections)", accepted);
	ok(o[0].sf_err == SFE_NETWORK && o[0].attempts == 2 &&
	    strstr(o[0].msg, "cannot reach Salesforce at https://127.0.0.1:") !=
	    NULL && strstr(o[0].msg, "after 2 attempts") != NULL &&
	    strstr(o[0].msg, "refused") == NULL,
	    "a network failure names the host: %s", o[0].msg);
	sfhttp_free(h);
	auth_free(a);

	/* A mutation whose TLS handshake fails never left: retried. */
	a = auth_for("access_token", url, NULL);
	(void)auth_set_secret(a, SECRET_ACCESS_TOKEN, "00Dx!static", 11);
	h = client(a, 1, 2);
	memset(o, 0, sizeof(o));
	(void)sfhttp_start(h, "POST", "/services/data/v60.0/composite",
	    "{\"allOrNone\":true}", 0, on_done, &o[0]);
	accepted = drive(h, lfd, o, 1, 20000, &peak);
	ok(o[0].calls == 1 && o[0].sf_err == SFE_NETWORK && accepted == 2 &&
	    o[0].attempts == 2, "a mutation that never left is retried and "
	    "ends as a network failure, not ambiguous (%d connections, %s)",
	    accepted, o[0].msg);
	sfhttp_free(h);
	auth_free(a);

	/* No token yet: three requests wait for one token request. */
	a = auth_for("refresh_token", url, url);
	(void)auth_set_secret(a, SECRET_REFRESH_TOKEN, "5Aep-refresh", 12);
	h = client(a, 6, 2);
	memset(o, 0, sizeof(o));
	for (i = 0; i < 3; i++)
		(void)sfhttp_start(h, "GET", "/services/data/v60.0/limits",
		    NULL, 1, on_done, &o[i]);
	accepted = drive(h, lfd, o, 3, 20000, &peak);
	for (same = 1, i = 0; i < 3; i++)
		same &= o[i].calls == 1 && o[i].sf_err == SFE_NETWORK &&
		    strcmp(o[i].msg, o[0].msg) == 0;
	ok(same, "all the waiters fail, once each, with one message: %s",
	    o[0].msg);
	ok(strncmp(o[0].msg, "no access token: cannot reach the token "
	    "endpoint https://127.0.0.1:", 54) == 0,
	    "which names the token endpoint");
	ok(accepted == 2, "one token request (two attempts) for the three "
	    "(%d connections)", accepted);
	ok(strstr(o[0].msg, "5Aep-refresh") == NULL, "no secret in it");

	/* Started after the failure: a new token request. */
	memset(o, 0, sizeof(o));
	(void)sfhttp_start(h, "GET", "/services/data/v60.0/limits", NULL, 1,
	    on_done, &o[0]);
	accepted = drive(h, lfd, o, 1, 20000, &peak);
	ok(o[0].calls == 1 && accepted == 2, "a request after the failure "
	    "tries again (%d connections)", accepted);

	/* Stopping with requests in every state frees them all. */
	memset(o, 0, sizeof(o));
	for (i = 0; i < 3; i++)
		(void)sfhttp_start(h, "GET", "/services/data/v60.0/limits",
		    NULL, 1, on_done, &o[i]);
	{
		struct pollfd pfd = { .fd = lfd, .events = POLLIN };
		(void)sfhttp_poll(h, &pfd, 1);	/* the token request starts */
	}
	sfhttp_free(h);
	ok(o[0].calls + o[1].calls + o[2].calls == 0,
	    "sfhttp_free() aborts without calling back");
	auth_free(a);
	close(lfd);
}

/* The session's request budget and the org's usage share. */
static void
test_budget(void)
{
	struct sfhttp_bucket	 b;
	uint64_t		 t = 1000000;
	long			 w;
	int			 i, n;

	sfhttp_bucket_init(&b, 3, t);
	for (i = 0, n = 0; i < 3; i++)
		n += sfhttp_bucket_take(&b, t) == 0;
	ok(n == 3, "a budget of 3 an hour: 3 requests at once");
	w = sfhttp_bucket_take(&b, t);
	ok(w > 1190000 && w <= 1200001, "the 4th waits a third of an hour "
	    "(%ld ms)", w);
	ok(sfhttp_bucket_take(&b, t + 600000) > 0, "half of that is not "
	    "enough");
	ok(sfhttp_bucket_take(&b, t + 1200001) == 0, "a third of an hour "
	    "later, one more");
	ok(sfhttp_bucket_take(&b, t + 1200001) > 0, "and only one");
	/* A day idle refills to the cap, no further. */
	for (i = 0, n = 0; i < 10; i++)
		n += sfhttp_bucket_take(&b, t + 86400000ULL) == 0;
	ok(n == 3, "after a day, 3 again, not 72 (%d)", n);
	sfhttp_bucket_init(&b, 2000, t);
	for (i = 0, n = 0; i < 2001; i++)
		n += sfhttp_bucket_take(&b, t) == 0;
	ok(n == 2000, "the default 2000: 2000 at once, the 2001st waits");

	ok(sfhttp_usage_pct("4000/5000") == 80, "4000/5000 is 80 %%");
	ok(sfhttp_usage_pct("3999/5000") == 79, "3999/5000 is 79 %%");
	ok(sfhttp_usage_pct("0/15000") == 0, "0/15000 is 0 %%");
	ok(sfhttp_usage_pct("15001/15000") == 100, "over the allowance: 100 %%");
	ok(sfhttp_usage_pct("5/0") == -1, "a zero allowance is malformed");
	ok(sfhttp_usage_pct("") == -1 && sfhttp_usage_pct("abc") == -1 &&
	    sfhttp_usage_pct("1/") == -1 && sfhttp_usage_pct("/5") == -1 &&
	    sfhttp_usage_pct("1/2x") == -1 && sfhttp_usage_pct(NULL) == -1,
	    "malformed usage is refused");
	ok(sfhttp_usage_pct("99999999999999999999/1") == -1,
	    "an overflowing count is refused");
	ok(sfhttp_usage_pct("100/1") == -1, "more than ten times the "
	    "allowance is not believed");
}

int
main(void)
{
	if (sodium_init() == -1)
		return 2;
	log_init(PROC_BROKER, LOG_LVL_CRITICAL);
	test_retryable();
	test_mutation_class();
	test_backoff();
	test_limit_info();
	test_budget();
	test_token_decisions();
	test_urlencode();
	test_auth();
	test_client();
	curl_global_cleanup();
	return tap_done();
}
