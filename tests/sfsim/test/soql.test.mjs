// SOQL over raw HTTPS: result shapes, Salesforce's rules and error bodies.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSim, addDays } from './helpers.mjs';

const TODAY = '2025-05-14'; // a Wednesday in Q2
let sim;
before(async () => { sim = await startSim(['--today', TODAY, '--opportunities', '800']); });
after(async () => { await sim.stop(); });

const ok = async (soql) => {
  const r = await sim.query(soql);
  assert.equal(r.status, 200, `${soql}: ${r.body}`);
  return r.json;
};
const fails = async (soql, status, code) => {
  const r = await sim.query(soql);
  assert.equal(r.status, status, `${soql}: ${r.body}`);
  assert.ok(Array.isArray(r.json) && r.json.length === 1, 'error body is a one-element array');
  assert.equal(r.json[0].errorCode, code);
  return r.json[0].message;
};

test('INVALID_FIELD has the caret block and the exact text', async () => {
  const msg = await fails('SELECT Bacon__c FROM Account LIMIT 2', 400, 'INVALID_FIELD');
  assert.equal(msg, "\nSELECT Bacon__c FROM Account LIMIT 2\n       ^\nERROR at Row:1:Column:8\nNo such column 'Bacon__c' on entity 'Account'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.");
});

test('INVALID_TYPE for an unknown object, MALFORMED_QUERY for junk', async () => {
  const msg = await fails('SELECT Id FROM Bogus', 400, 'INVALID_TYPE');
  assert.match(msg, /sObject type 'Bogus' is not supported/);
  assert.match(msg, /ERROR at Row:1:Column:16/);
  await fails('SELEKT Id FROM Account', 400, 'MALFORMED_QUERY');
  await fails("SELECT Id FROM Account WHERE Name = 'x' /* c */", 400, 'MALFORMED_QUERY');
});

test('WITH SECURITY_ENFORCED only in its grammar position', async () => {
  await ok("SELECT Id FROM Account WHERE Name != null WITH SECURITY_ENFORCED ORDER BY Name LIMIT 5");
  await ok('SELECT Id FROM Account WITH USER_MODE LIMIT 5');
  const msg = await fails('SELECT Id FROM Account LIMIT 5 WITH SECURITY_ENFORCED', 400, 'MALFORMED_QUERY');
  assert.match(msg, /ERROR at Row:1:Column:32/);
  await fails('SELECT Id FROM Account WITH SECURITY_ENFORCED WHERE Name != null', 400, 'MALFORMED_QUERY');
});

test('FOR UPDATE and LIMIT-with-aggregate are refused', async () => {
  await fails('SELECT Id FROM Account LIMIT 1 FOR UPDATE', 400, 'MALFORMED_QUERY');
  await fails('SELECT MAX(CreatedDate) FROM Account LIMIT 1', 400, 'MALFORMED_QUERY');
  await ok('SELECT StageName, MAX(CloseDate) FROM Opportunity GROUP BY StageName LIMIT 3');
});

test('field-level security: hidden fields', async () => {
  let msg = await fails('SELECT Id, Secret_Margin__c FROM Opportunity LIMIT 1', 400, 'INVALID_FIELD');
  assert.match(msg, /No such column 'Secret_Margin__c' on entity 'Opportunity'/);
  msg = await fails('SELECT Id, Secret_Margin__c FROM Opportunity WITH SECURITY_ENFORCED LIMIT 1', 400, 'INSUFFICIENT_ACCESS');
  assert.equal(msg, 'Insufficient permissions: secure query included inaccessible field');
  // SECURITY_ENFORCED checks SELECT only; USER_MODE checks every clause.
  await fails('SELECT Id FROM Lead WHERE Credit_Score__c > 5 WITH SECURITY_ENFORCED', 400, 'INVALID_FIELD');
  await fails('SELECT Id FROM Lead WHERE Credit_Score__c > 5 WITH USER_MODE', 400, 'INSUFFICIENT_ACCESS');
  await fails('SELECT Account.Internal_Rating__c FROM Opportunity WITH SECURITY_ENFORCED', 400, 'INSUFFICIENT_ACCESS');
  const acc = (await ok('SELECT Id FROM Account LIMIT 1')).records[0].Id;
  const full = await sim.fetch('GET', `/services/data/v60.0/sobjects/Account/${acc}`);
  assert.equal(full.status, 200);
  assert.ok('Name' in full.json && !('Internal_Rating__c' in full.json));
  const sel = await sim.fetch('GET', `/services/data/v60.0/sobjects/Account/${acc}?fields=Name,Internal_Rating__c`);
  assert.equal(sel.status, 400);
  const raw = (await sim.control('GET', 'records/Account')).json;
  assert.ok(raw.every((r) => typeof r.Internal_Rating__c === 'string'), 'the data has the hidden field');
});

