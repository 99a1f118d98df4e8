/*
 * schema_test.c: the JSON Schema subset (schema.h), with the tool
 * schemas of src/tools/ and hostile instances.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sfrevops.h"
#include "schema.h"
#include "tool.h"
#include "tap.h"

/* The schemas the tools advertise: generated from their argument
 * tables (input) or written in their files (output). */
static char	*printed[64];
static size_t	 nprinted;

static const char *
keep(cJSON *j)
{
	char	*t;

	if (nprinted == sizeof(printed) / sizeof(printed[0]) ||
	    (t = cJSON_PrintUnformatted(j)) == NULL)
		exit(2);
	return printed[nprinted++] = t;
}

static const char *
tool_in(const char *name)
{
	return keep((cJSON *)tools_input_schema(tools_find(name)));
}

static const char *
tool_out(const char *name)
{
	return keep((cJSON *)tools_output_schema(tools_find(name)));
}

/* The pattern of get.c's fields items, as a JSON string body. */
#define FIELD_PATTERN \
	"^[A-Za-z][A-Za-z0-9_]{0,79}(\\\\.[A-Za-z][A-Za-z0-9_]{0,79}){0,4}$"

/* The example of schema.h, word for word. */
static const char example[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"soql\":{\"type\":\"string\",\"minLength\":1},"
	"\"bypass_sharing\":{\"type\":\"boolean\"},"
	"\"dry_run\":{\"type\":\"boolean\"},"
	"\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":200}},"
	"\"required\":[\"soql\"],\"additionalProperties\":false}";

static char	 err[1024];

/* ------------------------------------------------------------ helpers */

static int
check(const char *schema)
{
	cJSON	*s;
	int	 r;

	err[0] = '\0';
	if ((s = cJSON_Parse(schema)) == NULL) {
		snprintf(err, sizeof(err), "(test schema is not JSON)");
		return -2;
	}
	r = schema_check(s, err, sizeof(err));
	cJSON_Delete(s);
	return r;
}

static int
validate_as(const char *schema, const char *instance, const char *root)
{
	cJSON	*s, *i;
	int	 r;

	err[0] = '\0';
	s = cJSON_Parse(schema);
	i = cJSON_Parse(instance);
	if (s == NULL || i == NULL) {
		cJSON_Delete(s);
		cJSON_Delete(i);
		snprintf(err, sizeof(err), "(test input is not JSON)");
		return -2;
	}
	r = schema_validate(s, i, root, err, sizeof(err));
	cJSON_Delete(s);
	cJSON_Delete(i);
	return r;
}

static int
validate(const char *schema, const char *instance)
{
	return validate_as(schema, instance, "argument");
}

/* Refused by schema_check, with words from the expected reason. */
static int
refused(const char *schema, const char *words)
{
	return check(schema) == -1 && strstr(err, words) != NULL;
}

/* A root schema with one property x of the given schema. */
static char *
one(const char *prop)
{
	char	*s;

	xasprintf(&s, "{\"type\":\"object\",\"properties\":{\"x\":%s}}", prop);
	return s;
}

/* schema_check on {"type":"object","properties":{"x":prop}}. */
static int
check_x(const char *prop)
{
	char	*s = one(prop);
	int	 r = check(s);

	free(s);
	return r;
}

/* x of the given schema against instance {"x":value}. */
static int
val_x(const char *prop, const char *value)
{
	char	*s = one(prop), *i;
	int	 r;

	xasprintf(&i, "{\"x\":%s}", value);
	r = validate(s, i);
	free(s);
	free(i);
	return r;
}

static int
pattern_ok(const char *pattern)
{
	char	*p;
	int	 r;

	xasprintf(&p, "{\"type\":\"string\",\"pattern\":\"%s\"}", pattern);
	r = check_x(p);
	free(p);
	return r;
}

static int
pattern_match(const char *pattern, const char *value)
{
	char	*p, *v;
	int	 r;

	xasprintf(&p, "{\"type\":\"string\",\"pattern\":\"%s\"}", pattern);
	xasprintf(&v, "\"%s\"", value);
	r = val_x(p, v);
	free(p);
	free(v);
	return r;
}

static int
starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int
utf8_ok(const char *s)
{
	return utf8_valid(s, strlen(s));
}

/* --------------------------------------------------- the tool schemas */

static void
test_tool_schemas(void)
{
	size_t	 i;

	for (i = 0; i < ntools; i++) {
		ok(check(tool_in(tools[i]->name)) == 0, "%s: inputSchema passes "
		    "schema_check: %s", tools[i]->name, err);
		ok(check(tool_out(tools[i]->name)) == 0, "%s: outputSchema "
		    "passes schema_check: %s", tools[i]->name, err);
	}
	ok(check(example) == 0, "the example of schema.h: %s", err);

	ok(validate(tool_in("get_account"),
	    "{\"account_id\":\"001B000001LnobC\"}") == 0, "get: a 15-character id");
	ok(validate(tool_in("get_account"),
	    "{\"account_id\":\"001B000001LnobCIAR\",\"fields\":[\"Name\","
	    "\"Owner.Name\"],\"dry_run\":true}") == 0,
	    "get: 18 characters, fields and dry_run: %s", err);
	ok(validate(tool_in("get_account"),
	    "{\"account_id\":\"001B000001LnobCI\"}") == -1,
	    "get: a 16-character id is refused");
	ok(validate(tool_in("get_account"), "{\"account_id\":\"001B000001LnobC\","
	    "\"fields\":[\"Name\",\"Name\"]}") == -1, "get: repeated fields");
	is_str(err, "argument 'fields' must not repeat an item (fields[1] "
	    "equals fields[0])", "get: repeated fields, message");
	ok(validate(tool_in("get_account"), "{\"account_id\":\"001B000001LnobC\","
	    "\"fields\":[]}") == -1, "get: an empty field list");
	is_str(err, "argument 'fields' must have between 1 and 100 items "
	    "(got 0)", "get: empty field list, message");
	ok(validate(tool_in("get_account"), "{\"account_id\":\"x\"}") == -1,
	    "get: a short id");
	is_str(err, "argument 'account_id' must match the pattern "
	    "^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$ (got \"x\")",
	    "get: pattern message quotes the pattern as written");

	ok(validate(tool_in("query"), "{\"soql\":\"SELECT Id FROM Account\"}") == 0,
	    "query: soql");
	ok(validate(tool_in("query"), "{\"cursor\":\"c_0123456789abcdef0123456789"
	    "abcdef\"}") == 0, "query: a cursor");
	ok(validate(tool_in("query"), "{\"cursor\":\"c_0123456789ABCDEF0123456789"
	    "abcdef\"}") == -1, "query: an upper-case cursor is refused");
	ok(validate(tool_in("query"), "{\"cursor\":\"c_0123456789abcdef0123456789"
	    "abcde\"}") == -1, "query: a 31-digit cursor is refused");
	ok(validate(tool_in("query"), "{\"soql\":\"\"}") == -1 &&
	    strcmp(err, "argument 'soql' must be between 1 and 20000 "
	    "characters long (got 0)") == 0, "query: empty soql: %s", err);

	ok(validate(tool_out("query"), "{\"object\":\"Account\",\"columns\":[\"Id\","
	    "\"Name\"],\"rows\":[[\"001\",\"Acme\"],[\"002\",null]],"
	    "\"returned\":2,\"total_size\":2,\"done\":true,\"dry_run\":false}")
	    == 0, "query output: a page of rows: %s", err);
	ok(validate_as(tool_out("query"), "{\"rows\":[1],\"dry_run\":false}",
	    "field") == -1 && strcmp(err, "field 'rows[0]' must be an array "
	    "(got 1)") == 0, "query output: root_name is the noun: %s", err);
	ok(validate_as(tool_out("get_account"), "{\"object\":\"Account\",\"id\":\"1\","
	    "\"dry_run\":true,\"request\":{\"method\":\"GET\"}}", "field") ==
	    -1 && strcmp(err, "missing required field 'request.path'") == 0,
	    "get output: nested required: %s", err);
}

