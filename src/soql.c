/*
 * soql.c: the SOQL guard.
 *
 * A lexer that turns the statement into a bounded array of tokens, and a
 * recursive-descent parser over those tokens for the one SELECT statement
 * we let through (grammar in soql.h).  Nothing here pattern-matches the
 * raw text: every decision is made on tokens, so a keyword inside a
 * string literal is data and a keyword outside one is a keyword.
 *
 * The rewrite never re-prints the query.  The parser remembers the byte
 * offsets where the grammar puts WITH and LIMIT, and the output is the
 * trimmed input with those two short, fixed clauses spliced in.  What
 * Salesforce receives is therefore exactly what the user wrote, plus
 * text we chose.
 *
 * Refusals come in two layers.  The lexer refuses what is never part of
 * a SELECT wherever it stands (DML keywords, ';', comments, bind
 * variables, look-alike characters, FOR UPDATE ...), so those messages
 * name the real problem even in otherwise broken input.  The parser
 * refuses what is out of place.
 *
 * Choices where Salesforce leaves room:
 *  - WITH DATA CATEGORY is refused: it filters Knowledge articles, which
 *    this server does not read, and refusing keeps the WITH grammar to
 *    the two clauses we add ourselves.
 *  - USING SCOPE takes any plain name; Salesforce checks the value.
 *  - TYPEOF is parsed in full (WHEN ... THEN fields, at most one ELSE,
 *    END); it adds no insertion point.  We do not refuse WITH
 *    SECURITY_ENFORCED next to TYPEOF ... ELSE; Salesforce will.
 *  - A semi-join may stand inside parentheses as long as no OR or NOT is
 *    above it; "top level" in Salesforce's message means exactly that.
 *  - Raw control bytes other than tab, CR and LF are refused inside
 *    string literals too (soql_quote() writes them as \uXXXX).
 *  - Functions outside the list below are refused as unknown.
 *  - DISTANCE(a, b, unit): a and b are each a field or GEOLOCATION(lat,
 *    lon) with numbers, the unit 'mi' or 'km'; in SELECT, WHERE and ORDER
 *    BY, not in GROUP BY or HAVING, and not inside another function.
 *    GEOLOCATION stands only inside DISTANCE.  [SOQL and SOSL Reference,
 *    "Location-Based SOQL Queries"]  Which comparison goes with DISTANCE
 *    in WHERE, and which fields are locations, is left to Salesforce.
 *  - FIELDS(ALL) / FIELDS(CUSTOM) need a LIMIT of at most 200 in the
 *    statement as sent (ours added, or the caller's); the rule is checked
 *    on the outer query only, where the reference states it.
 *
 * Ownership: soql_rewrite() and soql_quote() return memory the caller
 * frees; everything else is freed before returning.
 */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfrevops.h"
#include "soql.h"

#define SOQL_MAX_HOPS		5	/* child-to-parent levels in a path */
#define SOQL_MAX_STRING		4000	/* characters in one string literal */
#define SOQL_MAX_NUMBER		40	/* characters in one number */
#define SOQL_MAX_SEMI		2	/* semi- and anti-join subqueries */
#define SOQL_MAX_CHILD		20	/* parent-to-child subqueries */
#define SOQL_MAX_OFFSET		2000	/* Salesforce's OFFSET ceiling */
#define SOQL_MAX_LIMIT		2147483647L
#define SOQL_MAX_N		9	/* digits in LAST_N_DAYS:n */
#define SOQL_SHOW		40	/* bytes of a token quoted in messages */

enum soql_tok_type {
	TK_EOF = 0,
	TK_IDENT,		/* a name, or a dotted path Owner.Name */
	TK_NUMBER,
	TK_STRING,
	TK_DATE,		/* 2024-01-31 */
	TK_DATETIME,		/* 2024-01-31T10:00:00Z */
	TK_DATE_N,		/* LAST_N_DAYS:30 */
	TK_OP,			/* = != <> < <= > >= */
	TK_LPAREN,
	TK_RPAREN,
	TK_COMMA
};

#define TF_PATH		0x01	/* identifier with at least one '.' */
#define TF_LIKE_ESC	0x02	/* string uses \_ or \% */
#define TF_SIGNED	0x04	/* number with a leading + or - */
#define TF_DECIMAL	0x08	/* number with a fraction */
#define TF_CURRENCY	0x10	/* identifier that is a currency value USD500 */

struct soql_tok {
	enum soql_tok_type	 type;
	unsigned int		 flags;
	size_t			 off;	/* byte offset in the caller's input */
	size_t			 len;
};

struct soql_ctx {
	const char		*in;
	size_t			 start;	/* first byte after leading space */
	size_t			 end;	/* one past the last non-space byte */
	struct soql_tok		*tok;
	size_t			 ntok;	/* including the final TK_EOF */
	size_t			 cap;
	size_t			 pos;	/* parser: current token */
	size_t			 last_end;	/* end of the last consumed token */
	int			 notdepth;
	int			 nsemi;
	size_t			 last_semi;	/* offset of the latest semi-join */
	int			 nchild;
	int			 max_levels;	/* parent-to-child, outer = 1 */
	int			 api_version;
	int			 fn_depth;	/* functions open around us */
	int			 se_conflict;	/* see soql_info */
	long			 default_limit;
	size_t			 outer_off;	/* the outer FROM object */
	size_t			 outer_len;
	char			*err;
	size_t			 errlen;
	int			 failed;
};

enum soql_kind {
	Q_OUTER,
	Q_CHILD,		/* (SELECT ... FROM Contacts) in the field list */
	Q_SEMI			/* Id IN (SELECT AccountId FROM ...) */
};

struct soql_query {
	enum soql_kind	 kind;
	int		 level;		/* parent-to-child level, outer = 1 */
	int		 fields_unbounded;	/* FIELDS(ALL) or FIELDS(CUSTOM) */
	size_t		 fields_off;
	int		 nitems;
	int		 aggregate;
	int		 agg_seen;
	size_t		 agg_off;
	int		 count_empty;	/* COUNT() items */
	size_t		 count_off;
	int		 plain_items;	/* items that are a bare field path */
	int		 plain_alias;
	size_t		 alias_off;
	int		 grouped;
	int		 has_with;
	int		 has_limit;
	size_t		 limit_off;
	long		 limit;
	size_t		 obj_off;
	size_t		 obj_len;
	size_t		 fls_pos;	/* where WITH goes */
	size_t		 limit_pos;	/* where LIMIT goes */
};

/* Where an expression stands: decides which functions it may use. */
enum soql_where {
	W_SELECT,
	W_WHERE,
	W_HAVING,
	W_GROUP,
	W_ORDER
};

enum soql_fn {
	FN_COUNT,
	FN_AGG,
	FN_WRAP,
	FN_DATE,
	FN_GROUPING,
	FN_FIELDS,
	FN_DISTANCE,
	FN_GEOLOCATION
};

static const struct soql_func {
	const char	*name;
	enum soql_fn	 cls;
} soql_funcs[] = {
	{ "COUNT", FN_COUNT },
	{ "COUNT_DISTINCT", FN_AGG },
	{ "SUM", FN_AGG },
	{ "AVG", FN_AGG },
	{ "MIN", FN_AGG },
	{ "MAX", FN_AGG },
	{ "toLabel", FN_WRAP },
	{ "FORMAT", FN_WRAP },
	{ "convertCurrency", FN_WRAP },
	{ "convertTimezone", FN_WRAP },
	{ "GROUPING", FN_GROUPING },
	{ "CALENDAR_MONTH", FN_DATE },
	{ "CALENDAR_QUARTER", FN_DATE },
	{ "CALENDAR_YEAR", FN_DATE },
	{ "DAY_IN_MONTH", FN_DATE },
	{ "DAY_IN_WEEK", FN_DATE },
	{ "DAY_IN_YEAR", FN_DATE },
	{ "DAY_ONLY", FN_DATE },
	{ "FISCAL_MONTH", FN_DATE },
	{ "FISCAL_QUARTER", FN_DATE },
	{ "FISCAL_YEAR", FN_DATE },
	{ "HOUR_IN_DAY", FN_DATE },
	{ "WEEK_IN_MONTH", FN_DATE },
	{ "WEEK_IN_YEAR", FN_DATE },
	{ "FIELDS", FN_FIELDS },
	{ "DISTANCE", FN_DISTANCE },
	{ "GEOLOCATION", FN_GEOLOCATION },
};

/* Statements other than SELECT: refused wherever they stand. */
static const char *const soql_dml[] = {
	"INSERT", "UPDATE", "DELETE", "UPSERT", "MERGE", "UNDELETE", NULL
};

/* Words that end a field list item or a clause, so never an alias. */
static const char *const soql_reserved[] = {
	"AND", "ASC", "BY", "CUBE", "DESC", "ELSE", "END", "EXCLUDES",
	"FALSE", "FOR", "FROM", "GROUP", "HAVING", "IN", "INCLUDES", "LIKE",
	"LIMIT", "NOT", "NULL", "NULLS", "OFFSET", "OR", "ORDER", "ROLLUP",
	"SELECT", "THEN", "TRUE", "TYPEOF", "USING", "WHEN", "WHERE", "WITH",
	NULL
};

/* Clause words that cannot name the FROM object (Order, Group can). */
static const char *const soql_clause[] = {
	"FROM", "WHERE", "WITH", "LIMIT", "OFFSET", "HAVING", "SELECT",
	"USING", NULL
};

