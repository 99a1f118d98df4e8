/*
 * ui.c: the MCP Apps views: negotiation, the resource table, and
 * resources/list and resources/read over it.
 *
 * Only the views compiled into the binary are resources; any other URI
 * is the spec's "Resource not found" (-32002).  A view fetches nothing:
 * its resource metadata declares no domain, so a host applies the
 * extension's restrictive default Content Security Policy (no
 * connect-src, no external script, style, font or image).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sfrevops.h"
#include "jsonrpc.h"
#include "ui.h"

struct ui_view {
	const char	*uri;
	const char	*name;
	const char	*title;
	const char	*description;
	const char	*file;		/* in ui_blobs[] */
	const char	*tool;		/* the tool whose result it draws */
};

static const struct ui_view ui_views[] = {
	{ "ui://sfrevops/pipeline", "pipeline", "Pipeline by stage",
	  "Bar chart of pipeline_by_stage: deals, amount and weighted "
	  "amount per stage or forecast category, the totals and the "
	  "overdue line apart.", "ui/pipeline.html", "pipeline_by_stage" },
	{ "ui://sfrevops/at-risk-commits", "at-risk-commits",
	  "At-risk commits",
	  "Table of at_risk_commits by close date, each deal's reasons as "
	  "badges, and the amount at risk.", "ui/at-risk.html",
	  "at_risk_commits" },
	{ "ui://sfrevops/stale-deals", "stale-deals", "Stale deals",
	  "Days in stage of stale_opps as bars, with each deal's owner.",
	  "ui/stale.html", "stale_opps" },
};
#define NVIEWS	(sizeof(ui_views) / sizeof(ui_views[0]))

int
ui_mode_parse(const char *s)
{
	if (s == NULL || strcmp(s, "auto") == 0)
		return UI_AUTO;
	if (strcmp(s, "on") == 0)
		return UI_ON;
	if (strcmp(s, "off") == 0)
		return UI_OFF;
	return -1;
}

/*
 * capabilities.extensions["io.modelcontextprotocol/ui"].mimeTypes must
 * name text/html;profile=mcp-app (the setting is REQUIRED by the spec):
 * a client that declares the extension for other types only cannot
 * render ours.
 */
int
ui_negotiate(enum ui_mode mode, const cJSON *caps)
{
	const cJSON	*ext, *types, *t;

	if (mode == UI_ON)
		return 1;
	if (mode == UI_OFF)
		return 0;
	ext = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(caps, "extensions"), UI_EXTENSION);
	if (!cJSON_IsObject(ext))
		return 0;
	types = cJSON_GetObjectItemCaseSensitive(ext, "mimeTypes");
	if (!cJSON_IsArray(types))
		return 0;
	cJSON_ArrayForEach(t, types)
		if (cJSON_IsString(t) && strcmp(t->valuestring, UI_MIME) == 0)
			return 1;
	return 0;
}

void
ui_capabilities(cJSON *caps)
{
	cJSON	*res, *ext, *ui, *types;

	res = cJSON_AddObjectToObject(caps, "resources");
	cJSON_AddBoolToObject(res, "subscribe", 0);
	cJSON_AddBoolToObject(res, "listChanged", 0);
	if ((ext = cJSON_GetObjectItemCaseSensitive(caps, "extensions")) ==
	    NULL)
		ext = cJSON_AddObjectToObject(caps, "extensions");
	ui = cJSON_AddObjectToObject(ext, UI_EXTENSION);
	types = cJSON_AddArrayToObject(ui, "mimeTypes");
	if (res == NULL || ext == NULL || ui == NULL || types == NULL)
		fatalx("ui_capabilities: out of memory");
	cJSON_AddItemToArray(types, cJSON_CreateString(UI_MIME));
}

void
ui_tool_meta(cJSON *tool, const char *name)
{
	cJSON	*meta, *ui;
	size_t	 i;

	for (i = 0; i < NVIEWS; i++) {
		if (strcmp(ui_views[i].tool, name) != 0)
			continue;
		if ((meta = cJSON_GetObjectItemCaseSensitive(tool, "_meta")) ==
		    NULL)
			meta = cJSON_AddObjectToObject(tool, "_meta");
		if (meta == NULL ||
		    (ui = cJSON_AddObjectToObject(meta, "ui")) == NULL)
			fatalx("ui_tool_meta: out of memory");
		cJSON_AddStringToObject(ui, "resourceUri", ui_views[i].uri);
		/* The spec's deprecated flat key: hosts built before the
		 * nested one read only this (ext-apps sets both). */
		cJSON_AddStringToObject(meta, "ui/resourceUri",
		    ui_views[i].uri);
		return;
	}
}

static const struct ui_blob *
blob_find(const char *file)
{
	size_t	i;

	for (i = 0; i < ui_nblobs; i++)
		if (strcmp(ui_blobs[i].file, file) == 0)
			return &ui_blobs[i];
	fatalx("ui: %s is not compiled in", file);
}

