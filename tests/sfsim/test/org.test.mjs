// The org's shape: an API version without Opportunity.LastStageChangeDate,
// deals that never moved, stage history (OpportunityHistory), per run
// (flags) and per test (POST /__sim/org).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSim } from './helpers.mjs';

let sim;
before(async () => { sim = await startSim(['--opportunities', '200']); });
after(async () => { if (sim) await sim.stop(); });

const q = (v, soql) => sim.fetch('GET', `/services/data/${v}/query?q=` + encodeURIComponent(soql));
const fieldsOf = async (v) => (await sim.fetch('GET', `/services/data/${v}/sobjects/Opportunity/describe`)).json.fields.map((f) => f.name);

test('LastStageChangeDate: present by default, absent below last_stage_change_from (describe and SOQL)', async () => {
  assert.ok((await fieldsOf('v50.0')).includes('LastStageChangeDate'));
  let r = await sim.control('POST', 'org', { last_stage_change_from: 58 });
  assert.equal(r.status, 200, r.body);
  assert.ok(!(await fieldsOf('v57.0')).includes('LastStageChangeDate'), 'describe omits it below v58.0');
  assert.ok((await fieldsOf('v58.0')).includes('LastStageChangeDate'), 'and has it from v58.0');
  r = await q('v57.0', 'SELECT Id, LastStageChangeDate FROM Opportunity LIMIT 1');
  assert.equal(r.status, 400);
  assert.equal(r.json[0].errorCode, 'INVALID_FIELD');
  assert.match(r.json[0].message, /No such column 'LastStageChangeDate' on entity 'Opportunity'/);
  r = await q('v57.0', 'SELECT FIELDS(STANDARD) FROM Opportunity LIMIT 1');
  assert.equal(r.status, 200, r.body);
  assert.ok(!('LastStageChangeDate' in r.json.records[0]), 'FIELDS() leaves it out');
  r = await q('v58.0', 'SELECT Id, LastStageChangeDate FROM Opportunity LIMIT 1');
  assert.equal(r.status, 200, r.body);
  r = await sim.control('POST', 'org', { last_stage_change_from: 'x' });
  assert.equal(r.status, 400);
  await sim.control('POST', 'org', { last_stage_change_from: 0 });
  assert.ok((await fieldsOf('v45.0')).includes('LastStageChangeDate'));
});

test('OpportunityHistory: a creation row for every deal, a change row at LastStageChangeDate; never-moved deals', async () => {
  let opps = (await sim.control('GET', 'records/Opportunity')).json;
  let hist = (await sim.control('GET', 'records/OpportunityHistory')).json;
  const byOpp = new Map();
  for (const h of hist) byOpp.set(h.OpportunityId, [...(byOpp.get(h.OpportunityId) || []), h]);
  assert.equal(byOpp.size, opps.length, 'every deal has history');
  for (const o of opps) {
    const rows = byOpp.get(o.Id).sort((a, b) => (a.CreatedDate < b.CreatedDate ? -1 : 1));
    assert.equal(rows[0].CreatedDate, o.CreatedDate, 'the first row is the creation');
    assert.equal(rows.at(-1).StageName, o.StageName, 'the last row has the current stage');
    if (rows.length > 1) assert.equal(rows.at(-1).CreatedDate, o.LastStageChangeDate);
    assert.notEqual(o.LastStageChangeDate, null);
  }
  // SOQL over it, and an anti-join with it as the inner object.
  let r = await q('v60.0', 'SELECT OpportunityId, MAX(CreatedDate) latest FROM OpportunityHistory GROUP BY OpportunityId');
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.totalSize, opps.length);
  r = await q('v60.0', 'SELECT Id FROM Opportunity WHERE Id NOT IN (SELECT OpportunityId FROM OpportunityHistory WHERE CreatedDate = LAST_N_DAYS:30)');
  assert.equal(r.status, 200, r.body);
  const recent = new Set(hist.filter((h) => Date.parse(h.CreatedDate.replace('+0000', 'Z')) >= (Date.parse(sim.today) - 30 * 86400000)).map((h) => h.OpportunityId));
  assert.equal(r.json.totalSize, opps.filter((o) => !recent.has(o.Id)).length);

  r = await sim.control('POST', 'org', { never_moved_pct: 50 });
  assert.equal(r.status, 200, r.body);
  opps = (await sim.control('GET', 'records/Opportunity')).json;
  hist = (await sim.control('GET', 'records/OpportunityHistory')).json;
  const never = opps.filter((o) => o.LastStageChangeDate === null);
  assert.ok(never.length > 10 && never.every((o) => !o.IsClosed), `open deals never moved (${never.length})`);
  for (const o of never) {
    const rows = hist.filter((h) => h.OpportunityId === o.Id);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].StageName, o.StageName);
    assert.equal(rows[0].CreatedDate, o.CreatedDate);
  }
  await sim.control('POST', 'org', { never_moved_pct: 0 });
  opps = (await sim.control('GET', 'records/Opportunity')).json;
  assert.equal(opps.filter((o) => o.LastStageChangeDate === null).length, 0);
});

