/*
 * write_value.h: what the writer checks before anything is sent, as pure
 * functions of their arguments (no I/O, no state): a new value against
 * its field's describe, the writable-field rule, the justification, and
 * a note's title and HTML.
 *
 * A field's describe is the object the broker's SF_DESCRIBE_R carries
 * under meta.fields.<name> (contrib/WRITES.md): Salesforce's own keys
 * type, label, updateable, nillable, length, precision, scale, digits,
 * restrictedPicklist, referenceTo.  Picklist values are the array of the
 * answer's picklists.<name> (active values).
 */
#ifndef WRITE_VALUE_H
#define WRITE_VALUE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#define WV_JUSTIFICATION_MIN	10	/* characters, after trimming */
#define WV_JUSTIFICATION_MAX	2000
#define WV_NOTE_BODY_MAX	32768	/* characters of UTF-8 */
#define WV_NOTE_TITLE_MAX	255	/* ContentNote.Title */
#define WV_CLIENT_MAX		100	/* clientInfo name and version */
#define WV_DIGITS_MAX		15	/* significant digits a double keeps */
#define WV_MULTI_MAX		100	/* values of one multi-select value */

/*
 * Check value (a JSON string, number, boolean or null) against the
 * field's describe fmeta and picklist values (NULL: none), and convert
 * it to what Salesforce takes: *out is a new cJSON item (caller frees).
 * 0, or -1 with a sentence naming the problem in err.
 */
int	 wv_convert(const char *field, const cJSON *fmeta,
	    const cJSON *picklist, const cJSON *value, cJSON **out,
	    char *err, size_t errlen);

/*
 * May field of object be written under the writable-field list (csv of
 * Object.Field or Object.*)?  fmeta is its describe (NULL: the org has
 * no such field visible).  0 or -1 with the reason in err.
 */
int	 wv_field_writable(const char *object, const char *field,
	    const cJSON *fmeta, const char *writable, char *err,
	    size_t errlen);

/*
 * Is type (describe's) one wv_convert() converts a value to?  For
 * sfrevops-mcp check and the start-up check of SFDC_WRITABLE_FIELDS.
 */
int	 wv_type_supported(const char *type);

/* Is field one that is never written (OwnerId, RecordTypeId)? */
int	 wv_field_never(const char *field);

/* Is name one item of the comma-separated list (ASCII case-insensitive)? */
int	 wv_list_has(const char *csv, const char *name);

/* The number of code points of valid UTF-8 s. */
size_t	 wv_chars(const char *s, size_t len);

/*
 * s without leading and trailing white space (a new string), or NULL
 * if it is not UTF-8 or has more than max characters after trimming
 * (err says which); *nchars its characters.
 */
char	*wv_trim(const char *s, size_t max, size_t *nchars, char *err,
	    size_t errlen);

/* Check a justification; *out the trimmed text.  0 or -1 (err). */
int	 wv_justification(const cJSON *v, char **out, char *err, size_t errlen);

/*
 * A note: its title (the given one, trimmed, or the first non-empty line
 * of the body cut to WV_NOTE_TITLE_MAX characters on a character
 * boundary) and its Content, the body HTML-escaped, one <p> per line (an
 * empty line <p><br></p>), base64 (RFC 4648, padded).  title may be
 * NULL.  0 or -1 (err); *title_out, *content_out, *chars set.
 */
int	 wv_note(const char *body, const char *title, char **title_out,
	    char **content_out, size_t *chars, char *err, size_t errlen);

/* The body's HTML, unencoded (what wv_note encodes; for the tests). */
char	*wv_note_html(const char *body);

/* A scalar as audit text: NULL for null, "true"/"false", the number. */
char	*wv_text(const cJSON *v);

#endif /* WRITE_VALUE_H */
