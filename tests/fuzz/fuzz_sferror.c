/*
 * libFuzzer target: Salesforce's error answer, as the broker's
 * sfhttp_parse_error() takes it, with an auth that holds a token, a
 * refresh token and a client secret.
 *
 * Input: bytes 0-1 the HTTP status (400 + a value below 200), then the
 * body.  Checked: no memory error; error_code and error_msg are
 * NUL-terminated within their arrays, one line each (no control
 * character), and hold no 8 consecutive bytes of a secret.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "sfrevops.h"
#include "auth.h"
#include "http.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char token[] = "00D5e000000XyZq!AQ0AQFuzzTokenAbcdefghijklmnop";
static const char refresh[] = "5Aep861FuzzRefreshQrstuvwxyz0123456789";
static const char csecret[] = "0123456789ABCDEF0123456789ABCDEF";
static const char *const secrets[] = { token, refresh, csecret };

static int
bad(const char *text, size_t cap)
{
	size_t	 i, j, n, t;

	if ((t = strnlen(text, cap)) == cap)
		return 1;
	for (i = 0; i < t; i++)
		if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
			return 1;
	for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
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
	static struct auth	*a;
	struct auth_config	 c;
	struct sf_response	 r;
	char			*body;
	long			 status;

	if (a == NULL) {
		if (sodium_init() == -1)
			abort();
		log_init(PROC_BROKER, LOG_LVL_CRITICAL);
		memset(&c, 0, sizeof(c));
		c.flow = "refresh_token";
		c.login_url = "https://login.salesforce.com";
		c.instance_url = "https://acme.my.salesforce.com";
		c.client_id = "3MVG9fuzz";
		if ((a = auth_new(&c)) == NULL ||
		    auth_set_secret(a, SECRET_ACCESS_TOKEN, token,
		    strlen(token)) ||
		    auth_set_secret(a, SECRET_REFRESH_TOKEN, refresh,
		    strlen(refresh)) ||
		    auth_set_secret(a, SECRET_CLIENT_SECRET, csecret,
		    strlen(csecret)))
			abort();
	}
	if (len < 2)
		return 0;
	status = 400 + (data[0] | data[1] << 8) % 200;
	body = malloc(len - 1);
	memcpy(body, data + 2, len - 2);
	body[len - 2] = '\0';
	memset(&r, 0, sizeof(r));
	sfhttp_parse_error(a, status, body, len - 2, &r);
	if (bad(r.error_code, sizeof(r.error_code)) ||
	    bad(r.error_msg, sizeof(r.error_msg)))
		abort();
	free(body);
	return 0;
}
