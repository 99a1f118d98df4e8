/*
 * redact_test.c: no piece of a secret leaves auth.c or http.c's error
 * texts, and a token answer's instance_url names an allowed host.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "sfrevops.h"
#include "auth.h"
#include "http.h"
#include "tap.h"

#define TOKEN_LEN	114

static char	 token[TOKEN_LEN + 1];
static char	 refresh[88];
static char	 csecret[65];
static char	 pkey[2048];

/* Does text hold any piece of n >= 8 consecutive bytes of secret? */
static int
leaks(const char *text, const char *secret, size_t n)
{
	size_t	 i, tl = strlen(text), sl = strlen(secret);

	for (i = 0; i + n <= sl; i++)
		if (memmem(text, tl, secret + i, n) != NULL)
			return 1;
	return 0;
}

static int
leaks_any(const char *text)
{
	return leaks(text, token, 8) || leaks(text, refresh, 8) ||
	    leaks(text, csecret, 8) || leaks(text, pkey, 8);
}

/* Random characters from set into dst (len bytes, then a NUL). */
static void
fill(char *dst, size_t len, const char *set)
{
	size_t	 i, n = strlen(set);

	for (i = 0; i < len; i++)
		dst[i] = set[randombytes_uniform((uint32_t)n)];
	dst[len] = '\0';
}

static struct auth *
auth_make(const char *instance)
{
	struct auth_config	 c;
	struct auth		*a;

	memset(&c, 0, sizeof(c));
	c.flow = "refresh_token";
	c.login_url = "https://login.salesforce.com";
	c.instance_url = instance;
	c.client_id = "3MVG9test";
	if ((a = auth_new(&c)) == NULL)
		fatalx("auth_new");
	if (auth_set_secret(a, SECRET_ACCESS_TOKEN, token, strlen(token)) ||
	    auth_set_secret(a, SECRET_REFRESH_TOKEN, refresh,
	    strlen(refresh)) ||
	    auth_set_secret(a, SECRET_CLIENT_SECRET, csecret,
	    strlen(csecret)) ||
	    auth_set_secret(a, SECRET_PRIVATE_KEY, pkey, strlen(pkey)))
		fatalx("auth_set_secret");
	return a;
}

