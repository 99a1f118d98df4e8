/*
 * export.c: the exporter, sfrevops-mcp-export, started by the parent only
 * when SFDC_OTLP_ENDPOINT is set.  It sends the events the parent hands
 * it (one per tool call, and the server's start and stop) to an
 * OpenTelemetry collector as OTLP over HTTP with JSON bodies: the calls
 * as spans on POST /v1/traces, and two cumulative metrics on POST
 * /v1/metrics, sfrevops.tool.calls (a counter by tool and status) and
 * sfrevops.tool.duration (a histogram by tool, in milliseconds).
 *
 * It holds no secret: its CONFIG names the collector and the interval,
 * nothing else, and no row of the policy table lets anything else reach
 * it (SECRET and CA_BUNDLE go to the broker alone).  Its sandbox is the
 * broker's without the files and the threads: it cannot create a socket,
 * connect one or open a file.  Each connection is the parent's
 * (connector.c), to the configured host and port only, asked for with
 * CONNECT as the broker does; the exporter speaks plain HTTP/1.1 on it
 * itself, one request per connection ("Connection: close"), so that no
 * HTTP or TLS library is in its address space (for https the collector
 * is reached through a local agent; see sfrevops-mcp.conf(5)).
 *
 * Nothing here can slow a tool call: the parent only queues an event on
 * this channel, and this process's own queue is bounded (EXPORT_QUEUE_MAX
 * events; the overflow is counted and reported once per episode).  A
 * collector that fails is logged once when it starts failing and once
 * when it takes events again; its events stay queued meanwhile.  At
 * SHUTDOWN one last flush, within EXPORT_STOP_MS.
 *
 * Encoding (opentelemetry-proto, OTLP/JSON): trace and span ids as hex,
 * 64-bit integers as decimal strings, enums as their numbers, field
 * names in lowerCamelCase.
 */
#include "config.h"

#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "sfrevops.h"
#include "policy_table.h"

#define EXPORT_QUEUE_MAX	1024	/* events waiting */
#define EXPORT_BATCH_MAX	64	/* spans in one request; a full batch
					   is sent at once */
#define EXPORT_SERIES_MAX	256	/* (tool, status) pairs counted */
#define EXPORT_TOOLS_MAX	128	/* tools with a histogram */
#define EXPORT_EXCHANGE_MS	2000	/* one request, connection included */
#define EXPORT_STOP_MS		900	/* the last flush, after SHUTDOWN */
#define EXPORT_RESPONSE_MAX	(64 * 1024)	/* bytes read of an answer */
#define EXPORT_TOOL_MAX		64
#define EXPORT_STATUS_MAX	32

/* SPAN_KIND_INTERNAL, SPAN_KIND_SERVER; STATUS_CODE_ERROR. */
#define OTLP_KIND_INTERNAL	1
#define OTLP_KIND_SERVER	2
#define OTLP_STATUS_ERROR	2
#define OTLP_CUMULATIVE		2	/* AGGREGATION_TEMPORALITY_CUMULATIVE */

/* The histogram's bucket bounds, in milliseconds. */
static const double bounds[] = {
	5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000
};
#define NBOUNDS	(sizeof(bounds) / sizeof(bounds[0]))

enum ev_kind { EV_CALL, EV_START, EV_STOP };

struct event {
	enum ev_kind	 kind;
	char		 tool[EXPORT_TOOL_MAX + 1];
	char		 status[EXPORT_STATUS_MAX + 1];
	char		 args_hash[33];
	char		 org_id[19];
	long long	 api_calls;	/* -1: not known */
	uint64_t	 start_ns;
	uint64_t	 end_ns;
};

struct series {
	char		 tool[EXPORT_TOOL_MAX + 1];
	char		 status[EXPORT_STATUS_MAX + 1];
	uint64_t	 count;
};

struct hist {
	char		 tool[EXPORT_TOOL_MAX + 1];
	uint64_t	 count;
	double		 sum, min, max;
	uint64_t	 buckets[NBOUNDS + 1];
};

enum x_state {
	X_IDLE,		/* no exchange */
	X_ASKED,	/* CONNECT sent, waiting for the socket */
	X_CONNECTING,	/* the socket, its handshake under way */
	X_SENDING,
	X_RECEIVING
};

