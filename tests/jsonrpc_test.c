/*
 * jsonrpc_test.c: JSON-RPC 2.0 parsing and serialisation.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfrevops.h"
#include "jsonrpc.h"
#include "tap.h"

static struct jr_msg m;

/* Show a failing line, control characters in hex. */
static void
diag_line(const char *line, size_t len)
{
	size_t	 i;

	printf("#   line: ");
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];
		if (c < 0x20 || c >= 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	printf(" -> %d %d %s\n", m.kind, m.code, m.message);
}

static enum jr_kind
parse(const char *line)
{
	cJSON	*batch;

	jr_free(&m);
	if (jr_parse_line(line, strlen(line), &m, &batch) == 1) {
		cJSON_Delete(batch);
		return (enum jr_kind)99;
	}
	return m.kind;
}

static void
test_ids(void)
{
	ok(parse("{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"ping\"}") ==
	    JR_REQUEST && strcmp(m.id, "0") == 0, "id 0");
	ok(parse("{\"jsonrpc\":\"2.0\",\"id\":\"abc\",\"method\":\"ping\"}") ==
	    JR_REQUEST && strcmp(m.id, "\"abc\"") == 0, "string id");
	ok(parse("{\"jsonrpc\":\"2.0\",\"id\":\"\",\"method\":\"ping\"}") ==
	    JR_REQUEST && strcmp(m.id, "\"\"") == 0, "empty string id");
	ok(parse("{\"jsonrpc\":\"2.0\",\"id\":12345678901234567890123,"
	    "\"method\":\"ping\"}") == JR_REQUEST &&
	    strcmp(m.id, "12345678901234567890123") == 0,
	    "a huge integer id is echoed exactly");
	ok(parse("{\"jsonrpc\":\"2.0\",\"id\":-7,\"method\":\"ping\"}") ==
	    JR_REQUEST && strcmp(m.id, "-7") == 0, "negative id");
	ok(parse("{\"id\" : 42 , \"jsonrpc\":\"2.0\",\"method\":\"ping\"}") ==
	    JR_REQUEST && strcmp(m.id, "42") == 0, "id first, with spaces");
	ok(parse("{\"params\":{\"id\":5},\"jsonrpc\":\"2.0\",\"method\":\"x\","
	    "\"id\":6}") == JR_REQUEST && strcmp(m.id, "6") == 0,
	    "a nested id is not the id");
	ok(parse("{\"jsonrpc\":\"2.0\",\"\\u0069d\":9,\"method\":\"ping\"}") ==
	    JR_REQUEST && strcmp(m.id, "9") == 0, "an escaped key is the id");
	ok(parse("{\"jsonrpc\":\"2.0\",\"id\":\"a\\\"b\\u00e9\",\"method\":"
	    "\"ping\"}") == JR_REQUEST && strcmp(m.id, "\"a\\\"b\xc3\xa9\"") == 0,
	    "string id re-serialised exactly: %s", m.id);
	ok(parse("{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"ping\"}") ==
	    JR_INVALID && m.code == JR_INVALID_REQUEST && m.id == NULL,
	    "a fractional id is invalid");
	ok(parse("{\"jsonrpc\":\"2.0\",\"id\":1e3,\"method\":\"ping\"}") ==
	    JR_INVALID, "an exponent id is invalid");
	ok(parse("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"ping\"}") ==
	    JR_INVALID, "a null id is invalid");
	ok(parse("{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":\"ping\"}") ==
	    JR_INVALID, "a boolean id is invalid");
	ok(parse("{\"jsonrpc\":\"2.0\",\"id\":[1],\"method\":\"ping\"}") ==
	    JR_INVALID, "an array id is invalid");
}

