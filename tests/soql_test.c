/*
 * soql_test.c: the SOQL guard.
 *
 * Most cases live in tests/soql_cases.txt (format described at its top);
 * this program runs them, one TAP line each, then adds what is easier
 * to build in C: inputs at and over the size, token and nesting limits,
 * a keyword or separator inserted at every position of real queries,
 * soql_quote() vectors and round trips, and a mutation run that only
 * has to stay memory-safe (run it under ASan or valgrind).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfrevops.h"
#include "soql.h"
#include "tap.h"

#define ERRLEN	512	/* what the front and the broker give the guard */

struct tcase {
	int		 line;
	int		 expect_ok;
	char		*in;
	size_t		 inlen;
	char		*want;		/* output, or a substring of the error */
	size_t		 wantlen;
	char		*info;		/* "key=value ..." or NULL */
	enum soql_fls	 fls;
	long		 limit;
	int		 api;		/* opts.api_version; 0: the default */
};

static const char *
fls_name(enum soql_fls f)
{
	return f == SOQL_FLS_USER_MODE ? "user" : f == SOQL_FLS_NONE ?
	    "none" : "se";
}

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* \xHH and \\ only; anything else after a backslash is a file error. */
static char *
unescape(const char *s, size_t *lenp, int line)
{
	size_t	 len = strlen(s), i, o = 0;
	char	*r = xmalloc(len + 1);
	int	 hi, lo;

	for (i = 0; i < len; i++) {
		if (s[i] != '\\') {
			r[o++] = s[i];
			continue;
		}
		if (s[i + 1] == '\\') {
			r[o++] = '\\';
			i++;
			continue;
		}
		if (s[i + 1] == 'x' && (hi = hexval(s[i + 2])) >= 0 &&
		    (lo = hexval(s[i + 3])) >= 0) {
			r[o++] = (char)(hi * 16 + lo);
			i += 3;
			continue;
		}
		fprintf(stderr, "soql_cases.txt:%d: bad escape\n", line);
		exit(2);
	}
	r[o] = '\0';
	*lenp = o;
	return r;
}

static int
info_field(const struct soql_info *info, const char *key, const char *val)
{
	long	 v = strtol(val, NULL, 10);

	if (strcmp(key, "object") == 0)
		return strcmp(info->object, val) == 0;
	if (strcmp(key, "aggregate") == 0)
		return info->aggregate == v;
	if (strcmp(key, "count_only") == 0)
		return info->count_only == v;
	if (strcmp(key, "grouped") == 0)
		return info->grouped == v;
	if (strcmp(key, "has_limit") == 0)
		return info->has_limit == v;
	if (strcmp(key, "limit") == 0)
		return info->limit == v;
	if (strcmp(key, "fls_added") == 0)
		return info->fls_added == v;
	if (strcmp(key, "limit_added") == 0)
		return info->limit_added == v;
	if (strcmp(key, "se_conflict") == 0)
		return info->se_conflict == v;
	fprintf(stderr, "soql_cases.txt: unknown info key %s\n", key);
	exit(2);
}

/* Every key=value in spec must hold; the first one that does not, wins. */
static int
info_match(const struct soql_info *info, const char *spec, char *bad,
    size_t badlen)
{
	char	*copy = xstrdup(spec), *p = copy, *kv, *eq;
	int	 ok_ = 1;

	while ((kv = strsep(&p, " ")) != NULL) {
		if (*kv == '\0')
			continue;
		if ((eq = strchr(kv, '=')) == NULL) {
			fprintf(stderr, "soql_cases.txt: bad info %s\n", kv);
			exit(2);
		}
		*eq = '\0';
		if (!info_field(info, kv, eq + 1)) {
			snprintf(bad, badlen, "%s != %s", kv, eq + 1);
			ok_ = 0;
			break;
		}
	}
	free(copy);
	return ok_;
}

