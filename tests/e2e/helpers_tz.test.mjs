// The RevOps helpers' dates in the running user's time zone: the
// simulator's integration user is in a zone whose date differs from
// UTC's right now (Pacific/Kiritimati, UTC+14, or Pacific/Pago_Pago,
// UTC-11: one of them always does), and the dates the answers state
// must be that zone's, computed here independently (Intl.DateTimeFormat)
// and checked against the simulator's own evaluation of TODAY and
// LAST_N_DAYS (the counts, recomputed from its records).  A host without
// the zone in its time zone database states UTC dates, and says so.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSim, simEnv, connectSdk, simFetch, textOf } from './lib.mjs';

const DAY = 86400000;
const ZONES = ['Pacific/Kiritimati', 'Pacific/Pago_Pago'];
const opened = [];
let sim, zone;

/** The date (YYYY-MM-DD) of the instant ms in zone. */
const localDate = (z, ms) => new Intl.DateTimeFormat('en-CA', { timeZone: z, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(ms));
const dayNum = (s) => Math.floor(Date.parse(s + 'T00:00:00Z') / DAY);
const dayStr = (n) => new Date(n * DAY).toISOString().slice(0, 10);

/** A zone whose date is not UTC's, away from its midnight (10 minutes). */
function pickZone() {
  const now = Date.now();
  for (const z of ZONES) {
    if (localDate(z, now) !== localDate('UTC', now) && localDate(z, now + 600000) === localDate(z, now)) return z;
  }
  return null;
}

before(async () => {
  zone = pickZone();
  if (zone === null) {
    // Within ten minutes of both zones' midnights at once: wait it out.
    await new Promise((r) => setTimeout(r, 660000));
    zone = pickZone();
  }
  assert.ok(zone, 'one of the two zones differs from UTC now');
  sim = await startSim(['--user-time-zone', zone]);
});
after(async () => {
  for (const c of opened) await c.close().catch(() => {});
  if (sim) await sim.stop();
});

/** The call's local date: before and after it agree (no midnight between). */
async function during(z, fn) {
  const a = localDate(z, Date.now());
  const r = await fn();
  const b = localDate(z, Date.now());
  assert.equal(a, b, 'no midnight passed during the call');
  return { r, today: a };
}

test('pipeline_by_stage states the window in the running user\'s zone, and the simulator counted in it', async () => {
  // One open deal closes on the earlier of the two days (the zone's and
  // UTC's): it is overdue by one calendar and in the window by the other.
  const local = dayNum(localDate(zone, Date.now()));
  const utc = dayNum(localDate('UTC', Date.now()));
  const open = (await sim.records('Opportunity')).find((o) => !o.IsClosed);
  const u = await simFetch(sim, 'PATCH', `/services/data/${sim.api_version}/sobjects/Opportunity/${open.Id}`,
    { CloseDate: dayStr(Math.min(local, utc)) }, { Authorization: 'Bearer ' + sim.access_token });
  assert.equal(u.status, 204, u.body);
  const c = await connectSdk(simEnv(sim), opened);
  const { r, today } = await during(zone, () => c.client.callTool({ name: 'pipeline_by_stage', arguments: {} }));
  assert.equal(r.isError, false, textOf(r));
  const sc = r.structuredContent;
  assert.notEqual(today, localDate('UTC', Date.now()), 'the zone\'s date is not UTC\'s');
  assert.equal(sc.time_zone, zone);
  assert.equal(sc.today, today);
  assert.equal(sc.from, today);
  assert.equal(sc.to, dayStr(dayNum(today) + 90));
  const text = textOf(r);
  assert.ok(text.includes(`closing ${today} through ${sc.to}`), text);
  assert.ok(text.includes(`dates in ${zone}, the running user's time zone`), text);
  assert.ok(text.includes(`overdue, still open (CloseDate before TODAY, ${today};`), text);
  // The same days in the org: open deals from the local today on, and
  // the overdue ones before it, from the raw records.
  const opps = (await sim.records('Opportunity')).filter((o) => !o.IsClosed);
  const t = dayNum(today);
  const inWindow = opps.filter((o) => dayNum(o.CloseDate) >= t && dayNum(o.CloseDate) <= t + 90).length;
  const overdue = opps.filter((o) => dayNum(o.CloseDate) < t).length;
  assert.equal(sc.totals.deals, inWindow, 'the simulator evaluated TODAY in the user\'s zone');
  assert.equal(sc.overdue.deals, overdue);
  const utcT = dayNum(localDate('UTC', Date.now()));
  const utcOverdue = opps.filter((o) => dayNum(o.CloseDate) < utcT).length;
  assert.notEqual(overdue, utcOverdue, 'the data tell the two days apart (one deal closes between them)');
});

test('at_risk_commits states TODAY and the activity cutoff in the running user\'s zone', async () => {
  const c = await connectSdk(simEnv(sim), opened);
  const qend = dayStr(dayNum(localDate(zone, Date.now())) + 20);
  const { r, today } = await during(zone, () => c.client.callTool({ name: 'at_risk_commits', arguments: { quarter_end_date: qend } }));
  assert.equal(r.isError, false, textOf(r));
  const sc = r.structuredContent;
  assert.equal(sc.time_zone, zone);
  assert.equal(sc.today, today);
  assert.equal(sc.activity_before, dayStr(dayNum(today) - 14));
  const text = textOf(r);
  assert.ok(text.includes(`that is before ${sc.activity_before};`), text);
  assert.ok(text.includes(`from TODAY, ${today}, on;`), text);
  assert.ok(text.includes(`dates in ${zone}, the running user's time zone`), text);
  // Every row's reasons agree with the stated cutoff.
  const lad = sc.columns.indexOf('LastActivityDate');
  const why = sc.columns.indexOf('reasons');
  for (const row of sc.rows) {
    const stale = row[lad] === null || row[lad] < sc.activity_before;
    assert.equal(/no activity in 14\+ days/.test(row[why]), stale, JSON.stringify(row));
  }
});

test('a zone the host\'s time zone database does not have: UTC dates, and the answer says why', async () => {
  const c = await connectSdk(simEnv(sim, { TZDIR: '/nonexistent-tzdir' }), opened);
  const { r, today } = await during('UTC', () => c.client.callTool({ name: 'pipeline_by_stage', arguments: {} }));
  assert.equal(r.isError, false, textOf(r));
  const sc = r.structuredContent;
  assert.equal(sc.time_zone, 'UTC');
  assert.equal(sc.today, today);
  const text = textOf(r);
  assert.ok(text.includes(`dates in UTC, not the running user's time zone (time zone ${zone} is not in this host's time zone database`), text);
  assert.match(c.stderr, /the running user's time zone: time zone Pacific\/\w+ is not in this host's time zone database/);
});

test('a dry run states no date and waits for no zone', async () => {
  const c = await connectSdk(simEnv(sim), opened);
  await sim.clearLog();
  const r = await c.client.callTool({ name: 'pipeline_by_stage', arguments: { dry_run: true } });
  assert.equal(r.isError, false, textOf(r));
  assert.equal(r.structuredContent.dry_run, true);
  assert.equal((await sim.log()).filter((e) => e.path.startsWith('/services/data/')).length, 0, 'nothing was sent, the identity included');
});