test('the flags set the same per run', async () => {
  const s2 = await startSim(['--opportunities', '100', '--last-stage-change-from', '61', '--never-moved-pct', '100']);
  try {
    const r = await s2.fetch('GET', '/services/data/v60.0/sobjects/Opportunity/describe');
    assert.ok(!r.json.fields.some((f) => f.name === 'LastStageChangeDate'));
    const opps = (await s2.control('GET', 'records/Opportunity')).json;
    assert.ok(opps.filter((o) => !o.IsClosed).every((o) => o.LastStageChangeDate === null));
    const org = (await s2.control('GET', 'org')).json;
    const { last_stage_change_from, never_moved_pct, currency, currencies, is_sandbox, org_type } = org;
    assert.deepEqual({ last_stage_change_from, never_moved_pct, currency, currencies, is_sandbox, org_type }, { last_stage_change_from: 61, never_moved_pct: 100, currency: 'USD', currencies: null, is_sandbox: false, org_type: 'Developer Edition' });
    // The write path's defaults (tests/sfsim/test/writes.test.mjs tests them).
    assert.equal(org.audit_object, true);
    assert.equal(org.audit_failed, true);
  } finally { await s2.stop(); }
});

test('userinfo: the token\'s user and org (OpenID Connect UserInfo); the Organization row names the edition and whether it is a sandbox', async () => {
  let r = await sim.fetch('GET', '/services/oauth2/userinfo');
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.user_id, sim.user_id);
  assert.equal(r.json.organization_id, sim.org_id);
  assert.equal(r.json.preferred_username, sim.username);
  // GMT unless the run or the test says otherwise: date literals are
  // evaluated in it (README.md, "Date Formats and Date Literals").
  assert.equal(r.json.zoneinfo, 'GMT');
  assert.equal(r.json.utcOffset, 0);
  assert.equal((await sim.control('POST', 'org', { user_time_zone: 'Mars/Olympus_Mons' })).status, 400, 'an unknown zone is refused');
  assert.equal((await sim.control('POST', 'org', { user_time_zone: 'Pacific/Kiritimati' })).status, 200);
  try {
    r = await sim.fetch('GET', '/services/oauth2/userinfo');
    assert.equal(r.json.zoneinfo, 'Pacific/Kiritimati');
    assert.equal(r.json.utcOffset, 14 * 3600000);
    r = await q('v60.0', `SELECT TimeZoneSidKey FROM User WHERE Id = '${sim.user_id}'`);
    assert.equal(r.json.records[0].TimeZoneSidKey, 'Pacific/Kiritimati');
    // TODAY is the simulated now's day at UTC+14: an Event at 23:30 UTC
    // of the day before that local day is already "from TODAY on" there.
    const localToday = new Intl.DateTimeFormat('en-CA', { timeZone: 'Pacific/Kiritimati' }).format(new Date(Date.parse(sim.today + 'T00:00:00Z') + (Date.now() % 86400000)));
    const events = (await sim.control('GET', 'records/Event')).json;
    const startOfLocal = Date.parse(localToday + 'T00:00:00+14:00');
    const want = events.filter((e) => Date.parse(e.StartDateTime.replace(/\+0000$/, 'Z')) >= startOfLocal).length;
    assert.ok(want > 0 && want < events.length, 'some meetings before, some after');
    r = await q('v60.0', 'SELECT COUNT() FROM Event WHERE StartDateTime >= TODAY');
    assert.equal(r.json.totalSize, want, 'a datetime against TODAY: from local midnight');
    const opps = (await sim.control('GET', 'records/Opportunity')).json;
    r = await q('v60.0', 'SELECT COUNT() FROM Opportunity WHERE CloseDate = TODAY');
    assert.equal(r.json.totalSize, opps.filter((o) => o.CloseDate === localToday).length, 'a date against TODAY: the local day');
  } finally {
    await sim.control('POST', 'org', { user_time_zone: 'GMT' });
  }
  const calls = (await sim.control('GET', 'state')).json.api_calls;
  r = await sim.fetch('GET', '/services/oauth2/userinfo', { token: 'not-a-token' });
  assert.equal(r.status, 403, 'a bad token is refused');
  assert.equal((await sim.control('GET', 'state')).json.api_calls, calls, 'UserInfo is not an API call');
  r = await q('v60.0', 'SELECT Id, Name, IsSandbox, OrganizationType, InstanceName FROM Organization');
  assert.equal(r.status, 200, r.body);
  assert.deepEqual([r.json.records[0].Id, r.json.records[0].IsSandbox, r.json.records[0].OrganizationType], [sim.org_id, false, 'Developer Edition']);
  assert.equal((await sim.control('POST', 'org', { is_sandbox: true, org_type: 'Enterprise Edition' })).status, 200);
  r = await q('v60.0', 'SELECT IsSandbox, OrganizationType FROM Organization');
  assert.deepEqual([r.json.records[0].IsSandbox, r.json.records[0].OrganizationType], [true, 'Enterprise Edition']);
  assert.equal((await sim.control('POST', 'org', { org_type: 'Personal' })).status, 400, 'an unknown edition is refused');
  assert.equal((await sim.control('POST', 'org', { is_sandbox: 'yes' })).status, 400);
  await sim.control('POST', 'org', { is_sandbox: false, org_type: 'Developer Edition' });
});

