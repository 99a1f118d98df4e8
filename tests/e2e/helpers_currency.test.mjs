// pipeline_by_stage in a multi-currency org with advanced currency
// management: the SOQL reference ("convertCurrency()") says dated exchange
// rates are used when converting currency fields on opportunities, at the
// rate corresponding to CloseDate; grouped aggregates are converted to the
// corporate currency.  The simulator keeps dated rates (--dated-rates);
// the totals are recomputed here from the raw records and the dated
// periods, and the answer must name the rates it was converted at.  The
// same org without dated rates says the current rates, and DatedConversionRate
// is asked once per process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSim, simEnv, connectSdk, dataCalls, textOf } from './lib.mjs';

const DAY = 86400000;
const opened = [];
let sim;
const dayNum = (s) => Math.floor(Date.parse(s + 'T00:00:00Z') / DAY);
const dayStr = (n) => new Date(n * DAY).toISOString().slice(0, 10);
const cents = (x) => Math.round(x * 100) / 100;
const CUR = [{ iso: 'EUR', rate: 1 }, { iso: 'USD', rate: 1.25 }, { iso: 'JPY', rate: 160 }];

before(async () => { sim = await startSim(['--opportunities', '1200', '--currencies', 'EUR:1,USD:1.25,JPY:160']); });
after(async () => {
  for (const c of opened) await c.close().catch(() => {});
  if (sim) await sim.stop();
});

/** The rate of a deal: its currency's period holding its CloseDate, else the current one. */
function rateOf(o, dated) {
  let r = CUR.find((c) => c.iso === o.CurrencyIsoCode).rate;
  for (const d of [...dated].sort((a, b) => (a.start < b.start ? -1 : 1))) {
    if (d.iso === o.CurrencyIsoCode && d.start <= o.CloseDate) r = d.rate;
  }
  return r;
}

function expected(opps, today, dated) {
  const t = dayNum(today);
  const by = new Map();
  let overdue = 0;
  for (const o of opps) {
    if (o.IsClosed || o.Amount == null) continue;
    const d = dayNum(o.CloseDate);
    const v = o.Amount / rateOf(o, dated);
    if (d < t) { overdue += v; continue; }
    if (d > t + 90) continue;
    by.set(o.StageName, (by.get(o.StageName) || 0) + v);
  }
  return { by, total: cents([...by.values()].reduce((a, b) => a + b, 0)), overdue: cents(overdue) };
}

test('advanced currency management: totals at each deal\'s CloseDate rate, and the answer says dated rates', async () => {
  const t = dayNum(sim.today);
  // USD and JPY change their rates inside the window and before it.
  const dated = [{ iso: 'USD', rate: 1.1, start: dayStr(t - 20) }, { iso: 'USD', rate: 1.4, start: dayStr(t + 30) },
    { iso: 'JPY', rate: 140, start: dayStr(t + 10) }];
  assert.equal((await sim.control('POST', 'org', { dated_rates: dated })).status, 200);
  const opps = await sim.records('Opportunity');
  const rates = await sim.records('DatedConversionRate');
  assert.equal(rates.length, 3 + dated.length, 'a first period per currency, then the dated ones');
  const want = expected(opps, sim.today, dated);
  const flat = expected(opps, sim.today, []);
  assert.ok(Math.abs(want.total - flat.total) > 1, 'the dated rates change the total in this data');
  const c = await connectSdk(simEnv(sim), opened);
  await sim.clearLog();
  const r = await c.client.callTool({ name: 'pipeline_by_stage', arguments: {} });
  assert.equal(r.isError, false, textOf(r));
  const sc = r.structuredContent;
  assert.equal(sc.currency, 'EUR');
  assert.equal(sc.currency_rates, 'dated rates (advanced currency management)');
  assert.ok(Math.abs(sc.totals.amount - want.total) <= 0.05, `${sc.totals.amount} vs ${want.total}`);
  assert.ok(Math.abs(sc.overdue.amount - want.overdue) <= 0.05, `${sc.overdue.amount} vs ${want.overdue}`);
  for (const row of sc.rows) assert.ok(Math.abs(row[2] - cents(want.by.get(row[0]))) <= 0.02, JSON.stringify(row));
  assert.match(textOf(r), /at dated rates \(advanced currency management\), each deal at the DatedConversionRate of its CloseDate/);
  const log = dataCalls(await sim.log()).map((e) => e.soql || e.path);
  assert.equal(log.length, 5, 'describe, corporate currency, dated rates, window, overdue: ' + JSON.stringify(log));
  assert.equal(log[2], 'SELECT IsoCode FROM DatedConversionRate WITH SECURITY_ENFORCED LIMIT 1');
  // Once per process: the next call sends the two aggregates only.
  await sim.clearLog();
  const r2 = await c.client.callTool({ name: 'pipeline_by_stage', arguments: {} });
  assert.equal(r2.structuredContent.currency_rates, 'dated rates (advanced currency management)');
  assert.equal(dataCalls(await sim.log()).length, 2);
});

test('a multi-currency org without dated rates: DatedConversionRate refused, the current rates, said', async () => {
  assert.equal((await sim.control('POST', 'org', { dated_rates: null })).status, 200);
  const opps = await sim.records('Opportunity');
  const want = expected(opps, sim.today, []);
  const c = await connectSdk(simEnv(sim), opened);
  await sim.clearLog();
  const r = await c.client.callTool({ name: 'pipeline_by_stage', arguments: {} });
  assert.equal(r.isError, false, textOf(r));
  assert.equal(r.structuredContent.currency_rates, 'the current rate of each currency (CurrencyType)');
  assert.ok(Math.abs(r.structuredContent.totals.amount - want.total) <= 0.05);
  assert.match(textOf(r), /at each currency's current rate \(CurrencyType; the org keeps no dated rates\)/);
  const log = dataCalls(await sim.log());
  const ask = log.find((e) => /DatedConversionRate/.test(e.soql || ''));
  assert.ok(ask && ask.status === 400, 'asked once, refused (INVALID_TYPE)');
  assert.equal(log.length, 5);
});

test('a single-currency org asks nothing about rates', async () => {
  assert.equal((await sim.control('POST', 'org', { currencies: null })).status, 200);
  try {
    const c = await connectSdk(simEnv(sim), opened);
    await sim.clearLog();
    const r = await c.client.callTool({ name: 'pipeline_by_stage', arguments: {} });
    assert.equal(r.isError, false, textOf(r));
    assert.equal(r.structuredContent.currency_rates, undefined);
    assert.ok(dataCalls(await sim.log()).every((e) => !/DatedConversionRate/.test(e.soql || '')));
  } finally {
    await sim.control('POST', 'org', { currencies: CUR });
  }
});
