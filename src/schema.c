/*
 * schema.c: the JSON Schema subset of schema.h.
 *
 * schema_check() walks a schema once and refuses anything outside the
 * subset.  schema_validate() checks the schema the same way, then makes
 * two passes over the untrusted instance: a sanity walk (UTF-8, finite
 * numbers, unique keys, depth) that holds whatever the schema says, then
 * the schema walk proper, so a malformed instance is refused before
 * its schema errors are looked for.  Both stop at the first error.
 * Recursion is bounded by SCHEMA_MAX_DEPTH in schema and instance
 * alike; the only work that is not linear in the input (uniqueItems,
 * comparing objects) is bounded by maxItems and by a work budget.
 *
 * Ownership: every regex compiled during a call lives in that call's
 * context and is freed before the call returns; nothing else is kept.
 */
#include "config.h"

#include <locale.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sfrevops.h"
#include "date.h"
#include "schema.h"

#define MAX_SAFE_INT	9007199254740991.0	/* 2^53 - 1 */
#define NAME_MAX_LEN	64	/* a property name, ^[A-Za-z0-9_.-]{1,64}$ */
#define SHOWN_SCHEMA	200	/* bytes of a pattern quoted */
#define RX_MAX_INPUT	8192	/* bytes of a string we run a regex on */
#define RX_MAX_REPEAT	1000	/* n and m of {n,m} */
#define RX_MAX_NEST	32	/* groups inside groups */
#define RX_MAX_SIZE	20000	/* pattern size once regcomp expands {n,m} */
#define RX_CACHE	16	/* patterns compiled once per call */
#define WORK_BUDGET	(1UL << 24)	/* steps of one validation */
#define SORT_FROM	9	/* members from which dup_key() sorts */

/* One path component: separator, a name of at most 64 bytes, escaped. */
#define COMP_LEN	(NAME_MAX_LEN * 4 + 16)
#define PATH_LEN	((SCHEMA_MAX_DEPTH + 4) * COMP_LEN)
#define PATH_OVER	((size_t)1 << (sizeof(size_t) * 8 - 1))

#define T_STRING	0x01
#define T_INTEGER	0x02
#define T_NUMBER	0x04
#define T_BOOLEAN	0x08
#define T_OBJECT	0x10
#define T_ARRAY		0x20
#define T_NULL		0x40
#define T_ANY		0x7f
#define T_NUMERIC	(T_INTEGER | T_NUMBER)

#define ESC_POINTER	0x01	/* also ~ and / as ~0 and ~1 (RFC 6901) */

static const struct {
	int		 bit;
	const char	*name;
	const char	*noun;
} type_names[] = {
	{ T_STRING, "string", "a string" },
	{ T_INTEGER, "integer", "an integer" },
	{ T_NUMBER, "number", "a number" },
	{ T_BOOLEAN, "boolean", "true or false" },
	{ T_OBJECT, "object", "an object" },
	{ T_ARRAY, "array", "an array" },
	{ T_NULL, "null", "null" },
};
#define NTYPES	(sizeof(type_names) / sizeof(type_names[0]))

/* A message being written into a fixed buffer; truncation is noted. */
struct msg {
	char	*buf;
	size_t	 cap;
	size_t	 len;
	int	 trunc;
};

/* Where we are: filter.owner_id or fields[3], or a schema pointer. */
struct path {
	char	 buf[PATH_LEN];
	size_t	 len;
	int	 over;		/* components that did not fit */
	int	 emptykey;	/* a member named "" at the root: len is 0,
				 * but this is not the root itself */
};

struct rx {
	const cJSON	*node;
	regex_t		 re;
};

struct sctx {
	struct msg	*m;		/* schema errors go here */
	struct path	 path;
	const char	*root_name;
	unsigned long	 work;
	int		 exhausted;
	struct rx	 rx[RX_CACHE];
	size_t		 nrx;
	locale_t	 cloc;
	locale_t	 oldloc;
};

struct keyword {
	const char	*name;
	int		 types;		/* the types it can apply to */
	int		(*check)(struct sctx *, const cJSON *, int);
};

static int	 c_schema(struct sctx *, const cJSON *, int, int);
static int	 v_node(struct sctx *, struct msg *, const cJSON *,
		    const cJSON *);
static void	 msg_bounds(struct msg *, const cJSON *);

/* ------------------------------------------------------------ messages */

static void
msg_init(struct msg *m, char *buf, size_t cap)
{
	m->buf = buf;
	m->cap = buf == NULL ? 0 : cap;
	m->len = 0;
	m->trunc = 0;
	if (m->cap > 0)
		m->buf[0] = '\0';
}

static void
msg_addn(struct msg *m, const char *s, size_t n)
{
	size_t	 room;

	if (m->cap == 0) {
		m->trunc = 1;
		return;
	}
	room = m->cap - 1 - m->len;
	if (n > room) {
		n = room;
		m->trunc = 1;
	}
	memcpy(m->buf + m->len, s, n);
	m->len += n;
	m->buf[m->len] = '\0';
}

static void
msg_add(struct msg *m, const char *s)
{
	msg_addn(m, s, strlen(s));
}

/* Only for short formats: numbers and fixed words, never input. */
static void __attribute__((format(printf, 2, 3)))
msg_addf(struct msg *m, const char *fmt, ...)
{
	char	 tmp[256];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0) {
		m->trunc = 1;
		return;
	}
	if ((size_t)n >= sizeof(tmp)) {
		m->trunc = 1;
		n = (int)sizeof(tmp) - 1;
	}
	msg_addn(m, tmp, (size_t)n);
}

/*
 * Close a message.  A truncated one ends in "..." and is cut before a
 * UTF-8 sequence, never inside one: it goes out in JSON, which must stay
 * valid UTF-8.
 */
static void
msg_end(struct msg *m)
{
	size_t	 cut;

	if (!m->trunc || m->cap == 0)
		return;
	cut = m->len;
	if (m->cap >= 4 && cut > m->cap - 4)
		cut = m->cap - 4;
	while (cut > 0 && ((unsigned char)m->buf[cut] & 0xc0) == 0x80)
		cut--;
	m->buf[cut] = '\0';
	m->len = cut;
	if (m->cap >= 4) {
		memcpy(m->buf + cut, "...", 4);
		m->len = cut + 3;
	}
}

/* Characters that would let echoed input rearrange or break a line. */
static int
cp_hidden(unsigned int c)
{
	return (c >= 0x80 && c <= 0x9f) || c == 0x2028 || c == 0x2029 ||
	    (c >= 0x200e && c <= 0x200f) || (c >= 0x202a && c <= 0x202e) ||
	    (c >= 0x2066 && c <= 0x2069) || c == 0xfeff;
}

/*
 * Append at most maxin bytes of s, escaped: control characters and
 * bytes that are not UTF-8 become \n or \xNN, the quote and the
 * backslash get a backslash, and "..." says that s went on.  Only
 * whole characters are taken, and s is read no further than maxin.
 */
