// The write path over raw HTTPS: conditional updates, composite ordering
// and limits, references to null, sObject Collections, faults on one
// subrequest, the org's audit object, rules and locks, ContentNote's HTML
// stripping, the request log's subrequests and the per-field change log.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSim, SFSIM } from './helpers.mjs';

let sim;
before(async () => { sim = await startSim(['--opportunities', '200', '--api-limit', '100000']); });
after(async () => { await sim.stop(); });

const V = '/services/data/v60.0';
const DEFAULT_ORG = {
  audit_object: true, audit_failed: true, audit_attempt_id: false, audit_error: false, readonly_field: false,
  validation_rules: [], field_overrides: {}, locked_ids: [], null_reference: 'error', precondition_error_code: 'PRECONDITION_FAILED',
  invalid_header_code: 'INVALID_HEADER_TYPE', collate_order: ['GET', 'PATCH', 'PUT', 'DELETE', 'POST'], note_keep_tags: null,
};
afterEach(async () => {
  const r = await sim.control('POST', 'org', DEFAULT_ORG);
  assert.equal(r.status, 200, r.body);
  await sim.control('DELETE', 'faults');
});

const openOpp = async (n = 0) => (await sim.query(`SELECT Id, NextStep, LastModifiedDate FROM Opportunity WHERE IsClosed = false ORDER BY Id LIMIT 1 OFFSET ${n}`)).json.records[0];
const record = async (obj, id) => (await sim.control('GET', `records/${obj}`)).json.find((r) => r.Id === id);
const httpDate = (ms) => new Date(ms).toUTCString();
const audits = async () => (await sim.control('GET', 'records/Cleanup_Audit__c')).json;
const composite = (body, v = V) => sim.fetch('POST', `${v}/composite`, { body });
const auditBody = (extra = {}) => ({
  Object_Name__c: 'Opportunity', Record_Id__c: '006', Field_Name__c: 'NextStep', Old_Value__c: null,
  New_Value__c: 'x', Justification__c: 'a test justification', Performed_By__c: 'sfsim test', ...extra,
});

test('If-Unmodified-Since on a PATCH: 412 after the date, one-second resolution, 400 when invalid', async () => {
  const o = await openOpp();
  const lm = Date.parse(o.LastModifiedDate);
  const patch = (h, v) => sim.fetch('PATCH', `${V}/sobjects/Opportunity/${o.Id}`, { body: { NextStep: v }, headers: { 'If-Unmodified-Since': h } });
  let r = await patch(httpDate(lm - 1000), 'stale');
  assert.equal(r.status, 412, r.body);
  assert.equal(r.json[0].errorCode, 'PRECONDITION_FAILED');
  assert.match(r.json[0].message, /modified/);
  assert.equal((await record('Opportunity', o.Id)).NextStep, o.NextStep, 'a 412 changes nothing');
  // The same second as LastModifiedDate (the header has no milliseconds).
  r = await patch(httpDate(Math.floor(lm / 1000) * 1000), 'same second');
  assert.equal(r.status, 204, r.body);
  assert.equal((await record('Opportunity', o.Id)).NextStep, 'same second');
  for (const bad of ['yesterday', '2026-11-30T10:00:00Z', 'Mon, 31 Nov 2026 10:00:00 GMT', 'Tue, 30 Nov 2026 10:00:00 GMT', 'Mon, 30 Nov 2026 24:00:00 GMT']) {
    r = await patch(bad, 'never');
    assert.equal(r.status, 400, bad);
    assert.equal(r.json[0].errorCode, 'INVALID_HEADER_TYPE');
  }
  await sim.control('POST', 'org', { invalid_header_code: 'MALFORMED_HEADER' });
  assert.equal((await patch('nope', 'never')).json[0].errorCode, 'MALFORMED_HEADER');
  await sim.control('POST', 'org', { precondition_error_code: 'CONDITION_NOT_MET' });
  assert.equal((await patch(httpDate(lm - 10000), 'never')).json[0].errorCode, 'CONDITION_NOT_MET');
  await sim.control('POST', 'org', { invalid_header_code: 'INVALID_HEADER_TYPE', precondition_error_code: 'PRECONDITION_FAILED' });
  // The boundary of the check: a valid date 1 s before LastModifiedDate's second.
  const fresh = Date.parse((await sim.fetch('GET', `${V}/sobjects/Opportunity/${o.Id}?fields=LastModifiedDate`)).json.LastModifiedDate);
  assert.equal((await patch(httpDate(Math.floor(fresh / 1000) * 1000 - 1000), 'x')).status, 412);
  assert.equal((await patch(httpDate(Math.floor(fresh / 1000) * 1000), 'y')).status, 204);
  // The design's example date is a valid HTTP-date (a Monday).
  assert.notEqual((await patch('Mon, 30 Nov 2026 10:00:00 GMT', 'z')).status, 400);
});

