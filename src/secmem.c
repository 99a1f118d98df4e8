/*
 * secmem.c: allocators that wipe what they free, for the broker.
 *
 * libsodium keeps the token itself in guarded pages, but its bytes also
 * pass through memory the broker does not own: libcurl's request buffer
 * (the Authorization header, a token request's form body), OpenSSL's
 * record buffers before encryption, and cJSON's strings when auth.c
 * parses a token answer.  Those blocks are freed with free(3), which
 * leaves their contents in the heap.  Here every free wipes the whole
 * usable block (malloc_usable_size) first, and a realloc that moves a
 * block wipes the old one, so no copy of a secret outlives its use.
 */
#include "config.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <openssl/crypto.h>

#include "sfrevops.h"
#include "secmem.h"

void
secmem_free(void *p)
{
	if (p == NULL)
		return;
	explicit_bzero(p, malloc_usable_size(p));
	free(p);
}

void *
secmem_realloc(void *p, size_t n)
{
	void	*q;
	size_t	 old;

	if (p == NULL)
		return malloc(n);
	if (n == 0) {
		secmem_free(p);
		return NULL;
	}
	old = malloc_usable_size(p);
	if (n <= old)
		return p;	/* it fits: nothing moves, nothing is left */
	if ((q = malloc(n)) == NULL)
		return NULL;
	memcpy(q, p, old);
	secmem_free(p);
	return q;
}

static char *
secmem_strdup(const char *s)
{
	size_t	 n = strlen(s) + 1;
	char	*p;

	if ((p = malloc(n)) != NULL)
		memcpy(p, s, n);
	return p;
}

/* OpenSSL's signatures carry the caller's file and line. */
static void *
ossl_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return malloc(n);
}

static void *
ossl_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return secmem_realloc(p, n);
}

static void
ossl_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	secmem_free(p);
}

static void *
cjson_malloc(size_t n)
{
	return xmalloc(n == 0 ? 1 : n);	/* as jsonalloc.c: never 0 */
}

void
secmem_init(void)
{
	cJSON_Hooks	 hooks;

	/* Fails once OpenSSL has allocated: then this is called too late. */
	if (CRYPTO_set_mem_functions(ossl_malloc, ossl_realloc, ossl_free) !=
	    1)
		fatalx("OpenSSL allocated memory before the broker set its "
		    "wiping allocator");
	if (curl_global_init_mem(CURL_GLOBAL_DEFAULT, malloc, secmem_free,
	    secmem_realloc, secmem_strdup, calloc) != CURLE_OK)
		fatalx("curl_global_init_mem failed");
	hooks.malloc_fn = cjson_malloc;
	hooks.free_fn = secmem_free;
	cJSON_InitHooks(&hooks);
}
