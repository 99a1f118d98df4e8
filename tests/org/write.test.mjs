// Against a real org (make check-org; tests/org/org.mjs): the write
// round trip, through the MCP SDK client, on a record the user names
// (SFDC_ORG_WRITE_RECORD, a throw-away one: the server cannot create
// records) and a text field of it (SFDC_ORG_WRITE_FIELD):
//   1. update_field changes the field, its justification tagged
//      "[sfrevops check-org <run id>]"; the harness reads the record back
//      and the audit row (old value, new value, the tag) through the REST
//      API itself;
//   2. update_field puts the old value back, with its own audit row;
//   3. add_note adds a note titled with the run id, linked to the record,
//      with its audit row;
//   4. the clean-up: the harness (not the server, which has no delete)
//      deletes the run's note and audit rows through the REST API with
//      the same credentials, and says what it could not remove (an org
//      may rightly refuse to delete audit rows).
// The org gate runs here again, so that this file run on its own cannot
// write to an org that is neither a sandbox nor a Developer Edition.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { connectSdk, textOf } from '../e2e/lib.mjs';
import { orgConfig, orgToken, orgQuery, orgRest, orgInfo, refusal, serverEnv } from './org.mjs';

const cfg = orgConfig();
const w = cfg.write || {};
const skip = cfg.skip || cfg.error || w.skip || false;
const RUN = 'co' + Date.now().toString(36) + randomBytes(3).toString('hex');
const TAG = `[sfrevops check-org ${RUN}]`;
const started = new Date(Date.now() - 1000).toISOString().replace(/\.\d+Z$/, 'Z');
let token;
let c;
let jdir;
let rec;		// the record as the harness first read it
const made = { audits: new Set(), notes: new Set() };
let restored = false;

const lit = (s) => `'${String(s).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
/** The record: Id, and the field's value as the record's own `value`
 * (the org answers with describe's spelling of the field's name). */
async function readRecord() {
  const r = await orgRest(cfg, token, 'GET', `/sobjects/${w.object}/${w.id}?fields=Id,${w.field},LastModifiedDate`);
  assert.equal(r.status, 200, `reading ${w.object} ${w.id}: HTTP ${r.status} ${r.body.slice(0, 300)}`);
  const key = Object.keys(r.json).find((k) => k.toLowerCase() === w.field.toLowerCase());
  assert.ok(key, `${w.object} ${w.id} has no field ${w.field}: ${r.body.slice(0, 300)}`);
  return { Id: r.json.Id, value: r.json[key] ?? null };
}
async function auditRow(id) {
  const rows = await orgQuery(cfg, token, `SELECT Id, Object_Name__c, Record_Id__c, Field_Name__c, Old_Value__c, New_Value__c, Justification__c, Performed_By__c FROM ${w.audit} WHERE Id = ${lit(id)}`);
  assert.equal(rows.length, 1, `the audit row ${id} is in ${w.audit}`);
  return rows[0];
}
async function write(name, args) {
  const r = await c.client.callTool({ name, arguments: args });
  const out = r.structuredContent || (() => { try { return JSON.parse(textOf(r)); } catch { return null; } })();
  if (out?.audit_id) made.audits.add(out.audit_id);
  if (out?.failed_audit_id) made.audits.add(out.failed_audit_id);
  if (out?.note_id) made.notes.add(out.note_id);
  assert.equal(out?.status, 'applied', `${name}: ${textOf(r).slice(0, 600)}`);
  return out;
}
const same = (a, b) => (a ?? null) === (b ?? null);

before(async () => {
  if (skip) return;
  if (w.error) throw new Error(w.error);
  token = await orgToken(cfg);
  const why = refusal(await orgInfo(cfg, token), cfg.allowProduction);
  if (why) throw new Error(why);
  rec = await readRecord();
  jdir = mkdtempSync(join(tmpdir(), 'check-org-'));
  c = await connectSdk({ ...serverEnv(cfg, token), SFDC_JOURNAL: join(jdir, 'journal.jsonl'), SFDC_CONFIRM_WRITES: 'never', SFDC_AUDIT_OBJECT: w.audit });
  // The writer checks the audit object at start-up.
  let tools = [];
  for (let i = 0; i < 150; i++) {
    tools = (await c.client.listTools()).tools.filter((t) => t.name === 'update_field' || t.name === 'add_note');
    if (tools.length === 2 && tools.every((t) => !/^Unavailable/.test(t.description || ''))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the write tools are not available against this org: ${tools.map((t) => `${t.name}: ${(t.description || '').slice(0, 300)}`).join('; ')}`);
});
after(async () => {
  if (c) await c.client.close();
  if (jdir) rmSync(jdir, { recursive: true, force: true });
});