/* ------------------------------------------------- schema_check: no */

static void
test_check_refuses(void)
{
	static const char *const unused[] = {
		"\"const\":1", "\"anyOf\":[{}]",
		"\"oneOf\":[{}]", "\"exclusiveMinimum\":0",
		"\"exclusiveMaximum\":0", "\"multipleOf\":2",
		"\"minProperties\":1", "\"maxProperties\":1",
		"\"examples\":[]", "\"$comment\":\"c\"",
		"\"$schema\":\"https://json-schema.org/draft/2020-12/schema\"",
	};
	char	*s, *deep, name[80];
	size_t	 i;
	int	 r;

	ok(refused("[]", "#: the root schema must be a JSON object"),
	    "root is an array: %s", err);
	ok(refused("true", "root schema must be a JSON object"),
	    "root is true");
	ok(schema_check(NULL, err, sizeof(err)) == -1, "root is NULL");
	ok(refused("{\"properties\":{}}", "\"type\": \"object\""),
	    "root without type: %s", err);
	ok(refused("{\"type\":\"string\"}", "\"type\": \"object\""),
	    "root of type string");
	ok(refused("{\"type\":[\"object\",\"null\"]}", "the root schema "
	    "must have \"type\": \"object\""), "root of two types: %s", err);
	ok(refused("{\"type\":\"object\",\"allOf\":[{\"type\":\"object\"}]}",
	    "#/allOf: unsupported keyword"), "allOf: %s", err);
	/* Keywords no tool schema uses are outside the subset, at the
	 * root and below it. */
	for (i = 0; i < sizeof(unused) / sizeof(unused[0]); i++) {
		xasprintf(&s, "{\"type\":\"object\",%s}", unused[i]);
		ok(refused(s, "unsupported keyword"), "at the root: %s", err);
		free(s);
		xasprintf(&s, "{\"type\":\"object\",\"properties\":{\"x\":{%s}}}",
		    unused[i]);
		ok(refused(s, "#/properties/x/") && strstr(err, "unsupported "
		    "keyword") != NULL, "below the root: %s", err);
		free(s);
	}
	ok(check_x("{\"type\":\"null\"}") == -1 && strstr(err, "must be one "
	    "type name") != NULL, "type null: %s", err);
	ok(check_x("{\"type\":\"object\",\"additionalProperties\":"
	    "{\"type\":\"integer\"}}") == -1 && strstr(err, "must be true or "
	    "false") != NULL, "additionalProperties as a schema: %s", err);

	ok(check_x("{\"type\":\"string\",\"foo\":1}") == -1 &&
	    strcmp(err, "#/properties/x/foo: unsupported keyword (the subset "
	    "is listed in schema.h)") == 0, "unknown keyword: %s", err);
	ok(check_x("{\"$ref\":\"#/x\"}") == -1, "$ref is refused");
	ok(check_x("{\"type\":\"object\",\"patternProperties\":{}}") == -1,
	    "patternProperties is refused");
	ok(check_x("{\"type\":\"integer\",\"maxLength\":5}") == -1 &&
	    strcmp(err, "#/properties/x/maxLength: does not apply to type "
	    "integer") == 0, "maxLength on an integer: %s", err);
	ok(check_x("{\"type\":\"string\",\"minimum\":5}") == -1,
	    "minimum on a string");
	ok(check_x("{\"type\":\"object\",\"items\":{}}") == -1,
	    "items on an object");
	ok(check_x("{\"type\":\"array\",\"required\":[]}") == -1,
	    "required on an array");
	ok(check_x("{\"maxLength\":5}") == 0, "maxLength without a type");

	ok(check_x("{\"type\":\"array\",\"items\":{},\"uniqueItems\":true}") ==
	    -1 && strstr(err, "needs maxItems") != NULL,
	    "uniqueItems without maxItems: %s", err);
	ok(check_x("{\"type\":\"array\",\"uniqueItems\":true,\"maxItems\":9}")
	    == 0, "uniqueItems with maxItems");
	ok(check_x("{\"type\":\"array\",\"uniqueItems\":false}") == 0,
	    "uniqueItems false needs nothing");

	ok(refused("{\"type\":\"object\",\"properties\":{\"bad name\":{}}}",
	    "#/properties/bad name: property names must match"),
	    "a space in a property name: %s", err);
	ok(refused("{\"type\":\"object\",\"properties\":{\"\":{}}}",
	    "property names must match"), "an empty property name");
	ok(refused("{\"type\":\"object\",\"properties\":{\"caf\xc3\xa9\":{}}}",
	    "property names must match"), "a non-ASCII property name");
	ok(refused("{\"type\":\"object\",\"properties\":{\"a/b~c\":{}}}",
	    "#/properties/a~1b~0c:"), "pointer escapes / and ~: %s", err);
	memset(name, 'a', 65);
	name[65] = '\0';
	xasprintf(&s, "{\"type\":\"object\",\"properties\":{\"%s\":{}}}", name);
	ok(refused(s, "property names must match"), "65-byte name");
	free(s);
	name[64] = '\0';
	xasprintf(&s, "{\"type\":\"object\",\"properties\":{\"%s\":{}},"
	    "\"required\":[\"%s\"]}", name, name);
	ok(check(s) == 0, "64-byte name: %s", err);
	free(s);


	ok(check_x("{\"type\":\"int\"}") == -1, "unknown type name");
	ok(check_x("{\"type\":[\"string\",\"string\"]}") == -1,
	    "repeated type name");
	ok(check_x("{\"type\":[]}") == -1, "empty type list");
	ok(check_x("{\"type\":\"null\"}") == -1, "null alone, as a name");
	ok(check_x("{\"type\":\"string\",\"enum\":[\"Account\",\"Lead\"]}") ==
	    0, "a string enum: %s", err);
	ok(check_x("{\"enum\":[\"a\"]}") == -1 && strstr(err, "needs \"type\"")
	    != NULL, "an enum without a type: %s", err);
	ok(check_x("{\"type\":\"integer\",\"enum\":[\"a\"]}") == -1 &&
	    strstr(err, "does not apply") != NULL, "an enum on an integer: %s",
	    err);
	ok(check_x("{\"type\":[\"string\",\"null\"],\"enum\":[\"a\"]}") ==
	    -1 && strstr(err, "needs \"type\": \"string\"") != NULL,
	    "an enum with another type beside string: %s", err);
	ok(check_x("{\"type\":\"string\",\"enum\":[]}") == -1,
	    "an empty enum");
	ok(check_x("{\"type\":\"string\",\"enum\":[\"a\",\"a\"]}") == -1 &&
	    strstr(err, "repeats") != NULL, "a repeated enum value: %s", err);
	ok(check_x("{\"type\":\"string\",\"enum\":[1]}") == -1,
	    "a number in a string enum");
	ok(check_x("{\"type\":\"string\",\"enum\":[\"\"]}") == -1,
	    "an empty string in an enum");
	ok(check_x("{\"type\":\"string\",\"enum\":[\"a\\nb\"]}") == -1,
	    "a control character in an enum");
	{
		char *list = xstrdup(""), *more, *sch;
		int k;
		for (k = 0; k <= SCHEMA_MAX_ENUM; k++) {
			xasprintf(&more, "%s%s\"v%d\"", list, k ? "," : "", k);
			free(list);
			list = more;
			if (k == SCHEMA_MAX_ENUM - 1) {
				xasprintf(&sch, "{\"type\":\"string\",\"enum\":"
				    "[%s]}", list);
				ok(check_x(sch) == 0, "an enum of %d values (the "
				    "limit): %s", SCHEMA_MAX_ENUM, err);
				free(sch);
			}
		}
		xasprintf(&sch, "{\"type\":\"string\",\"enum\":[%s]}", list);
		ok(check_x(sch) == -1, "an enum of %d values (the limit + 1)",
		    SCHEMA_MAX_ENUM + 1);
		free(sch);
		free(list);
	}
	ok(check_x("{\"type\":\"boolean\",\"title\":\"Apply?\"}") == 0,
	    "title is an annotation: %s", err);
	ok(check_x("{\"type\":\"boolean\",\"title\":1}") == -1,
	    "a title that is no string");
	ok(refused("{\"type\":\"object\",\"properties\":{\"x\":{\"type\":"
	    "[\"null\"]}}}", "null\" alone"), "null alone, in a list: %s", err);
	ok(check_x("{\"type\":[\"string\",\"int\"]}") == -1,
	    "an unknown name in a type list");
	ok(check_x("{\"type\":[\"string\",3]}") == -1,
	    "a number in a type list");
	ok(check_x("{\"type\":[\"string\",\"integer\",\"number\",\"boolean\","
	    "\"object\",\"array\",\"null\"]}") == 0, "all seven names: %s",
	    err);
	ok(refused("{\"type\":\"object\",\"properties\":{\"x\":{\"type\":"
	    "[\"string\",\"integer\",\"number\",\"boolean\",\"object\","
	    "\"array\",\"null\",\"null\"]}}}", "1 to 7"), "eight names (the limit "
	    "+ 1): %s", err);
	ok(check_x("{\"type\":[\"string\",\"null\"],\"maxLength\":3}") == 0,
	    "maxLength applies to a list with string: %s", err);
	ok(check_x("{\"type\":[\"boolean\",\"null\"],\"maxLength\":3}") ==
	    -1, "maxLength does not apply to boolean or null");
	ok(check_x("{\"type\":\"string\",\"minLength\":-1}") == -1,
	    "negative minLength");
	ok(check_x("{\"type\":\"string\",\"minLength\":1.5}") == -1,
	    "fractional minLength");
	ok(check_x("{\"type\":\"string\",\"minLength\":5,\"maxLength\":4}") ==
	    -1, "minLength above maxLength");
	ok(check_x("{\"type\":\"number\",\"minimum\":5,\"maximum\":4}") == -1,
	    "minimum above maximum");
	ok(check_x("{\"type\":\"number\",\"minimum\":\"1\"}") == -1,
	    "a string as minimum");
	ok(check_x("{\"type\":\"string\",\"format\":\"email\"}") == -1,
	    "format email");
	ok(check_x("{\"type\":\"array\",\"items\":[{}]}") == -1,
	    "tuple items");
	ok(check_x("{\"type\":\"array\",\"items\":true}") == -1,
	    "boolean items schema");
	ok(check_x("{\"type\":\"object\",\"additionalProperties\":\"no\"}") ==
	    -1, "additionalProperties of a string");
	ok(refused("{\"type\":\"object\",\"properties\":{\"a\":{}},"
	    "\"required\":[\"b\"],\"additionalProperties\":false}",
	    "#/required/0: is not in properties"),
	    "a required property that can never be given: %s", err);
	ok(refused("{\"type\":\"object\",\"required\":[\"a\",\"a\"]}",
	    "repeats"), "required repeats a name");
	ok(refused("{\"type\":\"object\",\"type\":\"object\"}",
	    "appears more than once"), "a repeated keyword");
	ok(refused("{\"type\":\"object\",\"properties\":{\"a\":{},\"a\":{}}}",
	    "#/properties/a: this property appears more than once"),
	    "a repeated property: %s", err);
	ok(check_x("7") == -1 && strstr(err, "a schema must be a JSON object")
	    != NULL, "a property schema that is a number");
	ok(check_x("{\"description\":5}") == -1, "a numeric description");

	/* Depth: the root is level 0; 32 nested properties are fine. */
	for (i = 32; i <= 33; i++) {
		size_t	 k;

		deep = xstrdup("{\"type\":\"string\"}");
		for (k = 0; k < i; k++) {
			xasprintf(&s, "{\"type\":\"object\",\"properties\":"
			    "{\"a\":%s}}", deep);
			free(deep);
			deep = s;
		}
		r = check(deep);
		if (i == 32)
			ok(r == 0, "a schema 32 levels deep: %s", err);
		else
			ok(r == -1 && strstr(err, "nest more than 32") != NULL,
			    "a schema 33 levels deep: %.80s", err);
		free(deep);
	}
	deep = xstrdup("{}");
	for (i = 0; i < 40; i++) {
		xasprintf(&s, "{\"type\":\"array\",\"items\":%s}", deep);
		free(deep);
		deep = s;
	}
	ok(check_x(deep) == -1 && strstr(err, "nest more than 32") != NULL,
	    "items inside items 40 deep");
	free(deep);
}

