// stale_opps in an org without LastStageChangeDate (an older API version)
// whose integration user may not query OpportunityHistory (INVALID_TYPE)
// but whose field history tracks StageName: the tool turns to
// OpportunityFieldHistory (Field = 'StageName'), says so, and remembers it
// for the process.  Every answer is recomputed here from the simulator's
// raw OpportunityFieldHistory rows, at 600 and at 5,000 opportunities,
// with the API calls of each page counted in the simulator's log.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSim, simEnv, connectSdk, dataCalls, queries, textOf } from './lib.mjs';

const DAY = 86400000;
const opened = [];
const sims = [];
after(async () => {
  for (const c of opened) await c.close().catch(() => {});
  for (const s of sims) await s.stop();
});

const dayNum = (s) => Math.floor(Date.parse(s + 'T00:00:00Z') / DAY);
const dtMs = (s) => Date.parse(s.replace(/\+0000$/, 'Z'));

/** What stale_opps must list: open, created before the cut, no StageName change since. */
function expected(opps, fh, today, threshold) {
  const cut = (dayNum(today) - threshold) * DAY;
  const stage = fh.filter((h) => h.Field === 'StageName');
  const last = new Map();
  for (const h of stage) last.set(h.OpportunityId, Math.max(last.get(h.OpportunityId) || 0, dtMs(h.CreatedDate)));
  const recent = new Set(stage.filter((h) => dtMs(h.CreatedDate) >= cut).map((h) => h.OpportunityId));
  const want = opps.filter((o) => !o.IsClosed && dtMs(o.CreatedDate) < cut && !recent.has(o.Id))
    .sort((a, b) => dtMs(a.CreatedDate) - dtMs(b.CreatedDate) || (a.Id < b.Id ? -1 : 1));
  return { want, last };
}

async function pagesOf(sim, c, args) {
  const pages = [];
  await sim.clearLog();
  let r = await c.client.callTool({ name: 'stale_opps', arguments: args });
  for (;;) {
    assert.equal(r.isError, false, textOf(r));
    pages.push({ sc: r.structuredContent, text: textOf(r), log: dataCalls(await sim.log()) });
    const cursor = r.structuredContent.cursor;
    if (!cursor) break;
    await sim.clearLog();
    r = await c.client.callTool({ name: 'stale_opps', arguments: { cursor } });
  }
  return pages;
}

