// A randomized fault run of the write path (issue 10): at least 500
// writes, update_field and add_note mixed, from a seeded PRNG (the seed
// is printed; WRITE_FAULTS_SEED=N repeats a run, WRITE_FAULTS_N=N sets the
// count, WRITE_FAULTS_AUDIT=full runs it against an audit object with
// Attempt_Id__c and Error__c too), with faults injected by the simulator: a 503 before the
// composite, a reset after it (processed, answer lost) or before it, a
// validation rule, a locked row or field-level security on one of its
// subrequests, and a concurrent edit through the simulator's own REST API
// that makes If-Unmodified-Since fail with 412.  Then, from the
// simulator's records, its per-field change log and the journal:
//   - zero field changes without their audit row,
//   - zero audit rows claiming a change that did not happen,
//   - zero notes without their audit row and link,
// A few composites are held past the HTTP timeout (the answer never comes;
// the simulator drops a request whose client went away, so it is not
// applied) and must be resolved by the attempt-id lookup.
//   - the journal's final event of each attempt agrees with the org, and
//     each tool result with both.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSim, simEnv, connectSdk, simFetch, composites, simPost, callWrite, journalLines } from './lib.mjs';
import { orgWrites, accountWrites } from './writecheck.mjs';
import sfsimData from '../sfsim/lib/data.js';

const SEED = process.env.WRITE_FAULTS_SEED ? Number(process.env.WRITE_FAULTS_SEED) : (Date.now() % 2147483647);
const N = process.env.WRITE_FAULTS_N ? Number(process.env.WRITE_FAULTS_N) : 500;
const MAX_412 = 8; // each holds a composite about a second and a half
const MAX_DEADLINE = 3; // each holds one past SFDC_HTTP_TIMEOUT_MS (3 s)
const HTTP_TIMEOUT_MS = 3000;

/** The simulator's own mulberry32: a seed replays a run. */
const { rng } = sfsimData;

let sim;
let jdir;
let journal;
const opened = [];

before(async () => {
  sim = await startSim(['--opportunities', '200', '--api-limit', '1000000']);
  if (process.env.WRITE_FAULTS_AUDIT === 'full') await simPost(sim, 'org', { audit_attempt_id: true, audit_error: true });
  jdir = mkdtempSync(join(tmpdir(), 'sfrevops-journal-'));
  journal = join(jdir, 'journal.jsonl');
});
after(async () => {
  for (const c of opened) await c.close().catch(() => {});
  if (sim) await sim.stop();
  if (jdir) rmSync(jdir, { recursive: true, force: true });
});

