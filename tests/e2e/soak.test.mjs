// The short fault soak: bench/soak.mjs (which runs 10,000 calls as a
// benchmark), the same code on 1,000 mixed tool calls, 8 in flight, a
// fifth of them writes, with random faults from the simulator (503, 500,
// resets before and after processing, delays past the HTTP deadline
// dropped or processed after the client hung up, truncated and malformed
// bodies, expired tokens, a validation rule or a locked row on a write)
// and cancellations from the client.  No crash (the same four processes
// at the end), no hang (each call answered or cancelled within its
// deadline + slack), every call answered or cancelled, no more failed
// calls than faults, the tree's Anonymous memory within 10 % of its
// value after the warm-up (not judged in an ASan build, whose quarantine
// grows by design), and every write accounted for against the
// simulator's records, its change log and the journal
// (tests/e2e/writecheck.mjs).  A higher fault rate than the benchmark's,
// so that each kind of fault lands on writes within the short run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { soak, markdown } from '../../bench/soak.mjs';

test('1,000 calls, writes included, under random faults: no crash, no hang, memory flat, every write accounted for', {
  skip: process.getuid() !== 0 && 'needs root to read the children\'s /proc/PID/smaps_rollup (they are not dumpable)',
  timeout: 150000,
}, async (t) => {
  const r = await soak({ calls: 1000, concurrency: 8, faultRate: 0.15, cancelRate: 0.03, writeShare: 0.25, seed: 7, warmup: 400 });
  t.diagnostic(markdown(r).replace(/\n/g, ' / '));
  assert.deepEqual(r.failures, [], markdown(r));
  assert.ok(r.ok_overall);
  assert.equal(r.answered + r.cancelled, 1000);
  assert.equal(r.hung, 0);
  assert.ok(r.faults_total >= 100, `faults were injected (${r.faults_total})`);
  assert.ok(r.ok > 800, `most calls succeed (${r.ok})`);
  // The faults reached the writes: every outcome the writer can give
  // under them was seen and accounted for.
  const w = r.writes;
  assert.ok(r.write_calls >= 200, `writes were called (${r.write_calls})`);
  assert.ok(w.applied > 100, `writes applied (${w.applied})`);
  assert.ok(w.refused > 0 && w.failed_rows_confirmed > 0, `writes refused, each with its Failed__c row (${w.refused}, ${w.failed_rows_confirmed})`);
  assert.ok(w.resolved_applied + w.resolved_not_applied > 0, `ambiguous outcomes resolved by the attempt-id lookup (${w.resolved_applied} + ${w.resolved_not_applied})`);
  assert.ok(w.changes > 0 && w.audit_rows >= w.changes, `changes (${w.changes}) and audit rows (${w.audit_rows})`);
});