static const char *const soql_datelit[] = {
	"YESTERDAY", "TODAY", "TOMORROW", "LAST_WEEK", "THIS_WEEK",
	"NEXT_WEEK", "LAST_MONTH", "THIS_MONTH", "NEXT_MONTH",
	"LAST_90_DAYS", "NEXT_90_DAYS", "THIS_QUARTER", "LAST_QUARTER",
	"NEXT_QUARTER", "THIS_YEAR", "LAST_YEAR", "NEXT_YEAR",
	"THIS_FISCAL_QUARTER", "LAST_FISCAL_QUARTER", "NEXT_FISCAL_QUARTER",
	"THIS_FISCAL_YEAR", "LAST_FISCAL_YEAR", "NEXT_FISCAL_YEAR", NULL
};

static const char *const soql_datelit_n[] = {
	"LAST_N_DAYS", "NEXT_N_DAYS", "N_DAYS_AGO", "LAST_N_WEEKS",
	"NEXT_N_WEEKS", "N_WEEKS_AGO", "LAST_N_MONTHS", "NEXT_N_MONTHS",
	"N_MONTHS_AGO", "LAST_N_QUARTERS", "NEXT_N_QUARTERS",
	"N_QUARTERS_AGO", "LAST_N_YEARS", "NEXT_N_YEARS", "N_YEARS_AGO",
	"LAST_N_FISCAL_QUARTERS", "NEXT_N_FISCAL_QUARTERS",
	"N_FISCAL_QUARTERS_AGO", "LAST_N_FISCAL_YEARS", "NEXT_N_FISCAL_YEARS",
	"N_FISCAL_YEARS_AGO", NULL
};

/* Objects Salesforce refuses inside a semi-join (salesforce.md 5.4). */
static const char *const soql_nosemi[] = {
	"ActivityHistory", "Attachment", "ContentDocumentLink", "Event",
	"EventAttendee", "Note", "OpenActivity", "Task", NULL
};

static int	 soql_parse_query(struct soql_ctx *, struct soql_query *);
static int	 soql_parse_cond(struct soql_ctx *, struct soql_query *,
		    enum soql_where);

/* ------------------------------------------------------------ helpers */

/* ASCII only, on purpose: no locale may change what a keyword is. */
static int
soql_isalpha(int ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
}

static int
soql_isdigit(int ch)
{
	return ch >= '0' && ch <= '9';
}

static int
soql_isident(int ch)
{
	return soql_isalpha(ch) || soql_isdigit(ch) || ch == '_';
}

static int
soql_isspace(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static int
soql_isxdigit(int ch)
{
	return soql_isdigit(ch) || (ch >= 'a' && ch <= 'f') ||
	    (ch >= 'A' && ch <= 'F');
}

static int
soql_upper(int ch)
{
	return (ch >= 'a' && ch <= 'z') ? ch - 'a' + 'A' : ch;
}

/* Case-insensitive, ASCII, whole word. */
static int
soql_wordeq(const char *s, size_t len, const char *word)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (word[i] == '\0' ||
		    soql_upper((unsigned char)s[i]) !=
		    soql_upper((unsigned char)word[i]))
			return 0;
	return word[len] == '\0';
}

static int
soql_sameword(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t	 i;

	if (alen != blen)
		return 0;
	for (i = 0; i < alen; i++)
		if (soql_upper((unsigned char)a[i]) !=
		    soql_upper((unsigned char)b[i]))
			return 0;
	return 1;
}

static const char *
soql_inlist(const char *s, size_t len, const char *const *list)
{
	size_t	 i;

	for (i = 0; list[i] != NULL; i++)
		if (soql_wordeq(s, len, list[i]))
			return list[i];
	return NULL;
}

/* The 1-based character (not byte) position of off, for messages. */
static size_t
soql_charpos(const char *in, size_t off)
{
	size_t	 i, n = 1;

	for (i = 0; i < off; i++)
		if (((unsigned char)in[i] & 0xc0) != 0x80)
			n++;
	return n;
}

static int soql_verr(struct soql_ctx *, int, size_t, const char *, va_list)
    __attribute__((format(printf, 4, 0)));

static int
soql_verr(struct soql_ctx *c, int at, size_t off, const char *fmt,
    va_list ap)
{
	size_t	 n;
	int	 r;

	/* The first error is the one the user needs; keep it. */
	if (c->failed)
		return -1;
	c->failed = 1;
	if (c->err == NULL || c->errlen == 0)
		return -1;
	r = snprintf(c->err, c->errlen, "query refused: ");
	n = r < 0 ? 0 : (size_t)r;
	if (n >= c->errlen)
		return -1;
	r = vsnprintf(c->err + n, c->errlen - n, fmt, ap);
	n += r < 0 ? 0 : (size_t)r;
	if (at && n < c->errlen)
		snprintf(c->err + n, c->errlen - n, " (at character %zu)",
		    soql_charpos(c->in, off));
	return -1;
}