/* _meta.ui of a view: no domain at all, and a border from the host. */
static void
view_meta(cJSON *o)
{
	cJSON	*ui;

	ui = cJSON_AddObjectToObject(cJSON_AddObjectToObject(o, "_meta"),
	    "ui");
	if (ui == NULL)
		fatalx("view_meta: out of memory");
	(void)cJSON_AddObjectToObject(ui, "csp");
	cJSON_AddBoolToObject(ui, "prefersBorder", 1);
}

static int
no_cursor(const cJSON *params, char *err, size_t errlen)
{
	if (cJSON_GetObjectItemCaseSensitive(params, "cursor") != NULL) {
		/* One page holds them all: we never hand out a cursor. */
		snprintf(err, errlen, "Invalid params: unknown cursor");
		return JR_INVALID_PARAMS;
	}
	return 0;
}

static int
resources_list(const cJSON *params, cJSON **result, char *err,
    size_t errlen)
{
	cJSON	*arr, *o;
	size_t	 i;
	int	 code;

	if ((code = no_cursor(params, err, errlen)) != 0)
		return code;
	if ((*result = cJSON_CreateObject()) == NULL ||
	    (arr = cJSON_AddArrayToObject(*result, "resources")) == NULL)
		fatalx("resources_list: out of memory");
	for (i = 0; i < NVIEWS; i++) {
		if ((o = cJSON_CreateObject()) == NULL)
			fatalx("resources_list: out of memory");
		cJSON_AddStringToObject(o, "uri", ui_views[i].uri);
		cJSON_AddStringToObject(o, "name", ui_views[i].name);
		cJSON_AddStringToObject(o, "title", ui_views[i].title);
		cJSON_AddStringToObject(o, "description",
		    ui_views[i].description);
		cJSON_AddStringToObject(o, "mimeType", UI_MIME);
		cJSON_AddNumberToObject(o, "size",
		    (double)blob_find(ui_views[i].file)->len);
		view_meta(o);
		cJSON_AddItemToArray(arr, o);
	}
	return 0;
}

static int
resources_read(const cJSON *params, cJSON **result, char *err,
    size_t errlen)
{
	const cJSON		*uri;
	const struct ui_blob	*b;
	cJSON			*arr, *o;
	size_t			 i, len;

	uri = cJSON_GetObjectItemCaseSensitive(params, "uri");
	if (!cJSON_IsString(uri)) {
		snprintf(err, errlen, "Invalid params: resources/read needs a "
		    "string 'uri'");
		return JR_INVALID_PARAMS;
	}
	len = strlen(uri->valuestring);
	for (i = 0; len <= UI_URI_MAX && i < NVIEWS; i++)
		if (strcmp(uri->valuestring, ui_views[i].uri) == 0)
			break;
	if (len > UI_URI_MAX || i == NVIEWS) {
		char shown[80];
		strlcpy_sf(shown, uri->valuestring, sizeof(shown));
		snprintf(err, errlen, "Resource not found: %s%s (this server "
		    "has ui://sfrevops/pipeline, ui://sfrevops/at-risk-commits "
		    "and ui://sfrevops/stale-deals)", shown,
		    len >= sizeof(shown) ? "..." : "");
		return JR_RESOURCE_NOT_FOUND;
	}
	b = blob_find(ui_views[i].file);
	if ((*result = cJSON_CreateObject()) == NULL ||
	    (arr = cJSON_AddArrayToObject(*result, "contents")) == NULL ||
	    (o = cJSON_CreateObject()) == NULL)
		fatalx("resources_read: out of memory");
	cJSON_AddStringToObject(o, "uri", ui_views[i].uri);
	cJSON_AddStringToObject(o, "mimeType", UI_MIME);
	cJSON_AddStringToObject(o, "text", b->text);
	view_meta(o);
	cJSON_AddItemToArray(arr, o);
	return 0;
}

int
ui_request(const char *method, const cJSON *params, cJSON **result,
    char *err, size_t errlen)
{
	int	code;

	*result = NULL;
	if (strcmp(method, "resources/list") == 0)
		return resources_list(params, result, err, errlen);
	if (strcmp(method, "resources/read") == 0)
		return resources_read(params, result, err, errlen);
	if (strcmp(method, "resources/templates/list") == 0) {
		if ((code = no_cursor(params, err, errlen)) != 0)
			return code;
		if ((*result = cJSON_CreateObject()) == NULL ||
		    cJSON_AddArrayToObject(*result, "resourceTemplates") ==
		    NULL)
			fatalx("ui_request: out of memory");
		return 0;
	}
	snprintf(err, errlen, "Method not found: %.60s (resources/list, "
	    "resources/templates/list and resources/read are served; no "
	    "subscriptions)", method);
	return JR_METHOD_NOT_FOUND;
}
