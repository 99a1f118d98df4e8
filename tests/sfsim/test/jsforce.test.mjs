// A real Salesforce client, jsforce, unmodified, against sfsim: if jsforce
// can page, retrieve, write, describe and refresh, the wire format is right.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { createRequire } from 'node:module';
import { startSim } from './helpers.mjs';

const require = createRequire(import.meta.url);
const jsforce = require('@jsforce/jsforce-node');

let sim;
let conn;
before(async () => {
  sim = await startSim(['--opportunities', '5000', '--seed', '7']);
  // jsforce (node-fetch) uses the global agent: trust the sim's CA, and
  // only it (verification stays on).
  https.globalAgent.options.ca = sim.ca;
  conn = new jsforce.Connection({
    instanceUrl: sim.instance_url,
    accessToken: sim.access_token,
    refreshToken: sim.refresh_token,
    oauth2: { clientId: sim.client_id, clientSecret: sim.client_secret, loginUrl: sim.login_url },
    version: '60.0',
  });
});
after(async () => { await sim.stop(); });

test('query pages over more than 2000 rows with autoFetch', async () => {
  const res = await conn.query('SELECT Id, Name, Amount FROM Opportunity').run({ autoFetch: true, maxFetch: 10000 });
  assert.equal(res.totalSize, 5000);
  assert.equal(res.records.length, 5000);
  assert.equal(new Set(res.records.map((r) => r.Id)).size, 5000, 'no record repeated across pages');
});

test('queryMore follows nextRecordsUrl, honouring Sforce-Query-Options batchSize', async () => {
  const first = await conn.request({ method: 'GET', url: '/services/data/v60.0/query?q=' + encodeURIComponent('SELECT Id FROM Opportunity ORDER BY Id'), headers: { 'Sforce-Query-Options': 'batchSize=500' } });
  assert.equal(first.records.length, 500);
  assert.equal(first.done, false);
  assert.match(first.nextRecordsUrl, /^\/services\/data\/v60\.0\/query\/01g[0-9A-Za-z]{15}-500$/);
  const second = await conn.queryMore(first.nextRecordsUrl);
  assert.equal(second.records.length, 2000, 'queryMore without the header gets the default 2000');
  assert.ok(second.records[0].Id > first.records[499].Id, 'the second page continues in order');
  const third = await conn.queryMore(second.nextRecordsUrl);
  const last = await conn.queryMore(third.nextRecordsUrl);
  assert.equal(last.done, true);
  assert.equal(last.nextRecordsUrl, undefined);
  assert.equal(500 + 2000 + third.records.length + last.records.length, 5000);
});

test('relationship fields come back nested', async () => {
  const res = await conn.query("SELECT Id, Account.Name, Owner.Name FROM Opportunity WHERE AccountId != null LIMIT 3");
  assert.equal(res.records.length, 3);
  for (const r of res.records) {
    assert.equal(r.attributes.type, 'Opportunity');
    assert.equal(r.Account.attributes.type, 'Account');
    assert.equal(typeof r.Account.Name, 'string');
    assert.equal(typeof r.Owner.Name, 'string');
  }
});

test('retrieve, create, update, describe', async () => {
  const acc = (await conn.query('SELECT Id, Name FROM Account LIMIT 1')).records[0];
  const got = await conn.sobject('Account').retrieve(acc.Id);
  assert.equal(got.Name, acc.Name);
  assert.equal(got.Internal_Rating__c, undefined, 'a hidden field is not returned');
  const created = await conn.sobject('Opportunity').create({ Name: 'jsforce deal', StageName: 'Prospecting', CloseDate: '2030-01-15', Amount: 1234.5, AccountId: acc.Id });
  assert.equal(created.success, true);
  assert.match(created.id, /^006[0-9A-Za-z]{15}$/);
  const upd = await conn.sobject('Opportunity').update({ Id: created.id, StageName: 'Closed Won' });
  assert.equal(upd.success, true);
  const after = await conn.sobject('Opportunity').retrieve(created.id);
  assert.equal(after.StageName, 'Closed Won');
  assert.equal(after.IsClosed, true);
  assert.equal(after.IsWon, true);
  assert.equal(after.Probability, 100);
  assert.equal(after.ForecastCategoryName, 'Closed');
  assert.match(after.LastStageChangeDate, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/);
  const d = await conn.sobject('Opportunity').describe();
  assert.equal(d.keyPrefix, '006');
  const stage = d.fields.find((f) => f.name === 'StageName');
  assert.deepEqual(stage.picklistValues.map((p) => p.value), ['Prospecting', 'Qualification', 'Needs Analysis', 'Value Proposition', 'Id. Decision Makers', 'Perception Analysis', 'Proposal/Price Quote', 'Negotiation/Review', 'Commit', 'Closed Won', 'Closed Lost']);
  assert.equal(d.fields.some((f) => f.name === 'Secret_Margin__c'), false);
  assert.equal(d.fields.find((f) => f.name === 'IsClosed').updateable, false);
});

test('jsforce surfaces a validation error', async () => {
  await assert.rejects(conn.sobject('Opportunity').create({ Name: 'neg', StageName: 'Prospecting', CloseDate: '2030-01-01', Amount: -5 }),
    (e) => e.errorCode === 'FIELD_CUSTOM_VALIDATION_EXCEPTION');
});

test('composite via conn.request', async () => {
  const res = await conn.request({
    method: 'POST', url: '/services/data/v60.0/composite',
    body: JSON.stringify({
      allOrNone: true,
      compositeRequest: [
        { method: 'POST', url: '/services/data/v60.0/sobjects/Cleanup_Audit__c', referenceId: 'audit', body: { Object_Name__c: 'Opportunity', Field_Name__c: 'NextStep', Justification__c: 'test' } },
        { method: 'GET', url: '/services/data/v60.0/sobjects/Cleanup_Audit__c/@{audit.id}', referenceId: 'read' },
      ],
    }),
    headers: { 'Content-Type': 'application/json' },
  });
  assert.equal(res.compositeResponse[0].httpStatusCode, 201);
  assert.equal(res.compositeResponse[1].httpStatusCode, 200);
  assert.equal(res.compositeResponse[1].body.Id, res.compositeResponse[0].body.id);
  assert.equal(res.compositeResponse[1].body.Failed__c, false);
});

test('jsforce refreshes an expired session and retries', async () => {
  let refreshed = null;
  conn.on('refresh', (token) => { refreshed = token; });
  const before = conn.accessToken;
  const r = await sim.control('POST', 'expire-tokens');
  assert.equal(r.status, 200);
  const res = await conn.query('SELECT COUNT() FROM Account');
  assert.equal(res.totalSize, 1250);
  assert.ok(refreshed, 'jsforce emitted refresh');
  assert.notEqual(conn.accessToken, before);
  const log = (await sim.control('GET', 'log')).json;
  const oauth = log.filter((e) => e.path === '/services/oauth2/token');
  assert.equal(oauth.length, 1);
  assert.equal(oauth[0].grant_type, 'refresh_token');
  assert.equal(oauth[0].status, 200);
  assert.ok(log.some((e) => e.status === 401 && e.auth === 'invalid'), 'the first attempt was refused');
});