static void
secrets_make(void)
{
	static const char b62[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
	    "vwxyz0123456789";
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
	    "vwxyz0123456789+/";
	char	 line[65];
	size_t	 o;
	int	 i;

	/* A Salesforce access token: org id, '!', then the session. */
	memcpy(token, "00D5e000000XyZq!AQ0AQ", 21);
	fill(token + 21, TOKEN_LEN - 21, b62);
	memcpy(refresh, "5Aep861", 7);
	fill(refresh + 7, sizeof(refresh) - 8, b62);
	fill(csecret, sizeof(csecret) - 1, "0123456789ABCDEF");
	o = (size_t)snprintf(pkey, sizeof(pkey), "-----BEGIN PRIVATE KEY-----"
	    "\n");
	for (i = 0; i < 20; i++) {
		fill(line, 64, b64);
		o += (size_t)snprintf(pkey + o, sizeof(pkey) - o, "%s\n", line);
	}
	snprintf(pkey + o, sizeof(pkey) - o, "-----END PRIVATE KEY-----\n");
}

static void
test_redact(struct auth *a)
{
	char	 s[4096], piece[32];
	size_t	 n;

	snprintf(s, sizeof(s), "Session %s is invalid", token);
	auth_redact(a, s);
	is_str(s, "Session [redacted] is invalid", "the whole token");
	snprintf(s, sizeof(s), "%s", token);
	auth_redact(a, s);
	is_str(s, "[redacted]", "nothing but the token");

	/* 7 characters are kept, 8 and more are redacted. */
	for (n = 6; n <= 12; n++) {
		memcpy(piece, token + 40, n);
		piece[n] = '\0';
		snprintf(s, sizeof(s), "x=%s;", piece);
		auth_redact(a, s);
		if (n < 8)
			ok(strstr(s, piece) != NULL, "a %zu-character piece is "
			    "kept: %s", n, s);
		else if (n < 10)
			ok(strspn(s + 2, "*") == n && strcmp(s + 2 + n, ";") ==
			    0, "a %zu-character piece becomes stars: %s", n, s);
		else
			is_str(s, "x=[redacted];", "a %zu-character piece", n);
	}
	/* At the start, at the end, twice, two secrets side by side. */
	snprintf(s, sizeof(s), "%.20s mid %.30s", token + 94, refresh);
	auth_redact(a, s);
	is_str(s, "[redacted] mid [redacted]", "pieces at both ends");
	snprintf(s, sizeof(s), "%s%s", csecret, token);
	auth_redact(a, s);
	is_str(s, "[redacted]", "two secrets side by side are one run");

	/* Each of the four kinds, whole and as a piece. */
	snprintf(s, sizeof(s), "a %s b %s c %s d %s e", token, refresh,
	    csecret, pkey);
	auth_redact(a, s);
	ok(!leaks_any(s) && strncmp(s, "a [redacted] b [redacted] c "
	    "[redacted] d [redacted]", 47) == 0, "all four secrets: %.60s", s);
	snprintf(s, sizeof(s), "key line: %.40s.", pkey + 200);
	auth_redact(a, s);
	is_str(s, "key line: [redacted].", "a piece of the private key");
	snprintf(s, sizeof(s), "secret %.9s", csecret + 3);
	auth_redact(a, s);
	is_str(s, "secret *********", "a piece of the client secret");
	snprintf(s, sizeof(s), "refresh %.11s!", refresh + 50);
	auth_redact(a, s);
	is_str(s, "refresh [redacted]!", "a piece of the refresh token");

	/* Text without a secret is left alone. */
	snprintf(s, sizeof(s), "No such column 'Foo' on entity 'Account'");
	auth_redact(a, s);
	is_str(s, "No such column 'Foo' on entity 'Account'", "no secret");
	auth_redact(NULL, s);
	ok(strcmp(s, "No such column 'Foo' on entity 'Account'") == 0,
	    "no auth: nothing to redact");
}

/* The token echoed in message and errorCode, at every cut around 399
 * and 63: nothing of 8 characters of it comes back. */
static void
test_parse_error(struct auth *a)
{
	struct sf_response	 r;
	char			 body[2048], pad1[512], pad2[128];
	int			 k, bad = 0, kept = 1;

	for (k = 399 - TOKEN_LEN - 8; k <= 399 + 2; k++) {
		memset(pad1, 'm', (size_t)k);
		pad1[k] = '\0';
		snprintf(body, sizeof(body), "[{\"message\":\"%s%s tail\","
		    "\"errorCode\":\"E\"}]", pad1, token);
		memset(&r, 0, sizeof(r));
		sfhttp_parse_error(a, 400, body, strlen(body), &r);
		if (leaks_any(r.error_msg) || leaks_any(r.error_code)) {
			bad++;
			printf("# message cut %d: %s\n", k, r.error_msg);
		}
		if (strncmp(r.error_msg, "E: mmm", 6) != 0)
			kept = 0;
	}
	ok(bad == 0, "message: no piece of the token at any cut near 399");
	ok(kept, "message: the text around it is kept");
	for (k = 0; k <= 63 + 2; k++) {
		memset(pad2, 'C', (size_t)k);
		pad2[k] = '\0';
		snprintf(body, sizeof(body), "[{\"message\":\"boom\","
		    "\"errorCode\":\"%s%s\"}]", pad2, token);
		memset(&r, 0, sizeof(r));
		sfhttp_parse_error(a, 400, body, strlen(body), &r);
		if (leaks_any(r.error_msg) || leaks_any(r.error_code)) {
			bad++;
			printf("# code cut %d: %s | %s\n", k, r.error_code,
			    r.error_msg);
		}
	}
	ok(bad == 0, "errorCode: no piece of the token at any cut near 63");
	/* The other secrets, through the same path. */
	snprintf(body, sizeof(body), "[{\"message\":\"%s %s\\n%.64s\","
	    "\"errorCode\":\"%.40s\"}]", refresh, csecret, pkey + 28,
	    pkey + 100);
	memset(&r, 0, sizeof(r));
	sfhttp_parse_error(a, 400, body, strlen(body), &r);
	ok(!leaks_any(r.error_msg) && !leaks_any(r.error_code),
	    "refresh token, client secret and key: %s", r.error_msg);
	/* A SOQL error keeps its position and text. */
	snprintf(body, sizeof(body), "[{\"message\":\"\\nSELECT Foo FROM "
	    "Account\\n       ^\\nERROR at Row:1:Column:8\\nNo such column "
	    "'Foo' on entity 'Account'.\",\"errorCode\":\"INVALID_FIELD\"}]");
	memset(&r, 0, sizeof(r));
	sfhttp_parse_error(a, 400, body, strlen(body), &r);
	is_str(r.error_msg, "INVALID_FIELD: (at row 1, column 8) No such "
	    "column 'Foo' on entity 'Account'.", "a SOQL error is unchanged");
	/* A cut never leaves half a UTF-8 character. */
	memset(pad1, 'x', 398);
	pad1[398] = '\0';
	snprintf(body, sizeof(body), "[{\"message\":\"%s\xc3\xa9\xc3\xa9\"}]",
	    pad1);
	memset(&r, 0, sizeof(r));
	sfhttp_parse_error(a, 400, body, strlen(body), &r);
	ok(strlen(r.error_msg) == 398 && utf8_valid(r.error_msg,
	    strlen(r.error_msg)), "a cut on a UTF-8 boundary");
}

/* The token endpoint's error and error_description, at every cut. */
static void
test_token_error(struct auth *a)
{
	char	 body[2048], pad[512], err[1024];
	int	 k, bad = 0, named = 1;

	for (k = 0; k <= 256 + 2; k++) {
		memset(pad, 'd', (size_t)k);
		pad[k] = '\0';
		snprintf(body, sizeof(body), "{\"error\":\"invalid_grant%s\","
		    "\"error_description\":\"%s%s\"}", k < 64 ? refresh : "",
		    pad, k % 2 ? refresh : csecret);
		if (auth_token_response(a, 400, body, strlen(body), err,
		    sizeof(err)) != -1)
			bad++;
		if (leaks_any(err)) {
			bad++;
			printf("# cut %d: %s\n", k, err);
		}
		if (strstr(err, "invalid_grant") == NULL)
			named = 0;
	}
	ok(bad == 0, "token endpoint errors: no piece of a secret at any cut");
	ok(named, "and the error is still named");
}

static void
test_instance_url(void)
{
	static const char *const good[] = {
		"https://acme.my.salesforce.com",
		"https://acme.my.salesforce.com/",
		"https://acme.my.salesforce.com:443",
		"https://ACME.MY.SALESFORCE.COM",
		"https://acme--dev.sandbox.my.salesforce.com",
		"https://acme.lightning.force.com",
		"https://acme--uat.sandbox.lightning.force.com",
	};
	static const struct {
		const char *url, *host;
	} bad[] = {
		/* Salesforce hosts, but another My Domain: anybody can
		 * have one, so the token would go to another org. */
		{ "https://other.my.salesforce.com", "other.my.salesforce.com" },
		{ "https://na1.salesforce.com", "na1.salesforce.com" },
		{ "https://login.salesforce.com", "login.salesforce.com" },
		{ "https://acmex.my.salesforce.com", "acmex.my.salesforce.com" },
		{ "https://evil-salesforce.com", "evil-salesforce.com" },
		{ "https://salesforce.com.evil.com", "salesforce.com.evil.com" },
		{ "https://my.salesforce.com@evil.com", "evil.com" },
		{ "https://acme.my.salesforce.com.", "acme.my.salesforce.com." },
		{ "https://acme.my.salesforce.com.evil.com",
		    "acme.my.salesforce.com.evil.com" },
		{ "https://evilsalesforce.com", "evilsalesforce.com" },
		{ "https://evilforce.com", "evilforce.com" },
		{ "https://salesforce.com", "salesforce.com" },
		{ "https://force.com", "force.com" },
		{ "https://.salesforce.com", "" },
		{ "https://a..salesforce.com", "" },
		{ "https://1.2.3.4", "1.2.3.4" },
		{ "https://127.0.0.1", "127.0.0.1" },
		{ "https://[::1]", "[::1]" },
		{ "https://2130706433", "" },
		{ "http://acme.my.salesforce.com", "acme.my.salesforce.com" },
		{ "https://acme.my.salesforce.com:8443",
		    "acme.my.salesforce.com" },
		{ "https://evil.com/.salesforce.com", "evil.com" },
		{ "https://evil.com?.salesforce.com", "evil.com" },
		{ "https://evil.com#.salesforce.com", "evil.com" },
		{ "https://acme.my.salesforce.com%2eevil.com", "" },
		{ "https://evil.com\\\\.salesforce.com", "" },
		{ "ftp://acme.my.salesforce.com", "" },
		{ "acme.my.salesforce.com", "" },
	};
	struct auth	*a;
	char		 body[1024], err[1024];
	size_t		 i;
	int		 r;

	a = auth_make("https://acme.my.salesforce.com");
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(body, sizeof(body), "{\"access_token\":\"00Dnew!tok%zu\","
		    "\"instance_url\":\"%s\"}", i, good[i]);
		auth_drop_token(a);
		r = auth_token_response(a, 200, body, strlen(body), err,
		    sizeof(err));
		ok(r == 0 && auth_has_token(a), "instance_url %s is accepted%s%s",
		    good[i], r ? ": " : "", r ? err : "");
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char before[600];
		snprintf(before, sizeof(before), "%s", auth_instance_url(a));
		snprintf(body, sizeof(body), "{\"access_token\":\"00Dnew!bad%zu\","
		    "\"instance_url\":\"%s\"}", i, bad[i].url);
		auth_drop_token(a);
		r = auth_token_response(a, 200, body, strlen(body), err,
		    sizeof(err));
		ok(r == -1 && !auth_has_token(a) &&
		    strcmp(auth_instance_url(a), before) == 0 &&
		    strstr(err, "instance_url") != NULL &&
		    (bad[i].host[0] == '\0' || strstr(err, bad[i].host) != NULL),
		    "instance_url %s is refused: %s", bad[i].url, err);
	}
	auth_free(a);

	/* A configured IP host (the simulator): only that host and port. */
	a = auth_make("https://127.0.0.1:8443");
	snprintf(body, sizeof(body), "{\"access_token\":\"00Dx!t\","
	    "\"instance_url\":\"https://127.0.0.1:8443\"}");
	ok(auth_token_response(a, 200, body, strlen(body), err,
	    sizeof(err)) == 0, "the configured host and port");
	snprintf(body, sizeof(body), "{\"access_token\":\"00Dx!t\","
	    "\"instance_url\":\"https://127.0.0.1:9999\"}");
	ok(auth_token_response(a, 200, body, strlen(body), err,
	    sizeof(err)) == -1 && strstr(err, "127.0.0.1") != NULL,
	    "the configured host on another port: %s", err);
	snprintf(body, sizeof(body), "{\"access_token\":\"00Dx!t\","
	    "\"instance_url\":\"https://127.0.0.2:8443\"}");
	ok(auth_token_response(a, 200, body, strlen(body), err,
	    sizeof(err)) == -1, "another IP");
	snprintf(body, sizeof(body), "{\"access_token\":\"00Dx!t\"}");
	ok(auth_token_response(a, 200, body, strlen(body), err,
	    sizeof(err)) == 0 && strcmp(auth_instance_url(a),
	    "https://127.0.0.1:8443") == 0, "no instance_url: kept");
	auth_free(a);
}

