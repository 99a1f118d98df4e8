/*
 * writer_test.c: the real writer executable, its three channels played
 * by this test: the parent (CONFIG, JOURNAL with a descriptor), the
 * front (WR_UPDATE, WR_NOTE, WR_COMMIT, CANCEL) and the broker (every
 * answer, and a check of every request the writer makes).  The journal
 * is read back after each outcome.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "sfrevops.h"
#include "tap.h"

#define OPP_ID		"006000000000001AAA"
#define WAIT_MS		5000

struct child {
	pid_t		 pid;
	struct ipc	 parent, front, broker;
	char		 journal[256];
};

static char	 dir[] = "/tmp/writer_test.XXXXXX";
static uint32_t	 front_id = 100;

static const char *AUDIT_DESCRIBE =
    "{\"object\":\"Cleanup_Audit__c\",\"fields\":[],\"picklists\":{},"
    "\"keyPrefix\":\"a0X\",\"meta\":{"
    "\"Object_Name__c\":{\"type\":\"string\",\"createable\":true},"
    "\"Record_Id__c\":{\"type\":\"string\",\"createable\":true},"
    "\"Field_Name__c\":{\"type\":\"string\",\"createable\":true},"
    "\"Old_Value__c\":{\"type\":\"textarea\",\"createable\":true},"
    "\"New_Value__c\":{\"type\":\"textarea\",\"createable\":true},"
    "\"Justification__c\":{\"type\":\"textarea\",\"createable\":true},"
    "\"Performed_By__c\":{\"type\":\"string\",\"createable\":true},"
    "\"Failed__c\":{\"type\":\"boolean\"},"
    "\"Attempt_Id__c\":{\"type\":\"string\"},"
    "\"Error__c\":{\"type\":\"textarea\"}}}";
/* No Failed__c, no Attempt_Id__c, no Error__c. */
static const char *AUDIT_DESCRIBE_BARE =
    "{\"object\":\"Cleanup_Audit__c\",\"fields\":[],\"picklists\":{},"
    "\"keyPrefix\":\"a0X\",\"meta\":{"
    "\"Object_Name__c\":{\"type\":\"string\"},"
    "\"Record_Id__c\":{\"type\":\"string\"},"
    "\"Field_Name__c\":{\"type\":\"string\"},"
    "\"Old_Value__c\":{\"type\":\"textarea\"},"
    "\"New_Value__c\":{\"type\":\"textarea\"},"
    "\"Justification__c\":{\"type\":\"textarea\"},"
    "\"Performed_By__c\":{\"type\":\"string\"}}}";
static const char *OPP_DESCRIBE =
    "{\"object\":\"Opportunity\",\"fields\":[],"
    "\"picklists\":{\"StageName\":[\"Prospecting\",\"Closed Won\"],"
    "\"LeadSource\":[\"Web\",\"Partner\"]},"
    "\"keyPrefix\":\"006\",\"meta\":{"
    "\"NextStep\":{\"type\":\"string\",\"label\":\"Next Step\","
    "\"length\":255,\"updateable\":true,\"nillable\":true},"
    "\"LeadSource\":{\"type\":\"picklist\",\"label\":\"Lead Source\","
    "\"restrictedPicklist\":true,\"updateable\":true,\"nillable\":true},"
    "\"StageName\":{\"type\":\"picklist\",\"updateable\":true},"
    "\"OwnerId\":{\"type\":\"reference\",\"updateable\":true}}}";
static const char *ACCOUNT_DESCRIBE =
    "{\"object\":\"Account\",\"fields\":[],\"picklists\":{},"
    "\"keyPrefix\":\"001\",\"meta\":{}}";

/* ------------------------------------------------------------ plumbing */

/* The next message that is neither HELLO nor LOG; 0 if none in time. */
static int
next_msg(struct ipc *ipc, struct ipc_msg *msg, int timeout_ms)
{
	char	 err[256];

	for (;;) {
		if (ipc_recv_blocking(ipc, msg, timeout_ms, err,
		    sizeof(err)) != 1)
			return 0;
		if (msg->hdr.type != IMSG_HELLO && msg->hdr.type != IMSG_LOG)
			return 1;
		ipc_msg_free(msg);
	}
}

/* Nothing arrives within ms: the writer asked nothing of this peer. */
static int
quiet(struct ipc *ipc, int ms)
{
	struct ipc_msg	 msg;

	if (next_msg(ipc, &msg, ms)) {
		printf("#   unexpected %s\n", imsg_name(msg.hdr.type));
		ipc_msg_free(&msg);
		return 0;
	}
	return 1;
}

static void
drain_logs(struct child *c)
{
	struct ipc_msg	 msg;
	struct pollfd	 pfd = { c->parent.fd, POLLIN, 0 };
	char		 err[256];

	while (poll(&pfd, 1, 0) == 1 && ipc_recv_blocking(&c->parent, &msg,
	    10, err, sizeof(err)) == 1)
		ipc_msg_free(&msg);
}

/* A message of type; its JSON (after u32 flags when with_flags). */
static cJSON *
expect(struct ipc *ipc, uint32_t type, uint32_t *id, uint32_t *flags,
    char **raw)
{
	struct ipc_msg	 msg;
	struct buf	 b;
	char		*s = NULL;
	uint32_t	 f = 0;
	cJSON		*j;

	if (!next_msg(ipc, &msg, WAIT_MS)) {
		printf("#   no %s came\n", imsg_name(type));
		return NULL;
	}
	if (msg.hdr.type != type) {
		printf("#   got %s, not %s\n", imsg_name(msg.hdr.type),
		    imsg_name(type));
		if (msg.hdr.type == IMSG_ERROR) {
			buf_from(&b, msg.data, msg.hdr.len);
			if (buf_get_u32(&b, &f) == 0 &&
			    buf_get_str(&b, &s, 65536) == 0)
				printf("#   error %u: %s\n", f, s);
			free(s);
		}
		ipc_msg_free(&msg);
		return NULL;
	}
	if (id != NULL)
		*id = msg.hdr.id;
	buf_from(&b, msg.data, msg.hdr.len);
	if (flags != NULL && buf_get_u32(&b, &f) == -1)
		fatalx("no flags in %s", imsg_name(type));
	if (flags != NULL)
		*flags = f;
	if (type == IMSG_SF_IDENTITY || type == IMSG_CANCEL) {
		ipc_msg_free(&msg);
		return cJSON_CreateObject();
	}
	if (buf_get_str(&b, &s, IPC_MAX_PAYLOAD) == -1)
		fatalx("no string in %s", imsg_name(type));
	ipc_msg_free(&msg);
	if (raw != NULL) {
		*raw = s;
		return cJSON_CreateObject();
	}
	j = cJSON_Parse(s);
	if (j == NULL)
		printf("#   not JSON: %s\n", s);
	free(s);
	return j;
}