/* The parts of want, split at " ... ", appear in err in that order. */
static int
contains_all(const char *err, const char *want)
{
	const char	*p = err, *w = want, *sep, *hit;
	size_t		 n;
	char		 part[ERRLEN];

	for (;;) {
		sep = strstr(w, " ... ");
		n = sep != NULL ? (size_t)(sep - w) : strlen(w);
		if (n >= sizeof(part))
			return 0;
		memcpy(part, w, n);
		part[n] = '\0';
		if ((hit = strstr(p, part)) == NULL)
			return 0;
		p = hit + n;
		if (sep == NULL)
			return 1;
		w = sep + 5;
	}
}

static void
run_case(const struct tcase *tc)
{
	struct soql_opts	 opts;
	struct soql_info	 info, info2;
	char			 err[ERRLEN], err2[ERRLEN], bad[128];
	char			*out = NULL, *out2 = NULL;
	int			 r, r2, good;

	memset(&opts, 0, sizeof(opts));
	opts.fls = tc->fls;
	opts.default_limit = tc->limit;
	opts.api_version = tc->api;
	memset(&info, 0xa5, sizeof(info));	/* must all be overwritten */
	r = soql_rewrite(tc->in, tc->inlen, &opts, &out, &info, err,
	    sizeof(err));
	bad[0] = '\0';
	if (tc->expect_ok) {
		good = r == 0 && out != NULL && strcmp(out, tc->want) == 0;
		if (good && tc->info != NULL)
			good = info_match(&info, tc->info, bad, sizeof(bad));
		/*
		 * Idempotent: what we send is accepted again and gets
		 * nothing more.  This is what proves WITH and LIMIT went
		 * where the grammar wants them.
		 */
		if (good) {
			r2 = soql_rewrite(out, strlen(out), &opts, &out2,
			    &info2, err2, sizeof(err2));
			good = r2 == 0 && strcmp(out2, out) == 0 &&
			    !info2.fls_added && !info2.limit_added;
			if (!good)
				snprintf(bad, sizeof(bad), "not idempotent");
		}
		ok(good, "line %d (%s/%ld): accepted: %.60s%s", tc->line,
		    fls_name(tc->fls), tc->limit, tc->in,
		    tc->inlen > 60 ? "..." : "");
		if (!good) {
			printf("#   got:  %s\n#   want: %s\n", r == 0 ? out :
			    err, tc->want);
			if (bad[0] != '\0')
				printf("#   %s\n", bad);
		}
	} else {
		good = r == -1 && out == NULL &&
		    strncmp(err, "query refused: ", 15) == 0 &&
		    contains_all(err, tc->want) &&
		    strchr(err, '\n') == NULL &&
		    strlen(err) < sizeof(err) - 1;
		ok(good, "line %d: refused: %s", tc->line, r == -1 ? err :
		    "(accepted)");
		if (!good)
			printf("#   got:  %s\n#   want substring: %s\n",
			    r == 0 ? out : err, tc->want);
	}
	free(out);
	free(out2);
}

