/*
 * objects.h: the Salesforce objects this server knows, in one table.
 *
 * Everything that depends on an object (its key prefix, the fields the
 * record tools read by default, whether its records may be read or
 * written) is a column of objects.c's table; the tools, the policy
 * (policy_object_prefix, policy_id_valid) and the broker read it there.
 */
#ifndef OBJECTS_H
#define OBJECTS_H

/* Key prefixes: written here once, for the table and for the texts that
 * tell a model which IDs a tool takes. */
#define PREFIX_ACCOUNT		"001"
#define PREFIX_CONTACT		"003"
#define PREFIX_USER		"005"
#define PREFIX_OPPORTUNITY	"006"
#define PREFIX_LEAD		"00Q"

#define OBJ_READ	0x01	/* records readable with IMSG_SF_GET */
#define OBJ_WRITE	0x02	/* a target of the light writes */

struct sf_object {
	const char	*name;		/* API name */
	const char	*prefix;	/* key prefix of its IDs */
	unsigned int	 flags;
	const char	*fields;	/* the curated default set (csv), or NULL */
};

/* The entry of an API name (case-sensitive), or NULL.  Static data. */
const struct sf_object *objects_find(const char *name);
/* The key prefix of a known object; fatal for an unknown one (a bug). */
const char *objects_prefix(const char *name);

#endif /* OBJECTS_H */