test('record shape: attributes first, SELECT order, canonical casing, null lookup', async () => {
  const res = await ok("SELECT amount, ID, owner.name, account.name, closedate, lastStageChangeDate FROM Opportunity WHERE AccountId = null LIMIT 1");
  const r = res.records[0];
  assert.deepEqual(Object.keys(r), ['attributes', 'Amount', 'Id', 'Owner', 'Account', 'CloseDate', 'LastStageChangeDate']);
  assert.equal(r.attributes.url, `/services/data/v60.0/sobjects/Opportunity/${r.Id}`);
  assert.equal(r.Account, null);
  assert.deepEqual(Object.keys(r.Owner), ['attributes', 'Name']);
  assert.match(r.CloseDate, /^\d{4}-\d{2}-\d{2}$/);
  assert.match(r.LastStageChangeDate, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000\+0000$/);
  const two = await ok('SELECT Account.Name, Account.Owner.Name FROM Opportunity WHERE AccountId != null LIMIT 1');
  assert.deepEqual(Object.keys(two.records[0].Account), ['attributes', 'Name', 'Owner']);
  const child = await ok('SELECT Name, (SELECT LastName FROM Contacts) FROM Account LIMIT 2');
  assert.ok(child.records[0].Contacts.totalSize >= 2);
  assert.equal(child.records[0].Contacts.records[0].attributes.type, 'Contact');
});

test('semi-joins and anti-joins, with the activity restriction', async () => {
  const msg = await fails('SELECT Id FROM Account WHERE Id NOT IN (SELECT AccountId FROM Event)', 400, 'MALFORMED_QUERY');
  assert.match(msg, /Entity 'Event' is not supported for semi join inner selects$/);
  await fails('SELECT Id FROM Account WHERE Id IN (SELECT WhatId FROM Task)', 400, 'MALFORMED_QUERY');
  const semi = await ok("SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Opportunity WHERE StageName = 'Commit')");
  const anti = await ok("SELECT Id FROM Account WHERE Id NOT IN (SELECT AccountId FROM Opportunity WHERE StageName = 'Commit')");
  const all = await ok('SELECT COUNT() FROM Account');
  assert.ok(semi.totalSize > 0 && anti.totalSize > 0);
  assert.equal(semi.totalSize + anti.totalSize, all.totalSize);
  const commitAccounts = new Set((await ok("SELECT AccountId FROM Opportunity WHERE StageName = 'Commit'")).records.map((r) => r.AccountId));
  commitAccounts.delete(null);
  assert.equal(semi.totalSize, commitAccounts.size);
  // Event in the outer query is fine.
  await ok("SELECT Id FROM Event WHERE WhatId IN (SELECT Id FROM Opportunity WHERE IsClosed = false)");
});