for (const n of [600, 5000]) {
  test(`stale_opps at ${n} opportunities: OpportunityHistory refused, the field history of StageName decides, and the answer says so`, async () => {
    const sim = await startSim(['--opportunities', String(n), '--last-stage-change-from', '99', '--stage-history', 'field']);
    sims.push(sim);
    const c = await connectSdk(simEnv(sim), opened);
    const opps = await sim.records('Opportunity');
    const fh = await sim.records('OpportunityFieldHistory');
    const threshold = 30;
    const { want, last } = expected(opps, fh, sim.today, threshold);
    assert.ok(want.length > 200, `more than 200 stale deals (${want.length})`);
    const t0 = Date.now();
    const pages = await pagesOf(sim, c, { days_in_stage_threshold: threshold });
    const t1 = Date.now();
    const first = pages[0];
    assert.equal(first.sc.stage_change_source, 'OpportunityFieldHistory');
    assert.match(first.text, /it refused OpportunityHistory \(INVALID_TYPE\) at this call, so the field history of StageName decided/);
    assert.equal(first.sc.total_size, want.length, 'the exact number in all');
    // The first page: describe, the refused OpportunityHistory query, the
    // field-history query, the page's last changes.
    const fq = first.log.filter((e) => /\/query/.test(e.path));
    assert.equal(first.log.filter((e) => /\/describe$/.test(e.path)).length, 1, 'describe once');
    assert.equal(fq.length, 3, JSON.stringify(fq.map((e) => e.soql)));
    assert.match(fq[0].soql, /NOT IN \(SELECT OpportunityId FROM OpportunityHistory WHERE/);
    assert.equal(fq[0].status, 400);
    assert.match(fq[1].soql, /NOT IN \(SELECT OpportunityId FROM OpportunityFieldHistory WHERE Field = 'StageName' AND CreatedDate = LAST_N_DAYS:30\)/);
    assert.match(fq[2].soql, /^SELECT OpportunityId, MAX\(CreatedDate\) latest FROM OpportunityFieldHistory WHERE Field = 'StageName' AND OpportunityId IN \(/);
    for (const p of pages.slice(1)) {
      assert.equal(p.sc.stage_change_source, 'OpportunityFieldHistory');
      assert.ok(p.log.length <= 2, 'at most two API calls per later page: ' + JSON.stringify(p.log.map((e) => e.soql || e.path)));
      assert.ok(p.log.every((e) => !/OpportunityHistory/.test(e.soql || '')), 'OpportunityHistory is not asked again');
      assert.equal(p.sc.total_size, want.length);
    }
    const rows = pages.flatMap((p) => p.sc.rows);
    assert.deepEqual(rows.map((row) => row[0]), want.map((o) => o.Id), 'every stale deal, oldest created first');
    const byId = new Map(opps.map((o) => [o.Id, o]));
    let moved = 0;
    for (const row of rows) {
      const t = last.has(row[0]) ? last.get(row[0]) : dtMs(byId.get(row[0]).CreatedDate);
      if (last.has(row[0])) moved++;
      assert.equal(dtMs(row[8]), t, 'last_change of ' + row[0]);
      assert.ok(row[9] >= Math.floor((t0 - t) / DAY) && row[9] <= Math.floor((t1 - t) / DAY), 'days_in_stage of ' + row[0]);
    }
    assert.ok(moved > 0 && moved < rows.length, 'deals with and without a recorded change');

    // A new search in the same process goes to field history at once.
    await sim.clearLog();
    const r = await c.client.callTool({ name: 'stale_opps', arguments: { days_in_stage_threshold: 60 } });
    assert.equal(r.isError, false, textOf(r));
    assert.match(textOf(r), /OpportunityHistory was refused \(INVALID_TYPE\) earlier in this process/);
    const q = queries(await sim.log());
    assert.ok(q.length <= 2 && q.every((e) => e.status === 200), JSON.stringify(q.map((e) => [e.status, e.soql])));
    assert.equal(r.structuredContent.total_size, expected(opps, fh, sim.today, 60).want.length);
  });
}

test('stale_opps: neither OpportunityHistory nor field history of StageName: the error says what to check', async () => {
  const sim = await startSim(['--opportunities', '100', '--last-stage-change-from', '99', '--stage-history', 'field']);
  sims.push(sim);
  // The org's field history is refused too.
  await sim.control('POST', 'faults', { match: { soql_contains: 'FROM OpportunityFieldHistory' }, count: 1, action: { status: 400, errorCode: 'INVALID_TYPE', message: "sObject type 'OpportunityFieldHistory' is not supported." } });
  const c = await connectSdk(simEnv(sim), opened);
  const r = await c.client.callTool({ name: 'stale_opps', arguments: {} });
  assert.equal(r.isError, true);
  assert.match(textOf(r), /OpportunityFieldHistory' is not supported/);
  assert.match(textOf(r), /check that StageName's field history is tracked and readable by the integration user/);
});

test('stale_opps dry run: all three sources, in the order they are tried', async () => {
  const sim = await startSim(['--opportunities', '100']);
  sims.push(sim);
  const c = await connectSdk(simEnv(sim), opened);
  await sim.clearLog();
  const r = await c.client.callTool({ name: 'stale_opps', arguments: { dry_run: true } });
  assert.equal(r.isError, false, textOf(r));
  const reqs = r.structuredContent.requests;
  assert.equal(reqs.length, 4);
  assert.match(reqs[1].soql, /LastStageChangeDate/);
  assert.match(reqs[2].soql, /FROM OpportunityHistory WHERE/);
  assert.match(reqs[3].soql, /FROM OpportunityFieldHistory WHERE Field = 'StageName'/);
  assert.match(reqs[3].note, /refuses OpportunityHistory \(INVALID_TYPE\)/);
  assert.equal(dataCalls(await sim.log()).length, 0, 'nothing sent');
});

// Past the old cap of 50,000: the statement has no LIMIT, so totalSize
// counts every stale deal (REST API, "Query": totalSize is the total
// number of records the query returns; the rest come through the locator,
// 200 per request).  About 15 s: 90,000 opportunities, 60,000 stale.
test('stale_opps at 90,000 opportunities: more than 50,000 stale deals, counted exactly, 200 per request', async () => {
  const sim = await startSim(['--opportunities', '90000', '--seed', '3']);
  sims.push(sim);
  const c = await connectSdk(simEnv(sim), opened);
  const opps = await sim.records('Opportunity');
  const cut = (dayNum(sim.today) - 1) * DAY;
  // ORDER BY LastStageChangeDate ASC NULLS FIRST, CreatedDate ASC, Id ASC;
  // each key parsed once (60,000 deals: a sort that parses per comparison
  // outlasts the simulator's 5 s keep-alive).
  const keyed = opps.filter((o) => !o.IsClosed).map((o) => ({
    o, k: [o.LastStageChangeDate === null ? 0 : 1, o.LastStageChangeDate === null ? 0 : dtMs(o.LastStageChangeDate), dtMs(o.CreatedDate)],
  })).filter(({ k }) => (k[0] === 0 ? k[2] : k[1]) < cut);
  keyed.sort((a, b) => a.k[0] - b.k[0] || a.k[1] - b.k[1] || a.k[2] - b.k[2] || (a.o.Id < b.o.Id ? -1 : 1));
  const want = keyed.map((x) => x.o);
  assert.ok(want.length > 50000, `more than 50,000 stale deals (${want.length})`);
  await sim.clearLog();
  const r = await c.client.callTool({ name: 'stale_opps', arguments: { days_in_stage_threshold: 1 } });
  assert.equal(r.isError, false, textOf(r));
  const sc = r.structuredContent;
  assert.equal(sc.total_size, want.length, 'every stale deal counted');
  assert.equal(sc.returned, 200);
  assert.ok(textOf(r).includes(`200 of ${want.length} open opportunities`), textOf(r).slice(0, 300));
  assert.doesNotMatch(textOf(r), /at most \d+ are reachable/);
  const qs = queries(await sim.log());
  assert.equal(qs.length, 1, 'one query');
  assert.doesNotMatch(qs[0].soql, /LIMIT/, 'no LIMIT to cut the count');
  assert.equal(qs[0].query_options, 'batchSize=200');
  assert.ok(qs[0].records <= 200);
  assert.deepEqual(sc.rows.map((row) => row[0]), want.slice(0, 200).map((o) => o.Id));
  const r2 = await c.client.callTool({ name: 'stale_opps', arguments: { cursor: sc.cursor } });
  assert.equal(r2.isError, false, textOf(r2));
  assert.equal(r2.structuredContent.total_size, want.length);
  assert.deepEqual(r2.structuredContent.rows.map((row) => row[0]), want.slice(200, 400).map((o) => o.Id), 'the next 200');
});
