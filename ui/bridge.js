/* The views' shared app side of MCP Apps: each ui/*.html includes it
 * (contrib/html2c.sh). */
/*
 * The app side of MCP Apps (SEP-1865, 2026-01-26), written here: JSON-RPC
 * over postMessage with the host (window.parent) only.  The view sends
 * ui/initialize, then ui/notifications/initialized; it takes
 * ui/notifications/tool-input, tool-result, tool-cancelled and
 * host-context-changed, answers ping and ui/resource-teardown, and
 * reports its size.  It sends no other request (it calls no tool,
 * reads no resource, opens no link, posts no message) and fetches nothing.
 */
var Bridge = (function () {
	"use strict";
	var nextId = 1, waiting = {}, handlers = {}, lastSize = "";
	var VAR_OK = /^--[a-z0-9-]{1,64}$/;
	function post(msg) { window.parent.postMessage(msg, "*"); }
	function request(method, params) {
		var id = nextId++;
		post({ jsonrpc: "2.0", id: id, method: method, params: params });
		return new Promise(function (resolve, reject) { waiting[id] = { resolve: resolve, reject: reject }; });
	}
	function notify(method, params) { post({ jsonrpc: "2.0", method: method, params: params || {} }); }
	function answer(id, result) { post({ jsonrpc: "2.0", id: id, result: result }); }
	function fail(id, code, message) { post({ jsonrpc: "2.0", id: id, error: { code: code, message: message } }); }
	/* The host's theme and CSS variables.  A value that could load
	 * something (a url or image function, an at-rule, an escape) is not applied:
	 * the view fetches nothing; nor are the host's font rules. */
	function applyContext(ctx) {
		if (!ctx || typeof ctx !== "object") return;
		var root = document.documentElement;
		if (ctx.theme === "light" || ctx.theme === "dark") {
			root.setAttribute("data-theme", ctx.theme);
			root.style.colorScheme = ctx.theme;
		}
		var vars = ctx.styles && ctx.styles.variables;
		if (vars && typeof vars === "object") {
			Object.keys(vars).forEach(function (k) {
				var v = vars[k];
				if (VAR_OK.test(k) && typeof v === "string" && v.length <= 200 &&
				    !/url\(|image|@|\\/i.test(v))
					root.style.setProperty(k, v);
			});
		}
		var d = ctx.containerDimensions;
		if (d && typeof d === "object") {
			if (typeof d.maxWidth === "number" && d.maxWidth > 0) root.style.maxWidth = d.maxWidth + "px";
			if (typeof d.width === "number") root.style.width = "100vw";
			if (typeof d.height === "number") root.style.height = "100vh";
		}
		if (typeof ctx.locale === "string" && /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8}){0,4}$/.test(ctx.locale))
			Bridge.locale = ctx.locale;
	}
	function reportSize() {
		var el = document.documentElement;
		var w = Math.ceil(el.scrollWidth), h = Math.ceil(el.scrollHeight);
		var key = w + "x" + h;
		if (key === lastSize) return;
		lastSize = key;
		notify("ui/notifications/size-changed", { width: w, height: h });
	}
	window.addEventListener("message", function (ev) {
		if (ev.source !== window.parent) return;
		var m = ev.data;
		if (!m || typeof m !== "object" || m.jsonrpc !== "2.0") return;
		if (typeof m.method === "string") {
			if ("id" in m) {
				if (m.method === "ping") answer(m.id, {});
				else if (m.method === "ui/resource-teardown") answer(m.id, {});
				else fail(m.id, -32601, "Method not found: " + String(m.method).slice(0, 60));
				return;
			}
			if (m.method === "ui/notifications/host-context-changed") applyContext(m.params);
			var h = handlers[m.method];
			if (h) h(m.params || {});
			return;
		}
		var w = waiting[m.id];
		if (!w) return;
		delete waiting[m.id];
		if (m.error) w.reject(new Error(String(m.error.message)));
		else w.resolve(m.result);
	});
	return {
		locale: undefined,
		args: {},
		on: function (method, fn) { handlers[method] = fn; },
		start: function (name) {
			return request("ui/initialize", {
				appInfo: { name: name, version: "1.0.0" },
				appCapabilities: { availableDisplayModes: ["inline"] },
				protocolVersion: "2026-01-26"
			}).then(function (r) {
				applyContext(r && r.hostContext);
				notify("ui/notifications/initialized", {});
				if (typeof ResizeObserver === "function")
					new ResizeObserver(reportSize).observe(document.documentElement);
				reportSize();
				return r;
			});
		},
		resized: reportSize
	};
})();