/* An ERROR: its code, its message in msgbuf.  -1 if something else. */
static int
expect_error(struct ipc *ipc, uint32_t *id, char *msgbuf, size_t len)
{
	struct ipc_msg	 msg;
	struct buf	 b;
	uint32_t	 code;
	char		*s = NULL;

	if (!next_msg(ipc, &msg, WAIT_MS))
		return -1;
	if (msg.hdr.type != IMSG_ERROR) {
		printf("#   got %s, not ERROR\n", imsg_name(msg.hdr.type));
		ipc_msg_free(&msg);
		return -1;
	}
	if (id != NULL)
		*id = msg.hdr.id;
	buf_from(&b, msg.data, msg.hdr.len);
	if (buf_get_u32(&b, &code) == -1 || buf_get_str(&b, &s, 65536) == -1)
		fatalx("a malformed ERROR");
	snprintf(msgbuf, len, "%s", s);
	free(s);
	ipc_msg_free(&msg);
	return (int)code;
}

static void
send_str(struct ipc *ipc, uint32_t type, uint32_t id, int with_flags,
    uint32_t flags, const char *s)
{
	struct buf	 b;

	buf_init(&b);
	if (with_flags)
		buf_put_u32(&b, flags);
	buf_put_str(&b, s);
	ipc_send_buf(ipc, type, id, &b);
	buf_free(&b);
	if (ipc_flush_blocking(ipc, WAIT_MS) == -1)
		fatal("flush");
}

static void
send_error(struct ipc *ipc, uint32_t id, uint32_t code, const char *s)
{
	ipc_send_error(ipc, id, code, s);
	if (ipc_flush_blocking(ipc, WAIT_MS) == -1)
		fatal("flush");
}

static void
send_commit(struct child *c, uint32_t id, const char *plan, uint32_t d)
{
	struct buf	 b;

	buf_init(&b);
	buf_put_str(&b, plan);
	buf_put_u32(&b, d);
	ipc_send_buf(&c->front, IMSG_WR_COMMIT, id, &b);
	buf_free(&b);
	if (ipc_flush_blocking(&c->front, WAIT_MS) == -1)
		fatal("flush");
}

static const char *
js(const cJSON *j, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, key));
}

/*
 * Start the writer.  journal: "file" (a new file in dir), "none" (the
 * parent says SFDC_JOURNAL is none), "full" (a file 100 bytes short of
 * its bound of 1 MiB).
 */