static void
msg_esc(struct msg *m, const char *s, size_t maxin, int quote, int flags)
{
	const unsigned char	*p = (const unsigned char *)s;
	char			 tmp[16];
	unsigned int		 c, cp = 0;
	size_t			 i = 0, n, len;

	/* No further than maxin and one character past it. */
	len = strnlen(s, maxin > SIZE_MAX - 4 ? SIZE_MAX : maxin + 4);
	while (i < len) {
		c = p[i];
		n = utf8_seq(p + i, len - i, &cp);
		if (i + (n == 0 ? 1 : n) > maxin) {
			msg_add(m, "...");
			return;
		}
		if (n == 0 || c < 0x20 || c == 0x7f) {
			if (c == '\n')
				snprintf(tmp, sizeof(tmp), "\\n");
			else if (c == '\r')
				snprintf(tmp, sizeof(tmp), "\\r");
			else if (c == '\t')
				snprintf(tmp, sizeof(tmp), "\\t");
			else
				snprintf(tmp, sizeof(tmp), "\\x%02x", c);
			msg_add(m, tmp);
			i++;
		} else if ((flags & ESC_POINTER) && (c == '~' || c == '/')) {
			msg_add(m, c == '~' ? "~0" : "~1");
			i++;
		} else if (c == '\\' || (int)c == quote) {
			tmp[0] = '\\';
			tmp[1] = (char)c;
			msg_addn(m, tmp, 2);
			i++;
		} else if (cp_hidden(cp)) {
			snprintf(tmp, sizeof(tmp), "\\u%04x", cp);
			msg_add(m, tmp);
			i += n;
		} else {
			msg_addn(m, s + i, n);
			i += n;
		}
	}
}

/* A number as a person writes it: 500, 0.01, 9007199254740992. */
static void
fmt_num(double d, char *buf, size_t len)
{
	if (d == 0)
		snprintf(buf, len, "0");	/* -0 is 0 */
	else if (d == floor(d) && fabs(d) < 1e17)
		snprintf(buf, len, "%.0f", d);
	else {
		snprintf(buf, len, "%.15g", d);
		if (strtod(buf, NULL) != d)
			snprintf(buf, len, "%.17g", d);
	}
}

static void
msg_num(struct msg *m, double d)
{
	char	 tmp[64];

	fmt_num(d, tmp, sizeof(tmp));
	msg_add(m, tmp);
}

/* A value as JSON-ish text: 500, "abc", true, null, an array. */
static void
msg_value(struct msg *m, const cJSON *v, size_t maxin)
{
	if (cJSON_IsString(v) && v->valuestring != NULL) {
		msg_add(m, "\"");
		msg_esc(m, v->valuestring, maxin, '"', 0);
		msg_add(m, "\"");
	} else if (cJSON_IsNumber(v))
		msg_num(m, v->valuedouble);
	else if (cJSON_IsTrue(v))
		msg_add(m, "true");
	else if (cJSON_IsFalse(v))
		msg_add(m, "false");
	else if (cJSON_IsNull(v))
		msg_add(m, "null");
	else if (cJSON_IsArray(v))
		msg_add(m, "an array");
	else if (cJSON_IsObject(v))
		msg_add(m, "an object");
	else
		msg_add(m, "an invalid value");
}

static void
msg_got(struct msg *m, const cJSON *v)
{
	msg_add(m, " (got ");
	msg_value(m, v, SCHEMA_MAX_SHOWN);
	msg_add(m, ")");
}

/* ---------------------------------------------------------------- paths */

static void
path_reset(struct path *p)
{
	p->len = 0;
	p->over = 0;
	p->emptykey = 0;
	p->buf[0] = '\0';
}

/* Append one finished component; returns what path_pop() restores. */
static size_t
path_append(struct path *p, const struct msg *comp)
{
	size_t	 saved = p->len;

	if (comp->trunc || p->len + comp->len + 1 > sizeof(p->buf)) {
		p->over++;
		return saved | PATH_OVER;
	}
	memcpy(p->buf + p->len, comp->buf, comp->len + 1);
	if (p->len == 0 && comp->len == 0)
		p->emptykey = 1;
	p->len += comp->len;
	return saved;
}

static void
path_pop(struct path *p, size_t saved)
{
	if (saved & PATH_OVER) {
		p->over--;
		saved &= ~PATH_OVER;
	}
	p->len = saved;
	p->buf[saved] = '\0';
	if (saved == 0 && p->over == 0)
		p->emptykey = 0;
}

/* An instance member: owner_id at the root, filter.owner_id below. */
static size_t
path_key(struct path *p, const char *key, size_t maxin)
{
	char		 buf[COMP_LEN];
	struct msg	 comp;

	msg_init(&comp, buf, sizeof(buf));
	if (p->len > 0)
		msg_add(&comp, ".");
	msg_esc(&comp, key, maxin, '\'', 0);
	return path_append(p, &comp);
}

static size_t
path_index(struct path *p, size_t i)
{
	char		 buf[COMP_LEN];
	struct msg	 comp;

	msg_init(&comp, buf, sizeof(buf));
	msg_addf(&comp, "[%zu]", i);
	return path_append(p, &comp);
}

/* A JSON pointer token into a schema. */
static size_t
ptr_key(struct path *p, const char *key)
{
	char		 buf[COMP_LEN];
	struct msg	 comp;

	msg_init(&comp, buf, sizeof(buf));
	msg_add(&comp, "/");
	msg_esc(&comp, key, NAME_MAX_LEN, -1, ESC_POINTER);
	return path_append(p, &comp);
}

static size_t
ptr_index(struct path *p, size_t i)
{
	char		 buf[COMP_LEN];
	struct msg	 comp;

	msg_init(&comp, buf, sizeof(buf));
	msg_addf(&comp, "/%zu", i);
	return path_append(p, &comp);
}

/* "argument 'filter.owner_id'", or "the arguments" for the root. */
static void
msg_subject(struct sctx *x, struct msg *m)
{
	if (x->path.len == 0 && x->path.over == 0 && !x->path.emptykey) {
		msg_add(m, "the ");
		msg_add(m, x->root_name);
		msg_add(m, "s");
		return;
	}
	msg_add(m, x->root_name);
	msg_add(m, " '");
	msg_add(m, x->path.buf);
	if (x->path.over)
		msg_add(m, "...");
	msg_add(m, "'");
}

/* A schema error: "#/properties/limit/maximum: what is wrong". */
static int __attribute__((format(printf, 2, 3)))
c_fail(struct sctx *x, const char *fmt, ...)
{
	char	 tmp[512];
	va_list	 ap;
	int	 n;

	msg_add(x->m, "#");
	msg_add(x->m, x->path.buf);
	if (x->path.over)
		msg_add(x->m, "...");
	msg_add(x->m, ": ");
	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		tmp[0] = '\0';
	msg_add(x->m, tmp);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		x->m->trunc = 1;
	return -1;
}

/* ----------------------------------------------------------- utilities */

static const cJSON *
get(const cJSON *obj, const char *key)
{
	if (obj == NULL || key == NULL)
		return NULL;
	return cJSON_GetObjectItemCaseSensitive(obj, key);
}

static int
type_bit(const char *name)
{
	size_t	 i;

	for (i = 0; i < NTYPES; i++)
		if (strcmp(type_names[i].name, name) == 0)
			return type_names[i].bit;
	return 0;
}

/* The declared types of a checked schema; T_ANY without "type". */
static int
schema_types(const cJSON *s)
{
	const cJSON	*t = get(s, "type"), *e;
	int		 bits = 0;

	if (t == NULL)
		return T_ANY;
	if (cJSON_IsString(t))
		return type_bit(t->valuestring);
	/* A checked list: distinct names. */
	cJSON_ArrayForEach(e, t)
		bits |= type_bit(e->valuestring);
	return bits;
}

static int
is_safe_int(double d)
{
	return isfinite(d) && d == floor(d) && fabs(d) <= MAX_SAFE_INT;
}

/* The types a value has: 5 is a number and an integer, 5.5 a number. */
static int
value_types(const cJSON *v)
{
	if (cJSON_IsString(v))
		return T_STRING;
	if (cJSON_IsNumber(v))
		return T_NUMBER | (is_safe_int(v->valuedouble) ? T_INTEGER : 0);
	if (cJSON_IsBool(v))
		return T_BOOLEAN;
	if (cJSON_IsNull(v))
		return T_NULL;
	if (cJSON_IsObject(v))
		return T_OBJECT;
	if (cJSON_IsArray(v))
		return T_ARRAY;
	return 0;
}

