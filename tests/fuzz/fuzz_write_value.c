/*
 * libFuzzer target: the writer's value checks (src/write_value.c).
 *
 * Input: byte 0 picks a field's describe from the table below, the rest
 * is the new value as JSON text, and also a note's body and title.
 * Checked: no memory error; a converted value is a scalar whose text is
 * valid UTF-8 and within the field's length; a refusal says why; a
 * note's Content decodes to HTML in which every '<' and '&' is one of
 * ours (the body's are escaped) and its title is at most 255 characters
 * of UTF-8 with no line break.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "sfrevops.h"
#include "write_value.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const metas[] = {
	"{\"type\":\"string\",\"length\":10,\"nillable\":true}",
	"{\"type\":\"textarea\",\"length\":255,\"nillable\":true}",
	"{\"type\":\"email\",\"length\":80,\"nillable\":true}",
	"{\"type\":\"boolean\",\"nillable\":false}",
	"{\"type\":\"int\",\"digits\":9}",
	"{\"type\":\"currency\",\"precision\":18,\"scale\":2,\"nillable\":true}",
	"{\"type\":\"percent\",\"precision\":5,\"scale\":2}",
	"{\"type\":\"double\",\"precision\":18,\"scale\":6}",
	"{\"type\":\"date\",\"nillable\":true}",
	"{\"type\":\"datetime\",\"nillable\":true}",
	"{\"type\":\"picklist\",\"restrictedPicklist\":true}",
	"{\"type\":\"multipicklist\",\"restrictedPicklist\":true}",
	"{\"type\":\"picklist\",\"restrictedPicklist\":false,\"nillable\":true}",
	"{\"type\":\"reference\",\"referenceTo\":[\"Account\",\"Contact\"]}",
	"{\"type\":\"reference\",\"referenceTo\":[\"Campaign\"]}",
	"{\"type\":\"url\",\"length\":255}",
	"{\"type\":\"base64\"}",
};
#define NMETAS	(sizeof(metas) / sizeof(metas[0]))

static void
check_html(const char *b64)
{
	size_t	 len = strlen(b64), n, i;
	char	*html = malloc(len + 1);

	if (html == NULL)
		abort();
	if (sodium_base642bin((unsigned char *)html, len, b64, len, NULL, &n,
	    NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
		abort();
	html[n] = '\0';
	for (i = 0; i < n; i++) {
		if (html[i] == '<' && strncmp(html + i, "<p>", 3) != 0 &&
		    strncmp(html + i, "</p>", 4) != 0 &&
		    strncmp(html + i, "<br>", 4) != 0)
			abort();
		if (html[i] == '&' && strncmp(html + i, "&amp;", 5) != 0 &&
		    strncmp(html + i, "&lt;", 4) != 0 &&
		    strncmp(html + i, "&gt;", 4) != 0 &&
		    strncmp(html + i, "&quot;", 6) != 0 &&
		    strncmp(html + i, "&#39;", 5) != 0)
			abort();
		if (html[i] == '>' && (i == 0 || (html[i - 1] != 'p' &&
		    html[i - 1] != 'r')))
			abort();
	}
	free(html);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static cJSON	*meta[NMETAS], *pick;
	cJSON		*v, *out = NULL, *lv;
	char		*text, err[1024], *t, *c, *s;
	size_t		 i, chars;
	long		 max;

	if (pick == NULL) {
		if (sodium_init() == -1)
			abort();
		jsonalloc_init();
		for (i = 0; i < NMETAS; i++)
			if ((meta[i] = cJSON_Parse(metas[i])) == NULL)
				abort();
		pick = cJSON_Parse("[\"A\",\"B b\",\"\\u00e9t\\u00e9\"]");
	}
	if (len < 1)
		return 0;
	i = data[0] % NMETAS;
	text = malloc(len);
	if (text == NULL)
		abort();
	memcpy(text, data + 1, len - 1);
	text[len - 1] = '\0';

	if ((v = cJSON_Parse(text)) != NULL) {
		err[0] = '\0';
		if (wv_convert("F", meta[i], pick, v, &out, err,
		    sizeof(err)) == 0) {
			if (out == NULL || !(cJSON_IsString(out) ||
			    cJSON_IsNumber(out) || cJSON_IsBool(out) ||
			    cJSON_IsNull(out)))
				abort();
			if (cJSON_IsString(out)) {
				s = out->valuestring;
				if (!utf8_valid(s, strlen(s)) || s[0] == '\0')
					abort();
				lv = cJSON_GetObjectItem(meta[i], "length");
				max = cJSON_IsNumber(lv) ?
				    (long)lv->valuedouble : 0;
				if (max > 0 && wv_chars(s, strlen(s)) >
				    (size_t)max)
					abort();
			}
			cJSON_Delete(out);
		} else if (err[0] == '\0' || out != NULL)
			abort();
		cJSON_Delete(v);
	}

	/* The same bytes as a note's body, and as its title. */
	if (wv_note(text, NULL, &t, &c, &chars, err, sizeof(err)) == 0) {
		if (strlen(t) == 0 || wv_chars(t, strlen(t)) > 255 ||
		    !utf8_valid(t, strlen(t)) || strpbrk(t, "\r\n") != NULL)
			abort();
		check_html(c);
		free(t);
		free(c);
	} else if (err[0] == '\0')
		abort();
	if (wv_note("body", text, &t, &c, &chars, err, sizeof(err)) == 0) {
		if (strlen(t) == 0 || wv_chars(t, strlen(t)) > 255 ||
		    strpbrk(t, "\r\n") != NULL)
			abort();
		free(t);
		free(c);
	}
	free(text);
	return 0;
}
