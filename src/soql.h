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
 * and date functions, FIELDS(ALL|STANDARD|CUSTOM), TYPEOF ... END, and
 * one level of parent-to-child subquery "(SELECT ... FROM Contacts ...)".
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
 * escapes, trailing garbage, input longer than SF_MAX_SOQL bytes, and
 * nesting deeper than SOQL_MAX_DEPTH parentheses.
 */
#ifndef SOQL_H
#define SOQL_H

#include <stddef.h>

#include "sfrevops.h"

#define SOQL_MAX_DEPTH		16	/* nested parentheses */
#define SOQL_MAX_TOKENS		4096

enum soql_fls {
	SOQL_FLS_NONE = 0,		/* add no clause */
	SOQL_FLS_SECURITY_ENFORCED,	/* add WITH SECURITY_ENFORCED */
	SOQL_FLS_USER_MODE		/* add WITH USER_MODE */
};

struct soql_opts {
	enum soql_fls	 fls;
	long		 default_limit;	/* LIMIT added when absent; 0: none */
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

/* The SFDC_FLS_MODE setting ("user_mode", "none", otherwise
 * "security_enforced", which conf.c has validated) as an enum. */
enum soql_fls soql_fls_mode(const char *setting);

#endif /* SOQL_H */
