/*
 * ui_test.c: src/ui.c without a front: SFDC_UI's values, the
 * negotiation over the shapes a client may send, the links, and
 * resources/list and resources/read over the compiled-in views.
 */
#include "config.h"

#include <string.h>

#include <cjson/cJSON.h>

#include "sfrevops.h"
#include "jsonrpc.h"
#include "ui.h"
#include "tap.h"

static int
negotiates(enum ui_mode mode, const char *caps_json)
{
	cJSON	*caps = cJSON_Parse(caps_json);
	int	 r;

	if (caps == NULL) {
		printf("# bad test JSON: %s\n", caps_json);
		return -1;
	}
	r = ui_negotiate(mode, caps);
	cJSON_Delete(caps);
	return r;
}

static cJSON *
call(const char *method, const char *params_json, int *code, char *err,
    size_t errlen)
{
	cJSON	*params = params_json ? cJSON_Parse(params_json) : NULL;
	cJSON	*result = NULL;

	err[0] = '\0';
	*code = ui_request(method, params, &result, err, errlen);
	cJSON_Delete(params);
	return result;
}

int
main(void)
{
	static const char *const good =
	    "{\"extensions\":{\"io.modelcontextprotocol/ui\":"
	    "{\"mimeTypes\":[\"text/uri-list\",\"text/html;profile=mcp-app\"]}}}";
	static const char *const bad[] = {
		"{}",
		"{\"extensions\":{}}",
		"{\"extensions\":[]}",
		"{\"extensions\":{\"io.modelcontextprotocol/ui\":{}}}",
		"{\"extensions\":{\"io.modelcontextprotocol/ui\":true}}",
		"{\"extensions\":{\"io.modelcontextprotocol/ui\":"
		    "{\"mimeTypes\":\"text/html;profile=mcp-app\"}}}",
		"{\"extensions\":{\"io.modelcontextprotocol/ui\":"
		    "{\"mimeTypes\":[\"text/html\",1,null]}}}",
		"{\"extensions\":{\"io.modelcontextprotocol/UI\":"
		    "{\"mimeTypes\":[\"text/html;profile=mcp-app\"]}}}",
		"{\"experimental\":{\"io.modelcontextprotocol/ui\":"
		    "{\"mimeTypes\":[\"text/html;profile=mcp-app\"]}}}",
	};
	cJSON		*r, *tool, *v;
	char		 err[256], uri[UI_URI_MAX + 2];
	int		 code, all;
	size_t		 i;

	ok(ui_mode_parse("auto") == UI_AUTO && ui_mode_parse(NULL) == UI_AUTO,
	    "auto, and nothing, is auto");
	ok(ui_mode_parse("on") == UI_ON && ui_mode_parse("off") == UI_OFF,
	    "on and off");
	ok(ui_mode_parse("ON") == -1 && ui_mode_parse("") == -1 &&
	    ui_mode_parse("auto ") == -1, "anything else is refused");

	ok(negotiates(UI_AUTO, good) == 1,
	    "auto: the extension with our type among others");
	all = 1;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (negotiates(UI_AUTO, bad[i]) != 0) {
			printf("# negotiated: %s\n", bad[i]);
			all = 0;
		}
	ok(all, "auto: no view for %zu shapes without our type",
	    sizeof(bad) / sizeof(bad[0]));
	ok(ui_negotiate(UI_AUTO, NULL) == 0, "auto: no capabilities at all");
	ok(negotiates(UI_ON, "{}") == 1, "on: without the extension too");
	ok(negotiates(UI_OFF, good) == 0, "off: not even with it");

	tool = cJSON_CreateObject();
	ui_tool_meta(tool, "query");
	ok(cJSON_GetObjectItemCaseSensitive(tool, "_meta") == NULL,
	    "a tool without a view gets no _meta");
	ui_tool_meta(tool, "stale_opps");
	is_str(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    tool, "_meta"), "ui"), "resourceUri")), "ui://sfrevops/stale-deals",
	    "stale_opps links its view in _meta.ui.resourceUri");
	is_str(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(tool, "_meta"), "ui/resourceUri")),
	    "ui://sfrevops/stale-deals", "and in the deprecated flat key");
	cJSON_Delete(tool);

	ok(ui_nblobs == 3, "three views compiled in");
	all = 1;
	for (i = 0; i < ui_nblobs; i++)
		if (ui_blobs[i].len > UI_VIEW_MAX ||
		    strlen(ui_blobs[i].text) != ui_blobs[i].len ||
		    strncmp(ui_blobs[i].text, "<!DOCTYPE html>\n", 16) != 0)
			all = 0;
	ok(all, "each is an HTML document of at most %d bytes, NUL-terminated "
	    "at its length", UI_VIEW_MAX);

	r = call("resources/list", NULL, &code, err, sizeof(err));
	v = cJSON_GetObjectItemCaseSensitive(r, "resources");
	ok(code == 0 && cJSON_GetArraySize(v) == 3, "resources/list: three");
	all = 1;
	cJSON_ArrayForEach(tool, v) {
		const char *u = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(tool, "uri"));
		cJSON *rd;
		char params[300];
		snprintf(params, sizeof(params), "{\"uri\":\"%s\"}", u);
		rd = call("resources/read", params, &code, err, sizeof(err));
		v = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(rd,
		    "contents"), 0);
		if (code != 0 || strcmp(cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(v, "mimeType")), UI_MIME) ||
		    strlen(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		    v, "text"))) != (size_t)cJSON_GetNumberValue(
		    cJSON_GetObjectItemCaseSensitive(tool, "size")))
			all = 0;
		cJSON_Delete(rd);
	}
	cJSON_Delete(r);
	ok(all, "resources/read of each listed view: its type and its size");

	r = call("resources/read", "{\"uri\":\"ui://sfrevops/nope\"}", &code,
	    err, sizeof(err));
	ok(r == NULL && code == JR_RESOURCE_NOT_FOUND &&
	    strncmp(err, "Resource not found: ui://sfrevops/nope ", 39) == 0,
	    "an unknown URI: -32002, named");
	memset(uri, 'x', sizeof(uri) - 1);
	uri[sizeof(uri) - 1] = '\0';
	memcpy(uri, "ui://", 5);
	{
		char params[UI_URI_MAX + 32];
		/* UI_URI_MAX + 1 bytes: past the bound, not found, cut. */
		snprintf(params, sizeof(params), "{\"uri\":\"%s\"}", uri);
		r = call("resources/read", params, &code, err, sizeof(err));
		ok(r == NULL && code == JR_RESOURCE_NOT_FOUND &&
		    strstr(err, "x... (this server has") != NULL,
		    "a URI of %d bytes: not found, shown cut", UI_URI_MAX + 1);
	}
	r = call("resources/read", "{\"uri\":7}", &code, err, sizeof(err));
	ok(r == NULL && code == JR_INVALID_PARAMS, "a uri that is no string: "
	    "-32602");
	r = call("resources/read", NULL, &code, err, sizeof(err));
	ok(r == NULL && code == JR_INVALID_PARAMS, "no params: -32602");
	r = call("resources/list", "{\"cursor\":\"x\"}", &code, err,
	    sizeof(err));
	ok(r == NULL && code == JR_INVALID_PARAMS, "resources/list with a "
	    "cursor: -32602");
	r = call("resources/templates/list", "{}", &code, err, sizeof(err));
	ok(code == 0 && cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r,
	    "resourceTemplates")) == 0, "resources/templates/list: none");
	cJSON_Delete(r);
	r = call("resources/subscribe", "{}", &code, err, sizeof(err));
	ok(r == NULL && code == JR_METHOD_NOT_FOUND, "resources/subscribe: "
	    "-32601");
	return tap_done();
}