static void
start(struct child *c, const char *journal, const char *extra_config)
{
	int		 sp[3][2], i, fd = -1;
	char		 path[512], *conf, *fill;
	const char	*bd = getenv("top_builddir");
	struct buf	 b;
	struct ipc_msg	 msg;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < 3; i++)
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
		    sp[i]) == -1)
			fatal("socketpair");
	snprintf(path, sizeof(path), "%s/sfrevops-mcp-writer", bd ? bd : ".");
	if ((c->pid = fork()) == -1)
		fatal("fork");
	if (c->pid == 0) {
		for (i = 0; i < 3; i++)
			if (dup2(sp[i][1], FD_PARENT + i) == -1)
				_exit(127);
		closefrom_sf(FD_FIRST_FREE);
		execl(path, path, "-R", "writer", (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 3; i++)
		(void)close(sp[i][1]);
	ipc_init(&c->parent, sp[0][0], PROC_WRITER);
	ipc_init(&c->front, sp[1][0], PROC_WRITER);
	ipc_init(&c->broker, sp[2][0], PROC_WRITER);
	ipc_send_hello(&c->parent, PROC_PARENT);
	ipc_send_hello(&c->front, PROC_FRONT);
	ipc_send_hello(&c->broker, PROC_BROKER);
	snprintf(c->journal, sizeof(c->journal), "%s/j%d.jsonl", dir,
	    (int)c->pid);
	xasprintf(&conf, "{\"log_level\":\"debug\",\"audit_object\":"
	    "\"Cleanup_Audit__c\",\"journal\":\"%s\"%s%s%s}",
	    strcmp(journal, "none") == 0 ? "none" : c->journal,
	    strcmp(journal, "none") == 0 ? ",\"journal_why\":\"SFDC_JOURNAL"
	    "=none\"" : "", strcmp(journal, "full") == 0 ?
	    ",\"journal_max_mb\":1" : "", extra_config ? extra_config : "");
	send_str(&c->parent, IMSG_CONFIG, 0, 0, 0, conf);
	free(conf);
	buf_init(&b);
	if (strcmp(journal, "none") == 0) {
		buf_put_u32(&b, ECANCELED);
		buf_put_str(&b, "SFDC_JOURNAL=none");
		ipc_send_buf(&c->parent, IMSG_JOURNAL, 0, &b);
	} else {
		fd = open(c->journal, O_WRONLY | O_APPEND | O_CREAT |
		    O_CLOEXEC, 0600);
		if (fd == -1)
			fatal("%s", c->journal);
		if (strcmp(journal, "full") == 0) {
			fill = xmalloc(1024 * 1024 - 100);
			memset(fill, '\n', 1024 * 1024 - 100);
			if (write(fd, fill, 1024 * 1024 - 100) !=
			    1024 * 1024 - 100)
				fatal("write");
			free(fill);
		}
		buf_put_u32(&b, 0);
		buf_put_str(&b, c->journal);
		ipc_send_fd(&c->parent, IMSG_JOURNAL, 0, &b, fd);
	}
	buf_free(&b);
	if (ipc_flush_blocking(&c->parent, WAIT_MS) == -1)
		fatal("flush");
	(void)ipc_flush_blocking(&c->front, WAIT_MS);
	(void)ipc_flush_blocking(&c->broker, WAIT_MS);
	if (!next_msg(&c->parent, &msg, WAIT_MS) ||
	    msg.hdr.type != IMSG_READY)
		fatalx("the writer did not become ready");
	ipc_msg_free(&msg);
	/* With a journal, its first word to the front is "unknown" while
	 * the audit object is checked (the front waits for a status before
	 * its first tools/list); without one, "disabled" (read by the
	 * test). */
	if (strcmp(journal, "none") != 0) {
		cJSON	*st = expect(&c->front, IMSG_WR_STATUS, NULL, NULL,
		    NULL);

		ok(st != NULL && strcmp(js(st, "writes"), "unknown") == 0,
		    "at once after start-up: WR_STATUS unknown");
		cJSON_Delete(st);
	}
}

static int
stop(struct child *c)
{
	pid_t	 r = 0;
	int	 status = -1, i;

	drain_logs(c);
	/* As the parent stops it: a clean exit (and the leak checks). */
	ipc_send(&c->parent, IMSG_SHUTDOWN, 0, NULL, 0);
	(void)ipc_flush_blocking(&c->parent, WAIT_MS);
	for (i = 0; i < 250 && (r = waitpid(c->pid, &status, WNOHANG)) == 0;
	    i++) {
		drain_logs(c);
		usleep(20000);
	}
	if (r == 0) {
		(void)kill(c->pid, SIGKILL);
		(void)waitpid(c->pid, &status, 0);
		status = -1;
	}
	ipc_close(&c->front);
	ipc_close(&c->broker);
	ipc_close(&c->parent);
	return status;
}

/* The audit check at start-up: answer it with describe. */
static cJSON *
start_audit(struct child *c, const char *describe)
{
	uint32_t	 id;
	cJSON		*j;
	char		*obj = NULL;

	j = expect(&c->broker, IMSG_SF_DESCRIBE, &id, NULL, &obj);
	ok(j != NULL && obj != NULL && strcmp(obj, "Cleanup_Audit__c") == 0,
	    "start-up: the writer describes the audit object");
	cJSON_Delete(j);
	free(obj);
	send_str(&c->broker, IMSG_SF_DESCRIBE_R, id, 0, 0, describe);
	return expect(&c->front, IMSG_WR_STATUS, NULL, NULL, NULL);
}

/* The journal's events, in order, as "event,event,...". */
static char *
journal_events(const char *path, const char *attempt)
{
	FILE	*f = fopen(path, "r");
	char	 line[70000], *out = xcalloc(1, 4096);
	cJSON	*j;

	if (f == NULL)
		return out;
	while (fgets(line, sizeof(line), f) != NULL) {
		if ((j = cJSON_Parse(line)) == NULL) {
			strlcpy_sf(out, "(a line that is not JSON)", 4096);
			break;
		}
		if (attempt == NULL || (js(j, "attempt") != NULL &&
		    strcmp(js(j, "attempt"), attempt) == 0)) {
			if (out[0] != '\0')
				strncat(out, ",", 4095 - strlen(out));
			strncat(out, js(j, "event") ? js(j, "event") : "?",
			    4095 - strlen(out));
		}
		cJSON_Delete(j);
	}
	fclose(f);
	return out;
}

/* --------------------------------------------------------- the plans */

/*
 * A WR_UPDATE through to its plan, the broker's part played; identity
 * asked when ask_identity.  The plan (caller frees), or NULL.
 */
static cJSON *
plan_update(struct child *c, const char *request, int ask_identity,
    uint32_t flags, char **mutation_out)
{
	uint32_t	 id, f, fid = ++front_id;
	cJSON		*j, *m = NULL, *plan;
	char		*s = NULL;

	send_str(&c->front, IMSG_WR_UPDATE, fid, 1, flags, request);
	if ((j = expect(&c->broker, IMSG_SF_DESCRIBE, &id, NULL, &s)) == NULL)
		return NULL;
	cJSON_Delete(j);
	free(s);
	send_str(&c->broker, IMSG_SF_DESCRIBE_R, id, 0, 0, OPP_DESCRIBE);
	if ((j = expect(&c->broker, IMSG_SF_GET, &id, &f, &s)) == NULL)
		return NULL;
	cJSON_Delete(j);
	free(s);
	send_str(&c->broker, IMSG_SF_GET_R, id, 0, 0,
	    "{\"object\":\"Opportunity\",\"id\":\"" OPP_ID "\",\"records\":"
	    "[{\"NextStep\":\"Call Ann\",\"LastModifiedDate\":"
	    "\"2026-11-30T10:00:00.000+0000\"}]}");
	if (ask_identity) {
		if ((j = expect(&c->broker, IMSG_SF_IDENTITY, &id, NULL,
		    NULL)) == NULL)
			return NULL;
		cJSON_Delete(j);
		send_str(&c->broker, IMSG_SF_IDENTITY_R, id, 0, 0,
		    "{\"user_id\":\"005000000000001AAA\",\"username\":"
		    "\"ann@example.com\",\"name\":\"Ann\"}");
	}
	if ((m = expect(&c->broker, IMSG_SF_WRITE_UPDATE, &id, &f,
	    NULL)) == NULL)
		return NULL;
	ok(f == 1, "the plan's payload comes from the broker's dry run");
	send_str(&c->broker, IMSG_SF_WRITE_UPDATE_R, id, 0, 0,
	    "{\"dry_run\":true,\"method\":\"POST\",\"path\":"
	    "\"/services/data/v60.0/composite\",\"body\":{\"allOrNone\":true,"
	    "\"collateSubrequests\":false,\"compositeRequest\":[]}}");
	plan = expect(&c->front, IMSG_WR_UPDATE_R, &id, NULL, NULL);
	ok(plan != NULL && id == fid, "the plan answers the WR_UPDATE");
	if (mutation_out != NULL) {
		*mutation_out = cJSON_PrintUnformatted(m);
	}
	cJSON_Delete(m);
	return plan;
}

static const char *REQ_NEXTSTEP =
    "{\"object_type\":\"Opportunity\",\"object_id\":\"" OPP_ID "\","
    "\"field_name\":\"NextStep\",\"new_value\":\"Send the proposal\","
    "\"justification\":\"The call on Monday agreed the next step\","
    "\"client\":\"Test Client 1.0\"}";

/* ---------------------------------------------------------- the tests */

/* A refusal before any request: ERROR SFE_INVALID naming the problem. */
static void
refused_early(struct child *c, const char *request, const char *needle,
    const char *what)
{
	char		 msg[4096];
	uint32_t	 id, fid = ++front_id;
	int		 code;

	send_str(&c->front, IMSG_WR_UPDATE, fid, 1, 0, request);
	code = expect_error(&c->front, &id, msg, sizeof(msg));
	ok(code == SFE_INVALID && id == fid && strstr(msg, needle) != NULL,
	    "%s: refused (%s)", what, msg);
	ok(quiet(&c->broker, 100), "%s: nothing asked of the broker", what);
}

static void
test_refusals(struct child *c)
{
	refused_early(c, "{\"object_type\":\"Opportunity\",\"object_id\":\""
	    OPP_ID "\",\"field_name\":\"NextStep\",\"new_value\":\"x\","
	    "\"justification\":\"  too short \"}", "justification has 9 "
	    "characters", "a justification of 9 characters");
	refused_early(c, "{\"object_type\":\"Opportunity\",\"object_id\":\""
	    OPP_ID "\",\"field_name\":\"NextStep\",\"new_value\":\"x\"}",
	    "justification is required", "no justification");
	refused_early(c, "{\"object_type\":\"Opportunity\",\"object_id\":\""
	    OPP_ID "\",\"field_name\":\"NextStep\",\"new_value\":\"x\","
	    "\"justification\":\"a good reason here\",\"upsert\":true}",
	    "unknown key 'upsert'", "an unknown key");
	refused_early(c, "{\"object_type\":\"Case\",\"object_id\":\""
	    OPP_ID "\",\"field_name\":\"Status\",\"new_value\":\"x\","
	    "\"justification\":\"a good reason here\"}",
	    "SFDC_WRITE_OBJECTS allows", "an object outside the allow-list");
	refused_early(c, "{\"object_type\":\"Opportunity\",\"object_id\":"
	    "\"001000000000001AAA\",\"field_name\":\"NextStep\","
	    "\"new_value\":\"x\",\"justification\":\"a good reason here\"}",
	    "starts with '001'", "an Account ID for an Opportunity");
	refused_early(c, "{\"object_type\":\"Opportunity\",\"object_id\":"
	    "\"006000000000001AAB\",\"field_name\":\"NextStep\","
	    "\"new_value\":\"x\",\"justification\":\"a good reason here\"}",
	    "checksum", "an ID with a bad checksum");
	refused_early(c, "{\"object_type\":\"Opportunity\",\"object_id\":\""
	    OPP_ID "\",\"field_name\":\"OwnerId\",\"new_value\":"
	    "\"005000000000001AAA\",\"justification\":\"a good reason here\"}",
	    "never written", "OwnerId");
	refused_early(c, "{\"object_type\":\"Opportunity\",\"object_id\":\""
	    OPP_ID "\",\"field_name\":\"NextStep\",\"new_value\":\"\","
	    "\"justification\":\"a good reason here\"}", "send null to clear",
	    "an empty string");
	refused_early(c, "{\"object_type\":\"Opportunity\",\"object_id\":\""
	    OPP_ID "\",\"field_name\":\"NextStep\",\"new_value\":[1],"
	    "\"justification\":\"a good reason here\"}", "new_value is "
	    "required", "an array value");
	refused_early(c, "not json", "not a JSON object", "a request that is "
	    "not JSON");
	refused_early(c, "{\"object_type\":\"Opportunity\",\"object_id\":\""
	    OPP_ID "\",\"field_name\":\"NextStep\",\"new_value\":"
	    "\"x @{audit.id}\",\"justification\":\"a good reason here\"}",
	    "new_value contains '@{'", "a value with a composite reference");
}

/* After describe: a value the field's type refuses, no GET. */
static void
test_bad_picklist(struct child *c)
{
	uint32_t	 id, fid = ++front_id;
	char		 msg[4096], *s = NULL;
	cJSON		*j;
	int		 code;

	send_str(&c->front, IMSG_WR_UPDATE, fid, 1, 0,
	    "{\"object_type\":\"Opportunity\",\"object_id\":\"" OPP_ID "\","
	    "\"field_name\":\"LeadSource\",\"new_value\":\"Billboard\","
	    "\"justification\":\"Marketing said it came from a billboard\"}");
	j = expect(&c->broker, IMSG_SF_DESCRIBE, &id, NULL, &s);
	ok(j != NULL && s != NULL && strcmp(s, "Opportunity") == 0,
	    "bad picklist: the object is described");
	cJSON_Delete(j);
	free(s);
	send_str(&c->broker, IMSG_SF_DESCRIBE_R, id, 0, 0, OPP_DESCRIBE);
	code = expect_error(&c->front, &id, msg, sizeof(msg));
	ok(code == SFE_INVALID && strstr(msg, "'Billboard' is not a value") &&
	    strstr(msg, "'Web', 'Partner'"), "bad picklist: refused with the "
	    "allowed values (%s)", msg);
	ok(quiet(&c->broker, 100), "bad picklist: no read, no write");

	fid = ++front_id;
	send_str(&c->front, IMSG_WR_UPDATE, fid, 1, 0,
	    "{\"object_type\":\"Opportunity\",\"object_id\":\"" OPP_ID "\","
	    "\"field_name\":\"StageName\",\"new_value\":\"Closed Won\","
	    "\"justification\":\"The customer signed the contract today\"}");
	j = expect(&c->broker, IMSG_SF_DESCRIBE, &id, NULL, &s);
	cJSON_Delete(j);
	free(s);
	send_str(&c->broker, IMSG_SF_DESCRIBE_R, id, 0, 0, OPP_DESCRIBE);
	code = expect_error(&c->front, &id, msg, sizeof(msg));
	ok(code == SFE_INVALID && strstr(msg, "StageName is left out"),
	    "StageName under Opportunity.*: refused (%s)", msg);
	ok(quiet(&c->broker, 100), "StageName: no read, no write");
}

static void
test_applied(struct child *c)
{
	cJSON		*plan, *m, *a, *o;
	char		*mut = NULL, *got = NULL, *ev;
	uint32_t	 id, f, fid;

	plan = plan_update(c, REQ_NEXTSTEP, 1, 0, &mut);
	ok(plan != NULL && js(plan, "plan_id") != NULL &&
	    strncmp(js(plan, "plan_id"), "p_", 2) == 0 &&
	    strlen(js(plan, "plan_id")) == 34, "the plan has a plan id");
	ok(plan != NULL && js(plan, "attempt_id") != NULL &&
	    strlen(js(plan, "attempt_id")) == 26, "and an attempt id");
	ok(plan != NULL && strcmp(js(plan, "old_value"), "Call Ann") == 0 &&
	    strcmp(js(plan, "new_value"), "Send the proposal") == 0 &&
	    strcmp(js(plan, "field_label"), "Next Step") == 0,
	    "old value, new value, label");
	ok(plan != NULL && cJSON_IsTrue(cJSON_GetObjectItem(plan, "confirm")),
	    "confirm: true (SFDC_CONFIRM_WRITES=elicit by default)");
	ok(plan != NULL && cJSON_IsObject(cJSON_GetObjectItem(plan,
	    "payload")) && cJSON_IsTrue(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(plan, "payload"), "allOrNone")),
	    "the payload is the broker's composite body");
	m = mut ? cJSON_Parse(mut) : NULL;
	a = cJSON_GetObjectItem(m, "audit");
	ok(m != NULL && strcmp(js(m, "field"), "NextStep") == 0 &&
	    strcmp(js(m, "value"), "Send the proposal") == 0 &&
	    strcmp(js(m, "if_unmodified_since"),
	    "2026-11-30T10:00:00.000+0000") == 0,
	    "SF_WRITE_UPDATE: field, value, If-Unmodified-Since from the read");
	ok(a != NULL && strcmp(js(a, "Old_Value__c"), "Call Ann") == 0 &&
	    strcmp(js(a, "Performed_By__c"),
	    "ann@example.com (via Test Client 1.0)") == 0 &&
	    strcmp(js(a, "Attempt_Id__c"), js(plan, "attempt_id")) == 0 &&
	    strcmp(js(a, "Justification__c"),
	    "The call on Monday agreed the next step") == 0 &&
	    strcmp(js(a, "Record_Id__c"), OPP_ID) == 0,
	    "the audit row: old value, performer, attempt, justification");
	cJSON_Delete(m);

	fid = ++front_id;
	send_commit(c, fid, js(plan, "plan_id"), 1);
	m = expect(&c->broker, IMSG_SF_WRITE_UPDATE, &id, &f, &got);
	ok(m != NULL && f == 0 && got != NULL && mut != NULL &&
	    strcmp(got, mut) == 0, "commit: the mutation sent is the one the "
	    "dry run planned");
	cJSON_Delete(m);
	ev = journal_events(c->journal, js(plan, "attempt_id"));
	is_str(ev, "planned,sent", "the journal has 'sent' before the answer");
	free(ev);
	send_str(&c->broker, IMSG_SF_WRITE_UPDATE_R, id, 0, 0,
	    "{\"committed\":true,\"ids\":{\"audit\":\"a0X000000000001AAA\"}}");
	o = expect(&c->front, IMSG_WR_COMMIT_R, &id, NULL, NULL);
	ok(o != NULL && id == fid && strcmp(js(o, "status"), "applied") == 0 &&
	    strcmp(js(o, "audit_id"), "a0X000000000001AAA") == 0 &&
	    strcmp(js(o, "old_value"), "Call Ann") == 0 &&
	    strcmp(js(o, "attempt_id"), js(plan, "attempt_id")) == 0,
	    "commit: applied, with the audit id, old value, attempt id");
	cJSON_Delete(o);
	ev = journal_events(c->journal, js(plan, "attempt_id"));
	is_str(ev, "planned,sent,applied", "the journal: planned, sent, "
	    "applied");
	free(ev);

	/* The same plan again: gone. */
	fid = ++front_id;
	send_commit(c, fid, js(plan, "plan_id"), 1);
	{
		char	 msg[1024];
		int	 code = expect_error(&c->front, &id, msg, sizeof(msg));

		ok(code == SFE_INVALID && strstr(msg, "no write plan"),
		    "a plan is committed once (%s)", msg);
	}
	ok(quiet(&c->broker, 100), "and nothing is sent again");
	free(mut);
	free(got);
	cJSON_Delete(plan);
}

