// SFDC_FLS_MODE=auto, the default, against both kinds of simulated org:
// one that accepts WITH SECURITY_ENFORCED over REST (the clause is used)
// and one that refuses it (one warning, plain REST, the same answer, and
// a hidden field still an error).  Also: the explicit modes do not probe,
// a probe that never reached Salesforce teaches nothing, and the guard's
// new acceptances and refusals through the query tool.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSim, simEnv, autoEnv, connectSdk, spawnRaw, queries, textOf } from './lib.mjs';

let sim;
const opened = [];

before(async () => { sim = await startSim(['--opportunities', '300']); });
after(async () => {
  for (const c of opened) await c.close().catch(() => {});
  if (sim) await sim.stop();
});

const PROBE = 'SELECT Id FROM User WITH SECURITY_ENFORCED LIMIT 1';
const refuse = (list) => sim.control('POST', 'options', { refuse_with: list });
const sent = async () => queries(await sim.log()).map((e) => e.soql);
const call = (c, soql, extra = {}) => c.client.callTool({ name: 'query', arguments: { soql, ...extra } });
/** The JSON log lines of the server's stderr that match re. */
const logLines = (c, re) => c.stderr.split('\n').filter((l) => re.test(l));

test('auto, an org that accepts the clause: one probe, then the clause on every query', async () => {
  await refuse([]);
  const c = await connectSdk(autoEnv(sim), opened);
  await sim.clearLog();
  // A dry run before anything was learned sends nothing and says so.
  let r = await call(c, 'SELECT Id FROM Lead', { dry_run: true });
  assert.equal(r.isError, false, textOf(r));
  assert.equal(r.structuredContent.request.soql, 'SELECT Id FROM Lead LIMIT 200');
  assert.match(r.structuredContent.request.note, /not known yet whether this org accepts WITH SECURITY_ENFORCED/);
  assert.match(textOf(r), /the first query sends one probe \(SELECT Id FROM User WITH SECURITY_ENFORCED LIMIT 1\)/);
  assert.deepEqual(await sent(), [], 'a dry run sends nothing, not even the probe');

  r = await call(c, 'SELECT Id, Name FROM Account ORDER BY Name LIMIT 3');
  assert.equal(r.isError, false, textOf(r));
  assert.equal(r.structuredContent.soql, 'SELECT Id, Name FROM Account WITH SECURITY_ENFORCED ORDER BY Name LIMIT 3');
  assert.deepEqual(await sent(), [PROBE, 'SELECT Id, Name FROM Account WITH SECURITY_ENFORCED ORDER BY Name LIMIT 3']);

  await sim.clearLog();
  r = await call(c, 'SELECT Id FROM Lead LIMIT 2');
  assert.equal(r.isError, false, textOf(r));
  assert.deepEqual(await sent(), ['SELECT Id FROM Lead WITH SECURITY_ENFORCED LIMIT 2'], 'learned once: no second probe');
  r = await call(c, 'SELECT Id FROM Lead', { dry_run: true });
  assert.equal(r.structuredContent.request.soql, 'SELECT Id FROM Lead WITH SECURITY_ENFORCED LIMIT 200');
  assert.match(r.structuredContent.request.note, /this org accepts WITH SECURITY_ENFORCED/);

  // What the clause is documented not to allow goes without it (the
  // simulator refuses What.Name and TYPEOF ... ELSE under the clause).
  for (const q of ['SELECT Id, What.Name FROM Event WHERE WhatId != null LIMIT 5',
    'SELECT Id, TYPEOF What WHEN Opportunity THEN Amount ELSE Name END FROM Event WHERE WhatId != null LIMIT 5']) {
    await sim.clearLog();
    r = await call(c, q);
    assert.equal(r.isError, false, textOf(r));
    assert.equal(r.structuredContent.soql, q);
    assert.deepEqual(await sent(), [q], 'sent without the clause');
    assert.ok(r.structuredContent.rows.length > 0);
    r = await call(c, q, { dry_run: true });
    assert.equal(r.structuredContent.request.soql, q);
    assert.match(r.structuredContent.request.note, /documented not to allow, so it goes without the clause/);
  }

  // Under the clause a hidden field is Salesforce's FLS error.
  r = await call(c, 'SELECT Id, Secret_Margin__c FROM Opportunity LIMIT 1');
  assert.equal(r.isError, true);
  assert.match(textOf(r), /Salesforce refused the query: .*inaccessible field/);
  assert.equal(logLines(c, /refuses WITH SECURITY_ENFORCED/).length, 0, 'no fallback warning');
});

