/*
 * policy_test.c: the channel table, names and Salesforce IDs.
 */
#include "config.h"

#include <sys/wait.h>

#include <string.h>
#include <unistd.h>

#include "sfrevops.h"
#include "policy_table.h"
#include "tap.h"

/* The table, as the test reads it: a second expansion of the same rows. */
#define ST_START	PS_START
#define ST_RUN		PS_RUN
#define ST_ANY		(PS_START | PS_RUN)
static const struct {
	enum proc_role	 s, r;
	uint32_t	 t;
	int		 states;
	const char	*shape;
	uint32_t	 max;
	int		 once;
} rows[] = {
#define T_ROW(s, r, t, st, sh, max, once, h)				\
	{ PROC_##s, PROC_##r, IMSG_##t, ST_##st, sh, max, #once[0] == 'O' },
	POLICY_TABLE(T_ROW)
#undef T_ROW
};
#define NROWS	(sizeof(rows) / sizeof(rows[0]))

static int
row_of(enum proc_role s, enum proc_role r, uint32_t t)
{
	size_t	 i;

	for (i = 0; i < NROWS; i++)
		if (rows[i].s == s && rows[i].r == r && rows[i].t == t)
			return (int)i;
	return -1;
}

/* A payload of the row's shape: u32s of 7, strings "abc". */
static void
payload_of(const char *shape, struct buf *b)
{
	buf_init(b);
	for (; *shape != '\0'; shape++)
		if (*shape == 'u')
			buf_put_u32(b, 7);
		else if (*shape == 's')
			buf_put_str(b, "abc");
		else if (*shape == '*')
			buf_put_bytes(b, "rest", 4);
}

static int
verdict(enum proc_role s, enum proc_role r, enum policy_state st,
    uint32_t type, const struct buf *b, uint64_t *once)
{
	struct ipc_msg	 m;
	char		 err[256];

	memset(&m, 0, sizeof(m));
	m.hdr.type = type;
	m.hdr.len = (uint32_t)b->len;
	m.data = b->data;
	return policy_verdict(s, r, st, &m, once, err, sizeof(err));
}

/*
 * Every (sender, receiver, type, state) outside the table is refused,
 * every one inside it admitted with its shape and refused without.
 */
static void
test_generated(void)
{
	static const enum policy_state states[] = { PS_START, PS_RUN };
	struct buf	 b;
	uint64_t	 once;
	size_t		 allowed = 0, refused = 0, wrong = 0, i;
	int		 s, r, k, row;
	uint32_t	 t;

	for (s = 0; s < PROC_MAX; s++)
		for (r = 0; r < PROC_MAX; r++)
			for (t = 0; t < IMSG_MAX + 8; t++)
				for (k = 0; k < 2; k++) {
					int want, by_check, by_verdict;
					if (t == IMSG_HELLO)
						continue;
					row = row_of(s, r, t);
					want = row >= 0 &&
					    (rows[row].states & (int)states[k]);
					by_check = policy_check(s, r, t,
					    states[k]) == 0;
					payload_of(row >= 0 ? rows[row].shape :
					    "us", &b);
					once = 0;
					by_verdict = verdict(s, r, states[k], t,
					    &b, &once) == 0;
					buf_free(&b);
					if (by_check != want || by_verdict != want)
						wrong++;
					else if (want)
						allowed++;
					else
						refused++;
				}
	ok(wrong == 0, "every channel, type and state: %zu admitted as in "
	    "the table, %zu refused, %zu wrong", allowed, refused, wrong);
	ok(allowed > 0 && refused > allowed, "the table allows little");

	for (i = 0; i < NROWS; i++) {
		enum policy_state st = (rows[i].states & PS_RUN) ? PS_RUN :
		    PS_START;
		const char *name = imsg_name(rows[i].t);

		payload_of(rows[i].shape, &b);
		once = 0;
		ok(verdict(rows[i].s, rows[i].r, st, rows[i].t, &b, &once) == 0,
		    "%s -> %s %s of shape \"%s\" admitted", proc_name(rows[i].s),
		    proc_name(rows[i].r), name, rows[i].shape);
		if (rows[i].once)
			ok(verdict(rows[i].s, rows[i].r, st, rows[i].t, &b,
			    &once) == -1, "  and refused the second time");
		else
			ok(verdict(rows[i].s, rows[i].r, st, rows[i].t, &b,
			    &once) == 0, "  and admitted again");
		buf_put_u32(&b, 0);
		once = 0;
		ok(verdict(rows[i].s, rows[i].r, st, rows[i].t, &b, &once) ==
		    -1 || strchr(rows[i].shape, '*') != NULL,
		    "  refused with 4 bytes too many");
		b.len -= 4;
		if (b.len > 0) {
			/* With a tail of any bytes, cut into the fixed part. */
			b.len = strchr(rows[i].shape, '*') != NULL ? 3 :
			    b.len - 1;
			once = 0;
			ok(verdict(rows[i].s, rows[i].r, st, rows[i].t, &b,
			    &once) == -1, "  refused when cut to %zu bytes",
			    b.len);
		}
		buf_free(&b);
		if (rows[i].max < IPC_MAX_PAYLOAD) {
			struct ipc_msg m;
			char err[256];
			memset(&m, 0, sizeof(m));
			m.hdr.type = rows[i].t;
			m.hdr.len = rows[i].max + 1;
			m.data = calloc(1, rows[i].max + 1);
			once = 0;
			ok(policy_verdict(rows[i].s, rows[i].r, st, &m, &once,
			    err, sizeof(err)) == -1 && strstr(err, "at most") !=
			    NULL, "  refused at max_len + 1 (%u): %s",
			    rows[i].max + 1, err);
			free(m.data);
		}
	}
	/* No row lets the front send a mutation or a secret, anywhere. */
	for (i = 0, k = 0; i < NROWS; i++)
		if (rows[i].s == PROC_FRONT && (rows[i].t ==
		    IMSG_SF_WRITE_UPDATE || rows[i].t == IMSG_SF_WRITE_NOTE ||
		    rows[i].t == IMSG_SF_AUDIT_FAILED || rows[i].t == IMSG_SECRET ||
		    rows[i].t == IMSG_CONFIG || rows[i].r == PROC_FRONT))
			k++;
	ok(k == 0, "the front can send no mutation, secret or config");
}

static void
test_shapes(void)
{
	struct buf	 b;

	buf_init(&b);
	ok(policy_shape_ok("", b.data, 0), "empty shape, empty payload");
	buf_put_u32(&b, 1);
	ok(!policy_shape_ok("", b.data, b.len), "empty shape, 4 bytes");
	ok(policy_shape_ok("u", b.data, b.len), "u");
	ok(!policy_shape_ok("s", (const uint8_t *)"\x05\0\0\0ab", 6),
	    "a string longer than the payload");
	ok(!policy_shape_ok("s", (const uint8_t *)"\x02\0\0\0a\0", 6),
	    "a string with a NUL");
	ok(policy_shape_ok("s", (const uint8_t *)"\x02\0\0\0ab", 6), "s");
	ok(!policy_shape_ok("x", b.data, b.len), "an unknown shape letter");
	ok(policy_shape_ok("u*", b.data, b.len), "u then nothing is u*");
	buf_free(&b);
	ok(policy_answers(IMSG_SF_QUERY, IMSG_SF_QUERY_R), "QUERY_R answers "
	    "QUERY");
	ok(policy_answers(IMSG_SF_QUERY, IMSG_ERROR), "ERROR answers QUERY");
	ok(!policy_answers(IMSG_SF_QUERY, IMSG_SF_GET_R), "GET_R does not");
	ok(!policy_answers(IMSG_SF_QUERY_R, IMSG_ERROR), "an answer has no "
	    "answer");
	ok(imsg_name(IMSG_CANCEL) != NULL && strcmp(imsg_name(IMSG_CANCEL),
	    "CANCEL") == 0, "names are generated from the catalogue");
	ok(imsg_name(3) == NULL && imsg_name(IMSG_MAX) == NULL &&
	    imsg_name(0xffffffffu) == NULL, "no name for a hole or beyond");
}

/* A refused message ends the receiver, whichever process it is. */
static void
test_fatal(void)
{
	static const enum proc_role who[] = { PROC_PARENT, PROC_FRONT,
	    PROC_BROKER, PROC_WRITER };
	size_t	 i;

	for (i = 0; i < sizeof(who) / sizeof(who[0]); i++) {
		struct ipc	 from;
		struct ipc_msg	 m;
		pid_t		 pid;
		int		 status;

		fflush(stdout);
		if ((pid = fork()) == -1) {
			ok(0, "fork");
			return;
		}
		if (pid == 0) {
			ipc_init(&from, -1, PROC_FRONT);
			memset(&m, 0, sizeof(m));
			m.hdr.type = IMSG_SECRET;
			policy_admit(who[i], &from, PS_RUN, &m);
			_exit(0);	/* admitted: the test fails */
		}
		if (waitpid(pid, &status, 0) == -1) {
			ok(0, "waitpid");
			return;
		}
		ok(WIFEXITED(status) && WEXITSTATUS(status) != 0,
		    "the %s exits on a SECRET from the front (status %d)",
		    proc_name(who[i]), status);
	}
}

static void
test_ids(void)
{
	static const struct {
		const char *id15, *id18;
	} vec[] = {
		/* salesforce.md section 4: vectors from real orgs */
		{ "001B000001LnobC", "001B000001LnobCIAR" },
		{ "006gK000002aKKU", "006gK000002aKKUQA2" },
		{ "003G000001SUbc4", "003G000001SUbc4IAD" },
		{ "70130000001tcyI", "70130000001tcyIAAQ" },
		{ "00558000001N0Ke", "00558000001N0KeAAK" },
		{ "a0BA0000000L2ZC", "a0BA0000000L2ZCMA0" },
		{ "AaaAABbbBBCccCC", "AaaAABbbBBCccCCZZZ" },
		{ "a0D30000001n7Pi", "a0D30000001n7PiEAI" },
	};
	char	 out[19], err[256], lower[19];
	size_t	 i, j;

	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		ok(policy_id_valid(vec[i].id15, NULL, out, err, sizeof(err)) ==
		    0 && strcmp(out, vec[i].id18) == 0,
		    "15 -> 18: %s -> %s", vec[i].id15, out);
		ok(policy_id_valid(vec[i].id18, NULL, out, err, sizeof(err)) ==
		    0 && strcmp(out, vec[i].id18) == 0,
		    "18 accepted: %s", vec[i].id18);
		for (j = 0; j < 18; j++) {
			char c = vec[i].id18[j];
			lower[j] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
		}
		lower[18] = '\0';
		ok(policy_id_valid(lower, NULL, out, err, sizeof(err)) == 0 &&
		    strcmp(out, vec[i].id18) == 0,
		    "18, lower-cased, restored: %s -> %s", lower, out);
	}
	ok(policy_id_valid("001B000001LnobC", "001", out, err, sizeof(err)) == 0,
	    "prefix matches");
	ok(policy_id_valid("001B000001LnobC", "006", out, err, sizeof(err)) ==
	    -1 && strstr(err, "starts with '001'") != NULL,
	    "wrong prefix refused: %s", err);
	ok(policy_id_valid("001B000001Lnob", NULL, out, err, sizeof(err)) ==
	    -1 && strstr(err, "15 or 18") != NULL, "14 characters refused");
	ok(policy_id_valid("001B000001LnobCIA", NULL, out, err, sizeof(err)) ==
	    -1, "17 characters refused");
	ok(policy_id_valid("001B000001LnobCIARX", NULL, out, err, sizeof(err))
	    == -1 && strstr(err, "more than 18") != NULL,
	    "19 characters refused");
	ok(policy_id_valid("001B000001Lnob'", NULL, out, err, sizeof(err)) ==
	    -1 && strstr(err, "letters and digits") != NULL,
	    "a quote is refused");
	ok(policy_id_valid("001B000001LnobC\xc3", NULL, out, err, sizeof(err))
	    == -1, "a non-ASCII byte is refused");
	/* "IAR": I=8 (bit 3: 'B'), A, R=17. Mark a digit as upper. */
	ok(policy_id_valid("001B000001LnobCZAR", NULL, out, err, sizeof(err))
	    == -1 && strstr(err, "checksum") != NULL,
	    "a checksum marking a digit upper-case is refused: %s", err);
	ok(policy_id_valid("001B000001LnobC!AR", NULL, out, err, sizeof(err))
	    == -1, "a checksum outside the alphabet is refused");
	ok(policy_id_valid("", NULL, out, err, sizeof(err)) == -1,
	    "empty refused");
}