static int
key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * A key that appears twice in obj, or NULL.  cJSON keeps duplicates as
 * separate members; a large object is sorted so that an attacker's
 * million keys cost n log n, not n^2.  Every member must have a name.
 */
static const char *
dup_key(const cJSON *obj)
{
	const cJSON	*a, *b;
	const char	**keys, *dup = NULL;
	size_t		 n = 0, i;

	cJSON_ArrayForEach(a, obj)
		n++;
	if (n < 2)
		return NULL;
	if (n < SORT_FROM) {
		for (a = obj->child; a != NULL; a = a->next)
			for (b = a->next; b != NULL; b = b->next)
				if (strcmp(a->string, b->string) == 0)
					return a->string;
		return NULL;
	}
	keys = xreallocarray(NULL, n, sizeof(*keys));
	i = 0;
	cJSON_ArrayForEach(a, obj)
		keys[i++] = a->string;
	qsort(keys, n, sizeof(*keys), key_cmp);
	for (i = 1; i < n && dup == NULL; i++)
		if (strcmp(keys[i - 1], keys[i]) == 0)
			dup = keys[i];
	free(keys);
	return dup;
}

static int
name_valid(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++) {
		if (i >= NAME_MAX_LEN)
			return 0;
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_' || s[i] == '.' || s[i] == '-'))
			return 0;
	}
	return i > 0;
}