test('composite: a 412 on the PATCH rolls the audit row back (allOrNone)', async () => {
  const o = await openOpp(1);
  const n0 = (await audits()).length;
  const r = await composite({
    allOrNone: true, collateSubrequests: false, compositeRequest: [
      { method: 'POST', url: `${V}/sobjects/Cleanup_Audit__c`, referenceId: 'audit', body: auditBody({ Record_Id__c: o.Id }) },
      { method: 'PATCH', url: `${V}/sobjects/Opportunity/${o.Id}`, referenceId: 'change', body: { NextStep: 'late' }, httpHeaders: { 'If-Unmodified-Since': httpDate(Date.parse(o.LastModifiedDate) - 5000) } },
    ],
  });
  assert.equal(r.status, 200);
  const [a, c] = r.json.compositeResponse;
  assert.equal(c.httpStatusCode, 412);
  assert.equal(c.body[0].errorCode, 'PRECONDITION_FAILED');
  assert.equal(a.httpStatusCode, 400);
  assert.equal(a.body[0].errorCode, 'PROCESSING_HALTED');
  assert.equal((await audits()).length, n0, 'the audit row was rolled back');
  assert.equal((await record('Opportunity', o.Id)).NextStep, o.NextStep);
  // A header value that is not a string: the whole request is refused.
  const bad = await composite({ compositeRequest: [{ method: 'PATCH', url: `${V}/sobjects/Opportunity/${o.Id}`, referenceId: 'c', body: { NextStep: 'n' }, httpHeaders: { 'If-Unmodified-Since': 5 } }] });
  assert.equal(bad.status, 400);
});

test('collateSubrequests: false runs in order; true (the default from v49) runs unrelated ones GET, PATCH, .., POST; v48 defaults to false', async () => {
  const o = await openOpp(2);
  const subs = () => [
    { method: 'POST', url: `${V}/sobjects/Cleanup_Audit__c`, referenceId: 'audit', body: auditBody({ Record_Id__c: o.Id }) },
    { method: 'PATCH', url: `${V}/sobjects/Opportunity/${o.Id}`, referenceId: 'change', body: { NextStep: 'collated' } },
    { method: 'GET', url: `${V}/sobjects/Opportunity/${o.Id}?fields=NextStep`, referenceId: 'read' },
  ];
  await sim.control('DELETE', 'log');
  let r = await composite({ allOrNone: true, collateSubrequests: false, compositeRequest: subs() });
  assert.equal(r.status, 200);
  // In order: the GET sees the PATCH.
  assert.equal(r.json.compositeResponse[2].body.NextStep, 'collated');
  let log = (await sim.control('GET', 'log')).json.filter((e) => e.path.endsWith('/composite'));
  assert.equal(log.length, 1);
  assert.deepEqual(log[0].composite.order, ['audit', 'change', 'read']);
  assert.equal(log[0].composite.collateSubrequests, false);
  assert.equal(log[0].composite.allOrNone, true);
  assert.deepEqual(log[0].composite.subrequests.map((s) => [s.method, s.referenceId, s.status]), [['POST', 'audit', 201], ['PATCH', 'change', 204], ['GET', 'read', 200]]);
  assert.equal(log[0].composite.subrequests[1].body.NextStep, 'collated');

  await sim.fetch('PATCH', `${V}/sobjects/Opportunity/${o.Id}`, { body: { NextStep: 'before' } });
  await sim.control('DELETE', 'log');
  r = await composite({ allOrNone: true, compositeRequest: subs() });
  // Collated: the GET ran first and saw the old value; responses keep the request order.
  assert.deepEqual(r.json.compositeResponse.map((x) => x.referenceId), ['audit', 'change', 'read']);
  assert.equal(r.json.compositeResponse[2].body.NextStep, 'before');
  log = (await sim.control('GET', 'log')).json.filter((e) => e.path.endsWith('/composite'));
  assert.deepEqual(log[0].composite.order, ['read', 'change', 'audit']);
  assert.equal(log[0].composite.collateSubrequests, true);
  // The order is a guess, so it can be changed.
  await sim.control('POST', 'org', { collate_order: ['POST', 'GET', 'PATCH', 'PUT', 'DELETE'] });
  await sim.control('DELETE', 'log');
  await composite({ allOrNone: true, compositeRequest: subs() });
  log = (await sim.control('GET', 'log')).json.filter((e) => e.path.endsWith('/composite'));
  assert.deepEqual(log[0].composite.order, ['audit', 'read', 'change']);
  for (const bad of [['GET', 'POST'], ['GET', 'PATCH', 'PUT', 'DELETE', 'GET'], 'GET']) {
    assert.equal((await sim.control('POST', 'org', { collate_order: bad })).status, 400, JSON.stringify(bad));
  }
  await sim.control('POST', 'org', { collate_order: DEFAULT_ORG.collate_order });

  // A subrequest with httpHeaders, or one a reference ties to another, is not collated.
  const tied = [
    { method: 'POST', url: `${V}/sobjects/Cleanup_Audit__c`, referenceId: 'audit', body: auditBody({ Record_Id__c: o.Id }) },
    { method: 'GET', url: `${V}/sobjects/Cleanup_Audit__c/@{audit.id}`, referenceId: 'back' },
    { method: 'PATCH', url: `${V}/sobjects/Opportunity/${o.Id}`, referenceId: 'change', body: { NextStep: 'h' }, httpHeaders: { 'If-Unmodified-Since': httpDate(Date.now() + 86400000 * 400) } },
    { method: 'GET', url: `${V}/sobjects/Opportunity/${o.Id}?fields=NextStep`, referenceId: 'read' },
  ];
  await sim.control('DELETE', 'log');
  r = await composite({ allOrNone: true, collateSubrequests: true, compositeRequest: tied });
  assert.ok(r.json.compositeResponse.every((x) => x.httpStatusCode < 300), r.body);
  log = (await sim.control('GET', 'log')).json.filter((e) => e.path.endsWith('/composite'));
  assert.deepEqual(log[0].composite.order, ['read', 'audit', 'back', 'change']);

  await sim.control('DELETE', 'log');
  const v48 = '/services/data/v48.0';
  r = await composite({ allOrNone: true, compositeRequest: subs().map((s) => ({ ...s, url: s.url.replace(V, v48) })) }, v48);
  assert.equal(r.status, 200, r.body);
  log = (await sim.control('GET', 'log')).json.filter((e) => e.path.endsWith('/composite'));
  assert.equal(log[0].composite.collateSubrequests, false);
  assert.deepEqual(log[0].composite.order, ['audit', 'change', 'read']);

  assert.equal((await composite({ collateSubrequests: 'no', compositeRequest: subs() })).status, 400);
  assert.equal((await composite({ allOrNone: 1, compositeRequest: subs() })).status, 400);
});

