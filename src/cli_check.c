/*
 * cli_check.c: the report of sfrevops-mcp check.  The checks against the
 * org run in the front, through the broker, in the same sandboxes as
 * serving (src/tools/check.c: the private request sfrevops/check); its
 * answer is a list of {name, status, detail, fix} in structuredContent,
 * printed here one line each, or as JSON with --json.
 *
 * Exit status: 0 when no check failed (a warning is printed but is not
 * a failure: an optional field missing, Landlock absent), 1 otherwise.
 */
#include "config.h"

#include <sys/syscall.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "sfrevops.h"
#include "cli.h"

static int	 opt_json;

void
cli_check_set_json(int on)
{
	opt_json = on;
}

/*
 * Landlock, asked of the kernel here: the parent takes no sandbox step
 * (it links no sandbox.c), and the answer is the kernel's, the same for
 * every process.  The children without it still have seccomp and their
 * rlimits; lost is the second layer of file and TCP rules.
 */
static void
check_landlock(cJSON *checks)
{
	cJSON	*c;
	long	 abi = -1;
	char	 d[256];
	int	 e = 0;

#ifdef SYS_landlock_create_ruleset
	abi = syscall(SYS_landlock_create_ruleset, NULL, 0, 1UL << 0);
	e = errno;
#else
	e = ENOSYS;
#endif
	if ((c = cJSON_CreateObject()) == NULL)
		fatalx("cJSON_CreateObject");
	cJSON_AddStringToObject(c, "name", "landlock");
	if (abi >= 1) {
		snprintf(d, sizeof(d), "Landlock ABI %ld: the second layer of "
		    "file and TCP rules applies", abi);
		cJSON_AddStringToObject(c, "status", "ok");
	} else {
		snprintf(d, sizeof(d), "Landlock is unavailable (%s): seccomp "
		    "and rlimits still apply, the second layer does not",
		    e == EOPNOTSUPP ? "disabled at boot" : e == ENOSYS ?
		    "the kernel has none" : strerror(e));
		cJSON_AddStringToObject(c, "status", "warn");
		cJSON_AddStringToObject(c, "fix", "boot a kernel with Landlock "
		    "enabled (lsm=...,landlock); see sfrevops-mcp-security(7)");
	}
	cJSON_AddStringToObject(c, "detail", d);
	cJSON_AddItemToArray(checks, c);
}

int
cli_check_report(cJSON *result)
{
	const cJSON	*checks, *c;
	cJSON		*sc;
	char		*text;
	int		 failed = 0, n = 0;

	sc = cJSON_GetObjectItemCaseSensitive(result, "structuredContent");
	checks = cJSON_GetObjectItemCaseSensitive(sc, "checks");
	if (!cJSON_IsArray(checks)) {
		fprintf(stderr, "%s: check: the front's answer holds no "
		    "checks\n", SFREVOPS_NAME);
		cJSON_Delete(result);
		return 1;
	}
	check_landlock((cJSON *)checks);
	cJSON_ArrayForEach(c, checks) {
		const char *st = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(c, "status"));
		if (st == NULL || (strcmp(st, "ok") != 0 &&
		    strcmp(st, "warn") != 0 && strcmp(st, "skip") != 0))
			failed++;
		n++;
	}
	if (opt_json) {
		cJSON_AddBoolToObject(sc, "ok", failed == 0);
		if ((text = cJSON_Print(sc)) == NULL)
			fatalx("cJSON_Print");
		printf("%s\n", text);
		cJSON_free(text);
	} else {
		cJSON_ArrayForEach(c, checks) {
			const char *st, *name, *detail, *fix;

			st = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(c, "status"));
			name = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(c, "name"));
			detail = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(c, "detail"));
			fix = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(c, "fix"));
			printf("%-4s %s: %s%s%s\n", st == NULL ? "FAIL" :
			    strcmp(st, "ok") == 0 ? "ok" :
			    strcmp(st, "warn") == 0 ? "WARN" :
			    strcmp(st, "skip") == 0 ? "skip" : "FAIL",
			    name != NULL ? name : "?",
			    detail != NULL ? detail : "",
			    fix != NULL && (st == NULL || strcmp(st, "ok") != 0) ?
			    "; to do: " : "",
			    fix != NULL && (st == NULL || strcmp(st, "ok") != 0) ?
			    fix : "");
		}
		printf("%s: %d of %d checks failed\n", failed ? "FAILED" : "OK",
		    failed, n);
	}
	cJSON_Delete(result);
	if (fflush(stdout) == EOF)
		return 1;
	return failed ? 1 : 0;
}
