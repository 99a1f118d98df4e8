// The read path end to end: the official MCP SDK client spawns
// sfrevops-mcp as a desktop client would, against the Salesforce
// simulator over TLS, and checks every read tool, the SOQL guard, paging
// with the cursor, dry runs, token renewal, backoff, and that the token
// never shows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSim, simEnv, connectSdk, descendants, alive, waitFor, dataCalls, queries, textOf } from './lib.mjs';

let sim;
const opened = [];

before(async () => { sim = await startSim(); });
after(async () => {
  for (const c of opened) await c.close().catch(() => {});
  if (sim) await sim.stop();
});

/** A connected SDK client; stderr is collected. */
const connect = (extraEnv = {}) => connectSdk(simEnv(sim, extraEnv), opened);

const simLog = () => sim.log();
const clearLog = () => sim.clearLog();
const records = (object) => sim.records(object);

test('the SDK client sees the read tools, pings, and every process exits on close', async () => {
  const c = await connect();
  const { tools } = await c.client.listTools();
  const names = tools.map((t) => t.name).sort();
  for (const n of ['get_account', 'get_contact', 'get_lead', 'get_opportunity', 'query'])
    assert.ok(names.includes(n), 'lists ' + n);
  for (const t of tools) {
    assert.match(t.name, /^[a-zA-Z0-9_-]{1,64}$/);
    assert.equal(t.inputSchema.additionalProperties, false);
    assert.equal(typeof t.outputSchema, 'object');
  }
  await c.client.ping();
  const pid = c.transport.pid;
  const kids = descendants(pid);
  assert.equal(kids.length, 3, 'three children: ' + JSON.stringify(kids));
  await c.client.close();
  assert.ok(await waitFor(() => !alive(pid) && kids.every((k) => !alive(k.pid)), 3000), 'all exited');
});

test('get_* read one record each, with the owner on opportunities', async () => {
  const c = await connect();
  const opp = (await records('Opportunity')).find((o) => o.OwnerId && o.AccountId);
  const users = await records('User');
  const owner = users.find((u) => u.Id === opp.OwnerId);
  const r = await c.client.callTool({ name: 'get_opportunity', arguments: { opp_id: opp.Id } });
  assert.equal(r.isError, false, textOf(r));
  const rec = r.structuredContent.record;
  assert.equal(rec.Id, opp.Id);
  assert.equal(rec.Name, opp.Name);
  assert.equal(rec.StageName, opp.StageName);
  assert.equal(rec.Amount, opp.Amount);
  assert.equal(rec['Owner.Name'], owner.Name);
  assert.equal(rec['Owner.Email'], owner.Email);
  assert.match(textOf(r), new RegExp('Owner.Email: ' + owner.Email.replace(/[.]/g, '\\.')));

  // A 15-character ID works and comes back as the 18-character one.
  const acct = (await records('Account'))[3];
  const a = await c.client.callTool({ name: 'get_account', arguments: { account_id: acct.Id.slice(0, 15) } });
  assert.equal(a.isError, false, textOf(a));
  assert.equal(a.structuredContent.id, acct.Id);
  assert.equal(a.structuredContent.record.Name, acct.Name);

  const contact = (await records('Contact'))[0];
  const ct = await c.client.callTool({ name: 'get_contact', arguments: { contact_id: contact.Id, fields: ['Id', 'LastName', 'Account.Name'] } });
  assert.equal(ct.isError, false, textOf(ct));
  assert.deepEqual(Object.keys(ct.structuredContent.record), ['Id', 'LastName', 'Account.Name']);
  assert.equal(ct.structuredContent.record.LastName, contact.LastName);

  // The same object again, now from the broker's describe cache (a
  // cached describe once left the response to free uninitialised), and
  // after a tool that asks for describe itself.
  for (const name of ['get_opportunity', 'pipeline_by_stage', 'get_opportunity']) {
    const again = await c.client.callTool({ name, arguments: name === 'get_opportunity' ? { opp_id: opp.Id } : {} });
    assert.equal(again.isError, false, textOf(again));
  }

  const lead = (await records('Lead'))[0];
  const l = await c.client.callTool({ name: 'get_lead', arguments: { lead_id: lead.Id } });
  assert.equal(l.isError, false, textOf(l));
  assert.equal(l.structuredContent.record.Company, lead.Company);
});