static char *
chomp(char *s)
{
	size_t	 n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

static int
run_file(void)
{
	const char	*top = getenv("top_srcdir");
	char		*path, *line = NULL, *next = NULL;
	size_t		 cap = 0, cap2 = 0;
	FILE		*fp;
	struct tcase	 tc;
	enum soql_fls	 fls = SOQL_FLS_SECURITY_ENFORCED;
	long		 limit = SF_MAX_ROWS;
	int		 api = 0;
	int		 lineno = 0, x, n = 0;

	if (top != NULL)
		xasprintf(&path, "%s/tests/soql_cases.txt", top);
	else
		path = xstrdup("tests/soql_cases.txt");
	if ((fp = fopen(path, "r")) == NULL) {
		ok(0, "open %s", path);
		free(path);
		return 0;
	}
	while (getline(&line, &cap, fp) != -1) {
		lineno++;
		chomp(line);
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if (strncmp(line, "@fls ", 5) == 0) {
			fls = strcmp(line + 5, "user") == 0 ?
			    SOQL_FLS_USER_MODE : strcmp(line + 5, "none") == 0 ?
			    SOQL_FLS_NONE : SOQL_FLS_SECURITY_ENFORCED;
			continue;
		}
		if (strncmp(line, "@limit ", 7) == 0) {
			limit = strtol(line + 7, NULL, 10);
			continue;
		}
		if (strncmp(line, "@api ", 5) == 0) {
			api = (int)strtol(line + 5, NULL, 10);
			continue;
		}
		memset(&tc, 0, sizeof(tc));
		tc.line = lineno;
		tc.fls = fls;
		tc.limit = limit;
		tc.api = api;
		if (strncmp(line, "ok ", 3) == 0 ||
		    strncmp(line, "okx ", 4) == 0) {
			tc.expect_ok = 1;
			x = line[2] == 'x';
		} else if (strncmp(line, "no ", 3) == 0 ||
		    strncmp(line, "nox ", 4) == 0) {
			x = line[2] == 'x';
		} else {
			fprintf(stderr, "%s:%d: unknown line\n", path, lineno);
			exit(2);
		}
		if (x)
			tc.in = unescape(line + 4, &tc.inlen, lineno);
		else {
			tc.in = xstrdup(line + 3);
			tc.inlen = strlen(tc.in);
		}
		if (getline(&next, &cap2, fp) == -1 ||
		    strncmp(next, tc.expect_ok ? "=> " : "!! ", 3) != 0) {
			fprintf(stderr, "%s:%d: expected '%s' after the case\n",
			    path, lineno, tc.expect_ok ? "=>" : "!!");
			exit(2);
		}
		lineno++;
		chomp(next);
		tc.want = x ? unescape(next + 3, &tc.wantlen, lineno) :
		    xstrdup(next + 3);
		if (tc.expect_ok) {
			int c = fgetc(fp);

			/* An optional ":: key=value ..." line. */
			if (c == ':') {
				if (getline(&next, &cap2, fp) == -1) {
					fprintf(stderr, "%s: eof\n", path);
					exit(2);
				}
				lineno++;
				chomp(next);
				tc.info = xstrdup(next + 2);
			} else if (c != EOF)
				ungetc(c, fp);
		}
		run_case(&tc);
		n++;
		free(tc.in);
		free(tc.want);
		free(tc.info);
	}
	free(line);
	free(next);
	fclose(fp);
	free(path);
	return n;
}

/* -------------------------------------------------------- C-built cases */

static int
try(const char *in, size_t len, enum soql_fls fls, long limit, char **out,
    char *err)
{
	struct soql_opts	 opts;
	struct soql_info	 info;

	memset(&opts, 0, sizeof(opts));
	opts.fls = fls;
	opts.default_limit = limit;
	*out = NULL;
	return soql_rewrite(in, len, &opts, out, &info, err, ERRLEN);
}

static void
refused(const char *in, size_t len, const char *want, const char *what)
{
	char	 err[ERRLEN], *out;
	int	 r;

	r = try(in, len, SOQL_FLS_SECURITY_ENFORCED, 200, &out, err);
	ok(r == -1 && out == NULL && strstr(err, want) != NULL,
	    "%s: %s", what, r == -1 ? err : "(accepted)");
	free(out);
}

static void
test_sizes(void)
{
	const char	*head = "SELECT Id FROM Account WHERE Name = 'x' "
			    "WITH SECURITY_ENFORCED   ";
	char	*q, *out, err[ERRLEN];
	size_t	 n, i;
	int	 r;

	/* Exactly SF_MAX_SOQL bytes: accepted, padding kept in place. */
	q = xmalloc(SF_MAX_SOQL + 2);
	n = (size_t)snprintf(q, SF_MAX_SOQL + 2,
	    "SELECT Id FROM Account WHERE Name = 'x'");
	memset(q + n, ' ', SF_MAX_SOQL - n);
	q[SF_MAX_SOQL] = '\0';
	memcpy(q + SF_MAX_SOQL - 8, "LIMIT 10", 8);
	r = try(q, SF_MAX_SOQL, SOQL_FLS_SECURITY_ENFORCED, 200, &out, err);
	ok(r == 0 && strncmp(out, head, strlen(head)) == 0 &&
	    strcmp(out + SF_MAX_SOQL + 15, "LIMIT 10") == 0 &&
	    strlen(out) == SF_MAX_SOQL + 23, "%d bytes accepted", SF_MAX_SOQL);
	free(out);

	/* One more byte: refused before anything else is looked at. */
	q[SF_MAX_SOQL] = ' ';
	q[SF_MAX_SOQL + 1] = '\0';
	refused(q, SF_MAX_SOQL + 1, "is 20001 bytes long; at most 20000",
	    "20001 bytes refused");
	refused(q, SIZE_MAX, "at most 20000", "SIZE_MAX length refused");
	free(q);

	/* Long strings, in 4000-character pieces, up to the limit. */
	q = xmalloc(SF_MAX_SOQL + 1);
	n = (size_t)snprintf(q, SF_MAX_SOQL + 1, "SELECT Id FROM Account "
	    "WHERE Name IN (");
	for (i = 0; i < 4; i++) {
		q[n++] = '\'';
		memset(q + n, 'a' + (int)i, 4000);
		n += 4000;
		q[n++] = '\'';
		q[n++] = ',';
	}
	q[n - 1] = ')';
	q[n] = '\0';
	r = try(q, n, SOQL_FLS_NONE, 0, &out, err);
	ok(r == 0 && strcmp(out, q) == 0, "four 4000-character strings "
	    "accepted unchanged (%zu bytes)", n);
	free(out);
	/* 4001 characters in one literal. */
	n = (size_t)snprintf(q, SF_MAX_SOQL + 1, "SELECT Id FROM Account "
	    "WHERE Name = '");
	memset(q + n, 'z', 4001);
	n += 4001;
	q[n++] = '\'';
	q[n] = '\0';
	refused(q, n, "longer than 4000 characters", "4001-character string");
	/* 4000 characters, multi-byte: counted as characters, not bytes. */
	n = (size_t)snprintf(q, SF_MAX_SOQL + 1, "SELECT Id FROM Account "
	    "WHERE Name = '");
	for (i = 0; i < 4000; i++) {
		memcpy(q + n, "\xc3\xa9", 2);	/* e-acute */
		n += 2;
	}
	q[n++] = '\'';
	q[n] = '\0';
	r = try(q, n, SOQL_FLS_NONE, 0, &out, err);
	ok(r == 0 && strcmp(out, q) == 0, "4000 two-byte characters accepted");
	free(out);
	free(q);
}

static void
test_tokens(void)
{
	char	*q, *out, err[ERRLEN];
	size_t	 n, i;
	int	 r;

	/* 8 + 2k tokens: k = 2044 gives exactly 4096. */
	q = xmalloc(SF_MAX_SOQL + 1);
	n = (size_t)snprintf(q, SF_MAX_SOQL + 1, "SELECT Id FROM Account "
	    "WHERE Id IN (");
	for (i = 0; i < 2044; i++) {
		memcpy(q + n, "'a',", 4);
		n += 4;
	}
	q[n - 1] = ')';
	q[n] = '\0';
	r = try(q, n, SOQL_FLS_NONE, 0, &out, err);
	ok(r == 0 && strcmp(out, q) == 0, "exactly %d tokens accepted",
	    SOQL_MAX_TOKENS);
	free(out);
	/* The same with an alias: 4097. */
	n = (size_t)snprintf(q, SF_MAX_SOQL + 1, "SELECT Id FROM Account a "
	    "WHERE Id IN (");
	for (i = 0; i < 2044; i++) {
		memcpy(q + n, "'a',", 4);
		n += 4;
	}
	q[n - 1] = ')';
	q[n] = '\0';
	refused(q, n, "more than 4096 tokens", "4097 tokens refused");
	/* Many commas, no values: the token cap stops the lexer first. */
	n = (size_t)snprintf(q, SF_MAX_SOQL + 1, "SELECT Id");
	for (i = 0; i < 5000; i++)
		q[n++] = ',';
	q[n] = '\0';
	refused(q, n, "more than 4096 tokens", "5000 commas refused");
	free(q);
}

static void
test_depth(void)
{
	char	 q[1024], want[1100], *out, err[ERRLEN];
	size_t	 n;
	int	 i, r;

	n = (size_t)snprintf(q, sizeof(q), "SELECT Id FROM Account WHERE ");
	for (i = 0; i < SOQL_MAX_DEPTH; i++)
		q[n++] = '(';
	n += (size_t)snprintf(q + n, sizeof(q) - n, "Name = 'x'");
	for (i = 0; i < SOQL_MAX_DEPTH; i++)
		q[n++] = ')';
	q[n] = '\0';
	snprintf(want, sizeof(want), "%s WITH SECURITY_ENFORCED LIMIT 200", q);
	r = try(q, n, SOQL_FLS_SECURITY_ENFORCED, 200, &out, err);
	ok(r == 0 && strcmp(out, want) == 0, "%d nested parentheses accepted",
	    SOQL_MAX_DEPTH);
	free(out);

	n = (size_t)snprintf(q, sizeof(q), "SELECT Id FROM Account WHERE ");
	for (i = 0; i <= SOQL_MAX_DEPTH; i++)
		q[n++] = '(';
	n += (size_t)snprintf(q + n, sizeof(q) - n, "Name = 'x'");
	for (i = 0; i <= SOQL_MAX_DEPTH; i++)
		q[n++] = ')';
	q[n] = '\0';
	refused(q, n, "nested deeper than 16 levels (at character 46)",
	    "17 nested parentheses refused");

	/* Deep nesting that never closes: still the depth message. */
	n = (size_t)snprintf(q, sizeof(q), "SELECT Id FROM Account WHERE ");
	for (i = 0; i < 500; i++)
		q[n++] = '(';
	q[n] = '\0';
	refused(q, n, "nested deeper than 16", "500 open parentheses");

	n = (size_t)snprintf(q, sizeof(q), "SELECT Id FROM Account WHERE ");
	for (i = 0; i < SOQL_MAX_DEPTH; i++)
		n += (size_t)snprintf(q + n, sizeof(q) - n, "NOT ");
	n += (size_t)snprintf(q + n, sizeof(q) - n, "Name = 'x'");
	r = try(q, n, SOQL_FLS_NONE, 0, &out, err);
	ok(r == 0, "%d NOTs accepted", SOQL_MAX_DEPTH);
	free(out);
	n = (size_t)snprintf(q, sizeof(q), "SELECT Id FROM Account WHERE ");
	for (i = 0; i < 100; i++)
		n += (size_t)snprintf(q + n, sizeof(q) - n, "NOT ");
	n += (size_t)snprintf(q + n, sizeof(q) - n, "Name = 'x'");
	refused(q, n, "NOT is nested deeper than 16", "100 NOTs refused");
}

static void
test_bytes(void)
{
	static const char nul[] = "SELECT Id FROM Account WHERE Name = 'a\0b'";
	char	 q[128], err[ERRLEN], *out;
	int	 ch, bad = 0;
	size_t	 n;

	refused(nul, sizeof(nul) - 1, "NUL byte (at byte 39)",
	    "NUL inside a string literal");
	refused("SELECT Id\0", 10, "NUL byte (at byte 10)", "trailing NUL");
	refused(NULL, 0, "empty", "NULL input");
	refused("", 0, "empty", "zero-length input");

	/* Every control byte outside a string is refused, by name. */
	for (ch = 1; ch < 0x20; ch++) {
		if (ch == '\t' || ch == '\n' || ch == '\r')
			continue;
		n = (size_t)snprintf(q, sizeof(q), "SELECT Id FROM%cAccount",
		    ch);
		if (try(q, n, SOQL_FLS_NONE, 0, &out, err) != -1 ||
		    strstr(err, "control character") == NULL)
			bad++;
		free(out);
		n = (size_t)snprintf(q, sizeof(q), "SELECT Id FROM Account "
		    "WHERE Name = 'a%cb'", ch);
		if (try(q, n, SOQL_FLS_NONE, 0, &out, err) != -1 ||
		    strstr(err, "in a string literal") == NULL)
			bad++;
		free(out);
	}
	ok(bad == 0, "every control byte refused inside and outside strings");

	/* Every printable ASCII byte that is not SOQL is named. */
	bad = 0;
	for (ch = 0x21; ch < 0x7f; ch++) {
		if (strchr("'(),=<>!-+:;/\"\\", ch) != NULL ||
		    (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= 'a' && ch <= 'z'))
			continue;
		n = (size_t)snprintf(q, sizeof(q), "SELECT Id FROM Account %c",
		    ch);
		if (try(q, n, SOQL_FLS_NONE, 0, &out, err) != -1 ||
		    strstr(err, "unexpected character") == NULL)
			bad++;
		free(out);
	}
	ok(bad == 0, "stray punctuation refused");
}

/*
 * Insert an attack at every space of real queries (outside their string
 * literals, which contain no spaces here): each must be refused with the
 * attack's own message, wherever it stands.
 */
static void
test_everywhere(void)
{
	static const char *const base[] = {
		"SELECT Id, Name FROM Account WHERE Industry = 'Tech' "
		    "ORDER BY Name LIMIT 10",
		"SELECT StageName, SUM(Amount) total FROM Opportunity "
		    "WHERE CloseDate = THIS_QUARTER GROUP BY StageName "
		    "HAVING SUM(Amount) > 1000 ORDER BY SUM(Amount) DESC",
		"SELECT Id, (SELECT LastName FROM Contacts WHERE "
		    "Email != null LIMIT 5) FROM Account WHERE Id IN "
		    "(SELECT AccountId FROM Opportunity WHERE IsWon = true) "
		    "LIMIT 50 OFFSET 10",
		"SELECT TYPEOF What WHEN Account THEN Phone ELSE Name END "
		    "FROM Event WHERE ActivityDate = LAST_N_DAYS:30",
	};
	static const struct {
		const char	*ins;
		const char	*want;
	} attack[] = {
		{ " DELETE ", "DELETE is not allowed" },
		{ " dElEtE ", "DELETE is not allowed" },
		{ "\tUPDATE\n", "UPDATE is not allowed" },
		{ " INSERT ", "INSERT is not allowed" },
		{ " upsert ", "UPSERT is not allowed" },
		{ " MERGE ", "MERGE is not allowed" },
		{ " UNDELETE ", "UNDELETE is not allowed" },
		{ ";", "';' is not allowed" },
		{ " ; ", "';' is not allowed" },
		{ " -- x", "comments ('--')" },
		{ " // x", "comments ('//')" },
		{ " /* x */ ", "comments ('/*')" },
		{ " :acctId ", "bind variables" },
		{ " FOR UPDATE ", "FOR UPDATE is not allowed" },
		{ " FOR VIEW ", "FOR VIEW is not allowed" },
		{ " UPDATE TRACKING ", "UPDATE TRACKING is not allowed" },
		{ " SYSTEM_MODE ", "SYSTEM_MODE is not allowed" },
		{ " \xd0\xb5 ", "non-ASCII character U+0435" },
		{ " \xcd\xbe ", "non-ASCII character U+037E" },
		{ " \xef\xbc\xa4\xef\xbc\xa5 ", "non-ASCII character U+FF24" },
		{ " \xc0\xbb ", "not valid UTF-8" },
	};
	size_t	 b, a, i, bl, al, n;
	char	 q[1024], err[ERRLEN], *out;
	int	 bad, tried;

	for (b = 0; b < sizeof(base) / sizeof(base[0]); b++) {
		bl = strlen(base[b]);
		for (a = 0; a < sizeof(attack) / sizeof(attack[0]); a++) {
			al = strlen(attack[a].ins);
			bad = tried = 0;
			for (i = 0; i <= bl; i++) {
				if (i < bl && base[b][i] != ' ')
					continue;
				memcpy(q, base[b], i);
				memcpy(q + i, attack[a].ins, al);
				memcpy(q + i + al, base[b] + i, bl - i);
				n = i + al + bl - i;
				q[n] = '\0';
				tried++;
				if (try(q, n, SOQL_FLS_SECURITY_ENFORCED, 200,
				    &out, err) != -1 ||
				    strstr(err, attack[a].want) == NULL) {
					if (bad++ == 0)
						printf("# %s\n# -> %s\n", q,
						    out != NULL ? out : err);
				}
				free(out);
			}
			ok(bad == 0 && tried > 5, "query %zu: '%s' refused at "
			    "all %d positions", b + 1, attack[a].want, tried);
		}
	}
}

/* The inverse of soql_quote, for round trips. */
static char *
unquote(const char *s)
{
	size_t	 len = strlen(s), i, o = 0;
	char	*r = xmalloc(len + 1);
	int	 v, k;

	for (i = 0; i < len; i++) {
		if (s[i] != '\\') {
			r[o++] = s[i];
			continue;
		}
		switch (s[++i]) {
		case 'n': r[o++] = '\n'; break;
		case 'r': r[o++] = '\r'; break;
		case 't': r[o++] = '\t'; break;
		case 'b': r[o++] = '\b'; break;
		case 'f': r[o++] = '\f'; break;
		case 'u':
			for (v = 0, k = 1; k <= 4; k++)
				v = v * 16 + hexval(s[i + k]);
			r[o++] = (char)v;
			i += 4;
			break;
		default: r[o++] = s[i]; break;
		}
	}
	r[o] = '\0';
	return r;
}

static void
test_quote(void)
{
	static const struct {
		const char *in, *want;
	} vec[] = {
		{ "", "" },
		{ "Acme", "Acme" },
		{ "O'Brien", "O\\'Brien" },
		{ "a\\b", "a\\\\b" },
		{ "\\'", "\\\\\\'" },
		{ "line1\nline2", "line1\\nline2" },
		{ "cr\rtab\tbs\bff\f", "cr\\rtab\\tbs\\bff\\f" },
		{ "say \"hi\"", "say \\\"hi\\\"" },
		{ "50% off_now", "50% off_now" },
		{ "bell\a", "bell\\u0007" },
		{ "del\x7f", "del\\u007F" },
		{ "caf\xc3\xa9", "caf\xc3\xa9" },
		{ "'; DELETE FROM Account --", "\\'; DELETE FROM Account --" },
	};
	char		*q, *lit, *back, *out, err[ERRLEN];
	size_t		 i, k, len;
	unsigned int	 seed = 12345;
	int		 bad = 0;
	char		 s[64];

	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		q = soql_quote(vec[i].in);
		is_str(q, vec[i].want, "soql_quote vector %zu", i);
		free(q);
	}
	/* Any string, quoted, makes a literal the guard accepts as one. */
	for (i = 0; i < 2000; i++) {
		len = i % 40;
		for (k = 0; k < len; k++) {
			seed = seed * 1103515245 + 12345;
			s[k] = (char)(1 + (seed >> 16) % 127);
		}
		s[len] = '\0';
		lit = soql_quote(s);
		xasprintf(&q, "SELECT Id FROM Account WHERE Name = '%s'", lit);
		if (try(q, strlen(q), SOQL_FLS_NONE, 0, &out, err) != 0 ||
		    strcmp(out, q) != 0) {
			if (bad++ == 0)
				printf("# %s -> %s\n", q, err);
		}
		back = unquote(lit);
		if (strcmp(back, s) != 0 && bad++ == 0)
			printf("# round trip failed for %s\n", lit);
		free(back);
		free(out);
		free(q);
		free(lit);
	}
	ok(bad == 0, "2000 random strings: quoted, accepted, round trip");
}

