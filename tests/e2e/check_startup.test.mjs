// The start-up check (SFDC_STARTUP_CHECK, on by default): right after
// initialize, in the background, the server describes Opportunity (and
// OpportunityHistory when LastStageChangeDate is missing) and withholds
// the reads the org's shape would fail, with the reason, as the write
// tools are withheld: "Unavailable: <reason>" in tools/list, refused
// without a request, notifications/tools/list_changed for a client that
// has listed.  It delays neither initialize nor the first tools/list,
// and the tools reuse its describe: a tool's own requests do not grow.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, startSim, simEnv, connectSdk, dataCalls, waitFor } from './lib.mjs';

let sim;
before(async () => { sim = await startSim(); });
after(async () => { await sim.stop(); });

/** simEnv() with the server's default: the start-up check on. */
const defaultEnv = (extra = {}) => {
  const env = simEnv(sim, { SFDC_LOG_LEVEL: 'info', ...extra });
  if (!('SFDC_STARTUP_CHECK' in extra)) delete env.SFDC_STARTUP_CHECK;
  return env;
};
const done = (s) => waitFor(() => /start-up check: done/.test(s.stderr), 10000);
const describes = (log) => log.filter((e) => /\/sobjects\/\w+\/describe$/.test(e.path));

async function listChanged(client) {
  const { ToolListChangedNotificationSchema } = await import('@modelcontextprotocol/sdk/types.js');
  const seen = { n: 0 };
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => { seen.n++; });
  return seen;
}

