/*
 * soql.h: the SOQL guard.  A lexer and a recursive-descent parser for
 * the SELECT statements this server lets through, and the rewrite that
 * adds the field-level-security clause and the row limit where the
 * grammar puts them.
 *
 * Used twice: by the front (to refuse early, with a clear message) and
 * by the broker (which never trusts the front).  Both run the same code
 * on the same bytes, so they agree.
 *
 * The grammar accepted (after Salesforce's "SOQL and SOSL Reference",
 * SOQL SELECT Syntax), clause order fixed:
 *
 *   SELECT fieldList FROM objectType [alias] [USING SCOPE scope]
 *   [WHERE condition] [WITH SECURITY_ENFORCED | WITH USER_MODE]
 *   [GROUP BY ... [HAVING condition]] [ORDER BY ...] [LIMIT n] [OFFSET n]
 *
 * fieldList items: field paths (Owner.Name, up to 5 relationship levels),
 * aggregate functions with optional alias, toLabel/FORMAT/convertCurrency
 * and date functions, FIELDS(ALL|STANDARD|CUSTOM), TYPEOF ... END,
 * DISTANCE(location, location, 'mi'|'km') where a location is a field or
 * GEOLOCATION(latitude, longitude) (also in WHERE and ORDER BY), and
 * parent-to-child subqueries "(SELECT ... FROM Contacts ...)" nested up
 * to SOQL_MAX_LEVELS levels from API v58.0 (SOQL_MAX_LEVELS_OLD before).
 * WHERE: AND/OR/NOT, parentheses, comparisons, LIKE, IN/NOT IN with a
 * literal list or a semi-join subquery, INCLUDES/EXCLUDES, date literals
 * (TODAY, LAST_N_DAYS:30, ...), date and datetime values, numbers,
 * strings with Salesforce's escapes, true/false/null.
 *
 * Refused, each with a sentence naming what and where: anything but one
 * SELECT (DML keywords INSERT UPDATE DELETE UPSERT MERGE UNDELETE outside
 * string literals, wherever they stand), a second statement, ';',
 * comments (-- // / *), FOR UPDATE / FOR VIEW / FOR REFERENCE, UPDATE
 * TRACKING / VIEWSTAT (they write), WITH SYSTEM_MODE, Apex bind
 * variables (:name), characters outside ASCII outside string literals
 * (look-alikes), invalid UTF-8, NUL bytes, unterminated strings, bad
 * escapes, trailing garbage, input longer than SF_MAX_SOQL bytes,
 * nesting deeper than SOQL_MAX_DEPTH parentheses, and FIELDS(ALL) or
 * FIELDS(CUSTOM) in a statement that would be sent without a LIMIT of at
 * most SOQL_FIELDS_MAX_LIMIT.
 */
#ifndef SOQL_H
#define SOQL_H

#include <stddef.h>

#include "sfrevops.h"

#define SOQL_MAX_DEPTH		16	/* nested parentheses */
#define SOQL_MAX_TOKENS		4096

/*
 * Parent-to-child relationship levels, the outer query counting as the
 * first: "In API version 58.0 and later, SOQL queries can contain up to
 * five levels of parent-to-child relationships ... via REST, SOAP, and
 * Apex query calls"; before v58.0, one level of subquery (two levels).
 * [SOQL and SOSL Reference, "Using Relationship Queries" and
 * "Understanding Relationship Query Limitations"; salesforce.md 11]
 */
#define SOQL_MAX_LEVELS		5
#define SOQL_MAX_LEVELS_OLD	2
#define SOQL_LEVELS_SINCE	58	/* the API version that allows 5 */
#define SOQL_API_DEFAULT	60	/* opts.api_version 0: SFDC_API_VERSION's default */

/*
 * FIELDS(ALL) and FIELDS(CUSTOM) are "unbounded" field sets: Salesforce
 * answers them only with LIMIT 200 or less; FIELDS(STANDARD) needs no
 * LIMIT.  [SOQL and SOSL Reference, "FIELDS()", v51.0 and later: the
 * examples "SELECT FIELDS(ALL) FROM Account LIMIT 200" and "SELECT
 * FIELDS(STANDARD) FROM Account"]
 */
#define SOQL_FIELDS_MAX_LIMIT	200

enum soql_fls {
	SOQL_FLS_NONE = 0,		/* add no clause */
	SOQL_FLS_SECURITY_ENFORCED,	/* add WITH SECURITY_ENFORCED */
	SOQL_FLS_USER_MODE,		/* add WITH USER_MODE */
	/*
	 * SFDC_FLS_MODE=auto: the broker learns once whether the org
	 * accepts WITH SECURITY_ENFORCED and passes SECURITY_ENFORCED or
	 * NONE accordingly.  Given to soql_rewrite() as is, it adds no
	 * clause: the front, which cannot know, refuses and checks with it.
	 */
	SOQL_FLS_AUTO
};

struct soql_opts {
	enum soql_fls	 fls;
	long		 default_limit;	/* LIMIT added when absent; 0: none */
	int		 api_version;	/* 60 for v60.0; 0: SOQL_API_DEFAULT */
};

struct soql_info {
	char	 object[SF_MAX_NAME + 1];	/* FROM object, as written */
	int	 aggregate;	/* an aggregate function in the field list */
	int	 count_only;	/* SELECT COUNT() FROM ... */
	int	 grouped;	/* GROUP BY present */
	int	 has_limit;	/* the caller wrote a LIMIT */
	long	 limit;		/* the LIMIT sent (written or added); -1 none */
	int	 fls_added;	/* the WITH clause was added by us */
	int	 limit_added;	/* the LIMIT was added by us */
	/*
	 * The statement uses what WITH SECURITY_ENFORCED is documented not
	 * to allow: TYPEOF ... ELSE, or a traversal of the polymorphic What
	 * or Who in the field list ("can't traverse polymorphic
	 * relationships" except Owner, CreatedBy, LastModifiedBy; Apex
	 * Developer Guide, Spring '20 release notes; salesforce.md 5.2).
	 * Custom polymorphic lookups cannot be told from the text.
	 */
	int	 se_conflict;
};

/*
 * Validate one SOQL statement of len bytes and produce the statement to
 * send: the input unchanged except for the added clauses (and leading
 * and trailing white space trimmed).  The WITH clause goes after WHERE
 * (else after FROM / USING SCOPE) and before GROUP BY, ORDER BY and
 * LIMIT; a WITH SECURITY_ENFORCED or WITH USER_MODE already present is
 * kept.  LIMIT goes after ORDER BY and before OFFSET.  No LIMIT is added
 * to COUNT() or to an aggregate query without GROUP BY (Salesforce
 * refuses LIMIT there).
 *
 * 0: *out is the statement (free()), info filled.
 * -1: *out is NULL and errbuf holds one sentence that names the problem
 *     and where it is, e.g.
 *       query refused: DELETE is not allowed; only one SELECT statement
 *       is accepted (at character 1)
 */
int	 soql_rewrite(const char *in, size_t len, const struct soql_opts *,
	    char **out, struct soql_info *, char *errbuf, size_t errlen);

/*
 * Escape s for use inside a single-quoted SOQL string literal
 * (backslash first, then quote, newline, CR, tab, BS, FF, double quote).
 * Returns a new string (free()).
 */
char	*soql_quote(const char *s);

/* The SFDC_FLS_MODE setting ("auto", "security_enforced", "user_mode",
 * "none", which conf.c has validated; NULL: the default, auto) as an
 * enum. */
enum soql_fls soql_fls_mode(const char *setting);

#endif /* SOQL_H */