test('composite: at most 5 query or sObject Collections subrequests (6 is 400); 25 subrequests in all', async () => {
  const q = (i) => ({ method: 'GET', url: `${V}/query?q=${encodeURIComponent('SELECT Id FROM Account LIMIT 1')}`, referenceId: `q${i}` });
  const five = [q(0), q(1), q(2), { method: 'GET', url: `${V}/queryAll?q=${encodeURIComponent('SELECT Id FROM Account LIMIT 1')}`, referenceId: 'qa' },
    { method: 'POST', url: `${V}/composite/sobjects`, referenceId: 'coll', body: { allOrNone: false, records: [] } }];
  let r = await composite({ compositeRequest: five });
  assert.equal(r.status, 200, r.body);
  r = await composite({ compositeRequest: [...five, q(9)] });
  assert.equal(r.status, 400);
  assert.equal(r.json[0].errorCode, 'INVALID_API_INPUT');
  assert.match(r.json[0].message, /6 query or sObject Collections subrequests; the maximum is 5/);
  const gets = (n) => Array.from({ length: n }, (_, i) => ({ method: 'GET', url: `${V}/limits`, referenceId: `g${i}` }));
  assert.equal((await composite({ compositeRequest: gets(25) })).status, 200);
  assert.equal((await composite({ compositeRequest: gets(26) })).status, 400);
});

test('a reference to a null value: "Invalid reference" by default (a guess), null with null_reference "null"', async () => {
  const o = (await sim.query("SELECT Id FROM Opportunity WHERE Description = null LIMIT 1")).json.records[0];
  const req = {
    allOrNone: true, collateSubrequests: false, compositeRequest: [
      { method: 'GET', url: `${V}/sobjects/Opportunity/${o.Id}?fields=Description`, referenceId: 'old' },
      { method: 'POST', url: `${V}/sobjects/Cleanup_Audit__c`, referenceId: 'audit', body: auditBody({ Record_Id__c: o.Id, Old_Value__c: '@{old.Description}' }) },
    ],
  };
  const n0 = (await audits()).length;
  let r = await composite(req);
  assert.equal(r.json.compositeResponse[1].httpStatusCode, 400);
  assert.equal(r.json.compositeResponse[1].body[0].errorCode, 'PROCESSING_HALTED');
  assert.match(r.json.compositeResponse[1].body[0].message, /^Invalid reference specified/);
  assert.equal((await audits()).length, n0);
  assert.equal((await sim.control('POST', 'org', { null_reference: 'null' })).status, 200);
  r = await composite(req);
  assert.equal(r.json.compositeResponse[1].httpStatusCode, 201, r.body);
  const row = (await audits()).find((a) => a.Id === r.json.compositeResponse[1].body.id);
  assert.equal(row.Old_Value__c, null);
  // A field that does not exist is still an invalid reference.
  req.compositeRequest[1].body.Old_Value__c = '@{old.NoSuchField}';
  r = await composite(req);
  assert.match(r.json.compositeResponse[1].body[0].message, /^Invalid reference specified/);
  assert.equal((await sim.control('POST', 'org', { null_reference: 'maybe' })).status, 400);
});

