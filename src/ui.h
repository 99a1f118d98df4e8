/*
 * ui.h: the MCP Apps views (extension io.modelcontextprotocol/ui,
 * SEP-1865, specification 2026-01-26).
 *
 * Three HTML views are compiled into the front (ui/NAME.html, turned into
 * ui_views.c by contrib/html2c.sh at build time); the front reads no
 * file for them.  Whether a session sees them is decided once, at
 * initialize, from the client's capabilities and SFDC_UI.
 */
#ifndef UI_H
#define UI_H

#include <stddef.h>

#include <cjson/cJSON.h>

#define UI_EXTENSION	"io.modelcontextprotocol/ui"
#define UI_MIME		"text/html;profile=mcp-app"
#define UI_VIEW_MAX	65536	/* bytes of one view; contrib/html2c.sh */
#define UI_URI_MAX	256	/* longest URI resources/read looks up */
#define JR_RESOURCE_NOT_FOUND	-32002	/* MCP 2024-11-05 ... 2025-11-25 */

enum ui_mode {
	UI_AUTO,	/* the views when the client declares the extension */
	UI_ON,		/* always (clients that render without declaring) */
	UI_OFF		/* never */
};

/* "auto", "on" or "off"; -1 for anything else. */
int	 ui_mode_parse(const char *);
/* Whether this session gets the views: 1 or 0. */
int	 ui_negotiate(enum ui_mode, const cJSON *client_capabilities);
/* Adds the resources capability and the extension to the server's. */
void	 ui_capabilities(cJSON *caps);
/* Adds _meta.ui.resourceUri to a tool's JSON if the tool has a view. */
void	 ui_tool_meta(cJSON *tool, const char *name);
/*
 * resources/list, resources/templates/list and resources/read.  0 with
 * *result set, or a JSON-RPC error code with err filled in; a method
 * that is none of these is JR_METHOD_NOT_FOUND.
 */
int	 ui_request(const char *method, const cJSON *params, cJSON **result,
	    char *err, size_t errlen);

/* The compiled views, from ui_views.c (generated). */
struct ui_blob {
	const char	*file;	/* ui/pipeline.html */
	const char	*text;	/* NUL-terminated, printable ASCII */
	size_t		 len;	/* without the NUL */
};
extern const struct ui_blob ui_blobs[];
extern const size_t ui_nblobs;

#endif /* UI_H */
