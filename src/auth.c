/*
 * auth.c: the OAuth token and the credentials that renew it.
 *
 * Only the broker links this.  The secrets the parent hands over (access
 * token, refresh token, client secret, private key) are copied into
 * libsodium guarded memory, kept PROT_NOACCESS except for the few
 * instructions that read or replace them, and wiped on release.
 *
 * Four flows: a static access token (the seed's SFDC_ACCESS_TOKEN), the
 * refresh-token grant, the JWT bearer grant (RS256, signed here with
 * OpenSSL) and the client-credentials grant.  This file builds the token
 * request body and reads the token endpoint's answer; http.c carries
 * them, on the same connection pool as everything else.
 *
 * Ownership: struct auth owns every secret; auth_grant_body() and
 * auth_jwt_make() return guarded memory the caller releases with
 * auth_grant_free().  Nothing here logs a secret or writes one into a
 * message.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>

#include "sfrevops.h"
#include "auth.h"

#define URL_MAX		512
#define JWT_LIFETIME	180		/* seconds; Salesforce allows 3 min */
#define RSA_MIN_BITS	2048

enum auth_flow_kind {
	FLOW_ACCESS_TOKEN = 0,
	FLOW_REFRESH_TOKEN,
	FLOW_JWT,
	FLOW_CLIENT_CREDENTIALS,
	FLOW_AUTH_CODE		/* sfrevops-mcp login, once */
};

static const char *const flow_names[] = {
	"access_token", "refresh_token", "jwt", "client_credentials",
	"authorization_code"
};

/* One secret: SECRET_MAX + 1 bytes of guarded memory, NUL-terminated. */
struct gsecret {
	char	*p;
	size_t	 len;
	int	 set;
};

struct auth {
	enum auth_flow_kind	 flow;
	char			 login_url[URL_MAX + 1];
	char			 instance_url[URL_MAX + 1];
	char			 token_url[URL_MAX + 32];
	char			*client_id;
	char			*username;
	char			*redirect_uri;
	struct gsecret		 s[SECRET_KINDS];	/* by enum secret_kind */
};

/* Names of the variables the secrets come from, for messages. */
static const char *const secret_vars[SECRET_KINDS] = {
	NULL,
	"SFDC_ACCESS_TOKEN",
	"SFDC_REFRESH_TOKEN",
	"SFDC_CLIENT_SECRET",
	"SFDC_PRIVATE_KEY",
	NULL,			/* SECRET_DONE */
	"the authorization code",
	"the PKCE code verifier"
};

/* ------------------------------------------------------ guarded memory */

static void
gs_store(struct gsecret *g, const char *bytes, size_t len)
{
	if (g->p == NULL) {
		if ((g->p = sodium_malloc(SECRET_MAX + 1)) == NULL)
			fatalx("sodium_malloc: out of guarded memory");
	} else if (sodium_mprotect_readwrite(g->p) == -1)
		fatalx("sodium_mprotect_readwrite");
	sodium_memzero(g->p, SECRET_MAX + 1);
	memcpy(g->p, bytes, len);
	g->p[len] = '\0';
	g->len = len;
	g->set = 1;
	if (sodium_mprotect_noaccess(g->p) == -1)
		fatalx("sodium_mprotect_noaccess");
}

static const char *
gs_open(struct gsecret *g)
{
	if (sodium_mprotect_readonly(g->p) == -1)
		fatalx("sodium_mprotect_readonly");
	return g->p;
}

static void
gs_close(struct gsecret *g)
{
	if (sodium_mprotect_noaccess(g->p) == -1)
		fatalx("sodium_mprotect_noaccess");
}

static void
gs_clear(struct gsecret *g)
{
	if (g->p != NULL)
		sodium_free(g->p);	/* wipes, then unmaps */
	memset(g, 0, sizeof(*g));
}

void
auth_grant_free(char *p)
{
	if (p != NULL)
		sodium_free(p);
}

/* ---------------------------------------------------------- helpers */

static int
alnum_ascii(unsigned char c)
{
	return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') ||
	    ('0' <= c && c <= '9');
}

/* https://host[:port], nothing after it but an optional slash. */
static int
url_ok(const char *url)
{
	const char	*p;

	if (url == NULL || strlen(url) > URL_MAX ||
	    strncmp(url, "https://", 8) != 0)
		return 0;
	p = url + 8;
	if (*p == '\0' || *p == '/')
		return 0;
	for (; *p != '\0' && *p != '/'; p++)
		if (!(alnum_ascii((unsigned char)*p) || *p == '.' || *p == '-' ||
		    *p == ':' || *p == '[' || *p == ']'))
			return 0;
	return *p == '\0' || (p[0] == '/' && p[1] == '\0');
}