/* ------------------------------------------------------------ patterns */

static void
test_patterns(void)
{
	static const struct {
		const char	*pattern;	/* as a JSON string body */
		const char	*words;
	} bad[] = {
		{ "^\\\\d+$", "\\d at offset 1 is not supported; write [0-9]" },
		{ "\\\\w", "\\w at offset 0" },
		{ "a\\\\s", "\\s at offset 1" },
		{ "\\\\bword", "\\b at offset 0" },
		{ "(a)\\\\1", "backreferences" },
		{ "\\\\q", "\\q at offset 0" },
		{ "\\\\-", "\\- at offset 0" },
		{ "(?=a)", "(?= at offset 0" },
		{ "(?:a)", "(?:" },
		{ "(?<n>a)", "(?<" },
		{ "[^a]", "negated bracket expression" },
		{ "a.b", "\".\" at offset 1" },
		{ "caf\xc3\xa9", "non-ASCII character at offset 3" },
		{ "[\xc3\xa9]", "non-ASCII" },
		{ "a\\tb", "control character" },
		{ "[[:alpha:]]", "[: :] classes" },
		{ "[\\\\d]", "backslash inside a bracket expression" },
		{ "[]a]", "[] or ] first" },
		{ "[a-z", "not closed" },
		{ "[z-a]", "reversed" },
		{ "[a-c-e]", "'-' at offset 4" },
		{ "a{", "unescaped { at offset 1" },
		{ "a{x}", "unescaped {" },
		{ "a{,3}", "unescaped {" },
		{ "a}", "unescaped } at offset 1" },
		{ "a]", "unescaped ] at offset 1" },
		{ "a**", "stacked or non-greedy quantifier at offset 2" },
		{ "a+?", "stacked or non-greedy" },
		{ "a{2}{3}", "stacked or non-greedy" },
		{ "*a", "nothing to repeat" },
		{ "^*", "nothing to repeat" },
		{ "(|a)", "empty alternative" },
		{ "a||b", "empty alternative" },
		{ "a|", "empty alternative at the end" },
		{ "()", "empty group" },
		{ "(a", "unmatched (" },
		{ "a)", "unmatched )" },
		{ "a{1001}", "exceeds 1000" },
		{ "a{3,2}", "minimum above its maximum" },
		{ "(a{1000}){1000}", "too large" },
		{ "", "empty pattern" },
		{ "a\\\\", "trailing backslash" },
	};
	static const char *const good[] = {
		FIELD_PATTERN, "^c_[0-9a-f]{32}$",
		"^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$", "^a\\\\/b$",
		("\\\\{\\\\}\\\\[\\\\]\\\\(\\\\)\\\\.\\\\*\\\\+\\\\?\\\\|\\\\^"
		"\\\\$\\\\\\\\"), "[-a]", "[a-]", "x{2,}", "(a|b)+", "^$",
		"[_.-]",
	};
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(pattern_ok(bad[i].pattern) == -1 &&
		    strstr(err, bad[i].words) != NULL &&
		    strstr(err, "#/properties/x/pattern: ") == err,
		    "pattern %s refused: %s", bad[i].pattern, err);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ok(pattern_ok(good[i]) == 0, "pattern %s accepted: %s",
		    good[i], err);

	/* The regex behind FIELD_PATTERN, the one get.c declares. */
	ok(pattern_match(FIELD_PATTERN, "Owner.Name") == 0, "Owner.Name");
	ok(pattern_match(FIELD_PATTERN, "A.B.C.D.E") == 0, "five segments");
	ok(pattern_match(FIELD_PATTERN, "A.B.C.D.E.F") == -1, "six segments");
	ok(pattern_match(FIELD_PATTERN, "Owner_Name__c") == 0, "underscores");
	ok(pattern_match(FIELD_PATTERN, "OwnerxName") == 0 &&
	    pattern_match(FIELD_PATTERN, "Owner/Name") == -1,
	    "\\. is a literal dot, not any character");
	ok(pattern_match(FIELD_PATTERN, "1Name") == -1, "a leading digit");
	ok(pattern_match(FIELD_PATTERN, "Name\\n") == -1,
	    "$ does not match before a final newline");
	ok(pattern_match("^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$",
	    "001B000001LnobCIAR") == 0, "an 18-character id");
	ok(pattern_match("^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$",
	    "001B000001LnobCI") == -1, "a 16-character id");
	ok(pattern_match("^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$",
	    "001B000001Lnob\xc3\xa9") == -1, "a non-ASCII id");
	ok(pattern_match("abc", "xxabcxx") == 0, "patterns are unanchored");
	ok(pattern_match("^abc", "xabc") == -1, "^ anchors");
	ok(pattern_match("^a\\\\/b$", "a/b") == 0, "\\/ is a slash");
	ok(pattern_match("^\\\\{\\\\}$", "{}") == 0, "\\{ \\} are braces");
	ok(pattern_match("^[a-]+$", "a-a") == 0, "a trailing - is literal");

	/* More patterns than the cache of compiled ones holds. */
	{
		char	*sch = xstrdup("{\"type\":\"object\",\"properties\":{");
		char	*inst = xstrdup("{"), *t;
		int	 k;

		for (k = 0; k < 40; k++) {
			xasprintf(&t, "%s%s\"p%d\":{\"type\":\"string\","
			    "\"pattern\":\"^v%d$\"}", sch, k ? "," : "", k, k);
			free(sch);
			sch = t;
			xasprintf(&t, "%s%s\"p%d\":\"v%d\"", inst, k ? "," : "",
			    k, k);
			free(inst);
			inst = t;
		}
		xasprintf(&t, "%s}}", sch);
		free(sch);
		sch = t;
		xasprintf(&t, "%s}", inst);
		free(inst);
		inst = t;
		ok(check(sch) == 0 && validate(sch, inst) == 0,
		    "forty patterns: %s", err);
		t[strlen(t) - 3] = 'x';	/* "v39" becomes "v3x" */
		ok(validate(sch, inst) == -1 &&
		    strcmp(err, "argument 'p39' must match the pattern ^v39$ "
		    "(got \"v3x\")") == 0, "the fortieth pattern: %s", err);
		free(sch);
		free(inst);
	}
}