test('aggregates: expr0 naming, aliases, HAVING, COUNT()', async () => {
  const res = await ok('SELECT StageName, COUNT(Id), SUM(Amount) total, MAX(CloseDate) FROM Opportunity GROUP BY StageName HAVING COUNT(Id) > 1 ORDER BY COUNT(Id) DESC');
  assert.equal(res.done, true);
  assert.equal(res.nextRecordsUrl, undefined);
  const r0 = res.records[0];
  assert.deepEqual(Object.keys(r0), ['attributes', 'StageName', 'expr0', 'total', 'expr1']);
  assert.deepEqual(r0.attributes, { type: 'AggregateResult' });
  for (let i = 1; i < res.records.length; i++) assert.ok(res.records[i - 1].expr0 >= res.records[i].expr0);
  const sum = res.records.reduce((s, r) => s + r.expr0, 0);
  const count = await ok('SELECT COUNT() FROM Opportunity');
  assert.deepEqual(count.records, []);
  assert.equal(count.totalSize, sum + 0, 'every stage has more than one opportunity, so HAVING dropped none');
  const grouped = await ok('SELECT Account.Name, COUNT(Id) n FROM Opportunity WHERE AccountId != null GROUP BY Account.Name LIMIT 1');
  assert.deepEqual(Object.keys(grouped.records[0]), ['attributes', 'Name', 'n']);
  await fails('SELECT Name, COUNT(Id) FROM Opportunity GROUP BY StageName', 400, 'MALFORMED_QUERY');
  const one = await ok("SELECT COUNT(Id), COUNT_DISTINCT(StageName), AVG(Amount), MIN(Amount) FROM Opportunity WHERE Name = 'nothing here'");
  assert.deepEqual(one.records, [{ attributes: { type: 'AggregateResult' }, expr0: 0, expr1: 0, expr2: null, expr3: null }]);
});

test('date literals: LAST_N_DAYS includes today, NEXT_N_DAYS excludes it', async () => {
  const acc = (await ok('SELECT Id FROM Account LIMIT 1')).records[0].Id;
  const mk = async (name, close) => {
    const r = await sim.fetch('POST', '/services/data/v60.0/sobjects/Opportunity', { body: { Name: name, StageName: 'Prospecting', CloseDate: close, AccountId: acc } });
    assert.equal(r.status, 201, r.body);
  };
  await mk('dl-yesterday', addDays(TODAY, -1));
  await mk('dl-today', TODAY);
  await mk('dl-tomorrow', addDays(TODAY, 1));
  await mk('dl-in2', addDays(TODAY, 2));
  const names = async (lit) => (await ok(`SELECT Name FROM Opportunity WHERE Name LIKE 'DL-%' AND CloseDate = ${lit} ORDER BY CloseDate`)).records.map((r) => r.Name);
  assert.deepEqual(await names('NEXT_N_DAYS:1'), ['dl-tomorrow']);
  assert.deepEqual(await names('LAST_N_DAYS:1'), ['dl-yesterday', 'dl-today']);
  assert.deepEqual(await names('TODAY'), ['dl-today']);
  assert.deepEqual(await names('TOMORROW'), ['dl-tomorrow']);
  assert.deepEqual(await names('N_DAYS_AGO:1'), ['dl-yesterday']);
  assert.deepEqual(await names('NEXT_N_DAYS:2'), ['dl-tomorrow', 'dl-in2']);
  assert.deepEqual(await names('THIS_WEEK'), ['dl-yesterday', 'dl-today', 'dl-tomorrow', 'dl-in2']);
  assert.deepEqual((await ok(`SELECT Name FROM Opportunity WHERE Name LIKE 'dl-%' AND CloseDate > TODAY ORDER BY Name`)).records.map((r) => r.Name), ['dl-in2', 'dl-tomorrow']);
  // THIS_QUARTER (calendar quarters) against a brute-force count.
  const raw = (await sim.control('GET', 'records/Opportunity')).json;
  const want = raw.filter((r) => r.CloseDate >= '2025-04-01' && r.CloseDate < '2025-07-01').length;
  assert.equal((await ok('SELECT COUNT() FROM Opportunity WHERE CloseDate = THIS_QUARTER')).totalSize, want);
  assert.equal((await ok('SELECT COUNT() FROM Opportunity WHERE CloseDate = THIS_FISCAL_QUARTER')).totalSize, want);
  // Datetime fields take datetime literals and date literals, not dates.
  await ok('SELECT Id FROM Opportunity WHERE LastStageChangeDate < 2025-05-01T00:00:00Z');
  await ok('SELECT Id FROM Opportunity WHERE LastStageChangeDate = LAST_N_DAYS:30');
  const msg = await fails('SELECT Id FROM Opportunity WHERE LastStageChangeDate < 2025-05-01', 400, 'INVALID_FIELD');
  assert.match(msg, /must be of type dateTime/);
  await fails('SELECT Id FROM Opportunity WHERE CloseDate < 2025-05-01T00:00:00Z', 400, 'INVALID_FIELD');
});

