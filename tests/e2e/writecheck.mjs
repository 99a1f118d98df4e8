// The accounting of the writes of a run against the org itself
// (contrib/WRITES.md): what the tool results said, what the journal
// says, and what the simulator's records and its per-field change log
// (GET /__sim/history) say must agree.  Shared by the randomized fault
// run (write_faults.test.mjs) and the fault soak (bench/soak.mjs).
//
//   const org = await orgWrites(sim, { fields: { Opportunity: ['NextStep'] } });
//   const a = accountWrites({ org, journal: journalLines(file), calls, late });
//   a.problems: { name: [offending items] }, every list empty when all is
//   accounted for; a.figures: the counts a report prints.
//
// calls: one per write tool call, { tool: 'update_field'|'add_note',
// object, id, field, value, title, attempt, status, text } (attempt and
// status from the result; null when the call was cancelled or failed
// before the writer answered: it is then found in the journal by its
// record, field and value, or its title, which the caller keeps unique).
// late: attempt ids whose composite the simulator processed after the
// client had hung up (the log's processed_after_close), found with
// lateCommits(log).
import { composites } from './lib.mjs';

const norm = (v) => (v === null || v === undefined || v === '' ? null : String(v));
/** Does the audit row's text say the value the org holds? */
export function same(text, value) {
  const a = norm(text);
  const b = norm(value);
  if (a === b) return true;
  if (a === null || b === null) return false;
  return typeof value === 'number' && Number(a) === value;
}
const ATTEMPT = /w_[0-9a-f]{24}/;
/** The attempt id an audit row carries (Attempt_Id__c, or in Performed_By__c). */
export const attemptOf = (row) => row.Attempt_Id__c || ((row.Performed_By__c || '').match(ATTEMPT) || [null])[0];
const id15 = (id) => String(id || '').slice(0, 15);

/**
 * What the org holds after a run: the change log of the fields the run
 * wrote ({Object: [Field, ...]}), the audit rows (ok and failed), the
 * notes and their links.
 */
export async function orgWrites(sim, { fields, audit = 'Cleanup_Audit__c' }) {
  const h = await sim.control('GET', 'history');
  if (h.status !== 200) throw new Error(`GET /__sim/history: HTTP ${h.status} ${h.body}`);
  const history = h.json.filter((e) => (fields[e.object] || []).includes(e.field));
  const rows = await sim.records(audit);
  return {
    history,
    ok: rows.filter((a) => a.Failed__c !== true),
    failed: rows.filter((a) => a.Failed__c === true),
    notes: await sim.records('ContentNote'),
    links: await sim.records('ContentDocumentLink'),
  };
}

/**
 * The attempts whose composite the simulator ran after its client had
 * closed the connection (a delay_ms fault with after_close "process"),
 * from the request log: the attempt id is in the audit subrequest.
 */
export function lateCommits(log) {
  const late = new Set();
  for (const e of composites(log)) {
    if (e.processed_after_close === undefined || !e.body) continue;
    const m = String(e.body).match(ATTEMPT);
    if (m) late.add(m[0]);
  }
  return late;
}

const APPLIED = ['applied', 'resolved_applied'];
const NOT_APPLIED = ['refused', 'failed_audit', 'resolved_not_applied', 'error', 'declined', 'cancelled', 'planned'];
/** The outcome a tool result's status claims, as journal events. */
const STATUS_EVENTS = {
  applied: APPLIED,
  refused: ['refused', 'failed_audit'],
  not_applied: ['resolved_not_applied'],
  unknown: ['unknown'],
  declined: ['declined'],
  cancelled: ['cancelled'],
};