test('sObject Collections: create and update, allOrNone, at most 200 records', async () => {
  const base = `${V}/composite/sobjects`;
  const acc = (name) => ({ attributes: { type: 'Account' }, Name: name });
  let r = await sim.fetch('POST', base, { body: { allOrNone: false, records: [acc('Coll One'), { attributes: { type: 'Account' } }, acc('Coll Two')] } });
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(r.json.map((x) => x.success), [true, false, true]);
  assert.equal(r.json[1].errors[0].statusCode, 'REQUIRED_FIELD_MISSING');
  assert.match(r.json[0].id, /^001/);
  const accounts = (await sim.control('GET', 'records/Account')).json;
  assert.ok(accounts.some((a) => a.Name === 'Coll Two'));
  r = await sim.fetch('POST', base, { body: { allOrNone: true, records: [acc('Rolled One'), { attributes: { type: 'Account' } }] } });
  assert.deepEqual(r.json.map((x) => x.success), [false, false]);
  assert.equal(r.json[0].errors[0].statusCode, 'ALL_OR_NONE_OPERATION_ROLLED_BACK');
  assert.equal(r.json[1].errors[0].statusCode, 'REQUIRED_FIELD_MISSING');
  assert.ok(!(await sim.control('GET', 'records/Account')).json.some((a) => a.Name === 'Rolled One'));
  const o = await openOpp(3);
  r = await sim.fetch('PATCH', base, { body: { allOrNone: true, records: [{ attributes: { type: 'Opportunity' }, id: o.Id, NextStep: 'via collections' }] } });
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(r.json, [{ id: o.Id, success: true, errors: [] }]);
  assert.equal((await record('Opportunity', o.Id)).NextStep, 'via collections');
  const many = (n) => Array.from({ length: n }, (_, i) => acc(`Bulk ${i}`));
  r = await sim.fetch('POST', base, { body: { allOrNone: true, records: many(201) } });
  assert.equal(r.status, 400);
  assert.equal(r.json[0].errorCode, 'EXCEEDED_ID_LIMIT');
  r = await sim.fetch('POST', base, { body: { allOrNone: true, records: many(200) } });
  assert.equal(r.status, 200);
  assert.equal(r.json.filter((x) => x.success).length, 200);
  // Inside a composite with allOrNone, a failed record fails the whole request.
  const n0 = (await audits()).length;
  r = await composite({
    allOrNone: true, compositeRequest: [
      { method: 'POST', url: `${V}/sobjects/Cleanup_Audit__c`, referenceId: 'audit', body: auditBody() },
      { method: 'POST', url: base, referenceId: 'coll', body: { allOrNone: false, records: [acc('Inner'), { attributes: { type: 'Account' } }] } },
    ],
  });
  assert.equal(r.json.compositeResponse[1].httpStatusCode, 400);
  assert.equal((await audits()).length, n0);
  assert.ok(!(await sim.control('GET', 'records/Account')).json.some((a) => a.Name === 'Inner'));
});

