// The three RevOps helpers end to end: the official MCP SDK client
// spawns sfrevops-mcp against the Salesforce simulator, and every answer
// is computed again here, independently, from the simulator's raw
// records (GET /__sim/records/...) and its own describe: pipeline by
// stage in the org's stage order, stale opportunities with cursor
// paging, at-risk commits with their reasons, the SOQL actually sent,
// dry runs that send nothing, and bad arguments refused before any
// request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSim, simEnv, connectSdk, simFetch, dataCalls, queries, textOf } from './lib.mjs';

let sim;
const opened = [];
const DAY = 86400000;

before(async () => { sim = await startSim(); });
after(async () => {
  for (const c of opened) await c.close().catch(() => {});
  if (sim) await sim.stop();
});

const connect = (extraEnv = {}) => connectSdk(simEnv(sim, extraEnv), opened);

// The simulator whose log the helpers read (the scale tests swap it).
const simLogRef = { get: () => sim.log(), clear: () => sim.clearLog() };
const simLog = () => simLogRef.get();
const clearLog = () => simLogRef.clear();
const records = (object) => sim.records(object);

// Dates as whole UTC days, the simulator's time zone (README: GMT).
const dayNum = (s) => Math.floor(Date.UTC(+s.slice(0, 4), +s.slice(5, 7) - 1, +s.slice(8, 10)) / DAY);
const dayStr = (n) => new Date(n * DAY).toISOString().slice(0, 10);
// Salesforce datetimes end in +0000, which Date.parse does not take.
const dtMs = (s) => Date.parse(s.replace(/\+0000$/, 'Z'));
const cents = (x) => Math.round(x * 100) / 100;

async function stagePicklist() {
  const r = await simFetch(sim, 'GET', `/services/data/${sim.api_version}/sobjects/Opportunity/describe`,
    undefined, { Authorization: 'Bearer ' + sim.access_token });
  assert.equal(r.status, 200, r.body);
  const f = r.json.fields.find((x) => x.name === 'StageName');
  return f.picklistValues.filter((p) => p.active).map((p) => p.value);
}

/**
 * What pipeline_by_stage must answer, from the raw records: by key (the
 * stage or the forecast category), in the picklist's order; amounts
 * divided by the record's currency rate when rates are given (a
 * multi-currency org: grouped aggregates are in the corporate currency).
 */
function expectedPipeline(opps, picklist, today, window, owner, key = 'StageName', rates = null) {
  const from = dayNum(today);
  const conv = (o, v) => (v == null ? 0 : rates ? v / rates.get(o.CurrencyIsoCode) : v);
  const by = new Map();
  const overdue = { n: 0, amount: 0, weighted: 0 };
  for (const o of opps) {
    if (o.IsClosed) continue;
    if (owner && o.OwnerId !== owner) continue;
    const d = dayNum(o.CloseDate);
    if (d < from) {
      overdue.n++;
      overdue.amount += conv(o, o.Amount);
      overdue.weighted += conv(o, o.ExpectedRevenue);
      continue;
    }
    if (d > from + window) continue;
    const g = by.get(o[key]) || { n: 0, amount: 0, weighted: 0 };
    g.n++;
    g.amount += conv(o, o.Amount);
    g.weighted += conv(o, o.ExpectedRevenue);
    by.set(o[key], g);
  }
  const known = picklist.filter((s) => by.has(s));
  const unknown = [...by.keys()].filter((s) => !picklist.includes(s)).sort();
  const rows = [...known, ...unknown].map((s) => [s, by.get(s).n, cents(by.get(s).amount), cents(by.get(s).weighted)]);
  const totals = {
    deals: rows.reduce((a, r) => a + r[1], 0),
    amount: cents([...by.values()].reduce((a, g) => a + g.amount, 0)),
    weighted: cents([...by.values()].reduce((a, g) => a + g.weighted, 0)),
  };
  return { rows, totals, overdue: { deals: overdue.n, amount: cents(overdue.amount), weighted: cents(overdue.weighted) } };
}

/** Equal to the cent, allowing for the order of floating-point sums. */
function closeTo(got, want, what) {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) {
    assert.equal(got[i][0], want[i][0], what);
    assert.equal(got[i][1], want[i][1], what);
    for (const k of [2, 3]) assert.ok(Math.abs(got[i][k] - want[i][k]) <= 0.011, `${what} ${want[i][0]}: ${got[i][k]} vs ${want[i][k]}`);
  }
}

async function picklistOf(field) {
  const r = await simFetch(sim, 'GET', `/services/data/${sim.api_version}/sobjects/Opportunity/describe`,
    undefined, { Authorization: 'Bearer ' + sim.access_token });
  return r.json.fields.find((x) => x.name === field).picklistValues.filter((p) => p.active).map((p) => p.value);
}

const PIPELINE_OVERDUE_SOQL = 'SELECT COUNT(Id) deals, SUM(Amount) amount_sum, SUM(ExpectedRevenue) weighted_sum FROM Opportunity '
  + 'WHERE IsClosed = false AND CloseDate < TODAY WITH SECURITY_ENFORCED GROUP BY IsClosed LIMIT 200';

test('the three RevOps tools are listed, read-only, with closed input schemas', async () => {
  const c = await connect();
  const { tools } = await c.client.listTools();
  for (const name of ['pipeline_by_stage', 'stale_opps', 'at_risk_commits']) {
    const t = tools.find((x) => x.name === name);
    assert.ok(t, 'lists ' + name);
    assert.equal(t.inputSchema.additionalProperties, false);
    assert.equal(typeof t.outputSchema, 'object');
    assert.equal(t.annotations.readOnlyHint, true);
    assert.equal(t.annotations.destructiveHint, false);
    assert.equal(t.annotations.idempotentHint, true);
    assert.equal(t.annotations.openWorldHint, true);
    assert.ok('dry_run' in t.inputSchema.properties, name + ' takes dry_run');
  }
  const risk = tools.find((x) => x.name === 'at_risk_commits');
  assert.equal(risk.inputSchema.properties.quarter_end_date.format, 'date');
  assert.deepEqual(risk.inputSchema.required, ['quarter_end_date']);
});

