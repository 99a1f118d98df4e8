/*
 * jsonrpc_test.c: JSON-RPC 2.0 parsing and serialisation.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sfrevops.h"
#include "jsonrpc.h"
#include "tap.h"

static struct jr_msg m;

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
	test_output();
	jr_free(&m);
	return tap_done();
}