static void
test_shapes(void)
{
	ok(parse("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}")
	    == JR_NOTIFICATION, "notification");
	ok(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}") == JR_RESPONSE,
	    "response");
	ok(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":1}}") ==
	    JR_RESPONSE, "error response");
	ok(parse("{\"id\":1,\"method\":\"ping\"}") == JR_INVALID &&
	    m.code == JR_INVALID_REQUEST && strcmp(m.id, "1") == 0,
	    "missing jsonrpc: invalid, id kept for the answer");
	ok(parse("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}") ==
	    JR_INVALID, "jsonrpc 1.0");
	ok(parse("{\"jsonrpc\":2.0,\"id\":1,\"method\":\"ping\"}") == JR_INVALID,
	    "jsonrpc as a number");
	ok(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":5}") == JR_INVALID,
	    "method not a string");
	ok(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\"}") ==
	    JR_INVALID, "empty method");
	ok(parse("{\"jsonrpc\":\"2.0\",\"id\":1}") == JR_INVALID,
	    "neither method nor result");
	ok(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":[1]}")
	    == JR_INVALID && m.code == JR_INVALID_PARAMS,
	    "positional params are invalid params");
	ok(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":3}")
	    == JR_INVALID && m.code == JR_INVALID_PARAMS, "scalar params");
	ok(parse("42") == JR_INVALID && m.code == JR_INVALID_REQUEST,
	    "a bare number is not a request");
	ok(parse("\"x\"") == JR_INVALID, "a bare string is not a request");
	ok((int)parse("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]") ==
	    99, "an array is a batch");
}

static void
test_hostile(void)
{
	char	*deep;
	size_t	 i, n = 10000;

	ok(parse("{\"jsonrpc\":\"2.0\",") == JR_INVALID &&
	    m.code == JR_PARSE_ERROR, "truncated JSON: parse error");
	ok(parse("") == JR_INVALID && m.code == JR_PARSE_ERROR, "empty");
	ok(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"} x") ==
	    JR_INVALID && m.code == JR_PARSE_ERROR, "trailing garbage");
	ok(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"p\xff\"}") ==
	    JR_INVALID && m.code == JR_PARSE_ERROR, "invalid UTF-8");
	ok(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\xed\xa0\x80\"}")
	    == JR_INVALID && m.code == JR_PARSE_ERROR, "UTF-8 surrogate");
	ok(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\xc0\xaf\"}") ==
	    JR_INVALID && m.code == JR_PARSE_ERROR, "overlong UTF-8");
	deep = malloc(2 * n + 1);
	for (i = 0; i < n; i++)
		deep[i] = '[';
	for (i = 0; i < n; i++)
		deep[n + i] = ']';
	deep[2 * n] = '\0';
	ok(parse(deep) == JR_INVALID && m.code == JR_PARSE_ERROR &&
	    strstr(m.message, "deeper") != NULL, "10,000 levels deep");
	free(deep);
	ok(jr_depth("{\"a\":\"[[[[\"}", 12, 64) == 1,
	    "brackets inside strings do not count");
	ok(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":"
	    "{\"n\":1e999999}}") == JR_REQUEST, "a huge number is still JSON");
}

/* parse() for text with NUL bytes or a length of its own. */
static enum jr_kind
parse_n(const char *line, size_t len)
{
	cJSON	*batch;

	jr_free(&m);
	if (jr_parse_line(line, len, &m, &batch) == 1) {
		cJSON_Delete(batch);
		return (enum jr_kind)99;
	}
	return m.kind;
}

/* A ping whose params.v is the JSON text val. */
static enum jr_kind
parse_param(const char *val)
{
	char	 line[512];

	snprintf(line, sizeof(line), "{\"jsonrpc\":\"2.0\",\"id\":1,"
	    "\"method\":\"ping\",\"params\":{\"v\":%s}}", val);
	return parse(line);
}