test('WHERE logic: AND/OR/NOT with parentheses, IN, LIKE', async () => {
  const raw = (await sim.control('GET', 'records/Opportunity')).json;
  const count = (f) => raw.filter(f).length;
  const n = async (w) => (await ok(`SELECT COUNT() FROM Opportunity WHERE ${w}`)).totalSize;
  assert.equal(await n("(StageName = 'Commit' OR StageName = 'Closed Won') AND Amount > 100000"),
    count((r) => (r.StageName === 'Commit' || r.StageName === 'Closed Won') && r.Amount > 100000));
  assert.equal(await n("StageName = 'Commit' OR StageName = 'Closed Won' AND Amount > 100000"),
    count((r) => r.StageName === 'Commit' || (r.StageName === 'Closed Won' && r.Amount > 100000)));
  assert.equal(await n("NOT StageName IN ('Commit', 'Closed Won')"), count((r) => !['Commit', 'Closed Won'].includes(r.StageName)));
  assert.equal(await n("StageName NOT IN ('commit')"), count((r) => r.StageName !== 'Commit'));
  assert.equal(await n("Name LIKE '%renewal%'"), count((r) => /renewal/i.test(r.Name)));
  assert.equal(await n('Amount = null'), count((r) => r.Amount === null));
});

test('ORDER BY with NULLS LAST and multiple keys; OFFSET limit', async () => {
  const res = await ok('SELECT Amount, Name FROM Opportunity ORDER BY Amount DESC NULLS LAST, Name ASC LIMIT 2000');
  const a = res.records.map((r) => r.Amount);
  for (let i = 1; i < a.length; i++) {
    if (a[i - 1] === null) assert.equal(a[i], null);
    else if (a[i] !== null) assert.ok(a[i - 1] >= a[i]);
  }
  await fails('SELECT Id FROM Opportunity LIMIT 10 OFFSET 2001', 400, 'NUMBER_OUTSIDE_VALID_RANGE');
  const page = await ok('SELECT Id FROM Opportunity ORDER BY Id LIMIT 5 OFFSET 10');
  const base = await ok('SELECT Id FROM Opportunity ORDER BY Id LIMIT 15');
  assert.deepEqual(page.records.map((r) => r.Id), base.records.slice(10).map((r) => r.Id));
});

test('queryAll and query/ forms, batchSize clamping', async () => {
  const r = await sim.fetch('GET', '/services/data/v60.0/query/?q=' + encodeURIComponent('SELECT Id FROM Opportunity'), { headers: { 'Sforce-Query-Options': 'batchSize=50' } });
  assert.equal(r.status, 200);
  assert.equal(r.json.records.length, 200, 'batchSize below 200 is raised to 200');
  const all = await sim.fetch('GET', '/services/data/v45.0/queryAll?q=' + encodeURIComponent('SELECT Id FROM Opportunity'), { headers: { 'Sforce-Query-Options': 'batchSize=300' } });
  assert.equal(all.json.records.length, 300);
  assert.match(all.json.nextRecordsUrl, /^\/services\/data\/v45\.0\/queryAll\/01g[0-9A-Za-z]{15}-300$/);
  const next = await sim.fetch('GET', all.json.nextRecordsUrl);
  assert.equal(next.status, 200);
  assert.equal(next.json.records.length, Math.min(2000, all.json.totalSize - 300));
});

test('FIELDS(ALL) and FIELDS(CUSTOM) need LIMIT 200 or less; FIELDS(STANDARD) none', async () => {
  for (const q of ['SELECT FIELDS(ALL) FROM Account', 'SELECT FIELDS(ALL) FROM Account LIMIT 201',
    'SELECT Id, FIELDS(CUSTOM) FROM Opportunity LIMIT 500']) {
    const msg = await fails(q, 400, 'MALFORMED_QUERY');
    assert.match(msg, /The SOQL FIELDS function is not supported with an unbounded set of fields in this API\./, q);
  }
  assert.equal((await ok('SELECT FIELDS(ALL) FROM Account LIMIT 200')).records.length, 200);
  assert.ok((await ok('SELECT FIELDS(CUSTOM) FROM Account LIMIT 3')).records.length === 3);
  const all = (await ok('SELECT COUNT() FROM Account')).totalSize;
  assert.equal((await ok('SELECT FIELDS(STANDARD) FROM Account')).totalSize, all, 'no LIMIT needed');
});