/* Code points of valid UTF-8: every byte that is not a continuation. */
static uint64_t
utf8_count(const char *s)
{
	uint64_t	 n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* ------------------------------------------------------------- regexes */

static int __attribute__((format(printf, 4, 5)))
rx_fail(char *out, char *why, size_t whylen, const char *fmt, ...)
{
	va_list	 ap;

	free(out);
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -1;
}

static unsigned long
sat_add(unsigned long a, unsigned long b)
{
	return a > RX_MAX_SIZE || b > RX_MAX_SIZE ? RX_MAX_SIZE + 1 : a + b;
}

static unsigned long
sat_mul(unsigned long a, unsigned long b)
{
	if (a > RX_MAX_SIZE || b > RX_MAX_SIZE)
		return RX_MAX_SIZE + 1;
	return a * b;	/* at most 20001^2 */
}

/* Where ECMA-262 and POSIX part ways on an escape, say what to write. */
static int
rx_bad_escape(char *out, char *why, size_t whylen, unsigned char n,
    size_t at)
{
	const char	*hint = "";

	if (n < 0x20 || n >= 0x7f)
		return rx_fail(out, why, whylen, "a backslash before "
		    "a control or non-ASCII character at offset %zu is not "
		    "supported", at);
	switch (n) {
	case 'd':
		hint = "; write [0-9]";
		break;
	case 'w':
		hint = "; write [A-Za-z0-9_]";
		break;
	case 's':
	case 'S':
	case 'D':
	case 'W':
		hint = "; list the characters in a bracket expression";
		break;
	case 'b':
	case 'B':
		hint = " (word boundaries differ between ECMA-262 and POSIX)";
		break;
	default:
		if (n >= '0' && n <= '9')
			hint = " (backreferences)";
		break;
	}
	return rx_fail(out, why, whylen, "\\%c at offset %zu is not "
	    "supported%s", n, at, hint);
}

/* A bracket expression at p[i] == '['; *end is its ']'. */
static int
rx_bracket(const char *p, size_t i, size_t *end, char *out, char *why,
    size_t whylen)
{
	const unsigned char	*u = (const unsigned char *)p;
	size_t			 j = i + 1;
	unsigned char		 c, hi;

	if (u[j] == '^')
		return rx_fail(out, why, whylen, "the negated bracket "
		    "expression [^...] at offset %zu is not supported (it "
		    "matches bytes, not characters); list what is allowed", i);
	if (u[j] == ']')
		return rx_fail(out, why, whylen, "[] or ] first in a "
		    "bracket expression at offset %zu is not supported", i);
	for (;;) {
		c = u[j];
		if (c == '\0')
			return rx_fail(out, why, whylen, "the bracket "
			    "expression at offset %zu is not closed", i);
		if (c == ']')
			break;
		if (c >= 0x80)
			return rx_fail(out, why, whylen, "non-ASCII "
			    "character at offset %zu is not supported", j);
		if (c < 0x20 || c == 0x7f)
			return rx_fail(out, why, whylen, "control "
			    "character at offset %zu is not supported", j);
		if (c == '\\')
			return rx_fail(out, why, whylen, "a backslash "
			    "inside a bracket expression (offset %zu) is not "
			    "supported; list the characters themselves", j);
		if (c == '[' && (u[j + 1] == ':' || u[j + 1] == '.' ||
		    u[j + 1] == '='))
			return rx_fail(out, why, whylen, "[%c %c] "
			    "classes (offset %zu) are not supported; write "
			    "ranges such as a-z", u[j + 1], u[j + 1], j);
		if (c == '-' && ((j != i + 1 && u[j + 1] != ']') ||
		    u[j + 1] == '-'))
			return rx_fail(out, why, whylen, "'-' at offset %zu "
			    "must be first or last in a bracket expression, or "
			    "join a range such as a-z", j);
		if (u[j + 1] == '-' && u[j + 2] != ']' && u[j + 2] != '\0') {
			hi = u[j + 2];
			if (hi >= 0x80 || hi < 0x20 || hi == 0x7f ||
			    hi == '\\' || hi == '[' || hi == '-')
				return rx_fail(out, why, whylen, "the "
				    "range at offset %zu must end in a plain "
				    "ASCII character", j);
			if (hi < c)
				return rx_fail(out, why, whylen, "the "
				    "range %c-%c at offset %zu is reversed", c,
				    hi, j);
			j += 3;
		} else
			j++;
	}
	*end = j;
	return 0;
}

/* {n}, {n,} or {n,m} at p[i] == '{'; *end is its '}'; size factor. */
static int
rx_braces(const char *p, size_t i, size_t *end, unsigned long *factor,
    char *out, char *why, size_t whylen)
{
	unsigned long	 n = 0, m;
	size_t		 j = i + 1, d;
	int		 open = 0;

	for (d = 0; p[j] >= '0' && p[j] <= '9'; j++, d++)
		if (n <= RX_MAX_REPEAT)
			n = n * 10 + (unsigned long)(p[j] - '0');
	if (d == 0)
		goto literal;
	m = n;
	if (p[j] == ',') {
		j++;
		m = 0;
		for (d = 0; p[j] >= '0' && p[j] <= '9'; j++, d++)
			if (m <= RX_MAX_REPEAT)
				m = m * 10 + (unsigned long)(p[j] - '0');
		if (d == 0)
			open = 1;
	}
	if (p[j] != '}')
		goto literal;
	if (n > RX_MAX_REPEAT || (!open && m > RX_MAX_REPEAT))
		return rx_fail(out, why, whylen, "the repetition at "
		    "offset %zu exceeds %d", i, RX_MAX_REPEAT);
	if (!open && n > m)
		return rx_fail(out, why, whylen, "the repetition at "
		    "offset %zu has its minimum above its maximum", i);
	*end = j;
	*factor = open ? n + 1 : (m > 0 ? m : 1);
	return 0;
literal:
	return rx_fail(out, why, whylen, "unescaped { at offset %zu "
	    "is not supported; write \\{ for a literal brace", i);
}

/*
 * Check that pattern p is in the subset on which ECMA-262 and POSIX ERE
 * agree (schema.h) and write its POSIX spelling to *ere: the same text,
 * with \/ \] \} written plainly (POSIX leaves escaping those undefined).
 * The size estimate follows regcomp(), which copies a group once per
 * repetition, so (a{1000}){1000} is refused rather than compiled.
 */
static int
rx_translate(const char *p, char **ere, char *why, size_t whylen)
{
	const unsigned char	*u = (const unsigned char *)p;
	unsigned long		 size[RX_MAX_NEST + 1], last = 0, factor;
	size_t			 len = strlen(p), i, j = 0, o = 0;
	char			*out;
	int			 depth = 0, atom = 0, quant = 0, altstart = 1;
	unsigned char		 c;

	if (len == 0)
		return rx_fail(NULL, why, whylen, "the empty pattern "
		    "is not supported");
	out = xmalloc(len + 1);
	size[0] = 0;
	for (i = 0; i < len; i++) {
		c = u[i];
		if (c >= 0x80)
			return rx_fail(out, why, whylen, "non-ASCII "
			    "character at offset %zu is not supported", i);
		if (c < 0x20 || c == 0x7f)
			return rx_fail(out, why, whylen, "control "
			    "character at offset %zu is not supported", i);
		switch (c) {
		case '\\':
			c = u[i + 1];
			if (c == '\0')
				return rx_fail(out, why, whylen, ""
				    "trailing backslash");
			if (strchr("^$\\.*+?()[]{}|/", c) == NULL)
				return rx_bad_escape(out, why, whylen, c, i);
			if (c != '/' && c != ']' && c != '}')
				out[o++] = '\\';
			out[o++] = (char)c;
			i++;
			last = 1;
			size[depth] = sat_add(size[depth], 1);
			atom = 1;
			quant = 0;
			altstart = 0;
			continue;
		case '.':
			return rx_fail(out, why, whylen, "\".\" at offset %zu "
			    "is not supported (it matches bytes, not "
			    "characters, and newlines); use a bracket "
			    "expression such as [A-Za-z0-9]", i);
		case '[':
			if (rx_bracket(p, i, &j, out, why, whylen) == -1)
				return -1;
			memcpy(out + o, p + i, j - i + 1);
			o += j - i + 1;
			i = j;
			last = 1;
			size[depth] = sat_add(size[depth], 1);
			atom = 1;
			quant = 0;
			altstart = 0;
			continue;
		case '(':
			if (u[i + 1] == '?')
				return rx_fail(out, why, whylen, "the "
				    "group (?%c at offset %zu is not supported "
				    "(no lookaround, non-capturing or named "
				    "groups)", u[i + 2] >= 0x20 && u[i + 2] <
				    0x7f ? u[i + 2] : '?', i);
			if (u[i + 1] == ')')
				return rx_fail(out, why, whylen, "the "
				    "empty group () at offset %zu is not "
				    "supported", i);
			if (depth >= RX_MAX_NEST)
				return rx_fail(out, why, whylen, ""
				    "groups nest more than %d deep",
				    RX_MAX_NEST);
			size[++depth] = 0;
			out[o++] = '(';
			atom = 0;
			quant = 0;
			altstart = 1;
			continue;
		case ')':
			if (depth == 0)
				return rx_fail(out, why, whylen, ""
				    "unmatched ) at offset %zu", i);
			if (altstart)
				return rx_fail(out, why, whylen, ""
				    "empty alternative before offset %zu", i);
			last = sat_add(size[depth--], 1);
			size[depth] = sat_add(size[depth], last);
			out[o++] = ')';
			atom = 1;
			quant = 0;
			continue;
		case '|':
			if (altstart)
				return rx_fail(out, why, whylen, ""
				    "empty alternative before offset %zu", i);
			out[o++] = '|';
			atom = 0;
			quant = 0;
			altstart = 1;
			continue;
		case '*':
		case '+':
		case '?':
		case '{':
			j = i;
			factor = c == '+' ? 2 : 1;
			if (c == '{' && rx_braces(p, i, &j, &factor, out, why,
			    whylen) == -1)
				return -1;
			if (quant)
				return rx_fail(out, why, whylen, "the stacked "
				    "or non-greedy quantifier at offset %zu is "
				    "not supported", i);
			if (!atom)
				return rx_fail(out, why, whylen, "the "
				    "quantifier at offset %zu has nothing to "
				    "repeat", i);
			size[depth] = sat_add(size[depth],
			    sat_mul(last, factor - 1));
			memcpy(out + o, p + i, j - i + 1);
			o += j - i + 1;
			i = j;
			atom = 0;
			quant = 1;
			continue;
		case '}':
		case ']':
			return rx_fail(out, why, whylen, "unescaped %c "
			    "at offset %zu is not supported; write \\%c for a "
			    "literal", c, i, c);
		case '^':
		case '$':
			out[o++] = (char)c;
			atom = 0;
			quant = 0;
			altstart = 0;
			continue;
		default:
			out[o++] = (char)c;
			last = 1;
			size[depth] = sat_add(size[depth], 1);
			atom = 1;
			quant = 0;
			altstart = 0;
			continue;
		}
	}
	if (depth != 0)
		return rx_fail(out, why, whylen, "unmatched (");
	if (altstart)
		return rx_fail(out, why, whylen, "empty alternative "
		    "at the end");
	if (size[0] > RX_MAX_SIZE)
		return rx_fail(out, why, whylen, "too large once its "
		    "repetitions are expanded (over %d)", RX_MAX_SIZE);
	out[o] = '\0';
	*ere = out;
	return 0;
}

/*
 * The compiled regex of a pattern node: from the cache, or compiled into
 * the cache, or (cache full) into *tmp, which the caller then regfree()s.
 */
static int
rx_get(struct sctx *x, const cJSON *node, regex_t *tmp, regex_t **re,
    char *why, size_t whylen)
{
	regex_t	*target;
	char	*ere = NULL, err[128];
	size_t	 i;
	int	 rc;

	for (i = 0; i < x->nrx; i++)
		if (x->rx[i].node == node) {
			*re = &x->rx[i].re;
			return 0;
		}
	if (rx_translate(node->valuestring, &ere, why, whylen) == -1)
		return -1;
	target = x->nrx < RX_CACHE ? &x->rx[x->nrx].re : tmp;
	rc = regcomp(target, ere, REG_EXTENDED | REG_NOSUB);
	free(ere);
	if (rc != 0) {
		regerror(rc, target, err, sizeof(err));
		snprintf(why, whylen, "regcomp refuses it: %s", err);
		return -1;
	}
	if (target != tmp)
		x->rx[x->nrx++].node = node;
	*re = target;
	return 0;
}

/* -------------------------------------------------------------- context */

static int
ctx_init(struct sctx *x, struct msg *m, const char *root_name)
{
	memset(x, 0, sizeof(*x));
	x->m = m;
	x->root_name = root_name != NULL ? root_name : "argument";
	path_reset(&x->path);
	/* Regexes and number formatting in the C locale, whatever is set. */
	if ((x->cloc = newlocale(LC_ALL_MASK, "C", (locale_t)0)) ==
	    (locale_t)0)
		return -1;
	if ((x->oldloc = uselocale(x->cloc)) == (locale_t)0) {
		freelocale(x->cloc);
		x->cloc = (locale_t)0;
		return -1;
	}
	return 0;
}

static void
ctx_free(struct sctx *x)
{
	size_t	 i;

	for (i = 0; i < x->nrx; i++)
		regfree(&x->rx[i].re);
	x->nrx = 0;
	if (x->cloc != (locale_t)0) {
		uselocale(x->oldloc);
		freelocale(x->cloc);
		x->cloc = (locale_t)0;
	}
}

/* ------------------------------------------------------- schema checks */

static int
c_text(struct sctx *x, const cJSON *v, int depth)
{
	if (!cJSON_IsString(v) || v->valuestring == NULL)
		return c_fail(x, "must be a string");
	if (!utf8_valid(v->valuestring, strlen(v->valuestring)))
		return c_fail(x, "is not valid UTF-8");
	return 0;
}

static int
c_properties(struct sctx *x, const cJSON *v, int depth)
{
	const cJSON	*p;
	const char	*dup;
	size_t		 saved;

	if (!cJSON_IsObject(v))
		return c_fail(x, "must be an object");
	cJSON_ArrayForEach(p, v)
		if (p->string == NULL)
			return c_fail(x, "has a member without a name");
	if ((dup = dup_key(v)) != NULL) {
		ptr_key(&x->path, dup);
		return c_fail(x, "this property appears more than once");
	}
	cJSON_ArrayForEach(p, v) {
		saved = ptr_key(&x->path, p->string);
		if (!name_valid(p->string))
			return c_fail(x, "property names must match "
			    "^[A-Za-z0-9_.-]{1,64}$");
		if (c_schema(x, p, depth + 1, 0) == -1)
			return -1;
		path_pop(&x->path, saved);
	}
	return 0;
}

static int
c_required(struct sctx *x, const cJSON *v, int depth)
{
	const cJSON	*r, *q;
	size_t		 i = 0, saved;

	if (!cJSON_IsArray(v))
		return c_fail(x, "must be an array of property names");
	cJSON_ArrayForEach(r, v) {
		saved = ptr_index(&x->path, i++);
		if (!cJSON_IsString(r) || !name_valid(r->valuestring))
			return c_fail(x, "must be a property name matching "
			    "^[A-Za-z0-9_.-]{1,64}$");
		for (q = v->child; q != r; q = q->next)
			if (strcmp(q->valuestring, r->valuestring) == 0)
				return c_fail(x, "repeats an earlier name");
		path_pop(&x->path, saved);
	}
	return 0;
}

static int
c_additional(struct sctx *x, const cJSON *v, int depth)
{
	if (!cJSON_IsBool(v))
		return c_fail(x, "must be true or false (a schema there is "
		    "not supported)");
	return 0;
}

static int
c_count(struct sctx *x, const cJSON *v, int depth)
{
	if (!cJSON_IsNumber(v) || !is_safe_int(v->valuedouble) ||
	    v->valuedouble < 0)
		return c_fail(x, "must be a non-negative integer");
	return 0;
}

static int
c_pattern(struct sctx *x, const cJSON *v, int depth)
{
	regex_t	 tmp, *re;
	char	 why[256];

	if (!cJSON_IsString(v) || v->valuestring == NULL)
		return c_fail(x, "must be a string");
	if (rx_get(x, v, &tmp, &re, why, sizeof(why)) == -1)
		return c_fail(x, "%s", why);
	if (re == &tmp)
		regfree(&tmp);
	return 0;
}

static int
c_format(struct sctx *x, const cJSON *v, int depth)
{
	if (!cJSON_IsString(v) || strcmp(v->valuestring, "date") != 0)
		return c_fail(x, "only \"date\" is supported");
	return 0;
}

static int
c_number(struct sctx *x, const cJSON *v, int depth)
{
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
		return c_fail(x, "must be a finite number");
	return 0;
}

static int
c_items(struct sctx *x, const cJSON *v, int depth)
{
	if (!cJSON_IsObject(v))
		return c_fail(x, "must be one schema (an object); tuple forms "
		    "are not supported");
	return c_schema(x, v, depth + 1, 0);
}

/* enum: 1 to SCHEMA_MAX_ENUM distinct strings of printable ASCII. */
static int
c_enum(struct sctx *x, const cJSON *v, int depth)
{
	const cJSON	*e, *q;
	size_t		 i = 0, saved, n, k;

	(void)depth;
	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) < 1 ||
	    cJSON_GetArraySize(v) > SCHEMA_MAX_ENUM)
		return c_fail(x, "must be an array of 1 to %d strings",
		    SCHEMA_MAX_ENUM);
	cJSON_ArrayForEach(e, v) {
		saved = ptr_index(&x->path, i++);
		if (!cJSON_IsString(e))
			return c_fail(x, "must be a string (only string enums "
			    "are supported)");
		n = strlen(e->valuestring);
		if (n < 1 || n > SCHEMA_MAX_ENUM_LEN)
			return c_fail(x, "must be 1 to %d characters",
			    SCHEMA_MAX_ENUM_LEN);
		for (k = 0; k < n; k++)
			if (e->valuestring[k] < 0x20 || e->valuestring[k] > 0x7e)
				return c_fail(x, "must be printable ASCII");
		for (q = v->child; q != e; q = q->next)
			if (strcmp(q->valuestring, e->valuestring) == 0)
				return c_fail(x, "repeats an earlier value");
		path_pop(&x->path, saved);
	}
	return 0;
}