/* ------------------------------------------------------------- numbers */

static void
test_numbers(void)
{
	static const char limit[] = "{\"type\":\"integer\",\"minimum\":1,"
	    "\"maximum\":200}";
	static const char integer[] = "{\"type\":\"integer\"}";

	ok(validate(example, "{\"soql\":\"s\",\"limit\":500}") == -1,
	    "limit 500");
	is_str(err, "argument 'limit' must be an integer between 1 and 200 "
	    "(got 500)", "the message of schema.h");
	ok(val_x(limit, "1") == 0 && val_x(limit, "200") == 0,
	    "inclusive bounds");
	ok(val_x(limit, "0") == -1 && val_x(limit, "201") == -1,
	    "just outside the bounds");
	ok(val_x(limit, "1.0") == 0, "1.0 is an integer");
	ok(val_x(limit, "1.5") == -1, "1.5 is not an integer");
	is_str(err, "argument 'x' must be an integer between 1 and 200 "
	    "(got 1.5)", "1.5 message");
	ok(val_x(limit, "\"5\"") == -1, "a string is not an integer");
	is_str(err, "argument 'x' must be an integer between 1 and 200 "
	    "(got \"5\")", "a string for an integer, message");
	ok(val_x(limit, "true") == -1, "true is not an integer");

	ok(val_x(integer, "9007199254740991") == 0, "2^53 - 1");
	ok(val_x(integer, "-9007199254740991") == 0, "-(2^53 - 1)");
	ok(val_x(integer, "9007199254740992") == -1, "2^53");
	is_str(err, "argument 'x' must be an integer of magnitude at most "
	    "9007199254740991 (got 9007199254740992)", "2^53 message");
	ok(val_x(integer, "9007199254740993") == -1,
	    "2^53 + 1 (arrives as 2^53)");
	ok(val_x(integer, "-9007199254740992") == -1, "-2^53");
	ok(val_x(integer, "1e300") == -1, "1e300");
	ok(val_x("{\"type\":\"number\"}", "9007199254740992") == 0,
	    "2^53 is a number");
	ok(val_x(integer, "-0") == 0, "-0 is an integer");
	ok(val_x("{\"type\":\"integer\",\"minimum\":0}", "-0") == 0,
	    "-0 >= 0");
	ok(val_x("{\"type\":\"integer\",\"minimum\":0}", "-1") == -1 &&
	    strcmp(err, "argument 'x' must be an integer of at least 0 "
	    "(got -1)") == 0, "minimum only: %s", err);
	ok(val_x("{\"type\":\"number\",\"maximum\":1}", "1.0000001") == -1 &&
	    strcmp(err, "argument 'x' must be a number of at most 1 "
	    "(got 1.0000001)") == 0, "maximum only: %s", err);
}


