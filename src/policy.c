/*
 * policy.c: who may send what, to whom, when, and in which shape.
 * Default deny.
 *
 * The rows are policy_table.h; this file generates the verdict table
 * from them and is the one place that judges a message: every receiver
 * passes every message through policy_admit() (directly, or through
 * policy_dispatch(), which then calls the row's handler) before it looks
 * at the payload.  A message no row allows, in a state the row does not
 * name, of the wrong shape or size, or a once-only type seen before, is
 * a protocol violation: it is logged and the receiver exits, since its
 * peer is presumed compromised.  Every process treats it the same way.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sfrevops.h"
#include "objects.h"
#include "policy_table.h"

#define ST_START	PS_START
#define ST_RUN		PS_RUN
#define ST_ANY		(PS_START | PS_RUN)
#define ONCE_ONCE	1
#define ONCE_MANY	0

static const struct policy_rule {
	enum proc_role	 sender;
	enum proc_role	 receiver;
	uint32_t	 type;
	int		 states;
	const char	*shape;
	uint32_t	 max_len;
	int		 once;
} policy_table[] = {
#define PT_RULE(s, r, t, st, sh, max, once, h)				\
	{ PROC_##s, PROC_##r, IMSG_##t, ST_##st, sh, max, ONCE_##once },
	POLICY_TABLE(PT_RULE)
#undef PT_RULE
};

static const struct policy_rule *
rule_find(enum proc_role sender, enum proc_role receiver, uint32_t type)
{
	size_t	 i;

	for (i = 0; i < sizeof(policy_table) / sizeof(policy_table[0]); i++) {
		const struct policy_rule *r = &policy_table[i];

		if (r->sender == sender && r->receiver == receiver &&
		    r->type == type)
			return r;
	}
	return NULL;
}

int
policy_check(enum proc_role sender, enum proc_role receiver, uint32_t type,
    enum policy_state state)
{
	const struct policy_rule *r;

	if (type == IMSG_HELLO)
		return 0;	/* ipc.c allows it exactly once, first */
	if ((r = rule_find(sender, receiver, type)) == NULL)
		return -1;
	return (r->states & (int)state) ? 0 : -1;
}

int
policy_shape_ok(const char *shape, const uint8_t *p, size_t len)
{
	size_t		 off = 0;
	uint32_t	 n;

	for (; *shape != '\0'; shape++) {
		switch (*shape) {
		case 'u':
			if (len - off < 4)
				return 0;
			off += 4;
			break;
		case 's':
			if (len - off < 4)
				return 0;
			memcpy(&n, p + off, 4);
			off += 4;
			if (n > len - off || memchr(p + off, '\0', n) != NULL)
				return 0;
			off += n;
			break;
		case '*':
			off = len;
			break;
		default:
			return 0;	/* a table typo: refuse everything */
		}
	}
	return off == len;
}

int
policy_verdict(enum proc_role sender, enum proc_role receiver,
    enum policy_state state, const struct ipc_msg *msg, uint64_t *once_seen,
    char *errbuf, size_t errlen)
{
	const struct policy_rule	*r;
	const char			*name = imsg_name(msg->hdr.type);
	char				 num[16];

	if (name == NULL) {
		snprintf(num, sizeof(num), "type %u", msg->hdr.type);
		name = num;
	}
	if ((r = rule_find(sender, receiver, msg->hdr.type)) == NULL) {
		snprintf(errbuf, errlen, "%s sent %s, which no rule lets it "
		    "send to the %s", proc_name(sender), name,
		    proc_name(receiver));
		return -1;
	}
	if ((r->states & (int)state) == 0) {
		snprintf(errbuf, errlen, "%s sent %s %s", proc_name(sender),
		    name, state == PS_START ? "before the receiver was ready" :
		    "after start-up, where only start-up allows it");
		return -1;
	}
	if (msg->hdr.len > r->max_len) {
		snprintf(errbuf, errlen, "%s sent a %u-byte %s; at most %u are "
		    "allowed", proc_name(sender), msg->hdr.len, name,
		    r->max_len);
		return -1;
	}
	if (!policy_shape_ok(r->shape, msg->data, msg->hdr.len)) {
		snprintf(errbuf, errlen, "%s sent a malformed %s (not of shape "
		    "\"%s\")", proc_name(sender), name, r->shape);
		return -1;
	}
	if (r->once) {
		uint64_t bit = (uint64_t)1 << (msg->hdr.type % IMSG_MAX);
		if (*once_seen & bit) {
			snprintf(errbuf, errlen, "%s sent %s a second time; it "
			    "may come only once", proc_name(sender), name);
			return -1;
		}
		*once_seen |= bit;
	}
	return 0;
}