static void
test_api(void)
{
	struct soql_info	 info;
	char			 err[ERRLEN], small[24], *out;
	int			 r;

	r = soql_rewrite("SELECT Id FROM Account", 22, NULL, &out, NULL, err,
	    sizeof(err));
	is_str(r == 0 ? out : err, "SELECT Id FROM Account",
	    "NULL opts and info: nothing added");
	free(out);

	r = soql_rewrite("DELETE FROM Account", 19, NULL, &out, NULL, small,
	    sizeof(small));
	ok(r == -1 && out == NULL && strlen(small) == sizeof(small) - 1 &&
	    strncmp(small, "query refused: DELETE", 21) == 0,
	    "a short errbuf is truncated, terminated: %s", small);
	r = soql_rewrite("DELETE FROM Account", 19, NULL, &out, NULL, NULL,
	    0);
	ok(r == -1 && out == NULL, "no errbuf at all");

	/* The guard reads len bytes only: no terminator needed. */
	r = soql_rewrite("SELECT Id FROM Account; DELETE", 22, NULL, &out,
	    &info, err, sizeof(err));
	is_str(r == 0 ? out : err, "SELECT Id FROM Account",
	    "len bounds the input");
	free(out);

	memset(&info, 0xff, sizeof(info));
	r = soql_rewrite("SELECT Id FROM Contact", 22, NULL, &out, &info,
	    err, sizeof(err));
	ok(r == 0 && info.limit == -1 && !info.fls_added && !info.limit_added &&
	    !info.has_limit && !info.aggregate && !info.count_only &&
	    !info.grouped && strcmp(info.object, "Contact") == 0,
	    "info cleared and filled");
	free(out);

	memset(&info, 0xff, sizeof(info));
	r = soql_rewrite("DELETE x", 8, NULL, &out, &info, err, sizeof(err));
	ok(r == -1 && info.limit == -1 && info.object[0] == '\0',
	    "info cleared on refusal too");

	{
		struct soql_opts opts = { SOQL_FLS_USER_MODE, 7, 0 };

		r = soql_rewrite("  SELECT Name FROM Lead\n", 24, &opts, &out,
		    &info, err, sizeof(err));
		is_str(r == 0 ? out : err, "SELECT Name FROM Lead WITH "
		    "USER_MODE LIMIT 7", "another default limit");
		ok(info.limit == 7 && info.limit_added && info.fls_added,
		    "info for the added limit");
		free(out);
	}
}