test(`randomized fault run: ${N} writes, audit and journal invariants`, { timeout: 170000 }, async (t) => {
  t.diagnostic(`seed ${SEED} (WRITE_FAULTS_SEED=${SEED} repeats this run), ${N} writes`);
  const rand = rng(SEED);
  const pick = (a) => a[Math.floor(rand() * a.length)];
  const c = await connectSdk(simEnv(sim, { SFDC_CONFIRM_WRITES: 'never', SFDC_JOURNAL: journal, SFDC_HTTP_TIMEOUT_MS: String(HTTP_TIMEOUT_MS) }), opened);
  // Wait for the writer's start-up validation.
  for (let i = 0; i < 150; i++) {
    const u = (await c.client.listTools()).tools.find((x) => x.name === 'update_field');
    assert.ok(u, 'update_field is listed');
    if (!/^Unavailable/.test(u.description)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const opps = (await sim.records('Opportunity')).filter((o) => !o.IsClosed).slice(0, 15).map((o) => o.Id);
  const accs = (await sim.records('Account')).slice(0, 8).map((a) => a.Id);
  const FIELDS = { Opportunity: ['NextStep', 'Amount'], Account: ['BillingCity'] };
  const results = [];
  const faults = {};
  let n412 = 0;
  let nDeadline = 0;
  const t0 = Date.now();

  for (let i = 0; i < N; i++) {
    const note = rand() < 0.3;
    const object = rand() < 0.65 ? 'Opportunity' : 'Account';
    const id = pick(object === 'Opportunity' ? opps : accs);
    const field = note ? 'ContentNote' : pick(FIELDS[object]);
    const value = field === 'Amount' ? 1000 + i : `v${i} s${SEED}`;
    const r = rand();
    let fault = 'none';
    if (r < 0.5) fault = 'none';
    else if (r < 0.58) fault = '503';
    else if (r < 0.66) fault = 'reset_after';
    else if (r < 0.71) fault = 'reset_before';
    else if (r < 0.79) fault = 'validation';
    else if (r < 0.87) fault = 'lock';
    else if (r < 0.93) fault = 'fls';
    else if (r < 0.97) { if (n412 < MAX_412 && !note) { fault = '412'; n412++; } }
    else if (nDeadline < MAX_DEADLINE) { fault = 'deadline'; nDeadline++; }
    faults[fault] = (faults[fault] || 0) + 1;

    const composite = { method: 'POST', path_prefix: '/services/data/' };
    const sub = () => {
      if (!note) return pick([{ method: 'PATCH', object, id }, { method: 'POST', object: 'Cleanup_Audit__c' }]);
      return { method: 'POST', object: pick(['ContentNote', 'ContentDocumentLink', 'Cleanup_Audit__c']) };
    };
    switch (fault) {
      case '503': await simPost(sim, 'faults', { match: composite, count: 1, action: { status: 503 } }); break;
      case 'reset_after': await simPost(sim, 'faults', { match: composite, count: 1, action: { reset: 'after' } }); break;
      case 'reset_before': await simPost(sim, 'faults', { match: composite, count: 1, action: { reset: 'before' } }); break;
      case 'validation': await simPost(sim, 'faults', { match: { subrequest: sub() }, count: 1, action: { error: 'validation', message: `Rule ${i} says no.` } }); break;
      case 'lock': await simPost(sim, 'faults', { match: { subrequest: sub() }, count: 1, action: { error: 'lock' } }); break;
      case 'fls': await simPost(sim, 'faults', { match: { subrequest: sub() }, count: 1, action: { error: 'fls' } }); break;
      case 'deadline': await simPost(sim, 'faults', { match: composite, count: 1, action: { delay_ms: HTTP_TIMEOUT_MS + 1000 } }); break;
      case '412':
        await sim.clearLog();
        await simPost(sim, 'faults', { match: composite, count: 1, action: { delay_ms: 1600 } });
        break;
      default: break;
    }
    const args = note
      ? { object_type: object, object_id: id, body: `Note ${i} of seed ${SEED}: <b>&</b>\nline two` }
      : { object_type: object, object_id: id, field_name: field, new_value: value, justification: `Randomized write ${i} (seed ${SEED})` };
    const t1 = Date.now();
    const call = callWrite(c.client, note ? 'add_note' : 'update_field', args);
    if (fault === '412') {
      // Edit another field in a later second than the composite's arrival.
      let held;
      for (const end = Date.now() + 10000; !held && Date.now() < end;) {
        held = composites(await sim.log())[0];
        if (!held) await new Promise((res) => setTimeout(res, 5));
      }
      if (held) {
        const sec = Math.floor(Date.parse(held.ts) / 1000);
        while (Math.floor(Date.now() / 1000) <= sec) await new Promise((res) => setTimeout(res, 10));
        const other = object === 'Opportunity' ? { Description: `concurrent edit ${i}` } : { Phone: `+1 555 000 ${1000 + (i % 9000)}` };
        const e = await simFetch(sim, 'PATCH', `/services/data/v60.0/sobjects/${object}/${id}`, other, { Authorization: `Bearer ${sim.access_token}` });
        assert.equal(e.status, 204, e.body);
      }
    }
    const res = await call;
    // A fault the write never reached (none should be left) must not hit the next one.
    if (fault !== 'none') await sim.control('DELETE', 'faults');
    const status = res.out ? res.out.status : null;
    results.push({ i, ms: Date.now() - t1, note, object, id, field, value, fault, status, attempt: res.out ? res.out.attempt_id : null, text: res.text, isError: res.isError });
    if (!res.out || !res.out.attempt_id) assert.fail(`write ${i} (seed ${SEED}, fault ${fault}) has no attempt: ${res.text}`);
  }
  const elapsed = Date.now() - t0;
  const byStatus = {};
  for (const r of results) byStatus[r.status] = (byStatus[r.status] || 0) + 1;
  t.diagnostic(`${results.length} writes in ${elapsed} ms; faults ${JSON.stringify(faults)}; outcomes ${JSON.stringify(byStatus)}`);
  const msBy = {};
  for (const r of results) (msBy[r.fault] = msBy[r.fault] || []).push(r.ms);
  t.diagnostic('mean ms per write by fault: ' + Object.entries(msBy).map(([k, v]) => `${k} ${Math.round(v.reduce((a, b) => a + b, 0) / v.length)}`).join(', '));

  // ------------------------------------------------------ the invariants
  // (writecheck.mjs: the same accounting as the fault soak's)
  const tag = `(seed ${SEED})`;
  const org = await orgWrites(sim, { fields: FIELDS });
  const calls = results.map((r) => ({ ...r, tool: r.note ? 'add_note' : 'update_field' }));
  const a = accountWrites({ org, journal: journalLines(journal), calls });
  for (const [name, list] of Object.entries(a.problems)) assert.deepEqual(list, [], `${name.replace(/_/g, ' ')} ${tag}`);
  t.diagnostic(`accounting: ${JSON.stringify(a.figures)}`);
  const failed = org.failed;
  // Every call got as far as an attempt, and each failed-attempt row was
  // confirmed (its composite runs after the fault was spent).
  assert.equal(a.figures.calls_without_attempt, 0, `every write has an attempt ${tag}`);
  assert.equal(a.figures.failed_rows_unconfirmed, 0, `every failed row confirmed ${tag}`);
  assert.equal(a.figures.unknown, 0, `every ambiguous outcome resolved by the lookup ${tag}`);
  assert.equal(failed.length, results.filter((r) => r.status === 'refused').length, `failed rows for refused attempts only ${tag}`);
  // The faults did their work: some refused, some resolved by lookup.
  assert.ok(results.length >= 500 || N < 500, 'at least 500 writes');
  assert.ok(results.some((r) => r.status === 'refused') && results.some((r) => r.status === 'applied'), `a mix of outcomes ${tag}`);
  assert.ok(failed.length > 0, `failed-attempt rows were written ${tag}`);
  assert.ok(elapsed < 90000, `the run took ${elapsed} ms, over 90 s`);
});
