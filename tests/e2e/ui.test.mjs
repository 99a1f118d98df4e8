// The MCP Apps views (extension io.modelcontextprotocol/ui, SEP-1865,
// specification 2026-01-26; src/ui.c): negotiated at initialize, never
// assumed.  Through the MCP SDK client and over raw stdio: the
// capabilities, tools/list with and without the links (and without,
// byte for byte what a client without the extension always got),
// resources/list, resources/read of each view and of unknown URIs, and
// SFDC_UI.  No org is needed: the views are compiled in.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { BIN, spawnRaw, offlineEnv } from './lib.mjs';

const EXT = 'io.modelcontextprotocol/ui';
const MIME = 'text/html;profile=mcp-app';
const VIEWS = {
  pipeline_by_stage: 'ui://sfrevops/pipeline',
  at_risk_commits: 'ui://sfrevops/at-risk-commits',
  stale_opps: 'ui://sfrevops/stale-deals',
};
const UI_CAPS = { extensions: { [EXT]: { mimeTypes: [MIME] } } };

const opened = [];
after(async () => {
  for (const c of opened) await c.close().catch(() => {});
});

async function sdk(capabilities, extra = {}) {
  const transport = new StdioClientTransport({ command: BIN, args: [], env: offlineEnv(extra), stderr: 'pipe' });
  const client = new Client({ name: 'e2e-ui', version: '1.0.0' }, { capabilities });
  await client.connect(transport);
  opened.push(client);
  return client;
}

