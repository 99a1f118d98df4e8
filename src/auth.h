/*
 * auth.h: the OAuth token and the credentials that renew it (broker only).
 *
 * Every secret lives in libsodium guarded memory, kept PROT_NOACCESS
 * except while in use, and is wiped on release.  No function here logs
 * a secret or puts one in a message.
 */
#ifndef AUTH_H
#define AUTH_H

#include <stddef.h>
#include <stdint.h>

struct auth;	/* opaque */

struct auth_config {
	const char *flow;	/* "access_token" | "refresh_token" | "jwt" |
				   "client_credentials" */
	const char *login_url;	/* token endpoint host: https://login...,
				   the My Domain or the simulator */
	const char *instance_url; /* initial; a token response may replace it */
	const char *client_id;	/* NULL for flow access_token */
	const char *username;	/* jwt only */
	const char *redirect_uri; /* authorization_code (login) only */
};

/* NULL if the configuration is unusable (the reason is logged). */
struct auth	*auth_new(const struct auth_config *);
/*
 * Take a copy of a secret delivered by the parent (kind is enum
 * secret_kind); the caller then wipes its own.  -1 if the kind is
 * unknown, the value empty or longer than SECRET_MAX.
 */
int		 auth_set_secret(struct auth *, uint32_t kind, const char *bytes,
		    size_t len);
/*
 * After all secrets: does the flow have what it needs (a jwt needs a
 * parseable RSA private key)?  -1 with a message naming the missing
 * variable otherwise.
 */
int		 auth_ready(struct auth *, char *errbuf, size_t errlen);
/* The current instance URL, no trailing slash; never NULL. */
const char	*auth_instance_url(struct auth *);
void		 auth_free(struct auth *);	/* wipes everything */

/* ------------------------------------------------ for http.c */

/* The flow's name, and whether it can obtain new tokens by itself. */
const char	*auth_flow(const struct auth *);
int		 auth_can_mint(const struct auth *);
/* 1 if an access token is held. */
int		 auth_has_token(const struct auth *);
/* {login_url}/services/oauth2/token */
const char	*auth_token_url(const struct auth *);
/*
 * The form-encoded body of the flow's token request, in guarded memory
 * (free it with auth_grant_free).  -1 with a message otherwise.
 */
int		 auth_grant_body(struct auth *, char **body, size_t *len,
		    char *errbuf, size_t errlen);
void		 auth_grant_free(char *body);
/*
 * Handle the token endpoint's answer: store the new access token (and
 * instance_url, and a rotated refresh_token when one is returned).
 * -1 with a message saying what to do otherwise; the message carries
 * the endpoint's error and error_description, nothing else of it.
 */
int		 auth_token_response(struct auth *, long status, const char *body,
		    size_t len, char *errbuf, size_t errlen);
/* Forget the access token (Salesforce refused it). */
void		 auth_drop_token(struct auth *);
/*
 * Write "Authorization: Bearer <token>" into dst (the caller wipes it
 * right after use).  -1 if there is no token or dst is too small.
 */
int		 auth_header(struct auth *, char *dst, size_t dstlen);
/*
 * login: the refresh token the authorization code was exchanged for,
 * copied into dst (the caller wipes it); -1 if there is none yet.
 */
int		 auth_refresh_copy(struct auth *, char *dst, size_t dstlen,
		    size_t *len);
/* Replace any secret held by a that occurs in s with "[redacted]". */
void		 auth_redact(struct auth *, char *s);

/* ------------------------------------------------ for tests */

/* base64url without padding of in; -1 if out is too small. */
int		 auth_b64url(const unsigned char *in, size_t len, char *out,
		    size_t outlen);
/*
 * A signed RS256 JWT bearer assertion {iss, sub, aud, exp} made with the
 * PEM private key pem.  Returned in guarded memory: free with
 * auth_grant_free.  NULL with a message otherwise.
 */
char		*auth_jwt_make(const char *iss, const char *sub, const char *aud,
		    long long exp, const char *pem, size_t pemlen, char *errbuf,
		    size_t errlen);

#endif /* AUTH_H */
