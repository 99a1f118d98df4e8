// The broker's side of the writes (contrib/WRITES.md), against the
// simulator: this file plays the broker's parent (through
// tests/parent_stub, which passes it its connections), its front and its
// writer, and sends the writer's three mutation shapes.  Each becomes one
// /composite request the broker builds itself; a refusal sends nothing;
// a 503 is retried; a reset after Salesforce processed the request is
// SFE_AMBIGUOUS and is not sent again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startSim, dataCalls } from './lib.mjs';
import { T, SFE, u32, str, startBroker as startIpcBroker } from './ipc.mjs';

const REQ_DRY_RUN = 1;

let sim;
before(async () => { sim = await startSim(); });
after(async () => { if (sim) await sim.stop(); });

/** The broker (ipc.mjs) with the writes configured, and helpers to send
 * the writer's messages and read the answers. */
async function startBroker(extra = {}) {
  const b = await startIpcBroker(sim, {
    audit_object: 'Cleanup_Audit__c',
    write_objects: 'Account,Opportunity,Contact,Lead',
    writable_fields: 'Account.*,Opportunity.*,Contact.*,Lead.*',
    note_share_type: 'I', note_visibility: 'InternalUsers', ...extra,
  });
  const { writer, parent, exited } = b;
  let nextId = 100;
  const ask = async (type, json, flags = 0) => {
    const id = nextId++;
    writer.send(type, id, Buffer.concat([u32(flags), str(typeof json === 'string' ? json : JSON.stringify(json))]));
    return writer.wait((m) => m.id === id && m.type !== T.HELLO);
  };
  const query = async (soql) => {
    const id = nextId++;
    writer.send(T.SF_QUERY, id, Buffer.concat([u32(0), str(soql)]));
    const r = await writer.wait((m) => m.id === id);
    assert.equal(r.type, T.SF_QUERY_R, JSON.stringify(r));
    return r.json.records;
  };
  return Object.assign(b, {
    ask, query,
    async stop() {
      parent.send(T.SHUTDOWN, 0);
      const ex = await exited;
      assert.equal(ex.code, 0, 'the broker stops cleanly: ' + b.stderr);
      return ex;
    },
  });
}

const attemptId = () => 'w_' + randomBytes(12).toString('hex');
const composites = (log) => dataCalls(log).filter((e) => e.method === 'POST' && /\/composite$/.test(e.path));

function update(opp, field, value, attempt, extra = {}) {
  return {
    attempt, object: 'Opportunity', id: opp.Id, field, value,
    if_unmodified_since: opp.LastModifiedDate,
    audit: {
      Object_Name__c: 'Opportunity', Record_Id__c: opp.Id, Field_Name__c: field,
      Old_Value__c: opp[field] ?? null, New_Value__c: value,
      Justification__c: 'broker write test: ' + field, Performed_By__c: `test [attempt ${attempt}]`,
      ...extra,
    },
  };
}

test('SF_WRITE_UPDATE: one composite, audit first; the change and its row are there', async () => {
  const b = await startBroker();
  try {
    const [opp] = await b.query('SELECT Id, NextStep, LastModifiedDate FROM Opportunity ORDER BY Id LIMIT 1');
    await sim.clearLog();
    const att = attemptId();
    const r = await b.ask(T.SF_WRITE_UPDATE, update(opp, 'NextStep', 'Call the buyer', att));
    assert.equal(r.type, T.SF_WRITE_UPDATE_R, JSON.stringify(r));
    assert.equal(r.json.committed, true);
    assert.match(r.json.ids.audit, /^a0X[A-Za-z0-9]{15}$/);
    const log = await sim.log();
    const cs = composites(log);
    assert.equal(cs.length, 1, 'one composite request');
    // describe (if not held) and the composite, nothing else
    assert.deepEqual(dataCalls(log).filter((e) => !/describe$/.test(e.path)).length, 1);
    const body = JSON.parse(cs[0].body);
    assert.equal(body.allOrNone, true);
    assert.equal(body.collateSubrequests, false);
    assert.deepEqual(body.compositeRequest.map((s) => [s.method, s.referenceId]), [['POST', 'audit'], ['PATCH', 'change']]);
    assert.equal(body.compositeRequest[1].url, `/services/data/v60.0/sobjects/Opportunity/${opp.Id}`);
    assert.match(body.compositeRequest[1].httpHeaders['If-Unmodified-Since'], /^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$/);
    const [now] = await b.query(`SELECT Id, NextStep FROM Opportunity WHERE Id = '${opp.Id}'`);
    assert.equal(now.NextStep, 'Call the buyer');
    const rows = await b.query(`SELECT Id, Field_Name__c, New_Value__c, Performed_By__c FROM Cleanup_Audit__c WHERE Performed_By__c LIKE '%${att}%'`);
    assert.equal(rows.length, 1, 'its audit row');
    assert.equal(rows[0].New_Value__c, 'Call the buyer');
    // A dry run: the same shape, nothing sent.
    await sim.clearLog();
    const d = await b.ask(T.SF_WRITE_UPDATE, update({ ...now, LastModifiedDate: opp.LastModifiedDate }, 'NextStep', 'x', attemptId()), REQ_DRY_RUN);
    assert.equal(d.type, T.SF_WRITE_UPDATE_R, JSON.stringify(d));
    assert.equal(d.json.dry_run, true);
    assert.equal(d.json.method, 'POST');
    assert.equal(d.json.path, '/services/data/v60.0/composite');
    assert.equal(d.json.body.compositeRequest[0].referenceId, 'audit');
    assert.equal(composites(await sim.log()).length, 0, 'a dry run sends no composite');
  } finally {
    await b.stop();
  }
});