/* Helpers shared by the three views. */
function el(tag, attrs, text) {
	var e = document.createElement(tag);
	if (attrs) Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
	if (text !== undefined && text !== null) e.textContent = String(text);
	return e;
}
function svgEl(tag, attrs) {
	var e = document.createElementNS("http://www.w3.org/2000/svg", tag);
	Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
	return e;
}
function money(v, currency) {
	if (typeof v !== "number" || !isFinite(v)) return "-";
	try {
		return new Intl.NumberFormat(Bridge.locale, { style: "currency", currency: currency, maximumFractionDigits: 0 }).format(v);
	} catch (e) {
		return (currency ? currency + " " : "") + Math.round(v).toLocaleString();
	}
}
function count(v) { return typeof v === "number" && isFinite(v) ? v.toLocaleString(Bridge.locale) : "-"; }
function col(sc, name) { return Array.isArray(sc.columns) ? sc.columns.indexOf(name) : -1; }
function showStatus(text, isError) {
	var s = document.getElementById("status");
	s.textContent = text;
	s.className = isError ? "status error" : "status";
	s.hidden = false;
}
/* Arrow keys, Home and End move between the items of a list. */
function arrowKeys(container, selector) {
	container.addEventListener("keydown", function (ev) {
		var items = Array.prototype.slice.call(container.querySelectorAll(selector));
		var i = items.indexOf(document.activeElement);
		if (i < 0) return;
		var j = i;
		if (ev.key === "ArrowDown" || ev.key === "ArrowRight") j = Math.min(items.length - 1, i + 1);
		else if (ev.key === "ArrowUp" || ev.key === "ArrowLeft") j = Math.max(0, i - 1);
		else if (ev.key === "Home") j = 0;
		else if (ev.key === "End") j = items.length - 1;
		else return;
		ev.preventDefault();
		items[i].tabIndex = -1;
		items[j].tabIndex = 0;
		items[j].focus();
	});
}
function wire(name, render) {
	Bridge.on("ui/notifications/tool-input", function (p) {
		Bridge.args = p && typeof p.arguments === "object" && p.arguments !== null ? p.arguments : {};
	});
	Bridge.on("ui/notifications/tool-result", function (r) {
		var sc = r && r.structuredContent;
		if (r && r.isError) {
			var t = Array.isArray(r.content) ? r.content.filter(function (b) { return b && b.type === "text"; }).map(function (b) { return b.text; }).join("\n") : "";
			showStatus("The tool failed: " + (t || "no message"), true);
			return;
		}
		if (!sc || typeof sc !== "object") { showStatus("The result has no structured content to draw.", true); return; }
		if (sc.dry_run === true) { showStatus("Dry run: nothing was sent to Salesforce, so there is nothing to draw.", false); return; }
		document.getElementById("status").hidden = true;
		render(sc);
		Bridge.resized();
	});
	Bridge.on("ui/notifications/tool-cancelled", function (p) {
		showStatus("The tool call was cancelled" + (p && p.reason ? ": " + String(p.reason) : "") + ".", true);
	});
	Bridge.start(name).catch(function (e) { showStatus("The host did not start the view: " + e.message, true); });
}