static int soql_err(struct soql_ctx *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));
static int soql_err_noat(struct soql_ctx *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static int
soql_err(struct soql_ctx *c, size_t off, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	soql_verr(c, 1, off, fmt, ap);
	va_end(ap);
	return -1;
}

static int
soql_err_noat(struct soql_ctx *c, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	soql_verr(c, 0, 0, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * Describe a token for a message.  Only tokens outside string literals
 * are quoted, and those are printable ASCII by construction.
 */
static const char *
soql_desc(struct soql_ctx *c, const struct soql_tok *t, char *buf,
    size_t size)
{
	switch (t->type) {
	case TK_EOF:
		return "the end of the query";
	case TK_STRING:
		return "a string literal";
	default:
		break;
	}
	if (t->len > SOQL_SHOW)
		snprintf(buf, size, "'%.*s...'", SOQL_SHOW, c->in + t->off);
	else
		snprintf(buf, size, "'%.*s'", (int)t->len, c->in + t->off);
	return buf;
}

/* ---------------------------------------------------------------- lexer */

/* Reject what may not appear anywhere, before looking at any token. */
static int
soql_scan_bytes(struct soql_ctx *c, size_t len)
{
	const unsigned char	*p = (const unsigned char *)c->in;
	size_t			 i = 0, k, n;
	unsigned int		 cp, min;

	while (i < len) {
		if (p[i] == 0)
			return soql_err_noat(c, "the query contains a NUL "
			    "byte (at byte %zu)", i + 1);
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((p[i] & 0xe0) == 0xc0) {
			n = 1; min = 0x80; cp = p[i] & 0x1f;
		} else if ((p[i] & 0xf0) == 0xe0) {
			n = 2; min = 0x800; cp = p[i] & 0x0f;
		} else if ((p[i] & 0xf8) == 0xf0) {
			n = 3; min = 0x10000; cp = p[i] & 0x07;
		} else
			goto bad;
		if (len - i - 1 < n)
			goto bad;
		for (k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				goto bad;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		/* Overlongs and surrogates hide characters from checks. */
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			goto bad;
		i += n + 1;
	}
	return 0;
bad:
	return soql_err_noat(c, "the query is not valid UTF-8 (at byte %zu)",
	    i + 1);
}

static int
soql_push(struct soql_ctx *c, enum soql_tok_type type, size_t off,
    size_t len, unsigned int flags)
{
	struct soql_tok	*t;

	/* One slot stays free for TK_EOF. */
	if (type != TK_EOF && c->ntok >= SOQL_MAX_TOKENS)
		return soql_err(c, off, "the query has more than %d tokens",
		    SOQL_MAX_TOKENS);
	if (c->ntok == c->cap) {
		c->cap = c->cap == 0 ? 64 : c->cap * 2;
		if (c->cap > SOQL_MAX_TOKENS + 1)
			c->cap = SOQL_MAX_TOKENS + 1;
		c->tok = xreallocarray(c->tok, c->cap, sizeof(*c->tok));
	}
	t = &c->tok[c->ntok++];
	t->type = type;
	t->off = off;
	t->len = len;
	t->flags = flags;
	return 0;
}

/* The next word after white space, for two-word refusals. */
static size_t
soql_next_word(struct soql_ctx *c, size_t i, size_t *wlen)
{
	size_t	 j;

	while (i < c->end && soql_isspace((unsigned char)c->in[i]))
		i++;
	for (j = i; j < c->end && soql_isident((unsigned char)c->in[j]); j++)
		;
	*wlen = j - i;
	return i;
}

/* USD5000: three letters then digits, a currency-qualified number. */
static int
soql_is_currency(const char *s, size_t len)
{
	size_t	 i;

	if (len < 4)
		return 0;
	for (i = 0; i < 3; i++)
		if (!soql_isalpha((unsigned char)s[i]))
			return 0;
	for (; i < len; i++)
		if (!soql_isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Refusals that depend on a word alone or on the word that follows. */
static int
soql_lex_word(struct soql_ctx *c, size_t s, size_t len, size_t after)
{
	const char	*w = c->in + s, *dml;
	size_t		 nlen, n;

	if ((dml = soql_inlist(w, len, soql_dml)) != NULL) {
		n = soql_next_word(c, after, &nlen);
		if (soql_wordeq(dml, strlen(dml), "UPDATE") &&
		    (soql_wordeq(c->in + n, nlen, "TRACKING") ||
		    soql_wordeq(c->in + n, nlen, "VIEWSTAT")))
			return soql_err(c, s, "UPDATE %s is not allowed: it "
			    "writes tracking data on every read; this server "
			    "only reads", soql_wordeq(c->in + n, nlen,
			    "TRACKING") ? "TRACKING" : "VIEWSTAT");
		return soql_err(c, s, "%s is not allowed; only one SELECT "
		    "statement is accepted", dml);
	}
	if (soql_wordeq(w, len, "FOR")) {
		n = soql_next_word(c, after, &nlen);
		if (soql_wordeq(c->in + n, nlen, "UPDATE"))
			return soql_err(c, s, "FOR UPDATE is not allowed: it "
			    "locks the records it reads; this server only "
			    "reads");
		if (soql_wordeq(c->in + n, nlen, "VIEW") ||
		    soql_wordeq(c->in + n, nlen, "REFERENCE"))
			return soql_err(c, s, "FOR %s is not allowed: it "
			    "writes the records' last-%s date; this server "
			    "only reads", soql_wordeq(c->in + n, nlen,
			    "VIEW") ? "VIEW" : "REFERENCE",
			    soql_wordeq(c->in + n, nlen, "VIEW") ?
			    "viewed" : "referenced");
	}
	if (soql_wordeq(w, len, "SYSTEM_MODE"))
		return soql_err(c, s, "WITH SYSTEM_MODE is not allowed: it "
		    "bypasses sharing and field-level security");
	return 0;
}

static int
soql_lex_ident(struct soql_ctx *c, size_t *ip)
{
	const char	*in = c->in;
	size_t		 s = *ip, i = *ip, cs, k, nlen;
	unsigned int	 flags = 0;
	int		 hops = 0, money = 0;

	for (;;) {
		cs = i;
		while (i < c->end && soql_isident((unsigned char)in[i]))
			i++;
		if (i - cs > SF_MAX_NAME)
			return soql_err(c, cs, "a name is longer than %d "
			    "characters", SF_MAX_NAME);
		if (soql_lex_word(c, cs, i - cs, i) == -1)
			return -1;
		if (i >= c->end || in[i] != '.')
			break;
		if (i + 1 < c->end && soql_isalpha((unsigned char)in[i + 1])) {
			if (++hops > SOQL_MAX_HOPS)
				return soql_err(c, s, "a field path has more "
				    "than %d relationship levels",
				    SOQL_MAX_HOPS);
			flags |= TF_PATH;
			i++;
			continue;
		}
		if (hops == 0 && soql_is_currency(in + s, i - s) &&
		    i + 1 < c->end && soql_isdigit((unsigned char)in[i + 1])) {
			for (i++; i < c->end &&
			    soql_isdigit((unsigned char)in[i]); i++)
				;
			money = 1;
			break;
		}
		return soql_err(c, i, "a '.' must join two names, as in "
		    "Owner.Name");
	}
	if (money || (hops == 0 && soql_is_currency(in + s, i - s)))
		flags |= TF_CURRENCY;
	else if (hops == 0 && soql_inlist(in + s, i - s, soql_datelit_n)) {
		if (i < c->end && in[i] == ':') {
			for (k = i + 1; k < c->end &&
			    soql_isdigit((unsigned char)in[k]); k++)
				;
			if (k == i + 1)
				return soql_err(c, i, "%.*s: needs a whole "
				    "number right after the colon, as in "
				    "%.*s:30", (int)(i - s), in + s,
				    (int)(i - s), in + s);
			if (k - i - 1 > SOQL_MAX_N)
				return soql_err(c, i + 1, "the number in "
				    "%.*s:n has more than %d digits",
				    (int)(i - s), in + s, SOQL_MAX_N);
			if (k < c->end && (soql_isident((unsigned char)in[k])
			    || in[k] == '.'))
				return soql_err(c, i + 1, "malformed number "
				    "after %.*s:", (int)(i - s), in + s);
			*ip = k;
			return soql_push(c, TK_DATE_N, s, k - s, 0);
		}
		k = soql_next_word(c, i, &nlen);
		if (k < c->end && in[k] == ':')
			return soql_err(c, k, "no space is allowed around the "
			    "':' of a date literal; write %.*s:30",
			    (int)(i - s), in + s);
	}
	*ip = i;
	return soql_push(c, TK_IDENT, s, i - s, flags);
}

static int
soql_digits(const char *p, size_t n)
{
	size_t	 i;
	int	 v = 0;

	for (i = 0; i < n; i++) {
		if (!soql_isdigit((unsigned char)p[i]))
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/*
 * YYYY-MM-DD, optionally followed by Thh:mm:ss[.s{1,3}] and a zone (Z,
 * +hh:mm, -hh:mm, +hhmm).  Returns the length, 0 when malformed.
 */
static size_t
soql_date_len(const char *p, size_t avail, int *is_datetime)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int	 y, m, d, hh, mm, ss;
	size_t	 n, k;

	*is_datetime = 0;
	if (avail < 10 || p[4] != '-' || p[7] != '-')
		return 0;
	if ((y = soql_digits(p, 4)) < 0 || (m = soql_digits(p + 5, 2)) < 0 ||
	    (d = soql_digits(p + 8, 2)) < 0)
		return 0;
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return 0;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 ||
	    y % 400 == 0)))
		return 0;
	n = 10;
	if (n >= avail || p[n] != 'T')
		return n;
	*is_datetime = 1;
	if (avail - n < 9 || p[n + 3] != ':' || p[n + 6] != ':')
		return 0;
	if ((hh = soql_digits(p + n + 1, 2)) < 0 ||
	    (mm = soql_digits(p + n + 4, 2)) < 0 ||
	    (ss = soql_digits(p + n + 7, 2)) < 0 ||
	    hh > 23 || mm > 59 || ss > 59)
		return 0;
	n += 9;
	if (n < avail && p[n] == '.') {
		for (k = n + 1; k < avail && soql_isdigit((unsigned char)p[k]);
		    k++)
			;
		if (k == n + 1 || k - n - 1 > 3)
			return 0;
		n = k;
	}
	if (n < avail && p[n] == 'Z')
		return n + 1;
	if (n >= avail || (p[n] != '+' && p[n] != '-'))
		return 0;
	if (avail - n >= 6 && p[n + 3] == ':') {
		hh = soql_digits(p + n + 1, 2);
		mm = soql_digits(p + n + 4, 2);
		k = 6;
	} else if (avail - n >= 5) {
		hh = soql_digits(p + n + 1, 2);
		mm = soql_digits(p + n + 3, 2);
		k = 5;
	} else
		return 0;
	if (hh < 0 || mm < 0 || hh > 23 || mm > 59)
		return 0;
	return n + k;
}

static int
soql_lex_number(struct soql_ctx *c, size_t *ip)
{
	const char	*in = c->in;
	size_t		 s = *ip, i = *ip, n;
	unsigned int	 flags = 0;
	int		 dt;

	if (in[i] == '+' || in[i] == '-') {
		flags |= TF_SIGNED;
		i++;
	}
	while (i < c->end && soql_isdigit((unsigned char)in[i]))
		i++;
	/* Four digits and a '-': SOQL has no arithmetic, so a date. */
	if (!(flags & TF_SIGNED) && i - s == 4 && i < c->end &&
	    in[i] == '-') {
		n = soql_date_len(in + s, c->end - s, &dt);
		if (n == 0 || (s + n < c->end &&
		    (soql_isident((unsigned char)in[s + n]) ||
		    in[s + n] == '.' || in[s + n] == ':')))
			return soql_err(c, s, "malformed date or datetime; "
			    "write dates as YYYY-MM-DD and datetimes as "
			    "YYYY-MM-DDThh:mm:ssZ or with an offset such as "
			    "+01:00, without quotes");
		*ip = s + n;
		return soql_push(c, dt ? TK_DATETIME : TK_DATE, s, n, 0);
	}
	if (i < c->end && in[i] == '.') {
		flags |= TF_DECIMAL;
		if (i + 1 >= c->end || !soql_isdigit((unsigned char)in[i + 1]))
			return soql_err(c, s, "malformed number");
		for (i++; i < c->end && soql_isdigit((unsigned char)in[i]); i++)
			;
	}
	if (i < c->end && (soql_isident((unsigned char)in[i]) ||
	    in[i] == '.' || in[i] == ':'))
		return soql_err(c, s, "malformed number; names cannot start "
		    "with a digit");
	if (i - s > SOQL_MAX_NUMBER)
		return soql_err(c, s, "a number is longer than %d characters",
		    SOQL_MAX_NUMBER);
	*ip = i;
	return soql_push(c, TK_NUMBER, s, i - s, flags);
}

/* Salesforce's escapes: salesforce.md 5.3.  Anything else is an error. */
static int
soql_lex_string(struct soql_ctx *c, size_t *ip)
{
	const char	*in = c->in;
	size_t		 s = *ip, i = *ip + 1, nchars = 0, k;
	unsigned int	 flags = 0;
	unsigned char	 ch, e;

	while (i < c->end) {
		ch = (unsigned char)in[i];
		if (ch == '\'') {
			if (nchars > SOQL_MAX_STRING)
				return soql_err(c, s, "a string literal is "
				    "longer than %d characters",
				    SOQL_MAX_STRING);
			*ip = i + 1;
			return soql_push(c, TK_STRING, s, i + 1 - s, flags);
		}
		nchars++;
		if (ch == '\\') {
			if (i + 1 >= c->end)
				break;
			e = (unsigned char)in[i + 1];
			switch (e) {
			case 'n': case 'N': case 'r': case 'R':
			case 't': case 'T': case 'b': case 'B':
			case 'f': case 'F': case '"': case '\'': case '\\':
				i += 2;
				continue;
			case '_': case '%':
				/* Legal in LIKE only; the parser checks. */
				flags |= TF_LIKE_ESC;
				i += 2;
				continue;
			case 'u':
				for (k = 0; k < 4; k++)
					if (i + 2 + k >= c->end ||
					    !soql_isxdigit((unsigned char)
					    in[i + 2 + k]))
						return soql_err(c, i, "\\u in "
						    "a string literal must be "
						    "followed by four hex "
						    "digits");
				i += 6;
				continue;
			default:
				if (e >= 0x21 && e < 0x7f)
					return soql_err(c, i, "bad escape "
					    "'\\%c' in a string literal; the "
					    "escapes are \\n \\r \\t \\b \\f "
					    "\\\" \\' \\\\ \\uXXXX, and \\_ \\%% "
					    "in LIKE", e);
				return soql_err(c, i, "bad escape in a string "
				    "literal: a backslash must be followed by "
				    "one of n r t b f \" ' \\ u _ %%");
			}
		}
		if ((ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') ||
		    ch == 0x7f)
			return soql_err(c, i, "control character 0x%02X in a "
			    "string literal; write it as an escape", ch);
		/* Count characters, not bytes: the limit is Salesforce's. */
		if (ch >= 0x80) {
			while (i + 1 < c->end &&
			    ((unsigned char)in[i + 1] & 0xc0) == 0x80)
				i++;
		}
		i++;
	}
	return soql_err(c, s, "unterminated string literal: the quote that "
	    "starts here is never closed (to put a quote inside a string, "
	    "write \\')");
}

static unsigned int
soql_decode(const unsigned char *p)
{
	if ((p[0] & 0xe0) == 0xc0)
		return ((p[0] & 0x1fu) << 6) | (p[1] & 0x3fu);
	if ((p[0] & 0xf0) == 0xe0)
		return ((p[0] & 0x0fu) << 12) | ((p[1] & 0x3fu) << 6) |
		    (p[2] & 0x3fu);
	return ((p[0] & 0x07u) << 18) | ((p[1] & 0x3fu) << 12) |
	    ((p[2] & 0x3fu) << 6) | (p[3] & 0x3fu);
}

static int
soql_lex(struct soql_ctx *c)
{
	const char	*in = c->in;
	size_t		 i = c->start, j, open[SOQL_MAX_DEPTH];
	int		 depth = 0;
	unsigned char	 ch, nx;

	while (i < c->end && !c->failed) {
		ch = (unsigned char)in[i];
		nx = i + 1 < c->end ? (unsigned char)in[i + 1] : 0;
		if (soql_isspace(ch)) {
			i++;
			continue;
		}
		if (ch >= 0x80)
			return soql_err(c, i, "non-ASCII character U+%04X "
			    "outside a string literal; names and keywords are "
			    "plain ASCII, so this is likely a look-alike "
			    "character", soql_decode((const unsigned char *)
			    in + i));
		if (ch < 0x20 || ch == 0x7f)
			return soql_err(c, i, "control character 0x%02X "
			    "outside a string literal", ch);
		if (soql_isalpha(ch)) {
			if (soql_lex_ident(c, &i) == -1)
				return -1;
			continue;
		}
		if (soql_isdigit(ch) || ((ch == '-' || ch == '+') &&
		    soql_isdigit(nx))) {
			if (soql_lex_number(c, &i) == -1)
				return -1;
			continue;
		}
		switch (ch) {
		case '\'':
			if (soql_lex_string(c, &i) == -1)
				return -1;
			continue;
		case '(':
			if (depth == SOQL_MAX_DEPTH)
				return soql_err(c, i, "parentheses are nested "
				    "deeper than %d levels", SOQL_MAX_DEPTH);
			open[depth++] = i;
			soql_push(c, TK_LPAREN, i, 1, 0);
			i++;
			continue;
		case ')':
			if (depth == 0)
				return soql_err(c, i, "')' has no matching "
				    "'('");
			depth--;
			soql_push(c, TK_RPAREN, i, 1, 0);
			i++;
			continue;
		case ',':
			soql_push(c, TK_COMMA, i, 1, 0);
			i++;
			continue;
		case '=':
			soql_push(c, TK_OP, i, 1, 0);
			i++;
			continue;
		case '!':
			if (nx != '=')
				break;
			soql_push(c, TK_OP, i, 2, 0);
			i += 2;
			continue;
		case '<':
			j = (nx == '=' || nx == '>') ? 2 : 1;
			soql_push(c, TK_OP, i, j, 0);
			i += j;
			continue;
		case '>':
			j = nx == '=' ? 2 : 1;
			soql_push(c, TK_OP, i, j, 0);
			i += j;
			continue;
		case ';':
			return soql_err(c, i, "';' is not allowed: only one "
			    "SELECT statement is accepted, without a "
			    "terminator");
		case '-':
			if (nx == '-')
				return soql_err(c, i, "comments ('--') are not "
				    "allowed; SOQL has no comment syntax");
			break;
		case '/':
			if (nx == '/' || nx == '*')
				return soql_err(c, i, "comments ('/%c') are "
				    "not allowed; SOQL has no comment syntax",
				    nx);
			break;
		case ':':
			for (j = i + 1; j < c->end &&
			    soql_isspace((unsigned char)in[j]); j++)
				;
			if (j < c->end && (soql_isalpha((unsigned char)in[j])
			    || in[j] == '_'))
				return soql_err(c, i, "Apex bind variables "
				    "(':name') are not allowed; write the value "
				    "as a literal");
			return soql_err(c, i, "unexpected ':'; only date "
			    "literals such as LAST_N_DAYS:30 use a colon");
		case '"':
			return soql_err(c, i, "double quotes do not delimit "
			    "strings in SOQL; use single quotes");
		default:
			break;
		}
		if (ch == '\\')
			return soql_err(c, i, "a backslash is only allowed "
			    "inside a string literal");
		return soql_err(c, i, "unexpected character '%c'", ch);
	}
	if (c->failed)
		return -1;
	if (depth > 0)
		return soql_err(c, open[depth - 1], "'(' is never closed");
	return soql_push(c, TK_EOF, c->end, 0, 0);
}

/* --------------------------------------------------------------- parser */

static struct soql_tok *
soql_cur(struct soql_ctx *c)
{
	return &c->tok[c->pos];
}

static struct soql_tok *
soql_peek(struct soql_ctx *c, size_t n)
{
	size_t	 k = c->pos + n;

	return &c->tok[k < c->ntok ? k : c->ntok - 1];
}

static void
soql_adv(struct soql_ctx *c)
{
	struct soql_tok	*t = soql_cur(c);

	if (t->type != TK_EOF) {
		c->last_end = t->off + t->len;
		c->pos++;
	}
}

static int
soql_is(struct soql_ctx *c, const struct soql_tok *t, const char *kw)
{
	return t->type == TK_IDENT && !(t->flags & TF_PATH) &&
	    soql_wordeq(c->in + t->off, t->len, kw);
}

static int
soql_accept(struct soql_ctx *c, const char *kw)
{
	if (!soql_is(c, soql_cur(c), kw))
		return 0;
	soql_adv(c);
	return 1;
}

static int
soql_accept_comma(struct soql_ctx *c)
{
	if (soql_cur(c)->type != TK_COMMA)
		return 0;
	soql_adv(c);
	return 1;
}

static int
soql_is_word_in(struct soql_ctx *c, const struct soql_tok *t,
    const char *const *list)
{
	return t->type == TK_IDENT && !(t->flags & TF_PATH) &&
	    soql_inlist(c->in + t->off, t->len, list) != NULL;
}

static int
soql_expect(struct soql_ctx *c, enum soql_tok_type type, const char *what,
    const char *ctx)
{
	struct soql_tok	*t = soql_cur(c);
	char		 b[64];

	if (t->type == type) {
		soql_adv(c);
		return 0;
	}
	return soql_err(c, t->off, "expected %s %s, found %s", what, ctx,
	    soql_desc(c, t, b, sizeof(b)));
}

static int
soql_expect_kw(struct soql_ctx *c, const char *kw, const char *ctx)
{
	struct soql_tok	*t = soql_cur(c);
	char		 b[64];

	if (soql_accept(c, kw))
		return 0;
	return soql_err(c, t->off, "expected %s %s, found %s", kw, ctx,
	    soql_desc(c, t, b, sizeof(b)));
}

/* A field name or path, never a keyword standing where a name should. */
static int
soql_parse_field(struct soql_ctx *c, const char *ctx)
{
	struct soql_tok	*t = soql_cur(c);
	char		 b[64];

	if (t->type != TK_IDENT || soql_is_word_in(c, t, soql_reserved)) {
		if (t->type == TK_STRING || t->type == TK_NUMBER)
			return soql_err(c, t->off, "expected a field name %s, "
			    "found %s; the field goes on the left, as in "
			    "Name = 'Acme'", ctx, soql_desc(c, t, b,
			    sizeof(b)));
		return soql_err(c, t->off, "expected a field name %s, found "
		    "%s", ctx, soql_desc(c, t, b, sizeof(b)));
	}
	soql_adv(c);
	return 0;
}

static int
soql_parse_name(struct soql_ctx *c, const char *what)
{
	struct soql_tok	*t = soql_cur(c);
	char		 b[64];

	if (t->type != TK_IDENT || (t->flags & TF_PATH))
		return soql_err(c, t->off, "expected %s, found %s", what,
		    soql_desc(c, t, b, sizeof(b)));
	soql_adv(c);
	return 0;
}

/* An alias: a plain name that no clause claims. */
static int
soql_at_alias(struct soql_ctx *c)
{
	struct soql_tok	*t = soql_cur(c);

	return t->type == TK_IDENT && !(t->flags & TF_PATH) &&
	    !soql_is_word_in(c, t, soql_reserved);
}

static const struct soql_func *
soql_func_find(struct soql_ctx *c, const struct soql_tok *t)
{
	size_t	 i;

	for (i = 0; i < sizeof(soql_funcs) / sizeof(soql_funcs[0]); i++)
		if (soql_wordeq(c->in + t->off, t->len, soql_funcs[i].name))
			return &soql_funcs[i];
	return NULL;
}

/* One DISTANCE() argument: a field path or GEOLOCATION(lat, lon). */
static int
soql_parse_location(struct soql_ctx *c)
{
	struct soql_tok	*t = soql_cur(c);
	char		 b[64];
	int		 i;

	if (!soql_is(c, t, "GEOLOCATION"))
		return soql_parse_field(c, "as a DISTANCE() location (a "
		    "location field or GEOLOCATION(latitude, longitude))");
	soql_adv(c);
	if (soql_expect(c, TK_LPAREN, "'('", "after GEOLOCATION") == -1)
		return -1;
	for (i = 0; i < 2; i++) {
		t = soql_cur(c);
		if (t->type != TK_NUMBER)
			return soql_err(c, t->off, "GEOLOCATION() takes two "
			    "numbers, latitude then longitude, found %s",
			    soql_desc(c, t, b, sizeof(b)));
		soql_adv(c);
		if (i == 0 && soql_expect(c, TK_COMMA, "','", "between the "
		    "latitude and the longitude") == -1)
			return -1;
	}
	return soql_expect(c, TK_RPAREN, "')'", "to close GEOLOCATION(");
}

/* DISTANCE(location, location, 'mi' | 'km'), the name already read. */
static int
soql_parse_distance(struct soql_ctx *c, const struct soql_tok *name,
    enum soql_where where)
{
	struct soql_tok	*t;

	if (where == W_GROUP || where == W_HAVING)
		return soql_err(c, name->off, "DISTANCE() is not allowed in "
		    "%s; use it in SELECT, WHERE or ORDER BY", where ==
		    W_GROUP ? "GROUP BY" : "HAVING");
	if (c->fn_depth > 0)
		return soql_err(c, name->off, "DISTANCE() cannot stand inside "
		    "another function");
	if (soql_parse_location(c) == -1 ||
	    soql_expect(c, TK_COMMA, "','", "after the first DISTANCE() "
	    "location") == -1 || soql_parse_location(c) == -1 ||
	    soql_expect(c, TK_COMMA, "','", "before the DISTANCE() unit") ==
	    -1)
		return -1;
	t = soql_cur(c);
	if (t->type != TK_STRING || (!soql_wordeq(c->in + t->off, t->len,
	    "'mi'") && !soql_wordeq(c->in + t->off, t->len, "'km'")))
		return soql_err(c, t->off, "the unit of DISTANCE() is 'mi' or "
		    "'km'");
	soql_adv(c);
	return soql_expect(c, TK_RPAREN, "')'", "to close DISTANCE(");
}

/*
 * name(arg): arg is a field path or another function.  *agg is set when
 * an aggregate function is involved; inagg refuses SUM(MAX(x)).
 */
static int
soql_parse_func(struct soql_ctx *c, struct soql_query *q,
    enum soql_where where, int nested, int inagg, int *agg)
{
	struct soql_tok			*t = soql_cur(c);
	const struct soql_func		*f;
	char				 b[64];
	int				 isagg;

	if ((t->flags & TF_PATH) || (f = soql_func_find(c, t)) == NULL)
		return soql_err(c, t->off, "unknown function %s",
		    soql_desc(c, t, b, sizeof(b)));
	soql_adv(c);
	soql_adv(c);			/* '(' checked by the caller */
	if (f->cls == FN_GEOLOCATION)
		return soql_err(c, t->off, "GEOLOCATION() is only allowed as "
		    "an argument of DISTANCE()");
	if (f->cls == FN_DISTANCE)
		return soql_parse_distance(c, t, where);
	if (f->cls == FN_FIELDS) {
		if (where != W_SELECT || nested)
			return soql_err(c, t->off, "FIELDS() is only allowed "
			    "as an item of the field list");
		t = soql_cur(c);
		if (!soql_is(c, t, "ALL") && !soql_is(c, t, "STANDARD") &&
		    !soql_is(c, t, "CUSTOM"))
			return soql_err(c, t->off, "FIELDS() takes ALL, "
			    "STANDARD or CUSTOM, not %s",
			    soql_desc(c, t, b, sizeof(b)));
		if (!soql_is(c, t, "STANDARD") && !q->fields_unbounded) {
			q->fields_unbounded = 1;
			q->fields_off = t->off;
		}
		soql_adv(c);
		return soql_expect(c, TK_RPAREN, "')'", "after FIELDS(...");
	}
	isagg = f->cls == FN_COUNT || f->cls == FN_AGG;
	if (isagg) {
		if (where == W_WHERE || where == W_GROUP)
			return soql_err(c, t->off, "aggregate functions such "
			    "as %s() are not allowed in %s; filter on them "
			    "with HAVING", f->name, where == W_WHERE ?
			    "WHERE" : "GROUP BY");
		if (inagg)
			return soql_err(c, t->off, "an aggregate function "
			    "cannot contain another one");
		if (where == W_SELECT && !q->agg_seen) {
			q->agg_seen = 1;
			q->agg_off = t->off;
		}
		*agg = 1;
	}
	if (f->cls == FN_COUNT && soql_cur(c)->type == TK_RPAREN) {
		if (where != W_SELECT || nested)
			return soql_err(c, t->off, "COUNT() without a field "
			    "is only allowed alone in the field list; use "
			    "COUNT(Id) here");
		q->count_empty++;
		q->count_off = t->off;
		soql_adv(c);
		return 0;
	}
	t = soql_cur(c);
	if (t->type == TK_IDENT && soql_peek(c, 1)->type == TK_LPAREN) {
		c->fn_depth++;
		if (soql_parse_func(c, q, where, 1, inagg || isagg, agg) == -1)
			return -1;
		c->fn_depth--;
	} else if (soql_parse_field(c, "inside the function") == -1)
		return -1;
	return soql_expect(c, TK_RPAREN, "')'", "to close the function");
}

/* TYPEOF What WHEN Account THEN Phone, Name [WHEN ...] [ELSE Name] END */
static int
soql_parse_typeof(struct soql_ctx *c)
{
	struct soql_tok	*t;
	size_t		 off = soql_cur(c)->off;
	int		 nwhen = 0;

	soql_adv(c);
	if (soql_parse_name(c, "a polymorphic field name after TYPEOF") == -1)
		return -1;
	for (;;) {
		t = soql_cur(c);
		if (soql_is(c, t, "WHEN")) {
			soql_adv(c);
			if (soql_parse_name(c, "an object name after WHEN")
			    == -1 || soql_expect_kw(c, "THEN",
			    "after the object name in TYPEOF") == -1)
				return -1;
			nwhen++;
		} else if (soql_is(c, t, "ELSE") && nwhen > 0) {
			c->se_conflict = 1;
			soql_adv(c);
		}
		else
			break;
		do {
			if (soql_parse_field(c, "in TYPEOF") == -1)
				return -1;
		} while (soql_accept_comma(c));
		/* ELSE is the last branch. */
		if (soql_is(c, t, "ELSE")) {
			t = soql_cur(c);
			if (soql_is(c, t, "WHEN") || soql_is(c, t, "ELSE"))
				return soql_err(c, t->off, "%s cannot follow "
				    "ELSE in TYPEOF", soql_is(c, t, "WHEN") ?
				    "WHEN" : "ELSE");
			break;
		}
	}
	if (nwhen == 0)
		return soql_err(c, off, "TYPEOF needs at least one "
		    "WHEN ... THEN ...");
	return soql_expect_kw(c, "END", "to close TYPEOF");
}

static int
soql_parse_child(struct soql_ctx *c, struct soql_query *outer)
{
	struct soql_query	 q;
	size_t			 off = soql_cur(c)->off;

	if (outer->kind == Q_SEMI)
		return soql_err(c, off, "a semi-join subquery cannot contain "
		    "another subquery");
	if (!soql_is(c, soql_peek(c, 1), "SELECT"))
		return soql_err(c, off, "expected a subquery (SELECT ... "
		    "FROM relationship) after '(' in the field list");
	if (outer->level + 1 > c->max_levels)
		return soql_err(c, off, "parent-to-child subqueries are nested "
		    "more than %d levels deep (the outer query is the first); "
		    "Salesforce allows %d levels from API v%d.0 and %d before, "
		    "and this server uses v%d.0", c->max_levels, SOQL_MAX_LEVELS,
		    SOQL_LEVELS_SINCE, SOQL_MAX_LEVELS_OLD, c->api_version);
	if (++c->nchild > SOQL_MAX_CHILD)
		return soql_err(c, off, "more than %d parent-to-child "
		    "subqueries", SOQL_MAX_CHILD);
	soql_adv(c);
	memset(&q, 0, sizeof(q));
	q.kind = Q_CHILD;
	q.level = outer->level + 1;
	if (soql_parse_query(c, &q) == -1)
		return -1;
	soql_adv(c);			/* ')' checked by soql_parse_query */
	return 0;
}

/* What.x or Who.x: the polymorphic lookups of Event and Task. */
static int
soql_poly_path(const char *s, size_t len)
{
	return (len > 5 && soql_wordeq(s, 5, "What.")) ||
	    (len > 4 && soql_wordeq(s, 4, "Who."));
}

static int
soql_parse_select_list(struct soql_ctx *c, struct soql_query *q)
{
	struct soql_tok	*t;
	int		 agg;

	do {
		t = soql_cur(c);
		q->nitems++;
		if (t->type == TK_LPAREN) {
			if (soql_parse_child(c, q) == -1)
				return -1;
			continue;
		}
		if (soql_is(c, t, "TYPEOF") &&
		    soql_peek(c, 1)->type == TK_IDENT) {
			if (soql_parse_typeof(c) == -1)
				return -1;
			continue;
		}
		if (t->type == TK_IDENT && soql_peek(c, 1)->type ==
		    TK_LPAREN) {
			agg = 0;
			if (soql_parse_func(c, q, W_SELECT, 0, 0, &agg) == -1)
				return -1;
			if (agg)
				q->aggregate = 1;
			/* FIELDS() takes no alias: the next word is FROM. */
			if (!soql_is(c, t, "FIELDS") && soql_at_alias(c))
				soql_adv(c);
			continue;
		}
		if ((t->flags & TF_PATH) && soql_poly_path(c->in + t->off,
		    t->len))
			c->se_conflict = 1;
		if (soql_parse_field(c, "in the field list") == -1)
			return -1;
		q->plain_items++;
		if (soql_at_alias(c)) {
			if (!q->plain_alias)
				q->alias_off = soql_cur(c)->off;
			q->plain_alias = 1;
			soql_adv(c);
		}
	} while (soql_accept_comma(c));
	return 0;
}

static int
soql_parse_value(struct soql_ctx *c, int like)
{
	struct soql_tok	*t = soql_cur(c);
	const char	*w = c->in + t->off;
	char		 b[64];

	switch (t->type) {
	case TK_STRING:
		if ((t->flags & TF_LIKE_ESC) && !like)
			return soql_err(c, t->off, "the escapes \\_ and \\%% "
			    "are only allowed in a LIKE pattern");
		/* FALLTHROUGH */
	case TK_NUMBER:
	case TK_DATE:
	case TK_DATETIME:
	case TK_DATE_N:
		soql_adv(c);
		return 0;
	case TK_IDENT:
		if (t->flags & TF_PATH)
			break;
		if (soql_wordeq(w, t->len, "TRUE") ||
		    soql_wordeq(w, t->len, "FALSE") ||
		    soql_wordeq(w, t->len, "NULL") ||
		    soql_inlist(w, t->len, soql_datelit) != NULL ||
		    (t->flags & TF_CURRENCY)) {
			soql_adv(c);
			return 0;
		}
		if (soql_inlist(w, t->len, soql_datelit_n) != NULL)
			return soql_err(c, t->off, "%.*s needs a number, as in "
			    "%.*s:30", (int)t->len, w, (int)t->len, w);
		break;
	default:
		return soql_err(c, t->off, "expected a value, found %s",
		    soql_desc(c, t, b, sizeof(b)));
	}
	return soql_err(c, t->off, "expected a literal value, found %s; "
	    "SOQL compares a field with a literal (a string, number, date, "
	    "TRUE, FALSE or NULL), not with another field",
	    soql_desc(c, t, b, sizeof(b)));
}

/* '(' already current: a literal list or a semi-join subquery. */
static int
soql_parse_in(struct soql_ctx *c, struct soql_query *q,
    enum soql_where where)
{
	struct soql_query	 sq;
	struct soql_tok		*t;

	if (soql_expect(c, TK_LPAREN, "'('", "after IN") == -1)
		return -1;
	t = soql_cur(c);
	if (soql_is(c, t, "SELECT")) {
		if (where == W_HAVING)
			return soql_err(c, t->off, "a subquery is not allowed "
			    "in HAVING");
		if (q->kind != Q_OUTER)
			return soql_err(c, t->off, "a subquery cannot contain "
			    "another subquery; only one level is allowed");
		if (++c->nsemi > SOQL_MAX_SEMI)
			return soql_err(c, t->off, "more than %d semi-join "
			    "subqueries (IN or NOT IN (SELECT ...)); "
			    "Salesforce allows %d", SOQL_MAX_SEMI,
			    SOQL_MAX_SEMI);
		c->last_semi = t->off;
		memset(&sq, 0, sizeof(sq));
		sq.kind = Q_SEMI;
		if (soql_parse_query(c, &sq) == -1)
			return -1;
		soql_adv(c);
		return 1;
	}
	for (;;) {
		if (soql_parse_value(c, 0) == -1)
			return -1;
		if (soql_cur(c)->type != TK_COMMA)
			break;
		soql_adv(c);
	}
	if (soql_expect(c, TK_RPAREN, "',' or ')'", "in the IN list") == -1)
		return -1;
	return 0;
}

static int
soql_parse_compare(struct soql_ctx *c, struct soql_query *q,
    enum soql_where where)
{
	struct soql_tok	*t = soql_cur(c), *lhs = t;
	char		 b[64], b2[64];
	int		 agg = 0;

	if (t->type == TK_IDENT && soql_peek(c, 1)->type == TK_LPAREN) {
		if (soql_parse_func(c, q, where, 1, 0, &agg) == -1)
			return -1;
	} else if (soql_parse_field(c, "in the condition") == -1)
		return -1;
	t = soql_cur(c);
	if (t->type == TK_OP) {
		soql_adv(c);
		return soql_parse_value(c, 0);
	}
	if (soql_is(c, t, "LIKE")) {
		soql_adv(c);
		t = soql_cur(c);
		if (t->type != TK_STRING)
			return soql_err(c, t->off, "LIKE needs a pattern in "
			    "single quotes, found %s",
			    soql_desc(c, t, b, sizeof(b)));
		return soql_parse_value(c, 1);
	}
	if (soql_is(c, t, "IN")) {
		soql_adv(c);
		return soql_parse_in(c, q, where);
	}
	if (soql_is(c, t, "NOT")) {
		if (!soql_is(c, soql_peek(c, 1), "IN"))
			return soql_err(c, t->off, "NOT goes before the whole "
			    "condition, as in NOT Name LIKE 'A%%'; after a "
			    "field only NOT IN is allowed");
		soql_adv(c);
		soql_adv(c);
		return soql_parse_in(c, q, where);
	}
	if (soql_is(c, t, "INCLUDES") || soql_is(c, t, "EXCLUDES")) {
		soql_adv(c);
		if (soql_expect(c, TK_LPAREN, "'('", "after INCLUDES or "
		    "EXCLUDES") == -1)
			return -1;
		for (;;) {
			t = soql_cur(c);
			if (t->type != TK_STRING)
				return soql_err(c, t->off, "INCLUDES and "
				    "EXCLUDES take strings such as 'a;b', "
				    "found %s", soql_desc(c, t, b, sizeof(b)));
			if (soql_parse_value(c, 0) == -1)
				return -1;
			if (soql_cur(c)->type != TK_COMMA)
				break;
			soql_adv(c);
		}
		return soql_expect(c, TK_RPAREN, "',' or ')'",
		    "in the INCLUDES or EXCLUDES list");
	}
	return soql_err(c, t->off, "expected a comparison (=, !=, <, <=, >, "
	    ">=, LIKE, IN, NOT IN, INCLUDES, EXCLUDES) after %s, found %s",
	    soql_desc(c, lhs, b2, sizeof(b2)), soql_desc(c, t, b, sizeof(b)));
}

/* Returns the number of semi-joins below, or -1. */
static int
soql_parse_unary(struct soql_ctx *c, struct soql_query *q,
    enum soql_where where)
{
	struct soql_tok	*t = soql_cur(c);
	int		 n;

	if (soql_is(c, t, "NOT")) {
		if (++c->notdepth > SOQL_MAX_DEPTH)
			return soql_err(c, t->off, "NOT is nested deeper than "
			    "%d levels", SOQL_MAX_DEPTH);
		soql_adv(c);
		if ((n = soql_parse_unary(c, q, where)) == -1)
			return -1;
		if (n > 0)
			return soql_err(c, c->last_semi, "a semi-join "
			    "subquery cannot stand under NOT; Salesforce "
			    "allows semi-joins only at the top level of "
			    "WHERE, so use NOT IN (SELECT ...)");
		c->notdepth--;
		return 0;
	}
	if (t->type == TK_LPAREN) {
		soql_adv(c);
		if ((n = soql_parse_cond(c, q, where)) == -1)
			return -1;
		if (soql_expect(c, TK_RPAREN, "')' or AND or OR",
		    "in the condition") == -1)
			return -1;
		return n;
	}
	return soql_parse_compare(c, q, where);
}

static int
soql_parse_cond(struct soql_ctx *c, struct soql_query *q,
    enum soql_where where)
{
	struct soql_tok	*t;
	int		 n, m, conn = 0, k;

	if ((n = soql_parse_unary(c, q, where)) == -1)
		return -1;
	for (;;) {
		t = soql_cur(c);
		if (soql_is(c, t, "AND"))
			k = 1;
		else if (soql_is(c, t, "OR"))
			k = 2;
		else
			break;
		/* Salesforce has no precedence between them. */
		if (conn != 0 && conn != k)
			return soql_err(c, t->off, "AND and OR cannot be mixed "
			    "at one level; add parentheses, as in (A AND B) "
			    "OR C");
		conn = k;
		soql_adv(c);
		if ((m = soql_parse_unary(c, q, where)) == -1)
			return -1;
		n += m;
	}
	if (conn == 2 && n > 0)
		return soql_err(c, c->last_semi, "a semi-join subquery "
		    "cannot stand inside OR; Salesforce allows semi-joins "
		    "only at the top level of WHERE, joined with AND");
	return n;
}

static int
soql_parse_group_item(struct soql_ctx *c, struct soql_query *q)
{
	int	 agg = 0;

	if (soql_cur(c)->type == TK_IDENT &&
	    soql_peek(c, 1)->type == TK_LPAREN)
		return soql_parse_func(c, q, W_GROUP, 1, 0, &agg);
	return soql_parse_field(c, "in GROUP BY");
}

static int
soql_parse_group(struct soql_ctx *c, struct soql_query *q)
{
	struct soql_tok	*t = soql_cur(c);
	int		 sub;

	if (q->kind != Q_OUTER)
		return soql_err(c, t->off, "GROUP BY is not allowed in a "
		    "subquery");
	soql_adv(c);
	if (soql_expect_kw(c, "BY", "after GROUP") == -1)
		return -1;
	q->grouped = 1;
	t = soql_cur(c);
	sub = (soql_is(c, t, "ROLLUP") || soql_is(c, t, "CUBE")) &&
	    soql_peek(c, 1)->type == TK_LPAREN;
	if (sub) {
		soql_adv(c);
		soql_adv(c);
	}
	for (;;) {
		if (soql_parse_group_item(c, q) == -1)
			return -1;
		if (soql_cur(c)->type != TK_COMMA)
			break;
		soql_adv(c);
	}
	if (sub && soql_expect(c, TK_RPAREN, "')'", "to close ROLLUP or "
	    "CUBE") == -1)
		return -1;
	if (soql_accept(c, "HAVING") &&
	    soql_parse_cond(c, q, W_HAVING) == -1)
		return -1;
	return 0;
}

static int
soql_parse_order(struct soql_ctx *c, struct soql_query *q)
{
	struct soql_tok	*t = soql_cur(c);
	char		 b[64];
	int		 agg;

	if (q->kind == Q_SEMI)
		return soql_err(c, t->off, "ORDER BY is not allowed in a "
		    "semi-join subquery");
	soql_adv(c);
	if (soql_expect_kw(c, "BY", "after ORDER") == -1)
		return -1;
	for (;;) {
		t = soql_cur(c);
		agg = 0;
		if (t->type == TK_IDENT && soql_peek(c, 1)->type ==
		    TK_LPAREN) {
			if (soql_parse_func(c, q, W_ORDER, 1, 0, &agg) == -1)
				return -1;
		} else if (soql_parse_field(c, "in ORDER BY") == -1)
			return -1;
		if (!soql_accept(c, "ASC"))
			soql_accept(c, "DESC");
		if (soql_accept(c, "NULLS")) {
			t = soql_cur(c);
			if (!soql_accept(c, "FIRST") && !soql_accept(c, "LAST"))
				return soql_err(c, t->off, "NULLS must be "
				    "followed by FIRST or LAST, not %s",
				    soql_desc(c, t, b, sizeof(b)));
		}
		if (soql_cur(c)->type != TK_COMMA)
			break;
		soql_adv(c);
	}
	return 0;
}

/* LIMIT and OFFSET: a whole number written without sign or fraction. */
static int
soql_parse_count(struct soql_ctx *c, const char *kw, long max, long *out)
{
	struct soql_tok	*t;
	const char	*p;
	char		 b[64];
	long		 v = 0;
	size_t		 i;

	soql_adv(c);
	t = soql_cur(c);
	p = c->in + t->off;
	if (t->type != TK_NUMBER || (t->flags & (TF_SIGNED | TF_DECIMAL)))
		return soql_err(c, t->off, "%s must be followed by a "
		    "non-negative whole number, found %s", kw,
		    soql_desc(c, t, b, sizeof(b)));
	for (i = 0; i < t->len; i++) {
		if (v > (max - (p[i] - '0')) / 10)
			return soql_err(c, t->off, "%s cannot exceed %ld", kw,
			    max);
		v = v * 10 + (p[i] - '0');
	}
	soql_adv(c);
	*out = v;
	return 0;
}

static int
soql_parse_with(struct soql_ctx *c, struct soql_query *q)
{
	struct soql_tok	*t = soql_cur(c);
	char		 b[64];

	if (q->kind != Q_OUTER)
		return soql_err(c, t->off, "WITH is only allowed in the "
		    "outer query, not in a subquery");
	soql_adv(c);
	t = soql_cur(c);
	if (soql_is(c, t, "DATA"))
		return soql_err(c, t->off, "WITH DATA CATEGORY is not "
		    "supported; it filters Knowledge articles, which this "
		    "server does not read");
	if (!soql_is(c, t, "SECURITY_ENFORCED") && !soql_is(c, t,
	    "USER_MODE"))
		return soql_err(c, t->off, "expected SECURITY_ENFORCED or "
		    "USER_MODE after WITH, found %s; no other WITH clause is "
		    "accepted", soql_desc(c, t, b, sizeof(b)));
	soql_adv(c);
	q->has_with = 1;
	t = soql_cur(c);
	if (soql_is(c, t, "WITH"))
		return soql_err(c, t->off, "only one WITH clause is allowed");
	return 0;
}

/* What stands where the statement (or subquery) should end. */
static int
soql_trailing(struct soql_ctx *c, struct soql_query *q)
{
	struct soql_tok	*t = soql_cur(c);
	char		 b[64];

	if (q->kind == Q_OUTER && t->type == TK_EOF)
		return 0;
	if (q->kind != Q_OUTER && t->type == TK_RPAREN)
		return 0;
	if (soql_is(c, t, "WITH"))
		return soql_err(c, t->off, "WITH is out of place: it must "
		    "come right after FROM or WHERE, before GROUP BY, ORDER "
		    "BY, LIMIT and OFFSET");
	if (soql_is(c, t, "SELECT"))
		return soql_err(c, t->off, "a second statement is not "
		    "allowed; only one SELECT is accepted");
	if (soql_is(c, t, "HAVING") && !q->grouped)
		return soql_err(c, t->off, "HAVING needs a GROUP BY before "
		    "it");
	if (soql_is(c, t, "WHERE") || soql_is(c, t, "GROUP") ||
	    soql_is(c, t, "HAVING") || soql_is(c, t, "ORDER") ||
	    soql_is(c, t, "LIMIT") || soql_is(c, t, "OFFSET") ||
	    soql_is(c, t, "USING"))
		return soql_err(c, t->off, "%s is out of place; the clauses "
		    "go in the order FROM, USING SCOPE, WHERE, WITH, GROUP BY, "
		    "HAVING, ORDER BY, LIMIT, OFFSET, each at most once",
		    soql_desc(c, t, b, sizeof(b)));
	if (t->type == TK_COMMA && q->kind == Q_OUTER)
		return soql_err(c, t->off, "unexpected ','; a FROM clause "
		    "names one object only");
	if (q->kind != Q_OUTER)
		return soql_err(c, t->off, "expected ')' to close the "
		    "subquery, found %s", soql_desc(c, t, b, sizeof(b)));
	return soql_err(c, t->off, "extra text after the end of the query: "
	    "%s", soql_desc(c, t, b, sizeof(b)));
}

/* Objects refused inside a semi-join, with the Tag family. */
static int
soql_nosemi_object(const char *s, size_t len)
{
	size_t	 i;

	if (soql_inlist(s, len, soql_nosemi) != NULL)
		return 1;
	if (len > 3 && soql_wordeq(s + len - 3, 3, "Tag")) {
		for (i = 0; i + 1 < len; i++)
			if (s[i] == '_' && s[i + 1] == '_')
				return 0;
		return 1;
	}
	return 0;
}

static int
soql_parse_query(struct soql_ctx *c, struct soql_query *q)
{
	struct soql_tok	*t = soql_cur(c), *obj;
	char		 b[64];

	if (!soql_accept(c, "SELECT"))
		return soql_err(c, t->off, "only SELECT statements are "
		    "accepted; this one starts with %s",
		    soql_desc(c, t, b, sizeof(b)));
	t = soql_cur(c);
	if (soql_is(c, t, "FROM"))
		return soql_err(c, t->off, "the field list is empty");
	if (soql_parse_select_list(c, q) == -1)
		return -1;
	if (soql_expect_kw(c, "FROM", "after the field list") == -1)
		return -1;
	obj = soql_cur(c);
	if (obj->type != TK_IDENT || (obj->flags & TF_PATH) ||
	    soql_is_word_in(c, obj, soql_clause))
		return soql_err(c, obj->off, "expected an object name after "
		    "FROM, found %s", soql_desc(c, obj, b, sizeof(b)));
	soql_adv(c);
	q->obj_off = obj->off;
	q->obj_len = obj->len;
	if (q->kind == Q_OUTER) {
		c->outer_off = obj->off;
		c->outer_len = obj->len;
	}
	if (soql_at_alias(c))
		soql_adv(c);
	t = soql_cur(c);
	if (t->type == TK_COMMA)
		return soql_err(c, t->off, "FROM names more than one object; "
		    "only one object is accepted");
	if (soql_accept(c, "USING")) {
		if (soql_expect_kw(c, "SCOPE", "after USING") == -1 ||
		    soql_parse_name(c, "a scope name after USING SCOPE") == -1)
			return -1;
	}
	if (soql_accept(c, "WHERE") && soql_parse_cond(c, q, W_WHERE) == -1)
		return -1;
	q->fls_pos = c->last_end;
	if (soql_is(c, soql_cur(c), "WITH") && soql_parse_with(c, q) == -1)
		return -1;
	if (soql_is(c, soql_cur(c), "GROUP") && soql_parse_group(c, q) == -1)
		return -1;
	if (soql_is(c, soql_cur(c), "ORDER") && soql_parse_order(c, q) == -1)
		return -1;
	q->limit_pos = c->last_end;
	t = soql_cur(c);
	if (soql_is(c, t, "LIMIT")) {
		if (q->kind == Q_SEMI)
			return soql_err(c, t->off, "LIMIT is not allowed in a "
			    "semi-join subquery");
		q->has_limit = 1;
		q->limit_off = t->off;
		if (soql_parse_count(c, "LIMIT", SOQL_MAX_LIMIT, &q->limit)
		    == -1)
			return -1;
	}
	t = soql_cur(c);
	if (soql_is(c, t, "OFFSET")) {
		long	 off;

		if (q->kind != Q_OUTER)
			return soql_err(c, t->off, "OFFSET is not allowed in "
			    "a subquery");
		if (soql_parse_count(c, "OFFSET", SOQL_MAX_OFFSET, &off) == -1)
			return -1;
	}
	if (soql_trailing(c, q) == -1)
		return -1;

	/* Rules over the whole query, checked once it is all read. */
	if (q->count_empty > 0 && q->nitems > 1)
		return soql_err(c, q->count_off, "COUNT() must be the only "
		    "item in the field list; use COUNT(Id) with other items");
	if (q->count_empty > 0 && q->grouped)
		return soql_err(c, q->count_off, "COUNT() cannot be used with "
		    "GROUP BY; use COUNT(Id)");
	if (q->aggregate && q->count_empty == 0 && q->has_limit &&
	    !q->grouped)
		return soql_err(c, q->limit_off, "LIMIT is not allowed here: "
		    "you must use a GROUP BY clause if your query has a LIMIT "
		    "clause and an aggregated function");
	if (q->plain_alias && !q->grouped)
		return soql_err(c, q->alias_off, "an alias on a plain field is "
		    "only allowed in a GROUP BY query; is a comma missing?");
	if (q->kind == Q_OUTER && q->fields_unbounded) {
		long	 sent = q->has_limit ? q->limit : (c->default_limit > 0 &&
		    !q->aggregate ? c->default_limit : -1);

		if (sent < 0 || sent > SOQL_FIELDS_MAX_LIMIT)
			return soql_err(c, q->fields_off, "FIELDS(%s) needs "
			    "LIMIT %d or less (Salesforce refuses an unbounded "
			    "set of fields otherwise); %s, or name the fields, "
			    "or use FIELDS(STANDARD)", soql_wordeq(c->in +
			    q->fields_off, 3, "ALL") ? "ALL" : "CUSTOM",
			    SOQL_FIELDS_MAX_LIMIT, sent < 0 ? "add LIMIT 200" :
			    "lower the LIMIT");
	}
	if (q->kind == Q_CHILD && q->aggregate)
		return soql_err(c, q->agg_off, "aggregate functions are "
		    "not allowed in a parent-to-child subquery");
	if (q->kind == Q_SEMI) {
		if (q->nitems != 1 || q->plain_items != 1 || q->aggregate)
			return soql_err(c, q->obj_off, "a semi-join subquery "
			    "must select exactly one field, such as "
			    "(SELECT AccountId FROM Opportunity)");
		if (soql_nosemi_object(c->in + q->obj_off, q->obj_len))
			return soql_err(c, q->obj_off, "Entity '%.*s' is not "
			    "supported for semi join inner selects; query it "
			    "separately", (int)q->obj_len, c->in + q->obj_off);
		if (soql_sameword(c->in + q->obj_off, q->obj_len,
		    c->in + c->outer_off, c->outer_len))
			return soql_err(c, q->obj_off, "the inner and outer "
			    "selects should not be on the same object type");
	}
	return 0;
}

/* ------------------------------------------------------------------ api */

int
soql_rewrite(const char *in, size_t len, const struct soql_opts *opts,
    char **out, struct soql_info *info, char *errbuf, size_t errlen)
{
	struct soql_ctx		 c;
	struct soql_query	 q;
	struct soql_info	 dummy;
	struct {
		size_t	 pos;
		char	 text[40];
	}			 ins[2];
	size_t			 nins = 0, i, olen, o, from;
	enum soql_fls		 fls = opts != NULL ? opts->fls :
				    SOQL_FLS_NONE;
	long			 deflimit = opts != NULL ?
				    opts->default_limit : 0;
	char			*res;
	int			 r;

	*out = NULL;
	if (info == NULL)
		info = &dummy;
	memset(info, 0, sizeof(*info));
	info->limit = -1;
	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';
	memset(&c, 0, sizeof(c));
	c.in = in;
	c.err = errbuf;
	c.errlen = errlen;
	if (in == NULL)
		len = 0;
	if (len > SF_MAX_SOQL)
		return soql_err_noat(&c, "the query is %zu bytes long; at most "
		    "%d bytes are accepted", len, SF_MAX_SOQL);
	if (soql_scan_bytes(&c, len) == -1)
		return -1;
	c.start = 0;
	c.end = len;
	while (c.start < c.end && soql_isspace((unsigned char)in[c.start]))
		c.start++;
	while (c.end > c.start && soql_isspace((unsigned char)in[c.end - 1]))
		c.end--;
	if (c.start == c.end)
		return soql_err_noat(&c, "the query is empty; send one SELECT "
		    "statement");
	c.last_end = c.start;

	c.api_version = opts != NULL && opts->api_version > 0 ?
	    opts->api_version : SOQL_API_DEFAULT;
	c.max_levels = c.api_version >= SOQL_LEVELS_SINCE ? SOQL_MAX_LEVELS :
	    SOQL_MAX_LEVELS_OLD;
	c.default_limit = deflimit;
	memset(&q, 0, sizeof(q));
	q.kind = Q_OUTER;
	q.level = 1;
	r = soql_lex(&c);
	if (r == 0)
		r = soql_parse_query(&c, &q);
	free(c.tok);
	if (r == -1 || c.failed)
		return -1;

	if (q.obj_len > SF_MAX_NAME)	/* the lexer already bounds names */
		return soql_err(&c, q.obj_off, "the object name is too long");
	memcpy(info->object, in + q.obj_off, q.obj_len);
	info->object[q.obj_len] = '\0';
	info->aggregate = q.aggregate;
	info->count_only = q.count_empty > 0;
	info->grouped = q.grouped;
	info->has_limit = q.has_limit;
	info->se_conflict = c.se_conflict;
	if (q.has_limit)
		info->limit = q.limit;

	/* WITH first: it sits before (or where) LIMIT goes. */
	if ((fls == SOQL_FLS_SECURITY_ENFORCED || fls == SOQL_FLS_USER_MODE) &&
	    !q.has_with) {
		ins[nins].pos = q.fls_pos;
		snprintf(ins[nins].text, sizeof(ins[nins].text), " WITH %s",
		    fls == SOQL_FLS_USER_MODE ? "USER_MODE" :
		    "SECURITY_ENFORCED");
		nins++;
		info->fls_added = 1;
	}
	/* Salesforce refuses LIMIT on COUNT() and on ungrouped aggregates. */
	if (deflimit > 0 && !q.has_limit && !info->count_only &&
	    !(q.aggregate && !q.grouped)) {
		ins[nins].pos = q.limit_pos;
		snprintf(ins[nins].text, sizeof(ins[nins].text), " LIMIT %ld",
		    deflimit);
		nins++;
		info->limit = deflimit;
		info->limit_added = 1;
	}

	/*
	 * Each insertion begins with a space; it ends with one too when the
	 * statement goes on right after it ('x'LIMIT 5 is valid SOQL, and
	 * must not become ... WITH SECURITY_ENFORCEDLIMIT 5).
	 */
	olen = c.end - c.start;
	for (i = 0; i < nins; i++)
		olen += strlen(ins[i].text) + 1;
	res = xmalloc(olen + 1);
	o = 0;
	from = c.start;
	for (i = 0; i < nins; i++) {
		memcpy(res + o, in + from, ins[i].pos - from);
		o += ins[i].pos - from;
		memcpy(res + o, ins[i].text, strlen(ins[i].text));
		o += strlen(ins[i].text);
		if (ins[i].pos < c.end && in[ins[i].pos] != ' ' &&
		    in[ins[i].pos] != '\t' && in[ins[i].pos] != '\n' &&
		    in[ins[i].pos] != '\r' && (i + 1 >= nins ||
		    ins[i + 1].pos != ins[i].pos))
			res[o++] = ' ';
		from = ins[i].pos;
	}
	memcpy(res + o, in + from, c.end - from);
	o += c.end - from;
	res[o] = '\0';
	*out = res;
	return 0;
}

/*
 * Backslash first so the escapes we add are not escaped again (a single
 * pass gives the same result).  Other control characters become \uXXXX
 * so that soql_rewrite(), which refuses raw control bytes, accepts every
 * literal built with this function.
 */
char *
soql_quote(const char *s)
{
	size_t		 len = strlen(s), i, o = 0;
	unsigned char	 ch;
	char		*r;

	if (len > (SIZE_MAX - 1) / 6)
		fatalx("soql_quote: string too long");
	r = xmalloc(len * 6 + 1);
	for (i = 0; i < len; i++) {
		ch = (unsigned char)s[i];
		switch (ch) {
		case '\\': r[o++] = '\\'; r[o++] = '\\'; break;
		case '\'': r[o++] = '\\'; r[o++] = '\''; break;
		case '\n': r[o++] = '\\'; r[o++] = 'n'; break;
		case '\r': r[o++] = '\\'; r[o++] = 'r'; break;
		case '\t': r[o++] = '\\'; r[o++] = 't'; break;
		case '\b': r[o++] = '\\'; r[o++] = 'b'; break;
		case '\f': r[o++] = '\\'; r[o++] = 'f'; break;
		case '"': r[o++] = '\\'; r[o++] = '"'; break;
		default:
			if (ch < 0x20 || ch == 0x7f) {
				snprintf(r + o, 7, "\\u%04X", ch);
				o += 6;
			} else
				r[o++] = (char)ch;
			break;
		}
	}
	r[o] = '\0';
	return r;
}

enum soql_fls
soql_fls_mode(const char *setting)
{
	if (setting == NULL || strcmp(setting, "auto") == 0)
		return SOQL_FLS_AUTO;
	if (strcmp(setting, "user_mode") == 0)
		return SOQL_FLS_USER_MODE;
	if (strcmp(setting, "none") == 0)
		return SOQL_FLS_NONE;
	return SOQL_FLS_SECURITY_ENFORCED;
}