test('refusals send nothing: an object, a field, an excluded field, not updateable, a bad ID, an audit key', async () => {
  const b = await startBroker();
  try {
    const [opp] = await b.query('SELECT Id, NextStep, LastModifiedDate FROM Opportunity ORDER BY Id LIMIT 1');
    await sim.clearLog();
    const cases = [
      [{ ...update(opp, 'NextStep', 'x', attemptId()), object: 'Task' }, SFE.POLICY, /writes to Task are not allowed/],
      [update(opp, 'OwnerId', '005000000000001AAA', attemptId()), SFE.POLICY, /not writable here/],
      [update(opp, 'StageName', 'Closed Won', attemptId()), SFE.POLICY, /not writable here/],
      [update(opp, 'IsClosed', true, attemptId()), SFE.INVALID, /not updateable/],
      [update(opp, 'NoSuchField__c', 'x', attemptId()), SFE.INVALID, /no field 'NoSuchField__c'/],
      [{ ...update(opp, 'NextStep', 'x', attemptId()), id: '001000000000001AAA' }, SFE.INVALID, /Record_Id__c|start with 006/],
      [update(opp, 'NextStep', 'x', attemptId(), { Secret__c: 'y' }), SFE.INVALID, /unknown key 'Secret__c'/],
      [update(opp, 'NextStep', '@{audit.id}', attemptId()), SFE.INVALID, /'@\{'/],
    ];
    for (const [req, code, re] of cases) {
      const r = await b.ask(T.SF_WRITE_UPDATE, req);
      assert.equal(r.type, T.ERROR, JSON.stringify(r));
      assert.equal(r.code, code, r.msg);
      assert.match(r.msg, re);
    }
    assert.equal(composites(await sim.log()).length, 0, 'no composite for any of them');
    assert.equal(b.proc.exitCode, null, 'a refusal is an answer, not a violation');
  } finally {
    await b.stop();
  }
});

test('a refused change: committed false, the failing subrequest named, nothing changed', async () => {
  const b = await startBroker();
  try {
    const [opp] = await b.query('SELECT Id, Amount, LastModifiedDate FROM Opportunity ORDER BY Id LIMIT 1');
    const att = attemptId();
    // A value the org refuses: Amount is a number.
    const r = await b.ask(T.SF_WRITE_UPDATE, update(opp, 'Amount', 'lots', att));
    assert.equal(r.type, T.SF_WRITE_UPDATE_R, JSON.stringify(r));
    assert.equal(r.json.committed, false);
    assert.equal(r.json.error.reference, 'change');
    assert.notEqual(r.json.error.code, 'PROCESSING_HALTED');
    const rows = await b.query(`SELECT Id FROM Cleanup_Audit__c WHERE Performed_By__c LIKE '%${att}%'`);
    assert.equal(rows.length, 0, 'allOrNone rolled the audit row back');
    // The writer then records the attempt.
    const f = await b.ask(T.SF_AUDIT_FAILED, {
      attempt: att,
      audit: { ...update(opp, 'Amount', 'lots', att).audit, Failed__c: true, Justification__c: `x\n\nFailed: ${r.json.error.code}: ${r.json.error.message}` },
    });
    assert.equal(f.type, T.SF_AUDIT_FAILED_R, JSON.stringify(f));
    assert.equal(f.json.committed, true);
    const failed = await b.query(`SELECT Id, Failed__c FROM Cleanup_Audit__c WHERE Performed_By__c LIKE '%${att}%'`);
    assert.equal(failed.length, 1);
    assert.equal(failed[0].Failed__c, true);
  } finally {
    await b.stop();
  }
});

