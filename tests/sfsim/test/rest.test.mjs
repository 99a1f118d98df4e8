// REST behaviour over raw HTTPS: sessions, the usage counter, the control
// secret, fault injection, DML errors, composite transactions, notes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSim } from './helpers.mjs';

let sim;
before(async () => { sim = await startSim(['--api-limit', '100000']); });
after(async () => { await sim.stop(); });

const V = '/services/data/v60.0';

test('ready line has the contract fields', () => {
  for (const k of ['url', 'instance_url', 'login_url', 'ca_file', 'access_token', 'refresh_token', 'client_id', 'client_secret', 'username', 'jwt_key_file', 'control_secret', 'api_version', 'today', 'pid']) {
    assert.ok(sim[k] !== undefined && sim[k] !== '', `ready line has ${k}`);
  }
  assert.match(sim.access_token, /^00D[0-9A-Za-z]{12}!AQ/);
  assert.match(sim.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  assert.deepEqual(sim.extraStdout, []);
});

test('versions list needs no session and has no usage header', async () => {
  const r = await sim.fetch('GET', '/services/data', { token: null });
  assert.equal(r.status, 200);
  assert.equal(r.headers['sforce-limit-info'], undefined);
  assert.ok(r.json.some((v) => v.version === '45.0') && r.json.some((v) => v.version === '66.0'));
  assert.equal((await sim.fetch('GET', '/services/data/v44.0/limits')).status, 404);
  assert.equal((await sim.fetch('GET', '/services/data/v66.0/')).status, 200);
});

test('bad or missing session: 401 INVALID_SESSION_ID', async () => {
  for (const token of [null, '00D000000000000!AQbogus']) {
    const r = await sim.fetch('GET', `${V}/limits`, { token });
    assert.equal(r.status, 401);
    assert.deepEqual(r.json, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
  }
});

test('Sforce-Limit-Info counts calls; /limits agrees; over the allocation is 403', async () => {
  const a = await sim.fetch('GET', `${V}/limits`);
  const b = await sim.fetch('GET', `${V}/limits`);
  const n = (r) => Number(/api-usage=(\d+)\/100000/.exec(r.headers['sforce-limit-info'])[1]);
  assert.equal(n(b), n(a) + 1);
  assert.equal(b.json.DailyApiRequests.Max, 100000);
  assert.equal(b.json.DailyApiRequests.Remaining, 100000 - n(b));
  await sim.control('POST', 'state', { api_calls: 100000 });
  const c = await sim.fetch('GET', `${V}/limits`);
  assert.equal(c.status, 403);
  assert.deepEqual(c.json, [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
  assert.equal(c.headers['retry-after'], undefined);
  await sim.control('POST', 'state', { api_calls: 10 });
});

test('the control interface needs the secret', async () => {
  for (const headers of [{}, { 'X-Sim-Secret': 'wrong' }]) {
    const r = await sim.fetch('POST', '/__sim/expire-tokens', { token: null, headers });
    assert.equal(r.status, 403);
  }
  assert.equal((await sim.fetch('GET', `${V}/limits`)).status, 200, 'tokens were not expired');
  assert.equal((await sim.control('GET', 'state')).status, 200);
});

test('fault: 503 for the next N matching requests only', async () => {
  await sim.control('POST', 'faults', { match: { method: 'GET', path_prefix: '/services/data/', soql_contains: 'FROM Lead' }, count: 2, action: { status: 503, body: '<html>down</html>', content_type: 'text/html' } });
  const q = () => sim.query('SELECT Id FROM Lead LIMIT 1');
  assert.equal((await sim.query('SELECT Id FROM Account LIMIT 1')).status, 200, 'non-matching request unaffected');
  const r1 = await q();
  assert.equal(r1.status, 503);
  assert.equal(r1.body, '<html>down</html>');
  assert.match(r1.headers['content-type'], /text\/html/);
  assert.equal((await q()).status, 503);
  assert.equal((await q()).status, 200);
});

test('fault: UNABLE_TO_LOCK_ROW error body', async () => {
  await sim.control('POST', 'faults', { match: { method: 'PATCH' }, count: 1, action: { status: 400, errorCode: 'UNABLE_TO_LOCK_ROW', message: 'unable to obtain exclusive access to this record' } });
  const id = (await sim.query('SELECT Id FROM Opportunity LIMIT 1')).json.records[0].Id;
  const r = await sim.fetch('PATCH', `${V}/sobjects/Opportunity/${id}`, { body: { NextStep: 'x' } });
  assert.equal(r.status, 400);
  assert.deepEqual(r.json, [{ message: 'unable to obtain exclusive access to this record', errorCode: 'UNABLE_TO_LOCK_ROW' }]);
});

test('fault: reset before (not applied) and after (applied)', async () => {
  const id = (await sim.query('SELECT Id FROM Opportunity WHERE IsClosed = false LIMIT 1')).json.records[0].Id;
  const next = async () => (await sim.fetch('GET', `${V}/sobjects/Opportunity/${id}?fields=NextStep`)).json.NextStep;
  await sim.control('POST', 'faults', { match: { method: 'PATCH' }, count: 1, action: { reset: 'before' } });
  await assert.rejects(sim.fetch('PATCH', `${V}/sobjects/Opportunity/${id}`, { body: { NextStep: 'before-reset' } }));
  assert.notEqual(await next(), 'before-reset');
  await sim.control('POST', 'faults', { match: { method: 'PATCH' }, count: 1, action: { reset: 'after' } });
  await assert.rejects(sim.fetch('PATCH', `${V}/sobjects/Opportunity/${id}`, { body: { NextStep: 'after-reset' } }));
  assert.equal(await next(), 'after-reset');
});

test('fault: truncated body, then delay', async () => {
  await sim.control('POST', 'faults', { match: { path_prefix: `${V}/limits` }, count: 1, action: { truncate: true } });
  await assert.rejects(sim.fetch('GET', `${V}/limits`));
  await sim.control('POST', 'faults', { match: { path_prefix: `${V}/limits` }, count: 1, action: { delay_ms: 300 } });
  const t = Date.now();
  assert.equal((await sim.fetch('GET', `${V}/limits`)).status, 200);
  assert.ok(Date.now() - t >= 290);
  await sim.control('POST', 'faults', { match: {}, count: 5, action: { status: 500 } });
  await sim.control('DELETE', 'faults');
  assert.equal((await sim.fetch('GET', `${V}/limits`)).status, 200, 'DELETE /__sim/faults cleared them');
});

test('fault: a client that closes the connection during a delay is logged as aborted', async () => {
  await sim.control('DELETE', 'log');
  await sim.control('POST', 'faults', { match: { path_prefix: `${V}/limits` }, count: 2, action: { delay_ms: 2000 } });
  const https = await import('node:https');
  const req = https.request(new URL(`${V}/limits`, sim.url), { ca: sim.ca, agent: false, headers: { Authorization: 'Bearer ' + sim.access_token } });
  const gone = new Promise((r) => req.on('error', r));
  req.end();
  // Close it once the simulator has the request (it is logged on arrival).
  for (let i = 0; i < 100 && (await sim.control('GET', 'log')).json.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  req.destroy();
  await gone;
  let log = [];
  for (let i = 0; i < 100; i++) {
    log = (await sim.control('GET', 'log')).json.filter((e) => e.path === `${V}/limits`);
    if (log.length === 1 && log[0].aborted) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(log.length, 1);
  assert.equal(log[0].aborted, true);
  assert.equal(log[0].status, 0);
  // A delayed request that waits for its answer is not aborted.
  assert.equal((await sim.fetch('GET', `${V}/limits`)).status, 200);
  log = (await sim.control('GET', 'log')).json.filter((e) => e.path === `${V}/limits`);
  assert.equal(log.length, 2);
  assert.equal(log[1].aborted, undefined);
  assert.equal(log[1].status, 200);
});

test('DML errors', async () => {
  const post = (body) => sim.fetch('POST', `${V}/sobjects/Opportunity`, { body });
  let r = await post({ Name: 'x', StageName: 'Prospecting', CloseDate: '2030-01-01', IsWon: true });
  assert.equal(r.status, 400);
  assert.equal(r.json[0].errorCode, 'INVALID_FIELD_FOR_INSERT_UPDATE');
  assert.deepEqual(r.json[0].fields, ['IsWon']);
  r = await post({ Name: 'x', CloseDate: '2030-01-01' });
  assert.equal(r.json[0].errorCode, 'REQUIRED_FIELD_MISSING');
  assert.deepEqual(r.json[0].fields, ['StageName']);
  r = await post({ Name: 'x', StageName: 'Maybe', CloseDate: '2030-01-01' });
  assert.equal(r.json[0].errorCode, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
  r = await post({ Name: 'x', StageName: 'Prospecting', CloseDate: '2030-01-01', Amount: -1 });
  assert.equal(r.json[0].errorCode, 'FIELD_CUSTOM_VALIDATION_EXCEPTION');
  assert.deepEqual(r.json[0].fields, ['Amount']);
  r = await post({ Name: 'x', StageName: 'Prospecting', CloseDate: '2030-01-01', Secret_Margin__c: 5 });
  assert.equal(r.json[0].errorCode, 'INVALID_FIELD');
  const ok = await post({ Name: 'fine', StageName: 'Commit', CloseDate: '2030-01-01', Amount: 1000 });
  assert.equal(ok.status, 201);
  assert.deepEqual(Object.keys(ok.json), ['id', 'success', 'errors']);
  const p = await sim.fetch('PATCH', `${V}/sobjects/Opportunity/${ok.json.id}`, { body: { Amount: 2000 } });
  assert.equal(p.status, 204);
  assert.equal(p.body, '');
  const g = (await sim.fetch('GET', `${V}/sobjects/Opportunity/${ok.json.id.slice(0, 15)}`)).json;
  assert.equal(g.ForecastCategoryName, 'Commit');
  assert.equal(g.ExpectedRevenue, 1900);
  assert.equal((await sim.fetch('GET', `${V}/sobjects/Opportunity/006000000000000AAA`)).status, 404);
  assert.deepEqual((await sim.fetch('GET', `${V}/sobjects/Nope/006000000000000AAA`)).json, [{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }]);
});

test('composite allOrNone rolls back and halts the others', async () => {
  const id = (await sim.query("SELECT Id FROM Opportunity WHERE StageName = 'Prospecting' LIMIT 1")).json.records[0].Id;
  const before = (await sim.control('GET', 'records/Cleanup_Audit__c')).json.length;
  const r = await sim.fetch('POST', `${V}/composite`, {
    body: {
      allOrNone: true,
      compositeRequest: [
        { method: 'POST', url: `${V}/sobjects/Cleanup_Audit__c`, referenceId: 'audit', body: { Object_Name__c: 'Opportunity', Record_Id__c: id, Field_Name__c: 'StageName', New_Value__c: 'Qualification' } },
        { method: 'PATCH', url: `${V}/sobjects/Opportunity/${id}`, referenceId: 'opp1', body: { StageName: 'Qualification' } },
        { method: 'PATCH', url: `${V}/sobjects/Opportunity/${id}`, referenceId: 'opp2', body: { XName: 'bad' } },
        { method: 'GET', url: `${V}/sobjects/Opportunity/${id}`, referenceId: 'never' },
      ],
    },
  });
  assert.equal(r.status, 200);
  const cr = r.json.compositeResponse;
  assert.deepEqual(cr.map((x) => x.httpStatusCode), [400, 400, 400, 400]);
  const halted = [{ errorCode: 'PROCESSING_HALTED', message: 'The transaction was rolled back since another operation in the same transaction failed.' }];
  assert.deepEqual(cr[0].body, halted);
  assert.deepEqual(cr[1].body, halted);
  assert.equal(cr[2].body[0].errorCode, 'INVALID_FIELD');
  assert.deepEqual(cr[3].body, halted);
  assert.equal((await sim.control('GET', 'records/Cleanup_Audit__c')).json.length, before, 'audit insert rolled back');
  const opp = (await sim.fetch('GET', `${V}/sobjects/Opportunity/${id}?fields=StageName`)).json;
  assert.equal(opp.StageName, 'Prospecting', 'update rolled back');

  // The same without the bad subrequest commits both, and references resolve.
  const good = await sim.fetch('POST', `${V}/composite`, {
    body: {
      allOrNone: true,
      compositeRequest: [
        { method: 'POST', url: `${V}/sobjects/Cleanup_Audit__c`, referenceId: 'audit', body: { Object_Name__c: 'Opportunity', Record_Id__c: id } },
        { method: 'GET', url: `${V}/query?q=SELECT+Id,Name+FROM+Cleanup_Audit__c+WHERE+Id='@{audit.id}'`, referenceId: 'q' },
        { method: 'PATCH', url: `${V}/sobjects/Cleanup_Audit__c/@{q.records[0].Id}`, referenceId: 'upd', body: { Failed__c: true } },
      ],
    },
  });
  assert.deepEqual(good.json.compositeResponse.map((x) => x.httpStatusCode), [201, 200, 204]);
  const rows = (await sim.control('GET', 'records/Cleanup_Audit__c')).json;
  assert.equal(rows.length, before + 1);
  assert.equal(rows.at(-1).Failed__c, true);
  // Forbidden subrequest headers and more than 25 subrequests: top-level 400.
  const hdr = await sim.fetch('POST', `${V}/composite`, { body: { compositeRequest: [{ method: 'GET', url: `${V}/limits`, referenceId: 'a', httpHeaders: { Authorization: 'Bearer x' } }] } });
  assert.equal(hdr.status, 400);
  const many = Array.from({ length: 26 }, (_, i) => ({ method: 'GET', url: `${V}/limits`, referenceId: 'r' + i }));
  assert.equal((await sim.fetch('POST', `${V}/composite`, { body: { compositeRequest: many } })).status, 400);
});

test('ContentNote and ContentDocumentLink', async () => {
  const opp = (await sim.query('SELECT Id FROM Opportunity LIMIT 1')).json.records[0].Id;
  const bad = await sim.fetch('POST', `${V}/sobjects/ContentNote`, { body: { Title: 't', Content: 'not base64!!' } });
  assert.equal(bad.status, 400);
  const note = await sim.fetch('POST', `${V}/sobjects/ContentNote`, { body: { Title: 'Call', Content: Buffer.from('<p>Hello &amp; welcome</p>').toString('base64') } });
  assert.equal(note.status, 201);
  assert.match(note.json.id, /^069/);
  const link = await sim.fetch('POST', `${V}/sobjects/ContentDocumentLink`, { body: { ContentDocumentId: note.json.id, LinkedEntityId: opp, ShareType: 'V', Visibility: 'AllUsers' } });
  assert.equal(link.status, 201, link.body);
  assert.match(link.json.id, /^06A/);
  const q = await sim.query(`SELECT Id, ContentDocumentId, ContentDocument.Title FROM ContentDocumentLink WHERE LinkedEntityId = '${opp}'`);
  assert.equal(q.json.totalSize, 1);
  assert.equal(q.json.records[0].ContentDocument.Title, 'Call');
  const badShare = await sim.fetch('POST', `${V}/sobjects/ContentDocumentLink`, { body: { ContentDocumentId: note.json.id, LinkedEntityId: opp, ShareType: 'X' } });
  assert.equal(badShare.status, 400);
});

test('reset restores the seeded data and counters', async () => {
  const before = (await sim.query('SELECT COUNT() FROM Opportunity')).json.totalSize;
  await sim.fetch('POST', `${V}/sobjects/Opportunity`, { body: { Name: 'tmp', StageName: 'Prospecting', CloseDate: '2030-01-01' } });
  await sim.control('POST', 'reset');
  assert.equal((await sim.control('GET', 'state')).json.api_calls, 0);
  const after = (await sim.query('SELECT COUNT() FROM Opportunity')).json.totalSize;
  assert.equal(after, 600);
  assert.ok(before >= 600);
  const log = (await sim.control('GET', 'log')).json;
  const last = log.at(-1);
  assert.equal(last.soql, 'SELECT COUNT() FROM Opportunity');
  assert.equal(last.auth, 'bearer');
  assert.equal(last.api_calls, 1);
});

test('stdin EOF stops the simulator with status 0', async () => {
  const other = await (await import('./helpers.mjs')).startSim(['--opportunities', '50']);
  const res = await other.stop();
  assert.deepEqual(res, { code: 0, signal: null });
});
