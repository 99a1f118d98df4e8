/*
 * cli_login.c: sfrevops-mcp login, the OAuth 2.0 web server flow with
 * PKCE (RFC 6749 4.1, RFC 7636 S256) on a loopback callback.
 *
 *	1. the parent checks where the refresh token will go, listens on
 *	   localhost:PORT (127.0.0.1 and ::1), and prints the authorize URL
 *	   (it opens no browser);
 *	2. the browser comes back to http://localhost:PORT/callback with a
 *	   code and the state, which must be ours (compared in constant
 *	   time); the parent answers with a short page and stops listening;
 *	3. the parent starts the broker alone, in login mode, handing it the
 *	   code and the verifier as secrets: the broker is the only TLS
 *	   client, so it exchanges the code at the token endpoint, proves
 *	   the token by asking who it is, and sends the refresh token back
 *	   (IMSG_LOGIN_TOKEN) with the identity;
 *	4. the parent stores the refresh token in a file only its owner can
 *	   read ($XDG_CONFIG_HOME/sfrevops-mcp/refresh_token), or prints it
 *	   with --print, for SFDC_REFRESH_TOKEN_FILE.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "sfrevops.h"
#include "conf.h"
#include "cli.h"

#define LOGIN_PORT_DEFAULT	1717	/* the design note's Connected App */
#define LOGIN_WAIT_MS		(5 * 60 * 1000)	/* for the browser */
#define LOGIN_REQ_MS		10000	/* for one request's bytes */
#define LOGIN_REQ_MAX		8192	/* bytes of one request */
#define LOGIN_CODE_MAX		2048	/* bytes of a code, decoded */

static int	 opt_sandbox, opt_print;
static long	 opt_port = LOGIN_PORT_DEFAULT;
static char	 redirect[64];
static char	 state[64];
static char	 token_path[PATH_MAX];
static char	 instance[512];
static int	 status = -1;	/* -1: not finished */
static int	 have_token;

static void __attribute__((noreturn))
login_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void __attribute__((noreturn))
login_usage(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "%s: login: ", SFREVOPS_NAME);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: %s [-f file] login [--sandbox] [--port N] "
	    "[--print]\n", SFREVOPS_NAME);
	exit(2);
}

/* Said, and the exit status is 1. */
static void __attribute__((noreturn))
login_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void __attribute__((noreturn))
login_fail(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "%s: login: ", SFREVOPS_NAME);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

void
cli_login_args(int argc, char *argv[])
{
	char	*end;
	int	 i;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--sandbox") == 0)
			opt_sandbox = 1;
		else if (strcmp(argv[i], "--print") == 0)
			opt_print = 1;
		else if (strcmp(argv[i], "--port") == 0) {
			if (i + 1 == argc)
				login_usage("--port needs a number");
			errno = 0;
			opt_port = strtol(argv[++i], &end, 10);
			if (errno != 0 || end == argv[i] || *end != '\0' ||
			    opt_port < 1 || opt_port > 65535)
				login_usage("--port must be a port number from "
				    "1 to 65535, not '%.20s'", argv[i]);
		} else
			login_usage("unknown %s '%s'", argv[i][0] == '-' ?
			    "option" : "argument", argv[i]);
	}
	snprintf(redirect, sizeof(redirect), "http://localhost:%ld/callback",
	    opt_port);
}

const char *
cli_login_redirect(void)
{
	return redirect;
}

int
cli_login_sandbox(void)
{
	return opt_sandbox;
}

/* ------------------------------------------------------ the token file */

/* A directory of ours that nobody else may write, made (0700) if absent. */
static void
dir_check(const char *dir, int create)
{
	struct stat	 st;

	if (lstat(dir, &st) == -1) {
		if (errno != ENOENT || !create)
			login_fail("%s: %s", dir, strerror(errno));
		if (mkdir(dir, 0700) == -1)
			login_fail("mkdir %s: %s", dir, strerror(errno));
		if (lstat(dir, &st) == -1)
			login_fail("%s: %s", dir, strerror(errno));
	}
	if (!S_ISDIR(st.st_mode))
		login_fail("%s is not a directory (a symbolic link is refused)",
		    dir);
	if (st.st_uid != geteuid())
		login_fail("%s is owned by uid %u, not by us: refusing to keep "
		    "a refresh token there", dir, (unsigned)st.st_uid);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		login_fail("%s is writable by group or others (mode %03o): "
		    "refusing to keep a refresh token there; run: chmod go-w %s",
		    dir, (unsigned)(st.st_mode & 0777), dir);
}