static void
test_refused(struct child *c, int bare)
{
	cJSON		*plan, *m, *a, *o;
	uint32_t	 id, f, fid;
	char		*ev, *pb;

	/* The identity is cached: not asked again. */
	plan = plan_update(c, REQ_NEXTSTEP, 0, 0, NULL);
	if (plan == NULL) {
		ok(0, "refused: a plan");
		return;
	}
	fid = ++front_id;
	send_commit(c, fid, js(plan, "plan_id"), 4);
	m = expect(&c->broker, IMSG_SF_WRITE_UPDATE, &id, &f, NULL);
	cJSON_Delete(m);
	send_str(&c->broker, IMSG_SF_WRITE_UPDATE_R, id, 0, 0,
	    "{\"committed\":false,\"error\":{\"reference\":\"change\","
	    "\"status\":400,\"code\":\"FIELD_CUSTOM_VALIDATION_EXCEPTION\","
	    "\"message\":\"Next step needs a date\",\"fields\":"
	    "[\"NextStep\"]}}");
	if (bare) {
		o = expect(&c->front, IMSG_WR_COMMIT_R, &id, NULL, NULL);
		ok(o != NULL && strcmp(js(o, "status"), "refused") == 0 &&
		    js(o, "failed_audit") != NULL &&
		    strstr(js(o, "failed_audit"), "no Failed__c"),
		    "refused without Failed__c: says the attempt is only in "
		    "the journal");
		ok(quiet(&c->broker, 100), "and writes no failed row");
		ev = journal_events(c->journal, js(plan, "attempt_id"));
		is_str(ev, "planned,sent,refused", "the journal keeps it");
		free(ev);
		cJSON_Delete(o);
		cJSON_Delete(plan);
		return;
	}
	m = expect(&c->broker, IMSG_SF_AUDIT_FAILED, &id, &f, NULL);
	a = cJSON_GetObjectItem(m, "audit");
	ok(a != NULL && cJSON_IsTrue(cJSON_GetObjectItem(a, "Failed__c")) &&
	    strcmp(js(a, "Error__c"), "FIELD_CUSTOM_VALIDATION_EXCEPTION: "
	    "Next step needs a date") == 0 &&
	    strcmp(js(a, "Attempt_Id__c"), js(plan, "attempt_id")) == 0 &&
	    strcmp(js(m, "attempt"), js(plan, "attempt_id")) == 0,
	    "refused: a failed-attempt row, Failed__c true, the error");
	cJSON_Delete(m);
	send_str(&c->broker, IMSG_SF_AUDIT_FAILED_R, id, 0, 0,
	    "{\"committed\":true,\"ids\":{\"audit\":\"a0X000000000009AAA\"}}");
	o = expect(&c->front, IMSG_WR_COMMIT_R, &id, NULL, NULL);
	ok(o != NULL && id == fid && strcmp(js(o, "status"), "refused") == 0 &&
	    strcmp(js(o, "failed_audit_id"), "a0X000000000009AAA") == 0 &&
	    strcmp(js(cJSON_GetObjectItem(o, "error"), "code"),
	    "FIELD_CUSTOM_VALIDATION_EXCEPTION") == 0,
	    "refused: the error and the failed row's id");
	cJSON_Delete(o);
	ev = journal_events(c->journal, js(plan, "attempt_id"));
	is_str(ev, "planned,sent,refused,failed_audit", "the journal: "
	    "refused, failed_audit");
	free(ev);
	(void)pb;
	cJSON_Delete(plan);
}