/* ------------------------------------------------------------- objects */

static void
test_objects(void)
{
	static const char nested[] = "{\"type\":\"object\",\"properties\":{"
	    "\"filter\":{\"type\":\"object\",\"properties\":{"
	    "\"owner_id\":{\"type\":\"string\"},"
	    "\"stage\":{\"type\":\"string\"}},"
	    "\"required\":[\"owner_id\"],\"additionalProperties\":false}},"
	    "\"additionalProperties\":false}";
	static const char open[] = "{\"type\":\"object\",\"properties\":{"
	    "\"a\":{\"type\":\"string\"}},\"additionalProperties\":true}";

	ok(validate(example, "{\"soql\":\"x\",\"bypass\":true}") == -1,
	    "an unknown argument");
	is_str(err, "unknown argument 'bypass'; allowed: soql, bypass_sharing, "
	    "dry_run, limit", "the unknown-argument message of schema.h");
	ok(validate(example, "{\"soql\":\"x\",\"\":true}") == -1,
	    "an argument named \"\"");
	is_str(err, "unknown argument ''; allowed: soql, bypass_sharing, "
	    "dry_run, limit", "an argument named \"\" is named, not taken for "
	    "the arguments as a whole");
	ok(validate(example, "{\"dry_run\":true}") == -1, "no soql");
	is_str(err, "missing required argument 'soql'",
	    "the missing-argument message of schema.h");
	ok(validate(example, "{\"bypass\":1}") == -1 &&
	    strncmp(err, "unknown argument 'bypass'", 25) == 0,
	    "unknown arguments come before missing ones");
	ok(validate(example, "{\"limit\":0}") == -1 &&
	    strcmp(err, "missing required argument 'soql'") == 0,
	    "missing arguments come before bad ones");
	ok(validate(example, "{\"limit\":0,\"soql\":\"\"}") == -1 &&
	    strncmp(err, "argument 'soql'", 15) == 0,
	    "bad arguments in the schema's order: %s", err);
	ok(validate("{\"type\":\"object\",\"additionalProperties\":false}",
	    "{\"a\":1}") == -1 && strcmp(err, "unknown argument 'a'; "
	    "allowed: none") == 0, "no arguments allowed: %s", err);

	ok(validate(nested, "{\"filter\":{\"owner_id\":\"005\"}}") == 0,
	    "nested object");
	ok(validate(nested, "{\"filter\":{\"stage\":\"x\"}}") == -1, "nested "
	    "required");
	is_str(err, "missing required argument 'filter.owner_id'",
	    "nested required message");
	ok(validate(nested, "{\"filter\":{\"owner_id\":5}}") == -1 &&
	    strcmp(err, "argument 'filter.owner_id' must be a string "
	    "(got 5)") == 0, "nested type: %s", err);
	ok(validate(nested, "{\"filter\":{\"owner_id\":\"5\",\"x\":1}}") ==
	    -1 && strcmp(err, "unknown argument 'filter.x'; allowed: "
	    "owner_id, stage") == 0, "nested unknown: %s", err);
	ok(validate(nested, "{\"filter\":[]}") == -1 &&
	    strcmp(err, "argument 'filter' must be an object (got an array)")
	    == 0, "an array for an object: %s", err);

	ok(validate(open, "{\"a\":\"s\",\"b\":[1,{\"c\":2}]}") == 0,
	    "additionalProperties true");
	ok(validate("{\"type\":\"object\"}", "{\"anything\":1}") == 0,
	    "no additionalProperties means any");
	ok(validate(nested, "{\"filter\":{}}") == -1 && strcmp(err,
	    "missing required argument 'filter.owner_id'") == 0,
	    "an empty nested object misses its required member");
}

/* -------------------------------------------------------------- arrays */