static int
c_bool(struct sctx *x, const cJSON *v, int depth)
{
	if (!cJSON_IsBool(v))
		return c_fail(x, "must be true or false");
	return 0;
}

static const struct keyword keywords[] = {
	{ "description",	T_ANY,		c_text },
	{ "title",		T_ANY,		c_text },
	{ "default",		T_ANY,		NULL },
	{ "type",		T_ANY,		NULL },	/* read first */
	{ "properties",		T_OBJECT,	c_properties },
	{ "required",		T_OBJECT,	c_required },
	{ "additionalProperties", T_OBJECT,	c_additional },
	{ "minLength",		T_STRING,	c_count },
	{ "maxLength",		T_STRING,	c_count },
	{ "pattern",		T_STRING,	c_pattern },
	{ "format",		T_STRING,	c_format },
	{ "enum",		T_STRING,	c_enum },
	{ "minimum",		T_NUMERIC,	c_number },
	{ "maximum",		T_NUMERIC,	c_number },
	{ "items",		T_ARRAY,	c_items },
	{ "minItems",		T_ARRAY,	c_count },
	{ "maxItems",		T_ARRAY,	c_count },
	{ "uniqueItems",	T_ARRAY,	c_bool },
};

static const struct keyword *
keyword_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (strcmp(keywords[i].name, name) == 0)
			return &keywords[i];
	return NULL;
}

static int
c_type(struct sctx *x, const cJSON *t, int *types)
{
	const cJSON	*e;
	int		 bit, n = 0;

	*types = 0;
	if (cJSON_IsString(t)) {
		if ((*types = type_bit(t->valuestring)) == 0 ||
		    *types == T_NULL)
			return c_fail(x, "must be one type name: string, "
			    "integer, number, boolean, object or array, or a "
			    "list of them");
		return 0;
	}
	/* A list: distinct names, "null" among them but not alone. */
	if (!cJSON_IsArray(t) || cJSON_GetArraySize(t) < 1 ||
	    (size_t)cJSON_GetArraySize(t) > NTYPES)
		return c_fail(x, "must be one type name, or a list of 1 to %zu "
		    "distinct type names", NTYPES);
	cJSON_ArrayForEach(e, t) {
		if (!cJSON_IsString(e) || (bit = type_bit(e->valuestring)) == 0)
			return c_fail(x, "item %d is not a type name: string, "
			    "integer, number, boolean, object, array or null",
			    n);
		if (*types & bit)
			return c_fail(x, "item %d repeats a type name", n);
		*types |= bit;
		n++;
	}
	if (*types == T_NULL)
		return c_fail(x, "\"null\" alone admits one value; give "
		    "another type with it");
	return 0;
}