test('pipeline_by_stage: per-stage counts and sums to the cent, in picklist order, the overdue line, the currency', async () => {
  const c = await connect();
  const opps = await records('Opportunity');
  const picklist = await stagePicklist();
  await clearLog();
  const r = await c.client.callTool({ name: 'pipeline_by_stage', arguments: {} });
  assert.equal(r.isError, false, textOf(r));
  const want = expectedPipeline(opps, picklist, sim.today, 90, null);
  assert.ok(want.rows.length >= 3, 'the data has several stages in the window');
  assert.ok(want.overdue.deals > 0, 'some open deals are past their close date');
  const sc = r.structuredContent;
  assert.deepEqual(sc.columns, ['stage', 'deals', 'amount', 'weighted']);
  assert.deepEqual(sc.rows, want.rows);
  assert.deepEqual(sc.totals, want.totals);
  assert.deepEqual(sc.overdue, want.overdue, 'overdue, still open: on its own line, not in the window');
  assert.equal(sc.currency, 'USD');
  assert.equal(sc.multi_currency, false);
  assert.equal(sc.currency_source, 'Organization.DefaultCurrencyIsoCode');
  // Stage order is the org's picklist order, not alphabetical or by size.
  const order = sc.rows.map((row) => row[0]);
  assert.deepEqual(order, picklist.filter((s) => order.includes(s)));
  assert.equal(sc.window_days, 90);
  assert.equal(sc.from, sim.today);
  assert.equal(sc.to, dayStr(dayNum(sim.today) + 90));
  const text = textOf(r);
  assert.match(text, new RegExp(`${sim.today} through ${sc.to}`));
  assert.match(text, new RegExp(`\\ntotal\\t${want.totals.deals}\\t`));
  assert.match(text, new RegExp(`\\noverdue, still open[^\\t]*\\t${want.overdue.deals}\\t`));
  assert.match(text, /Amounts in USD/);
  assert.match(text, /stage\tdeals\tamount\tweighted/);

  const log = dataCalls(await simLog());
  assert.equal(log.length, 4, 'a new process: describe, its currency, the window, the overdue: ' + JSON.stringify(log.map((e) => e.soql || e.path)));
  assert.match(log[0].path, /\/sobjects\/Opportunity\/describe$/);
  assert.equal(log[1].soql, 'SELECT DefaultCurrencyIsoCode FROM Organization WITH SECURITY_ENFORCED LIMIT 200');
  assert.equal(log[2].soql, 'SELECT StageName, COUNT(Id) deals, SUM(Amount) amount_sum, SUM(ExpectedRevenue) weighted_sum '
    + 'FROM Opportunity WHERE IsClosed = false AND CloseDate >= TODAY AND CloseDate <= NEXT_N_DAYS:90 '
    + 'WITH SECURITY_ENFORCED GROUP BY StageName LIMIT 200');
  assert.equal(log[3].soql, PIPELINE_OVERDUE_SOQL);
  assert.equal(sc.soql, log[2].soql);
  assert.equal(sc.overdue_soql, log[3].soql);

  // The same process again: the describe and the currency are kept.
  await clearLog();
  const r2 = await c.client.callTool({ name: 'pipeline_by_stage', arguments: { group_by: 'forecast_category' } });
  assert.equal(r2.isError, false, textOf(r2));
  const log2 = dataCalls(await simLog());
  assert.equal(log2.length, 2, 'two aggregate requests, nothing else: ' + JSON.stringify(log2.map((e) => e.soql || e.path)));
  const fc = await picklistOf('ForecastCategoryName');
  const wantFc = expectedPipeline(opps, fc, sim.today, 90, null, 'ForecastCategoryName');
  assert.ok(wantFc.rows.length >= 3, 'several forecast categories');
  assert.deepEqual(r2.structuredContent.columns, ['forecast_category', 'deals', 'amount', 'weighted']);
  assert.deepEqual(r2.structuredContent.rows, wantFc.rows);
  assert.deepEqual(r2.structuredContent.totals, want.totals, 'the same window, grouped otherwise');
  assert.equal(r2.structuredContent.group_by, 'forecast_category');
  assert.match(log2[0].soql, /^SELECT ForecastCategoryName, COUNT\(Id\) deals, .* GROUP BY ForecastCategoryName LIMIT 200$/);
});

