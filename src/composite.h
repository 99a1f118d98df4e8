/*
 * composite.h: the broker's three mutation shapes (contrib/WRITES.md),
 * as pure functions: the writer's typed request checked and turned into
 * one /composite body, and Salesforce's composite answer turned into the
 * outcome the writer reads.  No I/O here: broker.c fetches describe,
 * sends and answers; tests/broker_write_test.c and the fuzz harness call
 * these directly.
 */
#ifndef COMPOSITE_H
#define COMPOSITE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "sfrevops.h"

/* Bounds of what the writer may ask for. */
#define COMPOSITE_MAX_TEXT	131072	/* characters of one text value:
					   a long text area's maximum */
#define COMPOSITE_MAX_TITLE	255	/* characters of a note's Title */
#define COMPOSITE_MAX_CONTENT	(512u * 1024)	/* base64 bytes of a note */
#define COMPOSITE_MAX_ERRFIELDS	100	/* field names kept from an error */
#define COMPOSITE_ATTEMPT_LEN	26	/* "w_" + 24 hex */
/* What a describe keeps for the writer (meta), bounded like picklists. */
#define COMPOSITE_META_FIELDS	1500	/* fields of one object */
#define COMPOSITE_META_REFS	64	/* referenceTo of one field */
#define COMPOSITE_META_LABEL	1024	/* bytes of a label (255 chars) */
#define COMPOSITE_META_BYTES	(2u * 1024 * 1024)	/* all of an object */

enum composite_kind {
	COMPOSITE_UPDATE = 1,	/* SF_WRITE_UPDATE: audit, then the change */
	COMPOSITE_NOTE,		/* SF_WRITE_NOTE: note, link, audit */
	COMPOSITE_FAILED	/* SF_AUDIT_FAILED: one audit row */
};

/* The broker's write settings, from its CONFIG (borrowed strings). */
struct composite_conf {
	const char	*api_version;		/* "v60.0" */
	const char	*audit_object;		/* SFDC_AUDIT_OBJECT */
	const char	*write_objects;		/* SFDC_WRITE_OBJECTS, csv */
	const char	*writable_fields;	/* SFDC_WRITABLE_FIELDS, csv */
	const char	*share_type;		/* "I" or "V" */
	const char	*visibility;		/* "InternalUsers", "AllUsers" */
};

/*
 * A request checked as far as it can be without describe.  Owned by the
 * caller; composite_req_free() releases what it holds.
 */
struct composite_req {
	enum composite_kind	 kind;
	char			 attempt[COMPOSITE_ATTEMPT_LEN + 1];
	char			 object[SF_MAX_NAME + 1];	/* as configured */
	char			 id[19];	/* as given; id18 after describe */
	char			 id18[19];
	char			 field[SF_MAX_NAME + 1];	/* UPDATE; describe's
							   spelling after it */
	char			 ius[40];	/* UPDATE: If-Unmodified-Since */
	cJSON			*value;		/* UPDATE */
	cJSON			*audit;		/* the audit row, checked */
	char			*title;		/* NOTE */
	char			*content;	/* NOTE */
	int			 described;	/* composite_check() passed */
};

/*
 * Parse and check the writer's JSON for kind: unknown keys, types, sizes,
 * the object against write_objects, the field against writable_fields,
 * the ID's form, the audit keys and their agreement with the change.
 * 0; -2 when an allow-list refuses it (an object outside
 * SFDC_WRITE_OBJECTS, a field outside SFDC_WRITABLE_FIELDS); -1 for any
 * other problem; either with a sentence naming it in err.
 */
int	 composite_parse(const struct composite_conf *, enum composite_kind,
	    const char *json, size_t len, struct composite_req *,
	    char *err, size_t errlen);
/*
 * The checks that need the object's describe: keyPrefix (the object's
 * key prefix) and meta (field name -> {updateable, ...}, as the broker
 * keeps it).  The ID must carry the prefix; an update's field must
 * exist and be updateable.  0, or -1 with the reason.
 */
int	 composite_check(const struct composite_conf *, struct composite_req *,
	    const char *key_prefix, const cJSON *meta, char *err,
	    size_t errlen);
/* The composite body for a checked request (caller owns it). */
cJSON	*composite_body(const struct composite_conf *,
	    const struct composite_req *);
/* "/services/data/vXX.X/composite" into out. */
void	 composite_path(const struct composite_conf *, char *out, size_t);
/*
 * Salesforce's 200 answer to the body: {"committed":true,"ids":{...}} or
 * {"committed":false,"error":{...}}.  NULL when it is not a composite
 * answer to this request (malformed, other references, a committed
 * creation without its id): the outcome is then unknown, and err says
 * why.
 */
cJSON	*composite_answer(const struct composite_req *, const char *body,
	    size_t len, char *err, size_t errlen);
void	 composite_req_free(struct composite_req *);

/*
 * Keep in meta what the writer needs to check and convert a value of
 * the field fv (one entry of describe's fields) named name: {type,
 * length, precision, scale, digits, updateable, createable, nillable,
 * restrictedPicklist, referenceTo, label}, within the bounds above and
 * *budget (bytes, lowered): a field beyond COMPOSITE_META_FIELDS or the
 * budget is left out (and so cannot be written), a label too long or
 * not UTF-8 is left out, referenceTo keeps its first COMPOSITE_META_REFS
 * valid names.
 */
void	 composite_meta_keep(cJSON *meta, const cJSON *fv, const char *name,
	    size_t *budget);

/* Is field of object allowed by the writable-field list (and never
 * OwnerId or RecordTypeId)?  1 or 0. */
int	 composite_field_allowed(const char *writable, const char *object,
	    const char *field);
/* Is object in the csv list?  The list's spelling into out, or NULL. */
const char *composite_list_find(const char *list, const char *name,
	    char *out, size_t outlen);
/* ISO 8601 (Salesforce's 2026-11-30T10:00:00.000+0000) to an HTTP-date
 * in UTC; 0, or -1 if it is not such a date-time. */
int	 composite_http_date(const char *iso, char *out, size_t outlen);

#endif /* COMPOSITE_H */