test('the commit stage missing from the picklist: at_risk_commits is withheld with the reason, and list_changed arrives', async (t) => {
  await sim.control('POST', 'org', { inactive_stages: ['Commit'] });
  t.after(() => sim.control('POST', 'org', { inactive_stages: [] }));
  // The describe takes 4 s: had initialize or the first tools/list waited
  // for it, at_risk_commits would already be listed as unavailable.
  await sim.control('POST', 'faults', { match: { path_prefix: '/services/data/v60.0/sobjects/Opportunity/describe' }, count: 1, action: { delay_ms: 4000 } });
  await sim.clearLog();
  const s = await connectSdk(defaultEnv());
  try {
    const seen = await listChanged(s.client);
    let { tools } = await s.client.listTools();
    let risk = tools.find((x) => x.name === 'at_risk_commits');
    assert.doesNotMatch(risk.description, /^Unavailable/, 'not known yet: listed as usual, without waiting for the describe');
    assert.doesNotMatch(s.stderr, /start-up check: done/, 'the describe was still on its way');
    assert.ok(await waitFor(() => seen.n > 0, 10000), 'notifications/tools/list_changed');
    ({ tools } = await s.client.listTools());
    risk = tools.find((x) => x.name === 'at_risk_commits');
    assert.match(risk.description, /^Unavailable: the commit stage 'Commit' \(SFDC_COMMIT_STAGE_NAME\) is not an active value of this org's Opportunity StageName picklist: set SFDC_COMMIT_STAGE_NAME/);
    for (const x of tools.filter((y) => y.name !== 'at_risk_commits' && !['update_field', 'add_note'].includes(y.name)))
      assert.doesNotMatch(x.description, /^Unavailable/, x.name);
    // Refused without a request.
    await sim.clearLog();
    const r = await s.client.callTool({ name: 'at_risk_commits', arguments: {} });
    assert.equal(r.isError, true);
    assert.match(r.content[0].text, /^at_risk_commits: Unavailable: the commit stage 'Commit' .*; nothing was sent$/);
    assert.equal(dataCalls(await sim.log()).length, 0);
    assert.match(s.stderr, /"msg":"start-up check: done \(at_risk_commits withheld\)"/);
  } finally {
    await s.client.close();
  }
});

test('no LastStageChangeDate and no readable OpportunityHistory: stale_opps is withheld', async (t) => {
  await sim.control('POST', 'org', { last_stage_change_from: 61 });
  t.after(() => sim.control('POST', 'org', { last_stage_change_from: 0 }));
  await sim.control('POST', 'faults', { match: { path_prefix: '/services/data/v60.0/sobjects/OpportunityHistory/describe' }, count: 1,
    action: { status: 404, errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' } });
  const s = await connectSdk(defaultEnv());
  try {
    assert.ok(await done(s), s.stderr);
    const { tools } = await s.client.listTools();
    assert.match(tools.find((x) => x.name === 'stale_opps').description, /^Unavailable: this org has neither Opportunity\.LastStageChangeDate nor a readable OpportunityHistory/);
    assert.doesNotMatch(tools.find((x) => x.name === 'at_risk_commits').description, /^Unavailable/);
  } finally {
    await s.client.close();
  }
  // With stage history readable, nothing is withheld.
  const s2 = await connectSdk(defaultEnv());
  try {
    assert.ok(await done(s2), s2.stderr);
    assert.match(s2.stderr, /start-up check: done \(nothing withheld\)/);
  } finally {
    await s2.client.close();
  }
  // Nor with StageName's field history only (stale_opps falls back to it).
  await sim.control('POST', 'org', { stage_history: 'field' });
  const s3 = await connectSdk(defaultEnv());
  try {
    assert.ok(await done(s3), s3.stderr);
    assert.match(s3.stderr, /start-up check: done \(nothing withheld\)/);
    const { tools } = await s3.client.listTools();
    assert.doesNotMatch(tools.find((x) => x.name === 'stale_opps').description, /^Unavailable/);
  } finally {
    await s3.client.close();
    await sim.control('POST', 'org', { stage_history: 'opportunity' });
  }
});

test('the tools reuse the start-up describe: a tool\'s own requests, counted once the check is done, do not grow', async () => {
  // Off: a cold process's pipeline_by_stage sends its describe itself.
  await sim.clearLog();
  let s = await connectSdk(simEnv(sim));
  let cold;
  try {
    await s.client.callTool({ name: 'pipeline_by_stage', arguments: {} });
    cold = dataCalls(await sim.log());
  } finally {
    await s.client.close();
  }
  assert.equal(describes(cold).length, 1);
  // On: one describe at start-up, then the same tool sends the rest only.
  await sim.clearLog();
  s = await connectSdk(defaultEnv());
  try {
    assert.ok(await done(s), s.stderr);
    const startup = dataCalls(await sim.log());
    assert.deepEqual(startup.map((e) => e.path), ['/services/data/v60.0/sobjects/Opportunity/describe'], 'the start-up check is one describe');
    await sim.clearLog();
    await s.client.callTool({ name: 'pipeline_by_stage', arguments: {} });
    const warm = dataCalls(await sim.log());
    assert.equal(describes(warm).length, 0, 'describe reused');
    assert.deepEqual(warm.map((e) => e.soql), cold.filter((e) => !/describe$/.test(e.path)).map((e) => e.soql));
  } finally {
    await s.client.close();
  }
});

test('SFDC_STARTUP_CHECK=off asks nothing at start-up; a bad value is a configuration error naming it', async () => {
  await sim.clearLog();
  const s = await connectSdk(defaultEnv({ SFDC_STARTUP_CHECK: 'off' }));
  try {
    await s.client.listTools();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(dataCalls(await sim.log()).length, 0);
  } finally {
    await s.client.close();
  }
  const r = await new Promise((resolve) => {
    const p = spawn(BIN, ['check'], { env: defaultEnv({ SFDC_STARTUP_CHECK: 'maybe' }), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d) => { stderr += d; });
    p.once('exit', (code) => resolve({ code, stderr }));
  });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /SFDC_STARTUP_CHECK must be on or off/);
});

test('update_field names the writable fields the start-up check found unusable', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ckst-'));
  chmodSync(dir, 0o700);
  try {
    const s = await connectSdk(defaultEnv({ SFDC_JOURNAL: join(dir, 'journal.jsonl'),
      SFDC_WRITABLE_FIELDS: 'Opportunity.Nope__c,Opportunity.NextStep,Account.*' }));
    try {
      let desc = '';
      assert.ok(await waitFor(async () => {
        const { tools } = await s.client.listTools();
        desc = tools.find((x) => x.name === 'update_field').description;
        return /Not accepted here/.test(desc);
      }, 10000), desc);
      assert.doesNotMatch(desc, /^Unavailable/);
      assert.match(desc, /Not accepted here \(the start-up check of SFDC_WRITABLE_FIELDS\): Opportunity\.Nope__c: Opportunity\.Nope__c: describe of Opportunity has no such field/);
      assert.doesNotMatch(desc, /NextStep:/);
      // And the writer refuses it, before anything is sent.
      const r = await s.client.callTool({ name: 'update_field', arguments: { object_type: 'Opportunity', object_id: '006000000000001AAA',
        field_name: 'Nope__c', new_value: 'x', justification: 'a test of the start-up check', dry_run: true } });
      assert.equal(r.isError, true);
      assert.match(r.content.map((c) => c.text).join('\n'), /Nope__c/);
    } finally {
      await s.client.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