static void
test_numbers(void)
{
	static const char *const good[] = {
		"0", "-0", "1", "-1", "10", "123", "0.0", "0.5", "-0.5",
		"1e5", "1E5", "1e+5", "1e-5", "1E-05", "0e0", "0.0e-0",
		"-0.0E+0", "1.5e10", "1e999999", "-1e-999999",
		"123456789012345678901234567890", "9.999999999999999999e308",
	};
	static const char *const bad[] = {
		"007", "01", "-01", "00", "-00", "1.", "-1.", ".5", "-.5", "-",
		"1e", "1E", "1e+", "1e-", "+1", "--1", "1.e5", "0x10", "1.5.3",
		"NaN", "Infinity", "-Infinity", "1_000", "1 2", "0.", "1e5.5",
		"1ee5", "- 1", "\xef\xbc\x91",
	};
	size_t	 i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ok(parse_param(good[i]) == JR_REQUEST, "number %s is JSON",
		    good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(parse_param(bad[i]) == JR_INVALID && m.code ==
		    JR_PARSE_ERROR, "number %s is refused: %s", bad[i],
		    m.message);
	ok(parse("{\"jsonrpc\":\"2.0\",\"id\":007,\"method\":\"ping\"}") ==
	    JR_INVALID && m.code == JR_PARSE_ERROR && m.id == NULL,
	    "id 007 is a parse error, not echoed: %s", m.message);
	ok(parse("{\"jsonrpc\":\"2.0\",\"id\":-0,\"method\":\"ping\"}") ==
	    JR_REQUEST && strcmp(m.id, "-0") == 0, "id -0 is echoed as sent");
	ok(parse("-0") == JR_INVALID && m.code == JR_INVALID_REQUEST,
	    "a bare -0 is JSON, not a request");
}

static void
test_strings(void)
{
	static const char *const good_esc[] = {
		"\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t",
		"\\u0041", "\\u00e9", "\\u00E9", "\\uFFFF", "\\ud83d\\ude00",
		"\\uD83D\\uDE00", "\\udbff\\udfff", "\\\\u0000", "\x7f",
		"\xef\xbb\xbf", "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80",
		"\xef\xbf\xbf", "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf",
	};
	static const char *const bad_esc[] = {
		"\\a", "\\x41", "\\'", "\\0", "\\U0041", "\\u12", "\\u12G4",
		"\\u", "\\ ", "\\\xc3\xa9", "\\ud800", "\\udbff", "\\udc00",
		"\\udfff", "\\ud800x", "\\ud800\\n", "\\ud800\\u0041",
		"\\ud800\\ud800", "\\ud800\\u", "\\ud83d\\ude0x",
	};
	static const char *const bad_utf8[] = {
		"\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf", "\xe0\x9f\xbf",
		"\xf0\x80\x80\xaf", "\xf0\x8f\xbf\xbf",		/* overlong */
		"\xed\xa0\x80", "\xed\xbf\xbf", "\xed\xa0\xbd\xed\xb8\x80",
		"\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xf7\xbf\xbf\xbf",
		"\xf8\x88\x80\x80\x80", "\xfc\x84\x80\x80\x80\x80",
		"\xe2\x82", "\xc3", "\xf0\x9f\x98", "\x80", "\xbf", "\xfe",
		"\xff", "\xc3\x28", "\xe2\x28\xa1",
	};
	char	 text[64], line[256];
	size_t	 i;
	int	 c, all;

	for (i = 0; i < sizeof(good_esc) / sizeof(good_esc[0]); i++) {
		snprintf(text, sizeof(text), "\"a%sb\"", good_esc[i]);
		ok(parse_param(text) == JR_REQUEST, "string %s is JSON: %s",
		    text, m.message);
	}
	for (i = 0; i < sizeof(bad_esc) / sizeof(bad_esc[0]); i++) {
		snprintf(text, sizeof(text), "\"a%sb\"", bad_esc[i]);
		ok(parse_param(text) == JR_INVALID && m.code ==
		    JR_PARSE_ERROR, "string %s is refused: %s", text,
		    m.message);
	}
	for (i = 0; i < sizeof(bad_utf8) / sizeof(bad_utf8[0]); i++) {
		snprintf(text, sizeof(text), "\"a%sb\"", bad_utf8[i]);
		ok(parse_param(text) == JR_INVALID && m.code ==
		    JR_PARSE_ERROR && strstr(m.message, "UTF-8") != NULL,
		    "invalid UTF-8 #%zu is refused: %s", i, m.message);
	}
	/* Every control character, raw in a value and in a key. */
	for (c = 0x00, all = 1; c <= 0x1f; c++) {
		int n = snprintf(line, sizeof(line), "{\"jsonrpc\":\"2.0\","
		    "\"id\":1,\"method\":\"ping\",\"params\":{\"v\":\"a%cb\"}}",
		    c);
		if (parse_n(line, (size_t)n) != JR_INVALID ||
		    m.code != JR_PARSE_ERROR ||
		    strstr(m.message, "control character") == NULL)
			all = 0, diag_line(line, (size_t)n);
		n = snprintf(line, sizeof(line), "{\"jsonrpc\":\"2.0\","
		    "\"id\":1,\"method\":\"ping\",\"params\":{\"k%c\":1}}", c);
		if (parse_n(line, (size_t)n) != JR_INVALID ||
		    m.code != JR_PARSE_ERROR)
			all = 0, diag_line(line, (size_t)n);
	}
	ok(all, "each of U+0000..U+001F raw in a string is a parse error");
	/* Raw NUL and control characters outside strings too. */
	ok(parse_n("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\0", 42)
	    == JR_INVALID && m.code == JR_PARSE_ERROR, "NUL after the value");
	ok(parse_n("\0{}", 3) == JR_INVALID && m.code == JR_PARSE_ERROR,
	    "NUL before the value");
	ok(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\x0b") ==
	    JR_INVALID && m.code == JR_PARSE_ERROR, "vertical tab is not "
	    "whitespace");
	ok(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\xc2\xa0")
	    == JR_INVALID && m.code == JR_PARSE_ERROR, "U+00A0 is not "
	    "whitespace");
	ok(parse(" \t\r{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"} \t\r")
	    == JR_REQUEST, "space, tab and CR are whitespace");
	/* The byte order mark. */
	ok(parse("\xef\xbb\xbf{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"ping\"}") == JR_INVALID && m.code == JR_PARSE_ERROR &&
	    strstr(m.message, "byte order mark") != NULL, "a leading BOM is "
	    "refused: %s", m.message);
	ok(parse(" \xef\xbb\xbf{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"ping\"}") == JR_INVALID && m.code == JR_PARSE_ERROR,
	    "a BOM after a space is refused");
	ok(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}"
	    "\xef\xbb\xbf") == JR_INVALID && m.code == JR_PARSE_ERROR,
	    "a trailing BOM is refused");
	ok(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\","
	    "\"params\":{\"v\":\"\\ufeff\"}}") == JR_REQUEST,
	    "an escaped U+FEFF in a string is fine");
	/* Literals and structure. */
	ok(parse_param("true") == JR_REQUEST && parse_param("false") ==
	    JR_REQUEST && parse_param("null") == JR_REQUEST, "literals");
	ok(parse_param("True") == JR_INVALID && parse_param("nul") ==
	    JR_INVALID && parse_param("nulll") == JR_INVALID &&
	    parse_param("undefined") == JR_INVALID, "wrong literals");
	ok(parse_param("[1,]") == JR_INVALID && parse_param("[,1]") ==
	    JR_INVALID && parse_param("{\"a\":1,}") == JR_INVALID &&
	    parse_param("{\"a\"}") == JR_INVALID && parse_param("{a:1}") ==
	    JR_INVALID && parse_param("{'a':1}") == JR_INVALID &&
	    parse_param("[1 2]") == JR_INVALID && parse_param("\"a") ==
	    JR_INVALID && parse_param("[}") == JR_INVALID, "broken structure");
	ok(parse_param("[]") == JR_REQUEST && parse_param("{}") == JR_REQUEST
	    && parse_param("[[],{},\"\",0]") == JR_REQUEST &&
	    parse_param(" [ 1 , { \"a\" : [ ] } ] ") == JR_REQUEST,
	    "empty containers and spacing");
}

