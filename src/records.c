/*
 * records.c: compact output.  Salesforce returns every record with an
 * "attributes" object and relationship fields as nested objects; the
 * model gets columns and rows instead, with relationship paths
 * flattened (Owner.Name), and a tab-separated text table.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sfrevops.h"
#include "tool.h"

#define MAX_COLUMNS	500

struct cols {
	char	*name[MAX_COLUMNS];
	size_t	 n;
};

static int
cols_find(const struct cols *cs, const char *name)
{
	size_t	 i;

	for (i = 0; i < cs->n; i++)
		if (strcmp(cs->name[i], name) == 0)
			return (int)i;
	return -1;
}

static int
cols_add(struct cols *cs, const char *name)
{
	int	 i;

	if ((i = cols_find(cs, name)) != -1)
		return i;
	if (cs->n == MAX_COLUMNS)
		return -1;
	cs->name[cs->n] = xstrdup(name);
	return (int)cs->n++;
}

static int
is_query_result(const cJSON *v)
{
	return cJSON_IsObject(v) &&
	    cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(v, "records"));
}

/*
 * Walk one record.  With cells == NULL, only collect the columns;
 * otherwise move each value out of rec into cells[its column].
 */
static int
walk(cJSON *rec, const char *prefix, struct cols *cs, cJSON **cells,
    int depth)
{
	cJSON		*v, *next;
	char		 name[512];
	size_t		 plen, slen;
	int		 i, ok;

	if (depth > 6)
		return -1;
	for (v = rec->child; v != NULL; v = next) {
		next = v->next;
		if (v->string == NULL)
			return -1;
		if (strcmp(v->string, "attributes") == 0)
			continue;
		plen = strlen(prefix);
		slen = strlen(v->string);
		if (plen + slen >= sizeof(name))
			return -1;
		memcpy(name, prefix, plen);
		memcpy(name + plen, v->string, slen + 1);
		if (cJSON_IsObject(v) && !is_query_result(v)) {
			char sub[520];
			memcpy(sub, name, plen + slen);
			memcpy(sub + plen + slen, ".", 2);
			if (walk(v, sub, cs, cells, depth + 1) == -1)
				return -1;
			continue;
		}
		if (cells == NULL) {
			if (cols_add(cs, name) == -1)
				return -1;
			continue;
		}
		if ((i = cols_find(cs, name)) == -1 || cells[i] != NULL)
			continue;	/* a null parent dropped below */
		if (is_query_result(v)) {
			cJSON *t = records_flatten(
			    cJSON_GetObjectItemCaseSensitive(v, "records"), &ok);
			if (!ok) {
				cJSON_Delete(t);
				return -1;
			}
			cells[i] = t;
		} else
			cells[i] = cJSON_DetachItemViaPointer(rec, v);
	}
	return 0;
}

cJSON *
records_flatten(cJSON *records, int *ok)
{
	struct cols	 cs;
	cJSON		*rec;
	cJSON		*out, *colarr, *rows, *row, **cells = NULL;
	size_t		 i, j, keep;
	char		 pre[520];
	unsigned char	 covered[MAX_COLUMNS];

	memset(&cs, 0, sizeof(cs));
	*ok = 0;
	if ((out = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	colarr = cJSON_AddArrayToObject(out, "columns");
	rows = cJSON_AddArrayToObject(out, "rows");
	if (!cJSON_IsArray(records))
		return out;
	cJSON_ArrayForEach(rec, records) {
		if (!cJSON_IsObject(rec) || walk(rec, "", &cs, NULL, 0) == -1)
			goto done;
	}
	/* A parent that was null in some rows and an object in others
	 * shows up as "Account" and "Account.Name": keep the paths only.
	 * Every name is compared before any is freed: freeing while
	 * comparing read a freed name whenever the parent came first
	 * (found by the clang static analyzer, contrib/analyze.sh). */
	for (i = 0; i < cs.n; i++) {
		covered[i] = 0;
		snprintf(pre, sizeof(pre), "%s.", cs.name[i]);
		for (j = 0; j < cs.n; j++)
			if (strncmp(cs.name[j], pre, strlen(pre)) == 0)
				covered[i] = 1;
	}
	keep = 0;
	for (i = 0; i < cs.n; i++) {
		if (covered[i]) {
			free(cs.name[i]);
			continue;
		}
		cs.name[keep++] = cs.name[i];
	}
	cs.n = keep;
	for (i = 0; i < cs.n; i++)
		cJSON_AddItemToArray(colarr, cJSON_CreateString(cs.name[i]));
	cells = xcalloc(cs.n + 1, sizeof(*cells));
	cJSON_ArrayForEach(rec, records) {
		memset(cells, 0, (cs.n + 1) * sizeof(*cells));
		if (walk(rec, "", &cs, cells, 0) == -1) {
			for (i = 0; i < cs.n; i++)
				cJSON_Delete(cells[i]);
			goto done;
		}
		if ((row = cJSON_CreateArray()) == NULL)
			fatalx("cJSON_CreateArray");
		for (i = 0; i < cs.n; i++)
			cJSON_AddItemToArray(row, cells[i] != NULL ? cells[i] :
			    cJSON_CreateNull());
		cJSON_AddItemToArray(rows, row);
	}
	*ok = 1;
done:
	free(cells);
	for (i = 0; i < cs.n; i++)
		free(cs.name[i]);
	return out;
}

/*
 * Copy s to dst with tab, newline, carriage return and backslash as \t,
 * \n, \r and \\, so that a cell stays on its line of the table; dst has
 * room for twice strlen(s) and the NUL.  Returns the NUL's place.
 */
static char *
escape_into(char *dst, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '\t': *dst++ = '\\'; *dst++ = 't'; break;
		case '\n': *dst++ = '\\'; *dst++ = 'n'; break;
		case '\r': *dst++ = '\\'; *dst++ = 'r'; break;
		case '\\': *dst++ = '\\'; *dst++ = '\\'; break;
		default: *dst++ = *s;
		}
	}
	*dst = '\0';
	return dst;
}