static const char *
types_text(int types, char *buf, size_t len)
{
	struct msg	 m;
	size_t		 i;

	msg_init(&m, buf, len);
	for (i = 0; i < NTYPES; i++)
		if (types & type_names[i].bit) {
			if (m.len > 0)
				msg_add(&m, ", ");
			msg_add(&m, type_names[i].name);
		}
	return buf;
}

/* min <= max for a pair of counts, or nothing could ever match. */
static int
c_pair(struct sctx *x, const cJSON *s, const char *lo, const char *hi)
{
	const cJSON	*a = get(s, lo), *b = get(s, hi);

	if (a != NULL && b != NULL && a->valuedouble > b->valuedouble) {
		ptr_key(&x->path, lo);
		return c_fail(x, "is greater than %s; nothing could match", hi);
	}
	return 0;
}

/* The bounds must leave some number, or nothing could ever match. */
static int
c_bounds(struct sctx *x, const cJSON *s)
{
	const cJSON	*mn = get(s, "minimum"), *mx = get(s, "maximum");

	if (mn != NULL && mx != NULL && mn->valuedouble > mx->valuedouble) {
		ptr_key(&x->path, "minimum");
		return c_fail(x, "no number lies within the bounds");
	}
	return 0;
}

/* Checks between keywords, once each keyword is known to be sound. */
static int
c_cross(struct sctx *x, const cJSON *s, int types)
{
	const cJSON	*r, *props, *addl;
	size_t		 i = 0;

	if (c_pair(x, s, "minLength", "maxLength") == -1 ||
	    c_pair(x, s, "minItems", "maxItems") == -1 ||
	    c_bounds(x, s) == -1)
		return -1;
	/* A string enum says nothing of other types: it needs them gone. */
	if (get(s, "enum") != NULL && types != T_STRING) {
		ptr_key(&x->path, "enum");
		return c_fail(x, "needs \"type\": \"string\"");
	}
	if (cJSON_IsTrue(get(s, "uniqueItems")) &&
	    get(s, "maxItems") == NULL) {
		ptr_key(&x->path, "uniqueItems");
		return c_fail(x, "needs maxItems, which bounds the quadratic "
		    "comparison");
	}
	props = get(s, "properties");
	addl = get(s, "additionalProperties");
	if (cJSON_IsFalse(addl))
		cJSON_ArrayForEach(r, get(s, "required")) {
			if (get(props, r->valuestring) == NULL) {
				ptr_key(&x->path, "required");
				ptr_index(&x->path, i);
				return c_fail(x, "is not in properties and "
				    "additionalProperties is false; nothing "
				    "could match");
			}
			i++;
		}
	return 0;
}

/* A schema at depth (the root is 0), with the path pointing at it. */
static int
c_schema(struct sctx *x, const cJSON *s, int depth, int root)
{
	const struct keyword	*k;
	const cJSON		*kw, *t;
	const char		*dup;
	char			 tbuf[80];
	size_t			 saved;
	int			 types = T_ANY;

	if (!cJSON_IsObject(s))
		return c_fail(x, root ? "the root schema must be a JSON "
		    "object" : "a schema must be a JSON object");
	if (depth > SCHEMA_MAX_DEPTH)
		return c_fail(x, "schemas nest more than %d levels",
		    SCHEMA_MAX_DEPTH);
	cJSON_ArrayForEach(kw, s)
		if (kw->string == NULL)
			return c_fail(x, "has a member without a name");
	if ((dup = dup_key(s)) != NULL) {
		ptr_key(&x->path, dup);
		return c_fail(x, "this keyword appears more than once");
	}
	if ((t = get(s, "type")) != NULL) {
		saved = ptr_key(&x->path, "type");
		if (c_type(x, t, &types) == -1)
			return -1;
		path_pop(&x->path, saved);
	}
	/* t == NULL first, though cJSON_IsString(NULL) is false: the
	 * analyzers cannot see into cJSON (contrib/analyze.sh). */
	if (root && (t == NULL || !cJSON_IsString(t) ||
	    strcmp(t->valuestring, "object") != 0))
		return c_fail(x, "the root schema must have \"type\": "
		    "\"object\"");
	cJSON_ArrayForEach(kw, s) {
		saved = ptr_key(&x->path, kw->string);
		if ((k = keyword_find(kw->string)) == NULL)
			return c_fail(x, "unsupported keyword (the subset is "
			    "listed in schema.h)");
		if (!(k->types & types))
			return c_fail(x, "does not apply to type %s",
			    types_text(types, tbuf, sizeof(tbuf)));
		if (k->check != NULL && k->check(x, kw, depth) == -1)
			return -1;
		path_pop(&x->path, saved);
	}
	return c_cross(x, s, types);
}

/* ------------------------------------------------------ instance: sanity */

/*
 * What holds whatever the schema says: valid UTF-8, finite numbers,
 * unique keys, at most SCHEMA_MAX_DEPTH levels.  Nothing deeper than
 * that is ever visited, so a 10000-deep array costs 33 frames.
 */
static int
s_sane(struct sctx *x, struct msg *m, const cJSON *v, int depth)
{
	const cJSON	*c;
	const char	*dup;
	size_t		 i = 0, saved;
	int		 r;

	if (depth > SCHEMA_MAX_DEPTH) {
		msg_subject(x, m);
		msg_addf(m, " nests more than %d levels deep; flatten it",
		    SCHEMA_MAX_DEPTH);
		return -1;
	}
	switch (v->type & 0xff) {
	case cJSON_False:
	case cJSON_True:
	case cJSON_NULL:
		return 0;
	case cJSON_Number:
		if (isfinite(v->valuedouble))
			return 0;
		msg_subject(x, m);
		msg_add(m, " must be a finite number (it is too large)");
		return -1;
	case cJSON_String:
		if (v->valuestring != NULL && utf8_valid(v->valuestring,
		    strlen(v->valuestring)))
			return 0;
		msg_subject(x, m);
		msg_add(m, " is not valid UTF-8");
		return -1;
	case cJSON_Array:
		cJSON_ArrayForEach(c, v) {
			saved = path_index(&x->path, i++);
			r = s_sane(x, m, c, depth + 1);
			path_pop(&x->path, saved);
			if (r == -1)
				return -1;
		}
		return 0;
	case cJSON_Object:
		cJSON_ArrayForEach(c, v) {
			if (c->string == NULL) {
				msg_subject(x, m);
				msg_add(m, " has a member without a name");
				return -1;
			}
			if (!utf8_valid(c->string, strlen(c->string))) {
				saved = path_key(&x->path, c->string,
				    SCHEMA_MAX_SHOWN);
				msg_subject(x, m);
				path_pop(&x->path, saved);
				msg_add(m, " has a name that is not valid "
				    "UTF-8");
				return -1;
			}
		}
		if ((dup = dup_key(v)) != NULL) {
			saved = path_key(&x->path, dup, SCHEMA_MAX_SHOWN);
			msg_subject(x, m);
			path_pop(&x->path, saved);
			msg_add(m, " is given more than once");
			return -1;
		}
		cJSON_ArrayForEach(c, v) {
			saved = path_key(&x->path, c->string,
			    SCHEMA_MAX_SHOWN);
			r = s_sane(x, m, c, depth + 1);
			path_pop(&x->path, saved);
			if (r == -1)
				return -1;
		}
		return 0;
	default:
		msg_subject(x, m);
		msg_add(m, " is not a JSON value");
		return -1;
	}
}

/* ---------------------------------------------------- instance: schema */