static void
test_arrays(void)
{
	static const char list[] = "{\"type\":\"array\",\"items\":"
	    "{\"type\":\"integer\"},\"minItems\":1,\"maxItems\":3}";
	static const char uniq[] = "{\"type\":\"array\",\"maxItems\":10,"
	    "\"uniqueItems\":true}";

	ok(val_x(list, "[1,2,3]") == 0, "three items");
	ok(val_x(list, "[1,2,3,4]") == -1, "four items");
	is_str(err, "argument 'x' must have between 1 and 3 items (got 4)",
	    "maxItems message");
	ok(val_x(list, "[]") == -1, "no items");
	ok(val_x(list, "[1,\"2\",3]") == -1, "a string item");
	is_str(err, "argument 'x[1]' must be an integer (got \"2\")",
	    "item message names the index");
	ok(val_x("{\"type\":\"array\",\"minItems\":2}", "[1]") == -1 &&
	    strcmp(err, "argument 'x' must have at least 2 items (got 1)") ==
	    0, "minItems only: %s", err);
	ok(val_x("{\"type\":\"array\",\"maxItems\":1}", "[1,2]") == -1 &&
	    strcmp(err, "argument 'x' must have at most 1 item (got 2)") == 0,
	    "maxItems only: %s", err);

	ok(val_x("{\"type\":\"string\",\"enum\":[\"Account\",\"Contact\","
	    "\"Lead\"]}", "\"Lead\"") == 0, "a value of the enum");
	ok(val_x("{\"type\":\"string\",\"enum\":[\"Account\",\"Contact\","
	    "\"Lead\"]}", "\"lead\"") == -1 && strcmp(err, "argument 'x' must "
	    "be one of Account, Contact or Lead (got \"lead\")") == 0,
	    "another is refused naming the values: %s", err);
	ok(val_x("{\"type\":\"string\",\"enum\":[\"Account\"]}", "1") == -1,
	    "a number against a string enum");
	{
		static const char scalar[] = "{\"type\":[\"string\",\"number\","
		    "\"boolean\",\"null\"],\"maxLength\":3}";

		ok(val_x(scalar, "\"abc\"") == 0 && val_x(scalar, "1.5") == 0 &&
		    val_x(scalar, "false") == 0 && val_x(scalar, "null") == 0,
		    "a scalar list admits a string, a number, a boolean, null");
		ok(val_x(scalar, "[1]") == -1 && strcmp(err, "argument 'x' "
		    "must be a string, a number, true or false or null (got an "
		    "array)") == 0, "and refuses an array: %s", err);
		ok(val_x(scalar, "{}") == -1, "and an object");
		ok(val_x(scalar, "\"abcd\"") == -1, "a string in a list "
		    "still has its maxLength: %s", err);
	}
	ok(val_x(uniq, "[1,2,\"1\",true,null,[1],{\"a\":1}]") == 0,
	    "unique items of every type");
	ok(val_x(uniq, "[1,1.0]") == -1, "1 and 1.0 are equal");
	ok(val_x(uniq, "[{\"a\":1,\"b\":[2]},{\"b\":[2],\"a\":1}]") == -1,
	    "objects are equal whatever the key order");
	ok(val_x(uniq, "[{\"a\":1},{\"a\":2}]") == 0, "different values");
	ok(val_x(uniq, "[{\"a\":1},{\"b\":1}]") == 0, "different keys");
	ok(val_x(uniq, "[{\"a\":1},{\"a\":1,\"b\":1}]") == 0,
	    "a subset is not equal");
	ok(val_x(uniq, "[[1,2],[2,1]]") == 0, "array order matters");
	ok(val_x(uniq, "[[1,2],[1,2]]") == -1, "equal arrays");
	ok(val_x(uniq, "[[1],[1,2]]") == 0 && val_x(uniq, "[[1,2],[1]]") == 0,
	    "a prefix is not equal");
	ok(val_x(uniq, "[null,false]") == 0, "null is not false");
	ok(val_x(uniq, "[null,null]") == -1, "null twice");
}

/* ------------------------------------------------------------- strings */

static void
test_strings(void)
{
	static const char three[] = "{\"type\":\"string\",\"minLength\":2,"
	    "\"maxLength\":3}";
	static const char date[] = "{\"type\":\"string\",\"format\":\"date\"}";
	static const struct {
		const char	*value;
		int		 valid;
	} dates[] = {
		{ "2024-02-29", 1 }, { "2023-02-29", 0 }, { "2000-02-29", 1 },
		{ "1900-02-29", 0 }, { "2023-04-31", 0 }, { "2023-12-31", 1 },
		{ "2023-13-01", 0 }, { "2023-00-10", 0 }, { "2023-01-00", 0 },
		{ "2023-1-01", 0 }, { "2023-01-01x", 0 }, { "20230101", 0 },
		{ "2023-01-0", 0 }, { "", 0 },
	};
	size_t	 i;
	char	 v[64];

	ok(val_x(three, "\"ab\"") == 0 && val_x(three, "\"abc\"") == 0,
	    "two and three characters");
	ok(val_x(three, "\"a\"") == -1 && val_x(three, "\"abcd\"") == -1,
	    "one and four characters");
	is_str(err, "argument 'x' must be between 2 and 3 characters long "
	    "(got 4)", "length message");
	ok(val_x(three, "\"\xc3\xa9\xc3\xa9\xc3\xa9\"") == 0,
	    "three two-byte characters are three, not six");
	ok(val_x(three, "\"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\"") == 0,
	    "two four-byte characters are two");
	ok(val_x(three, "\"\\u00e9\\u00e9\\u00e9\\u00e9\"") == -1,
	    "four escaped characters are four");
	ok(val_x("{\"type\":\"string\",\"maxLength\":1}", "\"a\\u0000bcd\"") ==
	    0, "a string is cut at \\u0000, the same for everyone");
	ok(val_x("{\"type\":\"string\",\"minLength\":1}", "\"\"") == -1 &&
	    strcmp(err, "argument 'x' must be at least 1 character long "
	    "(got 0)") == 0, "minLength only: %s", err);

	for (i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
		snprintf(v, sizeof(v), "\"%s\"", dates[i].value);
		ok((val_x(date, v) == 0) == dates[i].valid, "date %s %s",
		    dates[i].value, dates[i].valid ? "valid" : "invalid");
	}
	val_x(date, "\"2023-02-29\"");
	is_str(err, "argument 'x' must be a real calendar date written "
	    "YYYY-MM-DD (got \"2023-02-29\")", "date message");
	ok(check_x("{\"type\":\"string\",\"format\":\"date-time\"}") == -1 &&
	    strstr(err, "only \"date\" is supported") != NULL,
	    "format date-time is not in the subset: %s", err);
}


/* -------------------------------------------------- hostile instances */

/* {"a": [[[...]]]}: n arrays, built without the parser's limit. */
static cJSON *
deep_arrays(size_t n)
{
	cJSON	*root, *cur, *next;
	size_t	 i;

	root = cJSON_CreateObject();
	cur = cJSON_AddArrayToObject(root, "a");
	for (i = 1; i < n; i++) {
		next = cJSON_CreateArray();
		cJSON_AddItemToArray(cur, next);
		cur = next;
	}
	return root;
}