/** The raw lines of initialize and tools/list for these capabilities. */
async function rawLines(capabilities, extra = {}, version = '2025-11-25') {
  const s = spawnRaw(offlineEnv(extra));
  try {
    s.send({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: version, capabilities, clientInfo: { name: 'e2e', version: '1' } } });
    await s.next();
    s.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    s.send({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    await s.next();
    s.send({ jsonrpc: '2.0', id: 2, method: 'resources/list' });
    await s.next();
    return { init: s.lines[0], tools: s.lines[1], resources: s.lines[2] };
  } finally {
    await s.close();
  }
}

test('a client that declares the extension gets it, the resources capability and the three links', async () => {
  const c = await sdk(UI_CAPS);
  const caps = c.getServerCapabilities();
  assert.deepEqual(caps.extensions, { [EXT]: { mimeTypes: [MIME] } });
  assert.deepEqual(caps.resources, { subscribe: false, listChanged: false });
  const { tools } = await c.listTools();
  for (const t of tools) {
    if (VIEWS[t.name]) {
      assert.deepEqual(t._meta, { ui: { resourceUri: VIEWS[t.name] }, 'ui/resourceUri': VIEWS[t.name] }, t.name);
    } else {
      assert.equal(t._meta?.ui, undefined, `${t.name} has no view`);
      assert.equal(t._meta?.['ui/resourceUri'], undefined, `${t.name} has no view`);
    }
  }
  assert.deepEqual(tools.filter((t) => t._meta?.ui).map((t) => t.name).sort(), Object.keys(VIEWS).sort());
});

test('a client without the extension sees no extension, no resources and no link; resources/* is Method not found', async () => {
  const c = await sdk({});
  const caps = c.getServerCapabilities();
  assert.equal(caps.extensions, undefined);
  assert.equal(caps.resources, undefined);
  const { tools } = await c.listTools();
  assert.equal(tools.filter((t) => t._meta?.ui !== undefined || t._meta?.['ui/resourceUri'] !== undefined).length, 0);
  const r = await rawLines({});
  assert.equal(JSON.parse(r.resources).error.code, -32601);
  assert.match(JSON.parse(r.resources).error.message, /Method not found: resources\/list/);
});

test('without the links, tools/list and initialize are byte for byte the same for every client that does not get the views', async () => {
  const plain = await rawLines({});
  const variants = [
    ['SFDC_UI=off with the extension declared', UI_CAPS, { SFDC_UI: 'off' }],
    ['SFDC_UI=auto written out', {}, { SFDC_UI: 'auto' }],
    ['the extension for another type only', { extensions: { [EXT]: { mimeTypes: ['text/uri-list'] } } }, {}],
    ['the extension without mimeTypes', { extensions: { [EXT]: {} } }, {}],
    ['mimeTypes not an array', { extensions: { [EXT]: { mimeTypes: MIME } } }, {}],
    ['another extension', { extensions: { 'com.example/other': { mimeTypes: [MIME] } } }, {}],
  ];
  for (const [what, caps, env] of variants) {
    const v = await rawLines(caps, env);
    assert.equal(v.tools, plain.tools, what + ': tools/list');
    assert.equal(v.init, plain.init, what + ': initialize');
  }
  // And the links are all that the extension adds to tools/list.
  const ui = await rawLines(UI_CAPS);
  assert.ok(ui.tools.length > plain.tools.length);
  const stripped = JSON.parse(ui.tools);
  for (const t of stripped.result.tools) {
    if (!t._meta?.ui) continue;
    delete t._meta.ui;
    delete t._meta['ui/resourceUri'];
    if (Object.keys(t._meta).length === 0) delete t._meta;
  }
  assert.deepEqual(stripped, JSON.parse(plain.tools));
  // The same holds for the oldest version we speak.
  const old = await rawLines({}, {}, '2024-11-05');
  const oldOff = await rawLines(UI_CAPS, { SFDC_UI: 'off' }, '2024-11-05');
  assert.equal(oldOff.tools, old.tools);
});

test('SFDC_UI=on links the views for a client that renders apps without declaring the extension', async () => {
  const c = await sdk({}, { SFDC_UI: 'on' });
  assert.ok(c.getServerCapabilities().resources);
  const { tools } = await c.listTools();
  assert.equal(tools.find((t) => t.name === 'pipeline_by_stage')._meta.ui.resourceUri, VIEWS.pipeline_by_stage);
  const { resources } = await c.listResources();
  assert.equal(resources.length, 3);
});

test('SFDC_UI takes auto, on or off; anything else is refused at start', async () => {
  for (const bad of ['ON', 'yes', '1', 'auto ']) {
    const s = spawnRaw(offlineEnv({ SFDC_UI: bad }));
    const { code } = await s.exited;
    assert.equal(code, 1, `SFDC_UI=${JSON.stringify(bad)}`);
    assert.match(s.stderr, /SFDC_UI must be auto, on or off/);
  }
});

test('resources/list names the three compiled-in views, their type and size', async () => {
  const c = await sdk(UI_CAPS);
  const { resources, nextCursor } = await c.listResources();
  assert.equal(nextCursor, undefined);
  assert.deepEqual(resources.map((r) => r.uri).sort(), Object.values(VIEWS).sort());
  for (const r of resources) {
    assert.equal(r.mimeType, MIME);
    assert.ok(r.name && r.title && r.description, r.uri);
    assert.deepEqual(r._meta, { ui: { csp: {}, prefersBorder: true } });
    const { contents } = await c.readResource({ uri: r.uri });
    assert.equal(Buffer.byteLength(contents[0].text), r.size, r.uri + ': size is the text\'s');
  }
  const { resourceTemplates } = await c.listResourceTemplates();
  assert.deepEqual(resourceTemplates, []);
});

test('resources/read of each view: a self-contained HTML5 document that loads and fetches nothing', async () => {
  const c = await sdk(UI_CAPS);
  for (const [tool, uri] of Object.entries(VIEWS)) {
    const r = await c.readResource({ uri });
    assert.equal(r.contents.length, 1);
    const v = r.contents[0];
    assert.equal(v.uri, uri);
    assert.equal(v.mimeType, MIME);
    assert.deepEqual(v._meta, { ui: { csp: {}, prefersBorder: true } }, 'no domain declared');
    const html = v.text;
    assert.ok(html.startsWith('<!DOCTYPE html>\n'), uri);
    assert.ok(html.length <= 65536, uri + ' is within UI_VIEW_MAX');
    assert.match(html, /<\/html>\n$/);
    assert.match(html, new RegExp('result of ' + tool), 'the view names its tool');
    // The app side of the protocol is there.
    for (const m of ['ui/initialize', 'ui/notifications/initialized', 'ui/notifications/tool-input',
      'ui/notifications/tool-result', 'ui/notifications/host-context-changed', 'ui/notifications/size-changed',
      'ui/resource-teardown', '"2026-01-26"']) {
      assert.ok(html.includes(m), `${uri} handles ${m}`);
    }
    // Nothing external, nothing fetched, no tool called.
    assert.doesNotMatch(html, /<script[^>]*\ssrc=|<link\b|<img\b|<iframe\b|@import|url\(|https?:\/\/(?!www\.w3\.org\/2000\/svg)/i, uri);
    assert.doesNotMatch(html, /fetch\(|XMLHttpRequest|WebSocket|EventSource|sendBeacon|tools\/call|resources\/read|ui\/open-link|ui\/message/, uri);
  }
});

test('resources/read of an unknown URI is the spec\'s Resource not found (-32002); bad params are -32602', async () => {
  const c = await sdk(UI_CAPS);
  for (const uri of ['ui://sfrevops/nope', 'ui://sfrevops/pipeline/', 'UI://sfrevops/pipeline', 'file:///etc/passwd',
    'ui://sfrevops/' + 'p'.repeat(242), 'ui://sfrevops/' + 'p'.repeat(243), '']) {
    await assert.rejects(c.readResource({ uri }), (e) => {
      assert.equal(e.code, -32002, uri);
      assert.match(e.message, /Resource not found: /);
      assert.ok(e.message.length < 400);
      return true;
    }, uri);
  }
  // A long URI is shown cut, not echoed whole.
  const s = spawnRaw(offlineEnv());
  try {
    s.send({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: UI_CAPS, clientInfo: { name: 'e2e', version: '1' } } });
    await s.next();
    s.send({ jsonrpc: '2.0', id: 1, method: 'resources/read', params: { uri: 'ui://' + 'x'.repeat(100000) } });
    let r = await s.next();
    assert.equal(r.error.code, -32002);
    assert.match(r.error.message, /x\.\.\. \(this server has/);
    for (const [id, params] of [[2, {}], [3, { uri: 42 }], [4, undefined]]) {
      s.send({ jsonrpc: '2.0', id, method: 'resources/read', params });
      r = await s.next();
      assert.equal(r.error.code, -32602, JSON.stringify(params));
      assert.match(r.error.message, /resources\/read needs a string 'uri'/);
    }
    s.send({ jsonrpc: '2.0', id: 5, method: 'resources/list', params: { cursor: 'abc' } });
    r = await s.next();
    assert.equal(r.error.code, -32602);
    s.send({ jsonrpc: '2.0', id: 6, method: 'resources/subscribe', params: { uri: VIEWS.stale_opps } });
    r = await s.next();
    assert.equal(r.error.code, -32601);
    assert.match(r.error.message, /no subscriptions/);
  } finally {
    await s.close();
  }
});