struct exporter {
	struct proc_ctx	 proc;
	char		 host[HOST_MAX + 1];
	unsigned int	 port;
	char		 authority[HOST_MAX + 16];	/* Host: */
	long		 interval_ms;
	const char	*version;
	uint64_t	 start_ns;	/* of the cumulative metrics */

	struct event	 queue[EXPORT_QUEUE_MAX];
	size_t		 qlen;
	uint64_t	 dropped;	/* in this episode of a full queue */
	struct series	 series[EXPORT_SERIES_MAX];
	size_t		 nseries;
	struct hist	 hists[EXPORT_TOOLS_MAX];
	size_t		 nhists;
	uint64_t	 unseries;	/* events past either bound */
	int		 metrics_dirty;

	/* The one exchange in progress. */
	enum x_state	 state;
	int		 path_metrics;	/* 0: /v1/traces, 1: /v1/metrics */
	size_t		 batch;		/* events in the traces body */
	uint32_t	 connect_id;
	uint32_t	 last_id;
	int		 fd;
	char		*req;
	size_t		 reqlen, reqoff;
	char		 resp[512];	/* the start of the answer */
	size_t		 resplen, resptotal;
	uint64_t	 deadline;
	uint64_t	 next_flush;
	int		 failing;	/* the collector: said once */
	int		 chain;		/* a flush goes on: the next request now */

	int		 stopping;
	uint64_t	 stop_deadline;
	int		 parent_gone;
};

static uint64_t
now_ns(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		fatal("clock_gettime");
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void
hex_random(char *out, size_t nbytes)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t		 b[16];
	size_t		 i;
	ssize_t		 n;

	if (nbytes > sizeof(b))
		fatalx("hex_random: %zu bytes", nbytes);
	do
		n = getrandom(b, nbytes, 0);
	while (n == -1 && errno == EINTR);
	if (n != (ssize_t)nbytes)
		fatal("getrandom");
	for (i = 0; i < nbytes; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 0xf];
	}
	out[2 * nbytes] = '\0';
}

/* ------------------------------------------------------------ events */

static int
copy_str(char *dst, size_t dstlen, const cJSON *j, const char *key,
    int required)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(j, key);

	if (!cJSON_IsString(v)) {
		dst[0] = '\0';
		return required ? -1 : 0;
	}
	if (strlen(v->valuestring) >= dstlen)
		return -1;
	strlcpy_sf(dst, v->valuestring, dstlen);
	return 0;
}

static void
metrics_count(struct exporter *x, const struct event *e)
{
	struct series	*s = NULL;
	struct hist	*h = NULL;
	double		 ms;
	size_t		 i;

	x->metrics_dirty = 1;
	for (i = 0; i < x->nseries; i++)
		if (strcmp(x->series[i].tool, e->tool) == 0 &&
		    strcmp(x->series[i].status, e->status) == 0)
			s = &x->series[i];
	if (s == NULL && x->nseries < EXPORT_SERIES_MAX) {
		s = &x->series[x->nseries++];
		strlcpy_sf(s->tool, e->tool, sizeof(s->tool));
		strlcpy_sf(s->status, e->status, sizeof(s->status));
	}
	for (i = 0; i < x->nhists; i++)
		if (strcmp(x->hists[i].tool, e->tool) == 0)
			h = &x->hists[i];
	if (h == NULL && x->nhists < EXPORT_TOOLS_MAX) {
		h = &x->hists[x->nhists++];
		strlcpy_sf(h->tool, e->tool, sizeof(h->tool));
	}
	if (s == NULL || h == NULL) {
		if (x->unseries++ == 0)
			log_warnx("export: more than %d tool and status pairs "
			    "or %d tools: the metrics leave the rest out",
			    EXPORT_SERIES_MAX, EXPORT_TOOLS_MAX);
		if (s == NULL)
			return;
	}
	s->count++;
	if (h == NULL)
		return;
	ms = (double)(e->end_ns - e->start_ns) / 1e6;
	if (h->count == 0 || ms < h->min)
		h->min = ms;
	if (h->count == 0 || ms > h->max)
		h->max = ms;
	h->count++;
	h->sum += ms;
	for (i = 0; i < NBOUNDS && ms > bounds[i]; i++)
		;
	h->buckets[i]++;	/* (bounds[i-1], bounds[i]] */
}