test('bad IDs are refused before any request; NOT_FOUND is a clear tool error', async () => {
  const c = await connect();
  const acct = (await records('Account'))[0];
  await clearLog();
  // Suffix 555 says every letter of the first 15 is upper case, which
  // the digits in 001... cannot be: a broken checksum.  (Another valid
  // suffix would name another record, case-insensitively.)
  const wrongSum = acct.Id.slice(0, 15) + '555';
  let r = await c.client.callTool({ name: 'get_account', arguments: { account_id: wrongSum } });
  assert.equal(r.isError, true);
  assert.match(textOf(r), /checksum/i);
  r = await c.client.callTool({ name: 'get_opportunity', arguments: { opp_id: acct.Id } });
  assert.equal(r.isError, true);
  assert.match(textOf(r), /006/);
  r = await c.client.callTool({ name: 'get_account', arguments: { account_id: "001' OR Name != '" } });
  assert.equal(r.isError, true);
  assert.match(textOf(r), /argument 'account_id'/);
  assert.equal(dataCalls(await simLog()).length, 0, 'nothing was sent');

  // Well-formed, but no such record.
  const missing = '001gK000009zzzz';
  r = await c.client.callTool({ name: 'get_account', arguments: { account_id: missing } });
  assert.equal(r.isError, true);
  assert.match(textOf(r), /no Account with ID 001gK000009zzzz/);

  r = await c.client.callTool({ name: 'get_account', arguments: { account_id: acct.Id, fields: ['Name', 'No_Such_Field__c'] } });
  assert.equal(r.isError, true);
  assert.match(textOf(r), /No_Such_Field__c/);
});

test('query: LIMIT 200 and the FLS clause are added, DML is refused before any request', async () => {
  const c = await connect();
  await clearLog();
  let r = await c.client.callTool({ name: 'query', arguments: { soql: "SELECT Id, Name, StageName FROM Opportunity WHERE IsClosed = false ORDER BY Name" } });
  assert.equal(r.isError, false, textOf(r));
  assert.deepEqual(r.structuredContent.columns, ['Id', 'Name', 'StageName']);
  assert.ok(r.structuredContent.rows.length > 0 && r.structuredContent.rows.length <= 200);
  const sent = queries(await simLog());
  assert.equal(sent.length, 1);
  assert.equal(sent[0].soql, 'SELECT Id, Name, StageName FROM Opportunity WHERE IsClosed = false WITH SECURITY_ENFORCED ORDER BY Name LIMIT 200');
  assert.equal(sent[0].gzip, true, 'the broker asked for gzip, and read the compressed answer');

  await clearLog();
  for (const bad of [
    'DELETE FROM Opportunity',
    "SELECT Id FROM Account; DELETE FROM Account",
    'SELECT Id FROM Account FOR UPDATE',
    'SELECT Id FROM Account -- comment',
    'UPDATE Opportunity SET StageName = \'Closed Won\'',
  ]) {
    r = await c.client.callTool({ name: 'query', arguments: { soql: bad } });
    assert.equal(r.isError, true, bad);
    assert.match(textOf(r), /query refused/, bad);
  }
  r = await c.client.callTool({ name: 'query', arguments: { soql: 'SELECT Id FROM Account', bypass_sharing: true } });
  assert.equal(r.isError, true);
  assert.match(textOf(r), /bypass_sharing=true is refused/);
  assert.equal(dataCalls(await simLog()).length, 0, 'nothing was sent for refused queries');
});