/* One cell as text: numbers without a needless ".0", strings escaped so
 * that a tab or newline cannot break the table. */
char *
records_cell_text(const cJSON *v)
{
	char	*out, *p;
	const char *s;
	size_t	 n;

	if (v == NULL || cJSON_IsNull(v))
		return xstrdup("");
	if (cJSON_IsTrue(v))
		return xstrdup("true");
	if (cJSON_IsFalse(v))
		return xstrdup("false");
	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;
		char buf[64];
		if (isfinite(d) && d == floor(d) && fabs(d) < 1e15)
			snprintf(buf, sizeof(buf), "%.0f", d);
		else {
			snprintf(buf, sizeof(buf), "%.15g", d);
			if (strtod(buf, NULL) != d)
				snprintf(buf, sizeof(buf), "%.17g", d);
		}
		return xstrdup(buf);
	}
	if (cJSON_IsString(v)) {
		s = v->valuestring;
		n = strlen(s);
		out = p = xmalloc(2 * n + 1);
		(void)escape_into(p, s);
		return out;
	}
	/* A child relationship's table: compact JSON. */
	if ((out = cJSON_PrintUnformatted(v)) == NULL)
		fatalx("cJSON_PrintUnformatted");
	p = xstrdup(out);
	cJSON_free(out);
	return p;
}

/* Append to a growing string. */
static void
cat(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t	 n = strlen(s);

	if (*len + n + 1 > *cap) {
		while (*len + n + 1 > *cap)
			*cap = *cap ? *cap * 2 : 4096;
		*buf = xreallocarray(*buf, 1, *cap);
	}
	memcpy(*buf + *len, s, n + 1);
	*len += n;
}

/* Append a string cell, escaped as records_cell_text() does. */
static void
cat_escaped(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t	 n = strlen(s);
	char	*p;

	if (*len + 2 * n + 1 > *cap) {
		while (*len + 2 * n + 1 > *cap)
			*cap = *cap ? *cap * 2 : 4096;
		*buf = xreallocarray(*buf, 1, *cap);
	}
	p = escape_into(*buf + *len, s);
	*len = (size_t)(p - *buf);
}

char *
records_text(const cJSON *table, const char *heading)
{
	const cJSON	*cols, *rows, *row, *v;
	char		*buf = NULL, *cell;
	size_t		 len = 0, cap = 0;
	int		 first;

	cols = cJSON_GetObjectItemCaseSensitive(table, "columns");
	rows = cJSON_GetObjectItemCaseSensitive(table, "rows");
	cat(&buf, &len, &cap, heading);
	cat(&buf, &len, &cap, "\n");
	first = 1;
	cJSON_ArrayForEach(v, cols) {
		if (!first)
			cat(&buf, &len, &cap, "\t");
		cat(&buf, &len, &cap, v->valuestring);
		first = 0;
	}
	cJSON_ArrayForEach(row, rows) {
		cat(&buf, &len, &cap, "\n");
		first = 1;
		cJSON_ArrayForEach(v, row) {
			if (!first)
				cat(&buf, &len, &cap, "\t");
			if (cJSON_IsString(v))
				cat_escaped(&buf, &len, &cap, v->valuestring);
			else {
				cell = records_cell_text(v);
				cat(&buf, &len, &cap, cell);
				free(cell);
			}
			first = 0;
		}
	}
	return buf;
}
