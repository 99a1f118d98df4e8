/*
 * jsonrpc.c: JSON-RPC 2.0 framing for the front.
 *
 * cJSON parses numbers as doubles, so an id is never re-printed from its
 * parsed value: the raw token is taken from the line and echoed byte for
 * byte (strings are re-serialised from their decoded value, which is
 * exact).  An integer id is any -?digits token, however long; 1.5, 1e3,
 * true and null are not ids.
 */
#include "config.h"

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

void
jr_parse_value(cJSON *v, const char *raw, size_t rawlen, struct jr_msg *m)
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
	if (id != NULL && take_id(id, raw, rawlen, m) == -1) {
		invalid(m, JR_INVALID_REQUEST, "Invalid Request: id must be a "
		    "string or an integer");
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

int
jr_parse_line(const char *line, size_t len, struct jr_msg *m, cJSON **batch)
{
	cJSON		*v;
	const char	*end = NULL;

	memset(m, 0, sizeof(*m));
	*batch = NULL;
	if (!utf8_valid(line, len)) {
		invalid(m, JR_PARSE_ERROR, "Parse error: the line is not valid "
		    "UTF-8");
		return 0;
	}
	if (jr_depth(line, len, MCP_MAX_DEPTH) > MCP_MAX_DEPTH) {
		invalid(m, JR_PARSE_ERROR, "Parse error: JSON nested deeper "
		    "than 64 levels");
		return 0;
	}
	if (memchr(line, '\0', len) != NULL) {
		invalid(m, JR_PARSE_ERROR, "Parse error: NUL byte in the line");
		return 0;
	}
	v = cJSON_ParseWithLengthOpts(line, len, &end, 0);
	if (v == NULL) {
		invalid(m, JR_PARSE_ERROR, "Parse error: not valid JSON");
		return 0;
	}
	/* Nothing but whitespace may follow the value. */
	if (end != NULL) {
		size_t off = (size_t)(end - line);
		if (skip_ws(line, off, len) != len) {
			cJSON_Delete(v);
			invalid(m, JR_PARSE_ERROR, "Parse error: text after the "
			    "JSON value");
			return 0;
		}
	}
	if (cJSON_IsArray(v)) {
		*batch = v;
		return 1;
	}
	jr_parse_value(v, line, len, m);
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