/* The failed-attempt row's answer lost: looked up, never resent. */
static void
test_failed_ambiguous(struct child *c, int found)
{
	cJSON		*plan, *m, *o;
	uint32_t	 id, f, fid;
	char		*soql = NULL, *ev;

	plan = plan_update(c, REQ_NEXTSTEP, 0, 0, NULL);
	if (plan == NULL) {
		ok(0, "failed row ambiguous: a plan");
		return;
	}
	fid = ++front_id;
	send_commit(c, fid, js(plan, "plan_id"), 4);
	m = expect(&c->broker, IMSG_SF_WRITE_UPDATE, &id, &f, NULL);
	cJSON_Delete(m);
	send_str(&c->broker, IMSG_SF_WRITE_UPDATE_R, id, 0, 0,
	    "{\"committed\":false,\"error\":{\"reference\":\"change\","
	    "\"status\":400,\"code\":\"UNABLE_TO_LOCK_ROW\","
	    "\"message\":\"locked\",\"fields\":[]}}");
	m = expect(&c->broker, IMSG_SF_AUDIT_FAILED, &id, &f, NULL);
	ok(m != NULL, "failed row ambiguous: the failed row is sent");
	cJSON_Delete(m);
	send_error(&c->broker, id, SFE_AMBIGUOUS, "the connection was reset "
	    "after the request was sent");
	m = expect(&c->broker, IMSG_SF_QUERY, &id, &f, &soql);
	ok(m != NULL && soql != NULL && strstr(soql, "FROM Cleanup_Audit__c") &&
	    strstr(soql, js(plan, "attempt_id")) &&
	    strstr(soql, "Failed__c = true"),
	    "failed row ambiguous: its attempt id is looked up among the "
	    "failed rows (%s)", soql ? soql : "");
	cJSON_Delete(m);
	free(soql);
	send_str(&c->broker, IMSG_SF_QUERY_R, id, 0, 0, found ?
	    "{\"records\":[{\"Id\":\"a0X000000000007AAA\"}],\"totalSize\":1}" :
	    "{\"records\":[],\"totalSize\":0}");
	o = expect(&c->front, IMSG_WR_COMMIT_R, &id, NULL, NULL);
	if (found)
		ok(o != NULL && id == fid &&
		    strcmp(js(o, "status"), "refused") == 0 &&
		    js(o, "failed_audit_id") != NULL &&
		    strcmp(js(o, "failed_audit_id"), "a0X000000000007AAA") == 0 &&
		    js(o, "failed_audit_resolved_by") != NULL,
		    "failed row ambiguous, found: refused, the row named");
	else
		ok(o != NULL && id == fid &&
		    strcmp(js(o, "status"), "refused") == 0 &&
		    js(o, "failed_audit_id") == NULL &&
		    js(o, "failed_audit_error") != NULL &&
		    strstr(js(o, "failed_audit_error"), "not sent again"),
		    "failed row ambiguous, not found: refused, unconfirmed, "
		    "not resent (%s)", o && js(o, "failed_audit_error") ?
		    js(o, "failed_audit_error") : "");
	cJSON_Delete(o);
	ok(quiet(&c->broker, 100), "failed row ambiguous: never sent again");
	ev = journal_events(c->journal, js(plan, "attempt_id"));
	is_str(ev, "planned,sent,refused,failed_audit",
	    "failed row ambiguous: the journal");
	free(ev);
	cJSON_Delete(plan);
}

