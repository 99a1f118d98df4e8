/*
 * schema.h: the JSON Schema subset that validates tool arguments and
 * structured results.
 *
 * The schema a tool advertises in tools/list is the schema that checks
 * its arguments: one source of truth.  Only a subset of JSON Schema
 * 2020-12 is understood, and schema_check() refuses everything else
 * (fail closed), so a schema can never say more than this code enforces.
 *
 * Supported keywords, which are what our tools' schemas use (the input
 * schemas generated from the argument tables of src/tools/, the output
 * schemas written by hand there) and nothing more:
 *   type        one of "string", "integer", "number", "boolean", "object",
 *               "array", or a list of distinct type names that may include
 *               "null" (["string", "number", "boolean", "null"]: any
 *               scalar).  "integer" is a number with an integral value of
 *               magnitude at most 2^53 - 1 (cJSON keeps doubles, so
 *               2^53 + 1 arrives as 2^53 and is refused); 1.0 is an
 *               integer.  A schema without type accepts any type.
 *   properties, required, additionalProperties (true or false)
 *   minLength, maxLength (in Unicode code points), pattern, format
 *               ("date": a real calendar date YYYY-MM-DD)
 *   enum        with "type": "string" only: 1 to SCHEMA_MAX_ENUM distinct
 *               strings of printable ASCII, each at most
 *               SCHEMA_MAX_ENUM_LEN characters
 *   minimum, maximum
 *   items (one schema), minItems, maxItems, uniqueItems (needs maxItems,
 *               which bounds the quadratic comparison)
 *   description, title, default (not interpreted).
 * Everything else (const, anyOf, oneOf, exclusive bounds,
 * multipleOf, min/maxProperties, $schema, ...) is
 * refused by schema_check(): a schema cannot say more than this code
 * enforces.  Add a keyword here when a tool needs it.
 * The root must be {"type":"object", ...}.  Property names match
 * ^[A-Za-z0-9_.-]{1,64}$ (an Anthropic API rule).  Keywords that cannot
 * apply to the declared type (maxLength on an integer) are refused.
 * Schemas nest at most SCHEMA_MAX_DEPTH levels.
 *
 * Patterns: JSON Schema means ECMA-262 regular expressions; we match with
 * POSIX regcomp(REG_EXTENDED | REG_NOSUB) in the C locale, unanchored
 * like ECMA-262 (write ^ and $ yourself).  Only the subset on which both
 * agree is accepted: ASCII literals, bracket expressions [a-z0-9_] (no
 * negation, no backslash, no [: :] classes), groups ( ), alternation |,
 * quantifiers * + ? {n} {n,} {n,m} (n, m <= 1000), anchors ^ $, and the
 * escapes \^ \$ \\ \. \* \+ \? \( \) \[ \] \{ \} \| \/.  Refused: \d \w
 * \s \b and every other escape, (?...) groups (lookaround, non-capturing,
 * named), non-greedy or stacked quantifiers, backreferences, "." and
 * [^...] (which match bytes, not characters, and match newlines in
 * POSIX), non-ASCII characters, unescaped { } ] used as literals.
 *
 * Instances: every string and property name must be valid UTF-8, every
 * number finite, no object may repeat a key, and nothing may nest more
 * than SCHEMA_MAX_DEPTH levels below the root, whatever the schema says.
 * A string holding "\u0000" reaches us cut at the NUL (cJSON keeps C
 * strings); every consumer sees the same cut string.
 */
#ifndef SCHEMA_H
#define SCHEMA_H

#include <stddef.h>

#include <cjson/cJSON.h>

#define SCHEMA_MAX_DEPTH	32	/* levels below the root */
#define SCHEMA_MAX_SHOWN	60	/* bytes of input echoed in a message */
#define SCHEMA_MAX_ENUM		64	/* values of an enum */
#define SCHEMA_MAX_ENUM_LEN	80	/* characters of each */

/*
 * Validate instance against schema.  0: valid.  -1: invalid, and errbuf
 * holds one sentence naming the path and the problem, e.g.
 *   argument 'limit' must be an integer between 1 and 200 (got 500)
 *   unknown argument 'bypass'; allowed: soql, bypass_sharing, dry_run
 *   missing required argument 'soql'
 * root_name is the noun for the root's members ("argument"); paths below
 * it read filter.owner_id or fields[3].  Only the first error is
 * reported: unknown properties, then required ones, then each property
 * in the schema's order.  The schema is checked with schema_check()
 * first; a broken schema fails every instance ("internal error: ...").
 * User input is echoed at most SCHEMA_MAX_SHOWN bytes at a time, with
 * control characters escaped.
 */
int	 schema_validate(const cJSON *schema, const cJSON *instance,
	    const char *root_name, char *errbuf, size_t errlen);
/*
 * The same for a schema that passed schema_check() once already and has
 * not changed since (a tool's inputSchema, tools_init()): the check is
 * not made again.  Every tools/call validates its arguments, and the
 * check compiles every pattern of the schema.
 */
int	 schema_validate_checked(const cJSON *schema, const cJSON *instance,
	    const char *root_name, char *errbuf, size_t errlen);

/*
 * Check that schema is a well-formed root schema of the subset above.
 * 0: fine.  -1: errbuf says where (a JSON pointer into the schema) and
 * what is wrong.
 */
int	 schema_check(const cJSON *schema, char *errbuf, size_t errlen);

#endif /* SCHEMA_H */
