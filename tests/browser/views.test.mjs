// The MCP Apps views in a real browser: headless Chromium (Debian's
// chromium package, driven by playwright-core) loads tests/browser/
// host.html, which plays the host side with the pinned
// @modelcontextprotocol/ext-apps AppBridge.  Each view comes from
// resources/read and is fed the input and the result of a real tools/call
// against the simulator, through the MCP SDK client.  The test reads the
// rendered document of each view, checks that nothing but the host page's
// own files was requested (and nothing at all by a view), tries the
// keyboard and the narrowest width, and saves a screenshot of each view,
// light and dark, in the build tree (tests/browser/screens/).
//
// The host page embeds each view as a desktop host does: one iframe,
// sandbox="allow-scripts" (an opaque origin, not the page's), with the
// CSP the specification builds from the resource's metadata.  A web host
// puts a Sandbox proxy on a second origin between the two; that layer is
// the host's, and not what is tested here.
//
// Skipped, with the reason, where chromium is not installed
// (apt-get install chromium; contrib/install-deps.sh does).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSim, simEnv, srcdir } from '../e2e/lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(srcdir, 'tests', 'node_modules');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
// SFREVOPS_SCREENS: where contrib/demo.sh --screenshots wants them.
const shots = process.env.SFREVOPS_SCREENS ||
  join(process.env.top_builddir || join(srcdir, 'build'), 'tests', 'browser', 'screens');
const EXT = 'io.modelcontextprotocol/ui';
const MIME = 'text/html;profile=mcp-app';
const QUARTER_END = (() => {
  // The quarter that holds today (UTC), as at_risk_commits takes it.
  const d = new Date();
  const q = Math.floor(d.getUTCMonth() / 3);
  return new Date(Date.UTC(d.getUTCFullYear(), q * 3 + 3, 0)).toISOString().slice(0, 10);
})();

let skip = false;
if (!existsSync(CHROMIUM)) skip = `no ${CHROMIUM}: apt-get install chromium (contrib/install-deps.sh does)`;
else if (!existsSync(join(modules, 'playwright-core')) || !existsSync(join(modules, '@modelcontextprotocol', 'ext-apps')))
  skip = 'tests/node_modules lacks playwright-core or @modelcontextprotocol/ext-apps: run npm ci in tests/';

let sim, client, http, origin, context, page, profile;
const requests = [];
const problems = [];

/*
 * The import map of the host page: every bare specifier that the
 * ext-apps host side reaches, resolved as Node resolves it, served from
 * /m/ (tests/node_modules) on the page's own origin.
 */
function importMap() {
  const imports = {};
  const seen = new Set();
  const walk = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const src = readFileSync(file, 'utf8');
    const re = /(?:import|export)\s*(?:[^'"();]*?from\s*)?['"]([^'"]+)['"]/g;
    let m;
    while ((m = re.exec(src))) {
      const spec = m[1];
      if (spec.startsWith('.')) { walk(resolve(dirname(file), spec)); continue; }
      // Resolved from here: tests/node_modules is flat (npm ci).
      const target = fileURLToPath(import.meta.resolve(spec));
      imports[spec] = '/m/' + relative(modules, target).split(sep).join('/');
      walk(target);
    }
  };
  const entry = join(modules, '@modelcontextprotocol', 'ext-apps', 'dist', 'src', 'app-bridge.js');
  imports['@modelcontextprotocol/ext-apps/app-bridge'] = '/m/' + relative(modules, entry).split(sep).join('/');
  walk(entry);
  return { imports };
}

function serve() {
  const page = readFileSync(join(here, 'host.html'), 'utf8').replace('%%IMPORTMAP%%', JSON.stringify(importMap()));
  return createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      return res.end(page);
    }
    if (url.pathname.startsWith('/m/') && url.pathname.endsWith('.js')) {
      const file = resolve(modules, decodeURIComponent(url.pathname.slice(3)));
      if (file.startsWith(modules + sep) && existsSync(file)) {
        res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' });
        return res.end(readFileSync(file));
      }
    }
    // The browser asks for /favicon.ico: none, and no error for it.
    res.writeHead(url.pathname === '/favicon.ico' ? 204 : 404);
    res.end();
  });
}