static void
test_ambiguous(struct child *c, int found)
{
	cJSON		*plan, *m, *o;
	uint32_t	 id, f, fid;
	char		*soql = NULL, *ev;

	plan = plan_update(c, REQ_NEXTSTEP, 0, 0, NULL);
	if (plan == NULL) {
		ok(0, "ambiguous: a plan");
		return;
	}
	fid = ++front_id;
	send_commit(c, fid, js(plan, "plan_id"), 1);
	m = expect(&c->broker, IMSG_SF_WRITE_UPDATE, &id, &f, NULL);
	cJSON_Delete(m);
	send_error(&c->broker, id, SFE_AMBIGUOUS, "the connection was reset "
	    "after the request was sent");
	m = expect(&c->broker, IMSG_SF_QUERY, &id, &f, &soql);
	ok(m != NULL && soql != NULL && strstr(soql, "FROM Cleanup_Audit__c") &&
	    strstr(soql, js(plan, "attempt_id")) &&
	    strstr(soql, "Attempt_Id__c = '"),
	    "ambiguous: the attempt id is looked up (%s)", soql ? soql : "");
	cJSON_Delete(m);
	free(soql);
	send_str(&c->broker, IMSG_SF_QUERY_R, id, 0, 0, found ?
	    "{\"records\":[{\"Id\":\"a0X000000000002AAA\"}],\"totalSize\":1}" :
	    "{\"records\":[],\"totalSize\":0}");
	o = expect(&c->front, IMSG_WR_COMMIT_R, &id, NULL, NULL);
	ok(o != NULL && strcmp(js(o, "status"), found ? "applied" :
	    "not_applied") == 0 && strcmp(js(o, "resolved_by"),
	    "attempt-id lookup") == 0, "ambiguous: %s, resolved by the "
	    "attempt-id lookup", found ? "applied" : "not applied");
	if (found)
		ok(o != NULL && js(o, "audit_id") != NULL &&
		    strcmp(js(o, "audit_id"), "a0X000000000002AAA") == 0,
		    "ambiguous: the audit row found is named");
	cJSON_Delete(o);
	ok(quiet(&c->broker, 100), "ambiguous: never sent again");
	ev = journal_events(c->journal, js(plan, "attempt_id"));
	is_str(ev, found ? "planned,sent,unknown,resolved_applied" :
	    "planned,sent,unknown,resolved_not_applied",
	    "the journal: unknown, then resolved");
	free(ev);
	cJSON_Delete(plan);
}

static void
test_declined(struct child *c)
{
	cJSON		*plan, *o;
	uint32_t	 id, fid;
	char		*ev;

	plan = plan_update(c, REQ_NEXTSTEP, 0, 0, NULL);
	if (plan == NULL) {
		ok(0, "declined: a plan");
		return;
	}
	fid = ++front_id;
	send_commit(c, fid, js(plan, "plan_id"), 2);
	o = expect(&c->front, IMSG_WR_COMMIT_R, &id, NULL, NULL);
	ok(o != NULL && strcmp(js(o, "status"), "declined") == 0,
	    "declined: said so");
	ok(quiet(&c->broker, 100), "declined: nothing sent");
	ev = journal_events(c->journal, js(plan, "attempt_id"));
	is_str(ev, "planned,declined", "the journal: declined");
	free(ev);
	cJSON_Delete(o);
	cJSON_Delete(plan);
}

static void
test_dry_run(struct child *c)
{
	cJSON		*plan;
	char		*ev;

	plan = plan_update(c, REQ_NEXTSTEP, 0, 1, NULL);
	ok(plan != NULL && cJSON_IsTrue(cJSON_GetObjectItem(plan, "dry_run")) &&
	    cJSON_GetObjectItem(plan, "plan_id") == NULL,
	    "dry run: the payload, no plan id");
	ev = journal_events(c->journal, plan ? js(plan, "attempt_id") : "");
	is_str(ev, "", "dry run: nothing journaled");
	free(ev);
	cJSON_Delete(plan);
}

static void
test_note(struct child *c)
{
	uint32_t	 id, f, fid = ++front_id;
	cJSON		*j, *plan;
	char		*s = NULL;

	send_str(&c->front, IMSG_WR_NOTE, fid, 1, 1,
	    "{\"object_type\":\"Account\",\"object_id\":\"001000000000001AAA\","
	    "\"body\":\"Met <Ann> & Bob\\nNext: renewal\","
	    "\"client\":\"Test Client 1.0\"}");
	j = expect(&c->broker, IMSG_SF_DESCRIBE, &id, NULL, &s);
	cJSON_Delete(j);
	free(s);
	send_str(&c->broker, IMSG_SF_DESCRIBE_R, id, 0, 0, ACCOUNT_DESCRIBE);
	j = expect(&c->broker, IMSG_SF_WRITE_NOTE, &id, &f, NULL);
	ok(j != NULL && f == 1 && strcmp(js(j, "title"), "Met <Ann> & Bob") ==
	    0 && strcmp(js(j, "content"), "PHA+TWV0ICZsdDtBbm4mZ3Q7ICZhbXA7IEJv"
	    "YjwvcD48cD5OZXh0OiByZW5ld2FsPC9wPg==") == 0 &&
	    strcmp(js(cJSON_GetObjectItem(j, "audit"), "Field_Name__c"),
	    "ContentNote") == 0, "note: title from the first line, content "
	    "base64 of the escaped HTML, audited as ContentNote");
	cJSON_Delete(j);
	send_str(&c->broker, IMSG_SF_WRITE_NOTE_R, id, 0, 0,
	    "{\"dry_run\":true,\"method\":\"POST\",\"path\":"
	    "\"/services/data/v60.0/composite\",\"body\":{\"allOrNone\":true}}");
	plan = expect(&c->front, IMSG_WR_NOTE_R, &id, NULL, NULL);
	ok(plan != NULL && id == fid && cJSON_IsTrue(cJSON_GetObjectItem(plan,
	    "dry_run")) && cJSON_GetNumberValue(cJSON_GetObjectItem(plan,
	    "body_chars")) == 29, "note: a dry-run plan with body_chars");
	cJSON_Delete(plan);
}