static void
test_hostile(void)
{
	static const char anyobj[] = "{\"type\":\"object\"}";
	cJSON	*s, *i, *a, *b;
	char	*big, *j, *want, key[32], small[24];
	size_t	 k;
	int	 r;

	/* Duplicate keys survive cJSON; we refuse them. */
	ok(validate(example, "{\"soql\":\"a\",\"soql\":\"b\"}") == -1 &&
	    strcmp(err, "argument 'soql' is given more than once") == 0,
	    "a repeated argument: %s", err);
	ok(validate(anyobj, "{\"a\":{\"b\":1,\"b\":2}}") == -1 &&
	    strcmp(err, "argument 'a.b' is given more than once") == 0,
	    "a repeated key where the schema says nothing: %s", err);
	s = cJSON_Parse(anyobj);
	i = cJSON_CreateObject();
	for (k = 0; k < 50; k++) {
		snprintf(key, sizeof(key), "k%zu", k);
		cJSON_AddNumberToObject(i, key, 1);
	}
	ok(schema_validate(s, i, "argument", err, sizeof(err)) == 0,
	    "fifty distinct keys (sorted check)");
	cJSON_AddNumberToObject(i, "k17", 2);
	ok(schema_validate(s, i, "argument", err, sizeof(err)) == -1 &&
	    strcmp(err, "argument 'k17' is given more than once") == 0,
	    "a repeat among fifty keys: %s", err);
	cJSON_Delete(i);
	cJSON_Delete(s);

	/* Invalid UTF-8 anywhere. */
	ok(validate(example, "{\"soql\":\"a\xff\"}") == -1 &&
	    strcmp(err, "argument 'soql' is not valid UTF-8") == 0,
	    "a bad byte in a value: %s", err);
	ok(validate(anyobj, "{\"x\":[\"\xc0\xaf\"]}") == -1 &&
	    strcmp(err, "argument 'x[0]' is not valid UTF-8") == 0,
	    "an overlong sequence: %s", err);
	ok(validate(anyobj, "{\"x\":\"\xed\xa0\x80\"}") == -1,
	    "a surrogate");
	ok(validate(anyobj, "{\"k\xe9y\":1}") == -1 &&
	    strcmp(err, "argument 'k\\xe9y' has a name that is not valid "
	    "UTF-8") == 0 && utf8_ok(err), "a bad byte in a key: %s", err);
	ok(validate(anyobj, "{\"caf\xc3\xa9\":\"th\xc3\xa9\"}") == 0,
	    "valid UTF-8 is fine");

	/* Numbers cJSON turns into infinity. */
	ok(validate(anyobj, "{\"x\":1e999}") == -1 &&
	    strstr(err, "argument 'x' must be a finite number") == err,
	    "1e999: %s", err);

	/* Nesting: 32 levels below the root are fine, 33 are not. */
	s = cJSON_Parse(anyobj);
	i = deep_arrays(32);
	ok(schema_validate(s, i, "argument", err, sizeof(err)) == 0,
	    "32 levels: %s", err);
	cJSON_Delete(i);
	i = deep_arrays(33);
	ok(schema_validate(s, i, "argument", err, sizeof(err)) == -1 &&
	    strstr(err, "nests more than 32 levels deep") != NULL,
	    "33 levels: %.60s", err);
	cJSON_Delete(i);
	i = deep_arrays(10000);
	ok(schema_validate(s, i, "argument", err, sizeof(err)) == -1 &&
	    strstr(err, "nests more than 32 levels deep") != NULL,
	    "10000 levels fail cleanly");
	cJSON_Delete(i);
	i = cJSON_CreateObject();
	a = i;
	for (k = 0; k < 10000; k++) {
		b = cJSON_CreateObject();
		cJSON_AddItemToObject(a, "o", b);
		a = b;
	}
	ok(schema_validate(s, i, "argument", err, sizeof(err)) == -1 &&
	    strncmp(err, "argument 'o.o.o.o", 17) == 0,
	    "10000 nested objects fail cleanly");
	cJSON_Delete(i);
	cJSON_Delete(s);

	/* Long strings: lengths first, and no regex on a megabyte. */
	big = xmalloc(1000001);
	memset(big, 'a', 1000000);
	big[1000000] = '\0';
	xasprintf(&j, "{\"soql\":\"%s\"}", big);
	ok(validate(tool_in("query"), j) == -1 && strcmp(err, "argument 'soql' "
	    "must be between 1 and 20000 characters long (got 1000000)") == 0,
	    "a megabyte of soql: %.80s", err);
	free(j);
	xasprintf(&j, "{\"cursor\":\"%s\"}", big);
	ok(validate(tool_in("query"), j) == -1 && strstr(err, "too long to match "
	    "against its pattern") != NULL, "no regex on a megabyte: %s", err);
	free(j);
	big[8192] = '\0';
	xasprintf(&j, "{\"x\":\"%s\"}", big);
	r = validate("{\"type\":\"object\",\"properties\":{\"x\":{\"type\":"
	    "\"string\",\"pattern\":\"^a+$\"}}}", j);
	ok(r == 0, "8192 bytes are matched: %s", err);
	free(j);

	/* Echoed input: bounded, control characters escaped. */
	xasprintf(&j, "{\"%s\":1}", big);
	xasprintf(&want, "unknown argument '%.*s...'; allowed:",
	    SCHEMA_MAX_SHOWN, big);
	ok(validate(example, j) == -1 && strlen(err) < 200 &&
	    starts(err, want), "a long unknown name is shown in %d bytes: "
	    "%.100s", SCHEMA_MAX_SHOWN, err);
	free(want);
	free(j);
	xasprintf(&j, "{\"x\":\"%s\"}", big);
	ok(validate("{\"type\":\"object\",\"properties\":{\"x\":{\"type\":"
	    "\"integer\"}}}", j) == -1 && strlen(err) < 140 &&
	    strstr(err, "...\")") != NULL, "a long value is shown in 60 bytes");
	free(j);
	free(big);
	ok(validate(example, "{\"a\\nb\\u0001\\u001b[31m\":1}") == -1 &&
	    starts(err, "unknown argument 'a\\nb\\x01\\x1b[31m'") &&
	    strchr(err, '\n') == NULL && strchr(err, '\x1b') == NULL,
	    "control characters are escaped: %s", err);
	ok(validate(example, "{\"it's\\\\\":1}") == -1 &&
	    starts(err, "unknown argument 'it\\'s\\\\'"),
	    "quote and backslash are escaped: %s", err);
	ok(validate(example, "{\"a\\u202eb\\u0085\":1}") == -1 &&
	    starts(err, "unknown argument 'a\\u202eb\\u0085'"),
	    "bidi and C1 controls are escaped: %s", err);
	ok(validate(example, "{\"soql\":\"\\u00e9\","
	    "\"limit\":\"\\u00e9\\n\"}") == -1 && strcmp(err, "argument "
	    "'limit' must be an integer between 1 and 200 "
	    "(got \"\xc3\xa9\\n\")") == 0,
	    "printable UTF-8 is shown as it is: %s", err);

	/* The caller's buffer: truncated to errlen, valid UTF-8, "...". */
	s = cJSON_Parse(example);
	i = cJSON_Parse("{\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\":1}");
	for (k = 1; k <= sizeof(small); k++) {
		memset(small, 'Z', sizeof(small));
		r = schema_validate(s, i, "argument", small, k);
		if (r != -1 || strlen(small) >= k || !utf8_ok(small))
			break;
	}
	ok(k == sizeof(small) + 1, "every errlen from 1 to %zu: "
	    "NUL-terminated, within bounds, valid UTF-8", sizeof(small));
	ok(schema_validate(s, i, "argument", small, 20) == -1 &&
	    strcmp(small, "unknown argument...") == 0,
	    "truncated with ...: %s", small);
	ok(schema_validate(s, i, "argument", small, 23) == -1 &&
	    strcmp(small, "unknown argument '...") == 0,
	    "truncation backs off to a whole character: %s", small);
	ok(schema_validate(s, i, "argument", small, 24) == -1 &&
	    strcmp(small, "unknown argument '\xc3\xa9...") == 0,
	    "truncation keeps whole characters: %s", small);
	ok(schema_validate(s, i, "argument", NULL, 0) == -1,
	    "no buffer at all");
	ok(schema_check(s, NULL, 0) == 0, "schema_check without a buffer");
	cJSON_Delete(i);

	/* A broken schema fails every instance. */
	i = cJSON_Parse("{}");
	cJSON_Delete(s);
	s = cJSON_Parse("{\"type\":\"object\",\"properties\":{\"x\":{\"type\":"
	    "\"string\",\"pattern\":\"\\\\d\"}}}");
	ok(schema_validate(s, i, "argument", err, sizeof(err)) == -1 &&
	    strncmp(err, "internal error: ", 16) == 0 &&
	    strstr(err, "#/properties/x/pattern") != NULL,
	    "a broken schema: %s", err);
	cJSON_Delete(s);
	ok(schema_validate(NULL, i, "argument", err, sizeof(err)) == -1 &&
	    strncmp(err, "internal error: ", 16) == 0, "no schema");
	cJSON_Delete(i);
	ok(validate(example, "\"soql\"") == -1 && strcmp(err, "the arguments "
	    "must be a JSON object (got \"soql\")") == 0,
	    "a string for the arguments: %s", err);
	s = cJSON_Parse(example);
	ok(schema_validate(s, NULL, "argument", err, sizeof(err)) == -1,
	    "no instance");

	/*
	 * Work on attacker input is bounded: two objects of 6000 keys in
	 * opposite orders would take 18 million key comparisons.
	 */
	cJSON_Delete(s);
	s = cJSON_Parse("{\"type\":\"object\",\"properties\":{\"x\":{\"type\":"
	    "\"array\",\"maxItems\":2,\"uniqueItems\":true}}}");
	i = cJSON_CreateObject();
	a = cJSON_AddArrayToObject(i, "x");
	b = cJSON_CreateObject();
	cJSON_AddItemToArray(a, b);
	for (k = 0; k < 6000; k++) {
		snprintf(key, sizeof(key), "k%zu", k);
		cJSON_AddNumberToObject(b, key, 1);
	}
	b = cJSON_CreateObject();
	cJSON_AddItemToArray(a, b);
	for (k = 6000; k-- > 0; ) {
		snprintf(key, sizeof(key), "k%zu", k);
		cJSON_AddNumberToObject(b, key, 1);
	}
	ok(schema_validate(s, i, "argument", err, sizeof(err)) == -1 &&
	    strcmp(err, "argument 'x' is too large or complex to check; send "
	    "less") == 0, "the work budget fails closed: %s", err);
	cJSON_Delete(i);
	i = cJSON_CreateObject();
	a = cJSON_AddArrayToObject(i, "x");
	for (r = 0; r < 2; r++) {
		b = cJSON_CreateObject();
		cJSON_AddItemToArray(a, b);
		for (k = 0; k < 6000; k++) {
			snprintf(key, sizeof(key), "k%zu", k);
			cJSON_AddNumberToObject(b, key, 1);
		}
	}
	ok(schema_validate(s, i, "argument", err, sizeof(err)) == -1 &&
	    strstr(err, "must not repeat an item") != NULL,
	    "same order is compared in linear time: %s", err);
	cJSON_Delete(i);
	cJSON_Delete(s);
}