test('pipeline_by_stage: a multi-currency org totals in the corporate currency, and says so', async () => {
  const cur = [{ iso: 'EUR', rate: 1 }, { iso: 'USD', rate: 1.25 }, { iso: 'JPY', rate: 160 }];
  assert.equal((await sim.control('POST', 'org', { currencies: cur })).status, 200);
  try {
    const c = await connect();
    const opps = await records('Opportunity');
    assert.ok(new Set(opps.map((o) => o.CurrencyIsoCode)).size === 3, 'deals in three currencies');
    const picklist = await stagePicklist();
    const rates = new Map(cur.map((x) => [x.iso, x.rate]));
    await clearLog();
    const r = await c.client.callTool({ name: 'pipeline_by_stage', arguments: {} });
    assert.equal(r.isError, false, textOf(r));
    const want = expectedPipeline(opps, picklist, sim.today, 90, null, 'StageName', rates);
    const naive = expectedPipeline(opps, picklist, sim.today, 90, null);
    assert.notEqual(naive.totals.amount, want.totals.amount, 'the conversion matters in this data');
    const sc = r.structuredContent;
    closeTo(sc.rows, want.rows, 'rows in EUR');
    assert.ok(Math.abs(sc.totals.amount - want.totals.amount) <= 0.05);
    assert.ok(Math.abs(sc.overdue.amount - want.overdue.amount) <= 0.05, 'the overdue line is converted too');
    assert.equal(sc.currency, 'EUR');
    assert.equal(sc.multi_currency, true);
    assert.equal(sc.currency_source, 'CurrencyType (IsCorporate)');
    assert.match(textOf(r), /Amounts in EUR \(the corporate currency/);
    const q = queries(await simLog());
    assert.equal(q[0].soql, 'SELECT IsoCode FROM CurrencyType WHERE IsCorporate = true WITH SECURITY_ENFORCED LIMIT 200');
    // Whether the org keeps dated rates (helpers_currency.test.mjs): it
    // does not here, and says so.
    assert.equal(q[1].soql, 'SELECT IsoCode FROM DatedConversionRate WITH SECURITY_ENFORCED LIMIT 1');
    assert.equal(sc.currency_rates, 'the current rate of each currency (CurrencyType)');
    assert.equal(q.length, 4);
  } finally {
    await sim.control('POST', 'org', { currencies: null });
  }
});

test('pipeline_by_stage: a window and one owner', async () => {
  const c = await connect();
  const opps = await records('Opportunity');
  const picklist = await stagePicklist();
  // The owner with the most open deals, so the filter matters.
  const counts = new Map();
  for (const o of opps) if (!o.IsClosed) counts.set(o.OwnerId, (counts.get(o.OwnerId) || 0) + 1);
  const owner = [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0];
  await clearLog();
  // The 15-character form is accepted and sent as the 18-character one.
  const r = await c.client.callTool({ name: 'pipeline_by_stage', arguments: { close_date_window_days: 200, owner_id: owner.slice(0, 15) } });
  assert.equal(r.isError, false, textOf(r));
  const want = expectedPipeline(opps, picklist, sim.today, 200, owner);
  const all = expectedPipeline(opps, picklist, sim.today, 200, null);
  assert.ok(want.totals.deals > 0 && want.totals.deals < all.totals.deals, 'the owner filter narrows');
  assert.deepEqual(r.structuredContent.rows, want.rows);
  assert.deepEqual(r.structuredContent.totals, want.totals);
  assert.equal(r.structuredContent.owner_id, owner);
  assert.deepEqual(r.structuredContent.overdue, want.overdue);
  const q = queries(await simLog());
  assert.equal(q.length, 3, 'currency (a new process), window, overdue');
  assert.match(q[1].soql, new RegExp(`CloseDate <= NEXT_N_DAYS:200 AND OwnerId = '${owner}' WITH SECURITY_ENFORCED GROUP BY StageName`));
  assert.match(q[2].soql, new RegExp(`CloseDate < TODAY AND OwnerId = '${owner}' WITH SECURITY_ENFORCED GROUP BY IsClosed`));
});

const STALE_COLUMNS = ['Id', 'Name', 'Account.Name', 'StageName', 'Amount', 'CloseDate', 'LastStageChangeDate', 'CreatedDate', 'Owner.Name', 'days_in_stage'];

/** The stale deals from the records: with LastStageChangeDate, never-moved ones (by CreatedDate) first. */
function expectedStale(opps, today, threshold, owner) {
  const cut = (dayNum(today) - threshold) * DAY; // LAST_N_DAYS:n starts here
  // ORDER BY LastStageChangeDate ASC NULLS FIRST, CreatedDate ASC, Id ASC
  const key = (o) => (o.LastStageChangeDate === null ? [0, 0, dtMs(o.CreatedDate)] : [1, dtMs(o.LastStageChangeDate), dtMs(o.CreatedDate)]);
  return opps.filter((o) => !o.IsClosed && (!owner || o.OwnerId === owner)
    && (o.LastStageChangeDate === null ? dtMs(o.CreatedDate) < cut : dtMs(o.LastStageChangeDate) < cut))
    .sort((a, b) => { const x = key(a), y = key(b); return x[0] - y[0] || x[1] - y[1] || x[2] - y[2] || (a.Id < b.Id ? -1 : 1); });
}

/** Every page of stale_opps; the API calls of each page from the log. */
async function stalePages(c, args) {
  const pages = [];
  let r = await c.client.callTool({ name: 'stale_opps', arguments: args });
  for (;;) {
    assert.equal(r.isError, false, textOf(r));
    pages.push({ sc: r.structuredContent, text: textOf(r), calls: dataCalls(await simLog()).map((e) => e.path.replace(/\?.*/, '')) });
    const cursor = r.structuredContent.cursor;
    if (!cursor) break;
    await clearLog();
    r = await c.client.callTool({ name: 'stale_opps', arguments: { cursor } });
  }
  return pages;
}

test('stale_opps: the stale set, oldest first, 200 per call through the cursor, with days_in_stage', async () => {
  const c = await connect();
  const opps = await records('Opportunity');
  const threshold = 30;
  const want = expectedStale(opps, sim.today, threshold, null);
  assert.ok(want.length > 200, `the data has more than 200 stale deals (${want.length}) so paging is exercised`);
  await clearLog();
  const t0 = Date.now();
  const pages = await stalePages(c, {});
  const t1 = Date.now();
  const sc = pages[0].sc;
  assert.deepEqual(sc.columns, STALE_COLUMNS);
  assert.equal(sc.rows.length, 200);
  assert.equal(sc.total_size, want.length);
  assert.equal(sc.stage_change_source, 'LastStageChangeDate');
  assert.match(pages[0].text, /call stale_opps with cursor/);
  for (const p of pages) {
    assert.ok(p.sc.rows.length <= 200);
    assert.equal(p.sc.total_size, want.length, 'the exact total on every page');
    assert.equal(p.sc.columns.at(-1), 'days_in_stage');
    assert.ok(p.calls.filter((x) => !/\/describe$/.test(x)).length <= 2, 'at most two API calls per page: ' + JSON.stringify(p.calls));
  }
  assert.equal(pages.flatMap((p) => p.calls).filter((x) => /\/describe$/.test(x)).length, 1, 'one describe');
  const rows = pages.flatMap((p) => p.sc.rows);
  assert.equal(pages.length, Math.ceil(want.length / 200));
  assert.deepEqual(rows.map((row) => row[0]), want.map((o) => o.Id), 'the same deals in the same order');
  const byId = new Map(opps.map((o) => [o.Id, o]));
  for (const row of rows) {
    const o = byId.get(row[0]);
    assert.equal(row[3], o.StageName);
    assert.equal(row[4], o.Amount);
    assert.equal(row[6], o.LastStageChangeDate);
    const t = dtMs(o.LastStageChangeDate);
    // Whole days since the change: between what it was when the calls
    // began and what it is now that they are done.
    const lo = Math.floor((t0 - t) / DAY), hi = Math.floor((t1 - t) / DAY);
    assert.ok(row[9] >= lo && row[9] <= hi, `days_in_stage ${row[9]} for ${row[0]} in [${lo}, ${hi}]`);
    assert.ok(row[9] > threshold - 1);
  }
  const q = queries(await (async () => { await clearLog(); await (await connect()).client.callTool({ name: 'stale_opps', arguments: {} }); return simLog(); })());
  assert.equal(q[0].soql, 'SELECT Id, Name, Account.Name, StageName, Amount, CloseDate, LastStageChangeDate, CreatedDate, Owner.Name '
    + 'FROM Opportunity WHERE IsClosed = false AND (LastStageChangeDate < LAST_N_DAYS:30 OR (LastStageChangeDate = null AND CreatedDate < LAST_N_DAYS:30)) '
    + 'WITH SECURITY_ENFORCED ORDER BY LastStageChangeDate ASC NULLS FIRST, CreatedDate ASC, Id ASC');
  // The cursor is spent.
  const r = await c.client.callTool({ name: 'stale_opps', arguments: { cursor: sc.cursor } });
  assert.equal(r.isError, true);
  assert.match(textOf(r), /cursor is unknown or has expired/);
});

test('stale_opps: deals that never moved count from CreatedDate', async () => {
  assert.equal((await sim.control('POST', 'org', { never_moved_pct: 30 })).status, 200);
  try {
    const c = await connect();
    const opps = await records('Opportunity');
    const want = expectedStale(opps, sim.today, 30, null);
    const never = want.filter((o) => o.LastStageChangeDate === null);
    assert.ok(never.length > 10, `never-moved stale deals (${never.length})`);
    await clearLog();
    const t0 = Date.now();
    const pages = await stalePages(c, {});
    const rows = pages.flatMap((p) => p.sc.rows);
    assert.deepEqual(rows.map((row) => row[0]), want.map((o) => o.Id));
    assert.equal(pages[0].sc.total_size, want.length);
    const ids = new Set(never.map((o) => o.Id));
    for (const row of rows.filter((x) => ids.has(x[0]))) {
      assert.equal(row[6], null);
      assert.ok(Math.abs(row[9] - Math.floor((t0 - dtMs(row[7])) / DAY)) <= 1, 'counted from CreatedDate');
    }
  } finally {
    await sim.control('POST', 'org', { never_moved_pct: 0 });
  }
});

test('stale_opps: an API version without LastStageChangeDate falls back to OpportunityHistory, and says so', async () => {
  assert.equal((await sim.control('POST', 'org', { last_stage_change_from: 99 })).status, 200);
  try {
    const c = await connect();
    const opps = await records('Opportunity');
    const hist = await records('OpportunityHistory');
    const threshold = 30;
    const cut = (dayNum(sim.today) - threshold) * DAY;
    const last = new Map();
    for (const h of hist) last.set(h.OpportunityId, Math.max(last.get(h.OpportunityId) || 0, dtMs(h.CreatedDate)));
    const recent = new Set(hist.filter((h) => dtMs(h.CreatedDate) >= cut).map((h) => h.OpportunityId));
    const want = opps.filter((o) => !o.IsClosed && dtMs(o.CreatedDate) < cut && !recent.has(o.Id))
      .sort((a, b) => dtMs(a.CreatedDate) - dtMs(b.CreatedDate) || (a.Id < b.Id ? -1 : 1));
    assert.ok(want.length > 200, `more than 200 (${want.length})`);
    await clearLog();
    const t0 = Date.now();
    const pages = await stalePages(c, { days_in_stage_threshold: threshold });
    const t1 = Date.now();
    const sc = pages[0].sc;
    assert.equal(sc.stage_change_source, 'OpportunityHistory');
    assert.match(pages[0].text, /no Opportunity\.LastStageChangeDate/);
    assert.equal(sc.total_size, want.length);
    assert.deepEqual(sc.columns, ['Id', 'Name', 'Account.Name', 'StageName', 'Amount', 'CloseDate', 'CreatedDate', 'Owner.Name', 'last_change', 'days_in_stage']);
    const rows = pages.flatMap((p) => p.sc.rows);
    assert.deepEqual(rows.map((row) => row[0]), want.map((o) => o.Id));
    for (const row of rows) {
      const t = last.get(row[0]);
      assert.equal(dtMs(row[8]), t, 'last_change is the last history row of ' + row[0]);
      assert.ok(row[9] >= Math.floor((t0 - t) / DAY) && row[9] <= Math.floor((t1 - t) / DAY));
    }
    for (const p of pages) {
      const qs = p.calls.filter((x) => /\/query/.test(x));
      assert.ok(qs.length <= 2, 'at most two queries per page: ' + JSON.stringify(p.calls));
    }
    const q = queries(await simLog());
    assert.ok(q.every((e) => !/LastStageChangeDate/.test(e.soql || '')), 'the missing field is never named');
    assert.ok(q.some((e) => /^SELECT OpportunityId, MAX\(CreatedDate\) latest FROM OpportunityHistory WHERE OpportunityId IN \(/.test(e.soql || '')));
  } finally {
    await sim.control('POST', 'org', { last_stage_change_from: 0 });
  }
});

test('stale_opps: threshold and owner narrow the set; a cursor of another query is refused', async () => {
  const c = await connect();
  const opps = await records('Opportunity');
  const owner = opps.find((o) => !o.IsClosed).OwnerId;
  const want = expectedStale(opps, sim.today, 90, owner);
  assert.ok(want.length > 0 && want.length <= 200);
  let r = await c.client.callTool({ name: 'stale_opps', arguments: { days_in_stage_threshold: 90, owner_id: owner } });
  assert.equal(r.isError, false, textOf(r));
  assert.deepEqual(r.structuredContent.rows.map((row) => row[0]), want.map((o) => o.Id));
  assert.equal(r.structuredContent.done, true);
  assert.equal(r.structuredContent.cursor, undefined);
  for (const row of r.structuredContent.rows) assert.ok(row[9] >= 90);

  const q = await c.client.callTool({ name: 'query', arguments: { soql: 'SELECT Id FROM Opportunity ORDER BY Id LIMIT 300' } });
  assert.equal(q.isError, false, textOf(q));
  r = await c.client.callTool({ name: 'stale_opps', arguments: { cursor: q.structuredContent.cursor } });
  assert.equal(r.isError, true);
  assert.match(textOf(r), /belongs to another query/);
  r = await c.client.callTool({ name: 'stale_opps', arguments: { cursor: q.structuredContent.cursor, days_in_stage_threshold: 5 } });
  assert.equal(r.isError, true);
  assert.match(textOf(r), /either a cursor/);
});

/** The last day of the simulator's current quarter. */
function quarterEnd(today) {
  const y = +today.slice(0, 4), m = +today.slice(5, 7) - 1;
  return dayStr(Math.floor(Date.UTC(y, Math.floor(m / 3) * 3 + 3, 1) / DAY) - 1);
}

// The rule, from the raw records: the simulator's time zone is GMT, so
// its TODAY is sim.today; LAST_N_DAYS:14 is [today-14, today] (README).
function expectedRisk(opps, events, today, qe) {
  const cutoff = dayNum(today) - 14;
  const from = dayNum(qe) - 13, to = dayNum(qe);
  const todayMs = dayNum(today) * DAY;
  const future = new Set(events.filter((e) => !e.IsChild && e.AccountId && dtMs(e.StartDateTime) >= todayMs).map((e) => e.AccountId));
  const candidates = opps.filter((o) => !o.IsClosed && o.StageName === 'Commit'
    && (o.LastActivityDate === null || dayNum(o.LastActivityDate) < cutoff
      || (dayNum(o.CloseDate) >= from && dayNum(o.CloseDate) <= to)))
    .sort((a, b) => (a.CloseDate < b.CloseDate ? -1 : a.CloseDate > b.CloseDate ? 1 : a.Id < b.Id ? -1 : 1));
  const rows = [];
  for (const o of candidates) {
    const a = o.LastActivityDate === null || dayNum(o.LastActivityDate) < cutoff;
    const inWin = dayNum(o.CloseDate) >= from && dayNum(o.CloseDate) <= to;
    const b = inWin && !(o.AccountId && future.has(o.AccountId));
    const reasons = [];
    if (a) reasons.push('no activity in 14+ days');
    if (b) reasons.push('closes within 14 days of quarter end with no future meeting');
    if (reasons.length) rows.push({ o, reasons: reasons.join('; ') });
  }
  const accounts = [...new Set(candidates.filter((o) => o.AccountId && dayNum(o.CloseDate) >= from && dayNum(o.CloseDate) <= to).map((o) => o.AccountId))];
  return { candidates, rows, accounts, future };
}

const RISK_SOQL = (stage, from, qe) => 'SELECT Id, Name, AccountId, Account.Name, Amount, CloseDate, LastActivityDate, Owner.Name FROM Opportunity '
  + `WHERE StageName = '${stage}' AND IsClosed = false AND (LastActivityDate = null OR LastActivityDate < LAST_N_DAYS:14 `
  + `OR (CloseDate >= ${from} AND CloseDate <= ${qe})) WITH SECURITY_ENFORCED ORDER BY CloseDate ASC, Id ASC`;
const EVENT_RE = /^SELECT AccountId FROM Event WHERE AccountId IN \(([^)]*)\) AND StartDateTime >= TODAY AND IsChild = false WITH SECURITY_ENFORCED GROUP BY AccountId LIMIT 200$/;

/**
 * Every page of at_risk_commits, through its cursor, checked against the
 * records: the at-risk set with its reasons, each candidate examined
 * once, the total exact on every page, and the API calls of each page
 * counted in the simulator's log.
 */
async function riskAllPages(c, want, qe) {
  const got = [];
  const calls = [];
  let cursor;
  let examined = 0;
  let pages = 0;
  do {
    await clearLog();
    const args = cursor ? { quarter_end_date: qe, cursor } : { quarter_end_date: qe };
    const r = await c.client.callTool({ name: 'at_risk_commits', arguments: args });
    assert.equal(r.isError, false, textOf(r));
    const sc = r.structuredContent;
    assert.equal(sc.candidates_total, want.candidates.length, 'the exact number of candidates on every page');
    assert.ok(sc.candidates <= 200 && sc.candidates > 0);
    // This page's candidates are the next ones by close date: its Event
    // check names exactly their accounts in the window.
    const page = want.candidates.slice(examined, examined + sc.candidates);
    examined += sc.candidates;
    const log = dataCalls(await simLog());
    calls.push(log.map((e) => e.path.replace(/\?.*/, '')));
    const q = log.filter((e) => /\/query/.test(e.path));
    const ev = q.find((e) => /FROM Event/.test(e.soql || ''));
    const pageAccounts = [...new Set(page.filter((o) => o.AccountId && want.accounts.includes(o.AccountId)
      && dayNum(o.CloseDate) >= dayNum(qe) - 13 && dayNum(o.CloseDate) <= dayNum(qe)).map((o) => o.AccountId))];
    if (pageAccounts.length) {
      assert.ok(ev, 'an Event check for this page');
      const m = EVENT_RE.exec(ev.soql);
      assert.ok(m, 'the Event statement: ' + ev.soql);
      assert.deepEqual(m[1].split(', ').map((x) => x.replace(/'/g, '')).sort(), pageAccounts.sort());
      assert.equal(sc.event_soql, ev.soql);
    } else {
      assert.equal(ev, undefined, 'no Event check when no candidate of the page closes in the window');
    }
    const ids = new Set(page.map((o) => o.Id));
    for (const row of sc.rows) assert.ok(ids.has(row[0]), `${row[0]} is a candidate of this page`);
    got.push(...sc.rows);
    cursor = sc.cursor;
    assert.equal(sc.done, !cursor);
    pages++;
    if (cursor) assert.match(textOf(r), /call at_risk_commits with cursor/);
  } while (cursor);
  assert.equal(examined, want.candidates.length, 'every candidate examined once');
  assert.equal(pages, Math.ceil(want.candidates.length / 200));
  const byId = new Map(got.map((row) => [row[0], row]));
  assert.equal(byId.size, got.length, 'no deal twice');
  assert.deepEqual([...byId.keys()].sort(), want.rows.map((x) => x.o.Id).sort(), 'the at-risk set');
  for (const x of want.rows) {
    const row = byId.get(x.o.Id);
    assert.equal(row[7], x.reasons, 'reasons of ' + x.o.Id);
    assert.equal(row[4], x.o.CloseDate);
    assert.equal(row[5], x.o.LastActivityDate);
    assert.equal(row[3], x.o.Amount);
  }
  return { calls, rows: got };
}

test('at_risk_commits: the at-risk set with its reasons, two requests, the Event check by account', async () => {
  const c = await connect();
  const opps = await records('Opportunity');
  const events = await records('Event');
  const qe = quarterEnd(sim.today);
  const want = expectedRisk(opps, events, sim.today, qe);
  assert.ok(want.candidates.length < 200, 'fewer than 200 candidates in this org');
  assert.ok(want.rows.some((x) => x.reasons.includes('no activity')), 'some deals lack activity');
  assert.ok(want.rows.some((x) => x.reasons.includes('no future meeting')), 'some deals close without a meeting');
  assert.ok(want.candidates.some((o) => o.AccountId && want.future.has(o.AccountId) && dayNum(o.CloseDate) > dayNum(qe) - 14),
    'some window deals do have a future meeting, so the Event check matters');
  await clearLog();
  const r = await c.client.callTool({ name: 'at_risk_commits', arguments: { quarter_end_date: qe } });
  assert.equal(r.isError, false, textOf(r));
  const sc = r.structuredContent;
  assert.deepEqual(sc.columns, ['Id', 'Name', 'Account.Name', 'Amount', 'CloseDate', 'LastActivityDate', 'Owner.Name', 'reasons']);
  // Ordered by close date.
  const closes = sc.rows.map((row) => row[4]);
  assert.deepEqual(closes, [...closes].sort());
  assert.equal(sc.done, true);
  assert.equal(sc.cursor, undefined);
  assert.equal(sc.candidates, want.candidates.length);
  assert.equal(sc.candidates_total, want.candidates.length);
  // The dates it used, stated.
  assert.equal(sc.window_from, dayStr(dayNum(qe) - 13));
  assert.equal(sc.window_to, qe);
  assert.match(sc.activity_filter, /LAST_N_DAYS:14/);
  assert.equal(sc.meeting_filter, 'StartDateTime >= TODAY');
  assert.match(textOf(r), /reasons/);
  const q = queries(await simLog());
  assert.equal(q.length, 2, 'candidates, then Event: ' + JSON.stringify(q.map((e) => e.soql)));
  assert.equal(q[0].soql, RISK_SOQL('Commit', dayStr(dayNum(qe) - 13), qe));
  assert.equal(sc.soql, q[0].soql);
  assert.ok(EVENT_RE.test(q[1].soql), q[1].soql);
  // And the whole answer, against the records.
  const c2 = await connect();
  const { calls } = await riskAllPages(c2, want, qe);
  assert.equal(calls.length, 1);
  assert.deepEqual(calls[0].map((p) => p.replace(/^\/services\/data\/v[\d.]+\//, '')), ['sobjects/Opportunity/describe', 'query', 'query'],
    'a new process: one describe, the candidates, the Event check');
});

test('at_risk_commits: the configured commit stage is used, quoted', async () => {
  const c = await connect({ SFDC_COMMIT_STAGE_NAME: "Negotiation/Review" });
  const opps = await records('Opportunity');
  const events = await records('Event');
  const qe = quarterEnd(sim.today);
  await clearLog();
  const r = await c.client.callTool({ name: 'at_risk_commits', arguments: { quarter_end_date: qe } });
  assert.equal(r.isError, false, textOf(r));
  const renamed = opps.map((o) => ({ ...o, StageName: o.StageName === 'Negotiation/Review' ? 'Commit' : o.StageName === 'Commit' ? 'x' : o.StageName }));
  const want = expectedRisk(renamed, events, sim.today, qe);
  assert.deepEqual(r.structuredContent.rows.map((row) => row[0]).sort(), want.rows.map((x) => x.o.Id).sort());
  assert.match(queries(await simLog())[0].soql, /WHERE StageName = 'Negotiation\/Review' AND/);

  // A stage the org does not have is refused, naming the setting and the
  // org's stages, after the describe and before any query: a misspelt
  // stage must not read as "nothing at risk".
  const q = await connect({ SFDC_COMMIT_STAGE_NAME: "Deal's \\ Done' OR Name != '" });
  await clearLog();
  const r2 = await q.client.callTool({ name: 'at_risk_commits', arguments: { quarter_end_date: qe } });
  assert.equal(r2.isError, true, textOf(r2));
  assert.match(textOf(r2), /SFDC_COMMIT_STAGE_NAME/);
  assert.match(textOf(r2), /'Negotiation\/Review'/);
  assert.equal(queries(await simLog()).length, 0, 'no query was sent');
  // Even so, such a name stays one string literal in the statement.
  const r3 = await q.client.callTool({ name: 'at_risk_commits', arguments: { quarter_end_date: qe, dry_run: true } });
  assert.equal(r3.isError, false, textOf(r3));
  assert.match(r3.structuredContent.request.soql, /WHERE StageName = 'Deal\\'s \\\\ Done\\' OR Name != \\'' AND IsClosed = false/);
});

test('dry_run: every tool returns its exact statements and sends nothing', async () => {
  const c = await connect();
  const qe = quarterEnd(sim.today);
  await clearLog();
  let r = await c.client.callTool({ name: 'pipeline_by_stage', arguments: { dry_run: true, close_date_window_days: 30 } });
  assert.equal(r.isError, false, textOf(r));
  assert.equal(r.structuredContent.dry_run, true);
  assert.equal(r.structuredContent.request.soql, 'SELECT StageName, COUNT(Id) deals, SUM(Amount) amount_sum, SUM(ExpectedRevenue) weighted_sum '
    + 'FROM Opportunity WHERE IsClosed = false AND CloseDate >= TODAY AND CloseDate <= NEXT_N_DAYS:30 '
    + 'WITH SECURITY_ENFORCED GROUP BY StageName LIMIT 200');
  assert.match(r.structuredContent.requests[0].path, /\/sobjects\/Opportunity\/describe$/);
  assert.match(textOf(r), /dry run: nothing was sent/);

  r = await c.client.callTool({ name: 'stale_opps', arguments: { dry_run: true, days_in_stage_threshold: 45 } });
  assert.equal(r.isError, false, textOf(r));
  assert.match(r.structuredContent.request.soql, /\(LastStageChangeDate < LAST_N_DAYS:45 OR \(LastStageChangeDate = null AND CreatedDate < LAST_N_DAYS:45\)\) WITH SECURITY_ENFORCED ORDER BY/);
  assert.ok(r.structuredContent.requests.some((x) => /Id NOT IN \(SELECT OpportunityId FROM OpportunityHistory WHERE CreatedDate = LAST_N_DAYS:45\)/.test(x.soql || '')), 'the fallback is shown');
  assert.match(r.structuredContent.request.path, /\/query\?q=SELECT%20Id/);

  r = await c.client.callTool({ name: 'at_risk_commits', arguments: { dry_run: true, quarter_end_date: qe } });
  assert.equal(r.isError, false, textOf(r));
  const sc = r.structuredContent;
  assert.match(sc.request.soql, /^SELECT Id, Name, AccountId, .* FROM Opportunity WHERE StageName = 'Commit'/);
  assert.ok(sc.requests.length >= 2);
  const ev = sc.requests.find((x) => /FROM Event/.test(x.soql || ''));
  assert.ok(ev, 'the Event statement is shown');
  assert.match(ev.soql, /^SELECT AccountId FROM Event WHERE AccountId IN \(<IDs of the accounts[^>]*>\) AND StartDateTime >= TODAY AND IsChild = false/);
  assert.equal(sc.event_soql, ev.soql);
  // The text block shows every statement, the Event one included.
  assert.ok(textOf(r).includes(ev.soql), textOf(r));
  assert.ok(textOf(r).includes(sc.request.soql));
  assert.equal(dataCalls(await simLog()).length, 0, 'dry runs send nothing, describe included');
});

test('bad arguments are refused, naming the argument, before any request', async () => {
  const c = await connect();
  const acct = (await records('Account'))[0];
  const user = (await records('User'))[1];
  await clearLog();
  const cases = [
    ['pipeline_by_stage', { close_date_window_days: 0 }, /close_date_window_days/],
    ['pipeline_by_stage', { close_date_window_days: 3651 }, /close_date_window_days/],
    ['pipeline_by_stage', { close_date_window_days: 1.5 }, /close_date_window_days/],
    ['pipeline_by_stage', { owner_id: acct.Id }, /owner_id.*005/],
    ['pipeline_by_stage', { owner_id: user.Id.slice(0, 15) + 'ZZZ' }, /owner_id/],
    ['pipeline_by_stage', { owner_id: "005' OR Name != '" }, /owner_id/],
    ['pipeline_by_stage', { bogus: 1 }, /bogus/],
    ['pipeline_by_stage', { group_by: 'owner' }, /group_by/],
    ['stale_opps', { days_in_stage_threshold: 0 }, /days_in_stage_threshold/],
    ['stale_opps', { days_in_stage_threshold: 3651 }, /days_in_stage_threshold/],
    ['stale_opps', { owner_id: acct.Id }, /owner_id.*005/],
    ['at_risk_commits', {}, /quarter_end_date/],
    ['at_risk_commits', { quarter_end_date: '2024-13-01' }, /quarter_end_date/],
    ['at_risk_commits', { quarter_end_date: '2023-02-29' }, /quarter_end_date/],
    ['at_risk_commits', { quarter_end_date: '31/03/2025' }, /quarter_end_date/],
    ['at_risk_commits', { quarter_end_date: '2025-03-31T00:00:00Z' }, /quarter_end_date/],
    ['at_risk_commits', { quarter_end_date: '0001-03-31' }, /quarter_end_date/],
  ];
  for (const [name, args, re] of cases) {
    const r = await c.client.callTool({ name, arguments: args });
    assert.equal(r.isError, true, `${name} ${JSON.stringify(args)}: ${textOf(r)}`);
    assert.match(textOf(r), re, `${name} ${JSON.stringify(args)}`);
  }
  assert.equal(dataCalls(await simLog()).length, 0, 'nothing was sent');
  // A leap day that exists is fine.
  const r = await c.client.callTool({ name: 'at_risk_commits', arguments: { quarter_end_date: '2024-02-29', dry_run: true } });
  assert.equal(r.isError, false, textOf(r));
});

// ------------------------------------------------------------ at scale

test('at 5,000 opportunities: every helper against the records, with its API calls counted', async () => {
  const big = await startSim(['--opportunities', '5000', '--seed', '7']);
  try {
    const c = await connectSdk(simEnv(big), opened);
    const opps = await big.records('Opportunity');
    const events = await big.records('Event');
    assert.ok(opps.length >= 5000);
    const qe = quarterEnd(big.today);
    const want = expectedRisk(opps, events, big.today, qe);
    assert.ok(want.candidates.length > 400, `more than two pages of candidates (${want.candidates.length})`);
    // The deals closing near quarter end come last by close date: they
    // are the ones a first page of 200 would never reach.
    const late = want.rows.filter((x) => x.reasons.includes('no future meeting'));
    assert.ok(late.length > 0 && want.candidates.indexOf(late.at(-1).o) >= 200, 'window deals beyond the first 200');
    const { calls } = await (async () => {
      // riskAllPages reads the log of the simulator it is given.
      const prev = [simLogRef.get, simLogRef.clear];
      simLogRef.get = () => big.log();
      simLogRef.clear = () => big.clearLog();
      try { return await riskAllPages(c, want, qe); } finally { [simLogRef.get, simLogRef.clear] = prev; }
    })();
    let describes = 0;
    for (const page of calls) {
      assert.ok(page.filter((p) => /\/query/.test(p)).length <= 2, 'at most two queries per page: ' + JSON.stringify(page));
      describes += page.filter((p) => /\/describe$/.test(p)).length;
      assert.ok(page.filter((p) => !/\/describe$/.test(p)).length <= 2, 'at most two API calls per page besides describe');
    }
    assert.equal(describes, 1, 'describe once per process');
    // No request read more than 200 records: the broker asks for batches
    // of 200 (Sforce-Query-Options), the least Salesforce allows.
    {
      await big.clearLog();
      const r = await c.client.callTool({ name: 'stale_opps', arguments: {} });
      assert.equal(r.isError, false, textOf(r));
      await c.client.callTool({ name: 'stale_opps', arguments: { cursor: r.structuredContent.cursor } });
      const qs = queries(await big.log());
      assert.equal(qs.length, 2, 'the first page and the second, one request each');
      for (const e of qs) {
        assert.equal(e.query_options, 'batchSize=200');
        assert.ok(e.records <= 200, `${e.records} records in one request`);
      }
    }

    // pipeline_by_stage at the same scale: two aggregate requests (the
    // describe and the currency were learnt by this process already).
    {
      const prev2 = [simLogRef.get, simLogRef.clear];
      simLogRef.get = () => big.log();
      simLogRef.clear = () => big.clearLog();
      try {
        const r = await c.client.callTool({ name: 'pipeline_by_stage', arguments: {} });
        assert.equal(r.isError, false, textOf(r));
        const picklist = (await simFetch(big, 'GET', `/services/data/${big.api_version}/sobjects/Opportunity/describe`, undefined,
          { Authorization: 'Bearer ' + big.access_token })).json.fields.find((x) => x.name === 'StageName').picklistValues.map((p) => p.value);
        const want = expectedPipeline(opps, picklist, big.today, 90, null);
        closeTo(r.structuredContent.rows, want.rows, 'pipeline at 5,000');
        assert.equal(r.structuredContent.totals.deals, want.totals.deals);
        assert.equal(r.structuredContent.overdue.deals, want.overdue.deals);
        await big.clearLog();
        await c.client.callTool({ name: 'pipeline_by_stage', arguments: {} });
        const log = dataCalls(await big.log());
        assert.equal(log.length, 2, 'two aggregate requests: ' + JSON.stringify(log.map((e) => e.soql || e.path)));
      } finally { [simLogRef.get, simLogRef.clear] = prev2; }
    }

    // stale_opps at the same scale: the exact total, every page, its calls.
    const stale = expectedStale(opps, big.today, 30, null);
    assert.ok(stale.length > 1000, `more than 1,000 stale deals (${stale.length})`);
    const prev = [simLogRef.get, simLogRef.clear];
    simLogRef.get = () => big.log();
    simLogRef.clear = () => big.clearLog();
    try {
      await big.clearLog();
      const pages = await stalePages(c, {});
      assert.deepEqual(pages.flatMap((p) => p.sc.rows).map((row) => row[0]), stale.map((o) => o.Id));
      for (const p of pages) {
        assert.equal(p.sc.total_size, stale.length);
        assert.ok(p.calls.filter((x) => !/\/describe$/.test(x)).length <= 2, JSON.stringify(p.calls));
        assert.equal(p.calls.filter((x) => /\/describe$/.test(x)).length, 0, 'describe was cached by the first tool');
      }
    } finally { [simLogRef.get, simLogRef.clear] = prev; }
  } finally {
    await big.stop();
  }
});
