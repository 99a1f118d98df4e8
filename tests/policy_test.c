/*
 * policy_test.c: the channel table, names and Salesforce IDs.
 */
#include "config.h"

#include <string.h>

#include "sfrevops.h"
#include "tap.h"

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
	ok(policy_check(PROC_FRONT, PROC_BROKER, IMSG_SF_CREATE, PS_RUN) == -1,
	    "front may not create");
	ok(policy_check(PROC_FRONT, PROC_BROKER, IMSG_SF_UPDATE, PS_RUN) == -1,
	    "front may not update");
	ok(policy_check(PROC_WRITER, PROC_BROKER, IMSG_SF_UPDATE, PS_RUN) == 0,
	    "writer may update");
	ok(policy_check(PROC_WRITER, PROC_BROKER, IMSG_SF_CREATE, PS_RUN) == 0,
	    "writer may create");
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
	ok(policy_check(PROC_BROKER, PROC_FRONT, IMSG_SF_QUERY_R, PS_RUN) == 0,
	    "answers flow back");
	ok(policy_check(PROC_BROKER, PROC_FRONT, IMSG_SF_CREATE_R, PS_RUN) == -1,
	    "the front never receives a create answer");
	ok(policy_check(PROC_FRONT, PROC_WRITER, IMSG_WR_UPDATE, PS_RUN) == 0,
	    "the front asks the writer");
	ok(policy_check(PROC_FRONT, PROC_WRITER, IMSG_SF_UPDATE, PS_RUN) == -1,
	    "but not with a raw update");
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
	test_names();
	return tap_done();
}
