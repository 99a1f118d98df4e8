/*
 * util.c: allocation that cannot fail, bounded strings, descriptors.
 */
#include "config.h"

#include <sys/syscall.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "sfrevops.h"

void *
xmalloc(size_t n)
{
	void	*p;

	if (n == 0)
		fatalx("xmalloc: zero size");
	if ((p = malloc(n)) == NULL)
		fatalx("xmalloc: out of memory allocating %zu bytes", n);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void	*p;

	if (nmemb == 0 || size == 0)
		fatalx("xcalloc: zero size");
	if ((p = calloc(nmemb, size)) == NULL)
		fatalx("xcalloc: out of memory allocating %zu * %zu bytes",
		    nmemb, size);
	return p;
}

void *
xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	void	*p;

	if (nmemb == 0 || size == 0)
		fatalx("xreallocarray: zero size");
	if (size > SIZE_MAX / nmemb)
		fatalx("xreallocarray: %zu * %zu overflows", nmemb, size);
	if ((p = realloc(ptr, nmemb * size)) == NULL)
		fatalx("xreallocarray: out of memory");
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char	*p;
	size_t	 len;

	len = strnlen(s, n);
	p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

int
xasprintf(char **ret, const char *fmt, ...)
{
	va_list	 ap, ap2;
	int	 n;

	va_start(ap, fmt);
	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatalx("xasprintf: bad format");
	*ret = xmalloc((size_t)n + 1);
	if (vsnprintf(*ret, (size_t)n + 1, fmt, ap2) != n)
		fatalx("xasprintf: vsnprintf changed its mind");
	va_end(ap2);
	return n;
}

size_t
strlcpy_sf(char *dst, const char *src, size_t size)
{
	size_t	 len = strlen(src);

	if (size > 0) {
		size_t n = len >= size ? size - 1 : len;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

/*
 * The length of the UTF-8 sequence at s (shortest form, a scalar value
 * up to U+10FFFF, no surrogate), or 0 if it is not one; its code point
 * in *cp when cp is not NULL.  len > 0.
 */
size_t
utf8_seq(const unsigned char *s, size_t len, unsigned int *cp)
{
	unsigned int	 c = s[0], min;
	size_t		 n, i;

	if (c < 0x80) {
		if (cp != NULL)
			*cp = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0) {
		n = 1; min = 0x80; c &= 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		n = 2; min = 0x800; c &= 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		n = 3; min = 0x10000; c &= 0x07;
	} else
		return 0;
	if (len < n + 1)
		return 0;
	for (i = 1; i <= n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	if (cp != NULL)
		*cp = c;
	return n + 1;
}

/* Strict UTF-8: no overlongs, no surrogates, nothing above U+10FFFF. */
int
utf8_valid(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i, n;

	for (i = 0; i < len; i += n)
		if ((n = utf8_seq(p + i, len - i, NULL)) == 0)
			return 0;
	return 1;
}

/*
 * closefrom(3) where the C library has it (glibc 2.34 and later: it uses
 * close_range(2), falls back to /proc/self/fd and aborts rather than
 * return with a descriptor left open); otherwise the same by hand.
 */
void
closefrom_sf(int lowfd)
{
#ifdef HAVE_CLOSEFROM
	closefrom(lowfd);
#else
#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned int)lowfd, ~0U, 0) == 0)
		return;
#endif
	{
		DIR		*d;
		struct dirent	*de;
		long		 fd;
		char		*end;

		if ((d = opendir("/proc/self/fd")) == NULL)
			fatal("closefrom: opendir /proc/self/fd");
		while ((de = readdir(d)) != NULL) {
			errno = 0;
			fd = strtol(de->d_name, &end, 10);
			if (*end != '\0' || errno != 0)
				continue;
			if (fd >= lowfd && fd != dirfd(d) && close((int)fd) == -1 &&
			    errno != EINTR)
				fatal("closefrom: close %ld", fd);
		}
		if (closedir(d) == -1)
			fatal("closefrom: closedir");
	}
#endif
}

int
fd_set_nonblock(int fd)
{
	int	 fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1)
		return -1;
	return fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int
fd_set_cloexec(int fd, int on)
{
	int	 fl;

	if ((fl = fcntl(fd, F_GETFD)) == -1)
		return -1;
	fl = on ? (fl | FD_CLOEXEC) : (fl & ~FD_CLOEXEC);
	return fcntl(fd, F_SETFD, fl);
}

uint64_t
now_ms(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		fatal("clock_gettime");
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * Copy text from a remote party into dst as one clean line: control
 * characters become spaces, runs of spaces collapse, ends are trimmed.
 */
void
str_oneline(char *dst, size_t dstlen, const char *src)
{
	size_t	 o = 0;
	int	 space = 1;

	if (dstlen == 0)
		return;
	for (; *src != '\0' && o + 1 < dstlen; src++) {
		unsigned char c = (unsigned char)*src;
		if (c < 0x20 || c == 0x7f || c == ' ') {
			if (!space)
				dst[o++] = ' ';
			space = 1;
			continue;
		}
		dst[o++] = (char)c;
		space = 0;
	}
	/* Cut short: never in the middle of a UTF-8 sequence. */
	if (*src != '\0') {
		size_t	 j = o;

		while (j > 0 && ((unsigned char)dst[j - 1] & 0xc0) == 0x80)
			j--;
		if (j > 0 && (unsigned char)dst[j - 1] >= 0x80 &&
		    utf8_seq((const unsigned char *)dst + j - 1, o - (j - 1),
		    NULL) != o - (j - 1))
			o = j - 1;
	}
	while (o > 0 && dst[o - 1] == ' ')
		o--;
	dst[o] = '\0';
}

int
url_hostport(const char *url, char *host, size_t hostlen,
    unsigned int *port)
{
	const char	*p = url, *h, *end, *at, *colon = NULL;
	unsigned long	 v;
	char		*stop;
	size_t		 n;

	*port = 0;
	if (strncasecmp(p, "https://", 8) == 0) {
		p += 8;
		*port = 443;
	} else if (strncasecmp(p, "http://", 7) == 0) {
		p += 7;
		*port = 80;
	} else if (strstr(p, "://") != NULL)
		return -1;	/* socks and the like: not ours to carry */
	else
		*port = 1080;	/* libcurl's default for a bare proxy host */
	end = p + strcspn(p, "/?#");
	/* user:password@ of a proxy: not part of where to connect. */
	for (at = p; at < end; at++)
		if (*at == '@')
			p = at + 1;
	h = p;
	if (*h == '[') {
		const char *rb = memchr(h, ']', (size_t)(end - h));
		if (rb == NULL)
			return -1;
		n = (size_t)(rb - h - 1);
		h++;
		if (rb + 1 < end) {
			if (rb[1] != ':')
				return -1;
			colon = rb + 1;
		}
	} else {
		colon = memchr(h, ':', (size_t)(end - h));
		n = (size_t)((colon != NULL ? colon : end) - h);
	}
	if (n == 0 || n >= hostlen || n > HOST_MAX)
		return -1;
	memcpy(host, h, n);
	host[n] = '\0';
	for (; n > 0; n--) {
		char c = host[n - 1];
		if (!(('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') ||
		    ('0' <= c && c <= '9') || c == '.' || c == '-' ||
		    c == ':'))
			return -1;
	}
	if (colon != NULL) {
		if (colon + 1 == end || colon[1] < '0' || colon[1] > '9')
			return -1;
		errno = 0;
		v = strtoul(colon + 1, &stop, 10);
		if (errno != 0 || stop != end || v == 0 || v > 65535)
			return -1;
		*port = (unsigned int)v;
	}
	return 0;
}