/*
 * schema_validate_checked() (the front's, for the checked inputSchema of
 * each tool): the same verdict and message as schema_validate(), the
 * patterns included, without checking the schema again.
 */
static void
test_checked(void)
{
	static const char *const cases[] = {
		"{\"account_id\":\"001000000000001AAA\"}",
		"{\"account_id\":\"001000000000001AAA!\"}",
		"{\"account_id\":\"001000000000001AAA\",\"fields\":[\"Owner.Name\"]}",
		"{\"account_id\":\"001000000000001AAA\",\"fields\":[\"1Name\"]}",
		"{}",
		"{\"nope\":1}",
	};
	char		 e1[1024], e2[1024];
	cJSON		*i;
	const cJSON	*s = tools_input_schema(tools_find("get_account"));
	size_t		 k;
	int		 r1, r2;

	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		i = cJSON_Parse(cases[k]);
		r1 = schema_validate(s, i, "argument", e1, sizeof(e1));
		r2 = schema_validate_checked(s, i, "argument", e2, sizeof(e2));
		ok(r1 == r2 && (r1 == 0 || strcmp(e1, e2) == 0),
		    "checked schema, %s: %d %d %s", cases[k], r1, r2,
		    r1 == 0 ? "" : e2);
		cJSON_Delete(i);
	}
	i = cJSON_Parse(cases[1]);
	ok(schema_validate_checked(s, i, "argument", e2, sizeof(e2)) == -1 &&
	    strstr(e2, "account_id") != NULL, "the pattern still applies: %s",
	    e2);
	cJSON_Delete(i);
}

int
main(void)
{
	size_t	 i;

	log_init(PROC_PARENT, LOG_LVL_CRITICAL);
	tools_init();
	test_tool_schemas();
	test_check_refuses();
	test_patterns();
	test_numbers();
	test_objects();
	test_arrays();
	test_strings();
	test_hostile();
	test_checked();
	for (i = 0; i < nprinted; i++)
		cJSON_free(printed[i]);
	tools_free();
	return tap_done();
}
