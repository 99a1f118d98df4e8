// The write accounting (writecheck.mjs) on a made-up org and journal:
// a run that adds up is passed, and each way a run can fail to add up
// is caught and named (the soak and write_faults.test.mjs only ever see
// a server that gets it right, so this is where the checks are shown to
// fail).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accountWrites, lateCommits, attemptOf } from './writecheck.mjs';

const OPP = '006gK0000000004QAA';
const ACC = '001gK0000000001QAA';
const A1 = 'w_' + '1'.repeat(24);
const A2 = 'w_' + '2'.repeat(24);
const A3 = 'w_' + '3'.repeat(24);
const A4 = 'w_' + '4'.repeat(24);
const j = (attempt, event, extra = {}) => ({ attempt, event, tool: 'update_field', object: 'Opportunity', record: OPP, field: 'NextStep', old_value: 'a', new_value: 'b', ...extra });
const row = (id, attempt, extra = {}) => ({ Id: id, Object_Name__c: 'Opportunity', Record_Id__c: OPP, Field_Name__c: 'NextStep', Old_Value__c: 'a', New_Value__c: 'b', Performed_By__c: `u (via e2e) [attempt ${attempt}]`, Failed__c: false, ...extra });

/** A run that adds up: A1 applied, A2 refused with its failed row, A3
 * ambiguous and resolved not applied, A4 a note. */
function clean() {
  return {
    org: {
      history: [{ seq: 1, object: 'Opportunity', id: OPP, field: 'NextStep', old: 'a', new: 'b' }],
      ok: [row('a0X1', A1), row('a0X4', A4, { Object_Name__c: 'Account', Record_Id__c: ACC, Field_Name__c: 'ContentNote', Old_Value__c: null, New_Value__c: '069gK0000000001QAA' })],
      failed: [row('a0X2', A2, { Failed__c: true, New_Value__c: 'c' })],
      notes: [{ Id: '069gK0000000001QAA' }],
      links: [{ Id: '06AgK0000000001QAA', ContentDocumentId: '069gK0000000001QAA', LinkedEntityId: ACC }],
    },
    journal: [
      j(A1, 'planned'), j(A1, 'sent'), j(A1, 'applied', { audit_id: 'a0X1' }),
      j(A2, 'planned', { new_value: 'c' }), j(A2, 'sent', { new_value: 'c' }), j(A2, 'refused', { new_value: 'c' }), j(A2, 'failed_audit', { new_value: 'c', audit_id: 'a0X2' }),
      j(A3, 'planned', { old_value: 'b', new_value: 'd' }), j(A3, 'sent', { old_value: 'b', new_value: 'd' }), j(A3, 'unknown', { old_value: 'b', new_value: 'd' }), j(A3, 'resolved_not_applied', { old_value: 'b', new_value: 'd' }),
      { attempt: A4, event: 'planned', tool: 'add_note', object: 'Account', record: ACC, title: 't4' },
      { attempt: A4, event: 'sent', tool: 'add_note', object: 'Account', record: ACC, title: 't4' },
      { attempt: A4, event: 'applied', tool: 'add_note', object: 'Account', record: ACC, title: 't4', audit_id: 'a0X4' },
    ],
    calls: [
      { i: 1, tool: 'update_field', id: OPP, field: 'NextStep', value: 'b', attempt: A1, status: 'applied' },
      { i: 2, tool: 'update_field', id: OPP, field: 'NextStep', value: 'c', attempt: A2, status: 'refused' },
      // cancelled by the client: found in the journal by its value
      { i: 3, tool: 'update_field', id: OPP, field: 'NextStep', value: 'd', attempt: null, status: null },
      { i: 4, tool: 'add_note', id: ACC, title: 't4', attempt: null, status: null },
    ],
  };
}
const bad = (a) => Object.fromEntries(Object.entries(a.problems).filter(([, v]) => v.length));

