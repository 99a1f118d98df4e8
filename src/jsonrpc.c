/*
 * jsonrpc.c: JSON-RPC 2.0 framing for the front.
 *
 * cJSON parses numbers as doubles, so an id is never re-printed from its
 * parsed value: the raw token is taken from the line and echoed byte for
 * byte (strings are re-serialised from their decoded value, which is
 * exact).  An integer id is any -?digits token, however long; 1.5, 1e3,
 * true and null are not ids.
 *
 * Every line passes jr_check() before cJSON sees it: one pass over the
 * bytes that accepts exactly RFC 8259 (numbers, strings, literals, only
 * space/tab/LF/CR as whitespace, nothing after the value, no BOM), valid
 * UTF-8 only, at most MCP_MAX_DEPTH levels of nesting.  Anything else is
 * -32700.  Two choices beyond the RFC's grammar:
 *  - a \u escape of a lone surrogate (\uD800 without a following
 *    \uDC00-\uDFFF, or a \uDC00-\uDFFF on its own) is -32700: RFC 8259
 *    (section 8.2) lets the grammar through but says the result is not
 *    Unicode text, and a decoded string must be valid UTF-8 for us;
 *  - \u0000 is valid JSON, but cJSON decodes it into a NUL inside a C
 *    string, which would silently shorten the string for everything that
 *    reads it (a method, a tool name, an ID, a SOQL filter).  jr_check()
 *    notes where the first one is (a path such as params.arguments.soql)
 *    and the message is refused, after its id was read: -32602 when it
 *    is below params (the params are what is wrong), -32600 otherwise
 *    (the request itself: method, jsonrpc, any other member).  When the
 *    \u0000 is in the id, or in a member name of the message itself
 *    (cJSON would read "id\u0000x" as "id"), no id is trusted and the
 *    answer has none.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfrevops.h"
#include "jsonrpc.h"

int
jr_depth(const char *s, size_t len, int max)
{
	size_t	 i;
	int	 depth = 0, top = 0, in_str = 0;

	for (i = 0; i < len; i++) {
		char c = s[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
			continue;
		}
		if (c == '"')
			in_str = 1;
		else if (c == '[' || c == '{') {
			if (++depth > top)
				top = depth;
			if (top > max)
				return top;
		} else if (c == ']' || c == '}')
			depth--;
	}
	return top;
}

/* Skip whitespace. */
static size_t
skip_ws(const char *s, size_t i, size_t len)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' ||
	    s[i] == '\r'))
		i++;
	return i;
}

