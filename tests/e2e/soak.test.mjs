// The short fault soak (bench/soak.mjs, which runs 10,000 calls as a
// benchmark): 1,000 mixed tool calls, 8 in flight, with random faults
// from the simulator (503, 500, resets before and after, delays past
// the HTTP deadline, truncated and malformed bodies, expired tokens) and
// cancellations from the client.  No crash (the same four processes at
// the end), no hang, every call answered or cancelled, no more failed
// calls than faults, and the tree's private memory (USS) within 10 % of
// its value after the warm-up (PSS reported; memory is not judged in an
// ASan build, whose quarantine grows by design).
// Writes join by themselves once the server lists them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { soak, markdown } from '../../bench/soak.mjs';

test('1,000 calls under random faults: no crash, no hang, all answered, memory flat', {
  skip: process.getuid() !== 0 && 'needs root to read the children\'s /proc/PID/smaps_rollup (they are not dumpable)',
  timeout: 120000,
}, async (t) => {
  const r = await soak({ calls: 1000, concurrency: 8, faultRate: 0.05, cancelRate: 0.02, seed: 7, warmup: 400 });
  t.diagnostic(markdown(r).replace(/\n/g, ' / '));
  assert.deepEqual(r.failures, [], markdown(r));
  assert.ok(r.ok_overall);
  assert.equal(r.answered + r.cancelled, 1000);
  assert.ok(r.faults_total >= 20, `faults were injected (${r.faults_total})`);
  assert.ok(r.ok > 900, `most calls succeed (${r.ok})`);
});