before(async () => {
  if (skip) return;
  sim = await startSim();
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
  const { BIN } = await import('../e2e/lib.mjs');
  client = new Client({ name: 'browser-host', version: '1.0.0' }, { capabilities: { extensions: { [EXT]: { mimeTypes: [MIME] } } } });
  await client.connect(new StdioClientTransport({ command: BIN, args: [], env: simEnv(sim), stderr: 'pipe' }));
  http = serve();
  await new Promise((r) => http.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${http.address().port}`;
  const { chromium } = await import('playwright-core');
  profile = mkdtempSync(join(tmpdir(), 'sfrevops-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 760, height: 1300 },
  });
  page = context.pages()[0] || await context.newPage();
  page.on('request', (r) => requests.push({ url: r.url(), main: r.frame() === page.mainFrame() }));
  page.on('requestfailed', (r) => problems.push('request failed: ' + r.url()));
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  await page.goto(origin + '/');
  await page.waitForFunction(() => window.hostReady === true, null, { timeout: 45000 });
  mkdirSync(shots, { recursive: true });
});

after(async () => {
  if (context) await context.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  if (http) await new Promise((r) => http.close(r));
  if (client) await client.close();
  if (sim) await sim.stop();
});

/** tools/list's link for a tool, resources/read of it, tools/call. */
async function viewFor(tool, args) {
  const { tools } = await client.listTools();
  const uri = tools.find((t) => t.name === tool)._meta.ui.resourceUri;
  const { contents } = await client.readResource({ uri });
  const result = await client.callTool({ name: tool, arguments: args });
  assert.notEqual(result.isError, true, JSON.stringify(result.content));
  return { resource: contents[0], result };
}

async function show(tool, args, v, theme, width = 720) {
  const info = await page.evaluate(([res, name, a, r, t, w]) => window.showView(res, name, a, r, t, w),
    [v.resource, tool, args, v.result, theme, width]);
  // The new iframe's frame (the previous view's may not be detached yet).
  const frame = await (await page.$('#view')).contentFrame();
  assert.ok(frame, 'the view frame');
  return { frame, info };
}

async function screenshot(name) {
  // Let the size-changed notification resize the iframe first.
  await page.waitForTimeout(150);
  await page.locator('#view').screenshot({ path: join(shots, name + '.png') });
}

/** Arrow keys move the focus from the first item to the second. */
async function keyboard(frame, selector) {
  await frame.focus(selector + '[tabindex="0"]');
  await frame.page().keyboard.press('ArrowDown');
  const i = await frame.evaluate((sel) => Array.prototype.indexOf.call(document.querySelectorAll(sel), document.activeElement), selector);
  assert.equal(i, 1, 'ArrowDown moves to the second item of ' + selector);
  await frame.page().keyboard.press('Home');
}

async function noOverflow(frame, what) {
  const [sw, cw] = await frame.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.ok(sw <= cw, `${what}: ${sw} px of content in ${cw} px`);
}

const money = (v) => new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 }).format(v);

test('pipeline_by_stage: one bar per stage with its label and values, the totals and the overdue line, light and dark', { skip }, async () => {
  const args = { close_date_window_days: 90 };
  const v = await viewFor('pipeline_by_stage', args);
  const sc = v.result.structuredContent;
  assert.ok(sc.rows.length >= 3, 'the simulator has several stages');
  for (const theme of ['light', 'dark']) {
    const { frame, info } = await show('pipeline_by_stage', args, v, theme);
    assert.equal(info.app.name, 'sfrevops-pipeline');
    await frame.waitForSelector('li.bar[data-label]');
    const bars = await frame.$$eval('li.bar', (els) => els.map((e) => ({
      label: e.dataset.label, deals: Number(e.dataset.deals), amount: Number(e.dataset.amount),
      weighted: Number(e.dataset.weighted), text: e.querySelector('.label').textContent,
      vals: e.querySelector('.vals').textContent, aria: e.getAttribute('aria-label'),
      width: Number(e.querySelector('rect.amount').getAttribute('width')),
    })));
    assert.equal(bars.length, sc.rows.length, 'one bar per stage');
    sc.rows.forEach((r, i) => {
      assert.equal(bars[i].label, r[0]);
      assert.equal(bars[i].text, r[0]);
      assert.equal(bars[i].deals, r[1]);
      assert.equal(bars[i].amount, r[2]);
      assert.equal(bars[i].weighted, r[3]);
      assert.equal(bars[i].vals, `${r[1]} deals \u00b7 ${money(r[2])} \u00b7 weighted ${money(r[3])}`);
      assert.match(bars[i].aria, new RegExp('^' + r[0].replace(/[.*+?^${}()|[\]\\/]/g, '\\$&') + ': '), 'a text alternative');
    });
    const widest = Math.max(...sc.rows.map((r) => r[2]));
    sc.rows.forEach((r, i) => assert.ok(Math.abs(bars[i].width - 100 * r[2] / widest) < 0.01 || (bars[i].width === 0.5 && r[2] > 0), 'bar length'));
    // The bars add up to the tool's totals, and the totals are shown.
    const sum = (k) => Math.round(bars.reduce((s, b) => s + b[k], 0) * 100) / 100;
    assert.equal(sum('deals'), sc.totals.deals);
    assert.equal(sum('amount'), sc.totals.amount);
    assert.equal(sum('weighted'), sc.totals.weighted);
    const totals = await frame.$$eval('#totals dd', (els) => Object.fromEntries(els.map((e) => [e.dataset.total, e.textContent])));
    assert.deepEqual(totals, { deals: sc.totals.deals.toLocaleString('en-US'), amount: money(sc.totals.amount), weighted: money(sc.totals.weighted) });
    const od = await frame.textContent('#overdue');
    assert.match(od, new RegExp(`^Overdue, still open .*: ${sc.overdue.deals} deals, ${money(sc.overdue.amount).replace('$', '\\$')}`));
    const sub = await frame.textContent('#window');
    assert.ok(sub.includes(`Closing ${sc.from} through ${sc.to}`) && sub.includes('in USD'), sub);
    const bg = await frame.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(bg, theme === 'dark' ? 'rgb(23, 24, 27)' : 'rgb(255, 255, 255)', 'the host\'s theme');
    await screenshot('pipeline-' + theme);
    await keyboard(frame, 'li.bar');
    // ui/notifications/host-context-changed: the host switches the theme.
    const other = theme === 'dark' ? 'light' : 'dark';
    await page.evaluate((t) => window.setTheme(t), other);
    await frame.waitForFunction((t) => document.documentElement.getAttribute('data-theme') === t, other, { timeout: 5000 });
    assert.equal(await frame.evaluate(() => getComputedStyle(document.body).backgroundColor),
      other === 'dark' ? 'rgb(23, 24, 27)' : 'rgb(255, 255, 255)', 'the theme the host changed to');
  }
  const { frame } = await show('pipeline_by_stage', args, v, 'light', 320);
  await frame.waitForSelector('li.bar[data-label]');
  await noOverflow(frame, 'pipeline at 320 px');
  await screenshot('pipeline-narrow');
});

test('at_risk_commits: every at-risk deal, by close date, with its reasons as badges and the amount at risk', { skip }, async () => {
  const args = { quarter_end_date: QUARTER_END };
  const v = await viewFor('at_risk_commits', args);
  const sc = v.result.structuredContent;
  const ci = (n) => sc.columns.indexOf(n);
  assert.ok(sc.rows.length >= 2, 'the simulator has at-risk commits');
  for (const theme of ['light', 'dark']) {
    const { frame } = await show('at_risk_commits', args, v, theme);
    await frame.waitForSelector('#rows tr');
    const rows = await frame.$$eval('#rows tr', (els) => els.map((e) => ({
      id: e.dataset.id, close: e.cells[0].textContent, name: e.querySelector('.deal').textContent,
      badges: Array.from(e.querySelectorAll('.badge'), (b) => b.textContent),
    })));
    assert.equal(rows.length, sc.rows.length, 'every at-risk deal');
    for (const r of sc.rows) {
      const shown = rows.find((x) => x.id === r[ci('Id')]);
      assert.ok(shown, r[ci('Id')]);
      assert.equal(shown.name, r[ci('Name')]);
      assert.equal(shown.close, r[ci('CloseDate')]);
      assert.deepEqual(shown.badges, r[ci('reasons')].split('; '), 'its reasons, one badge each');
    }
    const closes = rows.map((x) => x.close);
    assert.deepEqual(closes, [...closes].sort(), 'sorted by close date');
    const atRisk = sc.rows.reduce((s, r) => s + r[ci('Amount')], 0);
    assert.equal(Number(await frame.getAttribute('#total', 'data-amount')), atRisk);
    assert.match(await frame.textContent('#total'), new RegExp(`^${sc.rows.length} at-risk deals, ${atRisk.toLocaleString('en-US')} at risk`));
    await screenshot('at-risk-' + theme);
    await keyboard(frame, '#rows tr');
  }
  const { frame } = await show('at_risk_commits', args, v, 'dark', 320);
  await frame.waitForSelector('#rows tr');
  await noOverflow(frame, 'at-risk commits at 320 px');
});

test('stale_opps: days in stage as bars, with each deal\'s owner', { skip }, async () => {
  const args = { days_in_stage_threshold: 45 };
  const v = await viewFor('stale_opps', args);
  const sc = v.result.structuredContent;
  const ci = (n) => sc.columns.indexOf(n);
  assert.ok(sc.rows.length >= 2);
  for (const theme of ['light', 'dark']) {
    const { frame } = await show('stale_opps', args, v, theme);
    await frame.waitForSelector('li.bar[data-id]');
    const bars = await frame.$$eval('li.bar', (els) => els.map((e) => ({
      id: e.dataset.id, days: Number(e.dataset.days), text: e.querySelector('.days').textContent,
      owner: e.querySelector('.owner').textContent, aria: e.getAttribute('aria-label'),
    })));
    assert.equal(bars.length, sc.rows.length);
    sc.rows.forEach((r, i) => {
      assert.equal(bars[i].id, r[ci('Id')]);
      assert.equal(bars[i].days, r[ci('days_in_stage')]);
      assert.equal(bars[i].text, `${r[ci('days_in_stage')]} days in ${r[ci('StageName')]}`);
      assert.ok(bars[i].owner.startsWith(r[ci('Owner.Name')]), bars[i].owner);
      assert.ok(bars[i].aria.endsWith(`owner ${r[ci('Owner.Name')]}`), bars[i].aria);
    });
    assert.match(await frame.textContent('#window'), /no stage change in 45 days or more/, 'the threshold from the tool input');
    await screenshot('stale-' + theme);
    await keyboard(frame, 'li.bar');
  }
  const { frame } = await show('stale_opps', args, v, 'light', 320);
  await frame.waitForSelector('li.bar[data-id]');
  await noOverflow(frame, 'stale deals at 320 px');
});

test('no request left the page but the host page\'s own files, the views requested nothing, and nothing was reported', { skip }, async () => {
  assert.ok(requests.length > 1, 'the host page and its modules were seen');
  const foreign = requests.filter((r) => !r.url.startsWith(origin + '/'));
  assert.deepEqual(foreign, [], 'every request went to the host page\'s origin');
  const fromViews = requests.filter((r) => !r.main);
  assert.deepEqual(fromViews, [], 'no request from a view');
  assert.deepEqual(problems, [], 'no console error or warning (a CSP violation is one)');
});
