/*
 * libFuzzer target: the token endpoint's answer, as the broker's
 * auth_token_response() takes it, with a configured auth of each flow
 * that holds every kind of secret.
 *
 * Input: byte 0 picks the flow (bits 0-1) and the HTTP status (bits
 * 2-4: 200, 400, 401, 403, 500, 502, 503, 302), then the body.
 * Checked: no memory error; a refusal always says why, and neither the
 * refusal nor the instance URL afterwards holds 8 consecutive bytes of
 * any secret the auth held before the answer (the answer's own new
 * token excepted: it is one of the secrets only once kept); a token is
 * kept only from a 200.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "sfrevops.h"
#include "auth.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Fixed, so that seeds can hold pieces of them. */
static const char token[] = "00D5e000000XyZq!AQ0AQFuzzTokenAbcdefghijklmnop";
static const char refresh[] = "5Aep861FuzzRefreshQrstuvwxyz0123456789";
static const char csecret[] = "0123456789ABCDEF0123456789ABCDEF";
static const char *const secrets[] = { token, refresh, csecret };

/* Does text hold 8 bytes of one of the first nheld secrets? */
static int
leaks(const char *text, size_t nheld)
{
	size_t	 i, j, n, t = strlen(text);

	for (i = 0; i < nheld; i++) {
		n = strlen(secrets[i]);
		for (j = 0; j + 8 <= n; j++)
			if (memmem(text, t, secrets[i] + j, 8) != NULL)
				return 1;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const char *const flows[] = { "refresh_token",
	    "client_credentials", "access_token", "jwt" };
	static const long statuses[] = { 200, 400, 401, 403, 500, 502, 503,
	    302 };
	static int	 init;
	struct auth_config c;
	struct auth	*a;
	char		 err[1024], *body;
	long		 status;
	size_t		 nheld;
	int		 r;

	if (!init) {
		if (sodium_init() == -1)
			abort();
		log_init(PROC_BROKER, LOG_LVL_CRITICAL);
		init = 1;
	}
	if (len < 1)
		return 0;
	memset(&c, 0, sizeof(c));
	c.flow = flows[data[0] & 3];
	status = statuses[(data[0] >> 2) & 7];
	c.login_url = "https://login.salesforce.com";
	c.instance_url = "https://acme.my.salesforce.com";
	c.client_id = strcmp(c.flow, "access_token") ? "3MVG9fuzz" : NULL;
	c.username = "fuzz@example.com";
	if ((a = auth_new(&c)) == NULL)
		abort();
	/* The access-token flow holds the token alone. */
	nheld = strcmp(c.flow, "access_token") ? 3 : 1;
	if (auth_set_secret(a, SECRET_ACCESS_TOKEN, token, strlen(token)) ||
	    (strcmp(c.flow, "access_token") &&
	    (auth_set_secret(a, SECRET_REFRESH_TOKEN, refresh,
	    strlen(refresh)) || auth_set_secret(a, SECRET_CLIENT_SECRET,
	    csecret, strlen(csecret)))))
		abort();
	/* The body as libcurl hands it over: its own buffer, NUL-ended. */
	body = malloc(len);
	memcpy(body, data + 1, len - 1);
	body[len - 1] = '\0';
	err[0] = '\0';
	r = auth_token_response(a, status, body, len - 1, err, sizeof(err));
	if (r == -1 && (err[0] == '\0' || leaks(err, nheld)))
		abort();
	if (r == 0 && status != 200)
		abort();
	if (r == -1 && leaks(auth_instance_url(a), nheld))
		abort();
	free(body);
	auth_free(a);
	return 0;
}