/* Where the token goes, checked before anything is asked of anyone. */
static void
token_path_init(void)
{
	const char	*xdg = getenv("XDG_CONFIG_HOME"), *home;
	char		 base[PATH_MAX], dir[PATH_MAX];

	if (xdg != NULL && *xdg == '/')
		strlcpy_sf(base, xdg, sizeof(base));
	else if ((home = getenv("HOME")) != NULL && *home == '/') {
		if ((size_t)snprintf(base, sizeof(base), "%s/.config", home) >=
		    sizeof(base))
			login_fail("$HOME is too long");
	} else
		login_fail("neither XDG_CONFIG_HOME nor HOME is an absolute "
		    "path: set one, or use --print");
	if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", base, SFREVOPS_NAME) >=
	    sizeof(dir) || (size_t)snprintf(token_path, sizeof(token_path),
	    "%s/refresh_token", dir) >= sizeof(token_path))
		login_fail("%s: path too long", base);
	dir_check(base, 1);
	dir_check(dir, 1);
}

/* Written whole to a new file, then renamed over the old one. */
static void
token_store(const char *rt, size_t len)
{
	char	 tmp[PATH_MAX], dir[PATH_MAX], *slash;
	size_t	 off = 0;
	ssize_t	 n;
	int	 fd, dfd;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", token_path) >=
	    sizeof(tmp))
		login_fail("%s: path too long", token_path);
	if ((fd = mkstemp(tmp)) == -1)
		login_fail("mkstemp %s: %s", tmp, strerror(errno));
	if (fchmod(fd, 0600) == -1)
		login_fail("fchmod %s: %s", tmp, strerror(errno));
	while (off < len) {
		n = write(fd, rt + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			(void)unlink(tmp);
			login_fail("write %s: %s", tmp, strerror(errno));
		}
		off += (size_t)n;
	}
	if (write(fd, "\n", 1) != 1 || fsync(fd) == -1 || close(fd) == -1) {
		(void)unlink(tmp);
		login_fail("%s: %s", tmp, strerror(errno));
	}
	if (rename(tmp, token_path) == -1) {
		(void)unlink(tmp);
		login_fail("rename %s: %s", token_path, strerror(errno));
	}
	strlcpy_sf(dir, token_path, sizeof(dir));
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fsync(dfd) == -1 || close(dfd) == -1)
		login_fail("fsync %s: %s", dir, strerror(errno));
}

/* ------------------------------------------------------- the callback */