test('a fault on one subrequest: validation, lock, FLS, value; the rest rolls back', async () => {
  const o = await openOpp(4);
  const req = (v) => ({
    allOrNone: true, collateSubrequests: false, compositeRequest: [
      { method: 'POST', url: `${V}/sobjects/Cleanup_Audit__c`, referenceId: 'audit', body: auditBody({ Record_Id__c: o.Id }) },
      { method: 'PATCH', url: `${V}/sobjects/Opportunity/${o.Id}`, referenceId: 'change', body: { NextStep: v } },
    ],
  });
  const cases = [
    ['validation', 'FIELD_CUSTOM_VALIDATION_EXCEPTION', { message: 'Next Step must name a date.' }, /Next Step must name a date\./, ['NextStep']],
    ['lock', 'UNABLE_TO_LOCK_ROW', {}, /unable to obtain exclusive access to this record/, []],
    ['fls', 'INVALID_FIELD_FOR_INSERT_UPDATE', {}, /Unable to create\/update fields: NextStep/, ['NextStep']],
    ['value', 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', {}, /bad value/, ['NextStep']],
  ];
  const n0 = (await audits()).length;
  for (const [kind, code, extra, msg, fields] of cases) {
    let r = await sim.control('POST', 'faults', { match: { subrequest: { method: 'PATCH', object: 'Opportunity', field: 'NextStep' } }, count: 1, action: { error: kind, ...extra } });
    assert.equal(r.status, 200, r.body);
    r = await composite(req(`fault ${kind}`));
    assert.equal(r.status, 200);
    const [a, c] = r.json.compositeResponse;
    assert.equal(c.httpStatusCode, 400);
    assert.equal(c.body[0].errorCode, code);
    assert.match(c.body[0].message, msg);
    assert.deepEqual(c.body[0].fields, fields);
    assert.equal(a.body[0].errorCode, 'PROCESSING_HALTED');
    assert.equal((await record('Opportunity', o.Id)).NextStep, o.NextStep, kind);
  }
  assert.equal((await audits()).length, n0, 'every audit row rolled back');
  // Consumed: the next one goes through.
  let r = await composite(req('no fault'));
  assert.deepEqual(r.json.compositeResponse.map((x) => x.httpStatusCode), [201, 204]);
  // A match on another field, object or id does not fire; errorCode form.
  await sim.control('POST', 'faults', { match: { subrequest: { method: 'PATCH', object: 'Opportunity', field: 'Amount' } }, count: 1, action: { errorCode: 'CUSTOM_X', message: 'custom' } });
  r = await composite(req('still no fault'));
  assert.deepEqual(r.json.compositeResponse.map((x) => x.httpStatusCode), [201, 204]);
  await sim.control('POST', 'faults', { match: { subrequest: { object: 'Opportunity', id: o.Id.slice(0, 15) } }, count: 1, action: { errorCode: 'CUSTOM_X', message: 'custom', status: 409 } });
  r = await composite(req('by id'));
  assert.equal(r.json.compositeResponse[1].httpStatusCode, 409);
  assert.equal(r.json.compositeResponse[1].body[0].errorCode, 'CUSTOM_X');
  // A subrequest fault never fires on a plain request.
  await sim.control('DELETE', 'faults');
  await sim.control('POST', 'faults', { match: { subrequest: { method: 'PATCH' } }, count: 1, action: { error: 'lock' } });
  assert.equal((await sim.fetch('PATCH', `${V}/sobjects/Opportunity/${o.Id}`, { body: { NextStep: 'plain' } })).status, 204);
  // Bad fault definitions.
  for (const bad of [{ match: { subrequest: {} }, action: { error: 'boom' } }, { match: { subrequest: 'x' }, action: { error: 'lock' } },
    { match: { subrequest: {} }, action: { errorCode: 'lower' } }, { match: { subrequest: {} }, action: { error: 'lock', status: 200 } }]) {
    assert.equal((await sim.control('POST', 'faults', bad)).status, 400, JSON.stringify(bad));
  }
});

test('POST /composite: 503 before (nothing applied) and reset after (applied)', async () => {
  const o = await openOpp(5);
  const req = (v) => ({
    allOrNone: true, collateSubrequests: false, compositeRequest: [
      { method: 'POST', url: `${V}/sobjects/Cleanup_Audit__c`, referenceId: 'audit', body: auditBody({ Record_Id__c: o.Id, New_Value__c: v }) },
      { method: 'PATCH', url: `${V}/sobjects/Opportunity/${o.Id}`, referenceId: 'change', body: { NextStep: v } },
    ],
  });
  await sim.control('POST', 'faults', { match: { method: 'POST', path_prefix: `${V}/composite` }, count: 1, action: { status: 503 } });
  let r = await composite(req('after 503'));
  assert.equal(r.status, 503);
  assert.equal(r.json[0].errorCode, 'SERVER_UNAVAILABLE');
  assert.ok(!(await audits()).some((a) => a.New_Value__c === 'after 503'));
  assert.notEqual((await record('Opportunity', o.Id)).NextStep, 'after 503');
  await sim.control('POST', 'faults', { match: { method: 'POST', path_prefix: `${V}/composite` }, count: 1, action: { reset: 'after' } });
  await assert.rejects(composite(req('after reset')));
  assert.equal((await audits()).filter((a) => a.New_Value__c === 'after reset').length, 1);
  assert.equal((await record('Opportunity', o.Id)).NextStep, 'after reset');
  const log = (await sim.control('GET', 'log')).json.filter((e) => e.path.endsWith('/composite'));
  assert.equal(log.at(-1).fault, 'reset-after');
  assert.deepEqual(log.at(-1).composite.order, ['audit', 'change']);
});

test('a delayed composite whose client went away: dropped, or processed all the same with after_close "process"', async () => {
  const o = await openOpp(10);
  const req = (v) => ({ allOrNone: true, compositeRequest: [{ method: 'PATCH', url: `${V}/sobjects/Opportunity/${o.Id}`, referenceId: 'c', body: { NextStep: v } }] });
  const giveUp = (v) => new Promise((resolve) => {
    // A client that gives up after 100 ms.
    import('node:https').then(({ default: https }) => {
      const r = https.request(new URL(`${V}/composite`, sim.url), { method: 'POST', ca: sim.ca, agent: false, headers: { Authorization: 'Bearer ' + sim.access_token, 'Content-Type': 'application/json' } });
      r.on('error', () => resolve());
      r.end(JSON.stringify(req(v)));
      setTimeout(() => { r.destroy(); resolve(); }, 100);
    });
  });
  await sim.control('POST', 'faults', { match: { method: 'POST', path_prefix: `${V}/composite` }, count: 1, action: { delay_ms: 400 } });
  await giveUp('dropped');
  await new Promise((r) => setTimeout(r, 600));
  assert.notEqual((await record('Opportunity', o.Id)).NextStep, 'dropped');
  await sim.control('POST', 'faults', { match: { method: 'POST', path_prefix: `${V}/composite` }, count: 1, action: { delay_ms: 400, after_close: 'process' } });
  await giveUp('processed late');
  assert.notEqual((await record('Opportunity', o.Id)).NextStep, 'processed late', 'not before the delay ends');
  await new Promise((r) => setTimeout(r, 600));
  assert.equal((await record('Opportunity', o.Id)).NextStep, 'processed late');
  const e = (await sim.control('GET', 'log')).json.filter((x) => x.path.endsWith('/composite')).at(-1);
  assert.equal(e.aborted, true);
  assert.equal(e.processed_after_close, 200);
  assert.equal((await sim.control('POST', 'faults', { match: {}, action: { status: 503, after_close: 'process' } })).status, 400);
});

test('the audit object: absent, without Failed__c, with Attempt_Id__c (unique External ID) and Error__c', async () => {
  const fieldsOf = async () => (await sim.fetch('GET', `${V}/sobjects/Cleanup_Audit__c/describe`)).json.fields;
  let f = (await fieldsOf()).map((x) => x.name);
  for (const n of ['Object_Name__c', 'Record_Id__c', 'Field_Name__c', 'Old_Value__c', 'New_Value__c', 'Justification__c', 'Performed_By__c', 'Failed__c']) assert.ok(f.includes(n), n);
  assert.ok(!f.includes('Attempt_Id__c') && !f.includes('Error__c'), 'the default is the design note object plus Failed__c');

  await sim.control('POST', 'org', { audit_object: false });
  assert.equal((await sim.fetch('GET', `${V}/sobjects/Cleanup_Audit__c/describe`)).status, 404);
  assert.equal((await sim.fetch('POST', `${V}/sobjects/Cleanup_Audit__c`, { body: auditBody() })).status, 404);
  assert.ok(!(await sim.fetch('GET', `${V}/sobjects`)).json.sobjects.some((o) => o.name === 'Cleanup_Audit__c'));
  let q = await sim.query('SELECT Id FROM Cleanup_Audit__c');
  assert.equal(q.status, 400);
  assert.equal(q.json[0].errorCode, 'INVALID_TYPE');

  await sim.control('POST', 'org', { audit_object: true, audit_failed: false });
  f = (await fieldsOf()).map((x) => x.name);
  assert.ok(!f.includes('Failed__c'));
  let r = await sim.fetch('POST', `${V}/sobjects/Cleanup_Audit__c`, { body: auditBody({ Failed__c: true }) });
  assert.equal(r.status, 400);
  assert.equal(r.json[0].errorCode, 'INVALID_FIELD');
  q = await sim.query('SELECT Id FROM Cleanup_Audit__c WHERE Failed__c = true');
  assert.equal(q.json[0].errorCode, 'INVALID_FIELD');

  await sim.control('POST', 'org', { audit_failed: true, audit_attempt_id: true, audit_error: true });
  const fields = await fieldsOf();
  const att = fields.find((x) => x.name === 'Attempt_Id__c');
  assert.equal(att.length, 64);
  assert.equal(att.externalId, true);
  assert.equal(att.unique, true);
  assert.equal(fields.find((x) => x.name === 'Error__c').type, 'textarea');
  const attempt = 'w_' + 'ab'.repeat(12);
  r = await sim.fetch('POST', `${V}/sobjects/Cleanup_Audit__c`, { body: auditBody({ Attempt_Id__c: attempt, Failed__c: true, Error__c: 'X: y' }) });
  assert.equal(r.status, 201, r.body);
  r = await sim.fetch('POST', `${V}/sobjects/Cleanup_Audit__c`, { body: auditBody({ Attempt_Id__c: attempt.toUpperCase() }) });
  assert.equal(r.status, 400);
  assert.equal(r.json[0].errorCode, 'DUPLICATE_VALUE');
  assert.match(r.json[0].message, /^duplicate value found: Attempt_Id__c duplicates value on record with id: a0X/);
  q = await sim.query(`SELECT Id, Failed__c, Error__c FROM Cleanup_Audit__c WHERE Attempt_Id__c = '${attempt}'`);
  assert.equal(q.json.totalSize, 1);
  assert.equal(q.json.records[0].Failed__c, true);
  r = await sim.fetch('POST', `${V}/sobjects/Cleanup_Audit__c`, { body: auditBody({ Attempt_Id__c: 'x'.repeat(65) }) });
  assert.equal(r.json[0].errorCode, 'STRING_TOO_LONG');
  for (const bad of [{ audit_object: 'no' }, { audit_failed: 1 }]) assert.equal((await sim.control('POST', 'org', bad)).status, 400);
});

test('the org: a validation rule, a read-only custom field, overrides (restricted, non-nillable, not updateable), a locked record', async () => {
  const o = await openOpp(6);
  const patch = (body) => sim.fetch('PATCH', `${V}/sobjects/Opportunity/${o.Id}`, { body });
  let r = await sim.control('POST', 'org', { validation_rules: [{ object: 'Opportunity', field: 'NextStep', contains: 'forbidden', message: 'Next Step cannot say forbidden.' }] });
  assert.equal(r.status, 200, r.body);
  r = await patch({ NextStep: 'This is FORBIDDEN' });
  assert.equal(r.status, 400);
  assert.deepEqual(r.json[0], { errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'Next Step cannot say forbidden.', fields: ['NextStep'] });
  assert.equal((await patch({ NextStep: 'allowed' })).status, 204);

  r = await sim.fetch('GET', `${V}/sobjects/Opportunity/describe`);
  assert.ok(!r.json.fields.some((x) => x.name === 'Legacy_Code__c'));
  await sim.control('POST', 'org', { readonly_field: true });
  const legacy = (await sim.fetch('GET', `${V}/sobjects/Opportunity/describe`)).json.fields.find((x) => x.name === 'Legacy_Code__c');
  assert.equal(legacy.updateable, false);
  assert.equal(legacy.custom, true);
  r = await patch({ Legacy_Code__c: 'L-1' });
  assert.equal(r.status, 400);
  assert.equal(r.json[0].errorCode, 'INVALID_FIELD_FOR_INSERT_UPDATE');

  await sim.control('POST', 'org', { field_overrides: { 'Opportunity.Type': { restricted: true }, 'Opportunity.NextStep': { nillable: false }, 'Opportunity.Description': { updateable: false } } });
  const d = (await sim.fetch('GET', `${V}/sobjects/Opportunity/describe`)).json.fields;
  assert.equal(d.find((x) => x.name === 'Type').restrictedPicklist, true);
  assert.equal(d.find((x) => x.name === 'NextStep').nillable, false);
  assert.equal(d.find((x) => x.name === 'Description').updateable, false);
  r = await patch({ Type: 'Not A Type' });
  assert.equal(r.json[0].errorCode, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
  r = await patch({ NextStep: null });
  assert.equal(r.json[0].errorCode, 'REQUIRED_FIELD_MISSING');
  r = await patch({ Description: 'd' });
  assert.equal(r.json[0].errorCode, 'INVALID_FIELD_FOR_INSERT_UPDATE');
  assert.equal((await patch({ Type: 'New Customer' })).status, 204);

  await sim.control('POST', 'org', { locked_ids: [o.Id] });
  r = await patch({ NextStep: 'locked' });
  assert.equal(r.status, 400);
  assert.equal(r.json[0].errorCode, 'UNABLE_TO_LOCK_ROW');
  assert.match(r.json[0].message, new RegExp(`unable to obtain exclusive access to this record or 1 records: ${o.Id}`));
  const other = await openOpp(7);
  assert.equal((await sim.fetch('PATCH', `${V}/sobjects/Opportunity/${other.Id}`, { body: { NextStep: 'free' } })).status, 204);

  for (const bad of [
    { validation_rules: [{ object: 'Opportunity', field: 'Nope', contains: 'x', message: 'm' }] },
    { validation_rules: [{ object: 'Opportunity', field: 'NextStep', contains: '', message: 'm' }] },
    { validation_rules: Array.from({ length: 21 }, () => ({ object: 'Opportunity', field: 'NextStep', contains: 'x', message: 'm' })) },
    { field_overrides: { 'Opportunity.Nope': { nillable: false } } },
    { field_overrides: { 'Opportunity.NextStep': { restricted: true } } },
    { field_overrides: { 'Opportunity.NextStep': { hidden: true } } },
    { locked_ids: ['not an id'] },
    { precondition_error_code: 'lower case' },
  ]) assert.equal((await sim.control('POST', 'org', bad)).status, 400, JSON.stringify(bad));
  // At the limit: 20 rules are accepted.
  assert.equal((await sim.control('POST', 'org', { validation_rules: Array.from({ length: 20 }, () => ({ object: 'Opportunity', field: 'NextStep', contains: 'x', message: 'm' })) })).status, 200);
});

test('ContentNote: base64 required, unsafe HTML and new lines stripped, TextPreview; ContentDocumentLink checks', async () => {
  const opp = (await openOpp(8)).Id;
  const plain = await sim.fetch('POST', `${V}/sobjects/ContentNote`, { body: { Title: 'Raw', Content: '<p>not base64</p>' } });
  assert.equal(plain.status, 400);
  assert.equal(plain.json[0].errorCode, 'JSON_PARSER_ERROR');
  const html = '<p onclick="steal()" style="color:red">Call &amp; plan</p>\n<script>alert(1)</script><p>Next: <b>demo</b><img src=x onerror=y><a href="javascript:x()">j</a> <a href="https://example.com/a" onmouseover="z">link</a></p><style>p{}</style><div>kept text</div>';
  const note = await sim.fetch('POST', `${V}/sobjects/ContentNote`, { body: { Title: 'Call', Content: Buffer.from(html).toString('base64') } });
  assert.equal(note.status, 201, note.body);
  const n = await record('ContentNote', note.json.id);
  const stored = Buffer.from(n.Content, 'base64').toString('utf8');
  assert.equal(stored, '<p>Call &amp; plan</p><p>Next: <b>demo</b><a>j</a> <a href="https://example.com/a">link</a></p>kept text');
  assert.equal(n.TextPreview, 'Call & plan Next: demoj link kept text');
  assert.equal(n.FileType, 'SNOTE');
  assert.equal(n.ContentSize, Buffer.byteLength(stored));
  // Escaped text comes back as it was sent.
  const escaped = '<p>1 &lt; 2 &amp;&amp; &quot;x&quot; &#39;y&#39; &#x22;z&#34;</p>';
  const n2 = await sim.fetch('POST', `${V}/sobjects/ContentNote`, { body: { Title: 'Esc', Content: Buffer.from(escaped).toString('base64') } });
  assert.equal(Buffer.from((await record('ContentNote', n2.json.id)).Content, 'base64').toString('utf8'), escaped);
  assert.equal((await record('ContentNote', n2.json.id)).TextPreview, `1 < 2 && "x" 'y' "z"`);
  // The kept tags are a guess: configurable.
  await sim.control('POST', 'org', { note_keep_tags: ['p'] });
  const n3 = await sim.fetch('POST', `${V}/sobjects/ContentNote`, { body: { Title: 'Few', Content: Buffer.from('<p><b>x</b><div>y</div></p>').toString('base64') } });
  assert.equal(Buffer.from((await record('ContentNote', n3.json.id)).Content, 'base64').toString('utf8'), '<p>xy</p>');
  for (const bad of [['script'], ['P'], Array.from({ length: 31 }, () => 'p'), 'p']) {
    assert.equal((await sim.control('POST', 'org', { note_keep_tags: bad })).status, 400, JSON.stringify(bad));
  }
  await sim.control('POST', 'org', { note_keep_tags: null });
  // Only Title and Content are updatable.
  const up = await sim.fetch('PATCH', `${V}/sobjects/ContentNote/${n2.json.id}`, { body: { FileType: 'PDF' } });
  assert.equal(up.json[0].errorCode, 'INVALID_FIELD_FOR_INSERT_UPDATE');
  const link = (b) => sim.fetch('POST', `${V}/sobjects/ContentDocumentLink`, { body: { ContentDocumentId: note.json.id, LinkedEntityId: opp, ShareType: 'I', Visibility: 'InternalUsers', ...b } });
  assert.equal((await link({})).status, 201);
  let r = await link({ Visibility: 'Everyone' });
  assert.equal(r.json[0].errorCode, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
  r = await link({ ShareType: 'Q' });
  assert.equal(r.json[0].errorCode, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
  r = await link({ ShareType: undefined });
  assert.equal(r.json[0].errorCode, 'REQUIRED_FIELD_MISSING');
  // A well-formed id of no record; one of the wrong type.
  r = await link({ LinkedEntityId: opp.slice(0, 9) + 'zzzzzz' });
  assert.equal(r.status, 400);
  assert.equal(r.json[0].errorCode, 'INVALID_CROSS_REFERENCE_KEY');
  r = await link({ LinkedEntityId: note.json.id });
  assert.equal(r.json[0].errorCode, 'FIELD_INTEGRITY_EXCEPTION');
});

test('the per-field change log: committed changes only, in order, filterable', async () => {
  const o = await openOpp(9);
  await sim.control('DELETE', 'history');
  assert.equal((await sim.fetch('PATCH', `${V}/sobjects/Opportunity/${o.Id}`, { body: { NextStep: 'h1', Amount: 1234 } })).status, 204);
  await sim.fetch('PATCH', `${V}/sobjects/Opportunity/${o.Id}`, { body: { NextStep: 'h1' } }); // no change
  await composite({
    allOrNone: true, compositeRequest: [
      { method: 'PATCH', url: `${V}/sobjects/Opportunity/${o.Id}`, referenceId: 'a', body: { NextStep: 'rolled back' } },
      { method: 'PATCH', url: `${V}/sobjects/Opportunity/${o.Id}`, referenceId: 'b', body: { NextStep: 'x'.repeat(256) } },
    ],
  });
  await composite({ allOrNone: false, compositeRequest: [{ method: 'PATCH', url: `${V}/sobjects/Opportunity/${o.Id}`, referenceId: 'a', body: { NextStep: 'h2' } }] });
  const h = (await sim.control('GET', `history?object=Opportunity&id=${o.Id}`)).json;
  assert.deepEqual(h.map((x) => [x.field, x.old, x.new]), [['NextStep', o.NextStep, 'h1'], ['Amount', h[1].old, 1234], ['NextStep', 'h1', 'h2']]);
  assert.ok(h.every((x) => x.object === 'Opportunity' && x.id === o.Id && /^\d{4}-\d{2}-\d{2}T/.test(x.ts)));
  assert.ok(h[0].seq < h[1].seq && h[1].seq < h[2].seq);
  assert.equal((await sim.control('GET', 'history?object=Account')).json.length, 0);
});

test('the flags: --no-audit-object, --audit-fields, --null-reference; bad values refused', async () => {
  const s2 = await startSim(['--opportunities', '20', '--no-audit-object', '--audit-fields', 'attempt_id,error', '--null-reference', 'null']);
  try {
    const org = (await s2.control('GET', 'org')).json;
    assert.deepEqual([org.audit_object, org.audit_failed, org.audit_attempt_id, org.audit_error, org.null_reference], [false, false, true, true, 'null']);
    assert.equal((await s2.fetch('GET', `${V}/sobjects/Cleanup_Audit__c/describe`)).status, 404);
    await s2.control('POST', 'org', { audit_object: true });
    const f = (await s2.fetch('GET', `${V}/sobjects/Cleanup_Audit__c/describe`)).json.fields.map((x) => x.name);
    assert.ok(f.includes('Attempt_Id__c') && f.includes('Error__c') && !f.includes('Failed__c'));
  } finally { await s2.stop(); }
  const s3 = await startSim(['--opportunities', '20', '--audit-fields', 'none']);
  try {
    const org = (await s3.control('GET', 'org')).json;
    assert.deepEqual([org.audit_object, org.audit_failed, org.audit_attempt_id, org.audit_error], [true, false, false, false]);
  } finally { await s3.stop(); }
  const dir = mkdtempSync(join(tmpdir(), 'sfsim-test-'));
  try {
    for (const bad of [['--audit-fields', 'failed,bogus'], ['--null-reference', 'maybe']]) {
      const r = spawnSync(process.execPath, [SFSIM, '--dir', dir, ...bad], { encoding: 'utf8', input: '' });
      assert.equal(r.status, 2, bad.join(' '));
      assert.match(r.stderr, new RegExp(bad[0]));
    }
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