/* IMSG_EVENT: {"kind", "tool", "status", "args_hash", "org_id", "ms",
 * "api_calls", "end_ns"} from the parent. */
static void
export_event(struct exporter *x, struct buf *b)
{
	struct event	 e;
	cJSON		*j;
	const cJSON	*v;
	char		*json = NULL, kind[16];
	double		 ms = 0;

	if (buf_get_str(b, &json, PT_EVENT_MAX) == -1 ||
	    buf_get_end(b) == -1)
		fatalx("protocol violation: a malformed EVENT");
	memset(&e, 0, sizeof(e));
	e.api_calls = -1;
	if ((j = cJSON_Parse(json)) == NULL || !cJSON_IsObject(j) ||
	    copy_str(kind, sizeof(kind), j, "kind", 1) == -1)
		fatalx("protocol violation: an EVENT that is not one");
	free(json);
	e.end_ns = now_ns();
	v = cJSON_GetObjectItemCaseSensitive(j, "end_ns");
	if (cJSON_IsString(v)) {
		char *end;
		unsigned long long n = strtoull(v->valuestring, &end, 10);
		if (*end == '\0' && n > 0)
			e.end_ns = n;
	}
	if (strcmp(kind, "call") == 0) {
		e.kind = EV_CALL;
		if (copy_str(e.tool, sizeof(e.tool), j, "tool", 1) == -1 ||
		    copy_str(e.status, sizeof(e.status), j, "status", 1) == -1 ||
		    copy_str(e.args_hash, sizeof(e.args_hash), j, "args_hash",
		    0) == -1 ||
		    copy_str(e.org_id, sizeof(e.org_id), j, "org_id", 0) == -1)
			fatalx("protocol violation: an EVENT with a field too "
			    "long");
		v = cJSON_GetObjectItemCaseSensitive(j, "ms");
		if (cJSON_IsNumber(v) && v->valuedouble >= 0 &&
		    v->valuedouble < 86400e3)
			ms = v->valuedouble;
		v = cJSON_GetObjectItemCaseSensitive(j, "api_calls");
		if (cJSON_IsNumber(v) && v->valuedouble >= 0 &&
		    v->valuedouble < 1e9)
			e.api_calls = (long long)v->valuedouble;
	} else if (strcmp(kind, "start") == 0)
		e.kind = EV_START;
	else if (strcmp(kind, "stop") == 0)
		e.kind = EV_STOP;
	else
		fatalx("protocol violation: an EVENT of kind %s", kind);
	cJSON_Delete(j);
	e.start_ns = e.end_ns - (uint64_t)(ms * 1e6);
	if (e.kind == EV_CALL)
		metrics_count(x, &e);
	if (x->qlen == EXPORT_QUEUE_MAX) {
		if (x->dropped++ == 0)
			log_warnx("export: %d events wait already: further ones "
			    "are dropped, and counted, until the collector "
			    "takes some", EXPORT_QUEUE_MAX);
		return;
	}
	x->queue[x->qlen++] = e;
}

/* ------------------------------------------------------------ bodies */

static void
attr_str(cJSON *arr, const char *key, const char *val)
{
	cJSON	*a = cJSON_CreateObject(), *v = cJSON_CreateObject();

	cJSON_AddStringToObject(a, "key", key);
	cJSON_AddStringToObject(v, "stringValue", val);
	cJSON_AddItemToObject(a, "value", v);
	cJSON_AddItemToArray(arr, a);
}

static void
attr_int(cJSON *arr, const char *key, long long val)
{
	cJSON	*a = cJSON_CreateObject(), *v = cJSON_CreateObject();
	char	 n[32];

	snprintf(n, sizeof(n), "%lld", val);	/* int64: a string */
	cJSON_AddStringToObject(a, "key", key);
	cJSON_AddStringToObject(v, "intValue", n);
	cJSON_AddItemToObject(a, "value", v);
	cJSON_AddItemToArray(arr, a);
}

static void
add_u64(cJSON *o, const char *key, uint64_t v)
{
	char	 n[32];

	snprintf(n, sizeof(n), "%llu", (unsigned long long)v);
	cJSON_AddStringToObject(o, key, n);
}

