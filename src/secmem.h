/*
 * secmem.h: the broker's allocators for the libraries that see secrets.
 */
#ifndef SECMEM_H
#define SECMEM_H

#include <stddef.h>

/*
 * Route libcurl's, OpenSSL's and cJSON's memory through allocators whose
 * free (and the old block of a realloc) wipes the whole block first, so
 * that a token that passed through a request buffer, a TLS record or a
 * parsed token answer does not survive in freed heap.  Call first thing
 * in the broker, before any of the three allocates; fatal on failure.
 */
void	 secmem_init(void);

/* The wiping free and realloc themselves (for tests). */
void	 secmem_free(void *);
void	*secmem_realloc(void *, size_t);

#endif /* SECMEM_H */