test('SF_WRITE_NOTE: note, link and the audit row naming it, in one composite', async () => {
  const b = await startBroker();
  try {
    const [acc] = await b.query('SELECT Id FROM Account ORDER BY Id LIMIT 1');
    await sim.clearLog();
    const att = attemptId();
    const r = await b.ask(T.SF_WRITE_NOTE, {
      attempt: att, object: 'Account', id: acc.Id, title: 'Call summary',
      content: Buffer.from('<p>Spoke with the buyer &amp; agreed next steps</p>').toString('base64'),
      audit: { Object_Name__c: 'Account', Record_Id__c: acc.Id, Performed_By__c: `test [attempt ${att}]`, Justification__c: 'add_note' },
    });
    assert.equal(r.type, T.SF_WRITE_NOTE_R, JSON.stringify(r));
    assert.equal(r.json.committed, true);
    assert.match(r.json.ids.note, /^069/);
    assert.match(r.json.ids.link, /^06A/);
    const cs = composites(await sim.log());
    assert.equal(cs.length, 1);
    const body = JSON.parse(cs[0].body);
    assert.deepEqual(body.compositeRequest.map((s) => s.referenceId), ['note', 'link', 'audit']);
    assert.equal(body.compositeRequest[1].body.ContentDocumentId, '@{note.id}');
    const rows = await b.query(`SELECT Id, New_Value__c, Field_Name__c FROM Cleanup_Audit__c WHERE Performed_By__c LIKE '%${att}%'`);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].Field_Name__c, 'ContentNote');
    assert.equal(rows[0].New_Value__c.slice(0, 15), r.json.ids.note.slice(0, 15), 'the row names the note');
  } finally {
    await b.stop();
  }
});

test('a 503 before the commit is retried; a reset after it is ambiguous and not sent again', async () => {
  const b = await startBroker();
  try {
    const [opp] = await b.query('SELECT Id, NextStep, LastModifiedDate FROM Opportunity ORDER BY Id DESC LIMIT 1');
    await sim.control('DELETE', 'faults');
    await sim.clearLog();
    await sim.control('POST', 'faults', { match: { method: 'POST', path_prefix: '/services/data/v60.0/composite' }, count: 1, action: { status: 503 } });
    const r = await b.ask(T.SF_WRITE_UPDATE, update(opp, 'NextStep', 'after a 503', attemptId()));
    assert.equal(r.type, T.SF_WRITE_UPDATE_R, JSON.stringify(r));
    assert.equal(r.json.committed, true);
    assert.equal(composites(await sim.log()).length, 2, 'the 503, then the retry');

    const [cur] = await b.query(`SELECT Id, NextStep, LastModifiedDate FROM Opportunity WHERE Id = '${opp.Id}'`);
    await sim.clearLog();
    await sim.control('POST', 'faults', { match: { method: 'POST', path_prefix: '/services/data/v60.0/composite' }, count: 1, action: { reset: 'after' } });
    const att = attemptId();
    const a = await b.ask(T.SF_WRITE_UPDATE, update(cur, 'NextStep', 'after a reset', att));
    assert.equal(a.type, T.ERROR, JSON.stringify(a));
    assert.equal(a.code, SFE.AMBIGUOUS, a.msg);
    assert.match(a.msg, /unknown/);
    await new Promise((res) => setTimeout(res, 500));
    assert.equal(composites(await sim.log()).length, 1, 'not sent again');
    // It was applied: the attempt id finds its row.
    const rows = await b.query(`SELECT Id FROM Cleanup_Audit__c WHERE Performed_By__c LIKE '%${att}%'`);
    assert.equal(rows.length, 1, 'the change happened, with its audit row');

    // A truncated answer: the same.
    const [cur2] = await b.query(`SELECT Id, NextStep, LastModifiedDate FROM Opportunity WHERE Id = '${opp.Id}'`);
    await sim.clearLog();
    await sim.control('POST', 'faults', { match: { method: 'POST', path_prefix: '/services/data/v60.0/composite' }, count: 1, action: { truncate: true } });
    const t = await b.ask(T.SF_WRITE_UPDATE, update(cur2, 'NextStep', 'after a truncated answer', attemptId()));
    assert.equal(t.type, T.ERROR, JSON.stringify(t));
    assert.equal(t.code, SFE.AMBIGUOUS, t.msg);
    await new Promise((res) => setTimeout(res, 300));
    assert.equal(composites(await sim.log()).length, 1, 'not sent again');
    assert.equal(b.proc.exitCode, null);
  } finally {
    await sim.control('DELETE', 'faults');
    await b.stop();
  }
});