test('auto, an org that refuses the clause: one warning, plain REST, the same answer, a hidden field still an error', async () => {
  await refuse(['SECURITY_ENFORCED']);
  try {
    const c = await connectSdk(autoEnv(sim), opened);
    await sim.clearLog();
    let r = await call(c, "SELECT Id, Name, StageName FROM Opportunity WHERE StageName = 'Prospecting' ORDER BY Id");
    assert.equal(r.isError, false, textOf(r));
    const want = "SELECT Id, Name, StageName FROM Opportunity WHERE StageName = 'Prospecting' ORDER BY Id LIMIT 200";
    assert.equal(r.structuredContent.soql, want);
    assert.deepEqual(await sent(), [PROBE, want], 'the probe, refused, then the query without the clause');
    // The answer is the org's data, recomputed from the simulator's records.
    const all = (await sim.records('Opportunity')).filter((o) => o.StageName === 'Prospecting')
      .map((o) => `${o.Id} ${o.Name}`).sort();
    assert.ok(all.length > 0 && all.length <= 200, `the data set has 1..200 Prospecting deals: ${all.length}`);
    assert.deepEqual(r.structuredContent.columns, ['Id', 'Name', 'StageName']);
    assert.deepEqual(r.structuredContent.rows.map((row) => `${row[0]} ${row[1]}`).sort(), all);
    assert.ok(r.structuredContent.rows.every((row) => row[2] === 'Prospecting'));
    const warn = logLines(c, /refuses WITH SECURITY_ENFORCED/);
    assert.equal(warn.length, 1, c.stderr);
    const line = JSON.parse(warn[0]);
    assert.equal(line.level, 'warning');
    assert.match(line.msg, /HTTP 400 MALFORMED_QUERY/);
    assert.match(line.msg, /Salesforce still applies the running user's field-level security/);

    await sim.clearLog();
    r = await call(c, 'SELECT Id FROM Lead LIMIT 2');
    assert.equal(r.isError, false, textOf(r));
    assert.deepEqual(await sent(), ['SELECT Id FROM Lead LIMIT 2'], 'no second probe');
    r = await call(c, 'SELECT Id FROM Lead', { dry_run: true });
    assert.equal(r.structuredContent.request.soql, 'SELECT Id FROM Lead LIMIT 200');
    assert.match(r.structuredContent.request.note, /this org refuses WITH SECURITY_ENFORCED/);

    // Plain REST still applies field-level security.
    r = await call(c, 'SELECT Id, Secret_Margin__c FROM Opportunity LIMIT 1');
    assert.equal(r.isError, true);
    assert.match(textOf(r), /INVALID_FIELD|No such column 'Secret_Margin__c'/);
    assert.equal(logLines(c, /refuses WITH SECURITY_ENFORCED/).length, 1, 'still one warning');

    // get_* goes through the same learned mode.
    const acc = (await sim.records('Account'))[0];
    await sim.clearLog();
    r = await c.client.callTool({ name: 'get_account', arguments: { account_id: acc.Id } });
    assert.equal(r.isError, false, textOf(r));
    assert.ok((await sent()).every((s) => !/SECURITY_ENFORCED/.test(s)), 'no clause on the record read');
  } finally {
    await refuse([]);
  }
});

test('explicit modes do not probe: security_enforced on a refusing org is Salesforce\'s refusal', async () => {
  await refuse(['SECURITY_ENFORCED']);
  try {
    const c = await connectSdk(simEnv(sim, { SFDC_FLS_MODE: 'security_enforced' }), opened);
    await sim.clearLog();
    const r = await call(c, 'SELECT Id FROM Lead LIMIT 2');
    assert.equal(r.isError, true);
    assert.match(textOf(r), /Salesforce refused the query: .*unexpected token: 'WITH'/s);
    assert.deepEqual(await sent(), ['SELECT Id FROM Lead WITH SECURITY_ENFORCED LIMIT 2']);
    const n = await connectSdk(simEnv(sim, { SFDC_FLS_MODE: 'none' }), opened);
    await sim.clearLog();
    const r2 = await call(n, 'SELECT Id FROM Lead LIMIT 2');
    assert.equal(r2.isError, false, textOf(r2));
    assert.deepEqual(await sent(), ['SELECT Id FROM Lead LIMIT 2']);
  } finally {
    await refuse([]);
  }
});

test('auto: a probe that never reached Salesforce teaches nothing; the next query asks again', async () => {
  await refuse([]);
  const c = await connectSdk(autoEnv(sim, { SFDC_HTTP_TIMEOUT_MS: '1000' }), opened);
  await sim.clearLog();
  // Every attempt of the probe is reset before an answer (it is retried).
  await sim.control('POST', 'faults', { match: { soql_contains: 'FROM User WITH SECURITY_ENFORCED' }, count: 10, action: { reset: 'before' } });
  let r = await call(c, 'SELECT Id FROM Lead LIMIT 2');
  assert.equal(r.isError, true);
  const host = new URL(sim.instance_url || sim.url).host;
  assert.match(textOf(r), new RegExp(`cannot reach Salesforce at https://${host.replace(/[.]/g, '\\.')}`));
  assert.doesNotMatch(textOf(r), /Salesforce refused/);
  assert.ok((await sent()).every((s) => s === PROBE), 'only the probe was tried');
  await sim.control('DELETE', 'faults');
  await sim.clearLog();
  r = await call(c, 'SELECT Id FROM Lead LIMIT 2');
  assert.equal(r.isError, false, textOf(r));
  assert.deepEqual(await sent(), [PROBE, 'SELECT Id FROM Lead WITH SECURITY_ENFORCED LIMIT 2']);
});

test('the guard through the query tool: nested subqueries and DISTANCE pass, FIELDS(ALL) past 200 is refused before any request', async () => {
  const c = await connectSdk(simEnv(sim), opened);
  await sim.clearLog();
  let r = await call(c, 'SELECT Name, (SELECT Name, (SELECT Subject FROM Events) FROM Opportunities) FROM Account LIMIT 20');
  assert.equal(r.isError, false, textOf(r));
  assert.equal((await sent()).length, 1);
  await sim.clearLog();
  for (const [soql, re] of [
    ['SELECT FIELDS(ALL) FROM Account LIMIT 201', /FIELDS\(ALL\) needs LIMIT 200 or less/],
    ['SELECT Name, (SELECT Name, (SELECT Name, (SELECT Name, (SELECT Name, (SELECT Name FROM L6s) FROM L5s) FROM L4s) FROM L3s) FROM L2s) FROM L1__c',
      /nested more than 5 levels deep/],
  ]) {
    r = await call(c, soql);
    assert.equal(r.isError, true, soql);
    assert.match(textOf(r), re);
  }
  assert.deepEqual(await sent(), [], 'nothing was sent for the refused statements');
  r = await call(c, "SELECT Id FROM Account WHERE DISTANCE(BillingAddress, GEOLOCATION(37.775, -122.418), 'mi') < 20", { dry_run: true });
  assert.equal(r.isError, false, textOf(r));
  assert.equal(r.structuredContent.request.soql,
    "SELECT Id FROM Account WHERE DISTANCE(BillingAddress, GEOLOCATION(37.775, -122.418), 'mi') < 20 WITH SECURITY_ENFORCED LIMIT 200");
  r = await call(c, 'SELECT FIELDS(ALL) FROM Account LIMIT 200');
  assert.equal(r.isError, false, textOf(r));
});

test('SFDC_FLS_MODE takes auto (the default), security_enforced, user_mode or none; anything else is refused at start', async () => {
  for (const bad of ['AUTO', 'security-enforced', 'off']) {
    const s = spawnRaw(simEnv(sim, { SFDC_FLS_MODE: bad }));
    const { code } = await s.exited;
    assert.equal(code, 1, `SFDC_FLS_MODE=${JSON.stringify(bad)}`);
    assert.match(s.stderr, /SFDC_FLS_MODE must be auto, security_enforced, user_mode or none/);
  }
  const c = await connectSdk(simEnv(sim, { SFDC_FLS_MODE: 'auto' }), opened);
  await sim.clearLog();
  const r = await call(c, 'SELECT Id FROM Lead LIMIT 1');
  assert.equal(r.isError, false, textOf(r));
  assert.equal((await sent())[0], PROBE, 'auto, written out, probes as the default does');
});