/*
 * Cut, duplicate and swap bytes of real queries: whatever the guard
 * says, it must say it without touching memory it does not own.
 */
static void
test_mutations(void)
{
	static const char *const base[] = {
		"SELECT Id, Owner.Name, (SELECT Subject FROM Tasks LIMIT 3) "
		    "FROM Account WHERE Name LIKE 'Ac\\%me%' AND CreatedDate "
		    "> 2024-01-01T00:00:00Z ORDER BY Name NULLS LAST LIMIT 5",
		"SELECT CALENDAR_YEAR(CloseDate) y, COUNT(Id) FROM "
		    "Opportunity WHERE Id IN (SELECT OpportunityId FROM "
		    "OpportunityLineItem) GROUP BY ROLLUP(CALENDAR_YEAR("
		    "CloseDate)) HAVING COUNT(Id) > 2",
		"SELECT TYPEOF What WHEN Account THEN Phone, Name ELSE Name "
		    "END FROM Task WHERE Tags__c INCLUDES ('a;b','c') AND "
		    "Amount__c > USD5000.50 AND D__c = LAST_N_DAYS:7",
	};
	unsigned int	 seed = 99;
	char		 q[1024], err[ERRLEN], *out;
	size_t		 b, i, len, at, k;
	int		 r, bad = 0, nok = 0;

	for (b = 0; b < sizeof(base) / sizeof(base[0]); b++) {
		for (i = 0; i < 3000; i++) {
			len = strlen(base[b]);
			memcpy(q, base[b], len);
			for (k = 0; k < 1 + i % 3; k++) {
				seed = seed * 1103515245 + 12345;
				at = (seed >> 8) % len;
				switch ((seed >> 4) % 4) {
				case 0:		/* truncate */
					len = at + 1;
					break;
				case 1:		/* overwrite */
					q[at] = (char)(seed >> 20);
					break;
				case 2:		/* delete one byte */
					memmove(q + at, q + at + 1,
					    len - at - 1);
					len--;
					break;
				default:	/* duplicate one byte */
					if (len + 1 < sizeof(q)) {
						memmove(q + at + 1, q + at,
						    len - at);
						len++;
					}
					break;
				}
				if (len == 0)
					len = 1;
			}
			r = try(q, len, SOQL_FLS_SECURITY_ENFORCED, 200, &out,
			    err);
			if (r == 0)
				nok++;
			if ((r == 0) != (out != NULL) ||
			    (r == -1 && strncmp(err, "query refused: ", 15)))
				bad++;
			free(out);
		}
	}
	ok(bad == 0, "9000 mutations answered consistently (%d accepted)",
	    nok);
}

int
main(void)
{
	int	 n;

	n = run_file();
	ok(n >= 300, "the case file holds %d cases", n);
	test_sizes();
	test_tokens();
	test_depth();
	test_bytes();
	test_everywhere();
	test_quote();
	test_api();
	test_mutations();
	return tap_done();
}
