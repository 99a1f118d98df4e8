// Against a real org (make check-org; tests/org/org.mjs): the read
// tools through the MCP SDK client, each answering without an error
// from what the org holds.  Reads create nothing; the write round trip
// is write.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connectSdk, textOf } from '../e2e/lib.mjs';
import { orgConfig, orgToken, orgQuery, serverEnv } from './org.mjs';

const cfg = orgConfig();
const skip = cfg.skip || cfg.error || false;
let token;
let c;

before(async () => {
  if (skip) return;
  token = await orgToken(cfg);
  c = await connectSdk(serverEnv(cfg, token));
});
after(async () => { if (c) await c.client.close(); });

async function call(name, args) {
  const r = await c.client.callTool({ name, arguments: args });
  assert.notEqual(r.isError, true, `${name}: ${textOf(r).slice(0, 500)}`);
  return r;
}

test('tools/list has the read tools', { skip }, async () => {
  const { tools } = await c.client.listTools();
  const names = tools.map((t) => t.name);
  for (const n of ['get_account', 'get_opportunity', 'query', 'pipeline_by_stage', 'stale_opps', 'at_risk_commits'])
    assert.ok(names.includes(n), n);
});

test('query reads the Organization row the harness read', { skip }, async () => {
  const [org] = await orgQuery(cfg, token, 'SELECT Id FROM Organization');
  const r = await call('query', { soql: 'SELECT Id, Name FROM Organization' });
  assert.ok(textOf(r).includes(org.Id.slice(0, 15)), textOf(r).slice(0, 300));
});

for (const [tool, obj, arg] of [['get_account', 'Account', 'account_id'], ['get_opportunity', 'Opportunity', 'opp_id'],
  ['get_contact', 'Contact', 'contact_id'], ['get_lead', 'Lead', 'lead_id']]) {
  test(`${tool} reads a record the harness found`, { skip }, async (t) => {
    const rows = await orgQuery(cfg, token, `SELECT Id FROM ${obj} ORDER BY CreatedDate DESC LIMIT 1`);
    if (rows.length === 0) { t.skip(`no ${obj} in the org`); return; }
    const r = await call(tool, { [arg]: rows[0].Id });
    assert.ok(textOf(r).includes(rows[0].Id.slice(0, 15)), textOf(r).slice(0, 300));
  });
}

test('the RevOps helpers answer', { skip }, async () => {
  await call('pipeline_by_stage', {});
  await call('stale_opps', {});
  const d = new Date();
  const q = Math.floor(d.getUTCMonth() / 3);
  const end = new Date(Date.UTC(d.getUTCFullYear(), q * 3 + 3, 0)).toISOString().slice(0, 10);
  await call('at_risk_commits', { quarter_end_date: end });
});