static void
test_table(void)
{
	ok(policy_check(PROC_FRONT, PROC_BROKER, IMSG_SF_QUERY, PS_RUN) == 0,
	    "front may query");
	ok(policy_check(PROC_FRONT, PROC_BROKER, IMSG_SF_GET, PS_RUN) == 0,
	    "front may read records");
	ok(policy_check(PROC_FRONT, PROC_BROKER, IMSG_SF_WRITE_NOTE,
	    PS_RUN) == -1, "front may not create a note");
	ok(policy_check(PROC_FRONT, PROC_BROKER, IMSG_SF_WRITE_UPDATE,
	    PS_RUN) == -1, "front may not update");
	ok(policy_check(PROC_FRONT, PROC_BROKER, IMSG_SF_AUDIT_FAILED,
	    PS_RUN) == -1, "front may not write an audit row");
	/* Only the writer sends the three mutation shapes, to the broker. */
	ok(policy_check(PROC_WRITER, PROC_BROKER, IMSG_SF_WRITE_UPDATE,
	    PS_RUN) == 0, "the writer sends the audited update");
	ok(policy_check(PROC_WRITER, PROC_BROKER, IMSG_SF_WRITE_NOTE,
	    PS_RUN) == 0, "the writer sends the audited note");
	ok(policy_check(PROC_WRITER, PROC_BROKER, IMSG_SF_WRITE_UPDATE,
	    PS_START) == -1, "not before the broker is ready");
	ok(policy_check(PROC_WRITER, PROC_FRONT, IMSG_SF_WRITE_UPDATE,
	    PS_RUN) == -1, "and to nobody else");
	ok(policy_check(PROC_PARENT, PROC_BROKER, IMSG_SF_WRITE_UPDATE,
	    PS_RUN) == -1, "not even the parent");
	ok(policy_check(PROC_WRITER, PROC_BROKER, IMSG_SF_MORE, PS_RUN) == -1,
	    "writer has no use for cursors");
	ok(policy_check(PROC_FRONT, PROC_BROKER, IMSG_SF_QUERY, PS_START) == -1,
	    "no request before the receiver is ready");
	ok(policy_check(PROC_PARENT, PROC_BROKER, IMSG_SECRET, PS_START) == 0,
	    "parent hands secrets to the broker at start");
	ok(policy_check(PROC_PARENT, PROC_BROKER, IMSG_SECRET, PS_RUN) == -1,
	    "but not once it is serving");
	ok(policy_check(PROC_PARENT, PROC_FRONT, IMSG_SECRET, PS_START) == -1,
	    "the front never gets a secret");
	ok(policy_check(PROC_PARENT, PROC_WRITER, IMSG_SECRET, PS_START) == -1,
	    "the writer never gets a secret");
	ok(policy_check(PROC_FRONT, PROC_BROKER, IMSG_SECRET, PS_RUN) == -1,
	    "the front cannot send a secret");
	/* The exporter: events and its connections, nothing secret. */
	{
		enum proc_role	 r;
		uint32_t	 t;
		int		 any = 0;

		for (t = 0; t < IMSG_MAX; t++)
			if (policy_check(PROC_PARENT, PROC_EXPORT, t,
			    PS_START) == 0 || policy_check(PROC_PARENT,
			    PROC_EXPORT, t, PS_RUN) == 0)
				any |= t == IMSG_SECRET || t == IMSG_CA_BUNDLE ||
				    t == IMSG_JOURNAL || t == IMSG_LOGIN_TOKEN;
		ok(!any, "the exporter never gets a secret, the CA bundle or "
		    "the journal");
		for (any = 0, r = PROC_FRONT; r < PROC_MAX; r++)
			for (t = 0; t < IMSG_MAX; t++)
				if (r != PROC_EXPORT && t != IMSG_HELLO &&
				    (policy_check(
				    PROC_EXPORT, r, t, PS_RUN) == 0 ||
				    policy_check(r, PROC_EXPORT, t,
				    PS_RUN) == 0))
					any = 1;
		ok(!any, "the exporter has no channel but the parent's");
		ok(policy_check(PROC_PARENT, PROC_EXPORT, IMSG_EVENT,
		    PS_RUN) == 0 && policy_check(PROC_PARENT, PROC_EXPORT,
		    IMSG_EVENT, PS_START) == -1, "events once it serves");
		ok(policy_check(PROC_EXPORT, PROC_PARENT, IMSG_CONNECT,
		    PS_RUN) == 0 && policy_check(PROC_EXPORT, PROC_PARENT,
		    IMSG_LOGIN_TOKEN, PS_RUN) == -1, "it asks for connections, "
		    "and sends nothing of the broker's");
		ok(policy_check(PROC_PARENT, PROC_FRONT, IMSG_EVENT,
		    PS_RUN) == -1 && policy_check(PROC_PARENT, PROC_BROKER,
		    IMSG_EVENT, PS_RUN) == -1, "events go to the exporter only");
	}
	{
		/* An EVENT at its bound and one byte past it. */
		struct buf	 b;
		uint64_t	 once = 0;
		char		*big = xmalloc(PT_EVENT_MAX);

		memset(big, 'e', PT_EVENT_MAX - 4);
		big[PT_EVENT_MAX - 4] = '\0';
		buf_init(&b);
		buf_put_str(&b, big);
		ok(b.len == PT_EVENT_MAX && verdict(PROC_PARENT, PROC_EXPORT,
		    PS_RUN, IMSG_EVENT, &b, &once) == 0,
		    "an EVENT of PT_EVENT_MAX bytes is admitted");
		buf_free(&b);
		big[PT_EVENT_MAX - 4] = 'e';
		big[PT_EVENT_MAX - 3] = '\0';
		buf_init(&b);
		buf_put_str(&b, big);
		ok(b.len == PT_EVENT_MAX + 1 && verdict(PROC_PARENT,
		    PROC_EXPORT, PS_RUN, IMSG_EVENT, &b, &once) == -1,
		    "one byte more is refused");
		buf_free(&b);
		free(big);
	}
	ok(policy_check(PROC_BROKER, PROC_FRONT, IMSG_SF_QUERY_R, PS_RUN) == 0,
	    "answers flow back");
	ok(policy_check(PROC_BROKER, PROC_FRONT, IMSG_SF_WRITE_NOTE_R,
	    PS_RUN) == -1, "the front never receives a mutation's answer");
	ok(policy_check(PROC_FRONT, PROC_WRITER, IMSG_WR_UPDATE, PS_RUN) == 0,
	    "the front asks the writer");
	ok(policy_check(PROC_FRONT, PROC_WRITER, IMSG_SF_WRITE_UPDATE,
	    PS_RUN) == -1, "but not with a raw update");
	ok(policy_check(PROC_BROKER, PROC_PARENT, IMSG_LOG, PS_RUN) == 0,
	    "logs go to the parent");
	ok(policy_check(PROC_BROKER, PROC_PARENT, IMSG_READY, PS_RUN) == -1,
	    "READY only once, at start");
	ok(policy_check(PROC_PARENT, PROC_FRONT, IMSG_CONFIG, PS_RUN) == -1,
	    "no reconfiguration while serving");
	ok(policy_check(PROC_FRONT, PROC_BROKER, IMSG_HELLO, PS_START) == 0,
	    "HELLO is framing's business");
	ok(policy_check(PROC_FRONT, PROC_BROKER, 9999, PS_RUN) == -1,
	    "unknown types are denied");
}