static void
url_copy(char *dst, size_t dstlen, const char *src)
{
	size_t	 n;

	strlcpy_sf(dst, src, dstlen);
	n = strlen(dst);
	if (n > 0 && dst[n - 1] == '/')
		dst[n - 1] = '\0';
}

/* A token goes into an HTTP header: visible ASCII only. */
static int
token_chars_ok(const char *p, size_t len)
{
	size_t	 i;

	if (len == 0 || len > SECRET_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)p[i] < 0x21 || (unsigned char)p[i] > 0x7e)
			return 0;
	return 1;
}

static size_t
b64url_len(size_t n)
{
	return sodium_base64_ENCODED_LEN(n,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int
auth_b64url(const unsigned char *in, size_t len, char *out, size_t outlen)
{
	if (outlen < b64url_len(len))
		return -1;
	sodium_bin2base64(out, outlen, in, len,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return 0;
}

/* ------------------------------------------------------- public API */

struct auth *
auth_new(const struct auth_config *ac)
{
	struct auth	*a;
	size_t		 i;

	if (ac->flow == NULL) {
		log_warnx("auth: no flow configured");
		return NULL;
	}
	for (i = 0; i < sizeof(flow_names) / sizeof(flow_names[0]); i++)
		if (strcmp(ac->flow, flow_names[i]) == 0)
			break;
	if (i == sizeof(flow_names) / sizeof(flow_names[0])) {
		log_warnx("auth: unknown flow '%.40s'", ac->flow);
		return NULL;
	}
	if (!url_ok(ac->instance_url)) {
		log_warnx("auth: the instance URL must be https://host[:port]");
		return NULL;
	}
	if (ac->login_url != NULL && !url_ok(ac->login_url)) {
		log_warnx("auth: the login URL must be https://host[:port]");
		return NULL;
	}
	a = xcalloc(1, sizeof(*a));
	a->flow = (enum auth_flow_kind)i;
	url_copy(a->instance_url, sizeof(a->instance_url), ac->instance_url);
	url_copy(a->login_url, sizeof(a->login_url), ac->login_url != NULL ?
	    ac->login_url : ac->instance_url);
	snprintf(a->token_url, sizeof(a->token_url), "%s/services/oauth2/token",
	    a->login_url);
	if (ac->client_id != NULL && *ac->client_id != '\0')
		a->client_id = xstrdup(ac->client_id);
	if (ac->username != NULL && *ac->username != '\0')
		a->username = xstrdup(ac->username);
	if (ac->redirect_uri != NULL && *ac->redirect_uri != '\0')
		a->redirect_uri = xstrdup(ac->redirect_uri);
	return a;
}

void
auth_free(struct auth *a)
{
	size_t	 i;

	if (a == NULL)
		return;
	for (i = 0; i < SECRET_KINDS; i++)
		gs_clear(&a->s[i]);
	free(a->client_id);
	free(a->username);
	free(a->redirect_uri);
	sodium_memzero(a, sizeof(*a));
	free(a);
}

int
auth_set_secret(struct auth *a, uint32_t kind, const char *bytes, size_t len)
{
	if (kind < SECRET_ACCESS_TOKEN || kind >= SECRET_KINDS ||
	    kind == SECRET_DONE) {
		log_warnx("auth: unknown secret kind %u", kind);
		return -1;
	}
	if (len == 0 || len > SECRET_MAX) {
		log_warnx("auth: %s is empty or longer than %d bytes",
		    secret_vars[kind], SECRET_MAX);
		return -1;
	}
	gs_store(&a->s[kind], bytes, len);
	return 0;
}

/* Parse the PEM key in guarded memory; NULL with a message otherwise. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf; (void)size; (void)rwflag; (void)u;
	return -1;	/* never prompt on a terminal */
}

static EVP_PKEY *
key_load(const char *pem, size_t pemlen, char *errbuf, size_t errlen)
{
	BIO		*bio;
	EVP_PKEY	*pkey;
	char		 why[160];

	if (memmem(pem, pemlen, "ENCRYPTED", 9) != NULL) {
		snprintf(errbuf, errlen, "SFDC_PRIVATE_KEY is encrypted: give "
		    "the key unencrypted (openssl pkey -in key.pem -out "
		    "plain.pem) and protect it with SFDC_PRIVATE_KEY_FILE "
		    "mode 600 or SFDC_PRIVATE_KEY_COMMAND");
		return NULL;
	}
	if (pemlen > SECRET_MAX ||
	    (bio = BIO_new_mem_buf(pem, (int)pemlen)) == NULL) {
		snprintf(errbuf, errlen, "SFDC_PRIVATE_KEY: cannot read it");
		return NULL;
	}
	pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	if (pkey == NULL) {
		ERR_error_string_n(ERR_peek_last_error(), why, sizeof(why));
		ERR_clear_error();
		snprintf(errbuf, errlen, "SFDC_PRIVATE_KEY is not a PEM private "
		    "key that OpenSSL can read (%s): give the connected app's "
		    "RSA key, -----BEGIN PRIVATE KEY----- or -----BEGIN RSA "
		    "PRIVATE KEY-----", why);
		return NULL;
	}
	if (!EVP_PKEY_is_a(pkey, "RSA")) {
		snprintf(errbuf, errlen, "SFDC_PRIVATE_KEY is a %s key: the JWT "
		    "bearer flow signs with RS256 and needs an RSA key",
		    EVP_PKEY_get0_type_name(pkey) ? EVP_PKEY_get0_type_name(pkey) :
		    "non-RSA");
		EVP_PKEY_free(pkey);
		return NULL;
	}
	if (EVP_PKEY_get_bits(pkey) < RSA_MIN_BITS) {
		snprintf(errbuf, errlen, "SFDC_PRIVATE_KEY is an RSA key of %d "
		    "bits: use %d bits or more", EVP_PKEY_get_bits(pkey),
		    RSA_MIN_BITS);
		EVP_PKEY_free(pkey);
		return NULL;
	}
	return pkey;
}

static int
need(int cond, const char *var, const char *flow, char *errbuf, size_t errlen)
{
	if (cond)
		return 0;
	snprintf(errbuf, errlen, "%s is not set: the %s flow needs it", var,
	    flow);
	return -1;
}

int
auth_ready(struct auth *a, char *errbuf, size_t errlen)
{
	const char	*flow = flow_names[a->flow];
	struct gsecret	*at = &a->s[SECRET_ACCESS_TOKEN];
	EVP_PKEY	*pkey;
	int		 ok;

	if (at->set) {
		ok = token_chars_ok(gs_open(at), at->len);
		gs_close(at);
		if (!ok) {
			snprintf(errbuf, errlen, "SFDC_ACCESS_TOKEN contains "
			    "spaces or control characters: give the bare "
			    "token, without \"Bearer \"");
			return -1;
		}
	}
	switch (a->flow) {
	case FLOW_ACCESS_TOKEN:
		return need(at->set, "SFDC_ACCESS_TOKEN", flow, errbuf, errlen);
	case FLOW_REFRESH_TOKEN:
		if (need(a->client_id != NULL, "SFDC_CLIENT_ID", flow, errbuf,
		    errlen) == -1 ||
		    need(a->s[SECRET_REFRESH_TOKEN].set, "SFDC_REFRESH_TOKEN",
		    flow, errbuf, errlen) == -1)
			return -1;
		return 0;
	case FLOW_CLIENT_CREDENTIALS:
		if (need(a->client_id != NULL, "SFDC_CLIENT_ID", flow, errbuf,
		    errlen) == -1 ||
		    need(a->s[SECRET_CLIENT_SECRET].set, "SFDC_CLIENT_SECRET",
		    flow, errbuf, errlen) == -1)
			return -1;
		return 0;
	case FLOW_AUTH_CODE:
		if (need(a->client_id != NULL, "SFDC_CLIENT_ID", flow, errbuf,
		    errlen) == -1 ||
		    need(a->redirect_uri != NULL, "the redirect URI", flow,
		    errbuf, errlen) == -1 ||
		    need(a->s[SECRET_AUTH_CODE].set, "the authorization code",
		    flow, errbuf, errlen) == -1 ||
		    need(a->s[SECRET_CODE_VERIFIER].set, "the code verifier",
		    flow, errbuf, errlen) == -1)
			return -1;
		return 0;
	case FLOW_JWT:
		if (need(a->client_id != NULL, "SFDC_CLIENT_ID", flow, errbuf,
		    errlen) == -1 ||
		    need(a->username != NULL, "SFDC_USERNAME", flow, errbuf,
		    errlen) == -1 ||
		    need(a->s[SECRET_PRIVATE_KEY].set, "SFDC_PRIVATE_KEY", flow,
		    errbuf, errlen) == -1)
			return -1;
		pkey = key_load(gs_open(&a->s[SECRET_PRIVATE_KEY]),
		    a->s[SECRET_PRIVATE_KEY].len, errbuf, errlen);
		gs_close(&a->s[SECRET_PRIVATE_KEY]);
		if (pkey == NULL)
			return -1;
		EVP_PKEY_free(pkey);
		return 0;
	}
	snprintf(errbuf, errlen, "unknown authentication flow");
	return -1;
}

const char *
auth_instance_url(struct auth *a)
{
	return a->instance_url;
}

const char *
auth_flow(const struct auth *a)
{
	return flow_names[a->flow];
}

int
auth_can_mint(const struct auth *a)
{
	return a->flow != FLOW_ACCESS_TOKEN;
}

int
auth_has_token(const struct auth *a)
{
	return a->s[SECRET_ACCESS_TOKEN].set;
}

const char *
auth_token_url(const struct auth *a)
{
	return a->token_url;
}

void
auth_drop_token(struct auth *a)
{
	gs_clear(&a->s[SECRET_ACCESS_TOKEN]);
}

int
auth_header(struct auth *a, char *dst, size_t dstlen)
{
	static const char	 pre[] = "Authorization: Bearer ";
	struct gsecret		*at = &a->s[SECRET_ACCESS_TOKEN];

	if (!at->set || dstlen < sizeof(pre) + at->len)
		return -1;
	memcpy(dst, pre, sizeof(pre) - 1);
	memcpy(dst + sizeof(pre) - 1, gs_open(at), at->len);
	gs_close(at);
	dst[sizeof(pre) - 1 + at->len] = '\0';
	return 0;
}

/* 8 bytes of text as one number, to compare pieces of 8 at once. */
#define REDACT_PIECE	8

static uint64_t
piece_at(const char *p)
{
	uint64_t	 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static int
piece_cmp(const void *x, const void *y)
{
	uint64_t	 a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

/*
 * Mark in marked[] every byte of s (slen bytes) that belongs to a run of
 * REDACT_PIECE bytes also found in the secret v (vlen bytes).  A piece of
 * the secret of any length >= REDACT_PIECE is exactly a run of such
 * 8-byte windows, so this marks every one of them, wherever a cut left
 * it.  The secret's windows go into guarded memory, sorted, and are
 * wiped when done.
 */
static void
redact_mark(const char *s, size_t slen, const char *v, size_t vlen,
    unsigned char *marked)
{
	uint64_t	*w, x;
	size_t		 nw, i, j;

	if (vlen < REDACT_PIECE) {
		/* Too short to have pieces: only the whole secret. */
		for (i = 0; vlen > 0 && i + vlen <= slen; i++)
			if (memcmp(s + i, v, vlen) == 0)
				memset(marked + i, 1, vlen);
		return;
	}
	if (slen < REDACT_PIECE)
		return;
	nw = vlen - REDACT_PIECE + 1;
	if ((w = sodium_allocarray(nw, sizeof(*w))) == NULL)
		fatalx("sodium_allocarray: out of guarded memory");
	for (j = 0; j < nw; j++)
		w[j] = piece_at(v + j);
	qsort(w, nw, sizeof(*w), piece_cmp);
	for (i = 0; i + REDACT_PIECE <= slen; i++) {
		x = piece_at(s + i);
		if (bsearch(&x, w, nw, sizeof(*w), piece_cmp) != NULL)
			memset(marked + i, 1, REDACT_PIECE);
	}
	sodium_memzero(&x, sizeof(x));
	sodium_free(w);
}

/*
 * Every secret held, and every piece of 8 or more bytes of one, becomes
 * "[redacted]" (or as many '*' when the piece is shorter than that, so s
 * never grows).  The bytes freed at the end of s are zeroed.  A text cut
 * before or after this holds no 8 consecutive bytes of a secret either:
 * what a cut leaves of a piece is itself a piece, or shorter than 8.
 */
int
auth_refresh_copy(struct auth *a, char *dst, size_t dstlen, size_t *len)
{
	struct gsecret	*rt = &a->s[SECRET_REFRESH_TOKEN];

	if (!rt->set || rt->len >= dstlen)
		return -1;
	memcpy(dst, gs_open(rt), rt->len);
	gs_close(rt);
	dst[rt->len] = '\0';
	*len = rt->len;
	return 0;
}

void
auth_redact(struct auth *a, char *s)
{
	static const char	 mark[] = "[redacted]";
	unsigned char		*marked;
	size_t			 i, r, o, slen, k;
	int			 any = 0;

	if (a == NULL || s == NULL || (slen = strlen(s)) == 0)
		return;
	marked = xcalloc(slen, 1);
	for (k = SECRET_ACCESS_TOKEN; k < SECRET_KINDS; k++) {
		struct gsecret *g = &a->s[k];

		if (k == SECRET_DONE || !g->set)
			continue;
		redact_mark(s, slen, gs_open(g), g->len, marked);
		gs_close(g);
	}
	for (i = 0; i < slen; i++)
		any |= marked[i];
	if (!any) {
		free(marked);
		return;
	}
	for (i = 0, o = 0; i < slen; ) {
		if (!marked[i]) {
			s[o++] = s[i++];
			continue;
		}
		for (r = 0; i + r < slen && marked[i + r]; r++)
			;
		if (r >= sizeof(mark) - 1) {
			memcpy(s + o, mark, sizeof(mark) - 1);
			o += sizeof(mark) - 1;
		} else {
			memset(s + o, '*', r);
			o += r;
		}
		i += r;
	}
	sodium_memzero(s + o, slen - o);
	free(marked);
}

/* ----------------------------------------------------------- the JWT */

char *
auth_jwt_make(const char *iss, const char *sub, const char *aud,
    long long exp, const char *pem, size_t pemlen, char *errbuf,
    size_t errlen)
{
	static const char	 header[] = "{\"alg\":\"RS256\"}";
	cJSON			*claims;
	char			*cjson, *input = NULL, *out = NULL, expbuf[32];
	unsigned char		*sig = NULL;
	size_t			 clen, inlen, siglen = 0, cap;
	EVP_PKEY		*pkey;
	EVP_MD_CTX		*md = NULL;

	if ((pkey = key_load(pem, pemlen, errbuf, errlen)) == NULL)
		return NULL;

	if ((claims = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	snprintf(expbuf, sizeof(expbuf), "%lld", exp);
	if (cJSON_AddStringToObject(claims, "iss", iss) == NULL ||
	    cJSON_AddStringToObject(claims, "sub", sub) == NULL ||
	    cJSON_AddStringToObject(claims, "aud", aud) == NULL ||
	    cJSON_AddRawToObject(claims, "exp", expbuf) == NULL ||
	    (cjson = cJSON_PrintUnformatted(claims)) == NULL)
		fatalx("cJSON: out of memory");
	cJSON_Delete(claims);
	clen = strlen(cjson);

	/* header.claims, then the signature over exactly those bytes */
	inlen = b64url_len(sizeof(header) - 1) - 1 + 1 + b64url_len(clen) - 1;
	input = xmalloc(inlen + 1);
	(void)auth_b64url((const unsigned char *)header, sizeof(header) - 1,
	    input, inlen + 1);
	strlcpy_sf(input + strlen(input), ".", 2);
	(void)auth_b64url((const unsigned char *)cjson, clen,
	    input + strlen(input), inlen + 1 - strlen(input));
	cJSON_free(cjson);
	inlen = strlen(input);

	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pkey) != 1 ||
	    EVP_DigestSign(md, NULL, &siglen, (unsigned char *)input,
	    inlen) != 1 || siglen == 0 || siglen > 2048)
		goto sslfail;
	sig = xmalloc(siglen);
	if (EVP_DigestSign(md, sig, &siglen, (unsigned char *)input,
	    inlen) != 1)
		goto sslfail;

	cap = inlen + 1 + b64url_len(siglen);
	if ((out = sodium_malloc(cap)) == NULL)
		fatalx("sodium_malloc: out of guarded memory");
	memcpy(out, input, inlen);
	out[inlen] = '.';
	(void)auth_b64url(sig, siglen, out + inlen + 1, cap - inlen - 1);
	goto done;

sslfail:
	{
		char why[160];
		ERR_error_string_n(ERR_peek_last_error(), why, sizeof(why));
		snprintf(errbuf, errlen, "cannot sign the JWT with "
		    "SFDC_PRIVATE_KEY (%s)", why);
	}
	ERR_clear_error();
done:
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pkey);
	free(sig);
	free(input);
	return out;
}

/* --------------------------------------------------- the token grant */

/* application/x-www-form-urlencoded, into a buffer sized by the caller. */
static void
form_add(char *dst, size_t cap, size_t *off, const char *key,
    const char *val, size_t vlen)
{
	static const char	 hex[] = "0123456789ABCDEF";
	size_t			 i, o = *off;

	if (o + strlen(key) + 2 + 3 * vlen >= cap)
		fatalx("form_add: buffer too small");
	if (o > 0)
		dst[o++] = '&';
	memcpy(dst + o, key, strlen(key));
	o += strlen(key);
	dst[o++] = '=';
	for (i = 0; i < vlen; i++) {
		unsigned char c = (unsigned char)val[i];
		if (alnum_ascii(c) || c == '-' || c == '.' || c == '_' ||
		    c == '~')
			dst[o++] = (char)c;
		else {
			dst[o++] = '%';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 0xf];
		}
	}
	dst[o] = '\0';
	*off = o;
}

int
auth_grant_body(struct auth *a, char **bodyp, size_t *lenp, char *errbuf,
    size_t errlen)
{
	struct gsecret	*rt = &a->s[SECRET_REFRESH_TOKEN];
	struct gsecret	*cs = &a->s[SECRET_CLIENT_SECRET];
	struct gsecret	*pk = &a->s[SECRET_PRIVATE_KEY];
	char		*body, *jwt = NULL;
	size_t		 cap, off = 0, idlen;

	*bodyp = NULL;
	*lenp = 0;
	if (a->flow == FLOW_ACCESS_TOKEN || a->client_id == NULL) {
		snprintf(errbuf, errlen, "the %s flow cannot obtain tokens",
		    flow_names[a->flow]);
		return -1;
	}
	idlen = strlen(a->client_id);
	if (a->flow == FLOW_JWT) {
		if (a->username == NULL || !pk->set) {
			snprintf(errbuf, errlen, "the jwt flow needs "
			    "SFDC_USERNAME and SFDC_PRIVATE_KEY");
			return -1;
		}
		jwt = auth_jwt_make(a->client_id, a->username, a->login_url,
		    (long long)time(NULL) + JWT_LIFETIME, gs_open(pk), pk->len,
		    errbuf, errlen);
		gs_close(pk);
		if (jwt == NULL)
			return -1;
	}
	cap = 256 + 3 * (idlen + rt->len + cs->len +
	    (jwt != NULL ? strlen(jwt) : 0) + a->s[SECRET_AUTH_CODE].len +
	    a->s[SECRET_CODE_VERIFIER].len +
	    (a->redirect_uri != NULL ? strlen(a->redirect_uri) : 0));
	if ((body = sodium_malloc(cap)) == NULL)
		fatalx("sodium_malloc: out of guarded memory");
	body[0] = '\0';

	switch (a->flow) {
	case FLOW_REFRESH_TOKEN:
		if (!rt->set) {
			snprintf(errbuf, errlen, "SFDC_REFRESH_TOKEN is not set");
			sodium_free(body);
			return -1;
		}
		form_add(body, cap, &off, "grant_type", "refresh_token", 13);
		form_add(body, cap, &off, "refresh_token", gs_open(rt),
		    rt->len);
		gs_close(rt);
		form_add(body, cap, &off, "client_id", a->client_id, idlen);
		if (cs->set) {
			form_add(body, cap, &off, "client_secret", gs_open(cs),
			    cs->len);
			gs_close(cs);
		}
		break;
	case FLOW_JWT:
		form_add(body, cap, &off, "grant_type",
		    "urn:ietf:params:oauth:grant-type:jwt-bearer", 43);
		form_add(body, cap, &off, "assertion", jwt, strlen(jwt));
		sodium_free(jwt);
		break;
	case FLOW_CLIENT_CREDENTIALS:
		if (!cs->set) {
			snprintf(errbuf, errlen, "SFDC_CLIENT_SECRET is not set");
			sodium_free(body);
			return -1;
		}
		form_add(body, cap, &off, "grant_type", "client_credentials",
		    18);
		form_add(body, cap, &off, "client_id", a->client_id, idlen);
		form_add(body, cap, &off, "client_secret", gs_open(cs),
		    cs->len);
		gs_close(cs);
		break;
	case FLOW_AUTH_CODE: {
		struct gsecret *code = &a->s[SECRET_AUTH_CODE];
		struct gsecret *ver = &a->s[SECRET_CODE_VERIFIER];

		/* RFC 6749 4.1.3 and RFC 7636 4.5; a code is good once. */
		if (!code->set || !ver->set || a->redirect_uri == NULL) {
			snprintf(errbuf, errlen, "the authorization code was "
			    "used already: run sfrevops-mcp login again");
			sodium_free(body);
			return -1;
		}
		form_add(body, cap, &off, "grant_type", "authorization_code",
		    18);
		form_add(body, cap, &off, "code", gs_open(code), code->len);
		gs_close(code);
		form_add(body, cap, &off, "client_id", a->client_id, idlen);
		form_add(body, cap, &off, "redirect_uri", a->redirect_uri,
		    strlen(a->redirect_uri));
		form_add(body, cap, &off, "code_verifier", gs_open(ver),
		    ver->len);
		gs_close(ver);
		if (cs->set) {
			form_add(body, cap, &off, "client_secret", gs_open(cs),
			    cs->len);
			gs_close(cs);
		}
		break;
	}
	case FLOW_ACCESS_TOKEN:
		break;
	}
	form_add(body, cap, &off, "format", "json", 4);
	*bodyp = body;
	*lenp = off;
	return 0;
}

/* What to check, by flow, when the token endpoint refuses. */
static const char *
flow_advice(enum auth_flow_kind flow)
{
	switch (flow) {
	case FLOW_REFRESH_TOKEN:
		return "check SFDC_CLIENT_ID, SFDC_CLIENT_SECRET (if the "
		    "connected app requires it) and SFDC_REFRESH_TOKEN, or set "
		    "a new SFDC_REFRESH_TOKEN";
	case FLOW_JWT:
		return "check SFDC_USERNAME, that the connected app "
		    "(SFDC_CLIENT_ID) holds the certificate of SFDC_PRIVATE_KEY "
		    "and that the user is pre-authorized for it, and that "
		    "SFDC_LOGIN_URL is login.salesforce.com, test.salesforce.com "
		    "or your My Domain";
	case FLOW_CLIENT_CREDENTIALS:
		return "check SFDC_CLIENT_ID and SFDC_CLIENT_SECRET, that the "
		    "connected app enables the client credentials flow with a "
		    "run-as user, and that SFDC_LOGIN_URL is your My Domain URL";
	case FLOW_AUTH_CODE:
		return "check SFDC_CLIENT_ID, that the connected app's callback "
		    "URL is exactly the redirect URI printed, and whether it "
		    "requires a secret for the web server flow "
		    "(SFDC_CLIENT_SECRET); a code is good once: run "
		    "sfrevops-mcp login again";
	case FLOW_ACCESS_TOKEN:
		break;
	}
	return "provide a fresh SFDC_ACCESS_TOKEN";
}

static void
token_refused(struct auth *a, long status, const char *error,
    const char *desc, char *errbuf, size_t errlen)
{
	char	 what[400];

	if (*error != '\0' && *desc != '\0')
		snprintf(what, sizeof(what), "%s: %s", error, desc);
	else if (*error != '\0')
		snprintf(what, sizeof(what), "%s", error);
	else
		snprintf(what, sizeof(what), "HTTP %ld", status);

	if (a->flow == FLOW_REFRESH_TOKEN &&
	    strcmp(error, "invalid_grant") == 0)
		snprintf(errbuf, errlen, "the refresh token was rejected (%s): "
		    "it has expired or was revoked; set a new "
		    "SFDC_REFRESH_TOKEN", what);
	else if (strcmp(error, "invalid_client_id") == 0 ||
	    strcmp(error, "invalid_client") == 0)
		snprintf(errbuf, errlen, "the token endpoint %s does not accept "
		    "the client credentials (%s): check SFDC_CLIENT_ID and "
		    "SFDC_CLIENT_SECRET", a->login_url, what);
	else
		snprintf(errbuf, errlen, "the token endpoint %s refused the %s "
		    "grant (%s): %s", a->login_url, flow_names[a->flow], what,
		    flow_advice(a->flow));
}

/* Wipe every string value of a parsed token response before freeing. */
static void
json_wipe(cJSON *j)
{
	cJSON	*c;

	for (c = j != NULL ? j->child : NULL; c != NULL; c = c->next) {
		if (cJSON_IsString(c) && c->valuestring != NULL)
			sodium_memzero(c->valuestring, strlen(c->valuestring));
		else if (c->child != NULL)
			json_wipe(c);
	}
}

static const char *
json_str(const cJSON *j, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(j, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* src (may be NULL) as one line of at most dstlen - 1 bytes, with every
 * secret redacted before the cut and again after it. */
static void
oneline_redacted(struct auth *a, char *dst, size_t dstlen, const char *src)
{
	char	*copy;
	size_t	 n;

	if (src == NULL)
		src = "";
	n = strlen(src);
	copy = xstrdup(src);
	auth_redact(a, copy);
	str_oneline(dst, dstlen, copy);
	auth_redact(a, dst);
	sodium_memzero(copy, n);
	free(copy);
}

/* The host of url, lowercased, and its port (443 by default), with
 * libcurl's URL parser; -1 if it is not an https URL with a host. */
static int
url_host(const char *url, char *host, size_t hostlen, long *port)
{
	CURLU	*u;
	char	*scheme = NULL, *h = NULL, *p = NULL;
	int	 ret = -1;
	size_t	 i;

	host[0] = '\0';
	if ((u = curl_url()) == NULL)
		fatalx("curl_url: out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) ==
	    CURLUE_OK) {
		str_oneline(host, hostlen, h);
		for (i = 0; host[i] != '\0'; i++)
			if ('A' <= host[i] && host[i] <= 'Z')
				host[i] = (char)(host[i] - 'A' + 'a');
		*port = strtol(p, NULL, 10);
		ret = strcmp(scheme, "https") == 0 && host[0] != '\0' ? 0 : -1;
	}
	curl_free(scheme);
	curl_free(h);
	curl_free(p);
	curl_url_cleanup(u);
	return ret;
}

/*
 * A token answer may move the instance only to the host (and port) in
 * use, which is the configured one or one this rule let in before, or
 * to a host of the same My Domain (acme.my.salesforce.com,
 * acme--uat.sandbox.my.salesforce.com, acme.lightning.force.com) on port
 * 443: not to any Salesforce host, which anybody can have.  An
 * IP literal, a look-alike, a trailing dot or user@ is refused; the
 * message names the host.  Hosts compare case-insensitively.
 */
static int
instance_url_check(struct auth *a, const char *iu, char *errbuf,
    size_t errlen)
{
	char	 host[256], cur[256];
	long	 port = 0, cport = 0;

	if (url_host(iu, host, sizeof(host), &port) == 0 && url_ok(iu) &&
	    url_host(a->instance_url, cur, sizeof(cur), &cport) == 0 &&
	    ((strcmp(host, cur) == 0 && port == cport) ||
	    (policy_same_mydomain(cur, host) && port == 443)))
		return 0;
	if (host[0] == '\0')
		oneline_redacted(a, host, sizeof(host), iu);
	snprintf(errbuf, errlen, "the token endpoint %s answered with an "
	    "instance_url on host '%s' (port %ld), which is neither the "
	    "configured instance host nor a host of its My Domain over "
	    "https on port 443: the token was not kept; check SFDC_LOGIN_URL "
	    "and SFDC_INSTANCE_URL (the org's My Domain URL)", a->login_url,
	    host, port);
	return -1;
}

int
auth_token_response(struct auth *a, long status, const char *body,
    size_t len, char *errbuf, size_t errlen)
{
	cJSON		*j;
	const char	*at, *rt, *iu, *e, *d;
	char		 error[64], desc[256];
	int		 ret = -1;

	j = body != NULL && len > 0 ? cJSON_ParseWithLength(body, len) : NULL;
	if (j == NULL || !cJSON_IsObject(j)) {
		if (status >= 200 && status < 300)
			snprintf(errbuf, errlen, "the token endpoint %s answered "
			    "HTTP %ld with something that is not an OAuth token "
			    "response: check SFDC_LOGIN_URL", a->login_url,
			    status);
		else
			snprintf(errbuf, errlen, "the token endpoint %s answered "
			    "HTTP %ld without an OAuth error (a proxy, an outage "
			    "or maintenance?): check SFDC_LOGIN_URL, or try "
			    "again later", a->login_url, status);
		json_wipe(j);
		cJSON_Delete(j);
		return -1;
	}
	e = json_str(j, "error");
	if (status != 200 || e != NULL) {
		/* Redacted before they are cut (and after, once joined). */
		oneline_redacted(a, error, sizeof(error), e);
		d = json_str(j, "error_description");
		oneline_redacted(a, desc, sizeof(desc), d);
		token_refused(a, status, error, desc, errbuf, errlen);
		goto out;
	}
	at = json_str(j, "access_token");
	if (at == NULL || !token_chars_ok(at, strlen(at))) {
		snprintf(errbuf, errlen, "the token endpoint %s answered "
		    "without a usable access_token: check SFDC_LOGIN_URL",
		    a->login_url);
		goto out;
	}
	rt = json_str(j, "refresh_token");
	if (rt != NULL && (strlen(rt) == 0 || strlen(rt) > SECRET_MAX)) {
		snprintf(errbuf, errlen, "the token endpoint %s answered with "
		    "an unusable refresh_token", a->login_url);
		goto out;
	}
	if (a->flow == FLOW_AUTH_CODE && rt == NULL) {
		snprintf(errbuf, errlen, "the token endpoint %s answered "
		    "without a refresh_token: give the connected app the "
		    "refresh_token, offline_access scope", a->login_url);
		goto out;
	}
	/* Where the token may be used, before it is kept. */
	iu = json_str(j, "instance_url");
	if (iu != NULL && instance_url_check(a, iu, errbuf, errlen) == -1)
		goto out;
	gs_store(&a->s[SECRET_ACCESS_TOKEN], at, strlen(at));
	if (rt != NULL && a->flow == FLOW_REFRESH_TOKEN) {
		gs_store(&a->s[SECRET_REFRESH_TOKEN], rt, strlen(rt));
		log_info("auth: the refresh token was rotated");
	}
	if (a->flow == FLOW_AUTH_CODE) {
		/* Spent: from now on the refresh token renews. */
		gs_store(&a->s[SECRET_REFRESH_TOKEN], rt, strlen(rt));
		gs_clear(&a->s[SECRET_AUTH_CODE]);
		gs_clear(&a->s[SECRET_CODE_VERIFIER]);
		log_info("auth: obtained an access token (authorization_code "
		    "grant) and a refresh token");
		a->flow = FLOW_REFRESH_TOKEN;
		if (iu != NULL)
			url_copy(a->instance_url, sizeof(a->instance_url), iu);
		ret = 0;
		goto out;
	}
	if (iu != NULL)
		url_copy(a->instance_url, sizeof(a->instance_url), iu);
	log_info("auth: obtained an access token (%s grant)",
	    flow_names[a->flow]);
	ret = 0;
out:
	if (ret == -1)
		auth_redact(a, errbuf);
	json_wipe(j);
	cJSON_Delete(j);
	return ret;
}