test('parent-to-child subqueries nested two levels are answered', async () => {
  const r = await ok('SELECT Name, (SELECT Name, (SELECT Subject FROM Events) FROM Opportunities) FROM Account LIMIT 20');
  const opps = r.records.flatMap((a) => (a.Opportunities ? a.Opportunities.records : []));
  assert.ok(opps.length > 0, 'some accounts have opportunities');
  assert.ok(opps.some((o) => o.Events && o.Events.records.length > 0 && typeof o.Events.records[0].Subject === 'string'),
    'the grandchild rows are nested under their opportunity');
});

test('an org that refuses WITH SECURITY_ENFORCED / USER_MODE: per test through POST options', async () => {
  const set = async (body) => {
    const r = await sim.control('POST', 'options', body);
    assert.equal(r.status, 200, r.body);
  };
  try {
    await set({ refuse_with: ['SECURITY_ENFORCED'] });
    const msg = await fails('SELECT Id FROM User WITH SECURITY_ENFORCED LIMIT 1', 400, 'MALFORMED_QUERY');
    assert.match(msg, /\^\nERROR at Row:1:Column:21\nunexpected token: 'WITH'/);
    await ok('SELECT Id FROM User WITH USER_MODE LIMIT 1');
    await ok('SELECT Id FROM User LIMIT 1');
    await set({ refuse_with: ['SECURITY_ENFORCED', 'USER_MODE'], refuse_with_code: 'INVALID_FIELD' });
    await fails('SELECT Id FROM User WITH USER_MODE LIMIT 1', 400, 'INVALID_FIELD');
    // Without a clause the hidden field is still INVALID_FIELD "No such column".
    const hidden = await fails('SELECT Id, Secret_Margin__c FROM Opportunity LIMIT 1', 400, 'INVALID_FIELD');
    assert.match(hidden, /No such column 'Secret_Margin__c'/);
    const bad = await sim.control('POST', 'options', { refuse_with: ['SYSTEM_MODE'] });
    assert.equal(bad.status, 400);
  } finally {
    await set({ refuse_with: [], refuse_with_code: 'MALFORMED_QUERY' });
  }
  await ok('SELECT Id FROM User WITH SECURITY_ENFORCED LIMIT 1');
});

test('--refuse-with refuses the clause for the whole run', async () => {
  const s2 = await startSim(['--opportunities', '20', '--refuse-with', 'SECURITY_ENFORCED,USER_MODE']);
  try {
    for (const c of ['SECURITY_ENFORCED', 'USER_MODE']) {
      const r = await s2.query(`SELECT Id FROM User WITH ${c} LIMIT 1`);
      assert.equal(r.status, 400, r.body);
      assert.equal(r.json[0].errorCode, 'MALFORMED_QUERY');
    }
    assert.equal((await s2.query('SELECT Id FROM User LIMIT 1')).status, 200);
  } finally { await s2.stop(); }
});

test('WITH SECURITY_ENFORCED refuses a polymorphic traversal in SELECT; USER_MODE and plain queries answer it', async () => {
  const msg = await fails('SELECT Id, What.Name FROM Event WITH SECURITY_ENFORCED LIMIT 5', 400, 'MALFORMED_QUERY');
  assert.match(msg, /polymorphic relationship 'What'/);
  await fails('SELECT Id, Who.Name FROM Task WITH SECURITY_ENFORCED LIMIT 5', 400, 'MALFORMED_QUERY');
  const plain = await ok('SELECT Id, What.Name FROM Event WHERE WhatId != null LIMIT 5');
  assert.ok(plain.records.length > 0 && plain.records.every((r) => typeof r.What.Name === 'string'));
  await ok('SELECT Id, What.Name FROM Event WITH USER_MODE LIMIT 5');
  // Owner is single-typed here and allowed either way; WHERE is not checked.
  await ok("SELECT Id, Owner.Name FROM Event WHERE What.Name != null WITH SECURITY_ENFORCED LIMIT 5");
});