static void
test_names(void)
{
	ok(policy_name_valid("Opportunity"), "Opportunity");
	ok(policy_name_valid("Cleanup_Audit__c"), "custom object");
	ok(policy_name_valid("ns__Field__c"), "namespaced field");
	ok(!policy_name_valid(""), "empty");
	ok(!policy_name_valid("1Account"), "leading digit");
	ok(!policy_name_valid("Account Name"), "space");
	ok(!policy_name_valid("Owner.Name"), "a path is not a name");
	ok(!policy_name_valid("Name'--"), "quote");
	{
		char long_name[SF_MAX_NAME + 2];
		memset(long_name, 'a', sizeof(long_name) - 1);
		long_name[sizeof(long_name) - 1] = '\0';
		ok(!policy_name_valid(long_name), "longer than %d", SF_MAX_NAME);
	}
	ok(policy_object_prefix("Opportunity") != NULL &&
	    strcmp(policy_object_prefix("Lead"), "00Q") == 0, "key prefixes");
	ok(policy_object_prefix("Cleanup_Audit__c") == NULL,
	    "no record reads of other objects");
}

int
main(void)
{
	log_init(PROC_PARENT, LOG_LVL_CRITICAL);
	test_ids();
	test_table();
	test_generated();
	test_shapes();
	test_fatal();
	test_names();
	return tap_done();
}
