// What a session may spend: SFDC_REQUEST_BUDGET bounds the requests this
// server sends to Salesforce, whatever a looping model (or a compromised
// front) asks; and past SFDC_API_USAGE_WARN_PCT of the org's own
// allowance (Sforce-Limit-Info), every result says so.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSim, simEnv, connectSdk, dataCalls, identityCalls, textOf } from './lib.mjs';

let sim;
const opened = [];
before(async () => { sim = await startSim(); });
after(async () => {
  for (const c of opened) await c.close().catch(() => {});
  if (sim) await sim.stop();
});

const q = (c, soql = 'SELECT Id FROM Account LIMIT 1') => c.client.callTool({ name: 'query', arguments: { soql } });

test('a budget of 6 requests an hour (3 queries and the identity\'s 3): the 4th query is refused before anything is sent, a dry run still answers', async () => {
  await sim.control('POST', 'reset', {});
  const c = await connectSdk(simEnv(sim, { SFDC_REQUEST_BUDGET: '6' }), opened);
  await sim.clearLog();
  for (let i = 0; i < 3; i++) {
    const r = await q(c);
    assert.equal(r.isError, false, textOf(r));
  }
  const r = await q(c);
  assert.equal(r.isError, true);
  assert.match(textOf(r), /request budget is spent: SFDC_REQUEST_BUDGET allows 6 requests to Salesforce an hour/);
  assert.match(textOf(r), /Nothing was sent/);
  assert.doesNotMatch(textOf(r), /Salesforce refused/, 'Salesforce was never asked');
  assert.equal(dataCalls(await sim.log()).length, 3, 'three queries reached the org, not four');
  assert.equal(identityCalls(await sim.log()).length, 3, 'and the identity, once');
  const d = await c.client.callTool({ name: 'query', arguments: { soql: 'SELECT Id FROM Account', dry_run: true } });
  assert.equal(d.isError, false, 'a dry run needs no request: ' + textOf(d));
  await c.client.close();
  assert.match(c.stderr, /"msg":"request budget spent".*"budget_per_hour":6/);
});

test('SFDC_REQUEST_BUDGET out of bounds is refused at start, naming the variable', async () => {
  for (const v of ['0', '1000001', 'lots']) {
    await assert.rejects(connectSdk(simEnv(sim, { SFDC_REQUEST_BUDGET: v })), /SFDC_REQUEST_BUDGET must be a whole number of requests an hour from 1 to 1000000/);
  }
  await assert.rejects(connectSdk(simEnv(sim, { SFDC_API_USAGE_WARN_PCT: '101' })), /SFDC_API_USAGE_WARN_PCT must be/);
});

test('past 80 % of the org\'s allowance, the result says how far; under it, nothing', async () => {
  await sim.control('POST', 'reset', {});
  const { json: st } = await sim.control('GET', 'state');
  const limit = st.api_limit;
  await sim.control('POST', 'state', { api_calls: Math.floor(limit * 0.5) });
  const c = await connectSdk(simEnv(sim), opened);
  let r = await q(c);
  assert.equal(r.isError, false, textOf(r));
  assert.doesNotMatch(textOf(r), /Note: this org has used/, 'at 50 %, no note');
  await sim.control('POST', 'state', { api_calls: Math.floor(limit * 0.85) });
  r = await q(c);	// this answer's header tells the broker
  r = await q(c);
  assert.equal(r.isError, false, textOf(r));
  assert.match(textOf(r), new RegExp(`Note: this org has used \\d+ of its ${limit} API requests of the last 24 hours \\(8\\d %\\)`));
  await c.client.close();
  assert.match(c.stderr, /"msg":"the org's API usage passed the warning share"/);

  // With the share at 90 %, 85 % says nothing.
  const c2 = await connectSdk(simEnv(sim, { SFDC_API_USAGE_WARN_PCT: '90' }), opened);
  await q(c2);
  r = await q(c2);
  assert.doesNotMatch(textOf(r), /Note: this org has used/);
  await c2.client.close();
  await sim.control('POST', 'reset', {});
});