void
policy_admit(enum proc_role receiver, struct ipc *from,
    enum policy_state state, const struct ipc_msg *msg)
{
	char	 err[256];

	if (policy_verdict(from->peer, receiver, state, msg, &from->once_seen,
	    err, sizeof(err)) == -1)
		fatalx("protocol violation: %s", err);
}

void
policy_dispatch(enum proc_role receiver, struct ipc *from,
    enum policy_state state, struct ipc_msg *msg,
    const struct policy_handler *handlers, size_t n, void *arg)
{
	policy_admit(receiver, from, state, msg);
	policy_call(receiver, from, msg, handlers, n, arg);
}

void
policy_call(enum proc_role receiver, struct ipc *from,
    const struct ipc_msg *msg, const struct policy_handler *handlers,
    size_t n, void *arg)
{
	struct buf	 b;
	size_t		 i;

	for (i = 0; i < n; i++)
		if (handlers[i].sender == from->peer &&
		    handlers[i].receiver == receiver &&
		    handlers[i].type == msg->hdr.type)
			break;
	if (i == n || handlers[i].fn == NULL)
		fatalx("protocol violation: %s from %s has no handler in the "
		    "%s now", imsg_name(msg->hdr.type), proc_name(from->peer),
		    proc_name(receiver));
	buf_from(&b, msg->data, msg->hdr.len);
	handlers[i].fn(arg, from, msg->hdr.id, &b);
}

int
policy_answers(uint32_t request, uint32_t answer)
{
	return (request & 1) == 0 && request != IMSG_NONE &&
	    (answer == request + 1 || answer == IMSG_ERROR);
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

/*
 * The domains Salesforce serves orgs from: My Domain hosts
 * (acme.my.salesforce.com), their sandbox and scratch variants
 * (acme--uat.sandbox.my.salesforce.com), login and test, the older
 * instance hosts (na1.salesforce.com), Lightning and Visualforce
 * (*.force.com).  A name of letters, digits and hyphens in non-empty
 * labels that ends in one of them, below it, not equal to it.  Other
 * clouds (Government Cloud's salesforce.mil) are reached only as the
 * configured host.  One rule for the parent's connector and for a
 * token answer's instance_url (auth.c).
 */
static const char *const salesforce_domains[] = {
	"salesforce.com",
	"force.com",
	NULL
};

int
policy_salesforce_host(const char *host)
{
	size_t	 n = strlen(host), d, i, label = 0;

	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i < n; i++) {
		char c = host[i];
		if (c == '.') {
			if (label == 0)
				return 0;	/* empty label, or a leading dot */
			label = 0;
			continue;
		}
		if (!(('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') ||
		    ('0' <= c && c <= '9') || c == '-') || ++label > 63)
			return 0;
	}
	if (label == 0)
		return 0;		/* a trailing dot */
	for (i = 0; salesforce_domains[i] != NULL; i++) {
		d = strlen(salesforce_domains[i]);
		if (n > d + 1 && host[n - d - 1] == '.' &&
		    strcasecmp(host + n - d, salesforce_domains[i]) == 0)
			return 1;
	}
	return 0;
}

/*
 * The My Domain name of a Salesforce host: its first label, without a
 * sandbox's "--name" (acme from acme.my.salesforce.com,
 * acme--uat.sandbox.my.salesforce.com and acme.lightning.force.com).
 * 0 and the name in out, or -1 when host is not a Salesforce host.
 */
static int
mydomain_of(const char *host, char *out, size_t outlen)
{
	size_t	 n;

	if (!policy_salesforce_host(host))
		return -1;
	n = strcspn(host, ".");
	if (strstr(host, "--") != NULL && (size_t)(strstr(host, "--") - host)
	    < n)
		n = (size_t)(strstr(host, "--") - host);
	if (n == 0 || n >= outlen)
		return -1;
	memcpy(out, host, n);
	out[n] = '\0';
	return 0;
}

int
policy_same_mydomain(const char *a, const char *b)
{
	char	 da[64], db[64];

	return mydomain_of(a, da, sizeof(da)) == 0 &&
	    mydomain_of(b, db, sizeof(db)) == 0 && strcasecmp(da, db) == 0 &&
	    strcasecmp(da, "login") != 0 && strcasecmp(da, "test") != 0;
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