test('a run that adds up: no problem, the figures counted', () => {
  const r = clean();
  const a = accountWrites(r);
  assert.deepEqual(bad(a), {});
  assert.equal(a.figures.applied, 2);
  assert.equal(a.figures.refused, 1);
  assert.equal(a.figures.resolved_not_applied, 1);
  assert.equal(a.figures.failed_rows_confirmed, 1);
  assert.equal(a.figures.calls_without_attempt, 0);
  assert.equal(r.calls[2].attempt, A3, 'the cancelled call found by its value');
  assert.equal(r.calls[3].attempt, A4, 'the cancelled note found by its title');
});

test('a field change without its audit row', () => {
  const r = clean();
  r.org.history.push({ seq: 2, object: 'Opportunity', id: OPP, field: 'NextStep', old: 'b', new: 'x' });
  assert.deepEqual(Object.keys(bad(accountWrites(r))), ['unaudited_changes']);
});

test('an audit row whose old value is not the history\'s', () => {
  const r = clean();
  r.org.ok[0].Old_Value__c = 'z';
  const p = bad(accountWrites(r));
  assert.ok(p.unaudited_changes && p.phantom_rows, JSON.stringify(p));
});

test('an audit row claiming a change that did not happen, and one for a note that is not there', () => {
  const r = clean();
  r.org.history = [];
  r.org.notes = [];
  const p = bad(accountWrites(r));
  assert.equal(p.phantom_rows.length, 2);
  assert.equal(p.orphan_links.length, 1);
});

test('a row the journal planned otherwise, and one the journal does not know', () => {
  let r = clean();
  r.journal[0].new_value = 'q';
  assert.ok(bad(accountWrites(r)).row_disagrees_with_journal);
  r = clean();
  r.journal = r.journal.filter((l) => l.attempt !== A1);
  r.calls = r.calls.filter((c) => c.attempt !== A1);
  assert.ok(bad(accountWrites(r)).rows_unknown_to_journal);
});

test('the journal says applied and the org has nothing, or not applied and the org has it', () => {
  let r = clean();
  r.org.ok.shift();
  r.org.history = [];
  assert.ok(bad(accountWrites(r)).journal_disagrees_with_org);
  r = clean();
  r.org.ok.push(row('a0X3', A3, { New_Value__c: 'd', Old_Value__c: 'b' }));
  r.org.history.push({ seq: 2, object: 'Opportunity', id: OPP, field: 'NextStep', old: 'b', new: 'd' });
  assert.deepEqual(Object.keys(bad(accountWrites(r))), ['journal_disagrees_with_org'], 'a commit after "not applied"');
  // ... allowed only as a late commit the simulator's log shows.
  const log = [{ method: 'POST', path: '/services/data/v60.0/composite', processed_after_close: 200, body: JSON.stringify({ x: `[attempt ${A3}]` }) }];
  const late = lateCommits(log);
  assert.deepEqual([...late], [A3]);
  const a = accountWrites({ ...r, late });
  assert.deepEqual(bad(a), {});
  assert.equal(a.figures.late_commits, 1);
});

test('a refused attempt without its Failed__c row, a second one, one for an applied attempt', () => {
  let r = clean();
  r.org.failed = [];
  assert.ok(bad(accountWrites(r)).refused_without_failed_row);
  r = clean();
  r.org.failed.push(row('a0X9', A2, { Failed__c: true }));
  assert.ok(bad(accountWrites(r)).failed_row_problems);
  r = clean();
  r.org.failed.push(row('a0X8', A1, { Failed__c: true }));
  assert.ok(bad(accountWrites(r)).failed_row_problems);
});

test('a result that says what the journal does not', () => {
  const r = clean();
  r.calls[0].status = 'refused';
  assert.ok(bad(accountWrites(r)).results_disagree);
  const r2 = clean();
  r2.calls.push({ i: 9, tool: 'update_field', id: OPP, field: 'NextStep', value: 'b', attempt: 'w_' + '9'.repeat(24), status: 'applied' });
  assert.ok(bad(accountWrites(r2)).calls_not_in_journal);
});

test('the attempt id of a row: Attempt_Id__c, or inside Performed_By__c', () => {
  assert.equal(attemptOf({ Attempt_Id__c: A1, Performed_By__c: 'x' }), A1);
  assert.equal(attemptOf({ Performed_By__c: `u [attempt ${A2}]` }), A2);
  assert.equal(attemptOf({ Performed_By__c: 'u' }), null);
});