/* A note Salesforce refuses: the failed row names the title. */
static void
test_note_refused(struct child *c)
{
	uint32_t	 id, f, fid = ++front_id;
	cJSON		*j, *plan, *a, *o;
	char		*s = NULL, *ev;

	send_str(&c->front, IMSG_WR_NOTE, fid, 1, 0,
	    "{\"object_type\":\"Account\",\"object_id\":\"001000000000001AAA\","
	    "\"body\":\"Renewal\",\"title\":\"Renewal call\"}");
	j = expect(&c->broker, IMSG_SF_DESCRIBE, &id, NULL, &s);
	cJSON_Delete(j);
	free(s);
	send_str(&c->broker, IMSG_SF_DESCRIBE_R, id, 0, 0, ACCOUNT_DESCRIBE);
	j = expect(&c->broker, IMSG_SF_WRITE_NOTE, &id, &f, NULL);
	a = cJSON_GetObjectItem(j, "audit");
	ok(a != NULL && cJSON_GetObjectItem(a, "New_Value__c") == NULL &&
	    strcmp(js(a, "Justification__c"), "add_note: Renewal call") == 0,
	    "note: no New_Value__c (the broker names the note), a "
	    "justification naming the title");
	cJSON_Delete(j);
	send_str(&c->broker, IMSG_SF_WRITE_NOTE_R, id, 0, 0,
	    "{\"dry_run\":true,\"body\":{\"allOrNone\":true}}");
	plan = expect(&c->front, IMSG_WR_NOTE_R, &id, NULL, NULL);
	if (plan == NULL || js(plan, "plan_id") == NULL) {
		ok(0, "note refused: a plan");
		cJSON_Delete(plan);
		return;
	}
	send_commit(c, ++front_id, js(plan, "plan_id"), 1);
	j = expect(&c->broker, IMSG_SF_WRITE_NOTE, &id, &f, NULL);
	ok(j != NULL && f == 0, "note: sent after the commit");
	cJSON_Delete(j);
	send_str(&c->broker, IMSG_SF_WRITE_NOTE_R, id, 0, 0,
	    "{\"committed\":false,\"error\":{\"reference\":\"link\","
	    "\"status\":400,\"code\":\"INVALID_FIELD_FOR_INSERT_UPDATE\","
	    "\"message\":\"ShareType\",\"fields\":[\"ShareType\"]}}");
	j = expect(&c->broker, IMSG_SF_AUDIT_FAILED, &id, &f, NULL);
	a = cJSON_GetObjectItem(j, "audit");
	ok(a != NULL && strcmp(js(a, "New_Value__c"), "Renewal call") == 0 &&
	    strcmp(js(a, "Field_Name__c"), "ContentNote") == 0 &&
	    cJSON_IsTrue(cJSON_GetObjectItem(a, "Failed__c")),
	    "note refused: the failed row names the title, as ContentNote");
	cJSON_Delete(j);
	send_error(&c->broker, id, SFE_INVALID, "a test refusal");
	o = expect(&c->front, IMSG_WR_COMMIT_R, &id, NULL, NULL);
	ok(o != NULL && strcmp(js(o, "status"), "refused") == 0 &&
	    js(o, "failed_audit") != NULL && js(o, "failed_audit_error") != NULL &&
	    strcmp(js(o, "failed_audit_error"), "a test refusal") == 0,
	    "a failed row the broker refuses: said, with its error");
	cJSON_Delete(o);
	ev = journal_events(c->journal, js(plan, "attempt_id"));
	is_str(ev, "planned,sent,refused,failed_audit", "the journal keeps it");
	free(ev);
	cJSON_Delete(plan);
}

static void
test_cancel(struct child *c)
{
	uint32_t	 id, bid, fid = ++front_id;
	cJSON		*j;
	char		 msg[1024], *s = NULL;
	int		 code;

	send_str(&c->front, IMSG_WR_UPDATE, fid, 1, 0, REQ_NEXTSTEP);
	j = expect(&c->broker, IMSG_SF_DESCRIBE, &bid, NULL, &s);
	cJSON_Delete(j);
	free(s);
	ipc_send(&c->front, IMSG_CANCEL, fid, NULL, 0);
	(void)ipc_flush_blocking(&c->front, WAIT_MS);
	code = expect_error(&c->front, &id, msg, sizeof(msg));
	ok(code == SFE_CANCELLED && id == fid, "cancel: answered cancelled");
	j = expect(&c->broker, IMSG_CANCEL, &id, NULL, NULL);
	ok(j != NULL && id == bid, "cancel: the broker request is cancelled");
	cJSON_Delete(j);
	send_error(&c->broker, bid, SFE_CANCELLED, "cancelled");
	ok(quiet(&c->front, 100), "cancel: answered once");
	ok(quiet(&c->broker, 100), "cancel: nothing more asked");
}