static void
b64url(const unsigned char *in, size_t len, char *out, size_t outlen)
{
	sodium_bin2base64(out, outlen, in, len,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* Percent-encode s for a query (RFC 3986 unreserved kept). */
static void
url_encode(const char *s, char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t	 o = 0;

	for (; *s != '\0' && o + 4 < outlen; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~')
			out[o++] = (char)c;
		else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * The value of key in a query string (a=b&c=d), percent-decoded into
 * out; 0 if absent, -1 if malformed or longer than outlen - 1.
 */
static int
query_get(const char *q, const char *key, char *out, size_t outlen)
{
	size_t	 klen = strlen(key), o;
	const char *p = q, *end;

	while (*p != '\0') {
		end = p + strcspn(p, "&");
		if ((size_t)(end - p) > klen && strncmp(p, key, klen) == 0 &&
		    p[klen] == '=') {
			for (p += klen + 1, o = 0; p < end; p++) {
				int c = (unsigned char)*p;
				if (c == '%') {
					if (end - p < 3 || hexval(p[1]) < 0 ||
					    hexval(p[2]) < 0)
						return -1;
					c = hexval(p[1]) * 16 + hexval(p[2]);
					p += 2;
				} else if (c == '+')
					c = ' ';
				if (c == '\0' || o + 1 >= outlen)
					return -1;
				out[o++] = (char)c;
			}
			out[o] = '\0';
			return 1;
		}
		p = *end == '&' ? end + 1 : end;
	}
	return 0;
}

static void
respond(int fd, const char *status_line, const char *body)
{
	char	 msg[2048];
	int	 n;

	n = snprintf(msg, sizeof(msg), "HTTP/1.1 %s\r\nContent-Type: "
	    "text/html; charset=utf-8\r\nCache-Control: no-store\r\n"
	    "Connection: close\r\nContent-Length: %zu\r\n\r\n%s", status_line,
	    strlen(body), body);
	if (n > 0 && (size_t)n < sizeof(msg) && write(fd, msg, (size_t)n) == -1)
		log_debug("login: the browser went away: %s", strerror(errno));
}

/* One request's head, at most LOGIN_REQ_MAX bytes within LOGIN_REQ_MS. */
static int
read_head(int fd, char *buf, size_t len)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	uint64_t	 deadline = now_ms() + LOGIN_REQ_MS;
	size_t		 off = 0;
	ssize_t		 n;

	while (off + 1 < len) {
		uint64_t now = now_ms();
		if (now >= deadline || poll(&pfd, 1, (int)(deadline - now)) <= 0)
			return -1;
		if ((n = read(fd, buf + off, len - 1 - off)) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			return -1;
		}
		off += (size_t)n;
		buf[off] = '\0';
		if (strstr(buf, "\r\n\r\n") != NULL ||
		    strstr(buf, "\n\n") != NULL)
			return 0;
	}
	return -1;
}

static int
listen_on(int family, long port)
{
	struct sockaddr_in	 a4;
	struct sockaddr_in6	 a6;
	int			 fd, on = 1;

	if ((fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		fatal("setsockopt");
	if (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
	    &on, sizeof(on)) == -1)
		fatal("setsockopt IPV6_V6ONLY");
	if (family == AF_INET) {
		memset(&a4, 0, sizeof(a4));
		a4.sin_family = AF_INET;
		a4.sin_port = htons((uint16_t)port);
		a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (bind(fd, (struct sockaddr *)&a4, sizeof(a4)) == -1)
			goto fail;
	} else {
		memset(&a6, 0, sizeof(a6));
		a6.sin6_family = AF_INET6;
		a6.sin6_port = htons((uint16_t)port);
		a6.sin6_addr = in6addr_loopback;
		if (bind(fd, (struct sockaddr *)&a6, sizeof(a6)) == -1)
			goto fail;
	}
	if (listen(fd, 8) == -1)
		goto fail;
	return fd;
fail:
	{
		int e = errno;
		(void)close(fd);
		errno = e;
	}
	return -1;
}

/*
 * Wait for the browser: one GET /callback with our state.  Anything
 * else (a favicon, another path) is answered 404 and waited past.
 */
static void
await_code(int lfd[2], struct sf_config *c)
{
	struct pollfd	 pfd[2];
	char		 req[LOGIN_REQ_MAX + 1], *q, *sp, got[128];
	char		 code[LOGIN_CODE_MAX + 1], err[256], desc[512];
	uint64_t	 deadline = now_ms() + LOGIN_WAIT_MS;
	int		 i, fd, n;

	for (;;) {
		uint64_t now = now_ms();

		if (now >= deadline)
			login_fail("no answer from the browser within %d "
			    "minutes: run login again", LOGIN_WAIT_MS / 60000);
		for (n = 0, i = 0; i < 2; i++)
			if (lfd[i] != -1) {
				pfd[n].fd = lfd[i];
				pfd[n].events = POLLIN;
				n++;
			}
		if (poll(pfd, (nfds_t)n, (int)(deadline - now)) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		for (i = 0; i < n; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			if ((fd = accept4(pfd[i].fd, NULL, NULL,
			    SOCK_CLOEXEC)) == -1)
				continue;
			if (read_head(fd, req, sizeof(req)) == -1 ||
			    strncmp(req, "GET ", 4) != 0 ||
			    (sp = strchr(req + 4, ' ')) == NULL) {
				respond(fd, "400 Bad Request", "<p>Bad "
				    "request.</p>");
				(void)close(fd);
				continue;
			}
			*sp = '\0';
			q = strchr(req + 4, '?');
			if (strncmp(req + 4, "/callback", 9) != 0 ||
			    (req[13] != '\0' && req[13] != '?')) {
				respond(fd, "404 Not Found", "<p>Not "
				    "found.</p>");
				(void)close(fd);
				continue;
			}
			q = q != NULL ? q + 1 : (char *)"";
			if (query_get(q, "state", got, sizeof(got)) != 1 ||
			    strlen(got) != strlen(state) ||
			    sodium_memcmp(got, state, strlen(state)) != 0) {
				respond(fd, "400 Bad Request", "<p>This is "
				    "not the answer to this login: run "
				    "<code>sfrevops-mcp login</code> "
				    "again.</p>");
				(void)close(fd);
				login_fail("the callback's state does not match "
				    "this login's (a stale browser tab, or a "
				    "request not from Salesforce): nothing was "
				    "exchanged; run login again");
			}
			if (query_get(q, "error", err, sizeof(err)) == 1) {
				if (query_get(q, "error_description", desc,
				    sizeof(desc)) != 1)
					desc[0] = '\0';
				respond(fd, "200 OK", "<p>Salesforce refused "
				    "the authorization; see the terminal.</p>");
				(void)close(fd);
				{
					char e1[256], d1[512];

					str_oneline(e1, sizeof(e1), err);
					str_oneline(d1, sizeof(d1), desc);
					login_fail("Salesforce refused the "
					    "authorization: %s%s%s", e1,
					    d1[0] ? ": " : "", d1);
				}
			}
			if (query_get(q, "code", code, sizeof(code)) != 1 ||
			    code[0] == '\0') {
				respond(fd, "400 Bad Request", "<p>No "
				    "authorization code.</p>");
				(void)close(fd);
				login_fail("the callback carries no usable "
				    "authorization code (at most %d bytes)",
				    LOGIN_CODE_MAX);
			}
			respond(fd, "200 OK", "<p>Signed in to Salesforce. "
			    "You can close this window; sfrevops-mcp "
			    "finishes in the terminal.</p>");
			(void)close(fd);
			if (secret_set(&c->auth_code, code, strlen(code)) == -1)
				login_fail("sodium_malloc failed");
			sodium_memzero(code, sizeof(code));
			sodium_memzero(req, sizeof(req));
			return;
		}
	}
}

void
cli_login_authorize(struct sf_config *c)
{
	unsigned char	 raw[32], hash[crypto_hash_sha256_BYTES];
	char		 verifier[64], challenge[64], cid[1600], ru[200];
	const char	*login, *client_id;
	cJSON		*j;
	int		 lfd[2], i;

	if (!opt_print)
		token_path_init();
	if ((j = cJSON_Parse(c->json)) == NULL)
		fatalx("the configuration is not JSON");
	login = cJSON_GetStringValue(cJSON_GetObjectItem(j, "login_url"));
	client_id = cJSON_GetStringValue(cJSON_GetObjectItem(j, "client_id"));
	if (login == NULL || client_id == NULL)
		fatalx("login: no login_url or client_id");
	strlcpy_sf(instance, cJSON_GetStringValue(cJSON_GetObjectItem(j,
	    "instance_url")) != NULL ? cJSON_GetStringValue(
	    cJSON_GetObjectItem(j, "instance_url")) : "", sizeof(instance));

	/* RFC 7636 4.1, 4.2: 32 random bytes, 43 characters; S256. */
	randombytes_buf(raw, sizeof(raw));
	b64url(raw, sizeof(raw), verifier, sizeof(verifier));
	crypto_hash_sha256(hash, (const unsigned char *)verifier,
	    strlen(verifier));
	b64url(hash, sizeof(hash), challenge, sizeof(challenge));
	randombytes_buf(raw, 16);
	b64url(raw, 16, state, sizeof(state));
	sodium_memzero(raw, sizeof(raw));
	if (secret_set(&c->code_verifier, verifier, strlen(verifier)) == -1)
		login_fail("sodium_malloc failed");
	sodium_memzero(verifier, sizeof(verifier));

	lfd[0] = listen_on(AF_INET, opt_port);
	if (lfd[0] == -1)
		login_fail("cannot listen on 127.0.0.1:%ld: %s%s", opt_port,
		    strerror(errno), errno == EADDRINUSE ? " (choose another "
		    "with --port, and put it in the connected app's callback "
		    "URL)" : "");
	/* localhost may be ::1 to the browser. */
	lfd[1] = listen_on(AF_INET6, opt_port);

	url_encode(client_id, cid, sizeof(cid));
	url_encode(redirect, ru, sizeof(ru));
	fprintf(stderr, "Open this address in a browser, sign in as the "
	    "integration user and allow access\n(the connected app's callback "
	    "URL must be %s):\n\n"
	    "  %s/services/oauth2/authorize?response_type=code&client_id=%s"
	    "&redirect_uri=%s&code_challenge=%s&code_challenge_method=S256"
	    "&state=%s\n\nWaiting for the browser on %s ...\n", redirect,
	    login, cid, ru, challenge, state, redirect);
	if (fflush(stderr) == EOF)
		fatal("stderr");
	cJSON_Delete(j);
	await_code(lfd, c);
	for (i = 0; i < 2; i++)
		if (lfd[i] != -1 && close(lfd[i]) == -1)
			fatal("close");
}

/* --------------------------------------------- the broker's answers */

void
cli_login_token(struct buf *b)
{
	char		*rt = NULL, *iu = NULL;

	if (buf_get_str(b, &rt, SECRET_MAX) == -1 ||
	    buf_get_str(b, &iu, 512) == -1 || buf_get_end(b) == -1)
		fatalx("login: a malformed LOGIN_TOKEN");
	if (opt_print) {
		printf("%s\n", rt);
		if (fflush(stdout) == EOF)
			fatal("stdout");
	} else
		token_store(rt, strlen(rt));
	strlcpy_sf(instance, iu, sizeof(instance));
	sodium_memzero(rt, strlen(rt));
	free(rt);
	free(iu);
	have_token = 1;
}

void
cli_login_identity(struct buf *b)
{
	char		*text = NULL;
	cJSON		*j;
	const char	*user, *org, *name;

	if (buf_get_str(b, &text, IPC_MAX_PAYLOAD) == -1 ||
	    buf_get_end(b) == -1 || (j = cJSON_Parse(text)) == NULL)
		fatalx("login: a malformed identity");
	free(text);
	if (!have_token) {
		fprintf(stderr, "%s: login: the broker answered without the "
		    "refresh token\n", SFREVOPS_NAME);
		cJSON_Delete(j);
		status = 1;
		return;
	}
	user = cJSON_GetStringValue(cJSON_GetObjectItem(j, "username"));
	org = cJSON_GetStringValue(cJSON_GetObjectItem(j, "organization_id"));
	name = cJSON_GetStringValue(cJSON_GetObjectItem(j, "org_name"));
	fprintf(stderr, "%s: login: signed in as %s to %s (%s, %s) at %s\n",
	    SFREVOPS_NAME, user != NULL ? user : "?", org != NULL ? org : "?",
	    name != NULL ? name : "no name",
	    cJSON_IsTrue(cJSON_GetObjectItem(j, "is_sandbox")) ? "a sandbox" :
	    "production", instance);
	if (!opt_print)
		fprintf(stderr, "%s: login: the refresh token is in %s (mode "
		    "600); serve with SFDC_INSTANCE_URL=%s SFDC_CLIENT_ID=... "
		    "SFDC_REFRESH_TOKEN_FILE=%s\n", SFREVOPS_NAME, token_path,
		    instance, token_path);
	cJSON_Delete(j);
	status = 0;
}

void
cli_login_error(struct buf *b)
{
	uint32_t	 code;
	char		*msg = NULL;

	if (buf_get_u32(b, &code) == -1 || buf_get_str(b, &msg, 65536) == -1 ||
	    buf_get_end(b) == -1)
		fatalx("login: a malformed ERROR");
	fprintf(stderr, "%s: login: %s%s\n", SFREVOPS_NAME, msg, have_token ?
	    " (the refresh token was stored all the same)" : "");
	free(msg);
	status = 1;
}

int
cli_login_done(void)
{
	return status != -1;
}

int
cli_login_status(void)
{
	if (status != -1)
		return status;
	fprintf(stderr, "%s: login: the broker stopped before it answered "
	    "(the lines above say why)\n", SFREVOPS_NAME);
	return 1;
}