test('SFDC_FLS_MODE chooses the clause: user_mode adds WITH USER_MODE, none adds nothing', async () => {
  for (const [mode, want] of [['user_mode', 'SELECT Id FROM Lead WITH USER_MODE LIMIT 200'], ['none', 'SELECT Id FROM Lead LIMIT 200']]) {
    const c = await connect({ SFDC_FLS_MODE: mode });
    await clearLog();
    const r = await c.client.callTool({ name: 'query', arguments: { soql: 'SELECT Id FROM Lead' } });
    assert.equal(r.isError, false, textOf(r));
    assert.equal(r.structuredContent.soql, want);
    assert.equal(queries(await simLog())[0].soql, want, mode);
    await c.client.close();
  }
});

test('query: a hidden field is an error, not silent data; aggregates work', async () => {
  const c = await connect();
  let r = await c.client.callTool({ name: 'query', arguments: { soql: 'SELECT Id, Secret_Margin__c FROM Opportunity' } });
  assert.equal(r.isError, true);
  assert.match(textOf(r), /Secret_Margin__c|INSUFFICIENT_ACCESS|inaccessible/);
  r = await c.client.callTool({ name: 'query', arguments: { soql: 'SELECT StageName, COUNT(Id) n, SUM(Amount) total FROM Opportunity WHERE IsClosed = false GROUP BY StageName' } });
  assert.equal(r.isError, false, textOf(r));
  assert.deepEqual(r.structuredContent.columns, ['StageName', 'n', 'total']);
  const opps = (await records('Opportunity')).filter((o) => !o.IsClosed);
  const n = r.structuredContent.rows.reduce((s, row) => s + row[1], 0);
  assert.equal(n, opps.length, 'the counts add up to the open opportunities');
});

test('query: more than 200 rows come back 200 at a time through the cursor', async () => {
  const c = await connect();
  const all = await records('Opportunity');
  assert.ok(all.length >= 450, 'the simulator has enough opportunities');
  await clearLog();
  let r = await c.client.callTool({ name: 'query', arguments: { soql: 'SELECT Id, Name FROM Opportunity ORDER BY Id LIMIT 450' } });
  assert.equal(r.isError, false, textOf(r));
  const seen = r.structuredContent.rows.map((row) => row[0]);
  assert.equal(seen.length, 200);
  assert.equal(r.structuredContent.total_size, 450);
  assert.equal(r.structuredContent.done, false);
  let cursor = r.structuredContent.cursor;
  assert.match(cursor, /^c_[0-9a-f]{32}$/);
  assert.match(textOf(r), /call query with cursor/);
  while (cursor) {
    r = await c.client.callTool({ name: 'query', arguments: { cursor } });
    assert.equal(r.isError, false, textOf(r));
    for (const row of r.structuredContent.rows) seen.push(row[0]);
    assert.ok(r.structuredContent.rows.length <= 200);
    cursor = r.structuredContent.cursor;
  }
  assert.equal(seen.length, 450);
  assert.equal(new Set(seen).size, 450, 'no row twice');
  const want = all.map((o) => o.Id).sort().slice(0, 450);
  assert.deepEqual(seen, want);
  // The cursor is spent, and a made-up one is refused clearly.
  r = await c.client.callTool({ name: 'query', arguments: { cursor: 'c_' + '0'.repeat(32) } });
  assert.equal(r.isError, true);
  assert.match(textOf(r), /cursor is unknown or has expired/);
});