test('TYPEOF: each polymorphic parent with the fields of its branch, ELSE for the rest', async () => {
  const r = await ok('SELECT Id, TYPEOF What WHEN Account THEN Name, Industry WHEN Opportunity THEN Amount, StageName END FROM Event WHERE WhatId != null LIMIT 200');
  const accts = r.records.filter((e) => e.What && e.What.attributes.type === 'Account');
  const opps = r.records.filter((e) => e.What && e.What.attributes.type === 'Opportunity');
  assert.ok(accts.length > 0 && opps.length > 0, 'events on both kinds of parent');
  for (const e of accts) assert.deepEqual(Object.keys(e.What), ['attributes', 'Name', 'Industry']);
  for (const e of opps) assert.deepEqual(Object.keys(e.What), ['attributes', 'Amount', 'StageName']);
  // The values are the parents' own.
  const byId = new Map((await ok('SELECT Id, Amount FROM Opportunity LIMIT 2000')).records.map((o) => [o.Id, o.Amount]));
  const ev = await ok(`SELECT WhatId, TYPEOF What WHEN Opportunity THEN Amount ELSE Name END FROM Event WHERE Id = '${opps[0].Id}'`);
  assert.equal(ev.records[0].What.Amount, byId.get(ev.records[0].WhatId));
  const el = await ok('SELECT Id, TYPEOF What WHEN Opportunity THEN Amount ELSE Name, Type END FROM Event WHERE WhatId != null LIMIT 200');
  const other = el.records.find((e) => e.What && e.What.attributes.type === 'Account');
  assert.deepEqual(Object.keys(other.What), ['attributes', 'Name', 'Type']);
  assert.equal(other.What.Type, 'Account');
  await fails('SELECT Id, TYPEOF What WHEN Lead THEN Name END FROM Event', 400, 'INVALID_FIELD');
  await fails('SELECT Id, TYPEOF Owner WHEN User THEN Name END FROM Event', 400, 'INVALID_FIELD');
  await fails('SELECT Id, TYPEOF What WHEN Opportunity THEN Amount ELSE Name END FROM Event WITH SECURITY_ENFORCED', 400, 'MALFORMED_QUERY');
  await ok('SELECT Id, TYPEOF What WHEN Opportunity THEN Amount END FROM Event WITH SECURITY_ENFORCED LIMIT 5');
});

test('parent-to-child levels: five from v58.0, two before; one more is refused before any lookup', async () => {
  const nest = (n) => (n === 1 ? 'SELECT Name FROM L1s' : `SELECT Name, (${nest(n - 1)}) FROM L${n}s`);
  const six = nest(6).replace(/FROM L6s$/, 'FROM Account');
  const r = await sim.query(six);
  assert.equal(r.status, 400, r.body);
  assert.equal(r.json[0].errorCode, 'MALFORMED_QUERY');
  assert.match(r.json[0].message, /more than 5 levels of parent-to-child relationships/);
  // Five levels pass the level check and fail on the made-up relationship.
  const five = await sim.query(nest(5).replace(/FROM L5s$/, 'FROM Account'));
  assert.equal(five.json[0].errorCode, 'INVALID_TYPE', five.body);
  const two = 'SELECT Name, (SELECT Name, (SELECT Subject FROM Events) FROM Opportunities) FROM Account LIMIT 2';
  const old = await sim.fetch('GET', `/services/data/v57.0/query?q=${encodeURIComponent(two)}`);
  assert.equal(old.status, 400, old.body);
  assert.match(old.json[0].message, /more than 2 levels/);
  const one = await sim.fetch('GET', `/services/data/v57.0/query?q=${encodeURIComponent('SELECT Name, (SELECT Name FROM Opportunities) FROM Account LIMIT 2')}`);
  assert.equal(one.status, 200, one.body);
  assert.equal((await sim.query(two)).status, 200);
});