/* resourceX: [{resource, scopeX: [{scope, <items>}]}]; returns items' parent */
static cJSON *
envelope(struct exporter *x, cJSON **root, const char *rkey,
    const char *skey)
{
	cJSON	*r, *res, *attrs, *scopes, *sc, *scope;

	*root = cJSON_CreateObject();
	r = cJSON_CreateObject();
	cJSON_AddItemToArray(cJSON_AddArrayToObject(*root, rkey), r);
	res = cJSON_AddObjectToObject(r, "resource");
	attrs = cJSON_AddArrayToObject(res, "attributes");
	attr_str(attrs, "service.name", SFREVOPS_NAME);
	attr_str(attrs, "service.version", x->version);
	scopes = cJSON_AddArrayToObject(r, skey);
	sc = cJSON_CreateObject();
	cJSON_AddItemToArray(scopes, sc);
	scope = cJSON_AddObjectToObject(sc, "scope");
	cJSON_AddStringToObject(scope, "name", SFREVOPS_NAME);
	cJSON_AddStringToObject(scope, "version", x->version);
	return sc;
}

static char *
traces_body(struct exporter *x, size_t n)
{
	cJSON		*root, *sc, *spans, *s, *attrs, *st;
	char		 id[33], name[EXPORT_TOOL_MAX + 16], *out;
	const struct event *e;
	size_t		 i;

	sc = envelope(x, &root, "resourceSpans", "scopeSpans");
	spans = cJSON_AddArrayToObject(sc, "spans");
	for (i = 0; i < n; i++) {
		e = &x->queue[i];
		s = cJSON_CreateObject();
		cJSON_AddItemToArray(spans, s);
		hex_random(id, 16);
		cJSON_AddStringToObject(s, "traceId", id);
		hex_random(id, 8);
		cJSON_AddStringToObject(s, "spanId", id);
		if (e->kind == EV_CALL)
			snprintf(name, sizeof(name), "tools/call %s", e->tool);
		else
			snprintf(name, sizeof(name), "%s %s", SFREVOPS_NAME,
			    e->kind == EV_START ? "start" : "stop");
		cJSON_AddStringToObject(s, "name", name);
		cJSON_AddNumberToObject(s, "kind", e->kind == EV_CALL ?
		    OTLP_KIND_SERVER : OTLP_KIND_INTERNAL);
		add_u64(s, "startTimeUnixNano", e->start_ns);
		add_u64(s, "endTimeUnixNano", e->end_ns);
		attrs = cJSON_AddArrayToObject(s, "attributes");
		if (e->kind != EV_CALL)
			continue;
		attr_str(attrs, "mcp.tool.name", e->tool);
		attr_str(attrs, "sfrevops.status", e->status);
		if (e->api_calls >= 0)
			attr_int(attrs, "sfrevops.api_calls", e->api_calls);
		if (e->args_hash[0] != '\0')
			attr_str(attrs, "sfrevops.args_hash", e->args_hash);
		if (e->org_id[0] != '\0')
			attr_str(attrs, "sfrevops.org_id", e->org_id);
		/* A tool error, a deadline: ERROR; ok and cancelled: unset. */
		if (strcmp(e->status, "ok") != 0 &&
		    strcmp(e->status, "cancelled") != 0) {
			st = cJSON_AddObjectToObject(s, "status");
			cJSON_AddNumberToObject(st, "code", OTLP_STATUS_ERROR);
			cJSON_AddStringToObject(st, "message", e->status);
		}
	}
	if ((out = cJSON_PrintUnformatted(root)) == NULL)
		fatalx("cJSON_PrintUnformatted");
	cJSON_Delete(root);
	return out;
}

/* One metric of the batch: its name, description and unit; its data
 * (kind "sum" or "histogram") is the object returned. */
static cJSON *
metric_add(cJSON *metrics, const char *name, const char *description,
    const char *unit, const char *kind)
{
	cJSON	*m = cJSON_CreateObject();

	cJSON_AddItemToArray(metrics, m);
	cJSON_AddStringToObject(m, "name", name);
	cJSON_AddStringToObject(m, "description", description);
	cJSON_AddStringToObject(m, "unit", unit);
	return cJSON_AddObjectToObject(m, kind);
}