export function accountWrites({ org, journal, calls, late = new Set() }) {
  const P = {
    unaudited_changes: [], phantom_rows: [], unaudited_notes: [], orphan_links: [],
    rows_without_attempt: [], attempts_with_two_rows: [], rows_unknown_to_journal: [],
    row_disagrees_with_journal: [], journal_disagrees_with_org: [], results_disagree: [],
    calls_not_in_journal: [], failed_row_problems: [], refused_without_failed_row: [],
  };
  // Every field change has its audit row, matched one to one on the
  // record, the field, and the old and new values.
  const used = new Set();
  for (const h of org.history) {
    const row = org.ok.find((a) => !used.has(a.Id) && id15(a.Record_Id__c) === id15(h.id) && a.Field_Name__c === h.field && same(a.New_Value__c, h.new) && same(a.Old_Value__c, h.old));
    if (row) used.add(row.Id); else P.unaudited_changes.push(h);
  }
  // Every audit row names a change that happened; a note's row a note
  // that exists, linked to the record.
  const notedIds = new Set();
  for (const a of org.ok) {
    if (a.Field_Name__c === 'ContentNote') {
      const n = org.notes.find((x) => x.Id === a.New_Value__c);
      const l = org.links.find((x) => x.ContentDocumentId === a.New_Value__c && id15(x.LinkedEntityId) === id15(a.Record_Id__c));
      if (!n || !l) P.phantom_rows.push(a);
      notedIds.add(a.New_Value__c);
    } else if (!used.has(a.Id)) P.phantom_rows.push(a);
  }
  P.unaudited_notes = org.notes.filter((n) => !notedIds.has(n.Id)).map((n) => n.Id);
  P.orphan_links = org.links.filter((l) => !org.notes.some((n) => n.Id === l.ContentDocumentId)).map((l) => l.Id);

  // One ok row per attempt, each an attempt the journal knows.
  const byAttempt = new Map();	// attempt -> its journal lines
  for (const l of journal) {
    if (!byAttempt.has(l.attempt)) byAttempt.set(l.attempt, []);
    byAttempt.get(l.attempt).push(l);
  }
  const final = (at) => { const ls = byAttempt.get(at); return ls ? ls[ls.length - 1] : null; };
  const okByAttempt = new Map();
  for (const a of org.ok) {
    const at = attemptOf(a);
    if (!at) { P.rows_without_attempt.push(a.Id); continue; }
    if (okByAttempt.has(at)) P.attempts_with_two_rows.push(at);
    okByAttempt.set(at, a);
    const ls = byAttempt.get(at);
    if (!ls) { P.rows_unknown_to_journal.push({ row: a.Id, attempt: at }); continue; }
    // The row says what the journal planned: record, field, old and new.
    const p = ls[0];
    const fieldOk = p.tool === 'add_note' ? a.Field_Name__c === 'ContentNote'
      : a.Field_Name__c === p.field && same(a.New_Value__c, p.new_value) && same(a.Old_Value__c, p.old_value);
    if (id15(a.Record_Id__c) !== id15(p.record) || a.Object_Name__c !== p.object || !fieldOk)
      P.row_disagrees_with_journal.push({ row: a.Id, attempt: at, journal: p });
  }

  // Each attempt of the journal: its last event and the org agree.  A
  // late commit (looked up at once, not there, then finished by the org
  // after its client hung up) is the one allowed disagreement, and only
  // when the simulator's log shows that composite run after the close.
  const F = { attempts: byAttempt.size, applied: 0, resolved_applied: 0, refused: 0, resolved_not_applied: 0,
    late_commits: 0, unknown: 0, unknown_applied: 0, not_sent: 0, error: 0,
    failed_rows: org.failed.length, failed_rows_confirmed: 0, failed_rows_unconfirmed: 0, failed_rows_unconfirmed_present: 0,
    changes: org.history.length, audit_rows: org.ok.length, notes: org.notes.length };
  for (const [at, ls] of byAttempt) {
    const f = ls[ls.length - 1];
    const applied = okByAttempt.has(at);
    const sent = ls.some((l) => l.event === 'sent');
    if (f.event === 'unknown') { F.unknown++; if (applied) F.unknown_applied++; continue; }
    if (APPLIED.includes(f.event)) {
      F[f.event]++;
      if (!applied) P.journal_disagrees_with_org.push({ attempt: at, journal: f.event, org: 'not applied' });
      else if (f.audit_id && f.audit_id !== okByAttempt.get(at).Id) P.journal_disagrees_with_org.push({ attempt: at, journal: `${f.event} ${f.audit_id}`, org: okByAttempt.get(at).Id });
      continue;
    }
    if (!NOT_APPLIED.includes(f.event)) { P.journal_disagrees_with_org.push({ attempt: at, journal: f.event, org: applied ? 'applied' : 'not applied', why: 'unknown event' }); continue; }
    if (!sent) F.not_sent++;
    else if (f.event === 'error') F.error++;
    else if (f.event === 'resolved_not_applied') F.resolved_not_applied++;
    else F.refused++;
    if (applied) {
      if (f.event === 'resolved_not_applied' && late.has(at)) F.late_commits++;
      else P.journal_disagrees_with_org.push({ attempt: at, journal: f.event, org: 'applied', late: late.has(at) });
    }
  }

  // Failed__c rows: at most one per attempt, only for a refused attempt
  // (never an applied one), and each refused attempt has exactly the row
  // the writer confirmed.  A failed row whose own composite lost its
  // answer is unconfirmed in the journal: the org may or may not have it.
  const failedByAttempt = new Map();
  for (const a of org.failed) {
    const at = attemptOf(a);
    if (!at) { P.failed_row_problems.push({ row: a.Id, why: 'no attempt id' }); continue; }
    if (failedByAttempt.has(at)) P.failed_row_problems.push({ row: a.Id, attempt: at, why: 'a second failed row' });
    failedByAttempt.set(at, a);
    const f = final(at);
    if (okByAttempt.has(at)) P.failed_row_problems.push({ row: a.Id, attempt: at, why: 'the attempt was applied' });
    if (!f || !(byAttempt.get(at) || []).some((l) => l.event === 'refused'))
      P.failed_row_problems.push({ row: a.Id, attempt: at, why: `the journal has no refusal (${f ? f.event : 'no attempt'})` });
  }
  for (const [at, ls] of byAttempt) {
    if (!ls.some((l) => l.event === 'refused')) continue;
    const fa = ls.find((l) => l.event === 'failed_audit');
    const row = failedByAttempt.get(at);
    if (fa && fa.audit_id) {
      F.failed_rows_confirmed++;
      if (!row || row.Id !== fa.audit_id) P.refused_without_failed_row.push({ attempt: at, journal: fa.audit_id, org: row ? row.Id : null });
    } else if (fa) {
      F.failed_rows_unconfirmed++;
      if (row) F.failed_rows_unconfirmed_present++;
    } else if (!ls.some((l) => l.event === 'unknown')) {
      P.refused_without_failed_row.push({ attempt: at, journal: 'no failed_audit event', org: row ? row.Id : null });
    }
  }

  // Each call: its result names an attempt of the journal whose outcome
  // it states; a call without a result (cancelled, or an error) is found
  // in the journal by what it wrote, when it got that far.
  const key = (tool, record, field, value, title) => tool === 'add_note' ? `n|${id15(record)}|${title}` : `u|${id15(record)}|${field}|${norm(value)}`;
  const byKey = new Map();
  for (const [at, ls] of byAttempt) byKey.set(key(ls[0].tool, ls[0].record, ls[0].field, ls[0].new_value, ls[0].title), at);
  F.calls = calls.length;
  F.calls_without_attempt = 0;
  for (const c of calls) {
    let at = c.attempt;
    if (!at) {
      at = byKey.get(key(c.tool, c.id, c.field, c.value, c.title)) || null;
      c.attempt = at;
      if (!at) { F.calls_without_attempt++; continue; }
    }
    const f = final(at);
    if (!f) { P.calls_not_in_journal.push({ i: c.i, attempt: at, status: c.status }); continue; }
    if (c.status && !(STATUS_EVENTS[c.status] || []).includes(f.event))
      P.results_disagree.push({ i: c.i, attempt: at, status: c.status, journal: f.event, text: String(c.text || '').slice(0, 200) });
  }
  return { problems: P, figures: F, okByAttempt, failedByAttempt, final };
}

/** The problem lists that are not empty, for a message. */
export function problemsOf(a) {
  return Object.fromEntries(Object.entries(a.problems).filter(([, v]) => v.length > 0).map(([k, v]) => [k, v.slice(0, 10)]));
}
