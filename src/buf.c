/*
 * buf.c: typed message payloads.  Writers append u32s and
 * length-prefixed strings; readers take them back with exact bounds and
 * must end with buf_get_end() so that no trailing byte goes unnoticed.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sfrevops.h"

void
buf_init(struct buf *b)
{
	memset(b, 0, sizeof(*b));
}

void
buf_from(struct buf *b, const void *data, size_t len)
{
	b->data = (uint8_t *)(uintptr_t)data;
	b->len = len;
	b->cap = 0;	/* borrowed: never freed or grown */
	b->off = 0;
}

void
buf_free(struct buf *b)
{
	if (b->cap != 0)
		free(b->data);
	buf_init(b);
}

static void
buf_reserve(struct buf *b, size_t n)
{
	size_t	 ncap;

	if (b->cap == 0 && b->data != NULL)
		fatalx("buf: write to a borrowed buffer");
	if (n > IPC_MAX_PAYLOAD || b->len > IPC_MAX_PAYLOAD - n)
		fatalx("buf: payload would exceed %u bytes", IPC_MAX_PAYLOAD);
	if (b->len + n <= b->cap)
		return;
	ncap = b->cap ? b->cap : 256;
	while (ncap < b->len + n)
		ncap *= 2;
	b->data = xreallocarray(b->data, 1, ncap);
	b->cap = ncap;
}

void
buf_put_bytes(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	buf_reserve(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

void
buf_put_u32(struct buf *b, uint32_t v)
{
	buf_put_bytes(b, &v, sizeof(v));
}

void
buf_put_strn(struct buf *b, const char *s, size_t n)
{
	if (n > UINT32_MAX)
		fatalx("buf: string too long");
	buf_put_u32(b, (uint32_t)n);
	buf_put_bytes(b, s, n);
}

void
buf_put_str(struct buf *b, const char *s)
{
	buf_put_strn(b, s, strlen(s));
}

int
buf_get_u32(struct buf *b, uint32_t *v)
{
	if (b->len - b->off < sizeof(*v))
		return -1;
	memcpy(v, b->data + b->off, sizeof(*v));
	b->off += sizeof(*v);
	return 0;
}

int
buf_get_str(struct buf *b, char **out, size_t max)
{
	uint32_t n;

	*out = NULL;
	if (buf_get_u32(b, &n) == -1)
		return -1;
	if (n > max || n > b->len - b->off)
		return -1;
	if (memchr(b->data + b->off, '\0', n) != NULL)
		return -1;
	*out = xmalloc((size_t)n + 1);
	memcpy(*out, b->data + b->off, n);
	(*out)[n] = '\0';
	b->off += n;
	return 0;
}

int
buf_get_end(struct buf *b)
{
	return b->off == b->len ? 0 : -1;
}