/* Skip a string starting at s[i] == '"'; return the index after it. */
static size_t
skip_string(const char *s, size_t i, size_t len)
{
	for (i++; i < len; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return len;
}

/* Skip any value starting at s[i]; the text is valid JSON. */
static size_t
skip_value(const char *s, size_t i, size_t len)
{
	int	 depth = 0;

	if (i >= len)
		return len;
	if (s[i] == '"')
		return skip_string(s, i, len);
	if (s[i] != '{' && s[i] != '[') {
		while (i < len && s[i] != ',' && s[i] != '}' && s[i] != ']' &&
		    s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			i++;
		return i;
	}
	for (; i < len; i++) {
		if (s[i] == '"') {
			i = skip_string(s, i, len) - 1;
			continue;
		}
		if (s[i] == '{' || s[i] == '[')
			depth++;
		else if (s[i] == '}' || s[i] == ']') {
			if (--depth == 0)
				return i + 1;
		}
	}
	return len;
}

/* Compare a raw JSON string token (with quotes) to key, decoding escapes. */
static int
key_equals(const char *s, size_t start, size_t end, const char *key)
{
	size_t	 i, k = 0, klen = strlen(key);
	char	 c;

	for (i = start + 1; i + 1 < end; i++) {
		c = s[i];
		if (c == '\\') {
			i++;
			switch (s[i]) {
			case 'u': {
				unsigned int v = 0, j;
				if (i + 4 >= end)
					return 0;
				for (j = 1; j <= 4; j++) {
					char h = s[i + j];
					v <<= 4;
					if (h >= '0' && h <= '9') v |= (unsigned)(h - '0');
					else if (h >= 'a' && h <= 'f') v |= (unsigned)(h - 'a' + 10);
					else if (h >= 'A' && h <= 'F') v |= (unsigned)(h - 'A' + 10);
					else return 0;
				}
				if (v == 0 || v > 0x7f)
					return 0;	/* keys we look for are ASCII */
				c = (char)v;
				i += 4;
				break;
			}
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			default: c = s[i]; break;
			}
		}
		if (k >= klen || key[k] != c)
			return 0;
		k++;
	}
	return k == klen;
}

int
jr_member_raw(const char *s, size_t len, const char *key, const char **start,
    size_t *tlen)
{
	size_t	 i, kstart, kend, vstart;

	i = skip_ws(s, 0, len);
	if (i >= len || s[i] != '{')
		return -1;
	i = skip_ws(s, i + 1, len);
	while (i < len && s[i] == '"') {
		kstart = i;
		kend = skip_string(s, i, len);
		i = skip_ws(s, kend, len);
		if (i >= len || s[i] != ':')
			return -1;
		vstart = skip_ws(s, i + 1, len);
		i = skip_value(s, vstart, len);
		if (key_equals(s, kstart, kend, key)) {
			*start = s + vstart;
			*tlen = i - vstart;
			return 0;
		}
		i = skip_ws(s, i, len);
		if (i < len && s[i] == ',')
			i = skip_ws(s, i + 1, len);
	}
	return -1;
}

/* ------------------------------------------------ the strict check */

#define JR_PATH_MAX	96	/* the shown path, ellipsis included */

/* Where a \u0000 was found, relative to one message. */
enum jr_nul_where {
	NUL_OTHER = 0,		/* the request: method, jsonrpc, ... */
	NUL_ID,			/* in the id: no id can be trusted */
	NUL_TOPKEY,		/* a member name of the message itself */
	NUL_PARAMS		/* anywhere below params */
};

struct jr_nul {
	size_t			 elem;	/* batch: the member's index */
	enum jr_nul_where	 where;
	int			 in_key; /* in a member name, not a value */
	char			 path[JR_PATH_MAX + 1];
};

struct jv_frame {
	char	 kind;		/* '{' or '[' */
	size_t	 key;		/* objects: the current member name's quote */
	size_t	 keyend;	/* ... and the offset after its closing quote */
	size_t	 index;		/* arrays: the current element */
};

struct jv {
	const char	*s;
	size_t		 len;
	struct jv_frame	 st[MCP_MAX_DEPTH];
	int		 depth;
	char		 err[160];	/* the -32700 message, "" if none */
	struct jr_nul	*nuls;		/* the first \u0000 of each message */
	size_t		 nnuls;
	size_t		 nalloc;
};

static int
jv_fail(struct jv *v, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
jv_fail(struct jv *v, size_t off, const char *fmt, ...)
{
	char	 why[120];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(v->err, sizeof(v->err), "Parse error: %s at byte %zu", why,
	    off);
	return -1;
}

/* Append text to the path in p, or "..." once it is full. */
static void
path_add(char *p, const char *text, size_t n)
{
	size_t	 o = strlen(p);

	if (o >= JR_PATH_MAX - 3 && strcmp(p + o - 3, "...") == 0)
		return;
	if (o + n > JR_PATH_MAX - 3) {
		/* Cut, but not inside a UTF-8 sequence. */
		n = o < JR_PATH_MAX - 3 ? JR_PATH_MAX - 3 - o : 0;
		while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
			n--;
		memcpy(p + o, text, n);
		memcpy(p + o + n, "...", 4);
		return;
	}
	memcpy(p + o, text, n);
	p[o + n] = '\0';
}

/* A member name as a path step: .name, or ["raw text"] if not plain. */
static void
path_key(char *p, const char *s, size_t q, size_t qend, int first)
{
	size_t	 i;
	int	 plain = qend - q > 2;

	for (i = q + 1; i + 1 < qend; i++)
		if (!(('a' <= s[i] && s[i] <= 'z') || ('A' <= s[i] &&
		    s[i] <= 'Z') || ('0' <= s[i] && s[i] <= '9') ||
		    s[i] == '_' || s[i] == '-' || s[i] == '$'))
			plain = 0;
	if (plain) {
		if (!first)
			path_add(p, ".", 1);
		path_add(p, s + q + 1, qend - q - 2);
	} else {
		path_add(p, "[", 1);
		path_add(p, s + q, qend - q);
		path_add(p, "]", 1);
	}
}

/* A \u0000 in the string being read (a member name if in_key). */
static void
jv_nul(struct jv *v, int in_key)
{
	struct jr_nul	*n;
	size_t		 elem = 0;
	int		 b = 0, i, last;
	char		 num[32];

	/* In a batch each member is a message of its own. */
	if (v->depth > 0 && v->st[0].kind == '[') {
		b = 1;
		elem = v->st[0].index;
	}
	if (v->nnuls > 0 && (b == 0 || v->nuls[v->nnuls - 1].elem == elem))
		return;		/* only the first one of each message */
	if (v->nnuls == v->nalloc) {
		v->nalloc = v->nalloc == 0 ? 4 : v->nalloc * 2;
		v->nuls = xreallocarray(v->nuls, v->nalloc, sizeof(*v->nuls));
	}
	n = &v->nuls[v->nnuls++];
	memset(n, 0, sizeof(*n));
	n->elem = elem;
	n->in_key = in_key;
	if (v->depth > b && v->st[b].kind == '{') {
		const struct jv_frame *m = &v->st[b];
		if (in_key && v->depth == b + 1)
			n->where = NUL_TOPKEY;
		else if (key_equals(v->s, m->key, m->keyend, "id"))
			n->where = NUL_ID;
		else if (key_equals(v->s, m->key, m->keyend, "params"))
			n->where = NUL_PARAMS;
	}
	/* The path, from the message down; a member name stops at the
	 * object that holds it. */
	last = in_key ? v->depth - 1 : v->depth;
	for (i = b; i < last; i++) {
		if (v->st[i].kind == '{')
			path_key(n->path, v->s, v->st[i].key, v->st[i].keyend,
			    i == b);
		else {
			snprintf(num, sizeof(num), "[%zu]", v->st[i].index);
			path_add(n->path, num, strlen(num));
		}
	}
}

static int
hex4(const char *s, unsigned int *cp)
{
	unsigned int	 v = 0;
	int		 i;

	for (i = 0; i < 4; i++) {
		char h = s[i];
		v <<= 4;
		if ('0' <= h && h <= '9')
			v |= (unsigned int)(h - '0');
		else if ('a' <= h && h <= 'f')
			v |= (unsigned int)(h - 'a' + 10);
		else if ('A' <= h && h <= 'F')
			v |= (unsigned int)(h - 'A' + 10);
		else
			return -1;
	}
	*cp = v;
	return 0;
}

/* A string at s[*ip] == '"'; *ip ends after its closing quote. */
static int
jv_string(struct jv *v, size_t *ip, int in_key)
{
	const char	*s = v->s;
	size_t		 i = *ip + 1, len = v->len, n;
	unsigned int	 cp, lo;
	unsigned char	 c;

	while (i < len) {
		c = (unsigned char)s[i];
		if (c == '"') {
			*ip = i + 1;
			return 0;
		}
		if (c < 0x20)
			return jv_fail(v, i, "control character U+%04X "
			    "unescaped in a string", c);
		if (c >= 0x80) {
			if ((n = utf8_seq((const unsigned char *)s + i,
			    len - i, NULL)) == 0)
				return jv_fail(v, i, "invalid UTF-8");
			i += n;
			continue;
		}
		if (c != '\\') {
			i++;
			continue;
		}
		if (i + 1 >= len)
			break;
		switch (s[i + 1]) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n':
		case 'r': case 't':
			i += 2;
			continue;
		case 'u':
			break;
		default:
			c = (unsigned char)s[i + 1];
			if (c > 0x20 && c < 0x7f)
				return jv_fail(v, i, "invalid escape \\%c", c);
			return jv_fail(v, i, "invalid escape (backslash "
			    "before byte 0x%02X)", c);
		}
		if (len - i < 6 || hex4(s + i + 2, &cp) == -1)
			return jv_fail(v, i, "\\u needs four hex digits");
		if (cp >= 0xdc00 && cp <= 0xdfff)
			return jv_fail(v, i, "lone surrogate \\u%04X", cp);
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (len - i < 12 || s[i + 6] != '\\' ||
			    s[i + 7] != 'u' || hex4(s + i + 8, &lo) == -1 ||
			    lo < 0xdc00 || lo > 0xdfff)
				return jv_fail(v, i, "lone surrogate \\u%04X",
				    cp);
			i += 12;
			continue;
		}
		if (cp == 0)
			jv_nul(v, in_key);
		i += 6;
	}
	return jv_fail(v, *ip, "unterminated string");
}

static int
is_digit(char c)
{
	return '0' <= c && c <= '9';
}

/* number = [ minus ] int [ frac ] [ exp ] */
static int
jv_number(struct jv *v, size_t *ip)
{
	const char	*s = v->s;
	size_t		 i = *ip, len = v->len;

	if (s[i] == '-')
		i++;
	if (i >= len || !is_digit(s[i]))
		return jv_fail(v, i, "a number needs a digit here");
	if (s[i] == '0') {
		if (++i < len && is_digit(s[i]))
			return jv_fail(v, i, "a number must not start with 0");
	} else
		while (i < len && is_digit(s[i]))
			i++;
	if (i < len && s[i] == '.') {
		if (++i >= len || !is_digit(s[i]))
			return jv_fail(v, i, "a number needs digits after "
			    "'.'");
		while (i < len && is_digit(s[i]))
			i++;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		if (++i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= len || !is_digit(s[i]))
			return jv_fail(v, i, "an exponent needs digits");
		while (i < len && is_digit(s[i]))
			i++;
	}
	*ip = i;
	return 0;
}

/*
 * The strict check of one line (see the top of this file).  0 if it is
 * JSON we accept, with v->nuls listing the first \u0000 of the message
 * (of each member, for a batch); -1 with v->err otherwise.
 */
static int
jr_check(struct jv *v, const char *s, size_t len)
{
	enum { W_VALUE, W_VALUE_OR_END, W_KEY, W_KEY_OR_END, W_AFTER } want;
	struct jv_frame	*top;
	size_t		 i = 0;
	unsigned char	 c;

	memset(v, 0, sizeof(*v));
	v->s = s;
	v->len = len;
	want = W_VALUE;
	for (;;) {
		i = skip_ws(s, i, len);
		if (want == W_AFTER) {
			if (v->depth == 0) {
				if (i != len)
					return jv_fail(v, i, "text after the "
					    "JSON value");
				return 0;
			}
			if (i >= len)
				break;
			top = &v->st[v->depth - 1];
			if (s[i] == ',') {
				i++;
				if (top->kind == '[') {
					top->index++;
					want = W_VALUE;
				} else
					want = W_KEY;
			} else if (s[i] == (top->kind == '[' ? ']' : '}')) {
				i++;
				v->depth--;
			} else
				return jv_fail(v, i, "expected ',' or '%c'",
				    top->kind == '[' ? ']' : '}');
			continue;
		}
		if (i >= len)
			break;
		c = (unsigned char)s[i];
		if (want == W_KEY || want == W_KEY_OR_END) {
			top = &v->st[v->depth - 1];
			if (want == W_KEY_OR_END && c == '}') {
				i++;
				v->depth--;
				want = W_AFTER;
				continue;
			}
			if (c != '"')
				return jv_fail(v, i, "expected a member name "
				    "in double quotes");
			top->key = i;
			if (jv_string(v, &i, 1) == -1)
				return -1;
			top->keyend = i;
			i = skip_ws(s, i, len);
			if (i >= len)
				break;
			if (s[i] != ':')
				return jv_fail(v, i, "expected ':'");
			i++;
			want = W_VALUE;
			continue;
		}
		/* W_VALUE, W_VALUE_OR_END */
		if (want == W_VALUE_OR_END && c == ']') {
			i++;
			v->depth--;
			want = W_AFTER;
			continue;
		}
		want = W_AFTER;
		switch (c) {
		case '{':
		case '[':
			if (v->depth == MCP_MAX_DEPTH)
				return jv_fail(v, i, "JSON nested deeper than "
				    "%d levels", MCP_MAX_DEPTH);
			top = &v->st[v->depth++];
			memset(top, 0, sizeof(*top));
			top->kind = (char)c;
			want = c == '{' ? W_KEY_OR_END : W_VALUE_OR_END;
			i++;
			break;
		case '"':
			if (jv_string(v, &i, 0) == -1)
				return -1;
			break;
		case '-': case '0': case '1': case '2': case '3': case '4':
		case '5': case '6': case '7': case '8': case '9':
			if (jv_number(v, &i) == -1)
				return -1;
			break;
		case 't':
		case 'f':
		case 'n': {
			const char *lit = c == 't' ? "true" : c == 'f' ?
			    "false" : "null";
			size_t n = strlen(lit);
			if (len - i < n || memcmp(s + i, lit, n) != 0)
				return jv_fail(v, i, "unknown literal (only "
				    "true, false and null)");
			i += n;
			break;
		}
		default:
			if (c == 0xef && len - i >= 3 &&
			    (unsigned char)s[i + 1] == 0xbb &&
			    (unsigned char)s[i + 2] == 0xbf)
				return jv_fail(v, i, "a byte order mark (U+FEFF) "
				    "is not JSON");
			if (c > 0x20 && c < 0x7f)
				return jv_fail(v, i, "unexpected '%c'", c);
			return jv_fail(v, i, "unexpected byte 0x%02X", c);
		}
	}
	return jv_fail(v, i, "the JSON text ends too early");
}

/*
 * A batch member that holds a \u0000 gets a note from jr_parse_line(): a
 * member of type cJSON_Raw, which no parsed text can produce and which
 * survives cJSON_Duplicate, so jr_parse_value() cannot miss it.  Its
 * text is the where digit, the in_key digit and the path.
 */
static void
nul_note(cJSON *el, const struct jr_nul *n)
{
	char	 text[JR_PATH_MAX + 8];

	snprintf(text, sizeof(text), "%d%d%s", (int)n->where, n->in_key,
	    n->path);
	if (cJSON_AddRawToObject(el, "", text) == NULL)
		fatalx("cJSON_AddRawToObject");
}

/* The note of el, if it has one, into n. */
static int
nul_noted(const cJSON *el, struct jr_nul *n)
{
	const cJSON	*c;
	const char	*t;

	for (c = el->child; c != NULL; c = c->next) {
		if (!cJSON_IsRaw(c) || (t = c->valuestring) == NULL ||
		    strlen(t) < 2)
			continue;
		memset(n, 0, sizeof(*n));
		n->where = (enum jr_nul_where)(t[0] - '0');
		n->in_key = t[1] == '1';
		strlcpy_sf(n->path, t + 2, sizeof(n->path));
		return 1;
	}
	return 0;
}

static void
invalid(struct jr_msg *m, int code, const char *message)
{
	m->kind = JR_INVALID;
	m->code = code;
	strlcpy_sf(m->message, message, sizeof(m->message));
}

/* Set m->id from the id member; -1 if present but not a valid id. */
static int
take_id(const cJSON *id, const char *raw, size_t rawlen, struct jr_msg *m)
{
	const char	*tok;
	size_t		 tlen, i;
	char		*p;

	if (cJSON_IsString(id)) {
		if ((p = cJSON_PrintUnformatted(id)) == NULL)
			fatalx("cJSON_PrintUnformatted");
		m->id = xstrdup(p);
		cJSON_free(p);
		return 0;
	}
	if (!cJSON_IsNumber(id))
		return -1;
	if (raw == NULL) {
		/* Inside a batch: no raw text; exact up to 2^53. */
		double d = id->valuedouble;
		char num[32];
		if (!(d == (double)(long long)d) || d > 9007199254740992.0 ||
		    d < -9007199254740992.0)
			return -1;
		snprintf(num, sizeof(num), "%lld", (long long)d);
		m->id = xstrdup(num);
		return 0;
	}
	if (jr_member_raw(raw, rawlen, "id", &tok, &tlen) == -1)
		return -1;
	i = (tlen > 0 && tok[0] == '-') ? 1 : 0;
	if (i == tlen || tlen > 40)
		return -1;
	for (; i < tlen; i++)
		if (tok[i] < '0' || tok[i] > '9')
			return -1;
	m->id = xstrndup(tok, tlen);
	return 0;
}

/* Refuse a message that holds a \u0000 (see the top of this file). */
static void
refuse_nul(struct jr_msg *m, const struct jr_nul *n)
{
	char	 msg[256];	/* fits m->message: the path is short */
	int	 params = n->where == NUL_PARAMS;

	if (n->in_key)
		snprintf(msg, sizeof(msg), "%s: a member name %s%s contains "
		    "\\u0000 (NUL), which is refused", params ?
		    "Invalid params" : "Invalid Request", n->path[0] != '\0' ?
		    "in " : "of the message", n->path);
	else
		snprintf(msg, sizeof(msg), "%s: the string at %s contains "
		    "\\u0000 (NUL), which is refused", params ?
		    "Invalid params" : "Invalid Request", n->path[0] != '\0' ?
		    n->path : "the top level");
	invalid(m, params ? JR_INVALID_PARAMS : JR_INVALID_REQUEST, msg);
}

static void
parse_value(cJSON *v, const char *raw, size_t rawlen, struct jr_msg *m,
    const struct jr_nul *nul)
{
	const cJSON	*jsonrpc, *method, *id, *params;

	memset(m, 0, sizeof(*m));
	m->root = v;
	if (!cJSON_IsObject(v)) {
		invalid(m, JR_INVALID_REQUEST, "Invalid Request: a message is a "
		    "JSON object");
		return;
	}
	id = cJSON_GetObjectItemCaseSensitive(v, "id");
	method = cJSON_GetObjectItemCaseSensitive(v, "method");
	/* No id and a method: a notification, which is never answered,
	 * not even when it is malformed. */
	m->notification = id == NULL && cJSON_IsString(method);
	if (nul != NULL && (nul->where == NUL_ID || nul->where == NUL_TOPKEY)) {
		refuse_nul(m, nul);	/* and no id: none can be trusted */
		return;
	}
	if (id != NULL && take_id(id, raw, rawlen, m) == -1) {
		invalid(m, JR_INVALID_REQUEST, "Invalid Request: id must be a "
		    "string or an integer");
		return;
	}
	if (nul != NULL) {
		refuse_nul(m, nul);
		return;
	}
	jsonrpc = cJSON_GetObjectItemCaseSensitive(v, "jsonrpc");
	if (!cJSON_IsString(jsonrpc) || strcmp(jsonrpc->valuestring, "2.0")) {
		invalid(m, JR_INVALID_REQUEST, "Invalid Request: jsonrpc must "
		    "be \"2.0\"");
		return;
	}
	if (method == NULL) {
		if (cJSON_GetObjectItemCaseSensitive(v, "result") != NULL ||
		    cJSON_GetObjectItemCaseSensitive(v, "error") != NULL) {
			m->kind = JR_RESPONSE;
			return;
		}
		invalid(m, JR_INVALID_REQUEST, "Invalid Request: method is "
		    "missing");
		return;
	}
	if (!cJSON_IsString(method) || method->valuestring[0] == '\0') {
		invalid(m, JR_INVALID_REQUEST, "Invalid Request: method must "
		    "be a non-empty string");
		return;
	}
	m->method = method->valuestring;
	params = cJSON_GetObjectItemCaseSensitive(v, "params");
	if (params != NULL && !cJSON_IsObject(params)) {
		invalid(m, JR_INVALID_PARAMS, "Invalid params: params must be "
		    "an object");
		return;
	}
	m->params = params;
	m->kind = id != NULL ? JR_REQUEST : JR_NOTIFICATION;
}

void
jr_parse_value(cJSON *v, const char *raw, size_t rawlen, struct jr_msg *m)
{
	struct jr_nul	 n;

	parse_value(v, raw, rawlen, m, cJSON_IsObject(v) && nul_noted(v, &n) ?
	    &n : NULL);
}

int
jr_parse_line(const char *line, size_t len, struct jr_msg *m, cJSON **batch)
{
	struct jv	 jv;
	cJSON		*v, *el;
	const char	*end = NULL;
	size_t		 i, k;

	memset(m, 0, sizeof(*m));
	*batch = NULL;
	if (jr_check(&jv, line, len) == -1) {
		invalid(m, JR_PARSE_ERROR, jv.err);
		free(jv.nuls);
		return 0;
	}
	v = cJSON_ParseWithLengthOpts(line, len, &end, 0);
	if (v == NULL) {
		/* jr_check() accepted it: only memory can be short. */
		free(jv.nuls);
		invalid(m, JR_PARSE_ERROR, "Parse error: not valid JSON");
		return 0;
	}
	/* Nothing but whitespace may follow the value (jr_check() made
	 * sure; cJSON must have stopped at the same place, or the two
	 * disagree about the text: refuse it, and keep serving). */
	if (end == NULL || skip_ws(line, (size_t)(end - line), len) != len) {
		log_warnx("jr_parse_line: cJSON and jr_check disagree");
		cJSON_Delete(v);
		free(jv.nuls);
		invalid(m, JR_PARSE_ERROR, "Parse error: not valid JSON");
		return 0;
	}
	if (cJSON_IsArray(v)) {
		/* Note the members that hold a \u0000. */
		for (el = v->child, i = 0, k = 0; el != NULL && k < jv.nnuls;
		    el = el->next, i++)
			if (jv.nuls[k].elem == i) {
				if (cJSON_IsObject(el))
					nul_note(el, &jv.nuls[k]);
				k++;
			}
		free(jv.nuls);
		if (k != jv.nnuls) {
			/* cJSON has fewer members than jr_check() saw. */
			log_warnx("jr_parse_line: cJSON and jr_check disagree");
			cJSON_Delete(v);
			invalid(m, JR_PARSE_ERROR, "Parse error: not valid JSON");
			return 0;
		}
		*batch = v;
		return 1;
	}
	parse_value(v, line, len, m, jv.nnuls > 0 ? &jv.nuls[0] : NULL);
	free(jv.nuls);
	return 0;
}

void
jr_free(struct jr_msg *m)
{
	if (m->root != NULL)
		cJSON_Delete(m->root);
	free(m->id);
	memset(m, 0, sizeof(*m));
}

/* {"jsonrpc":"2.0","id":ID,...}: print the body with cJSON, then splice
 * the id in as raw text so that it is echoed exactly. */
static char *
with_id(const char *id, cJSON *body)
{
	char	*text, *out;

	if ((text = cJSON_PrintUnformatted(body)) == NULL)
		fatalx("cJSON_PrintUnformatted");
	cJSON_Delete(body);
	/* text is {...}; insert after the brace. */
	if (id != NULL)
		xasprintf(&out, "{\"jsonrpc\":\"2.0\",\"id\":%s%s%s", id,
		    text[1] == '}' ? "" : ",", text + 1);
	else
		xasprintf(&out, "{\"jsonrpc\":\"2.0\"%s%s",
		    text[1] == '}' ? "" : ",", text + 1);
	cJSON_free(text);
	return out;
}

char *
jr_result(const char *id, cJSON *result)
{
	cJSON	*body;

	if ((body = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	cJSON_AddItemToObject(body, "result", result);
	return with_id(id, body);
}

char *
jr_error(const char *id, int code, const char *message, cJSON *data)
{
	cJSON	*body, *err;

	if ((body = cJSON_CreateObject()) == NULL ||
	    (err = cJSON_AddObjectToObject(body, "error")) == NULL)
		fatalx("cJSON_CreateObject");
	cJSON_AddNumberToObject(err, "code", code);
	cJSON_AddStringToObject(err, "message", message);
	if (data != NULL)
		cJSON_AddItemToObject(err, "data", data);
	return with_id(id, body);
}

char *
jr_notification(const char *method, cJSON *params)
{
	cJSON	*body;

	if ((body = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	cJSON_AddStringToObject(body, "method", method);
	if (params != NULL)
		cJSON_AddItemToObject(body, "params", params);
	return with_id(NULL, body);
}
