/*
 * policy.c: who may send what, to whom, and when.  Default deny.
 *
 * The table is the only place that decides which message types travel
 * on which channel.  Receivers call policy_check() on every message
 * before they look at its payload; a type that is not in the table for
 * that channel and state is a protocol violation.
 *
 * The front may only read: nothing in this table lets it reach a
 * mutation.  Mutations reach the broker only from the writer.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "sfrevops.h"
#include "objects.h"

#define ANY_STATE	(PS_START | PS_RUN)

static const struct policy_rule {
	enum proc_role	 sender;
	enum proc_role	 receiver;
	uint32_t	 type;
	int		 states;
} policy_table[] = {
	/* The parent configures its children, then only stops them. */
	{ PROC_PARENT, PROC_FRONT, IMSG_CONFIG, PS_START },
	{ PROC_PARENT, PROC_BROKER, IMSG_CONFIG, PS_START },
	{ PROC_PARENT, PROC_WRITER, IMSG_CONFIG, PS_START },
	{ PROC_PARENT, PROC_BROKER, IMSG_SECRET, PS_START },
	{ PROC_PARENT, PROC_BROKER, IMSG_CA_BUNDLE, PS_START },
	{ PROC_PARENT, PROC_FRONT, IMSG_SHUTDOWN, ANY_STATE },
	{ PROC_PARENT, PROC_BROKER, IMSG_SHUTDOWN, ANY_STATE },
	{ PROC_PARENT, PROC_WRITER, IMSG_SHUTDOWN, ANY_STATE },

	/* Children report to the parent. */
	{ PROC_FRONT, PROC_PARENT, IMSG_LOG, ANY_STATE },
	{ PROC_BROKER, PROC_PARENT, IMSG_LOG, ANY_STATE },
	{ PROC_WRITER, PROC_PARENT, IMSG_LOG, ANY_STATE },
	{ PROC_FRONT, PROC_PARENT, IMSG_READY, PS_START },
	{ PROC_BROKER, PROC_PARENT, IMSG_READY, PS_START },
	{ PROC_WRITER, PROC_PARENT, IMSG_READY, PS_START },

	/* The front reads through the broker. */
	{ PROC_FRONT, PROC_BROKER, IMSG_SF_GET, PS_RUN },
	{ PROC_FRONT, PROC_BROKER, IMSG_SF_QUERY, PS_RUN },
	{ PROC_FRONT, PROC_BROKER, IMSG_SF_MORE, PS_RUN },
	{ PROC_FRONT, PROC_BROKER, IMSG_SF_DESCRIBE, PS_RUN },
	{ PROC_FRONT, PROC_BROKER, IMSG_CANCEL, PS_RUN },
	{ PROC_BROKER, PROC_FRONT, IMSG_SF_GET_R, PS_RUN },
	{ PROC_BROKER, PROC_FRONT, IMSG_SF_QUERY_R, PS_RUN },
	{ PROC_BROKER, PROC_FRONT, IMSG_SF_MORE_R, PS_RUN },
	{ PROC_BROKER, PROC_FRONT, IMSG_SF_DESCRIBE_R, PS_RUN },
	{ PROC_BROKER, PROC_FRONT, IMSG_ERROR, PS_RUN },

	/* The front asks the writer for the two light writes. */
	{ PROC_FRONT, PROC_WRITER, IMSG_WR_NOTE, PS_RUN },
	{ PROC_FRONT, PROC_WRITER, IMSG_WR_UPDATE, PS_RUN },
	{ PROC_WRITER, PROC_FRONT, IMSG_WR_NOTE_R, PS_RUN },
	{ PROC_WRITER, PROC_FRONT, IMSG_WR_UPDATE_R, PS_RUN },
	{ PROC_WRITER, PROC_FRONT, IMSG_ERROR, PS_RUN },

	/* The writer reads and mutates through the broker. */
	{ PROC_WRITER, PROC_BROKER, IMSG_SF_GET, PS_RUN },
	{ PROC_WRITER, PROC_BROKER, IMSG_SF_QUERY, PS_RUN },
	{ PROC_WRITER, PROC_BROKER, IMSG_SF_DESCRIBE, PS_RUN },
	{ PROC_WRITER, PROC_BROKER, IMSG_CANCEL, PS_RUN },
	{ PROC_WRITER, PROC_BROKER, IMSG_SF_CREATE, PS_RUN },
	{ PROC_WRITER, PROC_BROKER, IMSG_SF_UPDATE, PS_RUN },
	{ PROC_BROKER, PROC_WRITER, IMSG_SF_GET_R, PS_RUN },
	{ PROC_BROKER, PROC_WRITER, IMSG_SF_QUERY_R, PS_RUN },
	{ PROC_BROKER, PROC_WRITER, IMSG_SF_DESCRIBE_R, PS_RUN },
	{ PROC_BROKER, PROC_WRITER, IMSG_SF_CREATE_R, PS_RUN },
	{ PROC_BROKER, PROC_WRITER, IMSG_SF_UPDATE_R, PS_RUN },
	{ PROC_BROKER, PROC_WRITER, IMSG_ERROR, PS_RUN },
};