static int
spend(struct sctx *x, struct msg *m)
{
	if (x->exhausted)
		return -1;
	if (++x->work <= WORK_BUDGET)
		return 0;
	x->exhausted = 1;
	msg_subject(x, m);
	msg_add(m, " is too large or complex to check; send less");
	return -1;
}

/* JSON equality (1 and 1.0 are equal, key order does not matter). */
static int
json_equal(struct sctx *x, struct msg *m, const cJSON *a, const cJSON *b)
{
	const cJSON	*ca, *cb, *f;
	int		 r;

	if (spend(x, m) == -1)
		return -1;
	if ((a->type & 0xff) != (b->type & 0xff))
		return 0;
	switch (a->type & 0xff) {
	case cJSON_Number:
		return a->valuedouble == b->valuedouble;
	case cJSON_String:
		return strcmp(a->valuestring, b->valuestring) == 0;
	case cJSON_Array:
		for (ca = a->child, cb = b->child; ca != NULL && cb != NULL;
		    ca = ca->next, cb = cb->next)
			if ((r = json_equal(x, m, ca, cb)) != 1)
				return r;
		return ca == NULL && cb == NULL;
	case cJSON_Object:
		for (ca = a->child, cb = b->child; ca != NULL && cb != NULL;
		    ca = ca->next, cb = cb->next)
			;
		if (ca != NULL || cb != NULL)
			return 0;
		/* Keys are unique (s_sane), so same count + all found. */
		for (ca = a->child, cb = b->child; ca != NULL; ca = ca->next) {
			if (cb != NULL && strcmp(cb->string, ca->string) == 0)
				f = cb;	/* the common case: same order */
			else {
				for (f = b->child; f != NULL; f = f->next) {
					if (spend(x, m) == -1)
						return -1;
					if (strcmp(f->string, ca->string) == 0)
						break;
				}
				if (f == NULL)
					return 0;
			}
			if ((r = json_equal(x, m, ca, f)) != 1)
				return r;
			cb = f->next;
		}
		return 1;
	default:
		return 1;	/* true, false, null: same type, same value */
	}
}

/* "an integer", "a string or null", "a string, an integer or null". */
static void
msg_types(struct msg *m, const cJSON *s, int types)
{
	size_t	 i, n = 0, k = 0;

	if ((types & T_NUMBER) && (types & T_INTEGER))
		types &= ~T_INTEGER;
	for (i = 0; i < NTYPES; i++)
		if (types & type_names[i].bit)
			n++;
	for (i = 0; i < NTYPES; i++) {
		if (!(types & type_names[i].bit))
			continue;
		if (k > 0)
			msg_add(m, k == n - 1 ? " or " : ", ");
		msg_add(m, type_names[i].noun);
		if (type_names[i].bit & T_NUMERIC)
			msg_bounds(m, s);
		k++;
	}
}

/* " between 1 and 200", " of at least 0", or nothing. */
static void
msg_bounds(struct msg *m, const cJSON *s)
{
	const cJSON	*lo = get(s, "minimum"), *hi = get(s, "maximum");

	if (lo != NULL && hi != NULL) {
		msg_add(m, " between ");
		msg_num(m, lo->valuedouble);
		msg_add(m, " and ");
		msg_num(m, hi->valuedouble);
		return;
	}
	if (lo != NULL) {
		msg_add(m, " of at least ");
		msg_num(m, lo->valuedouble);
	}
	if (hi != NULL) {
		msg_add(m, " of at most ");
		msg_num(m, hi->valuedouble);
	}
}

static int
v_type_error(struct sctx *x, struct msg *m, const cJSON *s,
    const cJSON *v, int want)
{
	msg_subject(x, m);
	if ((want & T_INTEGER) && !(want & T_NUMBER) && cJSON_IsNumber(v) &&
	    v->valuedouble == floor(v->valuedouble)) {
		msg_add(m, " must be an integer of magnitude at most "
		    "9007199254740991");
		msg_got(m, v);
		return -1;
	}
	msg_add(m, " must be ");
	msg_types(m, s, want);
	msg_got(m, v);
	return -1;
}

static int
v_number(struct sctx *x, struct msg *m, const cJSON *s, const cJSON *v,
    int want)
{
	const cJSON	*mn = get(s, "minimum"), *mx = get(s, "maximum");
	double		 d = v->valuedouble;

	if ((mn != NULL && d < mn->valuedouble) ||
	    (mx != NULL && d > mx->valuedouble)) {
		msg_subject(x, m);
		msg_add(m, (want & T_INTEGER) && !(want & T_NUMBER) ?
		    " must be an integer" : " must be a number");
		msg_bounds(m, s);
		msg_got(m, v);
		return -1;
	}
	return 0;
}

/* " at least 1 item", " between 1 and 100 characters" and so on. */
static void
msg_count(struct msg *m, const cJSON *lo, const cJSON *hi,
    const char *unit)
{
	if (lo != NULL && hi != NULL && lo->valuedouble == hi->valuedouble) {
		msg_add(m, "exactly ");
		msg_num(m, lo->valuedouble);
	} else if (lo != NULL && hi != NULL) {
		msg_add(m, "between ");
		msg_num(m, lo->valuedouble);
		msg_add(m, " and ");
		msg_num(m, hi->valuedouble);
	} else if (lo != NULL) {
		msg_add(m, "at least ");
		msg_num(m, lo->valuedouble);
	} else {
		msg_add(m, "at most ");
		msg_num(m, hi->valuedouble);
	}
	msg_add(m, " ");
	msg_add(m, unit);
	if ((hi != NULL ? hi : lo)->valuedouble != 1)
		msg_add(m, "s");
}

static int
out_of(const cJSON *lo, const cJSON *hi, uint64_t n)
{
	return (lo != NULL && (double)n < lo->valuedouble) ||
	    (hi != NULL && (double)n > hi->valuedouble);
}

static int
v_string(struct sctx *x, struct msg *m, const cJSON *s, const cJSON *v)
{
	const cJSON	*lo = get(s, "minLength"), *hi = get(s, "maxLength");
	const cJSON	*pat = get(s, "pattern"), *fmt = get(s, "format");
	const cJSON	*en, *e;
	const char	*str = v->valuestring;
	regex_t		 tmp, *re;
	uint64_t	 n;
	char		 why[256];
	int		 rc;

	/* Length first: no regex ever runs on an over-long string. */
	if (lo != NULL || hi != NULL) {
		n = utf8_count(str);
		if (out_of(lo, hi, n)) {
			msg_subject(x, m);
			msg_add(m, " must be ");
			msg_count(m, lo, hi, "character");
			msg_addf(m, " long (got %llu)", (unsigned long long)n);
			return -1;
		}
	}
	if (pat != NULL) {
		if (strnlen(str, RX_MAX_INPUT + 1) > RX_MAX_INPUT) {
			msg_subject(x, m);
			msg_addf(m, " is too long to match against its pattern "
			    "(over %d bytes)", RX_MAX_INPUT);
			return -1;
		}
		if (rx_get(x, pat, &tmp, &re, why, sizeof(why)) == -1) {
			msg_add(m, "internal error: ");
			msg_add(m, why);
			return -1;
		}
		rc = regexec(re, str, 0, NULL, 0);
		if (re == &tmp)
			regfree(&tmp);
		if (rc != 0) {
			msg_subject(x, m);
			if (rc != REG_NOMATCH) {
				msg_add(m, " could not be matched against its "
				    "pattern");
				return -1;
			}
			/* Printable ASCII (schema_check), shown as written. */
			msg_add(m, " must match the pattern ");
			msg_addn(m, pat->valuestring, strnlen(pat->valuestring,
			    SHOWN_SCHEMA));
			if (strlen(pat->valuestring) > SHOWN_SCHEMA)
				msg_add(m, "...");
			msg_got(m, v);
			return -1;
		}
	}
	if ((en = get(s, "enum")) != NULL) {
		cJSON_ArrayForEach(e, en)
			if (strcmp(e->valuestring, str) == 0)
				break;
		if (e == NULL) {
			msg_subject(x, m);
			msg_add(m, " must be one of ");
			cJSON_ArrayForEach(e, en) {
				msg_add(m, e->valuestring);
				if (e->next != NULL)
					msg_add(m, e->next->next != NULL ? ", " :
					    " or ");
			}
			msg_got(m, v);
			return -1;
		}
	}
	if (fmt != NULL) {
		long day;
		if (strcmp(fmt->valuestring, "date") == 0 &&
		    date_parse(str, &day) == -1) {
			msg_subject(x, m);
			msg_add(m, " must be a real calendar date written "
			    "YYYY-MM-DD");
			msg_got(m, v);
			return -1;
		}
	}
	return 0;
}