/* One \u0000 site of a template: what the answer must be. */
struct nul_case {
	int		 code;
	const char	*id;		/* NULL: no id in the answer */
	const char	*where;		/* in the message */
	int		 notif;		/* never answered: no "id" member */
};

/* For each '%' in tmpl, the message with \u0000 there (and the other
 * sites empty) must be refused as want[k] says. */
static void
nul_sites(const char *tmpl, const struct nul_case *want, size_t nwant,
    enum jr_kind clean)
{
	char	 line[1024];
	size_t	 k, site, i, o;

	for (k = 0; k < nwant; k++) {
		for (i = 0, o = 0, site = 0; tmpl[i] != '\0'; i++) {
			if (tmpl[i] != '%') {
				line[o++] = tmpl[i];
				continue;
			}
			if (site++ == k) {
				memcpy(line + o, "\\u0000", 6);
				o += 6;
			}
		}
		line[o] = '\0';
		parse(line);
		ok(m.kind == JR_INVALID && m.code == want[k].code &&
		    m.notification == want[k].notif && ((want[k].id == NULL && m.id == NULL) ||
		    (want[k].id != NULL && m.id != NULL &&
		    strcmp(m.id, want[k].id) == 0)) &&
		    strstr(m.message, want[k].where) != NULL &&
		    strstr(m.message, "\\u0000") != NULL,
		    "\\u0000 at site %zu: %d %s \"%s\"", k, m.code,
		    m.id != NULL ? m.id : "(no id)", m.message);
	}
	/* And with no site filled, the message is fine. */
	for (i = 0, o = 0; tmpl[i] != '\0'; i++)
		if (tmpl[i] != '%')
			line[o++] = tmpl[i];
	line[o] = '\0';
	ok(parse(line) == clean, "without \\u0000, the message is %s",
	    clean == JR_REQUEST ? "a request" : "refused as before");
}