int
policy_check(enum proc_role sender, enum proc_role receiver, uint32_t type,
    enum policy_state state)
{
	size_t	 i;

	if (type == IMSG_HELLO)
		return 0;	/* ipc.c allows it exactly once, first */
	for (i = 0; i < sizeof(policy_table) / sizeof(policy_table[0]); i++) {
		const struct policy_rule *r = &policy_table[i];

		if (r->sender == sender && r->receiver == receiver &&
		    r->type == type)
			return (r->states & (int)state) ? 0 : -1;
	}
	return -1;
}

/* The objects whose records IMSG_SF_GET reads: objects.c's table. */
const char *
policy_object_prefix(const char *object)
{
	const struct sf_object	*o;

	if ((o = objects_find(object)) == NULL || !(o->flags & OBJ_READ))
		return NULL;
	return o->prefix;
}

/* An API name: a letter, then letters, digits and single underscores. */
int
policy_name_valid(const char *name)
{
	size_t	 i, n = strlen(name);

	if (n == 0 || n > SF_MAX_NAME)
		return 0;
	if (!(('A' <= name[0] && name[0] <= 'Z') ||
	    ('a' <= name[0] && name[0] <= 'z')))
		return 0;
	for (i = 1; i < n; i++) {
		char c = name[i];
		if (!(('A' <= c && c <= 'Z') || ('a' <= c && c <= 'z') ||
		    ('0' <= c && c <= '9') || c == '_'))
			return 0;
		/* "__" only as the suffix separator (__c, __r, ns__X__c) */
	}
	return 1;
}

static const char sfid_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

void
sfid_checksum(const char *id15, char out[3])
{
	int	 chunk, j, flags;
	char	 c;

	for (chunk = 0; chunk < 3; chunk++) {
		flags = 0;
		for (j = 0; j < 5; j++) {
			c = id15[chunk * 5 + j];
			if ('A' <= c && c <= 'Z')
				flags |= 1 << j;
		}
		out[chunk] = sfid_alphabet[flags];
	}
}

static int
sfid_suffix_value(char c)
{
	const char *p;

	if ('a' <= c && c <= 'z')
		c = (char)(c - 'a' + 'A');
	if ((p = strchr(sfid_alphabet, c)) == NULL || c == '\0')
		return -1;
	return (int)(p - sfid_alphabet);
}

int
policy_id_valid(const char *id, const char *expect_prefix, char out18[19],
    char *errbuf, size_t errlen)
{
	size_t	 i, n = strnlen(id, 19);
	char	 sum[3];
	int	 chunk, j, bits;

	if (n != 15 && n != 18) {
		snprintf(errbuf, errlen, "a Salesforce ID has 15 or 18 "
		    "characters, this one has %s%zu", n > 18 ? "more than " : "",
		    n > 18 ? (size_t)18 : n);
		return -1;
	}
	for (i = 0; i < n; i++) {
		char c = id[i];
		if (!(('A' <= c && c <= 'Z') || ('a' <= c && c <= 'z') ||
		    ('0' <= c && c <= '9'))) {
			snprintf(errbuf, errlen, "a Salesforce ID has only "
			    "letters and digits; character %zu is not one", i + 1);
			return -1;
		}
	}
	memcpy(out18, id, n);
	out18[n] = '\0';
	if (n == 18) {
		/* 18-character IDs are case-insensitive: the suffix carries
		 * the case of the first 15, so restore it from there. */
		for (chunk = 0; chunk < 3; chunk++) {
			if ((bits = sfid_suffix_value(id[15 + chunk])) == -1) {
				snprintf(errbuf, errlen, "the ID's checksum "
				    "(last 3 characters) is not valid");
				return -1;
			}
			for (j = 0; j < 5; j++) {
				char *c = &out18[chunk * 5 + j];
				int upper = (bits >> j) & 1;
				if (upper && '0' <= *c && *c <= '9') {
					snprintf(errbuf, errlen, "the ID's "
					    "checksum does not match: check "
					    "that it was copied whole");
					return -1;
				}
				if (upper && 'a' <= *c && *c <= 'z')
					*c = (char)(*c - 'a' + 'A');
				else if (!upper && 'A' <= *c && *c <= 'Z')
					*c = (char)(*c - 'A' + 'a');
			}
		}
	}
	sfid_checksum(out18, sum);
	memcpy(out18 + 15, sum, 3);
	out18[18] = '\0';
	if (expect_prefix != NULL && strncmp(out18, expect_prefix, 3) != 0) {
		snprintf(errbuf, errlen, "the ID starts with '%.3s' but this "
		    "tool reads records whose IDs start with '%s'", out18,
		    expect_prefix);
		return -1;
	}
	return 0;
}