static char *
metrics_body(struct exporter *x)
{
	cJSON		*root, *sc, *metrics, *sum, *dps, *dp, *attrs, *arr;
	char		*out;
	uint64_t	 now = now_ns();
	size_t		 i, k;

	sc = envelope(x, &root, "resourceMetrics", "scopeMetrics");
	metrics = cJSON_AddArrayToObject(sc, "metrics");

	sum = metric_add(metrics, "sfrevops.tool.calls", "tool calls, by tool "
	    "and status", "{call}", "sum");
	cJSON_AddNumberToObject(sum, "aggregationTemporality", OTLP_CUMULATIVE);
	cJSON_AddTrueToObject(sum, "isMonotonic");
	dps = cJSON_AddArrayToObject(sum, "dataPoints");
	for (i = 0; i < x->nseries; i++) {
		dp = cJSON_CreateObject();
		cJSON_AddItemToArray(dps, dp);
		attrs = cJSON_AddArrayToObject(dp, "attributes");
		attr_str(attrs, "mcp.tool.name", x->series[i].tool);
		attr_str(attrs, "sfrevops.status", x->series[i].status);
		add_u64(dp, "startTimeUnixNano", x->start_ns);
		add_u64(dp, "timeUnixNano", now);
		add_u64(dp, "asInt", x->series[i].count);
	}

	sum = metric_add(metrics, "sfrevops.tool.duration", "how long tool "
	    "calls took, by tool", "ms", "histogram");
	cJSON_AddNumberToObject(sum, "aggregationTemporality", OTLP_CUMULATIVE);
	dps = cJSON_AddArrayToObject(sum, "dataPoints");
	for (i = 0; i < x->nhists; i++) {
		const struct hist *h = &x->hists[i];

		dp = cJSON_CreateObject();
		cJSON_AddItemToArray(dps, dp);
		attrs = cJSON_AddArrayToObject(dp, "attributes");
		attr_str(attrs, "mcp.tool.name", h->tool);
		add_u64(dp, "startTimeUnixNano", x->start_ns);
		add_u64(dp, "timeUnixNano", now);
		add_u64(dp, "count", h->count);
		cJSON_AddNumberToObject(dp, "sum", h->sum);
		arr = cJSON_AddArrayToObject(dp, "bucketCounts");
		for (k = 0; k <= NBOUNDS; k++) {
			char n[32];
			snprintf(n, sizeof(n), "%llu",
			    (unsigned long long)h->buckets[k]);
			cJSON_AddItemToArray(arr, cJSON_CreateString(n));
		}
		arr = cJSON_AddArrayToObject(dp, "explicitBounds");
		for (k = 0; k < NBOUNDS; k++)
			cJSON_AddItemToArray(arr, cJSON_CreateNumber(bounds[k]));
		cJSON_AddNumberToObject(dp, "min", h->min);
		cJSON_AddNumberToObject(dp, "max", h->max);
	}
	if ((out = cJSON_PrintUnformatted(root)) == NULL)
		fatalx("cJSON_PrintUnformatted");
	cJSON_Delete(root);
	return out;
}

/* ---------------------------------------------------------- exchange */

static void
exchange_reset(struct exporter *x)
{
	if (x->fd != -1 && close(x->fd) == -1)
		fatal("close");
	x->fd = -1;
	free(x->req);
	x->req = NULL;
	x->reqlen = x->reqoff = x->resplen = x->resptotal = 0;
	x->state = X_IDLE;
}

static const char *
path_of(const struct exporter *x)
{
	return x->path_metrics ? "/v1/metrics" : "/v1/traces";
}