static void
test_nul(void)
{
	/* \u0000 is valid JSON, so not -32700: -32600 when the request
	 * itself is wrong (method, jsonrpc, another member), -32602 when
	 * its params are; no id when the id or a member name of the
	 * message holds it (cJSON would read "id\u0000x" as "id"). */
	static const struct nul_case c1[] = {
		{ JR_INVALID_REQUEST, NULL, "a member name of the message", 0 },
		{ JR_INVALID_REQUEST, "\"r1\"", "at jsonrpc ", 0 },
		/* "i\u0000d" is no id: a notification, refused silently */
		{ JR_INVALID_REQUEST, NULL, "a member name of the message", 1 },
		{ JR_INVALID_REQUEST, NULL, "at id ", 0 },
		{ JR_INVALID_REQUEST, "\"r1\"", "at method ", 0 },
		{ JR_INVALID_REQUEST, "\"r1\"", "at method ", 0 },
		{ JR_INVALID_PARAMS, "\"r1\"", "a member name in params ", 0 },
		{ JR_INVALID_PARAMS, "\"r1\"", "at params.name ", 0 },
		{ JR_INVALID_PARAMS, "\"r1\"", "at params.arguments.soql ", 0 },
		{ JR_INVALID_PARAMS, "\"r1\"", "at params.arguments.soql ", 0 },
		{ JR_INVALID_PARAMS, "\"r1\"", "at params.arguments.list[1] ", 0 },
		{ JR_INVALID_PARAMS, "\"r1\"",
		    "a member name in params.arguments.list[2] ", 0 },
		{ JR_INVALID_PARAMS, "\"r1\"",
		    "at params.arguments.list[2].deep[0] ", 0 },
		{ JR_INVALID_PARAMS, "\"r1\"",
		    "a member name in params.arguments ", 0 },
		{ JR_INVALID_REQUEST, "\"r1\"", "at extra[0] ", 0 },
	};
	static const struct nul_case c2[] = {
		{ JR_INVALID_REQUEST, NULL, "at id.x ", 0 },
		{ JR_INVALID_PARAMS, "7", "at params.arguments.id ", 0 },
		{ JR_INVALID_PARAMS, "7",
		    "a member name in params.arguments[\"a b\"] ", 0 },
		{ JR_INVALID_PARAMS, "7", "at params.name ", 0 },
		{ JR_INVALID_PARAMS, "7", "at params[\"x y\"][0][0] ", 0 },
	};
	char		 line[256];
	const char	*b;
	cJSON		*batch, *el;
	int		 i;

	nul_sites("{\"%jsonrpc\":\"2.0%\",\"i%d\":\"r1%\",\"method\":\"pi%ng%\","
	    "\"params\":{\"na%me\":\"qu%ery\",\"arguments\":{\"soql\":"
	    "\"%SELECT Id FROM Account WHERE Name='Acme'% AND Name='x'\","
	    "\"list\":[\"a\",\"%b\",{\"deep%\":[\"x%\"]}],\"n%\":1}},"
	    "\"extra\":[\"%\"]}", c1, sizeof(c1) / sizeof(c1[0]), JR_REQUEST);
	nul_sites("{\"jsonrpc\":\"2.0\",\"id\":{\"x\":\"%\"},\"method\":"
	    "\"tools/call\",\"params\":{\"name\":\"get_account\"}}", c2, 1,
	    JR_INVALID);
	nul_sites("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\","
	    "\"params\":{\"arguments\":{\"id\":\"001%\",\"a b\":{\"%k\":1}},"
	    "\"name\":\"get_account%\",\"x y\":[[\"%\"]]}}", c2 + 1, 4,
	    JR_REQUEST);
	/* An escaped key is still the id. */
	ok(parse("{\"jsonrpc\":\"2.0\",\"\\u0069d\":3,\"method\":\"pi\\u0000ng"
	    "\"}") == JR_INVALID && m.code == JR_INVALID_REQUEST && m.id !=
	    NULL && strcmp(m.id, "3") == 0, "the id is read from an escaped "
	    "key");
	/* A notification stays unanswered. */
	ok(parse("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/x\\u0000\"}")
	    == JR_INVALID && m.notification, "a notification with \\u0000 is "
	    "refused and stays unanswered");
	/* An escaped backslash before u0000 is no NUL. */
	ok(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":"
	    "{\"v\":\"\\\\u0000\"}}") == JR_REQUEST, "\\\\u0000 is text");
	/* A long path is cut, and still names its start. */
	snprintf(line, sizeof(line), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\""
	    ":\"x\",\"params\":{\"%s\":{\"%s\":\"\\u0000\"}}}",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	ok(parse(line) == JR_INVALID && m.code == JR_INVALID_PARAMS &&
	    strstr(m.message, "at params.aaaa") != NULL &&
	    strstr(m.message, "...") != NULL &&
	    strstr(m.message, "which is refused") != NULL,
	    "a long path is shortened: %s", m.message);

	/* A batch: each member is answered on its own, with its id. */
	jr_free(&m);
	b = "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"},"
	    "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"pi\\u0000ng\"},"
	    "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"x\",\"params\":{\"a\":"
	    "[\"\\u0000\",\"\\u0000\"]}},\"\\u0000\","
	    "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"ping\"}]";
	ok(jr_parse_line(b, strlen(b), &m, &batch) == 1,
	    "a batch with \\u0000 in some members");
	for (i = 0, el = batch->child; el != NULL; el = el->next, i++) {
		struct jr_msg e;
		cJSON *copy = cJSON_Duplicate(el, 1);
		jr_parse_value(copy, NULL, 0, &e);
		switch (i) {
		case 0:
		case 4:
			ok(e.kind == JR_REQUEST, "batch member %d is fine", i);
			break;
		case 1:
			ok(e.kind == JR_INVALID && e.code == JR_INVALID_REQUEST &&
			    strcmp(e.id, "2") == 0 &&
			    strstr(e.message, "at method ") != NULL,
			    "batch member 1: %s", e.message);
			break;
		case 2:
			ok(e.kind == JR_INVALID && e.code == JR_INVALID_PARAMS &&
			    strcmp(e.id, "3") == 0 &&
			    strstr(e.message, "at params.a[0] ") != NULL,
			    "batch member 2: %s", e.message);
			break;
		case 3:
			ok(e.kind == JR_INVALID && e.code == JR_INVALID_REQUEST,
			    "batch member 3, a string, is refused");
			break;
		}
		jr_free(&e);
	}
	ok(i == 5, "five members");
	cJSON_Delete(batch);
}