int
main(void)
{
	struct child	 c;
	cJSON		*st;
	char		 msg[2048], cmd[128];
	uint32_t	 id;
	int		 code;

	jsonalloc_init();
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fatal("signal");
	if (mkdtemp(dir) == NULL)
		fatal("mkdtemp");

	/* An org with the whole audit object. */
	start(&c, "file", NULL);
	st = start_audit(&c, AUDIT_DESCRIBE);
	ok(st != NULL && strcmp(js(st, "writes"), "enabled") == 0 &&
	    cJSON_IsTrue(cJSON_GetObjectItem(st, "failed_flag")),
	    "WR_STATUS: enabled, failed_flag true");
	cJSON_Delete(st);
	test_refusals(&c);
	test_bad_picklist(&c);
	test_applied(&c);
	test_refused(&c, 0);
	test_failed_ambiguous(&c, 1);
	test_failed_ambiguous(&c, 0);
	test_ambiguous(&c, 1);
	test_ambiguous(&c, 0);
	test_declined(&c);
	test_dry_run(&c);
	test_note(&c);
	test_note_refused(&c);
	test_cancel(&c);
	code = stop(&c);
	ok(code != -1 && WIFEXITED(code) && WEXITSTATUS(code) == 0,
	    "the writer exits 0 on SHUTDOWN, every write answered");

	/* An audit object without the optional fields. */
	start(&c, "file", NULL);
	st = start_audit(&c, AUDIT_DESCRIBE_BARE);
	ok(st != NULL && strcmp(js(st, "writes"), "enabled") == 0 &&
	    !cJSON_IsTrue(cJSON_GetObjectItem(st, "failed_flag")) &&
	    strstr(js(st, "reason"), "no Failed__c"),
	    "WR_STATUS without Failed__c: enabled, and says so");
	cJSON_Delete(st);
	{
		cJSON	*plan;
		char	*mut = NULL;
		cJSON	*m, *a;

		plan = plan_update(&c, REQ_NEXTSTEP, 1, 0, &mut);
		m = mut ? cJSON_Parse(mut) : NULL;
		a = cJSON_GetObjectItem(m, "audit");
		ok(a != NULL && plan != NULL && cJSON_GetObjectItem(a,
		    "Attempt_Id__c") == NULL && strstr(js(a,
		    "Performed_By__c"), js(plan, "attempt_id")) &&
		    strstr(js(a, "Performed_By__c"), "[attempt w_"),
		    "without Attempt_Id__c the attempt is in Performed_By__c");
		cJSON_Delete(m);
		cJSON_Delete(plan);
		free(mut);
	}
	test_refused(&c, 1);
	code = stop(&c);
	ok(code != -1 && WIFEXITED(code) && WEXITSTATUS(code) == 0,
	    "and exits 0");

	/* The audit object is missing. */
	start(&c, "file", NULL);
	{
		uint32_t	 bid;
		char		*s = NULL;
		cJSON		*j = expect(&c.broker, IMSG_SF_DESCRIBE, &bid,
		    NULL, &s);

		cJSON_Delete(j);
		free(s);
		send_error(&c.broker, bid, SFE_NOT_FOUND, "NOT_FOUND: The "
		    "requested resource does not exist");
	}
	st = expect(&c.front, IMSG_WR_STATUS, NULL, NULL, NULL);
	ok(st != NULL && strcmp(js(st, "writes"), "disabled") == 0 &&
	    strstr(js(st, "reason"), "Cleanup_Audit__c cannot be described"),
	    "audit object missing: disabled, with the reason");
	cJSON_Delete(st);
	send_str(&c.front, IMSG_WR_UPDATE, ++front_id, 1, 0, REQ_NEXTSTEP);
	code = expect_error(&c.front, &id, msg, sizeof(msg));
	ok(code == SFE_POLICY && strstr(msg, "writes are disabled"),
	    "and a write is refused with it (%s)", msg);
	ok(quiet(&c.broker, 100), "before any request");
	ok(stop(&c) == 0, "the writer exits 0 on SHUTDOWN");

	/* A reason that escapes to more than a status holds: shortened,
	 * and the writer goes on (it used to stop). */
	start(&c, "file", NULL);
	{
		uint32_t	 bid;
		char		*s = NULL, big[2001];
		cJSON		*j = expect(&c.broker, IMSG_SF_DESCRIBE, &bid,
		    NULL, &s);
		size_t		 k;

		cJSON_Delete(j);
		free(s);
		for (k = 0; k < sizeof(big) - 1; k++)
			big[k] = k % 2 ? '"' : '\x01';
		big[sizeof(big) - 1] = '\0';
		send_error(&c.broker, bid, SFE_NOT_FOUND, big);
	}
	st = expect(&c.front, IMSG_WR_STATUS, NULL, NULL, NULL);
	ok(st != NULL && strcmp(js(st, "writes"), "disabled") == 0 &&
	    strstr(js(st, "reason"), "Cleanup_Audit__c cannot be described"),
	    "a reason too long escaped: the status still goes, shortened");
	cJSON_Delete(st);
	ok(stop(&c) == 0, "and the writer exits 0 on SHUTDOWN");

	/* The org is unreachable at start-up: unknown, checked again. */
	start(&c, "file", NULL);
	{
		uint32_t	 bid;
		char		*s = NULL;
		cJSON		*j = expect(&c.broker, IMSG_SF_DESCRIBE, &bid,
		    NULL, &s);

		cJSON_Delete(j);
		free(s);
		send_error(&c.broker, bid, SFE_NETWORK, "connection refused");
		st = expect(&c.front, IMSG_WR_STATUS, NULL, NULL, NULL);
		ok(st != NULL && strcmp(js(st, "writes"), "unknown") == 0,
		    "unreachable at start-up: unknown");
		cJSON_Delete(st);
		send_str(&c.front, IMSG_WR_UPDATE, ++front_id, 1, 0,
		    REQ_NEXTSTEP);
		j = expect(&c.broker, IMSG_SF_DESCRIBE, &bid, NULL, &s);
		ok(j != NULL && strcmp(s, "Cleanup_Audit__c") == 0,
		    "the first write checks the audit object again");
		cJSON_Delete(j);
		free(s);
		send_str(&c.broker, IMSG_SF_DESCRIBE_R, bid, 0, 0,
		    AUDIT_DESCRIBE);
		st = expect(&c.front, IMSG_WR_STATUS, NULL, NULL, NULL);
		ok(st != NULL && strcmp(js(st, "writes"), "enabled") == 0,
		    "then enabled");
		cJSON_Delete(st);
		j = expect(&c.broker, IMSG_SF_DESCRIBE, &bid, NULL, &s);
		ok(j != NULL && strcmp(s, "Opportunity") == 0,
		    "and the write goes on");
		cJSON_Delete(j);
		free(s);
	}
	ok(stop(&c) == 0, "the writer exits 0 on SHUTDOWN");

	/* SFDC_TOOLS=add_note: the writer refuses an update itself. */
	start(&c, "file", ",\"tools\":[\"add_note\"]");
	st = start_audit(&c, AUDIT_DESCRIBE);
	cJSON_Delete(st);
	send_str(&c.front, IMSG_WR_UPDATE, ++front_id, 1, 0, REQ_NEXTSTEP);
	code = expect_error(&c.front, &id, msg, sizeof(msg));
	ok(code == SFE_POLICY && strstr(msg, "SFDC_TOOLS"),
	    "SFDC_TOOLS without update_field: a WR_UPDATE from the front is "
	    "refused by the writer too (%s)", msg);
	ok(quiet(&c.broker, 100), "before any request");
	ok(stop(&c) == 0, "the writer exits 0 on SHUTDOWN");

	/* SFDC_JOURNAL=none: disabled, nothing asked. */
	start(&c, "none", NULL);
	st = expect(&c.front, IMSG_WR_STATUS, NULL, NULL, NULL);
	ok(st != NULL && strcmp(js(st, "writes"), "disabled") == 0 &&
	    strstr(js(st, "reason"), "journal"), "no journal: disabled (%s)",
	    st ? js(st, "reason") : "");
	cJSON_Delete(st);
	ok(quiet(&c.broker, 100), "no journal: the org is not even asked");
	ok(stop(&c) == 0, "the writer exits 0 on SHUTDOWN");

	/* A journal at its bound: the plan is refused, writes disabled. */
	start(&c, "full", NULL);
	st = start_audit(&c, AUDIT_DESCRIBE);
	cJSON_Delete(st);
	send_str(&c.front, IMSG_WR_UPDATE, ++front_id, 1, 0, REQ_NEXTSTEP);
	{
		uint32_t	 bid;
		char		*s = NULL;
		cJSON		*j;

		j = expect(&c.broker, IMSG_SF_DESCRIBE, &bid, NULL, &s);
		cJSON_Delete(j);
		free(s);
		send_str(&c.broker, IMSG_SF_DESCRIBE_R, bid, 0, 0, OPP_DESCRIBE);
		j = expect(&c.broker, IMSG_SF_GET, &bid, &id, &s);
		cJSON_Delete(j);
		free(s);
		send_str(&c.broker, IMSG_SF_GET_R, bid, 0, 0, "{\"records\":"
		    "[{\"NextStep\":null,\"LastModifiedDate\":"
		    "\"2026-11-30T10:00:00.000+0000\"}]}");
		j = expect(&c.broker, IMSG_SF_IDENTITY, &bid, NULL, NULL);
		cJSON_Delete(j);
		send_str(&c.broker, IMSG_SF_IDENTITY_R, bid, 0, 0,
		    "{\"username\":\"ann@example.com\"}");
		j = expect(&c.broker, IMSG_SF_WRITE_UPDATE, &bid, &id, NULL);
		cJSON_Delete(j);
		send_str(&c.broker, IMSG_SF_WRITE_UPDATE_R, bid, 0, 0,
		    "{\"dry_run\":true,\"body\":{\"allOrNone\":true}}");
	}
	st = expect(&c.front, IMSG_WR_STATUS, NULL, NULL, NULL);
	ok(st != NULL && strcmp(js(st, "writes"), "disabled") == 0,
	    "a journal at its bound disables writes");
	cJSON_Delete(st);
	code = expect_error(&c.front, &id, msg, sizeof(msg));
	ok(code == SFE_POLICY && strstr(msg, "no room in the journal"),
	    "and refuses the write (%s)", msg);
	ok(quiet(&c.broker, 100), "nothing sent");
	ok(stop(&c) == 0, "the writer exits 0 on SHUTDOWN");

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return tap_done();
}