/* The exchange failed: said once until the collector answers again. */
static void
exchange_failed(struct exporter *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
exchange_failed(struct exporter *x, const char *fmt, ...)
{
	char	 why[512];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (!x->failing)
		log_warnx("export: the collector at %s: POST %s: %s; tool "
		    "calls go on, and events wait (at most %d) until it "
		    "answers", x->authority, path_of(x), why,
		    EXPORT_QUEUE_MAX);
	else
		log_debug("export: POST %s: %s", path_of(x), why);
	x->failing = 1;
	exchange_reset(x);
	/* The rest waits for the next interval. */
	x->path_metrics = 0;
	x->chain = 0;
	x->next_flush = now_ms() + (uint64_t)x->interval_ms;
}

static void
exchange_done(struct exporter *x)
{
	if (x->failing)
		log_info("export: the collector at %s takes events again",
		    x->authority);
	x->failing = 0;
	if (!x->path_metrics) {
		memmove(x->queue, x->queue + x->batch,
		    (x->qlen - x->batch) * sizeof(x->queue[0]));
		x->qlen -= x->batch;
		x->batch = 0;
		if (x->dropped > 0 && x->qlen < EXPORT_QUEUE_MAX) {
			log_warnx("export: %llu events were dropped while "
			    "%d waited", (unsigned long long)x->dropped,
			    EXPORT_QUEUE_MAX);
			x->dropped = 0;
		}
	} else
		x->metrics_dirty = 0;
	x->chain = 1;
	exchange_reset(x);
}

static void
exchange_begin(struct exporter *x, int metrics)
{
	char	*body;
	int	 n;
	struct buf b;

	x->path_metrics = metrics;
	if (metrics)
		body = metrics_body(x);
	else {
		x->batch = x->qlen < EXPORT_BATCH_MAX ? x->qlen :
		    EXPORT_BATCH_MAX;
		body = traces_body(x, x->batch);
	}
	n = xasprintf(&x->req, "POST %s HTTP/1.1\r\n"
	    "Host: %s\r\n"
	    "User-Agent: %s/%s\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: %zu\r\n"
	    "Connection: close\r\n"
	    "\r\n"
	    "%s", path_of(x), x->authority, SFREVOPS_NAME, x->version,
	    strlen(body), body);
	cJSON_free(body);
	if (n < 0)
		fatalx("xasprintf");
	x->reqlen = (size_t)n;
	x->reqoff = 0;
	x->deadline = now_ms() + EXPORT_EXCHANGE_MS;
	if (x->stopping && x->deadline > x->stop_deadline)
		x->deadline = x->stop_deadline;
	if (++x->last_id == 0)
		x->last_id = 1;
	x->connect_id = x->last_id;
	buf_init(&b);
	buf_put_str(&b, x->host);
	buf_put_u32(&b, x->port);
	ipc_send_buf(&x->proc.parent, IMSG_CONNECT, x->connect_id, &b);
	buf_free(&b);
	x->state = X_ASKED;
}

/* IMSG_CONNECT_R or IMSG_ERROR for a CONNECT of ours. */
static void
exchange_socket(struct exporter *x, const struct ipc_msg *msg)
{
	struct buf	 b;
	socklen_t	 slen = sizeof(int);
	uint32_t	 code;
	char		*why = NULL;
	int		 fd = -1, stype = 0;

	if (msg->hdr.id == 0 || msg->hdr.id > x->last_id)
		fatalx("protocol violation: the parent answered connection "
		    "request %u, which was never made", msg->hdr.id);
	if (msg->hdr.type == IMSG_CONNECT_R &&
	    (fd = ipc_take_fd(&x->proc.parent)) == -1)
		fatalx("protocol violation: CONNECT_R without a socket");
	/* SO_TYPE answers for a stream socket only (ENOTSOCK otherwise):
	 * no fstat, which the sandbox does not allow (a path stat). */
	if (fd != -1 && (getsockopt(fd, SOL_SOCKET, SO_TYPE, &stype,
	    &slen) == -1 || stype != SOCK_STREAM))
		fatalx("protocol violation: the parent passed something that "
		    "is not a stream socket");
	if (x->state != X_ASKED || msg->hdr.id != x->connect_id) {
		/* The answer to an exchange that timed out: dropped. */
		if (fd != -1 && close(fd) == -1)
			fatal("close");
		return;
	}
	if (msg->hdr.type == IMSG_ERROR) {
		buf_from(&b, msg->data, msg->hdr.len);
		if (buf_get_u32(&b, &code) == -1 ||
		    buf_get_str(&b, &why, 1024) == -1)
			fatalx("protocol violation: a malformed ERROR");
		exchange_failed(x, "%s", why);
		free(why);
		return;
	}
	x->fd = fd;
	x->state = X_CONNECTING;
}

/* The status code of a whole answer, or 0 while it is not there. */
static int
response_status(const struct exporter *x)
{
	int	 code;

	if (x->resplen < 12 || strncmp(x->resp, "HTTP/1.", 7) != 0 ||
	    sscanf(x->resp + 9, "%3d", &code) != 1)
		return -1;
	return code;
}

static void
exchange_io(struct exporter *x, short revents)
{
	socklen_t	 len;
	ssize_t		 n;
	char		 sink[4096];
	int		 err, code;

	if (x->state == X_CONNECTING) {
		len = sizeof(err);
		if (getsockopt(x->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
			fatal("getsockopt SO_ERROR");
		if (err != 0) {
			exchange_failed(x, "cannot connect: %s", strerror(err));
			return;
		}
		x->state = X_SENDING;
	}
	if (x->state == X_SENDING && (revents & (POLLOUT | POLLERR))) {
		n = send(x->fd, x->req + x->reqoff, x->reqlen - x->reqoff,
		    MSG_NOSIGNAL);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n == -1) {
			exchange_failed(x, "%s", strerror(errno));
			return;
		}
		x->reqoff += (size_t)n;
		if (x->reqoff == x->reqlen)
			x->state = X_RECEIVING;
		return;
	}
	if (x->state != X_RECEIVING || !(revents & (POLLIN | POLLHUP |
	    POLLERR)))
		return;
	for (;;) {
		n = recv(x->fd, sink, sizeof(sink), 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		if (n == -1) {
			exchange_failed(x, "%s", strerror(errno));
			return;
		}
		if (n == 0)
			break;
		if (x->resplen < sizeof(x->resp) - 1) {
			size_t k = sizeof(x->resp) - 1 - x->resplen;
			if (k > (size_t)n)
				k = (size_t)n;
			memcpy(x->resp + x->resplen, sink, k);
			x->resplen += k;
			x->resp[x->resplen] = '\0';
		}
		x->resptotal += (size_t)n;
		if (x->resptotal > EXPORT_RESPONSE_MAX) {
			exchange_failed(x, "an answer of more than %d bytes",
			    EXPORT_RESPONSE_MAX);
			return;
		}
	}
	/* Connection: close: the answer is whole at the end of the stream. */
	if ((code = response_status(x)) == -1)
		exchange_failed(x, "not an HTTP answer");
	else if (code < 200 || code > 299) {
		char	 line[128];
		str_oneline(line, sizeof(line), x->resp);
		exchange_failed(x, "HTTP %d (%.80s)", code, line);
	} else
		exchange_done(x);
}

/* --------------------------------------------------------------- loop */

/* What has arrived whole, read or not yet handled (an EVENT that came
 * with the CONFIG waits in the buffer, not in the socket). */
static void
parent_drain(struct exporter *x)
{
	struct ipc_msg	 msg;
	struct buf	 b;
	char		 err[256];
	int		 r;

	for (;;) {
		if ((r = ipc_get(&x->proc.parent, &msg, err,
		    sizeof(err))) == -1)
			fatalx("parent channel: %s", err);
		if (r == 0)
			return;
		policy_admit(PROC_EXPORT, &x->proc.parent, PS_RUN, &msg);
		buf_from(&b, msg.data, msg.hdr.len);
		switch (msg.hdr.type) {
		case IMSG_EVENT:
			export_event(x, &b);
			break;
		case IMSG_CONNECT_R:
		case IMSG_ERROR:
			exchange_socket(x, &msg);
			break;
		case IMSG_SHUTDOWN:
			if (!x->stopping) {
				x->stopping = 1;
				x->stop_deadline = now_ms() + EXPORT_STOP_MS;
				if (x->deadline > x->stop_deadline)
					x->deadline = x->stop_deadline;
			}
			break;
		default:
			fatalx("parent channel: %s is not the exporter's",
			    imsg_name(msg.hdr.type));
		}
		ipc_msg_free(&msg);
	}
}

static void
parent_messages(struct exporter *x)
{
	int	 r;

	if ((r = ipc_read(&x->proc.parent)) == 0 ||
	    (r == -1 && errno == ECONNRESET)) {
		x->parent_gone = 1;
		return;
	}
	if (r == -1)
		fatal("parent channel: read");
	parent_drain(x);
}

/*
 * Start what is due: every interval (or at once when a batch is full and
 * the collector is not failing), the spans a batch at a time, then the
 * metrics; while stopping, everything left.
 */
static void
flush_due(struct exporter *x)
{
	uint64_t	 now = now_ms();
	int		 due;

	if (x->state != X_IDLE || x->parent_gone)
		return;
	if (x->stopping && now >= x->stop_deadline)
		return;
	due = x->chain || x->stopping || now >= x->next_flush;
	if (x->qlen > 0 && (due || (x->qlen >= EXPORT_BATCH_MAX &&
	    !x->failing))) {
		exchange_begin(x, 0);
		return;
	}
	if (x->metrics_dirty && due) {
		exchange_begin(x, 1);
		return;
	}
	if (due) {
		x->chain = 0;
		x->next_flush = now + (uint64_t)x->interval_ms;
	}
}

static int
export_run(struct exporter *x)
{
	struct pollfd	 pfd[2];
	uint64_t	 now, wake;
	int		 n, timeout;

	for (;;) {
		parent_drain(x);
		flush_due(x);
		now = now_ms();
		if (x->parent_gone)
			return 0;
		if (x->stopping && x->state == X_IDLE &&
		    ((x->qlen == 0 && !x->metrics_dirty) ||
		    now >= x->stop_deadline)) {
			if (x->qlen > 0 || x->metrics_dirty)
				log_warnx("export: the last flush did not "
				    "finish within %d ms: %zu events not "
				    "exported", EXPORT_STOP_MS, x->qlen);
			return 0;
		}
		if (x->state != X_IDLE && now >= x->deadline) {
			exchange_failed(x, "no answer within %d ms",
			    (int)(x->stopping ? EXPORT_STOP_MS :
			    EXPORT_EXCHANGE_MS));
			continue;
		}
		wake = x->state != X_IDLE ? x->deadline : x->next_flush;
		if (x->stopping && wake > x->stop_deadline)
			wake = x->stop_deadline;
		timeout = wake > now ? (int)(wake - now) : 0;
		pfd[0].fd = x->proc.parent.fd;
		pfd[0].events = POLLIN |
		    (ipc_want_write(&x->proc.parent) ? POLLOUT : 0);
		n = 1;
		if (x->fd != -1) {
			pfd[1].fd = x->fd;
			pfd[1].events = x->state == X_RECEIVING ? POLLIN :
			    POLLOUT;
			n = 2;
		}
		if (poll(pfd, (nfds_t)n, timeout) == -1) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (pfd[0].revents & POLLOUT)
			(void)ipc_flush(&x->proc.parent);
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))
			parent_messages(x);
		if (n == 2 && x->fd != -1 && pfd[1].revents != 0)
			exchange_io(x, pfd[1].revents);
	}
}

int
export_main(void)
{
	static struct exporter	 x;
	const char		*host;
	long			 port;

	x.fd = -1;
	proc_start(&x.proc, PROC_EXPORT);
	host = proc_config_str(&x.proc, "host", NULL);
	port = proc_config_int(&x.proc, "port", 0);
	x.interval_ms = proc_config_int(&x.proc, "interval_ms", 5000);
	x.version = proc_config_str(&x.proc, "version", PACKAGE_VERSION);
	if (host == NULL || strlen(host) > HOST_MAX || port < 1 ||
	    port > 65535 || x.interval_ms < 100 || x.interval_ms > 60000)
		fatalx("CONFIG: no collector host and port, or an interval "
		    "out of bounds");
	strlcpy_sf(x.host, host, sizeof(x.host));
	x.port = (unsigned int)port;
	snprintf(x.authority, sizeof(x.authority), strchr(host, ':') != NULL ?
	    "[%s]:%u" : "%s:%u", host, x.port);
	x.start_ns = now_ns();
	x.next_flush = now_ms() + (uint64_t)x.interval_ms;

	/* FD_PEER_A and FD_PEER_B: the parent gives the exporter none. */
	sandbox_apply(PROC_EXPORT, NULL);
	proc_ready(&x.proc);
	log_debug("export: to %s every %ld ms", x.authority, x.interval_ms);
	(void)export_run(&x);
	if (x.dropped > 0)
		log_warnx("export: %llu events were dropped while %d waited",
		    (unsigned long long)x.dropped, EXPORT_QUEUE_MAX);
	exchange_reset(&x);
	proc_end(&x.proc);
	return 0;
}