static int
v_array(struct sctx *x, struct msg *m, const cJSON *s, const cJSON *v)
{
	const cJSON	*lo = get(s, "minItems"), *hi = get(s, "maxItems");
	const cJSON	*items = get(s, "items"), *a, *b;
	uint64_t	 n = 0;
	size_t		 i = 0, j, saved;
	int		 r;

	cJSON_ArrayForEach(a, v)
		n++;
	if (out_of(lo, hi, n)) {
		msg_subject(x, m);
		msg_add(m, " must have ");
		msg_count(m, lo, hi, "item");
		msg_addf(m, " (got %llu)", (unsigned long long)n);
		return -1;
	}
	if (items != NULL)
		cJSON_ArrayForEach(a, v) {
			saved = path_index(&x->path, i++);
			r = v_node(x, m, items, a);
			path_pop(&x->path, saved);
			if (r == -1)
				return -1;
		}
	/* Quadratic, but schema_check() made maxItems bound it. */
	if (cJSON_IsTrue(get(s, "uniqueItems")))
		for (a = v->child, i = 0; a != NULL; a = a->next, i++)
			for (b = a->next, j = i + 1; b != NULL;
			    b = b->next, j++) {
				if ((r = json_equal(x, m, a, b)) == -1)
					return -1;
				if (r == 0)
					continue;
				msg_subject(x, m);
				msg_add(m, " must not repeat an item (");
				saved = path_index(&x->path, j);
				msg_add(m, x->path.buf);
				path_pop(&x->path, saved);
				msg_add(m, " equals ");
				saved = path_index(&x->path, i);
				msg_add(m, x->path.buf);
				path_pop(&x->path, saved);
				msg_add(m, ")");
				return -1;
			}
	return 0;
}

static void
msg_names(struct msg *m, const cJSON *props)
{
	const cJSON	*p;

	if (props == NULL || props->child == NULL) {
		msg_add(m, "none");
		return;
	}
	cJSON_ArrayForEach(p, props) {
		if (p != props->child)
			msg_add(m, ", ");
		msg_esc(m, p->string, NAME_MAX_LEN, -1, 0);
	}
}

/*
 * Unknown members first, then required ones, then each property in the
 * schema's order.
 */
static int
v_object(struct sctx *x, struct msg *m, const cJSON *s, const cJSON *v)
{
	const cJSON	*props = get(s, "properties");
	const cJSON	*req = get(s, "required");
	const cJSON	*addl = get(s, "additionalProperties");
	const cJSON	*c, *p;
	size_t		 saved;
	int		 r;

	if (cJSON_IsFalse(addl))
		cJSON_ArrayForEach(c, v) {
			if (spend(x, m) == -1)
				return -1;
			if (get(props, c->string) != NULL)
				continue;
			saved = path_key(&x->path, c->string,
			    SCHEMA_MAX_SHOWN);
			msg_add(m, "unknown ");
			msg_subject(x, m);
			path_pop(&x->path, saved);
			msg_add(m, "; allowed: ");
			msg_names(m, props);
			return -1;
		}
	cJSON_ArrayForEach(p, req)
		if (get(v, p->valuestring) == NULL) {
			saved = path_key(&x->path, p->valuestring,
			    NAME_MAX_LEN);
			msg_add(m, "missing required ");
			msg_subject(x, m);
			path_pop(&x->path, saved);
			return -1;
		}
	cJSON_ArrayForEach(p, props) {
		if ((c = get(v, p->string)) == NULL)
			continue;
		saved = path_key(&x->path, p->string, NAME_MAX_LEN);
		r = v_node(x, m, p, c);
		path_pop(&x->path, saved);
		if (r == -1)
			return -1;
	}
	return 0;
}

static int
v_node(struct sctx *x, struct msg *m, const cJSON *s, const cJSON *v)
{
	int		 want = schema_types(s);

	if (spend(x, m) == -1)
		return -1;
	if (!(want & value_types(v)))
		return v_type_error(x, m, s, v, want);
	if (cJSON_IsString(v) && v_string(x, m, s, v) == -1)
		return -1;
	if (cJSON_IsNumber(v) && v_number(x, m, s, v, want) == -1)
		return -1;
	if (cJSON_IsObject(v) && v_object(x, m, s, v) == -1)
		return -1;
	if (cJSON_IsArray(v) && v_array(x, m, s, v) == -1)
		return -1;
	return 0;
}

/* ------------------------------------------------------------------ API */

int
schema_check(const cJSON *schema, char *errbuf, size_t errlen)
{
	struct sctx	 x;
	struct msg	 m;
	int		 r;

	msg_init(&m, errbuf, errlen);
	if (ctx_init(&x, &m, NULL) == -1) {
		msg_add(&m, "internal error: no C locale");
		msg_end(&m);
		return -1;
	}
	r = c_schema(&x, schema, 0, 1);
	ctx_free(&x);
	msg_end(&m);
	return r;
}

static int
validate(const cJSON *schema, const cJSON *instance, const char *root_name,
    char *errbuf, size_t errlen, int check)
{
	struct sctx	 x;
	struct msg	 m, cm;
	char		 cerr[512];
	int		 r = -1;

	msg_init(&m, errbuf, errlen);
	msg_init(&cm, cerr, sizeof(cerr));
	if (ctx_init(&x, &cm, root_name) == -1) {
		msg_add(&m, "internal error: no C locale");
		msg_end(&m);
		return -1;
	}
	if (check && c_schema(&x, schema, 0, 1) == -1) {
		msg_end(&cm);
		msg_add(&m, "internal error: the schema is broken: ");
		msg_add(&m, cerr);
		goto done;
	}
	path_reset(&x.path);
	if (!cJSON_IsObject(instance)) {
		msg_subject(&x, &m);
		msg_add(&m, " must be a JSON object");
		if (instance != NULL)
			msg_got(&m, instance);
		goto done;
	}
	if (s_sane(&x, &m, instance, 0) == -1)
		goto done;
	path_reset(&x.path);
	r = v_node(&x, &m, schema, instance);
done:
	ctx_free(&x);
	msg_end(&m);
	return r;
}

int
schema_validate(const cJSON *schema, const cJSON *instance,
    const char *root_name, char *errbuf, size_t errlen)
{
	return validate(schema, instance, root_name, errbuf, errlen, 1);
}

int
schema_validate_checked(const cJSON *schema, const cJSON *instance,
    const char *root_name, char *errbuf, size_t errlen)
{
	return validate(schema, instance, root_name, errbuf, errlen, 0);
}