test('dry_run returns the exact request and sends nothing', async () => {
  const c = await connect();
  const opp = (await records('Opportunity'))[0];
  await clearLog();
  let r = await c.client.callTool({ name: 'query', arguments: { soql: 'SELECT Id FROM Lead', dry_run: true } });
  assert.equal(r.isError, false, textOf(r));
  assert.equal(r.structuredContent.dry_run, true);
  assert.equal(r.structuredContent.request.method, 'GET');
  assert.equal(r.structuredContent.request.soql, 'SELECT Id FROM Lead WITH SECURITY_ENFORCED LIMIT 200');
  assert.match(r.structuredContent.request.path, /^\/services\/data\/v\d+\.\d\/query\?q=SELECT%20Id%20FROM%20Lead/);
  r = await c.client.callTool({ name: 'get_opportunity', arguments: { opp_id: opp.Id, dry_run: true } });
  assert.equal(r.isError, false, textOf(r));
  assert.match(r.structuredContent.request.soql, new RegExp(`WHERE Id = '${opp.Id}'`));
  assert.equal(dataCalls(await simLog()).length, 0, 'dry runs send nothing');
});

test('compact output: columns and rows, no larger than CSV of the same rows, far below JSON', async () => {
  const c = await connect();
  const soql = 'SELECT Id, Name, StageName, Amount, CloseDate, Probability, ForecastCategoryName, Owner.Name, Account.Name, LastActivityDate FROM Opportunity LIMIT 200';
  const r = await c.client.callTool({ name: 'query', arguments: { soql } });
  assert.equal(r.isError, false, textOf(r));
  const { columns, rows } = r.structuredContent;
  assert.equal(rows.length, 200);
  assert.equal(columns.length, 10);
  const text = textOf(r);
  assert.doesNotMatch(text, /attributes/);
  // The same rows straight from Salesforce (the simulator), as other
  // servers hand them to the model: pretty JSON with attributes.
  const raw = await (await import('./lib.mjs')).simFetch(sim, 'GET',
    `/services/data/v60.0/query?q=${encodeURIComponent(soql)}`, undefined, { Authorization: 'Bearer ' + sim.access_token });
  assert.equal(raw.status, 200, raw.body);
  const pretty = JSON.stringify(raw.json, null, 2).length;
  const csvCell = (v) => (v === null ? '' : /[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
  const csv = [columns.join(','), ...rows.map((row) => row.map(csvCell).join(','))].join('\n').length;
  const heading = text.indexOf('\n') + 1;
  assert.ok(text.length - heading <= csv, `table ${text.length - heading} chars, CSV ${csv}`);
  assert.ok(text.length * 5 < pretty, `text ${text.length} chars, pretty JSON ${pretty}`);
});

test('an expired token is renewed once through the refresh flow and the request repeated', async () => {
  const c = await connect({ SFDC_CLIENT_ID: sim.client_id, SFDC_CLIENT_SECRET: sim.client_secret, SFDC_REFRESH_TOKEN: sim.refresh_token });
  let r = await c.client.callTool({ name: 'query', arguments: { soql: 'SELECT Id FROM Account LIMIT 1' } });
  assert.equal(r.isError, false, textOf(r));
  assert.equal((await sim.control('POST', 'expire-tokens', {})).status < 300, true);
  await clearLog();
  r = await c.client.callTool({ name: 'query', arguments: { soql: 'SELECT Id FROM Contact LIMIT 1' } });
  assert.equal(r.isError, false, textOf(r));
  const log = await simLog();
  const grants = log.filter((e) => e.path === '/services/oauth2/token');
  assert.equal(grants.length, 1, 'exactly one refresh');
  assert.equal(grants[0].grant_type, 'refresh_token');
  const q = queries(log);
  assert.equal(q.length, 2, 'the query, refused, then repeated once');
  assert.equal(q[0].status, 401);
  assert.equal(q[1].status, 200);
  for (const s of [c.stderr, JSON.stringify(r)]) {
    assert.ok(!s.includes(sim.refresh_token), 'no refresh token');
    assert.ok(!s.includes(sim.client_secret), 'no client secret');
  }
});

test('an expired refresh token is reported clearly, with what to do', async () => {
  const c = await connect({ SFDC_CLIENT_ID: sim.client_id, SFDC_CLIENT_SECRET: sim.client_secret, SFDC_REFRESH_TOKEN: sim.refresh_token });
  await sim.control('POST', 'revoke-refresh', {});
  await sim.control('POST', 'expire-tokens', {});
  const r = await c.client.callTool({ name: 'query', arguments: { soql: 'SELECT Id FROM Account LIMIT 1' } });
  assert.equal(r.isError, true);
  assert.match(textOf(r), /invalid_grant/);
  assert.match(textOf(r), /SFDC_REFRESH_TOKEN/);
  await sim.control('POST', 'reset', {});
});

test('a static token that expires fails loudly and says what to do', async () => {
  const c = await connect();
  await sim.control('POST', 'expire-tokens', {});
  const r = await c.client.callTool({ name: 'get_account', arguments: { account_id: (await records('Account'))[0].Id } });
  assert.equal(r.isError, true);
  assert.match(textOf(r), /SFDC_ACCESS_TOKEN/);
  await sim.control('POST', 'reset', {});
});

test('a burst of 503s is healed by backoff; REQUEST_LIMIT_EXCEEDED is not retried', async () => {
  const c = await connect();
  await clearLog();
  await sim.control('POST', 'faults', { match: { path_prefix: '/services/data/' }, count: 2, action: { status: 503, body: '<html>maintenance</html>', content_type: 'text/html' } });
  let r = await c.client.callTool({ name: 'query', arguments: { soql: 'SELECT Id FROM Lead LIMIT 3' } });
  assert.equal(r.isError, false, textOf(r));
  let q = queries(await simLog());
  assert.deepEqual(q.map((e) => e.status), [503, 503, 200]);

  await clearLog();
  // The org's daily allocation used up: the simulator answers 403 with
  // its Sforce-Limit-Info, as Salesforce does.
  const state = (await sim.control('GET', 'state')).json;
  await sim.control('POST', 'state', { api_calls: state.api_limit });
  r = await c.client.callTool({ name: 'query', arguments: { soql: 'SELECT Id FROM Lead LIMIT 3' } });
  assert.equal(r.isError, true);
  assert.match(textOf(r), /REQUEST_LIMIT_EXCEEDED/);
  assert.match(textOf(r), /API usage is \d+\/\d+/);
  q = queries(await simLog());
  assert.equal(q.length, 1, 'not retried');
  await sim.control('POST', 'reset', {});
});

test('the access token never appears in logs or results', async () => {
  const c = await connect({ SFDC_LOG_LEVEL: 'debug' });
  const acct = (await records('Account'))[0];
  const results = [];
  results.push(await c.client.callTool({ name: 'get_account', arguments: { account_id: acct.Id } }));
  results.push(await c.client.callTool({ name: 'query', arguments: { soql: 'SELECT Id FROM Nope__c' } }));
  await sim.control('POST', 'expire-tokens', {});
  results.push(await c.client.callTool({ name: 'query', arguments: { soql: 'SELECT Id FROM Account LIMIT 1' } }));
  await sim.control('POST', 'reset', {});
  await c.client.close();
  const all = c.stderr + JSON.stringify(results);
  assert.ok(c.stderr.length > 0, 'there are logs to look at');
  // Structured logs: one JSON object per line, one per tool call with
  // its name, a keyed hash of the arguments, the status and duration.
  const lines = c.stderr.trim().split('\n').map((l) => JSON.parse(l));
  const calls = lines.filter((l) => l.msg === 'tool call');
  assert.deepEqual(calls.map((l) => [l.tool, l.status]), [['get_account', 'ok'], ['query', 'error'], ['query', 'error']]);
  for (const l of calls) {
    assert.match(l.args_hash, /^[0-9a-f]{32}$/);
    assert.equal(typeof l.ms, 'number');
    assert.equal(l.proc, 'front');
  }
  assert.notEqual(calls[1].args_hash, calls[2].args_hash);
  assert.ok(!all.includes(sim.access_token), 'the token is nowhere');
  const secretPart = sim.access_token.split('!')[1];
  assert.ok(!all.includes(secretPart), 'not even its secret half');
});