test('currency: Organization.DefaultCurrencyIsoCode; a multi-currency org has CurrencyType, CurrencyIsoCode, and aggregates in the corporate currency', async () => {
  let r = await q('v60.0', 'SELECT DefaultCurrencyIsoCode FROM Organization');
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.records[0].DefaultCurrencyIsoCode, 'USD');
  r = await q('v60.0', 'SELECT IsoCode FROM CurrencyType');
  assert.equal(r.status, 400, 'no CurrencyType in a single-currency org');
  assert.equal(r.json[0].errorCode, 'INVALID_TYPE');
  assert.ok(!(await fieldsOf('v60.0')).includes('CurrencyIsoCode'));

  const cur = [{ iso: 'EUR', rate: 1 }, { iso: 'USD', rate: 1.25 }, { iso: 'GBP', rate: 0.8 }];
  assert.equal((await sim.control('POST', 'org', { currencies: cur })).status, 200);
  try {
    assert.ok((await fieldsOf('v60.0')).includes('CurrencyIsoCode'));
    r = await q('v60.0', 'SELECT IsoCode, ConversionRate FROM CurrencyType WHERE IsCorporate = true');
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(r.json.records.map((x) => [x.IsoCode, x.ConversionRate]), [['EUR', 1]]);
    r = await q('v60.0', 'SELECT DefaultCurrencyIsoCode FROM Organization');
    assert.equal(r.json.records[0].DefaultCurrencyIsoCode, 'EUR');
    const opps = (await sim.control('GET', 'records/Opportunity')).json;
    const codes = new Set(opps.map((o) => o.CurrencyIsoCode));
    assert.deepEqual([...codes].sort(), ['EUR', 'GBP', 'USD']);
    // Record rows: each in its own currency.
    r = await q('v60.0', 'SELECT Id, Amount, CurrencyIsoCode FROM Opportunity WHERE Amount != null LIMIT 5');
    for (const x of r.json.records) assert.equal(x.Amount, opps.find((o) => o.Id === x.Id).Amount);
    // GROUP BY: converted to EUR at each record's rate.
    r = await q('v60.0', 'SELECT StageName, SUM(Amount) s FROM Opportunity GROUP BY StageName');
    assert.equal(r.status, 200, r.body);
    const rate = new Map(cur.map((c) => [c.iso, c.rate]));
    for (const row of r.json.records) {
      const want = opps.filter((o) => o.StageName === row.StageName && o.Amount != null).reduce((a, o) => a + o.Amount / rate.get(o.CurrencyIsoCode), 0);
      assert.ok(Math.abs(row.s - want) < 0.01, `${row.StageName}: ${row.s} vs ${want}`);
    }
    r = await sim.control('POST', 'org', { currencies: [{ iso: 'EUR', rate: 2 }] });
    assert.equal(r.status, 400);
  } finally {
    await sim.control('POST', 'org', { currencies: null });
  }
  assert.ok(!(await fieldsOf('v60.0')).includes('CurrencyIsoCode'));
});

test('stage history and dated rates: the org shapes, and bad values refused with the rule', async () => {
  let r = await sim.control('POST', 'org', { stage_history: 'none' });
  assert.equal(r.status, 400);
  assert.match(r.body, /stage_history: opportunity, field or both/);
  r = await sim.control('POST', 'org', { dated_rates: [{ iso: 'usd', rate: 1, start: '2026-01-01' }] });
  assert.equal(r.status, 400);
  assert.match(r.body, /dated_rates: null, or \[\{iso, rate, start: YYYY-MM-DD\}/);
  r = await sim.control('POST', 'org', { dated_rates: Array.from({ length: 101 }, () => ({ iso: 'USD', rate: 1, start: '2026-01-01' })) });
  assert.equal(r.status, 400, 'at most 100 periods');
  assert.equal((await sim.control('POST', 'org', { stage_history: 'field' })).status, 200);
  try {
    r = await q('v60.0', 'SELECT Id FROM OpportunityHistory LIMIT 1');
    assert.equal(r.status, 400);
    assert.equal(r.json[0].errorCode, 'INVALID_TYPE');
    r = await q('v60.0', "SELECT OpportunityId, NewValue FROM OpportunityFieldHistory WHERE Field = 'StageName' LIMIT 5");
    assert.equal(r.status, 200, r.body);
    assert.ok(r.json.records.length > 0, 'stage changes recorded');
  } finally {
    await sim.control('POST', 'org', { stage_history: 'opportunity' });
  }
  r = await q('v60.0', 'SELECT Id FROM OpportunityFieldHistory LIMIT 1');
  assert.equal(r.status, 400, 'no field history by default');
  r = await q('v60.0', 'SELECT Id FROM DatedConversionRate LIMIT 1');
  assert.equal(r.status, 400, 'no dated rates without advanced currency management');
});