static void
test_depth(void)
{
	char	 line[512];
	int	 n, k, o;

	/* The message object and params are two levels. */
	for (k = MCP_MAX_DEPTH - 2; k <= MCP_MAX_DEPTH - 1; k++) {
		o = snprintf(line, sizeof(line), "{\"jsonrpc\":\"2.0\",\"id\":1,"
		    "\"method\":\"ping\",\"params\":{\"a\":");
		for (n = 0; n < k; n++)
			line[o++] = '[';
		for (n = 0; n < k; n++)
			line[o++] = ']';
		o += snprintf(line + o, sizeof(line) - (size_t)o, "}}");
		if (k + 2 <= MCP_MAX_DEPTH)
			ok(parse(line) == JR_REQUEST, "depth %d is fine", k + 2);
		else
			ok(parse(line) == JR_INVALID && m.code ==
			    JR_PARSE_ERROR && strstr(m.message, "deeper than "
			    "64") != NULL, "depth %d is refused: %s", k + 2,
			    m.message);
	}
	for (k = MCP_MAX_DEPTH; k <= MCP_MAX_DEPTH + 1; k++) {
		for (o = 0, n = 0; n < k; n++)
			line[o++] = '[';
		for (n = 0; n < k; n++)
			line[o++] = ']';
		line[o] = '\0';
		if (k <= MCP_MAX_DEPTH)
			ok((int)parse(line) == 99, "%d nested arrays are JSON", k);
		else
			ok(parse(line) == JR_INVALID && m.code == JR_PARSE_ERROR,
			    "%d nested arrays are refused", k);
	}
	/* Brackets inside strings are no nesting. */
	o = snprintf(line, sizeof(line), "{\"jsonrpc\":\"2.0\",\"id\":1,"
	    "\"method\":\"ping\",\"params\":{\"a\":\"");
	for (n = 0; n < 200; n++)
		line[o++] = '[';
	o += snprintf(line + o, sizeof(line) - (size_t)o, "\"}}");
	ok(parse(line) == JR_REQUEST, "200 brackets in a string");
}

static void
test_output(void)
{
	cJSON	*r;
	char	*s;

	r = cJSON_CreateObject();
	s = jr_result("0", r);
	is_str(s, "{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{}}", "result line");
	free(s);
	s = jr_error(NULL, -32700, "Parse error", NULL);
	is_str(s, "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32700,\"message\":"
	    "\"Parse error\"}}", "error without id");
	free(s);
	s = jr_error("\"x\"", -32601, "Method not found: a\nb", NULL);
	is_str(s, "{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"error\":{\"code\":-32601,"
	    "\"message\":\"Method not found: a\\nb\"}}",
	    "newlines are escaped: one message per line");
	free(s);
	s = jr_result("12345678901234567890123", cJSON_CreateObject());
	ok(strstr(s, "\"id\":12345678901234567890123,") != NULL,
	    "huge id echoed");
	free(s);
	s = jr_notification("notifications/message", NULL);
	is_str(s, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\"}",
	    "notification line");
	free(s);
}

int
main(void)
{
	log_init(PROC_PARENT, LOG_LVL_CRITICAL);
	test_ids();
	test_shapes();
	test_hostile();
	test_numbers();
	test_strings();
	test_nul();
	test_depth();
	test_output();
	jr_free(&m);
	return tap_done();
}
