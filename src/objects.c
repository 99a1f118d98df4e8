/*
 * objects.c: the one table of object facts.
 *
 * To serve one more object: one line here (and, for a record tool, its
 * file in src/tools/).  The default field lists are what the get tools
 * read when the caller names no fields; the broker trims them to the
 * fields the org has.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "sfrevops.h"
#include "objects.h"

static const struct sf_object objects[] = {
	{ "Account", PREFIX_ACCOUNT, OBJ_READ | OBJ_WRITE,
	  "Id,Name,Type,Industry,AnnualRevenue,NumberOfEmployees,BillingCity,"
	  "BillingState,BillingCountry,Website,Phone,OwnerId,Owner.Name,"
	  "LastActivityDate,CreatedDate,LastModifiedDate" },
	{ "Contact", PREFIX_CONTACT, OBJ_READ | OBJ_WRITE,
	  "Id,FirstName,LastName,Name,Title,Email,Phone,AccountId,"
	  "Account.Name,OwnerId,Owner.Name,LastActivityDate,LastModifiedDate" },
	/* Owners: read by ID (owner_id arguments), never written. */
	{ "User", PREFIX_USER, OBJ_READ, NULL },
	{ "Opportunity", PREFIX_OPPORTUNITY, OBJ_READ | OBJ_WRITE,
	  "Id,Name,AccountId,Account.Name,StageName,Amount,Probability,"
	  "ForecastCategoryName,CloseDate,Type,LeadSource,NextStep,IsClosed,"
	  "IsWon,LastActivityDate,LastStageChangeDate,OwnerId,Owner.Name,"
	  "Owner.Email,CreatedDate,LastModifiedDate" },
	{ "Lead", PREFIX_LEAD, OBJ_READ | OBJ_WRITE,
	  "Id,FirstName,LastName,Name,Company,Title,Email,Phone,Status,"
	  "LeadSource,Rating,IsConverted,OwnerId,Owner.Name,LastActivityDate,"
	  "CreatedDate,LastModifiedDate" },
};

const struct sf_object *
objects_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
		if (strcmp(objects[i].name, name) == 0)
			return &objects[i];
	return NULL;
}

const char *
objects_prefix(const char *name)
{
	const struct sf_object	*o;

	if ((o = objects_find(name)) == NULL)
		fatalx("no object %s in the object table", name);
	return o->prefix;
}