/* str_oneline() cut short: never inside a UTF-8 sequence. */
static void
test_oneline_utf8(void)
{
	char	 out[8];
	size_t	 i;
	int	 all = 1;
	/* "ab" then three-byte characters: every cut length lands in one. */
	static const char src[] = "ab\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac";

	for (i = 1; i <= sizeof(out); i++) {
		str_oneline(out, i, src);
		all &= utf8_valid(out, strlen(out));
	}
	ok(all, "str_oneline cut at every length leaves valid UTF-8");
	str_oneline(out, 6, src);
	ok(strcmp(out, "ab\xe2\x82\xac") == 0, "a cut inside the second "
	    "character keeps the first whole: %s", out);
	str_oneline(out, sizeof(out), "plain ascii text");
	ok(strcmp(out, "plain a") == 0, "ASCII is cut where it must be");
}

int
main(void)
{
	struct auth	*a;

	log_init(PROC_PARENT, LOG_LVL_CRITICAL);
	if (sodium_init() == -1)
		fatalx("sodium_init");
	secrets_make();
	a = auth_make("https://acme.my.salesforce.com");
	test_redact(a);
	test_parse_error(a);
	test_token_error(a);
	auth_free(a);
	test_instance_url();
	test_oneline_utf8();
	return tap_done();
}