test('a timeout after sending is ambiguous too, and not sent again (here Salesforce never applied it)', async () => {
  const b = await startBroker({ http_timeout_ms: 1500 });
  try {
    const [opp] = await b.query('SELECT Id, NextStep, LastModifiedDate FROM Opportunity ORDER BY Id LIMIT 1');
    await sim.control('DELETE', 'faults');
    await sim.clearLog();
    await sim.control('POST', 'faults', { match: { method: 'POST', path_prefix: '/services/data/v60.0/composite' }, count: 1, action: { delay_ms: 4000 } });
    const att = attemptId();
    const t0 = Date.now();
    const r = await b.ask(T.SF_WRITE_UPDATE, update(opp, 'NextStep', 'after a timeout', att));
    assert.equal(r.type, T.ERROR, JSON.stringify(r));
    assert.equal(r.code, SFE.AMBIGUOUS, r.msg);
    assert.ok(Date.now() - t0 < 3500, 'one attempt, not retried');
    await new Promise((res) => setTimeout(res, 300));
    assert.equal(composites(await sim.log()).length, 1, 'not sent again');
    // The attempt id tells the writer it did not happen.
    const rows = await b.query(`SELECT Id FROM Cleanup_Audit__c WHERE Performed_By__c LIKE '%${att}%'`);
    assert.equal(rows.length, 0);
  } finally {
    await sim.control('DELETE', 'faults');
    await b.stop();
  }
});

test('a mutation from the front ends the broker (the policy table has no such row)', async () => {
  const b = await startBroker();
  const [opp] = await b.query('SELECT Id, NextStep, LastModifiedDate FROM Opportunity ORDER BY Id LIMIT 1');
  await sim.clearLog();
  b.front.send(T.SF_WRITE_UPDATE, 1, Buffer.concat([u32(0), str(JSON.stringify(update(opp, 'NextStep', 'from the front', attemptId())))]));
  const ex = await Promise.race([b.exited, new Promise((r) => setTimeout(() => r(null), 5000))]);
  assert.ok(ex, 'the broker still runs');
  assert.ok(ex.code !== 0 || ex.signal !== null, 'it did not exit cleanly');
  assert.match(b.stderr + b.parent.msgs.filter((m) => m.type === T.LOG).map((m) => m.data.subarray(8).toString()).join(''), /SF_WRITE_UPDATE|protocol violation|refused/);
  assert.equal(composites(await sim.log()).length, 0, 'nothing was sent');
  assert.equal(b.front.msgs.filter((m) => m.id === 1 && m.type !== T.HELLO).length, 0, 'nothing was answered');
});

test('describe carries keyPrefix and meta for the writer, the old keys unchanged', async () => {
  const b = await startBroker();
  try {
    b.writer.send(T.SF_DESCRIBE, 7, str('Opportunity'));
    const r = await b.writer.wait((m) => m.id === 7);
    assert.equal(r.type, T.SF_DESCRIBE_R, JSON.stringify(r));
    assert.equal(r.json.object, 'Opportunity');
    assert.ok(Array.isArray(r.json.fields) && r.json.fields.includes('NextStep'));
    assert.ok(Array.isArray(r.json.picklists.StageName));
    assert.equal(r.json.keyPrefix, '006');
    const m = r.json.meta;
    assert.equal(m.NextStep.type, 'string');
    assert.equal(m.NextStep.updateable, true);
    assert.ok(m.NextStep.length > 0);
    assert.equal(m.IsClosed.updateable, false);
    assert.equal(m.AccountId.type, 'reference');
    assert.deepEqual(m.AccountId.referenceTo, ['Account']);
    assert.equal(m.Amount.type, 'currency');
    assert.equal(typeof m.Amount.precision, 'number');
    assert.equal(typeof m.StageName.label, 'string');
    // The front's describe is as it was: names and picklists.
    b.front.send(T.SF_DESCRIBE, 8, str('Opportunity'));
    const f = await b.front.wait((x) => x.id === 8);
    assert.equal(f.type, T.SF_DESCRIBE_R);
    assert.deepEqual(Object.keys(f.json).sort(), ['fields', 'object', 'picklists']);
  } finally {
    await b.stop();
  }
});