test(`run ${RUN}: update_field changes ${w.object || 'the record'}.${w.field || 'field'}, and its audit row says so`, { skip }, async () => {
  const value = `check-org ${RUN}`;
  const out = await write('update_field', { object_type: w.object, object_id: w.id, field_name: w.field, new_value: value, justification: `${TAG} change, to be put back` });
  const now = await readRecord();
  assert.equal(now.value, value, 'the org holds the new value');
  const row = await auditRow(out.audit_id);
  assert.equal(row.Object_Name__c, w.object);
  assert.equal(row.Record_Id__c.slice(0, 15), rec.Id.slice(0, 15));
  assert.equal(row.Field_Name__c.toLowerCase(), w.field.toLowerCase());
  assert.ok(same(row.Old_Value__c, rec.value === null ? null : String(rec.value)), `Old_Value__c ${row.Old_Value__c} is the value read first (${rec.value})`);
  assert.equal(row.New_Value__c, value);
  assert.ok(row.Justification__c.includes(TAG), row.Justification__c);
});

test(`run ${RUN}: update_field puts the old value back, with its own audit row`, { skip }, async () => {
  const out = await write('update_field', { object_type: w.object, object_id: w.id, field_name: w.field, new_value: rec.value, justification: `${TAG} restore the value before the run` });
  const now = await readRecord();
  assert.ok(same(now.value, rec.value), `the org holds the old value again (${now.value})`);
  restored = true;
  const row = await auditRow(out.audit_id);
  assert.equal(row.Old_Value__c, `check-org ${RUN}`);
  assert.ok(same(row.New_Value__c, rec.value === null ? null : String(rec.value)));
  assert.ok(row.Justification__c.includes(TAG));
});

test(`run ${RUN}: add_note adds a note tagged with the run, linked to the record, with its audit row`, { skip }, async () => {
  const title = `check-org ${RUN}`;
  const out = await write('add_note', { object_type: w.object, object_id: w.id, title, body: `${TAG} a note of the check-org run; deleted by it afterwards.` });
  const notes = await orgQuery(cfg, token, `SELECT Id, Title FROM ContentNote WHERE Id = ${lit(out.note_id)}`);
  assert.equal(notes.length, 1, 'the note exists');
  assert.equal(notes[0].Title, title);
  const links = await orgQuery(cfg, token, `SELECT Id, LinkedEntityId FROM ContentDocumentLink WHERE ContentDocumentId = ${lit(out.note_id)} AND LinkedEntityId = ${lit(rec.Id)}`);
  assert.equal(links.length, 1, 'linked to the record');
  const row = await auditRow(out.audit_id);
  assert.equal(row.Field_Name__c, 'ContentNote');
  assert.equal(row.New_Value__c.slice(0, 15), out.note_id.slice(0, 15));
});

test(`run ${RUN}: clean-up: the run's notes and audit rows deleted through the REST API`, { skip }, async (t) => {
  // A value not yet put back (the restore failed): once more, through
  // update_field itself, audited like the rest.
  if (!restored && c) {
    const now = await readRecord();
    if (!same(now.value, rec.value)) {
      try {
        await write('update_field', { object_type: w.object, object_id: w.id, field_name: w.field, new_value: rec.value, justification: `${TAG} restore the value before the run (clean-up)` });
        restored = true;
      } catch (e) {
        t.diagnostic(`check-org: NOT RESTORED: ${w.object} ${w.id} ${w.field} holds ${JSON.stringify(now.value)}, was ${JSON.stringify(rec.value)}: ${e.message}`);
      }
    } else restored = true;
  }
  // Rows the run created whose ids a lost answer did not give: the
  // record's rows since the run started that carry the run id (a long
  // text field cannot be filtered in SOQL: looked at here).
  const rows = await orgQuery(cfg, token, `SELECT Id, Justification__c FROM ${w.audit} WHERE Record_Id__c IN (${lit(rec.Id)}, ${lit(rec.Id.slice(0, 15))}) AND CreatedDate >= ${started}`);
  for (const r of rows) if ((r.Justification__c || '').includes(RUN)) made.audits.add(r.Id);
  for (const n of await orgQuery(cfg, token, `SELECT Id FROM ContentNote WHERE Title = ${lit(`check-org ${RUN}`)} AND CreatedDate >= ${started}`))
    made.notes.add(n.Id);
  const removed = [];
  const left = [];
  // The note first (its links go with it), then the audit rows.
  for (const [object, ids] of [['ContentNote', made.notes], [w.audit, made.audits]]) {
    for (const id of ids) {
      const r = await orgRest(cfg, token, 'DELETE', `/sobjects/${object}/${id}`);
      if (r.status === 204) removed.push(`${object} ${id}`);
      else left.push(`${object} ${id} (HTTP ${r.status} ${(r.json?.[0]?.errorCode || '')} ${(r.json?.[0]?.message || r.body).slice(0, 160)})`);
    }
  }
  t.diagnostic(`check-org ${RUN}: removed ${removed.length}: ${removed.join(', ') || 'nothing'}`);
  t.diagnostic(`check-org ${RUN}: not removed: ${left.length ? left.join('; ') : 'none'}`);
  t.diagnostic(`check-org ${RUN}: ${w.object} ${w.id} ${w.field} ${restored ? 'restored to its value before the run' : 'NOT restored'}`);
  assert.ok(restored, `${w.object} ${w.id} ${w.field} holds the value before the run`);
  assert.ok(made.notes.size >= 1 && made.audits.size >= 3, `the run's note and its three audit rows were found (${made.notes.size}, ${made.audits.size})`);
});
